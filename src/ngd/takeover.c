/*
 * takeover.c: one ngd hands its whole state to another (`ngd --takeover`,
 * DESIGN decision 12), so that ngd can be upgraded with the graph, its
 * interfaces and the traffic through them carrying on.  Every ngd listens
 * on <control socket>.takeover (@netgraph.takeover), root only.  Over it,
 * a SOCK_SEQPACKET connection:
 *
 *   new -> old  "netgraph-takeover 1"             the version it speaks
 *   old -> new  "refused: ..."                    (and the old goes on) or
 *               "state 1 <text bytes> <fds>"
 *   old -> new  the journal's text (journal.c), in pieces
 *   old -> new  the descriptors, SCM_RIGHTS, with the node ID of each as
 *               uint32s (ID 0: the control socket, which keeps its queue
 *               of clients waiting to be accepted): devices, then the
 *               sockets of ksocket nodes, which keep their addresses,
 *               peers and listen queues
 *   new -> old  "ok" once the graph is rebuilt; the old one exits without
 *               undoing anything (its interfaces are persistent).  Without
 *               an "ok" the old one serves on.
 *
 * Before it hands over, the old ngd stops accepting clients and lets the
 * ones it has finish (up to NGD_TAKEOVER_DRAIN_MS), so ngctl commands
 * issued meanwhile wait in the queue and are served by the new one.
 * Clients still connected after that (nghook, interactive ngctl) are cut.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <syslog.h>
#include <unistd.h>

#include "ngd.h"

#define NGD_TAKEOVER_VERSION 1
#define NGD_TAKEOVER_DRAIN_MS 300
#define NGD_TAKEOVER_TIMEOUT_S 10
#define NGD_TAKEOVER_CHUNK 16384 /* text bytes per packet */
#define NGD_TAKEOVER_FDS 200     /* descriptors per packet */

void
ngd_takeover_path(const char *ctl_path, char *buf, size_t size)
{
	snprintf(buf, size, "%s.takeover", ctl_path);
}

static void
ngd_takeover_timeouts(int fd)
{
	struct timeval tv = { .tv_sec = NGD_TAKEOVER_TIMEOUT_S };
	int flags = 0;

	(void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	(void)setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	(void)flags;
}

static int
ngd_send_fds(int s, const uint32_t *ids, const int *fds, size_t n)
{
	char cbuf[CMSG_SPACE(sizeof(int) * NGD_TAKEOVER_FDS)];
	struct iovec iov = { .iov_base = (void *)ids,
		.iov_len = n * sizeof(*ids) };
	struct msghdr mh = { .msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = cbuf,
		.msg_controllen = CMSG_SPACE(sizeof(int) * n) };
	struct cmsghdr *cm;

	memset(cbuf, 0, sizeof(cbuf));
	cm = CMSG_FIRSTHDR(&mh);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int) * n);
	memcpy(CMSG_DATA(cm), fds, sizeof(int) * n);
	return sendmsg(s, &mh, MSG_NOSIGNAL) < 0 ? errno : 0;
}

/* --- the old ngd ------------------------------------------------------------ */

/* Descriptors by node ID, sent NGD_TAKEOVER_FDS at a time. */
struct ngd_fdbatch {
	int s, error;
	size_t n;
	uint32_t ids[NGD_TAKEOVER_FDS];
	int fds[NGD_TAKEOVER_FDS];
};

static void
ngd_fdbatch_add(void *arg, const struct ng_node *node, int fd)
{
	struct ngd_fdbatch *b = arg;

	if (b->error != 0)
		return;
	b->ids[b->n] = node->id;
	b->fds[b->n++] = fd;
	if (b->n == NGD_TAKEOVER_FDS) {
		b->error = ngd_send_fds(b->s, b->ids, b->fds, b->n);
		b->n = 0;
	}
}

/* Everything, to the new ngd on s: 0 once it said "ok". */
static int
ngd_takeover_send(struct ngd *d, int s)
{
	struct ngd_takeover *t = &d->takeover;
	uint32_t ids[NGD_TAKEOVER_FDS];
	int fds[NGD_TAKEOVER_FDS];
	char hdr[64];
	size_t len, n = 0;
	char *text;
	struct ng_node *node;
	int error;

	if ((error = ngd_journal_text(&d->journal, &text, &len)) != 0)
		return error;
	snprintf(hdr, sizeof(hdr), "state %d %zu", NGD_TAKEOVER_VERSION, len);
	error = send(s, hdr, strlen(hdr), MSG_NOSIGNAL) < 0 ? errno : 0;
	for (size_t off = 0; error == 0 && off < len;) {
		size_t k = len - off < NGD_TAKEOVER_CHUNK ?
		    len - off :
		    NGD_TAKEOVER_CHUNK;

		if (send(s, text + off, k, MSG_NOSIGNAL) < 0)
			error = errno;
		off += k;
	}
	free(text);
	ids[n] = 0;
	fds[n++] = t->ctl_fd;
	for (node = ng_first_node(d->graph); error == 0 && node != NULL;
	     node = node->next) {
		struct ng_ifdev *ifd;

		if (node->type->netdev == NULL || node->priv == NULL ||
		    (ifd = node->type->netdev->ifdev(node)) == NULL ||
		    ifd->dev == NULL || ngd_netdev_fd(ifd->dev) < 0)
			continue; /* a veth pair: taken back from its pins */
		ids[n] = node->id;
		fds[n++] = ngd_netdev_fd(ifd->dev);
		if (n == NGD_TAKEOVER_FDS) {
			error = ngd_send_fds(s, ids, fds, n);
			n = 0;
		}
	}
	if (error == 0 && n > 0)
		error = ngd_send_fds(s, ids, fds, n);
	if (error == 0) {
		/* ksocket nodes' sockets: bound, connected, listening. */
		struct ngd_fdbatch *b = calloc(1, sizeof(*b));

		if (b == NULL)
			error = ENOMEM;
		else {
			b->s = s;
			ngd_sockdev_each(d->sockdev, ngd_fdbatch_add, b);
			error = b->error;
			if (error == 0 && b->n > 0)
				error = ngd_send_fds(s, b->ids, b->fds, b->n);
			free(b);
		}
	}
	if (error == 0 && send(s, "end", 3, MSG_NOSIGNAL) < 0)
		error = errno;
	/* The journal is the new ngd's from now on (unless it fails). */
	d->journal.enabled = error != 0 && d->journal.cookie != 0;
	return error;
}

/*
 * The new ngd's answer: "ok", and this one exits; anything else (or a
 * hang-up), and it serves on.  Until then it goes on forwarding frames,
 * with no clients (the graph stays as handed over).
 */
static void ngd_takeover_resume(struct ngd *d, int error);

static void
ngd_takeover_answer(void *arg, uint32_t events)
{
	struct ngd *d = arg;
	struct ngd_takeover *t = &d->takeover;
	char ok[8];
	ssize_t r;

	(void)events;
	r = recv(t->conn_io.fd, ok, sizeof(ok) - 1, MSG_DONTWAIT);
	if (r < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (r == 2 && memcmp(ok, "ok", 2) == 0) {
		ngd_log(LOG_NOTICE, "taken over: exiting, the graph stays");
		t->handed = true;
		d->stop = true;
		ngd_loop_del(&d->loop, &t->conn_io); /* closed at exit */
		return;
	}
	ngd_takeover_resume(d, r < 0 ? errno : ECONNABORTED);
}

static void
ngd_takeover_resume(struct ngd *d, int error)
{
	struct ngd_takeover *t = &d->takeover;

	ngd_log(LOG_ERR, "takeover failed (%s): serving on", strerror(error));
	ngd_fast_hold(d->fast, false);
	d->journal.enabled = d->journal.cookie != 0;
	ngd_loop_close(&d->loop, &t->conn_io);
	t->conn = -1;
	error = ngd_ctl_start(&d->ctl, &d->loop, d->graph, t->ctl_fd,
	    t->admin_gid, t->gid_set);
	if (error != 0)
		ngd_log(LOG_ERR, "cannot serve again: %s", strerror(error));
	t->ctl_fd = -1;
}

/* Drained (or out of patience): hand over, then wait for the answer. */
static void
ngd_takeover_now(struct ngd *d)
{
	struct ngd_takeover *t = &d->takeover;
	int error;

	t->draining = false;
	ngd_ctl_stop(&d->ctl); /* cuts the clients left; the socket is t's */
	ngd_fast_hold(d->fast, true); /* the new ngd's from now on */
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
	uint64_t now;

	if (!t->draining)
		return -1;
	now = ngd_clock_ms();
	if (d->ctl.conns == NULL || now >= t->deadline) {
		ngd_takeover_now(d);
		return t->draining ? 0 : -1;
	}
	return (int64_t)(t->deadline - now);
}

/* A new ngd asks: its version checked, the clients drained. */
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
	if (t->draining || t->handed ||
	    getsockopt(s, SOL_SOCKET, SO_PEERCRED, &cr, &cl) < 0 ||
	    cr.uid != 0) {
		close(s); /* one at a time, root only */
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
	t->deadline = ngd_clock_ms() + NGD_TAKEOVER_DRAIN_MS;
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

/*
 * Connect to the ngd serving ctl_path and receive its state: the text
 * into *textp, the control socket into *ctl_fdp, the devices into *fdsp
 * (*nfdsp of them).  *sp: the connection, to say "ok" on.  On failure a
 * message for the user is in why.
 */
int
ngd_takeover_receive(const char *ctl_path, int *sp, char **textp, size_t *lenp,
    int *ctl_fdp, struct ngd_handed_fd **fdsp, size_t *nfdsp, char *why,
    size_t whysize)
{
	struct sockaddr_un sun;
	struct ngd_handed_fd *fds = NULL;
	char path[128], buf[NGD_TAKEOVER_CHUNK + 1];
	size_t len = 0, nfds = 0, got = 0;
	char *text = NULL;
	socklen_t sl;
	int s, version, error = 0;
	ssize_t r;

	*sp = *ctl_fdp = -1;
	*textp = NULL;
	*fdsp = NULL;
	*nfdsp = 0;
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
	s = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (s < 0 || connect(s, (struct sockaddr *)&sun, sl) < 0) {
		error = errno;
		snprintf(why, whysize, "%s: no ngd to take over (%s)", path,
		    strerror(error));
		goto fail;
	}
	ngd_takeover_timeouts(s);
	snprintf(buf, sizeof(buf), "netgraph-takeover %d",
	    NGD_TAKEOVER_VERSION);
	if (send(s, buf, strlen(buf), MSG_NOSIGNAL) < 0 ||
	    (r = recv(s, buf, sizeof(buf) - 1, 0)) < 0) {
		error = errno;
		snprintf(why, whysize, "%s: %s", path, strerror(error));
		goto fail;
	}
	buf[r] = '\0';
	if (sscanf(buf, "state %d %zu", &version, &len) != 2 ||
	    version != NGD_TAKEOVER_VERSION) {
		error = EPROTO;
		snprintf(why, whysize, "the running ngd %s; it serves on",
		    r == 0 ?
			"hung up (busy with another takeover?)" :
			strncmp(buf, "refused", 7) == 0 ?
			buf :
			"speaks a handover version this ngd does not know");
		goto fail;
	}
	if ((text = malloc(len + 1)) == NULL) {
		error = ENOMEM;
		goto fail;
	}
	while (got < len) {
		r = recv(s, text + got, len - got, 0);
		if (r <= 0) {
			error = r < 0 ? errno : EPIPE;
			snprintf(why, whysize, "state cut short: %s",
			    strerror(error));
			goto fail;
		}
		got += (size_t)r;
	}
	text[len] = '\0';
	for (;;) {
		char cbuf[CMSG_SPACE(sizeof(int) * NGD_TAKEOVER_FDS)];
		uint32_t ids[NGD_TAKEOVER_FDS];
		struct iovec iov = { .iov_base = ids, .iov_len = sizeof(ids) };
		struct msghdr mh = { .msg_iov = &iov,
			.msg_iovlen = 1,
			.msg_control = cbuf,
			.msg_controllen = sizeof(cbuf) };
		struct cmsghdr *cm;
		size_t k;

		r = recvmsg(s, &mh, MSG_CMSG_CLOEXEC);
		if (r <= 0) {
			error = r < 0 ? errno : EPIPE;
			snprintf(why, whysize, "descriptors cut short: %s",
			    strerror(error));
			goto fail;
		}
		cm = CMSG_FIRSTHDR(&mh);
		if (cm == NULL && r == 3 && memcmp(ids, "end", 3) == 0)
			break;
		if (cm == NULL || cm->cmsg_type != SCM_RIGHTS ||
		    (mh.msg_flags & MSG_CTRUNC) ||
		    (k = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int)) !=
			(size_t)r / sizeof(uint32_t)) {
			error = EPROTO;
			snprintf(why, whysize, "descriptors garbled");
			goto fail;
		}
		struct ngd_handed_fd *nf = realloc(fds,
		    (nfds + k) * sizeof(*fds));
		if (nf == NULL) {
			error = ENOMEM;
			goto fail;
		}
		fds = nf;
		for (size_t i = 0; i < k; i++) {
			int fd;

			memcpy(&fd, CMSG_DATA(cm) + i * sizeof(int),
			    sizeof(fd));
			if (ids[i] == 0 && *ctl_fdp < 0)
				*ctl_fdp = fd;
			else {
				fds[nfds].id = ids[i];
				fds[nfds++].fd = fd;
			}
		}
	}
	if (*ctl_fdp < 0) {
		error = EPROTO;
		snprintf(why, whysize, "no control socket handed over");
		goto fail;
	}
	*sp = s;
	*textp = text;
	*lenp = len;
	*fdsp = fds;
	*nfdsp = nfds;
	return 0;
fail:
	for (size_t i = 0; i < nfds; i++)
		close(fds[i].fd);
	if (*ctl_fdp >= 0)
		close(*ctl_fdp);
	*ctl_fdp = -1;
	free(fds);
	free(text);
	if (s >= 0)
		close(s);
	return error != 0 ? error : EPROTO;
}

/* Rebuilt: the old ngd may go; wait until it has (its takeover socket
 * is free for us then). */
void
ngd_takeover_done(int s)
{
	char c;

	(void)send(s, "ok", 2, MSG_NOSIGNAL);
	(void)recv(s, &c, 1, 0); /* 0 once the old ngd is gone */
	close(s);
}
