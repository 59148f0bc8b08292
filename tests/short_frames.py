#!/usr/bin/python3
"""short_frames.py: short Ethernet frames for tests/system/fastpath_short.sh,
and the intruder's wire for intrude2_wire.sh and intrude4_porthdr.sh.
  short_frames.py send IFACE|- SPEC...   each SPEC (TYPE:LEN, TYPE in hex)
      one frame 02:00:00:00:00:01 <- 02:00:00:00:00:02 of LEN bytes, its
      ethertype TYPE, then 01 02 03 ...; out of IFACE (a packet socket), or
      '-': to standard output, one write a frame (nghook -e); prints
      "TYPE:LEN ok" or "TYPE:LEN errno N" each; then, if SHORT_HOLD names
      a file, waits until it exists (10 s at most), its hook kept.
  short_frames.py recv IFACE|- SECONDS   the frames that arrive in SECONDS
      (an interface's, a VLAN tag the kernel took out of band put back
      inline; '-': standard input, one read a frame, and the lines to
      standard error, standard output being the hook), one line each:
      LEN and the bytes in hex; from an interface, "listening on IFACE"
      on standard error first, once the capture has begun.
  short_frames.py wire PLAN OUT WANT NS...   a packet socket on each
      network namespace NS's interface eNS (NS under /run/netns); PLAN's
      lines, "send NS HEX" (that frame out of eNS) and "sleep SECONDS",
      run in turn while every frame that reaches a socket (not one it
      sent) is noted, a VLAN tag the kernel took out of band put back
      inline; once WANT have come and then none for a second (20 s at
      most: what crosses ngd on a loaded machine may come late), OUT has
      a line each, in the order they came: "NS LEN HEX"."""
import ctypes
import os
import select
import socket
import struct
import sys
import threading
import time

ETH_P_ALL, SOL_PACKET, PACKET_AUXDATA = 3, 263, 8
TP_STATUS_VLAN_VALID, TP_STATUS_VLAN_TPID_VALID = 0x10, 0x40
CLONE_NEWNET = 0x40000000


def frame(spec):
    t, n = spec.split(":")
    f = b"\x02\0\0\0\0\x01\x02\0\0\0\0\x02" + struct.pack("!H", int(t, 16))
    return (f + bytes(range(1, 200)))[: int(n)]


def packet_socket(iface):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    s.setsockopt(SOL_PACKET, PACKET_AUXDATA, 1)
    s.bind((iface, 0))
    return s


def received(s):
    """The next frame on packet_socket s, the VLAN tag the kernel took out
    of band put back inline; None for one that went out of it."""
    f, anc, _, addr = s.recvmsg(65536, 256)
    if addr[2] == socket.PACKET_OUTGOING:
        return None
    for lvl, typ, d in anc:
        if lvl == SOL_PACKET and typ == PACKET_AUXDATA:
            st, _, _, _, _, tci, tpid = struct.unpack("IIIHHHH", d[:20])
            if st & TP_STATUS_VLAN_VALID:
                if not st & TP_STATUS_VLAN_TPID_VALID:
                    tpid = 0x8100
                f = f[:12] + struct.pack("!HH", tpid, tci) + f[12:]
    return f


def send(where, specs):
    if where == "-":
        out = lambda f: os.write(1, f)
        log = sys.stderr
    else:
        s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
        s.bind((where, 0))
        out = s.send
        log = sys.stdout
    for spec in specs:
        try:
            out(frame(spec))
            print(spec, "ok", file=log, flush=True)
        except OSError as e:
            print(spec, "errno", e.errno, file=log, flush=True)
        time.sleep(0.02)
    print("sent", file=log, flush=True)
    hold = os.environ.get("SHORT_HOLD")
    end = time.time() + 10
    while hold and not os.path.exists(hold) and time.time() < end:
        time.sleep(0.02)


def recv(where, secs):
    end = time.time() + float(secs)
    log = sys.stderr if where == "-" else sys.stdout
    if where == "-":
        fd = 0
        get = lambda: os.read(0, 65536)
    else:
        s = packet_socket(where)
        fd = s.fileno()
        # (for tests/lib.sh's listening: the capture has begun)
        print("listening on", where, file=sys.stderr, flush=True)
        get = lambda: received(s)

    while True:
        left = end - time.time()
        if left <= 0 or not select.select([fd], [], [], left)[0]:
            return
        f = get()
        if f is None:
            continue
        if not f:
            return
        print(len(f), f.hex(), file=log, flush=True)


def wire(plan, out, want, names):
    libc = ctypes.CDLL(None, use_errno=True)
    socks = {}
    for ns in names:
        fd = os.open("/run/netns/" + ns, os.O_RDONLY)
        if libc.setns(fd, CLONE_NEWNET) != 0:
            sys.exit("setns %s: %s" % (ns, os.strerror(ctypes.get_errno())))
        os.close(fd)
        socks[ns] = packet_socket("e" + ns)
    got, done = [], False

    def sniff():
        by = {s.fileno(): ns for ns, s in socks.items()}
        while not done:
            for s in select.select(list(socks.values()), [], [], 0.05)[0]:
                f = received(s)
                if f is not None:
                    got.append((by[s.fileno()], f))

    t = threading.Thread(target=sniff)
    t.start()
    time.sleep(0.2)
    for line in open(plan):
        w = line.split()
        if w[0] == "sleep":
            time.sleep(float(w[1]))
        else:
            socks[w[1]].send(bytes.fromhex(w[2]))
    for _ in range(20):
        n = len(got)
        time.sleep(1)
        if len(got) == n and n >= want:
            break
    done = True
    t.join()
    with open(out, "w") as f:
        for ns, d in got:
            f.write("%s %d %s\n" % (ns, len(d), d.hex()))


if sys.argv[1] == "send":
    send(sys.argv[2], sys.argv[3:])
elif sys.argv[1] == "wire":
    wire(sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5:])
else:
    recv(sys.argv[2], sys.argv[3])
