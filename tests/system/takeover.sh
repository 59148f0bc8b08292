#!/usr/bin/env bash
# ngd --takeover (DESIGN decision 12, issue 19): a new ngd takes the
# graph, its interfaces and its control socket over from the running one,
# which exits.  Under a ping every 10 ms at most 1% is lost; ngctl
# commands issued during the takeover all succeed; the graph is the same
# before and after (list, show, settings, IDs); an unknown handover
# version is refused with a message and the old ngd serves on.  Then
# takeovers in a row (NG_TAKEOVERS, default 10; `make soak` runs 100)
# leave the serving ngd's descriptors and memory flat.
#
#   ngeth0 (here) --link0-- br0 --link1-- ngeth1 (in a, by vnet)
source "$(dirname "$0")/../lib.sh"
export NGD_LOG="$tmp/ngd.log"
ip netns add a
trap 'kill ${nghooker:-} 2>/dev/null; stop_ngd; kill $(pgrep -x ngd) 2>/dev/null; ip netns del a 2>/dev/null; rm -rf "$tmp"' EXIT
rounds=${NG_TAKEOVERS:-10}

graph() {
	ngctl list | grep -v 'Type: socket' | sed -E 's/There are [0-9]+ total/There are N total/'
	ngctl show br0:
	ngctl msg br0: getconfig
}
serving() { ss -xlpn | sed -n 's/.*@netgraph .*pid=\([0-9]*\),.*/\1/p'; }
nfds() { ls "/proc/$1/fd" | wc -l; }
rss() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }
# takeover: a new ngd takes over; waits until the old one is gone.
takeover() {
	local old=$(serving) new
	ngd -d --takeover 2>>"$NGD_LOG" &
	new=$!
	for _ in $(seq 250); do kill -0 "$old" 2>/dev/null || break; sleep 0.02; done
	kill -0 "$old" 2>/dev/null && return 1
	NGD_PID=$new
}

start_ngd
bridge_two_eifaces
ngctl msg br0: setconfig { debugLevel=2 loopTimeout=33 maxStaleness=77 minStableAge=3 }
ngctl msg ngeth1: vnet '"a"'
ip addr add 198.18.9.1/24 dev ngeth0 && ip link set ngeth0 up
ip -n a addr add 198.18.9.2/24 dev ngeth1 && ip -n a link set ngeth1 up
expect_rc "the graph forwards" 0 quiet ping -c 1 -W 2 198.18.9.2
before=$(graph)

# --- one takeover under traffic and ngctl -------------------------------
ping -i 0.01 -c 400 -W 1 198.18.9.2 >"$tmp/ping" 2>&1 &
pinger=$!
sleep 1
old=$NGD_PID
# Two loops of ngctl until the takeover is over (and 5 more each): one
# of them is always between its two connections (NgMkSockNode).
for l in 1 2; do
	( i=0; while [ ! -e "$tmp/over" ] || [ $i -lt 5 ]; do
		[ -e "$tmp/over" ] && i=$((i + 1))
		ngctl list >/dev/null 2>"$tmp/ctl.err$l" || { echo "ngctl failed: $(cat "$tmp/ctl.err$l")"; }
		echo >>"$tmp/ctl.n"
	done ) >"$tmp/ctl$l" &
	ctls="${ctls:-} $!"
done
t0=$(date +%s%N)
expect_rc "ngd --takeover takes over" 0 takeover
t1=$(date +%s%N)
touch "$tmp/over"
wait $ctls
cat "$tmp/ctl1" "$tmp/ctl2" >"$tmp/ctl"
echo "# $(wc -l <"$tmp/ctl.n") ngctl commands during the takeover"
wait $pinger
loss=$(sed -nE 's/.* ([0-9]+) received.*/\1/p' "$tmp/ping")
echo "# takeover in $(((t1 - t0) / 1000000)) ms; ping: $(sed -nE 's/.*(rtt .*)/\1/p' "$tmp/ping"); $((400 - loss)) of 400 lost"
expect "the old ngd exited" 1 "$(kill -0 "$old" 2>/dev/null; echo $?)"
expect "... and the new one serves" "$NGD_PID" "$(serving)"
expect "at most 1% of pings every 10 ms lost" 1 "$((loss >= 396))"
expect "ngctl during the takeover: all succeeded" "" "$(cat "$tmp/ctl")"
expect "the graph is the same (list, show, settings, IDs)" "$before" "$(graph)"
expect_rc "it forwards" 0 quiet ping -c 1 -W 2 198.18.9.2
expect "the interfaces are where they were, nothing more" "ngeth0|ngeth1" \
    "$( (ip -o link show; ip -n a -o link show) | awk -F': ' '{ sub(/@.*/, "", $2); print $2 }' | grep -v '^lo$' | sort | paste -sd'|')"

# --- an unknown version is refused; the old ngd serves on ----------------
refusal=$(python3 - <<'EOF'
import socket
s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
s.connect("\0netgraph.takeover")
s.send(b"netgraph-takeover 99")
print(s.recv(300).decode())
EOF
)
expect "version 99: refused, saying why" \
    "refused: this ngd (pid $NGD_PID) hands over its state in version 2, not \"netgraph-takeover 99\"" "$refusal"
expect "... the old ngd serves on" "$NGD_PID" "$(serving)"
expect "... with its graph" "$before" "$(graph)"
check "ngd --takeover with nothing to take over: a message" 69 "" \
    "ngd: takeover: @nothere.takeover: no ngd to take over (Connection refused)" \
    ngd -d --takeover -s @nothere

# --- takeovers in a row: descriptors and memory stay flat ---------------
# (with a client handed over each time: nghook on the bridge)
nghook -n br0: link5 >/dev/null 2>"$tmp/nghook.err" &
nghooker=$!
takeover
fd1=$(nfds "$NGD_PID") rss1=$(rss "$NGD_PID")
bad=0
for i in $(seq "$rounds"); do takeover || bad=$((bad + 1)); done
fdn=$(nfds "$NGD_PID") rssn=$(rss "$NGD_PID")
echo "# $rounds takeovers: fds $fd1 -> $fdn, RSS $rss1 -> $rssn kB"
expect "$rounds takeovers in a row all succeed" 0 "$bad"
expect "... descriptors flat" "$fd1" "$fdn"
expect "... memory flat (within 1 MiB)" 1 "$((rssn - rss1 < 1024))"
expect "... nghook still hooked" "link5 $(kill -0 $nghooker && echo alive)" \
    "$(ngctl show br0: | awk '$1 == "link5" { print $1 }') alive"
kill $nghooker
wait $nghooker 2>/dev/null
sleep 0.1
expect "... the graph the same" "$before" "$(graph)"
stop_ngd
expect "SIGTERM after takeovers: nothing left" "" \
    "$( (ip -o link show; ip -n a -o link show) | awk -F': ' '{ print $2 }' | grep -v '^lo$')"
exit $NG_FAILED
