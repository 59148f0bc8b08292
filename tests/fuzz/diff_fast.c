/*
 * diff_fast.c: the kernel fast path against the node code (DESIGN
 * decision 11: "any other node ... takes the userspace path with
 * identical behaviour").  Random graphs of eifaces (a bridge of 2-4,
 * some uplinks, sometimes a small maxhosts; a hub; a direct edge; a
 * vlan node with a trunk, filters and a nomatch; a vlan node whose
 * downstream is a bridge's port (a vport), or whose filters are (an
 * fvport each)) are built twice: as
 * nodes in-process (the eifaces a socket node's hooks e0..e3), and as
 * the maps ngd writes for them (fastpath*.c), for ng_fast.bpf.c built
 * with its redirects recorded (diff_fast.bpf.c).  The same random
 * frames (a few addresses, so that hosts are learned and move; tags,
 * broadcast, multicast, runts, odd ethertypes) go into both, one port
 * at a time, and what leaves by which port, with which bytes (an
 * out-of-band tag written inline), must be the same; a frame the
 * program gives ngd is the node's to decide (its tag and bytes are
 * checked), after which the maps are written from the node as ngd
 * would (and after time passes, or a client's message to the bridge:
 * reset, setconfig, setmaxhosts).  After each frame the program decided:
 * a bridge's hosts map is the node's table, its counters moved as the
 * node's did.
 * Needs root: it runs in a network namespace of its own, with four veth
 * ends for the programs to run as.
 * usage: diff_fast OBJECT [SEED [GRAPHS [FRAMES]]]
 *   OBJECT  build/bpf/diff_fast.bpf.o; SEED 0: from the clock.
 * Prints one line per divergence class (its first few cases in full)
 * and the totals; exits 1 if any frame diverged.
 */
#include <arpa/inet.h>
#include <net/if.h>
#include <stdarg.h>
#include <sched.h>
#include <time.h>
#include <unistd.h>
#include <linux/pkt_cls.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include <netgraph/ng_bridge.h>
#include <netgraph/ng_vlan.h>

#include "fuzz.h"
#include "ng_fast_bpf.h"
#include "diff_fast.h"
#include "diff_common.h"

#define FAKE_IFINDEX 1000000
#define TAP_IFINDEX 999999 /* the slow path's TAP, as the program sees it */

static unsigned long tap_writes, tap_short; /* ngd's writes checked */

/* --- the graph ------------------------------------------------------------ */

static int
msg(const char *path, uint32_t cookie, uint32_t cmd, const void *arg,
    size_t len)
{
	return ngt_msg(G.sock, path, cookie, cmd, arg, len);
}

/* Eiface k on hook of the node called name (of type, made if none). */
static void
eiface_on(unsigned k, char on, const char *type, const char *hook)
{
	char us[16], path[8];

	snprintf(us, sizeof(us), "e%u", k);
	snprintf(path, sizeof(path), "%c:", on);
	G.on[k] = on;
	ngt_copy(G.hook[k], hook, sizeof(G.hook[k]));
	if (ngt_node(G.sock, path) == NULL) {
		FUZZ_ASSERT(ngt_mkpeer(G.sock, ".", type, us, hook) == 0);
		FUZZ_ASSERT(ngt_name(G.sock, us,
				path[0] == 'B'     ? "B" :
				    path[0] == 'H' ? "H" :
						     "V") == 0);
	} else
		FUZZ_ASSERT(ngt_connect(G.sock, ".", path, us, hook) == 0);
	describe(" e%u=%c:%s", k, on, hook);
}

/* The bridge's next port: its hook's name (link or uplink), and what is
 * on it (eport, or a vlan node's hook vhook). */
static struct bport *
bport_new(int eport, const char *vhook)
{
	struct bport *b = &G.bp[G.nb];
	unsigned i = G.nb++;

	FUZZ_ASSERT(G.nb <= NBPORTS);
	memset(b, 0, sizeof(*b));
	b->eport = eport;
	if (rnd(4) == 0 && i > 0) {
		snprintf(b->hook, sizeof(b->hook), "uplink%u", i);
		b->linknum = -(int32_t)i;
	} else {
		snprintf(b->hook, sizeof(b->hook), "link%u", i);
		b->linknum = (int32_t)i;
	}
	if (eport >= 0) {
		eiface_on((unsigned)eport, 'B', "bridge", b->hook);
		b->key = ifx[eport];
		b->slot = (uint32_t)eport + 1;
	} else {
		FUZZ_ASSERT(ngt_connect(G.sock, "V:", "B:", vhook, b->hook) ==
		    0);
		b->slot = NG_FAST_BPF_MAX_PORTS + 1 + i;
		describe(" V:%s=B:%s", vhook, b->hook);
	}
	return b;
}

static void
graph_make(void)
{
	graph_pick();
	FUZZ_ASSERT((G.g = fz_graph(&node_ops)) != NULL);
	FUZZ_ASSERT((G.sock = fz_socket(G.g, &G.c)) != NULL);
	graph_shape();
	graph_settings(G.vl);
}

static void
graph_free(void)
{
	if (G.c.node != NULL)
		ng_socket_detach(G.c.node, &G.c);
	fz_graph_free(G.g);
	G.g = NULL;
}

/* --- the program side ----------------------------------------------------- */

static int tapshim, ports, cfg, members, groups, brslots, brkeys, hosts,
    brsstats, brroom, brfull, brgen, vlports, vlvids, vlfports, ids;
static uint32_t gen;

static void
bump(void)
{
	uint32_t zero = 0;

	gen++;
	put(brgen, &zero, &gen);
}

static void
clear_hash(int fd)
{
	uint8_t k[64];

	while (bpf_map_get_next_key(fd, NULL, k) == 0)
		(void)bpf_map_delete_elem(fd, k);
}

/* Every entry a graph may have written gone, as after ngd's removal. */
static void
maps_clear(void)
{
	static uint8_t zeros[64 * 1024];
	uint32_t zero = 0;

	clear_hash(ports);
	clear_hash(members);
	clear_hash(groups);
	clear_hash(brkeys);
	clear_hash(hosts);
	clear_hash(brroom);
	clear_hash(vlports);
	clear_hash(vlvids);
	clear_hash(vlstats);
	clear_hash(vlfports);
	for (uint32_t id = 1; id <= NPORTS; id++)
		put(pstats, &id, zeros);
	for (uint32_t i = 0; i < 2 * NBPORTS; i++) {
		/* the ports' slots, and the vports' past them */
		uint32_t slot = i < NBPORTS ?
		    i :
		    NG_FAST_BPF_MAX_PORTS + 1 + i - NBPORTS;

		put(brslots, &slot, zeros);
		put(brsstats, &slot, zeros);
		put(brfull, &slot, zeros);
	}
	put(cfg, &zero, &(uint32_t){ TAP_IFINDEX });
	bump();
}

/* A bridge's hosts, ports' flags and room written from its node, as
 * fastpath_bridge.c's write-back. */
struct hostw {
	uint32_t bridge;
	uint64_t now;
};

static void
push_host(void *arg, const uint8_t addr[6], struct ng_hook *hook)
{
	struct hostw *w = arg;
	struct ng_fast_bpf_mac k = { .bridge = w->bridge };
	struct ng_fast_bpf_host v = { .seen_ns = w->now };
	struct bport *b = bport_of_hook(hook);

	if (b == NULL)
		return;
	memcpy(k.addr, addr, 6);
	v.ifindex = b->key;
	v.slot = b->slot;
	put(hosts, &k, &v);
}

static void
bridge_sync(void)
{
	const struct ng_switch_methods *sw = G.br->type->switching;
	struct hostw w = { .bridge = G.br->id };
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	w.now = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
	for (unsigned i = 0; i < G.nb; i++) {
		struct ng_hook *h = ng_find_hook(G.br, G.bp[i].hook);
		struct ng_switch_port sp;
		struct ng_fast_bpf_brslot bs = { .bridge = G.br->id,
			.key = G.bp[i].key };

		FUZZ_ASSERT(h != NULL);
		sw->port(h, &sp);
		bs.flags = (sp.learn ? NG_FAST_BPF_BR_LEARN : 0) |
		    (sp.send_unknown ? NG_FAST_BPF_BR_UNKNOWN : 0) |
		    (sp.muted ? NG_FAST_BPF_BR_MUTED : 0);
		put(brslots, &G.bp[i].slot, &bs);
	}
	clear_hash(hosts);
	sw->walk(G.br, push_host, &w);
	if (sw->room != NULL) {
		int64_t room = sw->room(G.br);

		put(brroom, &w.bridge, &room);
	}
	bump();
}

/* The maps for graph G, as fastpath.c, fastpath_bridge.c and
 * fastpath_vlan.c write them. */
static void
maps_write(void)
{
	static uint8_t zeros[256 * sizeof(struct ng_fast_bpf_vlstats)];
	uint32_t vid = G.vl != NULL ? G.vl->id : 0;

	for (unsigned k = 0; k < G.n; k++) {
		struct ng_fast_bpf_port p = { .id = k + 1 };

		switch (G.on[k]) {
		case 'B':
			p.mode = NG_FAST_BPF_BRIDGE;
			p.peer = G.br->id;
			break;
		case 'H': {
			struct ng_fast_bpf_member m = { .group = G.hub->id,
				.idx = k };

			p.mode = NG_FAST_BPF_HUB;
			p.peer = G.hub->id;
			put(members, &m, &ifx[k]);
			break;
		}
		case 'D':
			p.mode = NG_FAST_BPF_DIRECT;
			p.peer = ifx[1 - k];
			break;
		case 'V':
			p.mode = NG_FAST_BPF_VLAN;
			p.peer = vid;
			break;
		default:
			abort();
		}
		put(ports, &ifx[k], &p);
		put(ids, &p.id, &ifx[k]); /* for ngd's writes (tap_check) */
	}
	if (G.hub != NULL)
		put(groups, &G.hub->id, &G.n);
	if (G.br != NULL) {
		for (unsigned i = 0; i < G.nb; i++) {
			struct ng_fast_bpf_member m = { .group = G.br->id,
				.idx = i };

			put(members, &m, &G.bp[i].key);
			put(brkeys, &G.bp[i].key, &G.bp[i].slot);
		}
		put(groups, &G.br->id, &G.nb);
		bridge_sync();
	}
	if (G.vl != NULL && (G.proto == 0x8100 || G.proto == 0x88a8)) {
		/* ngd_vl_want_node */
		uint32_t trunk = G.trunk >= 0 ? ifx[G.trunk] : G.vport;
		struct ng_fast_bpf_vlport tp = { .vlan = vid,
			.flags = NG_FAST_BPF_VL_TRUNK,
			.proto = htons(G.proto) };

		if (G.nomatch >= 0 && G.decap == 0) {
			tp.peer = ifx[G.nomatch];
			put(vlstats, &tp.peer, zeros);
		}
		put(vlports, &trunk, &tp);
		if (G.nomatch >= 0) {
			struct ng_fast_bpf_vlport np = { .vlan = vid,
				.peer = trunk,
				.proto = htons(G.proto) };

			put(vlports, &ifx[G.nomatch], &np);
		}
		for (unsigned k = 0; k < G.n; k++) {
			struct ng_fast_bpf_vid v = { .vlan = vid,
				.vid = G.vid[k] };
			struct ng_fast_bpf_vlport fp = { .vlan = vid,
				.peer = trunk,
				.proto = htons(G.proto),
				.tci = G.tag[k],
				.flags = NG_FAST_BPF_VL_TAG };

			if (!G.filter[k])
				continue;
			put(vlvids, &v, &ifx[k]);
			put(vlstats, &ifx[k], zeros);
			if (G.encap & VLAN_ENCAP_FROM_FILTER)
				put(vlports, &ifx[k], &fp);
		}
		for (unsigned i = 0; G.shape == FVPORT && i < G.nb; i++) {
			struct bport *b = &G.bp[i];
			struct ng_fast_bpf_vid v = { .vlan = vid,
				.vid = b->vid };
			struct ng_fast_bpf_vlfport e = { .vlan = vid,
				.trunk = trunk,
				.proto = htons(G.proto),
				.tci = b->tag };
			uint32_t zero = 0;

			if (b->eport >= 0)
				continue;
			put(vlfports, &b->key, &e);
			put(vlvids, &v, &zero);
			put(vlstats, &b->key, zeros);
		}
	}
	bump();
}

/* --- a bridge's table and counters, both sides ---------------------------- */

static void
tables(struct hostset *node, struct hostset *map)
{
	struct ng_fast_bpf_mac k, nk;
	struct ng_fast_bpf_host v;
	void *prev = NULL;

	memset(node, 0, sizeof(*node));
	memset(map, 0, sizeof(*map));
	G.br->type->switching->walk(G.br, node_host, node);
	while (bpf_map_get_next_key(hosts, prev, &nk) == 0) {
		k = nk;
		prev = &k;
		if (bpf_map_lookup_elem(hosts, &k, &v) != 0 ||
		    k.bridge != G.br->id || map->n >= 64)
			continue;
		memcpy(map->h[map->n].addr, k.addr, 6);
		map->h[map->n].port = -1;
		for (int i = 0; i < (int)G.nb; i++)
			if (v.ifindex == G.bp[i].key)
				map->h[map->n].port = i;
		map->n++;
	}
	qsort(node->h, node->n, sizeof(node->h[0]), host_cmp);
	qsort(map->h, map->n, sizeof(map->h[0]), host_cmp);
}

static void
node_counts(struct counts *c)
{
	for (unsigned k = 0; k < G.nb; k++) {
		struct ng_bridge_link_stats st;

		memset(&st, 0, sizeof(st));
		free(last_msg);
		last_msg = NULL;
		if (msg("B:", NGM_BRIDGE_COOKIE, NGM_BRIDGE_GET_STATS,
			&G.bp[k].linknum, sizeof(G.bp[k].linknum)) == 0 &&
		    last_msg != NULL && last_msg->header.arglen == sizeof(st))
			memcpy(&st, last_msg->data, sizeof(st));
		c[k] = (struct counts){ st.recvPackets, st.recvOctets,
			st.recvMulticast, st.recvBroadcast, st.recvUnknown,
			st.xmitPackets, st.xmitOctets, st.xmitMulticasts,
			st.xmitBroadcasts, st.memoryFailures };
	}
}

static void
prog_counts(struct counts *c)
{
	struct ng_fast_bpf_brstats v[256];
	uint64_t full[256];

	for (unsigned k = 0; k < G.nb; k++) {
		uint32_t slot = G.bp[k].slot;

		memset(&c[k], 0, sizeof(c[k]));
		if (bpf_map_lookup_elem(brsstats, &slot, v) == 0)
			for (int i = 0; i < ncpu; i++) {
				c[k].rp += v[i].recv_pkts;
				c[k].ro += v[i].recv_octets;
				c[k].rm += v[i].recv_mcast;
				c[k].rb += v[i].recv_bcast;
				c[k].ru += v[i].recv_unknown;
				c[k].xp += v[i].xmit_pkts;
				c[k].xo += v[i].xmit_octets;
				c[k].xm += v[i].xmit_mcast;
				c[k].xb += v[i].xmit_bcast;
			}
		if (bpf_map_lookup_elem(brfull, &slot, full) == 0)
			for (int i = 0; i < ncpu; i++)
				c[k].full += full[i];
	}
}

/* --- the comparison ------------------------------------------------------- */

/*
 * A copy the node sent eiface o->port, after the program gave ngd the
 * frame: as ngd writes it into the data plane's TAP (ngd_fast_xmit: the
 * port's 802.1Q tag after the MACs, or the short header for a frame too
 * short for it, ng_fast_bpf.h) and as ng_fast_tap hands it on, it
 * reaches that port's interface, byte for byte.  (Under 14 bytes the
 * eiface refuses it.)
 */
static void
tap_check(const struct out *o, int k, const uint8_t *f, uint32_t flen)
{
	static uint8_t w[FZD_SNAP + 16], got[FZD_SNAP + 16];
	static struct fzd_rec r;
	uint16_t type = o->len <= NG_FAST_BPF_SHORT_MAX ?
	    NG_FAST_BPF_SHORT :
	    NG_FAST_BPF_TPID;
	uint32_t id = (uint32_t)o->port + 1, zero = 0, n = 0, glen = 0;
	const char *what = NULL;
	char name[96];

	if (o->len < 14 || o->len > FZD_SNAP)
		return;
	tap_writes++;
	tap_short += o->len <= NG_FAST_BPF_SHORT_MAX;
	memcpy(w, o->data, 12);
	w[12] = (uint8_t)(type >> 8), w[13] = (uint8_t)type;
	w[14] = (uint8_t)(id >> 8), w[15] = (uint8_t)id;
	memcpy(w + 16, o->data + 12, o->len - 12);
	put(nrec, &zero, &zero);
	LIBBPF_OPTS(bpf_test_run_opts, t, .data_in = w,
	    .data_size_in = o->len + 4, .repeat = 1);
	if (bpf_prog_test_run_opts(tapshim, &t) != 0)
		what = "test run failed";
	else if (t.retval != TC_ACT_REDIRECT)
		what = "not sent";
	else if (bpf_map_lookup_elem(nrec, &zero, &n) != 0 || n != 1 ||
	    bpf_map_lookup_elem(recs, &zero, &r) != 0)
		what = "not one redirect";
	else if ((r.kind != FZD_PEER && r.kind != FZD_REDIR) ||
	    r.ifindex != ifx[o->port])
		what = "to another device";
	else {
		glen = r.len < FZD_SNAP ? r.len : FZD_SNAP;
		if (r.vlan_present)
			glen = inline_tag(got, r.data, glen,
			    (uint16_t)r.vlan_proto, (uint16_t)r.vlan_tci);
		else
			memcpy(got, r.data, glen);
		if (glen != o->len || memcmp(got, o->data, glen) != 0)
			what = "not as the node sent it";
	}
	if (what == NULL)
		return;
	snprintf(name, sizeof(name), "ngd's write of %s frame: %s",
	    o->len <= NG_FAST_BPF_SHORT_MAX ? "a short" : "a", what);
	if (diverge(name)) {
		printf("DIVERGE %s (verdict %u)\n  graph %s, from e%d to e%d\n",
		    name, t.retval, G.desc, k, o->port);
		hexdump("in", f, flen);
		hexdump("node's", o->data, o->len);
	}
}

static void
frame_one(void)
{
	static uint8_t f[2048];
	static struct outcome prog;
	struct counts nc0[NBPORTS], pc0[NBPORTS];
	struct pcounts q0[NPORTS];
	uint32_t len;
	int k;

	if (!frame_start(f, &len, &k, &prog, nc0, pc0, q0))
		return;
	if (prog.slow) {
		/* ngd's node decides (the node's outcome), and writes back */
		slow_frames++;
		if (prog.n != 0 && diverge("copies and to ngd"))
			printf("DIVERGE copies and to ngd: graph %s\n", G.desc);
		if (G.br != NULL)
			bridge_sync();
		port_check(q0, k, len, true, f);
		for (unsigned i = 0; i < node_out.n; i++)
			tap_check(&node_out.o[i], k, f, len);
		return;
	}
	if (!undelivered) /* (the node counted a copy that went nowhere) */
		port_check(q0, k, len, false, f);
	outcome_check(&prog, k, f, len);
	if (G.br != NULL) {
		if (!tables_check(&prog, k, f, len))
			bridge_sync();
		counts_check(nc0, pc0, k, f, len);
	}
}

/* Time passes: the node ages its hosts and unmutes, ngd writes it. */
static void
tick(void)
{
	fz_now += rnd(8) == 0 ? 30000 + rnd(40000) : rnd(2500);
	(void)ng_timers_run(G.g);
	if (G.br != NULL)
		bridge_sync();
}

/* A client's message to the bridge (a reset, a new config, a new
 * maxhosts), and ngd's write-back before its reply. */
static void
bridge_msg(void)
{
	struct ng_bridge_config conf = { .debugLevel = 1,
		.loopTimeout = 1 + rnd(60),
		.maxStaleness = 2 + rnd(900),
		.minStableAge = rnd(3) };
	uint32_t max = 1 + rnd(6);

	switch (rnd(3)) {
	case 0:
		FUZZ_ASSERT(msg("B:", NGM_BRIDGE_COOKIE, NGM_BRIDGE_RESET, NULL,
				0) == 0);
		break;
	case 1:
		FUZZ_ASSERT(msg("B:", NGM_BRIDGE_COOKIE, NGM_BRIDGE_SET_CONFIG,
				&conf, sizeof(conf)) == 0);
		break;
	default:
		FUZZ_ASSERT(msg("B:", NGM_BRIDGE_COOKIE,
				NGM_BRIDGE_SET_MAX_HOSTS, &max, sizeof(max)) ==
		    0);
		break;
	}
	bridge_sync();
}

/* --- setup ------------------------------------------------------------------- */

static void
netns_setup(void)
{
	cpu_set_t cpu;

	if (unshare(CLONE_NEWNET) != 0) {
		fprintf(stderr, "diff_fast: unshare: %s (root?)\n",
		    strerror(errno));
		exit(2);
	}
	if (system("ip link add fzd0 type veth peer name fzd1 && "
		   "ip link add fzd2 type veth peer name fzd3") != 0)
		exit(2);
	for (unsigned k = 0; k < NREAL; k++) {
		char name[8];

		snprintf(name, sizeof(name), "fzd%u", k);
		if ((ifx[k] = if_nametoindex(name)) == 0)
			exit(2);
	}
	for (unsigned k = NREAL; k < NPORTS; k++)
		ifx[k] = FAKE_IFINDEX + k;
	for (unsigned k = 0; k < NPORTS; k++)
		pid[k] = (uint16_t)(k + 1);
	tapidx = TAP_IFINDEX;
	/* one CPU: the bridges' flow cache is per CPU */
	CPU_ZERO(&cpu);
	CPU_SET(sched_getcpu() < 0 ? 0 : sched_getcpu(), &cpu);
	(void)sched_setaffinity(0, sizeof(cpu), &cpu);
}

static void
prog_load(const char *path)
{
	struct bpf_program *port, *sp, *tap, *tp;
	uint32_t zero = 0, one = 1;
	int fd;

	obj = bpf_object__open_file(path, NULL);
	if (obj == NULL || bpf_object__load(obj) != 0) {
		fprintf(stderr, "diff_fast: load %s: %s\n", path,
		    strerror(errno));
		exit(2);
	}
	port = bpf_object__find_program_by_name(obj, NG_FAST_BPF_PROG_PORT);
	sp = bpf_object__find_program_by_name(obj, FZD_PROG_SHIM);
	tap = bpf_object__find_program_by_name(obj, NG_FAST_BPF_PROG_TAP);
	tp = bpf_object__find_program_by_name(obj, FZD_PROG_TAP);
	if (port == NULL || sp == NULL || tap == NULL || tp == NULL)
		exit(2);
	shim = bpf_program__fd(sp);
	tapshim = bpf_program__fd(tp);
	fd = bpf_program__fd(port);
	put(mapfd(FZD_MAP_PROGS), &zero, &fd);
	fd = bpf_program__fd(tap);
	put(mapfd(FZD_MAP_PROGS), &one, &fd);
	ids = mapfd(NG_FAST_BPF_MAP_IDS);
	recs = mapfd(FZD_MAP_RECS);
	nrec = mapfd(FZD_MAP_NREC);
	ports = mapfd(NG_FAST_BPF_MAP_PORTS);
	cfg = mapfd(NG_FAST_BPF_MAP_CFG);
	pstats = mapfd(NG_FAST_BPF_MAP_STATS);
	members = mapfd(NG_FAST_BPF_MAP_MEMBERS);
	groups = mapfd(NG_FAST_BPF_MAP_GROUPS);
	brslots = mapfd(NG_FAST_BPF_MAP_BRSLOTS);
	brkeys = mapfd(NG_FAST_BPF_MAP_BRKEYS);
	hosts = mapfd(NG_FAST_BPF_MAP_HOSTS);
	brsstats = mapfd(NG_FAST_BPF_MAP_BRSTATS);
	brroom = mapfd(NG_FAST_BPF_MAP_BRROOM);
	brfull = mapfd(NG_FAST_BPF_MAP_BRFULL);
	brgen = mapfd(NG_FAST_BPF_MAP_BRGEN);
	vlports = mapfd(NG_FAST_BPF_MAP_VLPORTS);
	vlvids = mapfd(NG_FAST_BPF_MAP_VLVIDS);
	vlstats = mapfd(NG_FAST_BPF_MAP_VLSTATS);
	vlfports = mapfd(NG_FAST_BPF_MAP_VLFPORTS);
	ncpu = libbpf_num_possible_cpus();
	if (ncpu <= 0 || ncpu > 256)
		exit(2);
}

int
main(int argc, char **argv)
{
	unsigned long ngraphs = argc > 3 ? strtoul(argv[3], NULL, 0) : 200;
	unsigned long nframes = argc > 4 ? strtoul(argv[4], NULL, 0) : 200;
	uint64_t seed = argc > 2 ? strtoull(argv[2], NULL, 0) : 0;

	if (argc < 2) {
		fprintf(stderr,
		    "usage: diff_fast OBJECT [SEED [GRAPHS [FRAMES]]]\n");
		return 64;
	}
	if (seed == 0)
		seed = (uint64_t)time(NULL) * 2654435761u;
	rng = seed;
	setvbuf(stdout, NULL, _IOLBF, 0);
	netns_setup();
	prog_load(argv[1]);
	for (graphs = 0; graphs < ngraphs; graphs++) {
		maps_clear();
		graph_make();
		maps_write();
		wide += G.n > NREAL;
		/* a wide one's frames cost dozens of copies and counters */
		for (unsigned long i = 0;
		     i < (G.n > NREAL ? nframes / 8 + 1 : nframes); i++) {
			if (rnd(32) == 0)
				tick();
			if (G.br != NULL && rnd(64) == 0)
				bridge_msg();
			frame_one();
			if (G.c.node == NULL)
				break;
		}
		graph_free();
	}
	printf("# seed %llu: %lu graphs (%lu flooding in slices: %lu "
	       "slices re-run), %lu frames "
	       "(%lu to ngd, %lu dropped by the kernel before tc, %lu a test "
	       "run refuses; %lu copies no interface could get; ngd's %lu "
	       "copies through ng_fast_tap, %lu short), "
	       "%lu diverged\n",
	    (unsigned long long)seed, graphs, wide, slices, frames, slow_frames,
	    kernel_drops, untested, undeliverable, tap_writes, tap_short,
	    diverged);
	for (unsigned i = 0; i < nclasses; i++)
		printf("# %6u  %s\n", classes[i].count, classes[i].name);
	free(last_msg);
	bpf_object__close(obj);
	return diverged != 0;
}
