#!/usr/bin/env bash
# A jail's root renames its interface after one of the host's, then the
# jail goes: the interface must still come home to its node.  It keeps
# the name it had in the jail where that is free at home (FreeBSD: a
# rename done inside the jail persists); where it is taken (here by em0,
# an interface of the host), it comes home under the node's name, and
# if that is taken too, under the lowest free ngethN.  Before, ngd left
# it in the dying namespace ("it stays there: File exists"): the node
# kept no interface, and in the TAP model the namespace was held for
# good.  Both device models.
#
#   em0 (veth, the host's)      ng_test1 --ether:link0-- br0
source "$(dirname "$0")/../lib.sh"
export NGD_LOG=$tmp/ngd.log
trap 'jail -q -r test1 2>/dev/null; stop_ngd; ip link del em0 2>/dev/null; ip tuntap del ng_test1 mode tun 2>/dev/null; rm -rf "$tmp"' EXIT

mac() { ip -o link show dev "$1" 2>/dev/null | sed -nE 's/.*link\/ether ([0-9a-f:]+) .*/\1/p'; }
ifname() { ngctl msg "$1" getifname 2>/dev/null | sed -nE 's/^Args:[[:space:]]+"(.*)"$/\1/p'; }

ip link add em0 type veth peer name em0p
for fp in 1 0; do
	m=fp=$fp
	NGD_FASTPATH=$fp start_ngd
	ngctl mkpeer eiface ether ether
	ngctl name ngeth0: ng_test1
	ngctl mkpeer ng_test1: bridge ether link0
	mac0=$(mac ng_test1)
	jail -q -c name=test1 vnet persist vnet.interface=ng_test1
	# the node's name taken at home as well, the second time
	[ "$fp" = 0 ] && ip tuntap add ng_test1 mode tun
	expect_rc "$m: the jail's root renames ng_test1 to em0" 0 \
	    jexec test1 ip link set ng_test1 name em0
	jail -q -r test1
	ngctl show ng_test1: >/dev/null # ngd has brought it home
	want=ng_test1
	[ "$fp" = 0 ] && want=ngeth0
	expect "$m: it is home as $want" "$want" "$(ifname ng_test1:)"
	expect "$m: ... with its MAC" "$mac0" "$(mac "$want")"
	expect "$m: em0 is still the host's veth" "em0p" \
	    "$(ip -o link show em0 | sed -nE 's/^[0-9]+: em0@([^:]+):.*/\1/p')"
	expect "$m: ... and the node still on the bridge" 1 \
	    "$(ngctl show ng_test1: | grep -c 'ether .*bridge')"
	grep -q "stays there" "$NGD_LOG" &&
	    fail "$m: ngd left it in the jail's namespace"
	ngctl shutdown ng_test1:
	stop_ngd
	ip tuntap del ng_test1 mode tun 2>/dev/null
	: >"$NGD_LOG"
done
finish
