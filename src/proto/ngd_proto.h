/*
 * ngd_proto.h: the wire between ngd and its clients (libnetgraph).
 * One AF_UNIX SOCK_SEQPACKET connection per client socket: a control
 * connection makes a socket node, a data connection attaches to one.
 * Each datagram is a struct ngd_frame, then addrlen bytes of address
 * (no NUL), then the payload: an ng_mesg for NGD_MSG, a frame for
 * NGD_DATA.  Every client request gets exactly one NGD_STATUS answer,
 * carrying the request's errno, after any replies it caused; the client
 * keeps what arrives meanwhile for its next read.
 *
 * A frame larger than a datagram can be (the kernel carries some 4 MiB
 * in one) goes to a client whose hello set NGD_HELLO_PARTS in its error
 * field as pieces of at most NGD_PART_MAX bytes of it, one a datagram,
 * each behind a header of kind NGD_PART (NGD_PART_END the last) whose
 * error is where the piece begins and id the whole frame's length; the
 * client joins them and reads the result as the frame.  Nothing else is
 * sent on the connection between a frame's pieces.
 *
 * The other way too: a request (NGD_MSG) longer than NGD_REQ_PART_MAX,
 * up to NGD_MAX_FRAME, goes as such pieces of at most NGD_REQ_PART_MAX
 * bytes (a default socket buffer carries one) to an ngd whose answer to
 * the client's NGD_HELLO_CTL carried a uint32 payload with
 * NGD_HELLO_PARTS: ngd offers it to those who may change the graph.
 * ngd joins them and answers the whole with one NGD_STATUS.  To any
 * other, a request goes whole, as large as one datagram can be.
 *
 * Frames are NGD_MAX_FRAME long at most, but for one who may change the
 * graph: when both its hello (error) and ngd's answer to it (payload)
 * carry NGD_HELLO_LARGE, frames either way may be NGD_MAX_LARGE long
 * (the text of a bridge's million hosts: some 60 MB), in pieces.  Others
 * keep the smaller bound: what they may leave ngd holding.
 *
 * A datagram that is not a request (too short, an unknown kind or
 * version) on a connection past its hello was written with send(2) or
 * write(2) straight onto the socket: on a data connection it is a frame
 * for the node's only hook, as FreeBSD's ng_socket takes an unaddressed
 * write; where it cannot go, ngd answers NGD_ERROR, which libnetgraph
 * hands to the next receive on that socket, and keeps the connection.
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
#define NGD_PART_MAX (1u << 20) /* a larger frame goes in pieces this long */
#define NGD_HELLO_PARTS 1u      /* NGD_HELLO_*'s error: I join pieces */
#define NGD_HELLO_LARGE 2u      /* ... up to NGD_MAX_LARGE (see above) */
#define NGD_MAX_LARGE (256u << 20)
#define NGD_REQ_PART_MAX (64u << 10) /* a longer request goes in pieces */

enum ngd_kind {
	NGD_HELLO_CTL = 1, /* c->d: make my socket node; addr = name or "" */
	NGD_HELLO_DATA,    /* c->d: attach to the socket node at addr */
	NGD_MSG,           /* c->d: send to addr; d->c: from addr ("[id]:") */
	NGD_DATA,          /* c->d: send on hook addr; d->c: came in on hook */
	NGD_STATUS,        /* d->c: the answer to one request */
	NGD_ERROR,         /* d->c: a datagram that was no request was
	                    * refused; error says why (no NGD_STATUS) */
	NGD_PART,          /* d->c: a piece of a long frame, more follow */
	NGD_PART_END,      /* d->c: its last piece */
};

struct ngd_frame {
	uint16_t kind;
	uint16_t addrlen;
	uint32_t error;   /* NGD_STATUS: 0 or an errno (NGD_PART: offset) */
	uint32_t id;      /* NGD_STATUS to a HELLO: the socket node's ID */
	uint32_t version; /* NGD_HELLO_*: NGD_PROTO_VERSION */
};

_Static_assert(sizeof(struct ngd_frame) == 16, "ngd_frame");

#endif
