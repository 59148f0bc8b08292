#!/usr/bin/env bash
# timeout: 90
# vlan nodes in the kernel fast path (issue 18, DESIGN decision 11;
# README "The kernel fast path").  A vlan node whose downstream leads to
# an eiface tags and untags in the kernel for its filters' hooks that
# lead to eifaces; everything else crosses ngd as before.  Two vlan nodes
# on two trunks, the trunks' interfaces joined by a Linux bridge in ns
# wire (this kernel has no 802.1Q interfaces):
#
#   a10 --ether-- v10 [VA] downstream --ether-- ta ===br0=== tb --ether-- downstream [VB] v10 --ether-- b10
#   a20 --ether-- v20 [VA]   (ns wire: ta, tb, br0)                      [VB] v20 --ether-- b20
#   nm  --ether-- nomatch [VA]                                           [VB] v40 --ether-- b40
#
# ping and TCP across it with the trunk's frames tagged (tcpdump -e),
# none through ngd's TAP (ngslow), answers with ngd stopped; PCP and
# setencapproto show in the tags (one the kernel cannot untag, 0x9100,
# crosses ngd); the hook counters count the kernel's
# frames; VID 40 goes to nomatch in the kernel (through ngd with
# setdecap 1), VID 10 through ngd while VA's v10 is captured; delvidflt and addfilter under pings every 2 ms take
# effect before their reply; after a SIGKILL the kernel goes on tagging
# and the next ngd takes the entries back.
source "$(dirname "$0")/../lib.sh"
NGD_LOG=$tmp/ngd.log
NS="wire a10 a20 nm b10 b20 b40"
trap 'for n in $NS; do ip netns del $n 2>/dev/null; done; stop_ngd; rm -rf "$tmp"' EXIT

rx() { ip netns exec "$1" cat "/sys/class/net/$2/statistics/rx_packets"; }
# slow: frames the kernel gave ngd so far (ngslow's tx in the data plane,
# reached through ngd's descriptor of that namespace, found once)
DP= DPFD=
ngslow() {
	nsenter --net="/proc/$NGD_PID/fd/$1" cat /proc/net/dev | sed 's/^ *//' |
	    awk -F'[: ]+' '$1 == "ngslow" { print $11; f = 1 } END { exit !f }'
}
slow() {
	local fd l own
	if [ -n "$DPFD" ] &&
	    [ "$(readlink "/proc/$NGD_PID/fd/$DPFD" 2>/dev/null)" = "$DP" ] &&
	    ngslow "$DPFD"; then
		return
	fi
	own=$(readlink /proc/self/ns/net)
	while read -r fd l; do
		[ "$l" = "$own" ] && continue
		ngslow "$fd" && DP=$l DPFD=$fd && return
	done < <(find "/proc/$NGD_PID/fd" -lname 'net:*' -printf '%f %l\n')
	echo none
}
# tags IF COUNT CMD...: the link-level lines tcpdump -e saw on IF (ns
# wire) while CMD ran
tags() {
	local ifc=$1 n=$2
	shift 2
	on_wire wire "$ifc" "$n" \
	    "${TAGS_FILTER:-icmp or (vlan and icmp) or ether proto 0x88a8}" "$@"
}

# send NS: three broadcast frames (type 0x88b5) out of NS's interface
send() {
	ip netns exec "$1" python3 -c 'import socket, sys
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind((sys.argv[1], 0))
for _ in range(3):
	s.send(bytes.fromhex("ffffffffffff020000000002") + b"\x88\xb5" + bytes(46))' "$1"
	sleep 0.1
}

NGD_FASTPATH=1 start_ngd || finish
for i in 0 1 2 3 4 5 6 7; do ngctl mkpeer eiface ether ether; done
ngctl -f - <<'END'
name ngeth0: ta
name ngeth1: tb
name ngeth2: a10
name ngeth3: a20
name ngeth4: nm
name ngeth5: b10
name ngeth6: b20
name ngeth7: b40
mkpeer ta: vlan ether downstream
name ta:ether VA
connect VA: a10: v10 ether
connect VA: a20: v20 ether
connect VA: nm: nomatch ether
msg VA: addfilter { hook="v10" vid=10 }
msg VA: addfilter { hook="v20" vid=20 pcp=5 }
mkpeer tb: vlan ether downstream
name tb:ether VB
connect VB: b10: v10 ether
connect VB: b20: v20 ether
connect VB: b40: v40 ether
msg VB: addfilter { hook="v10" vid=10 }
msg VB: addfilter { hook="v20" vid=20 }
msg VB: addfilter { hook="v40" vid=40 }
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
for n in a10 a20 b10 b20 b40 nm; do
	ngctl msg $n: vnet "\"$n\""
	ip -n $n link set $n up
done
ip -n a10 addr add 198.18.10.1/24 dev a10
ip -n b10 addr add 198.18.10.2/24 dev b10
ip -n a20 addr add 198.18.20.1/24 dev a20
ip -n b20 addr add 198.18.20.2/24 dev b20
ip -n b40 addr add 198.18.40.2/24 dev b40
# (each up before the first pings; no neighbour probe later: one crossed
# during the TCP transfer on a loaded machine, "1 frames through ngd")
for n in a10 a20 b10 b20 b40; do
	no_probes $n $n
	link_up $n $n
done

# --- tagging in the kernel ---------------------------------------------------
expect "VLAN 10: a10 -> b10, pings answered" 10 "$(pings a10 198.18.10.2 10)"
expect "VLAN 20: a20 -> b20, pings answered" 10 "$(pings a20 198.18.20.2 10)"
expect "VLAN 10: b10 -> a10, pings answered" 10 "$(pings b10 198.18.10.1 10)"
d=$(tags ta 4 ip netns exec a20 ping -c 2 -i 0.2 -W 1 198.18.20.2)
if grep -q "ethertype 802.1Q (0x8100).*vlan 20, p 5,.*ICMP echo request" <<<"$d" &&
    grep -q "ethertype 802.1Q (0x8100).*vlan 20, p 0,.*ICMP echo reply" <<<"$d"; then
	ok "tcpdump -e on trunk ta: requests tagged VID 20 PCP 5 by VA, replies VID 20 PCP 0 by VB"
else
	fail "tcpdump -e on trunk ta: $d"
fi
kill -STOP "$NGD_PID"
expect "pings answered while ngd is stopped (kernel path)" 10 \
    "$(pings a10 198.18.10.2 10)"
kill -CONT "$NGD_PID"
# (upstream first: a hook's "in" is read from its peer's "out", each from
# its own clear, and a frame between two clears is counted only by the
# one cleared first: a10 in >= VA v10 out, VA downstream in >= ta out)
ngctl msg a10: clrhookstats '{ }'
ngctl msg VA: clrhookstats '{ }'
ngctl msg ta: clrhookstats '{ }'
s0=$(slow)
ip netns exec a10 ping -f -c 1000 -s 100 -W 1 198.18.10.2 >/dev/null 2>&1
s1=$(slow)
if [ "$s0" != none ] && [ "$s0" = "$s1" ]; then
	ok "1000 pinged pairs: ngd's ngslow carried none of them ($s0 before and after)"
else
	fail "1000 pinged pairs: ngd's ngslow carried $s0 before, $s1 after"
fi
# As VA would count: out of a10's ether and VA's downstream (requests),
# out of ta's ether and VA's v10 (replies); 142 bytes a frame untagged
# (100 + 8 + 20 + 14), 146 tagged; an ARP probe or two (42, 46 bytes)
# may cross too, between two readings as well, and a frame's bytes may
# be read a moment after it.
dx=$(hs VA: downstream xmitFrames) do=$(hs VA: downstream xmitOctets)
vx=$(hs VA: v10 xmitFrames) vo=$(hs VA: v10 xmitOctets)
tx=$(hs ta: ether xmitFrames) to=$(hs ta: ether xmitOctets)
ex=$(hs a10: ether xmitFrames) eo=$(hs a10: ether xmitOctets)
dr=$(hs VA: downstream recvFrames) er=$(hs a10: ether recvFrames)
counted() { # FRAMES OCTETS SIZE
	[ "$1" -ge 1000 ] && [ "$1" -le 1010 ] &&
	    [ "$2" -ge $((999 * $3)) ] && [ "$2" -le $(($1 * $3 + 146)) ]
}
if counted "$ex" "$eo" 142 && counted "$dx" "$do" 146 &&
    counted "$tx" "$to" 146 && counted "$vx" "$vo" 142 &&
    [ "$dr" -ge "$tx" ] && [ "$dr" -le $((tx + 2)) ] &&
    [ "$er" -ge "$vx" ] && [ "$er" -le $((vx + 2)) ]; then
	ok "hook counters count the kernel's frames (a10 out $ex/$eo, VA downstream out $dx/$do, ta out $tx/$to, VA v10 out $vx/$vo)"
else
	for n in VA ta a10; do ngctl msg $n: gethookstats; done
	fail "hook counters: a10 out $ex/$eo, VA downstream out $dx/$do, ta out $tx/$to in $dr, VA v10 out $vx/$vo, a10 in $er"
fi

# TCP with offloaded super-frames across the tags, both ways
head -c 2000000 /dev/urandom >$tmp/send
for dir in "b10 198.18.10.2 a10" "a10 198.18.10.1 b10"; do
	set -- $dir
	s0=$(slow)
	ip netns exec "$1" timeout 10 nc -l -p 5001 </dev/null >$tmp/recv &
	p=$!
	sleep 0.3
	ip netns exec "$3" timeout 10 nc -N "$2" 5001 <$tmp/send
	wait $p
	s1=$(slow)
	expect "2 MB over TCP $3 -> $1 arrive intact" "$(md5sum <$tmp/send)" "$(md5sum <$tmp/recv)"
	[ "$s0" = "$s1" ] && ok "... none through ngd" ||
	    fail "... $((s1 - s0)) frames through ngd"
done

# --- what the kernel leaves to ngd -----------------------------------------------
s0=$(slow) r0=$(rx nm nm) n0=$(hs VA: nomatch xmitFrames)
send b40 # VA has no filter for VID 40
s1=$(slow) r1=$(rx nm nm) n1=$(hs VA: nomatch xmitFrames)
[ "$s1" -eq "$s0" ] && [ "$r1" -gt "$r0" ] && [ $((n1 - n0)) -eq $((r1 - r0)) ] &&
    ok "VID 40, no filter on VA: to nomatch (nm) in the kernel (nm got $((r1 - r0)), VA's nomatch counted $((n1 - n0)))" ||
    fail "VID 40, no filter on VA: $((s1 - s0)) frames to ngd, nm got $((r1 - r0)), VA's nomatch counted $((n1 - n0))"
d=$(TAGS_FILTER='ether src 02:00:00:00:00:01' tags ta 1 ip netns exec nm python3 -c 'import socket
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind(("nm", 0))
s.send(bytes.fromhex("ffffffffffff0200000000018100202888b5") + bytes(46))')
grep -q "vlan 40, p 1" <<<"$d" &&
    ok "nm's own tagged frame crosses to the trunk as it is (VID 40, PCP 1)" ||
    fail "nm's own tagged frame: $d"
ngctl msg VA: setdecap 1
s0=$(slow) r0=$(rx nm nm)
send b40
s1=$(slow) r1=$(rx nm nm)
[ "$s1" -gt "$s0" ] && [ "$r1" -gt "$r0" ] &&
    ok "setdecap 1: VID 40 to nomatch through ngd ($((s1 - s0)) frames)" ||
    fail "setdecap 1: $((s1 - s0)) frames to ngd, nm got $((r1 - r0))"
ngctl msg VA: setdecap 0
ngctl msg VA: setencapproto 0x88a8
d=$(tags ta 1 ip netns exec a10 ping -c 2 -i 0.2 -W 1 198.18.10.2)
if grep -q "ethertype 802.1Q-QinQ (0x88a8).*vlan 10, p 0" <<<"$d"; then
	ok "VA setencapproto 0x88a8: a10's frames leave with an 802.1ad tag"
else
	fail "VA setencapproto 0x88a8: $d"
fi
expect "... which VB (0x8100) does not take: pings unanswered" 0 \
    "$(pings a10 198.18.10.2 3)"
ngctl msg VB: setencapproto 0x88a8
expect "VB setencapproto 0x88a8 too: pings answered" 5 "$(pings a10 198.18.10.2 5)"
# a TPID the kernel does not untag (0x9100): ngd's, and the trunk's
# answers must reach a10, not VA's nomatch (nm)
ngctl msg VA: setencapproto 0x9100
ngctl msg VB: setencapproto 0x9100
r0=$(rx nm nm)
expect "both setencapproto 0x9100: pings answered" 5 "$(pings a10 198.18.10.2 5)"
expect "... none of the answers to nomatch" "$r0" "$(rx nm nm)"
ngctl msg VA: setencapproto 0x8100
ngctl msg VB: setencapproto 0x8100
expect "both back to 0x8100: pings answered" 5 "$(pings a10 198.18.10.2 5)"

# a capture of VA's v10 takes VID 10 through ngd while it lasts
ngctl capture -w "$tmp/f.pcapng" VA: v10 icmp 2>"$tmp/cap.err" &
cap=$!
for _ in $(seq 200); do
	grep -q '^capturing on ' "$tmp/cap.err" 2>/dev/null && break
	sleep 0.05
done
s0=$(slow)
expect "while VA's v10 is captured: pings answered" 5 "$(pings a10 198.18.10.2 5)"
s1=$(slow)
sleep 0.3
kill -INT $cap
wait $cap
n=$(tcpdump -n -r "$tmp/f.pcapng" 2>/dev/null | grep -c 'ICMP echo')
[ "$n" -ge 10 ] && [ $((s1 - s0)) -ge 5 ] &&
    ok "... through ngd ($((s1 - s0)) frames), the capture has $n ICMP echoes" ||
    fail "... $((s1 - s0)) frames through ngd, the capture has $n ICMP echoes"
s0=$(slow)
expect "after the capture: pings answered" 5 "$(pings a10 198.18.10.2 5)"
s1=$(slow)
[ "$s0" = "$s1" ] && ok "... in the kernel again" || fail "... $((s1 - s0)) through ngd"

# --- filters changed under pings every 2 ms ----------------------------------------------
ip netns exec a10 ping -i 0.002 -s 100 -W 1 198.18.10.2 >/dev/null 2>&1 &
fl=$!
sleep 0.5
ngctl msg VB: delvidflt 10
r0=$(rx b10 b10)
sleep 0.3
r1=$(rx b10 b10)
expect "delvidflt 10 under pings every 2 ms: no frame reaches b10 after the reply" \
    "$r0" "$r1"
ngctl msg VB: addfilter '{ hook="v10" vid=10 }'
s0=$(slow) r0=$(rx b10 b10)
sleep 0.3
r1=$(rx b10 b10)
s1=$(slow)
kill $fl 2>/dev/null
wait $fl 2>/dev/null
[ $((r1 - r0)) -ge 5 ] && ok "addfilter under the pings: b10 gets frames at once ($((r1 - r0)) in 0.3 s)" ||
    fail "addfilter under the pings: b10 got $((r1 - r0)) frames in 0.3 s"
[ $((s1 - s0)) -le 2 ] && ok "... in the kernel ($((s1 - s0)) through ngd)" ||
    fail "... $((s1 - s0)) through ngd"
ngctl msg VB: delfilter '"v10"'
expect "delfilter: pings unanswered" 0 "$(pings a10 198.18.10.2 3)"
ngctl msg VB: addfilter '{ hook="v10" vid=10 }'
expect "addfilter again: pings answered" 5 "$(pings a10 198.18.10.2 5)"
ngctl rmhook VA: downstream
expect "rmhook downstream: pings unanswered" 0 "$(pings a10 198.18.10.2 3)"
ngctl connect VA: ta: downstream ether
expect "connected again: pings answered" 5 "$(pings a10 198.18.10.2 5)"

# --- SIGKILL: the kernel goes on tagging, the next ngd takes it back -------------
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
ngctl msg VB: delvidflt 10
expect "the next ngd's delvidflt: pings unanswered" 0 "$(pings a10 198.18.10.2 3)"
ngctl msg VB: addfilter '{ hook="v10" vid=10 }'
s0=$(slow)
expect "... its addfilter: pings answered" 10 "$(pings a10 198.18.10.2 10)"
s1=$(slow)
[ "$s0" = "$s1" ] && ok "... in the kernel" || fail "... $((s1 - s0)) through ngd"
finish
