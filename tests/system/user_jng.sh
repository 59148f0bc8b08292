#!/usr/bin/env bash
# jng show: each bridge as `ngctl show` prints it, with the ngN_ of the
# jails' interfaces cut from the peer names (FreeBSD's jng), the columns
# staying where ngctl put them (the cut name was left 4 columns short):
#
#   ng0_www --ether-- link1 [br0] link0 --ether-- ngeth0
source "$(dirname "$0")/../lib.sh"
start_ngd || finish
ngctl mkpeer eiface ether ether &&
    ngctl mkpeer ngeth0: bridge ether link0 &&
    ngctl name ngeth0:ether br0 &&
    ngctl mkpeer br0: eiface link1 ether &&
    ngctl name br0:link1 ng0_www || fail "the graph"
masked jng show >"$tmp/show"
expect "jng show: the jail's name in the peer name column" \
    "  Name: br0             Type: bridge          ID: ########   Num hooks: 2
  Local hook      Peer name       Peer type    Peer ID         Peer hook      
  ----------      ---------       ---------    -------         ---------      
  link1           www             eiface       ########        ether          
  link0           ngeth0          eiface       ########        ether          " \
    "$(cat "$tmp/show")"
expect "jng show www: its interfaces" ng0_www "$(jng show www)"
finish
