#!/usr/bin/env bash
# The fast path's bridge program under BPF_PROG_TEST_RUN (STYLE 15):
# crafted frames, verdicts, the hosts map and counters, no traffic.  The
# program needs interfaces to run as; a veth pair of this sandbox serves.
source "$(dirname "$0")/../lib.sh"
ip link add t0 type veth peer name t1
ip link set t0 up
ip link set t1 up
"$top/build/tests-root/test_fast_bpf" "$top/build/bpf/ng_fast.bpf.o" t0 t1
rc=$?
ip link del t0
exit $rc
