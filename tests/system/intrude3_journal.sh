#!/usr/bin/env bash
# timeout: 180
# A journal's records are applied to its snapshot before the graph is
# rebuilt (journal.c, ngd_journal_merge).  They may be as long as the
# snapshot before the next one is written, and a client that may change
# the graph can fill them with connects and rmhooks (a record each, as
# here: "hook ..." then "unhook ..."); ngd killed then (a crash, the OOM
# killer), the next one read them.  Each unhook looked through every
# edge made: a chain of 30,000 hubs and 8,000 such pairs, a journal of
# 2.6 MB, took the next ngd 3.1 s, its snapshot alone 0.2 s (the same
# graph: what the pairs made they cut), O(edges x cuts); and each commit
# line's sscanf measured the text to its end, O(records x text): 0.5 s
# of it.  Now each edge looks its ends' cuts up, and a commit line is
# read by strtoull: 0.28 s.
#   - the journal (written here as ngd writes it; its sums checked by
#     tests/journal_text.py) is read, the chain whole, the pairs' hooks
#     gone;
#   - its restore takes no more than 1.5 times the snapshot's alone,
#     plus 0.3 s (the faster of three each, alternated).
source "$(dirname "$0")/../lib.sh"
export NGD_LOG="$tmp/ngd.log"
trap 'stop_ngd; rm -rf "$tmp"' EXIT
N=30000 PAIRS=8000

# The namespace's journal directory (its cookie), from an ngd's own
# (killed: one that exits removes it).
start_ngd || finish
printf 'mkpeer hub a p\nname .:a x\n' | ngctl -f - && journal_has "^node .* x$"
kill -9 "$NGD_PID"
wait "$NGD_PID" 2>/dev/null
NGD_PID=
dir=$(echo /run/netgraph/*/)
cookie=$(basename "$dir")
[ -d "$dir" ] && [ -n "$cookie" ] || { fail "no journal directory"; finish; }

# journal FILE PAIRS: a chain of N hubs (h0 ... by ID), then PAIRS
# records of a connect and an rmhook between the first two
python3 - "$N" "$cookie" >"$tmp/snap" <<'PY'
import sys
n, cookie = int(sys.argv[1]), sys.argv[2]
out = ["netgraph-journal 5\n", "netns %s\n" % cookie,
       "nextid %08x\n" % (n + 3)]
out += ["node %08x hub h%d\n" % (3 + i, i) for i in range(n)]
out += ["hook %08x b %08x p\n" % (3 + i, 4 + i) for i in range(n - 1)]
sys.stdout.write("".join(out))
PY
journal() {
	python3 - "$tmp/snap" "$2" >"$1" <<'PY'
import sys
M, B, P = (1 << 64) - 1, 14695981039346656037, 1099511628211
def fnv(b):
    h = B
    for c in b:
        h = ((h ^ c) * P) & M
    return h
def fold(h, line):
    return ((h ^ fnv(line)) * P) & M
snap = open(sys.argv[1], "rb").read()
h = B
for line in snap.splitlines(keepends=True):
    h = fold(h, line)
out = [snap, b"end %016x\n" % h]
nextid = b"nextid %08x\n" % (int(snap.split(b"\n")[2].split()[1], 16))
for k in range(int(sys.argv[2])):
    for rec in ([b"hook 00000003 x%d 00000004 y%d\n" % (k, k), nextid],
                [b"unhook 00000003 x%d\n" % k, nextid]):
        for line in rec:
            h = fold(h, line)
        out += rec + [b"commit %016x\n" % h]
sys.stdout.buffer.write(b"".join(out))
PY
}
journal "$tmp/recs" "$PAIRS"
journal "$tmp/plain" 0
got=$(python3 "$top/tests/journal_text.py" -c "$tmp/recs") ||
    fail "the records' sums"
expect "the journal holds $((2 * PAIRS)) whole records" "$((2 * PAIRS))" "$got"
snap=$(stat -c %s "$tmp/plain") all=$(stat -c %s "$tmp/recs")
if [ $((all - snap)) -le "$snap" ]; then
	ok "its records ($((all - snap)) bytes) as long as ngd lets them grow (the snapshot: $snap)"
else
	fail "records of $((all - snap)) bytes: ngd writes a snapshot before"
fi

# restore FILE: the next ngd reads it; RESTORED: the ms it took (its log)
restore() {
	mkdir -p "$dir" && rm -f "$dir"journal*
	cp "$1" "$dir/journal"
	: >"$NGD_LOG"
	RESTORED=
	start_ngd || return 1
	RESTORED=$(sed -n 's/.* nodes restored in \([0-9]*\) ms/\1/p' "$NGD_LOG")
}
best_recs=999999 best_plain=999999
for round in 1 2 3; do
	restore "$tmp/recs"
	if [ "$round" = 1 ]; then
		expect "the chain restored whole" "There are $((N + 1)) total nodes:" \
		    "$(ngctl list | head -1)"
		expect "h0's hooks: b alone (the pairs' x hooks cut)" "b" \
		    "$(ngctl show h0: | awk 'NR > 3 && NF { print $1 }')"
		expect "h1's hooks: p and b" "b
p" "$(ngctl show h1: | awk 'NR > 3 && NF { print $1 }' | sort)"
	fi
	stop_ngd
	[ -n "$RESTORED" ] && [ "$RESTORED" -lt "$best_recs" ] && best_recs=$RESTORED
	restore "$tmp/plain"
	stop_ngd
	[ -n "$RESTORED" ] && [ "$RESTORED" -lt "$best_plain" ] && best_plain=$RESTORED
done
echo "# restored: with the records ${best_recs} ms, the snapshot alone ${best_plain} ms"
if [ "$best_recs" -le $((3 * best_plain / 2 + 300)) ]; then
	ok "the records cost at most half the snapshot's time more ($best_recs ms, $best_plain ms alone)"
else
	fail "the records made the restore take $best_recs ms, the snapshot alone $best_plain ms"
fi
finish
