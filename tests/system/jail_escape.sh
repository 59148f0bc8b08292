#!/usr/bin/env bash
# Jailed root as an intruder: from a vnet jail and from an IP-alias jail
# (made with default parameters, and one with allow.raw_sockets), try
# what FreeBSD's jailed root cannot do and check each is refused: reach
# another network namespace (setns on every /proc/*/ns and /run/netns
# entry), change the host's graph through ngd's control socket, set the
# time, read the kernel log, load a module, bpf(2), the keyring, a user
# namespace, write the cgroupfs, see the host's processes, and make a
# packet socket through io_uring (IORING_OP_SOCKET runs no socket(2)
# for the seccomp filter to refuse: with allow.raw_sockets that was a
# packet socket on the host's interfaces), and reach the host's abstract
# unix sockets (an IP-alias jail shares their namespace).  jail_priv.sh has the
# capability sets, /proc and /sys masks, mount and allow.* checks.
#
#   host (this sandbox)  h0 198.51.100.1/24, ngd, a "host" process
#        | veth          + the IP-alias jails' aliases
#   peer (netns)         p0
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/../jail_cgroups.sh"
cleanup() {
	jails_gone
	[ -n "${host_pid:-}" ] && kill "$host_pid" 2>/dev/null
	[ -n "${abs_pid:-}" ] && kill "$abs_pid" 2>/dev/null
	stop_ngd
	ip netns del peer 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
peer_wire
start_ngd
ngctl mkpeer eiface ether ether
sleep 1000 &
host_pid=$!

# The probe: one line per attempt, what the kernel answered.
cat >"$tmp/probe.py" <<'EOF'
import ctypes, errno, glob, mmap, os, struct
libc = ctypes.CDLL(None, use_errno=True)
def call(*a):
    r = libc.syscall(*a)
    return "ok" if r >= 0 else errno.errorcode[ctypes.get_errno()]
def first(*paths):
    for p in paths:
        try:
            os.close(os.open(p, os.O_RDONLY | os.O_NONBLOCK))
            return "opened " + p
        except OSError as e:
            pass
    return "none"
def setns_any():
    for p in glob.glob("/proc/[0-9]*/ns/*") + glob.glob("/run/netns/*"):
        try:
            fd = os.open(p, os.O_RDONLY)
        except OSError:
            continue
        try:
            if libc.syscall(308, fd, 0) == 0:
                return "entered " + p
        finally:
            os.close(fd)
    return "none"
def uring_packet():
    p = ctypes.create_string_buffer(120)
    fd = libc.syscall(425, 4, p)
    if fd < 0:
        return "setup " + errno.errorcode[ctypes.get_errno()]
    ent, cqn = struct.unpack_from("2I", p.raw, 0)
    sq, cq = struct.unpack_from("10I", p.raw, 40), struct.unpack_from("10I", p.raw, 80)
    ring = mmap.mmap(fd, max(sq[6] + ent * 4, cq[5] + cqn * 16), offset=0)
    sqes = mmap.mmap(fd, ent * 64, offset=0x10000000)
    sqe = bytearray(64)
    # IORING_OP_SOCKET: AF_PACKET, SOCK_RAW, htons(ETH_P_ALL)
    struct.pack_into("BBHiQ", sqe, 0, 45, 0, 0, 17, 3)
    struct.pack_into("I", sqe, 24, 0x0300)
    sqes[0:64] = bytes(sqe)
    struct.pack_into("I", ring, sq[6], 0)
    struct.pack_into("I", ring, sq[1], struct.unpack_from("I", ring, sq[1])[0] + 1)
    if libc.syscall(426, fd, 1, 1, 1, None, 0) < 0:
        return "enter " + errno.errorcode[ctypes.get_errno()]
    res = struct.unpack_from("Qi", ring, cq[5])[1]
    return "packet socket" if res >= 0 else "socket " + errno.errorcode[-res]
def cgroup_writable():
    for p in glob.glob("/sys/fs/cgroup/**/cgroup.procs", recursive=True):
        try:
            os.close(os.open(p, os.O_WRONLY))
            return "writable " + p
        except OSError:
            pass
    return "none"
import sys
if sys.argv[1:] == ["io_uring"]:
    print(uring_packet())
    sys.exit(0)
ts = struct.pack("qq", 0, 0)
print("setns:", setns_any())
print("settime:", call(227, 0, ts))
print("syslog:", call(103, 3, ctypes.create_string_buffer(64), 64))
print("kmsg:", first("/dev/kmsg", "/proc/kmsg"))
print("init_module:", call(175, None, 0, b""))
print("finit_module:", call(313, 0, b"", 0))
print("bpf:", call(321, 0, ctypes.create_string_buffer(72), 72))
print("keyctl:", call(250, 0, -3, 0))
print("unshare user:", call(272, 0x10000000))
print("cgroupfs:", cgroup_writable())
print("processes:", len(glob.glob("/proc/[0-9]*")))
print("io_uring:", uring_packet())
EOF
# what every jail answers, io_uring aside
refused="setns: none
settime: EPERM
syslog: EPERM
kmsg: none
init_module: ENOSYS
finit_module: ENOSYS
bpf: EPERM
keyctl: EPERM
unshare user: EPERM
cgroupfs: none"

expect "the probe works outside a jail" "packet socket" \
    "$(python3 "$tmp/probe.py" io_uring)"

jail -c name=v vnet persist
jail -c name=a persist path=/ ip4.addr="h0|198.51.100.50/24"
jail -c name=r persist path=/ ip4.addr="h0|198.51.100.51/24" allow.raw_sockets
for j in v a r; do
	jexec "$j" python3 "$tmp/probe.py" >"$tmp/$j" 2>&1
	expect "jail $j: refused" "$refused" "$(sed -n '1,10p' "$tmp/$j")"
	# the jail's init and python itself
	expect "jail $j: sees its own processes alone" "processes: 2" \
	    "$(sed -n 11p "$tmp/$j")"
done
# A vnet jail's packet sockets are its own stack's (DESIGN jail
# decision 4), by socket(2) or io_uring; its ngd batches with io_uring.
expect "vnet jail: io_uring gives its own packet socket" \
    "io_uring: packet socket" "$(sed -n 12p "$tmp/v")"
for j in a r; do
	expect "IP-alias jail $j: no io_uring" "io_uring: setup ENOSYS" \
	    "$(sed -n 12p "$tmp/$j")"
done
expect_rc "the host's process is alive" 0 kill -0 "$host_pid"

# Abstract unix socket names belong to the network namespace: an
# IP-alias jail shares the host's, and its root reached every abstract
# listener there (as uid 0).  Landlock's scope (ABI 6) refuses connect
# and sendto towards a name bound outside the process's domain, while
# names the jail's own processes bind stay theirs to use.
cat >"$tmp/abs.py" <<'EOF'
import errno, os, socket, sys
def reach(name, kind=socket.SOCK_STREAM):
    s = socket.socket(socket.AF_UNIX, kind)
    try:
        if kind == socket.SOCK_STREAM:
            s.connect("\0" + name)
        else:
            s.sendto(b"x", "\0" + name)
        return "ok"
    except OSError as e:
        return errno.errorcode.get(e.errno, str(e.errno))
    finally:
        s.close()
if sys.argv[1] == "serve":
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.bind("\0" + sys.argv[2])
    s.listen(16)
    d = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    d.bind("\0" + sys.argv[2] + "-dgram")
    print("ready", flush=True)
    while True:
        s.accept()[0].close()
print("connect:", reach(sys.argv[1]))
print("sendto:", reach(sys.argv[1] + "-dgram", socket.SOCK_DGRAM), flush=True)
# bound inside the domain: this process's name, reached by its child
own = "%s-own-%d" % (sys.argv[1], os.getpid())
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind("\0" + own)
s.listen(1)
pid = os.fork()
if pid == 0:
    print("own:", reach(own), flush=True)
    os._exit(0)
os.waitpid(pid, 0)
EOF
abs=ngtest-abs-$$
python3 "$tmp/abs.py" serve "$abs" >"$tmp/abs.out" &
abs_pid=$!
for _ in $(seq 100); do [ -s "$tmp/abs.out" ] && break; sleep 0.05; done
expect "the host's abstract listener answers the host" "connect: ok
sendto: ok
own: ok" "$(python3 "$tmp/abs.py" "$abs" 2>&1)"
for j in a r; do
	expect "IP-alias jail $j: the host's abstract sockets refused" \
	    "connect: EPERM
sendto: EPERM
own: ok" "$(jexec "$j" python3 "$tmp/abs.py" "$abs" 2>&1)"
done
expect "IP-alias jail's command: the host's abstract sockets refused" \
    "connect: EPERM
sendto: EPERM
own: ok" "$(jail -c name=c path=/ ip4.addr="h0|198.51.100.52/24" \
    command=python3 "$tmp/abs.py" "$abs" 2>&1)"
# a vnet jail has names of its own: the host's is not there to refuse
expect "vnet jail: abstract names of its own" "connect: ECONNREFUSED
sendto: ECONNREFUSED
own: ok" "$(jexec v python3 "$tmp/abs.py" "$abs" 2>&1)"
kill "$abs_pid"

# ngd's socket is abstract: an IP-alias jail shares the host's name but
# may not reach it (above), nor read or change the host's graph; ngctl
# says so as FreeBSD's does in such a jail, and starts no ngd of its own.
out "IP-alias jail: ngctl list refused" 71 "" \
    "ngctl: can't create node: Operation not permitted
ngctl: no graph here: this network is not ours to configure (a jail without vnet, or no CAP_NET_ADMIN in the bounding set); a vnet jail has its own" \
    env NGCTL_NO_AUTOSTART= jexec a ngctl list
expect "IP-alias jail: ngctl started no ngd" 1 "$(pgrep -xc ngd)"
expect_rc "IP-alias jail: ngctl mkpeer refused" 71 \
    quiet jexec a ngctl mkpeer eiface e ether
expect "the host's graph is unchanged" "ngeth0" \
    "$(ngctl list | awk '$1 == "Name:" && $4 == "eiface" { print $2 }')"
expect_rc "IP-alias jail: the host's h0 stays up" 2 \
    quiet jexec a ip link set h0 down
expect_rc "IP-alias jail: no interface made on the host" 2 \
    quiet jexec a ip link add x0 type veth peer name x1
finish
