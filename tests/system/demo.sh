#!/usr/bin/env bash
# `make demo` runs examples/seed-walkthrough; here it runs in the test's
# sandbox (already private namespaces) with the freshly built tools.
source "$(dirname "$0")/../lib.sh"
# `make demo` runs it with this build's tools and installs nothing of
# ours (it did `make install` into /usr/local: units, /etc files, ldconfig)
recipe=$(make -s -n -C "$top" demo 2>&1 | grep -vE '^(make|cc|clang|ar|bpftool|mv|rm) ')
expect "make demo runs the walkthrough with build/ first on PATH" 1 \
    "$(grep -cF "PATH=\"$top/build:\$PATH\" examples/seed-walkthrough" <<<"$recipe")"
expect "make demo installs nothing" 0 "$(grep -cE '(^| )install( |$)' <<<"$recipe")"
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
