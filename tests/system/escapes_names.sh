#!/usr/bin/env bash
# What a jail's root chooses, printed on the host admin's terminal.  A
# vnet jail's root names the nodes and hooks of its own graph, which the
# host's admin reads with ngctl -j; a jail's root may set its hostname
# (allow.set_hostname, the default), which jls prints.  Names may hold
# any byte but '.' and ':' (as on FreeBSD), so an ESC sequence in one
# would act on the admin's terminal (retitle it, hide a line, fake
# output).  The tools now print each byte outside printable ASCII as a
# backslash and three octal digits (ESC as \033) and a name's backslash
# doubled; an ordinary name prints as it is.
source "$(dirname "$0")/../lib.sh"
cleanup() {
	jail -q -r esc_v >/dev/null 2>&1
	stop_ngd
	rm -rf "$tmp"
}
trap cleanup EXIT

# raw FILE: does it hold a byte a terminal acts on (a C0 control other
# than newline and tab, or DEL)?
raw() { LC_ALL=C grep -q $'[\x01-\x08\x0b-\x1f\x7f]' "$1" && echo raw; }

# (jexec's user, below: a passwd of the jail's)
# (never outside tests/sandbox's mount namespace: the host's passwd)
[ "${NG_SANDBOXED:-}" = 1 ] && cp /etc/passwd "$tmp/passwd" &&
    echo $'esc_u:x:4242:4242::/nowhere\033]0;owned\a:/bin/sh' >>"$tmp/passwd" &&
    mount --bind "$tmp/passwd" /etc/passwd || fail "a passwd of the jail's"
start_ngd || finish
jail -q -c name=esc_v vnet persist || fail "jail esc_v"
env -u NGCTL_NO_AUTOSTART ngctl -j esc_v list >/dev/null ||
    fail "ngctl -j esc_v starts the jail's ngd"

# The jail's root names a node and a hook with ESC sequences (a title
# rewrite, a carriage return, an erase-line, hidden text), and another
# node with a backslash.
evil=$'x\033]0;owned\a\r\033[2K'
hook=$'h\033[8m'
jexec esc_v ngctl mkpeer eiface ether ether &&
    jexec esc_v ngctl name ngeth0: "$evil" 2>/dev/null &&
    jexec esc_v ngctl mkpeer "$evil": hub ether "$hook" &&
    jexec esc_v ngctl name "$evil":ether 'back\slash' ||
    fail "the jail's root names its nodes"
vis_evil='x\033]0;owned\007\015\033[2K'
vis_hook='h\033[8m'

ngctl -j esc_v list >"$tmp/out" 2>&1
expect "ngctl -j list: no raw control byte" "" "$(raw "$tmp/out")"
expect "... the name escaped, ESC as \\033" 1 \
    "$(grep -cF "  Name: $vis_evil Type: eiface " "$tmp/out")"
expect "... a backslash doubled" 1 \
    "$(grep -cF '  Name: back\\slash     Type: hub ' "$tmp/out")"
ngctl -j esc_v show back\\slash: >"$tmp/out" 2>&1
expect "ngctl -j show: no raw control byte" "" "$(raw "$tmp/out")"
expect "... its hook escaped" 1 "$(grep -cF "  $vis_hook " "$tmp/out")"
expect "... its peer's name escaped" 1 \
    "$(grep -cF " $vis_evil eiface " "$tmp/out")"
ngctl -j esc_v show "$evil": >"$tmp/out" 2>&1
expect "ngctl -j show by the name itself: no raw control byte" "" \
    "$(raw "$tmp/out")"
expect "... the peer's hook escaped" 1 \
    "$(grep -cE "^  ether +back.{2}slash +hub +[0-9a-f]{8} +h.033\[8m" \
    "$tmp/out")"
for c in "dot" "dot -c" "dot -s"; do
	ngctl -j esc_v $c >"$tmp/out" 2>&1
	expect "ngctl -j $c: no raw control byte" "" "$(raw "$tmp/out")"
done
ngctl -j esc_v connect "$evil": back\\slash: ether x >"$tmp/out" 2>&1
expect "ngctl -j: a complaint naming the jail's hook: no raw control byte" \
    "" "$(raw "$tmp/out")"
expect "... which names the node escaped" 1 \
    "$(grep -cF "node $vis_evil: already has a hook" "$tmp/out")"

# An ordinary name prints as it is.
jexec esc_v ngctl name back\\slash: plain
expect "an ordinary name prints as it is" \
    "  Name: plain           Type: hub             ID: ########   Num hooks: 1" \
    "$(masked ngctl -j esc_v show -n plain:)"

# jls: the jail's root sets its hostname (allow.set_hostname).
jexec esc_v python3 -c 'import socket; socket.sethostname(b"h\x1b]0;owned\x07\x1b[2K")' ||
    fail "the jail's root sets its hostname"
for o in "" -v -n -s "-h host.hostname" "-q host.hostname"; do
	jls $o >"$tmp/out" 2>&1
	expect "jls $o: no raw control byte" "" "$(raw "$tmp/out")"
	expect "... the hostname escaped" 1 \
	    "$(grep -cF 'h\033]0;owned\007\033[2K' "$tmp/out")"
done
expect "jls -j esc_v host.hostname" 'h\033]0;owned\007\033[2K' \
    "$(jls -j esc_v host.hostname)"
jexec esc_v python3 -c 'import socket; socket.sethostname(b"ordinary")'
expect "... an ordinary one as it is" "ordinary" \
    "$(jls -j esc_v host.hostname)"
# jexec -l: the user's home directory comes from the jail's passwd, which
# its root writes (here one mounted over /etc/passwd before the jail was
# made, in the test's own mount namespace); a home it cannot enter is
# named in the complaint.
jexec -l -U esc_u esc_v true >"$tmp/out" 2>&1
expect "jexec -l: a complaint naming the jail's home directory: no raw control byte" \
    "" "$(raw "$tmp/out")"
expect "... which names it escaped" 1 \
    "$(grep -cF 'chdir: /nowhere\033]0;owned\007: No such file or directory' "$tmp/out")"
finish
