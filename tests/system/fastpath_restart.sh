#!/usr/bin/env bash
# timeout: 120
# The kernel fast path outlives ngd (DESIGN decisions 11 and 12, issue
# 18; README "The kernel fast path", Lifetime).  With NGD_FASTPATH=1 the
# data-plane namespace is bind-mounted next to the journal, the maps and
# TCX links are pinned in bpffs (tests/sandbox mounts a private one), and
# the pairs are in the journal.  So:
#  - under SIGKILL, a direct eiface-eiface edge and a hub of eifaces go on
#    forwarding (pings every 10 ms across the crash, counted), a bridge
#    (userspace) stops; the next ngd takes back every pair (same index,
#    the jail's address kept), the pinned links and maps, and the bridge
#    answers again; an edit then takes effect (the maps are its);
#  - ngd --takeover does the same live;
#  - no program and no device is left that the next ngd does not take
#    back: the pins are exactly the pairs' ends; a journal lost with the
#    crash means every pair is deleted, every pin removed;
#  - a pair deleted while no ngd ran is made anew where vnet put it; pins
#    the programs cannot be loaded on are removed and the fast path made
#    anew.
# (fastpath_restart_more.sh: the rest, in a sandbox of its own; the two
# were one test, up to 142 s of its 120 under load, 16 ngds started.)
#
#   ngeth0 (fa) --ether-- ngeth1 (fb)                 direct: kernel
#   ngeth2 (fc) --a-- h (hub) --b-- ngeth3 (fd)        hub: kernel
#   ngeth4 (fe) --link0-- br (bridge) --link1-- ngeth5 (ff)   userspace
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/../fast_restart.sh"

start_ngd
for i in 0 1 2 3 4 5; do ngctl mkpeer eiface ether ether; done
for i in 0 1 2 3 4 5; do
	n=$(echo $nss | cut -d' ' -f$((i + 1)))
	ip netns add $n
	ngctl msg ngeth$i: vnet "\"$n\""
	ip -n $n addr add 198.18.$((7 + i / 2)).$((1 + i % 2))/24 dev ngeth$i
	ip -n $n link set ngeth$i up
done
ngctl -f - <<'EOS'
connect ngeth0: ngeth1: ether ether
mkpeer ngeth2: hub ether a
name ngeth2:ether h
connect h: ngeth3: b ether
mkpeer ngeth4: bridge ether link0
name ngeth4:ether br
connect br: ngeth5: link1 ether
EOS
ready() { # (lib.sh's link_up for the six)
	local i=0 n
	for n in $nss; do link_up $n ngeth$i; i=$((i + 1)); done
}
ready
expect "direct, hub, bridge: pings answered" "5 5 5" \
    "$(pings fa 198.18.7.2 5) $(pings fc 198.18.8.2 5) $(pings fe 198.18.9.2 5)"
journal_has ' placed=f[a-f]( |$)' 6 && journal_has '^hook ' 5 # (all of it)
expect "pinned: the data plane's mount" 1 "$(grep -c ' /run/netgraph/[0-9]*/dataplane ' /proc/self/mountinfo)"
expect "pinned: one link per graph-side end" "$(ends)" "$(pins)"
expect "pinned: every map of the programs" \
    "$(grep -c 'SEC(".maps")' "$top/src/bpf/ng_fast.bpf.c")" \
    "$(ls "$bpfdir"/*/ | grep -c '^ng_fast_')"
expect "what is looked for below is seen while it is there" \
    "$bpfdir /run/netgraph/N/dataplane /run/netgraph/N/dataplane ngeth0@if3:" \
    "$(leftover | sed -E 's|/[0-9]+/|/N/|; s|if[0-9]+:|if3:|' | head -4 | xargs)"
grep -q 'kind=veth name=ngeth1 .*gidx=[0-9]* port=[0-9]* placed=fb' /run/netgraph/*/journal &&
	ok "the journal describes the pairs" || fail "the journal describes the pairs"
before="$(idx fb ngeth1) $(idx fd ngeth3) $(idx ff ngeth5) $(mac fb ngeth1)"
ends_before=$(ends)
# Each port's entry in its ng_fast_ifs slot too (ng_fast_port reads the
# slot before the hash): every end's own, no other owner.
expect "every end owns its slot of ng_fast_ifs" "$ends_before" "$(ifs_owners)"

# --- SIGKILL under ping ---------------------------------------------------
flood fa 198.18.7.2 "$tmp/direct"
flood fc 198.18.8.2 "$tmp/hub"
sleep 0.5
kill -9 "$NGD_PID"
wait "$NGD_PID" 2>/dev/null
NGD_PID=
expect "ngd down: the bridge answers (kernel path, learned hosts)" 3 "$(pings fe 198.18.9.2 3)"
sleep 1
start_ngd
wait_floods
d=$(received "$tmp/direct") h=$(received "$tmp/hub")
echo "# SIGKILL + 1.5 s down + restart: direct edge $d/300, hub $h/300 answered"
[ "${d:-0}" -ge 297 ] && ok "direct edge: at most 1% lost across the crash ($d/300)" ||
	fail "direct edge: at most 1% lost across the crash (${d:-0}/300)"
[ "${h:-0}" -ge 297 ] && ok "hub: at most 1% lost across the crash ($h/300)" ||
	fail "hub: at most 1% lost across the crash (${h:-0}/300)"
expect "taken back: the same interfaces (index, MAC)" "$before" \
    "$(idx fb ngeth1) $(idx fd ngeth3) $(idx ff ngeth5) $(mac fb ngeth1)"
expect "taken back: the jail's address is kept" "198.18.7.2/24" "$(addr fb ngeth1)"
expect "taken back: the same graph-side ends" "$ends_before" "$(ends)"
expect "taken back: every pinned link is an end's" "$(ends)" "$(pins)"
expect "no ether node for an eiface's interface" 0 "$(ngctl list | grep -c 'Type: ether')"
grep -q 'took over the kernel fast path the last ngd left: 6 pairs' "$NGD_LOG" &&
	ok "ngd says it took the fast path over" || fail "ngd says it took the fast path over"
expect "after the crash: bridge, direct, hub answer" "5 5 5" \
    "$(pings fe 198.18.9.2 5) $(pings fa 198.18.7.2 5) $(pings fc 198.18.8.2 5)"
ngctl rmhook ngeth0: ether
expect "after the crash: an edit takes effect (the maps are this ngd's)" 0 "$(pings fa 198.18.7.2 3)"
ngctl connect ngeth0: ngeth1: ether ether
link_up fa ngeth0 && link_up fb ngeth1
expect "... and back" 5 "$(pings fa 198.18.7.2 5)"

# --- ngd --takeover under ping ----------------------------------------------
journal_has '^hook ' 5 # (the edge made again)
slows0=$(slows)
flood fa 198.18.7.2 "$tmp/direct"
flood fc 198.18.8.2 "$tmp/hub"
flood fe 198.18.9.2 "$tmp/bridge"
sleep 0.5
old=$NGD_PID
ngd -d --takeover 2>>"$NGD_LOG" &
NGD_PID=$!
for _ in $(seq 1500); do kill -0 "$old" 2>/dev/null || break; sleep 0.02; done
kill -0 "$old" 2>/dev/null && fail "takeover: the old ngd exits" || ok "takeover: the old ngd exits"
wait "$old" 2>/dev/null
wait_floods
d=$(received "$tmp/direct") h=$(received "$tmp/hub") b=$(received "$tmp/bridge")
echo "# takeover: direct edge $d/300, hub $h/300, bridge $b/300 answered"
[ "${d:-0}" -ge 297 ] && ok "takeover: direct edge, at most 1% lost ($d/300)" ||
	fail "takeover: direct edge, at most 1% lost (${d:-0}/300)"
[ "${h:-0}" -ge 297 ] && ok "takeover: hub, at most 1% lost ($h/300)" ||
	fail "takeover: hub, at most 1% lost (${h:-0}/300)"
# The kernel bridge keeps its ports and learned hosts across the
# takeover (it used to lose them until the new graph wrote them again:
# up to 500 ms of its frames through ngd's new TAP).
[ "${b:-0}" -ge 297 ] && ok "takeover: bridge, at most 1% lost ($b/300)" ||
	fail "takeover: bridge, at most 1% lost (${b:-0}/300)"
echo "# slow-path TAPs, frames to ngd: before $slows0, after $(slows)"
expect "takeover: the bridge's frames stayed in the kernel (the slow-path TAP carried none)" \
    0 "$(slows_since "$slows0")"
expect "takeover: the same interfaces" "$before" \
    "$(idx fb ngeth1) $(idx fd ngeth3) $(idx ff ngeth5) $(mac fb ngeth1)"
expect "takeover: the same ends, every pinned link an end's" "$ends_before $ends_before" "$(ends) $(pins)"
expect "takeover: every end owns its slot of ng_fast_ifs" "$ends_before" "$(ifs_owners)"
got=$(pings fe 198.18.9.2 5)
expect "takeover: bridge answers" 5 "$got"
if [ "$got" != 5 ]; then # what the bridge saw, for the report
	for l in 0 1; do ngctl msg br: getstats $l | tail -1; done
	tail -5 "$NGD_LOG"
fi

# --- an older ngd's maps, named anew here: their pins removed -------------
# A map whose layout changed has a new name (ng_fast_bpf.h): the pins of
# those an older ngd left (ports' and bridge ports' entries and counters
# by interface index, before ports had slots; its bridges' flow cache)
# are not taken over, and go; the rest is, and the bridge switches in
# the kernel.
kill -9 "$NGD_PID"
wait "$NGD_PID" 2>/dev/null
NGD_PID=
d=$(echo "$bpfdir"/*)
old_maps="ng_fast_brcache ng_fast_brflows ng_fast_brflows2 ng_fast_brports ng_fast_brstats ng_fast_stats"
bpftool map create "$d/ng_fast_stats" type percpu_hash key 4 value 40 \
    entries 32768 name ng_fast_stats
bpftool map create "$d/ng_fast_brports" type hash key 4 value 8 \
    entries 32768 name ng_fast_brports
bpftool map create "$d/ng_fast_brstats" type percpu_hash key 4 value 72 \
    entries 32768 name ng_fast_brstats
bpftool map create "$d/ng_fast_brcache" type percpu_array key 4 value 40 \
    entries 256 name ng_fast_brcache
bpftool map create "$d/ng_fast_brflows" type percpu_array key 4 value 48 \
    entries 256 name ng_fast_brflows
bpftool map create "$d/ng_fast_brflows2" type percpu_array key 4 value 48 \
    entries 1024 name ng_fast_brflows2
expect "an older ngd's pins are there" "$old_maps" \
    "$(ls "$d" | grep -xE "$(echo $old_maps | tr ' ' '|')" | xargs)"
start_ngd
expect "... the next ngd removes them" "" \
    "$(ls "$d" | grep -xE "$(echo $old_maps | tr ' ' '|')")"
expect "... and pins every map of its programs, no other" \
    "$(grep -c 'SEC(".maps")' "$top/src/bpf/ng_fast.bpf.c")" \
    "$(ls "$d" | grep -c '^ng_fast_')"
kill -STOP "$NGD_PID"
expect "... the bridge answers in the kernel (ngd stopped)" 3 "$(pings fe 198.18.9.2 3)"
kill -CONT "$NGD_PID"

# --- SIGKILL with the journal lost: nothing is left behind ----------------
kill -9 "$NGD_PID"
wait "$NGD_PID" 2>/dev/null
NGD_PID=
rm /run/netgraph/*/journal
start_ngd
expect "journal lost: the pairs, pins and mount the new ngd did not take back are gone" \
    "" "$(leftover)"
ngctl list | grep -q 'Type: eiface' && fail "journal lost: an empty graph" || ok "journal lost: an empty graph"
stop_ngd

# --- a pair deleted while no ngd ran: made anew, name and MAC kept ---------
start_ngd
ngctl mkpeer eiface ether ether
ngctl mkpeer eiface ether ether
ngctl connect ngeth0: ngeth1: ether ether
ngctl msg ngeth1: vnet '"fb"'
m1=$(mac fb ngeth1)
journal_has " name=ngeth1 mac=$m1 .* placed=fb( |$)" && journal_has '^hook ' 1
kill -9 "$NGD_PID"
wait "$NGD_PID" 2>/dev/null
NGD_PID=
ip -n fb link del ngeth1
start_ngd
expect "a pair deleted meanwhile: made anew where vnet put it, same name and MAC" "veth $m1" \
    "$(ip netns exec fb ethtool -i ngeth1 | sed -n 's/driver: //p') $(mac fb ngeth1)"
expect "... its edge kept, every pinned link an end's" "ngeth0 $(ends)" \
    "$(ngctl show ngeth1: | awk '$1 == "ether" { print $2 }') $(pins)"
journal_has " name=ngeth1 mac=$m1 ifindex=$(idx fb ngeth1) .* placed=fb( |$)"

# --- pins the programs cannot be loaded on (an upgrade changed a map) ------
# ng_fast_cfg replaced by a pin of another map (bpffs renames): the next
# ngd cannot take the fast path over, removes it, and makes it anew.
kill -9 "$NGD_PID"
wait "$NGD_PID" 2>/dev/null
NGD_PID=
d=$(echo "$bpfdir"/*)
rm "$d/ng_fast_cfg" && mv "$d/ng_fast_ids" "$d/ng_fast_cfg"
start_ngd
grep -q 'cannot take over the kernel fast path the last ngd left' "$NGD_LOG" &&
	ok "pins that do not suit: ngd says it makes the fast path anew" ||
	fail "pins that do not suit: ngd says it makes the fast path anew"
expect "... the interfaces made anew, same names, MACs, places" "$m1 ngeth0" \
    "$(mac fb ngeth1) $(ngctl show ngeth1: | awk '$1 == "ether" { print $2 }')"
expect "... every pinned link an end's" "$(ends)" "$(pins)"
ip addr add 198.18.10.1/24 dev ngeth0 && ip link set ngeth0 up
ip -n fb addr add 198.18.10.2/24 dev ngeth1 && ip -n fb link set ngeth1 up
kill -STOP "$NGD_PID"
expect "... and they forward in the kernel (ngd stopped)" 3 "$(ping -c 3 -i 0.02 -W 1 198.18.10.2 | sed -nE 's/.* ([0-9]+) received.*/\1/p')"
kill -CONT "$NGD_PID"
stop_ngd

finish
