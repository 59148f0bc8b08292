/*
 * test_hubonly.c: the engine needs no node type but the ones a graph is
 * given.  This graph holds the hub type and the test's own probe type,
 * and the binary links nothing of src/nodes/ but ng_hub.o (tests/layers
 * checks that with nm).  The probe plays every neighbour; a frame it
 * sends on p0 reaches the hub on a and comes back on p1 and p2.
 *
 *          p0 --- a
 *   probe  p1 --- b  hub H
 *          p2 --- c
 */
#include <netgraph/ng_hub.h>

#include "ngtest.h"

static unsigned probe_frames[3];
static struct ng_mesg *probe_reply;

static int
probe_newhook(struct ng_node *node, struct ng_hook *hook, const char *name)
{
	if (strcmp(name, "p0") != 0 && strcmp(name, "p1") != 0 &&
	    strcmp(name, "p2") != 0)
		return EINVAL;
	return 0;
}

static int
probe_rcvdata(struct ng_hook *hook, struct ng_pkt **pkt)
{
	probe_frames[hook->name[1] - '0']++;
	ng_pkt_free(pkt);
	return 0;
}

/* Keeps the newest reply sent to the probe. */
static int
probe_rcvmsg(struct ng_node *node, const struct ng_msgctx *ctx,
    struct ng_mesg *msg, struct ng_mesg **resp)
{
	size_t len = sizeof(*msg) + msg->header.arglen;

	free(probe_reply);
	probe_reply = malloc(len);
	if (probe_reply == NULL)
		return ENOMEM;
	memcpy(probe_reply, msg, len);
	return 0;
}

static const struct ng_type probe_type = {
	.name = "probe",
	.newhook = probe_newhook,
	.rcvdata = probe_rcvdata,
	.rcvmsg = probe_rcvmsg,
};

static const struct ng_type *const types[] = { &ng_hub_type, &probe_type,
	NULL };

int
main(void)
{
	struct ng_graph_cfg cfg = { .types = types, .clock_ms = ngt_clock };
	const struct typelist *tl;
	struct ng_graph *g;
	struct ng_node *probe, *n;
	struct ng_hook *p0;
	struct ng_pkt *pkt;

	if (ng_graph_new(&cfg, &g) != 0) {
		printf("FAIL ng_graph_new\n");
		return 1;
	}
	CHECK_INT("probe", ng_make_node(g, "probe", &probe), 0);
	CHECK_INT("bridge: not in this graph", ng_make_node(g, "bridge", &n),
	    ENOENT);
	CHECK_INT("socket: not in this graph", ng_make_node(g, "socket", &n),
	    ENOENT);
	CHECK_INT("listtypes",
	    ngt_msg(probe, ".", NGM_GENERIC_COOKIE, NGM_LISTTYPES, NULL, 0), 0);
	tl = probe_reply != NULL && probe_reply->header.arglen >= sizeof(*tl) ?
	    (const struct typelist *)probe_reply->data :
	    NULL;
	CHECK_INT("listtypes: two types", tl != NULL ? tl->numtypes : 0, 2);
	CHECK_STR("listtypes: probe, newest first",
	    tl != NULL ? tl->typeinfo[0].type_name : NULL, "probe");
	CHECK_STR("listtypes: then hub",
	    tl != NULL ? tl->typeinfo[1].type_name : NULL, "hub");

	CHECK_INT("mkpeer hub", ngt_mkpeer(probe, ".", "hub", "p0", "a"), 0);
	CHECK_INT("name it H", ngt_name(probe, "p0", "H"), 0);
	CHECK_INT("connect p1", ngt_connect(probe, ".", "H:", "p1", "b"), 0);
	CHECK_INT("connect p2", ngt_connect(probe, ".", "H:", "p2", "c"), 0);

	p0 = ng_find_hook(probe, "p0");
	pkt = ng_pkt_alloc(g);
	CHECK("a packet", p0 != NULL && pkt != NULL);
	if (p0 == NULL || pkt == NULL)
		goto out;
	memset(pkt->data, 0xab, 60);
	pkt->len = 60;
	CHECK_INT("send on p0", ng_send_data(p0, &pkt), 0); /* consumes pkt */
	CHECK_INT("nothing back on p0", probe_frames[0], 0);
	CHECK_INT("one on p1", probe_frames[1], 1);
	CHECK_INT("one on p2", probe_frames[2], 1);
	CHECK("pool: nothing leaked", ngt_pool_whole(g));
out:
	ng_graph_free(g);
	free(probe_reply);
	return ngt_done();
}
