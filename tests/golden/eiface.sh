#!/usr/bin/env bash
# Golden test: eiface nodes through ngctl (spec §13 cases 7, 8 and 28).
# Each is a TAP named ngethN with the lowest free N, the node named after
# it; it outlives the ngctl that made it.
source "$(dirname "$0")/../lib.sh"

ERR() { echo "ngctl: send msg: $1"; }
id_of() { ngctl show -n "$1" | sed -nE 's/.*ID: ([0-9a-f]{8}).*/\1/p'; }
# (a veth, NGD_FASTPATH=1, shows as NAME@ifN: the name is what counts)
ifaces() { ip -o link show | awk -F': ' '{ sub(/@.*/, "", $2); print $2 }' | grep '^ngeth' | sort; }

start_ngd || finish

# 7
check "7 mkpeer . eiface e ether" 0 "" "" ngctl mkpeer . eiface e ether
check "7 show ngeth0:" 0 \
    "  Name: ngeth0          Type: eiface          ID: ########   Num hooks: 0" \
    "" masked ngctl show ngeth0:
expect "7 interface ngeth0 exists" ngeth0 "$(ifaces)"

# 8: the wrong hook name leaves neither node nor interface
check "8 mkpeer . eiface e bogus" 71 "" "$(ERR 'Protocol family not supported')" \
    ngctl mkpeer . eiface e bogus
expect "8 no new interface" ngeth0 "$(ifaces)"
expect "8 no new node" 1 "$(ngctl list | grep -c 'Type: eiface')"

# 28: the lowest free unit comes back, with a new, higher ID
check "28 a second eiface" 0 "" "" ngctl mkpeer . eiface e ether
expect "28 ngeth0 and ngeth1" "ngeth0
ngeth1" "$(ifaces)"
id1=$(id_of ngeth1:)
check "28 shutdown ngeth0:" 0 "" "" ngctl shutdown ngeth0:
expect "28 ngeth0's interface is gone" ngeth1 "$(ifaces)"
check "28 another eiface" 0 "" "" ngctl mkpeer . eiface e ether
expect "28 it is ngeth0 again" "ngeth0
ngeth1" "$(ifaces)"
id0=$(id_of ngeth0:)
if [ -n "$id0" ] && [ -n "$id1" ] && ((0x$id0 > 0x$id1)); then
	ok "28 its ID ($id0) is above ngeth1's ($id1)"
else
	fail "28 its ID ($id0) is above ngeth1's ($id1)"
fi

# an eiface joined to ngctl: the hook shows in show, then goes with ngctl
check "eiface hooked to our node" 0 \
"  Name: ngeth1          Type: eiface          ID: ########   Num hooks: 1
  Local hook      Peer name       Peer type    Peer ID         Peer hook      
  ----------      ---------       ---------    -------         ---------      
  ether           probe           socket       ########        e              " \
    "" eval "ngctl -n probe -f - <<<\$'connect ngeth1: e ether\nshow ngeth1:' |
	sed -E 's/ID: [0-9a-f]{8}/ID: ########/;
	    s/^(  .{15} .{15} .{12} )[0-9a-f]{8}( )/\1########\2/'"
check "eiface survives hookless" 0 \
    "  Name: ngeth1          Type: eiface          ID: ########   Num hooks: 0" \
    "" masked ngctl show ngeth1:
check "shutdown both" 0 "" "" ngctl -f - <<<$'shutdown ngeth0:\nshutdown ngeth1:'
expect "no interface left" "" "$(ifaces)"

finish
