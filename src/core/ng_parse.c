/*
 * ng_parse.c: the ASCII message engine (spec §6).  Text to binary and back
 * for integers, strings, addresses, byte arrays, arrays and structs, with
 * FreeBSD's syntax, defaults, layout and error numbers.  Struct fields are
 * laid out by native C alignment, as the compiler lays out the structs
 * they describe (ng_parse_check proves it for each table).  No I/O.
 *
 * Costs: parsing a struct or array scans its text once to find where each
 * value is, then builds the bytes in declaration order, so a value may
 * refer to a length parsed before it.  Unparsing compares every element
 * with its default to leave defaults out; that is O(size) per element.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ng_parse.h"

#define NG_PARSE_UNSET SIZE_MAX   /* no value given for this element */
#define NG_PARSE_CUSTOM_MAX 65536 /* room a custom value is tried in */

#define NG_INT(k, f)                                                           \
	{                                                                      \
		.kind = NG_PARSE_##k, .fmt = NG_PARSE_##f                      \
	}
const struct ng_parse_type ng_parse_int8_type = NG_INT(INT8, SIGNED);
const struct ng_parse_type ng_parse_uint8_type = NG_INT(INT8, UNSIGNED);
const struct ng_parse_type ng_parse_hint8_type = NG_INT(INT8, HEX);
const struct ng_parse_type ng_parse_int16_type = NG_INT(INT16, SIGNED);
const struct ng_parse_type ng_parse_uint16_type = NG_INT(INT16, UNSIGNED);
const struct ng_parse_type ng_parse_hint16_type = NG_INT(INT16, HEX);
const struct ng_parse_type ng_parse_int32_type = NG_INT(INT32, SIGNED);
const struct ng_parse_type ng_parse_uint32_type = NG_INT(INT32, UNSIGNED);
const struct ng_parse_type ng_parse_hint32_type = NG_INT(INT32, HEX);
const struct ng_parse_type ng_parse_int64_type = NG_INT(INT64, SIGNED);
const struct ng_parse_type ng_parse_uint64_type = NG_INT(INT64, UNSIGNED);
const struct ng_parse_type ng_parse_hint64_type = NG_INT(INT64, HEX);
const struct ng_parse_type ng_parse_string_type = { .kind = NG_PARSE_STRING };
const struct ng_parse_type ng_parse_sizedstring_type = {
	.kind = NG_PARSE_SIZEDSTRING
};
const struct ng_parse_type ng_parse_ipaddr_type = { .kind = NG_PARSE_IPADDR };
const struct ng_parse_type ng_parse_enaddr_type = { .kind = NG_PARSE_ENADDR };
const struct ng_parse_type ng_parse_inetaddr_type = {
	.kind = NG_PARSE_INETADDR
};

/* Where a variable length is looked up: the struct being built or read. */
struct ng_scope {
	const struct ng_parse_type *type; /* a struct */
	const uint8_t *base;
	size_t avail; /* bytes at base that hold values */
	const struct ng_scope *up;
};

/* Text being built by an unparse; error sticks once set. */
struct ng_out {
	char *buf;
	size_t len, cap;
	int error;
};

enum ng_tok {
	NG_TOK_LBRACE,
	NG_TOK_RBRACE,
	NG_TOK_LBRACKET,
	NG_TOK_RBRACKET,
	NG_TOK_EQUALS,
	NG_TOK_STRING,
	NG_TOK_WORD,
	NG_TOK_EOF,
	NG_TOK_ERROR,
};

static int ng_p(const struct ng_parse_type *t, const char *s, size_t *off,
    uint8_t *buf, size_t room, size_t *len, const struct ng_scope *sc);
static int ng_default(const struct ng_parse_type *t, uint8_t *buf, size_t room,
    size_t *len, const struct ng_scope *sc);
static int ng_u(const struct ng_parse_type *t, const uint8_t *d, size_t avail,
    struct ng_out *o, const struct ng_scope *sc);

/* --- layout ------------------------------------------------------------- */

struct ng_int64_align {
	char c;
	int64_t v;
};

static size_t
ng_roundup(size_t x, size_t a)
{
	return (x + a - 1) / a * a;
}

static bool
ng_is_int(const struct ng_parse_type *t)
{
	return t->kind == NG_PARSE_INT8 || t->kind == NG_PARSE_INT16 ||
	    t->kind == NG_PARSE_INT32 || t->kind == NG_PARSE_INT64;
}

/* The alignment a C compiler gives a member of this type. */
static size_t
ng_align(const struct ng_parse_type *t)
{
	const struct ng_parse_field *f;
	size_t a = 1;

	switch (t->kind) {
	case NG_PARSE_INT16:
		return 2;
	case NG_PARSE_INT32:
	case NG_PARSE_IPADDR:
		return 4;
	case NG_PARSE_INT64:
		return offsetof(struct ng_int64_align, v);
	case NG_PARSE_INETADDR:
		return 2;
	case NG_PARSE_STRUCT:
		for (f = t->fields; f->name != NULL; f++)
			if (ng_align(f->type) > a)
				a = ng_align(f->type);
		return a;
	case NG_PARSE_FIXARRAY:
	case NG_PARSE_ARRAY:
		return ng_align(t->elem);
	case NG_PARSE_CUSTOM:
		return t->custom->align > 0 ? t->custom->align : 1;
	default:
		return 1;
	}
}

/* Size in bytes, or 0 for a type whose length varies. */
static size_t
ng_fixed_size(const struct ng_parse_type *t)
{
	const struct ng_parse_field *f;
	size_t at = 0, sz;

	switch (t->kind) {
	case NG_PARSE_INT8:
		return 1;
	case NG_PARSE_INT16:
		return 2;
	case NG_PARSE_INT32:
	case NG_PARSE_IPADDR:
		return 4;
	case NG_PARSE_INT64:
		return 8;
	case NG_PARSE_ENADDR:
		return 6;
	case NG_PARSE_INETADDR:
		return sizeof(struct ng_inetaddr);
	case NG_PARSE_FIXSTR:
		return t->len;
	case NG_PARSE_BYTES:
		return t->count != NULL ? 0 : t->len;
	case NG_PARSE_FIXARRAY:
		return t->len * ng_fixed_size(t->elem);
	case NG_PARSE_STRUCT:
		for (f = t->fields; f->name != NULL; f++) {
			at = ng_roundup(at, ng_align(f->type));
			if ((sz = ng_fixed_size(f->type)) == 0)
				return 0;
			at += sz;
		}
		return ng_roundup(at, ng_align(t));
	default:
		return 0;
	}
}

/* Read an unsigned integer of t's width. */
static uint64_t
ng_get_uint(const struct ng_parse_type *t, const uint8_t *p)
{
	uint8_t v8;
	uint16_t v16;
	uint32_t v32;
	uint64_t v64;

	switch (t->kind) {
	case NG_PARSE_INT8:
		memcpy(&v8, p, 1);
		return v8;
	case NG_PARSE_INT16:
		memcpy(&v16, p, 2);
		return v16;
	case NG_PARSE_INT32:
		memcpy(&v32, p, 4);
		return v32;
	default:
		memcpy(&v64, p, 8);
		return v64;
	}
}

/*
 * The integer field at path ("a" or "a.b") in struct st laid out at base,
 * of which avail bytes are valid.  ENOENT if there is no such field before
 * the first variable-length one, EINVAL if it is not a valid integer.
 */
static int
ng_lookup(const struct ng_parse_type *st, const char *path, const uint8_t *base,
    size_t avail, uint64_t *n)
{
	const struct ng_parse_field *f;
	const char *dot;
	size_t plen, at, sz;

	for (;;) {
		dot = strchr(path, '.');
		plen = dot != NULL ? (size_t)(dot - path) : strlen(path);
		at = 0;
		for (f = st->fields; f->name != NULL; f++) {
			at = ng_roundup(at, ng_align(f->type));
			if (strlen(f->name) == plen &&
			    memcmp(f->name, path, plen) == 0)
				break;
			if ((sz = ng_fixed_size(f->type)) == 0)
				return ENOENT;
			at += sz;
		}
		if (f->name == NULL)
			return ENOENT;
		if (dot == NULL)
			break;
		if (f->type->kind != NG_PARSE_STRUCT)
			return EINVAL;
		st = f->type;
		base += at;
		avail = avail > at ? avail - at : 0;
		path = dot + 1;
	}
	if (!ng_is_int(f->type))
		return EINVAL;
	if (at + ng_fixed_size(f->type) > avail)
		return EINVAL;
	*n = ng_get_uint(f->type, base + at);
	return 0;
}

/* How many elements a variable array or byte array has. */
static int
ng_count(const struct ng_parse_type *t, const struct ng_scope *sc, size_t *num)
{
	uint64_t n;

	if (t->count == NULL) {
		*num = t->len;
		return 0;
	}
	for (; sc != NULL; sc = sc->up) {
		if (ng_lookup(sc->type, t->count, sc->base, sc->avail, &n) ==
		    0) {
			*num = n > SIZE_MAX ? SIZE_MAX : (size_t)n;
			return 0;
		}
	}
	return EINVAL;
}

/* --- tokens ------------------------------------------------------------- */

static bool
ng_isspace(char c)
{
	return c == ' ' || (c >= '\t' && c <= '\r');
}

static bool
ng_isword(char c)
{
	return c != '\0' && !ng_isspace(c) && strchr("{}[]=\"", c) == NULL;
}

int
ng_hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static void
ng_skip_space(const char *s, size_t *off)
{
	while (ng_isspace(s[*off]))
		(*off)++;
}

/*
 * Decode the double-quoted string at s + off.  *toklen gets the token's
 * length, quotes included; out, if not NULL, gets the bytes (at most
 * *toklen of them) and *outlen their number.  The escapes are C's; as in
 * FreeBSD, an octal or hex escape takes every digit that follows (the
 * digit counter is never advanced) and keeps the low byte of the value.
 */
static int
ng_string(const char *s, size_t off, size_t *toklen, uint8_t *out,
    size_t *outlen)
{
	size_t i = off + 1, n = 0;
	unsigned x;
	char c;

	if (s[off] != '"')
		return EINVAL;
	for (;;) {
		c = s[i];
		if (c == '\0')
			return EINVAL; /* no closing quote */
		if (c == '"')
			break;
		i++;
		if (c == '\\' && s[i] != '\0') {
			c = s[i++];
			switch (c) {
			case 't':
				c = '\t';
				break;
			case 'n':
				c = '\n';
				break;
			case 'r':
				c = '\r';
				break;
			case 'v':
				c = '\v';
				break;
			case 'f':
				c = '\f';
				break;
			case 'x':
				for (x = 0; ng_hexval(s[i]) >= 0; i++)
					x = x * 16 + (unsigned)ng_hexval(s[i]);
				c = (char)(x & 0xff);
				break;
			default:
				if (c < '0' || c > '7')
					break; /* \" and any other \c: c */
				for (x = (unsigned)(c - '0');
				     s[i] >= '0' && s[i] <= '7'; i++)
					x = x * 8 + (unsigned)(s[i] - '0');
				c = (char)(x & 0xff);
				break;
			}
		}
		if (out != NULL)
			out[n] = (uint8_t)c;
		n++;
	}
	*toklen = i + 1 - off;
	if (outlen != NULL)
		*outlen = n;
	return 0;
}

/* The token at s + *off (after white space, which is skipped). */
static enum ng_tok
ng_token(const char *s, size_t *off, size_t *len)
{
	size_t i;

	ng_skip_space(s, off);
	*len = 1;
	switch (s[*off]) {
	case '\0':
		*len = 0;
		return NG_TOK_EOF;
	case '{':
		return NG_TOK_LBRACE;
	case '}':
		return NG_TOK_RBRACE;
	case '[':
		return NG_TOK_LBRACKET;
	case ']':
		return NG_TOK_RBRACKET;
	case '=':
		return NG_TOK_EQUALS;
	case '"':
		if (ng_string(s, *off, len, NULL, NULL) != 0)
			return NG_TOK_ERROR;
		return NG_TOK_STRING;
	default:
		for (i = *off + 1; ng_isword(s[i]); i++)
			;
		*len = i - *off;
		return NG_TOK_WORD;
	}
}

/* The length of the value at s + off: one token or a bracketed group. */
static int
ng_skip_value(const char *s, size_t off, size_t *len)
{
	size_t at = off, tl;
	int brackets = 0, braces = 0;

	do {
		switch (ng_token(s, &at, &tl)) {
		case NG_TOK_LBRACKET:
			brackets++;
			break;
		case NG_TOK_LBRACE:
			braces++;
			break;
		case NG_TOK_RBRACKET:
			if (brackets-- == 0)
				return EINVAL;
			break;
		case NG_TOK_RBRACE:
			if (braces-- == 0)
				return EINVAL;
			break;
		case NG_TOK_EOF:
		case NG_TOK_ERROR:
			return EINVAL;
		default:
			break;
		}
		at += tl;
	} while (brackets > 0 || braces > 0);
	*len = at - off;
	return 0;
}

/*
 * The length of a custom type's value at s + off: only the type knows
 * where its text ends (local/"a path" is a word and a string).
 */
static int
ng_skip_custom(const struct ng_parse_type *t, const char *s, size_t off,
    size_t *len)
{
	size_t at = off, l;
	uint8_t *scratch = malloc(NG_PARSE_CUSTOM_MAX);
	int error;

	if (scratch == NULL)
		return ENOMEM;
	error = t->custom->parse(s, &at, scratch, NG_PARSE_CUSTOM_MAX, &l);
	free(scratch);
	*len = at - off;
	return error;
}

/* --- parsing leaves ----------------------------------------------------- */

static int
ng_p_int(const struct ng_parse_type *t, const char *s, size_t *off,
    uint8_t *buf, size_t room, size_t *len)
{
	const char *p = s + *off;
	size_t sz = ng_fixed_size(t);
	long long v, lo, hi;
	uint64_t u;
	char *end;

	if (room < sz)
		return ERANGE;
	errno = 0;
	if (t->kind == NG_PARSE_INT64) {
		/* No range check, as FreeBSD; unsigned values use all 64
		 * bits so that what unparse prints parses back. */
		if (t->fmt == NG_PARSE_SIGNED)
			u = (uint64_t)strtoll(p, &end, 0);
		else
			u = strtoull(p, &end, 0);
		if (end == p)
			return EINVAL;
		memcpy(buf, &u, 8);
	} else {
		v = strtoll(p, &end, 0);
		/* Any value that fits either way: int8 is -128..255. */
		hi = (long long)((1ull << (8 * sz)) - 1);
		lo = -(long long)(1ull << (8 * sz - 1));
		if (end == p || errno == ERANGE || v < lo || v > hi)
			return EINVAL;
		u = (uint64_t)v;
		if (sz == 1) {
			uint8_t v8 = (uint8_t)u;

			memcpy(buf, &v8, 1);
		} else if (sz == 2) {
			uint16_t v16 = (uint16_t)u;

			memcpy(buf, &v16, 2);
		} else {
			uint32_t v32 = (uint32_t)u;

			memcpy(buf, &v32, 4);
		}
	}
	*off = (size_t)(end - s);
	*len = sz;
	return 0;
}

/* Four int8 values separated by dots: "010.1.1.1" is 8.1.1.1. */
static int
ng_p_ipaddr(const char *s, size_t *off, uint8_t *buf, size_t room, size_t *len)
{
	size_t l;
	int error;

	if (room < 4)
		return ERANGE;
	for (int i = 0; i < 4; i++) {
		error = ng_p_int(&ng_parse_int8_type, s, off, buf + i, 1, &l);
		if (error != 0)
			return error;
		if (i < 3) {
			if (s[*off] != '.')
				return EINVAL;
			(*off)++;
		}
	}
	*len = 4;
	return 0;
}

static int
ng_p_enaddr(const char *s, size_t *off, uint8_t *buf, size_t room, size_t *len)
{
	unsigned long v;
	char *end;

	if (room < 6)
		return ERANGE;
	for (int i = 0; i < 6; i++) {
		v = strtoul(s + *off, &end, 16);
		if (end == s + *off || v > 0xff)
			return EINVAL;
		buf[i] = (uint8_t)v;
		*off = (size_t)(end - s);
		if (i < 5) {
			if (s[*off] != ':')
				return EINVAL;
			(*off)++;
		}
	}
	*len = 6;
	return 0;
}

/* An IPv6 address (the word has a colon) or an IPv4 one. */
static int
ng_p_inetaddr(const char *s, size_t *off, uint8_t *buf, size_t room,
    size_t *len)
{
	struct ng_inetaddr ia;
	char word[64];
	size_t end, l;
	int error;

	if (room < sizeof(ia))
		return ERANGE;
	memset(&ia, 0, sizeof(ia));
	ng_skip_space(s, off);
	for (end = *off; ng_isword(s[end]); end++)
		;
	if (memchr(s + *off, ':', end - *off) != NULL) {
		if (end - *off >= sizeof(word))
			return EINVAL;
		memcpy(word, s + *off, end - *off);
		word[end - *off] = '\0';
		if (inet_pton(AF_INET6, word, ia.addr) != 1)
			return EINVAL;
		ia.family = AF_INET6;
		*off = end;
	} else {
		if ((error = ng_p_ipaddr(s, off, ia.addr, 4, &l)) != 0)
			return error;
		ia.family = AF_INET;
	}
	memcpy(buf, &ia, sizeof(ia));
	*len = sizeof(ia);
	return 0;
}

/* The string kinds: a double-quoted string token is required. */
static int
ng_p_string(const struct ng_parse_type *t, const char *s, size_t *off,
    uint8_t *buf, size_t room, size_t *len)
{
	size_t toklen, n;
	uint16_t n16;
	uint8_t *str;
	int error = 0;

	ng_skip_space(s, off);
	/* Its length first: room for the rest of the text (strlen) made
	 * an array of many strings quadratic. */
	if (ng_string(s, *off, &toklen, NULL, &n) != 0)
		return EINVAL;
	if ((str = malloc(n + 1)) == NULL)
		return ENOMEM;
	(void)ng_string(s, *off, &toklen, str, &n);
	switch (t->kind) {
	case NG_PARSE_FIXSTR:
		if (n + 1 > t->len) {
			error = E2BIG;
			break;
		}
		if (t->len > room) {
			error = ERANGE;
			break;
		}
		memcpy(buf, str, n);
		memset(buf + n, 0, t->len - n);
		*len = t->len;
		break;
	case NG_PARSE_SIZEDSTRING:
		if (n > UINT16_MAX) {
			error = EINVAL;
			break;
		}
		if (2 + n > room) {
			error = ERANGE;
			break;
		}
		n16 = (uint16_t)n;
		memcpy(buf, &n16, 2);
		memcpy(buf + 2, str, n);
		*len = 2 + n;
		break;
	default:
		if (n + 1 > room) {
			error = ERANGE;
			break;
		}
		memcpy(buf, str, n);
		buf[n] = '\0';
		*len = n + 1;
		break;
	}
	free(str);
	if (error == 0)
		*off += toklen;
	return error;
}

/* --- parsing composites ------------------------------------------------- */

/*
 * Lay out num elements of elem from the values found at pos[] (NULL, or
 * NG_PARSE_UNSET for one: its default).
 */
static int
ng_build_array(const struct ng_parse_type *elem, size_t num, const char *s,
    const size_t *pos, uint8_t *buf, size_t room, size_t *len,
    const struct ng_scope *sc)
{
	size_t at = 0, a = ng_align(elem), vlen, o;
	int error;

	for (size_t i = 0; i < num; i++) {
		o = ng_roundup(at, a);
		if (o > room)
			return ERANGE;
		memset(buf + at, 0, o - at);
		at = o;
		if (pos != NULL && (o = pos[i]) != NG_PARSE_UNSET)
			error = ng_p(elem, s, &o, buf + at, room - at, &vlen,
			    sc);
		else
			error = ng_default(elem, buf + at, room - at, &vlen,
			    sc);
		if (error != 0)
			return error;
		at += vlen;
	}
	o = ng_roundup(at, a);
	if (o > room)
		return ERANGE;
	memset(buf + at, 0, o - at);
	*len = o;
	return 0;
}

/* The same for a struct's fields, in declaration order. */
static int
ng_build_struct(const struct ng_parse_type *t, const char *s, const size_t *pos,
    uint8_t *buf, size_t room, size_t *len, const struct ng_scope *sc)
{
	struct ng_scope me = { .type = t, .base = buf, .up = sc };
	const struct ng_parse_field *f;
	size_t at = 0, vlen, o;
	int error;

	for (f = t->fields; f->name != NULL; f++) {
		o = ng_roundup(at, ng_align(f->type));
		if (o > room)
			return ERANGE;
		memset(buf + at, 0, o - at);
		at = o;
		me.avail = at;
		if (pos != NULL && (o = pos[f - t->fields]) != NG_PARSE_UNSET)
			error = ng_p(f->type, s, &o, buf + at, room - at, &vlen,
			    &me);
		else
			error = ng_default(f->type, buf + at, room - at, &vlen,
			    &me);
		if (error != 0)
			return error;
		at += vlen;
	}
	o = ng_roundup(at, ng_align(t));
	if (o > room)
		return ERANGE;
	memset(buf + at, 0, o - at);
	*len = o;
	return 0;
}

/*
 * "{ name=value ... }": find where each value is (unknown name ENOENT,
 * repeated EALREADY), then build in declaration order.
 */
static int
ng_p_struct(const struct ng_parse_type *t, const char *s, size_t *off,
    uint8_t *buf, size_t room, size_t *len, const struct ng_scope *sc)
{
	const struct ng_parse_field *f;
	size_t nf = 0, tl, *pos, i;
	int error = 0;

	for (f = t->fields; f->name != NULL; f++)
		nf++;
	if ((pos = malloc((nf + 1) * sizeof(*pos))) == NULL)
		return ENOMEM;
	for (i = 0; i < nf; i++)
		pos[i] = NG_PARSE_UNSET;
	if (ng_token(s, off, &tl) != NG_TOK_LBRACE) {
		error = EINVAL;
		goto out;
	}
	*off += tl;
	for (;;) {
		enum ng_tok tok = ng_token(s, off, &tl);

		if (tok == NG_TOK_RBRACE) {
			*off += tl;
			break;
		}
		if (tok != NG_TOK_WORD) {
			error = EINVAL;
			goto out;
		}
		for (i = 0; i < nf; i++)
			if (strlen(t->fields[i].name) == tl &&
			    strncmp(s + *off, t->fields[i].name, tl) == 0)
				break;
		if (i == nf) {
			error = ENOENT;
			goto out;
		}
		*off += tl;
		if (ng_token(s, off, &tl) != NG_TOK_EQUALS) {
			error = EINVAL;
			goto out;
		}
		*off += tl;
		if (pos[i] != NG_PARSE_UNSET) {
			error = EALREADY;
			goto out;
		}
		ng_skip_space(s, off);
		pos[i] = *off;
		if (t->fields[i].type->kind == NG_PARSE_CUSTOM)
			error = ng_skip_custom(t->fields[i].type, s, *off, &tl);
		else
			error = ng_skip_value(s, *off, &tl);
		if (error != 0)
			goto out;
		*off += tl;
	}
	error = ng_build_struct(t, s, pos, buf, room, len, sc);
out:
	free(pos);
	return error;
}

/*
 * "[ v idx=v ... ]" for num elements of elem: an element without an index
 * takes the one after the previous (out of range E2BIG, repeated
 * EALREADY); the rest get their defaults.
 */
static int
ng_p_array(const struct ng_parse_type *elem, size_t num, const char *s,
    size_t *off, uint8_t *buf, size_t room, size_t *len,
    const struct ng_scope *sc)
{
	size_t esz = ng_fixed_size(elem), next = 0, idx, tl, tl2, o2;
	size_t *pos = NULL;
	int error = 0;

	if (esz == 0)
		return EINVAL; /* elements must have a fixed size */
	if (num > room / esz)
		return ERANGE;
	if (num > 0 && (pos = malloc(num * sizeof(*pos))) == NULL)
		return ENOMEM;
	for (idx = 0; idx < num; idx++)
		pos[idx] = NG_PARSE_UNSET;
	if (ng_token(s, off, &tl) != NG_TOK_LBRACKET) {
		error = EINVAL;
		goto out;
	}
	*off += tl;
	for (;;) {
		enum ng_tok tok = ng_token(s, off, &tl);

		if (tok == NG_TOK_RBRACKET) {
			*off += tl;
			break;
		}
		if (tok == NG_TOK_LBRACE || tok == NG_TOK_LBRACKET) {
			idx = next++;
		} else if (tok != NG_TOK_WORD) {
			error = EINVAL;
			goto out;
		} else {
			o2 = *off + tl;
			if (ng_token(s, &o2, &tl2) != NG_TOK_EQUALS) {
				idx = next++;
			} else {
				char *end;

				/* An explicit index: the whole word. */
				idx = strtoul(s + *off, &end, 0);
				if ((size_t)(end - (s + *off)) != tl) {
					error = EINVAL;
					goto out;
				}
				next = idx + 1;
				*off = o2 + tl2;
			}
		}
		if (idx >= num) {
			error = E2BIG;
			goto out;
		}
		if (pos[idx] != NG_PARSE_UNSET) {
			error = EALREADY;
			goto out;
		}
		ng_skip_space(s, off);
		pos[idx] = *off;
		if ((error = ng_skip_value(s, *off, &tl)) != 0)
			goto out;
		*off += tl;
	}
	error = ng_build_array(elem, num, s, pos, buf, room, len, sc);
out:
	free(pos);
	return error;
}

/* A byte array: a string (zero-filled to its length) or hex bytes. */
static int
ng_p_bytes(const struct ng_parse_type *t, const char *s, size_t *off,
    uint8_t *buf, size_t room, size_t *len, const struct ng_scope *sc)
{
	size_t num, toklen, n;
	uint8_t *str;
	int error;

	if ((error = ng_count(t, sc, &num)) != 0)
		return error;
	ng_skip_space(s, off);
	if (s[*off] != '"' || ng_string(s, *off, &toklen, NULL, &n) != 0)
		return ng_p_array(&ng_parse_hint8_type, num, s, off, buf, room,
		    len, sc);
	if (num > room)
		return ERANGE;
	if (n > num)
		return E2BIG;
	if ((str = malloc(n + 1)) == NULL)
		return ENOMEM;
	(void)ng_string(s, *off, &toklen, str, &n);
	memcpy(buf, str, n);
	memset(buf + n, 0, num - n);
	free(str);
	*off += toklen;
	*len = num;
	return 0;
}

static int
ng_p(const struct ng_parse_type *t, const char *s, size_t *off, uint8_t *buf,
    size_t room, size_t *len, const struct ng_scope *sc)
{
	size_t num;
	int error;

	switch (t->kind) {
	case NG_PARSE_INT8:
	case NG_PARSE_INT16:
	case NG_PARSE_INT32:
	case NG_PARSE_INT64:
		return ng_p_int(t, s, off, buf, room, len);
	case NG_PARSE_STRING:
	case NG_PARSE_FIXSTR:
	case NG_PARSE_SIZEDSTRING:
		return ng_p_string(t, s, off, buf, room, len);
	case NG_PARSE_IPADDR:
		return ng_p_ipaddr(s, off, buf, room, len);
	case NG_PARSE_ENADDR:
		return ng_p_enaddr(s, off, buf, room, len);
	case NG_PARSE_INETADDR:
		return ng_p_inetaddr(s, off, buf, room, len);
	case NG_PARSE_BYTES:
		return ng_p_bytes(t, s, off, buf, room, len, sc);
	case NG_PARSE_STRUCT:
		return ng_p_struct(t, s, off, buf, room, len, sc);
	case NG_PARSE_FIXARRAY:
		return ng_p_array(t->elem, t->len, s, off, buf, room, len, sc);
	case NG_PARSE_ARRAY:
		if ((error = ng_count(t, sc, &num)) != 0)
			return error;
		return ng_p_array(t->elem, num, s, off, buf, room, len, sc);
	case NG_PARSE_CUSTOM:
		ng_skip_space(s, off);
		return t->custom->parse(s, off, buf, room, len);
	}
	return EINVAL;
}

/* The value an omitted element gets; EOPNOTSUPP if it has none. */
static int
ng_default(const struct ng_parse_type *t, uint8_t *buf, size_t room,
    size_t *len, const struct ng_scope *sc)
{
	size_t n;
	int error;

	switch (t->kind) {
	case NG_PARSE_ENADDR:
		return EOPNOTSUPP;
	case NG_PARSE_CUSTOM:
		*len = 0; /* left out: nothing */
		return 0;
	case NG_PARSE_STRING:
		n = 1;
		break;
	case NG_PARSE_SIZEDSTRING:
		n = 2;
		break;
	case NG_PARSE_BYTES:
		if ((error = ng_count(t, sc, &n)) != 0)
			return error;
		break;
	case NG_PARSE_STRUCT:
		return ng_build_struct(t, NULL, NULL, buf, room, len, sc);
	case NG_PARSE_FIXARRAY:
		return ng_build_array(t->elem, t->len, NULL, NULL, buf, room,
		    len, sc);
	case NG_PARSE_ARRAY:
		if ((error = ng_count(t, sc, &n)) != 0)
			return error;
		if (ng_fixed_size(t->elem) == 0 ||
		    n > room / ng_fixed_size(t->elem))
			return ERANGE;
		return ng_build_array(t->elem, n, NULL, NULL, buf, room, len,
		    sc);
	default:
		n = ng_fixed_size(t); /* numbers and addresses: zero */
		break;
	}
	if (n > room)
		return ERANGE;
	memset(buf, 0, n);
	*len = n;
	return 0;
}

int
ng_parse(const struct ng_parse_type *t, const char *text, uint8_t *buf,
    size_t room, size_t *len)
{
	size_t off = 0;

	*len = 0;
	return ng_p(t, text, &off, buf, room, len, NULL);
}

int
ng_parse_at(const struct ng_parse_type *t, const char *s, size_t *off,
    uint8_t *buf, size_t room, size_t *len)
{
	*len = 0;
	return ng_p(t, s, off, buf, room, len, NULL);
}

/* --- unparsing ---------------------------------------------------------- */

static void __attribute__((format(printf, 2, 3)))
ng_put(struct ng_out *o, const char *fmt, ...)
{
	va_list ap;
	size_t cap;
	char *nb;
	int n;

	while (o->error == 0) {
		va_start(ap, fmt);
		n = vsnprintf(o->buf + o->len, o->cap - o->len, fmt, ap);
		va_end(ap);
		if (n < 0) {
			o->error = EINVAL;
			return;
		}
		if ((size_t)n < o->cap - o->len) {
			o->len += (size_t)n;
			return;
		}
		cap = 2 * o->cap + (size_t)n;
		if ((nb = realloc(o->buf, cap)) == NULL) {
			o->error = ENOMEM;
			return;
		}
		o->buf = nb;
		o->cap = cap;
	}
}

/* n bytes of text as they are: most of a reply's text (names, strings,
 * punctuation) costs a copy, not a vsnprintf each. */
static void
ng_putn(struct ng_out *o, const char *p, size_t n)
{
	size_t cap;
	char *nb;

	if (o->error != 0)
		return;
	if (o->cap - o->len <= n) {
		cap = 2 * o->cap + n;
		if ((nb = realloc(o->buf, cap)) == NULL) {
			o->error = ENOMEM;
			return;
		}
		o->buf = nb;
		o->cap = cap;
	}
	memcpy(o->buf + o->len, p, n);
	o->len += n;
	o->buf[o->len] = '\0';
}

static void
ng_puts(struct ng_out *o, const char *s)
{
	ng_putn(o, s, strlen(s));
}

/*
 * Quoted, with the escapes FreeBSD writes.  A \x escape takes every hex
 * digit after it when read back, so a hex digit right after one is
 * escaped too: the text always parses back to the same bytes.
 */
static void
ng_put_string(struct ng_out *o, const uint8_t *p, size_t n)
{
	bool hex = false; /* the last thing written was a \x escape */

	ng_putn(o, "\"", 1);
	for (size_t i = 0; i < n; i++) {
		size_t run;

		/* A run of bytes that stand for themselves, at once (not a
		 * hex digit right after a \x escape). */
		if (hex && ng_hexval((char)p[i]) >= 0) {
			ng_put(o, "\\x%02x", p[i]);
			continue;
		}
		for (run = 0;
		     i + run < n && p[i + run] >= 0x20 && p[i + run] <= 0x7e &&
		     p[i + run] != '"' && p[i + run] != '\\';
		     run++)
			;
		if (run > 0) {
			ng_putn(o, (const char *)p + i, run);
			hex = false;
			i += run - 1;
			continue;
		}
		hex = false;
		switch (p[i]) {
		case '\t':
			ng_puts(o, "\\t");
			break;
		case '\f':
			ng_puts(o, "\\f");
			break;
		case '\n':
			ng_puts(o, "\\n");
			break;
		case '\r':
			ng_puts(o, "\\r");
			break;
		case '\v':
			ng_puts(o, "\\v");
			break;
		case '"':
		case '\\':
			ng_put(o, "\\%c", p[i]);
			break;
		default: /* not printable: the printable went in a run */
			ng_put(o, "\\x%02x", p[i]);
			hex = true;
			break;
		}
	}
	ng_putn(o, "\"", 1);
}

static void
ng_put_int(struct ng_out *o, const struct ng_parse_type *t, const uint8_t *p)
{
	uint64_t u = ng_get_uint(t, p);
	long long v;

	switch (t->fmt) {
	case NG_PARSE_SIGNED:
		/* Sign-extend from the type's width. */
		if (t->kind == NG_PARSE_INT8)
			v = (int8_t)u;
		else if (t->kind == NG_PARSE_INT16)
			v = (int16_t)u;
		else if (t->kind == NG_PARSE_INT32)
			v = (int32_t)u;
		else
			v = (long long)u;
		ng_put(o, "%lld", v);
		break;
	case NG_PARSE_UNSIGNED:
		ng_put(o, "%llu", (unsigned long long)u);
		break;
	case NG_PARSE_HEX:
		ng_put(o, "0x%llx", (unsigned long long)u);
		break;
	}
}

/* Whether the size bytes at d equal t's default there. */
static bool
ng_is_default(const struct ng_parse_type *t, const uint8_t *d, size_t avail,
    const struct ng_scope *sc)
{
	size_t room = ng_fixed_size(t), dlen;
	uint8_t *tmp;
	bool same;

	if (t->kind == NG_PARSE_CUSTOM)
		return avail == 0;
	if (room == 0)
		room = avail;
	if ((tmp = malloc(room > 0 ? room : 1)) == NULL)
		return false;
	same = ng_default(t, tmp, room, &dlen, sc) == 0 && dlen <= avail &&
	    memcmp(tmp, d, dlen) == 0;
	free(tmp);
	return same;
}

/* " v" for each non-default element, "idx=" where one was skipped. */
static int
ng_u_array(const struct ng_parse_type *elem, size_t num, const uint8_t *d,
    size_t avail, struct ng_out *o, const struct ng_scope *sc)
{
	size_t esz = ng_fixed_size(elem), next = 0, dlen;
	uint8_t *def;
	bool did = false, have_def;
	int error;

	if (esz == 0 || num > avail / esz)
		return EINVAL;
	if ((def = malloc(esz)) == NULL)
		return ENOMEM;
	have_def = ng_default(elem, def, esz, &dlen, sc) == 0 && dlen == esz;
	ng_putn(o, "[", 1);
	for (size_t i = 0; i < num; i++) {
		const uint8_t *e = d + i * esz;

		if (have_def && memcmp(def, e, esz) == 0)
			continue;
		ng_putn(o, " ", 1);
		if (i != next)
			ng_put(o, "%zu=", i);
		next = i + 1;
		if ((error = ng_u(elem, e, esz, o, sc)) != 0) {
			free(def);
			return error;
		}
		did = true;
	}
	ng_puts(o, did ? " ]" : "]");
	free(def);
	return 0;
}

/* " name=v" for each field that differs from its default. */
static int
ng_u_struct(const struct ng_parse_type *t, const uint8_t *d, size_t avail,
    struct ng_out *o, const struct ng_scope *sc)
{
	struct ng_scope me = { .type = t, .base = d, .avail = avail, .up = sc };
	const struct ng_parse_field *f;
	size_t at = 0;
	bool did = false;
	int error;

	ng_putn(o, "{", 1);
	for (f = t->fields; f->name != NULL; f++) {
		at = ng_roundup(at, ng_align(f->type));
		if (at > avail)
			return EINVAL;
		if (!ng_is_default(f->type, d + at, avail - at, &me)) {
			ng_putn(o, " ", 1);
			ng_puts(o, f->name);
			ng_putn(o, "=", 1);
			error = ng_u(f->type, d + at, avail - at, o, &me);
			if (error != 0)
				return error;
			did = true;
		}
		at += ng_fixed_size(f->type); /* only the last one varies */
	}
	ng_puts(o, did ? " }" : "}");
	return 0;
}

static int
ng_u(const struct ng_parse_type *t, const uint8_t *d, size_t avail,
    struct ng_out *o, const struct ng_scope *sc)
{
	struct ng_inetaddr ia;
	char ip6[INET6_ADDRSTRLEN];
	size_t num;
	uint16_t n16;
	int error;

	if (avail < ng_fixed_size(t))
		return EINVAL;
	switch (t->kind) {
	case NG_PARSE_INT8:
	case NG_PARSE_INT16:
	case NG_PARSE_INT32:
	case NG_PARSE_INT64:
		ng_put_int(o, t, d);
		break;
	case NG_PARSE_STRING:
		/* Up to the NUL, or to the end of what was sent. */
		ng_put_string(o, d, strnlen((const char *)d, avail));
		break;
	case NG_PARSE_FIXSTR:
		ng_put_string(o, d, strnlen((const char *)d, t->len));
		break;
	case NG_PARSE_SIZEDSTRING:
		if (avail < 2)
			return EINVAL;
		memcpy(&n16, d, 2);
		if (2 + (size_t)n16 > avail)
			return EINVAL;
		ng_put_string(o, d + 2, n16);
		break;
	case NG_PARSE_IPADDR:
		ng_put(o, "%d.%d.%d.%d", d[0], d[1], d[2], d[3]);
		break;
	case NG_PARSE_ENADDR:
		ng_put(o, "%02x:%02x:%02x:%02x:%02x:%02x", d[0], d[1], d[2],
		    d[3], d[4], d[5]);
		break;
	case NG_PARSE_INETADDR:
		memcpy(&ia, d, sizeof(ia));
		if (ia.family == AF_INET6) {
			if (inet_ntop(AF_INET6, ia.addr, ip6, sizeof(ip6)) ==
			    NULL)
				return EINVAL;
			ng_puts(o, ip6);
		} else if (ia.family == AF_INET || ia.family == 0) {
			ng_put(o, "%d.%d.%d.%d", ia.addr[0], ia.addr[1],
			    ia.addr[2], ia.addr[3]);
		} else {
			return EINVAL;
		}
		break;
	case NG_PARSE_BYTES:
		if ((error = ng_count(t, sc, &num)) != 0)
			return error;
		return ng_u_array(&ng_parse_hint8_type, num, d, avail, o, sc);
	case NG_PARSE_STRUCT:
		return ng_u_struct(t, d, avail, o, sc);
	case NG_PARSE_FIXARRAY:
		return ng_u_array(t->elem, t->len, d, avail, o, sc);
	case NG_PARSE_ARRAY:
		if ((error = ng_count(t, sc, &num)) != 0)
			return error;
		return ng_u_array(t->elem, num, d, avail, o, sc);
	case NG_PARSE_CUSTOM: {
		char *text;

		if ((error = t->custom->unparse(d, avail, &text)) != 0)
			return error;
		ng_puts(o, text);
		free(text);
		break;
	}
	}
	return o->error;
}

int
ng_unparse(const struct ng_parse_type *t, const uint8_t *data, size_t len,
    char **text)
{
	struct ng_out o = { .cap = 128 };
	int error;

	*text = NULL;
	if ((o.buf = malloc(o.cap)) == NULL)
		return ENOMEM;
	o.buf[0] = '\0';
	error = ng_u(t, data, len, &o, NULL);
	if (error == 0)
		error = o.error;
	if (error != 0) {
		free(o.buf);
		return error;
	}
	*text = o.buf;
	return 0;
}

/* --- checking tables ---------------------------------------------------- */

int
ng_parse_check(const struct ng_parse_type *t, const char **what)
{
	const struct ng_parse_field *f;
	size_t at = 0;
	uint64_t n;
	uint8_t *zero;
	int error;

	switch (t->kind) {
	case NG_PARSE_FIXARRAY:
	case NG_PARSE_ARRAY:
		if (ng_fixed_size(t->elem) == 0)
			return EINVAL;
		return ng_parse_check(t->elem, what);
	case NG_PARSE_STRUCT:
		break;
	default:
		return 0;
	}
	for (f = t->fields; f->name != NULL; f++) {
		if (what != NULL)
			*what = f->name;
		if ((error = ng_parse_check(f->type, what)) != 0)
			return error;
		at = ng_roundup(at, ng_align(f->type));
		if (ng_fixed_size(f->type) != 0) {
			at += ng_fixed_size(f->type);
			continue;
		}
		/* A variable field: last, with a count found before it. */
		if (f[1].name != NULL)
			return EINVAL;
		if (f->type->kind == NG_PARSE_CUSTOM)
			continue; /* as long as the rest of the message */
		if (f->type->count == NULL)
			return EINVAL;
		if ((zero = calloc(1, at + 1)) == NULL)
			return ENOMEM;
		error = ng_lookup(t, f->type->count, zero, at, &n);
		free(zero);
		if (error != 0)
			return EINVAL;
	}
	if (what != NULL)
		*what = t->fields[0].name;
	return ng_roundup(at, ng_align(t)) == t->size ? 0 : EINVAL;
}
