#!/usr/bin/env bash
# The CNI plugin called by many at once, as a runtime starting many
# containers calls it.  Each command held the state directory's lock from
# start to end, ngd's work included (an eiface made, moved, configured):
# 50 ADDs took their turns (21.6 s at load 13 here, 60 s and 19 told to
# try again, code 11, under heavier load).  Now a command holds only its
# attachment's lock throughout, and the directory's only around what
# attachments share (the gateway, made by the first and let go by the
# last).
#   1. While ngd is stopped (SIGSTOP), an ADD waits for it; a DEL of
#      another container, which needs no ngd, is not held up by it.
#   2. 30 ADDs at once on a bridge no one has made yet, with a gateway:
#      one bridge, one gateway, 30 distinct addresses, all reachable.
#   3. Their 30 DELs at once, while 10 other ADDs arrive: the gateway
#      stays for those 10 (the last DEL of the first 30 did not take it
#      from under them); their DELs then leave nothing.
source "$(dirname "$0")/../lib.sh"
P=$top/build/cni/netgraph
export NETGRAPH_CNI_STATE=$tmp/state CNI_PATH=$top/build/cni:/usr/lib/cni
[ -x /usr/lib/cni/host-local ] || { fail "host-local missing (scripts/deps installs containernetworking-plugins)"; exit 1; }
cleanup() {
	[ -n "${NGD_PID:-}" ] && kill -CONT "$NGD_PID" 2>/dev/null
	stop_ngd
	for n in $(ip netns list 2>/dev/null | awk '{ print $1 }'); do ip netns del "$n"; done
	rm -rf "$tmp"
}
trap cleanup EXIT

C='{"cniVersion":"1.0.0","name":"par","type":"netgraph","bridge":"parbr","isGateway":true,"ipam":{"type":"host-local","dataDir":"'"$tmp"'/ipam","subnet":"198.18.16.0/20"}}'
# cni COMMAND CONTAINER: in the background, its stdout in $tmp/out.NAME and
# its exit status in $tmp/rc.NAME (written last); pid in $!.  timeout: a
# runtime's (podman's and containerd's have none of their own).
cni() {
	(echo "$C" | CNI_COMMAND=$1 CNI_CONTAINERID=$2 CNI_NETNS=/run/netns/$2 \
	    CNI_IFNAME=eth0 timeout 120 "$P" >"$tmp/out.$2"
	echo $? >"$tmp/rc.$2.tmp" && mv "$tmp/rc.$2.tmp" "$tmp/rc.$2") &
}
# ok_rcs NAME...: how many of them exited 0
ok_rcs() { local n; for n; do cat "$tmp/rc.$n" 2>/dev/null; done | grep -c '^0$'; }
addr_of() { jq -r '.ips[0].address | split("/")[0]' <"$tmp/out.$1"; }
count() { ngctl list | awk -v t="$1" '$4 == t' | wc -l; }
ifs_left() { ip -o link | grep -vc ' lo:'; }

start_ngd || finish
for i in $(seq 30); do ip netns add p$i; done
for i in $(seq 10); do ip netns add q$i; done
ip netns add r1

# 1. An ADD waiting for a stopped ngd holds no lock a DEL of another needs.
kill -STOP "$NGD_PID"
cni ADD r1
r1=$!
# (until the ADD has connected to ngd: it has its locks by then)
for _ in $(seq 1500); do
	ss -xp | grep -q '"netgraph"' && break
	sleep 0.02
done
cni DEL p1
pending=stopped
for _ in $(seq 750); do
	[ -e "$tmp/rc.p1" ] && break
	sleep 0.02
done
[ -e "$tmp/rc.r1" ] && pending="r1 done"
expect "DEL of another container ends while ngd is stopped (and r1's ADD waits)" \
    "0 stopped" "$(cat "$tmp/rc.p1" 2>/dev/null || echo none) $pending"
kill -CONT "$NGD_PID"
wait "$r1"
expect "... r1's ADD ends once ngd goes on" 1 "$(ok_rcs r1)"
ip netns del r1
CNI_COMMAND=DEL CNI_CONTAINERID=r1 CNI_NETNS=/run/netns/r1 CNI_IFNAME=eth0 \
    "$P" <<<"$C" >/dev/null || fail "DEL r1"
expect "... and DEL r1 takes bridge and gateway with it" "0 0" "$(count eiface) $(count bridge)"

# 2. 30 ADDs at once: the bridge and the gateway made by whichever comes first.
rm -f "$tmp"/rc.*
pids=()
for i in $(seq 30); do cni ADD p$i; pids+=($!); done
wait "${pids[@]}"
expect "30 ADDs at once succeeded" 30 "$(ok_rcs $(seq -f p%g 30))"
expect "30 distinct addresses" 30 "$(for i in $(seq 30); do addr_of p$i; done | sort -u | wc -l)"
expect "one bridge, 30 eifaces and the gateway's" "1 31" "$(count bridge) $(count eiface)"
expect "the gateway holds its address" "198.18.16.1/20" \
    "$(ip -o -4 addr show dev parbr-gw | awk '{ print $4 }')"
expect_rc "p1 pings p30" 0 quiet ip netns exec p1 ping -c 1 -i 0.2 -w 5 "$(addr_of p30)"
expect_rc "p30 pings the gateway" 0 quiet ip netns exec p30 ping -c 1 -i 0.2 -w 5 198.18.16.1

# 3. Their DELs at once, while 10 more ADDs come.
rm -f "$tmp"/rc.*
pids=()
for i in $(seq 30); do
	cni DEL p$i
	pids+=($!)
	if [ $((i % 3)) = 0 ]; then cni ADD q$((i / 3)); pids+=($!); fi
done
wait "${pids[@]}"
expect "30 DELs and 10 ADDs at once succeeded" 40 \
    "$(ok_rcs $(seq -f p%g 30) $(seq -f q%g 10))"
expect "one bridge, 10 eifaces and the gateway's" "1 11" "$(count bridge) $(count eiface)"
expect_rc "q1 pings the gateway (it stayed for them)" 0 \
    quiet ip netns exec q1 ping -c 1 -i 0.2 -w 5 198.18.16.1
expect_rc "q1 pings q10" 0 quiet ip netns exec q1 ping -c 1 -i 0.2 -w 5 "$(addr_of q10)"
rm -f "$tmp"/rc.*
pids=()
for i in $(seq 10); do cni DEL q$i; pids+=($!); done
wait "${pids[@]}"
expect "10 DELs at once succeeded" 10 "$(ok_rcs $(seq -f q%g 10))"
for _ in $(seq 250); do ip -o link | grep -q ': ngret' || break; sleep 0.02; done
expect "nothing left: nodes, records, addresses, interfaces" "0 0 0 0" \
    "$(ngctl list | awk '$4 == "eiface" || $4 == "bridge"' | wc -l) $(ls "$tmp/state" | grep -c json) $(ls "$tmp/ipam/par" 2>/dev/null | grep -c '^198') $(ifs_left)"
finish
