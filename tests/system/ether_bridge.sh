#!/usr/bin/env bash
# examples/ether.bridge (spec §10.4): two LANs, each behind a veth of
# this namespace, joined into one by a netgraph bridge on the two ether
# nodes' lower hooks, with the host taking part on em0's upper hook.
#   lana:lan0 -- em0 ==lower:link0== bnet0 ==link1:lower== em1 -- lanb:lan1
#                 \==upper:link2==/ (the host, 198.18.10.1)
source "$(dirname "$0")/../lib.sh"
trap 'stop_ngd; ip netns del lana 2>/dev/null; ip netns del lanb 2>/dev/null; rm -rf "$tmp"' EXIT
for x in a b; do
	ip netns add lan$x
	ip -n lan$x link set lo up
done
ip link add em0 type veth peer name lan0 netns lana
ip link add em1 type veth peer name lan1 netns lanb
ip -n lana link set lan0 up
ip -n lanb link set lan1 up
ip -n lana addr add 198.18.10.2/24 dev lan0
ip -n lanb addr add 198.18.10.3/24 dev lan1
ip addr add 198.18.10.1/24 dev em0
start_ngd
ex="$top/examples/ether.bridge"
export BRIDGE_IFACES="em0 em1" LOCAL_IFACES="em0"
expect_rc "ether.bridge start" 0 "$ex" start
expect_rc "LAN a pings LAN b across the bridge" 0 quiet \
    ip netns exec lana ping -c 3 -i 0.2 -w 4 198.18.10.3
expect_rc "LAN b pings the host (em0's upper)" 0 quiet \
    ip netns exec lanb ping -c 3 -i 0.2 -w 4 198.18.10.1
expect_rc "the host pings LAN a" 0 quiet ping -c 3 -i 0.2 -w 4 198.18.10.2
out=$("$ex" stats)
if grep -q 'recvPackets=[1-9]' <<<"$out"; then ok "ether.bridge stats"; else
	fail "ether.bridge stats"; echo "$out" | sed 's/^/    /'; fi
expect_rc "ether.bridge stop" 0 "$ex" stop
expect "the ether nodes stay, hookless" "em0 0
em1 0" "$(ngctl list | awk '$4 == "ether" { print $2, $9 }' | sort)"
expect_rc "LAN b no longer reaches LAN a" 1 quiet \
    ip netns exec lanb ping -c 2 -W 1 198.18.10.2
expect_rc "the host pings LAN a on its own" 0 quiet ping -c 3 -i 0.2 -w 4 198.18.10.2
finish
