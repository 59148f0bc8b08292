#!/usr/bin/env bash
# ngd --takeover against clients and intruders (takeover.c, DESIGN 12):
#   - a request of root's that comes in pieces (longer than 64 KiB,
#     ngd_proto.h) and whose first pieces the old ngd had joined when a
#     takeover came: the pieces are the new ngd's to join, and the client
#     gets its answer.  The old ngd kept them to itself, and the new one,
#     given the next piece with nothing before it, took it for one out of
#     order and cut the connection: the client's socket node and the
#     request lost, where a takeover promises a pause at most.
#   - a user that is not root connecting to the takeover socket, and one
#     that says the takeover's words: refused, nothing handed over, and
#     the service goes on (a client is answered at once, not after the
#     10 s an ngd asking would be given).
# The client speaks ngd's wire protocol itself (tests/system/ngwire.py):
# libnetgraph sends a request's pieces in one go, with nothing between
# them where a takeover could be put for certain.
source "$(dirname "$0")/../lib.sh"
export NGD_LOG="$tmp/ngd.log"
trap 'exec 7>&- 8<&- 2>/dev/null; stop_ngd; kill $(pgrep -x ngd) 2>/dev/null; rm -rf "$tmp"' EXIT
chmod 755 "$tmp"
start_ngd || exit 1

# --- a request in pieces across a takeover --------------------------------
# The client: hello, then the first half of a request of 144 KB
# (binary2ascii of a made-up listnodes reply, 2,000 entries) in pieces
# of 64 KiB; it waits until ngd has
# read them all (nothing left in its socket's send queue), says "half",
# waits for a line on stdin (the takeover done), sends the rest, and
# prints the status and whether a reply came, or what ended it; then
# whether a request of its own is answered on the same connection, and
# holds it (its node) until a line more.
cat >"$tmp/pieces.py" <<'EOF'
import fcntl, struct, sys, termios, time
sys.path.insert(0, sys.argv[1])
import ngwire as w
PART, END, CHUNK = 7, 8, 65536
s, nid = w.control("pieced")
whole = w.big_binary2ascii(2000)
cuts = list(range(0, len(whole), CHUNK))
def piece(at):
    body = whole[at:at + CHUNK]
    kind = END if at + CHUNK >= len(whole) else PART
    return struct.pack("<HHIII", kind, 0, at, len(whole), 1) + body
half = len(cuts) // 2
for at in cuts[:half]:
    s.send(piece(at))
# read by ngd: no byte of ours left in the socket (TIOCOUTQ), 30 s at most
for _ in range(3000):
    if struct.unpack("i", fcntl.ioctl(s, termios.TIOCOUTQ, b"\0" * 4))[0] == 0:
        break
    time.sleep(0.01)
print("half %d of %d pieces node %x" % (half, len(cuts), nid), flush=True)
sys.stdin.readline()
try:
    for at in cuts[half:]:
        s.send(piece(at))
    s.settimeout(30)
    got = None
    while True:
        b = s.recv(1 << 24)
        if not b:
            print("hung up", flush=True)
            break
        kind, alen, err, _, _ = struct.unpack_from("<HHIII", b)
        if kind == w.MSG:
            got = len(b)
            continue
        if kind == w.STATUS:
            print("status %d reply %s" % (err, "none" if got is None else "yes"), flush=True)
            break
except OSError as e:
    print("error %s" % e.strerror, flush=True)
# the node is still ours: a request on the same connection is answered
try:
    print("after %d" % w.request(s, w.MSG, ".", w.mesg(w.GENERIC, w.NGM_LISTTYPES)), flush=True)
except (OSError, EOFError) as e:
    print("after: %s" % e, flush=True)
sys.stdin.readline()
EOF
coproc PIECES { python3 "$tmp/pieces.py" "$top/tests/system" 2>&1; }
exec 7>&"${PIECES[1]}" 8<&"${PIECES[0]}"
read -r -t 60 line <&8
case $line in
half*) ok "the client sent half its request's pieces, and ngd read them ($line)" ;;
*) fail "the client sent half its request's pieces (got: $line)" ;;
esac
expect_rc "ngd --takeover takes over" 0 ngd_takeover
echo >&7
read -r -t 60 status <&8
read -r -t 60 after <&8
expect "the rest of the pieces go to the new ngd, which answers the whole" \
    "status 0 reply yes" "$status"
expect "... and the client's node is still there: its next request is answered" \
    "after 0" "$after"
expect_rc "... which the new ngd shows (its name)" 0 quiet ngctl show pieced:
echo >&7
wait "$PIECES_PID" 2>/dev/null
exec 7>&- 8<&-

# --- the takeover socket, for anyone else ---------------------------------
# A user (nobody) connects, and says the words a new ngd says: the
# connection is closed with nothing sent (the send may find it closed
# already), ngd logs nothing of a takeover, and a client is served.
cat >"$tmp/pose.py" <<'EOF'
import os, socket, sys, time
name = "\0" + os.environ.get("NGD_SOCKET", "@netgraph").lstrip("@") + ".takeover"
s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
s.connect(name)
t0 = time.monotonic()
try:
    s.send(b"netgraph-takeover 2")
    s.settimeout(20)
    got = s.recv(4096)
except OSError as e:
    got = ("error " + (e.strerror or str(e))).encode()
print("got %r after %.1f s" % (got, time.monotonic() - t0))
EOF
marks=$(grep -c "handing over" "$NGD_LOG")
expect "the takeover above was logged (what the count below compares)" 1 "$marks"
got=$(setpriv --reuid=65534 --regid=65534 --clear-groups python3 "$tmp/pose.py" 2>&1)
case $got in
"got b'' after "[0-4].* | "got b'error "*) ok "nobody's takeover request: closed unanswered ($got)" ;;
*) fail "nobody's takeover request: closed unanswered (got: $got)" ;;
esac
expect "... and ngd hands nothing over" "$marks" "$(grep -c "handing over" "$NGD_LOG")"
expect_rc "... and serves on" 0 quiet ngctl list
expect "... the same ngd" "$NGD_PID" "$(pgrep -x ngd | head -1)"
exit "$NG_FAILED"
