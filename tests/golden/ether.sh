#!/usr/bin/env bash
# Golden test: the ether node's messages and hooks through ngctl (spec
# §9.4): ASCII forms both ways, the errno of every wrong or missing
# argument, and the node still answering after each.  em0 is one end of
# a veth pair made before ngd starts, so ngd finds it at once.
source "$(dirname "$0")/../lib.sh"
ERR() { echo "ngctl: send msg: $1"; }
T=$'\t'
masked() {
	"$@" | sed -E 's/from "\[[0-9a-f]+\]:"/from "[ID]:"/'
	return "${PIPESTATUS[0]}"
}
reply() { # NAME CMDNUM ARGS: a reply as ngctl msg prints it
	printf 'Rec'"'"'d response "%s" (%s) from "[ID]:":\nArgs:\t%s' "$1" "$2" "$3"
}

ip link add em0 type veth peer name em1
start_ngd || finish

check "one node per interface, named after it" 0 "em0
em1" "" eval "ngctl list | awk '\$4 == \"ether\" { print \$2 }' | sort"
check "getifname" 0 "$(reply getifname 1 '"em0"')" "" masked ngctl msg em0: getifname
check "getifindex" 0 "$(reply getifindex 2 "$(cat /sys/class/net/em0/ifindex)")" "" \
    masked ngctl msg em0: getifindex

# setenaddr / getenaddr: the interface's own address
check "setenaddr" 0 "" "" ngctl msg em0: setenaddr 02:00:00:00:00:aa
check "getenaddr" 0 "$(reply getenaddr 3 02:00:00:00:00:aa)" "" \
    masked ngctl msg em0: getenaddr
expect "the interface has it" 02:00:00:00:00:aa "$(cat /sys/class/net/em0/address)"
check "setenaddr without an address" 71 "" "$(ERR 'Invalid argument')" \
    ngctl msg em0: setenaddr
check "setenaddr, not an address" 71 "" "$(ERR 'Invalid argument')" \
    ngctl msg em0: setenaddr bogus
check "setenaddr, a multicast address" 71 "" "$(ERR "Can't assign requested address")" \
    ngctl msg em0: setenaddr 01:00:00:00:00:01
check "the failures changed nothing" 0 "$(reply getenaddr 3 02:00:00:00:00:aa)" "" \
    masked ngctl msg em0: getenaddr

# promiscuous mode: held by the node, any non-zero value is on
promisc() { ip -d link show em0 | sed -nE 's/.* promiscuity ([0-9]+) .*/\1/p'; }
check "getpromisc, off" 0 "$(reply getpromisc 5 0)" "" masked ngctl msg em0: getpromisc
check "setpromisc 7" 0 "" "" ngctl msg em0: setpromisc 7
check "getpromisc, on" 0 "$(reply getpromisc 5 1)" "" masked ngctl msg em0: getpromisc
expect "the interface is promiscuous" 1 "$(promisc)"
check "setpromisc 1 again" 0 "" "" ngctl msg em0: setpromisc 1
expect "counted once" 1 "$(promisc)"
check "setpromisc without a value" 71 "" "$(ERR 'Invalid argument')" \
    ngctl msg em0: setpromisc
check "setpromisc, not a number" 71 "" "$(ERR 'Invalid argument')" \
    ngctl msg em0: setpromisc on

# autosrc: 0 by default (DESIGN decision 8)
check "getautosrc, default 0" 0 "$(reply getautosrc 7 0)" "" masked ngctl msg em0: getautosrc
check "setautosrc 1" 0 "" "" ngctl msg em0: setautosrc 1
check "getautosrc" 0 "$(reply getautosrc 7 1)" "" masked ngctl msg em0: getautosrc
check "setautosrc without a value" 71 "" "$(ERR 'Invalid argument')" \
    ngctl msg em0: setautosrc
check "setautosrc 0" 0 "" "" ngctl msg em0: setautosrc 0

# multicast memberships
mcast() { grep -c "^[0-9]* *em0 .*$1" /proc/net/dev_mcast; }
check "addmulti" 0 "" "" ngctl msg em0: addmulti 01:00:5e:01:02:03
expect "the interface listens" 1 "$(mcast 01005e010203)"
check "addmulti twice" 71 "" "$(ERR 'Address already in use')" \
    ngctl msg em0: addmulti 01:00:5e:01:02:03
check "addmulti, a unicast address" 71 "" "$(ERR "Can't assign requested address")" \
    ngctl msg em0: addmulti 02:00:00:00:00:01
check "addmulti without an address" 71 "" "$(ERR 'Invalid argument')" \
    ngctl msg em0: addmulti
check "delmulti" 0 "" "" ngctl msg em0: delmulti 01:00:5e:01:02:03
expect "the interface left the group" 0 "$(mcast 01005e010203)"
check "delmulti, not a member" 71 "" "$(ERR 'No such file or directory')" \
    ngctl msg em0: delmulti 01:00:5e:01:02:03
check "delmulti without an address" 71 "" "$(ERR 'Invalid argument')" \
    ngctl msg em0: delmulti
check "a command ether does not have" 71 "" "$(ERR 'Function not implemented')
ngctl: node type ether has no message \"bogus\" (ng_ether(4) lists its messages)" \
    ngctl msg em0: bogus

# hooks
check "mkpeer cannot make one" 71 "" "$(ERR 'Invalid argument')" \
    ngctl mkpeer . ether x lower
check "a hook name ether does not have" 71 "" "$(ERR 'Invalid argument')" \
    ngctl mkpeer em0: hub bogus a
check "lower" 0 "" "" ngctl mkpeer em0: hub lower a
check "divert while lower is connected" 71 "" "$(ERR 'Socket is already connected')" \
    ngctl mkpeer em0: hub divert a
check "upper" 0 "" "" ngctl mkpeer em0: hub upper a
check "orphans" 0 "" "" ngctl mkpeer em0: hub orphans a
# the hub on upper, in the [id]: form of our second line
hub=$(printf '%x' "0x$(ngctl show em0: | awk '$1 == "upper" { print $4 }')")
check "upper twice (the name is taken)" 71 "" "$(ERR 'File exists')
ngctl: node em0: already has a hook \"upper\" (to [$hub]:)" \
    ngctl mkpeer em0: hub upper b
expect "two TAP channels while hooked" 2 "$(ip -o link show | grep -c ': nge[lu][0-9]*:')"
check "shutdown only resets" 0 "" "" ngctl shutdown em0:
check "the node is still there, hookless" 0 \
    "  Name: em0             Type: ether           ID: ########   Num hooks: 0" "" \
    eval "ngctl show em0: | sed -E 's/ID: [0-9a-f]{8}/ID: ########/'"
check "promiscuous mode is off after the reset" 0 "$(reply getpromisc 5 0)" "" \
    masked ngctl msg em0: getpromisc
expect "the interface is not promiscuous" 0 "$(promisc)"
expect "no TAP channel left" 0 "$(ip -o link show | grep -c ': nge[lu][0-9]*:')"
check "divert after the reset" 0 "" "" ngctl mkpeer em0: hub divert a
check "rmhook of the last hook resets" 0 "" "" ngctl rmhook em0: divert
expect "no TAP channel after rmhook" 0 "$(ip -o link show | grep -c ': nge[lu][0-9]*:')"

# frames written into the hooks
F="0xff 0xff 0xff 0xff 0xff 0xff 0x02 0 0 0 0 1 0x88 0xb5 1 2 3 4"
check "lower, interface down" 71 "" "ngctl: writing to hook \"x\": Network is down
ngctl: line 2: error in file" ngctl -f - <<EOS
connect em0: x lower
write x $F
EOS
ip link set em1 up
ip link set em0 up
check "lower, a frame shorter than 14 bytes" 71 "" \
    "ngctl: writing to hook \"x\": Invalid argument
ngctl: line 3: error in file" ngctl -f - <<EOS
connect em0: x lower
write x $F
write x 1 2 3
EOS
check "upper, a frame shorter than 14 bytes" 71 "" \
    "ngctl: writing to hook \"x\": Invalid argument
ngctl: line 2: error in file" ngctl -f - <<EOS
connect em0: x upper
write x 1 2
EOS
check "getifname still answers" 0 "$(reply getifname 1 '"em0"')" "" masked ngctl msg em0: getifname

# detach: the node goes, the interface stays and gets no other
check "detach" 0 "" "" ngctl msg em0: detach
check "no node em0" 71 "" "ngctl: send msg: No such file or directory" \
    ngctl show em0:
expect_rc "the interface is still there" 0 quiet ip link show em0
ip link set em0 down
ip link set em0 up
sleep 0.1
expect_rc "and gets no new node" 71 quiet ngctl show em0:
finish
