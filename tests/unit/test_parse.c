/*
 * test_parse.c: the ASCII message engine (spec §6) and the ASCII form of
 * every command of every node type.  Golden round trips (text -> binary
 * -> text gives the canonical text back), the documented errno for
 * malformed text, the §6.2 example struct byte for byte, each table
 * checked against its C struct, and ascii2binary / binary2ascii through
 * the graph, with a fake interface backend for eiface.
 */
#include <arpa/inet.h>
#include <netgraph/ng_bridge.h>
#include <netgraph/ng_eiface.h>
#include <netgraph/ng_hub.h>
#include <netgraph/ng_socket.h>

#include "ng_parse.h"
#include "ngtest.h"

#define ROOM 20480

/* --- the engine on its own ---------------------------------------------- */

/* The illustrative struct of spec §6.2. */
#define EX_FIELDS(F)                                                           \
	F(a, uint8, , )                                                        \
	F(b, uint32, , )                                                       \
	F(s, fixstr, 8, )                                                      \
	F(arr, fixarray, (uint16, , 3), )
NG_WIRE_STRUCT(ex, EX_FIELDS, 24);
NG_PARSE_STRUCT(ex, EX_FIELDS);

/* One field of each remaining kind. */
#define KINDS_FIELDS(F)                                                        \
	F(i8, int8, , )                                                        \
	F(h8, hint8, , )                                                       \
	F(i16, int16, , )                                                      \
	F(u16, uint16, , )                                                     \
	F(h16, hint16, , )                                                     \
	F(h32, hint32, , )                                                     \
	F(i64, int64, , )                                                      \
	F(u64, uint64, , )                                                     \
	F(h64, hint64, , )                                                     \
	F(ip, ipaddr, , )                                                      \
	F(in, inetaddr, , )                                                    \
	F(raw, bytes, 4, )                                                     \
	F(names, fixarray, (fixstr, 4, 2), )                                   \
	F(n, uint16, , )                                                       \
	F(tail, bytearray, n, )
NG_WIRE_STRUCT(kinds, KINDS_FIELDS, 80);
NG_PARSE_STRUCT(kinds, KINDS_FIELDS);

/* Parse in, unparse the result: want back, or the parse error. */
static void
round_trip(const char *name, const struct ng_parse_type *t, const char *in,
    const char *want, int want_error)
{
	static uint8_t buf[ROOM];
	size_t len;
	char *text = NULL, what[300];
	int error;

	error = ng_parse(t, in, buf, sizeof(buf), &len);
	snprintf(what, sizeof(what), "%s: parse", name);
	CHECK_INT(what, error, want_error);
	if (error != 0 || want_error != 0)
		return;
	error = ng_unparse(t, buf, len, &text);
	snprintf(what, sizeof(what), "%s: unparse", name);
	if (error != 0)
		CHECK_INT(what, error, 0);
	else
		CHECK_STR(what, text, want != NULL ? want : in);
	free(text);
}

static void
test_example(void)
{
	struct ex want;
	uint8_t buf[64];
	size_t len;
	char *text = NULL;

	memset(&want, 0, sizeof(want));
	want.b = 7;
	want.arr[1] = 4;
	CHECK_INT("6.2/unparse",
	    ng_unparse(&ex_parse_type, (uint8_t *)&want, sizeof(want), &text),
	    0);
	CHECK_STR("6.2/text", text, "{ b=7 arr=[ 1=4 ] }");
	memset(buf, 0xee, sizeof(buf));
	CHECK_INT("6.2/parse back",
	    ng_parse(&ex_parse_type, text, buf, sizeof(buf), &len), 0);
	CHECK_INT("6.2/length", len, sizeof(want));
	CHECK("6.2/same bytes, padding too", memcmp(buf, &want, 24) == 0);
	free(text);

	round_trip("6.2/all default", &ex_parse_type, "{}", NULL, 0);
	round_trip("6.2/any order", &ex_parse_type,
	    "{ arr=[ 2=9 ] s=\"hi\" a=255 }", "{ a=255 s=\"hi\" arr=[ 2=9 ] }",
	    0);
	round_trip("6.2/index follows the last", &ex_parse_type,
	    "{ arr=[ 1=4 5 ] }", "{ arr=[ 1=4 5 ] }", 0);
	round_trip("6.2/zeros are defaults", &ex_parse_type,
	    "{ a=0 b=0 s=\"\" arr=[ 0 0 0 ] }", "{}", 0);
	round_trip("6.2/index past the end", &ex_parse_type,
	    "{ arr=[ 2=1 2 ] }", NULL, E2BIG);
	round_trip("6.2/index twice", &ex_parse_type, "{ arr=[ 1 0=2 ] }", NULL,
	    EALREADY);
	round_trip("6.2/bad index", &ex_parse_type, "{ arr=[ 1x=2 ] }", NULL,
	    EINVAL);
	round_trip("6.2/string too long", &ex_parse_type, "{ s=\"12345678\" }",
	    NULL, E2BIG);
	round_trip("6.2/string fits", &ex_parse_type, "{ s=\"1234567\" }", NULL,
	    0);
	round_trip("6.2/unknown field", &ex_parse_type, "{ c=1 }", NULL,
	    ENOENT);
	round_trip("6.2/field twice", &ex_parse_type, "{ a=1 a=1 }", NULL,
	    EALREADY);
	round_trip("6.2/no brace", &ex_parse_type, "a=1", NULL, EINVAL);
	round_trip("6.2/unclosed", &ex_parse_type, "{ a=1", NULL, EINVAL);
	round_trip("6.2/no value", &ex_parse_type, "{ a }", NULL, EINVAL);
	round_trip("6.2/nothing", &ex_parse_type, "", NULL, EINVAL);
	round_trip("6.2/stray bracket", &ex_parse_type, "{ a=] }", NULL,
	    EINVAL);
	round_trip("6.2/text after the value is ignored", &ex_parse_type,
	    "{ b=1 } junk", "{ b=1 }", 0);
}

static void
test_integers(void)
{
	round_trip("int/base 0: octal", &ng_parse_int32_type, "010", "8", 0);
	round_trip("int/base 0: hex", &ng_parse_int32_type, "0x1f", "31", 0);
	round_trip("int/negative", &ng_parse_int32_type, "-7", NULL, 0);
	round_trip("int/int32 max", &ng_parse_uint32_type, "4294967295", NULL,
	    0);
	round_trip("int/int32 -1 as unsigned", &ng_parse_uint32_type, "-1",
	    "4294967295", 0);
	round_trip("int/int32 too big", &ng_parse_int32_type, "4294967296",
	    NULL, EINVAL);
	round_trip("int/int32 too small", &ng_parse_int32_type, "-2147483649",
	    NULL, EINVAL);
	round_trip("int/hint32", &ng_parse_hint32_type, "31", "0x1f", 0);
	round_trip("int/int8 255", &ng_parse_uint8_type, "255", NULL, 0);
	round_trip("int/int8 -128 signed", &ng_parse_int8_type, "-128", NULL,
	    0);
	round_trip("int/int8 255 signed is -1", &ng_parse_int8_type, "255",
	    "-1", 0);
	round_trip("int/int8 256", &ng_parse_uint8_type, "256", NULL, EINVAL);
	round_trip("int/int8 -129", &ng_parse_int8_type, "-129", NULL, EINVAL);
	round_trip("int/int16 65535", &ng_parse_uint16_type, "65535", NULL, 0);
	round_trip("int/int16 65536", &ng_parse_int16_type, "65536", NULL,
	    EINVAL);
	round_trip("int/not a number", &ng_parse_int32_type, "x", NULL, EINVAL);
	round_trip("int/a string", &ng_parse_int32_type, "\"1\"", NULL, EINVAL);
	round_trip("int/digits then junk", &ng_parse_int32_type, "12ab", "12",
	    0);
	round_trip("int/uint64 max", &ng_parse_uint64_type,
	    "18446744073709551615", NULL, 0);
	round_trip("int/int64 min", &ng_parse_int64_type,
	    "-9223372036854775808", NULL, 0);
	round_trip("int/hint64", &ng_parse_hint64_type, "0xffffffffffffffff",
	    NULL, 0);
	round_trip("int/kinds", &kinds_parse_type,
	    "{ i8=-5 h8=0xa i16=-300 u16=40000 h16=0xbeef h32=0xdeadbeef "
	    "i64=-1 u64=1 h64=0x10 }",
	    NULL, 0);
}

static void
test_strings(void)
{
	static uint8_t buf[64];
	size_t len;
	char *text = NULL;

	round_trip("string/plain", &ng_parse_string_type, "\"ngeth0\"", NULL,
	    0);
	round_trip("string/escapes", &ng_parse_string_type,
	    "\"a\\tb\\nc\\rd\\ve\\ff\\\"g\\\\h\"", NULL, 0);
	round_trip("string/octal", &ng_parse_string_type, "\"\\101BC\"",
	    "\"ABC\"", 0);
	round_trip("string/other escapes give the letter",
	    &ng_parse_string_type, "\"\\q\\a\"", "\"qa\"", 0);
	round_trip("string/bytes outside 0x20-0x7e as \\x",
	    &ng_parse_string_type, "\"\\x01\\x7f\\x80 \\xff\"", NULL, 0);
	round_trip("string/unquoted", &ng_parse_string_type, "ngeth0", NULL,
	    EINVAL);
	round_trip("string/unclosed", &ng_parse_string_type, "\"abc", NULL,
	    EINVAL);
	round_trip("string/backslash at the end", &ng_parse_string_type,
	    "\"abc\\", NULL, EINVAL);

	/* The quirk: every following digit is taken, the byte kept. */
	CHECK_INT("string/\\x414 parses",
	    ng_parse(&ng_parse_string_type, "\"\\x414\"", buf, sizeof(buf),
		&len),
	    0);
	CHECK("string/\\x414 is one byte 0x14",
	    len == 2 && buf[0] == 0x14 && buf[1] == 0);
	CHECK_INT("string/\\1014 parses",
	    ng_parse(&ng_parse_string_type, "\"\\1014\"", buf, sizeof(buf),
		&len),
	    0);
	CHECK("string/\\1014 is one byte 0x0c",
	    len == 2 && buf[0] == 0x0c && buf[1] == 0);

	/* A sized string is its length, then the bytes (NUL included). */
	CHECK_INT("sizedstring/parse",
	    ng_parse(&ng_parse_sizedstring_type, "\"a\\x00z\"", buf,
		sizeof(buf), &len),
	    0);
	CHECK("sizedstring/bytes",
	    len == 5 && buf[0] == 3 && buf[1] == 0 && buf[2] == 'a' &&
		buf[3] == 0 && buf[4] == 'z');
	CHECK_INT("sizedstring/unparse",
	    ng_unparse(&ng_parse_sizedstring_type, buf, len, &text), 0);
	CHECK_STR("sizedstring/text", text, "\"a\\x00z\"");
	free(text);
}

static void
test_addresses(void)
{
	round_trip("ipaddr/plain", &ng_parse_ipaddr_type, "198.51.100.1", NULL,
	    0);
	round_trip("ipaddr/octal octet", &ng_parse_ipaddr_type, "010.1.1.1",
	    "8.1.1.1", 0);
	round_trip("ipaddr/-1 is 255", &ng_parse_ipaddr_type, "-1.0.0.1",
	    "255.0.0.1", 0);
	round_trip("ipaddr/three octets", &ng_parse_ipaddr_type, "1.2.3", NULL,
	    EINVAL);
	round_trip("ipaddr/octet 256", &ng_parse_ipaddr_type, "1.2.3.256", NULL,
	    EINVAL);
	round_trip("enaddr/lower case", &ng_parse_enaddr_type, "02:AB:0:0:0:1",
	    "02:ab:00:00:00:01", 0);
	round_trip("enaddr/five fields", &ng_parse_enaddr_type,
	    "02:00:00:00:00", NULL, EINVAL);
	round_trip("enaddr/field over 0xff", &ng_parse_enaddr_type,
	    "1ff:0:0:0:0:0", NULL, EINVAL);
	round_trip("enaddr/not hex", &ng_parse_enaddr_type, "zz", NULL, EINVAL);
	round_trip("inetaddr/IPv4", &ng_parse_inetaddr_type, "198.51.100.7",
	    NULL, 0);
	round_trip("inetaddr/IPv6", &ng_parse_inetaddr_type, "2001:db8:0:0::1",
	    "2001:db8::1", 0);
	round_trip("inetaddr/bad IPv6", &ng_parse_inetaddr_type, "fe80::zz",
	    NULL, EINVAL);
	round_trip("kinds/addresses", &kinds_parse_type,
	    "{ ip=10.0.0.1 in=fe80::1 }", NULL, 0);
}

static void
test_byte_arrays(void)
{
	round_trip("bytes/hex", &kinds_parse_type, "{ raw=[ 0x1 3=0xff ] }",
	    NULL, 0);
	round_trip("bytes/string", &kinds_parse_type, "{ raw=\"ab\" }",
	    "{ raw=[ 0x61 0x62 ] }", 0);
	round_trip("bytes/string filling it", &kinds_parse_type,
	    "{ raw=\"abcd\" }", "{ raw=[ 0x61 0x62 0x63 0x64 ] }", 0);
	round_trip("bytes/string too long", &kinds_parse_type,
	    "{ raw=\"abcde\" }", NULL, E2BIG);
	round_trip("bytes/index past the end", &kinds_parse_type,
	    "{ raw=[ 4=1 ] }", NULL, E2BIG);
	round_trip("bytearray/length from a field", &kinds_parse_type,
	    "{ n=3 tail=[ 0x1 0x2 0x3 ] }", NULL, 0);
	round_trip("bytearray/longer than its length", &kinds_parse_type,
	    "{ n=1 tail=[ 0x1 0x2 ] }", NULL, E2BIG);
	round_trip("bytearray/no length", &kinds_parse_type, "{ tail=\"x\" }",
	    NULL, E2BIG);
	round_trip("fixarray/of strings", &kinds_parse_type,
	    "{ names=[ 1=\"abc\" ] }", NULL, 0);
	round_trip("fixarray/a string needs its index", &kinds_parse_type,
	    "{ names=[ \"abc\" ] }", NULL, EINVAL);
}

/* Tables that do not match a C layout, for ng_parse_check. */
static const struct ng_parse_field bad_order_fields[] = {
	{ "arr", NG_PT_array((uint8, , n)) },
	{ "n", &ng_parse_uint8_type },
	{ NULL, NULL },
};
static const struct ng_parse_type bad_order_type = { .kind = NG_PARSE_STRUCT,
	.fields = bad_order_fields,
	.size = 1 };
static const struct ng_parse_field bad_count_fields[] = {
	{ "n", &ng_parse_uint8_type },
	{ "arr", NG_PT_array((uint8, , m)) },
	{ NULL, NULL },
};
static const struct ng_parse_type bad_count_type = { .kind = NG_PARSE_STRUCT,
	.fields = bad_count_fields,
	.size = 1 };
static const struct ng_parse_field one_field[] = {
	{ "a", &ng_parse_uint32_type },
	{ NULL, NULL },
};
static const struct ng_parse_type bad_size_type = { .kind = NG_PARSE_STRUCT,
	.fields = one_field,
	.size = 8 };

static void
test_check(void)
{
	const char *what = NULL;

	CHECK_INT("check/6.2 struct", ng_parse_check(&ex_parse_type, &what), 0);
	CHECK_INT("check/every kind", ng_parse_check(&kinds_parse_type, &what),
	    0);
	CHECK_INT("check/variable field not last",
	    ng_parse_check(&bad_order_type, &what), EINVAL);
	CHECK_STR("check/... names it", what, "arr");
	CHECK_INT("check/count names no field",
	    ng_parse_check(&bad_count_type, &what), EINVAL);
	CHECK_INT("check/size differs from C's",
	    ng_parse_check(&bad_size_type, &what), EINVAL);
}

static void
test_limits(void)
{
	uint8_t buf[64];
	struct nodeinfo ni;
	size_t len;
	char *text = NULL;
	const struct ng_cmdlist *c;

	CHECK_INT("limits/output does not fit",
	    ng_parse(&ex_parse_type, "{ b=1 }", buf, 10, &len), ERANGE);
	c = ng_find_cmd_name(&ng_hub_type, "nodeinfo");
	memset(&ni, 0, sizeof(ni));
	CHECK_INT("limits/unparse of short data",
	    ng_unparse(c->resp_type, (uint8_t *)&ni, sizeof(ni) - 1, &text),
	    EINVAL);
	c = ng_find_cmd_name(&ng_hub_type, "listhooks");
	{
		struct {
			struct hooklist hl;
			struct linkinfo li;
		} h;

		memset(&h, 0, sizeof(h));
		h.hl.nodeinfo.hooks = 2; /* but only one is there */
		CHECK_INT("limits/array longer than the data",
		    ng_unparse(c->resp_type, (uint8_t *)&h, sizeof(h), &text),
		    EINVAL);
		h.hl.nodeinfo.hooks = 1;
		CHECK_INT("limits/array that fits",
		    ng_unparse(c->resp_type, (uint8_t *)&h, sizeof(h), &text),
		    0);
		/* all its elements are defaults, so it is left out */
		CHECK_STR("limits/array that fits: text", text,
		    "{ nodeinfo={ hooks=1 } }");
		free(text);
	}
}

/* --- every command of every node type ----------------------------------- */

struct golden {
	const char *type; /* node type whose table (then generic) is used */
	const char *cmd;
	char dir;         /* 'a' argument, 'r' reply */
	const char *text; /* canonical text */
	int error;        /* what parsing it gives */
};

static const struct golden goldens[] = {
	/* generic (spec §5.2) */
	{ "hub", "mkpeer", 'a', "{ type=\"hub\" ourhook=\"a\" peerhook=\"b\" }",
	    0 },
	{ "hub", "mkpeer", 'a', "{ type=\"bridge\" peerhook=\"link0\" }", 0 },
	{ "hub", "connect", 'a',
	    "{ path=\"H:x\" ourhook=\"link1\" peerhook=\"y\" }", 0 },
	{ "hub", "name", 'a', "{ name=\"H\" }", 0 },
	{ "hub", "name", 'a', "{ name=\"0123456789012345678901234567890\" }",
	    0 },
	{ "hub", "name", 'a', "{ name=\"01234567890123456789012345678901\" }",
	    E2BIG },
	{ "hub", "name", 'a', "{ name=H }", EINVAL },
	{ "hub", "rmhook", 'a', "{ hook=\"a\" }", 0 },
	/* ours: per-hook counters and capture (ng_hookstat.h) */
	{ "hub", "gethookstats", 'r',
	    "{ numHooks=2 stats=[ { hook=\"b\" recvFrames=3 recvOctets=180 } "
	    "{ hook=\"a\" xmitFrames=18446744073709551615 recvDrops=1 "
	    "xmitDrops=2 } ] }",
	    0 },
	{ "hub", "clrhookstats", 'a', "{ hook=\"link1\" }", 0 },
	{ "hub", "capture", 'a', "{ hook=\"link1\" snaplen=96 }", 0 },
	{ "hub", "uncapture", 'a', "{ hook=\"link1\" }", 0 },
	{ "hub", "rmhook", 'a', "{ ourhook=\"a\" }", ENOENT },
	{ "hub", "nodeinfo", 'r', "{ name=\"H\" type=\"hub\" id=0x5 hooks=1 }",
	    0 },
	{ "hub", "nodeinfo", 'r', "{ type=\"socket\" id=0x1f }", 0 },
	{ "hub", "listhooks", 'r',
	    "{ nodeinfo={ name=\"B\" type=\"bridge\" id=0x6 hooks=2 } linkinfo=[ "
	    "{ ourhook=\"link1\" peerhook=\"y\" nodeinfo={ type=\"hub\" id=0x7 "
	    "hooks=1 } } { ourhook=\"link0\" peerhook=\"x\" nodeinfo={ "
	    "name=\"H\" type=\"hub\" id=0x5 hooks=1 } } ] }",
	    0 },
	{ "hub", "listhooks", 'r', "{ nodeinfo={ type=\"hub\" id=0x2 } }", 0 },
	{ "hub", "listhooks", 'r',
	    "{ nodeinfo={ hooks=1 } linkinfo=[ {} {} ] }", E2BIG },
	{ "hub", "listnames", 'r',
	    "{ numnames=2 nodeinfo=[ { name=\"H\" type=\"hub\" id=0x5 } { "
	    "name=\"ngctl42\" type=\"socket\" id=0x1 hooks=3 } ] }",
	    0 },
	{ "hub", "listnodes", 'r',
	    "{ numnames=1 nodeinfo=[ { type=\"eiface\" id=0x3 } ] }", 0 },
	{ "hub", "listnodes", 'r', "{}", 0 },
	{ "hub", "listtypes", 'r',
	    "{ numtypes=2 typeinfo=[ { typename=\"bridge\" numnodes=1 } { "
	    "typename=\"socket\" } ] }",
	    0 },
	{ "hub", "listtypes", 'r', "{ numtypes=1 typeinfo=[ 1={} ] }", E2BIG },
	{ "hub", "textstatus", 'r', "\"up 3 days\\n\\tlink0: \\\"ok\\\"\"", 0 },
	{ "hub", "textconfig", 'r', "\"\"", 0 },
	{ "hub", "ascii2binary", 'a',
	    "{ version=8 arglen=9 cmdstr=\"setconfig\" data=[ 0x7b 0x20 0x7d "
	    "] }",
	    0 },
	{ "hub", "ascii2binary", 'r',
	    "{ version=8 arglen=4 cmd=4 typecookie=1569321993 cmdstr=\"getstats\" "
	    "data=[ 0x1 ] }",
	    0 },
	{ "hub", "binary2ascii", 'a',
	    "{ version=8 arglen=7 cmd=1 flags=0x1 token=9 typecookie=948105892 "
	    "cmdstr=\"getifname\" data=[ 0x6e 0x67 0x65 0x74 0x68 0x30 ] }",
	    0 },
	{ "hub", "binary2ascii", 'r',
	    "{ version=8 arglen=2 cmd=805306374 flags=0x1 "
	    "typecookie=1137070366 cmdstr=\"nodeinfo\" data=[ 0x31 ] }",
	    0 },
	{ "hub", "binary2ascii", 'a', "{ arglen=1 data=\"ab\" }", E2BIG },

	/* bridge (spec §9.5) */
	{ "bridge", "setconfig", 'a',
	    "{ debugLevel=1 loopTimeout=60 maxStaleness=900 minStableAge=1 }",
	    0 },
	{ "bridge", "setconfig", 'a', "{ debugLevel=2 }", 0 },
	{ "bridge", "setconfig", 'a', "{ bogus=1 }", ENOENT },
	{ "bridge", "setconfig", 'a', "{ debugLevel=1 debugLevel=2 }",
	    EALREADY },
	{ "bridge", "setconfig", 'a', "{ debugLevel=300 }", EINVAL },
	{ "bridge", "setconfig", 'a', "", EINVAL },
	{ "bridge", "getconfig", 'r',
	    "{ debugLevel=1 loopTimeout=60 maxStaleness=900 minStableAge=1 }",
	    0 },
	{ "bridge", "getconfig", 'r', "{}", 0 },
	{ "bridge", "getstats", 'a', "0", 0 },
	{ "bridge", "getstats", 'a', "-3", 0 },
	{ "bridge", "getstats", 'a', "", EINVAL },
	{ "bridge", "getstats", 'a', "link0", EINVAL },
	{ "bridge", "getstats", 'r', "{}", 0 },
	{ "bridge", "getstats", 'r',
	    "{ recvOctets=1500 recvPackets=3 recvMulticast=1 recvBroadcast=2 "
	    "recvUnknown=4 recvRunts=5 recvInvalid=6 xmitOctets=7 xmitPackets=8 "
	    "xmitMulticasts=9 xmitBroadcasts=10 loopDrops=11 loopDetects=12 "
	    "memoryFailures=18446744073709551615 }",
	    0 },
	{ "bridge", "getstats", 'r', "{ recvMulticasts=1 }", ENOENT },
	{ "bridge", "clrstats", 'a', "7", 0 },
	{ "bridge", "getclrstats", 'a', "-1", 0 },
	{ "bridge", "getclrstats", 'r', "{ xmitPackets=3 }", 0 },
	{ "bridge", "gettable", 'r',
	    "{ numHosts=2 hosts=[ { addr=02:00:00:00:00:01 hook=\"link0\" age=3 } "
	    "{ addr=02:00:00:00:00:02 hook=\"uplink1\" staleness=65535 } ] }",
	    0 },
	{ "bridge", "gettable", 'r', "{}", 0 },
	{ "bridge", "gettable", 'r',
	    "{ numHosts=1 hosts=[ { addr=02:00:00:00:00:01 } { "
	    "addr=02:00:00:00:00:02 } ] }",
	    E2BIG },
	{ "bridge", "gettable", 'r',
	    "{ numHosts=2 hosts=[ { addr=02:00:00:00:00:01 } ] }", EOPNOTSUPP },
	{ "bridge", "gettable", 'r',
	    "{ numHosts=1 hosts=[ 0={ addr=02:00:00:00:00:01 } 0={} ] }",
	    EALREADY },
	{ "bridge", "movehost", 'a',
	    "{ addr=02:00:00:00:00:09 hook=\"link0\" }", 0 },
	{ "bridge", "movehost", 'a', "{ addr=ff:ff:ff:ff:ff:ff }", 0 },
	{ "bridge", "movehost", 'a', "{ hook=\"link0\" }", EOPNOTSUPP },
	{ "bridge", "movehost", 'a', "{ addr=02:00:00:00:00 }", EINVAL },
	{ "bridge", "movehost", 'a', "{ addr=02:00:00:00:00:01 hook=link0 }",
	    EINVAL },
	{ "bridge", "setmaxhosts", 'a', "4096", 0 },
	{ "bridge", "setmaxhosts", 'a', "many", EINVAL },
	{ "bridge", "getmaxhosts", 'r', "65536", 0 },

	/* ether (spec §9.4) */
	{ "ether", "getifname", 'r', "\"em0\"", 0 },
	{ "ether", "getifindex", 'r', "3", 0 },
	{ "ether", "getenaddr", 'r', "02:00:00:00:00:aa", 0 },
	{ "ether", "setenaddr", 'a', "02:00:00:00:00:aa", 0 },
	{ "ether", "setenaddr", 'a', "02:00:00:00:00", EINVAL },
	{ "ether", "getpromisc", 'r', "1", 0 },
	{ "ether", "setpromisc", 'a', "1", 0 },
	{ "ether", "setpromisc", 'a', "on", EINVAL },
	{ "ether", "getautosrc", 'r', "0", 0 },
	{ "ether", "setautosrc", 'a', "0", 0 },
	{ "ether", "addmulti", 'a', "01:00:5e:00:00:fb", 0 },
	{ "ether", "delmulti", 'a', "33:33:00:00:00:fb", 0 },
	/* eiface (spec §9.2) */
	{ "eiface", "getifname", 'r', "\"ngeth0\"", 0 },
	{ "eiface", "set", 'a', "02:00:00:00:00:01", 0 },
	{ "eiface", "set", 'a', "zz", EINVAL },
	{ "eiface", "vnet", 'a', "\"jail1\"", 0 },
	{ "eiface", "vnet", 'a', "\"\"", 0 },
	{ "eiface", "vnet", 'a', "jail1", EINVAL },
	{ "eiface", "getifaddrs", 'r',
	    "{ numAddrs=2 addrs=[ { addr=198.51.100.1 prefixlen=24 } { addr=fe80::1 "
	    "prefixlen=64 } ] }",
	    0 },
	{ "eiface", "getifaddrs", 'r', "{}", 0 },

	/* tee, one2many, vlan, bpf, iface, pipe (spec §9.3, §9.7-§9.13) */
	{ "tee", "getstats", 'r',
	    "{ right={ inOctets=100 inFrames=1 } left={ outOctets=100 outFrames=1 } "
	    "left2right={ outOctets=100 outFrames=1 } }",
	    0 },
	{ "tee", "getclrstats", 'r', "{}", 0 },
	{ "one2many", "setconfig", 'a',
	    "{ xmitAlg=3 failAlg=2 enabledLinks=[ 1 3=1 ] }", 0 },
	{ "one2many", "setconfig", 'a', "{ enabledLinks=[ 64=1 ] }", E2BIG },
	{ "one2many", "getconfig", 'r', "{ xmitAlg=1 failAlg=1 }", 0 },
	{ "one2many", "getconfig", 'r',
	    "{ xmitAlg=1 failAlg=1 enabledLinks=[ 1 ] }", 0 },
	{ "one2many", "getstats", 'a', "-1", 0 },
	{ "one2many", "getstats", 'r',
	    "{ recvOctets=80 recvPackets=1 xmitOctets=160 xmitPackets=2 }", 0 },
	{ "one2many", "clrstats", 'a', "3", 0 },
	{ "one2many", "getclrstats", 'a', "0", 0 },
	{ "one2many", "getclrstats", 'r', "{}", 0 },
	{ "vlan", "addfilter", 'a', "{ hook=\"v10\" vid=10 }", 0 },
	{ "vlan", "addfilter", 'a', "{ hook=\"v20\" vlan=20 pcp=5 cfi=1 }", 0 },
	{ "vlan", "addfilter", 'a', "{ hook=\"v10\" vid=70000 }", EINVAL },
	{ "vlan", "delfilter", 'a', "\"v10\"", 0 },
	{ "vlan", "gettable", 'r',
	    "{ n=1 filter=[ { hook=\"v10\" vlan=10 vid=10 } ] }", 0 },
	{ "vlan", "gettable", 'r', "{}", 0 },
	{ "vlan", "delvidflt", 'a', "10", 0 },
	{ "vlan", "getdecap", 'r', "0x1", 0 },
	{ "vlan", "setdecap", 'a', "0x1", 0 },
	{ "vlan", "getencap", 'r', "0x3", 0 },
	{ "vlan", "setencap", 'a', "0x3", 0 },
	{ "vlan", "getencapproto", 'r', "0x8100", 0 },
	{ "vlan", "setencapproto", 'a', "0x88a8", 0 },
	{ "bpf", "setprogram", 'a',
	    "{ thisHook=\"a\" ifMatch=\"m\" ifNotMatch=\"n\" bpf_prog_len=2 "
	    "bpf_prog=[ { code=0x15 jf=1 k=2048 } { code=0x6 k=262144 } ] }",
	    0 },
	{ "bpf", "setprogram", 'a', "{ bpf_prog_len=1 bpf_prog=[ {} {} ] }",
	    E2BIG },
	{ "bpf", "getprogram", 'a', "\"a\"", 0 },
	{ "bpf", "getprogram", 'r',
	    "{ thisHook=\"a\" bpf_prog_len=1 bpf_prog=[ { code=0x6 } ] }", 0 },
	{ "bpf", "getstats", 'a', "\"a\"", 0 },
	{ "bpf", "getstats", 'r',
	    "{ recvFrames=3 recvOctets=300 recvMatchFrames=1 recvMatchOctets=90 "
	    "xmitFrames=1 xmitOctets=90 }",
	    0 },
	{ "bpf", "clrstats", 'a', "\"a\"", 0 },
	{ "bpf", "getclrstats", 'a', "\"a\"", 0 },
	{ "bpf", "getclrstats", 'r', "{}", 0 },
	{ "bpf", "setfilter", 'a',
	    "{ thisHook=\"in\" ifMatch=\"web\" ifNotMatch=\"rest\" "
	    "filter=\"tcp port 80\" }",
	    0 },
	{ "bpf", "setfilter", 'a', "{ thisHook=\"in\" dlt=12 filter=\"icmp\" }",
	    0 },
	{ "iface", "getifname", 'r', "\"ng0\"", 0 },
	{ "iface", "getifindex", 'r', "7", 0 },
	{ "iface", "vnet", 'a', "\"lab\"", 0 },
	{ "pipe", "getstats", 'r',
	    "{ downstream={ FwdOctets=1500 FwdFrames=1 } upstream={ "
	    "queueDropOctets=3000 queueDropFrames=2 delayDropOctets=100 "
	    "delayDropFrames=1 } }",
	    0 },
	{ "pipe", "getclrstats", 'r', "{}", 0 },
	{ "pipe", "getrun", 'r',
	    "{ downstream={ queues=1 queuedOctets=3000 queuedFrames=2 "
	    "delayedOctets=1500 delayedFrames=1 } }",
	    0 },
	{ "pipe", "getcfg", 'r',
	    "{ bandwidth=10000000 delay=50000 overhead=24 downstream={ queuelen=50 "
	    "fifo=1 droptail=1 } upstream={ queuelen=50 fifo=1 droptail=1 } }",
	    0 },
	{ "nat", "setaliasaddr", 'a', "203.0.113.1", 0 },
	{ "nat", "settarget", 'a', "198.51.100.40", 0 },
	{ "nat", "setmode", 'a', "{ flags=2 mask=6 }", 0 },
	{ "nat", "redirectport", 'a',
	    "{ local_addr=198.51.100.10 remote_addr=198.18.0.5 local_port=80 "
	    "alias_port=8080 remote_port=5000 proto=6 description=\"web\" }",
	    0 },
	{ "nat", "redirectport", 'a',
	    "{ description=\"0123456789012345678901234567890123456789012345678901"
	    "234567890123\" }",
	    E2BIG },
	{ "nat", "redirectport", 'r', "1", 0 },
	{ "nat", "redirectaddr", 'a',
	    "{ local_addr=198.51.100.30 alias_addr=203.0.113.30 }", 0 },
	{ "nat", "redirectaddr", 'r', "2", 0 },
	{ "nat", "redirectproto", 'a',
	    "{ local_addr=198.51.100.31 proto=47 description=\"gre\" }", 0 },
	{ "nat", "redirectproto", 'r', "3", 0 },
	{ "nat", "redirectdynamic", 'a', "4", 0 },
	{ "nat", "redirectdelete", 'a', "2", 0 },
	{ "nat", "addserver", 'a', "{ id=1 addr=198.51.100.21 port=80 }", 0 },
	{ "nat", "listredirects", 'r',
	    "{ total_count=2 redirects=[ { id=1 local_addr=198.51.100.10 "
	    "local_port=80 alias_port=8080 proto=6 lsnat=2 description=\"web\" } "
	    "{ id=2 local_addr=198.51.100.30 alias_addr=203.0.113.30 proto=259 } ] "
	    "}",
	    0 },
	{ "nat", "proxyrule", 'a', "\"port 80 server 198.18.0.9:3128\"", 0 },
	{ "nat", "libaliasinfo", 'r',
	    "{ icmpLinkCount=1 udpLinkCount=2 tcpLinkCount=3 protoLinkCount=1 "
	    "fragmentIdLinkCount=1 }",
	    0 },
	{ "nat", "setdlt", 'a', "1", 0 },
	{ "nat", "getdlt", 'r', "12", 0 },
	{ "nat", "setnextid", 'a', "7", 0 },
	{ "pipe", "setcfg", 'a', "{ bandwidth=10000000 delay=50000 }", 0 },
	{ "pipe", "setcfg", 'a',
	    "{ downstream={ BER=1000000 duplicate=5 } upstream={ bandwidth=64000 "
	    "delaylen=100 drophead=1 } }",
	    0 },
	/* ksocket: socket addresses have a text form of their own */
	{ "ksocket", "bind", 'a', "inet/198.51.100.1:4789", 0 },
	{ "ksocket", "bind", 'a', "inet/0.0.0.0", 0 },
	{ "ksocket", "bind", 'a', "inet6/[2001:db8::1]:4789", 0 },
	{ "ksocket", "bind", 'a', "inet6/::", 0 },
	{ "ksocket", "bind", 'a', "local/\"/run/ng.sock\"", 0 },
	{ "ksocket", "bind", 'a', "local/\"\\x00\\x61\\x62stract\"", 0 },
	{ "ksocket", "bind", 'a', "{ len=4 family=17 data=[ 0x1 0x2 ] }", 0 },
	{ "ksocket", "bind", 'a', "inet/198.51.100", EINVAL },
	{ "ksocket", "bind", 'a', "inet/198.51.100.256", EINVAL },
	{ "ksocket", "bind", 'a', "inet/198.51.100.1:65536", EINVAL },
	{ "ksocket", "bind", 'a', "inet/198.51.100.1:", EINVAL },
	{ "ksocket", "bind", 'a', "inet/ 198.51.100.1", EINVAL },
	{ "ksocket", "bind", 'a', "inet6/[2001:db8::1", EINVAL },
	{ "ksocket", "bind", 'a', "inet6/2001:db8:::1", EINVAL },
	{ "ksocket", "bind", 'a', "bogus/1.2.3.4", EINVAL },
	{ "ksocket", "bind", 'a', "198.51.100.1", EINVAL },
	{ "ksocket", "bind", 'a', "local/nopath", EINVAL },
	{ "ksocket", "bind", 'a', "{ len=1 family=2 }", EINVAL },
	{ "ksocket", "listen", 'a', "5", 0 },
	{ "ksocket", "accept", 'r',
	    "{ nodeid=0x2a addr=inet/203.0.113.1:40000 }", 0 },
	{ "ksocket", "accept", 'r', "{ nodeid=0x2a addr=local/\"/run/x\" }",
	    0 },
	{ "ksocket", "accept", 'r',
	    "{ nodeid=0x2a addr=inet6/[2001:db8::1]:80 }", 0 },
	{ "ksocket", "connect", 'a', "inet/198.51.100.2:4789", 0 },
	{ "ksocket", "connect", 'r', "111", 0 },
	{ "ksocket", "getname", 'r', "inet/198.51.100.1:4789", 0 },
	{ "ksocket", "getpeername", 'r', "inet6/[2001:db8::2]:80", 0 },
	{ "ksocket", "setopt", 'a', "{ level=1 name=8 value=[ 1=0x10 ] }", 0 },
	{ "ksocket", "setopt", 'a', "{ level=1 name=2 value=[ 0x1 ] }", 0 },
	{ "ksocket", "getopt", 'a', "{ level=1 name=8 }", 0 },
	{ "ksocket", "getopt", 'r', "{ level=1 name=8 value=[ 2=0x4 ] }", 0 },
	/* zeros past the last word name the last byte: the length is kept */
	{ "ksocket", "getopt", 'r', "{ level=1 name=2 value=[ 3=0x0 ] }", 0 },
	{ "ksocket", "getopt", 'r', "{ level=1 name=13 value=[ 0x1 7=0x0 ] }",
	    0 },
	{ "ksocket", "setopt", 'a', "{ level=1 name=8 value=[ 1025=0x1 ] }",
	    E2BIG },
	/* vxlan */
	{ "vxlan", "setvni", 'a', "42", 0 },
	{ "vxlan", "getvni", 'r', "16777215", 0 },
	{ "vxlan", "getstats", 'r',
	    "{ recvPackets=3 recvOctets=180 recvWrongVni=1 xmitPackets=2 "
	    "xmitOctets=136 }",
	    0 },
	{ "vxlan", "getclrstats", 'r', "{ recvRunts=1 recvBadFlags=2 }", 0 },
	{ "vxlan", "setconfig", 'a', "{ vni=42 maxAge=300 port=4789 learn=1 }",
	    0 },
	{ "vxlan", "setconfig", 'a',
	    "{ vni=42 port=4789 numStatic=2 entries=[ { mac=00:00:00:00:00:00 "
	    "addr=198.18.9.2 } { "
	    "mac=02:00:00:00:00:0b addr=2001:db8::2 port=8472 } ] }",
	    0 },
	{ "vxlan", "getconfig", 'r',
	    "{ vni=42 maxAge=300 port=4789 learn=1 numStatic=1 entries=[ { "
	    "mac=00:00:00:00:00:00 addr=198.18.9.2 } ] }",
	    0 },
	{ "vxlan", "gettable", 'r',
	    "{ n=2 hosts=[ { mac=02:00:00:00:00:0b addr=198.18.9.2 port=4789 "
	    "age=12 } { mac=02:00:00:00:00:0c addr=198.18.9.3 port=4789 "
	    "isStatic=1 } ] }",
	    0 },
};

static const struct ng_type *
find_type(const char *name)
{
	for (int i = 0; ng_nodes_types[i] != NULL; i++)
		if (strcmp(ng_nodes_types[i]->name, name) == 0)
			return ng_nodes_types[i];
	return NULL;
}

/* Whether a golden row with no error covers this command's direction. */
static bool
covered(const struct ng_type *type, const struct ng_cmdlist *c, char dir)
{
	for (size_t i = 0; i < sizeof(goldens) / sizeof(goldens[0]); i++) {
		const struct golden *g = &goldens[i];
		const struct ng_type *gt = find_type(g->type);

		if (g->dir == dir && g->error == 0 &&
		    strcmp(g->cmd, c->name) == 0 &&
		    ng_find_cmd_name(gt, g->cmd) == c &&
		    (gt == type || type == NULL))
			return true;
	}
	return false;
}

static void
check_table(const struct ng_type *type, const struct ng_cmdlist *list)
{
	const char *tname = type != NULL ? type->name : "generic";
	const char *what = "";
	char name[200];

	for (const struct ng_cmdlist *c = list; c != NULL && c->name != NULL;
	     c++) {
		const struct ng_parse_type *pt[2];

		pt[0] = c->mesg_type;
		pt[1] = c->resp_type;
		for (int d = 0; d < 2; d++) {
			if (pt[d] == NULL)
				continue;
			snprintf(name, sizeof(name), "table/%s %s %s: layout",
			    tname, c->name, d == 0 ? "argument" : "reply");
			CHECK_INT(name, ng_parse_check(pt[d], &what), 0);
			snprintf(name, sizeof(name),
			    "table/%s %s %s: has a golden text", tname, c->name,
			    d == 0 ? "argument" : "reply");
			CHECK(name, covered(type, c, d == 0 ? 'a' : 'r'));
		}
	}
}

static void
test_goldens(void)
{
	char name[300];

	for (size_t i = 0; i < sizeof(goldens) / sizeof(goldens[0]); i++) {
		const struct golden *g = &goldens[i];
		const struct ng_type *t = find_type(g->type);
		const struct ng_cmdlist *c;
		const struct ng_parse_type *pt = NULL;

		c = t != NULL ? ng_find_cmd_name(t, g->cmd) : NULL;
		if (c != NULL)
			pt = g->dir == 'a' ? c->mesg_type : c->resp_type;
		snprintf(name, sizeof(name), "golden/%s %s %c %.40s", g->type,
		    g->cmd, g->dir, g->text);
		if (pt == NULL) {
			CHECK(name, 0);
			continue;
		}
		round_trip(name, pt, g->text, NULL, g->error);
	}
	for (int i = 0; ng_nodes_types[i] != NULL; i++)
		check_table(ng_nodes_types[i], ng_nodes_types[i]->cmdlist);
	check_table(NULL, ng_generic_cmds);
	check_table(NULL, ng_hookstat_cmds);
	CHECK("table/socket's own commands have names",
	    ng_find_cmd(&ng_socket_type, NGM_SOCKET_COOKIE,
		NGM_SOCK_CMD_NOLINGER) != NULL);
}

/* --- through the graph -------------------------------------------------- */

/* Fake interfaces (ngfake.h): each has two addresses. */
static struct ngt_netdev fake;

static struct ngt_conn conn;

/* ascii2binary at path: the binary message, or NULL with *error set. */
static struct ng_mesg *
a2b(struct ng_node *sock, const char *path, const char *cmd, const char *args,
    int *error)
{
	size_t alen = strlen(args) + 1;
	struct ng_mesg *m = ng_mkmsg(NGM_GENERIC_COOKIE, NGM_ASCII2BINARY,
	    sizeof(struct ng_mesg) + alen);
	struct ng_mesg *inner = (struct ng_mesg *)m->data, *bin = NULL;
	const struct ng_mesg *r;

	NG_MKMESSAGE_HDR(inner, 0, 0, alen);
	snprintf(inner->header.cmdstr, NG_CMDSTRSIZ, "%s", cmd);
	memcpy(inner->data, args, alen);
	ngt_clear(&conn);
	*error = ng_send_msg(sock, path, m);
	free(m);
	if (*error == 0 && (r = ngt_last_msg(&conn)) != NULL) {
		bin = malloc(r->header.arglen);
		memcpy(bin, r->data, r->header.arglen);
	}
	return bin;
}

/* binary2ascii of msg at path: the text (malloc'd) or NULL. */
static char *
b2a(struct ng_node *sock, const char *path, const struct ng_mesg *msg,
    int *error)
{
	size_t len = sizeof(*msg) + msg->header.arglen;
	struct ng_mesg *m = ng_mkmsg(NGM_GENERIC_COOKIE, NGM_BINARY2ASCII, len);
	const struct ng_mesg *r, *ascii;
	char *text = NULL;

	memcpy(m->data, msg, len);
	ngt_clear(&conn);
	*error = ng_send_msg(sock, path, m);
	free(m);
	if (*error == 0 && (r = ngt_last_msg(&conn)) != NULL) {
		ascii = (const struct ng_mesg *)r->data;
		text = strndup(ascii->data, ascii->header.arglen);
	}
	return text;
}

/* Send a command in ASCII; the reply's arguments in ASCII, or "". */
static char *
ascii_cmd(struct ng_node *sock, const char *path, const char *cmd,
    const char *args, int *error)
{
	struct ng_mesg *bin, *reply;
	const struct ng_mesg *r;
	char *text;

	if ((bin = a2b(sock, path, cmd, args, error)) == NULL)
		return NULL;
	ngt_clear(&conn);
	*error = ng_send_msg(sock, path, bin);
	free(bin);
	if (*error != 0)
		return NULL;
	if ((r = ngt_last_msg(&conn)) == NULL)
		return strdup("");
	reply = malloc(sizeof(*r) + r->header.arglen);
	memcpy(reply, r, sizeof(*r) + r->header.arglen);
	text = b2a(sock, path, reply, error);
	free(reply);
	return text;
}

static void
check_cmd(struct ng_node *sock, const char *name, const char *path,
    const char *cmd, const char *args, const char *want, int want_error)
{
	char what[300];
	int error;
	char *text = ascii_cmd(sock, path, cmd, args, &error);

	snprintf(what, sizeof(what), "%s: errno", name);
	CHECK_INT(what, error, want_error);
	if (want != NULL) {
		snprintf(what, sizeof(what), "%s: reply", name);
		CHECK_STR(what, text, want);
	}
	free(text);
}

/*
 *   sock --a-- x H (hub, persistent) y --link0-- B (bridge)
 *   sock --e-- ether ngeth0 (eiface on the fake backend)
 */
static void
test_graph(void)
{
	struct ng_graph *g = ngt_graph_with(NULL, &fake);
	struct ng_node *sock;
	struct ng_mesg *bin;
	char want[200];
	int error;

	sock = ngt_socket(g, &conn);
	check_cmd(sock, "graph/mkpeer in ASCII", ".", "mkpeer",
	    "{ type=\"hub\" ourhook=\"a\" peerhook=\"x\" }", "", 0);
	check_cmd(sock, "graph/name in ASCII", ".", "name", "{ name=\"me\" }",
	    "", 0);
	check_cmd(sock, "graph/name the hub", "a", "name", "{ name=\"H\" }", "",
	    0);
	check_cmd(sock, "graph/setpersistent", "H:", "setpersistent", "", "",
	    0);
	check_cmd(sock, "graph/a command without argument ignores text",
	    "H:", "setpersistent", "{ junk", "", 0);
	check_cmd(sock, "graph/nodeinfo", "H:", "nodeinfo", "",
	    "{ name=\"H\" type=\"hub\" id=0x2 hooks=1 }", 0);
	check_cmd(sock, "graph/mkpeer bridge", "H:", "mkpeer",
	    "{ type=\"bridge\" ourhook=\"y\" peerhook=\"link0\" }", "", 0);
	check_cmd(sock, "graph/name bridge", "H:y", "name", "{ name=\"B\" }",
	    "", 0);
	check_cmd(sock, "graph/getconfig (case 19)", "B:", "getconfig", "",
	    "{ debugLevel=1 loopTimeout=60 maxStaleness=900 minStableAge=1 }",
	    0);
	check_cmd(sock, "graph/setconfig (case 20)", "B:", "setconfig",
	    "{ debugLevel=2 }", "", 0);
	check_cmd(sock, "graph/omitted fields became 0", "B:", "getconfig", "",
	    "{ debugLevel=2 }", 0);
	check_cmd(sock, "graph/getstats 0 (case 21)", "B:", "getstats", "0",
	    "{}", 0);
	check_cmd(sock, "graph/getstats 7", "B:", "getstats", "7", NULL,
	    ENOTCONN);
	check_cmd(sock, "graph/bogus field (case 36)", "B:", "setconfig",
	    "{ bogus=1 }", NULL, ENOENT);
	check_cmd(sock, "graph/field twice", "B:", "setconfig",
	    "{ debugLevel=1 debugLevel=2 }", NULL, EALREADY);
	check_cmd(sock, "graph/out of range", "B:", "setconfig",
	    "{ debugLevel=300 }", NULL, EINVAL);
	check_cmd(sock, "graph/no such command", "B:", "nosuchcmd", "", NULL,
	    ENOSYS);
	check_cmd(sock, "graph/movehost", "B:", "movehost",
	    "{ addr=02:00:00:00:00:09 hook=\"link0\" }", "", 0);
	check_cmd(sock, "graph/gettable", "B:", "gettable", "",
	    "{ numHosts=1 hosts=[ { addr=02:00:00:00:00:09 hook=\"link0\" } "
	    "] }",
	    0);
	check_cmd(sock, "graph/movehost to no hook", "B:", "movehost",
	    "{ addr=02:00:00:00:00:09 hook=\"link7\" }", NULL, ENOENT);
	snprintf(want, sizeof(want),
	    "{ nodeinfo={ name=\"me\" type=\"socket\" id=0x%x hooks=1 } "
	    "linkinfo=[ { ourhook=\"a\" peerhook=\"x\" nodeinfo={ name=\"H\" "
	    "type=\"hub\" id=0x2 hooks=2 } } ] }",
	    sock->id);
	check_cmd(sock, "graph/listhooks", ".", "listhooks", "", want, 0);
	check_cmd(sock, "graph/listtypes", ".", "listtypes", "",
	    "{ numtypes=14 typeinfo=[ { typename=\"vxlan\" } { "
	    "typename=\"ksocket\" } { typename=\"ether\" } { typename=\"nat\" } { "
	    "typename=\"pipe\" } { "
	    "typename=\"iface\" } { typename=\"bpf\" } { "
	    "typename=\"vlan\" } { typename=\"one2many\" } { "
	    "typename=\"tee\" } { typename=\"bridge\" numnodes=1 } { "
	    "typename=\"eiface\" } { typename=\"hub\" numnodes=1 } { "
	    "typename=\"socket\" numnodes=1 } ] }",
	    0);
	check_cmd(sock, "graph/listnames", ".", "listnames", "",
	    "{ numnames=3 nodeinfo=[ { name=\"me\" type=\"socket\" id=0x1 "
	    "hooks=1 } { name=\"H\" type=\"hub\" id=0x2 hooks=2 } { "
	    "name=\"B\" type=\"bridge\" id=0x3 hooks=1 } ] }",
	    0);
	check_cmd(sock, "graph/textstatus is passed to the type",
	    "H:", "textstatus", "", NULL, EINVAL);

	/* eiface on the fake backend */
	check_cmd(sock, "graph/mkpeer eiface", ".", "mkpeer",
	    "{ type=\"eiface\" ourhook=\"e\" peerhook=\"ether\" }", "", 0);
	check_cmd(sock, "graph/getifname (case 27)", "ngeth0:", "getifname", "",
	    "\"ngeth0\"", 0);
	check_cmd(sock, "graph/set (case 27)", "ngeth0:", "set",
	    "02:00:00:00:00:01", "", 0);
	CHECK("graph/set changed the MAC",
	    memcmp(fake.dev[0].mac, "\x02\0\0\0\0\x01", 6) == 0);
	check_cmd(sock, "graph/set zz", "ngeth0:", "set", "zz", NULL, EINVAL);
	check_cmd(sock, "graph/getifaddrs", "ngeth0:", "getifaddrs", "",
	    "{ numAddrs=2 addrs=[ { addr=198.51.100.11 prefixlen=24 } { "
	    "addr=fe80::1 prefixlen=64 } ] }",
	    0);

	/* binary2ascii: unknown command, short data, no arguments */
	bin = ng_mkmsg(NGM_BRIDGE_COOKIE, 99, 0);
	free(b2a(sock, "B:", bin, &error));
	CHECK_INT("graph/binary2ascii of an unknown command", error, ENOSYS);
	free(bin);
	bin = ng_mkmsg(NGM_BRIDGE_COOKIE, NGM_BRIDGE_SET_CONFIG, 3);
	free(b2a(sock, "B:", bin, &error));
	CHECK_INT("graph/binary2ascii of short data", error, EINVAL);
	free(bin);
	bin = ng_mkmsg(NGM_GENERIC_COOKIE, NGM_NODEINFO, 0);
	{
		char *text = b2a(sock, "B:", bin, &error);

		CHECK_INT("graph/binary2ascii with no arguments", error, 0);
		CHECK_STR("graph/binary2ascii with no arguments: text", text,
		    "");
		free(text);
	}
	free(bin);
	/* the reply names the command, whatever cmdstr the request had */
	bin = ng_mkmsg(NGM_BRIDGE_COOKIE, NGM_BRIDGE_GET_STATS, 4);
	memcpy(bin->data, "\x05\0\0\0", 4);
	snprintf(bin->header.cmdstr, NG_CMDSTRSIZ, "cmd4");
	{
		size_t len = sizeof(*bin) + 4;
		struct ng_mesg *m = ng_mkmsg(NGM_GENERIC_COOKIE,
		    NGM_BINARY2ASCII, len);
		const struct ng_mesg *r, *ascii;

		memcpy(m->data, bin, len);
		ngt_clear(&conn);
		CHECK_INT("graph/binary2ascii", ng_send_msg(sock, "B:", m), 0);
		r = ngt_last_msg(&conn);
		ascii = r != NULL ? (const struct ng_mesg *)r->data : NULL;
		CHECK_STR("graph/binary2ascii: cmdstr",
		    ascii != NULL ? ascii->header.cmdstr : NULL, "getstats");
		CHECK_STR("graph/binary2ascii: text",
		    ascii != NULL ? ascii->data : NULL, "5");
		CHECK_INT("graph/binary2ascii: arglen counts the NUL",
		    ascii != NULL ? ascii->header.arglen : 0, 2);
		free(m);
	}
	free(bin);
	ngt_close(&conn);
	ng_graph_free(g);
}

/* --- large values ------------------------------------------------------ */

NG_PARSE_STRUCT(ng_bridge_host, NG_BRIDGE_HOST_FIELDS);
NG_PARSE_STRUCT(ng_bridge_host_ary, NG_BRIDGE_HOST_ARY_FIELDS);

/*
 * A gettable reply of n hosts to text and back; the CPU seconds each way
 * (*to_text, *to_bin), and whether the bytes came back the same.
 */
static bool
table_round_trip(uint32_t n, double *to_text, double *to_bin)
{
	size_t size = sizeof(struct ng_bridge_host_ary) +
	    n * sizeof(struct ng_bridge_host);
	struct ng_bridge_host_ary *a = calloc(1, size);
	uint8_t *back = malloc(size);
	char *text = NULL;
	size_t len = 0;
	bool same;
	double t0;

	if (a == NULL || back == NULL) {
		free(a);
		free(back);
		return false;
	}
	a->numHosts = n;
	for (uint32_t i = 0; i < n; i++) {
		struct ng_bridge_host *h = &a->hosts[i];

		h->addr[0] = 0x02;
		memcpy(h->addr + 2, &i, sizeof(i));
		snprintf(h->hook, sizeof(h->hook), "link%u", i % 3);
		h->age = (uint16_t)(i % 300);
		h->staleness = (uint16_t)(i % 7);
	}
	t0 = ngt_cpu_s();
	same = ng_unparse(&ng_bridge_host_ary_parse_type, (uint8_t *)a, size,
		   &text) == 0;
	*to_text = ngt_cpu_s() - t0;
	t0 = ngt_cpu_s();
	same = same &&
	    ng_parse(&ng_bridge_host_ary_parse_type, text, back, size, &len) ==
		0 &&
	    len == size && memcmp(back, a, size) == 0;
	*to_bin = ngt_cpu_s() - t0;
	free(text);
	free(back);
	free(a);
	return same;
}

/*
 * Both ways cost O(text): four times the hosts, about four times the CPU
 * (under 8, against the noise).  Each string parsed took room for all
 * the text after it (strlen): 100,000 hosts, 16 s back to binary.
 */
static void
test_large(void)
{
	double text1, bin1, text4, bin4;

	CHECK("large/10,000 hosts there and back",
	    table_round_trip(10000, &text1, &bin1));
	CHECK("large/40,000 hosts there and back",
	    table_round_trip(40000, &text4, &bin4));
	printf("# 10,000 hosts: %.3f s to text, %.3f s back; 40,000: %.3f s, "
	       "%.3f s\n",
	    text1, bin1, text4, bin4);
	CHECK("large/to text in linear time", text4 < 8 * text1 + 0.05);
	CHECK("large/back to binary in linear time", bin4 < 8 * bin1 + 0.05);
}

int
main(void)
{
	test_example();
	test_integers();
	test_strings();
	test_addresses();
	test_byte_arrays();
	test_limits();
	test_check();
	test_goldens();
	test_graph();
	test_large();
	return ngt_done();
}
