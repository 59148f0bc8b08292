#!/usr/bin/env bash
# vnet on eifaces already joined (issue 22).  A vnet makes the pair anew
# where the interface goes; the new graph-side end takes the old one's
# place in the kernel path itself (a direct edge's peer, a bridge's port
# and the hosts learned on it), with no full sync of the fast path after
# the message, while a kernel hub's member list waits for that sync,
# which then still runs before the reply.  Each case: pings answered
# with ngd stopped (SIGSTOP), so in the kernel, after the vnet and after
# a second one to another namespace.
#
#   da (ngeth0) --ether-- (ngeth1) db                direct edge
#   ha (ngeth2) --l0-- H --l1-- (ngeth3) hb           kernel hub
#                      H --l2-- (ngeth4) hc
#   ba (ngeth5) --link0-- B --link1-- (ngeth6) bb     kernel bridge
source "$(dirname "$0")/../lib.sh"
NS="da db ha hb hc ba bb db2 hb2 bb2"
trap '[ -n "$NGD_PID" ] && kill -CONT "$NGD_PID" 2>/dev/null; for n in $NS; do ip netns del $n 2>/dev/null; done; stop_ngd; rm -rf "$tmp"' EXIT

# place I:NS:ADDR...: each ngeth<I> into NS (made here) by one ngctl
# -f (one connection: no socket node made between the vnets, whose
# making would bring the full sync back), then ADDR/24 there, up
place() {
	local a i n addr
	for a in "$@"; do
		IFS=: read -r i n _ <<<"$a"
		[ -e "/run/netns/$n" ] && continue
		ip netns add "$n"
		ip netns exec "$n" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
		    net.ipv6.conf.default.disable_ipv6=1
	done
	for a in "$@"; do
		IFS=: read -r i n _ <<<"$a"
		echo "msg ngeth$i: vnet \"$n\""
	done | ngctl -f -
	for a in "$@"; do
		IFS=: read -r i n addr <<<"$a"
		ip -n "$n" addr add "$addr/24" dev "ngeth$i"
		ip -n "$n" link set "ngeth$i" up
	done
}
# kernel_path NAME NS ADDR: pings answered while ngd runs (ARP, and a
# bridge's hosts learned and moved), then all 5 with ngd stopped
kernel_path() {
	local got
	pings "$2" "$3" 3 >/dev/null
	sleep 0.3
	kill -STOP "$NGD_PID"
	got=$(pings "$2" "$3" 5)
	kill -CONT "$NGD_PID"
	expect "$1: pings answered with ngd stopped (kernel path)" 5 "$got"
}

NGD_FASTPATH=1 start_ngd || finish
for i in 0 1 2 3 4 5 6; do ngctl mkpeer eiface ether ether; done
ngctl -f - <<'END'
connect ngeth0: ngeth1: ether ether
mkpeer ngeth2: hub ether l0
name ngeth2:ether H
connect H: ngeth3: l1 ether
connect H: ngeth4: l2 ether
mkpeer ngeth5: bridge ether link0
name ngeth5:ether B
connect B: ngeth6: link1 ether
END
place 0:da:198.18.14.1 1:db:198.18.14.2 2:ha:198.18.15.1 3:hb:198.18.15.2 \
    4:hc:198.18.15.3 5:ba:198.18.16.1 6:bb:198.18.16.2
kernel_path "direct edge" da 198.18.14.2
kernel_path "hub" ha 198.18.15.2
kernel_path "hub, the third member" hb 198.18.15.3
kernel_path "bridge" ba 198.18.16.2

# Again, the far ends into namespaces of their own: each a pair made anew
# whose old end was a joined port.
place 1:db2:198.18.14.2 3:hb2:198.18.15.2 6:bb2:198.18.16.2
kernel_path "direct edge, a second vnet" da 198.18.14.2
kernel_path "hub, a second vnet" ha 198.18.15.2
kernel_path "... its other members" hc 198.18.15.1
kernel_path "bridge, a second vnet" ba 198.18.16.2
expect "the old pairs' namespaces hold no interface of ours" "" \
    "$(for n in db hb bb; do ip -n $n -o link show | grep -v ': lo:'; done)"
finish
