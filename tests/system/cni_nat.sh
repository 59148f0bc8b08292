#!/usr/bin/env bash
# The CNI plugin's ipMasq and portMappings through a nat node (config
# "nat"): containers on bridge cbr, their gateway cbr-gw in the host's
# namespace, which routes them out of natin, whose frames cross nat N to
# an outside with no route back to the containers:
#
#   c1 198.51.100.2 -- cbr -- cbr-gw 198.51.100.1 [ip_forward] natin 198.18.50.1
#                                                  out [N nat] in -- natout 198.18.50.2 (outside)
#
# The container reaches the outside as 198.18.50.1; port 8080 there
# reaches its port 80 while it lives; DEL removes the forward.
source "$(dirname "$0")/../lib.sh"
P=$top/build/cni/netgraph
export NETGRAPH_CNI_STATE=$tmp/state CNI_PATH=$top/build/cni:/usr/lib/cni
cleanup() {
	for n in c1 outside; do ip netns del $n 2>/dev/null; done
	stop_ngd
	rm -rf "$tmp"
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
for n in c1 outside; do ip netns add $n; ip -n $n link set lo up; done
ip link set natout netns outside
ip -n outside link set natout up
ip -n outside addr add 198.18.50.2/24 dev natout
ip link set natin up
ip addr add 198.18.50.1/24 dev natin
sysctl -qw net.ipv4.ip_forward=1

C='{"cniVersion":"1.0.0","name":"natted","type":"netgraph","bridge":"cbr","isDefaultGateway":true,"ipMasq":true,"nat":"N","capabilities":{"portMappings":true},"runtimeConfig":{"portMappings":[{"hostPort":8080,"containerPort":80,"protocol":"tcp"}]},"ipam":{"type":"host-local","subnet":"198.51.100.0/24","dataDir":"'"$tmp/ipam"'"}}'
cni() { CNI_COMMAND=$1 CNI_CONTAINERID=c1 CNI_NETNS=/run/netns/c1 CNI_IFNAME=eth0 "$P"; }
res=$(echo "$C" | cni ADD)
expect "ADD" "198.51.100.2/24" "$(jq -r '.ips[0].address' <<<"$res")"
expect "the forward on N" "local_addr=198.51.100.2 local_port=80 alias_port=8080 proto=6" \
    "$(ngctl msg N: listredirects | grep -o 'local_addr=[^ ]* local_port=[^ ]* alias_port=[^ ]* proto=[^ ]*')"
expect_rc "the container reaches the outside (masqueraded: no route back)" 0 \
    quiet ip netns exec c1 ping -c 2 -i 0.2 -w 3 198.18.50.2
ip netns exec c1 sh -c 'echo c1 here | timeout 10 nc -l -N 80' >"$tmp/srv" 2>&1 &
srv=$!
sleep 0.3
expect "outside's 198.18.50.1:8080 reaches the container's port 80" "c1 here" \
    "$(ip netns exec outside timeout 5 nc -N 198.18.50.1 8080 </dev/null 2>&1)"
wait $srv
got=$(echo "$C" | cni DEL)
expect "DEL" "" "$got"
expect "DEL removed the forward" "0" \
    "$(ngctl msg N: listredirects | grep -c 'local_addr=')"
expect "only N and the two eifaces stay" "N
natin
natout" "$(ngctl list | awk '$4 != "socket" && $1 == "Name:" { print $2 }' | LC_ALL=C sort)"
bad=$(echo "$C" | sed 's/"nat":"N",//' | cni ADD)
expect "ipMasq without a nat node: code 2" "2" "$(jq -r .code <<<"$bad")"
bad=$(echo "$C" | sed 's/"nat":"N"/"nat":"natin"/' | cni ADD)
expect "nat naming an eiface: code 7" "7" "$(jq -r .code <<<"$bad")"
exit $NG_FAILED
