/*
 * ng_ether.h: the ether node, one per Ethernet interface of ngd's
 * network namespace, made by ngd itself and named after the interface.
 * Hooks: "lower" (the wire), "divert" (another name for it), "upper"
 * (the host stack), "orphans" (frames the stack does not recognise).
 */
#ifndef _NETGRAPH_NG_ETHER_H_
#define _NETGRAPH_NG_ETHER_H_

#include <stdint.h>

#include <netgraph/ng_message.h>

#define NG_ETHER_NODE_TYPE "ether"
#define NGM_ETHER_COOKIE 917786906

#define NG_ETHER_HOOK_LOWER "lower"
#define NG_ETHER_HOOK_DIVERT "divert"
#define NG_ETHER_HOOK_UPPER "upper"
#define NG_ETHER_HOOK_ORPHAN "orphans"

enum {
	NGM_ETHER_GET_IFNAME = 1, /* reply: interface name, NUL-terminated */
	NGM_ETHER_GET_IFINDEX,    /* reply: int32 */
	NGM_ETHER_GET_ENADDR,     /* reply: 6-byte Ethernet address */
	NGM_ETHER_SET_ENADDR,     /* arg: 6-byte Ethernet address */
	NGM_ETHER_GET_PROMISC,    /* reply: int32 */
	NGM_ETHER_SET_PROMISC,    /* arg: int32, non-zero is on */
	NGM_ETHER_GET_AUTOSRC,    /* reply: int32 */
	NGM_ETHER_SET_AUTOSRC,    /* arg: int32, non-zero is on */
	NGM_ETHER_ADD_MULTI,      /* arg: 6-byte multicast address */
	NGM_ETHER_DEL_MULTI,      /* arg: 6-byte multicast address */
	NGM_ETHER_DETACH,         /* the node goes; the interface stays */
};

#endif
