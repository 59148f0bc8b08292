#!/usr/bin/env bash
# ngd's link events (ether.c) cost a question to the kernel only where
# the event leaves something in doubt.  An eiface's interface, made with
# its peer in the data plane, is not asked about: its event (IFLA_LINK
# 0, the peer not registered yet) names an eiface of the graph.  Before,
# each eiface made (or made anew at home) cost a socket and a question.
# Interfaces made while ngd is busy (SIGSTOP, as with jail(8)'s
# requests) are asked about once each after the events waiting are all
# read, not once an event, and not at all when one of the events says
# the interface went already; each one left has its ether node.  A
# burst past the default socket buffer loses no event.
#
#   ngd's namespace:  ngeth0..29 (eifaces)   ev1..10 <-> ew1..10 (veths)
#                     ex1..10 <-> ey1..10 made and deleted while stopped
source "$(dirname "$0")/../lib.sh"
NGD_LOG=$tmp/ngd.log
unpair() { for i in $(seq 10); do echo "link del ev$i"; done | ip -batch - 2>/dev/null; }
unburst() { ip link del group 77 2>/dev/null; }
trap '[ -n "${NGD_PID:-}" ] && kill -CONT "$NGD_PID"; [ -n "${st:-}" ] && kill "$st" 2>/dev/null; stop_ngd; unpair; unburst; rm -rf "$tmp"' EXIT
command -v strace >/dev/null || fail "strace is needed (scripts/deps installs it)"
start_ngd || finish
ethers() { ngctl list | grep -c ' Type: ether '; }
# ether.c's questions: RTM_GETLINK of one link by its index (a dump has
# NLM_F_DUMP, the fast path's asks by name: longer than 32 bytes)
asked() {
	grep -E 'sendto\(.*nlmsg_len=32, nlmsg_type=(RTM_GETLINK|0x12), nlmsg_flags=NLM_F_REQUEST,' "$1" |
	    grep -vc 'ifi_index=0,'
}
trace() {
	strace -f -e trace=sendto -o "$1" -p "$NGD_PID" 2>/dev/null &
	st=$!
	for _ in $(seq 100); do
		awk '/^TracerPid:/ { exit $2 == 0 }' "/proc/$NGD_PID/status" && break
		sleep 0.02
	done
}
untrace() { ngctl list >/dev/null; kill "$st"; wait "$st" 2>/dev/null; st=; }

trace "$tmp/st1"
for i in $(seq 0 29); do echo "mkpeer . eiface e$i ether"; done >"$tmp/graph"
ngctl -f "$tmp/graph"
untrace
expect "30 eifaces made" 30 "$(ngctl list | grep -c ' Type: eiface ')"
expect "no ether node for an eiface's interface" 0 "$(ethers)"
expect "no question about an eiface's interface" 0 "$(asked "$tmp/st1")"

trace "$tmp/st2"
kill -STOP "$NGD_PID"
for i in $(seq 10); do
	echo "link add ev$i type veth peer name ew$i"
	echo "link add ex$i type veth peer name ey$i"
	echo "link del ex$i"
done | ip -batch -
kill -CONT "$NGD_PID"
untrace
expect "an ether node for each interface made while ngd was stopped" 20 "$(ethers)"
expect "ev1 and ew1 among them" "ev1 ew1" "$(ngctl list | awk '$2 ~ /^e[vw]1$/ { print $2 }' | sort | xargs)"
expect "one question an interface left, none for those gone" 20 "$(asked "$tmp/st2")"
expect "no link event was lost (the burst fits the buffer)" 0 \
    "$(grep -c 'link events lost' "$NGD_LOG")"

unpair
expect "... and no ether node once they are gone" 0 "$(ethers)"

# A burst past the default buffer (~200 KB): 300 veth pairs made while
# ngd is stopped, ~1.2 KB of events an interface waiting.  None is lost
# (NGD_ETHER_NL_BUF): no rescan, and each has its node once ngd runs.
kill -STOP "$NGD_PID"
# (in group 77: deleted by one request, one grace period for the 300
# pairs, where one each took 9 s of the test's 20 on a loaded machine)
for i in $(seq 300); do echo "link add eb$i group 77 type veth peer name ec$i"; done | ip -batch -
kill -CONT "$NGD_PID"
expect "600 interfaces made while ngd was stopped, 600 ether nodes" 600 "$(ethers)"
expect "no link event was lost" 0 "$(grep -c 'link events lost' "$NGD_LOG")"
ip link del group 77
for _ in $(seq 100); do [ "$(ethers)" = 0 ] && break; sleep 0.05; done
expect "... and none once they are gone" 0 "$(ethers)"
finish
