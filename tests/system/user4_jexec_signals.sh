#!/usr/bin/env bash
# jexec and signals.  On FreeBSD jexec becomes the command (execvp), so
# a signal sent to the pid a script or supervisor holds reaches the
# command.  Here jexec waits for its command (a PID namespace only takes
# children), and such a signal killed jexec alone: the command ran on in
# the jail.  Checked: TERM, HUP and USR1 sent to jexec's pid end the
# command, and jexec ends as the command did (a command that traps TERM
# and exits 7 gives 7); a ^C typed on the terminal still reaches the
# command (jexec passes on only what a process sent it: the terminal's
# reaches the command by itself, as one of its foreground group).
source "$(dirname "$0")/../lib.sh"
cleanup() {
	jail -r sig >/dev/null 2>&1
	rm -rf "$tmp"
}
trap cleanup EXIT
expect_rc "jail -c sig" 0 jail -c name=sig persist

# running PATTERN: the jail's processes whose command line is PATTERN
running() { pgrep -xf "$1" | wc -l; }
# until_count PATTERN N: until N such processes run (10 s at most)
until_count() {
	for _ in $(seq 500); do
		[ "$(running "$1")" -eq "$2" ] && return 0
		sleep 0.02
	done
	return 1
}

for sig in TERM:143 HUP:129 USR1:138; do
	name=${sig%:*} want=${sig#*:}
	jexec sig sleep 300 &
	p=$!
	until_count "sleep 300" 1 || fail "SIG$name: the command did not start"
	kill -"$name" "$p"
	wait "$p"
	expect "SIG$name to jexec: its exit status" "$want" "$?"
	until_count "sleep 300" 0
	expect "SIG$name to jexec: the command is gone too" 0 \
	    "$(running "sleep 300")"
	pkill -xf "sleep 300"
done

# The command's own answer to the signal, and its status.
jexec sig sh -c 'trap "exit 7" TERM; touch '"$tmp"'/up; while :; do sleep 0.05; done' &
p=$!
for _ in $(seq 500); do [ -e "$tmp/up" ] && break; sleep 0.02; done
kill -TERM "$p"
wait "$p"
expect "a command that traps TERM and exits 7: jexec exits 7" 7 "$?"

# ^C on a terminal (script(1)'s pseudo-terminal) comes to the command
# from the terminal, as to every process of the foreground group.
cat >"$tmp/count.sh" <<EOF
n=0
trap 'n=\$((n + 1))' INT
touch $tmp/ready
i=0
while [ \$i -lt 100 ] && [ ! -e $tmp/sent ]; do sleep 0.05; i=\$((i + 1)); done
sleep 0.5
echo "ints=\$n"
EOF
{
	for _ in $(seq 500); do [ -e "$tmp/ready" ] && break; sleep 0.02; done
	printf '\003'
	touch "$tmp/sent"
	for _ in $(seq 500); do [ -e "$tmp/out" ] && grep -q ints "$tmp/out" && break; sleep 0.02; done
} | script -qfec "jexec sig sh $tmp/count.sh" "$tmp/out" >/dev/null 2>&1
expect "^C on the terminal: the command gets SIGINT" "ints=1" \
    "$(grep -o 'ints=[0-9]*' "$tmp/out")"
finish
