/*
 * ng_bpf.h: the bpf node runs a classic BPF program on each frame that
 * arrives on a hook and sends it on to the hook named for a match or to
 * the one named for a miss.  Beyond FreeBSD, a program may be given as
 * tcpdump filter text (setfilter).
 */
#ifndef _NETGRAPH_NG_BPF_H_
#define _NETGRAPH_NG_BPF_H_

#include <stdint.h>

#include <netgraph/ng_message.h>

#define NG_BPF_NODE_TYPE "bpf"
#define NGM_BPF_COOKIE 944100792

/* One instruction, laid out as struct bpf_insn. */
#define NG_BPF_INSN_FIELDS(F)                                                  \
	F(code, hint16, , )                                                    \
	F(jt, uint8, , )                                                       \
	F(jf, uint8, , )                                                       \
	F(k, uint32, , )
NG_WIRE_STRUCT(ng_bpf_insn, NG_BPF_INSN_FIELDS, 8);

/* setprogram, getprogram: a hook's program and where its frames go; an
 * empty destination drops them */
#define NG_BPF_HOOKPROG_FIELDS(F)                                              \
	F(thisHook, fixstr, NG_HOOKSIZ, )                                      \
	F(ifMatch, fixstr, NG_HOOKSIZ, )                                       \
	F(ifNotMatch, fixstr, NG_HOOKSIZ, )                                    \
	F(bpf_prog_len, int32, , )                                             \
	F(bpf_prog, array, (struct, ng_bpf_insn, bpf_prog_len), )
NG_WIRE_STRUCT(ng_bpf_hookprog, NG_BPF_HOOKPROG_FIELDS, 100);

/* Bytes a program of n instructions takes on the wire. */
#define NG_BPF_HOOKPROG_SIZE(n)                                                \
	(sizeof(struct ng_bpf_hookprog) +                                      \
	    (size_t)(n) * sizeof(struct ng_bpf_insn))

/* getstats, getclrstats: one hook's counters */
#define NG_BPF_HOOKSTAT_FIELDS(F)                                              \
	F(recvFrames, uint64, , )                                              \
	F(recvOctets, uint64, , )                                              \
	F(recvMatchFrames, uint64, , )                                         \
	F(recvMatchOctets, uint64, , )                                         \
	F(xmitFrames, uint64, , )                                              \
	F(xmitOctets, uint64, , )
NG_WIRE_STRUCT(ng_bpf_hookstat, NG_BPF_HOOKSTAT_FIELDS, 48);

/* Longest filter text setfilter takes, with its NUL. */
#define NG_BPF_FILTERSIZ 512

/* Link types setfilter compiles for (the DLT_ numbers of pcap). */
#define NG_BPF_DLT_EN10MB 1 /* Ethernet frames (the default) */
#define NG_BPF_DLT_RAW 12   /* bare IP packets, as iface's hooks carry */

/*
 * setfilter (a Linux extension): compile filter, tcpdump's language, for
 * frames of link type dlt (0 means Ethernet) and install it as setprogram
 * would.
 */
#define NG_BPF_FILTER_FIELDS(F)                                                \
	F(thisHook, fixstr, NG_HOOKSIZ, )                                      \
	F(ifMatch, fixstr, NG_HOOKSIZ, )                                       \
	F(ifNotMatch, fixstr, NG_HOOKSIZ, )                                    \
	F(dlt, int32, , )                                                      \
	F(filter, fixstr, NG_BPF_FILTERSIZ, )
NG_WIRE_STRUCT(ng_bpf_filter, NG_BPF_FILTER_FIELDS, 612);

enum {
	NGM_BPF_SET_PROGRAM = 1, /* arg: struct ng_bpf_hookprog */
	NGM_BPF_GET_PROGRAM,     /* arg: hook name; reply: ng_bpf_hookprog */
	NGM_BPF_GET_STATS,       /* arg: hook name; reply: ng_bpf_hookstat */
	NGM_BPF_CLR_STATS,       /* arg: hook name */
	NGM_BPF_GETCLR_STATS,    /* arg: hook name; reply: ng_bpf_hookstat */
	NGM_BPF_SET_FILTER = 64, /* arg: struct ng_bpf_filter (ours) */
};

#endif
