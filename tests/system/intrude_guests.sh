#!/usr/bin/env bash
# Those who may only read ngd's graph may hold 64 connections each, so
# that they do not hold every descriptor ngd has.  But a user is a uid
# to SO_PEERCRED, and a user with subordinate uids (useradd gives each
# 65,536; newuidmap maps them into a user namespace of theirs) is as
# many users: 65,536 x 64 connections, each with a socket node and up
# to 16 MiB of replies left unread, and root's own ngctl waited behind
# them.  Now every non-admin together holds at most 1,024 connections.
# Here root plays 18 such uids (setuid), 64 connections each, one after
# another, then counts what ngd kept, and root still gets in.  (The
# replies unread are still bounded per uid only, 16 MiB each: left to do.)
source "$(dirname "$0")/../lib.sh"
cleanup() {
	[ -n "${drv:-}" ] && kill "$drv" 2>/dev/null
	stop_ngd
	rm -rf "$tmp"
}
trap cleanup EXIT
chmod 755 "$tmp"
start_ngd -J "$tmp/j"

cat >"$tmp/guests.py" <<'EOF2'
import os, select, socket, sys, time
uids, per, out = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
kids = []
for i in range(uids):
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(r)
        os.setgid(70000 + i)
        os.setuid(70000 + i)
        conns = []
        for _ in range(per):
            s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
            s.connect("\0netgraph")
            conns.append(s)
        os.write(w, b"c")  # connected
        while not os.path.exists(out + ".count"):
            time.sleep(0.02)
        kept = 0
        for s in conns:  # a connection ngd refused is closed: readable, EOF
            if not select.select([s], [], [], 0)[0]:
                kept += 1
        os.write(w, b"%d\n" % kept)
        while not os.path.exists(out + ".stop"):
            time.sleep(0.05)
        os._exit(0)
    os.close(w)
    os.read(r, 1)  # one uid after another
    kids.append((pid, r))
with open(out + ".connected", "w"):
    pass
total = 0
for pid, r in kids:
    total += int(os.read(r, 32).decode())
with open(out, "w") as f:
    f.write("%d\n" % total)
for pid, r in kids:
    os.waitpid(pid, 0)
EOF2
python3 -S "$tmp/guests.py" 18 64 "$tmp/kept" &
drv=$!
for _ in $(seq 600); do [ -e "$tmp/kept.connected" ] && break; sleep 0.05; done
# root, behind them all in the queue: answered once ngd took them all
expect_rc "root gets in past them" 0 quiet ngctl list
: >"$tmp/kept.count"
for _ in $(seq 200); do [ -s "$tmp/kept" ] && break; sleep 0.05; done
expect "18 uids x 64 connections: ngd kept 1,024" 1024 "$(cat "$tmp/kept")"
expect_rc "root gets in while they hold them" 0 quiet ngctl list
# (closed at once: "Socket is not connected" or "Connection reset by
# peer", as the close meets ngctl's hello)
setpriv --reuid=70100 --regid=70100 --clear-groups ngctl list >"$tmp/new" 2>&1
expect "a new guest is refused" "71 ngctl: can't create node" \
    "$? $(sed -E 's/: (Socket is not connected|Connection reset by peer)$//' "$tmp/new")"
: >"$tmp/kept.stop"
wait "$drv"
drv=
expect_rc "once they are gone, a guest gets in" 0 quiet \
    setpriv --reuid=70100 --regid=70100 --clear-groups ngctl list
finish
