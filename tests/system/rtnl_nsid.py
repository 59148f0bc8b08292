#!/usr/bin/python3
"""rtnl_nsid.py: rtnetlink requests aimed at another network namespace by
its id in ours (IFLA_TARGET_NETNSID), as root in a vnet jail could send
them (tests/system/jail_netnsid.sh).  The kernel lets any holder of
CAP_NET_ADMIN over the target's user namespace through.  Each prints what
the kernel answered: the names, "ok", or the error's text.  Subcommands:

  ids                   the ids our namespace has for others
  dump NSID             the links of namespace NSID, one name a line
  del NSID IFNAME       delete IFNAME there
  add NSID IFNAME       make a veth pair IFNAME/IFNAME-p there
"""
import os
import socket
import struct
import sys

RTM_NEWLINK, RTM_DELLINK, RTM_GETLINK = 16, 17, 18
RTM_NEWNSID, RTM_GETNSID = 88, 90
NLM_F_REQUEST, NLM_F_ACK, NLM_F_EXCL, NLM_F_CREATE, NLM_F_DUMP = \
    1, 4, 0x200, 0x400, 0x300
IFLA_IFNAME, IFLA_LINKINFO, IFLA_TARGET_NETNSID = 3, 18, 46
IFLA_INFO_KIND, IFLA_INFO_DATA, VETH_INFO_PEER = 1, 2, 1
NETNSA_NSID = 1
NLA_F_NESTED = 0x8000


def attr(t, data):
    n = 4 + len(data)
    return struct.pack("HH", n, t) + data + b"\0" * ((4 - n % 4) % 4)


def request(s, t, flags, body):
    s.send(struct.pack("IHHII", 16 + len(body), t, flags, 1, 0) + body)


def messages(s):
    """(type, payload) of each answer until DONE or an ACK/error."""
    while True:
        buf = s.recv(1 << 16)
        off = 0
        while off < len(buf):
            n, t = struct.unpack_from("IH", buf, off)
            yield t, buf[off + 16:off + n]
            if t in (2, 3):
                return
            off += (n + 3) & ~3


def attrs(p):
    a = 0
    while a + 4 <= len(p):
        n, t = struct.unpack_from("HH", p, a)
        yield t & ~NLA_F_NESTED, p[a + 4:a + n]
        a += (n + 3) & ~3


def answer(s):
    for t, p in messages(s):
        if t == 2:
            err = -struct.unpack_from("i", p)[0]
            print("ok" if err == 0 else os.strerror(err))
            return 1 if err else 0
    return 0


def main():
    s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 0)
    op = sys.argv[1]
    ifi = struct.pack("BxHiII", 0, 0, 0, 0, 0)
    if op == "ids":
        request(s, RTM_GETNSID, NLM_F_REQUEST | NLM_F_DUMP,
                struct.pack("Bxxx", 0))
        for t, p in messages(s):
            for at, v in attrs(p[4:]) if t == RTM_NEWNSID else ():
                if at == NETNSA_NSID:
                    print(struct.unpack("i", v)[0])
        return 0
    tgt = attr(IFLA_TARGET_NETNSID, struct.pack("i", int(sys.argv[2])))
    if op == "dump":
        request(s, RTM_GETLINK, NLM_F_REQUEST | NLM_F_DUMP, ifi + tgt)
        for t, p in messages(s):
            if t == 2:
                print(os.strerror(-struct.unpack_from("i", p)[0]))
                return 1
            for at, v in attrs(p[16:]) if t == RTM_NEWLINK else ():
                if at == IFLA_IFNAME:
                    print(v.rstrip(b"\0").decode())
        return 0
    name = attr(IFLA_IFNAME, sys.argv[3].encode() + b"\0")
    if op == "del":
        request(s, RTM_DELLINK, NLM_F_REQUEST | NLM_F_ACK, ifi + tgt + name)
    elif op == "add":
        peer = ifi + attr(IFLA_IFNAME, sys.argv[3].encode() + b"-p\0")
        info = attr(IFLA_INFO_KIND, b"veth\0") + attr(
            IFLA_INFO_DATA | NLA_F_NESTED,
            attr(VETH_INFO_PEER | NLA_F_NESTED, peer))
        request(s, RTM_NEWLINK,
                NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL,
                ifi + tgt + name + attr(IFLA_LINKINFO | NLA_F_NESTED, info))
    return answer(s)


sys.exit(main())
