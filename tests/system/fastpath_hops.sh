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
# shows that the count sees what it should); and a jail pinging a LAN
# host through em0's ether node and a bridge (jng bridge), 3 an echo,
# against a Linux bridge of em1 and a veth, 4.  A program that took a
# frame out through the target's graph-side end instead (bpf_redirect),
# or through ngd, counts 4 or more.
source "$(dirname "$0")/../lib.sh"
NS="fa fb da db ka kb j l kj kl"
trap 'for n in $NS; do ip netns del $n 2>/dev/null; done; for d in kbr kbl em0 em1; do ip link del $d 2>/dev/null; done; stop_ngd; rm -rf "$tmp"' EXIT
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
# a jail on the LAN: em0 (a veth, lan0 its LAN host in l) and the jail's
# eiface on a bridge (jng bridge: em0's ether node, the fast path's
# uplinks); the Linux bridge's twin: em1 and kj's veth in kbl
ip link add em0 type veth peer name lan0 netns l
ip link set em0 up
for _ in $(seq 250); do quiet ngctl info em0: && break; sleep 0.02; done
jng bridge j em0 >/dev/null
ngctl msg ng0_j: vnet '"j"'
ip -n j link set ng0_j up
ip -n j addr add 198.18.4.10/24 dev ng0_j
ip -n l link set lan0 up
ip -n l addr add 198.18.4.2/24 dev lan0
ip link add kbl type bridge
ip link set kbl up
ip link add em1 type veth peer name lan0 netns kl
ip link set em1 master kbl up
ip link add kj0 numtxqueues 1 numrxqueues 1 type veth peer name eth0 \
    numtxqueues 1 numrxqueues 1 netns kj
ip link set kj0 master kbl up
ip -n kj link set eth0 up
ip -n kj addr add 198.18.5.10/24 dev eth0
ip -n kl link set lan0 up
ip -n kl addr add 198.18.5.2/24 dev lan0
# each pair answers (a new port forwards once up: polled, bounded), and
# ARP is done before the count
for p in "fa 198.18.1.2" "da 198.18.2.2" "ka 198.18.3.2" "j 198.18.4.2" "kj 198.18.5.2"; do
	set -- $p
	for _ in $(seq 100); do
		quiet in_ns "$1" ping -c 1 -W 1 "$2" && break
		sleep 0.1
	done
	expect_rc "$1 reaches $2" 0 quiet in_ns "$1" ping -c 3 -i 0.01 -W 2 "$2"
done

n=1000
# ether_taps (lib.sh): frames em0's ether node gave ngd, its userspace
# path: 0 while the kernel carries every echo
# per_echo NS ADDR: net:netif_rx events in ping's context per echo, in
# hundredths, over n echoes sent back to back (root's -i 0)
per_echo() {
	local c
	c=$(perf stat -x, -e net:netif_rx -- ip netns exec "$1" \
	    ping -q -n -c "$n" -i 0 -W 2 "$2" 2>&1 >/dev/null |
	    awk -F, '$3 ~ /netif_rx/ { print $1 }')
	echo $(((${c:-0} * 100 + n / 2) / n))
}
s0=$(slow) t0=$(ether_taps)
fb=$(per_echo fa 198.18.1.2)
fd=$(per_echo da 198.18.2.2)
kb=$(per_echo ka 198.18.3.2)
lf=$(per_echo j 198.18.4.2)
lk=$(per_echo kj 198.18.5.2)
s1=$(slow) t1=$(ether_taps)
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
echo "# the same, a jail pinging a LAN host: Linux bridge $lk, fast ether + bridge $lf"
# (jail -> LAN: queued at the graph-side end, then the uplink program
# sends it out of em0 (bpf_redirect), queued at the LAN host's veth;
# LAN -> jail: queued at em0, then two redirects into the jail)
if between "$lk" 350 450 && between "$lf" 250 350; then
	ok "a jail's echo to the LAN crosses 3 backlogs through ether + bridge, the Linux bridge's 4 (counted $lf/100, $lk/100)"
else
	fail "a jail's echo to the LAN crosses $lf/100 backlogs through ether + bridge (want 3), $lk/100 through the Linux bridge (want 4)"
fi
expect "no echo through ngd meanwhile (the data plane's TAP, em0's TAPs)" "0 0" "$((s1 - s0)) $((t1 - t0))"
finish
