#!/usr/bin/python3
"""ngwire.py: a raw client of ngd's wire protocol (src/proto/ngd_proto.h)
for the fault and bounds tests, which need clients that misbehave in ways
libnetgraph never would: stop reading, flood, hold many connections, or
send frames faster than ngctl can.  One subcommand per behaviour:

  victim NAME SECS          make socket node NAME, then read nothing
  dying NAME COUNT          make socket node NAME, send COUNT listnodes
                            requests, read nothing, die by SIGKILL
  dvictim NAME SECS         the same with a data connection and a hook
                            "a" to a hub (NAME:a)
  pump PATH COUNT SIZE      send COUNT messages of SIZE bytes to PATH;
                            print "sent N errno E" (E of the first failure)
  dpump PATH COUNT SIZE     hook "x" to the node at PATH, then COUNT
                            broadcast frames of SIZE bytes out of it
  spoof PATH                send a forged reply (listnodes) to PATH;
                            print "errno E"
  flood SECS [MIN]          requests as fast as ngd answers, for SECS,
                            or until SIGTERM once MIN are sent
  flood-unread SECS         requests without reading any answer, until
                            one blocks SECS or until SIGTERM
  conns N SECS [first]      open N connections, say hello on each; print
                            "accepted A refused R"; hold them SECS
                            (first: try no more after the first refusal,
                            which took 2 s unanswered)
  bigreplies CONNS PER SECS
                            CONNS connections, each asking PER times for a
                            reply of some 4 MiB (binary2ascii of a
                            made-up listnodes reply), reading none; print
                            "sent"; after SECS read them all and print
                            "replies R refused F" (F: ENOBUFS statuses)
  costly CONNS SECS          CONNS connections that keep 16 smaller such
                            requests (2,000 entries, 566 KB of text, some
                            10 ms of ngd's time each) in flight for SECS
                            (or until SIGTERM once one is answered),
                            reading the answers;
                            print "answered N"
  macs PATH HOOK COUNT [SEED [bcast]]
                            hook "m" to HOOK of the node at PATH, then
                            frames from COUNT random source MACs (seeded
                            by SEED), to a host behind our own hook
                            (learned first), or broadcast
"""
import ctypes
import os
import random
import select
import signal
import socket
import struct
import sys
import threading
import time

SOCK = "\0" + os.environ.get("NGD_SOCKET", "@netgraph").lstrip("@")
GENERIC = 1137070366
BRIDGE = 1569321993
HELLO_CTL, HELLO_DATA, MSG, DATA, STATUS = 1, 2, 3, 4, 5
NGM_CONNECT, NGM_MKPEER = 3, 2
NGM_LISTNODES, NGM_LISTTYPES = 9 | 0x30000000, 10 | 0x30000000


class _Iovec(ctypes.Structure):
    _fields_ = [("base", ctypes.c_void_p), ("len", ctypes.c_size_t)]


class _Msghdr(ctypes.Structure):
    _fields_ = [("name", ctypes.c_void_p), ("namelen", ctypes.c_uint32),
                ("iov", ctypes.POINTER(_Iovec)), ("iovlen", ctypes.c_size_t),
                ("control", ctypes.c_void_p), ("controllen", ctypes.c_size_t),
                ("flags", ctypes.c_int)]


class _Mmsghdr(ctypes.Structure):
    _fields_ = [("hdr", _Msghdr), ("len", ctypes.c_uint)]


_libc = ctypes.CDLL(None, use_errno=True)
MSG_WAITFORONE = 0x10000


class Burst:
    """Frames out and their statuses back, a batch per system call each
    way (sendmmsg, recvmmsg): what ngd sees is the same frames one by
    one, but a pure-Python loop of send and recv costs more CPU than ngd
    spends on them."""

    def __init__(self, s, most=64):
        self.fd = s.fileno()
        self.most = most
        self.out = (_Mmsghdr * most)()
        self.oiov = (_Iovec * most)()
        self.inb = ctypes.create_string_buffer(most * 64)
        self.into = (_Mmsghdr * most)()
        self.iiov = (_Iovec * most)()
        base = ctypes.addressof(self.inb)
        for i in range(most):
            self.iiov[i].base = base + 64 * i
            self.iiov[i].len = 64
            self.into[i].hdr.iov = ctypes.pointer(self.iiov[i])
            self.into[i].hdr.iovlen = 1
            self.out[i].hdr.iov = ctypes.pointer(self.oiov[i])
            self.out[i].hdr.iovlen = 1

    def send(self, frames):
        """Send frames (at most `most`), then read a status for each;
        return the errors (0: accepted)."""
        k = len(frames)
        buf = b"".join(frames)
        keep = ctypes.create_string_buffer(buf, len(buf))
        at = ctypes.addressof(keep)
        for i, f in enumerate(frames):
            self.oiov[i].base = at
            self.oiov[i].len = len(f)
            at += len(f)
        done = 0
        while done < k:
            at = ctypes.byref(self.out, done * ctypes.sizeof(_Mmsghdr))
            n = _libc.sendmmsg(self.fd, at, k - done, 0)
            if n < 0:
                e = ctypes.get_errno()
                raise OSError(e, os.strerror(e))
            done += n
        errs = []
        while len(errs) < k:
            n = _libc.recvmmsg(self.fd, self.into, k - len(errs),
                               MSG_WAITFORONE, None)
            if n < 0:
                e = ctypes.get_errno()
                raise OSError(e, os.strerror(e))
            if n == 0:
                raise EOFError("ngd hung up")
            for i in range(n):
                if self.into[i].len < 16:
                    continue
                kind, _, err, _, _ = struct.unpack_from("<HHIII", self.inb,
                                                        64 * i)
                if kind == STATUS:
                    errs.append(err)
        return errs


def frame(kind, addr=b"", payload=b""):
    if isinstance(addr, str):
        addr = addr.encode()
    return struct.pack("<HHIII", kind, len(addr), 0, 0, 1) + addr + payload


def mesg(cookie, cmd, args=b"", token=0, flags=0):
    return struct.pack("<BBHIIIII", 8, 0, 0, len(args), cmd, flags, token,
                       cookie) + b"\0" * 32 + args


def z(s, n):
    return s.encode().ljust(n, b"\0")


def status(s):
    """Read frames until a status; its (errno, id)."""
    while True:
        b = s.recv(1 << 20)
        if not b:
            raise EOFError("ngd hung up")
        kind, _, err, nid, _ = struct.unpack_from("<HHIII", b)
        if kind == STATUS:
            return err, nid


def reply(s, addr, m):
    """Send message m to addr; (errno, the payload of the last message
    that came back before the status, or None)."""
    s.send(frame(MSG, addr, m))
    got = None
    while True:
        b = s.recv(1 << 24)
        if not b:
            raise EOFError("ngd hung up")
        kind, alen, err, _, _ = struct.unpack_from("<HHIII", b)
        if kind == STATUS:
            return err, got
        if kind == MSG:
            got = b[16 + alen:]


def request(s, kind, addr=b"", payload=b""):
    s.send(frame(kind, addr, payload))
    return status(s)[0]


def big_binary2ascii(n=14000):
    """A read-only request that costs: binary2ascii of a made-up
    listnodes reply, n entries whose names print as \\001 escapes
    (14,000: 1 MiB in, some 3.9 MiB of text out)."""
    ent = (b"\x01" * 31 + b"\0") * 2 + struct.pack("<II", 1, 1)
    body = struct.pack("<I", n) + ent * n
    inner = struct.pack("<BBHIIIII", 8, 0, 0, len(body), NGM_LISTNODES,
                        1, 0, GENERIC) + z("listnodes", 32) + body
    return frame(MSG, ".", mesg(GENERIC, 12 | 0x30000000, inner))


def connect():
    s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    s.connect(SOCK)
    return s


def control(name=""):
    s = connect()
    s.send(frame(HELLO_CTL, name))
    err, nid = status(s)
    if err:
        sys.exit("hello: errno %d" % err)
    return s, nid


def data(nid):
    d = connect()
    d.send(frame(HELLO_DATA, "[%x]:" % nid))
    if status(d)[0]:
        sys.exit("data hello failed")
    return d


def hub_hook(c, hook, peer="hub"):
    err = request(c, MSG, ".", mesg(GENERIC, NGM_MKPEER,
                                    z(peer, 32) + z(hook, 32) + z("a", 32)))
    if err:
        sys.exit("mkpeer: errno %d" % err)


def hook_to(c, path, hook, peerhook):
    """Connect our hook to peerhook of the node at path."""
    err = request(c, MSG, ".", mesg(GENERIC, NGM_CONNECT,
                                    z(path, 512) + z(hook, 32) +
                                    z(peerhook, 32)))
    if err:
        sys.exit("connect %s %s: errno %d" % (path, peerhook, err))


def main():
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == "victim":
        c, _ = control(args[0])
        print("ready", flush=True)
        time.sleep(float(args[1]))
    elif cmd == "dvictim":
        c, nid = control(args[0])
        d = data(nid)
        hub_hook(c, "a")
        print("ready", flush=True)
        time.sleep(float(args[1]))
    elif cmd == "pump":
        c, _ = control()
        m = mesg(4242, 1, b"x" * int(args[2]))
        n, err = 0, 0
        for n in range(int(args[1])):
            err = request(c, MSG, args[0], m)
            if err:
                break
        print("sent %d errno %d" % (n, err))
    elif cmd == "dpump":
        c, nid = control()
        d = data(nid)
        hook_to(c, args[0], "x", "x%d" % os.getpid())
        f = frame(DATA, "x", b"\xff" * 6 + b"\x02" + b"\0" * (int(args[2]) - 7))
        b = Burst(d)
        for i in range(0, int(args[1]), b.most):
            b.send([f] * min(b.most, int(args[1]) - i))
        print("sent %s" % args[1])
    elif cmd == "spoof":
        c, _ = control()
        err = request(c, MSG, args[0], mesg(GENERIC, NGM_LISTNODES, flags=1))
        print("errno %d" % err)
    elif cmd == "dying":
        c, _ = control(args[0])
        m = frame(MSG, ".", mesg(GENERIC, NGM_LISTNODES))
        for _ in range(int(args[1])):
            c.send(m)
        os.kill(os.getpid(), 9)
    elif cmd == "flood":
        c, _ = control()
        end = time.time() + float(args[0])
        least = int(args[1]) if len(args) > 1 else 0
        asked = []
        signal.signal(signal.SIGTERM, lambda *_: asked.append(1))
        m = frame(MSG, ".", mesg(GENERIC, NGM_LISTTYPES))
        stop = False

        def reader():
            while not stop:
                try:
                    c.recv(1 << 20)
                except OSError:
                    return
        t = threading.Thread(target=reader, daemon=True)
        t.start()
        n = 0
        while time.time() < end and not (asked and n >= least):
            c.send(m)
            n += 1
        stop = True
        print("sent %d" % n)
    elif cmd == "flood-unread":
        c, _ = control()
        c.settimeout(float(args[0]))
        m = frame(MSG, ".", mesg(GENERIC, NGM_LISTTYPES))
        n = 0

        def stop(*_):
            raise InterruptedError  # (an OSError: a blocked send ends)
        signal.signal(signal.SIGTERM, stop)
        try:
            while True:
                c.send(m)
                n += 1
        except (socket.timeout, OSError):
            pass
        print("sent %d" % n)
    elif cmd == "conns":
        held, acc, ref = [], 0, 0
        for _ in range(int(args[0])):
            s = connect()
            s.settimeout(2)
            try:
                s.send(frame(HELLO_CTL))
                status(s)
                acc += 1
            except (EOFError, OSError):
                ref += 1
            held.append(s)
            if ref and len(args) > 2 and args[2] == "first":
                break
        print("accepted %d refused %d" % (acc, ref), flush=True)
        time.sleep(float(args[1]))
    elif cmd == "bigreplies":
        big = big_binary2ascii()
        socks = []
        for _ in range(int(args[0])):
            s, _ = control()
            s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4 << 20)
            for _ in range(int(args[1])):
                s.send(big)
            socks.append(s)
        print("sent", flush=True)
        time.sleep(float(args[2]))
        got = refused = 0
        for s in socks:
            s.settimeout(30)
            for _ in range(int(args[1])):
                while True:
                    b = s.recv(8 << 20)
                    kind, _, err, _, _ = struct.unpack_from("<HHIII", b)
                    if kind == STATUS:
                        break
                    got += 1
                refused += err == 105
        print("replies %d refused %d" % (got, refused), flush=True)
    elif cmd == "costly":
        big = big_binary2ascii(2000)
        end = time.time() + float(args[1])
        asked = []
        signal.signal(signal.SIGTERM, lambda *_: asked.append(1))
        answered = [0]

        def keep_busy():
            # sends and reads as either can go: a client that only sent
            # would be throttled (ngd reads none while answers pile up)
            s, _ = control()
            s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4 << 20)
            out = 0
            while time.time() < end and not (asked and answered[0]):
                r, w, _ = select.select([s], [s] if out < 16 else [], [], 1)
                if w:
                    try:
                        s.send(big, socket.MSG_DONTWAIT)
                        out += 1
                    except BlockingIOError:
                        pass
                if r:
                    b = s.recv(8 << 20)
                    if not b:
                        break
                    if struct.unpack_from("<H", b)[0] == STATUS:
                        out -= 1
                        answered[0] += 1
        ts = [threading.Thread(target=keep_busy) for _ in range(int(args[0]))]
        for t in ts:
            t.start()
        for t in ts:
            t.join()
        print("answered %d" % answered[0], flush=True)
    elif cmd == "macs":
        c, nid = control()
        d = data(nid)
        hook_to(c, args[0], "m", args[1])
        count = int(args[2])
        rnd = random.Random(int(args[3]) if len(args) > 3 else 1)
        payload = b"\x08\x00" + b"\0" * 46
        if len(args) > 4 and args[4] == "bcast":
            dst = b"\xff" * 6
        else:
            # To a host on our own port: the bridge learns each source,
            # then drops the frame where it is, sending nothing on.
            dst = bytes([2, 0xee]) + os.getpid().to_bytes(4, "big")
            d.send(frame(DATA, "m", b"\xff" * 6 + dst + payload))
            status(d)
        # Pipelined: a batch of frames, then their statuses.
        b = Burst(d)
        hdr = frame(DATA, "m")
        for i in range(0, count, b.most):
            k = min(b.most, count - i)
            b.send([hdr + dst + bytes([2]) +
                    rnd.getrandbits(40).to_bytes(5, "big") + payload
                    for _ in range(k)])
        # Our port's memoryFailures: the sources the bridge did not learn.
        link = int(args[1][4:]) if args[1].startswith("link") else 0
        err, r = reply(c, args[0], mesg(BRIDGE, 4, struct.pack("<i", link)))
        fails = struct.unpack_from("<14Q", r, 56)[13] if not err and r else -1
        print("sent %d memoryFailures %d" % (count, fails))
    else:
        sys.exit("ngwire.py: unknown command " + cmd)


if __name__ == "__main__":
    main()
