#!/usr/bin/env bash
# timeout: 180
# A loop on the wire behind a bridge node: two of its ether ports, p1
# and p2, lead to one Linux bridge (lb, STP off) in namespace lp, so a
# broadcast that leaves by one comes back by the other, forever unless
# the bridge node stops it.  One broadcast frame from h (behind p3).
# FreeBSD's ng_bridge sees h's address come back on another link within
# minStableAge of learning it on link2: a loop; it drops the frame and
# mutes that link for loopTimeout (loopDetects).  So must ours, on the
# kernel fast path and in ngd (NGD_FASTPATH=0) alike: fewer than 100
# looped frames, a link counts a loop, and ngd answers meanwhile.
#
#   h (q3) --p3:link2-- br0 --link0:p1-- (q1) lb (q2) --p2:link1-- br0
source "$(dirname "$0")/../lib.sh"
export NGD_LOG=$tmp/ngd.log
cleanup() {
	stop_ngd
	for n in lp h; do ip netns del $n 2>/dev/null; done
	for d in p1 p2 p3; do ip link del $d 2>/dev/null; done
	rm -rf "$tmp"
}
trap cleanup EXIT

# rx NS IF: frames IF in NS received
rx() { ip netns exec "$1" cat "/sys/class/net/$2/statistics/rx_packets" 2>/dev/null || echo 0; }
field() { # field LINK NAME: a counter of br0's getstats LINK
	ngctl msg br0: getstats "$1" 2>/dev/null |
	    sed -nE "s/.*[ {]$2=([0-9]+).*/\\1/p" | grep . || echo 0
}

cat >"$tmp/bcast.py" <<'EOF'
import socket, sys
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind((sys.argv[1], 0))
src = bytes.fromhex(sys.argv[2].replace(":", ""))
s.send(b"\xff" * 6 + src + b"\x88\xb5" + b"intrude6 loop probe".ljust(46, b"."))
EOF

round() { # round FASTPATH
	local fp=$1 tag="fastpath=$1" l0 l1 a b n
	NGD_FASTPATH=$fp start_ngd || return
	# (No frame but the probe: lb's own going out by q1 and q2 at once
	# is a loop of its own, a host on two ports at once, which on the
	# fast path the kernel switched round the loop at line rate until
	# ngd judged the copy (30,000-650,000 frames, one run in six under
	# load).  So IPv6 off (lb's MLD), and lb's multicast snooping off:
	# it joins a group and sends IGMPv3 reports, the second ~1 s after
	# lb comes up, when br0 may be there.)
	for n in lp h; do
		ip netns add $n
		ip netns exec $n sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
		    net.ipv6.conf.default.disable_ipv6=1
	done
	ip -n lp link add lb type bridge stp_state 0 mcast_snooping 0
	wire_veth p1 lp q1 && wire_veth p2 lp q2 && wire_veth p3 h q3 ||
	    { fail "$tag: veths"; return; }
	ip -n lp link set q1 master lb
	ip -n lp link set q2 master lb
	ip -n lp link set lb up
	for _ in $(seq 1500); do
		ngctl info p3: >/dev/null 2>&1 && ngctl info p2: >/dev/null 2>&1 &&
		    ngctl info p1: >/dev/null 2>&1 && break
		sleep 0.02
	done
	ngctl mkpeer p1: bridge lower link0 && ngctl name p1:lower br0 &&
	    ngctl connect p2: br0: lower link1 &&
	    ngctl connect p3: br0: lower link2 || { fail "$tag: graph"; return; }
	ngctl msg br0: setconfig '{ debugLevel=1 loopTimeout=60 maxStaleness=900 minStableAge=1 }'

	ip netns exec h python3 "$tmp/bcast.py" q3 02:00:00:00:06:03
	# a storm never settles; a stopped one does: q1's count stands still
	# for a second (looped frames cross q1 at line rate)
	n=0
	a=$(rx lp q1)
	for _ in $(seq 30); do
		sleep 1
		b=$(rx lp q1)
		[ "$b" = "$a" ] && break
		a=$b
		n=$((n + 1))
	done
	b=$(rx lp q1)
	# (h is on link2: each copy back on link0 or link1 goes to ngd,
	# which judges it a loop, so 1 frame crosses q1)
	if [ "$b" -lt 100 ] && [ "$(rx lp q1)" = "$b" ]; then
		ok "$tag: the looped broadcast stopped ($b frames crossed q1)"
	else
		fail "$tag: a broadcast storm through the loop ($b frames crossed q1, still growing after ${n}s)"
	fi
	l0=$(field 0 loopDetects)
	l1=$(field 1 loopDetects)
	[ $((l0 + l1)) -ge 1 ] &&
	    ok "$tag: the loop was seen (loopDetects link0 $l0, link1 $l1)" ||
	    fail "$tag: no loop seen (loopDetects link0 $l0, link1 $l1)"
	expect_rc "$tag: ngd answers" 0 quiet ngctl list
	stop_ngd
	ip netns del lp
	ip netns del h
	for d in p1 p2 p3; do ip link del $d 2>/dev/null; done
}

round 1
round 0
finish
