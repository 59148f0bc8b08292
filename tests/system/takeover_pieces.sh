#!/usr/bin/env bash
# A takeover while a client sends a request in pieces (ngd_proto.h: one
# longer than 64 KiB goes as pieces, a datagram each, that ngd joins):
# the old ngd has joined the first pieces when it hands over, the client
# sends the rest to the new one, which joins on and runs the whole.  The
# socket node v gets the message whole; the client its one status.
# Before, the new ngd took the next piece for one out of order and closed
# the connection (the client's node, and the request, lost).
source "$(dirname "$0")/../lib.sh"
export NGD_LOG=$tmp/ngd.log
trap 'exec 3>&- 4<&- 2>/dev/null; stop_ngd; kill $(ngd_serving) 2>/dev/null; rm -rf "$tmp"' EXIT

cat >"$tmp/pieces.py" <<'EOF'
import os, struct, sys
sys.path.insert(0, sys.argv[1])
import ngwire as w
PART, END, STEP = 7, 8, 65536
def piece(kind, at, total, body):
    return struct.pack("<HHIII", kind, 0, at, total, 1) + body
v, _ = w.control("v")
c, _ = w.control("c")
args = os.urandom(300000)
whole = w.frame(w.MSG, "v:", w.mesg(4242, 1, args))
# two pieces now, then (once the takeover is over) the rest
for at in (0, STEP):
    c.send(piece(PART, at, len(whole), whole[at:at + STEP]))
print("sent", flush=True)
sys.stdin.readline()
c.settimeout(30)
v.settimeout(30)
try:
    at = 2 * STEP
    while at < len(whole):
        kind = END if at + STEP >= len(whole) else PART
        c.send(piece(kind, at, len(whole), whole[at:at + STEP]))
        at += STEP
    err = w.status(c)[0]
except (EOFError, OSError) as e:
    print("no status: %s" % e)
    sys.exit(0)
b = v.recv(1 << 20)
alen = struct.unpack_from("<HH", b)[1]
print("errno %d, v got it %s" % (err, "whole" if b[16 + alen + 56:] == args
                                 else "NOT whole (%d bytes)" % len(b)),
      flush=True)
sys.stdin.readline()  # (its node stays until then)
EOF

# Every unix socket of ngd's read (its receive queues empty): the old ngd
# has joined the pieces sent so far.  30 s at most.
ngd_read_all() {
	local p
	p=$(ngd_serving)
	for _ in $(seq 1500); do
		ss -xpn | grep "pid=$p," | awk '$3 != 0 { n++ } END { exit n > 0 }' &&
		    return 0
		sleep 0.02
	done
	return 1
}

start_ngd || finish
coproc PY { python3 "$tmp/pieces.py" "$top/tests/system" 2>&1; }
exec 3>&"${PY[1]}" 4<&"${PY[0]}"
read -r -t 30 line <&4
expect "the client sent its first two pieces" sent "$line"
expect_rc "... and the old ngd read them" 0 ngd_read_all
old=$(ngd_serving)
ngd -d --takeover 2>>"$NGD_LOG" &
for _ in $(seq 1500); do kill -0 "$old" 2>/dev/null || break; sleep 0.02; done
expect_rc "a new ngd took over" 1 quiet kill -0 "$old"
NGD_PID=$(ngd_serving)
echo go >&3
read -r -t 60 line <&4
expect "the rest sent to the new ngd: the request runs whole" \
    "errno 0, v got it whole" "$line"
expect "... the client's node is still there" 1 \
    "$(ngctl list | grep -c 'Name: c ')"
expect "... and no piece was taken for one out of order" 0 \
    "$(grep -c 'out of order' "$NGD_LOG")"
echo bye >&3
kill "$NGD_PID" 2>/dev/null
for _ in $(seq 500); do [ -z "$(ngd_serving)" ] && break; sleep 0.02; done
NGD_PID=
finish
