#!/usr/bin/env bash
# ngd itself: who may change the graph (SO_PEERCRED), where it listens,
# one daemon per network namespace, clean exit on SIGTERM.
source "$(dirname "$0")/../lib.sh"
start_ngd

as_nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups -- "$@"; }

expect_rc "nobody may list" 0 quiet as_nobody ngctl list
got=$(as_nobody ngctl mkpeer . hub a b 2>&1)
expect "nobody may not mkpeer" "ngctl: send msg: Operation not permitted" "$got"
expect_rc "... exit status 71" 71 quiet as_nobody ngctl mkpeer . hub a b
expect_rc "root may mkpeer" 0 ngctl mkpeer . hub a b
# A type's own messages are refused even when they only read (ngd.8, "Who
# may do what"): a bridge's getconfig and getstats, ngctl's config.
ngctl -f - <<'END'
mkpeer . hub a b
name a NH
msg NH: setpersistent
mkpeer NH: bridge x link0
name NH:x NB
END
for c in "msg NB: getconfig" "msg NB: getstats 0" "config NB:"; do
	expect "nobody may not $c" "ngctl: send msg: Operation not permitted" \
	    "$(as_nobody ngctl $c 2>&1)"
	expect_rc "... root may" 0 quiet ngctl $c
done
ngctl shutdown NH: && ngctl shutdown NB:

# Naming is a change too: a socket node named by nobody would take the
# name of an interface's node made later (root's "ngctl msg ngeth0: ..."
# and "mkpeer ngeth0: ..." would reach nobody's node) or root's ngctl's
# own (ngctl<pid>, which then fails).  nobody's ngctl has an unnamed
# node and works; a raw hello with a name is EPERM (1).
squat() { # NAME...: hello with each name, print each errno, hold 3 s
	as_nobody /usr/bin/python3 -c '
import sys, time
sys.path.insert(0, sys.argv[1])
from ngwire import *
socks = []
for n in sys.argv[2:]:
    s = connect(); s.send(frame(HELLO_CTL, n)); print(n, status(s)[0])
    socks.append(s)
sys.stdout.flush()
time.sleep(3)' "$top/tests/system" "$@"
}
squat ngeth0 br0 >"$tmp/squat" &
sq=$!
for _ in $(seq 100); do [ "$(wc -l <"$tmp/squat")" = 2 ] && break; sleep 0.03; done
expect "nobody may not name its socket node" "ngeth0 1
br0 1" "$(cat "$tmp/squat")"
expect "nobody's ngctl has an unnamed node" \
    "  Name: <unnamed>       Type: socket" \
    "$(as_nobody ngctl show . | cut -c 1-36)"
# Root of a user namespace of its own that shares ngd's network
# (unshare -Ur) is nobody to ngd as well, and fares as nobody: ngctl
# reads, with an unnamed node, and may not change the graph (it took the
# host's root, shown to it as the overflow uid, for an impostor; and,
# root to itself, it did not retry unnamed).
expect_rc "nobody as root of its own user namespace may list" 0 \
    quiet as_nobody unshare -Ur ngctl list
expect "... with an unnamed node" "  Name: <unnamed>       Type: socket" \
    "$(as_nobody unshare -Ur ngctl show . 2>&1 | cut -c 1-36)"
expect "... and may not mkpeer" "ngctl: send msg: Operation not permitted" \
    "$(as_nobody unshare -Ur ngctl mkpeer . hub a b 2>&1)"
ngctl mkpeer eiface ether ether
expect "root's eiface is named after its interface" "ngeth0 eiface" \
    "$(ngctl show ngeth0: | awk 'NR == 1 { print $2, $4 }')"
wait $sq
ngctl shutdown ngeth0:

# A bad option in the words of the other tools (FreeBSD's getopt), not
# glibc's "./ngd: invalid option -- 'x'".
NGD_USAGE="usage: ngd [--takeover] [-d] [-b usec] [-c file] [-n nice] [-s socket] [-g group] [-J dir]"
out "unknown option" 64 "" "ngd: illegal option -- x
$NGD_USAGE" ngd -x
out "option without its argument" 64 "" "ngd: option requires an argument -- s
$NGD_USAGE" ngd -d -s
# An empty -s or -J is refused (the default was used, silently).
out "an empty socket path" 64 "" 'ngd: -s "": an empty path names no socket' \
    timeout 20 ngd -d -s ""
out "an empty journal directory" 64 "" \
    'ngd: -J "": an empty path names no directory' timeout 20 ngd -d -J ""

# A second daemon in the same namespace is refused, clearly.
got=$(ngd -d 2>&1)
expect "second ngd refused" "ngd: @netgraph: another ngd already serves this network namespace" "$got"

# -g: members of a group may change the graph too.
stop_ngd
start_ngd -g 4242
expect_rc "group member may mkpeer" 0 setpriv --reuid=65534 --regid=65534 --groups=4242 -- ngctl mkpeer . hub a b
expect_rc "others still may not" 71 quiet as_nobody ngctl mkpeer . hub a b
# The group counts as the client had it when it connected (SO_PEERGROUPS),
# as its uid does, not as /proc/PID/status says at accept (whatever
# process has the pid by then: a client that connected, passed its
# socket on and exited left its pid to be taken).  Here a member leaves
# the group between its connect and ngd's accept (ngd stopped), and
# still may change the graph (it was refused).
expect "the group as it was at connect" "hello 0, mkpeer 0" \
    "$(/usr/bin/python3 - "$top/tests/system" "$NGD_PID" <<'PY'
import os, signal, sys
sys.path.insert(0, sys.argv[1])
from ngwire import *
ngd = int(sys.argv[2])
os.kill(ngd, signal.SIGSTOP)
try:
    os.setgroups([4242])
    os.setresgid(65534, 65534, 65534)
    os.setresuid(65534, 65534, 0)  # root kept, to leave the group
    s = connect()  # waits in the backlog
    os.seteuid(0)
    os.setgroups([])
    os.seteuid(65534)
finally:
    os.seteuid(0)
    os.kill(ngd, signal.SIGCONT)
s.send(frame(HELLO_CTL, ""))
h = status(s)[0]
m = request(s, MSG, ".", mesg(GENERIC, NGM_MKPEER,
                              z("hub", 32) + z("g", 32) + z("a", 32)))
print("hello %d, mkpeer %d" % (h, m))
PY
)"
stop_ngd
# Nor may root of a user namespace of its own start an ngd for the
# network it shares (it did: one that bound @netgraph, then failed).
expect "root of its own user namespace does not start ngd" \
    "ngctl: ngd is not running, and only root may start it" \
    "$(as_nobody unshare -Ur env -u NGCTL_NO_AUTOSTART ngctl list 2>&1 | head -1)"

# -s and NGD_SOCKET: another address, so two graphs can coexist.
ngd -d -s @ngtest 2>/dev/null &
other=$!
for _ in $(seq 100); do NGD_SOCKET=@ngtest ngctl list >/dev/null 2>&1 && break; sleep 0.02; done
expect_rc "NGD_SOCKET reaches the other daemon" 0 quiet env NGD_SOCKET=@ngtest ngctl mkpeer eiface ether ether
expect_rc "default socket has no daemon" 71 quiet ngctl list
got=$(NGD_SOCKET=@ngtest ngctl list | head -n 1)
expect "its own graph" "There are 2 total nodes:" "$got"
kill $other; wait $other
expect "SIGTERM exits 0, interface removed" "1" "$(ip link show ngeth0 >/dev/null 2>&1; echo $?)"

# -s with a file: a second ngd is refused there too (it unlinked the
# socket and bound its own, leaving the first serving nobody); a socket
# file nobody answers on is replaced; any other file is left alone (it
# was unlinked).
sock=$tmp/ctl
ngd -d -s "$sock" 2>/dev/null &
other=$!
for _ in $(seq 100); do NGD_SOCKET=$sock ngctl -N list >/dev/null 2>&1 && break; sleep 0.02; done
check "a second ngd on the same file is refused" 69 "" \
    "ngd: $sock: another ngd already serves this network namespace" \
    timeout 5 ngd -d -s "$sock"
expect_rc "... and the first one still answers there" 0 quiet env NGD_SOCKET="$sock" ngctl -N list
kill -9 $other; wait $other 2>/dev/null
ngd -d -s "$sock" 2>/dev/null &
other=$!
for _ in $(seq 100); do NGD_SOCKET=$sock ngctl -N list >/dev/null 2>&1 && break; sleep 0.02; done
expect_rc "the socket file of a dead ngd is taken over" 0 quiet env NGD_SOCKET="$sock" ngctl -N list
kill $other; wait $other
echo keep >"$tmp/file"
check "a file that is no socket is refused" 64 "" \
    "ngd: $tmp/file: exists and is not a socket; not replacing it" \
    timeout 5 ngd -d -s "$tmp/file"
expect "... and left as it was" keep "$(cat "$tmp/file")"

# A client that dies mid-conversation leaves no socket node behind.
start_ngd
ngctl -n sleeper -f - < <(echo "mkpeer . hub a b"; sleep 30) &
client=$!
for _ in $(seq 100); do ngctl show sleeper: >/dev/null 2>&1 && break; sleep 0.02; done
expect_rc "client's node exists" 0 quiet ngctl show sleeper:
kill -9 $client; wait $client 2>/dev/null
sleep 0.1
expect_rc "killed client's node is gone" 71 quiet ngctl show sleeper:
got=$(ngctl list | grep -c 'Type: hub')
expect "its hub went with it" "0" "$got"

# Garbage on the socket: ngd answers or hangs up, and keeps serving.
python3 - <<'PY'
import socket
s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
s.connect("\0netgraph")
for junk in (b"x", b"\x03\x00\xff\xff" + b"\0" * 12, b"\x01\x00\x00\x00" + b"\0" * 12 + b"A" * 100):
    try:
        s.send(junk)
        s.settimeout(1)
        s.recv(100)
    except OSError:
        pass
PY
expect_rc "ngd still serves after garbage" 0 quiet ngctl list

# Two graphs in one namespace: a second ngd on another socket keeps its
# journal and pins in directories named after the socket (both are per
# namespace), so it starts empty and, when it stops, leaves the first
# one's eifaces (and their fast path) where they were.
ngctl mkpeer eiface ether ether
ifindex=$(cat /sys/class/net/ngeth0/ifindex)
lab=lab$RANDOM
trap 'rm -rf "$tmp"; rm -rf "/run/netgraph-$lab"' EXIT
ngd -d -s "@$lab" 2>/dev/null &
labpid=$!
for _ in $(seq 100); do NGD_SOCKET=@$lab ngctl -N list >/dev/null 2>&1 && break; sleep 0.02; done
expect "the second graph starts empty" "There are 1 total nodes:" \
    "$(NGD_SOCKET=@$lab ngctl -N list | head -n 1)"
expect_rc "... and makes its own eiface" 0 \
    quiet env NGD_SOCKET=@$lab ngctl -N mkpeer eiface ether ether
expect "... journaled under /run/netgraph-$lab" 0 \
    "$(grep -rqs eiface "/run/netgraph-$lab"; echo $?)"
expect "... pinned under /sys/fs/bpf/netgraph-$lab" 0 \
    "$(test -d "/sys/fs/bpf/netgraph-$lab"; echo $?)"
kill $labpid; wait $labpid
expect "the first graph's eiface outlives the second ngd" "$ifindex" \
    "$(cat /sys/class/net/ngeth0/ifindex 2>&1)"
expect "the second one's eiface went with it" 1 \
    "$(ip link show ngeth1 >/dev/null 2>&1; echo $?)"
expect "... and so did its pins" 1 \
    "$(test -e "/sys/fs/bpf/netgraph-$lab"; echo $?)"
expect "... and its journal's directory" 1 \
    "$(test -e "/run/netgraph-$lab"; echo $?)"
expect_rc "the first graph's journal still holds its eiface" 0 \
    grep -rqs ngeth0 /run/netgraph
finish
