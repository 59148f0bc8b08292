/*
 * ngtest.h: a tiny harness for in-process tests of the graph engine.
 * Each check prints "ok NAME" or "FAIL NAME (file:line ...)"; ngt_done()
 * gives the exit status, non-zero if anything failed (tests/run counts
 * the lines).  It also provides a graph with a fake clock and socket
 * nodes whose fake client records every message and frame it receives,
 * so a test injects frames on a hook and counts what came out where;
 * ngfake.h adds fake interfaces and the packet pool check.
 */
#ifndef NGTEST_H
#define NGTEST_H

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <netgraph/ng_message.h>

#include "ng_core.h"
#include "ng_nodes.h"
#include "ngfake.h"

/* --- checks ------------------------------------------------------------- */

static int ngt_npass, ngt_nfail;

static inline void
ngt_result(const char *name, int ok, const char *file, int line,
    const char *what)
{
	if (ok) {
		ngt_npass++;
		printf("ok %s\n", name);
	} else {
		ngt_nfail++;
		printf("FAIL %s (%s:%d %s)\n", name, file, line, what);
	}
	fflush(stdout);
}

static inline void
ngt_result_int(const char *name, long long got, long long want,
    const char *file, int line, const char *expr)
{
	char what[1024];

	snprintf(what, sizeof(what), "%s: got %lld, want %lld", expr, got,
	    want);
	ngt_result(name, got == want, file, line, what);
}

static inline void
ngt_result_str(const char *name, const char *got, const char *want,
    const char *file, int line, const char *expr)
{
	char what[1024];

	snprintf(what, sizeof(what), "%s: got \"%s\", want \"%s\"", expr,
	    got != NULL ? got : "(null)", want);
	ngt_result(name, got != NULL && strcmp(got, want) == 0, file, line,
	    what);
}

/* cond is true */
#define CHECK(name, cond)                                                      \
	ngt_result((name), !!(cond), __FILE__, __LINE__, #cond)
/* two integers are equal (errno values too) */
#define CHECK_INT(name, got, want)                                             \
	ngt_result_int((name), (long long)(got), (long long)(want), __FILE__,  \
	    __LINE__, #got)
/* two strings are equal */
#define CHECK_STR(name, got, want)                                             \
	ngt_result_str((name), (got), (want), __FILE__, __LINE__, #got)

static inline int
ngt_done(void)
{
	printf("# %d passed, %d failed\n", ngt_npass, ngt_nfail);
	return ngt_nfail != 0;
}

/* CPU seconds this process has used (cost comparisons in one run). */
static inline double
ngt_cpu_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* --- a graph with a clock the test advances ----------------------------- */

static uint64_t ngt_now_ms = 1000000;

static inline uint64_t
ngt_clock(void)
{
	return ngt_now_ms;
}

/* Advance the fake clock a second at a time, running due timers. */
static inline void
ngt_advance(struct ng_graph *g, unsigned secs)
{
	while (secs-- > 0) {
		ngt_now_ms += 1000;
		(void)ng_timers_run(g);
	}
}

/* --- a fake client behind socket nodes ---------------------------------- */

#define NGT_MAXFRAMES 256
#define NGT_MAXMSGS 32

struct ngt_frame {
	char hook[NG_HOOKSIZ];
	const struct ng_pkt *pkt; /* identity only: freed since */
	uint32_t len;
	uint8_t data[64];
};

#define NGT_MAXHOOKS 16

struct ngt_conn {
	struct ng_node *node;
	unsigned nframes; /* the first NGT_MAXFRAMES are kept */
	struct ngt_frame frames[NGT_MAXFRAMES];
	struct {
		char hook[NG_HOOKSIZ];
		unsigned n;
	} perhook[NGT_MAXHOOKS]; /* frames counted by hook, all of them */
	unsigned nmsgs;
	struct ng_mesg *msgs[NGT_MAXMSGS];
	ng_id_t from[NGT_MAXMSGS];
	int gone;
};

static inline int
ngt_deliver_msg(void *conn, ng_id_t from, const struct ng_mesg *msg)
{
	struct ngt_conn *c = conn;
	size_t len = sizeof(*msg) + msg->header.arglen;
	struct ng_mesg *copy;

	if (c->nmsgs == NGT_MAXMSGS)
		return ENOBUFS;
	copy = malloc(len);
	if (copy == NULL)
		return ENOMEM;
	memcpy(copy, msg, len);
	c->from[c->nmsgs] = from;
	c->msgs[c->nmsgs++] = copy;
	return 0;
}

static inline int
ngt_deliver_data(void *conn, const char *hook, const struct ng_pkt *pkt)
{
	struct ngt_conn *c = conn;
	unsigned i;

	for (i = 0; i < NGT_MAXHOOKS && c->perhook[i].hook[0] != '\0'; i++)
		if (strcmp(c->perhook[i].hook, hook) == 0)
			break;
	if (i < NGT_MAXHOOKS) {
		snprintf(c->perhook[i].hook, NG_HOOKSIZ, "%s", hook);
		c->perhook[i].n++;
	}
	if (c->nframes < NGT_MAXFRAMES) {
		struct ngt_frame *f = &c->frames[c->nframes];

		snprintf(f->hook, sizeof(f->hook), "%s", hook);
		f->pkt = pkt;
		f->len = pkt->len;
		memcpy(f->data, pkt->data, pkt->len < 64 ? pkt->len : 64);
	}
	c->nframes++;
	return 0;
}

static inline void
ngt_gone(void *conn)
{
	struct ngt_conn *c = conn;

	c->gone = 1;
	c->node = NULL;
}

static const struct ng_socket_ops ngt_sock_ops = {
	.deliver_msg = ngt_deliver_msg,
	.deliver_data = ngt_deliver_data,
	.gone = ngt_gone,
};

/* Forget what the client received. */
static inline void
ngt_clear(struct ngt_conn *c)
{
	for (unsigned i = 0; i < c->nmsgs; i++)
		free(c->msgs[i]);
	c->nmsgs = 0;
	c->nframes = 0;
	memset(c->perhook, 0, sizeof(c->perhook));
}

/*
 * A new graph of every node type with the fake clock, the client behind
 * sock_ops (NULL: ngt_sock_ops) and, if fake is not NULL, its fake
 * interfaces (ngfake.h).  Exits on failure.
 */
static inline struct ng_graph *
ngt_graph_with(const struct ng_socket_ops *sock_ops, struct ngt_netdev *fake)
{
	struct ng_graph_cfg cfg = {
		.types = ng_nodes_types,
		.backends =
		    (const struct ng_backend[]){
			{ NGM_SOCKET_COOKIE,
			    sock_ops != NULL ? sock_ops : &ngt_sock_ops, NULL },
			{ 0, NULL, NULL },
		    },
		.netdev_ops = fake != NULL ? &ngt_netdev_ops : NULL,
		.backend = fake,
		.clock_ms = ngt_clock,
	};
	struct ng_graph *g;

	if (ng_graph_new(&cfg, &g) != 0) {
		printf("FAIL ng_graph_new\n");
		exit(1);
	}
	return g;
}

/* The same with ngt_sock_ops and no interfaces. */
static inline struct ng_graph *
ngt_graph(void)
{
	return ngt_graph_with(NULL, NULL);
}

/* A socket node with c as both its control and data connection. */
static inline struct ng_node *
ngt_socket(struct ng_graph *g, struct ngt_conn *c)
{
	memset(c, 0, sizeof(*c));
	if (ng_socket_create(g, c, &c->node) != 0) {
		printf("FAIL ng_socket_create\n");
		exit(1);
	}
	ng_socket_attach_data(c->node, c);
	return c->node;
}

/* Close the client's connection; the socket node goes. */
static inline void
ngt_close(struct ngt_conn *c)
{
	if (c->node != NULL)
		ng_socket_detach(c->node, c);
	ngt_clear(c);
}

/* Frames the client got on hook since the last ngt_clear(). */
static inline unsigned
ngt_count(const struct ngt_conn *c, const char *hook)
{
	for (unsigned i = 0; i < NGT_MAXHOOKS; i++)
		if (strcmp(c->perhook[i].hook, hook) == 0)
			return c->perhook[i].n;
	return 0;
}

/* The i-th frame the client got since the last ngt_clear(), or NULL. */
static inline const struct ngt_frame *
ngt_frame(const struct ngt_conn *c, unsigned i)
{
	return i < c->nframes && i < NGT_MAXFRAMES ? &c->frames[i] : NULL;
}

/* The newest message the client got, or NULL. */
static inline const struct ng_mesg *
ngt_last_msg(const struct ngt_conn *c)
{
	return c->nmsgs > 0 ? c->msgs[c->nmsgs - 1] : NULL;
}

/* --- messages: ngmsg.h ------------------------------------------------- */

#include "ngmsg.h"

/* Live nodes of the named type. */
static inline unsigned
ngt_count_type(struct ng_graph *g, const char *type)
{
	unsigned n = 0;

	for (struct ng_node *p = ng_first_node(g); p != NULL; p = p->next)
		if (ng_node_valid(p) && strcmp(p->type->name, type) == 0)
			n++;
	return n;
}

/* --- frames ------------------------------------------------------------- */

/*
 * Build an Ethernet frame of len bytes (dst, src, type 0x0800, then a
 * pattern) and send it into the graph on the socket node's hook.
 */
static inline int
ngt_send_frame(struct ng_node *sock, const char *hook, const uint8_t dst[6],
    const uint8_t src[6], uint32_t len)
{
	struct ng_pkt *p = ng_pkt_alloc(sock->graph);

	if (p == NULL)
		return ENOBUFS;
	for (uint32_t i = 0; i < len; i++)
		p->data[i] = (uint8_t)i;
	if (len >= 6)
		memcpy(p->data, dst, 6);
	if (len >= 12)
		memcpy(p->data + 6, src, 6);
	if (len >= 14) {
		p->data[12] = 0x08;
		p->data[13] = 0x00;
	}
	p->len = len;
	return ng_socket_send_data(sock, hook, &p); /* consumes p */
}

#endif
