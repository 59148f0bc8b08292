/*
 * ng_message.h: the netgraph control message and the generic commands
 * every node understands.  Wire layout is FreeBSD's (native byte order),
 * so programs written against netgraph(3) compile unchanged.
 */
#ifndef _NETGRAPH_NG_MESSAGE_H_
#define _NETGRAPH_NG_MESSAGE_H_

#include <stdint.h>

#include <netgraph/ng_wire.h>

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

/* The message header; FreeBSD prints it flat, as in ng_mesg below. */
#define NG_MSGHDR_FIELDS(F)                                                    \
	F(version, uint8, , )                                                  \
	F(spare, uint8, , )                                                    \
	F(spare2, uint16, , )                                                  \
	F(arglen, uint32, , )                                                  \
	F(cmd, uint32, , )                                                     \
	F(flags, hint32, , )                                                   \
	F(token, uint32, , )                                                   \
	F(typecookie, uint32, , )                                              \
	F(cmdstr, fixstr, NG_CMDSTRSIZ, )
NG_WIRE_STRUCT(ng_msghdr, NG_MSGHDR_FIELDS, 56);

struct ng_mesg {
	struct ng_msghdr header;
	char data[];
};
NG_WIRE_ASSERT(sizeof(struct ng_mesg) == 56, "ng_mesg header is 56 bytes");

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

/* Arguments and replies of the generic commands */
#define NGM_MKPEER_FIELDS(F)                                                   \
	F(type, fixstr, NG_TYPESIZ, )                                          \
	F(ourhook, fixstr, NG_HOOKSIZ, )                                       \
	F(peerhook, fixstr, NG_HOOKSIZ, )
NG_WIRE_STRUCT(ngm_mkpeer, NGM_MKPEER_FIELDS, 96);

#define NGM_CONNECT_FIELDS(F)                                                  \
	F(path, fixstr, NG_PATHSIZ, )                                          \
	F(ourhook, fixstr, NG_HOOKSIZ, )                                       \
	F(peerhook, fixstr, NG_HOOKSIZ, )
NG_WIRE_STRUCT(ngm_connect, NGM_CONNECT_FIELDS, 576);

#define NGM_NAME_FIELDS(F) F(name, fixstr, NG_NODESIZ, )
NG_WIRE_STRUCT(ngm_name, NGM_NAME_FIELDS, 32);

#define NGM_RMHOOK_FIELDS(F) F(ourhook, fixstr, NG_HOOKSIZ, hook)
NG_WIRE_STRUCT(ngm_rmhook, NGM_RMHOOK_FIELDS, 32);

#define NG_NODEINFO_FIELDS(F)                                                  \
	F(name, fixstr, NG_NODESIZ, )                                          \
	F(type, fixstr, NG_TYPESIZ, )                                          \
	F(id, hint32, , )                                                      \
	F(hooks, uint32, , )
NG_WIRE_STRUCT(nodeinfo, NG_NODEINFO_FIELDS, 72);

#define NG_LINKINFO_FIELDS(F)                                                  \
	F(ourhook, fixstr, NG_HOOKSIZ, )                                       \
	F(peerhook, fixstr, NG_HOOKSIZ, )                                      \
	F(nodeinfo, struct, nodeinfo, )
NG_WIRE_STRUCT(linkinfo, NG_LINKINFO_FIELDS, 136);

#define NG_HOOKLIST_FIELDS(F)                                                  \
	F(nodeinfo, struct, nodeinfo, )                                        \
	F(link, array, (struct, linkinfo, nodeinfo.hooks), linkinfo)
NG_WIRE_STRUCT(hooklist, NG_HOOKLIST_FIELDS, 72);

#define NG_NAMELIST_FIELDS(F)                                                  \
	F(numnames, uint32, , )                                                \
	F(nodeinfo, array, (struct, nodeinfo, numnames), )
NG_WIRE_STRUCT(namelist, NG_NAMELIST_FIELDS, 4);

#define NG_TYPEINFO_FIELDS(F)                                                  \
	F(type_name, fixstr, NG_TYPESIZ, typename)                             \
	F(numnodes, uint32, , )
NG_WIRE_STRUCT(typeinfo, NG_TYPEINFO_FIELDS, 36);

#define NG_TYPELIST_FIELDS(F)                                                  \
	F(numtypes, uint32, , )                                                \
	F(typeinfo, array, (struct, typeinfo, numtypes), )
NG_WIRE_STRUCT(typelist, NG_TYPELIST_FIELDS, 4);

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
