/*
 * ng_vlan.h: the vlan node, 802.1Q tagging between a trunk ("downstream")
 * and one hook per VLAN, with "nomatch" for everything else.
 */
#ifndef _NETGRAPH_NG_VLAN_H_
#define _NETGRAPH_NG_VLAN_H_

#include <stdint.h>

#include <netgraph/ng_message.h>

#define NG_VLAN_NODE_TYPE "vlan"
#define NGM_VLAN_COOKIE 1068486472

#define NG_VLAN_HOOK_DOWNSTREAM "downstream"
#define NG_VLAN_HOOK_NOMATCH "nomatch"

/* setencap bits: which frames towards downstream get their tag inline */
#define VLAN_ENCAP_FROM_FILTER 0x00000001  /* from a filter hook */
#define VLAN_ENCAP_FROM_NOMATCH 0x00000002 /* from nomatch, if out of band */

#define NG_VLAN_VID_MAX 4095
#define NG_VLAN_ENCAP_PROTO_DEFAULT 0x8100 /* 0x88a8 for 802.1ad */

/* addfilter; gettable lists these.  vlan is the old name of vid. */
#define NG_VLAN_FILTER_FIELDS(F)                                               \
	F(hook_name, fixstr, NG_HOOKSIZ, hook)                                 \
	F(vlan, uint16, , )                                                    \
	F(vid, uint16, , ) /* VLAN identifier, 0..4095 */                      \
	F(pcp, uint8, , )  /* priority code point, 0..7 */                     \
	F(cfi, uint8, , )  /* canonical format indicator, 0..1 */
NG_WIRE_STRUCT(ng_vlan_filter, NG_VLAN_FILTER_FIELDS, 38);

/* gettable */
#define NG_VLAN_TABLE_FIELDS(F)                                                \
	F(n, uint32, , )                                                       \
	F(filter, array, (struct, ng_vlan_filter, n), )
NG_WIRE_STRUCT(ng_vlan_table, NG_VLAN_TABLE_FIELDS, 4);

enum {
	NGM_VLAN_ADD_FILTER = 1,  /* arg: struct ng_vlan_filter */
	NGM_VLAN_DEL_FILTER,      /* arg: hook name, NG_HOOKSIZ bytes */
	NGM_VLAN_GET_TABLE,       /* reply: struct ng_vlan_table */
	NGM_VLAN_DEL_VID_FLT,     /* arg: uint16 VID */
	NGM_VLAN_GET_DECAP,       /* reply: uint32, 0 or 1 */
	NGM_VLAN_SET_DECAP,       /* arg: uint32 */
	NGM_VLAN_GET_ENCAP,       /* reply: uint32, VLAN_ENCAP_* bits */
	NGM_VLAN_SET_ENCAP,       /* arg: uint32 */
	NGM_VLAN_GET_ENCAP_PROTO, /* reply: uint16 TPID */
	NGM_VLAN_SET_ENCAP_PROTO, /* arg: uint16 TPID */
};

#endif
