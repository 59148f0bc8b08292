/*
 * ng_bpf.c: the bpf node (spec §9.10), filter-based switching.  Any hook
 * names.  Each hook has a classic BPF program and two destination hooks:
 * a frame that arrives on it is run through the program (libpcap's
 * interpreter) and goes to ifMatch, cut to the length the program
 * returned, or to ifNotMatch; a missing destination drops it.  A new hook
 * has "ret #0" and no destinations, so it drops everything.  Messages:
 * setprogram, getprogram, getstats, clrstats, getclrstats, and setfilter
 * (ours: tcpdump filter text compiled by libpcap).  Dies when hookless.
 *
 * Costs: one interpreter run and one hook lookup by name per frame.  A
 * TCP super-frame is cut into wire-sized frames first (ng_pkt_segment),
 * which copies and checksums it: filtering bulk TCP costs that.
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include <pcap/pcap.h>

#include <netgraph/ng_bpf.h>

#include "ng_core.h"
#include "ng_parse.h"

/* Our wire instruction is libpcap's, so a program runs where it lies. */
_Static_assert(sizeof(struct ng_bpf_insn) == sizeof(struct bpf_insn) &&
	offsetof(struct ng_bpf_insn, code) == offsetof(struct bpf_insn, code) &&
	offsetof(struct ng_bpf_insn, jt) == offsetof(struct bpf_insn, jt) &&
	offsetof(struct ng_bpf_insn, jf) == offsetof(struct bpf_insn, jf) &&
	offsetof(struct ng_bpf_insn, k) == offsetof(struct bpf_insn, k),
    "struct ng_bpf_insn is struct bpf_insn");

/* Longest frame a compiled filter passes whole (pcap's snapshot). */
#define NG_BPF_SNAPLEN 262144

struct ng_bpf_link {
	struct ng_bpf_hookprog *prog; /* malloc'd, its instructions follow */
	struct ng_bpf_hookstat stats;
	int dlt; /* link type setfilter compiled for; 0: not known */
};

/*
 * An opcode libpcap's interpreter runs.  Its bpf_validate looks at some
 * fields of an opcode only (the class, the mode of a load, the operation
 * of an ALU instruction), so it takes 53,248 of the 65,536 codes, and
 * bpf_filter calls abort() on every one it has no case for (0x38: a load
 * of size 0x18, 0x8030: a byte load with a bit set above): one
 * setprogram would take ngd down with the first frame.  These are its
 * cases (libpcap 1.10's bpf_filter_with_aux_data), as FreeBSD's kernel
 * checks each code against the ones its interpreter knows.
 */
static bool
ng_bpf_code_ok(uint16_t code)
{
	switch (code) {
	case BPF_RET | BPF_K:
	case BPF_RET | BPF_A:
	case BPF_LD | BPF_W | BPF_ABS:
	case BPF_LD | BPF_H | BPF_ABS:
	case BPF_LD | BPF_B | BPF_ABS:
	case BPF_LD | BPF_W | BPF_LEN:
	case BPF_LDX | BPF_W | BPF_LEN:
	case BPF_LD | BPF_W | BPF_IND:
	case BPF_LD | BPF_H | BPF_IND:
	case BPF_LD | BPF_B | BPF_IND:
	case BPF_LDX | BPF_MSH | BPF_B:
	case BPF_LD | BPF_IMM:
	case BPF_LDX | BPF_IMM:
	case BPF_LD | BPF_MEM:
	case BPF_LDX | BPF_MEM:
	case BPF_ST:
	case BPF_STX:
	case BPF_JMP | BPF_JA:
	case BPF_JMP | BPF_JGT | BPF_K:
	case BPF_JMP | BPF_JGE | BPF_K:
	case BPF_JMP | BPF_JEQ | BPF_K:
	case BPF_JMP | BPF_JSET | BPF_K:
	case BPF_JMP | BPF_JGT | BPF_X:
	case BPF_JMP | BPF_JGE | BPF_X:
	case BPF_JMP | BPF_JEQ | BPF_X:
	case BPF_JMP | BPF_JSET | BPF_X:
	case BPF_ALU | BPF_ADD | BPF_X:
	case BPF_ALU | BPF_SUB | BPF_X:
	case BPF_ALU | BPF_MUL | BPF_X:
	case BPF_ALU | BPF_DIV | BPF_X:
	case BPF_ALU | BPF_MOD | BPF_X:
	case BPF_ALU | BPF_AND | BPF_X:
	case BPF_ALU | BPF_OR | BPF_X:
	case BPF_ALU | BPF_XOR | BPF_X:
	case BPF_ALU | BPF_LSH | BPF_X:
	case BPF_ALU | BPF_RSH | BPF_X:
	case BPF_ALU | BPF_ADD | BPF_K:
	case BPF_ALU | BPF_SUB | BPF_K:
	case BPF_ALU | BPF_MUL | BPF_K:
	case BPF_ALU | BPF_DIV | BPF_K:
	case BPF_ALU | BPF_MOD | BPF_K:
	case BPF_ALU | BPF_AND | BPF_K:
	case BPF_ALU | BPF_OR | BPF_K:
	case BPF_ALU | BPF_XOR | BPF_K:
	case BPF_ALU | BPF_LSH | BPF_K:
	case BPF_ALU | BPF_RSH | BPF_K:
	case BPF_ALU | BPF_NEG:
	case BPF_MISC | BPF_TAX:
	case BPF_MISC | BPF_TXA:
		return true;
	}
	return false;
}

/* Replace hook's program with a validated copy of hp. */
static int
ng_bpf_setprog(struct ng_hook *hook, const struct ng_bpf_hookprog *hp)
{
	struct ng_bpf_link *link = hook->priv;
	struct ng_bpf_hookprog *copy;
	size_t size;

	if (hp->bpf_prog_len <= 0)
		return EINVAL;
	for (int32_t i = 0; i < hp->bpf_prog_len; i++) {
		const struct ng_bpf_insn *in = &hp->bpf_prog[i];

		if (!ng_bpf_code_ok(in->code))
			return EINVAL;
		/*
		 * bpf_validate checks a jump's target as i + 1 + k, which
		 * wraps: k 0xffffffff passed as a jump to i, and bpf_filter,
		 * which adds k as an int, then jumps back to i for ever.
		 */
		if (in->code == (BPF_JMP | BPF_JA) &&
		    in->k >= (uint32_t)(hp->bpf_prog_len - i - 1))
			return EINVAL;
	}
	if (!bpf_validate((const struct bpf_insn *)hp->bpf_prog,
		hp->bpf_prog_len))
		return EINVAL;
	size = NG_BPF_HOOKPROG_SIZE(hp->bpf_prog_len);
	copy = malloc(size);
	if (copy == NULL)
		return ENOMEM;
	memcpy(copy, hp, size);
	memcpy(copy->thisHook, hook->name, sizeof(copy->thisHook));
	copy->ifMatch[sizeof(copy->ifMatch) - 1] = '\0';
	copy->ifNotMatch[sizeof(copy->ifNotMatch) - 1] = '\0';
	free(link->prog);
	link->prog = copy;
	return 0;
}

static int
ng_bpf_newhook(struct ng_node *node, struct ng_hook *hook, const char *name)
{
	struct ng_bpf_hookprog *none;
	struct ng_bpf_link *link;
	int error;

	(void)node;
	(void)name;
	link = calloc(1, sizeof(*link));
	none = calloc(1, NG_BPF_HOOKPROG_SIZE(1));
	if (link == NULL || none == NULL) {
		free(link);
		free(none);
		return ENOMEM;
	}
	/* ret #0: matches nothing, and nowhere to send it anyway. */
	none->bpf_prog_len = 1;
	none->bpf_prog[0].code = BPF_RET | BPF_K;
	hook->priv = link;
	if ((error = ng_bpf_setprog(hook, none)) != 0) {
		free(link);
		hook->priv = NULL;
	}
	free(none);
	return error;
}

/* Filter one frame that arrived on hook and send it on; consumes *pkt. */
static int
ng_bpf_filter_one(struct ng_hook *hook, struct ng_pkt **pkt)
{
	struct ng_bpf_link *link = hook->priv, *dlink;
	const struct ng_bpf_hookprog *prog = link->prog;
	struct ng_pkt *p = *pkt;
	struct ng_hook *dest;
	uint32_t len = p->len;
	u_int ret;
	int error;

	link->stats.recvFrames++;
	link->stats.recvOctets += len;
	ret = bpf_filter((const struct bpf_insn *)prog->bpf_prog, p->data, len,
	    len);
	if (ret > 0) {
		link->stats.recvMatchFrames++;
		link->stats.recvMatchOctets += len;
		dest = prog->ifMatch[0] != '\0' ?
		    ng_find_hook(hook->node, prog->ifMatch) :
		    NULL;
		if (dest != NULL && ret < len) {
			/* Cut to what the program kept; a partial checksum
			 * no longer describes what is left. */
			if ((error = ng_pkt_writable(pkt)) != 0)
				return error;
			(*pkt)->len = ret;
			memset(&(*pkt)->vh, 0, sizeof((*pkt)->vh));
			len = ret;
		}
	} else {
		dest = prog->ifNotMatch[0] != '\0' ?
		    ng_find_hook(hook->node, prog->ifNotMatch) :
		    NULL;
	}
	if (dest == NULL) {
		ng_pkt_free(pkt);
		return 0;
	}
	dlink = dest->priv;
	dlink->stats.xmitFrames++;
	dlink->stats.xmitOctets += len;
	return ng_send_data(dest, pkt); /* consumes *pkt */
}

/* Segments of one super-frame, which may carry an out-of-band tag. */
struct ng_bpf_seg {
	struct ng_hook *hook;
	bool vlan_tagged;
	uint16_t vlan_tag;
	int error;
};

/* One segment.  The send of the one before may have taken the hook it
 * came in on, or shut the node down (ng_send_data): the rest are
 * dropped. */
static void
ng_bpf_filter_seg(void *arg, struct ng_pkt **seg)
{
	struct ng_bpf_seg *s = arg;
	int error;

	if (!(s->hook->flags & NG_HOOK_VALID) || s->hook->priv == NULL) {
		ng_pkt_free(seg);
		s->error = ENXIO;
		return;
	}
	(*seg)->vlan_tagged = s->vlan_tagged;
	(*seg)->vlan_tag = s->vlan_tag;
	error = ng_bpf_filter_one(s->hook, seg);

	if (error != 0)
		s->error = error;
}

/*
 * The link header length of a super-frame: none if its checksum starts
 * right after a bare IP header (or setfilter said raw IP), else Ethernet.
 */
static size_t
ng_bpf_l2(const struct ng_bpf_link *link, const struct ng_pkt *p)
{
	if (link->dlt == NG_BPF_DLT_RAW)
		return 0;
	return link->dlt == 0 ? ng_pkt_l2len(p) : 14;
}

/*
 * A TCP super-frame from a TAP is filtered as the frames the wire would
 * carry, each on its own: lengths, flags and payload offsets differ from
 * segment to segment, and a filter may look at any of them.
 */
static int
ng_bpf_rcvdata(struct ng_hook *hook, struct ng_pkt **pkt)
{
	struct ng_bpf_seg s = { .hook = hook, .error = 0 };
	int error;

	if ((*pkt)->vh.gso_type == VIRTIO_NET_HDR_GSO_NONE)
		return ng_bpf_filter_one(hook, pkt);
	s.vlan_tagged = (*pkt)->vlan_tagged;
	s.vlan_tag = (*pkt)->vlan_tag;
	error = ng_pkt_segment(pkt, ng_bpf_l2(hook->priv, *pkt),
	    ng_bpf_filter_seg, &s); /* consumes *pkt */
	return error != 0 ? error : s.error;
}

/* The hook named by a hook-name argument (terminated here), or NULL. */
static struct ng_hook *
ng_bpf_arg_hook(struct ng_node *node, const struct ng_mesg *msg, int *error)
{
	char name[NG_HOOKSIZ];
	size_t n = msg->header.arglen;
	struct ng_hook *hook;

	if (n == 0) {
		*error = EINVAL;
		return NULL;
	}
	if (n > sizeof(name))
		n = sizeof(name);
	memcpy(name, msg->data, n);
	name[n - 1] = '\0';
	hook = ng_find_hook(node, name);
	*error = hook == NULL ? ENOENT : 0;
	return hook;
}

/* setfilter: compile the text for the link type, then as setprogram. */
static int
ng_bpf_setfilter(struct ng_node *node, const struct ng_mesg *msg)
{
	struct ng_bpf_filter f;
	struct ng_bpf_hookprog *hp;
	struct bpf_program bp;
	struct ng_hook *hook;
	pcap_t *pc;
	int dlt, error;

	if (msg->header.arglen != sizeof(f))
		return EINVAL;
	memcpy(&f, msg->data, sizeof(f));
	f.thisHook[sizeof(f.thisHook) - 1] = '\0';
	f.filter[sizeof(f.filter) - 1] = '\0';
	dlt = f.dlt == 0 ? NG_BPF_DLT_EN10MB : f.dlt;
	if ((hook = ng_find_hook(node, f.thisHook)) == NULL)
		return ENOENT;
	pc = pcap_open_dead(dlt, NG_BPF_SNAPLEN);
	if (pc == NULL)
		return ENOMEM;
	if (pcap_compile(pc, &bp, f.filter, 1, PCAP_NETMASK_UNKNOWN) != 0) {
		ng_log(node->graph, LOG_INFO, "bpf: %s: filter \"%s\": %s",
		    f.thisHook, f.filter, pcap_geterr(pc));
		pcap_close(pc);
		return EINVAL;
	}
	pcap_close(pc);
	hp = calloc(1, NG_BPF_HOOKPROG_SIZE(bp.bf_len));
	if (hp == NULL) {
		pcap_freecode(&bp);
		return ENOMEM;
	}
	memcpy(hp->ifMatch, f.ifMatch, sizeof(hp->ifMatch));
	memcpy(hp->ifNotMatch, f.ifNotMatch, sizeof(hp->ifNotMatch));
	hp->bpf_prog_len = (int32_t)bp.bf_len;
	memcpy(hp->bpf_prog, bp.bf_insns, bp.bf_len * sizeof(hp->bpf_prog[0]));
	pcap_freecode(&bp);
	error = ng_bpf_setprog(hook, hp);
	free(hp);
	if (error == 0)
		((struct ng_bpf_link *)hook->priv)->dlt = dlt;
	return error;
}

static int
ng_bpf_rcvmsg(struct ng_node *node, const struct ng_msgctx *ctx,
    struct ng_mesg *msg, struct ng_mesg **resp)
{
	const struct ng_bpf_hookprog *hp;
	struct ng_bpf_link *link;
	struct ng_hook *hook;
	int error;

	(void)ctx;
	if (msg->header.flags & NGF_RESP)
		return 0;
	if (msg->header.typecookie != NGM_BPF_COOKIE)
		return EINVAL;
	switch (msg->header.cmd) {
	case NGM_BPF_SET_PROGRAM: {
		struct ng_bpf_hookprog *arg =
		    (struct ng_bpf_hookprog *)msg->data;
		char name[NG_HOOKSIZ];

		if (msg->header.arglen < sizeof(*arg) ||
		    arg->bpf_prog_len < 0 ||
		    msg->header.arglen !=
			NG_BPF_HOOKPROG_SIZE(arg->bpf_prog_len))
			return EINVAL;
		memcpy(name, arg->thisHook, sizeof(name));
		name[sizeof(name) - 1] = '\0';
		if ((hook = ng_find_hook(node, name)) == NULL)
			return ENOENT;
		if ((error = ng_bpf_setprog(hook, arg)) == 0)
			((struct ng_bpf_link *)hook->priv)->dlt = 0;
		return error;
	}
	case NGM_BPF_GET_PROGRAM:
		if ((hook = ng_bpf_arg_hook(node, msg, &error)) == NULL)
			return error;
		hp = ((struct ng_bpf_link *)hook->priv)->prog;
		*resp = ng_mkresponse(msg,
		    NG_BPF_HOOKPROG_SIZE(hp->bpf_prog_len));
		if (*resp == NULL)
			return ENOMEM;
		memcpy((*resp)->data, hp,
		    NG_BPF_HOOKPROG_SIZE(hp->bpf_prog_len));
		return 0;
	case NGM_BPF_GET_STATS:
	case NGM_BPF_CLR_STATS:
	case NGM_BPF_GETCLR_STATS:
		if ((hook = ng_bpf_arg_hook(node, msg, &error)) == NULL)
			return error;
		link = hook->priv;
		if (msg->header.cmd != NGM_BPF_CLR_STATS) {
			*resp = ng_mkresponse(msg, sizeof(link->stats));
			if (*resp == NULL)
				return ENOMEM;
			memcpy((*resp)->data, &link->stats,
			    sizeof(link->stats));
		}
		if (msg->header.cmd != NGM_BPF_GET_STATS)
			memset(&link->stats, 0, sizeof(link->stats));
		return 0;
	case NGM_BPF_SET_FILTER:
		return ng_bpf_setfilter(node, msg);
	}
	return EINVAL;
}

static int
ng_bpf_disconnect(struct ng_hook *hook)
{
	struct ng_node *node = hook->node;
	struct ng_bpf_link *link = hook->priv;

	if (link != NULL) {
		free(link->prog);
		free(link);
	}
	hook->priv = NULL;
	if (node->numhooks == 0 && ng_node_valid(node))
		ng_rmnode(node);
	return 0;
}

NG_PARSE_STRUCT(ng_bpf_insn, NG_BPF_INSN_FIELDS);
NG_PARSE_STRUCT(ng_bpf_hookprog, NG_BPF_HOOKPROG_FIELDS);
NG_PARSE_STRUCT(ng_bpf_hookstat, NG_BPF_HOOKSTAT_FIELDS);
NG_PARSE_STRUCT(ng_bpf_filter, NG_BPF_FILTER_FIELDS);

#define B NGM_BPF_COOKIE
#define HOOKBUF NG_PT_fixstr(NG_HOOKSIZ)
/* Journal and takeover: every hook's program. */
static int
ng_bpf_save(struct ng_node *node, ng_save_fn *emit, void *arg)
{
	int error = 0;

	for (struct ng_hook *h = node->hooks; h != NULL && error == 0;
	     h = h->next) {
		const struct ng_bpf_link *link = h->priv;
		const struct ng_bpf_hookprog *hp;
		struct ng_mesg *m;
		size_t len;

		if (link == NULL || (hp = link->prog) == NULL)
			continue;
		len = NG_BPF_HOOKPROG_SIZE(hp->bpf_prog_len);
		m = ng_mkmsg(NGM_BPF_COOKIE, NGM_BPF_SET_PROGRAM, len);
		if (m == NULL)
			return ENOMEM;
		memcpy(m->data, hp, len);
		error = emit(arg, node, m);
		free(m);
	}
	return error;
}

static const struct ng_cmdlist ng_bpf_cmds[] = {
	{ B, NGM_BPF_SET_PROGRAM, "setprogram", &ng_bpf_hookprog_parse_type,
	    NULL },
	{ B, NGM_BPF_GET_PROGRAM, "getprogram", HOOKBUF,
	    &ng_bpf_hookprog_parse_type },
	{ B, NGM_BPF_GET_STATS, "getstats", HOOKBUF,
	    &ng_bpf_hookstat_parse_type },
	{ B, NGM_BPF_CLR_STATS, "clrstats", HOOKBUF, NULL },
	{ B, NGM_BPF_GETCLR_STATS, "getclrstats", HOOKBUF,
	    &ng_bpf_hookstat_parse_type },
	{ B, NGM_BPF_SET_FILTER, "setfilter", &ng_bpf_filter_parse_type, NULL },
	{ 0, 0, NULL, NULL, NULL },
};
#undef HOOKBUF
#undef B

const struct ng_type ng_bpf_type = {
	.name = NG_BPF_NODE_TYPE,
	.cookie = NGM_BPF_COOKIE,
	.rcvmsg = ng_bpf_rcvmsg,
	.newhook = ng_bpf_newhook,
	.rcvdata = ng_bpf_rcvdata,
	.disconnect = ng_bpf_disconnect,
	.cmdlist = ng_bpf_cmds,
	.save = ng_bpf_save,
};
