/*
 * ctl.c: ngd's control server.  Clients connect to an abstract AF_UNIX
 * SOCK_SEQPACKET socket (ngd_proto.h).  A control connection owns a socket
 * node; a data connection attaches to one.  Each request is checked for
 * length before any field is read, run to completion, and answered with
 * one NGD_STATUS after whatever replies it caused.  Peers are identified
 * by SO_PEERCRED: root, or members of the admin group, may change the
 * graph; others may only read it (EPERM).
 */
#include <errno.h>
#include <grp.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <syslog.h>
#include <unistd.h>

#include <netgraph/ng_socket.h>

#include "ngd.h"
#include "ngd_proto.h"

#define NGD_RECV_MAX (256u << 10)  /* largest request a client may send */
#define NGD_OUTQ_MAX (64u << 20)   /* bytes queued for a slow reader */

struct ngd_outbuf {
	struct ngd_outbuf *next;
	size_t len;
	uint8_t data[];
};

struct ngd_conn {
	struct ngd_io io;
	struct ng_node *node; /* our socket node, or NULL */
	bool is_data;
	bool admin; /* may change the graph */
	pid_t pid;
	uid_t uid;
	struct ngd_outbuf *outq, **outq_tail;
	size_t outq_bytes;
	struct ngd_conn *prev, *next;
};

static struct ng_graph *ngd_graph;
static struct ngd_io ngd_listen_io = {.fd = -1};
static struct ngd_conn *ngd_conns;
static gid_t ngd_admin_gid;
static bool ngd_admin_gid_set;
static uint8_t *ngd_rbuf;

int
ngd_ctl_listen(const char *path, int *fdp)
{
	struct sockaddr_un sun;
	socklen_t len;
	int fd;

	*fdp = -1;
	if (path[0] == '\0' || strlen(path) >= sizeof(sun.sun_path))
		return EINVAL;
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, path, strlen(path));
	len = offsetof(struct sockaddr_un, sun_path) + strlen(path);
	if (path[0] == '@')
		sun.sun_path[0] = '\0'; /* abstract: one per network namespace */
	else
		(void)unlink(path);
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return errno;
	if (bind(fd, (struct sockaddr *)&sun, len) < 0 || listen(fd, 128) < 0) {
		int error = errno;

		close(fd);
		return error;
	}
	*fdp = fd;
	return 0;
}

/* --- output ------------------------------------------------------------- */

static void ngd_conn_close(struct ngd_conn *c);

static int
ngd_conn_flush(struct ngd_conn *c)
{
	struct ngd_outbuf *b;

	while ((b = c->outq) != NULL) {
		if (send(c->io.fd, b->data, b->len, MSG_DONTWAIT | MSG_NOSIGNAL) <
		    0) {
			if (errno == EAGAIN)
				return ngd_loop_mod(&c->io, EPOLLIN | EPOLLOUT);
			return errno;
		}
		c->outq = b->next;
		c->outq_bytes -= b->len;
		free(b);
	}
	c->outq_tail = &c->outq;
	return ngd_loop_mod(&c->io, EPOLLIN);
}

/* Send one frame now, or queue it behind what is already waiting. */
static int
ngd_conn_send(struct ngd_conn *c, uint16_t kind, uint32_t error, uint32_t id,
    const char *addr, const void *payload, size_t plen)
{
	struct ngd_frame fr = {.kind = kind,
	    .error = error,
	    .id = id,
	    .version = NGD_PROTO_VERSION};
	size_t alen = addr != NULL ? strlen(addr) : 0;
	struct ngd_outbuf *b;
	struct iovec iov[3];
	struct msghdr mh = {.msg_iov = iov, .msg_iovlen = 3};

	if (c->io.fd < 0)
		return ENOTCONN;
	fr.addrlen = (uint16_t)alen;
	if (c->outq == NULL) {
		iov[0] = (struct iovec){&fr, sizeof(fr)};
		iov[1] = (struct iovec){(void *)addr, alen};
		iov[2] = (struct iovec){(void *)payload, plen};
		if (sendmsg(c->io.fd, &mh, MSG_DONTWAIT | MSG_NOSIGNAL) >= 0)
			return 0;
		if (errno != EAGAIN)
			return errno;
	}
	if (c->outq_bytes + plen > NGD_OUTQ_MAX)
		return ENOBUFS; /* the client stopped reading */
	b = malloc(sizeof(*b) + sizeof(fr) + alen + plen);
	if (b == NULL)
		return ENOMEM;
	b->next = NULL;
	b->len = sizeof(fr) + alen + plen;
	memcpy(b->data, &fr, sizeof(fr));
	memcpy(b->data + sizeof(fr), addr, alen);
	if (plen > 0)
		memcpy(b->data + sizeof(fr) + alen, payload, plen);
	*c->outq_tail = b;
	c->outq_tail = &b->next;
	c->outq_bytes += b->len;
	return ngd_loop_mod(&c->io, EPOLLIN | EPOLLOUT);
}

static int
ngd_deliver_msg(void *conn, ng_id_t from, const struct ng_mesg *msg)
{
	char addr[16];

	snprintf(addr, sizeof(addr), "[%x]:", from);
	return ngd_conn_send(conn, NGD_MSG, 0, 0, addr, msg,
	    sizeof(*msg) + msg->header.arglen);
}

static int
ngd_deliver_data(void *conn, const char *hook, const struct ng_pkt *pkt)
{
	return ngd_conn_send(conn, NGD_DATA, 0, 0, hook, pkt->data, pkt->len);
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
};

/* --- requests ----------------------------------------------------------- */

static int
ngd_hello_ctl(struct ngd_conn *c, const char *name, ng_id_t *idp)
{
	struct ng_node *node;
	int error;

	if (c->node != NULL || c->is_data)
		return EISCONN;
	error = ng_socket_create(ngd_graph, c, &node);
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
	extern const struct ng_type ng_socket_type;
	struct ngd_conn *owner;
	struct ng_node *node;
	int error;

	if (c->node != NULL)
		return EISCONN;
	error = ng_path2node_g(ngd_graph, NULL, addr, &node, NULL);
	if (error != 0)
		return error;
	if (node->type != &ng_socket_type) {
		ng_node_unref(node);
		return EINVAL;
	}
	/* Only the node's owner (or root) may take its data. */
	for (owner = ngd_conns; owner != NULL; owner = owner->next)
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
ngd_msg_allowed(const struct ngd_conn *c, const struct ng_mesg *m)
{
	if (c->admin)
		return true;
	return m->header.typecookie == NGM_GENERIC_COOKIE &&
	    (m->header.cmd & NGM_READONLY) != 0;
}

static int
ngd_request_msg(struct ngd_conn *c, const char *addr, uint8_t *p, size_t len)
{
	struct ng_mesg *m = (struct ng_mesg *)p;

	if (c->node == NULL || c->is_data)
		return ENOTCONN;
	if (len < sizeof(*m) || m->header.arglen != len - sizeof(*m))
		return EINVAL;
	if (!ngd_msg_allowed(c, m)) {
		ngd_log(LOG_NOTICE, "pid %d uid %u: %s refused: not permitted",
		    (int)c->pid, (unsigned)c->uid,
		    m->header.typecookie == NGM_GENERIC_COOKIE ? "change"
							       : "message");
		return EPERM;
	}
	return ngd_netdev_send_msg(c->node, addr, m);
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
	pkt = ng_pkt_alloc(ngd_graph);
	if (pkt == NULL)
		return ENOBUFS;
	memcpy(pkt->data, p, len);
	pkt->len = (uint32_t)len;
	return ng_socket_send_data(c->node, hook, &pkt); /* consumes pkt */
}

static void
ngd_conn_request(struct ngd_conn *c, size_t n)
{
	struct ngd_frame fr;
	char addr[NG_PATHSIZ];
	uint8_t *payload;
	size_t plen;
	ng_id_t id = 0;
	int error;

	if (n < sizeof(fr)) {
		ngd_log(LOG_NOTICE, "pid %d: short frame; closing", (int)c->pid);
		ngd_conn_close(c);
		return;
	}
	memcpy(&fr, ngd_rbuf, sizeof(fr));
	if (fr.addrlen >= sizeof(addr) || fr.addrlen > n - sizeof(fr)) {
		error = EINVAL;
		goto answer;
	}
	memcpy(addr, ngd_rbuf + sizeof(fr), fr.addrlen);
	addr[fr.addrlen] = '\0';
	if (memchr(addr, '\0', fr.addrlen) != NULL) {
		error = EINVAL;
		goto answer;
	}
	payload = ngd_rbuf + sizeof(fr) + fr.addrlen;
	plen = n - sizeof(fr) - fr.addrlen;
	switch (fr.kind) {
	case NGD_HELLO_CTL:
		error = fr.version != NGD_PROTO_VERSION ? EPROTONOSUPPORT
		    : strlen(addr) > NG_NODELEN	     ? EINVAL
						     : ngd_hello_ctl(c, addr, &id);
		break;
	case NGD_HELLO_DATA:
		error = fr.version != NGD_PROTO_VERSION
		    ? EPROTONOSUPPORT
		    : ngd_hello_data(c, addr, &id);
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
	if (ngd_conn_send(c, NGD_STATUS, (uint32_t)error, id, NULL, NULL, 0) !=
	    0)
		ngd_conn_close(c);
}

static void
ngd_conn_event(void *arg, uint32_t events)
{
	struct ngd_conn *c = arg;

	if (events & EPOLLOUT) {
		if (ngd_conn_flush(c) != 0) {
			ngd_conn_close(c);
			return;
		}
	}
	if (events & (EPOLLIN | EPOLLHUP | EPOLLERR)) {
		/* A few requests per wakeup, so one client cannot starve others. */
		for (int i = 0; i < 16 && c->io.fd >= 0; i++) {
			ssize_t n = recv(c->io.fd, ngd_rbuf, NGD_RECV_MAX,
			    MSG_DONTWAIT | MSG_TRUNC);

			if (n < 0 && errno == EAGAIN)
				return;
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
			ngd_conn_request(c, (size_t)n);
		}
	}
}

static void
ngd_conn_close(struct ngd_conn *c)
{
	struct ngd_outbuf *b;
	struct ng_node *node = c->node;

	if (c->io.fd < 0)
		return;
	ngd_loop_close(&c->io);
	c->node = NULL;
	if (node != NULL)
		ng_socket_detach(node, c);
	while ((b = c->outq) != NULL) {
		c->outq = b->next;
		free(b);
	}
	if (c->prev != NULL)
		c->prev->next = c->next;
	else
		ngd_conns = c->next;
	if (c->next != NULL)
		c->next->prev = c->prev;
	ngd_loop_defer_free(c);
}

static bool
ngd_peer_in_group(pid_t pid, gid_t gid, gid_t pgid)
{
	char path[64], line[1024];
	bool found = pgid == gid;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	f = fopen(path, "r");
	if (f == NULL)
		return found;
	while (!found && fgets(line, sizeof(line), f) != NULL) {
		char *s, *end;

		if (strncmp(line, "Groups:", 7) != 0)
			continue;
		for (s = line + 7;; s = end) {
			unsigned long g = strtoul(s, &end, 10);

			if (end == s)
				break;
			if (g == gid)
				found = true;
		}
	}
	fclose(f);
	return found;
}

static void
ngd_accept(void *arg, uint32_t events)
{
	struct ucred cred;
	socklen_t clen = sizeof(cred);
	struct ngd_conn *c;
	int fd;

	(void)arg;
	(void)events;
	fd = accept4(ngd_listen_io.fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
	if (fd < 0)
		return;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &clen) < 0) {
		close(fd);
		return;
	}
	c = calloc(1, sizeof(*c));
	if (c == NULL) {
		close(fd);
		return;
	}
	c->io.fd = fd;
	c->io.fn = ngd_conn_event;
	c->io.arg = c;
	c->pid = cred.pid;
	c->uid = cred.uid;
	c->admin = cred.uid == 0 ||
	    (ngd_admin_gid_set &&
		ngd_peer_in_group(cred.pid, ngd_admin_gid, cred.gid));
	c->outq_tail = &c->outq;
	if (ngd_loop_add(&c->io, EPOLLIN) != 0) {
		close(fd);
		free(c);
		return;
	}
	c->next = ngd_conns;
	if (ngd_conns != NULL)
		ngd_conns->prev = c;
	ngd_conns = c;
}

int
ngd_ctl_start(struct ng_graph *g, int lfd, gid_t admin_gid, bool gid_set)
{
	ngd_graph = g;
	ngd_admin_gid = admin_gid;
	ngd_admin_gid_set = gid_set;
	ngd_rbuf = malloc(NGD_RECV_MAX);
	if (ngd_rbuf == NULL)
		return ENOMEM;
	ngd_listen_io.fd = lfd;
	ngd_listen_io.fn = ngd_accept;
	return ngd_loop_add(&ngd_listen_io, EPOLLIN);
}

void
ngd_ctl_stop(void)
{
	while (ngd_conns != NULL)
		ngd_conn_close(ngd_conns);
	ngd_loop_close(&ngd_listen_io);
	free(ngd_rbuf);
	ngd_rbuf = NULL;
}
