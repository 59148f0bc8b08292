/*
 * ng_bridge.h: the bridge node, a learning Ethernet switch whose ports are
 * the hooks linkN and uplinkN.
 */
#ifndef _NETGRAPH_NG_BRIDGE_H_
#define _NETGRAPH_NG_BRIDGE_H_

#include <stdint.h>

#include <netgraph/ng_message.h>

#define NG_BRIDGE_NODE_TYPE "bridge"
#define NGM_BRIDGE_COOKIE 1569321993

#define NG_BRIDGE_HOOK_LINK_PREFIX "link"
#define NG_BRIDGE_HOOK_UPLINK_PREFIX "uplink"

#define NG_BRIDGE_DEFAULT_DEBUG_LEVEL 1
#define NG_BRIDGE_DEFAULT_LOOP_TIMEOUT 60
#define NG_BRIDGE_DEFAULT_MAX_STALENESS (15 * 60)
#define NG_BRIDGE_DEFAULT_MIN_STABLE_AGE 1

/*
 * Hosts a bridge remembers at most, by default (about 2 MB); beyond it
 * frames are still forwarded but not learned, and memoryFailures counts
 * them.  setmaxhosts changes it, from 1 to NG_BRIDGE_MAX_HOSTS_LIMIT
 * (about 32 MB).  FreeBSD's table grows until malloc fails; ours is a
 * Linux addition, so that a flood of source MACs keeps ngd's memory flat.
 */
#define NG_BRIDGE_MAX_HOSTS 65536
#define NG_BRIDGE_MAX_HOSTS_LIMIT (1u << 20)

/* setconfig, getconfig */
#define NG_BRIDGE_CONFIG_FIELDS(F)                                             \
	F(debugLevel, uint8, , )                                               \
	F(loopTimeout, uint32, , )  /* seconds a looping link stays muted */   \
	F(maxStaleness, uint32, , ) /* seconds before a silent host goes */    \
	F(minStableAge, uint32, , ) /* seconds a host must stay put on a link */
NG_WIRE_STRUCT(ng_bridge_config, NG_BRIDGE_CONFIG_FIELDS, 16);

/* getstats, getclrstats: one link's counters */
#define NG_BRIDGE_STATS_FIELDS(F)                                              \
	F(recvOctets, uint64, , )                                              \
	F(recvPackets, uint64, , )                                             \
	F(recvMulticast, uint64, , )                                           \
	F(recvBroadcast, uint64, , )                                           \
	F(recvUnknown, uint64, , )                                             \
	F(recvRunts, uint64, , )                                               \
	F(recvInvalid, uint64, , )                                             \
	F(xmitOctets, uint64, , )                                              \
	F(xmitPackets, uint64, , )                                             \
	F(xmitMulticasts, uint64, , )                                          \
	F(xmitBroadcasts, uint64, , )                                          \
	F(loopDrops, uint64, , )                                               \
	F(loopDetects, uint64, , )                                             \
	F(memoryFailures, uint64, , )
NG_WIRE_STRUCT(ng_bridge_link_stats, NG_BRIDGE_STATS_FIELDS, 112);

/* gettable: one learned host */
#define NG_BRIDGE_HOST_FIELDS(F)                                               \
	F(addr, enaddr, , )                                                    \
	F(hook, fixstr, NG_HOOKSIZ, )                                          \
	F(age, uint16, , )       /* seconds since learned, saturating */       \
	F(staleness, uint16, , ) /* seconds since last seen */
NG_WIRE_STRUCT(ng_bridge_host, NG_BRIDGE_HOST_FIELDS, 42);

#define NG_BRIDGE_HOST_ARY_FIELDS(F)                                           \
	F(numHosts, uint32, , )                                                \
	F(hosts, array, (struct, ng_bridge_host, numHosts), )
NG_WIRE_STRUCT(ng_bridge_host_ary, NG_BRIDGE_HOST_ARY_FIELDS, 4);

/* movehost: an empty hook means the hook the message arrived through */
#define NG_BRIDGE_MOVE_HOST_FIELDS(F)                                          \
	F(addr, enaddr, , )                                                    \
	F(hook, fixstr, NG_HOOKSIZ, )
NG_WIRE_STRUCT(ng_bridge_move_host, NG_BRIDGE_MOVE_HOST_FIELDS, 38);

enum {
	NGM_BRIDGE_SET_CONFIG = 1,
	NGM_BRIDGE_GET_CONFIG,
	NGM_BRIDGE_RESET,
	NGM_BRIDGE_GET_STATS,
	NGM_BRIDGE_CLR_STATS,
	NGM_BRIDGE_GETCLR_STATS,
	NGM_BRIDGE_GET_TABLE,
	NGM_BRIDGE_SET_PERSISTENT,
	NGM_BRIDGE_MOVE_HOST,
	/* Linux additions, numbered apart from FreeBSD's: uint32 hosts */
	NGM_BRIDGE_SET_MAX_HOSTS = 64,
	NGM_BRIDGE_GET_MAX_HOSTS,
};

#endif
