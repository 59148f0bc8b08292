#!/usr/bin/env bash
# Golden test: the nat node's messages through ngctl (spec §9.11), each
# in ASCII both ways, and the errors the spec gives for wrong arguments.
#
#   H:n -- in [N nat]      (H a persistent hub; out stays unconnected)
source "$(dirname "$0")/../lib.sh"

ERR() { echo "ngctl: send msg: $1"; }
T=$'\t'
reply() {
	"$@" | sed -E 's/from "\[[0-9a-f]+\]:"/from "[ID]:"/'
	return "${PIPESTATUS[0]}"
}
# reply NAME CMD ARGS: the two lines of a reply
R() { printf 'Rec'"'"'d response "%s" (%s) from "[ID]:":\nArgs:\t%s' "$1" "$2" "$3"; }

start_ngd || finish
ngctl -f - <<'END'
mkpeer . hub a b
name a H
msg H: setpersistent
mkpeer H: nat n in
name H:n N
END

expect "types lists nat" 1 "$(ngctl types | awk '$1 == "nat" { print $2 }')"
check "a hook other than in and out" 71 "" \
    "ngctl: send msg: Invalid argument" ngctl mkpeer N: hub up a

# setaliasaddr, settarget, setmode
check "setaliasaddr" 0 "" "" ngctl msg N: setaliasaddr 203.0.113.1
check "setaliasaddr without an address" 71 "" "$(ERR 'Invalid argument')" \
    ngctl msg N: setaliasaddr
check "settarget" 0 "" "" ngctl msg N: settarget 198.51.100.40
check "setmode" 0 "" "" ngctl msg N: setmode '{ flags=0x1f6 mask=0x1f6 }'
check "setmode off" 0 "" "" ngctl msg N: setmode '{ flags=4 mask=0x1ff }'
check "setmode without argument" 71 "" "$(ERR 'Invalid argument')" \
    ngctl msg N: setmode

# getdlt works (it does not in FreeBSD); setdlt takes 1 or 12
check "getdlt: DLT_RAW by default" 0 "$(R getdlt 14 12)" "" \
    reply ngctl msg N: getdlt
check "setdlt 1" 0 "" "" ngctl msg N: setdlt 1
check "getdlt: DLT_EN10MB" 0 "$(R getdlt 14 1)" "" reply ngctl msg N: getdlt
check "setdlt 2" 71 "" "$(ERR 'Invalid argument')" ngctl msg N: setdlt 2
check "setdlt without argument" 71 "" "$(ERR 'Invalid argument')" \
    ngctl msg N: setdlt
check "setdlt 12" 0 "" "" ngctl msg N: setdlt 12

# redirects: ids from 1, replies their id
check "redirectport" 0 "$(R redirectport 4 1)" "" reply ngctl msg N: \
    redirectport '{ local_addr=198.51.100.20 local_port=80 alias_port=8080 proto=6 description="web" }'
check "redirectaddr" 0 "$(R redirectaddr 5 2)" "" reply ngctl msg N: \
    redirectaddr '{ local_addr=198.51.100.30 alias_addr=203.0.113.30 }'
check "redirectproto" 0 "$(R redirectproto 6 3)" "" reply ngctl msg N: \
    redirectproto '{ local_addr=198.51.100.31 proto=47 description="gre" }'
check "redirectport, a full remote" 0 "$(R redirectport 4 4)" "" reply \
    ngctl msg N: redirectport '{ local_addr=198.51.100.22 local_port=22 alias_port=2222 remote_addr=198.18.0.5 remote_port=5000 proto=6 }'
check "redirectport proto 1 (FreeBSD: ENOMEM)" 71 "" \
    "$(ERR 'Cannot allocate memory')" ngctl msg N: \
    redirectport '{ local_addr=198.51.100.20 local_port=80 alias_port=81 proto=1 }'
check "redirectport without argument" 71 "" "$(ERR 'Invalid argument')" \
    ngctl msg N: redirectport
check "redirectport, description of 64" 71 "" \
    "ngctl: send msg: Argument list too long
ngctl: the text of redirectport's argument has a string or array too long for its field (ng_nat(4) describes it)" ngctl msg N: redirectport \
    '{ proto=6 description="0123456789012345678901234567890123456789012345678901234567890123" }'
check "addserver" 0 "" "" ngctl msg N: addserver '{ id=1 addr=198.51.100.21 port=80 }'
check "addserver again" 0 "" "" ngctl msg N: addserver '{ id=1 addr=198.51.100.22 port=80 }'
check "addserver to no redirect" 71 "" "$(ERR 'No such file or directory')" \
    ngctl msg N: addserver '{ id=9 addr=198.51.100.21 port=80 }'
check "addserver to an address redirect" 71 "" "$(ERR 'Invalid argument')" \
    ngctl msg N: addserver '{ id=2 addr=198.51.100.21 port=80 }'
check "listredirects" 0 "$(R listredirects 10 '{ total_count=4 redirects=[ { id=1 local_addr=198.51.100.20 local_port=80 alias_port=8080 proto=6 lsnat=2 description="web" } { id=2 local_addr=198.51.100.30 alias_addr=203.0.113.30 proto=259 } { id=3 local_addr=198.51.100.31 proto=47 description="gre" } { id=4 local_addr=198.51.100.22 remote_addr=198.18.0.5 local_port=22 alias_port=2222 remote_port=5000 proto=6 } ] }')" "" \
    reply ngctl msg N: listredirects
check "libaliasinfo" 0 "$(R libaliasinfo 12 '{ tcpLinkCount=2 protoLinkCount=1 }')" "" \
    reply ngctl msg N: libaliasinfo

# redirectdynamic, redirectdelete
check "redirectdynamic of no redirect" 71 "" "$(ERR 'No such file or directory')" \
    ngctl msg N: redirectdynamic 9
check "redirectdynamic, wildcard remote (FreeBSD: ENOTTY)" 71 "" \
    "$(ERR 'Inappropriate ioctl for device')" ngctl msg N: redirectdynamic 1
check "redirectdynamic" 0 "" "" ngctl msg N: redirectdynamic 4
check "redirectdelete" 0 "" "" ngctl msg N: redirectdelete 2
check "redirectdelete again" 71 "" "$(ERR 'No such file or directory')" \
    ngctl msg N: redirectdelete 2
check "redirectdelete without argument" 71 "" "$(ERR 'Invalid argument')" \
    ngctl msg N: redirectdelete
check "listredirects after" 0 "$(R listredirects 10 '{ total_count=2 redirects=[ { id=1 local_addr=198.51.100.20 local_port=80 alias_port=8080 proto=6 lsnat=2 description="web" } { id=3 local_addr=198.51.100.31 proto=47 description="gre" } ] }')" "" \
    reply ngctl msg N: listredirects
check "the next id is 5" 0 "$(R redirectaddr 5 5)" "" reply ngctl msg N: \
    redirectaddr '{ local_addr=198.51.100.30 alias_addr=203.0.113.30 }'
check "libaliasinfo: the dynamic one is a link still" 0 \
    "$(R libaliasinfo 12 '{ tcpLinkCount=2 protoLinkCount=1 }')" "" \
    reply ngctl msg N: libaliasinfo

# proxyrule
check "proxyrule" 0 "" "" ngctl msg N: proxyrule '"port 80 server 198.18.0.9:3128 rule 5"'
check "proxyrule under 6 bytes" 71 "" "$(ERR 'Invalid argument')" \
    ngctl msg N: proxyrule '"port"'
check "proxyrule, bad (FreeBSD: ENOMEM)" 71 "" "$(ERR 'Cannot allocate memory')" \
    ngctl msg N: proxyrule '"port 80 server nowhere"'
check "proxyrule, an encoding type" 71 "" "$(ERR 'Operation not supported')" \
    ngctl msg N: proxyrule '"type encode_tcp_stream server 198.18.0.9"'
check "proxyrule delete" 0 "" "" ngctl msg N: proxyrule '"delete 5"'

# the node dies when its last hook goes
check "rmhook" 0 "" "" ngctl rmhook H: n
check "gone" 71 "" "ngctl: send msg: No such file or directory" \
    ngctl msg N: getdlt
finish
