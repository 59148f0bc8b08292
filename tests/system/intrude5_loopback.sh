#!/usr/bin/env bash
# The host's loopback against an IP-alias jail's raw sockets.  The
# hooks give a jail's TCP and UDP sockets no way to 127/8 or ::1 (the
# host's own loopback services: a resolver on 127.0.0.53, a database
# listening on localhost): 127.0.0.1 and ::1 are the jail's own address,
# the rest of 127/8 ENETUNREACH (jail_sock.bpf.c).  But no hook sees a
# raw socket's bind or send, and the egress backstop checked the source
# only: with allow.raw_sockets the jail's root wrote a UDP datagram to
# the host's 127.0.0.1:7777 from its own address, in an IP_HDRINCL
# header of its own or from a raw UDP socket bound to its address, and
# to [::1]:7777 the same way; the host's service got them and could
# answer the jail's address.  Now the backstop drops a jail's raw
# socket's packets to 127/8 (but the jail's own addresses) and ::1: the
# send is EPERM, nothing arrives.  Its datagrams to the peer still go,
# the host's own raw socket still reaches its loopback (the probe
# works), and a jail on an alias of lo answers the host's client from
# 127.0.0.1 (TCP and UDP are held off the loopback by the hooks, raw
# sockets only by the backstop).
#
#   host (this sandbox)  lo; h0 198.51.100.1/24 + the jail's aliases
#        | veth            198.51.100.50, 2001:db8::50; UDP services on
#   peer (netns)           127.0.0.1:7777 and [::1]:7777
#                        p0 198.51.100.99/24, a UDP service on :7777
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/../jail_cgroups.sh"

jail_test_env
ip link set lo up
peer_up
ip addr add 2001:db8::1/64 dev h0 nodad

# listen.py FAMILY ADDR: every datagram to ADDR:7777 as "WORD SOURCE"
cat >"$tmp/listen.py" <<'PY'
import socket, sys
s = socket.socket(int(sys.argv[1]), socket.SOCK_DGRAM)
s.bind((sys.argv[2], 7777))
print("listening", flush=True)
while True:
    d, a = s.recvfrom(2048)
    print(d.decode(), a[0], flush=True)
PY
python3 "$tmp/listen.py" 2 127.0.0.1 >"$tmp/lo4.got" 2>&1 &
python3 "$tmp/listen.py" 10 ::1 >"$tmp/lo6.got" 2>&1 &
in_ns peer python3 "$tmp/listen.py" 2 198.51.100.99 >"$tmp/peer.got" 2>&1 &
for _ in $(seq 1500); do
	[ "$(cat "$tmp"/lo4.got "$tmp"/lo6.got "$tmp"/peer.got | grep -c listening)" = 3 ] && break
	sleep 0.02
done

# raw.py HOW WORD SRC DST: a UDP datagram WORD to DST port 7777 from SRC,
# HOW "hdrincl" (an IPv4 header of its own, IPPROTO_RAW) or "bound" (a
# raw UDP socket bound to SRC; IPv6 if SRC has a colon): "sent" or
# "errno N"
cat >"$tmp/raw.py" <<'PY'
import socket, struct, sys
how, word, src, dst = sys.argv[1], sys.argv[2].encode(), sys.argv[3], sys.argv[4]
def csum(b):
    b += b"\0" * (len(b) % 2)
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff
def udp4():
    u = struct.pack("!HHHH", 5555, 7777, 8 + len(word), 0) + word
    ph = socket.inet_aton(src) + socket.inet_aton(dst) + \
        struct.pack("!BBH", 0, 17, len(u))
    return u[:6] + struct.pack("!H", csum(ph + u) or 0xffff) + u[8:]
try:
    if how == "hdrincl":
        s = socket.socket(2, socket.SOCK_RAW, 255)
        u = udp4()
        ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(u), 1, 0, 64, 17,
                         0, socket.inet_aton(src), socket.inet_aton(dst))
        s.sendto(ip + u, (dst, 0))
    elif ":" in src:
        s = socket.socket(10, socket.SOCK_RAW, 17)
        s.setsockopt(41, 7, 6)  # IPV6_CHECKSUM: the kernel's, at offset 6
        s.bind((src, 0))
        s.sendto(struct.pack("!HHHH", 5555, 7777, 8 + len(word), 0) + word,
                 (dst, 0))
    else:
        s = socket.socket(2, socket.SOCK_RAW, 17)
        s.bind((src, 0))
        s.sendto(udp4(), (dst, 0))
    print("sent")
except OSError as e:
    print("errno", e.errno)
PY
# (gotten FILE WORD and marker N ADDR FILE: jail_cgroups.sh's; the
# marker goes over the same loopback)

expect "the host's own raw socket reaches its 127.0.0.1 (the probe works)" \
    "sent" "$(python3 "$tmp/raw.py" hdrincl host 198.51.100.1 127.0.0.1)"
expect_rc "j1: an IP-alias jail with allow.raw_sockets" 0 \
    jail -q -c name=j1 persist path=/ ip4.addr="h0|198.51.100.50/24" \
    ip6.addr="h0|2001:db8::50/64" allow.raw_sockets
expect "j1: an IP_HDRINCL datagram to 127.0.0.1 from its address: EPERM" \
    "errno 1" \
    "$(jexec j1 python3 "$tmp/raw.py" hdrincl jailhdr 198.51.100.50 127.0.0.1)"
expect "j1: a raw UDP socket bound to its address, to 127.0.0.1: EPERM" \
    "errno 1" \
    "$(jexec j1 python3 "$tmp/raw.py" bound jailbound 198.51.100.50 127.0.0.1)"
expect "j1: ... to 127.1.2.3: EPERM" "errno 1" \
    "$(jexec j1 python3 "$tmp/raw.py" hdrincl jailnet 198.51.100.50 127.1.2.3)"
marker 1 127.0.0.1 lo4 || fail "the marker reaches 127.0.0.1:7777"
expect "... and the host's 127.0.0.1:7777 got none of them (the host's own, yes)" \
    "0 0 1" \
    "$(gotten lo4 jailhdr) $(gotten lo4 jailbound) $(gotten lo4 host)"
expect "j1: a raw UDP socket bound to its IPv6 address, to ::1: EPERM" \
    "errno 1" \
    "$(jexec j1 python3 "$tmp/raw.py" bound jail6 2001:db8::50 ::1)"
marker 2 ::1 lo6 || fail "the marker reaches [::1]:7777"
expect "... and the host's [::1]:7777 got nothing" "0" "$(gotten lo6 jail6)"
expect "j1's raw sockets still reach the peer" "sent sent" \
    "$(jexec j1 python3 "$tmp/raw.py" hdrincl peerhdr 198.51.100.50 198.51.100.99) $(jexec j1 python3 "$tmp/raw.py" bound peerbound 198.51.100.50 198.51.100.99)"
marker 3 198.51.100.99 || fail "the marker reaches the peer"
expect "... which got both, from the jail's address" \
    "peerhdr 198.51.100.50 peerbound 198.51.100.50" \
    "$(grep '^peer' "$tmp/peer.got" | tr '\n' ' ' | sed 's/ $//')"
expect "j1's UDP to 127.0.0.1 is its own address, as before (sent)" "sent" \
    "$(jexec j1 python3 -c 'import socket; socket.socket(2, 2).sendto(b"own", ("127.0.0.1", 7777)); print("sent")')"
# A jail on an alias of the loopback (FreeBSD's lo1 habit) answers the
# host's client that comes from 127.0.0.1: only raw sockets are held off
# the loopback.
expect_rc "j2: an IP-alias jail on 127.0.1.1 (an alias of lo)" 0 \
    jail -q -c name=j2 persist path=/ ip4.addr="lo|127.0.1.1/32"
jexec j2 python3 -c '
import socket
s = socket.socket(2, 1); s.bind(("127.0.1.1", 7778)); s.listen(1)
print("listening", flush=True)
c, a = s.accept(); c.sendall(b"hello " + a[0].encode()); c.close()' \
    >"$tmp/j2.got" 2>&1 &
for _ in $(seq 1500); do
	grep -q listening "$tmp/j2.got" && break
	sleep 0.02
done
expect "j2's listener answers the host's client from 127.0.0.1" \
    "hello 127.0.0.1" "$(python3 -c '
import socket
s = socket.socket(2, 1); s.settimeout(20); s.bind(("127.0.0.1", 0))
s.connect(("127.0.1.1", 7778)); print(s.recv(64).decode())' 2>&1)"
exit "$NG_FAILED"
