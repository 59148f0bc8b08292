#!/usr/bin/env bash
# The Debian package: make deb's package is listed, installed on this
# machine with dpkg -i, used from the system paths (ngctl starting
# /usr/sbin/ngd, jail, jexec, jls, libnetgraph through pkg-config, the man
# pages, the units, the completion) inside this test's namespaces, then
# removed (dpkg -r: only the conffiles stay) and purged (nothing stays).
# The package never outlives the test: a trap purges it on every exit,
# and a netgraph package installed before the test is left alone (FAIL).
source "$(dirname "$0")/../lib.sh"
pkg=netgraph

installed() { dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'ok installed'; }
known() { dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -vq 'not-installed'; }
# dpkg ARGS, waiting (up to 2 minutes) while another dpkg or apt holds
# its lock.
dpkg_w() {
	local i out
	for i in $(seq 120); do
		out=$(dpkg "$@" 2>&1) && return 0
		grep -qi 'lock' <<<"$out" || { echo "$out"; return 1; }
		sleep 1
	done
	echo "$out"
	return 1
}

if known; then
	fail "a $pkg package is already on this machine ($(dpkg-query -W -f='${Status}' $pkg)); not touching it"
	exit 1
fi
# One copy of this test at a time on the machine.
exec 9>/run/lock/netgraph-deb-test.lock
flock -w 300 9 || { fail "another deb test holds the lock"; exit 1; }

ours=
cleanup() {
	[ -n "${ngd_pid:-}" ] && kill "$ngd_pid" 2>/dev/null
	if [ -n "$ours" ] && known; then
		dpkg_w --purge "$pkg" >/dev/null || echo "cleanup: purge failed"
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# make lintian with no lintian: says so, before building anything
# (lintian is not among scripts/deps)
nolint=$(env PATH=/nonexistent "$(command -v make)" -s -C "$top" lintian 2>&1)
expect "make lintian without lintian fails, saying why" \
    "make lintian: lintian is not installed (apt-get install lintian)" \
    "$(head -1 <<<"$nolint")"
deb=$("$top/debian/mkdeb" 2>"$tmp/mkdeb.err") ||
    { fail "mkdeb"; cat "$tmp/mkdeb.err"; exit 1; }
deb=$top/$deb
ok "make deb: $(basename "$deb")"

# What it holds.
ma=$(dpkg-architecture -qDEB_HOST_MULTIARCH)
dpkg-deb -c "$deb" | awk '{ p = $6; sub(/^\./, "", p); sub(/\/$/, "", p); if (p != "") print p }' |
    sort >"$tmp/contents"
missing=
for f in /usr/sbin/{ngd,ngctl,nghook,jail,jexec,jls,jng} \
    /usr/lib/$ma/libnetgraph.so.1 /usr/lib/$ma/libnetgraph.so /usr/lib/$ma/libnetgraph.a \
    /usr/lib/$ma/pkgconfig/netgraph.pc /usr/include/netgraph.h /usr/include/netgraph/ng_message.h \
    /usr/share/man/man8/ngd.8.gz /usr/share/man/man8/ngctl.8.gz /usr/share/man/man8/jail.8.gz \
    /usr/share/man/man5/jail.conf.5.gz /usr/share/man/man4/ng_bridge.4.gz /usr/share/man/man3/netgraph.3.gz \
    /usr/share/doc/$pkg/copyright /usr/share/doc/$pkg/changelog.Debian.gz \
    /usr/share/doc/$pkg/examples/ngexample.c \
    /usr/lib/cni/netgraph /usr/share/man/man8/netgraph-cni.8.gz \
    /lib/systemd/system/ngd.service /lib/systemd/system/jail.service \
    /usr/libexec/netgraph/jail-rc /etc/netgraph/ngd.conf /etc/default/jail /etc/default/ngd \
    /usr/share/bash-completion/completions/{ngctl,nghook,jail,jexec,jls}; do
	grep -qxF "$f" "$tmp/contents" || missing="$missing $f"
done
expect "contents: everything there" "" "$missing"
expect "conffiles" "$(printf '%s\n' /etc/default/jail /etc/default/ngd /etc/netgraph/ngd.conf)" \
    "$(dpkg-deb -I "$deb" conffiles | sort)"
# Depends: the package of every library a program or library in it
# links (the one list, the ELF files' NEEDED: a program mkdeb forgets to
# hand dpkg-shlibdeps shows here), and debian/control's iproute2.
depends=$(dpkg-deb -f "$deb" Depends)
dpkg-deb -x "$deb" "$tmp/x"
needed=$(find "$tmp/x" -type f -exec sh -c \
    'head -c 4 "$1" | grep -q ELF && readelf -d "$1"' sh {} \; |
    sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | sort -u | grep -v '^libnetgraph\.')
want=iproute2
for so in $needed; do
	lib=$(ldconfig -p | awk -v so="$so" '$1 == so { print $NF; exit }')
	p=$(dpkg -S "$(realpath "$lib")" 2>/dev/null | head -n 1 | cut -d: -f1)
	[ -n "$p" ] || p=$(dpkg -S "$lib" 2>/dev/null | head -n 1 | cut -d: -f1)
	want="$want ${p:-"(no package has $so)"}"
done
for d in $(tr ' ' '\n' <<<"$want" | sort -u); do
	[[ ", $depends," == *", $d "* || ", $depends," == *", $d,"* ]] &&
	    ok "Depends: $d" || fail "Depends lacks $d: $depends"
done
expect "... among them libjson-c (the CNI plugin's)" yes \
    "$([[ $want == *libjson-c* ]] && echo yes)"

# Which of its paths the machine has before: those, and only those, stay.
while read -r p; do [ -e "$p" ] || [ -L "$p" ] && echo "$p"; done <"$tmp/contents" >"$tmp/before"

ours=1
dpkg_w -i "$deb" >"$tmp/dpkg.out" || { fail "dpkg -i"; cat "$tmp/dpkg.out"; exit 1; }
installed && ok "dpkg -i: installed" || fail "dpkg -i: not installed"
# (/lib may be /usr/lib: merged /usr.)
expect "ldconfig knows libnetgraph.so.1" "/usr/lib/$ma/libnetgraph.so.1" \
    "$(readlink -f "$(ldconfig -p | awk '$1 == "libnetgraph.so.1" { print $NF }')")"

# From the system paths: the first ngctl starts /usr/sbin/ngd, never the
# tree's build.
expect_rc "/usr/sbin/ngctl mkpeer (starts ngd)" 0 env -u NGCTL_NO_AUTOSTART /usr/sbin/ngctl mkpeer eiface ether ether
ngd_pid=$(pgrep -x ngd)
expect "the ngd running is /usr/sbin/ngd" "/usr/sbin/ngd" "$(readlink /proc/$ngd_pid/exe)"
expect "ngctl list" "eiface" "$(/usr/sbin/ngctl list | awk '$4 == "eiface" { print $4 }')"
expect_rc "ngeth0 exists" 0 quiet ip link show ngeth0
expect_rc "/usr/sbin/jail -c" 0 quiet /usr/sbin/jail -c name=debt vnet persist vnet.interface=ngeth0
expect "/usr/sbin/jls" "debt" "$(/usr/sbin/jls -q name)"
expect_rc "/usr/sbin/jexec: ngeth0 inside" 0 quiet /usr/sbin/jexec debt ip link show ngeth0
expect_rc "/usr/sbin/jail -r" 0 quiet /usr/sbin/jail -r debt
# (it comes home after jail -r returns, ngd answering once it has)
expect_rc "ngeth0 back home" 0 quiet sh -c \
    '/usr/sbin/ngctl list >/dev/null && ip link show ngeth0'

# libnetgraph, shared and static, through pkg-config.
if cc -o "$tmp/ngex" /usr/share/doc/$pkg/examples/ngexample.c $(pkg-config --cflags --libs netgraph) 2>"$tmp/cc.err"; then
	ok "ngexample builds with pkg-config"
	expect "... against the installed libnetgraph.so.1" "/usr/lib/$ma/libnetgraph.so.1" \
	    "$(readlink -f "$(ldd "$tmp/ngex" | awk '$1 == "libnetgraph.so.1" { print $3 }')")"
	expect_rc "... and runs" 0 quiet "$tmp/ngex"
else
	fail "ngexample builds"; cat "$tmp/cc.err"
fi
expect_rc "static libnetgraph.a links" 0 cc -static-libgcc -o "$tmp/ngex.a" \
    /usr/share/doc/$pkg/examples/ngexample.c -I/usr/include /usr/lib/$ma/libnetgraph.a -pthread
expect "man ngd" "/usr/share/man/man8/ngd.8.gz" "$(man -w ngd 2>/dev/null)"
expect "systemd-analyze verify (installed units)" "" \
    "$(systemd-analyze verify /lib/systemd/system/ngd.service /lib/systemd/system/jail.service 2>&1)"
expect "completion loads on demand" "complete -F _jexec jexec" \
    "$(bash -c 'source /usr/share/bash-completion/bash_completion; __load_completion jexec; complete -p jexec' 2>&1)"
kill "$ngd_pid"; wait "$ngd_pid" 2>/dev/null; ngd_pid=

# The shipped boot file is all comments: the unit's ngd starts empty.
got=$(unshare -n bash -c 'ip link set lo up
	/usr/sbin/ngd -d -c /etc/netgraph/ngd.conf 2>/dev/null & p=$!
	for _ in $(seq 100); do /usr/sbin/ngctl -N list >/dev/null 2>&1 && break; sleep 0.05; done
	# (the last ngctl'"'"'s socket node goes once ngd has read its hang-up:
	# a list right after it may still show it)
	for _ in $(seq 40); do
		n=$(/usr/sbin/ngctl -N list | head -1)
		[ "$n" = "There are 1 total nodes:" ] && break
		sleep 0.05
	done
	echo "$n"; kill $p')
expect "ngd -c /etc/netgraph/ngd.conf: an empty graph" "There are 1 total nodes:" "$got"

dpkg_w -r "$pkg" >"$tmp/dpkg.out" || { fail "dpkg -r"; cat "$tmp/dpkg.out"; }
expect "dpkg -r: conffiles stay" "deinstall ok config-files" "$(dpkg-query -W -f='${Status}' $pkg)"
expect_rc "dpkg -r: /usr/sbin/ngd gone" 1 test -e /usr/sbin/ngd
expect_rc "dpkg -r: /etc/netgraph/ngd.conf stays" 0 test -e /etc/netgraph/ngd.conf
dpkg_w --purge "$pkg" >"$tmp/dpkg.out" || { fail "dpkg --purge"; cat "$tmp/dpkg.out"; }
known && fail "dpkg --purge: still known to dpkg" || ok "dpkg --purge: unknown to dpkg"
while read -r p; do [ -e "$p" ] || [ -L "$p" ] && echo "$p"; done <"$tmp/contents" >"$tmp/after"
expect "dpkg --purge: nothing of it left" "$(cat "$tmp/before")" "$(cat "$tmp/after")"
expect "ldconfig forgot libnetgraph" "" "$(ldconfig -p | grep libnetgraph)"
finish
