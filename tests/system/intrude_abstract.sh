#!/usr/bin/env bash
# An IP-alias jail shares the host's abstract socket names, and binding
# one is not scoped (jail.8 "Jailed root"): its root may take ngd's name
# first.  The host's ngctl must not talk to such a server, however the
# jail hides the process that listened:
#   - held by the jailed listener itself (refused before too);
#   - the listener forked and exited, its child accepts: SO_PEERCRED
#     names a pid that is gone, and "cannot tell" was taken as "not
#     jailed", so root's ngctl sent its requests into the jail.
#   - run by nobody with CAP_NET_ADMIN: the overflow uid (65534) was
#     taken for the host's root seen from a user namespace even by a
#     client in the initial one, where no uid is unmapped.
# And ngd, finding its name taken, says who holds it (pid, jail) and
# exits non-zero, instead of "another ngd already serves".
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/../jail_cgroups.sh"
cleanup() {
	jails_gone
	[ -n "${old:-}" ] && kill "$old" 2>/dev/null
	stop_ngd
	rm -rf "$tmp"
}
trap cleanup EXIT
chmod 755 "$tmp"

# serve NAME MODE: a fake ngd on @NAME; MODE "stay" listens itself,
# "orphan" hands the socket to a child and exits.  It writes every
# byte a client sends to $tmp/NAME.got.
cat >"$tmp/fake.py" <<'EOF2'
import os, socket, sys, time
name, mode, out = sys.argv[1], sys.argv[2], sys.argv[3]
s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
s.bind("\0" + name)
s.listen(8)
if mode.startswith("orphan") and os.fork() != 0:
    time.sleep(0.2)
    os._exit(0)  # the listener goes; its child keeps the socket
time.sleep(0.3)
with open(out + ".ready", "w"):
    pass
s.settimeout(0.1)
for _ in range(150):  # 15 s, or until told to stop
    if os.path.exists(out + ".stop"):
        break
    try:
        c, _ = s.accept()
    except OSError:
        continue
    c.settimeout(2)
    try:
        data = c.recv(65536)
    except OSError:
        data = b""
    with open(out + ".got", "ab") as f:
        f.write(data)
    c.close()
EOF2

expect_rc "i: a jail on the host's stack" 0 \
    jail -q -c name=i persist path=/ ip4=inherit

# fake MODE [SUFFIX]: a jailed fake server on a fresh name (with SUFFIX),
# ready; sets $name
fake() {
	name=ngtest-intr-$1-$$
	jexec i timeout 20 python3 -S "$tmp/fake.py" "$name${2:-}" "$1" \
	    "$tmp/$name" &
	for _ in $(seq 200); do [ -e "$tmp/$name.ready" ] && break; sleep 0.05; done
}
unfake() { : >"$tmp/$name.stop"; wait; }

for mode in stay orphan; do
	fake "$mode"
	NGD_SOCKET=@$name ngctl -N list >"$tmp/out" 2>"$tmp/err"
	rc=$?
	expect "$mode: the host's ngctl fails" 1 "$((rc != 0))"
	expect "$mode: the jail read nothing of the host's ngctl" "0" \
	    "$(cat "$tmp/$name.got" 2>/dev/null | wc -c)"
	expect "$mode: ngctl says why" 1 \
	    "$(grep -c "@$name: .*refused" "$tmp/err")"
	# ngd finds the name taken: who holds it, and no "another ngd"
	ngd -d -s "@$name" >"$tmp/ngd.out" 2>&1
	expect "$mode: ngd refuses to start" 69 "$?"
	expect "$mode: ngd names the holder in jail i" 1 \
	    "$(grep -c "@$name: held by pid [0-9]* (python3) in jail i" \
	    "$tmp/ngd.out")"
	unfake
done

# nobody, not jailed, with CAP_NET_ADMIN (a service's ambient caps)
name=ngtest-intr-nobody-$$
mkdir -m 777 "$tmp/nb"
setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=+net_admin \
    --ambient-caps=+net_admin timeout 20 python3 -S "$tmp/fake.py" "$name" \
    stay "$tmp/nb/$name" &
for _ in $(seq 200); do [ -e "$tmp/nb/$name.ready" ] && break; sleep 0.05; done
NGD_SOCKET=@$name ngctl -N list >"$tmp/out" 2>"$tmp/err"
expect "nobody with CAP_NET_ADMIN: root's ngctl refuses it" \
    "ngctl: @$name: served by uid 65534 (pid N), neither root nor us; refused" \
    "$(sed -n 's/(pid [0-9]*)/(pid N)/; /refused/p' "$tmp/err")"
expect "nobody with CAP_NET_ADMIN: it read nothing" "0" \
    "$(cat "$tmp/nb/$name.got" 2>/dev/null | wc -c)"
: >"$tmp/nb/$name.stop"
wait

# The jail takes the takeover socket of an ngd about to start: that ngd
# serves, says who holds it, and no ngd takes a graph over from the jail.
fake orphan2 .takeover
ngd -d -s "@$name" -J "$tmp/j" 2>"$tmp/ngd.log" &
NGD_PID=$!
for _ in $(seq 200); do
	grep -q "no takeover socket" "$tmp/ngd.log" && break
	sleep 0.05
done
expect "the jail's takeover socket: ngd names the holder" 1 \
    "$(grep -c "no takeover socket: @$name.takeover held by pid [0-9]* (python3) in jail i" "$tmp/ngd.log")"
expect "the jail's takeover socket: ngd serves" 0 \
    "$(NGD_SOCKET=@$name ngctl -N list >/dev/null 2>&1; echo $?)"
timeout 10 ngd -d --takeover -s "@$name" -J "$tmp/j2" >"$tmp/to.out" 2>&1
expect "no ngd takes a graph over from the jail" 69 "$?"
expect "... and says why" 1 "$(grep -c "@$name.takeover: served by pid [0-9]*, uid 0, which is no ngd of this host.s root (a jail.s?); refused" "$tmp/to.out")"
stop_ngd
unfake

# A real ngd still serves the host, daemonized (the listener, its
# parent, exits) and after a takeover (the listener is the old ngd).
name=ngtest-intr-real-$$
serving() { ss -xlpn | sed -n "s/.*@$name .*pid=\([0-9]*\),.*/\1/p"; }
ngd -s "@$name" -J "$tmp/j" 2>"$tmp/ngd.err"
expect "a daemonized ngd serves" 0 \
    "$(NGD_SOCKET=@$name ngctl -N list >/dev/null 2>&1; echo $?)"
old=$(serving)
ngd -d --takeover -s "@$name" -J "$tmp/j" 2>>"$tmp/ngd.err" &
NGD_PID=$!
for _ in $(seq 100); do
	[ "$(serving)" = "$NGD_PID" ] && ! kill -0 "$old" 2>/dev/null && break
	sleep 0.05
done
expect "after a takeover, ngd serves" 0 \
    "$(NGD_SOCKET=@$name ngctl -N list >/dev/null 2>&1; echo $?)"
finish
