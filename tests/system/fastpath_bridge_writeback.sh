#!/usr/bin/env bash
# serial: a 100,000-host write-back while frames cross ngd, timed
# A bridge switching in the kernel with 100,000 hosts (a flood of source
# MACs, imported by the tick in slices: fastpath_bridge_import.sh); one
# of them moves (a frame from it on another port): the node's table
# changed, ngd writes it back to the hosts map before the next import
# (fastpath_bridge.c, ngd_br_push_some: a look-up per host, a write
# where the map says otherwise).  Written at once, that held ngd's one
# loop 0.2-0.5 s, and every frame for ngd waited.  Written 1,024 hosts a
# loop pass now.  (A client's message to the bridge writes it whole
# before its reply: none here.)
#
#   n0 ngeth0 --link0-- br0 --link1-- ngeth1 n1 (sends from 100,000 MACs
#                                          to itself: br0 learns them)
#   n2 ngeth2 --link0-- br1 --link1-- tee --right-- ngeth3 n3
#
# A host moved, then over 3 s, ngd's loop waits for its events
# (epoll_wait) between the write-back's look-ups (bpf(2), strace: at
# most 2,100 in a row, of 10,000 or more: all of them before); another
# moved, pings through the tee every 5 ms over 3 s all come back within
# 100 ms.
source "$(dirname "$0")/../lib.sh"

cleanup() {
	for n in n0 n1 n2 n3; do ip netns del $n 2>/dev/null; done
	stop_ngd
}
trap 'kill $(jobs -p) 2>/dev/null; cleanup; rm -rf "$tmp"' EXIT
command -v strace >/dev/null || fail "strace is needed (scripts/deps installs it)"

setup() {
	start_ngd
	for i in 0 1 2 3; do
		ngctl mkpeer eiface ether ether
	done
	ngctl -f - <<'EOS'
mkpeer ngeth0: bridge ether link0
name ngeth0:ether br0
connect br0: ngeth1: link1 ether
mkpeer ngeth2: bridge ether link0
name ngeth2:ether br1
mkpeer br1: tee link1 left
connect br1:link1 ngeth3: right ether
EOS
	for i in 0 1 2 3; do
		ip netns add n$i
		ngctl msg ngeth$i: vnet "\"n$i\""
		in_ns n$i ip link set ngeth$i up
	done
	in_ns n2 ip addr add 198.18.3.1/24 dev ngeth2
	in_ns n3 ip addr add 198.18.3.2/24 dev ngeth3
	expect_rc "ping through the tee" 0 quiet in_ns n2 ping -c 1 -W 2 198.18.3.2
	ngctl msg br0: setmaxhosts 101000
}

flood() {
	in_ns n1 python3 -c 'import socket, struct
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind(("ngeth1", 0))
me = s.getsockname()[4]
s.send(b"\xff" * 6 + me + b"\x88\xb5" + bytes(46)) # then to me: dropped
for i in range(100000):
	s.send(me + b"\x02\x00" + struct.pack(">I", i) + b"\x88\xb5" + bytes(46))'
}

# move N: a frame from flood host N on link0 (to host N + 1, on link1)
move() {
	in_ns n0 python3 -c 'import socket, struct, sys
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind(("ngeth0", 0))
n = int(sys.argv[1])
s.send(b"\x02\x00" + struct.pack(">I", n + 1) + b"\x02\x00" +
    struct.pack(">I", n) + b"\x88\xb5" + bytes(46))' "$1"
}

setup
flood
sleep 3 # imported (the ticks are 1 s apart while the node is small)
(sleep 0.3; move 5) &
mover=$!
timeout 3 strace -e trace=bpf,epoll_wait -o "$tmp/st" -p "$NGD_PID" 2>/dev/null
wait $mover
looks=$(grep -c 'BPF_MAP_LOOKUP_ELEM' "$tmp/st")
run=$(awk '/^bpf\(/ { if (++n > m) m = n; next } { n = 0 } END { print m + 0 }' "$tmp/st")
if [ "$looks" -ge 10000 ] && [ "$run" -le 2100 ]; then
	ok "the write-back's $looks look-ups, at most $run bpf(2) calls between two of the loop's waits"
else
	fail "the write-back's $looks look-ups, at most $run bpf(2) calls between two of the loop's waits (want >= 10000, <= 2100)"
fi

sleep 1
(sleep 0.5; move 7) &
mover=$!
max=$(in_ns n2 ping -c 600 -i 0.005 -W 2 198.18.3.2 |
    sed -nE 's/.*icmp_seq=([0-9]+) .*time=([0-9.]+) ms.*/\2 ms (ping \1)/p' |
    sort -n | tail -1)
wait $mover
if awk -v m="${max%% *}" 'BEGIN { exit !(m != "" && m < 100) }'; then
	ok "pings through ngd during a write-back: the slowest ${max}"
else
	fail "pings through ngd during a write-back: the slowest ${max:-none} (want < 100 ms)"
fi
kill -0 "$NGD_PID" && ok "ngd is alive" || fail "ngd is alive"
finish
