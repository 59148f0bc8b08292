/*
 * jail_confine.c: what root in a jail may do.  Every process entering a
 * jail (jexec, exec.* commands run inside, `command') calls
 * jail_confine() after it has joined the jail's namespaces and before
 * it runs anything of the jail's: it installs a seccomp filter for the
 * calls no capability guards, then cuts its capabilities down to the
 * set FreeBSD's prison_priv_check() grants jailed root (bounding,
 * permitted, effective, inheritable and ambient sets alike).  The
 * mounts half of the model (/proc/sys read-only, masked /proc and /sys
 * paths) is made once by the jail's init, in jail_ns.c.  jail(8) shows
 * the whole model as a table.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/xattr.h>
#include <endian.h>
#include <limits.h>
#include <stdint.h>
#include <unistd.h>

#include <linux/audit.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/netlink.h>
#include <linux/nsfs.h>
#include <linux/seccomp.h>
#include <linux/sockios.h>

#include "jail.h"

/* --- capabilities -------------------------------------------------------- */

enum jail_cap_rule {
	JAIL_CAP_ROOT,  /* jailed root has it (FreeBSD grants it in jails) */
	JAIL_CAP_VNET,  /* a vnet jail's stack, where the jail's user
			 * namespace does not give them (jail_net_apart) */
	JAIL_CAP_ALLOW, /* only when the allow.* parameter says so */
	JAIL_CAP_VNET_OR_ALLOW,
	JAIL_CAP_MOUNT, /* allow.mount with enforce_statfs below 2 */
};

/*
 * The capabilities a jail's root keeps; every other one, including
 * those a newer kernel adds, leaves even the bounding set.  Left out on
 * purpose: CAP_DAC_READ_SEARCH (open_by_handle_at reaches past the
 * jail's root; DAC_OVERRIDE reads as much), CAP_SYS_PTRACE, MKNOD,
 * SYS_MODULE, SYS_RAWIO, SYS_BOOT, SYS_NICE, SYS_PACCT, SYS_TTY_CONFIG,
 * AUDIT_*, SETFCAP, MAC_*, WAKE_ALARM, BLOCK_SUSPEND, PERFMON, BPF,
 * CHECKPOINT_RESTORE: none has a jailed counterpart on FreeBSD.
 */
static const struct {
	int cap;
	enum jail_cap_rule rule;
	const char *allow;
} jail_caps[] = {
	{ CAP_CHOWN, JAIL_CAP_ROOT, NULL },
	{ CAP_DAC_OVERRIDE, JAIL_CAP_ROOT, NULL },
	{ CAP_FOWNER, JAIL_CAP_ROOT, NULL },
	{ CAP_FSETID, JAIL_CAP_ROOT, NULL },
	{ CAP_KILL, JAIL_CAP_ROOT, NULL },
	{ CAP_SETGID, JAIL_CAP_ROOT, NULL },
	{ CAP_SETUID, JAIL_CAP_ROOT, NULL },
	{ CAP_SETPCAP, JAIL_CAP_ROOT, NULL },
	{ CAP_SYS_CHROOT, JAIL_CAP_ROOT, NULL },
	{ CAP_SYS_RESOURCE, JAIL_CAP_ROOT, NULL },
	{ CAP_IPC_OWNER, JAIL_CAP_ROOT, NULL },
	{ CAP_LEASE, JAIL_CAP_ROOT, NULL },
	{ CAP_NET_ADMIN, JAIL_CAP_VNET, NULL },
	{ CAP_NET_BROADCAST, JAIL_CAP_VNET, NULL },
	{ CAP_NET_RAW, JAIL_CAP_VNET_OR_ALLOW, "allow.raw_sockets" },
	{ CAP_NET_BIND_SERVICE, JAIL_CAP_ALLOW, "allow.reserved_ports" },
	{ CAP_IPC_LOCK, JAIL_CAP_ALLOW, "allow.mlock" },
	{ CAP_LINUX_IMMUTABLE, JAIL_CAP_ALLOW, "allow.chflags" },
	{ CAP_SYSLOG, JAIL_CAP_ALLOW, "allow.read_msgbuf" },
	{ CAP_SYS_TIME, JAIL_CAP_ALLOW, "allow.settime" },
	{ CAP_SYS_TIME, JAIL_CAP_ALLOW, "allow.adjtime" },
	{ CAP_SYS_ADMIN, JAIL_CAP_MOUNT, "allow.mount" },
};

/* An allow.* parameter as set, or its default. */
static bool
jail_allowed(const struct jail_params *ps, const char *allow)
{
	const struct jail_pdesc *pd = jail_pdesc(allow, NULL);

	return jail_pbool(ps, allow,
	    pd != NULL && pd->dflt != NULL && strcmp(pd->dflt, "true") == 0);
}

bool
jail_mount_allowed(const struct jail_params *ps)
{
	return jail_allowed(ps, "allow.mount") &&
	    jail_pint(ps, "enforce_statfs", 2) < 2;
}

static bool
jail_cap_granted(const struct jail_params *ps, int cap, bool vnet,
    bool netadmin)
{
	for (size_t i = 0; i < sizeof(jail_caps) / sizeof(jail_caps[0]); i++) {
		if (jail_caps[i].cap != cap)
			continue;
		switch (jail_caps[i].rule) {
		case JAIL_CAP_ROOT:
			return true;
		case JAIL_CAP_VNET:
			if (netadmin)
				return true;
			break;
		case JAIL_CAP_VNET_OR_ALLOW:
			if (vnet || jail_allowed(ps, jail_caps[i].allow))
				return true;
			break;
		case JAIL_CAP_ALLOW:
			if (jail_allowed(ps, jail_caps[i].allow))
				return true;
			break;
		case JAIL_CAP_MOUNT:
			if (jail_mount_allowed(ps))
				return true;
			break;
		}
	}
	return false;
}

/* Where prog's exec found it, as execvp(3) searches PATH. */
static bool
jail_exec_path(const char *prog, char *path, size_t size)
{
	const char *dirs = getenv("PATH"), *end;
	size_t len;

	if (strchr(prog, '/') != NULL) {
		snprintf(path, size, "%s", prog);
		return true;
	}
	if (dirs == NULL)
		dirs = "/bin:/usr/bin";
	for (; *dirs != '\0'; dirs = *end == ':' ? end + 1 : end) {
		end = strchrnul(dirs, ':');
		len = (size_t)(end - dirs);
		if ((size_t)snprintf(path, size, "%.*s%s%s", (int)len, dirs,
			len > 0 ? "/" : "", prog) >= size)
			continue;
		if (access(path, X_OK) == 0)
			return true;
	}
	return false;
}

void
jail_exec_why(const char *prog, int error, char *buf, size_t size)
{
	struct vfs_ns_cap_data vc;
	char path[PATH_MAX];
	uint64_t want;
	ssize_t n;
	size_t used = 0;
	bool other = false;

	buf[0] = '\0';
	if (error != EPERM || !jail_exec_path(prog, path, sizeof(path)))
		return;
	n = getxattr(path, "security.capability", &vc, sizeof(vc));
	if (n < (ssize_t)XATTR_CAPS_SZ_2)
		return;
	want = le32toh(vc.data[0].permitted) |
	    (uint64_t)le32toh(vc.data[1].permitted) << 32;
	for (int cap = 0; cap < 64; cap++) {
		const char *allow = NULL;

		if (!(want & (UINT64_C(1) << cap)) ||
		    prctl(PR_CAPBSET_READ, cap, 0, 0, 0) == 1)
			continue;
		for (size_t i = 0; i < sizeof(jail_caps) / sizeof(jail_caps[0]);
		     i++)
			if (jail_caps[i].cap == cap)
				allow = jail_caps[i].rule == JAIL_CAP_VNET ?
				    "vnet" :
				    jail_caps[i].allow;
		if (allow == NULL) {
			other = true;
			continue;
		}
		if (used < size && strstr(buf, allow) == NULL)
			used += (size_t)snprintf(buf + used, size - used,
			    "%s%s",
			    used == 0 ? " (its file capabilities need " : ", ",
			    allow);
	}
	if (used == 0 && other)
		snprintf(buf, size,
		    " (its file capabilities are more than a jail holds)");
	else if (used > 0 && used < size)
		snprintf(buf + used, size - used, ")");
}

static int
jail_cap_last(void)
{
	char buf[16] = { 0 };
	FILE *fp;
	int last = CAP_LAST_CAP;

	/* the kernel may know more than our headers: drop those too */
	if ((fp = fopen("/proc/sys/kernel/cap_last_cap", "re")) != NULL) {
		if (fgets(buf, sizeof(buf), fp) != NULL && atoi(buf) > last)
			last = atoi(buf);
		fclose(fp);
	}
	return last < 63 ? last : 63;
}

static int
jail_drop_caps(const struct jail_params *ps, bool vnet, bool netadmin)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2];
	int last = jail_cap_last();

	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) != 0 &&
	    errno != EINVAL)
		return errno;
	if (syscall(SYS_capget, &h, d) != 0)
		return errno;
	for (int cap = 0; cap <= last; cap++) {
		unsigned bit = 1u << (cap % 32);

		if (jail_cap_granted(ps, cap, vnet, netadmin))
			continue;
		if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0 &&
		    errno != EINVAL)
			return errno;
		d[cap / 32].effective &= ~bit;
		d[cap / 32].permitted &= ~bit;
	}
	/* root's exec gains inheritable | bounding: keep to the bound */
	d[0].inheritable = d[1].inheritable = 0;
	return syscall(SYS_capset, &h, d) == 0 ? 0 : errno;
}

/*
 * Are we in a jail?  Its init leaves a mark in the /run/jail of the
 * jails that share the host's tree; in any jail, root's bounding set
 * lacks CAP_SYS_ADMIN (unless allow.mount made it a trusted jail).
 */
bool
jail_inside(void)
{
	/* asked again for each jail of a run: the answer cannot change */
	static int inside = -1;

	if (inside < 0)
		inside = access(JAIL_RUNDIR "/" JAIL_INSIDE_MARK, F_OK) == 0 ||
		    (getuid() == 0 &&
			prctl(PR_CAPBSET_READ, CAP_SYS_ADMIN) == 0);
	return inside == 1;
}

/* --- system calls no capability guards ----------------------------------- */

/* The calls the filter knows, by what they do. */
enum jail_call {
	JC_MOUNT,
	JC_UMOUNT,
	JC_UMOUNT2,
	JC_PIVOT_ROOT,
	JC_OPEN_TREE,
	JC_MOVE_MOUNT,
	JC_FSOPEN,
	JC_FSCONFIG,
	JC_FSMOUNT,
	JC_FSPICK,
	JC_MOUNT_SETATTR,
	JC_OPEN_TREE_ATTR,
	JC_SETHOSTNAME,
	JC_SETDOMAINNAME,
	JC_MLOCK,
	JC_MLOCK2,
	JC_MLOCKALL,
	JC_MUNLOCK,
	JC_MUNLOCKALL,
	JC_MSGGET,
	JC_MSGSND,
	JC_MSGRCV,
	JC_MSGCTL,
	JC_SEMGET,
	JC_SEMOP,
	JC_SEMTIMEDOP,
	JC_SEMCTL,
	JC_SHMGET,
	JC_SHMAT,
	JC_SHMDT,
	JC_SHMCTL,
	JC_IPC,
	JC_ADD_KEY,
	JC_REQUEST_KEY,
	JC_KEYCTL,
	JC_SETNS,
	JC_UNSHARE,
	JC_CLONE,
	JC_CLONE3,
	JC_BPF,
	JC_SOCKET,
	JC_SOCKETCALL,
	JC_IOCTL,
	JC_IO_URING_SETUP,
	JC_IO_URING_ENTER,
	JC_IO_URING_REGISTER,
	JC_COUNT
};

#define JAIL_NOCALL (-1)
#ifndef SYS_open_tree_attr
#define SYS_open_tree_attr 467 /* Linux 6.15, the same on every ABI */
#endif

#if defined(__x86_64__)
#define JAIL_AUDIT_ARCH AUDIT_ARCH_X86_64
#define JAIL_AUDIT_COMPAT AUDIT_ARCH_I386
#define JAIL_X32_BIT 0x40000000u
#elif defined(__aarch64__)
#define JAIL_AUDIT_ARCH AUDIT_ARCH_AARCH64
#endif

#ifdef JAIL_AUDIT_ARCH
static const int jail_native_nr[JC_COUNT] = {
	[JC_MOUNT] = SYS_mount,
#ifdef SYS_umount
	[JC_UMOUNT] = SYS_umount,
#else
	[JC_UMOUNT] = JAIL_NOCALL,
#endif
	[JC_UMOUNT2] = SYS_umount2,
	[JC_PIVOT_ROOT] = SYS_pivot_root,
	[JC_OPEN_TREE] = SYS_open_tree,
	[JC_MOVE_MOUNT] = SYS_move_mount,
	[JC_FSOPEN] = SYS_fsopen,
	[JC_FSCONFIG] = SYS_fsconfig,
	[JC_FSMOUNT] = SYS_fsmount,
	[JC_FSPICK] = SYS_fspick,
	[JC_MOUNT_SETATTR] = SYS_mount_setattr,
	[JC_OPEN_TREE_ATTR] = SYS_open_tree_attr,
	[JC_SETHOSTNAME] = SYS_sethostname,
	[JC_SETDOMAINNAME] = SYS_setdomainname,
	[JC_MLOCK] = SYS_mlock,
	[JC_MLOCK2] = SYS_mlock2,
	[JC_MLOCKALL] = SYS_mlockall,
	[JC_MUNLOCK] = SYS_munlock,
	[JC_MUNLOCKALL] = SYS_munlockall,
	[JC_MSGGET] = SYS_msgget,
	[JC_MSGSND] = SYS_msgsnd,
	[JC_MSGRCV] = SYS_msgrcv,
	[JC_MSGCTL] = SYS_msgctl,
	[JC_SEMGET] = SYS_semget,
#ifdef SYS_semop
	[JC_SEMOP] = SYS_semop,
#else
	[JC_SEMOP] = JAIL_NOCALL,
#endif
	[JC_SEMTIMEDOP] = SYS_semtimedop,
	[JC_SEMCTL] = SYS_semctl,
	[JC_SHMGET] = SYS_shmget,
	[JC_SHMAT] = SYS_shmat,
	[JC_SHMDT] = SYS_shmdt,
	[JC_SHMCTL] = SYS_shmctl,
	[JC_IPC] = JAIL_NOCALL,
	[JC_ADD_KEY] = SYS_add_key,
	[JC_REQUEST_KEY] = SYS_request_key,
	[JC_KEYCTL] = SYS_keyctl,
	[JC_SETNS] = SYS_setns,
	[JC_UNSHARE] = SYS_unshare,
	[JC_CLONE] = SYS_clone,
	[JC_CLONE3] = SYS_clone3,
	[JC_BPF] = SYS_bpf,
	[JC_SOCKET] = SYS_socket,
	[JC_SOCKETCALL] = JAIL_NOCALL,
	[JC_IOCTL] = SYS_ioctl,
	[JC_IO_URING_SETUP] = SYS_io_uring_setup,
	[JC_IO_URING_ENTER] = SYS_io_uring_enter,
	[JC_IO_URING_REGISTER] = SYS_io_uring_register,
};
#endif

#ifdef JAIL_AUDIT_COMPAT
/* i386 numbers (asm/unistd_32.h), for 32-bit programs in the jail. */
static const int jail_compat_nr[JC_COUNT] = {
	[JC_MOUNT] = 21,
	[JC_UMOUNT] = 22,
	[JC_UMOUNT2] = 52,
	[JC_PIVOT_ROOT] = 217,
	[JC_OPEN_TREE] = 428,
	[JC_MOVE_MOUNT] = 429,
	[JC_FSOPEN] = 430,
	[JC_FSCONFIG] = 431,
	[JC_FSMOUNT] = 432,
	[JC_FSPICK] = 433,
	[JC_MOUNT_SETATTR] = 442,
	[JC_OPEN_TREE_ATTR] = 467,
	[JC_SETHOSTNAME] = 74,
	[JC_SETDOMAINNAME] = 121,
	[JC_MLOCK] = 150,
	[JC_MLOCK2] = 376,
	[JC_MLOCKALL] = 152,
	[JC_MUNLOCK] = 151,
	[JC_MUNLOCKALL] = 153,
	[JC_MSGGET] = 399,
	[JC_MSGSND] = 400,
	[JC_MSGRCV] = 401,
	[JC_MSGCTL] = 402,
	[JC_SEMGET] = 393,
	[JC_SEMOP] = JAIL_NOCALL,
	[JC_SEMTIMEDOP] = 420,
	[JC_SEMCTL] = 394,
	[JC_SHMGET] = 395,
	[JC_SHMAT] = 397,
	[JC_SHMDT] = 398,
	[JC_SHMCTL] = 396,
	[JC_IPC] = 117,
	[JC_ADD_KEY] = 286,
	[JC_REQUEST_KEY] = 287,
	[JC_KEYCTL] = 288,
	[JC_SETNS] = 346,
	[JC_UNSHARE] = 310,
	[JC_CLONE] = 120,
	[JC_CLONE3] = 435,
	[JC_BPF] = 357,
	[JC_SOCKET] = 359,
	[JC_SOCKETCALL] = 102,
	[JC_IOCTL] = 54,
	[JC_IO_URING_SETUP] = 425,
	[JC_IO_URING_ENTER] = 426,
	[JC_IO_URING_REGISTER] = 427,
};
#endif

/* What the filter does with a call: 0 lets it through. */
struct jail_verdict {
	unsigned action[JC_COUNT];
	bool newuser_only[JC_COUNT];       /* refuse only with CLONE_NEWUSER */
	unsigned family_only[JC_COUNT];    /* refuse only this first argument */
	unsigned family_also[JC_COUNT];    /* or this one (0: none) */
	unsigned netlink_only[JC_COUNT];   /* and AF_NETLINK of this protocol */
	unsigned netlink_action[JC_COUNT]; /* with its own errno */
	bool sock_packet[JC_COUNT]; /* and AF_INET's SOCK_PACKET (socket(2)) */
	unsigned ipc_classes;       /* ipc(2): the classes refused */
	bool tty_inject[JC_COUNT];  /* refuse only TIOCSTI and TIOCLINUX */
};

#define JAIL_IPC_SEM 0x1  /* ipc(2) calls 1-4 */
#define JAIL_IPC_MSG 0x2  /* 11-14 */
#define JAIL_IPC_SHM 0x4  /* 21-24 */
#define JAIL_SYS_SOCKET 1 /* socketcall(2)'s call for socket(2) */

#define JAIL_EPERM (SECCOMP_RET_ERRNO | EPERM)
#define JAIL_ENOSYS (SECCOMP_RET_ERRNO | ENOSYS)

static void
jail_deny(struct jail_verdict *v, enum jail_call first, enum jail_call last,
    unsigned action)
{
	for (int c = first; c <= (int)last; c++)
		v->action[c] = action;
}

/*
 * The verdicts the parameters give.  Mount calls and sethostname are
 * the allow.mount and allow.set_hostname of FreeBSD; a System V IPC
 * class that is "disable" answers ENOSYS, as FreeBSD's do; mlock is
 * refused outright without allow.mlock (FreeBSD allows no unprivileged
 * mlock, Linux allows some).  The kernel keyring is shared with the
 * host's root, and a user namespace would hand back the capabilities
 * dropped here: both refused, as no FreeBSD jail has them.
 */
static void
jail_verdicts(const struct jail_params *ps, bool vnet, struct jail_verdict *v)
{
	bool sysvipc = jail_allowed(ps, "allow.sysvipc");

	memset(v, 0, sizeof(*v));
	if (!jail_mount_allowed(ps))
		jail_deny(v, JC_MOUNT, JC_OPEN_TREE_ATTR, JAIL_EPERM);
	if (!jail_allowed(ps, "allow.set_hostname"))
		jail_deny(v, JC_SETHOSTNAME, JC_SETDOMAINNAME, JAIL_EPERM);
	if (!jail_allowed(ps, "allow.mlock"))
		jail_deny(v, JC_MLOCK, JC_MUNLOCKALL, JAIL_EPERM);
	if (!sysvipc && jail_psys(ps, "sysvmsg", 0) == 0)
		jail_deny(v, JC_MSGGET, JC_MSGCTL, JAIL_ENOSYS);
	if (!sysvipc && jail_psys(ps, "sysvsem", 0) == 0)
		jail_deny(v, JC_SEMGET, JC_SEMCTL, JAIL_ENOSYS);
	if (!sysvipc && jail_psys(ps, "sysvshm", 0) == 0)
		jail_deny(v, JC_SHMGET, JC_SHMCTL, JAIL_ENOSYS);
	/*
	 * i386's multiplexer reaches each class under its own first
	 * argument: the classes refused above are refused there too.
	 */
	v->ipc_classes = (v->action[JC_SEMGET] ? JAIL_IPC_SEM : 0) |
	    (v->action[JC_MSGGET] ? JAIL_IPC_MSG : 0) |
	    (v->action[JC_SHMGET] ? JAIL_IPC_SHM : 0);
	if (v->ipc_classes != 0)
		v->action[JC_IPC] = JAIL_ENOSYS;
	jail_deny(v, JC_ADD_KEY, JC_KEYCTL, JAIL_EPERM);
	jail_deny(v, JC_SETNS, JC_CLONE, JAIL_EPERM);
	v->newuser_only[JC_UNSHARE] = v->newuser_only[JC_CLONE] = true;
	/* its flags are out of the filter's reach; libc falls back to clone */
	v->action[JC_CLONE3] = JAIL_ENOSYS;
	/*
	 * bpf(2) needs no capability to open a pinned link and detach it:
	 * an IP-alias jail's confinement (jail_ipalias.c) would go with it.
	 */
	v->action[JC_BPF] = JAIL_EPERM;
	/*
	 * Packet sockets reach the host's interfaces past every address
	 * rule (allow.raw_sockets gives CAP_NET_RAW): only a vnet jail, on
	 * its own interfaces, may have them.  32-bit programs make
	 * sockets through socketcall(2) too (i386's glibc does), whose
	 * family is in memory the filter cannot read: where the jail
	 * keeps CAP_NET_RAW, the one thing that makes packet sockets,
	 * socketcall(SYS_SOCKET) is ENOSYS, and such programs need the
	 * direct socket(2) the filter reads.
	 */
	if (!vnet) {
		v->action[JC_SOCKET] = SECCOMP_RET_ERRNO | EAFNOSUPPORT;
		v->family_only[JC_SOCKET] = AF_PACKET;
		/*
		 * AF_XDP asks the same capability, and an XDP socket bound
		 * to a queue of one of the host's interfaces sends the
		 * frames it is given there (copy mode, no XDP program
		 * needed), past the stack and every address rule.
		 */
		v->family_also[JC_SOCKET] = AF_XDP;
		/*
		 * socket(AF_INET, SOCK_PACKET, ...), Linux's oldest
		 * interface, is turned into a packet socket by the kernel
		 * (__sock_create) before any family is looked at: with
		 * allow.raw_sockets it read and wrote every frame of the
		 * host's interfaces.  FreeBSD has no such type:
		 * EPROTONOSUPPORT, or EPROTOTYPE for protocol 0
		 * (socreate), for every non-vnet jail alike.
		 */
		v->sock_packet[JC_SOCKET] = true;
		if (jail_allowed(ps, "allow.raw_sockets")) {
			v->action[JC_SOCKETCALL] = JAIL_ENOSYS;
			v->family_only[JC_SOCKETCALL] = JAIL_SYS_SOCKET;
		}
	}
	/*
	 * Socket diagnostics (ss) dump every socket of the stack, with its
	 * addresses, peer and owner: a jail without vnet shares the host's
	 * (IP-alias, inherit) and would see them all, where FreeBSD lists
	 * a jail's own only.  EPROTONOSUPPORT, as for a netlink family
	 * this kernel lacks (and FreeBSD, which has no such family).  ss
	 * then reads /proc/net, which only a BPF LSM program can close
	 * (jail.8, IP-alias jails); so does a 32-bit program's
	 * socketcall(SYS_SOCKET), whose protocol is in memory.
	 */
	if (!vnet) {
		v->netlink_only[JC_SOCKET] = NETLINK_SOCK_DIAG;
		v->netlink_action[JC_SOCKET] = SECCOMP_RET_ERRNO |
		    EPROTONOSUPPORT;
	}
	/*
	 * A terminal jexec was run from is the host's: TIOCSTI would type
	 * into it, for the host's shell to read once jexec is over, and
	 * TIOCLINUX paste into a console; on a terminal that is the
	 * process's own, Linux asks no capability of either (with
	 * dev.tty.legacy_tiocsti on, its default).  A jailed process that
	 * traced the command jexec started would make it ask.
	 */
	v->action[JC_IOCTL] = JAIL_EPERM;
	v->tty_inject[JC_IOCTL] = true;
	/*
	 * io_uring makes sockets (IORING_OP_SOCKET) with no socket(2)
	 * the filter sees: the packet socket refused above.  Only a vnet
	 * jail keeps it (its ngd batches TAP writes with it), where the
	 * filter refuses nothing io_uring can do; elsewhere ENOSYS, as
	 * FreeBSD has no such call, and its users fall back on others.
	 */
	if (!vnet)
		jail_deny(v, JC_IO_URING_SETUP, JC_IO_URING_REGISTER,
		    JAIL_ENOSYS);
}

#define JAIL_FILTER_MAX 512

struct jail_filter {
	struct sock_filter f[JAIL_FILTER_MAX];
	unsigned short n;
};

static void
jail_emit(struct jail_filter *p, struct sock_filter ins)
{
	if (p->n < JAIL_FILTER_MAX)
		p->f[p->n++] = ins;
}

#define LD_NR                                                                  \
	BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr))
#define RET(a) BPF_STMT(BPF_RET | BPF_K, (a))

#ifdef JAIL_AUDIT_ARCH
/*
 * ipc(2), call nr: its first argument's low 16 bits say which call it
 * makes, by tens a class (the high 16 bits are a version).
 */
static void
jail_emit_ipc(struct jail_filter *p, unsigned classes, unsigned action,
    unsigned nr)
{
	static const struct {
		unsigned bit, lo, hi;
	} cls[] = {
		{ JAIL_IPC_SEM, 1, 4 },
		{ JAIL_IPC_MSG, 11, 14 },
		{ JAIL_IPC_SHM, 21, 24 },
	};
	unsigned char k = 0;

	for (size_t i = 0; i < sizeof(cls) / sizeof(cls[0]); i++)
		if (classes & cls[i].bit)
			k++;
	jail_emit(p,
	    (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, nr, 0,
		(unsigned char)(3 + 3 * k)));
	jail_emit(p,
	    (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
		offsetof(struct seccomp_data, args[0])));
	jail_emit(p,
	    (struct sock_filter)BPF_STMT(BPF_ALU | BPF_AND | BPF_K, 0xffff));
	for (size_t i = 0; i < sizeof(cls) / sizeof(cls[0]); i++) {
		if (!(classes & cls[i].bit))
			continue;
		jail_emit(p,
		    (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K,
			cls[i].lo, 0, 2));
		jail_emit(p,
		    (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JGT | BPF_K,
			cls[i].hi, 1, 0));
		jail_emit(p, (struct sock_filter)RET(action));
	}
	jail_emit(p, (struct sock_filter)RET(SECCOMP_RET_ALLOW));
}

/*
 * socket(2) of AF_INET and type SOCK_PACKET (the type's low 4 bits: the
 * rest are SOCK_CLOEXEC and SOCK_NONBLOCK), the accumulator holding the
 * family: refused as FreeBSD's socreate refuses a type its domain lacks
 * (EPROTOTYPE for protocol 0, else EPROTONOSUPPORT); any other AF_INET
 * socket allowed.  Another family goes on to what follows, the family in
 * the accumulator still.  9 instructions.
 */
static void
jail_emit_sock_packet(struct jail_filter *p)
{
	jail_emit(p,
	    (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AF_INET, 0,
		8));
	jail_emit(p,
	    (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
		offsetof(struct seccomp_data, args[1])));
	jail_emit(p,
	    (struct sock_filter)BPF_STMT(BPF_ALU | BPF_AND | BPF_K, 0xf));
	jail_emit(p,
	    (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SOCK_PACKET,
		0, 3));
	jail_emit(p,
	    (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
		offsetof(struct seccomp_data, args[2])));
	jail_emit(p,
	    (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0, 2, 0));
	jail_emit(p,
	    (struct sock_filter)RET(SECCOMP_RET_ERRNO | EPROTONOSUPPORT));
	jail_emit(p, (struct sock_filter)RET(SECCOMP_RET_ALLOW));
	jail_emit(p, (struct sock_filter)RET(SECCOMP_RET_ERRNO | EPROTOTYPE));
}

/* One architecture's block; the accumulator holds the call number. */
static void
jail_emit_calls(struct jail_filter *p, const struct jail_verdict *v,
    const int nr[JC_COUNT])
{
	for (int c = 0; c < JC_COUNT; c++) {
		if (v->action[c] == 0 || nr[c] == JAIL_NOCALL)
			continue;
		if (c == JC_IPC) {
			jail_emit_ipc(p, v->ipc_classes, v->action[c],
			    (unsigned)nr[c]);
			continue;
		}
		if (v->tty_inject[c]) {
			/* the command's low 32 bits, as the kernel reads
			 * them (args[1]'s first word: little-endian) */
			jail_emit(p,
			    (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ |
				    BPF_K,
				(unsigned)nr[c], 0, 5));
			jail_emit(p,
			    (struct sock_filter)BPF_STMT(BPF_LD | BPF_W |
				    BPF_ABS,
				offsetof(struct seccomp_data, args[1])));
			jail_emit(p,
			    (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ |
				    BPF_K,
				TIOCSTI, 2, 0));
			jail_emit(p,
			    (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ |
				    BPF_K,
				TIOCLINUX, 1, 0));
			jail_emit(p,
			    (struct sock_filter)RET(SECCOMP_RET_ALLOW));
			jail_emit(p, (struct sock_filter)RET(v->action[c]));
			continue;
		}
		if (v->family_only[c] != 0) {
			bool nl = v->netlink_only[c] != 0;
			bool pk = v->sock_packet[c];
			bool also = v->family_also[c] != 0;

			jail_emit(p,
			    (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ |
				    BPF_K,
				(unsigned)nr[c], 0,
				(unsigned char)(4 + (also ? 2 : 0) +
				    (nl ? 4 : 0) + (pk ? 9 : 0))));
			jail_emit(p,
			    (struct sock_filter)BPF_STMT(BPF_LD | BPF_W |
				    BPF_ABS,
				offsetof(struct seccomp_data, args[0])));
			jail_emit(p,
			    (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ |
				    BPF_K,
				v->family_only[c], 0, 1));
			jail_emit(p, (struct sock_filter)RET(v->action[c]));
			if (also) {
				jail_emit(p,
				    (struct sock_filter)BPF_JUMP(BPF_JMP |
					    BPF_JEQ | BPF_K,
					v->family_also[c], 0, 1));
				jail_emit(p,
				    (struct sock_filter)RET(v->action[c]));
			}
			if (pk)
				jail_emit_sock_packet(p);
			if (nl) {
				/* the protocol: socket()'s third argument */
				jail_emit(p,
				    (struct sock_filter)BPF_JUMP(BPF_JMP |
					    BPF_JEQ | BPF_K,
					AF_NETLINK, 0, 3));
				jail_emit(p,
				    (struct sock_filter)BPF_STMT(BPF_LD |
					    BPF_W | BPF_ABS,
					offsetof(struct seccomp_data,
					    args[2])));
				jail_emit(p,
				    (struct sock_filter)BPF_JUMP(BPF_JMP |
					    BPF_JEQ | BPF_K,
					v->netlink_only[c], 0, 1));
				jail_emit(p,
				    (struct sock_filter)
					RET(v->netlink_action[c]));
			}
			jail_emit(p,
			    (struct sock_filter)RET(SECCOMP_RET_ALLOW));
			continue;
		}
		if (!v->newuser_only[c]) {
			jail_emit(p,
			    (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ |
				    BPF_K,
				(unsigned)nr[c], 0, 1));
			jail_emit(p, (struct sock_filter)RET(v->action[c]));
			continue;
		}
		/* flags are the first argument of unshare and clone alike */
		jail_emit(p,
		    (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K,
			(unsigned)nr[c], 0, 4));
		jail_emit(p,
		    (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
			offsetof(struct seccomp_data, args[0])));
		jail_emit(p,
		    (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K,
			CLONE_NEWUSER, 0, 1));
		jail_emit(p, (struct sock_filter)RET(v->action[c]));
		jail_emit(p, (struct sock_filter)RET(SECCOMP_RET_ALLOW));
	}
	jail_emit(p, (struct sock_filter)RET(SECCOMP_RET_ALLOW));
}
#endif

#ifdef JAIL_AUDIT_ARCH
static int
jail_build_filter(const struct jail_params *ps, bool vnet,
    struct jail_filter *p)
{
	struct jail_verdict v;
	unsigned short compat_at;

	jail_verdicts(ps, vnet, &v);
	jail_emit(p,
	    (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
		offsetof(struct seccomp_data, arch)));
	/* [1]: native? then [2]: compat? else nothing runs */
	jail_emit(p,
	    (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K,
		JAIL_AUDIT_ARCH, 3, 0));
#ifdef JAIL_AUDIT_COMPAT
	jail_emit(p,
	    (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K,
		JAIL_AUDIT_COMPAT, 0, 0));
#else
	jail_emit(p, (struct sock_filter)BPF_STMT(BPF_JMP | BPF_JA, 0));
#endif
	jail_emit(p, (struct sock_filter)RET(JAIL_ENOSYS));
	/* [4]: the compat block starts past the native one: patched below */
	jail_emit(p, (struct sock_filter)BPF_STMT(BPF_JMP | BPF_JA, 0));
	/* [5]: native */
	jail_emit(p, (struct sock_filter)LD_NR);
#ifdef JAIL_X32_BIT
	/* x32 calls reach the same kernel code under other numbers */
	jail_emit(p,
	    (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K,
		JAIL_X32_BIT, 0, 1));
	jail_emit(p, (struct sock_filter)RET(JAIL_ENOSYS));
#endif
	jail_emit_calls(p, &v, jail_native_nr);
	compat_at = p->n;
#ifdef JAIL_AUDIT_COMPAT
	jail_emit(p, (struct sock_filter)LD_NR);
	jail_emit_calls(p, &v, jail_compat_nr);
	/* [2] matched: go to [4]; [4] jumps to the compat block */
	p->f[2].jt = 1;
	p->f[2].jf = 0;
	p->f[4].k = (unsigned)(compat_at - 5);
#else
	(void)compat_at;
#endif
	return p->n >= JAIL_FILTER_MAX ? E2BIG : 0;
}
#endif

int
jail_seccomp_filter(const struct jail_params *ps, bool vnet,
    struct sock_filter *f, size_t max, size_t *n)
{
#ifdef JAIL_AUDIT_ARCH
	struct jail_filter p = { .n = 0 };
	int error;

	if ((error = jail_build_filter(ps, vnet, &p)) != 0)
		return error;
	if (p.n > max)
		return E2BIG;
	memcpy(f, p.f, p.n * sizeof(*f));
	*n = p.n;
	return 0;
#else
	(void)ps;
	(void)vnet;
	(void)f;
	(void)max;
	*n = 0;
	return ENOTSUP;
#endif
}

static int
jail_deny_calls(const struct jail_params *ps, bool vnet)
{
#ifdef JAIL_AUDIT_ARCH
	struct jail_filter p = { .n = 0 };
	struct sock_fprog prog;
	int error;

	if ((error = jail_build_filter(ps, vnet, &p)) != 0)
		return error;
	prog.len = p.n;
	prog.filter = p.f;
	if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0) != 0)
		return errno;
#else
	(void)ps;
	(void)vnet;
#endif
	return 0;
}

/*
 * Is our network namespace owned by a user namespace below ours, as
 * jail(8) makes a vnet jail's (jail_ns_apart)?  Then the jail's root
 * (euid 0, its owner) has every network privilege over its own stack
 * through it, and CAP_NET_ADMIN over the machine would reach further:
 * rtnetlink acts on any namespace ours has an id for
 * (IFLA_TARGET_NETNSID) for whoever holds it over the target's user
 * namespace, and a jail's eiface gives it an id for ngd's data plane.
 * false for a jail made before (its stack is the machine's user
 * namespace's: the capability stays its only way in).
 */
static bool
jail_net_apart(void)
{
	int s, nsfd, usfd, parent;

	if ((s = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) < 0)
		return false;
	nsfd = ioctl(s, SIOCGSKNS);
	close(s);
	if (nsfd < 0)
		return false;
	usfd = ioctl(nsfd, NS_GET_USERNS);
	close(nsfd);
	if (usfd < 0)
		return false;
	/* EPERM: the user namespace is ours (or above it) */
	parent = ioctl(usfd, NS_GET_PARENT);
	close(usfd);
	if (parent < 0)
		return false;
	close(parent);
	return true;
}

/* --- abstract unix sockets ------------------------------------------------ */

/*
 * Landlock's scopes (ABI 6, Linux 6.12), defined here for older
 * headers.  A jail on the host's stack (IP-alias, ip4=inherit) shares
 * its network namespace, and with it the abstract unix socket names
 * (one with a namespace of its own has its own names, and no domain:
 * its sessions reach each other's, as on FreeBSD): its root would reach
 * every abstract listener of the host (as uid 0, the class of
 * containerd's CVE-2020-15257), FreeBSD's jailed root none.  A
 * ruleset that handles no file or network access but is scoped to
 * abstract sockets refuses (EPERM) connect() and sendto() towards a
 * name bound outside the process's domain; a name bound inside it
 * (by the process or its children) still works.  Each process that
 * enters the jail makes its own domain: two jexec sessions are two
 * domains, which do not reach each other's abstract names, and cannot
 * trace each other (Landlock's ptrace rule).  Signals are not scoped:
 * the jail's PID namespace already hides the host's processes, and
 * the scope would keep one session from signalling another's.
 */
#define JAIL_LL_CREATE_RULESET 444
#define JAIL_LL_RESTRICT_SELF 446
#define JAIL_LL_VERSION 1u /* landlock_create_ruleset flag */
#define JAIL_LL_SCOPE_ABSTRACT 0x1ull

struct jail_ll_attr {
	unsigned long long handled_access_fs;
	unsigned long long handled_access_net;
	unsigned long long scoped;
};

/* The kernel's Landlock ABI version, 0 without Landlock. */
static int
jail_landlock_abi(void)
{
	long abi = syscall(JAIL_LL_CREATE_RULESET, NULL, 0, JAIL_LL_VERSION);

	return abi < 0 ? 0 : (int)abi;
}

bool
jail_scope_supported(void)
{
	return jail_landlock_abi() >= 6;
}

/*
 * ENOTSUP on a kernel without the scope: jail(8) has said so when it
 * made the jail, and the jail goes on without it.
 */
static int
jail_scope_abstract(void)
{
	struct jail_ll_attr attr = { .scoped = JAIL_LL_SCOPE_ABSTRACT };
	int fd, error = 0;

	if (!jail_scope_supported())
		return ENOTSUP;
	fd = (int)syscall(JAIL_LL_CREATE_RULESET, &attr, sizeof(attr), 0);
	if (fd < 0)
		return errno;
	if (syscall(JAIL_LL_RESTRICT_SELF, fd, 0) != 0)
		error = errno;
	close(fd);
	return error;
}

/*
 * The filter goes first: installing one without no_new_privs takes
 * CAP_SYS_ADMIN, which is about to go; so does Landlock's domain.  no_new_privs itself is not set:
 * FreeBSD jails run set-user-ID programs (su, passwd), and the bounding
 * set already caps what such a program can gain.
 */
int
jail_confine(const struct jail_params *ps, bool vnet, bool own_net)
{
	bool netadmin = vnet && !jail_net_apart();
	int error;

	if ((error = jail_deny_calls(ps, vnet)) != 0)
		return error;
	if (!own_net && (error = jail_scope_abstract()) != 0 &&
	    error != ENOTSUP)
		return error;
	return jail_drop_caps(ps, vnet, netadmin);
}
