#!/usr/bin/env bash
# The first frames after an eiface comes up arrive, as FreeBSD forwards
# them at once: ngeth0 (in namespace la) and ngeth1 (in lb, up) are a
# bridge's ports.  The first broadcast frame sent the moment ngeth0 is
# set up (one process sets it up and sends, a frame a millisecond)
# reaches ngeth1; ngeth1's broadcast answer to it reaches ngeth0 (a
# DHCP offer to a discover) in the TAP model.  The moment a connect has
# given ngeth0 (up, its hook cut) its carrier back, the first frame
# either way arrives: ngd ran the kernel's link watch for both ends
# before its reply.  No other wait comes between the event and the
# frames: the test is of that window.  What ngeth1 floods in the moments
# after ngeth0 is set up, before the kernel's link watch has run for the
# graph-side end and ngd has heard of it, is the window the fast path
# leaves (README, ng_eiface(4)): printed, with the fast path's answer,
# not asserted.  Both device models: the kernel fast path and the TAP
# model (NGD_FASTPATH=0).
source "$(dirname "$0")/../lib.sh"
trap 'ip netns del la 2>/dev/null; ip netns del lb 2>/dev/null; stop_ngd' EXIT
lu=$(dirname "$0")/../linkup.py

# state NS IF WANT: until IF's operstate in NS is WANT (10 s at most)
state() {
	for _ in $(seq 500); do
		[ "$(ip netns exec "$1" cat "/sys/class/net/$2/operstate" 2>/dev/null)" = "$3" ] && return 0
		sleep 0.02
	done
	return 1
}

# first NAME LINE: the first frame sent arrived (LINE from linkup.py)
first() {
	echo "# $1: $2"
	[[ "$2" == "first 0 "* ]] && ok "$1" || fail "$1 ($2)"
}

# down0: ngeth0 down, and ngd has read that news
down0() {
	ip -n la link set ngeth0 down
	state la ngeth0 down
	ngctl list >/dev/null
}

scenario() {
	local m=$1
	start_ngd
	bridge_two_eifaces
	quiet_netns la lb
	ngctl msg ngeth0: vnet '"la"'
	ngctl msg ngeth1: vnet '"lb"'
	state la ngeth0 down
	ip -n lb link set ngeth1 up
	link_up lb ngeth1

	r=$(LINKUP_ANSWER=1 python3 "$lu" la ngeth0 lb ngeth1 1000 up la ngeth0)
	first "$m: up: ngeth0's first frame reaches ngeth1" "$r"
	if [ "$m" = tap ]; then
		[[ "$r" == *" answer 0 "* ]] &&
		    ok "$m: up: ngeth1's answer to it reaches ngeth0" ||
		    fail "$m: up: ngeth1's answer to it reaches ngeth0 ($r)"
	fi
	down0
	echo "# $m: up: ngeth1's frames to ngeth0, sent from that moment:" \
	    "$(python3 "$lu" lb ngeth1 la ngeth0 1000 up la ngeth0)"

	ngctl rmhook ngeth0: ether
	state la ngeth0 lowerlayerdown
	ngctl list >/dev/null
	first "$m: connect: ngeth0's first frame reaches ngeth1" \
	    "$(python3 "$lu" la ngeth0 lb ngeth1 1000 ngctl connect ngeth0: br0: ether link0)"
	ngctl rmhook ngeth0: ether
	state la ngeth0 lowerlayerdown
	ngctl list >/dev/null
	first "$m: connect: ngeth1's first frame reaches ngeth0" \
	    "$(python3 "$lu" lb ngeth1 la ngeth0 1000 ngctl connect ngeth0: br0: ether link0)"

	ip netns del la
	ip netns del lb
	stop_ngd
}

NGD_FASTPATH=1 scenario fast
NGD_FASTPATH=0 scenario tap
finish
