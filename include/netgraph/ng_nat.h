/*
 * ng_nat.h: the nat node, IPv4 address and port translation after
 * libalias.  What arrives on "in" (from outside) is de-aliased and leaves
 * by "out"; what arrives on "out" (going outside) is aliased and leaves
 * by "in".
 */
#ifndef _NETGRAPH_NG_NAT_H_
#define _NETGRAPH_NG_NAT_H_

#include <stdint.h>

#include <netgraph/ng_message.h>
#include <netgraph/ng_wire.h>

#define NG_NAT_NODE_TYPE "nat"
#define NGM_NAT_COOKIE 1107718711

#define NG_NAT_HOOK_IN "in"
#define NG_NAT_HOOK_OUT "out"

/* setmode bits */
#define NG_NAT_LOG 0x01
#define NG_NAT_DENY_INCOMING 0x02
#define NG_NAT_SAME_PORTS 0x04 /* on by default */
#define NG_NAT_UNREGISTERED_ONLY 0x10
#define NG_NAT_RESET_ON_ADDR_CHANGE 0x20
#define NG_NAT_PROXY_ONLY 0x40
#define NG_NAT_REVERSE 0x80
#define NG_NAT_UNREGISTERED_CGN 0x100

#define NG_NAT_DESC_LENGTH 64
#define NG_NAT_REDIRPROTO_ADDR 259 /* listredirects: an address redirect */

/* setdlt, getdlt */
#define NG_NAT_DLT_EN10MB 1 /* Ethernet; only type 0x0800 is translated */
#define NG_NAT_DLT_RAW 12   /* bare IPv4, the default */

/* setmode */
#define NG_NAT_MODE_FIELDS(F)                                                  \
	F(flags, uint32, , )                                                   \
	F(mask, uint32, , )
NG_WIRE_STRUCT(ng_nat_mode, NG_NAT_MODE_FIELDS, 8);

/* redirectport: ports in host order; proto 6 (TCP) or 17 (UDP) */
#define NG_NAT_REDIRECT_PORT_FIELDS(F)                                         \
	F(local_addr, ipaddr, , )                                              \
	F(alias_addr, ipaddr, , )                                              \
	F(remote_addr, ipaddr, , )                                             \
	F(local_port, uint16, , )                                              \
	F(alias_port, uint16, , )                                              \
	F(remote_port, uint16, , )                                             \
	F(proto, uint8, , )                                                    \
	F(description, fixstr, NG_NAT_DESC_LENGTH, )
NG_WIRE_STRUCT(ng_nat_redirect_port, NG_NAT_REDIRECT_PORT_FIELDS, 84);

/* redirectaddr */
#define NG_NAT_REDIRECT_ADDR_FIELDS(F)                                         \
	F(local_addr, ipaddr, , )                                              \
	F(alias_addr, ipaddr, , )                                              \
	F(description, fixstr, NG_NAT_DESC_LENGTH, )
NG_WIRE_STRUCT(ng_nat_redirect_addr, NG_NAT_REDIRECT_ADDR_FIELDS, 72);

/* redirectproto */
#define NG_NAT_REDIRECT_PROTO_FIELDS(F)                                        \
	F(local_addr, ipaddr, , )                                              \
	F(alias_addr, ipaddr, , )                                              \
	F(remote_addr, ipaddr, , )                                             \
	F(proto, uint8, , )                                                    \
	F(description, fixstr, NG_NAT_DESC_LENGTH, )
NG_WIRE_STRUCT(ng_nat_redirect_proto, NG_NAT_REDIRECT_PROTO_FIELDS, 80);

/* addserver: one more LSNAT server for the redirect with this id */
#define NG_NAT_ADD_SERVER_FIELDS(F)                                            \
	F(id, uint32, , )                                                      \
	F(addr, ipaddr, , )                                                    \
	F(port, uint16, , )
NG_WIRE_STRUCT(ng_nat_add_server, NG_NAT_ADD_SERVER_FIELDS, 12);

/* listredirects: one redirect */
#define NG_NAT_LISTRDRS_ENTRY_FIELDS(F)                                        \
	F(id, uint32, , )                                                      \
	F(local_addr, ipaddr, , )                                              \
	F(alias_addr, ipaddr, , )                                              \
	F(remote_addr, ipaddr, , )                                             \
	F(local_port, uint16, , )                                              \
	F(alias_port, uint16, , )                                              \
	F(remote_port, uint16, , )                                             \
	F(proto, uint16, , ) /* or NG_NAT_REDIRPROTO_ADDR */                   \
	F(lsnat, uint16, , ) /* LSNAT servers added */                         \
	F(description, fixstr, NG_NAT_DESC_LENGTH, )
NG_WIRE_STRUCT(ng_nat_listrdrs_entry, NG_NAT_LISTRDRS_ENTRY_FIELDS, 92);

/* listredirects */
#define NG_NAT_LIST_REDIRECTS_FIELDS(F)                                        \
	F(total_count, uint32, , )                                             \
	F(redirects, array, (struct, ng_nat_listrdrs_entry, total_count), )
NG_WIRE_STRUCT(ng_nat_list_redirects, NG_NAT_LIST_REDIRECTS_FIELDS, 4);

/* libaliasinfo: links by kind (sctp, pptp, fragment pointers and sockets
 * are kinds this implementation never makes) */
#define NG_NAT_LIBALIAS_INFO_FIELDS(F)                                         \
	F(icmpLinkCount, uint32, , )                                           \
	F(udpLinkCount, uint32, , )                                            \
	F(tcpLinkCount, uint32, , )                                            \
	F(sctpLinkCount, uint32, , )                                           \
	F(pptpLinkCount, uint32, , )                                           \
	F(protoLinkCount, uint32, , )                                          \
	F(fragmentIdLinkCount, uint32, , )                                     \
	F(fragmentPtrLinkCount, uint32, , )                                    \
	F(sockCount, uint32, , )
NG_WIRE_STRUCT(ng_nat_libalias_info, NG_NAT_LIBALIAS_INFO_FIELDS, 36);

enum {
	NGM_NAT_SET_IPADDR = 1,   /* arg: struct in_addr */
	NGM_NAT_SET_MODE,         /* arg: struct ng_nat_mode */
	NGM_NAT_SET_TARGET,       /* arg: struct in_addr */
	NGM_NAT_REDIRECT_PORT,    /* arg: redirect_port; reply: uint32 id */
	NGM_NAT_REDIRECT_ADDR,    /* arg: redirect_addr; reply: uint32 id */
	NGM_NAT_REDIRECT_PROTO,   /* arg: redirect_proto; reply: uint32 id */
	NGM_NAT_REDIRECT_DYNAMIC, /* arg: uint32 id */
	NGM_NAT_REDIRECT_DELETE,  /* arg: uint32 id */
	NGM_NAT_ADD_SERVER,       /* arg: struct ng_nat_add_server */
	NGM_NAT_LIST_REDIRECTS,   /* reply: struct ng_nat_list_redirects */
	NGM_NAT_PROXY_RULE,       /* arg: string */
	NGM_NAT_LIBALIAS_INFO,    /* reply: struct ng_nat_libalias_info */
	NGM_NAT_SET_DLT,          /* arg: uint8 */
	NGM_NAT_GET_DLT,          /* reply: uint8 */
	/* Ours, not FreeBSD's: the id the next redirect gets (not below
	 * the next one's now), so that a journal keeps redirects' ids. */
	NGM_NAT_SET_NEXTID = 100, /* arg: uint32 */
};

#endif
