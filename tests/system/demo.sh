#!/usr/bin/env bash
# `make demo` runs examples/seed-walkthrough; here it runs in the test's
# sandbox (already private namespaces) with the freshly built tools.
source "$(dirname "$0")/../lib.sh"
out=$("$top/examples/seed-walkthrough" 2>&1)
rc=$?
expect "walkthrough exits 0" 0 "$rc"
expect "both pings answered" 2 "$(grep -c ', 3 received' <<<"$out")"
expect "jails removed" "test1: removed
test2: removed" "$(grep ': removed$' <<<"$out")"
# (a veth pair, NGD_FASTPATH=1, shows as ng_test1@ifN)
expect "ng_test1 back on the host" 1 "$(grep -cE '^ng_test1(@if[0-9]+)? ' <<<"$out")"
[ "$NG_FAILED" = 0 ] || printf '%s\n' "$out" | tail -n 30
finish
