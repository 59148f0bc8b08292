/*
 * ng_core.h: the graph engine's internal API, used by node types and ngd.
 * Nodes, hooks, paths, generic messages, packets and timers live here; the
 * engine makes no syscalls.  Device-backed types reach the kernel through
 * the backend tables below, which ngd (or a test's fake) provides.
 */
#ifndef NG_CORE_H
#define NG_CORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <linux/virtio_net.h>

#include <netgraph/ng_message.h>

typedef uint32_t ng_id_t;

struct ng_graph;
struct ng_node;
struct ng_hook;
struct ng_pkt;
struct ng_capture;
struct ng_parse_type; /* the ASCII form of a message (ng_parse.h) */

/*
 * One row per command a type understands; generic commands too.  The
 * parse types give the ASCII forms that ascii2binary and binary2ascii use.
 */
struct ng_cmdlist {
	uint32_t cookie;
	uint32_t cmd;
	const char *name;
	const struct ng_parse_type *mesg_type; /* NULL: takes no argument */
	const struct ng_parse_type *resp_type; /* NULL: no reply data */
};

/*
 * Given, one at a time, the messages that make a new node of a type into
 * a copy of an existing one (a journal, a takeover: DESIGN decision 12);
 * msg is borrowed.  0 or an errno, which ends the save.
 */
typedef int ng_save_fn(void *arg, struct ng_node *node,
    const struct ng_mesg *msg);

/* Where a message came from and through which hook it arrived. */
struct ng_msgctx {
	ng_id_t retaddr;
	struct ng_hook *lasthook;
};

/*
 * A node type.  Every method may be NULL.  Methods return 0 or an errno.
 * rcvmsg: *resp, if set, is sent back to ctx->retaddr by the engine; msg is
 *   borrowed.  rcvdata consumes *pkt and sets it NULL; one that fails
 *   (and only then) may leave *pkt to the engine, which frees it.
 * renamed: the generic "name" message changed the node's name (old name in
 *   the argument); device types keep their interface in step.
 */
struct ng_type {
	const char *name;
	uint32_t cookie;
	int (*constructor)(struct ng_node *node);
	int (*rcvmsg)(struct ng_node *node, const struct ng_msgctx *ctx,
	    struct ng_mesg *msg, struct ng_mesg **resp);
	int (*close)(struct ng_node *node);
	int (*shutdown)(struct ng_node *node);
	int (*newhook)(struct ng_node *node, struct ng_hook *hook,
	    const char *name);
	int (*connect)(struct ng_hook *hook);
	int (*rcvdata)(struct ng_hook *hook, struct ng_pkt **pkt);
	int (*disconnect)(struct ng_hook *hook);
	void (*renamed)(struct ng_node *node, const char *oldname);
	/* A copy of a frame crossing a hook this node captures (the capture
	 * message): borrows pkt; pkt NULL says the capture has ended.  A
	 * type without it cannot capture (EOPNOTSUPP). */
	int (*capture)(struct ng_node *node, const struct ng_capture *cap,
	    const struct ng_hook *hook, unsigned dir, const struct ng_pkt *pkt);
	const struct ng_cmdlist *cmdlist;       /* terminated by a NULL name */
	const struct ng_netdev_methods *netdev; /* interface-backed types */
	/* The node's settings as messages to replay on a fresh node of the
	 * type once its hooks are back, each handed to emit.  May be NULL
	 * (nothing beyond name and hooks to keep).  A learning switch's
	 * table is not among them: see save_hosts, below. */
	int (*save)(struct ng_node *node, ng_save_fn *emit, void *arg);
	/* A learning switch's state, for a mirror of it (below); NULL in
	 * every type that is none. */
	const struct ng_switch_methods *switching;
};

/*
 * A learning Ethernet switch (bridge) lets a mirror of itself forward
 * for it (ngd's kernel fast path, DESIGN 11) and hands it what it must
 * know; the mirror hands back what it learned and counted, so that the
 * node's messages answer as if every frame had crossed it.  Ports are
 * the node's hooks, hosts are MAC addresses.
 */
struct ng_switch_port {
	bool learn;        /* learns new source addresses */
	bool send_unknown; /* gets unicast to unknown hosts */
	bool muted;        /* takes no frame (a loop was seen) */
};

/* Frames the mirror forwarded for one port, and the new hosts among
 * their sources it did not learn (the node had no room: room()). */
struct ng_switch_counts {
	uint64_t recv_pkts, recv_octets, recv_mcast, recv_bcast, recv_unknown;
	uint64_t xmit_pkts, xmit_octets, xmit_mcast, xmit_bcast;
	uint64_t unlearned;
};

typedef void ng_switch_host_fn(void *arg, const uint8_t addr[6],
    struct ng_hook *hook);

struct ng_switch_methods {
	/* Moves whenever the node learns, moves or forgets a host or a
	 * port's settings change by itself: the mirror then rewrites its
	 * copy.  What heard() does does not move it. */
	uint64_t (*gen)(struct ng_node *node);
	void (*port)(struct ng_hook *hook, struct ng_switch_port *p);
	/* Every host and the hook it is on; O(hosts). */
	void (*walk)(struct ng_node *node, ng_switch_host_fn *fn, void *arg);
	/* The hook host addr is on, or NULL. */
	struct ng_hook *(*lookup)(struct ng_node *node, const uint8_t addr[6]);
	/* The mirror heard addr on hook, learned age_ms milliseconds ago,
	 * last heard staleness seconds ago: a new host is learned (ENOMEM:
	 * the table is full; EPERM: the port learns none) with the age a
	 * host the node learned then would have now (its ticks since), a
	 * known one there is refreshed; one known on another hook stays
	 * (EEXIST). */
	int (*heard)(struct ng_node *node, struct ng_hook *hook,
	    const uint8_t addr[6], uint64_t age_ms, uint32_t staleness);
	/* Add what the mirror forwarded through hook to its counters. */
	void (*count)(struct ng_hook *hook, const struct ng_switch_counts *c);
	/* Whether a frame from addr arriving on hook would move addr there
	 * (known on another hook and old enough not to be judged a loop):
	 * the mirror may then point its copy at hook before the node takes
	 * the frame. */
	bool (*moves)(struct ng_node *node, struct ng_hook *hook,
	    const uint8_t addr[6]);
	/* How many more hosts the node would learn (its table's limit less
	 * the hosts it has): the mirror learns no more than that.  May be
	 * NULL (no limit). */
	uint32_t (*room)(struct ng_node *node);
	/* What a message of the node's own type needs of the mirror before
	 * the node takes it (NG_SWITCH_NEEDS_*): what the mirror learned
	 * imported (HOSTS: the table read or changed), what it counted
	 * added (COUNTS: the counters read or cleared); 0: neither (a
	 * config).  For a table the size of the mirror's, an import costs
	 * O(hosts).  May be NULL: both, always. */
	unsigned (*needs)(const struct ng_mesg *msg);
	/* The learned table as messages that put it back (after the
	 * type's save, its hooks back), each handed to emit: soft state,
	 * which a journal writes apart from the settings, when gen (or
	 * room) moved, so that a config message to a node of 100,000
	 * hosts costs what the config is.  O(hosts).  May be NULL. */
	int (*save_hosts)(struct ng_node *node, ng_save_fn *emit, void *arg);
};
#define NG_SWITCH_NEEDS_HOSTS 0x1u
#define NG_SWITCH_NEEDS_COUNTS 0x2u

/* What an interface-backed type does when its device speaks (see below). */
struct ng_netdev_methods {
	void (*input)(struct ng_node *node, struct ng_pkt **pkt);
	struct ng_ifdev *(*ifdev)(struct ng_node *node); /* in node->priv */
};

#define NGF_INVALID 0x01 /* shutting down or gone */
#define NGF_CLOSING 0x02 /* shutdown in progress */
#define NGF_FORCE 0x04   /* must die, even if persistent */

struct ng_node {
	ng_id_t id;
	char name[NG_NODESIZ];
	const struct ng_type *type;
	struct ng_graph *graph;
	void *priv;
	uint32_t flags;
	uint32_t numhooks;
	int refs;
	struct ng_hook *hooks; /* newest first */
	struct ng_node *id_next, *name_next;
	struct ng_node *prev, *next; /* all nodes, ascending ID */
};

#define NG_HOOK_VALID 0x01
#define NG_HOOK_CAPTURED 0x02 /* this hook or its peer has captures */

/*
 * Per-hook counters (gethookstats, <netgraph/ng_hookstat.h>), kept by
 * ng_send_data for every hook of every type.  An edge is counted once,
 * at the end that sends: a frame going out of one hook comes in at its
 * peer, so a hook's "in" figures are its peer's xmit_frames and
 * xmit_octets less what they were when the peer became its peer (or at
 * the last clear), plus what earlier peers sent (ng_bypass changes
 * peers).  xmit_* only grow; clearing notes where they stood.  Only
 * xmit_frames and xmit_octets are written per frame; they sit with
 * what ng_send_data reads anyway, in the hook's first cache line.
 */
struct ng_hook_stats {
	/* xmit_frames and xmit_octets are kept apart: side by side, GCC
	 * turns their two adds into eight vector instructions. */
	uint64_t xmit_frames; /* out of the node, ever */
	uint64_t recv_drops;  /* arrived, refused by the node */
	uint64_t xmit_octets; /* out of the node, ever */
	uint64_t xmit_drops;  /* sent, reached nobody */
	/* Cold: where the counts stood, for the figures since a clear. */
	uint64_t xmit_frames0, xmit_octets0; /* own xmit_* at the clear */
	uint64_t peer_frames0, peer_octets0; /* the peer's, likewise */
	uint64_t recv_frames1, recv_octets1; /* from earlier peers */
};

/*
 * One capture of an edge, seen from one of its hooks: copies go to the
 * node sink (its type's capture method), cut to snaplen bytes.  The
 * graph lists every capture (next_all) so a capturing node's end ends
 * its captures.
 */
struct ng_capture {
	ng_id_t sink;
	uint32_t snaplen;
	struct ng_hook *hook;
	struct ng_capture *next;     /* on the same hook */
	struct ng_capture *next_all; /* in the graph */
};

/*
 * What ng_send_data touches for every frame comes first, and hooks are
 * allocated on a cache line (ng_add_hook), so it is one line per hook.
 */
struct ng_hook {
	struct ng_hook *peer;
	struct ng_node *node;
	uint32_t flags;
	struct ng_capture *captures; /* NULL unless someone captures here */
	struct ng_hook_stats stats;
	void *priv;
	struct ng_hook *prev, *next; /* node's hook list */
	char name[NG_HOOKSIZ];
	struct ng_hook *dead_next; /* removed mid-send: freed later */
	struct ng_hook *name_next; /* graph's hook-name index (ng_find_hook) */
};

/* --- the graph --------------------------------------------------------- */

/*
 * Backend for interface-backed nodes (eiface: TAP, iface: TUN).  The
 * device handle is the backend's; the engine never looks inside.
 * create: make the device named ifname in ngd's own namespace, frames it
 *   receives go to ng_netdev_input(node, ...).  destroy accepts NULL.
 * xmit borrows pkt (a backend that sends it later takes a reference of
 *   its own; the frame is then shared and nobody writes to it).
 *   name/get_name: the interface's current name wherever
 *   it lives.  name_in_use: an interface of that name exists in ngd's
 *   namespace.
 */
struct ng_netdev;
enum ng_netdev_kind { NG_NETDEV_TAP, NG_NETDEV_TUN };
/* One address of an interface (get_addrs). */
struct ng_netdev_addr {
	int family; /* AF_INET or AF_INET6 */
	uint8_t addr[16];
	uint8_t prefixlen;
};
struct ng_netdev_ops {
	int (*create)(void *be, enum ng_netdev_kind kind, const char *ifname,
	    const uint8_t mac[6], struct ng_node *node,
	    struct ng_netdev **devp);
	void (*destroy)(void *be, struct ng_netdev *dev);
	int (*xmit)(void *be, struct ng_netdev *dev, const struct ng_pkt *pkt);
	int (*set_carrier)(void *be, struct ng_netdev *dev, bool on);
	int (*set_mac)(void *be, struct ng_netdev *dev, const uint8_t mac[6]);
	int (*get_mac)(void *be, struct ng_netdev *dev, uint8_t mac[6]);
	int (*set_name)(void *be, struct ng_netdev *dev, const char *name);
	int (*get_name)(void *be, struct ng_netdev *dev, char name[16]);
	/* Add (or remove) name as an alternative name of the interface,
	 * wherever it lives.  May be NULL. */
	int (*set_altname)(void *be, struct ng_netdev *dev, const char *name,
	    bool add);
	bool (*name_in_use)(void *be, const char *name);
	/* The interface's IPv4 and IPv6 addresses wherever it lives: the
	 * first max into addrs, how many there are into *n.  May be NULL. */
	int (*get_addrs)(void *be, struct ng_netdev *dev,
	    struct ng_netdev_addr *addrs, unsigned max, unsigned *n);
	/* The interface's index and whether it is administratively up,
	 * wherever it lives (iface: getifindex, point2point).  May be NULL. */
	int (*get_info)(void *be, struct ng_netdev *dev, uint32_t *ifindex,
	    bool *up);
	/* The device made anew, named ifname with mac, in the network
	 * namespace netns names ("" ngd's own, a path, or a name under
	 * /run/netns); the old one goes.  *newdevp = dev if it is there
	 * already.  May be NULL (the vnet message is then EOPNOTSUPP). */
	int (*vnet)(void *be, struct ng_netdev *dev, const char *netns,
	    enum ng_netdev_kind kind, const char *ifname, const uint8_t mac[6],
	    struct ng_node *node, struct ng_netdev **newdevp);
	/* Whether the interface lives in ngd's own network namespace: a
	 * rename made in another one (inside a jail) is not the graph's
	 * to follow.  May be NULL (always at home). */
	bool (*at_home)(void *be, struct ng_netdev *dev);
	/* The device this node had before ngd restarted or was taken over,
	 * if the backend holds one for it (DESIGN decision 12): found where
	 * it is, or made anew with its name and MAC; its name and MAC into
	 * ifname and mac.  ENOENT when there is none; may be NULL. */
	int (*adopt)(void *be, enum ng_netdev_kind kind, struct ng_node *node,
	    char ifname[16], uint8_t mac[6], struct ng_netdev **devp);
	/* Identity of this graph for stable MACs (/etc/machine-id and the
	 * network namespace's cookie); may be NULL. */
	const char *machine_id;
};

/*
 * The backend of a node type that reaches outside the graph (socket: the
 * client behind the node; ether: the kernel's interfaces; ksocket:
 * sockets), found by the type's cookie: ops
 * is the type's own table of methods, declared in its header, and arg
 * their first argument.  The engine only keeps them; a type calls
 * ng_graph_backend with its cookie.
 */
struct ng_backend {
	uint32_t cookie; /* the node type's NGM_*_COOKIE; 0 ends a table */
	const void *ops;
	void *arg;
};

/*
 * What a graph is made with.  types: the node types it holds, a
 * NULL-terminated table (the engine knows none by itself; ngd passes
 * ng_nodes_types from src/nodes/ng_nodes.h).  backends: the types'
 * backends (socket nodes' client, ether's interfaces, ksocket's
 * sockets), ended by a zero cookie; copied by ng_graph_new; may be NULL.
 */
struct ng_graph_cfg {
	const struct ng_type *const *types;
	const struct ng_netdev_ops *netdev_ops;
	void *backend; /* first argument of netdev_ops */
	const struct ng_backend *backends;
	uint64_t (*clock_ms)(void); /* monotonic milliseconds */
	/* 64 bits no one outside can guess (ngd: getrandom), for the keys of
	 * tables whose entries come from the wire or a jail.  NULL: derived
	 * from the clock, guessable (in-process tests). */
	uint64_t (*random64)(void);
	void (*log)(int level, const char *fmt, ...); /* syslog levels */
	/* Called before gethookstats reads or clrhookstats clears the
	 * counters of node's hooks: a backend that forwards frames past
	 * the engine (ngd's kernel fast path) adds what it forwarded across
	 * each edge to the stats of the hooks at both ends.  May be NULL. */
	void (*hookstats_sync)(void *arg, struct ng_node *node);
	void *hookstats_arg; /* its first argument */
};

/* Create and destroy a graph holding cfg->types.  0 or errno. */
int ng_graph_new(const struct ng_graph_cfg *cfg, struct ng_graph **gp);
void ng_graph_free(struct ng_graph *g); /* shuts every node down; NULL ok */
const struct ng_graph_cfg *ng_graph_cfg(const struct ng_graph *g);
/* The backend the graph was given for a type's cookie, or NULL. */
const struct ng_backend *ng_graph_backend(const struct ng_graph *g,
    uint32_t cookie);
/* Bits from cfg->random64, or, without one, a mix of the clock and a
 * count (different each call, but guessable). */
uint64_t ng_random64(struct ng_graph *g);
void ng_log(struct ng_graph *g, int level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* --- nodes and hooks --------------------------------------------------- */

int ng_make_node(struct ng_graph *g, const char *type, struct ng_node **np);
/* Make a node without running its constructor (socket nodes). */
int ng_make_node_raw(struct ng_graph *g, const struct ng_type *type,
    struct ng_node **np);
void ng_rmnode(struct ng_node *node); /* the shutdown sequence */
void ng_node_ref(struct ng_node *node);
void ng_node_unref(struct ng_node *node);
bool ng_node_valid(const struct ng_node *node);
int ng_name_node(struct ng_node *node, const char *name);
struct ng_node *ng_find_id(struct ng_graph *g, ng_id_t id);
struct ng_node *ng_find_name(struct ng_graph *g, const char *name);
struct ng_hook *ng_find_hook(struct ng_node *node, const char *name);
/* The node list in ascending ID order. */
struct ng_node *ng_first_node(struct ng_graph *g);
unsigned ng_num_nodes(const struct ng_graph *g);
/* A count bumped at every edit of the graph's edges (hooks added,
 * connected or removed, bypasses, names, captures; a node with no hook
 * made or gone is none), and by ng_topo_changed for anything else a
 * user of the count reads: equal counts, nothing of that changed. */
uint64_t ng_topo_gen(const struct ng_graph *g);
void ng_topo_changed(struct ng_graph *g);
/*
 * Told of each edit of what a journal of the graph holds (ngd's, which
 * writes what changed, not the whole graph): a node made, renamed or
 * gone, an edge made or cut.  Called from inside the edit, which it must
 * not change; what it keeps of a node is its ID (the node may be freed
 * soon after).  A bypass is two edges cut and one made.
 */
enum ng_watch_what { NG_WATCH_MADE, NG_WATCH_RENAMED, NG_WATCH_GONE };
struct ng_graph_watch {
	void (*node)(void *arg, struct ng_node *node, enum ng_watch_what what);
	void (*edge)(void *arg, const struct ng_hook *a,
	    const struct ng_hook *b, bool made);
	void *arg;
};
void ng_graph_set_watch(struct ng_graph *g,
    const struct ng_graph_watch *w); /* NULL: none; w is borrowed */
/* The ID the next node gets, and raising it (never lowers it: the node
 * list stays in ascending ID order); a restored graph keeps its IDs. */
ng_id_t ng_graph_next_id(const struct ng_graph *g);
void ng_graph_set_next_id(struct ng_graph *g, ng_id_t id);

/* Cut the edge that hook belongs to (both ends). */
void ng_rmhook(struct ng_hook *hook);
/* Join hook names on two nodes; undoes everything on failure. */
int ng_con_nodes(struct ng_node *a, const char *ahook, struct ng_node *b,
    const char *bhook);
/* Join two existing hooks' peers, as tee does at shutdown. */
int ng_bypass(struct ng_hook *a, struct ng_hook *b);

/* --- addressing -------------------------------------------------------- */

/*
 * Resolve address relative to here.  On success *np is referenced (caller
 * unrefs) and *lasthook is the hook the path arrived through (or NULL).
 */
int ng_path2node(struct ng_node *here, const char *address, struct ng_node **np,
    struct ng_hook **lasthook);
/* The same from outside any node: here may be NULL (then "." is ENOENT). */
int ng_path2node_g(struct ng_graph *g, struct ng_node *here,
    const char *address, struct ng_node **np, struct ng_hook **lasthook);
/* 0 if text is a node ID ("[1f]"), with the ID in *id. */
bool ng_decode_id(const char *text, ng_id_t *id);
bool ng_name_valid(const char *name);

/* --- messages ---------------------------------------------------------- */

struct ng_mesg *ng_mkmsg(uint32_t cookie, uint32_t cmd, size_t arglen);
struct ng_mesg *ng_mkresponse(const struct ng_mesg *req, size_t arglen);
/*
 * Send msg from node "from" to address.  msg is borrowed.  A reply from the
 * destination goes to from's rcvmsg.  Returns the destination's error.
 */
int ng_send_msg(struct ng_node *from, const char *address, struct ng_mesg *msg);
/* Deliver msg straight to node (already resolved). */
int ng_deliver_msg(struct ng_node *node, const struct ng_msgctx *ctx,
    struct ng_mesg *msg);
/* Send an unsolicited message (e.g. a flow message) to hook's peer. */
int ng_send_hook_msg(struct ng_hook *hook, struct ng_mesg *msg);
/* Look a command up: the node's type first, then the generic list. */
const struct ng_cmdlist *ng_find_cmd_name(const struct ng_type *type,
    const char *name);
const struct ng_cmdlist *ng_find_cmd(const struct ng_type *type,
    uint32_t cookie, uint32_t cmd);
extern const struct ng_cmdlist ng_generic_cmds[];
/* Ours, under NGM_HOOKSTAT_COOKIE: counters and capture (ng_hookstat.c). */
extern const struct ng_cmdlist ng_hookstat_cmds[];
/* For a type's save method: ask the node with the get command and hand
 * emit the reply as the set command (getconfig gives setconfig). */
int ng_save_getset(struct ng_node *node, uint32_t cookie, uint32_t get,
    uint32_t set, ng_save_fn *emit, void *arg);
/* For a type's save method: a message with no argument (setpersistent). */
int ng_save_cmd(struct ng_node *node, uint32_t cookie, uint32_t cmd,
    ng_save_fn *emit, void *arg);

/* --- data -------------------------------------------------------------- */

#define NG_PKT_HEADROOM 128
#define NG_PKT_BUFSIZE (65536 + 1024) /* one GSO frame plus headers */
#define NG_MAX_DEPTH 64
/*
 * Deliveries one frame may cause, copies and floods included, before the
 * rest are dropped (ELOOP).  The depth limit alone does not stop a loop
 * of flooding nodes (two hubs joined twice, a bridge whose loop detection
 * is off): each level doubles the work, and 2^64 sends would hold the
 * single-threaded ngd for good.  A broadcast to 10,000 ports is 10,000;
 * a storm of 64 KiB frames that each reach a client (a copy and a
 * checksum apiece) costs about 0.2 s per frame at this bound.
 */
#define NG_MAX_SENDS 16384
/*
 * Deliveries (ng_send_data calls) since the graph was made.  A reader of
 * frames (a TAP, a socket, a client) ends its batch once the frames it
 * let in have cost NG_BATCH_SENDS of them, leaving the rest where they
 * wait (in the kernel) for the loop's next turn, after every other
 * source: a storm in a loop of flooding nodes then costs a turn of the
 * loop one frame, not a batch of 64, each NG_MAX_SENDS deliveries.
 */
uint64_t ng_sends(const struct ng_graph *g);
#define NG_BATCH_SENDS NG_MAX_SENDS

/*
 * A datagram's far end, carried beside a frame (FreeBSD's ksocket keeps
 * it in an mbuf tag): a ksocket node sets it to the sender of what it
 * received, and sends to it (sendto) when it was set by that node or by
 * nobody in particular (owner 0).  len 0: none.
 */
struct ng_pkt_addr {
	ng_id_t owner;
	uint8_t len;
	union {
		struct sockaddr sa;
		struct sockaddr_in sin;
		struct sockaddr_in6 sin6;
	} u;
};

struct ng_pkt {
	struct virtio_net_hdr vh; /* offload metadata, as TAP gives it */
	struct ng_pkt_addr peer;  /* ksocket: the datagram's far end */
	uint8_t *data;
	uint32_t len;
	uint16_t vlan_tag; /* an 802.1Q tag kept out of band (vlan decap) */
	bool vlan_tagged;  /* vlan_tag holds one */
	int refs;
	struct ng_graph *graph;
	struct ng_pkt *next; /* free list */
	uint8_t buf[NG_PKT_BUFSIZE];
};

/* From the graph's pool; NULL when the pool is exhausted.  No malloc once
 * the pool has grown to the working set. */
struct ng_pkt *ng_pkt_alloc(struct ng_graph *g);
void ng_pkt_free(struct ng_pkt **pkt); /* drops one reference; NULL ok */
struct ng_pkt *ng_pkt_ref(struct ng_pkt *pkt);
/* A private copy if shared, so the caller may write; consumes *pkt. */
int ng_pkt_writable(struct ng_pkt **pkt);
/*
 * Software offload fallback (ng_gso.c), for hooks that cannot take what a
 * TAP hands over.  csum_finish completes a partial checksum in place (the
 * packet must be writable).  segment cuts a GSO super-frame into ordinary
 * frames and gives each to emit, which consumes it; l2 is the link header
 * length (14 Ethernet, 0 bare IP).  segment consumes *pkt.
 */
int ng_pkt_csum_finish(struct ng_pkt *pkt);
/* The l2 of a super-frame whose link layer its node does not know: 0
 * when its checksum starts right after a bare IP header (an iface's
 * tun, a nat node's IPv4), else 14. */
size_t ng_pkt_l2len(const struct ng_pkt *pkt);
int ng_pkt_segment(struct ng_pkt **pkt, size_t l2,
    void (*emit)(void *arg, struct ng_pkt **seg), void *arg);
/*
 * The other way (ng_gso.c): frames given one after another to gro_add
 * (copied from f, len bytes; l2 as above) leave through emit, TCP
 * segments of one flow merged into a super-frame; gro_flush sends on
 * what is held.  Start from a zeroed struct ng_gro; flush before the
 * frames' buffer goes.
 */
struct ng_gro {
	struct ng_pkt *pkt; /* the super-frame being built, or NULL */
	size_t l3, l4, hlen;
	uint32_t seq; /* the next segment's */
	uint16_t mss;
	uint16_t segs;
	bool v6, closed;
};
int ng_gro_add(struct ng_gro *gro, struct ng_graph *g, const uint8_t *f,
    size_t len, size_t l2, void (*emit)(void *arg, struct ng_pkt **seg),
    void *arg);
void ng_gro_flush(struct ng_gro *gro,
    void (*emit)(void *arg, struct ng_pkt **seg), void *arg);

/*
 * Send along hook to its peer; consumes *pkt and sets it NULL.  The peer
 * may shut the sender down before this returns: a node that sends more
 * than once (a flood, segments) holds a reference (ng_node_ref) across
 * the sends and looks at ng_node_valid and node->priv again after each.
 * Hooks removed meanwhile stay allocated (invalid) until the outermost
 * send returns, so a hook pointer taken before the send may be looked
 * at, never sent on.
 */
int ng_send_data(struct ng_hook *hook, struct ng_pkt **pkt);

/*
 * Budgets for frames a node keeps after the call that gave them to it
 * (a pipe's queues), so no node can take the shared pool (ng_pressure.c).
 * A holder may keep NG_HOLD_PKTS frames and NG_HOLD_BYTES bytes, and all
 * holders together half the pool: frames in transit (an unrelated path
 * through the same bridge) always find buffers.  ng_pkt_hold is false
 * when pkt would exceed a budget: the caller drops it and counts the
 * drop in its stats.  Every frame held is released exactly once, when
 * the node lets go of it (sent on, dropped, flushed).
 */
#define NG_HOLD_PKTS 256
#define NG_HOLD_BYTES (16u << 20)
struct ng_hold {
	uint32_t pkts;
	uint64_t bytes;
};
bool ng_pkt_hold(struct ng_graph *g, struct ng_hold *h,
    const struct ng_pkt *pkt);
void ng_pkt_release(struct ng_graph *g, struct ng_hold *h,
    const struct ng_pkt *pkt);
/* Frames held by all holders of the graph. */
unsigned ng_pkt_held(const struct ng_graph *g);

/* --- log rate limits (ng_pressure.c) ------------------------------------ */

/*
 * Every line that input can trigger goes through one rate limit, keyed
 * by its call site (the format string): NG_LOG_BURST lines per
 * NG_LOG_WINDOW_MS, then they are only counted, and the next line let
 * through says how many like it were held back.  ng_log applies it; so
 * does ngd's own logger, with a table of its own.  A call site's slot
 * goes to another once its window is over with nothing held back; when
 * every slot is busy, the call sites that find none share one more, so
 * a table never lets more than (NG_LOG_KEYS + 1) * NG_LOG_BURST lines
 * out in a window, however many call sites take turns.
 */
#define NG_LOG_BURST 10
#define NG_LOG_WINDOW_MS 10000
#define NG_LOG_KEYS 256 /* ngd has some 130 call sites */
struct ng_ratelim {
	const void *key;
	uint64_t start_ms;
	unsigned count;
	unsigned long suppressed;
};
struct ng_ratelim_tab {
	struct ng_ratelim slot[NG_LOG_KEYS];
	struct ng_ratelim shared; /* for call sites that find no slot */
};
/* Whether the line keyed by key may go out at now_ms; if so,
 * *suppressed is how many like it were held back before it. */
bool ng_ratelim(struct ng_ratelim_tab *t, const void *key, uint64_t now_ms,
    unsigned long *suppressed);

/* --- time -------------------------------------------------------------- */

struct ng_timer {
	uint64_t when;
	void (*fn)(struct ng_node *node, void *arg);
	struct ng_node *node;
	void *arg;
	struct ng_timer *next;
	bool armed;
};

uint64_t ng_now_ms(struct ng_graph *g);
void ng_timer_start(struct ng_graph *g, struct ng_timer *t, uint64_t ms,
    void (*fn)(struct ng_node *, void *), struct ng_node *node, void *arg);
void ng_timer_stop(struct ng_graph *g, struct ng_timer *t);
/* Run due timers; returns ms until the next one, or -1 if none. */
int64_t ng_timers_run(struct ng_graph *g);

/* --- the interface behind eiface and iface nodes (ng_ifdev.c) ---------- */

#define NG_IFDEV_NAMSIZ 16

struct ng_ifdev {
	struct ng_netdev *dev; /* NULL while there is none */
	enum ng_netdev_kind kind;
	const char *prefix; /* of its unit names: "ngeth", "ng" (static) */
	unsigned unit;
	char ifname[NG_IFDEV_NAMSIZ]; /* the interface's current name */
	uint8_t mac[6];               /* TAP: kept across re-creation */
	bool synced;  /* node name and interface name move together */
	bool carrier; /* what the hooks want, kept across re-creation */
	/* The name before a rename the node asked for, which the interface
	 * answers to as an altname for a while (ng_ifdev_renamed). */
	char altname[NG_IFDEV_NAMSIZ];
	struct ng_timer alt_timer;
};

const struct ng_netdev_ops *ng_ifdev_ops(struct ng_node *node, void **be);
/* Make <prefix><lowest free unit>, with a stable MAC for a TAP. */
int ng_ifdev_create(struct ng_node *node, struct ng_ifdev *d,
    enum ng_netdev_kind kind, const char *prefix);
/* Name the node after its interface (once node->priv holds d). */
void ng_ifdev_name_node(struct ng_node *node, struct ng_ifdev *d);
void ng_ifdev_destroy(struct ng_node *node, struct ng_ifdev *d);
int ng_ifdev_set_carrier(struct ng_node *node, struct ng_ifdev *d, bool on);
/* A flow message (NGM_FLOW_COOKIE) from a hook: link up/down; always 0. */
int ng_ifdev_flow_msg(struct ng_node *node, struct ng_ifdev *d,
    const struct ng_mesg *msg);
int ng_ifdev_set_mac(struct ng_node *node, struct ng_ifdev *d,
    const uint8_t mac[6]);
int ng_ifdev_xmit(struct ng_node *node, struct ng_ifdev *d,
    const struct ng_pkt *pkt);
bool ng_ifdev_name_valid(const char *name);
/* The interface into the network namespace netns (the vnet message). */
int ng_ifdev_vnet(struct ng_node *node, struct ng_ifdev *d, const char *netns);
/* The same, from a vnet message (its argument checked). */
int ng_ifdev_vnet_msg(struct ng_node *node, struct ng_ifdev *d,
    const struct ng_mesg *msg);
/* Type methods, shared: ".renamed = ng_ifdev_renamed". */
void ng_ifdev_renamed(struct ng_node *node, const char *oldname);
void ng_ifdev_sync(struct ng_node *node);
void ng_ifdev_gone(struct ng_node *node);
void ng_ifdev_vnet_home(struct ng_node *node);

/* --- interface-backed nodes -------------------------------------------- */

/* A frame the interface sent; consumes *pkt. */
void ng_netdev_input(struct ng_node *node, struct ng_pkt **pkt);
/* The interface vanished; the node re-creates it. */
void ng_netdev_gone(struct ng_node *node);
/* The namespace the interface was placed in lost its name: home. */
void ng_netdev_vnet_home(struct ng_node *node);
/* Poll the interface's name and follow an OS-side rename (DESIGN 2). */
void ng_netdev_sync_name(struct ng_node *node);

#endif
