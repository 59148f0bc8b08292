#!/usr/bin/env bash
# Fairness between clients: while one client's script makes 60 eifaces
# (`ngctl -f`: each mkpeer a veth pair and a TCX attach, a grace period
# each, tens of ms to seconds under load), a second client's requests
# are answered between the script's, not after the whole script.  The
# second client is one `ngctl -f -` kept open (no process start-up
# timed), asking `list` back to back: at least 3 answers come while the
# script runs (one request a wakeup a client: ngctl waits for each
# answer), and the script's 60 eifaces are all made.  Its answers' p50
# and worst are figures.
source "$(dirname "$0")/../lib.sh"
trap '[ -n "${spid:-}" ] && kill "$spid" 2>/dev/null; [ -n "${C_PID:-}" ] && kill "$C_PID" 2>/dev/null; stop_ngd; rm -rf "$tmp"' EXIT
n=60
start_ngd || finish
for i in $(seq $n); do echo "mkpeer eiface e$i ether"; done >"$tmp/mk"
coproc C { ngctl -t 60 -f - 2>&1; }
# ask: one list through the open client, its answer read whole; ms
ask() {
	local a b l k
	a=${EPOCHREALTIME/./}
	echo list >&"${C[1]}"
	read -r -t 60 l <&"${C[0]}" || return 1
	k=$(echo "$l" | awk '{ print $3 }')
	for _ in $(seq "$k"); do read -r -t 60 l <&"${C[0]}" || return 1; done
	b=${EPOCHREALTIME/./}
	echo $(((b - a) / 1000))
}
ask >/dev/null || fail "the second client's first list was not answered"
{ ngctl -t 60 -f "$tmp/mk"; touch "$tmp/done"; } &
spid=$!
# until the script has begun (its first eiface), then while it runs
for _ in $(seq 1500); do ip link show ngeth0 >/dev/null 2>&1 && break; sleep 0.02; done
: >"$tmp/lat"
while [ ! -e "$tmp/done" ]; do
	t=$(ask) || { fail "the second client's list was not answered"; break; }
	[ -e "$tmp/done" ] || echo "$t" >>"$tmp/lat"
done
wait "$spid"
spid=
got=$(wc -l <"$tmp/lat")
if [ "$got" -ge 3 ]; then
	ok "the second client was answered $got times while the script ran"
else
	fail "the second client was answered $got times while the script ran (want 3 or more)"
fi
expect "the script made its $n eifaces" "$n" "$(ip -o link | grep -cE ' ngeth[0-9]+[:@]')"
sort -n "$tmp/lat" >"$tmp/ls"
figure "the second client's list while $n mkpeers ran, p50" "" "$(sed -n "$((got / 2 + 1))p" "$tmp/ls")" ms
figure "... worst" "" "$(tail -1 "$tmp/ls")" ms
finish
