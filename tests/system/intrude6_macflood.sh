#!/usr/bin/env bash
# timeout: 240
# A MAC flood from the wire into a bridge node of ether ports: 80,000
# frames from as many made-up source addresses, out of c's veth, to a.
# The table holds at most maxhosts: what does not fit is not learned
# but counted (memoryFailures; FreeBSD's ng_bridge would take memory
# until there is none), said once in the log; every flood frame that
# reached the node is learned or counted; a and b, learned before, still
# reach each other by the table, not by floods that c would see; ngd
# answers meanwhile.  On the kernel fast path with the default bound
# (65,536, NG_BRIDGE_MAX_HOSTS: the hosts map grows from 4,096 as the
# node learns), and in ngd (NGD_FASTPATH=0) with a bound of 300, as
# the TAP that brings ngd the wire's frames drops most of a flood this
# fast (the node sees a few thousand; its queue alone holds more than
# 300).
#
#   ea (ns a) --pa:link0-- br0 --link1:pb-- eb (ns b)
#                           |--link2:pc-- ec (ns c, the flood)
source "$(dirname "$0")/../lib.sh"
export NGD_LOG=$tmp/ngd.log
NS="a b c"
trap cleanup_veth_ns EXIT
N=80000

cat >"$tmp/flood.py" <<'EOF'
import socket, struct, sys
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind((sys.argv[1], 0))
dst = bytes.fromhex(sys.argv[2])
for i in range(int(sys.argv[3])):
    f = dst + b"\x06\x00" + struct.pack("!I", i) + b"\x88\xb5" + b"\0" * 46
    while True:
        try:
            s.send(f)
            break
        except BlockingIOError:
            pass
        except OSError as e:  # ENOBUFS: the qdisc is full, a moment
            if e.errno != 105:
                raise
EOF
field() { # field LINK NAME: a counter of br0's getstats LINK
	ngctl msg br0: getstats "$1" 2>/dev/null |
	    sed -nE "s/.*[ {]$2=([0-9]+).*/\\1/p" | grep . || echo 0
}
rx() { ip netns exec "$1" cat "/sys/class/net/$2/statistics/rx_packets" 2>/dev/null || echo 0; }

run() {
	local mode=$1 fp s hosts mf said c0 c1 t0 t1 slowest=0 max recv
	fp=$([ "$mode" = fast ] && echo 1 || echo 0)
	max=$([ "$mode" = fast ] && echo 65536 || echo 300)
	NGD_FASTPATH=$fp start_ngd || return
	quiet_netns $NS || { fail "$mode: namespaces"; return; }
	wire_veth pa a ea 198.18.63.1/24 && wire_veth pb b eb 198.18.63.2/24 &&
	    wire_veth pc c ec || { fail "$mode: veths"; return; }
	ether_ports_up || { fail "$mode: ether nodes not made"; return; }
	ngctl mkpeer pa: bridge lower link0 && ngctl name pa:lower br0 &&
	    ngctl connect pb: br0: lower link1 &&
	    ngctl connect pc: br0: lower link2 &&
	    ngctl msg br0: setmaxhosts $max || { fail "$mode: graph"; return; }
	expect_rc "$mode: a and b before the flood" 0 \
	    quiet in_ns a ping -c 2 -i 0.2 -W 5 198.18.63.2
	# the flood goes to a's MAC: a gets it, b does not
	ip netns exec c python3 "$tmp/flood.py" ec \
	    "$(ip -n a link show ea | awk '/link\/ether/ { print $2 }' | tr -d :)" $N &
	local fl=$!
	# ngd answers meanwhile (each answer timed; 10 s at most each)
	while kill -0 $fl 2>/dev/null; do
		t0=$(date +%s%N)
		timeout 10 ngctl list >/dev/null 2>&1
		t1=$((($(date +%s%N) - t0) / 1000000))
		[ $t1 -gt $slowest ] && slowest=$t1
		sleep 0.2
	done
	wait $fl
	[ $slowest -lt 10000 ] && ok "$mode: ngd answered during the flood (slowest ${slowest} ms)" ||
	    fail "$mode: ngd did not answer during the flood (${slowest} ms)"
	# learning and the counters settle: numHosts stands still for a
	# second and the sum holds (the kernel's counts join the node's at
	# its ticks), 30 s at most
	hosts=x
	for _ in $(seq 30); do
		s=$(ngctl msg br0: gettable 2>/dev/null | grep -oE 'numHosts=[0-9]+' | cut -d= -f2)
		mf=$(field 2 memoryFailures)
		recv=$(field 2 recvPackets)
		[ "$s" = "$hosts" ] && [ "$recv" = $((s - 2 + mf)) ] && break
		hosts=$s
		sleep 1
	done
	# (a and b are two of the hosts; c sent nothing but the flood)
	expect "$mode: each flood frame the node had ($recv) was learned or counted" \
	    "$recv" "$((hosts - 2 + mf))"
	if [ "$recv" -gt $((max - 2)) ]; then
		expect "$mode: the table filled to its bound" $max "$hosts"
		[ "$mf" -ge 1 ] && ok "$mode: the rest counted (memoryFailures $mf)" ||
		    fail "$mode: no memoryFailures on link2 ($mf)"
		said=$(grep -c "host table full ($max hosts)" "$NGD_LOG")
		expect "$mode: said once in the log" 1 "$said"
	else
		fail "$mode: the node had too little of the flood to fill its table ($recv frames)"
	fi
	c0=$(rx c ec)
	expect_rc "$mode: a and b after the flood" 0 \
	    quiet in_ns a ping -c 5 -i 0.2 -W 5 198.18.63.2
	c1=$(rx c ec)
	[ $((c1 - c0)) -le 2 ] && ok "$mode: a and b by the table: c saw $((c1 - c0)) of their frames" ||
	    fail "$mode: a and b flooded: c saw $((c1 - c0)) frames of their pings"
	: >"$NGD_LOG"
	stop_ngd
	for s in $NS; do ip netns del $s; done
	for s in $NS; do ip link del p$s 2>/dev/null; done
}

run fast
run slow
finish
