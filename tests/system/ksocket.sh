#!/usr/bin/env bash
# ksocket across hosts: two namespaces, each with its own ngd, stand for
# two machines joined by a wire (veth, 198.18.0.0/24).  On each, an
# eiface's Ethernet frames travel as UDP datagrams of a ksocket to the
# other (one frame per datagram); ping and 10 MB of TCP go through.
# Then a TCP ksocket: listen/accept on one side, connect on the other,
# bytes both ways, and the end of the stream.  Bad input (garbage
# datagrams, a peer that vanished) leaves ngd serving.
#
#   [ha] ngeth0 -- ether [eiface] ether -- inet/dgram/udp [ksocket] ~~ 198.18.0.1:5000
#   [hb] ngeth0 -- ether [eiface] ether -- inet/dgram/udp [ksocket] ~~ 198.18.0.2:5000
source "$(dirname "$0")/../lib.sh"

ip netns add ha
ip netns add hb
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	ip netns del ha 2>/dev/null
	ip netns del hb 2>/dev/null
}
trap 'cleanup; rm -rf "$tmp"' EXIT

ip link add wa netns ha type veth peer name wb netns hb
in_ns ha ip addr add 198.18.0.1/24 dev wa
in_ns hb ip addr add 198.18.0.2/24 dev wb
for h in ha hb; do
	in_ns $h ip link set lo up
	in_ns $h ip link set w${h#h} up
	ip netns exec $h ngd -d 2>>"$tmp/ngd-$h.log" &
	pids+=($!)
done
up() { in_ns "$1" ngctl -N list >/dev/null 2>&1; }
# answers NS: up, and where its ngd is if not (lib.sh's stuck)
answers() {
	up "$1" && return 0
	if [ "$1" = ha ]; then stuck "${pids[0]}"; else stuck "${pids[1]}"; fi
	return 1
}
for _ in $(seq 1000); do up ha && up hb && break; sleep 0.02; done
expect_rc "an ngd in each namespace" 0 eval "up ha && up hb"

# host NS N ME PEER: the graph, the addresses, the tunnel.  Both eifaces
# are ngeth0 on the same machine id, so each gets a MAC of its own.
host() {
	local h=$1 n=$2 me=$3 peer=$4
	in_ns $h ngctl mkpeer . eiface e ether || return
	in_ns $h ngctl -f - <<END
msg ngeth0: set 02:5a:00:00:00:0$n
mkpeer ngeth0: ksocket ether inet/dgram/udp
name ngeth0:ether ks
msg ks: bind inet/$me:5000
msg ks: connect inet/$peer:5000
END
	in_ns $h ip addr add 198.51.100.$n/24 dev ngeth0
	in_ns $h ip link set ngeth0 up
}
expect_rc "host a: eiface joined to a UDP ksocket" 0 host ha 1 198.18.0.1 198.18.0.2
expect_rc "host b: the same, the other way" 0 host hb 2 198.18.0.2 198.18.0.1
expect_rc "a pings b through the tunnel" 0 quiet in_ns ha ping -c 3 -i 0.2 -W 2 198.51.100.2

head -c 10000000 /dev/urandom >"$tmp/send"
in_ns hb timeout 60 nc -l -p 5002 >"$tmp/recv" &
nc_pid=$!
sleep 0.3
in_ns ha timeout 60 nc -q 1 198.51.100.2 5002 <"$tmp/send"
wait $nc_pid
expect "10 MB over TCP arrive byte for byte" \
    "$(md5sum <"$tmp/send")" "$(md5sum <"$tmp/recv")"
# and back the other way
in_ns ha timeout 60 nc -l -p 5003 >"$tmp/recv2" &
nc_pid=$!
sleep 0.3
in_ns hb timeout 60 nc -q 1 198.51.100.1 5003 <"$tmp/send"
wait $nc_pid
expect "and 10 MB the other way" \
    "$(md5sum <"$tmp/send")" "$(md5sum <"$tmp/recv2")"

# Garbage on the tunnel's port: short, long, empty datagrams.  They reach
# the eiface as frames (the kernel drops what is no Ethernet), and ngd
# keeps serving.
garbage() {
	in_ns ha python3 - "$1" <<'PY'
import os, socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for n in (0, 1, 7, 13, 60, 1514, 9000, 65000):
    s.sendto(os.urandom(n), (sys.argv[1], 5000))
PY
}
expect_rc "garbage datagrams sent to b" 0 garbage 198.18.0.2
expect_rc "b's ngd still answers" 0 answers hb
expect_rc "and the tunnel still works" 0 quiet in_ns ha ping -c 1 -W 2 198.51.100.2

# A port in use.
expect "binding b's port again: EADDRINUSE" \
    "ngctl: send msg: Address already in use" \
    "$(in_ns hb ngctl -f - <<<$'mkpeer . ksocket k inet/dgram/udp\nmsg .:k bind inet/198.18.0.2:5000' 2>&1 | head -1)"

# The peer vanishes: b's ngd stops.  a's sends meet ICMP port unreachable;
# a's ngd carries on and its node stays.
kill "${pids[1]}"; wait "${pids[1]}" 2>/dev/null
expect_rc "with b gone, a's ping fails" 1 quiet in_ns ha ping -c 2 -i 0.2 -W 1 198.51.100.2
expect_rc "a's ngd still answers" 0 answers ha
expect "a's ksocket is still there" 1 "$(in_ns ha ngctl list | grep -c 'Name: ks ')"
ip netns exec hb ngd -d 2>>"$tmp/ngd-hb.log" &
ip -n hb link del ngeth0 2>/dev/null
pids[1]=$!
for _ in $(seq 1000); do up hb && break; sleep 0.02; done
host hb 2 198.18.0.2 198.18.0.1 >/dev/null 2>&1
expect_rc "b is back: the tunnel works again" 0 quiet in_ns ha ping -c 2 -i 0.2 -W 2 198.51.100.2

# A stream: b listens and accepts, a connects.  A client's hook on the
# accepted node reads what a writes into C through a hub.
#
#   [ha] nghook w -- H -- c inet/stream/tcp [C] ~~ 198.18.0.1:*
#   [hb] nghook data -- [accepted] ~~ 198.18.0.2:6000 <- [L] listening
in_ns hb ngctl -f - <<'END'
mkpeer . hub h x
name .:h H
msg H: setpersistent
mkpeer H: ksocket l inet/stream/tcp
name H:l L
msg L: bind inet/198.18.0.2:6000
msg L: listen 4
END
in_ns ha ngctl -f - <<'END'
mkpeer . hub h x
name .:h H
msg H: setpersistent
mkpeer H: ksocket c inet/stream/tcp
name H:c C
END
expect "connect: EINPROGRESS, it ends later" \
    "ngctl: send msg: Operation now in progress" \
    "$(in_ns ha ngctl msg C: connect inet/198.18.0.2:6000 2>&1)"
sleep 0.2
acc=$(in_ns hb ngctl msg L: accept 2>&1)
id=$(sed -nE 's/.*nodeid=0x([0-9a-f]+).*/\1/p' <<<"$acc")
expect "accept: a new node, its peer a's address" "inet/198.18.0.1" \
    "$(sed -nE 's/.*addr=(inet\/[0-9.]+):[0-9]+ \}.*/\1/p' <<<"$acc")"
expect "C's peer is L" "Args:	inet/198.18.0.2:6000" \
    "$(in_ns ha ngctl msg C: getpeername | tail -1)"
in_ns hb timeout 10 nghook -n "[$id]:" data >"$tmp/stream" &
reader=$!
sleep 0.3
printf 'hello over a ksocket stream\n' | in_ns ha timeout 5 nghook H: w
sleep 0.3
expect "the bytes arrive on b" "hello over a ksocket stream" "$(cat "$tmp/stream")"
expect_rc "rmhook: C and its socket go" 0 in_ns ha ngctl rmhook H: c
expect "C is gone" 0 "$(in_ns ha ngctl list | grep -c 'Name: C ')"
kill $reader 2>/dev/null; wait $reader 2>/dev/null
for _ in $(seq 50); do
	[ "$(in_ns hb ngctl list | grep -c 'Type: ksocket')" = 2 ] && break
	sleep 0.1
done
expect "the reader gone, so is the accepted node; L and ks stay" 2 \
    "$(in_ns hb ngctl list | grep -c 'Type: ksocket')"

expect_rc "a's ngd still answers" 0 answers ha
expect_rc "b's ngd still answers" 0 answers hb
finish
