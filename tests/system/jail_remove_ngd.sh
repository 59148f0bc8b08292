#!/usr/bin/env bash
# jail -r of vnet jails whose graph an ngd serves from outside (ngctl -j
# starts it in the jail's network namespace, where it has a data plane
# of its own: a namespace bound under /run/netgraph/COOKIE, pins under
# /sys/fs/bpf/netgraph/COOKIE, a journal).  jail -r ends the processes
# in the jail's network; it killed that ngd (SIGKILL), which left all
# of it behind for good (the namespace it served never comes back, and
# ngd sweeps other graphs' leftovers only when one starts): a network
# namespace and the BPF maps per jail removed.  Now it asks first
# (SIGTERM), and ngd's clean stop takes it all away.  One jail alone,
# then two at once (jail -r of several takes another path).
source "$(dirname "$0")/../lib.sh"
export NGCTL_NO_AUTOSTART=
trap 'jail -q -r w1 w2 w3 2>/dev/null; rm -rf "$tmp"' EXIT

# left: how many ngd data planes (pins, directories under /run/netgraph,
# namespaces bound there) and ngds there are
left() {
	echo "pins $(ls /sys/fs/bpf/netgraph 2>/dev/null | wc -l)" \
	    "run $(ls /run/netgraph 2>/dev/null | wc -l)" \
	    "mounts $(grep -c ' /run/netgraph/' /proc/self/mountinfo)" \
	    "ngd $(pgrep -xc ngd)"
}
expect "none to begin with" "pins 0 run 0 mounts 0 ngd 0" "$(left)"
for w in w1 w2 w3; do
	jail -q -c name=$w vnet persist
	ngctl -j $w mkpeer eiface ether ether
	ngctl -j $w mkpeer ngeth0: hub ether x
done
expect "three jails, each with an ngd and a data plane" \
    "pins 3 run 3 mounts 3 ngd 3" "$(left)"
jail -r w1 >/dev/null
expect "jail -r w1: its ngd stopped, nothing of it left" \
    "pins 2 run 2 mounts 2 ngd 2" "$(left)"
jail -r w2 w3 >/dev/null
expect "jail -r w2 w3: nothing left" "pins 0 run 0 mounts 0 ngd 0" "$(left)"
finish
