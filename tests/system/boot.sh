#!/usr/bin/env bash
# The service side: the units pass systemd-analyze verify; ngd -c applies
# the boot file whole, says READY=1 (sd_notify) only once it is, or
# applies nothing and says where it failed (file:line); an ngd that ngctl
# starts gets no boot file; ngd does its work under the capability bound
# of ngd.service; jail-rc (jail.service) starts the listed jails in order
# and stops them in reverse.
source "$(dirname "$0")/../lib.sh"
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

# --- systemd-analyze verify, with the tree's programs and manual pages.
mkdir -p "$tmp/units" "$tmp/man"
ln -s "$top/man" "$tmp/man/man8"
for u in ngd jail; do
	sed -e "s|/usr/sbin/|$top/build/|g" -e "s|/usr/libexec/netgraph/|$top/systemd/|g" \
	    "$top/systemd/$u.service" >"$tmp/units/$u.service"
done
for s in 3 4 5; do ln -s "$top/man" "$tmp/man/man$s"; done
expect "systemd-analyze verify ngd.service jail.service" "" \
    "$(MANPATH=$tmp/man systemd-analyze verify "$tmp/units/ngd.service" "$tmp/units/jail.service" 2>&1)"
# The check is real: a unit naming a missing program fails it.
sed 's|/ngd -d|/nosuch -d|' "$tmp/units/ngd.service" >"$tmp/units/bad.service"
expect_rc "... and fails a unit with a missing program" 1 quiet env MANPATH=$tmp/man \
    systemd-analyze verify "$tmp/units/bad.service"

# make install elsewhere: the units name the programs and files there.
expect_rc "make install PREFIX=/usr/local DESTDIR" 0 \
    quiet make -s -C "$top" install PREFIX=/usr/local DESTDIR="$tmp/root"
expect "... ngd.service runs them from there" \
    'ExecStart=/usr/local/sbin/ngd -d -c /usr/local/etc/netgraph/ngd.conf $NGD_OPTS' \
    "$(grep ^ExecStart= "$tmp/root/usr/local/lib/systemd/system/ngd.service")"
expect_rc "... and the boot file is there" 0 test -f "$tmp/root/usr/local/etc/netgraph/ngd.conf"
expect "... jail.service's helper too" "ExecStart=/usr/local/libexec/netgraph/jail-rc start" \
    "$(grep ^ExecStart= "$tmp/root/usr/local/lib/systemd/system/jail.service")"
expect_rc "... which is there" 0 test -x "$tmp/root/usr/local/libexec/netgraph/jail-rc"

# --- the boot file.  A notify socket stands for systemd: at READY=1 it
# lists the graph, which must then be complete.
cat >"$tmp/notify.py" <<'EOF2'
import socket, subprocess, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
print("listening", flush=True)
s.settimeout(20)
try:
    while True:
        m = s.recv(4096).decode()
        for line in m.split("\n"):
            if line.startswith("READY=") or line.startswith("STOPPING="):
                print(line, flush=True)
        if "READY=1" in m:
            out = subprocess.run(["ngctl", "-N", "list"], capture_output=True, text=True).stdout
            print("at READY: " + out.splitlines()[0], flush=True)
except socket.timeout:
    pass
EOF2
notified() { # FILE: wait for the listener's line
	for _ in $(seq 200); do [ -s "$1" ] && return 0; sleep 0.05; done
}
cat >"$tmp/ngd.conf" <<'EOF2'
# the walkthrough's bridge, as /etc/netgraph/ngd.conf says it
mkpeer bridge b link0
name .:b br0
mkpeer br0: eiface link1 ether
mkpeer br0: eiface link2 ether
mkpeer br0: eiface link3 ether
rmhook . b
name br0:link1 ng_host
name br0:link2 ng_test1
name br0:link3 ng_test2
EOF2
python3 "$tmp/notify.py" "$tmp/notify.sock" >"$tmp/notify.out" &
pids+=($!)
notified "$tmp/notify.out"
NOTIFY_SOCKET=$tmp/notify.sock ngd -d -c "$tmp/ngd.conf" 2>"$tmp/ngd.log" &
ngd_pid=$!
for _ in $(seq 200); do grep -q 'at READY' "$tmp/notify.out" && break; sleep 0.05; done
# (bridge, three eifaces, and the ngctl that asks)
expect "READY=1 once the whole file is applied" "$(printf '%s\n' listening READY=1 'at READY: There are 5 total nodes:')" \
    "$(cat "$tmp/notify.out")"
expect "the graph the file describes" "$(printf '%s\n' br0 ng_host ng_test1 ng_test2)" \
    "$(ngctl list | awk '$1 == "Name:" && $2 !~ /^ngctl/ { print $2 }' | sort)"
# (names without the @ifN of a veth, NGD_FASTPATH=1)
expect "its interfaces" "$(printf '%s\n' ng_host ng_test1 ng_test2)" \
    "$(ip -br link | awk '$1 ~ /^ng_/ { sub(/@.*/, "", $1); print $1 }' | sort)"
expect "logged" "ngd: $tmp/ngd.conf: applied" "$(grep applied "$tmp/ngd.log")"
# "serving" once the file is applied, as READY=1 (not before)
expect "... and serving only after" \
    "$(printf '%s\n' "ngd: listening on S: applying $tmp/ngd.conf" \
	"ngd: $tmp/ngd.conf: applied" "ngd: serving S")" \
    "$(grep -E 'applying|applied|serving' "$tmp/ngd.log" |
	sed -E 's/(listening on|serving) [^:]*/\1 S/')"
kill "$ngd_pid"; wait "$ngd_pid"
for _ in $(seq 100); do grep -q STOPPING "$tmp/notify.out" && break; sleep 0.05; done
expect "STOPPING=1 on SIGTERM" "STOPPING=1" "$(tail -1 "$tmp/notify.out")"

# A failing line: nothing applied, file:line, status 78, no READY=1.
cat >"$tmp/bad.conf" <<'EOF2'
mkpeer bridge b link0
name .:b br0
mkpeer br0: eiface link1 ether
mkpeer br0: nosuchtype link2 ether
name br0:link1 ng_host
EOF2
: >"$tmp/notify.out"
NOTIFY_SOCKET=$tmp/notify.sock ngd -d -c "$tmp/bad.conf" 2>"$tmp/ngd.log"
expect "a failing line: exit 78" 78 $?
expect "... reported as file:line" \
    "$(printf '%s\n' "ngd: $tmp/bad.conf:4: send msg: No such file or directory" \
        "ngd: $tmp/bad.conf:4: there is no node type \"nosuchtype\" (ngctl types lists them)" \
        "ngd: $tmp/bad.conf: not applied: every node shut down, ngd stops")" \
    "$(grep "$tmp/bad.conf" "$tmp/ngd.log" | grep -v applying)"
expect "... nothing of it left" "lo" "$(ip -br link | awk '{ print $1 }')"
expect "... and never said it served" 0 "$(grep -c serving "$tmp/ngd.log")"
sleep 0.2
expect "... no READY=1, only STOPPING=1" "STOPPING=1" "$(cat "$tmp/notify.out")"
out ngd_missing 66 "" "ngd: $tmp/nosuch: No such file or directory" ngd -d -c "$tmp/nosuch"
kill "${pids[0]}" 2>/dev/null

# An ngd started by ngctl gets no boot file, only its plain command line.
expect_rc "ngctl starts an ngd" 0 env -u NGCTL_NO_AUTOSTART ngctl list >/dev/null
p=$(pgrep -x ngd)
expect "... whose command line is plain ngd" "ngd" "$(tr '\0' ' ' </proc/$p/cmdline | sed 's/ $//')"
kill "$p"; while kill -0 "$p" 2>/dev/null; do sleep 0.05; done

# --- ngd under ngd.service's capability bound: TAPs, a bridge, vnet into a
# named namespace (setns), an ether node's eBPF on a veth, a ksocket on a
# port below 1024, an unprivileged client.  Without CAP_SYS_ADMIN vnet
# fails: the bound is what is tested.
caps=$(sed -n 's/^CapabilityBoundingSet=//p' "$top/systemd/ngd.service" |
    tr 'A-Z' 'a-z' | sed 's/cap_/+/g; s/ /,/g')
bounded() { setpriv --inh-caps=-all --bounding-set=-all,"$1" -- ngd -d -c "$tmp/caps.conf"; }
ip netns add capns
ip link add veth0 type veth peer name veth1
ip link set veth0 up
cat >"$tmp/caps.conf" <<'EOF2'
mkpeer eiface e0 ether
msg .:e0 vnet "capns"
mkpeer veth0: hub lower a
mkpeer ksocket k inet/dgram/udp
msg .:k bind inet/127.0.0.1:53
EOF2
bounded "$caps" 2>"$tmp/ngd.log" &
for _ in $(seq 200); do grep -q applied "$tmp/ngd.log" && break; sleep 0.05; done
ngd_pid=$(pgrep -x ngd)
expect "bounded: the file applied" "ngd: $tmp/caps.conf: applied" "$(grep applied "$tmp/ngd.log")"
expect "bounded: only the unit's capabilities" \
    "$(setpriv --inh-caps=-all --bounding-set=-all,"$caps" -- grep CapBnd /proc/self/status)" \
    "$(grep CapBnd /proc/$ngd_pid/status)"
expect_rc "bounded: ngeth0 inside capns" 0 quiet ip netns exec capns ip link show ngeth0
expect_rc "bounded: an unprivileged client lists" 0 quiet \
    setpriv --reuid=65534 --regid=65534 --clear-groups -- ngctl list
expect "bounded: ... and may not change" "ngctl: send msg: Operation not permitted" \
    "$(setpriv --reuid=65534 --regid=65534 --clear-groups -- ngctl mkpeer . hub a b 2>&1)"
kill "$ngd_pid"; while kill -0 "$ngd_pid" 2>/dev/null; do sleep 0.05; done
bounded "${caps/+sys_admin,/}" 2>"$tmp/ngd.log"
expect "without CAP_SYS_ADMIN: vnet fails, nothing applied" 78 $?
expect "... at its line" "ngd: $tmp/caps.conf:2: send msg: Operation not permitted" \
    "$(grep "caps.conf:" "$tmp/ngd.log" | head -1)"
ip link del veth0
ip netns del capns

# --- jail-rc: JAIL_LIST order, reverse on stop, running ones skipped, a
# failing one reported while the rest start.
cat >"$tmp/jail.conf" <<'EOF2'
persist;
exec.poststart = "echo started ${name}";
exec.poststop = "echo stopped ${name}";
a { vnet; }
b { }
c { vnet; }
EOF2
rc() { JAIL_CONF=$tmp/jail.conf "$top/systemd/jail-rc" "$@" 2>&1 | grep -v ': created$\|: removed$'; }
expect "start: every jail of jail.conf, in order" "$(printf 'started %s\n' a b c)" "$(rc start)"
expect "start again: those running are left alone" "$(printf '%s: already running\n' a b c)" "$(rc start)"
expect "stop: in reverse order" "$(printf 'stopped %s\n' c b a)" "$(rc stop)"
expect "JAIL_LIST: those, in its order" "$(printf 'started %s\n' c a)" "$(JAIL_LIST="c a" rc start)"
expect "JAIL_LIST stop: reversed" "$(printf 'stopped %s\n' a c)" "$(JAIL_LIST="c a" rc stop)"
JAIL_LIST="a nosuch c" JAIL_CONF=$tmp/jail.conf "$top/systemd/jail-rc" start >"$tmp/rc.out" 2>&1
expect "a jail that fails: exit 1" 1 $?
expect "... the others start" "a c" "$(jls -q name | sort | xargs)"
expect "... and it is named" "jail-rc: nosuch: failed to start" "$(grep jail-rc "$tmp/rc.out")"
JAIL_LIST="a nosuch c" rc stop >/dev/null
expect "stop after it: none left" "" "$(jls -q name)"
finish
