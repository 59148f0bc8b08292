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
# A build without a library's headers stops first and names the package
# (here a made-up one, in a scratch build directory).
err=$(make -s -C "$top" B="$tmp/b" \
    DEV_HEADERS="nosuch/h.h:libnosuch-dev histedit.h:libedit-dev" \
    "$tmp/b/.devheaders" 2>&1 >/dev/null)
expect "make names a missing -dev package, and only it" \
    "missing build dependencies: libnosuch-dev; sudo scripts/deps installs them (with what the tests need), or: sudo apt-get install libnosuch-dev" \
    "$(head -n 1 <<<"$err")"
expect_rc "... and builds nothing" 1 test -e "$tmp/b/.devheaders"
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
