#!/usr/bin/env bash
# When ngd writes its journal (DESIGN decision 12): after what changed
# what it holds, not after every request.  An eiface's interface brought
# home from a namespace whose name went (no request at all: ngd's watch
# of /run/netns) is written at once, so a crash then does not send the
# next ngd looking for it in a namespace that is gone.
source "$(dirname "$0")/../lib.sh"
trap 'stop_ngd; ip netns del jx 2>/dev/null; rm -rf "$tmp"' EXIT
start_ngd
journal() { python3 "$top/tests/journal_text.py" /run/netgraph/*/journal | grep "^dev " | grep -o "placed=[a-z]*"; }

ngctl mkpeer eiface ether ether
ip netns add jx
ngctl msg ngeth0: vnet '"jx"'
sleep 0.3
expect "vnet: the journal says where ngeth0 went" "placed=jx" "$(journal)"
ip netns del jx
for _ in $(seq 100); do quiet ip link show ngeth0 && break; sleep 0.02; done
expect_rc "its name gone, ngeth0 comes home" 0 quiet ip link show ngeth0
# (written once ngd has it home, with no request to wait for: 10 s at
# most, not a fixed 0.3 s)
for _ in $(seq 200); do [ -z "$(journal)" ] && break; sleep 0.05; done
expect "... and the journal says so, with no request" "" "$(journal)"

# A request that reads only (a getifname, as jail(8) sent before each
# vnet) writes nothing: ngd's CPU for 200 of them, 2 ms apart, does not
# grow with the graph (it grew by the text of 500 eifaces made again
# after each).
# (the fewer ms of two runs: work of ngd's own that falls on one, the
# news of 500 new interfaces read late or the journal's look, is not
# the reads'; one run saw 33 ms with 1 eiface, 86 ms with 501 at load 7)
cpu_ms() { awk '{ print int($1 / 1000000) }' "/proc/$NGD_PID/schedstat"; }
reads() {
	local t0 a b
	t0=$(cpu_ms)
	for _ in $(seq 200); do echo 'msg ngeth0: getifname'; sleep 0.002; done |
	    ngctl -f - >/dev/null
	a=$(($(cpu_ms) - t0))
	t0=$(cpu_ms)
	for _ in $(seq 200); do echo 'msg ngeth0: getifname'; sleep 0.002; done |
	    ngctl -f - >/dev/null
	b=$(($(cpu_ms) - t0))
	echo $((a < b ? a : b))
}
small=$(reads)
for i in $(seq 500); do echo "mkpeer eiface e$i ether"; done >"$tmp/more"
ngctl -f "$tmp/more"
sleep 0.5
big=$(reads)
if [ "$big" -lt $((small + 50)) ]; then
	ok "200 reads: ngd's CPU as with 1 eiface with 501 ($small ms, $big ms)"
else
	fail "200 reads: ngd's CPU grew with the graph ($small ms with 1 eiface, $big ms with 501)"
fi

finish
