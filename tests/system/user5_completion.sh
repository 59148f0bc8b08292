#!/usr/bin/env bash
# Bash completion of what the manuals document and completion.sh leaves
# out: ngctl capture (its options and their values, the node, then that
# node's hooks), top, show and dot's options, show's path after -n;
# nghook -t, jexec -d (and the words after their values), jls -c; jng
# (which had none): its actions, bridge's jails and Ethernet interfaces
# (after = or ! too), the NAMEs jng show lists, graph's options.
# Driven as bash drives it (tests/completion.sh), as completion.sh.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/../completion.sh"
start_ngd || finish
# br0 with three eifaces, named ng_host, ng_test1 and ng0_www (a jng
# jail's), and a hub.
{ named_bridge br0 ng_host ng_test1 ng0_www &&
    ngctl mkpeer br0: hub link4 in; } || fail "the graph"
# an Ethernet interface for jng bridge (and its veth peer)
ip link add lan0 type veth peer name wan9 || fail "lan0"
printf 'persist;\nbeta { }\n' >"$tmp/jail.conf"
jail -f "$tmp/jail.conf" -c beta >/dev/null || fail "jail beta"

expect "ngctl capture: its options" "$(lines -c -F -s -w -y)" \
    "$(comp _ngctl ngctl capture -)"
expect "ngctl capture: the node" "$(lines ng_host: ng_test1:)" \
    "$(comp _ngctl ngctl capture ng_)"
expect "ngctl capture NODE: its hooks" "$(lines link1 link2 link3 link4)" \
    "$(comp _ngctl ngctl capture br0: '')"
expect "ngctl capture -c N -w FILE NODE: its hooks" "$(lines link1 link2 link3 link4)" \
    "$(comp _ngctl ngctl capture -c 5 -w f.pcap br0: l)"
expect "ngctl capture -F: the formats" "$(lines pcap pcapng)" \
    "$(comp _ngctl ngctl capture -F '')"
expect "ngctl capture -y: the link types" "$(lines EN10MB RAW)" \
    "$(comp _ngctl ngctl capture -y '')"
expect "ngctl capture -c: a number, nothing to offer" "" \
    "$(comp _ngctl ngctl capture -c '')"
expect "ngctl top: its options" "$(lines -b -d -n -o)" "$(comp _ngctl ngctl top -)"
expect "ngctl top -o: the orders" "$(lines b d f n)" "$(comp _ngctl ngctl top -o '')"
expect "ngctl show: its options" "$(lines -n -s)" "$(comp _ngctl ngctl show -)"
expect "ngctl show -s: the node" "$(lines ng_host: ng_test1:)" \
    "$(comp _ngctl ngctl show -s ng_)"
expect "ngctl info (show's alias): the node" "$(lines ng_host: ng_test1:)" \
    "$(comp _ngctl ngctl info ng_)"
expect "ngctl dot: its options" "$(lines -c -s)" "$(comp _ngctl ngctl dot -)"
expect "nghook: its options, -t too" "$(lines -a -d -e -l -m -n -S -s -t)" \
    "$(comp _nghook nghook -)"
expect "nghook -t SECONDS: the path" "$(lines ng_host: ng_test1:)" \
    "$(comp _nghook nghook -t 5 ng_)"
expect "jexec: its options, -d too" "$(lines -d -l -u -U)" "$(comp _jexec jexec -)"
expect "jexec -d DIR: the jail" "$(lines beta)" "$(comp _jexec jexec -d /tmp b)"
expect "jexec -d DIR JAIL: the command" "$(compgen -c ngct | sort -u)" \
    "$(comp _jexec jexec -d /tmp beta ngct | sort -u)"
expect "jls: its options, -c too" "$(lines -c -d -h -j -N -n -q -s -v)" \
    "$(comp _jls jls -)"

expect "jng: its actions" "$(lines bridge graph show shutdown stats)" \
    "$(comp _jng jng '')"
expect "jng sh" "$(lines show shutdown)" "$(comp _jng jng sh)"
expect "jng bridge: -b" "-b" "$(comp _jng jng bridge -)"
expect "jng bridge: a running jail" beta "$(comp _jng jng bridge b)"
expect "jng bridge NAME: an Ethernet interface" lan0 "$(comp _jng jng bridge beta la)"
expect "jng bridge NAME: after =" =lan0 "$(comp _jng jng bridge beta lan0 =la)"
expect "jng bridge NAME: after !" '!lan0' "$(comp _jng jng bridge -b x beta '!la')"
expect "jng bridge NAME: not lo" "" "$(comp _jng jng bridge beta l | grep -x lo)"
expect "jng show: the NAMEs on the bridges" www "$(comp _jng jng show '')"
expect "jng stats: the same" www "$(comp _jng jng stats w)"
expect "jng graph: its options" "$(lines -f -o -T)" "$(comp _jng jng graph -)"
expect "jng graph -T: formats" "$(lines dot pdf png svg)" "$(comp _jng jng graph -T '')"

jail -r beta >/dev/null || fail "jail -r beta"
finish
