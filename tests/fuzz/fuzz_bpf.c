/*
 * fuzz_bpf.c: the bpf node's programs (src/nodes/ng_bpf.c): setprogram
 * with instructions, lengths and destinations from the input (mostly
 * opcodes that exist and jumps that land, so that some get past
 * bpf_validate), setfilter with any text for any link type, the other
 * messages with arguments of any length, and frames through what was
 * set, super-frames with TAP offload metadata among them.  Two bpf nodes
 * are joined, so programs may send frames round between them.
 *
 *   sock (the fuzzer) a, b, c --- a, b, c [bpf F] x --- y [bpf G] z --- g
 *
 * Input: operations, each one byte then its operands (see the switch at
 * the end).  Checked: no crash, leak or undefined behaviour (ASan,
 * UBSan); every packet back in the pool (fuzz.h).
 */
#include <pcap/pcap.h>

#include <netgraph/ng_bpf.h>

#include "fuzz.h"

#ifndef FUZZ_ENTRY
#define FUZZ_ENTRY LLVMFuzzerTestOneInput
#endif

#define FZF_MAXOPS 128
#define FZF_MAXINSNS 80

/* Hook names the messages name: the nodes' own, and ones that are not. */
static const char *const fzf_hooks[] = { "a", "b", "c", "x", "y", "z", "",
	"nope" };
#define FZF_NHOOKS (sizeof(fzf_hooks) / sizeof(fzf_hooks[0]))

static struct ng_node *
fzf_make(struct ng_graph *g, struct fz_client *c)
{
	struct ng_node *sock = fz_socket(g, c);

	if (sock == NULL)
		return NULL;
	FUZZ_ASSERT(ngt_mkpeer(sock, ".", "bpf", "a", "a") == 0);
	FUZZ_ASSERT(ngt_name(sock, ".:a", "F") == 0);
	FUZZ_ASSERT(ngt_connect(sock, ".", "F:", "b", "b") == 0);
	FUZZ_ASSERT(ngt_connect(sock, ".", "F:", "c", "c") == 0);
	FUZZ_ASSERT(ngt_mkpeer(sock, "F:", "bpf", "x", "y") == 0);
	FUZZ_ASSERT(ngt_name(sock, "F:x", "G") == 0);
	FUZZ_ASSERT(ngt_connect(sock, ".", "G:", "g", "z") == 0);
	return sock;
}

/* One instruction, mostly one bpf_validate may take. */
static void
fzf_insn(struct fz_in *in, struct ng_bpf_insn *i, unsigned at, unsigned n)
{
	static const uint16_t codes[] = {
		BPF_LD | BPF_W | BPF_ABS,
		BPF_LD | BPF_H | BPF_ABS,
		BPF_LD | BPF_B | BPF_ABS,
		BPF_LD | BPF_W | BPF_IND,
		BPF_LD | BPF_H | BPF_IND,
		BPF_LD | BPF_B | BPF_IND,
		BPF_LD | BPF_W | BPF_LEN,
		BPF_LD | BPF_IMM,
		BPF_LD | BPF_MEM,
		BPF_LDX | BPF_W | BPF_IMM,
		BPF_LDX | BPF_W | BPF_MEM,
		BPF_LDX | BPF_W | BPF_LEN,
		BPF_LDX | BPF_B | BPF_MSH,
		BPF_ST,
		BPF_STX,
		BPF_ALU | BPF_ADD | BPF_K,
		BPF_ALU | BPF_SUB | BPF_X,
		BPF_ALU | BPF_MUL | BPF_K,
		BPF_ALU | BPF_DIV | BPF_K,
		BPF_ALU | BPF_DIV | BPF_X,
		BPF_ALU | BPF_MOD | BPF_K,
		BPF_ALU | BPF_MOD | BPF_X,
		BPF_ALU | BPF_AND | BPF_K,
		BPF_ALU | BPF_OR | BPF_X,
		BPF_ALU | BPF_XOR | BPF_K,
		BPF_ALU | BPF_LSH | BPF_K,
		BPF_ALU | BPF_RSH | BPF_X,
		BPF_ALU | BPF_NEG,
		BPF_JMP | BPF_JA,
		BPF_JMP | BPF_JEQ | BPF_K,
		BPF_JMP | BPF_JGT | BPF_X,
		BPF_JMP | BPF_JGE | BPF_K,
		BPF_JMP | BPF_JSET | BPF_K,
		BPF_RET | BPF_K,
		BPF_RET | BPF_A,
		BPF_MISC | BPF_TAX,
		BPF_MISC | BPF_TXA,
	};
	static const uint32_t ks[] = { 0, 1, 2, 12, 14, 23, 0xffff, 0xffffffff,
		0x7fffffff, 0x80000000, BPF_MEMWORDS - 1, BPF_MEMWORDS,
		(uint32_t)-0x1000, 65535, 262144 };
	uint8_t how = fz_u8(in);
	unsigned left = n - at - 1;

	i->code = how & 0x80 ?
	    fz_u16(in) :
	    codes[fz_u8(in) % (sizeof(codes) / sizeof(codes[0]))];
	if (at == n - 1 && !(how & 0x40)) /* a program ends with a return */
		i->code = how & 1 ? BPF_RET | BPF_A : BPF_RET | BPF_K;
	i->jt = fz_u8(in);
	i->jf = fz_u8(in);
	if (!(how & 0x20) && left > 0) { /* jumps that land */
		i->jt %= left;
		i->jf %= left;
	}
	i->k = how & 0x10 ? fz_u32(in) :
			    ks[fz_u8(in) % (sizeof(ks) / sizeof(ks[0]))];
	if (i->code == (BPF_JMP | BPF_JA) && !(how & 0x20))
		i->k = left > 0 ? i->k % left : 0;
}

static void
fzf_setprogram(struct ng_node *sock, struct fz_in *in, uint8_t op)
{
	struct ng_bpf_hookprog *hp;
	unsigned n = fz_u8(in) % (FZF_MAXINSNS + 1);
	size_t len = NG_BPF_HOOKPROG_SIZE(n);
	uint8_t lie = fz_u8(in);

	if ((hp = calloc(1, len)) == NULL)
		return;
	ngt_copy(hp->thisHook, fzf_hooks[lie % FZF_NHOOKS],
	    sizeof(hp->thisHook));
	ngt_copy(hp->ifMatch, fzf_hooks[(lie >> 3) % FZF_NHOOKS],
	    sizeof(hp->ifMatch));
	ngt_copy(hp->ifNotMatch, fzf_hooks[fz_u8(in) % FZF_NHOOKS],
	    sizeof(hp->ifNotMatch));
	if (op & 0x10) /* names that fill their field */
		memset(hp->ifNotMatch, 'n', sizeof(hp->ifNotMatch));
	hp->bpf_prog_len = (int32_t)n;
	for (unsigned k = 0; k < n; k++)
		fzf_insn(in, &hp->bpf_prog[k], k, n);
	if (lie & 0x40) /* a length that is not the message's */
		hp->bpf_prog_len = (int32_t)fz_u32(in);
	if (op & 0x20)
		len = fz_u16(in) % (len + 1);
	(void)ngt_msg(sock, op & 0x40 ? "G:" : "F:", NGM_BPF_COOKIE,
	    NGM_BPF_SET_PROGRAM, hp, len);
	free(hp);
}

static void
fzf_setfilter(struct ng_node *sock, struct fz_in *in, uint8_t op)
{
	static const int32_t dlts[] = { 0, NG_BPF_DLT_EN10MB, NG_BPF_DLT_RAW,
		DLT_NULL, DLT_LINUX_SLL, 101, 228, 229, 147, 0x7fffffff };
	struct ng_bpf_filter f;
	const uint8_t *b;
	size_t n;
	uint8_t sel = fz_u8(in);

	memset(&f, 0, sizeof(f));
	ngt_copy(f.thisHook, fzf_hooks[sel % FZF_NHOOKS], sizeof(f.thisHook));
	ngt_copy(f.ifMatch, fzf_hooks[(sel >> 3) % FZF_NHOOKS],
	    sizeof(f.ifMatch));
	ngt_copy(f.ifNotMatch, fzf_hooks[fz_u8(in) % FZF_NHOOKS],
	    sizeof(f.ifNotMatch));
	f.dlt = sel & 0x80 ? (int32_t)fz_u32(in) :
			     dlts[fz_u8(in) % (sizeof(dlts) / sizeof(dlts[0]))];
	b = fz_bytes(in, fz_u8(in) * 2u, &n);
	memcpy(f.filter, b, n < sizeof(f.filter) ? n : sizeof(f.filter));
	if (!(op & 0x10)) /* mostly a string */
		f.filter[sizeof(f.filter) - 1] = '\0';
	(void)ngt_msg(sock, op & 0x40 ? "G:" : "F:", NGM_BPF_COOKIE,
	    NGM_BPF_SET_FILTER, &f, sizeof(f));
}

/* getprogram, the stats: a hook name, or any bytes. */
static void
fzf_query(struct ng_node *sock, struct fz_in *in, uint8_t op)
{
	uint8_t cmd = fz_u8(in), arg[NG_HOOKSIZ + 8];
	const char *h = fzf_hooks[fz_u8(in) % FZF_NHOOKS];
	size_t len = strlen(h) + 1;

	memset(arg, 0, sizeof(arg));
	memcpy(arg, h, len);
	if (op & 0x10) {
		const uint8_t *b = fz_bytes(in, fz_u8(in) % sizeof(arg), &len);

		memcpy(arg, b, len);
	}
	(void)ngt_msg(sock, op & 0x40 ? "G:" : "F:", NGM_BPF_COOKIE,
	    1 + cmd % NGM_BPF_GETCLR_STATS, arg, len);
}

static const char *const fzf_ours[] = { "a", "b", "c", "g" };
static uint8_t fzf_cut_how;

/* What a delivery does in the middle of a send: one of our hooks goes,
 * or F or G is shut down. */
static void
fzf_cut(void *arg)
{
	struct ng_node *sock = arg;
	unsigned i = fzf_cut_how % 6;
	struct ng_hook *hk;

	if (i >= 4)
		(void)ngt_shutdown(sock, i == 4 ? "F:" : "G:");
	else if ((hk = ng_find_hook(sock, fzf_ours[i])) != NULL)
		ng_rmhook(hk);
}

/* A frame on one of our hooks: the input's bytes, maybe behind an
 * Ethernet and IPv4 header, maybe with TAP offload metadata; maybe
 * (0x80) with the graph changed by one of the deliveries it causes. */
static void
fzf_frame(struct ng_node *sock, struct fz_in *in, uint8_t op)
{
	const char *hook = fzf_ours[fz_u8(in) % 4];
	struct ng_pkt *p = ng_pkt_alloc(sock->graph);
	size_t room = NG_PKT_BUFSIZE - NG_PKT_HEADROOM, h = 0, n;
	const uint8_t *b;

	if (p == NULL)
		return;
	if (op & 0x10)
		fz_vnet_hdr(in, p);
	if (op & 0x20) {
		static const uint8_t eth_ip[] = { 2, 0, 0, 0, 0, 1, 2, 0, 0, 0,
			0, 2, 8, 0, 0x45, 0, 0, 0, 0, 0, 0, 0, 64, 6 };

		h = op & 0x40 ? 0 : 14;
		memcpy(p->data, eth_ip + 14 - h, h + 10);
		h += 10;
	}
	b = fz_bytes(in, fz_u16(in) % (room - h + 1), &n);
	memcpy(p->data + h, b, n);
	p->len = (uint32_t)(h + n);
	if (op & 0x80) {
		uint8_t k = fz_u8(in);

		fz_cut = 1 + k % 4u;
		fzf_cut_how = k >> 2;
		fz_cut_fn = fzf_cut;
		fz_cut_arg = sock;
	}
	(void)ng_socket_send_data(sock, hook, &p); /* consumes p */
	FUZZ_ASSERT(p == NULL);
	fz_cut = 0;
}

static bool
fzf_op(struct ng_graph *g, struct ng_node *sock, struct fz_in *in, uint8_t op)
{
	(void)g;
	switch (op & 0x07) {
	case 0:
	case 1:
	case 2:
		fzf_frame(sock, in, op);
		break;
	case 3:
	case 4:
		fzf_setprogram(sock, in, op);
		break;
	case 5:
		fzf_setfilter(sock, in, op);
		break;
	case 6:
		fzf_query(sock, in, op);
		break;
	case 7: { /* one of our hooks goes, or comes (back) */
		static const char *const nodes[] = { "F:", "F:", "F:", "G:" };
		unsigned i = fz_u8(in) % 4;
		struct ng_hook *hk = ng_find_hook(sock, fzf_ours[i]);

		if (hk != NULL)
			ng_rmhook(hk);
		else
			(void)ngt_connect(sock, ".", nodes[i], fzf_ours[i],
			    i == 3 ? "z" : fzf_ours[i]);
		break;
	}
	}
	return true;
}

int FUZZ_ENTRY(const uint8_t *data, size_t size);

int
FUZZ_ENTRY(const uint8_t *data, size_t size)
{
	return fz_run(data, size, FZF_MAXOPS, fzf_make, fzf_op);
}
