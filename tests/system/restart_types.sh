#!/usr/bin/env bash
# timeout: 90
# After a takeover and after SIGKILL, nat and ksocket nodes come back
# configured (their save
# methods, DESIGN decision 12): nat's alias address, mode, framing,
# redirects with their ids and descriptions (the next id too) and proxy
# rules; a ksocket's options, bound address, peer, and listen (in a
# takeover, its very socket, handed over).  Checked
# with traffic: the port forward reaches the jail's server again, the
# UDP tunnel between two namespaces passes ping again, the listening
# socket takes connections again.
#
#   j1 198.51.100.10 -- router 198.51.100.1 [ip_forward] natin 198.18.61.1
#                                                             | ether
#                                                        out [nat] in
#                                                             | ether
#                                        outside 198.18.61.2 natout
#
#   ta: tun0 203.0.113.1 -- [ks] 198.18.62.1:5000 ~~ wa/wb ~~ hb's ngd [ks] -- ngeth0 203.0.113.2 (hb)
#                              [L] 198.18.62.1:7000 listening
source "$(dirname "$0")/../lib.sh"
H="python3 $top/tests/nat_helper.py"
export NGD_LOG="$tmp/ngd.log"
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	stop_ngd
	for n in j1 router outside ta hb; do ip netns del $n 2>/dev/null; done
	ip link del wa 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
start_ngd || finish

for n in j1 router outside ta hb; do
	ip netns add $n
	ip -n $n link set lo up
done
ip -n router link add vr type veth peer name eth0 netns j1
ip -n router addr add 198.51.100.1/24 dev vr
ip -n router link set vr up
ip -n j1 link set eth0 up
ip -n j1 addr add 198.51.100.10/24 dev eth0
ip -n j1 route add default via 198.51.100.1
in_ns router sysctl -qw net.ipv4.ip_forward=1
ip link add wa type veth peer name wb netns hb
ip addr add 198.18.62.1/24 dev wa
ip link set wa up
ip -n hb addr add 198.18.62.2/24 dev wb
ip -n hb link set wb up
ip netns exec hb ngd -d 2>>"$tmp/ngd-hb.log" &
pids+=($!)
for _ in $(seq 100); do in_ns hb ngctl -N list >/dev/null 2>&1 && break; sleep 0.02; done

# --- nat between two eifaces, with redirects -----------------------------
ngctl mkpeer eiface ether ether
ngctl mkpeer eiface ether ether
ngctl -f - >/dev/null <<'EOS'
name ngeth0: natin
name ngeth1: natout
mkpeer natin: nat ether out
name natin:ether nat
connect nat: natout: in ether
msg nat: setdlt 1
msg nat: setaliasaddr 198.18.61.1
msg nat: setmode { flags=0x20 mask=0x20 }
msg nat: redirectport { local_addr=198.51.100.10 local_port=8080 alias_port=80 proto=6 description="j1 web" }
msg nat: redirectport { local_addr=198.51.100.10 local_port=8081 alias_port=81 proto=6 description="gone" }
msg nat: redirectport { local_addr=198.51.100.10 local_port=8082 alias_port=82 proto=17 description="j1 udp" }
msg nat: redirectdelete 2
msg nat: proxyrule "server 198.51.100.10:8080 port 9999 proto tcp"
msg natin: vnet "router"
msg natout: vnet "outside"
EOS
[ $? -eq 0 ] || fail "the nat node's setup"
ip -n router addr add 198.18.61.1/24 dev natin
ip -n router link set natin up
ip -n outside addr add 198.18.61.2/24 dev natout
ip -n outside link set natout up
in_ns j1 $H hello 8080 "j1 here, you are" &
pids+=($!)

# --- the UDP tunnel and a listening TCP socket --------------------------
ngctl -f - <<'EOS'
mkpeer . eiface e ether
name .:e tun0
rmhook . e
msg tun0: set 02:5a:00:00:00:01
mkpeer tun0: ksocket ether inet/dgram/udp
name tun0:ether ks
msg ks: setopt { level=1 name=2 value=[ 1 0 0 0 ] }
msg ks: bind inet/198.18.62.1:5000
msg ks: connect inet/198.18.62.2:5000
mkpeer . hub h a
name .:h H
msg H: setpersistent
mkpeer H: ksocket l inet/stream/tcp
name H:l L
msg L: setopt { level=1 name=2 value=[ 1 0 0 0 ] }
msg L: bind inet/198.18.62.1:7000
msg L: listen 4
EOS
ngctl msg tun0: vnet '"ta"'
ip -n ta addr add 203.0.113.1/24 dev tun0
ip -n ta link set tun0 up
in_ns hb ngctl mkpeer . eiface e ether
in_ns hb ngctl -f - <<'EOS'
msg ngeth0: set 02:5a:00:00:00:02
mkpeer ngeth0: ksocket ether inet/dgram/udp
name ngeth0:ether ks
msg ks: bind inet/198.18.62.2:5000
msg ks: connect inet/198.18.62.1:5000
EOS
ip -n hb addr add 203.0.113.2/24 dev ngeth0
ip -n hb link set ngeth0 up
sleep 0.5

# state: what must come back the same.
state() {
	ngctl msg nat: listredirects | sed -n 's/^Args:\t//p'
	ngctl msg nat: getdlt | sed -n 's/^Args:\t//p'
	ngctl msg ks: getname | sed -n 's/^Args:\t//p'
	ngctl msg ks: getpeername | sed -n 's/^Args:\t//p'
	ngctl msg ks: getopt '{ level=1 name=2 }' | sed -n 's/^Args:\t//p'
	ngctl msg L: getname | sed -n 's/^Args:\t//p'
	ngctl msg L: getopt '{ level=1 name=2 }' | sed -n 's/^Args:\t//p'
}
before=$(state)
expect "redirects 1 and 3 listed, with their descriptions" "2 j1 web j1 udp" \
    "$(ngctl msg nat: listredirects | sed -n 's/^Args:\t{ total_count=\([0-9]*\).*description="\(j1 web\)".*description="\(j1 udp\)".*/\1 \2 \3/p')"
expect "before: the port forward reaches j1" "j1 here, you are 198.18.61.2" \
    "$(in_ns outside $H ask 198.18.61.1 80 2>&1 | cut -d' ' -f1-5)"
expect_rc "before: the tunnel passes ping" 0 \
    quiet in_ns ta ping -c 1 -W 2 203.0.113.2
expect_rc "before: the listening socket takes a connection" 0 \
    in_ns hb nc -z -w 2 198.18.62.1 7000
sleep 0.3
j=$(grep -l ' nat nat$' /run/netgraph/*/journal)
python3 "$top/tests/journal_text.py" "$j" >"$tmp/jtext"
nat_id=$(awk '$1 == "node" && $3 == "nat" { print $2 }' "$tmp/jtext")
expect "the journal has nat's settings, ids kept by setnextid" \
    "setaliasaddr setmode setdlt redirectport setnextid redirectport proxyrule" \
    "$(awk -v id="$nat_id" '$1 == "msg" && $2 == id { print $3 }' "$tmp/jtext" | xargs)"

# --- takeover: the sockets themselves are handed over ----------------------
old=$NGD_PID
ngd -d --takeover 2>>"$NGD_LOG" &
NGD_PID=$!
for _ in $(seq 1500); do kill -0 "$old" 2>/dev/null || break; sleep 0.02; done
expect_rc "ngd --takeover took over" 1 quiet kill -0 "$old"
expect "after the takeover: listredirects, names, peer, options as before" "$before" "$(state)"
expect "... nothing left out" "" "$(grep 'left out' "$NGD_LOG")"
expect "... the port forward reaches j1" "j1 here, you are 198.18.61.2" \
    "$(in_ns outside $H ask 198.18.61.1 80 2>&1 | cut -d' ' -f1-5)"
expect_rc "... the tunnel passes ping" 0 \
    quiet in_ns ta ping -c 1 -W 2 203.0.113.2
expect_rc "... the socket listens" 0 in_ns hb nc -z -w 2 198.18.62.1 7000
ngctl list >/dev/null # a request: the journal is the new ngd's now
sleep 0.3

# --- SIGKILL; the next ngd restores them -----------------------------------
kill -KILL "$NGD_PID"; wait "$NGD_PID" 2>/dev/null; NGD_PID=
expect_rc "while no ngd runs, the port forward is down" 0 \
    eval '! in_ns outside timeout 1 $H ask 198.18.61.1 80 >/dev/null 2>&1'
: >"$NGD_LOG"
start_ngd # logs here (one ngctl starts would log to syslog)
after=$(state)
expect "listredirects, dlt, names, peer, options as before" "$before" "$after"
expect "the journal was replayed" 1 "$(grep -c 'nodes restored' "$NGD_LOG")"
expect "nothing of them left out" "" "$(grep 'left out' "$NGD_LOG")"
expect "a new redirect gets the next id, 4" "4" \
    "$(ngctl msg nat: redirectport '{ local_addr=198.51.100.10 local_port=8083 alias_port=83 proto=6 }' | sed -n 's/^Args:\t//p')"
expect "after: the port forward reaches j1 again" "j1 here, you are 198.18.61.2" \
    "$(in_ns outside $H ask 198.18.61.1 80 2>&1 | cut -d' ' -f1-5)"
expect_rc "after: the tunnel passes ping again" 0 \
    quiet in_ns ta ping -c 1 -W 2 203.0.113.2
expect_rc "after: the socket listens again" 0 \
    in_ns hb nc -z -w 2 198.18.62.1 7000
stop_ngd
exit $NG_FAILED
