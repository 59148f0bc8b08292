/*
 * ng_gso.c: the software fallback for offload metadata.  A TAP hands ngd
 * 64 KiB TCP (and UDP) super-frames with a partial checksum, described by
 * pkt->vh; a hook that cannot take them (a client's socket, a node that
 * reads the payload) gets ordinary frames from here: checksums finished,
 * super-frames cut into MTU-sized segments.  Pure computation, no I/O.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include "ng_core.h"

#ifndef VIRTIO_NET_HDR_GSO_UDP_L4
#define VIRTIO_NET_HDR_GSO_UDP_L4 5
#endif

#define NG_GSO_MAX_SEGS 1024 /* 64 KiB in segments of 64 bytes */

#define NG_ETHERTYPE_IP 0x0800
#define NG_ETHERTYPE_IPV6 0x86dd
#define NG_ETHERTYPE_VLAN 0x8100
#define NG_ETHERTYPE_QINQ 0x88a8

/*
 * One's-complement sum of len bytes, added to sum (not folded).  Eight
 * bytes at a time in the machine's order, folded and put in network
 * order at the end: the sum does not depend on the order of the bytes
 * within its words (RFC 1071 §2(B)), and a 64 KiB frame is summed in a
 * few microseconds instead of some 60.
 */
static uint32_t
ng_csum_add(uint32_t sum, const uint8_t *p, size_t len)
{
	uint64_t acc = 0;
	uint32_t w;
	size_t i;

	for (; len >= 8; p += 8, len -= 8) {
		uint64_t v;

		memcpy(&v, p, 8);
		acc += v;
		if (acc < v)
			acc++; /* end-around carry */
	}
	acc = (acc & 0xffffffffu) + (acc >> 32);
	acc = (acc & 0xffffffffu) + (acc >> 32);
	acc = (acc & 0xffff) + (acc >> 16);
	acc = (acc & 0xffff) + (acc >> 16);
	acc = (acc & 0xffff) + (acc >> 16);
	w = (uint32_t)acc;
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	w = (w >> 8 | w << 8) & 0xffff;
#endif
	sum += w;
	for (i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)p[i] << 8 | p[i + 1];
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	return sum;
}

static uint16_t
ng_csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static void
ng_put16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

static uint16_t
ng_get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t
ng_get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

int
ng_pkt_csum_finish(struct ng_pkt *pkt)
{
	uint32_t start = pkt->vh.csum_start, off = pkt->vh.csum_offset;
	uint16_t sum;

	if (!(pkt->vh.flags & VIRTIO_NET_HDR_F_NEEDS_CSUM))
		return 0;
	if (start > pkt->len || off + 2 > pkt->len - start)
		return EINVAL;
	/* The field holds the pseudo-header sum; fold it in with the rest. */
	sum = ng_csum_fold(ng_csum_add(0, pkt->data + start, pkt->len - start));
	if (sum == 0 && off == 6)
		sum = 0xffff; /* UDP: zero means "no checksum" */
	ng_put16(pkt->data + start + off, sum);
	pkt->vh.flags &= ~VIRTIO_NET_HDR_F_NEEDS_CSUM;
	return 0;
}

/* Where the network header starts and what it is. */
static int
ng_l3(const struct ng_pkt *pkt, size_t l2, size_t *l3off, uint16_t *etype)
{
	size_t off = l2;
	uint16_t t;

	if (l2 == 0) {
		/* TUN: the IP version says which. */
		if (pkt->len < 1)
			return EINVAL;
		*etype = (pkt->data[0] >> 4) == 6 ?
		    NG_ETHERTYPE_IPV6 :
		    NG_ETHERTYPE_IP;
		*l3off = 0;
		return 0;
	}
	if (pkt->len < 14)
		return EINVAL;
	t = ng_get16(pkt->data + 12);
	/* Step over 802.1Q/802.1ad tags: TCI, then the next type. */
	while ((t == NG_ETHERTYPE_VLAN || t == NG_ETHERTYPE_QINQ) &&
	    pkt->len >= off + 4) {
		t = ng_get16(pkt->data + off + 2);
		off += 4;
	}
	*etype = t;
	*l3off = off;
	return 0;
}

size_t
ng_pkt_l2len(const struct ng_pkt *p)
{
	unsigned v = p->len > 0 ? p->data[0] >> 4 : 0;

	if ((p->vh.flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) &&
	    ((v == 4 && p->vh.csum_start == (p->data[0] & 0x0f) * 4) ||
		(v == 6 && p->vh.csum_start == 40)))
		return 0;
	return 14;
}

/*
 * Cut a GSO super-frame into segments of at most gso_size payload bytes,
 * each a complete frame with its checksums done, and hand each to emit
 * (which consumes it).  A frame that is not GSO just gets its checksum
 * finished.  l2 is the link header length: 14 for Ethernet, 0 for bare IP.
 * Consumes *pkt.  Returns 0, EINVAL for a malformed frame (or one that
 * would make more than NG_GSO_MAX_SEGS segments), EOPNOTSUPP for a GSO
 * kind it cannot cut, or ENOBUFS.
 */
int
ng_pkt_segment(struct ng_pkt **pp, size_t l2,
    void (*emit)(void *arg, struct ng_pkt **seg), void *arg)
{
	struct ng_pkt *pkt = *pp;
	uint8_t gso = pkt->vh.gso_type & ~VIRTIO_NET_HDR_GSO_ECN;
	size_t l3, l4, hlen, mss, payload, done;
	uint16_t etype;
	bool v6, tcp;
	uint32_t seq = 0;
	uint16_t ipid = 0;
	int error;

	*pp = NULL;
	if (gso == VIRTIO_NET_HDR_GSO_NONE) {
		error = ng_pkt_writable(&pkt);
		if (error == 0)
			error = ng_pkt_csum_finish(pkt);
		if (error == 0)
			emit(arg, &pkt);
		ng_pkt_free(&pkt);
		return error;
	}
	tcp = gso == VIRTIO_NET_HDR_GSO_TCPV4 ||
	    gso == VIRTIO_NET_HDR_GSO_TCPV6;
	if (!tcp && gso != VIRTIO_NET_HDR_GSO_UDP_L4) {
		ng_pkt_free(&pkt);
		return EOPNOTSUPP;
	}
	error = ng_l3(pkt, l2, &l3, &etype);
	if (error != 0)
		goto bad;
	v6 = etype == NG_ETHERTYPE_IPV6;
	if (!v6 && etype != NG_ETHERTYPE_IP)
		goto bad;
	if (v6) {
		if (pkt->len < l3 + 40 || pkt->data[l3 + 6] != (tcp ? 6 : 17))
			goto bad; /* extension headers are not cut here */
		l4 = l3 + 40;
	} else {
		if (pkt->len < l3 + 20)
			goto bad;
		l4 = l3 + (pkt->data[l3] & 0x0f) * 4;
		ipid = ng_get16(pkt->data + l3 + 4);
	}
	if (tcp) {
		if (pkt->len < l4 + 20)
			goto bad;
		hlen = l4 + (pkt->data[l4 + 12] >> 4) * 4;
		seq = (uint32_t)pkt->data[l4 + 4] << 24 |
		    (uint32_t)pkt->data[l4 + 5] << 16 |
		    (uint32_t)pkt->data[l4 + 6] << 8 | pkt->data[l4 + 7];
	} else {
		hlen = l4 + 8;
	}
	mss = pkt->vh.gso_size;
	if (hlen > pkt->len || mss == 0)
		goto bad;
	payload = pkt->len - hlen;
	/* A gso_size too small to be real (1 byte: 64,000 segments, each
	 * going on to every port of a flood) is refused, not cut. */
	if (payload > (size_t)NG_GSO_MAX_SEGS * mss)
		goto bad;
	for (done = 0; done < payload || (done == 0 && payload == 0);) {
		size_t n = payload - done < mss ? payload - done : mss;
		bool last = done + n >= payload;
		struct ng_pkt *seg = ng_pkt_alloc(pkt->graph);
		uint8_t *ip, *th;
		uint32_t sum;
		size_t l4len;

		if (seg == NULL) {
			ng_pkt_free(&pkt);
			return ENOBUFS;
		}
		memcpy(seg->data, pkt->data, hlen);
		memcpy(seg->data + hlen, pkt->data + hlen + done, n);
		seg->len = hlen + n;
		seg->peer = pkt->peer;
		ip = seg->data + l3;
		th = seg->data + l4;
		l4len = seg->len - l4;
		if (v6) {
			ng_put16(ip + 4, (uint16_t)(seg->len - l3 - 40));
		} else {
			ng_put16(ip + 2, (uint16_t)(seg->len - l3));
			ng_put16(ip + 4, (uint16_t)(ipid + done / mss));
			ng_put16(ip + 10, 0);
			ng_put16(ip + 10,
			    ng_csum_fold(ng_csum_add(0, ip, l4 - l3)));
		}
		if (tcp) {
			uint32_t s = seq + (uint32_t)done;

			th[4] = s >> 24;
			th[5] = s >> 16;
			th[6] = s >> 8;
			th[7] = s;
			if (!last)
				th[13] &= ~(0x01 |
				    0x08); /* FIN, PSH: last only */
			if (done > 0)
				th[13] &= ~0x80; /* CWR: first only */
			ng_put16(th + 16, 0);
		} else {
			ng_put16(th + 4, (uint16_t)l4len);
			ng_put16(th + 6, 0);
		}
		/* Pseudo-header, then the transport header and data. */
		if (v6)
			sum = ng_csum_add(0, ip + 8, 32);
		else
			sum = ng_csum_add(0, ip + 12, 8);
		sum += tcp ? 6 : 17;
		sum += (uint32_t)l4len;
		sum = ng_csum_add(sum, th, l4len);
		{
			uint16_t c = ng_csum_fold(sum);

			if (!tcp && c == 0)
				c = 0xffff;
			ng_put16(th + (tcp ? 16 : 6), c);
		}
		done += n;
		emit(arg, &seg); /* consumes seg */
		ng_pkt_free(&seg);
		if (payload == 0)
			break;
	}
	ng_pkt_free(&pkt);
	return 0;
bad:
	ng_pkt_free(&pkt);
	return EINVAL;
}

/*
 * Receive-side coalescing: consecutive TCP segments of one flow, as a
 * datagram train from a UDP socket brings them (UDP_GRO), become one
 * super-frame again, described as a TAP describes its own (gso_size,
 * partial checksum), so the interface at the end takes one frame where
 * it would take 45.  Like the kernel's GRO: the segments must follow one
 * another, with the same headers but for the sequence number, the IP ID
 * and lengths, only ACK and PSH set, the same size but for the last;
 * their checksums are checked first (a bad one goes on alone, for the
 * receiver to drop).  Anything else flushes what is held and goes on
 * alone.
 */
#define NG_GRO_MAX (65535 - 60) /* an IP length must hold the result */

/* The flow's frame, if the frame is a segment that may be merged. */
static bool
ng_gro_parse(const uint8_t *f, size_t len, size_t l2, struct ng_gro *m)
{
	size_t l3 = l2, l4, hlen;
	uint16_t etype;
	uint32_t sum;

	if (l2 != 14 || len < 14 + 40)
		return false;
	etype = ng_get16(f + 12);
	if (etype == NG_ETHERTYPE_IP) {
		if (f[l3] != 0x45 || f[l3 + 9] != 6 ||
		    (ng_get16(f + l3 + 6) & 0x3fff) != 0 || /* MF, offset */
		    ng_get16(f + l3 + 2) != len - l3 ||
		    ng_csum_fold(ng_csum_add(0, f + l3, 20)) != 0)
			return false;
		l4 = l3 + 20;
		m->v6 = false;
	} else if (etype == NG_ETHERTYPE_IPV6) {
		if (len < l3 + 60 || (f[l3] >> 4) != 6 || f[l3 + 6] != 6 ||
		    ng_get16(f + l3 + 4) != len - l3 - 40)
			return false;
		l4 = l3 + 40;
		m->v6 = true;
	} else {
		return false;
	}
	hlen = l4 + (f[l4 + 12] >> 4) * 4;
	if (hlen < l4 + 20 || hlen >= len ||
	    (f[l4 + 13] & ~0x08) != 0x10) /* ACK, maybe PSH; data */
		return false;
	if (m->v6)
		sum = ng_csum_add(0, f + l3 + 8, 32);
	else
		sum = ng_csum_add(0, f + l3 + 12, 8);
	sum += 6 + (uint32_t)(len - l4);
	if (ng_csum_fold(ng_csum_add(sum, f + l4, len - l4)) != 0)
		return false;
	m->l3 = l3;
	m->l4 = l4;
	m->hlen = hlen;
	return true;
}

/* Headers alike but for what changes from segment to segment. */
static bool
ng_gro_same(const struct ng_gro *g, const uint8_t *f, const struct ng_gro *m)
{
	const uint8_t *h = g->pkt->data;
	size_t l3 = g->l3, l4 = g->l4;

	if (m->v6 != g->v6 || m->l4 != l4 || m->hlen != g->hlen ||
	    memcmp(h, f, l3) != 0)
		return false;
	if (g->v6) {
		if (memcmp(h + l3, f + l3, 4) != 0 || /* class, flow */
		    memcmp(h + l3 + 6, f + l3 + 6, 34) != 0)
			return false;
	} else if (h[l3 + 1] != f[l3 + 1] || h[l3 + 6] != f[l3 + 6] ||
	    memcmp(h + l3 + 8, f + l3 + 8, 2) != 0 ||
	    memcmp(h + l3 + 12, f + l3 + 12, 8) != 0) {
		return false;
	}
	/* Ports and ack; offset, flags and window less PSH; options. */
	return memcmp(h + l4, f + l4, 4) == 0 &&
	    memcmp(h + l4 + 8, f + l4 + 8, 4) == 0 &&
	    h[l4 + 12] == f[l4 + 12] &&
	    (h[l4 + 13] & ~0x08) == (f[l4 + 13] & ~0x08) &&
	    memcmp(h + l4 + 14, f + l4 + 14, 2) == 0 &&
	    memcmp(h + l4 + 20, f + l4 + 20, g->hlen - l4 - 20) == 0;
}

void
ng_gro_flush(struct ng_gro *g, void (*emit)(void *arg, struct ng_pkt **seg),
    void *arg)
{
	struct ng_pkt *p = g->pkt;
	uint8_t *ip, *th;
	uint32_t sum, l4len;

	if (p == NULL)
		return;
	g->pkt = NULL;
	if (g->segs > 1) {
		ip = p->data + g->l3;
		th = p->data + g->l4;
		l4len = p->len - (uint32_t)g->l4;
		if (g->v6) {
			ng_put16(ip + 4, (uint16_t)(p->len - g->l3 - 40));
			sum = ng_csum_add(0, ip + 8, 32);
		} else {
			ng_put16(ip + 2, (uint16_t)(p->len - g->l3));
			ng_put16(ip + 10, 0);
			ng_put16(ip + 10, ng_csum_fold(ng_csum_add(0, ip, 20)));
			sum = ng_csum_add(0, ip + 12, 8);
		}
		/* The field holds the pseudo-header's sum (not inverted),
		 * as for a TAP's super-frames. */
		sum += 6 + l4len;
		ng_put16(th + 16, (uint16_t)~ng_csum_fold(sum));
		p->vh.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
		p->vh.gso_type = g->v6 ? VIRTIO_NET_HDR_GSO_TCPV6 :
					 VIRTIO_NET_HDR_GSO_TCPV4;
		p->vh.gso_size = g->mss;
		p->vh.hdr_len = (uint16_t)g->hlen;
		p->vh.csum_start = (uint16_t)g->l4;
		p->vh.csum_offset = 16;
	}
	emit(arg, &p);
	ng_pkt_free(&p);
}

int
ng_gro_add(struct ng_gro *g, struct ng_graph *graph, const uint8_t *f,
    size_t len, size_t l2, void (*emit)(void *arg, struct ng_pkt **seg),
    void *arg)
{
	struct ng_gro m = { 0 };
	struct ng_pkt *p;
	bool ok = ng_gro_parse(f, len, l2, &m);
	size_t n = ok ? len - m.hlen : 0;

	if (ok && g->pkt != NULL && !g->closed && ng_gro_same(g, f, &m) &&
	    ng_get32(f + m.l4 + 4) == g->seq && n <= g->mss &&
	    g->pkt->len + n <= NG_GRO_MAX) {
		memcpy(g->pkt->data + g->pkt->len, f + m.hlen, n);
		g->pkt->len += (uint32_t)n;
		g->pkt->data[g->l4 + 13] |= f[m.l4 + 13] & 0x08; /* PSH */
		g->seq += (uint32_t)n;
		g->segs++;
		if (n < g->mss || (f[m.l4 + 13] & 0x08))
			g->closed = true; /* nothing may follow it */
		return 0;
	}
	ng_gro_flush(g, emit, arg);
	if (len > NG_PKT_BUFSIZE - NG_PKT_HEADROOM)
		return EINVAL;
	if ((p = ng_pkt_alloc(graph)) == NULL)
		return ENOBUFS;
	memcpy(p->data, f, len);
	p->len = (uint32_t)len;
	if (!ok) {
		emit(arg, &p);
		ng_pkt_free(&p);
		return 0;
	}
	m.pkt = p;
	m.seq = ng_get32(f + m.l4 + 4) + (uint32_t)n;
	m.mss = (uint16_t)n;
	m.segs = 1;
	m.closed = (f[m.l4 + 13] & 0x08) != 0;
	*g = m;
	return 0;
}
