#!/usr/bin/env bash
# eiface on Linux (spec §9.2, DESIGN decisions 1-4): a TAP device ngethN
# whose name follows the node's and back, with a stable locally
# administered MAC, carrier that follows the hook, and an interface that
# is re-created when it vanishes.
source "$(dirname "$0")/../lib.sh"
start_ngd

mac() { ip -o link show "$@" | sed -nE 's/.*link\/ether ([0-9a-f:]+) .*/\1/p'; }

expect_rc "mkpeer eiface" 0 ngctl mkpeer eiface ether ether
expect_rc "ngeth0 exists" 0 quiet ip link show ngeth0
m=$(mac dev ngeth0)
first=$((16#${m%%:*}))
expect "MAC is locally administered unicast" "2" "$((first & 3))"
expect_rc "shutdown ngeth0" 0 ngctl shutdown ngeth0:
expect_rc "interface gone with its node" 1 quiet ip link show ngeth0
ngctl mkpeer eiface ether ether
expect "same name, same MAC after re-creation" "$m" "$(mac dev ngeth0)"

# Carrier follows the hook.  (ngctl's hook goes once ngd has read the
# close of its socket, after ngctl is gone: waited for, as ngd may be
# busy meanwhile deleting the pair shut down above, after its reply.)
ip link set ngeth0 up
for _ in $(seq 250); do
	[ "$(cat /sys/class/net/ngeth0/carrier)" = 0 ] && break
	sleep 0.02
done
expect "no carrier while unhooked" "0" "$(cat /sys/class/net/ngeth0/carrier)"
ngctl mkpeer ngeth0: hub ether a
expect "carrier when hooked" "1" "$(cat /sys/class/net/ngeth0/carrier)"
ngctl rmhook ngeth0: ether
expect "no carrier after rmhook" "0" "$(cat /sys/class/net/ngeth0/carrier)"

# Node and interface names follow each other (DESIGN decision 2).
expect_rc "name ngeth0: jail0" 0 ngctl name ngeth0: jail0
expect_rc "interface renamed to jail0" 0 quiet ip link show jail0
expect_rc "no interface named ngeth0" 1 test -e /sys/class/net/ngeth0
expect "interface still up after rename" "1" "$(($(cat /sys/class/net/jail0/flags) & 1))"
ip netns add x
trap 'ip netns del x 2>/dev/null; stop_ngd' EXIT
ip link set jail0 netns x
expect_rc "name jail0: web0 (interface in another namespace)" 0 ngctl name jail0: web0
expect_rc "interface renamed inside namespace x" 0 quiet ip -n x link show web0
ip -n x link set web0 down
ip -n x link set web0 name web1
# A rename made in another namespace is that namespace's business (issue
# 13 item 4): the node keeps its name, and the two stop following.
expect_rc "OS rename in another namespace leaves the node's name" 0 quiet ngctl show web0:
expect_rc "... no node takes the new name" 71 quiet ngctl show web1:
expect_rc "... names no longer follow" 0 ngctl name web0: short
expect_rc "... the interface keeps its name" 0 quiet ip -n x link show web1

# Shutdown destroys the interface wherever it lives.
expect_rc "shutdown from the host graph" 0 ngctl shutdown short:
expect_rc "interface gone from namespace x" 1 quiet ip -n x link show web1

# A vanished interface is re-created in ngd's namespace (decision 4).
ngctl mkpeer eiface ether ether
m=$(mac dev ngeth1 2>/dev/null)
[ -n "$m" ] || m=$(mac dev ngeth0)
ifc=$(ngctl list | awk '$4 == "eiface" { print $2 }' | tail -n 1)
m=$(mac dev "$ifc")
ip link del "$ifc"
for _ in $(seq 50); do ip link show "$ifc" >/dev/null 2>&1 && break; sleep 0.02; done
expect_rc "deleted interface re-created" 0 quiet ip link show "$ifc"
expect "re-created with its MAC" "$m" "$(mac dev "$ifc")"
ip link set "$ifc" netns x
ip netns del x
for _ in $(seq 100); do ip link show "$ifc" >/dev/null 2>&1 && break; sleep 0.02; done
expect_rc "interface of a destroyed namespace re-created" 0 quiet ip link show "$ifc"
expect_rc "node still there" 0 ngctl show "$ifc:"

# Frames the interface sends leave through the hook; frames written to
# the hook arrive on the interface (counted by the kernel).
ip link set "$ifc" up
ip addr add 198.18.0.1/24 dev "$ifc"
ngctl mkpeer "$ifc:" hub ether h
ngctl msg "$ifc:" setpersistent >/dev/null 2>&1
before=$(cat /sys/class/net/"$ifc"/statistics/rx_packets)
frame="0xff 0xff 0xff 0xff 0xff 0xff 0x02 0 0 0 0 1 0x88 0xb5 1 2 3 4"
expect_rc "write a frame to the hub" 0 ngctl -f - <<EOS
connect $ifc:ether x y
write x $frame
EOS
after=$(cat /sys/class/net/"$ifc"/statistics/rx_packets)
expect "frame received by the interface" "1" "$((after - before))"

# SIGTERM: clean shutdown, interfaces removed.
stop_ngd
expect_rc "no eiface left after SIGTERM" 1 quiet ip link show "$ifc"
finish
