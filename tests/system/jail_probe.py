#!/usr/bin/python3
"""jail_probe.py: single socket calls, run inside (or outside) an IP-alias
jail by tests/system/jail_ipalias.sh and bench/ipjail.  Each prints what
the kernel answered: "ok ADDR" (the address the socket ended with, or
what arrived) or "errno NAME".  Subcommands:

  socket FAMILY [TYPE PROTO]    make a socket (4|6, stream|dgram|raw;
                                or "packet": AF_PACKET, SOCK_RAW)
  bind ADDR                     bind a TCP socket to ADDR port 0
  connect ADDR PORT             TCP connect; our source address
  udpsend ADDR PORT             sendto from an unbound UDP socket
  listen ADDR PORT SECS         bind, listen, accept one; print where we
                                listened ("listening ADDR"), then the peer
  accept ADDR PORT SECS         listen elsewhere (the peer's side): print
                                the source of the first connection
  udprecv ADDR PORT SECS        print the source of the first datagram
  ping SRC DST                  raw ICMP echo, bound to SRC ("-": not
                                bound): "ok DST" on a reply
  rate ADDR N                   N connect/accept pairs on ADDR (a listener
                                of our own); print connections per second
  bpfget PATH                   BPF_OBJ_GET on a pinned object
"""
import ctypes
import errno
import os
import select
import socket
import struct
import sys
import time


def fam(addr):
    return socket.AF_INET6 if ":" in addr else socket.AF_INET


def err(e):
    print("errno", errno.errorcode.get(e.errno, e.errno), flush=True)
    return 1


def checksum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    s = (s >> 16) + (s & 0xFFFF)
    s += s >> 16
    return ~s & 0xFFFF


def main(argv):
    cmd, args = argv[1], argv[2:]
    try:
        if cmd == "socket" and args[0] == "packet":
            socket.socket(socket.AF_PACKET, socket.SOCK_RAW, 0).close()
            print("ok", flush=True)
        elif cmd == "socket":
            f = socket.AF_INET6 if args[0] == "6" else socket.AF_INET
            types = {"stream": socket.SOCK_STREAM, "dgram": socket.SOCK_DGRAM,
                     "raw": socket.SOCK_RAW}
            t = types[args[1]] if len(args) > 1 else socket.SOCK_STREAM
            p = int(args[2]) if len(args) > 2 else 0
            socket.socket(f, t, p).close()
            print("ok", flush=True)
        elif cmd == "bind":
            s = socket.socket(fam(args[0]))
            s.bind((args[0], 0))
            print("ok", s.getsockname()[0], flush=True)
        elif cmd == "connect":
            s = socket.socket(fam(args[0]))
            s.settimeout(5)
            s.connect((args[0], int(args[1])))
            print("ok", s.getsockname()[0], flush=True)
        elif cmd == "udpsend":
            s = socket.socket(fam(args[0]), socket.SOCK_DGRAM)
            s.sendto(b"probe", (args[0], int(args[1])))
            print("ok", s.getsockname()[0], flush=True)
        elif cmd in ("listen", "accept"):
            s = socket.socket(fam(args[0]))
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind((args[0], int(args[1])))
            s.listen(8)
            print("listening", s.getsockname()[0], flush=True)
            s.settimeout(float(args[2]))
            c, peer = s.accept()
            print("ok", peer[0], flush=True)
            c.close()
        elif cmd == "udprecv":
            s = socket.socket(fam(args[0]), socket.SOCK_DGRAM)
            s.bind((args[0], int(args[1])))
            print("listening", s.getsockname()[0], flush=True)
            s.settimeout(float(args[2]))
            _, peer = s.recvfrom(100)
            print("ok", peer[0], flush=True)
        elif cmd == "ping":
            s = socket.socket(socket.AF_INET, socket.SOCK_RAW,
                              socket.IPPROTO_ICMP)
            if args[0] != "-":
                s.bind((args[0], 0))
            ident = os.getpid() & 0xFFFF
            hdr = struct.pack("!BBHHH", 8, 0, 0, ident, 1) + b"jailprobe"
            pkt = hdr[:2] + struct.pack("!H", checksum(hdr)) + hdr[4:]
            s.sendto(pkt, (args[1], 0))
            end = time.time() + 3
            while time.time() < end:
                r, _, _ = select.select([s], [], [], end - time.time())
                if not r:
                    break
                data, peer = s.recvfrom(200)
                ihl = (data[0] & 0xF) * 4
                t, _, _, i = struct.unpack("!BBHH", data[ihl:ihl + 6])
                if t == 0 and i == ident:
                    print("ok", peer[0], flush=True)
                    return 0
            print("timeout", flush=True)
            return 1
        elif cmd == "rate":
            n = int(args[1])
            ls = socket.socket(fam(args[0]))
            ls.bind((args[0], 0))
            ls.listen(128)
            addr = ls.getsockname()
            linger = struct.pack("ii", 1, 0)  # close with RST: no TIME_WAIT
            t0 = time.perf_counter()
            for _ in range(n):
                c = socket.socket(fam(args[0]))
                c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, linger)
                c.connect(addr[:2])
                a, _ = ls.accept()
                a.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, linger)
                a.close()
                c.close()
            dt = time.perf_counter() - t0
            print("%.0f" % (n / dt), flush=True)
        elif cmd == "bpfget":
            libc = ctypes.CDLL(None, use_errno=True)
            path = ctypes.create_string_buffer(args[0].encode())
            attr = struct.pack("QII", ctypes.addressof(path), 0, 0)
            buf = ctypes.create_string_buffer(attr, 128)
            # bpf(BPF_OBJ_GET = 7, attr, size); x86-64 and arm64 numbers
            nr = 321 if os.uname().machine == "x86_64" else 280
            fd = libc.syscall(nr, 7, buf, 128)
            if fd < 0:
                raise OSError(ctypes.get_errno(), "bpf")
            print("ok", flush=True)
        else:
            print("unknown command", cmd, file=sys.stderr)
            return 2
    except OSError as e:
        if isinstance(e, socket.timeout):
            print("timeout", flush=True)
            return 1
        return err(e)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
