#!/usr/bin/env bash
# The CNI plugin (netgraph-cni(8)) driven as a runtime drives it: the
# environment and a config on stdin, nothing else.  VERSION without the
# graph; ADD (ngd started by the plugin, detached); CHECK; DEL twice and
# after the netns went; each bad input answered with the spec's code and
# nothing left; mac, mtu, vlan and isGateway; results in 0.3.1; STATUS
# and GC; records that outlive ngd; 50 ADDs at once, then their DELs.
source "$(dirname "$0")/../lib.sh"
P=$top/build/cni/netgraph
export NETGRAPH_CNI_STATE=$tmp/state CNI_PATH=$top/build/cni:/usr/lib/cni
[ -x /usr/lib/cni/host-local ] || { fail "host-local missing (scripts/deps installs containernetworking-plugins)"; exit 1; }
cleanup() {
	for n in $(ip netns list 2>/dev/null | awk '{ print $1 }'); do ip netns del "$n"; done
	rm -rf "$tmp"
}
trap cleanup EXIT

# conf VERSION [EXTRA FIELDS] [IPAM FIELDS]
conf() {
	printf '{"cniVersion":"%s","name":"lab","type":"netgraph","bridge":"labbr"%s,"ipam":{"type":"host-local","dataDir":"%s"%s}}' \
	    "$1" "${2:-}" "$tmp/ipam" "${3:-,\"subnet\":\"198.18.7.0/24\"}"
}
# cni COMMAND CONTAINER NETNS [IFNAME] < config: the plugin's stdout;
# its exit status in $tmp/rc.  timeout: a daemon left holding stdout
# would keep it open (runtimes read it to EOF).
cni() {
	CNI_COMMAND=$1 CNI_CONTAINERID=$2 CNI_NETNS=$3 CNI_IFNAME=${4:-eth0} \
	    CNI_ARGS=${CNI_ARGS_T:-IgnoreUnknown=1} timeout 20 "$P"
	echo $? >"${RCF:-$tmp/rc}"
}
rc() { cat "$tmp/rc"; }
# js FILTER: a field of the JSON on stdin (jq starts in milliseconds)
js() { jq -r "$1"; }
# unretired [ip args]: until no interface ngd retired is left (at most
# 5 s): a shut-down eiface's interface is renamed ngret<n> and set down
# before the reply, and deleted with its batch just after
unretired() {
	for _ in $(seq 250); do
		ip "$@" -o link | grep -q ': ngret' || return 0
		sleep 0.02
	done
}
# Graph nodes of ours, records, reserved addresses, stray interfaces.
left() {
	unretired
	echo "nodes=$(ngctl list 2>/dev/null | awk '$4 == "eiface" || $4 == "bridge" || $4 == "vlan"' | wc -l)" \
	    "records=$(ls "$tmp/state" 2>/dev/null | grep -c json)" \
	    "addrs=$(ls "$tmp/ipam/lab" 2>/dev/null | grep -c '^198')" \
	    "ifs=$(ip -o link | grep -vc ' lo:')"
}
none="nodes=0 records=0 addrs=0 ifs=0"

# VERSION with podman's dummy environment: no ngd, no state.
got=$(echo '{"cniVersion":"1.0.0"}' | cni VERSION "" dummy dummy)
expect "VERSION" '{"cniVersion":"1.0.0","supportedVersions":["0.3.0","0.3.1","0.4.0","1.0.0","1.1.0"]}' "$got"
expect "VERSION exit" 0 "$(rc)"
expect_rc "VERSION started no ngd" 1 pgrep -x ngd
expect_rc "VERSION made no state" 1 test -e "$tmp/state"

# ADD: ngd started on demand, eiface on bridge labbr, eth0 in c1.
ip netns add c1
ip netns add c2
C=$(conf 1.0.0)
res=$(echo "$C" | cni ADD c1 /run/netns/c1)
expect "ADD c1 exit" 0 "$(rc)"
expect_rc "ADD started ngd" 0 pgrep -x ngd
expect "ADD result" "eth0 /run/netns/c1 198.18.7.2/24 0 198.18.7.1" \
    "$(echo "$res" | js '"\(.interfaces[0].name) \(.interfaces[0].sandbox) \(.ips[0].address) \(.ips[0].interface) \(.ips[0].gateway)"')"
expect "result MAC is eth0's" "$(ip -n c1 -o link show eth0 | sed -nE 's/.*link\/ether ([0-9a-f:]+) .*/\1/p')" \
    "$(echo "$res" | js '.interfaces[0].mac')"
expect "eth0 in c1 holds the address" "198.18.7.2/24" \
    "$(ip -n c1 -o -4 addr show dev eth0 | awk '{ print $4 }')"
expect_rc "eth0 is up" 0 quiet ip -n c1 link show eth0 up
expect "nodes in ngctl list" "bridge labbr 1
eiface" "$(ngctl list | awk '$4 == "bridge" { print $4, $2, $NF } $4 == "eiface" { print $4 }' | sort)"
res2=$(echo "$C" | cni ADD c2 /run/netns/c2)
expect "ADD c2" "0 198.18.7.3/24" "$(rc) $(echo "$res2" | js '.ips[0].address')"
expect_rc "c1 pings c2 across the bridge" 0 quiet ip netns exec c1 ping -c 2 -i 0.2 -w 3 198.18.7.3

# CHECK with the ADD's result.
prev() { jq -c --argjson p "$2" '.prevResult = $p' <<<"$1"; }
got=$(prev "$C" "$res" | cni CHECK c1 /run/netns/c1)
expect "CHECK" "0 " "$(rc) $got"
ip -n c1 addr flush dev eth0
got=$(prev "$C" "$res" | cni CHECK c1 /run/netns/c1)
expect "CHECK notices a missing address" "1 101" "$(rc) $(echo "$got" | js .code)"
ip -n c1 addr add 198.18.7.2/24 dev eth0

# DEL twice; DEL after the netns is gone.
got=$(prev "$C" "$res" | cni DEL c1 /run/netns/c1)
expect "DEL c1" "0 " "$(rc) $got"
unretired -n c1
expect "c1's eth0 gone" "" "$(ip -n c1 -o link | grep -v ' lo:')"
got=$(prev "$C" "$res" | cni DEL c1 /run/netns/c1)
expect "DEL c1 again" "0 " "$(rc) $got"
ip netns del c2
got=$(prev "$C" "$res2" | cni DEL c2 /run/netns/c2)
expect "DEL c2 after its netns went" "0 " "$(rc) $got"
expect "nothing left after the DELs" "$none" "$(left)"
got=$(echo "$C" | cni DEL never "")
expect "DEL of an unknown container, no netns" "0 " "$(rc) $got"

# Bad inputs: the spec's code on stdout, exit 1, nothing left.
bad() { # name, code, config, [netns]
	local got
	got=$(echo "$3" | cni ADD c1 "${4:-/run/netns/c1}")
	expect "$1: code" "1 $2" "$(rc) $(echo "$got" | js .code 2>&1)"
	expect "$1: nothing left" "$none" "$(left)"
}
bad "malformed JSON" 6 '{"cniVersion":"1.0.0","name":'
bad "not an object" 6 '[1,2]'
bad "unsupported version" 1 "$(conf 0.2.0)"
bad "bridge of the wrong type" 7 "$(conf 1.0.0 | sed 's/"labbr"/7/')"
bad "mtu of the wrong type" 7 "$(conf 1.0.0 ',"mtu":"big"')"
bad "bridge not a node name" 7 "$(conf 1.0.0 | sed 's/"labbr"/"a:b"/')"
# The spec's network name: ^[a-zA-Z0-9][a-zA-Z0-9_.\-]*$, and a NUL
# inside a string is refused, not cut short.
bad "network name with a slash" 7 "$(conf 1.0.0 | sed 's/"lab"/"..\/x"/')"
bad "network name starting with a dot" 7 "$(conf 1.0.0 | sed 's/"lab"/".lab"/')"
bad "empty network name" 7 "$(conf 1.0.0 | sed 's/"lab"/""/')"
bad "no network name" 7 "$(conf 1.0.0 | sed 's/"name":"lab",//')"
bad "network name with a NUL" 7 "$(conf 1.0.0 | sed 's/"lab"/"lab\\u0000x"/')"
bad "bridge with a NUL" 7 "$(conf 1.0.0 | sed 's/"labbr"/"labbr\\u0000x"/')"
got=$(conf 1.0.0 | sed 's/"lab"/"-lab"/' | cni ADD c1 /run/netns/c1)
expect "the plugin says why" '7 network name "-lab" must match ^[a-zA-Z0-9][a-zA-Z0-9_.\-]*$' \
    "$(echo "$got" | js '"\(.code) \(.msg)"')"
got=$(conf 1.0.0 | sed 's/"lab"/"lab\\u0000x"/' | cni ADD c1 /run/netns/c1)
expect "... and of a NUL" '7 field "name" holds a NUL byte' \
    "$(echo "$got" | js '"\(.code) \(.msg)"')"
bad "ipam plugin missing" 7 "$(conf 1.0.0 | sed 's/host-local/no-such-ipam/')"
bad "IPAM failure (passed on)" 999 "$(conf 1.0.0 '' ',"subnet":"not-a-subnet"')"
bad "missing netns" 3 "$C" /run/netns/nope
# A netns path that is no namespace: refused at once (a FIFO held the
# plugin until the runtime's timeout, a file failed only after the
# eiface was made).
mkfifo "$tmp/fifo"
bad "netns that is a FIFO" 4 "$C" "$tmp/fifo"
bad "netns that is a file" 4 "$C" /etc/hostname
# An IPAM plugin that answers without reading its stdin (a config
# larger than a pipe holds): its error comes through, the plugin is not
# killed by SIGPIPE.
mkdir -p "$tmp/bin"
printf '#!/bin/sh\necho %s\nexit 1\n' "'{\"code\":11,\"msg\":\"busy\"}'" >"$tmp/bin/deaf"
chmod +x "$tmp/bin/deaf"
pad=$(head -c 200000 /dev/zero | tr '\0' x)
CNI_PATH=$CNI_PATH:$tmp/bin bad "IPAM that reads no stdin" 11 "$(conf 1.0.0 ",\"pad\":\"$pad\"" | sed 's/host-local/deaf/')"
got=$(echo "$C" | CNI_ARGS_T='MAC=zz' cni ADD c1 /run/netns/c1)
expect "bad CNI_ARGS MAC" "1 4" "$(rc) $(echo "$got" | js .code)"
got=$(echo "$C" | CNI_CONTAINERID= CNI_COMMAND=ADD CNI_NETNS=/run/netns/c1 CNI_IFNAME=eth0 "$P")
expect "no CNI_CONTAINERID" "4" "$(echo "$got" | js .code)"
# An address range of one, taken: the second ADD fails in IPAM after
# the eiface exists, and rolls it back.
R=$(conf 1.0.0 '' ',"subnet":"198.18.7.0/24","rangeStart":"198.18.7.9","rangeEnd":"198.18.7.9"')
echo "$R" | cni ADD c1 /run/netns/c1 >/dev/null
ip netns add c3
got=$(echo "$R" | cni ADD c3 /run/netns/c3)
expect "IPAM out of addresses: code" "1 999" "$(rc) $(echo "$got" | js .code)"
expect "... rolled back (c1's attachment only)" "nodes=2 records=1 addrs=1 ifs=0" "$(left)"
expect "... no stray interface in c3" "" "$(ip -n c3 -o link | grep -v ' lo:')"
echo "$R" | cni DEL c1 /run/netns/c1
expect "range freed" "$none" "$(left)"

# mac, mtu, vlan, isGateway + isDefaultGateway; result in 0.3.1.
G=$(conf 0.3.1 ',"mtu":1400,"mac":"02:00:5e:00:53:01","vlan":7,"isDefaultGateway":true')
res=$(echo "$G" | cni ADD c1 /run/netns/c1)
expect "ADD with the options" 0 "$(rc)"
expect "0.3.1 result: ips carry version, gateway interface first" "0.3.1 4 1 labbr-gw7 eth0" \
    "$(echo "$res" | js '"\(.cniVersion) \(.ips[0].version) \(.ips[0].interface) \(.interfaces[0].name) \(.interfaces[1].name)"')"
expect "mac and mtu" "02:00:5e:00:53:01 1400" \
    "$(ip -n c1 -o link show eth0 | sed -nE 's/.* mtu ([0-9]+) .*link\/ether ([0-9a-f:]+) .*/\2 \1/p')"
expect "gateway eiface holds the gateway address" "198.18.7.1/24" \
    "$(ip -o -4 addr show dev labbr-gw7 | awk '{ print $4 }')"
expect "default route via the gateway" "default via 198.18.7.1 dev eth0" \
    "$(ip -n c1 route show default | sed 's/ *$//; s/ proto boot//')"
expect "vlan nodes for eiface and gateway" "2" "$(ngctl list | awk '$4 == "vlan"' | wc -l)"
expect_rc "c1 pings its gateway through the vlan node" 0 quiet ip netns exec c1 ping -c 2 -i 0.2 -w 3 198.18.7.1
echo "$G" | cni DEL c1 /run/netns/c1
expect "DEL takes eiface, vlan node, gateway and bridge" "$none" "$(left)"

# STATUS and GC (1.1.0); a record outlives ngd.
N=$(conf 1.1.0)
got=$(echo "$N" | cni STATUS "" "")
expect "STATUS" "0 " "$(rc) $got"
echo "$N" | cni ADD c1 /run/netns/c1 >/dev/null
echo "$N" | cni ADD c3 /run/netns/c3 >/dev/null
got=$(echo "$N" | jq -c '."cni.dev/valid-attachments" = [{"containerID": "c3", "ifname": "eth0"}]' | cni GC "" "")
expect "GC" "0 " "$(rc) $got"
expect "GC kept c3 only" "nodes=2 records=1 addrs=1 ifs=0" "$(left)"
expect_rc "c3's eth0 stays" 0 quiet ip -n c3 link show eth0
# (pgrep sees only this sandbox's PID namespace: our own ngd)
kill $(pgrep -x ngd)
for _ in $(seq 50); do pgrep -x ngd >/dev/null || break; sleep 0.1; done
got=$(echo "$N" | cni DEL c3 /run/netns/c3)
expect "DEL after ngd restarted (the record led to a gone node)" "0 " "$(rc) $got"
expect "nothing left after the restart" "$none" "$(left)"

# 50 ADDs at once, distinct addresses; then 50 DELs at once.
for i in $(seq 50); do ip netns add p$i; done
for i in $(seq 50); do
	echo "$C" | RCF=$tmp/rc.$i cni ADD p$i /run/netns/p$i >"$tmp/add.$i" &
done
wait
expect "50 ADDs succeeded" "50" "$(cat "$tmp"/rc.* | grep -c '^0$')"
expect "50 distinct addresses" "50" "$(jq -r -s '.[].ips[0].address' "$tmp"/add.* | sort -u | wc -l)"
expect "51 nodes (50 eifaces, 1 bridge)" "51" "$(ngctl list | awk '$4 == "eiface" || $4 == "bridge"' | wc -l)"
expect_rc "p1 pings p50" 0 quiet ip netns exec p1 ping -c 1 -W 2 "$(js '.ips[0].address | split("/")[0]' <"$tmp/add.50")"
for i in $(seq 50); do
	echo "$C" | RCF=$tmp/rc.$i cni DEL p$i /run/netns/p$i &
done
wait
expect "50 DELs succeeded" "50" "$(cat "$tmp"/rc.* | grep -c '^0$')"
expect "nothing left after 50 DELs" "$none" "$(left)"
exit $NG_FAILED
