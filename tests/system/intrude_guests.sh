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

# (the uids forked one after another: tests/guests.py)
cat >"$tmp/guests.py" <<'EOF2'
import select, socket, sys
sys.path.insert(0, sys.argv[4])
import guests
uids, per, out = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]

def first():
    conns = []
    for _ in range(per):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        s.connect("\0netgraph")
        conns.append(s)
    return conns

def then(conns, say):
    guests.wait_for(out + ".count")
    kept = 0
    for s in conns:  # a connection ngd refused is closed: readable, EOF
        if not select.select([s], [], [], 0)[0]:
            kept += 1
    say("%d" % kept)
    guests.wait_for(out + ".stop", 0.05)

lines, pids = guests.play(uids, 70000, first, then, out)
with open(out, "w") as f:
    f.write("%d\n" % sum(int(n) for n in lines))
guests.reap(pids)
EOF2
python3 -S "$tmp/guests.py" 18 64 "$tmp/kept" "$top/tests" &
drv=$!
for _ in $(seq 600); do [ -e "$tmp/kept.ready" ] && break; sleep 0.05; done
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
