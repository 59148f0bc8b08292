#!/usr/bin/env bash
# ng_iface(4) as a user reads it: its EXAMPLES block (two iface nodes
# joined inet to inet and inet6 to inet6, one interface in each of two
# namespaces) carries pings both ways, IPv4 and IPv6, and the MTU range
# the page gives is the one the kernel takes: the bounds are taken, one
# past either is refused, and at the top of the range a 60000-byte ping
# crosses whole (no fragments: -M do).
source "$(dirname "$0")/../lib.sh"
start_ngd || finish
trap 'ip netns del a 2>/dev/null; ip netns del b 2>/dev/null; rm -rf "$tmp"; stop_ngd' EXIT

# The page's EXAMPLES, as written.
ngctl mkpeer iface inet inet
ngctl mkpeer ng0: iface inet inet
ngctl connect ng0: ng1: inet6 inet6
ip netns add a
ip netns add b
ip link set ng0 netns a
ip link set ng1 netns b
ip -n a link set ng0 up
ip -n b link set ng1 up
ip -n a addr add 198.51.100.1 peer 198.51.100.2 dev ng0
ip -n b addr add 198.51.100.2 peer 198.51.100.1 dev ng1
ip -n a addr add 2001:db8::1 peer 2001:db8::2 dev ng0 nodad
ip -n b addr add 2001:db8::2 peer 2001:db8::1 dev ng1 nodad

expect_rc "ping a -> b over inet" 0 in_ns a ping -c 2 -i 0.2 -W 5 -q 198.51.100.2
expect_rc "ping b -> a over inet" 0 in_ns b ping -c 2 -i 0.2 -W 5 -q 198.51.100.1
expect_rc "ping a -> b over inet6" 0 in_ns a ping -6 -c 2 -i 0.2 -W 5 -q 2001:db8::2

# The range the page states for "Set it with ip-link(8), from L to H".
range=$(groff -mandoc -Tutf8 man/ng_iface.4 2>/dev/null | col -b | tr -s ' \n' '  ' |
    sed -n 's/.*Set it with ip-link(8), from \([0-9]*\) to \([0-9]*\).*/\1 \2/p')
read -r lo hi <<<"$range"
expect "ng_iface(4) gives the MTU range" 1 "$([ -n "$lo" ] && [ -n "$hi" ] && echo 1)"
if [ -n "$lo" ] && [ -n "$hi" ]; then
	expect_rc "ip link takes the page's lowest MTU ($lo)" 0 \
	    ip -n a link set ng0 mtu "$lo"
	expect_rc "ip link refuses one below it ($((lo - 1)))" 2 \
	    ip -n a link set ng0 mtu $((lo - 1))
	expect_rc "ip link takes the page's highest MTU ($hi)" 0 \
	    ip -n a link set ng0 mtu "$hi"
	expect_rc "ip link refuses one above it ($((hi + 1)))" 2 \
	    ip -n a link set ng0 mtu $((hi + 1))
	ip -n b link set ng1 mtu "$hi"
	expect_rc "a 60000-byte ping crosses whole at MTU $hi" 0 \
	    in_ns a ping -c 2 -i 0.2 -W 5 -q -M do -s 60000 198.51.100.2
fi
finish
