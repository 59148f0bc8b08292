/*
 * test_ksocket.c: the ksocket node (spec §9.12) on a fake socket backend,
 * in-process.  The test's socket node is joined to the ksocket's hook:
 *
 *     [socket "t"] s --- inet/dgram/udp [ksocket]  ~~ fake socket ~~
 *
 * A frame sent on s is a datagram the fake records; a datagram the fake
 * "receives" comes back on s.  Messages go in as binary and their replies
 * are checked field by field; their text forms are the golden test's.
 */
#include <arpa/inet.h>
#include <sys/un.h>

#include <netgraph/ng_ksocket.h>

#include "ngtest.h"
#include "ng_internal.h" /* the packet pool, to prove nothing leaks */
#include "ng_ksock.h"

/* --- a fake socket backend ---------------------------------------------- */

struct ng_ksock {
	int family, type, proto;
	struct ng_node *node;
	const struct ng_ksock_upcalls *up;
	bool reading, listening, connected, live;
	struct sockaddr_storage local, peer;
	socklen_t locallen, peerlen;
	unsigned sent;
	uint32_t last_len;
	uint8_t last[64];
	struct sockaddr_storage last_to;
	socklen_t last_tolen;
	int opt; /* the one option the fake keeps */
};

#define FAKE_SOCKS 16
static struct ng_ksock fake[FAKE_SOCKS];
static unsigned fake_open, fake_closed;
static int fake_pending;        /* connections waiting on a listener */
static bool fake_connect_async; /* connect says EINPROGRESS */

static struct ng_ksock *
fake_new(void)
{
	for (unsigned i = 0; i < FAKE_SOCKS; i++)
		if (!fake[i].live) {
			memset(&fake[i], 0, sizeof(fake[i]));
			fake[i].live = true;
			fake_open++;
			return &fake[i];
		}
	return NULL;
}

static int
fake_sock_open(void *be, int family, int type, int proto,
    const struct ng_ksock_upcalls *up, struct ng_node *node,
    struct ng_ksock **sp)
{
	struct ng_ksock *s;

	(void)be;
	if (proto == 99)
		return EPROTONOSUPPORT;
	if ((s = fake_new()) == NULL)
		return ENFILE;
	s->family = family;
	s->type = type;
	s->proto = proto;
	s->up = up;
	s->node = node;
	*sp = s;
	return 0;
}

static void
fake_sock_close(void *be, struct ng_ksock *s)
{
	(void)be;
	if (s == NULL)
		return;
	s->live = false;
	fake_closed++;
}

static void
fake_sock_resume(void *be, struct ng_ksock *s, bool on)
{
	(void)be;
	s->reading = on;
}

/* The ports 1..1023 of 198.51.100.1 are taken. */
static int
fake_sock_bind(void *be, struct ng_ksock *s, const struct sockaddr *sa,
    socklen_t len)
{
	const struct sockaddr_in *sin = (const struct sockaddr_in *)sa;

	(void)be;
	if (len < sizeof(*sin) || sa->sa_family != s->family)
		return EINVAL;
	if (sin->sin_addr.s_addr == htonl(0xc6336401) &&
	    ntohs(sin->sin_port) < 1024)
		return EADDRINUSE;
	memcpy(&s->local, sa, len);
	s->locallen = len;
	return 0;
}

static int
fake_sock_listen(void *be, struct ng_ksock *s, int backlog)
{
	(void)be;
	if (s->type != SOCK_STREAM)
		return EOPNOTSUPP;
	s->listening = backlog >= 0;
	return 0;
}

static int
fake_sock_connect(void *be, struct ng_ksock *s, const struct sockaddr *sa,
    socklen_t len)
{
	(void)be;
	if (s->connected)
		return EISCONN;
	memcpy(&s->peer, sa, len);
	s->peerlen = len;
	if (fake_connect_async)
		return EINPROGRESS;
	s->connected = true;
	return 0;
}

static int
fake_sock_accept(void *be, struct ng_ksock *s, struct ng_ksock **newp,
    struct sockaddr_storage *sa, socklen_t *len)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	struct ng_ksock *ns;

	(void)be;
	if (!s->listening)
		return EINVAL;
	if (fake_pending == 0)
		return EWOULDBLOCK;
	if ((ns = fake_new()) == NULL)
		return ENFILE;
	fake_pending--;
	*ns = *s;
	ns->live = true;
	ns->listening = false;
	ns->reading = false;
	ns->connected = true;
	ns->node = NULL;
	sin.sin_addr.s_addr = htonl(0xcb007101); /* 203.0.113.1:40000 */
	sin.sin_port = htons(40000);
	memcpy(sa, &sin, sizeof(sin));
	*len = sizeof(sin);
	*newp = ns;
	return 0;
}

static void
fake_sock_attach(void *be, struct ng_ksock *s, struct ng_node *node)
{
	(void)be;
	s->node = node;
}

static int
fake_sock_getname(void *be, struct ng_ksock *s, bool peer,
    struct sockaddr_storage *sa, socklen_t *len)
{
	(void)be;
	if (peer && !s->connected)
		return ENOTCONN;
	*len = peer ? s->peerlen : s->locallen;
	memcpy(sa, peer ? &s->peer : &s->local, *len);
	return 0;
}

static int
fake_sock_setopt(void *be, struct ng_ksock *s, int level, int name,
    const void *val, socklen_t len)
{
	(void)be;
	if (level != SOL_SOCKET || name != SO_RCVBUF || len != sizeof(int))
		return ENOPROTOOPT;
	memcpy(&s->opt, val, sizeof(int));
	return 0;
}

static int
fake_sock_getopt(void *be, struct ng_ksock *s, int level, int name, void *val,
    socklen_t *len)
{
	(void)be;
	if (level != SOL_SOCKET || name != SO_RCVBUF)
		return ENOPROTOOPT;
	memcpy(val, &s->opt, sizeof(int));
	*len = sizeof(int);
	return 0;
}

static int
fake_sock_send(void *be, struct ng_ksock *s, const struct ng_pkt *pkt,
    const struct sockaddr *to, socklen_t tolen)
{
	(void)be;
	if (to == NULL && !s->connected && s->type != SOCK_STREAM)
		return EDESTADDRREQ;
	s->sent++;
	s->last_len = pkt->len;
	memcpy(s->last, pkt->data, pkt->len < 64 ? pkt->len : 64);
	s->last_tolen = to != NULL ? tolen : 0;
	if (to != NULL)
		memcpy(&s->last_to, to, tolen);
	return 0;
}

static const struct ng_ksock_ops fake_ops = {
	.open = fake_sock_open,
	.close = fake_sock_close,
	.resume = fake_sock_resume,
	.bind = fake_sock_bind,
	.listen = fake_sock_listen,
	.connect = fake_sock_connect,
	.accept = fake_sock_accept,
	.attach = fake_sock_attach,
	.getname = fake_sock_getname,
	.setopt = fake_sock_setopt,
	.getopt = fake_sock_getopt,
	.send = fake_sock_send,
};

/* --- helpers ------------------------------------------------------------ */

static struct ngt_conn conn;

static struct ng_graph *
graph(void)
{
	struct ng_graph_cfg cfg = {
		.types = ng_nodes_types,
		.backends =
		    (const struct ng_backend[]){
			{ NGM_SOCKET_COOKIE, &ngt_sock_ops, NULL },
			{ NGM_KSOCKET_COOKIE, &fake_ops, NULL },
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

static struct ng_ksock *
sock_of(struct ng_node *n)
{
	for (unsigned i = 0; i < FAKE_SOCKS; i++)
		if (fake[i].live && fake[i].node == n)
			return &fake[i];
	return NULL;
}

static struct sockaddr_in
sin_of(uint32_t addr, uint16_t port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };

	sin.sin_addr.s_addr = htonl(addr);
	sin.sin_port = htons(port);
	return sin;
}

/* A datagram of len bytes the fake "received" from (if not NULL). */
static void
receive(struct ng_ksock *s, uint32_t len, const struct sockaddr_in *from)
{
	struct ng_pkt *p = ng_pkt_alloc(s->node->graph);

	for (uint32_t i = 0; i < len; i++)
		p->data[i] = (uint8_t)(i + 1);
	p->len = len;
	if (from != NULL) {
		memcpy(&p->peer.u, from, sizeof(*from));
		p->peer.len = sizeof(*from);
	}
	s->up->input(s->node, &p);
}

static int
send_frame(struct ng_node *t, const char *hook, uint32_t len,
    const struct sockaddr_in *to, ng_id_t owner)
{
	struct ng_pkt *p = ng_pkt_alloc(t->graph);

	for (uint32_t i = 0; i < len; i++)
		p->data[i] = (uint8_t)i;
	p->len = len;
	if (to != NULL) {
		memcpy(&p->peer.u, to, sizeof(*to));
		p->peer.len = sizeof(*to);
		p->peer.owner = owner;
	}
	return ng_socket_send_data(t, hook, &p);
}

/* --- tests -------------------------------------------------------------- */

static void
test_hooks(void)
{
	struct ng_graph *g = graph();
	struct ng_node *t = ngt_socket(g, &conn), *k;
	const char *bad[] = { "inet", "inet/dgram", "bogus/dgram/udp",
		"inet/bogus/udp", "inet/dgram/bogus", "inet//udp",
		"inet/dgram/", "/dgram/udp", "inet/dgram/udp/x" };

	ngt_name(t, ".", "t");
	CHECK_INT("hook inet/dgram/udp",
	    ngt_mkpeer(t, ".", "ksocket", "s", "inet/dgram/udp"), 0);
	k = ngt_node(t, ".:s");
	CHECK("the socket is open", sock_of(k) != NULL);
	CHECK("udp",
	    sock_of(k) != NULL && sock_of(k)->family == AF_INET &&
		sock_of(k)->type == SOCK_DGRAM &&
		sock_of(k)->proto == IPPROTO_UDP);
	CHECK("joined: it reads", sock_of(k) != NULL && sock_of(k)->reading);
	CHECK_INT("a second hook: EISCONN",
	    ngt_connect(t, ".:s", "t:", "2/2/17", "x"), EISCONN);
	CHECK_INT("rmhook closes the socket and the node goes",
	    ngt_rmhook(t, ".", "s") == 0 && sock_of(k) == NULL &&
		ngt_count_type(g, "ksocket") == 0,
	    1);

	CHECK_INT("numbers: 2/2/17",
	    ngt_mkpeer(t, ".", "ksocket", "n", "2/2/17"), 0);
	k = ngt_node(t, ".:n");
	CHECK("2/2/17 is udp",
	    sock_of(k) != NULL && sock_of(k)->proto == IPPROTO_UDP &&
		sock_of(k)->type == SOCK_DGRAM);
	CHECK_INT("inet6/stream/tcp",
	    ngt_mkpeer(t, ".", "ksocket", "s6", "inet6/stream/tcp"), 0);
	CHECK_INT("local/seqpacket/0",
	    ngt_mkpeer(t, ".", "ksocket", "l", "local/seqpacket/0"), 0);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char name[64];

		snprintf(name, sizeof(name), "hook %s: EINVAL", bad[i]);
		CHECK_INT(name, ngt_mkpeer(t, ".", "ksocket", "b", bad[i]),
		    EINVAL);
	}
	CHECK_INT("divert: no such family on Linux",
	    ngt_mkpeer(t, ".", "ksocket", "d", "divert/raw/0"), EAFNOSUPPORT);
	CHECK_INT("the backend's error",
	    ngt_mkpeer(t, ".", "ksocket", "e", "inet/dgram/99"),
	    EPROTONOSUPPORT);
	CHECK_INT("failed hooks leave no node", ngt_count_type(g, "ksocket"),
	    3);
	ngt_close(&conn);
	ng_graph_free(g);
	CHECK_INT("every socket closed", fake_open - fake_closed, 0);
}

static void
test_messages(void)
{
	struct ng_graph *g = graph();
	struct ng_node *t = ngt_socket(g, &conn);
	struct sockaddr_in sin = sin_of(0xc6336401, 4789), got;
	static const struct sockaddr_in zero;
	struct {
		struct ng_ksocket_sockopt o;
		int v;
	} opt = { { SOL_SOCKET, SO_RCVBUF }, 123456 };
	const struct ng_mesg *r;
	int32_t v;

	ngt_name(t, ".", "t");
	ngt_mkpeer(t, ".", "ksocket", "s", "inet/dgram/udp");
	CHECK_INT("bind",
	    ngt_msg(t, ".:s", NGM_KSOCKET_COOKIE, NGM_KSOCKET_BIND, &sin,
		sizeof(sin)),
	    0);
	CHECK_INT("bind: too short an address",
	    ngt_msg(t, ".:s", NGM_KSOCKET_COOKIE, NGM_KSOCKET_BIND, &sin, 1),
	    EINVAL);
	sin.sin_port = htons(53);
	CHECK_INT("bind: the port is in use",
	    ngt_msg(t, ".:s", NGM_KSOCKET_COOKIE, NGM_KSOCKET_BIND, &sin,
		sizeof(sin)),
	    EADDRINUSE);
	ngt_clear(&conn);
	CHECK_INT("getname",
	    ngt_msg(t, ".:s", NGM_KSOCKET_COOKIE, NGM_KSOCKET_GETNAME, NULL, 0),
	    0);
	r = ngt_last_msg(&conn);
	memcpy(&got, r != NULL ? (const void *)r->data : &zero, sizeof(got));
	CHECK("getname replies with the address bound",
	    r != NULL && r->header.arglen == sizeof(got) &&
		got.sin_port == htons(4789));
	CHECK_INT("getname takes no argument",
	    ngt_msg(t, ".:s", NGM_KSOCKET_COOKIE, NGM_KSOCKET_GETNAME, &v, 4),
	    EINVAL);
	CHECK_INT("getpeername before connect: ENOTCONN",
	    ngt_msg(t, ".:s", NGM_KSOCKET_COOKIE, NGM_KSOCKET_GETPEERNAME, NULL,
		0),
	    ENOTCONN);
	sin = sin_of(0xc6336402, 4789);
	CHECK_INT("connect",
	    ngt_msg(t, ".:s", NGM_KSOCKET_COOKIE, NGM_KSOCKET_CONNECT, &sin,
		sizeof(sin)),
	    0);
	ngt_clear(&conn);
	CHECK_INT("getpeername",
	    ngt_msg(t, ".:s", NGM_KSOCKET_COOKIE, NGM_KSOCKET_GETPEERNAME, NULL,
		0),
	    0);
	r = ngt_last_msg(&conn);
	memcpy(&got, r != NULL ? (const void *)r->data : &zero, sizeof(got));
	CHECK("getpeername replies with the peer",
	    r != NULL && got.sin_addr.s_addr == htonl(0xc6336402));
	CHECK_INT("setopt",
	    ngt_msg(t, ".:s", NGM_KSOCKET_COOKIE, NGM_KSOCKET_SETOPT, &opt,
		sizeof(opt)),
	    0);
	CHECK_INT("setopt: the backend's error",
	    ngt_msg(t, ".:s", NGM_KSOCKET_COOKIE, NGM_KSOCKET_SETOPT, &opt, 9),
	    ENOPROTOOPT);
	CHECK_INT("setopt: short",
	    ngt_msg(t, ".:s", NGM_KSOCKET_COOKIE, NGM_KSOCKET_SETOPT, &opt, 7),
	    EINVAL);
	ngt_clear(&conn);
	CHECK_INT("getopt",
	    ngt_msg(t, ".:s", NGM_KSOCKET_COOKIE, NGM_KSOCKET_GETOPT, &opt.o,
		sizeof(opt.o)),
	    0);
	r = ngt_last_msg(&conn);
	memcpy(&v, r != NULL && r->header.arglen >= 12 ? r->data + 8 : "\0\0\0",
	    4);
	CHECK("getopt replies with level, name and the value",
	    r != NULL && r->header.arglen == 12 && v == 123456);
	CHECK_INT("getopt: a value in the request",
	    ngt_msg(t, ".:s", NGM_KSOCKET_COOKIE, NGM_KSOCKET_GETOPT, &opt,
		sizeof(opt)),
	    EINVAL);
	CHECK_INT("listen on a datagram socket: the backend's error",
	    ngt_msg(t, ".:s", NGM_KSOCKET_COOKIE, NGM_KSOCKET_LISTEN, &v, 4),
	    EOPNOTSUPP);
	CHECK_INT("listen: an int32",
	    ngt_msg(t, ".:s", NGM_KSOCKET_COOKIE, NGM_KSOCKET_LISTEN, &v, 2),
	    EINVAL);
	CHECK_INT("an unknown command",
	    ngt_msg(t, ".:s", NGM_KSOCKET_COOKIE, 99, NULL, 0), EINVAL);
	ngt_close(&conn);
	ng_graph_free(g);
}

/*
 *   t:s --- inet/dgram/udp [ksocket K] ~~ 198.51.100.1:4789
 */
static void
test_data(void)
{
	struct ng_graph *g = graph();
	struct ng_node *t = ngt_socket(g, &conn), *k;
	struct sockaddr_in from = sin_of(0xcb007107, 5000), to;
	struct ng_ksock *s;
	const struct ngt_frame *f;
	unsigned pool;

	ngt_name(t, ".", "t");
	ngt_mkpeer(t, ".", "ksocket", "s", "inet/dgram/udp");
	k = ngt_node(t, ".:s");
	s = sock_of(k);
	CHECK_INT("unconnected, no address: the backend's EDESTADDRREQ",
	    send_frame(t, "s", 100, NULL, 0), EDESTADDRREQ);
	to = sin_of(0xcb007108, 4789);
	CHECK_INT("a frame with an address from nobody in particular",
	    send_frame(t, "s", 100, &to, 0), 0);
	CHECK("is one datagram sent there",
	    s->sent == 1 && s->last_len == 100 && s->last_tolen == sizeof(to) &&
		memcmp(&s->last_to, &to, sizeof(to)) == 0);
	CHECK_INT("an address another ksocket set is not ours",
	    send_frame(t, "s", 100, &to, k->id + 1000), EDESTADDRREQ);
	CHECK_INT("one it set itself is", send_frame(t, "s", 60, &to, k->id),
	    0);
	CHECK_INT("sent twice", s->sent, 2);
	CHECK_INT("an empty frame is not sent", send_frame(t, "s", 0, &to, 0),
	    0);
	CHECK_INT("still twice", s->sent, 2);

	ngt_clear(&conn);
	receive(s, 42, &from);
	f = ngt_frame(&conn, 0);
	CHECK("a datagram comes out of the hook whole",
	    conn.nframes == 1 && f != NULL && f->len == 42 && f->data[0] == 1 &&
		f->data[41] == 42);
	CHECK("with its sender beside it, owned by the node",
	    f != NULL && f->pkt != NULL);
	pool = g->pool_total;
	for (int i = 0; i < 1000; i++)
		receive(s, 1500, &from);
	CHECK_INT("a thousand datagrams take no new packets", g->pool_total,
	    pool);
	CHECK_INT("and all arrive", conn.nframes, 1001);

	/* A TAP's super-frame: cut into frames before it becomes
	 * datagrams.  64000 bytes of TCP payload, MSS 1448. */
	{
		struct ng_pkt *p = ng_pkt_alloc(g);
		uint8_t *ip, *tcp;

		memset(p->data, 0, 14 + 20 + 32 + 64000);
		p->data[12] = 0x08;
		ip = p->data + 14;
		ip[0] = 0x45;
		ip[8] = 64;
		ip[9] = 6;
		tcp = ip + 20;
		tcp[12] = 8 << 4;
		p->len = 14 + 20 + 32 + 64000;
		ip[2] = (uint8_t)((p->len - 14) >> 8);
		ip[3] = (uint8_t)(p->len - 14);
		p->vh.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
		p->vh.gso_type = VIRTIO_NET_HDR_GSO_TCPV4;
		p->vh.gso_size = 1448;
		p->vh.hdr_len = 14 + 20 + 32;
		p->vh.csum_start = 34;
		p->vh.csum_offset = 16;
		memcpy(&p->peer.u, &to, sizeof(to));
		p->peer.len = sizeof(to);
		s->sent = 0;
		CHECK_INT("a super-frame", ng_socket_send_data(t, "s", &p), 0);
		CHECK_INT("is 45 datagrams", s->sent, 45);
		CHECK_INT("the last one short", s->last_len,
		    14 + 20 + 32 + 64000 - 44 * 1448);
	}
	/* connect on a datagram socket: the default peer, and a filter on
	 * its host (any port: VXLAN endpoints send from many). */
	{
		struct sockaddr_in peer = sin_of(0xcb007109, 4789);
		struct sockaddr_in other = sin_of(0xcb00710a, 4789);
		struct sockaddr_in sameh = sin_of(0xcb007109, 50123);

		CHECK_INT("connect",
		    ngt_msg(t, ".:s", NGM_KSOCKET_COOKIE, NGM_KSOCKET_CONNECT,
			&peer, sizeof(peer)),
		    0);
		s->sent = 0;
		CHECK_INT("a frame without an address",
		    send_frame(t, "s", 80, NULL, 0), 0);
		CHECK("goes to the peer",
		    s->sent == 1 && s->last_tolen == sizeof(peer) &&
			memcmp(&s->last_to, &peer, sizeof(peer)) == 0);
		ngt_clear(&conn);
		receive(s, 50, &other);
		CHECK_INT("a datagram from another host is dropped",
		    conn.nframes, 0);
		receive(s, 50, &sameh);
		receive(s, 50, &peer);
		CHECK_INT("from the peer's host, any port, it arrives",
		    conn.nframes, 2);
	}
	ngt_close(&conn);
	CHECK_INT("the client gone, the node goes",
	    ngt_count_type(g, "ksocket"), 0);
	ng_graph_free(g);
}

/*
 *   t:l --- inet/stream/tcp [listener L] ~~ listening
 *   accept: [new node N] (no hook: an embryo of L)
 */
static void
test_accept(void)
{
	struct ng_graph *g = graph();
	struct ng_node *t = ngt_socket(g, &conn), *n;
	struct sockaddr_in sin = sin_of(0xc6336401, 8080);
	const struct ng_ksocket_accept *ka;
	const struct ng_mesg *r;
	struct ng_ksock *ls;
	int32_t backlog = 5, v;
	char path[32];

	ngt_name(t, ".", "t");
	ngt_mkpeer(t, ".", "ksocket", "l", "inet/stream/tcp");
	ls = sock_of(ngt_node(t, ".:l"));
	ngt_msg(t, ".:l", NGM_KSOCKET_COOKIE, NGM_KSOCKET_BIND, &sin,
	    sizeof(sin));
	CHECK_INT("accept before listen: EINVAL",
	    ngt_msg(t, ".:l", NGM_KSOCKET_COOKIE, NGM_KSOCKET_ACCEPT, NULL, 0),
	    EINVAL);
	CHECK_INT("listen",
	    ngt_msg(t, ".:l", NGM_KSOCKET_COOKIE, NGM_KSOCKET_LISTEN, &backlog,
		4),
	    0);
	ngt_clear(&conn);
	CHECK_INT("accept with nobody waiting",
	    ngt_msg(t, ".:l", NGM_KSOCKET_COOKIE, NGM_KSOCKET_ACCEPT, NULL, 0),
	    0);
	CHECK_INT("no reply yet", conn.nmsgs, 0);
	CHECK_INT("a second accept meanwhile: EALREADY",
	    ngt_msg(t, ".:l", NGM_KSOCKET_COOKIE, NGM_KSOCKET_ACCEPT, NULL, 0),
	    EALREADY);
	fake_pending = 1;
	ls->up->event(ls->node, NG_KSOCK_ACCEPTABLE, 0);
	r = ngt_last_msg(&conn);
	ka = r != NULL ? (const struct ng_ksocket_accept *)r->data : NULL;
	CHECK("a connection came: the reply names a new node",
	    r != NULL && (r->header.flags & NGF_RESP) &&
		r->header.cmd == NGM_KSOCKET_ACCEPT &&
		r->header.arglen == 4 + sizeof(struct sockaddr_in));
	CHECK_INT("two ksocket nodes", ngt_count_type(g, "ksocket"), 2);
	snprintf(path, sizeof(path), "[%x]:", ka != NULL ? ka->nodeid : 0);
	n = ngt_node(t, path);
	CHECK("it is a ksocket",
	    n != NULL && strcmp(n->type->name, "ksocket") == 0);
	CHECK("the reply came from it",
	    r != NULL && n != NULL && conn.from[conn.nmsgs - 1] == n->id);
	CHECK("its socket is not read until it has a hook",
	    sock_of(n) != NULL && !sock_of(n)->reading);
	CHECK_INT("its hook may have any name",
	    ngt_connect(t, path, "t:", "data", "c"), 0);
	CHECK("now it reads", sock_of(n) != NULL && sock_of(n)->reading);

	/* A second connection, left without a hook, dies with L. */
	fake_pending = 1;
	ngt_clear(&conn);
	CHECK_INT("accept with one waiting",
	    ngt_msg(t, ".:l", NGM_KSOCKET_COOKIE, NGM_KSOCKET_ACCEPT, NULL, 0),
	    0);
	CHECK_INT("replies at once", conn.nmsgs, 1);
	CHECK_INT("three ksocket nodes", ngt_count_type(g, "ksocket"), 3);
	CHECK_INT("shut the listener down", ngt_shutdown(t, ".:l"), 0);
	CHECK_INT("its hookless child went with it, the other stays",
	    ngt_count_type(g, "ksocket"), 1);

	/* The stream's end: an empty frame, once. */
	ngt_clear(&conn);
	sock_of(n)->up->event(n, NG_KSOCK_EOF, 0);
	sock_of(n)->up->event(n, NG_KSOCK_EOF, 0);
	CHECK("EOF is one empty frame",
	    conn.nframes == 1 && ngt_frame(&conn, 0)->len == 0);

	/* connect on a stream: EINPROGRESS, the outcome later */
	ngt_mkpeer(t, ".", "ksocket", "c2", "inet/stream/tcp");
	fake_connect_async = true;
	CHECK_INT("connect: EINPROGRESS",
	    ngt_msg(t, ".:c2", NGM_KSOCKET_COOKIE, NGM_KSOCKET_CONNECT, &sin,
		sizeof(sin)),
	    EINPROGRESS);
	CHECK_INT("again meanwhile: EALREADY",
	    ngt_msg(t, ".:c2", NGM_KSOCKET_COOKIE, NGM_KSOCKET_CONNECT, &sin,
		sizeof(sin)),
	    EALREADY);
	ngt_clear(&conn);
	ls = sock_of(ngt_node(t, ".:c2"));
	ls->up->event(ls->node, NG_KSOCK_CONNECTED, ECONNREFUSED);
	r = ngt_last_msg(&conn);
	memcpy(&v, r != NULL ? r->data : "\0\0\0", 4);
	CHECK("the reply says how it ended",
	    r != NULL && r->header.cmd == NGM_KSOCKET_CONNECT &&
		v == ECONNREFUSED);
	fake_connect_async = false;
	ngt_close(&conn);
	ng_graph_free(g);
	CHECK_INT("every socket closed", fake_open - fake_closed, 0);
}

int
main(void)
{
	test_hooks();
	test_messages();
	test_data();
	test_accept();
	return ngt_done();
}
