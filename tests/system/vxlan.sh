#!/usr/bin/env bash
# vxlan across hosts, against the Linux kernel's own VXLAN device.  Three
# namespaces stand for three machines on one wire (a bridge in the test's
# namespace, 198.18.9.0/24):
#   ha  ngd: eiface ng_vx -- vxlan vx42 -- ksocket inet/dgram/udp :4789
#   hk  the kernel: vxlan vx0 id 42 dstport 4789 (and vx43, id 43)
#   hc  ngd: the same graph as ha (phase 2)
# Phase 1 is the issue's example as written (bind and connect to hk):
# ping and 10 MB of TCP each way, the VNI on the wire, a wrong VNI
# dropped and counted.  Phase 2 makes one segment of all three: flood
# entries instead of a connected peer, each host learned behind its
# address; 10 MB of TCP between the two ngds go as datagram trains.
# Bad datagrams on the port leave ngd serving.
source "$(dirname "$0")/../lib.sh"

pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	for h in ha hk hc; do ip netns del $h 2>/dev/null; done
	ip link del wire 2>/dev/null
}
trap 'cleanup; rm -rf "$tmp"' EXIT

ip link add wire type bridge
ip link set wire up
n=1
for h in ha hk hc; do
	ip netns add $h
	ip link add w$h type veth peer name eth0 netns $h
	ip link set w$h master wire up
	in_ns $h ip link set lo up
	in_ns $h ip addr add 198.18.9.$n/24 dev eth0
	in_ns $h ip link set eth0 up
	n=$((n + 1))
done
for h in ha hc; do
	ip netns exec $h ngd -d 2>>"$tmp/ngd-$h.log" &
	pids+=($!)
done
up() { in_ns "$1" ngctl -N list >/dev/null 2>&1; }
for _ in $(seq 100); do up ha && up hc && break; sleep 0.02; done
expect_rc "an ngd in ha and in hc" 0 eval "up ha && up hc"

# The kernel's side.
in_ns hk ip link add vx0 type vxlan id 42 dstport 4789 remote 198.18.9.1 \
    local 198.18.9.2 dev eth0
in_ns hk ip addr add 198.51.100.2/24 dev vx0
in_ns hk ip link set vx0 up
in_ns hk ip link add vx43 type vxlan id 43 dstport 4789 remote 198.18.9.1 \
    local 198.18.9.2 dev eth0
in_ns hk ip addr add 198.51.101.2/24 dev vx43
in_ns hk ip link set vx43 up

# Ours: the issue's example, as written, once ng_vx exists.
in_ns ha ngctl mkpeer . eiface e ether
in_ns ha ngctl name ngeth0: ng_vx
example() {
	ngctl mkpeer ng_vx: vxlan ether inner &&
	ngctl name ng_vx:ether vx42 &&
	ngctl msg vx42: setvni 42 &&
	ngctl mkpeer vx42: ksocket outer inet/dgram/udp &&
	ngctl msg vx42:outer bind inet/198.18.9.1:4789 &&
	ngctl msg vx42:outer connect inet/198.18.9.2:4789
}
expect_rc "the issue's example works as written" 0 in_ns ha bash -c \
    "$(declare -f example); example"
check "getvni" 0 "Rec'd response \"getvni\" (2) from \"[ID]:\":
Args:	42" "" eval "in_ns ha ngctl msg vx42: getvni | sed -E 's/\[[0-9a-f]+\]/[ID]/'"
# 50 bytes of VXLAN over a 1500-byte wire: an inner MTU of 1450, as the
# kernel's vxlan device picks for itself.
in_ns ha ip link set ng_vx mtu 1450
# no IPv6 chatter (router solicitations, MLD) to count among the floods
in_ns ha sysctl -qw net.ipv6.conf.ng_vx.disable_ipv6=1
in_ns ha ip addr add 198.51.100.1/24 dev ng_vx
in_ns ha ip link set ng_vx up

in_ns hk timeout -s INT 5 tcpdump -i eth0 -nn -l 'udp port 4789' \
    >"$tmp/wire" 2>/dev/null &
tcpd=$!
sleep 0.5
expect_rc "ours pings the kernel's vxlan" 0 quiet in_ns ha ping -c 3 -i 0.2 -W 2 198.51.100.2
expect_rc "the kernel's pings ours" 0 quiet in_ns hk ping -c 3 -i 0.2 -W 2 198.51.100.1
wait $tcpd
# each datagram's line, then its inner frame's
wire() { grep -A1 "$1" "$tmp/wire" | grep -c "$2"; }
expect "tcpdump: ours to the kernel's, VNI 42, echo requests and replies" \
    "3 3" \
    "$(wire '198.18.9.1.4789 > 198.18.9.2.4789: VXLAN, flags \[I\] (0x08), vni 42' 'ICMP echo request') $(wire '198.18.9.1.4789 > 198.18.9.2.4789: VXLAN, flags \[I\] (0x08), vni 42' 'ICMP echo reply')"
expect "tcpdump: the kernel's to ours, VNI 42, from ports of its choosing" \
    "3 3" \
    "$(wire '198.18.9.2.[0-9]* > 198.18.9.1.4789: VXLAN, flags \[I\] (0x08), vni 42' 'ICMP echo request') $(wire '198.18.9.2.[0-9]* > 198.18.9.1.4789: VXLAN, flags \[I\] (0x08), vni 42' 'ICMP echo reply')"

# A datagram to a local socket keeps what checksum offload left
# unfinished across a veth: the kernel's vxlan here must finish its inner
# checksums itself, as a NIC would on a real wire.
in_ns hk ethtool -K eth0 tx off >/dev/null
head -c 10000000 /dev/urandom >"$tmp/send"
tcp() { # from-ns to-ns to-addr port
	in_ns "$2" timeout 60 nc -l -p "$4" >"$tmp/recv" &
	local l=$!
	sleep 0.3
	in_ns "$1" timeout 60 nc -q 1 "$3" "$4" <"$tmp/send"
	wait $l
	[ "$(md5sum <"$tmp/send")" = "$(md5sum <"$tmp/recv")" ]
}
expect_rc "10 MB of TCP ours -> kernel, byte for byte" 0 tcp ha hk 198.51.100.2 5001
expect_rc "10 MB of TCP kernel -> ours, byte for byte" 0 tcp hk ha 198.51.100.1 5002

# The kernel's VNI 43 reaches our socket too: dropped and counted, and
# none of it reaches ng_vx.
in_ns ha ngctl msg vx42: clrstats
in_ns ha timeout -s INT 3 tcpdump -i ng_vx -nn -l 'net 198.51.101.0/24' \
    >"$tmp/vni43" 2>/dev/null &
tcpd=$!
sleep 0.5
in_ns hk ping -c 3 -i 0.2 -W 1 198.51.101.1 >/dev/null 2>&1
wait $tcpd
st=$(in_ns ha ngctl msg vx42: getstats | sed -n 's/^Args:\t//p')
wrong=$(sed -nE 's/.*recvWrongVni=([0-9]+).*/\1/p' <<<"$st")
if [ "${wrong:-0}" -ge 1 ]; then
	ok "VNI 43 dropped and counted ($wrong)"
else
	fail "VNI 43 dropped and counted: $st"
fi
expect "none of VNI 43 reached ng_vx" 0 "$(grep -c 198.51.101 "$tmp/vni43")"

# Bad datagrams on the port: ngd counts them and carries on.
in_ns hk python3 - <<'PY'
import os, socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("198.18.9.2", 4999))
for d in (b"", b"\x08", b"\x08\0\0\0\0\0\x2a\0", b"\0" * 60, os.urandom(3000),
          b"\x08\0\0\0\0\0\x2a\0" + os.urandom(13)):
    s.sendto(d, ("198.18.9.1", 4789))
PY
expect_rc "ngd still serves after bad datagrams" 0 up ha
expect_rc "and the tunnel still works" 0 quiet in_ns ha ping -c 1 -W 2 198.51.100.2

# Phase 2: one segment, three hosts.  A connected socket hears only its
# peer, so ha's is made anew unconnected, with flood entries for hk and
# hc; hc gets the same graph; the kernel floods to both with fdb entries.
floods() { # the two other hosts' addresses
	echo "{ vni=42 maxAge=300 port=4789 learn=1 numStatic=2 entries=[ { mac=00:00:00:00:00:00 addr=$1 } { mac=00:00:00:00:00:00 addr=$2 } ] }"
}
in_ns ha ngctl -f - <<END
rmhook vx42: outer
mkpeer vx42: ksocket outer inet/dgram/udp
msg vx42:outer bind inet/198.18.9.1:4789
msg vx42: setconfig $(floods 198.18.9.2 198.18.9.3)
END
expect "ha's vxlan kept its node through the rmhook (it had inner)" 1 \
    "$(in_ns ha ngctl list | grep -c 'Name: vx42 ')"
in_ns hc ngctl mkpeer . eiface e ether
in_ns hc ngctl -f - <<END
name ngeth0: ng_vx
msg ng_vx: set 02:5a:00:00:00:03
mkpeer ng_vx: vxlan ether inner
name ng_vx:ether vx42
mkpeer vx42: ksocket outer inet/dgram/udp
msg vx42:outer bind inet/198.18.9.3:4789
msg vx42: setconfig $(floods 198.18.9.1 198.18.9.2)
END
in_ns hc ip link set ng_vx mtu 1450
in_ns hc sysctl -qw net.ipv6.conf.ng_vx.disable_ipv6=1
in_ns hc ip addr add 198.51.100.3/24 dev ng_vx
in_ns hc ip link set ng_vx up
in_ns hk ip link del vx0
in_ns hk ip link add vx0 type vxlan id 42 dstport 4789 local 198.18.9.2 dev eth0
in_ns hk bridge fdb append 00:00:00:00:00:00 dev vx0 dst 198.18.9.1
in_ns hk bridge fdb append 00:00:00:00:00:00 dev vx0 dst 198.18.9.3
in_ns hk ip addr add 198.51.100.2/24 dev vx0
in_ns hk ip link set vx0 up
in_ns ha ip neigh flush dev ng_vx # vx0 is new, with a MAC of its own

for pair in "ha 198.51.100.2" "ha 198.51.100.3" "hc 198.51.100.2" \
    "hk 198.51.100.1" "hk 198.51.100.3" "hc 198.51.100.1"; do
	set -- $pair
	expect_rc "$1 pings $2 on the one segment" 0 quiet in_ns $1 ping -c 2 -i 0.2 -W 2 $2
done
mac_k=$(in_ns hk cat /sys/class/net/vx0/address)
mac_c=$(in_ns hc cat /sys/class/net/ng_vx/address)
table=$(in_ns ha ngctl msg vx42: gettable | sed -n 's/^Args:\t//p')
expect "ha learned the kernel's host behind 198.18.9.2" 1 \
    "$(grep -c "mac=$mac_k addr=198.18.9.2 port=4789" <<<"$table")"
expect "and hc's behind 198.18.9.3" 1 \
    "$(grep -c "mac=$mac_c addr=198.18.9.3 port=4789" <<<"$table")"
# Unicast goes to the one host it is for: hc sees none of ha <-> hk.
in_ns ha ngctl msg vx42: clrstats
in_ns hc timeout -s INT 3 tcpdump -i ng_vx -nn -l icmp >"$tmp/hc" 2>/dev/null &
tcpd=$!
sleep 0.5
in_ns ha ping -c 5 -i 0.1 -W 2 198.51.100.2 >/dev/null
wait $tcpd
expect "hc saw none of ha's pings to hk" 0 "$(grep -c ICMP "$tmp/hc")"
st=$(in_ns ha ngctl msg vx42: getstats | sed -n 's/^Args:\t//p')
expect "ha flooded none of them: every host was known" "" \
    "$(grep -o 'xmitFloods=[0-9]*' <<<"$st")"

# ngd to ngd: a super-frame leaves as one train (one UDP_SEGMENT send
# for its datagrams) and the far side takes what the kernel merged
# (UDP_GRO) and merges the TCP segments again for its TAP.  Before
# trains, every datagram was a send of its own and a frame for the TAP.
udp_out() { in_ns "$1" awk '/^Udp:/ { if (++n == 2) print $5 }' /proc/net/snmp; }
rx_frames() { in_ns "$1" cat /sys/class/net/ng_vx/statistics/rx_packets; }
in_ns ha ngctl msg vx42: clrstats
sends=$(udp_out ha) frames=$(rx_frames hc)
expect_rc "10 MB of TCP ngd -> ngd, byte for byte" 0 tcp ha hc 198.51.100.3 5003
sends=$(($(udp_out ha) - sends)) frames=$(($(rx_frames hc) - frames))
st=$(in_ns ha ngctl msg vx42: getstats | sed -n 's/^Args:\t//p')
dgrams=$(sed -nE 's/.*xmitPackets=([0-9]+).*/\1/p' <<<"$st")
if [ "${dgrams:-0}" -ge 7000 ] && [ "$sends" -le $((dgrams / 8)) ]; then
	ok "ha sent its $dgrams datagrams in $sends sends (trains)"
else
	fail "ha sent its ${dgrams:-?} datagrams in $sends sends (trains)"
fi
if [ "$frames" -gt 0 ] && [ "$frames" -le $((dgrams / 8)) ]; then
	ok "hc's TAP took them as $frames frames (merged)"
else
	fail "hc's TAP took them as $frames frames (merged), $dgrams datagrams"
fi
expect_rc "10 MB of TCP ngd -> ngd the other way, byte for byte" 0 tcp hc ha 198.51.100.1 5004

expect_rc "ngd in ha still serves" 0 up ha
expect_rc "ngd in hc still serves" 0 up hc
finish
