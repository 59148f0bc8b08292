# fast_restart.sh, sourced (after lib.sh) by fastpath_restart.sh and
# fastpath_restart_more.sh: the fast path of ngds killed and started
# again, its namespaces fa..ff (each test makes them), cleanup, and the
# helpers that read what is pinned, held and left.
export NGD_LOG=$tmp/ngd.log
export NGD_FASTPATH=1
nss="fa fb fc fd fe ff"
trap 'stop_ngd; kill $(pgrep -x ngd) 2>/dev/null; ip link del em0 2>/dev/null; for n in $nss; do ip netns del $n 2>/dev/null; done; rm -rf "$tmp"' EXIT

bpfdir=/sys/fs/bpf/netgraph
if [ "$(stat -f -c %T /sys/fs/bpf 2>/dev/null)" != bpf_fs ]; then
	fail "no private bpffs at /sys/fs/bpf (tests/sandbox mounts one)"
	finish
fi

# idx NS IF: the interface's index; addr NS IF: its IPv4 address
idx() { ip -n "$1" -o link show dev "$2" | cut -d: -f1; }
addr() { ip -n "$1" -o -4 addr show dev "$2" | awk '{ print $4 }'; }
mac() { ip -n "$1" -o link show dev "$2" | sed -nE 's/.*link\/ether ([0-9a-f:]+) .*/\1/p'; }
# flood NS ADDR FILE: 300 pings, 10 ms apart, in the background
flood() { ip netns exec "$1" ping -c 300 -i 0.01 -W 1 "$2" >"$3" 2>&1 & floods="${floods:-} $!"; }
wait_floods() { wait $floods; floods=; }
received() { sed -nE 's/.* ([0-9]+) received.*/\1/p' "$1"; }
dataplane() { echo /run/netgraph/*/dataplane; }
# The data plane's graph-side ends (ngdpN), by index.
ends() { nsenter --net="$(dataplane)" ip -o link show | awk -F': ' '$2 ~ /^ngdp/ { print $1 }' | sort -n | xargs; }
# The link pins (portN: the end with index N).
pins() { ls "$bpfdir"/*/ 2>/dev/null | sed -n 's/^port//p' | sort -n | xargs; }
# What a stopped fast path may leave: pins, the namespace's mount, pairs.
leftover() {
	ls -d "$bpfdir" 2>/dev/null
	grep -o ' /run/netgraph/[^ ]*' /proc/self/mountinfo
	ls /run/netgraph/*/dataplane 2>/dev/null
	for n in "" $nss; do ip ${n:+-n $n} -o link show type veth; done 2>/dev/null | cut -d' ' -f2
}
# The data plane's slow-path TAPs (ngslowN: a takeover's ngd serves on the
# last one's, an ngd after a crash makes its own) with the frames the
# kernel gave ngd through each so far (NAME=N), and the frames given
# through them since the list $1 was taken (through a TAP made since:
# all its frames).
# The owners of ng_fast_ifs's slots (ng_fast_bpf.h), sorted.
ifs_owners() {
	bpftool -j map dump pinned "$(ls -d "$bpfdir"/*/ng_fast_ifs | head -1)" 2>/dev/null |
		jq -r '.[] | (.formatted.value.ifindex // .value.ifindex) | select(. != 0)' | sort -n | xargs
}
slows() {
	nsenter --net="$(dataplane)" cat /proc/net/dev | sed 's/^ *//' |
	    awk -F'[: ]+' '$1 ~ /^ngslow/ { print $1 "=" $11 }' | xargs
}
slows_since() {
	nsenter --net="$(dataplane)" cat /proc/net/dev | sed 's/^ *//' |
	    awk -F'[: ]+' -v old="$1" 'BEGIN { k = split(old, o, " "); for (i = 1; i <= k; i++) { split(o[i], kv, "="); base[kv[1]] = kv[2] } }
		$1 ~ /^ngslow/ { n += $11 - base[$1] } END { print n + 0 }'
}

