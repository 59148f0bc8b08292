#!/usr/bin/env bash
# When ngd writes its journal (DESIGN decision 12): after what changed
# what it holds, not after every request.  An eiface's interface brought
# home from a namespace whose name went (no request at all: ngd's watch
# of /run/netns) is written at once, so a crash then does not send the
# next ngd looking for it in a namespace that is gone.
source "$(dirname "$0")/../lib.sh"
trap 'stop_ngd; ip netns del jx 2>/dev/null; rm -rf "$tmp"' EXIT
start_ngd
journal() { grep "^dev " /run/netgraph/*/journal | grep -o "placed=[a-z]*"; }

ngctl mkpeer eiface ether ether
ip netns add jx
ngctl msg ngeth0: vnet '"jx"'
sleep 0.3
expect "vnet: the journal says where ngeth0 went" "placed=jx" "$(journal)"
ip netns del jx
for _ in $(seq 100); do quiet ip link show ngeth0 && break; sleep 0.02; done
expect_rc "its name gone, ngeth0 comes home" 0 quiet ip link show ngeth0
sleep 0.3
expect "... and the journal says so, with no request" "" "$(journal)"

finish
