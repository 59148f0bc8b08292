#!/usr/bin/env bash
# A reply too large to show as text, or to come at all, is said so on
# stderr, with what to do, where ngctl printed a hex dump, or "No buffer
# space available", with no word why.  Two persistent hubs joined by
# many edges give listhooks replies of any size (136 bytes an edge in
# binary), which anyone may ask for:
#
#   A ==l1..lN== Z
#
#  - 40,000 edges (5.4 MB): a user's reply comes, but a user's request
#    to convert it to text goes whole, one datagram (some 4 MiB at
#    most): hex, and the line that says why; root's, text;
#  - 130,000 edges (17.7 MB): a user's reply is larger than the 16 MiB
#    ngd sends a user: ENOBUFS, and the line; root's, text (frames to
#    and from root may be 256 MiB).
source "$(dirname "$0")/../lib.sh"
trap 'stop_ngd; rm -rf "$tmp"' EXIT
as_nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups -- "$@"; }
start_ngd || finish
ngctl -f - <<'EOS' || fail "hubs A and Z"
mkpeer . hub h x
name .:h A
msg A: setpersistent
rmhook . h
mkpeer A: hub z z
name A:z Z
msg Z: setpersistent
rmhook A: z
EOS
# edges FROM TO: join A and Z by edges lFROM..lTO
edges() { for i in $(seq "$1" "$2"); do echo "connect A: Z: l$i l$i"; done | ngctl -f -; }
less="ask for less (for a bridge: getstats, or a smaller setmaxhosts)"

edges 1 40000 || fail "40,000 edges"
check "a user's listhooks of 40,000 edges: hex, and why" 0 \
    "Rec'd response 805306375 from \"[ID]:\":" \
    "ngctl: the reply, 5440072 bytes, is too large to send back to ngd for its text (256 MiB from root or ngd's -g group, one datagram from others), so it is shown in hex; $less" \
    sh -c 'setpriv --reuid=65534 --regid=65534 --clear-groups -- ngctl msg A: listhooks |
	head -n 1 | sed -E "s/\[[0-9a-f]+\]:/[ID]:/"'
ngctl msg A: listhooks >"$tmp/out" 2>"$tmp/err"
expect "root's: text, all of them" "0 40000 " \
    "$? $(grep -o 'ourhook=' "$tmp/out" | wc -l) $(cat "$tmp/err")"

edges 40001 130000 || fail "130,000 edges"
check "a user's listhooks of 130,000 edges: ENOBUFS, and why" 71 "" \
    "ngctl: send msg: No buffer space available
ngctl: the reply was larger than ngd sends (256 MiB to root or ngd's -g group, 16 MiB to others); $less" \
    as_nobody ngctl msg A: listhooks
ngctl msg A: listhooks >"$tmp/out" 2>"$tmp/err"
expect "root's: text, all of them" "0 130000 " \
    "$? $(grep -o 'ourhook=' "$tmp/out" | wc -l) $(cat "$tmp/err")"
finish
