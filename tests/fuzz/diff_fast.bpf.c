/*
 * diff_fast.bpf.c: src/bpf/ng_fast.bpf.c whole, with its redirect
 * helpers (bpf_clone_redirect, bpf_redirect_peer, bpf_redirect) recorded
 * in fzd_recs instead of done, so that a BPF_PROG_TEST_RUN shows every
 * copy a program run made, where it went and its bytes (with any
 * out-of-band tag), which a test run alone does not (diff_fast.c).
 * fzd_port, the entry, takes a frame's outer 802.1Q or 802.1ad tag out
 * of band as the kernel does before tc ingress (skb_vlan_untag), which
 * a test run does not either, then tail-calls ng_fast_port; fzd_tap
 * does the same for ng_fast_tap, a frame ngd wrote into the data plane's
 * TAP.
 */
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "diff_fast.h"

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, FZD_MAXREC);
	__type(key, __u32);
	__type(value, struct fzd_rec);
} fzd_recs SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} fzd_nrec SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 2); /* ng_fast_port, ng_fast_tap */
	__type(key, __u32);
	__type(value, __u32);
} fzd_progs SEC(".maps");

/* One record of skb as it is, sent by kind to ifindex. */
static __always_inline void
fzd_record(struct __sk_buff *skb, __u32 kind, __u32 ifindex)
{
	__u32 zero = 0, i;
	__u64 n; /* 64 bits: no zero-extension between check and use */
	__u32 *cnt = bpf_map_lookup_elem(&fzd_nrec, &zero);
	struct fzd_rec *r;

	if (cnt == NULL)
		return;
	i = *cnt;
	if (i >= FZD_MAXREC || (r = bpf_map_lookup_elem(&fzd_recs, &i)) == NULL)
		return;
	*cnt = i + 1;
	r->kind = kind;
	r->ifindex = ifindex;
	r->mark = skb->mark;
	r->len = skb->len;
	r->vlan_present = skb->vlan_present;
	r->vlan_proto = skb->vlan_proto;
	r->vlan_tci = skb->vlan_tci;
	r->tc_index = skb->tc_index;
	n = skb->len;
	asm volatile("" : "+r"(n));
	if (n > FZD_SNAP)
		n = FZD_SNAP;
	if (n >= 1)
		(void)bpf_skb_load_bytes(skb, 0, r->data, n);
}

static __always_inline long
fzd_clone_redirect(struct __sk_buff *skb, __u32 ifindex, __u64 flags)
{
	fzd_record(skb, (flags & BPF_F_INGRESS) ? FZD_CLONE_IN : FZD_CLONE,
	    ifindex);
	return 0;
}

static __always_inline long
fzd_redirect(struct __sk_buff *skb, __u32 kind, __u32 ifindex)
{
	fzd_record(skb, kind, ifindex);
	return TC_ACT_REDIRECT;
}

/* Every call site of the two redirects has its frame in skb. */
#define bpf_clone_redirect(s, i, f) fzd_clone_redirect(s, i, f)
#define bpf_redirect_peer(i, f) fzd_redirect(skb, FZD_PEER, i)
#define bpf_redirect(i, f) fzd_redirect(skb, FZD_REDIR, i)

#include "ng_fast.bpf.c"

SEC("tc")
int
fzd_port(struct __sk_buff *skb)
{
	void *data = (void *)(long)skb->data;
	void *end = (void *)(long)skb->data_end;
	__u8 *eth = data;

	if (data + 18 <= end &&
	    ((eth[12] == 0x81 && eth[13] == 0x00) ||
		(eth[12] == 0x88 && eth[13] == 0xa8))) {
		/* a tag out of band and off again: the pop moves the
		 * outer inline tag out of band (skb_vlan_pop), as
		 * skb_vlan_untag would, an inner one staying inline */
		if (bpf_skb_vlan_push(skb, bpf_htons(0x8100), 0) != 0 ||
		    bpf_skb_vlan_pop(skb) != 0 || !skb->vlan_present)
			return 99;
	}
	bpf_tail_call(skb, &fzd_progs, 0);
	return 98;
}

/* A frame ngd wrote into the data plane's TAP, whose receive moves its
 * outer tag out of band before tc, or drops it if it is too short
 * (skb_vlan_untag wants 20 bytes): ng_fast_tap's. */
SEC("tc")
int
fzd_tap(struct __sk_buff *skb)
{
	void *data = (void *)(long)skb->data;
	void *end = (void *)(long)skb->data_end;
	__u8 *eth = data;

	if (data + 14 <= end &&
	    ((eth[12] == 0x81 && eth[13] == 0x00) ||
		(eth[12] == 0x88 && eth[13] == 0xa8))) {
		if (skb->len < 20)
			return 97; /* the kernel's drop */
		if (bpf_skb_vlan_push(skb, bpf_htons(0x8100), 0) != 0 ||
		    bpf_skb_vlan_pop(skb) != 0 || !skb->vlan_present)
			return 99;
	}
	bpf_tail_call(skb, &fzd_progs, 1);
	return 98;
}
