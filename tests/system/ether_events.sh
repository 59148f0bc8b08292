#!/usr/bin/env bash
# ngd's link events (ether.c) keep up with a burst: 300 veth pairs made
# while ngd is stopped (SIGSTOP, as when it is busy with jail(8)'s
# requests), a few events an interface waiting in its socket, past the
# default buffer (~200 KB), which overflowed: "link events lost;
# rescanning" and a dump of every link.  Now none is lost, and every one
# of the 600 interfaces has its ether node once ngd runs again; and
# none once they are gone.
source "$(dirname "$0")/../lib.sh"
NGD_LOG=$tmp/ngd.log
unpair() { for i in $(seq 300); do echo "link del ev$i"; done | ip -batch - 2>/dev/null; }
trap '[ -n "${NGD_PID:-}" ] && kill -CONT "$NGD_PID"; stop_ngd; unpair; rm -rf "$tmp"' EXIT
start_ngd || finish
nodes() { ngctl list | grep -c ' Type: ether '; }
kill -STOP "$NGD_PID"
for i in $(seq 300); do echo "link add ev$i type veth peer name ew$i"; done | ip -batch -
kill -CONT "$NGD_PID"
for _ in $(seq 100); do [ "$(nodes)" -ge 600 ] && break; sleep 0.05; done
expect "every interface made while ngd was stopped has its ether node" 600 "$(nodes)"
expect "no link event was lost" 0 "$(grep -c 'link events lost' "$NGD_LOG")"
unpair
for _ in $(seq 100); do [ "$(nodes)" = 0 ] && break; sleep 0.05; done
expect "... and none once they are gone" 0 "$(nodes)"
finish
