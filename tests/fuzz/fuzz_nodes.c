/*
 * fuzz_nodes.c: frames entering every node type that looks inside them
 * (vlan, bpf, pipe, one2many, tee, iface, eiface), with their messages,
 * clock ticks and hooks coming and going in between.
 *
 *   sock (the fuzzer), one hook of ours on each of:
 *     V vlan:     downstream, v10 (VID 10), v20 (VID 20), nomatch
 *     F bpf:      a (filter "tcp or icmp": match to m, else n), m, n
 *     P pipe:     upper, lower
 *     O one2many: one, many0, many1
 *     T tee:      left, right, left2right
 *     I iface:    inet, inet6          E eiface: ether
 *
 * Input: operations, each one byte then its operands (see the switch at
 * the end); frames come in on our hooks or from the iface and eiface
 * nodes' interfaces.  A frame is either the input's bytes or built from a known
 * header (Ethernet with or without an 802.1Q or 802.1ad tag, IPv4 or
 * IPv6) followed by the input, and may carry TAP offload metadata, which
 * the nodes that segment or checksum in software (ng_gso.c) then act on;
 * a frame may come with a delivery that takes one of our hooks or shuts
 * a node down in the middle of the sends it causes (fz_cut, fuzz.h).
 * Checked: no crash, leak or undefined behaviour (ASan, UBSan), and every
 * packet back in the pool at the end (fuzz.h).
 */
#include <netgraph/ng_bpf.h>
#include <netgraph/ng_eiface.h>
#include <netgraph/ng_iface.h>
#include <netgraph/ng_one2many.h>
#include <netgraph/ng_pipe.h>
#include <netgraph/ng_tee.h>
#include <netgraph/ng_vlan.h>

#include "fuzz.h"

#ifndef FUZZ_ENTRY
#define FUZZ_ENTRY LLVMFuzzerTestOneInput
#endif

#define FZN_MAXOPS 256

static const struct {
	const char *ours, *node, *hook;
} fzn_hooks[] = {
	{ "vd", "V", "downstream" },
	{ "v10", "V", "v10" },
	{ "v20", "V", "v20" },
	{ "vn", "V", "nomatch" },
	{ "fa", "F", "a" },
	{ "fm", "F", "m" },
	{ "fn", "F", "n" },
	{ "pu", "P", "upper" },
	{ "pl", "P", "lower" },
	{ "oo", "O", "one" },
	{ "o0", "O", "many0" },
	{ "o1", "O", "many1" },
	{ "tl", "T", "left" },
	{ "tr", "T", "right" },
	{ "t2", "T", "left2right" },
	{ "i4", "I", "inet" },
	{ "i6", "I", "inet6" },
	{ "ee", "E", "ether" },
};
#define FZN_NHOOKS (sizeof(fzn_hooks) / sizeof(fzn_hooks[0]))

static const struct {
	const char *name;
	uint32_t cookie;
} fzn_nodes[] = {
	{ "V:", NGM_VLAN_COOKIE },
	{ "F:", NGM_BPF_COOKIE },
	{ "P:", NGM_PIPE_COOKIE },
	{ "O:", NGM_ONE2MANY_COOKIE },
	{ "T:", NGM_TEE_COOKIE },
	{ "I:", NGM_IFACE_COOKIE },
	{ "E:", NGM_EIFACE_COOKIE },
};
#define FZN_NNODES (sizeof(fzn_nodes) / sizeof(fzn_nodes[0]))

static int
fzn_link(struct ng_node *sock, unsigned i)
{
	char path[8];

	snprintf(path, sizeof(path), "%s:", fzn_hooks[i].node);
	return ngt_connect(sock, ".", path, fzn_hooks[i].ours,
	    fzn_hooks[i].hook);
}

static struct ng_node *
fzn_graph(struct ng_graph *g, struct fz_client *c)
{
	static const char *const types[] = { "vlan", "bpf", "pipe", "one2many",
		"tee", "iface", "eiface" };
	struct ng_node *sock = fz_socket(g, c);
	struct ng_vlan_filter vf;
	struct ng_bpf_filter bf;
	unsigned first[FZN_NNODES] = { 0 }, k = 0;

	if (sock == NULL)
		return NULL;
	/* The first hook of each node makes it; the rest connect. */
	for (unsigned i = 0; i < FZN_NHOOKS; i++) {
		if (i > 0 && fzn_hooks[i].node[0] == fzn_hooks[i - 1].node[0])
			continue;
		first[k] = i;
		FUZZ_ASSERT(ngt_mkpeer(sock, ".", types[k], fzn_hooks[i].ours,
				fzn_hooks[i].hook) == 0);
		FUZZ_ASSERT(ngt_name(sock, fzn_hooks[i].ours,
				fzn_hooks[i].node) == 0);
		k++;
	}
	for (unsigned i = 0; i < FZN_NHOOKS; i++) {
		bool made = false;

		for (unsigned j = 0; j < k; j++)
			made |= first[j] == i;
		if (!made)
			FUZZ_ASSERT(fzn_link(sock, i) == 0);
	}
	for (unsigned vid = 10; vid <= 20; vid += 10) {
		memset(&vf, 0, sizeof(vf));
		snprintf(vf.hook_name, sizeof(vf.hook_name), "v%u", vid);
		vf.vid = (uint16_t)vid;
		FUZZ_ASSERT(ngt_msg(sock, "V:", NGM_VLAN_COOKIE,
				NGM_VLAN_ADD_FILTER, &vf, sizeof(vf)) == 0);
	}
	memset(&bf, 0, sizeof(bf));
	strcpy(bf.thisHook, "a");
	strcpy(bf.ifMatch, "m");
	strcpy(bf.ifNotMatch, "n");
	strcpy(bf.filter, "tcp or icmp");
	FUZZ_ASSERT(ngt_msg(sock, "F:", NGM_BPF_COOKIE, NGM_BPF_SET_FILTER, &bf,
			sizeof(bf)) == 0);
	return sock;
}

/* A known header: Ethernet, maybe tagged, then IPv4 or IPv6 (or not). */
static size_t
fzn_header(uint8_t *p, size_t room, uint8_t shape, struct fz_in *in)
{
	static const uint8_t macs[] = { 0x02, 0, 0, 0, 0, 1, 0x02, 0, 0, 0, 0,
		2 };
	size_t n = 0;

	if (room < 64)
		return 0;
	if (!(shape & 0x80)) { /* Ethernet (else bare IP, as iface takes) */
		memcpy(p, macs, 12);
		n = 12;
		if (shape & 0x01) { /* a tag: 802.1Q, or 802.1ad */
			uint16_t tci = fz_u16(in);

			p[n++] = 0x81 + (shape & 0x02 ? 0x07 : 0);
			p[n++] = shape & 0x02 ? 0xa8 : 0x00;
			p[n++] = (uint8_t)(tci >> 8);
			p[n++] = (uint8_t)tci;
		}
		p[n++] = shape & 0x04 ? 0x86 : 0x08;
		p[n++] = shape & 0x04 ? 0xdd : 0x00;
	}
	if (shape & 0x04) { /* IPv6, next header from the input */
		memset(p + n, 0, 40);
		p[n] = 0x60;
		p[n + 6] = fz_u8(in);
		p[n + 7] = 64;
		n += 40;
	} else { /* IPv4, protocol from the input */
		memset(p + n, 0, 20);
		p[n] = 0x45;
		p[n + 8] = 64;
		p[n + 9] = fz_u8(in);
		n += 20;
	}
	return n;
}

/* A frame from the input (op: with TAP metadata, with a known header). */
static struct ng_pkt *
fzn_pkt(struct ng_graph *g, struct fz_in *in, uint8_t op)
{
	struct ng_pkt *p = ng_pkt_alloc(g);
	const uint8_t *b;
	size_t len, n, h = 0, room = NG_PKT_BUFSIZE - NG_PKT_HEADROOM;

	if (p == NULL)
		return NULL;
	if (op & 0x10)
		fz_vnet_hdr(in, p);
	len = fz_u16(in) % (room + 1);
	if (!(op & 0x20))
		h = fzn_header(p->data, room, fz_u8(in), in);
	if (h > len)
		len = h;
	/* The rest: the input's bytes, zeros after its end. */
	b = fz_bytes(in, len - h, &n);
	memcpy(p->data + h, b, n);
	memset(p->data + h + n, 0, len - h - n);
	p->len = (uint32_t)len;
	return p;
}

static uint8_t fzn_cut_what;

/* What a delivery does in the middle of a send: one of our hooks goes,
 * or one of the nodes is shut down. */
static void
fzn_cut(void *arg)
{
	struct ng_node *sock = arg;
	unsigned i = fzn_cut_what % (FZN_NHOOKS + FZN_NNODES);
	struct ng_hook *hk;

	if (i >= FZN_NHOOKS)
		(void)ngt_shutdown(sock, fzn_nodes[i - FZN_NHOOKS].name);
	else if ((hk = ng_find_hook(sock, fzn_hooks[i].ours)) != NULL)
		ng_rmhook(hk);
}

/* One frame into the graph on one of our hooks; maybe (op 0x40) with
 * the graph changed by one of the deliveries it causes. */
static void
fzn_frame(struct ng_node *sock, struct fz_in *in, uint8_t op)
{
	const char *hook = fzn_hooks[fz_u8(in) % FZN_NHOOKS].ours;
	struct ng_pkt *p = fzn_pkt(sock->graph, in, op);

	if (p == NULL)
		return;
	if (op & 0x40) {
		fz_cut = 1 + fz_u8(in) % 4u;
		fzn_cut_what = fz_u8(in);
		fz_cut_fn = fzn_cut;
		fz_cut_arg = sock;
	}
	(void)ng_socket_send_data(sock, hook, &p); /* consumes p */
	FUZZ_ASSERT(p == NULL);
	fz_cut = 0;
}

/* One frame from the interface of the iface or eiface node, as a TAP
 * (or the kernel's tun) hands it over. */
static void
fzn_input(struct ng_node *sock, struct fz_in *in, uint8_t op)
{
	struct ng_node *node = ngt_node(sock, fz_u8(in) & 1 ? "I:" : "E:");
	struct ng_pkt *p;

	if (node == NULL || (p = fzn_pkt(sock->graph, in, op)) == NULL)
		return;
	ng_netdev_input(node, &p); /* consumes p */
	FUZZ_ASSERT(p == NULL);
}

/* Any message to any of the nodes, its argument from the input. */
static void
fzn_msg(struct ng_node *sock, struct fz_in *in)
{
	unsigned node = fz_u8(in) % FZN_NNODES;
	uint32_t cmd = fz_u8(in) % 72;
	const uint8_t *arg = fz_bytes(in, fz_u16(in) % 1024, &(size_t){ 0 });
	size_t len = (size_t)(in->p - arg);

	(void)ngt_msg(sock, fzn_nodes[node].name, fzn_nodes[node].cookie, cmd,
	    arg, len);
}

/* One operation (see the top); false stops. */
static bool
fzn_op(struct ng_graph *g, struct ng_node *sock, struct fz_in *in, uint8_t op)
{
	switch (op & 0x0f) {
	case 0:
	case 1:
	case 2:
	case 3:
	case 4:
	case 5:
		fzn_frame(sock, in, op);
		break;
	case 6:
		/* Time passes: the pipe's queues move. */
		fz_now += (uint64_t)fz_u16(in);
		(void)ng_timers_run(g);
		break;
	case 7:
	case 8:
		fzn_msg(sock, in);
		break;
	case 9: {
		/* One of our hooks goes, or comes (back). */
		unsigned i = fz_u8(in) % FZN_NHOOKS;
		struct ng_hook *hk = ng_find_hook(sock, fzn_hooks[i].ours);

		if (hk != NULL)
			ng_rmhook(hk);
		else
			(void)fzn_link(sock, i);
		break;
	}
	case 10:
		fzn_input(sock, in, op);
		break;
	default:
		break;
	}
	return true;
}

int FUZZ_ENTRY(const uint8_t *data, size_t size);

int
FUZZ_ENTRY(const uint8_t *data, size_t size)
{
	return fz_run(data, size, FZN_MAXOPS, fzn_graph, fzn_op);
}
