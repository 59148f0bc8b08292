#!/usr/bin/env bash
# ngd stopping (SIGTERM) with many eifaces: their pairs go in one
# RTM_DELLINK (the graph-side ends' retired group in the data plane:
# one RCU grace period for all), not one each.  One a pair cost ~40 ms
# of the kernel's unregistering each: an ngd of 500 eifaces took 24 s
# to stop (journal_changes.sh), 300 took 18 s (fastpath_wide.sh), and
# systemd waits 90 s before it kills.
#   100 eifaces, 10 of them placed in namespace st by vnet; SIGTERM:
#   ngd exits 0, no eiface is left on the host nor in st, no pin in
#   bpffs, and strace saw ngd send at most 2 RTM_DELLINK requests
#   (100 before).
source "$(dirname "$0")/../lib.sh"
trap 'kill $(jobs -p) 2>/dev/null; ip netns del st 2>/dev/null; stop_ngd; rm -rf "$tmp"' EXIT
command -v strace >/dev/null || fail "strace is needed (scripts/deps installs it)"

start_ngd
for i in $(seq 100); do echo "mkpeer eiface e$i ether"; done >"$tmp/eifaces"
ngctl -f "$tmp/eifaces"
ip netns add st
for i in $(seq 0 9); do echo "msg ngeth$i: vnet \"st\""; done >"$tmp/vnet"
ngctl -f "$tmp/vnet"
expect "100 eifaces, 10 of them in st" "90 10" \
    "$(ip -o link | grep -c ' ngeth[0-9]*[:@]') $(ip -n st -o link | grep -c ' ngeth[0-9]*[:@]')"

# (strace says it attached on stderr; -f: ngd has no threads, but its
# netlink requests are all that is counted)
strace -f -e trace=sendto -o "$tmp/st" -p "$NGD_PID" 2>"$tmp/st.err" &
tracer=$!
for _ in $(seq 250); do grep -qs attached "$tmp/st.err" && break; sleep 0.02; done
kill "$NGD_PID"
wait "$NGD_PID"
rc=$?
NGD_PID=
wait "$tracer" 2>/dev/null
expect "ngd exits 0 on SIGTERM" 0 "$rc"
expect "no eiface is left, on the host nor in st" "0 0" \
    "$(ip -o link | grep -c ' ngeth[0-9]*[:@]') $(ip -n st -o link | grep -c ' ngeth[0-9]*[:@]')"
expect "no pin is left in bpffs" "" "$(ls /sys/fs/bpf/netgraph 2>/dev/null)"
# (strace 6 names it nlmsg_type=0x11 on a NETLINK_ROUTE socket it has
# not decoded, others RTM_DELLINK)
dels=$(grep -cE 'RTM_DELLINK|nlmsg_type=0x11[^0-9a-f]' "$tmp/st")
if [ "$(grep -c 'sendto(' "$tmp/st")" -gt 0 ] && [ "$dels" -le 2 ]; then
	ok "the pairs went together: $dels RTM_DELLINK requests for 100 eifaces"
else
	fail "the pairs went one by one: $dels RTM_DELLINK requests for 100 eifaces (want at most 2)"
fi
finish
