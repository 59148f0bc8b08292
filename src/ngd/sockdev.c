/*
 * sockdev.c: the backend of ksocket nodes (src/nodes/ng_ksock.h).  Each
 * node's socket is a non-blocking descriptor in ngd's network namespace,
 * watched by the event loop only for what the node waits for: input
 * while its hook is joined, a connection while an accept is pending, the
 * end of a connect, room for a stream's queued bytes.
 *
 * Costs: datagrams are read up to NGD_SOCK_BATCH at a time with one
 * recvmmsg into packets from the graph's pool (no allocation per frame).
 * A socket's turn ends, as a TAP's does (ngd_batch_spent), once the
 * frames it gave the graph cost NG_BATCH_SENDS deliveries: a datagram
 * into a storm (a loop of flooding nodes) costs up to NG_MAX_SENDS, and
 * 32 of them held the loop for half a million.  What the recvmmsg read
 * beyond that waits in the socket (rx, held against its budget of held
 * packets) and goes first in the next turn of the loop, from the
 * before-sleep hook if the kernel has no more (no system call for it).
 * Datagrams sent while the loop handles a pass of events are queued (a
 * packet reference each) and go out together after it, one sendmmsg
 * per socket and run (ngd_sockdev_flush): the 45 datagrams of a TAP's
 * super-frame cost one system call.  An error from the kernel then no
 * longer reaches the sender: a frame the kernel refused (EAGAIN, ENOBUFS:
 * no room) is counted where a refusal at once would have been, in the
 * recvDrops of the node's hook (ngd_sock_dropped), and in the log.
 * A stream keeps what the kernel would not take yet in a queue of packet
 * references, at most NGD_SOCK_QMAX of them and within the node's
 * budget of held packets (ng_pkt_hold), so a peer that stops reading
 * cannot take the graph's packet pool; beyond that frames are refused
 * with ENOBUFS, as a full socket buffer refuses a non-blocking write.
 *
 * Datagram trains (ng_ksock.h) leave with one message each, its segment
 * size in a UDP_SEGMENT control message: the kernel carries the 45
 * datagrams of a super-frame through its stack as one (and cuts them at
 * the device, or hands them whole to a receiver that takes GRO).  If
 * the kernel refuses that, they go as single datagrams.  A socket with
 * UDP_GRO on (setopt) reads what the kernel merged as one train.
 */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <netinet/udp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <syslog.h>
#include <unistd.h>
#include <linux/if_packet.h>

#include "ngd.h"
#include "ng_ksock.h"

#define NGD_SOCK_BATCH 32  /* datagrams per recvmmsg */
#define NGD_SOCK_READS 16  /* stream reads per wake-up */
#define NGD_SOCK_QMAX 1024 /* frames a stream may hold back */
/*
 * A datagram socket's buffers, each way.  A TAP's 64 KiB super-frame
 * leaves as some 45 datagrams at once, faster than a busy machine moves
 * them on; with the default 208 KiB the socket says EAGAIN and frames
 * are lost (measured: TCP through vxlan at 0.04 Gbit/s).
 */
#define NGD_SOCK_DGRAM_BUF (4 << 20)

struct ngd_sock_q {
	struct ng_pkt *pkt;
	uint32_t off; /* bytes of it already sent */
	bool held;    /* counted in the socket's hold */
};

struct ng_ksock {
	struct ngd_io io;
	struct ngd_sockdev *sd; /* the backend that made it */
	struct ng_node *node;   /* NULL until attach (accepted sockets) */
	const struct ng_ksock_upcalls *up;
	int type;
	uint32_t events; /* what epoll watches now (0: not registered) */
	bool reading;    /* resume(on) */
	bool listening;
	bool want_accept;     /* accept said EWOULDBLOCK */
	bool want_connect;    /* connect said EINPROGRESS */
	bool eof;             /* a stream ended: nothing more to read */
	bool gro;             /* UDP_GRO is on: input gives trains */
	bool adopted;         /* handed over by the ngd taken over */
	struct ngd_sock_q *q; /* a stream's bytes not sent yet (ring) */
	unsigned qhead, qlen;
	struct ng_hold hold; /* what q (or rx) holds of the packet pool */
	/* Datagrams read and not given yet: the turn's budget was spent. */
	struct ng_pkt *rx[NGD_SOCK_BATCH];
	unsigned rx_next, rx_n;
	bool rx_held;  /* rx[rx_next..rx_n) are counted in hold */
	bool later;    /* on sd->later: rx waits for the next turn */
	unsigned turn; /* sd->turn when the socket was last read */
	struct ng_ksock *later_next;
	struct ng_ksock *all_next, **all_prev; /* sd->all */
};

static void ngd_sock_event(void *arg, uint32_t events);
static void ngd_sockdev_later(struct ngd_sockdev *sd);

/* A datagram waiting for the end of the loop's pass. */
struct ngd_sock_tx {
	struct ng_ksock *s;
	struct ng_pkt *pkt;
	struct ng_pkt_addr to; /* len 0: the connected peer */
};

/* The backend's state (the arg of ksocket's ng_backend). */
struct ngd_sockdev {
	struct ngd_loop *loop;
	struct ngd_sleep_hook flush_hook; /* sends txq before each sleep */
	struct ngd_sock_tx txq[NGD_SOCK_BATCH * 2];
	unsigned ntx;
	unsigned long txerrs;
	unsigned long truncs;   /* datagrams too long: ngd_sock_truncated */
	struct ng_ksock *all;   /* every open socket (a takeover hands them) */
	struct ng_ksock *later; /* sockets whose rx waits for the next turn */
	unsigned turn;          /* the loop's turns (before-sleep hooks) */
	/* A takeover: the old ngd's sockets, by the node that gets each. */
	struct ngd_sock_expect {
		const struct ng_node *node;
		int fd;
	} * expect;
	size_t nexpect;
};

/* The oldest frame a stream holds back: sent or dropped, let go. */
static void
ngd_sock_q_pop(struct ng_ksock *s)
{
	struct ngd_sock_q *e = &s->q[s->qhead];

	if (e->held)
		ng_pkt_release(e->pkt->graph, &s->hold, e->pkt);
	ng_pkt_free(&e->pkt);
	s->qhead = (s->qhead + 1) % NGD_SOCK_QMAX;
	s->qlen--;
}

/* What rx held is let go: given to the node, or dropped. */
static struct ng_pkt *
ngd_sock_rx_take(struct ng_ksock *s)
{
	struct ng_pkt *p = s->rx[s->rx_next];

	s->rx[s->rx_next++] = NULL;
	if (s->rx_held)
		ng_pkt_release(p->graph, &s->hold, p);
	if (s->rx_next == s->rx_n) {
		s->rx_next = s->rx_n = 0;
		s->rx_held = false;
	}
	return p;
}

/* Off sd->later, if on it. */
static void
ngd_sock_unlater(struct ng_ksock *s)
{
	for (struct ng_ksock **pp = &s->sd->later; *pp != NULL;
	     pp = &(*pp)->later_next)
		if (*pp == s) {
			*pp = s->later_next;
			s->later_next = NULL;
			s->later = false;
			return;
		}
}

/* The datagrams read and not given (the socket closes or pauses). */
static void
ngd_sock_rx_drop(struct ng_ksock *s)
{
	while (s->rx_n > 0) {
		struct ng_pkt *p = ngd_sock_rx_take(s);

		ng_pkt_free(&p);
	}
	if (s->later)
		ngd_sock_unlater(s);
}

/*
 * The turn's budget is spent (since: ng_sends when it began) with
 * datagrams left in rx: they wait for the next turn, held against the
 * socket's budget of held packets.  False if they may not be held (the
 * pool's share for held frames is taken): they go now, over the budget,
 * rather than be lost.
 */
static bool
ngd_sock_rx_keep(struct ng_ksock *s)
{
	if (!s->rx_held) {
		struct ng_graph *g = s->rx[s->rx_next]->graph;
		unsigned i;

		for (i = s->rx_next; i < s->rx_n; i++)
			if (!ng_pkt_hold(g, &s->hold, s->rx[i]))
				break;
		if (i < s->rx_n) {
			while (i-- > s->rx_next)
				ng_pkt_release(g, &s->hold, s->rx[i]);
			return false;
		}
		s->rx_held = true;
	}
	if (!s->later) {
		s->later = true;
		s->later_next = s->sd->later;
		s->sd->later = s;
	}
	return true;
}

/*
 * rx to the node, each with its sender, until the frames cost the turn's
 * deliveries (since: ng_sends when the turn began).  True if all went
 * and the socket is still read.
 */
static bool
ngd_sock_rx_give(struct ng_ksock *s, uint64_t since)
{
	while (s->rx_n > 0) {
		struct ng_pkt *p;

		if (ngd_batch_spent(s->node->graph, since) &&
		    ngd_sock_rx_keep(s))
			return false;
		p = ngd_sock_rx_take(s);
		s->up->input(s->node, &p); /* consumes p */
		if (s->io.fd < 0 || !s->reading)
			return false; /* closed or paused meanwhile */
	}
	return true;
}

/* Watch what the node waits for, and nothing else (level-triggered). */
static void
ngd_sock_watch(struct ng_ksock *s)
{
	uint32_t ev = 0;
	int error;

	if (s->io.fd < 0)
		return;
	if (s->listening ? s->want_accept : (s->reading && !s->eof))
		ev |= EPOLLIN;
	if (s->want_connect || s->qlen > 0)
		ev |= EPOLLOUT;
	if (ev == s->events)
		return;
	if (ev == 0)
		ngd_loop_del(s->sd->loop, &s->io);
	else if (s->events == 0)
		error = ngd_loop_add(s->sd->loop, &s->io, ev);
	else
		error = ngd_loop_mod(s->sd->loop, &s->io, ev);
	if (ev != 0 && error != 0) {
		ngd_log(LOG_ERR, "ksocket: cannot watch socket: %s",
		    strerror(error));
		ev = 0;
	}
	s->events = ev;
}

static struct ng_ksock *
ngd_sock_new(struct ngd_sockdev *sd, int fd, int type,
    const struct ng_ksock_upcalls *up, struct ng_node *node)
{
	struct ng_ksock *s = calloc(1, sizeof(*s));

	if (s == NULL)
		return NULL;
	s->sd = sd;
	s->io.fd = fd;
	s->io.fn = ngd_sock_event;
	s->io.arg = s;
	s->type = type;
	s->up = up;
	s->node = node;
	s->all_next = sd->all;
	if (sd->all != NULL)
		sd->all->all_prev = &s->all_next;
	s->all_prev = &sd->all;
	sd->all = s;
	return s;
}

/*
 * A socket the ngd taken over handed to node (takeover.c, journal.c):
 * if it is of the family, type and protocol asked for, it is the node's
 * socket, already bound, connected or listening as it was.  The journal's
 * messages that follow find it so (see ngd_sock_bind, ngd_sock_connect).
 */
static int
ngd_sock_adopt(struct ngd_sockdev *sd, const struct ng_node *node, int family,
    int type, int proto)
{
	int fd = -1, v[3] = { 0, 0, 0 };
	socklen_t l = sizeof(int);

	for (size_t i = 0; i < sd->nexpect; i++)
		if (sd->expect[i].node == node && sd->expect[i].fd >= 0) {
			fd = sd->expect[i].fd;
			sd->expect[i].fd = -1;
			break;
		}
	if (fd < 0)
		return -1;
	if (getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &v[0], &l) < 0 ||
	    (l = sizeof(int), getsockopt(fd, SOL_SOCKET, SO_TYPE, &v[1], &l)) <
		0 ||
	    (l = sizeof(int),
		getsockopt(fd, SOL_SOCKET, SO_PROTOCOL, &v[2], &l)) < 0 ||
	    v[0] != family || v[1] != type || (proto != 0 && v[2] != proto)) {
		close(fd);
		return -1;
	}
	return fd;
}

void
ngd_sockdev_expect(struct ngd_sockdev *sd, const struct ng_node *node, int fd)
{
	struct ngd_sock_expect *e;

	if (fd < 0)
		return;
	e = realloc(sd->expect, (sd->nexpect + 1) * sizeof(*e));
	if (e == NULL) {
		close(fd);
		return;
	}
	sd->expect = e;
	e[sd->nexpect].node = node;
	e[sd->nexpect++].fd = fd;
}

/* The graph is rebuilt: sockets no node took are closed. */
void
ngd_sockdev_expect_done(struct ngd_sockdev *sd)
{
	for (size_t i = 0; i < sd->nexpect; i++)
		if (sd->expect[i].fd >= 0)
			close(sd->expect[i].fd);
	free(sd->expect);
	sd->expect = NULL;
	sd->nexpect = 0;
}

/* Every socket that belongs to a node, for a takeover. */
void
ngd_sockdev_each(struct ngd_sockdev *sd,
    void (*fn)(void *arg, const struct ng_node *node, int fd), void *arg)
{
	for (struct ng_ksock *s = sd->all; s != NULL; s = s->all_next)
		if (s->node != NULL && s->io.fd >= 0)
			fn(arg, s->node, s->io.fd);
}

static int
ngd_sock_open(void *be, int family, int type, int proto,
    const struct ng_ksock_upcalls *up, struct ng_node *node,
    struct ng_ksock **sp)
{
	struct ng_ksock *s;
	int fd;

	*sp = NULL;
	if ((fd = ngd_sock_adopt(be, node, family, type, proto)) >= 0) {
		int on = 0, l;
		socklen_t ol = sizeof(on);

		if ((s = ngd_sock_new(be, fd, type, up, node)) == NULL) {
			close(fd);
			return ENOMEM;
		}
		s->adopted = true;
		l = 0;
		ol = sizeof(l);
		s->listening = getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &l,
				   &ol) == 0 &&
		    l != 0;
		ol = sizeof(on);
		s->gro = type == SOCK_DGRAM &&
		    getsockopt(fd, SOL_UDP, UDP_GRO, &on, &ol) == 0 && on != 0;
		*sp = s;
		return 0;
	}
	/*
	 * A jail's graph served from outside (ngctl -j): its sockets are
	 * opened by the host's root, in the host's file system and PID and
	 * user namespaces, for the jail's root.  A local socket's path
	 * would be looked up in the host's file system (FreeBSD's looks in
	 * the jail's); a netlink socket (audit, generic netlink's taskstats
	 * and the like), vsock or any family the network namespace does
	 * not wholly hold would act on the host as its root.  Only the
	 * jail's own stack's families, then.
	 */
	if (ngd_serves_entered_netns() && family != AF_INET &&
	    family != AF_INET6 && family != AF_PACKET)
		return EPERM;
	fd = socket(family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, proto);
	if (fd < 0)
		return errno;
	if (type == SOCK_DGRAM) {
		int sz = NGD_SOCK_DGRAM_BUF;

		/* Past the sysctl limits when ngd may (root); else those. */
		if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &sz,
			sizeof(sz)) < 0)
			(void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sz,
			    sizeof(sz));
		if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &sz,
			sizeof(sz)) < 0)
			(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz,
			    sizeof(sz));
	}
	if ((s = ngd_sock_new(be, fd, type, up, node)) == NULL) {
		close(fd);
		return ENOMEM;
	}
	*sp = s;
	return 0;
}

static void
ngd_sock_close(void *be, struct ng_ksock *s)
{
	struct ngd_sockdev *sd = be;

	if (s == NULL)
		return;
	for (unsigned i = 0; i < sd->ntx; i++)
		if (sd->txq[i].s == s) {
			ng_pkt_free(&sd->txq[i].pkt);
			sd->txq[i].s = NULL;
		}
	while (s->qlen > 0)
		ngd_sock_q_pop(s);
	free(s->q);
	s->q = NULL;
	ngd_sock_rx_drop(s);
	if (s->all_prev != NULL) {
		*s->all_prev = s->all_next;
		if (s->all_next != NULL)
			s->all_next->all_prev = s->all_prev;
		s->all_prev = NULL;
	}
	if (s->events != 0)
		ngd_loop_close(s->sd->loop, &s->io);
	else if (s->io.fd >= 0)
		close(s->io.fd);
	s->io.fd = -1;
	s->node = NULL;
	ngd_loop_defer_free(s->sd->loop,
	    s); /* an event of this pass may name it */
}

static void
ngd_sock_resume(void *be, struct ng_ksock *s, bool on)
{
	(void)be;
	s->reading = on;
	if (!on)
		ngd_sock_rx_drop(s); /* read for a hook that went */
	ngd_sock_watch(s);
}

/* Whether the socket's own (peer: its peer's) address is sa. */
static bool
ngd_sock_is(struct ng_ksock *s, bool peer, const struct sockaddr *sa,
    socklen_t len)
{
	struct sockaddr_storage ss;
	socklen_t l = sizeof(ss);
	int error = errno, r;

	memset(&ss, 0, sizeof(ss));
	r = peer ? getpeername(s->io.fd, (struct sockaddr *)&ss, &l) :
		   getsockname(s->io.fd, (struct sockaddr *)&ss, &l);
	errno = error;
	return r == 0 && l == len && memcmp(&ss, sa, len) == 0;
}

static int
ngd_sock_bind(void *be, struct ng_ksock *s, const struct sockaddr *sa,
    socklen_t len)
{
	(void)be;
	if (bind(s->io.fd, sa, len) == 0)
		return 0;
	/* A socket handed over is bound already: to this address, fine. */
	if (errno == EINVAL && s->adopted && ngd_sock_is(s, false, sa, len))
		return 0;
	return errno;
}

static int
ngd_sock_listen(void *be, struct ng_ksock *s, int backlog)
{
	(void)be;
	if (listen(s->io.fd, backlog) < 0)
		return errno;
	s->listening = true;
	ngd_sock_watch(s);
	return 0;
}

static int
ngd_sock_connect(void *be, struct ng_ksock *s, const struct sockaddr *sa,
    socklen_t len)
{
	(void)be;
	if (connect(s->io.fd, sa, len) == 0)
		return 0;
	/* A stream handed over is connected already (or on its way). */
	if ((errno == EISCONN || errno == EALREADY) && s->adopted)
		return 0;
	if (errno != EINPROGRESS)
		return errno;
	s->want_connect = true;
	ngd_sock_watch(s);
	return EINPROGRESS;
}

static int
ngd_sock_accept(void *be, struct ng_ksock *s, struct ng_ksock **newp,
    struct sockaddr_storage *sa, socklen_t *len)
{
	struct ng_ksock *ns;
	int fd;

	(void)be;
	*newp = NULL;
	fd = accept4(s->io.fd, (struct sockaddr *)sa, len,
	    SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd < 0) {
		if (errno == EAGAIN || errno == EWOULDBLOCK) {
			s->want_accept = true;
			ngd_sock_watch(s);
			return EWOULDBLOCK;
		}
		return errno;
	}
	s->want_accept = false;
	ngd_sock_watch(s);
	if ((ns = ngd_sock_new(s->sd, fd, s->type, s->up, NULL)) == NULL) {
		close(fd);
		return ENOMEM;
	}
	*newp = ns;
	return 0;
}

static void
ngd_sock_attach(void *be, struct ng_ksock *s, struct ng_node *node)
{
	(void)be;
	s->node = node;
}

static int
ngd_sock_getname(void *be, struct ng_ksock *s, bool peer,
    struct sockaddr_storage *sa, socklen_t *len)
{
	int r;

	(void)be;
	memset(sa, 0, sizeof(*sa));
	if (peer)
		r = getpeername(s->io.fd, (struct sockaddr *)sa, len);
	else
		r = getsockname(s->io.fd, (struct sockaddr *)sa, len);
	return r < 0 ? errno : 0;
}

/*
 * Whether an option's value is plain bytes.  A few the kernel reads as
 * an address in the caller's memory or as a descriptor of its own, and
 * a client's bytes are neither in ngd: the kernel would read and write
 * ngd's memory where the client said (a classic filter's instructions;
 * iptables', arptables', ebtables' and IPVS's entries and counters,
 * copied out to a pointer in the value; a zero-copy receive's control
 * buffer), or use or leave descriptors of ngd's (an eBPF program's,
 * SO_PEERPIDFD's).  Levels not listed here are refused whole: one
 * such (AF_XDP's) registers memory at an address the value names.
 * As root, for any client: a jail's root among them
 * when ngd serves the jail's graph from outside (ngctl -j).
 */
static bool
ngd_sock_opt_plain(int level, int name)
{
	switch (level) {
	case SOL_SOCKET:
		return name != SO_ATTACH_FILTER && name != SO_ATTACH_BPF &&
		    name != SO_ATTACH_REUSEPORT_CBPF &&
		    name != SO_ATTACH_REUSEPORT_EBPF &&
		    name != 77 /* PEERPIDFD */;
	case IPPROTO_IP: /* netfilter's from 64; multicast routing's 200 */
		return name < 64 || (name >= 200 && name < 300);
	case IPPROTO_IPV6: /* ip6tables' among the plain ones */
		return name < 64 || (name > 69 && name < 80) || name == 66 ||
		    name == 67 || (name >= 200 && name < 300);
	case IPPROTO_TCP:
		return name != TCP_ZEROCOPY_RECEIVE;
	case SOL_PACKET:
		return name != PACKET_FANOUT_DATA;
	case IPPROTO_UDP:
	case IPPROTO_UDPLITE:
	case IPPROTO_ICMPV6: /* ICMP6_FILTER: a bitmap */
	case SOL_RAW:        /* ICMP_FILTER: a bitmap */
	case SOL_NETLINK:    /* memberships and flags: ints */
		return true;
	default: /* a level not known to hold only plain values (AF_XDP's
		  * UMEM registration takes an address, for one) */
		return false;
	}
}

static int
ngd_sock_setopt(void *be, struct ng_ksock *s, int level, int name,
    const void *val, socklen_t len)
{
	int on = 0;

	(void)be;
	if (!ngd_sock_opt_plain(level, name))
		return ENOPROTOOPT;
	if (setsockopt(s->io.fd, level, name, val, len) < 0)
		return errno;
	if (level == SOL_UDP && name == UDP_GRO && s->type == SOCK_DGRAM) {
		memcpy(&on, val, len < sizeof(on) ? len : sizeof(on));
		s->gro = on != 0;
	}
	return 0;
}

static int
ngd_sock_getopt(void *be, struct ng_ksock *s, int level, int name, void *val,
    socklen_t *len)
{
	(void)be;
	if (!ngd_sock_opt_plain(level, name))
		return ENOPROTOOPT;
	return getsockopt(s->io.fd, level, name, val, len) < 0 ? errno : 0;
}

/* Send what a stream holds back, as far as the kernel takes it. */
static int
ngd_sock_flush(struct ng_ksock *s)
{
	while (s->qlen > 0) {
		struct ngd_sock_q *e = &s->q[s->qhead];
		ssize_t n;

		n = send(s->io.fd, e->pkt->data + e->off, e->pkt->len - e->off,
		    MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n < 0)
			return errno == EAGAIN || errno == EINTR ? 0 : errno;
		e->off += (uint32_t)n;
		if (e->off < e->pkt->len)
			return 0;
		ngd_sock_q_pop(s);
	}
	return 0;
}

static int
ngd_sock_send_stream(struct ng_ksock *s, const struct ng_pkt *pkt)
{
	uint32_t off = 0;
	ssize_t n;
	bool held;

	if (s->qlen == 0) {
		n = send(s->io.fd, pkt->data, pkt->len,
		    MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n < 0 && errno != EAGAIN && errno != EINTR)
			return errno;
		if (n == (ssize_t)pkt->len)
			return 0;
		off = n > 0 ? (uint32_t)n : 0;
	}
	if (s->qlen == NGD_SOCK_QMAX)
		return ENOBUFS;
	if (s->q == NULL &&
	    (s->q = calloc(NGD_SOCK_QMAX, sizeof(*s->q))) == NULL)
		return ENOMEM;
	/* Over the budget only a frame partly sent is kept (qlen is 0):
	 * the stream must not lose the rest of it. */
	held = ng_pkt_hold(pkt->graph, &s->hold, pkt);
	if (!held && off == 0)
		return ENOBUFS;
	/* Borrowed: our own reference keeps it until it is sent. */
	s->q[(s->qhead + s->qlen) % NGD_SOCK_QMAX] = (struct ngd_sock_q){
		.pkt = ng_pkt_ref((struct ng_pkt *)pkt),
		.off = off,
		.held = held
	};
	s->qlen++;
	ngd_sock_watch(s);
	return 0;
}

static bool
ngd_sock_is_train(const struct ng_pkt *p)
{
	return p->vh.gso_type == NG_GSO_DGRAMS && p->vh.gso_size > 0 &&
	    p->len > p->vh.gso_size;
}

/*
 * n frames that s's node took in and the kernel then refused: counted in
 * the recvDrops of the hook they came by (ng_ksocket has one), as if
 * its rcvdata had failed, so that `ngctl show -s` and gethookstats show
 * what a flood lost (the log says it only once in a thousand).
 */
static void
ngd_sock_dropped(struct ng_ksock *s, unsigned n)
{
	if (s->node == NULL)
		return;
	for (struct ng_hook *h = s->node->hooks; h != NULL; h = h->next)
		if (h->flags & NG_HOOK_VALID) {
			h->stats.recv_drops += n;
			return;
		}
}

static void
ngd_sock_txerr(struct ngd_sockdev *sd, struct ng_ksock *s, int error)
{
	if (sd->txerrs++ % 1000 == 0)
		ngd_log(LOG_INFO,
		    "ksocket [%x]: send: %s "
		    "(%lu datagrams lost so far)",
		    s->node != NULL ? s->node->id : 0, strerror(error),
		    sd->txerrs);
}

/* A train the kernel would not take whole: its datagrams one by one. */
static void
ngd_sock_send_split(struct ngd_sockdev *sd, struct ng_ksock *s,
    const struct ngd_sock_tx *e)
{
	struct mmsghdr mm[NG_DGRAMS_MAX];
	struct iovec iov[NG_DGRAMS_MAX];
	uint32_t seg = e->pkt->vh.gso_size, off = 0;
	unsigned n = 0, done = 0;
	bool lost = false;

	for (; off < e->pkt->len && n < NG_DGRAMS_MAX; n++, off += seg) {
		iov[n].iov_base = e->pkt->data + off;
		iov[n].iov_len = e->pkt->len - off < seg ?
		    e->pkt->len - off :
		    seg;
		memset(&mm[n], 0, sizeof(mm[n]));
		mm[n].msg_hdr.msg_iov = &iov[n];
		mm[n].msg_hdr.msg_iovlen = 1;
		if (e->to.len > 0) {
			mm[n].msg_hdr.msg_name = (void *)&e->to.u;
			mm[n].msg_hdr.msg_namelen = e->to.len;
		}
	}
	while (done < n) {
		int r = sendmmsg(s->io.fd, mm + done, n - done,
		    MSG_DONTWAIT | MSG_NOSIGNAL);

		if (r < 0) {
			ngd_sock_txerr(sd, s, errno);
			lost = true;
			r = 1;
		}
		done += (unsigned)r;
	}
	if (lost) /* a frame, some of whose datagrams went */
		ngd_sock_dropped(s, 1);
}

/* Send entries [from, to) of the queue, all for one socket. */
static void
ngd_sock_send_run(struct ngd_sockdev *sd, unsigned from, unsigned to)
{
	static struct mmsghdr mm[NGD_SOCK_BATCH * 2];
	static struct iovec iov[NGD_SOCK_BATCH * 2];
	static union {
		char buf[CMSG_SPACE(sizeof(uint16_t))];
		struct cmsghdr align;
	} ctl[NGD_SOCK_BATCH * 2];
	struct ng_ksock *s = sd->txq[from].s;
	unsigned n = to - from, done = 0;

	for (unsigned i = 0; i < n; i++) {
		struct ngd_sock_tx *e = &sd->txq[from + i];

		iov[i].iov_base = e->pkt->data;
		iov[i].iov_len = e->pkt->len;
		memset(&mm[i], 0, sizeof(mm[i]));
		mm[i].msg_hdr.msg_iov = &iov[i];
		mm[i].msg_hdr.msg_iovlen = 1;
		if (e->to.len > 0) {
			mm[i].msg_hdr.msg_name = &e->to.u;
			mm[i].msg_hdr.msg_namelen = e->to.len;
		}
		if (ngd_sock_is_train(e->pkt)) {
			struct cmsghdr *c = (struct cmsghdr *)ctl[i].buf;
			uint16_t seg = e->pkt->vh.gso_size;

			c->cmsg_level = SOL_UDP;
			c->cmsg_type = UDP_SEGMENT;
			c->cmsg_len = CMSG_LEN(sizeof(seg));
			memcpy(CMSG_DATA(c), &seg, sizeof(seg));
			mm[i].msg_hdr.msg_control = ctl[i].buf;
			mm[i].msg_hdr.msg_controllen = sizeof(ctl[i].buf);
		}
	}
	while (done < n) {
		int r = sendmmsg(s->io.fd, mm + done, n - done,
		    MSG_DONTWAIT | MSG_NOSIGNAL);

		if (r < 0) {
			struct ngd_sock_tx *e = &sd->txq[from + done];

			/* A train the kernel cannot cut (a route's MTU
			 * below its segments, no UDP GSO) goes in pieces;
			 * else this one is lost (no route, refused, no
			 * buffer) and the rest may go. */
			if (ngd_sock_is_train(e->pkt) && errno != EAGAIN &&
			    errno != ENOBUFS && errno != ECONNREFUSED) {
				ngd_sock_send_split(sd, s, e);
			} else {
				ngd_sock_txerr(sd, s, errno);
				ngd_sock_dropped(s, 1);
			}
			r = 1;
		}
		done += (unsigned)r;
	}
}

static void
ngd_sockdev_flush(struct ngd_sockdev *sd)
{
	unsigned i = 0;

	while (i < sd->ntx) {
		unsigned j = i + 1;

		if (sd->txq[i].s == NULL) { /* closed meanwhile */
			i++;
			continue;
		}
		while (j < sd->ntx && sd->txq[j].s == sd->txq[i].s)
			j++;
		if (sd->txq[i].s->io.fd >= 0)
			ngd_sock_send_run(sd, i, j);
		i = j;
	}
	for (i = 0; i < sd->ntx; i++)
		ng_pkt_free(&sd->txq[i].pkt);
	sd->ntx = 0;
}

/* Before the loop sleeps: the datagrams ksockets queued in this pass go
 * out; those a turn's budget left in sockets go in (no sleep while some
 * wait). */
static int64_t
ngd_sockdev_before_sleep(void *arg)
{
	struct ngd_sockdev *sd = arg;

	sd->turn++;
	if (sd->later != NULL)
		ngd_sockdev_later(sd);
	ngd_sockdev_flush(sd);
	return sd->later != NULL ? 0 : -1;
}

int
ngd_sockdev_new(struct ngd_loop *loop, struct ngd_sockdev **sdp)
{
	struct ngd_sockdev *sd = calloc(1, sizeof(*sd));

	*sdp = NULL;
	if (sd == NULL)
		return ENOMEM;
	sd->loop = loop;
	ngd_loop_before_sleep(loop, &sd->flush_hook, ngd_sockdev_before_sleep,
	    sd);
	*sdp = sd;
	return 0;
}

void
ngd_sockdev_free(struct ngd_sockdev *sd)
{
	if (sd == NULL)
		return;
	ngd_loop_cancel_sleep(sd->loop, &sd->flush_hook);
	free(sd); /* the graph's end closed every socket and its queue */
}

static int
ngd_sock_send(void *be, struct ng_ksock *s, const struct ng_pkt *pkt,
    const struct sockaddr *to, socklen_t tolen)
{
	struct ngd_sockdev *sd = s->sd;
	struct ngd_sock_tx *e;

	(void)be;
	if (s->type == SOCK_STREAM)
		return ngd_sock_send_stream(s, pkt);
	if (to != NULL && tolen > sizeof(e->to.u))
		return EINVAL;
	if (sd->ntx == sizeof(sd->txq) / sizeof(sd->txq[0]))
		ngd_sockdev_flush(sd);
	e = &sd->txq[sd->ntx++];
	e->s = s;
	/* Borrowed: our own reference keeps it until the flush. */
	e->pkt = ng_pkt_ref((struct ng_pkt *)pkt);
	e->to.len = 0;
	if (to != NULL) {
		memcpy(&e->to.u, to, tolen);
		e->to.len = (uint8_t)tolen;
	}
	return 0;
}

/*
 * A datagram longer than a frame's room (NG_PKT_BUFSIZE less the
 * headroom: a local socket's, or a raw one's), cut short by the kernel
 * (MSG_TRUNC): dropped whole, as FreeBSD's ng_ksocket drops one longer
 * than its read (IP_MAXPACKET), but counted where gethookstats,
 * `ngctl show -s` and `ngctl top` show it: the xmitDrops of the node's
 * hook (out of the node, reached nobody, as a frame of a TAP's that
 * found no buffer), and logged once in a thousand.
 */
static void
ngd_sock_truncated(struct ng_ksock *s)
{
	struct ngd_sockdev *sd = s->sd;

	if (s->node != NULL)
		for (struct ng_hook *h = s->node->hooks; h != NULL; h = h->next)
			if (h->flags & NG_HOOK_VALID) {
				h->stats.xmit_drops++;
				break;
			}
	if (sd->truncs++ % 1000 == 0)
		ngd_log(LOG_INFO,
		    "ksocket [%x]: a datagram longer than %u bytes "
		    "dropped (%lu so far)",
		    s->node != NULL ? s->node->id : 0,
		    (unsigned)(NG_PKT_BUFSIZE - NG_PKT_HEADROOM), sd->truncs);
}

/* What UDP_GRO merged is a train of datagrams of the size it says. */
static void
ngd_sock_gro_size(struct msghdr *mh, struct ng_pkt *p)
{
	for (struct cmsghdr *c = CMSG_FIRSTHDR(mh); c != NULL;
	     c = CMSG_NXTHDR(mh, c)) {
		int seg;

		if (c->cmsg_level != SOL_UDP || c->cmsg_type != UDP_GRO ||
		    c->cmsg_len < CMSG_LEN(sizeof(seg)))
			continue;
		memcpy(&seg, CMSG_DATA(c), sizeof(seg));
		if (seg > 0 && seg < 65536 && p->len > (uint32_t)seg) {
			p->vh.gso_type = NG_GSO_DGRAMS;
			p->vh.gso_size = (uint16_t)seg;
		}
	}
}

/* Up to a batch of datagrams, each to the node with its sender. */
static void
ngd_sock_read_dgram(struct ng_ksock *s)
{
	static struct mmsghdr mm[NGD_SOCK_BATCH];
	static struct iovec iov[NGD_SOCK_BATCH];
	static struct sockaddr_storage from[NGD_SOCK_BATCH];
	static union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} ctl[NGD_SOCK_BATCH];
	struct ng_pkt *pkts[NGD_SOCK_BATCH];
	struct ng_graph *g = s->node->graph;
	uint64_t since = ng_sends(g);
	int i, n, want = 0;

	s->turn = s->sd->turn;
	/* What the last turn left first; the kernel's after, if the turn
	 * has room. */
	if (!ngd_sock_rx_give(s, since) || ngd_batch_spent(g, since))
		return;
	for (want = 0; want < NGD_SOCK_BATCH; want++) {
		if ((pkts[want] = ng_pkt_alloc(g)) == NULL)
			break;
		iov[want].iov_base = pkts[want]->data;
		iov[want].iov_len = NG_PKT_BUFSIZE - NG_PKT_HEADROOM;
		memset(&mm[want], 0, sizeof(mm[want]));
		mm[want].msg_hdr.msg_iov = &iov[want];
		mm[want].msg_hdr.msg_iovlen = 1;
		mm[want].msg_hdr.msg_name = &from[want];
		mm[want].msg_hdr.msg_namelen = sizeof(from[want]);
		if (s->gro) {
			mm[want].msg_hdr.msg_control = ctl[want].buf;
			mm[want].msg_hdr.msg_controllen = sizeof(ctl[want].buf);
		}
	}
	if (want == 0) {
		ngd_log(LOG_WARNING, "packet pool exhausted");
		return;
	}
	n = recvmmsg(s->io.fd, mm, (unsigned)want, MSG_DONTWAIT, NULL);
	/* An error (a port unreachable on a connected socket) is taken
	 * by this read; the next datagram is read on the next wake-up. */
	for (i = 0; i < n; i++) {
		struct ng_pkt *p = pkts[i];
		socklen_t fl = mm[i].msg_hdr.msg_namelen;

		pkts[i] = NULL;
		if (mm[i].msg_hdr.msg_flags & MSG_TRUNC) {
			ngd_sock_truncated(s);
			ng_pkt_free(&p);
			continue;
		}
		p->len = mm[i].msg_len;
		if (s->gro)
			ngd_sock_gro_size(&mm[i].msg_hdr, p);
		if (fl > 0 && fl <= sizeof(p->peer.u)) {
			memcpy(&p->peer.u, &from[i], fl);
			p->peer.len = (uint8_t)fl;
		}
		if (s->rx_n > 0 || ngd_batch_spent(g, since)) {
			s->rx[s->rx_n++] = p; /* for the next turn */
			continue;
		}
		s->up->input(s->node, &p); /* consumes p */
		if (s->io.fd < 0 || !s->reading)
			break; /* closed or paused meanwhile */
	}
	for (i = 0; i < want; i++)
		ng_pkt_free(&pkts[i]);
	if (s->rx_n > 0)
		(void)ngd_sock_rx_give(s, since); /* kept, or now if not */
}

/*
 * At the start of a turn: the datagrams an earlier turn left go to their
 * nodes, within this turn's budget, whether or not the kernel has more
 * (its event may not come).  A socket served here is not read again in
 * this turn (ngd_sock_event).
 */
static void
ngd_sockdev_later(struct ngd_sockdev *sd)
{
	struct ng_ksock *s = sd->later, *next;

	sd->later = NULL;
	for (; s != NULL; s = next) {
		/* A node may close another socket of this list: it stays
		 * (freed after the loop's pass) with no descriptor. */
		next = s->later_next;
		s->later_next = NULL;
		s->later = false;
		if (s->io.fd < 0 || s->node == NULL || !s->reading)
			continue;
		s->turn = sd->turn;
		(void)ngd_sock_rx_give(s, ng_sends(s->node->graph));
	}
}

/* A stream's bytes as they come, a frame per read. */
static void
ngd_sock_read_stream(struct ng_ksock *s)
{
	uint64_t since = ng_sends(s->node->graph);

	/* The rest waits in the kernel once the turn's budget is spent. */
	for (int i = 0;
	     i < NGD_SOCK_READS && !ngd_batch_spent(s->node->graph, since);
	     i++) {
		struct ng_pkt *p = ng_pkt_alloc(s->node->graph);
		ssize_t n;

		if (p == NULL) {
			ngd_log(LOG_WARNING, "packet pool exhausted");
			return;
		}
		n = recv(s->io.fd, p->data, NG_PKT_BUFSIZE - NG_PKT_HEADROOM,
		    MSG_DONTWAIT);
		if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
			ng_pkt_free(&p);
			return;
		}
		if (n <= 0) {
			/* The peer closed or reset: that is the end. */
			ng_pkt_free(&p);
			s->eof = true;
			ngd_sock_watch(s);
			s->up->event(s->node, NG_KSOCK_EOF, 0);
			return;
		}
		p->len = (uint32_t)n;
		s->up->input(s->node, &p); /* consumes p */
		if (s->io.fd < 0 || !s->reading)
			return;
	}
}

static void
ngd_sock_event(void *arg, uint32_t events)
{
	struct ng_ksock *s = arg;
	int error;
	socklen_t el = sizeof(error);

	if (s->node == NULL)
		return;
	ngd_loop_traffic(s->sd->loop);
	if (s->want_connect && (events & (EPOLLOUT | EPOLLERR | EPOLLHUP))) {
		if (getsockopt(s->io.fd, SOL_SOCKET, SO_ERROR, &error, &el) < 0)
			error = errno;
		s->want_connect = false;
		ngd_sock_watch(s);
		s->up->event(s->node, NG_KSOCK_CONNECTED, error);
		if (s->io.fd < 0)
			return;
	}
	if (s->qlen > 0 && (events & (EPOLLOUT | EPOLLERR | EPOLLHUP))) {
		if ((error = ngd_sock_flush(s)) != 0) {
			ngd_log(LOG_INFO, "ksocket [%x]: %s; %u frames dropped",
			    s->node->id, strerror(error), s->qlen);
			ngd_sock_dropped(s, s->qlen);
			while (s->qlen > 0)
				ngd_sock_q_pop(s);
		}
		ngd_sock_watch(s);
	}
	if (s->listening) {
		if (s->want_accept && (events & EPOLLIN)) {
			s->want_accept = false;
			ngd_sock_watch(s);
			s->up->event(s->node, NG_KSOCK_ACCEPTABLE, 0);
		}
		return;
	}
	if (!s->reading || s->eof ||
	    !(events & (EPOLLIN | EPOLLERR | EPOLLHUP)))
		return;
	if (s->turn == s->sd->turn)
		return; /* served this turn (ngd_sockdev_later): next one */
	if (s->type == SOCK_STREAM)
		ngd_sock_read_stream(s);
	else
		ngd_sock_read_dgram(s);
}

const struct ng_ksock_ops ngd_ksock_ops = {
	.open = ngd_sock_open,
	.close = ngd_sock_close,
	.resume = ngd_sock_resume,
	.bind = ngd_sock_bind,
	.listen = ngd_sock_listen,
	.connect = ngd_sock_connect,
	.accept = ngd_sock_accept,
	.attach = ngd_sock_attach,
	.getname = ngd_sock_getname,
	.setopt = ngd_sock_setopt,
	.getopt = ngd_sock_getopt,
	.send = ngd_sock_send,
};
