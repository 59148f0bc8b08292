#!/usr/bin/env bash
# jail -c of a jail at the head of a long depend chain: every jail of
# the chain is started first, the deepest first (FreeBSD starts the
# dependencies of a requested jail whatever their number).  jail(8)
# ordered them in arrays sized for the jails asked for plus 64, and a
# chain of 100 wrote past them: "free(): invalid next size", a false
# "dependency loop", exit 134 with nothing made.
# And jail -r with a config whose depend makes a loop: FreeBSD's
# dep_setup says "dependency loop" for each jail of it whatever the
# action, and those stay; jail -r removed them silently (it found the
# loop only when making jails).  Making jails, the same: the jails of a
# loop fail, each saying so, a jail depending on one is skipped, the
# others are made, exit 1 (jail -c gave up the whole run at the first
# loop it met, making nothing).
source "$(dirname "$0")/../lib.sh"
trap 'jail -q -f "$tmp/chain.conf" -r "*" 2>/dev/null; jail -q -r a b c d e 2>/dev/null; rm -rf "$tmp"' EXIT

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
cat >"$tmp/loop.conf" <<'EOF'
path = "/";
persist;
a { depend = b; }
b { depend = a; }
c { depend = c; }
d { depend = a; }
e { }
EOF
for j in a b c d e; do jail -q -c name=$j path=/ persist; done
check "jail -r of a loop: each of its jails says so, and stays (d, which depends on a, goes first)" 1 "d: removed" \
    "jail: a: dependency loop"$'\n'"jail: b: dependency loop" \
    jail -f "$tmp/loop.conf" -r a
check "... a jail depending on itself too" 1 "" "jail: c: dependency loop" \
    jail -f "$tmp/loop.conf" -r c
check "... jail -r '*': the others go" 1 "e: removed" \
    "jail: a: dependency loop"$'\n'"jail: b: dependency loop"$'\n'"jail: c: dependency loop" \
    jail -f "$tmp/loop.conf" -r '*'
expect "... a, b and c still running" "a b c" \
    "$(jls -N | tail -n +2 | awk '{ print $1 }' | sort | xargs)"
jail -q -r a b c
loops="jail: a: dependency loop"$'\n'"jail: b: dependency loop"
check "jail -c of them all: a, b and c say so, d is skipped, e is made" 1 \
    "e: created" "$loops"$'\n'"jail: c: dependency loop"$'\n'"jail: d: skipped" \
    jail -f "$tmp/loop.conf" -c
expect "... e alone running" "e" "$(jls -N | tail -n +2 | awk '{ print $1 }' | xargs)"
jail -q -r e
check "... the same with -p 2" 1 \
    "e: created" "$loops"$'\n'"jail: c: dependency loop"$'\n'"jail: d: skipped" \
    jail -f "$tmp/loop.conf" -p 2 -c
jail -q -r e
check "... jail -c d e: the loop d needs fails, e is made" 1 "e: created" \
    "$loops"$'\n'"jail: d: skipped" jail -f "$tmp/loop.conf" -c d e
expect "... e alone running" "e" "$(jls -N | tail -n +2 | awk '{ print $1 }' | xargs)"
jail -q -r e
finish
