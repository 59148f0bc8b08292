#!/usr/bin/env bash
# Golden test: the vxlan node's messages through ngctl, in text, with
# their errors (man/ng_vxlan.4).  No traffic: tests/system/vxlan.sh has it.
#
#   H (hub, persistent) v -- inner [vxlan X] outer -- o H
source "$(dirname "$0")/../lib.sh"

ERR() { echo "ngctl: send msg: $1"; }
T=$'\t'
reply() {
	"$@" | sed -E 's/from "\[[0-9a-f]+\]:"/from "[ID]:"/'
	return "${PIPESTATUS[0]}"
}

start_ngd || finish
ngctl -f - <<'END'
mkpeer . hub a b
name a H
msg H: setpersistent
mkpeer H: vxlan v inner
name H:v X
connect H: X: o outer
END

check "a third hook" 71 "" "$(ERR 'Invalid argument')" ngctl connect H: X: z other
check "getvni: 0 at first" 0 "Rec'd response \"getvni\" (2) from \"[ID]:\":
Args:${T}0" "" reply ngctl msg X: getvni
check "setvni 42" 0 "Rec'd response \"getvni\" (2) from \"[ID]:\":
Args:${T}42" "" eval "ngctl msg X: setvni 42 && reply ngctl msg X: getvni"
check "setvni 16777216" 71 "" "$(ERR 'Invalid argument')" \
    ngctl msg X: setvni 16777216
check "getconfig: the defaults" 0 "Rec'd response \"getconfig\" (7) from \"[ID]:\":
Args:${T}{ vni=42 maxAge=300 port=4789 learn=1 }" "" reply ngctl msg X: getconfig
check "setconfig with a flood entry and a static host" 0 \
"Rec'd response \"getconfig\" (7) from \"[ID]:\":
Args:${T}{ vni=7 maxAge=60 port=8472 learn=1 numStatic=2 entries=[ { mac=00:00:00:00:00:00 addr=198.18.9.2 } { mac=02:00:00:00:00:0b addr=2001:db8::2 port=4789 } ] }" "" \
    eval "ngctl msg X: setconfig '{ vni=7 maxAge=60 port=8472 learn=1 numStatic=2 entries=[ { mac=00:00:00:00:00:00 addr=198.18.9.2 } { mac=02:00:00:00:00:0b addr=2001:db8::2 port=4789 } ] }' &&
	reply ngctl msg X: getconfig"
check "gettable: the static host" 0 "Rec'd response \"gettable\" (8) from \"[ID]:\":
Args:${T}{ n=1 hosts=[ { mac=02:00:00:00:00:0b addr=2001:db8::2 port=4789 isStatic=1 } ] }" "" \
    reply ngctl msg X: gettable
check "an entry without an address" 71 "" "$(ERR 'Invalid argument')" \
    ngctl msg X: setconfig '{ vni=7 numStatic=1 entries=[ { mac=02:00:00:00:00:0c } ] }'
check "a group address as a host" 71 "" "$(ERR 'Invalid argument')" \
    ngctl msg X: setconfig '{ vni=7 numStatic=1 entries=[ { mac=01:00:5e:00:00:01 addr=198.18.9.2 } ] }'
check "a VNI of 25 bits" 71 "" "$(ERR 'Invalid argument')" \
    ngctl msg X: setconfig '{ vni=16777216 }'
check "an entry without its MAC" 71 "" "$(ERR 'Operation not supported')
ngctl: the text of setconfig's argument leaves out a field that has no default (ng_vxlan(4) describes it)" \
    ngctl msg X: setconfig '{ vni=7 numStatic=1 entries=[ { addr=198.18.9.2 } ] }'
check "the failed ones changed nothing" 0 "Rec'd response \"getvni\" (2) from \"[ID]:\":
Args:${T}7" "" reply ngctl msg X: getvni
check "getstats" 0 "Rec'd response \"getstats\" (3) from \"[ID]:\":
Args:${T}{}" "" reply ngctl msg X: getstats
check "getclrstats" 0 "Rec'd response \"getclrstats\" (5) from \"[ID]:\":
Args:${T}{}" "" reply ngctl msg X: getclrstats
check "clrstats, flush" 0 "" "" ngctl -f - <<<$'msg X: clrstats\nmsg X: flush'
check "flush keeps static hosts" 0 "Rec'd response \"gettable\" (8) from \"[ID]:\":
Args:${T}{ n=1 hosts=[ { mac=02:00:00:00:00:0b addr=2001:db8::2 port=4789 isStatic=1 } ] }" "" \
    reply ngctl msg X: gettable
check "hookless, it goes" 0 "" "" ngctl -f - <<<$'rmhook H: v\nrmhook H: o'
expect "no vxlan node left" 0 "$(ngctl list | grep -c 'Type: vxlan')"
finish
