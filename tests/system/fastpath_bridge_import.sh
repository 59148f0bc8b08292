#!/usr/bin/env bash
# serial: a 100,000-host import while frames cross ngd, timed
# A bridge switching in the kernel with 100,000 hosts learned: ngd
# reads its hosts map back every 6 s (fastpath_bridge.c, the tick's
# import, for the node's ageing).  Read at once, that held ngd's one
# loop 0.1-0.6 s each time, and every frame for ngd waited: pings
# through a tee on the bridge (each by ngd) took up to 594 ms, bench/run
# fast's tee row up to 211 ms.  Read 1,024 hosts a loop pass now.
#
#   n0 ngeth0 --link0-- br0 --link1-- ngeth1 n1 (sends from 100,000 MACs
#                                          to itself: br0 learns them)
#   n2 ngeth2 --link0-- br1 --link1-- tee --right-- ngeth3 n3
#
# (br0 switches in the kernel; br1 does not, a tee being on it: frames
# between n2 and n3 go by ngd; the import reads the one hosts map.)
# Checked over 7 s (a window holding one import): ngd's loop waits for
# its events (epoll_wait) between the import's reads (bpf(2), strace);
# then over 7 s more, pings through the tee every 5 ms all come back
# within 100 ms (the kernel's timestamps; 123-478 ms before, 7-43 ms
# after on a loaded machine).
source "$(dirname "$0")/../lib.sh"

trap 'kill $(jobs -p) 2>/dev/null; for n in n0 n1 n2 n3; do ip netns del $n 2>/dev/null; done; stop_ngd; rm -rf "$tmp"' EXIT
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
in_ns n1 python3 -c 'import socket, struct
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind(("ngeth1", 0))
me = s.getsockname()[4]
s.send(b"\xff" * 6 + me + b"\x88\xb5" + bytes(46)) # then to me: dropped
for i in range(100000):
	s.send(me + b"\x02\x00" + struct.pack(">I", i) + b"\x88\xb5" + bytes(46))'
# A bridge message imports the map whole and writes back what the node
# changed (its table, at once: 100,000 writes); the second finds it
# done.  The node's table then stays, and the ticks only import, 6 s
# apart.
sleep 1
ngctl msg br0: getstats 0 >/dev/null
ngctl msg br0: getstats 0 >/dev/null

command -v strace >/dev/null || fail "strace is needed (scripts/deps installs it)"
timeout 7 strace -e trace=bpf,epoll_wait -o "$tmp/st" -p "$NGD_PID" 2>/dev/null
reads=$(grep -c 'BPF_MAP_LOOKUP_BATCH' "$tmp/st")
run=$(awk '/^bpf\(/ { if (++n > m) m = n; next } { n = 0 } END { print m + 0 }' "$tmp/st")
# one import: ~100 reads of 1,024 hosts, a loop pass each
if [ "$reads" -ge 90 ] && [ "$run" -le 8 ]; then
	ok "the import's $reads reads of the map, at most $run bpf(2) calls between two of the loop's waits"
else
	fail "the import's $reads reads of the map, at most $run bpf(2) calls between two of the loop's waits (want >= 90, <= 8)"
fi

max=$(in_ns n2 ping -c 1400 -i 0.005 -W 2 198.18.3.2 |
    sed -nE 's/.*icmp_seq=([0-9]+) .*time=([0-9.]+) ms.*/\2 ms (ping \1)/p' |
    sort -n | tail -1)
if awk -v m="${max%% *}" 'BEGIN { exit !(m != "" && m < 100) }'; then
	ok "pings through ngd during an import: the slowest ${max}"
else
	fail "pings through ngd during an import: the slowest ${max:-none} (want < 100 ms)"
fi
kill -0 "$NGD_PID" && ok "ngd is alive" || fail "ngd is alive"
finish
