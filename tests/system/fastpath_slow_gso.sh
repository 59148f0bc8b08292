#!/usr/bin/env bash
# serial: a UDP GSO flood through ngd, asserting on the loss of pings beside it
# fastpath_slow_fair.sh with the flood in UDP GSO sends (UDP_SEGMENT):
# ng_fast_slowq admits one skb, counted one frame in flight; if ngslow
# takes no USO (TUN_F_USO4/6), the stack cuts it into its segments after
# the egress program, before the ring, and ngd reads (and takes off)
# each: the flooder's count stays near 0, it is never refused, and the
# ring drops its queue-mates' frames as before ng_fast_slowq.
#
#   fl0 ngeth0 (port 1) --tee-- ngeth1 (port 2) fl1   the GSO flood
#   c0  ngeth2 (port 3) --tee-- ngeth3 (port 4) c1    pings, a queue alone
#   v0  ngeth8 (port 9) --tee-- ngeth9 (port 10) v1   pings, port 1's queue
source "$(dirname "$0")/../lib.sh"
NGD_LOG=$tmp/ngd.log
NS="fl0 fl1 c0 c1 v0 v1"
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

start_ngd
for i in $(seq 0 9); do ngctl mkpeer eiface ether ether || fail "eiface $i"; done
edge ngeth0 ngeth1 fl0 fl1 198.18.40 || fail "the flood's edge"
edge ngeth2 ngeth3 c0 c1 198.18.41 || fail "the control's edge"
edge ngeth8 ngeth9 v0 v1 198.18.42 || fail "the victim's edge"
expect_rc "the flood's edge forwards" 0 quiet nsx fl0 ping -c 1 -W 2 198.18.40.2
expect_rc "the control's edge forwards" 0 quiet nsx c0 ping -c 1 -W 2 198.18.41.2
expect_rc "the victim's edge forwards" 0 quiet nsx v0 ping -c 1 -W 2 198.18.42.2

# the flood: 40 datagrams of 1,000 bytes a send, as fast as python sends, 6 s;
# 200 pings on each of the other edges meanwhile
cat >"$tmp/gso.py" <<'EOF2'
import socket, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_UDP, 103, 1000)  # UDP_SEGMENT: 1,000-byte datagrams
buf, end = b"x" * 40000, time.time() + 6
while time.time() < end:
    try:
        s.sendto(buf, ("198.18.40.2", 9))
    except OSError:
        pass
EOF2
# the far end: how many datagrams came, of which sizes (ngd forwards
# what it reads of a GSO send, whole or cut)
cat >"$tmp/sink.py" <<'EOF2'
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("198.18.40.2", 9))
s.settimeout(2)
n, sizes = 0, set()
try:
    while True:
        sizes.add(len(s.recv(65536)))
        n += 1
except socket.timeout:
    pass
print(n, *sorted(sizes))
EOF2
nsx fl1 python3 "$tmp/sink.py" >"$tmp/sink" &
sink=$!
sleep 0.3
nsx fl0 python3 "$tmp/gso.py" &
sleep 1
d0=$(slowdrop) s0=$(slow) t0=$(cpu) r0=$(refused 1)
lost c0 198.18.41.2 >"$tmp/c" &
cp=$!
lost v0 198.18.42.2 >"$tmp/v"
wait $cp
c=$(cat "$tmp/c") v=$(cat "$tmp/v") d=$(($(slowdrop) - d0)) r=$(($(refused 1) - r0))
echo "# lost: $v on port 1's queue, $c on a queue alone; ngslow: $(($(slow) - s0)) frames to ngd, $d dropped; port 1: $r refused; ngd's CPU: $(($(cpu) - t0)) ticks"
[ "$r" -gt 0 ] && ok "the flood outran ngd: port 1's excess refused ($r frames)" ||
	fail "the flood outran ngd: port 1's excess refused ($r frames, want some)"
# (1%: what a loaded machine may lose anywhere)
[ "$v" -le $((c + 2)) ] && ok "pings on the flooder's queue: $v of 200 lost, $c on a queue alone" ||
	fail "pings on the flooder's queue: $v of 200 lost, $c on a queue alone (want at most $((c + 2)))"
expect "ngslow's queues had room for every frame let on" 0 "$d"
wait $sink
read -r n sizes <"$tmp/sink"
[ "${n:-0}" -gt 1000 ] && [ "$sizes" = 1000 ] &&
	ok "the flood's datagrams reach the far end: $n, of $sizes bytes" ||
	fail "the flood's datagrams reach the far end: ${n:-0}, of ${sizes:-no} bytes (want > 1000, of 1000)"
kill $(jobs -p) 2>/dev/null
wait
finish
