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
expect_rc "... no interface named bar" 1 test -e /sys/class/net/bar
expect "... getifname" "baz" "$(ifname baz:)"
# and once more the other way round, with the interface up
ip link set baz up
expect_rc "ip link set baz name qux (up)" 0 \
    eval 'ip link set baz down && ip link set baz name qux && ip link set qux up'
expect_rc "... node qux" 0 quiet ngctl show qux:
expect_rc "ngctl name qux: quux" 0 ngctl name qux: quux
expect_rc "... interface quux" 0 quiet ip link show quux
expect "... still up" "1" "$(($(cat /sys/class/net/quux/flags) & 1))"

# 29, as DESIGN decision 2 has it (FreeBSD renames only the one): the
# OS renames ngeth1 to jail1, and the node follows; ngctl name then
# renames both again.
expect_rc "29 ip link set ngeth1 name jail1" 0 ip link set ngeth1 name jail1
expect "29 the node is jail1 now" "  Name: jail1           Type: eiface" \
    "$(ngctl show jail1: | head -n 1 | cut -c 1-36)"
expect_rc "29 ngeth1: is gone" 71 quiet ngctl show ngeth1:
expect_rc "29 ngctl name jail1: ng0_x" 0 ngctl name jail1: ng0_x
expect "29 the interface is ng0_x" "ng0_x" "$(ifname ng0_x:)"
expect_rc "29 ... as ip sees it" 0 test -e /sys/class/net/ng0_x

# A jng-style script renames the interface itself after ngctl name, as
# FreeBSD's jng does with ifconfig (step 5 of jng_bridge), under set -e:
# the interface answers to its old name for a few seconds (an altname).
# Steps 4 to 6 of jng_bridge, ifconfig swapped for ip(8), on a bridge
# named as jng names it ("${iface}bridge"; no ether node needed here).
ngctl -f - <<'EOS'
mkpeer . bridge b link0
name b eth0bridge
msg eth0bridge: setpersistent
EOS
cat >"$tmp/jng-steps" <<'EOS'
set -e
iface=eth0 bridge=bridge eiface=ng0_test
num=2
while ngctl msg "$iface$bridge:" getstats $num > /dev/null 2>&1
do
	num=$(( $num + 1 ))
done
ngctl mkpeer "$iface$bridge:" eiface link$num ether
while [ ${#eiface} -gt 15 ]; do
	eiface=${eiface%?}
done
new=$( set -- `ngctl show -n "$iface$bridge:link$num"` && echo $2 )
ngctl name "$iface$bridge:link$num" $eiface
ip link set $new name $eiface
ip link set $eiface up
ip link set $eiface address 02:00:00:00:00:42
EOS
expect_rc "jng's rename sequence under set -e" 0 bash "$tmp/jng-steps"
expect_rc "... interface ng0_test" 0 quiet ip link show ng0_test
expect "... node ng0_test has it" "ng0_test" "$(ifname ng0_test:)"
expect "... with the MAC the script set" "02:00:00:00:00:42" \
    "$(cat /sys/class/net/ng0_test/address)"
expect "ngeth3 is an altname for now" "ng0_test" \
    "$(ip -o link show ngeth3 2>/dev/null | awk -F': ' '{ sub(/@.*/, "", $2); print $2 }')"
# renaming back to the old name at once works too
expect_rc "ngctl name ng0_test: ngeth3 (its own altname)" 0 \
    ngctl name ng0_test: ngeth3
expect "... interface ngeth3" "ngeth3" "$(ifname ngeth3:)"
expect_rc "... ng0_test now its altname" 0 quiet ip link show ng0_test
expect_rc "ngctl name ngeth3: ng0_test" 0 ngctl name ngeth3: ng0_test
# and a new eiface made meanwhile does not collide with it
expect_rc "mkpeer eiface meanwhile" 0 ngctl mkpeer eiface ether ether
expect_rc "... is ngeth4" 0 quiet ngctl show ngeth4:
sleep 5.5
expect_rc "after 5 s the old name is free" 1 quiet ip link show ngeth3
expect_rc "... and the interface keeps its name" 0 quiet ip link show ng0_test
# the altname goes with the interface
ngctl name ngeth4: short4
expect_rc "shutdown right after a rename" 0 ngctl shutdown short4:
expect_rc "... frees the old name at once" 1 quiet ip link show ngeth4
expect_rc "... so the next eiface is ngeth4 again" 0 \
    eval 'ngctl mkpeer eiface ether ether && ngctl show ngeth4: >/dev/null'

finish
