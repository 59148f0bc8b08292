#!/usr/bin/env bash
# What a jail's mount namespace holds: the host's mounts as they are when
# the jail is made, less the namespace files (/run/netns entries of the
# other jails, ngd's data plane), though the supervisor's spawner forks
# the inits from a template copy it keeps while jails keep coming
# (jail_ns.c, "template"): a mount the host makes or removes between two
# jails is seen, or not, by the second.
source "$(dirname "$0")/../lib.sh"

tmp=$(mktemp -d)
trap 'jail -q -r "*" 2>/dev/null; umount "$tmp/m" 2>/dev/null; rm -rf "$tmp"' EXIT
mkdir "$tmp/m"

# nsfs NAME: the namespace files the jail's mount table holds
nsfs() { jexec "$1" cat /proc/self/mountinfo | grep -c ' - nsfs ' || true; }

expect_rc "j1 is made (the supervisor and its template start)" 0 \
    jail -c name=j1 vnet persist
mount -t tmpfs -o size=64k tmpfs "$tmp/m"
touch "$tmp/m/here"
expect_rc "j2 is made right after a mount on the host" 0 \
    jail -c name=j2 vnet persist
expect_rc "j2 sees the host's new mount" 0 jexec j2 test -e "$tmp/m/here"
umount "$tmp/m"
expect_rc "j3 is made right after an unmount on the host" 0 \
    jail -c name=j3 vnet persist
expect_rc "j3 does not see the mount that went" 1 \
    jexec j3 test -e "$tmp/m/here"
expect_rc "j2 still sees its copy" 0 jexec j2 test -e "$tmp/m/here"
for j in j1 j2 j3; do
	expect "$j holds no namespace file" 0 "$(nsfs "$j")"
done
expect "the host holds the jails' /run/netns entries" 3 \
    "$(grep -c ' /run/netns/j[123] .* - nsfs ' /proc/self/mountinfo)"
expect_rc "ip netns exec enters j3" 0 ip netns exec j3 true
expect_rc "the jails are removed" 0 jail -q -r '*'
