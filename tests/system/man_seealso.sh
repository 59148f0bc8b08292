#!/usr/bin/env bash
# Every program and node type has a manual page, and every page our man
# pages refer to in SEE ALSO that is the project's own
# (ng*, netgraph, jail*, jexec, jls) is installed by `make install
# DESTDIR=...`, in the section the reference names.  (jail.conf(5) was
# referred to by jail(8) and jls(8) but never installed: issue 14 item 3.)
# Pages of other packages (ip-netns(8), namespaces(7)...) are left out:
# whether they are there is the system's business.
source "$(dirname "$0")/../lib.sh"

dest="$tmp/root"
expect_rc "make install DESTDIR" 0 \
    quiet make -s -C "$top" install DESTDIR="$dest" PREFIX=/usr
mandir="$dest/usr/share/man"
n=0
for page in "$top"/man/*.[0-9]; do
	# the .Xr lines between .Sh SEE ALSO and the next .Sh
	refs=$(awk '/^\.Sh /{ see = ($2 == "SEE") } see && /^\.Xr /{ print $2, $3 }' "$page")
	while read -r name sec; do
		[ -n "$name" ] || continue
		case $name in
		ng* | netgraph | jail | jail.conf | jexec | jls) ;;
		*) continue ;;
		esac
		sec=${sec%%[!0-9]*}
		n=$((n + 1))
		expect_rc "$(basename "$page") refers to $name($sec): installed" 0 \
		    test -f "$mandir/man$sec/$name.$sec"
	done <<<"$refs"
done
expect_rc "the pages refer to some of ours (the check ran: $n)" 0 test "$n" -gt 10
# Every program installed has its page, and every node type ngd knows
for prog in "$dest"/usr/sbin/*; do
	b=$(basename "$prog")
	expect_rc "$b has a manual page" 0 test -f "$mandir/man8/$b.8"
done
expect_rc "the CNI plugin has a manual page" 0 test -f "$mandir/man8/netgraph-cni.8"
start_ngd || finish
types=$(ngctl types | awk 'NR > 3 { print $1 }')
expect_rc "ngctl types lists some (the check ran)" 0 test "$(wc -w <<<"$types")" -gt 10
for t in $types; do
	expect_rc "node type $t has ng_$t(4)" 0 test -f "$mandir/man4/ng_$t.4"
done
# and every page we have is installed
for page in "$top"/man/*.[0-9]; do
	b=$(basename "$page")
	expect_rc "$b installed" 0 test -f "$mandir/man${b##*.}/$b"
done
finish
