#!/usr/bin/env bash
# How jails end, and that nothing they had outlives them: a jail without
# persist ends with its last process and sends its interface home by
# itself; a failing create undoes itself; stop.timeout; a jail whose
# supervisor was killed is cleaned up by the next jail(8); a jail whose
# namespace name was deleted by hand (`ip netns del`) lives on and still
# ends cleanly; and 100 create/remove cycles (JAIL_CYCLES; make soak runs
# 1000) leave no namespace, mount, cgroup, process or interface, and ngd's file
# descriptors and memory flat.
source "$(dirname "$0")/../lib.sh"

# quiet command...: its status only
quiet() { "$@" >/dev/null 2>&1; }
start_ngd
tmp=$(mktemp -d)
trap 'jail -q -r "*" 2>/dev/null; rm -rf "$tmp"; stop_ngd' EXIT

for n in ng_a ng_b; do
	ngctl mkpeer eiface ether ether
	ngctl name "$(ngctl list | awk '$2 ~ /^ngeth/ { print $2 }'):" "$n"
done
ngctl mkpeer ng_a: hub ether up
ngctl name ng_a:ether hub0
ngctl connect hub0: ng_b: down ether

# The host's state, to compare with at the end.
snapshot() {
	# Processes by name, leaving out the shell and tools this very
	# snapshot runs (a count would see them come and go).
	echo "procs $(for p in /proc/[0-9]*; do cat "$p/comm" 2>/dev/null; done |
	    grep -vxE 'bash|cat|grep|sort|tr|ls|wc|readlink|sleep|timeout' |
	    sort | tr '\n' ' ')"
	# (less /run/netns's bind onto itself, which the first ip netns add
	# or jail -c vnet makes where /run/netns is no mount yet)
	echo "mounts $(grep -cv ' /run/netns ' /proc/self/mountinfo)"
	echo "netns $(for p in /proc/[0-9]*; do readlink "$p/ns/net"; done 2>/dev/null | sort -u | wc -l)"
	echo "links $(ip -o link | awk '{ print $2 }' | sed 's/@if[0-9]*:/:/' | sort | tr '\n' ' ')"
	echo "run $(ls /run/jail /run/netns | tr '\n' ' ')"
	echo "cgroups $(find /sys/fs/cgroup -mindepth 1 -type d 2>/dev/null | wc -l)"
}
before=$(snapshot)

# wait_gone NAME: until jls no longer shows the jail, dying ones too
# (at most 5 s): jls -c fails as soon as its last process has gone, but
# its supervisor brings its interfaces home after that (a loaded machine
# saw ng_a not yet home); jls -cd fails once it has
wait_gone() {
	for _ in $(seq 250); do
		jls -cd -j "$1" || return 0
		sleep 0.02
	done
	return 1
}

# --- natural death --------------------------------------------------------
expect_rc "a jail that lives while its command runs" 0 \
    jail -c name=np vnet vnet.interface=ng_a 'exec.start=sleep 1 &'
expect_rc "np is up" 0 jls -c -j np
expect_rc "ng_a is inside" 0 quiet jexec np ip link show ng_a
expect_rc "np ends with its last process" 0 wait_gone np
expect_rc "ng_a came home by itself" 0 quiet ip link show ng_a
expect "ng_a's node stays in the graph" "ng_a" "$(ngctl list | awk '$2 == "ng_a" { print $2 }')"
expect "np left no netns" "" "$(ls /run/netns)"

# (without the @ifN ip shows for a veth, NGD_FASTPATH=1)
out=$(jail -c name=cmd vnet vnet.interface=ng_a \
    command=/bin/sh -c 'ip -o link show ng_a | cut -d" " -f2 | sed s/@if[0-9]*//; hostname')
expect "command runs inside, the jail ends after it" "ng_a:" "$out"
expect_rc "cmd is gone" 0 wait_gone cmd
expect_rc "ng_a is home after command" 0 quiet ip link show ng_a

# A jexec'd process keeps a non-persistent jail alive: exec.start's
# process waits on a fifo until the jexec'd one, inside, writes to it
# (a sleep of 0.5 s was over before a slow jexec got in).
mkfifo "$tmp/release"
jail -c name=hold vnet vnet.interface=ng_a "exec.start=cat $tmp/release >/dev/null &"
jexec hold sh -c "echo >$tmp/release; : >$tmp/in; sleep 2" &
jexec_pid=$!
for _ in $(seq 1000); do [ -e "$tmp/in" ] && break; sleep 0.02; done
expect_rc "jexec keeps it alive" 0 jls -c -j hold
wait "$jexec_pid"
expect_rc "then it ends" 0 wait_gone hold
expect_rc "ng_a is home after hold" 0 quiet ip link show ng_a

# Dying (jls -d): its last process gone, its supervisor yet to bring
# ng_a home, held back here by jail(8)'s lock (as a loaded machine's
# scheduler held it back for a moment).
jail -c name=dy vnet vnet.interface=ng_a 'exec.start=sleep 0.3 &'
exec 8>/run/jail/.lock
flock 8
for _ in $(seq 250); do jls -c -j dy || break; sleep 0.02; done
expect_rc "dy's last process gone: jls -c finds it no more" 1 jls -c -j dy
expect_rc "... jls -cd does: it is dying" 0 jls -cd -j dy
expect_rc "... and jls -ca (-a: FreeBSD's old name for -d)" 0 jls -ca -j dy
expect "... jls -dv says so" "dy DYING" "$(jls -dv -j dy | awk 'NR == 6 { print $1, $2 }')"
expect_rc "... ng_a is not home yet" 1 quiet ip link show ng_a
exec 8>&-
expect_rc "dy ends once its supervisor has the lock" 0 wait_gone dy
expect_rc "ng_a is home after dy" 0 quiet ip link show ng_a

# persist can be turned off at run time: the empty jail then ends.
jail -c name=p2 vnet persist vnet.interface=ng_a
expect_rc "jail -m nopersist" 0 jail -m name=p2 nopersist
expect_rc "an empty jail without persist ends" 0 wait_gone p2
expect_rc "ng_a is home after p2" 0 quiet ip link show ng_a

# --- failures undo themselves ------------------------------------------------
expect "failing exec.start" "jail: /bin/false: failed" \
    "$(jail -c name=f vnet persist vnet.interface=ng_a exec.start=/bin/false 2>&1)"
expect_rc "f is absent" 1 jls -c -j f
expect_rc "ng_a came back from f" 0 quiet ip link show ng_a
expect "a missing vnet.interface (cases 43, 52)" \
    "jail: vnet.interface nosuch0: No such device
jail: ip link set nosuch0 netns v4: failed" \
    "$(jail -c name=v4 vnet persist vnet.interface=ng_a,nosuch0 2>&1)"
expect_rc "v4 is absent" 1 jls -c -j v4
out52=$(jail -c name=v3 vnet persist vnet.interface=nosuch0 2>&1)
expect_rc "case 52: jail(8)'s form '<command>: failed'" 0 \
    grep -qx 'jail: ip link set nosuch0 netns v3: failed' <<<"$out52"
expect_rc "case 52: the cause is kept" 0 \
    grep -qx 'jail: vnet.interface nosuch0: No such device' <<<"$out52"
expect_rc "v3 is absent" 1 jls -c -j v3
expect_rc "ng_a came back from v4" 0 quiet ip link show ng_a
expect "and no netns stays" "" "$(ls /run/netns)"
cat >"$tmp/c" <<'EOF'
j { vnet; persist; vnet.interface = ng_b; exec.start = "false"; }
EOF
expect "config jail rollback is announced" "j: created
j: removed" "$(jail -f "$tmp/c" -c j 2>/dev/null)"
expect_rc "ng_b came back from j" 0 quiet ip link show ng_b

# --- stop.timeout (case 45) ---------------------------------------------------
cat >"$tmp/c" <<'EOF'
t9 { persist; stop.timeout = 1;
     exec.start = "/bin/sh -c 'trap \"\" TERM; while :; do sleep 0.1; done' &"; }
EOF
jail -f "$tmp/c" -c t9 >/dev/null
# (the shell that ran exec.start leaves once it has put its command in
# the background, which a loaded machine may not have let it do yet)
for _ in $(seq 100); do [ "$(jexec t9 pgrep -c -x sh)" = 1 ] && break; sleep 0.1; done
expect "one stubborn process inside" 1 "$(jexec t9 pgrep -c -x sh)"
start=$(date +%s%N)
jail -f "$tmp/c" -r t9 >/dev/null
ms=$((($(date +%s%N) - start) / 1000000))
if [ "$ms" -ge 900 ] && [ "$ms" -lt 4000 ]; then ok "stop.timeout=1 waits about 1 s"; else fail "stop.timeout took $ms ms"; fi
expect_rc "t9 is gone" 1 jls -c -j t9

# --- one supervisor for every jail; killed, the next jail(8) cleans up ------------
# Each jail's init is a child of the one supervisor, which goes with the
# last jail; a new vnet jail's stack sends no IPv6 router solicitations.
jail -c name=orphan vnet persist vnet.interface=ng_b
jail -c name=orphan2 vnet persist
super=$(awk '$1 == "super" { print $2 }' /run/jail/orphan/state)
expect "one supervisor for both jails" "$super" \
    "$(awk '$1 == "super" { print $2 }' /run/jail/orphan2/state)"
expect "and the parent of each init" "$super $super" \
    "$(for j in orphan orphan2; do
	ps -o ppid= -p "$(awk '$1 == "init" { print $2 }' /run/jail/$j/state)" |
	    tr -d ' '
    done | tr '\n' ' ' | sed 's/ $//')"
expect "no router solicitations from a vnet jail" "0 0" \
    "$(jexec orphan2 cat /proc/sys/net/ipv6/conf/default/router_solicitations \
	/proc/sys/net/ipv6/conf/all/router_solicitations | tr '\n' ' ' | sed 's/ $//')"
kill -KILL "$super"
for _ in $(seq 100); do [ -d "/proc/$super" ] || break; sleep 0.02; done
expect_rc "jls no longer shows it" 1 jls -c -j orphan
expect "jail -r says not found" 'jail: "orphan" not found' "$(jail -r orphan 2>&1)"
expect_rc "ng_b came home all the same" 0 quiet ip link show ng_b
expect "nor the other jail" 'jail: "orphan2" not found' "$(jail -r orphan2 2>&1)"
expect "their records are gone" "" "$(ls /run/jail; ls /run/netns)"
jail -c name=again persist
jail -r again
# (it goes once jail -r's connection is read to its end: at most 5 s)
supers() { for p in /proc/[0-9]*; do cat "$p/comm"; done 2>/dev/null | grep -x 'jail super'; }
for _ in $(seq 250); do [ -z "$(supers)" ] && break; sleep 0.02; done
expect "a new supervisor, gone with the last jail" "" "$(supers)"

# --- its namespace deleted by hand ------------------------------------------------
# `ip netns del` removes only the name: the jail's processes keep the
# namespace, so the jail lives on, and removing it still sends its
# interfaces home.  ngd's own interfaces, which jail(8) has ngd place
# (its vnet message), follow the namespace's name as ngd's do: ng_a comes
# home when the name goes; any other interface stays in the jail.
ip link add vnd0 type veth peer name vnd1
jail -c name=nd vnet persist vnet.interface=ng_a,vnd0
expect_rc "ip netns del of a jail's namespace" 0 ip netns del nd
expect_rc "the jail is still listed" 0 jls -c -j nd
expect "jexec still enters it" "vnd0" \
    "$(jexec nd ip -o link show vnd0 | awk -F'[@: ]+' '{ print $2 }')"
for _ in $(seq 100); do quiet ip link show ng_a && break; sleep 0.02; done
expect_rc "ngd's ng_a followed the name home" 0 quiet ip link show ng_a
expect "jail -r still removes it" "" "$(jail -r nd 2>&1)"
expect_rc "vnd0 came home from nd" 0 quiet ip link show vnd0
expect_rc "ng_a is still home" 0 quiet ip link show ng_a
ip link del vnd0
jail -c name=nd2 vnet vnet.interface=ng_a 'exec.start=sleep 0.5 &'
ip netns del nd2
expect_rc "a jail without its name still ends by itself" 0 wait_gone nd2
expect_rc "ng_a came home from nd2" 0 quiet ip link show ng_a
expect "and nothing of them is left" "" "$(ls /run/jail; ls /run/netns)"

# --- jails made at the same time --------------------------------------------------
pids=()
for i in 1 2 3 4 5 6; do jail -c name=par$i persist & pids+=($!); done
wait "${pids[@]}"
expect "six jails made at once, each its own jid" "6 6" \
    "$(jls -n jid | sort -u | wc -l) $(jls -N | grep -c ' par')"
pids=()
for i in 1 2 3; do jail -q -c name=same persist 2>>"$tmp/same" & pids+=($!); done
wait "${pids[@]}"
expect "the same name three times: one jail" 1 "$(jls -N | grep -c ' same ')"
expect "and two clear errors" 2 "$(grep -c 'already exists' "$tmp/same")"
jail -r same par1 par2 par3 par4 par5 par6 >/dev/null

# --- create/remove cycles ------------------------------------------------------------
cycles=${JAIL_CYCLES:-100}
nfds() { ls "/proc/$NGD_PID/fd" | wc -l; }
rss() { awk '/^VmRSS:/ { print $2 }' "/proc/$NGD_PID/status"; }
f0=$(nfds) r0=$(rss)
# Speed is a ratio measured side by side, never a timed test: each jail
# cycle alternates with iproute2 doing the like by hand (a namespace, a
# veth end moved in, a command run there, the namespace deleted), so a
# busy machine slows both alike.
now() { date +%s%N; }
tj=0 ti=0
for i in $(seq "$cycles"); do
	t=$(now)
	jail -c name=cy vnet persist vnet.interface=ng_a,ng_b host.hostname=cy ||
	    { fail "create $i"; break; }
	jexec cy true || { fail "jexec $i"; break; }
	jail -r cy || { fail "remove $i"; break; }
	u=$(now)
	ip netns add ipcy && ip link add ipva type veth peer name ipvb &&
	    ip link set ipvb netns ipcy && ip netns exec ipcy true &&
	    ip link del ipva && ip netns del ipcy ||
	    { fail "iproute2 cycle $i"; break; }
	v=$(now)
	tj=$((tj + u - t)) ti=$((ti + v - u))
done
echo "# $cycles cycles: jail $((tj / cycles / 1000000)) ms, iproute2 $((ti / cycles / 1000000)) ms each"
# jail does more (eifaces moved in and back, hostname, jexec's setns): it
# took 1.1x iproute2's time when measured (load 5); 4x is a regression
if [ "$tj" -lt $((ti * 4)) ]; then
	ok "a vnet jail cycle within 4x iproute2's ($((tj * 10 / ti))/10)"
else
	fail "a vnet jail cycle took $((tj * 10 / ti))/10 of iproute2's"
fi
# (what ngd held for the last jail it lets go of once it has seen the
# namespace go, which a loaded machine may not have shown it yet: 61 ->
# 64 read at once at load 15; a leak stays, so poll up to 5 s)
for _ in $(seq 250); do [ "$(nfds)" -le "$f0" ] && break; sleep 0.02; done
f1=$(nfds) r1=$(rss)
echo "# $cycles jail cycles: ngd file descriptors: $f0 -> $f1"
echo "# $cycles jail cycles: ngd RSS: $r0 -> $r1 KB"
# (a leak leaves more; fewer is what ngd held at the start for a client
# or a retired interface still going: 61 -> 60 under load)
if [ "$f1" -le "$f0" ]; then
	ok "ngd's descriptors flat over the cycles"
else
	fail "ngd's descriptors flat over the cycles"
fi
if [ "${NGD_ASAN:-}" = 1 ]; then
	echo "# ngd's memory not checked: the ASan build's quarantine keeps what it frees"
elif [ $((r1 - r0)) -lt 512 ]; then ok "ngd's memory flat over the cycles (+$((r1 - r0)) KB)"; else fail "ngd grew $((r1 - r0)) KB over $cycles jail cycles"; fi
expect "nothing is left behind" "$before" "$(snapshot)"
finish
