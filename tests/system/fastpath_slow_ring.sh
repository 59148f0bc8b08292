#!/usr/bin/env bash
# serial: a flood through ngd, asserting on the loss of pings beside it
# fastpath_slow_fair.sh on a shorter ring: ngd asks ngslow for queues of
# 1,024 frames (txqlen); refused (or changed by hand, as here: 256), the
# rings are shorter than the room ng_fast_slowq shares out, and the ring
# drops what the program let on, a queue-mate's as much as the
# flooder's (before: 1,838 frames in 4 s here).  ngd gives
# the program the room of the ring it has (a queue's room, ng_fast_bpf.h),
# at the start and whenever the link monitor sees the txqlen change.
#
#   fl0 ngeth0 (port 1) --tee-- ngeth1 (port 2) fl1   the flood
#   c0  ngeth2 (port 3) --tee-- ngeth3 (port 4) c1    pings, a queue alone
#   v0  ngeth8 (port 9) --tee-- ngeth9 (port 10) v1   pings, port 1's queue
source "$(dirname "$0")/../lib.sh"
NS="fl0 fl1 c0 c1 v0 v1"
source "$(dirname "$0")/../slow_queue.sh"

three_edges
nsenter --net="$(echo /run/netgraph/*/dataplane)" ip link set ngslow txqlen 256 ||
	fail "ngslow's txqlen"

nsx fl1 iperf3 -s -1 -p 5201 >/dev/null 2>&1 &
sleep 0.3
nsx fl0 iperf3 -c 198.18.40.2 -p 5201 -u -b 0 -l 18 -t 4 >/dev/null 2>&1 &
sleep 1
shared_queue
kill $(jobs -p) 2>/dev/null
wait
finish
