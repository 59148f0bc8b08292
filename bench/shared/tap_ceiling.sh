#!/usr/bin/env bash
# Anchor: two namespaces joined by TAP devices and a minimal userspace
# forwarder (tapfwd.c, built into a temporary folder).
# MODE="" forwards plain frames; MODE=-v enables IFF_VNET_HDR with TSO and
# checksum offload, so the kernel hands over 64 KiB GSO frames.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
P=${P:-tc}; MODE=${MODE:-}
tmp=$(mktemp -d); BIN=$tmp/tapfwd
gcc -O2 -pthread -o "$BIN" "$here/tapfwd.c"
cleanup() { [ -n "${FWD:-}" ] && kill $FWD 2>/dev/null; ip netns del ${P}a 2>/dev/null || true; ip netns del ${P}b 2>/dev/null || true; rm -rf "$tmp"; }
trap cleanup EXIT
ip netns del ${P}a 2>/dev/null || true; ip netns del ${P}b 2>/dev/null || true
ip netns add ${P}a; ip netns add ${P}b
"$BIN" $MODE ${P}ta ${P}tb > "$tmp/fwd.out" & FWD=$!
sleep 0.5
for n in a b; do
  ip link set ${P}t$n netns ${P}$n
  ip -n ${P}$n link set lo up; ip -n ${P}$n link set ${P}t$n up
done
ip -n ${P}a addr add 198.19.98.1/24 dev ${P}ta
ip -n ${P}b addr add 198.19.98.2/24 dev ${P}tb
sleep 1
ip netns exec ${P}a ping -c 3 -W 1 198.19.98.2 >/dev/null
. "$here/measure.sh"
measure ${P}a ${P}b 198.19.98.2 "tap-userspace${MODE}"
