#!/usr/bin/env bash
# System test: the README's NAT example (examples/nat-jails) as written:
# vnet jails from a jail.conf behind a nat node, outbound NAT, and a port
# forward that exec.prestart adds and exec.poststop removes
# (examples/jail-nat-redirect).
source "$(dirname "$0")/../lib.sh"
# A copy away from the source tree (as a package's documentation has it)
# says where to run it, before it makes anything.
cp "$top/examples/nat-jails" "$tmp/"
check "a copy outside the tree says where to run it" 1 "" \
    "nat-jails: run it from netgraph's source tree, where it finds tests/nat_helper.py and jail-nat-redirect beside it" \
    bash "$tmp/nat-jails"
out=$(NG_SANDBOXED=1 timeout 120 "$top/examples/nat-jails" 2>&1)
expect "the example ends well" 0 $?
grep -q '^+ jail -f .* -c test1 test2$' <<<"$out" && ok "jails created" ||
    fail "jails created"
expect "prestart added test1's forward" \
    'Args:	{ total_count=1 redirects=[ { id=1 local_addr=198.51.100.10 local_port=80 alias_port=8080 proto=6 description="test1" } ] }' \
    "$(grep -m1 '^Args:.*listredirects\|^Args:	{ total_count' <<<"$out")"
expect "both jails answered" "echo from-test1
echo from-test2" "$(grep '^echo from-' <<<"$out")"
expect "the outside saw the host's address only" "198.18.60.1" \
    "$(grep -E '^[0-9.]+ [0-9]+$' <<<"$out" | awk '{ print $1 }' | sort -u)"
expect "the forward reaches test1's server" \
    "test1's web server; you are 198.18.60.2" \
    "$(grep "^test1's web server" <<<"$out")"
expect "poststop removed it" 'Args:	{}' "$(grep '^Args:' <<<"$out" | tail -n 1)"
finish
