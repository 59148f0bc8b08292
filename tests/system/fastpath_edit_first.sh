#!/usr/bin/env bash
# timeout: 120
# The first frame after an edit's reply takes the new path (issue 18:
# "a graph edit is reflected in the maps before its reply goes back";
# src/ngd/fastpath.c, fastpath_ether.c, ether.c).  With NGD_FASTPATH=1,
# two ether nodes em0, em1 (wires w0 in ns wire, w1 in ns wire2; em0
# has an address of the host's) and two eifaces ja, jb in their jails:
#
#   w0 ==== em0 --lower|upper--+            +-- ether-- ja
#                              +-- H or B --+
#   w1 ==== em1 --lower--------+            +-- ether-- jb
#
# each edit puts two of them on a hub H, a bridge B or a direct edge,
# with no warm-up: the neighbours are flushed and one ping goes at once,
# so its first frame is the ARP request that the path carries just after
# the reply.  Answered in under 500 ms means that request and its reply
# crossed (a lost one is sent again only after a second), and nothing
# was dropped on an uplink's host end (ngu<N>, tx_dropped: the end brought
# up first has the noop qdisc until the kernel's link watch runs).  Each
# edit is undone (shutdown, rmhook) before the next, twice round, and
# once more after em0's autosrc is set and cleared (the uplink goes and
# comes back).
source "$(dirname "$0")/../lib.sh"
NGD_LOG=$tmp/ngd.log
NS="wire wire2 ja jb"
trap 'for n in $NS; do ip netns del $n 2>/dev/null; done; ip link del em0 2>/dev/null; ip link del em1 2>/dev/null; stop_ngd; rm -rf "$tmp"' EXIT

quiet_netns $NS
wire_veth em0 wire w0 198.18.31.2/24
ip addr add 198.18.31.10/24 dev em0
wire_veth em1 wire2 w1 198.18.31.4/24

NGD_FASTPATH=1 start_ngd || finish
ngctl mkpeer eiface ether ether
ngctl mkpeer eiface ether ether
ngctl -f - <<'END'
name ngeth0: ja
name ngeth1: jb
msg em0: setpromisc 1
msg em0: setautosrc 0
msg em1: setpromisc 1
msg em1: setautosrc 0
END
for n in ja jb; do
	ngctl msg $n: vnet "\"$n\""
	ip -n $n link set $n up
done
ip -n ja addr add 198.18.31.1/24 dev ja
ip -n jb addr add 198.18.31.3/24 dev jb

drops() { # what the uplinks' host ends dropped sending
	local d n=0
	for d in /sys/class/net/ngu[0-9]*; do
		[ -e "$d" ] && n=$((n + $(cat "$d/statistics/tx_dropped")))
	done
	echo $n
}
# first NAME NS ADDR: right after an edit, NS's first ping to ADDR (its
# neighbour unknown) is answered in under 500 ms, none dropped on uplinks
first() {
	local t d0
	d0=$(drops)
	ip netns exec "$2" ip neigh flush all
	t=$(ip netns exec "$2" ping -c 1 -W 3 "$3" 2>/dev/null |
	    sed -nE 's/.*time=([0-9]+)(\.[0-9]+)? ms.*/\1/p')
	if [ -n "$t" ] && [ "$t" -lt 500 ] && [ "$(drops)" = "$d0" ]; then
		ok "$1: the first frame after the reply crossed ($t ms)"
	else
		fail "$1: the first frame after the reply: ${t:-no} answer (ms), uplinks dropped $(($(drops) - d0))"
	fi
}
undo() {
	ngctl shutdown H: 2>/dev/null
	ngctl shutdown B: 2>/dev/null
	for n in em0 em1; do
		for h in lower upper; do ngctl rmhook $n: $h 2>/dev/null; done
	done
	for n in ja jb; do ngctl rmhook $n: ether 2>/dev/null; done
}
# edit NS ADDR TYPE A HA B HB: A's hook HA and B's HB on a new node of
# TYPE (hub: H, bridge: B) or, TYPE "direct", joined to each other; then
# NS's first ping to ADDR, and the edit undone
edit() {
	local ns=$1 addr=$2 type=$3 x=B k=link
	[ "$type" = hub ] && x=H k=l
	if [ "$type" = direct ]; then
		ngctl connect "$4:" "$6:" "$5" "$7"
	else
		ngctl -f - <<END
mkpeer $4: $type $5 ${k}0
name $4:$5 $x
connect $x: $6: ${k}1 $7
END
	fi
	first "$type $4 $5, $6 $7" "$ns" "$addr"
	undo
}
for round in 1 2; do
	for t in hub bridge; do
		edit wire 198.18.31.4 $t em0 lower em1 lower
		edit ja 198.18.31.3 $t ja ether jb ether
		edit ja 198.18.31.2 $t ja ether em0 lower
		edit ja 198.18.31.10 $t ja ether em0 upper
	done
	edit ja 198.18.31.3 direct ja ether jb ether
	edit ja 198.18.31.2 direct ja ether em0 lower
	edit wire 198.18.31.4 direct em0 lower em1 lower
done
expect "uplinks: none left after the edits were undone" 0 "$(nup)"

# autosrc on takes em0's lower off its uplink (ngd writes the frames),
# off puts it back: the first frame after each reply crosses
ngctl -f - <<'END'
mkpeer ja: bridge ether link0
name ja:ether B
connect B: em0: link1 lower
END
ngctl msg em0: setautosrc 1
first "bridge ja, em0 lower: setautosrc 1" ja 198.18.31.2
ngctl msg em0: setautosrc 0
first "bridge ja, em0 lower: setautosrc 0" ja 198.18.31.2
undo
finish
