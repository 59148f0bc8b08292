/*
 * takeover.c: one ngd hands its whole state to another (`ngd --takeover`,
 * DESIGN decision 12), so that ngd can be upgraded with the graph, its
 * interfaces, its clients and the traffic through them carrying on.
 * Every ngd listens on <control socket>.takeover (@netgraph.takeover),
 * root only (not root in a jail, vnet or not: jailed.c).  Over it, a SOCK_SEQPACKET connection:
 *
 *   new -> old  "netgraph-takeover 2"             the version it speaks
 *   old -> new  "refused: ..."                    (and the old goes on) or
 *               "state 2 <graph bytes> <client bytes>"
 *   old -> new  the graph as the journal's text (journal.c) with the
 *               socket nodes and their hooks, then a line per client
 *               (ctl.c), in pieces
 *   old -> new  the descriptors, SCM_RIGHTS, each with two uint32s, what
 *               it is and whose: the control socket (which keeps its
 *               queue of clients waiting to be accepted), devices and
 *               ksocket sockets by node ID, the clients' connections by
 *               their line, a memfd with the frames not yet sent to
 *               them (and the pieces of a request each was sending,
 *               joined so far: the rest come to the new ngd), the TAPs and TCX links of ether nodes by interface
 *               index, the fast path's data-plane namespace (which the
 *               new ngd may not see mounted: ngd.service's ExecReload=
 *               has a mount namespace of its own), its slow-path TAP's
 *               queues and links (the new ngd serves on the same TAP);
 *               then "end"
 *   new -> old  "ok <pid>" once the graph is rebuilt; the old one names
 *               pid the service's main process (sd_notify MAINPID=),
 *               waits until systemd has read that (BARRIER=1) and, the
 *               new one alive then, exits without undoing anything (its
 *               interfaces are persistent).  Without an "ok", or with
 *               the new one dead by then, the old one serves on, and
 *               names itself again.
 * Under systemd the main process must be the one that serves: had the new
 * ngd said MAINPID= itself before its "ok" and died then, systemd would
 * have ended the service and the still-serving old ngd with it.  The
 * state line's last word "mainpid" says that the old ngd names the new
 * one; an ngd that does not say it (before this) gets a plain "ok",
 * after the new one has said MAINPID= itself.
 *
 * The old ngd hands over as soon as it is asked: it stops accepting
 * clients (they wait in the queue of the socket the new one gets) and
 * reading the ones it has; whatever they send meanwhile waits in their
 * sockets for the new ngd.  Until it exits it forwards frames, and those
 * for a client go straight to it (or are dropped, never queued).  A
 * client notices nothing but a pause: an ngctl session, nghook, a
 * program's socket node keep their node, its ID, name and hooks.
 * A new ngd asked by an ngd of version 1 (it lets its clients finish,
 * cuts the rest and keeps its ether nodes' TAPs) takes it over in that
 * version, whose state is the graph's text and the descriptors by node
 * ID (0: the control socket); an older ngd asking this one is refused.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/un.h>
#include <syslog.h>
#include <unistd.h>

#include <netgraph/ng_hookstat.h>

#include "ngd.h"

#define NGD_TAKEOVER_VERSION 2
#define NGD_TAKEOVER_TIMEOUT_S 10
#define NGD_TAKEOVER_CHUNK 16384  /* text bytes per packet */
#define NGD_TAKEOVER_FDS 200      /* descriptors per packet */
#define NGD_TAKEOVER_NAME_MS 5000 /* systemd has that long to read MAINPID= */

void
ngd_takeover_path(const char *ctl_path, char *buf, size_t size)
{
	snprintf(buf, size, "%s.takeover", ctl_path);
}

static void
ngd_takeover_timeouts(int fd)
{
	struct timeval tv = { .tv_sec = NGD_TAKEOVER_TIMEOUT_S };

	(void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	(void)setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

/* --- the old ngd ------------------------------------------------------------ */

/* Descriptors with what they are, sent NGD_TAKEOVER_FDS at a time. */
struct ngd_fdbatch {
	int s, error;
	size_t n;
	uint32_t tags[NGD_TAKEOVER_FDS][2]; /* kind, id */
	int fds[NGD_TAKEOVER_FDS];
};

static void
ngd_fdbatch_flush(struct ngd_fdbatch *b)
{
	char cbuf[CMSG_SPACE(sizeof(int) * NGD_TAKEOVER_FDS)];
	struct iovec iov = { .iov_base = b->tags,
		.iov_len = b->n * sizeof(b->tags[0]) };
	struct msghdr mh = { .msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = cbuf,
		.msg_controllen = CMSG_SPACE(sizeof(int) * b->n) };
	struct cmsghdr *cm;

	if (b->error != 0 || b->n == 0)
		return;
	memset(cbuf, 0, sizeof(cbuf));
	cm = CMSG_FIRSTHDR(&mh);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int) * b->n);
	memcpy(CMSG_DATA(cm), b->fds, sizeof(int) * b->n);
	if (sendmsg(b->s, &mh, MSG_NOSIGNAL) < 0)
		b->error = errno;
	b->n = 0;
}

static void
ngd_fdbatch_add(struct ngd_fdbatch *b, uint32_t kind, uint32_t id, int fd)
{
	if (b->error != 0 || fd < 0)
		return;
	b->tags[b->n][0] = kind;
	b->tags[b->n][1] = id;
	b->fds[b->n++] = fd;
	if (b->n == NGD_TAKEOVER_FDS)
		ngd_fdbatch_flush(b);
}

static void
ngd_fdbatch_sock(void *arg, const struct ng_node *node, int fd)
{
	ngd_fdbatch_add(arg, NGD_HANDED_NODE, node->id, fd);
}

/* The clients' descriptors, by index, until the text has gone. */
struct ngd_fdlist {
	int *fds;
	size_t n, cap;
	int error;
};

static void
ngd_fdlist_add(void *arg, uint32_t idx, int fd)
{
	struct ngd_fdlist *l = arg;

	(void)idx; /* they come in order */
	if (l->n == l->cap) {
		size_t cap = l->cap != 0 ? 2 * l->cap : 64;
		int *nf = realloc(l->fds, cap * sizeof(*nf));

		if (nf == NULL) {
			l->error = ENOMEM;
			return;
		}
		l->fds = nf;
		l->cap = cap;
	}
	l->fds[l->n++] = fd;
}

static void
ngd_fdbatch_ether(void *arg, uint32_t ifindex, unsigned slot, int fd)
{
	ngd_fdbatch_add(arg, NGD_HANDED_ETHER + slot, ifindex, fd);
}

static void
ngd_fdbatch_slowtap(void *arg, uint32_t what, uint32_t ifindex, int fd)
{
	ngd_fdbatch_add(arg, NGD_HANDED_SLOWTAP + what, ifindex, fd);
}

/*
 * The captures clients asked for (ngctl capture), a line each:
 * "capture <node> <hook, in hex> <sink node> <snaplen>".
 */
static void
ngd_takeover_captures(struct ngd *d, FILE *f)
{
	for (struct ng_node *n = ng_first_node(d->graph); n != NULL;
	     n = n->next)
		for (struct ng_hook *h = n->hooks; h != NULL; h = h->next)
			for (struct ng_capture *c = h->captures; c != NULL;
			     c = c->next) {
				fprintf(f, "capture %08x ", n->id);
				for (const char *p = h->name; *p != '\0'; p++)
					fprintf(f, "%02x", (uint8_t)*p);
				fprintf(f, " %08x %u\n", c->sink, c->snaplen);
			}
}

/* The clients: their lines into *textp, their unsent frames into a memfd
 * (*qfdp), their descriptors to l. */
static int
ngd_takeover_clients(struct ngd *d, struct ngd_fdlist *l, char **textp,
    size_t *lenp, int *qfdp)
{
	FILE *f, *q = NULL;
	int qfd, error;

	*textp = NULL;
	*qfdp = -1;
	if ((qfd = memfd_create("ngd-takeover", MFD_CLOEXEC)) < 0)
		return errno;
	if ((q = fdopen(qfd, "w")) == NULL ||
	    (f = open_memstream(textp, lenp)) == NULL) {
		error = errno;
		if (q != NULL)
			fclose(q);
		else
			close(qfd);
		return error;
	}
	error = ngd_ctl_handover(&d->ctl, f, q, ngd_fdlist_add, l);
	if (error == 0)
		error = l->error;
	ngd_takeover_captures(d, f);
	if (fflush(q) != 0 && error == 0)
		error = errno;
	if (error == 0 && (*qfdp = dup(qfd)) < 0)
		error = errno;
	fclose(q);
	if (fclose(f) != 0 && error == 0)
		error = ENOMEM;
	if (error != 0) {
		free(*textp);
		*textp = NULL;
		if (*qfdp >= 0)
			close(*qfdp);
		*qfdp = -1;
	}
	return error;
}

/* Everything, to the new ngd on s: 0 once it was sent. */
static int
ngd_takeover_send(struct ngd *d, int s)
{
	struct ngd_takeover *t = &d->takeover;
	struct ngd_fdbatch *b;
	struct ngd_fdlist conns = { NULL, 0, 0, 0 };
	char hdr[80];
	size_t len, clen = 0;
	char *text, *ctext = NULL;
	struct ng_node *node;
	int qfd = -1, dpfd = -1, error;

	if ((b = calloc(1, sizeof(*b))) == NULL)
		return ENOMEM;
	b->s = s;
	if ((error = ngd_journal_text(&d->journal, &text, &len, true)) != 0) {
		free(b);
		return error;
	}
	error = ngd_takeover_clients(d, &conns, &ctext, &clen, &qfd);
	snprintf(hdr, sizeof(hdr), "state %d %zu %zu mainpid",
	    NGD_TAKEOVER_VERSION, len, clen);
	if (error == 0 && send(s, hdr, strlen(hdr), MSG_NOSIGNAL) < 0)
		error = errno;
	for (size_t off = 0; error == 0 && off < len + clen;) {
		size_t k = len + clen - off < NGD_TAKEOVER_CHUNK ?
		    len + clen - off :
		    NGD_TAKEOVER_CHUNK;
		char buf[NGD_TAKEOVER_CHUNK];

		for (size_t i = 0; i < k; i++)
			buf[i] = off + i < len ? text[off + i] :
						 ctext[off + i - len];
		if (send(s, buf, k, MSG_NOSIGNAL) < 0)
			error = errno;
		off += k;
	}
	free(text);
	free(ctext);
	if (error != 0) {
		if (qfd >= 0)
			close(qfd);
		free(conns.fds);
		free(b);
		return error;
	}
	for (size_t i = 0; i < conns.n; i++)
		ngd_fdbatch_add(b, NGD_HANDED_CONN, (uint32_t)i, conns.fds[i]);
	free(conns.fds);
	ngd_fdbatch_add(b, NGD_HANDED_LISTEN, 0, t->ctl_fd);
	ngd_fdbatch_add(b, NGD_HANDED_OUTQ, 0, qfd);
	for (node = ng_first_node(d->graph); node != NULL; node = node->next) {
		struct ng_ifdev *ifd;

		if (node->type->netdev == NULL || node->priv == NULL ||
		    (ifd = node->type->netdev->ifdev(node)) == NULL ||
		    ifd->dev == NULL || ngd_netdev_fd(ifd->dev) < 0)
			continue; /* a veth pair: taken back from its pins */
		ngd_fdbatch_add(b, NGD_HANDED_NODE, node->id,
		    ngd_netdev_fd(ifd->dev));
	}
	/* ksocket nodes' sockets: bound, connected, listening. */
	ngd_sockdev_each(d->sockdev, ngd_fdbatch_sock, b);
	/* ether nodes' TAPs and links */
	ngd_ether_handover(d->ether, ngd_fdbatch_ether, b);
	/* The fast path's data plane, which the new ngd may not see mounted
	 * (ngd.service: its ExecReload= has a mount namespace of its own). */
	if ((dpfd = ngd_fast_pin_handover(d->journal.cookie)) >= 0)
		ngd_fdbatch_add(b, NGD_HANDED_DATAPLANE, 0, dpfd);
	/* and its slow path's TAP, which the new ngd serves on */
	ngd_fast_tap_handover(d->fast, ngd_fdbatch_slowtap, b);
	ngd_fdbatch_flush(b);
	if (dpfd >= 0)
		close(dpfd);
	error = b->error;
	free(b);
	if (qfd >= 0)
		close(qfd);
	if (error == 0 && send(s, "end", 3, MSG_NOSIGNAL) < 0)
		error = errno;
	/* The journal is the new ngd's from now on (unless it fails). */
	d->journal.enabled = error != 0 && d->journal.cookie != 0;
	return error;
}

/* Whether process pid (pidfd, or -1 for a kernel before 5.3 without
 * pidfds) has ended, a zombie included. */
static bool
ngd_takeover_dead(int pidfd, pid_t pid)
{
	struct pollfd p = { .fd = pidfd, .events = POLLIN };

	if (pidfd < 0)
		return kill(pid, 0) < 0 && errno == ESRCH;
	return poll(&p, 1, 0) > 0;
}

static void ngd_takeover_resume(struct ngd *d, int error);

/* Leave the graph to the new ngd: exit without undoing anything. */
static void
ngd_takeover_leave(struct ngd *d)
{
	struct ngd_takeover *t = &d->takeover;

	t->handed = true;
	d->stop = true;
	ngd_loop_del(&d->loop, &t->conn_io); /* closed at exit */
}

/*
 * Name the new ngd, pid, the service's main process (MAINPID=), and
 * leave it the graph only once systemd has read that and the new ngd
 * was alive then: systemd refuses a MAINPID= that is dead or a zombie.
 * Named while this ngd was exiting, a new ngd that died in between left
 * the service to a dead process: systemd restarted it, the graph from
 * the journal after a gap (one that refuses the dead MAINPID= saw its
 * main process, this one, exit cleanly, and ended it).  If it died
 * meanwhile, systemd either refused
 * it, and this ngd, the main process still, serves on; or took it and
 * saw it die, a crash of the service, and then it stops what is left of
 * it to restart it: a SIGTERM that is no clean stop, and is waiting for
 * this ngd by the time systemd has read its MAINPID= again.  This ngd
 * then exits leaving everything, as the crashed main process would
 * have, and the next ngd restores the journal.  (Outside systemd the
 * barrier returns at once: a new ngd that dies later is a crash.)
 * "Dead" is a zombie or gone, to systemd and to the pidfd alike: a new
 * ngd being killed, still closing its TAPs (an RCU wait each) when
 * systemd reads MAINPID=, is alive to both, and its death a crash.
 */
static void
ngd_takeover_name(struct ngd *d, pid_t pid)
{
	int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	sigset_t pending;
	int error;

	if ((pidfd < 0 && errno != ENOSYS) || ngd_takeover_dead(pidfd, pid)) {
		if (pidfd >= 0)
			close(pidfd);
		ngd_takeover_resume(d, ESRCH); /* died before it served */
		return;
	}
	ngd_log(LOG_NOTICE,
	    "takeover: pid %d has the graph: naming it the service's main "
	    "process",
	    (int)pid);
	error = ngd_notify_mainpid_of(pid, NGD_TAKEOVER_NAME_MS);
	if (error != 0)
		ngd_log(LOG_WARNING,
		    "takeover: systemd did not say it read MAINPID=%d: %s",
		    (int)pid, strerror(error));
	if (!ngd_takeover_dead(pidfd, pid)) {
		if (pidfd >= 0)
			close(pidfd);
		ngd_log(LOG_NOTICE, "taken over: exiting, the graph stays");
		ngd_takeover_leave(d);
		return;
	}
	if (pidfd >= 0)
		close(pidfd);
	(void)ngd_notify_mainpid_of(getpid(), NGD_TAKEOVER_NAME_MS);
	if (sigpending(&pending) == 0 && sigismember(&pending, SIGTERM)) {
		ngd_log(LOG_ERR,
		    "takeover: the new ngd (pid %d) died as the service's "
		    "main process, which systemd restarts: exiting, the "
		    "graph stays for the next ngd",
		    (int)pid);
		d->journal.enabled = d->journal.cookie != 0;
		(void)ngd_journal_sync(&d->journal);
		ngd_takeover_leave(d);
		return;
	}
	ngd_takeover_resume(d, ESRCH);
}

/*
 * The new ngd's answer: "ok <pid>" (or "ok" from an ngd that said
 * MAINPID= itself), and this one names it the service's main process and
 * exits (above); anything else, a hang-up, or a new ngd already dead (it
 * died after its "ok", before it served), and this one serves on.  Until
 * then it goes on forwarding frames, serving no client (the graph stays
 * as handed over).
 */
static void
ngd_takeover_answer(void *arg, uint32_t events)
{
	struct ngd *d = arg;
	struct ngd_takeover *t = &d->takeover;
	char ok[32];
	ssize_t r;
	long pid = 0;

	(void)events;
	r = recv(t->conn_io.fd, ok, sizeof(ok) - 1, MSG_DONTWAIT);
	if (r < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (r > 2 && memcmp(ok, "ok ", 3) == 0) {
		ok[r] = '\0';
		if (sscanf(ok + 3, "%ld", &pid) != 1 || pid <= 1 ||
		    pid != (pid_t)pid) {
			ngd_takeover_resume(d, EPROTO);
			return;
		}
		ngd_takeover_name(d, (pid_t)pid);
		return;
	}
	if (r == 2 && memcmp(ok, "ok", 2) == 0) {
		ngd_log(LOG_NOTICE, "taken over: exiting, the graph stays");
		ngd_takeover_leave(d);
		return;
	}
	ngd_takeover_resume(d, r < 0 ? errno : ECONNABORTED);
}

static void
ngd_takeover_resume(struct ngd *d, int error)
{
	struct ngd_takeover *t = &d->takeover;
	int lerror;

	/* The service's main process again, should the new ngd (one
	 * before "mainpid") have named itself before it died. */
	ngd_notify_mainpid();
	ngd_fast_hold(d->fast, false);
	ngd_ether_reclaim(d->ether);
	d->journal.enabled = d->journal.cookie != 0;
	if (t->conn_io.fd == t->conn)
		ngd_loop_close(&d->loop, &t->conn_io);
	else if (t->conn >= 0)
		close(t->conn);
	t->conn = t->conn_io.fd = -1;
	d->ctl.listen_io.fd = t->ctl_fd;
	ngd_ctl_own(t->ctl_fd);
	if ((lerror = ngd_loop_add(&d->loop, &d->ctl.listen_io, EPOLLIN)) != 0)
		ngd_log(LOG_ERR, "cannot serve again: %s", strerror(lerror));
	ngd_ctl_hold(&d->ctl, false);
	t->ctl_fd = -1;
	/* (said once it is so: its links, pins and TAP its own again) */
	ngd_log(LOG_ERR, "takeover failed (%s): serving on", strerror(error));
}

/* Hand over, then wait for the answer. */
static void
ngd_takeover_now(struct ngd *d)
{
	struct ngd_takeover *t = &d->takeover;
	int error;

	t->draining = false;
	ngd_ctl_hold(&d->ctl, true);  /* the clients are the new ngd's */
	ngd_fast_hold(d->fast, true); /* the data plane too */
	error = ngd_takeover_send(d, t->conn);
	t->conn_io.fd = t->conn;
	t->conn_io.fn = ngd_takeover_answer;
	t->conn_io.arg = d;
	if (error == 0)
		error = ngd_loop_add(&d->loop, &t->conn_io, EPOLLIN);
	if (error != 0)
		ngd_takeover_resume(d, error);
}

static int64_t
ngd_takeover_before_sleep(void *arg)
{
	struct ngd *d = arg;
	struct ngd_takeover *t = &d->takeover;

	if (!t->draining)
		return -1;
	ngd_takeover_now(d); /* after the pass of events that asked */
	return -1;
}

/* A new ngd asks: its version checked, hand over before the next sleep. */
static void
ngd_takeover_accept(void *arg, uint32_t events)
{
	struct ngd *d = arg;
	struct ngd_takeover *t = &d->takeover;
	struct ucred cr;
	socklen_t cl = sizeof(cr);
	char buf[64], msg[160];
	int s, version;
	ssize_t r;

	(void)events;
	s = accept4(t->io.fd, NULL, NULL, SOCK_CLOEXEC);
	if (s < 0)
		return;
	if (t->draining || t->handed || t->conn >= 0 ||
	    getsockopt(s, SOL_SOCKET, SO_PEERCRED, &cr, &cl) < 0 ||
	    cr.uid != 0 || ngd_peer_below(s, cr.pid)) {
		close(s); /* one at a time, root only, and not jailed root */
		return;
	}
	ngd_takeover_timeouts(s);
	r = recv(s, buf, sizeof(buf) - 1, 0);
	if (r <= 0) {
		close(s);
		return;
	}
	buf[r] = '\0';
	if (sscanf(buf, "netgraph-takeover %d", &version) != 1 ||
	    version != NGD_TAKEOVER_VERSION) {
		snprintf(msg, sizeof(msg),
		    "refused: this ngd (pid %d) hands "
		    "over its state in version %d, not \"%.40s\"",
		    (int)getpid(), NGD_TAKEOVER_VERSION, buf);
		(void)send(s, msg, strlen(msg), MSG_NOSIGNAL);
		ngd_log(LOG_WARNING,
		    "takeover by pid %d refused: version "
		    "\"%.40s\" unknown; serving on",
		    (int)cr.pid, buf);
		close(s);
		return;
	}
	ngd_log(LOG_NOTICE, "takeover by pid %d: handing over", (int)cr.pid);
	t->conn = s;
	/* Stop accepting: clients wait in the queue for the new ngd. */
	t->ctl_fd = d->ctl.listen_io.fd;
	ngd_loop_del(&d->loop, &d->ctl.listen_io);
	d->ctl.listen_io.fd = -1;
	t->draining = true;
}

int
ngd_takeover_listen(struct ngd *d, const char *ctl_path, gid_t gid,
    bool gid_set)
{
	struct ngd_takeover *t = &d->takeover;
	char path[128];
	int error;

	t->conn = t->ctl_fd = t->conn_io.fd = -1;
	t->admin_gid = gid;
	t->gid_set = gid_set;
	ngd_takeover_path(ctl_path, path, sizeof(path));
	if ((error = ngd_ctl_listen(path, &t->io.fd)) != 0)
		return error;
	t->io.fn = ngd_takeover_accept;
	t->io.arg = d;
	ngd_loop_before_sleep(&d->loop, &t->hook, ngd_takeover_before_sleep, d);
	return ngd_loop_add(&d->loop, &t->io, EPOLLIN);
}

void
ngd_takeover_close(struct ngd *d)
{
	struct ngd_takeover *t = &d->takeover;

	ngd_loop_close(&d->loop, &t->io);
	if (t->conn >= 0)
		close(t->conn);
	t->conn = t->conn_io.fd = -1;
}

/* --- the new ngd ------------------------------------------------------------ */

static void
ngd_handover_free(struct ngd_handover *h)
{
	for (size_t i = 0; i < h->nfds; i++)
		if (h->fds[i].fd >= 0)
			close(h->fds[i].fd);
	free(h->fds);
	free(h->text);
	h->fds = NULL;
	h->text = h->clients = NULL;
	h->nfds = 0;
}

static int ngd_handover_take(struct ngd_handover *h, uint32_t kind,
    uint32_t id);

/*
 * Connect to the ngd serving ctl_path and receive its state into h (see
 * above); h->s: the connection, to say "ok" on.  On failure a message
 * for the user is in why.
 */
int
ngd_takeover_receive(const char *ctl_path, struct ngd_handover *h, char *why,
    size_t whysize)
{
	struct sockaddr_un sun;
	char path[128], buf[NGD_TAKEOVER_CHUNK + 1];
	size_t len = 0, clen = 0, got = 0;
	socklen_t sl, cl;
	struct ucred cr = { 0 };
	int s = -1, version, error = 0, want = NGD_TAKEOVER_VERSION;
	bool listen = false;
	/* version 1: a uint32 node ID per descriptor, 0 the control socket */
	size_t per;
	ssize_t r;

	memset(h, 0, sizeof(*h));
	h->s = -1;
	ngd_takeover_path(ctl_path, path, sizeof(path));
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path)) {
		snprintf(why, whysize, "%s: name too long", path);
		return ENAMETOOLONG;
	}
	memcpy(sun.sun_path, path, strlen(path));
	sl = offsetof(struct sockaddr_un, sun_path) + strlen(path);
	if (path[0] == '@')
		sun.sun_path[0] = '\0';
again:
	s = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (s < 0 || connect(s, (struct sockaddr *)&sun, sl) < 0) {
		error = errno;
		snprintf(why, whysize, "%s: no ngd to take over (%s)", path,
		    strerror(error));
		goto fail;
	}
	/*
	 * Whoever answers hands us a graph to serve as root, and the
	 * control socket itself: only root outside any jail.  Root in a
	 * jail that shares this network (or a jail's own ngd, reached
	 * from outside) may bind the name while no ngd of ours does, and
	 * would keep a copy of every descriptor it handed over.
	 */
	cl = sizeof(cr);
	if (getsockopt(s, SOL_SOCKET, SO_PEERCRED, &cr, &cl) < 0 ||
	    cr.uid != 0 || ngd_peer_below(s, cr.pid)) {
		error = EPERM;
		snprintf(why, whysize,
		    "%s: served by pid %d, uid %u, which is no ngd of "
		    "this host's root (a jail's?); refused",
		    path, (int)cr.pid, (unsigned)cr.uid);
		goto fail;
	}
	ngd_takeover_timeouts(s);
	snprintf(buf, sizeof(buf), "netgraph-takeover %d", want);
	if (send(s, buf, strlen(buf), MSG_NOSIGNAL) < 0 ||
	    (r = recv(s, buf, sizeof(buf) - 1, 0)) < 0) {
		error = errno;
		snprintf(why, whysize, "%s: %s", path, strerror(error));
		goto fail;
	}
	buf[r] = '\0';
	/* An ngd of version 1 (it cuts its clients) is taken over in its
	 * version: upgrades from it keep the graph and the interfaces. */
	if (want != 1 && strncmp(buf, "refused", 7) == 0 &&
	    strstr(buf, " in version 1, ") != NULL) {
		close(s);
		want = 1;
		goto again;
	}
	if ((want == 1 ? sscanf(buf, "state %d %zu", &version, &len) != 2 :
			 sscanf(buf, "state %d %zu %zu", &version, &len,
			     &clen) != 3) ||
	    version != want || len + clen < len) {
		error = EPROTO;
		snprintf(why, whysize, "the running ngd %s; it serves on",
		    r == 0 ?
			"hung up (busy with another takeover?)" :
			strncmp(buf, "refused", 7) == 0 ?
			buf :
			"speaks a handover version this ngd does not know");
		goto fail;
	}
	/* (a word an older ngd's sscanf passes over) */
	h->announces = want != 1 && strstr(buf, " mainpid") != NULL;
	if ((h->text = malloc(len + clen + 1)) == NULL) {
		error = ENOMEM;
		goto fail;
	}
	while (got < len + clen) {
		r = recv(s, h->text + got, len + clen - got, 0);
		if (r <= 0) {
			error = r < 0 ? errno : EPIPE;
			snprintf(why, whysize, "state cut short: %s",
			    strerror(error));
			goto fail;
		}
		got += (size_t)r;
	}
	h->text[len + clen] = '\0';
	h->len = len;
	h->clients = h->text + len; /* the graph's text ends in '\n' */
	for (;;) {
		char cbuf[CMSG_SPACE(sizeof(int) * NGD_TAKEOVER_FDS)];
		uint32_t tags[NGD_TAKEOVER_FDS][2];
		struct iovec iov = { .iov_base = tags,
			.iov_len = sizeof(tags) };
		struct msghdr mh = { .msg_iov = &iov,
			.msg_iovlen = 1,
			.msg_control = cbuf,
			.msg_controllen = sizeof(cbuf) };
		struct cmsghdr *cm;
		struct ngd_handed *nf;
		size_t k;

		r = recvmsg(s, &mh, MSG_CMSG_CLOEXEC);
		if (r <= 0) {
			error = r < 0 ? errno : EPIPE;
			snprintf(why, whysize, "descriptors cut short: %s",
			    strerror(error));
			goto fail;
		}
		cm = CMSG_FIRSTHDR(&mh);
		if (cm == NULL && r == 3 && memcmp(tags, "end", 3) == 0)
			break;
		per = want == 1 ? sizeof(uint32_t) : sizeof(tags[0]);
		if (cm == NULL || cm->cmsg_type != SCM_RIGHTS ||
		    (mh.msg_flags & MSG_CTRUNC) ||
		    (k = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int)) !=
			(size_t)r / per) {
			error = EPROTO;
			snprintf(why, whysize, "descriptors garbled");
			goto fail;
		}
		if ((nf = realloc(h->fds, (h->nfds + k) * sizeof(*nf))) ==
		    NULL) {
			error = ENOMEM;
			goto fail;
		}
		h->fds = nf;
		for (size_t i = 0; i < k; i++) {
			struct ngd_handed *e = &h->fds[h->nfds++];

			memcpy(&e->fd, CMSG_DATA(cm) + i * sizeof(int),
			    sizeof(e->fd));
			if (want == 1) {
				memcpy(&e->id, (uint8_t *)tags + i * per,
				    sizeof(e->id));
				e->kind = e->id == 0 && !listen ?
				    NGD_HANDED_LISTEN :
				    NGD_HANDED_NODE;
			} else {
				e->kind = tags[i][0];
				e->id = tags[i][1];
			}
			listen = listen || e->kind == NGD_HANDED_LISTEN;
		}
	}
	if (!listen) {
		error = EPROTO;
		snprintf(why, whysize, "no control socket handed over");
		goto fail;
	}
	h->s = s;
	ngd_fast_pin_give(ngd_handover_take(h, NGD_HANDED_DATAPLANE, 0));
	for (size_t i = 0; i < h->nfds; i++)
		if (h->fds[i].fd >= 0 && h->fds[i].kind >= NGD_HANDED_SLOWTAP &&
		    h->fds[i].kind < NGD_HANDED_SLOWTAP + 0x100) {
			ngd_fast_tap_given(h->fds[i].kind - NGD_HANDED_SLOWTAP,
			    h->fds[i].id, h->fds[i].fd);
			h->fds[i].fd = -1;
		}
	return 0;
fail:
	ngd_handover_free(h);
	if (s >= 0)
		close(s);
	return error != 0 ? error : EPROTO;
}

/* The descriptor of kind and id handed over, now the caller's; or -1. */
static int
ngd_handover_take(struct ngd_handover *h, uint32_t kind, uint32_t id)
{
	for (size_t i = 0; i < h->nfds; i++)
		if (h->fds[i].fd >= 0 && h->fds[i].kind == kind &&
		    h->fds[i].id == id) {
			int fd = h->fds[i].fd;

			h->fds[i].fd = -1;
			return fd;
		}
	return -1;
}

int
ngd_takeover_ctl_fd(struct ngd_handover *h)
{
	return ngd_handover_take(h, NGD_HANDED_LISTEN, 0);
}

/*
 * The graph rebuilt from h (the ether nodes' TAPs and links, devices and
 * ksocket sockets taken back); the clients wait for ngd_takeover_adopt.
 * *bad: what is wrong with a state refused whole.
 */
int
ngd_takeover_restore(struct ngd *d, struct ngd_handover *h, const char **bad,
    unsigned *nnodes)
{
	struct ngd_handed_fd *nodes;
	size_t n = 0;
	int error;

	if ((nodes = calloc(h->nfds + 1, sizeof(*nodes))) == NULL)
		return ENOMEM;
	for (size_t i = 0; i < h->nfds; i++) {
		struct ngd_handed *e = &h->fds[i];

		if (e->fd < 0)
			continue;
		if (e->kind >= NGD_HANDED_ETHER) {
			ngd_ether_expect(d->ether, e->id,
			    e->kind - NGD_HANDED_ETHER, e->fd);
			e->fd = -1;
		} else if (e->kind == NGD_HANDED_NODE) {
			nodes[n].id = e->id;
			nodes[n++].fd = e->fd;
		}
	}
	error = ngd_journal_restore_text(&d->journal, h->text, h->len, nodes, n,
	    bad, nnodes);
	free(nodes);
	ngd_ether_expect_done(d->ether);
	ngd_fast_tap_given_drop(); /* (a TAP-model ngd's: not taken) */
	return error;
}

/* A capture line (ngd_takeover_captures) asked for again. */
static int
ngd_takeover_capture(struct ngd *d, const char *line)
{
	struct ng_hookstat_capture *arg;
	struct ng_msgctx ctx = { .retaddr = 0 };
	struct ng_node *node, *sinknode;
	struct ng_mesg *m;
	char hex[2 * NG_HOOKSIZ + 1];
	unsigned id, sink, snaplen;
	size_t k;
	int error;

	if (sscanf(line, "capture %x %64s %x %u", &id, hex, &sink, &snaplen) !=
		4 ||
	    (k = strlen(hex)) % 2 != 0 || k / 2 >= NG_HOOKSIZ)
		return EINVAL;
	if ((node = ngd_journal_node(&d->journal, id)) == NULL ||
	    (sinknode = ngd_journal_node(&d->journal, sink)) == NULL)
		return ENOENT;
	if ((m = ng_mkmsg(NGM_HOOKSTAT_COOKIE, NGM_HOOKSTAT_CAPTURE,
		 sizeof(*arg))) == NULL)
		return ENOMEM;
	arg = (struct ng_hookstat_capture *)m->data;
	memset(arg, 0, sizeof(*arg));
	for (size_t i = 0; i < k / 2; i++) {
		unsigned c;

		if (sscanf(hex + 2 * i, "%2x", &c) != 1) {
			free(m);
			return EINVAL;
		}
		arg->hook[i] = (char)c;
	}
	arg->snaplen = snaplen;
	ctx.retaddr = sinknode->id;
	error = ng_deliver_msg(node, &ctx, m);
	free(m);
	return error;
}

/* After the control server started: the clients served again, each with
 * its socket node; what is left of h is freed. */
void
ngd_takeover_adopt(struct ngd *d, struct ngd_handover *h)
{
	int qfd = ngd_handover_take(h, NGD_HANDED_OUTQ, 0);
	const uint8_t *q = NULL;
	struct stat st;
	size_t qlen = 0;
	unsigned n = 0, bad = 0;
	char *line, *save = NULL, *caps[256];
	size_t ncaps = 0;

	if (qfd >= 0 && fstat(qfd, &st) == 0 && st.st_size > 0) {
		void *m = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE,
		    qfd, 0);

		if (m != MAP_FAILED) {
			q = m;
			qlen = (size_t)st.st_size;
		}
	}
	for (line = strtok_r(h->clients, "\n", &save); line != NULL;
	     line = strtok_r(NULL, "\n", &save)) {
		unsigned idx, id;
		int fd;

		if (strncmp(line, "capture ", 8) == 0) {
			if (ncaps < sizeof(caps) / sizeof(caps[0]))
				caps[ncaps++] = line;
			continue;
		}
		if (sscanf(line, "conn %u %x", &idx, &id) != 2 ||
		    (fd = ngd_handover_take(h, NGD_HANDED_CONN, idx)) < 0) {
			bad++;
			continue;
		}
		if (ngd_ctl_adopt(&d->ctl, line,
			ngd_journal_node(&d->journal, id), fd, q, qlen) != 0) {
			close(fd); /* the client sees its end */
			bad++;
		} else
			n++;
	}
	ngd_ctl_adopt_done(&d->ctl);
	for (size_t i = 0; i < ncaps; i++) {
		int error = ngd_takeover_capture(d, caps[i]);

		if (error != 0)
			ngd_log(LOG_WARNING, "takeover: %s: %s; it ends",
			    caps[i], strerror(error));
	}
	if (ncaps > 0)
		ngd_netdev_graph_changed(); /* the fast path hears of them */
	if (bad > 0)
		ngd_log(LOG_ERR, "takeover: %u clients not taken back", bad);
	ngd_log(LOG_INFO, "took over %u clients", n);
	if (q != NULL)
		munmap((void *)q, qlen);
	if (qfd >= 0)
		close(qfd);
	ngd_handover_free(h);
}

/* ngd(8), NGD_TEST_TAKEOVER_DIE=after-ok:FILE: wait until FILE exists
 * (want) or is gone (!want), 10 s at most. */
static void
ngd_takeover_test_wait(const char *file, bool want)
{
	for (int i = 0; i < 1000 && (access(file, F_OK) == 0) != want; i++)
		usleep(10000);
}

/* Rebuilt: the old ngd may go; wait until it has (its takeover socket
 * is free for us then). */
void
ngd_takeover_done(const struct ngd_handover *h)
{
	char c, ok[32];
	const char *die, *gate = NULL;
	bool after_ok;

	/* Under systemd, this ngd must be the service's process before the
	 * old one exits, which would otherwise end the service (and this
	 * ngd): the old one says so if it can (above), else this one. */
	if (!h->announces)
		ngd_notify_mainpid();
	/* ngd(8): a test's death before the "ok", or after it: with a file,
	 * the "ok" once the test has made it (and holds systemd), the death
	 * once it has removed it (the old ngd has named this one then). */
	die = getenv("NGD_TEST_TAKEOVER_DIE");
	after_ok = die != NULL && strncmp(die, "after-ok", 8) == 0 &&
	    (die[8] == '\0' || die[8] == ':');
	if (after_ok && die[8] == ':' && die[9] != '\0')
		gate = die + 9;
	if (die != NULL && !after_ok)
		raise(SIGKILL);
	if (gate != NULL)
		ngd_takeover_test_wait(gate, true);
	if (h->announces)
		snprintf(ok, sizeof(ok), "ok %ld", (long)getpid());
	else
		snprintf(ok, sizeof(ok), "ok");
	(void)send(h->s, ok, strlen(ok), MSG_NOSIGNAL);
	if (after_ok) {
		if (gate != NULL)
			ngd_takeover_test_wait(gate, false);
		raise(SIGKILL);
	}
	(void)recv(h->s, &c, 1, 0); /* 0 once the old ngd is gone */
	close(h->s);
}
