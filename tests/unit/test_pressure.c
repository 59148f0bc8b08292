/*
 * test_pressure.c: one busy part of the graph must not starve the rest
 * (issue 13, item 2).  Pipes with a long delay and unbounded queues are
 * flooded through a bridge while an unrelated path through the same
 * bridge keeps carrying frames; what the pipes could not hold is counted
 * in their stats, and everything they held arrives once the delay is
 * over.  Then the log rate limit the engine and ngd share.
 *
 *                      sock (the test)
 *         f         c         b         p1  p2  p3
 *         |         |         |         |   |   |
 *       link0     link2     link3     lower of P1..P3
 *       +-------- bridge B ---------+   upper of P1..P3
 *                      link1, link4, link5 --+
 *
 * f floods hosts behind the pipes; c talks to b, a path that touches no
 * pipe.
 */
#include <stdarg.h>
#include <syslog.h>

#include <netgraph/ng_pipe.h>

#include "ngtest.h"
#include "ng_internal.h" /* the pool's size */

static struct ngt_conn conn;

static const uint8_t mac_f[6] = { 0x02, 0, 0, 0, 0, 0x0f };
static const uint8_t mac_b[6] = { 0x02, 0, 0, 0, 0, 0x0b };
static const uint8_t mac_c[6] = { 0x02, 0, 0, 0, 0, 0x0c };
static const uint8_t mac_bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

#define NPIPES 3
#define FLOOD 3000 /* frames into each pipe, three times the pool */

static void
mac_p(uint8_t mac[6], int i)
{
	static const uint8_t base[6] = { 0x02, 0, 0, 0, 1, 0 };

	memcpy(mac, base, 6);
	mac[5] = (uint8_t)i;
}

static struct ng_pipe_stats
pipe_stats(struct ng_node *sock, const char *path)
{
	struct ng_pipe_stats st;
	const struct ng_mesg *r;

	memset(&st, 0xee, sizeof(st));
	ngt_clear(&conn);
	if (ngt_msg(sock, path, NGM_PIPE_COOKIE, NGM_PIPE_GET_STATS, NULL, 0) ==
		0 &&
	    (r = ngt_last_msg(&conn)) != NULL && r->header.arglen == sizeof(st))
		memcpy(&st, r->data, sizeof(st));
	ngt_clear(&conn);
	return st;
}

/* c sends n frames to b; how many b got. */
static unsigned
unrelated_path(struct ng_node *sock, unsigned n)
{
	unsigned before = ngt_count(&conn, "b");

	for (unsigned i = 0; i < n; i++)
		(void)ngt_send_frame(sock, "c", mac_b, mac_c, 100);
	return ngt_count(&conn, "b") - before;
}

static void
test_flooded_pipes(void)
{
	struct ng_graph *g = ngt_graph();
	struct ng_node *sock = ngt_socket(g, &conn);
	struct ng_pipe_cfg cfg;
	char path[32], hook[16], link[16];
	uint8_t mac[6];
	unsigned long held = 0, dropped = 0, arrived = 0;
	int error = 0;

	error |= ngt_mkpeer(sock, ".", "bridge", "f", "link0");
	error |= ngt_name(sock, "f", "B");
	error |= ngt_connect(sock, ".", "B:", "c", "link2");
	error |= ngt_connect(sock, ".", "B:", "b", "link3");
	for (int i = 1; i <= NPIPES; i++) {
		snprintf(link, sizeof(link), "link%d", i == 1 ? 1 : i + 2);
		snprintf(path, sizeof(path), "B:%s", link);
		snprintf(hook, sizeof(hook), "p%d", i);
		error |= ngt_mkpeer(sock, "B:", "pipe", link, "upper");
		error |= ngt_connect(sock, ".", path, hook, "lower");
	}
	CHECK_INT("pressure/graph built", error, 0);

	/* The bridge learns every host, the pipes still transparent. */
	(void)ngt_send_frame(sock, "b", mac_bcast, mac_b, 60);
	(void)ngt_send_frame(sock, "c", mac_bcast, mac_c, 60);
	(void)ngt_send_frame(sock, "f", mac_bcast, mac_f, 60);
	for (int i = 1; i <= NPIPES; i++) {
		snprintf(hook, sizeof(hook), "p%d", i);
		mac_p(mac, i);
		(void)ngt_send_frame(sock, hook, mac_bcast, mac, 60);
	}
	ngt_clear(&conn);
	CHECK_INT("pressure/the path works before", unrelated_path(sock, 10),
	    10);

	/* 9 s of delay, queues as long as setcfg allows, then the flood:
	 * the clock stands still, so nothing leaves the pipes. */
	memset(&cfg, 0, sizeof(cfg));
	cfg.delay = 9000000;
	cfg.downstream.qin_size_limit = 1000000;
	cfg.upstream.qin_size_limit = 1000000;
	for (int i = 1; i <= NPIPES; i++) {
		snprintf(path, sizeof(path), "B:link%d", i == 1 ? 1 : i + 2);
		error |= ngt_msg(sock, path, NGM_PIPE_COOKIE, NGM_PIPE_SET_CFG,
		    &cfg, sizeof(cfg));
	}
	CHECK_INT("pressure/pipes configured", error, 0);
	for (int n = 0; n < FLOOD; n++)
		for (int i = 1; i <= NPIPES; i++) {
			mac_p(mac, i);
			(void)ngt_send_frame(sock, "f", mac, mac_f, 1000);
		}
	printf("# %d frames flooded into %d pipes; they hold %u, the pool "
	       "has %u\n",
	    FLOOD * NPIPES, NPIPES, ng_pkt_held(g), NG_PKT_POOL_MAX);
	CHECK("pressure/the pipes hold at most half the pool",
	    ng_pkt_held(g) > 0 && ng_pkt_held(g) <= NG_PKT_POOL_MAX / 2);
	CHECK_INT("pressure/the unrelated path still delivers",
	    unrelated_path(sock, 100), 100);

	for (int i = 1; i <= NPIPES; i++) {
		struct ng_pipe_stats st;

		snprintf(path, sizeof(path), "B:link%d", i == 1 ? 1 : i + 2);
		st = pipe_stats(sock, path);
		dropped += st.downstream.in_disc_frames +
		    st.downstream.out_disc_frames;
	}
	held = ng_pkt_held(g);
	CHECK_INT("pressure/what was not held is counted as dropped",
	    dropped + held, (unsigned long)FLOOD * NPIPES);

	/* The delay passes: every frame held arrives, the budget empties. */
	ngt_advance(g, 10);
	for (int i = 1; i <= NPIPES; i++) {
		snprintf(hook, sizeof(hook), "p%d", i);
		arrived += ngt_count(&conn, hook);
	}
	CHECK_INT("pressure/every frame held arrives", arrived, held);
	CHECK_INT("pressure/nothing is held afterwards", ng_pkt_held(g), 0);
	printf("# held %lu, dropped %lu, delivered %lu; unrelated path "
	       "100/100\n",
	    held, dropped, arrived);

	/* A pipe that goes while full gives its budget back. */
	for (int n = 0; n < 100; n++) {
		mac_p(mac, 1);
		(void)ngt_send_frame(sock, "f", mac, mac_f, 1000);
	}
	CHECK_INT("pressure/a pipe holds again", ng_pkt_held(g), 100);
	CHECK_INT("pressure/shut it down", ngt_shutdown(sock, "B:link1"), 0);
	CHECK_INT("pressure/... its frames are released", ng_pkt_held(g), 0);
	ngt_close(&conn);
	ng_graph_free(g);
}

/*
 * A pipe lets go what is due into a storm, a turn's deliveries at a time
 * (NG_BATCH_SENDS), not all at once: its frames held back, the rest go
 * in the next timer runs, after the loop's other sources.
 *
 *   sock in -- upper [P pipe] lower -- x [H1 hub] =p,q,r= [H2 hub]
 *
 * Only downstream is slowed (a bandwidth): what the storm sends back
 * into lower passes straight up to the test's socket.
 */
#define STORMED 40 /* frames held, each a storm of NG_MAX_SENDS */

static void
test_pipe_into_storm(void)
{
	struct ng_graph *g = ngt_graph();
	struct ng_node *sock = ngt_socket(g, &conn);
	struct ng_pipe_cfg cfg;
	struct ng_pipe_stats st;
	uint64_t before, most = 0;
	unsigned runs = 0;
	int error = 0, due = 0;

	error |= ngt_mkpeer(sock, ".", "pipe", "in", "upper");
	error |= ngt_name(sock, "in", "P");
	error |= ngt_mkpeer(sock, "P:", "hub", "lower", "x");
	error |= ngt_name(sock, "P:lower", "H1");
	error |= ngt_mkpeer(sock, "H1:", "hub", "p", "p");
	error |= ngt_name(sock, "H1:p", "H2");
	error |= ngt_connect(sock, "H1:", "H2:", "q", "q");
	error |= ngt_connect(sock, "H1:", "H2:", "r", "r");
	memset(&cfg, 0, sizeof(cfg));
	cfg.downstream.bandwidth = 1000000; /* 60 bytes: 480 us */
	cfg.downstream.qin_size_limit = 1000;
	error |= ngt_msg(sock, "P:", NGM_PIPE_COOKIE, NGM_PIPE_SET_CFG, &cfg,
	    sizeof(cfg));
	CHECK_INT("pipe storm/graph built", error, 0);
	/* The clock stands still: the first frame is on the wire, the
	 * others wait for the link (40 frames: 19 ms). */
	for (int n = 0; n < STORMED; n++)
		(void)ngt_send_frame(sock, "in", mac_bcast, mac_f, 60);
	CHECK_INT("pipe storm/the pipe holds them", ng_pkt_held(g), STORMED);

	/* A second later all are due at once: a run lets go one turn's
	 * worth (the budget, and the last frame's storm over it). */
	before = ng_sends(g);
	ngt_advance(g, 1);
	most = ng_sends(g) - before;
	before = ng_sends(g);
	st = pipe_stats(sock, "P:");
	printf("# a run let go %llu of %d frames due, %llu deliveries\n",
	    (unsigned long long)(st.downstream.fwd_frames +
		st.downstream.out_disc_frames),
	    STORMED, (unsigned long long)most);
	CHECK("pipe storm/one run costs at most a turn's deliveries (and "
	      "a frame's)",
	    most > 0 && most <= NG_BATCH_SENDS + NG_MAX_SENDS);
	CHECK("pipe storm/... so some wait", ng_pkt_held(g) > 0);

	/* The rest in the runs that follow, the clock still: each says
	 * the next is due now (the loop does not sleep). */
	while (ng_pkt_held(g) > 0 && runs < 10 * STORMED) {
		uint64_t cost;
		int64_t next = ng_timers_run(g);

		if (ng_pkt_held(g) > 0)
			due |= next != 0;
		cost = ng_sends(g) - before;
		before = ng_sends(g);
		if (cost > most)
			most = cost;
		runs++;
	}
	st = pipe_stats(sock, "P:");
	/* (into a storm a frame's send fails: the hubs ran out of
	 * deliveries, ELOOP, and the pipe counts it a delayDrop) */
	CHECK_INT("pipe storm/every frame goes in later runs",
	    st.downstream.fwd_frames + st.downstream.out_disc_frames, STORMED);
	CHECK_INT("pipe storm/... each run said the next was due now", due, 0);
	CHECK("pipe storm/... none costs more than a turn (and a frame)",
	    most <= NG_BATCH_SENDS + NG_MAX_SENDS);
	printf("# %u more runs, the costliest %llu deliveries\n", runs,
	    (unsigned long long)most);
	ngt_close(&conn);
	ng_graph_free(g);
}

/* --- log rate limits -------------------------------------------------- */

static unsigned nlines;
static char last_line[256];

static void
capture_log(int level, const char *fmt, ...)
{
	va_list ap;

	(void)level;
	va_start(ap, fmt);
	vsnprintf(last_line, sizeof(last_line), fmt, ap);
	va_end(ap);
	nlines++;
}

/*
 * More call sites than the table has slots, taking turns: a table that
 * gave each newcomer the slot of its first probe, starting it afresh,
 * let every line of two sites that shared one out.
 */
static void
test_ratelim_many_sites(void)
{
	static char sites[2 * NG_LOG_KEYS + 2];
	static struct ng_ratelim_tab tab;
	unsigned long held_back = 0, counted = 0;
	unsigned passed = 0;

	for (int r = 0; r < 100; r++)
		for (int k = 0; k < 2 * NG_LOG_KEYS; k++)
			passed += ng_ratelim(&tab, &sites[k], ngt_now_ms,
			    &held_back);
	printf("# %d call sites, 100 lines each, in turns: %u let out\n",
	    2 * NG_LOG_KEYS, passed);
	CHECK("ratelim/more call sites than slots, in turns: still bounded",
	    passed <= (NG_LOG_KEYS + 1) * NG_LOG_BURST);
	CHECK("ratelim/... and each slot's site had its burst",
	    passed >= NG_LOG_KEYS * NG_LOG_BURST);
	/* A window later each site's next line says what it held back;
	 * the sites that shared the last slot share its count. */
	for (int k = 0; k < 2 * NG_LOG_KEYS; k++)
		if (ng_ratelim(&tab, &sites[k], ngt_now_ms + NG_LOG_WINDOW_MS,
			&held_back))
			counted += held_back;
	CHECK_INT("ratelim/... every line is let out or counted",
	    counted + passed, 100ul * 2 * NG_LOG_KEYS);
	/* Two windows on, nothing held back: the slots are free again, and
	 * two new sites each have a burst of their own. */
	passed = 0;
	for (int k = 0; k < 2; k++)
		for (int r = 0; r < 100; r++)
			passed += ng_ratelim(&tab, &sites[2 * NG_LOG_KEYS + k],
			    ngt_now_ms + 3 * NG_LOG_WINDOW_MS, &held_back);
	CHECK_INT("ratelim/quiet sites give their slots to new ones", passed,
	    2 * NG_LOG_BURST);
}

static void
test_log_ratelimit(void)
{
	struct ng_graph_cfg gcfg = {
		.backends =
		    (const struct ng_backend[]){
			{ NGM_SOCKET_COOKIE, &ngt_sock_ops, NULL },
			{ 0, NULL, NULL },
		    },
		.clock_ms = ngt_clock,
		.log = capture_log,
	};
	struct ng_ratelim_tab tab;
	unsigned long held_back = 0;
	unsigned passed = 0;
	struct ng_graph *g;

	memset(&tab, 0, sizeof(tab));
	for (int i = 0; i < 1000; i++)
		passed += ng_ratelim(&tab, "a", ngt_now_ms, &held_back);
	CHECK_INT("ratelim/a burst goes out", passed, NG_LOG_BURST);
	CHECK("ratelim/another call site is not held back",
	    ng_ratelim(&tab, "b", ngt_now_ms, &held_back) && held_back == 0);
	CHECK("ratelim/after the window the next line goes out",
	    ng_ratelim(&tab, "a", ngt_now_ms + NG_LOG_WINDOW_MS, &held_back));
	CHECK_INT("ratelim/... saying how many were held back", held_back,
	    1000 - NG_LOG_BURST);

	test_ratelim_many_sites();

	if (ng_graph_new(&gcfg, &g) != 0) {
		printf("FAIL ng_graph_new\n");
		return;
	}
	for (int i = 0; i < 100000; i++)
		ng_log(g, LOG_WARNING, "bad frame %d", i);
	CHECK_INT("ratelim/100000 ng_log lines: a burst logged", nlines,
	    NG_LOG_BURST);
	ngt_now_ms += NG_LOG_WINDOW_MS;
	ng_log(g, LOG_WARNING, "bad frame %d", 100000);
	CHECK_STR("ratelim/... then one that counts the rest", last_line,
	    "bad frame 100000 (99990 more like it suppressed)");
	ng_graph_free(g);
}

int
main(void)
{
	test_flooded_pipes();
	test_pipe_into_storm();
	test_log_ratelimit();
	return ngt_done();
}
