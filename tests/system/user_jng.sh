#!/usr/bin/env bash
# jng show without a NAME lists the NAMEs `jng show NAME` takes, as
# FreeBSD's jng does ("List possible NAME values"): each peer of a named
# bridge called ngN_NAME, without its ngN_, once, sorted.  (It printed
# each bridge's `ngctl show` table with the ngN_ cut from the peer
# names, a misreading of FreeBSD's awk, whose range pattern prints the
# cut name alone.)
#
#   ng0_www, ng1_www, ng0_db --ether-- link1, link2, link3 [br0]
#   ng0_mail, ng2_www --ether-- link1, link2 [br1]
source "$(dirname "$0")/../lib.sh"
start_ngd || finish
{ named_bridge br0 ng0_www ng1_www ng0_db &&
    named_bridge br1 ng0_mail ng2_www; } || fail "the graph"
check "jng show: the NAMEs on the bridges, each once" 0 "db
mail
www" "" jng show
check "jng show www: its interfaces" 0 "ng0_www
ng1_www
ng2_www" "" jng show www
finish
