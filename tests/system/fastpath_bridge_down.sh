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
# while down and all once up, and getstats counts none for link2 while
# down: ng_bridge counts a copy the eiface took, and FreeBSD's eiface
# refuses one with ENETDOWN while its interface is down; so does ours,
# every one, the first after dc's interface went down again too (ngd
# hears the link event before it writes; netdev.c, ngd_txq_send).  Last,
# with the fast path, a new ngd takes the graph over (ngd --takeover)
# while dc is down: the same, and dc up again.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/../flood_down.sh"
# field N NAME: a counter of getstats N (link N) (0 when not shown)
field() {
	ngctl msg fbr: getstats "$1" | sed -nE "s/.*[ {]$2=([0-9]+).*/\\1/p" |
	    grep . || echo 0
}

scenario() {
	local m=$1 none all nc=", no copy made" x2
	three_ports bridge fbr
	none="db=$((3 * K)) dc=0 dropped=0" all="db=$((3 * K)) dc=$((3 * K)) dropped=0"
	if [ "$m" = tap ]; then none=${none%=0}=- all=${all%=0}=- nc=; fi

	x2=$(field 2 xmitPackets)
	expect "$m: db (up) gets every flood; dc (down) none$nc" \
	    "$none" "$(flood)"
	expect "$m: getstats counts none out of link2" "$x2" \
	    "$(field 2 xmitPackets)"

	nsx dc ip link set ngeth2 up
	up "$m: dc gets floods once up"
	x2=$(field 2 xmitPackets)
	expect "$m: db and dc (up) get every flood" "$all" "$(flood)"
	expect "$m: getstats counts them out of link2" $((x2 + 3 * K)) \
	    "$(field 2 xmitPackets)"

	nsx dc ip link set ngeth2 down
	sleep 0.3
	x2=$(field 2 xmitPackets)
	expect "$m: down again: db gets every flood, dc none$nc" \
	    "$none" "$(flood)"
	expect "$m: down again: getstats counts none out of link2" "$x2" \
	    "$(field 2 xmitPackets)"

	# A new ngd takes the graph over (DESIGN 12) with dc down: it
	# reads the carriers where it finds them.
	if [ "$m" = fast ]; then
		if ngd_takeover; then ok "$m: takeover"; else fail "$m: takeover"; fi
		expect "$m: taken over: db gets every flood, dc none$nc" \
		    "$none" "$(flood)"
		nsx dc ip link set ngeth2 up
		up "$m: taken over: dc gets floods once up"
	fi
	cleanup
}

NGD_FASTPATH=1 scenario fast
NGD_FASTPATH=0 scenario tap
finish
