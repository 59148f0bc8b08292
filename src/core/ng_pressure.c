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

bool
ng_ratelim(struct ng_ratelim_tab *t, const void *key, uint64_t now_ms,
    unsigned long *suppressed)
{
	uintptr_t k = (uintptr_t)key;
	unsigned i = (unsigned)((k >> 4) ^ (k >> 12)) % NG_LOG_KEYS;
	struct ng_ratelim *rl = NULL;

	*suppressed = 0;
	/* Open addressing; a full table shares its first probe. */
	for (unsigned n = 0; n < NG_LOG_KEYS; n++) {
		struct ng_ratelim *s = &t->slot[(i + n) % NG_LOG_KEYS];

		if (s->key == key || s->key == NULL) {
			rl = s;
			break;
		}
	}
	if (rl == NULL)
		rl = &t->slot[i];
	if (rl->key != key) {
		rl->key = key;
		rl->start_ms = now_ms;
		rl->count = 0;
	}
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
