#!/usr/bin/env bash
# takeover.sh again in the TAP model (NGD_FASTPATH=0), as fastpath_again.sh
# runs others: the TAPs' descriptors handed over, under pings and TCP
# streams, and takeovers in a row.  Its lines prefixed.
# serial: takeover.sh times pings every 10 ms and a full-speed iperf3
source "$(dirname "$0")/../lib.sh"
NGD_FASTPATH=0 NG_SANDBOXED= "$top/tests/sandbox" bash "$top/tests/system/takeover.sh" 2>&1 |
    sed -E "s#^(ok|FAIL) #\1 TAP model: system/takeover: #"
[ "${PIPESTATUS[0]}" = 0 ] || fail "TAP model: system/takeover exits 0"
finish
