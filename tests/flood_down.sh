# flood_down.sh, sourced (after lib.sh) by fastpath_bridge_down.sh and
# fastpath_hub_down.sh: three namespaces da, db, dc, ngd's log, cleanup,
# and the steps of flood_down.py.
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
