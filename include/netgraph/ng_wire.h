/*
 * ng_wire.h: how a message struct is written down, once.  A public header
 * lists a struct's fields in an X-macro; NG_WIRE_STRUCT turns the list into
 * the C struct and checks its size, and the graph engine turns the same
 * list into the struct's ASCII form (src/core/ng_parse.h).
 *
 * A field list is a macro taking one argument F and calling
 *
 *	F(cname, kind, arg, asciiname)
 *
 * once per field, in order.  asciiname is left empty when it is cname.
 * The kinds (kind, arg), the C member each gives, and its ASCII form:
 *
 *   int8 int16 int32 int64      intN_t              decimal
 *   uint8 uint16 uint32 uint64  uintN_t             decimal
 *   hint8 hint16 hint32 hint64  uintN_t             0x hex
 *   ipaddr                      struct in_addr      1.2.3.4
 *   enaddr                      uint8_t [6]         0:1:2:3:4:5
 *   inetaddr                    struct ng_inetaddr  IPv4 or IPv6
 *   fixstr, N                   char [N]            "text"
 *   bytes, N                    uint8_t [N]         [ 0x1 0x2 ]
 *   struct, tag                 struct tag          { f=v ... }
 *   fixarray, (kind, arg, N)    element [N]         [ v v ... ]
 *   array, (kind, arg, count)   element []          [ v v ... ]
 *   bytearray, count            char []             [ 0x1 ] or "text"
 *   custom, tag                 uint8_t []          tag's own (last field)
 *
 * A variable array (array, bytearray) is the last field; its length is the
 * integer field named by count (ASCII names, a dotted path to reach into a
 * nested struct), which must come earlier in the same struct.
 */
#ifndef _NETGRAPH_NG_WIRE_H_
#define _NETGRAPH_NG_WIRE_H_

#include <stdint.h>
#include <netinet/in.h>

/* An IPv4 or IPv6 address (a Linux extension): family is AF_INET or
 * AF_INET6, or 0 for none; an IPv4 address fills the first 4 bytes. */
struct ng_inetaddr {
	uint16_t family;
	uint8_t addr[16];
};

#ifdef __cplusplus
#define NG_WIRE_ASSERT static_assert
#else
#define NG_WIRE_ASSERT _Static_assert
#endif

#define NG_WIRE_UNPAREN(...) __VA_ARGS__
#define NG_WIRE_CALL(m, ...) m(__VA_ARGS__)

/* The C type of each kind, and the array dimensions that follow a name. */
#define NG_CT_int8(a) int8_t
#define NG_CT_uint8(a) uint8_t
#define NG_CT_hint8(a) uint8_t
#define NG_CT_int16(a) int16_t
#define NG_CT_uint16(a) uint16_t
#define NG_CT_hint16(a) uint16_t
#define NG_CT_int32(a) int32_t
#define NG_CT_uint32(a) uint32_t
#define NG_CT_hint32(a) uint32_t
#define NG_CT_int64(a) int64_t
#define NG_CT_uint64(a) uint64_t
#define NG_CT_hint64(a) uint64_t
#define NG_CT_ipaddr(a) struct in_addr
#define NG_CT_enaddr(a) uint8_t
#define NG_CT_inetaddr(a) struct ng_inetaddr
#define NG_CT_fixstr(n) char
#define NG_CT_bytes(n) uint8_t
#define NG_CT_struct(tag) struct tag
#define NG_CT_fixarray(a) NG_WIRE_CALL(NG_CT_ARRAY_, NG_WIRE_UNPAREN a)
#define NG_CT_array(a) NG_WIRE_CALL(NG_CT_ARRAY_, NG_WIRE_UNPAREN a)
#define NG_CT_bytearray(count) char
#define NG_CT_custom(tag) uint8_t
#define NG_CT_ARRAY_(k, ka, n) NG_CT_##k(ka)

#define NG_DIM_int8(a)
#define NG_DIM_uint8(a)
#define NG_DIM_hint8(a)
#define NG_DIM_int16(a)
#define NG_DIM_uint16(a)
#define NG_DIM_hint16(a)
#define NG_DIM_int32(a)
#define NG_DIM_uint32(a)
#define NG_DIM_hint32(a)
#define NG_DIM_int64(a)
#define NG_DIM_uint64(a)
#define NG_DIM_hint64(a)
#define NG_DIM_ipaddr(a)
#define NG_DIM_enaddr(a) [6]
#define NG_DIM_inetaddr(a)
#define NG_DIM_fixstr(n) [n]
#define NG_DIM_bytes(n) [n]
#define NG_DIM_struct(tag)
#define NG_DIM_fixarray(a) NG_WIRE_CALL(NG_DIM_FIXARRAY_, NG_WIRE_UNPAREN a)
#define NG_DIM_array(a) NG_WIRE_CALL(NG_DIM_ARRAY_, NG_WIRE_UNPAREN a)
#define NG_DIM_bytearray(count) []
#define NG_DIM_custom(tag) []
#define NG_DIM_FIXARRAY_(k, ka, n) [n] NG_DIM_##k(ka)
#define NG_DIM_ARRAY_(k, ka, count) [] NG_DIM_##k(ka)

#define NG_WIRE_MEMBER(cname, k, a, aname) NG_CT_##k(a) cname NG_DIM_##k(a);

/* struct tag from a field list, and a check that it is size bytes. */
#define NG_WIRE_STRUCT(tag, FIELDS, size)                                      \
	struct tag {                                                           \
		FIELDS(NG_WIRE_MEMBER)                                         \
	};                                                                     \
	NG_WIRE_ASSERT(sizeof(struct tag) == (size),                           \
	    "struct " #tag " is " #size " bytes on the wire")

#endif
