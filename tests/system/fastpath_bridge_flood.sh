#!/usr/bin/env bash
# A host flooding source MACs into a bridge that switches in the kernel
# (a jail's eiface, or the LAN through an ether node) fills the
# program's hosts map (2^20) far past what the bridge node takes
# (maxhosts, 65,536); each import then deletes the excess.  One bpf(2)
# call per host stalled ngd's one thread for seconds (1M MACs: one
# getstats took 4-7 s; every other node and client waited); deletions
# go 1,024 to a call now.  Counted: ngd's bpf(2) calls over the flood
# and a getstats, against the 134,464 hosts deleted.  And the program
# no longer learns past the node's room (ng_fast_brroom): the sources
# past it go on unlearned, counted in the port's memoryFailures, as the
# node counts those its full table refuses (FreeBSD's ng_bridge counts a
# host it cannot add there too); before, it learned all 200,000.
source "$(dirname "$0")/../lib.sh"

trap 'kill $(jobs -p) 2>/dev/null; for n in n0 n1; do ip netns del $n 2>/dev/null; done; stop_ngd; rm -rf "$tmp"' EXIT
# the sandbox's sysfs: tracefs anew, for perf's syscall tracepoints
mount -t tracefs none /sys/kernel/tracing
start_ngd
bridge_two_eifaces
for i in 0 1; do
	ip netns add n$i
	ip link set ngeth$i netns n$i
	in_ns n$i ip link set ngeth$i up
	in_ns n$i ip addr add 198.18.3.$((i + 1))/24 dev ngeth$i
done
expect_rc "ping across the bridge" 0 quiet in_ns n0 ping -c 1 -W 2 198.18.3.2

cat >"$tmp/flood.py" <<'EOF2'
import socket, struct, sys
k = int(sys.argv[1])
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind(("ngeth0", 0))
dst, tail = b"\x02\xee\xee\xee\xee\xee", b"\x08\x00" + b"\x00" * 46
for i in range(100000):
    s.send(dst + struct.pack("!HI", 0x0200 | k, i) + tail)
EOF2
cat >"$tmp/run.sh" <<EOF2
ip netns exec n0 python3 $tmp/flood.py 1 & ip netns exec n0 python3 $tmp/flood.py 2
wait
sleep 1.5 # a tick's import
ngctl msg br0: getstats 0 >/dev/null
EOF2
# st FIELD: link0's counter (getstats 0)
st() { ngctl msg br0: getstats 0 | grep -oE " $1=[0-9]+" | cut -d= -f2 | grep . || echo 0; }
rp0=$(st recvPackets) mf0=$(st memoryFailures)
calls=$(perf stat -x, -e syscalls:sys_enter_bpf -p "$NGD_PID" -- \
    bash "$tmp/run.sh" 2>&1 | awk -F, '/sys_enter_bpf/ { print $1 }')
hosts=$(ngctl msg br0: gettable | grep -o 'numHosts=[0-9]*')
expect "the node holds its maxhosts" "numHosts=65536" "$hosts"
rp=$(($(st recvPackets) - rp0)) mf=$(($(st memoryFailures) - mf0))
# (each flood frame a new source, the node knowing 2 before: learned =
# received - refused, give or take a known host's few frames)
learned=$((rp - mf))
if between "$learned" 65400 65600 && [ "$mf" -gt 100000 ]; then
	ok "the program learned $learned hosts, no more than the node takes; $mf sources refused (memoryFailures)"
else
	fail "the program learned $learned hosts (want 65,400 to 65,600), $mf sources refused (memoryFailures, want > 100,000)"
fi
if [ -n "$calls" ] && [ "$calls" -lt 20000 ]; then
	ok "ngd's bpf(2) calls: $calls, not one a host deleted"
else
	fail "ngd's bpf(2) calls: $calls, not one a host deleted (want < 20000)"
fi
expect_rc "the bridge still forwards" 0 quiet in_ns n0 ping -c 1 -W 2 198.18.3.2
kill -0 "$NGD_PID" && ok "ngd is alive" || fail "ngd is alive"
finish
