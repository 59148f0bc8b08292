#!/usr/bin/env bash
# System test: nat on a real Ethernet uplink (issue 16): the ether node
# of a veth, wan0, with nat spliced between its lower (in) and upper
# (out) hooks, as the seed page does with a NIC:
#
#   j1 198.51.100.10 --+                      host (ngd, ip_forward)
#   j2 198.51.100.11 --+-- jbr 198.51.100.1    wan0 198.18.61.1 -- veth --
#                                               lower | upper          |
#                                               in [nat] out   outside eth0
#                                                               198.18.61.2
#
# Frames the host sends out of wan0 reach nat as the kernel made them:
# checksums partial (CHECKSUM_PARTIAL, csum_start) and 64 KiB
# super-frames.  Checked: the outside sees only the alias address, with
# every TCP checksum either whole and right or a partial one that
# finishes right (tests/nat_csum.py reads its capture); ping, TCP and
# UDP from the jails; a port redirected into j1; 20 MB each way intact
# (issue 16 asks 100 MB: nat.sh moves that through the same node on
# TAPs, 20 MB here keeps this test short); source ports kept where
# free, and two jails on one source port at once (SAME_PORTS, at the end).
source "$(dirname "$0")/../lib.sh"
H="python3 $top/tests/nat_helper.py"
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	for n in j1 j2 outside; do ip netns del $n 2>/dev/null; done
	ip link del wan0 2>/dev/null
	ip link del jbr 2>/dev/null
	rm -rf "$tmp"
	stop_ngd
}
trap cleanup EXIT
start_ngd || finish

for n in j1 j2 outside; do
	ip netns add $n
	ip -n $n link set lo up
done
ip link add wan0 type veth peer name eth0 netns outside
ip addr add 198.18.61.1/24 dev wan0
ip link set wan0 up
ip -n outside addr add 198.18.61.2/24 dev eth0
ip -n outside link set eth0 up
ip link add jbr type bridge
ip addr add 198.51.100.1/24 dev jbr
ip link set jbr up
k=10
for j in j1 j2; do
	ip link add v$j type veth peer name eth0 netns $j
	ip link set v$j master jbr up
	ip -n $j link set eth0 up
	ip -n $j addr add 198.51.100.$k/24 dev eth0
	ip -n $j route add default via 198.51.100.1
	k=$((k + 1))
done
sysctl -qw net.ipv4.ip_forward=1
for _ in $(seq 100); do ngctl info wan0: >/dev/null 2>&1 && break; sleep 0.02; done

# The brief's commands, one by one.
expect_rc "mkpeer wan0: nat lower in" 0 ngctl mkpeer wan0: nat lower in
expect_rc "name wan0:lower nat" 0 ngctl name wan0:lower nat
expect_rc "connect wan0: nat: upper out" 0 ngctl connect wan0: nat: upper out
expect_rc "msg nat: setdlt 1" 0 ngctl msg nat: setdlt 1
expect_rc "msg nat: setaliasaddr 198.18.61.1" 0 \
    ngctl msg nat: setaliasaddr 198.18.61.1
ip neigh flush dev wan0

# The outside listens, and records what it sees.
in_ns outside tcpdump -n -U -s 200 -i eth0 -w "$tmp/dump" ip \
    >/dev/null 2>&1 &
pids+=($!)
in_ns outside $H peers 7000 "$tmp/peers" &
pids+=($!)
in_ns outside $H udp 7001 &
pids+=($!)
head -c 20000000 /dev/urandom >"$tmp/big"
in_ns outside $H file 7002 "$tmp/big" &
pids+=($!)
in_ns j1 $H hello 8080 "j1 here, you are" &
pids+=($!)
sleep 1

expect_rc "ping from j1 to the outside" 0 \
    quiet in_ns j1 ping -c 2 -i 0.2 -W 2 -q 198.18.61.2
expect "TCP from j1: echoed" "echo one" \
    "$(in_ns j1 $H client 198.18.61.2 7000 41000 one 2>&1)"
expect "the outside saw the alias, port kept" "198.18.61.1 41000" \
    "$(tail -n 1 "$tmp/peers")"
expect "UDP from j2: seen as the alias" "198.18.61.1" \
    "$(in_ns j2 $H udpask 198.18.61.2 7001 2>&1 | awk '{ print $1 }')"

check "redirectport 80 to j1:8080" 0 "1" "" eval \
    "ngctl msg nat: redirectport '{ local_addr=198.51.100.10 local_port=8080 alias_port=80 proto=6 description=\"j1 web\" }' | sed -n 's/^Args:\t//p'"
expect "the outside reaches j1 through the redirect" \
    "j1 here, you are 198.18.61.2" "$(in_ns outside $H ask 198.18.61.1 80 2>&1)"

# 20 MB down to j1 and 20 MB up from j2: the host's super-frames with
# partial checksums, translated whole (tx offloads on, as veth has them).
in_ns j1 timeout 60 $H get 198.18.61.2 7002 "$tmp/got"
expect "20 MB downloaded by j1 intact" "$(md5sum <"$tmp/big")" \
    "$(md5sum <"$tmp/got" 2>/dev/null)"
in_ns outside timeout 60 nc -l -p 7003 >"$tmp/up" &
l=$!
sleep 0.3
in_ns j2 timeout 60 nc -q 1 198.18.61.2 7003 <"$tmp/big"
wait $l
expect "20 MB uploaded by j2 intact" "$(md5sum <"$tmp/big")" \
    "$(md5sum <"$tmp/up" 2>/dev/null)"
rm -f "$tmp/big" "$tmp/got" "$tmp/up"

sleep 0.5
kill "${pids[0]}" 2>/dev/null
wait "${pids[0]}" 2>/dev/null
srcs=$(tcpdump -n -r "$tmp/dump" 'ip and not src host 198.18.61.2' 2>/dev/null |
    awk '{ print $3 }' | sed -E 's/^([0-9]+\.[0-9]+\.[0-9]+\.[0-9]+).*/\1/' | sort -u)
expect "the outside saw only the alias address" "198.18.61.1" "$srcs"
sums=$(python3 "$top/tests/nat_csum.py" "$tmp/dump" 198.18.61.1)
if [[ "$sums" =~ ^bad=0\ whole=[0-9]+\ partial=([0-9]+)$ ]] &&
    [ "${BASH_REMATCH[1]}" -gt 0 ]; then
	ok "every TCP/UDP checksum from the alias is right ($sums)"
else
	fail "TCP/UDP checksums from the alias: $sums"
fi

# --- source ports kept where free (SAME_PORTS, issue 16) ----------------
# As nat.sh checks it on TAPs: UDP from j2's port 5353 is seen from the
# alias on 5353; j1 and j2, each from TCP port 40000 to the same server
# at the same time, are both answered, and the outside sees one of them
# on 40000 and the other on a port of its own.
# (nc, all three at once: python3 takes seconds to start on a loaded
# machine; each TCP client holds its connection 1 s before it speaks)
(sleep 1; echo from-j1) | in_ns j1 timeout 10 nc -p 40000 198.18.61.2 7000 >"$tmp/c1" 2>&1 &
c1=$!
(sleep 1; echo from-j2) | in_ns j2 timeout 10 nc -p 40000 198.18.61.2 7000 >"$tmp/c2" 2>&1 &
c2=$!
echo x | in_ns j2 timeout 5 nc -u -p 5353 -w 1 198.18.61.2 7001 >"$tmp/u" 2>&1 &
u=$!
wait $c1 $c2 $u
expect "UDP from j2: seen as the alias, port kept" "198.18.61.1 5353" "$(cat "$tmp/u")"
expect "same source port: j1 answered" "echo from-j1" "$(cat "$tmp/c1")"
expect "same source port: j2 answered" "echo from-j2" "$(cat "$tmp/c2")"
seen=$(tail -n 2 "$tmp/peers")
ports=$(awk '{ print $2 }' <<<"$seen" | sort -n | xargs)
if [ "$(awk '{ print $1 }' <<<"$seen" | sort -u)" = 198.18.61.1 ] &&
    [ "$(awk '{ print $2 }' <<<"$seen" | sort -u | wc -l)" = 2 ] &&
    grep -qw 40000 <<<"$ports"; then
	ok "same source port: one kept it, the other moved ($ports)"
else
	fail "same source port: the outside saw $(xargs <<<"$seen")"
fi
expect_rc "ngd still serves" 0 quiet ngctl list
finish
