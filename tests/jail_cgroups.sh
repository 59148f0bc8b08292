# Sourced by the IP-alias jail tests (jail_ipalias, jail_ipalias_owner,
# jail_escape, jail_ipalias_view, jail_abstract, jail_runstate,
# jail_bind_dev, intrude4_mark, intrude5_*): every
# jail of this run removed, and the cgroups of a jail(8) that died half
# way killed and removed with them; and the host's wire to a peer (and
# to a bypass, with UDP listeners on both).
jail_run=$(stat -c 'r-%D-%i' /run/jail 2>/dev/null)
jails_gone() {
	jail -q -r "*" >/dev/null 2>&1
	for cg in /sys/fs/cgroup/ngjail/"$jail_run"/* /sys/fs/cgroup/ngjail/"$jail_run"; do
		[ -d "$cg" ] || continue
		echo 1 >"$cg/cgroup.kill" 2>/dev/null
		for _ in $(seq 100); do rmdir "$cg" 2>/dev/null && break; sleep 0.02; done
	done
	rmdir /sys/fs/cgroup/ngjail 2>/dev/null
}

# peer_wire: the host's h0 (198.51.100.1/24, up) and its peer p0 in a
# namespace "peer" (down, no address: the test's to set)
peer_wire() {
	ip netns add peer
	ip link add h0 type veth peer name p0
	ip link set p0 netns peer
	ip addr add 198.51.100.1/24 dev h0
	ip link set h0 up
}

# peer_up: peer_wire's, with the peer p0 198.51.100.99/24 and its lo up
peer_up() {
	peer_wire
	in_ns peer ip link set lo up
	in_ns peer ip addr add 198.51.100.99/24 dev p0
	in_ns peer ip link set p0 up
}

# jail_test_env: the test's end set (an EXIT trap: its jobs killed,
# every jail gone, the namespaces peer and bypass, h1 and $tmp removed),
# and $tmp open to the jails' processes
jail_test_env() {
	trap 'kill $(jobs -p) 2>/dev/null
		jails_gone
		ip netns del peer 2>/dev/null
		ip netns del bypass 2>/dev/null
		ip link del h1 2>/dev/null
		rm -rf "$tmp"' EXIT
	chmod 755 "$tmp"
}

# bypass_wire: two ways out of the host to 203.0.113.9, neither routed
# here (the test's to choose): peer_wire's peer (p0 198.51.100.99/24)
# and a namespace "bypass" (q0 198.18.7.99/24 behind the host's h1
# 198.18.7.1/24, taking any source: no rp_filter, a route back to
# 198.51.100.0/24).  Each listens on 203.0.113.9:7777 (UDP), a job of
# the test's, and writes a line a datagram, "WORD SOURCE", into
# $tmp/peer.got or $tmp/bypass.got; back once both listen (30 s at most).
bypass_wire() {
	peer_up
	in_ns peer ip addr add 203.0.113.9/24 dev p0
	ip netns add bypass
	ip link add h1 type veth peer name q0
	ip link set q0 netns bypass
	ip addr add 198.18.7.1/24 dev h1
	ip link set h1 up
	in_ns bypass ip link set lo up
	in_ns bypass sysctl -qw net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0
	in_ns bypass ip addr add 198.18.7.99/24 dev q0
	in_ns bypass ip addr add 203.0.113.9/24 dev q0
	in_ns bypass ip link set q0 up
	in_ns bypass sysctl -qw net.ipv4.conf.q0.rp_filter=0
	in_ns bypass ip route add 198.51.100.0/24 via 198.18.7.1
	cat >"$tmp/listen.py" <<'PY'
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("203.0.113.9", 7777))
print("listening", flush=True)
while True:
    d, a = s.recvfrom(2048)
    print(d.decode(), a[0], flush=True)
PY
	for ns in peer bypass; do
		in_ns $ns python3 "$tmp/listen.py" >"$tmp/$ns.got" 2>&1 &
	done
	for _ in $(seq 1500); do
		[ "$(cat "$tmp"/peer.got "$tmp"/bypass.got | grep -c listening)" = 2 ] && return 0
		sleep 0.02
	done
	return 1
}
# gotten FILE WORD: how many datagrams WORD are in $tmp/FILE.got (peer,
# bypass: bypass_wire's), once marker has seen a later one in
gotten() { grep -c "^$2 " "$tmp/$1.got"; }
# marker N [ADDR [FILE]]: a plain UDP send of "markerN" to ADDR:7777
# (203.0.113.9; IPv6 if ADDR has a colon), again each second until it is
# in $tmp/FILE.got (peer.got) (30 s at most): the datagrams before it
# have had their time
marker() {
	local n=$1 addr=${2:-203.0.113.9} file=${3:-peer} fam=2
	[[ $addr == *:* ]] && fam=10
	for _ in $(seq 30); do
		python3 -c 'import socket, sys
socket.socket(int(sys.argv[1]), 2).sendto(b"marker" + sys.argv[2].encode(), (sys.argv[3], 7777))' \
		    "$fam" "$n" "$addr"
		for _ in $(seq 50); do
			grep -q "^marker$n " "$tmp/$file.got" && return 0
			sleep 0.02
		done
	done
	return 1
}
