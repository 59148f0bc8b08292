#!/usr/bin/env bash
# A TCP ksocket whose peer stops reading: what the kernel will not take
# waits in ngd, but only within the node's budget of held packets
# (ng_pkt_hold), so the rest of the graph keeps the packet pool.  With
# the stream's own cap of 1,024 frames alone, one stalled tunnel took
# the whole pool (1,024 packets) and every other socket, TAP and client
# of ngd stopped: here a UDP relay through the same ngd forwards after
# 8,000 frames went into the stalled stream.
#
#   ngwire dpump -- [hub H] -- inet/stream/tcp [K] ~~ 127.0.0.1:5601 (never reads)
#   127.0.0.1:5603 ~~ [U1] 127.0.0.1:5602 -- [hub R] -- [U2] ~~ 127.0.0.1:5603
source "$(dirname "$0")/../lib.sh"
py=python3
wire="$top/tests/system/ngwire.py"
NGD_LOG=$tmp/ngd.log
ip link set lo up
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done; wait 2>/dev/null; stop_ngd; rm -rf "$tmp"' EXIT
start_ngd || finish

# The peer: accepts, then reads nothing for the rest of the test.
$py -c '
import socket, time
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
s.bind(("127.0.0.1", 5601))
s.listen(1)
print("listening", flush=True)
c, _ = s.accept()
time.sleep(120)
' >"$tmp/peer" &
pids+=($!)
for _ in $(seq 100); do grep -q listening "$tmp/peer" && break; sleep 0.02; done

ngctl -f - <<EOF
mkpeer hub a a
name a H
mkpeer H: ksocket k inet/stream/tcp
name H:k K
mkpeer hub b b
name b R
mkpeer R: ksocket u1 inet/dgram/udp
name R:u1 U1
msg U1: bind inet/127.0.0.1:5602
mkpeer R: ksocket u2 inet/dgram/udp
name R:u2 U2
msg U2: connect inet/127.0.0.1:5603
EOF
ngctl msg K: connect inet/127.0.0.1:5601 >/dev/null 2>&1
for _ in $(seq 100); do
	ngctl msg K: getpeername 2>/dev/null | grep -q 5601 && break
	sleep 0.02
done
expect_rc "the stream is connected" 0 eval \
    "ngctl msg K: getpeername 2>/dev/null | grep -q 5601"

# relay: 20 datagrams to U1, the number that come back through U2
relay() {
	timeout 10 $py -c '
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 5603))
s.settimeout(0.3)
n = 0
for i in range(20):
    s.sendto(b"relay %d" % i, ("127.0.0.1", 5602))
    try:
        s.recv(100)
        n += 1
    except socket.timeout:
        pass
print(n)
'
}
expect "the UDP relay forwards" 20 "$(relay)"

# 8,000 frames of 1,400 bytes into the stream: some 11 MB, more than
# the kernel's buffers take from a peer that reads nothing.
timeout 60 $py "$wire" dpump H: 8000 1400 >"$tmp/pump" 2>&1
expect "the pump got all its frames in" "sent 8000" "$(cat "$tmp/pump")"
expect "the UDP relay still forwards" 20 "$(relay)"
expect_rc "ngd answers" 0 quiet ngctl list
expect_rc "the stream is still there" 0 eval \
    "ngctl msg K: getpeername 2>/dev/null | grep -q 5601"

# A datagram longer than a frame's room (66432 bytes: a local socket's,
# no UDP one is) is dropped whole, as FreeBSD's ng_ksocket drops one
# longer than its read, and counted: the xmitDrops of the node's hook
# (gethookstats, ngctl show -s), with a line in the log.  A short one
# after it goes through.
ngctl -f - <<END
mkpeer . eiface e ether
name .:e LE
rmhook . e
mkpeer LE: ksocket ether local/dgram/0
name LE:ether LK
msg LK: bind local/"$tmp/lk.sock"
END
$py -c 'import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 1 << 20)
s.sendto(b"\x02" * 70000, sys.argv[1])
s.sendto(b"\x02" * 100, sys.argv[1])' "$tmp/lk.sock"
for _ in $(seq 100); do
	st=$(ngctl msg LK: gethookstats)
	[[ "$st" == *xmitFrames=1* ]] && break
	sleep 0.02
done
expect "a local datagram of 70000 bytes dropped and counted, one of 100 through" \
    "xmitFrames=1 xmitDrops=1" \
    "$(grep -o 'xmit[A-Za-z]*=[0-9]*' <<<"$st" | grep -v Octets | xargs)"
expect "... and said in the log" 1 \
    "$(grep -c 'a datagram longer than 66432 bytes dropped (1 so far)' "$NGD_LOG")"
finish
