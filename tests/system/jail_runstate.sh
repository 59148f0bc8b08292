#!/usr/bin/env bash
# What a jail on the host's tree sees of our state under /run (jail.8
# FILES).  The host's jail-nat-redirect records (/run/jail-nat): an id
# planted there would be removed from the host's nat node with another
# jail's forwards; the jail has its own, writable, as its own /run/jail.
# An ngd on another socket keeps its journal in /run/netgraph-NAME:
# empty in a jail without vnet, as /run/netgraph.  Run with the jails
# of jail_ipalias_view.sh's kinds: ip4=inherit and no addresses share
# the host's tree without vnet, v is a vnet jail.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/../jail_cgroups.sh"

# /run itself is the machine's (tests/sandbox makes /run/jail-nat ours)
other=/run/netgraph-jrs$$
cleanup() {
	jails_gone
	umount "$other" 2>/dev/null
	rmdir "$other" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

echo 7 >/run/jail-nat/other
mkdir "$other"
mount -t tmpfs -o mode=700,size=64k tmpfs "$other"
echo journal >"$other/journal"

expect_rc "i: a jail on the host's stack" 0 \
    jail -q -c name=i persist path=/ ip4=inherit
expect_rc "n: a jail without vnet or addresses" 0 \
    jail -q -c name=n persist path=/
expect_rc "v: a vnet jail" 0 jail -q -c name=v vnet persist path=/

for j in i n v; do
	expect "$j: /run/jail-nat is its own" "" "$(jexec $j ls -A /run/jail-nat)"
	expect_rc "$j: the host's records cannot be read" 1 \
	    quiet jexec $j cat /run/jail-nat/other
	expect_rc "$j: a record of its own" 0 \
	    quiet jexec $j sh -c 'echo 9 >>/run/jail-nat/other'
	expect "$j: ... does not reach the host's" "7" \
	    "$(cat /run/jail-nat/other)"
	expect "$j: /run/jail is its own" ".inside" \
	    "$(jexec $j ls -A /run/jail)"
done
for j in i n; do
	expect "$j: another ngd's journal dir is empty" "" \
	    "$(jexec $j ls -A "$other")"
	expect_rc "$j: ... nor written" 1 quiet jexec $j touch "$other/x"
done
expect "v: another ngd's journal dir is the host's (vnet keeps the view)" \
    "journal" "$(jexec v ls -A "$other")"
finish
