#!/usr/bin/env bash
# Golden test: the rules mkpeer and connect enforce, seen through ngctl,
# with a persistent hub H and a bridge B (spec §13 cases 22-26).
#
#     H:x ---- link0:B
source "$(dirname "$0")/../lib.sh"

ERR() { echo "ngctl: send msg: $1"; }
# every node but our own socket node, as list prints it
graph() { ngctl -n probe list | grep -v ' Name: probe '; }
# how many live nodes of a type
count() { ngctl types | awk -v t="$1" '$1 == t { print $2 }'; }

start_ngd || finish
ngctl -f - <<'END'
mkpeer . hub a b
name a H
msg H: setpersistent
mkpeer H: bridge x link0
name H:x B
END
expect "setup" 0 $?

# 22: bridge hook names are link<N> or uplink<N>, N>0 for uplinks, no
# leading zeros; a refused connect changes nothing
before=$(graph; ngctl show H:; ngctl show B:)
for h in link01 uplink0 link uplink01 link-1 lnk1; do
	check "22 connect H: B: y $h" 71 "" "$(ERR 'Invalid argument')" \
	    ngctl connect H: B: y $h
done
expect "22 H and B unchanged" "$before" "$(graph; ngctl show H:; ngctl show B:)"
check "22 connect H: B: y uplink1" 0 "" "" ngctl connect H: B: y uplink1
check "22 join (alias) with the default path" 0 "" "" \
    ngctl -f - <<<$'join B: z link7\nrmhook z'

# 23: a bridge joined to itself
check "23 connect B: B: link5 link6" 71 "" \
    "$(ERR 'Too many levels of symbolic links')" ngctl connect B: B: link5 link6

# 24: mkpeer with a hook name already used leaves no new node behind
hubs=$(count hub)
# (after FreeBSD's line, ours names the hook that is taken and its peer)
check "24 mkpeer H: hub x q" 71 "" "$(ERR 'File exists')
ngctl: node H: already has a hook \"x\" (to B:)" ngctl mkpeer H: hub x q
expect "24 no new hub" "$hubs" "$(count hub)"
check "25 connect to a bridge hook in use" 71 "" "$(ERR 'File exists')
ngctl: node B: already has a hook \"uplink1\" (to H:)" \
    ngctl connect H: B: y2 uplink1

# 25: the peer's hook already exists
check "25 connect H: B: newhook link0" 71 "" "$(ERR 'File exists')
ngctl: node B: already has a hook \"link0\" (to H:)" \
    ngctl connect H: B: newhook link0
check "25 the peer's hook, by a path relative to H:" 71 "" \
    "$(ERR 'File exists')
ngctl: node H:x already has a hook \"link0\" (to H:)" \
    ngctl connect H: x newhook link0

# 26: a bridge dies with its last hook, unless persistent
check "26 rmhook one of two" 0 "" "" ngctl rmhook H: y
expect "26 B still there" 1 "$(count bridge)"
check "26 rmhook the last link" 0 "" "" ngctl rmhook H: x
expect "26 B gone" 0 "$(count bridge)"
check "26 B: no longer resolves" 71 "" "$(ERR 'No such file or directory')" \
    ngctl show B:
ngctl -f - <<'END'
mkpeer H: hub h1 a
name H:h1 N1
mkpeer H: hub h2 a
name H:h2 N2
mkpeer N1: bridge b link0
name N1:b B
connect B: N2: link1 b
END
expect "26 setup: B between hubs N1 and N2" 1 "$(count bridge)"
check "26 shutdown N1" 0 "" "" ngctl shutdown N1:
expect "26 B lives with one neighbour" 1 "$(count bridge)"
check "26 kill N2 (alias)" 0 "" "" ngctl kill N2:
expect "26 B gone with its last neighbour" 0 "$(count bridge)"
ngctl -f - <<'END'
mkpeer H: bridge x link0
name H:x B
msg B: setpersistent
END
check "26 rmhook from a persistent bridge" 0 "" "" ngctl rmhook H: x
expect "26 persistent B stays" 1 "$(count bridge)"
check "26 rmnode (alias) the persistent bridge" 0 "" "" ngctl rmnode B:
expect "26 shutdown removes it" 0 "$(count bridge)"

finish
