#!/usr/bin/env bash
# Root in a vnet jail reaches no network namespace but its own.  A
# jail's eiface is a veth whose graph-side end lives in ngd's data plane
# (DESIGN 11), so the jail's namespace has an id for the data plane
# (`link-netnsid` in `ip link`), and from there for every namespace with
# an eiface: the host's, the other jails'.  rtnetlink takes such an id in
# place of a namespace descriptor (IFLA_TARGET_NETNSID) and asks only for
# CAP_NET_ADMIN over the target's user namespace: a jailed root that held
# it over the machine's listed, deleted and made interfaces of the data
# plane, the host and the other jails.  Its network privileges come from
# a user namespace that owns its own stack alone (jail(8), "Jailed
# root"); these checks probe every id it can have, and that it still
# runs its own stack.
source "$(dirname "$0")/../lib.sh"

trap 'jail -q -R "*" 2>/dev/null; stop_ngd; rm -rf "$tmp"' EXIT
probe="python3 $top/tests/system/rtnl_nsid.py"

start_ngd
for i in 0 1 2; do ngctl mkpeer eiface ether ether; done
ngctl connect ngeth0: ngeth1: ether ether
ip link add hv0 type veth peer name hv1 # the machine's own interfaces
jail -c name=a vnet persist vnet.interface=ngeth0
jail -c name=b vnet persist vnet.interface=ngeth1
b_if=$(jexec b cat /sys/class/net/ngeth1/ifindex)

# What jailed root learns: an id for the data plane at once, and through
# its links ids for the host's namespace and jail b's.
jexec a ip link show ngeth0 | grep -q link-netnsid &&
    ok "a's eiface names the data plane by an id" ||
    fail "a's eiface names the data plane by an id"
for id in $(jexec a $probe ids); do
	jexec a $probe dump "$id" >/dev/null 2>&1
done
ids=$(jexec a $probe ids)
expect_rc "the jail's namespace has ids for others" 0 test -n "$ids"

# Each id: nothing listed, deleted or made there.
listed=0 deleted=0 made=0
for id in $ids; do
	names=$(jexec a $probe dump "$id")
	[ "$(echo "$names" | wc -w)" -gt 1 ] && listed=$((listed + 1))
	for n in hv0 ngslow ngdp1 ngdp2 ngdp3 ngeth1 ngeth2; do
		[ "$(jexec a $probe del "$id" "$n")" = ok ] && deleted=$((deleted + 1))
	done
	[ "$(jexec a $probe add "$id" jx$id)" = ok ] && made=$((made + 1))
done
expect "no other namespace's links listed" 0 "$listed"
expect "no interface deleted there" 0 "$deleted"
expect "no interface made there" 0 "$made"
expect_rc "the host's hv0 is still there" 0 ip link show hv0
expect_rc "and its ngeth2" 0 quiet ip link show ngeth2
expect "nothing new on the host" 0 "$(ip -o link show | grep -c " jx")"
expect "jail b's interface is the one it had" "$b_if" \
    "$(jexec b cat /sys/class/net/ngeth1/ifindex 2>&1)"

# The jail's own stack is still its root's: addresses, links, sysctls,
# raw sockets, and the fast path between the two jails.
jexec a ip addr add 198.51.100.1/24 dev ngeth0
jexec b ip addr add 198.51.100.2/24 dev ngeth1
jexec a ip link set ngeth0 mtu 1400 up
jexec b ip link set ngeth1 up
expect "a set its MTU" 1400 "$(jexec a cat /sys/class/net/ngeth0/mtu)"
expect_rc "a writes its own net.ipv4.ip_forward" 0 \
    jexec a sh -c 'echo 1 >/proc/sys/net/ipv4/ip_forward'
expect_rc "a pings b (raw socket, across the direct edge)" 0 \
    quiet jexec a ping -c 2 -i 0.2 -w 3 198.51.100.2
expect_rc "a makes a veth pair of its own" 0 \
    jexec a ip link add in0 type veth peer name in1
finish
