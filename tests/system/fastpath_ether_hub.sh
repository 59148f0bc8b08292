#!/usr/bin/env bash
# timeout: 60
# An ether node's hook on a hub in the kernel fast path (issue 18;
# src/ngd/fastpath_ether.c, fastpath.c).  em0's wire w0 is in ns wire:
#
#   ja --ether:l1-- H --l0:lower-- em0 ==== w0 (ns wire)
#   jb --ether:l2-/
#
# The hub repeats in the kernel with em0's lower as a member (its uplink
# veth into the data plane, fastpath_ether_edge.sh): pings with nothing
# through ngd's slow TAP or em0's TAP channels, answered with ngd
# stopped; the hook counters count the kernel's frames; a capture of l0
# takes the hub through ngd while it lasts; rmhook and shutdown act
# before their replies under pings every 2 ms (fastpath_ether_pair.sh:
# two ether nodes' hooks alone).
source "$(dirname "$0")/../lib.sh"
NGD_LOG=$tmp/ngd.log
NS="wire ja jb"
em0_trap

rx() { ip netns exec "$1" cat "/sys/class/net/$2/statistics/rx_packets"; }

quiet_netns $NS
wire_veth em0 wire w0 198.18.30.2/24

NGD_FASTPATH=1 start_ngd || finish
ngctl mkpeer eiface ether ether
ngctl mkpeer eiface ether ether
ngctl -f - <<'END'
name ngeth0: ja
name ngeth1: jb
msg em0: setpromisc 1
msg em0: setautosrc 0
mkpeer em0: hub lower l0
name em0:lower H
connect H: ja: l1 ether
connect H: jb: l2 ether
END
for n in ja jb; do
	ngctl msg $n: vnet "\"$n\""
	ip -n $n link set $n up
done
ip -n ja addr add 198.18.30.1/24 dev ja
ip -n jb addr add 198.18.30.3/24 dev jb

# --- a hub -----------------------------------------------------------------
expect "hub: one uplink" 1 "$(nup)"
# (ja's first ARP request may go while ja's link or the uplink is still
# coming up, and its retry a second later is past pings' 1 s: 0 of 5
# once in CI; the links up as the kernel and ngd see them (lib.sh), and
# ARP resolved first, with retries)
uplinks_up && link_up ja ja && link_up jb jb
ip netns exec ja ping -c 1 -W 5 198.18.30.2 >/dev/null 2>&1
expect "hub: ja pings the wire" 5 "$(pings ja 198.18.30.2 5)"
expect "hub: jb pings the wire" 5 "$(pings jb 198.18.30.2 5)"
expect "hub: ja pings jb" 5 "$(pings ja 198.18.30.3 5)"
kill -STOP "$NGD_PID"
expect "hub: pings answered while ngd is stopped (kernel path)" 5 \
    "$(pings jb 198.18.30.2 5)"
kill -CONT "$NGD_PID"
for n in em0 H ja jb; do ngctl msg $n: clrhookstats '{ }'; done
kernel "hub" ja 198.18.30.2
# Each frame goes out of the hub to both other members: ja's requests
# out of l0 and l2, the wire's replies out of l1 and l2 (an ARP may cross
# between two reads).
h0=$(hs H: l0 xmitFrames) h1=$(hs H: l1 xmitFrames) h2=$(hs H: l2 xmitFrames)
lx=$(hs em0: lower xmitFrames) lr=$(hs em0: lower recvFrames)
if between "$h0" 1000 1005 && between "$h1" 1000 1005 &&
    between "$h2" 2000 2010 && between "$lx" 1000 1005 &&
    between "$lr" "$h0" $((h0 + 2)); then
	ok "hub: hook counters count the kernel's frames (H l0 $h0, l1 $h1, l2 $h2 out; em0 lower out $lx in $lr)"
else
	ngctl msg H: gethookstats
	ngctl msg em0: gethookstats
	fail "hub: hook counters: H l0 $h0, l1 $h1, l2 $h2 out; em0 lower out $lx in $lr"
fi

ngctl capture -w "$tmp/f.pcapng" H: l0 icmp 2>"$tmp/cap.err" &
cap=$!
for _ in $(seq 200); do
	grep -q '^capturing on ' "$tmp/cap.err" 2>/dev/null && break
	sleep 0.05
done
t0=$(ether_taps)
expect "while H's l0 is captured: pings answered" 5 "$(pings ja 198.18.30.2 5)"
t1=$(ether_taps)
sleep 0.3
kill -INT $cap
wait $cap
n=$(tcpdump -n -r "$tmp/f.pcapng" 2>/dev/null | grep -c 'ICMP echo')
[ "$n" -ge 10 ] && [ $((t1 - t0)) -ge 5 ] &&
    ok "... through ngd (em0's TAPs $((t1 - t0))), the capture has $n ICMP echoes" ||
    fail "... em0's TAPs $((t1 - t0)), the capture has $n ICMP echoes"
t0=$(ether_taps) s0=$(slow)
expect "after the capture: pings answered" 5 "$(pings ja 198.18.30.2 5)"
[ "$t0" = "$(ether_taps)" ] && [ "$s0" = "$(slow)" ] && ok "... in the kernel again" ||
    fail "... em0's TAPs $(($(ether_taps) - t0)), slow TAP $(($(slow) - s0))"

edit_wire "hub: rmhook H: l1" ja ja 198.18.30.1 ngctl rmhook H: l1
ngctl connect H: ja: l1 ether
link_up ja ja # (its carrier back: linkwatch, late under load, 0 of 5 once)
expect "connected again: ja pings the wire" 5 "$(pings ja 198.18.30.2 5)"
edit_wire "hub: shutdown H" ja ja 198.18.30.1 ngctl shutdown H:
expect "hub shut down: no uplink left" 0 "$(nup)"
finish
