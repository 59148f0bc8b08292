#!/usr/bin/env bash
# System test: a bridge's messages in ASCII after real traffic.
#
#   ns a: ngeth0 --ether-- link1 [br0] link2 --ether-- ngeth1 :ns b
#         198.18.9.1/24                                  198.18.9.2/24
#
# After pings, getstats shows the packets on both links, gettable has each
# namespace's MAC on its own link, and getifaddrs reads the addresses from
# inside the namespaces.
source "$(dirname "$0")/../lib.sh"
start_ngd || finish
trap 'ip netns del a 2>/dev/null; ip netns del b 2>/dev/null; stop_ngd' EXIT

# field NAME TEXT: the value of NAME=... in an ASCII reply, or 0
field() { sed -nE "s/.*[ {]$1=([^ ]+).*/\\1/p" <<<"$2" | head -n 1 | grep . || echo 0; }
args() { ngctl msg "$@" | sed -n 's/^Args:\t//p'; }
positive() { # NAME VALUE
	if [ "$2" -gt 0 ] 2>/dev/null; then ok "$1 ($2)"; else fail "$1 ($2)"; fi
}

expect_rc "eiface ngeth0" 0 ngctl mkpeer . eiface e ether
expect_rc "eiface ngeth1" 0 ngctl mkpeer . eiface e ether
expect_rc "bridge on ngeth0" 0 ngctl mkpeer ngeth0: bridge ether link1
expect_rc "name it br0" 0 ngctl name ngeth0:ether br0
expect_rc "ngeth1 to link2" 0 ngctl connect br0: ngeth1: link2 ether

for i in 0 1; do
	ns=$([ $i = 0 ] && echo a || echo b)
	ip netns add $ns
	ip link set ngeth$i netns $ns
	ip netns exec $ns sysctl -qw net.ipv6.conf.ngeth$i.disable_ipv6=1
	ip -n $ns addr add 198.18.9.$((i + 1))/24 dev ngeth$i
	ip -n $ns link set ngeth$i up
done
mac_a=$(ip -n a link show ngeth0 | awk '/link\/ether/ { print $2 }')
mac_b=$(ip -n b link show ngeth1 | awk '/link\/ether/ { print $2 }')

expect_rc "ping a -> b through the bridge" 0 \
    in_ns a ping -c 3 -i 0.2 -W 2 -q 198.18.9.2

s1=$(args br0: getstats 1)
s2=$(args br0: getstats 2)
positive "link1 recvPackets" "$(field recvPackets "$s1")"
positive "link1 xmitPackets" "$(field xmitPackets "$s1")"
positive "link2 recvPackets" "$(field recvPackets "$s2")"
positive "link2 xmitPackets" "$(field xmitPackets "$s2")"
positive "link1 recvBroadcast (the ARP request)" "$(field recvBroadcast "$s1")"
positive "link2 xmitBroadcasts (the same, flooded)" \
    "$(field xmitBroadcasts "$s2")"
expect "what link1 received, link2 sent" \
    "$(field recvPackets "$s1")" "$(field xmitPackets "$s2")"

t=$(args br0: gettable)
expect "gettable: two hosts" 2 "$(field numHosts "$t")"
if grep -qF "{ addr=$mac_a hook=\"link1\"" <<<"$t"; then
	ok "gettable: ns a's MAC on link1"
else
	fail "gettable: ns a's MAC ($mac_a) on link1"
	echo "    $t"
fi
if grep -qF "{ addr=$mac_b hook=\"link2\"" <<<"$t"; then
	ok "gettable: ns b's MAC on link2"
else
	fail "gettable: ns b's MAC ($mac_b) on link2"
	echo "    $t"
fi

expect "getifaddrs inside ns a" \
    "{ numAddrs=1 addrs=[ { addr=198.18.9.1 prefixlen=24 } ] }" \
    "$(args ngeth0: getifaddrs)"
expect "getifaddrs inside ns b" \
    "{ numAddrs=1 addrs=[ { addr=198.18.9.2 prefixlen=24 } ] }" \
    "$(args ngeth1: getifaddrs)"

c=$(args br0: getclrstats 1)
positive "getclrstats 1 returns the counts" "$(field recvPackets "$c")"
positive "... no fewer than before" \
    $(($(field recvPackets "$c") - $(field recvPackets "$s1") + 1))
after=$(args br0: getstats 1)
if [ "$(field recvPackets "$after")" -lt "$(field recvPackets "$c")" ]; then
	ok "... and clears them"
else
	fail "... and clears them ($after)"
fi
expect_rc "reset" 0 ngctl msg br0: reset
expect "reset forgets the hosts" "{}" "$(args br0: gettable)"

# A big table reads as text too: 20,000 random hosts (and the one they
# all write to) learned behind a hub; the binary reply, 800 KB, goes back
# to ngd whole for binary2ascii.
# The namespaces' interfaces go down first: an ARP probe from either
# while the hosts arrive (slow on a loaded machine) is a host too.
ip -n a link set ngeth0 down
ip -n b link set ngeth1 down
ngctl mkpeer br0: hub link7 a
ngctl name br0:link7 bigh
/usr/bin/python3 "$top/tests/system/ngwire.py" macs bigh: x 20000 5 >/dev/null
t=$(args br0: gettable)
# (a and b may speak meanwhile, and be learned again on link1 and link2)
n=$(echo "$t" | sed -nE 's/.*numHosts=([0-9]+).*/\1/p')
expect "gettable of 20,001 hosts in ASCII" "20001 20001" \
    "$(echo "$t" | grep -o 'hook="link7"' | wc -l) $((n - $(echo "$t" |
	grep -o 'hook="link[12]"' | wc -l)))"
finish
