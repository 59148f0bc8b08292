#!/usr/bin/env bash
# eiface MACs (DESIGN decision 3, issue 14 item 2): an ngeth0 made by the
# graphs of three namespaces gets three different MACs, and the same MAC
# again from an ngd restarted in the same namespace.
source "$(dirname "$0")/../lib.sh"

declare -A pid m
ns_ngd() { # start ngd in namespace $1, wait until it answers
	ip netns exec "$1" ngd -d 2>/dev/null &
	pid[$1]=$!
	for _ in $(seq 100); do
		ip netns exec "$1" ngctl -N list >/dev/null 2>&1 && return 0
		sleep 0.02
	done
	fail "ngd in $1 did not start"
}
ns_stop() { kill "${pid[$1]}" 2>/dev/null && wait "${pid[$1]}" 2>/dev/null; }
cleanup() {
	for n in "${!pid[@]}"; do ns_stop "$n"; done
	for n in a b c; do ip netns del $n 2>/dev/null; done
	rm -rf "$tmp"
}
trap cleanup EXIT
mac() { ip -n "$1" -o link show "$2" | sed -nE 's/.*link\/ether ([0-9a-f:]+) .*/\1/p'; }

for n in a b c; do
	ip netns add $n
	ns_ngd $n
	ip netns exec $n ngctl mkpeer eiface ether ether
	m[$n]=$(mac $n ngeth0)
done
expect "three namespaces, three MACs" 3 \
    "$(printf '%s\n' "${m[a]}" "${m[b]}" "${m[c]}" | grep -c . | tr -d ' ')"
expect "... all different" 3 \
    "$(printf '%s\n' "${m[a]}" "${m[b]}" "${m[c]}" | sort -u | grep -c .)"
for n in a b c; do
	first=$((16#${m[$n]%%:*}))
	expect "$n: locally administered unicast" 2 "$((first & 3))"
done

# An ngd restarted in namespace a (after a clean stop, and after a crash)
ns_stop a
expect_rc "a: interface gone with its ngd" 1 quiet ip -n a link show ngeth0
ns_ngd a
ip netns exec a ngctl mkpeer eiface ether ether
expect "a: same MAC after a restart" "${m[a]}" "$(mac a ngeth0)"
journal_has " name=ngeth0 mac=${m[a]} "
kill -KILL "${pid[a]}"; wait "${pid[a]}" 2>/dev/null
ip -n a link del ngeth0 # gone while no ngd runs
ns_ngd a
expect "a: made anew from the journal by a new ngd, same MAC" "${m[a]}" "$(mac a ngeth0)"

exit $NG_FAILED
