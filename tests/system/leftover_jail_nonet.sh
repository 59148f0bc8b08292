#!/usr/bin/env bash
# ngctl run INSIDE a jail without a network of its own: n (neither vnet
# nor addresses: a namespace holding only lo) and x (ip4=inherit: the
# host's stack, shared).  FreeBSD gives netgraph to vnet jails only
# (socket(PF_NETGRAPH) is EPERM in any other jail).  Before, ngctl's
# autostart ran an ngd in n's namespace (whose eifaces would give n the
# network it was made without), and in x an ngd in the HOST's namespace,
# held by the jail, so that the host's root was then refused its own
# graph.  Now the jail's client is told EPERM with a line that says why,
# no ngd starts, and an ngd run there by hand refuses to start (EX_NOPERM);
# a vnet jail's ngctl starts the jail's own ngd as before.
source "$(dirname "$0")/../lib.sh"
jails_trap

jail -q -c name=n persist || fail "jail n"
jail -q -c name=x persist ip4=inherit || fail "jail x"
jail -q -c name=v persist vnet || fail "jail v"

reason="no graph here: this network is not ours to configure (a jail without vnet, or no CAP_NET_ADMIN in the bounding set); a vnet jail has its own"
# refused JAIL LABEL WHOSE [NS]: in JAIL, ngctl list is EPERM and says
# why, and starts no ngd (in NS's namespace, WHOSE; ours without NS);
# ngd refuses to start
refused() {
	check "jexec $1 ngctl list$2: EPERM, and why" 71 "" \
	    "ngctl: can't create node: Operation not permitted
ngctl: $reason" jexec "$1" env NGCTL_NO_AUTOSTART=0 ngctl list
	expect "... and no ngd was started in $3 namespace" 0 "$(served_by "${4:-}")"
	check "jexec $1 ngd: refuses to start" 77 "" "ngd: $reason" jexec "$1" ngd -d
}

# (autostart on, as for a user: lib.sh turns it off)
refused n "" "n's" n
expect "... and nothing listens in n's namespace" 0 "$(served_by n)"
check "jexec n nghook (libnetgraph): no sockets (FreeBSD's words)" 71 "" \
    "nghook: can't get sockets" \
    jexec n nghook -a . hook
check "jexec n ngctl help: needs no graph" 0 "Available commands:" "" \
    sh -c 'jexec n env NGCTL_NO_AUTOSTART=0 ngctl help | head -n 1'

# x shares our (the "host's") namespace, where no ngd runs yet.
refused x " (no ngd on the host)" "the host's"
start_ngd || finish
ngctl mkpeer eiface ether ether || fail "the host's root has its graph"
check "jexec x ngctl list (the host's ngd): EPERM, and why" 71 "" \
    "ngctl: can't create node: Operation not permitted
ngctl: $reason" jexec x ngctl list

# A vnet jail's root has its own graph: autostarted there, as before.
expect_rc "jexec v ngctl mkpeer eiface: the jail's own ngd" 0 \
    jexec v env NGCTL_NO_AUTOSTART=0 ngctl mkpeer eiface ether ether
expect "... ngeth0 in v" "ngeth0" "$(ip netns exec v ip -br link show ngeth0 | cut -d' ' -f1)"
expect "... served by an ngd in v" 1 "$(served_by v)"
jail -q -r v || fail "jail -r v"
finish
