#!/usr/bin/env bash
# ngd's busy-poll after a control request (ngd(8), -b): a script's
# requests, each sent as soon as the last is answered (ngctl -f), find
# ngd polling, awake; a client that works milliseconds between its
# requests (as jail(8) does) finds it asleep, not spinning on a CPU the
# client wants.  Counted by ngd's voluntary context switches (its sleeps)
# and its CPU time.
source "$(dirname "$0")/../lib.sh"
start_ngd

sleeps() { awk '/^voluntary_ctxt_switches/ { print $2 }' "/proc/$NGD_PID/status"; }
ticks() { awk '{ print $14 + $15 }' "/proc/$NGD_PID/stat"; }

# A script: 1,000 requests back to back.
n=1000
yes 'msg . nodeinfo' 2>/dev/null | head -n $n >"$tmp/script"
s0=$(sleeps)
ngctl -f "$tmp/script" >/dev/null 2>&1
s1=$(sleeps)
if [ $((s1 - s0)) -lt $((n / 4)) ]; then
	ok "a script's $n requests: ngd polled through them ($((s1 - s0)) sleeps)"
else
	fail "a script's $n requests: ngd slept $((s1 - s0)) times"
fi

# A client with 2 ms and more between an answer and its next request:
# ngd sleeps in between, its CPU under 1/8 of the time (it polled 10 ms
# after each request, so all of the time a CPU was free for it).
n=200
s0=$(sleeps)
t0=$(ticks)
w0=$(awk '{ print int($1 * 100) }' /proc/uptime)
for _ in $(seq $n); do echo 'msg . nodeinfo'; sleep 0.002; done |
    ngctl -f - >/dev/null 2>&1
s1=$(sleeps)
t1=$(ticks)
w1=$(awk '{ print int($1 * 100) }' /proc/uptime)
got="$((s1 - s0)) sleeps, $((t1 - t0)) ticks of CPU in $((w1 - w0))"
if [ $((8 * (t1 - t0))) -lt $((w1 - w0)) ]; then
	ok "$n requests 2 ms apart: ngd slept between them ($got)"
else
	fail "$n requests 2 ms apart: ngd polled between them ($got)"
fi

finish
