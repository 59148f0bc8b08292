#!/usr/bin/env bash
# timeout: 120
# A vlan node's filter hook on a bridge, in the kernel fast path (issue
# 18, DESIGN decision 11; src/ngd/fastpath_vlan.c "fvports").  VA's trunk
# is the eiface ta, whose interface a Linux bridge in ns wire joins to
# tb, VB's trunk (this kernel has no 802.1Q interfaces); VA's filter v10
# leads to the bridge BR, whose other links lead to eifaces:
#
#   a10 --ether-- v10 [VB] downstream --ether-- tb ==br0== ta --ether-- downstream [VA] v10 --link0-- [BR] --link1-- b10
#                                              (ns wire)                                             [BR] --link2-- c10
#
# The same checks run twice, once with the fast path and once with
# NGD_FASTPATH=0 (every frame through ngd), and must see the same: pings
# a10 <-> b10, the tags on the trunk (tcpdump -e: VA's VID 10 PCP 3),
# broadcasts from b10 reaching a10 and c10 and from a10 reaching b10 and
# c10, the hook counters and BR's getstats after 1,000 pinged pairs.
# With the fast path also: none of those frames through ngd's slow TAP,
# answers with ngd stopped; a tee on BR and a capture of VA's v10 take
# the filter through ngd and back; delvidflt, addfilter, setencap 0/1
# and rmhook under pings every 2 ms act before their reply; across a
# SIGKILL the kernel goes on and the next ngd takes the filter's
# entries back.
source "$(dirname "$0")/../lib.sh"
NGD_LOG=$tmp/ngd.log
NS="wire a10 b10 c10"
trap 'for n in $NS; do ip netns del $n 2>/dev/null; done; stop_ngd; rm -rf "$tmp"' EXIT

rx() { ip netns exec "$1" cat "/sys/class/net/$2/statistics/rx_packets"; }
field() { # LINK NAME: a counter of BR's getstats LINK
	ngctl msg BR: getstats "$1" | sed -nE "s/.*[ {]$2=([0-9]+).*/\\1/p" |
	    grep . || echo 0
}
# bcast NS: three broadcast frames (type 0x88b5) out of NS's interface,
# from its own MAC (one source MAC for all would move between BR's links
# within minStableAge: a loop, and BR mutes the link)
bcast() {
	ip netns exec "$1" python3 -c 'import socket, sys
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind((sys.argv[1], 0))
mac = open("/sys/class/net/%s/address" % sys.argv[1]).read().strip()
for _ in range(3):
	s.send(b"\xff" * 6 + bytes.fromhex(mac.replace(":", "")) + b"\x88\xb5" + bytes(46))' "$1"
	sleep 0.2
}

build() {
	for i in 0 1 2 3 4; do ngctl mkpeer eiface ether ether; done
	ngctl -f - <<'END'
name ngeth0: ta
name ngeth1: tb
name ngeth2: a10
name ngeth3: b10
name ngeth4: c10
mkpeer ta: vlan ether downstream
name ta:ether VA
mkpeer VA: bridge v10 link0
name VA:v10 BR
msg VA: addfilter { hook="v10" vid=10 pcp=3 }
connect BR: b10: link1 ether
connect BR: c10: link2 ether
mkpeer tb: vlan ether downstream
name tb:ether VB
connect VB: a10: v10 ether
msg VB: addfilter { hook="v10" vid=10 }
END
	for n in $NS; do
		ip netns add $n
		ip netns exec $n sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
		    net.ipv6.conf.default.disable_ipv6=1
	done
	ip -n wire link add br0 type bridge
	ip -n wire link set br0 up
	for n in ta tb; do
		ngctl msg $n: vnet '"wire"'
		ip -n wire link set $n master br0
		ip -n wire link set $n up
	done
	for n in a10 b10 c10; do
		ngctl msg $n: vnet "\"$n\""
		ip -n $n link set $n up
	done
	ip -n a10 addr add 198.18.10.1/24 dev a10
	ip -n b10 addr add 198.18.10.2/24 dev b10
	ip -n c10 addr add 198.18.10.3/24 dev c10
}

teardown() {
	for n in $NS; do ip netns del $n 2>/dev/null; done
	stop_ngd
}

# checks MODE: what either path must show; the counters' figures go to
# $tmp/MODE for the comparison
checks() {
	local m=$1 d r0 r1 s0 st
	expect "$m: a10 -> b10 across VB, the trunk, VA's v10 and BR, pings answered" 10 "$(pings a10 198.18.10.2 10)"
	expect "$m: b10 -> a10, pings answered" 10 "$(pings b10 198.18.10.1 10)"
	d=$(on_wire wire ta 4 'vlan and icmp' \
	    ip netns exec a10 ping -c 2 -i 0.2 -W 1 198.18.10.2)
	grep -q "ethertype 802.1Q (0x8100).*vlan 10, p 0,.*ICMP echo request" <<<"$d" &&
	    grep -q "ethertype 802.1Q (0x8100).*vlan 10, p 3,.*ICMP echo reply" <<<"$d" &&
	    ok "$m: tcpdump -e on the trunk ta: requests VID 10 PCP 0 (VB), replies VID 10 PCP 3 (VA's filter, from BR)" ||
	    fail "$m: tcpdump -e on ta: $d"
	r0=$(rx a10 a10) r1=$(rx c10 c10)
	bcast b10
	r0=$(($(rx a10 a10) - r0)) r1=$(($(rx c10 c10) - r1))
	[ $r0 -ge 3 ] && [ $r0 -le 4 ] && [ $r1 -ge 3 ] && [ $r1 -le 4 ] &&
	    ok "$m: 3 broadcasts from b10: BR floods them to VA's v10 (tagged to a10) and c10" ||
	    fail "$m: 3 broadcasts from b10: a10 got $r0, c10 $r1"
	r0=$(rx b10 b10) r1=$(rx c10 c10)
	bcast a10
	r0=$(($(rx b10 b10) - r0)) r1=$(($(rx c10 c10) - r1))
	[ $r0 -ge 3 ] && [ $r0 -le 4 ] && [ $r1 -ge 3 ] && [ $r1 -le 4 ] &&
	    ok "$m: 3 broadcasts from a10 (tagged by VB): untagged by VA into BR, to b10 and c10" ||
	    fail "$m: 3 broadcasts from a10: b10 got $r0, c10 $r1"
	ngctl msg VA: clrhookstats '{ }'
	ngctl msg BR: clrhookstats '{ }'
	ngctl msg ta: clrhookstats '{ }'
	ngctl msg BR: clrstats 0
	s0=$(slow)
	ip netns exec a10 ping -f -c 1000 -s 100 -W 1 198.18.10.2 >/dev/null 2>&1
	echo "$s0 $(slow)" >$tmp/$m.slow
	# downstream's frames and octets from one reply: an ARP probe may
	# cross between two
	st=$(ngctl msg VA: gethookstats | grep -oE '\{ hook="downstream"[^}]*\}')
	{
		echo "VA:downstream:out $(echo "$st" | sed -nE 's/.* xmitFrames=([0-9]+).*/\1/p')"
		echo "VA:downstream:outOctets $(echo "$st" | sed -nE 's/.* xmitOctets=([0-9]+).*/\1/p')"
		echo "VA:downstream:in $(hs VA: downstream recvFrames)"
		echo "VA:v10:out $(hs VA: v10 xmitFrames)"
		echo "VA:v10:outOctets $(hs VA: v10 xmitOctets)"
		echo "VA:v10:in $(hs VA: v10 recvFrames)"
		echo "BR:link0:out $(hs BR: link0 xmitFrames)"
		echo "BR:link0:in $(hs BR: link0 recvFrames)"
		echo "BR:link1:out $(hs BR: link1 xmitFrames)"
		echo "getstats:link0:recvPackets $(field 0 recvPackets)"
		echo "getstats:link0:recvOctets $(field 0 recvOctets)"
		echo "getstats:link0:xmitPackets $(field 0 xmitPackets)"
		echo "getstats:link0:xmitOctets $(field 0 xmitOctets)"
	} >$tmp/$m
}

# --- the kernel path -----------------------------------------------------------
NGD_FASTPATH=1 start_ngd || finish
build
checks kernel
read -r s0 s1 <$tmp/kernel.slow
[ "$s0" = "$s1" ] && ok "kernel: 1000 pinged pairs: ngd's slow TAP carried none ($s0 before and after)" ||
    fail "kernel: 1000 pinged pairs: the slow TAP carried $((s1 - s0))"
# frames: 1,000 (an ARP exchange may add up to 4); octets: 1,000 frames
# of 142 (ICMP 100 + 8, IP 20, Ethernet 14) or 146 (tagged) and more
counted() { # FILE: whether every counter is what 1,000 pinged pairs give
	local k v
	while read -r k v; do
		case $k in
		VA:downstream:outOctets) [ "$v" -ge 146000 ] && [ "$v" -le 146600 ] ;;
		*Octets) [ "$v" -ge 142000 ] && [ "$v" -le 142600 ] ;;
		*) [ "$v" -ge 1000 ] && [ "$v" -le 1004 ] ;;
		esac || return 1
	done <"$1"
}
counted $tmp/kernel &&
    ok "kernel: counters count the kernel's frames: $(tr '\n' ' ' <$tmp/kernel)" ||
    fail "kernel: counters: $(tr '\n' ' ' <$tmp/kernel)"
kill -STOP "$NGD_PID"
expect "pings answered while ngd is stopped (kernel path)" 10 "$(pings a10 198.18.10.2 10)"
kill -CONT "$NGD_PID"
s0=$(slow)
mac=$(ip -n a10 -br link show a10 | awk '{ print $3 }')
expect "BR's gettable puts a10's MAC on link0 (learned in the kernel)" 1 \
    "$(ngctl msg BR: gettable | grep -oiE "addr=$mac hook=\"link0\"" | wc -l)"

# What takes VA's filter out of the kernel, and back
through_ngd() { # WHAT CMD...: pings answered through ngd, then undo with CMD
	local what=$1 s
	shift
	s=$(slow)
	expect "$what: pings answered" 5 "$(pings a10 198.18.10.2 5)"
	[ $(($(slow) - s)) -ge 5 ] && ok "... through ngd ($(($(slow) - s)) frames)" ||
	    fail "... $(($(slow) - s)) frames through ngd"
	"$@"
	s=$(slow)
	expect "$what undone: pings answered" 5 "$(pings a10 198.18.10.2 5)"
	expect "... in the kernel again" "$s" "$(slow)" ||
	    ngctl msg BR: getstats 0 | sed 's/^/    /' # a loop detected?
}
ngctl mkpeer BR: tee link3 left
through_ngd "a tee on BR" ngctl shutdown BR:link3
ngctl capture -w "$tmp/f.pcapng" VA: v10 icmp 2>"$tmp/cap.err" &
cap=$!
for _ in $(seq 200); do
	grep -q '^capturing on ' "$tmp/cap.err" 2>/dev/null && break
	sleep 0.05
done
through_ngd "a capture of VA's v10" eval 'kill -INT $cap; wait $cap'
n=$(tcpdump -n -r "$tmp/f.pcapng" 2>/dev/null | grep -c 'ICMP echo')
[ "$n" -ge 10 ] && ok "... the capture has $n ICMP echoes" || fail "... the capture has $n ICMP echoes"

# Edits under pings every 2 ms a10 -> b10
ip netns exec a10 ping -i 0.002 -s 100 -W 1 198.18.10.2 >/dev/null 2>&1 &
fl=$!
sleep 0.3
ngctl msg VA: delvidflt 10
r0=$(rx b10 b10)
sleep 0.3
expect "VA delvidflt 10 under pings every 2 ms: no frame reaches b10 after the reply" "$r0" "$(rx b10 b10)"
ngctl msg VA: addfilter '{ hook="v10" vid=10 pcp=3 }'
r0=$(rx b10 b10) s0=$(slow)
sleep 0.3
r1=$(rx b10 b10)
[ $((r1 - r0)) -ge 5 ] && [ $(($(slow) - s0)) -le 2 ] &&
    ok "addfilter under the pings: b10 gets frames at once, in the kernel ($((r1 - r0)) in 0.3 s)" ||
    fail "addfilter under the pings: b10 got $((r1 - r0)) frames in 0.3 s, $(($(slow) - s0)) through ngd"
ngctl msg VA: setencap 0
s0=$(slow)
sleep 0.3
[ $(($(slow) - s0)) -ge 5 ] && ok "setencap 0 under the pings: VA's filter through ngd at once ($(($(slow) - s0)) frames in 0.3 s)" ||
    fail "setencap 0 under the pings: $(($(slow) - s0)) frames through ngd in 0.3 s"
ngctl msg VA: setencap 1
s0=$(slow) r0=$(rx b10 b10)
sleep 0.3
[ $(($(slow) - s0)) -le 2 ] && [ $(($(rx b10 b10) - r0)) -ge 5 ] &&
    ok "setencap 1: in the kernel again at once" ||
    fail "setencap 1: $(($(slow) - s0)) frames through ngd, b10 got $(($(rx b10 b10) - r0))"
ngctl rmhook BR: link0
r0=$(rx b10 b10)
sleep 0.3
expect "rmhook BR: link0 under the pings: no frame reaches b10 after the reply" "$r0" "$(rx b10 b10)"
kill $fl 2>/dev/null
wait $fl 2>/dev/null
ngctl connect VA: BR: v10 link0
expect "connect VA: BR: v10 link0, its filter gone with the hook: pings unanswered" 0 "$(pings a10 198.18.10.2 3)"
ngctl msg VA: addfilter '{ hook="v10" vid=10 pcp=3 }'
expect "addfilter again: pings answered" 5 "$(pings a10 198.18.10.2 5)"
s0=$(slow)
ip netns exec a10 ping -f -c 200 -s 100 -W 1 198.18.10.2 >/dev/null 2>&1
expect "... 200 pinged pairs in the kernel" "$s0" "$(slow)"

# SIGKILL: the kernel goes on switching the filter's frames, the next ngd
# takes its entries back (the same fvport key)
ip netns exec a10 ping -c 150 -i 0.01 -W 1 198.18.10.2 >$tmp/ping 2>&1 &
p=$!
sleep 0.3
kill -9 "$NGD_PID"
wait "$NGD_PID" 2>/dev/null
NGD_PID=
sleep 0.5
NGD_FASTPATH=1 start_ngd
wait $p
expect "SIGKILL + 0.5 s down + restart under pings: all answered" 150 \
    "$(sed -nE 's/.* ([0-9]+) received.*/\1/p' $tmp/ping)"
s0=$(slow)
ip netns exec a10 ping -f -c 200 -s 100 -W 1 198.18.10.2 >/dev/null 2>&1
expect "... the next ngd's: 200 pinged pairs in the kernel" "$s0" "$(slow)"
ngctl msg VA: delvidflt 10
expect "... its delvidflt: pings unanswered" 0 "$(pings a10 198.18.10.2 3)"
teardown

# --- the same through ngd --------------------------------------------------------
NGD_FASTPATH=0 start_ngd || finish
build
checks ngd
counted $tmp/ngd &&
    ok "NGD_FASTPATH=0: the same counters: $(tr '\n' ' ' <$tmp/ngd)" ||
    fail "NGD_FASTPATH=0: counters $(tr '\n' ' ' <$tmp/ngd) (kernel path: $(tr '\n' ' ' <$tmp/kernel))"
finish
