# Sourced by golden and system tests (which tests/sandbox runs in their own
# namespaces).  Puts the freshly built tools first on PATH and gives the
# ok/FAIL vocabulary tests/run counts.
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export PATH="$top/build:$PATH"
# NGD_ASAN=1 (make check-asan, tests/run): the ASan and UBSan build first
if [ "${NGD_ASAN:-}" = 1 ]; then
	export PATH="$top/${ASAN_B:-build-asan}:$PATH"
fi
# Clients wait for ngd 30 s, not libnetgraph's 5: under the suite's load
# (two tests at once on two CPUs, namespaces and interfaces made and
# deleted all the time) ngd spends seconds at a stretch in the kernel,
# waiting for the RTNL lock and RCU grace periods (tcx_link_attach,
# rtnl_newlink, rcu_barrier: one ngd 14 s running under eight loads, seen
# in its kernel stack), and four clean-clone runs lost a check to "did not
# answer within 5 s".  (The longest holds of the RTNL lock timed, up to
# 9.4 s at load 15, were an ngd deleting its pairs: each device with a tcx
# program costs a grace period under the lock, tcx_uninstall.)  A test of
# the timeout itself sets its own (-t).
export NGD_TIMEOUT=${NGD_TIMEOUT:-30}
export NGCTL_NO_AUTOSTART=1
NG_FAILED=0

ok() { echo "ok $*"; }
fail() { echo "FAIL $*"; NG_FAILED=1; }

# expect NAME WANT GOT: compare two strings, show a diff on mismatch
expect() {
	if [ "$2" == "$3" ]; then
		ok "$1"
	else
		fail "$1"
		diff -u <(printf '%s\n' "$2") <(printf '%s\n' "$3") | sed 's/^/    /'
	fi
}

# expect_rc NAME WANT_RC command...: run it, compare the exit status
expect_rc() {
	local name=$1 want=$2 rc
	shift 2
	"$@"
	rc=$?
	if [ "$rc" -eq "$want" ]; then ok "$name"; else fail "$name (exit $rc, want $want)"; fi
}

# A scratch directory for the test, removed when it exits.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# python3: the system's where a version manager's shim comes first on
# PATH (pyenv's costs half a second of CPU a run, 3-6 s of a loaded
# machine's wall time); the tests' python needs the standard library only.
if [[ "$(command -v python3)" == */shims/* ]] && [ -x /usr/bin/python3 ]; then
	mkdir "$tmp/bin" && ln -s /usr/bin/python3 "$tmp/bin/python3" &&
	    export PATH="$tmp/bin:$PATH"
fi

# check NAME RC STDOUT STDERR command...: compare all three at once
check() {
	local name=$1 want="rc=$2"$'\n'"$3"$'\n'"--"$'\n'"$4" got rc
	shift 4
	got=$("$@" 2>"$tmp/err")
	rc=$?
	got="rc=$rc"$'\n'"$got"$'\n'"--"$'\n'"$(cat "$tmp/err")"
	expect "$name" "$want" "$got"
}

# masked command...: its output with padded IDs (which depend on how many
# ngctl probes start_ngd needed) shown as ########; keeps its exit status
masked() {
	"$@" | sed -E 's/ID: [0-9a-f]{8}/ID: ########/;
	    s/^(  .{15} .{15} .{12} )[0-9a-f]{8}( )/\1########\2/'
	return "${PIPESTATUS[0]}"
}

# out NAME WANT_RC WANT_OUT WANT_ERR command...: exact stdout, stderr, status
out() {
	local name=$1 rc=$2 o=$3 e=$4 got_rc
	shift 4
	"$@" >"$tmp/.o" 2>"$tmp/.e"
	got_rc=$?
	expect "$name: stdout" "$o" "$(cat "$tmp/.o")"
	expect "$name: stderr" "$e" "$(cat "$tmp/.e")"
	if [ "$got_rc" -eq "$rc" ]; then ok "$name: exit $rc"; else fail "$name: exit $got_rc, want $rc"; fi
}

# quiet command...: run it with its output thrown away (for expect_rc)
quiet() { "$@" >/dev/null 2>&1; }

# Start a private ngd in the current network namespace, wait until it
# answers (20 s at most: its start waits for the RTNL lock, which another
# test's interfaces going held for up to 9 s on a loaded machine).
start_ngd() {
	local st
	ngd -d "$@" 2>>"${NGD_LOG:-/dev/null}" &
	NGD_PID=$!
	for _ in $(seq 1000); do
		ngctl -N list >/dev/null 2>&1 && return 0
		# (it gave up: gone, or a zombie of this shell)
		read -r _ _ st _ 2>/dev/null <"/proc/$NGD_PID/stat" && [ "$st" != Z ] || break
		sleep 0.02
	done
	fail "ngd did not start"
	stuck "$NGD_PID"
	return 1
}

# stuck PID: where a process that did not answer in time is, as "# "
# lines under a FAIL: each thread's state, the system call it is in and
# its kernel stack (blocked on a lock such as the RTNL, or runnable and
# not scheduled), and the machine's CPU pressure and load.  A silent ngd
# seen once in a loaded run said no more than "did not answer".
stuck() {
	local t
	for t in /proc/"$1"/task/*; do
		[ -e "$t/stat" ] || continue
		echo "# ${t#/proc/}: state $(awk '{ print $3 }' "$t/stat" 2>/dev/null)," \
		    "syscall $(cut -d' ' -f1 "$t/syscall" 2>/dev/null), wchan $(cat "$t/wchan" 2>/dev/null)"
		sed 's/^/#     /' "$t/stack" 2>/dev/null | head -n 12
	done
	echo "# load $(cut -d' ' -f1-3 /proc/loadavg); cpu pressure: $(head -n 1 /proc/pressure/cpu 2>/dev/null)"
	# (its own stack: gdb stops it once the system call returns)
	command -v gdb >/dev/null || return 0
	timeout 60 gdb -p "$1" -batch -ex "thread apply all bt" 2>/dev/null |
	    grep -E '^(#|Thread)' | sed 's/^/#   /' | head -n 30
}

# stop_ngd: SIGTERM to $NGD_PID, back once it is gone.  wait(1) waits
# only for this shell's children: an ngd that ngctl started (autostart)
# or a test found (ngd_serving) is polled until it is dead (a zombie
# counts), 10 s at most; a next ngd started while it still held the
# control socket left at once ("another ngd already serves", EADDRINUSE:
# journal_crash.sh under load, once in five runs).
stop_ngd() {
	local p=${NGD_PID:-} st
	NGD_PID=
	[ -n "$p" ] && kill "$p" 2>/dev/null || return 0
	wait "$p" 2>/dev/null
	for _ in $(seq 500); do
		read -r _ _ st _ 2>/dev/null <"/proc/$p/stat" || return 0
		[ "$st" = Z ] && return 0
		sleep 0.02
	done
}

# ngeth0 --link0-- br0 --link1-- ngeth1: the graph many tests start from.
bridge_two_eifaces() {
	ngctl mkpeer eiface ether ether &&
	    ngctl mkpeer eiface ether ether &&
	    ngctl -f - <<'EOS'
mkpeer ngeth0: bridge ether link0
name ngeth0:ether br0
connect br0: ngeth1: link1 ether
EOS
}
# tap_two_eifaces: bridge_two_eifaces's graph shut down and made again on
# a new ngd of the TAP model (NGD_FASTPATH=0); the test ends (finish)
# if that ngd does not start
tap_two_eifaces() {
	ngctl -t 0 shutdown br0: && ngctl -t 0 shutdown ngeth0: &&
	    ngctl -t 0 shutdown ngeth1:
	stop_ngd
	NGD_FASTPATH=0 start_ngd || finish
	bridge_two_eifaces
}

# named_bridge BRIDGE NAME...: a bridge BRIDGE with an eiface on link1,
# link2 ... for each NAME, named NAME (the graph the completion and jng
# tests list); no hook of the test's socket left on it.
named_bridge() {
	local br=$1 i=0 n
	shift
	{
		echo "mkpeer bridge b link0"
		echo "name .:b $br"
		for n in "$@"; do
			i=$((i + 1))
			echo "mkpeer $br: eiface link$i ether"
			echo "name $br:link$i $n"
		done
		echo "rmhook . b"
	} | ngctl -f -
}

# pings NS ADDR COUNT: how many of COUNT pings were answered, each
# within a second.  They go out at once (-l, preload), so that ping
# waits up to -W for the replies: once it has sent its last ping, ping
# waits only twice the slowest round trip so far (at least the interval)
# if a reply came by then, and on a loaded machine, with ping or ngd
# slow to be scheduled, a reply that came was counted lost.
pings() {
	ip netns exec "$1" ping -c "$3" -l "$3" -W 1 "$2" 2>/dev/null |
	    sed -nE 's/.* ([0-9]+) received.*/\1/p'
}

# no_probes NS IF: IF's neighbour entries stay reachable for an hour,
# and one that a request made (stale) waits an hour for its probe, for
# tests that count frames or hosts.  With the defaults an ARP probe
# crosses about 5 s after the first ping: on a loaded machine, where
# steps take seconds, it came between two reads of counters that had to
# agree, or kept a host the bridge was to age out.
no_probes() {
	ip netns exec "$1" sysctl -qw \
	    "net.ipv4.neigh.$2.base_reachable_time_ms=3600000" \
	    "net.ipv4.neigh.$2.delay_first_probe_time=3600"
}

# listening FILE: until the tcpdump whose stderr goes to FILE captures
# (it says "listening on"; 5 s at most).  A sleep of 0.5 s was not
# enough on a loaded machine, where ip netns exec and tcpdump's start
# take that long: the frame crossed before the capture began.
listening() {
	for _ in $(seq 250); do
		grep -qs '^listening on' "$1" && return
		sleep 0.02
	done
}

# on_wire NS IF COUNT FILTER CMD...: the link-level lines (tcpdump -e) of
# the first COUNT frames FILTER matches on NS's IF while CMD runs; the
# capture ends with its COUNT, or 5 s after CMD.  (Its 5 s ran from
# tcpdump's start once: on a loaded machine the sender's own start ate
# them, a python3 through pyenv's shim taking 3-6 s, and the frame came
# after the capture had ended.)
on_wire() {
	local ns=$1 ifc=$2 n=$3 filter=$4 p
	shift 4
	ip netns exec "$ns" tcpdump -e -n -l -c "$n" -i "$ifc" "$filter" \
	    >"$tmp/.wire" 2>"$tmp/.wire.err" &
	p=$!
	listening "$tmp/.wire.err"
	"$@" >/dev/null 2>&1
	for _ in $(seq 250); do
		kill -0 "$p" 2>/dev/null || break
		sleep 0.02
	done
	kill "$p" 2>/dev/null
	wait "$p"
	cat "$tmp/.wire"
}

# journal_has ERE [N]: until the journal holds N lines (1 unless given)
# matching ERE (10 s at most, then a FAIL), for a test that kills ngd
# and wants the next one to find the last change.  ngd writes it before
# it sleeps, and at most a fifth of the time (journal.c): on a loaded
# machine a fixed sleep after the change was not always enough.  Every
# journal under /run/netgraph counts: where several ngds run, ERE
# matches only the one meant (a MAC, an index, a namespace).
journal_has() {
	for _ in $(seq 500); do
		[ "$(cat /run/netgraph/*/journal 2>/dev/null |
		    grep -cE -- "$1")" -ge "${2:-1}" ] && return 0
		sleep 0.02
	done
	fail "the journal has no ${2:-1} lines matching $1 (10 s)"
	return 1
}

# hs NODE HOOK FIELD: one of a hook's counters (gethookstats), 0 if none
hs() {
	ngctl msg "$1" gethookstats | grep -oE "\{ hook=\"$2\"[^}]*\}" |
	    sed -nE "s/.* $3=([0-9]+).*/\1/p" | grep . || echo 0
}

# Run command in network namespace NS (made with `ip netns add`).
in_ns() { local ns=$1; shift; ip netns exec "$ns" "$@"; }

finish() { stop_ngd; exit $NG_FAILED; }

# The ngds listening on this namespace's control socket (one but during
# a takeover).
ngd_serving() { ss -xlpn | sed -n 's/.*@netgraph .*pid=\([0-9]*\),.*/\1/p'; }
# served_by [NS]: how many ngds serve NS's control socket (ours without
# NS)
served_by() {
	if [ -n "${1:-}" ]; then ip netns exec "$1" ss -xlpn; else ss -xlpn; fi |
	    grep -c '@netgraph '
}
# jails_trap: at the test's exit every jail removed, ngd stopped and $tmp
# removed
jails_trap() { trap 'jail -q -r "*" >/dev/null 2>&1; stop_ngd; rm -rf "$tmp"' EXIT; }
# A new ngd takes over (ngd --takeover); waits until the old one is gone
# (30 s at most: 1 if it is not; one took 4.7 s at load 15, waiting for
# the RTNL lock), NGD_PID then the new one's.
ngd_takeover() {
	local old new
	old=$(ngd_serving)
	ngd -d --takeover 2>>"$NGD_LOG" &
	new=$!
	for _ in $(seq 1500); do kill -0 "$old" 2>/dev/null || break; sleep 0.02; done
	kill -0 "$old" 2>/dev/null && return 1
	NGD_PID=$new
}

# For the kernel fast path's tests: frames the kernel gave ngd through
# the data plane's TAP (ngslow: what took the userspace path)
slow() { slowtap_stat 11; }
# slowtap_stat N: field N of /proc/net/dev summed over the data plane's
# slow-path TAPs (ngslow*): 3 the packets ngd wrote into them, 11 those
# the kernel gave ngd; 0 without a data plane
slowtap_stat() {
	local d
	d=$(echo /run/netgraph/*/dataplane)
	[ -e "$d" ] || { echo 0; return; }
	nsenter --net="$d" cat /proc/net/dev | sed 's/^ *//' |
	    awk -F'[: ]+' -v f="$1" '$1 ~ /^ngslow/ { n += $f } END { print n + 0 }'
}
# packets through the ether uplinks' host ends (ngu<N>), both ways
uplinks() {
	local n=0 d
	for d in /sys/class/net/ngu[0-9]*; do
		[ -e "$d" ] || continue
		n=$((n + $(cat "$d/statistics/rx_packets") + $(cat "$d/statistics/tx_packets")))
	done
	echo $n
}
# ether_taps [IF...]: packets the kernel gave ngd through the TAP
# channels of each IF's ether node (by default every em<N> there is;
# ngel<ifindex> and ngeu<ifindex>, and the a and b names an ngd taking
# over uses)
ether_taps() {
	local f i n=0 t
	[ $# -gt 0 ] || set -- $(cd /sys/class/net && ls -d em[0-9]* 2>/dev/null)
	for f in "$@"; do
		i=$(cat "/sys/class/net/$f/ifindex")
		for t in ngel$i ngeu$i ngel${i}a ngeu${i}a ngel${i}b ngeu${i}b; do
			n=$((n + $(cat "/sys/class/net/$t/statistics/tx_packets" 2>/dev/null || echo 0)))
		done
	done
	echo $n
}
# em0_trap: at the test's exit the namespaces named in $NS and em0 are
# removed, ngd stopped and $tmp removed (the ether tests' wire)
em0_trap() {
	trap 'for n in $NS; do ip netns del $n 2>/dev/null; done
		ip link del em0 2>/dev/null
		stop_ngd
		rm -rf "$tmp"' EXIT
}
# how many ether uplinks there are
nup() { ls -d /sys/class/net/ngu[0-9]* 2>/dev/null | wc -l; }
# N LOW HIGH: LOW <= N <= HIGH
between() { [ "$1" -ge "$2" ] && [ "$1" -le "$3" ]; }
# For the ether fast-path tests (their ether nodes on em<N>):
kernel() { # NAME NS ADDR: 1,000 pinged pairs with none through ngd
	local s0 t0 u0 s1 t1 u1
	s0=$(slow) t0=$(ether_taps) u0=$(uplinks)
	ip netns exec "$2" ping -f -c 1000 -s 100 -W 1 "$3" >/dev/null 2>&1
	s1=$(slow) t1=$(ether_taps) u1=$(uplinks)
	[ "$s0" = "$s1" ] && [ "$t0" = "$t1" ] && [ $((u1 - u0)) -ge 1000 ] &&
	    ok "$1: 1000 pinged pairs through the uplink ($((u1 - u0)) packets), none through ngd's slow TAP or the ether nodes' TAPs" ||
	    fail "$1: 1000 pinged pairs: slow TAP $((s1 - s0)), the ether nodes' TAPs $((t1 - t0)), uplink $((u1 - u0))"
}
edit_wire() { # NAME NS IF ADDR CMD...: under pings wire -> ADDR every 2 ms, none reaches NS's IF after CMD
	local fl r0 r1 name=$1 ns=$2 ifc=$3 addr=$4
	shift 4
	ip netns exec wire ping -i 0.002 -s 100 -W 1 "$addr" >/dev/null 2>&1 &
	fl=$!
	sleep 0.3
	"$@"
	r0=$(rx "$ns" "$ifc")
	sleep 0.3
	r1=$(rx "$ns" "$ifc")
	kill $fl 2>/dev/null
	wait $fl 2>/dev/null
	expect "$name under pings every 2 ms: no frame reaches $ifc after the reply" "$r0" "$r1"
}

# list_median_ms: the median of 10 `ngctl list`, a tenth of a second
# apart, and the slowest, in ms: "MEDIAN WORST" ("99999 99999" if one
# fails).  A loaded machine delays a process now and then by hundreds of
# ms (at load 15 on 2 CPUs, with no storm, the worst of ten was 100-360
# ms, one list 755 ms): the worst of ten measures that more than ngd; the
# median, what a client waits as a rule.  Timed by bash's clock (no
# date(1) per sample).
list_median_ms() {
	local a b s=()
	for _ in $(seq 10); do
		a=${EPOCHREALTIME/./}
		ngctl list >/dev/null 2>&1 || { echo 99999 99999; return; }
		b=${EPOCHREALTIME/./}
		s+=($(((b - a) / 1000)))
		sleep 0.1
	done
	mapfile -t s < <(printf '%s\n' "${s[@]}" | sort -n)
	echo "$(((s[4] + s[5]) / 2)) ${s[9]}"
}

# wchar: the bytes ngd ($NGD_PID) has written (write(2), pwrite(2): its
# journal, /proc/PID/io); written CMD...: those it wrote while CMD ran,
# the fewer of two runs (the journal's 30 s look, a snapshot, may fall
# on one).  For the journal's tests.
wchar() { awk '/^wchar/ { print $2 }' "/proc/$NGD_PID/io"; }
written() {
	local w0 a b
	w0=$(wchar)
	"$@" >/dev/null
	a=$(($(wchar) - w0))
	w0=$(wchar)
	"$@" >/dev/null
	b=$(($(wchar) - w0))
	echo $((a < b ? a : b))
}
# fds_settled: ngd's ($NGD_PID) descriptors once they stop changing: the
# interfaces it retired go in batches (20 ms after the last, up to 1024
# at once, which takes the kernel a few hundred ms); at most 10 s.
fds_settled() {
	local n m
	# (a shut-down eiface is retired, renamed ngret<n>, its link held
	# until its batch: first until none is left, as a batch held up by
	# other namespaces' work on the RTNL lock kept the count still for
	# 0.2 s, 59 -> 129; at most 10 s)
	for _ in $(seq 500); do
		ip -o link show | grep -q ngret || break
		sleep 0.02
	done
	n=$(ls "/proc/$NGD_PID/fd" | wc -l)
	for _ in $(seq 50); do
		sleep 0.2
		m=$(ls "/proc/$NGD_PID/fd" | wc -l)
		[ "$m" = "$n" ] && break
		n=$m
	done
	echo "$n"
}
# figure NAME BEFORE AFTER UNIT: one line scripts/soak collects (bounds).
figure() { echo "# $1: $2 -> $3 $4"; }
# link_up NS IF: until NS's IF is up for the next frames a test sends
# (5 s at most), after it was set up or its carrier came back (connect):
# the kernel turns an interface's queue on (noop, dropping all, until
# then) and says so (RTM_NEWLINK) from linkwatch, a worker that a loaded
# machine runs late; ngd's bridges and hubs flood to a port, and ngd
# writes to it, once it has heard that news.  So: IF's operstate up
# (linkwatch has run for it), that of its graph-side end in the data
# plane (veth model: its peer, whose news ngd reads), then one request
# answered (ngd reads news that came before the request first).  A ping
# right after `ip link set up` lost its first frames under load
# (fastpath_bridge.sh, fastpath_nodes.sh, restart_bridge.sh ...).
link_up() {
	local ns=$1 ifc=$2 peer d
	queue_on "$ns" "$ifc"
	peer=$(ip -n "$ns" -o link show dev "$ifc" 2>/dev/null | sed -nE 's/^[0-9]+: [^@:]+@if([0-9]+):.*/\1/p')
	dp_end_up "$peer"
	ngctl list >/dev/null 2>&1
}
# dp_end_up INDEX: until the data plane's interface INDEX (a veth end
# whose peer is outside) is up, 5 s at most; none: at once
dp_end_up() {
	local d
	d=$(echo /run/netgraph/*/dataplane)
	[ -n "$1" ] && [ -e "$d" ] || return 0
	for _ in $(seq 250); do
		nsenter --net="$d" ip -o link show | grep -qE "^$1: .* state UP " && return 0
		sleep 0.02
	done
}
# uplinks_up: link_up for the ether nodes' uplinks (ngu<N> here, each
# with its end in the data plane), once a hook made them
uplinks_up() {
	local d
	for d in /sys/class/net/ngu[0-9]*; do
		[ -e "$d" ] || continue
		for _ in $(seq 250); do
			[ "$(cat "$d/operstate" 2>/dev/null)" = up ] && break
			sleep 0.02
		done
		dp_end_up "$(cat "$d/iflink" 2>/dev/null)"
	done
	ngctl list >/dev/null 2>&1
}
# queue_on NS IF: until IF's operstate is up (linkwatch has run for it),
# 5 s at most; no request to ngd.  After a connect gave an eiface its
# carrier back: ngd wrote its port up before the answer (fastpath.c's
# ngd_fast_set_carrier), what is left is the kernel's turning the jail's
# queue on, and a test of that claim must not wait for ngd.
queue_on() {
	for _ in $(seq 250); do
		[ "$(ip netns exec "$1" cat "/sys/class/net/$2/operstate" 2>/dev/null)" = up ] && return 0
		sleep 0.02
	done
}
# quiet_netns NS...: make each namespace with IPv6 off in it (no router
# solicitation, DAD or MLD frames in a test's counts)
quiet_netns() {
	local n
	for n; do
		ip netns add "$n" && ip netns exec "$n" sysctl -qw \
		    net.ipv6.conf.all.disable_ipv6=1 \
		    net.ipv6.conf.default.disable_ipv6=1 || return 1
	done
}
# wire_veth DEV NS PEER [ADDR]: a veth pair, DEV here (IPv6 off, up) and
# PEER in NS, up, with ADDR if given: an "existing interface" for an
# ether node and the wire behind it
wire_veth() {
	ip link add "$1" type veth peer name "$3" netns "$2" || return 1
	[ -z "${4:-}" ] || ip -n "$2" addr add "$4" dev "$3" || return 1
	ip -n "$2" link set "$3" up &&
	    sysctl -qw net.ipv6.conf."$1".disable_ipv6=1 &&
	    ip link set "$1" up
}

# For the wire intruder tests (intrude2_wire.sh, intrude6_*.sh): each
# namespace s of $NS has its end es of a veth whose other end ps is an
# ether node's interface here.
# veth_ports: each namespace of $NS made (IPv6 off) with its veth
veth_ports() {
	local s
	for s in $NS; do
		quiet_netns "$s" && wire_veth "p$s" "$s" "e$s" || return 1
	done
}
# ether_ports_up: wait (30 s at most) until ngd has the ether node ps of
# each s of $NS; 1 if one is still missing
ether_ports_up() {
	local s
	for _ in $(seq 1500); do
		for s in $NS; do
			ngctl info "p$s:" >/dev/null 2>&1 || { sleep 0.02; continue 2; }
		done
		return 0
	done
	return 1
}
# cleanup_veth_ns: ngd stopped, the namespaces of $NS and the veths ps
# deleted, $tmp removed (an EXIT trap)
cleanup_veth_ns() {
	local s
	stop_ngd
	for s in $NS; do ip netns del "$s" 2>/dev/null; done
	for s in $NS; do ip link del "p$s" 2>/dev/null; done
	rm -rf "$tmp"
}
# py_csum: a Python csum(b), b's Internet checksum (RFC 1071), to begin
# a test's packet script: { py_csum && cat <<'EOF' ... EOF
# } >"$tmp/NAME.py"
py_csum() {
	cat <<'PY'
import struct

def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return (~s) & 0xffff

PY
}
# if_mac NS IF: IF's MAC in NS, as 12 hex digits
if_mac() { ip -n "$1" link show "$2" | awk '/link\/ether/ { print $2 }' | tr -d :; }
# plan_probe NS N DST SRC [TAGS] [PAD]: a line of $tmp/plan: frame number
# N (type 0x88b5 behind TAGS) out of NS's eNS, padded with PAD zeros (4)
plan_probe() {
	echo "send $1 $3$4${5:-}88b5$(printf %02x "$2")$(printf "%0$((2 * ${6:-4}))d" 0)" >>"$tmp/plan"
}
# probe_wire OUT: $tmp/plan's lines ("send NS HEX", "sleep S") run in
# turn (tests/short_frames.py wire: a packet socket on each eNS of $NS)
# while every frame that reaches a socket is noted, the tags the kernel
# took out of band put back; OUT: the probes, "NS: N LEN HEADER" (the
# probe number, the length, the header up to the type), by probe number
probe_wire() {
	local ns len hex at
	python3 "$top/tests/short_frames.py" wire "$tmp/plan" "$tmp/wire.out" 0 $NS || return
	# a probe: 0x88b5 behind up to two tags, then its number
	while read -r ns len hex; do
		for at in 24 32 40; do
			[ "${hex:at:4}" = 88b5 ] && [ ${#hex} -ge $((at + 6)) ] || continue
			echo "$ns: $((16#${hex:at+4:2})) $len ${hex:0:at}"
			break
		done
	done <"$tmp/wire.out" | sort -s -k2,2n -k1,1 >"$1"
}

# edge_ja: an eiface ja (ngeth0 renamed) joined straight to em0's lower
# (em0 promiscuous, autosrc off), moved into the namespace ja (the
# test's), up, 198.18.30.1/24: the edge tests' graph
edge_ja() {
	ngctl mkpeer eiface ether ether &&
	    ngctl -f - <<'END' &&
name ngeth0: ja
msg em0: setpromisc 1
msg em0: setautosrc 0
connect em0: ja: lower ether
END
	    ngctl msg ja: vnet '"ja"' &&
	    ip -n ja link set ja up &&
	    ip -n ja addr add 198.18.30.1/24 dev ja
}

# For the tests of pinned programs (fastpath_progs.sh, ether_progs.sh):
# bpf_pins: whether there is a private bpffs at /sys/fs/bpf (tests/sandbox
# mounts one) and bpftool; a FAIL for what is not
bpf_pins() {
	if [ "$(stat -f -c %T /sys/fs/bpf 2>/dev/null)" != bpf_fs ]; then
		fail "no private bpffs at /sys/fs/bpf (tests/sandbox mounts one)"
		return 1
	fi
	command -v bpftool >/dev/null || { fail "bpftool is needed"; return 1; }
}
# held_progs NAME: the ids of the programs named NAME... that the links
# the serving ngd holds run (its descriptors' fdinfo), sorted, one line
held_progs() {
	local f i
	for f in /proc/$(ngd_serving)/fdinfo/*; do
		awk '/^link_type:/ { l = 1 } /^prog_id:/ { p = $2 }
		    END { if (l) print p }' "$f" 2>/dev/null
	done | sort -nu | while read -r i; do
		bpftool prog show id "$i" | grep -q " name $1" && echo "$i"
	done | paste -sd' '
}
# pinned_ids PIN...: the ids of the pinned programs, sorted, one line
pinned_ids() {
	local f
	for f; do
		bpftool -j prog show pinned "$f" |
		    python3 -c 'import json, sys; print(json.load(sys.stdin)["id"])'
	done | sort -n | paste -sd' '
}
# pins_as_build FROM TO PIN...: each pin p-FROM-NAME renamed p-TO-NAME
# (the programs' pins as another build's), a FAIL for one that is not
pins_as_build() {
	local from=$1 to=$2 f
	shift 2
	for f; do
		mv "$f" "${f/p-$from-/p-$to-}" || fail "rename $f"
	done
}
# dying_takeover NAME: expect_rc NAME of a new ngd --takeover that dies
# before its ok (NGD_TEST_TAKEOVER_DIE: 137), then until $NGD_LOG has one
# more "takeover failed" than before (30 s at most)
dying_takeover() {
	local n
	n=$(grep -c "takeover failed" "$NGD_LOG")
	expect_rc "$1" 137 env NGD_TEST_TAKEOVER_DIE=1 ngd -d --takeover 2>>"$NGD_LOG"
	for _ in $(seq 1500); do
		[ "$(grep -c "takeover failed" "$NGD_LOG")" -gt "$n" ] && return 0
		sleep 0.02
	done
}
