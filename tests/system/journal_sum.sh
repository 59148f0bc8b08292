#!/usr/bin/env bash
# The journal's end line (DESIGN decision 12) sums its snapshot: each
# line's FNV-1a, folded in order (version 2 and 3), the lines it shares
# with the last text at its start and end taken up from that text's sums
# (journal.c, ngd_journal_sum); each record after it ends in a commit
# line, its lines' sums folded on from the one before.  After each
# change, early, in the middle and at the end of a text of many lines,
# two at once far apart, a line longer or shorter, every sum is right
# (tests/journal_text.py checks them), and a new ngd restores the graph
# from it (a damaged sum sets it aside).  A version 1 journal (the whole
# text's FNV-1a, an older ngd's) is restored too.
source "$(dirname "$0")/../lib.sh"
NS="sa sb sc"
trap 'for n in $NS; do ip netns del $n 2>/dev/null; done; stop_ngd; rm -rf "$tmp"' EXIT
start_ngd || finish
{
	echo "mkpeer . bridge b link0"
	echo "name b br0"
	echo "msg br0: setpersistent"
	for i in $(seq 150); do echo "mkpeer br0: eiface link$i ether"; done
} >"$tmp/graph"
ngctl -f "$tmp/graph"
for n in $NS; do ip netns add $n; done
j=$(echo /run/netgraph/*/journal)
# sum_ok: the snapshot's end line against the sum of all before it, and
# each record's commit line against its own, folded on from the one before
sum_ok() {
	python3 "$top/tests/journal_text.py" "$j" >/dev/null 2>"$tmp/why" &&
	    head -n 1 "$j" | grep -qx 'netgraph-journal 5' && echo ok ||
	    echo "bad: $(cat "$tmp/why")"
}
# step WHAT COMMAND...: the command, the journal written anew, checked
step() {
	local what=$1 before
	shift
	before=$(md5sum <"$j")
	"$@" >/dev/null
	for _ in $(seq 100); do
		[ "$(md5sum <"$j")" != "$before" ] && break
		sleep 0.02
	done
	expect "$what: the journal's end line sums its text" ok "$(sum_ok)"
}
sleep 0.3
expect "the text spans many steps" 1 "$(($(wc -c <"$j") > 5 * 4096))"
step "vnet, in the middle" ngctl msg ngeth75: vnet '"sa"'
step "vnet, at the start" ngctl msg ngeth0: vnet '"sb"'
step "vnet, at the end" ngctl msg ngeth149: vnet '"sc"'
step "vnet home" ngctl msg ngeth75: vnet '""'
step "a node's name, early" ngctl name ngeth1: early
step "a node more (nextid, the first line)" ngctl mkpeer br0: eiface link151 ether
step "a node less" ngctl shutdown early:
printf 'name ngeth2: far1\nname ngeth148: far2\n' >"$tmp/two"
step "two names at once, far apart" ngctl -f "$tmp/two"
step "a name longer, early" ngctl name far1: a_much_longer_name
step "... and shorter" ngctl name a_much_longer_name: s

kill -9 "$NGD_PID"
wait "$NGD_PID" 2>/dev/null
NGD_PID=
start_ngd || finish
expect "a new ngd restores the graph from it" 150 \
    "$(ngctl list | grep -c 'Type: eiface')"
expect "... none set aside as damaged" "" "$(ls /run/netgraph/*/ | grep bad)"

# An older ngd's journal: version 1, the whole text's FNV-1a.
kill -9 "$NGD_PID"
wait "$NGD_PID" 2>/dev/null
NGD_PID=
python3 "$top/tests/journal_text.py" "$j" >"$tmp/text"
python3 - "$j" "$tmp/text" <<'PY'
import sys
body = open(sys.argv[2], "rb").read().replace(b"netgraph-journal 5\n", b"netgraph-journal 1\n", 1)
body = body.replace(b" far2\n", b" v1name\n")
h = 14695981039346656037
for c in body:
    h = ((h ^ c) * 1099511628211) & 0xffffffffffffffff
open(sys.argv[1], "wb").write(body + b"end %016x\n" % h)
PY
start_ngd || finish
expect "a version 1 journal is restored" "150 v1name" \
    "$(ngctl list | grep -c 'Type: eiface') $(ngctl info v1name: | sed -n 's/^  Name: \([^ ]*\).*/\1/p')"
expect "... none set aside" "" "$(ls /run/netgraph/*/ | grep bad)"
finish
