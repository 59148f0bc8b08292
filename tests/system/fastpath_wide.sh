#!/usr/bin/env bash
# timeout: 120
# A wide bridge floods in the kernel (issue 22; README "The kernel fast
# path"): 300 eifaces on one bridge, more than one slice of a flood
# (NG_FAST_BPF_FLOOD_SLICE, 64) and a CPU's backlog hold, fewer than
# NG_FAST_BPF_FLOOD_MAX (4,096); then the same 300 on a hub, which
# floods in the same slices; and wa behind a vlan node on the bridge.
# Three of them in namespaces, the others idle on the host side:
#
#     wa (ngeth0)   --link1--+
#     wb (ngeth150) --link151-+ wbr --link2..link300-- ngeth1.. (idle)
#     wc (ngeth299) --link300-+
#
# Broadcasts and unknown unicast from wa reach wc and every idle port,
# each once (the program's slices do not overflow the CPU's backlog),
# with no frame through ngd (the data plane's ngslow TAP carried none);
# getstats counts them in on link1 and out on link300; the hub's hook
# counters count them.
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
# send SRC-NS SRC-IF DST-NS DST-IF: 20 broadcast and 20 unknown unicast
# frames (type 0x88b5) out of SRC-IF, each once DST-IF got the one
# before (at most 1 s); how many DST-IF got.  One frame at a time: the
# slices bound one frame's copies in the CPU's backlog, not a burst's
# (20 frames queued behind a busy CPU, each flooded to 300 ports, would
# overflow netdev_max_backlog before their first slices drained).
send() {
	python3 - "$@" <<'EOS'
import ctypes, os, socket, sys
libc = ctypes.CDLL(None, use_errno=True)
def sock(ns, ifname, proto):
	fd = os.open("/run/netns/" + ns, os.O_RDONLY)
	if libc.setns(fd, 0x40000000) != 0:
		raise OSError(ctypes.get_errno(), "setns " + ns)
	os.close(fd)
	s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(proto))
	s.bind((ifname, proto))
	return s
r = sock(sys.argv[3], sys.argv[4], 0x88b5)
r.settimeout(1)
s = sock(sys.argv[1], sys.argv[2], 0)
src = s.getsockname()[4]
n = 0
for dst in [b"\xff" * 6] * 20 + [bytes.fromhex("02005e000099")] * 20:
	s.send(dst + src + b"\x88\xb5" + bytes(46))
	try:
		r.recv(2048)
		n += 1
	except socket.timeout:
		pass
print(n)
EOS
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
# flood WHAT: 40 frames from wa reach wc and each idle port once, none
# through ngd
flood() {
	s0=$(slow) i0=$(idle_rx)
	n=$(send wa ngeth0 wc ngeth$((N - 1)))
	sleep 0.3 # the idle ports' last copies
	s1=$(slow) i1=$(idle_rx)
	expect "$1: 40 frames flooded from wa: wc got each" 40 "$n"
	# (wa's own frame or two after its carrier came back may flood too)
	i=$((i1 - i0))
	[ $((i % (N - 3))) -eq 0 ] && [ $((i / (N - 3))) -ge 40 ] &&
	    [ $((i / (N - 3))) -le 42 ] &&
	    ok "$1: ... each of the $((N - 3)) idle ports too ($((i / (N - 3))) each)" ||
	    fail "$1: ... each of the $((N - 3)) idle ports too (got $i, want 40 x $((N - 3)))"
	if [ "$s0" != none ] && [ "$s0" = "$s1" ]; then
		ok "$1: ... none through ngd (ngslow carried $s0 before and after)"
	else
		fail "$1: ... none through ngd (ngslow carried $s0 before, $s1 after)"
	fi
}
flood bridge
r=$(field 1 recvBroadcast) u=$(field 1 recvUnknown) x=$(field $N xmitBroadcasts)
expect "getstats: link1's in, 20 broadcast and 20 unknown" "20 20" "$r $u"
expect "getstats: link$N's 20 broadcast out" 20 "$x"

# --- wa behind a vlan node on the bridge (fastpath_vlan.c's vport) -----------
# its frames tagged VID 10 and flooded by the bridge from the vport, the
# slices re-queued on wa's port
ngctl -f - <<'EOS'
rmhook ngeth0: ether
mkpeer wbr: vlan link1 downstream
name wbr:link1 VW
connect VW: ngeth0: v10 ether
msg VW: addfilter { hook="v10" vid=10 }
EOS
flood "vlan node on the bridge"

# --- the same eifaces on a hub ------------------------------------------------
ngctl shutdown VW:
ngctl shutdown wbr:
{
	echo "mkpeer ngeth0: hub ether link1"
	echo "name ngeth0:ether whub"
	for i in $(seq 2 $N); do echo "connect whub: ngeth$((i - 1)): link$i ether"; done
} >"$tmp/hub"
ngctl -f "$tmp/hub"
flood hub
hs() { # HOOK FIELD: a counter of whub's gethookstats
	ngctl msg whub: gethookstats | grep -oE "\{ hook=\"$1\"[^}]*\}" |
	    sed -nE "s/.* $2=([0-9]+).*/\1/p" | grep . || echo 0
}
expect "hub: its hooks count them (link1 in, link$N out)" "40 40" \
    "$(hs link1 recvFrames) $(hs link$N xmitFrames)"

finish
