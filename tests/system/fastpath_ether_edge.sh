#!/usr/bin/env bash
# timeout: 60
# An ether node joined straight to an eiface in the kernel fast path
# (issue 18; src/ngd/fastpath_ether.c, fastpath.c).  em0's wire w0 is in
# ns wire:
#
#   ja --ether:lower-- em0 ==== w0 (ns wire)
#
# em0's lower forwards by its uplink veth into the data plane as an
# eiface's graph-side end would (fastpath_ether_hub.sh: on a hub): pings
# and TCP with nothing through ngd's slow TAP or em0's TAP channels,
# answered with ngd stopped; the hook counters count the kernel's frames;
# rmhook acts before its reply under pings every 2 ms; autosrc takes
# lower through ngd; after a SIGKILL and a takeover it is in the kernel
# again.
source "$(dirname "$0")/../lib.sh"
NGD_LOG=$tmp/ngd.log
NS="wire ja"
em0_trap

rx() { ip netns exec "$1" cat "/sys/class/net/$2/statistics/rx_packets"; }
edit() { # NAME CMD...: under pings wire -> ja every 2 ms, none reaches ja after CMD
	local fl r0 r1 name=$1
	shift
	ip netns exec wire ping -i 0.002 -s 100 -W 1 198.18.30.1 >/dev/null 2>&1 &
	fl=$!
	sleep 0.3
	"$@"
	r0=$(rx ja ja)
	sleep 0.3
	r1=$(rx ja ja)
	kill $fl 2>/dev/null
	wait $fl 2>/dev/null
	expect "$name under pings every 2 ms: no frame reaches ja after the reply" "$r0" "$r1"
}

quiet_netns $NS
wire_veth em0 wire w0 198.18.30.2/24

NGD_FASTPATH=1 start_ngd || finish
edge_ja || fail "ja on em0's lower"

# --- a direct edge ---------------------------------------------------------
expect "direct edge: one uplink (em0's lower) into the data plane" 1 "$(nup)"
expect "direct edge: ja pings the wire" 5 "$(pings ja 198.18.30.2 5)"
kill -STOP "$NGD_PID"
expect "direct edge: pings answered while ngd is stopped (kernel path)" 5 \
    "$(pings ja 198.18.30.2 5)"
kill -CONT "$NGD_PID"
ngctl msg em0: clrhookstats '{ }'
ngctl msg ja: clrhookstats '{ }'
kernel "direct edge" ja 198.18.30.2
# ja's requests out of ja's ether (into em0's lower), the wire's replies
# out of em0's lower: 142 bytes each (an ARP or two may cross too, also
# between two reads).
lx=$(hs em0: lower xmitFrames) lo=$(hs em0: lower xmitOctets)
lr=$(hs em0: lower recvFrames) ex=$(hs ja: ether xmitFrames)
eo=$(hs ja: ether xmitOctets) er=$(hs ja: ether recvFrames)
if between "$lx" 1000 1005 && between "$ex" 1000 1005 &&
    between "$lo" 142000 $((lx * 142 + 200)) &&
    between "$eo" 142000 $((ex * 142 + 200)) && between "$ex" "$lr" $((lr + 2)) &&
    between "$er" "$lx" $((lx + 2)); then
	ok "direct edge: hook counters count the kernel's frames (em0 lower out $lx/$lo in $lr, ja ether out $ex/$eo in $er)"
else
	ngctl msg em0: gethookstats
	ngctl msg ja: gethookstats
	fail "direct edge: hook counters: em0 lower out $lx/$lo in $lr, ja ether out $ex/$eo in $er"
fi

head -c 2000000 /dev/urandom >$tmp/send
s0=$(slow) t0=$(ether_taps)
ip netns exec wire timeout 10 nc -l -p 5001 </dev/null >$tmp/recv &
p=$!
sleep 0.3
ip netns exec ja timeout 10 nc -N 198.18.30.2 5001 <$tmp/send
wait $p
expect "direct edge: 2 MB over TCP ja -> wire arrive intact" \
    "$(md5sum <$tmp/send)" "$(md5sum <$tmp/recv)"
[ "$s0" = "$(slow)" ] && [ "$t0" = "$(ether_taps)" ] && ok "... none through ngd" ||
    fail "... $(($(slow) - s0)) frames through ngd's slow TAP, $(($(ether_taps) - t0)) through em0's"

ngctl msg em0: setautosrc 1
t0=$(ether_taps)
# (The first pings after the reply: lower refused them (ENETDOWN) while
# the kernel's link watch had not yet said em0 was operationally up, a
# second and more after it was set up on a loaded machine, until ngd
# took em0 to be running by its carrier; autosrc_edge.sh.)
expect "autosrc on: ja's first pings after the reply" 5 "$(pings ja 198.18.30.2 5)"
[ $(($(ether_taps) - t0)) -ge 5 ] && ok "... through ngd (em0's TAPs $(($(ether_taps) - t0)))" ||
    fail "... em0's TAPs carried $(($(ether_taps) - t0))"
ngctl msg em0: setautosrc 0
t0=$(ether_taps)
expect "autosrc off: ja pings the wire" 5 "$(pings ja 198.18.30.2 5)"
expect "autosrc off: in the kernel again (em0's TAPs idle)" 0 $(($(ether_taps) - t0))

edit "direct edge: rmhook em0: lower" ngctl rmhook em0: lower
expect "rmhook: no uplink left" 0 "$(nup)"
ngctl connect em0: ja: lower ether
t0=$(ether_taps) s0=$(slow)
expect "connected again: ja pings the wire" 5 "$(pings ja 198.18.30.2 5)"
[ "$t0" = "$(ether_taps)" ] && [ "$s0" = "$(slow)" ] && ok "... in the kernel" ||
    fail "... em0's TAPs $(($(ether_taps) - t0)), slow TAP $(($(slow) - s0))"

# --- restart and takeover (decision 12) ------------------------------------
# (the journal has the edge made again, and autosrc off)
journal_has '^hook [0-9a-f]+ (lower [0-9a-f]+ ether|ether [0-9a-f]+ lower)$' &&
    journal_has '^msg [0-9a-f]+ setautosrc 0$'
kill -9 "$NGD_PID"
wait "$NGD_PID" 2>/dev/null
NGD_PID=
expect "ngd killed: nothing of ngd's on em0 (ja is cut off)" 0 "$(pings ja 198.18.30.2 1)"
NGD_FASTPATH=1 start_ngd
for _ in $(seq 50); do [ "$(nup)" = 1 ] && break; sleep 0.05; done
expect "restarted: the uplink made anew" 1 "$(nup)"
expect "restarted: ja pings the wire" 5 "$(pings ja 198.18.30.2 5)"
t0=$(ether_taps) s0=$(slow)
expect "restarted: ... again" 5 "$(pings ja 198.18.30.2 5)"
[ "$t0" = "$(ether_taps)" ] && [ "$s0" = "$(slow)" ] && ok "restarted: ... in the kernel" ||
    fail "restarted: em0's TAPs $(($(ether_taps) - t0)), slow TAP $(($(slow) - s0))"
ngd_takeover || fail "takeover: the old ngd is still there"
expect "takeover: one uplink" 1 "$(nup)"
expect "takeover: ja pings the wire" 5 "$(pings ja 198.18.30.2 5)"
t0=$(ether_taps) s0=$(slow)
expect "takeover: ... again" 5 "$(pings ja 198.18.30.2 5)"
[ "$t0" = "$(ether_taps)" ] && [ "$s0" = "$(slow)" ] && ok "takeover: ... in the kernel" ||
    fail "takeover: em0's TAPs $(($(ether_taps) - t0)), slow TAP $(($(slow) - s0))"

finish
