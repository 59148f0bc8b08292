# Sourced by the IP-alias jail tests (jail_ipalias, jail_ipalias_owner,
# jail_escape): every jail of this run removed, and the cgroups of a
# jail(8) that died half way killed and removed with them.
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
