#!/usr/bin/env bash
# Since Linux 5.7 any socket may be bound to any interface
# (SO_BINDTODEVICE, SO_BINDTOIFINDEX; IP_UNICAST_IF and IPV6_UNICAST_IF
# the same for unicast sends): an IP-alias jail's process sent from the
# host's interface of its choice, past the host's routes.  FreeBSD's
# jailed socket cannot name an interface (the routes choose), nor bind to
# foreign addresses (IP_BINDANY needs a privilege no jail has; Linux's
# IP_TRANSPARENT needs CAP_NET_RAW, which allow.raw_sockets gives).  Now
# each is EPERM in an IP-alias jail (jail_sock.bpf.c's setsockopt
# program); clearing a binding ("" or 0) still works.  And jail -m gives a
# jail made by an older jail(8) (without the program, or with an older
# one) this build's program.
#
#   host  h0 198.51.100.1/24 (+ j1's alias .50) -- peer   p0, 203.0.113.9
#         h1 198.18.7.1/24                      -- bypass q0, 203.0.113.9
#   203.0.113.0/24 via peer (metric 100), via bypass (metric 500)
#
# Each side listens on 203.0.113.9:7777 and writes what it gets.  The
# host's root binds to h1 (the binding works: bypass gets it); the jail's
# root asks for h1: EPERM, and its datagrams reach the peer, none the
# bypass (on main the binding was taken and they went to the bypass).
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/../jail_cgroups.sh"

jail_test_env

bypass_wire || fail "the peer and the bypass listen"
ip route add 203.0.113.0/24 via 198.51.100.99 metric 100
ip route add 203.0.113.0/24 via 198.18.7.99 metric 500

# send.py WORD HOW: ask for interface h1 (HOW: dev, index, unicast),
# say what became of it, send WORD 5 times
cat >"$tmp/send.py" <<'PY'
import socket, struct, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
idx = socket.if_nametoindex("h1")
try:
    if sys.argv[2] == "dev":
        s.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, b"h1")
    elif sys.argv[2] == "index":
        s.setsockopt(socket.SOL_SOCKET, 62, idx)
    else:  # IP_UNICAST_IF: the index in network order
        s.setsockopt(socket.IPPROTO_IP, 50, struct.pack("!I", idx))
    print("bound")
except OSError as e:
    print("errno", e.errno)
for _ in range(5):
    s.sendto(sys.argv[1].encode(), ("203.0.113.9", 7777))
PY

expect "the host's root: its binding to h1 is taken" "bound" \
    "$(python3 "$tmp/send.py" hostroot dev)"
marker 1 || fail "the marker reaches the peer"
expect "... and its datagrams leave by h1 (bypass, not peer)" "5 0" \
    "$(gotten bypass hostroot) $(gotten peer hostroot)"

expect_rc "j1: an IP-alias jail with allow.raw_sockets" 0 \
    jail -q -c name=j1 persist path=/ ip4.addr="h0|198.51.100.50/24" \
    allow.raw_sockets
n=2
for how in dev index unicast; do
	expect "j1's root asks for h1 ($how): EPERM" "errno 1" \
	    "$(jexec j1 python3 "$tmp/send.py" "jailed$how" $how)"
	marker $n || fail "the marker reaches the peer"
	expect "... and its datagrams go where the host's routes send them (peer, not bypass)" \
	    "5 0" "$(gotten peer "jailed$how") $(gotten bypass "jailed$how")"
	n=$((n + 1))
done
expect "... from the jail's address" "198.51.100.50" \
    "$(grep -m1 '^jaileddev ' "$tmp/peer.got" | cut -d' ' -f2)"
expect "j1 may clear a binding (\"\", index 0)" "ok" \
    "$(jexec j1 python3 -c 'import socket; s = socket.socket(2, 2)
s.setsockopt(1, 25, b""); s.setsockopt(1, 62, 0); s.setsockopt(0, 50, 0); print("ok")' 2>&1)"
expect "j1 (with CAP_NET_RAW) asks for IP_TRANSPARENT: EPERM" "errno 1" \
    "$(jexec j1 python3 -c 'import socket; s = socket.socket(2, 2)
try:
    s.setsockopt(0, 19, 1); print("taken")
except OSError as e:
    print("errno", e.errno)')"
expect_rc "j6: an IP-alias jail with an IPv6 address" 0 \
    jail -q -c name=j6 persist path=/ ip6.addr="h0|2001:db8::50/64"
expect "j6's root asks for h1 on an IPv6 socket (IPV6_UNICAST_IF, SO_BINDTODEVICE): EPERM" \
    "errno 1 errno 1" \
    "$(jexec j6 python3 -c 'import socket; s = socket.socket(10, 2)
out = []
for lvl, opt, val in ((41, 76, socket.if_nametoindex("h1")), (1, 25, b"h1")):
    try:
        s.setsockopt(lvl, opt, val); out.append("taken")
    except OSError as e:
        out.append("errno %d" % e.errno)
print(" ".join(out))')"
expect "other options as before (SO_REUSEADDR, IP_TOS)" "1 16" \
    "$(jexec j1 python3 -c 'import socket; s = socket.socket(2, 2)
s.setsockopt(1, 2, 1); s.setsockopt(0, 1, 16); print(s.getsockopt(1, 2), s.getsockopt(0, 1))')"

# A jail made by a jail(8) before this program: its link gone (unpinned,
# so detached), the jail's root binds to h1 again; jail -m gives it back.
pin=/sys/fs/bpf/ngjail/$jail_run/$(jls -j j1 jid)/jail_sock_setsockopt
expect "j1's setsockopt program is pinned (its link)" "yes" \
    "$([ -e "$pin" ] && echo yes)"
rm -f "$pin"
got=
for _ in $(seq 500); do
	got=$(jexec j1 python3 "$tmp/send.py" oldjail dev)
	[ "$got" = bound ] && break
	sleep 0.02
done
expect "j1 without the program (an older jail(8)'s): the binding is taken" \
    "bound" "$got"
expect_rc "jail -m j1" 0 jail -q -m name=j1 allow.raw_sockets
expect "... gives it this build's program again: EPERM" "errno 1" \
    "$(jexec j1 python3 "$tmp/send.py" renewed dev)"
expect "... pinned again" "yes" "$([ -e "$pin" ] && echo yes)"
expect_rc "jail -m name=j1 once more, nothing else (the pinned link takes the program)" 0 \
    jail -q -m name=j1
expect "... still EPERM" "errno 1" \
    "$(jexec j1 python3 "$tmp/send.py" renewed2 dev)"
marker $n || fail "the marker reaches the peer"
expect "the renewed jail's datagrams reach the peer, not the bypass" "5 0" \
    "$(gotten peer renewed) $(gotten bypass renewed)"
exit "$NG_FAILED"
