#!/usr/bin/env bash
# The kernel fast path against the node code (DESIGN decision 11: the
# graph's behaviour is identical either way): tests/fuzz/diff_fast.c
# sends the same random frames through ng_fast.bpf.c (BPF_PROG_TEST_RUN,
# its redirects recorded) and through the bridge, hub and vlan nodes
# in-process, over a fixed list of random graphs, and compares where
# each frame went, its bytes, a bridge's table and the counters, the
# maps written by a model of ngd's writer, on a clock of its own; and
# what the node sent an eiface of a frame given to ngd through
# ng_fast_tap as ngd writes it (tap_check: 300 frames a graph make some
# short enough for the short header; 100 made none).
# tests/fuzz/diff_fast_ngd.c does the same with ngd's own writer
# (fastpath*.c linked in, real eifaces, every edit a client's message,
# the frames the program gives ngd read from its TAP by ngd's loop)
# against a reference graph of the node code alone.  Each runs in
# namespaces of its own (its interfaces and mounts go with it).
# DIFF_FAST_SEED, DIFF_FAST_GRAPHS, DIFF_FAST_FRAMES: a longer campaign
# (DIFF_FAST_NGD_GRAPHS, DIFF_FAST_NGD_FRAMES: ngd's writer's).
source "$(dirname "$0")/../lib.sh"

# run NAME BINARY GRAPHS FRAMES [SEED]: one campaign, said as ok or failed
run() {
	local name=$1 bin=$2 out rc
	out=$("$top/build/tests-root/$bin" "$top/build/bpf/diff_fast.bpf.o" \
		"${DIFF_FAST_SEED:-${5:-20261206}}" "$3" "$4")
	rc=$?
	printf '%s\n' "$out" | sed -n 's/^# /    /p'
	if [ "$rc" -eq 0 ]; then
		ok "$name decides as the nodes: $(printf '%s\n' "$out" |
			sed -nE "s/^# seed [0-9]+: ([0-9]+ graphs).*, ([0-9]+ frames) .*/\\1, \\2/p")"
	else
		fail "$name and the nodes diverged (exit $rc)"
		printf '%s\n' "$out" | grep -A8 '^DIVERGE' | head -n 40 |
			sed 's/^/    /'
	fi
}

run "the fast path (maps as modelled)" diff_fast \
	"${DIFF_FAST_GRAPHS:-24}" "${DIFF_FAST_FRAMES:-300}"
run "the fast path as ngd writes it" diff_fast_ngd \
	"${DIFF_FAST_NGD_GRAPHS:-24}" "${DIFF_FAST_NGD_FRAMES:-100}"
# (a bridge's setmaxhosts under a table the kernel learned: 84 frames
# diverged before ngd imported the hosts first)
run "the fast path as ngd writes it (seed 108)" diff_fast_ngd \
	"${DIFF_FAST_NGD_GRAPHS:-12}" "${DIFF_FAST_NGD_FRAMES:-100}" 108
# (a host a frame through a vlan node that tags in ngd taught a kernel
# bridge's node: 26 frames diverged before ngd wrote it before sleeping)
run "the fast path as ngd writes it (seed 102)" diff_fast_ngd \
	"${DIFF_FAST_NGD_GRAPHS:-16}" "${DIFF_FAST_NGD_FRAMES:-100}" 102
# (a frame from a vlan filter's port that ngd tags (setencap 0) toward
# a kernel bridge's vport: 440 frames diverged before ngd imported the
# hosts it names, as for the vport's trunk's)
run "the fast path as ngd writes it (seed 106)" diff_fast_ngd \
	"${DIFF_FAST_NGD_GRAPHS:-12}" "${DIFF_FAST_NGD_FRAMES:-100}" 106
# (a bridge's room for hosts, written with hosts the kernel learned that
# its node did not have: 188 frames diverged before they were counted)
run "the fast path as ngd writes it (seed 119)" diff_fast_ngd \
	"${DIFF_FAST_NGD_GRAPHS:-8}" "${DIFF_FAST_NGD_FRAMES:-100}" 119
# (a bridge's hosts map grows: a host a loop's mute deleted came back
# from the old map, 157 frames diverged)
run "the fast path as ngd writes it (seed 116)" diff_fast_ngd \
	"${DIFF_FAST_NGD_GRAPHS:-3}" "${DIFF_FAST_NGD_FRAMES:-100}" 116
# Ports down and up between frames (DIFF_FAST_PORTS): a down eiface
# sends nothing and refuses what the graph sends it (ENETDOWN).  Seeds
# 101-103 diverged on a bridge's counters of frames for a vlan filter
# (an fvport) whose trunk was down (70 frames of seed 101), and on a
# vlan node's hook counters of frames for a down filter's or nomatch
# port behind a vport (1, 7 and 8 frames).  Seed 114: a loop's mute in
# ngd's node forgot a host the program had taken room for, and the
# program refused the next host the node learned (4 frames).
for s in 101 102 103 114; do
	DIFF_FAST_PORTS=1 run "the fast path as ngd writes it, ports down and up (seed $s)" \
		diff_fast_ngd "${DIFF_FAST_NGD_GRAPHS:-24}" \
		"${DIFF_FAST_NGD_FRAMES:-100}" $s
done
exit $NG_FAILED
