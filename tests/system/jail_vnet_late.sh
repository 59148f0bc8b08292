#!/usr/bin/env bash
# ngd answering jail(8)'s `vnet` too late (after NGD_TIMEOUT) still
# places the interface: ngd makes it anew inside the jail.  jail(8),
# having no answer, moves it itself and finds the name taken inside:
# that is ngd's new interface, so the jail is made with it, not failed
# with "File exists" (seen once at load 9 with the 5 s default).
source "$(dirname "$0")/../lib.sh"
trap 'jail -q -f "$tmp/j.conf" -r "*" 2>/dev/null; stop_ngd; rm -rf "$tmp"' EXIT

start_ngd || finish
bridge_two_eifaces
cat >"$tmp/j.conf" <<'EOS'
vnet; persist;
n0 { vnet.interface = ngeth0; ip4.addr = "ngeth0|198.51.100.1/24"; }
n1 { vnet.interface = ngeth1; ip4.addr = "ngeth1|198.51.100.2/24"; }
EOS
# 0.5-3 ms: about what a vnet (a veth pair made, one deleted) takes, so
# that some answers come just too late
late=0
for t in 0.0005 0.001 0.0015 0.002 0.003 0.001 0.002; do
	NGD_TIMEOUT=$t jail -p 2 -f "$tmp/j.conf" -c >/dev/null 2>"$tmp/err"
	rc=$?
	sed 's/^/# /' "$tmp/err"
	late=$((late + $(grep -c 'vnet: no answer' "$tmp/err")))
	expect "NGD_TIMEOUT=$t: jail -c exit 0" 0 "$rc"
	expect "NGD_TIMEOUT=$t: no 'File exists'" 0 "$(grep -c 'File exists' "$tmp/err")"
	expect "NGD_TIMEOUT=$t: both jails made" "n0 n1" "$(jls name | sort | xargs)"
	for i in 0 1; do
		expect "NGD_TIMEOUT=$t: n$i: its interface inside, up, addressed" \
		    "ngeth$i UP 198.51.100.$((i + 1))/24" \
		    "$(ip -n n$i -4 -br addr show dev ngeth$i 2>/dev/null |
			awk '{ sub(/@.*/, "", $1); print $1, $2, $3 }')"
	done
	expect_rc "NGD_TIMEOUT=$t: n0 reaches n1 over the bridge" 0 \
	    quiet ip netns exec n0 ping -c 1 -W 2 198.51.100.2
	expect_rc "NGD_TIMEOUT=$t: jail -r of both" 0 jail -q -f "$tmp/j.conf" -r "*"
	ngctl -t 0 info . >/dev/null
done
echo "# vnet requests answered too late: $late"
expect "both interfaces home" "ngeth0 ngeth1" \
    "$(ip -o link | grep -o 'ngeth[01]' | sort | xargs)"
finish
