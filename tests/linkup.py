#!/usr/bin/python3
"""linkup.py: the first frames after an interface comes up, for
tests/system/linkup_*.sh.
  linkup.py SNS SIF RNS RIF COUNT TRIGGER...
      Opens a packet socket on RIF in the network namespace RNS (a
      receiver) and one on SIF in SNS (a sender), then runs TRIGGER:
      "up NS IF" sets IF in NS up (SIOCSIFFLAGS, in this process, so
      that nothing comes between it and the first frame), any other
      words are a command run to its end (ngctl connect ...).  At once
      after it, sends COUNT broadcast frames (ethertype 0x88b5, a
      sequence number in each) from SIF's address out of SIF, one every millisecond,
      stopping 50 ms after the first one arrived on RIF.  Prints
      "first SEQ ms MS got N of SENT": the first frame that arrived
      (-1: none), milliseconds from the trigger's end to its arrival,
      how many arrived of those sent.  SEQ 0: nothing was lost.
  With LINKUP_ANSWER=1, each frame that arrives on RIF is answered at
  once, a broadcast frame from RIF's address with the same number (as a
  host answers an ARP request, DHCP a discover), and it stops 50 ms
  after the first answer arrived on SIF; then prints " answer SEQ ms MS"
  too: the frame whose answer arrived first (-1: none), and when."""
import ctypes
import fcntl
import os
import select
import socket
import struct
import subprocess
import sys
import time

CLONE_NEWNET = 0x40000000
SIOCGIFFLAGS, SIOCSIFFLAGS, IFF_UP = 0x8913, 0x8914, 1
ETH_P = 0x88B5
libc = ctypes.CDLL(None, use_errno=True)


HOME = os.open("/proc/self/ns/net", os.O_RDONLY)


def enter(ns):
    fd = os.open("/run/netns/" + ns, os.O_RDONLY) if ns != "-" else os.dup(HOME)
    if libc.setns(fd, CLONE_NEWNET) != 0:
        sys.exit("setns %s: %s" % (ns, os.strerror(ctypes.get_errno())))
    os.close(fd)


def packet(ns, ifname):
    enter(ns)
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P))
    s.bind((ifname, ETH_P))
    return s


def main():
    sns, sif, rns, rif, count = sys.argv[1:6]
    count = int(count)
    trigger = sys.argv[6:]
    r = packet(rns, rif)
    r.setblocking(False)
    s = packet(sns, sif)
    if trigger[0] == "up":
        enter(trigger[1])
        c = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        req = struct.pack("16sH14x", trigger[2].encode(), 0)
        flags = struct.unpack("16sH14x", fcntl.ioctl(c, SIOCGIFFLAGS, req))[1]
        req = struct.pack("16sH14x", trigger[2].encode(), flags | IFF_UP)
        fcntl.ioctl(c, SIOCSIFFLAGS, req)
    else:
        enter("-")
        subprocess.run(trigger, check=True)
    # a socket bound while its interface was down holds ENETDOWN for its
    # next call; one opened after the trigger would not
    s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
    r.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
    t0 = time.monotonic()
    src = s.getsockname()[4]  # SIF's own address (a bridge learns it)
    rsrc = r.getsockname()[4]
    answer = os.environ.get("LINKUP_ANSWER") == "1"
    s.setblocking(False)
    first, ms, got, sent, stop, errs = -1, -1.0, set(), 0, None, []
    afirst, ams = -1, -1.0
    while True:
        now = time.monotonic()
        if stop is not None and now >= stop:
            break
        if sent < count and now >= t0 + sent / 1000.0:
            f = b"\xff" * 6 + src + struct.pack("!HI", ETH_P, sent)
            try:
                s.send(f + bytes(46))
            except OSError as e:  # counted as sent: it was lost
                errs.append("%d:%s" % (sent, e.strerror))
            sent += 1
        elif sent >= count and stop is None:
            stop = now + 0.2
        select.select([r], [], [], 0.0005)
        while True:
            try:
                d = r.recv(2048)
            except BlockingIOError:
                break
            except OSError:  # ENETDOWN: RIF went down after the bind
                r.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
                continue
            if len(d) < 18 or d[6:12] != src:
                continue
            seq = struct.unpack("!I", d[14:18])[0]
            if first < 0:
                first, ms = seq, (time.monotonic() - t0) * 1000
                if not answer:
                    stop = time.monotonic() + 0.05
            got.add(seq)
            if answer:
                try:
                    r.send(b"\xff" * 6 + rsrc + d[12:18] + bytes(46))
                except OSError:
                    pass
        while answer:
            try:
                d = s.recv(2048)
            except BlockingIOError:
                break
            except OSError:
                s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
                continue
            if len(d) < 18 or d[6:12] != rsrc or afirst >= 0:
                continue
            afirst = struct.unpack("!I", d[14:18])[0]
            ams = (time.monotonic() - t0) * 1000
            stop = time.monotonic() + 0.05
    out = "first %d ms %.1f got %d of %d" % (first, ms, len(got), sent)
    if answer:
        out += " answer %d ms %.1f" % (afirst, ams)
    print(out, *errs[:3])


main()
