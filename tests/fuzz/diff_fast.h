/*
 * diff_fast.h: what diff_fast.bpf.c (ng_fast.bpf.c with its redirect
 * helpers recorded instead of done) and diff_fast.c (the differential
 * test) share: one record per copy or redirect the program made.
 */
#ifndef DIFF_FAST_H
#define DIFF_FAST_H

#include <linux/types.h>

#define FZD_SNAP 1536  /* bytes of a frame kept, the most it sends */
#define FZD_MAXREC 160 /* records a run */
#define FZD_MAP_RECS "fzd_recs"
#define FZD_MAP_NREC "fzd_nrec"
#define FZD_MAP_PROGS "fzd_progs"
#define FZD_PROG_SHIM "fzd_port"
#define FZD_PROG_TAP "fzd_tap" /* ng_fast_tap's shim: a frame from ngd */

enum {
	FZD_CLONE = 1,    /* bpf_clone_redirect to a device's egress */
	FZD_CLONE_IN = 2, /* ... to its ingress (a flood's next slice) */
	FZD_PEER = 3,     /* bpf_redirect_peer */
	FZD_REDIR = 4,    /* bpf_redirect (the TAP: ngd; a wire device) */
};

struct fzd_rec {
	__u32 kind, ifindex;
	__u32 mark, len;
	__u32 vlan_present, vlan_proto, vlan_tci, tc_index; /* out of band */
	__u8 data[FZD_SNAP];
};

#endif
