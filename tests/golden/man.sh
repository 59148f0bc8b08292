#!/usr/bin/env bash
# Golden test: the COMMANDS section of man/ngctl.8 is what `ngctl help`
# says (each command's usage, summary, aliases and description come from
# its cmd_*.c file), so the manual and the program cannot drift apart.
#   tests/sandbox tests/golden/man.sh --update   rewrites that section
source "$(dirname "$0")/../lib.sh"
page="$top/man/ngctl.8"
BEGIN='.\" BEGIN COMMANDS: written by tests/golden/man.sh --update from `ngctl help`'
END='.\" END COMMANDS'

# roff-safe text: \ and - escaped, no control character at line start
roff() { sed -e 's/\\/\\e/g' -e 's/-/\\-/g' -e "s/^[.']/\\\\\\&&/"; }

# The section, from the program.  The description is rejoined and set one
# sentence to a line, as roff sources are.
commands() {
	local cmd help
	echo "$BEGIN"
	for cmd in $(ngctl help | sed -nE 's/^  ([a-z]+) .*/\1/p'); do
		help=$(ngctl help "$cmd") || return 1
		echo ".TP"
		echo ".B"
		sed -n 's/^usage:    //p' <<<"$help" | roff
		sed -n 's/^Summary:  //p' <<<"$help" | roff
		if grep -q '^Aliases:  ' <<<"$help"; then
			echo ".br"
			sed -n 's/^Aliases:  /Aliases: /p' <<<"$help" | roff
		fi
		if grep -q '^Description:$' <<<"$help"; then
			echo ".IP"
			printf '%s\n' "$(sed '1,/^Description:$/d; s/^  //' \
			    <<<"$help" | tr '\n' ' ' | tr -s ' ' |
			    sed -E 's/ $//; s/([.!?]) ([A-Z<"])/\1\n\2/g')" |
			    roff
		fi
	done
	echo "$END"
}

start_ngd || finish
commands >"$tmp/commands" || fail "ngctl help"

if [ "${1:-}" == --update ]; then
	# (through ENVIRON: awk -v would eat the backslashes)
	F="$tmp/commands" B="$BEGIN" E="$END" awk '
	    $0 == ENVIRON["B"] {
		while ((getline l < ENVIRON["F"]) > 0)
			print l
		skip = 1
		next
	    }
	    $0 == ENVIRON["E"] { skip = 0; next }
	    !skip' "$page" >"$tmp/page" && cat "$tmp/page" >"$page"
fi

expect "man page has the COMMANDS section" 1 "$(grep -cxF "$BEGIN" "$page")"
expect "ngctl.8 COMMANDS is ngctl help" "$(cat "$tmp/commands")" \
    "$(sed -n "\\|^$(sed 's/[.\\*[]/\\&/g' <<<"$BEGIN")\$|,\\|^\\.\\\\\" END COMMANDS\$|p" "$page")"

# Every option in the usage line, and our own -N and -j, is in the
# synopsis and described.
for o in d f n N j; do
	if grep -q "^\\.It Fl $o\\b\\|^\\.B \\\\-$o\\b\\|^\\\\fB\\\\-$o\\\\fR" "$page" ||
	    grep -q "^\\.BI\\? \\\\-$o\\( \\|\$\\)" "$page"; then
		ok "option -$o is described"
	else
		fail "option -$o is described"
	fi
done
if command -v groff >/dev/null; then
	expect "groff renders it without warnings" "" \
	    "$(groff -man -Tutf8 -ww -z "$page" 2>&1)"
fi

finish
