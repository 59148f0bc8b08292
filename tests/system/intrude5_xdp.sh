#!/usr/bin/env bash
# AF_XDP against an IP-alias jail's confinement.  An XDP socket asks the
# capability a packet socket asks (CAP_NET_RAW, which allow.raw_sockets
# gives), and one bound to a queue of an interface in copy mode sends
# the frames it is given there with no XDP program (dev_direct_xmit):
# past the stack, the jail's hooks and the egress backstop.  The seccomp
# filter refused AF_PACKET to a jail without vnet but not AF_XDP: the
# jail's root wrote onto the host's h0 UDP datagrams from the host's own
# address (198.51.100.1), which the peer took.  FreeBSD has no such
# family: EAFNOSUPPORT now, in every jail without vnet (without
# allow.raw_sockets the kernel said EPERM); nothing reaches the peer.
# The host's own XDP socket does the same (the probe works), and a vnet
# jail keeps the family.
#
#   host (this sandbox)  h0 198.51.100.1/24 + the jails' aliases
#        | veth
#   peer (netns)         p0 198.51.100.99/24, a UDP service on :7777
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/../jail_cgroups.sh"

jail_test_env
peer_up
in_ns peer python3 -c '
import socket
s = socket.socket(2, 2); s.bind(("198.51.100.99", 7777))
print("listening", flush=True)
while True:
    d, a = s.recvfrom(2048); print(d.decode(), a[0], flush=True)' \
    >"$tmp/peer.got" 2>&1 &
for _ in $(seq 1500); do
	grep -q listening "$tmp/peer.got" && break
	sleep 0.02
done
mac=$(in_ns peer cat /sys/class/net/p0/address)

cat >"$tmp/xdp_tx.py" <<'PY'
import ctypes, errno, mmap, socket, struct, sys, time
libc = ctypes.CDLL(None, use_errno=True)
SOL_XDP, XDP_MMAP_OFFSETS, XDP_TX_RING = 283, 1, 3
XDP_UMEM_REG, XDP_UMEM_FILL_RING, XDP_UMEM_COMPLETION_RING = 4, 5, 6
N = 64
def fail(step, e):
    print("errno", e.errno if isinstance(e, OSError) else e, step)
    sys.exit()
try:
    s = socket.socket(44, socket.SOCK_RAW, 0)
except OSError as e:
    fail("socket", e)
umem = mmap.mmap(-1, 2048 * N)
addr = ctypes.addressof(ctypes.c_char.from_buffer(umem))
try:
    s.setsockopt(SOL_XDP, XDP_UMEM_REG, struct.pack("QQII", addr, 2048 * N, 2048, 0))
    for opt in (XDP_UMEM_FILL_RING, XDP_UMEM_COMPLETION_RING, XDP_TX_RING):
        s.setsockopt(SOL_XDP, opt, N)
    off = struct.unpack("16Q", s.getsockopt(SOL_XDP, XDP_MMAP_OFFSETS, 128))
except OSError as e:
    fail("setsockopt", e)
tx_prod, tx_cons, tx_desc = off[4], off[5], off[6]
try:
    tx = mmap.mmap(s.fileno(), tx_desc + N * 16, mmap.MAP_SHARED,
                   mmap.PROT_READ | mmap.PROT_WRITE, offset=0x80000000)
    fq = mmap.mmap(s.fileno(), off[10] + N * 8, mmap.MAP_SHARED,
                   mmap.PROT_READ | mmap.PROT_WRITE, offset=0x100000000)
    cq = mmap.mmap(s.fileno(), off[14] + N * 8, mmap.MAP_SHARED,
                   mmap.PROT_READ | mmap.PROT_WRITE, offset=0x180000000)
except OSError as e:
    fail("mmap", e)
sxdp = struct.pack("HHIII", 44, 2, socket.if_nametoindex(sys.argv[1]), 0, 0)
if libc.bind(s.fileno(), sxdp, len(sxdp)) != 0:
    fail("bind", ctypes.get_errno())
def csum(b):
    t = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while t >> 16:
        t = (t & 0xffff) + (t >> 16)
    return ~t & 0xffff
word = sys.argv[3].encode()
u = struct.pack("!HHHH", 5555, 7777, 8 + len(word), 0) + word
ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(u), 1, 0, 64, 17, 0,
                 socket.inet_aton("198.51.100.1"), socket.inet_aton("198.51.100.99"))
ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
frame = bytes.fromhex(sys.argv[2].replace(":", "")) + \
    bytes.fromhex("020000000001") + b"\x08\x00" + ip + u
frame += b"\0" * max(0, 60 - len(frame))
for i in range(5):
    umem[i * 2048:i * 2048 + len(frame)] = frame
    tx[tx_desc + i * 16:tx_desc + i * 16 + 16] = struct.pack("QII", i * 2048, len(frame), 0)
tx[tx_prod:tx_prod + 4] = struct.pack("I", 5)
# the kick sends what the ring holds; a busy device says try again
for _ in range(100):
    if libc.sendto(s.fileno(), None, 0, 0x40, None, 0) >= 0:
        break
    if ctypes.get_errno() not in (errno.EAGAIN, errno.EBUSY, errno.ENOBUFS):
        fail("sendto", ctypes.get_errno())
    time.sleep(0.02)
else:
    fail("sendto", ctypes.get_errno())
print("sent")
PY
# (gotten and marker: jail_cgroups.sh's, to the peer's 198.51.100.99)

expect "the host's own XDP socket writes onto h0" "sent" \
    "$(python3 "$tmp/xdp_tx.py" h0 "$mac" host)"
marker 1 198.51.100.99 || fail "the marker reaches the peer"
expect "... and the peer takes its datagrams" "yes" \
    "$([ "$(gotten peer host)" -ge 1 ] && echo yes)"
expect_rc "j1: an IP-alias jail with allow.raw_sockets" 0 \
    jail -q -c name=j1 persist path=/ ip4.addr="h0|198.51.100.50/24" \
    allow.raw_sockets
expect_rc "j2: an IP-alias jail without" 0 \
    jail -q -c name=j2 persist path=/ ip4.addr="h0|198.51.100.51/24"
expect "j1: socket(AF_XDP): EAFNOSUPPORT" "errno 97 socket" \
    "$(jexec j1 python3 "$tmp/xdp_tx.py" h0 "$mac" jailed)"
marker 2 198.51.100.99 || fail "the marker reaches the peer"
expect "... and none of j1's datagrams from the host's address reach the peer" \
    "0" "$(gotten peer jailed)"
expect "j2: EAFNOSUPPORT too (the kernel's answer was EPERM)" \
    "errno 97 socket" "$(jexec j2 python3 "$tmp/xdp_tx.py" h0 "$mac" j2)"
expect_rc "v: a vnet jail" 0 jail -q -c name=v vnet persist path=/
expect "v keeps AF_XDP (its own stack's interfaces)" "made" \
    "$(jexec v python3 -c 'import socket; socket.socket(44, 3, 0); print("made")' 2>&1)"
exit "$NG_FAILED"
