#!/usr/bin/env bash
# Many vnet jails at once (issue 22): JAIL_SCALE (default 50) jails from
# one jail.conf, each with an eiface on one bridge and an ip4.addr, made
# with `jail -p 4 -c` and removed with `jail -p 4 -r '*'`, then again one
# at a time.  ngd places each eiface (its vnet message, recorded as
# "ng" in the jail's state), the jails reach each other over the bridge,
# and removal leaves no namespace, mount, record, cgroup or process, with
# every interface home.  And `jail -p` honours depend: a jail starts
# after the jails it depends on, is removed before them, and is skipped
# when one of them failed (one at a time too); removing a jail removes
# those that depend on it first; with room for more jails than depend lets
# run, a jail waits until the one it depends on is made in full, its
# exec.poststart done; and -p does make jails side by side (four whose
# exec.start sleeps a second take under 2.5 s with -p 4, 4 s or more
# with -p 1).  bench/jails runs 1,000.
source "$(dirname "$0")/../lib.sh"

n=${JAIL_SCALE:-50}
start_ngd
trap 'jail -q -r "*" 2>/dev/null; rm -rf "$tmp"; stop_ngd' EXIT
addr() { echo "198.18.$(($1 / 250)).$(($1 % 250 + 1))"; }

{
	echo "mkpeer . bridge b link0"
	echo "name b br0"
	echo "msg br0: setpersistent"
	for i in $(seq 0 $((n - 1))); do echo "mkpeer br0: eiface link$((i + 1)) ether"; done
} | ngctl -f -
{
	echo 'vnet; persist;'
	for i in $(seq 0 $((n - 1))); do
		echo "j$i { vnet.interface = ngeth$i; ip4.addr = \"ngeth$i|$(addr "$i")/16\"; }"
	done
} >"$tmp/jail.conf"

cgroups() { find /sys/fs/cgroup -mindepth 1 -type d 2>/dev/null | wc -l; }
snapshot() {
	echo "procs $(pgrep -c -f '^jail ' || true)"
	echo "mounts $(wc -l </proc/self/mountinfo)"
	echo "nsfs $(grep -c ' nsfs ' /proc/self/mountinfo)"
	echo "netns $(ls /run/netns | wc -l) records $(ls /run/jail | wc -l)"
	echo "cgroups $(cgroups)"
	echo "home $(ip -o link | grep -c ': ngeth')"
}
before=$(snapshot)

# settled: the old devices ngd deletes in batches, and with them the
# namespaces, are gone (at most 5 s)
settled() {
	for _ in $(seq 250); do
		[ "$(snapshot)" = "$before" ] && return 0
		sleep 0.02
	done
	return 1
}

round() { # label, jail options...
	local label=$1 t0 ms
	shift
	t0=$(date +%s%N)
	expect_rc "$label: $n jails made" 0 jail -q "$@" -f "$tmp/jail.conf" -c
	ms=$((($(date +%s%N) - t0) / 1000000))
	echo "# $label: $n jails made in $ms ms"
	expect "$label: jls shows $n" "$n" "$(jls -N | tail -n +2 | wc -l)"
	expect "$label: ngd placed each eiface" "$n" \
	    "$(cat /run/jail/j*/state | grep -c '^iface ngeth[0-9]* [0-9]* ng sysid=[1-9][0-9]*$')"
	expect "$label: j7's address is on its eiface" "$(addr 7)/16" \
	    "$(ip -n j7 -o -4 addr show ngeth7 | awk '{ print $4 }')"
	expect_rc "$label: j0 reaches j$((n - 1)) over the bridge" 0 \
	    quiet ip netns exec j0 ping -c 1 -W 2 "$(addr $((n - 1)))"
	expect "$label: no interface left at home" 0 "$(ip -o link | grep -c ': ngeth')"
	t0=$(date +%s%N)
	expect_rc "$label: all removed" 0 jail -q "$@" -f "$tmp/jail.conf" -r '*'
	ms=$((($(date +%s%N) - t0) / 1000000))
	echo "# $label: $n jails removed in $ms ms"
	expect_rc "$label: nothing left (processes, mounts, namespaces, records, cgroups; interfaces home)" 0 settled
	[ "$(snapshot)" = "$before" ] ||
	    diff <(echo "$before") <(snapshot) | sed 's/^/    /'
	expect "$label: the nodes stay in the graph" "$n" \
	    "$(ngctl list | grep -c 'Type: eiface')"
}
round "jail -p 4" -p 4
round "one at a time"

# --- made again at once -------------------------------------------------------
# jail -r returns before ngd has brought the interfaces home (as on
# FreeBSD); a jail made right after, with the interface the last of them
# had, asks ngd when it is not home yet, and gets it.
last=ngeth$((n - 1))
expect_rc "again: made" 0 jail -q -p 4 -f "$tmp/jail.conf" -c
expect_rc "again: removed" 0 jail -q -f "$tmp/jail.conf" -r '*'
expect_rc "again: a jail with $last made at once after" 0 \
    jail -c name=again vnet persist vnet.interface=$last
expect "again: ngd placed it" "iface $last ng" \
    "$(awk '$1 == "iface" { print $1, $2, $4 }' /run/jail/again/state)"
expect_rc "again: removed again" 0 jail -q -r again
expect_rc "again: ngctl answers" 0 quiet ngctl list
expect "again: then every interface is home" "$n" "$(ip -o link | grep -c ': ngeth')"
expect_rc "again: nothing left" 0 settled

# --- -p and depend ----------------------------------------------------------
cat >"$tmp/dep.conf" <<EOF
persist;
exec.poststart = "echo up \$name >> $tmp/order";
exec.poststop = "echo down \$name >> $tmp/order";
a { depend = b; }
b { depend = c; }
c { }
d { }
e { exec.prestart = "false"; }
f { depend = e; }
EOF
: >"$tmp/order"
out "-p 3 with depend" 1 "" "jail: e: false: failed
jail: f: skipped" jail -q -p 3 -f "$tmp/dep.conf" -c
pos() { grep -n -x "$1" "$tmp/order" | cut -d: -f1; }
expect "c up before b, b before a" "yes" \
    "$([ "$(pos 'up c')" -lt "$(pos 'up b')" ] && [ "$(pos 'up b')" -lt "$(pos 'up a')" ] && echo yes)"
expect "a b c d made, e and f not" "a b c d" "$(jls name | sort | xargs)"
expect_rc "-p 0 removes them all" 0 jail -q -p 0 -f "$tmp/dep.conf" -r '*'
expect "a down before b, b before c" "yes" \
    "$([ "$(pos 'down a')" -lt "$(pos 'down b')" ] && [ "$(pos 'down b')" -lt "$(pos 'down c')" ] && echo yes)"
expect "none left" "" "$(jls name)"
out "one at a time (no -p), the same" 1 "" "jail: e: false: failed
jail: f: skipped" jail -q -f "$tmp/dep.conf" -c
expect "... a b c d made, e and f not" "a b c d" "$(jls name | sort | xargs)"
jail -q -f "$tmp/dep.conf" -r '*'

# --- -p overlaps creations, and depend waits for the whole jail ---------------
# Four jails whose exec.start sleeps a second: with -p 4 they are made
# side by side (well under the four seconds one at a time takes), with
# -p 1 one after another.
cat >"$tmp/par.conf" <<EOF3
persist;
exec.start = "sleep 1";
p1 { }
p2 { }
p3 { }
p4 { }
EOF3
ms_of() { # command...: its run time in ms
	local t0=$(date +%s%N)
	"$@" || echo "# $* failed" >&2
	echo $((($(date +%s%N) - t0) / 1000000))
}
ms=$(ms_of jail -q -p 4 -f "$tmp/par.conf" -c)
echo "# four jails sleeping 1 s in exec.start, -p 4: $ms ms"
expect "-p 4: the four made" "p1 p2 p3 p4" "$(jls name | sort | xargs)"
expect "-p 4: made at once (under 2.5 s: $ms ms)" yes "$([ "$ms" -lt 2500 ] && echo yes)"
expect_rc "removed" 0 jail -q -f "$tmp/par.conf" -r '*'
ms=$(ms_of jail -q -p 1 -f "$tmp/par.conf" -c)
echo "# the same, -p 1: $ms ms"
expect "-p 1: one after another (4 s at least: $ms ms)" yes "$([ "$ms" -ge 4000 ] && echo yes)"
expect_rc "removed again" 0 jail -q -f "$tmp/par.conf" -r '*'
# b depends on c, whose exec.poststart ends a second late: b's prestart,
# with room for both at once (-p 2), must still find c's poststart done.
cat >"$tmp/dep3.conf" <<EOF3
persist;
c { exec.poststart = "sleep 1; touch $tmp/c-up"; }
b { depend = c; exec.prestart = "if [ -e $tmp/c-up ]; then echo after; else echo before; fi >> $tmp/order3"; }
EOF3
: >"$tmp/order3"
expect_rc "-p 2: b depending on a slow c, made" 0 jail -q -p 2 -f "$tmp/dep3.conf" -c
expect "b's prestart ran after c's poststart" "after" "$(cat "$tmp/order3")"
expect_rc "b and c removed" 0 jail -q -f "$tmp/dep3.conf" -r '*'

# --- removal together, and depend ----------------------------------------------
# Jails without stop commands are removed together; one that another
# depends on goes only after it: x (batched, no commands) depends on y,
# whose poststop looks whether x is still there.
cat >"$tmp/dep2.conf" <<EOF2
persist; vnet;
x { depend = y; }
w { }
y { exec.poststop = "jls -j x >/dev/null 2>&1 && echo x-alive >> $tmp/order2 || echo x-gone >> $tmp/order2"; }
EOF2
: >"$tmp/order2"
expect_rc "x, w, y made" 0 jail -q -f "$tmp/dep2.conf" -c
expect_rc "removed, x and w together" 0 jail -q -f "$tmp/dep2.conf" -r '*'
expect "y went after x" "x-gone" "$(cat "$tmp/order2")"
expect "none left of them" "" "$(jls name; ls /run/netns)"
# A jail another depends on stays when that one fails to go (a's
# prestop fails): FreeBSD skips it.
cat >"$tmp/dep4.conf" <<EOF4
persist;
a { depend = b; exec.prestop = "false"; }
b { }
EOF4
expect_rc "a (depending on b) and b made" 0 jail -q -f "$tmp/dep4.conf" -c
for p in 1 2; do
	out "-p $p -r: a stays (its prestop fails), so b is skipped" 1 "" \
	    "jail: a: false: failed
jail: b: skipped" jail -q -p $p -f "$tmp/dep4.conf" -r '*'
	expect "... both still there" "a b" "$(jls name | sort | xargs)"
done
expect_rc "... removed without commands (-R)" 0 jail -q -R a b
# Removing a jail that others depend on removes them first, at any
# depth (FreeBSD's dep_check marks them): it left them running without
# it.  One not running is passed over silently.
cat >"$tmp/dep5.conf" <<EOF5
persist;
exec.poststop = "echo down \$name >> $tmp/order5";
a { depend = b; }
b { }
c { depend = a; }
d { }
EOF5
: >"$tmp/order5"
expect_rc "a, b, c (c on a on b) and d made" 0 jail -q -f "$tmp/dep5.conf" -c
out "-r b: c and a go first" 0 "c: removed
a: removed
b: removed" "" jail -f "$tmp/dep5.conf" -r b
expect "... in that order" "down c down a down b" "$(xargs <"$tmp/order5")"
expect "... d stays" "d" "$(jls name | xargs)"
jail -q -f "$tmp/dep5.conf" -c b
out "-p 2 -r b, its dependents not running" 0 "b: removed" "" \
    jail -p 2 -f "$tmp/dep5.conf" -r b
jail -q -R '*'
jail -q -f "$tmp/dep4.conf" -c
out "-r b, a depending on it and failing to go: b is skipped" 1 "" \
    "jail: a: false: failed
jail: b: skipped" jail -q -f "$tmp/dep4.conf" -r b
expect "... both still there" "a b" "$(jls name | sort | xargs)"
jail -q -R '*'

out "-p wants a number" 1 "" "usage: jail [-dhilqv] [-J jid_file] [-u username] [-U username]
            -[cmr] param=value ... [command=command ...]
       jail [-dqv] [-f file] -[cmr] [jail]
       jail [-qv] [-f file] -[rR] ['*' | jail ...]
       jail [-dhilqv] [-J jid_file] [-u username] [-U username]
            [-n jailname] [-s securelevel]
            path hostname ip[,...] command ...
       jail [-f file] -e separator" jail -p x -f "$tmp/dep.conf" -c
finish
