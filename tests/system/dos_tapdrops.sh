#!/usr/bin/env bash
# What a TAP refused is counted where a user looks: a frame that ngd
# queued for a TAP in a batch (the writes a TAP's read causes go out
# together after it) and that the TAP then refused (its interface went
# down meanwhile: EIO) is counted in the recvDrops of the eiface's hook,
# as a frame refused at once is.  A host floods frames through a tee
# while the far interface goes down and up again 20 times; every frame
# the tee sent towards it either arrived (the interface's rx_packets) or
# is in the hook's recvDrops.  Before, the frames of a batch caught by a
# down were lost and counted nowhere (a down whose news comes in the
# same loop pass as the frames is learned after them).
#
#   ns tda: tda (eiface) -- left [T tee] right -- ether (eiface) tdb :ns tdb
#
# TAP model (NGD_FASTPATH=0): the eifaces are TAPs that ngd writes.
# serial: a flood, timed against link changes
source "$(dirname "$0")/../lib.sh"
py=python3
NGD_LOG=$tmp/ngd.log
NGD_FASTPATH=0 start_ngd || finish
flood=
trap 'kill $flood 2>/dev/null; for n in tda tdb; do ip netns del $n 2>/dev/null; done; stop_ngd; rm -rf "$tmp"' EXIT

for _ in 1 2; do ngctl mkpeer eiface ether ether; done
ngctl -f - <<'END'
name ngeth0: tda
name ngeth1: tdb
mkpeer tda: tee ether left
name tda:ether T
connect T: tdb: right ether
END
for n in tda tdb; do
	ip netns add $n
	ip link set $n netns $n
	ip netns exec $n sysctl -qw net.ipv6.conf.$n.disable_ipv6=1
	ip -n $n link set $n up
done
rx() { in_ns tdb cat /sys/class/net/tdb/statistics/rx_packets; }

# The flood: 60-byte broadcast frames of an experimental type, as fast
# as the socket takes them, until tdb's flaps are over (SIGTERM; 3 s at
# most).
ip netns exec tda $py - 3 <<'EOF' >"$tmp/flood.out" 2>&1 &
import signal, socket, sys, time
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind(("tda", 0))
f = b"\xff" * 6 + b"\x02\0\0\0\0\x98" + b"\x88\xb5" + b"\0" * 46
n, end = 0, time.time() + float(sys.argv[1])
def stop(signum, frame):
    global end
    end = 0
signal.signal(signal.SIGTERM, stop)
while time.time() < end:
    for _ in range(50):
        try:
            s.send(f)
            n += 1
        except OSError:
            pass
print(n)
EOF
flood=$!
sleep 0.3
for _ in $(seq 20); do
	ip -n tdb link set tdb down
	sleep 0.03
	ip -n tdb link set tdb up
	sleep 0.05
done
kill -TERM $flood 2>/dev/null
wait $flood
flood=
sleep 0.3
sent=$(hs T: right xmitFrames)
arrived=$(rx)
refused=$(hs tdb: ether recvDrops)
echo "# $(cat "$tmp/flood.out") frames flooded; the tee sent $sent towards tdb, $arrived arrived, tdb's hook counted $refused refused"
expect_rc "frames were lost while tdb was down" 0 test $((sent - arrived)) -gt 0
expect "every frame lost is counted in tdb's recvDrops (sent - arrived)" \
    "$((sent - arrived))" "$refused"
expect_rc "ngd survives and serves" 0 quiet ngctl list
finish
