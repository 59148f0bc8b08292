/*
 * ng_fast_bpf.h: what the eiface fast path's tc programs (ng_fast.bpf.c)
 * and ngd (src/ngd/fastpath.c) share.  Every eiface is a veth pair; its
 * graph-side end, in ngd's private data-plane namespace, is a "port"
 * with a small id.  Frames that take the userspace path go to ngd
 * through one TAP of that namespace, the port id in an 802.1Q tag in
 * front of whatever the frame carries; ngd writes frames for a port
 * into the TAP the same way.
 */
#ifndef NG_FAST_BPF_H
#define NG_FAST_BPF_H

#include <linux/types.h>

#define NG_FAST_BPF_MAX_PORTS 32767 /* ids 1..this fit the tag */
#define NG_FAST_BPF_TPID 0x8100

/*
 * A frame ngd writes for a port that is too short for the tag (14 or 15
 * bytes: the TAP's receive drops an 802.1Q frame with fewer than 6
 * bytes after its MACs and type, skb_vlan_untag, and bpf_skb_adjust_room
 * takes IP frames only) has a header of this type after its MACs
 * instead, the port's id in its next 2 bytes; ng_fast_tap takes it out
 * (the frame's bytes after it moved up, its tail cut) and sends the
 * frame out of the port's graph-side end, whose peer, the interface,
 * receives it as from a wire (its type read again, as
 * bpf_redirect_peer would not).  Type 0x88b5: IEEE 802's local
 * experimental Ethertype 1.
 */
#define NG_FAST_BPF_SHORT 0x88b5
#define NG_FAST_BPF_SHORT_MAX 15 /* the longest frame that takes it */

/* ng_fast_ports value: how a graph-side end's frames go */
enum {
	NG_FAST_BPF_SLOW = 0,   /* to ngd, through the TAP */
	NG_FAST_BPF_DIRECT = 1, /* to peer's jail-side end (eiface-eiface) */
	NG_FAST_BPF_HUB = 2,    /* a copy to every other member of group peer */
	NG_FAST_BPF_BRIDGE = 3, /* switched by bridge peer (its node ID) */
	NG_FAST_BPF_VLAN = 4,   /* tagged or untagged by vlan peer (node ID) */
};

/*
 * A hub of eifaces alone and a bridge flood in the kernel up to
 * NG_FAST_BPF_FLOOD_MAX ports, in slices: each copy the program makes
 * waits in the CPU's backlog
 * (veth_xmit, netif_rx), which drops beyond netdev_max_backlog (1000),
 * so one run sends NG_FAST_BPF_FLOOD_SLICE copies and puts the frame
 * back on its own port's ingress (after them in the backlog) marked
 * NG_FAST_BPF_MORE | the next member's index; that run goes on from
 * there.  A frame from an interface never has a mark: veth_xmit into
 * the data plane's namespace clears it, and ng_ether_in clears it before
 * its bpf_redirect_peer, which would keep it.
 */
#define NG_FAST_BPF_FLOOD_MAX 4096
#define NG_FAST_BPF_FLOOD_SLICE 64
#define NG_FAST_BPF_MORE 0x6e670000u /* skb->mark: 0x6e67 "ng" << 16 */
#define NG_FAST_BPF_MORE_MASK 0xffff0000u

struct ng_fast_bpf_member {
	__u32 group; /* the hub's node ID */
	__u32 idx;   /* 0 .. size - 1 */
};

struct ng_fast_bpf_port {
	__u32 id;   /* in the tag */
	__u32 mode; /* NG_FAST_BPF_SLOW or _DIRECT */
	__u32 peer; /* DIRECT: the other graph-side end's ifindex; HUB: group;
		     * BRIDGE, VLAN: the node's ID */
	__u32 wire; /* an ether node's lower uplink: its wire device (below) */
};

/*
 * Each entry of ng_fast_ports is also in ng_fast_ifs, an array whose
 * slot is the ifindex's low bits (NG_FAST_BPF_IF_SLOT): ng_fast_port
 * finds it there with no hash lookup (an inlined index), or, if the
 * slot names another ifindex (two share it, or ngd is rewriting it), in
 * the hash, which always has it.  ngd maps the array (BPF_F_MMAPABLE)
 * and changes an entry so that no run reads half of it: the ifindex to
 * 0 (a 32-bit store), an RCU grace period (membarrier: every run that
 * read the old ifindex has ended), the port, then the ifindex (a
 * release store); as ng_ether_ifs (ng_ether_bpf.h).
 */
struct ng_fast_bpf_ifport {
	__u32 ifindex; /* the owner; 0: none (use the hash) */
	struct ng_fast_bpf_port port;
	__u32 pad; /* 24 bytes: the array's stride, mapped, is 8-aligned */
};

#define NG_FAST_BPF_IF_SLOTS 4096 /* a power of 2 */
#define NG_FAST_BPF_IF_SLOT(ifindex) ((ifindex) & (NG_FAST_BPF_IF_SLOTS - 1))

/*
 * An ether node's lower uplink (fastpath_ether.c) may have a "wire
 * device" in the data plane: a macvlan of the interface whose transmit
 * is the interface's own queue.  What a kernel bridge sends such a port
 * goes straight to it (bpf_redirect), tagged as a TAP's frames are
 * (NG_ETHER_BPF_TAG in tc_index, ng_ether_bpf.h) so that the interface's
 * egress program lets it pass, instead of to the uplink's host end and
 * its program, one receive round more.
 */

/* Per CPU, per port (by its id: ng_fast_pstats, an array whose index
 * the port's entry gives), summed by ngd, which zeroes an id's entry
 * when it gives the id to a port. */
struct ng_fast_bpf_stats {
	__u64 fast_pkts; /* skbs the kernel forwarded from this port */
	__u64 fast_bytes;
	__u64 fast_segs; /* the same in segments (gso_segs) */
	__u64 slow_pkts; /* skbs sent to ngd */
	__u64 dropped;   /* a tag or redirect failed, or its slow-path
			  * queue had no room for it (ng_fast_slows) */
};

/*
 * The slow path's queues, shared fairly.  ngslow has
 * NG_FAST_BPF_SLOW_QUEUES queues; a port's frames for ngd take queue
 * NG_FAST_BPF_SLOW_Q(id) (ng_fast_steer), which other ports share, and
 * a queue's ring (NG_FAST_BPF_SLOW_RING frames, ngslow's txqlen) drops
 * what finds it full, whoever sent it: one port flooding through ngd
 * made its queue-mates lose their frames.  So ngslow's egress program
 * (ng_fast_slowq) lets a frame on to its queue only while its port holds
 * fewer frames there than the queue has room left (of
 * NG_FAST_BPF_SLOW_ROOM; the rest is for CPUs that admit at once), and
 * counts the others in the port's dropped: a
 * dynamic threshold, as switches share a buffer among ports.  A frame
 * the stack will cut into segments on the way counts as its segments
 * (NG_FAST_BPF_SLOW_WHOLE); the room is the ring's as ngd got it (a
 * queue's room, ngslow's txqlen less 1/16, or NG_FAST_BPF_SLOW_ROOM).  A flooder
 * alone gets half the ring, n of them n/(n+1) of it, and a port that
 * holds nothing always finds room.
 *
 * ng_fast_slows (mapped by ngd) has, by port id and past the ids by
 * queue (NG_FAST_BPF_SLOW_QKEY), the frames in flight: the program adds
 * one as it lets a frame on, ngd takes one off (not below 0) as it reads
 * it.  When ngd finds a queue empty it zeroes the queue's count and
 * starts its next epoch; a port's count from an older epoch is 0.  So
 * frames lost after the count (a redirect that failed, a read with no
 * buffer, no ngd reading) are forgotten each time the queue drains, and
 * when an ngd opens its TAP.  A queue in epoch 0 admits all, counting
 * nothing (an ngd that could not map the counts).
 *
 * A queue a flood keeps busy never drains, and a port whose lost frames
 * count against it would be refused as long as the flood lasts: so
 * ngd also counts the frames it reads from each queue (its mark), and
 * as a port's frame is let on its entry takes the mark by which ngd
 * will have read it: the queue's now, plus what the queue holds, plus
 * NG_FAST_BPF_SLOW_SLACK (frames another CPU let on meanwhile, a few the
 * counts missed).  Once ngd has read past it, none of the port's frames
 * can be left in the ring (first in, first out): what it still counts
 * was lost, and is forgotten, and taken off the queue's count too.
 */
#define NG_FAST_BPF_SLOW_QUEUES 8
#define NG_FAST_BPF_SLOW_QMAX 256 /* the most a TAP has: the map's room */
#define NG_FAST_BPF_SLOW_RING 1024
#define NG_FAST_BPF_SLOW_ROOM_OF(ring) ((ring) - (ring) / 16)
#define NG_FAST_BPF_SLOW_ROOM NG_FAST_BPF_SLOW_ROOM_OF(NG_FAST_BPF_SLOW_RING)
#define NG_FAST_BPF_SLOW_SLACK 64
#define NG_FAST_BPF_SLOW_Q(id) ((id) % NG_FAST_BPF_SLOW_QUEUES)
#define NG_FAST_BPF_SLOW_QKEY(q) (NG_FAST_BPF_MAX_PORTS + 1 + (q))
#define NG_FAST_BPF_SLOW_KEYS                                                  \
	(NG_FAST_BPF_MAX_PORTS + 1 + NG_FAST_BPF_SLOW_QMAX)

struct ng_fast_bpf_slow { /* ng_fast_slows value (a new layout, name) */
	__u32 held;       /* frames sent to ngd that it has not read */
	__u32 epoch;      /* a queue's; a port's: the queue's when it counted */
	__u32 mark;       /* a queue's: frames ngd read from it (ngd's);
			   * a port's: the queue's by which it holds none */
	__u32 room;       /* a queue's: NG_FAST_BPF_SLOW_ROOM_OF its ring as
			   * ngd got it (0: an older ngd's, _SLOW_ROOM) */
};

/*
 * SKB_GSO_* (the kernel's enum) that ngslow takes whole: TCP and UDP
 * (TUN_F_TSO4/6, TUN_F_TSO_ECN, TUN_F_USO4/6, which every kernel with
 * TCX has), and DODGY, which changes nothing.  The stack cuts a GSO frame
 * of any other type (in a UDP tunnel, GRE, ...) into its segments after
 * ng_fast_slowq, before the ring: counted as frames, each one ngd reads
 * taking one off, its gso_segs are let on or refused together.  (TCPV4
 * 1 << 0, DODGY 1 << 1, TCP_ECN 1 << 2, TCPV6 1 << 4, UDP_L4 1 << 17.)
 */
#define NG_FAST_BPF_SLOW_WHOLE                                                 \
	(1u << 0 | 1u << 1 | 1u << 2 | 1u << 4 | 1u << 17)

/*
 * Bridges (fastpath_bridge.c): a bridge node whose every hook leads to
 * an eiface switches in the kernel.  Its ports are members of the group
 * of its node ID (ng_fast_members, ng_fast_groups, as a hub's); its
 * learned hosts are in ng_fast_hosts, shared with ngd, which imports
 * what the program learned into the node and writes back what the node
 * decided (moves, loops, ageing, reset).  A frame the program does not
 * decide alone (a host seen on another port, a muted port, a flood
 * wider than NG_FAST_BPF_FLOOD_MAX, a full table) goes to ngd.  A member
 * entry of 0 is a port whose interface is down (its graph-side end has
 * no carrier, as ngd last heard): floods pass it by, as a kernel bridge
 * passes a port with no carrier by, instead of a copy veth_xmit drops.
 */
#define NG_FAST_BPF_MAX_HOSTS (1u << 20) /* NG_BRIDGE_MAX_HOSTS_LIMIT */

/*
 * The hosts map is sized to the hosts it holds: a hash map's buckets are
 * as many as its max_entries, and 2^20 of them (16 MB) made every lookup
 * of a host missing the flow cache a cold cache line, even with 1,000
 * hosts (bench/fastcost).  The program finds the map in slot 0 of
 * ng_fast_hostsof (an array of maps; ng_fast_hosts, of
 * NG_FAST_BPF_HOSTS_MIN entries, the first).  ngd (fastpath_bridge.c)
 * puts a new one in its place, a power of 2 (NG_FAST_BPF_HOSTS_MIN to
 * NG_FAST_BPF_MAX_HOSTS) of at least 1.5 times the hosts and of the
 * hosts and what the bridges' rooms let the program learn before ngd
 * looks again (so the program never finds it full first), copying the
 * entries before the swap and those learned meanwhile after it (the
 * kernel's update of the slot returns once no run holds the old one).
 * A frame that finds the slot empty goes to ngd.
 */
#define NG_FAST_BPF_HOSTS_MIN 4096
#define NG_FAST_BPF_MAP_HOSTSOF "ng_fast_hostsof" /* [0]: the hosts map */

/*
 * A bridge learns no more hosts than its node takes (maxhosts, 65,536
 * unless setmaxhosts): ng_fast_brroom has, by bridge, how many more the
 * program may learn, the node's room (maxhosts less its hosts) as ngd
 * wrote it after its last import, less one for each host learned since.
 * With none left a new host is not learned and its frame goes on
 * unlearned, counted in its port's ng_fast_brfull (the node's
 * memoryFailures), as the node does with a full table, if the program
 * decides the frame (one it gives ngd after all, the node counts, once):
 * a flood of source MACs no longer fills the map up to
 * NG_FAST_BPF_MAX_HOSTS for ngd to delete the excess.  A bridge with no entry (an older ngd's)
 * learns up to the map's size.  Two CPUs may both take the last one.
 */
#define NG_FAST_BPF_MAP_BRROOM "ng_fast_brroom" /* bridge -> __s64 room */
#define NG_FAST_BPF_MAP_BRFULL "ng_fast_brfull" /* slot -> __u64, per CPU */

enum {
	NG_FAST_BPF_BR_LEARN = 1,   /* the port learns new hosts */
	NG_FAST_BPF_BR_UNKNOWN = 2, /* it gets unicast to unknown hosts */
	NG_FAST_BPF_BR_MUTED = 4,   /* a loop was seen: frames to ngd */
	NG_FAST_BPF_BR_WIRE = 8,    /* an uplink whose ng_fast_ports entry
				     * names a wire device */
	NG_FAST_BPF_BR_DOWN = 16,   /* its interface is down (its member
				     * entry is 0 too): a frame for a host
				     * there is dropped, not counted sent,
				     * as the node's send is refused */
};

/*
 * A bridge's port has a slot, a small number (the index of its entry in
 * ng_fast_brslots and of its counters in ng_fast_brsstats, arrays: no
 * hash lookup): a graph-side end's is its port id (ng_fast_bpf_port),
 * which the program has from the port's entry; a port with no device
 * (a vport, an fvport: below) has one of the NG_FAST_BPF_BR_VSLOTS past
 * the ids, which fastpath_bridge.c gives.  ng_fast_brkeys has the slot
 * of each port by its key (ifindex or vport key), for a flood's members
 * and a vport; a host's entry has its port's slot.  An entry's key says
 * whose it is: a slot whose entry has another key or bridge is stale
 * (the port left, or its end is being replaced), and the frame goes to
 * ngd.  (These replaced ng_fast_brports and ng_fast_brstats, by key:
 * an older ngd's pins of those are removed, fastpath_pin.c.)
 */
#define NG_FAST_BPF_BR_VSLOTS 8192
#define NG_FAST_BPF_BR_SLOTS (NG_FAST_BPF_MAX_PORTS + 1 + NG_FAST_BPF_BR_VSLOTS)

struct ng_fast_bpf_brslot { /* ng_fast_brslots value, by slot */
	__u32 bridge;       /* its bridge's node ID; 0: none */
	__u32 flags;        /* NG_FAST_BPF_BR_* */
	__u32 key;          /* the port's graph-side end, or vport key */
	__u32 pad;
};

struct ng_fast_bpf_mac { /* ng_fast_hosts key */
	__u32 bridge;
	__u8 addr[6];
	__u16 pad;
};

struct ng_fast_bpf_host {
	__u32 ifindex; /* the port's graph-side end (or vport key) */
	__u32 slot;    /* its slot; 0: see ng_fast_brkeys (an older ngd's) */
	__u64 seen_ns; /* last heard (CLOCK_MONOTONIC_COARSE), to 1/10 s */
	__u64
	    learned_ns; /* when the program learned it (bpf_ktime_get_ns); 0: ngd wrote it */
};

/* Per CPU, per port of a kernel bridge: what the program forwarded
 * (a flood's slices count as one frame received). */
struct ng_fast_bpf_brstats {
	__u64 recv_pkts, recv_octets, recv_mcast, recv_bcast, recv_unknown;
	__u64 xmit_pkts, xmit_octets, xmit_mcast, xmit_bcast;
};

/*
 * Each CPU's cache of a kernel bridge's decisions (ng_fast_brflows3,
 * NG_FAST_BPF_BRCACHE_SETS sets of NG_FAST_BPF_BRCACHE_WAYS entries):
 * the port a unicast frame went out by, by the port it came in on, its
 * source and its destination, so that the next frame of a flow costs no
 * hosts or port-entry lookup.  An entry holds while ng_fast_brgen[0] is
 * what it was when the entry was filled (ngd adds one after it writes
 * ng_fast_hosts, ng_fast_brslots, ng_fast_brkeys or ng_fast_members,
 * before a reply or a frame goes), and for at most
 * NG_FAST_BPF_BRCACHE_NS; then the frame takes the whole path again,
 * which refreshes its hosts' timestamps for ageing.  A CPU's entries
 * are its own: tc programs run with bottom halves off, one at a time on
 * a CPU, so none sees another's half-written entry (a PREEMPT_RT kernel,
 * whose softirqs can be preempted, would need a check).  A flow's set
 * is a hash of the port it came in on and the last four bytes of each
 * address.  A flow that misses takes way 0 if that is free (empty, of
 * an older generation, or expired), else way 1: way 0 keeps the first
 * flow of its set for NG_FAST_BPF_BRCACHE_NS while way 1 follows the
 * latest, so flows that take turns on a set (more than one can keep)
 * do not push each other out on every frame.  A miss costs the whole
 * path, 3-5 times a hit with a big hosts table.  One slot by each
 * address's last byte (256) kept at most 256 flows; 1,024 single slots
 * by the hash, ~64% of 1,000 flows, and of 1,000 taking turns (bench/
 * fastcost's br-spread1k) 38% hit, each flow of a shared slot pushing
 * the others out; 1,024 sets of two 32-byte entries, a set one 64-byte
 * value, 64 KB a CPU, keep ~90% and hit ~82%.  (4,096 single slots of
 * 48 bytes, 192 KB a CPU, cost a frame that misses, br-spread's 100,000
 * destinations in turn, one more cache and TLB miss, ~20% more.)
 */
#define NG_FAST_BPF_BRCACHE_SETS 1024 /* a power of 2 */
#define NG_FAST_BPF_BRCACHE_WAYS 2
#define NG_FAST_BPF_BRCACHE_NS 100000000ull /* 0.1 s */
/* an entry's time, coarse: ns >> 20 (~1.05 ms), 16 bits (~69 s
 * around); NG_FAST_BPF_BRCACHE_NS of it */
#define NG_FAST_BPF_BRCACHE_TICK(ns) ((__u16)((ns) >> 20))
#define NG_FAST_BPF_BRCACHE_TICKS ((__u16)(NG_FAST_BPF_BRCACHE_NS >> 20))
/* dev's bit for an uplink's wire device (bpf_redirect), not out's
 * interface (bpf_redirect_peer); an ifindex is below it */
#define NG_FAST_BPF_BRCACHE_WIRE 0x80000000u

struct ng_fast_bpf_brcache { /* 32 bytes: two a cache line */
	__u8 src[6], dst[6];
	__u32 in;  /* graph-side end (never a vport); 0: empty */
	__u32 gen; /* ng_fast_brgen[0] when filled */
	__u32 bridge;
	__u32 dev;      /* out's graph-side end, or | BRCACHE_WIRE its wire */
	__u16 out_slot; /* out's slot (in's is its port id) */
	__u16 until;    /* BRCACHE_TICK of when it ends: it holds while
			 * (__u16)(until - now) is 1..BRCACHE_TICKS (an
			 * entry idle since ~69 s ago may hold again for
			 * that while: harmless, gen guards the decision;
			 * only the hosts' ageing refresh waits) */
};

struct ng_fast_bpf_brset { /* ng_fast_brflows3 value */
	struct ng_fast_bpf_brcache way[NG_FAST_BPF_BRCACHE_WAYS];
};
_Static_assert(sizeof(struct ng_fast_bpf_brcache) == 32, "two a line");
_Static_assert(NG_FAST_BPF_BR_SLOTS <= 65536, "a slot fits out_slot");

/* (ng_fast_brflows3 was ng_fast_brflows2, 1,024 single slots of 48
 * bytes; before it ng_fast_brflows, of 256, and ng_fast_brcache, whose
 * entries had no slot: an older ngd's pin of any is removed,
 * fastpath_pin.c) */
#define NG_FAST_BPF_MAP_BRCACHE "ng_fast_brflows3" /* set -> brset */
#define NG_FAST_BPF_MAP_BRGEN "ng_fast_brgen"      /* [0]: generation */
#define NG_FAST_BPF_MAP_BRSLOTS "ng_fast_brslots"  /* slot -> brslot */
#define NG_FAST_BPF_MAP_BRKEYS "ng_fast_brkeys"    /* key -> slot */
#define NG_FAST_BPF_MAP_HOSTS "ng_fast_hosts"      /* mac -> host */
#define NG_FAST_BPF_MAP_BRSTATS "ng_fast_brsstats" /* slot -> brstats */

/*
 * vlan nodes (fastpath_vlan.c): a vlan node whose downstream hook leads
 * to a port (the trunk: an eiface, or an ether node's uplink) tags and
 * untags in the kernel for those of its filter hooks that lead to
 * ports, and passes frames between the
 * trunk and an eiface on its nomatch hook.  From the trunk, a frame
 * whose outer tag has the node's encapsulation TPID and a VID in
 * ng_fast_vlvids loses the tag and goes to that VID's port (a VID whose
 * hook leads elsewhere maps to 0: ngd); one with no filter, or
 * untagged, or with another TPID goes as it is to the nomatch port, if
 * the trunk's entry names one (none with setdecap on); from a filter's
 * port, a frame gets the filter's tag (TPID, VID, PCP, CFI) and goes to
 * the trunk; from the nomatch port, as it is.  Anything else goes to
 * ngd, whose vlan node decides as it would for every frame.
 */
enum {
	NG_FAST_BPF_VL_TRUNK = 1, /* the trunk: peer is the nomatch port */
	NG_FAST_BPF_VL_TAG = 2,   /* push proto and tci on the way */
};
/*
 * On a filter's or nomatch port in ng_fast_vlvids and in a trunk's peer:
 * that port's interface is down.  Its eiface refuses what the vlan node
 * sends it (ENETDOWN), after the node's hook counted it out: from a
 * trunk with a device ngd decides (as for 0), from a vport's bridge the
 * frame is counted in the port's ng_fast_vlstats and dropped, and the
 * bridge, whose send the refusal fails, does not count it sent.  (No
 * ifindex has it; an older ngd wrote 0 there.)
 */
#define NG_FAST_BPF_VL_DOWN 0x40000000u

struct ng_fast_bpf_vlport { /* ng_fast_vlports value, by ifindex */
	__u32 vlan;         /* the vlan node's ID */
	__u32 peer;  /* the trunk's end; the trunk's: nomatch's (0: ngd) */
	__u16 proto; /* the encapsulation TPID, network order */
	__u16 tci;   /* a filter hook's port: its VID, PCP and CFI */
	__u32 flags; /* NG_FAST_BPF_VL_* */
};

/*
 * A vlan node whose downstream leads to a bridge switching in the kernel
 * is a port of that bridge with no device: a "vport", a key with
 * NG_FAST_BPF_VPORT set (no ifindex has it) in ng_fast_brkeys (its
 * slot one of the NG_FAST_BPF_BR_VSLOTS), ng_fast_members and
 * ng_fast_hosts, and the trunk's in ng_fast_vlports.  What the bridge sends it is untagged to its filter's
 * port or sent to its nomatch port (or dropped: no nomatch) there and
 * then; what a filter's port sends it is tagged and switched by the
 * bridge with the vport as the port it came in on.  fastpath_vlan.c
 * makes one only when the node decides every frame from the bridge in
 * the kernel (each filter's hook leads to a port, TPID 0x8100 or
 * 0x88a8, no decap to a nomatch port).
 */
#define NG_FAST_BPF_VPORT 0xff000000u
/* a port with no device: a vlan node's downstream or one of its filters */
#define NG_FAST_BPF_IS_VPORT(k) (((k)&0xfe000000u) == 0xfe000000u)

/*
 * A vlan node's filter hook that leads to a bridge switching in the
 * kernel, its downstream to a port (the trunk), is a port of that bridge
 * with no device too: an "fvport", key NG_FAST_BPF_FVPORT_KEY (the low
 * 12 bits of the node's ID and the VID: the next ngd's key is the same;
 * fastpath_vlan.c leaves a filter whose key another one has to ngd),
 * in the bridge's maps and in ng_fast_vlfports.  A trunk's frame with
 * the node's TPID and the filter's VID (its ng_fast_vlvids entry 0, so
 * an older program gives it to ngd) loses the tag and is switched by
 * the bridge with the fvport as the port it came in on (a flood's next
 * slice re-queued on the trunk's port with the tag put back); what the
 * bridge sends the fvport gets the filter's tag and goes to the trunk.
 */
#define NG_FAST_BPF_FVPORT 0xfe000000u
#define NG_FAST_BPF_IS_FVPORT(k) (((k)&0xff000000u) == NG_FAST_BPF_FVPORT)
#define NG_FAST_BPF_FVPORT_KEY(vlan, vid)                                      \
	(NG_FAST_BPF_FVPORT | ((__u32)(vlan)&0xfffu) << 12 |                   \
	    ((__u32)(vid)&0xfffu))

struct ng_fast_bpf_vlfport { /* ng_fast_vlfports value, by fvport key */
	__u32 vlan;          /* the vlan node's ID */
	__u32 trunk;         /* the trunk's graph-side end */
	__u16 proto;         /* the encapsulation TPID, network order */
	__u16 tci;           /* the filter's VID, PCP and CFI */
	__u32 pad;
};

struct ng_fast_bpf_vid { /* ng_fast_vlvids key; value: the port's ifindex */
	__u32 vlan;
	__u32 vid;
};

/* Per CPU, per filter hook's or nomatch port: frames the trunk sent
 * it, their bytes as the vlan node's hook sends them.  A vlan node's
 * ports count their own frames in ng_fast_pstats with any out-of-band
 * tag (as ngd sees them, inline). */
struct ng_fast_bpf_vlstats {
	__u64 pkts, bytes;
};

#define NG_FAST_BPF_MAP_VLPORTS "ng_fast_vlports"   /* ifindex -> vlport */
#define NG_FAST_BPF_MAP_VLVIDS "ng_fast_vlvids"     /* vid -> ifindex */
#define NG_FAST_BPF_MAP_VLSTATS "ng_fast_vlstats"   /* ifindex -> vlstats */
#define NG_FAST_BPF_MAP_VLFPORTS "ng_fast_vlfports" /* fvport -> vlfport */

#define NG_FAST_BPF_MAP_PORTS "ng_fast_ports"     /* ifindex -> port */
#define NG_FAST_BPF_MAP_IFS "ng_fast_ifs"         /* slot -> ifport */
#define NG_FAST_BPF_MAP_IDS "ng_fast_ids"         /* id -> ifindex */
#define NG_FAST_BPF_MAP_CFG "ng_fast_cfg"         /* [0]: the TAP's ifindex */
#define NG_FAST_BPF_MAP_STATS "ng_fast_pstats"    /* port id -> stats */
#define NG_FAST_BPF_MAP_MEMBERS "ng_fast_members" /* member -> ifindex */
#define NG_FAST_BPF_MAP_GROUPS "ng_fast_groups"   /* group -> size */
#define NG_FAST_BPF_MAP_SLOW "ng_fast_slows"      /* id, queue -> in flight */
#define NG_FAST_BPF_PROG_PORT "ng_fast_port"      /* graph-side end ingress */
#define NG_FAST_BPF_PROG_TAP "ng_fast_tap"        /* the TAP's ingress */
#define NG_FAST_BPF_PROG_STEER "ng_fast_steer"    /* the TAP's queue choice */
#define NG_FAST_BPF_PROG_SLOWQ "ng_fast_slowq"    /* the TAP's egress */

#endif
