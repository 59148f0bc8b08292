#!/usr/bin/env bash
# Journals of namespaces that are gone are removed when an ngd starts
# (src/ngd/journal_gc.c): a crashed ngd's directory stays while its
# namespace lives (the next ngd there needs it) and goes once the
# namespace is deleted; a directory whose lock a live process holds, or
# made from another pid namespace, is kept.
source "$(dirname "$0")/../lib.sh"
export NGD_LOG="$tmp/ngd.log"
holder=
cleanup() {
	[ -n "$holder" ] && kill "$holder" 2>/dev/null
	stop_ngd
	for n in g1 g2; do ip netns del $n 2>/dev/null; done
	rm -rf /run/netgraph/*
	rm -rf "$tmp"
}
trap cleanup EXIT

# crashed NS: an ngd in NS makes a node, then is killed; prints its dir.
crashed() {
	ip netns exec "$1" sh -c '
		ngd -d 2>/dev/null & p=$!
		for _ in $(seq 100); do ngctl -N list >/dev/null 2>&1 && break; sleep 0.02; done
		ngctl mkpeer . eiface e ether; sleep 0.3
		kill -KILL $p; wait $p 2>/dev/null'
}
ip netns add g1
ip netns add g2
crashed g1
d1=$(ls -d /run/netgraph/*)
crashed g2
d2=$(ls -d /run/netgraph/* | grep -vx "$d1")
# (with NGD_FASTPATH=1 also its data plane's pin, "dataplane")
expect "each crashed ngd left its journal, lock and netns file" "journal lock netns journal lock netns" \
    "$(ls "$d1" | grep -vx dataplane | xargs) $(ls "$d2" | grep -vx dataplane | xargs)"
ip netns del g1
# A directory of a namespace that never was here (inode 1), its lock
# held by a live process: kept.
mkdir -p /run/netgraph/1234567 /run/netgraph/7654321
printf 'netns 1\npidns %s\n' "$(stat -L -c %i /proc/self/ns/pid)" >/run/netgraph/1234567/netns
: >/run/netgraph/1234567/journal
(exec 9>/run/netgraph/1234567/lock; flock -s 9; exec sleep 60) &
holder=$!
# One made from another pid namespace: not ours to judge.
printf 'netns 1\npidns 1\n' >/run/netgraph/7654321/netns
: >/run/netgraph/7654321/lock
sleep 0.2

start_ngd
expect_rc "g1 is gone: its journal is removed" 1 test -e "$d1"
expect "... with a message" 1 "$(grep -c "journal $d1: its namespace is gone; removed" "$NGD_LOG")"
expect_rc "g2 lives on: its journal is kept" 0 test -f "$d2/journal"
expect_rc "a directory whose lock is held is kept" 0 test -d /run/netgraph/1234567
expect_rc "one made from another pid namespace is kept" 0 test -d /run/netgraph/7654321
expect "this ngd's own directory holds its lock" 1 \
    "$(ls /run/netgraph/*/lock | xargs -n1 dirname | while read -r d; do
	[ "$(sed -n 's/^netns //p' "$d/netns")" = "$(stat -L -c %i /proc/self/ns/net)" ] && echo "$d"; done | wc -l)"
kill "$holder"; wait "$holder" 2>/dev/null; holder=
stop_ngd
start_ngd
expect_rc "the lock let go: that directory is removed" 1 test -e /run/netgraph/1234567
expect_rc "g2's journal still there" 0 test -f "$d2/journal"
# The next ngd of g2 still finds its graph.
expect "g2's next ngd restores its graph" "ngeth0" \
    "$(ip netns exec g2 sh -c 'NGCTL_NO_AUTOSTART= ngctl list' | sed -n 's/^  Name: \(ngeth0\) .*/\1/p')"
ip netns exec g2 sh -c 'kill $(ss -xlpn | sed -n "s/.*@netgraph .*pid=\([0-9]*\),.*/\1/p" | head -n 1)'
sleep 0.3
ip netns del g2
stop_ngd
expect "SIGTERM: this ngd's directory is gone, lock and all" "" \
    "$(ls /run/netgraph | grep -v 7654321 | grep -vx "$(basename "$d2")")"
start_ngd
expect_rc "g2 gone now: its directory is removed too" 1 test -e "$d2"
stop_ngd
exit $NG_FAILED
