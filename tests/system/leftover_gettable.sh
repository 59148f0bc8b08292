#!/usr/bin/env bash
# ngctl msg br0: gettable over a real table of 450,000 hosts, learned from
# frames (the kernel's fast path learns them in a few seconds):
#
#   ngeth0 --link0-- br0 --link1-- ngeth1 n1 (sends from 450,000 MACs)
#
# Frames to and from ngd were 16 MiB at most either way: over some
# 270,000 hosts the text (~58 bytes a host) did not fit, and ngctl
# printed the binary reply in hex with no word why; over some 420,000
# the binary (40 bytes a host) did not either (ENOBUFS).  Now frames to
# and from root (or ngd's -g group) may be 256 MiB (ngd_proto.h,
# NGD_HELLO_LARGE), a million hosts' text, so root gets the whole table
# as text; anyone else keeps 16 MiB (what they may leave ngd holding).
source "$(dirname "$0")/../lib.sh"
trap 'stop_ngd; ip netns del n1 2>/dev/null; rm -rf "$tmp"' EXIT
N=450000

start_ngd || finish
ngctl mkpeer eiface ether ether && ngctl mkpeer eiface ether ether ||
    fail "two eifaces"
ngctl -f - <<'EOS' || fail "br0"
mkpeer ngeth0: bridge ether link0
name ngeth0:ether br0
connect br0: ngeth1: link1 ether
EOS
ngctl msg br0: setmaxhosts $((N + 1000))
ip netns add n1
ngctl msg ngeth1: vnet '"n1"'
ip -n n1 link set ngeth1 up
ip netns exec n1 python3 -c 'import socket, struct, sys
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind(("ngeth1", 0))
me = s.getsockname()[4]
for i in range(int(sys.argv[1])):
	f = me + b"\x02\x00" + struct.pack(">I", i) + b"\x88\xb5" + bytes(46)
	while True:
		try:
			s.send(f)
			break
		except OSError as e: # ENOBUFS: the queue is full, try again
			if e.errno != 105:
				raise' $N || fail "the frames from $N MACs"

# hosts: the table's count, from its text (none while it is no text)
hosts() { ngctl msg br0: gettable 2>/dev/null | grep -oE 'numHosts=[0-9]+' | cut -d= -f2; }
# (until all are learned: "eventually", 60 s at most; or until the table
# is no text, where it went on in hex before)
for _ in $(seq 120); do
	h=$(hosts)
	[ -z "$h" ] || [ "$h" -ge $N ] && break
	sleep 0.5
done
ngctl msg br0: gettable >"$tmp/out" 2>"$tmp/err"
expect "gettable of $N+ hosts: exit 0, nothing on stderr" "0 " "$? $(cat "$tmp/err")"
expect "... as text" 'Rec'"'"'d response "gettable"' "$(head -c 25 "$tmp/out")"
n=$(grep -oE 'numHosts=[0-9]+' "$tmp/out" | cut -d= -f2)
expect "... of them all (${n:-no} hosts)" 1 "$([ -n "$n" ] && [ "$n" -ge $N ] && echo 1)"
expect "... each one there" "$n" "$(grep -o 'addr=' "$tmp/out" | wc -l)"
expect "... the last ends the text" "} ] }" "$(tail -c 6 "$tmp/out" | head -c 5)"
finish
