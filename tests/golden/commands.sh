#!/usr/bin/env bash
# Golden test: the commands not covered elsewhere: help (spec §13 case
# 40), the one-shot lifetime of ngctl's node (case 9), debug, msg, write,
# read, quit, and the interactive mode on a pseudo-terminal.
source "$(dirname "$0")/../lib.sh"

ERR() { echo "ngctl: send msg: $1"; }

start_ngd || finish

# 40: the command table, in help order, with the summaries of spec §8.2
# (the wait is NGD_TIMEOUT's: 20 s under make check-asan)
HELP='Available commands:
  capture    Capture the frames crossing hook <hook> of the node at <path>
  config     get or set configuration of node at <path>
  connect    Connects hook <peerhook> of the node at <relpath> to <hook>
  debug      Get/set debugging verbosity level
  dot        Produce a GraphViz (.dot) of the entire netgraph.
  help       Show command summary or get more help on a specific command
  list       Show information about all nodes
  mkpeer     Create and connect a new node to the node at "path"
  msg        Send a netgraph control message to the node at "path"
  name       Assign name <name> to the node at <path>
  read       Read and execute commands from a file
  rmhook     Disconnect hook "hook" of the node at "path"
  show       Show information about the node at <path>
  shutdown   Shutdown the node at <path>
  status     Get human readable status information from the node at <path>
  top        Show the busiest hooks, refreshed
  types      Show information about all installed node types
  write      Send a data packet down the hook named by "hook".
  quit       Exit program
Each request waits up to '"${NGD_TIMEOUT:-5}"' s for ngd (ngctl -t seconds; 0: forever).'
check "40 help" 0 "$HELP" "" ngctl help
check "40 ? is help" 0 "$HELP" "" ngctl '?'
check "40 help ls" 0 "usage:    list [-ln]
Aliases:  ls
Summary:  Show information about all nodes" "" \
    eval "ngctl help ls | sed -n 1,3p"
# usage, aliases and summary of each command; a description for exactly
# the seventeen that have one, wrapped to 64 columns after a 2-space indent,
# no line ending in a space (show's broke after "out.  " and kept one)
while IFS=';' read -r cmd usage aliases desc; do
	want="usage:    $usage"
	[ -n "$aliases" ] && want+=$'\n'"Aliases:  $aliases"
	want+=$'\n'"Summary:  $(sed -nE "s/^  $cmd +//p" <<<"$HELP")"
	[ "$desc" == y ] && want+=$'\n'"Description:"
	check "40 help $cmd" 0 "$want" "" \
	    eval "ngctl help $cmd | sed '/^Description:/q'"
	if [ "$desc" == y ]; then
		bad=$(ngctl help "$cmd" | sed '1,/^Description:/d' |
		    grep -vxE '  [^ ](.{0,62}[^ ])?' | grep -E '.' )
		expect "40 help $cmd: description lines" "" "$bad"
	fi
done <<'END'
capture;capture [-c count] [-F format] [-s snaplen] [-w file] [-y linktype] <path> <hook> [expression];;y
config;config <path> [arguments];;y
connect;connect [path] <relpath> <hook> <peerhook>;join;y
debug;debug [level];;y
dot;dot [-c] [outputfile];graphviz, confdot;y
help;help [command];?;
list;list [-ln];ls;y
mkpeer;mkpeer [path] <type> <hook> <peerhook>;;y
msg;msg path command [args ... ];cmd;y
name;name <path> <name>;;y
read;read <filename>;source, .;y
rmhook;rmhook [path] <hook>;disconnect;y
show;show [-n] <path>;inquire, info;y
shutdown;shutdown <path>;kill, rmnode;y
status;status <path>;;y
top;top [-b] [-d seconds] [-n count] [-o b|f|d|n];;y
types;types;;y
write;write hook < -f file | byte ... >;w;y
quit;quit;exit;
END
want=$(ngctl help show)
for w in inquire info INF; do
	check "40 help $w" 0 "$want" "" ngctl help $w
done

# 9: a one-shot ngctl's node goes when it exits, and a hub with it
check "9 mkpeer . hub a b" 0 "" "" ngctl mkpeer . hub a b
check "9 no hub left" 0 "There are 1 total nodes:
  Name: probe           Type: socket          ID: ########   Num hooks: 0" "" \
    masked ngctl -n probe list

# debug: query, set, step
check "debug" 0 "Current debug level is 0" "" ngctl debug
check "debug 3, +, -, -" 0 "Current debug level is 3
Current debug level is 4
Current debug level is 2" "" ngctl -f - <<'END'
debug 3
debug
debug +
debug
debug -
debug -
debug
debug 0
END
check "-d -d raises the level" 0 "Current debug level is 2" "" \
    eval "ngctl -d -d debug 2>/dev/null"

# msg: no reply; a reply the ASCII engine cannot convert is dumped in hex
ngctl -f - <<'END'
mkpeer . hub a b
name a H
msg H: setpersistent
END
check "msg H: setpersistent (no reply)" 0 "" "" ngctl msg H: setpersistent
check "cmd (alias)" 0 "" "" ngctl cmd H: setpersistent
out=$(ngctl -n probe msg . nodeinfo)
expect "msg . nodeinfo prints the reply" 0 $?
if grep -qE '^Rec'"'"'d response ("nodeinfo" )?\(?805306374\)? from "\[[0-9a-f]+\]:":$' \
    <<<"$(head -n 1 <<<"$out")"; then
	ok "msg . nodeinfo: reply header"
else
	fail "msg . nodeinfo: reply header"
	echo "$out" | sed 's/^/    /'
fi
if grep -q '^Args:	{ name="probe" type="socket" id=0x' <<<"$out" ||
    grep -q '^0000:  70 72 6f 62 65 00 ' <<<"$out"; then
	ok "msg . nodeinfo: the reply's contents"
else
	fail "msg . nodeinfo: the reply's contents"
	echo "$out" | sed 's/^/    /'
fi

# write: bytes in decimal, hex, octal and negative; from a file
cat >"$tmp/loop" <<'END'
# a hub between two of our hooks: what goes out of a comes back on c
mkpeer . hub a b
connect . a c d
write a 72 0x65 0154 108 111 -1
w a 1
END
check "write bytes" 0 "" "" ngctl -f "$tmp/loop"
printf 'hello' >"$tmp/pkt"
check "write -f file" 0 "" "" ngctl -f - <<END
mkpeer . hub a b
write a -f $tmp/pkt
END
check "write to a missing hook" 71 "" \
    'ngctl: writing to hook "a": No route to host' ngctl write a 1

# read, its aliases, nesting, comments and quit
printf '# comment\nshow -n H:\n\nsource %s\n' "$tmp/inner" >"$tmp/outer"
printf 'show -n H:\n' >"$tmp/inner"
want="  Name: H               Type: hub             ID: ########   Num hooks: 0"
check "read" 0 "$want
$want" "" masked ngctl read "$tmp/outer"
check ". (alias of read)" 0 "$want
$want" "" masked ngctl . "$tmp/outer"
printf 'show nosuch:\n' >"$tmp/bad"
printf 'show -n H:\nquit\nshow nosuch:\n' >"$tmp/quit"
check "quit ends a script quietly" 0 "$want" "" masked ngctl -f "$tmp/quit"
printf 'read %s\nshow -n H:\n' "$tmp/quit" >"$tmp/quit2"
check "quit in a nested script ends them all" 0 "$want" "" \
    masked ngctl -f "$tmp/quit2"
# a script that reads itself: 16 deep, then an error at each level
# (it ran ngctl out of stack: SIGSEGV, exit 139, not a word)
printf 'read %s\n' "$tmp/self" >"$tmp/self"
check "a script that reads itself" 71 "" \
"ngctl: $tmp/self: scripts read 16 deep (does one read itself?)
$(for _ in $(seq 16); do echo 'ngctl: line 1: error in file'; done)" \
    ngctl read "$tmp/self"
check "exit (alias of quit)" 0 "" "" ngctl exit
check "arguments win over -f" 0 "$want" "" \
    masked ngctl -f "$tmp/bad" show -n H:
check "words split on any white space" 0 "$want" "" \
    masked ngctl -f - <<<$'  show\t -n \v H:  \r'
# A line has at most 32 MiB (a request, 16 MiB): 40 MB without a
# newline (a binary file, /dev/zero) was read whole, and a line that did
# not fit in memory was taken for the end of the script, exit 0.
check "a line longer than 32 MiB" 71 "" "ngctl: line 1: longer than 32 MiB" \
    eval "head -c 40M /dev/zero | ngctl -f -"
check "... in a file read" 71 "" "ngctl: line 1: longer than 32 MiB
ngctl: line 1: error in file" \
    eval "head -c 40M /dev/zero >'$tmp/zero' && ngctl -f - <<<'read $tmp/zero'"

# status and config on a type that has no text
check "status H:" 0 'No status available for "H:"' "" ngctl status H:
check "config H: a b" 0 'No config available for "H:"' "" ngctl config H: a b

# interactive: help at start, the "+ " prompt, commands, a packet that
# arrives meanwhile, end of input.  Needs script(1) for a terminal.
if command -v script >/dev/null; then
	{
		sleep 0.3
		printf 'mkpeer . hub a b\n'
		sleep 0.2
		printf 'connect . a c d\n'
		sleep 0.2
		printf 'write c 72 105 10\n'
		sleep 0.5
		printf 'show -n H:\n'
		sleep 0.3
		printf '\004'
		sleep 0.3
	} | script -qec "ngctl -n inter" /dev/null | tr -d '\r' >"$tmp/tty"
	for line in "Available commands:" "  quit       Exit program" \
	    'Rec'"'"'d data packet on hook "a":' \
	    '0000:  48 69 0a                                         Hi.             ' \
	    "$(masked echo "$want")"; do
		# (a line may follow a prompt)
		if masked cat "$tmp/tty" | grep -qF -- "$line"; then
			ok "interactive: $line"
		else
			fail "interactive: $line"
			sed 's/^/    /' "$tmp/tty"
		fi
	done
	expect "interactive: prompts" 5 "$(grep -o '+ ' "$tmp/tty" | wc -l)"
	# ngd stops under a session: one line says so, in words (it said
	# "recv incoming message: Socket is not connected" and more)
	{
		sleep 0.3
		kill "$NGD_PID"
		sleep 0.5
		printf 'list\n'
		sleep 0.3
		printf '\004'
		sleep 0.3
	} | script -qec "ngctl -n inter2" /dev/null | tr -d '\r' >"$tmp/tty2"
	expect "interactive: ngd stopping is told once" 1 \
	    "$(grep -c 'ngctl: ngd closed the connection (it stopped); quit, and start ngctl again' "$tmp/tty2")"
	expect "interactive: ... and nothing about reads" 0 \
	    "$(grep -c 'recv incoming\|reading hook' "$tmp/tty2")"
fi

finish
