#!/usr/bin/env bash
# System test: two jails on a private network behind a nat node reach an
# "outside" that sees only the alias address (spec §9.11).  The router
# namespace routes the jails' bridge out of an eiface whose frames go
# through nat to another eiface living in the outside namespace:
#
#   j1 198.51.100.10 --+                        router
#   j2 198.51.100.11 --+-- jbr 198.51.100.1  [ip_forward]  natin 198.18.50.1
#                                                              |  ether
#                                                         out [N nat] in
#                                                              |  ether
#                                         outside  198.18.50.2 natout
#
# DLT_EN10MB; the alias address is the router's own 198.18.50.1, which is
# all the outside knows (it has no route to 198.51.100.0/24).  Checked:
# tcpdump on the outside sees no other source; TCP, UDP and ping from a
# jail; a port redirected to a jail's server; two jails with one source
# port at once; 100 MB downloaded intact (super-frames from the TAPs cut
# and translated on the way).
source "$(dirname "$0")/../lib.sh"
H="python3 $top/tests/nat_helper.py"
# a reply with the sender's ID masked
reply() {
	"$@" | sed -E 's/from "\[[0-9a-f]+\]:"/from "[ID]:"/'
	return "${PIPESTATUS[0]}"
}
cleanup() {
	[ -n "${dump:-}" ] && kill "$dump" 2>/dev/null
	for n in j1 j2 router outside; do ip netns del $n 2>/dev/null; done
	rm -rf "$tmp"
	stop_ngd
}
trap cleanup EXIT
start_ngd || finish

ngctl mkpeer eiface ether ether
ngctl mkpeer eiface ether ether
ngctl -f - <<'END'
name ngeth0: natin
name ngeth1: natout
mkpeer natin: nat ether out
name natin:ether N
connect N: natout: in ether
msg N: setdlt 1
msg N: setaliasaddr 198.18.50.1
END
expect "the graph" "1" "$(ngctl msg N: getdlt | sed -n 's/^Args:\t//p')"

for n in j1 j2 router outside; do
	ip netns add $n
	ip -n $n link set lo up
done
ip link set natin netns router
ip link set natout netns outside
ip -n router link add jbr type bridge
ip -n router link set jbr up
ip -n router addr add 198.51.100.1/24 dev jbr
ip -n router link set natin up
ip -n router addr add 198.18.50.1/24 dev natin
in_ns router sysctl -qw net.ipv4.ip_forward=1
ip -n outside link set natout up
ip -n outside addr add 198.18.50.2/24 dev natout
k=10
for j in j1 j2; do
	ip -n router link add v$j type veth peer name eth0 netns $j
	ip -n router link set v$j master jbr up
	ip -n $j link set eth0 up
	ip -n $j addr add 198.51.100.$k/24 dev eth0
	ip -n $j route add default via 198.51.100.1
	k=$((k + 1))
done

# The outside listens, and records what it sees.
in_ns outside tcpdump -n -U -i natout -w "$tmp/dump" ip >/dev/null 2>&1 &
dump=$!
in_ns outside $H peers 7000 "$tmp/peers" &
in_ns outside $H udp 7001 &
head -c 100000000 /dev/urandom >"$tmp/big"
in_ns outside $H file 7002 "$tmp/big" &
# A server in j1, reached through a redirect of the alias port 80.
in_ns j1 $H hello 8080 "j1 here, you are" &
sleep 1

expect_rc "ping from j1 to the outside" 0 \
    quiet in_ns j1 ping -c 2 -i 0.2 -W 2 -q 198.18.50.2
expect "TCP from j1: echoed" "echo one" \
    "$(in_ns j1 $H client 198.18.50.2 7000 41000 one 2>&1)"
expect "the outside saw the alias, port kept" "198.18.50.1 41000" \
    "$(tail -n 1 "$tmp/peers")"
expect "UDP from j2: seen as the alias, port kept" "198.18.50.1 5353" \
    "$(in_ns j2 python3 -c '
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("0.0.0.0", 5353)); s.settimeout(5)
s.sendto(b"x", ("198.18.50.2", 7001)); print(s.recvfrom(100)[0].decode())' 2>&1)"

# Two jails, one source port, the same server, at the same time.
in_ns j1 $H client 198.18.50.2 7000 40000 from-j1 >"$tmp/c1" 2>&1 &
c1=$!
in_ns j2 $H client 198.18.50.2 7000 40000 from-j2 >"$tmp/c2" 2>&1 &
c2=$!
wait $c1 $c2
expect "same source port: j1 answered" "echo from-j1" "$(cat "$tmp/c1")"
expect "same source port: j2 answered" "echo from-j2" "$(cat "$tmp/c2")"
ports=$(tail -n 2 "$tmp/peers" | awk '{ print $2 }' | sort -n | tr '\n' ' ')
# one kept 40000, the other got a port of its own (any, from 32768 up)
if [ "$(tail -n 2 "$tmp/peers" | awk '{ print $1 }' | sort -u)" = 198.18.50.1 ] &&
    [ "$(tail -n 2 "$tmp/peers" | awk '{ print $2 }' | sort -u | wc -l)" = 2 ] &&
    grep -qw 40000 <<<"$ports"; then
	ok "same source port: one kept it, the other moved ($ports)"
else
	fail "same source port: ports seen $ports"
fi

# One ICMP, one UDP link; the three TCP ones (closed, 10 s to live).
info=$(ngctl msg N: libaliasinfo | sed -n 's/^Args:\t//p')
if [[ "$info" =~ ^\{\ icmpLinkCount=1\ udpLinkCount=1\ tcpLinkCount=[23]\ \}$ ]]; then
	ok "libaliasinfo counts the links ($info)"
else
	fail "libaliasinfo: $info"
fi

# A port redirected to j1's server.
check "redirectport 80 to j1:8080" 0 "Rec'd response \"redirectport\" (4) from \"[ID]:\":
Args:	1" "" reply ngctl msg N: redirectport \
    '{ local_addr=198.51.100.10 local_port=8080 alias_port=80 proto=6 description="j1 web" }'
expect "the outside reaches j1 through the redirect" \
    "j1 here, you are 198.18.50.2" "$(in_ns outside $H ask 198.18.50.1 80 2>&1)"
expect_rc "redirectdelete" 0 ngctl msg N: redirectdelete 1
expect_rc "after redirectdelete, port 80 is the router's (refused)" 1 \
    quiet in_ns outside $H ask 198.18.50.1 80

# 100 MB down to j1, intact.
in_ns j1 timeout 120 $H get 198.18.50.2 7002 "$tmp/got"
expect "100 MB downloaded by j1 intact" "$(md5sum <"$tmp/big")" \
    "$(md5sum <"$tmp/got" 2>/dev/null)"
rm -f "$tmp/big" "$tmp/got"

# What the outside received: from the alias address only.
sleep 0.5
kill "$dump" 2>/dev/null
wait "$dump" 2>/dev/null
dump=
srcs=$(tcpdump -n -r "$tmp/dump" 'ip and not src host 198.18.50.2' 2>/dev/null |
    awk '{ print $3 }' | sed -E 's/^([0-9]+\.[0-9]+\.[0-9]+\.[0-9]+).*/\1/' | sort | uniq -c)
expect "the outside saw only the alias address" "198.18.50.1" \
    "$(awk '{ print $2 }' <<<"$srcs")"
finish
