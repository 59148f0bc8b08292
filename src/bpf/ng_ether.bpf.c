/*
 * ng_ether.bpf.c: the ether node's kernel side (DESIGN decision 9), four
 * tc programs attached as TCX links by ngd (src/ngd/ether.c):
 *   ng_ether_in         interface ingress, while lower or orphans is
 *                       connected: frames from the wire to the lower TAP
 *   ng_ether_out        interface egress, while upper is connected (or
 *                       lower's uplink has a wire device, whose frames
 *                       are tagged): what the stack sends to the upper TAP
 *   ng_ether_tap_lower  lower TAP ingress: what ngd writes goes to the wire
 *   ng_ether_tap_upper  upper TAP ingress: what ngd writes goes up the
 *                       stack, as if received on the interface
 * Maps and counters: ng_ether_bpf.h.  Each program does one job and
 * returns the same codes under TCX and cls_bpf.
 */
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>

#include "ng_ether_bpf.h"

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, NG_ETHER_BPF_MAX_PORTS);
	__type(key, __u32);
	__type(value, struct ng_ether_bpf_port);
} ng_ether_ports SEC(".maps");

/* ng_ether_ports again, by NG_ETHER_BPF_IF_SLOT (ng_ether_bpf.h) */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, NG_ETHER_BPF_IF_SLOTS);
	__type(key, __u32);
	__type(value, struct ng_ether_bpf_ifport);
} ng_ether_ifs SEC(".maps");

/* Ethertypes (network order) the host stack handles (/proc/net/ptype). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, NG_ETHER_BPF_MAX_KNOWN);
	__type(key, __u16);
	__type(value, __u8);
} ng_ether_known SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, NG_ETHER_BPF_MAX_PORTS);
	__type(key, __u32);
	__type(value, struct ng_ether_bpf_stats);
} ng_ether_stats SEC(".maps");

/*
 * The entry of ifindex, or NULL: its slot of ng_ether_ifs if the slot is
 * its own (an array's lookup the verifier inlines), else the hash's.
 * The owner is read before the port, once: ngd empties the slot and
 * lets every run that saw it end before it rewrites the port.
 */
static __always_inline struct ng_ether_bpf_port *
ng_ether_port_of(__u32 ifindex)
{
	__u32 slot = NG_ETHER_BPF_IF_SLOT(ifindex);
	struct ng_ether_bpf_ifport *e = bpf_map_lookup_elem(&ng_ether_ifs,
	    &slot);

	if (e != NULL && *(volatile __u32 *)&e->ifindex == ifindex) {
		asm volatile("" ::: "memory"); /* the port after the owner */
		return &e->port;
	}
	return bpf_map_lookup_elem(&ng_ether_ports, &ifindex);
}

/* (an array's lookup the verifier inlines: no call, no hash) */
static __always_inline struct ng_ether_bpf_stats *
ng_ether_stats_of(const struct ng_ether_bpf_port *port)
{
	__u32 slot = port->slot;

	return bpf_map_lookup_elem(&ng_ether_stats, &slot);
}

/* A frame ngd injected: pass it on, untagged (counted going in). */
static __always_inline int
ng_ether_tagged(struct __sk_buff *skb)
{
	if (skb->tc_index != NG_ETHER_BPF_TAG)
		return 0;
	skb->tc_index = 0;
	return 1;
}

SEC("tc")
int
ng_ether_in(struct __sk_buff *skb)
{
	__u32 ifindex = skb->ifindex;
	struct ng_ether_bpf_port *port;
	struct ng_ether_bpf_stats *st;
	__u16 proto;

	/* The tag first: what an uplink or a TAP sends up the stack needs
	 * no port lookup (the program runs on attached interfaces only). */
	if (ng_ether_tagged(skb))
		return TC_ACT_OK;
	port = ng_ether_port_of(ifindex);
	if (port == NULL)
		return TC_ACT_OK;
	st = ng_ether_stats_of(port);
	if (port->lower != 0) {
		if (st != NULL)
			st->lower_in++;
		/* The host's mark stays here: bpf_redirect_peer keeps it
		 * (veth_xmit across namespaces would clear it), and the
		 * data plane's program reads marks of its own. */
		skb->mark = 0;
		if (port->flags & NG_ETHER_BPF_F_PEER)
			return bpf_redirect_peer(port->lower, 0);
		return bpf_redirect(port->lower, 0);
	}
	if (port->orphans == 0)
		return TC_ACT_OK;
	/* A tag no VLAN device took off is unknown to the stack too. */
	proto = (__u16)skb->protocol;
	if (!skb->vlan_present &&
	    bpf_map_lookup_elem(&ng_ether_known, &proto) != NULL)
		return TC_ACT_OK;
	if (st != NULL)
		st->orphans_in++;
	return bpf_redirect(port->orphans, 0);
}

SEC("tc")
int
ng_ether_out(struct __sk_buff *skb)
{
	__u32 ifindex = skb->ifindex;
	struct ng_ether_bpf_port *port;
	struct ng_ether_bpf_stats *st;

	/* The tag first: every frame a kernel bridge sends the wire through
	 * an uplink passes here, and needs no port lookup. */
	if (ng_ether_tagged(skb))
		return TC_ACT_OK;
	port = ng_ether_port_of(ifindex);
	if (port == NULL || port->upper == 0)
		return TC_ACT_OK;
	if ((st = ng_ether_stats_of(port)) != NULL)
		st->upper_in++;
	return bpf_redirect(port->upper, 0);
}

/* A frame ngd wrote into a TAP: on to the interface, tagged. */
static __always_inline int
ng_ether_inject(struct __sk_buff *skb, int up)
{
	__u32 ifindex = skb->ifindex;
	struct ng_ether_bpf_port *port;
	struct ng_ether_bpf_stats *st;

	port = ng_ether_port_of(ifindex);
	if (port == NULL || port->target == 0)
		return TC_ACT_SHOT;
	if (port->flags & NG_ETHER_BPF_F_TAG)
		skb->tc_index = NG_ETHER_BPF_TAG;
	if ((st = ng_ether_stats_of(port)) != NULL) {
		if (up)
			st->upper_out++;
		else
			st->lower_out++;
	}
	return bpf_redirect(port->target, up ? BPF_F_INGRESS : 0);
}

SEC("tc")
int
ng_ether_tap_lower(struct __sk_buff *skb)
{
	return ng_ether_inject(skb, 0);
}

SEC("tc")
int
ng_ether_tap_upper(struct __sk_buff *skb)
{
	return ng_ether_inject(skb, 1);
}

char LICENSE[] SEC("license") = "GPL";
