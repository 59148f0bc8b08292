#!/usr/bin/env bash
# Existing tests again in the veth model (NGD_FASTPATH=1; README "The
# kernel fast path"), a representative few beyond the eiface, eiface_mac
# and vnet tests fastpath.sh runs: interface names as ip shows them
# (golden eiface, input_checks), a vnet jail's own ngd next to the
# host's eifaces (jail_clients, jail_seed: seed page, jail -r).  The
# whole suite passes with NGD_FASTPATH=1 save DESIGN decision 12's
# SIGKILL cases (README); this keeps `make check` honest about it in
# about 15 s.  Each runs in a sandbox of its own, its lines prefixed.
source "$(dirname "$0")/../lib.sh"
for t in golden/eiface golden/input_checks system/jail_clients \
    system/jail_seed; do
	NGD_FASTPATH=1 NG_SANDBOXED= "$top/tests/sandbox" bash "$top/tests/$t.sh" 2>&1 |
	    sed -E "s#^(ok|FAIL) #\1 veth model: $t: #"
	[ "${PIPESTATUS[0]}" = 0 ] || fail "veth model: $t exits 0"
done
finish
