#!/usr/bin/env bash
# timeout: 90
# What keeps the kernel fast path's round trip short (issue 18: ping
# <= 1.5x the Linux bridge's; bench/pinglat measures it at 0.75x back
# to back): a frame crosses one per-CPU backlog a way, where a Linux
# bridge between two veth pairs takes two.  A jail's veth transmit
# queues the frame on the backlog of its graph-side end (netif_rx); the
# program there hands it with bpf_redirect_peer straight into the other
# jail's interface, in the same softirq pass; the bridge receives it on
# its port and transmits it into the other pair, whose receive queues it
# on the backlog again.  Counted here, not timed (the machine's load
# does not move a count): the kernel's net:netif_rx tracepoint in
# ping's context (its send and the softirq that runs the whole round
# trip), per echo, for a fast bridge of two eifaces, a direct edge of
# two, and a Linux bridge of two veth pairs in the same sandbox (which
# shows that the count sees what it should).  A program that took a
# frame out through the target's graph-side end instead (bpf_redirect),
# or through ngd, counts 4 or more.
source "$(dirname "$0")/../lib.sh"
NS="fa fb da db ka kb"
trap 'for n in $NS; do ip netns del $n 2>/dev/null; done; ip link del kbr 2>/dev/null; stop_ngd; rm -rf "$tmp"' EXIT
command -v perf >/dev/null || { fail "perf is needed (scripts/deps installs it)"; finish; }
# the sandbox's sysfs: tracefs anew, for perf's tracepoints
[ -e /sys/kernel/tracing/events ] || mount -t tracefs none /sys/kernel/tracing
start_ngd || finish
for n in $NS; do ip netns add $n; ip -n $n link set lo up; done
fi=0
fast_if() { # NS ADDR: the next eiface, into NS with ADDR/24
	ngctl mkpeer eiface ether ether
	ngctl msg "ngeth$fi:" vnet "\"$1\""
	ip -n "$1" link set "ngeth$fi" up
	ip -n "$1" addr add "$2/24" dev "ngeth$fi"
	fi=$((fi + 1))
}
fast_if fa 198.18.1.1
fast_if fb 198.18.1.2
ngctl mkpeer ngeth0: bridge ether link0
ngctl name ngeth0:ether br0
ngctl connect br0: ngeth1: link1 ether
fast_if da 198.18.2.1
fast_if db 198.18.2.2
ngctl connect ngeth2: ngeth3: ether ether
ip link add kbr type bridge
ip link set kbr up
for n in ka kb; do
	ip link add k$n numtxqueues 1 numrxqueues 1 type veth peer name eth0 \
	    numtxqueues 1 numrxqueues 1 netns $n
	ip link set k$n master kbr up
	ip -n $n link set eth0 up
done
ip -n ka addr add 198.18.3.1/24 dev eth0
ip -n kb addr add 198.18.3.2/24 dev eth0
# each pair answers (a new port forwards once up: polled, bounded), and
# ARP is done before the count
for p in "fa 198.18.1.2" "da 198.18.2.2" "ka 198.18.3.2"; do
	set -- $p
	for _ in $(seq 100); do
		quiet in_ns "$1" ping -c 1 -W 1 "$2" && break
		sleep 0.1
	done
	expect_rc "$1 reaches $2" 0 quiet in_ns "$1" ping -c 3 -i 0.01 -W 2 "$2"
done

n=1000
# per_echo NS ADDR: net:netif_rx events in ping's context per echo, in
# hundredths, over n echoes sent back to back (root's -i 0)
per_echo() {
	local c
	c=$(perf stat -x, -e net:netif_rx -- ip netns exec "$1" \
	    ping -q -n -c "$n" -i 0 -W 2 "$2" 2>&1 >/dev/null |
	    awk -F, '$3 ~ /netif_rx/ { print $1 }')
	echo $(((${c:-0} * 100 + n / 2) / n))
}
s0=$(slow)
fb=$(per_echo fa 198.18.1.2)
fd=$(per_echo da 198.18.2.2)
kb=$(per_echo ka 198.18.3.2)
s1=$(slow)
echo "# backlog enqueues an echo (hundredths): Linux bridge $kb, fast bridge $fb, direct edge $fd"
if between "$kb" 350 450; then
	ok "the Linux bridge's echo crosses 4 backlogs (counted $kb/100): the count sees them"
else
	fail "the Linux bridge's echo counted $kb/100 backlog enqueues (want 4): the count is wrong"
fi
for r in "bridge $fb" "direct-edge $fd"; do
	set -- $r
	if between "$2" 150 250; then
		ok "a fast ${1/-/ }'s echo crosses 2 backlogs, one a way (counted $2/100)"
	else
		fail "a fast ${1/-/ }'s echo crosses $2/100 backlogs (want 2, one a way; the Linux bridge's $kb/100)"
	fi
done
expect "no echo through ngd meanwhile" 0 "$((s1 - s0))"
finish
