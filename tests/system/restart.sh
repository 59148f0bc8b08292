#!/usr/bin/env bash
# The graph outlives ngd (DESIGN decision 12, issue 19).  After SIGKILL
# the interfaces stay where they are, with their addresses; the next ngd
# rebuilds the graph from the namespace's journal (IDs, names, hooks in
# their order, settings) and takes them back -- in ngd's namespace, one
# placed in a namespace by vnet, one moved by hand and renamed there --
# and makes anew, with its name and MAC, one deleted meanwhile.  A
# damaged journal, one of another version and one of another namespace
# are set aside with a message, and ngd starts empty.  SIGTERM leaves
# nothing: no node, no interface in any namespace, no journal.
#
#   ngeth0 (here) --link0-- br0 --link1-- ngeth1 (in a, by vnet)
#                            |--link2-- ngeth2 (moved to b by hand)
#                            |--link7-- f0 (bpf, a program) --b-- hub
#                            |--link8-- vl0 (vlan, a filter) --v10-- hub
#                            \--link9-- hub0 (persistent)
source "$(dirname "$0")/../lib.sh"
export NGD_LOG="$tmp/ngd.log"
ip netns add a
ip netns add b
trap 'stop_ngd; ip netns del a 2>/dev/null; ip netns del b 2>/dev/null; rm -rf "$tmp"' EXIT

mac() { local i=$1; shift; ip "$@" -o link show dev "$i" | sed -nE 's/.*link\/ether ([0-9a-f:]+) .*/\1/p'; }
addr() { local i=$1; shift; ip "$@" -o -4 addr show dev "$i" | awk '{ print $4 }'; }
# The graph as ngctl shows it, ngctl's own socket node left out.
graph() {
	ngctl list | grep -v 'Type: socket' | sed -E 's/There are [0-9]+ total/There are N total/'
	ngctl show br0:
	ngctl msg br0: getconfig
	ngctl show hub0:
	ngctl show vl0:
	ngctl msg vl0: gettable
	ngctl msg vl0: getencap
	ngctl msg f0: getprogram '"a"'
}
# Every interface ngd made, wherever it is.
ours() { (ip -o link show; ip -n a -o link show; ip -n b -o link show) 2>/dev/null | awk -F': ' '{ print $2 }' | grep -v '^lo$' | sed 's/@.*//' | sort | xargs; }
journal() { echo /run/netgraph/*/journal; }
# settle PATTERN: until the journal holds what the last ngctl changed,
# a line PATTERN matches (10 s at most).  ngd writes it before it
# sleeps, at most a fifth of the time: a write that took 50 ms of a
# loaded machine's wall time put the next one 200 ms later, and the
# 0.3 s this waited were not always enough.
settle() {
	for _ in $(seq 500); do
		grep -qE "$1" /run/netgraph/*/journal 2>/dev/null && return
		sleep 0.02
	done
}

start_ngd
ngctl mkpeer eiface ether ether
ngctl mkpeer eiface ether ether
ngctl mkpeer eiface ether ether
ngctl -f - <<'EOS'
mkpeer ngeth0: bridge ether link0
name ngeth0:ether br0
connect br0: ngeth1: link1 ether
connect br0: ngeth2: link2 ether
msg br0: setconfig { debugLevel=2 loopTimeout=33 maxStaleness=77 minStableAge=3 }
msg br0: setpersistent
mkpeer br0: hub link9 x
name br0:link9 hub0
msg hub0: setpersistent
mkpeer br0: vlan link8 downstream
name br0:link8 vl0
mkpeer vl0: hub v10 a
msg vl0: addfilter { hook="v10" vid=10 pcp=3 }
msg vl0: setencap 1
mkpeer br0: bpf link7 a
name br0:link7 f0
mkpeer f0: hub b a
msg f0: setprogram { thisHook="a" ifMatch="b" bpf_prog_len=1 bpf_prog=[ { code=0x6 k=1500 } ] }
EOS
ngctl msg ngeth1: vnet '"a"'
ip link set ngeth2 netns b
ip addr add 198.18.9.1/24 dev ngeth0 && ip link set ngeth0 up
ip -n a addr add 198.18.9.2/24 dev ngeth1 && ip -n a link set ngeth1 up
ip -n b addr add 198.18.9.3/24 dev ngeth2 && ip -n b link set ngeth2 up
expect_rc "the graph forwards" 0 quiet ping -c 1 -W 2 198.18.9.2
before=$(graph)
expect "the vlan filter and encap, the bpf program are set (so their restoring counts)" "1 1 1" \
    "$(echo "$before" | grep -c 'hook="v10" vlan=10 vid=10 pcp=3') $(echo "$before" | grep -c 'Args:	0x1') $(echo "$before" | grep -c 'k=1500')"
m0=$(mac ngeth0) m1=$(mac ngeth1 -n a) m2=$(mac ngeth2 -n b)
settle ' placed=a( |$)'
expect "the journal is in /run/netgraph/<netns cookie>/journal" 1 \
    "$(ls /run/netgraph/*/journal 2>/dev/null | wc -l)"
expect "... keyed by ngd's namespace cookie" "netns $(basename "$(dirname "$(journal)")")" \
    "$(sed -n 2p "$(journal)")"

# --- SIGKILL, then the next ngd ----------------------------------------
kill -KILL "$NGD_PID"; wait "$NGD_PID" 2>/dev/null; NGD_PID=
expect "SIGKILL: the interfaces stay where they are" "ngeth0 ngeth1 ngeth2" "$(ours)"
expect "... with their addresses" "198.18.9.1/24 198.18.9.2/24 198.18.9.3/24" \
    "$(echo $(addr ngeth0) $(addr ngeth1 -n a) $(addr ngeth2 -n b))"
# While no ngd runs: renamed in b, and one deleted.
ip -n b link set ngeth2 down
ip -n b link set ngeth2 name lan2
ip -n b link set lan2 up
ip netns exec a ip link del ngeth1
t0=$(date +%s%N)
check "ngctl starts an ngd, which restores the graph" 0 "There are N total nodes:" "" \
    sh -c 'NGCTL_NO_AUTOSTART= ngctl list | grep -v "Type: socket" | sed -E "s/There are [0-9]+ total/There are N total/" | head -n 1'
t1=$(date +%s%N)
echo "# restored in $(((t1 - t0) / 1000000)) ms (ngctl included)"
auto=$(ss -xlpn | sed -n 's/.*@netgraph .*pid=\([0-9]*\),.*/\1/p')
after=$(graph)
expect "list, show, settings as before (IDs too)" "$before" "$after"
expect "ngeth0 taken back, its MAC and address kept" "$m0 198.18.9.1/24" "$(mac ngeth0) $(addr ngeth0)"
expect "the one moved to b by hand, renamed there, taken back (found by MAC)" "$m2 198.18.9.3/24" "$(mac lan2 -n b) $(addr lan2 -n b)"
expect "the deleted one made anew in a, same name and MAC" "$m1" "$(mac ngeth1 -n a)"
ip -n a addr add 198.18.9.2/24 dev ngeth1 && ip -n a link set ngeth1 up
link_up a ngeth1
expect_rc "the restored graph forwards (here to a)" 0 quiet ping -c 1 -W 2 198.18.9.2
expect_rc "... and here to b" 0 quiet ping -c 1 -W 2 198.18.9.3
expect "nothing orphaned: every interface is the graph's" "lan2 ngeth0 ngeth1" "$(ours)"

# --- SIGTERM: a clean stop leaves nothing -------------------------------
kill "$auto"
for _ in $(seq 100); do kill -0 "$auto" 2>/dev/null || break; sleep 0.02; done
expect "SIGTERM: no interface left in any namespace" "" "$(ours)"
expect "SIGTERM: the journal is gone" "" "$(ls /run/netgraph)"
start_ngd
expect "the next ngd starts empty" "There are 1 total nodes:" "$(ngctl list | head -n 1)"

# --- journals that are refused -------------------------------------------
# refused NAME EDIT REASON: a journal edited by EDIT (sed) is set aside.
refused() {
	local name=$1 edit=$2 why=$3 j
	ngctl mkpeer eiface ether ether
	settle '^node [0-9a-f]+ eiface '
	j=$(journal)
	kill -KILL "$NGD_PID"; wait "$NGD_PID" 2>/dev/null; NGD_PID=
	ip link del ngeth0 2>/dev/null
	sed -i "$edit" "$j"
	: >"$NGD_LOG"
	start_ngd
	expect "$name: refused with a message" 1 "$(grep -c "journal $j: $why; set aside as $j.bad, starting with an empty graph" "$NGD_LOG")"
	expect "$name: ngd starts empty" "There are 1 total nodes:" "$(ngctl list | head -n 1)"
	expect_rc "$name: kept aside" 0 test -f "$j.bad"
	rm -f "$j.bad"
}
refused "damaged" 's/eiface/eifacf/' "damaged (its sum does not match)"
refused "version 6" 's/^netgraph-journal [2345]/netgraph-journal 6/' "of a version this ngd does not know"
# Another namespace's journal, sum and all, copied here.
ngctl mkpeer eiface ether ether
settle '^node [0-9a-f]+ eiface '
j=$(journal)
kill -KILL "$NGD_PID"; wait "$NGD_PID" 2>/dev/null; NGD_PID=
ip link del ngeth0
ip netns exec a sh -c '
	ngd -d 2>/dev/null & p=$!
	for _ in $(seq 100); do ngctl -N list >/dev/null 2>&1 && break; sleep 0.02; done
	ngctl mkpeer eiface ether ether
	for _ in $(seq 500); do
		grep -l "^node [0-9a-f]* eiface " /run/netgraph/*/journal |
		    grep -qvx "$0" && break
		sleep 0.02
	done
	kill -KILL $p; ip link del ngeth0' "$j"
foreign=$(ls /run/netgraph/*/journal | grep -vx "$j")
expect "a's ngd wrote a journal of its own" 1 "$(echo "$foreign" | grep -c journal)"
cp "$foreign" "$j"
: >"$NGD_LOG"
start_ngd
expect "another namespace's journal: refused" 1 "$(grep -c "journal $j: of another network namespace; set aside" "$NGD_LOG")"
expect "... ngd starts empty" "There are 1 total nodes:" "$(ngctl list | head -n 1)"
stop_ngd
rm -rf /run/netgraph/*

# --- a vnet jail across a crash (issue 19: "in jails included") -------
# ngeth1 moved into a vnet jail by vnet.interface, its address set by
# ip4.addr; after SIGKILL it stays there with its address, the next ngd
# takes it back where it is (pings reach the jail again), and jail -r
# brings it home to ngd's namespace, the node's interface still.
#
#   ngeth0 (here, .1) --link0-- br0 --link1-- ngeth1 (in jail rj, .2)
trap 'jail -q -r rj 2>/dev/null; stop_ngd; ip netns del a 2>/dev/null; ip netns del b 2>/dev/null; rm -rf "$tmp"' EXIT
start_ngd
bridge_two_eifaces
m1=$(mac ngeth1)
ip addr add 198.18.9.1/24 dev ngeth0 && ip link set ngeth0 up
jail -c name=rj vnet persist vnet.interface=ngeth1 'ip4.addr=ngeth1|198.18.9.2/24'
expect_rc "a vnet jail with ngeth1: pings reach it" 0 quiet ping -c 1 -W 2 198.18.9.2
settle ' placed=rj( |$)'
kill -KILL "$NGD_PID"; wait "$NGD_PID" 2>/dev/null; NGD_PID=
expect "SIGKILL: ngeth1 stays in the jail, with its address" "198.18.9.2/24" \
    "$(jexec rj ip -o -4 addr show dev ngeth1 | awk '{ print $4 }')"
ip neigh flush dev ngeth0
start_ngd
expect "the next ngd restores the graph" "br0 link1" \
    "$(ngctl show ngeth1: 2>&1 | awk '$1 == "ether" { print $2, $5 }')"
expect_rc "... and takes ngeth1 back in the jail: pings reach it again" 0 \
    quiet ping -c 2 -i 0.2 -w 3 198.18.9.2
expect "... nothing orphaned: the jail has ngeth1 alone, here ngeth0 alone" "ngeth1 | ngeth0" \
    "$(jexec rj ip -o link show | awk -F': ' '{ sub(/@.*/, "", $2); print $2 }' | grep -v '^lo$' | xargs) | $(ip -o link show | awk -F': ' '{ sub(/@.*/, "", $2); print $2 }' | grep -v '^lo$' | xargs)"
expect_rc "jail -r" 0 jail -r rj
expect_rc "... ngd answers once ngeth1 is home" 0 quiet ngctl list
expect "... brings ngeth1 home, with its MAC" "$m1" "$(mac ngeth1)"
expect "... the node's interface still" "ngeth1" \
    "$(ngctl msg ngeth1: getifname 2>&1 | sed -nE 's/^Args:\t"(.*)"$/\1/p')"
stop_ngd
expect "SIGTERM: nothing left" "" "$(ip -o link show | awk -F': ' '{ print $2 }' | grep -v '^lo$')"
rm -rf /run/netgraph/*
exit $NG_FAILED
