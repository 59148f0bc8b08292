#!/usr/bin/env bash
# ngd under valgrind (issue 7): a scripted session of ngctl commands and
# raw clients (interfaces, a bridge, a hub, ASCII messages both ways,
# vnet into a namespace and home, data, a MAC flood, a request flood, a client killed with replies
# queued), then SIGTERM.  Valgrind must report no error and no leak
# (definite or indirect) in ngd.  About ten seconds.
# (Not alone: valgrind's ngd takes a core, and nothing here is timed;
# its clients wait up to 60 s, NGD_TIMEOUT.)
source "$(dirname "$0")/../lib.sh"
py=/usr/bin/python3
wire="$top/tests/system/ngwire.py"
# ngd runs some 30 times slower under valgrind: give clients more time.
export NGD_TIMEOUT=60
if ! command -v valgrind >/dev/null; then
	fail "valgrind is not installed (scripts/deps installs it)"
	exit 1
fi

valgrind -q --leak-check=full --show-leak-kinds=definite,indirect \
    --errors-for-leak-kinds=definite,indirect --error-exitcode=99 \
    --suppressions="$top/tests/valgrind.supp" \
    "$top/build/ngd" -d 2>"$tmp/vg.log" &
NGD_PID=$!
for _ in $(seq 300); do ngctl -N list >/dev/null 2>&1 && break; sleep 0.05; done
expect_rc "ngd answers under valgrind" 0 quiet ngctl -N list

# One round of the session (VG_ROUNDS of them; scripts/soak asks for more).
session() {
	ngctl mkpeer eiface ether ether
	ngctl mkpeer eiface ether ether
	ip link set ngeth0 up
	ip link set ngeth1 up
	expect_rc "a scripted session" 0 ngctl -f - >/dev/null <<'EOS'
mkpeer ngeth0: bridge ether link0
name ngeth0:ether br0
connect br0: ngeth1: link1 ether
msg br0: setpersistent
msg br0: getconfig
msg br0: setconfig { debugLevel=2 loopTimeout=10 maxStaleness=60 minStableAge=1 }
msg br0: getstats 0
msg br0: setmaxhosts 100
msg br0: getmaxhosts
mkpeer br0: hub link2 a
name br0:link2 h
connect . h: hb b
write hb 0xff 0xff 0xff 0xff 0xff 0xff 2 0 0 0 0 1 8 0 1 2 3 4
msg br0: gettable
msg ngeth0: getifname
msg ngeth0: set 02:00:00:00:00:77
name ngeth1: web1
list
ls -l
show br0:
status br0:
types
dot
rmhook . hb
msg br0: reset
shutdown web1:
EOS
	expect_rc "errors along the way" 71 quiet ngctl -f - <<'EOS'
msg br0: setconfig { nosuchfield=1 }
EOS
	# vnet: into a namespace, home, in again, then its name goes.
	ip netns add vg
	expect_rc "vnet there, home and there again" 0 ngctl -f - <<'EOS'
msg ngeth0: vnet "vg"
msg ngeth0: vnet ""
msg ngeth0: vnet "vg"
EOS
	ip netns del vg
	for _ in $(seq 100); do ip link show ngeth0 >/dev/null 2>&1 && break; sleep 0.05; done
	expect_rc "home when the name goes" 0 quiet ip link show ngeth0
	# 300 MACs, three times the bound set above (reset keeps it): the
	# table learns, grows and turns hosts away.  (Under valgrind each
	# frame costs ngd 10-40 ms: 2000 took a minute at load 10.)
	got=$($py "$wire" macs br0: link5 300 1)
	expect "a MAC flood" "sent 300" "${got% memoryFailures*}"
	# (301 sources with the sender's own; the interfaces' chatter may
	# have taken places too)
	n=${got#*memoryFailures }
	if [ "$n" -ge 201 ] && [ "$n" -le 301 ]; then ok "... the bound turned $n away"; else fail "... $n turned away by a bound of 100"; fi
	$py "$wire" flood 1 >/dev/null
	$py "$wire" dying dying 100 2>/dev/null
	# A reader that reads nothing, pumped at until ngd cuts it off (32 MB
	# unread: some 160 of the 200 messages), then gone.
	$py "$wire" victim victim 60 >"$tmp/victim.out" &
	victim=$!
	for _ in $(seq 200); do grep -q ready "$tmp/victim.out" && break; sleep 0.05; done
	$py "$wire" pump victim: 200 200000 >/dev/null
	kill $victim
	wait $victim
	expect_rc "shutdowns" 0 ngctl -f - <<'EOS'
shutdown br0:
shutdown ngeth0:
EOS
}
rounds=${VG_ROUNDS:-1}
f0=$(ls /proc/$NGD_PID/fd | wc -l)
for _ in $(seq "$rounds"); do session; done
echo "# ngd (under valgrind) file descriptors before and after $rounds rounds: $f0 -> $(ls /proc/$NGD_PID/fd | wc -l)"
kill "$NGD_PID"
wait "$NGD_PID"
rc=$?
NGD_PID=
expect "valgrind: no error, no leak (exit status)" 0 "$rc"
# (It warns about ioctls it does not know, TUNSETIFF and others: noise.)
if grep -qE 'Invalid|[Uu]ninitialised|lost in|Mismatched|overlap' "$tmp/vg.log"; then
	fail "valgrind found something"
	grep '^==' "$tmp/vg.log" | head -n 40
else
	ok "valgrind found nothing"
fi
finish
