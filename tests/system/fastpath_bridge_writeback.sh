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
# (the graph: tests/bridge_100k.sh.)
# A host moved, then over 3 s, ngd's loop waits for its events
# (epoll_wait) between the write-back's look-ups (bpf(2), strace: at
# most 2,100 in a row, of 10,000 or more: all of them before); another
# moved, pings through the tee every 5 ms over 3 s all come back within
# 100 ms.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/../bridge_100k.sh"

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
run=$(longest_run)
if [ "$looks" -ge 10000 ] && [ "$run" -le 2100 ]; then
	ok "the write-back's $looks look-ups, at most $run bpf(2) calls between two of the loop's waits"
else
	fail "the write-back's $looks look-ups, at most $run bpf(2) calls between two of the loop's waits (want >= 10000, <= 2100)"
fi

sleep 1
(sleep 0.5; move 7) &
mover=$!
max=$(slowest 600)
wait $mover
if awk -v m="${max%% *}" 'BEGIN { exit !(m != "" && m < 100) }'; then
	ok "pings through ngd during a write-back: the slowest ${max}"
else
	fail "pings through ngd during a write-back: the slowest ${max:-none} (want < 100 ms)"
fi
kill -0 "$NGD_PID" && ok "ngd is alive" || fail "ngd is alive"
finish
