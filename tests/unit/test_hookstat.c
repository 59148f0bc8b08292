/*
 * test_hookstat.c: per-hook counters and capture (<netgraph/ng_hookstat.h>).
 * Client s joins a hub H on two hooks; client w watches H's hook b.
 *
 *          p0 --- a
 *   s             hub H          w: capture H: b
 *          p1 --- b
 *
 * A frame s sends on p0 leaves H through b (w sees it going out); one s
 * sends on p1 enters H through b (w sees it coming in).  The edge is never
 * changed by a capture; its end, the edge's end or w's end stops it.
 */
#include <netgraph/ng_hookstat.h>

#include "ngtest.h"
#include "ngmsg.h"

struct cap_rec {
	unsigned n, ends;
	struct ng_capture_hdr last;
};
static struct cap_rec rec;

static int
rec_capture(void *conn, struct ng_capture_hdr *h, const void *frame)
{
	(void)conn;
	(void)frame;
	if (h->flags & NG_CAPTURE_END)
		rec.ends++;
	else
		rec.n++;
	rec.last = *h;
	return 0;
}

static const struct ng_socket_ops ops = {
	.deliver_msg = ngt_deliver_msg,
	.deliver_data = ngt_deliver_data,
	.gone = ngt_gone,
	.deliver_capture = rec_capture,
};

/* The counters of hook at path, from gethookstats sent by c's node. */
static struct ng_hookstat
stats(struct ngt_conn *c, const char *path, const char *hook)
{
	struct ng_hookstat st;
	const struct ng_hookstats *hs;
	const struct ng_mesg *m;

	memset(&st, 0, sizeof(st));
	ngt_clear(c);
	if (ngt_msg(c->node, path, NGM_HOOKSTAT_COOKIE, NGM_HOOKSTAT_GET, NULL,
		0) != 0 ||
	    (m = ngt_last_msg(c)) == NULL || m->header.arglen < sizeof(*hs))
		return st;
	hs = (const void *)m->data;
	for (uint32_t i = 0; i < hs->numhooks; i++)
		if (strcmp(hs->stats[i].hook, hook) == 0)
			st = hs->stats[i];
	return st;
}

static int
capture(struct ngt_conn *c, const char *path, const char *hook,
    uint32_t snaplen)
{
	struct ng_hookstat_capture arg;

	memset(&arg, 0, sizeof(arg));
	snprintf(arg.hook, sizeof(arg.hook), "%s", hook);
	arg.snaplen = snaplen;
	return ngt_msg(c->node, path, NGM_HOOKSTAT_COOKIE, NGM_HOOKSTAT_CAPTURE,
	    &arg, sizeof(arg));
}

static int
named(struct ngt_conn *c, const char *path, uint32_t cmd, const char *hook)
{
	struct ng_hookstat_name arg;

	memset(&arg, 0, sizeof(arg));
	snprintf(arg.hook, sizeof(arg.hook), "%s", hook);
	return ngt_msg(c->node, path, NGM_HOOKSTAT_COOKIE, cmd, &arg,
	    sizeof(arg));
}

/*
 * A backend that forwards frames past the engine (as ngd's kernel fast
 * path does) across the edge at H's hook a: "pending" frames of 100
 * bytes since it was last asked, which it adds to both ends' counters
 * when the engine asks before reading or clearing them.
 */
static struct {
	unsigned calls, pending;
	struct ng_node *asked;
} fwd;

static void
fwd_sync(void *arg, struct ng_node *node)
{
	struct ng_hook *a = ng_find_hook(node, "a");

	fwd.calls++;
	fwd.asked = node;
	if (arg != &fwd || a == NULL || a->peer == NULL)
		return;
	/* counted once, at the sending end: a's "in" is read from it */
	a->peer->stats.xmit_frames += fwd.pending;
	a->peer->stats.xmit_octets += 100 * fwd.pending;
	fwd.pending = 0;
}

/* gethookstats and clrhookstats ask the backend first (hookstats_sync). */
static void
test_backend_counts(void)
{
	static const uint8_t d1[6] = { 2, 0, 0, 0, 0, 1 };
	static const uint8_t d2[6] = { 2, 0, 0, 0, 0, 2 };
	struct ng_graph_cfg cfg = {
		.types = ng_nodes_types,
		.backends =
		    (const struct ng_backend[]){
			{ NGM_SOCKET_COOKIE, &ops, NULL },
			{ 0, NULL, NULL },
		    },
		.clock_ms = ngt_clock,
		.hookstats_sync = fwd_sync,
		.hookstats_arg = &fwd,
	};
	static struct ngt_conn s;
	struct ng_hookstat st;
	struct ng_graph *g;

	CHECK_INT("graph with hookstats_sync", ng_graph_new(&cfg, &g), 0);
	ngt_socket(g, &s);
	CHECK_INT("mkpeer hub", ngt_mkpeer(s.node, ".", "hub", "p0", "a"), 0);
	CHECK_INT("name H", ngt_name(s.node, "p0", "H"), 0);
	CHECK_INT("connect p1", ngt_connect(s.node, ".", "H:", "p1", "b"), 0);
	CHECK_INT("send on p0", ngt_send_frame(s.node, "p0", d1, d2, 60), 0);
	fwd.pending = 4;
	fwd.calls = 0;
	st = stats(&s, "H:", "a");
	CHECK_INT("the backend is asked once", fwd.calls, 1);
	CHECK("... about the node read", fwd.asked == ng_find_name(g, "H"));
	CHECK_INT("its frames and ours", st.recv_frames, 5);
	CHECK_INT("... their octets", st.recv_octets, 460);
	CHECK_INT("the other end counts them too",
	    stats(&s, ".", "p0").xmit_frames, 5);
	CHECK_INT("b: ours alone", stats(&s, "H:", "b").xmit_frames, 1);
	fwd.pending = 2;
	CHECK_INT("clrhookstats all", named(&s, "H:", NGM_HOOKSTAT_CLEAR, ""),
	    0);
	CHECK_INT("what it forwarded before the clear is cleared too",
	    stats(&s, "H:", "a").recv_frames, 0);
	fwd.pending = 3;
	CHECK_INT("then it counts again", stats(&s, "H:", "a").recv_frames, 3);
	ngt_close(&s);
	ng_graph_free(g);
}

int
main(void)
{
	static const uint8_t d1[6] = { 2, 0, 0, 0, 0, 1 };
	static const uint8_t d2[6] = { 2, 0, 0, 0, 0, 2 };
	struct ng_graph *g = ngt_graph_with(&ops, NULL);
	static struct ngt_conn s, w, x;
	struct ng_hookstat st;
	struct ng_node *hub;

	ngt_socket(g, &s);
	ngt_socket(g, &w);
	CHECK_INT("mkpeer hub", ngt_mkpeer(s.node, ".", "hub", "p0", "a"), 0);
	CHECK_INT("name H", ngt_name(s.node, "p0", "H"), 0);
	CHECK_INT("connect p1", ngt_connect(s.node, ".", "H:", "p1", "b"), 0);
	hub = ng_find_name(g, "H");

	/* counters: 3 frames of 60 bytes in on a, out on b */
	for (int i = 0; i < 3; i++)
		CHECK_INT("send on p0",
		    ngt_send_frame(s.node, "p0", d1, d2, 60), 0);
	st = stats(&w, "H:", "a");
	CHECK_INT("H a recvFrames", st.recv_frames, 3);
	CHECK_INT("H a recvOctets", st.recv_octets, 180);
	CHECK_INT("H a xmitFrames", st.xmit_frames, 0);
	st = stats(&w, "H:", "b");
	CHECK_INT("H b xmitFrames", st.xmit_frames, 3);
	CHECK_INT("H b xmitOctets", st.xmit_octets, 180);
	st = stats(&s, ".", "p0");
	CHECK_INT("s p0 xmitFrames", st.xmit_frames, 3);
	st = stats(&s, ".", "p1");
	CHECK_INT("s p1 recvFrames", st.recv_frames, 3);
	CHECK_INT("clrhookstats b", named(&s, "H:", NGM_HOOKSTAT_CLEAR, "b"),
	    0);
	CHECK_INT("b cleared", stats(&w, "H:", "b").xmit_frames, 0);
	CHECK_INT("a kept", stats(&w, "H:", "a").recv_frames, 3);
	CHECK_INT("clrhookstats all", named(&s, "H:", NGM_HOOKSTAT_CLEAR, ""),
	    0);
	CHECK_INT("a cleared", stats(&w, "H:", "a").recv_frames, 0);
	CHECK_INT("clrhookstats nope",
	    named(&s, "H:", NGM_HOOKSTAT_CLEAR, "nope"), ENOENT);
	/* an edge is counted once, at the sender: a clear at one end
	 * leaves the other end's figures as they were */
	CHECK_INT("s p0 still counts 3 out", stats(&s, ".", "p0").xmit_frames,
	    3);
	CHECK_INT("s p1 still counts 3 in", stats(&s, ".", "p1").recv_frames,
	    3);
	CHECK_INT("send on p0", ngt_send_frame(s.node, "p0", d1, d2, 60), 0);
	CHECK_INT("H a 1 in since the clear", stats(&w, "H:", "a").recv_frames,
	    1);
	CHECK_INT("s p0 4 out", stats(&s, ".", "p0").xmit_frames, 4);
	CHECK_INT("clrhookstats s", named(&s, ".", NGM_HOOKSTAT_CLEAR, ""), 0);
	CHECK_INT("s p0 cleared", stats(&s, ".", "p0").xmit_frames, 0);
	CHECK_INT("H a not cleared", stats(&w, "H:", "a").recv_octets, 60);

	/* a tee between s and H goes (ng_bypass joins its neighbours): the
	 * counts from before stay with the ends that remain */
	CHECK_INT("mkpeer tee", ngt_mkpeer(s.node, ".", "tee", "p2", "left"),
	    0);
	CHECK_INT("name T", ngt_name(s.node, "p2", "T"), 0);
	CHECK_INT("send on p2 (T drops it)",
	    ngt_send_frame(s.node, "p2", d1, d2, 100), 0);
	CHECK_INT("connect T H", ngt_connect(s.node, "T:", "H:", "right", "c"),
	    0);
	for (int i = 0; i < 2; i++)
		CHECK_INT("send on p2",
		    ngt_send_frame(s.node, "p2", d1, d2, 100), 0);
	CHECK_INT("H c 2 in", stats(&w, "H:", "c").recv_frames, 2);
	CHECK_INT("shutdown T", ngt_shutdown(s.node, "T:"), 0);
	CHECK_INT("H c 2 in after the bypass", stats(&w, "H:", "c").recv_frames,
	    2);
	CHECK_INT("s p2 3 out after the bypass",
	    stats(&s, ".", "p2").xmit_frames, 3);
	CHECK_INT("send on p2", ngt_send_frame(s.node, "p2", d1, d2, 100), 0);
	CHECK_INT("H c 3 in", stats(&w, "H:", "c").recv_frames, 3);
	CHECK_INT("H c 300 octets in", stats(&w, "H:", "c").recv_octets, 300);
	CHECK_INT("H a not counting c's", stats(&w, "H:", "a").recv_frames, 1);
	CHECK_INT("rmhook p2", ngt_rmhook(s.node, ".", "p2"), 0);
	ngt_clear(&s);

	/* capture: both directions, the edge untouched */
	CHECK_INT("capture H b", capture(&w, "H:", "b", 20), 0);
	CHECK_INT("capture H b twice", capture(&w, "H:", "b", 0), EEXIST);
	CHECK_INT("capture H nope", capture(&w, "H:", "nope", 0), ENOENT);
	CHECK_INT("H keeps two hooks", hub->numhooks, 2);
	CHECK_INT("send on p0", ngt_send_frame(s.node, "p0", d1, d2, 60), 0);
	CHECK_INT("one copy", rec.n, 1);
	CHECK_INT("out of H", rec.last.dir, NG_CAPTURE_OUT);
	CHECK_INT("whole length", rec.last.len, 60);
	CHECK_INT("cut to snaplen", rec.last.caplen, 20);
	CHECK_STR("hook b", rec.last.hook, "b");
	CHECK_INT("node H", rec.last.node, hub->id);
	CHECK_INT("send on p1", ngt_send_frame(s.node, "p1", d2, d1, 70), 0);
	CHECK_INT("a copy of what entered", rec.n, 2);
	CHECK_INT("into H", rec.last.dir, NG_CAPTURE_IN);
	CHECK_INT("s still gets the frames", ngt_count(&s, "p1"), 1);
	CHECK_INT("uncapture b", named(&w, "H:", NGM_HOOKSTAT_UNCAPTURE, "b"),
	    0);
	CHECK_INT("uncapture b again",
	    named(&w, "H:", NGM_HOOKSTAT_UNCAPTURE, "b"), ENOENT);
	CHECK_INT("send on p0", ngt_send_frame(s.node, "p0", d1, d2, 60), 0);
	CHECK_INT("no copy after uncapture", rec.n, 2);

	/* the edge goes: its capture ends, and w hears of it */
	CHECK_INT("capture H a", capture(&w, "H:", "a", 0), 0);
	CHECK_INT("rmhook p0", ngt_rmhook(s.node, ".", "p0"), 0);
	CHECK_INT("the end is told", rec.ends, 1);

	/* the capturer goes: the capture ends, the edge stays */
	CHECK_INT("reconnect p0", ngt_connect(s.node, ".", "H:", "p0", "a"), 0);
	ngt_socket(g, &x);
	CHECK_INT("x captures H b", capture(&x, "H:", "b", 0), 0);
	ngt_close(&x);
	rec.n = 0;
	CHECK_INT("send on p0", ngt_send_frame(s.node, "p0", d1, d2, 60), 0);
	CHECK_INT("no copy for a closed client", rec.n, 0);
	CHECK_INT("s gets it on p1", ngt_count(&s, "p1") > 0, 1);
	CHECK_INT("H keeps its hooks", hub->numhooks, 2);

	/* a node whose type takes no copies cannot capture */
	CHECK_INT("hub H cannot capture",
	    ngt_msg(hub, "H:", NGM_HOOKSTAT_COOKIE, NGM_HOOKSTAT_CAPTURE,
		&(struct ng_hookstat_capture){ .hook = "a" },
		sizeof(struct ng_hookstat_capture)),
	    EOPNOTSUPP);

	ngt_close(&w);
	ngt_close(&s);
	CHECK("pool: nothing leaked", ngt_pool_whole(g));
	ng_graph_free(g);
	test_backend_counts();
	return ngt_done();
}
