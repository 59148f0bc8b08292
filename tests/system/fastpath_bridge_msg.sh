#!/usr/bin/env bash
# A bridge switching in the kernel with 100,000 hosts learned: a
# client's message to it imports the hosts map (~100 reads of 1,024)
# only when it shows or clears the table (gettable, reset),
# folds the program's counters (O(ports)) only when it shows or clears
# them (getstats), and neither for a config (setconfig, getconfig); and
# what the node changed before the message (frames, ageing) is the
# tick's to write back, in slices (fastpath_bridge_writeback.sh), not
# the message's reply's.  Before, every message to the bridge imported
# the whole map and wrote back whatever had changed: 0.1-0.7 s each at
# this size, holding ngd's one loop.
#
# (the graph: tests/bridge_100k.sh.)
# Checked with strace: the bpf(2) calls ngd makes between taking a
# client's request off its socket and sending the status back; for
# getstats at most a few per port (the counters), for setconfig and
# getconfig none (an import's ~100 reads before); a host the kernel
# learns afterwards is still in gettable (small: fastpath_bridge.sh).
# A movehost's write-back compares the node's table with the map read
# in batches: no look-up a host; a port joining writes none of it.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/../bridge_100k.sh"

# calls: in $tmp/st (strace -yy), for each client request (a recv of
# one on a unix socket to the next sendmsg on one, or to the end: one
# still under way), its bpf(2) calls, one line each: "CALLS
# LOOKUP_BATCH LOOKUP_ELEM"
calls() {
	awk '/^recvfrom\([0-9]+<UNIX.* = [1-9][0-9]*$/ { on = 1; n = 0; b = 0; l = 0; next }
	     on && /^bpf\(/ { n++; if (/BPF_MAP_LOOKUP_BATCH/) b++;
		if (/BPF_MAP_LOOKUP_ELEM/) l++; next }
	     on && /^sendmsg\([0-9]+<UNIX/ { print n, b, l; on = 0 }
	     END { if (on) print n, b, l }' "$tmp/st"
}

# trace: strace on ngd ($tracer) until it says it attached (20 s at
# most, else a FAIL that says so: a fixed 0.5 s once, then 5 s)
trace() {
	strace -yy -e trace=bpf,recvfrom,sendmsg -o "$tmp/st" -p "$NGD_PID" 2>"$tmp/st.err" &
	tracer=$!
	for _ in $(seq 1000); do grep -qs attached "$tmp/st.err" && return 0; sleep 0.02; done
	fail "strace did not attach to ngd in 20 s"
}
# untrace: strace stopped once its output has stopped growing for 0.3 s
# (10 s at most: a fixed 0.2 s before), so the last reply is in it
untrace() {
	local n m
	n=$(stat -c %s "$tmp/st" 2>/dev/null)
	for _ in $(seq 33); do
		sleep 0.3
		m=$(stat -c %s "$tmp/st" 2>/dev/null)
		[ "$m" = "$n" ] && break
		n=$m
	done
	kill -INT "$tracer"
	wait "$tracer" 2>/dev/null
}

setup
flood
sleep 1 # imported (the ticks are 1 s apart while the node is small)
conf=$(ngctl msg br0: getconfig | sed -n 's/^Args:[[:space:]]*//p')

trace # (strace, attached)
for _ in 1 2 3; do
	ngctl msg br0: getstats 1 >/dev/null
	ngctl msg br0: setconfig "$conf"
	ngctl msg br0: getconfig >/dev/null
done
untrace
read -r nreq most batches < <(calls | awk '{ n++; if ($1 > m) m = $1; b += $2 } END { print n + 0, m + 0, b + 0 }')
if [ "$nreq" -ge 9 ] && [ "$most" -le 16 ] && [ "$batches" -eq 0 ]; then
	ok "getstats, setconfig, getconfig at 100,000 hosts: $nreq requests, at most $most bpf(2) calls each, $batches reads of the hosts map"
else
	fail "getstats, setconfig, getconfig at 100,000 hosts: $nreq requests, at most $most bpf(2) calls each, $batches reads of the hosts map (want >= 9, <= 16, 0)"
fi
expect "setconfig took" "$conf" "$(ngctl msg br0: getconfig | sed -n 's/^Args:[[:space:]]*//p')"

# A message that changes the table (movehost: flood host 5 to link0) is
# written back before its reply, and the map read back: the map read
# in batches to compare with, not a look-up a host (100,000 before);
# ~200 reads (~300 with an import before the message, as before).
trace
ngctl msg br0: movehost '{ addr=02:00:00:00:00:05 hook="link0" }'
untrace
# (the request with the most calls: the movehost)
read -r _ batches looks < <(calls | sort -n | tail -1)
if [ "$looks" -le 1000 ] && [ "$batches" -ge 50 ]; then
	ok "movehost at 100,000 hosts: $looks look-ups, $batches reads of the map"
else
	fail "movehost at 100,000 hosts: $looks look-ups, $batches reads of the map (want <= 1000, >= 50)"
fi
# A port joining (connect) writes none of the table before its reply
# (its hosts are as written; the tick reads the map after): no look-up
# a host, no read of the map (100,000 look-ups and ~100 reads before).
for _ in $(seq 60); do ngctl list >/dev/null 2>&1 && break; done # idle
ngctl mkpeer eiface ether ether # ngeth4
trace
ngctl connect br0: ngeth4: link2 ether
untrace
read -r most batches looks < <(calls | sort -n | tail -1)
if [ -n "$most" ] && [ "$most" -le 200 ] && [ "$batches" -eq 0 ]; then
	ok "connect at 100,000 hosts: at most $most bpf(2) calls a request, $looks look-ups, $batches reads of the map"
else
	fail "connect at 100,000 hosts: at most ${most:-?} bpf(2) calls a request, ${looks:-?} look-ups, ${batches:-?} reads of the map (want <= 200, 0 reads)"
fi
expect "... link2 is on br0" ngeth4 "$(ngctl show br0: | awk '$1 == "link2" { print $2 }')"
kill -0 "$NGD_PID" && ok "ngd is alive" || fail "ngd is alive"
finish
