#!/usr/bin/env bash
# serial: a 100,000-host import while frames cross ngd, timed
# A bridge switching in the kernel with 100,000 hosts learned: ngd
# reads its hosts map back every 6 s (fastpath_bridge.c, the tick's
# import, for the node's ageing).  Read at once, that held ngd's one
# loop 0.1-0.6 s each time, and every frame for ngd waited: pings
# through a tee on the bridge (each by ngd) took up to 594 ms, bench/run
# fast's tee row up to 211 ms.  Read 1,024 hosts a loop pass now.
#
# (the graph: tests/bridge_100k.sh.)
# Checked over 60 reads (the ticks are 6 s apart, ~100 reads an import):
# ngd's loop waits for its events (epoll_wait) between the import's
# reads (bpf(2), strace: at most 8 in a row; read at once, all ~100 were
# in one run);
# then over 7 s more, pings through the tee every 5 ms all come back
# within 100 ms (the kernel's timestamps; 123-478 ms before, 7-43 ms
# after on a loaded machine), or within 100 ms of the slowest of pings
# at the same time through the same path of a second ngd, one with no
# hosts to import (under stress-ng, load 17, the first alone failed 2
# runs of 3, 518 and 699 ms: the machine's, not the import's); then
# `ngctl msg br0: gettable` prints the 100,000 hosts in text within 60 s.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/../bridge_100k.sh"

cpid=
trap 'kill $(jobs -p) $cpid 2>/dev/null; for n in c c2 c3; do ip netns del $n 2>/dev/null; done; cleanup; rm -rf "$tmp"' EXIT
setup
flood
# gettable imports the map whole (getstats, which this asked twice,
# only sums the counters: its needs method, fastpath_bridge_msg.sh), and
# writes back whatever the node changed before its reply, so none of
# that lands in the windows below: the node's table then holds the
# 100,000 hosts, and the ticks only import, 6 s apart.
ngctl -t 60 msg br0: gettable >/dev/null

# (until 60 reads of the map, 30 s at most: 9 s of strace did not see
# 50 on a loaded machine, and took 9 s where 3-7 do)
strace -e trace=bpf,epoll_wait -o "$tmp/st" -p "$NGD_PID" 2>"$tmp/st.err" &
tracer=$!
for _ in $(seq 300); do
	[ "$(grep -c 'BPF_MAP_LOOKUP_BATCH' "$tmp/st" 2>/dev/null)" -ge 60 ] && break
	sleep 0.1
done
kill -INT "$tracer" 2>/dev/null
wait "$tracer"
reads=$(grep -c 'BPF_MAP_LOOKUP_BATCH' "$tmp/st")
run=$(longest_run)
# an import: ~100 reads of 1,024 hosts, a loop pass each
if [ "$reads" -ge 50 ] && [ "$run" -le 8 ]; then
	ok "the import's $reads reads of the map, at most $run bpf(2) calls between two of the loop's waits"
else
	fail "the import's $reads reads of the map, at most $run bpf(2) calls between two of the loop's waits (want >= 50, <= 8)"
fi

# The control: in namespace c a second ngd, its two eifaces in c2 and
# c3, a tee on a bridge between them (br1's path, no hosts beside it).
ip netns add c
for n in c2 c3; do ip netns add $n; done
ip netns exec c ngd -d 2>/dev/null &
cpid=$!
for _ in $(seq 250); do ip netns exec c ngctl -N list >/dev/null 2>&1 && break; sleep 0.02; done
ip netns exec c ngctl mkpeer eiface ether ether
ip netns exec c ngctl mkpeer eiface ether ether
ip netns exec c ngctl -f - <<'EOS'
mkpeer ngeth0: bridge ether link0
name ngeth0:ether cbr
mkpeer cbr: tee link1 left
connect cbr:link1 ngeth1: right ether
EOS
ip -n c link set ngeth0 netns c2
ip -n c link set ngeth1 netns c3
in_ns c2 ip link set ngeth0 up
in_ns c3 ip link set ngeth1 up
in_ns c2 ip addr add 198.18.4.1/24 dev ngeth0
in_ns c3 ip addr add 198.18.4.2/24 dev ngeth1
no_probes c2 ngeth0
no_probes c3 ngeth1
expect_rc "ping through the control's tee" 0 quiet in_ns c2 ping -c 1 -W 2 198.18.4.2

# (both ngds and pings at nice -10, so that the times are ngd's own, not
# a loaded machine's: fastpath_bridge_writeback.sh)
renice -n -10 -p "$NGD_PID" "$cpid" >/dev/null
slowest 1400 c2 198.18.4.2 >"$tmp/control" &
ctl=$!
max=$(slowest 1400)
wait $ctl
control=$(cat "$tmp/control")
renice -n 0 -p "$NGD_PID" >/dev/null
if awk -v m="${max%% *}" -v c="${control%% *}" 'BEGIN { exit !(m != "" && c != "" && (m < 100 || m < c + 100)) }'; then
	ok "pings through ngd during an import: the slowest ${max} (the control's ${control})"
else
	fail "pings through ngd during an import: the slowest ${max:-none}, the control's ${control:-none} (want < 100 ms, or 100 ms more than the control's)"
fi

# The table in text: ~6 MB, more than one datagram holds (ngd sends it in
# pieces, libnetgraph joins them); before, ngctl printed a hex dump of
# the binary reply (binary2ascii failed, ENOBUFS), and once, before
# that, waited minutes.  A host a "{ addr=", numHosts of them.
timeout 60 ngctl msg br0: gettable >"$tmp/table" 2>&1
# (awk: sed's "^Args:.*{ numHosts=" took 1-9 s of the 6 MB line)
num=$(awk '/^Args:/ && match($0, /\{ numHosts=[0-9]+ /) {
	print substr($0, RSTART + 11, RLENGTH - 12) }' "$tmp/table")
hosts=$(grep -o '{ addr=' "$tmp/table" | wc -l)
if [ -n "$num" ] && [ "$num" -ge 100000 ] && [ "$hosts" = "$num" ]; then
	ok "gettable in text: $hosts hosts of numHosts=$num"
else
	fail "gettable in text: ${hosts} hosts of numHosts=${num:-none} (want >= 100000, equal): $(head -c 200 "$tmp/table")"
fi
kill -0 "$NGD_PID" && ok "ngd is alive" || fail "ngd is alive"
finish
