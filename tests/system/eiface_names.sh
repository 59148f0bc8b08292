#!/usr/bin/env bash
# Node and interface names kept in agreement (DESIGN decision 2), as users
# type them: ngctl renames, ip(8) renames, and the two in turn.
source "$(dirname "$0")/../lib.sh"
start_ngd || finish

ifname() { ngctl msg "$1" getifname 2>/dev/null | sed -n 's/^Args:\t"\(.*\)"$/\1/p'; }

# ngctl name, then ip link rename, then ngctl name again: both follow
# each time (issue 14 item 1: the third step renamed only the node).
for _ in 1 2 3; do ngctl mkpeer eiface ether ether; done
expect_rc "ngctl name ngeth2: foo" 0 ngctl name ngeth2: foo
expect_rc "... interface foo" 0 quiet ip link show foo
expect_rc "ip link set foo name bar" 0 ip link set foo name bar
expect_rc "... node bar" 0 quiet ngctl show bar:
expect_rc "ngctl name bar: baz" 0 ngctl name bar: baz
expect_rc "... interface baz" 0 quiet ip link show baz
expect_rc "... no interface bar" 1 quiet ip link show bar
expect "... getifname" "baz" "$(ifname baz:)"
# and once more the other way round, with the interface up
ip link set baz up
expect_rc "ip link set baz name qux (up)" 0 \
    eval 'ip link set baz down && ip link set baz name qux && ip link set qux up'
expect_rc "... node qux" 0 quiet ngctl show qux:
expect_rc "ngctl name qux: quux" 0 ngctl name qux: quux
expect_rc "... interface quux" 0 quiet ip link show quux
expect "... still up" "1" "$(($(cat /sys/class/net/quux/flags) & 1))"

finish
