#!/usr/bin/env bash
# timeout: 120
# The kernel fast path outlives ngd, continued from fastpath_restart.sh
# (DESIGN decisions 11 and 12, issue 18; README "The kernel fast path",
# Lifetime; tests/fast_restart.sh has the helpers):
#  - an ngd without the fast path removes what a fast-path one left and
#    makes the interfaces anew as TAPs with their names and MACs, after
#    a crash and in a takeover;
#  - a graph whose namespace died while its ngd was dead: the next ngd,
#    of any namespace, removes its data plane's pins and mount;
#  - without a bpffs the namespace alone is kept: pairs taken back, their
#    programs attached anew;
#  - killed with retired pairs pending, the next ngd deletes them and
#    takes back the pairs where the graph has them;
#  - SIGTERM, and the graph emptied, leave nothing: no pin, no mount, no
#    data-plane device, no interface.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/../fast_restart.sh"
for n in $nss; do ip netns add $n; done

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
for _ in $(seq 1500); do kill -0 "$old" 2>/dev/null || break; sleep 0.02; done
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
# (and ng_ether's programs, in the graph's ether/, for a hooked ether node)
ip -n fj link add ej0 type veth peer name ej1
nsenter --net=/run/netns/fj ngctl mkpeer ej0: tee lower left
expect "... and its ether node's programs" 1 "$(ls -d "$bpfdir"/*/ether 2>/dev/null | wc -l)"
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

# --- a graph of ether nodes alone (no data plane) that died with its namespace:
# its ether programs' pins go with its journal directory ---------------------
ip netns add fk
nss="$nss fk"
nsenter --net=/run/netns/fk ngd -d 2>>"$NGD_LOG" &
kpid=$!
for _ in $(seq 500); do nsenter --net=/run/netns/fk ngctl -N list >/dev/null 2>&1 && break; sleep 0.02; done
ip -n fk link add ek0 type veth peer name ek1
nsenter --net=/run/netns/fk ngctl mkpeer ek0: tee lower left
fkdir=$(ls /run/netgraph)
expect "a jail's ngd with an ether node alone pins its programs, and has no data plane" \
    "$fkdir/ether /" "$(cd "$bpfdir" 2>/dev/null && ls -d */ether) /$(ls /run/netgraph/*/dataplane 2>/dev/null)"
kill -9 $kpid
wait $kpid 2>/dev/null
ino=$(sed -n 's/^netns //p' "/run/netgraph/$fkdir/netns" 2>/dev/null)
ip netns del fk
start_ngd
reused=gone
for p in /proc/[0-9]*; do
	ls -l "$p/ns/net" "$p/fd" 2>/dev/null | grep -q "net:\[$ino\]" && reused=there
done
[ -n "$ino" ] || reused=gone
for _ in $(seq 500); do [ -e "$bpfdir/$fkdir" ] || break; sleep 0.02; done
expect "the next ngd removes its pins with its journal directory (unless its inode was reused)" \
    "$reused $reused" \
    "$([ -e "/run/netgraph/$fkdir" ] && echo there || echo gone) $([ -e "$bpfdir/$fkdir" ] && echo there || echo gone)"
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
# (the shut-down pairs, renamed ngret<n>, go in a batch after the reply)
for _ in $(seq 500); do [ -z "$(rets)" ] && break; sleep 0.02; done
expect "the graph emptied: no pin, no mount, no pair" "" "$(leftover)"
ngctl mkpeer eiface ether ether
ngctl msg ngeth0: vnet '"fa"'
[ -n "$(pins)" ] && ok "pinned again with a new eiface" || fail "pinned again with a new eiface"
stop_ngd
expect "SIGTERM: no pin, no mount, no pair, no run directory" "" \
    "$(leftover; ls /run/netgraph | grep -vx "$fjdir")"
finish
