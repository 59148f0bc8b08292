#!/usr/bin/env bash
# Bash completion of what the manuals document and completion.sh leaves
# out: ngctl capture (its options and their values, the node, then that
# node's hooks), top, show and dot's options, show's path after -n;
# nghook -t, jexec -d (and the words after their values), jls -c; jng
# (which had none): its actions, bridge's jails and Ethernet interfaces
# (after = or ! too), the NAMEs jng show lists, graph's options.
# Driven as bash drives it (COMP_WORDS, COMP_CWORD), as completion.sh.
source "$(dirname "$0")/../lib.sh"
start_ngd || finish
# br0 with three eifaces, renamed ng_host, ng_test1 and ng0_www (a jng
# jail's), and a hub.
ngctl -f - <<'EOS' || fail "the graph"
mkpeer bridge b link0
name .:b br0
mkpeer br0: eiface link1 ether
mkpeer br0: eiface link2 ether
mkpeer br0: hub link3 in
rmhook . b
name br0:link1 ng_host
name br0:link2 ng_test1
mkpeer br0: eiface link4 ether
name br0:link4 ng0_www
EOS
# an Ethernet interface for jng bridge (and its veth peer)
ip link add lan0 type veth peer name wan9 || fail "lan0"
printf 'persist;\nbeta { }\n' >"$tmp/jail.conf"
jail -f "$tmp/jail.conf" -c beta >/dev/null || fail "jail beta"

# comp FUNC WORD...: the candidates FUNC gives for the last WORD, sorted,
# in a fresh bash with bash-completion's helpers (words split at colons,
# as bash splits them).
comp() {
	local func=$1 w words=()
	shift
	for w in "$@"; do
		while [[ $w == *:* ]]; do
			[ -n "${w%%:*}" ] && words+=("${w%%:*}")
			words+=(:)
			w=${w#*:}
		done
		[[ -n $w || ${words[-1]:-} != : ]] && words+=("$w")
	done
	bash -c '
		source /usr/share/bash-completion/bash_completion
		source "$0"
		func=$1 COMP_LINE=$2; shift 2
		COMP_WORDS=("$@")
		COMP_CWORD=$(($# - 1))
		COMP_POINT=${#COMP_LINE}
		"$func" "${COMP_WORDS[0]}" "${COMP_WORDS[-1]}" "${COMP_WORDS[-2]:-}"
		printf "%s\n" "${COMPREPLY[@]}" | sort' \
	    "$top/build/completion/ngctl" "$func" "$*" "${words[@]}"
}
lines() { printf '%s\n' "$@" | sort; }

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
