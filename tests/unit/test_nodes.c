/*
 * test_nodes.c: the tee, one2many, vlan, bpf, iface and pipe nodes (spec
 * §9.3, §9.7-§9.10, §9.13), driven in-process.  The test's socket node
 * plays every neighbour: a frame injected on its hook enters the node
 * under test on the hook it is joined to, and what the node sends out
 * comes back on the socket's hooks, where it is counted.  The pipe runs
 * on the fake clock; iface on a fake interface backend.
 */
#include <netgraph/ng_bpf.h>
#include <netgraph/ng_hub.h>
#include <netgraph/ng_iface.h>
#include <netgraph/ng_one2many.h>
#include <netgraph/ng_pipe.h>
#include <netgraph/ng_tee.h>
#include <netgraph/ng_vlan.h>

#include "ngtest.h"
#include "ng_internal.h" /* the packet pool, to prove nothing leaks */
#include "ng_parse.h"

static struct ngt_conn conn;

static const uint8_t mac_a[6] = { 0x02, 0, 0, 0, 0, 0x0a };
static const uint8_t mac_b[6] = { 0x02, 0, 0, 0, 0, 0x0b };

/* The out-of-band VLAN tag of the last frame delivered to the client. */
static bool last_vtagged;
static uint16_t last_vtag;

static int
deliver_data(void *c, const char *hook, const struct ng_pkt *pkt)
{
	last_vtagged = pkt->vlan_tagged;
	last_vtag = pkt->vlan_tag;
	return ngt_deliver_data(c, hook, pkt);
}

static const struct ng_socket_ops sock_ops = {
	.deliver_msg = ngt_deliver_msg,
	.deliver_data = deliver_data,
	.gone = ngt_gone,
};

/* Fake interfaces (ngfake.h); ng1 is some other interface's name. */
static struct ngt_netdev fake = { .taken = "ng1" };

/* A graph with the fake clock, client and interfaces. */
static struct ng_graph *
graph(void)
{
	return ngt_graph_with(&sock_ops, &fake);
}

/* --- frames --------------------------------------------------------------- */

/* A packet holding len bytes of data, to inject by hand. */
static struct ng_pkt *
pkt_new(struct ng_graph *g, const uint8_t *data, uint32_t len)
{
	struct ng_pkt *p = ng_pkt_alloc(g);

	if (p == NULL) {
		printf("FAIL pool exhausted\n");
		exit(1);
	}
	memcpy(p->data, data, len);
	p->len = len;
	return p;
}

/* Send len bytes into the graph on the socket's hook; its errno. */
static int
inject(struct ng_node *sock, const char *hook, const uint8_t *data,
    uint32_t len)
{
	struct ng_pkt *p = pkt_new(sock->graph, data, len);

	return ng_socket_send_data(sock, hook, &p); /* consumes p */
}

/*
 * An Ethernet frame carrying IPv4 with protocol proto (1 ICMP, 6 TCP, 17
 * UDP) to port dport, padded to len bytes; returns len.
 */
static uint32_t
ip_frame(uint8_t *f, uint8_t proto, uint16_t dport, uint32_t len)
{
	memset(f, 0, len);
	memcpy(f, mac_b, 6);
	memcpy(f + 6, mac_a, 6);
	f[12] = 0x08;
	f[13] = 0x00;
	f[14] = 0x45;
	f[16] = (uint8_t)((len - 14) >> 8);
	f[17] = (uint8_t)(len - 14);
	f[22] = 64;
	f[23] = proto;
	memcpy(f + 26, "\xc6\x33\x64\x01\xc6\x33\x64\x02",
	    8);       /* 198.51.100.1, .2 */
	f[34] = 0x30; /* source port 12345 */
	f[35] = 0x39;
	f[36] = (uint8_t)(dport >> 8);
	f[37] = (uint8_t)dport;
	if (proto == 6)
		f[46] = 0x50; /* TCP header length 20 */
	return len;
}

/*
 * A TCP super-frame as a TAP hands it over: Ethernet, IPv4, TCP and
 * payload bytes, to be cut into segments of mss, checksum still to do.
 */
static struct ng_pkt *
gso_frame(struct ng_graph *g, uint32_t payload, uint16_t mss)
{
	static uint8_t f[54 + 8000];
	struct ng_pkt *p;

	ip_frame(f, 6, 80, 54 + payload);
	p = pkt_new(g, f, 54 + payload);
	p->vh.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
	p->vh.gso_type = VIRTIO_NET_HDR_GSO_TCPV4;
	p->vh.csum_start = 34;
	p->vh.csum_offset = 16;
	p->vh.hdr_len = 54;
	p->vh.gso_size = mss;
	return p;
}

/* The reply to a message, copied for the caller (NULL if none). */
static struct ng_mesg *
ask(struct ng_node *sock, const char *path, uint32_t cookie, uint32_t cmd,
    const void *arg, size_t arglen, int *error)
{
	const struct ng_mesg *r;
	struct ng_mesg *copy = NULL;

	ngt_clear(&conn);
	*error = ngt_msg(sock, path, cookie, cmd, arg, arglen);
	r = ngt_last_msg(&conn);
	if (*error == 0 && r != NULL) {
		copy = malloc(sizeof(*r) + r->header.arglen);
		memcpy(copy, r, sizeof(*r) + r->header.arglen);
	}
	ngt_clear(&conn);
	return copy;
}

/* Run the fake clock forward ms milliseconds, one at a time. */
static void
advance_ms(struct ng_graph *g, unsigned ms)
{
	while (ms-- > 0) {
		ngt_now_ms++;
		(void)ng_timers_run(g);
	}
}

/* --- the parse tables ----------------------------------------------------- */

/* Every struct a command of these types carries matches its C layout. */
static void
test_parse_tables(void)
{
	static const char *types[] = { "tee", "one2many", "vlan", "bpf",
		"iface", "pipe" };
	struct ng_graph *g = graph();
	char name[96];

	for (unsigned i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		const struct ng_type *t = ng_find_type(g, types[i]);
		bool ok = t != NULL && t->cmdlist != NULL;

		for (const struct ng_cmdlist *c = ok ? t->cmdlist : NULL;
		     c != NULL && c->name != NULL; c++) {
			const char *what = NULL;

			if ((c->mesg_type != NULL &&
				ng_parse_check(c->mesg_type, &what) != 0) ||
			    (c->resp_type != NULL &&
				ng_parse_check(c->resp_type, &what) != 0)) {
				snprintf(name, sizeof(name), "parse/%s %s (%s)",
				    types[i], c->name, what ? what : "?");
				CHECK(name, 0);
				ok = false;
			}
			if (c->cookie != t->cookie)
				ok = false;
		}
		snprintf(name, sizeof(name), "parse/%s tables match", types[i]);
		CHECK(name, ok);
	}
	ng_graph_free(g);
}

/* --- tee ------------------------------------------------------------------ */

/*
 *          sock (the test)
 *     l     r     l2r    r2l
 *     |     |      |      |
 *   left  right left2right right2left
 *   +------------ tee T -------------+
 */
static void
test_tee(void)
{
	struct ng_graph *g = graph();
	struct ng_node *sock = ngt_socket(g, &conn), *h1, *h2;
	struct ng_tee_stats *st;
	struct ng_mesg *r;
	uint8_t f[100];
	int error;

	CHECK_INT("tee/mkpeer", ngt_mkpeer(sock, ".", "tee", "l", "left"), 0);
	CHECK_INT("tee/name", ngt_name(sock, "l", "T"), 0);
	CHECK_INT("tee/right", ngt_connect(sock, ".", "T:", "r", "right"), 0);
	CHECK_INT("tee/left2right",
	    ngt_connect(sock, ".", "T:", "l2r", "left2right"), 0);
	CHECK_INT("tee/right2left",
	    ngt_connect(sock, ".", "T:", "r2l", "right2left"), 0);
	CHECK_INT("tee/other names EINVAL",
	    ngt_connect(sock, ".", "T:", "x", "middle"), EINVAL);
	ip_frame(f, 17, 53, sizeof(f));

	ngt_clear(&conn);
	CHECK_INT("tee/from left", inject(sock, "l", f, 100), 0);
	CHECK_INT("tee/left: out right", ngt_count(&conn, "r"), 1);
	CHECK_INT("tee/left: copy out left2right", ngt_count(&conn, "l2r"), 1);
	CHECK_INT("tee/left: two frames", conn.nframes, 2);
	CHECK("tee/the copy is the same packet",
	    conn.nframes == 2 && conn.frames[0].pkt == conn.frames[1].pkt);
	ngt_clear(&conn);
	CHECK_INT("tee/from right", inject(sock, "r", f, 60), 0);
	CHECK_INT("tee/right: out left", ngt_count(&conn, "l"), 1);
	CHECK_INT("tee/right: copy out right2left", ngt_count(&conn, "r2l"), 1);
	CHECK_INT("tee/right: two frames", conn.nframes, 2);
	ngt_clear(&conn);
	CHECK_INT("tee/from left2right", inject(sock, "l2r", f, 60), 0);
	CHECK_INT("tee/left2right: out left", ngt_count(&conn, "l"), 1);
	CHECK_INT("tee/left2right: only there", conn.nframes, 1);
	ngt_clear(&conn);
	CHECK_INT("tee/from right2left", inject(sock, "r2l", f, 60), 0);
	CHECK_INT("tee/right2left: out right", ngt_count(&conn, "r"), 1);
	CHECK_INT("tee/right2left: only there", conn.nframes, 1);

	r = ask(sock, "T:", NGM_TEE_COOKIE, NGM_TEE_GETCLR_STATS, NULL, 0,
	    &error);
	CHECK("tee/getclrstats",
	    error == 0 && r != NULL && r->header.arglen == sizeof(*st));
	if (r != NULL) {
		st = (struct ng_tee_stats *)r->data;
		CHECK_INT("tee/stats left in", st->left.inFrames, 1);
		CHECK_INT("tee/stats left in octets", st->left.inOctets, 100);
		CHECK_INT("tee/stats left out", st->left.outFrames, 2);
		CHECK_INT("tee/stats right out", st->right.outFrames, 2);
		CHECK_INT("tee/stats right out octets", st->right.outOctets,
		    160);
		CHECK_INT("tee/stats left2right out", st->left2right.outFrames,
		    1);
		CHECK_INT("tee/stats right2left in", st->right2left.inFrames,
		    1);
	}
	free(r);
	r = ask(sock, "T:", NGM_TEE_COOKIE, NGM_TEE_GET_STATS, NULL, 0, &error);
	CHECK("tee/stats cleared",
	    r != NULL && ((struct ng_tee_stats *)r->data)->left.inFrames == 0);
	free(r);

	/* Without right, left traffic goes only to left2right. */
	CHECK_INT("tee/rmhook right", ngt_rmhook(sock, ".", "r"), 0);
	ngt_clear(&conn);
	CHECK_INT("tee/left, no right", inject(sock, "l", f, 60), 0);
	CHECK_INT("tee/no right: to left2right", ngt_count(&conn, "l2r"), 1);
	CHECK_INT("tee/no right: once", conn.nframes, 1);
	CHECK_INT("tee/rmhook left2right", ngt_rmhook(sock, ".", "l2r"), 0);
	ngt_clear(&conn);
	CHECK_INT("tee/left, nowhere to go", inject(sock, "l", f, 60), 0);
	CHECK_INT("tee/nowhere: dropped", conn.nframes, 0);

	/* Hookless, it dies. */
	CHECK_INT("tee/rmhook l", ngt_rmhook(sock, ".", "l"), 0);
	CHECK_INT("tee/rmhook r2l", ngt_rmhook(sock, ".", "r2l"), 0);
	CHECK_INT("tee/gone when hookless", ngt_count_type(g, "tee"), 0);

	/*
	 * Case 47: H1:t -- left [T] right -- H2:t; shutting T down joins
	 * H1 and H2 through their own hook names.
	 */
	CHECK_INT("tee/splice: H1", ngt_mkpeer(sock, ".", "hub", "h1", "x"), 0);
	CHECK_INT("tee/splice: name H1", ngt_name(sock, "h1", "H1"), 0);
	CHECK_INT("tee/splice: H2", ngt_mkpeer(sock, ".", "hub", "h2", "x"), 0);
	CHECK_INT("tee/splice: name H2", ngt_name(sock, "h2", "H2"), 0);
	ngt_msg(sock, "H1:", NGM_HUB_COOKIE, NGM_HUB_SET_PERSISTENT, NULL, 0);
	ngt_msg(sock, "H2:", NGM_HUB_COOKIE, NGM_HUB_SET_PERSISTENT, NULL, 0);
	CHECK_INT("tee/splice: T on H1",
	    ngt_mkpeer(sock, "H1:", "tee", "t1", "left"), 0);
	CHECK_INT("tee/splice: name T", ngt_name(sock, "H1:t1", "T"), 0);
	CHECK_INT("tee/splice: T to H2",
	    ngt_connect(sock, "T:", "H2:", "right", "t2"), 0);
	CHECK_INT("tee/splice: shutdown", ngt_shutdown(sock, "T:"), 0);
	h1 = ngt_node(sock, "H1:");
	h2 = ngt_node(sock, "H2:");
	CHECK_INT("tee/splice: tee gone", ngt_count_type(g, "tee"), 0);
	CHECK("tee/splice: H1:t1 is joined to H2:t2",
	    h1 != NULL && h2 != NULL && ng_find_hook(h1, "t1") != NULL &&
		ng_find_hook(h1, "t1")->peer == ng_find_hook(h2, "t2"));
	CHECK("tee/splice: a path runs through",
	    ngt_node(sock, "H1:t1") == h2 && ngt_node(sock, "H2:t2") == h1);
	ngt_clear(&conn);
	CHECK_INT("tee/splice: data crosses", inject(sock, "h1", f, 60), 0);
	CHECK_INT("tee/splice: arrives through H2", ngt_count(&conn, "h2"), 1);

	ngt_clear(&conn);
	ng_graph_free(g);
}

/* --- one2many --------------------------------------------------------------- */

static int
o2m_setconfig(struct ng_node *sock, uint32_t xmit, uint32_t fail,
    const uint8_t *enabled, unsigned n)
{
	struct ng_one2many_config c;

	memset(&c, 0, sizeof(c));
	c.xmitAlg = xmit;
	c.failAlg = fail;
	for (unsigned i = 0; i < n; i++)
		c.enabledLinks[i] = enabled[i];
	return ngt_msg(sock, "O:", NGM_ONE2MANY_COOKIE, NGM_ONE2MANY_SET_CONFIG,
	    &c, sizeof(c));
}

static struct ng_one2many_link_stats
o2m_stats(struct ng_node *sock, int32_t link)
{
	struct ng_one2many_link_stats st;
	struct ng_mesg *r;
	int error;

	memset(&st, 0xee, sizeof(st));
	r = ask(sock, "O:", NGM_ONE2MANY_COOKIE, NGM_ONE2MANY_GET_STATS, &link,
	    sizeof(link), &error);
	if (r != NULL && r->header.arglen == sizeof(st))
		memcpy(&st, r->data, sizeof(st));
	free(r);
	return st;
}

/* Send a flow message to the node from the socket's hook. */
static int
flow(struct ng_node *sock, const char *hook, uint32_t cmd)
{
	struct ng_mesg *m = ng_mkmsg(NGM_FLOW_COOKIE, cmd, 0);
	int error = ng_send_hook_msg(ng_find_hook(sock, hook), m);

	free(m);
	return error;
}

/*
 *            sock
 *     o     m0    m1    m2
 *     |     |     |     |
 *    one  many0 many1 many2
 *    +--- one2many O ---+
 */
static void
test_one2many(void)
{
	static const char *bad[] = { "many64", "many01", "many", "many-1",
		"many1x", "Many1", "two", "many00", "" };
	struct ng_graph *g = graph();
	struct ng_node *sock = ngt_socket(g, &conn);
	struct ng_one2many_config *c;
	struct ng_one2many_link_stats st;
	struct ng_mesg *r;
	uint8_t f[80], off[1] = { 0 };
	char name[64];
	int error;

	CHECK_INT("o2m/mkpeer", ngt_mkpeer(sock, ".", "one2many", "o", "one"),
	    0);
	CHECK_INT("o2m/name", ngt_name(sock, "o", "O"), 0);
	r = ask(sock, "O:", NGM_ONE2MANY_COOKIE, NGM_ONE2MANY_GET_CONFIG, NULL,
	    0, &error);
	c = r != NULL ? (struct ng_one2many_config *)r->data : NULL;
	CHECK("o2m/default config",
	    c != NULL && c->xmitAlg == 1 && c->failAlg == 1 &&
		c->enabledLinks[0] == 0);
	free(r);
	ip_frame(f, 17, 53, sizeof(f));
	CHECK_INT("o2m/no links: ENOTCONN", inject(sock, "o", f, 80), ENOTCONN);
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(name, sizeof(name), "o2m/hook \"%s\" EINVAL", bad[i]);
		CHECK_INT(name, ngt_connect(sock, ".", "O:", "x", bad[i]),
		    EINVAL);
	}
	CHECK_INT("o2m/many0", ngt_connect(sock, ".", "O:", "m0", "many0"), 0);
	CHECK_INT("o2m/many1", ngt_connect(sock, ".", "O:", "m1", "many1"), 0);
	CHECK_INT("o2m/many2", ngt_connect(sock, ".", "O:", "m2", "many2"), 0);
	CHECK_INT("o2m/many63", ngt_connect(sock, ".", "O:", "m63", "many63"),
	    0);
	CHECK_INT("o2m/rmhook many63", ngt_rmhook(sock, ".", "m63"), 0);
	r = ask(sock, "O:", NGM_ONE2MANY_COOKIE, NGM_ONE2MANY_GET_CONFIG, NULL,
	    0, &error);
	c = r != NULL ? (struct ng_one2many_config *)r->data : NULL;
	CHECK("o2m/new links are enabled",
	    c != NULL && c->enabledLinks[0] == 1 && c->enabledLinks[1] == 1 &&
		c->enabledLinks[2] == 1 && c->enabledLinks[3] == 0 &&
		c->enabledLinks[63] == 0);
	free(r);

	/* Round-robin: 6 frames, two per link, in turn. */
	ngt_clear(&conn);
	for (int i = 0; i < 6; i++)
		CHECK_INT("o2m/rr send", inject(sock, "o", f, 80), 0);
	CHECK_INT("o2m/rr many0", ngt_count(&conn, "m0"), 2);
	CHECK_INT("o2m/rr many1", ngt_count(&conn, "m1"), 2);
	CHECK_INT("o2m/rr many2", ngt_count(&conn, "m2"), 2);
	CHECK("o2m/rr in turn",
	    conn.nframes == 6 &&
		strcmp(conn.frames[0].hook, conn.frames[3].hook) == 0 &&
		strcmp(conn.frames[0].hook, conn.frames[1].hook) != 0 &&
		strcmp(conn.frames[1].hook, conn.frames[2].hook) != 0);
	/* Any many link delivers to one. */
	ngt_clear(&conn);
	CHECK_INT("o2m/from many1", inject(sock, "m1", f, 80), 0);
	CHECK_INT("o2m/to one", ngt_count(&conn, "o"), 1);
	CHECK_INT("o2m/only one", conn.nframes, 1);
	st = o2m_stats(sock, 1);
	CHECK("o2m/stats many1",
	    st.xmitPackets == 2 && st.recvPackets == 1 &&
		st.xmitOctets == 160 && st.recvOctets == 80);
	st = o2m_stats(sock, NG_ONE2MANY_ONE_LINKNUM);
	/* (the frame refused with ENOTCONN was received too) */
	CHECK("o2m/stats one", st.recvPackets == 7 && st.xmitPackets == 1);
	{
		int32_t bad_link = 64;

		CHECK_INT("o2m/stats of link 64 EINVAL",
		    ngt_msg(sock, "O:", NGM_ONE2MANY_COOKIE,
			NGM_ONE2MANY_GET_STATS, &bad_link, sizeof(bad_link)),
		    EINVAL);
	}

	/* All: every link gets the same packet. */
	CHECK_INT("o2m/xmit all",
	    o2m_setconfig(sock, 2, 1, (const uint8_t[]){ 1, 1, 1 }, 3), 0);
	ngt_clear(&conn);
	CHECK_INT("o2m/all send", inject(sock, "o", f, 80), 0);
	CHECK("o2m/all to each",
	    ngt_count(&conn, "m0") == 1 && ngt_count(&conn, "m1") == 1 &&
		ngt_count(&conn, "m2") == 1);
	CHECK("o2m/all share one packet",
	    conn.nframes == 3 && conn.frames[0].pkt == conn.frames[2].pkt);

	/* Failover: the lowest active link takes everything. */
	CHECK_INT("o2m/failover",
	    o2m_setconfig(sock, 3, 1, (const uint8_t[]){ 1, 1, 1 }, 3), 0);
	ngt_clear(&conn);
	for (int i = 0; i < 4; i++)
		inject(sock, "o", f, 80);
	CHECK_INT("o2m/failover: all on many0", ngt_count(&conn, "m0"), 4);
	CHECK_INT("o2m/disable many0",
	    o2m_setconfig(sock, 3, 1, (const uint8_t[]){ 0, 1, 1 }, 3), 0);
	ngt_clear(&conn);
	for (int i = 0; i < 4; i++)
		inject(sock, "o", f, 80);
	CHECK_INT("o2m/failover: then many1", ngt_count(&conn, "m1"), 4);
	CHECK_INT("o2m/rmhook many1", ngt_rmhook(sock, ".", "m1"), 0);
	ngt_clear(&conn);
	inject(sock, "o", f, 80);
	CHECK_INT("o2m/failover: then many2", ngt_count(&conn, "m2"), 1);
	CHECK_INT("o2m/bad xmitAlg", o2m_setconfig(sock, 4, 1, off, 0), EINVAL);
	CHECK_INT("o2m/bad failAlg", o2m_setconfig(sock, 1, 3, off, 0), EINVAL);

	/* failAlg notify: a link's own flow messages take it out and back;
	 * the bundle tells "one" when it goes down and up. */
	CHECK_INT("o2m/many1 again",
	    ngt_connect(sock, ".", "O:", "m1", "many1"), 0);
	CHECK_INT("o2m/notify",
	    o2m_setconfig(sock, 3, 2, (const uint8_t[]){ 1, 1, 1 }, 3), 0);
	ngt_clear(&conn);
	CHECK_INT("o2m/many0 says down", flow(sock, "m0", NGM_LINK_IS_DOWN), 0);
	inject(sock, "o", f, 80);
	CHECK_INT("o2m/notify: many1 takes over", ngt_count(&conn, "m1"), 1);
	flow(sock, "m1", NGM_LINK_IS_DOWN);
	flow(sock, "m2", NGM_LINK_IS_DOWN);
	CHECK("o2m/notify: one hears the bundle is down",
	    ngt_last_msg(&conn) != NULL &&
		ngt_last_msg(&conn)->header.typecookie == NGM_FLOW_COOKIE &&
		ngt_last_msg(&conn)->header.cmd == NGM_LINK_IS_DOWN);
	CHECK_INT("o2m/notify: nothing active", inject(sock, "o", f, 80),
	    ENOTCONN);
	ngt_clear(&conn);
	flow(sock, "m2", NGM_LINK_IS_UP);
	CHECK("o2m/notify: one hears it is up",
	    ngt_last_msg(&conn) != NULL &&
		ngt_last_msg(&conn)->header.cmd == NGM_LINK_IS_UP);
	ngt_clear(&conn);
	inject(sock, "o", f, 80);
	CHECK_INT("o2m/notify: many2 is back", ngt_count(&conn, "m2"), 1);

	ngt_close(&conn);
	CHECK_INT("o2m/gone with its last hook", ngt_count_type(g, "one2many"),
	    0);
	CHECK("o2m/no packet leaked", ngt_pool_whole(g));
	ng_graph_free(g);
}

/* --- vlan ------------------------------------------------------------------- */

static int
addfilter(struct ng_node *sock, const char *hook, uint16_t vid, uint8_t pcp,
    uint8_t cfi, uint16_t vlan)
{
	struct ng_vlan_filter vf;

	memset(&vf, 0, sizeof(vf));
	snprintf(vf.hook_name, sizeof(vf.hook_name), "%s", hook);
	vf.vid = vid;
	vf.pcp = pcp;
	vf.cfi = cfi;
	vf.vlan = vlan;
	return ngt_msg(sock, "V:", NGM_VLAN_COOKIE, NGM_VLAN_ADD_FILTER, &vf,
	    sizeof(vf));
}

static int
vlan_set32(struct ng_node *sock, uint32_t cmd, uint32_t v)
{
	return ngt_msg(sock, "V:", NGM_VLAN_COOKIE, cmd, &v, sizeof(v));
}

/* A frame as it would be with tag (TPID tpid) inserted. */
static uint32_t
tagged(uint8_t *out, const uint8_t *f, uint32_t len, uint16_t tpid,
    uint16_t tag)
{
	memcpy(out, f, 12);
	out[12] = (uint8_t)(tpid >> 8);
	out[13] = (uint8_t)tpid;
	out[14] = (uint8_t)(tag >> 8);
	out[15] = (uint8_t)tag;
	memcpy(out + 16, f + 12, len - 12);
	return len + 4;
}

/*
 *              sock
 *    d          v10   v20    n     x
 *    |           |     |     |     |
 * downstream    v10   v20 nomatch  x (no filter)
 *    +---------- vlan V ------------+
 */
static void
test_vlan(void)
{
	struct ng_graph *g = graph();
	struct ng_node *sock = ngt_socket(g, &conn);
	struct ng_vlan_table *t;
	struct ng_mesg *r;
	uint8_t f[100], tf[104];
	struct ng_pkt *p, *keep;
	uint32_t len;
	uint16_t v16;
	int error;

	CHECK_INT("vlan/mkpeer",
	    ngt_mkpeer(sock, ".", "vlan", "d", "downstream"), 0);
	CHECK_INT("vlan/name", ngt_name(sock, "d", "V"), 0);
	CHECK_INT("vlan/v10", ngt_connect(sock, ".", "V:", "v10", "v10"), 0);
	CHECK_INT("vlan/v20", ngt_connect(sock, ".", "V:", "v20", "v20"), 0);
	CHECK_INT("vlan/nomatch", ngt_connect(sock, ".", "V:", "n", "nomatch"),
	    0);
	CHECK_INT("vlan/x", ngt_connect(sock, ".", "V:", "x", "x"), 0);

	/* Case 44 and the other addfilter rules. */
	CHECK_INT("vlan/addfilter v10 vid=10",
	    addfilter(sock, "v10", 10, 0, 0, 0), 0);
	r = ask(sock, "V:", NGM_VLAN_COOKIE, NGM_VLAN_GET_TABLE, NULL, 0,
	    &error);
	t = r != NULL ? (struct ng_vlan_table *)r->data : NULL;
	CHECK("vlan/gettable",
	    t != NULL && t->n == 1 &&
		r->header.arglen == sizeof(*t) + sizeof(t->filter[0]) &&
		strcmp(t->filter[0].hook_name, "v10") == 0 &&
		t->filter[0].vid == 10 && t->filter[0].vlan == 10);
	free(r);
	CHECK_INT("vlan/no such hook ENOENT",
	    addfilter(sock, "zz", 11, 0, 0, 0), ENOENT);
	CHECK_INT("vlan/downstream EINVAL",
	    addfilter(sock, "downstream", 12, 0, 0, 0), EINVAL);
	CHECK_INT("vlan/nomatch EINVAL",
	    addfilter(sock, "nomatch", 12, 0, 0, 0), EINVAL);
	CHECK_INT("vlan/VID taken EEXIST", addfilter(sock, "v20", 10, 0, 0, 0),
	    EEXIST);
	CHECK_INT("vlan/hook filtered EEXIST",
	    addfilter(sock, "v10", 11, 0, 0, 0), EEXIST);
	CHECK_INT("vlan/VID 4096 EINVAL", addfilter(sock, "v20", 4096, 0, 0, 0),
	    EINVAL);
	CHECK_INT("vlan/PCP 8 EINVAL", addfilter(sock, "v20", 20, 8, 0, 0),
	    EINVAL);
	CHECK_INT("vlan/CFI 2 EINVAL", addfilter(sock, "v20", 20, 0, 2, 0),
	    EINVAL);
	CHECK_INT("vlan/vlan and vid differ EINVAL",
	    addfilter(sock, "v20", 20, 0, 0, 21), EINVAL);
	CHECK_INT("vlan/old name vlan=20 pcp=5",
	    addfilter(sock, "v20", 0, 5, 0, 20), 0);
	CHECK_INT("vlan/delfilter nothing ENOENT",
	    ngt_msg(sock, "V:", NGM_VLAN_COOKIE, NGM_VLAN_DEL_FILTER,
		(char[NG_HOOKSIZ]){ "x" }, NG_HOOKSIZ),
	    ENOENT);
	v16 = 30;
	CHECK_INT("vlan/delvidflt nothing ENOENT",
	    ngt_msg(sock, "V:", NGM_VLAN_COOKIE, NGM_VLAN_DEL_VID_FLT, &v16,
		sizeof(v16)),
	    ENOENT);

	/* Towards the trunk: tagged with the hook's VID, PCP and CFI. */
	len = ip_frame(f, 17, 53, sizeof(f));
	ngt_clear(&conn);
	CHECK_INT("vlan/from v10", inject(sock, "v10", f, len), 0);
	tagged(tf, f, len, 0x8100, 10);
	CHECK("vlan/v10 tagged on the trunk",
	    conn.nframes == 1 && strcmp(conn.frames[0].hook, "d") == 0 &&
		conn.frames[0].len == len + 4 &&
		memcmp(conn.frames[0].data, tf, 64) == 0);
	ngt_clear(&conn);
	CHECK_INT("vlan/from v20", inject(sock, "v20", f, len), 0);
	CHECK("vlan/v20 tag has PCP 5",
	    conn.nframes == 1 && conn.frames[0].data[14] == 0xa0 &&
		conn.frames[0].data[15] == 20);
	CHECK_INT("vlan/from a hook without filter EOPNOTSUPP",
	    inject(sock, "x", f, len), EOPNOTSUPP);
	CHECK_INT("vlan/runt EINVAL", inject(sock, "v10", f, 13), EINVAL);
	ngt_clear(&conn);
	CHECK_INT("vlan/from nomatch", inject(sock, "n", f, len), 0);
	CHECK("vlan/nomatch passes unchanged",
	    conn.nframes == 1 && conn.frames[0].len == len &&
		memcmp(conn.frames[0].data, f, 64) == 0);

	/* From the trunk: untagged to the VLAN's hook. */
	ngt_clear(&conn);
	CHECK_INT("vlan/tagged 10 from trunk",
	    inject(sock, "d", tf, tagged(tf, f, len, 0x8100, 10)), 0);
	CHECK("vlan/untagged on v10",
	    ngt_count(&conn, "v10") == 1 && conn.frames[0].len == len &&
		memcmp(conn.frames[0].data, f, 64) == 0);
	ngt_clear(&conn);
	CHECK_INT("vlan/tagged 10, PCP 3",
	    inject(sock, "d", tf, tagged(tf, f, len, 0x8100, 0x6000 | 10)), 0);
	CHECK_INT("vlan/PCP does not matter", ngt_count(&conn, "v10"), 1);
	ngt_clear(&conn);
	CHECK_INT("vlan/tagged 30",
	    inject(sock, "d", tf, tagged(tf, f, len, 0x8100, 30)), 0);
	CHECK("vlan/unknown VID to nomatch, tagged",
	    ngt_count(&conn, "n") == 1 && conn.frames[0].len == len + 4);
	ngt_clear(&conn);
	CHECK_INT("vlan/untagged from trunk", inject(sock, "d", f, len), 0);
	CHECK_INT("vlan/untagged to nomatch", ngt_count(&conn, "n"), 1);

	/* decap: nomatch gets it untagged, the tag kept out of band; with
	 * encap bit 2 it goes back inline on the way out. */
	CHECK_INT("vlan/setdecap 1", vlan_set32(sock, NGM_VLAN_SET_DECAP, 1),
	    0);
	ngt_clear(&conn);
	inject(sock, "d", tf, tagged(tf, f, len, 0x8100, 0x2000 | 30));
	CHECK("vlan/decap: untagged on nomatch",
	    ngt_count(&conn, "n") == 1 && conn.frames[0].len == len &&
		last_vtagged && last_vtag == (0x2000 | 30));
	p = pkt_new(g, f, len);
	p->vlan_tagged = true;
	p->vlan_tag = 0x2000 | 30;
	ngt_clear(&conn);
	CHECK_INT("vlan/out-of-band from nomatch",
	    ng_socket_send_data(sock, "n", &p), 0);
	CHECK("vlan/encap 1: stays out of band",
	    conn.nframes == 1 && conn.frames[0].len == len && last_vtagged);
	CHECK_INT("vlan/setencap 3", vlan_set32(sock, NGM_VLAN_SET_ENCAP, 3),
	    0);
	p = pkt_new(g, f, len);
	p->vlan_tagged = true;
	p->vlan_tag = 0x2000 | 30;
	ngt_clear(&conn);
	ng_socket_send_data(sock, "n", &p);
	tagged(tf, f, len, 0x8100, 0x2000 | 30);
	CHECK("vlan/encap 3: inline again",
	    conn.nframes == 1 && conn.frames[0].len == len + 4 &&
		!last_vtagged && memcmp(conn.frames[0].data, tf, 64) == 0);
	CHECK_INT("vlan/setencap 0", vlan_set32(sock, NGM_VLAN_SET_ENCAP, 0),
	    0);
	ngt_clear(&conn);
	inject(sock, "v10", f, len);
	CHECK("vlan/encap 0: filter tag out of band",
	    conn.nframes == 1 && conn.frames[0].len == len && last_vtagged &&
		last_vtag == 10);
	CHECK_INT("vlan/setencap 1", vlan_set32(sock, NGM_VLAN_SET_ENCAP, 1),
	    0);
	CHECK_INT("vlan/setdecap 0", vlan_set32(sock, NGM_VLAN_SET_DECAP, 0),
	    0);

	/* A shared packet is copied before the tag goes in. */
	keep = pkt_new(g, f, len);
	p = ng_pkt_ref(keep);
	ngt_clear(&conn);
	ng_socket_send_data(sock, "v10", &p);
	CHECK("vlan/a shared packet is copied, not written",
	    conn.nframes == 1 && conn.frames[0].len == len + 4 &&
		conn.frames[0].pkt != keep && keep->len == len &&
		memcmp(keep->data, f, len) == 0);
	ng_pkt_free(&keep);

	/* 802.1ad: the TPID written and recognised changes. */
	v16 = 0x88a8;
	CHECK_INT("vlan/setencapproto 0x88a8",
	    ngt_msg(sock, "V:", NGM_VLAN_COOKIE, NGM_VLAN_SET_ENCAP_PROTO, &v16,
		sizeof(v16)),
	    0);
	r = ask(sock, "V:", NGM_VLAN_COOKIE, NGM_VLAN_GET_ENCAP_PROTO, NULL, 0,
	    &error);
	CHECK("vlan/getencapproto",
	    r != NULL && r->header.arglen == 2 &&
		memcmp(r->data, &v16, 2) == 0);
	free(r);
	ngt_clear(&conn);
	inject(sock, "v10", f, len);
	CHECK("vlan/802.1ad tag",
	    conn.nframes == 1 && conn.frames[0].data[12] == 0x88 &&
		conn.frames[0].data[13] == 0xa8);
	ngt_clear(&conn);
	inject(sock, "d", tf, tagged(tf, f, len, 0x8100, 10));
	CHECK_INT("vlan/an 802.1Q tag is not ours now", ngt_count(&conn, "n"),
	    1);
	ngt_clear(&conn);
	inject(sock, "d", tf, tagged(tf, f, len, 0x88a8, 10));
	CHECK_INT("vlan/an 802.1ad one is", ngt_count(&conn, "v10"), 1);

	/* Flow messages from the trunk reach every VLAN hook. */
	ngt_clear(&conn);
	CHECK_INT("vlan/trunk down", flow(sock, "d", NGM_LINK_IS_DOWN), 0);
	CHECK_INT("vlan/each VLAN hears it", conn.nmsgs, 2);

	/* delfilter and delvidflt. */
	CHECK_INT("vlan/delfilter v10",
	    ngt_msg(sock, "V:", NGM_VLAN_COOKIE, NGM_VLAN_DEL_FILTER,
		(char[NG_HOOKSIZ]){ "v10" }, NG_HOOKSIZ),
	    0);
	CHECK_INT("vlan/v10 has no filter now", inject(sock, "v10", f, len),
	    EOPNOTSUPP);
	v16 = 20;
	CHECK_INT("vlan/delvidflt 20",
	    ngt_msg(sock, "V:", NGM_VLAN_COOKIE, NGM_VLAN_DEL_VID_FLT, &v16,
		sizeof(v16)),
	    0);
	r = ask(sock, "V:", NGM_VLAN_COOKIE, NGM_VLAN_GET_TABLE, NULL, 0,
	    &error);
	CHECK("vlan/table empty",
	    r != NULL && ((struct ng_vlan_table *)r->data)->n == 0);
	free(r);
	CHECK_INT("vlan/VID 10 free again", addfilter(sock, "v20", 10, 0, 0, 0),
	    0);
	CHECK_INT("vlan/rmhook v20", ngt_rmhook(sock, ".", "v20"), 0);
	CHECK_INT("vlan/its filter went with it",
	    addfilter(sock, "x", 10, 0, 0, 0), 0);

	/* Without nomatch or downstream: ENETDOWN. */
	CHECK_INT("vlan/rmhook nomatch", ngt_rmhook(sock, ".", "n"), 0);
	CHECK_INT("vlan/no nomatch: ENETDOWN", inject(sock, "d", f, len),
	    ENETDOWN);
	CHECK_INT("vlan/rmhook downstream", ngt_rmhook(sock, ".", "d"), 0);
	CHECK_INT("vlan/no trunk: ENETDOWN", inject(sock, "x", f, len),
	    ENETDOWN);
	CHECK_INT("vlan/rmhook x", ngt_rmhook(sock, ".", "x"), 0);
	CHECK_INT("vlan/rmhook v10", ngt_rmhook(sock, ".", "v10"), 0);
	CHECK_INT("vlan/gone when hookless", ngt_count_type(g, "vlan"), 0);
	ngt_clear(&conn);
	CHECK("vlan/no packet leaked", ngt_pool_whole(g));
	ng_graph_free(g);
}

/*
 * Offloads across tagging.  Socket nodes hand their clients finished
 * frames, so here two iface nodes on the fake backend stand at the ends
 * and show the metadata as it leaves the graph (the frames' first byte,
 * 0x46 of a locally administered MAC, passes for IPv4 there):
 *
 *   ng0 inet -- downstream [V] v10 -- inet ng1
 */
static void
test_vlan_offloads(void)
{
	struct ng_graph *g = graph();
	struct ng_node *sock = ngt_socket(g, &conn), *ng0, *ng1;
	struct ngt_dev *d0, *d1;
	uint8_t f[200], tf[204];
	struct ng_pkt *p;
	uint32_t len;

	memset(fake.dev, 0, sizeof(fake.dev));
	ngt_mkpeer(sock, ".", "iface", "x", "inet6");
	ngt_mkpeer(sock, ".", "iface", "y", "inet6");
	ng0 = ngt_node(sock, "ng0:");
	ng1 = ngt_node(sock, "ng2:"); /* ng1 is taken (fake.taken) */
	CHECK("vlan offloads/setup",
	    ng0 != NULL && ng1 != NULL &&
		ngt_mkpeer(sock, "ng0:", "vlan", "inet", "downstream") == 0 &&
		ngt_name(sock, "ng0:inet", "V") == 0 &&
		ngt_connect(sock, "V:", "ng2:", "v10", "inet") == 0 &&
		addfilter(sock, "v10", 10, 0, 0, 0) == 0);
	if (ng0 == NULL || ng1 == NULL)
		goto out;
	d0 = &fake.dev[0];
	d1 = &fake.dev[1];
	d0->up = d1->up = true;
	len = ip_frame(f, 6, 80, sizeof(f));
	f[0] = 0x46;

	/* A TCP super-frame from the VLAN side gets its tag: checksum
	 * start and header length move on by 4, the rest stays. */
	p = pkt_new(g, f, len);
	p->vh.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
	p->vh.gso_type = VIRTIO_NET_HDR_GSO_TCPV4;
	p->vh.csum_start = 34;
	p->vh.csum_offset = 16;
	p->vh.hdr_len = 54;
	p->vh.gso_size = 1448;
	ng_netdev_input(ng1, &p);
	tagged(tf, f, len, 0x8100, 10);
	CHECK("vlan offloads/tagged on the trunk",
	    d0->xmits == 1 && d0->last_len == len + 4 &&
		memcmp(d0->last, tf, 64) == 0);
	CHECK("vlan offloads/csum_start and hdr_len on 4",
	    d0->last_vh.csum_start == 38 && d0->last_vh.hdr_len == 58 &&
		d0->last_vh.csum_offset == 16 && d0->last_vh.gso_size == 1448 &&
		d0->last_vh.gso_type == VIRTIO_NET_HDR_GSO_TCPV4 &&
		d0->last_vh.flags == VIRTIO_NET_HDR_F_NEEDS_CSUM);

	/* And back: untagged from the trunk, they move back by 4. */
	p = pkt_new(g, tf, len + 4);
	p->vh.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
	p->vh.gso_type = VIRTIO_NET_HDR_GSO_TCPV4;
	p->vh.csum_start = 38;
	p->vh.csum_offset = 16;
	p->vh.hdr_len = 58;
	p->vh.gso_size = 1448;
	ng_netdev_input(ng0, &p);
	CHECK("vlan offloads/untagged on the VLAN",
	    d1->xmits == 1 && d1->last_len == len &&
		memcmp(d1->last, f, 64) == 0);
	CHECK("vlan offloads/csum_start and hdr_len back",
	    d1->last_vh.csum_start == 34 && d1->last_vh.hdr_len == 54 &&
		d1->last_vh.gso_size == 1448);

	/* A frame with only a partial checksum: just csum_start moves. */
	p = pkt_new(g, f, len);
	p->vh.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
	p->vh.csum_start = 34;
	p->vh.csum_offset = 16;
	ng_netdev_input(ng1, &p);
	CHECK("vlan offloads/checksum only",
	    d0->xmits == 2 && d0->last_vh.csum_start == 38 &&
		d0->last_vh.hdr_len == 0 &&
		d0->last_vh.gso_type == VIRTIO_NET_HDR_GSO_NONE);
out:
	ngt_clear(&conn);
	CHECK("vlan offloads/no packet leaked", ngt_pool_whole(g));
	ng_graph_free(g);
}

/* --- bpf -------------------------------------------------------------------- */

static int
setfilter(struct ng_node *sock, const char *hook, const char *match,
    const char *nomatch, int32_t dlt, const char *text)
{
	struct ng_bpf_filter bf;

	memset(&bf, 0, sizeof(bf));
	snprintf(bf.thisHook, sizeof(bf.thisHook), "%s", hook);
	snprintf(bf.ifMatch, sizeof(bf.ifMatch), "%s", match);
	snprintf(bf.ifNotMatch, sizeof(bf.ifNotMatch), "%s", nomatch);
	bf.dlt = dlt;
	snprintf(bf.filter, sizeof(bf.filter), "%s", text);
	return ngt_msg(sock, "F:", NGM_BPF_COOKIE, NGM_BPF_SET_FILTER, &bf,
	    sizeof(bf));
}

/* setprogram with n instructions; arglen_adj makes the size wrong. */
static int
setprogram(struct ng_node *sock, const char *hook, const char *match,
    const char *nomatch, const struct ng_bpf_insn *insn, int32_t n,
    int arglen_adj)
{
	size_t size = NG_BPF_HOOKPROG_SIZE(n);
	struct ng_bpf_hookprog *hp = calloc(1, size + 8);
	int error;

	snprintf(hp->thisHook, sizeof(hp->thisHook), "%s", hook);
	snprintf(hp->ifMatch, sizeof(hp->ifMatch), "%s", match);
	snprintf(hp->ifNotMatch, sizeof(hp->ifNotMatch), "%s", nomatch);
	hp->bpf_prog_len = n;
	memcpy(hp->bpf_prog, insn, (size_t)n * sizeof(*insn));
	error = ngt_msg(sock, "F:", NGM_BPF_COOKIE, NGM_BPF_SET_PROGRAM, hp,
	    (size_t)((ssize_t)size + arglen_adj));
	free(hp);
	return error;
}

static struct ng_bpf_hookstat
bpf_stats(struct ng_node *sock, const char *hook)
{
	struct ng_bpf_hookstat st;
	char name[NG_HOOKSIZ] = "";
	struct ng_mesg *r;
	int error;

	snprintf(name, sizeof(name), "%s", hook);
	memset(&st, 0xee, sizeof(st));
	r = ask(sock, "F:", NGM_BPF_COOKIE, NGM_BPF_GET_STATS, name,
	    sizeof(name), &error);
	if (r != NULL && r->header.arglen == sizeof(st))
		memcpy(&st, r->data, sizeof(st));
	free(r);
	return st;
}

/*
 *         sock
 *     a     m     n
 *     |     |     |
 *     a     m     n
 *   +---- bpf F ----+
 */
static void
test_bpf(void)
{
	static const struct ng_bpf_insn ret14[] = { { .code = 0x06, .k = 14 } };
	static const struct ng_bpf_insn bad_jump[] = {
		{ .code = 0x15, .jt = 5, .k = 1 }, { .code = 0x06, .k = 0 }
	};
	/* Codes bpf_validate takes and bpf_filter aborts on (fuzz_bpf):
	 * a byte load with a bit set above the byte, a load of size 0x18. */
	static const struct ng_bpf_insn high_bit[] = {
		{ .code = 0x8030, .k = 0 }, { .code = 0x06, .k = 14 }
	};
	static const struct ng_bpf_insn size_18[] = { { .code = 0x38, .k = 0 },
		{ .code = 0x06, .k = 14 } };
	/* ja -1: bpf_validate's i + 1 + k wraps to a target in range. */
	static const struct ng_bpf_insn ja_back[] = {
		{ .code = 0x05, .k = 0xffffffff }, { .code = 0x06, .k = 14 }
	};
	struct ng_graph *g = graph();
	struct ng_node *sock = ngt_socket(g, &conn);
	struct ng_bpf_hookprog *hp;
	struct ng_bpf_hookstat st;
	uint8_t udp[90], tcp[120], icmp[98];
	struct ng_mesg *r;
	int error;

	CHECK_INT("bpf/mkpeer", ngt_mkpeer(sock, ".", "bpf", "a", "a"), 0);
	CHECK_INT("bpf/name", ngt_name(sock, "a", "F"), 0);
	CHECK_INT("bpf/m", ngt_connect(sock, ".", "F:", "m", "m"), 0);
	CHECK_INT("bpf/n", ngt_connect(sock, ".", "F:", "n", "n"), 0);
	ip_frame(udp, 17, 53, sizeof(udp));
	ip_frame(tcp, 6, 80, sizeof(tcp));
	ip_frame(icmp, 1, 0, sizeof(icmp));

	/* Case 48: the default program, and data dropped until a program. */
	r = ask(sock, "F:", NGM_BPF_COOKIE, NGM_BPF_GET_PROGRAM,
	    (char[NG_HOOKSIZ]){ "a" }, NG_HOOKSIZ, &error);
	hp = r != NULL ? (struct ng_bpf_hookprog *)r->data : NULL;
	CHECK("bpf/default program",
	    hp != NULL && r->header.arglen == NG_BPF_HOOKPROG_SIZE(1) &&
		strcmp(hp->thisHook, "a") == 0 && hp->ifMatch[0] == '\0' &&
		hp->ifNotMatch[0] == '\0' && hp->bpf_prog_len == 1 &&
		hp->bpf_prog[0].code == 0x06 && hp->bpf_prog[0].k == 0);
	free(r);
	CHECK_INT("bpf/getprogram of no hook ENOENT",
	    ngt_msg(sock, "F:", NGM_BPF_COOKIE, NGM_BPF_GET_PROGRAM,
		(char[NG_HOOKSIZ]){ "zz" }, NG_HOOKSIZ),
	    ENOENT);
	ngt_clear(&conn);
	CHECK_INT("bpf/no program yet", inject(sock, "a", udp, sizeof(udp)), 0);
	CHECK_INT("bpf/so dropped", conn.nframes, 0);

	/* tcpdump text: a match and a miss. */
	CHECK_INT("bpf/setfilter udp port 53",
	    setfilter(sock, "a", "m", "n", 0, "udp port 53"), 0);
	ngt_clear(&conn);
	CHECK_INT("bpf/udp 53 sent", inject(sock, "a", udp, sizeof(udp)), 0);
	CHECK_INT("bpf/match to ifMatch", ngt_count(&conn, "m"), 1);
	CHECK("bpf/match whole",
	    conn.nframes == 1 && conn.frames[0].len == sizeof(udp));
	ngt_clear(&conn);
	CHECK_INT("bpf/tcp 80 sent", inject(sock, "a", tcp, sizeof(tcp)), 0);
	CHECK_INT("bpf/miss to ifNotMatch", ngt_count(&conn, "n"), 1);
	CHECK_INT("bpf/only there", conn.nframes, 1);
	st = bpf_stats(sock, "a");
	CHECK("bpf/stats on a",
	    st.recvFrames == 3 && st.recvMatchFrames == 1 &&
		st.recvOctets == 2 * sizeof(udp) + sizeof(tcp) &&
		st.recvMatchOctets == sizeof(udp) && st.xmitFrames == 0);
	st = bpf_stats(sock, "m");
	CHECK("bpf/stats on m",
	    st.xmitFrames == 1 && st.xmitOctets == sizeof(udp) &&
		st.recvFrames == 0);
	CHECK_INT("bpf/setfilter icmp",
	    setfilter(sock, "a", "m", "", 0, "icmp"), 0);
	ngt_clear(&conn);
	inject(sock, "a", icmp, sizeof(icmp));
	inject(sock, "a", tcp, sizeof(tcp));
	CHECK("bpf/icmp passes, tcp dropped",
	    ngt_count(&conn, "m") == 1 && conn.nframes == 1);
	CHECK_INT("bpf/setfilter on raw IP",
	    setfilter(sock, "a", "m", "n", NG_BPF_DLT_RAW, "tcp"), 0);
	ngt_clear(&conn);
	inject(sock, "a", tcp + 14, sizeof(tcp) - 14);
	CHECK_INT("bpf/raw IP tcp matches", ngt_count(&conn, "m"), 1);
	CHECK_INT("bpf/bad filter text EINVAL",
	    setfilter(sock, "a", "m", "n", 0, "tcp port banana"), EINVAL);
	CHECK_INT("bpf/setfilter on no hook ENOENT",
	    setfilter(sock, "zz", "m", "n", 0, "tcp"), ENOENT);

	/* A super-frame is filtered as the four frames it stands for. */
	CHECK_INT("bpf/setfilter tcp",
	    setfilter(sock, "a", "m", "n", 0,
		"tcp and tcp[tcpflags] & tcp-fin == 0"),
	    0);
	free(ask(sock, "F:", NGM_BPF_COOKIE, NGM_BPF_CLR_STATS,
	    (char[NG_HOOKSIZ]){ "a" }, NG_HOOKSIZ, &error));
	CHECK_INT("bpf/clrstats before the super-frame", error, 0);
	{
		struct ng_pkt *sp = gso_frame(g, 4000, 1000);

		sp->data[47] = 0x11; /* ACK and FIN: only the last has FIN */
		ngt_clear(&conn);
		CHECK_INT("bpf/super-frame sent",
		    ng_socket_send_data(sock, "a", &sp), 0);
	}
	CHECK("bpf/3 without FIN match, the last goes to n",
	    ngt_count(&conn, "m") == 3 && ngt_count(&conn, "n") == 1 &&
		conn.frames[0].len == 1054);
	st = bpf_stats(sock, "a");
	CHECK("bpf/super-frame filtered as 4 frames",
	    st.recvFrames == 4 && st.recvMatchFrames == 3 &&
		st.recvOctets == 4 * 1054);

	/* setprogram: truncation, and the checks. */
	CHECK_INT("bpf/setprogram ret #14",
	    setprogram(sock, "a", "m", "n", ret14, 1, 0), 0);
	CHECK_INT("bpf/clrstats m",
	    ngt_msg(sock, "F:", NGM_BPF_COOKIE, NGM_BPF_CLR_STATS,
		(char[NG_HOOKSIZ]){ "m" }, NG_HOOKSIZ),
	    0);
	ngt_clear(&conn);
	inject(sock, "a", udp, sizeof(udp));
	CHECK("bpf/cut to what the program returned",
	    ngt_count(&conn, "m") == 1 && conn.frames[0].len == 14);
	st = bpf_stats(sock, "m");
	CHECK("bpf/xmit counts the cut length",
	    st.xmitFrames == 1 && st.xmitOctets == 14);
	CHECK_INT("bpf/setprogram invalid EINVAL",
	    setprogram(sock, "a", "m", "n", bad_jump, 2, 0), EINVAL);
	CHECK_INT("bpf/setprogram a code with bits above a byte EINVAL",
	    setprogram(sock, "a", "m", "n", high_bit, 2, 0), EINVAL);
	CHECK_INT("bpf/setprogram a code the interpreter lacks EINVAL",
	    setprogram(sock, "a", "m", "n", size_18, 2, 0), EINVAL);
	CHECK_INT("bpf/setprogram a jump back to itself EINVAL",
	    setprogram(sock, "a", "m", "n", ja_back, 2, 0), EINVAL);
	ngt_clear(&conn);
	inject(sock, "a", udp, sizeof(udp));
	CHECK("bpf/the program before them runs on",
	    ngt_count(&conn, "m") == 1 && conn.frames[0].len == 14);
	CHECK_INT("bpf/setprogram wrong size EINVAL",
	    setprogram(sock, "a", "m", "n", ret14, 1, 4), EINVAL);
	CHECK_INT("bpf/setprogram short EINVAL",
	    setprogram(sock, "a", "m", "n", ret14, 1, -8), EINVAL);
	CHECK_INT("bpf/setprogram empty EINVAL",
	    setprogram(sock, "a", "m", "n", ret14, 0, 0), EINVAL);
	CHECK_INT("bpf/setprogram no hook ENOENT",
	    setprogram(sock, "zz", "m", "n", ret14, 1, 0), ENOENT);
	r = ask(sock, "F:", NGM_BPF_COOKIE, NGM_BPF_GETCLR_STATS,
	    (char[NG_HOOKSIZ]){ "a" }, NG_HOOKSIZ, &error);
	CHECK("bpf/getclrstats",
	    r != NULL && r->header.arglen == sizeof(struct ng_bpf_hookstat));
	free(r);
	CHECK("bpf/cleared", bpf_stats(sock, "a").recvFrames == 0);

	/* A destination that is not there drops; dies when hookless. */
	CHECK_INT("bpf/rmhook m", ngt_rmhook(sock, ".", "m"), 0);
	ngt_clear(&conn);
	CHECK_INT("bpf/to a missing hook", inject(sock, "a", udp, sizeof(udp)),
	    0);
	CHECK_INT("bpf/dropped", conn.nframes, 0);
	ngt_close(&conn);
	CHECK_INT("bpf/gone when hookless", ngt_count_type(g, "bpf"), 0);
	CHECK("bpf/no packet leaked", ngt_pool_whole(g));
	ng_graph_free(g);
}

/* --- iface ------------------------------------------------------------------ */

/*
 *        sock
 *    i4     i6
 *     |      |
 *   inet   inet6
 *   +-- iface ng0 --+  (fake TUN device)
 */
static void
test_iface(void)
{
	struct ng_graph *g = graph();
	struct ng_node *sock = ngt_socket(g, &conn), *ng0, *ng2;
	static const uint8_t v4[28] = { 0x45, 0, 0, 28, [9] = 17 };
	static const uint8_t v6[48] = { 0x60, [6] = 17 };
	struct ngt_dev *dev;
	struct ng_pkt *p;
	struct ng_mesg *r;
	unsigned destroys;
	int error;

	memset(fake.dev, 0, sizeof(fake.dev));
	CHECK_INT("iface/bad hook EPFNOSUPPORT",
	    ngt_mkpeer(sock, ".", "iface", "i4", "ether"), EPFNOSUPPORT);
	CHECK_INT("iface/nothing left behind", ngt_count_type(g, "iface"), 0);
	CHECK_INT("iface/mkpeer", ngt_mkpeer(sock, ".", "iface", "i4", "inet"),
	    0);
	ng0 = ngt_node(sock, "ng0:");
	CHECK("iface/node and interface are ng0",
	    ng0 != NULL && ngt_node(sock, "i4") == ng0);
	dev = &fake.dev[0];
	CHECK("iface/a TUN named ng0",
	    dev->live && strcmp(dev->name, "ng0") == 0);
	CHECK_INT("iface/inet6", ngt_connect(sock, ".", "ng0:", "i6", "inet6"),
	    0);
	CHECK_INT("iface/another inet EEXIST",
	    ngt_connect(sock, ".", "ng0:", "x", "inet"), EEXIST);

	/* ng1 is some other interface's name: the next is ng2. */
	CHECK_INT("iface/second", ngt_mkpeer(sock, ".", "iface", "j", "inet"),
	    0);
	ng2 = ngt_node(sock, "ng2:");
	CHECK("iface/skips a name in use",
	    ng2 != NULL && strcmp(fake.dev[1].name, "ng2") == 0);

	/* Messages. */
	r = ask(sock, "ng0:", NGM_IFACE_COOKIE, NGM_IFACE_GET_IFNAME, NULL, 0,
	    &error);
	CHECK("iface/getifname",
	    r != NULL && r->header.arglen == 16 && strcmp(r->data, "ng0") == 0);
	free(r);
	r = ask(sock, "ng0:", NGM_IFACE_COOKIE, NGM_IFACE_GET_IFINDEX, NULL, 0,
	    &error);
	CHECK("iface/getifindex",
	    r != NULL && r->header.arglen == 4 &&
		*(uint32_t *)r->data == dev->index);
	free(r);
	CHECK_INT("iface/broadcast while down",
	    ngt_msg(sock, "ng0:", NGM_IFACE_COOKIE, NGM_IFACE_BROADCAST, NULL,
		0),
	    0);
	dev->up = true;
	CHECK_INT("iface/point2point while up EBUSY",
	    ngt_msg(sock, "ng0:", NGM_IFACE_COOKIE, NGM_IFACE_POINT2POINT, NULL,
		0),
	    EBUSY);
	CHECK_INT("iface/link down from a hook",
	    flow(sock, "i4", NGM_LINK_IS_DOWN), 0);
	CHECK("iface/carrier off", !dev->carrier);
	flow(sock, "i4", NGM_LINK_IS_UP);
	CHECK("iface/carrier on", dev->carrier);

	/* Packets from the hooks are the interface's input. */
	CHECK_INT("iface/IPv4 on inet", inject(sock, "i4", v4, sizeof(v4)), 0);
	CHECK("iface/the interface got it",
	    dev->xmits == 1 && dev->last_len == sizeof(v4) &&
		dev->last[0] == 0x45);
	CHECK_INT("iface/IPv6 on inet6", inject(sock, "i6", v6, sizeof(v6)), 0);
	CHECK_INT("iface/both", dev->xmits, 2);
	CHECK_INT("iface/IPv6 on inet EAFNOSUPPORT",
	    inject(sock, "i4", v6, sizeof(v6)), EAFNOSUPPORT);
	dev->up = false;
	CHECK_INT("iface/interface down ENETDOWN",
	    inject(sock, "i4", v4, sizeof(v4)), ENETDOWN);

	/* What the interface sends goes out by IP version. */
	ngt_clear(&conn);
	p = pkt_new(g, v4, sizeof(v4));
	ng_netdev_input(ng0, &p);
	p = pkt_new(g, v6, sizeof(v6));
	ng_netdev_input(ng0, &p);
	p = pkt_new(g, (const uint8_t[]){ 0x10, 0 }, 2);
	ng_netdev_input(ng0, &p);
	CHECK("iface/out inet and inet6",
	    ngt_count(&conn, "i4") == 1 && ngt_count(&conn, "i6") == 1 &&
		conn.nframes == 2);

	/* Names follow each other (DESIGN decision 2). */
	CHECK_INT("iface/name ng0: tun0", ngt_name(sock, "ng0:", "tun0"), 0);
	CHECK_STR("iface/interface renamed", dev->name, "tun0");
	snprintf(dev->name, sizeof(dev->name), "wan0");
	ng_netdev_sync_name(ng0);
	CHECK("iface/OS rename renames the node",
	    ngt_node(sock, "wan0:") == ng0);
	/* and a node rename after that still renames both (issue 14) */
	CHECK_INT("iface/name after an OS rename",
	    ngt_name(sock, "wan0:", "wan1"), 0);
	CHECK_STR("iface/the interface follows again", dev->name, "wan1");
	/* the old name answers for five seconds (jng renames it itself) */
	CHECK_STR("iface/old name kept as an altname", dev->alt, "wan0");
	advance_ms(g, 4999);
	CHECK_STR("iface/... for five seconds", dev->alt, "wan0");
	advance_ms(g, 1);
	CHECK_STR("iface/... and then no more", dev->alt, "");
	CHECK_INT("iface/name it back", ngt_name(sock, "wan1:", "wan0"), 0);
	CHECK_STR("iface/... altname wan1", dev->alt, "wan1");
	CHECK_INT("iface/and back again at once",
	    ngt_name(sock, "wan0:", "wan1"), 0);
	CHECK("iface/... the held name is given up first",
	    strcmp(dev->name, "wan1") == 0 && strcmp(dev->alt, "wan0") == 0);
	ngt_name(sock, "wan1:", "wan0");
	advance_ms(g, 5000);
	CHECK_INT("iface/too long for an interface",
	    ngt_name(sock, "wan0:", "averyveryverylongname"), 0);
	CHECK_STR("iface/interface keeps its name", dev->name, "wan0");
	ngt_name(sock, "averyveryverylongname:", "w1");
	CHECK_STR("iface/no longer follows", dev->name, "wan0");

	/* A vanished interface comes back with its name. */
	ng_netdev_gone(ng0);
	CHECK("iface/re-created",
	    fake.dev[0].live && strcmp(fake.dev[0].name, "wan0") == 0 &&
		fake.creates >= 3);

	/* Not removed when hookless; shutdown destroys the interface. */
	CHECK_INT("iface/rmhook both",
	    ngt_rmhook(sock, ".", "i4") + ngt_rmhook(sock, ".", "i6"), 0);
	CHECK_INT("iface/stays hookless", ngt_count_type(g, "iface"), 2);
	destroys = fake.destroys;
	CHECK_INT("iface/shutdown", ngt_shutdown(sock, "w1:"), 0);
	CHECK_INT("iface/interface destroyed", fake.destroys, destroys + 1);
	CHECK_INT("iface/one left", ngt_count_type(g, "iface"), 1);
	ngt_clear(&conn);
	CHECK("iface/no packet leaked", ngt_pool_whole(g));
	ng_graph_free(g);
}

/* --- pipe ------------------------------------------------------------------- */

static int
pipe_setcfg(struct ng_node *sock, const struct ng_pipe_cfg *cfg)
{
	return ngt_msg(sock, "P:", NGM_PIPE_COOKIE, NGM_PIPE_SET_CFG, cfg,
	    sizeof(*cfg));
}

static struct ng_pipe_stats
pipe_stats(struct ng_node *sock, uint32_t cmd)
{
	struct ng_pipe_stats st;
	struct ng_mesg *r;
	int error;

	memset(&st, 0xee, sizeof(st));
	r = ask(sock, "P:", NGM_PIPE_COOKIE, cmd, NULL, 0, &error);
	if (r != NULL && r->header.arglen == sizeof(st))
		memcpy(&st, r->data, sizeof(st));
	free(r);
	return st;
}

static struct ng_pipe_run
pipe_run(struct ng_node *sock)
{
	struct ng_pipe_run run;
	struct ng_mesg *r;
	int error;

	memset(&run, 0xee, sizeof(run));
	r = ask(sock, "P:", NGM_PIPE_COOKIE, NGM_PIPE_GET_RUN, NULL, 0, &error);
	if (r != NULL && r->header.arglen == sizeof(run))
		memcpy(&run, r->data, sizeof(run));
	free(r);
	return run;
}

/*
 *      sock
 *    u       l
 *    |       |
 *  upper   lower
 *  +- pipe P -+
 */
static void
test_pipe(void)
{
	struct ng_graph *g = graph();
	struct ng_node *sock = ngt_socket(g, &conn), *h1, *h2;
	struct ng_pipe_cfg cfg, *got;
	struct ng_pipe_stats st;
	struct ng_pipe_run run;
	uint8_t f[1250];
	uint64_t t0, first = 0, last = 0;
	unsigned n;
	struct ng_mesg *r;
	int error;

	CHECK_INT("pipe/mkpeer", ngt_mkpeer(sock, ".", "pipe", "u", "upper"),
	    0);
	CHECK_INT("pipe/name", ngt_name(sock, "u", "P"), 0);
	CHECK_INT("pipe/lower", ngt_connect(sock, ".", "P:", "l", "lower"), 0);
	CHECK_INT("pipe/other names EINVAL",
	    ngt_connect(sock, ".", "P:", "x", "middle"), EINVAL);
	ip_frame(f, 17, 53, sizeof(f));

	/* Nothing configured: straight through, both ways. */
	ngt_clear(&conn);
	CHECK_INT("pipe/plain down", inject(sock, "u", f, 100), 0);
	CHECK_INT("pipe/plain up", inject(sock, "l", f, 100), 0);
	CHECK("pipe/passed at once",
	    ngt_count(&conn, "l") == 1 && ngt_count(&conn, "u") == 1);
	r = ask(sock, "P:", NGM_PIPE_COOKIE, NGM_PIPE_GET_CFG, NULL, 0, &error);
	got = r != NULL ? (struct ng_pipe_cfg *)r->data : NULL;
	CHECK("pipe/default config",
	    got != NULL && got->bandwidth == 0 && got->delay == 0 &&
		got->downstream.qin_size_limit == 50 &&
		got->downstream.fifo == 1 && got->downstream.droptail == 1 &&
		got->upstream.qin_size_limit == 50);
	free(r);

	/* Delay alone: 50 ms, to the millisecond. */
	memset(&cfg, 0, sizeof(cfg));
	cfg.delay = 50000;
	CHECK_INT("pipe/delay 50 ms", pipe_setcfg(sock, &cfg), 0);
	ngt_clear(&conn);
	t0 = ngt_now_ms;
	inject(sock, "u", f, 100);
	for (n = 0; n < 200 && ngt_count(&conn, "l") == 0; n++)
		advance_ms(g, 1);
	CHECK("pipe/delay within 10%",
	    ngt_count(&conn, "l") == 1 && ngt_now_ms - t0 >= 45 &&
		ngt_now_ms - t0 <= 55);
	printf("# pipe delay: set 50 ms, measured %" PRIu64 " ms\n",
	    ngt_now_ms - t0);

	/* Bandwidth: 1 Mbit/s with no framing overhead; 1250-byte frames
	 * are 10 ms each.  40 frames queued at once leave at that rate. */
	memset(&cfg, 0, sizeof(cfg));
	cfg.delay = (uint64_t)-1;
	cfg.bandwidth = 1000000;
	cfg.overhead = (uint32_t)-1;
	CHECK_INT("pipe/bandwidth 1 Mbit/s", pipe_setcfg(sock, &cfg), 0);
	r = ask(sock, "P:", NGM_PIPE_COOKIE, NGM_PIPE_GET_CFG, NULL, 0, &error);
	got = r != NULL ? (struct ng_pipe_cfg *)r->data : NULL;
	CHECK("pipe/getcfg: one bandwidth at the top",
	    got != NULL && got->bandwidth == 1000000 &&
		got->downstream.bandwidth == 0 &&
		got->upstream.bandwidth == 0 && got->delay == 0 &&
		got->overhead == 0);
	free(r);
	pipe_stats(sock, NGM_PIPE_GETCLR_STATS);
	ngt_clear(&conn);
	t0 = ngt_now_ms;
	for (int i = 0; i < 40; i++)
		inject(sock, "u", f, sizeof(f));
	run = pipe_run(sock);
	CHECK("pipe/getrun: queued",
	    run.downstream.qin_frames == 39 &&
		run.downstream.qin_octets == 39 * sizeof(f) &&
		run.downstream.fifo_queues == 1 &&
		run.upstream.qin_frames == 0);
	for (n = 0; n < 1000 && ngt_count(&conn, "l") < 40; n++) {
		unsigned before = ngt_count(&conn, "l");

		advance_ms(g, 1);
		if (before == 0 && ngt_count(&conn, "l") > 0)
			first = ngt_now_ms;
		if (ngt_count(&conn, "l") == 40)
			last = ngt_now_ms;
	}
	CHECK_INT("pipe/all 40 arrive", ngt_count(&conn, "l"), 40);
	CHECK("pipe/first after its 10 ms",
	    first - t0 >= 9 && first - t0 <= 11);
	/* 39 frames of 10 kbit between the first and the last */
	{
		double secs = (double)(last - first) / 1000;
		double bps = secs > 0 ? 39 * 10000 / secs : 0;

		CHECK("pipe/rate within 10% of 1 Mbit/s",
		    bps >= 900000 && bps <= 1100000);
		printf("# pipe rate: set 1000000 bit/s, measured %.0f bit/s\n",
		    bps);
	}
	st = pipe_stats(sock, NGM_PIPE_GET_STATS);
	CHECK("pipe/stats downstream",
	    st.downstream.fwd_frames == 40 &&
		st.downstream.fwd_octets == 40 * sizeof(f) &&
		st.upstream.fwd_frames == 0);

	/* Both together: the last of 10 frames leaves after 10 x 10 ms on
	 * the link plus 30 ms on the wire. */
	memset(&cfg, 0, sizeof(cfg));
	cfg.delay = 30000;
	CHECK_INT("pipe/and delay 30 ms", pipe_setcfg(sock, &cfg), 0);
	ngt_clear(&conn);
	t0 = ngt_now_ms;
	for (int i = 0; i < 10; i++)
		inject(sock, "l", f, sizeof(f));
	advance_ms(g, 129);
	CHECK_INT("pipe/not all before 130 ms", ngt_count(&conn, "u"), 9);
	advance_ms(g, 1);
	CHECK_INT("pipe/all at 130 ms", ngt_count(&conn, "u"), 10);

	/* queuelen: 5 frames wait, the rest are lost (droptail). */
	memset(&cfg, 0, sizeof(cfg));
	cfg.delay = (uint64_t)-1;
	cfg.downstream.qin_size_limit = 5;
	CHECK_INT("pipe/queuelen 5", pipe_setcfg(sock, &cfg), 0);
	pipe_stats(sock, NGM_PIPE_CLR_STATS);
	ngt_clear(&conn);
	for (int i = 0; i < 10; i++) {
		f[100] = (uint8_t)i;
		inject(sock, "u", f, sizeof(f));
	}
	st = pipe_stats(sock, NGM_PIPE_GET_STATS);
	CHECK("pipe/4 lost from a full queue",
	    st.downstream.in_disc_frames == 4 &&
		st.downstream.in_disc_octets == 4 * sizeof(f));
	advance_ms(g, 100);
	CHECK("pipe/6 arrive, the first six",
	    ngt_count(&conn, "l") == 6 && conn.frames[5].len == sizeof(f));
	cfg.downstream.qin_size_limit = 0;
	cfg.downstream.drophead = 1;
	CHECK_INT("pipe/drophead", pipe_setcfg(sock, &cfg), 0);
	ngt_clear(&conn);
	for (int i = 0; i < 10; i++)
		inject(sock, "u", f, sizeof(f));
	advance_ms(g, 100);
	CHECK_INT("pipe/drophead: 6 arrive", ngt_count(&conn, "l"), 6);

	/* BER 1: every frame is hit; both neighbours hear the link died. */
	memset(&cfg, 0, sizeof(cfg));
	cfg.bandwidth = (uint64_t)-1;
	cfg.downstream.ber = 1;
	ngt_clear(&conn);
	CHECK_INT("pipe/BER 1", pipe_setcfg(sock, &cfg), 0);
	CHECK("pipe/link down told to both",
	    conn.nmsgs == 2 && conn.msgs[0]->header.cmd == NGM_LINK_IS_DOWN);
	pipe_stats(sock, NGM_PIPE_CLR_STATS);
	ngt_clear(&conn);
	for (int i = 0; i < 5; i++)
		inject(sock, "u", f, 100);
	advance_ms(g, 5);
	st = pipe_stats(sock, NGM_PIPE_GET_STATS);
	CHECK("pipe/all lost",
	    ngt_count(&conn, "l") == 0 && st.downstream.out_disc_frames == 5);
	/* BER 10^5: a 100-byte frame survives with (1 - 1e-5)^800, 99.2%. */
	cfg.downstream.ber = 100000;
	ngt_clear(&conn);
	CHECK_INT("pipe/BER 1e5", pipe_setcfg(sock, &cfg), 0);
	CHECK("pipe/link up told",
	    conn.nmsgs == 2 && conn.msgs[0]->header.cmd == NGM_LINK_IS_UP);
	ngt_clear(&conn);
	for (int i = 0; i < 1000; i++)
		inject(sock, "u", f, 100);
	advance_ms(g, 5);
	n = ngt_count(&conn, "l");
	CHECK("pipe/BER 1e5 loses about 0.8% of 100-byte frames",
	    n >= 975 && n <= 999);
	printf("# pipe BER 1e5: %u of 1000 100-byte frames arrived\n", n);
	/* and 1250-byte frames (10000 bits) about 9.5% */
	ngt_clear(&conn);
	for (int i = 0; i < 1000; i++)
		inject(sock, "u", f, sizeof(f));
	advance_ms(g, 5);
	n = ngt_count(&conn, "l");
	CHECK("pipe/BER 1e5 loses about 9.5% of 1250-byte frames",
	    n >= 860 && n <= 940);

	/* With a BER, a super-frame crosses as the frames it stands for. */
	cfg.downstream.ber = 1000000000000ull;
	CHECK_INT("pipe/BER 1e12", pipe_setcfg(sock, &cfg), 0);
	pipe_stats(sock, NGM_PIPE_CLR_STATS);
	{
		struct ng_pkt *sp = gso_frame(g, 4000, 1000);

		ng_socket_send_data(sock, "u", &sp);
	}
	advance_ms(g, 5);
	st = pipe_stats(sock, NGM_PIPE_GET_STATS);
	CHECK("pipe/a super-frame is 4 frames on the wire",
	    st.downstream.fwd_frames == 4 &&
		st.downstream.fwd_octets == 4 * 1054);

	/* Duplicates: 50% more or less. */
	memset(&cfg, 0, sizeof(cfg));
	cfg.downstream.ber = (uint64_t)-1;
	cfg.downstream.duplicate = 50;
	CHECK_INT("pipe/duplicate 50%", pipe_setcfg(sock, &cfg), 0);
	ngt_clear(&conn);
	for (int i = 0; i < 200; i++)
		inject(sock, "u", f, 100);
	advance_ms(g, 5);
	n = ngt_count(&conn, "l");
	CHECK("pipe/about twice as many arrive", n >= 300 && n <= 520);
	printf("# pipe duplicate 50%%: %u arrived of 200 sent\n", n);
	cfg.downstream.duplicate = (uint32_t)-1;
	CHECK_INT("pipe/duplicate off", pipe_setcfg(sock, &cfg), 0);

	/*
	 * Scheduling at 1 Mbit/s, 1250-byte frames (10 ms each), flows by
	 * IPv4 addresses 14 bytes in: a heavy flow queues 20 frames, then a
	 * light flow (another source) one.  fifo serves the light frame
	 * last; drr (quantum 1250) and wfq within the first three.
	 */
	for (int mode = 0; mode < 3; mode++) {
		static const char *const names[] = { "fifo", "drr", "wfq" };
		char what[64];
		int light = -1;

		memset(&cfg, 0, sizeof(cfg));
		cfg.bandwidth = 1000000;
		cfg.overhead = (uint32_t)-1;
		cfg.header_offset = 14;
		cfg.downstream.qin_size_limit = 50;
		cfg.downstream.droptail = 1;
		cfg.downstream.fifo = mode == 0;
		cfg.downstream.drr = mode == 1 ? 1250 : 0;
		cfg.downstream.wfq = mode == 2;
		snprintf(what, sizeof(what), "pipe/%s", names[mode]);
		CHECK_INT(what, pipe_setcfg(sock, &cfg), 0);
		ngt_clear(&conn);
		advance_ms(g, 20); /* the link is idle again */
		f[29] = 1;
		for (int i = 0; i < 20; i++)
			inject(sock, "u", f, sizeof(f));
		f[29] = 9;
		inject(sock, "u", f, sizeof(f));
		f[29] = 1;
		run = pipe_run(sock);
		snprintf(what, sizeof(what), "pipe/%s: queues", names[mode]);
		CHECK_INT(what, (int)run.downstream.fifo_queues,
		    mode == 0 ? 1 : 2);
		advance_ms(g, 300);
		for (unsigned i = 0; i < conn.nframes; i++)
			if (conn.frames[i].data[29] == 9)
				light = (int)i;
		snprintf(what, sizeof(what),
		    "pipe/%s: the light flow's frame "
		    "leaves %s",
		    names[mode], mode == 0 ? "last" : "early");
		CHECK(what,
		    ngt_count(&conn, "l") == 21 &&
			(mode == 0 ? light == 20 : light >= 0 && light <= 2));
		printf("# pipe %s: the light frame left %d of 21\n",
		    names[mode], light + 1);
		CHECK_INT("pipe/queues emptied",
		    (int)pipe_run(sock).downstream.fifo_queues, 0);
	}
	/* Over the limit, the longest queue loses. */
	memset(&cfg, 0, sizeof(cfg));
	cfg.downstream.qin_size_limit = 10;
	pipe_setcfg(sock, &cfg);
	pipe_stats(sock, NGM_PIPE_CLR_STATS);
	ngt_clear(&conn);
	advance_ms(g, 20);
	for (int i = 0; i < 15; i++)
		inject(sock, "u", f, sizeof(f));
	f[29] = 9;
	inject(sock, "u", f, sizeof(f));
	f[29] = 1;
	advance_ms(g, 300);
	{
		int light = 0;

		for (unsigned i = 0; i < conn.nframes; i++)
			light += conn.frames[i].data[29] == 9;
		CHECK("pipe/wfq: the full queue loses, the light frame passes",
		    light == 1 &&
			pipe_stats(sock, NGM_PIPE_GET_STATS)
				.downstream.in_disc_frames == 5);
	}
	memset(&cfg, 0, sizeof(cfg));
	cfg.bandwidth = (uint64_t)-1; /* and back to fifo */
	cfg.header_offset = (uint32_t)-1;
	cfg.downstream.qin_size_limit = 5; /* as the tests before left it */
	cfg.downstream.drophead = 1;
	pipe_setcfg(sock, &cfg);

	/* A value out of range is refused (FreeBSD ignores it without a
	 * word); the fields in range of the same message change nothing. */
	{
		static const struct {
			const char *name;
			size_t off, size;
			uint64_t bad;
		} bad[] = {
#define PIPE_BAD(f, v)                                                         \
	{ #f, offsetof(struct ng_pipe_cfg, f),                                 \
		sizeof(((struct ng_pipe_cfg *)0)->f), v }
			PIPE_BAD(bandwidth, 50),
			PIPE_BAD(delay, 10000000),
			PIPE_BAD(overhead, 256),
			PIPE_BAD(header_offset, 64),
			PIPE_BAD(downstream.qin_size_limit, 4),
			PIPE_BAD(upstream.qout_size_limit, 3),
			PIPE_BAD(downstream.duplicate, 51),
			PIPE_BAD(upstream.ber, 1000000000001ull),
			PIPE_BAD(upstream.bandwidth, 1000000001),
#undef PIPE_BAD
		};
		char name[80];

		for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			uint32_t v32 = (uint32_t)bad[i].bad;

			memset(&cfg, 0, sizeof(cfg));
			cfg.downstream.duplicate = 10; /* in range */
			memcpy((char *)&cfg + bad[i].off,
			    bad[i].size == 8 ? (const void *)&bad[i].bad :
					       (const void *)&v32,
			    bad[i].size);
			snprintf(name, sizeof(name),
			    "pipe/%s out of range "
			    "EINVAL",
			    bad[i].name);
			CHECK_INT(name, pipe_setcfg(sock, &cfg), EINVAL);
		}
	}
	r = ask(sock, "P:", NGM_PIPE_COOKIE, NGM_PIPE_GET_CFG, NULL, 0, &error);
	got = r != NULL ? (struct ng_pipe_cfg *)r->data : NULL;
	CHECK("pipe/refused setcfgs changed nothing",
	    got != NULL && got->bandwidth == 0 && got->delay == 0 &&
		got->downstream.duplicate == 0 &&
		got->downstream.qin_size_limit == 5);
	free(r);
	CHECK_INT("pipe/setcfg short EINVAL",
	    ngt_msg(sock, "P:", NGM_PIPE_COOKIE, NGM_PIPE_SET_CFG, &cfg,
		sizeof(cfg) - 1),
	    EINVAL);

	/* Frames still queued go when their hook goes. */
	memset(&cfg, 0, sizeof(cfg));
	cfg.delay = 100000;
	pipe_setcfg(sock, &cfg);
	inject(sock, "u", f, 100);
	CHECK_INT("pipe/queued", pipe_run(sock).downstream.qout_frames, 1);
	CHECK_INT("pipe/rmhook upper", ngt_rmhook(sock, ".", "u"), 0);
	CHECK_INT("pipe/queue flushed", pipe_run(sock).downstream.qout_frames,
	    0);
	CHECK_INT("pipe/rmhook lower", ngt_rmhook(sock, ".", "l"), 0);
	CHECK_INT("pipe/stays hookless", ngt_count_type(g, "pipe"), 1);
	CHECK("pipe/no packet leaked", ngt_pool_whole(g));

	/* Shutdown between two hubs joins them. */
	ngt_mkpeer(sock, ".", "hub", "h1", "x");
	ngt_name(sock, "h1", "H1");
	ngt_mkpeer(sock, ".", "hub", "h2", "x");
	ngt_name(sock, "h2", "H2");
	ngt_connect(sock, "H1:", "P:", "p", "upper");
	ngt_connect(sock, "H2:", "P:", "p", "lower");
	inject(sock, "h1", f, 100); /* still delayed when P goes */
	CHECK_INT("pipe/shutdown", ngt_shutdown(sock, "P:"), 0);
	h1 = ngt_node(sock, "H1:");
	h2 = ngt_node(sock, "H2:");
	CHECK("pipe/splice: H1:p joined to H2:p",
	    h1 != NULL && h2 != NULL && ng_find_hook(h1, "p") != NULL &&
		ng_find_hook(h1, "p")->peer == ng_find_hook(h2, "p"));
	CHECK_INT("pipe/gone", ngt_count_type(g, "pipe"), 0);
	advance_ms(g, 200); /* its timer went with it */
	ngt_clear(&conn);
	CHECK("pipe/no packet leaked after shutdown", ngt_pool_whole(g));
	ng_graph_free(g);
}

/*
 * eiface and iface take flow messages alike: link up and down from a
 * hook set the interface's carrier, any other flow command is ignored.
 *
 *   sock e -- ether eiface ngeth0      sock i -- inet iface ng0
 */
static void
test_flow(void)
{
	struct ng_graph *g = graph();
	struct ng_node *sock = ngt_socket(g, &conn);
	static const struct {
		const char *type, *hook, *peerhook;
	} t[] = { { "eiface", "e", "ether" }, { "iface", "i", "inet" } };
	char name[64];

	memset(fake.dev, 0, sizeof(fake.dev));
	for (unsigned i = 0; i < 2; i++) {
		struct ngt_dev *d = &fake.dev[i];

		snprintf(name, sizeof(name), "flow/%s", t[i].type);
		CHECK_INT(name,
		    ngt_mkpeer(sock, ".", t[i].type, t[i].hook, t[i].peerhook),
		    0);
		snprintf(name, sizeof(name), "flow/%s: link down", t[i].type);
		CHECK(name,
		    flow(sock, t[i].hook, NGM_LINK_IS_DOWN) == 0 && d->live &&
			!d->carrier);
		snprintf(name, sizeof(name), "flow/%s: link up", t[i].type);
		CHECK(name,
		    flow(sock, t[i].hook, NGM_LINK_IS_UP) == 0 && d->carrier);
		snprintf(name, sizeof(name), "flow/%s: another command ignored",
		    t[i].type);
		CHECK(name, flow(sock, t[i].hook, 99) == 0 && d->carrier);
	}
	ngt_clear(&conn);
	ng_graph_free(g);
}

/*
 * An eiface and short frames (ng_eiface.c).  From the hook, a frame
 * under 14 bytes, or 802.1Q/802.1ad-typed under 18, is refused (EINVAL,
 * counted in the hook's recvDrops) and the interface gets nothing; 14
 * bytes, and a tagged 18, go to it.  From the interface, a tagged frame
 * under 20 bytes goes nowhere, as the fast path's graph-side end drops
 * it on receipt; 20 bytes, and an untagged 14, come out of the hook.
 *
 *   sock e -- ether eiface ngeth0
 */
static void
test_eiface_short(void)
{
	struct ng_graph *g = graph();
	struct ng_node *sock = ngt_socket(g, &conn), *e;
	struct ngt_dev *d = &fake.dev[0];
	uint8_t f[20] = { 2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2, 0x08, 0x00, 1, 2,
		3, 4, 5, 6 };
	struct ng_hook *h;
	struct ng_pkt *p;

	memset(fake.dev, 0, sizeof(fake.dev));
	CHECK_INT("eshort/mkpeer",
	    ngt_mkpeer(sock, ".", "eiface", "e", "ether"), 0);
	e = d->node;
	h = e != NULL ? ng_find_hook(e, "ether") : NULL;
	CHECK("eshort/setup", d->live && h != NULL);
	if (h == NULL)
		goto out;
	d->up = true;
	CHECK_INT("eshort/13 bytes: EINVAL", inject(sock, "e", f, 13), EINVAL);
	CHECK_INT("eshort/14 bytes", inject(sock, "e", f, 14), 0);
	CHECK("eshort/... the interface got them",
	    d->xmits == 1 && d->last_len == 14);
	f[12] = 0x81, f[13] = 0x00;
	CHECK_INT("eshort/802.1Q, 17 bytes: EINVAL", inject(sock, "e", f, 17),
	    EINVAL);
	f[12] = 0x88, f[13] = 0xa8;
	CHECK_INT("eshort/802.1ad, 14 bytes: EINVAL", inject(sock, "e", f, 14),
	    EINVAL);
	CHECK_INT("eshort/802.1ad, 18 bytes", inject(sock, "e", f, 18), 0);
	CHECK("eshort/... the interface got it",
	    d->xmits == 2 && d->last_len == 18);
	CHECK_INT("eshort/the refusals in recvDrops", (int)h->stats.recv_drops,
	    3);

	ngt_clear(&conn);
	p = pkt_new(g, f, 19);
	ng_netdev_input(e, &p);
	f[12] = 0x81, f[13] = 0x00;
	p = pkt_new(g, f, 20);
	ng_netdev_input(e, &p);
	f[12] = 0x08, f[13] = 0x00;
	p = pkt_new(g, f, 14);
	ng_netdev_input(e, &p);
	CHECK("eshort/from the interface: 20 bytes tagged and 14 untagged",
	    conn.nframes == 2 && conn.frames[0].len == 20 &&
		conn.frames[1].len == 14);
out:
	ngt_clear(&conn);
	CHECK("eshort/no packet leaked", ngt_pool_whole(g));
	ng_graph_free(g);
}

int
main(void)
{
	test_parse_tables();
	test_tee();
	test_one2many();
	test_vlan();
	test_vlan_offloads();
	test_bpf();
	test_iface();
	test_flow();
	test_eiface_short();
	test_pipe();
	return ngt_done();
}
