#!/usr/bin/env bash
# Golden test: messages larger than a datagram carries (bigmsg.c): up to
# 256 MiB from root, in pieces; EMSGSIZE beyond, and for a user, whose
# requests go whole, when one datagram cannot hold it.
source "$(dirname "$0")/../lib.sh"
chmod 755 "$tmp"
start_ngd || finish
ngctl -f - <<'END'
mkpeer . hub a b
name a H
msg H: setpersistent
mkpeer H: bridge x link0
name H:x B
END
if cc -std=gnu11 -Wall -Wextra -Werror -I"$top/include" \
    -o "$tmp/bigmsg" "$top/tests/golden/bigmsg.c" "$top/build/libnetgraph.a" \
    -lpthread 2>"$tmp/cc.err"; then
	ok "bigmsg.c compiles against build/libnetgraph.a"
	"$tmp/bigmsg"
	expect "bigmsg exit status" 0 $?
	setpriv --reuid=65534 --regid=65534 --clear-groups "$tmp/bigmsg" user
	expect "bigmsg user exit status" 0 $?
else
	fail "bigmsg.c compiles against build/libnetgraph.a"
	sed 's/^/    /' "$tmp/cc.err"
fi
# Pieces ngd did not offer, or out of order, end the connection, and
# nothing else: a user's (not offered), root's starting past 0, root's
# pieces of a whole not NGD_MSG.
cat >"$tmp/pieces.py" <<'EOF2'
import struct, sys
sys.path.insert(0, sys.argv[1])
import ngwire as w
PART, END = 7, 8
def piece(kind, at, total, body):
    return struct.pack("<HHIII", kind, 0, at, total, 1) + body
def closed(s):
    s.settimeout(5)
    try:
        return s.recv(64) == b""
    except OSError:
        return True
s, _ = w.control()
first = bytes(70000)
if sys.argv[2] == "late":
    s.send(piece(PART, 5, 140000, first))
elif sys.argv[2] == "notmsg":
    whole = w.frame(w.DATA, "x", bytes(80000))
    s.send(piece(PART, 0, len(whole), whole[:65536]))
    s.send(piece(END, 65536, len(whole), whole[65536:]))
else:
    s.send(piece(PART, 0, 140000, first))
print("closed" if closed(s) else "answered")
EOF2
for how in user late notmsg; do
	if [ $how = user ]; then as=(setpriv --reuid=65534 --regid=65534 --clear-groups); else as=(); fi
	expect "pieces: $how: the connection is closed" closed \
	    "$("${as[@]}" python3 "$tmp/pieces.py" "$top/tests/system" $how 2>&1)"
done
expect_rc "... and ngd serves" 0 quiet ngctl list

# ngctl says what the limit is (to a user: root's lines, 32 MiB at most,
# are shorter than its messages may be).
python3 -c 'import sys; sys.stdout.write("msg H: name \"" + "x" * 17000000 + "\"\n")' >"$tmp/big"
check "ngctl: a user's message of 17 MB" 71 "" \
    "ngctl: send msg: Message too long
ngctl: line 1: error in file
ngctl: a message to ngd may be 256 MiB (root, or ngd's -g group) or what one datagram holds (anyone else: net.core.wmem_max) at most" \
    setpriv --reuid=65534 --regid=65534 --clear-groups ngctl -f "$tmp/big"
finish
