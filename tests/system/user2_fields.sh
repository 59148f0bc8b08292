#!/usr/bin/env bash
# Each field of what a node's get-messages answer is named in the page a
# user reads for it (user_man.sh holds the pages to the messages; this,
# to their replies' fields): one node of each type with such messages,
#
#   ngeth0 -- br0 -- vlan, pipe, one2many, tee, nat, bpf, vxlan, ksocket
#
# gethookstats, which every node answers, is ngctl.8's: its numHooks and
# stats[] were in no page.
source "$(dirname "$0")/../lib.sh"
start_ngd || finish
ngctl mkpeer eiface ether ether || fail "ngeth0"
{
	echo "mkpeer ngeth0: bridge ether link0"
	echo "name ngeth0:ether br0"
	n=1
	for t in "vlan downstream vl" "pipe upper pp" "one2many many0 o2m" \
	    "tee left tee" "nat in nat" "bpf x bpf" "vxlan inner vx" \
	    "ksocket inet/dgram/udp ks"; do
		set -- $t
		echo "mkpeer br0: $1 link$n $2"
		echo "name br0:link$n $3"
		n=$((n + 1))
	done
} | ngctl -f - || fail "the graph"

# fields PAGE PATH MSG [ARGS]: the reply's field names PAGE leaves out
missing=
fields() {
	local page=$1 out k
	shift
	out=$(ngctl msg "$@" 2>&1 | sed -n 's/^Args:[[:space:]]*//p')
	[ -n "$out" ] || { missing+="$page: $2 gave no reply; "; return; }
	for k in $(grep -oE '[A-Za-z_]+=' <<<"$out" | tr -d = | sort -u); do
		grep -qw "$k" "$top/man/$page" || missing+="$page: $2 $k; "
	done
}
fields ng_bridge.4 br0: getconfig
fields ng_bridge.4 br0: getstats 0
fields ng_pipe.4 pp: getcfg
fields ng_one2many.4 o2m: getconfig
fields ng_nat.4 nat: libaliasinfo
fields ng_vxlan.4 vx: getconfig
fields ng_bpf.4 bpf: getprogram '"x"'
fields ng_ksocket.4 ks: getopt '{ level=1 name=2 }'
fields ngctl.8 br0: gethookstats
expect "every field of these replies is named in its page" "" "$missing"
finish
