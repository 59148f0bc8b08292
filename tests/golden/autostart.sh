#!/usr/bin/env bash
# Golden test: ngctl starts ngd when nothing answers, unless -N or
# NGCTL_NO_AUTOSTART says not to.  The sandbox's PID namespace makes
# pgrep see only the ngd started here.
source "$(dirname "$0")/../lib.sh"

NOSTART="ngctl: can't create node: Connection refused
ngctl: no ngd answers on @netgraph"

if pgrep -x ngd >/dev/null; then
	fail "an ngd runs already in this namespace"
	finish
fi
check "-N: no ngd is started" 71 "" "$NOSTART" \
    env -u NGCTL_NO_AUTOSTART ngctl -N list
check "NGCTL_NO_AUTOSTART=1: no ngd is started" 71 "" "$NOSTART" \
    env NGCTL_NO_AUTOSTART=1 ngctl list
expect "still no ngd" "" "$(pgrep -x ngd)"

# NGCTL_NO_AUTOSTART=0 or unset: ngd (the one beside ngctl) is started,
# daemonized, and the command runs
check "autostart" 0 "There are 1 total nodes:
  Name: probe           Type: socket          ID: ########   Num hooks: 0" "" \
    masked env NGCTL_NO_AUTOSTART=0 ngctl -n probe list
pid=$(pgrep -x ngd)
if [ -n "$pid" ] && [ "$(ps -o sid= -p "$pid")" != "$(ps -o sid= -p $$)" ]; then
	ok "an ngd runs, in a session of its own"
else
	fail "an ngd runs, in a session of its own (pid '$pid')"
fi
check "it keeps serving" 0 "" "" env -u NGCTL_NO_AUTOSTART ngctl -f - <<'END'
mkpeer . hub a b
name a H
msg H: setpersistent
END
check "a second ngctl finds it; no second ngd" 0 \
    "  Name: H               Type: hub             ID: ########   Num hooks: 0" \
    "" masked env -u NGCTL_NO_AUTOSTART ngctl show H:
expect "one ngd" "$pid" "$(pgrep -x ngd)"
[ -n "$pid" ] && kill "$pid"
for _ in $(seq 100); do
	kill -0 "$pid" 2>/dev/null || break
	sleep 0.02
done

# an ngd that cannot start (NGD_SOCKET names a path in a missing
# directory): ngd says why, ngctl gives up at once
start=$(date +%s%N)
env -u NGCTL_NO_AUTOSTART NGD_SOCKET="$tmp/no/sock" ngctl list \
    >"$tmp/out" 2>"$tmp/err"
rc=$?
expect "ngd that does not come up" "rc=71
ngctl: can't create node: No such file or directory
ngctl: no ngd answers on $tmp/no/sock" \
    "rc=$rc$(cat "$tmp/out")
$(grep '^ngctl:' "$tmp/err")"
took=$((($(date +%s%N) - start) / 1000000))
if [ "$took" -lt 2500 ]; then
	ok "without waiting the whole 3 s ($took ms)"
else
	fail "without waiting the whole 3 s ($took ms)"
fi

finish
