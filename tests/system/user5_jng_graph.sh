#!/usr/bin/env bash
# jng graph as FreeBSD's: jng.svg by default, the format of -o's suffix
# when -T is not given (it drew SVG into net.png, and wrote netgraph.svg
# by default), and FreeBSD's words for a file that is there.  graphviz
# is optional (README, Dependencies), so a dot(1) of the test's own
# stands in: it says which formats it has, as dot -Txxx does, and writes
# the -T it was given into the -o file, with the first line of its input.
source "$(dirname "$0")/../lib.sh"
start_ngd || finish
ngctl mkpeer eiface ether ether || fail "an eiface"
mkdir "$tmp/bin" "$tmp/out"
cat >"$tmp/bin/dot" <<'EOS'
#!/bin/sh
# dot -Txxx: graphviz's complaint, its formats after the last colon
if [ "$1" = -Txxx ]; then
	echo 'Format: "xxx" not recognized. Use one of: canon dot pdf png svg' >&2
	exit 1
fi
fmt=none out=
while [ $# -gt 0 ]; do
	case $1 in
	-T*) fmt=${1#-T} ;;
	-o) out=$2; shift ;;
	esac
	shift
done
{ echo "format $fmt"; head -n 1; } >"$out"
EOS
chmod +x "$tmp/bin/dot"
export PATH="$tmp/bin:$PATH"
cd "$tmp/out" || exit 1

check "jng graph: jng.svg" 0 "" "" jng graph
expect "... drawn as SVG from ngctl dot" "format svg
graph netgraph {" "$(cat jng.svg 2>&1)"
check "jng graph again: the file is there" 1 "" \
    "jng: jng.svg: Already exists (use \`-f' to overwrite)" jng graph
check "jng graph -f: overwritten" 0 "" "" jng graph -f
check "jng graph -o net.png" 0 "" "" jng graph -o net.png
expect "... drawn as PNG, the suffix's format" "format png" \
    "$(head -n 1 net.png 2>&1)"
check "jng graph -o net.fig (a suffix dot does not have)" 0 "" "" \
    jng graph -o net.fig
expect "... in dot's own format (no -T)" "format none" "$(head -n 1 net.fig 2>&1)"
check "jng graph -T pdf" 0 "" "" jng graph -T pdf
expect "... into jng.pdf" "format pdf" "$(head -n 1 jng.pdf 2>&1)"
check "jng graph -T png -o x.svg: -T wins" 0 "" "" jng graph -T png -o x.svg
expect "... PNG in x.svg" "format png" "$(head -n 1 x.svg 2>&1)"
cd / || exit 1
finish
