#!/usr/bin/env bash
# A UDP flood into a ksocket that feeds a storm must not starve the rest
# of ngd (as dos_storm.sh for a TAP).  Two hubs joined three times make
# every frame that enters them a storm of NG_MAX_SENDS deliveries; a
# peer sends 2,000 datagrams a second to a ksocket in front of them,
# through a bpf node that lets nothing back.  Meanwhile another client
# asks ngd for its node list, and two hosts ping each other through a
# tee with a third hook (a path through ngd): both must be served within
# a fraction of a second, as a ksocket's turn ends, as a TAP's does,
# once its datagrams cost NG_BATCH_SENDS deliveries; the rest of a
# recvmmsg waits for the next turn.  Before, each wake-up gave the storm
# the 32 datagrams of a recvmmsg, and `ngctl list` took seconds.
#
#   peer ~~ 127.0.0.1:5701 [K ksocket] -- in [B bpf] out -- x [H1 hub] =p,q,r= [H2 hub]
#   ns kpa: kpa (eiface) -- left [T tee] right -- kpb (eiface) :ns kpb
#                                 left2right -- [hub]
# serial: a storm holds ngd's CPU; latencies timed
source "$(dirname "$0")/../lib.sh"
py=python3
secs=${DOS_SECONDS:-8}
NGD_LOG=$tmp/ngd.log
ip link set lo up
start_ngd || finish
storm=
trap 'kill $storm 2>/dev/null; for n in kpa kpb; do ip netns del $n 2>/dev/null; done; stop_ngd; rm -rf "$tmp"' EXIT

# within NAME VALUE LOW HIGH: LOW <= VALUE <= HIGH (decimals allowed)
within() {
	if awk -v v="$2" -v lo="$3" -v hi="$4" 'BEGIN { exit !(v != "" && v >= lo && v <= hi) }'; then
		ok "$1 ($2)"
	else
		fail "$1 ($2, want $3..$4)"
	fi
}

for _ in 1 2; do ngctl mkpeer eiface ether ether; done
ngctl -f - <<'END'
name ngeth0: kpa
name ngeth1: kpb
mkpeer bpf b b
name .:b B
mkpeer B: ksocket in inet/dgram/udp
name B:in K
rmhook . b
msg K: bind inet/127.0.0.1:5701
msg B: setprogram { thisHook="in" ifMatch="out" bpf_prog_len=1 bpf_prog=[ { code=0x6 k=65535 } ] }
mkpeer B: hub out x
name B:out H1
mkpeer H1: hub p p
name H1:p H2
connect H1: H2: q q
connect H1: H2: r r
mkpeer kpa: tee ether left
name kpa:ether T
connect T: kpb: right ether
mkpeer T: hub left2right a
END
i=1
for n in kpa kpb; do
	ip netns add $n
	ip link set $n netns $n
	ip netns exec $n sysctl -qw net.ipv6.conf.$n.disable_ipv6=1
	ip -n $n addr add 198.18.29.$i/24 dev $n
	ip -n $n link set $n up
	i=$((i + 1))
done
expect "the path through the tee works" 3 "$(pings kpa 198.18.29.2 3)"

# tee_pings: 20 pings kpa -> kpb through the tee, as "LOSS% MEDIAN AVG"
# (ms; the median of the answered ones: one ping held up by a loaded
# machine weighs a twentieth of the average)
tee_pings() {
	local out
	out=$(in_ns kpa ping -c 20 -i 0.1 -W 1 198.18.29.2)
	echo "$(sed -nE 's/.* ([0-9.]+)% packet loss.*/\1/p' <<<"$out" | grep . || echo 100)" \
	    "$(sed -nE 's/.* time=([0-9.]+) ms.*/\1/p' <<<"$out" | sort -n |
		awk '{ v[NR] = $1 } END { print NR == 0 ? 99999 : NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }')" \
	    "$(sed -nE 's|.* = [0-9.]+/([0-9.]+)/.*|\1|p' <<<"$out" | grep . || echo none)"
}

# Idle first, in the same run: what the machine's other load alone does
# to a list and to the pings is taken off what is bounded under the storm.
read -r idle idle_worst <<<"$(list_median_ms)"
read -r iloss irtt iavg <<<"$(tee_pings)"
# datagrams read from UDP sockets in this namespace (K's alone)
udp_in() { awk '/^Udp:/ { if (h) print $2; h = 1 }' /proc/net/snmp; }
in0=$(udp_in)

# The storm: 18-byte datagrams, 2,000 a second, until the client and
# the pings are timed (SIGTERM; $secs s at most).
$py "$top/tests/storm_frames.py" udp:127.0.0.1:5701 "$secs" >"$tmp/storm.out" 2>&1 &
storm=$!
sleep 1
read -r busy busy_worst <<<"$(list_median_ms)"
read -r loss rtt avg <<<"$(tee_pings)"
kill -TERM $storm 2>/dev/null
wait $storm
storm=
# (ngd still reads what the socket holds: read before and after)
r0=$(($(udp_in) - in0))
got=$(hs B: in recvFrames)
read=$(($(udp_in) - in0))
sent=$(cat "$tmp/storm.out")
copies=$(hs H1: x xmitFrames)
echo "# storm: $sent datagrams sent, $read read by ngd, $got out of K, $copies copies out of H1:x; ngctl list: ${idle} ms idle, ${busy} ms under the storm (medians; worst ${idle_worst}, ${busy_worst}); ping through the tee: ${iloss}% loss, ${irtt} ms median (${iavg} average) idle, ${loss}% loss, ${rtt} ms median (${avg} average) under the storm"
within "the storm ran (copies out of H1 towards the bpf node)" "${copies:-0}" 10000 100000000000
# What a turn's budget left of a recvmmsg (31 datagrams at most) went
# in a later turn: lost, they would put the count behind for good.
within "every datagram ngd read went into the graph (or waits for its turn)" \
    "$got" $((r0 - 31)) "$read"
# (main's ksocket: the storm added 700-1,700 ms to ngctl list, and pings
# took 130-200 ms on average; a turn's budget: about 100 ms and 2-4 ms.)
# The medians: at load 15-21 on 2 CPUs the worst of ten lists was 100-360
# ms with no storm at all (list_median_ms), and the worst under the storm
# went over the idle worst by up to 236 ms with the turn's budget (the
# bound failed on main at load 15); the medians went over by -40 to 106
# ms with it, 450-1,350 ms without it (ngd_batch_spent false in
# sockdev.c).
within "under the storm, another client is served (median ngctl list, ms over the idle median)" "$((busy - idle))" -100000 250
# The pings, over the same run's idle ones: at most 10% more lost, 50 ms
# more median RTT (on a quiet machine the idle ones lose none in 0.1 ms,
# and these are the bounds they were alone).  The average of 20 was 50 ms
# at load 21 with the turn's budget, one ping held up by the machine
# weighing a twentieth: the median is bounded.
within "idle, pings through the tee come back (% lost)" "$iloss" 0 10
within "under the storm, they come back (% lost over idle's)" \
    "$(awk -v a="$loss" -v b="$iloss" 'BEGIN { print a - b }')" -100 10
within "... within a few ms (median RTT, ms over idle's)" \
    "$(awk -v a="$rtt" -v b="$irtt" 'BEGIN { print a - b }')" -100000 50
expect_rc "ngd survives and serves" 0 quiet ngctl list
finish
