#!/usr/bin/env bash
# A real engine on the CNI plugin: Podman (CNI backend, runc) runs two
# containers from a busybox directory on network "lab" (type netgraph);
# they ping each other across the bridge node, and `podman rm` leaves no
# node, interface, record or reserved address.  Podman's state is all in
# this sandbox: its storage in $tmp, tmpfs over the places it writes
# besides (/var/lib/cni, /var/lib/containers, /run/containers, ...), and
# its cgroups in a cgroup namespace, removed on exit.
[ "${NG_CGROUPNS:-}" = 1 ] || exec unshare --cgroup env NG_CGROUPNS=1 "$0" "$@"
source "$(dirname "$0")/../lib.sh"
for t in podman runc busybox /usr/lib/cni/host-local; do
	command -v "$t" >/dev/null || { fail "$t missing (scripts/deps installs it)"; exit 1; }
done

# (/run/netgraph-cni: the plugin's records where it looks with no
# NETGRAPH_CNI_STATE, as it does when conmon's "podman container cleanup"
# runs the DEL with an environment of its own: with the records in $tmp
# that DEL found none, left nodes, interface and records behind and
# made the host's /run/netgraph-cni; 5 of 6 runs at load 8-12, where
# the cleanup won the race with podman rm)
for d in /var/lib/cni /var/lib/containers /run/containers /run/libpod \
    /etc/cni/net.d /etc/containers/networks /run/netgraph-cni; do
	mkdir -p "$d" && mount -t tmpfs tmpfs "$d"
done
# The sandbox's fresh /sys has no cgroups: this machine's hybrid layout
# again, rooted at our cgroup namespace.
mount -t tmpfs -o mode=755 cgroup /sys/fs/cgroup
for c in cpu cpuacct cpuset memory devices freezer blkio pids; do
	mkdir /sys/fs/cgroup/$c && mount -t cgroup -o $c cgroup /sys/fs/cgroup/$c
done
mkdir /sys/fs/cgroup/systemd /sys/fs/cgroup/unified
mount -t cgroup -o none,name=systemd cgroup /sys/fs/cgroup/systemd
mount -t cgroup2 cgroup /sys/fs/cgroup/unified

P="podman --root $tmp/root --runroot $tmp/runroot --tmpdir $tmp/ptmp"
cleanup() {
	local d p n
	$P rm -f -a -t 0 >/dev/null 2>&1
	# Whatever podman left in its cgroups (conmon lingers a moment) goes,
	# then the cgroups.
	for n in $(seq 50); do
		p=$(find /sys/fs/cgroup -path '*/libpod_parent*' -name cgroup.procs \
		    -exec cat {} + 2>/dev/null)
		[ -z "$p" ] && break
		kill -9 $p 2>/dev/null
		sleep 0.1
	done
	find /sys/fs/cgroup -depth -type d -path '*/libpod_parent*' -exec rmdir {} \; 2>/dev/null
	d=$(find /sys/fs/cgroup -type d -path '*/libpod_parent*' 2>/dev/null)
	[ -z "$d" ] || echo "FAIL cgroups left: $d"
	rm -rf "$tmp"
}
trap cleanup EXIT

B=$tmp/bb
mkdir -p $B/bin $B/proc $B/sys $B/dev $B/etc $B/tmp $B/run "$tmp/net.d"
cp "$(command -v busybox)" $B/bin/busybox
chroot $B /bin/busybox --install -s /bin
echo '{"cniVersion":"1.0.0","name":"lab","plugins":[{"type":"netgraph","bridge":"labbr","ipam":{"type":"host-local","subnet":"198.18.9.0/24","dataDir":"'"$tmp"'/ipam"}}]}' \
    >"$tmp/net.d/lab.conflist"
cat >"$tmp/containers.conf" <<EOF
[network]
network_backend = "cni"
cni_plugin_dirs = ["$top/build/cni", "/usr/lib/cni"]
network_config_dir = "$tmp/net.d"
[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
EOF
export CONTAINERS_CONF=$tmp/containers.conf
unset NETGRAPH_CNI_STATE
R="--network lab --ulimit nofile=1024:1024 --ulimit nproc=1024:1024 --cap-add NET_RAW"

expect_rc "podman sees network lab (VERSION answered)" 0 quiet $P network inspect lab
expect_rc "run a" 0 quiet timeout 60 $P run -d --name a $R --rootfs $B sleep 600
expect_rc "run b" 0 quiet timeout 60 $P run -d --name b $R --rootfs $B sleep 600
ipa=$($P inspect -f '{{(index .NetworkSettings.Networks "lab").IPAddress}}' a)
ipb=$($P inspect -f '{{(index .NetworkSettings.Networks "lab").IPAddress}}' b)
expect "podman read the addresses from the result" "198.18.9.2 198.18.9.3" "$ipa $ipb"
expect "two eifaces on bridge labbr" "bridge 2
eiface
eiface" "$(ngctl list | awk '$4 == "bridge" { print $4, $NF } $4 == "eiface" { print $4 }' | sort)"
expect_rc "a pings b" 0 quiet timeout 20 $P exec a ping -c 2 -W 2 "$ipb"
expect_rc "b pings a" 0 quiet timeout 20 $P exec b ping -c 2 -W 2 "$ipa"
expect_rc "podman rm a b" 0 quiet timeout 60 $P rm -f -t 0 a b
expect "no node left" "" "$(ngctl list 2>/dev/null | awk '$4 != "socket" && $1 == "Name:"')"
expect "no record left" "" "$(ls /run/netgraph-cni | grep json)"
expect "no reserved address left" "" "$(ls "$tmp/ipam/lab" | grep '^198')"
expect "no interface left" "" "$(ip -o link | grep -v ' lo:')"
exit $NG_FAILED
