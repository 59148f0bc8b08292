#!/usr/bin/env bash
# System test: watching the graph (issue 21): per-hook counters, show -s,
# dot -s, top -b, and capture on a bridge link read back by tcpdump.
#
#   ns a: ngeth0 --ether-- link1 [br0] link2 --ether-- ngeth1 :ns b
#         198.18.21.1/24                                 198.18.21.2/24
#
# Neighbours are permanent and IPv6 is off, so the links carry only what
# ping and iperf3 send, and the counters can be compared with them.
source "$(dirname "$0")/../lib.sh"
start_ngd || finish
CAP_PID=
cleanup() {
	[ -n "$CAP_PID" ] && kill -KILL "$CAP_PID" 2>/dev/null
	ip netns del a 2>/dev/null
	ip netns del b 2>/dev/null
	stop_ngd
}
trap cleanup EXIT

# stat NODE HOOK FIELD: one counter, from gethookstats in ASCII
stat() {
	ngctl msg "$1" gethookstats | sed -n 's/^Args:\t//p' |
	    grep -oE "\\{ hook=\"$2\"[^}]*\\}" |
	    sed -nE "s/.* $3=([0-9]+).*/\\1/p" | grep . || echo 0
}
# graph: what list and show say about the graph, our own node left out
graph() {
	ngctl -n probe list | grep -v 'probe ' | sed 's/ngctl[0-9]*/ngctl/'
	for n in br0: ngeth0: ngeth1:; do ngctl show "$n"; done
}
# wait_capture FILE: until the capturing ngctl says (in FILE, its
# stderr) that the copies flow
wait_capture() {
	for _ in $(seq 200); do
		grep -q '^capturing on ' "$1" 2>/dev/null && return 0
		sleep 0.05
	done
	return 1
}
as_nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups -- "$@"; }

expect_rc "eiface ngeth0" 0 ngctl mkpeer . eiface e ether
expect_rc "eiface ngeth1" 0 ngctl mkpeer . eiface e ether
expect_rc "bridge on ngeth0" 0 ngctl mkpeer ngeth0: bridge ether link1
expect_rc "name it br0" 0 ngctl name ngeth0:ether br0
expect_rc "ngeth1 to link2" 0 ngctl connect br0: ngeth1: link2 ether
for i in 0 1; do
	ns=$([ $i = 0 ] && echo a || echo b)
	ip netns add $ns
	ip link set ngeth$i netns $ns
	ip netns exec $ns sysctl -qw net.ipv6.conf.ngeth$i.disable_ipv6=1
	ip -n $ns addr add 198.18.21.$((i + 1))/24 dev ngeth$i
	ip -n $ns link set ngeth$i up
done
mac_a=$(ip -n a link show ngeth0 | awk '/link\/ether/ { print $2 }')
mac_b=$(ip -n b link show ngeth1 | awk '/link\/ether/ { print $2 }')
ip -n a neigh replace 198.18.21.2 lladdr "$mac_b" dev ngeth0 nud permanent
ip -n b neigh replace 198.18.21.1 lladdr "$mac_a" dev ngeth1 nud permanent
quiet in_ns a ping -c 1 -W 2 198.18.21.2
before=$(graph)

# --- counters: exactly what ping sent -----------------------------------
expect_rc "clrhookstats on br0" 0 ngctl msg br0: clrhookstats '{ }'
expect_rc "clrhookstats on ngeth0" 0 ngctl msg ngeth0: clrhookstats '{ }'
expect_rc "ping a -> b, 5 times" 0 \
    in_ns a ping -c 5 -i 0.2 -W 2 -q 198.18.21.2
expect "br0 link1 recvFrames: 5 requests" 5 "$(stat br0: link1 recvFrames)"
expect "br0 link1 recvOctets: 5 x 98" 490 "$(stat br0: link1 recvOctets)"
expect "br0 link1 xmitFrames: 5 replies" 5 "$(stat br0: link1 xmitFrames)"
expect "br0 link2 xmitFrames" 5 "$(stat br0: link2 xmitFrames)"
expect "br0 link2 recvOctets" 490 "$(stat br0: link2 recvOctets)"
expect "ngeth0 ether xmitOctets is br0 link1 recvOctets" 490 \
    "$(stat ngeth0: ether xmitOctets)"
expect "no drops" 0 "$(stat br0: link1 recvDrops)"

# show -s: FreeBSD's columns, then the counters
want=$(printf '  %-15s %-15s %-12s %-15s %-15s %10s %12s %10s %12s %7s' \
    link1 ngeth0 eiface '########' ether 5 490 5 490 0)
expect "show -s: link1's row" "$want" \
    "$(ngctl show -s br0: | grep '^  link1' | sed -E 's/[0-9a-f]{8}  /########  /')"
expect "show -s: header" "$(printf '  %-15s %-15s %-12s %-15s %-15s %10s %12s %10s %12s %7s' \
    'Local hook' 'Peer name' 'Peer type' 'Peer ID' 'Peer hook' 'In frames' \
    'In octets' 'Out frames' 'Out octets' Drops)" \
    "$(ngctl show -s br0: | sed -n 2p)"
expect "show -s is show with columns added" "$(ngctl show br0:)" \
    "$(ngctl show -s br0: | cut -c1-78)"

# --- counters: what iperf3 delivered (what the server got crossed link1) -
in_ns b iperf3 -s -1 -D -B 198.18.21.2 >/dev/null 2>&1
sleep 0.3
ngctl msg br0: clrhookstats '{ }' >/dev/null
sent=$(in_ns a timeout 20 iperf3 -c 198.18.21.2 -t 1 -J 2>/dev/null |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["end"]["sum_received"]["bytes"])' 2>/dev/null)
got=$(stat br0: link1 recvOctets)
if [ -n "$sent" ] && [ "$got" -ge "$sent" ] &&
    [ "$got" -le $((sent + sent / 10 + 200000)) ]; then
	ok "iperf3 delivered $sent bytes, link1 took in $got octets"
else
	fail "iperf3 delivered ${sent:-?} bytes, link1 took in $got octets"
fi

# --- dot -s --------------------------------------------------------------
d=$(ngctl dot -s)
if grep -q 'label = "→ [0-9.kMG]* f, [0-9.kMG]*B' <<<"$d" &&
    grep -q 'subgraph "cluster_' <<<"$d"; then
	ok "dot -s: edges labelled with counters, the bridge's links clustered"
else
	fail "dot -s: counters and clusters"
	echo "$d" | sed 's/^/    /'
fi
if command -v dot >/dev/null; then
	expect_rc "dot -s draws with graphviz" 0 \
	    bash -c 'ngctl dot -s | dot -Tsvg >/dev/null'
fi

# --- top -b -n 2 ---------------------------------------------------------
in_ns a ping -c 15 -i 0.1 -q 198.18.21.2 >/dev/null 2>&1 &
ping_pid=$!
t=$(timeout 10 ngctl top -b -n 2 -d 0.5)
wait $ping_pid
expect "top -b -n 2: two frames" 2 "$(grep -c '^ngctl top - ' <<<"$t")"
expect "top: the header twice" 2 "$(grep -c '^NODE  *HOOK  *IN f/s' <<<"$t")"
if awk '$1 == "br0" && $2 == "link1" && $3 + 0 > 0 { f = 1 } END { exit !f }' <<<"$t"; then
	ok "top: br0 link1 has frames per second"
else
	fail "top: br0 link1 has frames per second"
	echo "$t" | sed 's/^/    /'
fi

# --- capture -------------------------------------------------------------
ngctl capture -c 6 -w "$tmp/p.pcap" br0: link1 2>"$tmp/cap.err" &
CAP_PID=$!
wait_capture "$tmp/cap.err" || fail "capture started"
quiet in_ns a ping -c 3 -i 0.2 -W 2 198.18.21.2
for _ in $(seq 50); do kill -0 $CAP_PID 2>/dev/null || break; sleep 0.1; done
if kill -0 $CAP_PID 2>/dev/null; then
	fail "-c 6 stops by itself"
else
	ok "-c 6 stops by itself"
fi
wait $CAP_PID
expect "capture -c 6: exit 0" 0 $?
CAP_PID=
expect "capture says where, then how many" \
    "capturing on br0: link1, link-type EN10MB, snapshot length 262144 bytes
6 frames captured" "$(cat "$tmp/cap.err")"
r=$(tcpdump -n -r "$tmp/p.pcap" 2>/dev/null)
expect "tcpdump reads 3 echo requests" 3 "$(grep -c 'ICMP echo request' <<<"$r")"
expect "tcpdump reads 3 echo replies" 3 "$(grep -c 'ICMP echo reply' <<<"$r")"
expect "request from a to b" 3 \
    "$(grep -c '198.18.21.1 > 198.18.21.2: ICMP echo request' <<<"$r")"

# through a pipe, with a filter: only the replies
ngctl capture -c 2 -w - br0: link2 'icmp[icmptype] = icmp-echoreply' \
    2>"$tmp/pipe.err" >"$tmp/pipe.pcap" &
CAP_PID=$!
wait_capture "$tmp/pipe.err" || fail "capture to a pipe started"
quiet in_ns a ping -c 3 -i 0.2 -W 2 198.18.21.2
for _ in $(seq 50); do kill -0 $CAP_PID 2>/dev/null || break; sleep 0.1; done
wait $CAP_PID
CAP_PID=
r=$(tcpdump -n -r - <"$tmp/pipe.pcap" 2>/dev/null)
expect "filter: 2 frames, both replies" "2 2" \
    "$(grep -c . <<<"$r") $(grep -c 'ICMP echo reply' <<<"$r")"

# pcapng (chosen by the name): tcpdump reads it, and each frame's
# epb_flags say which way it crossed, seen from br0: a's requests came in
# through link1, b's replies went out through it
ngctl capture -c 4 -w "$tmp/p.pcapng" br0: link1 icmp 2>"$tmp/ng.err" &
CAP_PID=$!
wait_capture "$tmp/ng.err" || fail "pcapng capture started"
quiet in_ns a ping -c 2 -i 0.2 -W 2 198.18.21.2
for _ in $(seq 50); do kill -0 $CAP_PID 2>/dev/null || break; sleep 0.1; done
wait $CAP_PID
expect "pcapng capture -c 4: exit 0" 0 $?
CAP_PID=
r=$(tcpdump -n -r "$tmp/p.pcapng" 2>/dev/null)
expect "pcapng: tcpdump reads 2 requests and 2 replies" "2 2" \
    "$(grep -c '198.18.21.1 > 198.18.21.2: ICMP echo request' <<<"$r") $(grep -c '198.18.21.2 > 198.18.21.1: ICMP echo reply' <<<"$r")"
expect "pcapng: a pcapng file" "0a0d0d0a" "$(od -An -tx1 -N4 "$tmp/p.pcapng" | tr -d ' ')"
# each EPB: ICMP type and the direction bits of epb_flags (1 in, 2 out)
dirs=$(python3 - "$tmp/p.pcapng" <<'PY'
import struct, sys
b = open(sys.argv[1], 'rb').read()
o = 0
while o + 12 <= len(b):
    t, n = struct.unpack_from('<II', b, o)
    if t == 1:
        print('if_name', b[o + 20:o + 20 + struct.unpack_from('<H', b, o + 18)[0]].decode())
    if t == 6:
        cap = struct.unpack_from('<I', b, o + 20)[0]
        d = b[o + 28:o + 28 + cap]
        icmp = d[14 + (d[14] & 15) * 4]
        p, flags = o + 28 + (cap + 3) // 4 * 4, None
        while p < o + n - 4:
            code, ln = struct.unpack_from('<HH', b, p)
            if code == 0:
                break
            if code == 2:
                flags = struct.unpack_from('<I', b, p + 4)[0]
            p += 4 + (ln + 3) // 4 * 4
        print({8: 'request', 0: 'reply'}.get(icmp, icmp),
              {1: 'inbound', 2: 'outbound'}.get(flags & 3 if flags is not None else None, flags))
    o += n
PY
)
expect "pcapng: the interface is the edge, directions from br0" "if_name br0:link1
request inbound
reply outbound
request inbound
reply outbound" "$dirs"
# to a pipe with -F pcapng
ngctl capture -F pcapng -c 2 -w - br0: link2 icmp 2>"$tmp/ngp.err" \
    >"$tmp/ngp.out" &
CAP_PID=$!
wait_capture "$tmp/ngp.err" || fail "pcapng capture to a pipe started"
quiet in_ns a ping -c 1 -W 2 198.18.21.2
for _ in $(seq 50); do kill -0 $CAP_PID 2>/dev/null || break; sleep 0.1; done
wait $CAP_PID
CAP_PID=
r=$(tcpdump -n -r - <"$tmp/ngp.out" 2>/dev/null)
expect "pcapng to a pipe: request and reply" "1 1" \
    "$(grep -c 'ICMP echo request' <<<"$r") $(grep -c 'ICMP echo reply' <<<"$r")"
check "an unknown format" 64 "" \
    "ngctl: capture: -F pcapx: unknown format (pcap or pcapng)
ngctl: usage: capture [-c count] [-F format] [-s snaplen] [-w file] [-y linktype] <path> <hook> [expression]" \
    ngctl capture -F pcapx -w "$tmp/x" br0: link1

# a bad filter is refused before anything starts
check "a bad filter" 71 "" \
    "ngctl: capture: can't parse filter expression: syntax error" \
    ngctl capture -w "$tmp/x.pcap" br0: link1 'icmp and and'
check "a missing hook" 71 "" 'ngctl: capture: br0: has no hook "link9"' \
    ngctl capture -w "$tmp/x.pcap" br0: link9

# the edge is untouched after SIGINT and after SIGKILL
for sig in INT KILL; do
	ngctl capture br0: link1 >"$tmp/lines" 2>"$tmp/sig.err" &
	CAP_PID=$!
	wait_capture "$tmp/sig.err" || fail "capture started ($sig)"
	quiet in_ns a ping -c 2 -i 0.2 -W 2 198.18.21.2
	kill -$sig $CAP_PID
	wait $CAP_PID 2>/dev/null
	rc=$?
	CAP_PID=
	[ $sig = INT ] && expect "SIGINT: exit 0" 0 $rc
	[ $sig = INT ] && expect "SIGINT: 4 lines, 2 in and 2 out" "4 2 2" \
	    "$(grep -c bytes "$tmp/lines") $(grep -c ':link1 in  98 bytes' "$tmp/lines") $(grep -c ':link1 out 98 bytes' "$tmp/lines")"
	sleep 0.2
	expect "after SIG$sig: the graph is as before" "$before" "$(graph)"
	expect_rc "after SIG$sig: a pings b" 0 \
	    in_ns a ping -c 2 -i 0.2 -W 2 -q 198.18.21.2
	rm -f "$tmp/sig.err"
done

# anyone may read the counters; only root (or ngd's group) clears or
# captures
expect_rc "nobody reads the counters" 0 quiet as_nobody ngctl -N show -s br0:
check "nobody may not clear them" 71 "" \
    "ngctl: send msg: Operation not permitted" \
    as_nobody ngctl -N msg br0: clrhookstats '{ }'
check "nobody may not capture" 71 "" \
    "ngctl: send msg: Operation not permitted" \
    as_nobody ngctl -N capture -c 1 br0: link1

finish
