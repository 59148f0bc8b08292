#!/usr/bin/env bash
# A client whose process has exited before ngd accepts it (it sent its
# requests and went while ngd was stopped) has no namespaces left to say
# whether it is jailed (src/ngd/jailed.c).  It counted as jailed, and
# root's requests were refused (EPERM) for nobody to hear.  Now, while
# no jail runs, nobody who could hold its socket is jailed: it is served.
# While one runs, it counts as jailed (the safe answer: a jail's root
# could otherwise let its connecting process die first), whether it came
# from the jail or not; a client that stays is served as ever.  About 3 s.
source "$(dirname "$0")/../lib.sh"
export NGD_LOG="$tmp/ngd.log"
start_ngd || finish
trap 'jail -r ctlgone 2>/dev/null; kill -CONT $NGD_PID 2>/dev/null; stop_ngd; rm -rf "$tmp"' EXIT

# connect, hello, mkpeer . eiface e ether, name .:e NAME; exit unanswered
# (or after SECS)
cat >"$tmp/gone.py" <<'EOF'
import sys
sys.path.insert(0, sys.argv[1])
import ngwire as w
s = w.connect()
s.send(w.frame(w.HELLO_CTL))
s.send(w.frame(w.MSG, ".", w.mesg(w.GENERIC, w.NGM_MKPEER,
       w.z("eiface", 32) + w.z("e", 32) + w.z("ether", 32))))
s.send(w.frame(w.MSG, ".:e", w.mesg(w.GENERIC, 4,  # NGM_NAME
       w.z(sys.argv[2], 32))))
if len(sys.argv) > 3:  # stay a while
    import time
    time.sleep(float(sys.argv[3]))
EOF
# gone NAME [how...]: the client, run (and reaped) while ngd is stopped
gone() {
	local name=$1
	shift
	kill -STOP "$NGD_PID"
	"$@" python3 "$tmp/gone.py" "$top/tests/system" "$name"
	kill -CONT "$NGD_PID"
}
# made N NAME: whether node NAME is there once ngd has looked at the
# Nth client gone (its log) and answered another since
made() {
	for _ in $(seq 250); do
		[ "$(grep -c 'exited before ngd could look at it' "$NGD_LOG")" -ge "$1" ] && break
		sleep 0.02
	done
	ngctl list >/dev/null
	ngctl show "$2:" >/dev/null 2>&1 && echo yes || echo no
}

gone g1
expect "a client gone before ngd accepted it: served (no jail runs)" yes "$(made 1 g1)"
expect_rc "... logged" 0 grep -q 'exited before ngd could look at it: no jail runs' "$NGD_LOG"

jail -c name=ctlgone persist ip4=inherit
xinit=$(awk '$1 == "NSpid:" && NF == 3 && $3 == 1 { print $2; exit }' \
    /proc/[0-9]*/status 2>/dev/null)
gone g2 nsenter -t "$xinit" -p
expect "one from a jail: refused" no "$(made 2 g2)"
gone g3
expect "... and so is root's, while a jail runs" no "$(made 3 g3)"
expect_rc "... logged" 0 grep -q 'exited before ngd could look at it: a jail runs' "$NGD_LOG"
python3 "$tmp/gone.py" "$top/tests/system" g4 5 &
for _ in $(seq 100); do ngctl show g4: >/dev/null 2>&1 && break; sleep 0.05; done
expect "a client that stays is served" yes "$(made 3 g4)"
kill $! 2>/dev/null
wait $!
finish
