#!/usr/bin/env bash
# An IP-alias jail's confinement is pinned where no other user can reach
# it.  A bpffs mounted without mode= (as tests/sandbox mounts it) has a
# root of mode 1777: an unprivileged user could make /sys/fs/bpf/ngjail
# before jail(8) did and own it, then rename the pinned programs and the
# jails' links away, or put links there that the next jail(8) would take
# for its programs and its map (whose entries say what each jail may
# bind to).  jail(8) refuses such a directory.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/../jail_cgroups.sh"

cleanup() {
	jails_gone
	rm -rf "$tmp"
}
trap cleanup EXIT
bpf=/sys/fs/bpf/ngjail
as_nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }
ip link add h0 type veth peer name h1
ip link set h0 up

as_nobody mkdir -m 0777 $bpf
check "jail(8) refuses a directory nobody made" 1 "" \
    "jail: $bpf is not root's own (owner 65534, mode 0777)" \
    jail -c name=ipj persist path=/ ip4.addr="h0|198.51.100.61/24"
expect "nothing pinned there" "" "$(ls -A $bpf)"
expect_rc "nothing nobody could move" 1 \
    quiet as_nobody sh -c "mv $bpf/p-* $bpf/z"
rm -rf $bpf

expect_rc "in its own directory the jail is made" 0 \
    jail -c name=ipj persist path=/ ip4.addr="h0|198.51.100.61/24"
expect "which is root's, 0700" "700 root" "$(stat -c '%a %U' $bpf)"
expect_rc "nobody cannot move its programs" 1 \
    quiet as_nobody sh -c "mv $bpf/p-* $bpf/z"
expect_rc "nor the directory" 1 quiet as_nobody mv $bpf /sys/fs/bpf/z
expect_rc "the jail is confined: it binds its own address" 0 \
    quiet jexec ipj python3 -c '
import socket; socket.socket().bind(("198.51.100.61", 0))'
expect_rc "and not another" 1 quiet jexec ipj python3 -c '
import socket; socket.socket().bind(("198.51.100.62", 0))'
exit $NG_FAILED
