#!/usr/bin/env bash
# timeout: 120
# The ether node's kernel side lets a frame that carries its tag in
# tc_index (NG_ETHER_BPF_TAG, ng_ether_bpf.h: what ngd injected) pass up
# the stack instead of diverting it to lower.  tc_index is not the
# wire's: a veth peer, root in its own namespace, can set it on what it
# sends (a tc program of its own, or a tc action where the kernel has
# act_ife).  Were it to reach the interface, the peer would talk to the
# host past whatever the graph does with its frames (a nat's
# DENY_INCOMING, a bpf node's filter).  It does not: the kernel does not
# carry tc_index across the veth.  Here lower leads to a hub with no
# other hook, so nothing from the wire reaches the host: a's pings go
# unanswered, tagged or not, on the kernel fast path and in ngd.
source "$(dirname "$0")/../lib.sh"
export NGD_LOG=$tmp/ngd.log
cleanup() {
	stop_ngd
	ip netns del a 2>/dev/null
	ip link del pa 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

# the peer's program: every frame it sends carries the tag
cat >"$tmp/settag.bpf.c" <<'EOF'
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>
SEC("tc")
int settag(struct __sk_buff *skb)
{
	skb->tc_index = 0x4e47; /* NG_ETHER_BPF_TAG */
	return TC_ACT_OK;
}
char _license[] SEC("license") = "GPL";
EOF
tag=$(sed -n 's/^#define NG_ETHER_BPF_TAG \(0x[0-9a-f]*\).*/\1/p' "$top/src/bpf/ng_ether_bpf.h")
expect "the tag is the program's" 0x4e47 "$tag"
${BPF_CC:-clang} -O2 -target bpf -I"/usr/include/$(${CC:-cc} -dumpmachine)" \
    -c "$tmp/settag.bpf.c" -o "$tmp/settag.o" ||
    { fail "the peer's program builds"; finish; }

round() { # round FASTPATH
	local tag="fastpath=$1"
	NGD_FASTPATH=$1 start_ngd || return
	ip netns add a
	ip -n a link set lo up
	wire_veth pa a ea 198.18.65.2/24 || { fail "$tag: veth"; return; }
	ip addr add 198.18.65.1/24 dev pa
	for _ in $(seq 1500); do ngctl info pa: >/dev/null 2>&1 && break; sleep 0.02; done
	expect_rc "$tag: the host answers a before the divert" 0 \
	    quiet in_ns a ping -c 1 -W 5 198.18.65.1
	ngctl mkpeer pa: hub lower x || { fail "$tag: lower to a hub"; return; }
	ip -n a neigh flush dev ea
	expect_rc "$tag: lower diverted: the host hears nothing" 1 \
	    quiet in_ns a ping -c 2 -i 0.3 -W 2 198.18.65.1
	in_ns a tc qdisc add dev ea clsact &&
	    in_ns a tc filter add dev ea egress bpf da obj "$tmp/settag.o" sec tc ||
	    { fail "$tag: the peer's program on ea"; return; }
	ip -n a neigh flush dev ea
	expect_rc "$tag: tagged by the peer: the host still hears nothing" 1 \
	    quiet in_ns a ping -c 2 -i 0.3 -W 2 198.18.65.1
	stop_ngd
	ip netns del a
	ip link del pa 2>/dev/null
}

round 1
round 0
finish
