#!/usr/bin/env bash
# Many interfaces into a namespace and home again by explicit vnet
# messages, in the TAP model (NGD_FASTPATH=0; the veth model is vnet.sh's
# and fastpath.sh's).  The old TAP of each move is deleted with the
# others in one batch, in whatever namespace it is: closed one at a time,
# each cost a grace period (a home of 100 took 3 s, of 500 20 s; now
# 0.2 s and 2.3 s).  Names, MACs, the nodes and their hooks' counters
# stay; nothing is left behind in either namespace; an interface may go
# back at once (its old device's name is free).  About 3 s.
source "$(dirname "$0")/../lib.sh"
export NGD_FASTPATH=0
n=100
start_ngd
ip netns add far
ip netns add far2
trap 'ip netns del far 2>/dev/null; ip netns del far2 2>/dev/null; for i in $(seq 0 39); do ip netns del "n$i" 2>/dev/null; done; stop_ngd; rm -rf "$tmp"' EXIT

# macs [ip args]: "name MAC" of each ngeth interface, sorted; count: how
# many
macs() { ip "$@" -o link show | sed -nE 's/^[0-9]+: (ngeth[0-9]+).*link\/ether ([0-9a-f:]+) .*/\1 \2/p' | sort; }
count() { ip "$@" -o link show | grep -c ngeth; }
# xmit NODE: the frames its ether hook sent (gethookstats)
xmit() {
	ngctl msg "$1" gethookstats | sed -n 's/^Args:\t//p' |
	    sed -nE 's/.*hook="ether"[^}]* xmitFrames=([0-9]+).*/\1/p'
}
ms() { echo $((($(date +%s%N) - $1) / 1000000)); }

for i in $(seq 0 $((n - 1))); do echo "mkpeer eiface e$i ether"; done |
    ngctl -f -
ngctl connect ngeth0: ngeth1: ether ether
before=$(macs)
expect "$n interfaces" "$n" "$(echo "$before" | grep -c ngeth)"

# ngeth1 to far2, every other one to far; ngeth0 and ngeth1 talk.
away() {
	{
		echo 'msg ngeth1: vnet "far2"'
		for i in 0 $(seq 2 $((n - 1))); do echo "msg ngeth$i: vnet \"far\""; done
	} | ngctl -f -
}
home() { # how long all took to come home, in ms
	local t
	t=$(date +%s%N)
	for i in $(seq 0 $((n - 1))); do echo "msg ngeth$i: vnet \"\""; done |
	    ngctl -f -
	ms "$t"
}
away
expect "all moved" "0 $((n - 1)) 1" \
    "$(echo $(count) $(count -n far) $(count -n far2))"
ip -n far addr add 198.18.9.1/24 dev ngeth0
ip -n far2 addr add 198.18.9.2/24 dev ngeth1
ip -n far link set ngeth0 up
ip -n far2 link set ngeth1 up
expect_rc "ngeth0 in far pings ngeth1 in far2" 0 quiet \
    ip netns exec far ping -c 2 -i 0.2 -W 2 198.18.9.2
x0=$(xmit ngeth0:)

took=$(home)
# The better of two homecomings: another test's namespaces or interfaces
# going hold the kernel's RTNL lock for seconds now and then (a grace
# period for each device with tc programs), and the one timed waited
# 2.6 s once under load; a grace period for each old TAP took 3 s.
away
took2=$(home)
echo "# $n interfaces home: $took ms, then $took2 ms"
[ "$took2" -lt "$took" ] && took=$took2
if [ "$took" -lt 2000 ]; then
	ok "$n interfaces home in $took ms (the better of two)"
else
	fail "$n interfaces home in $took ms (the better of two; 2000 at most)"
fi
expect "... each with its name and MAC" "$before" "$(macs)"
for _ in $(seq 100); do
	[ "$( (ip -o link; ip -n far -o link; ip -n far2 -o link) | grep -c ngret)" = 0 ] && break
	sleep 0.02
done
expect "... and nothing left behind: here, in far, in far2" "0 0 0" \
    "$(ip -o link | grep -c ngret) $(ip -n far -o link | grep -c ng) $(ip -n far2 -o link | grep -c ng)"
x1=$(xmit ngeth0:)
if [ "${x1:-0}" -ge "${x0:-1}" ]; then ok "... the nodes are the same: their counters stay ($x0 -> $x1 frames)"; else fail "... counters $x0 -> $x1"; fi

# Back at once: the old devices' names are free there already.
expect_rc "back into far and far2 at once" 0 ngctl -f - <<'EOS'
msg ngeth0: vnet "far"
msg ngeth1: vnet "far2"
msg ngeth0: vnet ""
msg ngeth0: vnet "far"
EOS
ip -n far addr add 198.18.9.1/24 dev ngeth0
ip -n far2 addr add 198.18.9.2/24 dev ngeth1
ip -n far link set ngeth0 up
ip -n far2 link set ngeth1 up
expect_rc "... and they talk again" 0 quiet \
    ip netns exec far ping -c 2 -i 0.2 -W 2 198.18.9.2
x2=$(xmit ngeth0:)
if [ "${x2:-0}" -gt "${x1:-0}" ]; then ok "... counted on ($x2 frames)"; else fail "... counters $x1 -> $x2"; fi

# Home by the namespace's name going, after an explicit home and back.
ip netns del far
for _ in $(seq 100); do ip link show ngeth0 >/dev/null 2>&1 && break; sleep 0.02; done
expect "far gone: ngeth0 is home with its MAC" "$(echo "$before" | grep '^ngeth0 ')" \
    "$(macs | grep '^ngeth0 ')"

# SIGKILL in the middle of a batch of homecomings: the next ngd takes
# each interface back exactly once, wherever it ended, and each can come
# home.  (The new TAP made at home was left orphaned, while the journal,
# not caught up, had one made anew in nK: vnet "" failed, EEXIST.)
k=40
for i in $(seq 0 $((k - 1))); do ip netns add "n$i"; done
for i in $(seq 0 $((k - 1))); do echo "msg ngeth$((i + 60)): vnet \"n$i\""; done | ngctl -f -
journal_has " name=ngeth$((k + 59)) .* placed=n$((k - 1))( |$)" # (the last)
# ... and then put back as it is after the kill, as if ngd died before
# it caught up: else the homecomings the journal records before the
# kill (each before its answer) may hide the rest.
jf=$(echo /run/netgraph/*/journal)
cp "$jf" "$tmp/frozen"
for i in $(seq 0 $((k - 1))); do echo "msg ngeth$((i + 60)): vnet \"\""; done >"$tmp/home"
ngctl -f "$tmp/home" >/dev/null 2>&1 &
# killed once the first is home
for _ in $(seq 500); do [ "$(count)" -gt $((n - 1 - k)) ] && break; done
kill -KILL "$NGD_PID"; wait "$NGD_PID" 2>/dev/null; NGD_PID=
wait $! 2>/dev/null
cp "$tmp/frozen" "$jf"
echo "# killed with $(count) here"
# An old TAP still there beside its new one (SIGKILL between the two):
# one made in n0 with the name and MAC of ngeth60, the first home.
mac=$(ip -o link show ngeth60 | sed -nE 's/.*link\/ether ([0-9a-f:]+) .*/\1/p')
ip -n n0 tuntap add mode tap name ngeth60 vnet_hdr
ip -n n0 link set ngeth60 address "$mac"
start_ngd
# twice: "name where" of each of ngeth60.. found in more than one place
twice() {
	for i in $(seq 0 $((k - 1))); do
		ip -n "n$i" -o link | grep -o 'ngeth[0-9]*' | sed "s/\$/ n$i/"
	done
	ip -o link | grep -o 'ngeth[0-9]*'
}
expect "after SIGKILL mid-homecoming: each interface once" "" \
    "$(twice | awk '{ print $1 }' | sort | uniq -d)"
expect_rc "... and each comes home" 0 ngctl -f "$tmp/home"
expect "... all here but ngeth1 (in far2)" "$((n - 1))" "$(count)"
for i in $(seq 0 $((k - 1))); do ip netns del "n$i"; done

stop_ngd
NGD_PID=
expect "after SIGTERM no interface is left" "" \
    "$( (ip -o link; ip -n far2 -o link) | grep -o 'ng[a-z]*[0-9]*')"
finish
