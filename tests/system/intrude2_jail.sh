#!/usr/bin/env bash
# Jailed root reaching past its jail through what host root does for it
# (jail(8), "Jailed root").
# exec.consolelog is opened by host root before it enters the jail, at
# create and at remove; one under the jail's path lies in directories
# that are jailed root's.  Making /var/log a symlink to a host directory
# had the next `jail -r' make console.log there and append to it the
# output of the jail's exec.stop, the jail's own script: a file of
# jailed root's text in any host directory (/etc/cron.d and the like).
# Now a log under the jail's path is found as the jail sees it
# (RESOLVE_IN_ROOT), so the symlink leads into the jail's tree.
# net.* is writable in a vnet jail, the jail's own stack's settings;
# but net.netfilter.nf_hooks_lwtunnel, shown in every namespace, turns
# on a static key for the whole machine, and cannot be turned off.
# It is read-only in a jail now.  (Probed by opening it for writing,
# never by writing.)  And jexec from inside one jail into another fails.
source "$(dirname "$0")/../lib.sh"
trap 'jail -q -r "*" 2>/dev/null; rm -rf "$tmp"' EXIT

# openw JAIL PATH: can the jail's root open PATH for writing? (no write)
openw() {
	jexec "$1" python3 -c '
import os, sys
os.close(os.open(sys.argv[1], os.O_WRONLY))' "$2" 2>/dev/null
}

# --- exec.consolelog under the jail's path -----------------------------------
r=$tmp/root
mkdir -p "$r/usr" "$r/var/log" "$r/elsewhere" "$tmp/outside"
for d in bin lib lib64 sbin; do ln -s "usr/$d" "$r/$d"; done
cat >"$tmp/jail.conf" <<EOF2
c {
	persist;
	path = "$r";
	mount = "/usr $r/usr nullfs ro";
	exec.consolelog = "$r/var/log/console.log";
	exec.start = "/bin/sh -c 'echo started'";
	exec.stop = "/bin/sh /etc/rc.shutdown";
}
EOF2
expect_rc "a jail with its console log in its own tree" 0 \
    jail -q -f "$tmp/jail.conf" -c c
expect "... the log has exec.start's output" "started" "$(cat "$r/var/log/console.log")"
# jailed root: its shutdown script, and /var/log a symlink to the host's
# directory (an absolute path, as host root would resolve it)
jexec c /bin/sh -c "mkdir -p /etc && echo 'echo \"* * * * * root planted\"' \
    >/etc/rc.shutdown && rm -r /var/log && ln -s '$tmp/outside' /var/log"
# (the jail's own $tmp/outside is not there: the command fails, and so
# does the jail's removal, as when any exec.stop fails)
jail -q -f "$tmp/jail.conf" -r c 2>"$tmp/err"
expect "jail -r writes nothing in the host's directory" "" \
    "$(ls "$tmp/outside")"
expect "... and says why" \
    "jail: c: open $r/var/log/console.log: No such file or directory" \
    "$(head -n 1 "$tmp/err")"
# with the directory there in the jail's tree, the log is made there
mkdir -p "$r/$tmp/outside"
expect_rc "... where the jail's tree has it, jail -r goes on" 0 \
    jail -q -f "$tmp/jail.conf" -r c
expect "... and the log is made inside the jail's tree" \
    '* * * * * root planted' "$(cat "$r/$tmp/outside/console.log")"
expect "... still nothing outside" "" "$(ls "$tmp/outside")"

# --- net.* that is the machine's ---------------------------------------------
jail -q -c name=v vnet persist
f=/proc/sys/net/netfilter/nf_hooks_lwtunnel
if [ -e "$f" ]; then
	expect_rc "the sandbox can open $f for writing (the probe works)" 0 \
	    python3 -c "import os; os.close(os.open('$f', os.O_WRONLY))"
	expect_rc "vnet jail: nf_hooks_lwtunnel not writable" 1 openw v "$f"
	expect_rc "... while its own net.ipv4.ip_forward is" 0 \
	    openw v /proc/sys/net/ipv4/ip_forward
else
	echo "# $f: not in this kernel"
fi

# --- from one jail into another ----------------------------------------------
jail -q -c name=w vnet persist
jail -q -c name=n persist
expect_rc "jexec from inside a jail into another fails" 1 \
    quiet jexec v jexec w true
expect_rc "... as from a jail without vnet" 1 quiet jexec n jexec w true
finish
