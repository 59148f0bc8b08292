#!/usr/bin/env bash
# An answer means the edit is in the journal (DESIGN decision 12): ngd
# writes what a request changed before its status goes back, as a record
# appended to the journal (a few hundred bytes, not the graph's text).
# A SIGKILL right after a burst of edits (nodes made, renamed, cut off,
# shut down, settings) loses none of those that were answered: the next
# ngd's graph is the one the burst left (an ngd that wrote its whole
# text before it slept, at most a fifth of the time, lost the last ones:
# 5,000 nodes' text took it milliseconds).  A record a crash cut short at
# the end of the file (its write unfinished, so never answered) is left
# out with a message; a whole record whose sum is wrong is damage, and
# the journal is set aside.
#
#   hub0 (persistent) --lN-- hN (N = 1..5000, hubs, each on its one hook)
source "$(dirname "$0")/../lib.sh"
N=${JOURNAL_CRASH_N:-5000}
export NGD_LOG="$tmp/ngd.log"
trap 'stop_ngd; rm -rf "$tmp"' EXIT
# The graph's nodes (name, type, hooks) and hub0's edges, as ngctl lists them.
graph() {
	ngctl list | grep -v 'Type: socket' | grep 'Name:' |
	    awk '{ print $2, $4, $NF }' | sort
	ngctl show hub0: | tail -n +4 | awk '{ print $1, $2, $3, $5 }' | sort
}
wchar() { awk '/^wchar:/ { print $2 }' "/proc/$NGD_PID/io"; }
kill9() { kill -KILL "$NGD_PID"; wait "$NGD_PID" 2>/dev/null; NGD_PID=; }

start_ngd || finish
{
	echo "mkpeer . hub h l0"
	echo "name h hub0"
	echo "msg hub0: setpersistent"
	for i in $(seq "$N"); do echo "mkpeer hub0: hub l$i l"; done
} >"$tmp/graph"
ngctl -f "$tmp/graph"
j=$(echo /run/netgraph/*/journal)
for _ in $(seq 250); do
	[ "$(python3 "$top/tests/journal_text.py" "$j" | grep -c "^node ")" = $((N + 1)) ] && break
	sleep 0.02
done
# The burst: 60 nodes made, 20 renamed, 20 cut off (the hub goes with
# its last hook), 20 shut down, 20 made persistent; each edit answered.
{
	for i in $(seq 1 60); do echo "mkpeer hub0: hub m$i l"; done
	for i in $(seq 1 20); do echo "name hub0:l$i r$i"; done
	for i in $(seq 21 40); do echo "rmhook hub0: l$i"; done
	for i in $(seq 41 60); do echo "shutdown hub0:l$i"; done
	for i in $(seq 61 80); do echo "msg hub0:l$i setpersistent"; done
	for i in $(seq 81 100); do echo "rmhook hub0: l$i"; done
} >"$tmp/burst"
ngctl -f "$tmp/burst" && kill9
NGCTL_NO_AUTOSTART= ngctl list >/dev/null
NGD_PID=$(ngd_serving)
expect "restored after SIGKILL, with no record cut short" 0 \
    "$(grep -c 'cut short' "$NGD_LOG")"
after=$(graph)
hubs=$(ngctl list | grep -c 'Type: hub')
ngctl rmhook hub0: l61
expect "... a hub the burst made persistent outlives its last hook" 1 \
    "$(ngctl list | grep -v 'Type: socket' | grep -c 'Num hooks: 0')"
stop_ngd
rm -rf /run/netgraph/*
# The graph the burst left, made again by an ngd that is not killed.
start_ngd
ngctl -f "$tmp/graph"
w0=$(wchar)
ngctl -f "$tmp/burst"
burst=$?
w1=$(wchar)
want=$(graph)
expect "SIGKILL right after a burst of 160 edits: none of them lost" \
    "$want" "$after"
expect "... as many hubs as before it" $((N + 1)) "$hubs"
# Each edit wrote what it changed, not the graph (~470 KB of text): 160
# of them, under 1 MB (they wrote megabytes when the text was written
# whole after each), and a record each, a commit line at least (nothing
# written, as when ngd was not there to ask, counted 0 and passed).
if [ "$burst" = 0 ] && [ -n "$w0" ] && [ -n "$w1" ] &&
    between $((w1 - w0)) $((160 * 16)) 999999; then
	ok "160 edits of a graph of $N nodes: $((w1 - w0)) bytes written"
else
	fail "160 edits of a graph of $N nodes: $((${w1:-0} - ${w0:-0})) bytes written (ngctl exit $burst)"
fi
stop_ngd
rm -rf /run/netgraph/*

# A record cut short (no commit line, or half of one) is left out; a
# whole one with a wrong sum sets the journal aside.
start_ngd
ngctl -f - <<'EOS'
mkpeer . hub h l0
name h hub0
msg hub0: setpersistent
mkpeer hub0: hub l1 l
EOS
j=$(echo /run/netgraph/*/journal)
ngctl mkpeer hub0: hub l2 l
kill9
expect "records after the snapshot" 1 \
    "$(($(python3 "$top/tests/journal_text.py" -c "$j") > 0))"
printf 'node 0000ff00 hub torn\nnextid 0000ff01\ncommit 12' >>"$j"
: >"$NGD_LOG"
start_ngd
expect "a record cut short: left out, with a message" 1 \
    "$(grep -c 'the last 48 bytes, a record a crash cut short (its request had no answer), left out' "$NGD_LOG")"
expect "... the records before it applied" "hub0 hub 2" \
    "$(ngctl list | awk '$2 == "hub0" { print $2, $4, $NF }')"
expect "... the one cut short not" "" "$(ngctl list | grep -w torn)"
ngctl mkpeer hub0: hub l3 l
kill9
sed -i 's/ l3 / l4 /' "$j"
: >"$NGD_LOG"
start_ngd
expect "a whole record with a wrong sum: set aside" 1 \
    "$(grep -c "journal $j: damaged (its sum does not match); set aside" "$NGD_LOG")"
rm -f "$j.bad"
finish
