#!/usr/bin/env bash
# jail -c of a jail at the head of a long depend chain: every jail of
# the chain is started first, the deepest first (FreeBSD starts the
# dependencies of a requested jail whatever their number).  jail(8)
# ordered them in arrays sized for the jails asked for plus 64, and a
# chain of 100 wrote past them: "free(): invalid next size", a false
# "dependency loop", exit 134 with nothing made.
source "$(dirname "$0")/../lib.sh"
trap 'jail -q -f "$tmp/chain.conf" -r "*" 2>/dev/null; rm -rf "$tmp"' EXIT

n=100
{
	echo 'path = "/";'
	echo 'persist;'
	echo 't0 { depend = d1; }'
	for i in $(seq 1 $((n - 1))); do echo "d$i { depend = d$((i + 1)); }"; done
	echo "d$n { }"
} >"$tmp/chain.conf"
check "a chain of $n dependencies: all made, the deepest first" 0 \
    "$(printf 'd%s: created\n' $(seq $n -1 1))"$'\nt0: created' "" \
    jail -f "$tmp/chain.conf" -c t0
expect "... $((n + 1)) running" $((n + 1)) "$(jls -N | tail -n +2 | wc -l)"
check "... and removed, t0 first" 0 \
    "t0: removed"$'\n'"$(printf 'd%s: removed\n' $(seq 1 $n))" "" \
    jail -f "$tmp/chain.conf" -r d$n
expect "... none left" 0 "$(jls -N | tail -n +2 | wc -l)"
finish
