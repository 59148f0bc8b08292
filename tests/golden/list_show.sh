#!/usr/bin/env bash
# Golden test: what `ngctl list`, `show`, `types` and `dot` print, byte for
# byte (spec §13 cases 1-6, 14, 37-39).  IDs depend on how many ngctl
# probes start_ngd needed, so they are masked as ######## where they are
# printed padded, and read back from `show` where a test needs them.
source "$(dirname "$0")/../lib.sh"

# the ID of a node, unpadded hex as in paths and dot
id_of() {
	local id
	id=$(ngctl show -n "$1" | sed -nE 's/.*ID: ([0-9a-f]{8}).*/\1/p')
	printf '%x' "0x$id"
}
ERR() { echo "ngctl: send msg: $1"; }

start_ngd || finish

# 1: a fresh graph holds only ngctl's own socket node, named ngctl<pid>
out=$(ngctl list)
rc=$?
re='^There are 1 total nodes:
  Name: ngctl[0-9]+ +Type: socket +ID: [0-9a-f]{8}   Num hooks: 0$'
line=$(sed -n 2p <<<"$out")
name=$(sed -nE 's/^  Name: (ngctl[0-9]+) .*/\1/p' <<<"$out")
if [ $rc -eq 0 ] && [[ "$out" =~ $re ]] &&
    [ "$line" == "$(printf '  Name: %-15s Type: %-15s ID: %s   Num hooks: %d' \
	"$name" socket "${line:50:8}" 0)" ]; then
	ok "1 list on a fresh graph"
else
	fail "1 list on a fresh graph"
	echo "$out" | sed 's/^/    /'
fi

# 2: -n names the socket node; list -n lists named nodes only
check "2 list -n with -n probe" 0 \
"There are 1 total named nodes:
  Name: probe           Type: socket          ID: ########   Num hooks: 0" "" \
    masked ngctl -n probe list -n

# 3: types
out=$(ngctl types)
rc=$?
if [ $rc -eq 0 ] &&
    [[ "$(sed -n 1p <<<"$out")" =~ ^There\ are\ [0-9]+\ total\ types:$ ]] &&
    [ "$(sed -n 2,3p <<<"$out")" == "      Type name   Number of living nodes
      ---------   ----------------------" ] &&
    grep -qx '         socket       1' <<<"$out"; then
	ok "3 types"
else
	fail "3 types"
	echo "$out" | sed 's/^/    /'
fi
n=$(sed -nE 's/^There are ([0-9]+) total types:$/\1/p' <<<"$out")
expect "3 types: one row per type" "$n" "$(($(wc -l <<<"$out") - 3))"

# 4-6: bad addresses
check "4 show nosuch:" 71 "" "$(ERR 'No such file or directory')" \
    ngctl show nosuch:
check "5 show nosuch (a hook of our own node)" 71 "" \
    "$(ERR 'No such file or directory')" ngctl show nosuch
check "6 show :" 71 "" "$(ERR 'Invalid argument')" ngctl show :
check "6 show a.b:" 71 "" "$(ERR 'Invalid argument')" ngctl show a.b:
check "6 show x..y" 71 "" "$(ERR 'Invalid argument')" ngctl show x..y
check "6 show :hook" 71 "" "$(ERR 'Invalid argument')" ngctl show :hook

# A persistent hub H and a bridge B hanging off it (link0 from H, then link1)
ngctl -f - <<'END'
mkpeer . hub a b
name a H
msg H: setpersistent
mkpeer H: bridge x link0
name H:x B
connect H: B: y link1
END
expect "setup H and B" 0 $?

# 14: a node by ID, padded or not; [0] is no ID
hid=$(id_of H:)
want="  Name: H               Type: hub             ID: ########   Num hooks: 2"
check "14 show -n [<id>]:" 0 "$want" "" masked ngctl show -n "[$hid]:"
check "14 show -n [<%08x id>]:" 0 "$want" "" masked ngctl show -n \
    "[$(printf %08x "0x$hid")]:"
check "14 show -n [<ID IN CAPITALS>]:" 0 "$want" "" masked ngctl show -n \
    "[${hid^^}]:"
check "14 show [0]:" 71 "" "$(ERR 'No such file or directory')" \
    ngctl show "[0]:"

# 37: show, newest hook first, rows padded as printf pads them
check "37 show B:" 0 \
"  Name: B               Type: bridge          ID: ########   Num hooks: 2
  Local hook      Peer name       Peer type    Peer ID         Peer hook      
  ----------      ---------       ---------    -------         ---------      
  link1           H               hub          ########        y              
  link0           H               hub          ########        x              " \
    "" masked ngctl show B:
check "37 show -n B:" 0 \
"  Name: B               Type: bridge          ID: ########   Num hooks: 2" \
    "" masked ngctl show -n B:
check "37 inquire H: (alias)" 0 \
"  Name: H               Type: hub             ID: ########   Num hooks: 2
  Local hook      Peer name       Peer type    Peer ID         Peer hook      
  ----------      ---------       ---------    -------         ---------      
  y               B               bridge       ########        link1          
  x               B               bridge       ########        link0          " \
    "" masked ngctl inquire H:
check "show through a hook path (H:x)" 0 \
"  Name: B               Type: bridge          ID: ########   Num hooks: 2" \
    "" masked ngctl show -n H:x
check "show with an unnamed peer" 0 \
"  Name: <unnamed>       Type: hub             ID: ########   Num hooks: 1
  Local hook      Peer name       Peer type    Peer ID         Peer hook      
  ----------      ---------       ---------    -------         ---------      
  z               probe           socket       ########        q              " \
    "" masked ngctl -n probe -f - <<<$'mkpeer . hub q z\nshow q'

# list: every node, in ID order; -n the named ones
check "list" 0 \
"There are 3 total nodes:
  Name: H               Type: hub             ID: ########   Num hooks: 2
  Name: B               Type: bridge          ID: ########   Num hooks: 2
  Name: probe           Type: socket          ID: ########   Num hooks: 0" \
    "" masked ngctl -n probe list
check "list -n with an unnamed node" 0 \
"There are 3 total named nodes:
  Name: H               Type: hub             ID: ########   Num hooks: 2
  Name: B               Type: bridge          ID: ########   Num hooks: 2
  Name: probe           Type: socket          ID: ########   Num hooks: 1" \
    "" masked ngctl -n probe -f - <<<$'mkpeer . hub q z\nlist -n'
check "ls (alias) shows the unnamed node" 0 \
"There are 4 total nodes:
  Name: H               Type: hub             ID: ########   Num hooks: 2
  Name: B               Type: bridge          ID: ########   Num hooks: 2
  Name: probe           Type: socket          ID: ########   Num hooks: 1
  Name: <unnamed>       Type: hub             ID: ########   Num hooks: 1" \
    "" masked ngctl -n probe -f - <<<$'mkpeer . hub q z\nls'

# 38: list -l is show for each node, blank line between, none at the end
check "38 list -l" 0 \
"There are 3 total nodes:
  Name: H               Type: hub             ID: ########   Num hooks: 2
  Local hook      Peer name       Peer type    Peer ID         Peer hook      
  ----------      ---------       ---------    -------         ---------      
  y               B               bridge       ########        link1          
  x               B               bridge       ########        link0          

  Name: B               Type: bridge          ID: ########   Num hooks: 2
  Local hook      Peer name       Peer type    Peer ID         Peer hook      
  ----------      ---------       ---------    -------         ---------      
  link1           H               hub          ########        y              
  link0           H               hub          ########        x              

  Name: probe           Type: socket          ID: ########   Num hooks: 0" \
    "" masked ngctl -n probe list -l
out=$(ngctl -n probe list -l | tail -n 1)
expect "38 list -l ends with the last node's line" \
    "  Name: probe           Type: socket          ID: ########   Num hooks: 0" \
    "$(masked echo "$out")"

# 39: dot, whole output; our node is "me", IDs unpadded
bid=$(id_of B:)
mid=$(ngctl -n me -f - <<<'show -n .' | sed -nE 's/.*ID: ([0-9a-f]{8}).*/\1/p')
mid=$(printf '%x' "$((0x$mid + 1))") # the next ngctl gets the next ID
T=$'\t'
want="graph netgraph {
${T}edge [ weight = 1.0 ];
${T}node [ shape = record, fontsize = 12 ] {
${T}${T}\"$hid\" [ label = \"{H:|{hub|[$hid]:}}\" ];
${T}${T}\"$bid\" [ label = \"{B:|{bridge|[$bid]:}}\" ];
${T}${T}\"$mid\" [ label = \"{me:|{socket|[$mid]:}}\" ];
${T}};
${T}subgraph cluster_disconnected {
${T}${T}bgcolor = pink;
${T}${T}\"$mid\";
${T}};
${T}node [ shape = octagon, fontsize = 10 ] {
${T}${T}\"$hid.y\" [ label = \"y\" ];
${T}${T}\"$hid.x\" [ label = \"x\" ];
${T}};
${T}{
${T}${T}edge [ weight = 2.0, style = bold ];
${T}${T}\"$hid\" -- \"$hid.y\";
${T}${T}\"$hid\" -- \"$hid.x\";
${T}};
${T}node [ shape = octagon, fontsize = 10 ] {
${T}${T}\"$bid.link1\" [ label = \"link1\" ];
${T}${T}\"$bid.link0\" [ label = \"link0\" ];
${T}};
${T}{
${T}${T}edge [ weight = 2.0, style = bold ];
${T}${T}\"$bid\" -- \"$bid.link1\";
${T}${T}\"$bid\" -- \"$bid.link0\";
${T}};
${T}\"$bid.link1\" -- \"$hid.y\";
${T}\"$bid.link0\" -- \"$hid.x\";
}"
check "39 dot" 0 "$want" "" ngctl -n me dot
mid=$(printf '%x' "$((0x$mid + 1))")
want="digraph netgraph {
${T}edge [ dir = \"none\", fontsize = 10 ];
${T}node [ shape = record, fontsize = 12 ] {
${T}${T}\"$hid\" [ label = \"{H:|{hub|[$hid]:}}\" ];
${T}${T}\"$bid\" [ label = \"{B:|{bridge|[$bid]:}}\" ];
${T}${T}\"$mid\" [ label = \"{me:|{socket|[$mid]:}}\" ];
${T}};
${T}subgraph cluster_disconnected {
${T}${T}bgcolor = pink;
${T}${T}\"$mid\";
${T}};
${T}\"$hid\" -> \"$bid\" [ headlabel = \"link1\", taillabel = \"y\" ] ;
${T}\"$hid\" -> \"$bid\" [ headlabel = \"link0\", taillabel = \"x\" ] ;
}"
check "39 dot -c" 0 "$want" "" ngctl -n me dot -c
out=$(ngctl dot)
expect "39 dot labels an unnamed node \\<unnamed\\>" 1 \
    "$(ngctl -f - <<<$'mkpeer . hub q z\ndot' | grep -c 'label = "{\\<unnamed\\>:|{hub|')"
check "39 dot to a file" 0 "" "" ngctl dot -c "$tmp/g.dot"
expect "39 dot to a file: contents" "digraph netgraph {" \
    "$(head -n 1 "$tmp/g.dot")"
check "39 dot to a file it cannot write" 71 "" \
    "ngctl: Could not open $tmp/no/g.dot for writing: No such file or directory" \
    ngctl dot "$tmp/no/g.dot"
check "39 confdot is dot" 0 "$(ngctl -n me dot -c | head -n 1)" "" \
    eval "ngctl -n me confdot -c | head -n 1"

finish
