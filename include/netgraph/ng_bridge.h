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

/* Hosts a bridge remembers at most (about 2 MB); beyond it frames are
 * still forwarded but not learned, and memoryFailures counts them. */
#define NG_BRIDGE_MAX_HOSTS 65536

struct ng_bridge_config {
	uint8_t debugLevel;
	uint32_t loopTimeout;  /* seconds a looping link stays muted */
	uint32_t maxStaleness; /* seconds before a silent host is forgotten */
	uint32_t minStableAge; /* seconds a host must stay put on a link */
};

/* Per-link counters; the X-macro gives the struct and the ASCII names. */
#define NG_BRIDGE_STATS_FIELDS(X)                                              \
	X(recvOctets)                                                          \
	X(recvPackets)                                                         \
	X(recvMulticast)                                                       \
	X(recvBroadcast)                                                       \
	X(recvUnknown)                                                         \
	X(recvRunts)                                                           \
	X(recvInvalid)                                                         \
	X(xmitOctets)                                                          \
	X(xmitPackets)                                                         \
	X(xmitMulticasts)                                                      \
	X(xmitBroadcasts)                                                      \
	X(loopDrops)                                                           \
	X(loopDetects)                                                         \
	X(memoryFailures)

struct ng_bridge_link_stats {
#define NG_BRIDGE_STATS_MEMBER(f) uint64_t f;
	NG_BRIDGE_STATS_FIELDS(NG_BRIDGE_STATS_MEMBER)
#undef NG_BRIDGE_STATS_MEMBER
};

struct ng_bridge_host {
	uint8_t addr[6];
	char hook[NG_HOOKSIZ];
	uint16_t age;       /* seconds since learned, saturating */
	uint16_t staleness; /* seconds since last seen */
};

struct ng_bridge_host_ary {
	uint32_t numHosts;
	struct ng_bridge_host hosts[];
};

struct ng_bridge_move_host {
	uint8_t addr[6];
	char hook[NG_HOOKSIZ];
};

_Static_assert(sizeof(struct ng_bridge_config) == 16, "bridge config");
_Static_assert(sizeof(struct ng_bridge_link_stats) == 112, "bridge stats");
_Static_assert(sizeof(struct ng_bridge_host) == 42, "bridge host");

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
};

#endif
