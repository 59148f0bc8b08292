/*
 * test_gso.c: the software offload fallback.  A TCP super-frame as a TAP
 * hands it over (partial checksum, gso_size) is cut into segments; each
 * must be a frame a receiver accepts: lengths, IDs, sequence numbers,
 * flags and both checksums right, and the payload back in order.
 */
#include <string.h>

#include "ngtest.h"

#include "ng_core.h"

#define PAYLOAD 10000
#define MSS 1448

struct seglist {
	struct ng_pkt *seg[64];
	int n;
};

static void
collect(void *arg, struct ng_pkt **seg)
{
	struct seglist *l = arg;

	l->seg[l->n++] = *seg;
	*seg = NULL;
}

static uint32_t
sum16(const uint8_t *p, size_t len, uint32_t sum)
{
	for (size_t i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)p[i] << 8 | p[i + 1];
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	return sum;
}

static uint16_t
fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

/* Checksum over a transport header with its pseudo-header: 0xffff if right. */
static uint16_t
l4_verify(const uint8_t *ip, bool v6, const uint8_t *l4, size_t len, int proto)
{
	uint32_t sum = v6 ? sum16(ip + 8, 32, 0) : sum16(ip + 12, 8, 0);

	sum += (uint32_t)proto + (uint32_t)len;
	return fold(sum16(l4, len, sum));
}

/* eth | ip (v4 or v6) | tcp or udp | payload, as a GSO super-frame. */
static struct ng_pkt *
make_super(struct ng_graph *g, bool v6, bool tcp)
{
	struct ng_pkt *p = ng_pkt_alloc(g);
	uint8_t *d = p->data, *ip = d + 14, *l4;
	size_t iplen = v6 ? 40 : 20, l4hdr = tcp ? 20 : 8;
	size_t l4len = l4hdr + PAYLOAD;
	uint32_t sum;

	memset(d, 0, 14 + iplen + l4hdr);
	memcpy(d, "\x02\0\0\0\0\x02\x02\0\0\0\0\x01", 12);
	d[12] = v6 ? 0x86 : 0x08;
	d[13] = v6 ? 0xdd : 0x00;
	if (v6) {
		ip[0] = 0x60;
		ip[4] = (uint8_t)(l4len >> 8);
		ip[5] = (uint8_t)l4len;
		ip[6] = tcp ? 6 : 17;
		ip[7] = 64;
		ip[8] = 0x20; /* 2001:db8::1 -> 2001:db8::2 */
		ip[9] = 0x01;
		ip[10] = 0x0d;
		ip[11] = 0xb8;
		ip[23] = 1;
		memcpy(ip + 24, ip + 8, 16);
		ip[39] = 2;
	} else {
		ip[0] = 0x45;
		ip[2] = (uint8_t)((20 + l4len) >> 8);
		ip[3] = (uint8_t)(20 + l4len);
		ip[4] = 0x12;
		ip[5] = 0x34;
		ip[8] = 64;
		ip[9] = tcp ? 6 : 17;
		memcpy(ip + 12, "\xc6\x12\0\x01\xc6\x12\0\x02", 8);
	}
	l4 = ip + iplen;
	l4[0] = 0x30; /* port 12345 -> 80 */
	l4[1] = 0x39;
	l4[3] = 80;
	if (tcp) {
		l4[4] = 0xff; /* seq near the wrap */
		l4[5] = 0xff;
		l4[6] = 0xf0;
		l4[12] = 5 << 4;
		l4[13] = 0x18 | 0x01 | 0x80; /* PSH ACK FIN CWR */
	}
	for (int i = 0; i < PAYLOAD; i++)
		l4[l4hdr + i] = (uint8_t)(i * 7);
	p->len = 14 + iplen + l4len;
	/* What the kernel leaves: the pseudo-header sum, not inverted. */
	sum = v6 ? sum16(ip + 8, 32, 0) : sum16(ip + 12, 8, 0);
	sum += (tcp ? 6u : 17u) + (uint32_t)l4len;
	sum = fold(sum);
	l4[tcp ? 16 : 6] = (uint8_t)(sum >> 8);
	l4[tcp ? 17 : 7] = (uint8_t)sum;
	p->vh.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
	p->vh.csum_start = 14 + iplen;
	p->vh.csum_offset = tcp ? 16 : 6;
	p->vh.gso_size = MSS;
	p->vh.gso_type = tcp ?
	    (v6 ? VIRTIO_NET_HDR_GSO_TCPV6 : VIRTIO_NET_HDR_GSO_TCPV4) :
	    5 /* UDP_L4 */;
	p->vh.hdr_len = (uint16_t)(14 + iplen + l4hdr);
	return p;
}

static void
check_segments(struct ng_graph *g, bool v6, bool tcp, const char *name)
{
	struct ng_pkt *p = make_super(g, v6, tcp);
	struct seglist l = { .n = 0 };
	size_t iplen = v6 ? 40 : 20, l4hdr = tcp ? 20 : 8, got = 0;
	uint8_t all[PAYLOAD];
	bool sums = true, lens = true, seqs = true, flags = true, ids = true;
	char what[96];
	int error;

	error = ng_pkt_segment(&p, 14, collect, &l);
	snprintf(what, sizeof(what), "%s: segment returns 0", name);
	CHECK_INT(what, error, 0);
	snprintf(what, sizeof(what), "%s: consumed the super-frame", name);
	CHECK(what, p == NULL);
	snprintf(what, sizeof(what), "%s: %d segments", name,
	    (PAYLOAD + MSS - 1) / MSS);
	CHECK_INT(what, l.n, (PAYLOAD + MSS - 1) / MSS);
	for (int i = 0; i < l.n; i++) {
		struct ng_pkt *s = l.seg[i];
		uint8_t *ip = s->data + 14, *l4 = ip + iplen;
		size_t n = s->len - 14 - iplen - l4hdr;
		bool last = i == l.n - 1;

		if (n != (last ? PAYLOAD - (size_t)MSS * i : MSS))
			lens = false;
		if (v6 && ((size_t)(ip[4] << 8 | ip[5]) != l4hdr + n))
			lens = false;
		if (!v6 && ((size_t)(ip[2] << 8 | ip[3]) != 20 + l4hdr + n))
			lens = false;
		if (!v6 &&
		    (fold(sum16(ip, 20, 0)) != 0xffff ||
			(ip[4] << 8 | ip[5]) != 0x1234 + i))
			ids = false;
		if (l4_verify(ip, v6, l4, l4hdr + n, tcp ? 6 : 17) != 0xffff)
			sums = false;
		if (tcp) {
			uint32_t seq = (uint32_t)l4[4] << 24 |
			    (uint32_t)l4[5] << 16 | (uint32_t)l4[6] << 8 |
			    l4[7];

			if (seq != 0xfffff000u + (uint32_t)(MSS * i))
				seqs = false;
			if ((l4[13] & 0x09) != (last ? 0x09 : 0) ||
			    (l4[13] & 0x80) != (i == 0 ? 0x80 : 0) ||
			    !(l4[13] & 0x10))
				flags = false;
		} else if ((size_t)(l4[4] << 8 | l4[5]) != 8 + n) {
			lens = false;
		}
		if (s->vh.gso_type != 0 || (s->vh.flags & 1))
			flags = false;
		if (got + n <= sizeof(all))
			memcpy(all + got, l4 + l4hdr, n);
		got += n;
		ng_pkt_free(&l.seg[i]);
	}
	snprintf(what, sizeof(what), "%s: lengths", name);
	CHECK(what, lens);
	snprintf(what, sizeof(what), "%s: transport checksums", name);
	CHECK(what, sums);
	if (!v6) {
		snprintf(what, sizeof(what), "%s: IP checksums and IDs", name);
		CHECK(what, ids);
	}
	if (tcp) {
		snprintf(what, sizeof(what), "%s: sequence numbers", name);
		CHECK(what, seqs);
	}
	snprintf(what, sizeof(what), "%s: flags and metadata", name);
	CHECK(what, flags);
	snprintf(what, sizeof(what), "%s: payload intact", name);
	CHECK_INT(what, (int)got, PAYLOAD);
	{
		bool same = true;

		for (int i = 0; i < PAYLOAD; i++)
			if (all[i] != (uint8_t)(i * 7))
				same = false;
		snprintf(what, sizeof(what), "%s: payload in order", name);
		CHECK(what, same);
	}
}

/*
 * The other way: the segments of a super-frame (ACK, PSH on the last)
 * given to ng_gro_add come out as one super-frame with the payload in
 * order, its metadata as a TAP's; a segment with a bad checksum goes on
 * alone, between the runs on either side of it.
 */
static void
check_gro(struct ng_graph *g, bool v6, int corrupt, const char *name)
{
	struct ng_pkt *p = make_super(g, v6, true);
	struct seglist l = { .n = 0 }, out = { .n = 0 };
	struct ng_gro gro = { 0 };
	size_t iplen = v6 ? 40 : 20, hlen = 14 + iplen + 20;
	uint8_t ref[PAYLOAD];
	char what[96];
	bool same = true;
	size_t got = 0;

	p->data[14 + iplen + 13] = 0x18; /* ACK PSH */
	memcpy(ref, p->data + hlen, PAYLOAD);
	(void)ng_pkt_segment(&p, 14, collect, &l);
	if (corrupt >= 0)
		l.seg[corrupt]->data[hlen + 5] ^= 0xff;
	for (int i = 0; i < l.n; i++) {
		CHECK_INT("gro: add",
		    ng_gro_add(&gro, g, l.seg[i]->data, l.seg[i]->len, 14,
			collect, &out),
		    0);
		ng_pkt_free(&l.seg[i]);
	}
	ng_gro_flush(&gro, collect, &out);
	snprintf(what, sizeof(what), "%s: %d frame(s) out", name,
	    corrupt < 0 ? 1 : 3);
	CHECK_INT(what, out.n, corrupt < 0 ? 1 : 3);
	for (int i = 0; i < out.n; i++) {
		struct ng_pkt *s = out.seg[i];
		uint8_t *ip = s->data + 14;
		size_t n = s->len - hlen;
		bool merged = i != 1 || corrupt < 0;

		if (merged) {
			same = same && s->vh.gso_size == MSS &&
			    s->vh.gso_type ==
				(v6 ? VIRTIO_NET_HDR_GSO_TCPV6 :
				      VIRTIO_NET_HDR_GSO_TCPV4) &&
			    s->vh.csum_start == 14 + iplen &&
			    s->vh.csum_offset == 16 && s->vh.hdr_len == hlen;
			same = same &&
			    (v6 ? (size_t)(ip[4] << 8 | ip[5]) ==
					s->len - 14 - 40 :
				  (size_t)(ip[2] << 8 | ip[3]) == s->len - 14 &&
					fold(sum16(ip, 20, 0)) == 0xffff);
			/* Finished, its checksum covers it all. */
			same = same && ng_pkt_csum_finish(s) == 0 &&
			    l4_verify(ip, v6, ip + iplen, s->len - 14 - iplen,
				6) == 0xffff;
		} else {
			same = same && s->vh.gso_type == 0 && n == MSS;
		}
		if (got + n <= PAYLOAD && corrupt < 0)
			same = same &&
			    memcmp(ref + got, s->data + hlen, n) == 0;
		got += n;
		ng_pkt_free(&out.seg[i]);
	}
	snprintf(what, sizeof(what), "%s: payload, lengths, metadata", name);
	CHECK(what, same && got == PAYLOAD);
}

int
main(void)
{
	struct ng_graph *g;
	struct ng_pkt *p;
	struct seglist l = { .n = 0 };

	CHECK_INT("graph", ng_graph_new(NULL, &g), 0);
	check_segments(g, false, true, "tcp4");
	check_segments(g, true, true, "tcp6");
	check_segments(g, false, false, "udp4 (USO)");
	check_gro(g, false, -1, "gro tcp4");
	check_gro(g, true, -1, "gro tcp6");
	check_gro(g, false, 3, "gro tcp4, segment 3 corrupt");

	/* Not GSO: only the checksum is finished. */
	p = make_super(g, false, true);
	p->vh.gso_type = 0;
	p->vh.gso_size = 0;
	CHECK_INT("plain frame: 0", ng_pkt_segment(&p, 14, collect, &l), 0);
	CHECK_INT("plain frame: one frame out", l.n, 1);
	CHECK("plain frame: checksum now right",
	    l4_verify(l.seg[0]->data + 14, false, l.seg[0]->data + 34,
		l.seg[0]->len - 34, 6) == 0xffff);
	ng_pkt_free(&l.seg[0]);

	/* Malformed: a GSO frame too short for its headers. */
	l.n = 0;
	p = make_super(g, false, true);
	p->len = 30;
	l.n = 0;
	CHECK_INT("truncated: EINVAL", ng_pkt_segment(&p, 14, collect, &l),
	    EINVAL);
	CHECK_INT("truncated: nothing out", l.n, 0);
	p = make_super(g, false, true);
	p->vh.gso_type = 3; /* UFO: IP fragmentation, not cut here */
	CHECK_INT("UFO: EOPNOTSUPP", ng_pkt_segment(&p, 14, collect, &l),
	    EOPNOTSUPP);
	/* A gso_size no sender uses: 10,000 one-byte segments (found by
	 * fuzz_bridge; tens of thousands of them held ngd for seconds). */
	p = make_super(g, false, true);
	p->vh.gso_size = 1;
	CHECK_INT("gso_size 1: EINVAL", ng_pkt_segment(&p, 14, collect, &l),
	    EINVAL);
	CHECK_INT("gso_size 1: nothing out", l.n, 0);
	ng_graph_free(g);

	/*
	 * A client never sees a super-frame:
	 *   [socket A] a --- b [socket B]
	 * A sends a 10000-byte TCP super-frame; B receives 7 frames, none
	 * larger than an MTU's worth.
	 */
	{
		static struct ngt_conn ca, cb;
		struct ng_node *a, *b;
		unsigned big = 0;

		g = ngt_graph();
		a = ngt_socket(g, &ca);
		b = ngt_socket(g, &cb);
		CHECK_INT("sockets: connect", ng_con_nodes(a, "a", b, "b"), 0);
		p = make_super(g, false, true);
		CHECK_INT("sockets: send", ng_socket_send_data(a, "a", &p), 0);
		CHECK_INT("sockets: 7 frames arrive", (int)ngt_count(&cb, "b"),
		    (PAYLOAD + MSS - 1) / MSS);
		for (unsigned i = 0; i < cb.nframes; i++)
			if (ngt_frame(&cb, i)->len > 14 + 20 + 20 + MSS)
				big++;
		CHECK_INT("sockets: none larger than the MSS", (int)big, 0);
		/* The same as bare IP, as an iface's tun or a nat node
		 * gives it: cut too, not dropped as a bad Ethernet frame. */
		for (int v6 = 0; v6 <= 1; v6++) {
			unsigned before = cb.nframes;

			p = make_super(g, v6, true);
			p->data += 14;
			p->len -= 14;
			p->vh.csum_start -= 14;
			p->vh.hdr_len -= 14;
			CHECK_INT(v6 ? "sockets: bare IPv6 super-frame sent" :
				       "sockets: bare IPv4 super-frame sent",
			    ng_socket_send_data(a, "a", &p), 0);
			CHECK_INT(v6 ? "sockets: bare IPv6: 7 frames arrive" :
				       "sockets: bare IPv4: 7 frames arrive",
			    (int)(cb.nframes - before),
			    (PAYLOAD + MSS - 1) / MSS);
		}
		ngt_close(&ca);
		ngt_close(&cb);
		ng_graph_free(g);
	}
	return ngt_done();
}
