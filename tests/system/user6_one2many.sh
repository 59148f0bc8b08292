#!/usr/bin/env bash
# ng_one2many(4)'s bonding example, run as the page writes it: an
# interface (web0, in namespace web) bonded to two uplinks, eth0 and
# eth1 (veths whose far ends are ports of one Linux bridge in namespace
# sw, with a peer at 198.51.100.2 on a third port), failAlg=2.  Pings
# leave by eth0; when eth0's carrier goes (its far end set down), its
# ether node says so, getconfig shows "enabledLinks=[ 1=1 ]" as the page
# says, and pings leave by eth1; when the carrier comes back, by eth0
# again.  Counters tell which link carried them.
source "$(dirname "$0")/../lib.sh"
start_ngd || finish
trap 'for n in web sw p; do ip netns del $n 2>/dev/null; done; ip link del eth0 2>/dev/null; ip link del eth1 2>/dev/null; rm -rf "$tmp"; stop_ngd' EXIT

ip netns add sw
ip netns add p
ip netns add web
ip -n sw link add brx type bridge
for i in 0 1; do
	ip link add eth$i type veth peer s$i netns sw
	ip -n sw link set s$i master brx
	ip -n sw link set s$i up
	ip link set eth$i up
done
ip link add pp netns p type veth peer s2 netns sw
ip -n sw link set s2 master brx
ip -n sw link set s2 up
ip -n sw link set brx up
ip -n p link set pp up
ip -n p addr add 198.51.100.2/24 dev pp
ngctl mkpeer eiface ether ether
ngctl name ngeth0: web0
ngctl msg web0: vnet '"web"'
in_ns web sysctl -qw net.ipv6.conf.web0.disable_ipv6=1 # no frames but the pings and ARP
ip -n web link set web0 up
ip -n web addr add 198.51.100.1/24 dev web0

# the page's example: its "# ngctl" lines that name web0: or bond
sed -n '/^\.Sh EXAMPLES/,/^\.Sh /p' "$top/man/ng_one2many.4" |
    sed -n -E 's/^# (ngctl .*(web0:|bond).*)$/\1/p' >"$tmp/example"
expect "the page has the bonding example (5 ngctl lines)" 5 "$(wc -l <"$tmp/example")"
while IFS= read -r cmd; do
	expect_rc "$cmd" 0 bash -c "$cmd"
done <"$tmp/example"

# xmit LINK: frames the node sent out of many<LINK>
xmit() {
	ngctl msg bond: getstats "$1" | sed -n 's/.*xmitPackets=\([0-9]*\).*/\1/p' |
	    grep . || echo 0
}
# enabled: getconfig's enabledLinks
enabled() { ngctl msg bond: getconfig | sed -n 's/.*\(enabledLinks=\[[^]]*\]\).*/\1/p'; }
# until_enabled WANT: poll getconfig (30 s at most) until it shows WANT
until_enabled() {
	for _ in $(seq 300); do
		[ "$(enabled)" = "$1" ] && return 0
		sleep 0.1
	done
	return 1
}
pinged() { in_ns web ping -c 3 -i 0.2 -W 5 -q 198.51.100.2 >/dev/null; }
# pings_by USED IDLE PINGED BY: web0 pings the peer (a test named
# PINGED), by many<USED> and none more by many<IDLE> (a test named BY)
pings_by() {
	local used idle
	used=$(xmit "$1") idle=$(xmit "$2")
	expect_rc "$3" 0 pinged
	expect "$4" "1 $idle" \
	    "$([ "$(xmit "$1")" -gt "$used" ] && echo 1) $(xmit "$2")"
}

expect_rc "web0 pings the peer through the bond" 0 pinged
x0=$(xmit 0) x1=$(xmit 1)
expect "by eth0 (many0), not eth1" "1 0" "$([ "$x0" -gt 0 ] && echo 1) $x1"

# (counters read once the node knows: a frame sent before may have
# taken either link)
ip -n sw link set s0 down # eth0 loses its carrier
expect_rc "eth0's carrier gone: getconfig shows enabledLinks=[ 1=1 ]" 0 \
    until_enabled "enabledLinks=[ 1=1 ]"
pings_by 1 0 "web0 still pings the peer" \
    "now by eth1 (many1), none more by eth0"

ip -n sw link set s0 up
expect_rc "eth0's carrier back: both links enabled again" 0 \
    until_enabled "enabledLinks=[ 1 1 ]"
pings_by 0 1 "web0 pings the peer" "by eth0 again, none more by eth1"
finish
