#!/usr/bin/env bash
# Golden test: the ksocket node through ngctl (spec §9.12): the hook
# names, every message in text with its reply, and the errors.  All
# sockets are on loopback in the test's own namespace.
#
#   H (hub, persistent) u -- inet/dgram/udp U
#                       t -- inet/stream/tcp L (listening)
source "$(dirname "$0")/../lib.sh"

ERR() { echo "ngctl: send msg: $1"; }
T=$'\t'
# a reply with the sender's ID masked
reply() {
	"$@" | sed -E 's/from "\[[0-9a-f]+\]:"/from "[ID]:"/'
	return "${PIPESTATUS[0]}"
}
count() { ngctl list | grep -c 'Type: ksocket'; }

start_ngd || finish
ngctl -f - <<'END'
mkpeer . hub a b
name a H
msg H: setpersistent
END

# The hook's name opens the socket; names or numbers.
check "mkpeer inet/dgram/udp" 0 "" "" ngctl mkpeer H: ksocket u inet/dgram/udp
check "name it" 0 "" "" ngctl name H:u U
check "show: the one hook" 0 \
"  Name: U               Type: ksocket         ID: ########   Num hooks: 1
  Local hook      Peer name       Peer type    Peer ID         Peer hook      
  ----------      ---------       ---------    -------         ---------      
  inet/dgram/udp  H               hub          ########        u              " \
    "" masked ngctl show U:
check "2/2/17 is the same" 0 "" "" ngctl mkpeer H: ksocket n 2/2/17
check "inet6/dgram/udp" 0 "" "" ngctl mkpeer H: ksocket n6 inet6/dgram/udp
check "local/dgram/0" 0 "" "" ngctl mkpeer H: ksocket nl local/dgram/0
for bad in inet inet/dgram bogus/dgram/udp inet/bogus/udp inet/dgram/bogus \
    inet/dgram/udp/x; do
	check "hook $bad" 71 "" "$(ERR 'Invalid argument')" \
	    ngctl mkpeer H: ksocket b "$bad"
done
check "divert/raw/0: no such family here" 71 "" \
    "$(ERR 'Address family not supported by protocol family')" \
    ngctl mkpeer H: ksocket b divert/raw/0
check "a second hook" 71 "" "$(ERR 'Socket is already connected')" \
    ngctl connect H: U: b 2/2/17
expect "four ksocket nodes, no more" 4 "$(count)"

# bind, getname, connect, getpeername
check "bind" 0 "" "" ngctl msg U: bind inet/127.0.0.1:4789
check "getname" 0 "Rec'd response \"getname\" (5) from \"[ID]:\":
Args:${T}inet/127.0.0.1:4789" "" reply ngctl msg U: getname
check "getpeername before connect" 71 "" \
    "$(ERR 'Socket is not connected')" ngctl msg U: getpeername
check "connect" 0 "" "" ngctl msg U: connect inet/127.0.0.1:4790
check "getpeername" 0 "Rec'd response \"getpeername\" (6) from \"[ID]:\":
Args:${T}inet/127.0.0.1:4790" "" reply ngctl msg U: getpeername
check "bind a port in use" 71 "" "$(ERR 'Address already in use')" \
    ngctl msg H:n bind inet/127.0.0.1:4789
check "bind inet6" 0 "Rec'd response \"getname\" (5) from \"[ID]:\":
Args:${T}inet6/[::1]:4789" "" \
    eval "ngctl msg H:n6 bind 'inet6/[::1]:4789' && reply ngctl msg H:n6 getname"
check "bind local, abstract" 0 "Rec'd response \"getname\" (5) from \"[ID]:\":
Args:${T}local/\"\\x00ng-test\"" "" \
    eval "ngctl msg H:nl bind 'local/\"\\0ng-test\"' && reply ngctl msg H:nl getname"
check "bind local, a path" 0 "" "" \
    ngctl -f - <<<"mkpeer H: ksocket np local/dgram/0
msg H:np bind local/\"$tmp/s\""
expect "the path is a socket" yes "$([ -S "$tmp/s" ] && echo yes)"
for bad in inet/127.0.0.1:65536 inet/127.0.0 inet/127.0.0.1: bogus/1 \
    'inet6/[::1' 127.0.0.1 'local/nopath' '{ len=1 family=2 }'; do
	check "bind $bad" 71 "" "$(ERR 'Invalid argument')" \
	    ngctl msg H:n bind "$bad"
done
check "the generic form: U's address" 71 "" "$(ERR 'Address already in use')" \
    ngctl msg H:n bind '{ len=16 family=2 data=[ 0x12 0xb5 127 0 0 1 ] }'
check "the generic form" 0 "Rec'd response \"getname\" (5) from \"[ID]:\":
Args:${T}inet/127.0.0.1:4790" "" \
    eval "ngctl msg H:n bind '{ len=16 family=2 data=[ 0x12 0xb6 127 0 0 1 ] }' &&
	reply ngctl msg H:n getname"

# An address of another family than the socket's: EAFNOSUPPORT, as
# FreeBSD's protocols say (Linux: EINVAL for some, and an inet6 datagram
# socket's connect takes an inet address).  The old AF_UNSPEC spelling of
# inet's any address binds.  A TCP or UDP connect to port 0, and a bind
# to an address not on the machine: EADDRNOTAVAIL.
AFNO=$(ERR 'Address family not supported by protocol family')
NOTAVAIL=$(ERR "Can't assign requested address")
check "sockets of each family" 0 "" "" ngctl -f - <<'END'
mkpeer H: ksocket f4 inet/dgram/udp
mkpeer H: ksocket f6 inet6/dgram/udp
mkpeer H: ksocket ft inet/stream/tcp
mkpeer H: ksocket fl local/dgram/0
END
for c in "f4 bind inet6/[::1]:4800" "f4 connect inet6/[::1]:4800" \
    "f4 bind local/\"$tmp/f\"" "f6 bind inet/127.0.0.1:4800" \
    "f6 connect inet/127.0.0.1:4800" "ft bind inet6/[::1]:4800" \
    "ft connect inet6/[::1]:4800" "fl bind inet/127.0.0.1:4800" \
    "fl connect inet/127.0.0.1:4800" \
    "f4 bind { len=16 family=0 data=[ 0x12 0xc0 127 0 0 1 ] }" \
    "f4 connect { len=16 family=0 data=[ 0x12 0xc0 127 0 0 1 ] }"; do
	check "${c%% *}: ${c#* }" 71 "" "$AFNO" ngctl msg "H:${c%% *}" ${c#* }
done
for c in "f4 connect inet/127.0.0.1" "ft connect inet/127.0.0.1" \
    "f6 connect inet6/[::1]" "f4 bind inet/198.51.100.7:4800" \
    "f6 bind inet6/[2001:db8::1]:4800" "ft bind inet/203.0.113.9:80"; do
	check "${c%% *}: ${c#* }" 71 "" "$NOTAVAIL" ngctl msg "H:${c%% *}" ${c#* }
done
check "f4: bind, AF_UNSPEC for any address" 0 "Rec'd response \"getname\" (5) from \"[ID]:\":
Args:${T}inet/0.0.0.0:4800" "" \
    eval "ngctl msg H:f4 bind '{ len=16 family=0 data=[ 0x12 0xc0 ] }' &&
	reply ngctl msg H:f4 getname"
check "f4: then connect" 0 "" "" ngctl msg H:f4 connect inet/127.0.0.1:4789
check "the four go" 0 "" "" ngctl -f - <<'END'
rmhook H: f4
rmhook H: f6
rmhook H: ft
rmhook H: fl
END

# setopt, getopt (SOL_SOCKET 1, SO_RCVBUF 8; Linux doubles what is set)
check "setopt" 0 "" "" ngctl msg U: setopt '{ level=1 name=8 value=[ 0 0x10 ] }'
check "getopt" 0 "Rec'd response \"getopt\" (8) from \"[ID]:\":
Args:${T}{ level=1 name=8 value=[ 1=0x20 ] }" "" \
    reply ngctl msg U: getopt '{ level=1 name=8 }'
check "getopt of no such option" 71 "" "$(ERR 'Protocol not available')" \
    ngctl msg U: getopt '{ level=1 name=9999 }'
# A value the kernel would read as an address in ngd's memory, or as a
# descriptor of ngd's, is no option a client can give: SO_ATTACH_FILTER
# took these bytes for a pointer (EFAULT), ip(6)tables' and ebtables'
# options copy their counters out to one.
for o in "1 name=26" "1 name=50" "0 name=64" "0 name=128" "41 name=64" "6 name=35"; do
	check "setopt { level=$o }: refused" 71 "" "$(ERR 'Protocol not available')" \
	    ngctl msg U: setopt "{ level=$o value=[ 1 0 0 0 0 0 0 0 0x41 0x41 0x41 0x41 0x41 0x41 0x41 0x41 ] }"
done
# A level not known to hold only plain values is refused whole: AF_XDP's
# UMEM registration (SOL_XDP 283, XDP_UMEM_REG 4) takes an address
# (here 0x4141414141414141, 1 MiB of 4 KiB chunks).
check "mkpeer an AF_XDP socket (44/raw/0)" 0 "" "" ngctl mkpeer H: ksocket x 44/3/0
check "setopt { level=283 name=4 }: refused" 71 "" "$(ERR 'Protocol not available')" \
    ngctl msg H:x setopt "{ level=283 name=4 value=[ 0x41 0x41 0x41 0x41 0x41 0x41 0x41 0x41 0 0 0x10 0 0 0 0 0 0 0x10 0 0 0 0 0 0 ] }"
check "getopt { level=283 name=7 }: refused" 71 "" "$(ERR 'Protocol not available')" \
    ngctl msg H:x getopt '{ level=283 name=7 }'
check "the AF_XDP socket goes" 0 "" "" ngctl rmhook H: x
check "getopt { level=0 name=65 } (iptables' entries): refused" 71 "" \
    "$(ERR 'Protocol not available')" ngctl msg U: getopt '{ level=0 name=65 }'
check "listen on a datagram socket" 71 "" \
    "$(ERR 'Operation not supported')" ngctl msg U: listen 5

# A stream: listen, accept (a node per connection), connect.
check "mkpeer inet/stream/tcp" 0 "" "" \
    ngctl -f - <<<$'mkpeer H: ksocket t inet/stream/tcp\nname H:t L'
check "accept before listen" 71 "" "$(ERR 'Invalid argument')" \
    ngctl msg L: accept
check "bind and listen" 0 "" "" \
    ngctl -f - <<<$'msg L: bind inet/127.0.0.1:7000\nmsg L: listen 4'
exec 3<>/dev/tcp/127.0.0.1/7000
check "accept with one waiting: the new node and its peer" 0 \
"Rec'd response \"accept\" (3) from \"[ID]:\":
Args:${T}{ nodeid=0x# addr=inet/127.0.0.1:# }" "" \
    eval "reply ngctl msg L: accept | sed -E 's/0x[0-9a-f]+/0x#/; s/:[0-9]+ \}/:# }/'"
expect "seven ksocket nodes" 7 "$(count)"
check "accept with none waiting: no reply yet" 0 "" "" ngctl msg L: accept
check "again meanwhile" 71 "" "$(ERR 'Operation already in progress')" \
    ngctl msg L: accept
check "shut the listener down" 0 "" "" ngctl shutdown L:
expect "its hookless child went with it" 5 "$(count)"
exec 3>&-

check "connect on a stream to nobody" 71 "" \
    "$(ERR 'Operation now in progress')
ngctl: line 2: error in file" \
    eval "ngctl -f - <<<\$'mkpeer H: ksocket c inet/stream/tcp\nmsg H:c connect inet/127.0.0.1:7001'"
# The reply of a connect that fails later carries the errno of this
# system's <errno.h>, Linux's ECONNREFUSED (111, FreeBSD's 61), as every
# number in a message does here (ng_ksocket.4): a program compares it
# with the constant and prints it with strerror.
expect "a connect refused later: its reply's number is <errno.h>'s" \
    "status EINPROGRESS, reply ECONNREFUSED" \
    "$(python3 - "$top/tests/system" <<'PY'
import errno, socket, struct, sys
sys.path.insert(0, sys.argv[1])
import ngwire as w
c, _ = w.control()
err = w.request(c, w.MSG, ".", w.mesg(w.GENERIC, w.NGM_MKPEER,
    w.z("ksocket", 32) + w.z("c", 32) + w.z("inet/stream/tcp", 32)))
if err:
    sys.exit("mkpeer: errno %d" % err)
sa = struct.pack("<H", socket.AF_INET) + struct.pack(">H", 7001) + \
    socket.inet_aton("127.0.0.1") + bytes(8)
st = w.request(c, w.MSG, ".:c", w.mesg(942710669, 4, sa, token=7))
c.settimeout(60)
while True:
    b = c.recv(1 << 16)
    kind, alen = struct.unpack_from("<HH", b)
    m = b[16 + alen:]
    if kind == w.MSG and len(m) >= 60:
        _, cmd, flags, token, cookie = struct.unpack_from("<IIIII", m, 4)
        if (cookie, cmd, flags & 1, token) == (942710669, 4, 1, 7):
            v = struct.unpack_from("<i", m, 56)[0]
            break
print("status %s, reply %s" % (errno.errorcode.get(st, st),
                               errno.errorcode.get(v, v)))
PY
)"
check "rmhook: the socket and the node go" 0 "" "" ngctl rmhook H: u
expect "U is gone" "" "$(ngctl list | grep ' U ')"
check "shutdown H" 0 "" "" ngctl shutdown H:
expect "every ksocket went with its hook" 0 "$(count)"

finish
