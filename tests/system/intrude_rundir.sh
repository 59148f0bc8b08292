#!/usr/bin/env bash
# ngd replays, as root, the journal it finds in its directory (-J, or
# /run/netgraph-NAME of an ngd on socket @NAME): a directory another
# user made first, or could rename or write, would let that user make
# any graph (a ksocket to a root-only socket, an ether node on any
# interface).  ngd refuses to start on one, and says what is wrong:
#   $tmp/nobody    made by another user (nobody)
#   $tmp/link      a symbolic link (to a directory of root's)
#   $tmp/open      root's, but writable by anyone
#   $tmp/theirs/j  under a directory of nobody's (j itself missing)
#   /run/netgraph-NAME made by nobody, for ngd -s @NAME
# and starts on a directory of its own, or one it makes under /tmp.
# jail(8) likewise refuses a /run/jail (its records: what jail -r moves,
# kills and removes) that another user owns or anyone may write.
source "$(dirname "$0")/../lib.sh"
# (the sandbox's $$ is 1: the name of $tmp tells this run apart)
name=ngtest-intr-${tmp##*.}
export NGD_SOCKET=@$name
run=/run/netgraph-$name
cleanup() {
	chown 0:0 /run/jail
	chmod 755 /run/jail
	jail -q -r "*" >/dev/null 2>&1
	stop_ngd
	umount "$tmp/ro" 2>/dev/null
	rm -rf "$tmp" "$run"
}
trap cleanup EXIT
chmod 755 "$tmp"
mkdir "$tmp/nobody" "$tmp/open" "$tmp/theirs" "$tmp/root" "$run"
chown 65534:65534 "$tmp/nobody" "$tmp/theirs" "$run"
chmod 700 "$tmp/nobody" "$tmp/root"
chmod 777 "$tmp/open"
ln -s "$tmp/root" "$tmp/link"

# refused DIR WHY [ngd options]: ngd will not start on DIR, and says WHY
refused() {
	local dir=$1 why=$2
	shift 2
	timeout 10 ngd -d "$@" >"$tmp/out" 2>&1
	expect "$dir: ngd refuses to start" 73 "$?"
	expect "$dir: ngd says why" \
	    "ngd: $why: not ngd's own: the journal there would be replayed as root; remove it, or choose another directory with -J" \
	    "$(grep -v '^ngd\[' "$tmp/out" | head -1)"
}
refused nobody "$tmp/nobody is owned by uid 65534" -J "$tmp/nobody"
refused link "$tmp/link is a symbolic link of uid 0" -J "$tmp/link"
refused open "$tmp/open is writable by others (mode 0777)" -J "$tmp/open"
refused theirs/j "$tmp/theirs is owned by uid 65534" -J "$tmp/theirs/j"
refused "$run" "$run is owned by uid 65534"
expect "nothing was written into nobody's directories" "" \
    "$(find "$tmp/nobody" "$tmp/theirs" "$run" -mindepth 1)"

# one of root's, and one ngd makes under /tmp (sticky): served
start_ngd -J "$tmp/root"
expect "ngd serves with a directory of root's" 0 \
    "$(ngctl -N list >/dev/null 2>&1; echo $?)"
stop_ngd
# (its parents missing too: ngd made only the last level, and served
# with no journal)
start_ngd -J "$tmp/made/deep/j"
expect "ngd serves with a directory it makes" 0 \
    "$(ngctl -N list >/dev/null 2>&1; echo $?)"
ngctl mkpeer . hole h h
for _ in $(seq 250); do
	ls "$tmp"/made/deep/j/*/journal >/dev/null 2>&1 && break
	sleep 0.02
done
expect_rc "... its parents too, and keeps its journal there" 0 \
    quiet ls "$tmp"/made/deep/j/*/journal
stop_ngd
# one it cannot make: ngd says so and does not start
mkdir "$tmp/ro"
mount -t tmpfs -o ro tmpfs "$tmp/ro"
timeout 10 ngd -d -J "$tmp/ro/a/j" >"$tmp/out" 2>&1
expect "a directory it cannot make: ngd refuses to start" 73 "$?"
expect "... and says why" \
    "ngd: cannot make $tmp/ro/a, above the journal's directory $tmp/ro/a/j: Read-only file system" \
    "$(grep -v '^ngd\[' "$tmp/out" | head -1)"
umount "$tmp/ro"

# jail(8)'s records: the sandbox's own /run/jail, given away, opened up
for how in "chown 65534:65534" "chmod 777"; do
	$how /run/jail
	out "/run/jail after $how: jail refuses" 1 "" \
	    "jail: /run/jail: not jail(8)'s own ($(stat -c 'a directory of uid %u, mode %04a' /run/jail); its lock of uid 0): its records cannot be trusted; remove it
jail: /run/jail: Operation not permitted" \
	    jail -c name=intr path=/ persist
	chown 0:0 /run/jail
	chmod 755 /run/jail
done
expect_rc "/run/jail of root's: jail makes a jail" 0 \
    jail -q -c name=intr path=/ persist
expect_rc "... and removes it" 0 jail -q -r intr
finish
