#!/usr/bin/env bash
# What an IP-alias jail sees of the host's graph and stack (jail.8
# "IP-alias jails").  From inside: socket diagnostics (NETLINK_SOCK_DIAG,
# what ss asks first) are EPROTONOSUPPORT, as for a netlink family the
# kernel lacks (FreeBSD has none), where the host's dump lists its
# listener on a host-only address; ngd's journal under /run/netgraph is
# not there.  Interfaces and addresses still are, the jail's own sockets
# work as before (nc both ways), and a vnet jail keeps both: its stack
# and its ngd are its own.
#
#   host (this sandbox)  h0 198.51.100.1/24, hd0 (veth) 198.18.7.1/32,
#        | veth          a TCP listener on 198.18.7.1:7100, ngd with a
#        |               journal; j1's alias 198.51.100.50
#   peer (netns)         p0 198.51.100.99/24
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/../jail_cgroups.sh"

cleanup() {
	[ -n "${lis_pid:-}" ] && kill "$lis_pid" 2>/dev/null
	jails_gone
	stop_ngd
	ip netns del peer 2>/dev/null
	ip link del hd0 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

peer_up
ip link add hd0 type veth peer name hd1
ip addr add 198.18.7.1/32 dev hd0
ip link set hd0 up
start_ngd
ngctl mkpeer eiface ether ether
for _ in $(seq 100); do
	journal=$(find /run/netgraph -name journal -type f | head -n 1)
	[ -n "$journal" ] && break
	sleep 0.02
done

# The host's listener, on an address of the host only; and a probe that
# dumps the stack's TCP sockets through NETLINK_SOCK_DIAG as ss does.
chmod 755 "$tmp"
cat >"$tmp/lis.py" <<'EOF'
import socket, time
t = socket.socket()
t.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
t.bind(("198.18.7.1", 7100))
t.listen(1)
print("ready", flush=True)
time.sleep(60)
EOF
cat >"$tmp/diag.py" <<'EOF'
import errno, socket, struct
try:
    s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 4)
except OSError as e:
    print(errno.errorcode[e.errno])
    raise SystemExit
# SOCK_DIAG_BY_FAMILY, NLM_F_REQUEST|NLM_F_DUMP; inet_diag_req_v2: IPv4,
# TCP, every state
req = struct.pack("=BBBxI", socket.AF_INET, socket.IPPROTO_TCP, 0, 0xfff)
req += bytes(48)
s.send(struct.pack("=IHHII", 16 + len(req), 20, 0x301, 1, 0) + req)
seen = []
while True:
    buf = s.recv(65536)
    off, done = 0, False
    while off < len(buf):
        ln, typ = struct.unpack_from("=IH", buf, off)
        if typ in (2, 3):  # NLMSG_ERROR, NLMSG_DONE
            done = True
            break
        sport, = struct.unpack_from("!H", buf, off + 16 + 4)
        src = socket.inet_ntoa(buf[off + 16 + 8:off + 16 + 12])
        seen.append("%s:%d" % (src, sport))
        off += (ln + 3) & ~3
    if done:
        break
print(" ".join(sorted(seen)))
EOF
python3 "$tmp/lis.py" >"$tmp/lis.out" &
lis_pid=$!
for _ in $(seq 100); do [ -s "$tmp/lis.out" ] && break; sleep 0.05; done

expect_rc "j1: an IP-alias jail on the host's tree" 0 \
    jail -q -c name=j1 persist path=/ ip4.addr="h0|198.51.100.50/24"

# --- the host sees them (the test sees what it looks for) ----------------
expect "host: socket diagnostics list its listener" "198.18.7.1:7100" \
    "$(python3 "$tmp/diag.py" | tr ' ' '\n' | grep 198.18.7.1)"
expect_rc "host: ngd's journal is under /run/netgraph" 0 test -n "$journal"

# --- the jail does not -------------------------------------------------
expect "j1: socket diagnostics: EPROTONOSUPPORT" "EPROTONOSUPPORT" \
    "$(jexec j1 python3 "$tmp/diag.py")"
expect "j1: /run/netgraph is empty" "" "$(jexec j1 ls -A /run/netgraph)"
expect_rc "j1: ngd's journal cannot be read" 1 \
    quiet jexec j1 cat "$journal"
expect_rc "j1: nor written" 1 quiet jexec j1 touch /run/netgraph/x

# --- what the jail still sees and does -----------------------------------
expect_rc "j1: /proc/net/dev lists the interfaces" 0 \
    quiet jexec j1 grep -q hd0: /proc/net/dev
expect_rc "j1: ip addr shows the jail's address" 0 \
    quiet bash -c 'jexec j1 ip -4 addr | grep -q 198.51.100.50/24'
jexec j1 timeout 10 nc -d -l 7200 >"$tmp/in" &
for _ in $(seq 100); do ss -ltn | grep -q 198.51.100.50:7200 && break; sleep 0.05; done
echo from-host | timeout 10 nc -N 198.51.100.50 7200
wait $!
expect "host -> j1 with nc" "from-host" "$(cat "$tmp/in")"
in_ns peer timeout 10 nc -d -l 198.51.100.99 7201 >"$tmp/out" &
for _ in $(seq 100); do in_ns peer ss -ltn | grep -q :7201 && break; sleep 0.05; done
echo from-jail | jexec j1 timeout 10 nc -N 198.51.100.99 7201
wait $!
expect "j1 -> peer with nc" "from-jail" "$(cat "$tmp/out")"

expect_rc "v: a vnet jail" 0 jail -q -c name=v vnet persist path=/
expect "v: socket diagnostics of its own stack" "" \
    "$(jexec v python3 "$tmp/diag.py")"
expect_rc "v: /run/netgraph is the host's (a vnet jail's ngd writes there)" \
    0 quiet jexec v test -f "$journal"
finish
