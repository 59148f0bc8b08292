#!/usr/bin/env bash
# Replies left unread are bounded per user, 16 MiB here and in the
# kernel (faults.sh), so that a reader who asks for large answers on
# every connection and reads none does not hold half a gigabyte.  But a
# user is a uid to SO_PEERCRED, and a user with subordinate uids is as
# many users (intrude_guests.sh): 16 MiB each added up with no bound.
# Now those who may only read leave at most 64 MiB of replies in all.
# Here 15,000 nodes make a listnodes reply of 1 MiB; root plays 8 such
# uids (setuid), 8 connections each, 2 listnodes on each, and reads
# none (a connection holds two: one in the kernel, one queued in ngd,
# which then reads no more of its requests).  14 fit a uid's 16 MiB,
# 112 of 128 in all on main; some 59 now, the others refused with
# ENOBUFS.  Root is served meanwhile; said once in the log; a guest is
# given large replies again once they are read.
source "$(dirname "$0")/../lib.sh"
py=/usr/bin/python3
export NGD_LOG="$tmp/ngd.log"
cleanup() {
	[ -n "${drv:-}" ] && kill "$drv" 2>/dev/null
	stop_ngd
	rm -rf "$tmp"
}
trap cleanup EXIT
chmod 755 "$tmp"
start_ngd || finish

# 15,000 hubs, 2,500 on each of 6 (a hook is found by name: O(hooks))
ngctl -f - <<'EOS'
mkpeer hub a p
name .:a h0
mkpeer h0: hub b p
name h0:b h1
mkpeer h1: hub b p
name h1:b h2
mkpeer h2: hub b p
name h2:b h3
mkpeer h3: hub b p
name h3:b h4
mkpeer h4: hub b p
name h4:b h5
EOS
cat >"$tmp/nodes.py" <<'EOF2'
import sys
sys.path.insert(0, sys.argv[1])
import ngwire as w
c, _ = w.control()
b = w.Burst(c)
for p in range(6):
    for at in range(0, 2500, 64):
        errs = b.send([w.frame(w.MSG, "h%d:" % p, w.mesg(w.GENERIC,
            w.NGM_MKPEER, w.z("hub", 32) + w.z("n%d" % i, 32) + w.z("p", 32)))
            for i in range(at, min(2500, at + 64))])
        assert not any(errs), errs
EOF2
$py "$tmp/nodes.py" "$top/tests/system" || fail "15,000 nodes"

# (the uids forked one after another: tests/guests.py)
cat >"$tmp/held.py" <<'EOF2'
import array, fcntl, struct, sys, termios, time
sys.path.insert(0, sys.argv[1] + "/system")
sys.path.insert(0, sys.argv[1])
import ngwire as w
import guests
uids, conns, per, out = (int(sys.argv[2]), int(sys.argv[3]),
                         int(sys.argv[4]), sys.argv[5])
ask = w.frame(w.MSG, ".", w.mesg(w.GENERIC, w.NGM_LISTNODES))

def first():
    socks = []
    for _ in range(conns):
        s, _ = w.control()
        for _ in range(per):
            s.send(ask)
        socks.append(s)
    # until ngd has read (and so answered) them all: what is still
    # to be read is charged to us (SIOCOUTQ)
    end = time.time() + 60
    while time.time() < end:
        q = array.array("i", [0])
        if sum(fcntl.ioctl(s, termios.TIOCOUTQ, q) or q[0]
               for s in socks) == 0:
            break
        time.sleep(0.02)
    return socks

def then(socks, say):
    guests.wait_for(out + ".read")
    got = refused = 0
    for s in socks:
        s.settimeout(60)
        for _ in range(per):
            while True:
                b = s.recv(8 << 20)
                kind, _, err, _, _ = struct.unpack_from("<HHIII", b)
                if kind == w.STATUS:
                    break
                got += 1
            refused += err == 105
    say("%d %d" % (got, refused))

lines, pids = guests.play(uids, 71000, first, then, out)
got = sum(int(n.split()[0]) for n in lines)
refused = sum(int(n.split()[1]) for n in lines)
guests.reap(pids)
with open(out, "w") as f:
    f.write("replies %d refused %d\n" % (got, refused))
EOF2
# held UIDS CONNS PER NAME: start them; wait until all are answered
held() {
	$py "$tmp/held.py" "$top/tests" "$1" "$2" "$3" "$tmp/$4" &
	drv=$!
	for _ in $(seq 1500); do
		[ -e "$tmp/$4.ready" ] || ! kill -0 $drv 2>/dev/null && break
		sleep 0.02
	done
}
held 8 8 2 big
expect_rc "root is served meanwhile" 0 quiet ngctl list
: >"$tmp/big.read"
wait $drv
drv=
read -r _ got _ refused <<<"$(cat "$tmp/big")"
if [ "${got:-0}" -ge 40 ] && [ "$got" -le 62 ] &&
    [ $((got + refused)) = 128 ]; then
	ok "8 uids x 16 replies of 1 MiB, none read: $got given, $refused refused with ENOBUFS"
else
	fail "8 uids x 16 replies of 1 MiB, none read: ${got:-?} given, ${refused:-?} refused (want 40-62 of 128)"
fi
expect "... said once in the log" 1 \
    "$(grep -c 'who may only read leave over 64 MiB' "$NGD_LOG")"
held 1 1 1 again
: >"$tmp/again.read"
wait $drv
drv=
expect "... given again once read" "replies 1 refused 0" "$(cat "$tmp/again")"
finish
