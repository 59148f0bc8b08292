#!/usr/bin/env bash
# System test: two vlan nodes share one trunk (spec §9.9).  Four
# namespaces, all in one IP subnet; only the two on VLAN 10 and the two
# on VLAN 20 reach each other.
#
#   ns a10: a10 --ether-- v10 [VA] downstream -- downstream [VB] v10 --ether-- b10 :ns b10
#   ns a20: a20 --ether-- v20 [VA]                          [VB] v20 --ether-- b20 :ns b20
#
# A bulk TCP transfer checks that offloaded super-frames stay whole when a
# tag is added and taken off again.
source "$(dirname "$0")/../lib.sh"
start_ngd || finish
nss="a10 b10 a20 b20"
trap 'for n in $nss; do ip netns del $n 2>/dev/null; done; rm -rf "$tmp"; stop_ngd' EXIT

i=0
for n in $nss; do
	ngctl mkpeer eiface ether ether
	expect_rc "eiface $n" 0 ngctl name ngeth$i: $n
	i=$((i + 1))
done
ngctl -f - <<'END'
mkpeer a10: vlan ether v10
name a10:ether VA
connect VA: a20: v20 ether
mkpeer VA: vlan downstream downstream
name VA:downstream VB
connect VB: b10: v10 ether
connect VB: b20: v20 ether
msg VA: addfilter { hook="v10" vid=10 }
msg VA: addfilter { hook="v20" vid=20 }
msg VB: addfilter { hook="v10" vid=10 }
msg VB: addfilter { hook="v20" vid=20 }
END
expect "the trunk is up" "downstream      VB              vlan" \
    "$(ngctl show VA: | awk '$1 == "downstream" { printf "%-15s %-15s %s", $1, $2, $3 }')"

addr=1
for n in $nss; do
	ip netns add $n
	ip link set $n netns $n
	ip -n $n addr add 198.18.20.$addr/24 dev $n
	ip -n $n link set $n up
	addr=$((addr + 1))
done

expect_rc "VLAN 10: a10 -> b10" 0 in_ns a10 ping -c 2 -i 0.2 -W 2 -q 198.18.20.2
expect_rc "VLAN 20: a20 -> b20" 0 in_ns a20 ping -c 2 -i 0.2 -W 2 -q 198.18.20.4
# across VLANs nothing answers (in parallel, to keep it short)
in_ns a10 ping -c 1 -W 1 -q 198.18.20.4 >/dev/null 2>&1 & p1=$!
in_ns a10 ping -c 1 -W 1 -q 198.18.20.3 >/dev/null 2>&1 & p2=$!
in_ns b20 ping -c 1 -W 1 -q 198.18.20.2 >/dev/null 2>&1 & p3=$!
wait $p1; expect "a10 -/-> b20" 1 $?
wait $p2; expect "a10 -/-> a20" 1 $?
wait $p3; expect "b20 -/-> b10" 1 $?

# TCP with 64 KiB super-frames across the tagged trunk arrives intact.
head -c 2000000 /dev/urandom >$tmp/send
in_ns b10 timeout 10 nc -l -p 5001 >$tmp/recv &
nc_pid=$!
sleep 0.3
in_ns a10 timeout 10 nc -q 1 198.18.20.2 5001 <$tmp/send
wait $nc_pid
expect "2 MB over TCP on VLAN 10 arrive intact" "$(md5sum <$tmp/send)" "$(md5sum <$tmp/recv)"

# The table as gettable gives it.
expect "gettable" "Args:	{ n=2 filter=[ { hook=\"v10\" vlan=10 vid=10 } { hook=\"v20\" vlan=20 vid=20 } ] }" \
    "$(ngctl msg VB: gettable | sed -n 2p)"
finish
