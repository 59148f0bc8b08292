/*
 * diff_common.h: what the two differential tests of the fast path
 * (diff_fast.c, which writes the maps itself, and diff_fast_ngd.c, which
 * runs ngd's writer) share: the random numbers and frames, the node-side
 * graph (its shapes, ports and vlan settings), the reference's outcome
 * of a frame, the bridge's hosts and the ports' counters compared, and
 * the report of a divergence.  Included once, by each test's one source
 * file; each defines, for what is here:
 *   msg()         a message to the graph (or graphs) under test
 *   eiface_on()   eiface k on a node's hook
 *   bport_new()   the bridge's next port
 *   tables()      a bridge's table, the node's and the program's map
 *   node_counts(), prog_counts()  a bridge's counters, either side
 * and sets ifx, pid and tapidx (and, to run the programs in another
 * network namespace, dpns and ownns) before a frame.
 */
#ifndef DIFF_COMMON_H
#define DIFF_COMMON_H

#include <errno.h>
#include <stdarg.h>
#include <sched.h>
#include <linux/pkt_cls.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include <netgraph/ng_vlan.h>

#include "fuzz.h"
#include "ng_fast_bpf.h"
#include "diff_fast.h"

#define NREAL 4 /* eifaces a frame may come from: veth ends */
/* A hub or bridge this wide floods in two slices (NG_FAST_BPF_FLOOD_SLICE
 * copies a run): its eifaces past NREAL only receive, their ifindexes
 * made up (the program's copies are recorded, not sent). */
#define NPORTS 72

enum shape { BRIDGE, HUB, DIRECT, VLAN, VPORT, FVPORT, NSHAPES };
static const char *const shape_name[] = { "bridge", "hub", "direct", "vlan",
	"vport", "fvport" };

/* --- random numbers ---------------------------------------------------- */

static uint64_t rng;

/* what a campaign ran */
static unsigned long frames, graphs, wide, slices, slow_frames, kernel_drops,
    untested, diverged;

static uint32_t
rnd(uint32_t n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return n != 0 ? (uint32_t)(rng % n) : 0;
}

/* --- one frame out, either side ----------------------------------------- */

struct out {
	int port; /* 0..NPORTS-1 */
	uint32_t len;
	uint8_t data[FZD_SNAP + 8];
};

struct outcome {
	unsigned n;
	struct out o[FZD_MAXREC];
	bool slow; /* the program gave it ngd */
};

static int
out_cmp(const void *a, const void *b)
{
	const struct out *x = a, *y = b;

	if (x->port != y->port)
		return x->port - y->port;
	if (x->len != y->len)
		return x->len < y->len ? -1 : 1;
	return memcmp(x->data, y->data, x->len);
}

/* Frame f with tag (proto, tci; network order proto) inline after the
 * addresses. */
static uint32_t
inline_tag(uint8_t *dst, const uint8_t *f, uint32_t len, uint16_t proto_be,
    uint16_t tci)
{
	memcpy(dst, f, 12);
	memcpy(dst + 12, &proto_be, 2);
	dst[14] = (uint8_t)(tci >> 8);
	dst[15] = (uint8_t)tci;
	memcpy(dst + 16, f + 12, len - 12);
	return len + 4;
}

/* --- the node side ------------------------------------------------------ */

/*
 * A frame of an 802.1Q or 802.1ad type of under min bytes.  Under 18, too
 * short for its tag: no interface gets one (an eiface refuses it, and a
 * trunk's frame that becomes one, its inner tag cut short, is the vlan
 * node's, ng_fast_vl_lost), so a node's copy of one goes nowhere either
 * way.  Under 20: what a graph-side end's receive drops before tc
 * (skb_vlan_untag wants 6 bytes after the type), so no port's program
 * ever sees one come in.
 */
static bool
vlan_runt(const uint8_t *f, uint32_t len, uint32_t min)
{
	return len >= 14 && len < min &&
	    ((f[12] == 0x81 && f[13] == 0) || (f[12] == 0x88 && f[13] == 0xa8));
}

static unsigned long undeliverable;
static bool undelivered; /* this frame: a copy no interface gets */
/* eifaces whose interface is down (diff_fast_ngd's port_flip): they
 * send nothing, and refuse what the graph sends them (ENETDOWN) */
static bool port_down[NPORTS];
static unsigned long down_frames;

static struct outcome node_out;
static struct ng_mesg *last_msg;

/* A client's answer kept in *keep (the last one's freed). */
static void
msg_keep(struct ng_mesg **keep, const struct ng_mesg *msg)
{
	size_t n = sizeof(*msg) + msg->header.arglen;

	free(*keep);
	if ((*keep = malloc(n)) != NULL)
		memcpy(*keep, msg, n);
}

static int
node_deliver_msg(void *conn, ng_id_t from, const struct ng_mesg *msg)
{
	(void)conn;
	(void)from;
	msg_keep(&last_msg, msg);
	return 0;
}

static int
node_deliver_data(void *conn, const char *hook, const struct ng_pkt *pkt)
{
	struct out *o;

	(void)conn;
	FUZZ_ASSERT(hook[0] == 'e' && atoi(hook + 1) < NPORTS);
	if (port_down[atoi(hook + 1)])
		return ENETDOWN; /* as an eiface whose interface is down */
	if (node_out.n >= FZD_MAXREC || pkt->len < 12 || pkt->len > FZD_SNAP)
		return 0;
	if (vlan_runt(pkt->data, pkt->len, 18) && !pkt->vlan_tagged) {
		undeliverable++; /* as frame_one's: no interface gets it */
		undelivered = true;
		/* refused, as the eiface refuses it (ng_eiface_rcvdata):
		 * not counted sent by the node that sent it */
		return EINVAL;
	}
	o = &node_out.o[node_out.n++];
	o->port = atoi(hook + 1);
	if (pkt->vlan_tagged)
		o->len = inline_tag(o->data, pkt->data, pkt->len, htons(0x8100),
		    pkt->vlan_tag);
	else {
		o->len = pkt->len;
		memcpy(o->data, pkt->data, pkt->len);
	}
	return 0;
}

static void
node_gone(void *conn)
{
	((struct fz_client *)conn)->node = NULL;
}

static const struct ng_socket_ops node_ops = {
	.deliver_msg = node_deliver_msg,
	.deliver_data = node_deliver_data,
	.gone = node_gone,
};

/* --- the graph ------------------------------------------------------------ */

#define NBPORTS (NPORTS + 4)

/* A bridge's port: an eiface's (eport, its index), or a vlan node's, with
 * no device: a vport (its downstream) or an fvport (one of its filters,
 * vid and tag). */
struct bport {
	uint32_t key, slot;
	char hook[32];   /* the bridge's */
	int32_t linknum; /* getstats' number */
	int eport;       /* the eiface, or -1 */
	uint16_t vid, tag;
};

struct graph {
	enum shape shape;
	unsigned n;            /* eifaces e0..e(n-1) */
	char on[NPORTS];       /* what each is on: B, H, V or D (direct) */
	char hook[NPORTS][32]; /* the hook there */
	struct ng_graph *g;
	struct fz_client c;
	struct ng_node *sock, *br, *hub, *vl;
	struct ng_node *bb, *vb; /* diff_fast_ngd: ngd's bridge and vlan node */
	unsigned nb;
	struct bport bp[NBPORTS];
	/* the vlan node */
	uint16_t proto;
	uint32_t encap, decap;
	int trunk;      /* its downstream's eiface, or -1: a vport */
	uint32_t vport; /* its downstream's key on the bridge, or 0 */
	int nomatch;    /* its eiface, or -1 */
	uint16_t vid[NPORTS], tag[NPORTS]; /* an eiface's filter */
	bool filter[NPORTS];
	char desc[384];
	size_t dlen;
};

static struct graph G;

static int msg(const char *path, uint32_t cookie, uint32_t cmd, const void *arg,
    size_t len);
static void eiface_on(unsigned k, char on, const char *type, const char *hook);
static struct bport *bport_new(int eport, const char *vhook);

static void describe(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));

static void
describe(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (G.dlen < sizeof(G.desc))
		G.dlen += (size_t)vsnprintf(G.desc + G.dlen,
		    sizeof(G.desc) - G.dlen, fmt, ap);
	va_end(ap);
}

/* A filter for hook of the vlan node, a VID not taken yet; its tag. */
static uint16_t
vlan_filter(const char *hook, bool used[5], uint16_t *vidp)
{
	static const uint16_t vids[] = { 0, 1, 10, 20, 4095 };
	struct ng_vlan_filter f;
	unsigned i;

	memset(&f, 0, sizeof(f));
	ngt_copy(f.hook_name, hook, sizeof(f.hook_name));
	do
		i = rnd(5);
	while (used[i]);
	used[i] = true;
	f.vid = vids[i];
	f.pcp = (uint8_t)rnd(8);
	f.cfi = (uint8_t)rnd(2);
	FUZZ_ASSERT(msg("V:", NGM_VLAN_COOKIE, NGM_VLAN_ADD_FILTER, &f,
			sizeof(f)) == 0);
	*vidp = f.vid;
	describe(" %s:vid=%u", hook, f.vid);
	return (uint16_t)(f.vid | f.cfi << 12 | f.pcp << 13);
}

/* The vlan node's settings: for a vport or fvports, ones ngd mirrors
 * (fastpath_vlan.c: ngd_vl_complete, ngd_vl_fv_list). */
static void
vlan_settings(void)
{
	G.proto = rnd(3) == 0 ? 0x88a8 : 0x8100;
	G.encap = rnd(5) == 0 ? 0 : VLAN_ENCAP_FROM_FILTER;
	G.decap = rnd(5) == 0;
	if (G.shape == VPORT && G.nomatch >= 0)
		G.decap = 0;
	if (G.shape == FVPORT)
		G.encap = VLAN_ENCAP_FROM_FILTER;
	FUZZ_ASSERT(msg("V:", NGM_VLAN_COOKIE, NGM_VLAN_SET_ENCAP_PROTO,
			&G.proto, sizeof(G.proto)) == 0);
	FUZZ_ASSERT(msg("V:", NGM_VLAN_COOKIE, NGM_VLAN_SET_ENCAP, &G.encap,
			sizeof(G.encap)) == 0);
	FUZZ_ASSERT(msg("V:", NGM_VLAN_COOKIE, NGM_VLAN_SET_DECAP, &G.decap,
			sizeof(G.decap)) == 0);
	describe(" proto=%#x encap=%u decap=%u", G.proto, G.encap, G.decap);
}

/* Eifaces k.. on the vlan node's filters, the last maybe its nomatch. */
static void
vlan_eifaces(unsigned k)
{
	for (; k < G.n; k++) {
		char h[16];

		if (k == G.n - 1 && k > 1 && rnd(2) == 0) {
			eiface_on(k, 'V', "vlan", "nomatch");
			G.nomatch = (int)k;
		} else {
			snprintf(h, sizeof(h), "f%u", k);
			eiface_on(k, 'V', "vlan", h);
		}
	}
}

/* The bridge's port on its hook h, or NULL. */
static struct bport *
bport_of_hook(const struct ng_hook *h)
{
	for (unsigned i = 0; h != NULL && i < G.nb; i++)
		if (strcmp(G.bp[i].hook, h->name) == 0)
			return &G.bp[i];
	return NULL;
}

/* --- a bridge's table and counters, both sides ---------------------------- */

struct hostset {
	unsigned n;
	struct {
		uint8_t addr[6];
		int port;
	} h[64];
};

static int
host_cmp(const void *a, const void *b)
{
	return memcmp(a, b, 6);
}

static void
node_host(void *arg, const uint8_t addr[6], struct ng_hook *hook)
{
	struct hostset *s = arg;

	if (s->n < 64) {
		memcpy(s->h[s->n].addr, addr, 6);
		s->h[s->n++].port = (int)(bport_of_hook(hook) - G.bp);
	}
}

static void
hosts_print(const char *side, const struct hostset *s)
{
	printf("  %s's hosts:", side);
	for (unsigned i = 0; i < s->n; i++)
		printf(" %02x:%02x:%02x:%02x:%02x:%02x@%s", s->h[i].addr[0],
		    s->h[i].addr[1], s->h[i].addr[2], s->h[i].addr[3],
		    s->h[i].addr[4], s->h[i].addr[5],
		    s->h[i].port >= 0 ? G.bp[s->h[i].port].hook : "?");
	printf("\n");
}

/* A port's counters: the node's (getstats) or the program's (summed). */
struct counts {
	uint64_t rp, ro, rm, rb, ru, xp, xo, xm, xb, full;
};

/*
 * A port's counters on both sides: what its eiface sent into the graph
 * (the socket node's hook eK; ng_fast_pstats, fast and slow) and, for a
 * vlan node, what the node's hook to it sent it (the hook's counters;
 * ng_fast_vlstats, what the program forwarded from the trunk).
 */
struct pcounts {
	uint64_t in_pkts, in_bytes, out_pkts, out_bytes; /* the node's */
	uint64_t fast_pkts, fast_bytes, slow_pkts, vl_pkts, vl_bytes;
};

static void port_counts(struct pcounts *c);

/* --- frames ------------------------------------------------------------------ */

static uint32_t
frame_make(uint8_t *f)
{
	static const uint8_t macs[][6] = {
		{ 2, 0, 0, 0, 0, 1 },
		{ 2, 0, 0, 0, 0, 2 },
		{ 2, 0, 0, 0, 0, 3 },
		{ 2, 0, 0, 0, 0, 4 },
		{ 0xff, 0xff, 0xff, 0xff, 0xff, 0xff },
		{ 0x01, 0x00, 0x5e, 0, 0, 1 },
		{ 0x33, 0x33, 0, 0, 0, 1 },
		{ 0x01, 0x80, 0xc2, 0, 0, 0 },
		{ 0x03, 0, 0, 0, 0, 9 },
		{ 0, 0, 0, 0, 0, 0 },
	};
	static const uint16_t tpids[] = { 0x8100, 0x88a8, 0x9100 };
	static const uint16_t vids[] = { 0, 1, 10, 20, 4095 };
	static const uint16_t types[] = { 0x0800, 0x86dd, 0x88b5, 0x0806,
		0x8100, 0x88a8, 0x05dc, 0x0000 };
	uint32_t len = 12, ntags, pay;
	unsigned r = rnd(20);

	memcpy(f,
	    macs[r < 12    ? r % 4 :
		    r < 15 ? 4 :
		    r < 18 ? 5 + rnd(3) :
			     8 + rnd(2)],
	    6);
	r = rnd(20);
	memcpy(f + 6, macs[r < 18 ? r % 4 : 4 + rnd(6)], 6);
	r = rnd(8);
	ntags = r < 4 ? 0 : r < 7 ? 1 : 2;
	for (uint32_t i = 0; i < ntags; i++) {
		uint16_t tpid = tpids[rnd(8) < 6 ? 0 : 1 + rnd(2)];
		uint16_t tci = (uint16_t)((rnd(4) == 0 ? rnd(4096) :
							 vids[rnd(5)]) |
		    rnd(16) << 12);

		f[len++] = (uint8_t)(tpid >> 8);
		f[len++] = (uint8_t)tpid;
		f[len++] = (uint8_t)(tci >> 8);
		f[len++] = (uint8_t)tci;
	}
	r = rnd(10);
	if (r < 8) {
		uint16_t t = r < 6 ? types[rnd(8)] : (uint16_t)rnd(65536);

		f[len++] = (uint8_t)(t >> 8);
		f[len++] = (uint8_t)t;
	}
	/* up to a full frame now and then; a runt (under 14 bytes with
	 * its type) the kernel would never give a program: 14 at least */
	r = rnd(16);
	pay = r == 0 ? rnd(4) : r == 1 ? 1400 + rnd(101) : rnd(80);
	for (uint32_t i = 0; i < pay; i++)
		f[len++] = (uint8_t)rnd(256);
	while (len < 14)
		f[len++] = (uint8_t)rnd(256);
	return len;
}

/* --- the comparison ------------------------------------------------------- */

#define CLASSES 64
static struct {
	char name[96];
	unsigned count;
} classes[CLASSES];
static unsigned nclasses, shown_max = 3;

static void
hexdump(const char *what, const uint8_t *p, uint32_t len)
{
	printf("    %s (%u):", what, len);
	for (uint32_t i = 0; i < len && i < 40; i++)
		printf(" %02x", p[i]);
	printf("%s\n", len > 40 ? " ..." : "");
}

static void
outcome_print(const char *side, const struct outcome *oc)
{
	printf("  %s: %u out%s\n", side, oc->n, oc->slow ? ", to ngd" : "");
	for (unsigned i = 0; i < oc->n; i++) {
		char w[16];

		snprintf(w, sizeof(w), "e%d", oc->o[i].port);
		hexdump(w, oc->o[i].data, oc->o[i].len);
	}
}

/* A divergence of class name; true if it is to be shown in full. */
static bool
diverge(const char *name)
{
	unsigned i;

	diverged++;
	for (i = 0; i < nclasses; i++)
		if (strcmp(classes[i].name, name) == 0)
			break;
	if (i == nclasses) {
		if (nclasses == CLASSES)
			return false;
		ngt_copy(classes[nclasses++].name, name,
		    sizeof(classes[0].name));
	}
	return classes[i].count++ < shown_max;
}

/*
 * Whether a test run refuses f (EINVAL) where tc would take it: an IPv4
 * or IPv6 frame, untagged, too short for its header
 * (bpf_prog_test_run_skb checks; a real frame reaches tc).
 */
static bool
untestable(const uint8_t *f, uint32_t len)
{
	uint16_t type = (uint16_t)(f[12] << 8 | f[13]);

	return (type == 0x0800 && len < 14 + 20) ||
	    (type == 0x86dd && len < 14 + 40);
}

/* Whether eiface j's frames from the vlan node are counted in
 * ng_fast_vlstats: a filter's or nomatch (those to the trunk are its
 * filters' and nomatch's own, in ng_fast_pstats). */
static bool
vl_counted(int j)
{
	return G.on[j] == 'V' && j != G.trunk &&
	    (j != G.nomatch || G.decap == 0);
}

/* The ports' counters moved alike: the frame from port k of len bytes,
 * to ngd (slow) or decided by the program. */
static void
port_check(const struct pcounts *q0, int k, uint32_t len, bool slow,
    const uint8_t *f)
{
	struct pcounts q1[NPORTS];
	char name[96];

	port_counts(q1);
	for (int j = 0; j < (int)G.n; j++) {
		uint64_t in_p = q1[j].in_pkts - q0[j].in_pkts;
		uint64_t in_b = q1[j].in_bytes - q0[j].in_bytes;
		const char *what = NULL;

		if (G.shape == DIRECT) /* no node: the frame as it is */
			in_p = j == k, in_b = j == k ? len : 0;
		if (slow && q1[j].slow_pkts - q0[j].slow_pkts != (j == k))
			what = "slow_pkts";
		else if (slow && q1[j].fast_pkts != q0[j].fast_pkts)
			what = "fast_pkts to ngd";
		else if (!slow && q1[j].fast_pkts - q0[j].fast_pkts != in_p)
			what = "fast_pkts";
		else if (!slow && q1[j].fast_bytes - q0[j].fast_bytes != in_b)
			what = "fast_bytes";
		else if (!slow && vl_counted(j) &&
		    q1[j].vl_pkts - q0[j].vl_pkts !=
			q1[j].out_pkts - q0[j].out_pkts)
			what = "vlstats pkts";
		else if (!slow && vl_counted(j) &&
		    q1[j].vl_bytes - q0[j].vl_bytes !=
			q1[j].out_bytes - q0[j].out_bytes)
			what = "vlstats bytes";
		if (what == NULL)
			continue;
		snprintf(name, sizeof(name), "%s: port %s", shape_name[G.shape],
		    what);
		if (diverge(name)) {
			printf("DIVERGE %s on e%d (node: in %llu/%llu, out "
			       "%llu/%llu; program: fast %llu/%llu, slow %llu, "
			       "vlstats %llu/%llu; frames/bytes)\n"
			       "  graph %s, from e%d\n",
			    name, j, (unsigned long long)in_p,
			    (unsigned long long)in_b,
			    (unsigned long long)(q1[j].out_pkts -
				q0[j].out_pkts),
			    (unsigned long long)(q1[j].out_bytes -
				q0[j].out_bytes),
			    (unsigned long long)(q1[j].fast_pkts -
				q0[j].fast_pkts),
			    (unsigned long long)(q1[j].fast_bytes -
				q0[j].fast_bytes),
			    (unsigned long long)(q1[j].slow_pkts -
				q0[j].slow_pkts),
			    (unsigned long long)(q1[j].vl_pkts - q0[j].vl_pkts),
			    (unsigned long long)(q1[j].vl_bytes -
				q0[j].vl_bytes),
			    G.desc, k);
			hexdump("in", f, len);
		}
	}
}

/* The frame f of len bytes from eiface k to the node code: its copies
 * in node_out. */
static void
frame_node(const uint8_t *f, uint32_t len, int k)
{
	struct ng_pkt *p;
	char us[16];

	undelivered = false;
	memset(&node_out, 0, sizeof(node_out));
	snprintf(us, sizeof(us), "e%d", k);
	FUZZ_ASSERT((p = ng_pkt_alloc(G.g)) != NULL);
	memcpy(p->data, f, len);
	p->len = len;
	if (G.shape == DIRECT) {
		/* an eiface's hook joined to another's: as it is (nowhere if
		 * the other's interface is down) */
		node_out.n = port_down[1 - k] ? 0 : 1;
		node_out.o[0].port = 1 - k;
		node_out.o[0].len = len;
		memcpy(node_out.o[0].data, f, len);
		ng_pkt_free(&p);
	} else
		(void)ng_socket_send_data(G.sock, us, &p);
}

/* The program could not be run on the frame (why). */
static void
prog_failed(const char *why, int k, const uint8_t *f, uint32_t len)
{
	char name[96];

	snprintf(name, sizeof(name), "%s: %s", shape_name[G.shape], why);
	if (diverge(name)) {
		printf("DIVERGE %s\n  graph %s, from e%d\n", name, G.desc, k);
		hexdump("in", f, len);
	}
}

/* The copies of the frame that left, the program's (or ngd's, after the
 * program gave it ngd) and the node's: the same, in any order. */
static void
outcome_check(struct outcome *prog, int k, const uint8_t *f, uint32_t len)
{
	char name[96];

	qsort(prog->o, prog->n, sizeof(prog->o[0]), out_cmp);
	qsort(node_out.o, node_out.n, sizeof(node_out.o[0]), out_cmp);
	if (prog->n == node_out.n &&
	    memcmp(prog->o, node_out.o, prog->n * sizeof(prog->o[0])) == 0)
		return;
	snprintf(name, sizeof(name), "%s: %u out, node %u out",
	    shape_name[G.shape], prog->n, node_out.n);
	if (diverge(name)) {
		printf("DIVERGE %s\n  graph %s, from e%d\n", name, G.desc, k);
		hexdump("in", f, len);
		outcome_print(prog->slow ? "ngd" : "program", prog);
		outcome_print("node", &node_out);
	}
}

static void tables(struct hostset *node, struct hostset *map);

/* The bridge's hosts map is the node's table; false (shown) if not. */
static bool
tables_check(const struct outcome *prog, int k, const uint8_t *f, uint32_t len)
{
	struct hostset hn, hm;
	char name[96];

	tables(&hn, &hm);
	if (hn.n == hm.n && memcmp(hn.h, hm.h, hn.n * sizeof(hn.h[0])) == 0)
		return true;
	snprintf(name, sizeof(name), "bridge: hosts %u, node %u", hm.n, hn.n);
	if (diverge(name)) {
		printf("DIVERGE %s\n  graph %s, from e%d\n", name, G.desc, k);
		hexdump("in", f, len);
		hosts_print("node", &hn);
		hosts_print("map", &hm);
		if (G.bb != NULL) { /* diff_fast_ngd: ngd's own node's */
			memset(&hm, 0, sizeof(hm));
			G.bb->type->switching->walk(G.bb, node_host, &hm);
			hosts_print("ngd's node", &hm);
		}
		outcome_print("program", prog);
		outcome_print("node", &node_out);
	}
	return false;
}

static void node_counts(struct counts *c);
static void prog_counts(struct counts *c);

/* The bridge's counters moved alike on both sides since nc0 (the
 * node's) and pc0 (the program's). */
static void
counts_check(const struct counts *nc0, const struct counts *pc0, int k,
    const uint8_t *f, uint32_t len)
{
	static const char *const what[] = { "recvPackets", "recvOctets",
		"recvMulticast", "recvBroadcast", "recvUnknown", "xmitPackets",
		"xmitOctets", "xmitMulticasts", "xmitBroadcasts",
		"memoryFailures" };
	struct counts nc1[NBPORTS], pc1[NBPORTS];
	char name[96];

	node_counts(nc1);
	prog_counts(pc1);
	for (unsigned j = 0; j < G.nb; j++) {
		const uint64_t *a0 = &nc0[j].rp, *a1 = &nc1[j].rp;
		const uint64_t *b0 = &pc0[j].rp, *b1 = &pc1[j].rp;

		for (unsigned i = 0; i < 10; i++) {
			if (a1[i] - a0[i] == b1[i] - b0[i])
				continue;
			snprintf(name, sizeof(name), "bridge: %s", what[i]);
			if (diverge(name)) {
				printf("DIVERGE %s: node +%llu, program +%llu "
				       "on B:%s\n  graph %s, from e%d\n",
				    name, (unsigned long long)(a1[i] - a0[i]),
				    (unsigned long long)(b1[i] - b0[i]),
				    G.bp[j].hook, G.desc, k);
				hexdump("in", f, len);
			}
		}
	}
}

/* --- the program side ----------------------------------------------------- */

/* the eifaces' graph-side ends, as the programs see them, and their
 * ports' ids (diff_fast: k + 1; diff_fast_ngd: ngd's) */
static uint32_t ifx[NPORTS];
static uint16_t pid[NPORTS];
/* the slow path's TAP as the program sees it; the data plane's network
 * namespace and the test's own (diff_fast_ngd: the programs run there) */
static int tapidx, dpns = -1, ownns = -1;

static struct bpf_object *obj;
static int shim, recs, nrec, pstats, vlstats;
static int ncpu;

static int
mapfd(const char *name)
{
	int fd = bpf_object__find_map_fd_by_name(obj, name);

	if (fd < 0) {
		fprintf(stderr, "%s: no map %s\n",
		    program_invocation_short_name, name);
		exit(2);
	}
	return fd;
}

static void
put(int fd, const void *k, const void *v)
{
	if (bpf_map_update_elem(fd, k, v, BPF_ANY) != 0) {
		fprintf(stderr, "%s: map update: %s\n",
		    program_invocation_short_name, strerror(errno));
		exit(2);
	}
}

/* One run of the program on frame f from port k (mark: a flood's next
 * slice); its records appended to *oc, its slow-path frame checked. */
static int
prog_run(int k, const uint8_t *f, uint32_t len, uint32_t mark,
    struct outcome *oc, char *why, size_t whylen)
{
	struct __sk_buff ctx = { .ifindex = ifx[k], .mark = mark };
	uint8_t outbuf[FZD_SNAP + 64];
	uint32_t zero = 0, n = 0;
	int err;

	put(nrec, &zero, &zero);
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = f, .data_size_in = len,
	    .data_out = outbuf, .data_size_out = sizeof(outbuf), .ctx_in = &ctx,
	    .ctx_size_in = sizeof(ctx), .repeat = 1);
	/* in the data plane (diff_fast_ngd): the test run finds ctx's device
	 * there */
	if (dpns >= 0)
		FUZZ_ASSERT(setns(dpns, CLONE_NEWNET) == 0);
	err = bpf_prog_test_run_opts(shim, &o);
	if (ownns >= 0)
		FUZZ_ASSERT(setns(ownns, CLONE_NEWNET) == 0);
	if (err != 0) {
		snprintf(why, whylen, "test run: %s", strerror(errno));
		return -1;
	}
	if (o.retval != TC_ACT_SHOT && o.retval != TC_ACT_REDIRECT &&
	    o.retval != TC_ACT_STOLEN) {
		snprintf(why, whylen, "verdict %u", o.retval);
		return -1;
	}
	(void)bpf_map_lookup_elem(nrec, &zero, &n);
	for (uint32_t i = 0; i < n && i < FZD_MAXREC; i++) {
		static struct fzd_rec r;
		uint8_t buf[FZD_SNAP + 8];
		uint32_t blen = r.len;
		int port = -1;

		if (bpf_map_lookup_elem(recs, &i, &r) != 0)
			return -1;
		blen = r.len < FZD_SNAP ? r.len : FZD_SNAP;
		for (int p = 0; p < (int)G.n; p++)
			if (r.ifindex == ifx[p])
				port = p;
		if (r.ifindex == (uint32_t)tapidx && r.kind == FZD_REDIR) {
			/* ngd's: the port's id tag in front of the frame */
			if (!r.vlan_present || r.vlan_proto != htons(0x8100) ||
			    r.vlan_tci != pid[k] || blen != len ||
			    memcmp(r.data, f, len) != 0) {
				snprintf(why, whylen,
				    "to ngd not as sent: tag %u/%#x/%u, "
				    "%u bytes",
				    r.vlan_present,
				    ntohs((uint16_t)r.vlan_proto), r.vlan_tci,
				    blen);
				return -1;
			}
			oc->slow = true;
			continue;
		}
		if (port < 0) {
			snprintf(why, whylen, "record %u to ifindex %u", r.kind,
			    r.ifindex);
			return -1;
		}
		if (r.vlan_present)
			blen = inline_tag(buf, r.data, blen,
			    (uint16_t)r.vlan_proto, (uint16_t)r.vlan_tci);
		else
			memcpy(buf, r.data, blen);
		if (r.kind == FZD_CLONE_IN) {
			/* a flood's next slice, back on port's ingress */
			slices++;
			if (prog_run(port, buf, blen, r.mark, oc, why,
				whylen) != 0)
				return -1;
			continue;
		}
		if (port_down[port])
			continue; /* veth_xmit drops it: its peer is down */
		if (oc->n >= FZD_MAXREC)
			return -1;
		oc->o[oc->n].port = port;
		oc->o[oc->n].len = blen;
		memcpy(oc->o[oc->n].data, buf, blen);
		oc->n++;
	}
	return 0;
}

static void
port_counts(struct pcounts *c)
{
	struct ng_fast_bpf_stats st[256];
	struct ng_fast_bpf_vlstats vs[256];

	for (unsigned k = 0; k < G.n; k++) {
		char us[16];
		struct ng_hook *h;
		uint32_t id = pid[k];

		memset(&c[k], 0, sizeof(c[k]));
		snprintf(us, sizeof(us), "e%u", k);
		if ((h = ng_find_hook(G.sock, us)) != NULL) {
			c[k].in_pkts = h->stats.xmit_frames;
			c[k].in_bytes = h->stats.xmit_octets;
		}
		if (G.on[k] != 'D' &&
		    (h = ng_find_hook(G.on[k] == 'B' ? G.br :
			     G.on[k] == 'H'          ? G.hub :
						       G.vl,
			 G.hook[k])) != NULL) {
			c[k].out_pkts = h->stats.xmit_frames;
			c[k].out_bytes = h->stats.xmit_octets;
		}
		if (bpf_map_lookup_elem(pstats, &id, st) == 0)
			for (int i = 0; i < ncpu; i++) {
				c[k].fast_pkts += st[i].fast_pkts;
				c[k].fast_bytes += st[i].fast_bytes;
				c[k].slow_pkts += st[i].slow_pkts;
			}
		if (bpf_map_lookup_elem(vlstats, &ifx[k], vs) == 0)
			for (int i = 0; i < ncpu; i++) {
				c[k].vl_pkts += vs[i].pkts;
				c[k].vl_bytes += vs[i].bytes;
			}
	}
}

/* --- the graph, made ------------------------------------------------------- */

/* A random graph's shape and size; G cleared. */
static void
graph_pick(void)
{
	memset(&G, 0, sizeof(G));
	G.shape = (enum shape)rnd(NSHAPES);
	G.n = G.shape == DIRECT ? 2 : 2 + rnd(NREAL - 1);
	if ((G.shape == BRIDGE || G.shape == HUB) && rnd(8) == 0)
		G.n = NG_FAST_BPF_FLOOD_SLICE + 2 + rnd(NPORTS - 65);
	if ((G.shape == VLAN || G.shape == VPORT || G.shape == FVPORT) &&
	    G.n < 3)
		G.n = 3;
	G.nomatch = G.trunk = -1;
}

/* The graph's nodes and edges, on G.sock's graph (the eifaces its hooks
 * e0..), as graph_pick chose them. */
static void
graph_shape(void)
{
	unsigned k;

	describe("%s:", shape_name[G.shape]);
	switch (G.shape) {
	case BRIDGE:
		for (k = 0; k < G.n; k++)
			(void)bport_new((int)k, NULL);
		break;
	case HUB:
		for (k = 0; k < G.n; k++) {
			char h[16];

			snprintf(h, sizeof(h), "h%u", k);
			eiface_on(k, 'H', "hub", h);
		}
		break;
	case DIRECT:
		G.on[0] = G.on[1] = 'D';
		break;
	case VLAN:
	case FVPORT:
		/* e0 the trunk; then (fvport) 1-2 filters on the bridge and
		 * its eifaces; the rest the vlan node's filters, the last
		 * maybe its nomatch */
		eiface_on(0, 'V', "vlan", "downstream");
		G.trunk = 0;
		k = 1;
		if (G.shape == FVPORT) {
			(void)bport_new((int)k++, NULL);
			for (unsigned i = 0; i < 1 + rnd(2); i++) {
				char h[16];

				snprintf(h, sizeof(h), "b%u", i);
				(void)bport_new(-1, h);
			}
			if (k < G.n && rnd(2) == 0)
				(void)bport_new((int)k++, NULL);
		}
		vlan_eifaces(k);
		break;
	case VPORT:
		/* the bridge's eifaces (1 or 2), the vlan node's downstream
		 * a port of it; the rest the vlan node's filters, the last
		 * maybe its nomatch */
		(void)bport_new(0, NULL);
		k = 1;
		if (G.n == 4 && rnd(2) == 0)
			(void)bport_new((int)k++, NULL);
		vlan_eifaces(k);
		(void)bport_new(-1, "downstream");
		break;
	default:
		abort();
	}
	G.br = ngt_node(G.sock, "B:");
	G.hub = ngt_node(G.sock, "H:");
	G.vl = ngt_node(G.sock, "V:");
}

/* The vlan node's settings and filters, the keys its ports on the bridge
 * have in the program's maps (of vid_node, the vlan node as they name
 * it), and maybe a bridge's maxhosts. */
static void
graph_settings(const struct ng_node *vid_node)
{
	bool used[5] = { false };
	unsigned k;

	if (G.vl != NULL) {
		vlan_settings();
		for (k = 0; k < G.n; k++)
			if (G.on[k] == 'V' && G.hook[k][0] == 'f') {
				G.tag[k] = vlan_filter(G.hook[k], used,
				    &G.vid[k]);
				G.filter[k] = true;
			}
		for (k = 0; k < G.nb; k++) {
			struct bport *b = &G.bp[k];

			if (b->eport >= 0)
				continue;
			if (G.shape == VPORT) {
				b->key = G.vport = NG_FAST_BPF_VPORT |
				    vid_node->id;
				continue;
			}
			b->tag =
			    vlan_filter(ng_find_hook(G.br, b->hook)->peer->name,
				used, &b->vid);
			b->key = NG_FAST_BPF_FVPORT_KEY(vid_node->id, b->vid);
		}
	}
	if (G.br != NULL && rnd(3) == 0) {
		uint32_t max = 1 + rnd(4);

		FUZZ_ASSERT(msg("B:", NGM_BRIDGE_COOKIE,
				NGM_BRIDGE_SET_MAX_HOSTS, &max, sizeof(max)) ==
		    0);
		describe(" maxhosts=%u", max);
	}
}

/*
 * A random frame into f (*len bytes) from a random eiface (*k), to the
 * node code (its copies in node_out) and to the program (its in *prog),
 * the bridge's counters before in nc0 and pc0, the ports' in q0.  False
 * when that is all: a frame no program sees, or one it could not run on
 * (a divergence).
 */
static bool
frame_start(uint8_t *f, uint32_t *len, int *k, struct outcome *prog,
    struct counts *nc0, struct counts *pc0, struct pcounts *q0)
{
	char why[160] = "";

	*len = frame_make(f);
	*k = (int)rnd(G.n < NREAL ? G.n : NREAL);
	frames++;
	if (port_down[*k]) { /* an interface that is down sends nothing */
		down_frames++;
		return false;
	}
	if (G.br != NULL) {
		node_counts(nc0);
		prog_counts(pc0);
	}
	/* a tagged frame under 20 bytes never gets past skb_vlan_untag,
	 * before tc: neither the program nor ngd sees it (in diff_fast's
	 * TAP model an eiface drops it too, ng_eiface_input) */
	if (vlan_runt(f, *len, 20)) {
		kernel_drops++;
		return false;
	}
	if (untestable(f, *len)) {
		untested++;
		return false;
	}
	port_counts(q0);
	frame_node(f, *len, *k); /* the node's */
	/* the kernel's */
	memset(prog, 0, sizeof(*prog));
	if (prog_run(*k, f, *len, 0, prog, why, sizeof(why)) != 0) {
		prog_failed(why, *k, f, *len);
		return false;
	}
	return true;
}

#endif
