#!/usr/bin/env bash
# System test: a pipe node set to 10 Mbit/s and 50 ms delay between two
# namespaces (spec §9.13): ping shows about 100 ms round trips, iperf3
# about 10 Mbit/s.
#
#   ns a: pipea --ether-- upper [P pipe] lower --ether-- pipeb :ns b
# serial: round trips (100-115 ms) and rates (9-11 Mbit/s) through a pipe
source "$(dirname "$0")/../lib.sh"
start_ngd || finish
trap 'ip netns del a 2>/dev/null; ip netns del b 2>/dev/null; rm -rf "$tmp"; stop_ngd' EXIT

# within NAME VALUE LOW HIGH: LOW <= VALUE <= HIGH (decimals allowed)
within() {
	if awk -v v="$2" -v lo="$3" -v hi="$4" 'BEGIN { exit !(v != "" && v >= lo && v <= hi) }'; then
		ok "$1 ($2)"
	else
		fail "$1 ($2, want $3..$4)"
	fi
}

ngctl mkpeer eiface ether ether
ngctl mkpeer eiface ether ether
ngctl -f - <<'END'
name ngeth0: pipea
name ngeth1: pipeb
mkpeer pipea: pipe ether upper
name pipea:ether P
connect P: pipeb: lower ether
END
expect_rc "setcfg 10 Mbit/s, 50 ms" 0 \
    ngctl msg P: setcfg '{ bandwidth=10000000 delay=50000 }'

for n in a b; do
	ip netns add $n
	ip link set pipe$n netns $n
	ip netns exec $n sysctl -qw net.ipv6.conf.pipe$n.disable_ipv6=1
	ip -n $n link set pipe$n up
done
ip -n a addr add 198.18.23.1/24 dev pipea
ip -n b addr add 198.18.23.2/24 dev pipeb

in_ns a ping -c 1 -W 2 -q 198.18.23.2 >/dev/null # ARP first
# The pipe holds each frame 50 ms each way, never less (its timer is
# rounded up to the next ms); whatever the machine adds (ngd, ping and
# the kernel waiting for a CPU) comes on top, in every round trip: under
# stress-ng --cpu 6 at a load of 14, 20 pings averaged 120-129 ms.  So
# the fastest of 20 round trips, the one least delayed by the machine,
# is the pipe's: at least 100 ms, and near it (the same runs: 102-105).
rtt=$(in_ns a ping -c 20 -i 0.1 -W 2 -q 198.18.23.2 | sed -nE 's|.* = ([0-9.]+)/.*|\1|p')
within "ping RTT about 100 ms (the fastest of 20)" "$rtt" 100 115

in_ns b timeout 15 iperf3 -s -1 -p 5201 >/dev/null 2>&1 &
srv=$!
sleep 0.3
bps=$(in_ns a timeout 15 iperf3 -c 198.18.23.2 -p 5201 -t 3 -O 1 -J 2>/dev/null |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["end"]["sum_received"]["bits_per_second"])' 2>/dev/null)
wait $srv 2>/dev/null
within "iperf3 about 10 Mbit/s" "$(awk -v b="${bps:-0}" 'BEGIN { printf "%.2f", b / 1e6 }')" 9 11

st=$(ngctl msg P: getstats | sed -n 's/^Args:\t//p')
fwd=$(sed -nE 's/.*downstream=\{ FwdOctets=([0-9]+).*/\1/p' <<<"$st")
within "getstats: megabytes forwarded downstream" "$(awk -v b="${fwd:-0}" 'BEGIN { printf "%.1f", b / 1e6 }')" 3 5

# The software fallback: with a bit error rate set (one in 10^12 bits,
# so nothing is lost) the pipe cuts every 64 KiB super-frame into the
# frames it stands for and finishes their checksums itself; a file sent
# over TCP must arrive byte for byte, in far more frames than came in.
expect_rc "setcfg unlimited, BER 1e-12" 0 ngctl msg P: setcfg \
    '{ bandwidth=-1 delay=-1 upstream={ BER=1000000000000 } downstream={ BER=1000000000000 } }'
expect_rc "clrstats" 0 ngctl msg P: clrstats
txpkts() { in_ns a cat /sys/class/net/pipea/statistics/tx_packets; }
tx0=$(txpkts)
head -c 4000000 /dev/urandom >"$tmp/send"
in_ns b timeout 20 nc -l -p 5002 >"$tmp/recv" &
nc_pid=$!
sleep 0.3
in_ns a timeout 20 nc -q 1 198.18.23.2 5002 <"$tmp/send"
wait $nc_pid
tx=$(( $(txpkts) - tx0 ))
expect "4 MB over TCP, segmented in software, arrive intact" \
    "$(md5sum <"$tmp/send")" "$(md5sum <"$tmp/recv")"
st=$(ngctl msg P: getstats | sed -n 's/^Args:\t//p')
fwd=$(sed -nE 's/.*downstream=\{ FwdOctets=([0-9]+) FwdFrames=([0-9]+).*/\2/p' <<<"$st")
oct=$(sed -nE 's/.*downstream=\{ FwdOctets=([0-9]+).*/\1/p' <<<"$st")
# What the kernel sent as a few super-frames left the pipe as ordinary
# frames of at most 1514 bytes, several for each.
if [ "${fwd:-0}" -gt $((4 * tx)) ] && [ $(( ${oct:-0} / ${fwd:-1} )) -le 1514 ]; then
	ok "$tx frames in became $fwd ordinary frames out ($oct bytes)"
else
	fail "frames forwarded: $st"
fi
finish
