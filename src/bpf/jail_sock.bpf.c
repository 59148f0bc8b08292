/*
 * jail_sock.bpf.c: the sockets of an IP-alias jail (a non-vnet jail with
 * ip4.addr/ip6.addr; DESIGN jail decision 3), as FreeBSD's prison code
 * treats them.  jail(8) loads these programs once, pins them under
 * /sys/fs/bpf/ngjail and attaches every one to each such jail's cgroup
 * (src/jail/jail_ipalias.c); a jail's addresses are its cgroup's
 * jail_sock_cfg.  The hooks:
 *   sock_create        a family the jail has no address of:
 *                      EPROTONOSUPPORT; raw and ICMP sockets only with
 *                      allow.raw_sockets (EPERM), and marked for the
 *                      jail's routes (no hook sees their bind or send:
 *                      the routes give them the jail's source); only TCP
 *                      and UDP else
 *   bind4/6            wildcard and 127.0.0.1/::1 become the primary
 *                      address; any other not the jail's: EADDRNOTAVAIL
 *   post_bind4/6       the address a bind ended with is the jail's
 *   connect4/6         127.0.0.1/::1 (and the wildcard) as destination
 *                      is the primary address; the source is the jail's
 *   sendmsg4/6         the same for unconnected UDP
 *   egress, ingress    a backstop for paths with no hook (autobind, raw
 *                      sockets): packets of jail sockets carry a jail
 *                      address as source, and come to one (or to
 *                      multicast, or to 255.255.255.255 but for a raw
 *                      socket); no raw socket's goes to the host's
 *                      loopback (127/8, ::1)
 *   setsockopt         SO_MARK, the interface options (SO_BINDTODEVICE
 *                      and kin) and IP_TRANSPARENT: EPERM; each picks the
 *                      host's routes, rules or addresses past the jail's
 * A denial sets the errno FreeBSD gives (bpf_set_retval, Linux 5.18).
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/in6.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#include "jail_sock_bpf.h"

#define AF_INET 2
#define AF_INET6 10
#define SOCK_STREAM 1
#define SOCK_DGRAM 2
#define SOCK_RAW 3
#define EPERM 1
#define EPROTONOSUPPORT 93
#define EAFNOSUPPORT 97
#define EADDRNOTAVAIL 99
#define ENETUNREACH 101

#define LO4 bpf_htonl(0x7f000001)

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_CGROUP_STORAGE);
	__type(key, __u64); /* one slot per cgroup, for every program */
	__type(value, struct jail_sock_cfg);
} jail_sock_cfg SEC(".maps");

/* The jail's settings: those of the cgroup the program is attached to. */
static __always_inline struct jail_sock_cfg *
cfg(void)
{
	return bpf_get_local_storage(&jail_sock_cfg, 0);
}

static __always_inline int
deny(int err)
{
	bpf_set_retval(-err);
	return 0;
}

static __always_inline int
is_jail4(const struct jail_sock_cfg *c, __u32 ip)
{
#pragma unroll
	for (int i = 0; i < JAIL_SOCK_MAX_ADDRS; i++)
		if (i < c->n4 && c->ip4[i] == ip)
			return 1;
	return 0;
}

static __always_inline int
is_jail6(const struct jail_sock_cfg *c, const __u32 *a)
{
#pragma unroll
	for (int i = 0; i < JAIL_SOCK_MAX_ADDRS; i++)
		if (i < c->n6 && c->ip6[i][0] == a[0] && c->ip6[i][1] == a[1] &&
		    c->ip6[i][2] == a[2] && c->ip6[i][3] == a[3])
			return 1;
	return 0;
}

/* The source for destination dst: with saddrsel, the first address whose
 * prefix holds dst (the alias's own netmask), else the primary. */
static __always_inline __u32
pick4(const struct jail_sock_cfg *c, __u32 dst)
{
	if (c->flags & JAIL_SOCK_F_SADDRSEL4) {
#pragma unroll
		for (int i = 0; i < JAIL_SOCK_MAX_ADDRS; i++)
			if (i < c->n4 && ((dst ^ c->ip4[i]) & c->mask4[i]) == 0)
				return c->ip4[i];
	}
	return c->ip4[0];
}

static __always_inline int
pick6(const struct jail_sock_cfg *c, const __u32 *d)
{
	if (c->flags & JAIL_SOCK_F_SADDRSEL6) {
#pragma unroll
		for (int i = 0; i < JAIL_SOCK_MAX_ADDRS; i++)
			if (i < c->n6 &&
			    ((d[0] ^ c->ip6[i][0]) & c->mask6[i][0]) == 0 &&
			    ((d[1] ^ c->ip6[i][1]) & c->mask6[i][1]) == 0 &&
			    ((d[2] ^ c->ip6[i][2]) & c->mask6[i][2]) == 0 &&
			    ((d[3] ^ c->ip6[i][3]) & c->mask6[i][3]) == 0)
				return i;
	}
	return 0;
}

static __always_inline int
is_lo4_net(__u32 ip)
{
	return (bpf_ntohl(ip) >> 24) == 127;
}

static __always_inline int
is_mapped(const __u32 *a)
{
	return a[0] == 0 && a[1] == 0 && a[2] == bpf_htonl(0xffff);
}

static __always_inline int
is_any6(const __u32 *a)
{
	return (a[0] | a[1] | a[2] | a[3]) == 0;
}

static __always_inline int
is_lo6(const __u32 *a)
{
	return a[0] == 0 && a[1] == 0 && a[2] == 0 && a[3] == bpf_htonl(1);
}

/* --- sockets ----------------------------------------------------------- */

SEC("cgroup/sock_create")
int
jail_sock_create(struct bpf_sock *sk)
{
	struct jail_sock_cfg *c = cfg();
	__u32 fam = sk->family, type = sk->type, proto = sk->protocol;

	if (!(c->flags & JAIL_SOCK_F_READY))
		return deny(EPERM);
	if (fam == AF_INET && (c->flags & JAIL_SOCK_F_INHERIT4))
		return 1;
	if (fam == AF_INET6 && (c->flags & JAIL_SOCK_F_INHERIT6))
		return 1;
	/* an AF_INET6 socket of an IPv4-only jail: FreeBSD refuses it too */
	if ((fam == AF_INET && c->n4 == 0) || (fam == AF_INET6 && c->n6 == 0))
		return deny(EPROTONOSUPPORT);
	if (type == SOCK_STREAM && proto == IPPROTO_TCP)
		return 1;
	if (type == SOCK_DGRAM && proto == IPPROTO_UDP)
		return 1;
	if (type == SOCK_RAW ||
	    (type == SOCK_DGRAM && (proto == IPPROTO_ICMP || proto == 58))) {
		if (!(c->flags & JAIL_SOCK_F_ALLOW_RAW))
			return deny(EPERM);
		if (c->mark != 0)
			sk->mark = c->mark;
		return 1;
	}
	/* MPTCP, SCTP, UDP-Lite...: their kernel paths skip the hooks */
	return deny(EPROTONOSUPPORT);
}

/* --- IPv4 -------------------------------------------------------------- */

static __always_inline int
bind_ip4(struct jail_sock_cfg *c, __u32 ip, __u32 *out)
{
	*out = ip;
	if (c->n4 == 0)
		return EAFNOSUPPORT;
	if (ip == 0 || ip == LO4) {
		*out = c->ip4[0];
		return 0;
	}
	return is_jail4(c, ip) ? 0 : EADDRNOTAVAIL;
}

SEC("cgroup/bind4")
int
jail_sock_bind4(struct bpf_sock_addr *ctx)
{
	struct jail_sock_cfg *c = cfg();
	__u32 ip;
	int err;

	if (!(c->flags & JAIL_SOCK_F_READY))
		return deny(EPERM);
	if (c->flags & JAIL_SOCK_F_INHERIT4)
		return 1;
	if ((err = bind_ip4(c, ctx->user_ip4, &ip)) != 0)
		return deny(err);
	ctx->user_ip4 = ip;
	return 1;
}

SEC("cgroup/post_bind4")
int
jail_sock_post_bind4(struct bpf_sock *sk)
{
	struct jail_sock_cfg *c = cfg();

	if (!(c->flags & JAIL_SOCK_F_READY))
		return deny(EPERM);
	if ((c->flags & JAIL_SOCK_F_INHERIT4) || is_jail4(c, sk->src_ip4))
		return 1;
	return deny(EADDRNOTAVAIL);
}

/* Destination: 0 to go on, or the errno. */
static __always_inline int
dst_ip4(struct jail_sock_cfg *c, __u32 *dst)
{
	if (c->n4 == 0)
		return ENETUNREACH;
	if (*dst == LO4 || *dst == 0)
		*dst = c->ip4[0];
	else if (is_lo4_net(*dst))
		return ENETUNREACH; /* the host's own loopback services */
	return 0;
}

SEC("cgroup/connect4")
int
jail_sock_connect4(struct bpf_sock_addr *ctx)
{
	struct jail_sock_cfg *c = cfg();
	struct bpf_sock *sk = ctx->sk;
	struct sockaddr_in sa = {};
	__u32 dst = ctx->user_ip4;
	int err;

	if (!(c->flags & JAIL_SOCK_F_READY))
		return deny(EPERM);
	if (c->flags & JAIL_SOCK_F_INHERIT4)
		return 1;
	if ((err = dst_ip4(c, &dst)) != 0)
		return deny(err);
	ctx->user_ip4 = dst;
	if (sk->src_ip4 != 0)
		return is_jail4(c, sk->src_ip4) ? 1 : deny(EADDRNOTAVAIL);
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = pick4(c, dst);
	/* fails when a port is bound already (UDP sendto, then connect) */
	if (bpf_bind(ctx, (struct sockaddr *)&sa, sizeof(sa)) != 0)
		return deny(EADDRNOTAVAIL);
	return 1;
}

SEC("cgroup/sendmsg4")
int
jail_sock_sendmsg4(struct bpf_sock_addr *ctx)
{
	struct jail_sock_cfg *c = cfg();
	__u32 dst = ctx->user_ip4, src = ctx->msg_src_ip4;
	int err;

	if (!(c->flags & JAIL_SOCK_F_READY))
		return deny(EPERM);
	if (c->flags & JAIL_SOCK_F_INHERIT4)
		return 1;
	if ((err = dst_ip4(c, &dst)) != 0)
		return deny(err);
	ctx->user_ip4 = dst;
	if (src == 0)
		ctx->msg_src_ip4 = pick4(c, dst);
	else if (!is_jail4(c, src))
		return deny(EADDRNOTAVAIL);
	return 1;
}

/* --- IPv6 (v4-mapped addresses follow the IPv4 rules) ------------------- */

static __always_inline void
load6(const __u32 *from, __u32 *a)
{
	a[0] = from[0];
	a[1] = from[1];
	a[2] = from[2];
	a[3] = from[3];
}

static __always_inline void
set_ctx6(struct bpf_sock_addr *ctx, const __u32 *a)
{
	ctx->user_ip6[0] = a[0];
	ctx->user_ip6[1] = a[1];
	ctx->user_ip6[2] = a[2];
	ctx->user_ip6[3] = a[3];
}

static __always_inline void
ctx_ip6(struct bpf_sock_addr *ctx, __u32 *a)
{
	a[0] = ctx->user_ip6[0];
	a[1] = ctx->user_ip6[1];
	a[2] = ctx->user_ip6[2];
	a[3] = ctx->user_ip6[3];
}

SEC("cgroup/bind6")
int
jail_sock_bind6(struct bpf_sock_addr *ctx)
{
	struct jail_sock_cfg *c = cfg();
	__u32 a[4], ip;
	int err;

	if (!(c->flags & JAIL_SOCK_F_READY))
		return deny(EPERM);
	ctx_ip6(ctx, a);
	if (is_mapped(a)) {
		if (c->flags & JAIL_SOCK_F_INHERIT4)
			return 1;
		if ((err = bind_ip4(c, a[3], &ip)) != 0)
			return deny(err == EAFNOSUPPORT ? EADDRNOTAVAIL : err);
		ctx->user_ip6[3] = ip;
		return 1;
	}
	if (c->flags & JAIL_SOCK_F_INHERIT6)
		return 1;
	if (c->n6 == 0)
		return deny(EAFNOSUPPORT);
	if (is_any6(a) || is_lo6(a)) {
		load6(c->ip6[0], a);
		set_ctx6(ctx, a);
		return 1;
	}
	return is_jail6(c, a) ? 1 : deny(EADDRNOTAVAIL);
}

SEC("cgroup/post_bind6")
int
jail_sock_post_bind6(struct bpf_sock *sk)
{
	struct jail_sock_cfg *c = cfg();
	__u32 a[4];

	if (!(c->flags & JAIL_SOCK_F_READY))
		return deny(EPERM);
	a[0] = sk->src_ip6[0];
	a[1] = sk->src_ip6[1];
	a[2] = sk->src_ip6[2];
	a[3] = sk->src_ip6[3];
	if (is_mapped(a)) {
		if ((c->flags & JAIL_SOCK_F_INHERIT4) || is_jail4(c, a[3]))
			return 1;
	} else if ((c->flags & JAIL_SOCK_F_INHERIT6) || is_jail6(c, a)) {
		return 1;
	}
	return deny(EADDRNOTAVAIL);
}

SEC("cgroup/connect6")
int
jail_sock_connect6(struct bpf_sock_addr *ctx)
{
	struct jail_sock_cfg *c = cfg();
	struct bpf_sock *sk = ctx->sk;
	struct sockaddr_in6 sa = {};
	__u32 a[4], s[4], dst;
	int err, i;

	if (!(c->flags & JAIL_SOCK_F_READY))
		return deny(EPERM);
	ctx_ip6(ctx, a);
	s[0] = sk->src_ip6[0];
	s[1] = sk->src_ip6[1];
	s[2] = sk->src_ip6[2];
	s[3] = sk->src_ip6[3];
	sa.sin6_family = AF_INET6;
	if (is_mapped(a)) {
		if (c->flags & JAIL_SOCK_F_INHERIT4)
			return 1;
		dst = a[3];
		if ((err = dst_ip4(c, &dst)) != 0)
			return deny(err);
		ctx->user_ip6[3] = dst;
		if (!is_any6(s))
			return is_mapped(s) && is_jail4(c, s[3]) ?
			    1 :
			    deny(EADDRNOTAVAIL);
		sa.sin6_addr.in6_u.u6_addr32[2] = bpf_htonl(0xffff);
		sa.sin6_addr.in6_u.u6_addr32[3] = pick4(c, dst);
	} else {
		if (c->flags & JAIL_SOCK_F_INHERIT6)
			return 1;
		if (c->n6 == 0)
			return deny(ENETUNREACH);
		if (is_lo6(a) || is_any6(a)) {
			load6(c->ip6[0], a);
			set_ctx6(ctx, a);
		}
		if (!is_any6(s))
			return is_jail6(c, s) ? 1 : deny(EADDRNOTAVAIL);
		i = pick6(c, a);
		if (i < 0 || i >= JAIL_SOCK_MAX_ADDRS)
			i = 0;
		load6(c->ip6[i], sa.sin6_addr.in6_u.u6_addr32);
	}
	if (bpf_bind(ctx, (struct sockaddr *)&sa, sizeof(sa)) != 0)
		return deny(EADDRNOTAVAIL);
	return 1;
}

SEC("cgroup/sendmsg6")
int
jail_sock_sendmsg6(struct bpf_sock_addr *ctx)
{
	struct jail_sock_cfg *c = cfg();
	__u32 a[4], s[4];
	int i;

	if (!(c->flags & JAIL_SOCK_F_READY))
		return deny(EPERM);
	/* v4-mapped destinations take the sendmsg4 hook */
	if (c->flags & JAIL_SOCK_F_INHERIT6)
		return 1;
	if (c->n6 == 0)
		return deny(ENETUNREACH);
	ctx_ip6(ctx, a);
	if (is_lo6(a) || is_any6(a)) {
		load6(c->ip6[0], a);
		set_ctx6(ctx, a);
	}
	s[0] = ctx->msg_src_ip6[0];
	s[1] = ctx->msg_src_ip6[1];
	s[2] = ctx->msg_src_ip6[2];
	s[3] = ctx->msg_src_ip6[3];
	if (!is_any6(s))
		return is_jail6(c, s) ? 1 : deny(EADDRNOTAVAIL);
	i = pick6(c, a);
	if (i < 0 || i >= JAIL_SOCK_MAX_ADDRS)
		i = 0;
	ctx->msg_src_ip6[0] = c->ip6[i][0];
	ctx->msg_src_ip6[1] = c->ip6[i][1];
	ctx->msg_src_ip6[2] = c->ip6[i][2];
	ctx->msg_src_ip6[3] = c->ip6[i][3];
	return 1;
}

/* --- packets: the backstop ----------------------------------------------- */

/*
 * Whether skb is a raw socket's.  The hooks keep a TCP or UDP socket off
 * the host's loopback, its local services (127.0.0.1 and ::1 are the
 * jail's own address to them, the rest of 127/8 ENETUNREACH), and an
 * answer goes back where a connection came from (the host's client
 * from 127.0.0.1 to a jail on a 127/8 alias); a raw socket's send no
 * hook sees, and it reached them with a header (IP_HDRINCL) or a bound
 * source of its own.
 */
static __always_inline int
raw_sock(struct __sk_buff *skb)
{
	struct bpf_sock *sk = skb->sk;

	if (sk == NULL)
		return 0;
	sk = bpf_sk_fullsock(sk);
	return sk != NULL && sk->type == SOCK_RAW;
}

SEC("cgroup_skb/egress")
int
jail_sock_egress(struct __sk_buff *skb)
{
	struct jail_sock_cfg *c = cfg();

	if (!(c->flags & JAIL_SOCK_F_READY))
		return 0;
	if (skb->protocol == bpf_htons(ETH_P_IP)) {
		struct iphdr ip;

		if (c->flags & JAIL_SOCK_F_INHERIT4)
			return 1;
		if (bpf_skb_load_bytes(skb, 0, &ip, sizeof(ip)) != 0)
			return 0;
		return is_jail4(c, ip.saddr) &&
		    (!is_lo4_net(ip.daddr) || is_jail4(c, ip.daddr) ||
			!raw_sock(skb));
	}
	if (skb->protocol == bpf_htons(ETH_P_IPV6)) {
		struct ipv6hdr ip6;
		__u32 s[4], d[4];

		if (c->flags & JAIL_SOCK_F_INHERIT6)
			return 1;
		if (bpf_skb_load_bytes(skb, 0, &ip6, sizeof(ip6)) != 0)
			return 0;
		__builtin_memcpy(s, &ip6.saddr, 16);
		__builtin_memcpy(d, &ip6.daddr, 16);
		return is_jail6(c, s) && (!is_lo6(d) || !raw_sock(skb));
	}
	return 1;
}

SEC("cgroup_skb/ingress")
int
jail_sock_ingress(struct __sk_buff *skb)
{
	struct jail_sock_cfg *c = cfg();

	if (!(c->flags & JAIL_SOCK_F_READY))
		return 0;
	if (skb->protocol == bpf_htons(ETH_P_IP)) {
		struct iphdr ip;
		__u32 d;

		if (c->flags & JAIL_SOCK_F_INHERIT4)
			return 1;
		if (bpf_skb_load_bytes(skb, 0, &ip, sizeof(ip)) != 0)
			return 0;
		d = bpf_ntohl(ip.daddr);
		/*
		 * Multicast reaches whoever joined, the limited broadcast
		 * whoever asked, but for a raw socket: FreeBSD's raw input
		 * gives a jailed one multicast and the jail's addresses
		 * only (rip_input), not 255.255.255.255.
		 */
		return is_jail4(c, ip.daddr) || (d >> 28) == 0xe ||
		    (d == 0xffffffff && !raw_sock(skb));
	}
	if (skb->protocol == bpf_htons(ETH_P_IPV6)) {
		struct ipv6hdr ip6;
		__u32 d[4];

		if (c->flags & JAIL_SOCK_F_INHERIT6)
			return 1;
		if (bpf_skb_load_bytes(skb, 0, &ip6, sizeof(ip6)) != 0)
			return 0;
		__builtin_memcpy(d, &ip6.daddr, 16);
		return is_jail6(c, d) || (bpf_ntohl(d[0]) >> 24) == 0xff;
	}
	return 1;
}

/* --- socket options ---------------------------------------------------- */

#define SOL_SOCKET 1
#define SO_BINDTODEVICE 25
#define SO_MARK 36
#define SO_BINDTOIFINDEX 62
#define SOL_IP 0
#define IP_TRANSPARENT 19
#define IP_UNICAST_IF 50
#define SOL_IPV6 41
#define IPV6_TRANSPARENT 75
#define IPV6_UNICAST_IF 76
#define JAIL_PAGE 4096

/* Is the option's value all zero bytes (an unbind: "" or index 0)?  The
 * first four bytes decide (an interface name or an index). */
static __always_inline int
unset_value(struct bpf_sockopt *ctx)
{
	__u8 *v = ctx->optval, *end = ctx->optval_end;

	if (ctx->optlen <= 0)
		return 1;
	if (v + 1 > end)
		return 0;
	if (ctx->optname == SO_BINDTODEVICE)
		return v[0] == 0;
	if (v + 4 > end || ctx->optlen < 4)
		return 0;
	return (v[0] | v[1] | v[2] | v[3]) == 0;
}

/*
 * What the host chooses for the jail's traffic, a jailed socket cannot:
 *   SO_MARK            a mark is the host's to give: its rules (ip rule
 *                      fwmark, a firewall's meta mark, a VPN's mark for
 *                      what may leave outside the tunnel) choose by it,
 *                      and with CAP_NET_RAW (allow.raw_sockets) Linux lets
 *                      a socket take any.  FreeBSD has no such option.
 *                      The jail's raw sockets keep the mark sock_create
 *                      gave them (the jail's routes).
 *   SO_BINDTODEVICE, SO_BINDTOIFINDEX, IP_UNICAST_IF, IPV6_UNICAST_IF
 *                      the interface a socket sends from, past the host's
 *                      routes and rules (Linux 5.7 on lets any user bind
 *                      to any interface).  FreeBSD's jailed socket has no
 *                      way to name an interface: the routes choose.
 *                      Clearing one ("" or index 0) stays allowed.
 *   IP_TRANSPARENT, IPV6_TRANSPARENT
 *                      with CAP_NET_RAW, the host's TPROXY traffic and
 *                      foreign addresses: FreeBSD's IP_BINDANY needs a
 *                      privilege no jail is given.
 * All EPERM.  Every other option as the kernel has it (a long one's value
 * untouched: optlen 0).  This program reads no map: jail -m attaches or
 * replaces it in a jail made by an older jail(8) (jail_ipalias.c).
 */
SEC("cgroup/setsockopt")
int
jail_sock_setsockopt(struct bpf_sockopt *ctx)
{
	int level = ctx->level, name = ctx->optname;

	if (level == SOL_SOCKET && name == SO_MARK)
		return deny(EPERM);
	if ((level == SOL_SOCKET &&
		(name == SO_BINDTODEVICE || name == SO_BINDTOIFINDEX)) ||
	    (level == SOL_IP && name == IP_UNICAST_IF) ||
	    (level == SOL_IPV6 && name == IPV6_UNICAST_IF)) {
		if (!unset_value(ctx))
			return deny(EPERM);
	}
	if ((level == SOL_IP && name == IP_TRANSPARENT) ||
	    (level == SOL_IPV6 && name == IPV6_TRANSPARENT)) {
		if (!unset_value(ctx))
			return deny(EPERM);
	}
	if (ctx->optlen > JAIL_PAGE)
		ctx->optlen = 0;
	return 1;
}
