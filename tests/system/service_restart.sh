#!/usr/bin/env bash
# timeout: 90
# ngd.service under the real systemd: a container (systemd-nspawn,
# --volatile=yes: a tmpfs root over the host's /usr, its own network)
# boots with systemd as PID 1 into a target with just ngd.service and
# jail.service, from `make install` of this tree (bound on /usr/local).
# The boot file makes a bridge of two eifaces, the fast path on; jail.conf
# puts one in each of two vnet jails.  Then, under pings between the jails:
#  - kill -9 of ngd: systemd restarts it (Restart=on-failure), and the
#    jails keep their interfaces (same index, address) and the pings go on:
#    the data plane outlives the service's mount namespace because ngd
#    handed it to systemd's file-descriptor store (FDSTORE=1) and the next
#    ngd took it back (DESIGN decision 12; before, every pair was gone);
#  - systemctl reload (ngd --takeover, ExecReload=, a mount namespace of
#    its own): the service goes on in the new ngd (MAINPID=; before, the
#    old one's STOPPING=1 ended it), which got the data plane handed over,
#    so a kill -9 after it is survived too;
#  - the sandbox lets the fast path work: it loads (CAP_BPF, CAP_PERFMON,
#    MemoryDenyWriteExecute= with libbpf), pins in bpffs, opens
#    /dev/net/tun (DevicePolicy=) for its slow path;
#  - the jails (jail.service) live on across all of it;
#  - a new ngd that dies after its "ok", before systemd took it for the
#    service's main process, leaves the old one serving (systemd held
#    with SIGSTOP meanwhile);
#  - systemctl stop ngd leaves no data plane, pin or mount.
#
#   jail ja: ng_a --link1-- br0 (bridge) --link2-- ng_b :jail jb
source "$(dirname "$0")/../lib.sh"
for t in systemd-nspawn nsenter; do
	command -v "$t" >/dev/null || { fail "$t missing (scripts/deps installs it)"; exit 1; }
done
if [ "$(stat -f -c %T /sys/fs/bpf 2>/dev/null)" != bpf_fs ]; then
	fail "no private bpffs at /sys/fs/bpf (tests/sandbox mounts one)"
	exit 1
fi
name=ngunit${tmp##*.}    # the container's and its cgroup's name
npid= pid1= made_nspawn=
cleanup() {
	# Killing PID 1 ends the container's PID namespace, and with it
	# every process, namespace and mount in it; nspawn then goes.
	[ -n "$pid1" ] && kill -KILL "$pid1" 2>/dev/null
	[ -n "$npid" ] && wait "$npid" 2>/dev/null
	for h in systemd unified; do
		echo $$ >"/sys/fs/cgroup/$h/cgroup.procs" 2>/dev/null
		for _ in 1 2 3 4 5; do
			[ -d "/sys/fs/cgroup/$h/$name" ] || break
			find "/sys/fs/cgroup/$h/$name" -depth -type d -exec rmdir {} + 2>/dev/null
			[ -d "/sys/fs/cgroup/$h/$name" ] && sleep 0.1
		done
	done
	umount /run/systemd/nspawn 2>/dev/null
	[ -n "$made_nspawn" ] && rmdir /run/systemd/nspawn 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

# --- the tree installed, and the container's configuration --------------
stage=$tmp/stage
quiet make -s -C "$top" install install-service PREFIX=/usr/local DESTDIR="$stage" ||
	{ fail "make install"; exit 1; }
etc=$stage/usr/local/etc units=$stage/usr/local/lib/systemd/system
cat >"$etc/netgraph/ngd.conf" <<'EOF'
mkpeer bridge b link0
name .:b br0
mkpeer br0: eiface link1 ether
mkpeer br0: eiface link2 ether
rmhook . b
name br0:link1 ng_a
name br0:link2 ng_b
EOF
echo 'NGD_FASTPATH=1' >>"$etc/default/ngd"
echo 'JAIL_CONF=/usr/local/etc/jail.conf' >>"$etc/default/jail"
cat >"$etc/jail.conf" <<'EOF'
persist;
ja { vnet; vnet.interface = ng_a; ip4.addr = "ng_a|198.18.7.1/24"; }
jb { vnet; vnet.interface = ng_b; ip4.addr = "ng_b|198.18.7.2/24"; }
EOF
# Only the unit under test and the jails start; ngd's output to a file
# (no journald here).  The unit itself is as installed.
cat >"$units/ngtest.target" <<'EOF'
[Unit]
Description=ngd.service under test
Wants=ngd.service jail.service
EOF
mkdir -p "$units/ngd.service.d"
printf '[Service]\nStandardOutput=append:/run/ngd.log\nStandardError=append:/run/ngd.log\n' \
    >"$units/ngd.service.d/log.conf"

# nspawn puts itself and the container in cgroups below its own: a
# private one of each hierarchy systemd uses, removed at the end.
mount -t tmpfs tmpfs /sys/fs/cgroup
mkdir /sys/fs/cgroup/unified /sys/fs/cgroup/systemd
mount -t cgroup2 none /sys/fs/cgroup/unified
mount -t cgroup -o none,name=systemd none /sys/fs/cgroup/systemd
for h in systemd unified; do
	# A run killed by its timeout could not clean up: its cgroups,
	# empty, are removed (this test never runs twice at once).
	for d in "/sys/fs/cgroup/$h"/ngunit*; do
		[ -d "$d" ] && find "$d" -depth -type d -exec rmdir {} + 2>/dev/null
	done
	mkdir "/sys/fs/cgroup/$h/$name" && echo $$ >"/sys/fs/cgroup/$h/$name/cgroup.procs"
done
[ -d /run/systemd/nspawn ] || { mkdir -p /run/systemd/nspawn && made_nspawn=1; }
mount -t tmpfs tmpfs /run/systemd/nspawn
# bpf(2) and perf_event_open(2) are not in nspawn's own seccomp filter:
# allowed, so that only the unit's sandbox is tested.
systemd-nspawn -D / --volatile=yes --private-network --register=no --keep-unit \
    -M "$name" --capability=all --system-call-filter="bpf perf_event_open" \
    --bind=/sys/fs/bpf --bind-ro="$stage/usr/local:/usr/local" \
    -b systemd.unit=ngtest.target systemd.firstboot=off >"$tmp/boot.log" 2>&1 &
npid=$!
for _ in $(seq 100); do
	pid1=$(pgrep -P "$npid" -x systemd) && break
	sleep 0.05
done
[ -n "$pid1" ] || { fail "the container booted"; cat "$tmp/boot.log"; exit 1; }
[ -n "${NG_DEBUG:-}" ] && echo "# pid1 $pid1"
c() { nsenter -t "$pid1" -m -u -i -n -p -C "$@"; }
state() { c systemctl show -p ActiveState --value "$1" 2>/dev/null; }
for _ in $(seq 200); do
	[ "$(state jail.service)" = active ] && [ "$(state ngd.service)" = active ] && break
	sleep 0.05
done
expect "booted: ngd.service and jail.service active" "active active" \
    "$(state ngd.service) $(state jail.service)"
mainpid() { c systemctl show -p MainPID --value ngd.service; }
restarts() { c systemctl show -p NRestarts --value ngd.service; }
# NS IF: "index address"
jif() { c ip -n "$1" -o -4 addr show dev "$2" 2>/dev/null | awk '{ print $1 $4 }'; }
jpings() { c ip netns exec ja ping -c "$1" -i 0.02 -W 1 198.18.7.2 2>/dev/null | sed -nE 's/.* ([0-9]+) received.*/\1/p'; }
flood() { c ip netns exec ja ping -c 150 -i 0.01 -W 1 198.18.7.2 >"$tmp/flood" 2>&1 & fpid=$!; }
flooded() { sed -nE 's/.* ([0-9]+) received.*/\1/p' "$tmp/flood"; }
# ngd.service's active again with a new main PID than $1
settled() {
	local m
	for _ in $(seq 200); do
		m=$(mainpid)
		[ "$(state ngd.service)" = active ] && [ "$m" != 0 ] && [ "$m" != "$1" ] && return 0
		sleep 0.05
	done
	return 1
}

expect "the jails ping each other" 5 "$(jpings 5)"
grep -q 'eifaces are veth pairs' <(c cat /run/ngd.log) &&
	ok "the fast path runs in the unit's sandbox (BPF, bpffs, MemoryDenyWriteExecute)" ||
	{ fail "the fast path runs in the unit's sandbox"; c cat /run/ngd.log | sed 's/^/    /'; }
expect "... its maps and links pinned in bpffs" yes \
    "$(ls /sys/fs/bpf/netgraph/*/port* >/dev/null 2>&1 && echo yes)"
stored() { c systemctl show -p NFileDescriptorStore --value ngd.service; }
expect "... and the data plane in the service's fd store (FDSTORE=1)" 1 "$(stored)"
before="$(jif ja ng_a) $(jif jb ng_b)"

# --- kill -9, Restart=on-failure ------------------------------------------
old=$(mainpid)
flood
sleep 0.3
c kill -KILL "$old"
settled "$old" && ok "kill -9: systemd restarted ngd" || fail "kill -9: systemd restarted ngd"
expect "... once" 1 "$(restarts)"
wait "$fpid"
got=$(flooded)
echo "# kill -9 + restart: ${got:-0}/150 pings answered"
[ "${got:-0}" -ge 140 ] && ok "... the pings went on (${got:-0}/150)" ||
	{ fail "... the pings went on (${got:-0}/150)"; tail -5 "$tmp/flood" | sed 's/^/    /'; }
expect "... the jails' interfaces are the same (index, address)" "$before" \
    "$(jif ja ng_a) $(jif jb ng_b)"
grep -q 'took over the kernel fast path the last ngd left: 2 pairs' <(c cat /run/ngd.log) &&
	ok "... the new ngd took the data plane back" ||
	{ fail "... the new ngd took the data plane back"; c cat /run/ngd.log | sed 's/^/    /'; }
expect "... which is in the store once" 1 "$(stored)"

# --- systemctl reload: ngd --takeover -------------------------------------
old=$(mainpid)
flood
sleep 0.3
c systemctl reload ngd.service
settled "$old" && ok "reload: the service goes on in the new ngd" ||
	{ fail "reload: the service goes on in the new ngd"; c systemctl status ngd.service | sed 's/^/    /'; }
wait "$fpid"
got=$(flooded)
[ "${got:-0}" -ge 140 ] && ok "... the pings went on (${got:-0}/150)" ||
	fail "... the pings went on (${got:-0}/150)"
expect "... the same interfaces" "$before" "$(jif ja ng_a) $(jif jb ng_b)"
old=$(mainpid)
c kill -KILL "$old"
settled "$old" && ok "kill -9 after the takeover: restarted" ||
	fail "kill -9 after the takeover: restarted"
expect "... the same interfaces" "$before" "$(jif ja ng_a) $(jif jb ng_b)"
expect "... which ping" 5 "$(jpings 5)"
expect "... the store still holds it once" 1 "$(stored)"
expect "the jails lived through it all" "active ja jb" \
    "$(state jail.service) $(c jls -q name | sort | xargs)"

# --- a reload whose new ngd dies before its "ok" --------------------------
# NGD_TEST_TAKEOVER_DIE (ngd(8)) makes the new ngd kill itself where it
# would say "ok" to the old one, which serves on: systemd must not take it
# for gone (before, the new one had said MAINPID= first, and its death
# ended the service, the old ngd and the graph with it).
old=$(mainpid) n=$(restarts)
cp "$etc/default/ngd" "$tmp/default.ngd"
echo 'NGD_TEST_TAKEOVER_DIE=1' >>"$etc/default/ngd"
flood
sleep 0.3
c systemctl reload ngd.service
cp "$tmp/default.ngd" "$etc/default/ngd"
for _ in $(seq 100); do
	grep -q 'takeover failed' <(c cat /run/ngd.log) && break
	sleep 0.05
done
wait "$fpid"
expect "reload, the new ngd dies before its ok: the old one serves on, the service's main process, not restarted" \
    "active $old $n" "$(state ngd.service) $(mainpid) $(restarts)"
got=$(flooded)
[ "${got:-0}" -ge 140 ] && ok "... the pings went on (${got:-0}/150)" ||
	fail "... the pings went on (${got:-0}/150)"
expect "... the same interfaces" "$before" "$(jif ja ng_a) $(jif jb ng_b)"
expect "... which ping" 5 "$(jpings 5)"

# --- a reload whose new ngd dies after its "ok" ---------------------------
# NGD_TEST_TAKEOVER_DIE=after-ok:FILE: the new ngd says "ok" only once
# FILE exists, and dies once it is gone.  The test holds systemd (SIGSTOP)
# from the handover, makes FILE, waits until the old ngd has named the new
# one the main process (MAINPID=, and it waits until systemd has read that:
# BARRIER=1), removes FILE and resumes systemd only once the new one is a
# zombie: dead as systemd sees it (it refuses a MAINPID= that is a zombie
# or gone, whether it reaped it first or not) and as the old ngd sees it
# (pidfd), which then serves on (before, it named the new one and exited
# at once, leaving the service to a dead process: systemd restarted it,
# the graph from the journal after a gap; a systemd that refuses a dead
# MAINPID= sees its main process exit cleanly instead, and ends the
# service).  Not "once its command line is gone": a killed process loses
# it first, and may then close its TAPs (a wait for RCU each) for hundreds
# of milliseconds before it is a zombie; systemd resumed then took it for
# alive, and the service "crashed" with it (2 runs in 3).  Nor "a second
# after the handover", for the "ok": a loaded machine can stop systemd
# later than that.
log=/proc/$pid1/root/run/ngd.log # read from here while systemd is held
gate=/run/ngd-test-ok
handed=$(grep -c 'handing over' "$log") named=$(grep -c 'naming it' "$log")
echo "NGD_TEST_TAKEOVER_DIE=after-ok:$gate" >>"$etc/default/ngd"
flood
c systemctl reload --no-block ngd.service
for _ in $(seq 250); do
	[ "$(grep -c 'handing over' "$log")" -gt "$handed" ] && break
	sleep 0.02
done
kill -STOP "$pid1"
t0=$(date +%s%N) new=
: >"/proc/$pid1/root$gate" # the new ngd says "ok"
for _ in $(seq 500); do
	[ "$(grep -c 'naming it' "$log")" -gt "$named" ] &&
	    new=$(grep 'naming it' "$log" | tail -n 1 | sed -nE 's/.*pid ([0-9]+) has .*/\1/p') &&
	    break
	sleep 0.02
done
rm -f "/proc/$pid1/root$gate" # ... and dies
# A zombie until systemd, held, reaps it; no process started per round.
zombie() {
	local s
	read -r s 2>/dev/null <"/proc/$pid1/root/proc/$1/stat" || return 0
	s=${s##*) }
	[ "${s%% *}" = Z ]
}
for _ in $(seq 500); do [ -n "$new" ] && zombie "$new" && break; sleep 0.02; done
died=$([ -n "$new" ] && zombie "$new" && echo yes)
echo "# systemd held $((($(date +%s%N) - t0) / 1000000)) ms, until the new ngd (${new:-not named}) was a zombie"
kill -CONT "$pid1"
cp "$tmp/default.ngd" "$etc/default/ngd"
expect "... (the old ngd named the new one, which then died, systemd held)" yes "$died"
for _ in $(seq 100); do
	[ "$(grep -c 'takeover failed' "$log")" -ge 2 ] && break
	sleep 0.05
done
wait "$fpid"
got="$(state ngd.service) $(mainpid) $(restarts)"
expect "reload, the new ngd dies after its ok, before systemd reads MAINPID=: the old one serves on, the service's main process, not restarted" \
    "active $old $n" "$got"
[ "$got" = "active $old $n" ] || tail -n 8 "$log" | sed 's/^/    /'
got=$(flooded)
[ "${got:-0}" -ge 140 ] && ok "... the pings went on (${got:-0}/150)" ||
	fail "... the pings went on (${got:-0}/150)"
expect "... the same interfaces" "$before" "$(jif ja ng_a) $(jif jb ng_b)"
expect "... which ping" 5 "$(jpings 5)"

c systemctl reload ngd.service
settled "$old" && ok "... and a reload after it goes on in a new ngd" ||
	fail "... and a reload after it goes on in a new ngd"
expect "... the same interfaces" "$before" "$(jif ja ng_a) $(jif jb ng_b)"

# --- a clean stop leaves nothing ------------------------------------------
c systemctl stop ngd.service
expect "stop: the store is empty" 0 "$(stored)"
expect "stop: no data plane left (mount, pins)" "" \
    "$(c grep -o ' /run/netgraph/[^ ]*' /proc/1/mountinfo; ls /sys/fs/bpf/netgraph 2>/dev/null)"
finish
