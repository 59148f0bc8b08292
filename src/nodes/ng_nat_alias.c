/*
 * ng_nat_alias.c: the nat node's translation engine (ng_nat_alias.h),
 * written after libalias's design.  Each flow is a link that knows its
 * original (src), remote (dst) and alias endpoints; links sit in two hash
 * tables, one keyed by what leaves (src, dst, ports) and one by what comes
 * back (remote, alias port), and in one of five expiry queues.  Packets
 * are changed in place and every checksum they carry is updated
 * incrementally (RFC 1624), never recomputed, so corruption upstream
 * stays visible downstream.
 *
 * Costs: a lookup is up to four hash probes (the last three only while a
 * redirect with a wildcard remote exists); creating a link is O(1) but
 * may probe up to 64 alias ports; expiry pops only links that are due,
 * because within a queue links are ordered by last use and share one
 * timeout.  Memory: NG_ALIAS_MAX_LINKS links at most, plus redirects.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include "ng_nat_alias.h"

#define NG_ALIAS_HASH 16384 /* buckets per table, a power of two */
#define NG_ALIAS_PORT_BASE 0x8000
#define NG_ALIAS_PORT_TRIES 64
#define NG_ALIAS_EXPIRE_BATCH 16 /* expired links freed per packet */

#define NG_LINK_FRAGID 256 /* link type beside the IP protocols */

#define IP_MF 0x2000
#define IP_OFFMASK 0x1fff

#define TH_FIN 0x01
#define TH_SYN 0x02
#define TH_RST 0x04

#define ICMP_ECHOREPLY 0
#define ICMP_UNREACH 3
#define ICMP_SOURCEQUENCH 4
#define ICMP_ECHO 8
#define ICMP_TIMXCEED 11
#define ICMP_PARAMPROB 12
#define ICMP_TSTAMP 13
#define ICMP_TSTAMPREPLY 14

/* TCP state per direction, as libalias tracks it. */
enum { TCP_NONE, TCP_OPEN, TCP_CLOSED };

/* Expiry queues: one per timeout in use. */
enum { Q_10, Q_60, Q_90, Q_300, Q_DAY, NQ };
static const uint32_t ng_alias_qsecs[NQ] = { NG_ALIAS_TCP_DEAD,
	NG_ALIAS_UDP_EXPIRE, NG_ALIAS_TCP_SINGLEDEAD, NG_ALIAS_TCP_INITIAL,
	NG_ALIAS_TCP_CONNECTED };
_Static_assert(NG_ALIAS_FRAGID_EXPIRE == NG_ALIAS_TCP_DEAD &&
	NG_ALIAS_ICMP_EXPIRE == NG_ALIAS_UDP_EXPIRE &&
	NG_ALIAS_PROTO_EXPIRE == NG_ALIAS_UDP_EXPIRE,
    "queues share timeouts");

struct ng_alias_server {
	struct in_addr addr;
	uint16_t port;
	struct ng_alias_server *next; /* a ring */
};

struct ng_alias_link {
	struct in_addr src, dst, alias; /* alias 0: the current address */
	uint16_t sport, dport, aport;   /* network order; ICMP: query ids */
	uint16_t type;  /* IP protocol, NG_LINK_FRAGID or NG_ALIAS_LINK_ADDR */
	bool permanent; /* a redirect: never expires nor is evicted */
	bool partial;   /* a wildcard remote (in the partial count) */
	uint8_t tcp_in, tcp_out;
	uint8_t q;
	uint64_t last; /* ms of last use */
	struct ng_alias_link *out_next, **out_pprev;
	struct ng_alias_link *in_next, **in_pprev;
	struct ng_alias_link *q_next, *q_prev; /* queue, or redirect list */
	struct ng_alias_server *server;        /* LSNAT: the next one to use */
	struct in_addr proxy_addr; /* proxied: where the flow was going */
	uint16_t proxy_port;
};

/* A transparent proxy rule (proxyrule): matching flows going out are
 * sent to server instead; its answers come back as from where they went. */
struct ng_alias_proxy {
	int rule; /* rules are tried in ascending order */
	uint8_t proto;
	uint16_t port; /* network order; 0: any */
	struct in_addr server;
	uint16_t server_port; /* network order; 0: the flow's own */
	struct in_addr src, src_mask, dst, dst_mask;
	struct ng_alias_proxy *next;
};

struct ng_alias_queue {
	struct ng_alias_link *head, *tail;
};

struct ng_alias {
	struct in_addr addr, target;
	uint32_t mode;
	uint32_t rand;
	uint64_t hash_key;
	uint32_t max_links;
	uint32_t npartial;
	struct ng_alias_info info;
	struct ng_alias_queue q[NQ];
	struct ng_alias_queue perm; /* redirects */
	struct ng_alias_proxy *proxies;
	struct ng_alias_link *out[NG_ALIAS_HASH];
	struct ng_alias_link *in[NG_ALIAS_HASH];
};

/* --- checksums --------------------------------------------------------- */

static uint16_t
get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void
put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

uint32_t
ng_alias_sum(uint32_t sum, const uint8_t *p, size_t len)
{
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += get16(p + i);
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	return sum;
}

uint16_t
ng_alias_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* What replacing n (even) bytes old by new adds: ~m + m' per word. */
static uint32_t
delta(uint32_t d, const uint8_t *old, const uint8_t *new, size_t n)
{
	for (size_t i = 0; i < n; i += 2)
		d += (uint16_t)~get16(old + i) + (uint32_t)get16(new + i);
	return d;
}

/*
 * RFC 1624 eq. 3 on the checksum at sum: HC' = ~(~HC + delta).  A delta
 * of zero (0 or 0xffff once folded: what replacing a word by itself
 * adds) changes nothing: eq. 3 would turn a right 0xffff (the sum of
 * all-zero data, an ICMP echo reply with id 0 and nothing in it) into a
 * wrong 0x0000.
 */
static void
apply(uint8_t *sum, uint32_t d, bool udp)
{
	uint32_t s;

	if (udp && get16(sum) == 0)
		return; /* UDP sent without a checksum */
	while (d >> 16)
		d = (d & 0xffff) + (d >> 16);
	if (d == 0 || d == 0xffff)
		return;
	s = (uint16_t)~get16(sum) + d;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	s = (uint16_t)~s;
	if (udp && s == 0)
		s = 0xffff;
	put16(sum, (uint16_t)s);
}

/*
 * An ICMP query's sum after its id changed (apply): eq. 3 gives 0x0000
 * for a message that became all zero (an echo reply of id 0, seq 0 and
 * no data: no pseudo-header, so the only sum over nothing but zeros),
 * where its sum is 0xffff; any other 0x0000 is right.  O(len), for
 * 0x0000 alone.
 */
static void
icmp_sum_zero(uint8_t *ic, size_t len)
{
	if (get16(ic + 2) != 0)
		return;
	for (size_t i = 0; i < len; i++)
		if (ic[i] != 0)
			return;
	put16(ic + 2, 0xffff);
}

/* --- the packet in hand ------------------------------------------------ */

struct ng_alias_pkt {
	uint8_t *ip;
	size_t hl;    /* IP header length */
	size_t l4len; /* bytes after the IP header, up to the IP length */
	uint8_t proto;
	uint16_t off; /* fragment offset and flags, host order */
	bool partial; /* the transport checksum is left partial */
};

static uint8_t *
l4(const struct ng_alias_pkt *p)
{
	return p->ip + p->hl;
}

static bool
ng_alias_parse(struct ng_alias_pkt *p, uint8_t *ip, size_t len)
{
	size_t tot;

	if (len < 20 || (ip[0] >> 4) != 4)
		return false;
	p->hl = (size_t)(ip[0] & 0x0f) * 4;
	tot = get16(ip + 2);
	if (p->hl < 20 || tot < p->hl || tot > len)
		return false;
	p->ip = ip;
	p->l4len = tot - p->hl;
	p->proto = ip[9];
	p->off = get16(ip + 6);
	p->partial = false;
	return true;
}

/* How a transport checksum is kept. */
#define SUM_UDP 0x1     /* zero means none */
#define SUM_PARTIAL 0x2 /* the pseudo-header sum only, not inverted */

/*
 * Replace the 4-byte address at field (inside the IP header at ip) and
 * the 2-byte port at port (may be NULL); the IP checksum and, if given,
 * the transport checksum (whose pseudo-header holds the address) follow.
 * A partial transport checksum (TAP offload: the sender's kernel or NIC
 * finishes it over the segment as it is then) takes the address change
 * as a plain sum and not the port's, which the finishing will see.
 */
static void
rewrite(uint8_t *ip, uint8_t *field, struct in_addr a, uint8_t *port,
    uint16_t newport, uint8_t *l4sum, unsigned how)
{
	uint8_t na[4], np[2];
	uint32_t d, s;

	memcpy(na, &a, 4);
	d = delta(0, field, na, 4);
	apply(ip + 10, d, false);
	if (l4sum != NULL && (how & SUM_PARTIAL)) {
		s = get16(l4sum) + d;
		while (s >> 16)
			s = (s & 0xffff) + (s >> 16);
		put16(l4sum, (uint16_t)s);
		l4sum = NULL;
	}
	if (port != NULL) {
		memcpy(np, &newport, 2);
		d = delta(d, port, np, 2);
		memcpy(port, np, 2);
	}
	if (l4sum != NULL)
		apply(l4sum, d, (how & SUM_UDP) != 0);
	memcpy(field, na, 4);
}

/* --- links -------------------------------------------------------------- */

static struct in_addr
eff_alias(const struct ng_alias *la, const struct ng_alias_link *l)
{
	return l->alias.s_addr != 0 ? l->alias : la->addr;
}

/* splitmix64's finalizer: every bit of x in every bit of the result. */
static uint64_t
mix64(uint64_t x)
{
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

/*
 * The bucket of (a, b), keyed: the fields come from the wire and from
 * jails, and a plain sum of them (src * 31 + dst * 17 + ...) let anyone
 * pick flows whose sums are equal (dst up by 7, port down by 17), all in
 * one bucket, so that each packet walked a chain of 100,000 links.
 */
static uint32_t
hash2(const struct ng_alias *la, uint64_t a, uint64_t b)
{
	return (uint32_t)mix64(mix64(a ^ la->hash_key) ^ b) &
	    (NG_ALIAS_HASH - 1);
}

static uint32_t
hash_out(const struct ng_alias *la, struct in_addr src, uint16_t sport,
    struct in_addr dst, uint16_t dport, uint16_t type)
{
	return hash2(la, (uint64_t)src.s_addr << 32 | dst.s_addr,
	    (uint64_t)type << 32 | (uint32_t)sport << 16 | dport);
}

static uint32_t
hash_in(const struct ng_alias *la, struct in_addr dst, uint16_t dport,
    uint16_t aport, uint16_t type)
{
	return hash2(la, dst.s_addr,
	    (uint64_t)type << 32 | (uint32_t)aport << 16 | dport);
}

static void
q_unlink(struct ng_alias_queue *q, struct ng_alias_link *l)
{
	if (l->q_prev != NULL)
		l->q_prev->q_next = l->q_next;
	else
		q->head = l->q_next;
	if (l->q_next != NULL)
		l->q_next->q_prev = l->q_prev;
	else
		q->tail = l->q_prev;
	l->q_next = l->q_prev = NULL;
}

static void
q_append(struct ng_alias_queue *q, struct ng_alias_link *l)
{
	l->q_prev = q->tail;
	l->q_next = NULL;
	if (q->tail != NULL)
		q->tail->q_next = l;
	else
		q->head = l;
	q->tail = l;
}

static struct ng_alias_queue *
queue_of(struct ng_alias *la, const struct ng_alias_link *l)
{
	return l->permanent ? &la->perm : &la->q[l->q];
}

/* Used now: to the tail of queue q (a redirect stays where it is). */
static void
touch(struct ng_alias *la, struct ng_alias_link *l, unsigned q, uint64_t now)
{
	l->last = now;
	if (l->permanent)
		return;
	q_unlink(&la->q[l->q], l);
	l->q = (uint8_t)q;
	q_append(&la->q[q], l);
}

static uint32_t *
counter(struct ng_alias *la, uint16_t type)
{
	switch (type) {
	case IPPROTO_ICMP:
		return &la->info.icmp;
	case IPPROTO_UDP:
		return &la->info.udp;
	case IPPROTO_TCP:
		return &la->info.tcp;
	case NG_LINK_FRAGID:
		return &la->info.fragment_id;
	case NG_ALIAS_LINK_ADDR:
		return NULL;
	default:
		return &la->info.proto;
	}
}

static void
link_hash(struct ng_alias *la, struct ng_alias_link *l)
{
	struct ng_alias_link **b;

	if (l->type != NG_LINK_FRAGID && l->type != NG_ALIAS_LINK_ADDR) {
		b = &la->out[hash_out(la, l->src, l->sport, l->dst, l->dport,
		    l->type)];
		l->out_next = *b;
		if (*b != NULL)
			(*b)->out_pprev = &l->out_next;
		*b = l;
		l->out_pprev = b;
	}
	if (l->type != NG_ALIAS_LINK_ADDR) {
		b = &la->in[hash_in(la, l->dst, l->dport, l->aport, l->type)];
		l->in_next = *b;
		if (*b != NULL)
			(*b)->in_pprev = &l->in_next;
		*b = l;
		l->in_pprev = b;
	}
}

static void
link_delete(struct ng_alias *la, struct ng_alias_link *l)
{
	struct ng_alias_server *s, *next;
	uint32_t *c;

	if (l->out_pprev != NULL) {
		*l->out_pprev = l->out_next;
		if (l->out_next != NULL)
			l->out_next->out_pprev = l->out_pprev;
	}
	if (l->in_pprev != NULL) {
		*l->in_pprev = l->in_next;
		if (l->in_next != NULL)
			l->in_next->in_pprev = l->in_pprev;
	}
	q_unlink(queue_of(la, l), l);
	if (l->partial)
		la->npartial--;
	if (!l->permanent)
		la->info.dynamic--;
	if ((c = counter(la, l->type)) != NULL)
		(*c)--;
	if ((s = l->server) != NULL) {
		struct ng_alias_server *first = s;

		do {
			next = s->next;
			free(s);
			s = next;
		} while (s != first);
	}
	free(l);
}

/* Free up to max links that are due (all of them if max is 0). */
static void
expire(struct ng_alias *la, uint64_t now, unsigned max)
{
	unsigned done = 0;

	for (unsigned q = 0; q < NQ; q++) {
		struct ng_alias_link *l;

		while ((l = la->q[q].head) != NULL &&
		    l->last + (uint64_t)ng_alias_qsecs[q] * 1000 <= now) {
			link_delete(la, l);
			if (max != 0 && ++done == max)
				return;
		}
	}
}

void
ng_alias_expire(struct ng_alias *la, uint64_t now)
{
	expire(la, now, 0);
}

/*
 * Make room under the cap: the link used least recently goes, taken
 * first from Q_10 (fragments, closed connections), then from the other
 * new flows, and an established TCP connection (Q_DAY) only when nothing
 * else is left.  So a flood of new flows (a SYN flood from a jail, first
 * fragments spoofed on the wire, which make a link each even unasked)
 * takes its room from its own kind, not from the flows open before it.
 */
static unsigned
evict_tier(unsigned q)
{
	return q == Q_10 ? 0 : q == Q_DAY ? 2 : 1;
}

static void
evict(struct ng_alias *la)
{
	struct ng_alias_link *oldest = NULL;

	for (unsigned t = 0; t < 3 && oldest == NULL; t++)
		for (unsigned q = 0; q < NQ; q++) {
			struct ng_alias_link *l = la->q[q].head;

			if (evict_tier(q) == t && l != NULL &&
			    (oldest == NULL || l->last < oldest->last))
				oldest = l;
		}
	if (oldest != NULL) {
		link_delete(la, oldest);
		la->info.evicted++;
	}
}

static struct ng_alias_link *
link_new(struct ng_alias *la, bool permanent, unsigned q, uint64_t now)
{
	struct ng_alias_link *l;

	if (!permanent) {
		while (la->info.dynamic >= la->max_links &&
		    la->info.dynamic > 0)
			evict(la);
	}
	if ((l = calloc(1, sizeof(*l))) == NULL)
		return NULL;
	l->permanent = permanent;
	l->q = (uint8_t)q;
	l->last = now;
	return l;
}

/* The link is filled in: hash it, queue it, count it. */
static void
link_add(struct ng_alias *la, struct ng_alias_link *l)
{
	uint32_t *c;

	link_hash(la, l);
	if (!l->permanent)
		la->info.dynamic++;
	if ((c = counter(la, l->type)) != NULL)
		(*c)++;
	if (l->partial)
		la->npartial++;
	q_append(queue_of(la, l), l);
}

/* Probe i repeats an earlier one (a wildcard that was one already). */
static bool
probe_seen(const uint32_t *a, const uint16_t *p, unsigned i)
{
	for (unsigned j = 0; j < i; j++)
		if (a[j] == a[i] && p[j] == p[i])
			return true;
	return false;
}

/*
 * The link that takes what comes back from remote:rport to alias:aport:
 * an exact one first, then redirects with a wildcard remote port,
 * address, or both.
 */
static struct ng_alias_link *
find_in(struct ng_alias *la, struct in_addr remote, uint16_t rport,
    struct in_addr alias, uint16_t aport, uint16_t type)
{
	const uint32_t probe_a[4] = { remote.s_addr, remote.s_addr, 0, 0 };
	const uint16_t probe_p[4] = { rport, 0, rport, 0 };
	struct in_addr pa;

	for (unsigned i = 0; i < 4; i++) {
		struct ng_alias_link *l;

		if (i > 0 && la->npartial == 0)
			break;
		if (probe_seen(probe_a, probe_p, i))
			continue;
		pa.s_addr = probe_a[i];
		l = la->in[hash_in(la, pa, probe_p[i], aport, type)];
		for (; l != NULL; l = l->in_next)
			if (l->type == type && l->aport == aport &&
			    l->dport == probe_p[i] &&
			    l->dst.s_addr == probe_a[i] &&
			    eff_alias(la, l).s_addr == alias.s_addr)
				return l;
	}
	return NULL;
}

/* The link for what leaves src:sport for dst:dport, wildcards as above. */
static struct ng_alias_link *
find_out(struct ng_alias *la, struct in_addr src, uint16_t sport,
    struct in_addr dst, uint16_t dport, uint16_t type)
{
	const uint32_t probe_a[4] = { dst.s_addr, dst.s_addr, 0, 0 };
	const uint16_t probe_p[4] = { dport, 0, dport, 0 };
	struct in_addr pa;

	for (unsigned i = 0; i < 4; i++) {
		struct ng_alias_link *l;

		if (i > 0 && la->npartial == 0)
			break;
		if (probe_seen(probe_a, probe_p, i))
			continue;
		pa.s_addr = probe_a[i];
		l = la->out[hash_out(la, src, sport, pa, probe_p[i], type)];
		for (; l != NULL; l = l->out_next)
			if (l->type == type && l->sport == sport &&
			    l->src.s_addr == src.s_addr &&
			    l->dport == probe_p[i] &&
			    l->dst.s_addr == probe_a[i])
				return l;
	}
	return NULL;
}

/* An address redirect whose local (out) or alias (in) address is a. */
static struct ng_alias_link *
find_addr_redirect(struct ng_alias *la, struct in_addr a, bool by_alias)
{
	for (struct ng_alias_link *l = la->perm.head; l != NULL;
	     l = l->q_next) {
		if (l->type != NG_ALIAS_LINK_ADDR)
			continue;
		if (by_alias ? eff_alias(la, l).s_addr == a.s_addr :
			       l->src.s_addr == a.s_addr)
			return l;
	}
	return NULL;
}

/* The alias address for what src sends: its address redirect's, or ours. */
static struct in_addr
alias_for(struct ng_alias *la, struct in_addr src)
{
	struct ng_alias_link *l = find_addr_redirect(la, src, false);

	return l != NULL ? eff_alias(la, l) : la->addr;
}

/* Where unsolicited traffic to alias goes: its address redirect's local
 * address, the target, or alias itself (unchanged). */
static struct in_addr
original_for(struct ng_alias *la, struct in_addr alias)
{
	struct ng_alias_link *l = find_addr_redirect(la, alias, true);

	if (l != NULL)
		return l->src;
	if (la->target.s_addr != 0 && la->target.s_addr != INADDR_NONE)
		return la->target;
	return alias;
}

static uint32_t
ng_alias_random(struct ng_alias *la)
{
	uint32_t x = la->rand;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	return la->rand = x;
}

static bool
port_taken(struct ng_alias *la, struct in_addr remote, uint16_t rport,
    struct in_addr alias, uint16_t aport, uint16_t type)
{
	return find_in(la, remote, rport, alias, aport, type) != NULL;
}

/* An alias port (or ICMP id) for a new link: its own if free and
 * SAME_PORTS is on, else a random one from the upper half; 0 if none. */
static uint16_t
choose_port(struct ng_alias *la, struct in_addr remote, uint16_t rport,
    struct in_addr alias, uint16_t orig, uint16_t type)
{
	for (unsigned i = 0; i < NG_ALIAS_PORT_TRIES; i++) {
		uint16_t p;

		if (i == 0 && (la->mode & NG_ALIAS_SAME_PORTS) && orig != 0)
			p = orig;
		else
			p = htons((uint16_t)(NG_ALIAS_PORT_BASE +
			    (ng_alias_random(la) & 0x7fff)));
		if (!port_taken(la, remote, rport, alias, p, type))
			return p;
	}
	return 0;
}

static unsigned
first_queue(uint16_t type)
{
	return type == IPPROTO_TCP ? Q_300 :
	    type == NG_LINK_FRAGID ? Q_10 :
				     Q_60;
}

/* A new link for a flow leaving src:sport for dst:dport; NULL if no alias
 * port is free or memory is out. */
static struct ng_alias_link *
new_out(struct ng_alias *la, struct in_addr src, uint16_t sport,
    struct in_addr dst, uint16_t dport, uint16_t type, uint64_t now)
{
	struct in_addr alias = alias_for(la, src);
	struct ng_alias_link *l;
	uint16_t aport = 0;

	if (type == IPPROTO_TCP || type == IPPROTO_UDP ||
	    type == IPPROTO_ICMP) {
		aport = choose_port(la, dst, dport, alias, sport, type);
		if (aport == 0)
			return NULL;
	}
	if ((l = link_new(la, false, first_queue(type), now)) == NULL)
		return NULL;
	l->src = src;
	l->sport = sport;
	l->dst = dst;
	l->dport = dport;
	l->alias = alias;
	l->aport = aport;
	l->type = type;
	link_add(la, l);
	return l;
}

/* A flow through a redirect with a wildcard remote gets a link of its
 * own (LSNAT: to the next server). */
static struct ng_alias_link *
relink(struct ng_alias *la, struct ng_alias_link *r, struct in_addr remote,
    uint16_t rport, bool incoming, uint64_t now)
{
	struct ng_alias_link *l;

	if ((l = link_new(la, false, first_queue(r->type), now)) == NULL)
		return NULL;
	l->src = r->src;
	l->sport = r->sport;
	if (incoming && r->server != NULL) {
		l->src = r->server->addr;
		if (r->server->port != 0)
			l->sport = r->server->port;
		r->server = r->server->next;
	}
	l->dst = remote;
	l->dport = rport;
	l->alias = eff_alias(la, r);
	l->aport = r->aport;
	l->type = r->type;
	link_add(la, l);
	return l;
}

/* An incoming flow nothing expects: to the target or an address
 * redirect's host, unless incoming is denied.  NULL: pass it as it is. */
static struct ng_alias_link *
new_in(struct ng_alias *la, struct in_addr remote, uint16_t rport,
    struct in_addr alias, uint16_t aport, uint16_t type, uint64_t now,
    bool *deny)
{
	struct in_addr orig;
	struct ng_alias_link *l;

	*deny = (la->mode & NG_ALIAS_DENY_INCOMING) != 0;
	if (*deny)
		return NULL;
	orig = original_for(la, alias);
	if (orig.s_addr == alias.s_addr)
		return NULL;
	if ((l = link_new(la, false, first_queue(type), now)) == NULL)
		return NULL;
	l->src = orig;
	l->sport = aport;
	l->dst = remote;
	l->dport = rport;
	l->alias = alias;
	l->aport = aport;
	l->type = type;
	link_add(la, l);
	return l;
}

/* The link an incoming packet belongs to, made if it may be. */
static struct ng_alias_link *
lookup_in(struct ng_alias *la, struct in_addr remote, uint16_t rport,
    struct in_addr alias, uint16_t aport, uint16_t type, uint64_t now,
    bool *deny)
{
	struct ng_alias_link *l = find_in(la, remote, rport, alias, aport,
	    type);

	*deny = false;
	if (l != NULL && l->partial)
		return relink(la, l, remote, rport, true, now);
	if (l != NULL)
		return l;
	return new_in(la, remote, rport, alias, aport, type, now, deny);
}

static struct ng_alias_link *
lookup_out(struct ng_alias *la, struct in_addr src, uint16_t sport,
    struct in_addr dst, uint16_t dport, uint16_t type, uint64_t now)
{
	struct ng_alias_link *l = find_out(la, src, sport, dst, dport, type);

	if (l != NULL && l->partial)
		return relink(la, l, dst, dport, false, now);
	if (l != NULL)
		return l;
	return new_out(la, src, sport, dst, dport, type, now);
}

/* --- TCP state --------------------------------------------------------- */

static unsigned
tcp_queue(const struct ng_alias_link *l)
{
	if (l->tcp_in == TCP_CLOSED && l->tcp_out == TCP_CLOSED)
		return Q_10;
	if (l->tcp_in == TCP_CLOSED || l->tcp_out == TCP_CLOSED)
		return Q_90;
	if (l->tcp_in == TCP_OPEN && l->tcp_out == TCP_OPEN)
		return Q_DAY;
	return Q_300;
}

static void
tcp_track(uint8_t *state, uint8_t flags)
{
	if (*state == TCP_CLOSED)
		return;
	if (flags & (TH_FIN | TH_RST))
		*state = TCP_CLOSED;
	else if (*state == TCP_NONE && (flags & TH_SYN))
		*state = TCP_OPEN;
}

/* --- the directions ---------------------------------------------------- */

static bool
ports_ok(const struct ng_alias_pkt *p)
{
	return p->l4len >= (p->proto == IPPROTO_TCP ? 20u : 8u);
}

static uint8_t *
l4sum(const struct ng_alias_pkt *p)
{
	return l4(p) + (p->proto == IPPROTO_TCP ? 16 : 6);
}

static unsigned
sum_kind(const struct ng_alias_pkt *p)
{
	return (p->proto == IPPROTO_UDP ? SUM_UDP : 0) |
	    (p->partial ? SUM_PARTIAL : 0);
}

/* The first proxy rule a flow going out matches, or NULL. */
static const struct ng_alias_proxy *
proxy_check(const struct ng_alias *la, struct in_addr src, struct in_addr dst,
    uint16_t dport, uint8_t proto)
{
	for (const struct ng_alias_proxy *r = la->proxies; r != NULL;
	     r = r->next)
		if ((r->port == 0 || r->port == dport) && r->proto == proto &&
		    src.s_addr != r->server.s_addr &&
		    (src.s_addr & r->src_mask.s_addr) == r->src.s_addr &&
		    (dst.s_addr & r->dst_mask.s_addr) == r->dst.s_addr)
			return r;
	return NULL;
}

static enum ng_alias_result
udptcp_out(struct ng_alias *la, struct ng_alias_pkt *p, uint64_t now)
{
	uint8_t *th = l4(p);
	const struct ng_alias_proxy *proxy;
	struct in_addr src, dst, odst;
	uint16_t sport, dport, odport;
	struct ng_alias_link *l;

	if (!ports_ok(p))
		return NG_ALIAS_ERROR;
	memcpy(&src, p->ip + 12, 4);
	memcpy(&dst, p->ip + 16, 4);
	memcpy(&sport, th, 2);
	memcpy(&dport, th + 2, 2);
	odst = dst;
	odport = dport;
	proxy = proxy_check(la, src, dst, dport, p->proto);
	if (proxy == NULL && (la->mode & NG_ALIAS_PROXY_ONLY))
		return NG_ALIAS_OK;
	if (proxy != NULL) {
		dst = proxy->server;
		if (proxy->server_port != 0)
			dport = proxy->server_port;
	}
	l = lookup_out(la, src, sport, dst, dport, p->proto, now);
	if (l == NULL)
		return NG_ALIAS_ERROR; /* no alias port: never leak src */
	if (proxy != NULL) {
		l->proxy_addr = odst;
		l->proxy_port = odport;
		rewrite(p->ip, p->ip + 16, dst, th + 2, dport, l4sum(p),
		    sum_kind(p));
	}
	if (p->proto == IPPROTO_TCP) {
		tcp_track(&l->tcp_out, th[13]);
		touch(la, l, tcp_queue(l), now);
	} else {
		touch(la, l, Q_60, now);
	}
	rewrite(p->ip, p->ip + 12, eff_alias(la, l), th, l->aport, l4sum(p),
	    sum_kind(p));
	return NG_ALIAS_OK;
}

static enum ng_alias_result
udptcp_in(struct ng_alias *la, struct ng_alias_pkt *p, uint64_t now)
{
	uint8_t *th = l4(p);
	struct in_addr src, dst;
	uint16_t sport, dport;
	struct ng_alias_link *l;
	bool deny;

	if (!ports_ok(p))
		return NG_ALIAS_ERROR;
	memcpy(&src, p->ip + 12, 4);
	memcpy(&dst, p->ip + 16, 4);
	memcpy(&sport, th, 2);
	memcpy(&dport, th + 2, 2);
	l = lookup_in(la, src, sport, dst, dport, p->proto, now, &deny);
	if (l == NULL)
		return NG_ALIAS_IGNORED;
	if (p->proto == IPPROTO_TCP) {
		tcp_track(&l->tcp_in, th[13]);
		touch(la, l, tcp_queue(l), now);
	} else {
		touch(la, l, Q_60, now);
	}
	rewrite(p->ip, p->ip + 16, l->src, th + 2, l->sport, l4sum(p),
	    sum_kind(p));
	if (l->proxy_port != 0) /* the proxy answers as the destination */
		rewrite(p->ip, p->ip + 12, l->proxy_addr, th, l->proxy_port,
		    l4sum(p), sum_kind(p));
	return NG_ALIAS_OK;
}

static bool
icmp_is_error(uint8_t type)
{
	return type == ICMP_UNREACH || type == ICMP_SOURCEQUENCH ||
	    type == ICMP_TIMXCEED || type == ICMP_PARAMPROB;
}

/*
 * The packet an ICMP error quotes: its header, and the first eight bytes
 * of what it carried (ports, or an ICMP query id).  false if the error
 * quotes less than that.
 */
static bool
quoted(const struct ng_alias_pkt *p, struct ng_alias_pkt *q)
{
	uint8_t *ip = l4(p) + 8;
	size_t room = p->l4len - 8;

	if (room < 20 || (ip[0] >> 4) != 4)
		return false;
	q->ip = ip;
	q->hl = (size_t)(ip[0] & 0x0f) * 4;
	if (q->hl < 20 || q->hl + 8 > room)
		return false;
	q->l4len = room - q->hl; /* what is quoted, not what was sent */
	q->proto = ip[9];
	q->off = get16(ip + 6);
	q->partial = false;
	return true;
}

/*
 * Rewrite the quoted packet's address at field and port (its source
 * coming in, its destination going out) and the outer address at outer;
 * every checksum it touches follows, the ICMP one last.
 */
static void
icmp_error_rewrite(struct ng_alias_pkt *p, struct ng_alias_pkt *q,
    uint8_t *field, uint8_t *port, struct in_addr a, uint16_t newport,
    uint8_t *outer)
{
	uint8_t before[60 + 18], *sum = NULL;
	size_t n = q->hl + 8; /* what changes: up to the ports, or the id */
	bool udp = false;

	if (q->proto == IPPROTO_UDP) {
		sum = q->ip + q->hl + 6;
		udp = true;
	} else if (q->proto == IPPROTO_TCP && q->l4len >= 18) {
		sum = q->ip + q->hl + 16;
		n = q->hl + 18; /* the TCP checksum, quoted, changes too */
	}
	memcpy(before, q->ip, n);
	if (q->proto == IPPROTO_ICMP) {
		/* The quoted query's id: its own checksum has no pseudo
		 * header, so only the id counts there. */
		uint8_t np[2];
		uint32_t d;

		memcpy(np, &newport, 2);
		d = delta(0, port, np, 2);
		apply(q->ip + q->hl + 2, d, false);
		memcpy(port, np, 2);
		rewrite(q->ip, field, a, NULL, 0, NULL, 0);
	} else {
		rewrite(q->ip, field, a, port, newport, sum, udp ? SUM_UDP : 0);
	}
	apply(l4(p) + 2, delta(0, before, q->ip, n), false);
	rewrite(p->ip, outer, a, NULL, 0, NULL, 0);
}

static enum ng_alias_result
icmp_error_in(struct ng_alias *la, struct ng_alias_pkt *p)
{
	struct ng_alias_pkt q;
	struct in_addr qsrc, qdst;
	uint16_t qsport, qdport = 0;
	struct ng_alias_link *l;
	uint8_t *qth;

	if (!quoted(p, &q))
		return NG_ALIAS_IGNORED;
	qth = q.ip + q.hl;
	memcpy(&qsrc, q.ip + 12, 4);
	memcpy(&qdst, q.ip + 16, 4);
	if (q.proto == IPPROTO_ICMP) {
		memcpy(&qsport, qth + 4, 2);
	} else if (q.proto == IPPROTO_TCP || q.proto == IPPROTO_UDP) {
		memcpy(&qsport, qth, 2);
		memcpy(&qdport, qth + 2, 2);
	} else {
		return NG_ALIAS_IGNORED;
	}
	/* What we sent: from alias:aport to remote. */
	l = find_in(la, qdst, qdport, qsrc, qsport, q.proto);
	if (l == NULL || memcmp(p->ip + 16, &qsrc, 4) != 0)
		return NG_ALIAS_IGNORED;
	icmp_error_rewrite(p, &q, q.ip + 12,
	    q.proto == IPPROTO_ICMP ? qth + 4 : qth, l->src, l->sport,
	    p->ip + 16);
	return NG_ALIAS_OK;
}

static enum ng_alias_result
icmp_error_out(struct ng_alias *la, struct ng_alias_pkt *p)
{
	struct ng_alias_pkt q;
	struct in_addr qsrc, qdst, src;
	uint16_t qsport = 0, qdport;
	struct ng_alias_link *l = NULL;
	uint8_t *qth;

	memcpy(&src, p->ip + 12, 4);
	if (quoted(p, &q)) {
		qth = q.ip + q.hl;
		memcpy(&qsrc, q.ip + 12, 4);
		memcpy(&qdst, q.ip + 16, 4);
		if (q.proto == IPPROTO_ICMP) {
			memcpy(&qdport, qth + 4, 2);
			l = find_out(la, qdst, qdport, qsrc, 0, q.proto);
		} else if (q.proto == IPPROTO_TCP || q.proto == IPPROTO_UDP) {
			memcpy(&qsport, qth, 2);
			memcpy(&qdport, qth + 2, 2);
			l = find_out(la, qdst, qdport, qsrc, qsport, q.proto);
		}
		if (l != NULL && !l->partial && l->src.s_addr == src.s_addr) {
			icmp_error_rewrite(p, &q, q.ip + 16,
			    q.proto == IPPROTO_ICMP ? qth + 4 : qth + 2,
			    eff_alias(la, l), l->aport, p->ip + 12);
			return NG_ALIAS_OK;
		}
	}
	/* About nothing we know: still, nothing private leaves. */
	rewrite(p->ip, p->ip + 12, alias_for(la, src), NULL, 0, NULL, 0);
	return NG_ALIAS_OK;
}

static enum ng_alias_result
icmp_out(struct ng_alias *la, struct ng_alias_pkt *p, uint64_t now)
{
	uint8_t *ic = l4(p);
	struct in_addr src, dst;
	struct ng_alias_link *l;
	uint16_t id;

	if (p->l4len < 8)
		return NG_ALIAS_ERROR;
	if (icmp_is_error(ic[0]))
		return icmp_error_out(la, p);
	memcpy(&src, p->ip + 12, 4);
	memcpy(&dst, p->ip + 16, 4);
	memcpy(&id, ic + 4, 2);
	if (ic[0] == ICMP_ECHO || ic[0] == ICMP_TSTAMP)
		l = lookup_out(la, src, id, dst, 0, IPPROTO_ICMP, now);
	else if (ic[0] == ICMP_ECHOREPLY || ic[0] == ICMP_TSTAMPREPLY)
		l = find_out(la, src, id, dst, 0, IPPROTO_ICMP);
	else
		l = NULL;
	if (l == NULL) {
		if (ic[0] == ICMP_ECHO || ic[0] == ICMP_TSTAMP)
			return NG_ALIAS_ERROR; /* no id free */
		rewrite(p->ip, p->ip + 12, alias_for(la, src), NULL, 0, NULL,
		    0);
		return NG_ALIAS_OK;
	}
	touch(la, l, Q_60, now);
	{
		uint8_t np[2];

		memcpy(np, &l->aport, 2);
		apply(ic + 2, delta(0, ic + 4, np, 2), false);
		memcpy(ic + 4, np, 2);
		icmp_sum_zero(ic, p->l4len);
	}
	rewrite(p->ip, p->ip + 12, eff_alias(la, l), NULL, 0, NULL, 0);
	return NG_ALIAS_OK;
}

static enum ng_alias_result
icmp_in(struct ng_alias *la, struct ng_alias_pkt *p, uint64_t now)
{
	uint8_t *ic = l4(p);
	struct in_addr src, dst;
	struct ng_alias_link *l;
	uint16_t id;
	bool deny = false;

	if (p->l4len < 8)
		return NG_ALIAS_ERROR;
	if (icmp_is_error(ic[0]))
		return icmp_error_in(la, p);
	memcpy(&src, p->ip + 12, 4);
	memcpy(&dst, p->ip + 16, 4);
	memcpy(&id, ic + 4, 2);
	if (ic[0] == ICMP_ECHOREPLY || ic[0] == ICMP_TSTAMPREPLY)
		l = find_in(la, src, 0, dst, id, IPPROTO_ICMP);
	else if (ic[0] == ICMP_ECHO || ic[0] == ICMP_TSTAMP)
		l = lookup_in(la, src, 0, dst, id, IPPROTO_ICMP, now, &deny);
	else
		return NG_ALIAS_IGNORED;
	if (l == NULL)
		return NG_ALIAS_IGNORED;
	touch(la, l, Q_60, now);
	{
		uint8_t np[2];

		memcpy(np, &l->sport, 2);
		apply(ic + 2, delta(0, ic + 4, np, 2), false);
		memcpy(ic + 4, np, 2);
		icmp_sum_zero(ic, p->l4len);
	}
	rewrite(p->ip, p->ip + 16, l->src, NULL, 0, NULL, 0);
	return NG_ALIAS_OK;
}

static enum ng_alias_result
proto_out(struct ng_alias *la, struct ng_alias_pkt *p, uint64_t now)
{
	struct in_addr src, dst;
	struct ng_alias_link *l;

	memcpy(&src, p->ip + 12, 4);
	memcpy(&dst, p->ip + 16, 4);
	l = lookup_out(la, src, 0, dst, 0, p->proto, now);
	if (l == NULL)
		return NG_ALIAS_ERROR;
	touch(la, l, Q_60, now);
	rewrite(p->ip, p->ip + 12, eff_alias(la, l), NULL, 0, NULL, 0);
	return NG_ALIAS_OK;
}

static enum ng_alias_result
proto_in(struct ng_alias *la, struct ng_alias_pkt *p, uint64_t now)
{
	struct in_addr src, dst;
	struct ng_alias_link *l;
	bool deny;

	memcpy(&src, p->ip + 12, 4);
	memcpy(&dst, p->ip + 16, 4);
	l = lookup_in(la, src, 0, dst, 0, p->proto, now, &deny);
	if (l == NULL)
		return NG_ALIAS_IGNORED;
	touch(la, l, Q_60, now);
	rewrite(p->ip, p->ip + 16, l->src, NULL, 0, NULL, 0);
	return NG_ALIAS_OK;
}

static bool
in_net(struct in_addr a, uint32_t net, unsigned bits)
{
	uint32_t h = ntohl(a.s_addr);

	return (h >> (32 - bits)) == (net >> (32 - bits));
}

/* UNREGISTERED_ONLY: is src a private (or, with CGN, shared) address? */
static bool
unregistered(const struct ng_alias *la, struct in_addr src)
{
	if (in_net(src, 0x0a000000, 8) || in_net(src, 0xac100000, 12) ||
	    in_net(src, 0xc0a80000, 16))
		return true;
	return (la->mode & NG_ALIAS_UNREGISTERED_CGN) &&
	    in_net(src, 0x64400000, 10);
}

/* A partial checksum is only taken on an unfragmented TCP or UDP packet. */
static bool
partial_ok(const struct ng_alias_pkt *p)
{
	return (p->proto == IPPROTO_TCP || p->proto == IPPROTO_UDP) &&
	    !(p->off & (IP_MF | IP_OFFMASK));
}

static enum ng_alias_result
alias_out(struct ng_alias *la, uint8_t *ip, size_t len, bool partial,
    uint64_t now)
{
	struct ng_alias_pkt p;
	struct in_addr src;

	if (!ng_alias_parse(&p, ip, len))
		return NG_ALIAS_ERROR;
	if ((p.partial = partial) && !partial_ok(&p))
		return NG_ALIAS_ERROR;
	expire(la, now, NG_ALIAS_EXPIRE_BATCH);
	if ((la->mode & NG_ALIAS_PROXY_ONLY) &&
	    ((p.off & IP_OFFMASK) ||
		(p.proto != IPPROTO_TCP && p.proto != IPPROTO_UDP)))
		return NG_ALIAS_OK; /* only proxied flows change */
	memcpy(&src, ip + 12, 4);
	if ((la->mode &
		(NG_ALIAS_UNREGISTERED_ONLY | NG_ALIAS_UNREGISTERED_CGN)) &&
	    !unregistered(la, src))
		return NG_ALIAS_IGNORED;
	if (p.off & IP_OFFMASK) {
		/* A later fragment: only its source address changes. */
		rewrite(ip, ip + 12, alias_for(la, src), NULL, 0, NULL, 0);
		return NG_ALIAS_OK;
	}
	switch (p.proto) {
	case IPPROTO_TCP:
	case IPPROTO_UDP:
		return udptcp_out(la, &p, now);
	case IPPROTO_ICMP:
		return icmp_out(la, &p, now);
	default:
		return proto_out(la, &p, now);
	}
}

/* The first fragment of a datagram came in: remember where the rest go. */
static enum ng_alias_result
fragment_head(struct ng_alias *la, struct ng_alias_pkt *p, struct in_addr alias,
    uint64_t now)
{
	struct ng_alias_link *l;
	struct in_addr remote;
	uint16_t id;

	memcpy(&remote, p->ip + 12, 4);
	memcpy(&id, p->ip + 4, 2);
	l = find_in(la, remote, 0, alias, id, NG_LINK_FRAGID);
	if (l == NULL) {
		if ((l = link_new(la, false, Q_10, now)) == NULL)
			return NG_ALIAS_ERROR;
		l->dst = remote;
		l->alias = alias;
		l->aport = id;
		l->type = NG_LINK_FRAGID;
		link_add(la, l);
	}
	memcpy(&l->src, p->ip + 16, 4);
	touch(la, l, Q_10, now);
	return NG_ALIAS_FOUND_HEADER_FRAGMENT;
}

static enum ng_alias_result
alias_in(struct ng_alias *la, uint8_t *ip, size_t len, bool partial,
    uint64_t now)
{
	struct ng_alias_pkt p;
	struct ng_alias_link *l;
	struct in_addr src, dst;
	enum ng_alias_result r;
	uint16_t id;

	if (!ng_alias_parse(&p, ip, len))
		return NG_ALIAS_ERROR;
	if ((p.partial = partial) && !partial_ok(&p))
		return NG_ALIAS_ERROR;
	expire(la, now, NG_ALIAS_EXPIRE_BATCH);
	memcpy(&src, ip + 12, 4);
	memcpy(&dst, ip + 16, 4);
	if (p.off & IP_OFFMASK) {
		memcpy(&id, ip + 4, 2);
		l = find_in(la, src, 0, dst, id, NG_LINK_FRAGID);
		if (l == NULL)
			return NG_ALIAS_UNRESOLVED_FRAGMENT;
		rewrite(ip, ip + 16, l->src, NULL, 0, NULL, 0);
		return NG_ALIAS_OK;
	}
	switch (p.proto) {
	case IPPROTO_TCP:
	case IPPROTO_UDP:
		r = udptcp_in(la, &p, now);
		break;
	case IPPROTO_ICMP:
		r = icmp_in(la, &p, now);
		break;
	default:
		r = proto_in(la, &p, now);
		break;
	}
	if (r == NG_ALIAS_ERROR || !(p.off & IP_MF))
		return r;
	if (r == NG_ALIAS_IGNORED && (la->mode & NG_ALIAS_DENY_INCOMING))
		return r;
	return fragment_head(la, &p, dst, now);
}

enum ng_alias_result
ng_alias_partial(struct ng_alias *la, bool in, uint8_t *ip, size_t len,
    uint64_t now)
{
	if (la->mode & NG_ALIAS_REVERSE)
		in = !in;
	return in ? alias_in(la, ip, len, true, now) :
		    alias_out(la, ip, len, true, now);
}

enum ng_alias_result
ng_alias_out(struct ng_alias *la, uint8_t *ip, size_t len, uint64_t now)
{
	if (la->mode & NG_ALIAS_REVERSE)
		return alias_in(la, ip, len, false, now);
	return alias_out(la, ip, len, false, now);
}

enum ng_alias_result
ng_alias_in(struct ng_alias *la, uint8_t *ip, size_t len, uint64_t now)
{
	if (la->mode & NG_ALIAS_REVERSE)
		return alias_out(la, ip, len, false, now);
	return alias_in(la, ip, len, false, now);
}

/* --- configuration ----------------------------------------------------- */

struct ng_alias *
ng_alias_new(uint64_t seed)
{
	struct ng_alias *la = calloc(1, sizeof(*la));

	if (la == NULL)
		return NULL;
	la->mode = NG_ALIAS_SAME_PORTS;
	la->rand = (uint32_t)seed != 0 ? (uint32_t)seed : 0x9e3779b9;
	la->hash_key = mix64(seed ^ 0x6a09e667f3bcc909ull);
	la->max_links = NG_ALIAS_MAX_LINKS;
	return la;
}

static void
flush(struct ng_alias *la, bool redirects_too)
{
	for (unsigned q = 0; q < NQ; q++)
		while (la->q[q].head != NULL)
			link_delete(la, la->q[q].head);
	while (redirects_too && la->perm.head != NULL)
		link_delete(la, la->perm.head);
}

void
ng_alias_free(struct ng_alias *la)
{
	if (la == NULL)
		return;
	flush(la, true);
	while (la->proxies != NULL) {
		struct ng_alias_proxy *r = la->proxies;

		la->proxies = r->next;
		free(r);
	}
	free(la);
}

void
ng_alias_set_max_links(struct ng_alias *la, uint32_t max)
{
	la->max_links = max != 0 ? max : NG_ALIAS_MAX_LINKS;
}

void
ng_alias_set_addr(struct ng_alias *la, struct in_addr addr)
{
	if (addr.s_addr != la->addr.s_addr &&
	    (la->mode & NG_ALIAS_RESET_ON_ADDR_CHANGE))
		flush(la, false);
	la->addr = addr;
}

struct in_addr
ng_alias_get_addr(const struct ng_alias *la)
{
	return la->addr;
}

void
ng_alias_set_target(struct ng_alias *la, struct in_addr addr)
{
	la->target = addr;
}

uint32_t
ng_alias_set_mode(struct ng_alias *la, uint32_t flags, uint32_t mask)
{
	mask &= NG_ALIAS_MODE_MASK;
	la->mode = (la->mode & ~mask) | (flags & mask);
	return la->mode;
}

uint32_t
ng_alias_get_mode(const struct ng_alias *la)
{
	return la->mode;
}

static struct ng_alias_link *
redirect(struct ng_alias *la, struct in_addr local, uint16_t lport,
    struct in_addr remote, uint16_t rport, struct in_addr alias, uint16_t aport,
    uint16_t type)
{
	struct ng_alias_link *l = link_new(la, true, 0, 0);

	if (l == NULL)
		return NULL;
	l->src = local;
	l->sport = lport;
	l->dst = remote;
	l->dport = rport;
	l->alias = alias;
	l->aport = aport;
	l->type = type;
	l->partial = type != NG_ALIAS_LINK_ADDR &&
	    (remote.s_addr == 0 ||
		(rport == 0 && (type == IPPROTO_TCP || type == IPPROTO_UDP)));
	link_add(la, l);
	return l;
}

struct ng_alias_link *
ng_alias_redirect_port(struct ng_alias *la, struct in_addr local,
    uint16_t lport, struct in_addr remote, uint16_t rport, struct in_addr alias,
    uint16_t aport, uint8_t proto)
{
	if (proto != IPPROTO_TCP && proto != IPPROTO_UDP)
		return NULL;
	return redirect(la, local, lport, remote, rport, alias, aport, proto);
}

struct ng_alias_link *
ng_alias_redirect_addr(struct ng_alias *la, struct in_addr local,
    struct in_addr alias)
{
	struct in_addr any = { 0 };

	return redirect(la, local, 0, any, 0, alias, 0, NG_ALIAS_LINK_ADDR);
}

struct ng_alias_link *
ng_alias_redirect_proto(struct ng_alias *la, struct in_addr local,
    struct in_addr remote, struct in_addr alias, uint8_t proto)
{
	return redirect(la, local, 0, remote, 0, alias, 0, proto);
}

int
ng_alias_redirect_dynamic(struct ng_alias *la, struct ng_alias_link *l,
    uint64_t now)
{
	/* As libalias: only a redirect naming its remote fully can become
	 * an ordinary link; one with a wildcard would never be matched by
	 * anything that keeps it alive. */
	if (!l->permanent || l->partial || l->type == NG_ALIAS_LINK_ADDR)
		return EINVAL;
	q_unlink(&la->perm, l);
	l->permanent = false;
	l->last = now; /* idle from now on, not since it was made */
	l->q = (uint8_t)first_queue(l->type);
	q_append(&la->q[l->q], l);
	la->info.dynamic++;
	return 0;
}

void
ng_alias_redirect_delete(struct ng_alias *la, struct ng_alias_link *l)
{
	link_delete(la, l);
}

int
ng_alias_add_server(struct ng_alias *la, struct ng_alias_link *l,
    struct in_addr addr, uint16_t port)
{
	struct ng_alias_server *s;

	if (l->type != IPPROTO_TCP && l->type != IPPROTO_UDP)
		return EINVAL;
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return ENOMEM;
	s->addr = addr;
	s->port = port;
	if (l->server == NULL) {
		s->next = s;
		l->server = s;
	} else {
		/* Into the ring just before the next one used: last in turn. */
		struct ng_alias_server *prev = l->server;

		while (prev->next != l->server)
			prev = prev->next;
		prev->next = s;
		s->next = l->server;
	}
	return 0;
}

void
ng_alias_get_info(const struct ng_alias *la, struct ng_alias_info *info)
{
	*info = la->info;
}

/* --- proxy rules -------------------------------------------------------- */

static bool
parse_num(const char *s, long max, long *v)
{
	char *end;

	if (*s == '\0')
		return false;
	errno = 0;
	*v = strtol(s, &end, 10);
	return errno == 0 && *end == '\0' && *v >= 0 && *v <= max;
}

/* "A.B.C.D" or "A.B.C.D/bits" into address and mask. */
static bool
parse_net(char *s, struct in_addr *a, struct in_addr *mask)
{
	char *slash = strchr(s, '/');
	long bits = 32;

	if (slash != NULL) {
		*slash = '\0';
		if (!parse_num(slash + 1, 32, &bits))
			return false;
	}
	if (inet_pton(AF_INET, s, a) != 1)
		return false;
	mask->s_addr = bits == 0 ? 0 : htonl(0xffffffffu << (32 - bits));
	a->s_addr &= mask->s_addr;
	return true;
}

int
ng_alias_proxy_rule(struct ng_alias *la, const char *cmd)
{
	struct ng_alias_proxy r, *n, **pp;
	char buf[256], *save = NULL, *tok, *arg;
	long v;
	bool have_server = false;

	if (strlen(cmd) >= sizeof(buf))
		return EINVAL;
	for (size_t i = 0; (buf[i] = (char)tolower((unsigned char)cmd[i])); i++)
		;
	memset(&r, 0, sizeof(r));
	r.proto = IPPROTO_TCP;
	for (tok = strtok_r(buf, " \t", &save); tok != NULL;
	     tok = strtok_r(NULL, " \t", &save)) {
		if ((arg = strtok_r(NULL, " \t", &save)) == NULL)
			return EINVAL;
		if (strcmp(tok, "delete") == 0) {
			bool found = false;

			if (!parse_num(arg, INT32_MAX, &v) ||
			    strtok_r(NULL, " \t", &save) != NULL)
				return EINVAL;
			for (pp = &la->proxies; *pp != NULL;) {
				if ((*pp)->rule == v) {
					n = *pp;
					*pp = n->next;
					free(n);
					found = true;
				} else {
					pp = &(*pp)->next;
				}
			}
			return found ? 0 : ENOENT;
		} else if (strcmp(tok, "type") == 0) {
			/* Encoding the destination into the flow (the
			 * other types) is not done here. */
			if (strcmp(arg, "no_encode") != 0)
				return EOPNOTSUPP;
		} else if (strcmp(tok, "port") == 0) {
			if (!parse_num(arg, 65535, &v))
				return EINVAL;
			r.port = htons((uint16_t)v);
		} else if (strcmp(tok, "server") == 0) {
			char *colon = strchr(arg, ':');

			if (colon != NULL) {
				*colon = '\0';
				if (!parse_num(colon + 1, 65535, &v))
					return EINVAL;
				r.server_port = htons((uint16_t)v);
			}
			if (inet_pton(AF_INET, arg, &r.server) != 1)
				return EINVAL;
			have_server = true;
		} else if (strcmp(tok, "rule") == 0) {
			if (!parse_num(arg, INT32_MAX, &v))
				return EINVAL;
			r.rule = (int)v;
		} else if (strcmp(tok, "proto") == 0) {
			if (strcmp(arg, "tcp") == 0)
				r.proto = IPPROTO_TCP;
			else if (strcmp(arg, "udp") == 0)
				r.proto = IPPROTO_UDP;
			else
				return EINVAL;
		} else if (strcmp(tok, "src") == 0) {
			if (!parse_net(arg, &r.src, &r.src_mask))
				return EINVAL;
		} else if (strcmp(tok, "dst") == 0) {
			if (!parse_net(arg, &r.dst, &r.dst_mask))
				return EINVAL;
		} else {
			return EINVAL;
		}
	}
	if (!have_server)
		return EINVAL;
	if ((n = malloc(sizeof(*n))) == NULL)
		return ENOMEM;
	*n = r;
	for (pp = &la->proxies; *pp != NULL && (*pp)->rule <= r.rule;
	     pp = &(*pp)->next)
		;
	n->next = *pp;
	*pp = n;
	return 0;
}
