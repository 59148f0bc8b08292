#!/usr/bin/env bash
# An ngd from before ngd listened again once detached (upgraded and not
# restarted): the process that listened, its parent, has exited, and the
# daemon holds the socket.  libnetgraph refuses a gone listener (a jailed
# root could leave one behind, intrude_abstract.sh); root's client finds
# who holds the socket and, that being root's ngd outside any jail, is
# served (it was refused until ngd was restarted).  A user's client
# cannot see the holder: it is refused, and told what to do.  Here the
# old ngd is this one with its second listen() made a no-op (a preload).
source "$(dirname "$0")/../lib.sh"
chmod 755 "$tmp"
name=ngtest-old-$$
export NGD_SOCKET=@$name
cat >"$tmp/old.c" <<'EOC'
#define _GNU_SOURCE
#include <dlfcn.h>
#include <sys/socket.h>
/* listen() on a socket that listens already does nothing, as if ngd
 * did not call it again after detaching */
int
listen(int fd, int backlog)
{
	int (*real)(int, int) = (int (*)(int, int))dlsym(RTLD_NEXT, "listen");
	int on = 0;
	socklen_t len = sizeof(on);

	if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &on, &len) == 0 && on)
		return 0;
	return real(fd, backlog);
}
EOC
cc -shared -fPIC -o "$tmp/old.so" "$tmp/old.c" -ldl || { fail "cc"; finish; }
holder() { ss -xlpn | sed -n "s/.*@$name .*pid=\([0-9]*\),.*/\1/p" | head -n 1; }
cleanup() {
	local p
	p=$(holder)
	[ -n "$p" ] && kill "$p" 2>/dev/null
	stop_ngd
	rm -rf "$tmp"
}
trap cleanup EXIT

# (an ASan build wants its runtime first: told not to mind)
ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0 \
    LD_PRELOAD=$tmp/old.so ngd -J "$tmp/j" 2>"$tmp/ngd.err" ||
    { fail "the old ngd did not start: $(cat "$tmp/ngd.err")"; finish; }
old=$(holder)
expect "the old ngd runs detached, holding the socket" yes \
    "$([ -n "$old" ] && kill -0 "$old" && echo yes)"
check "root's ngctl: served by root's ngd, which holds the socket" 0 \
    "There are 1 total nodes:" "" eval 'ngctl -N list | head -n 1'
check "... and may change the graph" 0 "" "" ngctl -N -f - <<'END'
mkpeer . hub a b
name a H
msg H: setpersistent
END
check "a user's ngctl: refused, told what to do" 71 "" \
    "ngctl: @$name: the process that listened on it has exited and one we cannot see holds it; if that is an ngd older than this client that detached, restart it as root (systemctl restart ngd, or kill it and run ngd); refused
ngctl: can't create node: Operation not permitted" \
    setpriv --reuid=65534 --regid=65534 --clear-groups ngctl -N list
# Restarted, ngd listens itself: the user is served.
kill "$old"
for _ in $(seq 100); do kill -0 "$old" 2>/dev/null || break; sleep 0.05; done
start_ngd -s "$NGD_SOCKET" -J "$tmp/j2"
check "restarted: the user's ngctl is served" 0 "There are 1 total nodes:" "" \
    eval 'setpriv --reuid=65534 --regid=65534 --clear-groups ngctl -N list | head -n 1'
stop_ngd
finish
