#!/usr/bin/env bash
# Bash completion (build/completion/ngctl): the completion functions are
# driven as bash drives them (COMP_WORDS, COMP_CWORD, COMP_LINE,
# COMP_POINT) against a running graph and running jails, and their
# candidates (COMPREPLY) checked.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/../completion.sh"
start_ngd
# br0 with two eifaces, named ng_host and ng_test1; an unnamed hub.
named_bridge br0 ng_host ng_test1
ngctl mkpeer br0: hub link3 in
id_of() { ngctl list | awk -v t="$1" '$4 == t || $2 == t { id = $6; sub(/^0+/, "", id); print id }'; }
hub_id=$(id_of hub) br_id=$(id_of br0) host_id=$(id_of ng_host) test1_id=$(id_of ng_test1)
cat >"$tmp/jail.conf" <<'EOF2'
persist;
alpha { vnet; }
beta { }
gamma { }
delta { ip4 = inherit; }
EOF2
jail -f "$tmp/jail.conf" -c alpha beta delta >/dev/null

expect "ngctl: commands" "$(lines config connect)" "$(comp _ngctl ngctl con)"
expect "ngctl: every command of help" \
    "$(ngctl help | awk '/^  [a-z]/ { print $1 }' | sort)" "$(comp _ngctl ngctl '')"
expect "ngctl: options" "$(lines -d -f -j -n -N -t)" "$(comp _ngctl ngctl -)"
expect "ngctl show: node names and IDs" \
    "$(lines br0: ng_host: ng_test1: "[$br_id]:" "[$host_id]:" "[$test1_id]:" "[$hub_id]:")" \
    "$(comp _ngctl ngctl show '')"
expect "ngctl show: a prefix" "$(lines ng_host: ng_test1:)" "$(comp _ngctl ngctl show ng_)"
expect "ngctl msg: hook paths of a node" "$(lines link1 link2 link3)" \
    "$(comp _ngctl ngctl msg br0:)"
expect "ngctl msg: the bridge's messages" "$(lines getconfig getclrstats getstats gettable getmaxhosts)" \
    "$(comp _ngctl ngctl msg br0: get)"
expect "ngctl msg: the eiface's messages, by hook path" "$(lines getifaddrs getifname)" \
    "$(comp _ngctl ngctl msg br0:link1 getif)"
expect "ngctl msg: an unnamed node by ID" "$(lines setpersistent shutdown)" \
    "$(comp _ngctl ngctl msg "[$hub_id]:" s)"
expect "ngctl msg: generic messages everywhere" "$(lines listhooks listnames listnodes listtypes)" \
    "$(comp _ngctl ngctl msg ng_host: list)"
expect "ngctl mkpeer: types after a path" "$(lines bridge bpf)" "$(comp _ngctl ngctl mkpeer br0: b)"
expect "ngctl mkpeer: every type" "$(ngctl types | awk 'NR > 3 { print $1 }' | sort)" \
    "$(comp _ngctl ngctl mkpeer . '')"
expect "ngctl rmhook: the node's hooks" "$(lines link1 link2 link3)" "$(comp _ngctl ngctl rmhook br0: '')"
expect "ngctl help: commands" "$(lines mkpeer msg)" "$(comp _ngctl ngctl help m)"
# beta has neither vnet nor addresses: no network, so no graph (ngctl -j
# refuses it); delta shares the host's, and its graph.
expect "ngctl -j: running jails with a graph" "$(lines alpha delta)" "$(comp _ngctl ngctl -j '')"
# alpha is a vnet jail: its graph is its own, and empty.
ngd_alpha() { jexec alpha ngd -d 2>/dev/null & }
ngd_alpha
for _ in $(seq 100); do ngctl -j alpha list >/dev/null 2>&1 && break; sleep 0.02; done
expect "ngctl -j alpha show: the jail's graph" "" "$(comp _ngctl ngctl -j alpha show ng_)"
expect "nghook: paths" "$(lines ng_host: ng_test1:)" "$(comp _nghook nghook ng_)"
expect "nghook: options" "$(lines -a -d -e -l -m -n -S -s -t)" "$(comp _nghook nghook -)"
expect "nghook -e: the program" "$(compgen -c nghoo | sort -u)" \
    "$(comp _nghook nghook -e br0: h nghoo | sort -u)"
expect "jail -c: jail.conf's jails and running ones" "$(lines alpha beta delta gamma)" \
    "$(comp _jail jail -f "$tmp/jail.conf" -c '')"
expect "jail -r: running jails" "$(lines '*' alpha beta delta)" "$(comp _jail jail -r '')"
expect "jexec: running jails" "$(lines beta)" "$(comp _jexec jexec b)"
expect "jexec JAIL: commands" "$(compgen -c ngct | sort -u)" "$(comp _jexec jexec alpha ngct | sort -u)"
expect "jls -j: running jails" "$(lines alpha beta delta)" "$(comp _jls jls -j '')"
# Nothing running: ngctl's candidates are empty, quickly, and no ngd starts.
jail -r alpha beta delta >/dev/null
stop_ngd
start=$(date +%s%N)
expect "no ngd: no node paths" "" "$(comp _ngctl ngctl show '')"
expect_rc "no ngd: completion started none" 1 pgrep -x ngd
ms=$(( ($(date +%s%N) - start) / 1000000 ))
if [ "$ms" -lt 3000 ]; then ok "no ngd: answered in $ms ms"; else fail "no ngd: $ms ms"; fi
finish
