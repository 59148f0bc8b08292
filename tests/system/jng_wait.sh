#!/usr/bin/env bash
# jng bridge waits for the interface's ether node: about a second before
# (50 tries), short when the machine is loaded or ngd is still starting
# (a jail's exec.prestart at boot); user2_jng.sh had to wait for it
# itself.  Now 10 s (JNG_WAIT), and an interface with no node to wait for
# fails at once, left as it was: one that does not exist, or is not
# Ethernet (/sys/class/net/IF/type not 1; jng brought a tun up, then
# waited its second and said "no ether node").
source "$(dirname "$0")/../lib.sh"
export NGCTL_NO_AUTOSTART=1 # no ngd but the one this test starts
cleanup() { stop_ngd; rm -rf "$tmp"; }
trap cleanup EXIT

ip link add em0 type veth peer name em0p || fail "veth em0"
ip link add em1 type veth peer name em1p || fail "veth em1"
ip tuntap add dev tun0 mode tun || fail "tun0"
up() { echo $(($(cat "/sys/class/net/$1/flags") & 1)); }

check "jng bridge j1 tun0: not Ethernet, at once" 1 "" \
    "jng: tun0: not an Ethernet interface (type 65534): jng bridges Ethernet interfaces only" \
    jng bridge j1 tun0
expect "... tun0 left down" 0 "$(up tun0)"
check "jng bridge j1 lo: not Ethernet" 1 "" \
    "jng: lo: not an Ethernet interface (type 772): jng bridges Ethernet interfaces only" \
    jng bridge j1 lo
check "jng bridge j1 em9: no such interface" 1 "" "jng: em9: no such interface" \
    jng bridge j1 em9

# ngd starts 5 s after jng (no ngd yet: each look for em0's node fails)
(
	sleep 5
	exec ngd -d 2>>"${NGD_LOG:-/dev/null}"
) &
NGD_PID=$!
check "jng bridge j2 em0 while ngd starts 5 s later: it waits" 0 "" "" \
    env JNG_WAIT=60 jng bridge j2 em0
expect "... ng0_j2 is on em0's bridge" "em0bridge" \
    "$(ngctl show ng0_j2: | awk '$1 == "ether" { print $2 }')"
stop_ngd

# No ngd at all: the default bound, 10 s, then a message that says so.
t0=$(date +%s%N)
check "jng bridge j3 em1 with no ngd: fails after its wait" 1 "" \
    "jng: em1: no ether node after 10 s (is ngd running?)" jng bridge j3 em1
ms=$((($(date +%s%N) - t0) / 1000000))
[ "$ms" -ge 10000 ] && [ "$ms" -lt 60000 ] &&
    ok "... after 10 s (${ms} ms)" || fail "... after 10 s (${ms} ms)"
check "JNG_WAIT=x: refused" 1 "" "jng: JNG_WAIT=x: a number of seconds" \
    env JNG_WAIT=x jng bridge j3 em1
exit "$NG_FAILED"
