#!/usr/bin/env bash
# jail.conf as a new user gets it wrong: the seed page's own two blocks,
# test1's } left out, so test2 { ... } sits inside test1 and the file
# ends in test1's block.  FreeBSD (and jail here) said only "jail.conf:
# unexpected EOF", pointing nowhere; now the line of the block left open:
#
#   1 test1 {                  <- this one has no }
#   2    vnet.interface = ng_test1;
#   3 test2 {
#   4    vnet.interface = ng_test2;
#   5 }
#
# And `jail -f jail.conf -c test1 test2`, as the README types it, said
# "unknown parameter: test1" for such a file: two words that are not
# all jails of a config are parameters (FreeBSD's rule), and a config
# that did not load had no jails.  Now they name jails and the file's
# error is shown.  jail.service (systemd/jail-rc) said nothing at all.
source "$(dirname "$0")/../lib.sh"
cd "$tmp" || exit 1

printf '%s\n' 'test1 {' '   vnet.interface = ng_test1;' 'test2 {' \
    '   vnet.interface = ng_test2;' '}' >jail.conf
chmod 644 jail.conf
check "the seed's blocks with test1's } left out: where the open block began" 1 "" \
    'jail: jail.conf: unexpected EOF: "test1 {" of line 1 has no }' \
    jail -f jail.conf -c test1
# Two names were taken for parameters when the file did not load.
check "... jail -c test1 test2 says so too, not \"unknown parameter: test1\"" 1 "" \
    'jail: jail.conf: unexpected EOF: "test1 {" of line 1 has no }' \
    jail -f jail.conf -c test1 test2
# jail.service's jail-rc read the jails' names with `jail -e | sed`,
# the pipe's status sed's: such a file started no jail and the service
# was active all the same.
check "jail-rc start (jail.service) with that file fails, saying why" 1 "" \
    "$(printf '%s\n' "jail: $tmp/jail.conf: unexpected EOF: \"test1 {\" of line 1 has no }" \
    "jail-rc: $tmp/jail.conf: no jail started")" \
    env JAIL_CONF="$tmp/jail.conf" "$top/systemd/jail-rc" start
check "... and jail-rc stop" 1 "" \
    "$(printf '%s\n' "jail: $tmp/jail.conf: unexpected EOF: \"test1 {\" of line 1 has no }" \
    "jail-rc: $tmp/jail.conf: no jail removed")" \
    env JAIL_CONF="$tmp/jail.conf" "$top/systemd/jail-rc" stop
# A file only root may read: its text stays out of messages (jail.conf.5).
chmod 600 jail.conf
check "... a file not everyone may read: the line, not the name" 1 "" \
    'jail: jail.conf: unexpected EOF: the block of line 1 has no }' \
    jail -f jail.conf -c test1
# Closed, the same file loads: nothing else was wrong.
printf '}\n' >>jail.conf
check "... closed, jail -e lists both jails" 0 \
    "$(printf '%s\n' 'name=test1 vnet.interface=ng_test1' \
    'name=test1.test2 vnet.interface=ng_test2')" "" \
    jail -f jail.conf -e ' '
finish
