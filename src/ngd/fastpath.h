/*
 * fastpath.h: what fastpath.c (eifaces as veth pairs, the port map)
 * and fastpath_bridge.c (bridges switching in the kernel) share.
 */
#ifndef NGD_FASTPATH_H
#define NGD_FASTPATH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ng_fast_bpf; /* ng_fast.skel.h */
struct ngd_loop;
struct ng_node;
struct ng_pkt;
struct ngd_fast;
struct ngd_fast_br;
struct ngd_fast_eth;

/* A port that neither a direct edge nor a kernel hub claims. */
struct ngd_fast_brport {
	struct ng_node *eiface; /* its eiface node (or ether node) */
	const char *hook;       /* that node's hook; NULL: "ether" */
	uint32_t gidx;          /* its graph-side end */
	uint16_t id;  /* its port id (its slot on a bridge); a vport: 0 */
	bool wire;    /* an uplink with a wire device (ng_fast_bpf.h) */
	bool down;    /* its interface is down: floods pass it by */
	bool changed; /* out: its bridge changed, rewrite its entry */
};

int ngd_fast_br_new(const struct ng_fast_bpf *skel, struct ngd_loop *loop,
    struct ngd_fast_br **brp);
void ngd_fast_br_free(struct ngd_fast_br *br); /* NULL ok */
/*
 * The bridges made to agree with the graph (from ngd_fast_sync, before a
 * client's status goes back): a bridge node whose every hook leads to
 * one of ports switches in the kernel, its table and counters in the
 * maps.  Each port whose bridge changed is marked; the caller rewrites
 * its port entry (ngd_fast_br_of gives the bridge).
 */
void ngd_fast_br_sync(struct ngd_fast_br *br, struct ngd_fast_brport *ports,
    unsigned n);
/* Whether a kernel bridge's node changed its table since the client's
 * message (or the loop pass) began, and the maps do not have it yet (or
 * the node went): O(bridges), for a sync skipped.  What changed it
 * before is the tick's to write. */
bool ngd_fast_br_changed(struct ngd_fast_br *br);
/* Before the counters of a hook next to gidx's interface are read:
 * what its kernel bridge switched out of its hook since the last look,
 * added to that hook's counters (and the node's). */
void ngd_fast_br_hookstats(struct ngd_fast_br *br, uint32_t gidx);
/* The kernel bridge (its node ID) the graph-side end gidx is on, or 0. */
uint32_t ngd_fast_br_of(const struct ngd_fast_br *br, uint32_t gidx);
/* The graph-side end gidx went. */
void ngd_fast_br_gone(struct ngd_fast_br *br, uint32_t gidx);
/* The graph-side end gidx lost its carrier (down: its interface, or the
 * end itself, is down) or has it again: its member entry becomes 0, and
 * floods pass it by, or its index again (ng_fast_bpf.h). */
void ngd_fast_br_carrier(struct ngd_fast_br *br, uint32_t gidx, bool down);
/* The graph-side end from replaced by to, the same port (a vnet);
 * heard: from's port counted a frame (the program may have learned
 * hosts on it). */
void ngd_fast_br_repoint(struct ngd_fast_br *br, uint32_t from, uint32_t to,
    bool heard);
/* The hosts of the ports repointed so far moved (before their old ends
 * go: their indexes may be given again). */
void ngd_fast_br_repoint_flush(struct ngd_fast_br *br); /* NULL ok */
/* The last ngd's entries removed from the pinned maps (after recovery). */
void ngd_fast_br_restored(struct ngd_fast_br *br);
/* Whether group id is a kernel bridge's flood group (its size in *np). */
bool ngd_fast_br_group(struct ngd_fast_br *br, uint32_t id, unsigned *np);
/* A frame from gidx's interface that the kernel gave ngd: before the
 * graph takes it, the hosts it names are imported into the node; after
 * (pkt NULL), what the node decided is written back. */
void ngd_fast_br_input(struct ngd_fast_br *br, uint32_t gidx,
    const struct ng_pkt *pkt);
/* Before a client's message m to dest: its counters or table current,
 * as m needs (struct ng_switch_methods). */
struct ng_mesg;
void ngd_fast_br_msg(struct ngd_fast_br *br, struct ng_node *dest,
    const struct ng_mesg *m);

/*
 * vlan nodes tagging in the kernel (fastpath_vlan.c): a vlan node whose
 * downstream leads to an eiface (the trunk) pops and pushes the tags of
 * its filters whose hooks lead to eifaces in ng_fast.bpf.c.
 */
struct ngd_fast_vl;
/* adopting: the maps are the last ngd's, swept at the first sync. */
int ngd_fast_vl_new(const struct ng_fast_bpf *skel, bool adopting,
    struct ngd_fast_vl **vlp);
void ngd_fast_vl_free(struct ngd_fast_vl *vl); /* NULL ok */
/* The vlan nodes made to agree with the graph (from ngd_fast_sync,
 * ports: the eifaces no direct edge or hub claims); each port whose
 * vlan node changed is marked, the caller rewrites its port entry
 * (ngd_fast_vl_of gives the node). */
void ngd_fast_vl_sync(struct ngd_fast_vl *vl, struct ngd_fast_brport *ports,
    unsigned n);
/* The vlan node (its ID) that tags for the graph-side end gidx, or 0. */
uint32_t ngd_fast_vl_of(const struct ngd_fast_vl *vl, uint32_t gidx);
/* Before the counters of a hook near gidx are read: the vlan node gidx
 * is a port of (its ID, or 0), what its trunk sent its filters' ports
 * added to their hooks' counters; the caller folds the ports. */
uint32_t ngd_fast_vl_fold(struct ngd_fast_vl *vl, uint32_t gidx);
/* The same for the vlan node vlan's filters (by its ID). */
void ngd_fast_vl_fold_vlan(struct ngd_fast_vl *vl, uint32_t vlan);
/* What a port with the ether hook h sent in the kernel by vlan node
 * vlan: pkts frames, bytes octets (as its interface sent them). */
struct ng_hook;
void ngd_fast_vl_count(struct ng_hook *h, uint32_t vlan, uint64_t pkts,
    uint64_t bytes);
/* The graph-side end gidx went. */
void ngd_fast_vl_gone(struct ngd_fast_vl *vl, uint32_t gidx);
/*
 * vlan nodes on kernel bridges: each vlan node with a filter or nomatch
 * hook on one of ports[0..n-1] whose downstream leads to a switching
 * node and which decides in the kernel every frame that downstream
 * receives is a port of the bridge with no device (a "vport", key
 * NG_FAST_BPF_VPORT | its ID, ng_fast_bpf.h), written to out (up to max; the
 * node, its downstream, the key); how many.  Before ngd_fast_br_sync;
 * those the bridge did not take are left out of ngd_fast_vl_sync's.
 */
unsigned ngd_fast_vl_vports(struct ngd_fast_vl *vl,
    struct ngd_fast_brport *ports, unsigned n, struct ngd_fast_brport *out,
    unsigned max);
/* The vport key of the vlan node id, or 0. */
uint32_t ngd_fast_vl_vport(const struct ngd_fast_vl *vl, uint32_t id);
/* The trunk a filter's or nomatch's port gidx sends to (a port or a
 * vport), or 0. */
uint32_t ngd_fast_vl_trunk_of(const struct ngd_fast_vl *vl, uint32_t gidx);
/* The vport a frame from port gidx reaches through ngd's vlan node: its
 * node's, if gidx is a filter's (or nomatch's) port that the kernel does
 * not tag for (setencap without the filter bit) and the node a vport;
 * or 0. */
uint32_t ngd_fast_vl_vport_in(const struct ngd_fast_vl *vl, uint32_t gidx);
/* Whether port gidx is a vlan node's trunk, filter's or nomatch's in the
 * maps (its interface's going down or up rewrites them). */
bool ngd_fast_vl_port(const struct ngd_fast_vl *vl, uint32_t gidx);
/*
 * vlan filters on kernel bridges: each filter hook of a vlan node whose
 * downstream leads to one of (*portsp)[0..n-1] (the trunk) and which
 * leads to a switching node is a port of that bridge with no device (an
 * "fvport", key NG_FAST_BPF_FVPORT_KEY, ng_fast_bpf.h) when the node
 * tags inline with a TPID the kernel can push: appended to *portsp
 * (grown as needed); the new count.  Before ngd_fast_br_sync; those the
 * bridge did not take are left out of ngd_fast_vl_sync's.
 */
unsigned ngd_fast_vl_fvports(struct ngd_fast_vl *vl,
    struct ngd_fast_brport **portsp, unsigned n);
/* The i-th fvport key of the vlan node vlan, or 0 (past the last). */
uint32_t ngd_fast_vl_fvport_at(const struct ngd_fast_vl *vl, uint32_t vlan,
    unsigned i);
/* The fvport a frame from the trunk port gidx (its tag inline) was for,
 * or 0. */
uint32_t ngd_fast_vl_fvport_in(const struct ngd_fast_vl *vl, uint32_t gidx,
    const uint8_t *frame, size_t len);
/* What a kernel bridge sent the vlan filter hook k in the kernel (pkts
 * frames, bytes octets untagged), added to its node's downstream hook
 * as the node would have sent it (tagged). */
void ngd_fast_vl_fcount(struct ng_hook *k, uint64_t pkts, uint64_t bytes);

/*
 * Ether nodes on kernel bridges (fastpath_ether.c): an uplink veth pair
 * per ether hook that leads to a switching node.  Its port ids are the
 * top NGD_FAST_UPLINK_IDS of the tag's range (eifaces take the others).
 */
#define NGD_FAST_UPLINK_IDS 256

/* What fastpath_ether.c needs of the data plane. */
struct ngd_fast_dp {
	int netns, own_netns;   /* the data plane's, ngd's */
	int ports_fd, stats_fd; /* ng_fast_ports, ng_fast_pstats */
	int prog_port;          /* ng_fast_port */
	struct ngd_fast *owner; /* fastpath.c's, for ngd_fast_fold_* */
	bool adopted;           /* the last ngd's: its uplinks to delete */
};

/* One rtnetlink request on nl (sequence numbers from *seqp), its
 * answers through cb (NULL: the ack alone): 0 or an errno. */
struct mnl_socket;
struct nlmsghdr;
struct nlmsghdr *ngd_fast_linkreq(char *buf, size_t len, uint16_t type,
    int ifindex);
int ngd_fast_talk(struct mnl_socket *nl, unsigned *seqp, struct nlmsghdr *nh,
    int (*cb)(const struct nlmsghdr *, void *), void *arg);
/* val written to the sysctl file path (a failure logged, not returned). */
void ngd_fast_sysctl(const char *path, const char *val);

/*
 * An RTM_NEWLINK in buf (len bytes) making a veth pair: this end name (no queue, MTU
 * 65535), its peer peer in the namespace netns, with mac (NULL: the
 * kernel's) and mtu (0: the kernel's).  For the socket of this end's
 * namespace.
 */
struct nlmsghdr *ngd_veth_newlink(void *buf, size_t len, const char *name,
    const char *peer, const uint8_t *mac, uint32_t mtu, int netns);

int ngd_fast_eth_new(const struct ngd_fast_dp *dp, struct ngd_fast_eth **fep);
void ngd_fast_eth_free(struct ngd_fast_eth *fe); /* NULL ok */
/* At most this many ports from ngd_fast_eth_ports. */
unsigned ngd_fast_eth_count(struct ngd_fast_eth *fe);
/* The uplinks made to agree with the graph (made, deleted), and the
 * ports they are, for ngd_fast_br_sync (up to max); how many. */
unsigned ngd_fast_eth_ports(struct ngd_fast_eth *fe,
    struct ngd_fast_brport *ports, unsigned max);
/* After ngd_fast_br_sync and ngd_fast_vl_sync: each uplink's port
 * entry, and whether its ether node uses it, as its bridge or vlan node
 * now is. */
void ngd_fast_eth_apply(struct ngd_fast_eth *fe, struct ngd_fast_br *br,
    struct ngd_fast_vl *vl);
/* A frame the kernel gave ngd with port id: if an uplink's, into its
 * ether node (consumed) and true. */
bool ngd_fast_eth_input(struct ngd_fast_eth *fe, struct ngd_fast_br *br,
    unsigned id, struct ng_pkt **pktp);
/* A frame the kernel gave ngd with port id that found no buffer: if an
 * uplink's, counted in its ether hook's xmitDrops and true. */
bool ngd_fast_eth_lost(struct ngd_fast_eth *fe, unsigned id);
/* Before the counters of node's hooks are read (hookstats_sync): what
 * the kernel carried across the edges of ether hooks with uplinks, in
 * both directions, added to the hooks at either end. */
void ngd_fast_eth_hookstats(struct ngd_fast_eth *fe, struct ngd_fast_br *br,
    struct ng_node *node);
/* Whether gidx is an uplink's data-plane end. */
bool ngd_fast_eth_gidx(const struct ngd_fast_eth *fe, uint32_t gidx);
/* Whether an uplink's data-plane end or wire device, which every frame
 * to the LAN is redirected to, has an ifindex of chain (mod nchains). */
bool ngd_fast_eth_chain(const struct ngd_fast_eth *fe, uint32_t chain,
    uint32_t nchains);

/*
 * Ether nodes on direct edges and hubs: an ether hook joined straight to
 * an eiface's ether hook, or to a hook of a hub that repeats in the
 * kernel, forwards by its uplink as an eiface's graph-side end would
 * (NG_FAST_BPF_DIRECT to the eiface's end, NG_FAST_BPF_HUB).
 *   ngd_fast_eth_refresh  at the start of ngd_fast_sync: the uplinks
 *                         made for every hook that may use one, every
 *                         uplink's wanted path cleared (but two ether
 *                         hooks joined straight: DIRECT to each other);
 *   ngd_fast_eth_uplink_of  the data-plane end of the ether hook h's
 *                         uplink (h: an ether node's lower, divert or
 *                         upper), or 0;
 *   ngd_fast_eth_down     whether the ether hook h's interface takes
 *                         nothing from it (lower or divert of an
 *                         interface not up and running, ENETDOWN in
 *                         userspace): a kernel hub or bridge passes its
 *                         uplink by, as an eiface's whose interface is
 *                         down (ng_ether.c calls for a sync when it
 *                         changes);
 *   ngd_fast_eth_want     the uplink gidx forwards by mode (DIRECT or
 *                         HUB) to peer (an eiface's end, a hub's ID),
 *                         written by ngd_fast_eth_apply;
 *   ngd_fast_eth_fold_hub  its uplinks on hub group folded (counters);
 *   ngd_fast_eth_fold_gidx  the uplink gidx folded;
 *   ngd_fast_eth_hub_count  pkts frames of bytes octets sent out of the
 *                         hub's hooks to its uplinks in group but from.
 */
void ngd_fast_eth_refresh(struct ngd_fast_eth *fe);
/* The hubs the uplinks' hooks lead to (up to max, repeated). */
unsigned ngd_fast_eth_hubs(struct ngd_fast_eth *fe, struct ng_node **out,
    unsigned max);
uint32_t ngd_fast_eth_uplink_of(struct ngd_fast_eth *fe,
    const struct ng_hook *h);
bool ngd_fast_eth_down(const struct ng_hook *h);
void ngd_fast_eth_want(struct ngd_fast_eth *fe, uint32_t gidx, uint32_t mode,
    uint32_t peer);
/* The eiface's end from replaced by to (a vnet): the uplinks joined
 * to it forward to the new one at once. */
void ngd_fast_eth_repoint(struct ngd_fast_eth *fe, uint32_t from, uint32_t to);
void ngd_fast_eth_fold_hub(struct ngd_fast_eth *fe, uint32_t group);
/* fastpath.c: port, key's entry in ng_fast_ports and its ng_fast_ifs
 * slot (ng_fast_bpf.h), 0 or an errno; key's entry gone from both. */
struct ng_fast_bpf_port;
int ngd_fast_port_put(struct ngd_fast *fp, uint32_t key,
    const struct ng_fast_bpf_port *port);
void ngd_fast_port_del(struct ngd_fast *fp, uint32_t key);
void ngd_fast_eth_fold_gidx(struct ngd_fast_eth *fe, uint32_t gidx);
void ngd_fast_eth_hub_count(struct ngd_fast_eth *fe, uint32_t group,
    uint32_t from, const struct ng_node *hub, uint64_t pkts, uint64_t bytes);
/* fastpath.c, for the uplinks' counters: the eiface port gidx folded,
 * the hub group's ports folded, and pkts frames of bytes octets that
 * from sent on hub group counted out of the hub's hooks to its other
 * eifaces (the uplinks' too). */
void ngd_fast_fold_port(struct ngd_fast *fp, uint32_t gidx);
void ngd_fast_fold_hub(struct ngd_fast *fp, uint32_t group);
void ngd_fast_hub_count(struct ngd_fast *fp, uint32_t group, uint32_t from,
    const struct ng_node *hub, uint64_t pkts, uint64_t bytes);

/*
 * For the differential test (tests/fuzz/diff_fast_ngd.c), which runs
 * this writer against the node code: the data plane's namespace, the
 * programs' object once loaded (NULL before), the slow path's TAP, and
 * the graph-side end of the eiface node n with its port id in *idp (0:
 * none), and the eiface node of a device this model made (NULL: none).
 */
struct bpf_object;
int ngd_fast_dp_netns(const struct ngd_fast *fp);
struct bpf_object *ngd_fast_obj(const struct ngd_fast *fp);
int ngd_fast_tap_index(const struct ngd_fast *fp);
uint32_t ngd_fast_port_of_node(struct ngd_fast *fp, const struct ng_node *n,
    uint16_t *idp);
struct ng_netdev;
struct ng_node *ngd_fast_dev_node(const struct ng_netdev *dev);
/* Whether a port's interface is down as ngd last heard (its eiface then
 * refuses frames: ENETDOWN). */
bool ngd_fast_dev_down(const struct ng_netdev *dev);
bool ngd_fast_node_down(struct ngd_fast *fp, const struct ng_node *n);

#endif
