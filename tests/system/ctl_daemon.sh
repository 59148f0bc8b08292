#!/usr/bin/env bash
# ngd -c without -d (ngd.8): the command returns only once the boot file
# is applied, so `ngd -c FILE && ngctl ...` sees the whole graph (it
# returned as soon as the socket was bound, and ngctl saw none of it);
# and when the file fails, the command fails with ngd's status (78),
# where it said 0.  About 2 s.
source "$(dirname "$0")/../lib.sh"
daemon() { pgrep -x ngd; }
gone() { # the daemon ngd, stopped
	local p
	for p in $(daemon); do
		kill "$p"
		for _ in $(seq 200); do kill -0 "$p" 2>/dev/null || break; sleep 0.02; done
	done
}
trap 'gone; rm -rf "$tmp"' EXIT

{
	echo "mkpeer bridge b link0"
	echo "name .:b br0"
	for i in $(seq 1 30); do echo "mkpeer br0: eiface link$i ether"; done
	echo "msg br0: setpersistent"
} >"$tmp/boot.conf"
ngd -c "$tmp/boot.conf" && n=$(ngctl list | grep -c 'Type: eiface')
expect "ngd -c FILE && ngctl list: the whole graph" "30" "${n:-ngd failed}"
expect_rc "... the daemon serves on" 0 quiet ngctl show br0:
gone

printf '%s\n' "mkpeer bridge b link0" "name .:b br0" \
    "mkpeer br0: eiface link1 ether" "mkpeer br0: nosuchtype link2 ether" >"$tmp/bad.conf"
expect_rc "a boot file that fails: ngd -c fails too (78)" 78 ngd -c "$tmp/bad.conf"
expect "... no daemon left" "" "$(daemon)"
expect "... nor anything it made" "lo" "$(ip -br link | awk '{ print $1 }' | xargs)"
exit $NG_FAILED
