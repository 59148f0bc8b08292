/*
 * ng_message.h: the netgraph control message and the generic commands
 * every node understands.  Wire layout is FreeBSD's (native byte order),
 * so programs written against netgraph(3) compile unchanged.
 */
#ifndef _NETGRAPH_NG_MESSAGE_H_
#define _NETGRAPH_NG_MESSAGE_H_

#include <stdint.h>

#define NG_TYPESIZ 32
#define NG_HOOKSIZ 32
#define NG_NODESIZ 32
#define NG_PATHSIZ 512
#define NG_CMDSTRSIZ 32
#define NG_TEXTRESPONSE 1024

#define NG_TYPELEN (NG_TYPESIZ - 1)
#define NG_HOOKLEN (NG_HOOKSIZ - 1)
#define NG_NODELEN (NG_NODESIZ - 1)
#define NG_PATHLEN (NG_PATHSIZ - 1)
#define NG_CMDSTRLEN (NG_CMDSTRSIZ - 1)

#define NG_VERSION 8
#define NG_ABI_VERSION 12

/* Header flags */
#define NGF_ORIG 0x00000000
#define NGF_RESP 0x00000001

/* Bits OR-ed into cmd */
#define NGM_READONLY 0x10000000
#define NGM_HASREPLY 0x20000000

struct ng_mesg {
	struct ng_msghdr {
		uint8_t version;
		uint8_t spare;
		uint16_t spare2;
		uint32_t arglen;
		uint32_t cmd;
		uint32_t flags;
		uint32_t token;
		uint32_t typecookie;
		char cmdstr[NG_CMDSTRSIZ];
	} header;
	char data[];
};
_Static_assert(sizeof(struct ng_mesg) == 56, "ng_mesg header is 56 bytes");

#define NGM_GENERIC_COOKIE 1137070366
#define NGM_FLOW_COOKIE 851672669

/* Generic commands */
#define NGM_SHUTDOWN 1
#define NGM_MKPEER 2
#define NGM_CONNECT 3
#define NGM_NAME 4
#define NGM_RMHOOK 5
#define NGM_NODEINFO (6 | NGM_READONLY | NGM_HASREPLY)
#define NGM_LISTHOOKS (7 | NGM_READONLY | NGM_HASREPLY)
#define NGM_LISTNAMES (8 | NGM_READONLY | NGM_HASREPLY)
#define NGM_LISTNODES (9 | NGM_READONLY | NGM_HASREPLY)
#define NGM_LISTTYPES (10 | NGM_READONLY | NGM_HASREPLY)
#define NGM_TEXT_STATUS (11 | NGM_READONLY | NGM_HASREPLY)
#define NGM_BINARY2ASCII (12 | NGM_READONLY | NGM_HASREPLY)
#define NGM_ASCII2BINARY (13 | NGM_READONLY | NGM_HASREPLY)
#define NGM_TEXT_CONFIG 14

/* Flow control messages */
#define NGM_LINK_IS_UP 32
#define NGM_LINK_IS_DOWN 33

struct ngm_mkpeer {
	char type[NG_TYPESIZ];
	char ourhook[NG_HOOKSIZ];
	char peerhook[NG_HOOKSIZ];
};

struct ngm_connect {
	char path[NG_PATHSIZ];
	char ourhook[NG_HOOKSIZ];
	char peerhook[NG_HOOKSIZ];
};

struct ngm_name {
	char name[NG_NODESIZ];
};

struct ngm_rmhook {
	char ourhook[NG_HOOKSIZ];
};

struct nodeinfo {
	char name[NG_NODESIZ];
	char type[NG_TYPESIZ];
	uint32_t id;
	uint32_t hooks;
};

struct linkinfo {
	char ourhook[NG_HOOKSIZ];
	char peerhook[NG_HOOKSIZ];
	struct nodeinfo nodeinfo;
};

struct hooklist {
	struct nodeinfo nodeinfo;
	struct linkinfo link[];
};

struct namelist {
	uint32_t numnames;
	struct nodeinfo nodeinfo[];
};

struct typeinfo {
	char type_name[NG_TYPESIZ];
	uint32_t numnodes;
};

struct typelist {
	uint32_t numtypes;
	struct typeinfo typeinfo[];
};

_Static_assert(sizeof(struct ngm_mkpeer) == 96, "ngm_mkpeer");
_Static_assert(sizeof(struct ngm_connect) == 576, "ngm_connect");
_Static_assert(sizeof(struct nodeinfo) == 72, "nodeinfo");
_Static_assert(sizeof(struct linkinfo) == 136, "linkinfo");
_Static_assert(sizeof(struct typeinfo) == 36, "typeinfo");

/* Build a message header in place (msg must have room for arglen bytes). */
#define NG_MKMESSAGE_HDR(msg, cookie, cmdid, len)                              \
	do {                                                                   \
		(msg)->header.version = NG_VERSION;                            \
		(msg)->header.spare = 0;                                       \
		(msg)->header.spare2 = 0;                                      \
		(msg)->header.arglen = (len);                                  \
		(msg)->header.cmd = (cmdid);                                   \
		(msg)->header.flags = NGF_ORIG;                                \
		(msg)->header.token = 0;                                       \
		(msg)->header.typecookie = (cookie);                           \
		(msg)->header.cmdstr[0] = '\0';                                \
	} while (0)

#endif
