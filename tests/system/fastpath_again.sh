#!/usr/bin/env bash
# Existing tests again in the TAP model (NGD_FASTPATH=0; README "The
# kernel fast path").  The suite runs in the veth model, the default;
# these keep the userspace path and the fallback's device model covered
# beyond the eiface, eiface_mac and vnet tests fastpath_tap.sh runs again:
# interface names (golden eiface), the counters and captures of a bridge
# all of whose frames cross ngd (watch), a graph that outlives ngd with
# its TAPs' descriptors (restart), and a vnet jail's own ngd next to the
# host's eifaces (jail_seed); takeover_tap.sh runs takeover.sh (alone:
# it times pings and a stream).  Each runs in a sandbox of its own, its
# lines prefixed.
source "$(dirname "$0")/../lib.sh"
for t in golden/eiface system/watch system/restart system/jail_seed; do
	NGD_FASTPATH=0 NG_SANDBOXED= "$top/tests/sandbox" bash "$top/tests/$t.sh" 2>&1 |
	    sed -E "s#^(ok|FAIL) #\1 TAP model: $t: #"
	[ "${PIPESTATUS[0]}" = 0 ] || fail "TAP model: $t exits 0"
done
finish
