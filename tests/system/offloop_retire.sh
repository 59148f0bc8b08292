#!/usr/bin/env bash
# Eifaces shut down while ngd runs are deleted by ngd's worker thread,
# not by its event loop: the batch's RTM_DELLINK (by interface group:
# the eifaces' pairs in the data plane, TAPs in ngd's namespace) waits
# the RTNL lock and an RCU grace period, seconds under load, and while
# the loop waited no client was served (a second client's `ngctl list`
# took 1.3-1.7 s behind 120 shutdowns).  In both models (veth pairs and
# NGD_FASTPATH=0's TAPs): 60 eifaces shut down by one script, strace on
# ngd's main thread alone (no -f) sees it send no RTM_DELLINK, every
# eiface is gone soon after (polled, 30 s at most), and a client's
# `ngctl list` during the deletion is answered (its time a figure).
source "$(dirname "$0")/../lib.sh"
trap '[ -n "${st:-}" ] && kill "$st" 2>/dev/null; stop_ngd; rm -rf "$tmp"' EXIT
command -v strace >/dev/null || fail "strace is needed (scripts/deps installs it)"
n=60
for i in $(seq $n); do echo "mkpeer eiface e$i ether"; done >"$tmp/mk"
for i in $(seq 0 $((n - 1))); do echo "shutdown ngeth$i:"; done >"$tmp/sh"
# (strace 6 names it nlmsg_type=0x11 on a NETLINK_ROUTE socket it has
# not decoded, others RTM_DELLINK)
dellinks() { grep -cE 'RTM_DELLINK|nlmsg_type=0x11[^0-9a-f]' "$1"; }
left() { ip -o link | grep -cE ' (ngeth|ngret)[0-9]+[:@]'; }

for model in veth tap; do
	if [ $model = tap ]; then export NGD_FASTPATH=0; fi
	start_ngd || finish
	ngctl -f "$tmp/mk"
	expect "$model: $n eifaces" "$n" "$(left)"
	# the loop's thread alone: its tid is ngd's pid
	strace -e trace=sendto,sendmsg -o "$tmp/st.$model" -p "$NGD_PID" 2>"$tmp/st.err" &
	st=$!
	for _ in $(seq 500); do grep -qs attached "$tmp/st.err" && break; sleep 0.02; done
	ngctl -f "$tmp/sh"
	a=${EPOCHREALTIME/./}
	ngctl list >/dev/null
	b=${EPOCHREALTIME/./}
	for _ in $(seq 1500); do [ "$(left)" = 0 ] && break; sleep 0.02; done
	expect "$model: every eiface gone" 0 "$(left)"
	kill "$st"
	wait "$st" 2>/dev/null
	st=
	figure "$model: ngctl list during the deletion" "" "$(((b - a) / 1000))" ms
	if [ "$(grep -c 'send' "$tmp/st.$model")" -gt 0 ]; then
		expect "$model: the loop's thread sent no RTM_DELLINK" 0 "$(dellinks "$tmp/st.$model")"
	else
		fail "$model: strace saw nothing of ngd's loop"
	fi
	stop_ngd
done
finish
