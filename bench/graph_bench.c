/*
 * graph_bench.c: the engine's own cost per frame, with no kernel in the
 * way.  Two socket nodes on a bridge (link0, link1); frames of 60 bytes go
 * from one to the other after both MACs are learned.  Prints ns/frame;
 * under `valgrind --tool=callgrind` the instruction count per frame is
 * repeatable.  Then the same with LINKS links on the bridge and MACS
 * more hosts learned (default 1000 and 100000), and the ratio of the two.
 * Usage: graph_bench [frames [links [macs]]]
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <netgraph/ng_bridge.h>

#include "ng_core.h"
#include "ng_nodes.h"

static unsigned long delivered;

static int
bench_deliver_msg(void *conn, ng_id_t from, const struct ng_mesg *msg)
{
	(void)conn;
	(void)from;
	(void)msg;
	return 0;
}

static int
bench_deliver_data(void *conn, const char *hook, const struct ng_pkt *pkt)
{
	(void)conn;
	(void)hook;
	(void)pkt;
	delivered++;
	return 0;
}

static const struct ng_socket_ops bench_ops = {
	.deliver_msg = bench_deliver_msg,
	.deliver_data = bench_deliver_data,
};

static void
frame(struct ng_graph *g, struct ng_node *from, const char *hook,
    const uint8_t dst[6], const uint8_t src[6])
{
	struct ng_pkt *p = ng_pkt_alloc(g);

	memcpy(p->data, dst, 6);
	memcpy(p->data + 6, src, 6);
	p->data[12] = 0x08;
	p->data[13] = 0x00;
	memset(p->data + 14, 0xab, 46);
	p->len = 60;
	(void)ng_socket_send_data(from, hook, &p); /* consumes p */
}

/* ns per frame from a to b over n frames. */
static double
run(struct ng_graph *g, struct ng_node *a, unsigned long n, const uint8_t ma[6],
    const uint8_t mb[6])
{
	struct timespec t0, t1;

	delivered = 0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (unsigned long i = 0; i < n; i++)
		frame(g, a, "a", mb, ma);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	return ((t1.tv_sec - t0.tv_sec) * 1e9 + (t1.tv_nsec - t0.tv_nsec)) / n;
}

/*
 * links - 2 more links (hubs), then macs hosts learned on the last: each
 * a frame from a new source to a host on its own link, which the bridge
 * learns from and drops.
 */
static int
grow(struct ng_graph *g, struct ng_node *br, unsigned links, unsigned long macs)
{
	static const uint8_t here[6] = { 2, 0, 0, 0, 0, 0xc };
	struct ng_mesg *m = ng_mkmsg(NGM_BRIDGE_COOKIE,
	    NGM_BRIDGE_SET_MAX_HOSTS, sizeof(uint32_t));
	uint32_t max = (uint32_t)macs + 16;
	struct ng_node *hub = NULL, *c;
	char hook[NG_HOOKSIZ];
	int connc, error;

	if (m == NULL)
		return 1;
	memcpy(m->data, &max, sizeof(max));
	error = ng_send_msg(br, ".", m);
	free(m);
	for (unsigned i = 2; i < links && error == 0; i++) {
		snprintf(hook, sizeof(hook), "link%u", i);
		error = ng_make_node(g, "hub", &hub) ||
		    ng_con_nodes(hub, "x", br, hook);
	}
	if (error != 0 || ng_socket_create(g, &connc, &c) != 0)
		return 1;
	snprintf(hook, sizeof(hook), "link%u", links);
	if (ng_con_nodes(c, "c", br, hook) != 0)
		return 1;
	ng_socket_attach_data(c, &connc);
	frame(g, c, "c",
	    (const uint8_t[6]){ 0xff, 0xff, 0xff, 0xff, 0xff, 0xff }, here);
	for (unsigned long i = 0; i < macs; i++) {
		uint8_t src[6] = { 2, 1, (uint8_t)(i >> 24), (uint8_t)(i >> 16),
			(uint8_t)(i >> 8), (uint8_t)i };

		frame(g, c, "c", here, src);
	}
	return 0;
}

int
main(int argc, char **argv)
{
	static const uint8_t ma[6] = { 2, 0, 0, 0, 0, 0xa };
	static const uint8_t mb[6] = { 2, 0, 0, 0, 0, 0xb };
	struct ng_graph_cfg cfg = {
		.types = ng_nodes_types,
		.backends =
		    (const struct ng_backend[]){
			{ NGM_SOCKET_COOKIE, &bench_ops, NULL },
			{ 0, NULL, NULL },
		    },
	};
	struct ng_graph *g;
	struct ng_node *a, *b, *br;
	unsigned long n = 5000000, links = 1000, macs = 100000;
	unsigned long *args[] = { &n, &links, &macs };
	int conna, connb, ok;
	double ns2, nsn;

	for (int i = 1; i < argc; i++) {
		char *end = argv[i];

		errno = 0;
		if (i <= 3)
			*args[i - 1] = strtoul(argv[i], &end, 10);
		if (i > 3 || errno != 0 || end == argv[i] || *end != '\0' ||
		    *args[i - 1] == 0 || links > 100000) {
			fprintf(stderr,
			    "usage: graph_bench [frames [links "
			    "[macs]]] (positive numbers; links at most "
			    "100000)\n");
			return 64;
		}
	}

	if (ng_graph_new(&cfg, &g) != 0 || ng_socket_create(g, &conna, &a) ||
	    ng_socket_create(g, &connb, &b) ||
	    ng_make_node(g, "bridge", &br) != 0 ||
	    ng_con_nodes(a, "a", br, "link0") != 0 ||
	    ng_con_nodes(b, "b", br, "link1") != 0) {
		fprintf(stderr, "graph_bench: cannot build the graph\n");
		return 1;
	}
	ng_socket_attach_data(a, &conna);
	ng_socket_attach_data(b, &connb);
	frame(g, b, "b", ma, mb); /* learn both hosts */
	frame(g, a, "a", mb, ma);
	ns2 = run(g, a, n, ma, mb);
	ok = delivered == n;
	printf("%lu frames through socket->bridge->socket, %lu delivered: "
	       "%.1f ns/frame\n",
	    n, delivered, ns2);
	if (links > 2) {
		if (grow(g, br, (unsigned)links, macs) != 0) {
			fprintf(stderr,
			    "graph_bench: cannot grow the bridge\n");
			return 1;
		}
		nsn = run(g, a, n, ma, mb);
		ok = ok && delivered == n;
		printf("... with %lu links and %lu more hosts learned: %.1f "
		       "ns/frame; frame rate %.2f of 2 links'\n",
		    links + 1, macs, nsn, ns2 / nsn);
	}
	ng_graph_free(g);
	return ok ? 0 : 1;
}
