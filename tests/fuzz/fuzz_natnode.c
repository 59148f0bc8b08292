/*
 * fuzz_natnode.c: the nat node itself (src/nodes/ng_nat.c), where
 * fuzz_nat.c drives only its engine: frames of every kind in on its two
 * hooks (bare IPv4 or Ethernet, whatever setdlt said; TCP, UDP, ICMP,
 * others, options, fragments, ICMP errors quoting what last came out),
 * with TAP offload metadata as a TAP hands it over (a partial checksum,
 * TCP and UDP super-frames) or as the input says, shared or not; its
 * messages with arguments built from a few addresses and ports or taken
 * from the input; time passing; hooks going and coming; the node saved
 * (as the journal does) and its settings replayed into a second node.
 *
 *   sock (the fuzzer) x --- in [nat N] out --- y sock      [nat M]: replays
 *
 * Frames are put flush against the end of their buffer, so that reading
 * past a frame is reading past an allocation (ASan).
 * Input: a byte of settings, then operations, each one byte then its
 * operands (see the switch at the end).
 * Checked: no crash, leak, hang or undefined behaviour (ASan, UBSan);
 * every packet back in the pool (fuzz.h); a shared frame left as it
 * was; a frame whose checksums were right comes out with them right (a
 * partial one once finished as its receiver would); what a frame or its
 * delivery does to the node (shut down, a hook gone, in the middle of a
 * super-frame's segments) leaves nothing dangling; the settings a save
 * gives, replayed into a fresh node, save the same.
 */
#include <arpa/inet.h>
#include <linux/virtio_net.h>
#include <netgraph/ng_nat.h>

#include "fuzz.h"

#ifndef FUZZ_ENTRY
#define FUZZ_ENTRY LLVMFuzzerTestOneInput
#endif

#define FZT_MAXOPS 256
#define FZT_SAVE_MAX 8192 /* bytes of saved messages compared */
#define FZT_ROOM (NG_PKT_BUFSIZE - NG_PKT_HEADROOM)

/* A port: one of a few, or the input's. */
static uint16_t
fzt_port(struct fz_in *in)
{
	static const uint16_t ports[] = { 0, 53, 80, 1024, 0x8000, 0x8001,
		65535 };
	uint8_t k = fz_u8(in);

	return k & 0x80 ? fz_u16(in) : ports[k % 7];
}

/* --- what the two sides of the node get -------------------------------- */

static struct ng_node *fzt_sock; /* ours */
static bool fzt_good;            /* the frame going in had its sums right */
static size_t fzt_l2;            /* its link header, as it was built */
static unsigned fzt_cut;         /* deliveries to go before fzt_cut_do runs */
static uint8_t fzt_cut_how;
/* The last frame that came out (bare IP), and on which of our hooks. */
static uint8_t fzt_last[2048];
static size_t fzt_last_len;
static bool fzt_last_y;
/* A reply to our messages: the last listredirects one, kept. */
static uint32_t fzt_nrdrs;
static uint32_t fzt_ids[16];

/* Whether the IPv4 packet at b (len bytes) has its sums right: the IP
 * header's, and the transport one where there is one to check whole. */
static bool
fzt_sums_ok(const uint8_t *b, size_t len)
{
	struct fz_ip_sums s = fz_ip_check(b, len);

	return !s.hdr || (s.ip && (!s.l4_known || s.l4));
}

/* A frame's sums as its receiver sees them: a partial one finished (on
 * a copy) first.  false: not right, or not a frame we can tell. */
static bool
fzt_frame_ok(const struct ng_pkt *p, size_t l2)
{
	static uint8_t copy[NG_PKT_BUFSIZE];
	uint32_t start = p->vh.csum_start, off = p->vh.csum_offset;
	uint16_t s;

	if (p->len <= l2)
		return true;
	if (!(p->vh.flags & VIRTIO_NET_HDR_F_NEEDS_CSUM))
		return fzt_sums_ok(p->data + l2, p->len - l2);
	if (start > p->len || off + 2 > p->len - start)
		return true; /* not ours to finish */
	memcpy(copy, p->data, p->len);
	s = fz_fold(fz_sum(0, copy + start, p->len - start));
	fz_put16(copy + start + off, s == 0 && off == 6 ? 0xffff : s);
	return fzt_sums_ok(copy + l2, p->len - l2);
}

/* What a delivery may do to the graph, in the middle of a send. */
static void
fzt_cut_do(void)
{
	struct ng_hook *hk;

	switch (fzt_cut_how % 4) {
	case 0:
		(void)ngt_shutdown(fzt_sock, "N:");
		break;
	case 1:
	case 2:
		if ((hk = ng_find_hook(fzt_sock,
			 fzt_cut_how % 4 == 1 ? "x" : "y")) != NULL)
			ng_rmhook(hk);
		break;
	default: /* the node's mode changes under it */
		(void)ngt_msg(fzt_sock, "N:", NGM_NAT_COOKIE, NGM_NAT_SET_MODE,
		    &(struct ng_nat_mode){ .flags = fzt_cut_how, .mask = ~0u },
		    sizeof(struct ng_nat_mode));
		break;
	}
}

static int
fzt_deliver_data(void *conn, const char *hook, const struct ng_pkt *pkt)
{
	bool gso = pkt->vh.gso_type != VIRTIO_NET_HDR_GSO_NONE;

	fz_deliver_data(conn, hook, pkt);
	if (fzt_good && !gso)
		FUZZ_ASSERT(fzt_frame_ok(pkt, fzt_l2));
	if (pkt->len > fzt_l2 && !gso) {
		fzt_last_len = pkt->len - fzt_l2;
		if (fzt_last_len > sizeof(fzt_last))
			fzt_last_len = sizeof(fzt_last);
		memcpy(fzt_last, pkt->data + fzt_l2, fzt_last_len);
		fzt_last_y = hook[0] == 'y';
	}
	if (fzt_cut > 0 && --fzt_cut == 0)
		fzt_cut_do();
	return 0;
}

static int
fzt_deliver_msg(void *conn, ng_id_t from, const struct ng_mesg *msg)
{
	const struct ng_nat_list_redirects *l = (const void *)msg->data;

	fz_deliver_msg(conn, from, msg);
	if (msg->header.typecookie == NGM_NAT_COOKIE &&
	    msg->header.cmd == NGM_NAT_LIST_REDIRECTS &&
	    msg->header.arglen >= sizeof(*l)) {
		FUZZ_ASSERT(msg->header.arglen ==
		    sizeof(*l) + l->total_count * sizeof(l->redirects[0]));
		fzt_nrdrs = 0;
		for (uint32_t i = 0; i < l->total_count && i < 16; i++)
			fzt_ids[fzt_nrdrs++] = l->redirects[i].id;
	}
	return 0;
}

static const struct ng_socket_ops fzt_sock_ops = {
	.deliver_msg = fzt_deliver_msg,
	.deliver_data = fzt_deliver_data,
	.gone = fz_gone,
};

/* --- the graph ----------------------------------------------------------- */

static bool
fzt_build(struct ng_node *sock)
{
	return ngt_mkpeer(sock, ".", "nat", "x", NG_NAT_HOOK_IN) == 0 &&
	    ngt_name(sock, ".:x", "N") == 0 &&
	    ngt_connect(sock, ".", "N:", "y", NG_NAT_HOOK_OUT) == 0;
}

/* --- frames -------------------------------------------------------------- */

/*
 * IP options (4 to 40 bytes): record route, router alert, NOPs, an end,
 * or one whose length lies.
 */
static size_t
fzt_options(struct fz_in *in, uint8_t *o)
{
	size_t n = 4 * (1 + fz_u8(in) % 10), i = 0;

	memset(o, 0, n);
	while (i < n) {
		switch (fz_u8(in) % 4) {
		case 0:
			o[i++] = 1;
			break;
		case 1:
			if (n - i < 7) {
				o[i++] = 1;
				break;
			}
			o[i] = 7;
			o[i + 1] = 7;
			o[i + 2] = 4;
			i += 7;
			break;
		case 2:
			o[i] = 68;
			if (i + 1 < n)
				o[i + 1] = fz_u8(in);
			i = n;
			break;
		default:
			i = n;
			break;
		}
	}
	return n;
}

/*
 * An IPv4 packet at b from known parts, then plen bytes of the input
 * (zeros past its end): protocol, addresses, ports or ICMP type and id,
 * maybe options, maybe a fragment; its sums right.  Its length.
 */
static size_t
fzt_ipv4(struct fz_in *in, uint8_t *b, size_t plen)
{
	static const uint8_t protos[] = { IPPROTO_TCP, IPPROTO_UDP,
		IPPROTO_ICMP, 47 };
	struct in_addr src = fz_ip_addr(in), dst = fz_ip_addr(in);
	uint8_t shape = fz_u8(in), proto = protos[shape % 4];
	uint16_t a = fzt_port(in), c = fzt_port(in);
	uint8_t flags = fz_u8(in);
	size_t ihl = 20, hl, tot, n;
	const uint8_t *pay;
	uint8_t *t;

	hl = proto == IPPROTO_TCP ? 20 : proto == 47 ? 4 : 8;
	memset(b, 0, 60);
	if (shape & 0x10)
		ihl += fzt_options(in, b + 20);
	tot = ihl + hl + plen;
	b[0] = (uint8_t)(0x40 | ihl / 4);
	fz_put16(b + 2, (uint16_t)tot);
	fz_put16(b + 4, (uint16_t)(a ^ c));
	if (shape & 0x20) /* a fragment: first, middle or last */
		fz_put16(b + 6,
		    (uint16_t)((shape & 0x40 ? 0x2000 : 0) |
			(shape & 0x80 ? fz_u16(in) & 0x1fff : 0)));
	b[8] = 64;
	b[9] = proto;
	memcpy(b + 12, &src, 4);
	memcpy(b + 16, &dst, 4);
	t = b + ihl;
	memset(t, 0, hl);
	pay = fz_bytes(in, plen, &n);
	memcpy(t + hl, pay, n);
	memset(t + hl + n, 0, plen - n);
	fz_ip_finish(b, ihl, hl, plen, a, c, flags);
	return tot;
}

/* An ICMP error about the last frame out, from where it went back to
 * where it came from, quoting up to qlen bytes of it; its sums right. */
static size_t
fzt_error(struct fz_in *in, uint8_t *b)
{
	static const uint8_t types[] = { 3, 4, 11, 12 };
	size_t qlen = fz_u8(in) + 8u;
	uint8_t type = types[fz_u8(in) % 4];

	return fz_icmp_error(b, fzt_last, fzt_last_len, qlen, type);
}

/*
 * Offloads as a TAP sets them on a TCP or UDP packet (bare IP at l2):
 * the checksum partial (the pseudo-header's sum in its field), and
 * maybe a super-frame of segments of some size; or a super-frame whose
 * checksum is whole, or partial from elsewhere than right after the IP
 * header (the node then cuts it into segments itself).
 */
static void
fzt_offload(struct fz_in *in, struct ng_pkt *p, size_t l2)
{
	uint8_t *ip = p->data + l2, how = fz_u8(in);
	size_t ihl = (size_t)(ip[0] & 0x0f) * 4, tot = fz_get16(ip + 2), off;
	uint32_t sum;

	if ((ip[9] != IPPROTO_TCP && ip[9] != IPPROTO_UDP) || tot < ihl)
		return;
	off = ip[9] == IPPROTO_TCP ? 16 : 6;
	if (tot - ihl < off + 2)
		return;
	if (!(how & 0x04)) {
		sum = fz_sum(0, ip + 12, 8) + ip[9] + (uint32_t)(tot - ihl);
		while (sum >> 16)
			sum = (sum & 0xffff) + (sum >> 16);
		fz_put16(ip + ihl + off, (uint16_t)sum);
		p->vh.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
		p->vh.csum_start = (uint16_t)(l2 + ihl);
		p->vh.csum_offset = (uint16_t)off;
		if (how & 0x08) { /* the sum of a bit more: same sum */
			p->vh.csum_start -= 4;
			p->vh.csum_offset += 4;
			fz_put16(ip + ihl + off,
			    (uint16_t)~fz_fold(sum +
				fz_sum(0, ip + ihl - 4, 4)));
		}
	}
	if (how & 0x01) {
		p->vh.gso_type = ip[9] == IPPROTO_TCP ?
		    VIRTIO_NET_HDR_GSO_TCPV4 :
		    5; /* VIRTIO_NET_HDR_GSO_UDP_L4 */
		p->vh.gso_size = (uint16_t)(1 + fz_u16(in) % 1500);
		p->vh.hdr_len = (uint16_t)(l2 + ihl + (off == 16 ? 20 : 8));
		if (how & 0x02)
			p->vh.gso_type |= VIRTIO_NET_HDR_GSO_ECN;
	}
}

/*
 * One frame in on x or y.  shape (op's high bits): raw input bytes or
 * a built packet, Ethernet or bare, offloads; then sent, maybe with a
 * reference of ours held (shared: the node must copy before it writes).
 */
static void
fzt_frame(struct ng_node *sock, struct fz_in *in, uint8_t op)
{
	static uint8_t b[NG_PKT_BUFSIZE];
	uint8_t how = fz_u8(in);
	struct ng_pkt *p, *held = NULL;
	size_t len, l2 = how & 0x01 ? 14 : 0, n;
	const char *hook = how & 0x02 ? "y" : "x";

	/* An error goes back where the last frame came from (or not). */
	if (op & 0x20)
		hook = fzt_last_y != !!(how & 0x02) ? "y" : "x";

	if (how & 0x04) { /* the input's bytes as they are */
		const uint8_t *raw = fz_bytes(in, fz_u16(in) % FZT_ROOM, &n);

		memcpy(b, raw, n);
		len = n;
		l2 = 0;
	} else {
		size_t plen = how & 0x08 ? fz_u16(in) % 65400u : fz_u8(in);

		if (l2 != 0) {
			memset(b, 0, 12);
			b[0] = 0x02;
			b[5] = 1;
			b[6] = 0x02;
			b[11] = 2;
			b[12] = 0x08;
			b[13] = how & 0x10 ? 0x06 : 0x00; /* or ARP's */
		}
		len = l2 +
		    (op & 0x20 ? fzt_error(in, b + l2) :
				 fzt_ipv4(in, b + l2, plen));
	}
	if ((p = ng_pkt_alloc(sock->graph)) == NULL)
		return;
	/* flush against the end of the buffer */
	p->data = p->buf + NG_PKT_BUFSIZE - len;
	p->len = (uint32_t)len;
	memcpy(p->data, b, len);
	if (how & 0x20) /* offloads as the input says */
		fz_vnet_hdr(in, p);
	else if ((how & 0x44) == 0x40)
		fzt_offload(in, p, l2);
	fzt_l2 = l2;
	fzt_good = !(how & 0x24) && len > l2 && fzt_frame_ok(p, l2);
	if (how & 0x80) {
		held = ng_pkt_ref(p);
		memcpy(b, p->data, len); /* as it was sent, offloads done */
	}
	fzt_cut = 0;
	if (op & 0x40) {
		fzt_cut = 1 + fz_u8(in) % 4u;
		fzt_cut_how = fz_u8(in);
	}
	(void)ng_socket_send_data(sock, hook, &p);
	FUZZ_ASSERT(p == NULL);
	fzt_cut = 0;
	fzt_good = false;
	if (held != NULL) {
		FUZZ_ASSERT(held->len == len &&
		    memcmp(held->data, b, len) == 0);
		ng_pkt_free(&held);
	}
}

/* --- messages ------------------------------------------------------------ */

static void
fzt_desc(struct fz_in *in, char *d)
{
	size_t n;
	const uint8_t *s = fz_bytes(in, fz_u8(in) % (NG_NAT_DESC_LENGTH + 4),
	    &n);

	/* maybe not terminated: the node must cut it */
	memcpy(d, s, n < NG_NAT_DESC_LENGTH ? n : NG_NAT_DESC_LENGTH);
}

static uint32_t
fzt_id(struct fz_in *in)
{
	uint8_t k = fz_u8(in);

	if (k & 0x80 || fzt_nrdrs == 0)
		return k & 0x40 ? fz_u32(in) : k & 0x0f;
	return fzt_ids[k % fzt_nrdrs];
}

static void
fzt_msg(struct ng_node *sock, struct fz_in *in, uint8_t op)
{
	uint8_t k = fz_u8(in);
	uint32_t cmd = k % 16;
	union {
		struct in_addr a;
		struct ng_nat_mode m;
		struct ng_nat_redirect_port rp;
		struct ng_nat_redirect_addr ra;
		struct ng_nat_redirect_proto rr;
		struct ng_nat_add_server as;
		uint32_t id;
		uint8_t b[300];
	} u;
	size_t len = 0;
	const uint8_t *s;

	memset(&u, 0, sizeof(u));
	switch (cmd) {
	case 0: /* anything at all */
		cmd = fz_u8(in);
		s = fz_bytes(in, fz_u8(in), &len);
		memcpy(u.b, s, len);
		break;
	case NGM_NAT_SET_IPADDR:
	case NGM_NAT_SET_TARGET:
		u.a = fz_ip_addr(in);
		len = sizeof(u.a);
		break;
	case NGM_NAT_SET_MODE:
		u.m.flags = fz_u16(in);
		u.m.mask = op & 0x80 ? ~0u : fz_u16(in);
		len = sizeof(u.m);
		break;
	case NGM_NAT_REDIRECT_PORT:
		u.rp.local_addr = fz_ip_addr(in);
		u.rp.alias_addr = fz_ip_addr(in);
		u.rp.remote_addr = fz_ip_addr(in);
		u.rp.local_port = fzt_port(in);
		u.rp.alias_port = fzt_port(in);
		u.rp.remote_port = fzt_port(in);
		u.rp.proto = fz_u8(in) & 1 ? IPPROTO_TCP : IPPROTO_UDP;
		fzt_desc(in, u.rp.description);
		len = sizeof(u.rp);
		break;
	case NGM_NAT_REDIRECT_ADDR:
		u.ra.local_addr = fz_ip_addr(in);
		u.ra.alias_addr = fz_ip_addr(in);
		fzt_desc(in, u.ra.description);
		len = sizeof(u.ra);
		break;
	case NGM_NAT_REDIRECT_PROTO:
		u.rr.local_addr = fz_ip_addr(in);
		u.rr.alias_addr = fz_ip_addr(in);
		u.rr.remote_addr = fz_ip_addr(in);
		u.rr.proto = fz_u8(in);
		fzt_desc(in, u.rr.description);
		len = sizeof(u.rr);
		break;
	case NGM_NAT_REDIRECT_DYNAMIC:
	case NGM_NAT_REDIRECT_DELETE:
	case 15: /* setnextid */
		if (cmd == 15)
			cmd = NGM_NAT_SET_NEXTID;
		u.id = fzt_id(in);
		len = sizeof(u.id);
		break;
	case NGM_NAT_ADD_SERVER:
		u.as.id = fzt_id(in);
		u.as.addr = fz_ip_addr(in);
		u.as.port = fzt_port(in);
		len = sizeof(u.as);
		break;
	case NGM_NAT_PROXY_RULE: {
		static const char *const rules[] = {
			"port 80 server 198.18.0.5:8080",
			"type encode_ip_hdr port 80 server 198.18.0.5:8080",
			"port 25 server 198.18.0.2 src 10.0.0.0/8",
			"delete 1",
		};

		if (op & 0x80) {
			const char *r = rules[fz_u8(in) % 4];

			len = strlen(r);
			memcpy(u.b, r, len);
		} else {
			s = fz_bytes(in, fz_u16(in) % 280, &len);
			memcpy(u.b, s, len);
		}
		break;
	}
	case NGM_NAT_SET_DLT:
		u.b[0] = fz_u8(in) & 1 ? NG_NAT_DLT_EN10MB : NG_NAT_DLT_RAW;
		if (op & 0x80)
			u.b[0] = in->left > 0 ? *in->p : 0;
		len = 1;
		break;
	default: /* listredirects, libaliasinfo, getdlt, 14 */
		break;
	}
	if (op & 0x40 && len > 0) /* shorter than the command wants */
		len = fz_u8(in) % len;
	(void)ngt_msg(sock, "N:", NGM_NAT_COOKIE, cmd, u.b, len);
}

/* --- save and replay ----------------------------------------------------- */

struct fzt_saved {
	struct ng_node *sock;
	uint8_t buf[FZT_SAVE_MAX];
	size_t len;
	bool replay, cut;
};

static int
fzt_emit(void *arg, struct ng_node *node, const struct ng_mesg *m)
{
	struct fzt_saved *s = arg;
	size_t n = sizeof(m->header) + m->header.arglen;

	(void)node;
	FUZZ_ASSERT(m->header.typecookie == NGM_NAT_COOKIE);
	if (s->len + n <= sizeof(s->buf)) {
		memcpy(s->buf + s->len, m, n);
		s->len += n;
	} else {
		s->cut = true;
	}
	if (s->replay)
		FUZZ_ASSERT(ngt_msg(s->sock, "M:", m->header.typecookie,
				m->header.cmd, m->data, m->header.arglen) == 0);
	return 0;
}

/* N's settings saved, replayed into a new node M, M's saved: the same. */
static void
fzt_save(struct ng_node *sock)
{
	static struct fzt_saved a, b;
	struct ng_node *n = ngt_node(sock, "N:"), *m;

	if (n == NULL || n->type->save == NULL)
		return;
	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	if (ngt_mkpeer(sock, ".", "nat", "m", NG_NAT_HOOK_IN) != 0)
		return;
	FUZZ_ASSERT(ngt_name(sock, ".:m", "M") == 0);
	m = ngt_node(sock, "M:");
	FUZZ_ASSERT(m != NULL);
	a.sock = sock;
	a.replay = true;
	FUZZ_ASSERT(n->type->save(n, fzt_emit, &a) == 0);
	FUZZ_ASSERT(m->type->save(m, fzt_emit, &b) == 0);
	if (!a.cut && !b.cut)
		FUZZ_ASSERT(a.len == b.len && memcmp(a.buf, b.buf, a.len) == 0);
	(void)ngt_shutdown(sock, "M:");
}

/* --- operations ---------------------------------------------------------- */

static bool
fzt_op(struct ng_graph *g, struct ng_node *sock, struct fz_in *in, uint8_t op)
{
	switch (op & 0x0f) {
	case 0:
	case 1:
	case 2:
	case 3:
	case 4:
	case 5:
		fzt_frame(sock, in, op);
		break;
	case 6:
	case 7:
	case 8:
		fzt_msg(sock, in, op);
		break;
	case 9: /* time passes: links expire */
		fz_now += op & 0x80 ? (uint64_t)fz_u16(in) * 1000 : fz_u16(in);
		(void)ng_timers_run(g);
		break;
	case 10: { /* one of our hooks goes, or comes (back) */
		const char *ours = op & 0x10 ? "y" : "x";
		struct ng_hook *hk = ng_find_hook(sock, ours);

		if (hk != NULL)
			ng_rmhook(hk);
		else
			(void)ngt_connect(sock, ".", "N:", ours,
			    op & 0x10 ? NG_NAT_HOOK_OUT : NG_NAT_HOOK_IN);
		break;
	}
	case 11: /* the node goes, and comes back */
		if (ngt_node(sock, "N:") != NULL) {
			(void)ngt_shutdown(sock, "N:");
		} else {
			struct ng_hook *hk;

			while ((hk = sock->hooks) != NULL)
				ng_rmhook(hk);
			(void)fzt_build(sock);
		}
		break;
	case 12:
		fzt_save(sock);
		break;
	default:
		break;
	}
	return true;
}

/* Our socket node and the nat node, the input's operations' state
 * from nothing. */
static struct ng_node *
fzt_make(struct ng_graph *g, struct fz_client *c)
{
	fzt_last_len = 0;
	fzt_nrdrs = 0;
	fzt_cut = 0;
	fzt_good = false;
	if ((fzt_sock = fz_socket(g, c)) != NULL)
		FUZZ_ASSERT(fzt_build(fzt_sock));
	return fzt_sock;
}

/* Settings first, mostly an alias address (else frames pass as they
 * are), then operations. */
static void
fzt_setup(struct ng_node *sock, struct fz_in *in)
{
	uint8_t set = fz_u8(in);

	if (!(set & 0x01))
		FUZZ_ASSERT(ngt_msg(sock, "N:", NGM_NAT_COOKIE,
				NGM_NAT_SET_IPADDR,
				&(struct in_addr){ htonl(0xc633640a) },
				sizeof(struct in_addr)) == 0);
	if (set & 0x02)
		FUZZ_ASSERT(ngt_msg(sock, "N:", NGM_NAT_COOKIE, NGM_NAT_SET_DLT,
				&(uint8_t){ NG_NAT_DLT_EN10MB }, 1) == 0);
}

int FUZZ_ENTRY(const uint8_t *data, size_t size);

int
FUZZ_ENTRY(const uint8_t *data, size_t size)
{
	(void)fz_run_on(fz_graph(&fzt_sock_ops), data, size, FZT_MAXOPS,
	    fzt_make, fzt_setup, fzt_op);
	fzt_sock = NULL;
	return 0;
}
