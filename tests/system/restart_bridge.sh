#!/usr/bin/env bash
# A bridge's learned table outlives ngd: a takeover hands the live table
# over, and after SIGKILL the next ngd starts from the journal's.  So the
# first unicast frame after either is not flooded: a third port sees
# nothing of a ping between the other two (static neighbours: no ARP).
#
#   a: ngeth0 198.18.70.1 --link0-- br0 --link1-- ngeth1 198.18.70.2 :b
#                                    \--link2-- ngeth2 (c, listening)
source "$(dirname "$0")/../lib.sh"
export NGD_LOG="$tmp/ngd.log"
cleanup() {
	stop_ngd
	[ -n "${auto:-}" ] && kill "$auto" 2>/dev/null
	for n in a b c; do ip netns del $n 2>/dev/null; done
	rm -rf "$tmp"
}
trap cleanup EXIT
serving() { ss -xlpn | sed -n 's/.*@netgraph .*pid=\([0-9]*\),.*/\1/p' | head -n 1; }
mac() { ip -n "$1" -o link show dev "$2" | sed -nE 's/.*link\/ether ([0-9a-f:]+) .*/\1/p'; }
# The table without ages: address and hook, sorted.
table() { ngctl msg br0: gettable | sed -n 's/^Args:\t//p' | grep -o 'addr=[0-9a-f:]* hook="[a-z0-9]*"' | sort; }
# flooded: frames br0 sent to link2 during a ping from a to b.
flooded() {
	local n
	ngctl msg br0: clrstats 2 >/dev/null
	ip netns exec a ping -c 1 -W 2 198.18.70.2 >/dev/null 2>&1 || echo "ping failed"
	# unicast frames: xmitPackets less multi- and broadcasts (a zero
	# is not shown)
	ngctl msg br0: getstats 2 | sed -n 's/^Args:\t//p' | awk '{
		for (i = 1; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
		print v["xmitPackets"] - v["xmitMulticasts"] - v["xmitBroadcasts"] }'
}

for n in a b c; do
	ip netns add $n
	ip netns exec $n sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
done
start_ngd
ngctl mkpeer eiface ether ether
ngctl mkpeer eiface ether ether
ngctl mkpeer eiface ether ether
ngctl -f - <<'EOS'
mkpeer ngeth0: bridge ether link0
name ngeth0:ether br0
connect br0: ngeth1: link1 ether
connect br0: ngeth2: link2 ether
EOS
ngctl msg ngeth0: vnet '"a"'
ngctl msg ngeth1: vnet '"b"'
ngctl msg ngeth2: vnet '"c"'
ip -n a addr add 198.18.70.1/24 dev ngeth0 && ip -n a link set ngeth0 up
ip -n b addr add 198.18.70.2/24 dev ngeth1 && ip -n b link set ngeth1 up
ip -n c link set ngeth2 up
link_up a ngeth0 && link_up b ngeth1 && link_up c ngeth2
ip -n a neigh replace 198.18.70.2 lladdr "$(mac b ngeth1)" dev ngeth0 nud permanent
ip -n b neigh replace 198.18.70.1 lladdr "$(mac a ngeth0)" dev ngeth1 nud permanent
ip netns exec a ping -c 1 -W 2 198.18.70.2 >/dev/null
before=$(table)
expect "the bridge learned a and b" 2 "$(echo "$before" | grep -c addr=)"
expect "a ping between known hosts floods nothing to link2" 0 "$(flooded)"

# --- takeover: the live table is handed over -----------------------------
old=$NGD_PID
ngd -d --takeover 2>>"$NGD_LOG" &
NGD_PID=$!
for _ in $(seq 1500); do kill -0 "$old" 2>/dev/null || break; sleep 0.02; done
expect_rc "ngd --takeover took over" 1 quiet kill -0 "$old"
expect "after the takeover: the same table" "$before" "$(table)"
expect "... so the first ping floods nothing" 0 "$(flooded)"

# --- SIGKILL: the journal's table ----------------------------------------
ngctl msg br0: gettable >/dev/null # a request: the journal is written
journal_has ' movehost ' 2
expect "the journal holds the table" 2 "$(python3 "$top/tests/journal_text.py" /run/netgraph/*/journal | grep -c ' movehost ')"
kill -KILL "$NGD_PID"; wait "$NGD_PID" 2>/dev/null; NGD_PID=
NGCTL_NO_AUTOSTART= ngctl list >/dev/null
auto=$(serving)
expect "after SIGKILL: the same table" "$before" "$(table)"
expect "... so the first ping floods nothing" 0 "$(flooded)"
kill "$auto"
for _ in $(seq 100); do kill -0 "$auto" 2>/dev/null || break; sleep 0.02; done
auto=
exit $NG_FAILED
