#!/usr/bin/env bash
# timeout: 60
# vlan nodes on a bridge in the kernel fast path (issue 18, DESIGN
# decision 11; src/ngd/fastpath_vlan.c "vports").  Two vlan nodes' trunks
# and an eiface trunk (tr, in ns wire, where tcpdump and a raw socket see
# the tags) are ports of one bridge; the vlan nodes' filters lead to
# eifaces:
#
#   a10 --ether-- v10 [VA] downstream --link0-- [BR] --link1-- downstream [VB] v10 --ether-- b10
#   a20 --ether-- v20 [VA]                        |                       [VB] v20 --ether-- b20
#   nm  --ether-- nomatch [VA]                  link2 -- tr (ns wire)
#
# a10 pings b10 and TCP crosses with nothing through ngd's slow TAP and
# answers with ngd stopped; the broadcasts reach the wire tagged with
# the filter's VID; a tagged frame from the wire reaches its VID's
# eiface untagged, and one with no filter VA's nomatch; the bridge's
# getstats and the hook counters count the kernel's frames.  A capture
# of a filter's hook, a TPID the kernel cannot untag and a filter on a
# hook to ngd take the bridge out of the kernel while they last, with
# the same answers; delvidflt takes effect before its reply.
source "$(dirname "$0")/../lib.sh"
NGD_LOG=$tmp/ngd.log
NS="wire a10 a20 nm b10 b20"
trap 'for n in $NS; do ip netns del $n 2>/dev/null; done; stop_ngd; rm -rf "$tmp"' EXIT

rx() { ip netns exec "$1" cat "/sys/class/net/$2/statistics/rx_packets"; }
field() { # LINK NAME: a counter of BR's getstats LINK
	ngctl msg BR: getstats "$1" | sed -nE "s/.*[ {]$2=([0-9]+).*/\\1/p" |
	    grep . || echo 0
}
send() { # VID: three tagged broadcast frames (type 0x88b5) out of tr
	ip netns exec wire python3 -c 'import socket, sys
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind(("tr", 0))
tag = (int(sys.argv[1]) | 3 << 13).to_bytes(2, "big")
for _ in range(3):
	s.send(bytes.fromhex("ffffffffffff020000000002") + b"\x81\x00" + tag + b"\x88\xb5" + bytes(46))' "$1"
	sleep 0.1
}

NGD_FASTPATH=1 start_ngd || finish
for i in 0 1 2 3 4 5; do ngctl mkpeer eiface ether ether; done
ngctl -f - <<'END'
name ngeth0: tr
name ngeth1: a10
name ngeth2: a20
name ngeth3: nm
name ngeth4: b10
name ngeth5: b20
mkpeer tr: bridge ether link2
name tr:ether BR
mkpeer BR: vlan link0 downstream
name BR:link0 VA
mkpeer BR: vlan link1 downstream
name BR:link1 VB
connect VA: a10: v10 ether
connect VA: a20: v20 ether
connect VA: nm: nomatch ether
msg VA: addfilter { hook="v10" vid=10 }
msg VA: addfilter { hook="v20" vid=20 pcp=5 }
connect VB: b10: v10 ether
connect VB: b20: v20 ether
msg VB: addfilter { hook="v10" vid=10 }
msg VB: addfilter { hook="v20" vid=20 }
END
for n in $NS; do
	ip netns add $n
	ip netns exec $n sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
	    net.ipv6.conf.default.disable_ipv6=1
done
for n in tr a10 a20 b10 b20 nm; do
	ns=$n
	[ $n = tr ] && ns=wire
	ngctl msg $n: vnet "\"$ns\""
	ip -n $ns link set $n up
done
ip -n a10 addr add 198.18.10.1/24 dev a10
ip -n b10 addr add 198.18.10.2/24 dev b10
ip -n a20 addr add 198.18.20.1/24 dev a20
ip -n b20 addr add 198.18.20.2/24 dev b20

expect "VLAN 10: a10 -> b10 across BR, pings answered" 10 "$(pings a10 198.18.10.2 10)"
expect "VLAN 20: a20 -> b20 across BR, pings answered" 10 "$(pings a20 198.18.20.2 10)"
expect "VLAN 10: b10 -> a10, pings answered" 10 "$(pings b10 198.18.10.1 10)"
# ARP requests flood the bridge: on tr, tagged as VA tags them
ip -n a20 neigh flush all
ip -n b20 neigh flush all
d=$(on_wire wire tr 1 'vlan and arp' pings a20 198.18.20.2 1)
grep -q "ethertype 802.1Q (0x8100).*vlan 20, p 5,.*ARP" <<<"$d" &&
    ok "a20's ARP request flooded to tr tagged VID 20 PCP 5" ||
    fail "a20's ARP request on tr: $d"
r0=$(rx a20 a20) r1=$(rx a10 a10) s0=$(slow)
send 20
# (an ARP probe between a pair's neighbours may cross meanwhile)
r0=$(($(rx a20 a20) - r0)) r1=$(($(rx a10 a10) - r1))
[ $r0 -ge 3 ] && [ $r0 -le 4 ] && ok "3 tagged VID 20 frames from tr: a20 gets them (untagged)" ||
    fail "3 tagged VID 20 frames from tr: a20 got $r0"
[ $r1 -le 1 ] && ok "... and not a10" || fail "... a10 got $r1"
r0=$(rx nm nm) n0=$(hs VA: nomatch xmitFrames)
send 40
expect "VID 40, no filter on VA: to nomatch (nm)" 3 $(($(rx nm nm) - r0))
expect "... which VA's nomatch counted" 3 $(($(hs VA: nomatch xmitFrames) - n0))
expect "... all in the kernel (slow TAP)" "$s0" "$(slow)"
kill -STOP "$NGD_PID"
expect "pings answered while ngd is stopped (kernel path)" 10 "$(pings a10 198.18.10.2 10)"
kill -CONT "$NGD_PID"

ngctl msg VA: clrhookstats '{ }'
ngctl msg BR: clrhookstats '{ }'
ngctl msg BR: clrstats 0
s0=$(slow)
ip netns exec a10 ping -f -c 1000 -s 100 -W 1 198.18.10.2 >/dev/null 2>&1
s1=$(slow)
[ "$s0" = "$s1" ] && ok "1000 pinged pairs: ngd's slow TAP carried none ($s0 before and after)" ||
    fail "1000 pinged pairs: the slow TAP carried $((s1 - s0))"
# frames and octets from one reply: an ARP probe may cross between two
st=$(ngctl msg VA: gethookstats | grep -oE '\{ hook="downstream"[^}]*\}')
dx=$(echo "$st" | sed -nE 's/.* xmitFrames=([0-9]+).*/\1/p')
do=$(echo "$st" | sed -nE 's/.* xmitOctets=([0-9]+).*/\1/p')
dr=$(hs VA: downstream recvFrames) vx=$(hs VA: v10 xmitFrames)
bx=$(hs BR: link0 xmitFrames) rp=$(field 0 recvPackets) xp=$(field 0 xmitPackets)
near() { [ "$1" -ge 1000 ] && [ "$1" -le 1004 ]; }
near "$dx" && [ "$do" -ge $((1000 * 146)) ] && [ "$do" -le $((dx * 146)) ] &&
    near "$dr" && near "$vx" && near "$bx" && near "$rp" && near "$xp" &&
    ok "counters count the kernel's frames (VA downstream out $dx/$do in $dr, VA v10 out $vx, BR link0 out $bx, getstats link0 recv $rp xmit $xp)" ||
    fail "counters: VA downstream out $dx/$do in $dr, VA v10 out $vx, BR link0 out $bx, getstats link0 recv $rp xmit $xp"

head -c 2000000 /dev/urandom >$tmp/send
s0=$(slow)
ip netns exec b10 timeout 10 nc -l -p 5001 </dev/null >$tmp/recv &
p=$!
sleep 0.3
ip netns exec a10 timeout 10 nc -N 198.18.10.2 5001 <$tmp/send
wait $p
expect "2 MB over TCP a10 -> b10 arrive intact" "$(md5sum <$tmp/send)" "$(md5sum <$tmp/recv)"
expect "... none through ngd" "$s0" "$(slow)"

# What takes the bridge out of the kernel, and back
through_ngd() { # WHAT: pings answered through ngd, then undo with CMD...
	local what=$1 s
	shift
	s=$(slow)
	expect "$what: pings answered" 5 "$(pings a10 198.18.10.2 5)"
	[ $(($(slow) - s)) -ge 5 ] && ok "... through ngd ($(($(slow) - s)) frames)" ||
	    fail "... $(($(slow) - s)) frames through ngd"
	"$@"
	s=$(slow)
	expect "$what undone: pings answered" 5 "$(pings a10 198.18.10.2 5)"
	expect "... in the kernel again" "$s" "$(slow)"
}
ngctl msg VA: setencapproto 0x9100
ngctl msg VB: setencapproto 0x9100
through_ngd "TPID 0x9100 (the kernel cannot untag it)" \
    eval 'ngctl msg VA: setencapproto 0x8100; ngctl msg VB: setencapproto 0x8100'
ngctl mkpeer VB: tee v30 left
ngctl msg VB: addfilter '{ hook="v30" vid=30 }'
through_ngd "VB's filter 30 on a tee (ngd's)" ngctl msg VB: delfilter '"v30"'
ngctl shutdown VB:v30
ngctl capture -w "$tmp/f.pcapng" VB: v10 icmp 2>"$tmp/cap.err" &
cap=$!
for _ in $(seq 200); do
	grep -q '^capturing on ' "$tmp/cap.err" 2>/dev/null && break
	sleep 0.05
done
through_ngd "a capture of VB's v10" eval 'kill -INT $cap; wait $cap'
n=$(tcpdump -n -r "$tmp/f.pcapng" 2>/dev/null | grep -c 'ICMP echo')
[ "$n" -ge 10 ] && ok "... the capture has $n ICMP echoes" || fail "... the capture has $n ICMP echoes"

ip netns exec a10 ping -i 0.002 -s 100 -W 1 198.18.10.2 >/dev/null 2>&1 &
fl=$!
sleep 0.3
ngctl msg VB: delvidflt 10
r0=$(rx b10 b10)
sleep 0.3
expect "VB delvidflt 10 under pings every 2 ms: no frame reaches b10 after the reply" "$r0" "$(rx b10 b10)"
ngctl msg VB: addfilter '{ hook="v10" vid=10 }'
r0=$(rx b10 b10) s0=$(slow)
sleep 0.3
r1=$(rx b10 b10)
kill $fl 2>/dev/null
wait $fl 2>/dev/null
[ $((r1 - r0)) -ge 5 ] && [ $(($(slow) - s0)) -le 2 ] &&
    ok "addfilter under the pings: b10 gets frames at once, in the kernel ($((r1 - r0)) in 0.3 s)" ||
    fail "addfilter under the pings: b10 got $((r1 - r0)) frames in 0.3 s, $(($(slow) - s0)) through ngd"
ngctl shutdown VA:
expect "VA shut down: pings unanswered" 0 "$(pings a10 198.18.10.2 3)"
expect "... and b20 still reaches the wire's VID 20" 3 "$(r0=$(rx b20 b20); send 20; echo $(($(rx b20 b20) - r0)))"
finish
