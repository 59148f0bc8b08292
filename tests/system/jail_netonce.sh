#!/usr/bin/env bash
# jail -c of vnet jails with vnet.interface and ip4.addr opens each
# jail's network namespace once, and one route netlink socket inside it
# (a socket belongs to the namespace it was opened in), for every step
# that needs it: the interface moved in (recorded with its index
# inside), its address set and the link up, the check after exec.start.
# Before, each step opened /run/netns/<name> and a socket of its own
# (three namespace descriptors and six setns a jail, of about 130 calls
# a jail in all: issue 22); and ip4.addr's interface, when it is one
# just moved in, is not looked up again.  What the steps did must not change: the
# state file records the interface with its index inside, ngd's mark
# and its identity (jail_ifforge.sh), the address is there and the link up, the jails reach each other
# over the bridge, jail -r brings both interfaces home.
source "$(dirname "$0")/../lib.sh"
trap 'jail -q -f "$tmp/j.conf" -r "*" 2>/dev/null; stop_ngd; rm -rf "$tmp"' EXIT

start_ngd || finish
bridge_two_eifaces
cat >"$tmp/j.conf" <<'EOS'
vnet; persist;
n0 { vnet.interface = ngeth0; ip4.addr = "ngeth0|198.51.100.1/24"; }
n1 { vnet.interface = ngeth1; ip4.addr = "ngeth1|198.51.100.2/24"; }
EOS
command -v strace >/dev/null || fail "strace is needed (scripts/deps installs it)"
# the supervisor jail(8) starts is left at its exec: it stays.  (Under
# make check-asan, without the leak check: LeakSanitizer cannot work
# under ptrace and says so, a report.)
ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 strace -f --detach-on=execve -e trace=setns,openat,sendto -o "$tmp/st" \
    jail -q -p 2 -f "$tmp/j.conf" -c
expect "jail -c (strace): both made" "n0 n1" "$(jls name | sort | xargs)"
for j in n0 n1; do
	expect "$j: /run/netns/$j opened once" 1 \
	    "$(grep -c "openat(AT_FDCWD, \"/run/netns/$j\"" "$tmp/st")"
done
expect "two setns a jail (into it for its socket, and back)" 4 \
    "$(grep -c '^[0-9]* *setns(' "$tmp/st")"
# at home for the move, inside for its index, the check after
# exec.start; ip4.addr's interface is the one moved in: known
# (strace names the type only for a socket of its own namespace)
expect "three link requests a jail" 6 \
    "$(grep -cE 'sendto\(.*nlmsg_type=(RTM_GETLINK|0x12)\b' "$tmp/st")"
for i in 0 1; do
	idx=$(ip netns exec n$i cat /sys/class/net/ngeth$i/ifindex)
	sysid=$(ip netns exec n$i stat -L -c %i /sys/class/net/ngeth$i)
	expect "n$i: its state file records ngeth$i, index inside, ngd's, its sysfs node" \
	    "iface ngeth$i $idx ng sysid=$sysid" "$(grep '^iface ' /run/jail/n$i/state)"
	expect "n$i: the address set, the link up" "ngeth$i UP 198.51.100.$((i + 1))/24" \
	    "$(ip -n n$i -4 -br addr show dev ngeth$i | awk '{ sub(/@.*/, "", $1); print $1, $2, $3 }')"
done
expect_rc "n0 reaches n1 over the bridge" 0 \
    quiet ip netns exec n0 ping -c 1 -W 2 198.51.100.2
expect_rc "jail -r of both" 0 jail -q -f "$tmp/j.conf" -r "*"
ngctl -t 0 info . >/dev/null
expect "both interfaces home" "ngeth0 ngeth1" \
    "$(ip -o link | grep -o 'ngeth[01]' | sort | xargs)"
finish
