#!/usr/bin/env bash
# ngd answering jail(8)'s `vnet` too late (after NGD_TIMEOUT) still
# places the interface: ngd makes it anew inside the jail.  jail(8),
# having no answer, moves it itself and finds the name taken inside:
# that is ngd's new interface, so the jail is made with it, not failed
# with "File exists" (seen once at load 9 with the 5 s default).  Nor
# with "No such device" when ngd had deleted the old device by the time
# jail(8) moved it: it is moved by name (made certain below).
source "$(dirname "$0")/../lib.sh"
trap '[ -n "${NGD_PID:-}" ] && kill -CONT "$NGD_PID" 2>/dev/null
	jail -q -f "$tmp/j.conf" -r "*" 2>/dev/null
	jail -q -f "$tmp/c.conf" -r "*" 2>/dev/null; ip link del vh0 2>/dev/null
	stop_ngd; rm -rf "$tmp"' EXIT

start_ngd || finish
bridge_two_eifaces
cat >"$tmp/j.conf" <<'EOS'
vnet; persist;
n0 { vnet.interface = ngeth0; ip4.addr = "ngeth0|198.51.100.1/24"; }
n1 { vnet.interface = ngeth1; ip4.addr = "ngeth1|198.51.100.2/24"; }
EOS
# 0.5-3 ms: about what a vnet (a veth pair made, one deleted) takes, so
# that some answers come just too late
late=0
for t in 0.0005 0.001 0.0015 0.002 0.003 0.001 0.002; do
	NGD_TIMEOUT=$t jail -p 2 -f "$tmp/j.conf" -c >/dev/null 2>"$tmp/err"
	rc=$?
	sed 's/^/# /' "$tmp/err"
	late=$((late + $(grep -c 'vnet: no answer' "$tmp/err")))
	expect "NGD_TIMEOUT=$t: jail -c exit 0" 0 "$rc"
	expect "NGD_TIMEOUT=$t: no 'File exists'" 0 "$(grep -c 'File exists' "$tmp/err")"
	expect "NGD_TIMEOUT=$t: both jails made" "n0 n1" "$(jls name | sort | xargs)"
	for i in 0 1; do
		expect "NGD_TIMEOUT=$t: n$i: its interface inside, up, addressed" \
		    "ngeth$i UP 198.51.100.$((i + 1))/24" \
		    "$(ip -n n$i -4 -br addr show dev ngeth$i 2>/dev/null |
			awk '{ sub(/@.*/, "", $1); print $1, $2, $3 }')"
	done
	expect_rc "NGD_TIMEOUT=$t: n0 reaches n1 over the bridge" 0 \
	    quiet ip netns exec n0 ping -c 1 -W 2 198.51.100.2
	expect_rc "NGD_TIMEOUT=$t: jail -r of both" 0 jail -q -f "$tmp/j.conf" -r "*"
	ngctl -t 0 info . >/dev/null
done
echo "# vnet requests answered too late: $late"

# The same, made certain, in both device models (the fast path's pairs
# and the TAP model's TAPs are retired alike).  jail(8), connected to
# ngd, is held before its vnet (JAIL_TEST_VNET_LATE, jail(8)) while ngd
# is stopped (SIGSTOP); let go, it gives up on the answer (NGD_TIMEOUT)
# and is held again, until ngd, let go, has placed the interface and
# deleted the old one (renamed ngret<n>, deleted in its batch).  jail(8)
# moved the old one by the index it had read: "No such device", and the
# jail failed.
# held: starts jail -c n0 ($jp) and waits until it is held, its
# connection to ngd made and its vnet not sent (it makes gate.held): 0;
# 1 if not within 30 s.  A jail(8) whose hello ngd did not answer within
# its NGD_TIMEOUT (1 s: the vnet's, too) asks ngd nothing and ends, not
# held (once in 6 runs three at a time beside four busy loops with 0.2
# s): its jail is removed and it starts again, 5 times at most.
held() {
	local try
	for try in 1 2 3 4 5; do
		rm -f "$tmp/gate" "$tmp/gate.held"
		JAIL_TEST_VNET_LATE=$tmp/gate NGD_TIMEOUT=1 \
		    jail -f "$tmp/j.conf" -c n0 >/dev/null 2>"$tmp/err" &
		jp=$!
		for _ in $(seq 1500); do
			[ -e "$tmp/gate.held" ] && return 0
			kill -0 "$jp" 2>/dev/null || break
			sleep 0.02
		done
		kill -0 "$jp" 2>/dev/null && return 1
		wait "$jp"
		echo "# try $try: jail(8) ended, not held (its hello unanswered in time?)"
		sed 's/^/#   /' "$tmp/err"
		jail -q -f "$tmp/j.conf" -r n0
		ngctl -t 0 info . >/dev/null
	done
	return 1
}
for_gone() { # the old device gone from home, the new one inside: 30 s
	for _ in $(seq 1500); do
		[ -z "$(ip -o link | grep -oE 'ngeth0|ngret[0-9]+')" ] &&
		    ip -n n0 link show ngeth0 >/dev/null 2>&1 && return 0
		sleep 0.02
	done
	return 1
}
for m in 1 0; do
	[ "$m" = 1 ] || tap_two_eifaces # the TAP model: an ngd of its own
	held
	expect "NGD_FASTPATH=$m: held, jail(8) connected to ngd, its vnet not sent" \
	    0 $?
	kill -STOP "$NGD_PID"
	touch "$tmp/gate"
	for _ in $(seq 1500); do
		grep -q 'vnet: no answer' "$tmp/err" && break
		sleep 0.02
	done
	kill -CONT "$NGD_PID"
	expect "... ngd stopped: jail(8) gave up on the answer" 1 \
	    "$(grep -c 'vnet: no answer' "$tmp/err")"
	expect_rc "... ngd let go: ngeth0 placed in n0, its old device deleted" 0 \
	    for_gone
	rm "$tmp/gate"
	wait "$jp"
	rc=$?
	sed 's/^/# /' "$tmp/err"
	expect "... jail -c exit 0" 0 "$rc"
	expect "... no 'No such device'" 0 "$(grep -c 'No such device' "$tmp/err")"
	# (a TAP up says UNKNOWN: no carrier news of its own)
	expect "... n0: its interface inside, up, addressed" \
	    "ngeth0 $([ "$m" = 1 ] && echo UP || echo UNKNOWN) 198.51.100.1/24" \
	    "$(ip -n n0 -4 -br addr show dev ngeth0 2>/dev/null |
		awk '{ sub(/@.*/, "", $1); print $1, $2, $3 }')"
	expect_rc "... jail -r n0" 0 jail -q -f "$tmp/j.conf" -r n0
	ngctl -t 0 info . >/dev/null
	expect "... both interfaces home" "ngeth0 ngeth1" \
	    "$(ip -o link | grep -o 'ngeth[01]' | sort | xargs)"
done

# Only an answer ngd did not give in time makes a name taken inside
# ngd's interface.  Not ngd's, an interface whose name another holds in
# the jail (one exec.created made) is not moved: "File exists", and the
# jail is not made, as FreeBSD's if_vmove fails.  (The late answer's
# guess took the jail's own for it: jail -c said nothing, exit 0, and
# vh0 stayed home.)
ip link add vh0 type veth peer name vh0p
cat >"$tmp/c.conf" <<'EOS'
vnet; persist;
c0 { vnet.interface = vh0; exec.created = "ip -n c0 link add vh0 type veth peer name vx0"; }
EOS
jail -f "$tmp/c.conf" -c >/dev/null 2>"$tmp/err"
rc=$?
sed 's/^/# /' "$tmp/err"
expect "vh0's name taken in the jail: jail -c fails" 1 "$rc"
expect "... saying so" "jail: c0: vnet.interface vh0: File exists" \
    "$(grep -m1 'vnet.interface vh0' "$tmp/err")"
expect "... no jail" "" "$(jls name)"
expect "... vh0 home" vh0 "$(ip -o link show vh0 2>/dev/null | awk '{ sub(/@.*/, "", $2); print $2 }')"
ip link del vh0 2>/dev/null
finish
