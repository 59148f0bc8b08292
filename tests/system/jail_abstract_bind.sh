#!/usr/bin/env bash
# The abstract unix socket names of IP-alias jails (jail.8, "Jailed
# root"; src/bpf/jail_unix.bpf.c).  Such a jail shares the host's
# network namespace and with it the abstract names; FreeBSD's jail has
# only files in its own tree.  Its root may not bind a name outside
# "jail/NAME/" (it would take @netgraph before the host's ngd, and the
# host's ngctl would talk to it), while the host still binds it; an
# autobind stays allowed.  Its processes, whichever jexec session they
# run in, reach each other's names; another jail, never; the host's,
# never.  A vnet jail has names of its own.
#
#   host (this sandbox)  h0 198.51.100.1/24 + jails a and b's aliases
#        | veth
#   peer (netns)         p0
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/../jail_cgroups.sh"
cleanup() {
	jails_gone
	for p in ${pids:-}; do kill "$p" 2>/dev/null; done
	stop_ngd
	ip netns del peer 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

ip netns add peer
ip link add h0 type veth peer name p0
ip link set p0 netns peer
ip addr add 198.51.100.1/24 dev h0
ip link set h0 up

cat >"$tmp/abs.py" <<'EOF'
import errno, socket, sys
def err(e):
    return errno.errorcode.get(e.errno, str(e.errno))
def try_bind(name):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        s.bind(name)
        return "ok"
    except OSError as e:
        return err(e)
    finally:
        s.close()
def reach(name, kind):
    s = socket.socket(socket.AF_UNIX, kind)
    try:
        if kind == socket.SOCK_STREAM:
            s.connect("\0" + name)
        else:
            s.sendto(b"x", "\0" + name)
        return "ok"
    except OSError as e:
        return err(e)
    finally:
        s.close()
cmd, name = sys.argv[1], sys.argv[2]
if cmd == "bind":
    # "" asks for an autobind
    print(try_bind("" if name == "-" else "\0" + name))
elif cmd == "serve":
    try:
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.bind("\0" + name)
        s.listen(16)
        d = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        d.bind("\0" + name + "-dgram")
    except OSError as e:
        print(err(e), flush=True)
        sys.exit(1)
    print("ready", flush=True)
    while True:
        s.accept()[0].close()
else:
    print("connect: %s, sendto: %s" % (reach(name, socket.SOCK_STREAM),
        reach(name + "-dgram", socket.SOCK_DGRAM)))
EOF
pids=
# serve OUT COMMAND...: a listener in the background, once it answered
serve() {
	local out=$1
	shift
	"$@" >"$out" 2>&1 &
	pids="$pids $!"
	for _ in $(seq 100); do [ -s "$out" ] && break; sleep 0.05; done
}
abs() { python3 "$tmp/abs.py" "$@" 2>&1; }

jail -c name=a persist path=/ ip4.addr="h0|198.51.100.60/24" 2>"$tmp/warn"
# BPF LSM programs run only where the kernel has "bpf" among its LSMs
# and lets them load: else jail(8) says so, and goes on without
if grep -q "the jail may bind abstract" "$tmp/warn"; then
	ok "skipped: $(cat "$tmp/warn")"
	exit 0
fi
jail -c name=b persist path=/ ip4.addr="h0|198.51.100.61/24" 2>>"$tmp/warn"
jail -c name=v persist vnet 2>>"$tmp/warn"
expect "jail(8) warned of nothing" "" "$(cat "$tmp/warn")"

# ngd's name, before ngd starts: the jail may not take it, the host may
name=ngtest-bind-$$
expect "IP-alias jail: binding a host name refused" EPERM \
    "$(jexec a python3 "$tmp/abs.py" bind "$name" 2>&1)"
expect "IP-alias jail: another jail's space refused" EPERM \
    "$(jexec a python3 "$tmp/abs.py" bind jail/b/x 2>&1)"
expect "IP-alias jail: its own space" ok \
    "$(jexec a python3 "$tmp/abs.py" bind jail/a/x 2>&1)"
expect "IP-alias jail: an autobind" ok \
    "$(jexec a python3 "$tmp/abs.py" bind - 2>&1)"
expect "the host binds the name the jail could not" ok "$(abs bind "$name")"
expect "vnet jail: names of its own" ok \
    "$(jexec v python3 "$tmp/abs.py" bind "$name" 2>&1)"
serve "$tmp/squat" jexec a python3 "$tmp/abs.py" serve netgraph
expect "IP-alias jail: @netgraph refused" EPERM "$(cat "$tmp/squat")"
start_ngd
expect_rc "the host's ngd starts after it, and answers" 0 quiet ngctl list

# One jail's names, across its jexec sessions (Landlock domains kept
# each session to itself); to other jails and the host, refused.
serve "$tmp/svc" jexec a python3 "$tmp/abs.py" serve jail/a/svc
expect "IP-alias jail: a listener in its space" ready "$(cat "$tmp/svc")"
expect "the same jail, another session, reaches it" \
    "connect: ok, sendto: ok" \
    "$(jexec a python3 "$tmp/abs.py" reach jail/a/svc 2>&1)"
expect "another IP-alias jail does not" "connect: EPERM, sendto: EPERM" \
    "$(jexec b python3 "$tmp/abs.py" reach jail/a/svc 2>&1)"
expect "the host does" "connect: ok, sendto: ok" "$(abs reach jail/a/svc)"
expect "a vnet jail sees none of it" \
    "connect: ECONNREFUSED, sendto: ECONNREFUSED" \
    "$(jexec v python3 "$tmp/abs.py" reach jail/a/svc 2>&1)"
serve "$tmp/host" python3 "$tmp/abs.py" serve "$name-host"
expect "the host's listener" ready "$(cat "$tmp/host")"
expect "IP-alias jail: the host's names refused" \
    "connect: EPERM, sendto: EPERM" \
    "$(jexec a python3 "$tmp/abs.py" reach "$name-host" 2>&1)"
expect "IP-alias jail: ngd refused" EPERM \
    "$(env NGCTL_NO_AUTOSTART= jexec a ngctl list 2>&1 |
	sed -n 's/.*Operation not permitted.*/EPERM/p')"
finish
