#!/usr/bin/env bash
# Input ngctl used to accept and silently mangle (issue 13, item 8).
#  - Node names an interface cannot take (DESIGN decision 2): as on
#    FreeBSD the node is renamed, but the interface keeps its name and
#    ngctl says that the two no longer follow each other.
#  - A directory given to -f or read is an error, not an empty script.
#  - A negative bridge time is refused, not wrapped to 4294967295.
#  - Out-of-range pipe settings are refused, not ignored.
source "$(dirname "$0")/../lib.sh"
ERR() { echo "ngctl: send msg: $1"; }
# ifname NAME: the interface's name as ip shows it, without the @ifN
# a veth (NGD_FASTPATH=1) shows
ifname() { ip -br link show "$1" | awk '{ sub(/@.*/, "", $1); print $1 }'; }
start_ngd || finish

ngctl mkpeer eiface ether ether
ngctl mkpeer eiface ether ether
ngctl mkpeer eiface ether ether
check "name an eiface after an existing interface" 0 "" \
    "ngctl: interface ngeth0 keeps its name (\"lo\" is the name of another interface); node and interface names no longer follow each other" \
    ngctl name ngeth0: lo
expect "... the node has the name" "lo" "$(ngctl show -n lo: | awk '/Name:/ { print $2 }')"
expect "... the interface keeps its own" "ngeth0" "$(ifname ngeth0)"
expect "... lo is still the loopback" "lo" "$(ifname lo)"
check "name an eiface a/b" 0 "" \
    "ngctl: interface ngeth1 keeps its name (\"a/b\" is not a valid interface name); node and interface names no longer follow each other" \
    ngctl name ngeth1: a/b
expect "... the interface keeps its name" "ngeth1" "$(ifname ngeth1)"
check "names that no longer followed: no second warning" 0 "" "" \
    ngctl name a/b: c/d
check "a valid, free name renames both, quietly" 0 "" "" ngctl name ngeth2: good0
expect "... the interface followed" "good0" "$(ifname good0)"
check "FreeBSD's error for a name with a dot" 71 "" "$(ERR 'Invalid argument')" \
    ngctl name good0: a.b
check "... with a colon" 71 "" "$(ERR 'Invalid argument')" ngctl name good0: a:b
check "... that looks like an ID" 71 "" "$(ERR 'Invalid argument')" \
    ngctl name good0: '[12]'

mkdir "$tmp/dir"
check "-f a directory" 66 "" "ngctl: $tmp/dir: Is a directory" ngctl -f "$tmp/dir"
check "read a directory" 71 "" "ngctl: $tmp/dir: Is a directory" ngctl read "$tmp/dir"

ngctl -f - <<'EOF2'
mkpeer good0: bridge ether link0
name good0:ether B
mkpeer B: pipe link1 upper
name B:link1 P
msg B: setconfig { debugLevel=1 loopTimeout=60 maxStaleness=900 minStableAge=1 }
EOF2
CFG='Args:	{ debugLevel=1 loopTimeout=60 maxStaleness=900 minStableAge=1 }'
for f in loopTimeout maxStaleness minStableAge; do
	check "bridge: a negative $f is refused" 71 "" "$(ERR 'Invalid argument')" \
	    ngctl msg B: setconfig "{ debugLevel=1 $f=-1 }"
done
expect "... and changed nothing" "$CFG" "$(ngctl msg B: getconfig | sed -n 2p)"
check "bridge: 2147483647 s is taken" 0 "" "" \
    ngctl msg B: setconfig '{ debugLevel=1 loopTimeout=2147483647 maxStaleness=900 minStableAge=1 }'

PCFG=$(ngctl msg P: getcfg | sed -n 2p)
for bad in 'delay=10000000' 'bandwidth=50' 'overhead=256' 'header_offset=64' \
    'downstream={ queuelen=4 }' 'upstream={ delaylen=2 }' \
    'downstream={ duplicate=51 }' 'upstream={ BER=1000000000001 }' \
    'downstream={ bandwidth=1000000001 }'; do
	good='delay=1000' # in range, so only the bad field fails it
	[ "${bad%%=*}" = delay ] && good='overhead=10'
	check "pipe: $bad is refused" 71 "" "$(ERR 'Invalid argument')" \
	    ngctl msg P: setcfg "{ $good $bad }"
done
expect "... and changed nothing" "$PCFG" "$(ngctl msg P: getcfg | sed -n 2p)"
check "pipe: values in range, and -1, still work" 0 "" "" \
    ngctl msg P: setcfg '{ delay=9999999 downstream={ queuelen=5 duplicate=50 } upstream={ BER=-1 } }'
expect "... and are set" \
    'Args:	{ delay=9999999 downstream={ queuelen=5 duplicate=50 fifo=1 droptail=1 } upstream={ queuelen=50 fifo=1 droptail=1 } }' \
    "$(ngctl msg P: getcfg | sed -n 2p)"
finish
