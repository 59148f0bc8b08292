#!/usr/bin/env bash
# timeout: 120
# The wire as an intruder uses it, against the kernel fast path and the
# userspace path (NGD_FASTPATH=0) alike: the same frames, and what
# arrives where must be the same on both (DESIGN decision 11).
#
#   ea (ns a) --link0-- br0 --link1-- eb (ns b)        a bridge
#                        |--link2-- ec (ns c, the intruder)
#   et (ns t) --downstream-- vl --v10 (vid 10)-- ex (ns x)   a vlan node
#                             |--nomatch-- en (ns n)
#
# Each probe is a frame of type 0x88b5 (or tagged, around it) carrying a
# probe number; every namespace records what reaches it (the tags the
# kernel took out of band put back).  Probes:
#   1 c: a multicast source MAC       2 c: the broadcast address as source
#     (FreeBSD's ng_bridge drops both and learns neither: no host, and
#     counted in recvInvalid)
#   3 c: 18 bytes (a runt, unpadded)  4 c: 16 bytes
#   5 c: 1514 bytes (the MTU)          6 c: 1518, 802.1Q tagged (MTU + tag)
#   7 c: a's MAC as its source, to b: the bridge moves a's host to c (a
#     host older than minStableAge, here 2 s, moves, as on FreeBSD) ...
#   8 b: to a's MAC: ... so c gets it, not a
#   9 a: a again, within minStableAge: a loop on a's port as FreeBSD
#     judges it; the port is muted (loopDetects), its hosts forgotten
#  10 x (access port): a frame tagged VID 20: out on the trunk tagged
#     10 outside 20, as FreeBSD's ng_vlan tags whatever it is given
#  11 t: VID 10 outside VID 20: to x with VID 20 (one tag off)
#  12 t: 802.1ad (0x88a8) VID 10: not the encap proto: to nomatch whole
#  13 t: a priority tag (VID 0, PCP 5): no filter for VID 0: to nomatch
#  15 x: 1514 bytes (its MTU) to the trunk: 1518 there, tagged
#  16 t: 1518 bytes tagged VID 10: 1514 to x
#  17 x: 1518 bytes tagged VID 20 (its MTU and a tag): 1522 on the
#     trunk, two tags (past the MTU and one tag that Linux forwards
#     between devices, but these cross as FreeBSD's would)
#  14 c: 20 new source MACs into a table of 6 (setmaxhosts) that holds
#     a's, b's and c's: 3 learned, 17 not (memoryFailures), flooded all
#     the same, and said once in ngd's log
# (A tagged frame of less than 20 bytes never arrives: Linux drops it
# where it takes the tag out of band, skb_vlan_untag.  And on the fast
# path a frame of 15 bytes or less that ngd sends an eiface is lost the
# same way: ngd tags it with its port's number for the kernel.  So
# every frame here is 16 bytes or more, and tagged ones 20 or more.)
source "$(dirname "$0")/../lib.sh"
export NGD_LOG=$tmp/ngd.log
NS="a b c t x n"
cleanup() {
	for s in $NS; do ip netns del $s 2>/dev/null; done
	stop_ngd
	rm -rf "$tmp"
}
trap cleanup EXIT

# run MODE: the whole set on a fresh ngd, what each namespace got in
# $tmp/MODE.got
run() {
	local mode=$1 fp
	fp=$([ "$mode" = fast ] && echo 1 || echo 0)
	NGD_FASTPATH=$fp start_ngd || return
	for i in 0 1 2 3 4 5; do ngctl mkpeer eiface ether ether; done
	ngctl -f - <<'END'
name ngeth0: ea
name ngeth1: eb
name ngeth2: ec
name ngeth3: et
name ngeth4: ex
name ngeth5: en
mkpeer ea: bridge ether link0
name ea:ether br0
connect br0: eb: link1 ether
connect br0: ec: link2 ether
mkpeer et: vlan ether downstream
name et:ether vl
connect vl: ex: v10 ether
connect vl: en: nomatch ether
msg vl: addfilter { hook="v10" vid=10 }
END
	for s in $NS; do
		ip netns add $s
		ip netns exec $s sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
		    net.ipv6.conf.default.disable_ipv6=1
		ngctl msg e$s: vnet "\"$s\""
	done
	local A B C=02c0ffee0003 bc=ffffffffffff
	ip -n c link set ec address 02:c0:ff:ee:00:03
	for s in $NS; do ip -n $s link set e$s up; done
	A=$(if_mac a ea) B=$(if_mac b eb)
	ngctl msg br0: setmaxhosts 6
	ngctl msg br0: setconfig \
	    "{ debugLevel=1 loopTimeout=60 maxStaleness=900 minStableAge=2 }"
	: >"$tmp/plan"
	# a and b known to the bridge, more than minStableAge ago
	plan_probe a 0 "$bc" "$A"
	plan_probe b 0 "$bc" "$B"
	plan_probe c 0 "$bc" "$C"
	plan_probe c 1 "$bc" 01005e000001
	plan_probe c 2 "$bc" "$bc"
	plan_probe c 3 "$bc" "$C" "" 3
	plan_probe c 4 "$bc" "$C" "" 1
	plan_probe c 5 "$bc" "$C" "" 1499
	plan_probe c 6 "$bc" "$C" 8100000a 1499
	plan_probe x 10 "$bc" 02000000aa0a 81000014
	plan_probe t 11 "$bc" 02000000aa0b 8100000a81000014
	plan_probe t 12 "$bc" 02000000aa0c 88a8000a
	plan_probe t 13 "$bc" 02000000aa0d 8100a000
	plan_probe x 15 "$bc" 02000000aa0f "" 1499
	plan_probe t 16 "$bc" 02000000aa10 8100000a 1499
	plan_probe x 17 "$bc" 02000000aa11 81000014 1499
	for i in $(seq 10 29); do plan_probe c 14 "$bc" 0200000001$i; done
	echo "sleep 4" >>"$tmp/plan"
	plan_probe c 7 "$B" "$A"
	echo "sleep 0.2" >>"$tmp/plan"
	plan_probe b 8 "$A" "$B"
	plan_probe a 9 "$B" "$A"
	probe_wire "$tmp/$mode.got"
	sed -i -e "s/$A/A/g; s/$B/B/g; s/$C/C/g" "$tmp/$mode.got"
	for s in a b; do
		echo "$s got $(grep -c "^$s: 14 " "$tmp/$mode.got") of 14"
	done >>"$tmp/$mode.got"
	sed -i '/^.: 14 /d' "$tmp/$mode.got"
	ngctl msg br0: gettable | tr '{' '\n' >"$tmp/table"
	grep -oiE '01:00:5e:00:00:01|ff:ff:ff:ff:ff:ff' "$tmp/table" |
	    sed 's/^/learned /' >>"$tmp/$mode.got"
	grep -i "addr=$(sed 's/../&:/g; s/:$//' <<<"$A")" "$tmp/table" |
	    grep -oE 'hook="[a-z0-9]+"' | sed 's/^/a is on /' >>"$tmp/$mode.got"
	for l in 0 2; do
		ngctl msg br0: getstats $l |
		    grep -oE '(recvInvalid|loopDetects|loopDrops|memoryFailures)=[0-9]+' |
		    sed "s/^/link$l /" >>"$tmp/$mode.got"
	done
	echo "said $(grep -c 'host table full (6 hosts): new hosts are not learned, first on link2' "$NGD_LOG")" \
	    >>"$tmp/$mode.got"
	: >"$NGD_LOG"
	for s in $NS; do ip netns del $s; done
	stop_ngd
}

# what FreeBSD does with them (the probe number, the length, the
# header up to the type)
want='a: 0 19 ffffffffffffB
a: 0 19 ffffffffffffC
b: 0 19 ffffffffffffA
b: 0 19 ffffffffffffC
c: 0 19 ffffffffffffA
c: 0 19 ffffffffffffB
a: 3 18 ffffffffffffC
b: 3 18 ffffffffffffC
a: 4 16 ffffffffffffC
b: 4 16 ffffffffffffC
a: 5 1514 ffffffffffffC
b: 5 1514 ffffffffffffC
a: 6 1518 ffffffffffffC8100000a
b: 6 1518 ffffffffffffC8100000a
b: 7 19 BA
c: 8 19 AB
t: 10 27 ffffffffffff02000000aa0a8100000a81000014
x: 11 23 ffffffffffff02000000aa0b81000014
n: 12 23 ffffffffffff02000000aa0c88a8000a
n: 13 23 ffffffffffff02000000aa0d8100a000
t: 15 1518 ffffffffffff02000000aa0f8100000a
x: 16 1514 ffffffffffff02000000aa10
t: 17 1522 ffffffffffff02000000aa118100000a81000014
a got 20 of 14
b got 20 of 14
a is on hook="link2"
link0 loopDrops=1
link0 loopDetects=1
link2 recvInvalid=2
link2 memoryFailures=17
said 1'
run fast
run slow
expect "what arrived where (the kernel fast path)" "$want" "$(cat "$tmp/fast.got")"
expect "the kernel fast path and ngd: the same frames arrive in the same places" \
    "$(cat "$tmp/fast.got")" "$(cat "$tmp/slow.got")"
finish
