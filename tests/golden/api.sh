#!/usr/bin/env bash
# Golden test: netgraph(3) from C (spec §7, §13 cases 42 and 43).  api.c,
# built against build/libnetgraph.a, prints its own ok/FAIL lines; then
# ngctl's interactive monitor prints a message nobody asked for; then the
# example program is built against an installed copy of the library
# through pkg-config, and run.
source "$(dirname "$0")/../lib.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# The shared library exports the netgraph(3) API, every function the
# manual names and nothing else (ng_lib_*, ngctl's and nghook's helpers
# from the static archive, were exported too)
expect "libnetgraph.so.1 exports what netgraph(3) names" \
    "$(sed -n 's/^\.Nm \(Ng[A-Za-z]*\).*/\1/p' "$top/man/netgraph.3" | sort)" \
    "$(nm -D --defined-only "$top/build/libnetgraph.so.1" | awk '{ print $3 }' | sort)"

start_ngd || finish

if cc -std=gnu11 -Wall -Wextra -Werror -I"$top/include" \
    -o "$tmp/api" "$top/tests/golden/api.c" "$top/build/libnetgraph.a" \
    -lpthread 2>"$tmp/cc.err"; then
	ok "api.c compiles against build/libnetgraph.a"
	"$tmp/api"
	expect "api.c exit status" 0 $?
else
	fail "api.c compiles against build/libnetgraph.a"
	sed 's/^/    /' "$tmp/cc.err"
fi

# interactive ngctl prints a message that arrives while it waits
if command -v script >/dev/null && [ -x "$tmp/api" ]; then
	{
		sleep 0.4
		"$tmp/api" reply inter:
		printf '\004'
		sleep 0.3
	} | script -qec "ngctl -n inter" /dev/null | tr -d '\r' >"$tmp/tty"
	for line in 'Rec'"'"'d response "nodeinfo" (805306374) from "[ID]:":' \
	    'Args:	{ name="somewhere" type="hub" id=0x42 }'; do
		if sed -E 's/from "\[[0-9a-f]+\]:"/from "[ID]:"/' "$tmp/tty" |
		    grep -qF -- "$line"; then
			ok "interactive: $line"
		else
			fail "interactive: $line"
			sed 's/^/    /' "$tmp/tty"
		fi
	done
fi

# The example, against the library installed under $tmp/inst.  A stand-in
# ldconfig keeps the install from touching the host's cache.
mkdir -p "$tmp/bin"
printf '#!/bin/sh\nexit 0\n' >"$tmp/bin/ldconfig"
chmod +x "$tmp/bin/ldconfig"
if PATH="$tmp/bin:$PATH" make -s -C "$top" install PREFIX="$tmp/inst" \
    >"$tmp/install.out" 2>&1; then
	ok "make install PREFIX=..."
else
	fail "make install PREFIX=..."
	tail -n 20 "$tmp/install.out" | sed 's/^/    /'
fi
export PKG_CONFIG_PATH="$tmp/inst/lib/pkgconfig"
expect "pkg-config --cflags --libs netgraph" \
    "-I$tmp/inst/include -L$tmp/inst/lib -lnetgraph" \
    "$(pkg-config --cflags --libs netgraph | xargs)"
for h in netgraph.h netgraph/ng_message.h netgraph/ng_wire.h \
    netgraph/ng_bridge.h netgraph/ng_eiface.h netgraph/ng_hub.h \
    netgraph/ng_socket.h; do
	if [ -f "$tmp/inst/include/$h" ]; then
		ok "installed <$h>"
	else
		fail "installed <$h>"
	fi
done
if [ -f "$tmp/inst/share/man/man3/netgraph.3" ]; then
	ok "installed netgraph.3"
else
	fail "installed netgraph.3"
fi
if make -s -C "$top/examples" BUILDDIR="$tmp" >"$tmp/ex.out" 2>&1; then
	ok "examples build with pkg-config"
else
	fail "examples build with pkg-config"
	sed 's/^/    /' "$tmp/ex.out"
fi
expect "ngexample uses the installed library" \
    "$tmp/inst/lib/libnetgraph.so.1" \
    "$(LD_LIBRARY_PATH="$tmp/inst/lib" ldd "$tmp/ngexample" |
	awk '$1 == "libnetgraph.so.1" { print $3 }')"
out=$(LD_LIBRARY_PATH="$tmp/inst/lib" "$tmp/ngexample")
expect "ngexample exit status" 0 $?
expect "ngexample output" 'binary: a hub node with 2 hooks
ascii:  { type="hub" ...
data:   "hello" came back on hook b' "$out"
expect "ngexample's nodes went with it" "" \
    "$(ngctl list | grep -E 'ngexample|Type: hub')"

finish
