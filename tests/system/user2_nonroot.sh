#!/usr/bin/env bash
# jail -c run by a user who is not root: FreeBSD's kernel refuses
# jail_set(2), and jail says "jail_set: Operation not permitted".  Here
# the first thing refused was the records directory, and jail said
# "x: /run/jail: Permission denied", which sent the user to that
# directory's mode rather than to root.
source "$(dirname "$0")/../lib.sh"
cd "$tmp" || exit 1
printf 'x { persist; }\n' >jail.conf
chmod 755 "$tmp"
chmod 644 jail.conf
nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }
check "jail -c name=x persist, as nobody" 1 "" \
    "jail: jail_set: Operation not permitted" \
    nobody jail -c name=x persist
check "jail -f jail.conf -c x, as nobody" 1 "" \
    "jail: x: jail_set: Operation not permitted" \
    nobody jail -f jail.conf -c x
expect "... and no jail was made" "" "$(jls -N -q name 2>&1 | grep -x x)"
finish
