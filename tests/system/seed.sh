#!/usr/bin/env bash
# The seed page's walkthrough, one ngctl per line as the page gives it:
#
#   ns test1            host side (the sandbox)           ns test2
#   ng_test1 --ether-- link1 [br0] link2 --ether-- ng_test2
#                            link0
#                              |ether
#                           ng_host
#
# then real pings between the namespaces and the host through the bridge.
source "$(dirname "$0")/../lib.sh"
start_ngd

for i in 1 2 3; do
	expect_rc "mkpeer eiface $i" 0 ngctl mkpeer eiface ether ether
done
expect_rc "name ng_host" 0 ngctl name ngeth0: ng_host
expect_rc "name ng_test1" 0 ngctl name ngeth1: ng_test1
expect_rc "name ng_test2" 0 ngctl name ngeth2: ng_test2
expect_rc "mkpeer bridge" 0 ngctl mkpeer ng_host: bridge ether link0
id=$(ngctl list | awk '$4 == "bridge" { print $6 }')
expect_rc "name [$id]: br0" 0 ngctl name "[$id]:" br0
expect_rc "connect link1" 0 ngctl connect br0: ng_test1: link1 ether
expect_rc "connect link2" 0 ngctl connect br0: ng_test2: link2 ether

# The graph, in FreeBSD's format; IDs vary with how many ngctl ran.
norm() { sed -E 's/ngctl[0-9]+ +/ngctlPID        /; s/[0-9a-f]{8}/XXXXXXXX/g'; }
got=$(ngctl list | norm)
want="There are 5 total nodes:
  Name: ng_host         Type: eiface          ID: XXXXXXXX   Num hooks: 1
  Name: ng_test1        Type: eiface          ID: XXXXXXXX   Num hooks: 1
  Name: ng_test2        Type: eiface          ID: XXXXXXXX   Num hooks: 1
  Name: br0             Type: bridge          ID: XXXXXXXX   Num hooks: 3
  Name: ngctlPID        Type: socket          ID: XXXXXXXX   Num hooks: 0"
expect "ngctl list" "$want" "$got"

got=$(ngctl show br0: | norm)
want="  Name: br0             Type: bridge          ID: XXXXXXXX   Num hooks: 3
  Local hook      Peer name       Peer type    Peer ID         Peer hook      
  ----------      ---------       ---------    -------         ---------      
  link2           ng_test2        eiface       XXXXXXXX        ether          
  link1           ng_test1        eiface       XXXXXXXX        ether          
  link0           ng_host         eiface       XXXXXXXX        ether          "
expect "ngctl show br0:" "$want" "$got"

# The interfaces carry the nodes' names (DESIGN decision 2).
for ifc in ng_host ng_test1 ng_test2; do
	expect_rc "interface $ifc exists" 0 quiet ip link show "$ifc"
done

ip netns add test1
ip netns add test2
trap 'ip netns del test1; ip netns del test2; stop_ngd' EXIT
ip link set ng_test1 netns test1
ip link set ng_test2 netns test2
ip addr add 198.51.100.1/24 dev ng_host
ip link set ng_host up
ip -n test1 addr add 198.51.100.11/24 dev ng_test1
ip -n test1 link set ng_test1 up
ip -n test2 addr add 198.51.100.12/24 dev ng_test2
ip -n test2 link set ng_test2 up

expect_rc "ping test1 -> test2" 0 in_ns test1 ping -c 3 -i 0.2 -W 2 -q 198.51.100.12
expect_rc "ping test1 -> host" 0 in_ns test1 ping -c 3 -i 0.2 -W 2 -q 198.51.100.1
expect_rc "ping test2 -> host" 0 in_ns test2 ping -c 3 -i 0.2 -W 2 -q 198.51.100.1

# The node stays in the host's graph after its interface moved.
expect_rc "ng_test1 still in host graph" 0 ngctl show ng_test1:

# TCP with large frames crosses whole (offloads on, GSO frames pass).
in_ns test2 timeout 20 nc -l -p 5001 >/tmp/ngrecv.$$ &
nc_pid=$!
sleep 0.3
head -c 2000000 /dev/urandom >/tmp/ngsend.$$
in_ns test1 timeout 20 nc -q 1 198.51.100.12 5001 </tmp/ngsend.$$
wait "$nc_pid"
expect "2 MB over TCP arrive intact" "$(md5sum </tmp/ngsend.$$)" "$(md5sum </tmp/ngrecv.$$)"
rm -f /tmp/ngsend.$$ /tmp/ngrecv.$$

# Shutting the bridge down stops the traffic.
expect_rc "shutdown br0" 0 ngctl shutdown br0:
expect_rc "no ping without the bridge" 1 in_ns test1 ping -c 1 -W 1 -q 198.51.100.12
finish
