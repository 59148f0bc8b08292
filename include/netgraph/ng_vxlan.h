/*
 * ng_vxlan.h: the vxlan node (ours; FreeBSD has none), RFC 7348 VXLAN
 * encapsulation between "inner" (Ethernet frames) and "outer" (VXLAN
 * payloads, normally a ksocket inet/dgram/udp hook bound to port 4789).
 * One node is one segment (a VNI); its forwarding table says which
 * remote endpoint each inner MAC address lives behind.
 */
#ifndef _NETGRAPH_NG_VXLAN_H_
#define _NETGRAPH_NG_VXLAN_H_

#include <stdint.h>

#include <netgraph/ng_message.h>

#define NG_VXLAN_NODE_TYPE "vxlan"
#define NGM_VXLAN_COOKIE 1733171520

#define NG_VXLAN_HOOK_INNER "inner"
#define NG_VXLAN_HOOK_OUTER "outer"

#define NG_VXLAN_PORT 4789        /* IANA's VXLAN port */
#define NG_VXLAN_VNI_MAX 0xffffff /* 24 bits */
#define NG_VXLAN_HDR_LEN 8
#define NG_VXLAN_FLAG_I 0x08     /* the VNI is valid */
#define NG_VXLAN_MAX_AGE 300     /* seconds a learned host stays */
#define NG_VXLAN_MAX_STATIC 256  /* static entries in a config */
#define NG_VXLAN_MAX_HOSTS 65536 /* learned hosts at most */

/*
 * A static entry: frames for mac go to addr:port.  The all-zero MAC is
 * a flood entry: broadcast, multicast and unknown destinations go to
 * every flood entry (as Linux's `bridge fdb append 00:00:00:00:00:00`);
 * with none, they go where the outer hook's socket is connected.
 * port 0 means the config's port.
 */
#define NG_VXLAN_ENTRY_FIELDS(F)                                               \
	F(mac, enaddr, , )                                                     \
	F(addr, inetaddr, , )                                                  \
	F(port, uint16, , )
NG_WIRE_STRUCT(ng_vxlan_entry, NG_VXLAN_ENTRY_FIELDS, 26);

/*
 * setconfig, getconfig.  vni: the segment (24 bits).  port: the UDP
 * port of remotes that were learned (their datagrams come from any
 * source port; the kernel's vxlan listens on its dstport only).
 * learn: learn inner source MACs from what arrives.  maxAge: seconds a
 * learned host is kept without news.  A field left out is zero, so a
 * config is given whole, as getconfig prints it.
 */
#define NG_VXLAN_CONFIG_FIELDS(F)                                              \
	F(vni, uint32, , )                                                     \
	F(maxAge, uint32, , )                                                  \
	F(port, uint16, , )                                                    \
	F(learn, uint8, , )                                                    \
	F(spare, uint8, , )                                                    \
	F(numStatic, uint32, , )                                               \
	F(entries, array, (struct, ng_vxlan_entry, numStatic), )
NG_WIRE_STRUCT(ng_vxlan_config, NG_VXLAN_CONFIG_FIELDS, 16);

/* getstats, getclrstats */
#define NG_VXLAN_STATS_FIELDS(F)                                               \
	F(recvPackets, uint64, , ) /* frames decapsulated to inner */          \
	F(recvOctets, uint64, , )                                              \
	F(recvRunts, uint64, , )    /* shorter than VXLAN + Ethernet */        \
	F(recvBadFlags, uint64, , ) /* the I flag not set */                   \
	F(recvWrongVni, uint64, , ) /* another segment's */                    \
	F(xmitPackets, uint64, , )  /* datagrams sent to outer */              \
	F(xmitOctets, uint64, , )                                              \
	F(xmitFloods, uint64, , )    /* frames sent to every flood entry */    \
	F(xmitErrors, uint64, , )    /* refused by outer, or no buffer */      \
	F(learnFailures, uint64, , ) /* hosts not learned: table full */
NG_WIRE_STRUCT(ng_vxlan_stats, NG_VXLAN_STATS_FIELDS, 80);

/* gettable: one host, learned or static; age in seconds */
#define NG_VXLAN_HOST_FIELDS(F)                                                \
	F(mac, enaddr, , )                                                     \
	F(addr, inetaddr, , )                                                  \
	F(port, uint16, , )                                                    \
	F(isStatic, uint16, , )                                                \
	F(age, uint32, , )
NG_WIRE_STRUCT(ng_vxlan_host, NG_VXLAN_HOST_FIELDS, 32);

#define NG_VXLAN_TABLE_FIELDS(F)                                               \
	F(n, uint32, , )                                                       \
	F(hosts, array, (struct, ng_vxlan_host, n), )
NG_WIRE_STRUCT(ng_vxlan_table, NG_VXLAN_TABLE_FIELDS, 4);

enum {
	NGM_VXLAN_SET_VNI = 1, /* arg: uint32, at most NG_VXLAN_VNI_MAX */
	NGM_VXLAN_GET_VNI,     /* reply: uint32 */
	NGM_VXLAN_GET_STATS,   /* reply: struct ng_vxlan_stats */
	NGM_VXLAN_CLR_STATS,
	NGM_VXLAN_GETCLR_STATS, /* reply: struct ng_vxlan_stats */
	NGM_VXLAN_SET_CONFIG,   /* arg: struct ng_vxlan_config */
	NGM_VXLAN_GET_CONFIG,   /* reply: struct ng_vxlan_config */
	NGM_VXLAN_GET_TABLE,    /* reply: struct ng_vxlan_table */
	NGM_VXLAN_FLUSH,        /* forget every learned host */
};

#endif
