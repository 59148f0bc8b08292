#!/usr/bin/python3
"""storm_frames.py IFACE SECONDS: 60-byte Ethernet frames out of IFACE, 2,000
a second (20 every 10 ms), for SECONDS or until SIGTERM; prints how many were
sent.  The storms of tests/system/dos_storm.sh.
storm_frames.py udp:ADDR:PORT SECONDS: the same rhythm of UDP datagrams to
ADDR:PORT, 18 bytes each: an Ethernet header and 4 bytes (dos_ksocket.sh)."""
import signal
import socket
import sys
import time

head = b"\x02\0\0\0\0\x99" + b"\x02\0\0\0\0\x98" + b"\x08\x00"
if sys.argv[1].startswith("udp:"):
    _, addr, port = sys.argv[1].split(":")
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setblocking(False)
    to = (addr, int(port))
    f = head + b"\0" * 4
else:
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((sys.argv[1], 0))
    to = None
    f = head + b"\0" * 46
n, end = 0, time.time() + float(sys.argv[2])


def stop(signum, frame):
    global end
    end = 0


signal.signal(signal.SIGTERM, stop)
while time.time() < end:
    for _ in range(20):
        try:
            if to:
                s.sendto(f, to)
            else:
                s.send(f)
            n += 1
        except OSError:
            pass
    time.sleep(0.01)
print(n)
