#!/usr/bin/env bash
# timeout: 150
# A vlan node whose trunk and ports are ether nodes (veths), as an
# intruder on the trunk's wire and on an access port's uses them: the
# frames intrude2_wire.sh sends a vlan node of eifaces, and a few more,
# on the kernel fast path (fastpath_vlan.c with ether edges) and in ngd
# (NGD_FASTPATH=0).  What arrives where must be the same, and what
# FreeBSD's ng_vlan does: it takes the VID from the TCI's low 12 bits
# (priority and DEI bits do not matter, and are not kept), and tags
# whatever it is given.
#
#   et (ns t) --pt:lower-- downstream [vl] v10 (VID 10) --lower:px-- ex (ns x)
#                                          nomatch      --lower:pn-- en (ns n)
#
# Probes (0x88b5 behind the tags, and a probe number):
#  10 x: tagged VID 20: to the trunk tagged 10 outside 20
#  11 t: VID 10 outside VID 20: to x with VID 20
#  12 t: 802.1ad (0x88a8) VID 10: not the encap proto: to nomatch whole
#  13 t: a priority tag (VID 0, PCP 5): to nomatch
#  15 x: 1514 bytes: 1518 on the trunk, tagged
#  16 t: 1518 bytes tagged VID 10: 1514 to x
#  17 x: 1518 bytes tagged VID 20: 1522 on the trunk, two tags (past a
#     veth's MTU and one tag, yet it crosses either way)
#  18 t: VID 10 with DEI set: to x
#  19 t: VID 10 with PCP 7: to x, untagged
#  20 t: VID 4095: to nomatch whole
#  21 t: VID 10 to x's MAC
source "$(dirname "$0")/../lib.sh"
export NGD_LOG=$tmp/ngd.log
NS="t x n"
trap cleanup_veth_ns EXIT

run() {
	local mode=$1 fp s X bc=ffffffffffff
	fp=$([ "$mode" = fast ] && echo 1 || echo 0)
	NGD_FASTPATH=$fp start_ngd || return
	veth_ports || { fail "$mode: veths"; return; }
	ether_ports_up || { fail "$mode: ether nodes not made"; return; }
	ngctl mkpeer pt: vlan lower downstream && ngctl name pt:lower vl &&
	    ngctl connect vl: px: v10 lower &&
	    ngctl connect vl: pn: nomatch lower &&
	    ngctl msg vl: addfilter '{ hook="v10" vid=10 }' ||
	    { fail "$mode: graph"; return; }
	X=$(if_mac x ex)
	: >"$tmp/plan"
	plan_probe x 10 "$bc" 02000000aa0a 81000014
	plan_probe t 11 "$bc" 02000000aa0b 8100000a81000014
	plan_probe t 12 "$bc" 02000000aa0c 88a8000a
	plan_probe t 13 "$bc" 02000000aa0d 8100a000
	plan_probe x 15 "$bc" 02000000aa0f "" 1499
	plan_probe t 16 "$bc" 02000000aa10 8100000a 1499
	plan_probe x 17 "$bc" 02000000aa11 81000014 1499
	plan_probe t 18 "$bc" 02000000aa12 8100100a
	plan_probe t 19 "$bc" 02000000aa13 8100e00a
	plan_probe t 20 "$bc" 02000000aa14 81000fff
	plan_probe t 21 "$X" 02000000aa15 8100000a
	probe_wire "$tmp/$mode.got"
	sed -i -e "s/$X/X/g" "$tmp/$mode.got"
	expect_rc "$mode: ngd answers" 0 quiet ngctl list
	stop_ngd
	for s in $NS; do ip netns del $s; done
	for s in $NS; do ip link del p$s 2>/dev/null; done
}

want='t: 10 27 ffffffffffff02000000aa0a8100000a81000014
x: 11 23 ffffffffffff02000000aa0b81000014
n: 12 23 ffffffffffff02000000aa0c88a8000a
n: 13 23 ffffffffffff02000000aa0d8100a000
t: 15 1518 ffffffffffff02000000aa0f8100000a
x: 16 1514 ffffffffffff02000000aa10
t: 17 1522 ffffffffffff02000000aa118100000a81000014
x: 18 19 ffffffffffff02000000aa12
x: 19 19 ffffffffffff02000000aa13
n: 20 23 ffffffffffff02000000aa1481000fff
x: 21 19 X02000000aa15'
run fast
run slow
expect "what arrived where (the kernel fast path)" "$want" "$(cat "$tmp/fast.got")"
expect "what arrived where (ngd)" "$want" "$(cat "$tmp/slow.got")"
finish
