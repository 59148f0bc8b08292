#!/usr/bin/env bash
# timeout: 60
# Two ether nodes' hooks alone in the kernel fast path (issue 18;
# src/ngd/fastpath_ether.c, fastpath.c): em0's and em1's lower, their
# wires w0 and w1 in ns wire and wire2:
#
#   w0 ==== em0 --lower:l0-- H --l1:lower-- em1 ==== w1
#   w0 ==== em0 --lower:lower-- em1 ==== w1
#
# on a hub and joined straight, each hook by its uplink veth into the
# data plane (fastpath_ether_edge.sh): pings with nothing through ngd's
# slow TAP or the ether nodes' TAP channels, counted on the hooks;
# rmhook acts before its reply under pings every 2 ms.
source "$(dirname "$0")/../lib.sh"
NGD_LOG=$tmp/ngd.log
NS="wire wire2"
trap 'for n in $NS; do ip netns del $n 2>/dev/null; done; ip link del em0 2>/dev/null; ip link del em1 2>/dev/null; stop_ngd; rm -rf "$tmp"' EXIT

rx() { ip netns exec "$1" cat "/sys/class/net/$2/statistics/rx_packets"; }

quiet_netns $NS
wire_veth em0 wire w0 198.18.30.2/24
wire_veth em1 wire2 w1 198.18.30.4/24

NGD_FASTPATH=1 start_ngd || finish
ngctl -f - <<'END'
msg em0: setpromisc 1
msg em0: setautosrc 0
msg em1: setpromisc 1
msg em1: setautosrc 0
END

ngctl -f - <<'END'
mkpeer em0: hub lower l0
name em0:lower H
connect H: em1: l1 lower
END
expect "em0 and em1 on a hub: two uplinks" 2 "$(nup)"
# (as in fastpath_ether_hub.sh: the first ARP request may go while the
# uplinks are still coming up, and its retry a second later is past
# pings' 1 s; ARP resolved first, with retries)
uplinks_up
ip netns exec wire ping -c 1 -W 5 198.18.30.4 >/dev/null 2>&1
expect "em0 and em1 on a hub: wire pings wire2" 5 "$(pings wire 198.18.30.4 5)"
for n in em0 em1 H; do ngctl msg $n: clrhookstats '{ }'; done
kernel "em0 and em1 on a hub" wire 198.18.30.4
h0=$(hs H: l0 xmitFrames) h1=$(hs H: l1 xmitFrames)
l0=$(hs em0: lower xmitFrames) l1=$(hs em1: lower xmitFrames)
between "$h0" 1000 1005 && between "$h1" 1000 1005 &&
    between "$l0" "$h1" $((h1 + 2)) && between "$l1" "$h0" $((h0 + 2)) &&
    ok "... counted: H l0 out $h0, l1 out $h1, em0 lower out $l0, em1 lower out $l1" ||
    fail "... counted: H l0 out $h0, l1 out $h1, em0 lower out $l0, em1 lower out $l1"
ngctl shutdown H:
ngctl connect em0: em1: lower lower
uplinks_up
expect "em0 and em1 joined straight: wire pings wire2" 5 "$(pings wire 198.18.30.4 5)"
ngctl msg em0: clrhookstats '{ }'
ngctl msg em1: clrhookstats '{ }'
kernel "em0 and em1 joined straight" wire 198.18.30.4
l0=$(hs em0: lower xmitFrames) l1=$(hs em1: lower xmitFrames)
between "$l0" 1000 1005 && between "$l1" 1000 1005 &&
    ok "... counted: em0 lower out $l0, em1 lower out $l1" ||
    fail "... counted: em0 lower out $l0, em1 lower out $l1"
edit_wire "em0 and em1: rmhook em0: lower" wire2 w1 198.18.30.4 ngctl rmhook em0: lower
finish
