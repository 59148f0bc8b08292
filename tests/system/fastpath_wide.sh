#!/usr/bin/env bash
# timeout: 120
# A wide bridge floods in the kernel (issue 22; README "The kernel fast
# path"): 300 eifaces on one bridge, more than a hub repeats at once
# (NG_FAST_BPF_HUB_MAX, 256), fewer than NG_FAST_BPF_FLOOD_MAX (4,096).
# Three of them in namespaces, the others idle on the host side:
#
#     wa (ngeth0)   --link1--+
#     wb (ngeth150) --link151-+ wbr --link2..link300-- ngeth1.. (idle)
#     wc (ngeth299) --link300-+
#
# Broadcasts and unknown unicast from wa reach wc and every idle port,
# each once (the program's slices do not overflow the CPU's backlog),
# with no frame through ngd (the data plane's ngslow TAP carried none);
# getstats counts them in on link1 and out on link300.
source "$(dirname "$0")/../lib.sh"
NGD_LOG=$tmp/ngd.log
N=${WIDE_N:-300} # (WIDE_N: more, by hand)
NS="wa wb wc"
trap 'for n in $NS; do ip netns del $n 2>/dev/null; done; stop_ngd; rm -rf "$tmp"' EXIT

# slow: frames the kernel gave ngd so far (ngslow's tx, in the data plane,
# reached through ngd's descriptor of that namespace; one find for ngd's
# many descriptors)
slow() {
	local fd
	for fd in $(find /proc/"$NGD_PID"/fd -lname 'net:*' -printf '%p %l\n' |
	    awk -v self="$(readlink /proc/self/ns/net)" '$2 != self { print $1 }'); do
		nsenter --net="$fd" cat /proc/net/dev | sed 's/^ *//' |
		    awk -F'[: ]+' '$1 == "ngslow" { print $11; f = 1 } END { exit !f }' &&
		    return
	done
	echo none
}
# idle_rx: frames the idle ports' interfaces received, summed
idle_rx() {
	cat /sys/class/net/ngeth*/statistics/rx_packets | awk '{ s += $1 } END { print s + 0 }'
}
# field LINK NAME: a counter of getstats LINK (0 when not shown)
field() {
	ngctl msg wbr: getstats "$1" | sed -nE "s/.*[ {]$2=([0-9]+).*/\\1/p" |
	    grep . || echo 0
}
# send NS IF DST COUNT: COUNT frames (type 0x88b5) to DST out of IF
send() {
	ip netns exec "$1" python3 -c 'import socket, sys
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind((sys.argv[1], 0))
f = bytes.fromhex(sys.argv[2].replace(":", "")) + \
    bytes.fromhex(open("/sys/class/net/%s/address" % sys.argv[1]).read().strip().replace(":", "")) + \
    b"\x88\xb5" + bytes(46)
for _ in range(int(sys.argv[3])):
	s.send(f)' "$2" "$3" "$4"
}

# Idle interfaces quiet: no IPv6 (DAD, MLD, RS) of 297 ports to flood.
sysctl -qw net.ipv6.conf.default.disable_ipv6=1 net.ipv6.conf.all.disable_ipv6=1
NGD_FASTPATH=1 start_ngd
{
	echo "mkpeer . bridge b link0"
	echo "name b wbr"
	echo "msg wbr: setpersistent"
	for i in $(seq 1 $N); do echo "mkpeer wbr: eiface link$i ether"; done
} >"$tmp/graph"
ngctl -f "$tmp/graph"
expect "$N eifaces on the bridge" $N "$(ls -d /sys/class/net/ngeth* | wc -l)"
for i in $(seq 0 $((N - 1))); do echo "link set ngeth$i up"; done | ip -batch -
j=1
for p in "wa 0" "wb 150" "wc $((N - 1))"; do
	set -- $p
	ip netns add $1
	ip netns exec $1 sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
	    net.ipv6.conf.default.disable_ipv6=1
	ngctl msg ngeth$2: vnet "\"$1\""
	ip -n $1 addr add 198.18.10.$j/24 dev ngeth$2
	ip -n $1 link set ngeth$2 up
	j=$((j + 1))
done
expect "wa -> wc: pings answered" 3 \
    "$(ip netns exec wa ping -c 3 -i 0.2 -W 2 198.18.10.3 2>/dev/null |
	sed -nE 's/.* ([0-9]+) received.*/\1/p')"

# --- broadcasts -------------------------------------------------------------
ngctl msg wbr: clrstats 1
ngctl msg wbr: clrstats $N
s0=$(slow) i0=$(idle_rx)
# wc counts the frames of type 0x88b5 it gets: for 20 s at most, 0.5 s
# more once it has 40
ip netns exec wc python3 -c 'import socket, sys, time
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x88b5))
s.bind((sys.argv[1], 0))
n, end = 0, time.time() + 20
open(sys.argv[2], "w").close()
while time.time() < end:
	s.settimeout(max(end - time.time(), 0.01))
	try:
		s.recv(2048)
	except socket.timeout:
		break
	n += 1
	if n == 40:
		end = min(end, time.time() + 0.5)
print(n)' ngeth$((N - 1)) "$tmp/wc.ready" >"$tmp/wc.count" &
counter=$!
for _ in $(seq 50); do [ -e "$tmp/wc.ready" ] && break; sleep 0.05; done
send wa ngeth0 ff:ff:ff:ff:ff:ff 20
send wa ngeth0 02:00:00:5e:00:99 20 # a MAC no port has: unknown unicast
wait $counter
s1=$(slow) i1=$(idle_rx)
expect "40 frames flooded from wa: wc got each" 40 "$(cat "$tmp/wc.count")"
expect "... each of the $((N - 3)) idle ports too" $((40 * (N - 3))) $((i1 - i0))
if [ "$s0" != none ] && [ "$s0" = "$s1" ]; then
	ok "... none through ngd (ngslow carried $s0 before and after)"
else
	fail "... none through ngd (ngslow carried $s0 before, $s1 after)"
fi
r=$(field 1 recvBroadcast) u=$(field 1 recvUnknown) x=$(field $N xmitBroadcasts)
expect "getstats: link1's in, 20 broadcast and 20 unknown" "20 20" "$r $u"
expect "getstats: link$N's 20 broadcast out" 20 "$x"

finish
