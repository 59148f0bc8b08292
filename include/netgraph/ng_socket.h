/*
 * ng_socket.h: the socket node, a client's endpoint in the graph.
 * Made only by opening a control connection to ngd (never by mkpeer).
 */
#ifndef _NETGRAPH_NG_SOCKET_H_
#define _NETGRAPH_NG_SOCKET_H_

#define NG_SOCKET_NODE_TYPE "socket"
#define NGM_SOCKET_COOKIE 851601233

/* Socket protocols, kept for source compatibility */
#define NG_DATA 1
#define NG_CONTROL 2

enum {
	NGM_SOCK_CMD_NOLINGER = 1, /* die when the last hook goes */
	NGM_SOCK_CMD_LINGER,       /* stay when hookless (default) */
};

#endif
