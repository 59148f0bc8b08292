/*
 * ctl.c: ngd's control server.  Clients connect to an abstract AF_UNIX
 * SOCK_SEQPACKET socket (ngd_proto.h).  A control connection owns a socket
 * node; a data connection attaches to one.  Each request is checked for
 * length before any field is read, run to completion, and answered with
 * one NGD_STATUS after whatever replies it caused.  Peers are identified
 * by SO_PEERCRED: root, or members of the admin group, may change the
 * graph; others may only read it (EPERM).
 *
 * Slow readers (OpenBSD's control sockets do the same): while the
 * answers to a client's own requests (replies, statuses) that wait for it
 * take more than NGD_OUTQ_THROTTLE bytes, ngd reads no more of its
 * requests, so a client that floods requests without reading the answers
 * blocks in its own send.  What others send it does not count: a client
 * left megabytes of messages from other nodes unread, which libnetgraph
 * reads only while it waits for an answer, stopped being read, and its
 * next long request, sent in pieces that ngd then did not read, waited
 * for its timeout (ETIMEDOUT, the connection lost); those messages are
 * bounded by NGD_OUTQ_MAX alone.  Frames for a data connection beyond
 * NGD_DATAQ_MAX are dropped, as a full socket buffer drops datagrams.  A
 * connection whose unread messages pass NGD_OUTQ_MAX is cut off and
 * logged.  Each wakeup handles at most NGD_REQS_PER_WAKEUP requests of a
 * connection, so one client cannot starve the others.  The requests of
 * those who may not change the graph (guests) take at most a quarter of
 * ngd's time, in bursts of NGD_GUEST_BURST_US: their connections are not
 * read while that is spent, so that a few readers asking for costly
 * conversions (binary2ascii of megabytes) cannot hold root's requests
 * for seconds.  A guest user gets no large reply while NGD_USER_HELD_MAX
 * bytes of replies wait for its connections, here and in the kernel:
 * each of its 64 connections could leave a 4 MiB reply in the kernel and
 * another queued here, half a gigabyte, before the throttle stopped it;
 * nor while NGD_GUESTS_HELD_MAX wait for every guest's together (a user
 * with subordinate uids is as many users).
 *
 * ngd_ctl_local and ngd_ctl_input run the same request path for a client
 * with no socket, whose frames go to a callback (the wire fuzzer).
 *
 * A takeover (takeover.c) hands every connection to the new ngd with the
 * frames queued for it (ngd_ctl_handover), after which this one reads
 * none of them again (ngd_ctl_hold); the new one serves them on
 * (ngd_ctl_adopt), each attached to its socket node made again.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>
#include <linux/sockios.h>

#include <netgraph/ng_hookstat.h>
#include <netgraph/ng_socket.h>

#include "ngd.h"
#include "ngd_proto.h"

#define NGD_RECV_MAX NGD_MAX_FRAME     /* largest request a client may send */
#define NGD_CTL_BACKLOG 128            /* connections waiting for accept */
#define NGD_RECV_BUF (128u << 10)      /* read into ctl->rbuf up to this */
#define NGD_OUTQ_THROTTLE (256u << 10) /* read no requests above this */
#define NGD_DATAQ_MAX (4u << 20)       /* data frames queued, then dropped */
#define NGD_OUTQ_MAX (32u << 20)       /* unread bytes before a cut-off */
#define NGD_REQS_PER_WAKEUP 16
#define NGD_ACCEPTS_PER_WAKEUP 16
#define NGD_USER_CONNS_MAX 64           /* connections per non-admin user */
#define NGD_USER_HELD_MAX (16u << 20)   /* replies a non-admin user leaves */
#define NGD_USER_HELD_CHECK (64u << 10) /* replies this large count */
/* Every non-admin together: a user with subordinate uids (useradd
 * gives 65,536, newuidmap maps them) is as many users to SO_PEERCRED. */
#define NGD_GUESTS_CONNS_MAX 1024       /* connections of them all */
#define NGD_GUESTS_HELD_MAX (64u << 20) /* replies they all leave */
#define NGD_GUESTS_HELD_RECOUNT_MS 50   /* ... counted afresh this often */
#define NGD_GUEST_SHARE 4               /* guests: 1/4 of ngd's time ... */
#define NGD_GUEST_BURST_US 50000u       /* ... in bursts of at most 50 ms */

struct ngd_outbuf {
	struct ngd_outbuf *next;
	size_t len;
	bool reply; /* queued while its request ran: its status follows */
	bool own;   /* an answer to its own request: a reply, a status */
	uint8_t data[];
};

struct ngd_conn {
	struct ngd_io io;
	struct ngd_ctl *ctl;  /* the server it is a client of */
	struct ng_node *node; /* our socket node, or NULL */
	bool is_data;
	bool admin;    /* may change the graph */
	bool closed;   /* hung up; waits to be freed */
	bool cut;      /* cut off: no more output, closed on its next event */
	bool dropping; /* data frames are being dropped (logged once) */
	bool unaddressed_logged; /* a send(2) with no address was logged */
	bool jailed;   /* in a non-vnet jail: every request is EPERM */
	bool handed;   /* a takeover's: another ngd serves it now */
	bool parts;    /* its hello said it joins pieces (ngd_proto.h) */
	bool large;    /* ... up to NGD_MAX_LARGE, and may change the graph */
	uint8_t *join; /* a request coming in pieces (ngd_conn_piece) */
	size_t join_len, join_have;
	bool held;       /* a guest not read until its time comes again */
	bool running;    /* a request runs: what is queued now answers it */
	bool reply_lost; /* a queued reply did not fit a datagram: the
	                  * status behind it says ENOBUFS */
	int reply_error; /* a reply to the request being run went nowhere */
	uint32_t events; /* what epoll watches for us */
	pid_t pid;
	uid_t uid;
	struct ngd_outbuf *outq, **outq_tail;
	size_t outq_mem; /* what outq takes of our memory (ngd_outbuf_size) */
	size_t own_mem;  /* the part of it that answers its own requests */
	bool throttle_logged;  /* its requests waited for it to read: said */
	uint64_t drops;        /* data frames dropped since dropping began */
	ngd_ctl_sink_fn *sink; /* an in-process client: frames go here */
	void *sink_arg;
	struct ngd_conn *prev, *next;
};

/*
 * A socket file left at path: EADDRINUSE while something answers on it
 * (another ngd; a full backlog says EAGAIN, so without blocking), 0 once
 * it is removed (its ngd is gone), ENOTSOCK for a file that is no
 * socket, which is not ours to remove.
 */
static int
ngd_ctl_stale(const char *path, const struct sockaddr_un *sun, socklen_t len)
{
	struct stat st;
	int fd, error;

	if (lstat(path, &st) != 0)
		return errno == ENOENT ? 0 : errno;
	if (!S_ISSOCK(st.st_mode))
		return ENOTSOCK;
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return errno;
	if (connect(fd, (const struct sockaddr *)sun, len) == 0 ||
	    errno == EAGAIN)
		error = EADDRINUSE;
	else
		error = errno;
	close(fd);
	if (error != ECONNREFUSED)
		return error;
	return unlink(path) == 0 ? 0 : errno;
}

int
ngd_ctl_listen(const char *path, int *fdp)
{
	struct sockaddr_un sun;
	socklen_t len;
	int fd, error;

	*fdp = -1;
	if (path[0] == '\0' || strlen(path) >= sizeof(sun.sun_path))
		return EINVAL;
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, path, strlen(path));
	len = offsetof(struct sockaddr_un, sun_path) + strlen(path);
	if (path[0] == '@')
		sun.sun_path[0] =
		    '\0'; /* abstract: one per network namespace */
	else if ((error = ngd_ctl_stale(path, &sun, len)) != 0)
		return error;
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return errno;
	if (bind(fd, (struct sockaddr *)&sun, len) < 0 ||
	    listen(fd, NGD_CTL_BACKLOG) < 0) {
		error = errno;
		close(fd);
		return error;
	}
	*fdp = fd;
	return 0;
}

/*
 * Listen again on lfd, so that a client's SO_PEERCRED names this
 * process: the kernel records who called listen() last, and the one
 * that first listened may be gone (a daemon's parent, the ngd taken
 * over from, or the new one that gave the socket back).  libnetgraph
 * refuses a server whose listener has exited: a jailed root could
 * listen on ngd's name, hand the socket to a child and exit.
 */
void
ngd_ctl_own(int lfd)
{
	if (lfd >= 0 && listen(lfd, NGD_CTL_BACKLOG) < 0)
		ngd_log(LOG_WARNING, "listen again: %s: clients may refuse us",
		    strerror(errno));
}

/* --- output ------------------------------------------------------------- */

/*
 * The memory a queued frame of len bytes takes: its struct, and what
 * malloc adds (glibc: a size_t of header, the chunk rounded up to 16
 * bytes, 32 at least).  The limits on what waits for a client count
 * this, not the frame: a 16-byte status takes 48, and counted by its
 * length, a client that read no status pinned three times as much as
 * the limits say (64 connections of a user, 48 MiB for its 16).
 */
static size_t
ngd_outbuf_size(size_t len)
{
	size_t n = (sizeof(struct ngd_outbuf) + len + sizeof(size_t) + 15) &
	    ~(size_t)15;

	return n < 32 ? 32 : n;
}

static void ngd_conn_close(struct ngd_conn *c);
static void ngd_accept_resume(struct ngd_ctl *ctl);

/* Whether the answers to c's own requests that wait unread hold its
 * next requests back (said once a connection). */
static bool
ngd_conn_throttled(struct ngd_conn *c)
{
	if (c->own_mem <= NGD_OUTQ_THROTTLE)
		return false;
	if (!c->throttle_logged)
		ngd_log(LOG_NOTICE,
		    "pid %d uid %u: %zu bytes of answers to its requests "
		    "unread; its next requests wait until it reads",
		    (int)c->pid, (unsigned)c->uid, c->own_mem);
	c->throttle_logged = true;
	return true;
}

/* Watch for what the connection needs now: requests unless throttled,
 * room to write while anything waits. */
static int
ngd_conn_watch(struct ngd_conn *c)
{
	uint32_t want = 0;
	int error;

	if (c->sink != NULL || c->closed || c->handed)
		return 0;
	if (!ngd_conn_throttled(c) && !c->held)
		want |= EPOLLIN;
	if (c->outq != NULL)
		want |= EPOLLOUT;
	if (want == c->events)
		return 0;
	if ((error = ngd_loop_mod(c->ctl->loop, &c->io, want)) != 0)
		return error;
	c->events = want;
	return 0;
}

/*
 * Stop talking to a client that does not read.  It is closed from its
 * own next event (a hang-up, which shutdown() causes), never from here:
 * we may be deep inside the graph, delivering a frame, and closing
 * shuts its socket node down.
 */
static void
ngd_conn_cut(struct ngd_conn *c)
{
	if (c->cut || c->closed)
		return;
	c->cut = true;
	ngd_log(LOG_NOTICE,
	    "pid %d uid %u: %zu bytes of replies unread; cutting it off",
	    (int)c->pid, (unsigned)c->uid, c->outq_mem);
	if (c->sink == NULL)
		(void)shutdown(c->io.fd, SHUT_RDWR);
}

/*
 * sendmsg() one frame of len bytes.  An AF_UNIX datagram must fit the
 * sender's buffer whole, so a frame larger than it (the list of ten
 * thousand nodes) grows the connection's buffer to fit, up to
 * NGD_MAX_FRAME; the connection keeps it.
 */
static ssize_t
ngd_sendmsg(int fd, const struct msghdr *mh, size_t len)
{
	ssize_t n = sendmsg(fd, mh, MSG_DONTWAIT | MSG_NOSIGNAL);
	int size = (int)len + NGD_SNDBUF_SLACK;

	if (n >= 0 || errno != EMSGSIZE || len > NGD_MAX_FRAME)
		return n;
	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &size, sizeof(size)) <
		0 &&
	    setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof(size)) < 0) {
		errno = EMSGSIZE;
		return -1;
	}
	return sendmsg(fd, mh, MSG_DONTWAIT | MSG_NOSIGNAL);
}

/* What sendmsg() says of a frame that cannot go as one datagram, however
 * long we wait: larger than the kernel carries (ngd.8), or larger than
 * it can allocate now. */
static bool
ngd_unsendable(int error)
{
	return error == EMSGSIZE || error == ENOBUFS || error == ENOMEM;
}

/*
 * Send what waits for c, up to a full socket.  A reply that turns out
 * not to fit a datagram only now, queued behind others, is dropped and
 * its request fails with ENOBUFS, as when it is sent at once: the status
 * behind it, not sent yet, says so.  The connection stays.
 */
static int
ngd_conn_flush(struct ngd_conn *c)
{
	struct ngd_outbuf *b;

	while ((b = c->outq) != NULL) {
		struct iovec iov = { b->data, b->len };
		struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
		struct ngd_frame fr;

		memcpy(&fr, b->data, sizeof(fr));
		if (c->reply_lost && fr.kind == NGD_STATUS) {
			if (fr.error == 0) {
				fr.error = ENOBUFS;
				memcpy(b->data, &fr, sizeof(fr));
			}
			c->reply_lost = false;
		}
		if (ngd_sendmsg(c->io.fd, &mh, b->len) < 0) {
			if (errno == EAGAIN)
				return ngd_conn_watch(c);
			if (!ngd_unsendable(errno) || fr.kind == NGD_STATUS)
				return errno;
			ngd_log(LOG_NOTICE,
			    "pid %d: a %zu-byte %s cannot be sent (%s); "
			    "dropped",
			    (int)c->pid, b->len, b->reply ? "reply" : "frame",
			    strerror(errno));
			if (b->reply)
				c->reply_lost = true;
		}
		c->outq = b->next;
		c->outq_mem -= ngd_outbuf_size(b->len);
		if (b->own)
			c->own_mem -= ngd_outbuf_size(b->len);
		free(b);
	}
	c->outq_tail = &c->outq;
	if (c->dropping) {
		ngd_log(LOG_INFO, "pid %d: reading again; %llu frames dropped",
		    (int)c->pid, (unsigned long long)c->drops);
		c->dropping = false;
		c->drops = 0;
	}
	return ngd_conn_watch(c);
}

static bool ngd_same_user(const struct ngd_conn *c, const struct ngd_conn *nc);

/* What a connection's replies take, here and in the kernel (SIOCOUTQ,
 * which counts its buffers whole too). */
static size_t
ngd_conn_held(const struct ngd_conn *c)
{
	int outq;

	if (ioctl(c->io.fd, SIOCOUTQ, &outq) == 0 && outq > 0)
		return c->outq_mem + (size_t)outq;
	return c->outq_mem;
}

/*
 * Whether len more bytes of replies for non-admin c (a reply, or room
 * for one before its request runs) would take its user past
 * NGD_USER_HELD_MAX, or every non-admin together past
 * NGD_GUESTS_HELD_MAX (a user with subordinate uids is as many users).
 * The user's: counted afresh, O(connections) with an ioctl for each of
 * its own (at most NGD_USER_CONNS_MAX).  Everyone's: counted afresh at
 * most every NGD_GUESTS_HELD_RECOUNT_MS (an ioctl for each of up to
 * NGD_GUESTS_CONNS_MAX connections took 1.3 ms, a guest's every request),
 * the large replies given since added meanwhile, so that it errs only
 * long, by what they read since.  A reply refused is logged; every
 * non-admin's bound once while they stay past it.
 */
static bool
ngd_user_held_full(const struct ngd_conn *c, size_t len, bool reply)
{
	struct ngd_ctl *ctl = c->ctl;
	uint64_t now = ngd_clock_ms();
	bool recount = now - ctl->guests_unread_ms >=
	    NGD_GUESTS_HELD_RECOUNT_MS;
	size_t held = len, all = 0;

	for (const struct ngd_conn *o = ctl->conns; o != NULL; o = o->next) {
		size_t mem;
		bool same;

		if (o->sink != NULL || o->closed || o->admin)
			continue;
		same = ngd_same_user(o, c);
		if (!same && !recount)
			continue;
		mem = ngd_conn_held(o);
		all += mem;
		if (same)
			held += mem;
		if (held > NGD_USER_HELD_MAX) {
			if (reply)
				ngd_log(LOG_NOTICE,
				    "pid %d uid %u: over %u MiB of replies "
				    "unread; a %zu-byte reply refused",
				    (int)c->pid, (unsigned)c->uid,
				    NGD_USER_HELD_MAX >> 20, len);
			return true;
		}
	}
	if (recount) {
		ctl->guests_unread = all;
		ctl->guests_unread_ms = now;
	}
	if (ctl->guests_unread + len > NGD_GUESTS_HELD_MAX) {
		if (!ctl->guests_held_logged)
			ngd_log(LOG_WARNING,
			    "pid %d uid %u: those who may only read "
			    "leave over %u MiB of replies unread; "
			    "its request refused, as theirs are "
			    "until they read",
			    (int)c->pid, (unsigned)c->uid,
			    NGD_GUESTS_HELD_MAX >> 20);
		ctl->guests_held_logged = true;
		return true;
	}
	/* Only a reply given ends their time past the bound: the room a
	 * request's check asks for (NGD_USER_HELD_CHECK) may be there when
	 * its megabyte reply is not, and the line was said again for each
	 * such request (intrude2_held.sh: 2-10 lines, 2 runs in 12). */
	if (reply) {
		ctl->guests_held_logged = false;
		ctl->guests_unread += len;
	}
	return false;
}

/* The longest frame either way on c, and what may wait unread for it. */
static size_t
ngd_conn_max_frame(const struct ngd_conn *c)
{
	return c->large ? NGD_MAX_LARGE : NGD_MAX_FRAME;
}

static size_t
ngd_conn_outq_max(const struct ngd_conn *c)
{
	return c->large ? NGD_MAX_LARGE + NGD_OUTQ_MAX : NGD_OUTQ_MAX;
}

/*
 * A frame longer than NGD_PART_MAX, to a client that joins pieces: queued
 * as pieces, a datagram each (ngd_proto.h), then sent as far as the
 * socket takes them.  One datagram holds some 4 MiB at most, so a longer
 * reply (the text of a bridge's 100,000 hosts, ~6 MB) could not go at
 * all.  Its pieces are never dropped for their size, being small; one
 * dropped all the same (no memory) fails the request with ENOBUFS.
 */
static int
ngd_conn_send_parts(struct ngd_conn *c, const struct ngd_frame *fr,
    const char *addr, const void *payload, size_t plen)
{
	size_t alen = fr->addrlen, len = sizeof(*fr) + alen + plen;
	size_t npart = (len + NGD_PART_MAX - 1) / NGD_PART_MAX, bytes = 0;
	const struct iovec seg[3] = { { (void *)fr, sizeof(*fr) },
		{ (void *)addr, alen }, { (void *)payload, plen } };
	struct ngd_outbuf *first = NULL, **tail = &first, *b;
	int error;

	if (len > ngd_conn_max_frame(c))
		return ENOBUFS;
	if (c->outq_mem + npart * ngd_outbuf_size(sizeof(*fr)) + len >
	    ngd_conn_outq_max(c)) {
		ngd_conn_cut(c);
		return ENOBUFS;
	}
	for (size_t at = 0; at < len;) {
		size_t n = len - at < NGD_PART_MAX ? len - at : NGD_PART_MAX;
		struct ngd_frame ph = { .kind = at + n < len ? NGD_PART :
							       NGD_PART_END,
			.error = (uint32_t)at,
			.id = (uint32_t)len,
			.version = NGD_PROTO_VERSION };
		uint8_t *d;

		if ((b = malloc(sizeof(*b) + sizeof(ph) + n)) == NULL) {
			while ((b = first) != NULL) {
				first = b->next;
				free(b);
			}
			return ENOMEM;
		}
		b->next = NULL;
		b->len = sizeof(ph) + n;
		b->reply = c->running;
		b->own = c->running;
		memcpy(b->data, &ph, sizeof(ph));
		d = b->data + sizeof(ph);
		/* bytes at..at+n of the frame: header, address, payload */
		for (size_t k = 0, skip = at, left = n; k < 3 && left > 0;
		     k++) {
			size_t m;

			if (skip >= seg[k].iov_len) {
				skip -= seg[k].iov_len;
				continue;
			}
			m = seg[k].iov_len - skip < left ?
			    seg[k].iov_len - skip :
			    left;
			memcpy(d, (const uint8_t *)seg[k].iov_base + skip, m);
			d += m;
			left -= m;
			skip = 0;
		}
		*tail = b;
		tail = &b->next;
		bytes += ngd_outbuf_size(b->len);
		at += n;
	}
	*c->outq_tail = first;
	c->outq_tail = tail;
	c->outq_mem += bytes;
	if (c->running)
		c->own_mem += bytes;
	if ((error = ngd_conn_flush(c)) != 0)
		return error;
	if (c->reply_lost && c->outq == NULL) {
		c->reply_lost = false; /* as when sent at once */
		return ENOBUFS;
	}
	return 0;
}

/* Send one frame now, or queue it behind what is already waiting. */
static int
ngd_conn_send(struct ngd_conn *c, uint16_t kind, uint32_t error, uint32_t id,
    const char *addr, const void *payload, size_t plen)
{
	struct ngd_frame fr = { .kind = kind,
		.error = error,
		.id = id,
		.version = NGD_PROTO_VERSION };
	size_t alen = addr != NULL ? strlen(addr) : 0;
	size_t len = sizeof(fr) + alen + plen;
	struct ngd_outbuf *b;
	struct iovec iov[3];
	struct msghdr mh = { .msg_iov = iov, .msg_iovlen = 3 };

	if (c->closed || c->cut)
		return ENOTCONN;
	if (kind == NGD_MSG && len >= NGD_USER_HELD_CHECK && !c->admin &&
	    c->sink == NULL && ngd_user_held_full(c, len, true))
		return ENOBUFS; /* its request fails so (logged) */
	fr.addrlen = (uint16_t)alen;
	if (c->handed) {
		/* The new ngd has what was queued, and answers requests: a
		 * frame this one still forwards goes straight out, or not. */
		if (kind != NGD_DATA || c->outq != NULL)
			return ENOTCONN;
		iov[0] = (struct iovec){ &fr, sizeof(fr) };
		iov[1] = (struct iovec){ (void *)addr, alen };
		iov[2] = (struct iovec){ (void *)payload, plen };
		return ngd_sendmsg(c->io.fd, &mh, len) < 0 ? ENOBUFS : 0;
	}
	if (len > NGD_PART_MAX && c->parts && c->sink == NULL)
		return ngd_conn_send_parts(c, &fr, addr, payload, plen);
	if (c->outq == NULL || c->sink != NULL) {
		iov[0] = (struct iovec){ &fr, sizeof(fr) };
		iov[1] = (struct iovec){ (void *)addr, alen };
		iov[2] = (struct iovec){ (void *)payload, plen };
		if (c->sink != NULL) {
			c->sink(c->sink_arg, iov, 3);
			return 0;
		}
		if (ngd_sendmsg(c->io.fd, &mh, len) >= 0)
			return 0;
		if (errno != EAGAIN)
			return ngd_unsendable(errno) ? ENOBUFS : errno;
	}
	if (kind == NGD_DATA &&
	    c->outq_mem + ngd_outbuf_size(len) > NGD_DATAQ_MAX) {
		if (!c->dropping)
			ngd_log(LOG_NOTICE,
			    "pid %d: not reading its data; "
			    "dropping frames",
			    (int)c->pid);
		c->dropping = true;
		c->drops++;
		return ENOBUFS; /* as a full socket buffer */
	}
	if (c->outq_mem + ngd_outbuf_size(len) > ngd_conn_outq_max(c)) {
		ngd_conn_cut(c);
		return ENOBUFS;
	}
	b = malloc(sizeof(*b) + len);
	if (b == NULL)
		return ENOMEM;
	b->next = NULL;
	b->len = len;
	b->reply = c->running;
	b->own = c->running || kind == NGD_STATUS || kind == NGD_ERROR;
	memcpy(b->data, &fr, sizeof(fr));
	if (alen > 0)
		memcpy(b->data + sizeof(fr), addr, alen);
	if (plen > 0)
		memcpy(b->data + sizeof(fr) + alen, payload, plen);
	*c->outq_tail = b;
	c->outq_tail = &b->next;
	c->outq_mem += ngd_outbuf_size(b->len);
	if (b->own)
		c->own_mem += ngd_outbuf_size(b->len);
	return ngd_conn_watch(c);
}

static int
ngd_deliver_msg(void *conn, ng_id_t from, const struct ng_mesg *msg)
{
	struct ngd_conn *c = conn;
	char addr[16];
	int error;

	snprintf(addr, sizeof(addr), "[%x]:", from);
	error = ngd_conn_send(c, NGD_MSG, 0, 0, addr, msg,
	    sizeof(*msg) + msg->header.arglen);
	if (error != 0 && c->reply_error == 0)
		c->reply_error = error;
	return error;
}

static int
ngd_deliver_data(void *conn, const char *hook, const struct ng_pkt *pkt)
{
	return ngd_conn_send(conn, NGD_DATA, 0, 0, hook, pkt->data, pkt->len);
}

/* A capture's copy: its header stamped now, then the frame, as data
 * from the pseudo-hook NG_CAPTURE_HOOK (dropped like any data frame when
 * the client does not keep up). */
static int
ngd_deliver_capture(void *conn, struct ng_capture_hdr *h, const void *frame)
{
	struct timespec ts;
	uint8_t *buf;
	int error;

	clock_gettime(CLOCK_REALTIME, &ts);
	h->ts_ns = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
	if (frame == NULL)
		h->caplen = 0;
	if ((buf = malloc(sizeof(*h) + h->caplen)) == NULL)
		return ENOMEM;
	memcpy(buf, h, sizeof(*h));
	if (h->caplen > 0)
		memcpy(buf + sizeof(*h), frame, h->caplen);
	error = ngd_conn_send(conn, NGD_DATA, 0, 0, NG_CAPTURE_HOOK, buf,
	    sizeof(*h) + h->caplen);
	free(buf);
	return error;
}

static void
ngd_socket_gone(void *conn)
{
	struct ngd_conn *c = conn;

	c->node = NULL;
}

const struct ng_socket_ops ngd_socket_ops = {
	.deliver_msg = ngd_deliver_msg,
	.deliver_data = ngd_deliver_data,
	.gone = ngd_socket_gone,
	.deliver_capture = ngd_deliver_capture,
};

/* --- requests ----------------------------------------------------------- */

static int
ngd_hello_ctl(struct ngd_conn *c, const char *name, ng_id_t *idp)
{
	struct ng_node *node;
	int error;

	if (c->node != NULL || c->is_data)
		return EISCONN;
	/* A name is a change to the graph: taken by someone who may not
	 * change it, it would catch root's messages for an interface's
	 * node made later (ngeth0, eth0) or a script's (br0). */
	if (name[0] != '\0' && !c->admin) {
		ngd_log(LOG_NOTICE,
		    "pid %d uid %u: a named socket node refused: "
		    "not permitted",
		    (int)c->pid, (unsigned)c->uid);
		return EPERM;
	}
	error = ng_socket_create(c->ctl->graph, c, &node);
	if (error != 0)
		return error;
	if (name[0] != '\0') {
		error = ng_name_node(node, name);
		if (error != 0) {
			ng_socket_detach(node, c);
			return error;
		}
	}
	c->node = node;
	*idp = node->id;
	return 0;
}

static int
ngd_hello_data(struct ngd_conn *c, const char *addr, ng_id_t *idp)
{
	struct ngd_conn *owner;
	struct ng_node *node;
	int error;

	if (c->node != NULL)
		return EISCONN;
	error = ng_path2node_g(c->ctl->graph, NULL, addr, &node, NULL);
	if (error != 0)
		return error;
	if (node->type != &ng_socket_type) {
		ng_node_unref(node);
		return EINVAL;
	}
	/* Only the node's owner (or root) may take its data. */
	for (owner = c->ctl->conns; owner != NULL; owner = owner->next)
		if (owner->node == node && !owner->is_data)
			break;
	if (c->uid != 0 && (owner == NULL || owner->uid != c->uid)) {
		ng_node_unref(node);
		return EPERM;
	}
	ng_socket_attach_data(node, c);
	c->node = node;
	c->is_data = true;
	*idp = node->id;
	ng_node_unref(node);
	return 0;
}

static bool
ngd_msg_allowed(const struct ngd_conn *c, const struct ng_msghdr *h)
{
	if (c->admin)
		return true;
	/* A reply would reach the client behind a socket node as if its
	 * own request had been answered: only those who may change the
	 * graph send replies (NgSendReplyMsg). */
	return (h->typecookie == NGM_GENERIC_COOKIE ||
		   h->typecookie == NGM_HOOKSTAT_COOKIE) &&
	    (h->cmd & NGM_READONLY) != 0 && !(h->flags & NGF_RESP);
}

/* What the message m to addr is, for the loop's log should it hold the
 * loop over a second (ngd_loop_doing): its generic command's name (and
 * a mkpeer's type), else its cookie and number. */
static void
ngd_msg_doing(struct ngd_conn *c, const char *addr, const struct ng_mesg *m)
{
	static const struct ng_type generic; /* no list: generic ones alone */
	const struct ng_cmdlist *cl;
	const struct ngm_mkpeer *mk = (const struct ngm_mkpeer *)m->data;

	if (addr[0] == '\0')
		addr = ".";
	cl = ng_find_cmd(&generic, m->header.typecookie, m->header.cmd);
	if (cl != NULL && cl->cookie == NGM_GENERIC_COOKIE &&
	    cl->cmd == NGM_MKPEER && m->header.arglen >= sizeof(*mk))
		ngd_loop_doing(c->ctl->loop, "pid %d's mkpeer %.*s at %s",
		    (int)c->pid, NG_TYPESIZ, mk->type, addr);
	else if (cl != NULL)
		ngd_loop_doing(c->ctl->loop, "pid %d's %s to %s", (int)c->pid,
		    cl->name, addr);
	else
		ngd_loop_doing(c->ctl->loop,
		    "pid %d's message (cookie %u, cmd %u) to %s", (int)c->pid,
		    (unsigned)m->header.typecookie, (unsigned)m->header.cmd,
		    addr);
}

static int
ngd_request_msg(struct ngd_conn *c, const char *addr, const uint8_t *p,
    size_t len)
{
	struct ng_msghdr h;
	struct ng_mesg *m;
	bool changed;
	int error;

	if (c->node == NULL || c->is_data)
		return ENOTCONN;
	if (len < sizeof(h))
		return EINVAL;
	memcpy(&h, p, sizeof(h)); /* p need not be aligned */
	if (h.arglen != len - sizeof(h))
		return EINVAL;
	/* A guest with no room left for a large reply: refused before its
	 * request costs anything (binary2ascii of megabytes would) */
	if (!c->admin && c->sink == NULL &&
	    ngd_user_held_full(c, NGD_USER_HELD_CHECK, false))
		return ENOBUFS;
	if (!ngd_msg_allowed(c, &h)) {
		ngd_log(LOG_NOTICE, "pid %d uid %u: %s refused: not permitted",
		    (int)c->pid, (unsigned)c->uid,
		    h.typecookie == NGM_GENERIC_COOKIE ? "change" : "message");
		return EPERM;
	}
	/* An aligned copy the engine may write into (it terminates strings),
	 * with a NUL after the arguments as ng_mkmsg gives. */
	if ((m = malloc(len + 1)) == NULL)
		return ENOMEM;
	memcpy(m, p, len);
	((uint8_t *)m)[len] = '\0';
	/* A reply that cannot reach the client (larger than the kernel
	 * carries in a datagram, some 4 MiB: the list of 60,000 nodes)
	 * fails the request, rather than a status of 0 and no reply. */
	c->reply_error = 0;
	c->running = true;
	if (c->ctl->loop != NULL)
		ngd_msg_doing(c, addr, m);
	error = ngd_netdev_send_msg(c->node, addr, m, &changed);
	c->running = false;
	if (error == 0)
		error = c->reply_error;
	if (changed)
		c->ctl->changes++; /* the journal looks again (journal.c) */
	free(m);
	return error;
}

static int
ngd_request_data(struct ngd_conn *c, const char *hook, const uint8_t *p,
    size_t len)
{
	struct ng_pkt *pkt;

	if (c->node == NULL || !c->is_data)
		return ENOTCONN;
	if (!c->admin)
		return EPERM;
	if (len > NG_PKT_BUFSIZE - NG_PKT_HEADROOM)
		return EMSGSIZE;
	pkt = ng_pkt_alloc(c->ctl->graph);
	if (pkt == NULL)
		return ENOBUFS;
	memcpy(pkt->data, p, len);
	pkt->len = (uint32_t)len;
	return ng_socket_send_data(c->node, hook, &pkt); /* consumes pkt */
}

/*
 * A datagram that is no request, on a connection past its hello: what
 * send(2) or write(2) on a libnetgraph socket puts there (ngd_proto.h).
 * A frame for the only hook of a data connection's node; else refused
 * with NGD_ERROR, which answers no request, and the connection kept.
 */
static void
ngd_conn_unaddressed(struct ngd_conn *c, const uint8_t *buf, size_t n)
{
	int error;

	error = c->is_data ? ngd_request_data(c, "", buf, n) : EDESTADDRREQ;
	if (error == 0)
		return;
	if (!c->unaddressed_logged)
		ngd_log(LOG_NOTICE,
		    "pid %d: a %zu-byte datagram with no "
		    "address on its %s socket (send(2) instead of "
		    "NgSendData?): %s",
		    (int)c->pid, n, c->is_data ? "data" : "control",
		    strerror(error));
	c->unaddressed_logged = true;
	if (ngd_conn_send(c, NGD_ERROR, (uint32_t)error, 0, NULL, NULL, 0) != 0)
		ngd_conn_close(c);
}

static void ngd_conn_request(struct ngd_conn *c, const uint8_t *buf, size_t n);

/*
 * A piece of a request longer than a datagram (ngd_proto.h), on the
 * control connection of one who may change the graph, whom its hello's
 * answer told we join them: kept until the last, which runs the whole.
 * A piece out of order, or from anyone else, ends the connection (no
 * client of ours sends one).  At most NGD_RECV_MAX a connection is held,
 * as a request read whole may be.
 */
static void
ngd_conn_piece(struct ngd_conn *c, const uint8_t *buf, size_t n)
{
	struct ngd_frame ph, fr;
	size_t len = n - sizeof(ph);
	uint8_t *whole;

	memcpy(&ph, buf, sizeof(ph));
	if (!c->admin || c->is_data || ph.addrlen != 0)
		goto bad;
	if (c->join == NULL) {
		if (ph.error != 0 || ph.id <= NGD_REQ_PART_MAX ||
		    ph.id > ngd_conn_max_frame(c))
			goto bad;
		if ((c->join = malloc(ph.id)) == NULL) {
			ngd_log(LOG_ERR, "pid %d: no memory for a request",
			    (int)c->pid);
			ngd_conn_close(c);
			return;
		}
		c->join_len = ph.id;
		c->join_have = 0;
	}
	if (ph.id != c->join_len || ph.error != c->join_have ||
	    len > c->join_len - c->join_have)
		goto bad;
	memcpy(c->join + c->join_have, buf + sizeof(ph), len);
	c->join_have += len;
	if (ph.kind == NGD_PART)
		return;
	whole = c->join;
	c->join = NULL;
	memcpy(&fr, whole, sizeof(fr));
	if (c->join_have != c->join_len || fr.kind != NGD_MSG) {
		free(whole);
		goto bad;
	}
	ngd_conn_request(c, whole, c->join_len);
	free(whole);
	return;
bad:
	ngd_log(LOG_NOTICE, "pid %d: a request's pieces out of order; closing",
	    (int)c->pid);
	free(c->join);
	c->join = NULL;
	ngd_conn_close(c);
}

static bool
ngd_is_request(const struct ngd_frame *fr)
{
	return fr->version == NGD_PROTO_VERSION && fr->kind >= NGD_HELLO_CTL &&
	    fr->kind <= NGD_DATA;
}

/*
 * One request of n bytes at buf: the frame header, the address, the
 * payload, each checked for length before it is read.
 */
static void
ngd_conn_request(struct ngd_conn *c, const uint8_t *buf, size_t n)
{
	struct ngd_frame fr;
	char addr[NG_PATHSIZ];
	const uint8_t *payload;
	size_t plen;
	ng_id_t id = 0;
	uint32_t offer;
	int error;

	if (c->node != NULL) {
		if (n >= sizeof(fr))
			memcpy(&fr, buf, sizeof(fr));
		if (n >= sizeof(fr) && !c->is_data &&
		    fr.version == NGD_PROTO_VERSION &&
		    (fr.kind == NGD_PART || fr.kind == NGD_PART_END)) {
			ngd_conn_piece(c, buf, n);
			return;
		}
		if (n < sizeof(fr) || !ngd_is_request(&fr)) {
			ngd_conn_unaddressed(c, buf, n);
			return;
		}
	}
	if (n < sizeof(fr)) {
		ngd_log(LOG_NOTICE, "pid %d: short frame; closing",
		    (int)c->pid);
		ngd_conn_close(c);
		return;
	}
	memcpy(&fr, buf, sizeof(fr));
	if (fr.addrlen >= sizeof(addr) || fr.addrlen > n - sizeof(fr)) {
		error = EINVAL;
		goto answer;
	}
	memcpy(addr, buf + sizeof(fr), fr.addrlen);
	addr[fr.addrlen] = '\0';
	if (memchr(addr, '\0', fr.addrlen) != NULL) {
		error = EINVAL;
		goto answer;
	}
	payload = buf + sizeof(fr) + fr.addrlen;
	plen = n - sizeof(fr) - fr.addrlen;
	if (c->jailed) {
		ngd_log(LOG_NOTICE,
		    "pid %d uid %u: refused: in a jail without "
		    "its own network",
		    (int)c->pid, (unsigned)c->uid);
		error = EPERM;
		goto answer;
	}
	if (fr.kind == NGD_HELLO_CTL || fr.kind == NGD_HELLO_DATA) {
		c->parts = (fr.error & NGD_HELLO_PARTS) != 0;
		c->large = c->parts && c->admin &&
		    (fr.error & NGD_HELLO_LARGE) != 0;
	}
	switch (fr.kind) {
	case NGD_HELLO_CTL:
		error = fr.version != NGD_PROTO_VERSION ? EPROTONOSUPPORT :
		    strlen(addr) > NG_NODELEN           ? EINVAL :
						ngd_hello_ctl(c, addr, &id);
		break;
	case NGD_HELLO_DATA:
		error = fr.version != NGD_PROTO_VERSION ?
		    EPROTONOSUPPORT :
		    ngd_hello_data(c, addr, &id);
		break;
	case NGD_MSG:
		error = ngd_request_msg(c, addr, payload, plen);
		break;
	case NGD_DATA:
		error = ngd_request_data(c, addr, payload, plen);
		break;
	default:
		error = EPROTO;
		break;
	}
answer:
	/* A client that has gone (EPIPE) hears nothing, but what it asked
	 * before it went still runs, as a kernel socket's sendto would
	 * have: its hang-up is read after its requests (ngd_conn_event).
	 * One who may change the graph is told it may send a long request
	 * in pieces (ngd_proto.h). */
	offer = NGD_HELLO_PARTS | (c->large ? NGD_HELLO_LARGE : 0);
	error = ngd_conn_send(c, NGD_STATUS, (uint32_t)error, id, NULL, &offer,
	    fr.kind == NGD_HELLO_CTL && error == 0 && c->admin ? sizeof(offer) :
								 0);
	if (error != 0 && error != EPIPE && error != ECONNRESET)
		ngd_conn_close(c);
}

/* recv() said 0: the peer is gone, or it sent an empty datagram. */
static bool
ngd_conn_hung_up(const struct ngd_conn *c)
{
	struct pollfd pfd = { .fd = c->io.fd, .events = POLLRDHUP };

	if (c->sink != NULL)
		return false;
	if (poll(&pfd, 1, 0) < 0)
		return true;
	return (pfd.revents & (POLLHUP | POLLRDHUP | POLLERR)) != 0;
}

/*
 * Take c's next request off its socket; its length, or what recv() said.
 * A request is read into ctl->rbuf when it fits, the common case, and
 * into *big, malloc'ed to its size, only when it is larger (freed by the
 * caller); one larger than NGD_RECV_MAX is left unread, as the caller
 * then closes the connection.  (Reading every request into a 16 MiB
 * buffer cost no copy, but valgrind checked all of it each time: 11 ms
 * of CPU a request.)
 *
 * *queued is what SIOCINQ said was waiting, less what has been read
 * since: the datagrams it counted come first, so while it is above 0 and
 * at most NGD_RECV_BUF, the next one fits ctl->rbuf and is read at once
 * (a burst of requests costs a call each, and one more).  Otherwise a
 * peek learns the next one's length first (MSG_TRUNC: the whole
 * datagram's).  SIOCINQ counts no empty datagram, nor a hang-up: only
 * the first read of a wakeup (first) peeks for them when it says 0; a
 * later one says EAGAIN, and the loop, level-triggered, calls again.
 */
static ssize_t
ngd_conn_recv(struct ngd_conn *c, size_t *queued, bool first, uint8_t **big)
{
	uint8_t *buf = c->ctl->rbuf;
	size_t size;
	ssize_t n;
	int inq;

	if (*queued == 0) {
		if (ioctl(c->io.fd, SIOCINQ, &inq) == 0 && inq > 0)
			*queued = (size_t)inq;
		else if (!first) {
			errno = EAGAIN;
			return -1;
		}
	}
	if (*queued > 0 && *queued <= NGD_RECV_BUF) {
		size = *queued; /* the next one is no longer */
	} else {
		n = recv(c->io.fd, buf, 0, MSG_DONTWAIT | MSG_PEEK | MSG_TRUNC);
		if (n < 0 || (size_t)n > NGD_RECV_MAX)
			return n;
		size = (size_t)n;
		if (size > NGD_RECV_BUF &&
		    (buf = *big = malloc(size)) == NULL) {
			errno = ENOMEM;
			return -1;
		}
	}
	/* Only this loop reads the socket: what it peeked or counted is
	 * next. */
	n = recv(c->io.fd, buf, size, MSG_DONTWAIT | MSG_TRUNC);
	if (n > 0 && (size_t)n > size) {
		errno = EMSGSIZE; /* cannot be: the rest is lost */
		return -1;
	}
	*queued -= n > 0 && (size_t)n < *queued ? (size_t)n : *queued;
	return n;
}

/* The guests' time, topped up at 1/NGD_GUEST_SHARE of what passed. */
static void
ngd_guest_refill(struct ngd_ctl *ctl)
{
	uint64_t now = ngd_clock_us();

	ctl->guest_us += (int64_t)((now - ctl->guest_at_us) / NGD_GUEST_SHARE);
	if (ctl->guest_us > (int64_t)NGD_GUEST_BURST_US)
		ctl->guest_us = NGD_GUEST_BURST_US;
	ctl->guest_at_us = now;
}

/* May guest c have a request run now?  If not, it is held (not read)
 * until ngd_guest_before_sleep finds time again. */
static bool
ngd_guest_may(struct ngd_conn *c)
{
	struct ngd_ctl *ctl = c->ctl;

	ngd_guest_refill(ctl);
	if (ctl->guest_us > 0)
		return true;
	c->held = true;
	ctl->guests_held = true;
	return false;
}

/* Before each sleep: held guests read again once there is time. */
static int64_t
ngd_guest_before_sleep(void *arg)
{
	struct ngd_ctl *ctl = arg;
	struct ngd_conn *c, *next;

	if (!ctl->guests_held)
		return -1;
	ngd_guest_refill(ctl);
	if (ctl->guest_us <= 0)
		return -ctl->guest_us * NGD_GUEST_SHARE / 1000 + 1;
	ctl->guests_held = false;
	for (c = ctl->conns; c != NULL; c = next) {
		next = c->next;
		if (!c->held)
			continue;
		c->held = false;
		if (ngd_conn_watch(c) != 0)
			ngd_conn_close(c);
	}
	return -1;
}

static void
ngd_conn_event(void *arg, uint32_t events)
{
	struct ngd_conn *c = arg;
	bool guest = !c->admin && c->sink == NULL;
	size_t queued = 0;
	uint64_t sends = ng_sends(c->ctl->graph);

	if (c->cut) {
		ngd_conn_close(c);
		return;
	}
	if (events & EPOLLOUT) {
		if (ngd_conn_flush(c) != 0) {
			ngd_conn_close(c);
			return;
		}
	}
	if (!(events & (EPOLLIN | EPOLLHUP | EPOLLERR)))
		return;
	/* A guest that hung up: what it asked only reads, for nobody. */
	if (guest && (events & (EPOLLHUP | EPOLLERR))) {
		ngd_conn_close(c);
		return;
	}
	if (c->held)
		return;
	/*
	 * A few requests per wakeup, so one client cannot starve others,
	 * fewer if its frames cost a turn's deliveries (ng_sends), and
	 * none while its answers pile up unread (a hang-up is read anyway:
	 * recv() then says so).
	 */
	for (int i = 0; i < NGD_REQS_PER_WAKEUP && !c->closed && !c->cut &&
	     !ngd_batch_spent(c->ctl->graph, sends);
	     i++) {
		uint8_t *big = NULL;
		uint64_t t0 = 0;
		ssize_t n;

		if (!(events & (EPOLLHUP | EPOLLERR)) && ngd_conn_throttled(c))
			break;
		if (guest && !ngd_guest_may(c))
			break;
		n = ngd_conn_recv(c, &queued, i == 0, &big);
		if (n < 0 && errno == EAGAIN)
			break;
		if (n < 0 && errno == ENOMEM) {
			ngd_log(LOG_ERR, "pid %d: no memory for a request",
			    (int)c->pid);
			ngd_conn_close(c);
			return;
		}
		if (n == 0 && c->node != NULL && !ngd_conn_hung_up(c)) {
			/* an empty datagram: send(fd, "", 0, 0) */
			ngd_conn_unaddressed(c, c->ctl->rbuf, 0);
			continue;
		}
		if (n <= 0) {
			ngd_conn_close(c);
			return;
		}
		if ((size_t)n > NGD_RECV_MAX) {
			ngd_log(LOG_NOTICE,
			    "pid %d: %zd-byte request too large; closing",
			    (int)c->pid, n);
			ngd_conn_close(c);
			return;
		}
		/* A script's next request is close: loop.c polls for it. */
		ngd_loop_request(c->ctl->loop);
		if (guest)
			t0 = ngd_clock_us();
		ngd_conn_request(c, big != NULL ? big : c->ctl->rbuf,
		    (size_t)n);
		if (guest)
			c->ctl->guest_us -= (int64_t)(ngd_clock_us() - t0);
		ngd_loop_answered(c->ctl->loop);
		free(big);
	}
	if (c->cut)
		ngd_conn_close(c);
	else if (!c->closed && ngd_conn_watch(c) != 0)
		ngd_conn_close(c);
}

static void
ngd_conn_close(struct ngd_conn *c)
{
	struct ngd_ctl *ctl = c->ctl;
	struct ngd_outbuf *b;
	struct ng_node *node = c->node;
	struct ng_graph *g;

	if (c->closed)
		return;
	c->closed = true;
	ngd_loop_close(ctl->loop, &c->io);
	c->node = NULL;
	g = node != NULL ? node->graph : NULL;
	if (node != NULL)
		ng_socket_detach(node, c);
	/* A client's end is no message, but its hooks and captures went
	 * (a killed ngctl capture): the fast path hears of it here, to take
	 * an edge back into the kernel (the core's count says whether any
	 * went: most clients have none). */
	if (g != NULL)
		ngd_netdev_graph_maybe_changed(g);
	while ((b = c->outq) != NULL) {
		c->outq = b->next;
		free(b);
	}
	c->outq_tail = &c->outq;
	c->outq_mem = 0;
	c->own_mem = 0;
	free(c->join);
	c->join = NULL;
	if (c->prev != NULL)
		c->prev->next = c->next;
	else
		ctl->conns = c->next;
	if (c->next != NULL)
		c->next->prev = c->prev;
	c->prev = NULL;
	if (c->sink != NULL) {
		/* Its owner may still hold it: freed by ngd_ctl_stop. */
		c->next = ctl->dead_locals;
		ctl->dead_locals = c;
	} else {
		ngd_loop_defer_free(ctl->loop, c);
	}
	ngd_accept_resume(ctl);
}

/*
 * Is the peer on fd, whose primary group is pgid, a member of gid?  Its
 * groups as they were when it connected (SO_PEERGROUPS), as its uid is:
 * read from /proc/PID/status at accept, they were those of whatever
 * process had the pid by then, and a client that connected, passed its
 * socket on and exited left its pid to be taken by an admin's process.
 */
static bool
ngd_peer_in_group(int fd, gid_t gid, gid_t pgid)
{
	socklen_t len = 64 * sizeof(gid_t);
	gid_t *groups = NULL;
	bool found = pgid == gid;

	for (int i = 0; !found && i < 2; i++) {
		gid_t *ng = realloc(groups, len);

		if (ng == NULL)
			break;
		groups = ng;
		if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups, &len) ==
		    0) {
			for (size_t k = 0; k < len / sizeof(gid_t); k++)
				if (groups[k] == gid)
					found = true;
			break;
		}
		if (errno != ERANGE) /* else len is what it needs */
			break;
	}
	free(groups);
	return found;
}

/* Do c and nc count as one user, who may not change the graph? */
static bool
ngd_same_user(const struct ngd_conn *c, const struct ngd_conn *nc)
{
	return nc->jailed ? c->jailed :
			    !c->jailed && !c->admin && c->uid == nc->uid;
}

/*
 * Connections of the user nc counts against, non-admin: its uid, or, for
 * a jailed client, every jailed one (jailed root takes any uid it
 * likes); and of every non-admin in *all.  O(connections).
 */
static unsigned
ngd_user_conns(const struct ngd_ctl *ctl, const struct ngd_conn *nc,
    unsigned *all)
{
	const struct ngd_conn *c;
	unsigned n = 0;

	*all = 0;
	for (c = ctl->conns; c != NULL; c = c->next) {
		if (ngd_same_user(c, nc))
			n++;
		if (!c->admin && c->sink == NULL)
			(*all)++;
	}
	return n;
}

static void
ngd_conn_link(struct ngd_ctl *ctl, struct ngd_conn *c)
{
	c->ctl = ctl;
	c->outq_tail = &c->outq;
	c->next = ctl->conns;
	if (ctl->conns != NULL)
		ctl->conns->prev = c;
	ctl->conns = c;
}

/*
 * Out of file descriptors, accept() keeps failing while the listening
 * socket stays readable: stop watching it until a connection closes.
 */
static void
ngd_accept_resume(struct ngd_ctl *ctl)
{
	if (ctl->accept_paused && ctl->listen_io.fd >= 0 &&
	    ngd_loop_mod(ctl->loop, &ctl->listen_io, EPOLLIN) == 0)
		ctl->accept_paused = false;
}

/* Take one connection off the backlog; false when none was there. */
static bool
ngd_accept_one(struct ngd_ctl *ctl)
{
	struct ucred cred;
	socklen_t clen = sizeof(cred);
	struct ngd_conn *c;
	unsigned guests = 0;
	int fd;

	fd = accept4(ctl->listen_io.fd, NULL, NULL,
	    SOCK_CLOEXEC | SOCK_NONBLOCK);
	if (fd < 0) {
		if ((errno == EMFILE || errno == ENFILE || errno == ENOBUFS ||
			errno == ENOMEM) &&
		    ctl->conns != NULL &&
		    ngd_loop_mod(ctl->loop, &ctl->listen_io, 0) == 0) {
			ngd_log(LOG_WARNING,
			    "accept: %s; waiting for a client "
			    "to leave",
			    strerror(errno));
			ctl->accept_paused = true;
		}
		return false;
	}
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &clen) < 0) {
		close(fd);
		return true;
	}
	c = calloc(1, sizeof(*c));
	if (c == NULL) {
		close(fd);
		return true;
	}
	c->io.fd = fd;
	c->io.fn = ngd_conn_event;
	c->io.arg = c;
	c->pid = cred.pid;
	c->uid = cred.uid;
	c->jailed = ngd_peer_jailed(fd, cred.pid);
	/* Jailed root is no admin: it may not hold every descriptor. */
	c->admin = !c->jailed &&
	    (cred.uid == 0 ||
		(ctl->admin_gid_set &&
		    ngd_peer_in_group(fd, ctl->admin_gid, cred.gid)));
	/* Others may only read, and not hold every descriptor we have. */
	if (!c->admin &&
	    (ngd_user_conns(ctl, c, &guests) >= NGD_USER_CONNS_MAX ||
		guests >= NGD_GUESTS_CONNS_MAX)) {
		if (guests < NGD_GUESTS_CONNS_MAX)
			ngd_log(LOG_NOTICE,
			    "pid %d uid %u: more than %u connections; "
			    "refused",
			    (int)c->pid, (unsigned)c->uid, NGD_USER_CONNS_MAX);
		else if (!ctl->guests_full_logged)
			ngd_log(LOG_WARNING,
			    "pid %d uid %u: those who may only read hold %u "
			    "connections; refused, as the next are until "
			    "one goes",
			    (int)c->pid, (unsigned)c->uid,
			    NGD_GUESTS_CONNS_MAX);
		ctl->guests_full_logged = guests >= NGD_GUESTS_CONNS_MAX;
		close(fd);
		free(c);
		return true;
	}
	ctl->guests_full_logged = false;
	c->events = EPOLLIN;
	if (ngd_loop_add(ctl->loop, &c->io, EPOLLIN) != 0) {
		close(fd);
		free(c);
		return true;
	}
	ngd_conn_link(ctl, c);
	return true;
}

/* A burst of clients is taken in one go, not one per pass of the loop
 * (behind a pass of flooded interfaces). */
static void
ngd_accept(void *arg, uint32_t events)
{
	struct ngd_ctl *ctl = arg;

	(void)events;
	for (int i = 0; i < NGD_ACCEPTS_PER_WAKEUP; i++)
		if (!ngd_accept_one(ctl) || ctl->accept_paused)
			break;
}

/* The graph to serve; lfd < 0: no socket, in-process clients only. */
int
ngd_ctl_start(struct ngd_ctl *ctl, struct ngd_loop *loop, struct ng_graph *g,
    int lfd, gid_t admin_gid, bool gid_set)
{
	memset(ctl, 0, sizeof(*ctl));
	ctl->graph = g;
	ctl->loop = loop;
	ctl->admin_gid = admin_gid;
	ctl->admin_gid_set = gid_set;
	ctl->listen_io.fd = -1;
	ctl->rbuf = malloc(NGD_RECV_BUF);
	if (ctl->rbuf == NULL)
		return ENOMEM;
	ctl->listen_io.fd = lfd;
	ctl->listen_io.fn = ngd_accept;
	ctl->listen_io.arg = ctl;
	ctl->guest_us = NGD_GUEST_BURST_US;
	ctl->guest_at_us = ngd_clock_us();
	if (loop != NULL)
		ngd_loop_before_sleep(loop, &ctl->guest_hook,
		    ngd_guest_before_sleep, ctl);
	if (lfd < 0)
		return 0;
	return ngd_loop_add(loop, &ctl->listen_io, EPOLLIN);
}

void
ngd_ctl_stop(struct ngd_ctl *ctl)
{
	struct ngd_conn *c;

	while (ctl->conns != NULL)
		ngd_conn_close(ctl->conns);
	while ((c = ctl->dead_locals) != NULL) {
		ctl->dead_locals = c->next;
		free(c);
	}
	if (ctl->loop != NULL) {
		ngd_loop_cancel_sleep(ctl->loop, &ctl->guest_hook);
		ngd_loop_close(ctl->loop, &ctl->listen_io);
	}
	ctl->accept_paused = false;
	free(ctl->rbuf);
	ctl->rbuf = NULL;
}

/* --- in-process clients ------------------------------------------------- */

struct ngd_conn *
ngd_ctl_local(struct ngd_ctl *ctl, uid_t uid, ngd_ctl_sink_fn *sink, void *arg)
{
	struct ngd_conn *c = calloc(1, sizeof(*c));

	if (c == NULL)
		return NULL;
	c->io.fd = -1;
	c->uid = uid;
	c->admin = uid == 0;
	c->sink = sink;
	c->sink_arg = arg;
	ngd_conn_link(ctl, c);
	return c;
}

bool
ngd_ctl_input(struct ngd_conn *c, const void *frame, size_t len)
{
	if (c->closed)
		return false;
	if (len > NGD_RECV_MAX) {
		ngd_conn_close(c);
		return false;
	}
	ngd_conn_request(c, frame, len);
	return !c->closed;
}

/* --- a takeover (takeover.c) -------------------------------------------- */

/*
 * Every client, for the new ngd: a line of text each to f, its
 * descriptor to fdfn with its index, and the frames it has not been sent
 * yet to outq (a file: 4 bytes of length, then the frame, each), then
 * the pieces of a request it was sending that were joined so far (their
 * bytes as they are: the line says where and how many).
 */
int
ngd_ctl_handover(struct ngd_ctl *ctl, FILE *f, FILE *outq,
    void (*fdfn)(void *arg, uint32_t idx, int fd), void *arg)
{
	uint32_t idx = 0;
	long off, end;
	size_t jlen;

	for (struct ngd_conn *c = ctl->conns; c != NULL; c = c->next) {
		if (c->sink != NULL || c->closed || c->cut)
			continue;
		if ((off = ftell(outq)) < 0)
			return errno;
		for (struct ngd_outbuf *b = c->outq; b != NULL; b = b->next) {
			uint32_t len = (uint32_t)b->len;

			if (fwrite(&len, sizeof(len), 1, outq) != 1 ||
			    fwrite(b->data, b->len, 1, outq) != 1)
				return EIO;
		}
		if ((end = ftell(outq)) < 0)
			return errno;
		/* A request's pieces joined so far: the rest come to the new
		 * ngd, which must have these before them. */
		if (c->join != NULL &&
		    (c->join_have == 0 ||
			fwrite(c->join, c->join_have, 1, outq) == 1))
			jlen = c->join_len;
		else if (c->join != NULL)
			return EIO;
		else
			jlen = 0;
		fprintf(f,
		    "conn %u %08x %s admin=%d jailed=%d pid=%d uid=%u "
		    "outq=%ld+%zu parts=%d large=%d join=%ld+%zu/%zu\n",
		    idx, c->node != NULL ? c->node->id : 0,
		    c->node == NULL ? "none" :
			c->is_data  ? "data" :
				      "ctl",
		    c->admin, c->jailed, (int)c->pid, (unsigned)c->uid, off,
		    (size_t)(end - off), c->parts, c->large, end,
		    jlen != 0 ? c->join_have : 0, jlen);
		fdfn(arg, idx++, c->io.fd);
	}
	return ferror(f) || ferror(outq) ? EIO : 0;
}

/*
 * hold: the clients are the new ngd's: none is read or written to again
 * (but for frames this ngd still forwards, see ngd_conn_send); false: the
 * takeover failed, serve them on.
 */
void
ngd_ctl_hold(struct ngd_ctl *ctl, bool hold)
{
	for (struct ngd_conn *c = ctl->conns; c != NULL; c = c->next) {
		if (c->sink != NULL || c->closed || c->handed == hold)
			continue;
		c->handed = hold;
		if (hold) {
			ngd_loop_del(ctl->loop, &c->io);
			c->events = 0;
		} else if (ngd_loop_add(ctl->loop, &c->io, EPOLLIN) == 0) {
			c->events = EPOLLIN;
			(void)ngd_conn_watch(c);
		}
	}
}

/*
 * The pieces of a request the old ngd had joined when it handed over
 * (" join=OFF+HAVE/LEN" in line, the bytes at q + OFF; an older ngd's
 * line has none): kept, for the next piece to go on from.  EINVAL for
 * what no ngd of ours writes.
 */
static int
ngd_conn_adopt_join(struct ngd_conn *c, const char *line, const uint8_t *q,
    size_t qlen)
{
	const char *j = strstr(line, " join=");
	long off;
	size_t have, len;

	if (j == NULL || sscanf(j, " join=%ld+%zu/%zu", &off, &have, &len) != 3)
		return 0;
	if (len == 0)
		return 0;
	if (off < 0 || (size_t)off > qlen || have > qlen - (size_t)off ||
	    have > len || len <= NGD_REQ_PART_MAX ||
	    len > ngd_conn_max_frame(c) || !c->admin || c->is_data)
		return EINVAL;
	if ((c->join = malloc(len)) == NULL)
		return ENOMEM;
	memcpy(c->join, q + off, have);
	c->join_len = len;
	c->join_have = have;
	return 0;
}

/*
 * The new ngd: a client handed over, described by line (see above), on
 * fd (ours now), with outq bytes at q to send it first.  Its socket node
 * (node) was made again from the journal's text.
 */
int
ngd_ctl_adopt(struct ngd_ctl *ctl, const char *line, struct ng_node *node,
    int fd, const uint8_t *q, size_t qlen)
{
	char kind[8];
	unsigned idx, id, uid;
	int admin, jailed, pid, error;
	long off;
	size_t len;
	struct ngd_conn *c;

	if (sscanf(line,
		"conn %u %x %7s admin=%d jailed=%d pid=%d uid=%u "
		"outq=%ld+%zu",
		&idx, &id, kind, &admin, &jailed, &pid, &uid, &off,
		&len) != 9 ||
	    off < 0 || (size_t)off > qlen || len > qlen - (size_t)off)
		return EINVAL;
	if (strcmp(kind, "none") == 0)
		node = NULL;
	else if (node == NULL || node->type != &ng_socket_type ||
	    !ng_node_valid(node))
		return ENOENT;
	if ((c = calloc(1, sizeof(*c))) == NULL)
		return ENOMEM;
	c->io.fd = fd;
	c->io.fn = ngd_conn_event;
	c->io.arg = c;
	c->pid = pid;
	c->uid = uid;
	c->admin = admin != 0;
	c->jailed = jailed != 0;
	c->is_data = strcmp(kind, "data") == 0;
	c->parts = strstr(line, " parts=1") != NULL; /* (an older ngd's: no) */
	c->large = c->admin && strstr(line, " large=1") != NULL;
	c->node = node;
	if ((error = ngd_conn_adopt_join(c, line, q, qlen)) != 0) {
		free(c);
		return error;
	}
	(void)fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	ngd_conn_link(ctl, c);
	if (node != NULL && c->is_data)
		ng_socket_attach_data(node, c);
	else if (node != NULL)
		ng_socket_attach_ctl(node, c);
	for (size_t o = (size_t)off, end = o + len; o < end;) {
		uint32_t flen;
		struct ngd_outbuf *b;
		struct ngd_frame fr;

		if (end - o < sizeof(flen))
			break;
		memcpy(&flen, q + o, sizeof(flen));
		o += sizeof(flen);
		if (flen > end - o || flen < sizeof(struct ngd_frame) ||
		    (b = malloc(sizeof(*b) + flen)) == NULL)
			break;
		b->next = NULL;
		b->len = flen;
		b->reply = false; /* (not handed over: dropped unanswered) */
		memcpy(b->data, q + o, flen);
		memcpy(&fr, b->data, sizeof(fr));
		b->own = fr.kind == NGD_STATUS; /* (its replies: the old's) */
		o += flen;
		*c->outq_tail = b;
		c->outq_tail = &b->next;
		c->outq_mem += ngd_outbuf_size(flen);
		if (b->own)
			c->own_mem += ngd_outbuf_size(flen);
	}
	if ((error = ngd_loop_add(ctl->loop, &c->io, EPOLLIN)) == 0) {
		c->events = EPOLLIN;
		error = ngd_conn_watch(c);
	}
	if (error != 0) {
		ngd_conn_close(c); /* closes fd */
		return 0;
	}
	return 0;
}

/* Every client adopted: a socket node none of them claimed goes. */
void
ngd_ctl_adopt_done(struct ngd_ctl *ctl)
{
	struct ng_node *n;
	ng_id_t *ids;
	size_t k = 0;

	/* By ID: a node's end may take others with it. */
	if ((ids = calloc(ng_num_nodes(ctl->graph) + 1, sizeof(*ids))) == NULL)
		return;
	for (n = ng_first_node(ctl->graph); n != NULL; n = n->next)
		if (n->type == &ng_socket_type)
			ids[k++] = n->id;
	for (size_t i = 0; i < k; i++)
		if ((n = ng_find_id(ctl->graph, ids[i])) != NULL &&
		    ng_node_valid(n))
			ng_socket_detach(n, NULL);
	free(ids);
}
