#!/usr/bin/env bash
# jng with a jail name longer than an interface name allows: ng0_NAME is
# cut to 15 characters (jng.8), and jng now looks for it by that cut
# name everywhere.  It looked for the whole ng0_webserver_main, never
# there, so a second `jng bridge` (a jail restarted with jng in its
# exec.prestart) made a second eiface and failed to name it ("cannot
# name ng0_webserver_m", an ngethN left on the bridge), and stats and
# shutdown found nothing (the interface outlived the jail):
#
#   em0 -- eth0bridge -- ng0_webserver_m   (jail webserver_main)
source "$(dirname "$0")/../lib.sh"
ip link add em0 type veth peer name em0p || fail "veth em0"
start_ngd || finish

eifaces() { ngctl list | awk '$4 == "eiface" { print $2 }' | sort | tr '\n' ' '; }
check "jng bridge webserver_main em0" 0 "" "" jng bridge webserver_main em0
check "... again: it is there, nothing is made" 0 "" "" jng bridge webserver_main em0
expect "... one eiface, ng0_webserver_m" "ng0_webserver_m " "$(eifaces)"
expect "jng show webserver_main: its interface" ng0_webserver_m \
    "$(jng show webserver_main)"
expect "jng stats webserver_main: its counters" "ng0_webserver_m:" \
    "$(jng stats webserver_main | head -n 1)"
# (A name alike in its first 11 characters would share it: jng.8.)
expect "... not a shorter name's" "" "$(jng show webserver)"
check "jng shutdown webserver_main" 0 "" "" jng shutdown webserver_main
expect "... its interface is gone" "" "$(eifaces)"
expect "... from the kernel too" "" "$(ip -br link show dev ng0_webserver_m 2>/dev/null)"
finish
