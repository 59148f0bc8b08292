/*
 * test_nat.c: the nat node in an in-process graph, with a client that
 * keeps every frame whole so each checksum can be recomputed.
 *
 *   sock "i" ---- in [ nat N ] out ---- "o" sock
 *   (outside: 198.18.0.2)        (inside: 198.51.100.10), alias 203.0.113.1
 *
 * Framing (DLT_RAW, DLT_EN10MB), what passes unchanged and what is
 * dropped (§9.11), TAP super-frames segmented before translation, the
 * messages' errors, expiry through the graph's clock, the node's death.
 */
#include <arpa/inet.h>

#include <netgraph/ng_nat.h>

#include "ngtest.h"

#include "../../src/nodes/ng_nat_alias.h"

#define MAXKEEP 64

/* Frames the client got, whole. */
static struct {
	char hook[NG_HOOKSIZ];
	uint32_t len;
	uint8_t data[2048];
	struct virtio_net_hdr vh;
} kept[MAXKEEP];
static unsigned nkept;

static int
keep_data(void *conn, const char *hook, const struct ng_pkt *pkt)
{
	if (nkept < MAXKEEP) {
		snprintf(kept[nkept].hook, NG_HOOKSIZ, "%s", hook);
		kept[nkept].len = pkt->len;
		memcpy(kept[nkept].data, pkt->data,
		    pkt->len < 2048 ? pkt->len : 2048);
		kept[nkept].vh = pkt->vh;
	}
	nkept++;
	return ngt_deliver_data(conn, hook, pkt);
}

static const struct ng_socket_ops keep_ops = {
	.deliver_msg = ngt_deliver_msg,
	.deliver_data = keep_data,
	.gone = ngt_gone,
};

static struct ngt_conn conn;
static struct ng_node *sock;

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

/* UDP from src:sport to dst:dport, plen bytes, at b (IP header first). */
static size_t
mk_udp(uint8_t *b, const char *src, uint16_t sport, const char *dst,
    uint16_t dport, size_t plen)
{
	size_t tot = 28 + plen;
	uint32_t sum;

	memset(b, 0, tot);
	b[0] = 0x45;
	p16(b + 2, (uint16_t)tot);
	b[8] = 64;
	b[9] = IPPROTO_UDP;
	inet_pton(AF_INET, src, b + 12);
	inet_pton(AF_INET, dst, b + 16);
	p16(b + 10, ng_alias_fold(ng_alias_sum(0, b, 20)));
	p16(b + 20, sport);
	p16(b + 22, dport);
	p16(b + 24, (uint16_t)(8 + plen));
	for (size_t i = 0; i < plen; i++)
		b[28 + i] = (uint8_t)(i + 1);
	sum = ng_alias_sum(0, b + 12, 8) + IPPROTO_UDP + (uint32_t)(8 + plen);
	p16(b + 26, ng_alias_fold(ng_alias_sum(sum, b + 20, 8 + plen)));
	return tot;
}

static bool
sums_ok(const uint8_t *ip)
{
	size_t hl = (size_t)(ip[0] & 0xf) * 4, tot = g16(ip + 2);
	uint32_t sum;

	if (ng_alias_fold(ng_alias_sum(0, ip, hl)) != 0)
		return false;
	sum = ng_alias_sum(0, ip + 12, 8) + ip[9] + (uint32_t)(tot - hl);
	return ng_alias_fold(ng_alias_sum(sum, ip + hl, tot - hl)) == 0;
}

/* Send len bytes of b (after l2 bytes of Ethernet if l2) on our hook. */
static int
send_on(const char *hook, const uint8_t *b, size_t len, bool ether,
    const struct virtio_net_hdr *vh)
{
	struct ng_pkt *p = ng_pkt_alloc(sock->graph);
	size_t l2 = ether ? 14 : 0;

	if (p == NULL)
		return ENOBUFS;
	if (ether) {
		memcpy(p->data, "\x02\0\0\0\0\x01\x02\0\0\0\0\x02\x08\x00", 14);
	}
	memcpy(p->data + l2, b, len);
	p->len = (uint32_t)(l2 + len);
	if (vh != NULL)
		p->vh = *vh;
	nkept = 0;
	ngt_clear(&conn);
	return ng_socket_send_data(sock, hook, &p); /* consumes p */
}

static char *
addr(const uint8_t *p)
{
	static char s[2][INET_ADDRSTRLEN];
	static int k;

	k ^= 1;
	return (char *)inet_ntop(AF_INET, p, s[k], sizeof(s[k]));
}

static int
msg(uint32_t cmd, const void *arg, size_t len)
{
	return ngt_msg(sock, "N:", NGM_NAT_COOKIE, cmd, arg, len);
}

static void
test_data(struct ng_graph *g)
{
	uint8_t b[2048];
	struct in_addr a;
	size_t n;
	uint8_t dlt;
	uint32_t mode[2];

	/* one hook: ENXIO */
	CHECK_INT("mkpeer nat", ngt_mkpeer(sock, ".", "nat", "i", "in"), 0);
	CHECK_INT("name", ngt_name(sock, ".:i", "N"), 0);
	n = mk_udp(b, "198.18.0.2", 53, "203.0.113.1", 5000, 8);
	CHECK_INT("one hook: ENXIO", send_on("i", b, n, false, NULL), ENXIO);
	CHECK_INT("bad hook name", ngt_connect(sock, ".", "N:", "x", "up"),
	    EINVAL);
	CHECK_INT("connect out", ngt_connect(sock, ".", "N:", "o", "out"), 0);
	/* no alias address yet: unchanged */
	n = mk_udp(b, "198.51.100.10", 5000, "198.18.0.2", 53, 8);
	CHECK_INT("no address: sent", send_on("o", b, n, false, NULL), 0);
	CHECK("no address: out by in, unchanged",
	    nkept == 1 && strcmp(kept[0].hook, "i") == 0 &&
		memcmp(kept[0].data, b, n) == 0);

	inet_pton(AF_INET, "203.0.113.1", &a);
	CHECK_INT("setaliasaddr", msg(NGM_NAT_SET_IPADDR, &a, 4), 0);
	CHECK_INT("setaliasaddr short", msg(NGM_NAT_SET_IPADDR, &a, 3), EINVAL);
	n = mk_udp(b, "198.51.100.10", 5000, "198.18.0.2", 53, 8);
	send_on("o", b, n, false, NULL);
	CHECK("raw out: one frame on in",
	    nkept == 1 && strcmp(kept[0].hook, "i") == 0);
	CHECK_STR("raw out: aliased", addr(kept[0].data + 12), "203.0.113.1");
	CHECK("raw out: checksums", sums_ok(kept[0].data));
	n = mk_udp(b, "198.18.0.2", 53, "203.0.113.1", 5000, 8);
	send_on("i", b, n, false, NULL);
	CHECK("raw in: one frame on out",
	    nkept == 1 && strcmp(kept[0].hook, "o") == 0);
	CHECK_STR("raw in: de-aliased", addr(kept[0].data + 16),
	    "198.51.100.10");
	CHECK("raw in: checksums", sums_ok(kept[0].data));

	/* what passes unchanged: not IPv4 */
	b[0] = 0x60;
	send_on("o", b, n, false, NULL);
	CHECK("raw IPv6: unchanged",
	    nkept == 1 && memcmp(kept[0].data, b, n) == 0);
	/* what is dropped: shorter than its IP length (it would leave
	 * untranslated), a malformed header, either way */
	n = mk_udp(b, "198.18.0.2", 5001, "203.0.113.1", 53, 8);
	CHECK_INT("shorter than its IP length out: EINVAL",
	    send_on("o", b, n - 1, false, NULL), EINVAL);
	CHECK_INT("... nothing sent", nkept, 0);
	n = mk_udp(b, "203.0.113.1", 53, "198.51.100.10", 5001, 8);
	CHECK_INT("shorter than its IP length in: EINVAL",
	    send_on("i", b, n - 1, false, NULL), EINVAL);
	CHECK_INT("... nothing sent", nkept, 0);
	n = mk_udp(b, "198.51.100.10", 5001, "198.18.0.2", 53, 8);
	b[0] = 0x44;
	CHECK_INT("bad header length out: EINVAL",
	    send_on("o", b, n, false, NULL), EINVAL);
	CHECK_INT("... nothing sent", nkept, 0);
	CHECK_INT("bad header length in: EINVAL",
	    send_on("i", b, n, false, NULL), EINVAL);
	/* an unresolved fragment in */
	n = mk_udp(b, "198.18.0.2", 53, "203.0.113.1", 5000, 8);
	p16(b + 6, 100);
	p16(b + 10, 0);
	p16(b + 10, ng_alias_fold(ng_alias_sum(0, b, 20)));
	CHECK_INT("unresolved fragment in: EINVAL",
	    send_on("i", b, n, false, NULL), EINVAL);
	/* unsolicited in: passes, unless incoming is denied */
	n = mk_udp(b, "198.18.0.2", 53, "203.0.113.1", 7777, 8);
	CHECK_INT("unsolicited in: passes", send_on("i", b, n, false, NULL), 0);
	CHECK_INT("... as it was",
	    nkept == 1 && memcmp(kept[0].data, b, n) == 0, 1);
	mode[0] = NG_NAT_DENY_INCOMING;
	mode[1] = NG_NAT_DENY_INCOMING;
	CHECK_INT("setmode deny_incoming", msg(NGM_NAT_SET_MODE, mode, 8), 0);
	CHECK_INT("setmode short", msg(NGM_NAT_SET_MODE, mode, 7), EINVAL);
	CHECK_INT("unsolicited in, denied: EINVAL",
	    send_on("i", b, n, false, NULL), EINVAL);
	CHECK_INT("... dropped", nkept, 0);
	mode[0] = 0;
	msg(NGM_NAT_SET_MODE, mode, 8);

	/* Ethernet framing */
	dlt = 7;
	CHECK_INT("setdlt 7: EINVAL", msg(NGM_NAT_SET_DLT, &dlt, 1), EINVAL);
	CHECK_INT("setdlt empty: EINVAL", msg(NGM_NAT_SET_DLT, &dlt, 0),
	    EINVAL);
	dlt = NG_NAT_DLT_EN10MB;
	CHECK_INT("setdlt 1", msg(NGM_NAT_SET_DLT, &dlt, 1), 0);
	CHECK_INT("getdlt", msg(NGM_NAT_GET_DLT, NULL, 0), 0);
	CHECK("getdlt replies 1",
	    ngt_last_msg(&conn) != NULL &&
		ngt_last_msg(&conn)->header.arglen == 1 &&
		ngt_last_msg(&conn)->data[0] == 1);
	n = mk_udp(b, "198.51.100.10", 5002, "198.18.0.2", 53, 8);
	send_on("o", b, n, true, NULL);
	CHECK("ether out: one frame", nkept == 1);
	CHECK("ether out: MACs kept",
	    memcmp(kept[0].data, "\x02\0\0\0\0\x01\x02\0\0\0\0\x02\x08\x00",
		14) == 0);
	CHECK_STR("ether out: aliased", addr(kept[0].data + 14 + 12),
	    "203.0.113.1");
	CHECK("ether out: checksums", sums_ok(kept[0].data + 14));
	/* ARP is not touched */
	memset(b, 0x11, 28);
	{
		struct ng_pkt *p = ng_pkt_alloc(g);

		memcpy(p->data,
		    "\xff\xff\xff\xff\xff\xff\x02\0\0\0\0\x02\x08\x06", 14);
		memcpy(p->data + 14, b, 28);
		p->len = 42;
		nkept = 0;
		ng_socket_send_data(sock, "o", &p);
		CHECK("ether ARP: passes unchanged",
		    nkept == 1 && kept[0].len == 42 &&
			memcmp(kept[0].data + 14, b, 28) == 0);
	}
}

/* A TCP super-frame from a TAP: cut, and each piece translated. */
static void
test_gso(void)
{
	uint8_t b[9000];
	struct virtio_net_hdr vh;
	size_t payload = 5000, tot = 40 + payload;
	uint32_t sum;
	bool ok = true;

	memset(b, 0, tot);
	b[0] = 0x45;
	p16(b + 2, (uint16_t)tot);
	b[8] = 64;
	b[9] = IPPROTO_TCP;
	inet_pton(AF_INET, "198.51.100.10", b + 12);
	inet_pton(AF_INET, "198.18.0.2", b + 16);
	p16(b + 10, ng_alias_fold(ng_alias_sum(0, b, 20)));
	p16(b + 20, 40100);
	p16(b + 22, 80);
	b[32] = 5 << 4;
	b[33] = 0x18;
	for (size_t i = 0; i < payload; i++)
		b[40 + i] = (uint8_t)(i * 3);
	/* the pseudo-header sum alone, as the kernel leaves it */
	sum = ng_alias_sum(0, b + 12, 8) + IPPROTO_TCP + (uint32_t)(tot - 20);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	p16(b + 36, (uint16_t)sum);
	memset(&vh, 0, sizeof(vh));
	vh.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
	vh.csum_start = 14 + 20;
	vh.csum_offset = 16;
	vh.gso_type = VIRTIO_NET_HDR_GSO_TCPV4;
	vh.gso_size = 1448;
	vh.hdr_len = 14 + 40;
	CHECK_INT("gso: sent", send_on("o", b, tot, true, &vh), 0);
	CHECK_INT("gso: four segments", nkept, 4);
	for (unsigned i = 0; i < nkept && i < MAXKEEP; i++) {
		const uint8_t *ip = kept[i].data + 14;

		if (strcmp(addr(ip + 12), "203.0.113.1") != 0 || !sums_ok(ip) ||
		    kept[i].vh.gso_type != 0)
			ok = false;
	}
	CHECK("gso: every segment aliased, checksums whole", ok);
	/* a partial checksum alone is finished, then translated */
	vh.gso_type = VIRTIO_NET_HDR_GSO_NONE;
	vh.gso_size = 0;
	tot = 40 + 100;
	p16(b + 2, (uint16_t)tot);
	p16(b + 10, 0);
	p16(b + 10, ng_alias_fold(ng_alias_sum(0, b, 20)));
	sum = ng_alias_sum(0, b + 12, 8) + IPPROTO_TCP + (uint32_t)(tot - 20);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	p16(b + 36, (uint16_t)sum);
	send_on("o", b, tot, true, &vh);
	CHECK("partial checksum: finished and aliased",
	    nkept == 1 && sums_ok(kept[0].data + 14) &&
		!(kept[0].vh.flags & VIRTIO_NET_HDR_F_NEEDS_CSUM));
}

static void
test_messages(struct ng_graph *g)
{
	struct ng_nat_redirect_port rp;
	struct ng_nat_add_server as;
	const struct ng_mesg *r;
	uint32_t id;

	memset(&rp, 0, sizeof(rp));
	inet_pton(AF_INET, "198.51.100.20", &rp.local_addr);
	rp.local_port = 80;
	rp.alias_port = 8080;
	rp.proto = 6;
	CHECK_INT("redirectport short", msg(NGM_NAT_REDIRECT_PORT, &rp, 83),
	    EINVAL);
	rp.proto = 1;
	CHECK_INT("redirectport proto 1: ENOMEM (FreeBSD's)",
	    msg(NGM_NAT_REDIRECT_PORT, &rp, sizeof(rp)), ENOMEM);
	rp.proto = 6;
	CHECK_INT("redirectport", msg(NGM_NAT_REDIRECT_PORT, &rp, sizeof(rp)),
	    0);
	r = ngt_last_msg(&conn);
	CHECK("redirectport replies id 1",
	    r != NULL && r->header.arglen == 4 &&
		memcmp(r->data, "\1\0\0\0", 4) == 0);
	CHECK_INT("redirectport again",
	    msg(NGM_NAT_REDIRECT_PORT, &rp, sizeof(rp)), 0);
	r = ngt_last_msg(&conn);
	CHECK("... id 2", r != NULL && memcmp(r->data, "\2\0\0\0", 4) == 0);
	id = 9;
	CHECK_INT("redirectdelete 9: ENOENT",
	    msg(NGM_NAT_REDIRECT_DELETE, &id, 4), ENOENT);
	CHECK_INT("redirectdynamic 9: ENOENT",
	    msg(NGM_NAT_REDIRECT_DYNAMIC, &id, 4), ENOENT);
	CHECK_INT("redirectdelete short", msg(NGM_NAT_REDIRECT_DELETE, &id, 3),
	    EINVAL);
	id = 1;
	CHECK_INT("redirectdynamic of a wildcard redirect: ENOTTY",
	    msg(NGM_NAT_REDIRECT_DYNAMIC, &id, 4), ENOTTY);
	memset(&as, 0, sizeof(as));
	as.id = 9;
	CHECK_INT("addserver 9: ENOENT", msg(NGM_NAT_ADD_SERVER, &as, 12),
	    ENOENT);
	as.id = 2;
	CHECK_INT("addserver short", msg(NGM_NAT_ADD_SERVER, &as, 11), EINVAL);
	CHECK_INT("addserver", msg(NGM_NAT_ADD_SERVER, &as, 12), 0);
	CHECK_INT("redirectdelete 1", msg(NGM_NAT_REDIRECT_DELETE, &id, 4), 0);
	CHECK_INT("listredirects", msg(NGM_NAT_LIST_REDIRECTS, NULL, 0), 0);
	r = ngt_last_msg(&conn);
	CHECK("listredirects: one, id 2, lsnat 1",
	    r != NULL &&
		r->header.arglen == 4 + sizeof(struct ng_nat_listrdrs_entry) &&
		((const struct ng_nat_list_redirects *)r->data)->total_count ==
		    1 &&
		((const struct ng_nat_list_redirects *)r->data)
			->redirects[0]
			.id == 2 &&
		((const struct ng_nat_list_redirects *)r->data)
			->redirects[0]
			.lsnat == 1);
	CHECK_INT("proxyrule short", msg(NGM_NAT_PROXY_RULE, "port", 5),
	    EINVAL);
	CHECK_INT("proxyrule bad: ENOMEM (FreeBSD's)",
	    msg(NGM_NAT_PROXY_RULE, "port 80 nonsense", 17), ENOMEM);
	CHECK_INT("proxyrule",
	    msg(NGM_NAT_PROXY_RULE, "port 80 server 198.18.0.9", 26), 0);
	CHECK_INT("unknown command", msg(99, NULL, 0), EINVAL);
	CHECK_INT("libaliasinfo", msg(NGM_NAT_LIBALIAS_INFO, NULL, 0), 0);
	r = ngt_last_msg(&conn);
	CHECK("libaliasinfo: 36 bytes", r != NULL && r->header.arglen == 36);
	CHECK("libaliasinfo: UDP links",
	    r != NULL &&
		((const struct ng_nat_libalias_info *)r->data)->udpLinkCount >
		    0);
	/* links time out through the graph's clock */
	ngt_advance(g, 61);
	msg(NGM_NAT_LIBALIAS_INFO, NULL, 0);
	r = ngt_last_msg(&conn);
	CHECK(
	    "libaliasinfo after 61 s: no UDP links; the TCP one and redirect 2",
	    r != NULL &&
		((const struct ng_nat_libalias_info *)r->data)->udpLinkCount ==
		    0 &&
		((const struct ng_nat_libalias_info *)r->data)->tcpLinkCount ==
		    2);
}

int
main(void)
{
	struct ng_graph_cfg cfg = {
		.types = ng_nodes_types,
		.backends =
		    (const struct ng_backend[]){
			{ NGM_SOCKET_COOKIE, &keep_ops, NULL },
			{ 0, NULL, NULL },
		    },
		.clock_ms = ngt_clock,
	};
	struct ng_graph *g;

	if (ng_graph_new(&cfg, &g) != 0)
		return 1;
	sock = ngt_socket(g, &conn);
	test_data(g);
	test_gso();
	test_messages(g);
	/* both hooks gone: the node goes */
	CHECK_INT("rmhook in", ngt_rmhook(sock, ".", "i"), 0);
	CHECK_INT("one hook left: alive", ngt_count_type(g, "nat"), 1);
	CHECK_INT("rmhook out", ngt_rmhook(sock, ".", "o"), 0);
	CHECK_INT("no hooks: gone", ngt_count_type(g, "nat"), 0);
	ngt_close(&conn);
	ng_graph_free(g);
	return ngt_done();
}
