#!/usr/bin/env bash
# The kernel fast path against the node code (DESIGN decision 11: the
# graph's behaviour is identical either way): tests/fuzz/diff_fast.c
# sends the same random frames through ng_fast.bpf.c (BPF_PROG_TEST_RUN,
# its redirects recorded) and through the bridge, hub and vlan nodes
# in-process, over a fixed list of random graphs, and compares where
# each frame went, its bytes, a bridge's table and the counters; and
# what the node sent an eiface of a frame given to ngd through
# ng_fast_tap as ngd writes it (tap_check: 300 frames a graph make some
# short enough for the short header; 100 made none).  It
# runs in a network namespace of its own (its veth ends go with it).
# DIFF_FAST_SEED, DIFF_FAST_GRAPHS, DIFF_FAST_FRAMES: a longer campaign.
source "$(dirname "$0")/../lib.sh"
out=$("$top/build/tests-root/diff_fast" "$top/build/bpf/diff_fast.bpf.o" \
	"${DIFF_FAST_SEED:-20261206}" "${DIFF_FAST_GRAPHS:-24}" \
	"${DIFF_FAST_FRAMES:-300}")
rc=$?
printf '%s\n' "$out" | sed -n 's/^# /    /p'
if [ "$rc" -eq 0 ]; then
	ok "the fast path decides as the nodes: $(printf '%s\n' "$out" |
		sed -nE "s/^# seed [0-9]+: ([0-9]+ graphs).*, ([0-9]+ frames) .*/\\1, \\2/p")"
else
	fail "the fast path and the nodes diverged (exit $rc)"
	printf '%s\n' "$out" | grep -A8 '^DIVERGE' | head -n 40 | sed 's/^/    /'
fi
exit $NG_FAILED
