#!/usr/bin/env bash
# timeout: 120
# Offload metadata from the wire: a peer on an ether port's veth sends
# frames with a virtio-net header of its choosing (PACKET_VNET_HDR), the
# kernel's check (virtio_net_hdr_to_skb) the only one before ngd: TCP
# super-frames of 3,000 bytes cut at 1,000 and at 1 (3,000 segments,
# more than ngd cuts: NG_GSO_MAX_SEGS), a UDP one (UDP_L4), and what the
# kernel refuses (a TCP cut of a UDP frame, a checksum start past the
# frame, a cut of a frame smaller than its segment).  Through a bridge
# of ether ports to b: ngd stays up and what reaches b is the same on
# the kernel fast path and in ngd (NGD_FASTPATH=0): each super-frame
# whole, to b's stack to take apart (a bridge passes it on as it came).
#
#   ea (ns a) --pa:link0-- br0 --link1:pb-- eb (ns b)
source "$(dirname "$0")/../lib.sh"
export NGD_LOG=$tmp/ngd.log
NS="a b"
trap cleanup_veth_ns EXIT

{ py_csum && cat <<'PY'
import select, socket, struct, sys, time

def frame(dmac, proto, plen):
    payload = bytes(i % 251 for i in range(plen))
    if proto == 6:
        l4 = struct.pack("!HHIIBBHHH", 1234, 5678, 1000, 0, 0x50, 0x18, 65535, 0, 0) + payload
    else:
        l4 = struct.pack("!HHHH", 1234, 5678, 8 + plen, 0) + payload
    src, dst = socket.inet_aton("198.18.68.1"), socket.inet_aton("198.18.68.2")
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(l4), 1, 0x4000, 64, proto, 0, src, dst)
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    # a partial checksum holds the pseudo-header's sum, not inverted
    ps = (~csum(src + dst + struct.pack("!BBH", 0, proto, len(l4)))) & 0xffff
    off = 16 if proto == 6 else 6
    l4 = l4[:off] + struct.pack("!H", ps) + l4[off + 2:]
    return dmac + bytes.fromhex("020000006801") + b"\x08\x00" + ip + l4

def vnet(gso_type, hdr_len, gso_size, start, off):  # NEEDS_CSUM always
    return struct.pack("<BBHHHH", 1, gso_type, hdr_len, gso_size, start, off)

if sys.argv[1] == "send":  # send IFACE DSTMAC
    dmac = bytes.fromhex(sys.argv[3])
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.setsockopt(263, 15, 1)  # SOL_PACKET, PACKET_VNET_HDR
    s.bind((sys.argv[2], 0))
    for name, h, f in [
            ("tcp/1000", vnet(1, 54, 1000, 34, 16), frame(dmac, 6, 3000)),
            ("tcp/1", vnet(1, 54, 1, 34, 16), frame(dmac, 6, 3000)),
            ("tcp-of-udp", vnet(1, 42, 1000, 34, 16), frame(dmac, 17, 3000)),
            ("udp/1000", vnet(5, 42, 1000, 34, 6), frame(dmac, 17, 3000)),
            ("start-past", vnet(0, 0, 0, 200, 16), frame(dmac, 6, 100)),
            ("tcp/60000", vnet(1, 54, 60000, 34, 16), frame(dmac, 6, 3000))]:
        try:
            s.send(h + f)
            print(name, "sent", flush=True)
        except OSError:
            print(name, "refused", flush=True)
        time.sleep(0.3)
else:  # recv IFACE N: the IPv4 frames that arrive, their length; once
    # N have come and then none for a second (20 s at most)
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0800))
    s.bind((sys.argv[2], 0))
    print("listening", flush=True)
    end, n, last = time.time() + 20, 0, 0
    while time.time() < end and not (n >= int(sys.argv[3]) and time.time() - last > 1):
        if select.select([s], [], [], 0.2)[0]:
            d, a = s.recvfrom(70000)
            if a[2] != socket.PACKET_OUTGOING:
                print("b got", len(d), "proto", d[23], flush=True)
                n, last = n + 1, time.time()
PY
} >"$tmp/gso.py"

run() {
	local mode=$1 fp s B r
	fp=$([ "$mode" = fast ] && echo 1 || echo 0)
	NGD_FASTPATH=$fp start_ngd || return
	veth_ports || { fail "$mode: veths"; return; }
	ether_ports_up || { fail "$mode: ether nodes not made"; return; }
	ngctl mkpeer pa: bridge lower link0 && ngctl name pa:lower br0 &&
	    ngctl connect pb: br0: lower link1 || { fail "$mode: graph"; return; }
	B=$(if_mac b eb)
	in_ns b timeout 30 python3 "$tmp/gso.py" recv eb 3 >"$tmp/$mode.got" &
	r=$!
	for _ in $(seq 500); do grep -q listening "$tmp/$mode.got" && break; sleep 0.02; done
	in_ns a timeout 30 python3 "$tmp/gso.py" send ea "$B" >>"$tmp/$mode.sent"
	wait $r
	expect_rc "$mode: ngd answers" 0 quiet ngctl list
	cat "$tmp/$mode.sent" "$tmp/$mode.got" >"$tmp/$mode.all"
	stop_ngd
	for s in $NS; do ip netns del $s; done
	for s in $NS; do ip link del p$s 2>/dev/null; done
}

want='tcp/1000 sent
tcp/1 sent
tcp-of-udp refused
udp/1000 sent
start-past refused
tcp/60000 refused
listening
b got 3054 proto 6
b got 3054 proto 6
b got 3042 proto 17'
run fast
run slow
expect "what the kernel took and what reached b (the kernel fast path)" "$want" "$(cat "$tmp/fast.all")"
expect "the kernel fast path and ngd: the same" "$(cat "$tmp/fast.all")" "$(cat "$tmp/slow.all")"
finish
