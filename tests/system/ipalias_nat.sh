#!/usr/bin/env bash
# System test: the README's IP-alias jails with NAT (examples/
# ipalias-nat-jails) as written: non-vnet jails on private aliases of lo1
# (an eiface), a nat node on the uplink's ether lower/upper; the outside
# sees only the host's address, and a forwarded port reaches a jail.
source "$(dirname "$0")/../lib.sh"
out=$(NG_SANDBOXED=1 timeout 120 "$top/examples/ipalias-nat-jails" 2>&1)
expect "the example ends well" 0 $?
grep -q '^+ jail -f .* -c www db$' <<<"$out" && ok "jails created" ||
    fail "jails created"
# (ip shows a veth, NGD_FASTPATH=1, as lo1@ifN)
lo1() { grep -E '^lo1(@if[0-9]+)? ' <<<"$out" | awk '{ sub(/@.*/, "", $1); print $1, $3, $4 }'; }
expect "their aliases are on lo1" "lo1 198.18.80.10/32 198.18.80.11/32" \
    "$(lo1 | head -n 1)"
expect "both jails answered" "echo from-www
echo from-db" "$(grep '^echo from-' <<<"$out")"
expect "the outside saw the host's address only" "198.18.70.1" \
    "$(grep -E '^[0-9.]+ [0-9]+$' <<<"$out" | awk '{ print $1 }' | sort -u)"
expect "... from two connections" 2 "$(grep -cE '^[0-9.]+ [0-9]+$' <<<"$out")"
expect "the forward reaches www's server" \
    "www's web server; you are 198.18.70.2" \
    "$(grep "^www's web server" <<<"$out")"
expect "db may not bind www's address" "errno EADDRNOTAVAIL" \
    "$(grep '^errno' <<<"$out")"
expect "poststop removed the forward" 'Args:	{}' "$(grep '^Args:' <<<"$out" | tail -n 1)"
expect "and www's alias went" "lo1 198.18.80.11/32" \
    "$(lo1 | tail -n 1 | sed 's/ *$//')"
finish
