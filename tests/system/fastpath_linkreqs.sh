#!/usr/bin/env bash
# The link requests (RTM_GETLINK) ngd sends for a vnet jail's eiface,
# counted with strace on ngd: two eifaces made on a bridge, two vnet
# jails made with them (jail(8)'s vnet each, which names the interface
# it expects: no getifname before it), and removed.  The making of a
# pair is echoed (NLM_F_ECHO: its graph-side index, its interface's
# index and namespace), so neither the making (it asked for the index
# by name) nor the journal's next description (it read the interface
# again, two requests) asks, and a new graph-side index is not asked
# about unless the kernel refuses it: none for an eiface made but its
# carrier's read-back (2), where there were 3 more; 2 a jail made (what
# vnet reads of the interface as it begins), where there were 7, then 4
# with a getifname first; 1 or 2 a jail removed (3-6).  What they did
# must not change: the journal describes each pair where it is, with
# the index and MAC it has there, and the jails reach each other.
source "$(dirname "$0")/../lib.sh"
trap '[ -n "${st:-}" ] && kill "$st" 2>/dev/null; jail -q -f "$tmp/j.conf" -r "*" 2>/dev/null; stop_ngd; rm -rf "$tmp"' EXIT
command -v strace >/dev/null || fail "strace is needed (scripts/deps installs it)"

start_ngd || finish
n=2
# strace on ngd, its requests (sendto) into $tmp/$1, until traced_end
traced() {
	strace -f -e trace=sendto -o "$tmp/$1" -p "$NGD_PID" 2>/dev/null &
	st=$!
	for _ in $(seq 250); do
		[ "$(awk '/^TracerPid:/ { print $2 }' "/proc/$NGD_PID/status")" != 0 ] &&
		    return 0
		sleep 0.02
	done
	fail "strace did not attach"
}
traced_end() { # [J]: ... once the journal has the pairs as actual J
	ngctl -t 0 info . >/dev/null # ngd done with what the last one brought
	for _ in $(seq 500); do      # and its journal written (10 s at most)
		[ "$(journal)" = "$(actual "${1:-}")" ] && break
		sleep 0.02
	done
	kill -INT "$st"
	wait "$st" 2>/dev/null
	st=
}
getlinks() { grep -cE 'sendto\(.*nlmsg_type=(RTM_GETLINK|0x12)\b' "$tmp/$1"; }
# ... of those, the ones asked of another namespace (IFLA_TARGET_NETNSID,
# 46: a jail-side end read where it is)
peerlinks() {
	grep -E 'sendto\(.*nlmsg_type=(RTM_GETLINK|0x12)\b' "$tmp/$1" |
	    grep -cF '\x08\x00\x2e\x00'
}
# the journal's pairs: name, index, MAC, where placed ("-": home)
journal() {
	awk '$1 == "dev" { f["placed"] = "-"
		for (i = 3; i <= NF; i++) { split($i, kv, "="); f[kv[1]] = kv[2] }
		print f["name"], f["ifindex"], f["mac"], f["placed"] }' \
	    <(python3 "$top/tests/journal_text.py" /run/netgraph/*/journal) |
	    sort
}
# the same as each interface is now (in jail $1$i, or home if no $1)
actual() {
	for i in $(seq 0 $((n - 1))); do
		if [ -z "$1" ]; then
			echo "ngeth$i $(<"/sys/class/net/ngeth$i/ifindex")" \
			    "$(<"/sys/class/net/ngeth$i/address") -"
		else
			ip -n "$1$i" -o link show "ngeth$i" |
			    awk -v j="$1$i" '{ sub(":", "", $1); sub(/@.*/, "", $2)
				for (k = 1; k < NF; k++) if ($k == "link/ether") m = $(k + 1)
				print $2, $1, m, j }'
		fi
	done | sort
}

traced graph
{
	echo "mkpeer . bridge b link0"
	echo "name b br0"
	echo "msg br0: setpersistent"
	for i in $(seq 0 $((n - 1))); do echo "mkpeer br0: eiface link$((i + 1)) ether"; done
} | ngctl -f -
traced_end
# (what ngd sets an eiface's carrier to is read back, so that hubs and
# bridges write the member before the reply: ngd_fast_set_carrier, two
# an eiface made on a bridge; nothing else asks)
expect "$n eifaces made: only their carrier read back, 2 link requests each" \
    $((2 * n)) "$(getlinks graph)"
expect "the journal has each interface at home, its index and MAC" \
    "$(actual)" "$(journal)"

{
	echo 'vnet; persist;'
	for i in $(seq 0 $((n - 1))); do
		echo "j$i { vnet.interface = ngeth$i; ip4.addr = \"ngeth$i|198.51.100.$((i + 1))/24\"; }"
	done
} >"$tmp/j.conf"
traced create
jail -q -p 2 -f "$tmp/j.conf" -c
traced_end j
expect "$n jails made: 2 link requests a jail" $((2 * n)) "$(getlinks create)"
expect_rc "j0 reaches j$((n - 1)) over the bridge" 0 \
    quiet ip netns exec j0 ping -c 1 -W 2 "198.51.100.$n"
expect "the journal has each interface in its jail, its index and MAC there" \
    "$(actual j)" "$(journal)"

traced remove
jail -q -p 2 -f "$tmp/j.conf" -r "*"
traced_end
# Each interface comes home as its jail's name goes (ngd sees it): its
# MAC, its name and the vnet look at it, one read for the three (3 did,
# 3-6 requests a jail: its dying namespace made each read fail, and a
# failure was not remembered).  The read asks for the graph-side end (1),
# and for the interface where the end says it is only while the dying
# namespace still has its id there (0 or 1: that is the kernel's timing).
r=$(getlinks remove) p=$(peerlinks remove)
echo "# link requests for $n jails removed: $r ($p of the interfaces)"
expect "$n jails removed: 1 link request a jail for the graph-side end" \
    "$n" "$((r - p))"
expect "... at most 1 for the interface" true \
    "$([ "$p" -le "$n" ] && echo true || echo "false ($p)")"
expect "every interface home" "$(seq -f 'ngeth%g' 0 $((n - 1)) | xargs)" \
    "$(ip -o link | grep -o 'ngeth[0-9]*' | sort | xargs)"
expect "the journal has each interface home again, its index and MAC" \
    "$(actual)" "$(journal)"

# eifaces shut down while ngd runs: their pairs go in the batch after the
# reply (one RTM_DELLINK for the lot, by their group), where each was
# deleted by its own (ifi_index set), a grace period each (~40 ms: 300
# shutdowns by one script took 15 s).  Each name is free at the reply.
# (Under strace a gap of 20 ms between two messages may split the batch:
# how many group requests is not asked, only that there is one.)
# dellinks FILE: the RTM_DELLINK requests traced, by index and by group
dellinks() {
	python3 -c 'import re, sys, codecs
for l in open(sys.argv[1]):
    if re.search(r"nlmsg_type=(RTM_DELLINK|0x11)\b", l):
        m = re.search(r"\}, \x22((?:[^\x22\\]|\\.)*)\x22", l)
        b = codecs.escape_decode(m.group(1))[0] if m else b""
        print("index" if int.from_bytes(b[4:8], "little") else "group")
' "$1" | awk '{ n[$1]++ } END {
		printf "index=%d group=%s", n["index"], (n["group"] ? "yes" : "none") }'
}
for i in $(seq 12); do echo "mkpeer br0: eiface link$((i + 10)) ether"; done | ngctl -f -
traced shut
for i in $(seq 0 13); do echo "shutdown ngeth$i:"; done | ngctl -f -
expect "14 eifaces shut down by one script: no name left at the reply" "" \
    "$(ip -o link | grep -o 'ngeth[0-9]*')"
for _ in $(seq 500); do ip -o link | grep -q ngret || break; sleep 0.02; done
kill -INT "$st"
wait "$st" 2>/dev/null
st=
expect "... their pairs deleted by group after it, none by index" \
    "index=0 group=yes" "$(dellinks "$tmp/shut")"
expect "... no retired interface left" "" "$(ip -o link | grep ngret)"
finish
