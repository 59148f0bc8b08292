/*
 * ng_vxlan.c: the vxlan node (ours, DESIGN 13), RFC 7348 between "inner"
 * (Ethernet frames) and "outer" (VXLAN payloads: a ksocket inet/dgram/udp
 * hook bound to port 4789).  Messages: setvni, getvni, getstats,
 * clrstats, getclrstats, setconfig, getconfig, gettable, flush.  Dies
 * when hookless.
 *
 * Towards outer, a frame gets the 8-byte header (I flag, VNI, reserved
 * bits zero) and, as its far end (pkt->peer, which the ksocket sends to),
 * the remote its destination MAC was learned behind or statically put
 * at; broadcast, multicast and unknown destinations go to every flood
 * entry, or with no far end (the socket's connected peer) when there is
 * none.  Super-frames are cut and checksums finished first (ng_gso.c),
 * since the far side cannot take offload metadata.  From outer, a
 * datagram with the I flag and our VNI loses its header and goes inner;
 * its inner source MAC is learned behind its sender.  Anything else is
 * dropped and counted; reserved bits are ignored.
 *
 * Costs: O(1) per frame (a hash of MACs); a flood copies the frame once
 * per flood entry; learning allocates once per new host, up to
 * NG_VXLAN_MAX_HOSTS; hosts age out lazily, when looked at, and when
 * the table is full a host to be learned sweeps it of the expired ones
 * (O(table), at most once a second).  The hash is keyed per node, so
 * that source MACs chosen from the wire cannot all fall in one bucket.
 *
 * Trains (ng_ksock.h): when outer is joined to a ksocket, the node asks
 * it to turn UDP_GRO on (setopt); if it can, it takes and gives
 * datagram trains.  A super-frame for one remote then leaves as
 * one train of its encapsulated segments (one UDP_SEGMENT send), and
 * the segments of a train that arrives are checked one by one and the
 * TCP segments among them merged again (ng_gro_add) into a super-frame
 * for inner, so a TAP behind takes one frame for 45.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <netinet/in.h>
#include <netinet/udp.h>

#include <netgraph/ng_ksocket.h>
#include <netgraph/ng_vxlan.h>

#include "ng_core.h"
#include "ng_ksock.h"
#include "ng_parse.h"

#define NG_VXLAN_BUCKETS 1024 /* a power of two */
#define ETHER_HDR_LEN 14

struct ng_vxlan_fdb {
	uint8_t mac[6];
	bool is_static;
	struct ng_pkt_addr remote;
	uint64_t seen_ms;
	struct ng_vxlan_fdb *next;
};

struct ng_vxlan_priv {
	struct ng_hook *inner, *outer;
	uint32_t vni, max_age; /* the config, less its entries */
	uint16_t port;
	uint8_t learn;
	bool trains; /* outer's peer takes and gives datagram trains */
	struct ng_pkt_addr *floods; /* the flood entries' remotes */
	unsigned nfloods;
	struct ng_vxlan_entry *statics; /* as given, for getconfig */
	unsigned nstatics;
	struct ng_vxlan_fdb *fdb[NG_VXLAN_BUCKETS];
	unsigned nlearned;
	uint64_t hash_key;
	uint64_t swept_ms; /* the last sweep of a full table */
	struct ng_vxlan_stats stats;
};

/* --- the forwarding table ---------------------------------------------- */

static unsigned
ng_vxlan_hash(uint64_t key, const uint8_t mac[6])
{
	uint64_t h = (uint64_t)mac[0] << 40 | (uint64_t)mac[1] << 32 |
	    (uint64_t)mac[2] << 24 | (uint64_t)mac[3] << 16 |
	    (uint64_t)mac[4] << 8 | mac[5];

	/* A keyed mix (splitmix64's finalizer), every bit of h in the
	 * bucket's. */
	h ^= key;
	h = (h ^ (h >> 30)) * 0xbf58476d1ce4e5b9ull;
	h = (h ^ (h >> 27)) * 0x94d049bb133111ebull;
	h ^= h >> 31;
	return (unsigned)h & (NG_VXLAN_BUCKETS - 1);
}

static struct ng_vxlan_fdb **
ng_vxlan_find(struct ng_vxlan_priv *priv, const uint8_t mac[6])
{
	struct ng_vxlan_fdb **pp =
	    &priv->fdb[ng_vxlan_hash(priv->hash_key, mac)];

	for (; *pp != NULL; pp = &(*pp)->next)
		if (memcmp((*pp)->mac, mac, 6) == 0)
			break;
	return pp;
}

static bool
ng_vxlan_expired(const struct ng_vxlan_priv *priv, const struct ng_vxlan_fdb *e,
    uint64_t now)
{
	return !e->is_static && priv->max_age > 0 &&
	    now - e->seen_ms > (uint64_t)priv->max_age * 1000;
}

static void
ng_vxlan_unlink(struct ng_vxlan_priv *priv, struct ng_vxlan_fdb **pp)
{
	struct ng_vxlan_fdb *e = *pp;

	*pp = e->next;
	if (!e->is_static)
		priv->nlearned--;
	free(e);
}

/* Forget learned hosts (all: static ones too). */
static void
ng_vxlan_flush(struct ng_vxlan_priv *priv, bool all)
{
	for (unsigned b = 0; b < NG_VXLAN_BUCKETS; b++) {
		struct ng_vxlan_fdb **pp = &priv->fdb[b];

		while (*pp != NULL) {
			if (all || !(*pp)->is_static)
				ng_vxlan_unlink(priv, pp);
			else
				pp = &(*pp)->next;
		}
	}
}

/* Forget the hosts that have expired.  O(table). */
static void
ng_vxlan_sweep(struct ng_vxlan_priv *priv, uint64_t now)
{
	for (unsigned b = 0; b < NG_VXLAN_BUCKETS; b++) {
		struct ng_vxlan_fdb **pp = &priv->fdb[b];

		while (*pp != NULL) {
			if (ng_vxlan_expired(priv, *pp, now))
				ng_vxlan_unlink(priv, pp);
			else
				pp = &(*pp)->next;
		}
	}
}

/* An address and port as the ksocket's sendto takes it. */
static bool
ng_vxlan_sockaddr(const struct ng_inetaddr *ia, uint16_t port,
    struct ng_pkt_addr *pa)
{
	memset(pa, 0, sizeof(*pa));
	if (ia->family == AF_INET) {
		pa->u.sin.sin_family = AF_INET;
		memcpy(&pa->u.sin.sin_addr, ia->addr, 4);
		pa->u.sin.sin_port = htons(port);
		pa->len = sizeof(pa->u.sin);
	} else if (ia->family == AF_INET6) {
		pa->u.sin6.sin6_family = AF_INET6;
		memcpy(&pa->u.sin6.sin6_addr, ia->addr, 16);
		pa->u.sin6.sin6_port = htons(port);
		pa->len = sizeof(pa->u.sin6);
	} else {
		return false;
	}
	return true;
}

/* Learn that mac lives behind the datagram's sender, at our port. */
static void
ng_vxlan_learn(struct ng_node *node, const uint8_t mac[6],
    const struct ng_pkt_addr *from)
{
	struct ng_vxlan_priv *priv = node->priv;
	struct ng_vxlan_fdb **pp, *e;
	uint64_t now = ng_now_ms(node->graph);
	struct ng_pkt_addr remote;

	if (!priv->learn || from->len == 0 || (mac[0] & 1))
		return;
	remote = *from;
	remote.owner = 0;
	if (remote.u.sa.sa_family == AF_INET)
		remote.u.sin.sin_port = htons(priv->port);
	else if (remote.u.sa.sa_family == AF_INET6)
		remote.u.sin6.sin6_port = htons(priv->port);
	else
		return;
	pp = ng_vxlan_find(priv, mac);
	if ((e = *pp) != NULL) {
		if (e->is_static)
			return;
		e->remote = remote;
		e->seen_ms = now;
		return;
	}
	/* Full: the hosts a flood of made-up MACs left behind are only
	 * looked at (and so aged out) if something is sent to them, which
	 * nothing will be; without a sweep the table stays full for good. */
	if (priv->nlearned >= NG_VXLAN_MAX_HOSTS && priv->max_age > 0 &&
	    now - priv->swept_ms >= 1000) {
		priv->swept_ms = now;
		ng_vxlan_sweep(priv, now);
		pp = ng_vxlan_find(priv, mac);
	}
	if (priv->nlearned >= NG_VXLAN_MAX_HOSTS ||
	    (e = calloc(1, sizeof(*e))) == NULL) {
		priv->stats.learnFailures++;
		return;
	}
	memcpy(e->mac, mac, 6);
	e->remote = remote;
	e->seen_ms = now;
	e->next = *pp;
	*pp = e;
	priv->nlearned++;
}

/* --- data --------------------------------------------------------------- */

/* Where a frame for this destination goes: a host's remote, or NULL. */
static const struct ng_pkt_addr *
ng_vxlan_lookup(struct ng_node *node, const uint8_t dst[6])
{
	struct ng_vxlan_priv *priv = node->priv;
	struct ng_vxlan_fdb **pp;

	if (dst[0] & 1)
		return NULL;
	pp = ng_vxlan_find(priv, dst);
	if (*pp == NULL)
		return NULL;
	if (ng_vxlan_expired(priv, *pp, ng_now_ms(node->graph))) {
		ng_vxlan_unlink(priv, pp);
		return NULL;
	}
	return &(*pp)->remote;
}

static void
ng_vxlan_put_hdr(struct ng_vxlan_priv *priv, struct ng_pkt *p)
{
	uint32_t vni = htonl(priv->vni << 8);

	p->data -= NG_VXLAN_HDR_LEN;
	p->len += NG_VXLAN_HDR_LEN;
	p->data[0] = NG_VXLAN_FLAG_I;
	p->data[1] = p->data[2] = p->data[3] = 0;
	memcpy(p->data + 4, &vni, 4);
}

/*
 * One datagram to outer, to remote (NULL: the socket's peer).  The send
 * may shut the node down (its priv freed): the caller holds a reference
 * to node (ng_vxlan_rcvdata), and priv is looked at again afterwards.
 */
static void
ng_vxlan_xmit(struct ng_node *node, struct ng_pkt **pkt,
    const struct ng_pkt_addr *remote)
{
	struct ng_vxlan_priv *priv = node->priv;
	uint32_t len = (*pkt)->len;
	int error;

	if (priv == NULL || !ng_node_valid(node)) {
		ng_pkt_free(pkt);
		return;
	}
	if (remote != NULL)
		(*pkt)->peer = *remote;
	else
		(*pkt)->peer.len = 0;
	error = ng_send_data(priv->outer, pkt); /* consumes *pkt */
	if ((priv = node->priv) == NULL)
		return; /* shut down by the send */
	if (error != 0) {
		priv->stats.xmitErrors++;
		return;
	}
	priv->stats.xmitPackets++;
	priv->stats.xmitOctets += len;
}

/* An ordinary frame from inner: encapsulated, to its remote(s). */
static void
ng_vxlan_encap(void *arg, struct ng_pkt **pkt)
{
	struct ng_node *node = arg;
	struct ng_vxlan_priv *priv = node->priv;
	const struct ng_pkt_addr *remote, *floods;
	unsigned nfloods;
	struct ng_pkt *p;

	if (priv == NULL || !ng_node_valid(node)) { /* gone meanwhile */
		ng_pkt_free(pkt);
		return;
	}
	if (ng_pkt_writable(pkt) != 0 ||
	    (*pkt)->data - (*pkt)->buf < NG_VXLAN_HDR_LEN) {
		ng_pkt_free(pkt);
		priv->stats.xmitErrors++;
		return;
	}
	p = *pkt;
	memset(&p->vh, 0, sizeof(p->vh)); /* the far side gets bytes */
	remote = ng_vxlan_lookup(node, p->data);
	ng_vxlan_put_hdr(priv, p);
	if (remote != NULL || priv->nfloods == 0) {
		ng_vxlan_xmit(node, pkt, remote);
		return;
	}
	/*
	 * Flood: a copy for every flood entry but the last.  A send may shut
	 * the node down or change its flood list (the caller's reference
	 * keeps node itself): the flood stops there.
	 */
	priv->stats.xmitFloods++;
	floods = priv->floods;
	nfloods = priv->nfloods;
	for (unsigned i = 0; i + 1 < nfloods; i++) {
		struct ng_pkt *c = ng_pkt_alloc(node->graph);

		if (c == NULL) {
			priv->stats.xmitErrors++;
			continue;
		}
		c->data = c->buf + (p->data - p->buf);
		c->len = p->len;
		memcpy(c->data, p->data, p->len);
		ng_vxlan_xmit(node, &c, &floods[i]);
		if (node->priv != priv || !ng_node_valid(node) ||
		    priv->floods != floods) {
			ng_pkt_free(pkt);
			return;
		}
	}
	ng_vxlan_xmit(node, pkt, &floods[nfloods - 1]);
}

/* A datagram from outer: checked, learned from, decapsulated. */
static void
ng_vxlan_decap(struct ng_node *node, struct ng_pkt **pkt)
{
	struct ng_vxlan_priv *priv = node->priv;
	struct ng_pkt *p = *pkt;
	uint32_t vni;

	if (p->len < NG_VXLAN_HDR_LEN + ETHER_HDR_LEN) {
		priv->stats.recvRunts++;
		ng_pkt_free(pkt);
		return;
	}
	if (!(p->data[0] & NG_VXLAN_FLAG_I)) {
		priv->stats.recvBadFlags++;
		ng_pkt_free(pkt);
		return;
	}
	vni = (uint32_t)p->data[4] << 16 | (uint32_t)p->data[5] << 8 |
	    p->data[6];
	if (vni != priv->vni) {
		priv->stats.recvWrongVni++;
		ng_pkt_free(pkt);
		return;
	}
	ng_vxlan_learn(node, p->data + NG_VXLAN_HDR_LEN + 6, &p->peer);
	if (priv->inner == NULL) {
		ng_pkt_free(pkt);
		return;
	}
	/* Its fields change: a shared packet is copied first. */
	if (ng_pkt_writable(pkt) != 0)
		return;
	p = *pkt;
	p->data += NG_VXLAN_HDR_LEN;
	p->len -= NG_VXLAN_HDR_LEN;
	p->peer.len = 0;
	memset(&p->vh, 0, sizeof(p->vh));
	priv->stats.recvPackets++;
	priv->stats.recvOctets += p->len;
	(void)ng_send_data(priv->inner, pkt); /* consumes *pkt */
}

/* A super-frame's segments for one remote, as trains. */
struct ng_vxlan_tx {
	struct ng_node *node;
	struct ng_pkt_addr remote; /* a copy: a send may free the entry */
	bool has_remote;
	struct ng_pkt *train; /* being filled */
};

static void
ng_vxlan_train_out(struct ng_vxlan_tx *tx)
{
	struct ng_vxlan_priv *priv = tx->node->priv;
	struct ng_pkt *t = tx->train;
	uint32_t n, len;
	int error;

	if (t == NULL)
		return;
	tx->train = NULL;
	if (priv == NULL || !ng_node_valid(tx->node)) {
		ng_pkt_free(&t);
		return;
	}
	len = t->len;
	n = (len + t->vh.gso_size - 1) / t->vh.gso_size;
	if (n == 1)
		memset(&t->vh, 0, sizeof(t->vh)); /* a plain datagram */
	if (tx->has_remote)
		t->peer = tx->remote;
	error = ng_send_data(priv->outer, &t); /* consumes t */
	if ((priv = tx->node->priv) == NULL)
		return; /* shut down by the send */
	if (error != 0) {
		priv->stats.xmitErrors += n;
		return;
	}
	priv->stats.xmitPackets += n;
	priv->stats.xmitOctets += len;
}

/* One segment (a whole frame): encapsulated onto the train. */
static void
ng_vxlan_train_add(void *arg, struct ng_pkt **seg)
{
	struct ng_vxlan_tx *tx = arg;
	struct ng_vxlan_priv *priv = tx->node->priv;
	struct ng_pkt *t = tx->train;
	uint32_t d = (*seg)->len + NG_VXLAN_HDR_LEN;
	uint32_t vni;
	uint8_t *h;

	if (priv == NULL || !ng_node_valid(tx->node)) { /* gone meanwhile */
		ng_pkt_free(seg);
		return;
	}
	vni = htonl(priv->vni << 8);

	if (d > NG_DGRAMS_BYTES) { /* a segment no train can hold */
		ng_vxlan_train_out(tx);
		ng_vxlan_encap(tx->node, seg);
		return;
	}
	/* Equal datagrams but the last; only a full one may be followed. */
	if (t != NULL &&
	    (t->len % t->vh.gso_size != 0 || d > t->vh.gso_size ||
		t->len + d > NG_DGRAMS_BYTES ||
		t->len / t->vh.gso_size >= NG_DGRAMS_MAX))
		ng_vxlan_train_out(tx);
	if (tx->train == NULL) {
		if ((t = ng_pkt_alloc(tx->node->graph)) == NULL) {
			priv->stats.xmitErrors++;
			ng_pkt_free(seg);
			return;
		}
		t->vh.gso_type = NG_GSO_DGRAMS;
		t->vh.gso_size = (uint16_t)d;
		tx->train = t;
	}
	t = tx->train;
	h = t->data + t->len;
	h[0] = NG_VXLAN_FLAG_I;
	h[1] = h[2] = h[3] = 0;
	memcpy(h + 4, &vni, 4);
	memcpy(h + NG_VXLAN_HDR_LEN, (*seg)->data, (*seg)->len);
	t->len += d;
	ng_pkt_free(seg);
}

/* A super-frame for one remote (or the socket's peer) as trains. */
static int
ng_vxlan_encap_trains(struct ng_node *node, struct ng_pkt **pkt,
    const struct ng_pkt_addr *remote)
{
	struct ng_vxlan_tx tx = { .node = node, .has_remote = remote != NULL };
	int error;

	if (remote != NULL)
		tx.remote = *remote;
	error = ng_pkt_segment(pkt, ETHER_HDR_LEN, ng_vxlan_train_add, &tx);
	ng_vxlan_train_out(&tx);
	if (error != 0 && node->priv != NULL)
		((struct ng_vxlan_priv *)node->priv)->stats.xmitErrors++;
	return error;
}

/* A frame merged or passed on by ng_gro_add: to inner. */
static void
ng_vxlan_deliver(void *arg, struct ng_pkt **pkt)
{
	struct ng_node *node = arg;
	struct ng_vxlan_priv *priv = node->priv;

	if (priv == NULL || priv->inner == NULL || !ng_node_valid(node)) {
		ng_pkt_free(pkt);
		return;
	}
	priv->stats.recvPackets++;
	priv->stats.recvOctets += (*pkt)->len;
	(void)ng_send_data(priv->inner, pkt); /* consumes *pkt */
}

/* A train from outer: each datagram checked and decapsulated. */
static void
ng_vxlan_decap_train(struct ng_node *node, struct ng_pkt **pkt)
{
	struct ng_vxlan_priv *priv = node->priv;
	struct ng_pkt *p = *pkt;
	struct ng_gro gro = { 0 };
	uint32_t seg = p->vh.gso_size;

	ng_node_ref(node); /* a send may shut it down */
	for (uint32_t off = 0; off < p->len; off += seg) {
		const uint8_t *d = p->data + off;
		uint32_t n = p->len - off < seg ? p->len - off : seg, vni;

		if (n < NG_VXLAN_HDR_LEN + ETHER_HDR_LEN) {
			priv->stats.recvRunts++;
			continue;
		}
		if (!(d[0] & NG_VXLAN_FLAG_I)) {
			priv->stats.recvBadFlags++;
			continue;
		}
		vni = (uint32_t)d[4] << 16 | (uint32_t)d[5] << 8 | d[6];
		if (vni != priv->vni) {
			priv->stats.recvWrongVni++;
			continue;
		}
		ng_vxlan_learn(node, d + NG_VXLAN_HDR_LEN + 6, &p->peer);
		if (priv->inner == NULL)
			continue;
		(void)ng_gro_add(&gro, node->graph, d + NG_VXLAN_HDR_LEN,
		    n - NG_VXLAN_HDR_LEN, ETHER_HDR_LEN, ng_vxlan_deliver,
		    node);
		if (!ng_node_valid(node) || (priv = node->priv) == NULL)
			break;
	}
	if (ng_node_valid(node))
		ng_gro_flush(&gro, ng_vxlan_deliver, node);
	else
		ng_pkt_free(&gro.pkt);
	ng_node_unref(node);
	ng_pkt_free(pkt);
}

/* A frame from inner, to outer (the caller holds a reference to node). */
static int
ng_vxlan_output(struct ng_node *node, struct ng_pkt **pkt)
{
	struct ng_vxlan_priv *priv = node->priv;

	if ((*pkt)->vh.gso_type == VIRTIO_NET_HDR_GSO_NONE &&
	    !((*pkt)->vh.flags & VIRTIO_NET_HDR_F_NEEDS_CSUM)) {
		ng_vxlan_encap(node, pkt);
		return 0;
	}
	if (priv->trains && (*pkt)->vh.gso_type != VIRTIO_NET_HDR_GSO_NONE) {
		const struct ng_pkt_addr *remote = ng_vxlan_lookup(node,
		    (*pkt)->data);

		if (remote != NULL || priv->nfloods == 0)
			return ng_vxlan_encap_trains(node, pkt, remote);
	}
	return ng_pkt_segment(pkt, ETHER_HDR_LEN, ng_vxlan_encap, node);
}

static int
ng_vxlan_rcvdata(struct ng_hook *hook, struct ng_pkt **pkt)
{
	struct ng_node *node = hook->node;
	struct ng_vxlan_priv *priv = node->priv;
	int error;

	if (hook == priv->outer) {
		if ((*pkt)->vh.gso_type == NG_GSO_DGRAMS &&
		    (*pkt)->vh.gso_size > 0)
			ng_vxlan_decap_train(node, pkt);
		else
			ng_vxlan_decap(node, pkt);
		return 0;
	}
	if (priv->outer == NULL || (*pkt)->len < ETHER_HDR_LEN) {
		ng_pkt_free(pkt);
		return 0;
	}
	/* A send to outer may shut the node down: node stays ours until
	 * every datagram of the frame has gone (its priv may not). */
	ng_node_ref(node);
	error = ng_vxlan_output(node, pkt);
	ng_node_unref(node);
	return error;
}

/* --- node and messages --------------------------------------------------- */

static int
ng_vxlan_constructor(struct ng_node *node)
{
	struct ng_vxlan_priv *priv = calloc(1, sizeof(*priv));

	if (priv == NULL)
		return ENOMEM;
	priv->port = NG_VXLAN_PORT;
	priv->learn = 1;
	priv->max_age = NG_VXLAN_MAX_AGE;
	priv->hash_key = ng_random64(node->graph);
	node->priv = priv;
	return 0;
}

static int
ng_vxlan_newhook(struct ng_node *node, struct ng_hook *hook, const char *name)
{
	struct ng_vxlan_priv *priv = node->priv;
	struct ng_hook **hp;

	if (strcmp(name, NG_VXLAN_HOOK_INNER) == 0)
		hp = &priv->inner;
	else if (strcmp(name, NG_VXLAN_HOOK_OUTER) == 0)
		hp = &priv->outer;
	else
		return EINVAL;
	if (*hp != NULL)
		return EISCONN;
	*hp = hook;
	return 0;
}

/*
 * outer joined: ask its peer for trains (a ksocket says yes by turning
 * UDP_GRO on; anything else says no, and frames go one by one).
 */
static int
ng_vxlan_connect(struct ng_hook *hook)
{
	struct ng_vxlan_priv *priv = hook->node->priv;
	struct ng_ksocket_sockopt *so;
	struct ng_mesg *m;
	int32_t on = 1;

	/* Only a ksocket is asked: a client's socket node would pass the
	 * message on and say yes for its program. */
	if (hook != priv->outer || hook->peer == NULL ||
	    hook->peer->node->type->cookie != NGM_KSOCKET_COOKIE)
		return 0;
	m = ng_mkmsg(NGM_KSOCKET_COOKIE, NGM_KSOCKET_SETOPT,
	    sizeof(*so) + sizeof(on));
	if (m == NULL)
		return 0;
	so = (struct ng_ksocket_sockopt *)m->data;
	so->level = SOL_UDP;
	so->name = UDP_GRO;
	memcpy(m->data + sizeof(*so), &on, sizeof(on));
	priv->trains = ng_send_hook_msg(hook, m) == 0;
	free(m);
	return 0;
}

static int
ng_vxlan_disconnect(struct ng_hook *hook)
{
	struct ng_node *node = hook->node;
	struct ng_vxlan_priv *priv = node->priv;

	if (priv->inner == hook)
		priv->inner = NULL;
	if (priv->outer == hook) {
		priv->outer = NULL;
		priv->trains = false;
	}
	if (node->numhooks == 0 && ng_node_valid(node))
		ng_rmnode(node);
	return 0;
}

/* A new config, checked whole before anything changes. */
static int
ng_vxlan_setconfig(struct ng_node *node, const struct ng_mesg *msg)
{
	struct ng_vxlan_priv *priv = node->priv;
	const struct ng_vxlan_config *c =
	    (const struct ng_vxlan_config *)msg->data;
	struct ng_pkt_addr *floods = NULL, pa;
	struct ng_vxlan_entry *statics = NULL;
	struct ng_vxlan_fdb *e, **pp;
	unsigned nfloods = 0;
	static const uint8_t zero[6];

	if (msg->header.arglen < sizeof(*c) ||
	    c->numStatic > NG_VXLAN_MAX_STATIC ||
	    msg->header.arglen <
		sizeof(*c) + c->numStatic * sizeof(c->entries[0]) ||
	    c->vni > NG_VXLAN_VNI_MAX || c->learn > 1)
		return EINVAL;
	for (uint32_t i = 0; i < c->numStatic; i++) {
		const struct ng_vxlan_entry *en = &c->entries[i];

		if (!ng_vxlan_sockaddr(&en->addr, en->port, &pa))
			return EINVAL;
		if ((en->mac[0] & 1) && memcmp(en->mac, zero, 6) != 0)
			return EINVAL; /* a group address is no host */
	}
	if (c->numStatic > 0) {
		floods = calloc(c->numStatic, sizeof(*floods));
		statics = calloc(c->numStatic, sizeof(*statics));
		if (floods == NULL || statics == NULL) {
			free(floods);
			free(statics);
			return ENOMEM;
		}
		memcpy(statics, c->entries, c->numStatic * sizeof(*statics));
	}
	ng_vxlan_flush(priv, true);
	priv->vni = c->vni;
	priv->max_age = c->maxAge;
	priv->port = c->port;
	priv->learn = c->learn;
	if (priv->port == 0)
		priv->port = NG_VXLAN_PORT;
	for (uint32_t i = 0; i < c->numStatic; i++) {
		const struct ng_vxlan_entry *en = &statics[i];
		uint16_t port = en->port != 0 ? en->port : priv->port;

		(void)ng_vxlan_sockaddr(&en->addr, port, &pa);
		if (memcmp(en->mac, zero, 6) == 0) {
			floods[nfloods++] = pa;
			continue;
		}
		pp = ng_vxlan_find(priv, en->mac);
		if ((e = *pp) == NULL) {
			if ((e = calloc(1, sizeof(*e))) == NULL)
				continue; /* kept in statics: getconfig shows it */
			memcpy(e->mac, en->mac, 6);
			e->next = *pp;
			*pp = e;
		}
		e->is_static = true;
		e->remote = pa;
	}
	free(priv->floods);
	free(priv->statics);
	priv->floods = floods;
	priv->nfloods = nfloods;
	priv->statics = statics;
	priv->nstatics = c->numStatic;
	return 0;
}

static int
ng_vxlan_getconfig(struct ng_node *node, const struct ng_mesg *msg,
    struct ng_mesg **resp)
{
	struct ng_vxlan_priv *priv = node->priv;
	struct ng_vxlan_config *c;
	size_t n = priv->nstatics;

	*resp = ng_mkresponse(msg, sizeof(*c) + n * sizeof(c->entries[0]));
	if (*resp == NULL)
		return ENOMEM;
	c = (struct ng_vxlan_config *)(*resp)->data;
	c->vni = priv->vni;
	c->maxAge = priv->max_age;
	c->port = priv->port;
	c->learn = priv->learn;
	c->numStatic = (uint32_t)n;
	if (n > 0)
		memcpy(c->entries, priv->statics, n * sizeof(c->entries[0]));
	return 0;
}

static void
ng_vxlan_host_of(const struct ng_vxlan_fdb *e, uint64_t now,
    struct ng_vxlan_host *h)
{
	memset(h, 0, sizeof(*h));
	memcpy(h->mac, e->mac, 6);
	if (e->remote.u.sa.sa_family == AF_INET) {
		h->addr.family = AF_INET;
		memcpy(h->addr.addr, &e->remote.u.sin.sin_addr, 4);
		h->port = ntohs(e->remote.u.sin.sin_port);
	} else {
		h->addr.family = AF_INET6;
		memcpy(h->addr.addr, &e->remote.u.sin6.sin6_addr, 16);
		h->port = ntohs(e->remote.u.sin6.sin6_port);
	}
	h->isStatic = e->is_static;
	h->age = e->is_static ? 0 : (uint32_t)((now - e->seen_ms) / 1000);
}

/* gettable: every host, expired ones dropped first.  O(table). */
static int
ng_vxlan_gettable(struct ng_node *node, const struct ng_mesg *msg,
    struct ng_mesg **resp)
{
	struct ng_vxlan_priv *priv = node->priv;
	uint64_t now = ng_now_ms(node->graph);
	struct ng_vxlan_table *t;
	unsigned n = 0;

	for (unsigned b = 0; b < NG_VXLAN_BUCKETS; b++) {
		struct ng_vxlan_fdb **pp = &priv->fdb[b];

		while (*pp != NULL) {
			if (ng_vxlan_expired(priv, *pp, now)) {
				ng_vxlan_unlink(priv, pp);
				continue;
			}
			n++;
			pp = &(*pp)->next;
		}
	}
	*resp = ng_mkresponse(msg, sizeof(*t) + n * sizeof(t->hosts[0]));
	if (*resp == NULL)
		return ENOMEM;
	t = (struct ng_vxlan_table *)(*resp)->data;
	t->n = n;
	n = 0;
	for (unsigned b = 0; b < NG_VXLAN_BUCKETS; b++)
		for (struct ng_vxlan_fdb *e = priv->fdb[b]; e != NULL;
		     e = e->next)
			ng_vxlan_host_of(e, now, &t->hosts[n++]);
	return 0;
}

static int
ng_vxlan_rcvmsg(struct ng_node *node, const struct ng_msgctx *ctx,
    struct ng_mesg *msg, struct ng_mesg **resp)
{
	struct ng_vxlan_priv *priv = node->priv;
	uint32_t v;

	(void)ctx;
	if (msg->header.typecookie != NGM_VXLAN_COOKIE ||
	    (msg->header.flags & NGF_RESP))
		return EINVAL;
	switch (msg->header.cmd) {
	case NGM_VXLAN_SET_VNI:
		if (msg->header.arglen != sizeof(v))
			return EINVAL;
		memcpy(&v, msg->data, sizeof(v));
		if (v > NG_VXLAN_VNI_MAX)
			return EINVAL;
		if (v != priv->vni)
			ng_vxlan_flush(priv, false); /* another segment */
		priv->vni = v;
		return 0;
	case NGM_VXLAN_GET_VNI:
		if ((*resp = ng_mkresponse(msg, sizeof(v))) == NULL)
			return ENOMEM;
		memcpy((*resp)->data, &priv->vni, sizeof(v));
		return 0;
	case NGM_VXLAN_GET_STATS:
	case NGM_VXLAN_GETCLR_STATS:
		*resp = ng_mkresponse(msg, sizeof(priv->stats));
		if (*resp == NULL)
			return ENOMEM;
		memcpy((*resp)->data, &priv->stats, sizeof(priv->stats));
		if (msg->header.cmd == NGM_VXLAN_GET_STATS)
			return 0;
		/* FALLTHROUGH */
	case NGM_VXLAN_CLR_STATS:
		memset(&priv->stats, 0, sizeof(priv->stats));
		return 0;
	case NGM_VXLAN_SET_CONFIG:
		return ng_vxlan_setconfig(node, msg);
	case NGM_VXLAN_GET_CONFIG:
		return ng_vxlan_getconfig(node, msg, resp);
	case NGM_VXLAN_GET_TABLE:
		return ng_vxlan_gettable(node, msg, resp);
	case NGM_VXLAN_FLUSH:
		ng_vxlan_flush(priv, false);
		return 0;
	}
	return EINVAL;
}

static int
ng_vxlan_shutdown(struct ng_node *node)
{
	struct ng_vxlan_priv *priv = node->priv;

	if (priv == NULL)
		return 0;
	ng_vxlan_flush(priv, true);
	free(priv->floods);
	free(priv->statics);
	free(priv);
	node->priv = NULL;
	return 0;
}

NG_PARSE_STRUCT(ng_vxlan_entry, NG_VXLAN_ENTRY_FIELDS);
NG_PARSE_STRUCT(ng_vxlan_config, NG_VXLAN_CONFIG_FIELDS);
NG_PARSE_STRUCT(ng_vxlan_stats, NG_VXLAN_STATS_FIELDS);
NG_PARSE_STRUCT(ng_vxlan_host, NG_VXLAN_HOST_FIELDS);
NG_PARSE_STRUCT(ng_vxlan_table, NG_VXLAN_TABLE_FIELDS);

#define X NGM_VXLAN_COOKIE
/* Journal and takeover: its VNI and config. */
static int
ng_vxlan_save(struct ng_node *node, ng_save_fn *emit, void *arg)
{
	int error;

	error = ng_save_getset(node, NGM_VXLAN_COOKIE, NGM_VXLAN_GET_VNI,
	    NGM_VXLAN_SET_VNI, emit, arg);
	if (error == 0)
		error = ng_save_getset(node, NGM_VXLAN_COOKIE,
		    NGM_VXLAN_GET_CONFIG, NGM_VXLAN_SET_CONFIG, emit, arg);
	return error;
}

static const struct ng_cmdlist ng_vxlan_cmds[] = {
	{ X, NGM_VXLAN_SET_VNI, "setvni", &ng_parse_uint32_type, NULL },
	{ X, NGM_VXLAN_GET_VNI, "getvni", NULL, &ng_parse_uint32_type },
	{ X, NGM_VXLAN_GET_STATS, "getstats", NULL,
	    &ng_vxlan_stats_parse_type },
	{ X, NGM_VXLAN_CLR_STATS, "clrstats", NULL, NULL },
	{ X, NGM_VXLAN_GETCLR_STATS, "getclrstats", NULL,
	    &ng_vxlan_stats_parse_type },
	{ X, NGM_VXLAN_SET_CONFIG, "setconfig", &ng_vxlan_config_parse_type,
	    NULL },
	{ X, NGM_VXLAN_GET_CONFIG, "getconfig", NULL,
	    &ng_vxlan_config_parse_type },
	{ X, NGM_VXLAN_GET_TABLE, "gettable", NULL,
	    &ng_vxlan_table_parse_type },
	{ X, NGM_VXLAN_FLUSH, "flush", NULL, NULL },
	{ 0, 0, NULL, NULL, NULL },
};
#undef X

const struct ng_type ng_vxlan_type = {
	.name = NG_VXLAN_NODE_TYPE,
	.cookie = NGM_VXLAN_COOKIE,
	.constructor = ng_vxlan_constructor,
	.rcvmsg = ng_vxlan_rcvmsg,
	.shutdown = ng_vxlan_shutdown,
	.newhook = ng_vxlan_newhook,
	.rcvdata = ng_vxlan_rcvdata,
	.connect = ng_vxlan_connect,
	.disconnect = ng_vxlan_disconnect,
	.cmdlist = ng_vxlan_cmds,
	.save = ng_vxlan_save,
};
