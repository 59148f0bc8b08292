#!/usr/bin/env bash
# jail -r '*' racing jail -c -p 2 of 30 vnet jails, each with an eiface
# of ngd's (vnet.interface): a jail -r may come while a jail is half
# made, between its record and its interface's move.  Whatever the
# order, after each race every jail that has a record holds its
# interface, every interface that no record names is home (none lost
# in a namespace that was torn down, none a record names but does not
# hold), and a last jail -r '*' leaves nothing: no record, no
# namespace, every eiface home.  jail(8) lets go of the lock on
# /run/jail between a jail's record and each interface's move, and
# writes the record after the move only if the jail is still there
# (else it sends the interface back).
source "$(dirname "$0")/../lib.sh"
n=30
conf=$tmp/jail.conf
trap 'jail -q -f "$conf" -r "*" 2>/dev/null; stop_ngd; rm -rf "$tmp"' EXIT
start_ngd || finish
{
	echo "mkpeer . bridge b link0"
	echo "name b br0"
	echo "msg br0: setpersistent"
	for i in $(seq 0 $((n - 1))); do echo "mkpeer br0: eiface link$((i + 1)) ether"; done
} | ngctl -f -
{
	echo 'vnet; persist;'
	for i in $(seq 0 $((n - 1))); do
		echo "j$i { vnet.interface = ngeth$i; ip4.addr = \"ngeth$i|198.18.7.$((i + 1))/24\"; }"
	done
} >"$conf"
# consistent: each ngeth<i> inside j<i> if j<i> has a record naming
# it, home if none does; prints what is not so
consistent() {
	local i rec where
	for i in $(seq 0 $((n - 1))); do
		rec=$(grep -lx "iface ngeth$i [0-9]*.*" /run/jail/*/state 2>/dev/null)
		if [ -n "$rec" ]; then
			where=j$i
			ip -n "j$i" link show "ngeth$i" >/dev/null 2>&1 ||
			    echo "ngeth$i: recorded in j$i, not inside"
		elif ! ip link show "ngeth$i" >/dev/null 2>&1; then
			echo "ngeth$i: in no record, not home"
		fi
	done
}
bad=
for round in 1 2 3; do
	jail -q -p 2 -f "$conf" -c >/dev/null 2>&1 &
	c=$!
	# removals until the create ends, the first soon after it starts
	sleep 0.0$((round * 3))
	while kill -0 "$c" 2>/dev/null; do
		jail -q -f "$conf" -r '*' >/dev/null 2>&1
	done
	wait "$c"
	ngctl list >/dev/null # ngd's work of the names gone done
	bad+=$(consistent)
done
expect "after each race, records and interfaces agree" "" "$bad"
jail -q -f "$conf" -r '*' >/dev/null 2>&1
ngctl list >/dev/null
expect "a last jail -r '*': no record, no namespace" "0 0" \
    "$(ls /run/jail | wc -l) $(ip netns list | wc -l)"
expect "... every eiface home" "$n" "$(ip -o link | grep -c ': ngeth')"
finish
