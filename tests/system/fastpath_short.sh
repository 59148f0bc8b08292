#!/usr/bin/env bash
# Short frames through an eiface, both device models alike where they
# can be (DESIGN decision 11: the graph's behaviour is the same whichever
# path a frame takes; tests/short_frames.py sends and captures them):
#   graph -> interface (a socket hook on ngeth0's ether hook): 14 and
#     15 bytes arrive whole (the fast path lost them: too short for the
#     port's tag on the data plane's TAP); under 14 bytes, or 802.1Q or
#     802.1ad typed under 18, refused with EINVAL and counted in the
#     hook's recvDrops (the fast path took 12 and 13 and lost them,
#     uncounted), as FreeBSD's ether_input drops them with an input
#     error; an 18-byte tagged frame arrives on the fast path (as on
#     FreeBSD), and in the TAP model the kernel's receive drops it.
#   interface -> graph: 14 and 15 bytes reach the hook; a tagged frame
#     under 20 bytes does not in either model (the fast path's
#     graph-side end drops it on receipt, before any program; the TAP
#     model delivered it).
source "$(dirname "$0")/../lib.sh"
sf="/usr/bin/python3 $top/tests/short_frames.py"
trap 'ip netns del fa 2>/dev/null; stop_ngd; rm -rf "$tmp"' EXIT

# the frame short_frames.py makes of TYPE:LEN, as "LEN hex"
want() {
	local n=${1#*:} i f
	f=020000000001020000000002${1%:*}
	for ((i = 1; i <= n - 14; i++)); do f+=$(printf %02x "$i"); done
	echo "$n $f"
}

# upto N CMD...: until CMD prints N (10 s at most)
upto() {
	local n=$1
	shift
	for _ in $(seq 500); do [ "$("$@")" = "$n" ] && return; sleep 0.02; done
}

scenario() {
	local m=$1 e s r
	start_ngd
	ngctl mkpeer eiface ether ether
	quiet_netns fa
	ngctl msg ngeth0: vnet '"fa"'
	ip -n fa link set ngeth0 up

	# graph -> interface.  (Each scenario's files anew: a background
	# job's redirection truncates its file only once the job runs, and
	# under load the polls below read the last scenario's lines first.)
	rm -f "$tmp/a" "$tmp/a.err" "$tmp/s" "$tmp/b"
	ip netns exec fa $sf recv ngeth0 20 >"$tmp/a" 2>"$tmp/a.err" &
	r=$!
	listening "$tmp/a.err" # (the capture's start)
	rm -f "$tmp/hold"
	SHORT_HOLD=$tmp/hold nghook -e ngeth0: ether $sf send - \
	    0800:12 0800:13 0800:14 0800:15 0800:16 8100:14 8100:17 88a8:17 \
	    8100:18 88a8:19 8100:20 >"$tmp/s" 2>&1 &
	s=$!
	# (nghook says each refusal as it relays the frame, after the send)
	upto 5 grep -c 'Invalid argument' "$tmp/s"
	expect "$m: to the interface: under 14 bytes and tagged under 18 refused (EINVAL)" 5 "$(grep -c 'Invalid argument' "$tmp/s")"
	upto 5 hs ngeth0: ether recvDrops
	expect "$m: ... counted in the ether hook's recvDrops" 5 "$(hs ngeth0: ether recvDrops)"
	touch "$tmp/hold"
	wait $s
	upto 1 grep -c "^$(want 8100:20)\$" "$tmp/a" # (the last)
	kill $r 2>/dev/null
	wait $r 2>/dev/null
	want=$(for f in 0800:14 0800:15 0800:16; do want $f; done
		[ "$m" = fast ] && want 8100:18 && want 88a8:19
		want 8100:20)
	expect "$m: to the interface: what arrived, byte for byte" "$want" "$(cat "$tmp/a")"

	# interface -> graph
	nghook -e ngeth0: ether $sf recv - 20 2>"$tmp/b" &
	r=$!
	for _ in $(seq 100); do ngctl show ngeth0: | grep -q '^  ether ' && break; sleep 0.02; done
	ip netns exec fa $sf send ngeth0 0800:14 0800:15 8100:14 8100:17 \
	    8100:18 88a8:19 8100:20 0800:16 >/dev/null
	upto 1 grep -c "^$(want 0800:16)\$" "$tmp/b" # (the last)
	kill $r 2>/dev/null
	wait $r 2>/dev/null
	want=$(for f in 0800:14 0800:15 8100:20 0800:16; do want $f; done)
	expect "$m: from the interface: tagged under 20 bytes go nowhere, the rest whole" "$want" "$(cat "$tmp/b")"
	ip netns del fa
	stop_ngd
}

NGD_FASTPATH=1 scenario fast
NGD_FASTPATH=0 scenario tap
finish
