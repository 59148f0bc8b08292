#!/usr/bin/env bash
# Golden test: naming nodes with `ngctl name` and the -f script that makes
# a persistent hub (spec §13 cases 10-13 and 15).
source "$(dirname "$0")/../lib.sh"

ERR() { echo "ngctl: send msg: $1"; }
# a persistent hub named $1
hub() {
	ngctl -f - <<-END
	mkpeer . hub a b
	name a $1
	msg $1: setpersistent
	END
}

start_ngd || finish

# 10: a script makes a persistent hub, which outlives the script's node
cat >"$tmp/h.ngctl" <<'END'
mkpeer . hub a b
name a H
msg H: setpersistent
END
check "10 -f script" 0 "" "" ngctl -f "$tmp/h.ngctl"
check "10 show H:" 0 \
    "  Name: H               Type: hub             ID: ########   Num hooks: 0" \
    "" masked ngctl show H:

# 11: what a name may not be
check "11 name with a dot" 71 "" "$(ERR 'Invalid argument')" \
    ngctl name H: x.y
check "11 name with a colon" 71 "" "$(ERR 'Invalid argument')" \
    ngctl name H: x:y
check "11 name that reads as an ID" 71 "" "$(ERR 'Invalid argument')" \
    ngctl name H: "[1f]"
hub S
check "11 [0] is a name" 0 "" "" ngctl name S: "[0]"
check "11 show [0]: finds it by name" 0 \
    "  Name: [0]             Type: hub             ID: ########   Num hooks: 0" \
    "" masked ngctl show "[0]:"
check "11 the old name is gone" 71 "" "$(ERR 'No such file or directory')" \
    ngctl show S:

# 12: names are unique; renaming to the same name is fine
hub H1
hub H2
check "12 name taken" 71 "" "$(ERR 'Address already in use')" \
    ngctl name H2: H1
check "12 the loser keeps its name" 0 \
    "  Name: H2              Type: hub             ID: ########   Num hooks: 0" \
    "" masked ngctl show H2:
check "12 the same name again" 0 "" "" ngctl name H1: H1

# 13: a long name is cut to 31 characters
long=abcdefghijklmnopqrstuvwxyz0123456789ABCD
check "13 name 40 chars" 0 "" "" ngctl name "[0]:" "$long"
check "13 list shows 31 of them" 0 \
    "  Name: ${long:0:31} Type: hub             ID: ########   Num hooks: 0" \
    "" eval "masked ngctl list | grep -F '${long:0:31}'; ((PIPESTATUS[0] == 0))"
check "13 show by ID" 0 \
    "  Name: ${long:0:31} Type: hub             ID: ########   Num hooks: 0" \
    "" eval "masked ngctl show -n \"\$(ngctl list | sed -nE \
	's/.*${long:0:31} .*ID: ([0-9a-f]{8}).*/[\1]:/p')\""

# 15: removing a hook that is not there is no error
check "15 rmhook H: nohook" 0 "" "" ngctl rmhook H: nohook
check "15 disconnect (alias)" 0 "" "" ngctl disconnect H: nohook

# name through a hook path; a 32-char address (FreeBSD's limit is 31,
# ours is 511: DESIGN.md decision 8)
check "name via a hook path" 0 \
    "  Name: Q               Type: hub             ID: ########   Num hooks: 1" \
    "" masked ngctl -f - <<<$'mkpeer . hub q z\nname q Q\nshow -n Q:'
check "32-char address" 0 \
    "  Name: ${long:0:31} Type: hub             ID: ########   Num hooks: 0" \
    "" masked ngctl show "${long:0:31}:"
check "name needs two arguments" 64 "" "ngctl: usage: name <path> <name>" \
    ngctl name H:

finish
