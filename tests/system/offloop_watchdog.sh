#!/usr/bin/env bash
# A handler that holds ngd's event loop over a second is logged once it
# is over, with how long and what it was doing, so that one who saw a
# client's "did not answer within 5 s" finds why in the log (the suite's
# loaded runs saw ngd wait seconds in tcx_link_attach, rtnl_newlink,
# rcu_barrier with nothing logged).  No thread watches: the loop reads
# the clock once a handler.
#   strace on ngd's loop thread delays its third sendmsg (the answer to
#   a `list`, after the hellos of its two sockets) by 3 s in the kernel
#   (ptrace): ngd logs once "event loop held N ms by pid P's listnodes
#   to .", N at least 3000; 20 quick lists after add no line.
source "$(dirname "$0")/../lib.sh"
trap '[ -n "${st:-}" ] && kill "$st" 2>/dev/null; stop_ngd; rm -rf "$tmp"' EXIT
command -v strace >/dev/null || fail "strace is needed (scripts/deps installs it)"
export NGD_LOG=$tmp/log
start_ngd || finish
held() { grep -c 'event loop held' "$NGD_LOG"; }
expect "no slow handler logged at start" 0 "$(held)"
expect "ngd has one thread" 1 "$(ls "/proc/$NGD_PID/task" | wc -l)"
strace -o /dev/null -e trace=sendmsg -e inject=sendmsg:delay_enter=3000000:when=3 \
    -p "$NGD_PID" 2>"$tmp/st.err" &
st=$!
for _ in $(seq 500); do grep -qs attached "$tmp/st.err" && break; sleep 0.02; done
expect_rc "ngctl list is answered (late)" 0 quiet ngctl list
kill "$st"
wait "$st" 2>/dev/null
st=
# (logged once the handler is over: the answer went out in it)
for _ in $(seq 500); do [ "$(held)" -gt 0 ] && break; sleep 0.02; done
line=$(grep 'event loop held' "$NGD_LOG" | head -1)
echo "# $line"
ms=$(echo "$line" | sed -nE 's/.*held ([0-9]+) ms by .*/\1/p')
if [ -n "$ms" ] && [ "$ms" -ge 3000 ]; then
	ok "the slow handler is logged with how long it held the loop ($ms ms)"
else
	fail "no log line says the loop was held 3 s or more: '$line'"
fi
expect_rc "... and what it did: a client's listnodes (ngctl list)" 0 grep -qE "held [0-9]+ ms by pid [0-9]+'s listnodes to \." <<<"$line"
for _ in $(seq 20); do ngctl list >/dev/null; done
expect "quick handlers are not logged" 1 "$(held)"
finish
