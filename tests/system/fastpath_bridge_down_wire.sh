#!/usr/bin/env bash
# timeout: 120
# A bridge's unicast to a port whose interface is down, and an ether
# node's wire port, which is down only while its interface cannot send.
#
# 1. Unicast to a host on a down eiface (ng_bridge.4): the bridge sends
#    it to that link alone, FreeBSD's ng_eiface refuses it (ENETDOWN)
#    and ng_bridge counts out only what a link took, so getstats counts
#    none out of that link; the receiving link counts it in.
#
#        ua (ngeth0) --link0-- ubr --link1-- ub (ngeth1)   ngeth1 down
#
#    ua pings ub (ub's MAC learned, ua's neighbour entry kept), ngeth1
#    goes down, ua pings again: nothing arrives, link1's xmitPackets stay
#    put, link0's recvPackets grow.  The kernel bridge (NGD_FASTPATH=1)
#    and the TAP model (=0) alike.
#
# 2. An ether node's wire port (lower) on a kernel bridge, as jng bridge
#    makes it, built while em0 has no carrier (its wire peer is down):
#
#        jl (ngeth0) --link2-- br0 --link0-- em0:lower (the wire, the LAN)
#                                  --link1-- em0:upper (the host)
#
#    The jail reaches nothing on the LAN while em0 cannot send; once the
#    LAN's end is up the jail and the LAN ping each other both ways, and
#    again after a second down and up.  The wire port is no eiface: its
#    "down" is em0's (ng_ether refuses lower's frames while em0 is not
#    running), and must follow em0 back up in every map that holds it
#    (fastpath_bridge.c: the member entry, and the slot's
#    NG_FAST_BPF_BR_DOWN that a host's unicast reads).
source "$(dirname "$0")/../lib.sh"
export NGD_LOG=$tmp/ngd.log
NS="ua ub jl lan"
cleanup() {
	stop_ngd
	for n in $NS; do ip netns del "$n" 2>/dev/null; done
	ip link del em0 2>/dev/null
}
trap 'cleanup; rm -rf "$tmp"' EXIT

# field NODE LINK NAME: a counter of NODE's getstats LINK (0: not shown)
field() {
	ngctl msg "$1": getstats "$2" | sed -nE "s/.*[ {]$3=([0-9]+).*/\\1/p" |
	    grep . || echo 0
}
# operstate NS IF: IF's operstate in NS ("": here)
operstate() {
	if [ -n "$1" ]; then
		ip netns exec "$1" cat "/sys/class/net/$2/operstate"
	else
		cat "/sys/class/net/$2/operstate"
	fi 2>/dev/null
}
# until_down NS IF: until IF's operstate is down (10 s at most), then a
# request, so that ngd has read the news that came before it
until_down() {
	for _ in $(seq 500); do
		[ "$(operstate "$1" "$2")" = down ] && break
		sleep 0.02
	done
	ngctl list >/dev/null 2>&1
}
# reach NS ADDR: until one ping of NS reaches ADDR (20 s at most); then
# how many of five more are answered
reach() {
	for _ in $(seq 20); do
		[ "$(pings "$1" "$2" 1)" = 1 ] && break
	done
	pings "$1" "$2" 5
}

unicast() {
	local m=$1 x1 r0
	start_ngd
	bridge_two_eifaces
	ngctl name br0: ubr
	quiet_netns ua ub
	ngctl msg ngeth0: vnet '"ua"'
	ngctl msg ngeth1: vnet '"ub"'
	no_probes ua ngeth0
	no_probes ub ngeth1
	ip -n ua addr add 198.18.21.1/24 dev ngeth0
	ip -n ub addr add 198.18.21.2/24 dev ngeth1
	ip -n ua link set ngeth0 up
	ip -n ub link set ngeth1 up
	link_up ua ngeth0
	link_up ub ngeth1
	expect "$m: ua pings ub" 5 "$(reach ua 198.18.21.2)"

	ip -n ub link set ngeth1 down
	until_down ub ngeth1
	x1=$(field ubr 1 xmitPackets) r0=$(field ubr 0 recvPackets)
	expect "$m: ngeth1 down: ua's pings reach nothing" 0 \
	    "$(pings ua 198.18.21.2 5)"
	expect "$m: ngeth1 down: getstats counts none out of link1" "$x1" \
	    "$(field ubr 1 xmitPackets)"
	[ "$(field ubr 0 recvPackets)" -ge $((r0 + 5)) ] &&
	    ok "$m: ngeth1 down: link0 counts ua's frames in" ||
	    fail "$m: ngeth1 down: link0 counted $(($(field ubr 0 recvPackets) - r0)) in, not 5"

	ip -n ub link set ngeth1 up
	link_up ub ngeth1
	expect "$m: ngeth1 up again: ua pings ub" 5 "$(reach ua 198.18.21.2)"
	cleanup
}

wire() {
	local m=$1
	quiet_netns jl lan
	ip -n lan link set lo up
	# em0 up without a carrier: its wire peer lan0 stays down for now
	ip link add em0 type veth peer name lan0 netns lan
	ip -n lan addr add 198.18.20.2/24 dev lan0
	sysctl -qw net.ipv6.conf.em0.disable_ipv6=1
	ip addr add 198.18.20.1/24 dev em0
	ip link set em0 up
	start_ngd
	ngctl mkpeer eiface ether ether
	ngctl msg ngeth0: vnet '"jl"'
	no_probes jl ngeth0
	ip -n jl addr add 198.18.20.10/24 dev ngeth0
	ip -n jl link set ngeth0 up
	ngctl -f - <<'EOS'
msg em0: setpromisc 1
msg em0: setautosrc 0
mkpeer em0: bridge lower link0
name em0:lower br0
connect em0: br0: upper link1
connect ngeth0: br0: ether link2
EOS
	link_up jl ngeth0
	uplinks_up
	expect "$m: em0 without a carrier: the jail reaches no LAN" 0 \
	    "$(pings jl 198.18.20.2 2)"
	expect "$m: em0 without a carrier: the jail pings the host (upper)" 5 \
	    "$(reach jl 198.18.20.1)"

	ip -n lan link set lan0 up
	queue_on lan lan0
	here_up em0
	expect "$m: em0 up: the jail pings the LAN" 5 "$(reach jl 198.18.20.2)"
	expect "$m: em0 up: the LAN pings the jail" 5 "$(reach lan 198.18.20.10)"

	ip -n lan link set lan0 down
	until_down "" em0
	expect "$m: em0 down again: the jail reaches no LAN" 0 \
	    "$(pings jl 198.18.20.2 2)"
	ip -n lan link set lan0 up
	queue_on lan lan0
	here_up em0
	expect "$m: em0 up again: the jail pings the LAN" 5 "$(reach jl 198.18.20.2)"
	expect "$m: em0 up again: the LAN pings the jail" 5 "$(reach lan 198.18.20.10)"
	cleanup
}
# here_up IF: until IF here is up (linkwatch has run for it, 10 s at
# most), then a request, so that ngd has read the news before it
here_up() {
	for _ in $(seq 500); do
		[ "$(cat "/sys/class/net/$1/operstate" 2>/dev/null)" = up ] && break
		sleep 0.02
	done
	ngctl list >/dev/null 2>&1
}

NGD_FASTPATH=1 unicast fast
NGD_FASTPATH=0 unicast tap
NGD_FASTPATH=1 wire fast
NGD_FASTPATH=0 wire tap
finish
