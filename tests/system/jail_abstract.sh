#!/usr/bin/env bash
# Abstract unix socket names in a jail with a network namespace of its
# own but no vnet (no addresses, jail.8 "Jailed root"): the names are
# the jail's, so no Landlock domain keeps one jexec session off
# another's, as on FreeBSD (before, each session had a domain of its
# own and got EPERM).  A jail on the host's stack (ip4=inherit) keeps
# its sessions apart, as jail_escape.sh checks for the host's names.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/../jail_cgroups.sh"

cleanup() {
	jails_gone
	rm -rf "$tmp"
}
trap cleanup EXIT

chmod 755 "$tmp"
cat >"$tmp/lis.py" <<'EOF2'
import os, socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind("\0" + sys.argv[1])
s.listen(1)
print("ready", flush=True)
s.settimeout(0.05)
for _ in range(200):  # 10 s, or until told to stop
    try:
        c, _ = s.accept()
        c.sendall(b"hello")
        time.sleep(0.2)
        break
    except OSError:
        if os.path.exists(sys.argv[2]):
            break
EOF2
cat >"$tmp/con.py" <<'EOF2'
import errno, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
try:
    s.connect("\0" + sys.argv[1])
    print(s.recv(16).decode())
except OSError as e:
    print(errno.errorcode[e.errno])
EOF2

# session 1 listens on NAME in jail J, session 2 connects to it
across() { # J NAME
	local pid out
	jexec "$1" timeout 15 python3 -S "$tmp/lis.py" "$2" "$tmp/$1.stop" \
	    >"$tmp/$1.lis" &
	pid=$!
	for _ in $(seq 200); do [ -s "$tmp/$1.lis" ] && break; sleep 0.05; done
	out=$(jexec "$1" python3 -S "$tmp/con.py" "$2" 2>&1)
	: >"$tmp/$1.stop" # a listener nobody reached stops
	wait "$pid"
	echo "$out"
}

expect_rc "n: a jail without vnet or addresses" 0 \
    jail -q -c name=n persist path=/
expect_rc "i: a jail on the host's stack" 0 \
    jail -q -c name=i persist path=/ ip4=inherit
expect "n: a session reaches another's abstract name" "hello" \
    "$(across n jabs-n$$)"
expect "i: a session does not reach another's" "EPERM" \
    "$(across i jabs-i$$)"
finish
