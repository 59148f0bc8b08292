#!/usr/bin/env bash
# timeout: 120
# The far end of a vxlan tunnel, as an intruder uses it: VXLAN datagrams
# good and bad, sent one by one and then as one train (UDP_SEGMENT: the
# kernel hands ngd's socket, which has UDP_GRO on for the vxlan node, the
# whole train at once, and ng_vxlan_decap_train takes it apart).  Both
# ways each datagram must be judged alone, as RFC 7348 and the node's
# one-by-one path judge it: the I flag missing (recvBadFlags), another
# VNI (recvWrongVni), too short for a header and a frame (recvRunts; a
# train's last datagram may be shorter than the others), and the good
# ones (pings of j, inner) answered back through the tunnel.
#
#   ns peer: eth0 198.18.66.2 ~~ vw0 198.18.66.1:4789 [ksocket] outer-[vx]-inner ngeth0 (ns j, 203.0.113.1)
#   the peer's inner host: 203.0.113.2, 02:00:00:00:66:02
source "$(dirname "$0")/../lib.sh"
export NGD_LOG=$tmp/ngd.log
cleanup() {
	stop_ngd
	for n in peer j; do ip netns del $n 2>/dev/null; done
	ip link del vw0 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

{ py_csum && cat <<'EOF'
import socket, struct, sys, time

def ping(dmac, seq):
    icmp = struct.pack("!BBHHH", 8, 0, 0, 0x6606, seq) + bytes(range(48))
    icmp = icmp[:2] + struct.pack("!H", csum(icmp)) + icmp[4:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(icmp), seq, 0, 64, 1, 0,
                     socket.inet_aton("203.0.113.2"), socket.inet_aton("203.0.113.1"))
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    return dmac + bytes.fromhex("020000006602") + b"\x08\x00" + ip + icmp

def vx(flags, vni, inner):
    return struct.pack("!BBHI", flags, 0, 0, vni << 8) + inner

# MODE (one|train) DSTMAC OUT: the five datagrams and a runt, then the
# echo replies that come back within 20 s, noted in OUT
mode, dmac, out = sys.argv[1], bytes.fromhex(sys.argv[2]), sys.argv[3]
dgrams = [vx(0x08, 42, ping(dmac, 1)), vx(0x00, 42, ping(dmac, 2)),
          vx(0x08, 42, ping(dmac, 3)), vx(0x08, 43, ping(dmac, 4)),
          vx(0x08, 42, ping(dmac, 5)), b"\x08\0\0\0\0\0\x2a\0" + b"\xff" * 4]
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("198.18.66.2", 4789))
dst = ("198.18.66.1", 4789)
if mode == "one":
    for d in dgrams:
        s.sendto(d, dst)
else:
    s.setsockopt(socket.IPPROTO_UDP, 103, len(dgrams[0]))  # UDP_SEGMENT
    s.sendto(b"".join(dgrams), dst)
seqs = []
s.settimeout(0.5)
end = time.time() + 20
while time.time() < end and len(seqs) < 3:
    try:
        d = s.recv(2000)
    except socket.timeout:
        continue
    # VXLAN, Ethernet, IPv4 (20), ICMP echo reply: its sequence number
    if len(d) >= 8 + 14 + 28 and d[8 + 12:8 + 14] == b"\x08\x00" and d[8 + 14 + 20] == 0:
        seqs.append(struct.unpack("!H", d[8 + 14 + 26:8 + 14 + 28])[0])
open(out, "w").write(" ".join(map(str, sorted(seqs))) + "\n")
EOF
} >"$tmp/vx.py"

start_ngd || finish
for n in peer j; do
	ip netns add $n
	ip netns exec $n sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
	    net.ipv6.conf.default.disable_ipv6=1
	ip -n $n link set lo up
done
wire_veth vw0 peer eth0 198.18.66.2/24 || { fail "the veth"; finish; }
ip addr add 198.18.66.1/24 dev vw0
ngctl mkpeer . eiface e ether
ngctl -f - <<'END' || { fail "the graph"; finish; }
mkpeer ngeth0: vxlan ether inner
name ngeth0:ether vx
msg vx: setvni 42
mkpeer vx: ksocket outer inet/dgram/udp
msg vx:outer bind inet/198.18.66.1:4789
END
ngctl msg ngeth0: vnet '"j"'
ip -n j link set ngeth0 up
ip -n j addr add 203.0.113.1/24 dev ngeth0
ip -n j neigh add 203.0.113.2 lladdr 02:00:00:00:66:02 dev ngeth0
jmac=$(ip -n j link show ngeth0 | awk '/link\/ether/ { print $2 }' | tr -d :)

# stats: the node's counters, as "name=value ..." for the five above
stats() {
	ngctl msg vx: getstats | grep -oE '(recvPackets|recvRunts|recvBadFlags|recvWrongVni)=[0-9]+' |
	    sort | tr '\n' ' '
}
# outer_in: frames the node took in by outer
outer_in() {
	ngctl msg vx: gethookstats | grep -oE 'hook="outer" recvFrames=[0-9]+' |
	    cut -d= -f3
}
before=$(outer_in)
want='recvBadFlags=1 recvPackets=3 recvRunts=1 recvWrongVni=1 '
ngctl msg vx: clrstats
for mode in one train; do
	in_ns peer python3 "$tmp/vx.py" $mode "$jmac" "$tmp/$mode.out" ||
	    fail "$mode: the peer's datagrams"
	expect "$mode: the three good pings answered through the tunnel" "1 3 5" \
	    "$(cat "$tmp/$mode.out" 2>/dev/null)"
	# (the last datagram may be read after the replies went: until the
	# counters say so, 20 s at most)
	for _ in $(seq 100); do [ "$(stats)" = "$want" ] && break; sleep 0.2; done
	expect "$mode: each datagram judged alone" "$want" "$(stats)"
	ngctl msg vx: clrstats
	now=$(outer_in)
	# (the proof that the train path ran: the train is one frame in)
	expect "$mode: frames in by outer" "$([ $mode = one ] && echo 6 || echo 1)" \
	    "$((now - before))"
	before=$now
done
expect_rc "ngd answers" 0 quiet ngctl list
finish
