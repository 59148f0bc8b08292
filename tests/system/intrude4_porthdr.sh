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

# wire.py PLAN OUT WANT NS...: an AF_PACKET socket on each NS's eNS; the
# plan's "send NS HEX" lines sent in turn while every frame that reaches
# a socket (not one it sent) with a probe's source MAC is noted, the tag
# the kernel took out of band put back; OUT: "NS: SRC LEN HEX" sorted,
# once WANT have come and then nothing for a second (20 s at most).
cat >"$tmp/wire.py" <<'EOF'
import ctypes, os, select, socket, struct, sys, threading, time
ETH_P_ALL, SOL_PACKET, PACKET_AUXDATA = 3, 263, 8
TP_STATUS_VLAN_VALID, TP_STATUS_VLAN_TPID_VALID = 0x10, 0x40
libc = ctypes.CDLL(None, use_errno=True)
plan, out, want, names = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4:]
socks = {}
for ns in names:
    fd = os.open("/run/netns/" + ns, os.O_RDONLY)
    if libc.setns(fd, 0x40000000) != 0:
        sys.exit("setns %s: %s" % (ns, os.strerror(ctypes.get_errno())))
    os.close(fd)
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    s.bind(("e" + ns, 0))
    s.setsockopt(SOL_PACKET, PACKET_AUXDATA, 1)
    socks[ns] = s
got, done = [], False
def sniff():
    by = {s.fileno(): ns for ns, s in socks.items()}
    while not done:
        for s in select.select(list(socks.values()), [], [], 0.05)[0]:
            d, anc, _, addr = s.recvmsg(65536, socket.CMSG_SPACE(20))
            if addr[2] == socket.PACKET_OUTGOING:
                continue
            for lvl, typ, data in anc:
                if lvl == SOL_PACKET and typ == PACKET_AUXDATA:
                    st, _, _, _, _, tci, tpid = struct.unpack("IIIHHHH", data[:20])
                    if st & TP_STATUS_VLAN_VALID:
                        if not st & TP_STATUS_VLAN_TPID_VALID:
                            tpid = 0x8100
                        d = d[:12] + struct.pack("!HH", tpid, tci) + d[12:]
            if d[6:10] == b"\x02\x00\x00\x00":
                got.append((by[s.fileno()], d[6:12].hex(), len(d), d.hex()))
t = threading.Thread(target=sniff)
t.start()
time.sleep(0.2)
for line in open(plan):
    w = line.split()
    socks[w[1]].send(bytes.fromhex(w[2]))
# what crosses ngd on a loaded machine may come late
for _ in range(20):
    n = len(got)
    time.sleep(1)
    if len(got) == n and n >= want:
        break
done = True
t.join()
with open(out, "w") as f:
    for g in sorted(got):
        f.write("%s: %s %d %s\n" % g)
EOF

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
# the frames ngd wrote into the data plane's TAP (for ports), 0 without
written() {
	local d
	d=$(echo /run/netgraph/*/dataplane)
	[ -e "$d" ] || { echo 0; return; }
	nsenter --net="$d" cat /proc/net/dev | sed 's/^ *//' |
	    awk -F'[: ]+' '$1 ~ /^ngslow/ { n += $3 } END { print n + 0 }'
}
# the bridge's counters: link0 in (from a), link1 and link2 out (b, c);
# what ngd wrote into the TAP
counts() { echo "$(stat 0 recvPackets) $(stat 1 xmitPackets) $(stat 2 xmitPackets) $(written)"; }

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
	python3 "$tmp/wire.py" "$tmp/plan" "$tmp/$mode.learn" 0 $NS
	counts >"$tmp/$mode.before"
	: >"$tmp/plan"
	for len in 14 15 16 17 18 19 20 60; do
		echo "send a $(frame 1 $len "$B")" >>"$tmp/plan"
		echo "send d $(frame 2 $len $bc)" >>"$tmp/plan"
		echo "send x $(frame 3 $len $bc)" >>"$tmp/plan"
		# tagged (VID 10): 20 bytes and more cross a kernel's receive
		[ $len -ge 16 ] && echo "send t $(frame 4 $len $bc 8100000a)" >>"$tmp/plan"
	done
	python3 "$tmp/wire.py" "$tmp/plan" "$tmp/$mode.got" \
	    "$(want "$B" $mode | wc -l)" $NS
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
