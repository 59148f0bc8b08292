#!/usr/bin/env bash
# jail -r brings a vnet.interface of the host's (a veth the user made,
# no eiface of ngd's) home under its name.  When something took that
# name meanwhile, it comes home under the name it has in the jail if
# that is free here (FreeBSD's if_vmove keeps that name, whatever the
# home has), else as Linux names a device it pushes home onto a taken
# name: dev<its index>, or the lowest free devN; jail(8) says so.
# Before, the move failed with "File exists" and the interface died
# with the jail's namespace (the veth's host end with it).
#
#   vh0 (in the jail) ---- vh0p (host)    vh0 at home meanwhile: another veth's end
source "$(dirname "$0")/../lib.sh"
trap 'jail -q -r ih 2>/dev/null; for i in vh0 vh0p vh1 vh1p in0; do ip link del $i 2>/dev/null; done; rm -rf "$tmp"' EXIT

peer() { ip -o link show dev "$1" 2>/dev/null | sed -nE 's/^[0-9]+: [^@]+@([^:]+):.*/\1/p'; }

ip link add vh0 type veth peer name vh0p
jail -q -c name=ih vnet persist vnet.interface=vh0
idx=$(jexec ih cat /sys/class/net/vh0/ifindex)
ip link add vh0 type veth peer name vx0
ip link show dev "dev$idx" >/dev/null 2>&1 && ip link del "dev$idx"
check "vh0 taken at home: it comes home as dev<its index>, and jail -r says so" 0 "" \
    "jail: ih: vnet.interface vh0: vh0 is taken here; it came home as dev$idx" \
    jail -r -q ih
expect "... dev$idx is the veth, its peer vh0p" "vh0p" "$(peer "dev$idx")"
expect "... vh0 is still the other veth, peer vx0" "vx0" "$(peer vh0)"
ip link del "dev$idx"
ip link del vh0

ip link add vh1 type veth peer name vh1p
jail -q -c name=ih vnet persist vnet.interface=vh1
jexec ih ip link set vh1 name in0
ip link add vh1 type veth peer name vx1
check "renamed in0 in the jail, vh1 taken at home: it comes home as in0" 0 "" \
    "jail: ih: vnet.interface vh1: vh1 is taken here; it came home as in0" \
    jail -r -q ih
expect "... in0 is the veth, its peer vh1p" "vh1p" "$(peer in0)"
ip link del vh1
ip link del in0

ip link add vh0 type veth peer name vh0p
jail -q -c name=ih vnet persist vnet.interface=vh0
jexec ih ip link set vh0 name in0
check "vh0 free at home: it comes home as vh0, silently" 0 "" "" jail -r -q ih
expect "... vh0 is the veth, its peer vh0p" "vh0p" "$(peer vh0)"
finish
