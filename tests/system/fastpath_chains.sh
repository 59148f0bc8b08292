#!/usr/bin/env bash
# The graph-side ends' ifindexes spread over the kernel's 256 ifindex
# chains of the data plane (ngd_fast_free_gidx): a redirect to an end
# walks the devices made after it in its chain (dev_get_by_index_rcu,
# bench/redirchain), so no chain should hold two ends while others hold
# none.  200 eifaces made and moved one by one, as jng and jail(8) do
# (mkpeer, then vnet: the kernel's index for the first end, ngd's for
# the end that replaces it); ngd's next index each time put every one
# on one parity, 72 of the 128 chains with two ends.
#
#   ngeth0 --ether-- br0 --link1-- tee
#                    br0 --link2..201-- 200 eifaces, each moved into
#   namespace j; their graph-side ends (the peers' @if<N>) in the data
#   plane's chains (N mod 256)
source "$(dirname "$0")/../lib.sh"
n=200
trap 'ip netns del j 2>/dev/null; stop_ngd' EXIT

NGD_FASTPATH=1 start_ngd || finish
ip netns add j
ngctl mkpeer eiface ether ether
{
	# (a tee keeps the bridge in userspace: a port joining a kernel
	# bridge of n rewrites all n)
	echo "mkpeer ngeth0: bridge ether link0"
	echo "name ngeth0:ether br0"
	echo "mkpeer br0: tee link1 left"
	for i in $(seq 2 $((n + 1))); do
		echo "mkpeer br0: eiface link$i ether"
		echo "msg br0:link$i vnet \"j\""
	done
} | ngctl -f -
ends=$(ip -n j -o link | sed -nE 's/.*ngeth[0-9]+@if([0-9]+):.*/\1/p')
expect "$n interfaces moved, each with its graph-side end" "$n" \
    "$(echo "$ends" | grep -c .)"
expect "no kernel ifindex chain holds two graph-side ends" 0 \
    "$(echo "$ends" | awk '{ c[$1 % 256]++ } END { for (k in c) if (c[k] > 1) n++; print n + 0 }')"
expect "every end is the data plane's" "$n" \
    "$(nsenter --net="$(echo /run/netgraph/*/dataplane)" ip -o link |
	awk -F: '{ print $1 }' | grep -cxF -f <(echo "$ends"))"
finish
