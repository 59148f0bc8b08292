#!/usr/bin/env bash
# How ngd reads requests (src/ngd/ctl.c): each into a buffer that fits
# it, so a small request costs what it is.  Requests of every size the
# kernel carries arrive whole: small ones, either side of the 128 KiB
# that ngd keeps a buffer for, and the largest datagram an AF_UNIX socket
# takes here (some 4 MiB: the kernel allocates a datagram in one piece,
# so the protocol's 16 MiB limit is not reached over the wire), also
# several queued at once; an empty datagram is refused and the
# connection kept; a client's hang-up still ends its node; a reply too
# large for a datagram fails its request (ngd.8), sent at once or queued
# behind others, and the connection stays.  Then, under
# valgrind, 300 small requests must cost ngd little CPU: read into a
# 16 MiB buffer, valgrind checked all of it each time (11 ms of CPU a
# request, 3 s for these 300; 0.04 s now).  About 6 s.
source "$(dirname "$0")/../lib.sh"
py=/usr/bin/python3
export NGD_LOG="$tmp/ngd.log"

cat >"$tmp/sizes.py" <<'EOF'
import os, socket, struct, sys
sys.path.insert(0, sys.argv[1])
import ngwire as w

def kernel_max():
    """The largest datagram an AF_UNIX SEQPACKET socket carries here."""
    a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    a.setsockopt(socket.SOL_SOCKET, 32, 64 << 20)  # SO_SNDBUFFORCE
    lo, hi = 1 << 20, 32 << 20
    while lo < hi:
        m = (lo + hi + 1) // 2
        try:
            a.send(b"\0" * m)
            b.recv(m)
            lo = m
        except OSError:
            hi = m - 1
    return lo

def request(total):
    """A request of total bytes to v, and what v should get."""
    args = os.urandom(total - 16 - 2 - 56)  # frame, "v:", ng_mesg
    return w.frame(w.MSG, "v:", w.mesg(4242, 1, args)), args

def got(args):
    b = v.recv(64 << 20)
    alen = struct.unpack_from("<HH", b)[1]
    return "whole" if b[16 + alen + 56:] == args else "NOT whole"

v, _ = w.control("v")
c, _ = w.control()
c.setsockopt(socket.SOL_SOCKET, 32, 64 << 20)
v.settimeout(5)
c.settimeout(30)
# What ngd passes on to v adds 9 bytes ("v:" becomes "[0000000N]:").
top = kernel_max() - 9
open(sys.argv[2], "w").write("largest datagram: %d\n" % (top + 9))
for total in [100, 128 << 10, (128 << 10) + 1, 1 << 20, top]:
    f, args = request(total)
    c.send(f)
    err = w.status(c)[0]
    print("%s: errno %d, %s" % ("largest" if total == top else total, err,
                                got(args)))
# Queued before ngd reads any: small, large, small, empty, small.
sizes = [200, 300 << 10, 64 << 10, 0, 100]
reqs = [request(t) if t else (b"", None) for t in sizes]
for f, _ in reqs:
    c.send(f)
out = []
for t, (f, args) in zip(sizes, reqs):
    if args is None:  # refused: EDESTADDRREQ, no status
        b = c.recv(1 << 16)
        out.append("empty: kind %d errno %d" % struct.unpack_from("<HHI", b)[::2])
        continue
    err = w.status(c)[0]
    out.append("%d: errno %d, %s" % (t, err, got(args)))
print("queued: " + "; ".join(out))
print("after them: errno %d" % w.request(c, w.MSG, ".",
                                        w.mesg(w.GENERIC, w.NGM_LISTTYPES)))
EOF

start_ngd
out=$($py "$tmp/sizes.py" "$top/tests/system" "$tmp/out" 2>&1)
expect "requests of every size arrive whole" "100: errno 0, whole
131072: errno 0, whole
131073: errno 0, whole
1048576: errno 0, whole
largest: errno 0, whole
queued: 200: errno 0, whole; 307200: errno 0, whole; 65536: errno 0, whole; empty: kind 6 errno 89; 100: errno 0, whole
after them: errno 0" "$out"
for _ in $(seq 100); do ngctl list | grep -q 'Name: v ' || break; sleep 0.02; done
expect "... and the client's hang-up took its node" "0" \
    "$(ngctl list | grep -c 'Name: v ')"
expect_rc "ngd serves" 0 quiet ngctl list

# A reply larger than a datagram the kernel carries fails its request
# (ENOBUFS or EMSGSIZE, as the kernel says), where it used to be lost
# with a status of 0 and the client left waiting: here nobody's
# binary2ascii of a bpf program, whose text is longer than its binary.
ngctl -f - <<'END'
mkpeer . hub h h
name .:h H
msg H: setpersistent
mkpeer H: bpf a a
name H:a B
END
cat >"$tmp/big.py" <<'EOF'
import socket, struct, sys
sys.path.insert(0, sys.argv[1])
import ngwire as w
BPF = 944100792
c, _ = w.control()
c.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 8 << 20)
c.settimeout(10)
n = int(sys.argv[2]) // 10  # 8 bytes each in binary, some 13 in text
prog = b"a".ljust(32, b"\0") * 3 + struct.pack("<i", n) + \
    struct.pack("<HBBI", 6, 0, 0, 0) * n
inner = struct.pack("<BBHIIIII", 8, 0, 0, len(prog), 1, 0, 0, BPF) + \
    b"setprogram".ljust(32, b"\0") + prog
err, got = w.reply(c, "B:", w.mesg(w.GENERIC, 12 | 0x30000000, inner))
print("too large: %s, %s" % ("refused" if err in (90, 105) else
                             "errno %d" % err,
                             "no reply" if got is None else "a reply"))
print("after it: errno %d" % w.request(c, w.MSG, ".",
                                      w.mesg(w.GENERIC, w.NGM_LISTTYPES)))
EOF
kmax=$(sed -n 's/^largest datagram: //p' "$tmp/out")
expect "a reply too large to send fails its request" "too large: refused, no reply
after it: errno 0" "$(setpriv --reuid=65534 --regid=65534 --clear-groups -- \
    $py - "$top/tests/system" "$kmax" <"$tmp/big.py" 2>&1)"

# ... and so does one queued behind other replies the client has not read
# yet (three of some 140 KiB fill the socket): ngd found out only when it
# sent the queue, and closed the connection instead.
cat >"$tmp/queued.py" <<'EOF'
import socket, struct, sys, time
sys.path.insert(0, sys.argv[1])
import ngwire as w
c, _ = w.control()
c.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 8 << 20)
c.settimeout(10)
kmax = int(sys.argv[2])
fill = w.big_binary2ascii(500)       # a reply of some 140 KiB
big = w.big_binary2ascii(kmax // 250) # one larger than a datagram
c.send(fill)
c.send(fill)
c.send(fill)
c.send(big)
c.send(w.frame(w.MSG, ".", w.mesg(w.GENERIC, w.NGM_LISTTYPES)))
time.sleep(1)                         # all read and answered, none read
out = []
try:
    for what in ["fill", "fill", "fill", "too large", "after it"]:
        out.append("%s: errno %d" % (what, w.status(c)[0]))
except (EOFError, OSError) as e:
    out.append("the connection: %s" % e)
print("; ".join(out))
EOF
expect "a reply too large, queued behind others, fails its request; the connection stays" \
    "fill: errno 0; fill: errno 0; fill: errno 0; too large: errno 105; after it: errno 0" \
    "$($py - "$top/tests/system" "$kmax" <"$tmp/queued.py" 2>&1)"
stop_ngd
NGD_PID=

# --- small requests under valgrind ---------------------------------------
if ! command -v valgrind >/dev/null; then
	fail "valgrind is not installed (scripts/deps installs it)"
	finish
fi
valgrind -q "$top/build/ngd" -d 2>"$tmp/vg.log" &
NGD_PID=$!
for _ in $(seq 300); do ngctl -N list >/dev/null 2>&1 && break; sleep 0.05; done
cat >"$tmp/small.py" <<'EOF'
import os, sys
sys.path.insert(0, sys.argv[1])
import ngwire as w
pid, n = int(sys.argv[2]), int(sys.argv[3])
def cpu_ms():
    f = open("/proc/%d/stat" % pid).read().rsplit(")", 1)[1].split()
    return (int(f[11]) + int(f[12])) * 1000 // os.sysconf("SC_CLK_TCK")
c, _ = w.control()
b = w.Burst(c, 30)
f = w.frame(w.MSG, ".", w.mesg(w.GENERIC, 0x30000006))  # nodeinfo
t0 = cpu_ms()
for i in range(0, n, b.most):
    assert not any(b.send([f] * b.most))
print(cpu_ms() - t0)
EOF
ms=$($py "$tmp/small.py" "$top/tests/system" "$NGD_PID" 300)
if [ -n "$ms" ] && [ "$ms" -lt 600 ]; then
	ok "300 small requests cost ngd under valgrind $ms ms of CPU"
else
	fail "300 small requests cost ngd under valgrind ${ms:-?} ms of CPU (600 at most)"
fi
finish
