/*
 * ng_tee.h: the tee node, a pass-through between "left" and "right" that
 * copies each direction to "left2right" or "right2left", like tee(1).
 */
#ifndef _NETGRAPH_NG_TEE_H_
#define _NETGRAPH_NG_TEE_H_

#include <stdint.h>

#include <netgraph/ng_message.h>

#define NG_TEE_NODE_TYPE "tee"
#define NGM_TEE_COOKIE 916107047

#define NG_TEE_HOOK_RIGHT "right"
#define NG_TEE_HOOK_LEFT "left"
#define NG_TEE_HOOK_RIGHT2LEFT "right2left"
#define NG_TEE_HOOK_LEFT2RIGHT "left2right"

/* One hook's counters */
#define NG_TEE_HOOKSTAT_FIELDS(F)                                              \
	F(inOctets, uint64, , )                                                \
	F(inFrames, uint64, , )                                                \
	F(outOctets, uint64, , )                                               \
	F(outFrames, uint64, , )
NG_WIRE_STRUCT(ng_tee_hookstat, NG_TEE_HOOKSTAT_FIELDS, 32);

/* getstats, getclrstats */
#define NG_TEE_STATS_FIELDS(F)                                                 \
	F(right, struct, ng_tee_hookstat, )                                    \
	F(left, struct, ng_tee_hookstat, )                                     \
	F(right2left, struct, ng_tee_hookstat, )                               \
	F(left2right, struct, ng_tee_hookstat, )
NG_WIRE_STRUCT(ng_tee_stats, NG_TEE_STATS_FIELDS, 128);

enum {
	NGM_TEE_GET_STATS = 1, /* reply: struct ng_tee_stats */
	NGM_TEE_CLR_STATS,
	NGM_TEE_GETCLR_STATS, /* reply: struct ng_tee_stats */
};

#endif
