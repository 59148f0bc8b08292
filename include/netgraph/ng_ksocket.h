/*
 * ng_ksocket.h: the ksocket node, a socket inside ngd whose one hook,
 * named family/type/proto (inet/dgram/udp, 2/2/17), carries what the
 * socket sends and receives.
 *
 * Socket addresses in messages are Linux's own struct sockaddr_in,
 * sockaddr_in6 or sockaddr_un (no sa_len byte: the message's length says
 * how long one is).  Their text forms: inet/198.51.100.1:4789,
 * inet6/[2001:db8::1]:4789 (inet6/2001:db8::1 with no port),
 * local/"/path" (a leading \0 for an abstract socket), or any family as
 * { len=N family=N data=[ ... ] }, len counting the family's two bytes.
 */
#ifndef _NETGRAPH_NG_KSOCKET_H_
#define _NETGRAPH_NG_KSOCKET_H_

#include <stdint.h>

#include <netgraph/ng_message.h>

#define NG_KSOCKET_NODE_TYPE "ksocket"
#define NGM_KSOCKET_COOKIE 942710669

/* The longest option value getopt returns. */
#define NG_KSOCKET_MAX_OPTLEN 1024

enum {
	NGM_KSOCKET_BIND = 1,    /* arg: sockaddr */
	NGM_KSOCKET_LISTEN,      /* arg: int32 backlog */
	NGM_KSOCKET_ACCEPT,      /* reply (maybe later): ng_ksocket_accept */
	NGM_KSOCKET_CONNECT,     /* arg: sockaddr; later reply: int32 error */
	NGM_KSOCKET_GETNAME,     /* reply: sockaddr */
	NGM_KSOCKET_GETPEERNAME, /* reply: sockaddr */
	NGM_KSOCKET_SETOPT,      /* arg: ng_ksocket_sockopt */
	NGM_KSOCKET_GETOPT,      /* arg and reply: ng_ksocket_sockopt */
};

/* setopt, getopt: value is the rest of the message. */
#define NG_KSOCKET_SOCKOPT_FIELDS(F)                                           \
	F(level, int32, , )                                                    \
	F(name, int32, , )                                                     \
	F(value, custom, ng_ksocket_optval, )
NG_WIRE_STRUCT(ng_ksocket_sockopt, NG_KSOCKET_SOCKOPT_FIELDS, 8);

/* accept's reply: the new node for the connection, and its peer. */
#define NG_KSOCKET_ACCEPT_FIELDS(F)                                            \
	F(nodeid, hint32, , )                                                  \
	F(addr, custom, ng_ksocket_sockaddr, )
NG_WIRE_STRUCT(ng_ksocket_accept, NG_KSOCKET_ACCEPT_FIELDS, 4);

#endif
