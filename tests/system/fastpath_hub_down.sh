#!/usr/bin/env bash
# timeout: 90
# A hub's floods and a port whose interface is down, as a bridge's
# (fastpath_bridge_down.sh).  ng_hub repeats every frame out of every
# other hook; an eiface whose interface is down takes none of it
# (FreeBSD's ng_eiface refuses it, ENETDOWN).  In the kernel fast path a
# hub of eifaces alone repeats in the kernel: the flood passes the down
# port by (its member entry is 0) instead of making a copy veth_xmit
# drops, and sends it copies again once its interface is up.  Three
# namespaces:
#
#     da (ngeth0) --link0--+
#     db (ngeth1) --link1--+ fhub
#     dc (ngeth2) --link2--+      dc's interface down, up, down again
#
# da sends broadcasts, multicasts and unicast: db gets every one each
# time; dc none while down, every one once up.  With the fast path the
# down port's graph-side end shows no copy made (its tx_dropped stays
# put) and the hub's link2 counts none sent (gethookstats); then the same
# in the TAP model (NGD_FASTPATH=0), where dc gets none while down and
# all once up, and the hub sends link2 each copy and ngeth2's ether hook
# refuses it (ENETDOWN, as FreeBSD's eiface: its recvDrops), every one,
# the first after dc's interface went down again too (ngd hears the link
# event before it writes; netdev.c, ngd_txq_send).  Last, with the fast
# path, a
# new ngd takes the graph over (ngd --takeover) while dc is down: the
# same, and dc up again.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/../flood_down.sh"
# field N: frames the hub sent out of linkN (gethookstats)
field() { hs fhub: link"$1" xmitFrames; }
# refused: frames ngeth2's ether hook refused
refused() { hs ngeth2: ether recvDrops; }

scenario() {
	local m=$1 none all nc=", no copy made" x2
	three_ports hub fhub
	none="db=$((3 * K)) dc=0 dropped=0" all="db=$((3 * K)) dc=$((3 * K)) dropped=0"
	if [ "$m" = tap ]; then none=${none%=0}=- all=${all%=0}=- nc=; fi

	x2=$(field 2) r=$(refused)
	expect "$m: db (up) gets every flood; dc (down) none$nc" \
	    "$none" "$(flood)"
	[ "$m" = tap ] &&
	    expect "$m: ngeth2 refuses every copy" $((r + 3 * K)) "$(refused)"
	[ "$m" = fast ] &&
	    expect "$m: gethookstats counts none out of link2" "$x2" \
		"$(field 2)"

	nsx dc ip link set ngeth2 up
	up "$m: dc gets floods once up"
	x2=$(field 2)
	expect "$m: db and dc (up) get every flood" "$all" "$(flood)"
	expect "$m: gethookstats counts them out of link2" $((x2 + 3 * K)) \
	    "$(field 2)"

	nsx dc ip link set ngeth2 down
	sleep 0.3
	x2=$(field 2) r=$(refused)
	expect "$m: down again: db gets every flood, dc none$nc" \
	    "$none" "$(flood)"
	[ "$m" = tap ] &&
	    expect "$m: down again: ngeth2 refuses every copy" $((r + 3 * K)) \
		"$(refused)"
	[ "$m" = fast ] &&
	    expect "$m: down again: gethookstats counts none out of link2" "$x2" \
		"$(field 2)"

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
