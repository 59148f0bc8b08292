#!/usr/bin/env bash
# Who may start ngd (issue 13, item 3): an unprivileged user's ngctl must
# not autostart a daemon that would then hold the namespace's socket and
# lock root out; ngd itself refuses to run as anyone but root.  Runs in a
# fresh sandbox namespace where no ngd answers yet.
source "$(dirname "$0")/../lib.sh"
unset NGCTL_NO_AUTOSTART

as_nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups -- "$@"; }
ngds() { pgrep -x ngd | wc -l; }

check "nobody's ngctl does not start ngd" 71 "" \
    "ngctl: ngd is not running, and only root may start it
ngctl: can't create node: Connection refused
ngctl: no ngd answers on @netgraph" \
    as_nobody ngctl list
sleep 0.2
expect "... and no ngd runs" 0 "$(ngds)"
check "ngd refuses to run as nobody" 77 "" "ngd: must be run as root" \
    as_nobody ngd -d
expect "... and no ngd runs" 0 "$(ngds)"

# help needs no graph: it answers without starting one.
expect "root's ngctl help answers with no ngd" "Available commands:" \
    "$(ngctl help 2>&1 | head -n 1)"
expect "... and starts none" 0 "$(ngds)"

# Root is not locked out: its ngctl starts ngd and is served.
got=$(ngctl list 2>&1 | head -n 1)
expect "root's ngctl starts ngd" "There are 1 total nodes:" "$got"
expect "... one ngd, run by root" "0" "$(ps -o uid= -C ngd | tr -d ' ')"
expect_rc "... which nobody may now read" 0 quiet as_nobody ngctl list
# stop_ngd (in finish) ends the ngd started above; only the sandbox sees it.
NGD_PID=$(pgrep -x ngd)
finish
