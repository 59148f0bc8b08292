#!/usr/bin/env bash
# What others send a client does not hold its requests (src/ngd/ctl.c,
# ngd.8 "Slow and greedy clients"): ngctl in a script has 2 MB of
# messages from another client waiting unread (libnetgraph reads them
# only while it waits for an answer), then sends a 1 MB request, which
# goes to ngd in pieces.  ngd read no request of a client with more
# than 256 KiB unread, whoever had sent it, so the pieces the socket
# could not hold waited, and so did ngctl, until its -t (ETIMEDOUT, the
# connection lost).  Now only the answers to its own requests count, and
# the request is answered at once.  A client that leaves those unread
# is still held, and that is logged.
source "$(dirname "$0")/../lib.sh"
py=/usr/bin/python3
wire="$top/tests/system/ngwire.py"
export NGD_LOG="$tmp/ngd.log"

start_ngd || finish
mkfifo "$tmp/script"
ngctl -t 30 -n victim -f "$tmp/script" >"$tmp/out" 2>"$tmp/err" &
victim=$!
exec 3>"$tmp/script"
echo "msg . linger" >&3 # (a line with no reply: the node is there)
for _ in $(seq 500); do ngctl show victim: >/dev/null 2>&1 && break; sleep 0.02; done
# 20 messages of 100,000 bytes to its node, which it does not read
expect "2 MB of messages from another client, unread" "sent 19 errno 0" \
    "$($py "$wire" pump victim: 20 100000)"
# nodeinfo takes no argument and ignores the 1 MB word it is given
t0=$(date +%s%N)
echo "msg . nodeinfo $(head -c 1000000 /dev/zero | tr '\0' x)" >&3
exec 3>&-
wait $victim
rc=$?
ms=$((($(date +%s%N) - t0) / 1000000))
expect "... then a 1 MB request is answered" "0" "$rc"
expect "... with no error" "" "$(cat "$tmp/err")"
# (msg prints the first message that waits, as FreeBSD's ngctl does:
# the first of the 20)
expect "... and msg printed the first message waiting" "Rec'd command 1 from" \
    "$(head -n 1 "$tmp/out" | cut -c 1-20)"
# (30 s is ngctl's -t: it waited that long, and failed, before)
if [ "$ms" -lt 20000 ]; then ok "... in $ms ms"; else fail "... in $ms ms"; fi

# A client that floods requests and reads none of their answers is held
# (its sends block), and ngd says so once.
$py "$wire" flood-unread 2 >"$tmp/flood.out" &
flood=$!
for _ in $(seq 500); do grep -q 'its next requests wait until it reads' "$NGD_LOG" && break; sleep 0.02; done
kill -TERM $flood 2>/dev/null
wait $flood
expect "a flood of requests whose answers are unread: held, said once" 1 \
    "$(grep -c 'answers to its requests unread; its next requests wait until it reads' "$NGD_LOG")"
expect_rc "ngd serves" 0 quiet ngctl list

# The other side, in libnetgraph: a client that asks for replies and
# reads none holds at most 4 MiB of them (FreeBSD's socket buffer holds
# 20 KiB and drops the rest); the request whose reply finds no room
# fails with ENOBUFS, and that is said once; read, there is room again.
# (It grew without bound: 20,000 listtypes took 22 MB, and more asked.)
cat >"$tmp/unread.c" <<'EOF'
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netgraph.h>

static long
rss_kb(void)
{
	char line[256];
	long kb = -1;
	FILE *f = fopen("/proc/self/status", "r");

	while (f != NULL && fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "VmRSS: %ld", &kb) == 1)
			break;
	if (f != NULL)
		fclose(f);
	return kb;
}

int
main(void)
{
	struct ng_mesg *m;
	long r0;
	int cs, i, n = -1;

	if (NgMkSockNode(NULL, &cs, NULL) < 0)
		return 1;
	r0 = rss_kb();
	for (i = 0; i < 20000 && n < 0; i++)
		if (NgSendMsg(cs, ".", NGM_GENERIC_COOKIE, NGM_LISTTYPES, NULL,
			0) < 0)
			n = errno == ENOBUFS ? i : -2;
	printf("first failure %d (%s), grew %ld KB\n", n,
	    n >= 0 ? "ENOBUFS" : "none", rss_kb() - r0);
	for (i = 0; i < 1000; i++)
		if (NgAllocRecvMsg(cs, &m, NULL) >= 0)
			free(m);
	printf("after reading 1000: %s\n",
	    NgSendMsg(cs, ".", NGM_GENERIC_COOKIE, NGM_LISTTYPES, NULL, 0) < 0 ?
		strerror(errno) :
		"sent");
	return 0;
}
EOF
if cc -std=gnu11 -Wall -Werror -I"$top/include" -o "$tmp/unread" \
    "$tmp/unread.c" "$top/build/libnetgraph.a" -lpthread 2>"$tmp/cc.err"; then
	"$tmp/unread" >"$tmp/unread.out" 2>"$tmp/unread.err"
	read -r _ _ first why _ grew _ <<<"$(head -n 1 "$tmp/unread.out")"
	# (a listtypes reply takes some 1,100 bytes queued: 4 MiB is ~3,800)
	if [ "$why" = "(ENOBUFS)," ] && between "$first" 2000 19999 &&
	    [ "${grew:-99999}" -lt 8000 ]; then
		ok "replies left unread: request $first fails with ENOBUFS, the client grew $grew KB"
	else
		fail "replies left unread: $(head -n 1 "$tmp/unread.out") (want ENOBUFS, under 8,000 KB)"
	fi
	expect "... said once" 1 \
	    "$(grep -c 'unread on socket .*; dropping what comes until they are read' "$tmp/unread.err")"
	expect "... read, there is room again" "after reading 1000: sent" \
	    "$(sed -n 2p "$tmp/unread.out")"
else
	fail "unread.c compiles against build/libnetgraph.a"
	sed 's/^/    /' "$tmp/cc.err"
fi
finish
