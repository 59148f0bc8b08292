#!/usr/bin/env bash
# build/brtime (bench/flat's kernel-bridge baseline): it counts the
# frames a Linux bridge of the namespace it is given forwarded while the
# command ran, and no frame of a bridge in another namespace.
source "$(dirname "$0")/../lib.sh"

# bridge NS: br0 in NS with ports pa, pb to eth0 in NS-a, NS-b (no IPv6:
# nothing crosses but what the test sends)
bridge() {
	local n
	for n in "$1" "$1-a" "$1-b"; do
		ip netns add "$n"
		ip netns exec "$n" sysctl -qw net.ipv6.conf.default.disable_ipv6=1 \
		    net.ipv6.conf.all.disable_ipv6=1
	done
	ip -n "$1" link add br0 type bridge
	ip -n "$1" link set br0 up
	for n in a b; do
		ip -n "$1" link add "p$n" type veth peer name eth0 netns "$1-$n"
		ip -n "$1" link set "p$n" master br0 up
		ip -n "$1-$n" link set eth0 up
	done
}
cat >"$tmp/send.py" <<'PY'
import socket, sys
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind(("eth0", 0))
f = bytes.fromhex(sys.argv[1].replace(":", "")) + s.getsockname()[4] + b"\x88\xb5" + bytes(46)
for _ in range(int(sys.argv[2])):
    s.send(f)
PY
# send NS DST N: N frames from NS's eth0 to DST
send() { ip netns exec "$1" python3 "$tmp/send.py" "$2" "$3"; }
mac() { ip -n "$1" -br link show eth0 | awk '{print $3}'; }

bridge kx && bridge ky || fail "brtime: two bridges"
# (b speaks first: the bridges know where b is, no frame is flooded)
send kx-b ff:ff:ff:ff:ff:ff 1 && send ky-b ff:ff:ff:ff:ff:ff 1
rx() { ip netns exec kx-b cat /sys/class/net/eth0/statistics/rx_packets; }
rx0=$(rx)
got=$(brtime /run/netns/kx -- sh -c "ip netns exec ky-a python3 '$tmp/send.py' $(mac ky-b) 50 &&
    ip netns exec kx-a python3 '$tmp/send.py' $(mac kx-b) 100")
case $got in
"prog br_forward id=0 runs=100 ns_per_run="[1-9]*) ok "brtime: kx's 100 frames, not ky's 50" ;;
*) fail "brtime: kx's 100 frames, not ky's 50 (got: $got)" ;;
esac
# (at least: a frame of the stack's own, an IPv6 router solicitation
# sent seconds after a link comes up, may cross too; 101 once in CI)
n=$(($(rx) - rx0))
[ "$n" -ge 100 ] && ok "brtime: kx's b received them ($n)" ||
    fail "brtime: kx's b received $n of 100"
# -d: to the frame's drop where it was delivered (kx-b's stack has no
# handler for 0x88b5), from a receive in kx only: ky's are not timed
got=$(brtime -d /run/netns/kx -- sh -c "ip netns exec ky-a python3 '$tmp/send.py' $(mac ky-b) 50 &&
    ip netns exec kx-a python3 '$tmp/send.py' $(mac kx-b) 100")
case $got in
"prog delivery id=0 runs=100 ns_per_run="[1-9]*) ok "brtime -d: kx's 100 frames to their drop in kx-b, not ky's 50" ;;
*) fail "brtime -d: kx's 100 frames to their drop in kx-b, not ky's 50 (got: $got)" ;;
esac
expect_rc "brtime: the command's exit status" 3 brtime /run/netns/kx -- sh -c "exit 3"
expect_rc "brtime: a namespace that is not there" 1 brtime /run/netns/none -- true 2>/dev/null
finish
