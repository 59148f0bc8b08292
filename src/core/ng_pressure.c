/*
 * ng_pressure.c: what keeps one busy part of the graph from starving the
 * rest.  Frame budgets: a node that keeps frames (a pipe's queues) holds
 * them against a budget of its own and a graph-wide one of half the
 * packet pool, so frames in transit elsewhere always find buffers.  Log
 * rate limits: one table per logger, one slot per call site, so a flood
 * of bad input costs a few lines and a count, not gigabytes of log.
 * Both are O(1) per call.
 */
#include <stdint.h>

#include "ng_internal.h"

bool
ng_pkt_hold(struct ng_graph *g, struct ng_hold *h, const struct ng_pkt *pkt)
{
	if (h->pkts >= NG_HOLD_PKTS || h->bytes + pkt->len > NG_HOLD_BYTES ||
	    g->held >= g->pool_cap / 2)
		return false;
	h->pkts++;
	h->bytes += pkt->len;
	g->held++;
	return true;
}

void
ng_pkt_release(struct ng_graph *g, struct ng_hold *h, const struct ng_pkt *pkt)
{
	h->pkts--;
	h->bytes -= pkt->len;
	g->held--;
}

unsigned
ng_pkt_held(const struct ng_graph *g)
{
	return g->held;
}

/*
 * A slot another call site may take: never used, or its window over with
 * nothing held back (a count held back waits for its call site's next
 * line, which reports it).
 */
static bool
ng_ratelim_free(const struct ng_ratelim *s, uint64_t now_ms)
{
	return s->key == NULL ||
	    (now_ms - s->start_ms >= NG_LOG_WINDOW_MS && s->suppressed == 0);
}

bool
ng_ratelim(struct ng_ratelim_tab *t, const void *key, uint64_t now_ms,
    unsigned long *suppressed)
{
	uintptr_t k = (uintptr_t)key;
	unsigned i = (unsigned)((k >> 4) ^ (k >> 12)) % NG_LOG_KEYS;
	struct ng_ratelim *rl = NULL, *spare = NULL;

	*suppressed = 0;
	/*
	 * Open addressing.  A slot never becomes empty again (it is only
	 * taken over), so a key is in no slot past the first empty one of
	 * its probe sequence, and one that is not found goes in the first
	 * free one of it.  Every slot busy: the shared one.
	 */
	for (unsigned n = 0; n < NG_LOG_KEYS; n++) {
		struct ng_ratelim *s = &t->slot[(i + n) % NG_LOG_KEYS];

		if (s->key == key) {
			rl = s;
			break;
		}
		if (spare == NULL && ng_ratelim_free(s, now_ms))
			spare = s;
		if (s->key == NULL)
			break;
	}
	if (rl == NULL && spare != NULL) {
		rl = spare;
		rl->key = key;
		rl->start_ms = now_ms;
		rl->count = 0;
	}
	if (rl == NULL)
		rl = &t->shared;
	if (now_ms - rl->start_ms >= NG_LOG_WINDOW_MS) {
		rl->start_ms = now_ms;
		rl->count = 0;
	}
	if (rl->count >= NG_LOG_BURST) {
		rl->suppressed++;
		return false;
	}
	rl->count++;
	*suppressed = rl->suppressed;
	rl->suppressed = 0;
	return true;
}
