#!/usr/bin/env bash
# System test: a bpf node between two namespaces with the tcpdump filter
# "icmp" on both sides (spec §9.10, setfilter): pings pass, TCP does not.
# ARP would not pass either, so each side knows the other's MAC.  Then
# with "icmp or tcp" a bulk transfer passes whole.
#
#   ns a: bpfa --ether-- a [F bpf] b --ether-- bpfb :ns b
#         198.18.21.1/24                      198.18.21.2/24
source "$(dirname "$0")/../lib.sh"
start_ngd || finish
trap 'ip netns del a 2>/dev/null; ip netns del b 2>/dev/null; rm -rf "$tmp"; stop_ngd' EXIT

args() { ngctl msg "$@" | sed -n 's/^Args:\t//p'; }

ngctl mkpeer eiface ether ether
ngctl mkpeer eiface ether ether
ngctl -f - <<'END'
name ngeth0: bpfa
name ngeth1: bpfb
mkpeer bpfa: bpf ether a
name bpfa:ether F
connect F: bpfb: b ether
END
expect_rc "setfilter a: icmp to b" 0 \
    ngctl msg F: setfilter '{ thisHook="a" ifMatch="b" filter="icmp" }'
expect_rc "setfilter b: icmp to a" 0 \
    ngctl msg F: setfilter '{ thisHook="b" ifMatch="a" filter="icmp" }'

for n in a b; do
	ip netns add $n
	ip link set bpf$n netns $n
	ip netns exec $n sysctl -qw net.ipv6.conf.bpf$n.disable_ipv6=1
	ip -n $n link set bpf$n up
done
mac_a=$(ip -n a link show bpfa | awk '/link\/ether/ { print $2 }')
mac_b=$(ip -n b link show bpfb | awk '/link\/ether/ { print $2 }')
ip -n a addr add 198.18.21.1/24 dev bpfa
ip -n b addr add 198.18.21.2/24 dev bpfb
ip -n a neigh add 198.18.21.2 lladdr "$mac_b" dev bpfa nud permanent
ip -n b neigh add 198.18.21.1 lladdr "$mac_a" dev bpfb nud permanent

expect_rc "ping a -> b passes" 0 in_ns a ping -c 3 -i 0.2 -W 2 -q 198.18.21.2
expect_rc "ping b -> a passes" 0 in_ns b ping -c 2 -i 0.2 -W 2 -q 198.18.21.1
in_ns b timeout 5 nc -l -p 5001 >/dev/null &
nc_pid=$!
sleep 0.3
expect_rc "TCP a -> b is dropped" 1 in_ns a nc -z -w 1 198.18.21.2 5001
kill $nc_pid 2>/dev/null
wait $nc_pid 2>/dev/null

# What the node saw: matches went on, the TCP SYNs did not.
st=$(args F: getstats '"a"')
m=$(sed -nE 's/.*recvMatchFrames=([0-9]+).*/\1/p' <<<"$st")
r=$(sed -nE 's/.*recvFrames=([0-9]+).*/\1/p' <<<"$st")
x=$(args F: getstats '"b"' | sed -nE 's/.*xmitFrames=([0-9]+).*/\1/p')
if [ "${m:-0}" -ge 3 ] && [ "${r:-0}" -gt "${m:-0}" ] && [ "${x:-0}" = "${m:-0}" ]; then
	ok "getstats: $r frames in on a, $m matched and went out b"
else
	fail "getstats: $st"
fi

# Let TCP through too: 64 KiB super-frames are filtered as the frames
# they stand for and arrive whole, checksums and all.
ngctl msg F: setfilter '{ thisHook="a" ifMatch="b" filter="icmp or tcp" }'
ngctl msg F: setfilter '{ thisHook="b" ifMatch="a" filter="icmp or tcp" }'
head -c 2000000 /dev/urandom >$tmp/send
in_ns b timeout 10 nc -l -p 5002 >$tmp/recv &
nc_pid=$!
sleep 0.3
in_ns a timeout 10 nc -q 1 198.18.21.2 5002 <$tmp/send
wait $nc_pid
expect "2 MB over TCP through the filter arrive intact" "$(md5sum <$tmp/send)" "$(md5sum <$tmp/recv)"
finish
