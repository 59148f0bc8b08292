#!/usr/bin/env bash
# timeout: 60
# An ether node's lower on a kernel hub or bridge while its interface is
# down (fastpath_hub_down.sh and fastpath_bridge_down.sh for an eiface).
# FreeBSD's ng_ether refuses a frame on lower while its interface is not
# up and running (ENETDOWN), as ours does in userspace; in the kernel
# fast path the hub's or bridge's flood passes such an uplink by, as it
# passes an eiface whose interface is down, instead of making a copy
# that crosses the uplink to be dropped at em0, and sends it copies
# again once em0 runs.  em0's wire w0 is in ns wire:
#
#   ja --ether:l1-- X --l0:lower-- em0 ==== w0 (ns wire)
#   jb --ether:l2-/                  X: a hub, then a bridge
#
# ja sends K broadcasts: jb gets every one each time; while em0 is down
# (set down, then up with w0 down: no carrier) no copy crosses the
# uplink's host end ngu0 (its rx_packets stay put) and X counts none
# out of l0 (the hub's gethookstats, the bridge's getstats); once em0
# runs again, w0 gets every one.
source "$(dirname "$0")/../lib.sh"
NGD_LOG=$tmp/ngd.log
NS="wire ja jb"
em0_trap
K=50

nsx() { local ns=$1; shift; nsenter --net=/run/netns/"$ns" "$@"; }
rx() { # NS IF: IF's rx_packets in NS (sysfs is the sandbox's, not NS's)
	nsx "$1" awk -F'[: ]+' -v i="$2" '{ sub(/^ +/, "") } $1 == i { print $3 }' \
	    /proc/self/net/dev
}
# frames the bridge or hub sent the uplink (its host end's rx)
urx() { cat /sys/class/net/ngu[0-9]*/statistics/rx_packets 2>/dev/null |
	awk '{ n += $1 } END { print n + 0 }'; }
# K broadcasts out of ja (type 0x88b5), then "jb=N w0=N ngu=N": what
# each received (all in the kernel: done well within 0.3 s)
flood() {
	local b0 w0 u0
	b0=$(rx jb jb) w0=$(rx wire w0) u0=$(urx)
	# (perl: python3 takes seconds to start on a loaded machine)
	nsx ja perl -e '
socket(my $s, 17, 3, 0) or die "socket: $!";	# AF_PACKET, SOCK_RAW
my $to = pack("S n i S C C a8", 17, 0, $ARGV[1], 0, 0, 6, "");
my $f = ("\xff" x 6) . "\x02\x00\x00\x00\x00\xaa\x88\xb5" . ("\0" x 46);
for (1 .. $ARGV[0]) { send($s, $f, 0, $to) or die "send: $!" }' $K "$jaidx"
	sleep 0.3
	echo "jb=$(($(rx jb jb) - b0)) w0=$(($(rx wire w0) - w0)) ngu=$(($(urx) - u0))"
}
# flood until what arrives is $1 (5 tries), in $got, X's out0 just
# before the last in $o: ngd hears em0's news in its own time (the
# kernel sets operstate just before it sends the event, and ngd may
# answer the message below first), so a flood right after may still
# find the old state; without the change every try would
flood_until() {
	for _ in 1 2 3 4 5; do
		o=$(out0 $x)
		got=$(flood)
		[ "$got" = "$1" ] && break
		sleep 0.2
	done
}
# until em0's operstate is $1 (2 s at most); then a message, before
# which ngd reads the interface's news
operstate() {
	for _ in $(seq 100); do
		[ "$(cat /sys/class/net/em0/operstate)" = "$1" ] && break
		sleep 0.02
	done
	ngctl show em0: >/dev/null
}
# X's counter of frames out of l0
out0() {
	if [ "$1" = hub ]; then
		hs X: l0 xmitFrames
	else
		ngctl msg X: getstats 0 | sed -nE 's/.*[ {]xmitPackets=([0-9]+).*/\1/p' |
		    grep . || echo 0
	fi
}

quiet_netns $NS
wire_veth em0 wire w0

NGD_FASTPATH=1 start_ngd || finish
ngctl mkpeer eiface ether ether
ngctl mkpeer eiface ether ether
ngctl -f - <<'END'
name ngeth0: ja
name ngeth1: jb
msg em0: setautosrc 0
END
for n in ja jb; do
	ngctl msg $n: vnet "\"$n\""
	nsx $n ip link set $n up
done

jaidx=$(nsx ja ip -o link show ja | cut -d: -f1)
all="jb=$K w0=$K ngu=$K" none="jb=$K w0=0 ngu=0"
for x in hub bridge; do
	[ $x = hub ] && l=l || l=link
	ngctl -f - <<END
mkpeer em0: $x lower ${l}0
name em0:lower X
connect X: ja: ${l}1 ether
connect X: jb: ${l}2 ether
END
	flood_until "$all"
	expect "$x: em0 runs: jb and w0 get every flood" "$all" "$got"

	ip link set em0 down
	operstate down
	flood_until "$none"
	expect "$x: em0 down: jb gets every flood, no copy crosses the uplink" \
	    "$none" "$got"
	expect "$x: em0 down: none counted out of l0" "$o" "$(out0 $x)"

	ip link set em0 up
	operstate up
	flood_until "$all"
	expect "$x: em0 up: jb and w0 get every flood" "$all" "$got"
	expect "$x: em0 up: each counted out of l0" $((o + K)) "$(out0 $x)"

	nsx wire ip link set w0 down
	operstate lowerlayerdown
	flood_until "$none"
	expect "$x: em0 without carrier: jb gets every flood, no copy crosses the uplink" \
	    "$none" "$got"
	nsx wire ip link set w0 up
	operstate up
	flood_until "$all"
	expect "$x: carrier back: jb and w0 get every flood" "$all" "$got"
	ngctl shutdown X:
done
finish
