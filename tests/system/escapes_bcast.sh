#!/usr/bin/env bash
# An IP-alias jail's raw socket and the limited broadcast.  FreeBSD's raw
# input gives a socket of a jail without vnet a datagram only when its
# destination is one of the jail's addresses, or multicast (rip_input:
# prison_check_ip4, which knows no broadcast); a datagram to
# 255.255.255.255 reaches the host's raw sockets and not the jail's.
# Here it reached the jail's too (the ingress program let every
# 255.255.255.255 in, for every socket of the jail).  Now a raw socket of
# the jail's is not given it; multicast and its own address it still is,
# and the host's raw socket gets all three.
#
#   host (this sandbox)  h0 198.51.100.1/24 + the jail's 198.51.100.51
#        | veth
#   peer (netns)         p0 198.51.100.99/24, sends IP protocol 253
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/../jail_cgroups.sh"

cleanup() {
	jails_gone
	ip netns del peer 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

peer_up
jail -q -c name=jb persist path=/ ip4.addr="h0|198.51.100.51/24" \
    allow.raw_sockets || fail "the IP-alias jail"

# A raw socket of IP protocol 253 that prints "ready", then the payloads
# it is given until "ucast" (the last one sent), 60 s at most (they are
# sent once both sockets are ready, which may take 30 s on a loaded machine).
cat >"$tmp/recv.py" <<'END'
import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_RAW, 253)
s.settimeout(1)
print("ready", flush=True)
got, end = [], time.monotonic() + 60
while time.monotonic() < end:
    try:
        data = s.recv(2048)
    except socket.timeout:
        continue
    p = data[(data[0] & 15) * 4:]
    got.append(p.decode(errors="replace"))
    if p == b"ucast":
        break
print(" ".join(got), flush=True)
END
# The peer's datagrams: to the limited broadcast, to all hosts (224.0.0.1),
# then to the jail's address.
cat >"$tmp/send.py" <<'END'
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_RAW, 253)
s.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
s.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, b"p0")
for p, dst in ((b"bcast", "255.255.255.255"), (b"mcast", "224.0.0.1"),
               (b"ucast", "198.51.100.51")):
    s.sendto(p, (dst, 0))
END

jexec jb python3 "$tmp/recv.py" >"$tmp/jail.out" 2>&1 &
jpid=$!
python3 "$tmp/recv.py" >"$tmp/host.out" 2>&1 &
hpid=$!
ready=0
for _ in $(seq 1500); do
	[ "$(head -n 1 "$tmp/jail.out")" = ready ] &&
	    [ "$(head -n 1 "$tmp/host.out")" = ready ] && ready=1 && break
	sleep 0.02
done
expect "both raw sockets are open" 1 "$ready"
in_ns peer python3 "$tmp/send.py" || fail "the peer sends"
wait $jpid $hpid
expect "the host's raw socket: the broadcast, the multicast, the unicast" \
    "bcast mcast ucast" "$(sed -n 2p "$tmp/host.out")"
expect "the jail's raw socket: not the broadcast (as FreeBSD's rip_input)" \
    "mcast ucast" "$(sed -n 2p "$tmp/jail.out")"
finish
