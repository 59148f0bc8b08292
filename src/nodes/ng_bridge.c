/*
 * ng_bridge.c: the bridge node, a learning Ethernet switch (spec §9.5).
 * Hooks: linkN (learns source MACs) and uplinkN (never learns new hosts,
 * always gets unknown unicast).  Messages: setconfig, getconfig, reset,
 * getstats, clrstats, getclrstats, gettable, setpersistent, movehost,
 * and ours, setmaxhosts and getmaxhosts.
 * Dies when its last hook goes, unless persistent.
 *
 * Costs: a frame to a known host is one hash lookup per address; a flood
 * walks the hook list and hands every port a reference to the same
 * packet, never a copy.  getstats finds a link through an array indexed
 * by link number (numbers below NG_BRIDGE_LINKV_MAX; larger ones, which
 * nobody uses in practice, are found by walking the hooks).  The host
 * table holds at most maxhosts entries (NG_BRIDGE_MAX_HOSTS unless
 * setmaxhosts says otherwise) taken from a free list that grows in
 * chunks, so a flood of new source MACs costs no malloc per frame and
 * bounded memory.  A once-a-second timer ages the table: a host keeps the
 * tick it was last heard and the one it was learned or moved at, so
 * ageing costs nothing per host; the table is walked only at the tick
 * its oldest host's staleness reaches maxStaleness (an idle bridge of
 * 100,000 hosts walked them every second).  Once the table holds
 * under a quarter of the entries its chunks have room for, the hosts
 * move into as few new chunks as they fill and the old ones are freed
 * (ng_bridge_compact), so that a flood aged out gives its memory back.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include <netgraph/ng_bridge.h>

#include "ng_core.h"
#include "ng_parse.h"

#define NG_BRIDGE_MIN_BUCKETS 32 /* hash table size, a power of two */
/* As many buckets as hosts, up to the most hosts a bridge may have:
 * chains stay short, so 100,000 hosts cost a lookup no more than two. */
#define NG_BRIDGE_MAX_BUCKETS NG_BRIDGE_MAX_HOSTS_LIMIT
#define NG_BRIDGE_HOST_CHUNK 256 /* host entries malloc'd at a time */
#define NG_BRIDGE_KEEP_CHUNKS 4  /* never compacted below this (1,024) */
#define NG_BRIDGE_LINKV_MAX 4096 /* link numbers kept in the array */
#define NG_BRIDGE_TICK_MS 1000

#define ETHER_ADDR_LEN 6
#define ETHER_HDR_LEN 14

/* One port. */
struct ng_bridge_link {
	struct ng_hook *hook;
	uint32_t num;
	bool uplink;
	bool learn;          /* learns the source MACs it receives */
	bool send_unknown;   /* gets unicast to unknown hosts */
	uint32_t loop_count; /* seconds left muted after a loop */
	struct ng_bridge_link_stats stats;
};

/* A learned host. */
struct ng_bridge_hent {
	struct ng_bridge_hent *next; /* bucket chain, or the free list */
	struct ng_bridge_link *link;
	uint8_t addr[ETHER_ADDR_LEN];
	/* Ticks (priv->ticks) when learned or moved, and last heard from:
	 * the age and staleness are how many have passed since. */
	uint32_t born, heard;
};

struct ng_bridge_chunk {
	struct ng_bridge_chunk *next;
	struct ng_bridge_hent ent[NG_BRIDGE_HOST_CHUNK];
};

struct ng_bridge_priv {
	struct ng_node *node;
	struct ng_bridge_config conf;
	struct ng_bridge_hent **tab; /* hash buckets */
	unsigned nbuckets;           /* a power of two */
	uint64_t hash_key;
	unsigned nhosts;
	uint32_t maxhosts;            /* learn no more than this */
	struct ng_bridge_hent *hfree; /* unused entries */
	struct ng_bridge_chunk *chunks;
	unsigned nchunks;
	unsigned nlinks; /* hooks, links and uplinks together */
	bool persistent;
	bool send_unknown; /* false: restrictive mode (first hook an uplink) */
	/* link number -> port, one array for linkN and one for uplinkN */
	struct ng_bridge_link **linkv[2];
	unsigned linkv_len[2];
	struct ng_timer timer;
	uint64_t last_tick; /* ms, engine clock */
	/* Seconds of ng_bridge_timeout, and the tick of the next walk for
	 * stale hosts: none can reach maxStaleness before it. */
	uint32_t ticks, sweep;
	uint64_t gen;   /* moves when hosts or mutes change (switching) */
	bool full_said; /* "host table full" logged (ng_bridge_unlearned) */
};

static const uint8_t ng_bridge_bcast[ETHER_ADDR_LEN] = { 0xff, 0xff, 0xff, 0xff,
	0xff, 0xff };

static void ng_bridge_timeout(struct ng_node *node, void *arg);

static const char *
ng_bridge_nodename(const struct ng_node *node, char *buf, size_t len)
{
	if (node->name[0] != '\0')
		snprintf(buf, len, "%s", node->name);
	else
		snprintf(buf, len, "[%x]", node->id);
	return buf;
}

/* --- the host table ----------------------------------------------------- */

/*
 * Keyed per bridge: source addresses come from the wire, and with a
 * known hash one who sends from addresses chosen to share a bucket (for
 * the plain Fibonacci hash, 20,000 of them at any table size) makes every
 * frame walk that chain.  The mix is splitmix64's finalizer.
 */
static unsigned
ng_bridge_hash(uint64_t key, const uint8_t *a, unsigned nbuckets)
{
	uint64_t v = (uint64_t)a[0] << 40 | (uint64_t)a[1] << 32 |
	    (uint64_t)a[2] << 24 | (uint64_t)a[3] << 16 | (uint64_t)a[4] << 8 |
	    a[5];

	v ^= key;
	v = (v ^ (v >> 30)) * 0xbf58476d1ce4e5b9ull;
	v = (v ^ (v >> 27)) * 0x94d049bb133111ebull;
	v ^= v >> 31;
	return (unsigned)v & (nbuckets - 1);
}

static struct ng_bridge_hent *
ng_bridge_get(const struct ng_bridge_priv *priv, const uint8_t *addr)
{
	struct ng_bridge_hent *h;

	h = priv->tab[ng_bridge_hash(priv->hash_key, addr, priv->nbuckets)];
	for (; h != NULL; h = h->next)
		if (memcmp(h->addr, addr, ETHER_ADDR_LEN) == 0)
			return h;
	return NULL;
}

/*
 * Keep the load factor between 1/4 and 1.  Failing to allocate is fine:
 * the table still works, and the next change tries again.
 */
static void
ng_bridge_rehash(struct ng_bridge_priv *priv)
{
	struct ng_bridge_hent **tab, *h;
	unsigned nb, i;

	if (priv->nhosts > priv->nbuckets &&
	    priv->nbuckets * 2 <= NG_BRIDGE_MAX_BUCKETS)
		nb = priv->nbuckets * 2;
	else if (priv->nhosts < priv->nbuckets / 4 &&
	    priv->nbuckets / 4 >= NG_BRIDGE_MIN_BUCKETS)
		nb = priv->nbuckets / 4;
	else
		return;
	tab = calloc(nb, sizeof(*tab));
	if (tab == NULL)
		return;
	for (i = 0; i < priv->nbuckets; i++) {
		while ((h = priv->tab[i]) != NULL) {
			unsigned b = ng_bridge_hash(priv->hash_key, h->addr,
			    nb);

			priv->tab[i] = h->next;
			h->next = tab[b];
			tab[b] = h;
		}
	}
	if (priv->conf.debugLevel >= 3) {
		char name[NG_NODESIZ + 2];

		ng_log(priv->node->graph, LOG_INFO,
		    "ng_bridge: %s: table size %u -> %u",
		    ng_bridge_nodename(priv->node, name, sizeof(name)),
		    priv->nbuckets, nb);
	}
	free(priv->tab);
	priv->tab = tab;
	priv->nbuckets = nb;
}

static struct ng_bridge_hent *
ng_bridge_hent_alloc(struct ng_bridge_priv *priv)
{
	struct ng_bridge_hent *h;

	if (priv->nhosts >= priv->maxhosts)
		return NULL;
	if (priv->hfree == NULL) {
		struct ng_bridge_chunk *c = malloc(sizeof(*c));

		if (c == NULL)
			return NULL;
		c->next = priv->chunks;
		priv->chunks = c;
		priv->nchunks++;
		for (unsigned i = 0; i < NG_BRIDGE_HOST_CHUNK; i++) {
			c->ent[i].next = priv->hfree;
			priv->hfree = &c->ent[i];
		}
	}
	h = priv->hfree;
	priv->hfree = h->next;
	return h;
}

static void
ng_bridge_hent_free(struct ng_bridge_priv *priv, struct ng_bridge_hent *h)
{
	h->next = priv->hfree;
	priv->hfree = h;
	priv->nhosts--;
	if (priv->nhosts <= priv->maxhosts / 4 * 3)
		priv->full_said = false; /* a quarter free: said again */
}

/*
 * n new sources that link's frames brought and the full table did not
 * take (here, or in the kernel's mirror): counted in memoryFailures, and
 * said once until a quarter of the table is free again, so that a flood
 * of random source MACs (which stops learning on every port until its
 * hosts age out) is in the log, and costs one line.
 */
static void
ng_bridge_unlearned(struct ng_bridge_priv *priv, struct ng_bridge_link *link,
    uint64_t n)
{
	char name[NG_NODESIZ + 2];

	if (n == 0)
		return;
	link->stats.memoryFailures += n;
	if (priv->full_said)
		return;
	priv->full_said = true;
	ng_log(priv->node->graph, LOG_WARNING,
	    "ng_bridge: %s: host table full (%u hosts): new hosts are not "
	    "learned, first on %s",
	    ng_bridge_nodename(priv->node, name, sizeof(name)), priv->maxhosts,
	    link->hook->name);
}

/*
 * After the table shrank to under a quarter of its chunks' room (and
 * more than NG_BRIDGE_KEEP_CHUNKS of them): move the hosts into just as
 * many new chunks as they fill, free the old ones.  Every entry is
 * pointed to by its bucket chain only, and no pointer to one outlives a
 * call, so the chains are relinked in place.  O(hosts + buckets), at
 * most once for three quarters of the room emptied: a flood refilling
 * the table grows it chunk by chunk again, and a table that swings
 * between full and a third full never moves.  Out of memory, nothing
 * moves.
 */
static void
ng_bridge_compact(struct ng_bridge_priv *priv)
{
	struct ng_bridge_chunk *c, *fresh = NULL;
	struct ng_bridge_hent *hfree = NULL;
	unsigned want, i;

	if (priv->nchunks <= NG_BRIDGE_KEEP_CHUNKS ||
	    priv->nhosts >= priv->nchunks * (NG_BRIDGE_HOST_CHUNK / 4))
		return;
	want = (priv->nhosts + NG_BRIDGE_HOST_CHUNK - 1) / NG_BRIDGE_HOST_CHUNK;
	if (want == 0)
		want = 1;
	for (i = 0; i < want; i++) {
		if ((c = malloc(sizeof(*c))) == NULL) {
			while ((c = fresh) != NULL) {
				fresh = c->next;
				free(c);
			}
			return;
		}
		c->next = fresh;
		fresh = c;
		for (unsigned k = 0; k < NG_BRIDGE_HOST_CHUNK; k++) {
			c->ent[k].next = hfree;
			hfree = &c->ent[k];
		}
	}
	for (i = 0; i < priv->nbuckets; i++) {
		for (struct ng_bridge_hent **pp = &priv->tab[i]; *pp != NULL;
		     pp = &(*pp)->next) {
			struct ng_bridge_hent *h = hfree;

			hfree = h->next;
			*h = **pp;
			*pp = h;
		}
	}
	while ((c = priv->chunks) != NULL) {
		priv->chunks = c->next;
		free(c);
	}
	priv->chunks = fresh;
	priv->nchunks = want;
	priv->hfree = hfree;
	if (priv->conf.debugLevel >= 3) {
		char name[NG_NODESIZ + 2];

		ng_log(priv->node->graph, LOG_INFO,
		    "ng_bridge: %s: host entries for %u hosts in %u chunks",
		    ng_bridge_nodename(priv->node, name, sizeof(name)),
		    priv->nhosts, want);
	}
}

/* A host's age and staleness in ticks, as FreeBSD's counters had them
 * (its age saturating at 0xffff). */
static uint32_t
ng_bridge_age(const struct ng_bridge_priv *priv, const struct ng_bridge_hent *h)
{
	uint32_t a = priv->ticks - h->born;

	return a > 0xffff ? 0xffff : a;
}

static uint32_t
ng_bridge_staleness(const struct ng_bridge_priv *priv,
    const struct ng_bridge_hent *h)
{
	return priv->ticks - h->heard;
}

/* h was last heard stale ticks ago: the walk comes when it may age out
 * (the ticks' differences are modulo 2^32, maxStaleness under 2^31). */
static void
ng_bridge_set_heard(struct ng_bridge_priv *priv, struct ng_bridge_hent *h,
    uint32_t stale)
{
	uint32_t max = priv->conf.maxStaleness;
	uint32_t due = stale >= max ? priv->ticks : priv->ticks + (max - stale);

	h->heard = priv->ticks - stale;
	if ((int32_t)(due - priv->sweep) < 0)
		priv->sweep = due;
}

/* Forget the hosts on link, or every host if link is NULL. */
static void
ng_bridge_remove_hosts(struct ng_bridge_priv *priv,
    const struct ng_bridge_link *link)
{
	for (unsigned i = 0; i < priv->nbuckets; i++) {
		struct ng_bridge_hent **pp = &priv->tab[i], *h;

		while ((h = *pp) != NULL) {
			if (link == NULL || h->link == link) {
				*pp = h->next;
				ng_bridge_hent_free(priv, h);
				priv->gen++;
			} else {
				pp = &h->next;
			}
		}
	}
}

/*
 * Put addr on link: learn it, or move it there.  A host that moves again
 * before it is minStableAge seconds old means a loop: the link is muted
 * for loopTimeout seconds and forgets its hosts (ELOOP).  ENOMEM when
 * the table is full.
 */
static int
ng_bridge_put(struct ng_bridge_priv *priv, const uint8_t *addr,
    struct ng_bridge_link *link)
{
	struct ng_bridge_hent *h;
	unsigned b;

	h = ng_bridge_get(priv, addr);
	if (h != NULL) {
		if (h->link == link)
			return 0;
		if (ng_bridge_age(priv, h) >= priv->conf.minStableAge) {
			h->link = link;
			h->born = priv->ticks;
			priv->gen++;
			return 0;
		}
		if (priv->conf.debugLevel >= 2) {
			char name[NG_NODESIZ + 2];

			ng_log(priv->node->graph, LOG_WARNING,
			    "ng_bridge: %s: loopback detected on %s",
			    ng_bridge_nodename(priv->node, name, sizeof(name)),
			    link->hook->name);
		}
		link->loop_count = priv->conf.loopTimeout;
		link->stats.loopDetects++;
		priv->gen++;
		ng_bridge_remove_hosts(priv, link);
		return ELOOP;
	}
	h = ng_bridge_hent_alloc(priv);
	if (h == NULL)
		return ENOMEM;
	memcpy(h->addr, addr, ETHER_ADDR_LEN);
	h->link = link;
	h->born = h->heard = priv->ticks; /* (due no sooner than the walk) */
	b = ng_bridge_hash(priv->hash_key, addr, priv->nbuckets);
	h->next = priv->tab[b];
	priv->tab[b] = h;
	priv->nhosts++;
	priv->gen++;
	ng_bridge_rehash(priv);
	return 0;
}

/* --- links -------------------------------------------------------------- */

/*
 * Parse "link<N>" or "uplink<N>": N must be what printf("%u") gives, so no
 * sign, no leading zero, no empty number; uplink0 is refused so that
 * getstats' negative numbers stay unambiguous.
 */
static int
ng_bridge_parse_hook(const char *name, bool *uplink, uint32_t *num)
{
	const char *p;
	uint64_t v = 0;

	if (strncmp(name, NG_BRIDGE_HOOK_LINK_PREFIX,
		strlen(NG_BRIDGE_HOOK_LINK_PREFIX)) == 0) {
		*uplink = false;
		p = name + strlen(NG_BRIDGE_HOOK_LINK_PREFIX);
	} else if (strncmp(name, NG_BRIDGE_HOOK_UPLINK_PREFIX,
		       strlen(NG_BRIDGE_HOOK_UPLINK_PREFIX)) == 0) {
		*uplink = true;
		p = name + strlen(NG_BRIDGE_HOOK_UPLINK_PREFIX);
	} else {
		return EINVAL;
	}
	if (*p == '\0' || (p[0] == '0' && p[1] != '\0'))
		return EINVAL;
	for (; *p != '\0'; p++) {
		if (*p < '0' || *p > '9')
			return EINVAL;
		v = v * 10 + (uint64_t)(*p - '0');
		if (v > UINT32_MAX)
			return EINVAL;
	}
	if (*uplink && v == 0)
		return EINVAL;
	*num = (uint32_t)v;
	return 0;
}

/* The port called (up)link<num>, or NULL.  O(1) below NG_BRIDGE_LINKV_MAX. */
static struct ng_bridge_link *
ng_bridge_find_link(struct ng_bridge_priv *priv, bool uplink, uint32_t num)
{
	struct ng_hook *h;

	if (num < NG_BRIDGE_LINKV_MAX)
		return num < priv->linkv_len[uplink] ?
		    priv->linkv[uplink][num] :
		    NULL;
	for (h = priv->node->hooks; h != NULL; h = h->next) {
		struct ng_bridge_link *l = h->priv;

		if (l != NULL && l->uplink == uplink && l->num == num)
			return l;
	}
	return NULL;
}

/* Make room for link number num in its array. */
static int
ng_bridge_linkv_grow(struct ng_bridge_priv *priv, bool uplink, uint32_t num)
{
	struct ng_bridge_link **v;
	unsigned len = priv->linkv_len[uplink], nlen;

	if (num >= NG_BRIDGE_LINKV_MAX || num < len)
		return 0;
	for (nlen = len > 0 ? len : 8; nlen <= num; nlen *= 2)
		;
	v = realloc(priv->linkv[uplink], nlen * sizeof(*v));
	if (v == NULL)
		return ENOMEM;
	memset(v + len, 0, (nlen - len) * sizeof(*v));
	priv->linkv[uplink] = v;
	priv->linkv_len[uplink] = nlen;
	return 0;
}

/* --- node methods ------------------------------------------------------- */

static int
ng_bridge_constructor(struct ng_node *node)
{
	struct ng_bridge_priv *priv;
	struct ng_graph *g = node->graph;

	priv = calloc(1, sizeof(*priv));
	if (priv == NULL)
		return ENOMEM;
	priv->tab = calloc(NG_BRIDGE_MIN_BUCKETS, sizeof(*priv->tab));
	if (priv->tab == NULL) {
		free(priv);
		return ENOMEM;
	}
	priv->nbuckets = NG_BRIDGE_MIN_BUCKETS;
	priv->hash_key = ng_random64(g);
	priv->node = node;
	priv->conf.debugLevel = NG_BRIDGE_DEFAULT_DEBUG_LEVEL;
	priv->conf.loopTimeout = NG_BRIDGE_DEFAULT_LOOP_TIMEOUT;
	priv->conf.maxStaleness = NG_BRIDGE_DEFAULT_MAX_STALENESS;
	priv->conf.minStableAge = NG_BRIDGE_DEFAULT_MIN_STABLE_AGE;
	priv->maxhosts = NG_BRIDGE_MAX_HOSTS;
	priv->send_unknown = true; /* a classic bridge */
	node->priv = priv;
	priv->last_tick = ng_now_ms(g);
	priv->sweep = priv->ticks + priv->conf.maxStaleness;
	ng_timer_start(g, &priv->timer, NG_BRIDGE_TICK_MS, ng_bridge_timeout,
	    node, NULL);
	return 0;
}

static int
ng_bridge_newhook(struct ng_node *node, struct ng_hook *hook, const char *name)
{
	struct ng_bridge_priv *priv = node->priv;
	struct ng_bridge_link *link;
	bool uplink;
	uint32_t num;
	int error;

	error = ng_bridge_parse_hook(name, &uplink, &num);
	if (error != 0)
		return error;
	error = ng_bridge_linkv_grow(priv, uplink, num);
	if (error != 0)
		return error;
	link = calloc(1, sizeof(*link));
	if (link == NULL)
		return ENOMEM;
	link->hook = hook;
	link->num = num;
	link->uplink = uplink;
	if (uplink) {
		link->learn = false;
		link->send_unknown = true;
		if (priv->nlinks == 0)
			priv->send_unknown = false; /* restrictive mode */
	} else {
		link->learn = true;
		link->send_unknown = priv->send_unknown;
	}
	if (num < NG_BRIDGE_LINKV_MAX)
		priv->linkv[uplink][num] = link;
	hook->priv = link;
	priv->nlinks++;
	return 0;
}

/* The peer is known only now: a bridge must not be its own neighbour. */
static int
ng_bridge_connect(struct ng_hook *hook)
{
	if (hook->peer != NULL && hook->peer->node == hook->node)
		return ELOOP;
	return 0;
}

/* Hand *pkt to dst; count it there only once it was taken. */
static int
ng_bridge_send(struct ng_bridge_link *dst, int manycast, struct ng_pkt **pkt)
{
	struct ng_hook *hook = dst->hook;
	uint32_t len = (*pkt)->len;
	int error;

	error = ng_send_data(hook, pkt); /* consumes *pkt */
	/* The send may have removed the link (its hook stays readable
	 * until the outermost send returns): then nothing to count. */
	if (!(hook->flags & NG_HOOK_VALID) || hook->priv != dst)
		return error;
	if (error != 0) {
		if (error == ENOMEM || error == ENOBUFS)
			dst->stats.memoryFailures++;
		return error;
	}
	dst->stats.xmitPackets++;
	dst->stats.xmitOctets += len;
	if (manycast == 1)
		dst->stats.xmitMulticasts++;
	else if (manycast == 2)
		dst->stats.xmitBroadcasts++;
	return 0;
}

static int
ng_bridge_rcvdata(struct ng_hook *hook, struct ng_pkt **pkt)
{
	struct ng_bridge_priv *priv = hook->node->priv;
	struct ng_bridge_link *in = hook->priv, *last = NULL;
	struct ng_bridge_hent *host;
	const uint8_t *dst, *src;
	struct ng_hook *h, *lasth = NULL;
	struct ng_node *node;
	int manycast = 0, error = 0;

	if ((*pkt)->len < ETHER_HDR_LEN) {
		in->stats.recvRunts++;
		ng_pkt_free(pkt);
		return EINVAL;
	}
	dst = (*pkt)->data;
	src = (*pkt)->data + ETHER_ADDR_LEN;
	if (src[0] & 1) {
		in->stats.recvInvalid++;
		ng_pkt_free(pkt);
		return EINVAL;
	}
	if (in->loop_count != 0) {
		in->stats.loopDrops++;
		ng_pkt_free(pkt);
		return ELOOP;
	}
	in->stats.recvPackets++;
	in->stats.recvOctets += (*pkt)->len;
	if (dst[0] & 1) {
		if (memcmp(dst, ng_bridge_bcast, ETHER_ADDR_LEN) == 0) {
			in->stats.recvBroadcast++;
			manycast = 2;
		} else {
			in->stats.recvMulticast++;
			manycast = 1;
		}
	}

	/*
	 * Learn the source.  Uplinks learn no new host, but a known host
	 * that shows up on one moves there, as on FreeBSD.
	 */
	host = ng_bridge_get(priv, src);
	if (host != NULL)
		host->heard = priv->ticks;
	if ((host == NULL && in->learn) || (host != NULL && host->link != in)) {
		error = ng_bridge_put(priv, src, in);
		if (error == ELOOP) {
			in->stats.loopDrops++;
			ng_pkt_free(pkt);
			return ELOOP;
		}
		if (error != 0)
			ng_bridge_unlearned(priv, in, 1); /* on, unlearned */
		error = 0;
	}

	if (manycast == 0) {
		host = ng_bridge_get(priv, dst);
		if (host != NULL) {
			if (host->link == in) {
				ng_pkt_free(pkt); /* it is already there */
				return 0;
			}
			return ng_bridge_send(host->link, 0, pkt);
		}
		in->stats.recvUnknown++;
	}

	/*
	 * Flood: each port but the last gets a reference, the last ours.  A
	 * send may shut the bridge down or remove a port: the node is held
	 * meanwhile, ports are kept by their hooks (freed only once the
	 * outermost send returns), and the flood stops if the bridge went.
	 */
	node = hook->node;
	ng_node_ref(node);
	for (h = node->hooks; h != NULL; h = h->next) {
		struct ng_bridge_link *l = h->priv;

		if (l == NULL || l == in || !(h->flags & NG_HOOK_VALID))
			continue;
		if (manycast == 0 && !l->send_unknown)
			continue;
		if (lasth != NULL && (lasth->flags & NG_HOOK_VALID) &&
		    (last = lasth->priv) != NULL) {
			struct ng_pkt *ref = ng_pkt_ref(*pkt);
			int e = ng_bridge_send(last, manycast, &ref);

			if (e != 0)
				error = e;
			if (!ng_node_valid(node))
				break;
		}
		lasth = h;
	}
	if (lasth == NULL || !ng_node_valid(node) ||
	    !(lasth->flags & NG_HOOK_VALID) || (last = lasth->priv) == NULL)
		ng_pkt_free(pkt);
	else {
		int e = ng_bridge_send(last, manycast, pkt);

		if (e != 0)
			error = e;
	}
	ng_node_unref(node);
	return error;
}

static int
ng_bridge_disconnect(struct ng_hook *hook)
{
	struct ng_node *node = hook->node;
	struct ng_bridge_priv *priv = node->priv;
	struct ng_bridge_link *link = hook->priv;

	if (link != NULL) {
		ng_bridge_remove_hosts(priv, link);
		ng_bridge_rehash(priv);
		if (link->num < NG_BRIDGE_LINKV_MAX)
			priv->linkv[link->uplink][link->num] = NULL;
		hook->priv = NULL;
		free(link);
		priv->nlinks--;
	}
	if (node->numhooks == 0 && !priv->persistent && ng_node_valid(node))
		ng_rmnode(node);
	return 0;
}

static int
ng_bridge_shutdown(struct ng_node *node)
{
	struct ng_bridge_priv *priv = node->priv;
	struct ng_bridge_chunk *c;

	if (priv == NULL)
		return 0;
	ng_timer_stop(node->graph, &priv->timer);
	while ((c = priv->chunks) != NULL) {
		priv->chunks = c->next;
		free(c);
	}
	free(priv->linkv[0]);
	free(priv->linkv[1]);
	free(priv->tab);
	free(priv);
	node->priv = NULL;
	return 0;
}

/*
 * Once a second: the hosts a second older, and at the sweep's tick
 * (that of the oldest host's reaching maxStaleness) those silent for
 * maxStaleness seconds forgotten, the next sweep's tick found; the mute
 * timers counted down.  If the loop ran late, the seconds missed are
 * applied at once.  O(links), and O(hosts + buckets) at a sweep.
 */
/* Forget the hosts silent for maxStaleness ticks; the next sweep at
 * the tick the oldest of the others reaches it. */
static void
ng_bridge_sweep(struct ng_bridge_priv *priv)
{
	uint32_t max = priv->conf.maxStaleness, oldest = 0;

	for (unsigned i = 0; i < priv->nbuckets; i++) {
		struct ng_bridge_hent **pp = &priv->tab[i], *h;

		while ((h = *pp) != NULL) {
			uint32_t st = ng_bridge_staleness(priv, h);

			if (st >= max) {
				*pp = h->next;
				ng_bridge_hent_free(priv, h);
				priv->gen++;
				continue;
			}
			if (st > oldest)
				oldest = st;
			pp = &h->next;
		}
	}
	priv->sweep = priv->ticks + (max - oldest);
}

static void
ng_bridge_timeout(struct ng_node *node, void *arg)
{
	struct ng_bridge_priv *priv = node->priv;
	struct ng_graph *g = node->graph;
	uint64_t now = ng_now_ms(g), secs;
	struct ng_hook *hook;

	(void)arg;
	if (priv == NULL || !ng_node_valid(node))
		return;
	secs = now > priv->last_tick ? (now - priv->last_tick) / 1000 : 0;
	priv->last_tick += secs * 1000;
	if (secs > INT32_MAX)
		secs = INT32_MAX;
	priv->ticks += (uint32_t)secs;
	if (secs > 0 && (int32_t)(priv->ticks - priv->sweep) >= 0)
		ng_bridge_sweep(priv);
	ng_bridge_rehash(priv);
	ng_bridge_compact(priv);
	for (hook = node->hooks; secs > 0 && hook != NULL; hook = hook->next) {
		struct ng_bridge_link *l = hook->priv;

		if (l == NULL || l->loop_count == 0)
			continue;
		l->loop_count = l->loop_count > secs ?
		    l->loop_count - (uint32_t)secs :
		    0;
		if (l->loop_count == 0)
			priv->gen++;
		if (l->loop_count == 0 && priv->conf.debugLevel >= 2) {
			char name[NG_NODESIZ + 2];

			ng_log(g, LOG_INFO,
			    "ng_bridge: %s: restoring looped back %s",
			    ng_bridge_nodename(node, name, sizeof(name)),
			    hook->name);
		}
	}
	ng_timer_start(g, &priv->timer,
	    priv->last_tick + NG_BRIDGE_TICK_MS - now, ng_bridge_timeout, node,
	    NULL);
}

/* --- messages ----------------------------------------------------------- */

static int
ng_bridge_msg_stats(struct ng_bridge_priv *priv, const struct ng_mesg *msg,
    struct ng_mesg **resp)
{
	struct ng_bridge_link *link;
	int32_t num;

	if (msg->header.arglen != sizeof(num))
		return EINVAL;
	memcpy(&num, msg->data, sizeof(num));
	/* Negative -N means uplinkN; uplink0 never exists. */
	if (num < 0)
		link = ng_bridge_find_link(priv, true,
		    (uint32_t)(-(int64_t)num));
	else
		link = ng_bridge_find_link(priv, false, (uint32_t)num);
	if (link == NULL)
		return ENOTCONN;
	if (msg->header.cmd != NGM_BRIDGE_CLR_STATS) {
		*resp = ng_mkresponse(msg, sizeof(link->stats));
		if (*resp == NULL)
			return ENOMEM;
		memcpy((*resp)->data, &link->stats, sizeof(link->stats));
	}
	if (msg->header.cmd != NGM_BRIDGE_GET_STATS)
		memset(&link->stats, 0, sizeof(link->stats));
	return 0;
}

static int
ng_bridge_msg_gettable(struct ng_bridge_priv *priv, const struct ng_mesg *msg,
    struct ng_mesg **resp)
{
	struct ng_bridge_host_ary *ary;
	struct ng_bridge_host *out;
	uint32_t n = 0;

	*resp = ng_mkresponse(msg,
	    sizeof(*ary) + priv->nhosts * sizeof(ary->hosts[0]));
	if (*resp == NULL)
		return ENOMEM;
	ary = (struct ng_bridge_host_ary *)(*resp)->data;
	out = ary->hosts;
	for (unsigned i = 0; i < priv->nbuckets; i++) {
		const struct ng_bridge_hent *h;

		for (h = priv->tab[i]; h != NULL; h = h->next, out++, n++) {
			memcpy(out->addr, h->addr, sizeof(out->addr));
			snprintf(out->hook, sizeof(out->hook), "%s",
			    h->link->hook->name);
			out->age = ng_bridge_age(priv, h);
			out->staleness = ng_bridge_staleness(priv, h) > 0xffff ?
			    0xffff :
			    ng_bridge_staleness(priv, h);
		}
	}
	ary->numHosts = n;
	return 0;
}

static int
ng_bridge_msg_movehost(struct ng_bridge_priv *priv, const struct ng_msgctx *ctx,
    const struct ng_mesg *msg)
{
	struct ng_bridge_move_host mh;
	struct ng_hook *hook;

	if (msg->header.arglen < sizeof(mh))
		return EINVAL;
	memcpy(&mh, msg->data, sizeof(mh));
	mh.hook[sizeof(mh.hook) - 1] = '\0';
	if (mh.hook[0] == '\0')
		hook = ctx != NULL ? ctx->lasthook : NULL;
	else
		hook = ng_find_hook(priv->node, mh.hook);
	if (hook == NULL || hook->node != priv->node || hook->priv == NULL)
		return ENOENT;
	return ng_bridge_put(priv, mh.addr, hook->priv);
}

/*
 * FreeBSD takes any value; a time above 2^31 - 1 seconds can only be a
 * negative number read as unsigned (loopTimeout=-1 would mute a looping
 * link for 136 years), so it is refused instead of wrapped.
 */
static int
ng_bridge_setconfig(struct ng_bridge_priv *priv, const struct ng_mesg *msg)
{
	struct ng_bridge_config conf;

	if (msg->header.arglen != sizeof(conf))
		return EINVAL;
	memcpy(&conf, msg->data, sizeof(conf));
	if (conf.loopTimeout > INT32_MAX || conf.maxStaleness > INT32_MAX ||
	    conf.minStableAge > INT32_MAX)
		return EINVAL;
	priv->conf = conf;
	priv->sweep = priv->ticks; /* (maxStaleness may have changed) */
	return 0;
}

static int
ng_bridge_rcvmsg(struct ng_node *node, const struct ng_msgctx *ctx,
    struct ng_mesg *msg, struct ng_mesg **resp)
{
	struct ng_bridge_priv *priv = node->priv;
	struct ng_hook *h;

	if (msg->header.flags & NGF_RESP)
		return 0; /* the bridge asks nothing, so expects no replies */
	if (msg->header.typecookie != NGM_BRIDGE_COOKIE)
		return EINVAL;
	switch (msg->header.cmd) {
	case NGM_BRIDGE_SET_CONFIG:
		return ng_bridge_setconfig(priv, msg);
	case NGM_BRIDGE_GET_CONFIG:
		*resp = ng_mkresponse(msg, sizeof(priv->conf));
		if (*resp == NULL)
			return ENOMEM;
		memcpy((*resp)->data, &priv->conf, sizeof(priv->conf));
		return 0;
	case NGM_BRIDGE_RESET:
		ng_bridge_remove_hosts(priv, NULL);
		ng_bridge_rehash(priv);
		for (h = node->hooks; h != NULL; h = h->next) {
			struct ng_bridge_link *l = h->priv;

			if (l == NULL)
				continue;
			l->loop_count = 0;
			memset(&l->stats, 0, sizeof(l->stats));
		}
		priv->gen++;
		return 0;
	case NGM_BRIDGE_GET_STATS:
	case NGM_BRIDGE_CLR_STATS:
	case NGM_BRIDGE_GETCLR_STATS:
		return ng_bridge_msg_stats(priv, msg, resp);
	case NGM_BRIDGE_GET_TABLE:
		return ng_bridge_msg_gettable(priv, msg, resp);
	case NGM_BRIDGE_SET_PERSISTENT:
		priv->persistent = true;
		return 0;
	case NGM_BRIDGE_MOVE_HOST:
		return ng_bridge_msg_movehost(priv, ctx, msg);
	case NGM_BRIDGE_SET_MAX_HOSTS: {
		uint32_t max;

		if (msg->header.arglen != sizeof(max))
			return EINVAL;
		memcpy(&max, msg->data, sizeof(max));
		if (max == 0 || max > NG_BRIDGE_MAX_HOSTS_LIMIT)
			return EINVAL;
		/* Hosts above a lowered bound stay until they age out. */
		priv->maxhosts = max;
		return 0;
	}
	case NGM_BRIDGE_GET_MAX_HOSTS:
		*resp = ng_mkresponse(msg, sizeof(priv->maxhosts));
		if (*resp == NULL)
			return ENOMEM;
		memcpy((*resp)->data, &priv->maxhosts, sizeof(priv->maxhosts));
		return 0;
	}
	return EINVAL;
}

NG_PARSE_STRUCT(ng_bridge_config, NG_BRIDGE_CONFIG_FIELDS);
NG_PARSE_STRUCT(ng_bridge_link_stats, NG_BRIDGE_STATS_FIELDS);
NG_PARSE_STRUCT(ng_bridge_host, NG_BRIDGE_HOST_FIELDS);
NG_PARSE_STRUCT(ng_bridge_host_ary, NG_BRIDGE_HOST_ARY_FIELDS);
NG_PARSE_STRUCT(ng_bridge_move_host, NG_BRIDGE_MOVE_HOST_FIELDS);

/*
 * The learned table, as a movehost per host (after the hooks are back):
 * a takeover hands the live table over and a crash's next ngd starts from
 * the last one written, instead of flooding until every host has spoken
 * again.  Ages and staleness start again from 0: a host that moved or
 * left meanwhile is corrected by its next frame or forgotten after
 * maxStaleness, as one that moves while the bridge runs.  Not part of
 * ng_bridge_save: the journal writes it when the table moved (gen), not
 * with each config message (struct ng_switch_methods, save_hosts).
 */
static int
ng_bridge_save_table(struct ng_node *node, ng_save_fn *emit, void *arg)
{
	struct ng_bridge_priv *priv = node->priv;
	struct ng_bridge_move_host *mh;
	struct ng_mesg *m;
	int error = 0;

	if (priv->nhosts == 0)
		return 0;
	if ((m = ng_mkmsg(NGM_BRIDGE_COOKIE, NGM_BRIDGE_MOVE_HOST,
		 sizeof(*mh))) == NULL)
		return ENOMEM;
	mh = (struct ng_bridge_move_host *)m->data;
	for (unsigned b = 0; b < priv->nbuckets && error == 0; b++)
		for (const struct ng_bridge_hent *h = priv->tab[b];
		     h != NULL && error == 0; h = h->next) {
			if (h->link == NULL || h->link->hook == NULL)
				continue;
			memset(mh, 0, sizeof(*mh));
			memcpy(mh->addr, h->addr, ETHER_ADDR_LEN);
			snprintf(mh->hook, sizeof(mh->hook), "%s",
			    h->link->hook->name);
			error = emit(arg, node, m);
		}
	free(m);
	return error;
}

/* Journal and takeover: its config, its bound and whether it persists
 * (its learned table: ng_bridge_save_table). */
static int
ng_bridge_save(struct ng_node *node, ng_save_fn *emit, void *arg)
{
	struct ng_bridge_priv *priv = node->priv;
	int error;

	error = ng_save_getset(node, NGM_BRIDGE_COOKIE, NGM_BRIDGE_GET_CONFIG,
	    NGM_BRIDGE_SET_CONFIG, emit, arg);
	if (error == 0 && priv->maxhosts != NG_BRIDGE_MAX_HOSTS)
		error = ng_save_getset(node, NGM_BRIDGE_COOKIE,
		    NGM_BRIDGE_GET_MAX_HOSTS, NGM_BRIDGE_SET_MAX_HOSTS, emit,
		    arg);
	if (error == 0 && priv->persistent)
		error = ng_save_cmd(node, NGM_BRIDGE_COOKIE,
		    NGM_BRIDGE_SET_PERSISTENT, emit, arg);
	return error;
}

/* --- a mirror's view (struct ng_switch_methods) ------------------------- */

static uint64_t
ng_bridge_sw_gen(struct ng_node *node)
{
	struct ng_bridge_priv *priv = node->priv;

	return priv != NULL ? priv->gen : 0;
}

static void
ng_bridge_sw_port(struct ng_hook *hook, struct ng_switch_port *p)
{
	struct ng_bridge_link *l = hook->priv;

	p->learn = l != NULL && l->learn;
	p->send_unknown = l != NULL && l->send_unknown;
	p->muted = l == NULL || l->loop_count != 0;
}

static void
ng_bridge_sw_walk(struct ng_node *node, ng_switch_host_fn *fn, void *arg)
{
	struct ng_bridge_priv *priv = node->priv;

	for (unsigned i = 0; priv != NULL && i < priv->nbuckets; i++)
		for (struct ng_bridge_hent *h = priv->tab[i]; h != NULL;
		     h = h->next)
			fn(arg, h->addr, h->link->hook);
}

static struct ng_hook *
ng_bridge_sw_lookup(struct ng_node *node, const uint8_t addr[6])
{
	struct ng_bridge_priv *priv = node->priv;
	struct ng_bridge_hent *h;

	if (priv == NULL || (h = ng_bridge_get(priv, addr)) == NULL)
		return NULL;
	return h->link->hook;
}

/*
 * The age a host learned ago_ms milliseconds before now has: the ticks
 * of ng_bridge_timeout since then (those it has applied; one still due
 * is applied to every host alike).  A host the node learns is 0 until
 * the next tick, which may come at once: whole seconds since, rounded
 * down, made a host the mirror learned up to a second younger than one
 * the node learned at the same moment, and a real move near
 * minStableAge a loop.
 */
static uint32_t
ng_bridge_ticks_since(const struct ng_bridge_priv *priv, uint64_t now,
    uint64_t ago_ms)
{
	uint64_t then = now > ago_ms ? now - ago_ms : 0, n;

	if (priv->last_tick <= then)
		return 0;
	n = (priv->last_tick - then + NG_BRIDGE_TICK_MS - 1) /
	    NG_BRIDGE_TICK_MS;
	return n > UINT32_MAX ? UINT32_MAX : (uint32_t)n;
}

/* As ng_bridge_put learns, less the loop check (a host heard on another
 * port is the node's to judge: the mirror sends it such frames). */
static int
ng_bridge_sw_heard(struct ng_node *node, struct ng_hook *hook,
    const uint8_t addr[6], uint64_t age_ms, uint32_t staleness)
{
	struct ng_bridge_priv *priv = node->priv;
	struct ng_bridge_link *link = hook->priv;
	struct ng_bridge_hent *h;
	uint32_t age;
	unsigned b;

	if (priv == NULL || link == NULL || hook->node != node)
		return ENOENT;
	if ((h = ng_bridge_get(priv, addr)) != NULL) {
		if (h->link != link)
			return EEXIST;
		if (staleness < ng_bridge_staleness(priv, h))
			ng_bridge_set_heard(priv, h, staleness);
		return 0;
	}
	if (!link->learn)
		return EPERM;
	if ((h = ng_bridge_hent_alloc(priv)) == NULL)
		return ENOMEM;
	memcpy(h->addr, addr, ETHER_ADDR_LEN);
	h->link = link;
	age = ng_bridge_ticks_since(priv, ng_now_ms(node->graph), age_ms);
	if (age > 0xffff)
		age = 0xffff;
	h->born = priv->ticks - age;
	ng_bridge_set_heard(priv, h, staleness);
	b = ng_bridge_hash(priv->hash_key, addr, priv->nbuckets);
	h->next = priv->tab[b];
	priv->tab[b] = h;
	priv->nhosts++;
	ng_bridge_rehash(priv);
	return 0;
}

/* As ng_bridge_put would judge it: a move, not a loop. */
static bool
ng_bridge_sw_moves(struct ng_node *node, struct ng_hook *hook,
    const uint8_t addr[6])
{
	struct ng_bridge_priv *priv = node->priv;
	struct ng_bridge_link *link = hook->priv;
	struct ng_bridge_hent *h;

	if (priv == NULL || link == NULL || hook->node != node ||
	    link->loop_count > 0 || (h = ng_bridge_get(priv, addr)) == NULL)
		return false;
	return h->link != link &&
	    ng_bridge_age(priv, h) >= priv->conf.minStableAge;
}

static void
ng_bridge_sw_count(struct ng_hook *hook, const struct ng_switch_counts *c)
{
	struct ng_bridge_link *l = hook->priv;

	if (l == NULL)
		return;
	l->stats.recvPackets += c->recv_pkts;
	l->stats.recvOctets += c->recv_octets;
	l->stats.recvMulticast += c->recv_mcast;
	l->stats.recvBroadcast += c->recv_bcast;
	l->stats.recvUnknown += c->recv_unknown;
	l->stats.xmitPackets += c->xmit_pkts;
	l->stats.xmitOctets += c->xmit_octets;
	l->stats.xmitMulticasts += c->xmit_mcast;
	l->stats.xmitBroadcasts += c->xmit_bcast;
	ng_bridge_unlearned(hook->node->priv, l, c->unlearned);
}

static uint32_t
ng_bridge_sw_room(struct ng_node *node)
{
	struct ng_bridge_priv *priv = node->priv;

	if (priv == NULL || priv->nhosts >= priv->maxhosts)
		return 0;
	return priv->maxhosts - priv->nhosts;
}

/* gettable shows the hosts, getstats the counters, reset clears both
 * (what the mirror learned and counted first); setmaxhosts binds the
 * hosts learned after it, so the mirror's are the node's first; the
 * config is no part of the mirror's state, and movehost puts a host
 * where it says whatever the table had (the mirror writes the node's
 * changes after a message). */
static unsigned
ng_bridge_sw_needs(const struct ng_mesg *msg)
{
	if (msg->header.typecookie != NGM_BRIDGE_COOKIE)
		return 0; /* refused (EINVAL) */
	switch (msg->header.cmd) {
	case NGM_BRIDGE_SET_CONFIG:
	case NGM_BRIDGE_GET_CONFIG:
	case NGM_BRIDGE_SET_PERSISTENT:
	case NGM_BRIDGE_GET_MAX_HOSTS:
	case NGM_BRIDGE_MOVE_HOST:
		return 0;
	case NGM_BRIDGE_SET_MAX_HOSTS:
		/* a lower limit binds the hosts learned after it: those the
		 * kernel learned before are the node's first (imported
		 * after, a table over the new limit refused them) */
		return NG_SWITCH_NEEDS_HOSTS;
	case NGM_BRIDGE_GET_STATS:
	case NGM_BRIDGE_CLR_STATS:
	case NGM_BRIDGE_GETCLR_STATS:
		return NG_SWITCH_NEEDS_COUNTS;
	case NGM_BRIDGE_GET_TABLE:
		return NG_SWITCH_NEEDS_HOSTS;
	}
	return NG_SWITCH_NEEDS_HOSTS | NG_SWITCH_NEEDS_COUNTS;
}

static const struct ng_switch_methods ng_bridge_switching = {
	.gen = ng_bridge_sw_gen,
	.port = ng_bridge_sw_port,
	.walk = ng_bridge_sw_walk,
	.lookup = ng_bridge_sw_lookup,
	.heard = ng_bridge_sw_heard,
	.count = ng_bridge_sw_count,
	.moves = ng_bridge_sw_moves,
	.room = ng_bridge_sw_room,
	.needs = ng_bridge_sw_needs,
	.save_hosts = ng_bridge_save_table,
};

#define B NGM_BRIDGE_COOKIE
static const struct ng_cmdlist ng_bridge_cmds[] = {
	{ B, NGM_BRIDGE_SET_CONFIG, "setconfig", &ng_bridge_config_parse_type,
	    NULL },
	{ B, NGM_BRIDGE_GET_CONFIG, "getconfig", NULL,
	    &ng_bridge_config_parse_type },
	{ B, NGM_BRIDGE_RESET, "reset", NULL, NULL },
	{ B, NGM_BRIDGE_GET_STATS, "getstats", &ng_parse_int32_type,
	    &ng_bridge_link_stats_parse_type },
	{ B, NGM_BRIDGE_CLR_STATS, "clrstats", &ng_parse_int32_type, NULL },
	{ B, NGM_BRIDGE_GETCLR_STATS, "getclrstats", &ng_parse_int32_type,
	    &ng_bridge_link_stats_parse_type },
	{ B, NGM_BRIDGE_GET_TABLE, "gettable", NULL,
	    &ng_bridge_host_ary_parse_type },
	{ B, NGM_BRIDGE_SET_PERSISTENT, "setpersistent", NULL, NULL },
	{ B, NGM_BRIDGE_MOVE_HOST, "movehost", &ng_bridge_move_host_parse_type,
	    NULL },
	{ B, NGM_BRIDGE_SET_MAX_HOSTS, "setmaxhosts", &ng_parse_uint32_type,
	    NULL },
	{ B, NGM_BRIDGE_GET_MAX_HOSTS, "getmaxhosts", NULL,
	    &ng_parse_uint32_type },
	{ 0, 0, NULL, NULL, NULL },
};
#undef B

const struct ng_type ng_bridge_type = {
	.name = NG_BRIDGE_NODE_TYPE,
	.cookie = NGM_BRIDGE_COOKIE,
	.constructor = ng_bridge_constructor,
	.rcvmsg = ng_bridge_rcvmsg,
	.shutdown = ng_bridge_shutdown,
	.newhook = ng_bridge_newhook,
	.connect = ng_bridge_connect,
	.rcvdata = ng_bridge_rcvdata,
	.disconnect = ng_bridge_disconnect,
	.cmdlist = ng_bridge_cmds,
	.save = ng_bridge_save,
	.switching = &ng_bridge_switching,
};
