#!/usr/bin/env bash
# The graph-side ends' ifindexes spread over the kernel's 256 ifindex
# chains of the data plane (ngd_fast_free_gidx): a redirect to an end
# walks the devices made after it in its chain (dev_get_by_index_rcu,
# bench/redirchain), so no chain should hold two ends while others hold
# none.  200 eifaces made and moved one by one, as jng and jail(8) do
# (mkpeer, then vnet: the kernel's index for the first end, ngd's for
# the end that replaces it); ngd's next index each time put every one
# on one parity, 72 of the 128 chains with two ends.  Nor may an end
# join the chain of an uplink's data-plane end or wire device, which
# every frame to the LAN is redirected to.
#
#   em0 (lower, upper) -- br0, a bridge in the kernel: its uplinks
#   ngeth0 --ether-- br1 --link1-- tee
#                    br1 --link2..201-- 200 eifaces, each moved into
#   namespace j; their graph-side ends (the peers' @if<N>) in the data
#   plane's chains (N mod 256)
source "$(dirname "$0")/../lib.sh"
n=200
trap 'ip netns del j 2>/dev/null; ip netns del l 2>/dev/null; stop_ngd' EXIT

NGD_FASTPATH=1 start_ngd || finish
ip netns add j
ip netns add l
ip link add em0 type veth peer name lan0 netns l
ip link set em0 up
for _ in $(seq 100); do ngctl info em0: >/dev/null 2>&1 && break; sleep 0.02; done
ngctl -f - <<'END'
mkpeer em0: bridge lower link0
name em0:lower br0
connect em0: br0: upper link1
END
ngctl mkpeer eiface ether ether
{
	# (a tee keeps the bridge in userspace: a port joining a kernel
	# bridge of n rewrites all n)
	echo "mkpeer ngeth0: bridge ether link0"
	echo "name ngeth0:ether br1"
	echo "mkpeer br1: tee link1 left"
	for i in $(seq 2 $((n + 1))); do
		echo "mkpeer br1: eiface link$i ether"
		echo "msg br1:link$i vnet \"j\""
	done
} | ngctl -f -
dp=$(echo /run/netgraph/*/dataplane) # (pinned with the first pair)
hot=$(nsenter --net="$dp" ip -o link | awk -F': ' '$2 ~ /^ngd[uw][0-9]/ { print $1 % 256 }')
ends=$(ip -n j -o link | sed -nE 's/.*ngeth[0-9]+@if([0-9]+):.*/\1/p')
expect "$n interfaces moved, each with its graph-side end" "$n" \
    "$(echo "$ends" | grep -c .)"
expect "no kernel ifindex chain holds two graph-side ends" 0 \
    "$(echo "$ends" | awk '{ c[$1 % 256]++ } END { for (k in c) if (c[k] > 1) n++; print n + 0 }')"
expect "every end is the data plane's" "$n" \
    "$(nsenter --net="$dp" ip -o link |
	awk -F: '{ print $1 }' | grep -cxF -f <(echo "$ends"))"
expect "em0's uplinks and wire device in the data plane" 3 "$(echo "$hot" | grep -c .)"
expect "no end in an uplink's or wire device's chain" 0 \
    "$(echo "$ends" | awk '{ print $1 % 256 }' | grep -cxF -f <(echo "$hot"))"
finish
