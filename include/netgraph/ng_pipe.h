/*
 * ng_pipe.h: the pipe node emulates a link between "upper" and "lower":
 * bandwidth, delay, bit errors, duplication and queue limits, set for
 * each direction.  Traffic entering on upper flows "downstream".
 */
#ifndef _NETGRAPH_NG_PIPE_H_
#define _NETGRAPH_NG_PIPE_H_

#include <stdint.h>

#include <netgraph/ng_message.h>

#define NG_PIPE_NODE_TYPE "pipe"
#define NGM_PIPE_COOKIE 200708191

#define NG_PIPE_HOOK_UPPER "upper"
#define NG_PIPE_HOOK_LOWER "lower"

#define NG_PIPE_MAX_FSIZE 65536 /* largest frame BER is exact for */
#define NG_PIPE_MAX_OHSIZE 256  /* overhead is below this */

/* One direction's counters */
#define NG_PIPE_HOOKSTAT_FIELDS(F)                                             \
	F(fwd_octets, uint64, , FwdOctets)                                     \
	F(fwd_frames, uint64, , FwdFrames)                                     \
	F(in_disc_octets, uint64, , queueDropOctets)                           \
	F(in_disc_frames, uint64, , queueDropFrames)                           \
	F(out_disc_octets, uint64, , delayDropOctets)                          \
	F(out_disc_frames, uint64, , delayDropFrames)
NG_WIRE_STRUCT(ng_pipe_hookstat, NG_PIPE_HOOKSTAT_FIELDS, 48);

/* getstats, getclrstats */
#define NG_PIPE_STATS_FIELDS(F)                                                \
	F(downstream, struct, ng_pipe_hookstat, )                              \
	F(upstream, struct, ng_pipe_hookstat, )
NG_WIRE_STRUCT(ng_pipe_stats, NG_PIPE_STATS_FIELDS, 96);

/* One direction's queues as they are now */
#define NG_PIPE_HOOKRUN_FIELDS(F)                                              \
	F(fifo_queues, uint32, , queues)                                       \
	F(qin_octets, uint32, , queuedOctets)                                  \
	F(qin_frames, uint32, , queuedFrames)                                  \
	F(qout_octets, uint32, , delayedOctets)                                \
	F(qout_frames, uint32, , delayedFrames)
NG_WIRE_STRUCT(ng_pipe_hookrun, NG_PIPE_HOOKRUN_FIELDS, 20);

/* getrun */
#define NG_PIPE_RUN_FIELDS(F)                                                  \
	F(downstream, struct, ng_pipe_hookrun, )                               \
	F(upstream, struct, ng_pipe_hookrun, )
NG_WIRE_STRUCT(ng_pipe_run, NG_PIPE_RUN_FIELDS, 40);

/*
 * One direction's settings.  In setcfg, 0 leaves a field as it is and -1
 * resets it; a value out of range fails the message (EINVAL).
 */
#define NG_PIPE_HOOKCFG_FIELDS(F)                                              \
	F(bandwidth, uint64, , )               /* bit/s, 100..1000000000 */    \
	F(ber, uint64, , BER)                  /* one bit in BER is wrong */   \
	F(qin_size_limit, uint32, , queuelen)  /* frames, at least 5 */        \
	F(qout_size_limit, uint32, , delaylen) /* frames, at least 5 */        \
	F(duplicate, uint32, , )               /* percent, 1..50 */            \
	F(fifo, uint32, , )                                                    \
	F(drr, uint32, , )                                                     \
	F(wfq, uint32, , )                                                     \
	F(droptail, uint32, , )                                                \
	F(drophead, uint32, , )
NG_WIRE_STRUCT(ng_pipe_hookcfg, NG_PIPE_HOOKCFG_FIELDS, 48);

/* getcfg, setcfg; bandwidth here sets both directions */
#define NG_PIPE_CFG_FIELDS(F)                                                  \
	F(bandwidth, uint64, , )                                               \
	F(delay, uint64, , ) /* microseconds, below 10000000 */                \
	F(header_offset, uint32, , )                                           \
	F(overhead, uint32, , ) /* bytes of framing counted per frame */       \
	F(downstream, struct, ng_pipe_hookcfg, )                               \
	F(upstream, struct, ng_pipe_hookcfg, )
NG_WIRE_STRUCT(ng_pipe_cfg, NG_PIPE_CFG_FIELDS, 120);

enum {
	NGM_PIPE_GET_STATS = 1, /* reply: struct ng_pipe_stats */
	NGM_PIPE_CLR_STATS,
	NGM_PIPE_GETCLR_STATS, /* reply: struct ng_pipe_stats */
	NGM_PIPE_GET_RUN,      /* reply: struct ng_pipe_run */
	NGM_PIPE_GET_CFG,      /* reply: struct ng_pipe_cfg */
	NGM_PIPE_SET_CFG,      /* arg: struct ng_pipe_cfg */
};

#endif
