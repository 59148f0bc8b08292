#!/usr/bin/env bash
# How the inits are started (jail_ns.c, jail_spawn_vm): the supervisor's
# spawner starts each one in its own address space (CLONE_VM, no page
# tables copied a jail), on a stack mapped for it that goes with it.
# Jails made at once (-p) each get an init of their own: PID 1 of its own
# PID namespace, with its own mount, network and UTS namespaces and its
# own mounts (a mount.fstab read with its comments); an init that fails
# says why, and the next jail is made.
source "$(dirname "$0")/../lib.sh"
trap 'jail -q -r "*" 2>/dev/null; rm -rf "$tmp"' EXIT

# same_vm PID PID: exit 0 when both share one address space (kcmp KCMP_VM)
same_vm() {
	python3 -c '
import ctypes, os, sys
nr = {"x86_64": 312, "aarch64": 272}[os.uname().machine]
libc = ctypes.CDLL(None, use_errno=True)
sys.exit(0 if libc.syscall(nr, int(sys.argv[1]), int(sys.argv[2]), 1, 0, 0) == 0 else 1)
' "$1" "$2"
}
init_of() { awk '$1 == "init" { print $2 }' "/run/jail/$1/state"; }
# the spawner's init stacks: mappings of 256 KB less the guard page
stacks() {
	local range perms _ k=0
	while read -r range perms _; do
		[ "$perms" = rw-p ] &&
		    [ $((16#${range#*-} - 16#${range%-*})) -eq $((252 * 1024)) ] &&
		    k=$((k + 1))
	done <"/proc/$1/maps"
	echo "$k"
}

n=8
{
	echo 'vnet; persist; host.hostname = "h-${name}";'
	for i in $(seq 1 $n); do echo "s$i { }"; done
} >"$tmp/jail.conf"
expect_rc "$n jails made with -p 4" 0 jail -q -p 4 -f "$tmp/jail.conf" -c
spawner=$(pgrep -x 'jail spawner')
expect "one spawner" 1 "$(echo "$spawner" | wc -w)"
inits=() mnt=() net=() shared=0 own=0 names=0 pid1=0 procs=0 masked=0
# the mounts at /proc and /sys: a jail's has as many (its own proc and
# sysfs in place of the topmost, made in a template without them:
# jail_tmpl_bare), and its topmost /proc is its own
kfs() { awk '$5 == "/proc" || $5 == "/sys" { n++ } END { print n + 0 }' "$@"; }
hostkfs=$(kfs /proc/self/mountinfo) kfsok=0
for i in $(seq 1 $n); do
	p=$(init_of "s$i")
	inits+=("$p")
	mnt+=("$(readlink "/proc/$p/ns/mnt")")
	net+=("$(readlink "/proc/$p/ns/net")")
	same_vm "$spawner" "$p" && shared=$((shared + 1))
	[ "$(jexec "s$i" hostname)" = "h-s$i" ] && names=$((names + 1))
	# init is PID 1 there, and the jail's proc shows the jail alone (init
	# and the shell)
	[ "$(jexec "s$i" cat /proc/1/comm)" = "jail s$i" ] && pid1=$((pid1 + 1))
	[ "$(jexec "s$i" sh -c 'echo /proc/[0-9]*' | wc -w)" = 2 ] &&
	    procs=$((procs + 1))
	[ "$(jexec "s$i" grep -c ' /proc/keys ' /proc/self/mountinfo)" = 1 ] &&
	    masked=$((masked + 1))
	[ "$(jexec "s$i" cat /proc/self/mountinfo | kfs)" = "$hostkfs" ] &&
	    jexec "s$i" awk '$5 == "/proc" { o = $6 } END { exit o !~ /nosuid,nodev,noexec/ }' \
		/proc/self/mountinfo && kfsok=$((kfsok + 1))
done
expect "$n inits, each a process of its own" "$n" \
    "$(printf '%s\n' "${inits[@]}" | sort -u | wc -l)"
expect "each in its own mount namespace" "$n" \
    "$(printf '%s\n' "${mnt[@]}" "$(readlink /proc/self/ns/mnt)" |
	sort -u | grep -c . | awk '{ print $1 - 1 }')"
expect "and its own network namespace" "$n" \
    "$(printf '%s\n' "${net[@]}" "$(readlink /proc/self/ns/net)" |
	sort -u | grep -c . | awk '{ print $1 - 1 }')"
expect "each with its own hostname" "$n" "$names"
expect "each PID 1 of its own PID namespace" "$n" "$pid1"
expect "each jail's proc shows its own processes" "$n" "$procs"
expect "each jail's /proc/keys masked" "$n" "$masked"
expect "each jail's /proc and /sys its own, as many as the host's" "$n" "$kfsok"
expect "the inits share the spawner's address space (no fork)" "$n" "$shared"
expect "each on a stack of its own" "$n" "$(stacks "$spawner")"
expect_rc "the supervisor's is its own" 1 \
    same_vm "$spawner" "$(pgrep -x 'jail super')"

# A jail whose mount fails: init says why, leaves nothing, and the
# spawner makes the next one.
out "a mount that fails" 1 "" \
    "jail: mount: /nonexistent/x: No such file or directory" \
    jail -c name=bad vnet persist 'mount=tmpfs /nonexistent/x tmpfs rw'
expect_rc "bad is absent" 1 test -e /run/jail/bad
expect_rc "half the jails removed" 0 jail -q -r s1 s2 s3 s4
expect_rc "one more made" 0 jail -q -c name=s9 vnet persist
expect "the same spawner" "$spawner" "$(pgrep -x 'jail spawner')"
expect "the stacks of the inits that went are unmapped" 5 "$(stacks "$spawner")"
# mount.fstab, read without stdio (jail_slurp): comments, a blank line
mkdir "$tmp/m"
printf '# a comment\n\ntmpfs %s tmpfs rw,size=64k 0 0 # and one\n' "$tmp/m" \
    >"$tmp/fstab"
expect_rc "a jail with a mount.fstab" 0 \
    jail -q -c name=f1 vnet persist mount.fstab="$tmp/fstab"
expect_rc "its tmpfs is mounted there" 0 jexec f1 mountpoint -q "$tmp/m"
expect_rc "and not on the host" 32 mountpoint -q "$tmp/m"
expect_rc "a non-persistent jail ends with its command" 0 \
    jail -q -c name=c1 vnet 'command=/bin/true'
expect_rc "c1 is gone" 1 test -e /run/jail/c1
expect_rc "the rest removed" 0 jail -q -r '*'
for _ in $(seq 100); do pgrep -x 'jail spawner' >/dev/null || break; sleep 0.05; done
expect_rc "the spawner went with the last jail" 1 pgrep -x 'jail spawner'
finish
