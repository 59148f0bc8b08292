#!/usr/bin/env bash
# What a new user reads against what the tree does:
#   - README's "Dependencies" and scripts/deps name the same Debian
#     packages: each package the script installs is explained in the
#     README (systemd-container and linux-perf were not), each package
#     the README lists is installed by the script, but for the ones the
#     README itself says it leaves out, and each has its line in the
#     script's header comment.
source "$(dirname "$0")/../lib.sh"
cd "$top" || exit 1

# --- README "Dependencies" against scripts/deps ---------------------------
# the packages scripts/deps installs: its pkgs="..." line
deps=$(sed -n 's/^pkgs="\(.*\)"$/\1/p' scripts/deps | tr ' ' '\n' | sort -u)
# the README's section, from its heading to the next
section=$(awk '/^## Dependencies$/ { s = 1; next } /^## / { s = 0 } s' README.md)
# Each bullet names its packages: the `package` in parentheses after the
# bold name where there is one (**libedit** (`libedit-dev`)), else every
# bold name (**podman**, **runc**, **busybox-static**).
readme=$(grep '^- \*\*' <<<"$section" | while read -r line; do
	if [[ "$line" =~ ^-\ \*\*[^*]+\*\*\ \(\`([a-z0-9.+-]+)\` ]]; then
		echo "${BASH_REMATCH[1]}"
	else
		grep -oE '\*\*[a-z0-9.+-]+\*\*' <<<"$line" | tr -d '*'
	fi
done | sort -u)
expect "scripts/deps has a pkgs line" 1 "$([ -n "$deps" ] && echo 1)"
expect "README lists the packages" 1 "$([ "$(wc -l <<<"$readme")" -gt 20 ] && echo 1)"
# what the README says scripts/deps leaves out, each in its own words
# (pthreads is glibc's; graphviz is optional; lintian and Open vSwitch
# are named in the text, not as bullets of their own)
for p in pthreads graphviz; do
	expect "README says why $p is not in scripts/deps" 1 \
	    "$(grep -cE "^- \*\*$p\*\* \((part of glibc|optional)\)" <<<"$section")"
done
expect "every package scripts/deps installs is explained in README's Dependencies" "" \
    "$(comm -23 <(echo "$deps") <(echo "$readme"))"
expect "every package README's Dependencies lists is installed by scripts/deps" "" \
    "$(comm -13 <(echo "$deps") <(echo "$readme") | grep -vxE 'pthreads|graphviz')"
# the script's header says what each is for: "#   pkg   why" lines
# (the names end at two spaces, or at one after a single name)
commented=$(sed -n 's/^#   \([a-z0-9]\)/\1/p' scripts/deps | awk '{
	n = index($0, "  ")
	print (n > 0 && substr($0, 1, n - 1) ~ /^[a-z0-9.+ -]+$/) ? \
	    substr($0, 1, n - 1) : $1
}' | tr ' ' '\n' | grep . | sort -u)
expect "scripts/deps's header says what each package is for" "" \
    "$(comm -23 <(echo "$deps") <(echo "$commented"))"

finish
