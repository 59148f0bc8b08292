/*
 * ng_eiface.h: the eiface node, an Ethernet interface (a Linux TAP device
 * named ngethN) whose wire is the node's single hook "ether".
 */
#ifndef _NETGRAPH_NG_EIFACE_H_
#define _NETGRAPH_NG_EIFACE_H_

#include <stdint.h>

#include <netgraph/ng_message.h>

#define NG_EIFACE_NODE_TYPE "eiface"
#define NGM_EIFACE_COOKIE 948105892

#define NG_EIFACE_HOOK_ETHER "ether"
#define NG_EIFACE_EIFACE_NAME "ngeth"

/* Largest frame the MTU range allows (FreeBSD: 72..9018) */
#define NG_EIFACE_MTU_MIN 72
#define NG_EIFACE_MTU_MAX 9018

enum {
	NGM_EIFACE_GET_IFNAME = 1, /* reply: interface name, NUL-terminated */
	NGM_EIFACE_GET_IFADDRS,    /* reply: struct ng_eiface_ifaddrs */
	NGM_EIFACE_SET,            /* arg: 6-byte Ethernet address */
	/* Linux: the interface into a network namespace, made anew there
	 * with its name and MAC; arg: NUL-terminated namespace ("" ngd's
	 * own, a /run/netns name or jail name, or a path), optionally
	 * followed by the interface's name, NUL-terminated: moved only if
	 * it is called that now (else ENODEV) */
	NGM_EIFACE_VNET = 64,
};

/*
 * getifaddrs: the interface's IPv4 and IPv6 addresses, wherever it lives.
 * FreeBSD replies with raw sockaddrs that have no ASCII form; this reply
 * reads as { numAddrs=1 addrs=[ { addr=198.51.100.1 prefixlen=24 } ] }.
 */
#define NG_EIFACE_IFADDR_FIELDS(F)                                             \
	F(addr, inetaddr, , )                                                  \
	F(prefixlen, uint8, , )
NG_WIRE_STRUCT(ng_eiface_ifaddr, NG_EIFACE_IFADDR_FIELDS, 20);

#define NG_EIFACE_IFADDRS_FIELDS(F)                                            \
	F(numAddrs, uint32, , )                                                \
	F(addrs, array, (struct, ng_eiface_ifaddr, numAddrs), )
NG_WIRE_STRUCT(ng_eiface_ifaddrs, NG_EIFACE_IFADDRS_FIELDS, 4);

#endif
