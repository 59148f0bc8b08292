/*
 * ng_fast.bpf.c: the eiface fast path (DESIGN decision 11), two tc
 * programs attached as TCX links by ngd (src/ngd/fastpath.c):
 *   ng_fast_port  ingress of every graph-side veth end: a frame the
 *                 jail-side interface sent.  A port joined straight to
 *                 another eiface hands it to that one's interface
 *                 (bpf_redirect_peer: into its ingress, no backlog);
 *                 a port on a hub of eifaces alone sends a copy to every
 *                 other member (bpf_loop + bpf_clone_redirect);
 *                 any other goes to ngd, tagged with the port's id.
 *   ng_fast_tap   ingress of the data plane's TAP: a frame ngd wrote,
 *                 tagged with the port it leaves by; it is handed to
 *                 that port's interface.
 * Maps and counters: ng_fast_bpf.h.
 */
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "ng_fast_bpf.h"

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, NG_FAST_BPF_MAX_PORTS + 1);
	__type(key, __u32);
	__type(value, struct ng_fast_bpf_port);
} ng_fast_ports SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, NG_FAST_BPF_MAX_PORTS + 1);
	__type(key, __u32);
	__type(value, __u32);
} ng_fast_ids SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} ng_fast_cfg SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, NG_FAST_BPF_MAX_PORTS + 1);
	__type(key, __u32);
	__type(value, struct ng_fast_bpf_stats);
} ng_fast_stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, NG_FAST_BPF_MAX_PORTS + 1);
	__type(key, struct ng_fast_bpf_member);
	__type(value, __u32);
} ng_fast_members SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, NG_FAST_BPF_MAX_PORTS + 1);
	__type(key, __u32);
	__type(value, __u32);
} ng_fast_groups SEC(".maps");

struct ng_fast_flood {
	struct __sk_buff *skb;
	__u32 group, in;
};

/* One copy to member idx, unless it is where the frame came from: out
 * of the graph-side end, so it arrives on the member's interface. */
static long
ng_fast_flood_one(__u32 idx, void *arg)
{
	struct ng_fast_flood *f = arg;
	struct ng_fast_bpf_member m = {.group = f->group, .idx = idx};
	__u32 *ifindex = bpf_map_lookup_elem(&ng_fast_members, &m);

	if (ifindex == NULL)
		return 1; /* the group shrank under us: stop */
	if (*ifindex != f->in)
		(void)bpf_clone_redirect(f->skb, *ifindex, 0);
	return 0;
}

SEC("tc")
int
ng_fast_port(struct __sk_buff *skb)
{
	__u32 ifindex = skb->ifindex, zero = 0;
	struct ng_fast_bpf_port *p;
	struct ng_fast_bpf_stats *st;
	__u32 *tap;

	p = bpf_map_lookup_elem(&ng_fast_ports, &ifindex);
	if (p == NULL)
		return TC_ACT_SHOT; /* not (or no longer) a port */
	st = bpf_map_lookup_elem(&ng_fast_stats, &ifindex);
	if (p->mode == NG_FAST_BPF_DIRECT && p->peer != 0) {
		if (st != NULL) {
			st->fast_pkts++;
			st->fast_bytes += skb->len;
			st->fast_segs += skb->gso_segs ? skb->gso_segs : 1;
		}
		return bpf_redirect_peer(p->peer, 0);
	}
	if (p->mode == NG_FAST_BPF_HUB) {
		struct ng_fast_flood f = {.skb = skb, .group = p->peer,
		    .in = ifindex};
		__u32 *n = bpf_map_lookup_elem(&ng_fast_groups, &f.group);

		if (n != NULL && *n <= NG_FAST_BPF_HUB_MAX) {
			if (st != NULL) {
				st->fast_pkts++;
				st->fast_bytes += skb->len;
				st->fast_segs += skb->gso_segs ?
				    skb->gso_segs : 1;
			}
			bpf_loop(*n, ng_fast_flood_one, &f, 0);
			return TC_ACT_SHOT; /* the copies went; not the frame */
		}
	}
	tap = bpf_map_lookup_elem(&ng_fast_cfg, &zero);
	if (tap == NULL || *tap == 0 ||
	    bpf_skb_vlan_push(skb, bpf_htons(NG_FAST_BPF_TPID),
	        (__u16)p->id) != 0) {
		if (st != NULL)
			st->dropped++;
		return TC_ACT_SHOT;
	}
	if (st != NULL)
		st->slow_pkts++;
	return bpf_redirect(*tap, 0); /* the TAP's egress: ngd reads it */
}

SEC("tc")
int
ng_fast_tap(struct __sk_buff *skb)
{
	__u32 id, *ifindex;

	if (!skb->vlan_present)
		return TC_ACT_SHOT;
	id = skb->vlan_tci;
	if (bpf_skb_vlan_pop(skb) != 0)
		return TC_ACT_SHOT;
	ifindex = bpf_map_lookup_elem(&ng_fast_ids, &id);
	if (ifindex == NULL || *ifindex == 0)
		return TC_ACT_SHOT;
	return bpf_redirect_peer(*ifindex, 0);
}

/*
 * The TAP's steering program (TUNSETSTEERINGEBPF): a frame for ngd goes
 * to the queue of its port (the tun driver takes the answer modulo the
 * number of queues), so that a port that floods fills its own queue and
 * not the others' (as each eiface's own TAP does in the TAP model).
 */
SEC("socket")
int
ng_fast_steer(struct __sk_buff *skb)
{
	return skb->vlan_present ? (int)(skb->vlan_tci & 0x0fff) : 0;
}

char LICENSE[] SEC("license") = "GPL";
