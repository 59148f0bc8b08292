#!/usr/bin/env bash
# A frame that reaches an eiface through ngd (here from a socket hook)
# while its interface is down is refused with ENETDOWN, as FreeBSD's
# ng_eiface refuses it: the sender hears it (nghook: "Network is down")
# and the interface receives nothing.  Once the interface is up, the
# same frame arrives.  Both device models: the kernel fast path (the
# graph-side end's carrier, as last heard) and the TAP model.
source "$(dirname "$0")/../lib.sh"
hook=
trap 'exec 3>&- 2>/dev/null; [ -n "$hook" ] && kill "$hook" 2>/dev/null; ip netns del fa 2>/dev/null; stop_ngd; rm -rf "$tmp"' EXIT

# rx: frames the interface received, in fa
rx() { cat /sys/class/net/ngeth0/statistics/rx_packets 2>/dev/null ||
	ip netns exec fa cat /sys/class/net/ngeth0/statistics/rx_packets; }
# frame: a broadcast ARP request from 02:00:00:00:00:99 into the hook
frame() {
	printf '\xff\xff\xff\xff\xff\xff\x02\x00\x00\x00\x00\x99\x08\x06\x00\x01\x08\x00\x06\x04\x00\x01\x02\x00\x00\x00\x00\x99\xc6\x12\x07\x63\x00\x00\x00\x00\x00\x00\xc6\x12\x07\x01' >&3
}
waitfor() { # WANT CMD...: until CMD prints WANT (2 s at most)
	local want=$1 i
	shift
	for i in $(seq 100); do [ "$("$@")" = "$want" ] && return 0; sleep 0.02; done
	return 1
}

# hook: a socket hook on ngeth0's ether hook, fed from fd 3, its
# messages in $tmp/err
hook() {
	rm -f "$tmp/in"
	mkfifo "$tmp/in"
	nghook ngeth0: ether <"$tmp/in" >/dev/null 2>"$tmp/err" &
	hook=$!
	exec 3>"$tmp/in"
	for _ in $(seq 100); do ngctl show ngeth0: | grep -q '^  ether ' && break; sleep 0.02; done
}
unhook() {
	exec 3>&-
	kill "$hook" 2>/dev/null
	wait "$hook" 2>/dev/null
	hook=
}

scenario() {
	local m=$1 r
	start_ngd
	ngctl mkpeer eiface ether ether
	ip netns add fa
	ip netns exec fa sysctl -qw net.ipv6.conf.default.disable_ipv6=1
	ngctl msg ngeth0: vnet '"fa"'
	hook
	sleep 0.3 # (ngd reads the interface's news)

	r=$(rx)
	frame
	for _ in $(seq 100); do kill -0 "$hook" 2>/dev/null || break; sleep 0.02; done
	grep -q "Network is down" "$tmp/err" &&
	    ok "$m: down: the sender hears ENETDOWN" ||
	    fail "$m: down: the sender hears ENETDOWN ($(cat "$tmp/err"))"
	sleep 0.2
	expect "$m: down: the interface received nothing" "$r" "$(rx)"
	unhook

	ip -n fa link set ngeth0 up
	hook
	sleep 0.3
	r=$(rx)
	frame
	if waitfor $((r + 1)) rx; then
		ok "$m: up: the frame arrives"
	else
		fail "$m: up: the frame arrives (rx $(rx), was $r)"
	fi
	expect "$m: up: the sender heard nothing" "" "$(cat "$tmp/err")"
	unhook
	ip netns del fa
	stop_ngd
}

NGD_FASTPATH=1 scenario fast
NGD_FASTPATH=0 scenario tap
finish
