#!/usr/bin/env bash
# ngctl top on a terminal keeps each line within the terminal's width
# (one column spare) and each frame within its height: a title of 86
# columns on an 80-column terminal wrapped, and a frame of as many rows
# as the terminal has then pushed the title out of sight; a long node
# name did the same to its row.  On a 60x10 pty (script(1)), 12 hubs
# with long names on a persistent hub Z: 24 hooks, more than the 7 rows
# there is room for, sorted by name (the long ones first).
source "$(dirname "$0")/../lib.sh"
start_ngd || finish
ngctl -f - <<'EOS' || fail "the hub"
mkpeer . hub a b
name a Z
msg Z: setpersistent
EOS
for i in $(seq 1 12); do
	ngctl -f - <<EOS || fail "hub $i"
mkpeer Z: hub x$i y
name Z:x$i a_hub_with_a_long_name$i
msg Z:x$i setpersistent
EOS
done
script -qc "stty rows 10 cols 60; ngctl top -o n -d 0.2 -n 2" /dev/null >"$tmp/top" ||
    fail "ngctl top on a pty"
# the frames as lines: escapes and carriage returns out, a frame starting
# where the screen is cleared
sed -e 's/\x1b\[H\x1b\[2J/\nFRAME\n/g' -e 's/\x1b\[[0-9;?]*[A-Za-z]//g' \
    -e 's/\r//g' "$tmp/top" >"$tmp/lines"
expect "two frames drawn" 2 "$(grep -c '^FRAME$' "$tmp/lines")"
expect "each frame starts with its title" 2 \
    "$(grep -A1 '^FRAME$' "$tmp/lines" | grep -c '^ngctl top - ')"
expect "no line wider than 59 columns" "" \
    "$(grep -v '^FRAME$' "$tmp/lines" | awk 'length($0) > 59')"
expect "each frame 9 lines (title, heading, 7 hooks)" "9
9" "$(awk '/^FRAME$/ { if (n) print n; n = 0; f = 1; next }
    f && NF { n++ } END { print n }' "$tmp/lines")"
finish
