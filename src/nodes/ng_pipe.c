/*
 * ng_pipe.c: the pipe node, a link emulator (spec §9.13).  Hooks: "upper"
 * and "lower"; what enters on upper flows downstream and leaves by lower,
 * and the other way upstream.  Each direction has a bandwidth (a frame
 * waits in a FIFO of queuelen frames until the link is free, then takes
 * its size times 8 over the bandwidth to cross), a delay shared by both
 * directions (frames on the wire, at most delaylen of them), a bit error
 * rate (a frame of n bits survives with probability (1 - 1/BER)^n) and a
 * duplication percentage.  Messages: getstats, clrstats, getclrstats,
 * getrun, getcfg, setcfg.  With nothing configured, frames pass straight
 * through.  At shutdown the two peers are joined to each other; the node
 * does not die when hookless.
 *
 * Time is the engine's clock, so tests run it at will.  Costs: queues are
 * rings of packet pointers that grow by doubling when full and are kept,
 * so no frame costs a malloc; a duplicate is a reference, not a copy;
 * one timer per node, armed for the next frame due.
 *
 * Queueing: fifo serves frames in arrival order.  drr and wfq give each
 * IPv4 flow (source and destination address, found header_offset bytes
 * in) a queue of its own: drr serves the queues in turn, each up to a
 * quantum of bytes per round; wfq serves first the queue whose head
 * frame would finish first if every queue had an equal share of the
 * bandwidth.  qin_size_limit counts the frames of all queues; over it,
 * the longest queue loses a frame (its newest, or its oldest with
 * drophead).  Flow queues, once made, are kept for reuse.
 *
 * Whatever the limits say, the frames the node holds (queued or on the
 * wire, both directions) count against the engine's per-node budget
 * (ng_pkt_hold): over it, a frame is dropped and counted, so a flooded
 * pipe with a long delay cannot take the packet pool from the rest of
 * the graph.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <netgraph/ng_pipe.h>

#include "ng_core.h"
#include "ng_parse.h"

#define NG_PIPE_RING_MIN 64
#define NG_PIPE_QUEUELEN_DEFAULT 50
#define NG_PIPE_DRR_QUANTUM 2048
#define NG_PIPE_BW_MIN 100
#define NG_PIPE_BW_MAX 1000000000
#define NG_PIPE_DELAY_MAX 10000000 /* µs, exclusive */
#define NG_PIPE_BER_MAX 1000000000000ull
#define NG_PIPE_ONE (1ull << 62) /* 1.0 in the BER fixed point */

#define NG_PIPE_RESET64 UINT64_MAX /* -1 in a setcfg field */
#define NG_PIPE_RESET32 UINT32_MAX

/* A frame in a queue and when it is due (µs on the engine clock). */
struct ng_pipe_slot {
	struct ng_pkt *pkt;
	uint64_t when;
};

/* A FIFO of frames; cap is a power of two. */
struct ng_pipe_ring {
	struct ng_pipe_slot *slot;
	uint32_t cap, head, count;
};

/* The frames of one flow waiting for the link (fifo: all frames). */
struct ng_pipe_flow {
	struct ng_pipe_flow *next; /* in service order, or spare */
	struct ng_pipe_ring q;
	uint32_t hash;
	uint32_t deficit; /* drr: bytes it may send this round */
	uint64_t vtime;   /* wfq: µs when its head would be through */
};

/* One direction, named after the hook it enters by. */
struct ng_pipe_dir {
	struct ng_hook *hook;
	struct ng_pipe_hookcfg cfg;
	struct ng_pipe_hookrun run;
	struct ng_pipe_hookstat stats;
	struct ng_pipe_flow *flows; /* waiting for the link, in service order */
	struct ng_pipe_flow *spare; /* emptied queues, kept for reuse */
	struct ng_pipe_ring outq;   /* on the wire, until due */
	uint64_t link_free; /* µs: when the link takes the next frame */
};

struct ng_pipe_priv {
	struct ng_node *node;
	uint64_t delay; /* µs */
	uint32_t overhead;
	uint32_t header_offset;
	struct ng_pipe_dir upper; /* downstream */
	struct ng_pipe_dir lower; /* upstream */
	struct ng_timer timer;
	uint64_t rng;        /* xorshift64* state, never 0 */
	struct ng_hold hold; /* frames in the queues of both directions */
};

static void ng_pipe_timeout(struct ng_node *node, void *arg);

/* --- rings and randomness ----------------------------------------------- */

static int
ng_pipe_push(struct ng_pipe_ring *r, struct ng_pkt *pkt, uint64_t when)
{
	if (r->count == r->cap) {
		uint32_t ncap = r->cap != 0 ? r->cap * 2 : NG_PIPE_RING_MIN;
		struct ng_pipe_slot *s;

		if (ncap == 0 || (s = malloc(ncap * sizeof(*s))) == NULL)
			return ENOMEM;
		for (uint32_t i = 0; i < r->count; i++)
			s[i] = r->slot[(r->head + i) & (r->cap - 1)];
		free(r->slot);
		r->slot = s;
		r->cap = ncap;
		r->head = 0;
	}
	r->slot[(r->head + r->count) & (r->cap - 1)] = (struct ng_pipe_slot){
		pkt, when
	};
	r->count++;
	return 0;
}

static struct ng_pipe_slot *
ng_pipe_first(struct ng_pipe_ring *r)
{
	return r->count > 0 ? &r->slot[r->head] : NULL;
}

static struct ng_pkt *
ng_pipe_pop(struct ng_pipe_ring *r)
{
	struct ng_pkt *pkt = r->slot[r->head].pkt;

	r->head = (r->head + 1) & (r->cap - 1);
	r->count--;
	return pkt;
}

static struct ng_pkt *
ng_pipe_pop_tail(struct ng_pipe_ring *r)
{
	r->count--;
	return r->slot[(r->head + r->count) & (r->cap - 1)].pkt;
}

/* A held frame leaves the node: off its budget; consumes *pkt. */
static void
ng_pipe_drop_held(struct ng_pipe_priv *priv, struct ng_pkt **pkt)
{
	ng_pkt_release(priv->node->graph, &priv->hold, *pkt);
	ng_pkt_free(pkt);
}

static void
ng_pipe_flush(struct ng_pipe_priv *priv, struct ng_pipe_ring *r)
{
	while (r->count > 0) {
		struct ng_pkt *pkt = ng_pipe_pop(r);

		ng_pipe_drop_held(priv, &pkt);
	}
}

static uint64_t
ng_pipe_random(struct ng_pipe_priv *priv)
{
	uint64_t x = priv->rng;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	priv->rng = x;
	return x * 2685821657736338717ull;
}

/* a * b in the BER fixed point. */
static uint64_t
ng_pipe_mul(uint64_t a, uint64_t b)
{
	return (uint64_t)(((unsigned __int128)a * b) >> 62);
}

/* Whether a frame of bytes bytes is hit by a bit error: it survives with
 * (1 - 1/BER)^bits, computed by squaring (about 20 multiplications). */
static bool
ng_pipe_ber_hit(struct ng_pipe_priv *priv, uint64_t ber, uint64_t bytes)
{
	uint64_t ok = NG_PIPE_ONE, q = NG_PIPE_ONE - NG_PIPE_ONE / ber;

	for (uint64_t n = bytes * 8; n != 0; n >>= 1) {
		if (n & 1)
			ok = ng_pipe_mul(ok, q);
		q = ng_pipe_mul(q, q);
	}
	return (ng_pipe_random(priv) >> 2) >= ok;
}

/* --- the queues ---------------------------------------------------------- */

static struct ng_pipe_dir *
ng_pipe_other(struct ng_pipe_priv *priv, struct ng_pipe_dir *d)
{
	return d == &priv->upper ? &priv->lower : &priv->upper;
}

static bool
ng_pipe_impaired(const struct ng_pipe_priv *priv, const struct ng_pipe_dir *d)
{
	return d->cfg.bandwidth != 0 || priv->delay != 0 ||
	    d->cfg.duplicate != 0 || d->cfg.ber != 0;
}

static uint64_t
ng_pipe_now(struct ng_pipe_priv *priv)
{
	return ng_now_ms(priv->node->graph) * 1000;
}

/* --- flows ------------------------------------------------------------- */

/* Which queue a frame joins: 0 under fifo and for all but IPv4. */
static uint32_t
ng_pipe_hash(const struct ng_pipe_priv *priv, const struct ng_pipe_dir *d,
    const struct ng_pkt *pkt)
{
	const uint8_t *ip = pkt->data + priv->header_offset;
	uint32_t src, dst;
	uint64_t x;

	if (d->cfg.fifo || pkt->len < priv->header_offset + 20 || ip[0] != 0x45)
		return 0;
	memcpy(&src, ip + 12, 4);
	memcpy(&dst, ip + 16, 4);
	x = ((uint64_t)src << 32 | dst) * 0x9e3779b97f4a7c15ull;
	return (uint32_t)(x >> 32) | 1; /* never 0, the non-IPv4 queue */
}

/* Put f in d's service order: by vtime under wfq, else last. */
static void
ng_pipe_flow_place(struct ng_pipe_priv *priv, struct ng_pipe_dir *d,
    struct ng_pipe_flow *f, uint64_t now)
{
	struct ng_pipe_flow **pp = &d->flows;

	if (d->cfg.wfq && d->cfg.bandwidth != 0) {
		uint32_t len = ng_pipe_first(&f->q)->pkt->len;

		f->vtime = now +
		    ((uint64_t)len + priv->overhead) * d->run.fifo_queues *
			8000000 / d->cfg.bandwidth;
		while (*pp != NULL && (*pp)->vtime <= f->vtime)
			pp = &(*pp)->next;
	} else {
		while (*pp != NULL)
			pp = &(*pp)->next;
	}
	f->next = *pp;
	*pp = f;
}

static void
ng_pipe_flow_unlink(struct ng_pipe_dir *d, struct ng_pipe_flow *f)
{
	struct ng_pipe_flow **pp = &d->flows;

	while (*pp != f)
		pp = &(*pp)->next;
	*pp = f->next;
}

/* f has no frames left: off the list, kept for the next flow. */
static void
ng_pipe_flow_retire(struct ng_pipe_dir *d, struct ng_pipe_flow *f)
{
	ng_pipe_flow_unlink(d, f);
	f->next = d->spare;
	d->spare = f;
	d->run.fifo_queues--;
}

/* The queue of flow hash, made (from a spare if there is one) if new. */
static struct ng_pipe_flow *
ng_pipe_flow_get(struct ng_pipe_dir *d, uint32_t hash, bool *fresh)
{
	struct ng_pipe_flow *f;

	*fresh = false;
	for (f = d->flows; f != NULL; f = f->next)
		if (f->hash == hash)
			return f;
	if ((f = d->spare) != NULL)
		d->spare = f->next;
	else if ((f = calloc(1, sizeof(*f))) == NULL)
		return NULL;
	f->hash = hash;
	f->deficit = d->cfg.drr;
	f->next = NULL;
	*fresh = true;
	return f;
}

static void
ng_pipe_flows_flush(struct ng_pipe_priv *priv, struct ng_pipe_dir *d)
{
	while (d->flows != NULL) {
		ng_pipe_flush(priv, &d->flows->q);
		ng_pipe_flow_retire(d, d->flows);
	}
}

static void
ng_pipe_flows_free(struct ng_pipe_priv *priv, struct ng_pipe_dir *d)
{
	struct ng_pipe_flow *f;

	ng_pipe_flows_flush(priv, d);
	while ((f = d->spare) != NULL) {
		d->spare = f->next;
		free(f->q.slot);
		free(f);
	}
}

/*
 * Move d's frames along: from the queues onto the wire while the link is
 * free (scheduling, bandwidth, bit errors, duplicates, delaylen), then
 * off the wire to the far hook once due, until the frames let go since
 * the turn began (since: ng_sends then) cost a turn's deliveries
 * (NG_BATCH_SENDS): into a storm each costs up to NG_MAX_SENDS, and a
 * timer run let go up to NG_HOLD_PKTS (256) at once.  The rest are due
 * now: the timer, armed for now, lets them go in the next run, after
 * the loop's other sources (ng_timers_run).  false: a send shut the
 * node down, priv is gone.
 */
static bool
ng_pipe_dequeue(struct ng_pipe_priv *priv, struct ng_pipe_dir *d, uint64_t now,
    uint64_t since)
{
	struct ng_pipe_dir *far = ng_pipe_other(priv, d);
	struct ng_node *node = priv->node;
	struct ng_pipe_slot *s;
	bool alive;
	int error;

	while (d->flows != NULL && d->link_free <= now) {
		struct ng_pipe_flow *f = d->flows;
		struct ng_pkt *pkt = ng_pipe_first(&f->q)->pkt;
		uint32_t len = pkt->len;

		if (d->cfg.drr != 0) {
			if (f->deficit < len) {
				/* Its turn is over: a quantum more, last in
				 * line (alone, it is served again at once). */
				f->deficit += d->cfg.drr;
				ng_pipe_flow_unlink(d, f);
				ng_pipe_flow_place(priv, d, f, now);
				continue;
			}
			f->deficit -= len;
		}
		if (d->cfg.duplicate != 0 &&
		    ng_pipe_random(priv) % 100 < d->cfg.duplicate &&
		    ng_pkt_hold(priv->node->graph, &priv->hold, pkt)) {
			pkt = ng_pkt_ref(pkt); /* the original stays queued */
		} else {
			(void)ng_pipe_pop(&f->q);
			d->run.qin_frames--;
			d->run.qin_octets -= len;
		}
		if (f->q.count == 0) {
			ng_pipe_flow_retire(d, f);
		} else if (d->cfg.wfq) { /* its next frame decides its place */
			ng_pipe_flow_unlink(d, f);
			ng_pipe_flow_place(priv, d, f, now);
		}
		if (d->cfg.bandwidth != 0)
			d->link_free += ((uint64_t)len + priv->overhead) *
			    8000000 / d->cfg.bandwidth;
		if ((d->cfg.ber != 0 &&
			ng_pipe_ber_hit(priv, d->cfg.ber,
			    (uint64_t)len + priv->overhead)) ||
		    (d->cfg.qout_size_limit != 0 &&
			d->outq.count >= d->cfg.qout_size_limit) ||
		    ng_pipe_push(&d->outq, pkt, d->link_free + priv->delay) !=
			0) {
			d->stats.out_disc_frames++;
			d->stats.out_disc_octets += len;
			ng_pipe_drop_held(priv, &pkt);
			continue;
		}
		d->run.qout_frames++;
		d->run.qout_octets += len;
	}
	while ((s = ng_pipe_first(&d->outq)) != NULL && s->when <= now &&
	    ng_sends(priv->node->graph) - since < NG_BATCH_SENDS) {
		struct ng_pkt *pkt = ng_pipe_pop(&d->outq);
		uint32_t len = pkt->len;

		d->run.qout_frames--;
		d->run.qout_octets -= len;
		ng_pkt_release(priv->node->graph, &priv->hold, pkt);
		/* The send may shut the node down (ng_send_data). */
		ng_node_ref(node);
		error = ng_send_data(far->hook, &pkt); /* consumes pkt */
		alive = ng_node_valid(node) && node->priv == priv;
		ng_node_unref(node);
		if (!alive)
			return false;
		if (error == 0) {
			d->stats.fwd_frames++;
			d->stats.fwd_octets += len;
		} else {
			d->stats.out_disc_frames++;
			d->stats.out_disc_octets += len;
		}
	}
	return true;
}

/* Arm the timer for the next frame due in either direction. */
static void
ng_pipe_schedule(struct ng_pipe_priv *priv, uint64_t now)
{
	struct ng_graph *g = priv->node->graph;
	struct ng_pipe_dir *dirs[2] = { &priv->upper, &priv->lower };
	uint64_t due = UINT64_MAX, due_ms;

	for (int i = 0; i < 2; i++) {
		struct ng_pipe_slot *s = ng_pipe_first(&dirs[i]->outq);

		if (dirs[i]->flows != NULL && dirs[i]->link_free < due)
			due = dirs[i]->link_free;
		if (s != NULL && s->when < due)
			due = s->when;
	}
	if (due == UINT64_MAX) {
		ng_timer_stop(g, &priv->timer);
		return;
	}
	due_ms = (due + 999) / 1000;
	if (priv->timer.armed && priv->timer.when <= due_ms)
		return; /* it fires first and looks again */
	ng_timer_start(g, &priv->timer,
	    due_ms > now / 1000 ? due_ms - now / 1000 : 0, ng_pipe_timeout,
	    priv->node, NULL);
}

static void
ng_pipe_timeout(struct ng_node *node, void *arg)
{
	struct ng_pipe_priv *priv = node->priv;
	uint64_t now, since;

	(void)arg;
	if (priv == NULL)
		return;
	now = ng_pipe_now(priv);
	since = ng_sends(node->graph);
	if (ng_pipe_dequeue(priv, &priv->upper, now, since) &&
	    ng_pipe_dequeue(priv, &priv->lower, now, since))
		ng_pipe_schedule(priv, now);
}

/* --- node methods -------------------------------------------------------- */

static void
ng_pipe_dir_init(struct ng_pipe_dir *d)
{
	d->cfg.qin_size_limit = NG_PIPE_QUEUELEN_DEFAULT;
	d->cfg.fifo = 1;
	d->cfg.droptail = 1;
}

static int
ng_pipe_constructor(struct ng_node *node)
{
	struct ng_pipe_priv *priv;

	priv = calloc(1, sizeof(*priv));
	if (priv == NULL)
		return ENOMEM;
	priv->node = node;
	priv->rng = (ng_now_ms(node->graph) ^ (uint64_t)node->id << 32) |
	    1; /* any odd seed will do */
	ng_pipe_dir_init(&priv->upper);
	ng_pipe_dir_init(&priv->lower);
	node->priv = priv;
	return 0;
}

static int
ng_pipe_newhook(struct ng_node *node, struct ng_hook *hook, const char *name)
{
	struct ng_pipe_priv *priv = node->priv;
	struct ng_pipe_dir *d;

	if (strcmp(name, NG_PIPE_HOOK_UPPER) == 0)
		d = &priv->upper;
	else if (strcmp(name, NG_PIPE_HOOK_LOWER) == 0)
		d = &priv->lower;
	else
		return EINVAL;
	if (d->hook != NULL)
		return EISCONN;
	d->hook = hook;
	memset(&d->stats, 0, sizeof(d->stats));
	hook->priv = d;
	return 0;
}

/*
 * Put a frame in its flow's queue; over qin_size_limit, the longest queue
 * loses its newest frame (its oldest with drophead).
 */
static void
ng_pipe_enqueue(struct ng_pipe_priv *priv, struct ng_pipe_dir *d,
    struct ng_pkt **pkt)
{
	struct ng_pipe_flow *f, *longest;
	uint32_t len = (*pkt)->len;
	struct ng_pkt *victim;
	bool fresh;

	if (!ng_pkt_hold(priv->node->graph, &priv->hold, *pkt)) {
		d->stats.in_disc_frames++; /* over the node's budget */
		d->stats.in_disc_octets += len;
		ng_pkt_free(pkt);
		return;
	}
	f = ng_pipe_flow_get(d, ng_pipe_hash(priv, d, *pkt), &fresh);
	if (f == NULL || ng_pipe_push(&f->q, *pkt, 0) != 0) {
		if (f != NULL && fresh) {
			f->next = d->spare;
			d->spare = f;
		}
		d->stats.in_disc_frames++;
		d->stats.in_disc_octets += len;
		ng_pipe_drop_held(priv, pkt);
		return;
	}
	*pkt = NULL; /* the queue has it */
	d->run.qin_frames++;
	d->run.qin_octets += len;
	if (fresh) {
		d->run.fifo_queues++;
		ng_pipe_flow_place(priv, d, f, ng_pipe_now(priv));
	}
	if (d->run.qin_frames <= d->cfg.qin_size_limit)
		return;
	longest = d->flows;
	for (f = d->flows; f != NULL; f = f->next)
		if (f->q.count > longest->q.count)
			longest = f;
	victim = d->cfg.drophead ? ng_pipe_pop(&longest->q) :
				   ng_pipe_pop_tail(&longest->q);
	d->run.qin_frames--;
	d->run.qin_octets -= victim->len;
	d->stats.in_disc_frames++;
	d->stats.in_disc_octets += victim->len;
	ng_pipe_drop_held(priv, &victim);
	if (longest->q.count == 0)
		ng_pipe_flow_retire(d, longest);
}

/* Segments of one super-frame, which may carry an out-of-band tag. */
struct ng_pipe_seg {
	struct ng_pipe_priv *priv;
	struct ng_pipe_dir *d;
	bool vlan_tagged;
	uint16_t vlan_tag;
};

static void
ng_pipe_enqueue_seg(void *arg, struct ng_pkt **seg)
{
	struct ng_pipe_seg *s = arg;

	(*seg)->vlan_tagged = s->vlan_tagged;
	(*seg)->vlan_tag = s->vlan_tag;
	ng_pipe_enqueue(s->priv, s->d, seg);
}

static int
ng_pipe_rcvdata(struct ng_hook *hook, struct ng_pkt **pkt)
{
	struct ng_pipe_priv *priv = hook->node->priv;
	struct ng_pipe_dir *d = hook->priv, *far = ng_pipe_other(priv, d);
	uint32_t len = (*pkt)->len;
	uint64_t now;
	int error;

	if (!ng_pipe_impaired(priv, d) && d->flows == NULL &&
	    d->outq.count == 0) {
		struct ng_node *node = hook->node;
		bool alive;

		/* The send may shut the node down (ng_send_data). */
		ng_node_ref(node);
		error = ng_send_data(far->hook, pkt); /* consumes *pkt */
		alive = ng_node_valid(node) && node->priv == priv;
		ng_node_unref(node);
		if (!alive)
			return error;
		if (error == 0) {
			d->stats.fwd_frames++;
			d->stats.fwd_octets += len;
		} else {
			d->stats.out_disc_frames++;
			d->stats.out_disc_octets += len;
		}
		return error;
	}
	now = ng_pipe_now(priv);
	if (d->flows == NULL && d->link_free < now)
		d->link_free = now; /* an idle link is free now */
	if ((d->cfg.ber != 0 || d->cfg.duplicate != 0) &&
	    (*pkt)->vh.gso_type != VIRTIO_NET_HDR_GSO_NONE) {
		/* Bit errors and duplicates strike frames as the wire
		 * carries them, not a 64 KiB super-frame at once. */
		struct ng_pipe_seg sg = { priv, d, (*pkt)->vlan_tagged,
			(*pkt)->vlan_tag };

		if (ng_pkt_segment(pkt, ng_pkt_l2len(*pkt), ng_pipe_enqueue_seg,
			&sg) != 0) { /* consumes *pkt */
			d->stats.in_disc_frames++;
			d->stats.in_disc_octets += len;
		}
	} else {
		ng_pipe_enqueue(priv, d, pkt);
	}
	if (ng_pipe_dequeue(priv, d, now, ng_sends(hook->node->graph)))
		ng_pipe_schedule(priv, now);
	return 0;
}

/*
 * A setcfg field: 0 keeps, -1 resets, anything else must be in [lo, hi].
 * FreeBSD ignores a value out of range without a word; we refuse the
 * whole message (EINVAL) and change nothing.
 */
static bool
ng_pipe_ok64(uint64_t v, uint64_t lo, uint64_t hi)
{
	return v == 0 || v == NG_PIPE_RESET64 || (v >= lo && v <= hi);
}

static bool
ng_pipe_ok32(uint32_t v, uint32_t lo, uint32_t hi)
{
	return v == 0 || v == NG_PIPE_RESET32 || (v >= lo && v <= hi);
}

static bool
ng_pipe_cfg_ok(const struct ng_pipe_cfg *c)
{
	const struct ng_pipe_hookcfg *dirs[2] = { &c->downstream,
		&c->upstream };

	if (!ng_pipe_ok64(c->delay, 1, NG_PIPE_DELAY_MAX - 1) ||
	    !ng_pipe_ok64(c->bandwidth, NG_PIPE_BW_MIN, NG_PIPE_BW_MAX) ||
	    !ng_pipe_ok32(c->overhead, 1, NG_PIPE_MAX_OHSIZE - 1) ||
	    !ng_pipe_ok32(c->header_offset, 1, 63))
		return false;
	for (int i = 0; i < 2; i++) {
		const struct ng_pipe_hookcfg *d = dirs[i];

		if (!ng_pipe_ok64(d->ber, 1, NG_PIPE_BER_MAX) ||
		    !ng_pipe_ok64(d->bandwidth, NG_PIPE_BW_MIN,
			NG_PIPE_BW_MAX) ||
		    !ng_pipe_ok32(d->qin_size_limit, 5, UINT32_MAX - 1) ||
		    !ng_pipe_ok32(d->qout_size_limit, 5, UINT32_MAX - 1) ||
		    !ng_pipe_ok32(d->duplicate, 1, 50))
			return false;
	}
	return true;
}

/* setcfg for one direction (checked by ng_pipe_cfg_ok): 0 keeps, -1
 * resets. */
static void
ng_pipe_setcfg_dir(struct ng_pipe_hookcfg *cur,
    const struct ng_pipe_hookcfg *new)
{
	if (new->ber == NG_PIPE_RESET64)
		cur->ber = 0;
	else if (new->ber >= 1 && new->ber <= NG_PIPE_BER_MAX)
		cur->ber = new->ber;
	if (new->qin_size_limit == NG_PIPE_RESET32)
		cur->qin_size_limit = 0;
	else if (new->qin_size_limit >= 5)
		cur->qin_size_limit = new->qin_size_limit;
	if (new->qout_size_limit == NG_PIPE_RESET32)
		cur->qout_size_limit = 0;
	else if (new->qout_size_limit >= 5)
		cur->qout_size_limit = new->qout_size_limit;
	if (new->duplicate == NG_PIPE_RESET32)
		cur->duplicate = 0;
	else if (new->duplicate > 0 && new->duplicate <= 50)
		cur->duplicate = new->duplicate;
	if (new->fifo) {
		cur->fifo = 1;
		cur->wfq = cur->drr = 0;
	}
	if (new->wfq) {
		cur->wfq = 1;
		cur->fifo = cur->drr = 0;
	}
	if (new->drr) {
		cur->fifo = cur->wfq = 0;
		cur->drr = new->drr >= 32 ? new->drr : NG_PIPE_DRR_QUANTUM;
	}
	if (new->droptail) {
		cur->droptail = 1;
		cur->drophead = 0;
	}
	if (new->drophead) {
		cur->drophead = 1;
		cur->droptail = 0;
	}
	if (new->bandwidth == NG_PIPE_RESET64) {
		cur->bandwidth = 0;
		cur->fifo = 1;
		cur->wfq = cur->drr = 0;
	} else if (new->bandwidth >= NG_PIPE_BW_MIN &&new->bandwidth <=
	    NG_PIPE_BW_MAX) {
		cur->bandwidth = new->bandwidth;
	}
}

/* Tell both neighbours the link went down (BER 1 loses every frame). */
static void
ng_pipe_notify(struct ng_pipe_priv *priv, uint32_t cmd)
{
	struct ng_hook *hooks[2] = { priv->lower.hook, priv->upper.hook };

	for (int i = 0; i < 2; i++) {
		struct ng_mesg *msg;

		if (hooks[i] == NULL ||
		    (msg = ng_mkmsg(NGM_FLOW_COOKIE, cmd, 0)) == NULL)
			continue;
		(void)ng_send_hook_msg(hooks[i], msg);
		free(msg);
	}
}

static int
ng_pipe_setcfg(struct ng_pipe_priv *priv, const struct ng_mesg *msg)
{
	struct ng_pipe_cfg cfg;
	bool was_down, down;

	if (msg->header.arglen != sizeof(cfg))
		return EINVAL;
	memcpy(&cfg, msg->data, sizeof(cfg));
	if (!ng_pipe_cfg_ok(&cfg))
		return EINVAL;
	if (cfg.delay == NG_PIPE_RESET64)
		priv->delay = 0;
	else if (cfg.delay > 0 && cfg.delay < NG_PIPE_DELAY_MAX)
		priv->delay = cfg.delay;
	if (cfg.bandwidth == NG_PIPE_RESET64) {
		priv->upper.cfg.bandwidth = priv->lower.cfg.bandwidth = 0;
		priv->overhead = 0;
	} else if (cfg.bandwidth >= NG_PIPE_BW_MIN &&
	    cfg.bandwidth <= NG_PIPE_BW_MAX) {
		priv->upper.cfg.bandwidth = priv->lower.cfg.bandwidth =
		    cfg.bandwidth;
		/* Preamble, FCS and gap on Ethernet; HDLC framing below. */
		priv->overhead = cfg.bandwidth >= 10000000 ? 8 + 4 + 12 : 10;
	}
	if (cfg.overhead == NG_PIPE_RESET32)
		priv->overhead = 0;
	else if (cfg.overhead > 0 && cfg.overhead < NG_PIPE_MAX_OHSIZE)
		priv->overhead = cfg.overhead;
	if (cfg.header_offset == NG_PIPE_RESET32)
		priv->header_offset = 0;
	else if (cfg.header_offset > 0 && cfg.header_offset < 64)
		priv->header_offset = cfg.header_offset;
	was_down = priv->upper.cfg.ber == 1 || priv->lower.cfg.ber == 1;
	ng_pipe_setcfg_dir(&priv->upper.cfg, &cfg.downstream);
	ng_pipe_setcfg_dir(&priv->lower.cfg, &cfg.upstream);
	down = priv->upper.cfg.ber == 1 || priv->lower.cfg.ber == 1;
	if (down != was_down)
		ng_pipe_notify(priv, down ? NGM_LINK_IS_DOWN : NGM_LINK_IS_UP);
	return 0;
}

static int
ng_pipe_rcvmsg(struct ng_node *node, const struct ng_msgctx *ctx,
    struct ng_mesg *msg, struct ng_mesg **resp)
{
	struct ng_pipe_priv *priv = node->priv;
	struct ng_pipe_stats *st;
	struct ng_pipe_run *run;
	struct ng_pipe_cfg *cfg;

	(void)ctx;
	if (msg->header.flags & NGF_RESP)
		return 0;
	if (msg->header.typecookie != NGM_PIPE_COOKIE)
		return EINVAL;
	switch (msg->header.cmd) {
	case NGM_PIPE_GET_STATS:
	case NGM_PIPE_CLR_STATS:
	case NGM_PIPE_GETCLR_STATS:
		if (msg->header.cmd != NGM_PIPE_CLR_STATS) {
			*resp = ng_mkresponse(msg, sizeof(*st));
			if (*resp == NULL)
				return ENOMEM;
			st = (struct ng_pipe_stats *)(*resp)->data;
			st->downstream = priv->upper.stats;
			st->upstream = priv->lower.stats;
		}
		if (msg->header.cmd != NGM_PIPE_GET_STATS) {
			memset(&priv->upper.stats, 0,
			    sizeof(priv->upper.stats));
			memset(&priv->lower.stats, 0,
			    sizeof(priv->lower.stats));
		}
		return 0;
	case NGM_PIPE_GET_RUN:
		*resp = ng_mkresponse(msg, sizeof(*run));
		if (*resp == NULL)
			return ENOMEM;
		run = (struct ng_pipe_run *)(*resp)->data;
		run->downstream = priv->upper.run;
		run->upstream = priv->lower.run;
		return 0;
	case NGM_PIPE_GET_CFG:
		*resp = ng_mkresponse(msg, sizeof(*cfg));
		if (*resp == NULL)
			return ENOMEM;
		cfg = (struct ng_pipe_cfg *)(*resp)->data;
		cfg->delay = priv->delay;
		cfg->overhead = priv->overhead;
		cfg->header_offset = priv->header_offset;
		cfg->downstream = priv->upper.cfg;
		cfg->upstream = priv->lower.cfg;
		/* One bandwidth for both directions shows at the top. */
		if (cfg->downstream.bandwidth == cfg->upstream.bandwidth) {
			cfg->bandwidth = cfg->downstream.bandwidth;
			cfg->downstream.bandwidth = cfg->upstream.bandwidth = 0;
		}
		return 0;
	case NGM_PIPE_SET_CFG:
		return ng_pipe_setcfg(priv, msg);
	}
	return EINVAL;
}

/* Leave the two neighbours joined, as if the pipe had never been there. */
static int
ng_pipe_close(struct ng_node *node)
{
	struct ng_pipe_priv *priv = node->priv;

	if (priv->upper.hook != NULL && priv->lower.hook != NULL)
		(void)ng_bypass(priv->upper.hook, priv->lower.hook);
	return 0;
}

/* A hook goes: so do the frames queued in its direction. */
static int
ng_pipe_disconnect(struct ng_hook *hook)
{
	struct ng_pipe_priv *priv = hook->node->priv;
	struct ng_pipe_dir *d = hook->priv;

	if (d == NULL)
		return 0;
	d->hook = NULL;
	ng_pipe_flows_flush(priv, d);
	ng_pipe_flush(priv, &d->outq);
	memset(&d->run, 0, sizeof(d->run));
	hook->priv = NULL;
	return 0;
}

static int
ng_pipe_shutdown(struct ng_node *node)
{
	struct ng_pipe_priv *priv = node->priv;
	struct ng_pipe_dir *dirs[2] = { &priv->upper, &priv->lower };

	ng_timer_stop(node->graph, &priv->timer);
	for (int i = 0; i < 2; i++) {
		ng_pipe_flows_free(priv, dirs[i]);
		ng_pipe_flush(priv, &dirs[i]->outq);
		free(dirs[i]->outq.slot);
	}
	free(priv);
	node->priv = NULL;
	return 0;
}

NG_PARSE_STRUCT(ng_pipe_hookstat, NG_PIPE_HOOKSTAT_FIELDS);
NG_PARSE_STRUCT(ng_pipe_stats, NG_PIPE_STATS_FIELDS);
NG_PARSE_STRUCT(ng_pipe_hookrun, NG_PIPE_HOOKRUN_FIELDS);
NG_PARSE_STRUCT(ng_pipe_run, NG_PIPE_RUN_FIELDS);
NG_PARSE_STRUCT(ng_pipe_hookcfg, NG_PIPE_HOOKCFG_FIELDS);
NG_PARSE_STRUCT(ng_pipe_cfg, NG_PIPE_CFG_FIELDS);

#define P NGM_PIPE_COOKIE
/* Journal and takeover: its config. */
static int
ng_pipe_save(struct ng_node *node, ng_save_fn *emit, void *arg)
{
	return ng_save_getset(node, NGM_PIPE_COOKIE, NGM_PIPE_GET_CFG,
	    NGM_PIPE_SET_CFG, emit, arg);
}

static const struct ng_cmdlist ng_pipe_cmds[] = {
	{ P, NGM_PIPE_GET_STATS, "getstats", NULL, &ng_pipe_stats_parse_type },
	{ P, NGM_PIPE_CLR_STATS, "clrstats", NULL, NULL },
	{ P, NGM_PIPE_GETCLR_STATS, "getclrstats", NULL,
	    &ng_pipe_stats_parse_type },
	{ P, NGM_PIPE_GET_RUN, "getrun", NULL, &ng_pipe_run_parse_type },
	{ P, NGM_PIPE_GET_CFG, "getcfg", NULL, &ng_pipe_cfg_parse_type },
	{ P, NGM_PIPE_SET_CFG, "setcfg", &ng_pipe_cfg_parse_type, NULL },
	{ 0, 0, NULL, NULL, NULL },
};
#undef P

const struct ng_type ng_pipe_type = {
	.name = NG_PIPE_NODE_TYPE,
	.cookie = NGM_PIPE_COOKIE,
	.constructor = ng_pipe_constructor,
	.rcvmsg = ng_pipe_rcvmsg,
	.close = ng_pipe_close,
	.shutdown = ng_pipe_shutdown,
	.newhook = ng_pipe_newhook,
	.rcvdata = ng_pipe_rcvdata,
	.disconnect = ng_pipe_disconnect,
	.cmdlist = ng_pipe_cmds,
	.save = ng_pipe_save,
};
