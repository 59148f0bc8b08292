#!/usr/bin/env bash
# A change to a node's settings writes what changed, not the settings
# whole (journal.c, version 5; DESIGN decision 12): a record's "msgs ID
# HEAD TAIL" keeps the node's first HEAD and last TAIL settings lines
# as the file has them, and the lines between follow.  So a nat node's
# redirect added writes its line, where every redirect of the node was
# written again (~39 KB an add at 300, O(N^2) for N added one by one);
# a vlan node's filter and a bpf node's program alike.  And the next ngd
# after SIGKILL has the settings exact: redirect ids, their order, the
# next id, LSNAT servers, filters, programs.
#
#   H (a persistent hub) --n:in-- N [nat]
#                        --v:downstream-- V [vlan] --v1..v200:h1..h200-- H
#                        --bp:in-- B [bpf] --p1..p8:q1..q8-- H
source "$(dirname "$0")/../lib.sh"
export NGD_LOG="$tmp/ngd.log"
trap 'stop_ngd; rm -rf "$tmp"' EXIT
text() { python3 "$top/tests/journal_text.py" /run/netgraph/*/journal; }
wchar() { awk '/^wchar/ { print $2 }' "/proc/$NGD_PID/io"; }
# crash: SIGKILL, as soon as the last answer came; the next ngd restores
crash() {
	kill -KILL "$NGD_PID"
	wait "$NGD_PID" 2>/dev/null
	NGD_PID=
	start_ngd || finish
}
args() { ngctl msg "$@" | sed -n 's/^Args:\t//p'; }
# last_record: the lines of the file's last record
last_record() {
	tac /run/netgraph/*/journal | awk 'NR > 1 && /^(commit|end) / { exit } NR > 1'
}
# state: what must come back whole after a crash
state() {
	args N: listredirects
	args V: gettable
	for i in $(seq 8); do args B: getprogram "\"p$i\""; done
}

start_ngd || finish
{
	echo "mkpeer . hub a b"
	echo "name a H"
	echo "msg H: setpersistent"
	echo "mkpeer H: nat n in"
	echo "name H:n N"
	echo "msg N: setaliasaddr 203.0.113.1"
	echo "mkpeer H: vlan v downstream"
	echo "name H:v V"
	for i in $(seq 200); do echo "connect V: H: v$i h$i"; done
	echo "mkpeer H: bpf bp in"
	echo "name H:bp B"
	for i in $(seq 8); do echo "connect B: H: p$i q$i"; done
} >"$tmp/graph"
ngctl -f "$tmp/graph" || fail "the graph"

# --- 300 redirects added one by one: bytes written ----------------------
for i in $(seq 300); do
	echo "msg N: redirectport { local_addr=198.51.100.$((i % 200 + 1)) local_port=$((1000 + i)) alias_port=$((2000 + i)) proto=6 description=\"r$i\" }"
done >"$tmp/rdrs"
w0=$(wchar)
ngctl -f "$tmp/rdrs" >/dev/null || fail "300 redirectports"
per=$((($(wchar) - w0) / 300))
if [ "$per" -lt 4096 ]; then
	ok "300 redirects added one by one: $per bytes written an add"
else
	fail "300 redirects added one by one: $per bytes written an add (< 4096)"
fi
# 200 vlan filters, then 8 programs, then one of them again
for i in $(seq 200); do
	echo "msg V: addfilter { hook=\"v$i\" vid=$(((i * 37) % 4000 + 1)) pcp=$((i % 8)) }"
done >"$tmp/flts"
w0=$(wchar)
ngctl -f "$tmp/flts" || fail "200 addfilters"
per=$((($(wchar) - w0) / 200))
if [ "$per" -lt 1024 ]; then
	ok "200 vlan filters added one by one: $per bytes written an add"
else
	fail "200 vlan filters added one by one: $per bytes written an add (< 1024)"
fi
for i in $(seq 8); do
	echo "msg B: setprogram { thisHook=\"p$i\" ifMatch=\"q$i\" bpf_prog_len=1 bpf_prog=[ { code=0x6 k=$((1000 + i)) } ] }"
done | ngctl -f - || fail "8 setprograms"
ngctl msg B: setprogram '{ thisHook="p3" ifNotMatch="p1" bpf_prog_len=2 bpf_prog=[ { code=0x28 k=12 } { code=0x6 k=99 } ] }'
expect "one program changed: its record holds that program's line" \
    "msgs 1 msg 1 setprogram 1" \
    "$(last_record | awk '{ n[$1]++; if ($1 == "msg") c[$3]++ }
	END { printf "msgs %d msg %d", n["msgs"], n["msg"]; for (k in c) printf " %s %d", k, c[k] }')"

want=$(state)
crash
expect "after SIGKILL: redirects, filters, programs as they were" "$want" "$(state)"

# --- deletes in the middle, LSNAT servers, more kinds ---------------------
ngctl -f - >/dev/null <<'EOS' || fail "deletes and more"
msg N: redirectdelete 5
msg N: redirectdelete 150
msg N: redirectdelete 151
msg N: addserver { id=100 addr=198.51.100.21 port=80 }
msg N: addserver { id=100 addr=198.51.100.22 port=80 }
msg N: redirectdelete 300
msg N: redirectaddr { local_addr=198.51.100.30 alias_addr=203.0.113.30 }
msg N: redirectproto { local_addr=198.51.100.31 proto=47 description="gre" }
msg N: redirectdelete 1
msg N: proxyrule "port 80 server 198.18.0.9:3128 rule 5"
msg V: delfilter "v7"
msg V: delfilter "v200"
msg V: addfilter { hook="v7" vid=4001 }
msg B: setprogram { thisHook="p8" ifMatch="q8" bpf_prog_len=1 bpf_prog=[ { code=0x6 k=0 } ] }
EOS
want=$(state)
expect "... each written as a record that keeps lines (msgs ID HEAD TAIL)" \
    yes "$(grep -qE '^msgs [0-9a-f]{8} [1-9][0-9]* [1-9][0-9]*$' /run/netgraph/*/journal && echo yes)"
ids() { echo "$1" | head -1 | grep -oE '\{ id=[0-9]+' | cut -d= -f2 | tr '\n' ' '; }
expect "the redirects in order (ids 1, 5, 150, 151 and 300 gone)" \
    "$(seq 2 4; seq 6 149; seq 152 299; echo 301; echo 302)" \
    "$(ids "$want" | tr ' ' '\n' | grep .)"
crash
expect "after SIGKILL: the same, ids and order" "$want" "$(state)"
expect "... and the next redirect gets the id it would have" \
    303 "$(args N: redirectaddr '{ local_addr=198.51.100.40 alias_addr=203.0.113.40 }')"
want=$(state)
crash
expect "a crash again: the same" "$want" "$(state)"
expect "the journal's text is whole (its sums)" 0 "$(text >/dev/null; echo $?)"

# --- a version 4 journal (an older ngd's): its msgs lines replace --------
# its text as version 4, a record after it writing N's settings whole,
# one redirect more at their end
kill -KILL "$NGD_PID"
wait "$NGD_PID" 2>/dev/null
NGD_PID=
text >"$tmp/text"
python3 - /run/netgraph/*/journal "$tmp/text" <<'PY'
import re, sys
M, B = (1 << 64) - 1, 14695981039346656037
def fold(h, line):
    f = B
    for c in line:
        f = ((f ^ c) * 1099511628211) & M
    return ((h ^ f) * 1099511628211) & M
lines = open(sys.argv[2], "rb").read().splitlines(keepends=True)
lines[0] = b"netgraph-journal 4\n"
h = B
for l in lines:
    h = fold(h, l)
out = b"".join(lines) + b"end %016x\n" % h
nid = [l.split()[1] for l in lines if l.startswith(b"node ") and l.split()[3] == b"N"][0]
rec = [b"msgs %s\n" % nid] + [l for l in lines if l.startswith(b"msg %s " % nid)]
rec.append(b"msg %s redirectaddr { local_addr=198.51.100.50 alias_addr=203.0.113.50 }\n" % nid)
for l in rec:
    h = fold(h, l)
open(sys.argv[1], "wb").write(out + b"".join(rec) + b"commit %016x\n" % h)
PY
start_ngd || finish
expect "version 4 with a record: read, the redirect more at the end" \
    "$(echo "$want" | head -1 | sed 's/total_count=298/total_count=299/; s/ \] }$/ { id=304 local_addr=198.51.100.50 alias_addr=203.0.113.50 proto=259 } ] }/')" \
    "$(args N: listredirects)"
expect "... none set aside" "" "$(ls /run/netgraph/*/ | grep bad)"

finish
