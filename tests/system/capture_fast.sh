#!/usr/bin/env bash
# System test: ngctl capture on an edge the kernel forwards (issue 21 on
# issue 18's fast path).  With NGD_FASTPATH=1 two eifaces joined
# directly forward in the kernel, past ngd; a capture of that edge takes
# it off the kernel path while it runs (the copies are ngd's), and puts
# it back when it ends, by its end, SIGINT or SIGKILL.  Whether frames
# take the kernel path is seen by stopping ngd (SIGSTOP): pings are
# answered only if ngd is not on their way.
#
#   ns fa: ngeth0 --ether--ether-- ngeth1 :ns fb
#          198.18.23.1/24         198.18.23.2/24
source "$(dirname "$0")/../lib.sh"
NGD_LOG=$tmp/ngd.log
CAP_PID=
cleanup() {
	[ -n "$CAP_PID" ] && kill -KILL "$CAP_PID" 2>/dev/null
	[ -n "${NGD_PID:-}" ] && kill -CONT "$NGD_PID" 2>/dev/null
	ip netns del fa 2>/dev/null
	ip netns del fb 2>/dev/null
	stop_ngd
}
trap cleanup EXIT

# pings COUNT: how many of COUNT pings fa's got answered, each within a
# second (sent at once: tests/lib.sh's pings says why)
pings() {
	ip netns exec fa ping -c "$1" -l "$1" -W 1 198.18.23.2 2>/dev/null |
	    sed -nE 's/.* ([0-9]+) received.*/\1/p'
}
# kernel_path: pings are answered while ngd is stopped
kernel_path() {
	local n
	kill -STOP "$NGD_PID"
	n=$(pings 3)
	kill -CONT "$NGD_PID"
	[ "$n" = 3 ]
}
wait_capture() {
	for _ in $(seq 200); do
		grep -q '^capturing on ' "$1" 2>/dev/null && return 0
		sleep 0.05
	done
	return 1
}

NGD_FASTPATH=1 start_ngd || finish
if ! grep -q 'data path: eifaces are veth pairs' "$NGD_LOG"; then
	# no kernel path here (no TCX, BPF refused): nothing to test
	ok "no kernel fast path on this machine: $(grep 'data path' "$NGD_LOG")"
	finish
fi
expect_rc "eiface ngeth0" 0 ngctl mkpeer eiface ether ether
expect_rc "eiface ngeth1" 0 ngctl mkpeer eiface ether ether
ip netns add fa
ip netns add fb
ngctl msg ngeth0: vnet '"fa"'
ngctl msg ngeth1: vnet '"fb"'
ip netns exec fa sysctl -qw net.ipv6.conf.ngeth0.disable_ipv6=1
ip netns exec fb sysctl -qw net.ipv6.conf.ngeth1.disable_ipv6=1
ip -n fa addr add 198.18.23.1/24 dev ngeth0
ip -n fb addr add 198.18.23.2/24 dev ngeth1
ip -n fa link set ngeth0 up
ip -n fb link set ngeth1 up
expect_rc "join them directly" 0 ngctl connect ngeth0: ngeth1: ether ether
queue_on fa ngeth0 && queue_on fb ngeth1 # (lib.sh)
expect "pings answered" 5 "$(pings 5)"
kernel_path && ok "the edge is on the kernel path" ||
	fail "the edge is on the kernel path"

# a capture takes the edge through ngd, sees both ways, and gives it back
ngctl capture -w "$tmp/f.pcapng" ngeth0: ether icmp 2>"$tmp/cap.err" &
CAP_PID=$!
wait_capture "$tmp/cap.err" || fail "capture started"
kill -STOP "$NGD_PID"
expect "while capturing, ngd is on the way (no answer while it is stopped)" \
    0 "$(pings 2)"
kill -CONT "$NGD_PID"
expect "while capturing: pings answered" 3 "$(pings 3)"
sleep 0.3
kill -INT $CAP_PID
wait $CAP_PID
expect "SIGINT: exit 0" 0 $?
CAP_PID=
r=$(tcpdump -n -r "$tmp/f.pcapng" 2>/dev/null)
# (the 2 pings sent while ngd was stopped may cross when it goes on)
req=$(grep -c '198.18.23.1 > 198.18.23.2: ICMP echo request' <<<"$r")
rep=$(grep -c '198.18.23.2 > 198.18.23.1: ICMP echo reply' <<<"$r")
if [ "$req" -ge 3 ] && [ "$req" -le 5 ] && [ "$rep" = "$req" ]; then
	ok "tcpdump reads the requests and as many replies ($req)"
else
	fail "tcpdump reads the requests and as many replies ($req, $rep)"
fi
# ngeth0's node sends what its interface sent out through ether, and
# takes in through ether what goes to it: requests out, replies in
dirs=$(python3 - "$tmp/f.pcapng" <<'PY'
import struct, sys
b = open(sys.argv[1], 'rb').read()
o, seen = 0, set()
while o + 12 <= len(b):
    t, n = struct.unpack_from('<II', b, o)
    if t == 6:
        cap = struct.unpack_from('<I', b, o + 20)[0]
        d = b[o + 28:o + 28 + cap]
        p, flags = o + 28 + (cap + 3) // 4 * 4, 0
        while p < o + n - 4:
            code, ln = struct.unpack_from('<HH', b, p)
            if code == 0:
                break
            if code == 2:
                flags = struct.unpack_from('<I', b, p + 4)[0]
            p += 4 + (ln + 3) // 4 * 4
        seen.add('%s %s' % ({8: 'request', 0: 'reply'}.get(d[34], d[34]),
                            {1: 'inbound', 2: 'outbound'}.get(flags & 3, flags)))
    o += n
print(' '.join(sorted(seen)))
PY
)
expect "directions seen from ngeth0" "reply inbound request outbound" "$dirs"
expect "after SIGINT: the edge is as before" \
    "$(printf '  %-15s %-15s %-12s' ether ngeth1 eiface)" \
    "$(ngctl show ngeth0: | grep '^  ether' | cut -c1-46)"
kernel_path && ok "after SIGINT: the edge is back on the kernel path" ||
	fail "after SIGINT: the edge is back on the kernel path"

# -c ends it by itself; captured from the far end, the other way round
ngctl capture -c 2 -w "$tmp/c.pcap" ngeth1: ether icmp 2>"$tmp/c.err" &
CAP_PID=$!
wait_capture "$tmp/c.err" || fail "capture -c started"
expect "capture -c 2: pings answered" 2 "$(pings 2)"
for _ in $(seq 50); do kill -0 $CAP_PID 2>/dev/null || break; sleep 0.1; done
if kill -0 $CAP_PID 2>/dev/null; then
	fail "capture -c 2: ended by itself"
	kill -INT $CAP_PID
fi
wait $CAP_PID
expect "capture -c 2: exit 0" 0 $?
CAP_PID=
expect "capture -c 2: 2 frames" 2 "$(tcpdump -n -r "$tmp/c.pcap" 2>/dev/null | grep -c ICMP)"
kernel_path && ok "after -c: the edge is back on the kernel path" ||
	fail "after -c: the edge is back on the kernel path"

# SIGKILL: ngctl says nothing; its node's end ends the capture
ngctl capture ngeth0: ether >"$tmp/k.lines" 2>"$tmp/k.err" &
CAP_PID=$!
wait_capture "$tmp/k.err" || fail "capture started (KILL)"
expect "before SIGKILL: pings answered" 2 "$(pings 2)"
# the pings' frames (98 bytes); a neighbour probe may come between them
for _ in $(seq 40); do
	[ "$(grep -c ' 98 bytes$' "$tmp/k.lines")" -ge 4 ] && break
	sleep 0.05
done
expect "before SIGKILL: 4 lines" 4 "$(grep -c ' 98 bytes$' "$tmp/k.lines")"
kill -KILL $CAP_PID
wait $CAP_PID 2>/dev/null
CAP_PID=
sleep 0.2
kernel_path && ok "after SIGKILL: the edge is back on the kernel path" ||
	fail "after SIGKILL: the edge is back on the kernel path"

# a hub of eifaces repeats in the kernel; a capture of one of its edges
# takes the hub through ngd, until it ends
expect_rc "rmhook" 0 ngctl rmhook ngeth0: ether
expect_rc "hub on ngeth0" 0 ngctl mkpeer ngeth0: hub ether l0
expect_rc "name it fhub" 0 ngctl name ngeth0:ether fhub
expect_rc "ngeth1 on it" 0 ngctl connect fhub: ngeth1: l1 ether
for _ in 1 2 3 4 5; do [ "$(pings 1)" = 1 ] && break; done
kernel_path && ok "the hub repeats in the kernel" ||
	fail "the hub repeats in the kernel"
ngctl capture -w "$tmp/h.pcapng" fhub: l1 icmp 2>"$tmp/h.err" &
CAP_PID=$!
wait_capture "$tmp/h.err" || fail "capture on the hub started"
kill -STOP "$NGD_PID"
expect "capturing on the hub: ngd is on the way" 0 "$(pings 2)"
kill -CONT "$NGD_PID"
expect "capturing on the hub: pings answered" 2 "$(pings 2)"
sleep 0.3
kill -INT $CAP_PID
wait $CAP_PID
CAP_PID=
r=$(tcpdump -n -r "$tmp/h.pcapng" 2>/dev/null)
if [ "$(grep -c 'ICMP echo request' <<<"$r")" -ge 2 ] &&
    [ "$(grep -c 'ICMP echo reply' <<<"$r")" -ge 2 ]; then
	ok "the hub's edge l1: requests and replies captured"
else
	fail "the hub's edge l1: requests and replies captured"
	echo "$r" | sed 's/^/    /'
fi
kernel_path && ok "after the capture: the hub repeats in the kernel again" ||
	fail "after the capture: the hub repeats in the kernel again"
finish
