#!/usr/bin/env bash
# Bounds (issue 7): a flood of random source MACs keeps ngd's memory flat
# and the known hosts forwarding.  (10,000 hooks on one bridge and the
# node create/destroy cycles, neither timed nor CPU-bound: bounds_nodes.sh,
# which runs beside other tests.)
# scripts/soak runs the same with bigger numbers: BOUNDS_MACS (default
# 200000).
# The MAC flood is CPU-bound (a status per frame); ngwire.py sends and
# reads in batches of 64 a system call (its two halves took 137 s at load
# 10 a frame a call, 8 s so), but the test still asks for longer than
# tests/run's usual 300 s for a machine at load 15-30:
# timeout: 900
# serial: CPU-bound MAC flood, and pings timed through it
source "$(dirname "$0")/../lib.sh"
py=/usr/bin/python3
wire="$top/tests/system/ngwire.py"
macs=${BOUNDS_MACS:-200000}
export NGD_LOG="$tmp/ngd.log"

rss() { awk '/^VmRSS:/ { print $2 }' "/proc/$NGD_PID/status"; }
# ngd's lowest RSS over 2 s: what a burst held (frames queued, a sender's
# hosts being dropped) is given back within a few of ngd's loop passes,
# and a reading in the middle of that swung by -12 to +7 MB between runs.
rss_settled() {
	local n m
	n=$(rss)
	for _ in $(seq 10); do
		sleep 0.2
		m=$(rss)
		[ "$m" -lt "$n" ] && n=$m
	done
	echo "$n"
}

start_ngd
ip netns add a
ip netns add b
trap 'ip netns del a 2>/dev/null; ip netns del b 2>/dev/null; rm -rf "$tmp"; stop_ngd' EXIT

# --- a flood of source MACs ----------------------------------------------
#   ns a: ngeth0 --link0-- br0 --link1-- ngeth1 :ns b
#                           |link2
#                      ngwire.py macs (random sources)
bridge_two_eifaces
ngctl msg br0: setpersistent
for i in 0 1; do
	ns=$([ $i = 0 ] && echo a || echo b)
	ip link set ngeth$i netns $ns
	ip -n $ns addr add 198.18.99.$((i + 1))/24 dev ngeth$i
	ip -n $ns link set ngeth$i up
done
expect_rc "ping across the bridge" 0 quiet ip netns exec a ping -c 1 -W 2 198.18.99.2
# Warm up: fill the table twice (its memory is taken then, and the
# allocator's high-water mark of a table emptied and filled again: one
# fill alone left RSS swinging by -8 to +7 MB between runs), then measure
# while as many again arrive, with a ping running throughout.
half=$((macs / 2))
f0=$(fds_settled)
$py "$wire" macs br0: link2 "$half" 1 >/dev/null
$py "$wire" macs br0: link2 "$half" 3 >/dev/null
r0=$(rss_settled)
# (the namespaces' neighbours stay reachable: an ARP probe through a
# starved ngd is not what this counts)
no_probes a ngeth0
no_probes b ngeth1
ip netns exec a ping -i 0.05 198.18.99.2 >"$tmp/ping.out" 2>&1 &
pinger=$!
replies() { grep -c 'icmp_seq=' "$tmp/ping.out"; }
for _ in $(seq 250); do [ "$(replies)" -ge 5 ] && break; sleep 0.02; done
t0=$(date +%s)
got=$($py "$wire" macs br0: link2 "$half" 2)
# ... until 20 more came back after the flood (10 s at most): a ping
# killed 0.3 s after it, while a loaded machine still had 2 or more on
# their way, counted them lost
n=$(replies)
for _ in $(seq 200); do [ "$(replies)" -ge $((n + 20)) ] && break; sleep 0.05; done
kill -INT $pinger; wait $pinger
r1=$(rss_settled)
expect "$((macs + half)) random source MACs sent in all" "sent $half" "${got% memoryFailures*}"
figure "MAC flood: ngd RSS after the first $half MACs and the next $half" "$r0" "$r1" KB
figure "MAC flood: ngd file descriptors before and after" "$f0" "$(fds_settled)" ""
expect "... descriptors flat" "$f0" "$(fds_settled)"
# Bounded, not byte-flat.  glibc gives freed heap back only from its top,
# so what a round left resident used to depend on where the last block
# still in use lay: -12 to +7 MB between runs, once +15 MB under load.
# ngd now gives back every free page a second after it last woke
# (malloc_trim, main.c), and the heap stays within 1 MB between rounds
# (stress-ng --cpu 6, load 14); the slack is left for the rest of RSS.
# So this catches growth past that slack (30 MB for the 300,000 MACs at
# ~100 bytes a MAC); that the table stops at its bound is the next
# case's, and a small leak per frame or per host is valgrind.sh's to
# find (its MAC flood runs under valgrind's leak check).
grow=$((r1 - r0))
if [ "$grow" -lt 10240 ]; then ok "... memory bounded (+$grow KB)"; else fail "... ngd grew $grow KB"; fi
fails=${got#*memoryFailures }
learned=$((half - fails))
# (The first sender's hosts went with its port; the table held the two
# interfaces and the sender's own host when the second began.)
if [ "$learned" -le $((65536 - 3)) ] && [ "$learned" -gt 60000 ]; then
	ok "... the table stopped at its bound (65536: $learned learned)"
else
	fail "... $learned hosts learned (bound 65536)"
fi
# Of the pings up to the last that came back (those after it were on
# their way when the ping was stopped), none lost but one.
sent=$(sed -nE 's/.*icmp_seq=([0-9]+) .*/\1/p' "$tmp/ping.out" | sort -n | tail -1)
recv=$(sed -nE 's/.*icmp_seq=([0-9]+) .*/\1/p' "$tmp/ping.out" | sort -un | wc -l)
if [ "${sent:-0}" -ge 25 ] && [ "${recv:-0}" -ge $((sent - 1)) ]; then
	ok "... known hosts kept forwarding: ping $recv/$sent in $(($(date +%s) - t0))s"
else
	fail "... ping during the flood: ${recv:-0} of ${sent:-0} (want at least 25, none lost but one)"
	cat "$tmp/ping.out"
fi
expect_rc "... and after it" 0 quiet ip netns exec a ping -c 1 -W 2 198.18.99.2
# The bound is configurable (setmaxhosts).  The namespaces' interfaces go
# down first: their ARP and IPv6 chatter while the hosts arrive (slow on a
# loaded machine) would take places in the table too.
ip -n a link set ngeth0 down
ip -n b link set ngeth1 down
ngctl msg br0: reset
ngctl msg br0: setmaxhosts 1000
expect "getmaxhosts" "Args:	1000" "$(ngctl msg br0: getmaxhosts | tail -n 1)"
# (reset forgot every host: the sender's own is the first of the 1000)
expect "a lowered bound holds (4001 of 5000 not learned)" \
    "sent 5000 memoryFailures 4001" "$($py "$wire" macs br0: link3 5000 3)"
finish
