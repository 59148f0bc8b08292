#!/usr/bin/env bash
# jng bridge derives an interface's MAC as FreeBSD's jng does, so that a
# jail moved from FreeBSD keeps its address (DHCP reservations, the LAN's
# ARP caches), and keeps it whatever link of the bridge it gets:
# N P:S2 S2:S1 S0:I I:I I:I I, N the NIC's counter within one jng run,
# P 2 or a, S2 S1 S0 the low three hex digits of sum(1) of the name with
# no newline (FreeBSD's code writes S2 twice), I the NIC's last three
# octets.  It took N from the link number and summed the name with a
# newline: www on em0 02:00:00:aa:bb:01 got 0a:20:72:... on link2 and
# 3a:20:72:... on link5; FreeBSD's gives 0a:00:d0:aa:bb:01 on any link.
source "$(dirname "$0")/../lib.sh"
start_ngd || finish
ip link add em0 address 02:00:00:aa:bb:01 type veth peer name em0p &&
    ip link add em1 address 0e:00:00:cc:dd:02 type veth peer name em1p ||
    fail "the NICs"
mac() { cat "/sys/class/net/$1/address" 2>&1; }
link_of() { ngctl show "$1:" | awk '$1 == "ether" { print $5 }'; }

expect_rc "jng bridge www em0" 0 jng bridge www em0
expect "ng0_www: 0a (first on em0, em0's second digit 2), 00:d0 (www's sum 0x40d0)" \
    0a:00:d0:aa:bb:01 "$(mac ng0_www)"
# three in one run: em0 twice (N 0 and 1), em1 (N 0, its second digit e)
expect_rc "jng bridge webserver em0 em0 em1" 0 jng bridge webserver em0 em0 em1
expect "ng0_webserver: 11:dc (sum 0xf1dc: its third digit twice)" \
    0a:11:dc:aa:bb:01 "$(mac ng0_webserver)"
expect "ng1_webserver: the second on em0 in this run" 1a:11:dc:aa:bb:01 \
    "$(mac ng1_webserver)"
expect "ng2_webserver: the first on em1, 2 for its e" 02:11:dc:cc:dd:02 \
    "$(mac ng2_webserver)"
# www again after db took its link: another link, the same MAC
expect_rc "jng shutdown www" 0 jng shutdown www
expect_rc "jng bridge db em0" 0 jng bridge db em0
expect "db took link2, www's" link2 "$(link_of ng0_db)"
expect_rc "jng bridge www em0 again" 0 jng bridge www em0
expect "www is on another link now" 1 "$([ "$(link_of ng0_www)" != link2 ] && echo 1)"
expect "... with the MAC it had" 0a:00:d0:aa:bb:01 "$(mac ng0_www)"
finish
