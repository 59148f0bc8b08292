#!/usr/bin/env bash
# Eifaces shut down while ngd runs are deleted by a job, a thread made
# for the batch and joined after it, not by ngd's event loop: the batch's
# RTM_DELLINK (by interface group: the eifaces' pairs in the data plane,
# each with its TCX program, a grace period each under the RTNL lock;
# TAPs in ngd's namespace) took the loop 1.2-1.6 s for 100 pairs, 3.6 s
# for 300, 9.4 s under load, and no client was served meanwhile.
# In both models (veth pairs, 300 of them; NGD_FASTPATH=0's TAPs, 60):
# one script shuts them all down; strace on ngd's loop thread alone (no
# -f: the job's thread is not followed) sees it send no RTM_DELLINK (on
# main it sent the batch's), a second client's `ngctl list` meanwhile is
# answered (its time a figure), every eiface is gone soon after (polled,
# 60 s at most), and ngd is single-threaded again once the batch is
# done (the job's thread joined: no thread lives beside the loop).
source "$(dirname "$0")/../lib.sh"
trap '[ -n "${st:-}" ] && kill "$st" 2>/dev/null; stop_ngd; rm -rf "$tmp"' EXIT
command -v strace >/dev/null || fail "strace is needed (scripts/deps installs it)"
# (strace 6 names it nlmsg_type=0x11 on a NETLINK_ROUTE socket it has
# not decoded, others RTM_DELLINK)
dellinks() { grep -cE 'RTM_DELLINK|nlmsg_type=0x11[^0-9a-f]' "$1"; }
left() { ip -o link | grep -cE ' (ngeth|ngret)[0-9]+[:@]'; }
threads() { ls "/proc/$NGD_PID/task" | wc -l; }

for model in veth tap; do
	n=300
	if [ $model = tap ]; then export NGD_FASTPATH=0 n=60; fi
	for i in $(seq $n); do echo "mkpeer eiface e$i ether"; done >"$tmp/mk"
	for i in $(seq 0 $((n - 1))); do echo "shutdown ngeth$i:"; done >"$tmp/sh"
	start_ngd || finish
	ngctl -t 120 -f "$tmp/mk"
	expect "$model: $n eifaces" "$n" "$(left)"
	expect "$model: ngd has one thread while no deletion is due" 1 "$(threads)"
	# the loop's thread alone: its tid is ngd's pid
	strace -e trace=sendto,sendmsg -o "$tmp/st.$model" -p "$NGD_PID" 2>"$tmp/st.err" &
	st=$!
	for _ in $(seq 500); do grep -qs attached "$tmp/st.err" && break; sleep 0.02; done
	ngctl -t 120 -f "$tmp/sh"
	# until a batch's job is seen under way (or all went already: the
	# TAPs' single grace period may be over before a look)
	for _ in $(seq 1500); do
		[ "$(threads)" -gt 1 ] || [ "$(left)" = 0 ] && break
		sleep 0.02
	done
	a=${EPOCHREALTIME/./}
	expect_rc "$model: a second client's list is answered during the deletion" 0 quiet ngctl list
	b=${EPOCHREALTIME/./}
	for _ in $(seq 3000); do [ "$(left)" = 0 ] && break; sleep 0.02; done
	expect "$model: every eiface gone" 0 "$(left)"
	kill "$st"
	wait "$st" 2>/dev/null
	st=
	figure "$model: ngctl list during the deletion of $n" "" "$(((b - a) / 1000))" ms
	if [ "$(grep -c 'send' "$tmp/st.$model")" -gt 0 ]; then
		expect "$model: the loop's thread sent no RTM_DELLINK" 0 "$(dellinks "$tmp/st.$model")"
	else
		fail "$model: strace saw nothing of ngd's loop"
	fi
	# the job's thread joined once its batch is done
	for _ in $(seq 1500); do [ "$(threads)" = 1 ] && break; sleep 0.02; done
	expect "$model: ngd has one thread again after the deletion" 1 "$(threads)"
	stop_ngd
done
finish
