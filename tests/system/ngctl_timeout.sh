#!/usr/bin/env bash
# ngctl and nghook give up on an ngd that does not answer (issue 13,
# item 6): stopped by SIGSTOP, stopped in the middle of a script, or out of
# file descriptors.  Each gives a clear message and a non-zero exit in
# about the time asked for (-t, NGD_TIMEOUT, or 5 s by default) instead of
# hanging.  Every client runs under timeout(1), so a hang fails the test
# instead of stalling it.
source "$(dirname "$0")/../lib.sh"
py=python3
wire="$top/tests/system/ngwire.py"

# elapsed NAME LO HI command...: run it, check its wall time is in [LO, HI] ms
elapsed() {
	local name=$1 lo=$2 hi=$3 t0 t
	shift 3
	t0=$(date +%s%N)
	"$@"
	t=$((($(date +%s%N) - t0) / 1000000))
	if [ "$t" -ge "$lo" ] && [ "$t" -le "$hi" ]; then
		ok "$name (${t} ms)"
	else
		fail "$name (${t} ms, want $lo to $hi)"
	fi
}
TO="timeout -s KILL 20"

start_ngd
# ngd's own descriptors when idle (more with NGD_FASTPATH=1: the fast
# path's maps, programs and sockets), for the out-of-descriptors case
$TO ngctl list >/dev/null
base=$(ls "/proc/$NGD_PID/fd" | wc -l)
kill -STOP "$NGD_PID"
check "stopped ngd: ngctl -t 1 gives up" 71 "" \
    "ngctl: can't create node: Operation timed out
ngctl: ngd on @netgraph did not answer within 1 s (stopped or overloaded?); -t changes how long to wait" \
    $TO ngctl -t 1 list
elapsed "... after about a second" 900 3000 quiet $TO ngctl -t 1 list
elapsed "... by default after about 5 s" 4500 8000 quiet env -u NGD_TIMEOUT $TO ngctl list
got=$(NGD_TIMEOUT=0.5 $TO ngctl list 2>&1 | tail -n 1)
expect "... NGD_TIMEOUT sets the default" \
    "ngctl: ngd on @netgraph did not answer within 0.5 s (stopped or overloaded?); -t changes how long to wait" "$got"
check "... nghook -t 1 gives up too" 71 "" \
    "nghook: ngd on @netgraph did not answer within 1 s; -t changes how long to wait
nghook: can't get sockets" \
    $TO nghook -t 1 -n .: x
check "... -t wants a number" 64 "" \
    "ngctl: -t x: want seconds from 0 (wait forever) to 86400
usage: ngctl [-d] [-f file] [-n name] [command ...]" \
    ngctl -t x list
kill -CONT "$NGD_PID"
expect_rc "continued ngd answers again" 0 quiet $TO ngctl -t 1 list
# The clients that gave up left nothing behind.
sleep 0.3
expect "... and only this client's node is in the graph" \
    "There are 1 total nodes:" "$($TO ngctl list | head -n 1)"

# Stopped between two commands of a script: the second times out.
( sleep 0.5; kill -STOP "$NGD_PID" ) &
stopper=$!
got=$( { echo "mkpeer . hub a b"; sleep 1; echo "list"; } |
    $TO ngctl -t 1 -f - 2>&1 >/dev/null)
rc=$?
wait $stopper
expect "stopped mid-script: the next command times out" \
    "ngctl: send msg: Operation timed out
ngctl: line 2: error in file
ngctl: ngd on @netgraph did not answer within 1 s (stopped or overloaded?); -t changes how long to wait" "$got"
expect "... exit status 71" 71 "$rc"
kill -CONT "$NGD_PID"
stop_ngd

# Out of file descriptors: ngd cannot accept, the connection waits in
# the listen backlog; the client must not wait there for ever.  ngd
# gets 10 descriptors more than it uses idle (24 for a TAP ngd's 14).
NGD_LOG=$tmp/ngd.log
lim=$((base + 10))
prlimit --nofile=$lim:$lim ngd -d 2>>"$NGD_LOG" &
NGD_PID=$!
for _ in $(seq 100); do ngctl list >/dev/null 2>&1 && break; sleep 0.02; done
# (each refused connection waits 2 s for an answer: the first is enough)
$py "$wire" conns 18 8 first >"$tmp/conns.out" &
hog=$!
for _ in $(seq 300); do [ -s "$tmp/conns.out" ] && break; sleep 0.05; done
if grep -q 'refused [1-9]' "$tmp/conns.out"; then
	ok "ngd out of descriptors ($(cat "$tmp/conns.out"))"
else
	fail "ngd out of descriptors ($(cat "$tmp/conns.out"))"
fi
check "... ngctl -t 1 gives up" 71 "" \
    "ngctl: can't create node: Operation timed out
ngctl: ngd on @netgraph did not answer within 1 s (stopped or overloaded?); -t changes how long to wait" \
    $TO ngctl -t 1 list
kill $hog; wait $hog 2>/dev/null
expect_rc "... and is served once descriptors are free" 0 quiet $TO ngctl -t 2 list
finish
