/*
 * fuzz_pipe.c: the pipe node's configuration (src/nodes/ng_pipe.c):
 * setcfg with every field taken from its edges (0 keeps, -1 resets, the
 * least and the most it takes, one past them) or from the input, then
 * frames of many IPv4 flows both ways, super-frames among them, with
 * the clock moving in steps of any size, the other messages, hooks
 * going and coming, and the node shut down (its peers then joined) and
 * made again.
 *
 *   sock (the fuzzer) u --- upper [pipe P] lower --- l sock
 *
 * Input: operations, each one byte then its operands (see the switch at
 * the end).  A frame, or time passing, may come with a delivery that
 * takes one of our hooks or shuts the pipe down in the middle of the
 * pipe's sends (fz_cut, fuzz.h).  Checked: no crash, leak, hang or
 * undefined behaviour (ASan, UBSan); every packet back in the pool
 * (fuzz.h).
 */
#include <netgraph/ng_pipe.h>

#include "fuzz.h"

#ifndef FUZZ_ENTRY
#define FUZZ_ENTRY LLVMFuzzerTestOneInput
#endif

#define FZQ_MAXOPS 256

static bool
fzq_build(struct ng_node *sock)
{
	return ngt_mkpeer(sock, ".", "pipe", "u", "upper") == 0 &&
	    ngt_name(sock, ".:u", "P") == 0 &&
	    ngt_connect(sock, ".", "P:", "l", "lower") == 0;
}

static struct ng_node *
fzq_make(struct ng_graph *g, struct fz_client *c)
{
	struct ng_node *sock = fz_socket(g, c);

	if (sock == NULL)
		return NULL;
	FUZZ_ASSERT(fzq_build(sock));
	return sock;
}

/* A field's value: an edge of what it takes, or the input's. */
static uint64_t
fzq_val(struct fz_in *in, uint64_t lo, uint64_t hi)
{
	uint8_t k = fz_u8(in);

	switch (k % 8) {
	case 0:
		return 0;
	case 1:
		return UINT64_MAX; /* -1: reset */
	case 2:
		return lo;
	case 3:
		return hi;
	case 4:
		return lo - 1;
	case 5:
		return hi + 1;
	case 6:
		return lo + fz_u32(in) % (hi - lo + 1);
	default:
		return (uint64_t)fz_u32(in) << (k >> 3 & 31) | fz_u32(in);
	}
}

static uint32_t
fzq_val32(struct fz_in *in, uint32_t lo, uint32_t hi)
{
	uint64_t v = fzq_val(in, lo, hi);

	return v == UINT64_MAX ? UINT32_MAX : (uint32_t)v;
}

static void
fzq_dir(struct fz_in *in, struct ng_pipe_hookcfg *d)
{
	uint8_t q = fz_u8(in);

	d->bandwidth = fzq_val(in, 100, 1000000000);
	d->ber = fzq_val(in, 1, 1000000000000ull);
	d->qin_size_limit = fzq_val32(in, 5, 64);
	d->qout_size_limit = fzq_val32(in, 5, 64);
	d->duplicate = fzq_val32(in, 1, 50);
	d->fifo = q & 1;
	d->drr = q & 2 ? (q & 0x20 ? fz_u32(in) : 1) : 0;
	d->wfq = (q >> 2) & 1;
	d->droptail = (q >> 3) & 1;
	d->drophead = (q >> 4) & 1;
}

static void
fzq_setcfg(struct ng_node *sock, struct fz_in *in, uint8_t op)
{
	struct ng_pipe_cfg cfg;
	size_t len = sizeof(cfg);

	memset(&cfg, 0, sizeof(cfg));
	if (op & 0x10) {
		cfg.bandwidth = fzq_val(in, 100, 1000000000);
		cfg.delay = fzq_val(in, 1, 9999999);
		cfg.header_offset = fzq_val32(in, 1, 63);
		cfg.overhead = fzq_val32(in, 1, NG_PIPE_MAX_OHSIZE - 1);
	}
	if (op & 0x20)
		fzq_dir(in, &cfg.downstream);
	if (op & 0x40)
		fzq_dir(in, &cfg.upstream);
	if (op & 0x80) /* a length the struct does not have */
		len = fz_u8(in) % (sizeof(cfg) + 8);
	(void)ngt_msg(sock, "P:", NGM_PIPE_COOKIE, NGM_PIPE_SET_CFG, &cfg,
	    len < sizeof(cfg) ? len : sizeof(cfg));
}

static uint8_t fzq_cut_how;

/* What a delivery does in the middle of the pipe's sends: one of our
 * hooks goes, or the pipe is shut down. */
static void
fzq_cut(void *arg)
{
	struct ng_node *sock = arg;
	struct ng_hook *hk;

	if (fzq_cut_how % 3 == 2)
		(void)ngt_shutdown(sock, "P:");
	else if ((hk = ng_find_hook(sock, fzq_cut_how % 3 ? "l" : "u")) != NULL)
		ng_rmhook(hk);
}

/* After 1 to 4 frames delivered (the input says), fzq_cut runs. */
static void
fzq_cut_set(struct ng_node *sock, struct fz_in *in)
{
	uint8_t k = fz_u8(in);

	fz_cut = 1 + k % 4u;
	fzq_cut_how = k >> 2;
	fz_cut_fn = fzq_cut;
	fz_cut_arg = sock;
}

/* A frame up or down: Ethernet (or not) and IPv4 with a flow's
 * addresses, then the input's bytes; maybe TAP offload metadata. */
static void
fzq_frame(struct ng_node *sock, struct fz_in *in, uint8_t op)
{
	struct ng_pkt *p = ng_pkt_alloc(sock->graph);
	size_t room = NG_PKT_BUFSIZE - NG_PKT_HEADROOM, h = 0, n;
	uint8_t flow = fz_u8(in), *ip;
	const uint8_t *b;

	if (p == NULL)
		return;
	if (op & 0x10)
		fz_vnet_hdr(in, p);
	if (!(op & 0x20)) {
		h = op & 0x40 ? 0 : 14;
		memset(p->data, 0, h + 20);
		if (h > 0) {
			p->data[12] = 0x08;
			p->data[13] = 0x00;
		}
		ip = p->data + h;
		ip[0] = 0x45;
		ip[8] = 64;
		ip[9] = 6;
		ip[12] = 198;
		ip[13] = 18;
		ip[15] = flow & 0x0f;
		ip[16] = 198;
		ip[17] = 19;
		ip[19] = flow >> 4;
		h += 20;
	}
	b = fz_bytes(in, fz_u16(in) % (room - h + 1), &n);
	memcpy(p->data + h, b, n);
	p->len = (uint32_t)(h + n);
	if (op & 0x08) /* a frame out changes the graph */
		fzq_cut_set(sock, in);
	(void)ng_socket_send_data(sock, op & 0x80 ? "l" : "u", &p);
	FUZZ_ASSERT(p == NULL);
	fz_cut = 0;
}

static bool
fzq_op(struct ng_graph *g, struct ng_node *sock, struct fz_in *in, uint8_t op)
{
	switch (op & 0x07) {
	case 0:
	case 1:
	case 2:
		fzq_frame(sock, in, op);
		break;
	case 3:
		fzq_setcfg(sock, in, op);
		break;
	case 4: { /* time passes, by a step of any size */
		uint32_t step = fz_u16(in);

		fz_now += op & 0x10 ? (uint64_t)step * 1000 : step % 50;
		if (op & 0x80) /* a frame out changes the graph */
			fzq_cut_set(sock, in);
		(void)ng_timers_run(g);
		fz_cut = 0;
		break;
	}
	case 5: /* the other messages, with any argument */
		(void)ngt_msg(sock, "P:", NGM_PIPE_COOKIE, 1 + fz_u8(in) % 6,
		    in->p, in->left < 8 ? in->left : 8);
		break;
	case 6: { /* one of our hooks goes, or comes (back) */
		const char *ours = op & 0x10 ? "l" : "u";
		struct ng_hook *hk = ng_find_hook(sock, ours);

		if (hk != NULL)
			ng_rmhook(hk);
		else
			(void)ngt_connect(sock, ".", "P:", ours,
			    op & 0x10 ? "lower" : "upper");
		break;
	}
	case 7: /* the pipe goes (its peers are joined), and comes back */
		if (ngt_node(sock, "P:") != NULL) {
			(void)ngt_shutdown(sock, "P:");
		} else {
			struct ng_hook *hk;

			while ((hk = sock->hooks) != NULL)
				ng_rmhook(hk);
			(void)fzq_build(sock);
		}
		break;
	}
	return true;
}

int FUZZ_ENTRY(const uint8_t *data, size_t size);

int
FUZZ_ENTRY(const uint8_t *data, size_t size)
{
	return fz_run(data, size, FZQ_MAXOPS, fzq_make, fzq_op);
}
