#!/usr/bin/env bash
# What waits unread for a client is counted in ngd's memory, not in the
# bytes of its frames (src/ngd/ctl.c, ngd.8 "Slow and greedy clients"):
# a user who may not change the graph sends datagrams that each earn a
# 16-byte answer (NGD_ERROR) and reads none.  Each connection is
# throttled at 256 KiB: counted by length, that was 16,384 answers of 48
# bytes of heap each (768 KiB a connection: 64 connections, 48 MB for a
# user's 16 MiB); counted whole, 5,461.  Then, on 44 connections, the
# user's 16 MiB (here and in the kernel) are taken: its next request
# fails with ENOBUFS; root is served meanwhile.  About 6 s (ngd handles
# some 250,000 datagrams).
source "$(dirname "$0")/../lib.sh"
py=/usr/bin/python3
export NGD_LOG="$tmp/ngd.log"
rss() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }

cat >"$tmp/tiny.py" <<'EOF'
import os, select, socket, sys, time
sys.path.insert(0, sys.argv[1])
import ngwire as w

def fill(socks):
    """Datagrams on socks until ngd reads no more of any (each
    throttled, each of our sends blocked) for 1.5 s; 60 s at most."""
    sent, end, idle = 0, time.time() + 60, 0
    for s in socks:
        s.setblocking(False)
    ready = socks
    while idle < 3 and time.time() < end:
        for s in ready:
            try:
                while True:
                    s.send(b"x")  # no request: NGD_ERROR, 16 bytes
                    sent += 1
            except BlockingIOError:
                pass
        ready = select.select([], socks, [], 0.5)[1]
        idle = 0 if ready else idle + 1
    return sent

first = [w.control()[0] for _ in range(int(sys.argv[2]))]
print("sent %d" % fill(first), flush=True)
sys.stdin.readline()  # the shell has measured ngd
more = [w.control()[0] for _ in range(int(sys.argv[3]))]
fill(more)
c, _ = w.control()
print("then a request: errno %d" % w.request(c, w.MSG, ".",
      w.mesg(w.GENERIC, w.NGM_LISTTYPES)), flush=True)
sys.stdin.readline()
EOF

start_ngd || finish
r0=$(rss "$NGD_PID")
mkfifo "$tmp/go"
setpriv --reuid=65534 --regid=65534 --clear-groups -- \
    $py -c "$(cat "$tmp/tiny.py")" "$top/tests/system" 12 32 <"$tmp/go" >"$tmp/out" &
client=$!
exec 3>"$tmp/go"
# out LINE: wait for the client to say LINE (or die)
out() {
	for _ in $(seq 3000); do
		grep -q "^$1" "$tmp/out" && return
		kill -0 $client 2>/dev/null || return
		sleep 0.02
	done
}
out sent
grow=$(($(rss "$NGD_PID") - r0))
read -r _ sent <<<"$(grep '^sent' "$tmp/out")"
# (some 6,000 a connection: 5,461 answered in ngd, the rest in the two
# sockets' buffers; 16,384 answered was 200,000 in all)
if between "${sent:-0}" 12000 96000; then
	ok "12 connections that read nothing: ngd read $sent datagrams"
else
	fail "12 connections that read nothing: ngd read ${sent:-0} datagrams"
fi
# (5,461 answers of 48 bytes a connection is 3 MB; 16,384 was 9.4 MB)
if [ "${NGD_ASAN:-}" = 1 ]; then
	echo "# ngd's memory not checked: the ASan build's allocator is another"
elif [ "$grow" -lt 6000 ]; then
	ok "... ngd grew by $grow KB (256 KiB a connection)"
else
	fail "... ngd grew by $grow KB for 16-byte answers nobody read"
fi
echo >&3
out then
expect "32 more: the user's next request fails with ENOBUFS" "then a request: errno 105" \
    "$(grep '^then' "$tmp/out")"
expect_rc "... root is served meanwhile" 0 quiet ngctl list
exec 3>&-
wait $client
expect_rc "... and ngd serves on once they are gone" 0 quiet ngctl mkpeer hub a b
finish
