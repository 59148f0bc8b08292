/*
 * ng_iface.h: the iface node, a point-to-point IP interface (a Linux TUN
 * device named ngN) whose hooks "inet" and "inet6" carry bare IPv4 and
 * IPv6 packets.
 */
#ifndef _NETGRAPH_NG_IFACE_H_
#define _NETGRAPH_NG_IFACE_H_

#include <stdint.h>

#include <netgraph/ng_message.h>

#define NG_IFACE_NODE_TYPE "iface"
#define NGM_IFACE_COOKIE 1108312559

#define NG_IFACE_HOOK_INET "inet"
#define NG_IFACE_HOOK_INET6 "inet6"
#define NG_IFACE_IFACE_NAME "ng"

#define NG_IFACE_MTU_DEFAULT 1500
#define NG_IFACE_MTU_MIN 72
#define NG_IFACE_MTU_MAX 65535

enum {
	NGM_IFACE_GET_IFNAME = 1, /* reply: interface name, 16 bytes */
	NGM_IFACE_POINT2POINT,    /* EBUSY while the interface is up */
	NGM_IFACE_BROADCAST,      /* EBUSY while the interface is up */
	NGM_IFACE_GET_IFINDEX,    /* reply: uint32 interface index */
	/* Linux: the interface into a network namespace (see ng_eiface.h) */
	NGM_IFACE_VNET = 64,
};

#endif
