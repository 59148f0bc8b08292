#!/usr/bin/env bash
# Golden test: the tee, one2many, vlan, bpf, iface and pipe nodes through
# ngctl (spec §13 cases 44, 46, 47 and 48, and each type's messages in
# ASCII).  Everything hangs off a persistent hub H:
#
#   H:v -- downstream [V vlan] v10 -- H:w
#   H:o -- one [O one2many] many0 -- H:m0
#   H:f -- a [F bpf] in -- H:g
#   H1:t -- left [T tee] right -- H2:t      (then T is shut down)
#   H:p -- upper [P pipe]
source "$(dirname "$0")/../lib.sh"

ERR() { echo "ngctl: send msg: $1"; }
T=$'\t'
# a reply's first line with the sender's ID masked
reply() {
	"$@" | sed -E 's/from "\[[0-9a-f]+\]:"/from "[ID]:"/'
	return "${PIPESTATUS[0]}"
}
# how many live nodes of a type
count() { ngctl types | awk -v t="$1" '$1 == t { print $2 }'; }

start_ngd || finish
ngctl -f - <<'END'
mkpeer . hub a b
name a H
msg H: setpersistent
END

# Every type is there.
for t in tee one2many vlan bpf iface pipe; do
	expect "types lists $t" 0 "$(count $t)"
done

# 44: vlan
ngctl -f - <<'END'
mkpeer H: vlan v downstream
name H:v V
connect H: V: w v10
connect H: V: w11 v11
END
check "44 addfilter v10" 0 "" "" ngctl msg V: addfilter '{ hook="v10" vid=10 }'
check "44 gettable" 0 "Rec'd response \"gettable\" (3) from \"[ID]:\":
Args:${T}{ n=1 filter=[ { hook=\"v10\" vlan=10 vid=10 } ] }" "" \
    reply ngctl msg V: gettable
check "44 addfilter on no hook" 71 "" "$(ERR 'No such file or directory')" \
    ngctl msg V: addfilter '{ hook="zz" vid=11 }'
check "44 addfilter on downstream" 71 "" "$(ERR 'Invalid argument')" \
    ngctl msg V: addfilter '{ hook="downstream" vid=12 }'
check "44 a second filter for VID 10" 71 "" "$(ERR 'File exists')" \
    ngctl msg V: addfilter '{ hook="v11" vid=10 }'
check "44 delfilter" 0 "" "" ngctl msg V: delfilter '"v10"'
check "delfilter again" 71 "" "$(ERR 'No such file or directory')" \
    ngctl msg V: delfilter '"v10"'
check "addfilter with the old name, PCP and CFI" 0 "" "" \
    ngctl msg V: addfilter '{ hook="v11" vlan=11 pcp=5 cfi=1 }'
check "gettable shows them" 0 "Rec'd response \"gettable\" (3) from \"[ID]:\":
Args:${T}{ n=1 filter=[ { hook=\"v11\" vlan=11 vid=11 pcp=5 cfi=1 } ] }" "" \
    reply ngctl msg V: gettable
check "VID 4096" 71 "" "$(ERR 'Invalid argument')" \
    ngctl msg V: addfilter '{ hook="v10" vid=4096 }'
check "delvidflt" 0 "" "" ngctl msg V: delvidflt 11
check "getdecap" 0 "Rec'd response \"getdecap\" (5) from \"[ID]:\":
Args:${T}0x0" "" reply ngctl msg V: getdecap
check "setdecap 2: on, kept as given (FreeBSD's)" 0 "Rec'd response \"getdecap\" (5) from \"[ID]:\":
Args:${T}0x2" "" \
    eval "ngctl msg V: setdecap 2 && reply ngctl msg V: getdecap"
ngctl msg V: setdecap 0
check "getencap" 0 "Rec'd response \"getencap\" (7) from \"[ID]:\":
Args:${T}0x1" "" reply ngctl msg V: getencap
check "getencapproto" 0 "Rec'd response \"getencapproto\" (9) from \"[ID]:\":
Args:${T}0x8100" "" reply ngctl msg V: getencapproto
check "setencapproto 0x88a8" 0 "Rec'd response \"getencapproto\" (9) from \"[ID]:\":
Args:${T}0x88a8" "" \
    eval "ngctl msg V: setencapproto 0x88a8 && reply ngctl msg V: getencapproto"

# 46: one2many, messages numbered from 0
ngctl -f - <<'END'
mkpeer H: one2many o one
name H:o O
END
check "46 getconfig" 0 "Rec'd response \"getconfig\" (1) from \"[ID]:\":
Args:${T}{ xmitAlg=1 failAlg=1 }" "" reply ngctl msg O: getconfig
check "46 connect many0" 0 "" "" ngctl connect H: O: m0 many0
check "46 getconfig with many0" 0 "Rec'd response \"getconfig\" (1) from \"[ID]:\":
Args:${T}{ xmitAlg=1 failAlg=1 enabledLinks=[ 1 ] }" "" \
    reply ngctl msg O: getconfig
check "46 many64" 71 "" "$(ERR 'Invalid argument')" \
    ngctl connect H: O: m64 many64
check "46 many01" 71 "" "$(ERR 'Invalid argument')" \
    ngctl connect H: O: m01 many01
check "setconfig failover" 0 "Rec'd response \"getconfig\" (1) from \"[ID]:\":
Args:${T}{ xmitAlg=3 failAlg=2 enabledLinks=[ 1 ] }" "" \
    eval "ngctl msg O: setconfig '{ xmitAlg=3 failAlg=2 enabledLinks=[ 1 ] }' &&
	reply ngctl msg O: getconfig"
check "setconfig xmitAlg=4" 71 "" "$(ERR 'Invalid argument')" \
    ngctl msg O: setconfig '{ xmitAlg=4 failAlg=1 }'
check "getstats -1 (one)" 0 "Rec'd response \"getstats\" (2) from \"[ID]:\":
Args:${T}{}" "" reply ngctl msg O: getstats -1

# 47: tee between hubs H1 and H2; shutdown joins them
ngctl -f - <<'END'
mkpeer H: hub h1 x
name H:h1 H1
msg H1: setpersistent
mkpeer H: hub h2 x
name H:h2 H2
msg H2: setpersistent
mkpeer H1: tee t left
name H1:t T
connect T: H2: right t
END
check "47 getstats" 0 "Rec'd response \"getstats\" (1) from \"[ID]:\":
Args:${T}{}" "" reply ngctl msg T: getstats
check "47 shutdown T" 0 "" "" ngctl shutdown T:
expect "47 tee gone" 0 "$(count tee)"
check "47 H1:t is H2's t" 0 "  Name: H2              Type: hub             ID: ########   Num hooks: 2" "" \
    masked ngctl show -n H1:t
expect "47 H1 and H2 linked through their hook names" \
    "t               H2              hub          t" \
    "$(ngctl show H1: | awk '$1 == "t" { printf "%-15s %-15s %-12s %s\n", $1, $2, $3, $5 }')"

# 48: bpf
ngctl -f - <<'END'
mkpeer H: bpf f a
name H:f F
connect H: F: g in
END
check "48 getprogram" 0 "Rec'd response \"getprogram\" (2) from \"[ID]:\":
Args:${T}{ thisHook=\"a\" bpf_prog_len=1 bpf_prog=[ { code=0x6 } ] }" "" \
    reply ngctl msg F: getprogram '"a"'
check "setprogram" 0 "Rec'd response \"getprogram\" (2) from \"[ID]:\":
Args:${T}{ thisHook=\"a\" ifMatch=\"in\" bpf_prog_len=1 bpf_prog=[ { code=0x6 k=65535 } ] }" "" \
    eval "ngctl msg F: setprogram '{ thisHook=\"a\" ifMatch=\"in\" bpf_prog_len=1 bpf_prog=[ { code=0x6 k=65535 } ] }' &&
	reply ngctl msg F: getprogram '\"a\"'"
check "setprogram that does not validate" 71 "" "$(ERR 'Invalid argument')" \
    ngctl msg F: setprogram '{ thisHook="a" bpf_prog_len=1 bpf_prog=[ { code=0x15 jt=3 } ] }'
check "setprogram on no hook" 71 "" "$(ERR 'No such file or directory')" \
    ngctl msg F: setprogram '{ thisHook="zz" bpf_prog_len=1 bpf_prog=[ { code=0x6 } ] }'
check "setfilter (tcpdump text)" 0 "Rec'd response \"getprogram\" (2) from \"[ID]:\":
Args:${T}{ thisHook=\"in\" ifMatch=\"web\" ifNotMatch=\"rest\" bpf_prog_len=4 bpf_prog=[ { code=0x28 k=12 } { code=0x15 jf=1 k=2054 } { code=0x6 k=262144 } { code=0x6 } ] }" "" \
    eval "ngctl msg F: setfilter '{ thisHook=\"in\" ifMatch=\"web\" ifNotMatch=\"rest\" filter=\"arp\" }' &&
	reply ngctl msg F: getprogram '\"in\"'"
check "setfilter that does not compile" 71 "" "$(ERR 'Invalid argument')" \
    ngctl msg F: setfilter '{ thisHook="in" filter="tcp port banana" }'
check "getstats" 0 "Rec'd response \"getstats\" (3) from \"[ID]:\":
Args:${T}{}" "" reply ngctl msg F: getstats '"in"'

# iface: a TUN device ng0, named like its node
check "mkpeer iface" 0 "" "" ngctl mkpeer H: iface i inet
check "getifname" 0 "Rec'd response \"getifname\" (1) from \"[ID]:\":
Args:${T}\"ng0\"" "" reply ngctl msg ng0: getifname
expect "ng0 is a point-to-point interface" 1 \
    "$(ip -o link show ng0 | grep -c 'POINTOPOINT.*NOARP')"
check "getifindex" 0 "Rec'd response \"getifindex\" (4) from \"[ID]:\":
Args:${T}$(cat /sys/class/net/ng0/ifindex)" "" reply ngctl msg ng0: getifindex
check "broadcast while down" 0 "" "" ngctl msg ng0: broadcast
ip link set ng0 up
check "point2point while up" 71 "" "$(ERR 'Device busy')" \
    ngctl msg ng0: point2point
check "an iface hook called ether" 71 "" "$(ERR 'Protocol family not supported')" \
    ngctl connect H: ng0: e ether
check "shutdown ng0" 0 "" "" ngctl shutdown ng0:
expect "its interface is gone" 1 "$(ip link show ng0 2>&1 | grep -c 'does not exist')"

# pipe
ngctl -f - <<'END'
mkpeer H: pipe p upper
name H:p P
END
check "getcfg" 0 "Rec'd response \"getcfg\" (5) from \"[ID]:\":
Args:${T}{ downstream={ queuelen=50 fifo=1 droptail=1 } upstream={ queuelen=50 fifo=1 droptail=1 } }" "" \
    reply ngctl msg P: getcfg
check "setcfg" 0 "Rec'd response \"getcfg\" (5) from \"[ID]:\":
Args:${T}{ bandwidth=10000000 delay=50000 overhead=24 downstream={ queuelen=50 fifo=1 droptail=1 } upstream={ BER=1000000 queuelen=100 fifo=1 droptail=1 } }" "" \
    eval "ngctl msg P: setcfg '{ bandwidth=10000000 delay=50000 upstream={ BER=1000000 queuelen=100 } }' &&
	reply ngctl msg P: getcfg"
check "setcfg -1 resets" 0 "Rec'd response \"getcfg\" (5) from \"[ID]:\":
Args:${T}{ delay=50000 downstream={ queuelen=50 fifo=1 droptail=1 } upstream={ queuelen=100 fifo=1 droptail=1 } }" "" \
    eval "ngctl msg P: setcfg '{ bandwidth=-1 upstream={ BER=-1 } }' &&
	reply ngctl msg P: getcfg"
check "getrun" 0 "Rec'd response \"getrun\" (4) from \"[ID]:\":
Args:${T}{}" "" reply ngctl msg P: getrun
check "getstats" 0 "Rec'd response \"getstats\" (1) from \"[ID]:\":
Args:${T}{}" "" reply ngctl msg P: getstats
check "pipe hook middle" 71 "" "$(ERR 'Invalid argument')" \
    ngctl connect H: P: q middle
check "rmhook: the pipe stays" 0 "" "" ngctl rmhook H: p
expect "pipe still there" 1 "$(count pipe)"

finish
