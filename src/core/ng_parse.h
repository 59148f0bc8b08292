/*
 * ng_parse.h: the ASCII message engine (spec §6).  A parse type describes
 * a message's binary layout; ng_parse turns text into those bytes and
 * ng_unparse turns them back into text.  Struct types come from the field
 * lists in the public headers (<netgraph/ng_wire.h>) through
 * NG_PARSE_STRUCT, so a struct and its ASCII form cannot drift apart.
 * Plain C with no I/O; a unit test drives it directly.
 */
#ifndef NG_PARSE_H
#define NG_PARSE_H

#include <stddef.h>
#include <stdint.h>

#include <netgraph/ng_wire.h>

enum ng_parse_kind {
	NG_PARSE_INT8,
	NG_PARSE_INT16,
	NG_PARSE_INT32,
	NG_PARSE_INT64,
	NG_PARSE_STRING,      /* NUL-terminated, as long as it is */
	NG_PARSE_FIXSTR,      /* char[len], zero-padded */
	NG_PARSE_SIZEDSTRING, /* uint16_t length, then that many bytes */
	NG_PARSE_IPADDR,      /* struct in_addr */
	NG_PARSE_ENADDR,      /* 6 bytes; has no default */
	NG_PARSE_INETADDR,    /* struct ng_inetaddr */
	NG_PARSE_BYTES,       /* len bytes, or as many as count says */
	NG_PARSE_STRUCT,
	NG_PARSE_FIXARRAY, /* len elements */
	NG_PARSE_ARRAY,    /* as many elements as count says */
	NG_PARSE_CUSTOM,   /* a text form of its own; variable, last */
};

/* How an integer prints. */
enum ng_parse_fmt { NG_PARSE_SIGNED, NG_PARSE_UNSIGNED, NG_PARSE_HEX };

struct ng_parse_type;

/*
 * A type that reads and writes its own text (ksocket's socket addresses,
 * inet/198.51.100.1:4789).  Its length varies, so it is the last field of
 * a struct; it has no default.  parse reads the value at s + *off, moves
 * *off past it and puts at most room bytes at buf (*len of them);
 * unparse gives the text of the avail bytes at d, malloc'd.  Both return
 * 0 or an errno with ng_parse's meanings.
 */
struct ng_parse_custom {
	int (*parse)(const char *s, size_t *off, uint8_t *buf, size_t room,
	    size_t *len);
	int (*unparse)(const uint8_t *d, size_t avail, char **text);
	size_t align; /* of the C member it fills */
};

struct ng_parse_field {
	const char *name; /* ASCII name; NULL ends the list */
	const struct ng_parse_type *type;
};

/*
 * count names the integer field holding a variable length: a field of the
 * enclosing struct, by ASCII name, "a.b" for one inside a nested struct.
 */
struct ng_parse_type {
	enum ng_parse_kind kind;
	enum ng_parse_fmt fmt;                /* integers */
	size_t len;                           /* FIXSTR, BYTES, FIXARRAY */
	const struct ng_parse_type *elem;     /* FIXARRAY, ARRAY */
	const char *count;                    /* ARRAY, BYTES without len */
	const struct ng_parse_field *fields;  /* STRUCT */
	size_t size;                          /* STRUCT: sizeof the C struct */
	const struct ng_parse_custom *custom; /* CUSTOM */
};

extern const struct ng_parse_type ng_parse_int8_type, ng_parse_uint8_type,
    ng_parse_hint8_type, ng_parse_int16_type, ng_parse_uint16_type,
    ng_parse_hint16_type, ng_parse_int32_type, ng_parse_uint32_type,
    ng_parse_hint32_type, ng_parse_int64_type, ng_parse_uint64_type,
    ng_parse_hint64_type, ng_parse_string_type, ng_parse_sizedstring_type,
    ng_parse_ipaddr_type, ng_parse_enaddr_type, ng_parse_inetaddr_type;

/* The parse type of each field kind of <netgraph/ng_wire.h>. */
#define NG_PT_int8(a) (&ng_parse_int8_type)
#define NG_PT_uint8(a) (&ng_parse_uint8_type)
#define NG_PT_hint8(a) (&ng_parse_hint8_type)
#define NG_PT_int16(a) (&ng_parse_int16_type)
#define NG_PT_uint16(a) (&ng_parse_uint16_type)
#define NG_PT_hint16(a) (&ng_parse_hint16_type)
#define NG_PT_int32(a) (&ng_parse_int32_type)
#define NG_PT_uint32(a) (&ng_parse_uint32_type)
#define NG_PT_hint32(a) (&ng_parse_hint32_type)
#define NG_PT_int64(a) (&ng_parse_int64_type)
#define NG_PT_uint64(a) (&ng_parse_uint64_type)
#define NG_PT_hint64(a) (&ng_parse_hint64_type)
#define NG_PT_ipaddr(a) (&ng_parse_ipaddr_type)
#define NG_PT_enaddr(a) (&ng_parse_enaddr_type)
#define NG_PT_inetaddr(a) (&ng_parse_inetaddr_type)
#define NG_PT_fixstr(n)                                                        \
	(&(const struct ng_parse_type){ .kind = NG_PARSE_FIXSTR, .len = (n) })
#define NG_PT_bytes(n)                                                         \
	(&(const struct ng_parse_type){ .kind = NG_PARSE_BYTES, .len = (n) })
#define NG_PT_bytearray(c)                                                     \
	(&(const struct ng_parse_type){ .kind = NG_PARSE_BYTES, .count = #c })
#define NG_PT_struct(tag) (&tag##_parse_type)
#define NG_PT_custom(tag) (&tag##_parse_type)
#define NG_PT_fixarray(a) NG_WIRE_CALL(NG_PT_FIXARRAY_, NG_WIRE_UNPAREN a)
#define NG_PT_array(a) NG_WIRE_CALL(NG_PT_ARRAY_, NG_WIRE_UNPAREN a)
#define NG_PT_FIXARRAY_(k, ka, n)                                              \
	(&(const struct ng_parse_type){ .kind = NG_PARSE_FIXARRAY,             \
	    .elem = NG_PT_##k(ka),                                             \
	    .len = (n) })
#define NG_PT_ARRAY_(k, ka, c)                                                 \
	(&(const struct ng_parse_type){ .kind = NG_PARSE_ARRAY,                \
	    .elem = NG_PT_##k(ka),                                             \
	    .count = #c })

/* One row of a struct's field table, from one F(...) of a field list. */
#define NG_PARSE_FIELD(cname, k, a, aname)                                     \
	{ sizeof(#aname) > 1 ? #aname : #cname, NG_PT_##k(a) },

/*
 * Define tag_parse_type, the parse type of struct tag, from the field list
 * that defined the struct.  Use it as NG_PT_struct(tag) or &tag_parse_type.
 */
#define NG_PARSE_STRUCT(tag, FIELDS)                                           \
	static const struct ng_parse_field tag##_parse_fields[] = {            \
		FIELDS(NG_PARSE_FIELD){ NULL, NULL }                           \
	};                                                                     \
	static const struct ng_parse_type tag##_parse_type = {                 \
		.kind = NG_PARSE_STRUCT,                                       \
		.fields = tag##_parse_fields,                                  \
		.size = sizeof(struct tag),                                    \
	}

/*
 * Text to binary.  One value of type t is read from text (anything after
 * it is ignored) into buf, room bytes; *len gets its length.  Returns 0,
 * EINVAL (malformed), ENOENT (no such field), EALREADY (given twice),
 * E2BIG (index out of range, string too long), EOPNOTSUPP (a value with
 * no default is missing), ERANGE (buf too small) or ENOMEM.
 */
int ng_parse(const struct ng_parse_type *t, const char *text, uint8_t *buf,
    size_t room, size_t *len);

/* The same from s + *off, which moves past the value (custom types). */
int ng_parse_at(const struct ng_parse_type *t, const char *s, size_t *off,
    uint8_t *buf, size_t room, size_t *len);

/*
 * Binary to text: the len bytes at data, as type t.  *text is malloc'd and
 * the caller frees it.  Returns 0, EINVAL if the data is too short for the
 * type, or ENOMEM.
 */
int ng_unparse(const struct ng_parse_type *t, const uint8_t *data, size_t len,
    char **text);

/*
 * Check a type against the C layout: each struct's size as the engine
 * lays it out is the C compiler's, variable-length fields come last, and
 * every count names an earlier integer field.  0 or EINVAL; *what (if not
 * NULL) names the offending struct field.
 */
int ng_parse_check(const struct ng_parse_type *t, const char **what);

/* The value of hex digit c (either case), or -1 if it is none. */
int ng_hexval(char c);

#endif
