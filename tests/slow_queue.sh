# slow_queue.sh, sourced (after lib.sh, with NS set to the namespaces it
# makes) by fastpath_slow_fair.sh, fastpath_slow_gso.sh and
# fastpath_slow_ghost.sh: ngd's log, cleanup, and the helpers that make
# tee'd edges of eifaces (every frame through ngd's slow path, ngslow)
# and read what the slow path did.
NGD_LOG=$tmp/ngd.log
trap 'kill $(jobs -p) 2>/dev/null; wait; for n in $NS; do ip netns del $n 2>/dev/null; done; stop_ngd; rm -rf "$tmp"' EXIT

nsx() {
	local ns=$1
	shift
	nsenter --net=/run/netns/"$ns" "$@"
}
# edge A B NS_A NS_B NET: eifaces A and B joined by a tee, in NS_A and
# NS_B with NET.1 and NET.2
edge() {
	ngctl mkpeer "$1": tee ether left && ngctl connect "$1":ether "$2": right ether &&
	    ip netns add "$3" && ip netns add "$4" &&
	    ngctl msg "$1": vnet "\"$3\"" && ngctl msg "$2": vnet "\"$4\"" &&
	    nsx "$3" ip addr add "$5.1/24" dev "$1" && nsx "$4" ip addr add "$5.2/24" dev "$2" &&
	    nsx "$3" ip link set "$1" up && nsx "$4" ip link set "$2" up
}
# lost NS ADDR: how many of 200 pings 10 ms apart got no answer
lost() {
	local r
	r=$(nsx "$1" ping -q -c 200 -i 0.01 -W 1 "$2" 2>/dev/null |
	    sed -nE 's/.* ([0-9]+) received.*/\1/p')
	echo $((200 - ${r:-0}))
}
# slowdrop: frames ngslow's queues had no room for
slowdrop() {
	nsenter --net="$(echo /run/netgraph/*/dataplane)" cat /proc/net/dev |
	    sed 's/^ *//' | awk -F'[: ]+' '$1 ~ /^ngslow/ { n += $13 } END { print n + 0 }'
}
# refused ID: port ID's frames its queue refused (ng_fast_pstats' dropped)
refused() {
	bpftool -j map lookup pinned "$(echo /sys/fs/bpf/netgraph/*/ng_fast_pstats)" \
	    key "$1" 0 0 0 2>/dev/null | python3 -c 'import json, sys
print(sum(c["value"]["dropped"] for c in json.load(sys.stdin)["formatted"]["values"]))' 2>/dev/null ||
	    echo 0
}
# cpu: ngd's CPU time so far, in clock ticks
cpu() { awk '{ print $14 + $15 }' /proc/$NGD_PID/stat; }

# three_edges: ngd, 10 eifaces, and the flood's (ports 1, 2), the
# control's (3, 4, a queue alone) and the victim's (9, 10, port 1's
# queue) tee'd edges, each forwarding
three_edges() {
	start_ngd
	for i in $(seq 0 9); do ngctl mkpeer eiface ether ether || fail "eiface $i"; done
	edge ngeth0 ngeth1 fl0 fl1 198.18.40 || fail "the flood's edge"
	edge ngeth2 ngeth3 c0 c1 198.18.41 || fail "the control's edge"
	edge ngeth8 ngeth9 v0 v1 198.18.42 || fail "the victim's edge"
	expect_rc "the flood's edge forwards" 0 quiet nsx fl0 ping -c 1 -W 2 198.18.40.2
	expect_rc "the control's edge forwards" 0 quiet nsx c0 ping -c 1 -W 2 198.18.41.2
	expect_rc "the victim's edge forwards" 0 quiet nsx v0 ping -c 1 -W 2 198.18.42.2
}

# shared_queue, a second into port 1's flood: 200 pings on the control's
# edge (c0, a queue alone) and the victim's (v0, port 1's queue) at
# once; port 1's excess must be refused, the victim lose no more than
# the control (give or take 1%: what a loaded machine may lose
# anywhere), and ngslow's ring drop nothing it let on
shared_queue() {
	local d0 s0 t0 r0 c v d r cp
	d0=$(slowdrop) s0=$(slow) t0=$(cpu) r0=$(refused 1)
	lost c0 198.18.41.2 >"$tmp/c" &
	cp=$!
	lost v0 198.18.42.2 >"$tmp/v"
	wait $cp
	c=$(cat "$tmp/c") v=$(cat "$tmp/v") d=$(($(slowdrop) - d0)) r=$(($(refused 1) - r0))
	echo "# lost: $v on port 1's queue, $c on a queue alone; ngslow: $(($(slow) - s0)) frames to ngd, $d dropped; port 1: $r refused; ngd's CPU: $(($(cpu) - t0)) ticks"
	[ "$r" -gt 0 ] && ok "the flood outran ngd: port 1's excess refused ($r frames)" ||
		fail "the flood outran ngd: port 1's excess refused ($r frames, want some)"
	[ "$v" -le $((c + 2)) ] && ok "pings on the flooder's queue: $v of 200 lost, $c on a queue alone" ||
		fail "pings on the flooder's queue: $v of 200 lost, $c on a queue alone (want at most $((c + 2)))"
	expect "ngslow's queues had room for every frame let on" 0 "$d"
	# what the program refused, where ngctl shows drops: the eiface's
	# ether hook's xmitDrops (show -s, top), at least what it had
	# refused before the look
	r=$(refused 1) x=$(hs ngeth0: ether xmitDrops)
	[ "$x" -ge "$r" ] && [ "$r" -gt 0 ] &&
		ok "port 1's refusals in ngeth0's ether hook's xmitDrops ($x, $r refused)" ||
		fail "port 1's refusals in ngeth0's ether hook's xmitDrops ($x, want at least $r)"
}

# gso_flood DST SECONDS: writes $tmp/gso.py, a UDP GSO flood to DST port 9
# (40 datagrams of 1,000 bytes a send, as fast as python sends) for
# SECONDS; the test runs it where it floods from
gso_flood() {
	cat >"$tmp/gso.py" <<EOF2
import socket, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_UDP, 103, 1000)  # UDP_SEGMENT: 1,000-byte datagrams
buf, end = b"x" * 40000, time.time() + $2
while time.time() < end:
    try:
        s.sendto(buf, ("$1", 9))
    except OSError:
        pass
EOF2
}
