/*
 * brtime.bpf.c: what the Linux bridge costs a frame, bench/flat's kernel
 * baseline (loaded by bench/brtime.c).  Two BTF tracepoints (this kernel
 * has no kprobes and refuses fentry; its tracepoints it allows):
 *   netif_receive_skb  a port of the bridge receives the frame (the
 *                      start of __netif_receive_skb_core, before the rx
 *                      handler br_handle_frame)
 *   net_dev_queue      the bridge hands the same frame to the out port's
 *                      dev_queue_xmit (after its learning, its FDB
 *                      lookup, its netfilter hooks and br_forward)
 * The time between the two on a CPU, summed per CPU, for devices of one
 * network namespace (brtime_netns, set before load) only: bridges that
 * other sessions run meanwhile are not measured.  With brtime -d the end
 * is instead
 *   kfree_skb          the frame dropped where it was delivered (the
 *                      bench's frames, of an ethertype no stack handles,
 *                      are dropped by the receiving namespace's stack),
 *                      in any namespace
 * so that a path of several devices and namespaces (a Linux bridge, its
 * veth and the backlog; or the fast path's programs and redirects) is
 * timed from the same receive to the same delivery.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

/* Just the fields read, relocated by CO-RE against the running kernel. */
struct ns_common {
	unsigned int inum;
} __attribute__((preserve_access_index));
struct net {
	struct ns_common ns;
} __attribute__((preserve_access_index));
typedef struct {
	struct net *net;
} possible_net_t;
struct net_device {
	possible_net_t nd_net;
} __attribute__((preserve_access_index));
struct sk_buff {
	struct net_device *dev;
} __attribute__((preserve_access_index));

struct brtime_slot {
	__u64 skb; /* the frame received last, 0: none */
	__u64 start;
	__u64 ns; /* summed receive-to-transmit times */
	__u64 runs;
};

volatile const __u32 brtime_netns;

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct brtime_slot);
} brtime SEC(".maps");

SEC("tp_btf/netif_receive_skb")
int
BPF_PROG(brtime_rx, struct sk_buff *skb)
{
	__u32 k = 0;
	struct brtime_slot *s = bpf_map_lookup_elem(&brtime, &k);

	if (s == NULL ||
	    BPF_CORE_READ(skb, dev, nd_net.net, ns.inum) != brtime_netns)
		return 0;
	s->skb = (__u64)skb;
	s->start = bpf_ktime_get_ns();
	return 0;
}

SEC("tp_btf/net_dev_queue")
int
BPF_PROG(brtime_tx, struct sk_buff *skb)
{
	__u64 now = bpf_ktime_get_ns();
	__u32 k = 0;
	struct brtime_slot *s = bpf_map_lookup_elem(&brtime, &k);

	/* (the namespace again: a frame the bridge kept, for br0 itself,
	 * leaves its record, and a sender's new frame at the same address
	 * queued on a device elsewhere would match it) */
	if (s == NULL || s->skb != (__u64)skb ||
	    BPF_CORE_READ(skb, dev, nd_net.net, ns.inum) != brtime_netns)
		return 0;
	s->ns += now - s->start;
	s->runs++;
	s->skb = 0;
	return 0;
}

/* brtime -d's end (not loaded otherwise: "?"): the frame received in
 * the namespace, freed wherever it went. */
SEC("?tp_btf/kfree_skb")
int
BPF_PROG(brtime_drop, struct sk_buff *skb)
{
	__u64 now = bpf_ktime_get_ns();
	__u32 k = 0;
	struct brtime_slot *s = bpf_map_lookup_elem(&brtime, &k);

	if (s == NULL || s->skb != (__u64)skb)
		return 0;
	s->ns += now - s->start;
	s->runs++;
	s->skb = 0;
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
