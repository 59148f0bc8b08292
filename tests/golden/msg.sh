#!/usr/bin/env bash
# Golden test: ngctl msg, messages in ASCII both ways (spec §13 cases
# 17-21, 27 and 36): the MsgRead format, defaults left out of replies,
# omitted fields zeroed, the parse errors, and the eiface messages on a
# real TAP.
source "$(dirname "$0")/../lib.sh" # tmp, check, expect...
# match NAME REGEX TEXT: TEXT matches the extended regular expression
match() {
	if grep -qE -- "$2" <<<"$3"; then
		ok "$1"
	else
		fail "$1"
		printf '    want /%s/\n' "$2"
		sed 's/^/    got  /' <<<"$3"
	fi
}
ERR() { echo "ngctl: send msg: $1"; }
T=$'\t'
# "from [id]:" with the ID masked
masked() {
	"$@" | sed -E 's/from "\[[0-9a-f]+\]:"/from "[ID]:"/'
	return "${PIPESTATUS[0]}"
}

start_ngd || finish

# 17: our own node; the reply comes from it, and hooks=0 is left out
out=$(ngctl msg . nodeinfo)
expect "17 exit status" 0 $?
match "17 line 1" '^Rec'"'"'d response "nodeinfo" \(805306374\) from "\[[0-9a-f]+\]:":$' \
    "$(sed -n 1p <<<"$out")"
match "17 line 2" '^Args:'"$T"'\{ name="ngctl[0-9]+" type="socket" id=0x[0-9a-f]+ \}$' \
    "$(sed -n 2p <<<"$out")"
from=$(sed -nE '1s/.*from "\[([0-9a-f]+)\]:".*/\1/p' <<<"$out")
id=$(sed -nE '2s/.* id=0x([0-9a-f]+) .*/\1/p' <<<"$out")
expect "17 the reply is from the node itself" "$from" "$id"
expect "17 two lines" 2 "$(wc -l <<<"$out")"

# 18: typename, most recently registered type first (socket is first)
out=$(ngctl msg . listtypes)
match "18 socket, with its one node, listed last" \
    '^Args:'"$T"'\{ numtypes=[0-9]+ typeinfo=\[ .*\{ typename="socket" numnodes=1 \} \] \}$' \
    "$(sed -n 2p <<<"$out")"
match "18 a type without nodes has no numnodes" \
    '\{ typename="hub" \}' "$out"

# 19: the bridge's defaults
ngctl -f - <<'END'
mkpeer . hub a b
name a H
msg H: setpersistent
mkpeer H: bridge x link0
name H:x B
END
check "19 getconfig" 0 "Rec'd response \"getconfig\" (2) from \"[ID]:\":
Args:${T}{ debugLevel=1 loopTimeout=60 maxStaleness=900 minStableAge=1 }" "" \
    masked ngctl msg B: getconfig

# 20: setconfig replaces the whole struct; omitted fields become 0
check "20 setconfig { debugLevel=2 }" 0 "" "" \
    ngctl msg B: setconfig '{' debugLevel=2 '}'
check "20 getconfig" 0 "Rec'd response \"getconfig\" (2) from \"[ID]:\":
Args:${T}{ debugLevel=2 }" "" masked ngctl msg B: getconfig
check "20 words joined by single spaces" 0 "" "" \
    ngctl msg B: setconfig '{' debugLevel=1 loopTimeout=60 maxStaleness=900 minStableAge=1 '}'
check "20 restored" 0 "Rec'd response \"getconfig\" (2) from \"[ID]:\":
Args:${T}{ debugLevel=1 loopTimeout=60 maxStaleness=900 minStableAge=1 }" "" \
    masked ngctl msg B: getconfig
check "20 a field given in hex and octal" 0 "" "" \
    ngctl msg B: setconfig "{ minStableAge=010 loopTimeout=0x10 }"
check "20 ... reads back in decimal" 0 "Rec'd response \"getconfig\" (2) from \"[ID]:\":
Args:${T}{ loopTimeout=16 minStableAge=8 }" "" masked ngctl msg B: getconfig

# 21: an all-zero reply is {}; a link that is not there
check "21 getstats 0" 0 "Rec'd response \"getstats\" (4) from \"[ID]:\":
Args:${T}{}" "" masked ngctl msg B: getstats 0
check "21 getstats 7" 71 "" "$(ERR 'Socket is not connected')" \
    ngctl msg B: getstats 7
check "21 getstats -1 (uplink1)" 71 "" "$(ERR 'Socket is not connected')" \
    ngctl msg B: getstats -1
check "getstats without its argument" 71 "" "$(ERR 'Invalid argument')" \
    ngctl msg B: getstats
check "clrstats has no reply" 0 "" "" ngctl msg B: clrstats 0
check "getclrstats" 0 "Rec'd response \"getclrstats\" (6) from \"[ID]:\":
Args:${T}{}" "" masked ngctl msg B: getclrstats 0

# 36: the parse errors
# after FreeBSD's line, ours says when the text is the cause of an error
# whose words mislead (not for Invalid argument)
check "36 unknown field" 71 "" "$(ERR 'No such file or directory')
ngctl: the text of setconfig's argument names a field the message does not have (ng_bridge(4) describes it)" \
    ngctl msg B: setconfig '{' bogus=1 '}'
check "36 field twice" 71 "" "$(ERR 'Operation already in progress')
ngctl: the text of setconfig's argument gives a field or array element twice (ng_bridge(4) describes it)" \
    ngctl msg B: setconfig '{' debugLevel=1 debugLevel=2 '}'
check "36 out of range" 71 "" "$(ERR 'Invalid argument')" \
    ngctl msg B: setconfig '{' debugLevel=300 '}'
check "no brace" 71 "" "$(ERR 'Invalid argument')" \
    ngctl msg B: setconfig debugLevel=1
# ascii2binary makes at most 20480 bytes of an argument, as FreeBSD's
# (ng_base.c's 20 * 1024), and says ERANGE beyond: a bpf program of
# 2,547 instructions (100 + 8 x 2,547 = 20,476 bytes) is set, one of
# 2,548 (20,484 bytes) is not, and the second line says why.
prog() {
	printf '{ thisHook="x" bpf_prog_len=%d bpf_prog=[' "$1"
	for ((i = 0; i < $1; i++)); do printf ' { code=6 k=0 }'; done
	printf ' ] }'
}
plen() { ngctl msg H:big getprogram '"x"' | grep -o 'bpf_prog_len=[0-9]*'; }
ngctl mkpeer H: bpf big x
check "20,476 bytes of argument converted" 0 "" "" \
    ngctl msg H:big setprogram "$(prog 2547)"
expect "... and the program set" bpf_prog_len=2547 "$(plen)"
check "20,484 bytes: Result too large, the text the cause" 71 "" \
    "$(ERR 'Result too large')
ngctl: the text of setprogram's argument converts to more than the 20480 bytes an argument may take (ng_bpf(4) describes it)" \
    ngctl msg H:big setprogram "$(prog 2548)"
# A script's line keeps every word (FreeBSD's ngctl kept 511 and dropped
# the rest: the program's text ended early, Invalid argument): 600
# instructions are 2,405 words.
echo "msg H:big setprogram $(prog 600)" >"$tmp/long"
check "a script line of 2,405 words" 0 "" "" ngctl -f "$tmp/long"
expect "... all of them read" bpf_prog_len=600 "$(plen)"
ngctl shutdown H:big
check "the failed setconfigs changed nothing" 0 \
    "Rec'd response \"getconfig\" (2) from \"[ID]:\":
Args:${T}{ loopTimeout=16 minStableAge=8 }" "" masked ngctl msg B: getconfig

# the host table, through movehost (strings need their quotes); the
# setconfig above left maxStaleness at 0, which lets the next aging tick
# (once a second) take the host, so give it a lifetime first
ngctl msg B: setconfig '{ minStableAge=8 loopTimeout=16 maxStaleness=900 }'
# and the bridge's once-a-second tick may age it by the time we look
unaged() {
	"$@" | sed -E 's/ age=[0-9]+ staleness=[0-9]+//'
	return "${PIPESTATUS[0]}"
}
check "gettable, empty" 0 "Rec'd response \"gettable\" (7) from \"[ID]:\":
Args:${T}{}" "" masked ngctl msg B: gettable
check "movehost" 0 "" "" \
    ngctl msg B: movehost '{ addr=02:00:00:00:00:09 hook="link0" }'
check "movehost without the address" 71 "" "$(ERR 'Operation not supported')
ngctl: the text of movehost's argument leaves out a field that has no default (ng_bridge(4) describes it)" \
    ngctl msg B: movehost '{ hook="link0" }'
check "movehost, hook unquoted" 71 "" "$(ERR 'Invalid argument')" \
    ngctl msg B: movehost '{ addr=02:00:00:00:00:09 hook=link0 }'
check "movehost to a hook that is not there" 71 "" \
    "$(ERR 'No such file or directory')" \
    ngctl msg B: movehost '{ addr=02:00:00:00:00:09 hook="link9" }'
# (the seconds it has been there depend on how loaded the machine is)
check "gettable" 0 "Rec'd response \"gettable\" (7) from \"[ID]:\":
Args:${T}{ numHosts=1 hosts=[ { addr=02:00:00:00:00:09 hook=\"link0\" } ] }" "" \
    unaged masked ngctl msg B: gettable
check "reset" 0 "" "" ngctl msg B: reset
check "the config as before" 0 "" "" \
    ngctl msg B: setconfig "{ minStableAge=8 loopTimeout=16 }"

# generic messages in ASCII
check "listhooks" 0 "Rec'd response \"listhooks\" (805306375) from \"[ID]:\":
Args:${T}{ nodeinfo={ name=\"B\" type=\"bridge\" id=0x######## hooks=1 } linkinfo=[ { ourhook=\"link0\" peerhook=\"x\" nodeinfo={ name=\"H\" type=\"hub\" id=0x######## hooks=1 } } ] }" "" \
    eval "masked ngctl msg B: listhooks | sed -E 's/id=0x[0-9a-f]+/id=0x########/g'"
check "listnames" 0 "Rec'd response \"listnames\" (805306376) from \"[ID]:\":
Args:${T}{ numnames=3 nodeinfo=[ { name=\"H\" type=\"hub\" id=0x######## hooks=1 } { name=\"B\" type=\"bridge\" id=0x######## hooks=1 } { name=\"probe\" type=\"socket\" id=0x######## } ] }" "" \
    eval "masked ngctl -n probe msg . listnames | sed -E 's/id=0x[0-9a-f]+/id=0x########/g'"
check "name in ASCII" 0 "" "" ngctl msg H: name '{ name="H2" }'
check "rmhook in ASCII (the field is hook)" 0 "" "" \
    ngctl -f - <<'END'
msg H2: name { name="H" }
mkpeer H: hub y z
msg H: rmhook { hook="y" }
END
check "no hook y left" 0 "  Name: H               Type: hub             ID: ########   Num hooks: 1" "" \
    eval "ngctl show -n H: | sed -E 's/ID: [0-9a-f]{8}/ID: ########/'"
check "textstatus is the type's" 71 "" "$(ERR 'Invalid argument')" \
    ngctl msg H: textstatus
check "binary2ascii by hand" 0 "Rec'd response \"binary2ascii\" (805306380) from \"[ID]:\":
Args:${T}{ version=8 arglen=2 cmd=4 typecookie=1569321993 cmdstr=\"getstats\" data=[ 0x37 ] }" "" \
    masked ngctl msg B: binary2ascii '{ version=8 arglen=4 cmd=4 typecookie=1569321993 data=[ 7 ] }'
check "ascii2binary by hand" 0 "Rec'd response \"ascii2binary\" (805306381) from \"[ID]:\":
Args:${T}{ version=8 arglen=4 cmd=4 typecookie=1569321993 cmdstr=\"getstats\" data=[ 0x7 ] }" "" \
    masked ngctl msg B: ascii2binary '{ arglen=2 cmdstr="getstats" data="7" }'
# ENOSYS from the message itself, not from its name: FreeBSD's line
# alone (it said the type had no message "binary2ascii"/"ascii2binary")
check "binary2ascii of a message nobody knows" 71 "" \
    "$(ERR 'Function not implemented')" \
    ngctl msg B: binary2ascii '{ version=8 arglen=0 cmd=6 typecookie=1 }'
check "ascii2binary of a name nobody knows" 71 "" \
    "$(ERR 'Function not implemented')" \
    ngctl msg B: ascii2binary '{ cmdstr="nosuch" }'
check "msg to a hook path" 0 "Rec'd response \"getconfig\" (2) from \"[ID]:\":
Args:${T}{ loopTimeout=16 minStableAge=8 }" "" masked ngctl msg H:x getconfig
check "a command without arguments ignores them" 0 "" "" \
    ngctl msg H: setpersistent junk '{'
check "socket's own messages have names" 0 "" "" ngctl msg . linger

# 27: eiface on a real TAP
check "27 mkpeer eiface" 0 "" "" ngctl mkpeer . eiface e ether
check "27 getifname" 0 "Rec'd response \"getifname\" (1) from \"[ID]:\":
Args:${T}\"ngeth0\"" "" masked ngctl msg ngeth0: getifname
check "27 set" 0 "" "" ngctl msg ngeth0: set 02:00:00:00:00:01
match "27 the interface has the new MAC" 'link/ether 02:00:00:00:00:01 ' \
    "$(ip link show ngeth0)"
check "27 set zz" 71 "" "$(ERR 'Invalid argument')" ngctl msg ngeth0: set zz
check "set a multicast address" 71 "" "$(ERR 'Invalid argument')" \
    ngctl msg ngeth0: set 01:00:5e:00:00:01
check "getifaddrs, none" 0 "Rec'd response \"getifaddrs\" (2) from \"[ID]:\":
Args:${T}{}" "" masked ngctl msg ngeth0: getifaddrs
ip addr add 198.51.100.1/24 dev ngeth0
ip addr add 2001:db8::1/64 dev ngeth0 nodad
check "getifaddrs" 0 "Rec'd response \"getifaddrs\" (2) from \"[ID]:\":
Args:${T}{ numAddrs=2 addrs=[ { addr=198.51.100.1 prefixlen=24 } { addr=2001:db8::1 prefixlen=64 } ] }" "" \
    masked ngctl msg ngeth0: getifaddrs
# in another namespace the addresses are read there
ip netns add other
ip link set ngeth0 netns other
ip -n other addr add 198.51.100.7/25 dev ngeth0
check "getifaddrs, interface in another namespace" 0 \
    "Rec'd response \"getifaddrs\" (2) from \"[ID]:\":
Args:${T}{ numAddrs=1 addrs=[ { addr=198.51.100.7 prefixlen=25 } ] }" "" \
    masked ngctl msg ngeth0: getifaddrs
check "set, interface in another namespace" 0 "" "" \
    ngctl msg ngeth0: set 02:00:00:00:00:02
match "... changed it there" 'link/ether 02:00:00:00:00:02 ' \
    "$(ip -n other link show ngeth0)"
check "shutdown ngeth0" 0 "" "" ngctl shutdown ngeth0:
ip netns del other

finish
