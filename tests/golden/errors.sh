#!/usr/bin/env bash
# Golden test: ngctl's error messages and exit statuses (spec §8.1, §13
# cases 16, 30-35 and 41): FreeBSD's wording, 64 for usage, 66 for an
# unreadable script, 71 for everything that failed.
source "$(dirname "$0")/../lib.sh"

ERR() { echo "ngctl: send msg: $1"; }
USAGE='usage: ngctl [-d] [-f file] [-n name] [command ...]'

# Before ngd runs: nothing answers, and -N (here NGCTL_NO_AUTOSTART, set
# by lib.sh) keeps ngctl from starting one.
check "no ngd, no autostart" 71 "" \
"ngctl: can't create node: Connection refused
ngctl: no ngd answers on @netgraph" ngctl list
check "no ngd, no autostart: NGD_SOCKET" 71 "" \
"ngctl: can't create node: Connection refused
ngctl: no ngd answers on @elsewhere" env NGD_SOCKET=@elsewhere ngctl -N list
check "-f file that cannot be opened (before any node)" 66 "" \
    "ngctl: $tmp/nosuch: No such file or directory" ngctl -f "$tmp/nosuch"
# 35: no command and stdin not a terminal
check "35 no command" 64 "" "ngctl: no command specified
$USAGE" ngctl </dev/null
check "illegal option" 64 "" "ngctl: illegal option -- x
$USAGE" ngctl -x list
check "option without its argument" 64 "" \
    "ngctl: option requires an argument -- n
$USAGE" ngctl -n

start_ngd || finish
ngctl -f - <<'END'
mkpeer . hub a b
name a H
msg H: setpersistent
END

check "node name already taken" 71 "" \
    "ngctl: can't create node: Address already in use" ngctl -n H list

# 16: a command the node does not know; FreeBSD's line, then (ours) the
# node's type and the page that lists its messages
check "16 msg H: nosuchcmd" 71 "" "$(ERR 'Function not implemented')
ngctl: node type hub has no message \"nosuchcmd\" (ng_hub(4) lists its messages)" \
    ngctl msg H: nosuchcmd
check "16 msg to a node that is not there" 71 "" \
    "$(ERR 'No such file or directory')" ngctl msg nosuch: getstats
# 30, 31: types that mkpeer cannot make; after FreeBSD's line, ours says
# that the type is the cause (and drops FreeBSD's module prefix ng_), not
# when it is the path
check "30 mkpeer . nosuchtype a b" 71 "" \
    "$(ERR 'No such file or directory')
ngctl: there is no node type \"nosuchtype\" (ngctl types lists them)" \
    ngctl mkpeer . nosuchtype a b
check "30 mkpeer . ng_hub a b" 71 "" "$(ERR 'No such file or directory')
ngctl: there is no node type \"ng_hub\": the type is called \"hub\"" \
    ngctl mkpeer . ng_hub a b
check "30 mkpeer from a node that is not there" 71 "" \
    "$(ERR 'No such file or directory')" ngctl mkpeer nosuch: hub a b
check "31 mkpeer . socket a b" 71 "" "$(ERR 'Invalid argument')" \
    ngctl mkpeer . socket a b
# 32: a type with no status or config text is no failure
check "32 status H:" 0 'No status available for "H:"' "" ngctl status H:
check "32 config H:" 0 'No config available for "H:"' "" ngctl config H:
check "32 config H: with arguments" 0 'No config available for "H:"' "" \
    ngctl config H: a b c
# a node's name without its colon is a path of hooks from ngctl's own
# node; after FreeBSD's line, ours says so when a node has that name
NOCOLON='ngctl: without a colon, "H" is a hook of ngctl'"'"'s own node; the node named H is "H:"'
check "show H (no colon)" 71 "" "$(ERR 'No such file or directory')
$NOCOLON" ngctl show H
check "msg H setpersistent (no colon)" 71 "" "$(ERR 'No such file or directory')
$NOCOLON" ngctl msg H setpersistent
check "shutdown H (no colon)" 71 "" "ngctl: shutdown: No such file or directory
$NOCOLON" ngctl shutdown H
check "connect's relpath H from H: (no colon)" 71 "" \
    "$(ERR 'No such file or directory')
ngctl: without a colon, \"H\" is a hook of node H:; the node named H is \"H:\"" \
    ngctl connect H: H x y
check "show of a bare word that names no node either" 71 "" \
    "$(ERR 'No such file or directory')" ngctl show nosuch
check "32 status of a missing node" 71 "" "$(ERR 'No such file or directory')" \
    ngctl status nosuch:
check "32 config of a missing node" 71 "" "$(ERR 'No such file or directory')" \
    ngctl config nosuch:
check "shutdown of a missing node" 71 "" \
    "ngctl: shutdown: No such file or directory" ngctl shutdown nosuch:

# 33: command words: prefixes, any case, aliases, ambiguity
check "33 sh is ambiguous" 71 "" 'ngctl: "sh": ambiguous command' \
    ngctl sh H:
for w in s d c con conf; do
	check "33 $w is ambiguous" 71 "" "ngctl: \"$w\": ambiguous command" \
	    ngctl $w
done
check "33 frob" 71 "" 'ngctl: "frob": unknown command' ngctl frob
check "33 a prefix longer than the name" 71 "" \
    'ngctl: "listing": unknown command' ngctl listing
want=$(masked ngctl -n probe list)
check "33 LS is list" 0 "$want" "" masked ngctl -n probe LS
check "33 l is list" 0 "$want" "" masked ngctl -n probe l
want=$(ngctl show H:)
check "33 inf is show" 0 "$want" "" ngctl inf H:
check "33 SHOW is show" 0 "$want" "" ngctl SHOW H:
check "33 sho is show" 0 "$want" "" ngctl sho H:
# Our commands (capture, top) take no word from FreeBSD's: t is types,
# as there; a word that abbreviates none of FreeBSD's may name ours.
want=$(ngctl types)
check "33 t is types, not top" 0 "$want" "" ngctl t
check "33 T is types" 0 "$want" "" ngctl T
check "33 to is top" 64 "" \
    "ngctl: usage: top [-b] [-d seconds] [-n count] [-o b|f|d|n]" ngctl to -x
check "top -d out of range says the range" 64 "" \
    "ngctl: top: -d 0.01: want 0.1 to 3600 seconds
ngctl: usage: top [-b] [-d seconds] [-n count] [-o b|f|d|n]" ngctl top -d 0.01
check "capture: a node without that hook says so" 71 "" \
    'ngctl: capture: H: has no hook "nosuch"' ngctl capture H: nosuch
check "capture: no such node" 71 "" "$(ERR 'No such file or directory')" \
    ngctl capture nosuch: a
check "33 ca is capture" 64 "" \
    "ngctl: usage: capture [-c count] [-F format] [-s snaplen] [-w file] [-y linktype] <path> <hook> [expression]" \
    ngctl ca
# A bad option argument is a usage error that names it.
CAPU="ngctl: usage: capture [-c count] [-F format] [-s snaplen] [-w file] [-y linktype] <path> <hook> [expression]"
check "capture -F bogus" 64 "" "ngctl: capture: -F bogus: unknown format (pcap or pcapng)
$CAPU" ngctl capture -F bogus -w /dev/null H: a
check "capture -F without -w" 64 "" "ngctl: capture: -F pcap without -w
$CAPU" ngctl capture -F pcap H: a
check "capture -y bogus" 64 "" "ngctl: capture: -y bogus: unknown link type
$CAPU" ngctl capture -y bogus H: a
check "capture -c 0" 64 "" "ngctl: capture: -c 0: want a count of frames, 1 or more
$CAPU" ngctl capture -c 0 H: a
check "capture -s x" 64 "" "ngctl: capture: -s x: want a number of bytes
$CAPU" ngctl capture -s x H: a

# 34: usage errors print the command's usage string
check "34 show" 64 "" "ngctl: usage: show [-n] <path>" ngctl show
check "34 list extra" 64 "" "ngctl: usage: list [-ln]" ngctl list extra
check "34 list -x" 64 "" "ngctl: usage: list [-ln]" ngctl list -x
check "34 show -x H:" 64 "" "ngctl: usage: show [-n] <path>" ngctl show -x H:
check "34 show a b" 64 "" "ngctl: usage: show [-n] <path>" ngctl show a b
check "34 config" 64 "" "ngctl: usage: config <path> [arguments]" \
    ngctl config
check "34 connect a b" 64 "" \
    "ngctl: usage: connect [path] <relpath> <hook> <peerhook>" \
    ngctl connect a b
check "34 debug 1 2" 64 "" "ngctl: usage: debug [level]" ngctl debug 1 2
check "34 debug -3" 64 "" "ngctl: usage: debug [level]" ngctl debug -3
check "34 dot a b" 64 "" "ngctl: usage: dot [-c] [outputfile]" ngctl dot a b
check "34 mkpeer a b c d e" 64 "" \
    "ngctl: usage: mkpeer [path] <type> <hook> <peerhook>" \
    ngctl mkpeer a b c d e
check "34 msg H:" 64 "" "ngctl: usage: msg path command [args ... ]" \
    ngctl msg H:
check "34 read" 64 "" "ngctl: usage: read <filename>" ngctl read
check "34 rmhook" 64 "" "ngctl: usage: rmhook [path] <hook>" ngctl rmhook
check "34 shutdown" 64 "" "ngctl: usage: shutdown <path>" ngctl shutdown
check "34 status" 64 "" "ngctl: usage: status <path>" ngctl status
check "34 types x" 64 "" "ngctl: usage: types" ngctl types x
check "34 write h" 64 "" "ngctl: usage: write hook < -f file | byte ... >" \
    ngctl write h
check "34 write h -f" 64 "" \
    "ngctl: usage: write hook < -f file | byte ... >" ngctl write h -f

# 41: a failing line stops a script and is reported with its number
printf 'write zz 1 2\nlist\n' >"$tmp/w1"
check "41 write to a missing hook, in a script" 71 "" \
'ngctl: writing to hook "zz": No route to host
ngctl: line 1: error in file' ngctl -f "$tmp/w1"
printf '# a comment\n\nwrite zz 300\n' >"$tmp/w2"
check "41 invalid byte, line 3" 71 "" 'ngctl: invalid byte "300"
ngctl: line 3: error in file' ngctl -f "$tmp/w2"
check "invalid byte -129" 71 "" 'ngctl: invalid byte "-129"' \
    ngctl write zz 1 -129
check "invalid byte x" 71 "" 'ngctl: invalid byte "x"' ngctl write zz x
check "write from a missing file" 71 "" \
    "ngctl: can't read file \"$tmp/nosuch\": No such file or directory" \
    ngctl write zz -f "$tmp/nosuch"
: >"$tmp/empty"
check "write from an empty file" 71 "" \
    "ngctl: file \"$tmp/empty\" is empty" ngctl write zz -f "$tmp/empty"
check "read a missing file" 71 "" \
    "ngctl: $tmp/nosuch: No such file or directory" ngctl read "$tmp/nosuch"
printf 'show nosuch:\n' >"$tmp/bad"
check "read a failing script" 71 "" "$(ERR 'No such file or directory')
ngctl: line 1: error in file" ngctl read "$tmp/bad"
printf 'list\nshow\n' >"$tmp/usage"
check "usage error in a script" 64 "$(masked ngctl -n probe list)" \
    "ngctl: usage: show [-n] <path>
ngctl: line 2: error in file" masked ngctl -n probe -f "$tmp/usage"
printf 'frob\n' >"$tmp/frob"
check "unknown command in a script from stdin" 71 "" \
    'ngctl: "frob": unknown command
ngctl: line 1: error in file' ngctl -f - <"$tmp/frob"
check "help on an unknown command" 0 "" 'ngctl: "frob": unknown command' \
    ngctl help frob

# The seed page's session, one mkpeer after another from ngctl's own node
# in one ngctl: the second finds the first one's hook taken; after
# FreeBSD's line, ours says why and what to do
printf 'mkpeer hub ether ether\nname ether seedhub\nmkpeer hub ether ether\n' \
    >"$tmp/seed"
check "a second mkpeer from . on the same hook" 71 "" "$(ERR 'File exists')
ngctl: hook \"ether\" of ngctl's own node \".\" leads to seedhub: until ngctl exits: name another hook, or run the command as an ngctl of its own
ngctl: line 3: error in file" ngctl -f "$tmp/seed"

finish
