#!/usr/bin/env bash
# Jails and the host's graph (issue 13, item 4).  FreeBSD gives a jail's
# root no control of netgraph: a client in a jail that shares the host's
# network (no vnet) is refused with EPERM, even root, even to read.  A
# vnet jail has its own network namespace and so its own graph, which its
# root may change, whether its ngd was started inside the jail or from the
# host (ngctl -j).  And a rename made inside a jail, in another network
# namespace, does not rename the node in the host's graph.
source "$(dirname "$0")/../lib.sh"
NGD_LOG=$tmp/ngd.log
start_ngd || finish
trap 'jail -r x v w n m j 2>/dev/null; stop_ngd; rm -rf "$tmp"' EXIT
ERR() { echo "ngctl: send msg: $1"; }

ngctl mkpeer eiface ether ether
ngctl mkpeer eiface ether ether
ngctl mkpeer eiface ether ether
ngctl -f - <<'END'
mkpeer ngeth0: bridge ether link0
name ngeth0:ether pbr
msg pbr: setpersistent
END

# A non-vnet jail: its processes share our network namespace and graph.
jail -c name=x persist ip4=inherit
# jexec'd processes do not reach the host's abstract sockets at all
# (jail(8)'s Landlock scope, jail.8); ngd's own refusal is checked
# behind it with processes that entered the jail's PID namespace
# without jexec: the jail's init is the one PID 1 of a namespace below.
xinit=$(awk '$1 == "NSpid:" && NF == 3 && $3 == 1 { print $2; exit }' \
    /proc/[0-9]*/status 2>/dev/null)
injail() { nsenter -t "$xinit" -p -m "$@"; }
# (ngctl's second line in a jail without a network of its own)
nonet="ngctl: no graph here: this network is not ours to configure (a jail without vnet, or no CAP_NET_ADMIN in the bounding set); a vnet jail has its own"
check "non-vnet jail: ngctl name is refused" 71 "" \
    "ngctl: can't create node: Operation not permitted
$nonet" \
    jexec x ngctl name pbr: renamed-by-jail
check "... and so is reading the graph" 71 "" \
    "ngctl: can't create node: Operation not permitted
$nonet" \
    jexec x ngctl list
check "... nghook too" 71 "" "nghook: can't get sockets" \
    jexec x nghook -n pbr: link5
expect "... the host's bridge keeps its name" "pbr" \
    "$(ngctl show pbr: | awk '/Name:/ { print $2 }')"
check "... and ngd refuses one that gets past jail(8)" 71 "" \
    "ngctl: can't create node: Operation not permitted" \
    injail ngctl list
expect "... refusals logged" 1 "$(grep -c 'refused: in a jail without its own network' "$NGD_LOG")"
# Jailed root may not hold every descriptor ngd has (it held 20,000,
# and the host's ngctl then waited for a client to leave): a jail's
# clients have the connections of one user, NGD_USER_CONNS_MAX, whatever
# uid they take (jailed root may take any).
cat >"$tmp/conns.py" <<'EOF2'
import os, socket, struct
def conns(n):
    held = []
    for _ in range(n):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        s.connect("\0netgraph")
        held.append(s)
    return held
def answered(held):  # NGD_STATUS EPERM to a hello, or hung up
    k = 0
    for s in held:
        s.settimeout(5)
        try:
            s.send(struct.pack("<HHIII", 1, 0, 0, 0, 1))
            b = s.recv(64)
        except OSError:
            b = b""
        k += len(b) >= 8 and struct.unpack_from("<HHI", b)[::2] == (5, 1)
    return k
mine = conns(40)
r, w = os.pipe()
if os.fork() == 0:
    os.setuid(65534)
    os.write(w, b"%d" % answered(conns(40)))
    os._exit(0)
os.wait()
print(answered(mine) + int(os.read(r, 16)))
EOF2
expect "80 connections from a jail, as root and nobody: 64 kept" 64 \
    "$(injail python3 "$tmp/conns.py" 2>&1)"
# Nor may it take ngd over (@netgraph.takeover, root only): ngd handed
# a jail its control socket, and would have handed the rest (every TAP
# and client) had the jail said "ok"; and waited 10 s for the jail's
# first word while serving nobody.
cat >"$tmp/take.py" <<'EOF2'
import socket
s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
s.connect("\0netgraph.takeover")
s.settimeout(3)
try:
    s.send(b"netgraph-takeover 2")
    msg, anc, _, _ = s.recvmsg(1 << 16, socket.CMSG_SPACE(4 * 64))
except OSError:
    msg, anc = b"", []
print("%d bytes, %d descriptors" % (len(msg), sum(len(d) // 4 for _, _, d in anc)))
EOF2
expect "a jail asking to take ngd over gets nothing" "0 bytes, 0 descriptors" \
    "$(injail python3 "$tmp/take.py" 2>&1)"
# Nor may it pose as an ngd to be taken over: while no ngd serves a
# name (here @ngsq, the host's ngd not running, or gone), jailed root
# binds its .takeover and hands a graph and a control socket of its
# own, which the host's ngd --takeover served as root (the jail keeping
# a copy of the socket to answer its clients).
cat >"$tmp/squat.py" <<'EOF2'
import array, socket, struct, sys
srv = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
srv.bind("\0ngsq.takeover")
srv.listen(1)
ctl = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
ctl.bind("\0ngsq")
ctl.listen(8)
print("listening", flush=True)
srv.settimeout(10)
try:
    c, _ = srv.accept()
    c.recv(64)
    cookie = struct.unpack("Q", ctl.getsockopt(socket.SOL_SOCKET, 71, 8))[0]
    t = b"netgraph-journal 1\nnetns %d\nnextid 00000001\n" % cookie
    h = 14695981039346656037
    for b in t:
        h = ((h ^ b) * 1099511628211) & (2**64 - 1)
    t += b"end %016x\n" % h
    c.send(b"state 2 %d 0" % len(t))
    c.send(t)
    c.sendmsg([struct.pack("II", 0, 0)], [(socket.SOL_SOCKET,
        socket.SCM_RIGHTS, array.array("i", [ctl.fileno()]))])
    c.send(b"end")
    c.settimeout(3)
    c.recv(64)
except OSError:
    pass
EOF2
jexec x python3 "$tmp/squat.py" >"$tmp/squat.out" 2>&1 &
squat=$!
for _ in $(seq 100); do grep -q listening "$tmp/squat.out" && break; sleep 0.05; done
# ... nor as ngd to the host's clients (ngctl, jail(8)), which took it
# for theirs as it is root: ngctl's autostart never started the real
# one, and jail(8) asked it to place the host's interfaces.
expect "ngctl refuses an ngd in a jail that shares our network" \
    "ngctl: @ngsq: served by pid N in a jail that shares our network, not by an ngd of ours; refused
ngctl: can't create node: Operation not permitted
71" "$(NGD_SOCKET=@ngsq ngctl -N list 2>&1 | sed 's/pid [0-9]*/pid N/'
    echo "${PIPESTATUS[0]}")"
timeout 10 ngd -d -s @ngsq --takeover >"$tmp/sq.out" 2>&1 &
sqngd=$!
for _ in $(seq 100); do kill -0 $sqngd 2>/dev/null || break; sleep 0.05; done
expect "ngd --takeover refuses a state a jail hands it" "refused" \
    "$(grep -o 'a jail.s?); refused' "$tmp/sq.out" | grep -o refused)"
kill $sqngd $squat 2>/dev/null
wait $sqngd $squat 2>/dev/null
check "host root is still served" 0 "" "" ngctl name pbr: pbr2
ngctl name pbr2: pbr

# A vnet jail whose first ngctl starts ngd inside the jail.
jail -c name=v vnet persist
check "vnet jail: its root changes its own graph" 0 "" "" \
    jexec v env -u NGCTL_NO_AUTOSTART ngctl -f - <<'END'
mkpeer . hub a b
name a jailhub
msg jailhub: setpersistent
END
expect "... which the host sees with ngctl -j" "jailhub" \
    "$(ngctl -j v show jailhub: | awk '/Name:/ { print $2 }')"
expect "... and not in its own graph" 71 \
    "$(ngctl show jailhub: >/dev/null 2>&1; echo $?)"

# A vnet jail whose ngd was started from the host (ngctl -j): the
# jail's clients are served too.
jail -c name=w vnet persist
env -u NGCTL_NO_AUTOSTART ngctl -j w list >/dev/null
check "vnet jail, ngd started from the host: its root is served" 0 "" "" \
    jexec w ngctl mkpeer . hub a b
# ... but that ngd sees the host's file system, as root: a local
# (AF_UNIX) ksocket of the jail's would reach any of the host's sockets
# (systemd's, the jail supervisor's) and get root outside.  It makes
# none.
check "... which makes no local ksocket there" 71 "" \
    "ngctl: send msg: Operation not permitted" \
    jexec w ngctl mkpeer . ksocket k local/stream/0
# Nor any other family the jail's network namespace does not wholly
# hold: netlink's audit (AUDIT_SET, host-wide, as root), generic
# netlink (taskstats reads the host's processes), vsock (the hypervisor).
for f in 16/raw/9 16/dgram/16 40/stream/0; do
	check "... nor a ksocket $f" 71 "" \
	    "ngctl: send msg: Operation not permitted" \
	    jexec w ngctl mkpeer . ksocket k $f
done
check "... while an inet one it makes" 0 "" "" \
    jexec w ngctl mkpeer . ksocket k inet/dgram/udp
# Raw ones it makes: a vnet jail's root has raw sockets of its own stack
# whatever allow.raw_sockets says (FreeBSD grants PRIV_NETINET_RAW to
# vnet jails; DESIGN, jails 4), and so its graph's ksockets.
check "... but raw ones, allow.raw_sockets or not (a vnet jail)" 0 "" "" \
    jexec w ngctl mkpeer . ksocket k inet/raw/icmp
expect "... nor lets the jail's root take it over" "0 bytes, 0 descriptors" \
    "$(jexec w python3 "$tmp/take.py" 2>&1)"
# ... nor places the jail's interfaces in another jail (the names under
# /run/netns it reads are the host's): jail w's root put an eiface of
# its graph into jail v, a link between the two.
jexec w ngctl mkpeer eiface e ether
check "... nor moves the jail's interface into another jail" 71 "" \
    "ngctl: send msg: Operation not permitted" \
    jexec w ngctl msg ngeth0: vnet '"v"'
expect "... v has no interface of w's" "" "$(jexec v ip -o link show ngeth0 2>/dev/null)"
check "... while home (its own namespace) still works" 0 "" "" \
    jexec w ngctl msg ngeth0: vnet '""'

# A jail with neither vnet nor addresses has a network namespace of its
# own holding only lo (no network, as on FreeBSD), bound at /run/netns/n
# like a vnet jail's.  It has no graph: ngctl -j refuses it
# (jail_ngctl_j.sh).  An ngd the host's root starts there anyway (ip
# netns exec) serves the host's root only.  Its root is no vnet jail's:
# it may make neither interfaces nor raw sockets itself, and FreeBSD
# gives it no netgraph.  That ngd refuses it as the host's refuses a jail
# sharing its network (it was served as the graph's admin: mkpeer eiface
# made ngeth0 in the jail, a ksocket raw ICMP).
jail -c name=n persist
ip netns exec n ngd -d 2>/dev/null &
for _ in $(seq 1500); do
	ip netns exec n ngctl -N list >/dev/null 2>&1 && break
	sleep 0.02
done
check "no-network jail, ngd started from the host: its root is refused" \
    71 "" "ngctl: can't create node: Operation not permitted
$nonet" \
    jexec n ngctl mkpeer eiface ether ether
expect "... no interface made in it" "lo" \
    "$(jexec n ip -o link show | awk -F': ' '{ print $2 }' | xargs)"
check "... nor a raw ksocket" 71 "" \
    "ngctl: can't create node: Operation not permitted
$nonet" \
    jexec n ngctl mkpeer ksocket k inet/raw/icmp
check "... the host's root still acts on its graph (ip netns exec)" 0 "" "" \
    ip netns exec n ngctl mkpeer . hub a b
# The same jail's root starting an ngd itself (ngctl's autostart there):
# it starts none (an ngd there refuses to start), and its clients are
# refused as FreeBSD's; such an ngd served them as root once (hubs and
# bridges made, a graph listed, where FreeBSD says "can't create node").
jail -c name=m persist
check "no-network jail, ngd started by its own root: its root is refused" \
    71 "" "ngctl: can't create node: Operation not permitted
$nonet" \
    jexec m env -u NGCTL_NO_AUTOSTART ngctl mkpeer . hub a b
check "... even to read" 71 "" \
    "ngctl: can't create node: Operation not permitted
$nonet" \
    jexec m ngctl -N list
expect "... and no ngd was started there (none may: it would refuse)" 0 \
    "$(ip netns exec m ss -xlpn | grep -c '@netgraph ')"
jail -r m >/dev/null

# An interface moved into a vnet jail and renamed there keeps its
# node's name in the host's graph; one renamed at home still leads.
jail -c name=j vnet persist vnet.interface=ngeth1
jexec j ip link set ngeth1 name inside0
expect "rename inside a jail: the interface is renamed there" "inside0" \
    "$(jexec j ip -br link show inside0 | awk '{ sub(/@.*/, "", $1); print $1 }')"
expect "... the host's node keeps its name" "ngeth1" \
    "$(ngctl show ngeth1: 2>&1 | awk '/Name:/ { print $2 }')"
expect "... no node took the jail's name" 71 \
    "$(ngctl show inside0: >/dev/null 2>&1; echo $?)"
ip link set ngeth2 name host2
expect "rename at home: the node follows" "host2" \
    "$(ngctl show host2: 2>&1 | awk '/Name:/ { print $2 }')"
finish
