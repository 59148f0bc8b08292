#!/usr/bin/env bash
# Jails on the LAN (spec §9.4, §10.3): a vnet jail whose jail.conf runs
# `jng bridge` and `jng shutdown`, on an uplink em0 that is a veth into a
# "lan" namespace.  The jail reaches a LAN host (ping, 10 MB of TCP) while
# the host keeps its own address on em0; jng shutdown and a SIGKILLed ngd
# both leave em0 working as if ngd had never been there.
#
#   jail j1: ng0_j1 --link2-- em0bridge --link0-- em0:lower (wire) -- lan0
#                                       --link1-- em0:upper (host stack)
source "$(dirname "$0")/../lib.sh"

cleanup() {
	jail -r j1 >/dev/null 2>&1
	stop_ngd
	ip netns del lan 2>/dev/null
	ip link del em0 2>/dev/null
}
trap 'cleanup; rm -rf "$tmp"' EXIT

ip netns add lan
ip link add em0 type veth peer name lan0 netns lan
ip -n lan link set lo up
ip -n lan link set lan0 up
ip -n lan addr add 198.18.7.2/24 dev lan0
ip link set em0 up
ip addr add 198.18.7.1/24 dev em0
# the host and the LAN see each other before any of this
expect_rc "host pings the LAN host, no ngd" 0 quiet ping -c 1 -W 2 198.18.7.2

start_ngd
cat >"$tmp/jail.conf" <<EOC
j1 {
	vnet;
	persist;
	vnet.interface = ng0_j1;
	ip4.addr = "ng0_j1|198.18.7.10/24";
	exec.prestart += "jng bridge j1 em0";
	exec.poststop += "jng shutdown j1";
}
EOC
expect_rc "jail -c j1 (jng bridge j1 em0 in exec.prestart)" 0 jail -f "$tmp/jail.conf" -c j1
expect "the graph jng built" "em0bridge link0 em0 lower
em0bridge link1 em0 upper
em0bridge link2 ng0_j1 ether" \
    "$(ngctl show em0bridge: | awk 'NR > 3 { print "em0bridge", $1, $2, $5 }' | sort)"
expect "em0 is promiscuous" 1 "$(ngctl msg em0: getpromisc | sed -n 's/^Args:\t//p')"
expect "the jail's interface is in the jail" ng0_j1 \
    "$(jexec j1 ip -o link show ng0_j1 | awk -F': ' '{ print $2 }' | sed 's/@.*//')"
m=$(jexec j1 cat /sys/class/net/ng0_j1/address)
pm=$(cat /sys/class/net/em0/address)
expect "its MAC ends in em0's last three octets" "${pm:9}" "${m:9}"
case ${m:1:1} in 2 | a) ok "its MAC is locally administered ($m)" ;; *) fail "MAC $m" ;; esac

expect_rc "the jail pings the LAN host" 0 quiet jexec j1 ping -c 3 -i 0.2 -w 4 198.18.7.2
expect_rc "the LAN host pings the jail" 0 quiet ip netns exec lan ping -c 3 -i 0.2 -w 4 198.18.7.10
expect_rc "the host still pings the LAN host on em0" 0 quiet ping -c 3 -i 0.2 -w 4 198.18.7.2
expect_rc "the LAN host still pings the host" 0 quiet ip netns exec lan ping -c 3 -i 0.2 -w 4 198.18.7.1
expect_rc "the host pings the jail" 0 quiet ping -c 3 -i 0.2 -w 4 198.18.7.10

# 10 MB of TCP from the jail to the LAN host, byte for byte
head -c 10485760 /dev/urandom >"$tmp/10m"
ip netns exec lan timeout 30 nc -d -l -p 5001 >"$tmp/got" &
lpid=$!
for _ in $(seq 50); do
	ip netns exec lan ss -ltn | grep -q ':5001 ' && break
	sleep 0.05
done
jexec j1 timeout 30 nc -q 1 198.18.7.2 5001 <"$tmp/10m"
wait $lpid
expect "10 MB of TCP jail -> LAN arrived whole" "$(sha256sum <"$tmp/10m")" \
    "$(sha256sum <"$tmp/got")"
# and back, LAN -> jail
jexec j1 timeout 30 nc -d -l -p 5002 >"$tmp/got2" &
lpid=$!
for _ in $(seq 50); do
	jexec j1 ss -ltn | grep -q ':5002 ' && break
	sleep 0.05
done
idx=$(cat /sys/class/net/em0/ifindex)
st() { cat "/sys/class/net/ngel$idx/statistics/$1"; }
# With NGD_FASTPATH=1 the bridge switches in the kernel and em0's frames
# cross its uplinks (ngu<n>, src/ngd/fastpath_ether.c), not the TAP.
# The wire's frames go from em0 straight into the data-plane end (ngduN).
up() {
	local d
	d=$(echo /run/netgraph/*/dataplane)
	[ -e "$d" ] || { echo 0; return; }
	nsenter --net="$d" cat /proc/net/dev | sed 's/^ *//' |
	    awk -F'[: ]+' -v c="$1" '$1 ~ /^ngdu/ { n += c == "rx_bytes" ? $2 : $3 } END { print n + 0 }'
}
p0=$(($(st tx_packets) + $(up rx_packets)))
b0=$(($(st tx_bytes) + $(up rx_bytes)))
ip netns exec lan timeout 30 nc -q 1 198.18.7.10 5002 <"$tmp/10m"
wait $lpid
p1=$(($(st tx_packets) + $(up rx_packets)))
b1=$(($(st tx_bytes) + $(up rx_bytes)))
avg=$(((b1 - b0) / (p1 - p0 > 0 ? p1 - p0 : 1)))
if [ "$avg" -gt 3000 ]; then
	ok "GSO frames from the wire reach ngd whole (average $avg bytes)"
else
	fail "frames from the wire average $avg bytes: no GSO"
fi
expect "10 MB of TCP LAN -> jail arrived whole" "$(sha256sum <"$tmp/10m")" \
    "$(sha256sum <"$tmp/got2")"

expect "jng show j1" ng0_j1 "$(jng show j1)"
stats=$(jng stats j1)
if grep -qE '^ +recvPackets = [1-9]' <<<"$stats"; then
	ok "jng stats j1 counts the jail's frames"
else
	fail "jng stats j1"
	echo "$stats" | sed 's/^/    /'
fi
expect_rc "jng bridge again: ng0_j1 exists, nothing made" 0 jng bridge j1 em0
expect "still one eiface" 1 "$(ngctl list | grep -c 'Type: eiface')"
# The MAC of a second jail's interface, on link3, in full, as FreeBSD's
# jng derives it: N P:S2 S2:S1 S0:III, N em0's counter in this run (0),
# S the name's sum(1) without a newline (www: 16592, 0x40d0; GNU sum
# pads it with zeros), III em0's last three octets (user5_jng_mac.sh)
expect "jng bridge www em0: no complaint" "" "$(jng bridge www em0 2>&1)"
case ${pm:1:1} in 2) p=a ;; *) p=2 ;; esac
expect "ng0_www's MAC derived from em0's and www's sum" "0$p:00:d0:${pm:9}" \
    "$(cat /sys/class/net/ng0_www/address)"
jng shutdown www
expect_rc "jng with a bad name" 1 quiet jng bridge 'a-b' em0
expect_rc "jng without arguments" 64 quiet jng

# jail -r runs jng shutdown: the eiface goes, the bridge stays on em0
expect_rc "jail -r j1 (jng shutdown j1 in exec.poststop)" 0 jail -f "$tmp/jail.conf" -r j1
expect "no eiface left" 0 "$(ngctl list | grep -c 'Type: eiface')"
expect_rc "ng0_j1 is gone" 1 quiet ip link show ng0_j1
expect_rc "em0bridge stays" 0 quiet ngctl info em0bridge:
expect_rc "the host pings the LAN host through the graph" 0 quiet ping -c 3 -i 0.2 -w 4 198.18.7.2

# ngd killed with the hooks in place: the kernel detaches every program
expect "two TAP channels for em0" 2 "$(ip -o link show | grep -c ': nge[lu][0-9]*:')"
kill -9 "$NGD_PID"
wait "$NGD_PID" 2>/dev/null
NGD_PID=
for _ in $(seq 50); do
	[ "$(ip -o link show | grep -c ': nge[lu][0-9]*:')" = 0 ] && break
	sleep 0.05
done
expect "after SIGKILL no TAP channel is left" 0 "$(ip -o link show | grep -c ': nge[lu][0-9]*:')"
expect_rc "after SIGKILL the host pings the LAN host" 0 quiet ping -c 3 -i 0.2 -w 4 198.18.7.2
expect_rc "after SIGKILL the LAN host pings the host" 0 quiet ip netns exec lan ping -c 3 -i 0.2 -w 4 198.18.7.1
expect "em0 is not promiscuous any more" 0 \
    "$(ip -d link show em0 | sed -nE 's/.* promiscuity ([0-9]+) .*/\1/p')"
finish
