/*
 * test_nat_alias.c: the nat node's translation engine (ng_nat_alias.c)
 * on crafted packets, with a clock the test sets.
 *
 *   private 198.51.100.0/24 --out--> [ engine, alias 203.0.113.1 ] --> outside
 *                           <--in---                               <--
 *
 * Every packet that comes out is checked against a full recomputation of
 * each checksum it carries (IP header, TCP/UDP with pseudo-header, ICMP,
 * and the header an ICMP error quotes).
 */
#include <arpa/inet.h>
#include <time.h>

#include "ngtest.h"

#include "../../src/nodes/ng_nat_alias.h"

#define ALIAS "203.0.113.1"
#define H1 "198.51.100.10"
#define H2 "198.51.100.11"
#define WEB "198.18.0.2"
#define PEER "198.18.0.5"

static uint64_t now = 1000000;

static struct in_addr
A(const char *s) {
	struct in_addr a;

	inet_pton(AF_INET, s, &a);
	return a;
}

static uint16_t
g16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void
p16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* IPv4 header of total length tot at b, checksum right. */
static void
mk_ip(uint8_t *b, const char *src, const char *dst, uint8_t proto, size_t tot,
    uint16_t id, uint16_t off)
{
	struct in_addr s = A(src), d = A(dst);

	memset(b, 0, 20);
	b[0] = 0x45;
	p16(b + 2, (uint16_t)tot);
	p16(b + 4, id);
	p16(b + 6, off);
	b[8] = 64;
	b[9] = proto;
	memcpy(b + 12, &s, 4);
	memcpy(b + 16, &d, 4);
	p16(b + 10, ng_alias_fold(ng_alias_sum(0, b, 20)));
}

/* The transport checksum of the l4len bytes after the header at ip. */
static uint16_t
l4_csum(const uint8_t *ip, size_t hl, size_t l4len)
{
	uint32_t sum = ng_alias_sum(0, ip + 12, 8) + ip[9] + (uint32_t)l4len;

	return ng_alias_fold(ng_alias_sum(sum, ip + hl, l4len));
}

/* TCP or UDP from src:sport to dst:dport with plen bytes of payload. */
static size_t
mk(uint8_t *b, const char *src, uint16_t sport, const char *dst, uint16_t dport,
    uint8_t proto, uint8_t flags, size_t plen)
{
	size_t hl = proto == IPPROTO_TCP ? 20 : 8, tot = 20 + hl + plen;
	uint8_t *t = b + 20;

	mk_ip(b, src, dst, proto, tot, 0x4242, 0);
	memset(t, 0, hl);
	p16(t, sport);
	p16(t + 2, dport);
	for (size_t i = 0; i < plen; i++)
		t[hl + i] = (uint8_t)(i * 13 + 7);
	if (proto == IPPROTO_TCP) {
		t[12] = 5 << 4;
		t[13] = flags;
		p16(t + 4, 1000);
		p16(t + 14, 65535);
		p16(t + 16, l4_csum(b, 20, hl + plen));
	} else {
		p16(t + 4, (uint16_t)(hl + plen));
		p16(t + 6, l4_csum(b, 20, hl + plen));
		if (g16(t + 6) == 0)
			p16(t + 6, 0xffff);
	}
	return tot;
}

/* An ICMP query (echo 8, reply 0) with id. */
static size_t
mk_icmp(uint8_t *b, const char *src, const char *dst, uint8_t type, uint16_t id)
{
	uint8_t *ic = b + 20;

	mk_ip(b, src, dst, IPPROTO_ICMP, 20 + 8 + 16, 7, 0);
	memset(ic, 0, 8 + 16);
	ic[0] = type;
	p16(ic + 4, id);
	p16(ic + 6, 1);
	for (int i = 0; i < 16; i++)
		ic[8 + i] = (uint8_t)i;
	p16(ic + 2, ng_alias_fold(ng_alias_sum(0, ic, 8 + 16)));
	return 20 + 8 + 16;
}

/* An ICMP error (type, code) from src to dst quoting qlen bytes of q. */
static size_t
mk_icmp_err(uint8_t *b, const char *src, const char *dst, uint8_t type,
    uint8_t code, const uint8_t *q, size_t qlen)
{
	uint8_t *ic = b + 20;

	mk_ip(b, src, dst, IPPROTO_ICMP, 20 + 8 + qlen, 9, 0);
	memset(ic, 0, 8);
	ic[0] = type;
	ic[1] = code;
	memcpy(ic + 8, q, qlen);
	p16(ic + 2, ng_alias_fold(ng_alias_sum(0, ic, 8 + qlen)));
	return 20 + 8 + qlen;
}

/* Every checksum the packet carries is what a full recomputation gives. */
static bool
csum_ok(const uint8_t *ip, size_t len)
{
	size_t hl = (size_t)(ip[0] & 0xf) * 4, tot = g16(ip + 2);
	const uint8_t *t = ip + hl;
	size_t l4len = tot - hl;

	if (ng_alias_fold(ng_alias_sum(0, ip, hl)) != 0)
		return false;
	if (g16(ip + 6) & 0x3fff)
		return true; /* a fragment: the transport sum spans them all */
	switch (ip[9]) {
	case IPPROTO_TCP:
		return l4_csum(ip, hl, l4len) == 0;
	case IPPROTO_UDP:
		return g16(t + 6) == 0 || l4_csum(ip, hl, l4len) == 0;
	case IPPROTO_ICMP:
		if (ng_alias_fold(ng_alias_sum(0, t, l4len)) != 0)
			return false;
		if ((t[0] == 3 || t[0] == 11) && l4len >= 28) {
			const uint8_t *q = t + 8;
			size_t qhl = (size_t)(q[0] & 0xf) * 4;

			if (ng_alias_fold(ng_alias_sum(0, q, qhl)) != 0)
				return false;
			/* The whole datagram quoted: its sum holds too. */
			if (g16(q + 2) == l4len - 8 && q[9] == IPPROTO_UDP)
				return g16(q + qhl + 6) == 0 ||
				    l4_csum(q, qhl, g16(q + 2) - qhl) == 0;
		}
		return true;
	}
	return true;
}

static const char *
src_of(const uint8_t *ip)
{
	static char s[4][INET_ADDRSTRLEN];
	static int k;

	k = (k + 1) & 3;
	return inet_ntop(AF_INET, ip + 12, s[k], sizeof(s[k]));
}

static const char *
dst_of(const uint8_t *ip)
{
	static char s[4][INET_ADDRSTRLEN];
	static int k;

	k = (k + 1) & 3;
	return inet_ntop(AF_INET, ip + 16, s[k], sizeof(s[k]));
}

static uint16_t
sport_of(const uint8_t *ip)
{
	return g16(ip + 20);
}

static uint16_t
dport_of(const uint8_t *ip)
{
	return g16(ip + 22);
}

static struct ng_alias *
engine(void)
{
	struct ng_alias *la = ng_alias_new(1);

	ng_alias_set_addr(la, A(ALIAS));
	return la;
}

static uint32_t
tcp_links(struct ng_alias *la)
{
	struct ng_alias_info i;

	ng_alias_get_info(la, &i);
	return i.tcp;
}

static void
test_tcp(void)
{
	struct ng_alias *la = engine();
	uint8_t b[2048];
	size_t n;

	/* SYN out: the source becomes the alias, its port kept */
	n = mk(b, H1, 40000, WEB, 80, IPPROTO_TCP, 0x02, 0);
	CHECK_INT("tcp SYN out", ng_alias_out(la, b, n, now), NG_ALIAS_OK);
	CHECK_STR("tcp SYN out: source is the alias", src_of(b), ALIAS);
	CHECK_INT("tcp SYN out: port kept (SAME_PORTS)", sport_of(b), 40000);
	CHECK("tcp SYN out: checksums", csum_ok(b, n));
	CHECK_INT("tcp one link", tcp_links(la), 1);
	/* SYN-ACK in */
	n = mk(b, WEB, 80, ALIAS, 40000, IPPROTO_TCP, 0x12, 0);
	CHECK_INT("tcp SYN-ACK in", ng_alias_in(la, b, n, now), NG_ALIAS_OK);
	CHECK_STR("tcp SYN-ACK in: to the host", dst_of(b), H1);
	CHECK_INT("tcp SYN-ACK in: its port", dport_of(b), 40000);
	CHECK("tcp SYN-ACK in: checksums", csum_ok(b, n));
	/* data both ways, an odd length */
	n = mk(b, H1, 40000, WEB, 80, IPPROTO_TCP, 0x18, 1001);
	ng_alias_out(la, b, n, now);
	CHECK("tcp data out: checksums", csum_ok(b, n));
	n = mk(b, WEB, 80, ALIAS, 40000, IPPROTO_TCP, 0x18, 1449);
	ng_alias_in(la, b, n, now);
	CHECK("tcp data in: checksums", csum_ok(b, n));
	/* established: lives a day, not the initial 300 s */
	now += 3600 * 1000;
	ng_alias_expire(la, now);
	CHECK_INT("tcp established lives an hour idle", tcp_links(la), 1);
	/* FIN both ways: 10 s more */
	n = mk(b, H1, 40000, WEB, 80, IPPROTO_TCP, 0x11, 0);
	ng_alias_out(la, b, n, now);
	CHECK("tcp FIN out: checksums", csum_ok(b, n));
	now += 50 * 1000;
	ng_alias_expire(la, now);
	CHECK_INT("tcp half closed lives 50 s", tcp_links(la), 1);
	n = mk(b, WEB, 80, ALIAS, 40000, IPPROTO_TCP, 0x11, 0);
	CHECK_INT("tcp FIN in", ng_alias_in(la, b, n, now), NG_ALIAS_OK);
	CHECK_STR("tcp FIN in: to the host", dst_of(b), H1);
	now += 9 * 1000;
	ng_alias_expire(la, now);
	CHECK_INT("tcp closed lives 9 s", tcp_links(la), 1);
	now += 2 * 1000;
	ng_alias_expire(la, now);
	CHECK_INT("tcp closed gone after 10 s", tcp_links(la), 0);
	n = mk(b, WEB, 80, ALIAS, 40000, IPPROTO_TCP, 0x10, 0);
	CHECK_INT("tcp late segment: no link", ng_alias_in(la, b, n, now),
	    NG_ALIAS_IGNORED);
	CHECK_STR("tcp late segment unchanged", dst_of(b), ALIAS);

	/* a SYN never answered: 300 s */
	n = mk(b, H1, 40001, WEB, 80, IPPROTO_TCP, 0x02, 0);
	ng_alias_out(la, b, n, now);
	now += 299 * 1000;
	ng_alias_expire(la, now);
	CHECK_INT("tcp unanswered SYN lives 299 s", tcp_links(la), 1);
	now += 2 * 1000;
	ng_alias_expire(la, now);
	CHECK_INT("tcp unanswered SYN gone after 300 s", tcp_links(la), 0);
	/* a RST closes one way: 90 s */
	n = mk(b, H1, 40002, WEB, 80, IPPROTO_TCP, 0x02, 0);
	ng_alias_out(la, b, n, now);
	n = mk(b, WEB, 80, ALIAS, 40002, IPPROTO_TCP, 0x14, 0);
	ng_alias_in(la, b, n, now);
	now += 89 * 1000;
	ng_alias_expire(la, now);
	CHECK_INT("tcp reset lives 89 s", tcp_links(la), 1);
	now += 2 * 1000;
	ng_alias_expire(la, now);
	CHECK_INT("tcp reset gone after 90 s", tcp_links(la), 0);
	ng_alias_free(la);
}

static void
test_same_ports(void)
{
	struct ng_alias *la = engine();
	uint8_t b[256], c[256];
	size_t n;
	uint16_t p2;

	/* two hosts, one source port, one server: the second gets another */
	n = mk(b, H1, 5000, WEB, 53, IPPROTO_UDP, 0, 20);
	ng_alias_out(la, b, n, now);
	CHECK_INT("same port: first keeps it", sport_of(b), 5000);
	n = mk(c, H2, 5000, WEB, 53, IPPROTO_UDP, 0, 20);
	ng_alias_out(la, c, n, now);
	p2 = sport_of(c);
	CHECK("same port: second moved to the upper half",
	    p2 != 5000 && p2 >= 0x8000);
	CHECK("same port: checksums", csum_ok(b, n) && csum_ok(c, n));
	/* the answers go to the right host */
	n = mk(b, WEB, 53, ALIAS, p2, IPPROTO_UDP, 0, 30);
	ng_alias_in(la, b, n, now);
	CHECK_STR("same port: answer to the second", dst_of(b), H2);
	CHECK_INT("same port: its own port", dport_of(b), 5000);
	n = mk(b, WEB, 53, ALIAS, 5000, IPPROTO_UDP, 0, 30);
	ng_alias_in(la, b, n, now);
	CHECK_STR("same port: answer to the first", dst_of(b), H1);
	/* another server: the port is free there, so it is kept */
	n = mk(c, H2, 5000, PEER, 53, IPPROTO_UDP, 0, 20);
	ng_alias_out(la, c, n, now);
	CHECK_INT("same port: kept towards another server", sport_of(c), 5000);
	/* without SAME_PORTS, ports come from the upper half */
	ng_alias_set_mode(la, 0, NG_ALIAS_SAME_PORTS);
	n = mk(c, H2, 6000, PEER, 53, IPPROTO_UDP, 0, 20);
	ng_alias_out(la, c, n, now);
	CHECK("no SAME_PORTS: a random upper port", sport_of(c) >= 0x8000);
	ng_alias_free(la);
}

static void
test_udp(void)
{
	struct ng_alias *la = engine();
	struct ng_alias_info i;
	uint8_t b[256];
	size_t n;

	n = mk(b, H1, 7000, WEB, 7, IPPROTO_UDP, 0, 33);
	CHECK_INT("udp out", ng_alias_out(la, b, n, now), NG_ALIAS_OK);
	CHECK("udp out: checksums", csum_ok(b, n));
	/* no checksum stays no checksum */
	n = mk(b, H1, 7000, WEB, 7, IPPROTO_UDP, 0, 33);
	p16(b + 26, 0);
	ng_alias_out(la, b, n, now);
	CHECK_INT("udp without checksum keeps none", g16(b + 26), 0);
	now += 59 * 1000;
	ng_alias_expire(la, now);
	ng_alias_get_info(la, &i);
	CHECK_INT("udp lives 59 s", i.udp, 1);
	now += 2 * 1000;
	ng_alias_expire(la, now);
	ng_alias_get_info(la, &i);
	CHECK_INT("udp gone after 60 s", i.udp, 0);
	ng_alias_free(la);
}

static void
test_icmp(void)
{
	struct ng_alias *la = engine();
	struct ng_alias_info i;
	uint8_t b[256], c[256], q[256];
	size_t n, qn;
	uint16_t id2;

	n = mk_icmp(b, H1, WEB, 8, 0x1234);
	CHECK_INT("icmp echo out", ng_alias_out(la, b, n, now), NG_ALIAS_OK);
	CHECK_STR("icmp echo out: source", src_of(b), ALIAS);
	CHECK_INT("icmp echo out: id kept", g16(b + 24), 0x1234);
	CHECK("icmp echo out: checksums", csum_ok(b, n));
	n = mk_icmp(c, H2, WEB, 8, 0x1234);
	ng_alias_out(la, c, n, now);
	id2 = g16(c + 24);
	CHECK("icmp echo out: the same id from another host moves",
	    id2 != 0x1234);
	CHECK("icmp echo out 2: checksums", csum_ok(c, n));
	n = mk_icmp(b, WEB, ALIAS, 0, id2);
	CHECK_INT("icmp reply in", ng_alias_in(la, b, n, now), NG_ALIAS_OK);
	CHECK_STR("icmp reply in: to the second host", dst_of(b), H2);
	CHECK_INT("icmp reply in: its id", g16(b + 24), 0x1234);
	CHECK("icmp reply in: checksums", csum_ok(b, n));
	n = mk_icmp(b, WEB, ALIAS, 0, 0x1234);
	ng_alias_in(la, b, n, now);
	CHECK_STR("icmp reply in: to the first host", dst_of(b), H1);
	ng_alias_get_info(la, &i);
	CHECK_INT("icmp two links", i.icmp, 2);
	/* id 0 from two hosts, the second's moved: the reply to it, of seq
	 * 0 and no data, is all zero once its id is 0 again, and its sum
	 * 0xffff (RFC 1624's eq. 3 alone gives 0x0000, which fails) */
	n = mk_icmp(b, H1, WEB, 8, 0);
	ng_alias_out(la, b, n, now);
	n = mk_icmp(c, H2, WEB, 8, 0);
	ng_alias_out(la, c, n, now);
	id2 = g16(c + 24);
	mk_ip(b, WEB, ALIAS, IPPROTO_ICMP, 20 + 8, 8, 0);
	memset(b + 20, 0, 8);
	p16(b + 24, id2);
	p16(b + 22, ng_alias_fold(ng_alias_sum(0, b + 20, 8)));
	CHECK_INT("icmp reply in, id 0: translated",
	    ng_alias_in(la, b, 20 + 8, now), NG_ALIAS_OK);
	CHECK_STR("icmp reply in, id 0: to the second host", dst_of(b), H2);
	CHECK_INT("icmp reply in, id 0: its id", g16(b + 24), 0);
	CHECK("icmp reply in, id 0: all zero, its sum 0xffff",
	    g16(b + 22) == 0xffff && csum_ok(b, 20 + 8));

	/* an error about a UDP datagram we aliased, quoting all of it */
	qn = mk(q, H1, 9000, WEB, 33434, IPPROTO_UDP, 0, 12);
	ng_alias_out(la, q, qn, now);
	n = mk_icmp_err(b, WEB, ALIAS, 3, 3, q, qn);
	CHECK_INT("icmp error in", ng_alias_in(la, b, n, now), NG_ALIAS_OK);
	CHECK_STR("icmp error in: to the host", dst_of(b), H1);
	CHECK_STR("icmp error in: quoted source is the host", src_of(b + 28),
	    H1);
	CHECK_INT("icmp error in: quoted port", g16(b + 48), 9000);
	CHECK("icmp error in: every checksum, the quoted UDP one too",
	    csum_ok(b, n));
	/* an error quoting a whole TCP segment: its checksum changes too */
	qn = mk(q, H1, 9100, WEB, 80, IPPROTO_TCP, 0x02, 0);
	ng_alias_out(la, q, qn, now);
	n = mk_icmp_err(b, WEB, ALIAS, 3, 13, q, qn);
	CHECK_INT("icmp error about TCP in", ng_alias_in(la, b, n, now),
	    NG_ALIAS_OK);
	CHECK_STR("icmp error about TCP in: to the host", dst_of(b), H1);
	CHECK("icmp error about TCP in: checksums, the ICMP one over the "
	      "quoted TCP checksum too",
	    csum_ok(b, n));
	/* the same, quoting only the header and 8 bytes (RFC 792) */
	n = mk_icmp_err(b, WEB, ALIAS, 11, 0, q, 28);
	CHECK_INT("icmp short quote in", ng_alias_in(la, b, n, now),
	    NG_ALIAS_OK);
	CHECK_STR("icmp short quote in: to the host", dst_of(b), H1);
	CHECK("icmp short quote in: checksums", csum_ok(b, n));
	/* an error about our echo request */
	n = mk_icmp(q, H1, PEER, 8, 0x4444);
	ng_alias_out(la, q, n, now);
	n = mk_icmp_err(b, PEER, ALIAS, 11, 0, q, 28);
	CHECK_INT("icmp error about an echo", ng_alias_in(la, b, n, now),
	    NG_ALIAS_OK);
	CHECK_STR("icmp error about an echo: to the host", dst_of(b), H1);
	CHECK("icmp error about an echo: checksums", csum_ok(b, n));
	/* errors quoting nothing, or too little, or about nothing of ours */
	n = mk_icmp_err(b, WEB, ALIAS, 3, 1, q, 0);
	CHECK_INT("icmp error quoting nothing: ignored",
	    ng_alias_in(la, b, n, now), NG_ALIAS_IGNORED);
	CHECK_STR("icmp error quoting nothing: unchanged", dst_of(b), ALIAS);
	n = mk_icmp_err(b, WEB, ALIAS, 3, 1, q, 24);
	CHECK_INT("icmp error quoting a part header: ignored",
	    ng_alias_in(la, b, n, now), NG_ALIAS_IGNORED);
	qn = mk(q, ALIAS, 1, WEB, 1, IPPROTO_UDP, 0, 0);
	n = mk_icmp_err(b, WEB, ALIAS, 3, 3, q, qn);
	CHECK_INT("icmp error about no link: ignored",
	    ng_alias_in(la, b, n, now), NG_ALIAS_IGNORED);
	/* ICMP too short for its header */
	mk_icmp(b, WEB, ALIAS, 0, 1);
	p16(b + 2, 24);
	p16(b + 10, 0);
	p16(b + 10, ng_alias_fold(ng_alias_sum(0, b, 20)));
	CHECK_INT("icmp of 4 bytes: error", ng_alias_in(la, b, 24, now),
	    NG_ALIAS_ERROR);
	ng_alias_free(la);
}

static void
test_icmp_error_out(void)
{
	struct ng_alias *la = engine();
	struct ng_alias_link *r;
	uint8_t b[256], q[256];
	size_t n, qn;

	/* a server behind a redirect refuses a datagram from outside */
	r = ng_alias_redirect_port(la, A(H2), htons(53), A("0.0.0.0"), 0,
	    A("0.0.0.0"), htons(5353), IPPROTO_UDP);
	CHECK("icmp out: redirect made", r != NULL);
	qn = mk(q, PEER, 1111, ALIAS, 5353, IPPROTO_UDP, 0, 10);
	CHECK_INT("icmp out: datagram in", ng_alias_in(la, q, qn, now),
	    NG_ALIAS_OK);
	CHECK_STR("icmp out: datagram to the server", dst_of(q), H2);
	n = mk_icmp_err(b, H2, PEER, 3, 3, q, qn);
	CHECK_INT("icmp error out", ng_alias_out(la, b, n, now), NG_ALIAS_OK);
	CHECK_STR("icmp error out: from the alias", src_of(b), ALIAS);
	CHECK_STR("icmp error out: quoted destination is the alias",
	    dst_of(b + 28), ALIAS);
	CHECK_INT("icmp error out: quoted port is the alias port", g16(b + 50),
	    5353);
	CHECK("icmp error out: checksums", csum_ok(b, n));
	ng_alias_free(la);
}

static void
test_fragments(void)
{
	struct ng_alias *la = engine();
	struct ng_alias_info i;
	uint8_t b[2048];
	size_t n;

	/* out: the first fragment as any packet, the rest change source */
	n = mk(b, H1, 4000, WEB, 4000, IPPROTO_UDP, 0, 100);
	p16(b + 6, 0x2000);
	p16(b + 10, 0);
	p16(b + 10, ng_alias_fold(ng_alias_sum(0, b, 20)));
	CHECK_INT("frag out: first", ng_alias_out(la, b, n, now), NG_ALIAS_OK);
	CHECK_STR("frag out: first from the alias", src_of(b), ALIAS);
	CHECK("frag out: first, IP checksum", csum_ok(b, n));
	mk_ip(b, H1, WEB, IPPROTO_UDP, 20 + 64, 0x4242, 16);
	CHECK_INT("frag out: later", ng_alias_out(la, b, 84, now), NG_ALIAS_OK);
	CHECK_STR("frag out: later from the alias", src_of(b), ALIAS);
	CHECK("frag out: later, IP checksum", csum_ok(b, 84));

	/* in: the first one is remembered, the rest follow it */
	n = mk(b, WEB, 4000, ALIAS, 4000, IPPROTO_UDP, 0, 100);
	p16(b + 4, 0x777);
	p16(b + 6, 0x2000);
	p16(b + 10, 0);
	p16(b + 10, ng_alias_fold(ng_alias_sum(0, b, 20)));
	CHECK_INT("frag in: first", ng_alias_in(la, b, n, now),
	    NG_ALIAS_FOUND_HEADER_FRAGMENT);
	CHECK_STR("frag in: first to the host", dst_of(b), H1);
	CHECK("frag in: first, checksums", csum_ok(b, n));
	ng_alias_get_info(la, &i);
	CHECK_INT("frag in: a fragment link", i.fragment_id, 1);
	mk_ip(b, WEB, ALIAS, IPPROTO_UDP, 20 + 64, 0x777, 16);
	CHECK_INT("frag in: later", ng_alias_in(la, b, 84, now), NG_ALIAS_OK);
	CHECK_STR("frag in: later to the host", dst_of(b), H1);
	CHECK("frag in: later, IP checksum", csum_ok(b, 84));
	mk_ip(b, WEB, ALIAS, IPPROTO_UDP, 20 + 64, 0x778, 16);
	CHECK_INT("frag in: of an unknown datagram",
	    ng_alias_in(la, b, 84, now), NG_ALIAS_UNRESOLVED_FRAGMENT);
	now += 11 * 1000;
	ng_alias_expire(la, now);
	ng_alias_get_info(la, &i);
	CHECK_INT("frag in: fragment link gone after 10 s", i.fragment_id, 0);
	ng_alias_free(la);
}

static void
test_redirects(void)
{
	struct ng_alias *la = engine();
	struct ng_alias_link *r, *ra, *rp;
	struct ng_alias_info i;
	uint32_t k;
	uint8_t b[256];
	size_t n;

	/* port 8080 of the alias to H2:80 */
	r = ng_alias_redirect_port(la, A(H2), htons(80), A("0.0.0.0"), 0,
	    A("0.0.0.0"), htons(8080), IPPROTO_TCP);
	CHECK("redirect port made", r != NULL);
	CHECK_INT("redirect port counts as a TCP link", tcp_links(la), 1);
	n = mk(b, PEER, 5555, ALIAS, 8080, IPPROTO_TCP, 0x02, 0);
	CHECK_INT("redirect port: SYN in", ng_alias_in(la, b, n, now),
	    NG_ALIAS_OK);
	CHECK_STR("redirect port: to the server", dst_of(b), H2);
	CHECK_INT("redirect port: its port", dport_of(b), 80);
	CHECK("redirect port: checksums", csum_ok(b, n));
	n = mk(b, H2, 80, PEER, 5555, IPPROTO_TCP, 0x12, 0);
	ng_alias_out(la, b, n, now);
	CHECK_STR("redirect port: reply from the alias", src_of(b), ALIAS);
	CHECK_INT("redirect port: from the alias port", sport_of(b), 8080);
	CHECK_INT("redirect port: a link for the connection", tcp_links(la), 2);
	/* the alias port is taken for everyone */
	n = mk(b, H1, 8080, PEER, 5556, IPPROTO_TCP, 0x02, 0);
	ng_alias_out(la, b, n, now);
	CHECK("redirect port: its alias port is not given out",
	    sport_of(b) != 8080);
	ng_alias_redirect_delete(la, r);
	n = mk(b, PEER, 6666, ALIAS, 8080, IPPROTO_TCP, 0x02, 0);
	CHECK_INT("redirect deleted: a new SYN is not for it",
	    ng_alias_in(la, b, n, now), NG_ALIAS_IGNORED);

	/* address redirect: all of H1's traffic as 203.0.113.30, and back */
	ra = ng_alias_redirect_addr(la, A(H1), A("203.0.113.30"));
	CHECK("redirect addr made", ra != NULL);
	n = mk(b, H1, 1234, WEB, 80, IPPROTO_TCP, 0x02, 0);
	ng_alias_out(la, b, n, now);
	CHECK_STR("redirect addr: out from its alias", src_of(b),
	    "203.0.113.30");
	n = mk(b, PEER, 2222, "203.0.113.30", 22, IPPROTO_TCP, 0x02, 0);
	CHECK_INT("redirect addr: unsolicited in", ng_alias_in(la, b, n, now),
	    NG_ALIAS_OK);
	CHECK_STR("redirect addr: unsolicited in, to the host", dst_of(b), H1);
	CHECK("redirect addr: checksums", csum_ok(b, n));
	n = mk_icmp(b, PEER, "203.0.113.30", 8, 99);
	CHECK_INT("redirect addr: ping in", ng_alias_in(la, b, n, now),
	    NG_ALIAS_OK);
	CHECK_STR("redirect addr: ping to the host", dst_of(b), H1);
	n = mk_icmp(b, H1, PEER, 0, 99);
	ng_alias_out(la, b, n, now);
	CHECK_STR("redirect addr: echo reply from its alias", src_of(b),
	    "203.0.113.30");
	CHECK("redirect addr: echo reply checksums", csum_ok(b, n));

	/* protocol redirect: GRE to H2 */
	rp = ng_alias_redirect_proto(la, A(H2), A("0.0.0.0"), A("0.0.0.0"), 47);
	CHECK("redirect proto made", rp != NULL);
	mk_ip(b, PEER, ALIAS, 47, 40, 1, 0);
	CHECK_INT("redirect proto: GRE in", ng_alias_in(la, b, 40, now),
	    NG_ALIAS_OK);
	CHECK_STR("redirect proto: to the host", dst_of(b), H2);
	CHECK("redirect proto: checksum", csum_ok(b, 40));
	mk_ip(b, H2, PEER, 47, 40, 1, 0);
	ng_alias_out(la, b, 40, now);
	CHECK_STR("redirect proto: out from the alias", src_of(b), ALIAS);
	ng_alias_get_info(la, &i);
	CHECK_INT("redirect proto: the redirect and its link", i.proto, 2);

	/* a redirect made dynamic: an ordinary link that expires when idle */
	r = ng_alias_redirect_port(la, A(H2), htons(22), A("0.0.0.0"), 0,
	    A("0.0.0.0"), htons(2222), IPPROTO_TCP);
	CHECK_INT("redirect dynamic: not with a wildcard remote",
	    ng_alias_redirect_dynamic(la, r, now), EINVAL);
	CHECK_INT("redirect dynamic: not an address redirect",
	    ng_alias_redirect_dynamic(la, ra, now), EINVAL);
	ng_alias_redirect_delete(la, r);
	r = ng_alias_redirect_port(la, A(H2), htons(22), A(PEER), htons(7001),
	    A("0.0.0.0"), htons(2222), IPPROTO_TCP);
	now += 400 * 1000; /* the redirect was made long before */
	ng_alias_expire(la, now);
	k = tcp_links(la);
	CHECK_INT("redirect dynamic", ng_alias_redirect_dynamic(la, r, now), 0);
	ng_alias_expire(la, now);
	CHECK_INT("redirect dynamic: idle from now, not from when made",
	    tcp_links(la), k);
	n = mk(b, PEER, 7001, ALIAS, 2222, IPPROTO_TCP, 0x02, 0);
	ng_alias_in(la, b, n, now);
	CHECK_STR("redirect dynamic: used", dst_of(b), H2);
	now += 301 * 1000;
	n = mk(b, PEER, 7001, ALIAS, 2222, IPPROTO_TCP, 0x02, 0);
	CHECK_INT("redirect dynamic: gone when idle 300 s",
	    ng_alias_in(la, b, n, now), NG_ALIAS_IGNORED);
	ng_alias_free(la);
}

static void
test_lsnat(void)
{
	struct ng_alias *la = engine();
	struct ng_alias_link *r;
	const char *want[] = { "198.51.100.21", "198.51.100.22",
		"198.51.100.21", "198.51.100.22" };
	uint8_t b[256];
	size_t n;

	r = ng_alias_redirect_port(la, A(H2), htons(80), A("0.0.0.0"), 0,
	    A("0.0.0.0"), htons(80), IPPROTO_TCP);
	CHECK_INT("lsnat server 1",
	    ng_alias_add_server(la, r, A("198.51.100.21"), htons(8001)), 0);
	CHECK_INT("lsnat server 2",
	    ng_alias_add_server(la, r, A("198.51.100.22"), htons(8002)), 0);
	for (int k = 0; k < 4; k++) {
		char name[64];

		n = mk(b, PEER, (uint16_t)(9000 + k), ALIAS, 80, IPPROTO_TCP,
		    0x02, 0);
		ng_alias_in(la, b, n, now);
		snprintf(name, sizeof(name), "lsnat connection %d to %s", k,
		    want[k]);
		CHECK_STR(name, dst_of(b), want[k]);
		CHECK_INT("lsnat: the server's port", dport_of(b),
		    k % 2 == 0 ? 8001 : 8002);
	}
	/* the second connection goes on with its server */
	n = mk(b, PEER, 9001, ALIAS, 80, IPPROTO_TCP, 0x10, 0);
	ng_alias_in(la, b, n, now);
	CHECK_STR("lsnat: a connection stays with its server", dst_of(b),
	    "198.51.100.22");
	n = mk(b, "198.51.100.22", 8002, PEER, 9001, IPPROTO_TCP, 0x10, 0);
	ng_alias_out(la, b, n, now);
	CHECK_STR("lsnat: reply from the alias", src_of(b), ALIAS);
	CHECK_INT("lsnat: reply from port 80", sport_of(b), 80);
	CHECK("lsnat: checksums", csum_ok(b, n));
	ng_alias_free(la);
}

static void
test_modes(void)
{
	struct ng_alias *la = engine();
	struct ng_alias_info i;
	uint8_t b[256];
	size_t n;

	/* unsolicited: passes unchanged, or is ignored for dropping */
	n = mk(b, PEER, 1, ALIAS, 22, IPPROTO_TCP, 0x02, 0);
	CHECK_INT("unsolicited in: ignored", ng_alias_in(la, b, n, now),
	    NG_ALIAS_IGNORED);
	CHECK_STR("unsolicited in: unchanged", dst_of(b), ALIAS);
	ng_alias_set_target(la, A(H2));
	CHECK_INT("settarget: unsolicited in", ng_alias_in(la, b, n, now),
	    NG_ALIAS_OK);
	CHECK_STR("settarget: to the target", dst_of(b), H2);
	ng_alias_set_target(la, A("0.0.0.0"));
	ng_alias_set_mode(la, NG_ALIAS_DENY_INCOMING, NG_ALIAS_DENY_INCOMING);
	n = mk(b, PEER, 2, ALIAS, 22, IPPROTO_TCP, 0x02, 0);
	CHECK_INT("deny incoming: ignored", ng_alias_in(la, b, n, now),
	    NG_ALIAS_IGNORED);
	ng_alias_set_mode(la, 0, NG_ALIAS_DENY_INCOMING);

	/* reset on address change */
	n = mk(b, H1, 3000, WEB, 80, IPPROTO_TCP, 0x02, 0);
	ng_alias_out(la, b, n, now);
	ng_alias_set_addr(la, A("203.0.113.2"));
	CHECK_INT("address change: links kept", tcp_links(la) >= 1, 1);
	n = mk(b, H1, 3000, WEB, 80, IPPROTO_TCP, 0x10, 0);
	ng_alias_out(la, b, n, now);
	CHECK_STR("address change: an old link keeps its alias", src_of(b),
	    ALIAS);
	ng_alias_set_mode(la, NG_ALIAS_RESET_ON_ADDR_CHANGE,
	    NG_ALIAS_RESET_ON_ADDR_CHANGE);
	ng_alias_set_addr(la, A(ALIAS));
	ng_alias_get_info(la, &i);
	CHECK_INT("reset on address change: links gone", i.tcp + i.udp + i.icmp,
	    0);
	ng_alias_set_mode(la, 0, NG_ALIAS_RESET_ON_ADDR_CHANGE);

	/* unregistered only: a public source passes as it is */
	ng_alias_set_mode(la, NG_ALIAS_UNREGISTERED_ONLY,
	    NG_ALIAS_UNREGISTERED_ONLY);
	n = mk(b, H1, 3001, WEB, 80, IPPROTO_TCP, 0x02, 0);
	CHECK_INT("unregistered only: 198.51.100.10 is public",
	    ng_alias_out(la, b, n, now), NG_ALIAS_IGNORED);
	CHECK_STR("unregistered only: unchanged", src_of(b), H1);
	n = mk(b, "10.1.2.3", 3001, WEB, 80, IPPROTO_TCP, 0x02, 0);
	ng_alias_out(la, b, n, now);
	CHECK_STR("unregistered only: 10/8 aliased", src_of(b), ALIAS);
	n = mk(b, "100.64.0.9", 3001, WEB, 80, IPPROTO_TCP, 0x02, 0);
	ng_alias_out(la, b, n, now);
	CHECK_STR("unregistered only: 100.64/10 is not", src_of(b),
	    "100.64.0.9");
	ng_alias_set_mode(la, NG_ALIAS_UNREGISTERED_CGN,
	    NG_ALIAS_UNREGISTERED_CGN);
	ng_alias_out(la, b, n, now);
	CHECK_STR("unregistered CGN: 100.64/10 aliased", src_of(b), ALIAS);
	ng_alias_set_mode(la, 0,
	    NG_ALIAS_UNREGISTERED_ONLY | NG_ALIAS_UNREGISTERED_CGN);

	/* reverse: the directions swap */
	ng_alias_set_mode(la, NG_ALIAS_REVERSE, NG_ALIAS_REVERSE);
	n = mk(b, H1, 3100, WEB, 80, IPPROTO_TCP, 0x02, 0);
	ng_alias_in(la, b, n, now);
	CHECK_STR("reverse: in aliases", src_of(b), ALIAS);
	ng_alias_set_mode(la, 0, NG_ALIAS_REVERSE);
	/* proxy only, no rules: nothing is aliased */
	ng_alias_set_mode(la, NG_ALIAS_PROXY_ONLY, NG_ALIAS_PROXY_ONLY);
	n = mk(b, H1, 3200, WEB, 80, IPPROTO_TCP, 0x02, 0);
	ng_alias_out(la, b, n, now);
	CHECK_STR("proxy only: not aliased", src_of(b), H1);
	ng_alias_free(la);
}

static void
test_proxy(void)
{
	struct ng_alias *la = engine();
	uint8_t b[256];
	size_t n;

	CHECK_INT("proxy rule: no server", ng_alias_proxy_rule(la, "port 80"),
	    EINVAL);
	CHECK_INT("proxy rule: bad keyword",
	    ng_alias_proxy_rule(la, "server 198.18.0.9 colour red"), EINVAL);
	CHECK_INT("proxy rule: a keyword without its value",
	    ng_alias_proxy_rule(la, "server 198.18.0.9 port"), EINVAL);
	CHECK_INT("proxy rule: bad mask",
	    ng_alias_proxy_rule(la, "server 1.2.3.4 src 10.0.0.0/33"), EINVAL);
	CHECK_INT("proxy rule: encode types are not done",
	    ng_alias_proxy_rule(la, "type encode_ip_hdr server 1.2.3.4"),
	    EOPNOTSUPP);
	CHECK_INT("proxy rule: delete of no rule",
	    ng_alias_proxy_rule(la, "delete 7"), ENOENT);
	CHECK_INT("proxy rule",
	    ng_alias_proxy_rule(la,
		"type no_encode port 80 server "
		"198.18.0.9:3128 rule 7 proto TCP src 198.51.100.0/24"),
	    0);
	/* web traffic goes to the proxy; its answers look like the server's */
	n = mk(b, H1, 41000, WEB, 80, IPPROTO_TCP, 0x02, 0);
	CHECK_INT("proxy: out", ng_alias_out(la, b, n, now), NG_ALIAS_OK);
	CHECK_STR("proxy: to the proxy", dst_of(b), "198.18.0.9");
	CHECK_INT("proxy: its port", dport_of(b), 3128);
	CHECK_STR("proxy: from the alias", src_of(b), ALIAS);
	CHECK("proxy: checksums", csum_ok(b, n));
	n = mk(b, "198.18.0.9", 3128, ALIAS, 41000, IPPROTO_TCP, 0x12, 0);
	CHECK_INT("proxy: answer in", ng_alias_in(la, b, n, now), NG_ALIAS_OK);
	CHECK_STR("proxy: answer to the host", dst_of(b), H1);
	CHECK_STR("proxy: answer as from the server", src_of(b), WEB);
	CHECK_INT("proxy: from its port", sport_of(b), 80);
	CHECK("proxy: answer checksums", csum_ok(b, n));
	/* other traffic is not proxied; with PROXY_ONLY it is not aliased */
	n = mk(b, H1, 41001, WEB, 443, IPPROTO_TCP, 0x02, 0);
	ng_alias_out(la, b, n, now);
	CHECK_STR("proxy: port 443 goes where it went", dst_of(b), WEB);
	ng_alias_set_mode(la, NG_ALIAS_PROXY_ONLY, NG_ALIAS_PROXY_ONLY);
	n = mk(b, H1, 41002, WEB, 443, IPPROTO_TCP, 0x02, 0);
	ng_alias_out(la, b, n, now);
	CHECK_STR("proxy only: other flows keep their source", src_of(b), H1);
	n = mk(b, H1, 41003, WEB, 80, IPPROTO_TCP, 0x02, 0);
	ng_alias_out(la, b, n, now);
	CHECK_STR("proxy only: proxied flows still change", dst_of(b),
	    "198.18.0.9");
	CHECK_INT("proxy rule: delete", ng_alias_proxy_rule(la, "delete 7"), 0);
	n = mk(b, H1, 41004, WEB, 80, IPPROTO_TCP, 0x02, 0);
	ng_alias_out(la, b, n, now);
	CHECK_STR("proxy rule deleted: not proxied", dst_of(b), WEB);
	ng_alias_free(la);
}

/* Leave the transport checksum partial, as a TAP hands it over. */
static void
make_partial(uint8_t *b)
{
	size_t tot = g16(b + 2), off = b[9] == IPPROTO_TCP ? 16 : 6;
	uint32_t sum = ng_alias_sum(0, b + 12, 8) + b[9] + (uint32_t)(tot - 20);

	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	p16(b + 20 + off, (uint16_t)sum);
}

/* What the receiver of the TAP's frame does: finish it. */
static void
finish_partial(uint8_t *b)
{
	size_t tot = g16(b + 2), off = b[9] == IPPROTO_TCP ? 16 : 6;
	uint16_t sum = ng_alias_fold(ng_alias_sum(0, b + 20, tot - 20));

	if (sum == 0 && off == 6)
		sum = 0xffff;
	p16(b + 20 + off, sum);
}

static void
test_partial(void)
{
	struct ng_alias *la = engine();
	uint8_t b[2048];
	size_t n;

	n = mk(b, H1, 42000, WEB, 80, IPPROTO_TCP, 0x02, 999);
	make_partial(b);
	CHECK_INT("partial TCP out", ng_alias_partial(la, false, b, n, now),
	    NG_ALIAS_OK);
	CHECK_STR("partial TCP out: aliased", src_of(b), ALIAS);
	finish_partial(b);
	CHECK("partial TCP out: finished, every checksum right", csum_ok(b, n));
	n = mk(b, WEB, 80, ALIAS, 42000, IPPROTO_TCP, 0x12, 1448);
	make_partial(b);
	CHECK_INT("partial TCP in", ng_alias_partial(la, true, b, n, now),
	    NG_ALIAS_OK);
	CHECK_STR("partial TCP in: to the host", dst_of(b), H1);
	finish_partial(b);
	CHECK("partial TCP in: finished, every checksum right", csum_ok(b, n));
	/* a port that moves: the finishing sees the new one */
	n = mk(b, H2, 42000, WEB, 80, IPPROTO_TCP, 0x02, 10);
	make_partial(b);
	ng_alias_partial(la, false, b, n, now);
	CHECK("partial TCP out, port moved", sport_of(b) != 42000);
	finish_partial(b);
	CHECK("partial TCP out, port moved: checksums right", csum_ok(b, n));
	n = mk(b, H1, 5300, WEB, 53, IPPROTO_UDP, 0, 77);
	make_partial(b);
	ng_alias_partial(la, false, b, n, now);
	finish_partial(b);
	CHECK("partial UDP out: checksums right",
	    csum_ok(b, n) && strcmp(src_of(b), ALIAS) == 0);
	n = mk_icmp(b, H1, WEB, 8, 5);
	CHECK_INT("partial ICMP: refused",
	    ng_alias_partial(la, false, b, n, now), NG_ALIAS_ERROR);
	n = mk(b, H1, 5300, WEB, 53, IPPROTO_UDP, 0, 77);
	p16(b + 6, 0x2000);
	CHECK_INT("partial fragment: refused",
	    ng_alias_partial(la, false, b, n, now), NG_ALIAS_ERROR);
	ng_alias_free(la);
}

static void
test_malformed(void)
{
	struct ng_alias *la = engine();
	uint8_t b[256], keep[256];
	size_t n;

	n = mk(b, H1, 1, WEB, 2, IPPROTO_TCP, 0x02, 0);
	CHECK_INT("malformed: 19 bytes", ng_alias_out(la, b, 19, now),
	    NG_ALIAS_ERROR);
	b[0] = 0x65;
	CHECK_INT("malformed: version 6", ng_alias_out(la, b, n, now),
	    NG_ALIAS_ERROR);
	b[0] = 0x44;
	CHECK_INT("malformed: header of 16", ng_alias_out(la, b, n, now),
	    NG_ALIAS_ERROR);
	b[0] = 0x4f;
	CHECK_INT("malformed: header past the end", ng_alias_out(la, b, n, now),
	    NG_ALIAS_ERROR);
	b[0] = 0x45;
	p16(b + 2, (uint16_t)(n + 1));
	CHECK_INT("malformed: length past the end", ng_alias_out(la, b, n, now),
	    NG_ALIAS_ERROR);
	p16(b + 2, 12);
	CHECK_INT("malformed: length inside the header",
	    ng_alias_out(la, b, n, now), NG_ALIAS_ERROR);
	n = mk(b, H1, 1, WEB, 2, IPPROTO_TCP, 0x02, 0);
	p16(b + 2, 30);
	memcpy(keep, b, n);
	CHECK_INT("malformed: TCP header cut at 10 bytes, out",
	    ng_alias_out(la, b, n, now), NG_ALIAS_ERROR);
	CHECK("malformed: left unchanged", memcmp(keep, b, n) == 0);
	CHECK_INT("malformed: TCP header cut at 10 bytes, in",
	    ng_alias_in(la, b, n, now), NG_ALIAS_ERROR);
	n = mk(b, H1, 1, WEB, 2, IPPROTO_UDP, 0, 0);
	p16(b + 2, 27);
	CHECK_INT("malformed: UDP header cut at 7 bytes",
	    ng_alias_out(la, b, n, now), NG_ALIAS_ERROR);
	ng_alias_free(la);
}

/* Many flows, random ports and sizes: every packet's sums hold. */
static void
test_checksums_random(void)
{
	struct ng_alias *la = engine();
	uint32_t x = 12345;
	unsigned bad = 0;
	uint8_t b[1600];

	for (int k = 0; k < 20000; k++) {
		char src[32];
		uint16_t sport, dport;
		uint8_t proto;
		size_t n;

		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		snprintf(src, sizeof(src), "198.51.100.%u", x % 250 + 1);
		sport = (uint16_t)(x >> 8);
		dport = (uint16_t)(x >> 20);
		proto = (x & 1) ? IPPROTO_TCP : IPPROTO_UDP;
		n = mk(b, src, sport, WEB, dport, proto, 0x18, x % 1400);
		if (ng_alias_out(la, b, n, now) != NG_ALIAS_OK ||
		    !csum_ok(b, n))
			bad++;
		/* and its answer */
		n = mk(b, WEB, dport, ALIAS, sport_of(b), proto, 0x18,
		    (x >> 3) % 1400);
		if (ng_alias_in(la, b, n, now) != NG_ALIAS_OK ||
		    !csum_ok(b, n) || strcmp(dst_of(b), src) != 0 ||
		    dport_of(b) != sport)
			bad++;
	}
	CHECK_INT("random flows: every checksum right both ways", bad, 0);
	ng_alias_free(la);
}

static void
test_cap(void)
{
	struct ng_alias *la = engine();
	struct ng_alias_info i;
	uint8_t b[256];
	size_t n;
	unsigned flows = 1000000, bad;

	/* a small cap: the oldest go */
	ng_alias_set_max_links(la, 100);
	for (unsigned k = 0; k < 1000; k++) {
		n = mk(b, H1, (uint16_t)(1000 + k), WEB, 80, IPPROTO_UDP, 0, 0);
		now++;
		ng_alias_out(la, b, n, now);
	}
	ng_alias_get_info(la, &i);
	CHECK_INT("cap 100: 100 links", i.udp, 100);
	CHECK_INT("cap 100: 900 evicted", i.evicted, 900);
	n = mk(b, WEB, 80, ALIAS, 1000, IPPROTO_UDP, 0, 0);
	CHECK_INT("cap 100: the oldest is gone", ng_alias_in(la, b, n, now),
	    NG_ALIAS_IGNORED);
	n = mk(b, WEB, 80, ALIAS, 1999, IPPROTO_UDP, 0, 0);
	CHECK_INT("cap 100: the newest is there", ng_alias_in(la, b, n, now),
	    NG_ALIAS_OK);
	ng_alias_free(la);

	/* a SYN flood from one host, at the cap, leaves the connections
	 * that were established before it alone: new flows make room
	 * among new flows */
	la = engine();
	ng_alias_set_max_links(la, 100);
	for (unsigned k = 0; k < 10; k++) {
		n = mk(b, H2, (uint16_t)(5000 + k), WEB, 443, IPPROTO_TCP, 0x02,
		    0);
		ng_alias_out(la, b, n, now);
		n = mk(b, WEB, 443, ALIAS, (uint16_t)(5000 + k), IPPROTO_TCP,
		    0x12, 0);
		ng_alias_in(la, b, n, now);
	}
	for (unsigned k = 0; k < 5000; k++) {
		n = mk(b, H1, (uint16_t)(10000 + k), WEB, 80, IPPROTO_TCP, 0x02,
		    0);
		now++;
		ng_alias_out(la, b, n, now);
	}
	ng_alias_get_info(la, &i);
	CHECK_INT("syn flood: held at the cap", i.tcp, 100);
	bad = 0;
	for (unsigned k = 0; k < 10; k++) {
		n = mk(b, WEB, 443, ALIAS, (uint16_t)(5000 + k), IPPROTO_TCP,
		    0x10, 0);
		if (ng_alias_in(la, b, n, now) != NG_ALIAS_OK ||
		    strcmp(dst_of(b), H2) != 0)
			bad++;
	}
	CHECK_INT("syn flood: established connections kept", bad, 0);
	n = mk(b, WEB, 80, ALIAS, 14999, IPPROTO_TCP, 0x12, 0);
	CHECK_INT("syn flood: the newest SYN is there",
	    ng_alias_in(la, b, n, now), NG_ALIAS_OK);
	ng_alias_free(la);

	/* first fragments spoofed on the wire, each making a link unasked,
	 * at the cap: they take room from each other, not from UDP flows */
	la = engine();
	ng_alias_set_max_links(la, 100);
	for (unsigned k = 0; k < 50; k++) {
		n = mk(b, H1, (uint16_t)(6000 + k), WEB, 53, IPPROTO_UDP, 0, 0);
		ng_alias_out(la, b, n, now);
	}
	for (unsigned k = 0; k < 5000; k++) {
		n = mk(b, PEER, 7, ALIAS, 9, IPPROTO_UDP, 0, 16);
		p16(b + 4, (uint16_t)k);
		p16(b + 6, 0x2000);
		p16(b + 10, 0);
		p16(b + 10, ng_alias_fold(ng_alias_sum(0, b, 20)));
		now++;
		ng_alias_in(la, b, n, now);
	}
	ng_alias_get_info(la, &i);
	CHECK_INT("fragment flood: held at the cap", i.dynamic, 100);
	bad = 0;
	for (unsigned k = 0; k < 50; k++) {
		n = mk(b, WEB, 53, ALIAS, (uint16_t)(6000 + k), IPPROTO_UDP, 0,
		    0);
		if (ng_alias_in(la, b, n, now) != NG_ALIAS_OK)
			bad++;
	}
	CHECK_INT("fragment flood: UDP flows kept", bad, 0);
	ng_alias_free(la);

	/* the default cap under a flood of new flows from many hosts */
	la = engine();
	for (unsigned k = 0; k < flows; k++) {
		char src[32];

		snprintf(src, sizeof(src), "10.%u.%u.%u", k >> 16 & 255,
		    k >> 8 & 255, k & 255);
		n = mk(b, src, 1000, WEB, (uint16_t)(k % 65000 + 1),
		    IPPROTO_TCP, 0x02, 0);
		ng_alias_out(la, b, n, now);
	}
	ng_alias_get_info(la, &i);
	CHECK_INT("flood: held at the cap", i.tcp, NG_ALIAS_MAX_LINKS);
	CHECK_INT("flood: the rest evicted", i.evicted,
	    flows - NG_ALIAS_MAX_LINKS);
	CHECK_INT("flood: dynamic count", i.dynamic, NG_ALIAS_MAX_LINKS);
	now += 301 * 1000;
	ng_alias_expire(la, now);
	ng_alias_get_info(la, &i);
	CHECK_INT("flood: all expired after 300 s", i.tcp, 0);
	ng_alias_free(la);
}

/* SYNs from H1 for n flows, rounds times over: flow i goes to dst[i] from
 * source port sport[i] (both as they lie in the packet); CPU seconds. */
static double
syn_cost(const uint32_t *dst, const uint16_t *sport, unsigned n,
    unsigned rounds)
{
	struct ng_alias *la = engine();
	uint8_t b[256];
	size_t len;
	double t0 = ngt_cpu_s();

	for (unsigned r = 0; r < rounds; r++)
		for (unsigned i = 0; i < n; i++) {
			len = mk(b, H1, 0, WEB, 80, IPPROTO_TCP, 0x02, 0);
			memcpy(b + 16, &dst[i], 4);
			memcpy(b + 20, &sport[i], 2);
			ng_alias_out(la, b, len, now);
		}
	t0 = ngt_cpu_s() - t0;
	ng_alias_free(la);
	return t0;
}

/*
 * A jail's flows chosen to share a hash bucket cost about what random
 * ones do.  With the old hash, a mix of src * 31 + dst * 17 + (sport << 16
 * | dport) * 7 as they lie in memory, raising the destination's third
 * byte by 7 and lowering the source port by 17 kept the sum: 3,855 flows
 * in one bucket of both tables (SAME_PORTS keeps the port as the alias
 * port), each new one walking them all.
 */
static void
test_hash_flood(void)
{
	enum { N = 3855, ROUNDS = 30 };
	static uint32_t d_same[N], d_spread[N];
	static uint16_t p_same[N], p_spread[N];
	uint32_t d0;
	double c_same, c_spread;

	inet_pton(AF_INET, "198.18.0.1", &d0);
	for (uint32_t i = 0; i < N; i++) {
		d_same[i] = d0 + i * 7 * 65536;
		p_same[i] = (uint16_t)(65535 - 17 * i);
		d_spread[i] = d0 + (i * 40503u & 0xffff) * 65536;
		p_spread[i] = (uint16_t)(1024 + i * 13);
	}
	c_spread = syn_cost(d_spread, p_spread, N, ROUNDS);
	c_same = syn_cost(d_same, p_same, N, ROUNDS);
	printf("# %u flows, %u rounds: %.3f s CPU spread, %.3f s chosen\n", N,
	    ROUNDS, c_spread, c_same);
	CHECK(
	    "hash flood: flows chosen for one bucket cost no more than random",
	    c_same < 3 * c_spread + 0.05);
}

int
main(void)
{
	test_tcp();
	test_same_ports();
	test_udp();
	test_icmp();
	test_icmp_error_out();
	test_fragments();
	test_redirects();
	test_lsnat();
	test_modes();
	test_proxy();
	test_partial();
	test_malformed();
	test_checksums_random();
	test_cap();
	test_hash_flood();
	return ngt_done();
}
