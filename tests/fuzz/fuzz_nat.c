/*
 * fuzz_nat.c: the nat node's translation engine (src/nodes/ng_nat_alias.c)
 * fed packets both ways, with redirects, LSNAT servers, proxy rules, mode
 * changes and clock jumps in between.
 *
 * Input: operations, each one byte then its operands (see the switch
 * below).  A packet is either the input's bytes as they are, or built
 * from a few known addresses, a protocol and ports, with every checksum
 * right, followed by the input's bytes (maybe with IP options, maybe a
 * fragment), or an ICMP error from the far end quoting the last packet
 * translated (so errors meet their links; an error about an error
 * quotes one with its own quote), or a later fragment of the last
 * packet (its header, options or not, at an offset), or a TCP or UDP
 * packet whose checksum is left partial (TAP offload).
 * Checked: no crash, leak or undefined behaviour (ASan, UBSan); nothing
 * past the IP length is written; and a checksum that was right when the
 * packet went in is right when it comes out, whatever the engine did
 * (the incremental updates agree with a full recomputation).
 */
#include <arpa/inet.h>

#include "fuzz.h"

#include "../../src/nodes/ng_nat_alias.h"

#ifndef FUZZ_ENTRY
#define FUZZ_ENTRY LLVMFuzzerTestOneInput
#endif

#define FZA_MAXOPS 512
#define FZA_NRDR 8
#define FZA_BUF 2048

/*
 * IP options (4 to 40 bytes, opt from the input): as routers and hosts
 * send them (record route, timestamp, router alert, padded with NOPs
 * and an end), or the input's bytes as they are.
 */
static size_t
fza_options(struct fz_in *in, uint8_t *o)
{
	uint8_t how = fz_u8(in);
	size_t n = 4 * (1 + how % 10), i = 0, k;

	memset(o, 0, n);
	if (how & 0x80) {
		const uint8_t *b = fz_bytes(in, n, &k);

		memcpy(o, b, k);
		return n;
	}
	while (i < n) {
		switch (fz_u8(in) % 5) {
		case 0: /* NOP */
			o[i++] = 1;
			break;
		case 1: /* record route, room for what fits */
			k = n - i < 3 ? n - i : 3 + (n - i - 3) / 4 * 4;
			if (k < 3) {
				o[i++] = 1;
				break;
			}
			o[i] = 7;
			o[i + 1] = (uint8_t)k;
			o[i + 2] = 4;
			i += k;
			break;
		case 2: /* router alert */
			if (n - i < 4) {
				o[i++] = 1;
				break;
			}
			o[i] = 148;
			o[i + 1] = 4;
			i += 4;
			break;
		case 3: /* an option whose length lies */
			o[i] = 68;
			if (i + 1 < n)
				o[i + 1] = fz_u8(in);
			i = n;
			break;
		default: /* the end */
			i = n;
			break;
		}
	}
	return n;
}

/* A packet from known parts, its sums right, then the input's bytes;
 * maybe with IP options, maybe a fragment. */
static size_t
fza_build(struct fz_in *in, uint8_t *b)
{
	struct in_addr src = fz_ip_addr(in), dst = fz_ip_addr(in);
	static const uint8_t protos[] = { IPPROTO_TCP, IPPROTO_UDP,
		IPPROTO_ICMP, 47 };
	uint8_t proto = protos[fz_u8(in) % 4];
	uint16_t off = fz_u16(in), a = fz_u16(in), c = fz_u16(in);
	uint8_t flags = fz_u8(in);
	size_t plen = fz_u8(in), hl, tot, ihl = 20;
	uint8_t *t;

	hl = proto == IPPROTO_TCP ? 20 : proto == 47 ? 4 : 8;
	if (off & 0x4000) /* options */
		ihl += fza_options(in, b + 20);
	if (plen > in->left)
		plen = in->left;
	tot = ihl + hl + plen;
	memset(b, 0, 20);
	memset(b + ihl, 0, hl + plen);
	b[0] = (uint8_t)(0x40 | ihl / 4);
	fz_put16(b + 2, (uint16_t)tot);
	fz_put16(b + 4, (uint16_t)(a ^ c));
	/* mostly not a fragment */
	fz_put16(b + 6, (off & 0x8000) ? (uint16_t)(off & 0x3fff) : 0);
	b[8] = 64;
	b[9] = proto;
	memcpy(b + 12, &src, 4);
	memcpy(b + 16, &dst, 4);
	t = b + ihl;
	memcpy(t + hl, in->p, plen);
	in->p += plen;
	in->left -= plen;
	fz_ip_finish(b, ihl, hl, plen, a, c, flags);
	return tot;
}

/* The last packet translated, and which way it went. */
static uint8_t fza_last[FZA_BUF];
static size_t fza_last_len;
static bool fza_last_in;
/* The last IPv4 packet as it was before translation, and its way. */
static uint8_t fza_orig[FZA_BUF];
static size_t fza_orig_len;
static bool fza_orig_in;

/*
 * A later fragment of the last IPv4 packet, as its sender cut it: its
 * header (options too: they may be copied into every fragment) with an
 * offset and maybe more to come, then the input's bytes; the IP sum
 * right.  false: there is none to follow.
 */
static bool
fza_fragment(struct fz_in *in, uint8_t *b, size_t *len, bool *way)
{
	size_t ihl, plen;
	uint16_t off = fz_u16(in);
	const uint8_t *p;

	if (fza_orig_len < 20)
		return false;
	ihl = (size_t)(fza_orig[0] & 0x0f) * 4;
	if (ihl < 20 || ihl > fza_orig_len)
		return false;
	if (!(off & 0x8000)) /* mostly without the options (not copied) */
		ihl = 20;
	memcpy(b, fza_orig, ihl);
	b[0] = (uint8_t)(0x40 | ihl / 4);
	p = fz_bytes(in, fz_u8(in) * 4u, &plen);
	memcpy(b + ihl, p, plen);
	fz_put16(b + 2, (uint16_t)(ihl + plen));
	fz_put16(b + 6, (uint16_t)(off & 0x3fff));
	fz_put16(b + 10, 0);
	fz_put16(b + 10, ng_alias_fold(ng_alias_sum(0, b, ihl)));
	*len = ihl + plen;
	*way = fza_orig_in;
	return true;
}

/* An ICMP error about the last packet, from where it went back to where
 * it came from, quoting qlen bytes of it; its sums right. */
static size_t
fza_error(struct fz_in *in, uint8_t *b)
{
	static const uint8_t types[] = { 3, 4, 11, 12 };
	size_t qlen = fz_u8(in);
	uint8_t type = types[fz_u8(in) % 4];

	return fz_icmp_error(b, fza_last, fza_last_len, qlen, type);
}

static void
fza_packet(struct ng_alias *la, uint8_t *b, size_t len, bool in, uint64_t now)
{
	uint8_t before[FZA_BUF];
	struct fz_ip_sums s0 = fz_ip_check(b, len), s1;
	enum ng_alias_result r;
	size_t tot = len >= 4 ? fz_get16(b + 2) : 0;

	memcpy(before, b, len);
	if (len >= 20 && (b[0] >> 4) == 4) {
		memcpy(fza_orig, b, len);
		fza_orig_len = len;
		fza_orig_in = in;
	}
	r = in ? ng_alias_in(la, b, len, now) : ng_alias_out(la, b, len, now);
	FUZZ_ASSERT(r <= NG_ALIAS_ERROR);
	if (tot < len)
		FUZZ_ASSERT(memcmp(before + tot, b + tot, len - tot) == 0);
	if (r == NG_ALIAS_ERROR)
		FUZZ_ASSERT(memcmp(before, b, len) == 0);
	s1 = fz_ip_check(b, len);
	if (s0.ip)
		FUZZ_ASSERT(s1.ip);
	if (s0.l4_known && s0.l4)
		FUZZ_ASSERT(s1.l4);
	memcpy(fza_last, b, len);
	fza_last_len = len;
	fza_last_in = in;
}

/*
 * A built packet with its transport checksum left partial, as a TAP
 * hands it over, translated that way; then finished as its receiver
 * would: every checksum must then be right.
 */
static void
fza_partial(struct ng_alias *la, struct fz_in *in, uint8_t *b, bool way,
    uint64_t now)
{
	size_t n = fza_build(in, b), off, ihl;
	uint32_t sum;
	uint16_t fin;
	struct fz_ip_sums s1;

	if ((b[9] != IPPROTO_TCP && b[9] != IPPROTO_UDP) ||
	    (fz_get16(b + 6) & 0x3fff))
		return;
	ihl = (size_t)(b[0] & 0x0f) * 4;
	off = ihl + (b[9] == IPPROTO_TCP ? 16 : 6);
	sum = ng_alias_sum(0, b + 12, 8) + b[9] + (uint32_t)(n - ihl);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	fz_put16(b + off, (uint16_t)sum);
	if (ng_alias_partial(la, way, b, n, now) != NG_ALIAS_OK)
		return;
	fin = ng_alias_fold(ng_alias_sum(0, b + ihl, n - ihl));
	fz_put16(b + off, fin == 0 && b[9] == IPPROTO_UDP ? 0xffff : fin);
	s1 = fz_ip_check(b, n);
	FUZZ_ASSERT(s1.ip && s1.l4);
}

int FUZZ_ENTRY(const uint8_t *data, size_t size);

int
FUZZ_ENTRY(const uint8_t *data, size_t size)
{
	struct fz_in in = { data, size };
	struct ng_alias *la = ng_alias_new(fz_u32(&in));
	struct ng_alias_link *rdr[FZA_NRDR] = { NULL };
	uint8_t b[FZA_BUF];
	uint64_t now = 1000000;
	struct ng_alias_info info;
	char rule[256];
	size_t n;

	if (la == NULL)
		return 0;
	fza_last_len = 0;
	fza_orig_len = 0;
	ng_alias_set_max_links(la, 1 + fz_u8(&in));
	ng_alias_set_addr(la, fz_ip_addr(&in));
	for (int op = 0; op < FZA_MAXOPS && in.left > 0; op++) {
		uint8_t k = fz_u8(&in), i;

		switch (k % 14) {
		case 0: /* the input's bytes as a packet, out or in */
		case 1:
			n = fz_u8(&in);
			n = n > in.left ? in.left : n;
			memcpy(b, in.p, n);
			in.p += n;
			in.left -= n;
			fza_packet(la, b, n, k % 14 == 1, now);
			break;
		case 2: /* a well-formed packet, out or in */
		case 3:
			n = fza_build(&in, b);
			fza_packet(la, b, n, k % 14 == 3, now);
			break;
		case 11: /* a TAP's frame, its checksum partial, out or in */
		case 12:
			fza_partial(la, &in, b, k % 14 == 12, now);
			break;
		case 13: { /* the next fragment of the last packet */
			bool way;

			if (fza_fragment(&in, b, &n, &way))
				fza_packet(la, b, n, way, now);
			break;
		}
		case 10: /* the far end's error about the last packet */
			n = fza_error(&in, b);
			fza_packet(la, b, n, !fza_last_in, now);
			break;
		case 4:
			now += (uint64_t)fz_u16(&in) * 1000;
			if (fz_u8(&in) & 1)
				ng_alias_expire(la, now);
			break;
		case 5: {
			uint16_t flags = fz_u16(&in), mask = fz_u16(&in);

			ng_alias_set_mode(la, flags, mask);
			break;
		}
		case 6: { /* a redirect into slot i */
			struct in_addr l = fz_ip_addr(&in), r = fz_ip_addr(&in),
				       a = fz_ip_addr(&in);
			uint16_t lp = fz_u16(&in), rp = fz_u16(&in),
				 ap = fz_u16(&in);
			uint8_t kind = fz_u8(&in), proto = fz_u8(&in);

			i = fz_u8(&in) % FZA_NRDR;
			if (rdr[i] != NULL)
				break;
			if (kind % 3 == 0)
				rdr[i] = ng_alias_redirect_port(la, l, lp, r,
				    rp, a, ap, proto);
			else if (kind % 3 == 1)
				rdr[i] = ng_alias_redirect_addr(la, l, a);
			else
				rdr[i] = ng_alias_redirect_proto(la, l, r, a,
				    proto);
			break;
		}
		case 7: /* delete it, or make it dynamic (it leaves the slot) */
			i = fz_u8(&in);
			if (rdr[i % FZA_NRDR] == NULL)
				break;
			if (i & 0x80) {
				ng_alias_redirect_delete(la, rdr[i % FZA_NRDR]);
				rdr[i % FZA_NRDR] = NULL;
			} else if (ng_alias_redirect_dynamic(la,
				       rdr[i % FZA_NRDR], now) == 0) {
				rdr[i % FZA_NRDR] = NULL;
			}
			break;
		case 8: { /* an LSNAT server */
			struct in_addr a;
			uint16_t p;

			i = fz_u8(&in) % FZA_NRDR;
			a = fz_ip_addr(&in);
			p = fz_u16(&in);
			if (rdr[i] != NULL)
				(void)ng_alias_add_server(la, rdr[i], a, p);
			break;
		}
		case 9: /* a proxy rule, or a new alias address or target */
			n = fz_u8(&in);
			if (n & 0x80) {
				if (n & 0x40)
					ng_alias_set_target(la,
					    fz_ip_addr(&in));
				else
					ng_alias_set_addr(la, fz_ip_addr(&in));
				break;
			}
			n = n > in.left ? in.left : n;
			memcpy(rule, in.p, n);
			rule[n] = '\0';
			in.p += n;
			in.left -= n;
			(void)ng_alias_proxy_rule(la, rule);
			break;
		}
		ng_alias_get_info(la, &info);
		FUZZ_ASSERT(info.dynamic <= 1 + 255u);
	}
	ng_alias_free(la);
	return 0;
}
