#!/usr/bin/env bash
# jail(8)'s messages of spec/jail.md 1.8 that no other test ran end to
# end: libjail's value checks, dependencies, mounts, the commands' child
# side.  "NAME: " comes first only for a jail of a config file.
source "$(dirname "$0")/../lib.sh"
trap 'jail -q -R "*" 2>/dev/null; rm -rf "$tmp"' EXIT
cd "$tmp" || exit 1

out "bool: unknown boolean value" 1 "" \
    'jail: allow.mount: unknown boolean value "maybe"' \
    jail -c name=x persist allow.mount=maybe
out "jailsys: unknown jailsys value" 1 "" \
    'jail: unknown jailsys value "sometimes"' jail -c name=x persist ip4=sometimes
out "ip4.addr: not an IPv4 address" 1 "" \
    'jail: ip4.addr: not an IPv4 address: 1.2.3' \
    jail -c name=x persist ip4.addr=1.2.3
out "ip6.addr: not an IPv6 address" 1 "" \
    'jail: ip6.addr: not an IPv6 address: zz::1::2' \
    jail -c name=x persist ip6.addr=zz::1::2
out "int: non-integer value" 1 "" \
    'jail: stop.timeout: non-integer value "1x"' \
    jail -c name=x persist stop.timeout=1x
out "path: not a directory" 1 "" 'jail: path /etc/passwd: Not a directory' \
    jail -c name=x persist path=/etc/passwd
out "depend (param form): nonexistent jail" 1 "" \
    'jail: depends on nonexistent jail "nope"' \
    jail -c name=x persist depend=nope
printf 'a { persist; depend = b; }\n' >d1
out "depend (config): undefined jail" 1 "" \
    'jail: a: depends on undefined jail "b"' jail -f d1 -c a
printf 'a { persist; mount.devfs; }\n' >m1
out "mount.devfs without path" 1 "" \
    'jail: a: mount.devfs: no jail root path defined' jail -f m1 -c a
printf 'a { path = /; persist; mount = "tmpfs relative tmpfs rw 0 0"; }\n' >m2
out "mount: not an absolute pathname" 1 "" \
    'jail: a: mount: relative: not an absolute pathname' jail -f m2 -c a
printf 'a { path = /; persist; mount = "tmpfs"; }\n' >m3
out "mount: missing information" 1 "" \
    'jail: a: mount: tmpfs: missing information' jail -f m3 -c a
printf 'a { path = /; persist; exec.start = "true"; exec.jail_user = nosuchuser; }\n' >u1
out "exec.jail_user: no such user, the command failed" 1 "a: created
a: removed" 'jail: a: nosuchuser: no such user
jail: a: true: failed' jail -f u1 -c a
out "exec.consolelog: open fails (param form: no name)" 1 "" \
    "jail: open $tmp/no/log: No such file or directory
jail: true: failed" \
    jail -c name=x persist exec.consolelog="$tmp/no/log" command=true
expect "no jail left" "" "$(jls name)"
finish
