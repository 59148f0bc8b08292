#!/usr/bin/env bash
# The vnet message (a Linux extension of eiface and iface): the node's
# interface is made anew inside another network namespace -- by its
# /run/netns name, which jails have too -- keeping its name, MAC, node
# and hooks, and the old one is deleted with others in one batch.  When
# the name goes (ip netns del, jail -r) the interface comes home.
# Errors: ENOENT (no such namespace), EINVAL (not a namespace, or not a
# name), EEXIST (the name is taken there).
source "$(dirname "$0")/../lib.sh"
start_ngd
ip netns add a
ip netns add b
trap 'jail -q -r vj 2>/dev/null; ip netns del a 2>/dev/null; ip netns del b 2>/dev/null; stop_ngd' EXIT

# mac IFNAME [ip args]: its Ethernet address
mac() { local i=$1; shift; ip "$@" -o link show dev "$i" | sed -nE 's/.*link\/ether ([0-9a-f:]+) .*/\1/p'; }
# links [ip args]: the interface names in a namespace, lo left out
# (a veth pair, the default model, shows as NAME@ifN: the suffix is cut)
links() { ip "$@" -o link show | cut -d' ' -f2 | tr -d : | sed 's/@.*//' | grep -v '^lo$' | tr '\n' ' '; }
# settled [ip args]: until ngd's retired interfaces are gone (at most
# 10 s: they go after the reply, in a batch; 2 s was not enough for a
# loaded machine, where one was still there)
settled() {
	for _ in $(seq 500); do
		ip "$@" -o link show | grep -q ngret || return 0
		sleep 0.02
	done
	return 1
}

# dp_ends: the graph-side ends in the fast path's data plane (veth model)
dp_ends() {
	for dp in /run/netgraph/*/dataplane; do
		[ -e "$dp" ] && nsenter --net="$dp" ip -o link show | grep -c ': ngdp'
	done | awk '{ s += $1 } END { print s + 0 }'
}

bridge_two_eifaces
m0=$(mac ngeth0)
i0=$(cat /sys/class/net/ngeth0/ifindex)
expect_rc "vnet into a" 0 ngctl msg ngeth0: vnet '"a"'
expect_rc "... no ngeth0 here from then on" 1 quiet ip link show ngeth0
ip link set ngeth1 mtu 1400
expect_rc "vnet into b" 0 ngctl msg ngeth1: vnet '"b"'
expect "ngeth0 lives in a" "ngeth0 " "$(links -n a)"
expect "ngeth1 lives in b" "ngeth1 " "$(links -n b)"
expect "with the MAC it had" "$m0" "$(mac ngeth0 -n a)"
expect_rc "the old ones are deleted" 0 settled
expect "nothing is left in ngd's namespace" "" "$(links)"
if [ "${NGD_FASTPATH:-1}" != 0 ]; then
	# The veth model makes the interface anew there (no grace period
	# for a move): the same name, MAC and index, and the pair it
	# replaced deleted with its batch, both ends.
	expect "... with the index it had" "$i0" "$(ip netns exec a cat /sys/class/net/ngeth0/ifindex)"
	expect "one graph-side end per eiface, the replaced pairs gone" 2 "$(dp_ends)"
	expect "... and the MTU it had" 1400 "$(ip netns exec b cat /sys/class/net/ngeth1/mtu)"
fi
expect "nodes and hooks are as they were" "ngeth0 1 ngeth1 1" \
    "$(ngctl list | awk '$2 ~ /^ngeth/ { printf "%s%s %s", sep, $2, $9; sep = " " }')"
ip -n a addr add 198.18.7.1/24 dev ngeth0
ip -n b addr add 198.18.7.2/24 dev ngeth1
ip -n a link set ngeth0 up
ip -n b link set ngeth1 up
expect "carrier follows the hook there too" "1" "$(ip netns exec a cat /sys/class/net/ngeth0/carrier)"
expect_rc "a pings b through the bridge" 0 quiet ip netns exec a ping -c 2 -i 0.2 -w 3 198.18.7.2
expect "getifaddrs reads it where it is" "198.18.7.2" \
    "$(ngctl msg ngeth1: getifaddrs | grep -o '198\.18\.7\.2')"

# The hook's counters survive the pair being made anew: what the old end
# forwarded is counted once, not lost, not again (its interface down, so
# nothing more is sent meanwhile).
xmit() { ngctl msg ngeth0: gethookstats | grep -oE 'xmitFrames=[0-9]+' | head -1 | cut -d= -f2; }
ip -n a link set ngeth0 down
x0=$(xmit)
expect_rc "the pings were counted" 0 test "${x0:-0}" -ge 2
ngctl msg ngeth0: vnet '""'
ngctl msg ngeth0: vnet '"a"'
expect "... and are, once, after two vnets" "$x0" "$(xmit)"
ip -n a addr add 198.18.7.1/24 dev ngeth0
ip -n a link set ngeth0 up

expect_rc "vnet where it is already changes nothing" 0 ngctl msg ngeth0: vnet '"a"'
expect "... it keeps its address" "inet" "$(ip -n a -o -4 addr show dev ngeth0 | awk '{ print $3 }')"
expect "no such namespace" "ngctl: send msg: No such file or directory" \
    "$(ngctl msg ngeth0: vnet '"nosuch"' 2>&1)"
expect "a name with a slash" "ngctl: send msg: Invalid argument" \
    "$(ngctl msg ngeth0: vnet '"../a"' 2>&1)"
expect "a path" "ngctl: send msg: Invalid argument" \
    "$(ngctl msg ngeth0: vnet '"/run/netns/b"' 2>&1)"
touch /run/netns/plain
expect "a file that is no namespace" "ngctl: send msg: Invalid argument" \
    "$(ngctl msg ngeth0: vnet '"plain"' 2>&1)"
rm /run/netns/plain
ip -n b tuntap add ngeth0 mode tap
expect "the name is taken there" "ngctl: send msg: File exists" \
    "$(ngctl msg ngeth0: vnet '"b"' 2>&1)"
ip -n b link del ngeth0
expect "... and it stayed where it was" "ngeth0 " "$(links -n a)"

# A name change follows the interface wherever it went.
expect_rc "rename the node" 0 ngctl name ngeth1: web
expect "the interface in b follows" "web " "$(links -n b)"
expect_rc "back home with \"\"" 0 ngctl msg web: vnet '""'
expect "web is home" "web " "$(links)"
settled -n b
expect "and gone from b" "" "$(links -n b)"

# Into a jail, by the jail's name; when the jail goes, the interface is
# re-created at home (it was not one of the jail's vnet.interfaces).
jail -c name=vj vnet persist
mweb=$(mac web)
expect_rc "vnet into a jail" 0 ngctl msg web: vnet '"vj"'
expect "the jail has it" "web " "$(jexec vj ip -o link show | cut -d' ' -f2 | tr -d : | sed 's/@.*//' | grep -v '^lo$' | tr '\n' ' ')"
jail -r vj
# (after jail -r returns, as on FreeBSD: ngd answers once it is home)
expect_rc "ngctl answers" 0 quiet ngctl list
expect_rc "after jail -r it is back home" 0 quiet ip link show web
expect "... with its MAC" "$mweb" "$(mac web)"

# ip netns del: the name goes, the interface comes home.
ngctl msg web: vnet '"b"'
settled
sleep 0.3 # ngctl's connection closed too
nfds=$(ls /proc/"$NGD_PID"/fd | wc -l)
ip netns del b
for _ in $(seq 100); do ip link show web >/dev/null 2>&1 && break; sleep 0.02; done
expect_rc "after ip netns del b, web is home" 0 quiet ip link show web
# (b's descriptors go once ngd has dealt with the news: 62 -> 64 read at
# once on a loaded machine; one it kept stays, so wait up to 5 s)
for _ in $(seq 250); do
	[ "$(ls /proc/"$NGD_PID"/fd | wc -l)" -le "$nfds" ] && break
	sleep 0.02
done
expect "ngd holds no more descriptors (nothing of b)" "$nfds" "$(ls /proc/"$NGD_PID"/fd | wc -l)"
ip netns add b

# Placed in b, then moved home by hand: its descriptor still holds b, so
# when b's name goes it is made anew at home (a new index), letting b go.
ngctl msg web: vnet '"b"'
ip -n b link set web netns $$
old=$(cat /sys/class/net/web/ifindex)
ip netns del b
if [ "${NGD_FASTPATH:-1}" != 0 ]; then
	# A veth pair holds no namespace: it is home and simply stays.
	sleep 0.15
	expect "moved home by hand, then b deleted: still home" "$old" \
	    "$(cat /sys/class/net/web/ifindex 2>/dev/null)"
else
for _ in $(seq 100); do [ "$(cat /sys/class/net/web/ifindex 2>/dev/null)" != "$old" ] && break; sleep 0.02; done
expect_rc "moved home by hand, then b deleted: made anew" 0 \
    test "$(cat /sys/class/net/web/ifindex 2>/dev/null)" != "$old"
fi
expect_rc "... under its name, with its node" 0 ngctl show web:
ip netns add b

# iface (TUN) too.
ngctl mkpeer iface inet inet
expect_rc "iface vnet" 0 ngctl msg ng0: vnet '"b"'
expect "ng0 lives in b" "ng0 " "$(links -n b)"

# 300 eifaces made and shut down in one session, every tenth sent away
# and back first: an index of a retired pair the kernel gives again must
# not be taken for the new pair's when news of the deletion comes late
# (that pair was taken for gone, its interface left behind).
for i in $(seq 300); do
	echo "mkpeer . eiface c ether"
	if [ $((i % 10)) = 0 ]; then
		echo "msg .:c vnet \"a\""
		echo "msg .:c vnet \"\""
	fi
	echo "shutdown .:c"
done >"$tmp/cycles"
settled # (what the steps above retired is not "before")
before=$(links)
expect_rc "300 eifaces, 30 of them there and back, by one script" 0 \
    ngctl -f "$tmp/cycles"
settled
expect "... no interface left behind" "$before" "$(links)"

# A shutdown frees its interface's name at the reply, here and where
# vnet put it (the pair is renamed ngret<n> and goes in the batch after
# the reply): a script's next mkpeer gets the same ngethN, as on
# FreeBSD, and the next vnet of that name into a finds it free.
cat >"$tmp/again" <<EOF
mkpeer . eiface c ether
msg .:c getifname
shutdown .:c
mkpeer . eiface c ether
msg .:c getifname
name .:c again
msg again: vnet "a"
shutdown again:
mkpeer . eiface c ether
name .:c again
msg again: vnet "a"
EOF
got=$(ngctl -f "$tmp/again" 2>&1 | sed -n 's/^Args:\t"\(.*\)"$/\1/p' | sort -u)
expect "shutdown, then mkpeer: the same interface name again" 1 \
    "$(echo "$got" | grep -c '^ngeth[0-9]*$')"
expect "... and a vnet into a under a name just shut down there" "again " \
    "$(links -n a | grep -ow again) "
ngctl shutdown again:
settled && settled -n a
expect "... no retired interface left" "" "$(ip -o link | grep ngret)$(ip -n a -o link | grep ngret)"

# SIGKILL while a batch comes home: the pairs retired meanwhile (their
# old ends' links held open until the batch is deleted) are deleted by
# the next ngd, which takes the graph back; every interface is there
# once, no retired one is left.
if [ "${NGD_FASTPATH:-1}" != 0 ]; then
	for i in $(seq 2 41); do echo "mkpeer br0: eiface link$((i + 100)) ether"; echo "msg br0:link$((i + 100)) vnet \"a\""; done >"$tmp/kill"
	for i in $(seq 2 41); do for w in "" a ""; do echo "msg br0:link$((i + 100)) vnet \"$w\""; done; done >"$tmp/home"
	ngctl -f "$tmp/kill"
	journal_has " name=$(ngctl msg br0:link141 getifname | sed -n 's/^Args:\t"\(.*\)"$/\1/p') .* placed=a( |$)"
	ngctl -f "$tmp/home" >/dev/null 2>&1 &
	sleep 0.15
	kill -KILL "$NGD_PID"; wait "$NGD_PID" 2>/dev/null; NGD_PID=
	wait $! 2>/dev/null
	echo "# killed with $(ip -o link | grep -c ngeth) here, $(links -n a | wc -w) in a, $(dp_ends) graph-side ends"
	start_ngd
	ngctl msg br0:link102 vnet '""' >/dev/null 2>&1 # the graph is back
	settled
	settled -n a
	n=$(ngctl list | grep -c 'Type: eiface')
	# (the retired pairs' graph-side ends go in the new ngd's batch, after
	# its reply: on a loaded machine one was still there, 43 for 42)
	for _ in $(seq 500); do [ "$(dp_ends)" -le "$n" ] && break; sleep 0.02; done
	expect "after SIGKILL mid-batch: one graph-side end per eiface" "$n" "$(dp_ends)"
	expect "... every interface once, here or in a" "$n" "$(($(links | wc -w) + $(links -n a | wc -w)))"
	expect "... no retired one left anywhere" "" "$(ip -o link | grep ngret)$(ip -n a -o link | grep ngret)"
	for i in $(seq 2 41); do echo "shutdown br0:link$((i + 100))"; done | ngctl -f -
	settled
fi

# Many at once: every old interface goes, and SIGTERM takes the rest.
for i in $(seq 2 41); do echo "mkpeer br0: eiface link$i ether"; echo "msg br0:link$i vnet \"a\""; done >"$tmp/many"
expect_rc "40 eifaces made and sent into a by one script" 0 ngctl -f "$tmp/many"
expect "40 more in a" 41 "$(links -n a | wc -w)"
stop_ngd
expect "after SIGTERM nothing is left here" "" "$(links)"
expect "nor there" "" "$(links -n a)$(links -n b)"
finish
