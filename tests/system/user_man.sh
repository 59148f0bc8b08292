#!/usr/bin/env bash
# The manual pages as a new user meets them:
#   - every page renders without a warning (groff -ww; mandoc -T lint
#     -W warning too when mandoc is installed);
#   - each program's options, as its getopt string in the source has
#     them, are the options its page's SYNOPSIS and option list name,
#     and the other way round;
#   - every environment variable a program reads is in some page;
#   - each node type's messages (its cmdlist, through the completion's
#     generator) are the ones its page's CONTROL MESSAGES describes;
#   - the ngctl and ip lines of every node page's EXAMPLES run, in order,
#     against one ngd, on a little graph each page takes for granted
#     (br0, ng_test1, eth0...), cleared away between pages.
source "$(dirname "$0")/../lib.sh"
cd "$top" || exit 1

# --- rendering ----------------------------------------------------------
for page in man/*.[0-9]; do
	groff -ww -z -mandoc "$page" 2>&1 | sed "s|^|$page: |"
done >"$tmp/groff"
expect "groff -ww renders every page silently" "" "$(cat "$tmp/groff")"
if command -v mandoc >/dev/null; then
	expect "mandoc -T lint -W warning passes every page" "" \
	    "$(mandoc -T lint -W warning man/*.[0-9] 2>&1)"
fi

# --- options: getopt string against the page ------------------------------
# letters SPEC: the option letters of a getopt string ("+:ab:c" -> abc)
letters() { sed 's/[^A-Za-z]//g' <<<"$1" | fold -w1 | sort -u | tr -d '\n'; }
# the getopt string of the first getopt() call in FILE
getopt_of() { sed -n 's/.*getopt([^"]*"\([^"]*\)").*/\1/p' "$1" | head -n 1; }
# the letters an mdoc page names: in SYNOPSIS (Fl and Op Fl groups, each
# letter of "Fl dhilqv"), or as ".It Fl X" items
mdoc_synopsis() {
	awk '/^\.Sh /{ s = ($2 == "SYNOPSIS") } s' "$1" |
	    grep -oE 'Fl [A-Za-z]+' | sed 's/^Fl //' | fold -w1 | sort -u |
	    tr -d '\n'
}
mdoc_items() {
	grep -oE '^\.It Fl [A-Za-z]\b' "$1" | sed 's/^\.It Fl //' | sort -u |
	    tr -d '\n'
}
man_synopsis() { # ngctl.8 is man(7): .RB [ \-j
	awk '/^\.SH /{ s = ($2 == "SYNOPSIS") } s' "$1" |
	    grep -oE '\\-[A-Za-z]\b' | sed 's/^\\-//' | sort -u | tr -d '\n'
}
# check PROG SRC SYNOPSIS_LETTERS ITEM_LETTERS EXTRA: EXTRA are letters
# the program takes that FreeBSD's page leaves out of the SYNOPSIS too
# (described as items, e.g. jexec's ignored -n, jls's -a for -d)
opts() {
	local prog=$1 src=$2 syn=$3 items=$4 extra=$5 want
	want=$(letters "$(getopt_of "$src")")
	expect "$prog: getopt's options are in its SYNOPSIS" "$want" \
	    "$(letters "$syn$extra")"
	if [ -n "$items" ]; then
		expect "$prog: getopt's options are each described" "$want" \
		    "$items"
	fi
}
for p in jail jexec jls; do
	declare "syn_$p=$(mdoc_synopsis "man/$p.8")" "it_$p=$(mdoc_items "man/$p.8")"
done
opts jail src/jail/jail_main.c "$syn_jail" "$it_jail" ""
opts jexec src/jail/jexec_main.c "$syn_jexec" "$it_jexec" n
opts jls src/jail/jls_main.c "$syn_jls" "$it_jls" a
opts nghook src/nghook/nghook.c "$(mdoc_synopsis man/nghook.8)" \
    "$(mdoc_items man/nghook.8)" ""
opts ngd src/ngd/main.c "$(mdoc_synopsis man/ngd.8)" "" ""
opts ngctl src/ngctl/main.c "$(man_synopsis man/ngctl.8)" "" ""

# --- environment: each variable a program reads is in a page --------------
# (getenv("NAME"), or a NAME_ENV macro; the tests' own hooks left out)
vars=$( (grep -rhoE 'getenv\("[A-Z_]+"\)' src | sed -E 's/getenv\("(.*)"\)/\1/'
	grep -rhoE '#define [A-Z_]+_ENV "[A-Z_]+"' src | sed -E 's/.* "(.*)"/\1/') |
    sort -u | grep -vE '^(NGD_TEST_|TERM$|SHELL$|NOTIFY_SOCKET$)')
expect_rc "programs read variables (the check ran)" 0 \
    test "$(wc -w <<<"$vars")" -gt 8
for v in $vars; do
	expect_rc "$v is in a manual page" 0 grep -qw "$v" man/*.[0-9]
done

# --- messages: each type's cmdlist against its page -----------------------
build/completion/msgnames | sed -nE 's/^\t([a-z0-9]+)\) echo (.*) shutdown mkpeer .*/\1 \2/p' >"$tmp/msgs"
expect_rc "msgnames lists the types (the check ran)" 0 \
    test "$(wc -l <"$tmp/msgs")" -gt 10
while read -r type msgs; do
	page=man/ng_$type.4
	section=$(awk '/^\.Sh /{ s = ($2 == "CONTROL") } s' "$page")
	missing=
	for m in $msgs; do
		[[ "$section" =~ (Ic|Cm|Li)\ $m([^a-z0-9]|$) ]] ||
		    missing="$missing $m"
	done
	expect "$page describes every message of $type" "" "$missing"
	# and names no message the type does not take
	extra=
	for m in $(grep -oE '^\.It (Dv NGM_[A-Z0-9_]+ Pq Ic|Cm) [a-z0-9]+' \
	    <<<"$section" | awk '{ print $NF }'); do
		[[ " $msgs shutdown " == *" $m "* ]] || extra="$extra $m"
	done
	expect "$page names only messages $type takes" "" "$extra"
done <"$tmp/msgs"

# --- the node pages' examples ---------------------------------------------
# the commands of PAGE's EXAMPLES (literal displays and .Dl lines), one
# per line, a command continued over lines (open quote, trailing \,
# here-document) joined with newlines into one NUL-terminated entry
examples() {
	python3 - "$1" <<'EOF'
import re, sys
inex = inbd = False
cmds = []
cont = False
heredoc = None
for l in open(sys.argv[1]).read().split('\n'):
    if l.startswith(('.Sh ', '.SH ')):
        inex = l.split()[1] == 'EXAMPLES'
        continue
    if not inex:
        continue
    if l.startswith(('.Bd', '.EX')):
        inbd = True
        continue
    if l.startswith(('.Ed', '.EE')):
        inbd = False
        continue
    if l.startswith('.Dl '):
        l = l[4:]
    elif not inbd:
        continue
    l = l.replace('\\e', '\\').replace('\\-', '-').replace('\\&', '')
    if cont:
        cmds[-1] += '\n' + l
    elif re.match(r'^(# )?(ngctl|ip) ', l):
        cmds.append(re.sub(r'^# ', '', l))
    else:
        continue
    c = cmds[-1]
    if heredoc is None:
        m = re.search(r'<<(\w+)$', c)
        heredoc = m.group(1) if m else None
    elif l == heredoc:
        heredoc = None
    cont = (heredoc is not None or c.endswith('\\') or
        c.count("'") % 2 == 1)
sys.stdout.write(''.join(c + '\0' for c in cmds))
EOF
}
# what each page takes for granted
setup() {
	local i
	case $1 in
	ng_bpf.4 | ng_pipe.4)
		ngctl mkpeer eiface ether ether && ngctl name ngeth0: a &&
		    ngctl mkpeer eiface ether ether && ngctl name ngeth1: b ;;
	ng_eiface.4)
		ngctl mkpeer eiface ether ether &&
		    ngctl mkpeer ngeth0: bridge ether link0 &&
		    ngctl name ngeth0:ether br0 ;;
	ng_hub.4 | ng_tee.4 | ng_one2many.4)
		for i in 0 1 2; do ngctl mkpeer eiface ether ether; done
		ngctl name ngeth0: ng_test1 &&
		    ngctl mkpeer ngeth1: bridge ether link0 &&
		    ngctl name ngeth1:ether br0 &&
		    ngctl mkpeer ngeth2: bridge ether link0 &&
		    ngctl name ngeth2:ether br1 || return 1
		[ "$1" = ng_one2many.4 ] || ngctl connect br0: ng_test1: link1 ether
		# one2many's bond of eth0 and eth1
		[ "$1" != ng_one2many.4 ] || { ngctl mkpeer eiface ether ether &&
		    ngctl name ngeth3: web0; } ;;
	ng_vlan.4)
		for i in 0 1 2 3; do ngctl mkpeer eiface ether ether; done
		ngctl name ngeth0: a10 && ngctl name ngeth1: a20 &&
		    ngctl name ngeth2: b10 && ngctl name ngeth3: b20 ;;
	ng_ksocket.4 | ng_vxlan.4)
		ip addr add 198.18.0.1/24 dev wan0 &&
		    ip addr add 198.18.9.1/24 dev wan0 ;;
	esac
}
# every node but ether nodes and ngctl's own goes, with its interfaces
# (an ether node keeps no hook once its peers went); namespaces the page
# made go too
clear_graph() {
	local n i
	# one ngctl for them all; a script stops at its first failure (a
	# node gone with its last hook), so again until none is left
	for i in 1 2 3 4; do
		ngctl list | awk 'NR > 1 && $4 != "socket" && $4 != "ether" {
		    print "shutdown [" $6 "]:" }' >"$tmp/clear"
		[ -s "$tmp/clear" ] || break
		ngctl -f "$tmp/clear" >/dev/null 2>&1
	done
	for n in $(ip netns list | awk '{ print $1 }'); do ip netns del "$n"; done
	ip addr flush dev wan0
}

# eth0, the uplink the ether and nat pages use (eth1 with it in
# one2many's bond), and wan0 for addresses
ip link add eth0 type veth peer name eth0p && ip link set eth0 up &&
    ip link add eth1 type veth peer name eth1p && ip link set eth1 up &&
    ip link add wan0 type veth peer name wan0p && ip link set wan0 up
start_ngd || finish
trap 'for n in $(ip netns list | awk "{ print \$1 }"); do ip netns del "$n"; done; stop_ngd; rm -rf "$tmp"' EXIT
n=0
for page in man/ng_*.4 man/ngctl.8; do # netgraph.4: the seed, seed.sh
		clear_graph
	setup "$(basename "$page")" >/dev/null 2>&1 || fail "$page: setup"
	while IFS= read -r -d '' cmd; do
		case $cmd in
		*"| dot "* | *capture* | "ngctl top"*) continue ;; # graphviz, waits
		esac
		n=$((n + 1))
		out=$(bash -c "$cmd" </dev/null 2>&1)
		rc=$?
		if [ "$rc" -eq 0 ]; then
			ok "$page: $(head -n 1 <<<"$cmd")"
		else
			fail "$page: $cmd (exit $rc)"
			sed 's/^/    /' <<<"$out"
		fi
	done < <(examples "$page")
done
expect_rc "the examples ran (the check ran: $n commands)" 0 test "$n" -gt 60
finish
