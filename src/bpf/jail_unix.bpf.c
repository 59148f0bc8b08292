/*
 * jail_unix.bpf.c: the abstract unix socket names of an IP-alias jail.
 * Such a jail shares the host's network namespace, and with it the
 * abstract names (unix(7)), which FreeBSD has none of: there a jail's
 * unix sockets are files in its own tree, so it can neither take a name
 * the host will want nor reach one the host made.  jail(8) attaches
 * these BPF LSM programs (lsm_cgroup, Linux 6.0, with "bpf" among the
 * kernel's LSMs) to each such jail's cgroup next to jail_sock.bpf.c's
 * (src/jail/jail_ipalias.c); the kernel runs them for the sockets made
 * in that cgroup.  The hooks:
 *   socket_bind          an abstract name only in the jail's space, the
 *                        names that start with its cgroup's
 *                        jail_unix_cfg prefix ("jail/NAME/"); any other
 *                        is EPERM.  An autobind (no name: the kernel
 *                        picks an unused one) stays allowed
 *   unix_stream_connect  towards an abstract name, only a socket made in
 *                        the same cgroup, that is by one of the jail's
 *                        processes: EPERM else (the host's listeners,
 *                        another jail's)
 *   unix_may_send        the same for datagrams (connect and sendto)
 * Pathname sockets are left to the file system.  The host reaches the
 * jail's names as FreeBSD's host reaches sockets in a jail's tree.
 */
#include <linux/bpf.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "jail_sock_bpf.h"

#define AF_UNIX 1
#define EPERM 1
#define UNIX_PATH_MAX 108

char LICENSE[] SEC("license") = "GPL";

/*
 * What the programs read of the kernel's structures, by name: CO-RE
 * finds each field where the running kernel has it.
 */
struct cgroup;
struct sockaddr;

struct sock_common {
	unsigned short skc_family;
} __attribute__((preserve_access_index));

struct sock_cgroup_data {
	struct cgroup *cgroup; /* the cgroup the socket was made in */
} __attribute__((preserve_access_index));

struct sock {
	struct sock_common __sk_common;
	struct sock_cgroup_data sk_cgrp_data;
} __attribute__((preserve_access_index));

struct socket {
	struct sock *sk;
} __attribute__((preserve_access_index));

struct sockaddr_un {
	unsigned short sun_family;
	char sun_path[UNIX_PATH_MAX];
} __attribute__((preserve_access_index));

struct unix_address {
	int len;
	struct sockaddr_un name[];
} __attribute__((preserve_access_index));

struct unix_sock {
	struct unix_address *addr;
} __attribute__((preserve_access_index));

struct {
	__uint(type, BPF_MAP_TYPE_CGROUP_STORAGE);
	__type(key, __u64); /* one slot per cgroup, for every program */
	__type(value, struct jail_unix_cfg);
} jail_unix_cfg SEC(".maps");

static __always_inline int
deny(int err)
{
	bpf_set_retval(-err);
	return 0;
}

/* Is sk bound to an abstract name (its own or one the kernel picked)? */
static __always_inline int
abstract_bound(struct sock *sk)
{
	struct unix_address *a = BPF_CORE_READ((struct unix_sock *)sk, addr);
	char c = 1;

	if (a == NULL || BPF_CORE_READ(a, len) <= 2)
		return 0;
	bpf_core_read(&c, 1, &a->name[0].sun_path[0]);
	return c == '\0';
}

/* sk may reach peer: not an abstract name, or one of the jail's own. */
static __always_inline int
reach(struct sock *sk, struct sock *peer)
{
	if (peer == NULL || !abstract_bound(peer))
		return 1;
	if (BPF_CORE_READ(sk, sk_cgrp_data.cgroup) ==
	    BPF_CORE_READ(peer, sk_cgrp_data.cgroup))
		return 1;
	return deny(EPERM);
}

SEC("lsm_cgroup/socket_bind")
int
BPF_PROG(jail_unix_bind, struct socket *sock, struct sockaddr *address,
    int addrlen)
{
	struct jail_unix_cfg *c = bpf_get_local_storage(&jail_unix_cfg, 0);
	char sa[2 + UNIX_PATH_MAX]; /* sun_family, sun_path */
	__u32 len = c->len, n;

	if (BPF_CORE_READ(sock, sk, __sk_common.skc_family) != AF_UNIX)
		return 1;
	/* sun_family alone asks for an autobind; less is EINVAL */
	if (addrlen <= 2)
		return 1;
	/* the kernel's copy of the address: a sockaddr_storage */
	if (bpf_probe_read_kernel(sa, sizeof(sa), address) != 0)
		return deny(EPERM);
	if (sa[2] != '\0')
		return 1;
	/* the name follows the NUL, up to addrlen */
	n = (__u32)addrlen - 3;
	if (len == 0 || len > JAIL_UNIX_PREFIX_MAX || n < len)
		return deny(EPERM);
	for (__u32 i = 0; i < JAIL_UNIX_PREFIX_MAX && i < len; i++)
		if (sa[3 + i] != c->prefix[i])
			return deny(EPERM);
	return 1;
}

SEC("lsm_cgroup/unix_stream_connect")
int
BPF_PROG(jail_unix_connect, struct sock *sock, struct sock *other,
    struct sock *newsk)
{
	return reach(sock, other);
}

SEC("lsm_cgroup/unix_may_send")
int
BPF_PROG(jail_unix_send, struct socket *sock, struct socket *other)
{
	return reach(BPF_CORE_READ(sock, sk), BPF_CORE_READ(other, sk));
}
