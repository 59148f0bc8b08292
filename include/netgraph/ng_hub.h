/*
 * ng_hub.h: the hub node copies a frame arriving on any hook to all others.
 */
#ifndef _NETGRAPH_NG_HUB_H_
#define _NETGRAPH_NG_HUB_H_

#define NG_HUB_NODE_TYPE "hub"
#define NGM_HUB_COOKIE 1082189597

enum {
	NGM_HUB_SET_PERSISTENT = 1, /* stay when hookless */
};

#endif
