#!/usr/bin/env bash
# serial: a tunnelled GSO flood through ngd, asserting on the loss of pings beside it
# fastpath_slow_gso.sh with the flood inside a VXLAN tunnel over the
# flooder's edge: its GSO skbs are UDP tunnel GSO, which ngslow takes no
# offload for, so the stack cuts each into its segments after
# ng_fast_slowq let it on as one frame, and ngd reads (takes off) each:
# the flooder's count stayed near 0, it was never refused, and the ring
# dropped its queue-mates' frames (52-79 of 200 pings lost).  The program
# counts such a frame as its segments (gso_segs).
#
#   fl0 ngeth0 (port 1) --tee-- ngeth1 (port 2) fl1   VXLAN, a GSO flood in it
#   c0  ngeth2 (port 3) --tee-- ngeth3 (port 4) c1    pings, a queue alone
#   v0  ngeth8 (port 9) --tee-- ngeth9 (port 10) v1   pings, port 1's queue
source "$(dirname "$0")/../lib.sh"
NS="fl0 fl1 c0 c1 v0 v1"
source "$(dirname "$0")/../slow_queue.sh"

three_edges
for i in 0 1; do
	nsx fl$i ip link add vx0 type vxlan id 42 dstport 4789 \
	    local 198.18.40.$((i + 1)) remote 198.18.40.$((2 - i)) dev ngeth$i &&
	    nsx fl$i ip addr add 198.18.43.$((i + 1))/24 dev vx0 &&
	    nsx fl$i ip link set vx0 up || fail "fl$i's VXLAN"
done
expect_rc "the tunnel forwards" 0 quiet nsx fl0 ping -c 1 -W 2 198.18.43.2

# the flood: 40 datagrams of 1,000 bytes a send into the tunnel, 4 s
gso_flood 198.18.43.2 4
nsx fl0 python3 "$tmp/gso.py" &
sleep 1
shared_queue
kill $(jobs -p) 2>/dev/null
wait
finish
