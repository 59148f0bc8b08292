/*
 * graph_bench.c: the engine's own cost per frame, with no kernel in the
 * way.  Two socket nodes on a bridge (link0, link1); frames of 60 bytes go
 * from one to the other after both MACs are learned.  Prints ns/frame;
 * under `valgrind --tool=callgrind` the instruction count per frame is
 * repeatable.  Usage: graph_bench [frames]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ng_core.h"

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

int
main(int argc, char **argv)
{
	static const uint8_t ma[6] = {2, 0, 0, 0, 0, 0xa};
	static const uint8_t mb[6] = {2, 0, 0, 0, 0, 0xb};
	struct ng_graph_cfg cfg = {.sock_ops = &bench_ops};
	struct ng_graph *g;
	struct ng_node *a, *b, *br;
	unsigned long n = argc > 1 ? strtoul(argv[1], NULL, 10) : 5000000;
	struct timespec t0, t1;
	int conna, connb;
	double ns;

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
	delivered = 0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (unsigned long i = 0; i < n; i++)
		frame(g, a, "a", mb, ma);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ns = (t1.tv_sec - t0.tv_sec) * 1e9 + (t1.tv_nsec - t0.tv_nsec);
	printf("%lu frames through socket->bridge->socket, %lu delivered: "
	       "%.1f ns/frame\n", n, delivered, ns / n);
	ng_graph_free(g);
	return delivered == n ? 0 : 1;
}
