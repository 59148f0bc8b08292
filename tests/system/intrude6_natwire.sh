#!/usr/bin/env bash
# timeout: 150
# The wire side of a nat node (README's (a): between an uplink's lower
# and upper), as a peer on that wire uses it: ICMP errors about a jail's
# flows, forged ones among them, and IP fragments through a forwarded
# port.  What FreeBSD's ng_nat (libalias) does:
#  - an ICMP error that quotes what the alias sent (its source the alias
#    and the flow's alias port, its destination the flow's remote) is
#    turned back into one about the jail's packet: the jail's connected
#    UDP socket reads ECONNREFUSED; whoever sent it (libalias does not
#    look at the outer source);
#  - one that quotes a flow the nat does not have (another remote port)
#    is not: it stays the host's (its destination the alias), and the
#    jail hears nothing;
#  - a datagram in fragments to a forwarded UDP port: the first gives
#    the way, the others follow it (fragment links): all of it reaches
#    the jail; pings in fragments, to the host and from the jail, too.
#
#   j1 198.51.100.10 -- jbr 198.51.100.1 (host, forwarding)
#   host: wan0 198.18.62.1 = the alias -- ether wan0: lower-in [nat] out-upper
#   outside: eth0 198.18.62.2 (the peer; it forges from 198.18.62.9 too)
source "$(dirname "$0")/../lib.sh"
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	for n in j1 outside; do ip netns del $n 2>/dev/null; done
	ip link del wan0 2>/dev/null
	ip link del jbr 2>/dev/null
	rm -rf "$tmp"
	stop_ngd
}
trap cleanup EXIT

{ py_csum && cat <<'EOF'
import socket, struct, sys, time

def iphdr(src, dst, proto, plen):
    h = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + plen, 0x1234, 0, 64, proto, 0,
                    socket.inet_aton(src), socket.inet_aton(dst))
    return h[:10] + struct.pack("!H", csum(h)) + h[12:]

cmd = sys.argv[1]
if cmd == "client":  # client SPORT HOST PORT SECONDS: a connected UDP socket
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("0.0.0.0", int(sys.argv[2])))
    s.connect((sys.argv[3], int(sys.argv[4])))
    s.send(b"hello")
    s.settimeout(float(sys.argv[5]))
    try:
        s.recv(100)
        print("data", flush=True)
    except ConnectionRefusedError:
        print("refused", flush=True)
    except socket.timeout:
        print("nothing", flush=True)
elif cmd == "listen":  # listen PORT OUT: note the first sender's port, answer nothing
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("0.0.0.0", int(sys.argv[2])))
    d, peer = s.recvfrom(100)
    open(sys.argv[3], "w").write("%s %d\n" % peer)
    time.sleep(60)
elif cmd == "unreach":  # unreach FROM TO QSRC QSPORT QDST QDPORT: a port unreachable
    frm, to, qs, qsp, qd, qdp = sys.argv[2:8]
    udp = struct.pack("!HHHH", int(qsp), int(qdp), 13, 0) + b"hello"
    quoted = iphdr(qs, qd, 17, len(udp)) + udp
    ic = struct.pack("!BBHI", 3, 3, 0, 0) + quoted
    ic = ic[:2] + struct.pack("!H", csum(ic)) + ic[4:]
    r = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
    r.sendto(iphdr(frm, to, 1, len(ic)) + ic, (to, 0))
elif cmd == "recv":  # recv PORT SECONDS: the length of the first datagram
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("0.0.0.0", int(sys.argv[2])))
    s.settimeout(float(sys.argv[3]))
    try:
        print(len(s.recv(65535)), flush=True)
    except socket.timeout:
        print("nothing", flush=True)
elif cmd == "big":  # big HOST PORT LEN: one datagram, fragmented here
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.IPPROTO_IP, 10, 0)  # IP_MTU_DISCOVER: IP_PMTUDISC_DONT
    s.sendto(b"z" * int(sys.argv[4]), (sys.argv[2], int(sys.argv[3])))
EOF
} >"$tmp/w.py"
W="python3 $tmp/w.py"
# wait_file FILE: until FILE has a line (20 s at most)
wait_file() {
	for _ in $(seq 1000); do [ -s "$1" ] && return 0; sleep 0.02; done
	return 1
}

start_ngd || finish
for n in j1 outside; do
	ip netns add $n
	ip -n $n link set lo up
done
ip link add wan0 type veth peer name eth0 netns outside
ip addr add 198.18.62.1/24 dev wan0
ip link set wan0 up
ip -n outside addr add 198.18.62.2/24 dev eth0
ip -n outside link set eth0 up
ip link add jbr type bridge
ip addr add 198.51.100.1/24 dev jbr
ip link set jbr up
ip link add vj1 type veth peer name eth0 netns j1
ip link set vj1 master jbr up
ip -n j1 link set eth0 up
ip -n j1 addr add 198.51.100.10/24 dev eth0
ip -n j1 route add default via 198.51.100.1
sysctl -qw net.ipv4.ip_forward=1
for _ in $(seq 1000); do ngctl info wan0: >/dev/null 2>&1 && break; sleep 0.02; done
ngctl mkpeer wan0: nat lower in && ngctl name wan0:lower nat &&
    ngctl connect wan0: nat: upper out && ngctl msg nat: setdlt 1 &&
    ngctl msg nat: setaliasaddr 198.18.62.1 &&
    ngctl msg nat: redirectport '{ local_addr=198.51.100.10 local_port=5000 alias_port=5000 proto=17 }' >/dev/null ||
    { fail "the nat on wan0"; finish; }
ip neigh flush dev wan0

# --- a real port unreachable: the outside has nothing on 7001 -----------------
expect "the outside's port unreachable reaches j1's socket" refused \
    "$(in_ns j1 $W client 41001 198.18.62.2 7001 10)"

# --- forged ones ----------------------------------------------------------------
in_ns outside $W listen 7002 "$tmp/peer" &
pids+=($!)
sleep 0.3
in_ns j1 $W client 41002 198.18.62.2 7002 30 >"$tmp/client" &
pids+=($!)
wait_file "$tmp/peer" || fail "the outside heard j1"
read -r paddr pport <"$tmp/peer"
expect "the outside saw j1 as the alias" 198.18.62.1 "$paddr"
# a flow the nat does not have: j1's alias port, another remote port
in_ns outside $W unreach 198.18.62.9 198.18.62.1 198.18.62.1 "$pport" 198.18.62.2 7099
sleep 1
expect "an error about another remote port: j1 hears nothing" "" "$(cat "$tmp/client")"
# j1's flow, from a third address
in_ns outside $W unreach 198.18.62.9 198.18.62.1 198.18.62.1 "$pport" 198.18.62.2 7002
wait_file "$tmp/client"
expect "an error about j1's flow, from anyone: j1's socket is refused" refused \
    "$(cat "$tmp/client")"

# --- fragments through the forwarded port ---------------------------------------
in_ns j1 $W recv 5000 20 >"$tmp/frag" &
pids+=($!)
sleep 0.3
in_ns outside $W big 198.18.62.1 5000 4000
wait_file "$tmp/frag"
expect "4,000 bytes in three fragments reach j1 through the forward" 4000 \
    "$(cat "$tmp/frag")"

# ... and ICMP in fragments: the host's own (a first fragment of no flow
# still gives the way for the rest: it is the host's) and j1's
expect_rc "a 4,000-byte ping from the outside to the host, in fragments" 0 \
    quiet in_ns outside ping -c 2 -i 0.3 -W 5 -s 4000 198.18.62.1
expect_rc "a 4,000-byte ping from j1 to the outside, in fragments both ways" 0 \
    quiet in_ns j1 ping -c 2 -i 0.3 -W 5 -s 4000 198.18.62.2

expect_rc "ngd answers" 0 quiet ngctl list
finish
