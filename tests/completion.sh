# Sourced by the completion tests (completion, user5_completion): the
# completion functions of build/completion/ngctl driven as bash drives
# them (COMP_WORDS, COMP_CWORD, COMP_LINE, COMP_POINT).

# comp FUNC WORD...: the candidates FUNC gives for the last WORD, sorted,
# one a line, in a fresh bash with bash-completion's helpers loaded.  The
# words are split at colons, as bash splits them (COMP_WORDBREAKS), so
# after "br0:" the candidates are what bash inserts after the colon.
comp() {
	local func=$1 w words=()
	shift
	for w in "$@"; do
		while [[ $w == *:* ]]; do
			[ -n "${w%%:*}" ] && words+=("${w%%:*}")
			words+=(:)
			w=${w#*:}
		done
		[[ -n $w || ${words[-1]:-} != : ]] && words+=("$w")
	done
	bash -c '
		source /usr/share/bash-completion/bash_completion
		source "$0"
		func=$1 COMP_LINE=$2; shift 2
		COMP_WORDS=("$@")
		COMP_CWORD=$(($# - 1))
		COMP_POINT=${#COMP_LINE}
		"$func" "${COMP_WORDS[0]}" "${COMP_WORDS[-1]}" "${COMP_WORDS[-2]:-}"
		printf "%s\n" "${COMPREPLY[@]}" | sort' \
	    "$top/build/completion/ngctl" "$func" "$*" "${words[@]}"
}
# lines WORD...: the WORDs sorted, one a line (comp's form)
lines() { printf '%s\n' "$@" | sort; }
