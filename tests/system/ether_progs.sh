#!/usr/bin/env bash
# ng_ether's tc programs are pinned by build as the fast path's are
# (fastpath_progs.sh): <bpf dir>/<cookie>/ether/p-<build>-<name>, with
# their maps.  A takeover or a restart after SIGKILL by an ngd of the same
# build runs them on (the interface's links run the very programs: their
# ids), none is loaded or verified again; one of another build (here the
# pins renamed as another build's) loads its own, and the other build's
# pins and programs go.  A clean stop unpins them.
#
#   w0 (ns wire) ==== em0 --lower-- tee --upper-- em0   every frame via ngd
source "$(dirname "$0")/../lib.sh"
export NGD_LOG=$tmp/ngd.log
trap 'stop_ngd; kill $(ngd_serving) 2>/dev/null; ip netns del wire 2>/dev/null; ip link del em0 2>/dev/null; rm -rf "$tmp"' EXIT
bpfdir=/sys/fs/bpf/netgraph
bpf_pins || finish

# the ids of the ng_ether programs ngd's links run (em0's and its TAPs'),
# one line
linked() { held_progs ng_ether_; }
# the ids of the pinned programs, one line
pinned() { pinned_ids "$bpfdir"/*/ether/p-*; }
progpins() { ls "$bpfdir"/*/ether/ 2>/dev/null | grep '^p-' | paste -sd' '; }
build() { progpins | sed -E 's/^p-([0-9a-f]{16})-.*/\1/'; }
forwards() { [ "$(pings wire 198.18.31.1 3)" = 3 ]; }
# the owner of em0's slot in ng_ether_ifs (the array in front of the
# hash: ng_ether_bpf.h), which the programs read first
slotowner() {
	local i
	i=$(cat /sys/class/net/em0/ifindex)
	bpftool -j map lookup pinned "$(echo "$bpfdir"/*/ether/ng_ether_ifs)" \
	    key $((i & 255)) $(((i >> 8) & 3)) 0 0 |
	    python3 -c 'import json, sys; print(int.from_bytes(bytes(int(b, 16) for b in json.load(sys.stdin)["value"][:4]), "little"))'
}

quiet_netns wire
wire_veth em0 wire w0 198.18.31.2/24
ip addr add 198.18.31.1/24 dev em0
start_ngd || finish
ngctl mkpeer em0: tee lower left && ngctl name em0:lower t &&
    ngctl connect t: em0: right upper || fail "the tee is made"
expect_rc "em0's frames through ngd" 0 forwards
h=$(build | cut -d' ' -f1)
expect "the programs are pinned, named after their build" \
    "p-$h-ng_ether_in p-$h-ng_ether_out p-$h-ng_ether_tap_lower p-$h-ng_ether_tap_upper" \
    "$(progpins)"
ids=$(pinned)
expect "... em0's links and its TAPs' run the four pinned ones" "$ids" "$(linked)"

# --- the same build: run on ---------------------------------------------------
expect_rc "ngd --takeover (the same build)" 0 ngd_takeover
expect "... the same programs pinned (not loaded again)" "$ids" "$(pinned)"
expect "... em0's links run the same programs" "$ids" "$(linked)"
expect_rc "... and em0's frames go through ngd" 0 forwards
expect "... em0's slot filled again (in front of the hash)" "$(cat /sys/class/net/em0/ifindex)" "$(slotowner)"
grep -q "ether: the last ngd's programs are this build's: they run on" "$NGD_LOG" &&
    ok "... and says so" || fail "... and says so"

kill -KILL "$NGD_PID"
wait "$NGD_PID" 2>/dev/null
NGD_PID=
start_ngd
expect "SIGKILL, a new ngd: the same programs" "$ids" "$(pinned)"
expect "... em0's links run them" "$ids" "$(linked)"
expect_rc "... and em0's frames go through ngd" 0 forwards
expect "... em0's slot filled again" "$(cat /sys/class/net/em0/ifindex)" "$(slotowner)"

# --- another build: its own programs -----------------------------------------
other=0123456789abcdef
pins_as_build "$h" "$other" "$bpfdir"/*/ether/p-"$h"-*
expect_rc "ngd --takeover (the pins another build's)" 0 ngd_takeover
new=$(pinned)
expect "... programs of its own" 4 "$(comm -23 <(echo "$new" | tr ' ' '\n' | sort) <(echo "$ids" | tr ' ' '\n' | sort) | wc -l)"
expect "... pinned under this build, the other build's unpinned" \
    "p-$h-ng_ether_in p-$h-ng_ether_out p-$h-ng_ether_tap_lower p-$h-ng_ether_tap_upper" \
    "$(progpins)"
expect "... em0's links run the new ones" "$new" "$(linked)"
for i in $ids; do
	bpftool prog show id "$i" >/dev/null 2>&1 && fail "... program $i of the other build is still there"
done
expect_rc "... and em0's frames go through ngd" 0 forwards

# --- a takeover that fails: the old ngd's programs pinned again -------------
# (the new one, here of "another build" as the pins are renamed, pinned
# its own before it died; a later takeover of the old one's build must
# find the programs the links run)
ids=$new
pins_as_build "$h" "$other" "$bpfdir"/*/ether/p-"$h"-*
dying_takeover "a new ngd that dies before its ok"
expect "... the old one serves on" "$NGD_PID" "$(ngd_serving)"
expect "... its programs pinned again under its build, no others" \
    "$ids / p-$h-ng_ether_in p-$h-ng_ether_out p-$h-ng_ether_tap_lower p-$h-ng_ether_tap_upper" \
    "$(pinned) / $(progpins)"
expect_rc "... and em0's frames go through it" 0 forwards
expect_rc "ngd --takeover (the same build)" 0 ngd_takeover
expect "... em0's links run the programs pinned, the old one's" \
    "$ids / $ids" "$(linked) / $(pinned)"
expect_rc "... and em0's frames go through ngd" 0 forwards

stop_ngd
expect "a clean stop unpins them" "" "$(ls -A $bpfdir 2>/dev/null)"
finish
