#!/usr/bin/env bash
# ngd gives back the memory a MAC flood took once its hosts age out.
# 65,536 source MACs (the default maxhosts) through a bridge, switched in
# the kernel (fast path) and by ngd (NGD_FASTPATH=0), a gettable while
# the table is full (its journal record is the whole table as text,
# ~8 MB); maxStaleness 3 s ages them out.  ngd's RSS must come back to
# within 2 MB of where it started (the flood took ~7 MB).  Before, the
# bridge's host-entry chunks and the journal's text buffers were only
# ever grown: 5.3 -> 12.3 MB, and 12.3 MB still after every host had
# aged out.  The journal's lines kept for the table go at its next
# periodic look (30 s after ngd started, then every 30 s): the two modes
# run at once, each in a namespace of its own with its own ngd.
source "$(dirname "$0")/../lib.sh"

trap 'kill $(jobs -p) 2>/dev/null; for n in m0 m1 n0 n1; do ip netns del $n 2>/dev/null; done; rm -rf "$tmp"' EXIT
N=65536
SLACK=2048 # kB over the start allowed once the hosts are gone
cat >"$tmp/flood.py" <<'EOF2'
import socket, struct, sys, time
n = int(sys.argv[1])
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind((sys.argv[2], 0))
dst, tail = b"\x02\xee\xee\xee\xee\xee", b"\x08\x00" + b"\x00" * 46
for i in range(n):
    s.send(dst + struct.pack("!HI", 0x0200, i) + tail)
    if i % 256 == 255: # (a TAP's queue holds 1,000: ngd reads them)
        time.sleep(0.002)
EOF2
export TOP=$top
cat >"$tmp/mode.sh" <<'EOF2'
# mode.sh FP: one mode in this namespace, with an ngd of its own
source "$TOP/tests/lib.sh"
rmdir "$tmp"
fp=$1 N=$2 SLACK=$3 tmp=$4
# (the directory is the test's, which removes it)
trap 'ip netns del n$fp 2>/dev/null; stop_ngd' EXIT
rss() { awk '/^VmRSS/ { print $2 }' "/proc/$NGD_PID/status"; }
hosts() { ngctl msg br0: gettable | grep -o 'numHosts=[0-9]*' | cut -d= -f2 | grep . || echo 0; }

NGD_FASTPATH=$fp start_ngd || finish
bridge_two_eifaces
ip netns add n$fp
ip link set ngeth0 netns n$fp
in_ns n$fp ip link set ngeth0 up
ip link set ngeth1 up
ngctl msg br0: setconfig '{ debugLevel=1 loopTimeout=60 maxStaleness=3 minStableAge=1 }'
sleep 1
r0=$(rss)
in_ns n$fp python3 "$tmp/flood.py" "$N" ngeth0
h1=$(hosts) r1=$(rss)
# (a few hosts of the namespace's own, IPv6's, may come and go)
if [ "$h1" -ge $((N / 2)) ]; then # (a TAP drops some, more under load)
	ok "NGD_FASTPATH=$fp: the bridge learned $h1 hosts (RSS $r0 -> $r1 kB)"
else
	fail "NGD_FASTPATH=$fp: the bridge learned $h1 hosts (want most of $N)"
fi
# Aged out in 3-4 s; the journal's buffers are made smaller after a
# 5 s window that used under a quarter of them, its lines kept for the
# table dropped at its look (30 s after ngd started), malloc_trim then.
r2=$r1 h2=$h1
for _ in $(seq 80); do
	sleep 0.5
	h2=$(hosts) r2=$(rss)
	[ "$h2" -le 16 ] && [ "$r2" -le $((r0 + SLACK)) ] && break
done
if [ "$h2" -le 16 ] && [ "$r2" -le $((r0 + SLACK)) ]; then
	ok "NGD_FASTPATH=$fp: the hosts aged out ($h2 left), RSS back to $r2 kB (started at $r0, $r1 full)"
else
	fail "NGD_FASTPATH=$fp: $h2 hosts left, RSS $r2 kB after they aged out (started at $r0, $r1 full; want at most $((r0 + SLACK)))"
fi
# Refilled after the chunks were freed: learned again.
in_ns n$fp python3 "$tmp/flood.py" "$N" ngeth0
h1=$(hosts)
expect "NGD_FASTPATH=$fp: a second flood learned again" 1 "$((h1 >= N / 2))"
ip netns del n$fp
finish
EOF2
pids=()
for fp in 1 0; do
	ip netns add m$fp
	in_ns m$fp ip link set lo up
	TOP=$top in_ns m$fp bash "$tmp/mode.sh" $fp $N $SLACK "$tmp" &
	pids+=($!)
done
for p in "${pids[@]}"; do
	wait "$p" || NG_FAILED=1
done
exit $NG_FAILED
