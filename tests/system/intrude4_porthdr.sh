#!/usr/bin/env bash
# timeout: 120
# The fast path's port header (src/bpf/ng_fast_bpf.h) against a jail's
# own frames: ngd writes a frame for an eiface into the data plane's TAP
# behind an 802.1Q tag holding the port's id, or, at 15 bytes or less,
# behind a header of type 0x88b5 with the id (ng_fast_tap takes it out
# and sends the frame on to that port).  A namespace's own frames of type
# 0x88b5, of every length from the shortest (14 bytes) past the header's
# (18, 19) to 60, whose next bytes name other ports (ids 1 to 8, every
# port here), cross
#   a bridge        ea (a) --link0-- br0 --link1-- eb (b), --link2-- ec (c)
#   a tee           ed (d) --left-- tee --right-- ee (e)   (ngd's path)
#   a vlan node     et (t) --downstream-- vl --v10-- ex (x)
# and must arrive where the graph sends them, byte for byte, and nowhere
# else (no port takes them for ngd's header), and be counted once: on
# the kernel fast path and on ngd's userspace path (NGD_FASTPATH=0)
# alike.  Frames are told apart by their source MAC (02:00:00:00:PP:LL:
# probe PP, length LL), as the shortest have no room for more.
source "$(dirname "$0")/../lib.sh"
export NGD_LOG=$tmp/ngd.log
NS="a b c d e t x"
cleanup() {
	for s in $NS; do ip netns del $s 2>/dev/null; done
	stop_ngd
	rm -rf "$tmp"
}
trap cleanup EXIT

# wire OUT WANT: $tmp/plan's "send NS HEX" lines sent in turn
# (tests/short_frames.py wire: a packet socket on each NS's eNS) while
# every frame that reaches a socket (not one it sent) is noted, the tag
# the kernel took out of band put back, until WANT have come and then
# nothing for a second; OUT: those with a probe's source MAC as
# "NS: SRC LEN HEX", sorted
wire() {
	python3 "$top/tests/short_frames.py" wire "$tmp/plan" "$tmp/wire.out" "$2" $NS &&
	    awk 'substr($3, 13, 8) == "02000000" { print $1 ": " substr($3, 13, 12), $2, $3 }' \
		"$tmp/wire.out" | sort >"$1"
}

mac() { ip -n "$1" link show "$2" | awk '/link\/ether/ { print $2 }' | tr -d :; }
# A payload that names ports 1..8 in every 2 bytes, behind 0x88b5 (and
# again after it: the header's id and the type it keeps)
body=88b50003000100020004000500060007000888b50003
# frame PROBE LEN DST [TAG]: LEN bytes (the tag's 4 on top), type 0x88b5
frame() {
	local src
	src=02000000$(printf %02x%02x "$1" "$2")
	echo "$3$src${4:-}$(printf %s "$body$(printf "%0100d" 0)" | cut -c1-$((2 * ($2 - 12))))"
}

# want B MODE: what must arrive: each probe where the graph sends it, as
# it was sent (the vlan node's tag put on or taken off)
want() {
	local len
	for len in 14 15 16 17 18 19 20 60; do
		echo "b: $(frame 1 $len "$1" | cut -c13-24) $len $(frame 1 $len "$1")"
		echo "e: $(frame 2 $len ffffffffffff | cut -c13-24) $len $(frame 2 $len ffffffffffff)"
		# x's 14 and 15 bytes, tagged: 18 and 19, too short for a
		# kernel's receive to take the tag out (skb_vlan_untag needs
		# 20), which drops them where ngd writes them (a TAP); the
		# fast path's vlan program tags them out of band, and they
		# arrive (FreeBSD's ether_input takes 18 bytes too)
		f=$(frame 3 $len ffffffffffff)
		[ $len -ge 16 ] || [ "$2" = fast ] &&
		    echo "t: ${f:12:12} $((len + 4)) ${f:0:24}8100000a${f:24}"
		if [ $len -ge 16 ]; then
			f=$(frame 4 $len ffffffffffff)
			echo "x: ${f:12:12} $len $f"
		fi
	done | sort
}

# stat LINK FIELD: a bridge link's counter (a field at 0 is not shown)
stat() {
	local v
	v=$(ngctl msg br0: getstats "$1" | grep -oE "$2=[0-9]+" | cut -d= -f2)
	echo "${v:-0}"
}
# the bridge's counters: link0 in (from a), link1 and link2 out (b, c);
# what ngd wrote into the data plane's TAP (for ports), 0 without
counts() { echo "$(stat 0 recvPackets) $(stat 1 xmitPackets) $(stat 2 xmitPackets) $(slowtap_stat 3)"; }

# run MODE: the whole set on a fresh ngd; what each namespace got, and
# the counters, in $tmp/MODE.got
run() {
	local mode=$1 fp s B bc=ffffffffffff
	fp=$([ "$mode" = fast ] && echo 1 || echo 0)
	NGD_FASTPATH=$fp start_ngd || return
	for s in $NS; do ngctl mkpeer eiface ether ether; done
	ngctl -f - <<'END'
name ngeth0: ea
name ngeth1: eb
name ngeth2: ec
name ngeth3: ed
name ngeth4: ee
name ngeth5: et
name ngeth6: ex
mkpeer ea: bridge ether link0
name ea:ether br0
connect br0: eb: link1 ether
connect br0: ec: link2 ether
mkpeer ed: tee ether left
name ed:ether tee
connect tee: ee: right ether
mkpeer et: vlan ether downstream
name et:ether vl
connect vl: ex: v10 ether
msg vl: addfilter { hook="v10" vid=10 }
END
	for s in $NS; do
		ip netns add $s
		ip netns exec $s sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
		    net.ipv6.conf.default.disable_ipv6=1
		ngctl msg e$s: vnet "\"$s\""
		ip -n $s link set e$s up
	done
	B=$(mac b eb)
	echo "$B" >"$tmp/$mode.B"
	# b known to the bridge: a's frames to B go to b alone
	: >"$tmp/plan"
	echo "send b $bc$B$(printf %s "$body$(printf "%0100d" 0)" | cut -c1-92)" >>"$tmp/plan"
	wire "$tmp/$mode.learn" 0
	counts >"$tmp/$mode.before"
	: >"$tmp/plan"
	for len in 14 15 16 17 18 19 20 60; do
		echo "send a $(frame 1 $len "$B")" >>"$tmp/plan"
		echo "send d $(frame 2 $len $bc)" >>"$tmp/plan"
		echo "send x $(frame 3 $len $bc)" >>"$tmp/plan"
		# tagged (VID 10): 20 bytes and more cross a kernel's receive
		[ $len -ge 16 ] && echo "send t $(frame 4 $len $bc 8100000a)" >>"$tmp/plan"
	done
	wire "$tmp/$mode.got" "$(want "$B" $mode | wc -l)"
	counts >"$tmp/$mode.after"
	for s in $NS; do ip netns del $s; done
	stop_ngd
}

run fast
run slow
for mode in fast slow; do
	expect "$mode: every probe arrives where the graph sends it, byte for byte, and nowhere else" \
	    "$(want "$(cat "$tmp/$mode.B")" $mode)" "$(cat "$tmp/$mode.got")"
	read -r a0 b0 c0 w0 <"$tmp/$mode.before"
	read -r a1 b1 c1 w1 <"$tmp/$mode.after"
	expect "$mode: the bridge counts a's 8 frames in, 8 out to b, none to c" \
	    "8 8 0" "$((a1 - a0)) $((b1 - b0)) $((c1 - c0))"
done
# the tee's frames to e (2 of them with the short header) went through
# ngd and its TAP on the fast path: what the header is for
expect "fast: ngd wrote the tee's 8 frames for e into the data plane's TAP" 1 \
    "$(($(cut -d' ' -f4 "$tmp/fast.after") - $(cut -d' ' -f4 "$tmp/fast.before") >= 8))"
exit "$NG_FAILED"
