#!/usr/bin/env bash
# ngctl capture without -w: one line a frame names the edge as the user
# did, "br0:link1" (as pcapng's interface name does), not by the node's
# ID ("[5]:link1"), which the user never typed:
#
#   a: ngeth0 --link0-- br0 --link1-- ngeth1 :b
source "$(dirname "$0")/../lib.sh"
start_ngd || finish
bridge_two_eifaces || fail "the graph"
ip netns add a && ip netns add b
trap 'ip netns del a; ip netns del b; stop_ngd; rm -rf "$tmp"' EXIT
ngctl msg ngeth0: vnet '"a"' && ngctl msg ngeth1: vnet '"b"'
ip -n a addr add 198.18.30.1/24 dev ngeth0 && ip -n a link set ngeth0 up
ip -n b addr add 198.18.30.2/24 dev ngeth1 && ip -n b link set ngeth1 up
expect_rc "a pings b" 0 quiet in_ns a ping -c 1 -W 2 198.18.30.2
ngctl capture -c 2 br0: link1 icmp >"$tmp/lines" 2>"$tmp/err" &
cap=$!
for _ in $(seq 100); do [ -s "$tmp/err" ] && break; sleep 0.02; done
quiet in_ns a ping -c 1 -W 2 198.18.30.2
for _ in $(seq 100); do kill -0 $cap 2>/dev/null || break; sleep 0.02; done
kill $cap 2>/dev/null
wait $cap
expect "one line a frame, the edge by the path given" \
    "br0:link1 out 98 bytes
br0:link1 in  98 bytes" "$(cut -d' ' -f2- "$tmp/lines")"
finish
