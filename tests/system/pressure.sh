#!/usr/bin/env bash
# One flooded pipe must not stall the graph (issue 13, item 2).  A pipe
# with a 5 s delay and queues as long as setcfg allows sits between the
# bridge and host b; host a floods b with UDP.  Meanwhile c pings d across
# the same bridge, a path with no pipe on it: the pings must come back,
# quickly, and ngd's log must stay a few lines long.
#
#   ns a: fa --link0-- [ br0 ] --link1-- upper [P pipe] lower -- fb :ns b
#   ns c: fc --link2--/      \--link3-- fd :ns d
# serial: ping loss and round trips timed under a UDP flood
source "$(dirname "$0")/../lib.sh"
NGD_LOG=$tmp/ngd.log
start_ngd || finish
trap 'for n in a b c d; do ip netns del $n 2>/dev/null; done; stop_ngd; rm -rf "$tmp"' EXIT

# within NAME VALUE LOW HIGH: LOW <= VALUE <= HIGH (decimals allowed)
within() {
	if awk -v v="$2" -v lo="$3" -v hi="$4" 'BEGIN { exit !(v != "" && v >= lo && v <= hi) }'; then
		ok "$1 ($2)"
	else
		fail "$1 ($2, want $3..$4)"
	fi
}

for _ in 1 2 3 4; do ngctl mkpeer eiface ether ether; done
ngctl -f - <<'END'
name ngeth0: fa
name ngeth1: fb
name ngeth2: fc
name ngeth3: fd
mkpeer fa: bridge ether link0
name fa:ether br0
mkpeer br0: pipe link1 upper
name br0:link1 P
connect P: fb: lower ether
connect br0: fc: link2 ether
connect br0: fd: link3 ether
END
i=1
for n in a b c d; do
	ip netns add $n
	ip link set f$n netns $n
	ip netns exec $n sysctl -qw net.ipv6.conf.f$n.disable_ipv6=1
	ip -n $n addr add 198.18.24.$i/24 dev f$n
	ip -n $n link set f$n up
	i=$((i + 1))
done
# Everyone speaks once so the bridge knows where each host is, then the
# pipe gets its delay and queues.
in_ns a ping -c 1 -W 2 -q 198.18.24.2 >/dev/null
in_ns c ping -c 1 -W 2 -q 198.18.24.4 >/dev/null
expect_rc "pipe: 5 s delay, queues of a million frames" 0 ngctl msg P: setcfg \
    '{ delay=5000000 downstream={ queuelen=1000000 } upstream={ queuelen=1000000 } }'

# The flood: 1400-byte UDP datagrams from a to b as fast as a can send,
# until the pings and the pipe's queue are read (SIGTERM; 10 s at most).
ip netns exec a timeout 12 python3 -c '
import signal, socket, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
b = b"x" * 1400
n, end = 0, time.time() + 10
def stop(signum, frame):
    global end
    end = 0
signal.signal(signal.SIGTERM, stop)
while time.time() < end:
    try:
        s.sendto(b, ("198.18.24.2", 9)); n += 1
    except OSError:
        pass
print(n)' >"$tmp/flood.out" &
flood=$!
sleep 2
out=$(in_ns c ping -c 20 -i 0.2 -W 1 -q 198.18.24.4)
loss=$(sed -nE 's/.* ([0-9.]+)% packet loss.*/\1/p' <<<"$out")
rtt=$(sed -nE 's|.* = [0-9.]+/([0-9.]+)/.*|\1|p' <<<"$out")
# what the pipe holds, read while the flood still runs (5 s after it, the
# queue has drained and delayedFrames, being 0, is left out of the reply)
held=$(ngctl msg P: getrun | sed -nE 's/.*downstream=\{ [^}]*delayedFrames=([0-9]+).*/\1/p')
kill -TERM $flood 2>/dev/null # (timeout passes it on)
wait $flood
echo "# flood: $(cat "$tmp/flood.out") datagrams sent; ping c->d: ${loss:-?}% loss, ${rtt:-none} ms average"
within "under the flood, pings on the other path come back (% lost)" "${loss:-100}" 0 15
within "... within a few ms (average RTT, ms)" "${rtt:-99999}" 0 100

st=$(ngctl msg P: getstats | sed -n 's/^Args:\t//p')
disc=$(sed -nE 's/.*downstream=\{[^}]*queueDropFrames=([0-9]+).*/\1/p' <<<"$st")
echo "# pipe P: holds ${held:-?} frames, dropped ${disc:-?} (its budget)"
within "the pipe holds no more than its budget" "${held:-99999}" 1 256
within "... and counts what it could not hold as dropped" "${disc:-0}" 1 1000000000
lines=$(wc -l <"$NGD_LOG")
echo "# ngd log: $lines lines"
within "ngd's log stays small (lines)" "$lines" 0 50
finish
