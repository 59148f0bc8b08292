#!/usr/bin/env bash
# A bridge's learned table is soft state, and the journal writes it apart
# from the bridge's settings (journal.c, version 4; DESIGN decision 12):
# whole in every snapshot, and in a record ("table ID") only when it
# moved since it was last written.  So a message that changes a big
# bridge's settings writes its settings, not its table: before, the
# record a setconfig wrote before its answer held a movehost a host,
# ~6 MB at 100,000 hosts (193 ms where 1.2 ms).  And every guarantee
# holds: an answered edit of the table (movehost, reset) is in the
# journal, settings and table written apart come back whole, and the
# next ngd after SIGKILL has the table as last written.
#
#   small: ngeth0 --link0-- br0 --link1-- ngeth1   (hosts by movehost)
#   big:   a: ngeth0 --link0-- br0 --link1-- ngeth1 :b
#          (b sends from 100,000 MACs to itself: br0 learns them)
source "$(dirname "$0")/../lib.sh"
export NGD_LOG="$tmp/ngd.log"
cleanup() {
	stop_ngd
	for n in a b; do ip netns del $n 2>/dev/null; done
	rm -rf "$tmp"
}
trap cleanup EXIT
# text: the journal as the next ngd reads it (records applied, sums
# checked); hosts: its movehost lines
text() { python3 "$top/tests/journal_text.py" /run/netgraph/*/journal; }
hosts() { text | grep -c ' movehost '; }
# last_record: the lines of the file's last record
last_record() {
	tac /run/netgraph/*/journal | awk 'NR > 1 && /^(commit|end) / { exit } NR > 1'
}
# The table without ages: address and hook, sorted.
table() { ngctl msg br0: gettable | sed -n 's/^Args:\t//p' | grep -o 'addr=[0-9a-f:]* hook="[a-z0-9]*"' | sort; }
stale() { ngctl msg br0: getconfig | grep -o 'maxStaleness=[0-9]*'; }
# crash: SIGKILL, as soon as the last answer came; the next ngd restores
crash() {
	kill -KILL "$NGD_PID"
	wait "$NGD_PID" 2>/dev/null
	NGD_PID=
	start_ngd || finish
}

# --- a small table: answered edits, settings and table apart ------------
start_ngd || finish
bridge_two_eifaces
ngctl msg br0: movehost '{ addr=02:00:00:00:00:01 hook="link0" }'
ngctl msg br0: movehost '{ addr=02:00:00:00:00:02 hook="link1" }'
want='addr=02:00:00:00:00:01 hook="link0"
addr=02:00:00:00:00:02 hook="link1"'
expect "the bridge has the two hosts moved" "$want" "$(table)"
expect "movehost: its record holds the table (it moved)" 2 "$(last_record | grep -c ' movehost ')"
conf=$(ngctl msg br0: getconfig | sed -n 's/^Args:[[:space:]]*//p')
ngctl msg br0: setconfig "$(echo "$conf" | sed 's/maxStaleness=[0-9]*/maxStaleness=333/')"
expect "setconfig: its record holds the settings" 1 "$(last_record | grep -c ' setconfig ')"
expect "... and not the table (it did not move)" 0 "$(last_record | grep -cE '^table | movehost ')"
crash
expect "after SIGKILL: the table of the movehosts" "$want" "$(table)"
expect "... and the setconfig written after it" "maxStaleness=333" "$(stale)"
ngctl msg br0: setpersistent
ngctl msg br0: movehost '{ addr=02:00:00:00:00:04 hook="link1" }'
ngctl msg br0: reset
crash
expect "reset, then SIGKILL: the table empty" "" "$(table)"
expect "... the settings kept" "maxStaleness=333" "$(stale)"
ngctl msg br0: movehost '{ addr=02:00:00:00:00:03 hook="link0" }'
crash
expect "a host moved after the reset" 'addr=02:00:00:00:00:03 hook="link0"' "$(table)"
expect "... the restored graph's first text has it" 1 "$(hosts)"
stop_ngd

# --- 100,000 hosts: a settings message writes its settings --------------
for n in a b; do
	ip netns add $n
	in_ns $n sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
done
rm -f /run/netgraph/*/journal
start_ngd || finish
bridge_two_eifaces
ngctl msg br0: setmaxhosts 101000
ngctl msg ngeth0: vnet '"a"'
ngctl msg ngeth1: vnet '"b"'
in_ns a ip link set ngeth0 up
in_ns b ip link set ngeth1 up
in_ns b python3 -c 'import socket, struct
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind(("ngeth1", 0))
me = s.getsockname()[4]
for i in range(100000):
	s.send(me + b"\x02\x00" + struct.pack(">I", i) + b"\x88\xb5" + bytes(46))'
# a bridge message imports what the kernel learned; the table moved, so
# it is written (a record); until two looks agree
n=0
for _ in $(seq 20); do
	ngctl msg br0: getstats 0 >/dev/null
	m=$(hosts)
	[ "$m" -ge 50000 ] && [ "$m" = "$n" ] && break
	n=$m
	sleep 0.5
done
if [ "$n" -ge 50000 ]; then ok "the journal holds the $n hosts learned"; else fail "the journal holds $n hosts (want >= 50000)"; fi
conf=$(ngctl msg br0: getconfig | sed -n 's/^Args:[[:space:]]*//p')
conf=$(echo "$conf" | sed 's/maxStaleness=[0-9]*/maxStaleness=444/')
for what in "setconfig $conf" setpersistent "getstats 0"; do
	w=$(written ngctl msg br0: $what)
	if [ "$w" -lt 16384 ]; then
		ok "${what%% *} at $n hosts: ngd wrote $w bytes (its record)"
	else
		fail "${what%% *} at $n hosts: ngd wrote $w bytes (want < 16384: its record, not the table)"
	fi
done
expect "the journal: still the $n hosts" "$n" "$(hosts)"
expect "... and the settings written since" 2 "$(text | grep -cE ' (setconfig .*maxStaleness=444|setpersistent)')"
crash
expect "after SIGKILL: the settings" "maxStaleness=444" "$(stale)"
ngctl msg br0: getstats 0 >/dev/null
expect "... and the $n hosts (the new ngd's journal, from its table)" "$n" "$(hosts)"
finish
