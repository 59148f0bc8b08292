#!/usr/bin/env bash
# Errors a new user meets, each as they should read: the exact text,
# and the exit status.
#   - ngctl capture -w FILE into a directory that does not exist names
#     the file once (it said "capture: F: F: No such file or directory",
#     libpcap's message already naming it), as the pcapng writer does.
source "$(dirname "$0")/../lib.sh"
start_ngd || finish

# a persistent hub H with a hook to capture
ngctl -f - <<EOF || fail "the hub"
mkpeer . hub a b
name a H
msg H: setpersistent
EOF
ngctl mkpeer H: hub x y || fail "a hook on the hub"

out "capture -w into a missing directory (pcap)" 71 "" \
    "ngctl: capture: $tmp/no/x.pcap: No such file or directory" \
    ngctl capture -c 1 -w "$tmp/no/x.pcap" H: x
out "capture -w into a missing directory (pcapng)" 71 "" \
    "ngctl: capture: $tmp/no/x.pcapng: No such file or directory" \
    ngctl capture -c 1 -w "$tmp/no/x.pcapng" H: x

finish
