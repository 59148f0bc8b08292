#!/usr/bin/env bash
# timeout: 60
# A vlan node's filter on a bridge, its trunk an ether node's hook (an
# uplink; fastpath_vlan_filter.sh has an eiface's): em0's lower is VA's
# trunk, em0's wire and VB's trunk tb meet on a Linux bridge in ns wire.
#
#   a10 --ether-- v10 [VB] downstream --ether-- tb ==br0== w0 ~~ em0 --lower-- downstream [VA] v10 --link0-- [BR] --link1-- b10
#
# Pings answered, 1,000 pinged pairs through the uplink with none through
# ngd's slow TAP or em0's TAP channels, the counters of VA's filter hook
# and of BR's link; the same pings answered with NGD_FASTPATH=0.
source "$(dirname "$0")/../lib.sh"
NGD_LOG=$tmp/ngd.log
NS="wire a10 b10"
em0_trap


for n in $NS; do
	ip netns add $n
	ip netns exec $n sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
	    net.ipv6.conf.default.disable_ipv6=1
done
ip -n wire link add br0 type bridge
ip -n wire link set br0 up
ip link add em0 type veth peer name w0 netns wire
ip -n wire link set w0 master br0
ip -n wire link set w0 up
sysctl -qw net.ipv6.conf.em0.disable_ipv6=1
ip link set em0 up

build() {
	for i in 0 1 2; do ngctl mkpeer eiface ether ether; done
	ngctl -f - <<'END'
name ngeth0: tb
name ngeth1: a10
name ngeth2: b10
mkpeer em0: vlan lower downstream
name em0:lower VA
mkpeer VA: bridge v10 link0
name VA:v10 BR
msg VA: addfilter { hook="v10" vid=10 pcp=3 }
connect BR: b10: link1 ether
mkpeer tb: vlan ether downstream
name tb:ether VB
connect VB: a10: v10 ether
msg VB: addfilter { hook="v10" vid=10 }
END
	ngctl msg tb: vnet '"wire"'
	ip -n wire link set tb master br0
	ip -n wire link set tb up
	for n in a10 b10; do
		ngctl msg $n: vnet "\"$n\""
		ip -n $n link set $n up
	done
	ip -n a10 addr add 198.18.10.1/24 dev a10 2>/dev/null
	ip -n b10 addr add 198.18.10.2/24 dev b10 2>/dev/null
	# ARP and em0's programs settled (a loaded machine loses the first)
	ip netns exec a10 ping -c 3 -i 0.2 -W 1 198.18.10.2 >/dev/null 2>&1
}

NGD_FASTPATH=1 start_ngd || finish
build
expect "a10 -> b10 across VB, em0's lower, VA's v10 and BR: pings answered" 10 "$(pings a10 198.18.10.2 10)"
ngctl msg VA: clrhookstats '{ }'
ngctl msg BR: clrhookstats '{ }'
kernel "a filter on a bridge, its trunk em0's lower" a10 198.18.10.2
vx=$(hs VA: v10 xmitFrames) bx=$(hs BR: link0 xmitFrames)
between "$vx" 1000 1004 && between "$bx" 1000 1004 &&
    ok "... counted: VA's v10 out $vx, BR's link0 out $bx" ||
    fail "... counted: VA's v10 out $vx, BR's link0 out $bx"
stop_ngd
for n in a10 b10; do ip netns del $n; done
ip netns add a10 && ip netns add b10
NGD_FASTPATH=0 start_ngd || finish
build
expect "NGD_FASTPATH=0: pings answered" 10 "$(pings a10 198.18.10.2 10)"
finish
