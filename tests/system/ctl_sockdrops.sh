#!/usr/bin/env bash
# Frames ngd reads from an interface and then cannot send on: an eiface's
# frames go out of a UDP ksocket (ngeth0 -- ks -- 198.51.100.2 over the veth d0),
# whose datagrams wait behind a slow qdisc until its send buffer is full;
# ngd sends a loop pass's datagrams together after the node took them,
# and what the kernel refuses then (EAGAIN) is lost.  It was counted
# only in the log (once in a thousand); it is counted in the ksocket
# hook's recvDrops now (src/ngd/sockdev.c, ng_ksocket.4), so that every
# frame the hook took either left (tc's count) or was dropped there.
# About 3 s.
source "$(dirname "$0")/../lib.sh"
export NGD_LOG="$tmp/ngd.log"
start_ngd || finish
trap 'ip link del d0 2>/dev/null; stop_ngd; rm -rf "$tmp"' EXIT

# (no IPv6 chatter of the interfaces', which would cross the counts)
sysctl -qw net.ipv6.conf.default.disable_ipv6=1
ip link add d0 type veth peer name d1
ip link set d1 up
ip link set d0 up
ip addr add 198.51.100.1/24 dev d0
ip neigh replace 198.51.100.2 lladdr 02:00:00:00:00:02 dev d0 nud permanent
# 1 Mbit/s: what the send buffer (4 MiB) holds waits here, charged to it
tc qdisc add dev d0 root tbf rate 1mbit burst 16kb limit 64mb
ngctl mkpeer eiface ether ether
ngctl -f - <<'EOF'
mkpeer ngeth0: ksocket ether inet/dgram/udp
name ngeth0:ether ks
msg ks: connect inet/198.51.100.2:4789
EOF
ip link set ngeth0 up

# 4,000 frames of 1,400 bytes out of ngeth0 (5.6 MB: more than the socket
# buffer holds)
python3 - <<'EOF'
import socket, time
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind(("ngeth0", 0))
f = b"\xff" * 6 + b"\x02\0\0\0\0\x01" + b"\x88\xb5" + b"\0" * 1386
for i in range(4000):
    s.send(f)
    if i % 50 == 49:  # (the interface's queue to ngd holds a few hundred)
        time.sleep(0.002)
EOF
# until ngd has taken them all (its count stops)
last=-1
for _ in $(seq 100); do
	took=$(hs ks: inet/dgram/udp recvFrames)
	[ "$took" = "$last" ] && break
	last=$took
	sleep 0.1
done
drops=$(hs ks: inet/dgram/udp recvDrops)
# what left or waits in tbf: sent, backlog, and its own drops
read -r sent backlog qdrop <<<"$(tc -s qdisc show dev d0 | awk '
	/Sent/ { s = $4; d = $7; sub(/,/, "", d) }
	/backlog/ { b = $3; sub(/p$/, "", b) }
	END { print s, b, d }')"
if [ "$took" -gt 2500 ]; then ok "the ksocket took $took of the 4000 frames"; else fail "the ksocket took only $took frames"; fi
if [ "$drops" -gt 0 ]; then
	ok "... $drops that the kernel refused (EAGAIN) are in its recvDrops"
else
	fail "... none counted lost (recvDrops 0)"
fi
expect "... each frame left ($sent sent, $backlog queued, $qdrop dropped by tc) or was counted" \
    "$took" "$((sent + backlog + qdrop + drops))"
expect_rc "... and logged" 0 grep -q 'ksocket .*: send: Resource temporarily unavailable' "$NGD_LOG"
finish
