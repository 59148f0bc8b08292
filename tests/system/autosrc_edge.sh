#!/usr/bin/env bash
# timeout: 120
# setautosrc on an ether node joined straight to an eiface (issue 18;
# fastpath_ether_edge.sh for the edge itself): with autosrc on, lower's
# frames take ngd's path (the node writes em0's MAC into them), off they
# cross in the kernel; the first pings after each edit's reply are all
# answered.  em0's wire w0 is in ns wire:
#
#   ja --ether:lower-- em0 ==== w0 (ns wire)
#
# ngd takes em0 to be running while it is up with carrier, as the kernel
# does to send, not by its operational state: the kernel's link watch
# sets that later, in a worker that waits for the RTNL lock (seconds on a
# loaded machine), and never to "up" while the link is dormant.  Taken
# by the operational state, lower refused the frames the graph wrote in
# that time (ENETDOWN): ja's first pings through ngd went nowhere, in
# bursts of runs, though the kernel path had carried them.  Here em0 is
# in dormant link mode first (its operational state stays "dormant": the
# kernel sends all the same), then set down and up and pinged through
# ngd at once, ten times, and put through 20 edit cycles.
source "$(dirname "$0")/../lib.sh"
NGD_LOG=$tmp/ngd.log
NS="wire ja"
em0_trap

# ja's pings to the wire answered of 5 sent at once: lost ones never come;
# 3 s for the last (pings' 1 s is short where ngd's loop waits seconds
# for the RTNL lock on a loaded machine)
pingw() {
	ip netns exec ja ping -c 5 -l 5 -W 3 198.18.30.2 2>/dev/null |
	    sed -nE 's/.* ([0-9]+) received.*/\1/p'
}
operstate() { cat /sys/class/net/em0/operstate; }
# until em0's operational state is $1 (the link watch has run; 20 s at most)
wait_oper() {
	for _ in $(seq 1000); do [ "$(operstate)" = "$1" ] && return; sleep 0.02; done
}
# w0's queue made current (ETHTOOL_GLINK runs its link watch work): the
# end brought up first, or whose peer came back, drops what it sends
# until then (it answers ja's pings)
wire_ready() { ip netns exec wire ethtool w0 >/dev/null 2>&1; }
# cycle: pings right after setautosrc 1, then right after setautosrc 0:
# "ON OFF TAPS_ON TAPS_OFF", the pings answered and what em0's TAPs
# carried after each
cycle() {
	local t0 t1 t2 a b
	ngctl msg em0: setautosrc 1
	t0=$(ether_taps)
	a=$(pingw)
	t1=$(ether_taps)
	ngctl msg em0: setautosrc 0
	b=$(pingw)
	t2=$(ether_taps)
	echo "${a:-0} ${b:-0} $((t1 - t0)) $((t2 - t1))"
}

quiet_netns $NS
# wire_veth's, with em0 in dormant link mode before it is up
ip link add em0 type veth peer name w0 netns wire
ip link set em0 mode dormant
ip -n wire addr add 198.18.30.2/24 dev w0
ip -n wire link set w0 up
no_probes wire w0 # (no ARP of w0's among the frames counted)
sysctl -qw net.ipv6.conf.em0.disable_ipv6=1
ip link set em0 up
wait_oper dormant
expect "em0 up in dormant mode: its operational state stays dormant" dormant "$(operstate)"
wire_ready

NGD_FASTPATH=1 start_ngd || finish
edge_ja || fail "ja on em0's lower"
no_probes ja ja

expect "direct edge: one uplink (em0's lower) into the data plane" 1 "$(nup)"
t0=$(ether_taps)
expect "dormant em0, kernel path: ja pings the wire" 5 "$(pingw)"
expect "... none through em0's TAPs" 0 $(($(ether_taps) - t0))

# --- dormant: the kernel sends, and so does ngd ----------------------------
ngctl msg em0: setautosrc 1
t0=$(ether_taps)
expect "dormant em0, autosrc on: ja's first pings after the reply" 5 \
    "$(pingw)"
[ $(($(ether_taps) - t0)) -ge 5 ] && ok "... through ngd (em0's TAPs $(($(ether_taps) - t0)))" ||
    fail "... em0's TAPs carried $(($(ether_taps) - t0))"
expect "dormant em0: lower refused nothing" 0 "$(hs em0: lower recvDrops)"

# --- set up, then through ngd at once ----------------------------------------
# The up's event says up and carrier; the link watch's, later, says
# dormant (and "up" below, in default mode).  A request to ngd after the
# up: it has read the up's event.
bad=
for i in 1 2 3 4 5 6 7 8 9 10; do
	[ $i = 6 ] && ip link set em0 mode default
	ip link set em0 down
	ip link set em0 up
	wire_ready
	ngctl msg em0: getautosrc >/dev/null
	n=$(pingw)
	[ "$n" = 5 ] || bad="$bad #$i:${n:-0}($(operstate))"
done
[ -z "$bad" ] && ok "em0 set down and up, ja pings through ngd at once: 10 of 10 rounds answered all 5" ||
    fail "em0 set down and up, ja pings through ngd at once: rounds with pings lost:$bad"
expect "... lower refused nothing" 0 "$(hs em0: lower recvDrops)"
wait_oper up
expect "em0 in default mode: its operational state comes up" up "$(operstate)"

# --- edit cycles ---------------------------------------------------------------
ngctl msg em0: setautosrc 0
bad=
for i in $(seq 20); do
	r=$(cycle)
	set -- $r
	[ "$1 $2" = "5 5" ] && [ "$3" -ge 5 ] && [ "$4" = 0 ] ||
	    bad="$bad #$i:($r)"
done
[ -z "$bad" ] && ok "20 cycles of setautosrc 1 / 0: the first 5 pings after each reply answered, through ngd and in the kernel" ||
    fail "20 cycles of setautosrc 1 / 0 (pings on, off, em0's TAPs on, off):$bad"
expect "autosrc off at the end: one uplink" 1 "$(nup)"
expect "... lower refused nothing" 0 "$(hs em0: lower recvDrops)"

finish
