/*
 * ng_ksock.h: the backend of ksocket nodes.  A ksocket node is a socket
 * in ngd's network namespace; the node decides what to do, the backend
 * (ngd's sockdev.c, or a test's fake) owns the descriptor and the I/O.
 * The node hands its upcalls to open and accept; the backend calls them
 * from its event loop.  Every method returns 0 or a positive errno.
 */
#ifndef NG_KSOCK_H
#define NG_KSOCK_H

#include <stdbool.h>
#include <sys/socket.h>

#include "ng_core.h"

struct ng_ksock; /* the backend's socket */

/*
 * A datagram train: a frame holding the payloads of several datagrams
 * back to back, each vh.gso_size bytes but the last (shorter or equal),
 * as a UDP socket takes them with UDP_SEGMENT and gives them with
 * UDP_GRO; vh.gso_type says so (a value virtio does not use).  A
 * datagram ksocket sends a train as its datagrams, and gives trains only
 * once setopt has turned UDP_GRO on (its peer asked for them: vxlan
 * does).  The backend's send takes them; its input gives them.
 */
#define NG_GSO_DGRAMS 0x40
#define NG_DGRAMS_MAX 64      /* datagrams in one train */
#define NG_DGRAMS_BYTES 65000 /* and bytes (a UDP/IP datagram's room) */

enum ng_ksock_event {
	NG_KSOCK_CONNECTED,  /* a connect that said EINPROGRESS ended */
	NG_KSOCK_ACCEPTABLE, /* a connection waits (after accept said
	                      * EWOULDBLOCK) */
	NG_KSOCK_EOF,        /* a stream's peer closed or reset it */
};

/* What the backend tells the node. */
struct ng_ksock_upcalls {
	/*
	 * A datagram, or what a stream had to read; consumes *pkt.  For a
	 * socket that is not connected, pkt->peer holds the sender.
	 */
	void (*input)(struct ng_node *node, struct ng_pkt **pkt);
	/* error: CONNECTED's outcome (0 or why it failed); else 0 */
	void (*event)(struct ng_node *node, enum ng_ksock_event ev, int error);
};

struct ng_ksock_ops {
	/* socket(2), non-blocking, in ngd's namespace; nothing is read until
	 * resume.  Upcalls go to node. */
	int (*open)(void *be, int family, int type, int proto,
	    const struct ng_ksock_upcalls *up, struct ng_node *node,
	    struct ng_ksock **sp);
	/* Close; no upcall follows.  Accepts NULL. */
	void (*close)(void *be, struct ng_ksock *s);
	/* Start (or stop) reading and handing frames to input. */
	void (*resume)(void *be, struct ng_ksock *s, bool on);
	int (*bind)(void *be, struct ng_ksock *s, const struct sockaddr *sa,
	    socklen_t len);
	int (*listen)(void *be, struct ng_ksock *s, int backlog);
	/* 0, or EINPROGRESS: an NG_KSOCK_CONNECTED event follows. */
	int (*connect)(void *be, struct ng_ksock *s, const struct sockaddr *sa,
	    socklen_t len);
	/*
	 * A waiting connection as a new socket, paused as after open, with
	 * the listener's upcalls and no node until attach; its peer in *sa
	 * (*len bytes).  EWOULDBLOCK if none waits: NG_KSOCK_ACCEPTABLE
	 * follows when one does.
	 */
	int (*accept)(void *be, struct ng_ksock *s, struct ng_ksock **newp,
	    struct sockaddr_storage *sa, socklen_t *len);
	/* Upcalls of s go to node from now on. */
	void (*attach)(void *be, struct ng_ksock *s, struct ng_node *node);
	/* getsockname (peer false) or getpeername (peer true) */
	int (*getname)(void *be, struct ng_ksock *s, bool peer,
	    struct sockaddr_storage *sa, socklen_t *len);
	int (*setopt)(void *be, struct ng_ksock *s, int level, int name,
	    const void *val, socklen_t len);
	/* *len: room at val in, the value's length out */
	int (*getopt)(void *be, struct ng_ksock *s, int level, int name,
	    void *val, socklen_t *len);
	/*
	 * A datagram (to the connected peer when to is NULL), or bytes on a
	 * stream, which the backend queues if the socket cannot take them
	 * now (ENOBUFS when its queue is full).  pkt is borrowed.
	 */
	int (*send)(void *be, struct ng_ksock *s, const struct ng_pkt *pkt,
	    const struct sockaddr *to, socklen_t tolen);
};

#endif
