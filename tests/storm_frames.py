#!/usr/bin/python3
"""storm_frames.py IFACE SECONDS: 60-byte Ethernet frames out of IFACE, 2,000
a second (20 every 10 ms), for SECONDS or until SIGTERM; prints how many were
sent.  The storms of tests/system/dos_storm.sh."""
import signal
import socket
import sys
import time

s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind((sys.argv[1], 0))
f = b"\x02\0\0\0\0\x99" + b"\x02\0\0\0\0\x98" + b"\x08\x00" + b"\0" * 46
n, end = 0, time.time() + float(sys.argv[2])


def stop(signum, frame):
    global end
    end = 0


signal.signal(signal.SIGTERM, stop)
while time.time() < end:
    for _ in range(20):
        try:
            s.send(f)
            n += 1
        except OSError:
            pass
    time.sleep(0.01)
print(n)
