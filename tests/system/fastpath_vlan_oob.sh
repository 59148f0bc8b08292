#!/usr/bin/env bash
# A vlan node's out-of-band tag reaches the interface, in both device
# models (DESIGN decision 11): a filter's frames with setencap's filter
# bit off, and nomatch's with setdecap 1, carry their tag beside the
# frame (FreeBSD's M_VLANTAG), which an eiface's interface receives as a
# tagged frame.  ngd wrote such frames to the TAP untagged (the tag was
# lost: the trunk got VLAN 10's frames untagged), and the eiface refused
# a short one (under 18 bytes with an 802.1ad type after the tag) that
# the interface gets whole with its tag (found by diff_fast_ngd, seed 112).
#
#   ns fa: a --ether-- v10 [V] downstream --ether-- t :ns ft
#   ns fn: nm --ether-- nomatch [V]
source "$(dirname "$0")/../lib.sh"
NS="ft fa fn"
trap 'for n in $NS; do ip netns del $n 2>/dev/null; done; stop_ngd; rm -rf "$tmp"' EXIT

# send NS IF HEX...: each frame (hex) out of NS's IF
send() {
	local ns=$1 ifc=$2
	shift 2
	ip netns exec "$ns" python3 -c 'import socket, sys
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind((sys.argv[1], 0))
for f in sys.argv[2:]:
	s.send(bytes.fromhex(f))' "$ifc" "$@"
}
# seen NAME NS IF FILTER RE FROM_NS FROM_IF HEX: the frame HEX sent out
# of FROM_NS's FROM_IF; ok NAME if the first frame that FILTER matches on
# NS's IF (tcpdump -e's line) matches RE (grep's), else a FAIL with that
# line
seen() {
	local d
	d=$(on_wire "$2" "$3" 1 "$4" send "$6" "$7" "$8")
	if grep -q "$5" <<<"$d"; then
		ok "$1"
	else
		fail "$1: on $3: $(head -n 1 <<<"${d:-nothing}")"
	fi
}

scenario() {
	local m=$1 pad
	pad=$(printf '%092d' 0) # 46 bytes
	start_ngd || return
	for _ in 0 1 2; do ngctl mkpeer eiface ether ether; done
	ngctl -f - <<'END'
name ngeth0: t
name ngeth1: a
name ngeth2: nm
mkpeer t: vlan ether downstream
name t:ether V
connect V: a: v10 ether
connect V: nm: nomatch ether
msg V: addfilter { hook="v10" vid=10 pcp=3 }
msg V: setencap 0
END
	quiet_netns $NS
	for p in ft:t fa:a fn:nm; do
		ngctl msg "${p#*:}:" vnet "\"${p%:*}\""
		ip -n "${p%:*}" link set dev "${p#*:}" up
	done

	# a filter's frame, tagged out of band (setencap 0), leaves by the trunk
	# with its tag
	seen "$m: setencap 0: a's frame leaves the trunk tagged VID 10 PCP 3" \
	    ft t "ether proto 0x88b5 or vlan" \
	    "ethertype 802.1Q (0x8100), length 64: vlan 10, p 3, ethertype .*0x88b5" \
	    fa a "ffffffffffff02000000000a88b5$pad"

	# nomatch with decap: the frame without its tag inline, the tag beside
	# it: nm receives it tagged
	ngctl msg V: setdecap 1
	seen "$m: setdecap 1: VID 40 reaches nomatch's interface tagged" \
	    fn nm "ether proto 0x88b5 or vlan" \
	    "ethertype 802.1Q (0x8100), length 64: vlan 40, p 0, ethertype .*0x88b5" \
	    ft t "ffffffffffff0200000000bb81000028""88b5$pad"
	# ... a short one too: 21 bytes in, 17 with the tag out of band (an
	# 802.1ad type after it), which the interface gets as 21 bytes
	seen "$m: setdecap 1: a 21-byte frame of VID 41 reaches nm whole" \
	    fn nm "ether proto 0x88a8 or vlan" \
	    "ethertype 802.1Q (0x8100), length 21: vlan 41, p 0" \
	    ft t "ffffffffffff0200000000bb8100002988a8aabbcc"
	expect "$m: ... none refused by nm's eiface" 0 "$(hs nm: ether recvDrops)"
	stop_ngd
	for n in $NS; do ip netns del $n 2>/dev/null; done
}

NGD_FASTPATH=1 scenario fast
NGD_FASTPATH=0 scenario tap
finish
