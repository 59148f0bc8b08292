/*
 * fuzz.h: what the libFuzzer targets in tests/fuzz share: a graph with a
 * clock the input advances, a fake interface backend (so eiface and iface
 * nodes work with no kernel), and a fake client behind socket nodes that
 * counts what it gets.  tests/unit/test_fuzz_regress.c includes the
 * targets with FUZZ_ENTRY renamed, to replay saved inputs through the
 * same entry points under make check.
 */
#ifndef FUZZ_H
#define FUZZ_H

#include <arpa/inet.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <netgraph/ng_message.h>

#include "ng_core.h"
#include "ng_nodes.h"
#include "ng_internal.h"
#include "../unit/ngmsg.h"  /* ngt_copy, ngt_msg, ngt_mkpeer... */
#include "../unit/ngfake.h" /* ngt_netdev_ops, ngt_pool_whole */

/* Stop with a message: libFuzzer (or the replay test) reports it. */
#define FUZZ_ASSERT(cond)                                                      \
	do {                                                                   \
		if (!(cond)) {                                                 \
			fprintf(stderr, "%s:%d: %s\n", __FILE__, __LINE__,     \
			    #cond);                                            \
			abort();                                               \
		}                                                              \
	} while (0)

/* --- input ------------------------------------------------------------- */

struct fz_in {
	const uint8_t *p;
	size_t left;
};

static inline uint8_t
fz_u8(struct fz_in *in)
{
	if (in->left == 0)
		return 0;
	in->left--;
	return *in->p++;
}

static inline uint16_t
fz_u16(struct fz_in *in)
{
	uint16_t v = fz_u8(in);

	return (uint16_t)(v | fz_u8(in) << 8);
}

static inline uint32_t
fz_u32(struct fz_in *in)
{
	uint32_t v = fz_u16(in);

	return v | (uint32_t)fz_u16(in) << 16;
}

/* Up to max bytes of the input (fewer at its end); *len gets how many. */
static inline const uint8_t *
fz_bytes(struct fz_in *in, size_t max, size_t *len)
{
	const uint8_t *p = in->p;

	*len = max < in->left ? max : in->left;
	in->p += *len;
	in->left -= *len;
	return p;
}

/* TAP offload metadata from the input (10 bytes), as a TAP hands it over. */
static inline void
fz_vnet_hdr(struct fz_in *in, struct ng_pkt *p)
{
	p->vh.flags = fz_u8(in);
	p->vh.gso_type = fz_u8(in);
	p->vh.hdr_len = fz_u16(in);
	p->vh.gso_size = fz_u16(in);
	p->vh.csum_start = fz_u16(in);
	p->vh.csum_offset = fz_u16(in);
}

/* --- IPv4 packets from known parts (fuzz_nat, fuzz_natnode) -------------- */

/* Inside, outside and alias addresses the built packets use. */
static const char *const fz_ip_addrs[] = {
	"198.51.100.10",
	"198.51.100.11",
	"10.0.0.1",
	"100.64.0.1",
	"198.18.0.2",
	"198.18.0.5",
	"203.0.113.1",
	"203.0.113.30",
	"0.0.0.0",
	"255.255.255.255",
};

static inline struct in_addr
fz_ip_addr(struct fz_in *in)
{
	struct in_addr a;

	inet_pton(AF_INET,
	    fz_ip_addrs[fz_u8(in) %
		(sizeof(fz_ip_addrs) / sizeof(fz_ip_addrs[0]))],
	    &a);
	return a;
}

static inline uint16_t
fz_get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline void
fz_put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* The Internet checksum: n bytes added to sum, then folded and inverted
 * (0 over data that carries its right sum). */
static inline uint32_t
fz_sum(uint32_t sum, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i + 1 < n; i += 2)
		sum += (uint32_t)p[i] << 8 | p[i + 1];
	if (n & 1)
		sum += (uint32_t)p[n - 1] << 8;
	return sum;
}

static inline uint16_t
fz_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* The sums an IPv4 packet of len bytes carries: its header's (hdr: it
 * has one to check), and the transport one if it has one that can be
 * checked whole (l4_known). */
struct fz_ip_sums {
	bool hdr, ip, l4, l4_known;
};

static inline struct fz_ip_sums
fz_ip_check(const uint8_t *b, size_t len)
{
	struct fz_ip_sums s = { false, false, false, false };
	size_t hl, tot;
	uint32_t sum;

	if (len < 20 || (b[0] >> 4) != 4)
		return s;
	hl = (size_t)(b[0] & 0xf) * 4;
	tot = fz_get16(b + 2);
	if (hl < 20 || tot < hl || tot > len)
		return s;
	s.hdr = true;
	s.ip = fz_fold(fz_sum(0, b, hl)) == 0;
	if (fz_get16(b + 6) & 0x3fff)
		return s; /* a fragment: its sum spans them all */
	switch (b[9]) {
	case IPPROTO_TCP:
	case IPPROTO_UDP:
		if (tot - hl < (b[9] == IPPROTO_TCP ? 20u : 8u))
			return s;
		if (b[9] == IPPROTO_UDP && fz_get16(b + hl + 6) == 0)
			return s;
		sum = fz_sum(0, b + 12, 8) + b[9] + (uint32_t)(tot - hl);
		s.l4 = fz_fold(fz_sum(sum, b + hl, tot - hl)) == 0;
		s.l4_known = true;
		break;
	case IPPROTO_ICMP:
		s.l4 = fz_fold(fz_sum(0, b + hl, tot - hl)) == 0;
		s.l4_known = true;
		break;
	}
	return s;
}

/*
 * The rest of an IPv4 packet whose header (ihl bytes: addresses,
 * protocol, length) and payload (plen bytes after a transport header of
 * hl, zeroed) are in place: ports a and c (TCP: flags too; ICMP: type
 * a, code flags, id c), then its sums.
 */
static inline void
fz_ip_finish(uint8_t *b, size_t ihl, size_t hl, size_t plen, uint16_t a,
    uint16_t c, uint8_t flags)
{
	uint8_t *t = b + ihl, proto = b[9];
	uint32_t sum;

	switch (proto) {
	case IPPROTO_TCP:
		fz_put16(t, a);
		fz_put16(t + 2, c);
		t[12] = 5 << 4;
		t[13] = flags;
		break;
	case IPPROTO_UDP:
		fz_put16(t, a);
		fz_put16(t + 2, c);
		fz_put16(t + 4, (uint16_t)(8 + plen));
		break;
	case IPPROTO_ICMP:
		t[0] = (uint8_t)a; /* type */
		t[1] = flags;      /* code */
		fz_put16(t + 4, c);
		break;
	}
	fz_put16(b + 10, 0);
	fz_put16(b + 10, fz_fold(fz_sum(0, b, ihl)));
	if (proto == IPPROTO_TCP || proto == IPPROTO_UDP) {
		sum = fz_sum(0, b + 12, 8) + proto + (uint32_t)(hl + plen);
		fz_put16(t + (proto == IPPROTO_TCP ? 16 : 6),
		    fz_fold(fz_sum(sum, t, hl + plen)));
	} else if (proto == IPPROTO_ICMP) {
		fz_put16(t + 2, fz_fold(fz_sum(0, t, hl + plen)));
	}
}

/* An ICMP error of type about the packet last (last_len bytes), from
 * where it went back to where it came from, quoting qlen bytes of it
 * (no more than it has); its sums right.  Its length. */
static inline size_t
fz_icmp_error(uint8_t *b, const uint8_t *last, size_t last_len, size_t qlen,
    uint8_t type)
{
	size_t tot;

	if (qlen > last_len)
		qlen = last_len;
	tot = 28 + qlen;
	memset(b, 0, 28);
	b[0] = 0x45;
	fz_put16(b + 2, (uint16_t)tot);
	b[8] = 64;
	b[9] = IPPROTO_ICMP;
	if (last_len >= 20) {
		memcpy(b + 12, last + 16, 4);
		memcpy(b + 16, last + 12, 4);
	}
	fz_put16(b + 10, fz_fold(fz_sum(0, b, 20)));
	b[20] = type;
	memcpy(b + 28, last, qlen);
	fz_put16(b + 22, fz_fold(fz_sum(0, b + 20, 8 + qlen)));
	return tot;
}

/* --- a clock the input advances ---------------------------------------- */

static uint64_t fz_now = 1000000;

static inline uint64_t
fz_clock(void)
{
	return fz_now;
}

/* --- fake interfaces: ../unit/ngfake.h ---------------------------------- */

static struct ngt_netdev fz_fake;

/* --- a fake client behind socket nodes --------------------------------- */

struct fz_client {
	struct ng_node *node;
	unsigned frames, msgs;
	bool gone;
};

static inline int
fz_deliver_msg(void *conn, ng_id_t from, const struct ng_mesg *msg)
{
	struct fz_client *c = conn;

	(void)from;
	FUZZ_ASSERT(msg->header.arglen <= (64u << 20));
	c->msgs++;
	return 0;
}

/*
 * A delivery that changes the graph under the send that made it, as
 * ng_send_data allows (the peer may shut the sender down before the
 * send returns): once fz_cut more frames have been delivered,
 * fz_cut_fn(fz_cut_arg) runs (a target sets them before a send and
 * clears fz_cut after it).
 */
static unsigned fz_cut;
static void (*fz_cut_fn)(void *arg);
static void *fz_cut_arg;

static inline int
fz_deliver_data(void *conn, const char *hook, const struct ng_pkt *pkt)
{
	struct fz_client *c = conn;

	FUZZ_ASSERT(strlen(hook) < NG_HOOKSIZ);
	FUZZ_ASSERT(pkt->len <= NG_PKT_BUFSIZE);
	FUZZ_ASSERT(pkt->data >= pkt->buf &&
	    pkt->data + pkt->len <= pkt->buf + NG_PKT_BUFSIZE);
	c->frames++;
	if (fz_cut > 0 && --fz_cut == 0 && fz_cut_fn != NULL)
		fz_cut_fn(fz_cut_arg);
	return 0;
}

static inline void
fz_gone(void *conn)
{
	struct fz_client *c = conn;

	c->gone = true;
	c->node = NULL;
}

static const struct ng_socket_ops fz_sock_ops = {
	.deliver_msg = fz_deliver_msg,
	.deliver_data = fz_deliver_data,
	.gone = fz_gone,
};

/* A graph with the fake backend, clock and client, and one more backend
 * (extra, NULL: none); NULL on ENOMEM. */
static inline struct ng_graph *
fz_graph_with(const struct ng_socket_ops *sock_ops,
    const struct ng_backend *extra)
{
	struct ng_backend be[3] = {
		{ NGM_SOCKET_COOKIE, sock_ops != NULL ? sock_ops : &fz_sock_ops,
		    NULL },
	};
	struct ng_graph_cfg cfg = {
		.types = ng_nodes_types,
		.backends = be,
		.netdev_ops = &ngt_netdev_ops,
		.backend = &fz_fake,
		.clock_ms = fz_clock,
	};
	struct ng_graph *g;

	if (extra != NULL)
		be[1] = *extra;
	fz_now = 1000000;
	memset(&fz_fake, 0, sizeof(fz_fake));
	return ng_graph_new(&cfg, &g) == 0 ? g : NULL;
}

static inline struct ng_graph *
fz_graph(const struct ng_socket_ops *sock_ops)
{
	return fz_graph_with(sock_ops, NULL);
}

/* A socket node with c as its control and data connection. */
static inline struct ng_node *
fz_socket(struct ng_graph *g, struct fz_client *c)
{
	memset(c, 0, sizeof(*c));
	if (ng_socket_create(g, c, &c->node) != 0)
		return NULL;
	ng_socket_attach_data(c->node, c);
	return c->node;
}

/*
 * Shut every node down, as ng_graph_free does; then every packet must be
 * back in the pool and every fake device gone.
 */
static inline void
fz_graph_free(struct ng_graph *g)
{
	if (g == NULL)
		return;
	while (ng_first_node(g) != NULL) {
		struct ng_node *n = ng_first_node(g);

		n->flags |= NGF_FORCE;
		ng_rmnode(n);
		FUZZ_ASSERT(ng_first_node(g) != n);
	}
	FUZZ_ASSERT(ngt_pool_whole(g));
	FUZZ_ASSERT(ngt_fake_live(&fz_fake) == 0);
	ng_graph_free(g);
}

/*
 * What a graph target does with its input: make the graph (make: a
 * socket node of ours and what hangs off it; setup, if not NULL, reads
 * the settings the input begins with), then one operation after another
 * (op: its first byte given; false stops) until the input ends, maxops
 * have run or our socket node is gone; then tear it all down.  fz_run_on
 * takes a graph the target made (NULL: none could be), fz_run makes one.
 */
typedef struct ng_node *fz_make_fn(struct ng_graph *g, struct fz_client *c);
typedef void fz_setup_fn(struct ng_node *sock, struct fz_in *in);
typedef bool fz_op_fn(struct ng_graph *g, struct ng_node *sock,
    struct fz_in *in, uint8_t op);

static inline int
fz_run_on(struct ng_graph *g, const uint8_t *data, size_t size, unsigned maxops,
    fz_make_fn *make, fz_setup_fn *setup, fz_op_fn *op)
{
	struct fz_in in = { data, size };
	struct fz_client c;
	struct ng_node *sock;

	if (g == NULL)
		return 0;
	if ((sock = make(g, &c)) != NULL) {
		if (setup != NULL)
			setup(sock, &in);
		for (unsigned n = 0; n < maxops && in.left > 0; n++) {
			uint8_t b = fz_u8(&in);

			if (c.node == NULL || !op(g, sock, &in, b))
				break; /* our socket node was shut down */
		}
		if (c.node != NULL)
			ng_socket_detach(c.node, &c);
	}
	fz_graph_free(g);
	return 0;
}

static inline int
fz_run(const uint8_t *data, size_t size, unsigned maxops, fz_make_fn *make,
    fz_op_fn *op)
{
	return fz_run_on(fz_graph(NULL), data, size, maxops, make, NULL, op);
}

#endif
