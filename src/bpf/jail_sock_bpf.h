/*
 * jail_sock_bpf.h: what the IP-alias jail programs (jail_sock.bpf.c) and
 * the jail tools (src/jail/jail_ipalias.c) share.  One loaded set of
 * programs serves every such jail: each jail is a cgroup the programs are
 * attached to, and its addresses live in that cgroup's slot of
 * jail_sock_cfg (cgroup local storage, keyed by the cgroup's id and
 * shared by all the programs attached there).
 */
#ifndef JAIL_SOCK_BPF_H
#define JAIL_SOCK_BPF_H

#include <linux/types.h>

#define JAIL_SOCK_MAX_ADDRS 8 /* per family; jail(8) refuses more */

/* jail_sock_cfg flags */
#define JAIL_SOCK_F_ALLOW_RAW 0x1 /* allow.raw_sockets */
#define JAIL_SOCK_F_INHERIT4 0x2  /* ip4=inherit: IPv4 unrestricted */
#define JAIL_SOCK_F_INHERIT6 0x4  /* ip6=inherit */
#define JAIL_SOCK_F_SADDRSEL4 0x8 /* ip4.saddrsel: source by prefix */
#define JAIL_SOCK_F_SADDRSEL6 0x10
#define JAIL_SOCK_F_READY 0x80 /* written by jail(8): until then, deny */

/* Addresses and masks in network order; [0] is the primary address. */
struct jail_sock_cfg {
	__u32 flags;
	__u32 n4;
	__u32 n6;
	__u32 mark; /* given raw and ICMP sockets: the jail's routes */
	__u32 ip4[JAIL_SOCK_MAX_ADDRS];
	__u32 mask4[JAIL_SOCK_MAX_ADDRS];
	__u32 ip6[JAIL_SOCK_MAX_ADDRS][4];
	__u32 mask6[JAIL_SOCK_MAX_ADDRS][4];
};

/*
 * The programs: section, name, attach type.  Every one is attached to
 * each jail's cgroup; jail(8) and jexec(8) check they still are.
 */
#define JAIL_SOCK_PROGS(X)                                                     \
	X("cgroup/sock_create", jail_sock_create, BPF_CGROUP_INET_SOCK_CREATE) \
	X("cgroup/bind4", jail_sock_bind4, BPF_CGROUP_INET4_BIND)              \
	X("cgroup/bind6", jail_sock_bind6, BPF_CGROUP_INET6_BIND)              \
	X("cgroup/post_bind4", jail_sock_post_bind4,                           \
	    BPF_CGROUP_INET4_POST_BIND)                                        \
	X("cgroup/post_bind6", jail_sock_post_bind6,                           \
	    BPF_CGROUP_INET6_POST_BIND)                                        \
	X("cgroup/connect4", jail_sock_connect4, BPF_CGROUP_INET4_CONNECT)     \
	X("cgroup/connect6", jail_sock_connect6, BPF_CGROUP_INET6_CONNECT)     \
	X("cgroup/sendmsg4", jail_sock_sendmsg4, BPF_CGROUP_UDP4_SENDMSG)      \
	X("cgroup/sendmsg6", jail_sock_sendmsg6, BPF_CGROUP_UDP6_SENDMSG)      \
	X("cgroup_skb/egress", jail_sock_egress, BPF_CGROUP_INET_EGRESS)       \
	X("cgroup_skb/ingress", jail_sock_ingress, BPF_CGROUP_INET_INGRESS)    \
	X("cgroup/setsockopt", jail_sock_setsockopt, BPF_CGROUP_SETSOCKOPT)

#define JAIL_SOCK_MAP_CFG "jail_sock_cfg"

#endif
