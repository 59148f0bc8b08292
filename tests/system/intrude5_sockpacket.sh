#!/usr/bin/env bash
# Packet sockets by Linux's oldest door.  A jail without vnet shares the
# host's stack, and a packet socket there reads and writes every frame
# of the host's interfaces; so the seccomp filter refuses socket(2) of
# AF_PACKET to such jails (jail_confine.c), and jail_escape.sh tries
# io_uring's.  But socket(AF_INET, SOCK_PACKET, htons(ETH_P_ALL)), the
# interface before AF_PACKET, is turned into a packet socket by the
# kernel (__sock_create) before any family is looked at, and the filter
# let AF_INET by: an IP-alias jail's root with allow.raw_sockets (the
# capability packet sockets ask for) read the host's own traffic with
# it, here the host's pings to its peer.  FreeBSD has no such type:
# EPROTONOSUPPORT, or EPROTOTYPE for protocol 0 (socreate), which every
# jail without vnet now gets, whatever flags ride on the type (without
# allow.raw_sockets the kernel said EPERM).  Other AF_INET sockets as
# before; a vnet jail, whose packet sockets are its own stack's, keeps
# this one too.
#
#   host (this sandbox)  h0 198.51.100.1/24 + the jails' aliases,
#        | veth          pinging the peer meanwhile
#   peer (netns)         p0 198.51.100.99/24
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/../jail_cgroups.sh"

jail_test_env
peer_up
# the host's own traffic, for a packet socket to see (5 a second, for
# as long as the test may take)
ping -q -i 0.2 -c 1500 198.51.100.99 >/dev/null 2>&1 &

# sniff.py TYPE PROTO: socket(AF_INET, TYPE, PROTO) and what became of
# it: "errno N", or the first of the host's pings to the peer it reads
# (within 20 s) as "saw SRC > DST", or "saw nothing"
cat >"$tmp/sniff.py" <<'PY'
import socket, sys, time
try:
    s = socket.socket(2, int(sys.argv[1], 0), int(sys.argv[2], 0))
except OSError as e:
    print("errno", e.errno)
    sys.exit()
s.settimeout(1)
end = time.time() + 20
while time.time() < end:
    try:
        d = s.recv(2048)
    except socket.timeout:
        continue
    # IPv4 (Ethernet type 0x0800), ICMP, from the host to the peer
    if len(d) >= 34 and d[12:14] == b"\x08\x00" and d[23] == 1 and \
            d[26:30] == socket.inet_aton("198.51.100.1"):
        print("saw", socket.inet_ntoa(d[26:30]), ">", socket.inet_ntoa(d[30:34]))
        sys.exit()
print("saw nothing")
PY
# made.py TYPE PROTO...: socket(AF_INET, TYPE, PROTO) for each pair:
# "made" or the errno
cat >"$tmp/made.py" <<'PY'
import socket, sys
out = []
a = sys.argv[1:]
for t, p in zip(a[0::2], a[1::2]):
    try:
        socket.socket(2, int(t, 0), int(p, 0)).close()
        out.append("made")
    except OSError as e:
        out.append("errno %d" % e.errno)
print(" ".join(out))
PY
# SOCK_PACKET is 10; SOCK_CLOEXEC|SOCK_NONBLOCK 0x80800; htons(ETH_P_ALL)
# 0x300
expect "the host itself: the SOCK_PACKET socket reads its pings" \
    "saw 198.51.100.1 > 198.51.100.99" "$(python3 "$tmp/sniff.py" 10 0x300)"
expect_rc "j1: an IP-alias jail with allow.raw_sockets" 0 \
    jail -q -c name=j1 persist path=/ ip4.addr="h0|198.51.100.50/24" \
    allow.raw_sockets
expect_rc "j2: an IP-alias jail without" 0 \
    jail -q -c name=j2 persist path=/ ip4.addr="h0|198.51.100.51/24"
expect "j1: socket(AF_INET, SOCK_PACKET, ETH_P_ALL): EPROTONOSUPPORT, none of the host's frames read" \
    "errno 93" "$(jexec j1 python3 "$tmp/sniff.py" 10 0x300)"
expect "j1: ... with SOCK_CLOEXEC|SOCK_NONBLOCK on the type; protocol 0: EPROTOTYPE" \
    "errno 93 errno 91" \
    "$(jexec j1 python3 "$tmp/made.py" 0x8080a 0x300 10 0)"
expect "j2: EPROTONOSUPPORT too (the kernel's answer was EPERM)" \
    "errno 93 errno 91" "$(jexec j2 python3 "$tmp/made.py" 10 0x300 10 0)"
expect "j1: UDP, TCP (with flags on the type) and raw sockets as before" \
    "made made made made" \
    "$(jexec j1 python3 "$tmp/made.py" 2 0 0x80001 6 3 1 3 17)"
expect "j2: raw sockets refused as before (EPERM), UDP made" \
    "errno 1 made" "$(jexec j2 python3 "$tmp/made.py" 3 1 2 17)"
in_ns peer python3 -c '
import socket
s = socket.socket(2, 2); s.bind(("198.51.100.99", 7777))
print("listening", flush=True)
print(s.recvfrom(16)[1][0], flush=True)' >"$tmp/echo.got" 2>&1 &
for _ in $(seq 1500); do
	grep -q listening "$tmp/echo.got" && break
	sleep 0.02
done
jexec j1 python3 -c 'import socket; socket.socket(2, 2).sendto(b"x", ("198.51.100.99", 7777))'
for _ in $(seq 1500); do
	[ "$(wc -l <"$tmp/echo.got")" -ge 2 ] && break
	sleep 0.02
done
expect "j1's UDP datagram reaches the peer, from the jail's address" \
    "198.51.100.50" "$(sed -n 2p "$tmp/echo.got")"
expect_rc "v: a vnet jail" 0 jail -q -c name=v vnet persist path=/
expect "v keeps SOCK_PACKET (its own stack's frames)" "made" \
    "$(jexec v python3 "$tmp/made.py" 10 0x300)"
exit "$NG_FAILED"
