#!/usr/bin/python3
"""short_frames.py: short Ethernet frames for tests/system/fastpath_short.sh.
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
      on standard error first, once the capture has begun."""
import os
import select
import socket
import struct
import sys
import time

SOL_PACKET, PACKET_AUXDATA = 263, 8
TP_STATUS_VLAN_VALID, TP_STATUS_VLAN_TPID_VALID = 0x10, 0x40


def frame(spec):
    t, n = spec.split(":")
    f = b"\x02\0\0\0\0\x01\x02\0\0\0\0\x02" + struct.pack("!H", int(t, 16))
    return (f + bytes(range(1, 200)))[: int(n)]


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
        get = lambda: (os.read(0, 65536), None)
    else:
        s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(3))
        s.setsockopt(SOL_PACKET, PACKET_AUXDATA, 1)
        s.bind((where, 0))
        fd = s.fileno()
        # (for tests/lib.sh's listening: the capture has begun)
        print("listening on", where, file=sys.stderr, flush=True)

        def get():
            f, anc, _, addr = s.recvmsg(65536, 256)
            if addr[2] == socket.PACKET_OUTGOING:
                return None, None
            for lvl, typ, d in anc:
                if lvl == SOL_PACKET and typ == PACKET_AUXDATA:
                    st, _, _, _, _, tci, tpid = struct.unpack("IIIHHHH", d[:20])
                    if st & TP_STATUS_VLAN_VALID:
                        if not st & TP_STATUS_VLAN_TPID_VALID:
                            tpid = 0x8100
                        f = f[:12] + struct.pack("!HH", tpid, tci) + f[12:]
            return f, None

    while True:
        left = end - time.time()
        if left <= 0 or not select.select([fd], [], [], left)[0]:
            return
        f, _ = get()
        if f is None:
            continue
        if not f:
            return
        print(len(f), f.hex(), file=log, flush=True)


if sys.argv[1] == "send":
    send(sys.argv[2], sys.argv[3:])
else:
    recv(sys.argv[2], sys.argv[3])
