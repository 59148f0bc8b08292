#!/usr/bin/env bash
# timeout: 90
# A bridge's floods and a port whose interface is down (ng_bridge.4
# "Linux differences", DESIGN decision 11).  ng_bridge floods broadcast,
# multicast and unknown unicast to every link; an eiface whose interface
# is down takes none of it (FreeBSD's ng_eiface drops it, ENETDOWN).  In
# the kernel fast path such a copy would be made and then dropped by
# veth_xmit, one per down port per flood (the cost that grew with the
# number of jails being created, issue 22): the flood passes the port by
# instead, as a kernel bridge passes a port with no carrier by, and sends
# it copies again once its interface is up.  Three namespaces:
#
#     da (ngeth0) --link0--+
#     db (ngeth1) --link1--+ fbr
#     dc (ngeth2) --link2--+      dc's interface down, up, down again
#
# da sends broadcasts, multicasts and unknown unicast: db gets every one
# each time; dc none while down, every one once up.  With the fast path
# the down port's graph-side end shows no copy made (its tx_dropped,
# veth_xmit's count, stays put) and getstats counts none for link2;
# then all again in the TAP model (NGD_FASTPATH=0), where dc gets none
# while down and all once up.  Last, with the fast path, a new ngd takes
# the graph over (ngd --takeover) while dc is down: the same, and dc up
# again.  (getstats: ng_bridge counts a copy the eiface took, and
# FreeBSD's eiface refuses one with ENETDOWN while its interface is
# down, as the kernel path's veth does; the TAP model's eiface takes it
# and the TAP drops it, so there link2 counts it.)
source "$(dirname "$0")/../lib.sh"
NGD_LOG=$tmp/ngd.log
NS="da db dc"
cleanup() { for n in $NS; do ip netns del $n 2>/dev/null; done; stop_ngd; }
trap 'cleanup; rm -rf "$tmp"' EXIT
K=40

rx() { ip netns exec "$1" cat "/sys/class/net/$2/statistics/rx_packets"; }
# gdrop NS IF: tx_dropped of IF's graph-side end in the data plane (the
# copies veth_xmit dropped: it found IF down)
gdrop() {
	local d i
	d=$(echo /run/netgraph/*/dataplane)
	i=$(ip netns exec "$1" cat "/sys/class/net/$2/iflink")
	nsenter --net="$d" ip -s -j link show | python3 -c 'import json, sys
for l in json.load(sys.stdin):
	if l["ifindex"] == int(sys.argv[1]):
		print(l["stats64"]["tx"]["dropped"])' "$i"
}
# field N NAME: a counter of getstats N (link N) (0 when not shown)
field() {
	ngctl msg fbr: getstats "$1" | sed -nE "s/.*[ {]$2=([0-9]+).*/\\1/p" |
	    grep . || echo 0
}
# send COUNT: COUNT of each kind out of da's ngeth0 (type 0x88b5):
# broadcast, multicast, unicast to a MAC no host has
send() {
	ip netns exec da python3 -c 'import socket, sys
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind(("ngeth0", 0))
src = bytes.fromhex(open("/sys/class/net/ngeth0/address").read().strip().replace(":", ""))
for dst in ("ffffffffffff", "01005e0000fb", "02000000beef"):
	for _ in range(int(sys.argv[1])):
		s.send(bytes.fromhex(dst) + src + b"\x88\xb5" + bytes(46))' "$1"
}
# got NS IF BEFORE: frames IF received since BEFORE, once they stop coming
got() {
	local n m=-1
	for _ in $(seq 50); do
		n=$(($(rx "$1" "$2") - $3))
		[ "$n" = "$m" ] && break
		m=$n
		sleep 0.05
	done
	echo "$n"
}
# wait_up: until a flood from da reaches dc's ngeth2 (3 s at most)
wait_up() {
	local b
	b=$(rx dc ngeth2)
	for _ in $(seq 60); do
		send 1
		sleep 0.05
		[ "$(rx dc ngeth2)" != "$b" ] && return 0
	done
	return 1
}

scenario() {
	local m=$1 b1 b2 d2 x2
	start_ngd
	for i in 0 1 2; do ngctl mkpeer eiface ether ether; done
	ngctl mkpeer ngeth0: bridge ether link0
	ngctl name ngeth0:ether fbr
	ngctl connect fbr: ngeth1: link1 ether
	ngctl connect fbr: ngeth2: link2 ether
	i=0
	for n in $NS; do
		ip netns add $n
		ip netns exec $n sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
		    net.ipv6.conf.default.disable_ipv6=1
		ngctl msg ngeth$i: vnet "\"$n\""
		i=$((i + 1))
	done
	ip -n da link set ngeth0 up
	ip -n db link set ngeth1 up
	sleep 0.3 # (ngd reads the carriers' news)

	b1=$(rx db ngeth1) b2=$(rx dc ngeth2) x2=$(field 2 xmitPackets)
	[ "$m" = fast ] && d2=$(gdrop dc ngeth2)
	send $K
	expect "$m: db (up) gets every flood" $((3 * K)) "$(got db ngeth1 "$b1")"
	expect "$m: dc (down) gets none" 0 "$(got dc ngeth2 "$b2")"
	[ "$m" = fast ] &&
	    expect "$m: getstats counts none out of link2" "$x2" \
		"$(field 2 xmitPackets)"
	[ "$m" = fast ] &&
	    expect "$m: no copy made for dc's down interface (none dropped)" \
		"$d2" "$(gdrop dc ngeth2)"

	ip -n dc link set ngeth2 up
	if wait_up; then ok "$m: dc gets floods once up"; else fail "$m: dc gets floods once up"; fi
	b1=$(rx db ngeth1) b2=$(rx dc ngeth2) x2=$(field 2 xmitPackets)
	send $K
	expect "$m: db gets every flood" $((3 * K)) "$(got db ngeth1 "$b1")"
	expect "$m: dc (up) gets every flood" $((3 * K)) "$(got dc ngeth2 "$b2")"
	expect "$m: getstats counts them out of link2" $((x2 + 3 * K)) \
	    "$(field 2 xmitPackets)"

	ip -n dc link set ngeth2 down
	sleep 0.3
	b1=$(rx db ngeth1) b2=$(rx dc ngeth2) x2=$(field 2 xmitPackets)
	[ "$m" = fast ] && d2=$(gdrop dc ngeth2)
	send $K
	expect "$m: down again: db gets every flood" $((3 * K)) \
	    "$(got db ngeth1 "$b1")"
	expect "$m: down again: dc gets none" 0 "$(got dc ngeth2 "$b2")"
	[ "$m" = fast ] &&
	    expect "$m: down again: getstats counts none out of link2" "$x2" \
		"$(field 2 xmitPackets)"
	[ "$m" = fast ] &&
	    expect "$m: down again: no copy made for dc" "$d2" \
		"$(gdrop dc ngeth2)"

	# A new ngd takes the graph over (DESIGN 12) with dc down: it
	# reads the carriers where it finds them.
	[ "$m" = fast ] || {
		cleanup
		return
	}
	if ngd_takeover; then ok "$m: takeover"; else fail "$m: takeover"; fi
	b1=$(rx db ngeth1) b2=$(rx dc ngeth2) d2=$(gdrop dc ngeth2)
	send $K
	expect "$m: taken over: db gets every flood" $((3 * K)) \
	    "$(got db ngeth1 "$b1")"
	expect "$m: taken over: dc gets none" 0 "$(got dc ngeth2 "$b2")"
	expect "$m: taken over: no copy made for dc" "$d2" "$(gdrop dc ngeth2)"
	ip -n dc link set ngeth2 up
	if wait_up; then ok "$m: taken over: dc gets floods once up"; else fail "$m: taken over: dc gets floods once up"; fi
	cleanup
}

NGD_FASTPATH=1 scenario fast
NGD_FASTPATH=0 scenario tap
finish
