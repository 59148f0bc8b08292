#!/usr/bin/env bash
# The eiface tests again in the TAP model (NGD_FASTPATH=0; README "The
# kernel fast path"): eiface, eiface_mac and vnet, which the rest of the
# suite runs in the veth model, the default (fastpath_again.sh runs
# more).  They ran at the end of fastpath.sh, which with them took
# 142-263 s of its 300 under load; here they run beside the others.
# Each runs in a sandbox of its own, its lines prefixed.
source "$(dirname "$0")/../lib.sh"
for t in eiface eiface_mac vnet; do
	NGD_FASTPATH=0 NG_SANDBOXED= "$top/tests/sandbox" bash "$top/tests/system/$t.sh" 2>&1 |
	    sed -E "s/^(ok|FAIL) /\1 TAP model: $t: /"
	[ "${PIPESTATUS[0]}" = 0 ] || fail "TAP model: $t exits 0"
done
finish
