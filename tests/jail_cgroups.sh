# Sourced by the IP-alias jail tests (jail_ipalias, jail_ipalias_owner,
# jail_escape, jail_ipalias_view, jail_abstract, jail_runstate,
# jail_bind_dev): every
# jail of this run removed, and the cgroups of a jail(8) that died half
# way killed and removed with them; and the host's wire to a peer.
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
