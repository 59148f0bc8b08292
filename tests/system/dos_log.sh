#!/usr/bin/env bash
# Bad input of every kind, flooded, costs ngd's log a few lines a kind:
# every line that input can trigger is rate-limited per call site (10 per
# 10 s, ng_pressure.c), and the next one let through counts the rest.
# The intruders, all at once for a few seconds:
#  - a non-root client: requests that change the graph (refused), more
#    connections than a user may hold;
#  - root's clients: frames too short for a header, junk after a hello
#    (a datagram with no address), random frames and messages;
#  - frames from the wire: short, random and oversize ones, tags cut
#    short, random VIDs and double tags into a vlan node, broken IPv4
#    (bad lengths, fragments, ICMP errors quoting junk) into a nat node,
#    junk into an ether node, and garbage datagrams (short, wrong VNI,
#    inner frames cut short) into the ksocket under a vxlan node.
# Then: ngd is alive and serves, its log is a few dozen lines with no
# call site past its burst, and once the window is over the next line
# says how many like it were held back.
#
#   ns dosv: dosv (eiface) -- downstream [V vlan] v5 -- [hub]
#   ns dosn: dosn (eiface) -- in [N nat] out -- [hub]
#   here:    dosl1 (veth) ~ dosl0 -- lower [dosl0 ether]
#   here:    127.0.0.1:4789 -- [ksocket] outer [X vxlan] inner -- [hub]
# serial: seven floods at once, ngd's log counted
source "$(dirname "$0")/../lib.sh"
py=python3
wire="$top/tests/system/ngwire.py"
secs=${DOS_SECONDS:-3}
NGD_LOG=$tmp/ngd.log
start_ngd || finish
jobs_=()
trap 'kill "${jobs_[@]}" 2>/dev/null; for n in dosv dosn; do ip netns del $n 2>/dev/null; done; ip link del dosl0 2>/dev/null; stop_ngd; rm -rf "$tmp"' EXIT
as_nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups -- "$@"; }
ngctl mkpeer eiface ether ether
ngctl mkpeer eiface ether ether
ip link add dosl0 type veth peer name dosl1
ip link set dosl0 up
ip link set dosl1 up
ngctl -f - <<'END'
name ngeth0: dosv
name ngeth1: dosn
mkpeer dosv: vlan ether downstream
name dosv:ether V
mkpeer V: hub v5 a
msg V: addfilter { hook="v5" vid=5 }
mkpeer dosn: nat ether in
name dosn:ether N
msg N: setdlt 1
msg N: setaliasaddr 198.18.27.1
mkpeer N: hub out a
mkpeer dosl0: hub lower a
mkpeer hub x a
name x X0
mkpeer X0: vxlan b inner
name X0:b X
msg X: setvni 42
mkpeer X: ksocket outer inet/dgram/udp
msg X:outer bind inet/127.0.0.1:4789
END
expect "the graph is built" "eiface eiface vlan nat ether vxlan ksocket" \
    "$(for n in dosv: dosn: V: N: dosl0: X: X:outer; do
	ngctl show "$n" | sed -nE '1s/.*Type: ([a-z]+).*/\1/p'
    done | xargs)"
for n in dosv dosn; do
	ip netns add $n
	ip link set $n netns $n
	ip -n $n link set $n up
	ip -n $n link set $n mtu 9000 2>/dev/null
done
lines0=$(wc -l <"$NGD_LOG")

# frames IF KIND SECS: random bad frames out of IF for SECS; prints the
# number sent
frames() {
	$py - "$@" <<'EOF'
import os, random, socket, struct, sys, time
ifc, kind, secs = sys.argv[1], sys.argv[2], float(sys.argv[3])
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind((ifc, 0))
mtu = int(open("/sys/class/net/%s/mtu" % ifc).read())
rnd = random.Random(kind)
bc, src = b"\xff" * 6, b"\x02\0\0\0\xd0\x05"
junk = os.urandom
def ipv4():
    ihl = rnd.choice([0, 1, 4, 5, 5, 6, 15])
    tot = rnd.choice([0, 19, 20, 60, 1500, 65535, rnd.getrandbits(16)])
    frag = rnd.choice([0, 0x2000, 0x1fff, 0x4000, rnd.getrandbits(16)])
    proto = rnd.choice([1, 1, 6, 17, 47, 132, rnd.getrandbits(8)])
    h = struct.pack("!BBHHHBBH4s4s", 0x40 | ihl, 0, tot, rnd.getrandbits(16),
                    frag, 64, proto, 0, junk(4), bytes([198, 18, 27, 1]))
    if proto == 1 and rnd.random() < 0.6:  # an ICMP error quoting junk
        b = bytes([rnd.choice([3, 5, 11, 12]), 3, 0, 0, 0, 0, 0, 0]) + \
            struct.pack("!BBHHHBBH4s4s", 0x40 | rnd.choice([5, 0, 15]), 0,
                        rnd.getrandbits(16), 1, 0, 64,
                        rnd.choice([1, 6, 17]), 0, bytes([198, 18, 27, 1]),
                        junk(4)) + junk(rnd.randrange(0, 12))
    else:
        b = junk(rnd.randrange(0, 300))
    p = h + b
    return bc + src + b"\x08\x00" + p[:rnd.randrange(0, len(p) + 1)]
def vlan():
    c = rnd.randrange(6)
    if c == 0:
        return bc + src + b"\x81\x00"  # the tag cut off
    if c == 1:
        return bc + src + b"\x81\x00" + junk(rnd.randrange(1, 4))
    if c == 2:  # any VID, PCP, CFI; tagged again inside
        return bc + src + b"\x81\x00" + junk(2) + b"\x81\x00" + junk(60)
    if c == 3:
        return bc + src + b"\x88\xa8" + junk(2) + b"\x81\x00" + junk(60)
    if c == 4:  # ours, with nothing behind
        return bc + src + b"\x81\x00\x00\x05" + junk(rnd.randrange(0, 3))
    return bc + src + b"\x81\x00\x00\x05\x08\x00" + junk(rnd.randrange(0, mtu))
def any_():
    c = rnd.randrange(4)
    if c == 0:
        return junk(rnd.randrange(1, 14))  # shorter than a header
    if c == 1:
        return bc + src + junk(rnd.randrange(0, mtu))
    if c == 2:
        return junk(mtu + 14)  # as large as the link takes
    return bc + src + b"\x88\xcc" + junk(rnd.randrange(0, 40))
gen = {"ip": ipv4, "vlan": vlan, "any": any_}[kind]
n, end = 0, time.time() + secs
while time.time() < end:
    f = gen()
    try:
        s.send(f if rnd.random() < 0.7 else any_())
        n += 1
    except OSError:
        time.sleep(0.0002)
print(n)
EOF
}

# Garbage datagrams for the ksocket under vxlan X (VNI 42).
udp() {
	$py - "$secs" <<'EOF'
import os, random, socket, struct, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
rnd = random.Random(4789)
n, end = 0, time.time() + float(sys.argv[1])
while time.time() < end:
    c = rnd.randrange(5)
    if c == 0:
        d = os.urandom(rnd.randrange(0, 9))  # shorter than a header
    elif c == 1:
        d = os.urandom(rnd.randrange(8, 1400))
    elif c == 2:  # another VNI
        d = struct.pack("!II", 0x08000000, rnd.getrandbits(24) << 8) + \
            os.urandom(rnd.randrange(0, 200))
    elif c == 3:  # ours, the inner frame cut short
        d = struct.pack("!II", 0x08000000, 42 << 8) + \
            os.urandom(rnd.randrange(0, 14))
    else:  # ours, reserved bits set, an inner frame
        d = struct.pack("!II", 0x08000000 | rnd.getrandbits(24),
                        42 << 8 | rnd.getrandbits(8)) + \
            b"\xff" * 6 + os.urandom(rnd.randrange(6, 200))
    try:
        s.sendto(d, ("127.0.0.1", 4789))
        n += 1
    except OSError:
        time.sleep(0.0002)
print(n)
EOF
}

# The clients: nobody's refused requests and surplus connections; root's
# short frames, junk after hellos and random messages.
client() { # ROLE SECS
	$py - "$wire" "$@" <<'EOF'
import os, random, socket, struct, sys, time
sys.path.insert(0, os.path.dirname(sys.argv[1]))
import ngwire as w
role, end = sys.argv[2], time.time() + float(sys.argv[3])
rnd = random.Random(role)
n = 0
mk = w.mesg(w.GENERIC, w.NGM_MKPEER, w.z("hub", 32) + w.z("a", 32) +
            w.z("b", 32))
c = None
while time.time() < end:
    try:
        if role == "refused":  # nobody changes the graph
            if c is None:
                c, _ = w.control()
            w.request(c, w.MSG, ".", mk)
        elif role == "conns":  # nobody holds more than 64
            cs = [w.connect() for _ in range(72)]
            time.sleep(0.05)
            for s in cs:
                s.close()
        elif role == "short":  # too short for a frame header
            s = w.connect()
            s.send(os.urandom(rnd.randrange(1, 16)))
            s.settimeout(2)
            s.recv(64)
            s.close()
        elif role == "junk":  # a datagram with no address, after a hello
            s, _ = w.control()
            s.send(os.urandom(rnd.randrange(0, 16)))
            s.close()
        else:  # random messages to nowhere and to ourselves; to the
            # graph's nodes with cookies they do not know
            if c is None:
                c, _ = w.control()
            a = rnd.choice([b".", b"nowhere:", b"[fffff]:", b"V:", b"N:",
                            b"X:"])
            ck = rnd.getrandbits(32) if a.endswith(b"]:") or \
                a[:1] in b"VNX" else rnd.choice([w.GENERIC, w.BRIDGE])
            m = w.mesg(ck, rnd.randrange(0, 64),
                       os.urandom(rnd.randrange(0, 200)))
            w.request(c, rnd.choice([w.MSG, w.DATA]), a,
                      m[:rnd.randrange(0, len(m) + 1)])
        n += 1
    except (EOFError, OSError):
        if c is not None:
            c.close()
        c = None
        n += 1
print(n)
EOF
}

frames dosl1 any "$secs" >"$tmp/f.ether" 2>&1 &
jobs_+=($!)
in_ns dosv bash -c "$(declare -f frames); py=$py frames dosv vlan $secs" >"$tmp/f.vlan" 2>&1 &
jobs_+=($!)
in_ns dosn bash -c "$(declare -f frames); py=$py frames dosn ip $secs" >"$tmp/f.nat" 2>&1 &
jobs_+=($!)
udp >"$tmp/f.udp" 2>&1 &
jobs_+=($!)
for r in refused conns; do
	as_nobody bash -c "$(declare -f client); py=$py wire=$wire client $r $secs" >"$tmp/c.$r" 2>&1 &
	jobs_+=($!)
done
for r in short junk random; do
	client $r "$secs" >"$tmp/c.$r" 2>&1 &
	jobs_+=($!)
done
wait "${jobs_[@]}"
jobs_=()

for f in f.ether f.vlan f.nat f.udp c.refused c.conns c.short c.junk c.random; do
	n=$(tail -n 1 "$tmp/$f")
	if [[ "$n" =~ ^[0-9]+$ ]] && [ "$n" -gt 5 ]; then
		ok "flood ${f#*.}: $n sent"
	else
		fail "flood ${f#*.} did not run"
		sed 's/^/    /' "$tmp/$f" | tail -n 5
	fi
done
expect_rc "ngd survives and serves" 0 quiet ngctl list
lines=$(($(wc -l <"$NGD_LOG") - lines0))
echo "# ngd log: $lines lines for the floods"
sed -n "$((lines0 + 1)),\$p" "$NGD_LOG" | sed -E 's/[0-9]+/N/g' | sort | uniq -c |
    sort -rn | head -n 12 | sed 's/^/#   /'
if [ "$lines" -le 80 ]; then ok "ngd's log stays a few dozen lines ($lines)"; else
	fail "ngd's log: $lines lines for the floods"; fi
top_=$(sed -n "$((lines0 + 1)),\$p" "$NGD_LOG" | sed -E 's/[0-9]+/N/g' | sort |
    uniq -c | sort -rn | awk 'NR == 1 { print $1 }')
if [ "${top_:-0}" -le 11 ]; then ok "no kind of line past its burst (${top_:-0} at most)"; else
	fail "a kind of line came ${top_} times"; fi
kinds=
for k in 'short frame; closing' 'refused: not permitted' \
    'more than 64 connections' 'datagram with no address'; do
	grep -q "$k" "$NGD_LOG" && kinds="$kinds${kinds:+, }$k"
done
expect "the intruders' lines are there" "short frame; closing, refused: not permitted, more than 64 connections, datagram with no address" "$kinds"

# The window over (10 s after the first of them), the next short frame
# is logged with the count of those held back: one every 0.3 s until it
# is (at most 15 s).
$py - "$wire" "$NGD_LOG" <<'EOF'
import os, re, sys, time
sys.path.insert(0, os.path.dirname(sys.argv[1]))
import ngwire as w
end = time.time() + 15
while time.time() < end:
    s = w.connect()
    s.send(b"\x01\x00")
    s.settimeout(2)
    s.recv(64)
    s.close()
    if re.search(r"short frame; closing \(\d+ more", open(sys.argv[2]).read()):
        break
    time.sleep(0.3)
EOF
held=$(sed -nE 's/.*short frame; closing \(([0-9]+) more like it suppressed\)$/\1/p' "$NGD_LOG" | tail -n 1)
if [ "${held:-0}" -gt 10 ]; then ok "then a line says how many were held back ($held)"; else
	fail "no count of the lines held back"; tail -n 5 "$NGD_LOG" | sed 's/^/    /'; fi
finish
