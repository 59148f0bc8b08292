#!/usr/bin/env bash
# System test: two iface nodes joined inet to inet and inet6 to inet6
# make a point-to-point IP link between two namespaces (spec §9.3).
#
#   ns a: ng0 (198.18.22.1 peer .2) inet/inet6 == inet/inet6 ng1 (198.18.22.2 peer .1) :ns b
source "$(dirname "$0")/../lib.sh"
start_ngd || finish
trap 'ip netns del a 2>/dev/null; ip netns del b 2>/dev/null; rm -rf "$tmp"; stop_ngd' EXIT

expect_rc "iface ng0" 0 ngctl mkpeer iface inet inet
expect_rc "iface ng1 on ng0's inet" 0 ngctl mkpeer ng0: iface inet inet
expect_rc "inet6 too" 0 ngctl connect ng0: ng1: inet6 inet6
expect_rc "interfaces ng0 and ng1" 0 quiet ip link show ng1
expect "named after them" "ng0 ng1" \
    "$(ngctl list | awk '$4 == "iface" { print $2 }' | sort | xargs)"

ip netns add a
ip netns add b
ip link set ng0 netns a
ip link set ng1 netns b
# (up first: an IPv6 peer route is made only on a running interface)
ip -n a link set ng0 up
ip -n b link set ng1 up
ip -n a addr add 198.18.22.1 peer 198.18.22.2 dev ng0
ip -n b addr add 198.18.22.2 peer 198.18.22.1 dev ng1
ip -n a addr add 2001:db8:22::1 peer 2001:db8:22::2 dev ng0 nodad
ip -n b addr add 2001:db8:22::2 peer 2001:db8:22::1 dev ng1 nodad

expect_rc "ping a -> b over IPv4" 0 in_ns a ping -c 3 -i 0.2 -W 2 -q 198.18.22.2
expect_rc "ping b -> a over IPv6" 0 in_ns b ping -6 -c 3 -i 0.2 -W 2 -q 2001:db8:22::1
expect_rc "the nodes stay in the host's graph" 0 ngctl show ng0:

head -c 2000000 /dev/urandom >$tmp/send
in_ns b timeout 10 nc -l -p 5001 >$tmp/recv &
nc_pid=$!
sleep 0.3
in_ns a timeout 10 nc -q 1 198.18.22.2 5001 <$tmp/send
wait $nc_pid
expect "2 MB over TCP arrive intact" "$(md5sum <$tmp/send)" "$(md5sum <$tmp/recv)"

# Names follow each other, wherever the interface lives.
expect_rc "name ng0: wan0" 0 ngctl name ng0: wan0
expect_rc "interface renamed in ns a" 0 quiet ip -n a link show wan0
expect_rc "still carries pings" 0 in_ns a ping -c 1 -W 2 -q 198.18.22.2
expect_rc "shutdown ng1" 0 ngctl shutdown ng1:
expect_rc "its interface is gone from ns b" 1 quiet ip -n b link show ng1
finish
