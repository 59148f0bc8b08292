#!/usr/bin/env bash
# A runtime's CNI_IFNAME against the container it names (netgraph-cni(8)):
#   - a name with '%' is refused with code 4 before anything is made: the
#     kernel names an interface from such a pattern ("e%d" became e0),
#     and the plugin, looking for e%d, failed with "interface e%d: No such
#     device" (code 101) after making the eiface;
#   - a name the container has already (another container's eth0 in the
#     same netns, its lo) is code 101 "File exists", and nothing of the
#     try is left: no node, record, address or interface;
#   - the same container's ADD again is code 7, the first left as it was.
source "$(dirname "$0")/../lib.sh"
P=$top/build/cni/netgraph
export NETGRAPH_CNI_STATE=$tmp/state CNI_PATH=$top/build/cni:/usr/lib/cni
[ -x /usr/lib/cni/host-local ] || { fail "host-local missing (scripts/deps installs containernetworking-plugins)"; exit 1; }
cleanup() {
	ip netns del c1 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
conf() {
	printf '{"cniVersion":"1.0.0","name":"lab","type":"netgraph","bridge":"labbr","ipam":{"type":"host-local","dataDir":"%s","subnet":"198.18.7.0/24"}}' "$tmp/ipam"
}
# cni COMMAND CONTAINER IFNAME: the code and message of its answer (0 ok)
cni() {
	conf | CNI_COMMAND=$1 CNI_CONTAINERID=$2 CNI_NETNS=/run/netns/c1 \
	    CNI_IFNAME=$3 timeout 20 "$P" >"$tmp/out"
	echo "$? $(jq -r '"\(.code // 0) \(.msg // "")"' "$tmp/out")"
}
left() {
	echo "nodes=$(ngctl list 2>/dev/null | awk '$4 == "eiface" || $4 == "bridge"' | wc -l)" \
	    "records=$(ls "$tmp/state" 2>/dev/null | grep -c json)" \
	    "addrs=$(ls "$tmp/ipam/lab" 2>/dev/null | grep -c '^198')" \
	    "host=$(ip -o link | grep -vc ' lo:')" \
	    "c1=$(ip -n c1 -o link | awk '{ print $2 }' | tr -d '\n')"
}
ip netns add c1

expect "a '%' in CNI_IFNAME: code 4" '1 4 CNI_IFNAME "e%d" is not an interface name' \
    "$(cni ADD a1 'e%d')"
expect "... nothing made" "nodes=0 records=0 addrs=0 host=0 c1=lo:" "$(left)"

expect "ADD a1 eth0" "0 0 " "$(cni ADD a1 eth0)"
one="nodes=2 records=1 addrs=1 host=0 c1=lo:eth0@if4:"
expect "... its eiface, record, address, c1's eth0" "$one" "$(left | sed 's/@if[0-9]*:/@if4:/')"
expect "ADD a2 eth0 in the same netns: code 101" "1 101 cannot name interface ngeth1 eth0 in netns /run/netns/c1" \
    "$(cni ADD a2 eth0)"
expect "... nothing of it left" "$one" "$(left | sed 's/@if[0-9]*:/@if4:/')"
expect "ADD a3 lo: code 101" "1 101 cannot name interface ngeth1 lo in netns /run/netns/c1" \
    "$(cni ADD a3 lo)"
expect "... nothing of it left" "$one" "$(left | sed 's/@if[0-9]*:/@if4:/')"
expect "ADD a1 eth0 again: code 7" "1 7 container a1 already has eth0 on network lab (node [00000002]); DEL it first" \
    "$(cni ADD a1 eth0)"
expect "... the first as it was" "$one" "$(left | sed 's/@if[0-9]*:/@if4:/')"
expect "... and c1's eth0 keeps its address" "198.18.7.2/24" \
    "$(ip -n c1 -o -4 addr show dev eth0 | awk '{ print $4 }')"
expect "DEL a1" "0 " "$(cni DEL a1 eth0)"
expect "... nothing left" "nodes=0 records=0 addrs=0 host=0 c1=lo:" "$(left)"
# (the ngd the plugin started dies with the sandbox's PID namespace)
exit $NG_FAILED
