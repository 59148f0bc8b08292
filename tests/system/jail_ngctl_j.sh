#!/usr/bin/env bash
# ngctl -j on a jail with neither vnet nor addresses: jail(8) gives such a
# jail a network namespace of its own, empty (no network, as FreeBSD's
# jail with no addresses has no IP), and ngctl -j entered it and started
# an ngd there, whose eifaces would give the jail the network it was made
# without.  FreeBSD has one graph per vnet; this jail's is the host's,
# which its processes may not drive.  Now ngctl -j refuses it with a
# message that says why (EX_OSERR, as for a jail not found); a vnet jail
# and one that shares the host's network are as before.
source "$(dirname "$0")/../lib.sh"
jails_trap

start_ngd || finish
ngctl mkpeer eiface ether ether && ngctl name ngeth0: hostmark || fail "the host's node"

jail -q -c name=n persist || fail "jail n"
jail -q -c name=t persist vnet=inherit || fail "jail t"
jail -q -c name=x persist ip4=inherit || fail "jail x"
jail -q -c name=v persist vnet || fail "jail v"

# (autostart on, as for a user: lib.sh turns it off)
for j in n t; do
	check "ngctl -j $j list: no network, no graph" 71 "" \
	    "ngctl: jail \"$j\" has no network (neither vnet nor addresses), so no graph: -j acts on a vnet jail's graph, or the host's for one that shares its network" \
	    env NGCTL_NO_AUTOSTART=0 ngctl -j $j list
	expect "... and no ngd was started in $j's namespace" 0 "$(served_by $j)"
done
check "by jid too" 71 "" \
    "ngctl: jail \"n\" has no network (neither vnet nor addresses), so no graph: -j acts on a vnet jail's graph, or the host's for one that shares its network" \
    ngctl -j "$(jls -j n jid)" list
expect "ngctl -j x (ip4=inherit, the host's network): the host's graph" "1" \
    "$(ngctl -j x list | grep -c 'Name: hostmark ')"
expect "ngctl -N -j v (a vnet jail): entered (no ngd there yet)" \
    "ngctl: no ngd answers on @netgraph" "$(ngctl -N -j v list 2>&1 >/dev/null | tail -n 1)"
exit "$NG_FAILED"
