#!/usr/bin/env bash
# The README followed as written, end to end: "A quick tour" (its graph,
# its jail.conf, its addresses), then "Network address translation for
# jails" (a) on an uplink eth0 whose far end is a "world" namespace.
# The commands are the README's own lines (each "# " line of their code
# blocks), not a copy, so the page cannot drift from what works:
#   - the jails reach the world, which sees only the host's address
#     ("whatever leaves through the uplink ... goes out as the host's
#     address"): the tour gives them no route out, so (a) must;
#   - "Port 8080 of 198.18.0.1 now reaches port 80 of test1": the
#     redirect must name the address the tour gives test1.
source "$(dirname "$0")/../lib.sh"
readme=$top/README.md
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	jail -f "$tmp/jail.conf" -r '*' >/dev/null 2>&1
	ip netns del world 2>/dev/null
	rm -rf "$tmp"
	stop_ngd
}
trap cleanup EXIT

# section TITLE: the README's lines from "## TITLE" to the next "## "
section() {
	awk -v t="## $1" '$0 == t { s = 1; next } /^## / { s = 0 } s' "$readme"
}
# commands: the "# " lines of a section's code blocks, without the "# "
# (the thousand-namespace loop, with its "> " lines, left out)
commands() {
	awk '/^```/ { b = !b; next } b && /^# / && !/^# for / { print substr($0, 3) }'
}
# block FIRST: the code block of a section whose first line is FIRST
block() {
	awk -v f="$1" '/^```/ { if (b) exit; n = 1; next } n == 1 { b = ($0 == f) }
	    b { print } { n = 0 }'
}
tour=$(section "A quick tour")
nat=$(section "Network address translation for jails")
nat_a=$(awk '/^\*\*\(a\)/ { s = 1 } /^\*\*\(b\)/ { s = 0 } s' <<<"$nat")
[ -n "$tour" ] && [ -n "$nat_a" ] || {
	fail "README has the tour and the NAT section's (a)"
	finish
}
# The tour up to the jails' removal, and the removal itself.
mapfile -t up < <(commands <<<"$tour" | sed '/jail -f jail.conf -r/,$d')
block 'vnet;' <<<"$tour" >"$tmp/jail.conf"
expect_rc "the tour's jail.conf names test1 and test2" 0 \
    grep -q 'test2 {' "$tmp/jail.conf"

start_ngd || finish
# The uplink: eth0, its far end in "world" (the README's 198.18.0.1 is
# the host's address on it).
ip netns add world
ip -n world link set lo up
ip link add eth0 type veth peer name wan netns world
ip addr add 198.18.0.1/24 dev eth0
ip link set eth0 up
ip -n world addr add 198.18.0.2/24 dev wan
ip -n world link set wan up
for _ in $(seq 250); do ngctl show eth0: >/dev/null 2>&1 && break; sleep 0.02; done

# up NS IF: until IF in jail NS (or on the host, NS "-") is up, 20 s at most
up() {
	local f=/sys/class/net/$2/operstate
	for _ in $(seq 1000); do
		if [ "$1" = - ]; then
			grep -qx up "$f" 2>/dev/null && return
		else
			jexec "$1" grep -qx up "$f" 2>/dev/null && return
		fi
		sleep 0.02
	done
}
# run LINE: one of the README's command lines, in the scratch directory
# (jail.conf there); the bridge's ID is what "ngctl list" shows here.
# Before the tour's ping, its three interfaces are up (a link that has
# just come up may lose the first frames: a loaded machine lost both).
run() {
	local line=$1 id
	if [[ "$line" == *"'[b]:'"* ]]; then
		id=$(ngctl list | awk '/Type: bridge/ { print $6 }' | sed 's/^0*//')
		line=${line//"'[b]:'"/"'[$id]:'"}
	fi
	if [[ "$line" == *" ping "* ]]; then
		up - ng_host
		up test1 ng_test1
		up test2 ng_test2
	fi
	(cd "$tmp" && eval "$line") >>"$tmp/out" 2>&1 ||
	    fail "README: $1 (exit $?: $(tail -n 3 "$tmp/out" | tr '\n' ' '))"
}
for line in "${up[@]}"; do run "$line"; done
expect "the tour's jails are up" "test1
test2" "$(jls name | sort)"
while read -r line; do run "$line"; done < <(commands <<<"$nat_a")

# A server in the world that answers with the address a client came from.
cat >"$tmp/peer.py" <<'PY'
import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", int(sys.argv[1])))
s.listen(8)
print("listening", flush=True)
while True:
    c, a = s.accept()
    c.sendall((a[0] + "\n").encode())
    c.close()
PY
ip netns exec world python3 "$tmp/peer.py" 7000 >"$tmp/world.log" 2>&1 &
pids+=($!)
for _ in $(seq 500); do grep -qs listening "$tmp/world.log" && break; sleep 0.02; done
# seen_from JAIL: the address the world sees JAIL's connection come from
# (three tries: a first connection's ARP may be slow on a loaded machine)
seen_from() {
	local got
	for _ in 1 2 3; do
		got=$(jexec "$1" nc -w 5 198.18.0.2 7000 </dev/null 2>&1)
		[ -n "$got" ] && break
	done
	echo "$got"
}
expect "test1 reaches the world as the host's address" 198.18.0.1 \
    "$(seen_from test1)"
expect "test2 reaches the world as the host's address" 198.18.0.1 \
    "$(seen_from test2)"

# "Port 8080 of 198.18.0.1 now reaches port 80 of test1"
cat >"$tmp/web.py" <<'PY'
import socket, sys
s = socket.socket()
s.bind(("0.0.0.0", 80))
s.listen(8)
print("listening", flush=True)
while True:
    c, a = s.accept()
    c.sendall(b"test1 web\n")
    c.close()
PY
jexec test1 python3 "$tmp/web.py" >"$tmp/web.log" 2>&1 &
pids+=($!)
for _ in $(seq 500); do grep -qs listening "$tmp/web.log" && break; sleep 0.02; done
for _ in 1 2 3; do
	got=$(ip netns exec world nc -w 5 198.18.0.1 8080 </dev/null 2>&1)
	[ -n "$got" ] && break
done
expect "port 8080 of 198.18.0.1 reaches port 80 of test1" "test1 web" "$got"
finish
