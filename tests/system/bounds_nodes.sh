#!/usr/bin/env bash
# Bounds (issue 7), the nodes' part: 10,000 hooks on one bridge work;
# node create/destroy cycles (vnet included) leave ngd's file descriptors
# and memory flat.  (Nothing here is timed: it runs beside other tests;
# the MAC flood, CPU-bound and timed, is bounds.sh's, which runs alone.)
# scripts/soak runs the same with bigger numbers:
#   BOUNDS_HOOKS (default 10000), BOUNDS_CYCLES (200)
source "$(dirname "$0")/../lib.sh"
py=/usr/bin/python3
wire="$top/tests/system/ngwire.py"
hooks=${BOUNDS_HOOKS:-10000}
cycles=${BOUNDS_CYCLES:-200}
export NGD_LOG="$tmp/ngd.log"

rss() { awk '/^VmRSS:/ { print $2 }' "/proc/$NGD_PID/status"; }
# ngd's descriptors once they stop changing: the interfaces it retired
# go in batches (20 ms after the last, up to 1024 at once, which takes
# the kernel a few hundred ms); at most 10 s.  Shut-down eifaces are
# retired too (renamed ngret<n>, their links held until the batch):
# first until none is left, as a batch held up by other namespaces'
# work on the RTNL lock kept the count still for 0.2 s (59 -> 129).
nfds() {
	local n m
	for _ in $(seq 500); do
		ip -o link show | grep -q ngret || break
		sleep 0.02
	done
	n=$(ls "/proc/$NGD_PID/fd" | wc -l)
	for _ in $(seq 50); do
		sleep 0.2
		m=$(ls "/proc/$NGD_PID/fd" | wc -l)
		[ "$m" = "$n" ] && break
		n=$m
	done
	echo "$n"
}
# figure NAME BEFORE AFTER UNIT: one line scripts/soak collects
figure() { echo "# $1: $2 -> $3 $4"; }

start_ngd
ip netns add a
trap 'ip netns del a 2>/dev/null; rm -rf "$tmp"; stop_ngd' EXIT

# --- many hooks on one bridge ------------------------------------------
r0=$(rss)
{
	echo "mkpeer bridge b0 link0"
	echo "name .:b0 big"
	echo "msg big: setpersistent"
	echo "rmhook . b0"
	for i in $(seq 1 "$hooks"); do echo "mkpeer big: hub link$i a"; done
} >"$tmp/hooks.ngctl"
expect_rc "$hooks hooks on one bridge (ngctl -f)" 0 ngctl -f "$tmp/hooks.ngctl"
expect "... ngctl show lists them" "$hooks" \
    "$(ngctl show big: | grep -c ' hub ')"
expect "... every hub is a node" "$((hooks + 1))" \
    "$(ngctl list | grep -c -e 'Type: hub' -e 'Name: big')"
$py "$wire" macs big: link0 100 4 bcast >/dev/null
expect "... a broadcast reaches the last port" "100" \
    "$(ngctl msg big: getstats "$hooks" | sed -nE 's/.*xmitPackets=([0-9]+).*/\1/p')"
expect "... and the first" "100" \
    "$(ngctl msg big: getstats 1 | sed -nE 's/.*xmitPackets=([0-9]+).*/\1/p')"
expect_rc "... shutdown takes them all" 0 ngctl shutdown big:
expect "... nothing left" "1" "$(ngctl list | sed -nE 's/^There are ([0-9]+) total.*/\1/p')"
figure "$hooks hooks made and gone: ngd RSS" "$r0" "$(rss)" KB

# --- create/destroy cycles ----------------------------------------------
# eiface (a TAP and netlink each time; every tenth placed in a
# namespace and brought home with vnet first) and hub, one ngctl session.
# In a fresh ngd: the heap the flood and the hooks freed stays resident,
# and a leak allocated from it would not move RSS (a 400-byte leak a
# cycle did not, there).
stop_ngd
start_ngd
cycle_script() {
	for i in $(seq "$1"); do
		echo "mkpeer . eiface e ether"
		if [ $((i % 10)) = 0 ]; then
			echo "msg .:e vnet \"a\""
			echo "msg .:e vnet \"\""
		fi
		echo "shutdown .:e"
		echo "mkpeer . hub h x"
		echo "shutdown .:h"
	done
}
cycle_script 50 | ngctl -f - # warm-up: pools, hash tables
f0=$(nfds)
r0=$(rss)
t0=$(date +%s)
cycle_script "$cycles" >"$tmp/cycles.ngctl"
expect_rc "$cycles eiface and hub create/destroy cycles" 0 ngctl -f "$tmp/cycles.ngctl"
f1=$(nfds)
r1=$(rss)
figure "$cycles cycles: ngd file descriptors" "$f0" "$f1" ""
figure "$cycles cycles: ngd RSS" "$r0" "$r1" KB
expect "... descriptors flat" "$f0" "$f1"
# Flat: under 64 KB for up to 1000 cycles (under 328 bytes a cycle over
# make check's 200; a fresh ngd's RSS moved by 4-16 KB over 1000 cycles
# when measured, and by 92 KB over 200 with a 400-byte leak put in the
# hub's constructor), 512 KB beyond (make soak's 10,000).
grow=$((r1 - r0)) max=$([ "$cycles" -le 1000 ] && echo 64 || echo 512)
if [ "$grow" -lt "$max" ]; then ok "... memory flat (+$grow KB in $(($(date +%s) - t0))s)"; else fail "... ngd grew $grow KB (bound $max KB)"; fi
expect "... nothing left" "1" "$(ngctl list | sed -nE 's/^There are ([0-9]+) total.*/\1/p')"
expect "... no interface left" "" "$(ip -o link show | grep -o 'ngeth[0-9]*')"
finish
