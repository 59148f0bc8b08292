#!/usr/bin/env bash
# The kernel fast path's programs wait for their first use (README "The
# kernel fast path", Start; src/ngd/fastpath.c, ngd_fast_ready): ngd
# makes its data plane at start and asks the kernel, with a program of
# two instructions attached for a moment, whether tc programs load and
# attach there (the fallback's question); the programs and their maps
# (about 0.2 s of CPU) come with the first eiface, or the first ether
# hook connected (fastpath_ether_pair.sh: no eiface at all).  An ngd
# that takes over a data plane the last one left loads them at start;
# one whose load fails after the probe said yes makes TAPs from then on.
#
#   la ngeth0 --ether:ether-- ngeth1 lb   (the first eifaces: a direct edge)
source "$(dirname "$0")/../lib.sh"
NGD_LOG=$tmp/ngd.log
trap 'ip netns del la 2>/dev/null; ip netns del lb 2>/dev/null; stop_ngd; rm -rf "$tmp"' EXIT

# bpfs KIND: how many BPF programs (prog) or maps (map) ngd holds
bpfs() { grep -l "^$1_type:" /proc/"$NGD_PID"/fdinfo/* 2>/dev/null | wc -l; }
# cpu: the CPU time ngd has used, in ms
cpu() { awk '{ printf "%d", $1 / 1000000 }' /proc/"$NGD_PID"/schedstat; }

NGD_FASTPATH=1 start_ngd
expect "ngd says once that eifaces are veth pairs" 1 \
    "$(grep -c 'data path: eifaces are veth pairs' "$NGD_LOG")"
expect "... and holds no program and no map yet" "0 0" "$(bpfs prog) $(bpfs map)"
ok "... its start took $(cpu) ms of CPU"
ngctl mkpeer hub a b
ngctl mkpeer .:a tee left right
ngctl mkpeer ksocket dummy inet/dgram/udp
expect "a graph with no eiface and no ether hook: still none" "0 0" \
    "$(bpfs prog) $(bpfs map)"
ngctl shutdown .:a
t0=$(cpu)
ngctl mkpeer eiface ether ether && ngctl mkpeer eiface ether ether
expect "the first eifaces: the programs loaded" 4 "$(bpfs prog)"
ok "... which took $(($(cpu) - t0)) ms of CPU"
ip netns add la && ip netns add lb
for n in la lb; do
	ip netns exec $n sysctl -qw net.ipv6.conf.default.disable_ipv6=1
done
ngctl msg ngeth0: vnet '"la"' && ngctl msg ngeth1: vnet '"lb"'
no_probes la ngeth0 && no_probes lb ngeth1
ip -n la addr add 198.18.9.1/24 dev ngeth0 && ip -n la link set ngeth0 up
ip -n lb addr add 198.18.9.2/24 dev ngeth1 && ip -n lb link set ngeth1 up
ngctl connect ngeth0: ngeth1: ether ether
link_up la ngeth0 && link_up lb ngeth1
s0=$(slow)
expect "... their first frames cross: pings answered" 5 "$(pings la 198.18.9.2 5)"
expect "... in the kernel, none through ngd" "$s0" "$(slow)"

# The next ngd after a crash takes the data plane over at start: its
# programs are loaded before it answers, the pings go on.
kill -KILL "$NGD_PID"
wait "$NGD_PID" 2>/dev/null
NGD_FASTPATH=1 start_ngd
expect "after SIGKILL: the next ngd loaded the programs at start" 4 "$(bpfs prog)"
expect "... and the pings are answered" 5 "$(pings la 198.18.9.2 5)"

# An older ngd's maps were preallocated (ng_fast.bpf.c): the next ngd
# takes such a pinned map as it is, and the data plane with it.
kill -KILL "$NGD_PID"
wait "$NGD_PID" 2>/dev/null
pin=$(echo /sys/fs/bpf/netgraph/*/ng_fast_brroom)
rm -f "$pin"
bpftool map create "$pin" type hash key 4 value 8 entries 32768 \
    name ng_fast_brroom || fail "a preallocated ng_fast_brroom"
id=$(bpftool map show pinned "$pin" | sed -n 's/^\([0-9]*\):.*/\1/p')
NGD_FASTPATH=1 start_ngd
expect "a preallocated map pinned: taken over, not made anew" 0 \
    "$(grep -c 'cannot take over' "$NGD_LOG")"
expect "... the same map" "$id" \
    "$(bpftool map show pinned "$pin" | sed -n 's/^\([0-9]*\):.*/\1/p')"
expect "... and the pings are answered" 5 "$(pings la 198.18.9.2 5)"
stop_ngd

# The probe says yes but the load fails (here BPF_MAP_CREATE refused by
# a seccomp filter, tests/bpf/nobpf.c): said once, at the first eiface,
# and eifaces are TAPs from then on.
nobpf=$top/build/tests-root/nobpf
[ -x "$nobpf" ] || fail "no $nobpf (make check builds it)"
: >"$NGD_LOG"
"$nobpf" -c 0 env NGD_FASTPATH=1 "$(command -v ngd)" -d 2>>"$NGD_LOG" &
NGD_PID=$!
for _ in $(seq 100); do ngctl -N list >/dev/null 2>&1 && break; sleep 0.02; done
expect "maps refused: ngd still says eifaces are veth pairs" 1 \
    "$(grep -c 'data path: eifaces are veth pairs' "$NGD_LOG")"
ngctl mkpeer eiface ether ether && ngctl mkpeer eiface ether ether
expect "... the first eiface's load fails: said once, TAPs" "1 tun tun" \
    "$(grep -c "the kernel fast path's programs cannot be loaded (" "$NGD_LOG") $(ethtool -i ngeth0 | sed -n 's/driver: //p') $(ethtool -i ngeth1 | sed -n 's/driver: //p')"
finish
