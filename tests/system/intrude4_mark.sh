#!/usr/bin/env bash
# An IP-alias jail's root with allow.raw_sockets holds CAP_NET_RAW over
# the host's stack, and Linux (5.17 on) lets that set any socket's mark
# (SO_MARK).  The host's rules choose by marks: policy routes (ip rule
# fwmark: a VPN's "what may leave outside the tunnel"), a firewall's
# meta mark.  So the jail's root picked the host's routes for its own
# traffic.  FreeBSD has no such option.  Now setsockopt(SO_MARK) in an
# IP-alias jail is EPERM (a cgroup setsockopt program, with the others of
# jail_sock.bpf.c); its raw sockets keep the mark sock_create gives them
# (the jail's routes: jail_ipalias.sh pings through them).
#
#   host  h0 198.51.100.1/24 (+ j1's alias .50) -- peer   p0, 203.0.113.9
#         h1 198.18.7.1/24                      -- bypass q0, 203.0.113.9
#   203.0.113.0/24 via peer; with mark 0x77 (rule, table 77) via bypass
#
# Each side listens on 203.0.113.9:7777 and writes what it gets.  The
# host's root sends with the mark (the rule works: bypass gets it); the
# jail's root asks for the mark and sends: EPERM, and its datagrams reach
# the peer, none the bypass (on main the mark was taken and they went to
# the bypass).  (UDP's and raw sockets' per-message mark, a SO_MARK
# control message, needs the same capability and no hook sees it: left
# to do, jail.8.)
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/../jail_cgroups.sh"

cleanup() {
	kill $(jobs -p) 2>/dev/null
	jails_gone
	ip rule del fwmark 0x77 table 77 2>/dev/null
	ip netns del peer 2>/dev/null
	ip netns del bypass 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
chmod 755 "$tmp"

bypass_wire || fail "the peer and the bypass listen"
ip route add 203.0.113.0/24 via 198.51.100.99
ip route add 203.0.113.0/24 via 198.18.7.99 table 77
ip rule add fwmark 0x77 table 77 pref 500

# send.py WORD: ask for mark 0x77, say what became of it, send WORD 5 times
cat >"$tmp/send.py" <<'EOF'
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
try:
    s.setsockopt(socket.SOL_SOCKET, socket.SO_MARK, 0x77)
    print("mark", s.getsockopt(socket.SOL_SOCKET, socket.SO_MARK))
except OSError as e:
    print("errno", e.errno)
for _ in range(5):
    s.sendto(sys.argv[1].encode(), ("203.0.113.9", 7777))
EOF

expect "the host's root: its mark is taken" "mark 119" "$(python3 "$tmp/send.py" hostroot)"
marker 1 || fail "the marker reaches the peer"
expect "... and its datagrams take the rule's route (bypass, not peer)" "5 0" \
    "$(gotten bypass hostroot) $(gotten peer hostroot)"

expect_rc "j1: an IP-alias jail with allow.raw_sockets" 0 \
    jail -q -c name=j1 persist path=/ ip4.addr="h0|198.51.100.50/24" \
    allow.raw_sockets
expect "j1's root asks for the mark: EPERM" "errno 1" \
    "$(jexec j1 python3 "$tmp/send.py" jailed)"
marker 2 || fail "the marker reaches the peer"
expect "... and its datagrams go where the host's routes send the jail's (peer, not bypass)" \
    "5 0" "$(gotten peer jailed) $(gotten bypass jailed)"
expect "... from the jail's address" "198.51.100.50" \
    "$(grep -m1 '^jailed ' "$tmp/peer.got" | cut -d' ' -f2)"
expect "j1's raw socket keeps the mark its jail gives it (the jail's routes)" \
    "$((0x6a000000 + $(jls -j j1 jid)))" \
    "$(jexec j1 python3 -c 'import socket; s = socket.socket(2, 3, 1); print(s.getsockopt(1, 36))')"

expect_rc "j2: one without allow.raw_sockets" 0 \
    jail -q -c name=j2 persist path=/ ip4.addr="h0|198.51.100.51/24"
expect "j2's root asks for the mark: EPERM" "errno 1" \
    "$(jexec j2 python3 "$tmp/send.py" plain)"
marker 3 || fail "the marker reaches the peer"
expect "... its datagrams to the peer" "5 0" "$(gotten peer plain) $(gotten bypass plain)"
exit "$NG_FAILED"
