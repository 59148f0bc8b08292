#!/usr/bin/env bash
# A FreeBSD Handbook jail.conf brought over as it is, as jail.conf(5)'s
# "From a FreeBSD host" and the README's rc.conf table describe it:
#
#   - its exec.start "/bin/sh /etc/rc" finds no /etc/rc on a Linux root:
#     the jail is removed again with jail's message, and the shell's
#     reason goes to exec.consolelog, as the page says;
#   - its exec.clean finds the programs of the sbin directories, as
#     FreeBSD's default login class does (sysctl here: it was
#     "exec sysctl: No such file or directory" with PATH=/bin:/usr/bin).
source "$(dirname "$0")/../lib.sh"
cd "$tmp" || exit 1

expect_rc "the machine's root has no /etc/rc (the case holds)" 1 test -e /etc/rc
cat >hb.conf <<CONF
exec.start = "/bin/sh /etc/rc";
exec.stop = "/bin/sh /etc/rc.shutdown";
exec.consolelog = "$tmp/console_\${name}.log";
allow.raw_sockets;
exec.clean;
mount.devfs;
host.hostname = "\${name}";
path = "/";
classic { }
rc {
	exec.start = "sysctl -n kernel.ostype";
	exec.stop = "";
	persist;
}
CONF
out "the Handbook's exec.start" 1 "classic: created
classic: removed" "jail: classic: /bin/sh /etc/rc: failed" jail -f hb.conf -c classic
expect_rc "... the shell's reason is in exec.consolelog" 0 \
    grep -q "/etc/rc: No such file" console_classic.log
expect "... and no jail is left" "" "$(jls name)"
expect_rc "jail.conf.5 names the message" 0 \
    grep -q '/bin/sh /etc/rc: failed' "$top/man/jail.conf.5"

out "exec.clean runs what is in sbin" 0 "rc: created" "" jail -f hb.conf -c rc
expect "... as the login class's PATH finds it" "Linux" "$(cat console_rc.log)"
expect_rc "jail -r" 0 quiet jail -f hb.conf -r rc
finish
