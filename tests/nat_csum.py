#!/usr/bin/env python3
"""Checksums in a capture (tests/system/nat_ether.sh): for every TCP and
UDP packet from ADDR in the pcap file, the transport checksum is either
whole and right, or partial (what checksum offload leaves: the
pseudo-header's sum, not inverted) and right for the packet's own
addresses and length.  Prints "bad=N whole=N partial=N".

  nat_csum.py PCAP ADDR
"""
import socket
import struct
import sys


def csum(data, s=0):
    if len(data) % 2:
        data += b"\0"
    s += sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return s


def main():
    path, addr = sys.argv[1], socket.inet_aton(sys.argv[2])
    bad = whole = partial = 0
    with open(path, "rb") as f:
        hdr = f.read(24)
        magic = struct.unpack("<I", hdr[:4])[0]
        end = "<" if magic in (0xa1b2c3d4, 0xa1b23c4d) else ">"
        while True:
            rec = f.read(16)
            if len(rec) < 16:
                break
            incl, orig = struct.unpack(end + "II", rec[8:16])
            frame = f.read(incl)
            if len(frame) < 34 or frame[12:14] != b"\x08\x00":
                continue
            ip = frame[14:]
            hl = (ip[0] & 0x0f) * 4
            proto = ip[9]
            if ip[12:16] != addr or proto not in (6, 17):
                continue
            if struct.unpack("!H", ip[6:8])[0] & 0x3fff:
                continue  # a fragment
            total = struct.unpack("!H", ip[2:4])[0]
            if orig != incl or total > len(ip):
                # cut by the capture's snap length: only a partial
                # checksum can be told from the headers
                l4len = total - hl if total else len(ip) - hl
                field = struct.unpack("!H", ip[hl + (16 if proto == 6 else 6):][:2])[0]
                pseudo = csum(ip[12:20], proto + l4len)
                if field == pseudo:
                    partial += 1
                else:
                    bad += 1
                continue
            l4 = ip[hl:total]
            off = 16 if proto == 6 else 6
            field = struct.unpack("!H", l4[off:off + 2])[0]
            if proto == 17 and field == 0:
                whole += 1
                continue
            pseudo = csum(ip[12:20], proto + len(l4))
            if csum(l4, pseudo) == 0xffff:
                whole += 1
            elif field == pseudo:
                partial += 1
            else:
                bad += 1
    print("bad=%d whole=%d partial=%d" % (bad, whole, partial))


main()
