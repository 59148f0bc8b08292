#!/usr/bin/env bash
# Jailed root forging the interface jail -r sends home.  A vnet jail
# is lent a host veth (vnet.interface=vh0, its host end vh0p); removing
# the jail gives the host back that device, and no other: not one the
# jail made under the lent name (the real one renamed), nor one made at
# the lent one's index (the real one destroyed).  The forged
# devices are ifbs: a jail can make one at a chosen index, and one moved
# home outlives the jail's namespace.  Before, jail -r found the lent
# device by its name in the jail, then by its index there: a forged one
# came home as vh0 (the real veth, renamed, died with the jail, its
# host end vh0p with it).  jail_ifhome.sh has the names it comes home
# under.
#
#   vh0 (in the jail) ---- vh0p (host)      case 2: vh1, vh1p; 3: vh2, vh2p
source "$(dirname "$0")/../lib.sh"
trap 'jail -q -r ff 2>/dev/null; for i in vh0 vh0p vh1 vh1p vh2 vh2p f0; do ip link del $i 2>/dev/null; done; rm -rf "$tmp"' EXIT

peer() { ip -o link show dev "$1" 2>/dev/null | sed -nE 's/^[0-9]+: [^@]+@([^:]+):.*/\1/p'; }
kind() { ip -o -d link show dev "$1" 2>/dev/null | grep -oE '\b(veth|ifb)\b' | head -1; }
ifbs() { ip -o -d link show type ifb 2>/dev/null | awk -F': ' '{ print $2 }' | tr '\n' ' '; }

lend() { # NAME: a veth NAME, its host end NAMEp, lent to jail ff
	ip link add "$1" type veth peer name "$1p"
	jail -q -c name=ff vnet persist vnet.interface="$1"
	idx=$(jexec ff cat "/sys/class/net/$1/ifindex")
}

# 1. the real one renamed, an ifb made under the lent name
lend vh0
jexec ff sh -c 'ip link set vh0 name in0 && ip link add vh0 type ifb'
expect "renamed, an ifb named vh0 in its place: the jail has both" \
    "ifb veth" "$(echo $(jexec ff sh -c 'ip -o -d link show vh0 | grep -ow ifb; ip -o -d link show in0 | grep -ow veth'))"
check "... jail -r" 0 "" "" jail -r -q ff
expect "... vh0 at home is the lent veth, its peer vh0p" "veth vh0p" "$(kind vh0) $(peer vh0)"
expect "... no ifb came home" "" "$(ifbs)"
ip link del vh0 2>/dev/null

# 2. the real one destroyed, an ifb made at its index (another name:
# the real one's host end may be yet to die with the jail of case 1)
lend vh1
jexec ff sh -c "ip link del vh1 && ip link add f0 index $idx type ifb"
expect "destroyed, an ifb at its index $idx" "f0" \
    "$(jexec ff ip -o link show | awk -F': ' -v i="$idx" '$1 == i { print $2 }')"
check "... jail -r" 0 "" "" jail -r -q ff
expect "... nothing came home: no vh1, no f0, no ifb" "no no " \
    "$(ip link show vh1 >/dev/null 2>&1 && echo vh1 || echo no) $(ip link show f0 >/dev/null 2>&1 && echo f0 || echo no) $(ifbs)"


# 3. the same as 1 in a jail that ends with its command: its supervisor
# tears it down, not jail -r
ip link add vh2 type veth peer name vh2p
expect_rc "a jail whose command renames vh2 and makes an ifb vh2 ends" 0 \
    jail -q -c name=ff vnet vnet.interface=vh2 \
    command=sh -c 'ip link set vh2 name in2 && ip link add vh2 type ifb'
for _ in $(seq 100); do
	[ "$(kind vh2)" = veth ] && break
	sleep 0.05
done
expect "... vh2 at home is the lent veth, its peer vh2p" "veth vh2p" "$(kind vh2) $(peer vh2)"
expect "... no ifb came home" "" "$(ifbs)"
finish
