/*
 * ng_eiface.h: the eiface node, an Ethernet interface (a Linux TAP device
 * named ngethN) whose wire is the node's single hook "ether".
 */
#ifndef _NETGRAPH_NG_EIFACE_H_
#define _NETGRAPH_NG_EIFACE_H_

#define NG_EIFACE_NODE_TYPE "eiface"
#define NGM_EIFACE_COOKIE 948105892

#define NG_EIFACE_HOOK_ETHER "ether"
#define NG_EIFACE_EIFACE_NAME "ngeth"

/* Largest frame the MTU range allows (FreeBSD: 72..9018) */
#define NG_EIFACE_MTU_MIN 72
#define NG_EIFACE_MTU_MAX 9018

enum {
	NGM_EIFACE_GET_IFNAME = 1, /* reply: interface name, NUL-terminated */
	NGM_EIFACE_GET_IFADDRS,    /* reply: the interface's addresses */
	NGM_EIFACE_SET,            /* arg: 6-byte Ethernet address */
};

#endif
