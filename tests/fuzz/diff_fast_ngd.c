/*
 * diff_fast_ngd.c: the kernel fast path as ngd writes it, against the
 * node code.  diff_fast.c writes the maps itself, modelling fastpath*.c;
 * this one runs ngd's own writer: fastpath*.c, netdev.c and the loop
 * linked in, the eifaces real ones (veth pairs, their graph-side ends in
 * the data plane ngd makes), every graph edit a client's message through
 * ngd_netdev_send_msg (ngd's before and after hooks: the maps written as
 * ngd writes them, before the status goes back).  The same random graphs
 * and edits go to a second graph of the node code alone (the eifaces a
 * socket node's hooks e0..e3), the reference.  Each frame goes to the
 * reference and to ng_fast.bpf.c (diff_fast.bpf.c, its redirects
 * recorded, on ngd's maps); a frame the program gives ngd is written to
 * the data plane's TAP as the program would have sent it, and ngd reads
 * it (ngd_fast_tap_rx: its bridge write-back, its node) in a pass of its
 * loop, its eifaces' transmissions recorded.  What leaves by which port
 * with which bytes must be the same; after each frame a bridge's hosts
 * map is the reference's table, and its counters (getstats through ngd,
 * which folds the kernel's) moved as the reference's did.  The
 * eifaces outlive each graph: the next graph's edits find what the last
 * one's teardown (rmhook, shutdown) left in the maps.
 * Needs root: it runs in network and mount namespaces of its own (its
 * /tmp a tmpfs there, ngd's run directory), which go with it.
 * usage: diff_fast_ngd OBJECT [SEED [GRAPHS [FRAMES]]]
 *   OBJECT  build/bpf/diff_fast.bpf.o; SEED 0: from the clock.
 *   DIFF_FAST_PORTS set: the graph's eifaces' interfaces go down and up
 *   between frames too (a port down sends nothing, and refuses what the
 *   graph sends it: ENETDOWN).
 * Prints one line per divergence class (its first few cases in full)
 * and the totals; exits 1 if any frame diverged.
 */
#include <arpa/inet.h>
#include <net/if.h>
#include <stdarg.h>
#include <sched.h>
#include <time.h>
#include <unistd.h>
#include <fcntl.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <syslog.h>
#include <sys/socket.h>
#include <linux/if_packet.h>
#include <linux/pkt_cls.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include <netgraph/ng_bridge.h>
#include <netgraph/ng_eiface.h>
#include <netgraph/ng_vlan.h>

#include "fuzz.h"
#include "ng_fast_bpf.h"
#include "diff_fast.h"
#include "ngd.h"
#include "fastpath.h"
#include "diff_common.h"

/* --- ngd's side: its graph, loop, netdev and fast path ------------------- */

static struct ngd_loop loop;
static struct ngd_netdev nd;
static struct ngd_fast *fast;
static struct ng_netdev_ops b_ops; /* ngd's, xmit recorded */
static struct ng_graph *gb, *ga;   /* ngd's, the reference */
static struct fz_client cb;
static struct ng_node *sockb;
static struct ng_mesg *last_msg_b;
static int pkt_fd = -1, ioc_fd = -1;
static struct outcome b_out; /* what ngd's eifaces sent */
static unsigned long b_msgs, loop_passes;

void
ngd_log(int level, const char *fmt, ...)
{
	va_list ap;

	if (level > LOG_WARNING)
		return;
	va_start(ap, fmt);
	fprintf(stderr, "ngd: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
}

static int
b_deliver_msg(void *conn, ng_id_t from, const struct ng_mesg *msg)
{
	(void)conn;
	(void)from;
	msg_keep(&last_msg_b, msg);
	return 0;
}

static int
b_deliver_data(void *conn, const char *hook, const struct ng_pkt *pkt)
{
	(void)conn;
	(void)hook;
	(void)pkt;
	return 0;
}

static const struct ng_socket_ops b_sock_ops = {
	.deliver_msg = b_deliver_msg,
	.deliver_data = b_deliver_data,
	.gone = node_gone, /* as the reference's */
};

/* An eiface of ngd's sends pkt out of its interface: recorded (the
 * eifaces are ei0..ei71). */
static int
b_xmit(void *be, struct ng_netdev *dev, const struct ng_pkt *pkt)
{
	struct ng_node *n = ngd_fast_dev_node(dev);
	struct out *o;

	(void)be;
	if (n == NULL || strncmp(n->name, "ei", 2) != 0)
		return 0;
	if (b_out.n >= FZD_MAXREC || pkt->len < 12 || pkt->len > FZD_SNAP)
		return 0;
	if (vlan_runt(pkt->data, pkt->len, 18) && !pkt->vlan_tagged)
		return 0; /* as the reference's: no interface gets it */
	if (ngd_fast_dev_down(dev))
		return ENETDOWN; /* as ngd_fast_xmit */
	o = &b_out.o[b_out.n++];
	o->port = atoi(n->name + 2);
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
sleep_hooks(void)
{
	if (ga != NULL) /* the reference's timers with ngd's */
		(void)ng_timers_run(ga);
	(void)ng_timers_run(gb);
	for (struct ngd_sleep_hook *h = loop.before_sleep; h != NULL;
	     h = h->next)
		(void)h->fn(h->arg);
}

/* One pass of ngd's loop, as ngd_loop_run makes it, without sleeping:
 * what is ready (the TAP, the data plane's links), then what its hooks
 * do before it would sleep (what the pass changed written back). */
static void
loop_pass(void)
{
	struct epoll_event evs[64];
	int n;

	loop_passes++;
	n = epoll_wait(loop.epfd, evs, 64, 0);
	for (int i = 0; i < n; i++) {
		struct ngd_io *io = evs[i].data.ptr;

		if (io->fd >= 0)
			io->fn(io->arg, evs[i].events);
	}
	sleep_hooks();
}

/* A client's message to ngd's graph, as ctl.c sends it; 0 or an errno
 * (its reply in last_msg_b). */
static int
send_b(const char *path, uint32_t cookie, uint32_t cmd, const void *arg,
    size_t len)
{
	struct ng_mesg *m = ng_mkmsg(cookie, cmd, len);
	bool changed;
	int error;

	FUZZ_ASSERT(m != NULL);
	if (len > 0)
		memcpy(m->data, arg, len);
	error = ngd_netdev_send_msg(sockb, path, m, &changed);
	free(m);
	b_msgs++;
	return error;
}

static int
connect_b(const char *path, const char *relpath, const char *ourhook,
    const char *peerhook)
{
	struct ngm_connect con;

	memset(&con, 0, sizeof(con));
	ngt_copy(con.path, relpath, sizeof(con.path));
	ngt_copy(con.ourhook, ourhook, sizeof(con.ourhook));
	ngt_copy(con.peerhook, peerhook, sizeof(con.peerhook));
	return send_b(path, NGM_GENERIC_COOKIE, NGM_CONNECT, &con, sizeof(con));
}

static int
mkpeer_b(const char *path, const char *type, const char *ourhook,
    const char *peerhook)
{
	struct ngm_mkpeer mp;

	memset(&mp, 0, sizeof(mp));
	ngt_copy(mp.type, type, sizeof(mp.type));
	ngt_copy(mp.ourhook, ourhook, sizeof(mp.ourhook));
	ngt_copy(mp.peerhook, peerhook, sizeof(mp.peerhook));
	return send_b(path, NGM_GENERIC_COOKIE, NGM_MKPEER, &mp, sizeof(mp));
}

static int
name_b(const char *path, const char *name)
{
	struct ngm_name nm;

	memset(&nm, 0, sizeof(nm));
	ngt_copy(nm.name, name, sizeof(nm.name));
	return send_b(path, NGM_GENERIC_COOKIE, NGM_NAME, &nm, sizeof(nm));
}

static int
rmhook_b(const char *path, const char *hook)
{
	struct ngm_rmhook rm;

	memset(&rm, 0, sizeof(rm));
	ngt_copy(rm.ourhook, hook, sizeof(rm.ourhook));
	return send_b(path, NGM_GENERIC_COOKIE, NGM_RMHOOK, &rm, sizeof(rm));
}

/* ngd's eifaces ei0..: made as graphs need them, kept (ifx, pid) */
static unsigned neifaces;

/* ngd's eifaces up to ei(n-1) made, their interfaces up. */
static void
eifaces_make(unsigned n)
{
	for (; neifaces < n; neifaces++) {
		char name[16], path[24];
		struct ifreq ifr;
		struct ng_node *e;

		snprintf(name, sizeof(name), "ei%u", neifaces);
		FUZZ_ASSERT(mkpeer_b(".", "eiface", "t", "ether") == 0);
		FUZZ_ASSERT(name_b(".:t", name) == 0);
		FUZZ_ASSERT(rmhook_b(".", "t") == 0);
		snprintf(path, sizeof(path), "%s:", name);
		free(last_msg_b);
		last_msg_b = NULL;
		FUZZ_ASSERT(send_b(path, NGM_EIFACE_COOKIE,
				NGM_EIFACE_GET_IFNAME, NULL, 0) == 0 &&
		    last_msg_b != NULL);
		memset(&ifr, 0, sizeof(ifr));
		ngt_copy(ifr.ifr_name, (const char *)last_msg_b->data,
		    sizeof(ifr.ifr_name));
		FUZZ_ASSERT(ioctl(ioc_fd, SIOCGIFFLAGS, &ifr) == 0);
		ifr.ifr_flags |= IFF_UP;
		FUZZ_ASSERT(ioctl(ioc_fd, SIOCSIFFLAGS, &ifr) == 0);
		FUZZ_ASSERT((e = ngt_node(sockb, path)) != NULL);
		ifx[neifaces] = ngd_fast_port_of_node(fast, e, &pid[neifaces]);
		FUZZ_ASSERT(ifx[neifaces] != 0);
	}
	loop_pass(); /* their carriers heard */
}

/* Eiface k's interface up or down (as its owner would: ip link set),
 * and ngd hears of it (its carrier, in a pass of its loop). */
static void
port_set(unsigned k, bool up)
{
	char path[16];
	struct ifreq ifr;

	snprintf(path, sizeof(path), "ei%u:", k);
	free(last_msg_b);
	last_msg_b = NULL;
	FUZZ_ASSERT(send_b(path, NGM_EIFACE_COOKIE, NGM_EIFACE_GET_IFNAME, NULL,
			0) == 0 &&
	    last_msg_b != NULL);
	memset(&ifr, 0, sizeof(ifr));
	ngt_copy(ifr.ifr_name, (const char *)last_msg_b->data,
	    sizeof(ifr.ifr_name));
	FUZZ_ASSERT(ioctl(ioc_fd, SIOCGIFFLAGS, &ifr) == 0);
	if (up)
		ifr.ifr_flags |= IFF_UP;
	else
		ifr.ifr_flags &= ~IFF_UP;
	FUZZ_ASSERT(ioctl(ioc_fd, SIOCSIFFLAGS, &ifr) == 0);
	port_down[k] = !up;
	/* until ngd has heard it (the link's news comes when it comes:
	 * 10 s at most) */
	for (int i = 0; i < 10000; i++) {
		struct ng_node *e = ngt_node(sockb, path);

		loop_pass();
		if (e == NULL || ngd_fast_node_down(fast, e) == !up)
			return;
		usleep(1000);
	}
	fprintf(stderr, "diff_fast_ngd: ngd did not hear ei%u %s\n", k,
	    up ? "up" : "down");
	exit(2);
}

/* DIFF_FAST_PORTS set: ports go down and up between frames (off, the
 * seeds' graphs and frames are as they were before it). */
static bool ports_flip;

/* A random port of the graph down, or up again. */
static void
port_flip(void)
{
	unsigned k = rnd(G.n < NREAL ? G.n : NREAL);

	if (getenv("DIFF_FAST_TRACE") != NULL)
		printf("e%u %s\n", k, port_down[k] ? "up" : "down");
	port_set(k, port_down[k]);
}

/* --- the graph ------------------------------------------------------------ */

static struct ng_graph *graph_a(void);

/* A message to both graphs: the same answer. */
static int
msg(const char *path, uint32_t cookie, uint32_t cmd, const void *arg,
    size_t len)
{
	int a = ngt_msg(G.sock, path, cookie, cmd, arg, len);
	int b = send_b(path, cookie, cmd, arg, len);

	if (a != b) {
		fprintf(stderr, "diff_fast_ngd: %s %u/%u: %d, ngd %d\n", path,
		    cookie, cmd, a, b);
		exit(2);
	}
	return a;
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
		char ei[16], via[24];

		FUZZ_ASSERT(ngt_mkpeer(G.sock, ".", type, us, hook) == 0);
		FUZZ_ASSERT(ngt_name(G.sock, us,
				path[0] == 'B'     ? "B" :
				    path[0] == 'H' ? "H" :
						     "V") == 0);
		snprintf(ei, sizeof(ei), "ei%u:", k);
		snprintf(via, sizeof(via), "ei%u:ether", k);
		FUZZ_ASSERT(mkpeer_b(ei, type, "ether", hook) == 0);
		FUZZ_ASSERT(name_b(via,
				path[0] == 'B'     ? "B" :
				    path[0] == 'H' ? "H" :
						     "V") == 0);
	} else {
		char ei[16];

		FUZZ_ASSERT(ngt_connect(G.sock, ".", path, us, hook) == 0);
		snprintf(ei, sizeof(ei), "ei%u:", k);
		FUZZ_ASSERT(connect_b(ei, path, "ether", hook) == 0);
	}
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
		FUZZ_ASSERT(connect_b("V:", "B:", vhook, b->hook) == 0);
		b->slot = NG_FAST_BPF_MAX_PORTS + 1 + i;
		describe(" V:%s=B:%s", vhook, b->hook);
	}
	return b;
}

/*
 * A bridge's config whose decisions do not hang on when in a second a
 * frame comes: the clock is the real one here, each side reads it at
 * its own moment, and ngd's node takes its hosts' ages from the map's
 * nanoseconds.  A move is always a move (minStableAge 0) or always a
 * loop (an hour), a loop's mute and a host's staleness outlast the run
 * (diff_fast.c, on a clock of its own, tries the edges of time).
 */
static void
bridge_conf(struct ng_bridge_config *conf)
{
	memset(conf, 0, sizeof(*conf));
	conf->debugLevel = 1;
	conf->loopTimeout = 3600;
	conf->maxStaleness = 3600;
	conf->minStableAge = rnd(2) == 0 ? 0 : 3600;
}

static void
graph_make(void)
{
	graph_pick();
	eifaces_make(G.n);
	FUZZ_ASSERT((ga = G.g = graph_a()) != NULL);
	FUZZ_ASSERT((G.sock = fz_socket(G.g, &G.c)) != NULL);
	graph_shape();
	if (G.shape == DIRECT) { /* ngd's eifaces joined */
		FUZZ_ASSERT(connect_b("ei0:", "ei1:", "ether", "ether") == 0);
		describe(" e0=e1");
	}
	G.bb = ngt_node(sockb, "B:");
	G.vb = ngt_node(sockb, "V:");
	graph_settings(G.vb);
	if (G.br != NULL) {
		struct ng_bridge_config conf;

		bridge_conf(&conf);
		FUZZ_ASSERT(msg("B:", NGM_BRIDGE_COOKIE, NGM_BRIDGE_SET_CONFIG,
				&conf, sizeof(conf)) == 0);
		describe(" minStableAge=%u", conf.minStableAge);
	}
}

/*
 * The graph undone on ngd's side as a client would: the eifaces' hooks
 * removed one by one (in a random order) or not, then the other nodes
 * shut down; the eifaces stay for the next graph.
 */
static void
graph_free(void)
{
	static const char *const nodes[] = { "B:", "H:", "V:" };
	bool hooks = rnd(2) == 0;
	unsigned first = rnd(G.n);

	for (unsigned k = 0; k < NPORTS; k++)
		if (port_down[k]) /* up again for the next graph, while its
				   * end is (its hook's) */
			port_set(k, true);
	for (unsigned i = 0; hooks && i < G.n; i++) {
		char ei[16];
		unsigned k = (first + i) % G.n;

		snprintf(ei, sizeof(ei), "ei%u:", k);
		(void)rmhook_b(ei, "ether"); /* (a direct edge: gone) */
	}
	for (unsigned i = 0; i < 3; i++)
		if (ngt_node(sockb, nodes[i]) != NULL)
			FUZZ_ASSERT(send_b(nodes[i], NGM_GENERIC_COOKIE,
					NGM_SHUTDOWN, NULL, 0) == 0);
	if (G.shape == DIRECT && !hooks)
		FUZZ_ASSERT(rmhook_b("ei0:", "ether") == 0);
	loop_pass();
	if (G.c.node != NULL)
		ng_socket_detach(G.c.node, &G.c);
	fz_graph_free(G.g);
	ga = G.g = NULL;
}

/* --- the program side ----------------------------------------------------- */

static int hostsof;

/* The frame the program gave ngd (its port's id tag inline), written to
 * the data plane's TAP as the program would have sent it, and read by
 * ngd in a pass of its loop: what ngd's eifaces sent in b_out. */
static void
slow_b(const uint8_t *f, uint32_t len, uint16_t id)
{
	static uint8_t buf[FZD_SNAP + 8];
	struct sockaddr_ll sll = { .sll_family = AF_PACKET,
		.sll_ifindex = tapidx,
		.sll_halen = 6 };
	uint32_t n = inline_tag(buf, f, len, htons(0x8100), id);
	struct ng_node *e = NULL;
	struct ng_hook *h = NULL;
	uint64_t before = 0;
	char path[16];

	for (unsigned k = 0; k < neifaces; k++)
		if (pid[k] == id) {
			snprintf(path, sizeof(path), "ei%u:", k);
			e = ngt_node(sockb, path);
		}
	FUZZ_ASSERT(e != NULL);
	if ((h = ng_find_hook(e, NG_EIFACE_HOOK_ETHER)) != NULL)
		before = h->stats.xmit_frames;
	memset(&b_out, 0, sizeof(b_out));
	memcpy(sll.sll_addr, f, 6);
	if (sendto(pkt_fd, buf, n, 0, (struct sockaddr *)&sll, sizeof(sll)) !=
	    (ssize_t)n) {
		fprintf(stderr, "diff_fast_ngd: to the TAP: %s\n",
		    strerror(errno));
		exit(2);
	}
	loop_pass();
	if (h != NULL && h->stats.xmit_frames == before) {
		fprintf(stderr,
		    "diff_fast_ngd: ngd did not read the frame for "
		    "%s from its TAP\n",
		    e->name);
		exit(2);
	}
}

/* --- a bridge's table and counters, both sides ---------------------------- */

static void
tables(struct hostset *node, struct hostset *map)
{
	struct ng_fast_bpf_mac k, nk;
	struct ng_fast_bpf_host v;
	void *prev = NULL;
	uint32_t zero = 0, id = 0;
	int hosts;

	memset(node, 0, sizeof(*node));
	memset(map, 0, sizeof(*map));
	G.br->type->switching->walk(G.br, node_host, node);
	/* the program's hosts map: ng_fast_hostsof's [0], ngd's */
	FUZZ_ASSERT(bpf_map_lookup_elem(hostsof, &zero, &id) == 0);
	FUZZ_ASSERT((hosts = bpf_map_get_fd_by_id(id)) >= 0);
	while (bpf_map_get_next_key(hosts, prev, &nk) == 0) {
		k = nk;
		prev = &k;
		if (bpf_map_lookup_elem(hosts, &k, &v) != 0 ||
		    k.bridge != G.bb->id || map->n >= 64)
			continue;
		memcpy(map->h[map->n].addr, k.addr, 6);
		map->h[map->n].port = -1;
		for (int i = 0; i < (int)G.nb; i++)
			if (v.ifindex == G.bp[i].key)
				map->h[map->n].port = i;
		map->n++;
	}
	close(hosts);
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
		if (ngt_msg(G.sock, "B:", NGM_BRIDGE_COOKIE,
			NGM_BRIDGE_GET_STATS, &G.bp[k].linknum,
			sizeof(G.bp[k].linknum)) == 0 &&
		    last_msg != NULL && last_msg->header.arglen == sizeof(st))
			memcpy(&st, last_msg->data, sizeof(st));
		c[k] = (struct counts){ st.recvPackets, st.recvOctets,
			st.recvMulticast, st.recvBroadcast, st.recvUnknown,
			st.xmitPackets, st.xmitOctets, st.xmitMulticasts,
			st.xmitBroadcasts, st.memoryFailures };
	}
}

/* The same through ngd: its before-message hook folds what the kernel
 * switched into the node's (fastpath_bridge.c). */
static void
prog_counts(struct counts *c)
{
	for (unsigned k = 0; k < G.nb; k++) {
		struct ng_bridge_link_stats st;

		memset(&st, 0, sizeof(st));
		free(last_msg_b);
		last_msg_b = NULL;
		if (send_b("B:", NGM_BRIDGE_COOKIE, NGM_BRIDGE_GET_STATS,
			&G.bp[k].linknum, sizeof(G.bp[k].linknum)) == 0 &&
		    last_msg_b != NULL &&
		    last_msg_b->header.arglen == sizeof(st))
			memcpy(&st, last_msg_b->data, sizeof(st));
		c[k] = (struct counts){ st.recvPackets, st.recvOctets,
			st.recvMulticast, st.recvBroadcast, st.recvUnknown,
			st.xmitPackets, st.xmitOctets, st.xmitMulticasts,
			st.xmitBroadcasts, st.memoryFailures };
	}
}

/* --- the comparison ------------------------------------------------------- */

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
	if (getenv("DIFF_FAST_TRACE") != NULL) {
		printf("frame %lu from e%d%s\n", frames, k,
		    prog.slow ? ", to ngd" : "");
		hexdump("in", f, len < 16 ? len : 16);
	}
	if (prog.slow) {
		/* ngd's node decides, and writes back */
		slow_frames++;
		if (prog.n != 0 && diverge("copies and to ngd"))
			printf("DIVERGE copies and to ngd: graph %s\n", G.desc);
		port_check(q0, k, len, true, f);
		slow_b(f, len, pid[k]);
		prog = b_out;
		prog.slow = true;
	} else if (!undelivered) /* (the node counted a copy that went
				   nowhere) */
		port_check(q0, k, len, false, f);
	outcome_check(&prog, k, f, len);
	if (G.br != NULL) {
		(void)tables_check(&prog, k, f, len);
		counts_check(nc0, pc0, k, f, len);
	}
}

/* The nodes' timers and ngd's loop (its hooks: the bridges' ticks) run:
 * the clock is the real one on both sides (ngd's and the kernel's), so
 * time does not jump here as in diff_fast.c. */
static void
tick(void)
{
	loop_pass();
}

/* A client's message to the bridge (a reset, a new config, a new
 * maxhosts), and ngd's write-back before its reply. */
static void
bridge_msg(void)
{
	struct ng_bridge_config conf;
	uint32_t max = 1 + rnd(6);

	bridge_conf(&conf);
	switch (rnd(3)) {
	case 0:
		if (getenv("DIFF_FAST_TRACE") != NULL)
			printf("reset\n");
		FUZZ_ASSERT(msg("B:", NGM_BRIDGE_COOKIE, NGM_BRIDGE_RESET, NULL,
				0) == 0);
		break;
	case 1:
		if (getenv("DIFF_FAST_TRACE") != NULL)
			printf("setconfig\n");
		FUZZ_ASSERT(msg("B:", NGM_BRIDGE_COOKIE, NGM_BRIDGE_SET_CONFIG,
				&conf, sizeof(conf)) == 0);
		break;
	default:
		if (getenv("DIFF_FAST_TRACE") != NULL)
			printf("setmaxhosts %u\n", max);
		FUZZ_ASSERT(msg("B:", NGM_BRIDGE_COOKIE,
				NGM_BRIDGE_SET_MAX_HOSTS, &max, sizeof(max)) ==
		    0);
		break;
	}
}

/* --- setup ------------------------------------------------------------------- */

static char rundir[64];

static void
sysctl_set(const char *path, const char *val)
{
	FILE *f = fopen(path, "w");

	if (f != NULL) {
		fputs(val, f);
		fclose(f);
	}
}

/*
 * Network and mount namespaces of our own (ngd's namespace here; the
 * data plane ngd makes; its bind mount in a tmpfs of ours), no IPv6 (an
 * interface up would send its own frames into the graph), ngd's loop,
 * netdev and fast path, and its graph with a socket node for the
 * client's messages.
 */
static void
setup(void)
{
	const struct ng_netdev_ops *ops;
	struct ng_backend be[2] = {
		{ NGM_SOCKET_COOKIE, &b_sock_ops, NULL },
	};
	struct ng_graph_cfg cfg = {
		.types = ng_nodes_types,
		.backends = be,
		.netdev_ops = &b_ops,
		.clock_ms = ngd_clock_ms,
		.hookstats_sync = ngd_fast_hookstats,
	};
	cpu_set_t cpu;
	void *backend;
	struct ifreq ifr;
	int dp_ioc;

	if (unshare(CLONE_NEWNET | CLONE_NEWNS) != 0) {
		fprintf(stderr, "diff_fast_ngd: unshare: %s (root?)\n",
		    strerror(errno));
		exit(2);
	}
	/* ngd's run directory a tmpfs on /tmp that only we see: nothing
	 * of ours outlives us, however we end */
	snprintf(rundir, sizeof(rundir), "/tmp");
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0 ||
	    mount("tmpfs", rundir, "tmpfs", 0, "mode=0700") != 0) {
		fprintf(stderr, "diff_fast_ngd: mounts: %s\n", strerror(errno));
		exit(2);
	}
	sysctl_set("/proc/sys/net/ipv6/conf/all/disable_ipv6", "1");
	sysctl_set("/proc/sys/net/ipv6/conf/default/disable_ipv6", "1");
	unsetenv("NGD_BPF_DIR");
	unsetenv("NGD_FASTPATH");
	ngd_fast_pin_rundir(rundir);
	ngd_fast_pin_root(rundir); /* no bpffs: nothing pinned */
	FUZZ_ASSERT(ngd_loop_init(&loop) == 0);
	FUZZ_ASSERT(ngd_netdev_init(&nd, &loop) == 0);
	FUZZ_ASSERT(ngd_fast_new(&nd, &ops, &backend, &fast) == 0);
	if (fast == NULL) {
		fprintf(stderr, "diff_fast_ngd: no kernel fast path\n");
		exit(2);
	}
	b_ops = *ops;
	b_ops.xmit = b_xmit;
	cfg.backend = backend;
	cfg.hookstats_arg = fast;
	FUZZ_ASSERT(ng_graph_new(&cfg, &gb) == 0);
	FUZZ_ASSERT((sockb = fz_socket(gb, &cb)) != NULL);
	ownns = nd.own_netns;
	dpns = ngd_fast_dp_netns(fast);
	FUZZ_ASSERT((ioc_fd = socket(AF_INET, SOCK_DGRAM, 0)) >= 0);
	eifaces_make(NREAL); /* the programs loaded with the first */
	tapidx = ngd_fast_tap_index(fast);
	FUZZ_ASSERT(ngd_fast_obj(fast) != NULL && tapidx > 0);
	/* the TAP is written as the program's redirect would (no MTU on
	 * that path: a full frame with two tags and the port's) */
	FUZZ_ASSERT(setns(dpns, CLONE_NEWNET) == 0);
	pkt_fd = socket(AF_PACKET, SOCK_RAW, 0);
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_mtu = 9000;
	FUZZ_ASSERT((dp_ioc = socket(AF_INET, SOCK_DGRAM, 0)) >= 0 &&
	    if_indextoname((unsigned)tapidx, ifr.ifr_name) != NULL &&
	    ioctl(dp_ioc, SIOCSIFMTU, &ifr) == 0);
	close(dp_ioc);
	FUZZ_ASSERT(setns(ownns, CLONE_NEWNET) == 0);
	FUZZ_ASSERT(pkt_fd >= 0);
	/* one CPU: the bridges' flow cache is per CPU */
	CPU_ZERO(&cpu);
	CPU_SET(sched_getcpu() < 0 ? 0 : sched_getcpu(), &cpu);
	(void)sched_setaffinity(0, sizeof(cpu), &cpu);
}

/* The reference: the node code alone, on the same clock as ngd's. */
static struct ng_graph *
graph_a(void)
{
	struct ng_backend be[2] = {
		{ NGM_SOCKET_COOKIE, &node_ops, NULL },
	};
	struct ng_graph_cfg cfg = {
		.types = ng_nodes_types,
		.backends = be,
		.netdev_ops = &ngt_netdev_ops,
		.backend = &fz_fake,
		.clock_ms = ngd_clock_ms,
	};
	struct ng_graph *g;

	memset(&fz_fake, 0, sizeof(fz_fake));
	return ng_graph_new(&cfg, &g) == 0 ? g : NULL;
}

/* diff_fast.bpf.o on ngd's maps: each of its maps that ng_fast.bpf.c
 * has is ngd's own (by name). */
static void
prog_load(const char *path)
{
	struct bpf_object *ngd_obj = ngd_fast_obj(fast);
	struct bpf_program *port, *sp;
	struct bpf_map *m;
	uint32_t zero = 0;
	int fd;

	bpf_object__for_each_map(m, obj)
	{
		const struct bpf_map *theirs;

		if (strncmp(bpf_map__name(m), "ng_fast_", 8) != 0)
			continue;
		theirs = bpf_object__find_map_by_name(ngd_obj,
		    bpf_map__name(m));
		if (theirs == NULL ||
		    bpf_map__reuse_fd(m, bpf_map__fd(theirs)) != 0) {
			fprintf(stderr, "diff_fast_ngd: map %s: not ngd's\n",
			    bpf_map__name(m));
			exit(2);
		}
	}
	if (bpf_object__load(obj) != 0) {
		fprintf(stderr, "diff_fast_ngd: load %s: %s\n", path,
		    strerror(errno));
		exit(2);
	}
	port = bpf_object__find_program_by_name(obj, NG_FAST_BPF_PROG_PORT);
	sp = bpf_object__find_program_by_name(obj, FZD_PROG_SHIM);
	if (port == NULL || sp == NULL)
		exit(2);
	shim = bpf_program__fd(sp);
	fd = bpf_program__fd(port);
	put(mapfd(FZD_MAP_PROGS), &zero, &fd);
	recs = mapfd(FZD_MAP_RECS);
	nrec = mapfd(FZD_MAP_NREC);
	pstats = mapfd(NG_FAST_BPF_MAP_STATS);
	hostsof = mapfd("ng_fast_hostsof");
	vlstats = mapfd(NG_FAST_BPF_MAP_VLSTATS);
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
		    "usage: diff_fast_ngd OBJECT [SEED [GRAPHS [FRAMES]]]\n");
		return 64;
	}
	if (seed == 0)
		seed = (uint64_t)time(NULL) * 2654435761u;
	ports_flip = getenv("DIFF_FAST_PORTS") != NULL;
	rng = seed;
	setvbuf(stdout, NULL, _IOLBF, 0);
	/* opened before /tmp is ours alone */
	if ((obj = bpf_object__open_file(argv[1], NULL)) == NULL) {
		fprintf(stderr, "diff_fast_ngd: open %s: %s\n", argv[1],
		    strerror(errno));
		return 2;
	}
	setup();
	prog_load(argv[1]);
	for (graphs = 0; graphs < ngraphs; graphs++) {
		graph_make();
		wide += G.n > NREAL;
		/* a wide one's frames cost dozens of copies and counters */
		for (unsigned long i = 0;
		     i < (G.n > NREAL ? nframes / 8 + 1 : nframes); i++) {
			if (rnd(32) == 0)
				tick();
			if (G.br != NULL && rnd(64) == 0)
				bridge_msg();
			if (ports_flip && rnd(48) == 0)
				port_flip();
			frame_one();
			if (G.c.node == NULL)
				break;
		}
		graph_free();
	}
	printf("# seed %llu: %lu graphs (%lu flooding in slices: %lu "
	       "slices re-run), %lu frames "
	       "(%lu to ngd, %lu dropped by the kernel before tc, %lu a test "
	       "run refuses; %lu copies no interface could get), "
	       "%lu diverged\n",
	    (unsigned long long)seed, graphs, wide, slices, frames, slow_frames,
	    kernel_drops, untested, undeliverable, diverged);
	printf("# ngd: %lu messages, %lu passes of its loop, %u eifaces; "
	       "%lu frames not sent by a port that was down\n",
	    b_msgs, loop_passes, neifaces, down_frames);
	for (unsigned i = 0; i < nclasses; i++)
		printf("# %6u  %s\n", classes[i].count, classes[i].name);
	free(last_msg);
	free(last_msg_b);
	bpf_object__close(obj);
	ng_graph_free(gb);
	ngd_fast_free(fast);
	return diverged != 0;
}
