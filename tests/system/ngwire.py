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
  flood SECS                requests as fast as ngd answers, for SECS
  flood-unread SECS         requests without reading any answer
  conns N SECS              open N connections, say hello on each; print
                            "accepted A refused R"; hold them SECS
  macs PATH HOOK COUNT [SEED [bcast]]
                            hook "m" to HOOK of the node at PATH, then
                            frames from COUNT random source MACs (seeded
                            by SEED), to a host behind our own hook
                            (learned first), or broadcast
"""
import os
import random
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
        for _ in range(int(args[1])):
            d.send(f)
            status(d)
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
        while time.time() < end:
            c.send(m)
            n += 1
        stop = True
        print("sent %d" % n)
    elif cmd == "flood-unread":
        c, _ = control()
        c.settimeout(float(args[0]))
        m = frame(MSG, ".", mesg(GENERIC, NGM_LISTTYPES))
        n = 0
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
        print("accepted %d refused %d" % (acc, ref), flush=True)
        time.sleep(float(args[1]))
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
        batch = 64
        for i in range(0, count, batch):
            k = min(batch, count - i)
            for _ in range(k):
                src = bytes([2]) + rnd.getrandbits(40).to_bytes(5, "big")
                d.send(frame(DATA, "m", dst + src + payload))
            for _ in range(k):
                status(d)
        # Our port's memoryFailures: the sources the bridge did not learn.
        link = int(args[1][4:]) if args[1].startswith("link") else 0
        err, r = reply(c, args[0], mesg(BRIDGE, 4, struct.pack("<i", link)))
        fails = struct.unpack_from("<14Q", r, 56)[13] if not err and r else -1
        print("sent %d memoryFailures %d" % (count, fails))
    else:
        sys.exit("ngwire.py: unknown command " + cmd)


if __name__ == "__main__":
    main()
