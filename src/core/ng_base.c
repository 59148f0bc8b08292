/*
 * ng_base.c: the graph engine.  Types, nodes, hooks, names, IDs, address
 * resolution and the generic messages (spec §2-§5).  No I/O: the daemon
 * feeds it messages and frames, backends carry them out.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <netgraph/ng_hookstat.h>

#include "ng_core.h"
#include "ng_internal.h"

/* --- hashing ------------------------------------------------------------ */

static uint32_t
ng_hash_str(const char *s)
{
	uint32_t h = 2166136261u;

	while (*s != '\0')
		h = (h ^ (uint8_t)*s++) * 16777619u;
	return h;
}

static int
ng_hash_grow(struct ng_graph *g)
{
	unsigned nb = g->buckets * 2;
	struct ng_node **ids, **names, *n;

	ids = calloc(nb, sizeof(*ids));
	names = calloc(nb, sizeof(*names));
	if (ids == NULL || names == NULL) {
		free(ids);
		free(names);
		return ENOMEM;
	}
	for (n = g->first; n != NULL; n = n->next) {
		unsigned b = n->id & (nb - 1);

		n->id_next = ids[b];
		ids[b] = n;
		if (n->name[0] != '\0') {
			b = ng_hash_str(n->name) & (nb - 1);
			n->name_next = names[b];
			names[b] = n;
		}
	}
	free(g->id_hash);
	free(g->name_hash);
	g->id_hash = ids;
	g->name_hash = names;
	g->buckets = nb;
	return 0;
}

static void
ng_name_unhash(struct ng_node *node)
{
	struct ng_graph *g = node->graph;
	struct ng_node **pp;

	if (node->name[0] == '\0')
		return;
	pp = &g->name_hash[ng_hash_str(node->name) & (g->buckets - 1)];
	for (; *pp != NULL; pp = &(*pp)->name_next) {
		if (*pp == node) {
			*pp = node->name_next;
			break;
		}
	}
	node->name_next = NULL;
}

static void
ng_name_hash(struct ng_node *node)
{
	struct ng_graph *g = node->graph;
	unsigned b;

	if (node->name[0] == '\0')
		return;
	b = ng_hash_str(node->name) & (g->buckets - 1);
	node->name_next = g->name_hash[b];
	g->name_hash[b] = node;
}

/* A hook's bucket in the graph's hook-name index: its name mixed with
 * its node's ID, so hooks of one name on many nodes spread out. */
static unsigned
ng_hook_bucket(const struct ng_graph *g, ng_id_t id, const char *name)
{
	uint32_t h = ng_hash_str(name) ^ (id * 2654435761u);

	return (h ^ h >> 16) & (g->hook_buckets - 1);
}

/* Twice the buckets when there are more hooks than buckets; a failed
 * allocation keeps the old table (longer chains, nothing lost). */
static void
ng_hook_hash_grow(struct ng_graph *g)
{
	unsigned nb = g->hook_buckets * 2, old = g->hook_buckets;
	struct ng_hook **t = calloc(nb, sizeof(*t));

	if (t == NULL)
		return;
	g->hook_buckets = nb;
	for (unsigned i = 0; i < old; i++) {
		struct ng_hook *h, *next;

		for (h = g->hook_hash[i]; h != NULL; h = next) {
			unsigned b = ng_hook_bucket(g, h->node->id, h->name);

			next = h->name_next;
			h->name_next = t[b];
			t[b] = h;
		}
	}
	free(g->hook_hash);
	g->hook_hash = t;
}

static void
ng_hook_index(struct ng_hook *hook)
{
	struct ng_graph *g = hook->node->graph;
	unsigned b;

	if (g->nhooks >= g->hook_buckets)
		ng_hook_hash_grow(g);
	b = ng_hook_bucket(g, hook->node->id, hook->name);
	hook->name_next = g->hook_hash[b];
	g->hook_hash[b] = hook;
	g->nhooks++;
}

static void
ng_hook_unindex(struct ng_hook *hook)
{
	struct ng_graph *g = hook->node->graph;
	struct ng_hook **pp;

	pp = &g->hook_hash[ng_hook_bucket(g, hook->node->id, hook->name)];
	for (; *pp != NULL; pp = &(*pp)->name_next) {
		if (*pp == hook) {
			*pp = hook->name_next;
			g->nhooks--;
			break;
		}
	}
	hook->name_next = NULL;
}

/* --- the graph ---------------------------------------------------------- */

static uint64_t
ng_zero_clock(void)
{
	return 0;
}

int
ng_graph_new(const struct ng_graph_cfg *cfg, struct ng_graph **gp)
{
	struct ng_graph *g;
	size_t i, n = 0, nb = 0;

	*gp = NULL;
	g = calloc(1, sizeof(*g));
	if (g == NULL)
		return ENOMEM;
	if (cfg != NULL)
		g->cfg = *cfg;
	if (g->cfg.clock_ms == NULL)
		g->cfg.clock_ms = ng_zero_clock;
	g->next_id = 1;
	g->buckets = 16;
	g->id_hash = calloc(g->buckets, sizeof(*g->id_hash));
	g->name_hash = calloc(g->buckets, sizeof(*g->name_hash));
	g->hook_buckets = 16;
	g->hook_hash = calloc(g->hook_buckets, sizeof(*g->hook_hash));
	g->pool_cap = NG_PKT_POOL_MAX;
	while (g->cfg.types != NULL && g->cfg.types[n] != NULL)
		n++;
	g->types = calloc(n > 0 ? n : 1, sizeof(*g->types));
	/* The caller's table may go; ours ends with a zero cookie too. */
	while (g->cfg.backends != NULL && g->cfg.backends[nb].cookie != 0)
		nb++;
	g->backends = calloc(nb + 1, sizeof(*g->backends));
	if (g->id_hash == NULL || g->name_hash == NULL ||
	    g->hook_hash == NULL || g->types == NULL || g->backends == NULL) {
		ng_graph_free(g);
		return ENOMEM;
	}
	if (nb > 0)
		memcpy(g->backends, g->cfg.backends, nb * sizeof(*g->backends));
	g->cfg.backends = g->backends;
	/* Most recently registered first, as FreeBSD lists them. */
	for (i = 0; i < n; i++)
		g->types[i].type = g->cfg.types[n - 1 - i];
	g->ntypes = n;
	*gp = g;
	return 0;
}

static void ng_hooks_reap(struct ng_graph *g);

void
ng_graph_free(struct ng_graph *g)
{
	struct ng_pkt *p;

	if (g == NULL)
		return;
	while (g->first != NULL) {
		struct ng_node *n = g->first;

		n->flags |= NGF_FORCE;
		ng_rmnode(n);
		/* A node that survived a forced shutdown is a type bug. */
		if (g->first == n)
			break;
	}
	ng_hooks_reap(g);
	while ((p = g->pool_free) != NULL) {
		g->pool_free = p->next;
		free(p);
	}
	free(g->id_hash);
	free(g->name_hash);
	free(g->hook_hash);
	free(g->types);
	free(g->backends);
	free(g);
}

const struct ng_graph_cfg *
ng_graph_cfg(const struct ng_graph *g)
{
	return &g->cfg;
}

/* A linear search: a graph has a backend or two. */
const struct ng_backend *
ng_graph_backend(const struct ng_graph *g, uint32_t cookie)
{
	const struct ng_backend *b;

	for (b = g->backends; b->cookie != 0; b++)
		if (b->cookie == cookie)
			return b;
	return NULL;
}

void
ng_log(struct ng_graph *g, int level, const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	unsigned long held_back;

	if (g->cfg.log == NULL ||
	    !ng_ratelim(&g->log_rl, fmt, g->cfg.clock_ms(), &held_back))
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (held_back > 0)
		g->cfg.log(level, "%s (%lu more like it suppressed)", buf,
		    held_back);
	else
		g->cfg.log(level, "%s", buf);
}

static struct ng_typereg *
ng_find_typereg(struct ng_graph *g, const struct ng_type *t)
{
	for (unsigned i = 0; i < g->ntypes; i++)
		if (g->types[i].type == t)
			return &g->types[i];
	return NULL;
}

const struct ng_type *
ng_find_type(struct ng_graph *g, const char *name)
{
	for (unsigned i = 0; i < g->ntypes; i++)
		if (strcmp(g->types[i].type->name, name) == 0)
			return g->types[i].type;
	return NULL;
}

/* --- the watch (ngd's journal) ----------------------------------------- */

void
ng_graph_set_watch(struct ng_graph *g, const struct ng_graph_watch *w)
{
	g->watch = w;
}

static void
ng_watch_node(struct ng_node *node, enum ng_watch_what what)
{
	const struct ng_graph_watch *w = node->graph->watch;

	if (w != NULL && w->node != NULL)
		w->node(w->arg, node, what);
}

static void
ng_watch_edge(const struct ng_hook *a, const struct ng_hook *b, bool made)
{
	const struct ng_graph_watch *w = a->node->graph->watch;

	if (w != NULL && w->edge != NULL)
		w->edge(w->arg, a, b, made);
}

/* --- nodes -------------------------------------------------------------- */

int
ng_make_node_raw(struct ng_graph *g, const struct ng_type *type,
    struct ng_node **np)
{
	struct ng_node *node;
	struct ng_typereg *tr;
	unsigned b;

	*np = NULL;
	tr = ng_find_typereg(g, type);
	if (tr == NULL)
		return ENXIO;
	if (2 * (g->nnodes + 1) > g->buckets && ng_hash_grow(g) != 0)
		return ENOMEM;
	node = calloc(1, sizeof(*node));
	if (node == NULL)
		return ENOMEM;
	node->type = type;
	node->graph = g;
	node->refs = 1; /* the graph's reference, dropped at shutdown */
	/* IDs never repeat while ngd runs; skip 0 and live IDs on wrap. */
	do {
		node->id = g->next_id++;
	} while (node->id == 0 || ng_find_id(g, node->id) != NULL);
	b = node->id & (g->buckets - 1);
	node->id_next = g->id_hash[b];
	g->id_hash[b] = node;
	node->prev = g->last;
	if (g->last != NULL)
		g->last->next = node;
	else
		g->first = node;
	g->last = node;
	g->nnodes++;
	tr->numnodes++;
	*np = node;
	ng_watch_node(node, NG_WATCH_MADE);
	return 0;
}

int
ng_make_node(struct ng_graph *g, const char *typename, struct ng_node **np)
{
	const struct ng_type *type;
	struct ng_node *node;
	int error;

	*np = NULL;
	type = ng_find_type(g, typename);
	if (type == NULL)
		return ENOENT; /* what FreeBSD's module loader says (DESIGN 6) */
	error = ng_make_node_raw(g, type, &node);
	if (error != 0)
		return error;
	if (type->constructor != NULL) {
		error = type->constructor(node);
		if (error != 0) {
			node->flags |= NGF_FORCE;
			ng_rmnode_nocb(node);
			return error;
		}
	}
	*np = node;
	return 0;
}

static void
ng_unlink_node(struct ng_node *node)
{
	struct ng_graph *g = node->graph;
	struct ng_node **pp;
	struct ng_typereg *tr;

	pp = &g->id_hash[node->id & (g->buckets - 1)];
	for (; *pp != NULL; pp = &(*pp)->id_next) {
		if (*pp == node) {
			*pp = node->id_next;
			break;
		}
	}
	ng_name_unhash(node);
	if (node->prev != NULL)
		node->prev->next = node->next;
	else
		g->first = node->next;
	if (node->next != NULL)
		node->next->prev = node->prev;
	else
		g->last = node->prev;
	node->prev = node->next = NULL;
	g->nnodes--;
	tr = ng_find_typereg(g, node->type);
	if (tr != NULL)
		tr->numnodes--;
	ng_watch_node(node, NG_WATCH_GONE);
}

/* Remove a node whose constructor failed: no type methods run. */
void
ng_rmnode_nocb(struct ng_node *node)
{
	node->flags |= NGF_INVALID | NGF_CLOSING;
	ng_unlink_node(node);
	ng_node_unref(node);
}

void
ng_rmnode(struct ng_node *node)
{
	const struct ng_type *t = node->type;

	if (node->flags & NGF_CLOSING)
		return; /* a second shutdown is ignored */
	ng_node_ref(node);
	node->flags |= NGF_INVALID | NGF_CLOSING;
	if (node->graph->captures != NULL)
		ng_capture_sink_gone(node);
	if (t->close != NULL)
		t->close(node);
	while (node->hooks != NULL)
		ng_rmhook(node->hooks);
	if (t->shutdown != NULL)
		t->shutdown(node);
	if (!(node->flags & NGF_INVALID)) {
		/* A persistent type revived itself. */
		node->flags &= ~(NGF_CLOSING | NGF_FORCE);
		ng_node_unref(node);
		return;
	}
	ng_unlink_node(node);
	node->refs--;        /* the graph's: ours still holds it */
	ng_node_unref(node); /* ours */
}

void
ng_node_ref(struct ng_node *node)
{
	node->refs++;
}

void
ng_node_unref(struct ng_node *node)
{
	if (node != NULL && --node->refs == 0)
		free(node);
}

bool
ng_node_valid(const struct ng_node *node)
{
	return node != NULL && !(node->flags & NGF_INVALID);
}

struct ng_node *
ng_find_id(struct ng_graph *g, ng_id_t id)
{
	struct ng_node *n = g->id_hash[id & (g->buckets - 1)];

	for (; n != NULL; n = n->id_next)
		if (n->id == id)
			return n;
	return NULL;
}

struct ng_node *
ng_find_name(struct ng_graph *g, const char *name)
{
	struct ng_node *n;

	n = g->name_hash[ng_hash_str(name) & (g->buckets - 1)];
	for (; n != NULL; n = n->name_next)
		if (strcmp(n->name, name) == 0)
			return n;
	return NULL;
}

struct ng_node *
ng_first_node(struct ng_graph *g)
{
	return g->first;
}

unsigned
ng_num_nodes(const struct ng_graph *g)
{
	return g->nnodes;
}

uint64_t
ng_topo_gen(const struct ng_graph *g)
{
	return g->topo_gen;
}

void
ng_topo_changed(struct ng_graph *g)
{
	g->topo_gen++;
}

ng_id_t
ng_graph_next_id(const struct ng_graph *g)
{
	return g->next_id;
}

void
ng_graph_set_next_id(struct ng_graph *g, ng_id_t id)
{
	if (id > g->next_id)
		g->next_id = id;
}

bool
ng_decode_id(const char *text, ng_id_t *id)
{
	size_t len = strlen(text);
	unsigned long v;
	char *end;

	if (len < 3 || text[0] != '[' || text[len - 1] != ']' ||
	    !isxdigit((unsigned char)text[1]))
		return false;
	errno = 0;
	v = strtoul(text + 1, &end, 16);
	if (end != text + len - 1 || errno != 0 || v == 0 || v > UINT32_MAX)
		return false;
	*id = (ng_id_t)v;
	return true;
}

bool
ng_name_valid(const char *name)
{
	ng_id_t id;

	if (name[0] == '\0' || strlen(name) > NG_NODELEN)
		return false;
	if (strpbrk(name, ".:") != NULL)
		return false;
	return !ng_decode_id(name, &id);
}

int
ng_name_node(struct ng_node *node, const char *name)
{
	char old[NG_NODESIZ], buf[NG_NODESIZ] = "";
	struct ng_node *other;

	snprintf(buf, sizeof(buf), "%s", name); /* cut at 31 bytes */
	if (!ng_name_valid(buf))
		return EINVAL;
	other = ng_find_name(node->graph, buf);
	if (other == node)
		return 0;
	if (other != NULL)
		return EADDRINUSE;
	memcpy(old, node->name, sizeof(old));
	ng_name_unhash(node);
	memcpy(node->name, buf, sizeof(buf));
	ng_name_hash(node);
	node->graph->topo_gen++;
	ng_watch_node(node, NG_WATCH_RENAMED);
	if (node->type->renamed != NULL)
		node->type->renamed(node, old);
	return 0;
}

/* --- hooks -------------------------------------------------------------- */

struct ng_hook *
ng_find_hook(struct ng_node *node, const char *name)
{
	struct ng_graph *g = node->graph;
	struct ng_hook *h;

	h = g->hook_hash[ng_hook_bucket(g, node->id, name)];
	for (; h != NULL; h = h->name_next)
		if (h->node == node && strcmp(h->name, name) == 0)
			return h;
	return NULL;
}

static int
ng_add_hook(struct ng_node *node, const char *name, struct ng_hook **hp)
{
	struct ng_hook *hook;
	char cut[NG_HOOKSIZ];
	int error;

	*hp = NULL;
	if (!ng_node_valid(node))
		return EINVAL;
	/*
	 * A name is cut to NG_HOOKSIZ - 1 bytes, as FreeBSD's fixed-size
	 * message fields cut it: look for the name the hook will have, or
	 * two names alike in their first 31 bytes make two hooks of one name.
	 */
	snprintf(cut, sizeof(cut), "%s", name);
	if (ng_find_hook(node, cut) != NULL)
		return EEXIST;
	/* On a cache line of its own: ng_send_data's part is one line. */
	hook = aligned_alloc(64, (sizeof(*hook) + 63) & ~(size_t)63);
	if (hook == NULL)
		return ENOMEM;
	memset(hook, 0, sizeof(*hook));
	/* (not memcpy: cut's bytes past its NUL are unset, and replies
	 * copy a hook's name whole) */
	snprintf(hook->name, sizeof(hook->name), "%s", cut);
	hook->node = node;
	if (node->type->newhook != NULL) {
		error = node->type->newhook(node, hook, hook->name);
		if (error != 0) {
			free(hook);
			return error;
		}
	}
	hook->next = node->hooks;
	if (node->hooks != NULL)
		node->hooks->prev = hook;
	node->hooks = hook;
	node->numhooks++;
	ng_hook_index(hook);
	node->graph->topo_gen++;
	*hp = hook;
	return 0;
}

/* Take one end off its node's list. */
static void
ng_unlink_hook(struct ng_hook *hook)
{
	struct ng_node *node = hook->node;

	if (hook->prev != NULL)
		hook->prev->next = hook->next;
	else
		node->hooks = hook->next;
	if (hook->next != NULL)
		hook->next->prev = hook->prev;
	hook->prev = hook->next = NULL;
	ng_hook_unindex(hook);
	node->numhooks--;
	node->graph->topo_gen++;
}

/* A removed hook: freed now, or once no frame is on its way. */
static void
ng_hook_free(struct ng_graph *g, struct ng_hook *h)
{
	if (g->depth > 0) {
		/* Not through next: a flood loop may still walk from h. */
		h->dead_next = g->dead_hooks;
		g->dead_hooks = h;
		return;
	}
	free(h);
}

static void
ng_hooks_reap(struct ng_graph *g)
{
	struct ng_hook *h;

	while ((h = g->dead_hooks) != NULL) {
		g->dead_hooks = h->dead_next;
		free(h);
	}
}

/*
 * An edge from a node to itself: its ends leave and are told one at a
 * time, the far one first.  Both at once, the node had no hook left at
 * the first disconnect, and a type whose node goes with its last hook
 * (hub, bridge, tee, vlan...) shut it down there, so that the second
 * disconnect met a node whose private data was freed.
 */
static void
ng_rmhook_self(struct ng_hook *ends[2])
{
	struct ng_node *node = ends[0]->node;

	ng_node_ref(node);
	for (int i = 0; i < 2; i++) {
		struct ng_hook *h = node->hooks;

		/* The first disconnect may have taken the other end. */
		while (h != NULL && h != ends[i])
			h = h->next;
		if (h == NULL)
			continue;
		ng_unlink_hook(h);
		if (node->type->disconnect != NULL)
			node->type->disconnect(h);
		ng_hook_free(node->graph, h);
	}
	ng_node_unref(node);
}

/*
 * Both ends leave their nodes before either type hears of it, so a
 * disconnect method that shuts its node down (and cascades) never meets
 * a half-removed edge.  The far side is told first, as FreeBSD does.
 */
void
ng_rmhook(struct ng_hook *hook)
{
	struct ng_hook *peer = hook->peer;
	struct ng_hook *ends[2] = { peer, hook };

	hook->node->graph->topo_gen++;
	if (peer != NULL && (hook->flags & NG_HOOK_VALID))
		ng_watch_edge(hook, peer, false);
	if (hook->captures != NULL || (peer != NULL && peer->captures != NULL))
		ng_capture_edge_gone(hook, peer);
	hook->flags &= ~NG_HOOK_VALID;
	hook->peer = NULL;
	if (peer != NULL) {
		peer->flags &= ~NG_HOOK_VALID;
		peer->peer = NULL;
	}
	if (peer != NULL && peer->node == hook->node) {
		ng_rmhook_self(ends);
		return;
	}
	for (int i = 0; i < 2; i++) {
		if (ends[i] == NULL)
			continue;
		ng_unlink_hook(ends[i]);
		ng_node_ref(ends[i]->node);
	}
	for (int i = 0; i < 2; i++) {
		struct ng_hook *h = ends[i];
		struct ng_node *node;

		if (h == NULL)
			continue;
		node = h->node;
		if (node->type->disconnect != NULL)
			node->type->disconnect(h);
		ng_hook_free(node->graph, h);
		ng_node_unref(node);
	}
}

/* Both ends exist and point at each other: run connect callbacks. */
static int
ng_con_part2(struct ng_hook *h1, struct ng_hook *h2)
{
	int error;

	h1->peer = h2;
	h2->peer = h1;
	if (h1->node->type->connect != NULL) {
		error = h1->node->type->connect(h1);
		if (error != 0)
			goto fail;
	}
	if (h2->peer == h1 && h2->node->type->connect != NULL) {
		error = h2->node->type->connect(h2);
		if (error != 0)
			goto fail;
	}
	if (h1->peer != h2)
		return ENXIO; /* a connect callback tore the edge down */
	h1->flags |= NG_HOOK_VALID;
	h2->flags |= NG_HOOK_VALID;
	h1->node->graph->topo_gen++;
	ng_watch_edge(h1, h2, true);
	return 0;
fail:
	if (h1->peer == h2)
		ng_rmhook(h1);
	return error;
}

int
ng_con_nodes(struct ng_node *a, const char *ahook, struct ng_node *b,
    const char *bhook)
{
	struct ng_hook *h1, *h2;
	int error;

	/* The far side's hook name is checked first, as FreeBSD does. */
	if (ng_find_hook(b, bhook) != NULL)
		return EEXIST;
	if (ng_find_hook(a, ahook) != NULL)
		return EEXIST;
	ng_node_ref(a);
	ng_node_ref(b);
	error = ng_add_hook(a, ahook, &h1);
	if (error != 0)
		goto out;
	error = ng_add_hook(b, bhook, &h2);
	if (error != 0) {
		ng_rmhook(h1);
		goto out;
	}
	error = ng_con_part2(h1, h2);
out:
	ng_node_unref(a);
	ng_node_unref(b);
	return error;
}

static int
ng_mkpeer(struct ng_node *node, const char *ourhook, const char *peerhook,
    const char *type)
{
	struct ng_node *node2;
	struct ng_hook *h1, *h2;
	int error;

	error = ng_make_node(node->graph, type, &node2);
	if (error != 0)
		return error;
	ng_node_ref(node);
	ng_node_ref(node2);
	error = ng_add_hook(node, ourhook, &h1);
	if (error != 0) {
		ng_rmnode(node2);
		goto out;
	}
	error = ng_add_hook(node2, peerhook, &h2);
	if (error != 0) {
		ng_rmhook(h1);
		ng_rmnode(node2);
		goto out;
	}
	error = ng_con_part2(h1, h2);
	if (error != 0)
		ng_rmnode(node2);
out:
	ng_node_unref(node2);
	ng_node_unref(node);
	return error;
}

int
ng_bypass(struct ng_hook *a, struct ng_hook *b)
{
	struct ng_hook *pa = a->peer, *pb = b->peer;

	if (pa == NULL || pb == NULL || !ng_node_valid(pa->node) ||
	    !ng_node_valid(pb->node))
		return ENOTCONN;
	if (a->flags & NG_HOOK_VALID)
		ng_watch_edge(a, pa, false);
	if (b->flags & NG_HOOK_VALID)
		ng_watch_edge(b, pb, false);
	/* Swap the far ends onto each other, then drop the middle. */
	ng_hookstat_repeer(pa, pb);
	ng_hookstat_repeer(pb, pa);
	a->peer = b;
	b->peer = a;
	a->flags &= ~NG_HOOK_VALID;
	b->flags &= ~NG_HOOK_VALID;
	pa->peer = pb;
	pb->peer = pa;
	a->node->graph->topo_gen++;
	ng_watch_edge(pa, pb, true);
	ng_capture_flags(pa); /* and pb */
	return 0;
}

/* --- addressing --------------------------------------------------------- */

/*
 * Split an address into node and hook path (spec §3.1).  buf is a private
 * copy that the pieces point into.
 */
static int
ng_path_parse(char *buf, char **nodep, char **pathp)
{
	char *colon = strchr(buf, ':'), *node = NULL, *path = buf;
	size_t len;

	if (colon != NULL) {
		*colon = '\0';
		node = buf;
		path = colon + 1;
		if (node[0] == '\0')
			return EINVAL;
		if (strchr(node, '.') != NULL && strcmp(node, ".") != 0)
			return EINVAL;
	}
	if (strchr(path, ':') != NULL || strstr(path, "..") != NULL)
		return EINVAL;
	if (path[0] == '.')
		path++;
	len = strlen(path);
	if (len > 0 && path[len - 1] == '.')
		path[--len] = '\0';
	*nodep = node;
	*pathp = len > 0 ? path : NULL;
	return 0;
}

int
ng_path2node(struct ng_node *here, const char *address, struct ng_node **np,
    struct ng_hook **lasthook)
{
	return ng_path2node_g(here->graph, here, address, np, lasthook);
}

int
ng_path2node_g(struct ng_graph *g, struct ng_node *here, const char *address,
    struct ng_node **np, struct ng_hook **lasthook)
{
	char buf[NG_PATHSIZ], *nodename, *path, *seg;
	struct ng_node *node;
	struct ng_hook *hook = NULL;
	ng_id_t id;
	int error;

	*np = NULL;
	if (lasthook != NULL)
		*lasthook = NULL;
	if (strlen(address) >= sizeof(buf))
		return EINVAL;
	strcpy(buf, address);
	error = ng_path_parse(buf, &nodename, &path);
	if (error != 0)
		return error;
	if (nodename == NULL || strcmp(nodename, ".") == 0)
		node = here;
	else if (ng_decode_id(nodename, &id))
		node = ng_find_id(g, id);
	else
		node = ng_find_name(g, nodename);
	if (node == NULL)
		return ENOENT;
	if (!ng_node_valid(node))
		return ENXIO;
	for (seg = path; seg != NULL;) {
		char *dot = strchr(seg, '.');

		if (dot != NULL)
			*dot = '\0';
		hook = ng_find_hook(node, seg);
		if (hook == NULL || !(hook->flags & NG_HOOK_VALID) ||
		    hook->peer == NULL)
			return ENOENT;
		hook = hook->peer;
		node = hook->node;
		if (!ng_node_valid(node))
			return ENXIO;
		seg = dot != NULL ? dot + 1 : NULL;
	}
	ng_node_ref(node);
	*np = node;
	if (lasthook != NULL)
		*lasthook = hook;
	return 0;
}

/* --- messages ----------------------------------------------------------- */

struct ng_mesg *
ng_mkmsg(uint32_t cookie, uint32_t cmd, size_t arglen)
{
	struct ng_mesg *m = calloc(1, sizeof(*m) + arglen + 1);

	if (m == NULL)
		return NULL;
	NG_MKMESSAGE_HDR(m, cookie, cmd, arglen);
	return m;
}

struct ng_mesg *
ng_mkresponse(const struct ng_mesg *req, size_t arglen)
{
	struct ng_mesg *m = calloc(1, sizeof(*m) + arglen + 1);

	if (m == NULL)
		return NULL;
	m->header = req->header;
	m->header.arglen = arglen;
	m->header.flags |= NGF_RESP;
	return m;
}

static void
ng_fill_nodeinfo(const struct ng_node *n, struct nodeinfo *ni)
{
	memset(ni, 0, sizeof(*ni));
	memcpy(ni->name, n->name, sizeof(ni->name));
	snprintf(ni->type, sizeof(ni->type), "%s", n->type->name);
	ni->id = n->id;
	ni->hooks = n->numhooks;
}

static int
ng_msg_listhooks(struct ng_node *node, const struct ng_mesg *msg,
    struct ng_mesg **resp)
{
	struct hooklist *hl;
	struct ng_hook *h;
	unsigned n = 0;

	for (h = node->hooks; h != NULL; h = h->next)
		if (h->flags & NG_HOOK_VALID)
			n++;
	*resp = ng_mkresponse(msg, sizeof(*hl) + n * sizeof(hl->link[0]));
	if (*resp == NULL)
		return ENOMEM;
	hl = (struct hooklist *)(*resp)->data;
	ng_fill_nodeinfo(node, &hl->nodeinfo);
	n = 0;
	for (h = node->hooks; h != NULL; h = h->next) {
		struct linkinfo *li = &hl->link[n];

		if (!(h->flags & NG_HOOK_VALID))
			continue;
		memcpy(li->ourhook, h->name, sizeof(li->ourhook));
		memcpy(li->peerhook, h->peer->name, sizeof(li->peerhook));
		ng_fill_nodeinfo(h->peer->node, &li->nodeinfo);
		n++;
	}
	hl->nodeinfo.hooks = n;
	return 0;
}

static int
ng_msg_listnodes(struct ng_graph *g, const struct ng_mesg *msg, bool named,
    struct ng_mesg **resp)
{
	struct namelist *nl;
	struct ng_node *n;
	unsigned cnt = 0;

	for (n = g->first; n != NULL; n = n->next)
		if (ng_node_valid(n) && (!named || n->name[0] != '\0'))
			cnt++;
	*resp = ng_mkresponse(msg, sizeof(*nl) + cnt * sizeof(nl->nodeinfo[0]));
	if (*resp == NULL)
		return ENOMEM;
	nl = (struct namelist *)(*resp)->data;
	for (n = g->first; n != NULL; n = n->next)
		if (ng_node_valid(n) && (!named || n->name[0] != '\0'))
			ng_fill_nodeinfo(n, &nl->nodeinfo[nl->numnames++]);
	return 0;
}

static int
ng_msg_listtypes(struct ng_graph *g, const struct ng_mesg *msg,
    struct ng_mesg **resp)
{
	struct typelist *tl;

	*resp = ng_mkresponse(msg,
	    sizeof(*tl) + g->ntypes * sizeof(tl->typeinfo[0]));
	if (*resp == NULL)
		return ENOMEM;
	tl = (struct typelist *)(*resp)->data;
	tl->numtypes = g->ntypes;
	for (unsigned i = 0; i < g->ntypes; i++) {
		snprintf(tl->typeinfo[i].type_name, NG_TYPESIZ, "%s",
		    g->types[i].type->name);
		tl->typeinfo[i].numnodes = g->types[i].numnodes;
	}
	return 0;
}

/* Copy a fixed-size char field and make sure it is terminated. */
#define NG_TERMINATE(field) ((field)[sizeof(field) - 1] = '\0')

static int
ng_generic_msg(struct ng_node *node, const struct ng_msgctx *ctx,
    struct ng_mesg *msg, struct ng_mesg **resp)
{
	struct ng_graph *g = node->graph;
	uint32_t len = msg->header.arglen;
	int error = 0;

	switch (msg->header.cmd) {
	case NGM_SHUTDOWN:
		ng_rmnode(node);
		break;
	case NGM_MKPEER: {
		struct ngm_mkpeer *mp = (struct ngm_mkpeer *)msg->data;

		if (len != sizeof(*mp))
			return EINVAL;
		NG_TERMINATE(mp->type);
		NG_TERMINATE(mp->ourhook);
		NG_TERMINATE(mp->peerhook);
		error = ng_mkpeer(node, mp->ourhook, mp->peerhook, mp->type);
		break;
	}
	case NGM_CONNECT: {
		struct ngm_connect *con = (struct ngm_connect *)msg->data;
		struct ng_node *node2;

		if (len != sizeof(*con))
			return EINVAL;
		NG_TERMINATE(con->path);
		NG_TERMINATE(con->ourhook);
		NG_TERMINATE(con->peerhook);
		error = ng_path2node(node, con->path, &node2, NULL);
		if (error != 0)
			return error;
		error = ng_con_nodes(node, con->ourhook, node2, con->peerhook);
		ng_node_unref(node2);
		break;
	}
	case NGM_NAME: {
		struct ngm_name *nam = (struct ngm_name *)msg->data;

		if (len != sizeof(*nam))
			return EINVAL;
		NG_TERMINATE(nam->name);
		error = ng_name_node(node, nam->name);
		break;
	}
	case NGM_RMHOOK: {
		struct ngm_rmhook *rm = (struct ngm_rmhook *)msg->data;
		struct ng_hook *hook;

		if (len != sizeof(*rm))
			return EINVAL;
		NG_TERMINATE(rm->ourhook);
		hook = ng_find_hook(node, rm->ourhook);
		if (hook != NULL)
			ng_rmhook(hook);
		break;
	}
	case NGM_NODEINFO:
		*resp = ng_mkresponse(msg, sizeof(struct nodeinfo));
		if (*resp == NULL)
			return ENOMEM;
		ng_fill_nodeinfo(node, (struct nodeinfo *)(*resp)->data);
		break;
	case NGM_LISTHOOKS:
		error = ng_msg_listhooks(node, msg, resp);
		break;
	case NGM_LISTNAMES:
	case NGM_LISTNODES:
		error = ng_msg_listnodes(g, msg,
		    msg->header.cmd == NGM_LISTNAMES, resp);
		break;
	case NGM_LISTTYPES:
		error = ng_msg_listtypes(g, msg, resp);
		break;
	case NGM_ASCII2BINARY:
		error = ng_msg_ascii2binary(node, msg, resp);
		break;
	case NGM_BINARY2ASCII:
		error = ng_msg_binary2ascii(node, msg, resp);
		break;
	case NGM_TEXT_STATUS:
	case NGM_TEXT_CONFIG:
		if (node->type->rcvmsg == NULL)
			return EINVAL;
		error = node->type->rcvmsg(node, ctx, msg, resp);
		break;
	default:
		error = EINVAL;
		break;
	}
	return error;
}

int
ng_deliver_msg(struct ng_node *node, const struct ng_msgctx *ctx,
    struct ng_mesg *msg)
{
	struct ng_graph *g = node->graph;
	struct ng_mesg *resp = NULL;
	struct ng_node *ret;
	int error;

	if (msg->header.version != NG_VERSION)
		return EINVAL;
	if (!ng_node_valid(node))
		return ENXIO;
	ng_node_ref(node);
	if (msg->header.typecookie == NGM_GENERIC_COOKIE &&
	    !(msg->header.flags & NGF_RESP))
		error = ng_generic_msg(node, ctx, msg, &resp);
	else if (msg->header.typecookie == NGM_HOOKSTAT_COOKIE &&
	    !(msg->header.flags & NGF_RESP))
		error = ng_hookstat_msg(node, ctx, msg, &resp);
	else if (node->type->rcvmsg != NULL)
		error = node->type->rcvmsg(node, ctx, msg, &resp);
	else
		error = EINVAL;
	if (resp != NULL) {
		ret = ng_find_id(g, ctx->retaddr);
		if (error == 0 && ret != NULL && ng_node_valid(ret)) {
			struct ng_msgctx rctx = { .retaddr = node->id };

			resp->header.flags |= NGF_RESP;
			struct ng_mesg *unused = NULL;

			ng_node_ref(ret);
			if (ret->type->rcvmsg != NULL)
				(void)ret->type->rcvmsg(ret, &rctx, resp,
				    &unused);
			ng_node_unref(ret);
			free(unused); /* a reply to a reply goes nowhere */
		}
		free(resp);
	}
	ng_node_unref(node);
	return error;
}

int
ng_send_msg(struct ng_node *from, const char *address, struct ng_mesg *msg)
{
	struct ng_msgctx ctx = { .retaddr = from->id };
	struct ng_node *dest;
	int error;

	error = ng_path2node(from, address, &dest, &ctx.lasthook);
	if (error != 0)
		return error;
	error = ng_deliver_msg(dest, &ctx, msg);
	ng_node_unref(dest);
	return error;
}

int
ng_send_hook_msg(struct ng_hook *hook, struct ng_mesg *msg)
{
	struct ng_msgctx ctx;

	if (hook == NULL || hook->peer == NULL)
		return ENOTCONN;
	ctx.retaddr = hook->node->id;
	ctx.lasthook = hook->peer;
	return ng_deliver_msg(hook->peer->node, &ctx, msg);
}

/* --- data --------------------------------------------------------------- */

/*
 * Per-hook counters: two adds per frame, on the sending hook's first
 * cache line, which the send reads anyway (struct ng_hook_stats says
 * how the receiving end's figures come from them).  A refusal is counted
 * behind the test of rcvdata's result that the send makes anyway, with
 * or without counters.  bench/watch builds a graph_bench and an ngd with
 * -DNG_NO_HOOKSTATS to measure what they cost: four instructions a send.
 */
#ifdef NG_NO_HOOKSTATS
#define NG_COUNT(counter, n) ((void)0)
#else
#define NG_COUNT(counter, n) ((counter) += (n))
#endif

/*
 * peer's node refused a frame (rcvdata failed): counted, and the frame
 * freed if the method left it.  Out of line: the send's only test after
 * the method is of its result.
 */
static __attribute__((noinline, cold)) void
ng_send_refused(struct ng_hook *peer, struct ng_pkt **pkt)
{
	NG_COUNT(peer->stats.recv_drops, 1);
	(void)peer;
	ng_pkt_free(pkt);
}

int
ng_send_data(struct ng_hook *hook, struct ng_pkt **pkt)
{
	struct ng_hook *peer;
	struct ng_graph *g;
	int error;

	if (hook == NULL)
		goto drop;
	if (!(hook->flags & NG_HOOK_VALID) || (peer = hook->peer) == NULL ||
	    !ng_node_valid(peer->node)) {
		NG_COUNT(hook->stats.xmit_drops, 1);
		goto drop;
	}
	g = peer->node->graph;
	if (g->depth == 0)
		g->frame_sends = g->sends; /* a new frame enters the graph */
	if (g->depth >= NG_MAX_DEPTH ||
	    g->sends - g->frame_sends >= NG_MAX_SENDS) {
		NG_COUNT(hook->stats.xmit_drops, 1);
		ng_pkt_free(pkt);
		return ELOOP;
	}
	/* The kernel fast path's per-CPU sums are added to these where
	 * they are read (ng_hookstat.c), not here. */
	NG_COUNT(hook->stats.xmit_frames, 1);
	NG_COUNT(hook->stats.xmit_octets, (*pkt)->len);
	if (__builtin_expect(hook->flags & NG_HOOK_CAPTURED, 0))
		ng_capture_copy(hook, peer, *pkt);
	if (peer->node->type->rcvdata == NULL) {
		NG_COUNT(peer->stats.recv_drops, 1);
		ng_pkt_free(pkt);
		return 0;
	}
	g->sends++;
	g->depth++;
	error = peer->node->type->rcvdata(peer, pkt);
	g->depth--;
	/* A method that succeeds has consumed the frame (ng_type); one
	 * that fails may have left it.  The sanitizer builds (the ASan unit
	 * tests), and any built with -DNG_CHECK_CONSUMED, check the first,
	 * which costs a load and a test a send. */
	if (__builtin_expect(error != 0, 0))
		ng_send_refused(peer, pkt);
#if defined(__SANITIZE_ADDRESS__) || defined(NG_CHECK_CONSUMED)
	else if (*pkt != NULL) {
		fprintf(stderr, "%s: rcvdata returned 0 and left the frame\n",
		    peer->node->type->name);
		abort();
	}
#endif
	if (__builtin_expect(g->depth == 0 && g->dead_hooks != NULL, 0))
		ng_hooks_reap(g);
	return error;
drop:
	ng_pkt_free(pkt);
	return ENOTCONN;
}

uint64_t
ng_sends(const struct ng_graph *g)
{
	return g->sends;
}

struct ng_pkt *
ng_pkt_alloc(struct ng_graph *g)
{
	struct ng_pkt *p = g->pool_free;

	if (p != NULL) {
		g->pool_free = p->next;
	} else {
		if (g->pool_total >= g->pool_cap)
			return NULL;
		p = malloc(sizeof(*p));
		if (p == NULL)
			return NULL;
		g->pool_total++;
	}
	memset(&p->vh, 0, sizeof(p->vh));
	p->peer.len = 0;
	p->data = p->buf + NG_PKT_HEADROOM;
	p->len = 0;
	p->vlan_tag = 0;
	p->vlan_tagged = false;
	p->refs = 1;
	p->graph = g;
	p->next = NULL;
	return p;
}

void
ng_pkt_free(struct ng_pkt **pp)
{
	struct ng_pkt *p = *pp;

	*pp = NULL;
	if (p == NULL || --p->refs > 0)
		return;
	p->next = p->graph->pool_free;
	p->graph->pool_free = p;
}

struct ng_pkt *
ng_pkt_ref(struct ng_pkt *pkt)
{
	pkt->refs++;
	return pkt;
}

int
ng_pkt_writable(struct ng_pkt **pp)
{
	struct ng_pkt *old = *pp, *p;

	if (old->refs == 1)
		return 0;
	p = ng_pkt_alloc(old->graph);
	if (p == NULL) {
		ng_pkt_free(pp);
		return ENOBUFS;
	}
	p->vh = old->vh;
	p->peer = old->peer;
	p->vlan_tag = old->vlan_tag;
	p->vlan_tagged = old->vlan_tagged;
	p->data = p->buf + (old->data - old->buf);
	p->len = old->len;
	memcpy(p->data, old->data, old->len);
	ng_pkt_free(pp);
	*pp = p;
	return 0;
}

/* --- time --------------------------------------------------------------- */

uint64_t
ng_now_ms(struct ng_graph *g)
{
	return g->cfg.clock_ms();
}

uint64_t
ng_random64(struct ng_graph *g)
{
	uint64_t z;

	if (g->cfg.random64 != NULL)
		return g->cfg.random64();
	/* splitmix64 of the clock and a count */
	z = g->cfg.clock_ms() + (++g->random_calls) * 0x9e3779b97f4a7c15ull;
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

void
ng_timer_stop(struct ng_graph *g, struct ng_timer *t)
{
	struct ng_timer **pp;

	if (!t->armed)
		return;
	for (pp = &g->timers; *pp != NULL; pp = &(*pp)->next) {
		if (*pp == t) {
			*pp = t->next;
			break;
		}
	}
	t->armed = false;
	t->next = NULL;
}

void
ng_timer_start(struct ng_graph *g, struct ng_timer *t, uint64_t ms,
    void (*fn)(struct ng_node *, void *), struct ng_node *node, void *arg)
{
	struct ng_timer **pp;

	ng_timer_stop(g, t);
	t->when = ng_now_ms(g) + ms;
	t->fn = fn;
	t->node = node;
	t->arg = arg;
	for (pp = &g->timers; *pp != NULL && (*pp)->when <= t->when;
	     pp = &(*pp)->next)
		;
	t->next = *pp;
	*pp = t;
	t->armed = true;
}

int64_t
ng_timers_run(struct ng_graph *g)
{
	uint64_t now = ng_now_ms(g);
	struct ng_timer *t;
	unsigned due = 0;

	/*
	 * Only those due as the run begins: a timer armed anew for now
	 * from a run (a pipe whose frames spent a turn's deliveries,
	 * NG_BATCH_SENDS) goes after the due ones, and waits for the next
	 * run, after the loop's other sources.  O(due).
	 */
	for (t = g->timers; t != NULL && t->when <= now; t = t->next)
		due++;
	while (due-- > 0 && (t = g->timers) != NULL && t->when <= now) {
		struct ng_node *node = t->node;

		g->timers = t->next;
		t->armed = false;
		t->next = NULL;
		ng_node_ref(node);
		t->fn(node, t->arg);
		ng_node_unref(node);
	}
	if (g->timers == NULL)
		return -1;
	if (g->timers->when <= now)
		return 0;
	return (int64_t)(g->timers->when - now);
}

/* --- interface-backed nodes --------------------------------------------- */

void
ng_netdev_input(struct ng_node *node, struct ng_pkt **pkt)
{
	if (ng_node_valid(node) && node->type->netdev != NULL)
		node->type->netdev->input(node, pkt);
	ng_pkt_free(pkt);
}

void
ng_netdev_gone(struct ng_node *node)
{
	if (ng_node_valid(node) && node->type->netdev != NULL)
		ng_ifdev_gone(node);
}

void
ng_netdev_vnet_home(struct ng_node *node)
{
	if (ng_node_valid(node) && node->type->netdev != NULL)
		ng_ifdev_vnet_home(node);
}

void
ng_netdev_sync_name(struct ng_node *node)
{
	if (ng_node_valid(node) && node->type->netdev != NULL)
		ng_ifdev_sync(node);
}

/* --- saving a node's settings (types' save methods) ---------------------- */

int
ng_save_getset(struct ng_node *node, uint32_t cookie, uint32_t get,
    uint32_t set, ng_save_fn *emit, void *arg)
{
	struct ng_msgctx ctx = { .retaddr = 0 };
	struct ng_mesg *req, *resp = NULL;
	int error;

	if ((req = ng_mkmsg(cookie, get, 0)) == NULL)
		return ENOMEM;
	error = node->type->rcvmsg(node, &ctx, req, &resp);
	free(req);
	if (error == 0 && resp == NULL)
		error = EINVAL;
	if (error == 0) {
		resp->header.flags &= ~NGF_RESP;
		resp->header.cmd = set;
		error = emit(arg, node, resp);
	}
	free(resp);
	return error;
}

int
ng_save_cmd(struct ng_node *node, uint32_t cookie, uint32_t cmd,
    ng_save_fn *emit, void *arg)
{
	struct ng_mesg *m = ng_mkmsg(cookie, cmd, 0);
	int error;

	if (m == NULL)
		return ENOMEM;
	error = emit(arg, node, m);
	free(m);
	return error;
}
