#!/usr/bin/env bash
# A warning about a jail starts with its name ("jail: NAME: ") only for
# a jail of a config file; one made on the command line has none, as
# FreeBSD's jail(8) says (spec/jail.md 1.8), or one jail -r names (a
# running jail).  The warnings of the IP-alias jails' raw sockets named
# every jail, those of the interfaces a removal brings home too.  And an ip4.addr on no interface of the host
# with allow.raw_sockets: said so, with what to do (the kernel refuses
# routes with that source: it said "the IPv4 routes with the jail's
# source: Invalid argument").
source "$(dirname "$0")/../lib.sh"
trap 'jail -q -r "*" 2>/dev/null
	for i in ve0 vh0 vh1 in0 in1; do ip link del $i 2>/dev/null; done
	rm -rf "$tmp"' EXIT

ip link set lo up
ip link add ve0 type veth peer name ve1
ip link set ve0 up
ip addr add 198.51.100.10/24 dev ve0
noif() { # ADDR: the warning for ADDR of ip4.addr on no interface
	echo "allow.raw_sockets: ip4.addr $1 is on no interface of the host, so no route can have it as source: give it one (ip4.addr=\"IF|$1\" or interface=IF)"
}
check "jail -c, ip4.addr on no interface, allow.raw_sockets: said, no name first" \
    0 "" "jail: $(noif 198.51.100.11)" \
    jail -c name=b persist ip4.addr=198.51.100.11 allow.raw_sockets
check "... jail -m of it: the same" 0 "" "jail: $(noif 198.51.100.11)" \
    jail -m name=b allow.raw_sockets
expect_rc "... jail -r" 0 jail -r b
check "an address on an interface (ve0|): nothing said" 0 "" "" \
    jail -c name=e persist 'ip4.addr=ve0|198.51.100.13' allow.raw_sockets
expect_rc "... jail -r" 0 jail -r e
cat >"$tmp/d.conf" <<'EOS'
d { persist; ip4.addr = 198.51.100.12; allow.raw_sockets; }
EOS
check "a config jail: its name first" 0 "d: created" \
    "jail: d: $(noif 198.51.100.12)" jail -f "$tmp/d.conf" -c d
expect_rc "... jail -r" 0 quiet jail -f "$tmp/d.conf" -r d

# an interface whose name was taken at home meanwhile comes home under
# its name in the jail (jail_ifhome.sh): said with the config jail's name
cat >"$tmp/k.conf" <<'EOS'
k { vnet; persist; vnet.interface = vh0; }
EOS
ip link add vh0 type veth peer name vh0p
expect_rc "config jail k with vh0" 0 quiet jail -f "$tmp/k.conf" -c k
jexec k ip link set vh0 name in0
ip link add vh0 type veth peer name vx0
check "... vh0 taken at home: said with k's name" 0 "k: removed" \
    "jail: k: vnet.interface vh0: vh0 is taken here; it came home as in0" \
    jail -f "$tmp/k.conf" -r k
ip link del in0
ip link del vh0
ip link add vh1 type veth peer name vh1p
expect_rc "the same on the command line" 0 \
    jail -c name=k vnet persist vnet.interface=vh1
jexec k ip link set vh1 name in1
ip link add vh1 type veth peer name vx1
# (jail -r NAME of a running jail names it: FreeBSD's jail(8) makes it a
# jail of that name, as one of a config file)
check "... jail -r k names k too" 0 "" \
    "jail: k: vnet.interface vh1: vh1 is taken here; it came home as in1" \
    jail -r k
expect "no jail left" "" "$(jls name)"
finish
