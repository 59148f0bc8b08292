#!/usr/bin/env bash
# timeout: 150
# The wire behind ether ports, as an intruder on it uses it: the same
# frames through a bridge node whose ports are three ether nodes (veths,
# the far ends in namespaces a, b, c), on the kernel fast path (the
# ether edges as uplinks and wire devices, fastpath_ether.c) and in ngd
# (NGD_FASTPATH=0).  What arrives where must be the same (DESIGN
# decision 11) and what FreeBSD's ng_bridge does, which filters no
# address: link-local groups (01:80:c2:00:00:0x, STP, PAUSE, LLDP) are
# multicasts like any other and flood; a tag is payload.
# (intrude2_wire.sh sends the like through eiface ports; an ether port's
# frames take other ways in and out of the kernel: TCX programs on the
# veth, a macvlan for the wire.)
#
#   ea (ns a) --pa:link0-- br0 --link1:pb-- eb (ns b)
#                           |--link2:pc-- ec (ns c, the intruder)
#
# Probes (type 0x88b5, or tagged around it, and a probe number):
#   0 each: broadcast, so that the bridge knows all three
#   1 c: 802.1ad 0x88a8 VID 10 outside 802.1Q VID 20 (QinQ)
#   2 c: 802.1Q VID 5, 1518 bytes (the MTU and a tag)
#   3 c: a priority tag (VID 0, PCP 5)
#   4 c: to 01:80:c2:00:00:00 (STP's group)
#   5 c: to 01:80:c2:00:00:01 (PAUSE's)
#   6 c: to 01:80:c2:00:00:0e (LLDP's)
#   7 c: 16 bytes, broadcast (a runt, unpadded)
#   8 c: to a's MAC: a alone gets it
#   9 c: a multicast source: dropped, nobody learns it (recvInvalid)
#  10 c: 1514 bytes, broadcast
#  11 c: 802.1Q VID 5 to a's MAC (a tag does not hide the destination)
source "$(dirname "$0")/../lib.sh"
export NGD_LOG=$tmp/ngd.log
NS="a b c"
trap cleanup_veth_ns EXIT

run() {
	local mode=$1 fp s A B C=02c0ffee0603 bc=ffffffffffff
	fp=$([ "$mode" = fast ] && echo 1 || echo 0)
	NGD_FASTPATH=$fp start_ngd || return
	veth_ports || { fail "$mode: veths"; return; }
	ip -n c link set ec address 02:c0:ff:ee:06:03
	ether_ports_up || { fail "$mode: ether nodes not made"; return; }
	ngctl mkpeer pa: bridge lower link0 && ngctl name pa:lower br0 &&
	    ngctl connect pb: br0: lower link1 &&
	    ngctl connect pc: br0: lower link2 || { fail "$mode: graph"; return; }
	ngctl msg br0: setconfig \
	    "{ debugLevel=1 loopTimeout=60 maxStaleness=900 minStableAge=1 }"
	A=$(if_mac a ea) B=$(if_mac b eb)
	: >"$tmp/plan"
	plan_probe a 0 "$bc" "$A"
	plan_probe b 0 "$bc" "$B"
	plan_probe c 0 "$bc" "$C"
	echo "sleep 1.5" >>"$tmp/plan"
	plan_probe c 1 "$bc" "$C" 88a8000a81000014
	plan_probe c 2 "$bc" "$C" 81000005 1499
	plan_probe c 3 "$bc" "$C" 8100a000
	plan_probe c 4 0180c2000000 "$C"
	plan_probe c 5 0180c2000001 "$C"
	plan_probe c 6 0180c200000e "$C"
	plan_probe c 7 "$bc" "$C" "" 1
	plan_probe c 8 "$A" "$C"
	plan_probe c 9 "$bc" 01005e000001
	plan_probe c 10 "$bc" "$C" "" 1499
	plan_probe c 11 "$A" "$C" 81000005
	probe_wire "$tmp/$mode.got"
	sed -i -e "s/$A/A/g; s/$B/B/g; s/$C/C/g" "$tmp/$mode.got"
	ngctl msg br0: getstats 2 |
	    grep -oE '(recvInvalid|recvRunts|loopDetects)=[0-9]+' |
	    sed "s/^/link2 /" >>"$tmp/$mode.got"
	# (the kernel's counts join the node's at its ticks: until two
	# readings a tick apart agree, 20 s at most)
	: >"$tmp/$mode.stats"
	for _ in $(seq 20); do
		for s in 0 1 2; do
			ngctl msg br0: getstats $s | sed -n 's/^Args:\t/link'$s' /p'
		done >"$tmp/stats.now"
		cmp -s "$tmp/stats.now" "$tmp/$mode.stats" && break
		mv "$tmp/stats.now" "$tmp/$mode.stats"
		sleep 1.1
	done
	expect_rc "$mode: ngd answers" 0 quiet ngctl list
	stop_ngd
	for s in $NS; do ip netns del $s; done
	for s in $NS; do ip link del p$s 2>/dev/null; done
}

want='a: 0 19 ffffffffffffB
a: 0 19 ffffffffffffC
b: 0 19 ffffffffffffA
b: 0 19 ffffffffffffC
c: 0 19 ffffffffffffA
c: 0 19 ffffffffffffB
a: 1 27 ffffffffffffC88a8000a81000014
b: 1 27 ffffffffffffC88a8000a81000014
a: 2 1518 ffffffffffffC81000005
b: 2 1518 ffffffffffffC81000005
a: 3 23 ffffffffffffC8100a000
b: 3 23 ffffffffffffC8100a000
a: 4 19 0180c2000000C
b: 4 19 0180c2000000C
a: 5 19 0180c2000001C
b: 5 19 0180c2000001C
a: 6 19 0180c200000eC
b: 6 19 0180c200000eC
a: 7 16 ffffffffffffC
b: 7 16 ffffffffffffC
a: 8 19 AC
a: 10 1514 ffffffffffffC
b: 10 1514 ffffffffffffC
a: 11 23 AC81000005
link2 recvInvalid=1'
run fast
run slow
expect "what arrived where (the kernel fast path)" "$want" "$(cat "$tmp/fast.got")"
expect "what arrived where (ngd)" "$want" "$(cat "$tmp/slow.got")"
expect "the fast path and ngd count them alike (getstats)" \
    "$(cat "$tmp/slow.stats")" "$(cat "$tmp/fast.stats")"
finish
