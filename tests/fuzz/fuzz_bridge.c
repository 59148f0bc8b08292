/*
 * fuzz_bridge.c: frames entering the bridge and the hub, with the
 * bridge's messages, clock ticks and ports coming and going in between.
 *
 *                      sock (the fuzzer)
 *      l0     l1     l2     u1            h0     h1
 *      |      |      |      |             |      |
 *    link0  link1  link2  uplink1         a      b
 *    +------ bridge "B" ------+          +- hub "H" -+
 *        link5 ---------------------------- c
 *        link6 ---------------------------- d     (a loop, on purpose)
 *
 * Input: a list of operations, each one byte then its operands (see
 * fzb_op).  A frame is either the input's bytes or built from a few
 * addresses (so that hosts repeat and move), and may carry TAP offload
 * metadata, which the socket node must segment or checksum on the way
 * out (ng_gso.c).  Checked: every packet is back in the pool at the end;
 * what reaches the client is well-formed (fuzz.h).
 */
#include <netgraph/ng_bridge.h>
#include <netgraph/ng_hub.h>

#include "fuzz.h"

#ifndef FUZZ_ENTRY
#define FUZZ_ENTRY LLVMFuzzerTestOneInput
#endif

#define FZB_MAXOPS 256

static const char *const fzb_hooks[] = { "l0", "l1", "l2", "u1", "h0", "h1" };
static const char *const fzb_peers[] = { "B:link0", "B:link1", "B:link2",
	"B:uplink1", "H:a", "H:b" };
#define FZB_NHOOKS (sizeof(fzb_hooks) / sizeof(fzb_hooks[0]))

/* A few addresses, so that hosts repeat, move and loop. */
static const uint8_t fzb_macs[8][6] = {
	{ 0x02, 0, 0, 0, 0, 1 }, { 0x02, 0, 0, 0, 0, 2 },
	{ 0x02, 0, 0, 0, 0, 3 }, { 0x02, 0, 0, 0, 0, 4 },
	{ 0xff, 0xff, 0xff, 0xff, 0xff, 0xff }, { 0x01, 0x00, 0x5e, 0, 0, 1 },
	{ 0x33, 0x33, 0, 0, 0, 1 },
	{ 0x03, 0, 0, 0, 0, 9 }, /* a multicast source: invalid */
};

static struct ng_node *
fzb_graph(struct ng_graph *g, struct fz_client *c)
{
	struct ng_node *sock = fz_socket(g, c);

	if (sock == NULL)
		return NULL;
	FUZZ_ASSERT(ngt_mkpeer(sock, ".", "bridge", "l0", "link0") == 0);
	FUZZ_ASSERT(ngt_name(sock, "l0", "B") == 0);
	FUZZ_ASSERT(ngt_mkpeer(sock, ".", "hub", "h0", "a") == 0);
	FUZZ_ASSERT(ngt_name(sock, "h0", "H") == 0);
	for (unsigned i = 1; i < FZB_NHOOKS; i++) {
		char path[16], *colon;

		if (i == 4)
			continue;
		snprintf(path, sizeof(path), "%s", fzb_peers[i]);
		colon = strchr(path, ':');
		colon[1] = '\0';
		FUZZ_ASSERT(ngt_connect(sock, ".", path, fzb_hooks[i],
				strchr(fzb_peers[i], ':') + 1) == 0);
	}
	FUZZ_ASSERT(ngt_connect(sock, "B:", "H:", "link5", "c") == 0);
	FUZZ_ASSERT(ngt_connect(sock, "B:", "H:", "link6", "d") == 0);
	return sock;
}

/* One frame into the graph on one of our hooks. */
static void
fzb_frame(struct ng_node *sock, struct fz_in *in, uint8_t op)
{
	struct ng_pkt *p = ng_pkt_alloc(sock->graph);
	const char *hook = fzb_hooks[fz_u8(in) % FZB_NHOOKS];
	const uint8_t *b;
	size_t len, n;

	if (p == NULL)
		return;
	if (op & 0x10)
		fz_vnet_hdr(in, p);
	len = fz_u16(in) % (NG_PKT_BUFSIZE - NG_PKT_HEADROOM + 1);
	if (op & 0x20) {
		/* Raw: the input's bytes, zeros after its end. */
		b = fz_bytes(in, len, &n);
		memcpy(p->data, b, n);
		memset(p->data + n, 0, len - n);
	} else {
		/* Built: two of the known addresses, then the input. */
		uint8_t a = fz_u8(in);

		memset(p->data, 0, len);
		if (len >= 6)
			memcpy(p->data, fzb_macs[a & 7], 6);
		if (len >= 12)
			memcpy(p->data + 6, fzb_macs[(a >> 3) & 7], 6);
		if (len > 12) {
			b = fz_bytes(in, len - 12, &n);
			memcpy(p->data + 12, b, n);
		}
	}
	p->len = (uint32_t)len;
	(void)ng_socket_send_data(sock, hook, &p); /* consumes p */
	FUZZ_ASSERT(p == NULL);
}

/* One of the bridge's messages, arguments from the input. */
static void
fzb_msg(struct ng_node *sock, struct fz_in *in)
{
	static const uint32_t cmds[] = { NGM_BRIDGE_SET_CONFIG,
		NGM_BRIDGE_GET_CONFIG, NGM_BRIDGE_RESET, NGM_BRIDGE_GET_STATS,
		NGM_BRIDGE_CLR_STATS, NGM_BRIDGE_GETCLR_STATS,
		NGM_BRIDGE_GET_TABLE, NGM_BRIDGE_SET_PERSISTENT,
		NGM_BRIDGE_MOVE_HOST, NGM_BRIDGE_SET_MAX_HOSTS,
		NGM_BRIDGE_GET_MAX_HOSTS };
	uint8_t sel = fz_u8(in);
	uint32_t cmd = cmds[sel % (sizeof(cmds) / sizeof(cmds[0]))];
	const uint8_t *arg;
	size_t len;

	/* Half the time a path through a port, so movehost sees lasthook. */
	arg = fz_bytes(in, fz_u8(in) % 64, &len);
	(void)ngt_msg(sock, (sel & 0x80) ? "l1" : "B:", NGM_BRIDGE_COOKIE, cmd,
	    arg, len);
	if (sel & 0x40)
		(void)ngt_msg(sock, "H:", NGM_HUB_COOKIE,
		    NGM_HUB_SET_PERSISTENT, NULL, 0);
}

/* One operation (see the top); false stops. */
static bool
fzb_op(struct ng_graph *g, struct ng_node *sock, struct fz_in *in, uint8_t op)
{
	switch (op & 0x0f) {
	case 0:
	case 1:
	case 2:
	case 3:
	case 4:
	case 5:
		fzb_frame(sock, in, op);
		/* A storm costs seconds here (it is bounded, see
		 * test_graph's storm); one per input is enough. */
		return g->sends < NG_MAX_SENDS / 4;
	case 6:
		/* Time passes: ageing, mute timers. */
		fz_now += 1000 * (uint64_t)fz_u16(in);
		(void)ng_timers_run(g);
		break;
	case 7:
	case 8:
		fzb_msg(sock, in);
		break;
	case 9: {
		/* A port goes, or comes (back). */
		unsigned i = fz_u8(in) % FZB_NHOOKS;
		struct ng_hook *h = ng_find_hook(sock, fzb_hooks[i]);

		if (h != NULL) {
			ng_rmhook(h);
		} else {
			char path[16];

			snprintf(path, sizeof(path), "%s", fzb_peers[i]);
			*strchr(path, ':') = '\0';
			strcat(path, ":");
			(void)ngt_connect(sock, ".", path, fzb_hooks[i],
			    strchr(fzb_peers[i], ':') + 1);
		}
		break;
	}
	case 10: {
		/* A port of the bridge with the input's name. */
		char name[NG_HOOKSIZ];
		const uint8_t *b;
		size_t len;

		b = fz_bytes(in, fz_u8(in) % NG_HOOKSIZ, &len);
		memcpy(name, b, len);
		name[len] = '\0';
		(void)ngt_connect(sock, "B:", "H:", name, name);
		break;
	}
	default:
		break;
	}
	return true;
}

int FUZZ_ENTRY(const uint8_t *data, size_t size);

int
FUZZ_ENTRY(const uint8_t *data, size_t size)
{
	return fz_run(data, size, FZB_MAXOPS, fzb_graph, fzb_op);
}
