#!/usr/bin/env bash
# What others send a client does not hold its requests (src/ngd/ctl.c,
# ngd.8 "Slow and greedy clients"): ngctl in a script has 2 MB of
# messages from another client waiting unread (libnetgraph reads them
# only while it waits for an answer), then sends a 1 MB request, which
# goes to ngd in pieces.  ngd read no request of a client with more
# than 256 KiB unread, whoever had sent it, so the pieces the socket
# could not hold waited, and so did ngctl, until its -t (ETIMEDOUT, the
# connection lost).  Now only the answers to its own requests count, and
# the request is answered at once.  A client that leaves those unread
# is still held, and that is logged.
source "$(dirname "$0")/../lib.sh"
py=/usr/bin/python3
wire="$top/tests/system/ngwire.py"
export NGD_LOG="$tmp/ngd.log"

start_ngd || finish
mkfifo "$tmp/script"
ngctl -t 30 -n victim -f "$tmp/script" >"$tmp/out" 2>"$tmp/err" &
victim=$!
exec 3>"$tmp/script"
echo "name . victim" >&3 # (a line that reads nothing: the node is there)
for _ in $(seq 500); do ngctl show victim: >/dev/null 2>&1 && break; sleep 0.02; done
# 20 messages of 100,000 bytes to its node, which it does not read
expect "2 MB of messages from another client, unread" "sent 19 errno 0" \
    "$($py "$wire" pump victim: 20 100000)"
# nodeinfo takes no argument and ignores the 1 MB word it is given
t0=$(date +%s%N)
echo "msg . nodeinfo $(head -c 1000000 /dev/zero | tr '\0' x)" >&3
exec 3>&-
wait $victim
rc=$?
ms=$((($(date +%s%N) - t0) / 1000000))
expect "... then a 1 MB request is answered" "0" "$rc"
expect "... with no error" "" "$(cat "$tmp/err")"
# (msg prints the first message that waits, as FreeBSD's ngctl does:
# the first of the 20)
expect "... and msg printed the first message waiting" "Rec'd command 1 from" \
    "$(head -n 1 "$tmp/out" | cut -c 1-20)"
# (30 s is ngctl's -t: it waited that long, and failed, before)
if [ "$ms" -lt 20000 ]; then ok "... in $ms ms"; else fail "... in $ms ms"; fi

# A client that floods requests and reads none of their answers is held
# (its sends block), and ngd says so once.
$py "$wire" flood-unread 2 >"$tmp/flood.out" &
flood=$!
for _ in $(seq 500); do grep -q 'its next requests wait until it reads' "$NGD_LOG" && break; sleep 0.02; done
kill -TERM $flood 2>/dev/null
wait $flood
expect "a flood of requests whose answers are unread: held, said once" 1 \
    "$(grep -c 'answers to its requests unread; its next requests wait until it reads' "$NGD_LOG")"
expect_rc "ngd serves" 0 quiet ngctl list
finish
