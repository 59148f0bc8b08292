#!/usr/bin/env bash
# Nodes that stay in userspace, placed between fast-path nodes (issue 18,
# "Must show"; DESIGN decision 11).  A bridge or hub switches in the
# kernel only while every hook leads to an eiface (or an ether uplink);
# anything else between two eifaces takes their frames through ngd.  For
# each case below: pings cross, the node's own counters count them, and
# nothing crosses while ngd is stopped (SIGSTOP), so they went through
# the node and not around it.
#
#   fa (ngeth0) --link0-- br --link1-- (ngeth1) fb     br --link2-- nghook
#   fa (ngeth0) --one-- o2m --many0-- (ngeth1) fb
#   fa (ngeth0) --link0-- b1 --link1--link1-- b2 --link0-- (ngeth1) fb
#
# The socket hook (nghook) both receives (fa's ARP request, flooded) and
# injects: an ARP request from a host behind it, 02:00:00:00:00:99 at
# 198.18.7.99, which fb answers through the bridge back to the hook.
source "$(dirname "$0")/../lib.sh"
NGD_LOG=$tmp/ngd.log
hook=
trap '[ -n "$NGD_PID" ] && kill -CONT "$NGD_PID" 2>/dev/null; exec 3>&- ; [ -n "$hook" ] && kill "$hook" 2>/dev/null; ip netns del fa 2>/dev/null; ip netns del fb 2>/dev/null; stop_ngd; rm -rf "$tmp"' EXIT

# pings COUNT: how many of COUNT pings from fa to fb were answered, each
# within a second (sent at once: tests/lib.sh's pings says why)
pings() {
	ip netns exec fa ping -c "$1" -l "$1" -W 1 198.18.7.2 2>/dev/null |
	    sed -nE 's/.* ([0-9]+) received.*/\1/p'
}
# stopped NAME: with ngd stopped, no ping crosses
stopped() {
	kill -STOP "$NGD_PID"
	expect "$1: nothing crosses while ngd is stopped" 0 "$(pings 2)"
	kill -CONT "$NGD_PID"
}
# field NODE LINK NAME: a counter of the node's getstats LINK
field() {
	ngctl msg "$1" getstats "$2" | sed -nE "s/.*[ {]$3=([0-9]+).*/\\1/p" |
	    grep . || echo 0
}
# atleast NAME N GOT
atleast() {
	[ "${3:-0}" -ge "$2" ] 2>/dev/null && ok "$1 ($3)" ||
	    fail "$1 (${3:-none}, want at least $2)"
}

NGD_FASTPATH=1 start_ngd
ngctl mkpeer eiface ether ether
ngctl mkpeer eiface ether ether
ip netns add fa
ip netns add fb
i=0
for n in fa fb; do
	ip netns exec $n sysctl -qw net.ipv6.conf.default.disable_ipv6=1
	ngctl msg ngeth$i: vnet "\"$n\""
	ip -n $n addr add 198.18.7.$((i + 1))/24 dev ngeth$i
	ip -n $n link set ngeth$i up
	i=$((i + 1))
done
ready() { link_up fa ngeth0 && link_up fb ngeth1; }

# --- a socket hook on a bridge of eifaces -----------------------------------
ngctl mkpeer ngeth0: bridge ether link0
ngctl name ngeth0:ether br
ngctl connect br: ngeth1: link1 ether
mkfifo "$tmp/in"
nghook -a br: link2 <"$tmp/in" >"$tmp/hook" 2>/dev/null &
hook=$!
exec 3>"$tmp/in"
for _ in $(seq 100); do ngctl show br: | grep -q '^  link2 ' && break; sleep 0.02; done
ready
expect "socket hook on the bridge: pings cross" 5 "$(pings 5)"
# who-has 198.18.7.2 tell 198.18.7.99 (02:00:00:00:00:99), broadcast
printf '\xff\xff\xff\xff\xff\xff\x02\x00\x00\x00\x00\x99\x08\x06\x00\x01\x08\x00\x06\x04\x00\x01\x02\x00\x00\x00\x00\x99\xc6\x12\x07\x63\x00\x00\x00\x00\x00\x00\xc6\x12\x07\x02' >&3
for _ in $(seq 100); do grep -q '^0000:  02 00 00 00 00 99' "$tmp/hook" && break; sleep 0.02; done
stopped "socket hook on the bridge"
atleast "... the bridge counts the injected frame in on link2" 1 "$(field br: 2 recvPackets)"
atleast "... and the request and the answer out" 2 "$(field br: 2 xmitPackets)"
exec 3>&-
wait "$hook"
hook=
grep -q '^0010:  08 00 06 04 00 01 .* c6 12 07 01 ' "$tmp/hook" &&
	ok "... the hook received fa's ARP request (flooded to it)" ||
	fail "... the hook received fa's ARP request (flooded to it)"
grep -q '^0000:  02 00 00 00 00 99 ' "$tmp/hook" &&
	ok "... the frame it injected reached fb, whose answer came back to it" ||
	fail "... the frame it injected reached fb, whose answer came back to it"
expect "... fb learned the host behind the hook" "02:00:00:00:00:99" \
    "$(ip -n fb neigh show 198.18.7.99 | sed -nE 's/.* lladdr ([0-9a-f:]+).*/\1/p')"
atleast "... and the pings on link0" 5 "$(field br: 0 recvPackets)"
ngctl shutdown br:

# --- a one2many between eifaces ---------------------------------------------
ngctl mkpeer ngeth0: one2many ether one
ngctl name ngeth0:ether o2m
ngctl connect o2m: ngeth1: many0 ether
ready
expect "one2many between eifaces: pings cross" 5 "$(pings 5)"
atleast "... its one link counts the requests in" 5 "$(field o2m: -1 recvPackets)"
atleast "... its many0 link the requests out" 5 "$(field o2m: 0 xmitPackets)"
atleast "... and the replies in" 5 "$(field o2m: 0 recvPackets)"
stopped "one2many between eifaces"
ngctl shutdown o2m:

# --- a bridge chained to a bridge --------------------------------------------
# (a bridge one of whose hooks leads to another bridge switches in ngd)
ngctl mkpeer ngeth0: bridge ether link0
ngctl name ngeth0:ether b1
ngctl mkpeer b1: bridge link1 link1
ngctl name b1:link1 b2
ngctl connect b2: ngeth1: link0 ether
ready
expect "two chained bridges: pings cross" 5 "$(pings 5)"
atleast "... b1 sends the requests to b2" 5 "$(field b1: 1 xmitPackets)"
atleast "... b2 takes them" 5 "$(field b2: 1 recvPackets)"
atleast "... and sends the replies back" 5 "$(field b2: 1 xmitPackets)"
m0=$(ip -n fa -o link show ngeth0 | sed -nE 's/.*link\/ether ([0-9a-f:]+) .*/\1/p')
ngctl msg b2: gettable | grep -qi "addr=$m0 hook=\"link1\"" &&
	ok "... b2 learned fa on its link to b1" ||
	fail "... b2 learned fa on its link to b1: $(ngctl msg b2: gettable | tail -1)"
stopped "two chained bridges"
ngctl shutdown b1:
ngctl shutdown b2:
finish
