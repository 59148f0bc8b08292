/*
 * test_jailseccomp.c: the seccomp filter jail_confine() installs
 * (jail_confine.c), run here on crafted calls by a small classic BPF
 * interpreter, so the 32-bit paths are checked on machines that cannot
 * run 32-bit code.  i386's multiplexers hide what they do: socketcall(2)
 * carries socket(2)'s family in memory the filter cannot read, ipc(2)
 * names its call in its first argument.  Socket diagnostics are refused
 * on socket(2)'s third argument.
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>

#include "jail.h"
#include "ngtest.h"

#define ALLOW SECCOMP_RET_ALLOW
#define ERR(e) (SECCOMP_RET_ERRNO | (e))
#define BAD 0xdeadu /* an instruction the filter should not have */

/* The filter's verdict on one call, as the kernel computes it. */
static unsigned
run(const struct sock_filter *f, size_t n, const struct seccomp_data *d)
{
	unsigned a = 0;

	for (size_t pc = 0; pc < n; pc++) {
		const struct sock_filter *i = &f[pc];

		switch (i->code) {
		case BPF_LD | BPF_W | BPF_ABS:
			if (i->k > sizeof(*d) - 4 || i->k % 4 != 0)
				return BAD;
			memcpy(&a, (const char *)d + i->k, 4);
			break;
		case BPF_ALU | BPF_AND | BPF_K:
			a &= i->k;
			break;
		case BPF_JMP | BPF_JA:
			pc += i->k;
			break;
		case BPF_JMP | BPF_JEQ | BPF_K:
			pc += a == i->k ? i->jt : i->jf;
			break;
		case BPF_JMP | BPF_JGE | BPF_K:
			pc += a >= i->k ? i->jt : i->jf;
			break;
		case BPF_JMP | BPF_JGT | BPF_K:
			pc += a > i->k ? i->jt : i->jf;
			break;
		case BPF_JMP | BPF_JSET | BPF_K:
			pc += (a & i->k) != 0 ? i->jt : i->jf;
			break;
		case BPF_RET | BPF_K:
			return i->k;
		default:
			return BAD;
		}
	}
	return BAD; /* ran off the end */
}

/* The verdict of the filter of a jail with the given parameters. */
static unsigned
verdict3(const char *const *params, bool vnet, unsigned arch, int nr,
    unsigned long a0, unsigned long a1, unsigned long a2)
{
	static struct sock_filter f[1024];
	struct jail_params ps = { 0 };
	struct seccomp_data d = { .nr = nr, .arch = arch };
	size_t n = 0;
	int error;

	for (; *params != NULL; params += 2)
		jail_params_set1(&ps, params[0], params[1]);
	error = jail_seccomp_filter(&ps, vnet, f, 1024, &n);
	jail_params_free(&ps);
	if (error != 0)
		return BAD;
	d.args[0] = a0;
	d.args[1] = a1;
	d.args[2] = a2;
	return run(f, n, &d);
}

static unsigned
verdict(const char *const *params, bool vnet, unsigned arch, int nr,
    unsigned long a0, unsigned long a1)
{
	return verdict3(params, vnet, arch, nr, a0, a1, 0);
}

#define I386 AUDIT_ARCH_I386
#define X86_64 AUDIT_ARCH_X86_64

static const char *const none[] = { NULL };
static const char *const raw[] = { "allow.raw_sockets", "true", NULL };
static const char *const shm[] = { "sysvshm", "new", NULL };
static const char *const ipc[] = { "allow.sysvipc", "true", NULL };

/*
 * socketcall(SYS_SOCKET, ...) where jailed root keeps CAP_NET_RAW in
 * the host's stack: it made packet sockets on the host's interfaces.
 */
static void
test_socketcall(void)
{
	CHECK_INT("i386 socketcall(SYS_SOCKET), non-vnet, raw sockets",
	    verdict(raw, false, I386, 102, 1, 0), ERR(ENOSYS));
	CHECK_INT("i386 socketcall(SYS_BIND), non-vnet, raw sockets",
	    verdict(raw, false, I386, 102, 2, 0), ALLOW);
	CHECK_INT("i386 socketcall(SYS_SOCKET), non-vnet (no NET_RAW)",
	    verdict(none, false, I386, 102, 1, 0), ALLOW);
	CHECK_INT("i386 socketcall(SYS_SOCKET), vnet, raw sockets",
	    verdict(raw, true, I386, 102, 1, 0), ALLOW);
	CHECK_INT("i386 socket(AF_PACKET), non-vnet",
	    verdict(raw, false, I386, 359, AF_PACKET, 0), ERR(EAFNOSUPPORT));
	CHECK_INT("i386 socket(AF_INET), non-vnet",
	    verdict(raw, false, I386, 359, AF_INET, 0), ALLOW);
	CHECK_INT("socket(AF_PACKET), non-vnet",
	    verdict(raw, false, X86_64, 41, AF_PACKET, 0), ERR(EAFNOSUPPORT));
	CHECK_INT("socket(AF_PACKET), vnet",
	    verdict(raw, true, X86_64, 41, AF_PACKET, 0), ALLOW);
}

/* ipc(call | version << 16, ...): each class as its own calls say. */
static void
test_ipc(void)
{
	CHECK_INT("i386 ipc(MSGGET), sysvmsg disabled, sysvshm new",
	    verdict(shm, false, I386, 117, 13, 0), ERR(ENOSYS));
	CHECK_INT("i386 ipc(MSGGET) with a version",
	    verdict(shm, false, I386, 117, 13 | 1 << 16, 0), ERR(ENOSYS));
	CHECK_INT("i386 ipc(SEMOP), sysvsem disabled, sysvshm new",
	    verdict(shm, false, I386, 117, 1, 0), ERR(ENOSYS));
	CHECK_INT("i386 ipc(SHMGET), sysvshm new",
	    verdict(shm, false, I386, 117, 23, 0), ALLOW);
	CHECK_INT("i386 ipc(SHMGET), all disabled",
	    verdict(none, false, I386, 117, 23, 0), ERR(ENOSYS));
	CHECK_INT("i386 ipc(MSGGET), allow.sysvipc",
	    verdict(ipc, false, I386, 117, 13, 0), ALLOW);
	CHECK_INT("i386 msgget, sysvmsg disabled",
	    verdict(shm, false, I386, 399, 0, 0), ERR(ENOSYS));
	CHECK_INT("msgget, sysvmsg disabled",
	    verdict(shm, false, X86_64, 68, 0, 0), ERR(ENOSYS));
	CHECK_INT("shmget, sysvshm new", verdict(shm, false, X86_64, 29, 0, 0),
	    ALLOW);
}

/*
 * socket(AF_NETLINK, SOCK_RAW, NETLINK_SOCK_DIAG): ss's dump of every
 * socket of the stack, which a jail without vnet shares with the host.
 */
static void
test_sock_diag(void)
{
	CHECK_INT("socket(AF_NETLINK, NETLINK_SOCK_DIAG), non-vnet",
	    verdict3(none, false, X86_64, 41, AF_NETLINK, SOCK_RAW, 4),
	    ERR(EPROTONOSUPPORT));
	CHECK_INT("... with SOCK_CLOEXEC",
	    verdict3(none, false, X86_64, 41, AF_NETLINK,
		SOCK_RAW | SOCK_CLOEXEC, 4),
	    ERR(EPROTONOSUPPORT));
	CHECK_INT("i386 socket(AF_NETLINK, NETLINK_SOCK_DIAG), non-vnet",
	    verdict3(none, false, I386, 359, AF_NETLINK, SOCK_RAW, 4),
	    ERR(EPROTONOSUPPORT));
	CHECK_INT("socket(AF_NETLINK, NETLINK_ROUTE), non-vnet",
	    verdict3(none, false, X86_64, 41, AF_NETLINK, SOCK_RAW, 0), ALLOW);
	CHECK_INT("socket(AF_INET, SOCK_RAW, 4), non-vnet",
	    verdict3(raw, false, X86_64, 41, AF_INET, SOCK_RAW, 4), ALLOW);
	CHECK_INT("socket(AF_NETLINK, NETLINK_SOCK_DIAG), vnet",
	    verdict3(none, true, X86_64, 41, AF_NETLINK, SOCK_RAW, 4), ALLOW);
	CHECK_INT("socket(AF_PACKET), non-vnet, still",
	    verdict3(none, false, X86_64, 41, AF_PACKET, SOCK_RAW, 4),
	    ERR(EAFNOSUPPORT));
}

/*
 * The other ways to a packet socket in a jail without vnet: AF_XDP, and
 * AF_INET's SOCK_PACKET, which the kernel turns into AF_PACKET before it
 * looks at the family (intrude5_sockpacket.sh, intrude5_xdp.sh).
 */
static void
test_packet_doors(void)
{
	CHECK_INT("socket(AF_INET, SOCK_PACKET, ETH_P_ALL), non-vnet",
	    verdict3(raw, false, X86_64, 41, AF_INET, SOCK_PACKET, 0x300),
	    ERR(EPROTONOSUPPORT));
	CHECK_INT("... with SOCK_CLOEXEC|SOCK_NONBLOCK",
	    verdict3(raw, false, X86_64, 41, AF_INET,
		SOCK_PACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0x300),
	    ERR(EPROTONOSUPPORT));
	CHECK_INT("... protocol 0",
	    verdict3(none, false, X86_64, 41, AF_INET, SOCK_PACKET, 0),
	    ERR(EPROTOTYPE));
	CHECK_INT("i386 socket(AF_INET, SOCK_PACKET), non-vnet",
	    verdict3(raw, false, I386, 359, AF_INET, SOCK_PACKET, 0x300),
	    ERR(EPROTONOSUPPORT));
	CHECK_INT("socket(AF_INET, SOCK_PACKET), vnet",
	    verdict3(raw, true, X86_64, 41, AF_INET, SOCK_PACKET, 0x300),
	    ALLOW);
	CHECK_INT("socket(AF_INET, SOCK_DGRAM|SOCK_CLOEXEC), non-vnet",
	    verdict3(none, false, X86_64, 41, AF_INET,
		SOCK_DGRAM | SOCK_CLOEXEC, 0),
	    ALLOW);
	CHECK_INT("socket(AF_INET, SOCK_RAW, IPPROTO_RAW), non-vnet",
	    verdict3(raw, false, X86_64, 41, AF_INET, SOCK_RAW, 255), ALLOW);
	CHECK_INT("socket(AF_XDP), non-vnet",
	    verdict3(raw, false, X86_64, 41, AF_XDP, SOCK_RAW, 0),
	    ERR(EAFNOSUPPORT));
	CHECK_INT("i386 socket(AF_XDP), non-vnet",
	    verdict3(raw, false, I386, 359, AF_XDP, SOCK_RAW, 0),
	    ERR(EAFNOSUPPORT));
	CHECK_INT("socket(AF_XDP), vnet",
	    verdict3(raw, true, X86_64, 41, AF_XDP, SOCK_RAW, 0), ALLOW);
	CHECK_INT("socket(AF_NETLINK, NETLINK_SOCK_DIAG), non-vnet, after them",
	    verdict3(none, false, X86_64, 41, AF_NETLINK, SOCK_RAW, 4),
	    ERR(EPROTONOSUPPORT));
	CHECK_INT("socket(AF_INET6, SOCK_DGRAM), non-vnet",
	    verdict3(none, false, X86_64, 41, AF_INET6, SOCK_DGRAM, 0), ALLOW);
}

/* What no architecture's numbers may reach. */
static void
test_arches(void)
{
	CHECK_INT("x32 socket(AF_PACKET)",
	    verdict(none, false, X86_64, 0x40000000 | 41, AF_PACKET, 0),
	    ERR(ENOSYS));
	CHECK_INT("an architecture the filter does not know",
	    verdict(none, true, AUDIT_ARCH_AARCH64, 198, AF_PACKET, 0),
	    ERR(ENOSYS));
	CHECK_INT("i386 bpf(2)", verdict(none, true, I386, 357, 0, 0),
	    ERR(EPERM));
	CHECK_INT("i386 ioctl(TIOCSTI)",
	    verdict(none, true, I386, 54, 0, 0x5412), ERR(EPERM));
	CHECK_INT("i386 unshare(CLONE_NEWUSER)",
	    verdict(none, true, I386, 310, 0x10000000, 0), ERR(EPERM));
	CHECK_INT("i386 getpid", verdict(none, false, I386, 20, 0, 0), ALLOW);
}

int
main(void)
{
#if defined(__x86_64__)
	test_socketcall();
	test_ipc();
	test_sock_diag();
	test_packet_doors();
	test_arches();
#else
	printf("ok skipped: the filter's i386 block is x86-64's alone\n");
#endif
	return ngt_done();
}
