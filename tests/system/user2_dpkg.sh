#!/usr/bin/env bash
# The Debian package as a Debian user builds one from a source tree:
#   - `dpkg-buildpackage -b -uc -us` runs debian/rules and leaves
#     netgraph_VERSION_ARCH.deb, .buildinfo and .changes beside the tree
#     (there was no debian/rules: "Can't exec debian/rules");
#   - the package's Depends name the package of every shared library its
#     programs need (the CNI plugin's libjson-c was left out: mkdeb ran
#     dpkg-shlibdeps on /usr/sbin's programs only), and Build-Depends a
#     package built from each one's source (libjson-c-dev was missing);
#   - `dpkg -x` into a scratch root gives programs that run from there;
#   - `debian/rules clean` takes the build away.
# The tree's build comes along and dpkg-buildpackage runs with -nc, so
# only the packaging is done here, not a second compile.
source "$(dirname "$0")/../lib.sh"
for p in dpkg-buildpackage dpkg-deb readelf; do
	command -v $p >/dev/null || { fail "$p is not installed (scripts/deps)"; exit 1; }
done
[ -x "$top/build/ngctl" ] || { fail "no build in $top (make first)"; exit 1; }

src=$tmp/src/netgraph
mkdir -p "$src"
# the tree's files (all of them but builds, outside a git checkout)
if git -C "$top" rev-parse --git-dir >/dev/null 2>&1; then
	git -C "$top" ls-files -co --exclude-standard -z |
	    (cd "$top" && tar --null -cf - -T -)
else
	(cd "$top" && tar -cf - --exclude=./build --exclude='./build-*' .)
fi | tar -xf - -C "$src"
(cd "$top" && tar -cf - --exclude=build/san --exclude=build/deb \
    --exclude=build/tests-root --exclude=build/tests build) | tar -xf - -C "$src"

(cd "$src" && dpkg-buildpackage -b -uc -us -nc) >"$tmp/log" 2>&1
rc=$?
expect "dpkg-buildpackage -b -uc -us -nc succeeds" 0 "$rc"
[ "$rc" = 0 ] || sed 's/^/    /' "$tmp/log" | tail -n 15
version=$(dpkg-parsechangelog -l "$src/debian/changelog" -S Version)
arch=$(dpkg-architecture -qDEB_HOST_ARCH)
base=$tmp/src/netgraph_${version}_$arch
deb=$base.deb
expect "... the .deb, .buildinfo and .changes beside the tree" "deb buildinfo changes" \
    "$(for e in deb buildinfo changes; do [ -s "$base.$e" ] && echo -n "$e "; done | sed 's/ $//')"
expect "... the .changes lists the .deb" 3 \
    "$(grep -c " netgraph_${version}_$arch.deb$" "$base.changes" 2>/dev/null)"
grep -q '^cc ' "$tmp/log" && fail "... the copied build was compiled again (slow)"
[ -f "$deb" ] || { finish; }

root=$tmp/root
dpkg-deb -x "$deb" "$root"
depends=$(dpkg-deb -f "$deb" Depends | sed 's/ *([^)]*)//g; s/,/ /g')
# the package of each shared library the package's programs need
for f in "$root"/usr/sbin/* "$root"/usr/lib/cni/* "$root"/usr/lib/*/libnetgraph.so.*; do
	readelf -d "$f" 2>/dev/null | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'
done | sort -u | grep -v '^libnetgraph\.' |
    sed "s|^|*/$(dpkg-architecture -qDEB_HOST_MULTIARCH)/|" >"$tmp/sonames"
needed=$(xargs -r dpkg -S <"$tmp/sonames" 2>/dev/null | sed 's/[:,].*//' | sort -u)
expect "... and they need libraries (readelf, dpkg -S)" 1 \
    "$(grep -c '^libc6$' <<<"$needed")"
missing=
for p in $needed; do
	[[ " $depends " == *" $p "* ]] || missing+="$p "
done
expect "Depends names every library's package the programs need" "" "$missing"

# Build-Depends: a package of each of those libraries' sources (libc6
# comes with build-essential)
bdeps=$(sed -n '/^Build-Depends:/,/^[^ ]/p' "$src/debian/control" | sed '$d' |
    sed 's/^Build-Depends://; s/([^)]*)//g; s/\[[^]]*\]//g' | tr ',|' '\n\n' |
    awk 'NF { print $1 }')
# "package source" of each package named
srcs() { dpkg-query -W -f='${Package} ${source:Package}\n' "$@" 2>/dev/null; }
bsrc=" $(srcs $bdeps | awk '{ print $2 }' | sort -u | tr '\n' ' ') "
nodev=$(srcs $needed | while read -r p s; do
	[ "$p" = libc6 ] || [[ "$bsrc" == *" $s "* ]] || echo -n "$p "
done)
expect "Build-Depends holds a -dev of each of those libraries" "" "$nodev"

# the unpacked programs run from the scratch root
expect "the unpacked ngctl runs: ngctl help mkpeer" \
    "usage:    mkpeer [path] <type> <hook> <peerhook>" \
    "$("$root/usr/sbin/ngctl" help mkpeer | head -n 1)"
expect "... and the CNI plugin answers VERSION" 0 \
    "$(echo '{"cniVersion":"1.0.0"}' | CNI_COMMAND=VERSION \
    "$root/usr/lib/cni/netgraph" >/dev/null 2>&1; echo $?)"

(cd "$src" && debian/rules clean) >/dev/null 2>&1
expect "debian/rules clean removes build/ and debian/files" "" \
    "$(ls -d "$src/build" "$src/debian/files" 2>/dev/null)"
finish
