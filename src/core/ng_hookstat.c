/*
 * ng_hookstat.c: the messages every node answers under our own cookie
 * (<netgraph/ng_hookstat.h>): gethookstats and clrhookstats read and
 * clear the counters ng_send_data keeps in each hook; capture and
 * uncapture register a node (a client's socket node) to get a copy of
 * every frame crossing an edge.  A capture never changes the graph: it
 * is a note on the hook, which ng_send_data checks with one test.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <netgraph/ng_hookstat.h>

#include "ng_core.h"
#include "ng_internal.h"
#include "ng_parse.h"

NG_PARSE_STRUCT(ng_hookstat, NG_HOOKSTAT_FIELDS);
NG_PARSE_STRUCT(ng_hookstats, NG_HOOKSTATS_FIELDS);
NG_PARSE_STRUCT(ng_hookstat_name, NG_HOOKSTAT_NAME_FIELDS);
NG_PARSE_STRUCT(ng_hookstat_capture, NG_HOOKSTAT_CAPTURE_FIELDS);

const struct ng_cmdlist ng_hookstat_cmds[] = {
	{ NGM_HOOKSTAT_COOKIE, NGM_HOOKSTAT_GET, "gethookstats", NULL,
	    &ng_hookstats_parse_type },
	{ NGM_HOOKSTAT_COOKIE, NGM_HOOKSTAT_CLEAR, "clrhookstats",
	    &ng_hookstat_name_parse_type, NULL },
	{ NGM_HOOKSTAT_COOKIE, NGM_HOOKSTAT_CAPTURE, "capture",
	    &ng_hookstat_capture_parse_type, NULL },
	{ NGM_HOOKSTAT_COOKIE, NGM_HOOKSTAT_UNCAPTURE, "uncapture",
	    &ng_hookstat_name_parse_type, NULL },
	{ 0, 0, NULL, NULL, NULL },
};

/* --- counters ----------------------------------------------------------- */

/* What h's peer has sent to h since h last counted from it. */
static void
ng_hookstat_from_peer(const struct ng_hook *h, uint64_t *frames,
    uint64_t *octets)
{
	*frames = h->stats.recv_frames1;
	*octets = h->stats.recv_octets1;
	if (h->peer != NULL) {
		*frames += h->peer->stats.xmit_frames - h->stats.peer_frames0;
		*octets += h->peer->stats.xmit_octets - h->stats.peer_octets0;
	}
}

void
ng_hookstat_repeer(struct ng_hook *h, struct ng_hook *peer)
{
	ng_hookstat_from_peer(h, &h->stats.recv_frames1,
	    &h->stats.recv_octets1);
	h->stats.peer_frames0 = peer != NULL ? peer->stats.xmit_frames : 0;
	h->stats.peer_octets0 = peer != NULL ? peer->stats.xmit_octets : 0;
}

/* What a backend forwarded past the engine, added to the hooks' stats. */
static void
ng_hookstat_sync(struct ng_node *node)
{
	const struct ng_graph_cfg *cfg = ng_graph_cfg(node->graph);

	if (cfg->hookstats_sync != NULL)
		cfg->hookstats_sync(cfg->hookstats_arg, node);
}

static void
ng_hookstat_fill(const struct ng_hook *h, struct ng_hookstat *st)
{
	memset(st, 0, sizeof(*st));
	memcpy(st->hook, h->name, sizeof(st->hook));
	ng_hookstat_from_peer(h, &st->recv_frames, &st->recv_octets);
	st->xmit_frames = h->stats.xmit_frames - h->stats.xmit_frames0;
	st->xmit_octets = h->stats.xmit_octets - h->stats.xmit_octets0;
	st->recv_drops = h->stats.recv_drops;
	st->xmit_drops = h->stats.xmit_drops;
}

static void
ng_hookstat_zero(struct ng_hook *h)
{
	h->stats.xmit_frames0 = h->stats.xmit_frames;
	h->stats.xmit_octets0 = h->stats.xmit_octets;
	h->stats.recv_frames1 = h->stats.recv_octets1 = 0;
	h->stats.peer_frames0 = h->peer != NULL ?
	    h->peer->stats.xmit_frames :
	    0;
	h->stats.peer_octets0 = h->peer != NULL ?
	    h->peer->stats.xmit_octets :
	    0;
	h->stats.recv_drops = h->stats.xmit_drops = 0;
}

static int
ng_hookstat_get(struct ng_node *node, const struct ng_mesg *msg,
    struct ng_mesg **resp)
{
	struct ng_hookstats *hs;
	struct ng_hook *h;
	unsigned n = 0;

	ng_hookstat_sync(node);
	for (h = node->hooks; h != NULL; h = h->next)
		if (h->flags & NG_HOOK_VALID)
			n++;
	*resp = ng_mkresponse(msg, sizeof(*hs) + n * sizeof(hs->stats[0]));
	if (*resp == NULL)
		return ENOMEM;
	hs = (struct ng_hookstats *)(*resp)->data;
	for (h = node->hooks; h != NULL; h = h->next)
		if (h->flags & NG_HOOK_VALID)
			ng_hookstat_fill(h, &hs->stats[hs->numhooks++]);
	return 0;
}

/* One hook by name, from an argument of len bytes; "" (or no argument
 * where the name is all there is) gives *hp NULL. */
static int
ng_hookstat_hook(struct ng_node *node, struct ng_mesg *msg, size_t len,
    struct ng_hook **hp)
{
	char *name = msg->data;

	*hp = NULL;
	if (msg->header.arglen == 0 && len == sizeof(struct ng_hookstat_name))
		return 0;
	if (msg->header.arglen != len)
		return EINVAL;
	name[NG_HOOKSIZ - 1] = '\0';
	if (name[0] == '\0')
		return 0;
	*hp = ng_find_hook(node, name);
	if (*hp == NULL || !((*hp)->flags & NG_HOOK_VALID))
		return ENOENT;
	return 0;
}

static int
ng_hookstat_clear(struct ng_node *node, struct ng_mesg *msg)
{
	struct ng_hook *h;
	int error;

	error = ng_hookstat_hook(node, msg, sizeof(struct ng_hookstat_name),
	    &h);
	if (error != 0)
		return error;
	ng_hookstat_sync(node); /* what was forwarded before is cleared too */
	if (h != NULL) {
		ng_hookstat_zero(h);
		return 0;
	}
	for (h = node->hooks; h != NULL; h = h->next)
		ng_hookstat_zero(h);
	return 0;
}

/* --- capture ------------------------------------------------------------ */

static void
ng_capture_flag1(struct ng_hook *h)
{
	h->node->graph->topo_gen++;
	if (h->captures != NULL ||
	    (h->peer != NULL && h->peer->captures != NULL))
		h->flags |= NG_HOOK_CAPTURED;
	else
		h->flags &= ~NG_HOOK_CAPTURED;
}

void
ng_capture_flags(struct ng_hook *h)
{
	ng_capture_flag1(h);
	if (h->peer != NULL)
		ng_capture_flag1(h->peer);
}

/* Take cap off its hook's list and the graph's, and free it. */
static void
ng_capture_free(struct ng_graph *g, struct ng_capture *cap)
{
	struct ng_capture **pp;

	for (pp = &cap->hook->captures; *pp != NULL; pp = &(*pp)->next)
		if (*pp == cap) {
			*pp = cap->next;
			break;
		}
	for (pp = &g->captures; *pp != NULL; pp = &(*pp)->next_all)
		if (*pp == cap) {
			*pp = cap->next_all;
			break;
		}
	ng_capture_flags(cap->hook);
	free(cap);
}

static int
ng_capture_start(struct ng_node *node, const struct ng_msgctx *ctx,
    struct ng_mesg *msg)
{
	struct ng_hookstat_capture *arg = (void *)msg->data;
	struct ng_graph *g = node->graph;
	struct ng_capture *cap;
	struct ng_node *sink;
	struct ng_hook *h;
	int error;

	error = ng_hookstat_hook(node, msg, sizeof(*arg), &h);
	if (error != 0)
		return error;
	if (h == NULL)
		return EINVAL;
	sink = ng_find_id(g, ctx->retaddr);
	if (!ng_node_valid(sink) || sink->type->capture == NULL)
		return EOPNOTSUPP;
	for (cap = h->captures; cap != NULL; cap = cap->next)
		if (cap->sink == sink->id)
			return EEXIST;
	cap = calloc(1, sizeof(*cap));
	if (cap == NULL)
		return ENOMEM;
	cap->sink = sink->id;
	cap->snaplen = arg->snaplen;
	cap->hook = h;
	cap->next = h->captures;
	h->captures = cap;
	cap->next_all = g->captures;
	g->captures = cap;
	ng_capture_flags(h);
	return 0;
}

static int
ng_capture_stop(struct ng_node *node, const struct ng_msgctx *ctx,
    struct ng_mesg *msg)
{
	struct ng_capture *cap, *next;
	struct ng_hook *h;
	bool found = false;
	int error;

	error = ng_hookstat_hook(node, msg, sizeof(struct ng_hookstat_name),
	    &h);
	if (error != 0)
		return error;
	for (cap = node->graph->captures; cap != NULL; cap = next) {
		next = cap->next_all;
		if (cap->sink != ctx->retaddr || cap->hook->node != node ||
		    (h != NULL && cap->hook != h))
			continue;
		ng_capture_free(node->graph, cap);
		found = true;
	}
	return found || h == NULL ? 0 : ENOENT;
}

static void
ng_capture_give(struct ng_graph *g, struct ng_capture *cap, struct ng_hook *h,
    unsigned dir, const struct ng_pkt *pkt)
{
	struct ng_node *sink = ng_find_id(g, cap->sink);

	if (ng_node_valid(sink) && sink->type->capture != NULL)
		(void)sink->type->capture(sink, cap, h, dir, pkt);
}

void
ng_capture_copy(struct ng_hook *hook, struct ng_hook *peer,
    const struct ng_pkt *pkt)
{
	struct ng_graph *g = hook->node->graph;
	struct ng_capture *cap;

	for (cap = hook->captures; cap != NULL; cap = cap->next)
		ng_capture_give(g, cap, hook, NG_CAPTURE_OUT, pkt);
	for (cap = peer->captures; cap != NULL; cap = cap->next)
		ng_capture_give(g, cap, peer, NG_CAPTURE_IN, pkt);
}

void
ng_capture_edge_gone(struct ng_hook *hook, struct ng_hook *peer)
{
	struct ng_graph *g = hook->node->graph;
	struct ng_hook *ends[2] = { hook, peer };

	for (int i = 0; i < 2; i++) {
		while (ends[i] != NULL && ends[i]->captures != NULL) {
			struct ng_capture *cap = ends[i]->captures;

			ng_capture_give(g, cap, ends[i], 0, NULL);
			ng_capture_free(g, cap);
		}
	}
}

void
ng_capture_sink_gone(struct ng_node *node)
{
	struct ng_capture *cap, *next;

	for (cap = node->graph->captures; cap != NULL; cap = next) {
		next = cap->next_all;
		if (cap->sink == node->id)
			ng_capture_free(node->graph, cap);
	}
}

/* --- the messages ------------------------------------------------------- */

int
ng_hookstat_msg(struct ng_node *node, const struct ng_msgctx *ctx,
    struct ng_mesg *msg, struct ng_mesg **resp)
{
	switch (msg->header.cmd) {
	case NGM_HOOKSTAT_GET:
		return ng_hookstat_get(node, msg, resp);
	case NGM_HOOKSTAT_CLEAR:
		return ng_hookstat_clear(node, msg);
	case NGM_HOOKSTAT_CAPTURE:
		return ng_capture_start(node, ctx, msg);
	case NGM_HOOKSTAT_UNCAPTURE:
		return ng_capture_stop(node, ctx, msg);
	}
	return EINVAL;
}
