#!/usr/bin/env bash
# A message that only reads a node (its settings, counters or tables)
# writes nothing to the journal (journal.c, ngd_journal_reads_only):
# before, any message of a type's own but a bridge's reads had the
# node's settings written whole before the answer, and a nat node's
# settings are its redirects, every one: ~131 KB for each listredirects,
# getdlt or libaliasinfo of a nat node of 1,000 redirects.  A change is
# still written before its answer, and survives SIGKILL.
#
#   ngeth0 --ether-- nat0 (300 redirects)
source "$(dirname "$0")/../lib.sh"
trap 'stop_ngd; rm -rf "$tmp"' EXIT
rdrs() { ngctl msg nat0: listredirects | grep -o 'local_port=[0-9]*' | wc -l; }

start_ngd || finish
ngctl mkpeer eiface ether ether
ngctl mkpeer ngeth0: nat ether in
ngctl name ngeth0:ether nat0
ngctl msg nat0: setaliasaddr 203.0.113.1
for i in $(seq 300); do
	echo "msg nat0: redirectport { local_addr=198.51.100.2 alias_addr=203.0.113.1 local_port=$((10000 + i)) alias_port=$((20000 + i)) proto=6 }"
done >"$tmp/rdr"
ngctl -f "$tmp/rdr" >/dev/null
expect "nat0 has its 300 redirects" 300 "$(rdrs)"
for m in listredirects getdlt libaliasinfo; do
	w=$(written ngctl msg nat0: $m)
	if [ "$w" -lt 1024 ]; then
		ok "$m: ngd wrote $w bytes"
	else
		fail "$m: ngd wrote $w bytes (want < 1024: a read writes nothing)"
	fi
done
w0=$(wchar)
ngctl msg nat0: redirectdelete 7
w=$(($(wchar) - w0))
if [ "$w" -gt 0 ]; then
	ok "redirectdelete (a change): its record written ($w bytes)"
else
	fail "redirectdelete (a change): nothing written"
fi
kill -KILL "$NGD_PID"
wait "$NGD_PID" 2>/dev/null
NGD_PID=
start_ngd || finish
expect "after SIGKILL: the 299 redirects left" 299 "$(rdrs)"
expect "... not the one deleted" "" "$(ngctl msg nat0: listredirects | grep -o 'local_port=10007 ')"
finish
