/*
 * ng_one2many.h: the one2many node spreads what arrives on "one" over the
 * hooks many0..many63 (round-robin, to all, or failover), and sends what
 * arrives on any of them to "one".
 */
#ifndef _NETGRAPH_NG_ONE2MANY_H_
#define _NETGRAPH_NG_ONE2MANY_H_

#include <stdint.h>

#include <netgraph/ng_message.h>

#define NG_ONE2MANY_NODE_TYPE "one2many"
#define NGM_ONE2MANY_COOKIE 1100897444

#define NG_ONE2MANY_HOOK_ONE "one"
#define NG_ONE2MANY_HOOK_MANY_PREFIX "many" /* then a decimal number */
#define NG_ONE2MANY_HOOK_MANY_FMT "many%d"

#define NG_ONE2MANY_MAX_LINKS 64
#define NG_ONE2MANY_ONE_LINKNUM (-1) /* getstats: the "one" hook */

/* xmitAlg: where a frame from "one" goes */
#define NG_ONE2MANY_XMIT_ROUNDROBIN 1 /* the next active link in turn */
#define NG_ONE2MANY_XMIT_ALL 2        /* every active link */
#define NG_ONE2MANY_XMIT_FAILOVER 3   /* the first active link */

/* failAlg: how links are found to be down */
#define NG_ONE2MANY_FAIL_MANUAL 1 /* only enabledLinks says */
#define NG_ONE2MANY_FAIL_NOTIFY 2 /* and flow messages from the links */

/* setconfig, getconfig */
#define NG_ONE2MANY_CONFIG_FIELDS(F)                                           \
	F(xmitAlg, uint32, , )                                                 \
	F(failAlg, uint32, , )                                                 \
	F(enabledLinks, fixarray, (uint8, , NG_ONE2MANY_MAX_LINKS), )
NG_WIRE_STRUCT(ng_one2many_config, NG_ONE2MANY_CONFIG_FIELDS, 72);

/* getstats, getclrstats: one link's counters */
#define NG_ONE2MANY_LINK_STATS_FIELDS(F)                                       \
	F(recvOctets, uint64, , )                                              \
	F(recvPackets, uint64, , )                                             \
	F(xmitOctets, uint64, , )                                              \
	F(xmitPackets, uint64, , )                                             \
	F(memoryFailures, uint64, , )
NG_WIRE_STRUCT(ng_one2many_link_stats, NG_ONE2MANY_LINK_STATS_FIELDS, 40);

/* Numbered from 0, as FreeBSD numbers them. */
enum {
	NGM_ONE2MANY_SET_CONFIG,   /* arg: struct ng_one2many_config */
	NGM_ONE2MANY_GET_CONFIG,   /* reply: struct ng_one2many_config */
	NGM_ONE2MANY_GET_STATS,    /* arg: int32 link; reply: link stats */
	NGM_ONE2MANY_CLR_STATS,    /* arg: int32 link */
	NGM_ONE2MANY_GETCLR_STATS, /* arg: int32 link; reply: link stats */
};

#endif
