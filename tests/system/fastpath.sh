#!/usr/bin/env bash
# The kernel fast path (issue 18, DESIGN decision 11; README "The kernel
# fast path").  By default (and with NGD_FASTPATH=1) eifaces are veth
# pairs whose graph-side ends live in ngd's private data-plane namespace;
# two eifaces joined directly forward in the kernel, every other frame
# takes the userspace path through ngd.  With NGD_FASTPATH=0, and in the
# fallback (BPF refused), eifaces are TAPs (fastpath_tap.sh runs the
# eiface tests again in the TAP model, fastpath_again.sh more).
source "$(dirname "$0")/../lib.sh"
NGD_LOG=$tmp/ngd.log
trap 'ip netns del fa 2>/dev/null; ip netns del fb 2>/dev/null; stop_ngd; rm -rf "$tmp"' EXIT

# rx NS IF: packets the interface received
rx() { ip netns exec "$1" cat "/sys/class/net/$2/statistics/rx_packets"; }
# two eifaces ngeth0 in fa (198.18.7.1) and ngeth1 in fb (198.18.7.2),
# without IPv6 and without ARP's probes (nothing crosses but what the
# tests send and the ARP that resolves it; no_probes)
two_jails() {
	ngctl mkpeer eiface ether ether && ngctl mkpeer eiface ether ether &&
	    ip netns add fa && ip netns add fb &&
	    ip netns exec fa sysctl -qw net.ipv6.conf.default.disable_ipv6=1 &&
	    ip netns exec fb sysctl -qw net.ipv6.conf.default.disable_ipv6=1 &&
	    ngctl msg ngeth0: vnet '"fa"' && ngctl msg ngeth1: vnet '"fb"' &&
	    no_probes fa ngeth0 && no_probes fb ngeth1 &&
	    ip -n fa addr add 198.18.7.1/24 dev ngeth0 &&
	    ip -n fb addr add 198.18.7.2/24 dev ngeth1 &&
	    ip -n fa link set ngeth0 up && ip -n fb link set ngeth1 up
}
down_jails() { ip netns del fa; ip netns del fb; }
# then_stop COMMAND...: COMMAND (an ngctl) run, and ngd stopped the
# moment it has sent its reply: ngd on CPU 0 alone, the command and the
# kill after it there too at a real-time priority, which takes the CPU
# from ngd as the reply wakes it.  So ngd does nothing after its reply
# (reads no news of a carrier) before it is stopped: what the kernel
# path does then is what the reply promised.  (Where real-time
# priority is refused, the command and the kill as they come.)
then_stop() {
	local cpus
	cpus=$(taskset -p "$NGD_PID" | sed 's/.*: //')
	taskset -a -p -c 0 "$NGD_PID" >/dev/null
	if chrt -f 10 true 2>/dev/null; then
		chrt -f 10 taskset -c 0 sh -c '"$@"; kill -STOP $0' \
		    "$NGD_PID" "$@"
	else
		"$@"
		kill -STOP "$NGD_PID"
	fi
	taskset -a -p "$cpus" "$NGD_PID" >/dev/null
}
# stat NODE HOOK FIELD: one counter of the hook, from gethookstats
stat() {
	ngctl msg "$1" gethookstats | sed -n 's/^Args:\t//p' |
	    grep -oE "\\{ hook=\"$2\"[^}]*\\}" |
	    sed -nE "s/.* $3=([0-9]+).*/\\1/p" | grep . || echo 0
}
# about NAME N GOT: GOT is N to N + 2 (ARP may add a request and reply;
# a frame counted twice fails)
about() {
	[ "${3:-0}" -ge "$2" ] 2>/dev/null && [ "$3" -le $(($2 + 2)) ] &&
	    ok "$1 ($3)" || fail "$1 (${3:-none}, not $2 to $(($2 + 2)))"
}

# --- the model ngd says it uses, once --------------------------------------
NGD_FASTPATH=0 start_ngd
ngctl mkpeer eiface ether ether
expect "NGD_FASTPATH=0: TAPs, said once" 1 "$(grep -c 'data path: eifaces are TAP devices' "$NGD_LOG")"
expect "... a TAP" "tun" "$(ethtool -i ngeth0 | sed -n 's/driver: //p')"
stop_ngd
: >"$NGD_LOG"
# The fallback: ngd without the privilege to make its data plane or load
# programs (CAP_SYS_ADMIN and CAP_BPF dropped, as a jail's ngd or a unit
# that refuses BPF) serves TAPs and says so once; eifaces work.
# ngd_as COMMAND...: ngd started by COMMAND (no NGD_FASTPATH: the default)
ngd_as() {
	"$@" env -u NGD_FASTPATH "$(command -v ngd)" -d 2>>"$NGD_LOG" &
	NGD_PID=$!
	for _ in $(seq 100); do
		ngctl -N list >/dev/null 2>&1 && return
		sleep 0.02
	done
	fail "ngd did not start"
}
ngd_as setpriv --bounding-set=-sys_admin,-bpf --inh-caps=-sys_admin,-bpf --
expect_rc "BPF refused: ngd starts" 0 ngctl mkpeer eiface ether ether
expect "BPF refused: TAPs, said once" 1 "$(grep -c 'data path: .*eifaces are TAP devices' "$NGD_LOG")"
expect "... and not that it serves veth pairs" 0 "$(grep -c 'eifaces are veth pairs' "$NGD_LOG")"
expect "... a TAP" "tun" "$(ethtool -i ngeth0 | sed -n 's/driver: //p')"
stop_ngd
: >"$NGD_LOG"
# The fallback once the data plane is made: bpf(2) refused by a seccomp
# filter (tests/bpf/nobpf.c), all of it (the programs do not load) or
# only BPF_LINK_CREATE (they load; attaching them on TCX is refused).
# In the second case the ngd finds the pinned data plane of a fast-path
# ngd killed with two bridged eifaces, cannot take it over, removes it,
# and makes the eifaces anew as TAPs that forward (through ngd).
nobpf=$top/build/tests-root/nobpf
[ -x "$nobpf" ] || fail "no $nobpf (make check builds it)"
# leftover: what a fast path leaves (pins, the namespace's mount, pairs);
# netns_fds: the network namespaces ngd holds open but its own
leftover() {
	ls -d /sys/fs/bpf/netgraph 2>/dev/null
	grep -o ' /run/netgraph/[^ ]*' /proc/self/mountinfo
	ls /run/netgraph/*/dataplane 2>/dev/null
	for n in "" fa fb; do ip ${n:+-n $n} -o link show type veth; done 2>/dev/null | cut -d' ' -f2
}
netns_fds() {
	ls -l "/proc/$NGD_PID/fd" | grep -o 'net:\[[0-9]*\]' |
	    grep -vF "$(readlink /proc/self/ns/net)" | sort -u
}
tcx_said() { grep -c 'data path: no tc programs on TCX (Operation not permitted); eifaces are TAP devices' "$NGD_LOG"; }
ngd_as "$nobpf"
ngctl mkpeer eiface ether ether
ngctl mkpeer eiface ether ether
expect "bpf(2) refused: TAPs, said once (no tc programs on TCX)" "1 tun" \
    "$(tcx_said) $(ethtool -i ngeth1 | sed -n 's/driver: //p')"
expect "... the data plane made was let go: no namespace held, nothing pinned" "" \
    "$(netns_fds; leftover)"
stop_ngd
: >"$NGD_LOG"
NGD_FASTPATH=1 start_ngd
two_jails
ngctl mkpeer ngeth0: bridge ether link0
ngctl name ngeth0:ether fbr
ngctl connect fbr: ngeth1: link1 ether
journal_has ' placed=fa( |$)' && journal_has ' placed=fb( |$)' &&
    journal_has '^hook [0-9a-f]+ (ether [0-9a-f]+ link1|link1 [0-9a-f]+ ether)$'
kill -KILL "$NGD_PID"
wait "$NGD_PID" 2>/dev/null
ngd_as "$nobpf" -c 28 # BPF_LINK_CREATE
expect "TCX attach refused: said once, and that the last fast path is not taken over" "1 1" \
    "$(tcx_said) $(grep -c 'cannot take over the kernel fast path the last ngd left (Operation not permitted)' "$NGD_LOG")"
expect "... the eifaces made anew as TAPs in their jails" "tun tun" \
    "$(ip netns exec fa ethtool -i ngeth0 | sed -n 's/driver: //p') $(ip netns exec fb ethtool -i ngeth1 | sed -n 's/driver: //p')"
expect "... no data-plane namespace held, no pin, mount or pair left" "" \
    "$(netns_fds; leftover)"
ip -n fa addr add 198.18.7.1/24 dev ngeth0 && ip -n fa link set ngeth0 up
ip -n fb addr add 198.18.7.2/24 dev ngeth1 && ip -n fb link set ngeth1 up
link_up fa ngeth0 && link_up fb ngeth1
expect "... and they answer pings through the bridge" 5 "$(pings fa 198.18.7.2 5)"
got=$(ngctl msg fbr: getstats 1 | sed -nE 's/.*recvPackets=([0-9]+).*/\1/p')
about "... which saw the replies (ngd's path)" 5 "$got"
stop_ngd
down_jails
expect "... said once in all" 1 "$(tcx_said)"
: >"$NGD_LOG"
ngd_as
expect "by default: veth pairs, said once" 1 "$(grep -c 'data path: eifaces are veth pairs' "$NGD_LOG")"
stop_ngd
: >"$NGD_LOG"
NGD_FASTPATH=1 start_ngd
expect "NGD_FASTPATH=1: veth pairs, said once" 1 "$(grep -c 'data path: eifaces are veth pairs' "$NGD_LOG")"
ngctl mkpeer eiface ether ether
expect "... a veth" "veth" "$(ethtool -i ngeth0 | sed -n 's/driver: //p')"
expect "... the host sees the eiface and no graph-side end" "lo ngeth0" \
    "$(ip -o link show | cut -d' ' -f2 | sed 's/[:@].*//' | sort | tr '\n' ' ' | sed 's/ $//')"
ngctl shutdown ngeth0:

# --- a direct edge forwards in the kernel; a bridge goes through ngd -------
two_jails
ngctl connect ngeth0: ngeth1: ether ether
queue_on fa ngeth0 && queue_on fb ngeth1
expect "direct edge: pings answered" 10 "$(pings fa 198.18.7.2 10)"
ngctl msg ngeth0: clrhookstats '{ }'
ngctl msg ngeth1: clrhookstats '{ }'
kill -STOP "$NGD_PID"
expect "direct edge: pings answered while ngd is stopped (kernel path)" 10 \
    "$(pings fa 198.18.7.2 10)"
kill -CONT "$NGD_PID"
# The hook counters count what the kernel forwarded (ngd saw none of it).
about "direct edge: ngeth0's ether counts the requests out" 10 \
    "$(stat ngeth0: ether xmitFrames)"
about "... and the replies in" 10 "$(stat ngeth0: ether recvFrames)"
o=$(stat ngeth0: ether xmitOctets)
[ "$o" -ge 980 ] && [ "$o" -le $((980 + 2 * 42)) ] &&
    ok "... their octets: 98 a request, 42 an ARP frame ($o)" ||
    fail "... their octets: 98 a request, 42 an ARP frame ($o)"
expect "... ngeth1's ether counts the same frames in" \
    "$(stat ngeth0: ether xmitFrames) $(stat ngeth0: ether xmitOctets)" \
    "$(stat ngeth1: ether recvFrames) $(stat ngeth1: ether recvOctets)"
row=$(ngctl show -s ngeth0: | awk '$1 == "ether" { print $6, $8 }')
about "... show -s: in frames" 10 "${row% *}"
about "... show -s: out frames" 10 "${row#* }"
ngctl msg ngeth0: clrhookstats '{ }'
expect "clrhookstats clears them" 0 "$(stat ngeth0: ether xmitFrames)"
# An edit under a flow takes effect before its reply: once rmhook
# returns, not one frame crosses.
ip netns exec fa ping -f -w 3 198.18.7.2 >/dev/null 2>&1 &
flood=$!
sleep 0.5
ngctl rmhook ngeth0: ether
before=$(rx fb ngeth1)
sleep 0.5
after=$(rx fb ngeth1)
expect "rmhook under a flood: nothing crosses once it has returned" 0 $((after - before))
wait $flood
# The rmhook took ngeth0's carrier down (as FreeBSD's eiface), which
# flushed fa's neighbours; the flood's later pings left an unresolved
# entry for 198.18.7.2 that the kernel asks for again only once a
# second (retrans_time), and drops what it queued when it gives up: up
# to a second of lost pings after the next edit, whatever that edit
# does.  A fresh start for the next case:
ip -n fa neigh flush dev ngeth0
# Bridged: a bridge of eifaces switches in the kernel (fastpath_bridge.sh);
# getstats counts what crosses it.  The path is there once the connect
# returns: the first ping is answered, once the kernel has turned the
# jail's queue on (queue_on: linkwatch, late under load, which ngd does
# not wait for).
ngctl mkpeer ngeth0: bridge ether link0
ngctl name ngeth0:ether fbr
ngctl connect fbr: ngeth1: link1 ether
queue_on fa ngeth0 && queue_on fb ngeth1
expect "bridge: pings answered, the first ones too" 10 "$(pings fa 198.18.7.2 10)"
got=$(ngctl msg fbr: getstats 1 | sed -nE 's/.*recvPackets=([0-9]+).*/\1/p')
[ "${got:-0}" -ge 10 ] && ok "the bridge between two eifaces sees their frames ($got)" ||
	fail "the bridge between two eifaces sees their frames (${got:-none})"
kill -STOP "$NGD_PID"
expect "bridge of eifaces: answers while ngd is stopped (kernel path)" 3 \
    "$(pings fa 198.18.7.2 3)"
kill -CONT "$NGD_PID"
# a tee between the two: a userspace node sees every frame
ngctl shutdown fbr:
ngctl mkpeer ngeth0: tee ether left
ngctl name ngeth0:ether ftee
ngctl connect ftee: ngeth1: right ether
queue_on fa ngeth0 && queue_on fb ngeth1
expect "tee between two eifaces: pings answered" 5 "$(pings fa 198.18.7.2 5)"
# The tee's shutdown joins its two neighbours (no connect callback):
# the kernel path takes over before the shutdown's status comes back.
ngctl shutdown ftee:
expect "tee shut down: its neighbours are joined" "ngeth1" \
    "$(ngctl show ngeth0: | awk '$1 == "ether" { print $2 }')"
kill -STOP "$NGD_PID"
expect "... and forward in the kernel" 5 "$(pings fa 198.18.7.2 5)"
kill -CONT "$NGD_PID"
ngctl rmhook ngeth0: ether
# a hub of eifaces alone repeats in the kernel; with a tee on it, in ngd
ngctl mkpeer ngeth0: hub ether l0
ngctl name ngeth0:ether fhub
then_stop ngctl connect fhub: ngeth1: l1 ether
queue_on fa ngeth0 && queue_on fb ngeth1
expect "hub of two eifaces: pings answered while ngd is stopped" 5 \
    "$(pings fa 198.18.7.2 5)"
kill -CONT "$NGD_PID"
about "kernel hub: l0 counts the requests in" 5 "$(stat fhub: l0 recvFrames)"
about "... l1 counts them out" 5 "$(stat fhub: l1 xmitFrames)"
about "... and the replies in" 5 "$(stat fhub: l1 recvFrames)"
expect "... ngeth1's ether counts what l1 sent" \
    "$(stat fhub: l1 xmitFrames)" "$(stat ngeth1: ether recvFrames)"
ngctl mkpeer fhub: tee l2 left
kill -STOP "$NGD_PID"
expect "hub with a tee on it: no answer while ngd is stopped" 0 \
    "$(pings fa 198.18.7.2 3)"
kill -CONT "$NGD_PID"
expect "... and answers through ngd" 5 "$(pings fa 198.18.7.2 5)"
ngctl shutdown fhub:
# joined straight again: the kernel path comes back
ngctl connect ngeth0: ngeth1: ether ether
queue_on fa ngeth0 && queue_on fb ngeth1
expect "direct edge again: pings answered" 5 "$(pings fa 198.18.7.2 5)"
kill -STOP "$NGD_PID"
expect "... by the kernel" 5 "$(pings fa 198.18.7.2 5)"
kill -CONT "$NGD_PID"
down_jails

# --- SIGKILL: the pairs stay, and the next ngd takes them back --------------
# (the namespaces' deaths took the pairs; ngd made them anew at home;
# fastpath_restart.sh covers the rest: traffic, takeover, pins)
for _ in $(seq 100); do
	[ -e /sys/class/net/ngeth0 ] && [ -e /sys/class/net/ngeth1 ] && break
	sleep 0.02
done
m=$(cat /sys/class/net/ngeth0/address) i=$(cat /sys/class/net/ngeth0/ifindex)
# (the journal has both at home: kind=veth ... port=N ns-ino=...)
for e in ngeth0 ngeth1; do
	journal_has " name=$e mac=$(cat /sys/class/net/$e/address) ifindex=$(cat /sys/class/net/$e/ifindex) gidx=[0-9]+ port=[0-9]+ ns-ino="
done
kill -KILL "$NGD_PID"
wait "$NGD_PID" 2>/dev/null
NGD_PID=
expect "after SIGKILL the interfaces stay (pinned data plane)" "lo ngeth0 ngeth1" \
    "$(ip -o link show | cut -d' ' -f2 | sed 's/[:@].*//' | tr '\n' ' ' | sed 's/ $//')"
NGD_FASTPATH=1 start_ngd
expect "the next ngd takes ngeth0 back: same index, same MAC" "$i $m" \
    "$(cat /sys/class/net/ngeth0/ifindex) $(cat /sys/class/net/ngeth0/address)"
expect "... in its graph again" 1 "$(ngctl list | grep -c 'Name: ngeth0 ')"
stop_ngd
expect "after SIGTERM no interface is left" "lo" \
    "$(ip -o link show | cut -d' ' -f2 | sed 's/[:@].*//' | tr '\n' ' ' | sed 's/ $//')"

finish
