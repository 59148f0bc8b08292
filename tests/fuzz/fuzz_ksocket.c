/*
 * fuzz_ksocket.c: ksocket nodes (src/nodes/ng_ksocket.c) fed what a
 * peer on the wire sends them, on a fake socket backend that behaves as
 * ngd's (src/ngd/sockdev.c) does: datagrams of any length and content
 * from senders of any address (as recvmmsg fills it in), trains of them
 * (UDP_GRO, once asked for), a stream's bytes in pieces and its end,
 * connects that end later, connections waiting on a listener; with the
 * nodes' messages (their arguments from the input), frames from the
 * graph, and hooks coming and going in between, also from a delivery to
 * us in the middle of the input that made it (fz_cut, fuzz.h).
 *
 *   sock (the fuzzer) xi --- inner [vxlan X] outer --- inet/dgram/udp [K0]
 *                     k1 --- inet6/dgram/udp [K1]
 *                     k2 --- inet/stream/tcp [K2]
 *   and what accept makes, and ksockets the input makes.
 *
 * Input: operations, each one byte then its operands (see the switch at
 * the end).  Checked: no crash, leak or undefined behaviour (ASan,
 * UBSan); what a ksocket hands the backend to send fits its buffer and
 * carries an address the socket can take; every packet back in the pool
 * and every socket closed at the end.
 */
#include <arpa/inet.h>
#include <netinet/udp.h>
#include <sys/un.h>

#include <netgraph/ng_ksocket.h>
#include <netgraph/ng_vxlan.h>

#include "fuzz.h"
#include "ng_ksock.h"

#ifndef FUZZ_ENTRY
#define FUZZ_ENTRY LLVMFuzzerTestOneInput
#endif

#define FZK_MAXOPS 256
#define FZK_SOCKS 32

/* --- a fake socket backend ---------------------------------------------- */

/*
 * One socket.  The backend's struct ng_ksock is opaque to the node; the
 * replay test (test_fuzz_regress.c) includes ngd's sockdev.c, which
 * defines it, so this fake is a struct of its own, cast at the edge.
 */
struct fzk_sock {
	bool live;
	int family, type;
	struct ng_node *node; /* NULL until attach */
	const struct ng_ksock_upcalls *up;
	bool reading, listening, connected, gro;
	bool want_connect; /* connect said EINPROGRESS */
	bool want_accept;  /* accept said EWOULDBLOCK */
	bool eof;          /* a stream's end was told */
	unsigned pending;  /* connections waiting */
};

static struct fzk_sock fzk_socks[FZK_SOCKS];
static unsigned fzk_sent;

static struct fzk_sock *
fzk_s(struct ng_ksock *s)
{
	return (struct fzk_sock *)(void *)s;
}

static struct fzk_sock *
fzk_new(void)
{
	for (unsigned i = 0; i < FZK_SOCKS; i++)
		if (!fzk_socks[i].live) {
			memset(&fzk_socks[i], 0, sizeof(fzk_socks[i]));
			fzk_socks[i].live = true;
			return &fzk_socks[i];
		}
	return NULL;
}

static int
fzk_open(void *be, int family, int type, int proto,
    const struct ng_ksock_upcalls *up, struct ng_node *node,
    struct ng_ksock **sp)
{
	struct fzk_sock *s;

	(void)be;
	(void)proto;
	if (family != AF_INET && family != AF_INET6 && family != AF_UNIX)
		return EAFNOSUPPORT;
	if (type != SOCK_DGRAM && type != SOCK_STREAM && type != SOCK_RAW &&
	    type != SOCK_SEQPACKET)
		return EPROTOTYPE;
	if ((s = fzk_new()) == NULL)
		return ENFILE;
	s->family = family;
	s->type = type;
	s->up = up;
	s->node = node;
	*sp = (struct ng_ksock *)(void *)s;
	return 0;
}

static void
fzk_close(void *be, struct ng_ksock *so)
{
	(void)be;
	if (so != NULL) {
		FUZZ_ASSERT(fzk_s(so)->live);
		fzk_s(so)->live = false;
	}
}

static void
fzk_resume(void *be, struct ng_ksock *so, bool on)
{
	(void)be;
	fzk_s(so)->reading = on;
}

/* An address the kernel would look at: len bytes, read whole. */
static int
fzk_addr(const struct fzk_sock *s, const struct sockaddr *sa, socklen_t len)
{
	struct sockaddr_storage ss;

	FUZZ_ASSERT(len <= sizeof(ss));
	memcpy(&ss, sa, len);
	if (len < sizeof(sa_family_t) || ss.ss_family != s->family)
		return EAFNOSUPPORT;
	if ((s->family == AF_INET && len < sizeof(struct sockaddr_in)) ||
	    (s->family == AF_INET6 && len < sizeof(struct sockaddr_in6)))
		return EINVAL;
	return 0;
}

static int
fzk_bind(void *be, struct ng_ksock *so, const struct sockaddr *sa,
    socklen_t len)
{
	(void)be;
	return fzk_addr(fzk_s(so), sa, len);
}

static int
fzk_listen(void *be, struct ng_ksock *so, int backlog)
{
	struct fzk_sock *s = fzk_s(so);

	(void)be;
	(void)backlog;
	if (s->type != SOCK_STREAM && s->type != SOCK_SEQPACKET)
		return EOPNOTSUPP;
	s->listening = true;
	return 0;
}

static int
fzk_connect(void *be, struct ng_ksock *so, const struct sockaddr *sa,
    socklen_t len)
{
	struct fzk_sock *s = fzk_s(so);
	int error;

	(void)be;
	if ((error = fzk_addr(s, sa, len)) != 0)
		return error;
	if (s->connected || s->listening)
		return EISCONN;
	if (s->type == SOCK_STREAM) {
		s->want_connect = true;
		return EINPROGRESS;
	}
	s->connected = true;
	return 0;
}

static int
fzk_accept(void *be, struct ng_ksock *so, struct ng_ksock **newp,
    struct sockaddr_storage *sa, socklen_t *len)
{
	struct fzk_sock *s = fzk_s(so), *ns;
	struct sockaddr_in sin = { .sin_family = AF_INET };

	(void)be;
	if (!s->listening)
		return EINVAL;
	if (s->pending == 0) {
		s->want_accept = true;
		return EWOULDBLOCK;
	}
	if ((ns = fzk_new()) == NULL)
		return ENFILE;
	s->pending--;
	ns->family = s->family;
	ns->type = s->type;
	ns->up = s->up;
	ns->connected = true;
	sin.sin_addr.s_addr = htonl(0xcb007101 + s->pending);
	sin.sin_port = htons(40000);
	memcpy(sa, &sin, sizeof(sin));
	*len = sizeof(sin);
	*newp = (struct ng_ksock *)(void *)ns;
	return 0;
}

static void
fzk_attach(void *be, struct ng_ksock *so, struct ng_node *node)
{
	(void)be;
	fzk_s(so)->node = node;
}

static int
fzk_getname(void *be, struct ng_ksock *so, bool peer,
    struct sockaddr_storage *sa, socklen_t *len)
{
	struct fzk_sock *s = fzk_s(so);

	(void)be;
	if (peer && !s->connected)
		return ENOTCONN;
	memset(sa, 0, sizeof(*sa));
	sa->ss_family = (sa_family_t)s->family;
	*len = s->family == AF_INET ? sizeof(struct sockaddr_in) :
	    s->family == AF_INET6   ? sizeof(struct sockaddr_in6) :
				      sizeof(sa_family_t);
	return 0;
}

static int
fzk_setopt(void *be, struct ng_ksock *so, int level, int name, const void *val,
    socklen_t len)
{
	struct fzk_sock *s = fzk_s(so);
	uint8_t v[NG_KSOCKET_MAX_OPTLEN + 64];

	(void)be;
	if (len > sizeof(v))
		return EINVAL;
	memcpy(v, val, len);
	if (level == SOL_UDP && name == UDP_GRO) {
		if (s->type != SOCK_DGRAM || len < sizeof(int))
			return ENOPROTOOPT;
		s->gro = v[0] != 0;
		return 0;
	}
	return level == SOL_SOCKET ? 0 : ENOPROTOOPT;
}

static int
fzk_getopt(void *be, struct ng_ksock *so, int level, int name, void *val,
    socklen_t *len)
{
	(void)be;
	(void)so;
	if (level != SOL_SOCKET)
		return ENOPROTOOPT;
	/* Any length up to the room given, as the kernel's varies. */
	*len = (socklen_t)((unsigned)name % (*len + 1));
	memset(val, 0x5a, *len);
	return 0;
}

static int
fzk_send(void *be, struct ng_ksock *so, const struct ng_pkt *pkt,
    const struct sockaddr *to, socklen_t tolen)
{
	struct fzk_sock *s = fzk_s(so);
	struct sockaddr_storage ss;
	uint8_t sum = 0;

	(void)be;
	FUZZ_ASSERT(s->live);
	FUZZ_ASSERT(pkt->data >= pkt->buf &&
	    pkt->data + pkt->len <= pkt->buf + NG_PKT_BUFSIZE);
	for (uint32_t i = 0; i < pkt->len; i++)
		sum += pkt->data[i];
	(void)sum;
	if (to != NULL) {
		FUZZ_ASSERT(tolen <= sizeof(ss));
		memcpy(&ss, to, tolen);
		if (s->type == SOCK_STREAM)
			return EISCONN;
	} else if (!s->connected && s->type != SOCK_STREAM) {
		return EDESTADDRREQ;
	}
	fzk_sent++;
	return 0;
}

static const struct ng_ksock_ops fzk_ops = {
	.open = fzk_open,
	.close = fzk_close,
	.resume = fzk_resume,
	.bind = fzk_bind,
	.listen = fzk_listen,
	.connect = fzk_connect,
	.accept = fzk_accept,
	.attach = fzk_attach,
	.getname = fzk_getname,
	.setopt = fzk_setopt,
	.getopt = fzk_getopt,
	.send = fzk_send,
};

/* --- the graph ------------------------------------------------------------ */

static struct ng_graph *
fzk_graph_new(void)
{
	static const struct ng_backend ks = { NGM_KSOCKET_COOKIE, &fzk_ops,
		NULL };

	memset(fzk_socks, 0, sizeof(fzk_socks));
	return fz_graph_with(NULL, &ks);
}

static struct ng_node *
fzk_make(struct ng_graph *g, struct fz_client *c)
{
	struct ng_node *sock = fz_socket(g, c);
	uint32_t vni = 42;

	if (sock == NULL)
		return NULL;
	FUZZ_ASSERT(ngt_mkpeer(sock, ".", "vxlan", "xi", "inner") == 0);
	FUZZ_ASSERT(ngt_name(sock, ".:xi", "X") == 0);
	FUZZ_ASSERT(ngt_msg(sock, "X:", NGM_VXLAN_COOKIE, NGM_VXLAN_SET_VNI,
			&vni, sizeof(vni)) == 0);
	FUZZ_ASSERT(ngt_mkpeer(sock, "X:", "ksocket", "outer",
			"inet/dgram/udp") == 0);
	FUZZ_ASSERT(ngt_name(sock, "X:outer", "K0") == 0);
	FUZZ_ASSERT(ngt_mkpeer(sock, ".", "ksocket", "k1", "inet6/dgram/udp") ==
	    0);
	FUZZ_ASSERT(ngt_name(sock, ".:k1", "K1") == 0);
	FUZZ_ASSERT(ngt_mkpeer(sock, ".", "ksocket", "k2", "inet/stream/tcp") ==
	    0);
	FUZZ_ASSERT(ngt_name(sock, ".:k2", "K2") == 0);
	return sock;
}

/* The i-th live socket that has a node, or NULL. */
static struct fzk_sock *
fzk_pick(uint8_t i)
{
	unsigned n = 0;

	for (unsigned k = 0; k < FZK_SOCKS; k++)
		n += fzk_socks[k].live && fzk_socks[k].node != NULL;
	if (n == 0)
		return NULL;
	i %= n;
	for (unsigned k = 0; k < FZK_SOCKS; k++)
		if (fzk_socks[k].live && fzk_socks[k].node != NULL && i-- == 0)
			return &fzk_socks[k];
	return NULL;
}

/* A sender's address as recvmmsg gives it: a family, len bytes. */
static void
fzk_sender(struct fz_in *in, struct ng_pkt_addr *pa)
{
	uint8_t how = fz_u8(in);
	size_t n;
	const uint8_t *b;

	memset(pa, 0, sizeof(*pa));
	switch (how & 3) {
	case 0: /* none (a connected stream) */
		return;
	case 1:
		pa->u.sin.sin_family = AF_INET;
		pa->u.sin.sin_addr.s_addr = htonl(0xc6336400 | fz_u8(in));
		pa->u.sin.sin_port = htons((uint16_t)(4789 + (how >> 7)));
		pa->len = sizeof(pa->u.sin);
		return;
	case 2:
		pa->u.sin6.sin6_family = AF_INET6;
		pa->u.sin6.sin6_addr.s6_addr[0] = 0x20;
		pa->u.sin6.sin6_addr.s6_addr[1] = 0x01;
		pa->u.sin6.sin6_addr.s6_addr[2] = 0x0d;
		pa->u.sin6.sin6_addr.s6_addr[3] = 0xb8;
		pa->u.sin6.sin6_addr.s6_addr[15] = fz_u8(in);
		pa->u.sin6.sin6_port = htons(4789);
		pa->len = sizeof(pa->u.sin6);
		return;
	case 3: /* anything up to the room (an unnamed AF_UNIX peer: 2) */
		b = fz_bytes(in, fz_u8(in) % (sizeof(pa->u) + 1), &n);
		memcpy(&pa->u, b, n);
		pa->len = (uint8_t)n;
		return;
	}
}

/*
 * What a delivery to us does in the middle of a ksocket's input (a
 * train's datagrams go up one by one): the ksocket that is reading goes,
 * or the vxlan node, or one of our hooks (fz_cut, fuzz.h).
 */
static ng_id_t fzk_cut_id; /* the ksocket whose input runs */
static uint8_t fzk_cut_how;

static void
fzk_cut(void *arg)
{
	static const char *const ours[] = { "xi", "k1", "k2" };
	struct ng_node *sock = arg;
	struct ng_hook *hk;
	char path[16];

	switch (fzk_cut_how % 3) {
	case 0:
		snprintf(path, sizeof(path), "[%x]:", fzk_cut_id);
		(void)ngt_shutdown(sock, path);
		break;
	case 1:
		(void)ngt_shutdown(sock, "X:");
		break;
	default:
		if ((hk = ng_find_hook(sock, ours[fzk_cut_how / 3 % 3])) !=
		    NULL)
			ng_rmhook(hk);
		break;
	}
}

/*
 * What the wire gave a socket: a datagram (or a train, when UDP_GRO is
 * on), or a piece of a stream; maybe a VXLAN header for VNI 42 first.
 */
static void
fzk_wire(struct ng_graph *g, struct fz_in *in, uint8_t op)
{
	struct fzk_sock *s = fzk_pick(fz_u8(in));
	struct ng_pkt *p;
	const uint8_t *b;
	size_t n, room = NG_PKT_BUFSIZE - NG_PKT_HEADROOM;

	if (s == NULL || !s->reading || s->eof || s->listening ||
	    (p = ng_pkt_alloc(g)) == NULL)
		return;
	if (op & 0x10) {
		memcpy(p->data, "\x08\0\0\0\0\0\x2a\0", 8);
		p->len = 8;
	}
	b = fz_bytes(in, fz_u16(in) % (room - p->len + 1), &n);
	memcpy(p->data + p->len, b, n);
	p->len += (uint32_t)n;
	if (s->type != SOCK_STREAM)
		fzk_sender(in, &p->peer);
	if (s->gro && s->type == SOCK_DGRAM && (op & 0x20)) {
		/* As sockdev's ngd_sock_gro_size: 0 < seg < len. */
		uint16_t seg = fz_u16(in);

		if (seg > 0 && p->len > seg) {
			p->vh.gso_type = NG_GSO_DGRAMS;
			p->vh.gso_size = seg;
		}
	}
	fzk_cut_id = s->node->id;
	s->up->input(s->node, &p); /* consumes p */
	FUZZ_ASSERT(p == NULL);
}

/* What the backend tells a node, when it would. */
static void
fzk_event(struct fz_in *in)
{
	struct fzk_sock *s = fzk_pick(fz_u8(in));
	uint8_t what = fz_u8(in);

	if (s == NULL)
		return;
	switch (what % 3) {
	case 0: /* a connect ended, well or not */
		if (!s->want_connect)
			return;
		s->want_connect = false;
		s->connected = (what & 0x80) == 0;
		s->up->event(s->node, NG_KSOCK_CONNECTED,
		    s->connected ? 0 : ECONNREFUSED);
		break;
	case 1: /* a connection comes */
		if (!s->listening)
			return;
		s->pending++;
		if (s->want_accept) {
			s->want_accept = false;
			s->up->event(s->node, NG_KSOCK_ACCEPTABLE, 0);
		}
		break;
	case 2: /* the peer closed the stream */
		if (s->type != SOCK_STREAM || !s->reading || s->eof ||
		    s->listening)
			return;
		s->eof = true;
		s->up->event(s->node, NG_KSOCK_EOF, 0);
		break;
	}
}

/* A message to one of the ksocket nodes, its argument from the input. */
static void
fzk_msg(struct ng_node *sock, struct fz_in *in)
{
	struct fzk_sock *s = fzk_pick(fz_u8(in));
	uint8_t cmd = fz_u8(in), how = fz_u8(in);
	union {
		struct ng_ksocket_sockopt ko;
		struct sockaddr_in sin;
		struct sockaddr_in6 sin6;
		uint8_t b[sizeof(struct ng_ksocket_sockopt) +
		    NG_KSOCKET_MAX_OPTLEN + 8];
	} arg;
	char path[16];
	size_t len = 0, n;
	const uint8_t *b;

	if (s == NULL)
		return;
	snprintf(path, sizeof(path), "[%x]:", s->node->id);
	memset(&arg, 0, sizeof(arg));
	cmd = (uint8_t)(1 + cmd % NGM_KSOCKET_GETOPT);
	switch (how & 3) {
	case 0: /* a well-formed address or option for the command */
		if (cmd == NGM_KSOCKET_SETOPT || cmd == NGM_KSOCKET_GETOPT) {
			arg.ko.level = how & 4 ? SOL_UDP : SOL_SOCKET;
			arg.ko.name = how & 4 ? UDP_GRO : fz_u8(in);
			len = sizeof(arg.ko) +
			    (cmd == NGM_KSOCKET_SETOPT ? sizeof(int32_t) : 0);
			arg.ko.value[0] = fz_u8(in);
		} else if (cmd == NGM_KSOCKET_LISTEN) {
			arg.b[0] = fz_u8(in);
			len = 4;
		} else if (cmd != NGM_KSOCKET_BIND &&
		    cmd != NGM_KSOCKET_CONNECT) {
			len = 0;
		} else if (s->family == AF_INET6) {
			arg.sin6.sin6_family = AF_INET6;
			arg.sin6.sin6_addr.s6_addr[15] = fz_u8(in);
			arg.sin6.sin6_port = htons(fz_u16(in));
			len = sizeof(arg.sin6);
		} else {
			arg.sin.sin_family = AF_INET;
			arg.sin.sin_addr.s_addr = htonl(0xc6336400 | fz_u8(in));
			arg.sin.sin_port = htons(fz_u16(in));
			len = sizeof(arg.sin);
		}
		break;
	default: /* the input's bytes */
		b = fz_bytes(in, fz_u16(in) % (sizeof(arg) + 1), &n);
		memcpy(&arg, b, n);
		len = n;
		break;
	}
	(void)ngt_msg(sock, path, NGM_KSOCKET_COOKIE, cmd, &arg, len);
}

/* Hooks of ours, on the nodes accept made and those made here. */
static const char *const fzk_names[] = {
	"inet/dgram/udp",
	"inet6/stream/tcp",
	"local/dgram/0",
	"inet/raw/icmp",
	"2/2/17",
	"inet/seqpacket/0",
	"inet6/dgram/999999999",
	"divert/raw/0",
	"inet/dgram",
	"",
};
#define FZK_NNAMES (sizeof(fzk_names) / sizeof(fzk_names[0]))

/* One of our hooks: a name, and what it joins. */
static void
fzk_hooks(struct ng_node *sock, struct fz_in *in, uint8_t op)
{
	uint8_t i = fz_u8(in), j = fz_u8(in);
	char ours[16], path[16];
	struct ng_hook *hk;
	struct fzk_sock *s;

	snprintf(ours, sizeof(ours), "h%u", i % 8);
	if ((hk = ng_find_hook(sock, ours)) != NULL) {
		ng_rmhook(hk);
		return;
	}
	if (op & 0x10) { /* a new ksocket */
		(void)ngt_mkpeer(sock, ".", "ksocket", ours,
		    fzk_names[j % FZK_NNAMES]);
		return;
	}
	/* join a node that has no hook yet (accept's) */
	if ((s = fzk_pick(j)) == NULL)
		return;
	snprintf(path, sizeof(path), "[%x]:", s->node->id);
	(void)ngt_connect(sock, ".", path, ours, fzk_names[i % FZK_NNAMES]);
}

/* A frame from the graph into a ksocket (or the vxlan's inner). */
static void
fzk_frame(struct ng_node *sock, struct fz_in *in, uint8_t op)
{
	static const char *const hooks[] = { "xi", "k1", "k2", "h0", "h1", "h2",
		"h3", "h4" };
	const char *hook = hooks[fz_u8(in) % 8];
	struct ng_pkt *p = ng_pkt_alloc(sock->graph);
	const uint8_t *b;
	size_t n;

	if (p == NULL)
		return;
	if (op & 0x10)
		fz_vnet_hdr(in, p);
	if (op & 0x20)
		fzk_sender(in, &p->peer);
	if (op & 0x40)
		p->peer.owner = fz_u32(in);
	b = fz_bytes(in, fz_u16(in) % (NG_PKT_BUFSIZE - NG_PKT_HEADROOM + 1),
	    &n);
	memcpy(p->data, b, n);
	p->len = (uint32_t)n;
	(void)ng_socket_send_data(sock, hook, &p); /* consumes p */
	FUZZ_ASSERT(p == NULL);
}

static bool
fzk_op(struct ng_graph *g, struct ng_node *sock, struct fz_in *in, uint8_t op)
{
	switch (op & 0x0f) {
	case 0:
	case 1:
	case 2:
	case 3:
		/* maybe with a delivery that changes the graph (0x40) */
		if (op & 0x40) {
			uint8_t k = fz_u8(in);

			fz_cut = 1 + k % 4u;
			fzk_cut_how = k >> 2;
			fz_cut_fn = fzk_cut;
			fz_cut_arg = sock;
		}
		fzk_wire(g, in, op);
		fz_cut = 0;
		break;
	case 4:
	case 5:
		fzk_event(in);
		break;
	case 6:
	case 7:
		fzk_msg(sock, in);
		break;
	case 8:
		fzk_hooks(sock, in, op);
		break;
	case 9:
	case 10:
		fzk_frame(sock, in, op);
		break;
	case 11: { /* vxlan: a message, or time passes */
		static const uint32_t cmds[] = { NGM_VXLAN_GET_TABLE,
			NGM_VXLAN_GET_STATS, NGM_VXLAN_GET_CONFIG,
			NGM_VXLAN_FLUSH };

		if (op & 0x10) {
			fz_now += (uint64_t)fz_u16(in) * 100;
			(void)ng_timers_run(g);
		} else {
			(void)ngt_msg(sock, "X:", NGM_VXLAN_COOKIE,
			    cmds[fz_u8(in) % 4], NULL, 0);
		}
		break;
	}
	case 12: { /* a node goes */
		struct fzk_sock *s = fzk_pick(fz_u8(in));
		char path[16];

		if (s != NULL && (op & 0x10)) {
			snprintf(path, sizeof(path), "[%x]:", s->node->id);
			(void)ngt_shutdown(sock, path);
		}
		break;
	}
	default:
		break;
	}
	return true;
}

int FUZZ_ENTRY(const uint8_t *data, size_t size);

int
FUZZ_ENTRY(const uint8_t *data, size_t size)
{
	(void)fz_run_on(fzk_graph_new(), data, size, FZK_MAXOPS, fzk_make, NULL,
	    fzk_op);
	for (unsigned k = 0; k < FZK_SOCKS; k++)
		FUZZ_ASSERT(!fzk_socks[k].live);
	return 0;
}
