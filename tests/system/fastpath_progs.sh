#!/usr/bin/env bash
# The kernel fast path's programs outlive ngd with its maps (DESIGN
# decision 12): pinned as p-<build>-<name>, <build> a hash of their
# object.  The next ngd of the same build (a reload, a restart after a
# crash) runs them on: the links keep the very programs (their ids), none
# is loaded or verified again.  One of another build (an upgrade: here
# the pins renamed as another build's) loads its own and swaps them into
# the links, and the other build's pins go; so does one that finds a map
# the programs use made anew (its pin removed: they would not see it).
# The ids the last ngd gave that no pair has are cleared once the next
# serves.  A takeover that fails (the new ngd dies before its ok) leaves
# the old one's slow path its own: frames through ngd reach it.
#
#   ngeth0 (fa) --ether-- ngeth1 (fb)   direct: in the kernel
source "$(dirname "$0")/../lib.sh"
export NGD_LOG=$tmp/ngd.log NGD_FASTPATH=1
trap 'stop_ngd; kill $(ngd_serving) 2>/dev/null; for n in fa fb fc fd; do ip netns del $n 2>/dev/null; done; rm -rf "$tmp"' EXIT
bpfdir=/sys/fs/bpf/netgraph
bpf_pins || finish
command -v strace >/dev/null || { fail "strace is needed (scripts/deps installs it)"; finish; }

# the program ids the pinned links run, one line
linked() {
	local f
	for f in "$bpfdir"/*/port*; do
		bpftool -j link show pinned "$f" |
		    python3 -c 'import json, sys; print(json.load(sys.stdin)["prog_id"])'
	done | sort -u | paste -sd' '
}
# the programs' pins, names only
progpins() { ls "$bpfdir"/*/ | grep '^p-' | paste -sd' '; }
build() { progpins | sed -E 's/^p-([0-9a-f]{16})-.*/\1/'; }
forwards() { [ "$(pings fa 198.18.9.2 3)" = 3 ]; }
# ngd_takeover with the new ngd's bpf() calls traced into $tmp/bpf.trace
# (the old one gone within 30 s: strace slows the new one down)
traced_takeover() {
	local old
	old=$(ngd_serving)
	strace -f -qq -e trace=bpf -o "$tmp/bpf.trace" ngd -d --takeover \
	    2>>"$NGD_LOG" &
	for _ in $(seq 1500); do kill -0 "$old" 2>/dev/null || break; sleep 0.02; done
	! kill -0 "$old" 2>/dev/null
}
# the data plane's slow-path TAPs, NAME@INDEX
slowtaps() {
	nsenter --net="$(echo /run/netgraph/*/dataplane)" ip -o link show |
	    awk -F': ' '$2 ~ /^ngslow/ { print $2 "@" $1 }' | xargs
}
# the program ids of the fast path's links ngd holds (its eifaces' ends'
# and its slow-path TAP's), sorted, one line
heldlinks() { held_progs ng_fast_; }
# the ids of the programs pinned under this build, sorted, one line
pinnedprogs() { pinned_ids "$bpfdir"/*/p-"$h"-*; }
# the id of the pinned port program
pinned_port() { pinned_ids "$bpfdir"/*/p-"$h"-ng_fast_port; }

start_ngd
ngctl mkpeer eiface ether ether && ngctl mkpeer eiface ether ether &&
    ngctl connect ngeth0: ngeth1: ether ether || fail "the graph is made"
ip netns add fa && ip netns add fb
ngctl msg ngeth0: vnet '"fa"' && ngctl msg ngeth1: vnet '"fb"'
ip -n fa addr add 198.18.9.1/24 dev ngeth0 && ip -n fa link set ngeth0 up
ip -n fb addr add 198.18.9.2/24 dev ngeth1 && ip -n fb link set ngeth1 up
link_up fa ngeth0 && link_up fb ngeth1
expect_rc "the direct edge forwards" 0 forwards
h=$(build | cut -d' ' -f1)
expect "the programs are pinned, named after their build" \
    "p-$h-ng_fast_port p-$h-ng_fast_slowq p-$h-ng_fast_steer p-$h-ng_fast_tap" \
    "$(progpins)"
expect "... the links run one program, the pinned one" "$(pinned_port)" "$(linked)"
ids=$(linked)

# --- the same build: run on ---------------------------------------------------
# (a link's update takes the RTNL lock even to the program it runs)
expect_rc "ngd --takeover (the same build, its bpf() calls traced)" 0 \
    traced_takeover
expect "... no link is updated (they run its program already)" 0 \
    "$(grep -c 'BPF_LINK_UPDATE' "$tmp/bpf.trace")"
expect "... the links run the same program" "$ids" "$(linked)"
expect_rc "ngd --takeover (the same build)" 0 ngd_takeover
expect "... the links run the same program (not loaded again)" "$ids" "$(linked)"
expect "... the same pins" \
    "p-$h-ng_fast_port p-$h-ng_fast_slowq p-$h-ng_fast_steer p-$h-ng_fast_tap" \
    "$(progpins)"
expect_rc "... and it forwards" 0 forwards
grep -q "the last ngd's programs are this build's: they run on" "$NGD_LOG" &&
    ok "... and says so" || fail "... and says so"

kill -KILL "$NGD_PID"
wait "$NGD_PID" 2>/dev/null
NGD_PID=
expect_rc "SIGKILL: the edge forwards with no ngd" 0 forwards
start_ngd
expect "... the next ngd runs the same program" "$ids" "$(linked)"
expect_rc "... and it forwards" 0 forwards

# --- an id the last ngd left to no pair: cleared once the next one serves -----
# (ng_fast_ids swept a slice a loop pass: id 30000 -> ifindex 12345)
idval() { bpftool -j map lookup pinned "$(echo $bpfdir/*)/ng_fast_ids" key 0x30 0x75 0 0 |
    python3 -c 'import json, sys; print(int.from_bytes(bytes(int(b, 16) for b in json.load(sys.stdin)["value"]), "little"))'; }
bpftool map update pinned "$(echo $bpfdir/*)/ng_fast_ids" key 0x30 0x75 0 0 value 0x39 0x30 0 0 &&
    expect "a stale id written" 12345 "$(idval)"
kill -KILL "$NGD_PID"
wait "$NGD_PID" 2>/dev/null
start_ngd
for _ in $(seq 100); do [ "$(idval)" = 0 ] && break; sleep 0.02; done
expect "... the next ngd clears it" 0 "$(idval)"
expect_rc "... and it forwards" 0 forwards

# --- another build: its own programs -----------------------------------------
other=0123456789abcdef
pins_as_build "$h" "$other" "$bpfdir"/*/p-"$h"-*
expect_rc "ngd --takeover (the pins another build's)" 0 ngd_takeover
new=$(linked)
expect "... the links run a program of their own" 1 \
    "$([ -n "$new" ] && [ "$new" != "$ids" ] && [ "${new// /}" = "$new" ] && echo 1)"
expect "... pinned under this build, the other build's unpinned" \
    "p-$h-ng_fast_port p-$h-ng_fast_slowq p-$h-ng_fast_steer p-$h-ng_fast_tap" \
    "$(progpins)"
expect "... the other build's program is gone" "" "$(bpftool prog show id "$ids" 2>/dev/null)"
expect_rc "... and it forwards" 0 forwards
grep -q "the last ngd's programs replaced by this one's" "$NGD_LOG" &&
    ok "... and says so" || fail "... and says so"

# --- a map made anew: the programs would not see it -------------------------
ids=$new
rm "$bpfdir"/*/ng_fast_cfg
expect_rc "ngd --takeover (a map the programs use not pinned)" 0 ngd_takeover
new=$(linked)
expect "... the links run a program loaded on the new map" 1 \
    "$([ -n "$new" ] && [ "$new" != "$ids" ] && echo 1)"
expect_rc "... the map pinned again" 0 test -e "$(echo $bpfdir/*)/ng_fast_cfg"
expect_rc "... and it forwards" 0 forwards

# --- a takeover that fails: the old ngd's slow path is its own again --------
# ngeth2 (fc) --left-- tee --right-- ngeth3 (fd): every frame through ngd
ip netns add fc && ip netns add fd
ngctl mkpeer eiface ether ether && ngctl mkpeer eiface ether ether &&
    ngctl mkpeer ngeth2: tee ether left && ngctl name ngeth2:ether t &&
    ngctl connect t: ngeth3: right ether &&
    ngctl msg ngeth2: vnet '"fc"' && ngctl msg ngeth3: vnet '"fd"' ||
    fail "the tee is made"
ip -n fc addr add 198.18.10.1/24 dev ngeth2 && ip -n fc link set ngeth2 up
ip -n fd addr add 198.18.10.2/24 dev ngeth3 && ip -n fd link set ngeth3 up
link_up fc ngeth2 && link_up fd ngeth3
expect "frames through ngd (a tee)" 3 "$(pings fc 198.18.10.2 3)"
dying_takeover "a new ngd that dies before its ok"
expect "... the old one serves on" "$NGD_PID" "$(ngd_serving)"
# (ngd says "takeover failed" first, then takes its data plane back:
# once it has answered a request it has; pings right after the line lost
# all three under load)
quiet ngctl list
expect "... and the frames through it reach it (not the dead one's TAP)" 3 \
    "$(pings fc 198.18.10.2 3)"


# --- a takeover serves on the last ngd's slow-path TAP ----------------------
# (handed over with the rest: making one, setting it up and attaching its
# programs took the RTNL lock several times)
taps=$(slowtaps)
expect "one slow-path TAP" 1 "$(echo "$taps" | wc -w)"
expect_rc "ngd --takeover (the same build)" 0 ngd_takeover
expect "... the slow-path TAP is the last ngd's (the same name and index)" \
    "$taps" "$(slowtaps)"
expect "... and the frames through ngd reach the new one" 3 \
    "$(pings fc 198.18.10.2 3)"

# --- an upgrade that fails: the old ngd's programs run and are pinned again --
# (the new one, of "another build" as the pins are renamed, swapped its
# programs into the links and pinned them before it died)
ids=$(linked)
expect "the links run the pinned program" "$ids" "$(pinned_port)"
pins_as_build "$h" "$other" "$bpfdir"/*/p-"$h"-*
dying_takeover "a new ngd of another build that dies before its ok"
expect "... the old one serves on" "$NGD_PID" "$(ngd_serving)"
expect "... the links run its program again" "$ids" "$(linked)"
held=$(heldlinks) pinned=$(pinnedprogs)
expect "... and every link it holds (its slow-path TAP's too) runs a program pinned as its build's" \
    "3 programs, none other" \
    "$(echo "$held" | wc -w) programs, none other$(for i in $held; do [[ " $pinned " == *" $i "* ]] || echo -n " but $i"; done)"
expect "... its programs pinned again under its build, no others" \
    "$ids / p-$h-ng_fast_port p-$h-ng_fast_slowq p-$h-ng_fast_steer p-$h-ng_fast_tap" \
    "$(pinned_port) / $(progpins)"
expect_rc "... and it forwards" 0 forwards
expect_rc "ngd --takeover (the same build)" 0 ngd_takeover
expect "... the links run the program pinned, the old one's" "$ids / $ids" \
    "$(linked) / $(pinned_port)"
expect_rc "... and it forwards" 0 forwards

stop_ngd
expect "a clean stop unpins them" "" "$(ls -A $bpfdir 2>/dev/null)"
finish
