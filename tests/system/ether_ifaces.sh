#!/usr/bin/env bash
# ether nodes follow the interfaces of ngd's namespace (spec §9.4): one
# appears for an interface made after ngd started (veth, macvlan,
# bridge), none for an eiface's own interface or ngd's TAP channels; it
# is renamed with its interface, goes with it, and an interface that
# vanishes while frames flow through its node takes nothing else of the
# graph with it.  Diversion is real: with lower on a hub that goes
# nowhere, the host is cut off from the wire; with lower joined to upper
# through the graph it talks again, and the tc programs count it.
source "$(dirname "$0")/../lib.sh"
trap 'stop_ngd; ip netns del lan 2>/dev/null; rm -rf "$tmp"' EXIT
ethers() { ngctl list | awk '$4 == "ether" { print $2 }' | sort | tr '\n' ' '; }
has() { ngctl info "$1:" >/dev/null 2>&1; }

start_ngd
expect "no Ethernet interface, no ether node" "" "$(ethers)"

ip link add em0 type veth peer name em1
expect "a veth pair made after ngd started" "em0 em1 " "$(ethers)"
ip link add mv0 link em0 type macvlan mode bridge
ip link add br0 type bridge
expect "a macvlan and a bridge too" "br0 em0 em1 mv0 " "$(ethers)"
ngctl mkpeer eiface ether ether
expect "none for an eiface's interface" "br0 em0 em1 mv0 " "$(ethers)"
ngctl name ngeth0: jail0
expect "none after it is renamed either" "br0 em0 em1 mv0 " "$(ethers)"
ngctl shutdown jail0:
ip tuntap add mode tap name tap9
expect "none for a TAP device (a program's, like an eiface in a jail)" \
    "br0 em0 em1 mv0 " "$(ethers)"
ip link del tap9

# renamed with the interface, found under its new name
ip link set mv0 name lan5
expect "renamed with its interface" "br0 em0 em1 lan5 " "$(ethers)"
expect "getifname follows" '"lan5"' "$(ngctl msg lan5: getifname | sed -n 's/^Args:\t//p')"
ngctl name lan5: mine
ip link set lan5 name lan6
expect "an interface rename wins over a node name" "br0 em0 em1 lan6 " "$(ethers)"
ip link del lan6
expect "gone with its interface" "br0 em0 em1 " "$(ethers)"
ip link del br0
expect "the bridge's node too" "em0 em1 " "$(ethers)"

# diversion: em1 into a namespace with an address, em0 with one here
ip netns add lan
ip link set em1 netns lan
expect "a veth end moved away leaves" "em0 " "$(ethers)"
ip -n lan link set em1 up
ip -n lan addr add 198.18.8.2/24 dev em1
ip link set em0 up
ip addr add 198.18.8.1/24 dev em0
expect_rc "ping with no hook (the normal path)" 0 quiet ping -c 2 -i 0.2 -w 3 198.18.8.2
ngctl mkpeer em0: hub lower x
expect_rc "lower on a dead end: the wire no longer reaches the host" 1 \
    quiet ping -c 2 -W 1 198.18.8.2
ngctl rmhook em0: lower
expect_rc "lower gone: the normal path again" 0 quiet ping -c 2 -i 0.2 -w 3 198.18.8.2
ngctl connect em0: em0: lower upper
expect_rc "lower joined to upper: the host reaches the wire (in the kernel with the fast path)" 0 quiet ping -c 3 -i 0.2 -w 4 198.18.8.2
# a frame the host sends must reach the wire once, not loop (tc_index tag)
before=$(cat /sys/class/net/em0/statistics/tx_packets)
ping -c 5 -i 0.2 -W 1 198.18.8.2 >/dev/null
after=$(cat /sys/class/net/em0/statistics/tx_packets)
if [ $((after - before)) -ge 5 ] && [ $((after - before)) -le 12 ]; then
	ok "no loop: $((after - before)) frames on the wire for 5 pings"
else
	fail "frames on the wire for 5 pings: $((after - before))"
fi
ngctl rmhook em0: lower

# orphans: only the frames the stack has no protocol for
nghook -a -n em0: orphans >"$tmp/orphans" 2>/dev/null </dev/null &
hpid=$!
for _ in $(seq 50); do
	ngctl show em0: 2>/dev/null | grep -q '^  orphans ' && break
	sleep 0.05
done
ip netns exec lan python3 -c '
import socket
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind(("em1", 0))
for i in range(3):
    s.send(bytes.fromhex("ffffffffffff020000000001" "88b5") + bytes([i]) * 46)
'
expect_rc "orphans on: IPv4 still reaches the host" 0 quiet ping -c 2 -i 0.2 -w 3 198.18.8.2
sleep 0.3
kill $hpid 2>/dev/null
wait $hpid 2>/dev/null
expect "the three 0x88b5 frames came out of orphans" 3 \
    "$(grep -c '^0000:  ff ff ff ff ff ff 02 00 00 00 00 01 88 b5' "$tmp/orphans")"
expect "and nothing else did" 0 \
    "$(grep '^0000:' "$tmp/orphans" | grep -vc ' 88 b5')"
ngctl rmhook em0: orphans 2>/dev/null

# a frame written to lower reaches the wire; with autosrc, from em0's MAC
# (the receiver ends with the first frame; its timeout only bounds a
# failure, and python alone may take seconds to start on a busy machine)
rx() { # the source of the first 0x88b6 frame em1 receives, into $tmp/rx
	rm -f "$tmp/ready"
	ip netns exec lan timeout 60 python3 -c '
import socket, sys
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x88b6))
s.bind(("em1", 0))
open(sys.argv[1], "w").close()
f = s.recv(2048)
print(f[6:12].hex(":"), flush=True)
' "$tmp/ready" >"$tmp/rx" 2>/dev/null &
	rxpid=$!
	for _ in $(seq 1200); do
		[ -e "$tmp/ready" ] || ! kill -0 $rxpid 2>/dev/null && break
		sleep 0.05
	done
	[ -e "$tmp/ready" ] || fail "the receiver in lan did not start"
}
F="0xff 0xff 0xff 0xff 0xff 0xff 0x02 0 0 0 0 0x77 0x88 0xb6 1 2 3 4"
for auto in 0 1; do
	ngctl msg em0: setautosrc $auto
	rx
	# (the hook stays a moment: a frame still on its way when the last
	# hook goes, and its TAP channel with it, is lost)
	{ echo "connect em0: x lower"; echo "write x $F"; sleep 0.5; } | ngctl -f -
	wait $rxpid
	want=$([ $auto = 1 ] && cat /sys/class/net/em0/address || echo 02:00:00:00:00:77)
	expect "lower with autosrc $auto: on the wire from $want" "$want" "$(cat "$tmp/rx")"
done
ngctl msg em0: setautosrc 0

# an interface vanishing while frames flow: the rest of the graph stays
#   ngeth0 --link0-- br --link1-- ngeth1, and em0:lower on link2
bridge_two_eifaces
ngctl connect br0: em0: link2 lower
ip netns add a
ip netns add b
ip link set ngeth0 netns a
ip link set ngeth1 netns b
ip -n a link set ngeth0 up
ip -n b link set ngeth1 up
ip -n a addr add 198.18.9.1/24 dev ngeth0
ip -n b addr add 198.18.9.2/24 dev ngeth1
ip netns exec lan ping -f -c 3000 198.18.8.1 >/dev/null 2>&1 &
fpid=$!
ip netns exec a ping -c 30 -i 0.05 198.18.9.2 >"$tmp/ping" &
ppid=$!
sleep 0.5
ip netns del lan # em1 goes, and em0 with it
wait $ppid
kill $fpid 2>/dev/null
wait $fpid 2>/dev/null
expect "no ping across the bridge lost while em0 vanished" \
    "30 packets transmitted, 30 received" \
    "$(grep -o '[0-9]* packets transmitted, [0-9]* received' "$tmp/ping")"
# The kernel destroys a deleted namespace's devices later, in its one
# worker for every namespace going on the machine (cleanup_net): em0
# went 0.1-0.4 s after `ip netns del` here, 0.3-0.9 s under stress-ng
# --cpu 8, past the pings' 1.5 s with other tests' namespaces queued
# before it.  So first em0 goes (at most 20 s), then its node, in the
# pass of ngd's loop that reads the kernel's word of it (at most 2 s).
for _ in $(seq 1000); do ip link show em0 >/dev/null 2>&1 || break; sleep 0.02; done
expect_rc "em0 went with lan" 1 quiet ip link show em0
for _ in $(seq 100); do [ -z "$(ethers)" ] && break; sleep 0.02; done
expect "em0's node is gone" "" "$(ethers)"
expect_rc "the bridge is still there" 0 has br0
expect "with its two eifaces" 2 "$(ngctl show br0: | grep -c ' eiface ')"
expect "no TAP channel left behind" 0 "$(ip -o link show | grep -c ': nge[lu][0-9]*:')"
ip netns del a
ip netns del b
finish
