/*
 * ng_internal.h: the graph's private state, shared by the engine's own
 * files (ng_base.c, ng_msgconv.c) and nobody else.
 */
#ifndef NG_INTERNAL_H
#define NG_INTERNAL_H

#include "ng_core.h"

#define NG_PKT_POOL_MAX 1024 /* packets; about 68 MB at most */

struct ng_typereg {
	const struct ng_type *type;
	unsigned numnodes;
};

struct ng_graph {
	struct ng_graph_cfg cfg;
	struct ng_typereg *types;    /* most recently registered first */
	struct ng_backend *backends; /* cfg.backends, copied */
	unsigned ntypes;
	ng_id_t next_id;
	uint64_t random_calls; /* ng_random64 without a source */
	unsigned buckets;      /* both hash tables, a power of two */
	struct ng_node **id_hash;
	struct ng_node **name_hash;
	struct ng_node *first, *last;
	unsigned nnodes;
	/* Every hook by (node ID, name), so finding one costs the same on a
	 * hub of 10,000 hooks as on a tee: a linear walk made restoring or
	 * building such a hub quadratic.  Grown to keep a hook a bucket. */
	struct ng_hook **hook_hash;
	unsigned hook_buckets; /* a power of two */
	unsigned nhooks;
	struct ng_timer *timers; /* sorted by expiry */
	struct ng_pkt *pool_free;
	unsigned pool_total, pool_cap;
	unsigned held;                /* frames held by nodes (ng_pkt_hold) */
	struct ng_ratelim_tab log_rl; /* ng_log's rate limits */
	int depth;                    /* nested ng_send_data calls */
	uint64_t sends;               /* ng_send_data calls, all told */
	uint64_t frame_sends;         /* sends when the outermost one began */
	/* Hooks removed while a frame is on its way (depth > 0), freed when
	 * the outermost ng_send_data returns: a receiver may shut down the
	 * node that sent to it, and its sender's loop and ng_send_data
	 * itself still look at the hooks of the edge. */
	struct ng_hook *dead_hooks;
	struct ng_capture *captures; /* every capture, usually none */
	/* Bumped at every edit of the graph's edges: a hook added, connected
	 * or removed, a rename, a bypass, a capture's flags (ng_topo_gen).
	 * A node made or gone alone is none: its hooks' coming and going
	 * are (a client's socket node, with none, changes nothing). */
	uint64_t topo_gen;
	const struct ng_graph_watch
	    *watch; /* NULL: none (ng_graph_set_watch) */
};

const struct ng_type *ng_find_type(struct ng_graph *g, const char *name);
void ng_rmnode_nocb(struct ng_node *node);
int ng_msg_ascii2binary(struct ng_node *node, const struct ng_mesg *msg,
    struct ng_mesg **resp);
int ng_msg_binary2ascii(struct ng_node *node, const struct ng_mesg *msg,
    struct ng_mesg **resp);

/* Per-hook counters and capture (ng_hookstat.c). */
int ng_hookstat_msg(struct ng_node *node, const struct ng_msgctx *ctx,
    struct ng_mesg *msg, struct ng_mesg **resp);
/* pkt is crossing from hook to peer: a copy to each capturer. */
void ng_capture_copy(struct ng_hook *hook, struct ng_hook *peer,
    const struct ng_pkt *pkt);
/* The edge of hook and peer (may be NULL) is going: its captures end. */
void ng_capture_edge_gone(struct ng_hook *hook, struct ng_hook *peer);
/* node is going: the captures it made end. */
void ng_capture_sink_gone(struct ng_node *node);
/* NG_HOOK_CAPTURED on h and its peer as their captures now say. */
void ng_capture_flags(struct ng_hook *h);
/* h is about to get peer as its peer (NULL: none): what its old peer
 * sent is kept in h's "in" figures, the new one counts from now. */
void ng_hookstat_repeer(struct ng_hook *h, struct ng_hook *peer);

#endif
