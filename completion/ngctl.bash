# Bash completion for netgraph for Linux: ngctl, nghook, jail, jexec, jls,
# jng.  Installed as /usr/share/bash-completion/completions/ngctl, with the
# other five names linked to it.  Node paths, hook names and node types come
# from the running graph (ngctl -N never starts ngd; -t 1: never waits
# long); message names from the node types' tables (_ngctl_msgnames,
# generated above by make); jail names from jail.conf and jls.

# The ngctl options of the command line being completed that choose the
# graph (-j JAIL), for the queries.
_ngctl_graph_opts()
{
	local i
	_ngctl_gopts=()
	for ((i = 1; i < cword; i++)); do
		case ${words[i]} in
		-j) _ngctl_gopts+=(-j "${words[i + 1]}") ;;
		-j?*) _ngctl_gopts+=("${words[i]}") ;;
		esac
	done
}

_ngctl_q()
{
	ngctl -N -t 1 "${_ngctl_gopts[@]}" "$@" 2>/dev/null
}

# Every node as NAME: and [ID]:, and "." (the session's own node).
_ngctl_nodes()
{
	# (ngctlPID: an ngctl session, this one's own included: gone soon.)
	_ngctl_q list | awk '$1 == "Name:" && !($4 == "socket" && $2 ~ /^ngctl[0-9]+$/) {
		if ($2 != "<unnamed>") print $2 ":"
		id = $6; sub(/^0+/, "", id)
		print "[" (id == "" ? "0" : id) "]:"
	}'
}

# The hooks of the node at path $1, one a line.
_ngctl_hooks()
{
	_ngctl_q show "$1" | awk 'seen { print $1 } /^  -+ / { seen = 1 }'
}

_ngctl_types()
{
	_ngctl_q types | awk 'NR > 3 { print $1 }'
}

# Paths: node paths, and NODE:HOOK once a node is typed (not the node
# itself again).
_ngctl_paths()
{
	local node h
	if [[ $cur == *:* ]]; then
		node=${cur%%:*}:
		for h in $(_ngctl_hooks "$node"); do
			printf '%s\n' "$node$h"
		done
	fi
	_ngctl_nodes | grep -vxF -- "$cur"
}

_ngctl_cmds()
{
	ngctl -N help 2>/dev/null | awk '/^  [a-z]/ { print $1 }'
}

# COMPREPLY: the words of $1 that start with $cur, never globbed.
_ng_reply()
{
	mapfile -t COMPREPLY < <(compgen -W "$1" -- "$cur")
}

_ngctl_reply()
{
	_ng_reply "$1"
	__ltrim_colon_completions "$cur"
}

# The words of the command at ci before the cursor, its options (and the
# values of those whose letters are in $1) left out, as its getopt takes
# them (options first): how many there are (npos) and the first (pos1).
_ngctl_pos()
{
	local j
	npos=0 pos1=
	for ((j = ci + 1; j < cword; j++)); do
		if ((npos == 0)) && [[ ${words[j]} == -?* ]]; then
			[[ -n $1 && ${words[j]} == -[$1] ]] && ((j++))
			continue
		fi
		((npos++ == 0)) && pos1=${words[j]}
	done
}

_ngctl()
{
	local cur prev words cword i cmd= ci arg type npos pos1
	_init_completion -n : || return

	case $prev in
	-f) _filedir; return ;;
	-j) _ngctl_reply "$(_jail_graphs)"; return ;;
	-n | -t) return ;;
	esac
	for ((i = 1; i < cword; i++)); do
		case ${words[i]} in
		-f | -j | -n | -t) ((i++)) ;;
		-*) ;;
		*) cmd=${words[i]}; ci=$i; break ;;
		esac
	done
	_ngctl_graph_opts
	if [[ -z $cmd ]]; then
		if [[ $cur == -* ]]; then
			_ngctl_reply "-d -f -j -n -N -t"
		else
			_ngctl_reply "$(_ngctl_cmds)"
		fi
		return
	fi
	arg=$((cword - ci)) # 1: the command's first argument
	case $cmd in
	config | shutdown | status | name)
		((arg == 1)) && _ngctl_reply "$(_ngctl_paths)" ;;
	show | info | inquire)
		_ngctl_pos ""
		if ((npos == 0)) && [[ $cur == -* ]]; then
			_ngctl_reply "-n -s"
		elif ((npos == 0)); then
			_ngctl_reply "$(_ngctl_paths)"
		fi ;;
	capture)
		case $prev in
		-w) _filedir; return ;;
		-F) _ngctl_reply "pcap pcapng"; return ;;
		-y) _ngctl_reply "EN10MB RAW"; return ;;
		-c | -s) return ;;
		esac
		_ngctl_pos cFswy
		if ((npos == 0)) && [[ $cur == -* ]]; then
			_ngctl_reply "-c -F -s -w -y"
		elif ((npos == 0)); then
			_ngctl_reply "$(_ngctl_paths)"
		elif ((npos == 1)); then
			_ngctl_reply "$(_ngctl_hooks "$pos1")"
		fi ;;
	top)
		case $prev in
		-o) _ngctl_reply "b f d n"; return ;;
		-d | -n) return ;;
		esac
		_ngctl_reply "-b -d -n -o" ;;
	dot | graphviz | confdot)
		_ngctl_pos ""
		if ((npos == 0)) && [[ $cur == -* ]]; then
			_ngctl_reply "-c -s"
		elif ((npos == 0)); then
			_filedir
		fi ;;
	msg)
		if ((arg == 1)); then
			_ngctl_reply "$(_ngctl_paths)"
		elif ((arg == 2)); then
			type=$(_ngctl_q show "${words[ci + 1]}" |
			    awk 'NR == 1 { print $4 }')
			_ngctl_reply "$(_ngctl_msgnames "$type")"
		fi ;;
	connect)
		((arg <= 2)) && _ngctl_reply "$(_ngctl_paths)" ;;
	mkpeer)
		if ((arg == 1)); then
			_ngctl_reply "$(_ngctl_paths) $(_ngctl_types)"
		elif ((arg == 2)) && [[ ${words[ci + 1]} == *[:.]* ]]; then
			_ngctl_reply "$(_ngctl_types)"
		fi ;;
	rmhook)
		if ((arg == 1)); then
			_ngctl_reply "$(_ngctl_paths)"
		elif ((arg == 2)); then
			_ngctl_reply "$(_ngctl_hooks "${words[ci + 1]}")"
		fi ;;
	help | \?)
		((arg == 1)) && _ngctl_reply "$(_ngctl_cmds)" ;;
	read)
		((arg == 1)) && _filedir ;;
	list | ls)
		_ngctl_reply "-l -n" ;;
	esac
}
complete -F _ngctl ngctl

# nghook [-adlnSs] [-m msg] path [hookname]
# nghook -e [-n] [-m msg]* path hookname prog [args...]
_nghook()
{
	local cur prev words cword i e= pos=()
	_init_completion -n : || return
	[[ $prev == -m || $prev == -t ]] && return
	for ((i = 1; i < cword; i++)); do
		case ${words[i]} in
		-m | -t) ((i++)) ;;
		-*e*) e=1 ;;
		-*) ;;
		*) pos+=("$i") ;;
		esac
		# -e: the program and its arguments follow path and hook.
		# (_command_offset counts bash's words, split at colons.)
		if [[ -n $e ]] && ((${#pos[@]} == 2)); then
			_command_offset $((i + 1 + COMP_CWORD - cword))
			return
		fi
	done
	_ngctl_gopts=()
	if [[ $cur == -* ]]; then
		_ngctl_reply "-a -d -e -l -m -n -S -s -t"
	elif ((${#pos[@]} == 0)); then
		_ngctl_reply "$(_ngctl_paths)"
	fi
	# The hook (second word) is made on the node at path: a hook there
	# already is taken, so there is nothing to offer.
}
complete -F _nghook nghook

# Running jails, by name.
_jail_running()
{
	jls -q name 2>/dev/null
}

# Running jails that have a graph for ngctl -j: a vnet jail's own, or the
# host's for one that shares its network (addresses, or ip4/ip6=inherit).
# One with neither has no network, so no graph: ngctl -j refuses it.
_jail_graphs()
{
	jls -q name vnet ip4 ip6 2>/dev/null |
	    awk '$2 == "new" || $3 != "disable" || $4 != "disable" { print $1 }'
}

# The jails a jail.conf defines ($1, default /etc/jail.conf).
_jail_conf_names()
{
	jail -f "${1:-/etc/jail.conf}" -e '	' 2>/dev/null |
	    sed -n 's/^name=\([^	]*\).*/\1/p'
}

_jail()
{
	local cur prev words cword i conf= op=
	_init_completion || return
	case $prev in
	-f | -J) _filedir; return ;;
	-u | -U) COMPREPLY=($(compgen -u -- "$cur")); return ;;
	-e | -n | -s) return ;;
	esac
	for ((i = 1; i < cword; i++)); do
		case ${words[i]} in
		-f) conf=${words[i + 1]}; ((i++)) ;;
		-J | -u | -U | -e | -n | -s) ((i++)) ;;
		-*[rR]*) op=r ;;
		-*[cm]*) op=c ;;
		esac
	done
	if [[ $cur == -* ]]; then
		_ng_reply "-c -C -d -e -f -h -i -J -l -m -n -p -q -r -R -s -u -U -v"
	elif [[ $op == r ]]; then
		_ng_reply "$(_jail_running) \*"
	else
		_ng_reply "$({ _jail_conf_names "$conf"; _jail_running; } | sort -u)"
	fi
}
complete -F _jail jail

# jexec [-l] [-d working-directory] [-u user | -U user] jail command ...
_jexec()
{
	local cur prev words cword i
	_init_completion || return
	case $prev in
	-u | -U) COMPREPLY=($(compgen -u -- "$cur")); return ;;
	-d) return ;; # a directory of the jail's, not of ours
	esac
	for ((i = 1; i < cword; i++)); do
		case ${words[i]} in
		-d | -u | -U) ((i++)) ;;
		-*) ;;
		*) _command_offset $((i + 1)); return ;;
		esac
	done
	if [[ $cur == -* ]]; then
		_ng_reply "-d -l -u -U"
	else
		_ng_reply "$(_jail_running)"
	fi
}
complete -F _jexec jexec

# jls [-dhNnqsv] [-j jail] [param ...], jls -c [-d] -j jail
_jls()
{
	local cur prev words cword
	_init_completion || return
	if [[ $prev == -j ]]; then
		_ng_reply "$(_jail_running)"
	elif [[ $cur == -* ]]; then
		_ng_reply "-c -d -h -j -N -n -q -s -v"
	else
		_ng_reply "all name jid path host.hostname ip4.addr ip6.addr vnet persist"
	fi
}
complete -F _jls jls

# jng bridge [-b BRIDGE] NAME [=|!]iface ..., jng show [NAME],
# jng shutdown NAME, jng stats NAME, jng graph [-f] [-T type] [-o output]
_jng_names()
{
	# (jng asks ngctl: never start ngd, never wait long)
	NGCTL_NO_AUTOSTART=1 NGD_TIMEOUT=1 jng show 2>/dev/null
}

# The Ethernet interfaces jng bridges (type 1), as a word list.
_jng_ifaces()
{
	local d t
	for d in /sys/class/net/*; do
		read -r t 2>/dev/null <"$d/type" && [[ $t == 1 ]] &&
		    printf '%s\n' "${d##*/}"
	done
}

_jng()
{
	local cur prev words cword i act= npos=0 pre
	_init_completion || return
	for ((i = 1; i < cword; i++)); do
		if [[ -z $act ]]; then
			act=${words[i]}
			continue
		fi
		case ${words[i]} in
		-b | -T | -o) ((i++)) ;;
		-*) ;;
		*) ((npos++)) ;;
		esac
	done
	if [[ -z $act ]]; then
		_ng_reply "bridge graph show shutdown stats"
		return
	fi
	case $act in
	bridge)
		if [[ $prev == -b ]]; then
			return
		elif ((npos == 0)) && [[ $cur == -* ]]; then
			_ng_reply "-b"
		elif ((npos == 0)); then
			_ng_reply "$({ _jail_conf_names; _jail_running; } | sort -u)"
		else
			# an interface, after = (its MAC) or ! (the eiface's own)
			pre=${cur%%[!=!]*}
			mapfile -t COMPREPLY < <(compgen -P "$pre" \
			    -W "$(_jng_ifaces)" -- "${cur#"$pre"}")
		fi ;;
	show | shutdown | stats)
		((npos == 0)) && _ng_reply "$(_jng_names)" ;;
	graph)
		case $prev in
		-o) _filedir; return ;;
		-T) _ng_reply "svg png pdf dot"; return ;;
		esac
		_ng_reply "-f -o -T" ;;
	esac
}
complete -F _jng jng
