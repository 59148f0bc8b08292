#!/usr/bin/env python3
# flood_down.py (fastpath_bridge_down.sh, fastpath_hub_down.sh): one
# Python process a step, which enters each namespace in turn (setns) and
# reads counters from /proc/thread-self/net/dev.  Namespaces da, db, dc
# hold ngeth0, ngeth1, ngeth2.
#   flood K  K frames of each kind out of da's ngeth0 (type 0x88b5):
#            broadcast, multicast, unicast to a MAC no host has; prints
#            what db's ngeth1 and dc's ngeth2 received, once no more
#            come, and how many copies for dc's interface veth_xmit
#            dropped (its graph-side end's tx_dropped; "-": no data
#            plane, the TAP model)
#   up       until a broadcast from da reaches dc (3 s at most): 1, or 0
import ctypes, glob, json, os, socket, subprocess, sys, time
libc = ctypes.CDLL(None, use_errno=True)
def enter(path):
	fd = os.open(path, os.O_RDONLY)
	if libc.setns(fd, 0x40000000) != 0:
		sys.exit("setns %s: errno %d" % (path, ctypes.get_errno()))
	os.close(fd)
def dev(path, ifname, col):
	enter(path)
	for l in open("/proc/thread-self/net/dev"):
		name, _, rest = l.partition(":")
		if name.strip() == ifname:
			return int(rest.split()[col])
	sys.exit("no %s in %s" % (ifname, path))
def dropped():
	dp = glob.glob("/run/netgraph/*/dataplane")
	if not dp:
		return None
	enter("/run/netns/dc")
	out = subprocess.run(["ip", "-j", "link", "show", "ngeth2"],
	    capture_output=True, text=True).stdout
	enter(dp[0])
	name = socket.if_indextoname(json.loads(out)[0]["link_index"])
	return dev(dp[0], name, 11)
enter("/run/netns/da")
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind(("ngeth0", 0))
src = s.getsockname()[4]
def send(k, kinds=("ffffffffffff", "01005e0000fb", "02000000beef")):
	for dst in kinds:
		for _ in range(k):
			s.send(bytes.fromhex(dst) + src + b"\x88\xb5" + bytes(46))
def rx():
	return (dev("/run/netns/db", "ngeth1", 1),
	    dev("/run/netns/dc", "ngeth2", 1))
if sys.argv[1] == "up":
	b = rx()[1]
	for _ in range(150):
		send(1, ("ffffffffffff",))
		time.sleep(0.02)
		if rx()[1] != b:
			sys.exit(print(1))
	sys.exit(print(0))
b, d = rx(), dropped()
send(int(sys.argv[2]))
now = None
for _ in range(30):
	time.sleep(0.1)
	last, now = now, rx()
	if now == last:
		break
d2 = dropped()
print("db=%d dc=%d dropped=%s" % (now[0] - b[0], now[1] - b[1],
    "-" if d is None else d2 - d))
