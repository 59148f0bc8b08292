#!/usr/bin/env bash
# Every Ethernet interface of ngd's namespace gets its ether node, named
# after it, whatever the name: a veth of the user's called ngel7 or
# ngeu8 (names like those of ngd's own TAP channels, which are TAPs and
# get none) has its node; one called like a node of another kind (here
# the bridge sw0) gets none, as on FreeBSD (netgraph.md 9.4: no node is
# made when a node has the interface's name), and ngd's log says why,
# once; nor does a rename of it make one later (FreeBSD renames only a
# node that exists).  An eiface's own interface gets none, silently
# (ether_ifaces.sh).
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
expect "a veth named like the bridge sw0: no node for it" \
    "ngel7 ngeu8 sw0p " "$(ethers)"
expect "... sw0 is still the bridge" "bridge" \
    "$(ngctl info sw0: | sed -nE 's/.*Type: ([a-z]+).*/\1/p' | head -1)"
expect "... and ngd's log says why, once" 1 \
    "$(grep -c 'ether: no node for sw0: another node is named sw0' "$NGD_LOG")"
ngctl shutdown sw0:
ip link set sw0 name sw0x
sleep 0.3
expect "sw0 free again and the interface renamed: still none" \
    "ngel7 ngeu8 sw0p " "$(ethers)"
expect "... and nothing more in the log" 1 \
    "$(grep -c 'ether: no node for' "$NGD_LOG")"
finish
