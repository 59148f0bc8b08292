# flood_down.sh, sourced (after lib.sh) by fastpath_bridge_down.sh and
# fastpath_hub_down.sh: three namespaces da, db, dc, ngd's log, cleanup,
# the three-port graph (three_ports) and the steps of flood_down.py.
NGD_LOG=$tmp/ngd.log
NS="da db dc"
cleanup() { for n in $NS; do ip netns del $n 2>/dev/null; done; stop_ngd; }
trap 'cleanup; rm -rf "$tmp"' EXIT
K=40

# nsx NS CMD...: CMD in NS's network namespace (`ip netns exec` and
# `ip -n` make a mount namespace and a sysfs each time: seconds on a
# loaded machine)
nsx() {
	local ns=$1
	shift
	nsenter --net=/run/netns/"$ns" "$@"
}
# flood_down.py: flood K (what db and dc received) and up (dc gets
# floods again); see its head.
fl=$top/tests/system/flood_down.py
flood() { python3 "$fl" flood $K; }
up() {
	if [ "$(python3 "$fl" up)" = 1 ]; then ok "$1"; else fail "$1"; fi
}

# three_ports TYPE NAME: ngd, three eifaces on a TYPE node NAME (link0-2),
# each moved to its namespace (da, db, dc); ngeth0 and ngeth1 up, ngeth2
# left down
three_ports() {
	start_ngd
	for i in 0 1 2; do ngctl mkpeer eiface ether ether; done
	ngctl mkpeer ngeth0: "$1" ether link0
	ngctl name ngeth0:ether "$2"
	ngctl connect "$2": ngeth1: link1 ether
	ngctl connect "$2": ngeth2: link2 ether
	i=0
	for n in $NS; do
		ip netns add $n
		nsx $n sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
		    net.ipv6.conf.default.disable_ipv6=1
		ngctl msg ngeth$i: vnet "\"$n\""
		i=$((i + 1))
	done
	nsx da ip link set ngeth0 up
	nsx db ip link set ngeth1 up
	sleep 0.3 # (ngd reads the carriers' news)
}
