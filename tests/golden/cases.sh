#!/usr/bin/env bash
# Golden test: spec §13 cases 45, 49 and 50 as the spec writes them (the
# nat redirect table; an ether node's shutdown, which only resets it;
# eth0's node under a bridge by hand, then `jng bridge test eth0`).
# eth0 is one end of a veth pair made before ngd starts, in the test's
# own namespace.  Case 45's 10.0.0.2 is only an entry in a nat node that
# carries no traffic.
source "$(dirname "$0")/../lib.sh"
ERR() { echo "ngctl: send msg: $1"; }
T=$'\t'
args() { "$@" | sed -n 's/^Args:\t//p'; return "${PIPESTATUS[0]}"; }

ip link add eth0 type veth peer name eth1
start_ngd || finish

# 45: nat node N
ngctl -f - <<'END'
mkpeer . hub a b
name a H
msg H: setpersistent
mkpeer H: nat n in
name H:n N
END
check "case 45: redirectport -> 1" 0 "1" "" args ngctl msg N: redirectport \
    '{ local_addr=10.0.0.2 local_port=80 alias_port=8080 proto=6 }'
check "case 45: the second such message -> 2" 0 "2" "" args ngctl msg N: \
    redirectport '{ local_addr=10.0.0.2 local_port=80 alias_port=8080 proto=6 }'
expect "case 45: listredirects contains total_count=2" 1 \
    "$(ngctl msg N: listredirects | grep -c 'total_count=2')"
check "case 45: redirectdelete 9" 71 "" "$(ERR 'No such file or directory')" \
    ngctl msg N: redirectdelete 9

# 49: ether node for a NIC
ngctl mkpeer eth0: hub lower a
ngctl msg eth0: setpromisc 1
check "case 49: shutdown eth0: exits 0" 0 "" "" ngctl shutdown eth0:
expect_rc "case 49: show eth0: still succeeds" 0 quiet ngctl show eth0:
check "case 49: getpromisc after the reset" 0 "0" "" args ngctl msg eth0: getpromisc

# 50
check "case 50: getifname" 0 '"eth0"' "" args ngctl msg eth0: getifname
check "case 50: mkpeer eth0: bridge lower link0" 0 "" "" \
    ngctl mkpeer eth0: bridge lower link0
check "case 50: connect eth0: eth0:lower upper link1" 0 "" "" \
    ngctl connect eth0: eth0:lower upper link1
check "case 50: name eth0:lower eth0bridge" 0 "" "" \
    ngctl name eth0:lower eth0bridge
check "case 50: show eth0bridge:, newest first" 0 \
"  Name: eth0bridge      Type: bridge          ID: ########   Num hooks: 2
  Local hook      Peer name       Peer type    Peer ID         Peer hook      
  ----------      ---------       ---------    -------         ---------      
  link1           eth0            ether        ########        upper          
  link0           eth0            ether        ########        lower          " "" \
    eval "ngctl show eth0bridge: | sed -E 's/[0-9a-f]{8}( |$)/########\1/g'"
ip link set eth0 up
check "case 50: jng bridge test eth0" 0 "" "" eval "jng bridge test eth0 >/dev/null"
expect "case 50: an eiface node ng0_test" "ng0_test eiface" \
    "$(ngctl list | awk '$2 == "ng0_test" { print $2, $4 }')"
expect "case 50: whose interface is ng0_test" '"ng0_test"' \
    "$(args ngctl msg ng0_test: getifname)"
expect_rc "case 50: the interface exists" 0 quiet ip link show ng0_test
expect "case 50: on eth0bridge" 1 \
    "$(ngctl show eth0bridge: | grep -c 'ng0_test        eiface')"
finish
