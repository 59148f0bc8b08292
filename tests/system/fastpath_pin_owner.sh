#!/usr/bin/env bash
# ngd pins the kernel fast path only where no other user can reach the
# pins (DESIGN 12).  A bpffs mounted without mode= (as tests/sandbox
# mounts it, and as `mount -t bpf bpf /sys/fs/bpf` does) has a root of
# mode 1777: an unprivileged user can make /sys/fs/bpf/netgraph before
# ngd does, own it, and then move ngd's pins away (the next ngd finds
# nothing to adopt) or put links there that ngd would follow.  ngd then
# pins nothing and says so; in a directory of its own, the pins are out
# of the user's reach.
source "$(dirname "$0")/../lib.sh"

trap 'stop_ngd; rm -rf "$tmp"' EXIT
bpf=/sys/fs/bpf/netgraph
as_nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }

[ "$(stat -c %a /sys/fs/bpf)" = 1777 ] && ok "the sandbox's bpffs is 1777" ||
    fail "the sandbox's bpffs is 1777"

# --- the directory is a user's ------------------------------------------------
as_nobody mkdir -m 0777 $bpf
NGD_LOG=$tmp/log start_ngd
ngctl mkpeer eiface ether ether || fail "mkpeer"
ngctl mkpeer eiface ether ether || fail "mkpeer"
ngctl connect ngeth0: ngeth1: ether ether && ok "the graph is made" || fail "the graph is made"
cookie=$(ls /run/netgraph | grep -E '^[0-9]+$' | head -1)
expect "ngd pinned nothing in nobody's directory" "" \
    "$(ls -A $bpf 2>&1 | grep -v "^$cookie$"; ls -A $bpf/$cookie 2>/dev/null)"
grep -q "$bpf is not ngd's own (owner 65534, mode 0777): nothing pinned" \
    "$tmp/log" && ok "and says why" || fail "and says why"
expect_rc "nor anything nobody could take away" 1 \
    quiet as_nobody mv "$bpf/$cookie" "$bpf/stolen"
stop_ngd
rm -rf "$bpf"

# --- ngd's own ----------------------------------------------------------------
NGD_LOG=$tmp/log2 start_ngd
ngctl mkpeer eiface ether ether || fail "mkpeer"
expect "ngd's directory" "700 root" "$(stat -c '%a %U' $bpf)"
expect_rc "its maps are pinned" 0 test -e "$bpf/$cookie/ng_fast_ports"
expect_rc "nobody cannot move them" 1 quiet as_nobody mv "$bpf/$cookie" /sys/fs/bpf/x
expect_rc "nor the directory" 1 quiet as_nobody mv "$bpf" /sys/fs/bpf/x
expect "no warning" "" "$(grep "not ngd's own" "$tmp/log2")"
finish
