#!/usr/bin/env bash
# What a jail's mount namespace holds: the host's mounts as they are when
# the jail is made, less the namespace files (/run/netns entries of the
# other jails, ngd's data plane), though the supervisor's spawner forks
# the inits from a template copy it keeps while jails keep coming
# (jail_ns.c, "template"): a mount the host makes or removes between two
# jails is seen, or not, by the second.
source "$(dirname "$0")/../lib.sh"

tmp=$(mktemp -d)
dev=
trap 'jail -q -r "*" 2>/dev/null; umount "$tmp/m" 2>/dev/null
    [ -n "$dev" ] && losetup -d "$dev"; rm -rf "$tmp"' EXIT
mkdir "$tmp/m" "$tmp/root"

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

# The template is a private copy: a file system the host unmounts stays
# mounted in it, its device busy, for as long as it lives.  Jails with
# roots of their own (which keep nothing of the host's tree) are running,
# so the spawner lives on; it leaves the template after a second without
# a jail, and the file system goes.
truncate -s 8M "$tmp/img"
mkfs.ext4 -q "$tmp/img"
dev=$(losetup -f --show "$tmp/img")
expect_rc "r1 (a root of its own) is made" 0 \
    jail -c name=r1 persist path="$tmp/root"
mount "$dev" "$tmp/m"
expect_rc "r2 is made with an ext4 mounted on the host" 0 \
    jail -c name=r2 persist path="$tmp/root"
umount "$tmp/m"
for _ in $(seq 50); do
	[ -e "/proc/fs/ext4/${dev#/dev/}" ] || break
	sleep 0.1
done
expect_rc "the ext4 the host unmounted is gone (no template holds it)" 1 \
    test -e "/proc/fs/ext4/${dev#/dev/}"
expect_rc "r1 and r2 are removed" 0 jail -q -r r1 r2

# A mount.fstab inside the jail's path is the jail's to edit, read as
# the host's root at the next start: said, and mounted all the same (as
# FreeBSD's jail does); one outside the path, or with the host's / as
# path, is not worth a word.
mkdir -p "$tmp/root/etc" "$tmp/root/mnt"
printf 'tmpfs %s tmpfs rw,size=64k 0 0\n' "$tmp/root/mnt" >"$tmp/root/etc/fstab.f1"
cp "$tmp/root/etc/fstab.f1" "$tmp/fstab.f2"
check "a mount.fstab inside the path: said" 0 "" \
    "jail: mount.fstab $tmp/root/etc/../etc/fstab.f1 is inside the jail's path, for jailed root to edit: what it says is mounted with the host's privileges at every start" \
    jail -q -c name=f1 persist path="$tmp/root" mount.fstab="$tmp/root/etc/../etc/fstab.f1"
init=$(awk '$1 == "init" { print $2 }' /run/jail/f1/state)
expect "... and mounted (the jail's /mnt a tmpfs)" 1 \
    "$(grep -c ' /mnt .* - tmpfs ' "/proc/$init/mountinfo")"
check "one outside the path: nothing said" 0 "" "" \
    jail -q -c name=f2 persist path="$tmp/root" mount.fstab="$tmp/fstab.f2"
check "the path the host's /: nothing said" 0 "" "" \
    jail -q -c name=f3 persist path=/ mount.fstab="$tmp/root/etc/fstab.f1"
expect_rc "f1, f2 and f3 are removed" 0 jail -q -r f1 f2 f3
finish
