#!/usr/bin/env bash
# Containers, jails and the LAN on one bridge (README "Containers"): jng
# builds em0bridge (em0's wire, the host, jail j1); the CNI plugin hangs
# a container on that existing bridge instead of making one; container,
# jail and LAN host reach each other; the container's DEL leaves the
# bridge, the jail and the LAN as they were.
source "$(dirname "$0")/../lib.sh"
P=$top/build/cni/netgraph
export NETGRAPH_CNI_STATE=$tmp/state CNI_PATH=$top/build/cni:/usr/lib/cni

cleanup() {
	jail -r j1 >/dev/null 2>&1
	stop_ngd
	for n in lan c1; do ip netns del $n 2>/dev/null; done
	ip link del em0 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

ip netns add lan
ip link add em0 type veth peer name lan0 netns lan
ip -n lan link set lo up
ip -n lan link set lan0 up
ip -n lan addr add 198.18.7.2/24 dev lan0
ip link set em0 up
ip addr add 198.18.7.1/24 dev em0
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
expect_rc "jail j1 on em0bridge" 0 quiet jail -f "$tmp/jail.conf" -c j1

C='{"cniVersion":"1.0.0","name":"lan","type":"netgraph","bridge":"em0bridge","ipam":{"type":"host-local","subnet":"198.18.7.0/24","rangeStart":"198.18.7.100","rangeEnd":"198.18.7.199","dataDir":"'"$tmp/ipam"'"}}'
ip netns add c1
res=$(echo "$C" | CNI_COMMAND=ADD CNI_CONTAINERID=c1 CNI_NETNS=/run/netns/c1 CNI_IFNAME=eth0 "$P")
expect "ADD on the existing em0bridge" "198.18.7.100/24" "$(jq -r '.ips[0].address' <<<"$res")"
expect "em0bridge: wire, host, jail, container" "eiface ether
em0 lower
em0 upper
ng0_j1 ether" "$(ngctl show em0bridge: | awk 'NR > 3 { print ($2 == "<unnamed>" || $2 ~ /^ngeth/ ? "eiface" : $2), $5 }' | sort)"
expect_rc "the container pings the jail" 0 quiet ip netns exec c1 ping -c 2 -i 0.2 -w 3 198.18.7.10
expect_rc "the container pings the LAN host" 0 quiet ip netns exec c1 ping -c 2 -i 0.2 -w 3 198.18.7.2
expect_rc "the LAN host pings the container" 0 quiet ip netns exec lan ping -c 2 -i 0.2 -w 3 198.18.7.100
expect_rc "the host pings the container" 0 quiet ping -c 2 -i 0.2 -w 3 198.18.7.100
echo "$C" | CNI_COMMAND=DEL CNI_CONTAINERID=c1 CNI_NETNS=/run/netns/c1 CNI_IFNAME=eth0 "$P"
expect "DEL leaves em0bridge to the wire, the host and the jail" "em0 lower
em0 upper
ng0_j1 ether" "$(ngctl show em0bridge: | awk 'NR > 3 { print $2, $5 }' | sort)"
expect_rc "the jail still pings the LAN host" 0 quiet jexec j1 ping -c 2 -i 0.2 -w 3 198.18.7.2
exit $NG_FAILED
