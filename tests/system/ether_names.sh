#!/usr/bin/env bash
# Every Ethernet interface of ngd's namespace gets its ether node, named
# after it, whatever the name: a veth of the user's called ngel7 or
# ngeu8 (names like those of ngd's own TAP channels, which are TAPs and
# get none) has its node; one called like a node of another kind (here
# the bridge sw0) gets an unnamed node, as FreeBSD's ng_ether leaves a
# node it cannot name, and ngd's log says why.  Both got no node at all
# before, and nothing said so.  An eiface's own interface still gets
# none (ether_ifaces.sh).
#
#   ngeth0 --ether:link0-- sw0 (bridge)      veths ngel7/ngeu8, sw0/sw0p
source "$(dirname "$0")/../lib.sh"
export NGD_LOG=$tmp/ngd.log
trap 'stop_ngd; ip link del ngel7 2>/dev/null; ip link del sw0 2>/dev/null; ip link del sw0x 2>/dev/null; rm -rf "$tmp"' EXIT
ethers() { ngctl list | awk '$4 == "ether" { print $2 }' | sort | tr '\n' ' '; }

start_ngd
ip link add ngel7 type veth peer name ngeu8
expect "veths named ngel7 and ngeu8 have their nodes" "ngel7 ngeu8 " "$(ethers)"
expect "... which answer for them" '"ngeu8"' \
    "$(ngctl msg ngeu8: getifname | sed -n 's/^Args:\t//p')"

ngctl mkpeer eiface ether ether
ngctl mkpeer ngeth0: bridge ether link0
ngctl name ngeth0:ether sw0
ip link add sw0 type veth peer name sw0p
expect "a veth named like the bridge sw0: its node is unnamed" \
    "<unnamed> ngel7 ngeu8 sw0p " "$(ethers)"
id=$(ngctl list | awk '$2 == "<unnamed>" && $4 == "ether" { print $6 }')
expect "... and answers for sw0" '"sw0"' \
    "$(ngctl msg "[$id]:" getifname | sed -n 's/^Args:\t//p')"
expect "... sw0 is still the bridge" "bridge" \
    "$(ngctl info sw0: | sed -nE 's/.*Type: ([a-z]+).*/\1/p' | head -1)"
expect "... and ngd's log says why, once" 1 \
    "$(grep -c 'ether: the node of sw0 is not named sw0: another node has that name' "$NGD_LOG")"
# The name free again: the node stays unnamed, as FreeBSD's ng_ether
# names a node only when its interface appears or is renamed.
ngctl shutdown sw0:
expect "sw0 free again: the node stays unnamed" "<unnamed> ngel7 ngeu8 sw0p " \
    "$(ethers)"
ip link set sw0 name sw0x
for _ in $(seq 100); do [ "$(ethers)" = "ngel7 ngeu8 sw0p sw0x " ] && break; sleep 0.02; done
expect "... until its interface is renamed" "ngel7 ngeu8 sw0p sw0x " "$(ethers)"
finish
