#!/usr/bin/env bash
# timeout: 60
# A vlan node on an ether node's hook in the kernel fast path (issue 18,
# DESIGN decision 11; src/ngd/fastpath_vlan.c, fastpath_ether.c).  VA's
# trunk is em0's lower hook (an uplink veth into the data plane); VB's is
# an eiface's, as fastpath_vlan.sh has it; em0's wire and tb meet on a
# Linux bridge in ns wire (this kernel has no 802.1Q interfaces):
#
#   a10 --ether-- v10 [VA] downstream --lower-- em0 ==w0==br0== tb --ether-- downstream [VB] v10 --ether-- b10
#   a20 --ether-- v20 [VA]                  (ns wire: w0, br0, tb)               [VB] v20 --ether-- b20
#   nm  --ether-- nomatch [VA]                                                   [VB] v40 --ether-- b40
#
# Pings and TCP cross with the wire's frames tagged (tcpdump -e on w0),
# none through ngd's slow TAP or em0's TAP channels, answered with ngd
# stopped; the hook counters count the kernel's frames; VID 40 reaches
# nomatch in the kernel; a capture of VA's downstream takes the frames
# through ngd while it lasts; delvidflt takes effect before its reply.
source "$(dirname "$0")/../lib.sh"
NGD_LOG=$tmp/ngd.log
NS="wire a10 a20 nm b10 b20 b40"
em0_trap

rx() { ip netns exec "$1" cat "/sys/class/net/$2/statistics/rx_packets"; }
tags() { # IF COUNT CMD...: what tcpdump -e saw on IF (ns wire) while CMD ran
	local ifc=$1 n=$2
	shift 2
	on_wire wire "$ifc" "$n" 'icmp or (vlan and icmp)' "$@"
}
send() { # NS: three broadcast frames (type 0x88b5) out of NS's interface
	ip netns exec "$1" python3 -c 'import socket, sys
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind((sys.argv[1], 0))
for _ in range(3):
	s.send(bytes.fromhex("ffffffffffff020000000002") + b"\x88\xb5" + bytes(46))' "$1"
	sleep 0.1
}

for n in $NS; do
	ip netns add $n
	ip netns exec $n sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
	    net.ipv6.conf.default.disable_ipv6=1
done
ip -n wire link add br0 type bridge
ip -n wire link set br0 up
ip link add em0 type veth peer name w0 netns wire
ip -n wire link set w0 master br0
ip -n wire link set w0 up
sysctl -qw net.ipv6.conf.em0.disable_ipv6=1
ip link set em0 up

NGD_FASTPATH=1 start_ngd || finish
for i in 0 1 2 3 4 5 6; do ngctl mkpeer eiface ether ether; done
ngctl -f - <<'END'
name ngeth0: tb
name ngeth1: a10
name ngeth2: a20
name ngeth3: nm
name ngeth4: b10
name ngeth5: b20
name ngeth6: b40
msg em0: setpromisc 1
msg em0: setautosrc 0
mkpeer em0: vlan lower downstream
name em0:lower VA
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
ngctl msg tb: vnet '"wire"'
ip -n wire link set tb master br0
ip -n wire link set tb up
for n in a10 a20 b10 b20 b40 nm; do
	ngctl msg $n: vnet "\"$n\""
	ip -n $n link set $n up
done
ip -n a10 addr add 198.18.10.1/24 dev a10
ip -n b10 addr add 198.18.10.2/24 dev b10
ip -n a20 addr add 198.18.20.1/24 dev a20
ip -n b20 addr add 198.18.20.2/24 dev b20

expect "one uplink (em0's lower) into the data plane" 1 \
    "$(ls -d /sys/class/net/ngu[0-9]* 2>/dev/null | wc -l)"
expect "VLAN 10: a10 -> b10 across em0, pings answered" 10 "$(pings a10 198.18.10.2 10)"
expect "VLAN 20: a20 -> b20 across em0, pings answered" 10 "$(pings a20 198.18.20.2 10)"
expect "VLAN 10: b10 -> a10, pings answered" 10 "$(pings b10 198.18.10.1 10)"
d=$(tags w0 4 ip netns exec a20 ping -c 2 -i 0.2 -W 1 198.18.20.2)
if grep -q "ethertype 802.1Q (0x8100).*vlan 20, p 5,.*ICMP echo request" <<<"$d" &&
    grep -q "ethertype 802.1Q (0x8100).*vlan 20, p 0,.*ICMP echo reply" <<<"$d"; then
	ok "tcpdump -e on em0's wire: requests tagged VID 20 PCP 5 by VA, replies VID 20 PCP 0"
else
	fail "tcpdump -e on em0's wire: $d"
fi
kill -STOP "$NGD_PID"
expect "pings answered while ngd is stopped (kernel path)" 10 "$(pings a10 198.18.10.2 10)"
kill -CONT "$NGD_PID"

ngctl msg VA: clrhookstats '{ }'
ngctl msg em0: clrhookstats '{ }'
ngctl msg a10: clrhookstats '{ }'
s0=$(slow) t0=$(ether_taps) u0=$(uplinks)
ip netns exec a10 ping -f -c 1000 -s 100 -W 1 198.18.10.2 >/dev/null 2>&1
s1=$(slow) t1=$(ether_taps) u1=$(uplinks)
[ "$s0" = "$s1" ] && [ "$t0" = "$t1" ] && [ $((u1 - u0)) -ge 1000 ] &&
    ok "1000 pinged pairs: through the uplink ($((u1 - u0)) packets), none through ngd's slow TAP or em0's TAPs" ||
    fail "1000 pinged pairs: slow TAP $((s1 - s0)), em0's TAPs $((t1 - t0)), uplink $((u1 - u0))"
# As VA would count: out of a10's ether and VA's downstream (requests,
# 142 bytes untagged, 146 tagged), out of em0's lower and VA's v10
# (replies); an ARP or two may cross too.
dx=$(hs VA: downstream xmitFrames) do=$(hs VA: downstream xmitOctets)
vx=$(hs VA: v10 xmitFrames) vo=$(hs VA: v10 xmitOctets)
lx=$(hs em0: lower xmitFrames) lo=$(hs em0: lower xmitOctets)
lr=$(hs em0: lower recvFrames) ex=$(hs a10: ether xmitFrames)
counted() { # FRAMES OCTETS SIZE
	[ "$1" -ge 1000 ] && [ "$1" -le 1010 ] &&
	    [ "$2" -ge $((999 * $3)) ] && [ "$2" -le $(($1 * $3 + 146)) ]
}
if counted "$dx" "$do" 146 && counted "$lx" "$lo" 146 &&
    counted "$vx" "$vo" 142 && [ "$ex" -ge 1000 ] && [ "$ex" -le 1010 ] &&
    [ "$lr" -ge "$dx" ] && [ "$lr" -le $((dx + 2)) ]; then
	ok "hook counters count the kernel's frames (VA downstream out $dx/$do, em0 lower out $lx/$lo in $lr, VA v10 out $vx/$vo, a10 out $ex)"
else
	for n in VA em0 a10; do ngctl msg $n: gethookstats; done
	fail "hook counters: VA downstream out $dx/$do, em0 lower out $lx/$lo in $lr, VA v10 out $vx/$vo, a10 out $ex"
fi

head -c 2000000 /dev/urandom >$tmp/send
s0=$(slow) t0=$(ether_taps)
ip netns exec b10 timeout 10 nc -l -p 5001 </dev/null >$tmp/recv &
p=$!
sleep 0.3
ip netns exec a10 timeout 10 nc -N 198.18.10.2 5001 <$tmp/send
wait $p
expect "2 MB over TCP a10 -> b10 arrive intact" "$(md5sum <$tmp/send)" "$(md5sum <$tmp/recv)"
[ "$s0" = "$(slow)" ] && [ "$t0" = "$(ether_taps)" ] && ok "... none through ngd" ||
    fail "... $(($(slow) - s0)) frames through ngd's slow TAP, $(($(ether_taps) - t0)) through em0's"

s0=$(slow) r0=$(rx nm nm) n0=$(hs VA: nomatch xmitFrames)
send b40 # VA has no filter for VID 40
s1=$(slow) r1=$(rx nm nm) n1=$(hs VA: nomatch xmitFrames)
[ "$s1" -eq "$s0" ] && [ "$r1" -gt "$r0" ] && [ $((n1 - n0)) -eq $((r1 - r0)) ] &&
    ok "VID 40, no filter on VA: to nomatch (nm) in the kernel (nm got $((r1 - r0)), VA's nomatch counted $((n1 - n0)))" ||
    fail "VID 40, no filter on VA: $((s1 - s0)) frames to ngd, nm got $((r1 - r0)), VA's nomatch counted $((n1 - n0))"

ngctl capture -w "$tmp/f.pcapng" VA: downstream "vlan and icmp" 2>"$tmp/cap.err" &
cap=$!
for _ in $(seq 200); do
	grep -q '^capturing on ' "$tmp/cap.err" 2>/dev/null && break
	sleep 0.05
done
s0=$(slow) t0=$(ether_taps)
expect "while VA's downstream is captured: pings answered" 5 "$(pings a10 198.18.10.2 5)"
s1=$(slow) t1=$(ether_taps)
sleep 0.3
kill -INT $cap
wait $cap
n=$(tcpdump -n -r "$tmp/f.pcapng" 2>/dev/null | grep -c 'ICMP echo')
[ "$n" -ge 10 ] && [ $((t1 - t0)) -ge 5 ] &&
    ok "... through ngd (em0's TAPs $((t1 - t0)), slow TAP $((s1 - s0))), the capture has $n ICMP echoes" ||
    fail "... em0's TAPs $((t1 - t0)), slow TAP $((s1 - s0)), the capture has $n ICMP echoes"
t0=$(ether_taps)
expect "after the capture: pings answered" 5 "$(pings a10 198.18.10.2 5)"
[ "$t0" = "$(ether_taps)" ] && ok "... in the kernel again" || fail "... $(($(ether_taps) - t0)) through em0's TAPs"

ip netns exec b10 ping -i 0.002 -s 100 -W 1 198.18.10.1 >/dev/null 2>&1 &
fl=$!
sleep 0.3
ngctl msg VA: delvidflt 10
r0=$(rx a10 a10)
sleep 0.3
r1=$(rx a10 a10)
expect "VA delvidflt 10 under pings every 2 ms: no frame reaches a10 after the reply" "$r0" "$r1"
ngctl msg VA: addfilter '{ hook="v10" vid=10 }'
r0=$(rx a10 a10)
sleep 0.3
r1=$(rx a10 a10)
kill $fl 2>/dev/null
wait $fl 2>/dev/null
[ $((r1 - r0)) -ge 5 ] && ok "addfilter under the pings: a10 gets frames at once ($((r1 - r0)) in 0.3 s)" ||
    fail "addfilter under the pings: a10 got $((r1 - r0)) frames in 0.3 s"
ngctl rmhook VA: downstream
expect "rmhook downstream: no uplink left" 0 "$(ls -d /sys/class/net/ngu[0-9]* 2>/dev/null | wc -l)"
expect "rmhook downstream: pings unanswered" 0 "$(pings a10 198.18.10.2 3)"
ngctl connect VA: em0: downstream lower
expect "connected again: pings answered" 5 "$(pings a10 198.18.10.2 5)"
finish
