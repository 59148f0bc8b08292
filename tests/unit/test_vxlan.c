/*
 * test_vxlan.c: the vxlan node (RFC 7348) in-process.  The test's socket
 * node plays both sides:
 *
 *     t:in --- inner [vxlan V] outer --- t:out
 *
 * An Ethernet frame sent on t:in comes back on t:out as a VXLAN payload
 * whose far end (pkt->peer, the ksocket's sendto address) says where it
 * goes; a payload sent on t:out with a sender comes back on t:in
 * decapsulated, and its inner source MAC is learned behind that sender.
 */
#include <arpa/inet.h>
#include <time.h>

#include <netgraph/ng_ksocket.h>
#include <netgraph/ng_vxlan.h>

#include <netinet/in.h>
#include <netinet/udp.h>

#include "ngtest.h"
#include "ng_internal.h"
#include "ng_ksock.h"

static struct ngt_conn conn;

/* Every datagram to outer: its far end, as the ksocket would see it. */
#define MAXOUT 64
static struct {
	struct ng_pkt_addr peer;
	uint32_t len;
	uint8_t hdr[8 + 14];
} out[MAXOUT];
static unsigned nout;
/* Set: the first datagram to outer shuts V down (a flood meanwhile). */
static struct ng_graph *kill_graph;

static int
deliver_data(void *c, const char *hook, const struct ng_pkt *pkt)
{
	bool is_out = strcmp(hook, "out") == 0;

	if (is_out && nout < MAXOUT) {
		out[nout].peer = pkt->peer;
		out[nout].len = pkt->len;
		memcpy(out[nout].hdr, pkt->data,
		    pkt->len < sizeof(out[0].hdr) ? pkt->len :
						    sizeof(out[0].hdr));
		nout++;
	}
	if (is_out && kill_graph != NULL) {
		struct ng_node *v = ng_find_name(kill_graph, "V");

		kill_graph = NULL;
		if (v != NULL)
			ng_rmnode(v); /* its hooks go: hook with them */
		return 0;
	}
	return ngt_deliver_data(c, hook, pkt);
}

static const struct ng_socket_ops sock_ops = {
	.deliver_msg = ngt_deliver_msg,
	.deliver_data = deliver_data,
	.gone = ngt_gone,
};

static const uint8_t mac_a[6] = { 0x02, 0, 0, 0, 0, 0x0a };
static const uint8_t mac_b[6] = { 0x02, 0, 0, 0, 0, 0x0b };
static const uint8_t mac_c[6] = { 0x02, 0, 0, 0, 0, 0x0c };
static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

static struct ng_graph *
graph(void)
{
	struct ng_graph_cfg cfg = {
		.types = ng_nodes_types,
		.backends =
		    (const struct ng_backend[]){
			{ NGM_SOCKET_COOKIE, &sock_ops, NULL },
			{ 0, NULL, NULL },
		    },
		.clock_ms = ngt_clock,
	};
	struct ng_graph *g;

	if (ng_graph_new(&cfg, &g) != 0) {
		printf("FAIL ng_graph_new\n");
		exit(1);
	}
	return g;
}

static void
reset(void)
{
	ngt_clear(&conn);
	nout = 0;
}

static struct ng_pkt_addr
addr4(uint32_t a, uint16_t port)
{
	struct ng_pkt_addr pa = { .len = sizeof(struct sockaddr_in) };

	pa.u.sin.sin_family = AF_INET;
	pa.u.sin.sin_addr.s_addr = htonl(a);
	pa.u.sin.sin_port = htons(port);
	return pa;
}

static bool
same_addr(const struct ng_pkt_addr *p, uint32_t a, uint16_t port)
{
	return p->len == sizeof(struct sockaddr_in) &&
	    p->u.sin.sin_family == AF_INET &&
	    p->u.sin.sin_addr.s_addr == htonl(a) &&
	    p->u.sin.sin_port == htons(port);
}

/* A VXLAN payload from the wire: header, then an Ethernet frame. */
static int
from_wire(struct ng_node *t, uint8_t flags, uint32_t vni, const uint8_t *dst,
    const uint8_t *src, uint32_t len, const struct ng_pkt_addr *from)
{
	struct ng_pkt *p = ng_pkt_alloc(t->graph);

	memset(p->data, 0x5a, len);
	if (len >= 8) {
		p->data[0] = flags;
		p->data[1] = p->data[2] = p->data[3] = 0xff; /* ignored */
		p->data[4] = (uint8_t)(vni >> 16);
		p->data[5] = (uint8_t)(vni >> 8);
		p->data[6] = (uint8_t)vni;
		p->data[7] = 0xff; /* ignored */
	}
	if (len >= 8 + 12) {
		memcpy(p->data + 8, dst, 6);
		memcpy(p->data + 14, src, 6);
	}
	p->len = len;
	if (from != NULL)
		p->peer = *from;
	return ng_socket_send_data(t, "out", &p);
}

static int
msg(struct ng_node *t, uint32_t cmd, const void *arg, size_t len)
{
	return ngt_msg(t, "V:", NGM_VXLAN_COOKIE, cmd, arg, len);
}

static void
test_wire(void)
{
	struct ng_graph *g = graph();
	struct ng_node *t = ngt_socket(g, &conn);
	struct ng_pkt_addr b = addr4(0xc6120002, 40000);
	uint32_t vni = 42;
	const struct ngt_frame *f;
	unsigned pool;

	ngt_name(t, ".", "t");
	CHECK_INT("mkpeer inner", ngt_mkpeer(t, ".", "vxlan", "in", "inner"),
	    0);
	ngt_name(t, ".:in", "V");
	CHECK_INT("connect outer", ngt_connect(t, ".", "V:", "out", "outer"),
	    0);
	CHECK_INT("a third hook", ngt_connect(t, ".", "V:", "x", "other"),
	    EINVAL);
	CHECK_INT("outer twice: the name is taken",
	    ngt_connect(t, ".", "V:", "x", "outer"), EEXIST);
	CHECK_INT("setvni 42", msg(t, NGM_VXLAN_SET_VNI, &vni, 4), 0);
	vni = 1u << 24;
	CHECK_INT("a VNI of 25 bits", msg(t, NGM_VXLAN_SET_VNI, &vni, 4),
	    EINVAL);

	/* inner -> outer */
	reset();
	CHECK_INT("a frame from inner",
	    ngt_send_frame(t, "in", mac_b, mac_a, 100), 0);
	CHECK_INT("one datagram out", nout, 1);
	CHECK_INT("8 bytes longer", out[0].len, 108);
	CHECK("I flag, reserved zero, VNI 42, reserved zero",
	    memcmp(out[0].hdr, "\x08\0\0\0\0\0\x2a\0", 8) == 0);
	CHECK("then the frame",
	    memcmp(out[0].hdr + 8, mac_b, 6) == 0 &&
		memcmp(out[0].hdr + 14, mac_a, 6) == 0);
	CHECK_INT("an unknown host with no flood entries: no far end "
		  "(the connected peer)",
	    out[0].peer.len, 0);

	/* outer -> inner, learning */
	reset();
	CHECK_INT("a payload from b",
	    from_wire(t, 0x08, 42, mac_a, mac_b, 8 + 60, &b), 0);
	f = ngt_frame(&conn, 0);
	CHECK("comes out of inner without its header",
	    conn.nframes == 1 && f != NULL && strcmp(f->hook, "in") == 0 &&
		f->len == 60 && memcmp(f->data, mac_a, 6) == 0 &&
		memcmp(f->data + 6, mac_b, 6) == 0);
	reset();
	ngt_send_frame(t, "in", mac_b, mac_a, 100);
	CHECK("b's MAC is learned behind b, at port 4789",
	    nout == 1 && same_addr(&out[0].peer, 0xc6120002, 4789) &&
		out[0].peer.owner == 0);
	reset();
	ngt_send_frame(t, "in", bcast, mac_a, 100);
	CHECK("a broadcast has no far end", nout == 1 && out[0].peer.len == 0);

	/* bad input is dropped and counted */
	reset();
	from_wire(t, 0x00, 42, mac_a, mac_b, 8 + 60, &b);
	from_wire(t, 0x08, 43, mac_a, mac_b, 8 + 60, &b);
	from_wire(t, 0x08, 42, mac_a, mac_b, 8 + 13, &b);
	from_wire(t, 0x08, 42, mac_a, mac_b, 3, &b);
	from_wire(t, 0x08, 42, mac_a, mac_b, 0, &b);
	from_wire(t, 0xff, 42, mac_a, mac_b, 8 + 14, NULL);
	CHECK_INT("only the last (other flags ignored, no sender) gets in",
	    conn.nframes, 1);
	{
		const struct ng_mesg *r;
		const struct ng_vxlan_stats *st;

		reset();
		msg(t, NGM_VXLAN_GET_STATS, NULL, 0);
		r = ngt_last_msg(&conn);
		st = r != NULL ? (const void *)r->data : NULL;
		CHECK("stats: 3 runts, 1 without I, 1 wrong VNI, 2 in",
		    st != NULL && st->recvRunts == 3 && st->recvBadFlags == 1 &&
			st->recvWrongVni == 1 && st->recvPackets == 2 &&
			st->recvOctets == 60 + 14 && st->xmitPackets == 3);
		msg(t, NGM_VXLAN_GETCLR_STATS, NULL, 0);
		reset();
		msg(t, NGM_VXLAN_GET_STATS, NULL, 0);
		r = ngt_last_msg(&conn);
		st = r != NULL ? (const void *)r->data : NULL;
		CHECK("getclrstats cleared them",
		    st != NULL && st->recvPackets == 0 && st->xmitPackets == 0);
	}

	/* A TAP super-frame: cut into segments, each encapsulated. */
	{
		struct ng_pkt *p = ng_pkt_alloc(g);
		uint8_t *ip;

		memset(p->data, 0, 14 + 20 + 20 + 14480);
		memcpy(p->data, mac_b, 6);
		memcpy(p->data + 6, mac_a, 6);
		p->data[12] = 0x08;
		ip = p->data + 14;
		ip[0] = 0x45;
		ip[8] = 64;
		ip[9] = 6;
		ip[20 + 12] = 5 << 4;
		p->len = 14 + 20 + 20 + 14480;
		ip[2] = (uint8_t)((p->len - 14) >> 8);
		ip[3] = (uint8_t)(p->len - 14);
		p->vh.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
		p->vh.gso_type = VIRTIO_NET_HDR_GSO_TCPV4;
		p->vh.gso_size = 1448;
		p->vh.hdr_len = 54;
		p->vh.csum_start = 34;
		p->vh.csum_offset = 16;
		reset();
		CHECK_INT("a super-frame", ng_socket_send_data(t, "in", &p), 0);
		CHECK("is 10 datagrams of 8 + 1502 bytes, all to b",
		    nout == 10 && out[0].len == 8 + 54 + 1448 &&
			out[9].len == 8 + 54 + 1448 &&
			same_addr(&out[9].peer, 0xc6120002, 4789));
	}
	pool = g->pool_total;
	for (int i = 0; i < 500; i++) {
		from_wire(t, 0x08, 42, mac_a, mac_b, 8 + 1514, &b);
		ngt_send_frame(t, "in", mac_b, mac_a, 1514);
	}
	CHECK_INT("a thousand frames take no new packets", g->pool_total, pool);
	ngt_close(&conn);
	CHECK_INT("hookless, it goes", ngt_count_type(g, "vxlan"), 0);
	ng_graph_free(g);
}

/*
 * Three hosts on one segment: statically flooded to b and c, each
 * learned from what it sends; learned hosts age out.
 */
static void
test_multipoint(void)
{
	struct ng_graph *g = graph();
	struct ng_node *t = ngt_socket(g, &conn);
	struct ng_pkt_addr b = addr4(0xc6120002, 4789),
			   c = addr4(0xc6120003, 33333);
	struct {
		struct ng_vxlan_config c;
		struct ng_vxlan_entry e[3];
	} cfg;
	const struct ng_mesg *r;
	const struct ng_vxlan_table *tab;
	const struct ng_vxlan_config *gc;

	ngt_name(t, ".", "t");
	ngt_mkpeer(t, ".", "vxlan", "in", "inner");
	ngt_name(t, ".:in", "V");
	ngt_connect(t, ".", "V:", "out", "outer");
	memset(&cfg, 0, sizeof(cfg));
	cfg.c.vni = 7;
	cfg.c.learn = 1;
	cfg.c.maxAge = 10;
	cfg.c.port = 4789;
	cfg.c.numStatic = 2;
	cfg.e[0].addr.family = AF_INET;
	memcpy(cfg.e[0].addr.addr, "\xc6\x12\x00\x02", 4);
	cfg.e[1].addr.family = AF_INET;
	memcpy(cfg.e[1].addr.addr, "\xc6\x12\x00\x03", 4);
	cfg.e[1].port = 4790;
	CHECK_INT("setconfig: two flood entries",
	    msg(t, NGM_VXLAN_SET_CONFIG, &cfg,
		sizeof(cfg.c) + 2 * sizeof(cfg.e[0])),
	    0);
	CHECK_INT("setconfig: shorter than its entries",
	    msg(t, NGM_VXLAN_SET_CONFIG, &cfg, sizeof(cfg.c) + 1), EINVAL);
	cfg.c.numStatic = 1;
	cfg.e[0].addr.family = 0;
	CHECK_INT("setconfig: an entry with no address",
	    msg(t, NGM_VXLAN_SET_CONFIG, &cfg,
		sizeof(cfg.c) + sizeof(cfg.e[0])),
	    EINVAL);
	reset();
	msg(t, NGM_VXLAN_GET_CONFIG, NULL, 0);
	r = ngt_last_msg(&conn);
	gc = r != NULL ? (const void *)r->data : NULL;
	CHECK("the failed ones changed nothing",
	    gc != NULL && gc->vni == 7 && gc->numStatic == 2 &&
		gc->entries[1].port == 4790);

	reset();
	ngt_send_frame(t, "in", bcast, mac_a, 60);
	CHECK("a broadcast goes to both flood entries",
	    nout == 2 && same_addr(&out[0].peer, 0xc6120002, 4789) &&
		same_addr(&out[1].peer, 0xc6120003, 4790) &&
		memcmp(out[0].hdr, out[1].hdr, sizeof(out[0].hdr)) == 0);
	from_wire(t, 0x08, 7, mac_a, mac_b, 8 + 60, &b);
	from_wire(t, 0x08, 7, mac_a, mac_c, 8 + 60, &c);
	reset();
	ngt_send_frame(t, "in", mac_c, mac_a, 60);
	ngt_send_frame(t, "in", mac_b, mac_a, 60);
	CHECK("unicast to c goes to c only, at the configured port",
	    nout == 2 && same_addr(&out[0].peer, 0xc6120003, 4789));
	CHECK("and to b to b only", same_addr(&out[1].peer, 0xc6120002, 4789));
	reset();
	msg(t, NGM_VXLAN_GET_TABLE, NULL, 0);
	r = ngt_last_msg(&conn);
	tab = r != NULL ? (const void *)r->data : NULL;
	CHECK_INT("gettable: two hosts", tab != NULL ? (int)tab->n : -1, 2);
	ngt_advance(g, 11);
	reset();
	ngt_send_frame(t, "in", mac_c, mac_a, 60);
	CHECK("after maxAge c is unknown again: flooded", nout == 2);
	reset();
	msg(t, NGM_VXLAN_GET_TABLE, NULL, 0);
	r = ngt_last_msg(&conn);
	tab = r != NULL ? (const void *)r->data : NULL;
	CHECK_INT("gettable: none", tab != NULL ? (int)tab->n : -1, 0);

	/* A static host is not moved by what arrives. */
	cfg.c.numStatic = 1;
	memcpy(cfg.e[0].mac, mac_b, 6);
	cfg.e[0].addr.family = AF_INET;
	memcpy(cfg.e[0].addr.addr, "\xc6\x12\x00\x09", 4);
	cfg.e[0].port = 0;
	CHECK_INT("setconfig: b static",
	    msg(t, NGM_VXLAN_SET_CONFIG, &cfg,
		sizeof(cfg.c) + sizeof(cfg.e[0])),
	    0);
	from_wire(t, 0x08, 7, mac_a, mac_b, 8 + 60, &c);
	reset();
	ngt_send_frame(t, "in", mac_b, mac_a, 60);
	CHECK("b stays where it was put",
	    nout == 1 && same_addr(&out[0].peer, 0xc6120009, 4789));
	reset();
	ngt_send_frame(t, "in", bcast, mac_a, 60);
	CHECK("no flood entries now: no far end",
	    nout == 1 && out[0].peer.len == 0);
	ngt_close(&conn);
	ng_graph_free(g);
}

/*
 * Trains, with a ksocket on a fake backend that takes UDP_GRO:
 *
 *     t:in --- inner [vxlan V] outer --- [ksocket K] ~~ fake socket ~~
 *
 * A super-frame from inner leaves as one send of a train of its
 * encapsulated segments; that train, received, comes back to inner as
 * one super-frame again (the test's socket node cuts it for the test).
 */
static struct {
	const struct ng_ksock_upcalls *up;
	struct ng_node *node;
	bool gro;
	unsigned sends;
	struct ng_pkt train; /* the last send, metadata and bytes */
} fk;

static int
fk_open(void *be, int family, int type, int proto,
    const struct ng_ksock_upcalls *up, struct ng_node *node,
    struct ng_ksock **sp)
{
	fk.up = up;
	fk.node = node;
	*sp = (struct ng_ksock *)&fk;
	return 0;
}

static void
fk_close(void *be, struct ng_ksock *s)
{
	fk.node = NULL;
}

static void
fk_resume(void *be, struct ng_ksock *s, bool on)
{
}

static int
fk_setopt(void *be, struct ng_ksock *s, int level, int name, const void *val,
    socklen_t len)
{
	if (level != SOL_UDP || name != UDP_GRO)
		return ENOPROTOOPT;
	fk.gro = true;
	return 0;
}

static int
fk_send(void *be, struct ng_ksock *s, const struct ng_pkt *pkt,
    const struct sockaddr *to, socklen_t tolen)
{
	fk.sends++;
	fk.train.vh = pkt->vh;
	fk.train.len = pkt->len;
	memcpy(fk.train.buf, pkt->data, pkt->len);
	return 0;
}

static const struct ng_ksock_ops fk_ops = {
	.open = fk_open,
	.close = fk_close,
	.resume = fk_resume,
	.setopt = fk_setopt,
	.send = fk_send,
};

static void
test_trains(void)
{
	struct ng_graph_cfg cfg = {
		.types = ng_nodes_types,
		.backends =
		    (const struct ng_backend[]){
			{ NGM_SOCKET_COOKIE, &sock_ops, NULL },
			{ NGM_KSOCKET_COOKIE, &fk_ops, NULL },
			{ 0, NULL, NULL },
		    },
		.clock_ms = ngt_clock,
	};
	struct ng_graph *g;
	struct ng_node *t;
	struct ng_pkt *p;
	struct ng_pkt_addr b = addr4(0xc6120002, 40000);
	const struct ng_mesg *r;
	const struct ng_vxlan_stats *st;
	uint32_t vni = 42, seg = 8 + 14 + 20 + 20 + 1448;
	unsigned pool;
	uint8_t *ip;

	if (ng_graph_new(&cfg, &g) != 0) {
		printf("FAIL ng_graph_new\n");
		exit(1);
	}
	reset();
	t = ngt_socket(g, &conn);
	ngt_mkpeer(t, ".", "vxlan", "in", "inner");
	ngt_name(t, ".:in", "V");
	msg(t, NGM_VXLAN_SET_VNI, &vni, 4);
	CHECK_INT("trains: mkpeer V: ksocket outer inet/dgram/udp",
	    ngt_mkpeer(t, "V:", "ksocket", "outer", "inet/dgram/udp"), 0);
	CHECK("trains: vxlan asked its ksocket for UDP_GRO", fk.gro);

	p = ng_pkt_alloc(g);
	memset(p->data, 0, 14 + 20 + 20 + 14480);
	memcpy(p->data, mac_b, 6);
	memcpy(p->data + 6, mac_a, 6);
	p->data[12] = 0x08;
	ip = p->data + 14;
	ip[0] = 0x45;
	ip[8] = 64;
	ip[9] = 6;
	ip[20 + 12] = 5 << 4;
	ip[20 + 13] = 0x10; /* ACK */
	for (int i = 0; i < 14480; i++)
		ip[40 + i] = (uint8_t)(i * 13);
	p->len = 14 + 20 + 20 + 14480;
	ip[2] = (uint8_t)((p->len - 14) >> 8);
	ip[3] = (uint8_t)(p->len - 14);
	p->vh.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
	p->vh.gso_type = VIRTIO_NET_HDR_GSO_TCPV4;
	p->vh.gso_size = 1448;
	p->vh.hdr_len = 54;
	p->vh.csum_start = 34;
	p->vh.csum_offset = 16;
	CHECK_INT("trains: a super-frame from inner",
	    ng_socket_send_data(t, "in", &p), 0);
	CHECK("trains: one send, a train of 10 datagrams of 8 + 1502",
	    fk.sends == 1 && fk.train.vh.gso_type == NG_GSO_DGRAMS &&
		fk.train.vh.gso_size == seg && fk.train.len == 10 * seg);
	CHECK("trains: each datagram has the header",
	    memcmp(fk.train.buf + 9 * seg, "\x08\0\0\0\0\0\x2a\0", 8) == 0);

	/* The same train back from b: one super-frame to inner. */
	reset();
	msg(t, NGM_VXLAN_GETCLR_STATS, NULL, 0);
	pool = g->pool_total;
	p = ng_pkt_alloc(g);
	memcpy(p->data, fk.train.buf, fk.train.len);
	p->len = fk.train.len;
	p->vh = fk.train.vh;
	p->peer = b;
	/* swap the inner MACs: it comes from b to a */
	for (unsigned i = 0; i < 10; i++) {
		memcpy(p->data + i * seg + 8, mac_a, 6);
		memcpy(p->data + i * seg + 14, mac_b, 6);
	}
	fk.up->input(fk.node, &p);
	reset();
	msg(t, NGM_VXLAN_GET_STATS, NULL, 0);
	r = ngt_last_msg(&conn);
	st = r != NULL ? (const void *)r->data : NULL;
	CHECK("trains: 10 datagrams in, one merged frame to inner",
	    st != NULL && st->recvPackets == 1 &&
		st->recvOctets == 14 + 20 + 20 + 14480);
	ngt_close(&conn);
	CHECK_INT("trains: the pool did not grow", g->pool_total - pool, 0);
	ng_graph_free(g);
}

/*
 * A send during a flood shuts the node down: the flood stops there and
 * touches nothing freed (the ASan build of this test says so).
 */
static void
test_shutdown_in_flood(void)
{
	struct ng_graph *g = graph();
	struct ng_node *t = ngt_socket(g, &conn);
	struct {
		struct ng_vxlan_config c;
		struct ng_vxlan_entry e[3];
	} cfg;
	struct ng_pkt *p;

	reset();
	ngt_name(t, ".", "t");
	ngt_mkpeer(t, ".", "vxlan", "in", "inner");
	ngt_name(t, ".:in", "V");
	ngt_connect(t, ".", "V:", "out", "outer");
	memset(&cfg, 0, sizeof(cfg));
	cfg.c.vni = 7;
	cfg.c.learn = 1;
	cfg.c.maxAge = 10;
	cfg.c.port = 4789;
	cfg.c.numStatic = 3;
	for (int i = 0; i < 3; i++) {
		cfg.e[i].addr.family = AF_INET;
		memcpy(cfg.e[i].addr.addr, "\xc6\x12\x00\x02", 4);
		cfg.e[i].addr.addr[3] = (uint8_t)(2 + i);
	}
	CHECK_INT("kill/setconfig: three flood entries",
	    msg(t, NGM_VXLAN_SET_CONFIG, &cfg,
		sizeof(cfg.c) + 3 * sizeof(cfg.e[0])),
	    0);
	/* A broadcast floods: the first copy out shuts V down. */
	kill_graph = g;
	p = ng_pkt_alloc(g);
	memset(p->data, 0x5a, 60);
	memcpy(p->data, bcast, 6);
	memcpy(p->data + 6, mac_a, 6);
	p->len = 60;
	(void)ng_socket_send_data(t, "in", &p);
	CHECK_INT("kill/the flood stopped at the shutdown", nout, 1);
	CHECK("kill/V is gone", ng_find_name(g, "V") == NULL);
	/* A super-frame segmented into a flood: the same. */
	reset();
	ngt_mkpeer(t, ".", "vxlan", "in", "inner");
	ngt_name(t, ".:in", "V");
	ngt_connect(t, ".", "V:", "out", "outer");
	CHECK_INT("kill/setconfig again",
	    msg(t, NGM_VXLAN_SET_CONFIG, &cfg,
		sizeof(cfg.c) + 3 * sizeof(cfg.e[0])),
	    0);
	kill_graph = g;
	p = ng_pkt_alloc(g);
	memset(p->data, 0, 14 + 20 + 20 + 4344);
	memcpy(p->data, bcast, 6);
	memcpy(p->data + 6, mac_a, 6);
	p->data[12] = 0x08;
	p->data[14] = 0x45; /* IPv4, TCP, 3 segments of 1448 */
	p->data[14 + 8] = 64;
	p->data[14 + 9] = 6;
	p->data[14 + 20 + 12] = 5 << 4;
	p->data[14 + 20 + 13] = 0x10;
	p->len = 14 + 20 + 20 + 4344;
	p->data[14 + 2] = (uint8_t)((p->len - 14) >> 8);
	p->data[14 + 3] = (uint8_t)(p->len - 14);
	p->vh.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
	p->vh.gso_type = VIRTIO_NET_HDR_GSO_TCPV4;
	p->vh.gso_size = 1448;
	p->vh.hdr_len = 54;
	p->vh.csum_start = 34;
	p->vh.csum_offset = 16;
	(void)ng_socket_send_data(t, "in", &p);
	CHECK("kill/segmented: stopped at the shutdown", nout <= 1);
	CHECK("kill/segmented: V is gone", ng_find_name(g, "V") == NULL);
	kill_graph = NULL;
	ngt_close(&conn);
	CHECK("kill/every packet back in the pool", ngt_pool_whole(g));
	ng_graph_free(g);
}

/* A V with VNI 7, learning, hosts aged after maxAge s, no flood entries. */
static struct ng_node *
learner(struct ng_graph *g, uint32_t max_age)
{
	struct ng_node *t = ngt_socket(g, &conn);
	struct ng_vxlan_config c;

	ngt_name(t, ".", "t");
	ngt_mkpeer(t, ".", "vxlan", "in", "inner");
	ngt_name(t, ".:in", "V");
	ngt_connect(t, ".", "V:", "out", "outer");
	memset(&c, 0, sizeof(c));
	c.vni = 7;
	c.learn = 1;
	c.maxAge = max_age;
	c.port = 4789;
	msg(t, NGM_VXLAN_SET_CONFIG, &c, sizeof(c));
	return t;
}

/*
 * A peer floods made-up source MACs until the table is full.  Those
 * hosts are never sent to, so never looked at: once they have aged, a
 * new host must still be learned.
 */
static void
test_table_full(void)
{
	struct ng_graph *g = graph();
	struct ng_node *t = learner(g, 10);
	struct ng_pkt_addr b = addr4(0xc6120002, 4789),
			   c = addr4(0xc6120003, 4789);
	uint8_t m[6] = { 0x02, 0x66, 0, 0, 0, 0 };

	for (uint32_t i = 0; i < NG_VXLAN_MAX_HOSTS + 10; i++) {
		m[3] = (uint8_t)(i >> 16);
		m[4] = (uint8_t)(i >> 8);
		m[5] = (uint8_t)i;
		from_wire(t, 0x08, 7, bcast, m, 8 + 60, &b);
	}
	from_wire(t, 0x08, 7, bcast, mac_c, 8 + 60, &c);
	reset();
	ngt_send_frame(t, "in", mac_c, mac_a, 60);
	CHECK("table full of fresh hosts: c not learned",
	    nout == 1 && out[0].peer.len == 0);
	ngt_advance(g, 11);
	from_wire(t, 0x08, 7, bcast, mac_c, 8 + 60, &c);
	reset();
	ngt_send_frame(t, "in", mac_c, mac_a, 60);
	CHECK("the flood's hosts aged: c learned behind its sender",
	    nout == 1 && same_addr(&out[0].peer, 0xc6120003, 4789));
	ngt_close(&conn);
	ng_graph_free(g);
}

/* The bucket an unkeyed FNV-1a of 1024 buckets would put mac in. */
static unsigned
fnv_bucket(const uint8_t mac[6])
{
	uint32_t h = 2166136261u;

	for (int i = 0; i < 6; i++)
		h = (h ^ mac[i]) * 16777619u;
	return h & 1023;
}

/* Learn n hosts from the wire, twice; what it cost in CPU seconds. */
static double
learn_cost(const uint8_t (*macs)[6], unsigned n)
{
	struct ng_graph *g = graph();
	struct ng_node *t = learner(g, 300);
	struct ng_pkt_addr b = addr4(0xc6120002, 4789);
	double t0 = ngt_cpu_s();

	for (unsigned r = 0; r < 2; r++)
		for (unsigned i = 0; i < n; i++) {
			from_wire(t, 0x08, 7, bcast, macs[i], 8 + 60, &b);
			ngt_clear(&conn);
		}
	t0 = ngt_cpu_s() - t0;
	ngt_close(&conn);
	ng_graph_free(g);
	return t0;
}

/*
 * Source MACs chosen from the wire to share a hash bucket (what one who
 * read an unkeyed hash would send) cost about what random ones do: a
 * chain of all of them would make every frame walk the whole table.
 */
static void
test_hash_flood(void)
{
	enum { N = 32768 };
	static uint8_t same[N][6], spread[N][6];
	unsigned k = 0;
	double c_same, c_spread;

	for (uint32_t i = 0; k < N; i++) {
		uint8_t m[6] = { 0x02, (uint8_t)(i >> 24), (uint8_t)(i >> 16),
			(uint8_t)(i >> 8), (uint8_t)i, 0x77 };

		if (fnv_bucket(m) == 0)
			memcpy(same[k++], m, 6);
	}
	for (uint32_t i = 0; i < N; i++) {
		uint32_t x = i * 2654435761u;

		spread[i][0] = 0x02;
		memcpy(spread[i] + 1, &x, 4);
		spread[i][5] = 0x55;
	}
	c_spread = learn_cost((const uint8_t(*)[6])spread, N);
	c_same = learn_cost((const uint8_t(*)[6])same, N);
	printf("# %u hosts learned twice: %.3f s CPU spread, %.3f s chosen\n",
	    N, c_spread, c_same);
	CHECK("MACs chosen for one bucket cost no more than random ones",
	    c_same < 4 * c_spread + 0.05);
}

int
main(void)
{
	test_wire();
	test_multipoint();
	test_trains();
	test_shutdown_in_flood();
	test_table_full();
	test_hash_flood();
	return ngt_done();
}
