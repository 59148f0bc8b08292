#!/usr/bin/env bash
# serial: a flood through ngd, asserting on the loss of pings beside it
# One port must not starve the others' slow path (README "The kernel
# fast path").  Frames the kernel gives ngd (a tee on the edge here)
# wait in the data plane's TAP, ngslow, on the queue ng_fast_steer
# picks by port id, which ports share (id modulo the queues); a port
# flooding UDP through ngd must leave room on its queue for the others
# (ng_fast_slowq, ng_fast_bpf.h):
#
#   fl0 ngeth0 (port 1) --tee-- ngeth1 (port 2) fl1   the flood
#   c0  ngeth2 (port 3) --tee-- ngeth3 (port 4) c1    pings, a queue alone
#   v0  ngeth8 (port 9) --tee-- ngeth9 (port 10) v1   pings, port 1's queue
#
# (ngeth4-7 only take ids 5-8.)  Before ng_fast_slowq the pings on port
# 1's queue lost 5-45% while those on a queue alone lost none.
source "$(dirname "$0")/../lib.sh"
NS="fl0 fl1 c0 c1 v0 v1"
source "$(dirname "$0")/../slow_queue.sh"

three_edges

# the flood: 60-byte UDP frames as fast as iperf3 sends them, for 6 s;
# 200 pings on each of the other edges meanwhile
nsx fl1 iperf3 -s -1 -p 5201 >/dev/null 2>&1 &
sleep 0.3
nsx fl0 iperf3 -c 198.18.40.2 -p 5201 -u -b 0 -l 18 -t 6 >/dev/null 2>&1 &
sleep 1
shared_queue
kill $(jobs -p) 2>/dev/null
wait
finish
