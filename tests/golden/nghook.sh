#!/usr/bin/env bash
# Golden test: nghook(8).  A persistent hub H; nghook on one of its hooks
# shows (-a) or copies what the others send, and sends what it reads.
#
#   ngctl --feed-- in [H] mon -- nghook -a -n   (the monitor)
#                     [H] ... -- nghook under test
source "$(dirname "$0")/../lib.sh"
tmp=$(mktemp -d)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
	rm -rf "$tmp"
}
trap cleanup EXIT

# check NAME RC STDOUT STDERR command...: compare all three at once
check() {
	local name=$1 want="rc=$2"$'\n'"$3"$'\n'"--"$'\n'"$4" got rc
	shift 4
	got=$("$@" 2>"$tmp/err")
	rc=$?
	got="rc=$rc"$'\n'"$got"$'\n'"--"$'\n'"$(cat "$tmp/err")"
	expect "$name" "$want" "$got"
}
# wait until node $1 has a hook named $2
wait_hook() {
	for _ in $(seq 100); do
		ngctl show "$1" 2>/dev/null | grep -q "^  $2 " && return 0
		sleep 0.02
	done
	fail "hook $2 on $1 did not appear"
	return 1
}
# start nghook in the background: bg OUTFILE args...; $! is its PID
bg() {
	local out=$1
	shift
	nghook "$@" >"$out" 2>"$out.err" </dev/null &
	pids+=($!)
}
stop() { kill "$1" && wait "$1" 2>/dev/null; }
# a file's exact contents, trailing newlines included
contents() { cat "$1"; echo '|'; }
# write bytes into H through a one-shot ngctl
feed() { ngctl -f - <<<"connect H: feed in
write feed $*"; }
settle() { sleep 0.3; }

USAGE="usage: nghook [-adlnSs] [-m msg] path [hookname]
   or: nghook -e [-n] [-m msg]* path hookname prog [args...]"

start_ngd || finish
ngctl -f - <<'END'
mkpeer . hub a b
name a H
msg H: setpersistent
END

# -a: a hex dump of each frame, then an empty line
bg "$tmp/mon" -a -n H: mon
wait_hook H: mon
feed 72 101 108 108 111 10
settle
expect "-a shows a frame from the hub" \
"0000:  48 65 6c 6c 6f 0a                                Hello.          

|" "$(contents "$tmp/mon")"
: >"$tmp/mon"
feed $(seq 0 19)
settle
expect "-a: a frame of 20 bytes" \
"0000:  00 01 02 03 04 05 06 07 08 09 0a 0b 0c 0d 0e 0f  ................
0010:  10 11 12 13                                      ....            

|" "$(contents "$tmp/mon")"

# input: each read is a frame; end of input ends nghook, as FreeBSD's
: >"$tmp/mon"
check "echo data | nghook delivers it" 71 "" "nghook: EOF(stdin)" \
    eval 'echo data | nghook H: in2'
settle
expect "the monitor saw it" \
"0000:  64 61 74 61 0a                                   data.           

|" "$(contents "$tmp/mon")"
expect "nghook's hook went with it" 0 \
    "$(ngctl show H: | grep -c '^  in2 ')"

# the default hook name is "debug"
: >"$tmp/mon"
check "default hook name" 71 "" "nghook: EOF(stdin)" \
    eval 'printf x | nghook H:'
settle
expect "... frame seen" "0000:  78                                               x               

|" "$(contents "$tmp/mon")"

# raw output: the bytes, unchanged
bg "$tmp/raw" -n H: raw
raw=$!
wait_hook H: raw
feed 0 1 255 10
settle
expect "raw output" "00 01 ff 0a" "$(od -An -tx1 "$tmp/raw" | xargs)"
stop "$raw"

# -l: what arrives goes back out too (so the monitor sees it twice)
bg "$tmp/loop" -l -n H: loop
loop=$!
wait_hook H: loop
: >"$tmp/mon"
feed 65
settle
expect "-l: copied to stdout" "41" "$(od -An -tx1 "$tmp/loop" | xargs)"
expect "-l: and looped back into the hub" 2 \
    "$(grep -c '^0000:  41 ' "$tmp/mon")"
stop "$loop"

# -s writes to descriptor 0; -S reads from descriptor 1
nghook -s -n H: s0 0>"$tmp/s0" 2>/dev/null &
s0=$!
pids+=($s0)
wait_hook H: s0
feed 83
settle
expect "-s: output on descriptor 0" "53" "$(od -An -tx1 "$tmp/s0" | xargs)"
stop "$s0"
printf 'S1' >"$tmp/in"
: >"$tmp/mon"
check "-S: input from descriptor 1" 71 "" "nghook: EOF(stdin)" \
    eval 'nghook -S H: s1 1<"$tmp/in"'
settle
expect "... frame seen" "0000:  53 31                                            S1              

|" "$(contents "$tmp/mon")"

# -m: messages go to the node first
ngctl mkpeer H: bridge br link0
ngctl name H:br B
bg "$tmp/m" -n -m 'setconfig { debugLevel=3 }' -m 'getconfig' B: link5
wait_hook B: link5
expect "-m: sent before the relay starts" \
    "Args:	{ debugLevel=3 }" "$(ngctl msg B: getconfig | sed -n 2p)"
check "-m with an unknown command" 71 "" \
    "nghook: sending message 'bogus': Function not implemented" \
    nghook -n -m bogus B: link6
check "-m with a bad argument" 71 "" \
    "nghook: sending message 'getstats x': Invalid argument" \
    nghook -n -m 'getstats x' B: link6

# errors
# FreeBSD's line says nothing of why; ours, the second, gives the error,
# and a third says when the path is a node's name without its colon
check "no such node" 71 "" "nghook: can't connect to node
nghook: connect nosuch: debug: No such file or directory" nghook -n nosuch:
check "the hook is refused" 71 "" "nghook: can't connect to node
nghook: connect B: bogus: Invalid argument" \
    nghook -n B: bogus
check "the hook is taken" 71 "" "nghook: can't connect to node
nghook: connect B: link0: File exists" nghook -n B: link0
check "a node's name without its colon" 71 "" "nghook: can't connect to node
nghook: connect B link9: No such file or directory
nghook: without a colon, \"B\" is a hook of nghook's own node; the node named B is \"B:\"" \
    nghook -n B link9
check "no arguments" 64 "" "$USAGE" \
    nghook
check "too many" 64 "" "$USAGE" \
    nghook H: a b
check "unknown flag, in FreeBSD's words" 64 "" "nghook: illegal option -- x
$USAGE" nghook -x H:
check "a flag without its argument" 64 "" \
    "nghook: option requires an argument -- m
$USAGE" nghook -m

# -e: a program with the hook as its standard input and output (one
# write is one frame, one read one frame); nghook ends as it does
: >"$tmp/mon"
check "-e: what the program writes goes down the hook" 0 "" "" \
    nghook -e H: e1 /bin/sh -c 'printf hello'
settle
expect "... the monitor saw it" \
"0000:  68 65 6c 6c 6f                                   hello           

|" "$(contents "$tmp/mon")"
expect "... and the hook went with nghook" 0 \
    "$(ngctl show H: | grep -c '^  e1 ')"
nghook -e H: e2 /bin/sh -c 'dd bs=65536 count=1 2>/dev/null >"$1"; exit 3' \
    sh "$tmp/e2" 2>"$tmp/e2.err" &
e2=$!
pids+=($e2)
wait_hook H: e2
feed 1 2 3
wait "$e2"
expect "-e: exit status of the program" 3 $?
expect "-e: a frame from the hook on its standard input" "01 02 03" \
    "$(od -An -tx1 "$tmp/e2" | xargs)"
check "-e -n: standard input closed" 0 "" "" \
    nghook -e -n H: e3 /bin/sh -c '[ -e /proc/$$/fd/0 ] && exit 9; exit 0'
check "-e: a program killed by a signal" 143 "" "" \
    nghook -e H: e4 /bin/sh -c 'kill -TERM $$'
check "-e -m: messages before the program runs" 0 "" "Args:	{ debugLevel=4 }" \
    nghook -e -m 'setconfig { debugLevel=4 }' B: link7 /bin/sh -c \
	'ngctl msg B: getconfig | sed -n 2p >&2'
check "-e: a frame the hook refuses fails the write, not nghook" 0 "" \
    "nghook: write(hook): Invalid argument" \
    nghook -e B: link7 /bin/sh -c 'printf x'
check "-e: no such program" 71 "" \
    "nghook: /nonexistent: No such file or directory" \
    nghook -e H: e5 /nonexistent
check "-e: the program's options are its own" 0 "" "-n -a x" \
    nghook -e H: e6 /bin/sh -c 'echo "$0 $*" >&2' -n -a x
check "-e without a program" 64 "" "$USAGE" nghook -e H: e7
check "-e with -a" 64 "" "conflicting options
$USAGE" nghook -e -a H: e8 /bin/true
check "-e with -l" 64 "" "conflicting options
$USAGE" nghook -l -e H: e8 /bin/true
check "-e: no such node" 71 "" "nghook: can't connect to node
nghook: connect nosuch: x: No such file or directory" \
    nghook -e nosuch: x /bin/true

# -d: the library's debug output
nghook -d -d -n nosuch: 2>"$tmp/d"
expect "-d -d: exit status" 71 $?
expect "-d -d dumps the connect message" "nghook: SENDING MESSAGE:
nghook: SOCKADDR: { fam=32 len=4 addr=\".\" }" "$(head -n 2 "$tmp/d")"
expect "... and the failure" "nghook: can't connect to node
nghook: connect nosuch: debug: No such file or directory" \
    "$(tail -n 2 "$tmp/d")"
# FreeBSD's nghook says only "can't connect to node" (errx) whatever
# the reason; -d adds the library's report of the failed send with its
# errno, which tells a missing node from a refused hook.
check "-d: no such node, and why" 71 "" "nghook: sendto(.): No such file or directory
nghook: can't connect to node
nghook: connect nosuch: debug: No such file or directory" nghook -d -n nosuch:
check "-d: the hook is refused, and why" 71 "" "nghook: sendto(.): Invalid argument
nghook: can't connect to node
nghook: connect B: bogus: Invalid argument" nghook -d -n B: bogus

finish
