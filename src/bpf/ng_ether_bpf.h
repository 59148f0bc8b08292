/*
 * ng_ether_bpf.h: what the ether node's tc programs (ng_ether.bpf.c) and
 * ngd (src/ngd/ether.c) share: the map layouts, the loop tag and the
 * counters.  One loaded object serves every attached interface; each
 * program looks up the device it runs on in ng_ether_ports.
 */
#ifndef NG_ETHER_BPF_H
#define NG_ETHER_BPF_H

#include <linux/types.h>

/*
 * Frames ngd injected carry this in tc_index, which neither netfilter
 * nor routing looks at; the interface's programs let a tagged frame pass
 * (and clear the tag) instead of diverting it back to ngd.
 */
#define NG_ETHER_BPF_TAG 0x4e47

/* ng_ether_ports value flags */
#define NG_ETHER_BPF_F_TAG 0x1 /* TAP: tag (the program that clears it is on) */
/* interface: lower is a veth's host end (an uplink into ngd's data plane,
 * src/ngd/fastpath_ether.c): the frame goes straight to its peer's
 * ingress (bpf_redirect_peer), where the kernel bridge takes it */
#define NG_ETHER_BPF_F_PEER 0x2

/*
 * Keyed by ifindex.  For an attached interface: where each direction's
 * frames go (0: they take the normal path).  For one of its TAPs: the
 * interface the frames ngd writes into it go to.  Both: the interface's
 * slot in ng_ether_stats, so that a frame costs one hash lookup.
 */
struct ng_ether_bpf_port {
	__u32 lower;   /* interface ingress: every frame from the wire */
	__u32 orphans; /* interface ingress: frames the stack does not know */
	__u32 upper;   /* interface egress: every frame the stack sends */
	__u32 target;  /* TAP: the interface */
	__u32 flags;   /* NG_ETHER_BPF_F_* */
	__u32 slot;    /* the interface's counters (0: a slot none owns) */
};

/*
 * Each entry of ng_ether_ports is also in ng_ether_ifs, an array whose
 * slot is the ifindex's low bits (NG_ETHER_BPF_IF_SLOT): a program finds
 * it there with no hash lookup (an inlined index: 40-80 ns less a frame
 * on this machine's cold caches than the hash), or, if the slot names
 * another ifindex (two share it, or ngd is rewriting it), in the hash,
 * which always has it.  ngd maps the array (BPF_F_MMAPABLE) and changes
 * an entry so that no run reads half of it: the ifindex to 0 (a 32-bit
 * store), an RCU grace period (membarrier: every run that read the old
 * ifindex has ended), the port, then the ifindex (a release store).
 */
struct ng_ether_bpf_ifport {
	__u32 ifindex; /* the owner; 0: none (use the hash) */
	__u32 pad;
	struct ng_ether_bpf_port port;
};

#define NG_ETHER_BPF_IF_SLOTS 1024 /* a power of 2 */
#define NG_ETHER_BPF_IF_SLOT(ifindex) ((ifindex) & (NG_ETHER_BPF_IF_SLOTS - 1))

/* Per-CPU counters, an array by the interface's slot.  A frame ngd
 * injected is counted once, going in (lower_out, upper_out); the
 * interface's program that lets it through reads no map. */
#define NG_ETHER_BPF_COUNTERS(X)                                               \
	X(lower_in, "frames from the wire diverted to lower")                  \
	X(orphans_in, "unknown frames from the wire diverted to orphans")      \
	X(upper_in, "frames the stack sent diverted to upper")                 \
	X(lower_out, "frames ngd wrote to the wire")                           \
	X(upper_out, "frames ngd gave to the stack")

struct ng_ether_bpf_stats {
#define NG_ETHER_BPF_MEMBER(name, text) __u64 name;
	NG_ETHER_BPF_COUNTERS(NG_ETHER_BPF_MEMBER)
#undef NG_ETHER_BPF_MEMBER
};

#define NG_ETHER_BPF_MAX_PORTS 1024 /* interfaces and TAPs; and slots */
#define NG_ETHER_BPF_MAX_KNOWN 64   /* ethertypes the stack handles */

/* Program and map names, as ngd finds them in the object. */
#define NG_ETHER_BPF_PROG_IN "ng_ether_in"
#define NG_ETHER_BPF_PROG_OUT "ng_ether_out"
#define NG_ETHER_BPF_PROG_TAP_LOWER "ng_ether_tap_lower"
#define NG_ETHER_BPF_PROG_TAP_UPPER "ng_ether_tap_upper"
#define NG_ETHER_BPF_MAP_PORTS "ng_ether_ports"
#define NG_ETHER_BPF_MAP_KNOWN "ng_ether_known"
#define NG_ETHER_BPF_MAP_STATS "ng_ether_stats"
#define NG_ETHER_BPF_MAP_IFS "ng_ether_ifs"

#endif
