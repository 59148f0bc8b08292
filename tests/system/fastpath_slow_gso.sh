#!/usr/bin/env bash
# serial: a UDP GSO flood through ngd, asserting on the loss of pings beside it
# fastpath_slow_fair.sh with the flood in UDP GSO sends (UDP_SEGMENT):
# ng_fast_slowq admits one skb, counted one frame in flight; if ngslow
# takes no USO (TUN_F_USO4/6), the stack cuts it into its segments after
# the egress program, before the ring, and ngd reads (and takes off)
# each: the flooder's count stays near 0, it is never refused, and the
# ring drops its queue-mates' frames as before ng_fast_slowq.
#
#   fl0 ngeth0 (port 1) --tee-- ngeth1 (port 2) fl1   the GSO flood
#   c0  ngeth2 (port 3) --tee-- ngeth3 (port 4) c1    pings, a queue alone
#   v0  ngeth8 (port 9) --tee-- ngeth9 (port 10) v1   pings, port 1's queue
source "$(dirname "$0")/../lib.sh"
NS="fl0 fl1 c0 c1 v0 v1"
source "$(dirname "$0")/../slow_queue.sh"

three_edges

# the flood: 40 datagrams of 1,000 bytes a send, as fast as python sends, 6 s;
# 200 pings on each of the other edges meanwhile
gso_flood 198.18.40.2 6
# the far end: how many datagrams came, of which sizes (ngd forwards
# what it reads of a GSO send, whole or cut)
cat >"$tmp/sink.py" <<'EOF2'
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("198.18.40.2", 9))
s.settimeout(2)
n, sizes = 0, set()
try:
    while True:
        sizes.add(len(s.recv(65536)))
        n += 1
except socket.timeout:
    pass
print(n, *sorted(sizes))
EOF2
nsx fl1 python3 "$tmp/sink.py" >"$tmp/sink" &
sink=$!
sleep 0.3
nsx fl0 python3 "$tmp/gso.py" &
sleep 1
shared_queue
wait $sink
read -r n sizes <"$tmp/sink"
[ "${n:-0}" -gt 1000 ] && [ "$sizes" = 1000 ] &&
	ok "the flood's datagrams reach the far end: $n, of $sizes bytes" ||
	fail "the flood's datagrams reach the far end: ${n:-0}, of ${sizes:-no} bytes (want > 1000, of 1000)"
kill $(jobs -p) 2>/dev/null
wait
finish
