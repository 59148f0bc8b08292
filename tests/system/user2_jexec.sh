#!/usr/bin/env bash
# A program with file capabilities in a jail on the host's stack, as the
# README's IP-alias jail meets Debian's ping (cap_net_raw=ep): Linux
# refuses to start it when the jail's bounding set lacks one of them, and
# jexec said only "execvp: ping: Operation not permitted", as if the
# program could not be run at all.  Now the message names the parameter
# that gives the jail what the program needs:
#
#   jexec: execvp: ping: Operation not permitted (its file capabilities need allow.raw_sockets)
#
# The programs here are copies of true(1) marked with capabilities by
# hand (security.capability, revision 2, effective), so the test needs
# neither ping nor setcap.
source "$(dirname "$0")/../lib.sh"
cd "$tmp" || exit 1

# mark FILE CAP...: FILE's file capabilities, permitted and effective
mark() {
	python3 - "$@" <<'PY'
import os, struct, sys
low = high = 0
for c in map(int, sys.argv[2:]):
    if c < 32: low |= 1 << c
    else: high |= 1 << (c - 32)
os.setxattr(sys.argv[1], "security.capability",
            struct.pack("<5I", 0x02000001, low, 0, high, 0))
PY
}
mkdir caps
for p in rawprog adminprog modprog; do cp /bin/true caps/$p; done
mark caps/rawprog 13   # CAP_NET_RAW: allow.raw_sockets
mark caps/adminprog 12 # CAP_NET_ADMIN: only a vnet jail's
mark caps/modprog 16   # CAP_SYS_MODULE: no jail's
python3 -c 'import os,sys; os.getxattr(sys.argv[1], "security.capability")' \
    caps/rawprog || { fail "this file system keeps no file capabilities"; finish; }

ip link add em0 type veth peer name em0p
ip link set em0p up
ip addr add 198.51.100.1/24 dev em0
ip link set em0 up
cat >jail.conf <<EOC
path = "/";
persist;
a { ip4.addr = "em0|198.51.100.21/24"; }
b { ip4.addr = "em0|198.51.100.22/24"; allow.raw_sockets; }
c {
	ip4.addr = "em0|198.51.100.23/24";
	exec.start = "$tmp/caps/rawprog";
}
EOC
jail -f jail.conf -c a b >/dev/null 2>&1 || fail "jail -c a b"

check "jexec a rawprog (cap_net_raw=ep): the parameter it needs" 1 "" \
    "jexec: execvp: $tmp/caps/rawprog: Operation not permitted (its file capabilities need allow.raw_sockets)" \
    jexec a "$tmp/caps/rawprog"
check "... found on PATH, named as typed" 1 "" \
    "jexec: execvp: rawprog: Operation not permitted (its file capabilities need allow.raw_sockets)" \
    env PATH="$tmp/caps:$PATH" jexec a rawprog
check "... cap_net_admin: a vnet jail's" 1 "" \
    "jexec: execvp: $tmp/caps/adminprog: Operation not permitted (its file capabilities need vnet)" \
    jexec a "$tmp/caps/adminprog"
check "... cap_sys_module: no jail's" 1 "" \
    "jexec: execvp: $tmp/caps/modprog: Operation not permitted (its file capabilities are more than a jail holds)" \
    jexec a "$tmp/caps/modprog"
check "... with allow.raw_sockets it runs" 0 "" "" jexec b "$tmp/caps/rawprog"
check "... a missing program is still just missing" 1 "" \
    "jexec: execvp: $tmp/caps/nosuch: No such file or directory" \
    jexec a "$tmp/caps/nosuch"
check "exec.start runs it in the jail: jail says the same" 1 "" \
    "$(printf '%s\n' "jail: c: exec $tmp/caps/rawprog: Operation not permitted (its file capabilities need allow.raw_sockets)" \
    "jail: c: $tmp/caps/rawprog: failed")" \
    jail -q -f jail.conf -c c
jail -f jail.conf -r '*' >/dev/null 2>&1
finish
