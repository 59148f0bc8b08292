#!/usr/bin/env bash
# nghook with no ngd running: FreeBSD's "can't get sockets" said nothing
# of why, and nghook, unlike ngctl, starts no ngd; now the next line
# says who did not answer and what to do.  With ngd running, the hook
# is made as before.
source "$(dirname "$0")/../lib.sh"
check "nghook with no ngd: the reason and the remedy" 71 "" \
    "$(printf '%s\n' "nghook: can't get sockets" \
    "nghook: no ngd answers on @netgraph (start ngd, or any ngctl command as root does)")" \
    nghook ngeth0: x
start_ngd || finish
ngctl mkpeer eiface ether ether || fail "ngeth0"
mkfifo "$tmp/in"
nghook ngeth0: ether <"$tmp/in" >/dev/null 2>"$tmp/err" &
pid=$!
exec 8>"$tmp/in" # nghook's input stays open until the test ends
for _ in $(seq 50); do
	ngctl show ngeth0: 2>/dev/null | grep -q '^  ether ' && break
	sleep 0.05
done
expect "... with ngd: nghook hangs on ngeth0's ether hook" 1 \
    "$(ngctl show ngeth0: | grep -c '^  ether ')"
exec 8>&-
kill "$pid" 2>/dev/null
wait "$pid" 2>/dev/null
finish
