# bridge_100k.sh, sourced (after lib.sh) by fastpath_bridge_import.sh
# and fastpath_bridge_writeback.sh: a bridge switching in the kernel
# that learns 100,000 hosts, beside one whose frames all cross ngd:
#
#   n0 ngeth0 --link0-- br0 --link1-- ngeth1 n1 (sends from 100,000 MACs
#                                          to itself: br0 learns them)
#   n2 ngeth2 --link0-- br1 --link1-- tee --right-- ngeth3 n3
#
# (br0 switches in the kernel; br1 does not, a tee being on it: frames
# between n2 and n3 go by ngd; ngd's import reads the one hosts map.)
cleanup() {
	for n in n0 n1 n2 n3; do ip netns del $n 2>/dev/null; done
	stop_ngd
}
trap 'kill $(jobs -p) 2>/dev/null; cleanup; rm -rf "$tmp"' EXIT
command -v strace >/dev/null || fail "strace is needed (scripts/deps installs it)"

setup() {
	start_ngd
	for i in 0 1 2 3; do
		ngctl mkpeer eiface ether ether
	done
	ngctl -f - <<'EOS'
mkpeer ngeth0: bridge ether link0
name ngeth0:ether br0
connect br0: ngeth1: link1 ether
mkpeer ngeth2: bridge ether link0
name ngeth2:ether br1
mkpeer br1: tee link1 left
connect br1:link1 ngeth3: right ether
EOS
	for i in 0 1 2 3; do
		ip netns add n$i
		ngctl msg ngeth$i: vnet "\"n$i\""
		in_ns n$i ip link set ngeth$i up
	done
	in_ns n2 ip addr add 198.18.3.1/24 dev ngeth2
	in_ns n3 ip addr add 198.18.3.2/24 dev ngeth3
	no_probes n2 ngeth2 # (the pings' times are ngd's, not ARP's)
	no_probes n3 ngeth3
	expect_rc "ping through the tee" 0 quiet in_ns n2 ping -c 1 -W 2 198.18.3.2
	ngctl msg br0: setmaxhosts 101000
}

# flood: n1 sends from 100,000 MACs to itself (br0 learns them)
flood() {
	in_ns n1 python3 -c 'import socket, struct
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind(("ngeth1", 0))
me = s.getsockname()[4]
s.send(b"\xff" * 6 + me + b"\x88\xb5" + bytes(46)) # then to me: dropped
for i in range(100000):
	s.send(me + b"\x02\x00" + struct.pack(">I", i) + b"\x88\xb5" + bytes(46))'
}

# slowest N [NS ADDR]: of N pings through the tee 5 ms apart (at nice
# -10; or from NS to ADDR), the slowest ("T ms (ping SEQ)")
slowest() {
	in_ns "${2:-n2}" nice -n -10 ping -c "$1" -i 0.005 -W 2 "${3:-198.18.3.2}" |
	    sed -nE 's/.*icmp_seq=([0-9]+) .*time=([0-9.]+) ms.*/\2 ms (ping \1)/p' |
	    sort -n | tail -1
}

# longest_run: in strace's $tmp/st (bpf, epoll_wait), the most bpf(2)
# calls ngd made between two of its loop's waits
longest_run() {
	awk '/^bpf\(/ { if (++n > m) m = n; next } { n = 0 } END { print m + 0 }' "$tmp/st"
}
