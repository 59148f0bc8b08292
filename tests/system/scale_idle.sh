#!/usr/bin/env bash
# timeout: 240
# An idle ngd holding a bridge of 100,000 hosts (switching in the kernel)
# is idle: over 10 s with no frame, its CPU time stays near 0 and it
# makes few bpf() calls.  Before, it read the whole hosts map every 6 s
# (the tick's import: ~100 batches, a loop pass and an epoll_wait(0)
# each, 30-100 ms of CPU) and its node walked all 100,000 hosts every
# second to age them: 54-270 ms of CPU and ~220 bpf() calls in 10 s on
# this loaded 2-core machine; now 0-3 ms and ~25 calls.  Bounds: 25 ms
# and 100 calls.  The 10 s windows fall between two of the journal's
# looks (30 s apart from ngd's start; each reads the table as text).
#
#   ngeth0 --link0-- br0 --link1-- ngeth1 (n1: sends from 100,000 MACs)
source "$(dirname "$0")/../lib.sh"
trap 'ip netns del n1 2>/dev/null; stop_ngd; rm -rf "$tmp"' EXIT
N=100000
CPU_MAX=25  # ms of ngd's CPU in 10 idle seconds
BPF_MAX=100 # bpf() calls in 10 idle seconds
command -v strace >/dev/null || fail "strace is needed (scripts/deps installs it)"
cpu_ms() { awk '{ print int($1 / 1000000) }' "/proc/$NGD_PID/schedstat"; }
hosts() { ngctl msg br0: gettable | grep -o 'numHosts=[0-9]*' | cut -d= -f2 | grep . || echo 0; }
# since: seconds ngd has run (its start from /proc, as the journal's
# looks count from it)
since() {
	local up start
	read -r up _ </proc/uptime
	start=$(awk '{ print $22 }' "/proc/$NGD_PID/stat")
	awk -v u="$up" -v s="$start" -v hz="$(getconf CLK_TCK)" \
	    'BEGIN { printf "%d\n", (u - s / hz) * 1000 }'
}
# between_looks: until ngd's run time is 3 s past one of the journal's
# looks (every 30 s from its start), so the next 20 s hold none
between_looks() {
	local ms
	ms=$(since)
	sleep "$(awk -v m="$ms" 'BEGIN { w = (33000 - m % 30000) % 30000;
	    printf "%.3f\n", w / 1000 }')"
}

# (no IPv6: its router solicitations and reports are frames, which
# the program counts and ngd then imports for)
sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
start_ngd || finish
bridge_two_eifaces
ngctl msg br0: setmaxhosts $((N + 1000))
ip netns add n1
ip netns exec n1 sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
    net.ipv6.conf.default.disable_ipv6=1
ngctl msg ngeth1: vnet '"n1"'
in_ns n1 ip link set ngeth1 up
ip link set ngeth0 up
in_ns n1 python3 -c 'import socket, struct, sys
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind(("ngeth1", 0))
me = s.getsockname()[4]
for i in range(int(sys.argv[1])):
	s.send(me + b"\x02\x00" + struct.pack(">I", i) + b"\x88\xb5" + bytes(46))' $N
h=$(hosts)
if [ "$h" -ge $((N * 9 / 10)) ]; then
	ok "the bridge learned $h hosts in the kernel"
else
	fail "the bridge learned $h hosts (want most of $N)"
fi

between_looks
c0=$(cpu_ms)
sleep 10
c1=$(cpu_ms)
if [ $((c1 - c0)) -le $CPU_MAX ]; then
	ok "idle 10 s with $h hosts: ngd's CPU $((c1 - c0)) ms (at most $CPU_MAX)"
else
	fail "idle 10 s with $h hosts: ngd's CPU $((c1 - c0)) ms (want at most $CPU_MAX: the hosts map read, or the table walked, while nothing happens?)"
fi
timeout 10 strace -f -c -e trace=bpf -p "$NGD_PID" -o "$tmp/st" 2>/dev/null
n=$(awk '$NF == "bpf" { print $4 }' "$tmp/st")
if [ "${n:-0}" -le $BPF_MAX ]; then
	ok "idle 10 s: ${n:-0} bpf() calls (at most $BPF_MAX)"
else
	fail "idle 10 s: $n bpf() calls (want at most $BPF_MAX)"
fi
expect "the hosts are still there" "$h" "$(hosts)"
finish
