#!/usr/bin/env bash
# jail -v names a config jail first on each of its lines, as FreeBSD's
# jail_note does: "j: run command: ...", "j: run command in jail: ...",
# "j: jail_set(JAIL_UPDATE) jid=N nopersist", "j: sent SIGTERM to: PID"
# and "j: timed out" of a jail with stop commands (these had no name,
# beside "j: jail_set(JAIL_CREATE) ..." and "j: created"); a jail of the
# command line has none.
source "$(dirname "$0")/../lib.sh"
cat >"$tmp/c" <<'EOF2'
path = "/";
j {
	persist;
	exec.prestart = "true";
}
j2 {
	exec.start = "sleep 60 >/dev/null 2>&1 &";
}
j3 {
	persist;
	stop.timeout = 1;
	exec.start = "STUBBORN >/dev/null 2>&1 &";
	exec.stop = "true";
}
EOF2
# a process that ignores SIGTERM, for j3
printf '#!/bin/sh\ntrap "" TERM\nsleep 60\n' >"$tmp/stubborn"
chmod +x "$tmp/stubborn"
sed -i "s|STUBBORN|$tmp/stubborn|" "$tmp/c"
# (the sleep, in the background, keeps j2 running; its output goes
# elsewhere, or the test's $(...) would wait for it)
# the pids and jids, which vary, as N
num() { sed -E 's/(sent SIGTERM to:)( [0-9]+)+$/\1 N/; s/jid=[0-9]+/jid=N/'; }

expect "jail -v -c: each line of j and j2 names its jail" \
    "j: run command: true
j: jail_set(JAIL_CREATE) name=j path=/ persist
j: created
j2: jail_set(JAIL_CREATE) name=j2 path=/
j2: created
j2: run command in jail: /bin/sh -c sleep 60 >/dev/null 2>&1 &
j2: jail_set(JAIL_UPDATE) jid=N nopersist" \
    "$(jail -v -f "$tmp/c" -c j j2 2>&1 | num)"
expect "jail -v -r j2: its SIGTERM line too" \
    "j2: sent SIGTERM to: N
j2: removed" "$(jail -v -f "$tmp/c" -r j2 2>&1 | num)"
expect "jail -v -r j" "j: removed" "$(jail -v -f "$tmp/c" -r j 2>&1)"
# j3 has a stop command (removed alone), and a process that ignores
# SIGTERM past its stop.timeout
jail -f "$tmp/c" -c j3 >/dev/null || fail "jail j3"
expect "jail -v -r j3: its stop command, SIGTERM and time-out lines" \
    "j3: run command in jail: true
j3: sent SIGTERM to: N
j3: timed out
j3: removed" "$(jail -v -f "$tmp/c" -r j3 2>&1 | num)"
expect "jail -v -c of the command line: no name" \
    "jail_set(JAIL_CREATE) name=k path=/
created
run command in jail: /bin/true
jail_set(JAIL_UPDATE) jid=N nopersist" \
    "$(jail -v -c name=k path=/ command=/bin/true 2>&1 | num)"
expect "no jail left" "" "$(jls -q name)"
finish
