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
#    anew; an ngd without the fast path removes what a fast-path one left
#    and makes the interfaces anew as TAPs with their names and MACs;
#  - a graph whose namespace died while its ngd was dead: the next ngd,
#    of any namespace, removes its data plane's pins and mount;
#  - without a bpffs the namespace alone is kept: pairs taken back, their
#    programs attached anew;
#  - SIGTERM, and the graph emptied, leave nothing: no pin, no mount, no
#    data-plane device, no interface.
#
#   ngeth0 (fa) --ether-- ngeth1 (fb)                 direct: kernel
#   ngeth2 (fc) --a-- h (hub) --b-- ngeth3 (fd)        hub: kernel
#   ngeth4 (fe) --link0-- br (bridge) --link1-- ngeth5 (ff)   userspace
source "$(dirname "$0")/../lib.sh"
export NGD_LOG=$tmp/ngd.log
export NGD_FASTPATH=1
nss="fa fb fc fd fe ff"
trap 'stop_ngd; kill $(pgrep -x ngd) 2>/dev/null; ip link del em0 2>/dev/null; for n in $nss; do ip netns del $n 2>/dev/null; done; rm -rf "$tmp"' EXIT

bpfdir=/sys/fs/bpf/netgraph
if [ "$(stat -f -c %T /sys/fs/bpf 2>/dev/null)" != bpf_fs ]; then
	fail "no private bpffs at /sys/fs/bpf (tests/sandbox mounts one)"
	finish
fi

# idx NS IF: the interface's index; addr NS IF: its IPv4 address
idx() { ip -n "$1" -o link show dev "$2" | cut -d: -f1; }
addr() { ip -n "$1" -o -4 addr show dev "$2" | awk '{ print $4 }'; }
mac() { ip -n "$1" -o link show dev "$2" | sed -nE 's/.*link\/ether ([0-9a-f:]+) .*/\1/p'; }
# flood NS ADDR FILE: 300 pings, 10 ms apart, in the background
flood() { ip netns exec "$1" ping -c 300 -i 0.01 -W 1 "$2" >"$3" 2>&1 & floods="${floods:-} $!"; }
wait_floods() { wait $floods; floods=; }
received() { sed -nE 's/.* ([0-9]+) received.*/\1/p' "$1"; }
dataplane() { echo /run/netgraph/*/dataplane; }
# The data plane's graph-side ends (ngdpN), by index.
ends() { nsenter --net="$(dataplane)" ip -o link show | awk -F': ' '$2 ~ /^ngdp/ { print $1 }' | sort -n | xargs; }
# The link pins (portN: the end with index N).
pins() { ls "$bpfdir"/*/ 2>/dev/null | sed -n 's/^port//p' | sort -n | xargs; }
# What a stopped fast path may leave: pins, the namespace's mount, pairs.
leftover() {
	ls -d "$bpfdir" 2>/dev/null
	grep -o ' /run/netgraph/[^ ]*' /proc/self/mountinfo
	ls /run/netgraph/*/dataplane 2>/dev/null
	for n in "" $nss; do ip ${n:+-n $n} -o link show type veth; done 2>/dev/null | cut -d' ' -f2
}
# The data plane's slow-path TAPs (ngslowN: each ngd makes its own), and
# the frames the kernel gave ngd through those not in the list $1.
# The owners of ng_fast_ifs's slots (ng_fast_bpf.h), sorted.
ifs_owners() {
	bpftool -j map dump pinned "$(ls -d "$bpfdir"/*/ng_fast_ifs | head -1)" 2>/dev/null |
		jq -r '.[] | (.formatted.value.ifindex // .value.ifindex) | select(. != 0)' | sort -n | xargs
}
slows() { nsenter --net="$(dataplane)" ip -o link show | awk -F'[:@ ]+' '$2 ~ /^ngslow/ { print $2 }' | xargs; }
slows_since() {
	nsenter --net="$(dataplane)" cat /proc/net/dev | sed 's/^ *//' |
	    awk -F'[: ]+' -v old=" $1 " '$1 ~ /^ngslow/ && index(old, " " $1 " ") == 0 { n += $11 } END { print n + 0 }'
}

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
for _ in $(seq 250); do kill -0 "$old" 2>/dev/null || break; sleep 0.02; done
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
expect "takeover: the bridge's frames stayed in the kernel (the new ngd's slow-path TAP carried none)" \
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
old_maps="ng_fast_brcache ng_fast_brports ng_fast_brstats ng_fast_stats"
bpftool map create "$d/ng_fast_stats" type percpu_hash key 4 value 40 \
    entries 32768 name ng_fast_stats
bpftool map create "$d/ng_fast_brports" type hash key 4 value 8 \
    entries 32768 name ng_fast_brports
bpftool map create "$d/ng_fast_brstats" type percpu_hash key 4 value 72 \
    entries 32768 name ng_fast_brstats
bpftool map create "$d/ng_fast_brcache" type percpu_array key 4 value 40 \
    entries 256 name ng_fast_brcache
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

# --- a journal of the fast path, read by an ngd without it ----------------
start_ngd
ngctl mkpeer eiface ether ether
ngctl msg ngeth0: vnet '"fa"'
m0=$(mac fa ngeth0)
journal_has " name=ngeth0 mac=$m0 .* placed=fa( |$)"
kill -9 "$NGD_PID"
wait "$NGD_PID" 2>/dev/null
NGD_PID=
NGD_FASTPATH=0 start_ngd
expect "TAP model after the fast path: its leftovers removed" "" "$(leftover)"
expect "... the interface made anew as a TAP in its jail, name and MAC kept" "tun $m0" \
    "$(ip netns exec fa ethtool -i ngeth0 | sed -n 's/driver: //p') $(mac fa ngeth0)"
stop_ngd
expect "... and a clean stop of it leaves no interface" "" "$(ip -o link show | grep ngeth; ip -n fa -o link show | grep ngeth)"

# --- a takeover by an ngd without the fast path -----------------------------
start_ngd
ngctl mkpeer eiface ether ether
ngctl mkpeer eiface ether ether
ngctl connect ngeth0: ngeth1: ether ether
ngctl msg ngeth1: vnet '"fb"'
m1=$(mac fb ngeth1)
old=$NGD_PID
NGD_FASTPATH=0 ngd -d --takeover 2>>"$NGD_LOG" &
NGD_PID=$!
for _ in $(seq 250); do kill -0 "$old" 2>/dev/null || break; sleep 0.02; done
wait "$old" 2>/dev/null
expect "taken over by the TAP model: TAPs with the same names, MACs, places" "tun $m1 ngeth0" \
    "$(ip netns exec fb ethtool -i ngeth1 | sed -n 's/driver: //p') $(mac fb ngeth1) $(ngctl show ngeth1: | awk '$1 == "ether" { print $2 }')"
expect "... the fast path's pins, mount and pairs removed" "" "$(leftover)"
ip addr add 198.18.10.1/24 dev ngeth0 && ip link set ngeth0 up
ip -n fb addr add 198.18.10.2/24 dev ngeth1 && ip -n fb link set ngeth1 up
expect "... and they forward (through ngd)" 3 "$(ping -c 3 -i 0.02 -W 2 198.18.10.2 | sed -nE 's/.* ([0-9]+) received.*/\1/p')"
stop_ngd

# --- a graph that died with its namespace: the next ngd sweeps its pins ----
ip netns add fj
nss="$nss fj"
# (nsenter, not ip netns exec, whose private mount namespace would hide
# the data plane's mount and take it down with ngd)
nsenter --net=/run/netns/fj ngd -d 2>>"$NGD_LOG" &
jpid=$!
for _ in $(seq 100); do nsenter --net=/run/netns/fj ngctl -N list >/dev/null 2>&1 && break; sleep 0.02; done
nsenter --net=/run/netns/fj ngctl mkpeer eiface ether ether
expect "a jail's ngd pins its own data plane" 1 "$(grep -c ' /run/netgraph/[0-9]*/dataplane ' /proc/self/mountinfo)"
fjdir=$(ls /run/netgraph)
kill -9 $jpid
wait $jpid 2>/dev/null
ip netns del fj
for _ in $(seq 100); do [ -z "$(ends)" ] && break; sleep 0.05; done
expect "... its pair went with its namespace" "" "$(ends)"
start_ngd
expect "the next ngd, of another namespace, removes its pins and mount" "" "$(leftover)"
grep -q 'data plane of a graph that is gone' "$NGD_LOG" && ok "... and says so" || fail "... and says so"
# (and its journal directory, as any dead graph's: journal_gc.c)
# The kernel reuses a dead namespace's inode number, often for the data
# plane the next ngd makes; the collector then cannot prove the graph's
# namespace gone and keeps its directory (never the other way round).
ino=$(sed -n 's/^netns //p' "/run/netgraph/$fjdir/netns" 2>/dev/null)
reused=gone
for p in /proc/[0-9]*; do
	ls -l "$p/ns/net" "$p/fd" 2>/dev/null | grep -q "net:\[$ino\]" && reused=there
done
[ -n "$ino" ] || reused=gone
expect "... and its journal directory goes too (unless its inode was reused)" \
    "$reused" "$([ -e "/run/netgraph/$fjdir" ] && echo there || echo gone)"
stop_ngd

# --- no bpffs: the namespace alone is kept -----------------------------------
mkdir "$tmp/nobpf"
NGD_BPF_DIR=$tmp/nobpf start_ngd
ngctl mkpeer eiface ether ether
ngctl mkpeer eiface ether ether
ngctl connect ngeth0: ngeth1: ether ether
ngctl msg ngeth1: vnet '"fb"'
ip addr add 198.18.10.1/24 dev ngeth0 && ip link set ngeth0 up
ip -n fb addr add 198.18.10.2/24 dev ngeth1 && ip -n fb link set ngeth1 up
i1=$(idx fb ngeth1)
journal_has " name=ngeth1 [^ ]* ifindex=$i1 .* placed=fb( |$)" && journal_has '^hook ' 1
kill -9 "$NGD_PID"
wait "$NGD_PID" 2>/dev/null
NGD_PID=
expect "no bpffs: nothing pinned there, the data plane mounted" "0 1" \
    "$(ls "$tmp/nobpf" | wc -l) $(grep -c ' /run/netgraph/[0-9]*/dataplane ' /proc/self/mountinfo)"
NGD_BPF_DIR=$tmp/nobpf start_ngd
expect "... the pair taken back, address kept" "$i1 198.18.10.2/24" "$(idx fb ngeth1) $(addr fb ngeth1)"
kill -STOP "$NGD_PID"
expect "... its program attached anew (ngd stopped)" 3 "$(ping -c 3 -i 0.02 -W 1 198.18.10.2 | sed -nE 's/.* ([0-9]+) received.*/\1/p')"
kill -CONT "$NGD_PID"
NGD_BPF_DIR=$tmp/nobpf stop_ngd
expect "... and a clean stop leaves nothing" "" "$(leftover)"

# --- SIGKILL with retired pairs pending ---------------------------------------
# vnet makes an eiface's pair anew where it goes and retires the old one
# (its interface renamed ngret<N> and down; the pairs deleted in one
# batch 20 ms after the last, fastpath.c).  ngd killed at once after 20
# vnets leaves some; the next ngd deletes them, takes back the pairs the
# graph has where they are, and makes em0's uplinks anew:
#   ngeth0..3 --link0..3-- br (bridge) --link4, link5-- em0 (lower, upper)
# rets: the ngret<N> devices, wherever they are
rets() { for n in "" $nss; do ip ${n:+-n $n} -o link show; done 2>/dev/null | grep -o ' ngret[0-9]*' | xargs; }
# uplinks: ngd's ends (ngu<N>) and the data plane's (ngdu<N>)
uplinks() {
	echo "$(ip -o link show | grep -c ': ngu[0-9]') $(nsenter --net="$(dataplane)" ip -o link show | grep -c ': ngdu[0-9]')"
}
ip link add em0 type veth peer name em1
ip link set em0 up && ip link set em1 up
start_ngd
for i in 0 1 2 3; do ngctl mkpeer eiface ether ether; done
ngctl -f - <<'EOS'
mkpeer em0: bridge lower link4
name em0:lower br
connect em0: br: upper link5
connect ngeth0: br: ether link0
connect ngeth1: br: ether link1
connect ngeth2: br: ether link2
connect ngeth3: br: ether link3
EOS
expect "a bridge of four eifaces and em0: two uplinks" "2 2" "$(uplinks)"
places=(fa fb fc fd fe ff "")
: >"$tmp/vnets"
for k in $(seq 0 19); do
	where[k % 4]=${places[k % 7]}
	echo "msg ngeth$((k % 4)): vnet \"${places[k % 7]}\"" >>"$tmp/vnets"
done
# (again, up to 3 times, should the batch have gone before the kill:
# each round moves every eiface, and ends with them in the same places)
for try in 1 2 3; do
	ngctl -f "$tmp/vnets"
	kill -9 "$NGD_PID"
	wait "$NGD_PID" 2>/dev/null
	NGD_PID=
	n=$(rets | wc -w)
	start_ngd
	[ "$n" -gt 0 ] && break
done
[ "$n" -gt 0 ] && ok "SIGKILL right after 20 vnets: $n retired pairs left (round $try)" ||
	fail "SIGKILL right after 20 vnets: no retired pair left (3 rounds)"
expect "... the next ngd deletes every ngret<N>, wherever it was" "" "$(rets)"
expect "... every eiface taken back where the last vnet put it (a veth)" \
    "veth veth veth veth" \
    "$(for i in 0 1 2 3; do ip ${where[i]:+-n ${where[i]}} -d -o link show ngeth$i | grep -o 'veth' | head -1; done | xargs)"
expect "... four graph-side ends, each pinned" "4 $(ends)" "$(ends | wc -w) $(pins)"
expect "... em0's two uplinks, made anew" "2 2" "$(uplinks)"
ip ${where[0]:+-n ${where[0]}} addr add 198.18.11.1/24 dev ngeth0
ip ${where[0]:+-n ${where[0]}} link set ngeth0 up
ip ${where[1]:+-n ${where[1]}} addr add 198.18.11.2/24 dev ngeth1
ip ${where[1]:+-n ${where[1]}} link set ngeth1 up
expect "... and the bridge forwards between them" 3 \
    "$(ip netns exec ${where[0]} ping -c 3 -i 0.02 -W 1 198.18.11.2 | sed -nE 's/.* ([0-9]+) received.*/\1/p')"
stop_ngd
ip link del em0
expect "... and SIGTERM leaves nothing" "" "$(leftover; rets)"

# --- the graph emptied, then SIGTERM: nothing left --------------------------
start_ngd
ngctl mkpeer eiface ether ether
ngctl mkpeer eiface ether ether
ngctl connect ngeth0: ngeth1: ether ether
ngctl msg ngeth1: vnet '"fb"'
[ -n "$(pins)" ] && ok "pinned while an eiface is there" || fail "pinned while an eiface is there"
ngctl shutdown ngeth0:
ngctl shutdown ngeth1:
expect "the graph emptied: no pin, no mount, no pair" "" "$(leftover)"
ngctl mkpeer eiface ether ether
ngctl msg ngeth0: vnet '"fa"'
[ -n "$(pins)" ] && ok "pinned again with a new eiface" || fail "pinned again with a new eiface"
stop_ngd
expect "SIGTERM: no pin, no mount, no pair, no run directory" "" \
    "$(leftover; ls /run/netgraph | grep -vx "$fjdir")"
finish
