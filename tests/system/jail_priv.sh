#!/usr/bin/env bash
# What root in a jail may do (jail(8), "Jailed root"): the capability
# set FreeBSD grants and no more, /proc/sys read-only but for a vnet
# jail's own net.*, masked /proc and /sys paths, allow.* mapped onto
# capabilities and system calls.  Every probe of a host-wide setting
# only opens it for writing and never writes, so the machine is left
# alone even when a check fails; the one value written is in the
# jail's own network namespace.
source "$(dirname "$0")/../lib.sh"

trap 'jail -q -R "*" 2>/dev/null; rm -rf "$tmp"' EXIT

# openw JAIL PATH: can the jail's root open PATH for writing? (no write)
openw() {
	jexec "$1" python3 -c '
import os, sys
os.close(os.open(sys.argv[1], os.O_WRONLY))' "$2" 2>/dev/null
}
# cap JAIL SET NUMBER: is capability NUMBER in the set (CapEff, CapBnd)?
cap() {
	local hex
	hex=$(jexec "$1" awk -v s="$2:" '$1 == s { print $2 }' /proc/self/status)
	[ -n "$hex" ] && (((16#$hex >> $3) & 1))
}
# rawsock JAIL: can its root open a raw ICMP socket?
rawsock() {
	jexec "$1" python3 -c '
import socket
socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)' 2>/dev/null
}

jail -c name=v vnet persist host.hostname=vh
jail -c name=n persist

# --- the terminal jexec runs on ----------------------------------------------
# It is the host's (here script's pty): TIOCSTI would type into it, for
# the host's shell to read once jexec is over (jailed root tracing the
# command jexec started can make it ask), and TIOCLINUX paste.  Refused
# to every jailed process, the command's high bits set or not (the
# kernel reads 32 of them).
cat >"$tmp/sti.py" <<'EOF2'
import fcntl, sys, termios
req = termios.TIOCSTI | (int(sys.argv[1]) << 32)
try:
    fcntl.ioctl(0, req, b" ")
    print("typed")
except OSError as e:
    print(e.strerror)
EOF2
sti() { # [JAIL] HIGH: what TIOCSTI on a pty as controlling terminal said
	local in=${2:+jexec $1} high=${2:-$1}
	script -qec "$in python3 $tmp/sti.py $high" /dev/null </dev/null |
	    grep -o 'typed\|Operation not permitted'
}
expect "the probe types outside a jail" "typed" "$(sti 0)"
for j in v n; do
	expect "jail $j: TIOCSTI refused" "Operation not permitted" "$(sti $j 0)"
	expect "jail $j: ... with the command's high bits set too" \
	    "Operation not permitted" "$(sti $j 1)"
done

# --- host-wide sysctls ------------------------------------------------------
for f in kernel/core_pattern vm/drop_caches kernel/panic kernel/modprobe \
    kernel/sysrq fs/file-max; do
	expect_rc "vnet jail: $f not writable" 1 openw v "/proc/sys/$f"
	expect_rc "jail: $f not writable" 1 openw n "/proc/sys/$f"
done
expect_rc "sysrq-trigger not writable" 1 openw v /proc/sysrq-trigger
expect_rc "the sandbox itself can open them (the probe works)" 0 \
    python3 -c 'import os; os.close(os.open("/proc/sys/kernel/panic", os.O_WRONLY))'

# --- the vnet jail's own stack ------------------------------------------------
host_fwd=$(cat /proc/sys/net/ipv4/ip_forward)
want=$((1 - $(jexec v cat /proc/sys/net/ipv4/ip_forward)))
expect_rc "vnet jail writes its own net.ipv4.ip_forward" 0 \
    jexec v sh -c "echo $want >/proc/sys/net/ipv4/ip_forward"
expect "and reads it back" "$want" "$(jexec v cat /proc/sys/net/ipv4/ip_forward)"
expect "the host's is untouched" "$host_fwd" "$(cat /proc/sys/net/ipv4/ip_forward)"
expect_rc "a jail without vnet cannot write net.*" 1 \
    openw n /proc/sys/net/ipv4/ip_forward
expect_rc "ping works in a vnet jail" 0 quiet jexec v ping -c 1 -W 2 127.0.0.1
expect_rc "addresses are configurable in a vnet jail" 0 \
    jexec v ip addr add 198.51.100.7/32 dev lo
expect_rc "but not in a jail without vnet" 2 \
    quiet jexec n ip addr add 198.51.100.7/32 dev lo

# The jail's own graph: its ngd (started by its ngctl) names its own
# interfaces with no CAP_SYS_ADMIN (no setns into its own namespace).
jexec v env -u NGCTL_NO_AUTOSTART ngctl mkpeer eiface e ether
expect_rc "the jail's ngd renames its interface" 0 jexec v ngctl name ngeth0: inner
expect "and the interface follows" "inner" \
    "$(jexec v ip -o link show | awk -F': ' '$2 == "inner" { print $2 }')"

# --- capabilities -------------------------------------------------------------
for c in SYS_ADMIN:21 SYS_PTRACE:19 SYS_MODULE:16 BPF:39 PERFMON:38 \
    MKNOD:27 SYS_RAWIO:17 DAC_READ_SEARCH:2 SYS_BOOT:22 NET_ADMIN:12; do
	for s in CapEff CapBnd; do
		# a vnet jail's root has it over its own stack alone, by
		# the user namespace that owns it (jail_netnsid.sh)
		[ "${c%:*}" = NET_ADMIN ] &&
		    expect_rc "jail: no CAP_${c%:*} in $s" 1 cap n "$s" "${c#*:}"
		expect_rc "vnet jail: no CAP_${c%:*} in $s" 1 cap v "$s" "${c#*:}"
	done
done
expect "no ambient or inheritable capabilities" "0000000000000000 0000000000000000" \
    "$(jexec v awk '$1 == "CapAmb:" || $1 == "CapInh:" { printf "%s%s", s, $2; s = " " }' /proc/self/status)"
expect_rc "vnet jail: CAP_NET_RAW" 0 cap v CapEff 13
expect_rc "jail: no CAP_NET_RAW without allow.raw_sockets" 1 cap n CapBnd 13
expect_rc "jail: no raw socket without allow.raw_sockets" 1 rawsock n
expect_rc "vnet jail: raw sockets of its own stack" 0 rawsock v
jail -c name=raw persist allow.raw_sockets
expect_rc "jail: allow.raw_sockets gives raw sockets" 0 rawsock raw
expect_rc "a non-root user of the jail has no capabilities" 0 \
    test "$(jexec -U nobody v awk '$1 == "CapEff:" { print $2 }' /proc/self/status)" = 0000000000000000

# --- masked and read-only paths -------------------------------------------------
for f in kcore keys timer_list; do
	[ -e "/proc/$f" ] || continue
	expect "/proc/$f is masked" "0" "$(jexec v sh -c "cat /proc/$f 2>/dev/null | wc -c")"
done
[ -e /proc/kcore ] && expect "/proc/kcore is there outside" "1" \
    "$(test -r /proc/kcore && echo 1)"
for f in /sys/kernel/mm/transparent_hugepage/enabled /sys/kernel/uevent_helper \
    /sys/class/net/lo/mtu; do
	[ -e "$f" ] && expect_rc "$f is read-only" 1 openw v "$f"
done
if [ -d /sys/firmware ] && [ -n "$(ls /sys/firmware)" ]; then
	expect "/sys/firmware is masked" "" "$(jexec v ls /sys/firmware)"
fi
# init holds a proc of the jail's PID namespace (not masked): out of reach
expect "none of init's descriptors can be opened" "0 opened" \
    "$(jexec v python3 -c '
import os
n = 0
for f in os.listdir("/proc/1/fd"):
    try:
        os.close(os.open("/proc/1/fd/" + f, os.O_RDONLY))
        n += 1
    except OSError:
        pass
print(n, "opened")')"
expect_rc "nor its root" 2 quiet jexec v ls /proc/1/root/
expect_rc "no user namespace to win capabilities back" 1 \
    quiet jexec v unshare -U -r true
expect_rc "no mount" 32 quiet jexec v mount -t tmpfs x /mnt
expect_rc "no umount of the masks" 32 quiet jexec v umount /proc/sys
expect_rc "no mknod" 1 quiet jexec v mknod "$tmp/null" c 1 3

# A jail with a root of its own and mount.procfs: the same protections.
mkdir -p "$tmp/root/usr" "$tmp/root/proc" "$tmp/root/dev" "$tmp/root/sys"
for l in bin sbin lib lib64; do [ -L "/$l" ] && ln -s "usr/$l" "$tmp/root/$l"; done
printf '/usr %s nullfs ro 0 0\nsysfs %s sysfs rw 0 0\n' "$tmp/root/usr" "$tmp/root/sys" >"$tmp/fstab"
jail -c name=pj persist path="$tmp/root" mount.devfs mount.procfs mount.fstab="$tmp/fstab"
# O_RDWR without O_TRUNC: opened, never written
expect_rc "path jail: core_pattern not writable" 2 \
    quiet jexec pj /bin/sh -c 'exec 3<>/proc/sys/kernel/core_pattern'
expect_rc "path jail: its sysfs is read-only" 2 \
    quiet jexec pj /bin/sh -c 'exec 3<>/sys/kernel/uevent_helper'
expect "path jail: /proc/keys is masked" "0" "$(jexec pj /bin/sh -c 'cat /proc/keys | wc -c')"
jail -r pj

# path=/ shares the host's /dev (disks included), as on FreeBSD;
# mount.devfs gives the small /dev instead, with what a graph needs.
jail -c name=dv vnet persist path=/ mount.devfs
disk=$(ls /sys/block | head -n 1)
if [ -n "$disk" ] && [ -e "/dev/$disk" ]; then
	expect_rc "mount.devfs: the host's /dev/$disk is not in the jail" 1 \
	    jexec dv test -e "/dev/$disk"
fi
expect_rc "mount.devfs: the jail's own graph can make an interface" 0 \
    quiet jexec dv env -u NGCTL_NO_AUTOSTART ngctl mkpeer eiface e ether
expect_rc "and it is the jail's" 0 quiet jexec dv ip link show ngeth0
jail -r dv

# --- allow.* ------------------------------------------------------------------
hn=$(hostname)
expect_rc "allow.set_hostname (default): root renames its jail" 0 jexec v hostname other
expect "the jail's name changed" "other" "$(jexec v hostname)"
expect "jls shows the name the jail set (as FreeBSD)" "other" "$(jls -j v host.hostname)"
expect "the host's did not" "$hn" "$(hostname)"
expect_rc "a non-root user may not" 1 quiet jexec -U nobody v hostname third
jail -c name=nh persist allow.noset_hostname host.hostname=fixed
expect_rc "allow.noset_hostname" 1 quiet jexec nh hostname other
expect_rc "System V IPC disabled by default (ENOSYS)" 1 quiet jexec n ipcmk -M 4096
jail -c name=ipc persist sysvshm=new
expect_rc "sysvshm=new" 0 quiet jexec ipc ipcmk -M 4096
expect "in the jail's own IPC namespace" "" "$(ipcs -m | awk 'NR > 3 && NF')"
mlock='import ctypes, mmap
m = mmap.mmap(-1, 4096)
b = ctypes.c_char.from_buffer(m)
libc = ctypes.CDLL(None)
libc.mlock.argtypes = (ctypes.c_void_p, ctypes.c_size_t)
raise SystemExit(libc.mlock(ctypes.addressof(b), 4096) != 0)'
expect_rc "no mlock without allow.mlock" 1 jexec n python3 -c "$mlock"
jail -c name=ml persist allow.mlock
expect_rc "allow.mlock" 0 jexec ml python3 -c "$mlock"
expect_rc "no reserved port with allow.noreserved_ports" 1 \
    quiet jail -c name=rp allow.noreserved_ports ip4=inherit \
    command=python3 -c 'import socket; socket.socket().bind(("127.0.0.1", 99))'
expect_rc "reserved ports by default" 0 \
    quiet jail -c name=rp2 ip4=inherit \
    command=python3 -c 'import socket; socket.socket().bind(("127.0.0.1", 99))'
finish
