#!/usr/bin/env bash
# The ether node's tc programs under BPF_PROG_TEST_RUN (STYLE 15):
# crafted frames, verdicts and counters, no traffic.  The programs need
# an Ethernet interface to run as; a veth pair of this sandbox serves.
source "$(dirname "$0")/../lib.sh"
ip link add t0 type veth peer name t1
"$top/build/tests-root/test_ether_bpf" "$top/build/bpf/ng_ether.bpf.o" t0 t1
rc=$?
ip link del t0
exit $rc
