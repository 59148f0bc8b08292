#!/usr/bin/env bash
# jail -r whose request to ngd to bring an interface home is answered
# too late (after NGD_TIMEOUT): ngd makes the interface anew at home and
# retires the old device in the jail (renamed ngret<n>, deleted in its
# batch).  jail(8), having no answer, tears the jail down itself and
# finds that retired device there, its name at home taken by ngd's new
# one.  It is ngd's to delete: jail(8) leaves it and says nothing of
# it.  (It brought it home, as ngret<n>, saying "ngeth0 is taken here;
# it came home as ngret<n>", or the supervisor did, whose teardown it
# may be, saying so where nobody reads.)  The interface is home under
# its own name.
source "$(dirname "$0")/../lib.sh"
trap '[ -n "${NGD_PID:-}" ] && kill -CONT "$NGD_PID" 2>/dev/null
	rm -f "$tmp/gate"; [ -n "${jp:-}" ] && wait "$jp" 2>/dev/null
	jail -q -f "$tmp/j.conf" -r "*" 2>/dev/null
	stop_ngd; rm -rf "$tmp"' EXIT

start_ngd || finish
bridge_two_eifaces
# exec.prestop: jail -r of one the slow way, which asks ngd
cat >"$tmp/j.conf" <<'EOS'
vnet; persist; exec.prestop = "true";
n0 { vnet.interface = ngeth0; ip4.addr = "ngeth0|198.51.100.1/24"; }
EOS
# until: CMD... true within 30 s
until_ok() {
	for _ in $(seq 1500); do
		"$@" && return 0
		sleep 0.02
	done
	return 1
}
retired_in_n0() { ip -n n0 -o link 2>/dev/null | grep -q ' ngret[0-9]*[:@]'; }
new_at_home() { ip -o link show ngeth0 >/dev/null 2>&1; }
# try: one jail -c n0 and jail -r n0 with ngd's answer late; 0 when the
# retired device was caught in n0 (ngd stopped while it is there), 1
# when ngd deleted it first (20 ms after: a loaded machine may be
# slower to stop it), 2 on a failure said
try() {
	local caught=1 rc
	expect_rc "$1: jail -c n0" 0 quiet jail -f "$tmp/j.conf" -c n0 || return 2
	ngctl -t 0 info . >/dev/null
	# held connected to ngd, before its request to bring ngeth0 home
	rm -f "$tmp/gate" "$tmp/gate.held"
	JAIL_TEST_HOME_LATE=$tmp/gate NGD_TIMEOUT=1 \
	    jail -f "$tmp/j.conf" -r n0 >/dev/null 2>"$tmp/err" &
	jp=$!
	expect_rc "... jail -r held before its request" 0 \
	    until_ok test -e "$tmp/gate.held" || return 2
	kill -STOP "$NGD_PID"
	touch "$tmp/gate"
	expect_rc "... ngd stopped: jail(8) gave up on the answer" 0 \
	    until_ok grep -q 'vnet: no answer' "$tmp/err" || return 2
	# ngd let go: its new ngeth0 at home, the old one retired in n0
	# (renamed), deleted some 20 ms later; stopped again as soon as
	# n0's link events (ip monitor, ready once it has shown one we
	# make) name the retired one, so that jail(8) finds it when it goes
	# on
	coproc MON { exec ip -n n0 monitor link 2>/dev/null; }
	mon=$MON_PID
	local mtu=1500 l
	for _ in $(seq 100); do
		mtu=$((mtu == 1500 ? 1400 : 1500))
		ip -n n0 link set lo mtu $mtu
		read -t 0.3 -r l <&"${MON[0]}" && break
	done
	kill -CONT "$NGD_PID"
	while read -t 30 -r l <&"${MON[0]}"; do
		case $l in
		*ngret[0-9]*)
			kill -STOP "$NGD_PID"
			retired_in_n0 && new_at_home && caught=0
			break
			;;
		esac
	done
	kill "$mon" 2>/dev/null
	wait "$mon" 2>/dev/null
	rm "$tmp/gate"
	wait "$jp"
	rc=$?
	jp=
	# (ngd still stopped: what came home is jail(8)'s doing)
	home=$(ip -o link | grep -oE 'ngret[0-9]+|dev[0-9]+' | xargs)
	kill -CONT "$NGD_PID"
	sed 's/^/# /' "$tmp/err"
	expect "... jail -r exit 0" 0 "$rc"
	if [ "$caught" = 0 ]; then
		expect "... caught: the retired device not brought home" "" \
		    "$home"
		# (the teardown may be the supervisor's, its words not here)
		expect "... no word of a taken name" "" \
		    "$(grep 'taken here' "$tmp/err")"
	fi
	expect "... the interface home as ngeth0, none else of ngd's" "ngeth0" \
	    "$(until_ok eval '[ -z "$(ip -o link | grep -oE "ngret[0-9]+|dev[0-9]+")" ]'
		ip -o link | grep -oE 'ngeth0|ngret[0-9]+|dev[0-9]+' | xargs)"
	expect "... no jail" "" "$(jls name)"
	ngctl -t 0 info . >/dev/null
	return $caught
}
for m in 1 0; do
	[ "$m" = 1 ] || tap_two_eifaces # the TAP model: an ngd of its own
	caught=1
	for t in 1 2 3 4 5 6 7 8; do
		try "NGD_FASTPATH=$m, try $t"
		caught=$?
		[ "$caught" = 1 ] || break
	done
	expect "NGD_FASTPATH=$m: the retired device caught in n0 (8 tries at most)" \
	    0 "$caught"
done
finish
