#!/usr/bin/env bash
# timeout: 120
# The hosts map of the bridges switching in the kernel is sized to its
# hosts (ng_fast_bpf.h, fastpath_bridge.c): the program finds it in slot
# 0 of ng_fast_hostsof, where ngd puts one of a power of 2 of 1.5 times
# the hosts, and of the hosts and the bridges' rooms, at least; 2^20 entries
# (16 MB of buckets) made each lookup a frame's flow cache missed a cold
# line, with 1,000 hosts as with 100,000.
#
#   n0 ngeth0 --link0-- br0 --link1-- ngeth1 n1 (sends from MACs 02:00:..)
#
#  - maxhosts 7,000: 8,192 entries before a host is learned (65,536, the
#    default's, made smaller at the next import);
#  - 6,000 hosts learned in the kernel (from a frame each, at once): none
#    lost, and the map grows to 16,384 once they are; the node has them all, and
#    frames to them go to n1 in the kernel, none flooded or through ngd;
#  - a reset and maxhosts 100: the next import puts one of 4,096 there;
#  - an older ngd's layout (no ng_fast_hostsof; its ng_fast_hosts of 2^20
#    entries, with a host the program learned that the node has not yet
#    imported): the next ngd takes that map and its hosts (the node
#    imports the one it lacked), puts one of 4,096 in its place after its
#    first sync, and the bridge still forwards in the kernel; a
#    preallocated one (older still) is made anew, the node's hosts
#    written to the new one.
source "$(dirname "$0")/../lib.sh"
export NGD_LOG=$tmp/ngd.log NGD_FASTPATH=1
trap 'stop_ngd; for n in n0 n1; do ip netns del $n 2>/dev/null; done; rm -rf "$tmp"' EXIT
bpfdir=/sys/fs/bpf/netgraph
bpf_pins || finish

# size: the entries of the map in ng_fast_hostsof's slot
inner() { bpftool -j map lookup pinned "$(echo $bpfdir/*)/ng_fast_hostsof" key 0 0 0 0 |
    python3 -c 'import json, sys; print(int.from_bytes(bytes(int(b, 16) for b in json.load(sys.stdin)["value"]), "little"))'; }
size() { bpftool -j map show id "$(inner)" | python3 -c 'import json, sys; print(json.load(sys.stdin)["max_entries"])'; }
num() { ngctl msg br0: gettable | grep -oE 'numHosts=[0-9]+' | cut -d= -f2; }
# keys: the entries in the map in ng_fast_hostsof's slot
keys() { bpftool map dump id "$(inner)" | grep -c '^key'; }
size_keys() { echo "$(size) $(keys)"; }
# until_is WANT CMD...: until CMD prints WANT, 10 s at most (the ticks are
# 1 s apart; a fixed 1.5-2.5 s each was a guess at a loaded machine's)
until_is() {
	local want=$1 i
	shift
	for i in $(seq 100); do
		[ "$("$@" 2>/dev/null)" = "$want" ] && return 0
		sleep 0.1
	done
	return 1
}
# st FIELD: link0's counter
st() { ngctl msg br0: getstats 0 | grep -oE " $1=[0-9]+" | cut -d= -f2 | grep . || echo 0; }
# send NS FROM COUNT DST: COUNT frames from MACs 02:00:<FROM + i>, to DST
# ("self": to the sender's own, which the bridge drops, or "to": from
# the sender's MAC to 02:00:<FROM + i>)
send() {
	in_ns "$1" python3 - "$2" "$3" "$4" <<'PY'
import socket, struct, sys
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind((sorted(n for n in socket.if_nameindex() if n[1].startswith("ngeth"))[0][1], 0))
me = s.getsockname()[4]
tail = b"\x88\xb5" + bytes(46)
f, n, d = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
for i in range(f, f + n):
    m = b"\x02\x00" + struct.pack(">I", i)
    s.send(me + m + tail if d == "self" else m + me + tail)
PY
}

start_ngd
bridge_two_eifaces
for i in 0 1; do
	ip netns add n$i
	ngctl msg ngeth$i: vnet "\"n$i\""
	# (no IPv6: its router solicitations would be hosts too)
	in_ns n$i sysctl -qw net.ipv6.conf.ngeth$i.disable_ipv6=1
	in_ns n$i ip link set ngeth$i up
done
ngctl msg br0: setmaxhosts 7000
until_is 8192 size # a tick's import: 65,536 (the default maxhosts) made smaller
expect "maxhosts 7,000: the map is 8,192 before a host" 8192 "$(size)"

send n1 0 6000 self
# a tick's import, and the new map once the program stopped learning
# (looked for in bpffs: gettable would import them itself)
until_is 16384 size
expect "6,000 learned at once: the node has them all" 6000 "$(num)"
expect "... the map grew to 1.5 times the hosts" 16384 "$(size)"
rp=$(st recvPackets) ru=$(st recvUnknown) s=$(slow)
send n0 0 100 to
expect "... 100 frames to them: switched as known hosts, none flooded" \
    "$((rp + 100)) $ru" "$(st recvPackets) $(st recvUnknown)"
expect "... none through ngd" "$s" "$(slow)"

ngctl msg br0: reset
ngctl msg br0: setmaxhosts 100
send n1 0 1 self
until_is 4096 size # the next import
expect "reset, maxhosts 100: a map of 4,096 in its place" 4096 "$(size)"

# --- an older ngd's layout: ng_fast_hosts of 2^20, no ng_fast_hostsof ---
send n1 0 50 self
sleep 1.5
expect "50 hosts: the node has them" 50 "$(num)"
kill -9 "$NGD_PID"
wait "$NGD_PID" 2>/dev/null
NGD_PID=
d=$(echo $bpfdir/*)
bpftool -j map dump id "$(inner)" >"$tmp/hosts.json"
rm "$d/ng_fast_hostsof" "$d/ng_fast_hosts"
bpftool map create "$d/ng_fast_hosts" type hash key 12 value 24 \
    entries 1048576 name ng_fast_hosts flags 1
# its entries, and one more the program learned that the node lacks (a
# learned_ns in the future: learned after the next import begins)
python3 - "$tmp/hosts.json" >"$tmp/batch" <<'PY'
import json, struct, sys, time
e = json.load(open(sys.argv[1]))
h = lambda b: " ".join("0x%02x" % x for x in b)
for x in e:
    print("map update pinned PIN key hex %s value hex %s" % (" ".join(x["key"]).replace("0x", ""), " ".join(x["value"]).replace("0x", "")))
k = [int(b, 16) for b in next(x for x in e if x["key"][4:8] == ["0x02", "0x00", "0x00", "0x00"])["key"]]
v = bytes(int(b, 16) for b in next(x for x in e if x["key"][4:8] == ["0x02", "0x00", "0x00", "0x00"])["value"])
k[4:10] = [2, 0, 0, 0, 0xff, 0xfe]
v = v[:16] + struct.pack("<Q", time.clock_gettime_ns(time.CLOCK_MONOTONIC) + 60 * 10**9)
print("map update pinned PIN key hex %s value hex %s" % (" ".join("%02x" % b for b in k), " ".join("%02x" % b for b in v)))
PY
sed -i "s|PIN|$d/ng_fast_hosts|" "$tmp/batch"
bpftool batch file "$tmp/batch" >/dev/null
expect "an older layout pinned: its 2^20 map holds the hosts" \
    "1048576 51" "$(bpftool -j map show pinned "$d/ng_fast_hosts" | python3 -c 'import json, sys; print(json.load(sys.stdin)["max_entries"])') $(bpftool map dump pinned "$d/ng_fast_hosts" | grep -c '^key')"
start_ngd
expect "... the next ngd takes it: the node imports the host it lacked" 51 "$(num)"
until_is "4096 51" size_keys # an import after the first sync
expect "... and puts one of 4,096 in its place, the hosts in it" "4096 51" \
    "$(size) $(keys)"
expect "... the older map's pin left empty" 0 \
    "$(bpftool map dump pinned "$d/ng_fast_hosts" | grep -c '^key')"
rp=$(st recvPackets) ru=$(st recvUnknown) s=$(slow)
send n0 0 50 to
expect "... frames to the hosts: switched in the kernel, none flooded" \
    "$((rp + 50)) $ru $s" "$(st recvPackets) $(st recvUnknown) $(slow)"
grep -q "hosts map:" "$NGD_LOG" && ok "ngd said each new size" || fail "ngd said each new size"

# --- an older one still: its ng_fast_hosts preallocated -------------------
# (ng_fast_hostsof's maps must be alike: its pin goes, a new one is made,
# and the node's table, from the journal, is written to it)
kill -9 "$NGD_PID"
wait "$NGD_PID" 2>/dev/null
NGD_PID=
rm "$d/ng_fast_hostsof" "$d/ng_fast_hosts"
bpftool map create "$d/ng_fast_hosts" type hash key 12 value 24 \
    entries 4096 name ng_fast_hosts
start_ngd
grep -q "ng_fast_hosts: an older ngd's, preallocated: made anew" "$NGD_LOG" &&
	ok "a preallocated one pinned: made anew" ||
	fail "a preallocated one pinned: made anew"
sleep 2.5 # the tick's write-back of the node's table
rp=$(st recvPackets) ru=$(st recvUnknown) s=$(slow)
send n0 0 50 to
expect "... the node's hosts written to it: switched in the kernel, none flooded" \
    "$((rp + 50)) $ru $s" "$(st recvPackets) $(st recvUnknown) $(slow)"
finish
