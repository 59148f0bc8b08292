/*
 * ng_fast.bpf.c: the eiface fast path (DESIGN decision 11), two tc
 * programs attached as TCX links by ngd (src/ngd/fastpath.c):
 *   ng_fast_port  ingress of every graph-side veth end: a frame the
 *                 jail-side interface sent.  A port joined straight to
 *                 another eiface hands it to that one's interface
 *                 (bpf_redirect_peer: into its ingress, no backlog);
 *                 a port on a hub of eifaces alone sends a copy to every
 *                 other member (bpf_loop + bpf_clone_redirect); a port
 *                 of a bridge of eifaces is switched by it; a hub's and
 *                 a bridge's floods go in slices (NG_FAST_BPF_FLOOD_SLICE);
 *                 any other goes to ngd, tagged with the port's id.
 *   ng_fast_tap   ingress of the data plane's TAP: a frame ngd wrote,
 *                 tagged with the port it leaves by (or, too short for
 *                 the tag, with a header of its own); it is handed to
 *                 that port's interface.
 *   ng_fast_slowq egress of the TAP: a frame for ngd, on to its queue if
 *                 its port has not more than its share there.
 * A port of a vlan node (its trunk, or a filter hook's) is tagged or
 * untagged on the way (ng_fast_vlan).  Maps and counters: ng_fast_bpf.h.
 */
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_core_read.h>

#include "ng_fast_bpf.h"
#include "ng_ether_bpf.h" /* NG_ETHER_BPF_TAG: a wire device's frames */

/*
 * The hash maps only ngd writes (all but ng_fast_hosts, which is not
 * preallocated either) have no preallocated elements: the kernel made
 * 32,768 of each at load, a fifth of the programs' load at ngd's first
 * eiface; a lookup costs the same.  An older ngd's pinned ones are taken
 * as they are (ngd_fast_pin_reuse_maps).
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, NG_FAST_BPF_MAX_PORTS + 1);
	__type(key, __u32);
	__type(value, struct ng_fast_bpf_port);
} ng_fast_ports SEC(".maps");

/* ng_fast_ports again, by NG_FAST_BPF_IF_SLOT (ng_fast_bpf.h) */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, NG_FAST_BPF_IF_SLOTS);
	__type(key, __u32);
	__type(value, struct ng_fast_bpf_ifport);
} ng_fast_ifs SEC(".maps");

/*
 * The port entry of ifindex, or NULL: its slot of ng_fast_ifs if the
 * slot is its own (an array's lookup the verifier inlines), else the
 * hash's.  The owner is read before the port, once: ngd empties the
 * slot and lets every run that saw it end before it rewrites the port.
 */
static __always_inline struct ng_fast_bpf_port *
ng_fast_port_of(__u32 ifindex)
{
	__u32 slot = NG_FAST_BPF_IF_SLOT(ifindex);
	struct ng_fast_bpf_ifport *e = bpf_map_lookup_elem(&ng_fast_ifs, &slot);

	if (e != NULL && *(volatile __u32 *)&e->ifindex == ifindex) {
		asm volatile("" ::: "memory"); /* the port after the owner */
		return &e->port;
	}
	return bpf_map_lookup_elem(&ng_fast_ports, &ifindex);
}

/* A frame's length as ngd sees it, and the nodes count it: an outer tag
 * the kernel took out of band (skb_vlan_untag) inline again. */
static __always_inline __u32
ng_fast_len(const struct __sk_buff *skb)
{
	return skb->len + (skb->vlan_present ? 4 : 0);
}

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

/* by port id: an array, the index in the port's entry (no lookup) */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, NG_FAST_BPF_MAX_PORTS + 1);
	__type(key, __u32);
	__type(value, struct ng_fast_bpf_stats);
} ng_fast_pstats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, NG_FAST_BPF_MAX_PORTS + 1);
	__type(key, struct ng_fast_bpf_member);
	__type(value, __u32);
} ng_fast_members SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, NG_FAST_BPF_MAX_PORTS + 1);
	__type(key, __u32);
	__type(value, __u32);
} ng_fast_groups SEC(".maps");

struct ng_fast_flood {
	struct __sk_buff *skb;
	__u32 group, in;
	__u32 first; /* the slice's first member */
};

/* One copy to member first + idx, unless it is where the frame came
 * from or its entry is 0 (its interface is down: a clone to no device,
 * which the kernel refuses); out of the graph-side end, so it arrives
 * on the member's interface. */
static long
ng_fast_flood_one(__u32 idx, void *arg)
{
	struct ng_fast_flood *f = arg;
	struct ng_fast_bpf_member m = { .group = f->group,
		.idx = f->first + idx };
	__u32 *ifindex = bpf_map_lookup_elem(&ng_fast_members, &m);

	if (ifindex == NULL)
		return 1; /* the group shrank under us: stop */
	if (*ifindex != f->in && *ifindex != 0)
		(void)bpf_clone_redirect(f->skb, *ifindex, 0);
	return 0;
}

/*
 * Members first.. of the hub group's n, one slice; then the frame back
 * on its port's ingress for the next slice, if any, as a bridge's flood
 * (ng_fast_bpf.h).
 */
static __always_inline int
ng_fast_hub_flood(struct __sk_buff *skb, __u32 group, __u32 in, __u32 first,
    __u32 n)
{
	struct ng_fast_flood f = { .skb = skb,
		.group = group,
		.in = in,
		.first = first };
	__u32 left = n > first ? n - first : 0;

	if (left > NG_FAST_BPF_FLOOD_SLICE)
		left = NG_FAST_BPF_FLOOD_SLICE;
	bpf_loop(left, ng_fast_flood_one, &f, 0);
	if (first + left < n) {
		skb->mark = NG_FAST_BPF_MORE | (first + left);
		(void)bpf_clone_redirect(skb, in, BPF_F_INGRESS);
	}
	return TC_ACT_SHOT; /* the copies went; not the frame */
}

/* The next slice of a hub's flood (skb->mark), if the group is still
 * one the kernel floods. */
static __always_inline int
ng_fast_hub_more(struct __sk_buff *skb, __u32 group, __u32 in)
{
	__u32 first = skb->mark & ~NG_FAST_BPF_MORE_MASK;
	__u32 *n = bpf_map_lookup_elem(&ng_fast_groups, &group);

	skb->mark = 0;
	if (n == NULL || *n > NG_FAST_BPF_FLOOD_MAX)
		return TC_ACT_SHOT;
	return ng_fast_hub_flood(skb, group, in, first, *n);
}

/* --- bridges (ng_fast_bpf.h) --------------------------------------------- */

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, NG_FAST_BPF_BR_SLOTS);
	__type(key, __u32);
	__type(value, struct ng_fast_bpf_brslot);
} ng_fast_brslots SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, NG_FAST_BPF_BR_SLOTS);
	__type(key, __u32);
	__type(value, __u32);
} ng_fast_brkeys SEC(".maps");

/* The hosts map (ng_fast_bpf.h): ng_fast_hostsof's slot 0 holds the one
 * the program uses, ngd's, sized to the hosts; ng_fast_hosts is the
 * first, until ngd puts another in its place. */
struct ng_fast_hosts_map {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, NG_FAST_BPF_HOSTS_MIN);
	__type(key, struct ng_fast_bpf_mac);
	__type(value, struct ng_fast_bpf_host);
} ng_fast_hosts SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, 1);
	__type(key, __u32);
	__array(values, struct ng_fast_hosts_map);
} ng_fast_hostsof SEC(".maps") = {
	.values = { [0] = &ng_fast_hosts },
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, NG_FAST_BPF_BR_SLOTS);
	__type(key, __u32);
	__type(value, struct ng_fast_bpf_brstats);
} ng_fast_brsstats SEC(".maps");

/* a bridge's room for hosts, its ports' hosts not learned (ng_fast_bpf.h) */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, NG_FAST_BPF_MAX_PORTS + 1);
	__type(key, __u32);
	__type(value, __s64);
} ng_fast_brroom SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, NG_FAST_BPF_BR_SLOTS);
	__type(key, __u32);
	__type(value, __u64);
} ng_fast_brfull SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, NG_FAST_BPF_BRCACHE_SETS);
	__type(key, __u32);
	__type(value, struct ng_fast_bpf_brset);
} ng_fast_brflows3 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} ng_fast_brgen SEC(".maps");

struct ng_fast_brflood {
	struct __sk_buff *skb;
	__u32 group, in;
	__u32 manycast; /* 0 unknown unicast, 1 multicast, 2 broadcast */
	__u32 len;
	__u32 first; /* the slice's first member */
	__u32 dev;   /* the device it runs on: in, or a vport's filter port */
};

/*
 * Whether bridge may learn one more host (one taken from its room), or,
 * with none left, not (counted by ng_fast_bridge: ng_fast_bpf.h).
 */
static __always_inline int
ng_fast_br_room(__u32 bridge)
{
	__s64 *room = bpf_map_lookup_elem(&ng_fast_brroom, &bridge);

	if (room == NULL)
		return 1; /* an older ngd's bridge: the map's size */
	if (*(volatile __s64 *)room > 0) {
		__sync_fetch_and_add(room, -1);
		return 1;
	}
	return 0;
}

/* The slot of the bridge port key (ng_fast_bpf.h), or 0. */
static __always_inline __u32
ng_fast_br_slot(__u32 key)
{
	__u32 *slot = bpf_map_lookup_elem(&ng_fast_brkeys, &key);

	return slot != NULL ? *slot : 0;
}

/* The entry of slot if it is port key's of bridge, or NULL (stale). */
static __always_inline struct ng_fast_bpf_brslot *
ng_fast_br_port(__u32 slot, __u32 key, __u32 bridge)
{
	struct ng_fast_bpf_brslot *bs = bpf_map_lookup_elem(&ng_fast_brslots,
	    &slot);

	if (bs == NULL || bs->key != key || bs->bridge != bridge || bridge == 0)
		return NULL;
	return bs;
}

/* A vlan node on the bridge (a vport, ng_fast_bpf.h): below, with the
 * vlan nodes' maps. */
static __always_inline int ng_fast_vl_down(struct __sk_buff *skb, __u32 vport);
static __always_inline int ng_fast_vl_flood(struct __sk_buff *skb, __u32 vport);
static __always_inline int ng_fast_vlf_tag(struct __sk_buff *skb, __u32 fvport);

static __always_inline void
ng_fast_br_xmit(__u32 slot, __u32 manycast, __u32 len)
{
	struct ng_fast_bpf_brstats *s = bpf_map_lookup_elem(&ng_fast_brsstats,
	    &slot);

	if (s == NULL)
		return;
	s->xmit_pkts++;
	s->xmit_octets += len;
	if (manycast == 1)
		s->xmit_mcast++;
	else if (manycast == 2)
		s->xmit_bcast++;
}

/* One copy to the bridge's port idx, unless it came from there, its
 * member entry is 0 (its interface is down: ngd_fast_br_carrier), or the
 * frame is unknown unicast and the port takes none. */
static long
ng_fast_br_flood_one(__u32 idx, void *arg)
{
	struct ng_fast_brflood *f = arg;
	struct ng_fast_bpf_member m = { .group = f->group,
		.idx = f->first + idx };
	struct ng_fast_bpf_brslot *bp;
	__u32 *ifindex = bpf_map_lookup_elem(&ng_fast_members, &m);
	__u32 out, slot;

	if (ifindex == NULL)
		return 1; /* the group shrank under us: stop */
	out = *ifindex;
	if (out == 0 || out == f->in)
		return 0; /* (a copy to a down one: veth_xmit would drop it) */
	slot = ng_fast_br_slot(out);
	if (f->manycast == 0) {
		bp = ng_fast_br_port(slot, out, f->group);
		if (bp == NULL || !(bp->flags & NG_FAST_BPF_BR_UNKNOWN))
			return 0;
	}
	if (NG_FAST_BPF_IS_VPORT(out)) {
		/* counted out if the vlan node takes it, as the node counts
		 * a send (ng_bridge_send) */
		if (ng_fast_vl_flood(f->skb, out))
			ng_fast_br_xmit(slot, f->manycast, f->len);
		return 0;
	}
	if (bpf_clone_redirect(f->skb, out, 0) == 0)
		ng_fast_br_xmit(slot, f->manycast, f->len);
	return 0;
}

/*
 * Members first.. of the bridge's n, one slice; then the frame back on
 * its port (in) for the next slice, if any (ng_fast_bpf.h).  A global
 * function, so the verifier walks it (and its loop's body, many times
 * over) once, not at each of the six places a flood starts: that was
 * most of the programs' load at ngd's start.  One call a flooded frame;
 * the frame's header was checked by the caller.
 */
__attribute__((noinline)) int
ng_fast_br_flood(struct __sk_buff *skb, __u32 bridge, __u32 in, __u32 first,
    __u32 n)
{
	void *data = (void *)(long)skb->data;
	void *end = (void *)(long)skb->data_end;
	__u8 *eth = data;
	struct ng_fast_brflood f = { .skb = skb,
		.group = bridge,
		.in = in,
		.len = ng_fast_len(skb),
		.first = first,
		.dev = skb->ifindex };
	__u32 left = n > first ? n - first : 0;

	if (data + 14 > end)
		return TC_ACT_SHOT;
	if (eth[0] & 1)
		f.manycast = (eth[0] & eth[1] & eth[2] & eth[3] & eth[4] &
				 eth[5]) == 0xff ?
		    2 :
		    1;
	if (left > NG_FAST_BPF_FLOOD_SLICE)
		left = NG_FAST_BPF_FLOOD_SLICE;
	bpf_loop(left, ng_fast_br_flood_one, &f, 0);
	if (first + left < n) {
		skb->mark = NG_FAST_BPF_MORE | (first + left);
		/* from a vlan filter: on its trunk's port, tagged again */
		if (!NG_FAST_BPF_IS_FVPORT(in) || ng_fast_vlf_tag(skb, in) == 0)
			(void)bpf_clone_redirect(skb, f.dev, BPF_F_INGRESS);
	}
	return TC_ACT_SHOT; /* the copies went; not the frame */
}

/* The next slice of a flood (skb->mark): from where the last one ended,
 * if the port (in, its slot) is still an unmuted one of the bridge. */
static __always_inline int
ng_fast_br_more(struct __sk_buff *skb, __u32 bridge, __u32 in, __u32 slot)
{
	void *data = (void *)(long)skb->data;
	void *end = (void *)(long)skb->data_end;
	struct ng_fast_bpf_brslot *bp;
	__u32 first = skb->mark & ~NG_FAST_BPF_MORE_MASK, *n;

	skb->mark = 0;
	if (data + 14 > end)
		return TC_ACT_SHOT;
	bp = ng_fast_br_port(slot, in, bridge);
	if (bp == NULL || (bp->flags & NG_FAST_BPF_BR_MUTED))
		return TC_ACT_SHOT;
	n = bpf_map_lookup_elem(&ng_fast_groups, &bridge);
	if (n == NULL || *n > NG_FAST_BPF_FLOOD_MAX)
		return TC_ACT_SHOT;
	return ng_fast_br_flood(skb, bridge, in, first, *n);
}

/* Whether the 6 bytes at a and b are the same address. */
static __always_inline int
ng_fast_mac_eq(const __u8 *a, const __u8 *b)
{
	return *(const __u32 *)a == *(const __u32 *)b &&
	    *(const __u16 *)(a + 4) == *(const __u16 *)(b + 4);
}

/* The set of ng_fast_brflows3 for a frame from in with the header eth
 * (its 14 bytes checked): in and the last four bytes of each address,
 * mixed (lowbias32) so that addresses that differ in a byte or two
 * spread over every set (ng_fast_bpf.h). */
static __always_inline __u32
ng_fast_brcache_slot(__u32 in, const __u8 *eth)
{
	__u32 x = *(const __u32 *)(eth + 2) ^
	    (*(const __u32 *)(eth + 8) * 0x85ebca6bu) ^ (in * 0xc2b2ae35u);

	x ^= x >> 16;
	x *= 0x7feb352du;
	x ^= x >> 15;
	x *= 0x846ca68bu;
	x ^= x >> 16;
	return x & (NG_FAST_BPF_BRCACHE_SETS - 1);
}

/* Out by port out: to its interface (bpf_redirect_peer), or for an
 * uplink with a wire device (ng_fast_bpf.h) straight to that device. */
static __always_inline int
ng_fast_br_out(struct __sk_buff *skb, __u32 out, __u32 wire)
{
	if (wire == 0)
		return bpf_redirect_peer(out, 0);
	skb->tc_index = NG_ETHER_BPF_TAG;
	return bpf_redirect(wire, 0);
}

/* Whether cache entry c is the current generation's and not expired. */
static __always_inline int
ng_fast_brc_live(const struct ng_fast_bpf_brcache *c, __u32 gen, __u16 tick)
{
	return c->gen == gen && c->in != 0 &&
	    (__u16)(c->until - tick) - 1u < NG_FAST_BPF_BRCACHE_TICKS;
}

/* Whether cache entry c (live) is the flow of the frame from in of
 * bridge with the header eth. */
static __always_inline int
ng_fast_brc_is(const struct ng_fast_bpf_brcache *c, __u32 bridge, __u32 in,
    const __u8 *eth)
{
	return c->in == in && c->bridge == bridge &&
	    ng_fast_mac_eq(c->dst, eth) && ng_fast_mac_eq(c->src, eth + 6);
}

/* A unicast frame of a flow the CPU's cache set cs has (ng_fast_bpf.h):
 * counted and on to the port, or -1: the whole path decides. */
static __always_inline int
ng_fast_br_cached(struct __sk_buff *skb, struct ng_fast_bpf_brset *cs,
    __u32 gen, __u32 bridge, __u32 in, __u32 slot, const __u8 *eth, __u32 len,
    __u16 tick)
{
	struct ng_fast_bpf_brstats *s;
	struct ng_fast_bpf_brcache *c;

	if (cs == NULL)
		return -1;
	c = &cs->way[0];
	if (!ng_fast_brc_is(c, bridge, in, eth) ||
	    !ng_fast_brc_live(c, gen, tick)) {
		c = &cs->way[1];
		if (!ng_fast_brc_is(c, bridge, in, eth) ||
		    !ng_fast_brc_live(c, gen, tick))
			return -1;
	}
	if ((s = bpf_map_lookup_elem(&ng_fast_brsstats, &slot)) != NULL) {
		s->recv_pkts++;
		s->recv_octets += len;
	}
	ng_fast_br_xmit(c->out_slot, 0, len);
	if (c->dev & NG_FAST_BPF_BRCACHE_WIRE)
		return ng_fast_br_out(skb, 0,
		    c->dev & ~NG_FAST_BPF_BRCACHE_WIRE);
	return ng_fast_br_out(skb, c->dev, 0);
}

/*
 * A frame from port in (its slot) of bridge: learned, then to its
 * host's port (bpf_redirect_peer) or flooded; or -1: ngd decides (as
 * ng_bridge.c's rcvdata, which the kernel's choices mirror).  Hash
 * lookups: the source's and the destination's hosts entries (and the
 * out port's ng_fast_brkeys entry for a host an older ngd wrote); the
 * ports' entries and counters are arrays, by slot.  *unlearned: a new
 * source it had no room to learn.
 */
static __always_inline int
ng_fast_br_switch(struct __sk_buff *skb, __u32 bridge, __u32 in, __u32 slot,
    int *unlearned)
{
	void *data = (void *)(long)skb->data;
	void *end = (void *)(long)skb->data_end;
	__u8 *eth = data;
	struct ng_fast_bpf_mac k = { .bridge = bridge };
	struct ng_fast_bpf_brslot *bp, *op;
	struct ng_fast_bpf_host *h;
	struct ng_fast_bpf_brstats *s;
	struct ng_fast_bpf_brset *cs = NULL;
	struct ng_fast_bpf_brcache *c;
	struct ng_fast_bpf_port *wp;
	void *hosts;
	__u32 *n, out, oslot, zero = 0, gen = 0, *g, cslot, wire;
	__u32 len = ng_fast_len(skb), manycast = 0;
	__u64 now;
	__u16 tick;
	int cacheable = 0, verdict;

	if (data + 14 > end)
		return -1;
	/* the tick's time: no clock source read a frame (a paravirtual
	 * clock is one of the dearest parts of a guest's frame) */
	now = bpf_ktime_get_coarse_ns();
	tick = NG_FAST_BPF_BRCACHE_TICK(now);
	/* before any lookup: an entry filled from what they return holds
	 * only until ngd writes again */
	if (!NG_FAST_BPF_IS_VPORT(in) &&
	    (g = bpf_map_lookup_elem(&ng_fast_brgen, &zero)) != NULL) {
		gen = *g;
		cslot = ng_fast_brcache_slot(in, eth);
		cs = bpf_map_lookup_elem(&ng_fast_brflows3, &cslot);
		verdict = ng_fast_br_cached(skb, cs, gen, bridge, in, slot, eth,
		    len, tick);
		if (verdict >= 0)
			return verdict;
	}
	bp = ng_fast_br_port(slot, in, bridge);
	if (bp == NULL || (bp->flags & NG_FAST_BPF_BR_MUTED) || (eth[6] & 1))
		return -1;
	if ((hosts = bpf_map_lookup_elem(&ng_fast_hostsof, &zero)) == NULL)
		return -1; /* none (ngd puts one there): ngd decides */
	__builtin_memcpy(k.addr, eth + 6, 6);
	h = bpf_map_lookup_elem(hosts, &k);
	if (h != NULL) {
		if (h->ifindex != in)
			return -1; /* moved, or a loop: the node judges */
		if (now - h->seen_ns > 100000000ull)
			h->seen_ns = now;
		if (h->slot != slot)
			h->slot = slot; /* an older ngd's entry */
		cacheable = 1;
	} else if ((bp->flags & NG_FAST_BPF_BR_LEARN) &&
	    !ng_fast_br_room(bridge)) {
		*unlearned = 1; /* on, unlearned: the node's table is full */
	} else if (bp->flags &
	    NG_FAST_BPF_BR_LEARN) { /* (else on, unlearned) */
		/* the fine clock, a new host only: ngd tells the hosts
		 * learned since it read the room by it (ngd_br_room) */
		struct ng_fast_bpf_host nh = { .ifindex = in,
			.slot = slot,
			.seen_ns = now,
			.learned_ns = bpf_ktime_get_ns() };

		if (bpf_map_update_elem(hosts, &k, &nh, BPF_NOEXIST) != 0)
			return -1; /* full, or learned elsewhere meanwhile */
		cacheable = 1;     /* here, and nowhere else while it is */
	}
	s = bpf_map_lookup_elem(&ng_fast_brsstats, &slot);
	if (eth[0] & 1) {
		manycast = (eth[0] & eth[1] & eth[2] & eth[3] & eth[4] &
			       eth[5]) == 0xff ?
		    2 :
		    1;
	} else {
		__builtin_memcpy(k.addr, eth, 6);
		h = bpf_map_lookup_elem(hosts, &k);
		if (h != NULL) {
			out = h->ifindex;
			oslot = h->slot != 0 ? h->slot : ng_fast_br_slot(out);
			op = ng_fast_br_port(oslot, out, bridge);
			if (op == NULL)
				return -1; /* a stale entry: ngd knows */
			if (s != NULL) {
				s->recv_pkts++;
				s->recv_octets += len;
			}
			if (out == in)
				return TC_ACT_SHOT; /* it is already there */
			if (op->flags & NG_FAST_BPF_BR_DOWN)
				return TC_ACT_SHOT; /* refused: ENETDOWN */
			if (NG_FAST_BPF_IS_VPORT(out)) {
				/* counted out if the vlan node takes it */
				verdict = ng_fast_vl_down(skb, out);
				if (verdict != TC_ACT_SHOT)
					ng_fast_br_xmit(oslot, 0, len);
				return verdict;
			}
			ng_fast_br_xmit(oslot, 0, len);
			/* (an entry of ng_fast_ports only for an uplink) */
			wp = (op->flags & NG_FAST_BPF_BR_WIRE) ?
			    ng_fast_port_of(out) :
			    NULL;
			wire = wp != NULL ? wp->wire : 0;
			if (cacheable && cs != NULL) {
				/* way 0 if free, else way 1 (ng_fast_bpf.h) */
				c = &cs->way[0];
				if (ng_fast_brc_live(c, gen, tick))
					c = &cs->way[1];
				c->until = tick + NG_FAST_BPF_BRCACHE_TICKS;
				c->gen = gen;
				c->bridge = bridge;
				c->in = in;
				c->dev = wire != 0 ?
				    wire | NG_FAST_BPF_BRCACHE_WIRE :
				    out;
				c->out_slot = (__u16)oslot;
				__builtin_memcpy(c->src, eth + 6, 6);
				__builtin_memcpy(c->dst, eth, 6);
			}
			return ng_fast_br_out(skb, out, wire);
		}
	}
	n = bpf_map_lookup_elem(&ng_fast_groups, &bridge);
	if (n == NULL || *n > NG_FAST_BPF_FLOOD_MAX)
		return -1; /* too wide: ngd floods */
	if (s != NULL) {
		s->recv_pkts++;
		s->recv_octets += len;
		if (manycast == 1)
			s->recv_mcast++;
		else if (manycast == 2)
			s->recv_bcast++;
		else
			s->recv_unknown++;
	}
	return ng_fast_br_flood(skb, bridge, in, 0, *n);
}

/*
 * ng_fast_br_switch's frame, and a new source it did not learn counted
 * on the port's slot (ng_fast_brfull, the node's memoryFailures) if the
 * kernel decided the frame: one it gives ngd, the node counts itself.
 */
static __always_inline int
ng_fast_bridge(struct __sk_buff *skb, __u32 bridge, __u32 in, __u32 slot)
{
	int unlearned = 0;
	int verdict = ng_fast_br_switch(skb, bridge, in, slot, &unlearned);
	__u64 *full;

	if (unlearned && verdict >= 0 &&
	    (full = bpf_map_lookup_elem(&ng_fast_brfull, &slot)) != NULL)
		(*full)++;
	return verdict;
}

/* --- vlan nodes (ng_fast_bpf.h) ------------------------------------------ */

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, NG_FAST_BPF_MAX_PORTS + 1);
	__type(key, __u32);
	__type(value, struct ng_fast_bpf_vlport);
} ng_fast_vlports SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, NG_FAST_BPF_MAX_PORTS + 1);
	__type(key, struct ng_fast_bpf_vid);
	__type(value, __u32);
} ng_fast_vlvids SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, NG_FAST_BPF_MAX_PORTS + 1);
	__type(key, __u32);
	__type(value, struct ng_fast_bpf_vlstats);
} ng_fast_vlstats SEC(".maps");

/* One frame of len bytes counted out of a vlan node's hook (its port). */
static __always_inline void
ng_fast_vl_count(__u32 port, __u32 len)
{
	struct ng_fast_bpf_vlstats *s;

	if ((s = bpf_map_lookup_elem(&ng_fast_vlstats, &port)) != NULL) {
		s->pkts++;
		s->bytes += len;
	}
}

#define NG_FAST_VLAN_DROP (-2)

/*
 * Whether bpf_skb_vlan_pop can take the out-of-band tag off: it moves an
 * inline tag behind it out of band too (skb_vlan_pop), and fails with
 * the outer tag gone if the frame is cut short in that one (under 18
 * bytes): such a frame is ngd's, untouched (the vlan node passes it on).
 */
static __always_inline int
ng_fast_vl_poppable(const struct __sk_buff *skb)
{
	return skb->len >= 18 ||
	    (skb->protocol != bpf_htons(0x8100) &&
		skb->protocol != bpf_htons(0x88a8));
}

/* --- vlan filters on bridges (fvports, ng_fast_bpf.h) -------------------- */

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, NG_FAST_BPF_MAX_PORTS + 1);
	__type(key, __u32);
	__type(value, struct ng_fast_bpf_vlfport);
} ng_fast_vlfports SEC(".maps");

/* The filter's tag on the frame (in front of any it carries): 0, or
 * -1 (no such fvport, or nothing pushed). */
static __always_inline int
ng_fast_vlf_tag(struct __sk_buff *skb, __u32 fvport)
{
	struct ng_fast_bpf_vlfport *e = bpf_map_lookup_elem(&ng_fast_vlfports,
	    &fvport);

	if (e == NULL || bpf_skb_vlan_push(skb, e->proto, e->tci) != 0)
		return -1;
	return 0;
}

/* What a bridge sends the fvport: tagged, into the trunk's interface. */
static __always_inline int
ng_fast_vlf_down(struct __sk_buff *skb, __u32 fvport)
{
	struct ng_fast_bpf_vlfport *e = bpf_map_lookup_elem(&ng_fast_vlfports,
	    &fvport);

	if (e == NULL || bpf_skb_vlan_push(skb, e->proto, e->tci) != 0)
		return TC_ACT_SHOT;
	return bpf_redirect_peer(e->trunk, 0);
}

/* A bridge's flood, the fvport's copy: tagged to the trunk, the tag
 * off the frame again for the next member; whether it went. */
static __always_inline int
ng_fast_vlf_flood(struct __sk_buff *skb, __u32 fvport)
{
	struct ng_fast_bpf_vlfport *e = bpf_map_lookup_elem(&ng_fast_vlfports,
	    &fvport);
	int sent;

	if (e == NULL || bpf_skb_vlan_push(skb, e->proto, e->tci) != 0)
		return 0;
	sent = bpf_clone_redirect(skb, e->trunk, 0) == 0;
	(void)bpf_skb_vlan_pop(skb);
	return sent;
}

/* The fvport of trunk vp's filter for the frame's tag, and its bridge
 * and slot, or 0. */
static __always_inline __u32
ng_fast_vlf_of(struct __sk_buff *skb, const struct ng_fast_bpf_vlport *vp,
    __u32 *bridge, __u32 *slot)
{
	struct ng_fast_bpf_vlfport *e;
	struct ng_fast_bpf_brslot *bp;
	__u32 vid = skb->vlan_tci & 0x0fff, key;

	if (!skb->vlan_present || skb->vlan_proto != vp->proto)
		return 0;
	key = NG_FAST_BPF_FVPORT_KEY(vp->vlan, vid);
	e = bpf_map_lookup_elem(&ng_fast_vlfports, &key);
	if (e == NULL || e->vlan != vp->vlan || (e->tci & 0x0fff) != vid)
		return 0;
	*slot = ng_fast_br_slot(key);
	bp = bpf_map_lookup_elem(&ng_fast_brslots, slot);
	if (bp == NULL || bp->key != key || bp->bridge == 0)
		return 0;
	*bridge = bp->bridge;
	return key;
}

/*
 * A frame the trunk vp sent whose VID's filter hook leads to a kernel
 * bridge: untagged and switched by it, the fvport the port it came in
 * on; -1: ngd decides (the frame as it came); NG_FAST_VLAN_DROP: the tag
 * went but the frame cannot follow.
 */
static __always_inline int
ng_fast_vlf_in(struct __sk_buff *skb, const struct ng_fast_bpf_vlport *vp)
{
	__u32 bridge = 0, slot = 0, key, proto, tci, len;
	int verdict;

	if ((key = ng_fast_vlf_of(skb, vp, &bridge, &slot)) == 0 ||
	    !ng_fast_vl_poppable(skb))
		return -1;
	proto = skb->vlan_proto;
	tci = skb->vlan_tci;
	if (bpf_skb_vlan_pop(skb) != 0)
		return NG_FAST_VLAN_DROP; /* an inner tag could not move up */
	len = ng_fast_len(skb);
	verdict = ng_fast_bridge(skb, bridge, key, slot);
	if (verdict < 0) {
		if (bpf_skb_vlan_push(skb, (__be16)proto, (__u16)tci) != 0)
			return NG_FAST_VLAN_DROP; /* ngd's, but not as sent */
		return -1;
	}
	ng_fast_vl_count(key, len); /* as the filter's hook sends it */
	return verdict;
}

/* The next slice of a flood that came in by an fvport (re-queued on
 * its trunk's port, tagged again). */
static __always_inline int
ng_fast_vlf_more(struct __sk_buff *skb, const struct ng_fast_bpf_vlport *vp)
{
	__u32 bridge = 0, slot = 0, key;

	if ((key = ng_fast_vlf_of(skb, vp, &bridge, &slot)) == 0 ||
	    bpf_skb_vlan_pop(skb) != 0)
		return TC_ACT_SHOT;
	return ng_fast_br_more(skb, bridge, key, slot);
}

/*
 * A frame the trunk vp sent: untagged for its VID's port, or as it is
 * for the nomatch port; that port (its counters counted), 0: ngd
 * decides (the frame untouched), or NG_FAST_VLAN_DROP: the tag went but
 * the frame cannot follow.
 */
static __always_inline long
ng_fast_vl_trunk(struct __sk_buff *skb, const struct ng_fast_bpf_vlport *vp)
{
	struct ng_fast_bpf_vid k = { .vlan = vp->vlan };
	__u32 *out = NULL, len = skb->len, dst;

	dst = vp->peer; /* nomatch (0: ngd's), unless a filter takes it */
	if (skb->vlan_present && skb->vlan_proto == vp->proto) {
		k.vid = skb->vlan_tci & 0x0fff;
		out = bpf_map_lookup_elem(&ng_fast_vlvids, &k);
	}
	if (out != NULL) {
		if (*out == 0 || (*out & NG_FAST_BPF_VL_DOWN) ||
		    !ng_fast_vl_poppable(skb))
			return 0; /* its hook leads elsewhere, or see above */
		dst = *out;
		if (bpf_skb_vlan_pop(skb) != 0)
			return NG_FAST_VLAN_DROP; /* an inner tag could not move up */
	} else if (skb->vlan_present) {
		len += 4; /* to nomatch, its tag inline as ngd sees it */
	}
	if (dst == 0 || (dst & NG_FAST_BPF_VL_DOWN))
		return 0;
	ng_fast_vl_count(dst, len); /* as the node's hook sends it */
	return dst;
}

/*
 * A frame from a vport's bridge that ng_fast_vl_trunk left alone because
 * the port it is for is down (NG_FAST_BPF_VL_DOWN): counted out of the
 * vlan node's hook to it, as the node sends it (untagged to a filter's
 * port, as it is to nomatch), not sent.  Whether it was one.
 */
static __always_inline int
ng_fast_vl_refused(struct __sk_buff *skb, const struct ng_fast_bpf_vlport *vp)
{
	struct ng_fast_bpf_vid k = { .vlan = vp->vlan };
	__u32 *out = NULL, len = skb->len, dst = vp->peer;

	if (skb->vlan_present && skb->vlan_proto == vp->proto) {
		k.vid = skb->vlan_tci & 0x0fff;
		out = bpf_map_lookup_elem(&ng_fast_vlvids, &k);
	}
	if (out != NULL)
		dst = *out;
	else if (skb->vlan_present)
		len += 4;
	if (!(dst & NG_FAST_BPF_VL_DOWN))
		return 0;
	ng_fast_vl_count(dst & ~NG_FAST_BPF_VL_DOWN, len);
	return 1;
}

/*
 * A frame from the bridge that ng_fast_vl_trunk left alone because its
 * tag cannot come off (ng_fast_vl_poppable), though its VID's filter
 * leads to a port: the vlan node sends it untagged, a runt its eiface
 * refuses (EINVAL, ng_eiface.c; skb_vlan_untag drops it there, and
 * ng_fast_tap one from ngd): counted out of the filter's hook as the
 * node sends it, not sent, and not counted sent by the bridge, whose
 * send the refusal fails.  Whether it was one.
 */
static __always_inline int
ng_fast_vl_lost(struct __sk_buff *skb, const struct ng_fast_bpf_vlport *vp)
{
	struct ng_fast_bpf_vid k = { .vlan = vp->vlan,
		.vid = skb->vlan_tci & 0x0fff };
	__u32 *out;

	if (ng_fast_vl_poppable(skb) || !skb->vlan_present ||
	    skb->vlan_proto != vp->proto ||
	    (out = bpf_map_lookup_elem(&ng_fast_vlvids, &k)) == NULL ||
	    *out == 0)
		return 0;
	ng_fast_vl_count(*out & ~NG_FAST_BPF_VL_DOWN, skb->len);
	return 1;
}

/* What a bridge sends the vport: to its port, or dropped where the vlan
 * node drops it (no nomatch hook). */
static __always_inline int
ng_fast_vl_down(struct __sk_buff *skb, __u32 vport)
{
	struct ng_fast_bpf_vlport *vp = bpf_map_lookup_elem(&ng_fast_vlports,
	    &vport);
	long dst;

	if (NG_FAST_BPF_IS_FVPORT(vport))
		return ng_fast_vlf_down(skb, vport);
	if (vp == NULL || !(vp->flags & NG_FAST_BPF_VL_TRUNK))
		return TC_ACT_SHOT;
	dst = ng_fast_vl_trunk(skb, vp);
	if (dst == 0 && ng_fast_vl_lost(skb, vp))
		return TC_ACT_SHOT; /* counted out by the filter, refused */
	if (dst == 0 && ng_fast_vl_refused(skb, vp))
		return TC_ACT_SHOT; /* counted out by the hook, refused */
	if (dst <= 0)
		return TC_ACT_SHOT;
	return bpf_redirect_peer((__u32)dst, 0);
}

/* A bridge's flood, the vport's copy: untagged for a filter's port (the
 * tag back on the frame after), or as it is for nomatch; whether it went
 * (the vlan node took it). */
static __always_inline int
ng_fast_vl_flood(struct __sk_buff *skb, __u32 vport)
{
	struct ng_fast_bpf_vlport *vp = bpf_map_lookup_elem(&ng_fast_vlports,
	    &vport);
	struct ng_fast_bpf_vid k = { .vid = 0 };
	__u32 *out = NULL, len = skb->len, dst, proto, tci;

	if (NG_FAST_BPF_IS_FVPORT(vport))
		return ng_fast_vlf_flood(skb, vport);
	if (vp == NULL || !(vp->flags & NG_FAST_BPF_VL_TRUNK))
		return 0;
	k.vlan = vp->vlan;
	dst = vp->peer;
	proto = skb->vlan_proto;
	tci = skb->vlan_tci;
	if (skb->vlan_present && proto == vp->proto) {
		k.vid = tci & 0x0fff;
		out = bpf_map_lookup_elem(&ng_fast_vlvids, &k);
	}
	if (out != NULL) {
		dst = *out;
		if (dst == 0)
			return 0;
		if (dst & NG_FAST_BPF_VL_DOWN) { /* as ng_fast_vl_refused */
			ng_fast_vl_count(dst & ~NG_FAST_BPF_VL_DOWN, len);
			return 0;
		}
		if (!ng_fast_vl_poppable(skb)) { /* as ng_fast_vl_lost */
			ng_fast_vl_count(dst, len);
			return 0; /* refused (the others keep the tag) */
		}
		if (bpf_skb_vlan_pop(skb) != 0)
			return 0;
		if (bpf_clone_redirect(skb, dst, 0) != 0)
			dst = 0;
		(void)bpf_skb_vlan_push(skb, (__be16)proto, (__u16)tci);
	} else {
		if (skb->vlan_present)
			len += 4;
		if (dst & NG_FAST_BPF_VL_DOWN) { /* as ng_fast_vl_refused */
			ng_fast_vl_count(dst & ~NG_FAST_BPF_VL_DOWN, len);
			return 0;
		}
		if (dst == 0 || bpf_clone_redirect(skb, dst, 0) != 0)
			return 0;
	}
	if (dst == 0)
		return 0;
	ng_fast_vl_count(dst, len);
	return 1;
}

/* What a filter's port sends a vport: switched by its bridge, the vport
 * the port it came in on; -1: ngd decides. */
static __always_inline int
ng_fast_vl_up(struct __sk_buff *skb, __u32 vport)
{
	__u32 slot = ng_fast_br_slot(vport);
	struct ng_fast_bpf_brslot *bp = bpf_map_lookup_elem(&ng_fast_brslots,
	    &slot);

	if (bp == NULL || bp->key != vport)
		return -1;
	return ng_fast_bridge(skb, bp->bridge, vport, slot);
}

/* The next slice of a flood that a filter's port sent its vport. */
static __always_inline int
ng_fast_vl_more(struct __sk_buff *skb, __u32 in)
{
	struct ng_fast_bpf_vlport *vp = bpf_map_lookup_elem(&ng_fast_vlports,
	    &in);
	struct ng_fast_bpf_brslot *bp;
	__u32 vport, slot;

	if (vp != NULL && (vp->flags & NG_FAST_BPF_VL_TRUNK))
		return ng_fast_vlf_more(skb, vp);
	if (vp == NULL || !NG_FAST_BPF_IS_VPORT(vp->peer))
		return TC_ACT_SHOT;
	vport = vp->peer;
	slot = ng_fast_br_slot(vport);
	if ((bp = bpf_map_lookup_elem(&ng_fast_brslots, &slot)) == NULL ||
	    bp->key != vport)
		return TC_ACT_SHOT;
	return ng_fast_br_more(skb, bp->bridge, vport, slot);
}

/*
 * A frame from port in of vlan node vlan, as ng_vlan.c's rcvdata would
 * send it: from a filter's port tagged to the trunk, from the nomatch
 * port as it is; from the trunk untagged to its VID's port, or as it is
 * to the nomatch port (bpf_redirect_peer); -1: ngd decides (the frame
 * untouched); NG_FAST_VLAN_DROP: the tag went but the frame could not
 * follow.  At tc ingress an outer 802.1Q or 802.1ad tag is out of band
 * (skb_vlan_untag ran), so vlan_present is the node's "tagged".
 */
static __always_inline int
ng_fast_vlan(struct __sk_buff *skb, __u32 vlan, __u32 in)
{
	struct ng_fast_bpf_vlport *vp;
	long dst;
	int verdict;

	vp = bpf_map_lookup_elem(&ng_fast_vlports, &in);
	if (vp == NULL || vp->vlan != vlan || skb->len < 14)
		return -1;
	if (!(vp->flags & NG_FAST_BPF_VL_TRUNK)) {
		if (vp->peer == 0)
			return -1;
		if ((vp->flags & NG_FAST_BPF_VL_TAG) &&
		    bpf_skb_vlan_push(skb, vp->proto, vp->tci) != 0)
			return -1; /* nothing pushed */
		if (!NG_FAST_BPF_IS_VPORT(vp->peer))
			return bpf_redirect_peer(vp->peer, 0);
		verdict = ng_fast_vl_up(skb, vp->peer);
		if (verdict < 0 && (vp->flags & NG_FAST_BPF_VL_TAG) &&
		    bpf_skb_vlan_pop(skb) != 0)
			return NG_FAST_VLAN_DROP; /* ngd's, but not as sent */
		return verdict;
	}
	dst = ng_fast_vl_trunk(skb, vp);
	if (dst == NG_FAST_VLAN_DROP)
		return NG_FAST_VLAN_DROP;
	if (dst == 0)
		return ng_fast_vlf_in(skb, vp); /* a filter on a bridge? */
	return bpf_redirect_peer((__u32)dst, 0);
}

SEC("tc")
int
ng_fast_port(struct __sk_buff *skb)
{
	__u32 ifindex = skb->ifindex, zero = 0, id;
	struct ng_fast_bpf_port *p;
	struct ng_fast_bpf_stats *st;
	__u32 *tap;

	p = ng_fast_port_of(ifindex);
	if (p == NULL)
		return TC_ACT_SHOT; /* not (or no longer) a port */
	id = p->id; /* its counters' index, and its slot on a bridge */
	if ((skb->mark & NG_FAST_BPF_MORE_MASK) == NG_FAST_BPF_MORE)
		return p->mode == NG_FAST_BPF_BRIDGE ?
		    ng_fast_br_more(skb, p->peer, ifindex, id) :
		    p->mode == NG_FAST_BPF_HUB ?
		    ng_fast_hub_more(skb, p->peer, ifindex) :
		    p->mode == NG_FAST_BPF_VLAN ?
		    ng_fast_vl_more(skb, ifindex) :
		    TC_ACT_SHOT; /* a flood's rest; counted at its start */
	st = bpf_map_lookup_elem(&ng_fast_pstats, &id);
	if (p->mode == NG_FAST_BPF_DIRECT && p->peer != 0) {
		if (st != NULL) {
			st->fast_pkts++;
			st->fast_bytes += ng_fast_len(skb);
			st->fast_segs += skb->gso_segs ? skb->gso_segs : 1;
		}
		return bpf_redirect_peer(p->peer, 0);
	}
	if (p->mode == NG_FAST_BPF_HUB) {
		__u32 group = p->peer;
		__u32 *n = bpf_map_lookup_elem(&ng_fast_groups, &group);

		if (n != NULL && *n <= NG_FAST_BPF_FLOOD_MAX) {
			if (st != NULL) {
				st->fast_pkts++;
				st->fast_bytes += ng_fast_len(skb);
				st->fast_segs += skb->gso_segs ?
				    skb->gso_segs :
				    1;
			}
			return ng_fast_hub_flood(skb, group, ifindex, 0, *n);
		}
	}
	if (p->mode == NG_FAST_BPF_BRIDGE) {
		__u32 len = ng_fast_len(skb), segs = skb->gso_segs;
		int verdict = ng_fast_bridge(skb, p->peer, ifindex, id);

		if (verdict >= 0) {
			if (st != NULL) {
				st->fast_pkts++;
				st->fast_bytes += len;
				st->fast_segs += segs ? segs : 1;
			}
			return verdict;
		}
	}
	if (p->mode == NG_FAST_BPF_VLAN) {
		__u32 len = ng_fast_len(skb);
		__u32 segs = skb->gso_segs;
		int verdict = ng_fast_vlan(skb, p->peer, ifindex);

		if (verdict == NG_FAST_VLAN_DROP) {
			if (st != NULL)
				st->dropped++;
			return TC_ACT_SHOT;
		}
		if (verdict >= 0) {
			if (st != NULL) {
				st->fast_pkts++;
				st->fast_bytes += len;
				st->fast_segs += segs ? segs : 1;
			}
			return verdict;
		}
	}
	tap = bpf_map_lookup_elem(&ng_fast_cfg, &zero);
	if (tap == NULL || *tap == 0 ||
	    bpf_skb_vlan_push(skb, bpf_htons(NG_FAST_BPF_TPID), (__u16)p->id) !=
		0) {
		if (st != NULL)
			st->dropped++;
		return TC_ACT_SHOT;
	}
	if (st != NULL)
		st->slow_pkts++;
	return bpf_redirect(*tap, 0); /* the TAP's egress: ngd reads it */
}

/*
 * A frame ngd wrote with the short header (ng_fast_bpf.h): the 2 or 3
 * bytes after the header's 4 moved up over it, the last 4 cut, and out
 * of the port's graph-side end (bpf_redirect: its peer's receive sets
 * the frame's type anew).
 */
static __always_inline int
ng_fast_tap_short(struct __sk_buff *skb)
{
	__u32 len = skb->len, id, *ifindex;
	__u8 b[5];

	if (skb->protocol != bpf_htons(NG_FAST_BPF_SHORT) || len < 18 ||
	    len > NG_FAST_BPF_SHORT_MAX + 4 ||
	    bpf_skb_load_bytes(skb, 14, b, 4) != 0 ||
	    (len == 19 && bpf_skb_load_bytes(skb, 18, b + 4, 1) != 0))
		return TC_ACT_SHOT;
	id = (__u32)b[0] << 8 | b[1];
	ifindex = bpf_map_lookup_elem(&ng_fast_ids, &id);
	if (ifindex == NULL || *ifindex == 0 ||
	    bpf_skb_store_bytes(skb, 12, b + 2, 2, 0) != 0 ||
	    (len == 19 && bpf_skb_store_bytes(skb, 14, b + 4, 1, 0) != 0) ||
	    bpf_skb_change_tail(skb, len - 4, 0) != 0)
		return TC_ACT_SHOT;
	return bpf_redirect(*ifindex, 0);
}

SEC("tc")
int
ng_fast_tap(struct __sk_buff *skb)
{
	__u32 id, *ifindex;

	if (!skb->vlan_present)
		return ng_fast_tap_short(skb);
	id = skb->vlan_tci;
	if (bpf_skb_vlan_pop(skb) != 0)
		return TC_ACT_SHOT;
	ifindex = bpf_map_lookup_elem(&ng_fast_ids, &id);
	if (ifindex == NULL || *ifindex == 0)
		return TC_ACT_SHOT;
	return bpf_redirect_peer(*ifindex, 0);
}

/* --- the slow path's queues (ng_fast_bpf.h) ------------------------------ */

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, NG_FAST_BPF_SLOW_KEYS);
	__type(key, __u32);
	__type(value, struct ng_fast_bpf_slow);
} ng_fast_slows SEC(".maps");

/*
 * What the kernel's own structs give that __sk_buff does not: the GSO
 * type, in the skb's shared info (CO-RE, the running kernel's layout).
 */
struct sk_buff___ng {
	unsigned char *head;
	unsigned int end; /* sk_buff_data_t: an offset from head */
} __attribute__((preserve_access_index));

struct skb_shared_info___ng {
	unsigned int gso_type;
} __attribute__((preserve_access_index));

extern void *bpf_cast_to_kern_ctx(void *) __ksym;
extern void *bpf_rdonly_cast(const void *, __u32) __ksym;

/*
 * The frames skb will take in ngslow's ring: its segments (gso_segs) if
 * the stack cuts it up after this program (a GSO type ngslow has no
 * offload for, NG_FAST_BPF_SLOW_WHOLE), else 1.
 */
static __always_inline __u32
ng_fast_slow_segs(struct __sk_buff *skb)
{
	struct sk_buff___ng *k;
	struct skb_shared_info___ng *sh;
	__u32 segs = skb->gso_segs;

	if (segs <= 1)
		return 1;
	k = bpf_cast_to_kern_ctx(skb);
	sh = bpf_rdonly_cast(k->head + k->end,
	    bpf_core_type_id_kernel(struct skb_shared_info___ng));
	if ((sh->gso_type & ~NG_FAST_BPF_SLOW_WHOLE) == 0)
		return 1; /* it crosses whole: one frame */
	return segs;
}

/*
 * Whether port id may send ngd segs frames: it holds fewer of its
 * queue's frames than the queue has room left, all of them; if so,
 * counted in flight.  (Two CPUs may both see the last room: the ring
 * keeps 1/16 of it for them, NG_FAST_BPF_SLOW_ROOM_OF.)
 */
static __always_inline int
ng_fast_slow_admit(__u32 id, __u32 segs)
{
	__u32 qk = NG_FAST_BPF_SLOW_QKEY(NG_FAST_BPF_SLOW_Q(id)), epoch, qh;
	struct ng_fast_bpf_slow *q = bpf_map_lookup_elem(&ng_fast_slows, &qk);
	struct ng_fast_bpf_slow *p = bpf_map_lookup_elem(&ng_fast_slows, &id);
	__u32 mark, lost, room;

	if (q == NULL || p == NULL)
		return 1;
	epoch = *(volatile __u32 *)&q->epoch;
	if (epoch == 0)
		return 1; /* ngd counts nothing (no mapping) */
	mark = *(volatile __u32 *)&q->mark;
	room = *(volatile __u32 *)&q->room;
	if (room == 0)
		room = NG_FAST_BPF_SLOW_ROOM; /* an older ngd's */
	if (p->epoch != epoch) { /* the queue drained since it counted */
		p->held = 0;
		p->epoch = epoch;
	} else if ((lost = *(volatile __u32 *)&p->held) != 0 &&
	    (__s32)(mark - p->mark) > 0) {
		/* none of its frames is left in the ring (ng_fast_bpf.h) */
		p->held = 0;
		qh = *(volatile __u32 *)&q->held;
		__sync_fetch_and_add(&q->held, -(qh < lost ? qh : lost));
	}
	qh = *(volatile __u32 *)&q->held;
	if (qh >= room || *(volatile __u32 *)&p->held + segs > room - qh)
		return 0;
	__sync_fetch_and_add(&q->held, segs);
	__sync_fetch_and_add(&p->held, segs);
	p->mark = mark + qh + NG_FAST_BPF_SLOW_SLACK;
	return 1;
}

/*
 * The TAP's egress: a frame ng_fast_port sends ngd (tagged with its
 * port's id) goes on to its queue if the port may have more there,
 * else it is counted in the port's dropped and goes no further.
 */
SEC("tc")
int
ng_fast_slowq(struct __sk_buff *skb)
{
	__u32 id = skb->vlan_tci & NG_FAST_BPF_MAX_PORTS;
	struct ng_fast_bpf_stats *st;

	if (!skb->vlan_present ||
	    ng_fast_slow_admit(id, ng_fast_slow_segs(skb)))
		return TC_ACT_OK;
	if ((st = bpf_map_lookup_elem(&ng_fast_pstats, &id)) != NULL)
		st->dropped++; /* its queue is others' too */
	return TC_ACT_SHOT;
}

/*
 * The TAP's steering program (TUNSETSTEERINGEBPF): a frame for ngd goes
 * to the queue of its port, NG_FAST_BPF_SLOW_Q(id), so that a port that
 * floods fills its own queue rather than every other's (as each
 * eiface's own TAP does in the TAP model); the ports that share that
 * queue keep their room (ng_fast_slow_admit).
 */
SEC("socket")
int
ng_fast_steer(struct __sk_buff *skb)
{
	return skb->vlan_present ?
	    (int)NG_FAST_BPF_SLOW_Q(skb->vlan_tci & NG_FAST_BPF_MAX_PORTS) :
	    0;
}

char LICENSE[] SEC("license") = "GPL";
