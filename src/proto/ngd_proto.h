/*
 * ngd_proto.h: the wire between ngd and its clients (libnetgraph).
 * One AF_UNIX SOCK_SEQPACKET connection per client socket: a control
 * connection makes a socket node, a data connection attaches to one.
 * Each datagram is a struct ngd_frame, then addrlen bytes of address
 * (no NUL), then the payload: an ng_mesg for NGD_MSG, a frame for
 * NGD_DATA.  Every client request gets exactly one NGD_STATUS answer,
 * carrying the request's errno, after any replies it caused; the client
 * keeps what arrives meanwhile for its next read.
 */
#ifndef NGD_PROTO_H
#define NGD_PROTO_H

#include <stdint.h>

#define NGD_SOCKET_DEFAULT "@netgraph"
#define NGD_SOCKET_ENV "NGD_SOCKET"
#define NGD_PROTO_VERSION 1
#define NGD_MAX_FRAME (16u << 20) /* the largest datagram either side sends */
/* A sender's buffer grown to fit a large frame gets this much more: the
 * kernel counts its own overhead against it. */
#define NGD_SNDBUF_SLACK 4096

enum ngd_kind {
	NGD_HELLO_CTL = 1, /* c->d: make my socket node; addr = name or "" */
	NGD_HELLO_DATA,    /* c->d: attach to the socket node at addr */
	NGD_MSG,           /* c->d: send to addr; d->c: from addr ("[id]:") */
	NGD_DATA,          /* c->d: send on hook addr; d->c: came in on hook */
	NGD_STATUS,        /* d->c: the answer to one request */
};

struct ngd_frame {
	uint16_t kind;
	uint16_t addrlen;
	uint32_t error;   /* NGD_STATUS: 0 or an errno */
	uint32_t id;      /* NGD_STATUS to a HELLO: the socket node's ID */
	uint32_t version; /* NGD_HELLO_*: NGD_PROTO_VERSION */
};

_Static_assert(sizeof(struct ngd_frame) == 16, "ngd_frame");

#endif
