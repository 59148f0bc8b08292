/*
 * jail_ns.c: a jail's namespaces and the process that keeps them.
 * jail_ns_create() asks the supervisor (one for every jail, started by
 * the first jail(8) that needs it, gone with the last jail) for the
 * jail's init: its child, PID 1 of a new PID namespace, with new mount,
 * UTS, IPC and network namespaces as the parameters ask.  init makes
 * the mounts, enters `path', then reaps orphans and, unless the jail
 * persists, exits when no other process of the jail is left; the kernel
 * then kills whatever remains.  The supervisor sees init go and tears
 * down, unless jail -r has: it moves every vnet.interface home under
 * its name, unmounts /run/netns/NAME and drops the record.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <net/if.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <spawn.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/magic.h>
#include <linux/sched.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/pidfd.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "jail.h"

/* (make asan) init's stacks, unpoisoned before it runs: jail_spawn_vm */
#ifdef __SANITIZE_ADDRESS__
#include <sanitizer/asan_interface.h>
#define JAIL_ASAN_UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION(p, n)
#else
#define JAIL_ASAN_UNPOISON(p, n) ((void)(p), (void)(n))
#endif

#define JAIL_WATCH_MAX 256 /* processes init watches at once */
#define JAIL_KILL_WAIT_MS 5000
#define JAIL_TERM_WAIT_MS 2000 /* SIGTERM, then SIGKILL */

static int jail_pidfd_checked(pid_t pid, unsigned long long start, int *fdp);

/* --- what the jail is made of ------------------------------------------- */

bool
jail_want_net(const struct jail_params *ps)
{
	if (jail_psys(ps, "vnet", 2) == 1)
		return true;
	if (jail_ipalias(ps))
		return false; /* the host's stack, confined (jail_ipalias.c) */
	return jail_psys(ps, "ip4", 0) != 2 && jail_psys(ps, "ip6", 0) != 2;
}

static bool
jail_want_uts(const struct jail_params *ps)
{
	return jail_psys(ps, "host", 1) != 2;
}

static bool
jail_want_ipc(const struct jail_params *ps)
{
	if (jail_pbool(ps, "allow.sysvipc", false))
		return false;
	return jail_psys(ps, "sysvmsg", 0) != 2 &&
	    jail_psys(ps, "sysvsem", 0) != 2 &&
	    jail_psys(ps, "sysvshm", 0) != 2;
}

int
jail_ns_flags(const struct jail_rec *r)
{
	int flags = CLONE_NEWNS | CLONE_NEWPID;

	if (r->own_net)
		flags |= CLONE_NEWNET;
	if (jail_want_uts(&r->params))
		flags |= CLONE_NEWUTS;
	if (jail_want_ipc(&r->params))
		flags |= CLONE_NEWIPC;
	return flags;
}

static void
jail_netns_path(const char *name, char *buf, size_t size)
{
	snprintf(buf, size, "%s/%s", JAIL_NETNSDIR, name);
}

/* --- helpers for init, which reports failures as text --------------------- */

/*
 * What init runs before it waits (its setup, and its loop after) calls
 * no malloc, no stdio stream and no strerror(): an init the spawner
 * makes shares the spawner's memory (jail_spawner_main), and with it
 * glibc's heap, its list of streams and its thread's locks, which it
 * would take at the same time as the spawner and other inits.  What it
 * needs of a file it reads into memory of its own (jail_slurp).
 */
struct ierr {
	char msg[512];
};

/*
 * Where an init was made: in the spawner's template (jail_tmpl_enter),
 * or in its copy without /proc and /sys (jail_tmpl_bare); 0: neither.
 */
#define JAIL_TMPL 1
#define JAIL_TMPL_BARE 2

/* An errno's text, without a locale's catalogue or a buffer of glibc's. */
static const char *
jail_errstr(int error)
{
	const char *s = strerrordesc_np(error);

	return s != NULL ? s : "Unknown error";
}

/* fmt's text in buf, cut to fit; its length (0 if it could not be made).
 * No stream and no allocation: inits run it in the spawner's memory. */
static size_t
jail_vline(char *buf, size_t size, const char *fmt, va_list ap)
{
	int n = vsnprintf(buf, size, fmt, ap);

	if (n < 0)
		return 0;
	return (size_t)n < size ? (size_t)n : size - 1;
}

/* A line to the supervisor on fd, as dprintf() would, without a stream. */
static void jail_ireport(int fd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
jail_ireport(int fd, const char *fmt, ...)
{
	char buf[600];
	va_list ap;
	size_t n;

	va_start(ap, fmt);
	n = jail_vline(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n > 0)
		(void)write(fd, buf, n);
}

/*
 * The whole of file, NUL-terminated, in pages mapped for it (no malloc:
 * see above), or NULL with errno.  *sizep is what to munmap() after.
 */
static char *
jail_slurp(const char *file, size_t *sizep)
{
	size_t size = 16384, len = 0;
	char *buf, *nbuf;
	ssize_t n;
	int fd, error;

	if ((fd = open(file, O_RDONLY | O_CLOEXEC)) < 0)
		return NULL;
	buf = mmap(NULL, size, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (buf == MAP_FAILED) {
		error = errno;
		close(fd);
		errno = error;
		return NULL;
	}
	for (;;) {
		if (len + 1 == size) {
			nbuf = mremap(buf, size, 2 * size, MREMAP_MAYMOVE);
			if (nbuf == MAP_FAILED)
				goto fail;
			buf = nbuf;
			size *= 2;
		}
		n = read(fd, buf + len, size - 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			goto fail;
		if (n == 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	buf[len] = '\0';
	*sizep = size;
	return buf;
fail:
	error = errno;
	munmap(buf, size);
	close(fd);
	errno = error;
	return NULL;
}

static int jail_ifail(struct ierr *e, int error, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
jail_ifail(struct ierr *e, int error, const char *fmt, ...)
{
	va_list ap;
	size_t n;

	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
	n = strlen(e->msg);
	if (error != 0)
		snprintf(e->msg + n, sizeof(e->msg) - n, ": %s",
		    jail_errstr(error));
	return error != 0 ? error : EINVAL;
}

static int
jail_lo_up(void)
{
	struct ifreq ifr;
	int s, error = 0;

	if ((s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0)) < 0)
		return errno;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "lo");
	if (ioctl(s, SIOCGIFFLAGS, &ifr) != 0) {
		error = errno;
	} else {
		ifr.ifr_flags |= IFF_UP;
		if (ioctl(s, SIOCSIFFLAGS, &ifr) != 0)
			error = errno;
	}
	close(s);
	return error;
}

/*
 * A new network stack sends no IPv6 router solicitations, as a FreeBSD
 * host does not (net.inet6.ip6.accept_rtadv off): on a bridge shared by
 * N jails, each jail's solicitations (three, the first seconds) go to
 * every other one, N² frames.  Set before any interface arrives, which
 * takes the default; jail.conf's commands may set it back (sysctl in
 * exec.created or exec.start).  Without IPv6 there is nothing to set.
 * Through procfd, a proc of our own: in the host's, each name under
 * net/ipv6/conf has one cached entry per network namespace, all looked
 * through on every open (0.7 ms a jail among 300, 2 ms among 700).
 */
static void
jail_no_rtsol(int procfd)
{
	static const char *const knobs[] = {
		"sys/net/ipv6/conf/default/router_solicitations",
		"sys/net/ipv6/conf/all/router_solicitations",
	};
	int fd;

	for (size_t i = 0; i < sizeof(knobs) / sizeof(knobs[0]); i++)
		if ((fd = openat(procfd, knobs[i], O_WRONLY | O_CLOEXEC)) >=
		    0) {
			(void)write(fd, "0\n", 2);
			close(fd);
		}
}

/*
 * Drop every namespace file mounted in our copy of the mount table
 * (other jails' /run/netns entries): they would keep those namespaces
 * alive as long as this jail lives.
 */
static void
jail_drop_nsfs_mounts(void)
{
	char *line = NULL, mnt[PATH_MAX], fstype[64];
	struct jail_strv targets = { 0 };
	size_t cap = 0;
	FILE *fp;

	/*
	 * /run/netns a mount of its own (iproute2 makes it one, and so
	 * does tests/sandbox): every namespace file under it goes in one
	 * call, rather than one umount per jail that exists.
	 */
	(void)umount2(JAIL_NETNSDIR, MNT_DETACH);
	if ((fp = fopen("/proc/self/mountinfo", "re")) == NULL)
		return;
	while (getline(&line, &cap, fp) > 0) {
		char *sep = strstr(line, " - ");

		if (sep == NULL || sscanf(sep, " - %63s", fstype) != 1 ||
		    strcmp(fstype, "nsfs") != 0)
			continue;
		if (sscanf(line, "%*s %*s %*s %*s %4095s", mnt) == 1)
			jail_strv_add(&targets, mnt);
	}
	free(line);
	fclose(fp);
	for (size_t i = 0; i < targets.n; i++)
		(void)umount2(targets.v[i], MNT_DETACH);
	jail_strv_free(&targets);
}

/*
 * A fresh proc of our PID namespace, mounted nowhere, for watching: the
 * mount's own descriptor (O_PATH, from fsmount), kept as long as we
 * live.  Its last close unmounts it, which waits for an RCU grace
 * period (0.5-7 ms under load): a descriptor opened from it and the
 * mount's closed at once made every jail's creation wait for that;
 * this way it is our exit's, when the jail goes.
 */
static int
jail_detached_proc(int *fdp)
{
	int fs, mfd;

	if ((fs = (int)syscall(SYS_fsopen, "proc", FSOPEN_CLOEXEC)) < 0)
		return errno;
	if (syscall(SYS_fsconfig, fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) !=
		0 ||
	    (mfd = (int)syscall(SYS_fsmount, fs, FSMOUNT_CLOEXEC, 0)) < 0) {
		int error = errno;

		close(fs);
		return error;
	}
	close(fs);
	*fdp = mfd;
	return 0;
}

/* fstab-style first fields decode \040 and friends (unvis). */
static void
jail_unvis_field(char *s)
{
	char *d = s;

	for (; *s != '\0'; s++) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '7' && s[2] >= '0' &&
		    s[2] <= '7' && s[3] >= '0' && s[3] <= '7') {
			*d++ = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 +
			    (s[3] - '0'));
			s += 3;
		} else {
			*d++ = *s;
		}
	}
	*d = '\0';
}

struct mopt {
	const char *name;
	unsigned long set, clear;
};

static const struct mopt mopts[] = {
	{ "ro", MS_RDONLY, 0 },
	{ "rw", 0, MS_RDONLY },
	{ "nosuid", MS_NOSUID, 0 },
	{ "suid", 0, MS_NOSUID },
	{ "nodev", MS_NODEV, 0 },
	{ "dev", 0, MS_NODEV },
	{ "noexec", MS_NOEXEC, 0 },
	{ "exec", 0, MS_NOEXEC },
	{ "noatime", MS_NOATIME, 0 },
	{ "nodiratime", MS_NODIRATIME, 0 },
	{ "relatime", MS_RELATIME, 0 },
	{ "strictatime", MS_STRICTATIME, 0 },
	{ "sync", MS_SYNCHRONOUS, 0 },
	{ "async", 0, MS_SYNCHRONOUS },
	{ "bind", MS_BIND, 0 },
	{ "rbind", MS_BIND | MS_REC, 0 },
	{ "defaults", 0, 0 },
	{ "auto", 0, 0 },
	{ "noauto", 0, 0 },
	{ "late", 0, 0 },
};

/* Split mount options into flags and what the filesystem itself reads. */
static void
jail_parse_mopts(const char *opts, unsigned long *flags, char *data,
    size_t size)
{
	char buf[1024], *tok, *save = NULL;
	size_t i;

	*flags = 0;
	data[0] = '\0';
	snprintf(buf, sizeof(buf), "%s", opts != NULL ? opts : "");
	for (tok = strtok_r(buf, ",", &save); tok != NULL;
	     tok = strtok_r(NULL, ",", &save)) {
		for (i = 0; i < sizeof(mopts) / sizeof(mopts[0]); i++)
			if (strcmp(tok, mopts[i].name) == 0)
				break;
		if (i < sizeof(mopts) / sizeof(mopts[0])) {
			*flags = (*flags | mopts[i].set) & ~mopts[i].clear;
			continue;
		}
		size_t n = strlen(data);

		snprintf(data + n, size - n, "%s%s", n > 0 ? "," : "", tok);
	}
}

static int
jail_make_node(const char *dev, const char *name, mode_t mode, dev_t rdev)
{
	char path[PATH_MAX + 64], host[64];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dev, name);
	if (mknod(path, S_IFCHR | mode, rdev) == 0)
		return chmod(path, mode) == 0 ? 0 : errno;
	/* no mknod here (a container): bind the host's node instead */
	if ((fd = open(path, O_CREAT | O_WRONLY | O_CLOEXEC, 0600)) < 0)
		return errno;
	close(fd);
	snprintf(host, sizeof(host), "/dev/%s", name);
	return mount(host, path, NULL, MS_BIND, NULL) == 0 ? 0 : errno;
}

/* mount.devfs: a small /dev of our own (DESIGN, jails 5). */
static int
jail_mount_devfs(const char *root, struct ierr *e)
{
	static const struct {
		const char *name;
		unsigned maj, min;
	} nodes[] = {
		{ "null", 1, 3 },
		{ "zero", 1, 5 },
		{ "full", 1, 7 },
		{ "random", 1, 8 },
		{ "urandom", 1, 9 },
		{ "tty", 5, 0 },
	};
	static const char *const links[][2] = {
		{ "fd", "/proc/self/fd" },
		{ "stdin", "/proc/self/fd/0" },
		{ "stdout", "/proc/self/fd/1" },
		{ "stderr", "/proc/self/fd/2" },
		{ "ptmx", "pts/ptmx" },
	};
	char dev[PATH_MAX - 64], p[PATH_MAX];
	int error;

	snprintf(dev, sizeof(dev), "%s/dev",
	    strcmp(root, "/") == 0 ? "" : root);
	(void)mkdir(dev, 0755);
	if (mount("devfs", dev, "tmpfs", MS_NOSUID | MS_NOEXEC,
		"mode=755,size=1m") != 0)
		return jail_ifail(e, errno, "mount.devfs: %s", dev);
	for (size_t i = 0; i < sizeof(nodes) / sizeof(nodes[0]); i++)
		if ((error = jail_make_node(dev, nodes[i].name, 0666,
			 makedev(nodes[i].maj, nodes[i].min))) != 0)
			return jail_ifail(e, error, "mount.devfs: %s/%s", dev,
			    nodes[i].name);
	/*
	 * The TUN/TAP clone device, for a graph of the jail's own: making
	 * an interface takes CAP_NET_ADMIN over the jail's stack, which
	 * only a vnet jail's root has.
	 */
	snprintf(p, sizeof(p), "%s/net", dev);
	(void)mkdir(p, 0755);
	if ((error = jail_make_node(dev, "net/tun", 0666, makedev(10, 200))) !=
	    0)
		return jail_ifail(e, error, "mount.devfs: %s/net/tun", dev);
	for (size_t i = 0; i < sizeof(links) / sizeof(links[0]); i++) {
		snprintf(p, sizeof(p), "%s/%s", dev, links[i][0]);
		(void)symlink(links[i][1], p);
	}
	snprintf(p, sizeof(p), "%s/pts", dev);
	(void)mkdir(p, 0755);
	if (mount("devpts", p, "devpts", MS_NOSUID | MS_NOEXEC,
		"newinstance,ptmxmode=0666,mode=620") != 0)
		return jail_ifail(e, errno, "mount.devfs: %s", p);
	snprintf(p, sizeof(p), "%s/shm", dev);
	(void)mkdir(p, 01777);
	if (mount("shm", p, "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777") != 0)
		return jail_ifail(e, errno, "mount.devfs: %s", p);
	return 0;
}

static int
jail_mount_proc_at(const char *dir, struct ierr *e, const char *what)
{
	(void)mkdir(dir, 0555);
	if (mount("proc", dir, "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC,
		NULL) != 0)
		return jail_ifail(e, errno, "%s: %s", what, dir);
	return 0;
}

/* One `mount' element: an fstab line, mounted in the jail's namespace. */
static int
jail_mount_line(const char *param, const char *line, struct ierr *e)
{
	char buf[2048], *f[6] = { 0 }, *save = NULL, data[1024];
	unsigned long flags;
	int n = 0;

	snprintf(buf, sizeof(buf), "%s", line);
	for (char *t = strtok_r(buf, " \t", &save); t != NULL && n < 6;
	     t = strtok_r(NULL, " \t", &save))
		f[n++] = t;
	if (n == 0)
		return 0;
	if (n < 3)
		return jail_ifail(e, 0, "%s: %s: missing information", param,
		    line);
	jail_unvis_field(f[0]);
	jail_unvis_field(f[1]);
	if (f[1][0] != '/')
		return jail_ifail(e, 0, "%s: %s: not an absolute pathname",
		    param, f[1]);
	if (strcmp(f[2], "devfs") == 0) {
		char root[PATH_MAX];

		snprintf(root, sizeof(root), "%s", f[1]);
		if (strlen(root) >= 4 &&
		    strcmp(root + strlen(root) - 4, "/dev") == 0)
			root[strlen(root) - 4] = '\0';
		return jail_mount_devfs(root[0] != '\0' ? root : "/", e);
	}
	if (strcmp(f[2], "procfs") == 0 || strcmp(f[2], "linprocfs") == 0)
		return jail_mount_proc_at(f[1], e, param);
	jail_parse_mopts(f[3], &flags, data, sizeof(data));
	if (strcmp(f[2], "nullfs") == 0 || (flags & MS_BIND)) {
		unsigned long ro = flags & MS_RDONLY;

		if (mount(f[0], f[1], NULL, MS_BIND | (flags & MS_REC), NULL) !=
		    0)
			return jail_ifail(e, errno, "%s: %s", param, f[1]);
		if (ro != 0 &&
		    mount(NULL, f[1], NULL, MS_BIND | MS_REMOUNT | flags,
			NULL) != 0)
			return jail_ifail(e, errno, "%s: %s", param, f[1]);
		return 0;
	}
	if (mount(f[0], f[1], f[2], flags, data[0] != '\0' ? data : NULL) != 0)
		return jail_ifail(e, errno, "%s: %s", param, f[1]);
	return 0;
}

static int
jail_mount_fstab(const char *file, struct ierr *e)
{
	char *buf, *line, *next;
	size_t size;
	int error = 0;

	if ((buf = jail_slurp(file, &size)) == NULL)
		return jail_ifail(e, errno, "mount.fstab: %s", file);
	for (line = buf; error == 0 && *line != '\0'; line = next) {
		char *hash;

		next = line + strcspn(line, "\n");
		if (*next != '\0')
			*next++ = '\0';
		if ((hash = strchr(line, '#')) != NULL)
			*hash = '\0';
		if (line[strspn(line, " \t")] != '\0')
			error = jail_mount_line("mount.fstab", line, e);
	}
	munmap(buf, size);
	return error;
}

/* Every mount the parameters ask for, in FreeBSD's order. */
static int
jail_do_mounts(const struct jail_params *ps, const char *path, struct ierr *e)
{
	struct jail_param *p;
	struct stat st;
	char dir[PATH_MAX];
	int error;

	if ((p = jail_params_find(ps, "mount")) != NULL)
		for (size_t i = 0; i < p->vals.n; i++)
			if ((error = jail_mount_line("mount", p->vals.v[i],
				 e)) != 0)
				return error;
	if ((p = jail_params_find(ps, "mount.fstab")) != NULL)
		for (size_t i = 0; i < p->vals.n; i++)
			if ((error = jail_mount_fstab(p->vals.v[i], e)) != 0)
				return error;
	static const char *const need[] = { "mount.devfs", "mount.fdescfs",
		"mount.procfs" };
	for (size_t i = 0; i < 3; i++)
		if (jail_pbool(ps, need[i], false) && path == NULL)
			return jail_ifail(e, 0, "%s: no jail root path defined",
			    need[i]);
	if (path == NULL)
		return 0;
	if (jail_pbool(ps, "mount.devfs", false) &&
	    (error = jail_mount_devfs(path, e)) != 0)
		return error;
	if (jail_pbool(ps, "mount.fdescfs", false)) {
		/* Linux's /proc/self/fd is what fdescfs gives */
		snprintf(dir, sizeof(dir), "%s/dev/fd", path);
		(void)unlink(dir);
		if (symlink("/proc/self/fd", dir) != 0 &&
		    (error = errno, lstat(dir, &st) != 0))
			return jail_ifail(e, error, "mount.fdescfs: %s", dir);
	}
	if (jail_pbool(ps, "mount.procfs", false)) {
		snprintf(dir, sizeof(dir), "%s/proc",
		    strcmp(path, "/") == 0 ? "" : path);
		if ((error = jail_mount_proc_at(dir, e, "mount.procfs")) != 0)
			return error;
	}
	return 0;
}

/* --- what jailed root may not write: /proc/sys, kernel file systems ------ */

/*
 * File systems through which root changes the whole machine, not the
 * jail: read-only wherever the jail sees them (sysfs: device and kernel
 * settings; cgroup: the host's limits and process placement;
 * binfmt_misc: interpreters the host runs as root; the rest: tracing,
 * firmware variables, security modules).
 */
static const char *const kernel_fs[] = {
	"sysfs",
	"cgroup",
	"cgroup2",
	"debugfs",
	"tracefs",
	"securityfs",
	"pstore",
	"efivarfs",
	"configfs",
	"bpf",
	"fusectl",
	"binfmt_misc",
	"selinuxfs",
	"nfsd",
	"rpc_pipefs",
};

/* Under proc: masked (empty), or read-only; as container runtimes do. */
static const char *const proc_masked[] = {
	"kcore",
	"keys",
	"key-users",
	"timer_list",
	"sched_debug",
	"latency_stats",
	"timer_stats",
	"kpagecount",
	"kpageflags",
	"kpagecgroup",
	"acpi",
	"scsi",
	"asound",
};
static const char *const proc_readonly[] = {
	"sys",
	"sysrq-trigger",
	"irq",
	"bus",
	"fs",
};
/*
 * Under a vnet jail's writable /proc/sys/net, what sets the whole
 * machine's state though the kernel shows it in every namespace: read-only
 * again.  nf_hooks_lwtunnel turns on a static key for every namespace's
 * lightweight tunnels, and back off never (EBUSY).
 */
static const char *const proc_net_global[] = {
	"sys/net/netfilter/nf_hooks_lwtunnel",
};
static const char *const sys_masked[] = {
	"firmware",
	"devices/virtual/powercap",
};

static int
jail_remount_ro(const char *dir, bool ro)
{
	unsigned long flags = MS_BIND | MS_REMOUNT;
	struct statvfs sv;

	if (statvfs(dir, &sv) != 0)
		return errno;
	/* a bind remount sets these afresh: keep what the mount had */
	if (sv.f_flag & ST_NOSUID)
		flags |= MS_NOSUID;
	if (sv.f_flag & ST_NODEV)
		flags |= MS_NODEV;
	if (sv.f_flag & ST_NOEXEC)
		flags |= MS_NOEXEC;
	if (sv.f_flag & ST_NOATIME)
		flags |= MS_NOATIME;
	if (sv.f_flag & ST_NODIRATIME)
		flags |= MS_NODIRATIME;
	if (sv.f_flag & ST_RELATIME)
		flags |= MS_RELATIME;
	if (ro)
		flags |= MS_RDONLY;
	return mount(NULL, dir, NULL, flags, NULL) == 0 ? 0 : errno;
}

/* dir (a directory or a file) bound onto itself, read-only or not. */
static int
jail_bind_self(const char *dir, bool ro)
{
	if (mount(dir, dir, NULL, MS_BIND, NULL) != 0)
		return errno;
	return jail_remount_ro(dir, ro);
}

/*
 * Hide what is at p: an empty read-only directory, or /dev/null.  What
 * root cannot look at is not there (no errno read: init may share it,
 * jail_spawner_main).
 */
static int
jail_mask(const char *p)
{
	struct stat st;

	if (lstat(p, &st) != 0)
		return 0;
	if (S_ISDIR(st.st_mode)) {
		if (mount("masked", p, "tmpfs",
			MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
			"size=4k,mode=555") != 0)
			return errno;
		return 0;
	}
	return mount("/dev/null", p, NULL, MS_BIND, NULL) == 0 ? 0 : errno;
}

/*
 * A proc the jail sees: /proc/sys read-only, but for the network
 * settings of a vnet jail's own stack (net.* is per namespace there,
 * and the kernel asks for CAP_NET_ADMIN over that stack), less the few
 * of them that are the machine's (proc_net_global).
 */
static int
jail_protect_proc(const char *mnt, bool netrw, struct ierr *e)
{
	char p[PATH_MAX + 64];
	int error;

	for (size_t i = 0; i < sizeof(proc_masked) / sizeof(proc_masked[0]);
	     i++) {
		snprintf(p, sizeof(p), "%s/%s", mnt, proc_masked[i]);
		if ((error = jail_mask(p)) != 0)
			return jail_ifail(e, error, "mask %s", p);
	}
	for (size_t i = 0; i < sizeof(proc_readonly) / sizeof(proc_readonly[0]);
	     i++) {
		snprintf(p, sizeof(p), "%s/%s", mnt, proc_readonly[i]);
		if (access(p, F_OK) == 0 &&
		    (error = jail_bind_self(p, true)) != 0)
			return jail_ifail(e, error, "read-only %s", p);
	}
	snprintf(p, sizeof(p), "%s/sys/net", mnt);
	if (!netrw)
		return 0;
	if ((error = jail_bind_self(p, false)) != 0)
		return jail_ifail(e, error, "%s", p);
	for (size_t i = 0;
	     i < sizeof(proc_net_global) / sizeof(proc_net_global[0]); i++) {
		snprintf(p, sizeof(p), "%s/%s", mnt, proc_net_global[i]);
		if (access(p, F_OK) == 0 &&
		    (error = jail_bind_self(p, true)) != 0)
			return jail_ifail(e, error, "read-only %s", p);
	}
	return 0;
}

static int
jail_protect_sys(const char *mnt, struct ierr *e)
{
	char p[PATH_MAX + 64];
	int error;

	if ((error = jail_remount_ro(mnt, true)) != 0)
		return jail_ifail(e, error, "read-only %s", mnt);
	for (size_t i = 0; i < sizeof(sys_masked) / sizeof(sys_masked[0]);
	     i++) {
		snprintf(p, sizeof(p), "%s/%s", mnt, sys_masked[i]);
		if ((error = jail_mask(p)) != 0)
			return jail_ifail(e, error, "mask %s", p);
	}
	return 0;
}

/*
 * What describes the host's graph: ngd's journals and data planes (its
 * default -J, and /run/netgraph-NAME of an ngd on another socket) and
 * the CNI plugin's records (/run/netgraph-cni).  Hidden from a jail on
 * the host's tree that shares the host's stack (FreeBSD's jail has no
 * view of the kernel's graph); a vnet jail's ngd keeps its journal
 * there.  ngd's directory is made first if ngd has not run yet (as ngd
 * makes it), so that one made later is not seen either; an ngd on
 * another socket started after the jail is (its name is not known).
 */
static int
jail_hide_host_run(struct ierr *e)
{
	static const char prefix[] = "netgraph-";
	char p[PATH_MAX];
	struct dirent *d;
	DIR *dir;
	int error;

	(void)mkdir("/run/netgraph", 0700);
	if ((error = jail_mask("/run/netgraph")) != 0)
		return jail_ifail(e, error, "mask /run/netgraph");
	if ((dir = opendir("/run")) == NULL)
		return jail_ifail(e, errno, "/run");
	while (error == 0 && (d = readdir(dir)) != NULL) {
		if (strncmp(d->d_name, prefix, sizeof(prefix) - 1) != 0)
			continue;
		snprintf(p, sizeof(p), "/run/%s", d->d_name);
		if ((error = jail_mask(p)) != 0)
			error = jail_ifail(e, error, "mask %s", p);
	}
	closedir(dir);
	return error;
}

/* Is the mount with this id what path reaches (not covered by another)? */
static bool
jail_mount_visible(const char *path, unsigned long long id)
{
	struct statx stx;

	/* no automount: an autofs point stays as it is */
	if (statx(AT_FDCWD, path, AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT,
		STATX_MNT_ID, &stx) != 0)
		return false;
	return (stx.stx_mask & STATX_MNT_ID) && stx.stx_mnt_id == id;
}

static bool
jail_under(const char *path, const char *root)
{
	size_t n = strlen(root);

	if (strcmp(root, "/") == 0)
		return true;
	return strncmp(path, root, n) == 0 &&
	    (path[n] == '\0' || path[n] == '/');
}

/*
 * Every proc and kernel file system of the tree the jail will see (root
 * and below), as it stands after the jail's own mounts.  Without
 * CAP_SYS_ADMIN nothing of this can be undone from inside, and a proc
 * or sysfs that is not fully visible cannot be mounted afresh either.
 */
static int
jail_protect_mounts(const char *root, bool netrw, struct ierr *e)
{
	char *buf, *line, *next, mnt[PATH_MAX], fstype[64];
	unsigned long long id;
	size_t size;
	int error = 0;

	/* the table as it was: what this does to it is not looked at again */
	if ((buf = jail_slurp("/proc/self/mountinfo", &size)) == NULL)
		return jail_ifail(e, errno, "/proc/self/mountinfo");
	for (line = buf; error == 0 && *line != '\0'; line = next) {
		char *sep;
		bool kfs = false;

		next = line + strcspn(line, "\n");
		if (*next != '\0')
			*next++ = '\0';
		if ((sep = strstr(line, " - ")) == NULL ||
		    sscanf(sep, " - %63s", fstype) != 1 ||
		    sscanf(line, "%llu %*s %*s %*s %4095s", &id, mnt) != 2)
			continue;
		jail_unvis_field(mnt);
		if (!jail_under(mnt, root) || !jail_mount_visible(mnt, id))
			continue; /* covered: out of the jail's reach */
		for (size_t k = 0; k < sizeof(kernel_fs) / sizeof(*kernel_fs);
		     k++)
			kfs = kfs || strcmp(fstype, kernel_fs[k]) == 0;
		if (strcmp(fstype, "proc") == 0)
			error = jail_protect_proc(mnt, netrw, e);
		else if (strcmp(fstype, "sysfs") == 0)
			error = jail_protect_sys(mnt, e);
		else if (kfs && (error = jail_remount_ro(mnt, true)) != 0)
			error = jail_ifail(e, error, "read-only %s", mnt);
	}
	munmap(buf, size);
	return error;
}

/* Make path the root of our mount namespace; the host's tree goes. */
static int
jail_enter_root(const char *path, struct ierr *e)
{
	if (mount(path, path, NULL, MS_BIND | MS_REC, NULL) != 0)
		return jail_ifail(e, errno, "path %s", path);
	if (chdir(path) != 0)
		return jail_ifail(e, errno, "chdir %s", path);
	/* the old root ends up on top of the new one, then goes */
	if (syscall(SYS_pivot_root, ".", ".") != 0)
		return jail_ifail(e, errno, "pivot_root %s", path);
	if (umount2(".", MNT_DETACH) != 0)
		return jail_ifail(e, errno, "umount old root");
	if (chdir("/") != 0)
		return jail_ifail(e, errno, "chdir /");
	return 0;
}

/*
 * A UTS namespace, and a vnet jail's network namespace, owned by a user
 * namespace of their own, which a short-lived child makes for us to
 * join.  The jail's root (euid 0, the owner, in the parent user
 * namespace) holds every capability over that user namespace and so can
 * set the jail's hostname (allow.set_hostname) without CAP_SYS_ADMIN
 * over the machine, and configure its own stack without CAP_NET_ADMIN
 * over the machine's: with that, rtnetlink would let it reach any
 * namespace its own has an id for (IFLA_TARGET_NETNSID), ngd's data
 * plane first, the host's and other jails' through it.  The user
 * namespace owns nothing else, and jailed processes cannot enter it (no
 * setns).
 */
static int
jail_uts_holder(void *arg)
{
	(void)arg;
	for (;;)
		pause(); /* until we are done with it */
	return 0;
}

/*
 * The holder, when it shares our memory, runs on stack (JAIL_USTACK
 * bytes), which must outlive it: it is killed here, and *holder set to
 * its PID for jail_uts_reap, which waits for it once the rest of setup
 * is done (its death takes a while under load: 1-9 ms that were waited
 * for here, and that setup now runs beside).  Until then it is a
 * process of the jail's PID namespace, before any jailed process is.
 */
#define JAIL_USTACK 8192

static int
jail_ns_apart(char *stack, pid_t *holder, int nsflags)
{
	int sync[2], pidfd = -1, error = 0;
	char c = 0;
	pid_t pid;

	*holder = -1;
	/*
	 * The holder shares our memory (no page tables copied, which
	 * costs more than the rest of this): it only waits on its own
	 * small stack to be killed.
	 */
	pid = clone(jail_uts_holder, stack + JAIL_USTACK,
	    CLONE_VM | CLONE_NEWUSER | nsflags | CLONE_PIDFD | SIGCHLD, NULL,
	    &pidfd);
	if (pid > 0) {
		if (setns(pidfd, nsflags) != 0)
			error = errno;
		kill(pid, SIGKILL);
		close(pidfd);
		*holder = pid;
		return error;
	}
	if (pipe2(sync, O_CLOEXEC) != 0)
		return errno;
	if ((pid = fork()) < 0) {
		error = errno;
		close(sync[0]);
		close(sync[1]);
		return error;
	}
	if (pid == 0) {
		close(sync[0]);
		c = unshare(CLONE_NEWUSER | nsflags) == 0 ? 0 : (char)errno;
		(void)write(sync[1], &c, 1);
		for (;;)
			pause(); /* until we are done with it */
	}
	close(sync[1]);
	if (read(sync[0], &c, 1) != 1)
		error = ECHILD;
	else if (c != 0)
		error = (unsigned char)c;
	else if ((pidfd = (int)syscall(SYS_pidfd_open, pid, 0)) < 0)
		error = errno;
	else {
		if (setns(pidfd, nsflags) != 0)
			error = errno;
		close(pidfd);
	}
	close(sync[0]);
	kill(pid, SIGKILL);
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
	return error;
}

/* The holder jail_ns_apart killed, waited for (gone from our proc). */
static void
jail_uts_reap(pid_t holder)
{
	if (holder > 0)
		while (waitpid(holder, NULL, 0) < 0 && errno == EINTR)
			;
}

/*
 * init, before it reports ready: the namespaces and the mounts.  tmpl:
 * we were made in the spawner's template, whose mount table is private
 * and has no namespace file to drop; JAIL_TMPL_BARE: in its copy
 * without /proc and /sys (jail_tmpl_bare), where ours go without an
 * unmount.  ustack, holder: jail_ns_apart's.
 */
static int
jail_init_setup_ns(const struct jail_rec *r, bool newnet, bool newuts,
    bool newipc, int tmpl, int *procfdp, char *ustack, pid_t *holder,
    struct ierr *e)
{
	const struct jail_params *ps = &r->params;
	const char *path = jail_pstr(ps, "path"), *s;
	bool netrw = newnet && jail_psys(ps, "vnet", 2) == 1;
	int flags = CLONE_NEWNS, apart = 0, error;

	/* a vnet jail's stack is its root's: owned apart, as the UTS */
	if (netrw)
		apart |= CLONE_NEWNET;
	else if (newnet)
		flags |= CLONE_NEWNET;
	if (newuts)
		apart |= CLONE_NEWUTS;
	if (newipc)
		flags |= CLONE_NEWIPC;
	if (unshare(flags) != 0)
		return jail_ifail(e, errno, "unshare");
	if (apart != 0 && (error = jail_ns_apart(ustack, holder, apart)) != 0)
		return jail_ifail(e, error,
		    newuts ? "UTS namespace" : "network namespace");
	/* the template's copy is private already, and without them */
	if (!tmpl && mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0)
		return jail_ifail(e, errno, "mount --make-rprivate /");
	if (!tmpl)
		jail_drop_nsfs_mounts();
	if (newnet && (error = jail_lo_up()) != 0)
		return jail_ifail(e, error, "lo");
	if (newuts) {
		s = jail_pstr(ps, "host.hostname");
		if (sethostname(s != NULL ? s : "",
			s != NULL ? strlen(s) : 0) != 0)
			return jail_ifail(e, errno, "host.hostname");
		s = jail_pstr(ps, "host.domainname");
		if (s != NULL && setdomainname(s, strlen(s)) != 0)
			return jail_ifail(e, errno, "host.domainname");
	}
	if ((error = jail_detached_proc(procfdp)) != 0)
		return jail_ifail(e, error, "proc");
	if (newnet)
		jail_no_rtsol(*procfdp);
	if (path == NULL || strcmp(path, "/") == 0) {
		/*
		 * Sharing the host's tree: our own /proc, our own /sys when
		 * the network is ours (as `ip netns exec' does), and no view
		 * of the host's jail records.
		 */
		if (tmpl != JAIL_TMPL_BARE)
			(void)umount2("/proc", MNT_DETACH);
		if ((error = jail_mount_proc_at("/proc", e, "proc")) != 0)
			return error;
		if (newnet) {
			if (tmpl != JAIL_TMPL_BARE)
				(void)umount2("/sys", MNT_DETACH);
			(void)mount("sysfs", "/sys", "sysfs",
			    MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
		}
		(void)mount("jail", JAIL_RUNDIR, "tmpfs", MS_NOSUID | MS_NODEV,
		    "mode=755,size=64k");
		/* jail(8) run inside knows where it is (jail_inside()) */
		close(open(JAIL_RUNDIR "/" JAIL_INSIDE_MARK,
		    O_WRONLY | O_CREAT | O_CLOEXEC, 0444));
		(void)mkdir(JAIL_NETNSDIR, 0755);
		(void)mount("jail", JAIL_NETNSDIR, "tmpfs",
		    MS_NOSUID | MS_NODEV, "mode=755,size=64k");
		/*
		 * the host's jails' port forwards (jail-nat-redirect): an
		 * id planted there would be removed from the host's nat
		 * node with another jail's; one of its own for a jail(8)
		 * run inside, as /run/jail
		 */
		(void)mkdir(JAIL_NATDIR, 0755);
		if (mount("jail", JAIL_NATDIR, "tmpfs", MS_NOSUID | MS_NODEV,
			"mode=755,size=64k") != 0)
			return jail_ifail(e, errno, "%s", JAIL_NATDIR);
		if (!netrw && (error = jail_hide_host_run(e)) != 0)
			return error;
	}
	if ((error = jail_do_mounts(ps, path, e)) != 0)
		return error;
	if ((error = jail_protect_mounts(path != NULL ? path : "/", netrw,
		 e)) != 0)
		return error;
	if (path != NULL && strcmp(path, "/") != 0 &&
	    (error = jail_enter_root(path, e)) != 0)
		return error;
	if (chdir("/") != 0)
		return jail_ifail(e, errno, "chdir /");
	return 0;
}

/*
 * jail_init_setup_ns, with the UTS holder's stack in our frame, which
 * outlives it: it is waited for before we return.  Not inlined: its
 * frames are given back after (jail_init_trim).
 */
static int __attribute__((noinline))
jail_init_setup(const struct jail_rec *r, bool newnet, bool newuts, bool newipc,
    int tmpl, int *procfdp, struct ierr *e)
{
	char ustack[JAIL_USTACK] __attribute__((aligned(16)));
	pid_t holder = -1;
	int error;

	error = jail_init_setup_ns(r, newnet, newuts, newipc, tmpl, procfdp,
	    ustack, &holder, e);
	jail_uts_reap(holder);
	return error;
}

static void
jail_noop_handler(int sig)
{
	(void)sig;
}

/*
 * The jail's processes other than us, as our proc shows them: each gets
 * a pidfd in fds (up to max).  Zombies do not count.
 */
static size_t
jail_init_scan(int procfd, int *fds, size_t max, size_t *nfds)
{
	char dbuf[4096] __attribute__((aligned(8)));
	size_t n = 0;
	ssize_t nr;
	int dfd;

	*nfds = 0;
	/* getdents64, not readdir: no DIR to allocate (see jail_slurp) */
	if ((dfd = openat(procfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return 1; /* cannot tell: assume someone is there */
	while ((nr = getdents64(dfd, dbuf, sizeof(dbuf))) > 0)
		for (ssize_t off = 0; off < nr;) {
			struct dirent64 *de = (struct dirent64 *)(dbuf + off);
			char path[300], buf[512], *p;
			ssize_t len;
			int fd;

			off += de->d_reclen;
			if (!jail_is_number(de->d_name) ||
			    strcmp(de->d_name, "1") == 0)
				continue;
			snprintf(path, sizeof(path), "%s/stat", de->d_name);
			if ((fd = openat(procfd, path, O_RDONLY | O_CLOEXEC)) <
			    0)
				continue;
			len = read(fd, buf, sizeof(buf) - 1);
			close(fd);
			if (len <= 0)
				continue;
			buf[len] = '\0';
			if ((p = strrchr(buf, ')')) != NULL &&
			    (p[2] == 'Z' || p[2] == 'X'))
				continue;
			n++;
			if (*nfds < max &&
			    (fd = (int)syscall(SYS_pidfd_open, atoi(de->d_name),
				 0)) >= 0)
				fds[(*nfds)++] = fd;
		}
	close(dfd);
	return nr < 0 && n == 0 ? 1 : n;
}

/*
 * init's signals, taken before it says "ok": PID 1 of a PID namespace
 * never sees a signal from outside it that has the default action, so a
 * SIGUSR2 that jail(8) sent between the "ok" and a handler was lost,
 * and the jail of a command that had already ended stayed up (jail(8)
 * waited its 10 s for nothing).  Blocked, they wait in the signalfd.
 * -1 if there is none.
 */
static int
jail_init_signals(void)
{
	struct sigaction sa;
	sigset_t set;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = jail_noop_handler;
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGUSR2);
	sigaction(SIGCHLD, &sa, NULL);
	sigaction(SIGUSR1, &sa, NULL);
	sigaction(SIGUSR2, &sa, NULL);
	sigprocmask(SIG_BLOCK, &set, NULL);
	return signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
}

/*
 * PID 1 of the jail.  SIGUSR1 and SIGUSR2 from outside the jail (the
 * sender is invisible to us: si_pid 0), read from sfd, turn persist on
 * and off.
 */
static void __attribute__((noreturn)) jail_init_loop(int procfd, int sfd)
{
	struct pollfd pfd[JAIL_WATCH_MAX + 1];
	int fds[JAIL_WATCH_MAX];
	struct signalfd_siginfo si;
	bool persist = true;
	size_t nfds = 0, n = 0, i;

	for (;;) {
		while (waitpid(-1, NULL, WNOHANG) > 0)
			;
		nfds = n = 0;
		if (!persist) {
			n = jail_init_scan(procfd, fds, JAIL_WATCH_MAX, &nfds);
			if (n == 0)
				_exit(0);
		}
		pfd[0].fd = sfd;
		pfd[0].events = POLLIN;
		for (i = 0; i < nfds; i++) {
			pfd[i + 1].fd = fds[i];
			pfd[i + 1].events = POLLIN;
		}
		/* past JAIL_WATCH_MAX processes, look again every second */
		(void)poll(pfd, nfds + 1, n > nfds && !persist ? 1000 : -1);
		for (i = 0; i < nfds; i++)
			close(fds[i]);
		while (read(sfd, &si, sizeof(si)) == sizeof(si)) {
			if (si.ssi_pid != 0)
				continue;
			if (si.ssi_signo == SIGUSR1)
				persist = true;
			else if (si.ssi_signo == SIGUSR2)
				persist = false;
		}
	}
}

/*
 * An init the spawner made in its own memory (CLONE_VM) runs on a stack
 * mapped for it, JAIL_ISTACK_SIZE with a guard page at the low end; just
 * above the guard, what the spawner tells it and lends it.  The spawner
 * frees the record once init says it no longer reads it (lent), and the
 * mapping once the kernel has cleared tid (CLONE_CHILD_CLEARTID: init
 * has exited, and runs on it no more).
 */
#define JAIL_ISTACK_SIZE (256 * 1024)

struct jail_ihead {
	pid_t tid;           /* init's, until it exits */
	int lent;            /* 1: init no longer reads r */
	struct jail_rec *r;  /* the spawner's */
	int homefd, readyfd; /* init's copies are its own */
	int tmpl;            /* JAIL_TMPL or JAIL_TMPL_BARE */
	struct rlimit nofile;
};

/*
 * The pages of our stack (h's) that setup's frames used, below our
 * caller's frames and the loop's, given back: they were most of what a
 * jail cost in memory.  Not inlined: our frame is below every live one
 * of our caller, and what is below it is dead (a page used again is
 * found zeroed).
 */
static void __attribute__((noinline)) jail_init_trim(struct jail_ihead *h)
{
	uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
	uintptr_t lo = (uintptr_t)h + page; /* above the head's page */
	uintptr_t hi = (uintptr_t)__builtin_frame_address(0) - 8192;

	hi &= ~(page - 1); /* 8 KB left for the loop's frames */
	if (hi > lo)
		(void)madvise((void *)lo, hi - lo, MADV_DONTNEED);
}

/*
 * h: what the spawner lent us when we share its memory (it frees r once
 * we say we no longer read it), or NULL when we are a fork.
 */
static void __attribute__((noreturn))
jail_init_main(const struct jail_rec *r, bool newnet, bool newuts, bool newipc,
    int tmpl, struct jail_ihead *h, int readyfd)
{
	struct ierr e = { { 0 } };
	int procfd = -1, null, error, sfd;
	char name[16];

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	snprintf(name, sizeof(name), "jail %.10s", r->name);
	prctl(PR_SET_NAME, name);
	/* into an IP-alias jail's cgroup before anything else */
	if ((error = jail_ipalias_enter(r)) != 0) {
		jail_ireport(readyfd, "err the jail's cgroup: %s\n",
		    jail_errstr(error));
		_exit(1);
	}
	if ((null = open("/dev/null", O_RDWR | O_CLOEXEC)) >= 0) {
		dup2(null, STDIN_FILENO);
		dup2(null, STDOUT_FILENO);
		dup2(null, STDERR_FILENO);
		close(null);
	}
	error = jail_init_setup(r, newnet, newuts, newipc, tmpl, &procfd, &e);
	if (h != NULL) {
		__atomic_store_n(&h->lent, 1, __ATOMIC_RELEASE);
		jail_init_trim(h);
	}
	if (error != 0) {
		jail_ireport(readyfd, "err %s\n", e.msg);
		_exit(1);
	}
	/*
	 * init keeps every capability: no jailed process may trace it or
	 * open its descriptors (its proc mount above all).
	 */
	prctl(PR_SET_DUMPABLE, 0);
	if ((sfd = jail_init_signals()) < 0) {
		jail_ireport(readyfd, "err signalfd: %s\n", jail_errstr(errno));
		_exit(1);
	}
	jail_ireport(readyfd, "ok\n");
	close(readyfd);
	jail_init_loop(procfd, sfd);
}

/* --- tearing a jail down --------------------------------------------------- */

static int
jail_same_file(int fd, const char *path)
{
	struct stat a, b;

	if (fstat(fd, &a) != 0 || stat(path, &b) != 0)
		return false;
	return a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

/* Bind the jail's network namespace to /run/netns/NAME for iproute2. */
static int
jail_bind_netns(const char *name, pid_t init, char *err, size_t errlen)
{
	char path[PATH_MAX], src[64];
	int fd;

	jail_netns_path(name, path, sizeof(path));
	if (mkdir(JAIL_NETNSDIR, 0755) != 0 && errno != EEXIST) {
		snprintf(err, errlen, "%s: %s", JAIL_NETNSDIR, strerror(errno));
		return errno;
	}
	fd = open(path, O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0444);
	if (fd < 0) {
		int error = errno;

		snprintf(err, errlen, "%.200s: %s", path,
		    error == EEXIST ?
			"a network namespace of that name exists" :
			strerror(error));
		return error;
	}
	close(fd);
	snprintf(src, sizeof(src), "/proc/%d/ns/net", (int)init);
	if (mount(src, path, NULL, MS_BIND, NULL) != 0) {
		int error = errno;

		snprintf(err, errlen, "mount %.200s: %s", path,
		    strerror(error));
		unlink(path);
		return error;
	}
	return 0;
}

static void
jail_unbind_netns(const char *name, int netfd)
{
	char path[PATH_MAX];

	jail_netns_path(name, path, sizeof(path));
	if (netfd >= 0 && !jail_same_file(netfd, path))
		return; /* someone else's by now */
	(void)umount2(path, MNT_DETACH);
	(void)unlink(path);
}

/*
 * Every process (but us) in the network namespace netfd: asked to end
 * (SIGTERM), killed if still there JAIL_TERM_WAIT_MS later.  Those are
 * outsiders (the jail's own go with its init): an ngd that ngctl -j
 * started there, above all, which on SIGTERM takes its data plane, its
 * pins and its journal with it; killed, it left them for good, since the
 * namespace it served never comes back.
 */
static void
jail_kill_netns_procs(int netfd)
{
	struct stat ns, st;
	struct timespec pause = { 0, 20 * 1000000L };
	int waited;

	if (fstat(netfd, &ns) != 0)
		return;
	for (waited = 0; waited < JAIL_KILL_WAIT_MS; waited += 20) {
		int sig = waited == 0           ? SIGTERM :
		    waited >= JAIL_TERM_WAIT_MS ? SIGKILL :
						  0;
		struct dirent *de;
		int found = 0;
		DIR *d;

		if ((d = opendir("/proc")) == NULL)
			return;
		while ((de = readdir(d)) != NULL) {
			char path[64];
			pid_t pid;

			if (!jail_is_number(de->d_name))
				continue;
			pid = atoi(de->d_name);
			if (pid == getpid())
				continue;
			snprintf(path, sizeof(path), "/proc/%d/ns/net",
			    (int)pid);
			if (stat(path, &st) != 0 || st.st_ino != ns.st_ino ||
			    st.st_dev != ns.st_dev)
				continue;
			if (jail_proc_start(pid) == 0)
				continue; /* a zombie: its parent reaps it */
			if (sig != 0)
				kill(pid, sig);
			found++;
		}
		closedir(d);
		if (found == 0)
			return;
		nanosleep(&pause, NULL);
	}
}

/*
 * With the lock held: what is left of a jail whose init is gone.  homefd
 * is the namespace the interfaces return to (-1: ours); netfd the
 * jail's network namespace (-1: the one at /run/netns/NAME).  flags:
 * JT_NOSCAN, no process outside the jail is in its network (no look
 * through /proc for them); JT_NGLEAVE, ngd's interfaces are left for
 * the caller to bring home once the name has gone; JT_NOUNBIND, the
 * name is the caller's to drop.
 */
#define JT_NOSCAN 1
#define JT_NGLEAVE 2
#define JT_NOUNBIND 4 /* /run/netns/NAME left for the caller */

/*
 * The name interface idx of a jail (nl: a socket there) comes home
 * under: name, the one it had at home, when that is free there.  Else
 * (something took it meanwhile) the one it has in the jail if that is
 * free (FreeBSD's if_vmove keeps that name whatever the home has: two
 * interfaces of one name, which Linux refuses), then the one Linux
 * gives a device it pushes home at a namespace's death onto a taken
 * name: dev<its index>, or the lowest free devN.  Refused (EEXIST), it
 * died with the namespace.  *hnl: a socket at home (homefd; -1: ours),
 * opened on first use.
 */
static int
jail_home_name(struct jail_nl *nl, struct jail_nl **hnl, int homefd, int idx,
    const char *name, char out[IFNAMSIZ])
{
	int i, error;

	if (*hnl == NULL && (error = jail_nl_open(homefd, hnl)) != 0)
		return error;
	if (strlen(name) >= IFNAMSIZ)
		return EINVAL;
	memcpy(out, name, strlen(name) + 1);
	if ((error = jail_nl_index(*hnl, out, &i)) != 0)
		return error == ENODEV ? 0 : error;
	/* taken: the one it has in the jail, then dev... */
	if ((error = jail_nl_ifname(nl, idx, out)) != 0)
		return error;
	if ((error = jail_nl_index(*hnl, out, &i)) != 0)
		return error == ENODEV ? 0 : error;
	snprintf(out, IFNAMSIZ, "dev%d", idx);
	for (unsigned n = 0; n < 100000; n++) {
		if ((error = jail_nl_index(*hnl, out, &i)) != 0)
			return error == ENODEV ? 0 : error;
		snprintf(out, IFNAMSIZ, "dev%u", n);
	}
	return EEXIST;
}

/*
 * Whether interface idx of a jail (nl: a socket there), lent as ngd's
 * interface name, is now ngd's retired device: ngd, asked to bring it
 * home and answering too late for the asker (NGD_TIMEOUT), made the
 * interface anew at home under name and renamed the old one ngret<n>,
 * which it deletes in its batch.  That one is ngd's to delete, not to
 * bring home (under another name, since ngd's new one holds this one).
 */
static bool
jail_ng_retired(struct jail_nl *nl, struct jail_nl **hnl, int home, int homefd,
    int idx, const char *name)
{
	char now[IFNAMSIZ];
	int i;

	if (jail_nl_ifname(nl, idx, now) != 0 ||
	    strncmp(now, "ngret", 5) != 0 || now[5] < '0' || now[5] > '9')
		return false;
	if (*hnl == NULL && jail_nl_open(home != homefd ? -1 : home, hnl) != 0)
		return false;
	return jail_nl_index(*hnl, name, &i) == 0;
}

static int
jail_teardown(struct jail_rec *r, int homefd, int netfd, int flags)
{
	char path[PATH_MAX], name[IFNAMSIZ];
	struct jail_nl *nl = NULL, *hnl = NULL;
	int ownfd = -1, home = homefd, sys = -1, error = 0, e, idx;
	size_t nmove = 0;

	for (size_t i = 0; i < r->nifaces; i++)
		nmove += !(r->ifaces[i].ng && (flags & JT_NGLEAVE));
	if (r->own_net && netfd < 0) {
		jail_netns_path(r->name, path, sizeof(path));
		netfd = ownfd = open(path, O_RDONLY | O_CLOEXEC);
	}
	if (netfd >= 0) {
		if (!(flags & JT_NOSCAN))
			jail_kill_netns_procs(netfd);
		if (nmove > 0 && home < 0) {
			struct stat st;

			/* no supervisor left: the interfaces come to us */
			home = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
			if (home >= 0 && fstat(home, &st) == 0 &&
			    (st.st_dev != r->home_dev ||
				st.st_ino != r->home_ino))
				jail_warnx(JR(r),
				    "its interfaces came from "
				    "another network namespace; "
				    "they return to this one");
		}
		/* the links' directory with it: what was lent is known by
		 * what the jail cannot forge (jail_sys_id) */
		if (nmove > 0 &&
		    (error = jail_nl_open_sys(netfd, &nl, &sys)) != 0)
			nl = NULL;
	}
	for (size_t i = 0; i < r->nifaces && nl != NULL; i++) {
		struct jail_iface *f = &r->ifaces[i];

		if (f->ng && (flags & JT_NGLEAVE))
			continue; /* the caller's, once the name has gone */
		/*
		 * ngd placed it: ngd makes it anew at home (we are home when
		 * our graph is the one it came from), the old one going in a
		 * batch, before the name below leaves /run/netns.
		 */
		if (f->ng && jail_ng_at_home(r) &&
		    jail_nl_index(nl, f->name, &idx) == 0 &&
		    jail_ng_vnet(f->name, "") == 0)
			continue;
		/*
		 * The device lent, known by what the jail cannot forge
		 * (jail_sys_id), whatever its name and index are now: not
		 * one the jail made under its name or at its index.  Not
		 * there (destroyed), it is gone as below.  A record of an
		 * older jail(8) has no identity: by its name, failing that
		 * (renamed inside) by its index.
		 */
		if (f->sysid != 0) {
			if (jail_sys_find(sys, f->sysid, &idx) != 0)
				continue; /* gone: as ENODEV below */
		} else if (jail_nl_index(nl, f->name, &idx) != 0) {
			idx = f->inner_index;
		}
		if (f->ng &&
		    jail_ng_retired(nl, &hnl, home, homefd, idx, f->name))
			continue; /* ngd's to delete */
		/* its name at home, or a free one when that was taken (a
		 * name taken between the look and the move: a new look) */
		for (int tries = 0; tries < 3; tries++)
			if ((e = jail_home_name(nl, &hnl,
				 home != homefd ? -1 : home, idx, f->name,
				 name)) != 0 ||
			    (e = jail_nl_move(nl, idx, home, name)) != EEXIST ||
			    jail_nl_link(nl, idx) != 0)
				break;
		if (e == 0 && strcmp(name, f->name) != 0)
			jail_warnx(JR(r),
			    "vnet.interface %s: %s is taken here; "
			    "it came home as %s",
			    f->name, f->name, name);
		/* gone (its device destroyed, a TAP whose ngd died): no
		 * more to say than jail -c did (jail_check_ifaces) */
		if (e != 0 && e != ENODEV) {
			jail_warnx(JR(r), "vnet.interface %s: %s", f->name,
			    strerror(e));
			if (error == 0)
				error = e;
		}
	}
	jail_nl_close(nl);
	jail_nl_close(hnl);
	if (sys >= 0)
		close(sys);
	if (r->own_net && !(flags & JT_NOUNBIND))
		jail_unbind_netns(r->name, netfd);
	jail_ipalias_destroy(r); /* its cgroup, pins and aliases */
	if (home >= 0 && home != homefd)
		close(home);
	if (ownfd >= 0)
		close(ownfd);
	e = jail_rec_remove(r);
	return error != 0 ? error : e;
}

int
jail_ns_teardown(struct jail_rec *r, int homefd)
{
	return jail_teardown(r, homefd, -1, 0);
}

/*
 * The supervisor: one process for every jail, jail(8) started as `jail
 * JAIL_SUPER_ARG' (a fresh image through posix_spawn, so no page tables
 * of a jail(8) with a thousand jails' configuration are copied), in the
 * namespaces of the jail(8) that started it, and the parent of each
 * jail's init.  A jail used to cost two processes, its init and a
 * supervisor of its own woken by its death: at 1,000 jails, the second
 * process was half the CPU of a removal (its exit, its copied pages,
 * its lazy binding) and a fork more at creation.
 *
 * It listens on JAIL_SUPER_SOCK (SOCK_SEQPACKET, one request a
 * message):
 *   "make\nNAME\n" and the record in the state file's form, with the
 *     network namespace of the jail(8) asking (SCM_RIGHTS), where the
 *     jail's interfaces go home: "ok INIT START SUPER START" once the
 *     jail's init has made its namespaces and mounts (and its network
 *     is bound to /run/netns/NAME), or "err MESSAGE";
 *   "sync": the inits that died are reaped, their jails torn down
 *     where jail(8) has not done it; "bye" when no jail is left (the
 *     supervisor then goes: jail(8) waits for it), else "busy".
 * Many jails are made at once (jail -p): a request does not wait for
 * the init of another.  When an init dies (its last process gone, or
 * killed), the supervisor reaps it and tears its jail down as the
 * per-jail supervisors did: interfaces home, the name out of
 * /run/netns, the record dropped; unless jail(8) has (jail -r tears
 * down itself, under the lock), which it sees from the record.  It
 * never waits for the lock on /run/jail (jail(8) may hold it while it
 * waits for a reply): a teardown that finds the lock taken is tried
 * again 20 ms later.
 *
 * It goes when it has no jail left, so no daemon lingers: under an
 * exclusive lock on JAIL_SUPER_LOCK, with no connection waiting, it
 * removes its socket; jail(8) connects under a shared lock, and starts
 * a supervisor when none answers.  A request on a connection the
 * supervisor closed as it went is sent again to a new one.  Killed,
 * the supervisor takes every jail with it (each init dies with its
 * parent, PR_SET_PDEATHSIG), and jail(8) finishes off each stale record
 * it meets (jail_op_lookup(), jail -r '*').
 */
#define JAIL_SUPER_SOCK JAIL_RUNDIR "/.super"
#define JAIL_SUPER_LOCK JAIL_RUNDIR "/.super.lock"
#define JAIL_SUPER_RETRY_MS 20

struct jail_sj {
	char name[JAIL_NAMEMAX + 1];
	int jid;
	pid_t pid; /* its init */
	unsigned long long start;
	int homefd;  /* where its interfaces go home; -1: ours */
	int netfd;   /* its network namespace; -1: not its own */
	int readyfd; /* init's report while it sets up, else -1 */
	int client;  /* the connection waiting for that report, or -1 */
	int maker;   /* the connection that asked, while it is open */
	bool own_net, dead;
	char rep[600];
	size_t nrep;
};

struct jail_super {
	int lfd, sigfd, efd;
	struct jail_sj **v; /* every jail: starting, living, dead */
	size_t n, cap;
	size_t nclients; /* connections open */
	pid_t pid;
	unsigned long long start;
	dev_t netdev; /* our network namespace */
	ino_t netino;
	dev_t sockdev; /* our socket's file */
	ino_t sockino;
	struct rlimit nofile; /* as we got it: the jails' */
	int spawner;          /* our end of the spawner's socket, or -1 */
	int routes;           /* told of route changes (jail_nl_watch_routes) */
	uint64_t routes_due;  /* when to follow them (ms), 0: nothing to do */
};

/* epoll data: the descriptor, and what it is */
enum { JSE_LISTEN, JSE_SIGNAL, JSE_CLIENT, JSE_READY, JSE_ROUTES };
#define JSE(fd, kind) (((uint64_t)(unsigned)(fd) << 3) | (kind))
#define JSE_FD(u) ((int)((u) >> 3))
#define JSE_KIND(u) ((int)((u)&7))
/* route changes come in bursts: followed once they pause this long */
#define JAIL_ROUTES_WAIT_MS 250

static int
jail_super_watch(struct jail_super *s, int fd, int kind)
{
	struct epoll_event ev = { .events = EPOLLIN,
		.data.u64 = JSE(fd, kind) };

	return epoll_ctl(s->efd, EPOLL_CTL_ADD, fd, &ev) == 0 ? 0 : errno;
}

static void
jail_super_unwatch(struct jail_super *s, int fd)
{
	(void)epoll_ctl(s->efd, EPOLL_CTL_DEL, fd, NULL);
	close(fd);
}

static void
jail_super_drop(struct jail_super *s, size_t i)
{
	struct jail_sj *j = s->v[i];

	if (j->readyfd >= 0)
		jail_super_unwatch(s, j->readyfd);
	if (j->homefd >= 0)
		close(j->homefd);
	if (j->netfd >= 0)
		close(j->netfd);
	free(j);
	s->v[i] = s->v[--s->n];
}

static bool jail_super_reply(int client, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static bool
jail_super_reply(int client, const char *fmt, ...)
{
	char buf[700];
	va_list ap;
	size_t n;

	va_start(ap, fmt);
	n = jail_vline(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	return send(client, buf, n, MSG_NOSIGNAL | MSG_DONTWAIT) == (ssize_t)n;
}

/* The child that becomes a jail's init (tmpl, h: jail_init_main). */
static void __attribute__((noreturn))
jail_init_child(const struct jail_rec *r, int homefd, int readyfd,
    const struct rlimit *nofile, int tmpl, struct jail_ihead *h)
{
	sigset_t none;

	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGPIPE, SIG_DFL);
	(void)setrlimit(RLIMIT_NOFILE, nofile);
	/* a jail on the host's network: that of the jail(8) asking */
	if (!r->own_net && homefd >= 0 && setns(homefd, CLONE_NEWNET) != 0) {
		jail_ireport(readyfd, "err setns: %s\n", jail_errstr(errno));
		_exit(1);
	}
	if (dup2(readyfd, 3) < 0)
		_exit(1);
	close_range(4, ~0U, 0);
	jail_init_main(r, r->own_net, jail_want_uts(&r->params),
	    jail_want_ipc(&r->params), tmpl, h, 3);
}

/*
 * The inits' template mount namespace.  Each init's unshare(CLONE_NEWNS)
 * copies the mount table it is in, and then drops the namespace files
 * in it (jail_drop_nsfs_mounts): on the host's, every other jail's
 * /run/netns entry was copied and unmounted again, O(jails) a jail under
 * the kernel's one namespace lock (5 ms and more a jail among 300, where
 * a table of 30 mounts takes a tenth of that).  So the spawner makes
 * one copy of the host's table without them, the template, and forks
 * the inits in it: what each copies is the host's table as the jail
 * saw it before, less what it dropped.  It stays the host's as it is:
 * before each init, the host's mounts are listed (listmount(2), their
 * IDs, never reused) and the template made again if a mount other than
 * a namespace file came or one it copied went, or if it served no jail
 * for JAIL_TMPL_IDLE_MS (a remount changes no ID: a burst of jails shares
 * a template, a jail made later gets one of its own; and the spawner
 * leaves it after that second, so it keeps no file system busy that the
 * host has unmounted since).  Without
 * listmount (Linux before 6.8), no template: each init copies the
 * host's table, as before.
 */
#define JAIL_TMPL_IDLE_MS 1000
#define JAIL_SYS_STATMOUNT 457 /* the same number on every architecture */
#define JAIL_SYS_LISTMOUNT 458
#define JAIL_LSMT_ROOT 0xffffffffffffffffULL
#define JAIL_STATMOUNT_SB_BASIC 0x1

struct jail_mnt_id_req { /* struct mnt_id_req, its first version */
	uint32_t size, spare;
	uint64_t mnt_id, param;
};

struct jail_statmount { /* the head of struct statmount */
	uint32_t size, spare;
	uint64_t mask;
	uint32_t sb_dev_major, sb_dev_minor;
	uint64_t sb_magic;
};

struct jail_tmpl {
	int hostfd, fd;   /* the host's mount namespace, the template's */
	int bare;         /* the template's copy without /proc and /sys */
	uint64_t *copied; /* the host's mounts it copied, ascending */
	size_t ncopied;
	uint64_t *nsfs; /* the host's namespace files seen, ascending */
	size_t nnsfs, maxnsfs;
	uint64_t *ids; /* listmount's answer */
	size_t maxids;
	uint64_t used_ms;
};

static uint64_t
jail_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* The mounts of our mount namespace, ascending, in t->ids: how many, or
 * -1 with errno. */
static ssize_t
jail_tmpl_list(struct jail_tmpl *t)
{
	struct jail_mnt_id_req req = { .size = sizeof(req),
		.mnt_id = JAIL_LSMT_ROOT };
	ssize_t n;

	for (;;) {
		n = syscall(JAIL_SYS_LISTMOUNT, &req, t->ids, t->maxids, 0);
		if (n < 0 || (size_t)n < t->maxids)
			return n;
		size_t max = t->maxids ? 2 * t->maxids : 256;
		uint64_t *ids = realloc(t->ids, max * sizeof(*ids));

		if (ids == NULL) {
			errno = ENOMEM;
			return -1;
		}
		t->ids = ids;
		t->maxids = max;
	}
}

static bool
jail_tmpl_has(const uint64_t *v, size_t n, uint64_t id)
{
	for (size_t lo = 0, hi = n; lo < hi;) {
		size_t mid = (lo + hi) / 2;

		if (v[mid] == id)
			return true;
		if (v[mid] < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return false;
}

/* Is mount id of our namespace a namespace file's?  Remembered if so. */
static bool
jail_tmpl_nsfs(struct jail_tmpl *t, uint64_t id)
{
	struct jail_mnt_id_req req = { .size = sizeof(req),
		.mnt_id = id,
		.param = JAIL_STATMOUNT_SB_BASIC };
	uint64_t buf[80] = { 0 }; /* struct statmount, 512 bytes */
	struct jail_statmount *sm = (struct jail_statmount *)buf;
	size_t i;

	if (jail_tmpl_has(t->nsfs, t->nnsfs, id))
		return true;
	if (syscall(JAIL_SYS_STATMOUNT, &req, buf, sizeof(buf), 0) != 0 ||
	    !(sm->mask & JAIL_STATMOUNT_SB_BASIC) || sm->sb_magic != NSFS_MAGIC)
		return false;
	if (t->nnsfs == t->maxnsfs) {
		size_t max = t->maxnsfs ? 2 * t->maxnsfs : 256;
		uint64_t *v = realloc(t->nsfs, max * sizeof(*v));

		if (v == NULL)
			return true; /* not remembered: asked again */
		t->nsfs = v;
		t->maxnsfs = max;
	}
	for (i = t->nnsfs; i > 0 && t->nsfs[i - 1] > id; i--)
		t->nsfs[i] = t->nsfs[i - 1];
	t->nsfs[i] = id;
	t->nnsfs++;
	return true;
}

/* Does the host's mount table (we are in it) differ from what the
 * template copied, namespace files aside? */
static bool
jail_tmpl_stale(struct jail_tmpl *t)
{
	size_t same = 0;
	ssize_t n = jail_tmpl_list(t);

	if (n < 0)
		return true;
	for (ssize_t i = 0; i < n; i++)
		if (jail_tmpl_has(t->copied, t->ncopied, t->ids[i]))
			same++;
		else if (!jail_tmpl_nsfs(t, t->ids[i]))
			return true; /* a mount came */
	return same != t->ncopied;   /* or one went */
}

/* The template made anew from the host's table (we are in the host's). */
static void
jail_tmpl_make(struct jail_tmpl *t)
{
	ssize_t n = jail_tmpl_list(t);
	uint64_t *copied;

	t->ncopied = 0;
	if (n < 0 ||
	    (copied = malloc(((size_t)n + 1) * sizeof(*copied))) == NULL)
		return;
	free(t->copied);
	t->copied = copied;
	for (ssize_t i = 0; i < n; i++)
		if (!jail_tmpl_nsfs(t, t->ids[i]))
			t->copied[t->ncopied++] = t->ids[i];
	/* a mount made meanwhile is copied or not: the next look says */
	if (unshare(CLONE_NEWNS) != 0)
		return;
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0 ||
	    (t->fd = open("/proc/self/ns/mnt", O_RDONLY | O_CLOEXEC)) < 0) {
		(void)setns(t->hostfd, CLONE_NEWNS);
		t->fd = -1;
		return;
	}
	jail_drop_nsfs_mounts();
}

/* The template's copy without /proc and /sys, if made, gone with it. */
static void
jail_tmpl_forget_bare(struct jail_tmpl *t)
{
	if (t->bare >= 0)
		close(t->bare);
	t->bare = -1;
}

/*
 * Before an init, in the template: into its copy without /proc and /sys
 * when r is a vnet jail on the host's tree, whose init mounts a proc and
 * a sysfs of its own there (jail_init_setup_ns): what it would unmount
 * first, each unmount an RCU grace period of its own (1-7 ms a jail),
 * is unmounted once for every such jail.  Only the topmost mount at each
 * goes, as the init's own unmount did: the jail's table is what it was.
 * JAIL_TMPL_BARE if we are in it, JAIL_TMPL if still in the template.
 */
static int
jail_tmpl_bare(struct jail_tmpl *t, const struct jail_rec *r)
{
	const char *path = jail_pstr(&r->params, "path");

	if (!r->own_net || (path != NULL && strcmp(path, "/") != 0))
		return JAIL_TMPL;
	if (t->bare >= 0)
		return setns(t->bare, CLONE_NEWNS) == 0 ?
		    JAIL_TMPL_BARE :
		    JAIL_TMPL;
	if (unshare(CLONE_NEWNS) != 0)
		return JAIL_TMPL;
	if ((t->bare = open("/proc/self/ns/mnt", O_RDONLY | O_CLOEXEC)) < 0) {
		(void)setns(t->fd, CLONE_NEWNS);
		return JAIL_TMPL;
	}
	(void)umount2("/proc", MNT_DETACH);
	(void)umount2("/sys", MNT_DETACH);
	return JAIL_TMPL_BARE;
}

/* Before an init: in the template, made again if the host's table
 * changed (or not: in the host's). */
static void
jail_tmpl_enter(struct jail_tmpl *t)
{
	uint64_t now = jail_now_ms();

	if (t->hostfd < 0)
		return;
	if (t->fd >= 0) {
		if (setns(t->hostfd, CLONE_NEWNS) != 0) {
			jail_tmpl_forget_bare(t);
			close(t->fd); /* where we are, we stay */
			t->fd = -1;
			close(t->hostfd);
			t->hostfd = -1;
			return;
		}
		if (now - t->used_ms < JAIL_TMPL_IDLE_MS &&
		    !jail_tmpl_stale(t) && setns(t->fd, CLONE_NEWNS) == 0) {
			t->used_ms = now;
			return;
		}
		jail_tmpl_forget_bare(t);
		close(t->fd);
		t->fd = -1;
	}
	jail_tmpl_make(t);
	t->used_ms = now;
}

/*
 * Wait for the next request on sock, leaving the template once it has
 * served no jail for JAIL_TMPL_IDLE_MS: it holds a copy of every mount
 * the host had when it was made, and a private one, so a file system
 * the host unmounts meanwhile stays mounted there (its device busy, an
 * ext4 journal open) for as long as the template lives.
 */
static void
jail_tmpl_idle(struct jail_tmpl *t, int sock)
{
	struct pollfd pfd = { .fd = sock, .events = POLLIN };
	uint64_t now;
	int n;

	while (t->fd >= 0) {
		now = jail_now_ms();
		if (now - t->used_ms >= JAIL_TMPL_IDLE_MS) {
			if (setns(t->hostfd, CLONE_NEWNS) != 0)
				return; /* where we are, we stay */
			jail_tmpl_forget_bare(t);
			close(t->fd);
			t->fd = -1;
			return;
		}
		n = poll(&pfd, 1, (int)(t->used_ms + JAIL_TMPL_IDLE_MS - now));
		if (n > 0 || (n < 0 && errno != EINTR))
			return;
	}
}

static void
jail_tmpl_init(struct jail_tmpl *t)
{
	memset(t, 0, sizeof(*t));
	t->fd = t->bare = -1;
	t->hostfd = open("/proc/self/ns/mnt", O_RDONLY | O_CLOEXEC);
	if (t->hostfd >= 0 && jail_tmpl_list(t) < 0) { /* no listmount */
		close(t->hostfd);
		t->hostfd = -1;
	}
}

struct jail_istack {
	char *map; /* JAIL_ISTACK_SIZE, the guard page first */
	struct jail_ihead *h;
	struct jail_rec *r; /* lent to init, until h->lent */
};

struct jail_istacks {
	struct jail_istack *v;
	size_t n, cap;
};

static int __attribute__((noreturn)) jail_init_vm(void *arg)
{
	struct jail_ihead *h = arg;

	jail_init_child(h->r, h->homefd, h->readyfd, &h->nofile, h->tmpl, h);
}

/* Records init no longer reads, freed; stacks no init runs on, unmapped. */
static void
jail_istacks_sweep(struct jail_istacks *ss)
{
	for (size_t i = 0; i < ss->n;) {
		struct jail_istack *st = &ss->v[i];
		bool gone = __atomic_load_n(&st->h->tid, __ATOMIC_ACQUIRE) == 0;

		if (st->r != NULL &&
		    (gone || __atomic_load_n(&st->h->lent, __ATOMIC_ACQUIRE))) {
			jail_rec_free(st->r);
			free(st->r);
			st->r = NULL;
		}
		if (!gone) {
			i++;
			continue;
		}
		munmap(st->map, JAIL_ISTACK_SIZE);
		ss->v[i] = ss->v[--ss->n];
	}
}

/*
 * init started in our memory, on a stack of its own: its PID, or -1 with
 * errno.  r is lent to it (ours to free in jail_istacks_sweep) when it
 * starts, and still the caller's when it does not.
 */
static pid_t
jail_spawn_vm(struct jail_istacks *ss, struct jail_rec *r, int homefd,
    int readyfd, const struct rlimit *nofile, int tmpl)
{
	long page = sysconf(_SC_PAGESIZE);
	struct jail_istack *st;
	char *map;
	pid_t pid;
	int error;

	if (ss->n == ss->cap) {
		size_t cap = ss->cap ? 2 * ss->cap : 64;
		struct jail_istack *v = realloc(ss->v, cap * sizeof(*v));

		if (v == NULL) {
			errno = ENOMEM;
			return -1;
		}
		ss->v = v;
		ss->cap = cap;
	}
	map = mmap(NULL, JAIL_ISTACK_SIZE, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
	if (map == MAP_FAILED)
		return -1;
	if (mprotect(map, (size_t)page, PROT_NONE) != 0) {
		error = errno;
		munmap(map, JAIL_ISTACK_SIZE);
		errno = error;
		return -1;
	}
	/*
	 * Built with AddressSanitizer: init's frames are poisoned in the
	 * shadow as it runs, and an init that ends (_exit, on a stack ASan
	 * does not know: it warns once and unpoisons nothing) leaves them
	 * so; a later mapping at the same address would then fault the next
	 * init at its first call ("the jail's init failed").
	 */
	JAIL_ASAN_UNPOISON(map, JAIL_ISTACK_SIZE);
	st = &ss->v[ss->n];
	st->map = map;
	st->h = (struct jail_ihead *)(map + page);
	st->r = r;
	*st->h = (struct jail_ihead){ .r = r,
		.homefd = homefd,
		.readyfd = readyfd,
		.tmpl = tmpl,
		.nofile = *nofile };
	/* with CLONE_PARENT, its exit signal is ours: SIGCHLD */
	pid = clone(jail_init_vm, map + JAIL_ISTACK_SIZE,
	    CLONE_VM | CLONE_PARENT | CLONE_NEWPID | CLONE_PARENT_SETTID |
		CLONE_CHILD_CLEARTID,
	    st->h, &st->h->tid, NULL, &st->h->tid);
	if (pid < 0) {
		error = errno;
		munmap(map, JAIL_ISTACK_SIZE);
		errno = error;
		return -1;
	}
	ss->n++;
	return pid;
}

/*
 * The spawner: a child the supervisor forks as it starts, while it is
 * small, and that stays small; it starts each init for the supervisor
 * (CLONE_PARENT: the init is the supervisor's child all the same).  A
 * fork by the supervisor itself copied its page tables, grown with every
 * jail it keeps, and left each page it touched next to be copied again:
 * 1.7 ms a jail among 300, as much as init's own namespaces.  And a
 * fork of the spawner still cost a new address space a jail: in a VM
 * that shadows page tables, 1.4 ms of CPU for a child that only pauses,
 * against 0.05 ms for one that shares its parent's memory.  So an init
 * shares the spawner's memory (CLONE_VM, on a stack of its own:
 * jail_spawn_vm), and keeps to what can run beside the spawner and the
 * other inits in it (no malloc, no stdio stream: see jail_slurp).  It
 * is forked as before where its setup would need more: without the
 * template (the host's namespace files to drop, by reading the mount
 * table with stdio), and for an IP-alias jail (its cgroup's record).
 * Its requests: the "make" request's text, the init's ready pipe and
 * the home namespace (SCM_RIGHTS); its answer: the init's PID, or
 * -errno.
 */
static void __attribute__((noreturn))
jail_spawner_main(int sock, const struct rlimit *nofile)
{
	/* no exit signal of its own with CLONE_PARENT: ours, SIGCHLD */
	struct clone_args ca = { .flags = CLONE_PARENT | CLONE_NEWPID };
	char cbuf[CMSG_SPACE(2 * sizeof(int))], *buf, *nl;
	struct jail_istacks stacks = { 0 };
	struct msghdr mh;
	struct cmsghdr *cm;
	struct iovec iov;
	struct jail_rec *r;
	struct jail_tmpl tmpl;
	int fds[2], nfds;
	int32_t ans;
	ssize_t n;
	FILE *fp;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	prctl(PR_SET_NAME, "jail spawner");
	/* the inits' memory too: no jailed process may trace or read it */
	prctl(PR_SET_DUMPABLE, 0);
	jail_tmpl_init(&tmpl);
	for (;;) {
		jail_tmpl_idle(&tmpl, sock);
		n = recv(sock, NULL, 0, MSG_PEEK | MSG_TRUNC);
		if (n <= 0) {
			if (n < 0 && errno == EINTR)
				continue;
			_exit(0); /* the supervisor is gone */
		}
		jail_istacks_sweep(&stacks);
		if ((buf = malloc((size_t)n + 1)) == NULL ||
		    (r = calloc(1, sizeof(*r))) == NULL)
			_exit(1);
		iov = (struct iovec){ .iov_base = buf, .iov_len = (size_t)n };
		mh = (struct msghdr){ .msg_iov = &iov,
			.msg_iovlen = 1,
			.msg_control = cbuf,
			.msg_controllen = sizeof(cbuf) };
		if ((n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC)) <= 0)
			_exit(0);
		buf[n] = '\0';
		nfds = 0;
		fds[0] = fds[1] = -1;
		for (cm = CMSG_FIRSTHDR(&mh); cm != NULL;
		     cm = CMSG_NXTHDR(&mh, cm))
			if (cm->cmsg_level == SOL_SOCKET &&
			    cm->cmsg_type == SCM_RIGHTS && nfds == 0) {
				nfds = (int)((cm->cmsg_len - CMSG_LEN(0)) /
				    sizeof(int));
				if (nfds > 2)
					nfds = 2;
				memcpy(fds, CMSG_DATA(cm),
				    (size_t)nfds * sizeof(int));
			}
		ans = -EINVAL;
		if (nfds >= 1 && (nl = strchr(buf, '\n')) != NULL) {
			*nl++ = '\0';
			fp = fmemopen(nl, strlen(nl), "r");
			if (fp != NULL && jail_rec_load(fp, buf, r) == 0) {
				pid_t pid;

				jail_tmpl_enter(&tmpl);
				if (tmpl.fd >= 0 && !jail_ipalias(&r->params)) {
					pid = jail_spawn_vm(&stacks, r, fds[1],
					    fds[0], nofile,
					    jail_tmpl_bare(&tmpl, r));
					if (pid > 0)
						r = NULL; /* lent */
				} else {
					pid = (pid_t)syscall(SYS_clone3, &ca,
					    sizeof(ca));
					if (pid == 0)
						jail_init_child(r, fds[1],
						    fds[0], nofile,
						    tmpl.fd >= 0 ? JAIL_TMPL :
								   0,
						    NULL);
				}
				ans = pid > 0 ? pid : -errno;
			}
			if (fp != NULL)
				fclose(fp);
		}
		if (r != NULL) {
			jail_rec_free(r);
			free(r);
		}
		for (int i = 0; i < nfds; i++)
			close(fds[i]);
		free(buf);
		if (send(sock, &ans, sizeof(ans), MSG_NOSIGNAL) < 0)
			_exit(0);
	}
}

/* The spawner started (s->spawner), or not (-1: we fork the inits). */
static void
jail_super_spawner(struct jail_super *s)
{
	int sv[2];
	pid_t pid;

	s->spawner = -1;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0)
		return;
	if ((pid = fork()) == 0) {
		/* nothing of the supervisor's but its stdio (/dev/null) */
		if (sv[1] > 3)
			close_range(3, (unsigned)sv[1] - 1, 0);
		close_range((unsigned)sv[1] + 1, ~0U, 0);
		jail_spawner_main(sv[1], &s->nofile);
	}
	close(sv[1]);
	if (pid < 0) {
		close(sv[0]);
		return;
	}
	s->spawner = sv[0];
}

/*
 * An init, started by the spawner: its PID, 0 when there is no spawner
 * (or it went: the caller forks), or -1 with errno.
 */
static pid_t
jail_super_spawn_init(struct jail_super *s, const char *msg, int homefd,
    int readyfd)
{
	char cbuf[CMSG_SPACE(2 * sizeof(int))];
	int fds[2] = { readyfd, homefd };
	struct iovec iov = { .iov_base = (void *)msg, .iov_len = strlen(msg) };
	struct msghdr mh = { .msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = cbuf,
		.msg_controllen = CMSG_SPACE((homefd >= 0 ? 2 : 1) *
		    sizeof(int)) };
	struct cmsghdr *cm;
	int32_t ans;
	ssize_t n;

	if (s->spawner < 0)
		return 0;
	memset(cbuf, 0, sizeof(cbuf));
	cm = CMSG_FIRSTHDR(&mh);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN((homefd >= 0 ? 2 : 1) * sizeof(int));
	memcpy(CMSG_DATA(cm), fds, (homefd >= 0 ? 2 : 1) * sizeof(int));
	while ((n = sendmsg(s->spawner, &mh, MSG_NOSIGNAL)) < 0 &&
	    errno == EINTR)
		;
	if (n >= 0)
		while ((n = recv(s->spawner, &ans, sizeof(ans), 0)) < 0 &&
		    errno == EINTR)
			;
	if (n != (ssize_t)sizeof(ans)) { /* it went: we fork them now */
		close(s->spawner);
		s->spawner = -1;
		return 0;
	}
	if (ans < 0) {
		errno = -ans;
		return -1;
	}
	return (pid_t)ans;
}

/* "make": the jail's init, started; its report comes on j->readyfd. */
static void
jail_super_make(struct jail_super *s, int client, char *msg, int homefd)
{
	struct clone_args ca = { .flags = CLONE_NEWPID,
		.exit_signal = SIGCHLD };
	struct jail_sj *j = NULL, **nv;
	struct jail_rec r = { 0 };
	char *name = msg, *nl;
	int ready[2] = { -1, -1 };
	struct stat st;
	pid_t pid;
	FILE *fp;

	if ((nl = strchr(name, '\n')) == NULL)
		goto bad;
	*nl++ = '\0';
	if ((fp = fmemopen(nl, strlen(nl), "r")) == NULL)
		goto bad;
	if (jail_rec_load(fp, name, &r) != 0) {
		fclose(fp);
		goto bad;
	}
	fclose(fp);
	if (s->n == s->cap) {
		size_t cap = s->cap ? 2 * s->cap : 64;

		if ((nv = realloc(s->v, cap * sizeof(*nv))) == NULL)
			goto nomem;
		s->v = nv;
		s->cap = cap;
	}
	if ((j = calloc(1, sizeof(*j))) == NULL)
		goto nomem;
	snprintf(j->name, sizeof(j->name), "%s", r.name);
	j->jid = r.jid;
	j->own_net = r.own_net;
	j->netfd = j->readyfd = -1;
	j->client = j->maker = client;
	/* the interfaces of a jail made from our namespace come home here */
	j->homefd = homefd;
	if (homefd >= 0 && fstat(homefd, &st) == 0 && st.st_dev == s->netdev &&
	    st.st_ino == s->netino) {
		close(homefd);
		j->homefd = -1;
	}
	homefd = -1;
	if (pipe2(ready, O_CLOEXEC) != 0) {
		jail_super_reply(client, "err pipe: %s", strerror(errno));
		goto out;
	}
	/* init, PID 1 of a PID namespace of its own, our child */
	nl[-1] = '\n'; /* the request as it came, for the spawner */
	if ((pid = jail_super_spawn_init(s, name, j->homefd, ready[1])) == 0) {
		pid = (pid_t)syscall(SYS_clone3, &ca, sizeof(ca));
		if (pid == 0)
			jail_init_child(&r, j->homefd, ready[1], &s->nofile,
			    false, NULL);
	}
	if (pid < 0) {
		jail_super_reply(client, "err clone: %s", strerror(errno));
		goto out;
	}
	close(ready[1]);
	ready[1] = -1;
	j->pid = pid;
	j->readyfd = ready[0];
	ready[0] = -1;
	if (jail_super_watch(s, j->readyfd, JSE_READY) != 0) {
		/* no report will come: it dies, and its reaping answers */
		kill(pid, SIGKILL);
		close(j->readyfd);
		j->readyfd = -1;
		jail_super_reply(client, "err epoll: %s", strerror(errno));
		j->client = -1;
	}
	s->v[s->n++] = j;
	j = NULL;
	goto out;
nomem:
	jail_super_reply(client, "err %s", strerror(ENOMEM));
	goto out;
bad:
	jail_super_reply(client, "err a request the supervisor cannot read");
out:
	if (ready[0] >= 0)
		close(ready[0]);
	if (ready[1] >= 0)
		close(ready[1]);
	if (homefd >= 0)
		close(homefd);
	if (j != NULL) {
		if (j->homefd >= 0)
			close(j->homefd);
		free(j);
	}
	jail_rec_free(&r);
}

/* init's report, or its end: the answer to the "make" that started it. */
static void
jail_super_ready(struct jail_super *s, struct jail_sj *j)
{
	char err[512], src[64];
	ssize_t n;

	n = read(j->readyfd, j->rep + j->nrep, sizeof(j->rep) - 1 - j->nrep);
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n > 0) {
		j->nrep += (size_t)n;
		j->rep[j->nrep] = '\0';
		if (strchr(j->rep, '\n') == NULL &&
		    j->nrep < sizeof(j->rep) - 1)
			return;
	}
	j->rep[j->nrep] = '\0';
	j->rep[strcspn(j->rep, "\n")] = '\0';
	jail_super_unwatch(s, j->readyfd);
	j->readyfd = -1;
	if (strcmp(j->rep, "ok") != 0) {
		if (j->client >= 0)
			jail_super_reply(j->client, "%s",
			    strncmp(j->rep, "err ", 4) == 0 ?
				j->rep :
				"err the jail's init failed");
		kill(j->pid, SIGKILL);
		j->client = -1;
		return;
	}
	j->start = jail_proc_start(j->pid);
	if (j->own_net) {
		snprintf(src, sizeof(src), "/proc/%d/ns/net", (int)j->pid);
		if ((j->netfd = open(src, O_RDONLY | O_CLOEXEC)) < 0)
			snprintf(err, sizeof(err), "%s: %s", src,
			    strerror(errno));
		if (j->netfd < 0 ||
		    jail_bind_netns(j->name, j->pid, err, sizeof(err)) != 0) {
			if (j->client >= 0)
				jail_super_reply(j->client, "err %s", err);
			if (j->netfd >= 0)
				close(j->netfd);
			j->netfd = -1;
			kill(j->pid, SIGKILL);
			j->client = -1;
			return;
		}
	}
	/* nobody to write the record: the jail goes again */
	if (j->client < 0 ||
	    !jail_super_reply(j->client, "ok %d %llu %d %llu", (int)j->pid,
		j->start, (int)s->pid, s->start))
		kill(j->pid, SIGKILL);
	j->client = -1;
}

/* Every init that died: reaped, its jail marked for the teardown. */
static void
jail_super_reap(struct jail_super *s)
{
	pid_t pid;

	while ((pid = waitpid(-1, NULL, WNOHANG)) > 0)
		for (size_t i = 0; i < s->n; i++)
			if (s->v[i]->pid == pid) {
				s->v[i]->dead = true;
				break;
			}
}

/* Is j's record the one under its name (a look without the lock)? */
static bool
jail_super_recorded(const struct jail_sj *j)
{
	struct jail_rec r;
	bool same;

	if (jail_rec_read(j->name, &r) != 0)
		return false;
	same = r.jid == j->jid && r.init_pid == j->pid &&
	    r.init_start == j->start;
	jail_rec_free(&r);
	return same;
}

/*
 * A jail(8) gone (it closed its connection when it exited): a jail it
 * had us make and never recorded (killed in between) goes again.
 */
static void
jail_super_orphans(struct jail_super *s, int client)
{
	for (size_t i = 0; i < s->n; i++) {
		struct jail_sj *j = s->v[i];

		if (j->maker != client)
			continue;
		j->maker = -1;
		if (j->client == client)
			j->client = -1;
		if (!j->dead && j->readyfd < 0 && !jail_super_recorded(j))
			kill(j->pid, SIGKILL);
	}
}

/* Is there anything of j's left to tear down (a look without the lock)? */
static bool
jail_super_left(const struct jail_sj *j)
{
	char path[PATH_MAX];

	if (jail_super_recorded(j))
		return true;
	/* its name, if jail(8) never wrote the record (it failed, or died) */
	snprintf(path, sizeof(path), "%s/%s", JAIL_NETNSDIR, j->name);
	return j->netfd >= 0 && jail_same_file(j->netfd, path);
}

/*
 * The dead jails' teardowns.  Returns true when some wait for the lock
 * (jail(8) has it: it is removing jails, or making one).
 */
static bool
jail_super_finish(struct jail_super *s)
{
	struct jail_rec r;
	bool later = false;
	int lock = -1;

	for (size_t i = 0; i < s->n;) {
		struct jail_sj *j = s->v[i];

		if (!j->dead || j->readyfd >= 0) {
			i++;
			continue;
		}
		if (!jail_super_left(j)) {
			jail_super_drop(s, i);
			continue;
		}
		if (lock < 0 && jail_trylock(&lock) != 0) {
			lock = -1;
			later = true;
			i++;
			continue;
		}
		if (jail_rec_read(j->name, &r) == 0) {
			if (r.jid == j->jid && r.init_pid == j->pid &&
			    r.init_start == j->start)
				(void)jail_teardown(&r, j->homefd, j->netfd, 0);
			else
				jail_unbind_netns(j->name, j->netfd);
			jail_rec_free(&r);
		} else {
			jail_unbind_netns(j->name, j->netfd);
		}
		jail_super_drop(s, i);
	}
	if (lock >= 0) {
		jail_ng_close(); /* ngd keeps no connection of ours meanwhile */
		jail_unlock(lock);
	}
	return later;
}

/*
 * No jail left and no jail(8) connected (but `keep' of them: the one
 * asking) nor connecting: go.
 */
/*
 * The host's main table changed: the raw sockets' routes of each living
 * IP-alias jail at home here made again (jail_ipalias_routes).  Under the
 * lock, which we never wait for: false when it was taken (again soon).
 */
static bool
jail_super_routes(struct jail_super *s)
{
	struct jail_rec r;
	size_t any = 0;
	int lock;

	/* its own stack, or another's than ours: not these routes */
#define JAIL_ON_OUR_STACK(j)                                                   \
	(!(j)->dead && (j)->readyfd < 0 && !(j)->own_net && (j)->homefd < 0)
	for (size_t i = 0; i < s->n; i++)
		any += JAIL_ON_OUR_STACK(s->v[i]);
	if (any == 0)
		return true;
	if (jail_trylock(&lock) != 0)
		return false;
	for (size_t i = 0; i < s->n; i++) {
		struct jail_sj *j = s->v[i];

		if (!JAIL_ON_OUR_STACK(j))
			continue;
		if (jail_rec_read(j->name, &r) != 0)
			continue;
		if (r.jid == j->jid && r.init_pid == j->pid &&
		    r.init_start == j->start)
			(void)jail_ipalias_routes(&r);
		jail_rec_free(&r);
	}
	jail_unlock(lock);
	return true;
#undef JAIL_ON_OUR_STACK
}

static bool
jail_super_may_go(struct jail_super *s, size_t keep)
{
	struct pollfd pfd = { .fd = s->lfd, .events = POLLIN };
	struct stat st;
	int lock;

	if (s->n > 0 || s->nclients > keep)
		return false;
	if ((lock = open(JAIL_SUPER_LOCK, O_RDWR | O_CREAT | O_CLOEXEC, 0600)) <
	    0)
		return true;
	while (flock(lock, LOCK_EX) != 0 && errno == EINTR)
		;
	if (poll(&pfd, 1, 0) > 0) {
		close(lock);
		return false;
	}
	/* our socket, not one a jail(8) made since it found ours dead */
	if (stat(JAIL_SUPER_SOCK, &st) == 0 && st.st_ino == s->sockino &&
	    st.st_dev == s->sockdev)
		unlink(JAIL_SUPER_SOCK);
	close(s->lfd);
	s->lfd = -1;
	close(lock);
	return true;
}

/* A request on a connection; false: the connection is gone. */
static bool
jail_super_request(struct jail_super *s, int client)
{
	char cbuf[CMSG_SPACE(sizeof(int))], *buf;
	struct msghdr mh = { 0 };
	struct cmsghdr *cm;
	struct iovec iov;
	ssize_t n;
	int fd = -1;

	n = recv(client, NULL, 0, MSG_PEEK | MSG_TRUNC | MSG_DONTWAIT);
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return true;
	if (n <= 0 || (buf = malloc((size_t)n + 1)) == NULL)
		return false;
	iov.iov_base = buf;
	iov.iov_len = (size_t)n;
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = cbuf;
	mh.msg_controllen = sizeof(cbuf);
	if ((n = recvmsg(client, &mh, MSG_CMSG_CLOEXEC | MSG_DONTWAIT)) <= 0) {
		free(buf);
		return n < 0 && (errno == EINTR || errno == EAGAIN);
	}
	buf[n] = '\0';
	for (cm = CMSG_FIRSTHDR(&mh); cm != NULL; cm = CMSG_NXTHDR(&mh, cm))
		if (cm->cmsg_level == SOL_SOCKET &&
		    cm->cmsg_type == SCM_RIGHTS &&
		    cm->cmsg_len == CMSG_LEN(sizeof(int)) && fd < 0)
			memcpy(&fd, CMSG_DATA(cm), sizeof(int));
	if (strncmp(buf, "make\n", 5) == 0) {
		jail_super_make(s, client, buf + 5, fd); /* consumes fd */
		fd = -1;
	} else if (strcmp(buf, "sync") == 0) {
		jail_super_reap(s);
		(void)jail_super_finish(s);
		if (jail_super_may_go(s, 1)) {
			jail_super_reply(client, "bye");
			free(buf);
			_exit(0);
		}
		jail_super_reply(client, "busy");
	} else {
		jail_super_reply(client, "err unknown request");
	}
	if (fd >= 0)
		close(fd);
	free(buf);
	return true;
}

int
jail_ns_super(int lfd)
{
	struct epoll_event evs[64];
	struct jail_super s = { .lfd = lfd, .pid = getpid() };
	struct signalfd_siginfo si;
	struct rlimit rl;
	struct stat st;
	bool later = false, routes_only;
	sigset_t set;
	int nev, wait;

	prctl(PR_SET_NAME, "jail super");
	if (chdir("/") != 0)
		return 1;
	s.start = jail_proc_start(s.pid);
	if (stat("/proc/self/ns/net", &st) == 0) {
		s.netdev = st.st_dev;
		s.netino = st.st_ino;
	}
	/* listen() again: SO_PEERCRED names who called it last, and
	 * clients ask for our PID so (jail_super_dial1) */
	(void)listen(lfd, 128);
	/* ours: the jail(8) that bound it holds the lock until we run */
	if (stat(JAIL_SUPER_SOCK, &st) == 0) {
		s.sockdev = st.st_dev;
		s.sockino = st.st_ino;
	}
	/* a home namespace and a network namespace a jail */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		s.nofile = rl;
		rl.rlim_cur = rl.rlim_max;
		(void)setrlimit(RLIMIT_NOFILE, &rl);
	} else {
		(void)getrlimit(RLIMIT_NOFILE, &s.nofile);
	}
	signal(SIGPIPE, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigprocmask(SIG_BLOCK, &set, NULL);
	if ((s.sigfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK)) < 0 ||
	    (s.efd = epoll_create1(EPOLL_CLOEXEC)) < 0 ||
	    fcntl(lfd, F_SETFD, FD_CLOEXEC) != 0 ||
	    jail_super_watch(&s, lfd, JSE_LISTEN) != 0 ||
	    jail_super_watch(&s, s.sigfd, JSE_SIGNAL) != 0)
		return 1;
	jail_super_spawner(&s);
	/*
	 * The routes of the IP-alias jails' raw sockets follow the main
	 * table (jail_ipalias.c): without this socket they are the table
	 * as it was when each jail was made or modified.
	 */
	if (jail_nl_watch_routes(&s.routes) == 0 &&
	    jail_super_watch(&s, s.routes, JSE_ROUTES) != 0) {
		close(s.routes);
		s.routes = -1;
	}
	for (;;) {
		/* no jail: go, once nothing waits to be read */
		wait = s.n == 0 && s.nclients == 0 ? 0 :
		    later                          ? JAIL_SUPER_RETRY_MS :
						     -1;
		if (s.routes_due != 0 && wait != 0) {
			uint64_t now = jail_now_ms();
			int until = now >= s.routes_due ?
			    0 :
			    (int)(s.routes_due - now);

			wait = wait < 0 || until < wait ? until : wait;
		}
		nev = epoll_wait(s.efd, evs, 64, wait);
		if (nev < 0 && errno != EINTR)
			return 1;
		/* route changes (a jail's own teardown makes some) keep no
		 * supervisor that has nothing else left to do */
		routes_only = nev > 0;
		for (int e = 0; e < nev && routes_only; e++)
			routes_only = JSE_KIND(evs[e].data.u64) == JSE_ROUTES;
		if ((nev == 0 || routes_only) && s.n == 0 && s.nclients == 0 &&
		    jail_super_may_go(&s, 0)) {
			free(s.v); /* no jail left in it */
			return 0;
		}
		for (int e = 0; e < nev; e++) {
			int fd = JSE_FD(evs[e].data.u64), c;

			switch (JSE_KIND(evs[e].data.u64)) {
			case JSE_ROUTES:
				/* at most one refresh each JAIL_ROUTES_WAIT_MS,
				 * however many changes come */
				if (jail_nl_routes_moved(fd) &&
				    s.routes_due == 0)
					s.routes_due = jail_now_ms() +
					    JAIL_ROUTES_WAIT_MS;
				break;
			case JSE_LISTEN:
				c = accept4(fd, NULL, NULL, SOCK_CLOEXEC);
				if (c >= 0 &&
				    jail_super_watch(&s, c, JSE_CLIENT) != 0)
					close(c);
				else if (c >= 0)
					s.nclients++;
				break;
			case JSE_SIGNAL:
				while (read(fd, &si, sizeof(si)) ==
				    sizeof(si)) {
					if (si.ssi_signo == SIGCHLD)
						continue;
					/* SIGTERM: every jail ends */
					for (size_t i = 0; i < s.n; i++)
						kill(s.v[i]->pid, SIGKILL);
				}
				jail_super_reap(&s);
				break;
			case JSE_CLIENT:
				if (jail_super_request(&s, fd))
					break;
				jail_super_orphans(&s, fd);
				jail_super_unwatch(&s, fd);
				s.nclients--;
				break;
			case JSE_READY:
				for (size_t i = 0; i < s.n; i++)
					if (s.v[i]->readyfd == fd) {
						jail_super_ready(&s, s.v[i]);
						break;
					}
				break;
			}
		}
		later = jail_super_finish(&s);
		if (s.routes_due != 0 && jail_now_ms() >= s.routes_due)
			s.routes_due = jail_super_routes(&s) ?
			    0 :
			    jail_now_ms() + JAIL_SUPER_RETRY_MS;
	}
}

/* --- jail(8)'s side: its connection to the supervisor -------------------- */

static int jail_super_cs = -1;
static pid_t jail_super_cs_owner; /* the process whose connection it is */
static pid_t jail_super_peer;     /* the supervisor's PID */

extern char **environ;

static void
jail_super_hangup(void)
{
	if (jail_super_cs >= 0 && jail_super_cs_owner == getpid())
		close(jail_super_cs);
	jail_super_cs = -1;
}

static int
jail_super_dial1(int *fdp)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct ucred cr;
	socklen_t len = sizeof(cr);
	int fd;

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", JAIL_SUPER_SOCK);
	if ((fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0)) < 0)
		return errno;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		int error = errno;

		close(fd);
		return error;
	}
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &len) == 0)
		jail_super_peer = cr.pid;
	*fdp = fd;
	return 0;
}

/* A supervisor listening on lfd, which it gets as its descriptor 3; its
 * PID to *pidp. */
static int
jail_super_spawn(int lfd, pid_t *pidp)
{
	char *argv[] = { "jail", JAIL_SUPER_ARG, NULL };
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	sigset_t none, all;
	pid_t pid;
	int error;

	if (lfd == 3) { /* dup2 onto itself would keep close-on-exec */
		int fd = fcntl(3, F_DUPFD_CLOEXEC, 4);

		if (fd < 0)
			return errno;
		close(3);
		lfd = fd;
	}
	sigemptyset(&none);
	sigfillset(&all);
	posix_spawn_file_actions_init(&fa);
	posix_spawnattr_init(&at);
	/* nothing of ours: not our terminal, not the pipes a test reads */
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDWR, 0);
	posix_spawn_file_actions_adddup2(&fa, 0, 1);
	posix_spawn_file_actions_adddup2(&fa, 0, 2);
	posix_spawn_file_actions_adddup2(&fa, lfd, 3);
	posix_spawnattr_setflags(&at,
	    POSIX_SPAWN_SETSID | POSIX_SPAWN_SETSIGMASK |
		POSIX_SPAWN_SETSIGDEF);
	posix_spawnattr_setsigmask(&at, &none);
	posix_spawnattr_setsigdefault(&at, &all);
	error = posix_spawn(&pid, "/proc/self/exe", &fa, &at, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&at);
	close(lfd);
	if (error == 0)
		*pidp = pid;
	return error;
}

/*
 * Our connection to the supervisor, which is started when none answers
 * (start) under the exclusive lock; connecting takes the shared one, so
 * a supervisor never goes between our connect and its accept.
 */
static int
jail_super_conn(bool start, int *fdp)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int lock, lfd = -1, fd, error;
	pid_t spid = 0;

	if (jail_super_cs_owner != getpid()) {
		/* a child of the jail(8) that connected (jail -p) */
		if (jail_super_cs >= 0)
			close(jail_super_cs); /* our copy; not the parent's */
		jail_super_cs = -1;
		jail_super_cs_owner = getpid();
	}
	if (jail_super_cs >= 0) {
		*fdp = jail_super_cs;
		return 0;
	}
	/* only to ask: no lock (one that goes meanwhile does not answer) */
	if (!start && (error = jail_super_dial1(&fd)) != 0)
		return error;
	if (!start) {
		jail_super_cs = *fdp = fd;
		return 0;
	}
	if (mkdir(JAIL_RUNDIR, 0755) != 0 && errno != EEXIST)
		return errno;
	if ((lock = open(JAIL_SUPER_LOCK, O_RDWR | O_CREAT | O_CLOEXEC, 0600)) <
	    0)
		return errno;
	while (flock(lock, LOCK_SH) != 0 && errno == EINTR)
		;
	if ((error = jail_super_dial1(&fd)) == 0)
		goto out;
	while (flock(lock, LOCK_EX) != 0 && errno == EINTR)
		;
	if ((error = jail_super_dial1(&fd)) == 0)
		goto out; /* another jail(8) started one meanwhile */
	(void)unlink(JAIL_SUPER_SOCK);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", JAIL_SUPER_SOCK);
	if ((lfd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0)) < 0 ||
	    fchmod(lfd, 0600) != 0 ||
	    bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
	    listen(lfd, 128) != 0) {
		error = errno;
		if (lfd >= 0)
			close(lfd);
		goto out;
	}
	/* SO_PEERCRED names who called listen(), we: the supervisor's PID
	 * is the one we spawned (jail_ns_settle waits for it to go) */
	if ((error = jail_super_spawn(lfd, &spid)) == 0 &&
	    (error = jail_super_dial1(&fd)) == 0)
		jail_super_peer = spid;
out:
	flock(lock, LOCK_UN);
	close(lock);
	if (error != 0)
		return error;
	jail_super_cs = *fdp = fd;
	return 0;
}

/* One request, one reply (buf, NUL-terminated); fd goes along if >= 0. */
static int
jail_super_ask(int cs, const char *msg, size_t len, int fd, char *buf,
    size_t size)
{
	char cbuf[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { .iov_base = (void *)msg, .iov_len = len };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct cmsghdr *cm;
	ssize_t n;

	if (fd >= 0) {
		memset(cbuf, 0, sizeof(cbuf));
		mh.msg_control = cbuf;
		mh.msg_controllen = sizeof(cbuf);
		cm = CMSG_FIRSTHDR(&mh);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	}
	while (sendmsg(cs, &mh, MSG_NOSIGNAL) < 0)
		if (errno != EINTR)
			return errno;
	while ((n = recv(cs, buf, size - 1, 0)) < 0)
		if (errno != EINTR)
			return errno;
	if (n == 0)
		return ECONNRESET; /* it went meanwhile */
	buf[n] = '\0';
	return 0;
}

int
jail_ns_create(struct jail_rec *r, char *err, size_t errlen)
{
	char *msg = NULL, buf[700];
	size_t len = 0;
	struct stat st;
	int homefd, cs, ipid, spid, error = 0;
	unsigned long long istart, sstart;
	FILE *fp;

	r->own_net = jail_want_net(&r->params);
	if (stat("/proc/self/ns/net", &st) == 0) {
		r->home_dev = st.st_dev;
		r->home_ino = st.st_ino;
	}
	if ((fp = open_memstream(&msg, &len)) == NULL)
		return errno;
	fprintf(fp, "make\n%s\n", r->name);
	jail_rec_dump(fp, r);
	if (fclose(fp) != 0) {
		free(msg);
		return ENOMEM;
	}
	if ((homefd = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC)) < 0) {
		error = errno;
		free(msg);
		snprintf(err, errlen, "/proc/self/ns/net: %s", strerror(error));
		return error;
	}
	/* twice at most: the supervisor we reached may have gone since */
	for (int tries = 0; tries < 3; tries++) {
		if ((error = jail_super_conn(true, &cs)) != 0)
			break;
		if ((error = jail_super_ask(cs, msg, len, homefd, buf,
			 sizeof(buf))) == 0)
			break;
		jail_super_hangup();
	}
	close(homefd);
	free(msg);
	if (error != 0) {
		snprintf(err, errlen, "the jail supervisor: %s",
		    strerror(error));
		return error;
	}
	if (sscanf(buf, "ok %d %llu %d %llu", &ipid, &istart, &spid, &sstart) ==
	    4) {
		r->init_pid = ipid;
		r->init_start = istart;
		r->super_pid = spid;
		r->super_start = sstart;
		return 0;
	}
	snprintf(err, errlen, "%s",
	    strncmp(buf, "err ", 4) == 0 ? buf + 4 : "cannot start the jail");
	return EINVAL;
}

void
jail_ns_settle(void)
{
	struct pollfd pfd = { .fd = -1, .events = POLLIN };
	char buf[64];
	int cs;

	if (jail_super_conn(false, &cs) != 0)
		return;
	/* opened before it may go: its PID is not someone else's yet */
	pfd.fd = (int)syscall(SYS_pidfd_open, jail_super_peer, 0);
	if (jail_super_ask(cs, "sync", 4, -1, buf, sizeof(buf)) == 0 &&
	    strcmp(buf, "bye") == 0 && pfd.fd >= 0)
		while (poll(&pfd, 1, 5000) < 0 && errno == EINTR)
			;
	if (pfd.fd >= 0)
		close(pfd.fd);
	jail_super_hangup();
}

/* --- the running jail ---------------------------------------------------- */

static int
jail_pidfd_checked(pid_t pid, unsigned long long start, int *fdp)
{
	int fd;

	if (pid <= 0)
		return ESRCH;
	if ((fd = (int)syscall(SYS_pidfd_open, pid, 0)) < 0)
		return errno;
	/* the pid may have been reused before we got the pidfd */
	if (jail_proc_start(pid) != start) {
		close(fd);
		return ESRCH;
	}
	*fdp = fd;
	return 0;
}

int
jail_ns_pidfd(const struct jail_rec *r, int *fdp)
{
	return jail_pidfd_checked(r->init_pid, r->init_start, fdp);
}

/*
 * Tell init whether to outlive its last process.  A jail left without
 * persist and without processes is gone when this returns, as on
 * FreeBSD: we wait for its init to end, and tear it down unless the
 * supervisor has.
 */
int
jail_ns_set_persist(const struct jail_rec *r, bool persist)
{
	struct pollfd pfd = { .events = POLLIN };
	struct jail_rec now;
	pid_t *pids;
	size_t n;
	int error = 0;

	if ((error = jail_ns_pidfd(r, &pfd.fd)) != 0)
		return error;
	if (syscall(SYS_pidfd_send_signal, pfd.fd, persist ? SIGUSR1 : SIGUSR2,
		NULL, 0) != 0)
		error = errno;
	if (error == 0 && !persist && jail_ns_pids(r, &pids, &n) == 0) {
		free(pids);
		if (n == 0)
			while (poll(&pfd, 1, 10000) < 0 && errno == EINTR)
				;
	}
	close(pfd.fd);
	if (error == 0 && !persist && !jail_rec_alive(r) &&
	    jail_rec_read(r->name, &now) == 0) {
		if (now.jid == r->jid)
			(void)jail_ns_destroy(&now);
		jail_rec_free(&now);
	}
	return error;
}

/*
 * Removing many jails, each looking through /proc for its processes
 * (and the supervisor for processes in its network) costs a stat per
 * process of the machine per jail: with 1,000 jails, 2,000 processes,
 * most of the removal time.  jail_ns_scan() reads /proc once (each
 * process's PID and network namespaces) and jail_ns_pids() and
 * jail_ns_destroy() use that, checking each process it names is still
 * the same one.  A process started after the scan is not seen: it is
 * killed with the jail's init rather than sent SIGTERM first.
 */
struct jail_scan_ent {
	pid_t pid;
	dev_t piddev, netdev;
	ino_t pidino, netino;
	unsigned long long start;
};

static struct jail_scan_ent *jail_scan;
static size_t jail_nscan;
static bool jail_scanned;

void
jail_ns_scan(void)
{
	struct jail_scan_ent *v = NULL, *nv;
	struct dirent *de;
	struct stat a, b;
	char path[64];
	size_t n = 0, cap = 0;
	DIR *d;

	jail_ns_scan_drop();
	if ((d = opendir("/proc")) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		pid_t pid;

		if (!jail_is_number(de->d_name))
			continue;
		pid = atoi(de->d_name);
		snprintf(path, sizeof(path), "/proc/%d/ns/pid", (int)pid);
		if (stat(path, &a) != 0)
			continue;
		snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)pid);
		if (stat(path, &b) != 0)
			continue;
		if (n == cap) {
			cap = cap ? 2 * cap : 256;
			if ((nv = realloc(v, cap * sizeof(*v))) == NULL) {
				free(v);
				closedir(d);
				return; /* no snapshot: each jail looks itself */
			}
			v = nv;
		}
		v[n++] = (struct jail_scan_ent){ pid, a.st_dev, b.st_dev,
			a.st_ino, b.st_ino, 0 };
	}
	closedir(d);
	jail_scan = v;
	jail_nscan = n;
	jail_scanned = true;
}

void
jail_ns_scan_drop(void)
{
	free(jail_scan);
	jail_scan = NULL;
	jail_nscan = 0;
	jail_scanned = false;
}

/* From the snapshot: the jail's processes but init, or (net) those in
 * its network namespace but not in its PID namespace. */
static int
jail_scan_pids(const struct jail_rec *r, bool net, pid_t **pidsp, size_t *np)
{
	char path[64];
	struct stat ns, nets;
	pid_t *pids, self = getpid();
	size_t n = 0;

	*pidsp = NULL;
	*np = 0;
	snprintf(path, sizeof(path), "/proc/%d/ns/pid", (int)r->init_pid);
	if (stat(path, &ns) != 0)
		return errno;
	snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)r->init_pid);
	if (stat(path, &nets) != 0)
		return errno;
	if ((pids = calloc(jail_nscan + 1, sizeof(*pids))) == NULL)
		return ENOMEM;
	for (size_t i = 0; i < jail_nscan; i++) {
		const struct jail_scan_ent *e = &jail_scan[i];
		bool inpid = e->pidino == ns.st_ino && e->piddev == ns.st_dev;
		bool innet = e->netino == nets.st_ino &&
		    e->netdev == nets.st_dev;

		if (e->pid == r->init_pid || e->pid == self)
			continue;
		if (net ? !innet || inpid : !inpid)
			continue;
		if (jail_proc_start(e->pid) == 0)
			continue; /* gone, or a zombie */
		pids[n++] = e->pid;
	}
	*pidsp = pids;
	*np = n;
	return 0;
}

int
jail_ns_pids(const struct jail_rec *r, pid_t **pidsp, size_t *np)
{
	char path[64];
	struct stat ns, st;
	struct dirent *de;
	pid_t *pids = NULL, *nv;
	size_t n = 0;
	DIR *d;

	if (jail_scanned)
		return jail_scan_pids(r, false, pidsp, np);
	*pidsp = NULL;
	*np = 0;
	snprintf(path, sizeof(path), "/proc/%d/ns/pid", (int)r->init_pid);
	if (stat(path, &ns) != 0)
		return errno;
	if ((d = opendir("/proc")) == NULL)
		return errno;
	while ((de = readdir(d)) != NULL) {
		pid_t pid;

		if (!jail_is_number(de->d_name))
			continue;
		pid = atoi(de->d_name);
		if (pid == r->init_pid)
			continue;
		snprintf(path, sizeof(path), "/proc/%d/ns/pid", (int)pid);
		if (stat(path, &st) != 0 || st.st_ino != ns.st_ino ||
		    st.st_dev != ns.st_dev || jail_proc_start(pid) == 0)
			continue;
		if ((nv = realloc(pids, (n + 1) * sizeof(*nv))) == NULL)
			break;
		pids = nv;
		pids[n++] = pid;
	}
	closedir(d);
	*pidsp = pids;
	*np = n;
	return 0;
}

/*
 * Before the jail goes, its interfaces of ngd's own come home through
 * our connection to ngd (the supervisor would open one a jail) and
 * leave the record, so the supervisor's teardown has only the others.
 */
static void
jail_ng_home(const struct jail_rec *r)
{
	struct jail_rec now;
	size_t k = 0;
	bool any = false;
	int lock;

	for (size_t i = 0; i < r->nifaces; i++)
		any = any || r->ifaces[i].ng;
	if (!any || !jail_ng_at_home(r) || jail_lock(&lock) != 0)
		return;
	if (jail_rec_read(r->name, &now) == 0) {
		if (now.jid == r->jid && jail_rec_alive(&now)) {
			for (size_t i = 0; i < now.nifaces; i++) {
				int e = ENOENT;

				if (now.ifaces[i].ng &&
				    (e = jail_ng_vnet(now.ifaces[i].name,
					 "")) == 0)
					continue;
				if (e == ETIMEDOUT) /* a test's hold */
					jail_test_hold("JAIL_TEST_HOME_LATE",
					    false);
				now.ifaces[k++] = now.ifaces[i];
			}
			if (k != now.nifaces) {
				now.nifaces = k;
				(void)jail_rec_write(&now);
			}
		}
		jail_rec_free(&now);
	}
	jail_unlock(lock);
}

int
jail_ns_destroy(struct jail_rec *r)
{
	struct pollfd pfd = { .fd = -1, .events = POLLIN };
	struct jail_rec now;
	char path[64];
	int lock, netfd = -1, flags = 0, error = 0;

	jail_ng_home(r);
	if (jail_ns_pidfd(r, &pfd.fd) == 0) {
		pid_t *strangers;
		size_t n;

		/* nobody else in its network: no look through /proc */
		if (r->own_net && jail_scanned &&
		    jail_scan_pids(r, true, &strangers, &n) == 0) {
			if (n == 0)
				flags |= JT_NOSCAN;
			free(strangers);
		}
		/* its network by its init: the name may have gone by hand */
		snprintf(path, sizeof(path), "/proc/%d/ns/net",
		    (int)r->init_pid);
		if (r->own_net)
			netfd = open(path, O_RDONLY | O_CLOEXEC);
		(void)syscall(SYS_pidfd_send_signal, pfd.fd, SIGKILL, NULL, 0);
		/* the kernel ends every process of the jail before its init */
		while (poll(&pfd, 1, 30000) < 0 && errno == EINTR)
			;
		close(pfd.fd);
	}
	/* the teardown, here or by the supervisor: whoever comes first */
	if ((error = jail_lock(&lock)) == 0) {
		if (jail_rec_read(r->name, &now) == 0) {
			now.named = r->named;
			if (now.jid == r->jid)
				error = jail_teardown(&now, -1, netfd, flags);
			jail_rec_free(&now);
		}
		jail_unlock(lock);
	}
	if (netfd >= 0)
		close(netfd);
	return error;
}

/*
 * Removing many jails (jail -r of several).  One by one, each waits for
 * its init's death (the kernel tearing its PID, mount, UTS and IPC
 * namespaces down), then tears down; dropping /run/netns/NAME waits for
 * an RCU grace period, and ngd deletes the jail's old interface device,
 * another grace period.  Here, with the lock held once for all: each
 * jail's init is killed and we tear down (the supervisor, reaping it,
 * finds the record gone) while the kernel ends the jails' processes,
 * all at once.  Workers drop the names from /run/netns, taking each
 * jail as soon as it is torn down: each umount waits for an expedited
 * RCU grace period, holding no lock, and umounts at once share grace
 * periods (300 names: 0.2-0.4 s after the teardown with 8 workers,
 * 0.04-0.06 s with 32, on 2 busy cores).  ngd brings each jail's
 * interfaces home as its name goes (its watch of /run/netns), and we do
 * not wait for it: interfaces return asynchronously, as FreeBSD's dying
 * vnets give theirs back (spec/jail.md section 6), and as `ip netns
 * del` returns before the kernel has released the namespace's devices.
 * ngd answers any message only once the names gone before it have their
 * interfaces home, so every ngctl, jail or jng step after us sees them
 * home; `jail -c` of one asks ngd first (jail_move_ifaces).  The old
 * devices go with the dying namespaces, together.  A jail whose
 * interfaces belong to another network namespace than ours goes the
 * slow way (jail_ns_destroy).  errs[i] gets rs[i]'s error (0:
 * removed).  Call without the lock.
 */
#define JAIL_DESTROY_WORKERS 32

struct jail_destroy_job {
	struct jail_rec *rs;
	int *errs;
	bool *unbind;             /* its name is ours to drop */
	unsigned long long *nsid; /* dev and inode of that namespace */
	size_t n;
	size_t next;  /* the next jail a worker takes */
	size_t ready; /* jails torn down so far: the workers' to finish */
	pthread_mutex_t mu;
	pthread_cond_t cv;
};

static void *
jail_destroy_worker(void *arg)
{
	struct jail_destroy_job *j = arg;
	char path[PATH_MAX];
	struct stat st;
	size_t i;

	for (;;) {
		pthread_mutex_lock(&j->mu);
		while (j->next >= j->ready && j->ready < j->n)
			pthread_cond_wait(&j->cv, &j->mu);
		i = j->next++;
		pthread_mutex_unlock(&j->mu);
		if (i >= j->n)
			break;
		if (j->unbind[i]) {
			jail_netns_path(j->rs[i].name, path, sizeof(path));
			/* still the jail's, not a namespace made since */
			if (stat(path, &st) == 0 &&
			    st.st_dev == j->nsid[2 * i] &&
			    st.st_ino == j->nsid[2 * i + 1]) {
				(void)umount2(path, MNT_DETACH);
				(void)unlink(path);
			}
		}
	}
	return NULL;
}

void
jail_ns_destroy_many(struct jail_rec *rs, size_t n, int *errs)
{
	struct jail_destroy_job j = { .rs = rs, .errs = errs, .n = n };
	pthread_t tid[JAIL_DESTROY_WORKERS];
	size_t nt = 0;
	struct jail_rec now;
	char path[PATH_MAX];
	struct stat st;
	struct rlimit rl, rl0 = { 0, 0 };
	int lock, error = 0, fd, netfd, *ifd;

	j.unbind = calloc(n + 1, sizeof(*j.unbind));
	j.nsid = calloc(2 * n + 2, sizeof(*j.nsid));
	ifd = malloc((n + 1) * sizeof(*ifd));
	pthread_mutex_init(&j.mu, NULL);
	pthread_cond_init(&j.cv, NULL);
	for (size_t i = 0; ifd != NULL && i < n; i++)
		ifd[i] = -1;
	/* a pidfd an init: as many as the hard limit allows */
	if (getrlimit(RLIMIT_NOFILE, &rl0) == 0 &&
	    rl0.rlim_cur < rl0.rlim_max) {
		rl = rl0;
		rl.rlim_cur = rl.rlim_max;
		(void)setrlimit(RLIMIT_NOFILE, &rl);
	}
	if (j.unbind == NULL || j.nsid == NULL || ifd == NULL ||
	    (error = jail_lock(&lock)) != 0) {
		for (size_t i = 0; i < n; i++)
			errs[i] = error != 0 ? error : ENOMEM;
		goto out;
	}
	/* the names, then ngd's interfaces: by the workers, each jail as
	 * soon as it is torn down here (ngd at work while we are) */
	for (nt = 0; nt < JAIL_DESTROY_WORKERS && nt < n; nt++)
		if (pthread_create(&tid[nt], NULL, jail_destroy_worker, &j) !=
		    0)
			break;
	for (size_t i = 0; i < n; i++) {
		struct jail_rec *r = &rs[i];
		int flags = JT_NGLEAVE;
		pid_t *strangers;
		size_t ns;

		if (i > 0 && nt > 0) { /* the one before: the workers' */
			pthread_mutex_lock(&j.mu);
			j.ready = i;
			pthread_cond_signal(&j.cv);
			pthread_mutex_unlock(&j.mu);
		}
		errs[i] = EAGAIN; /* not done here: the slow way, below */
		if (r->nifaces > 0 && !jail_ng_at_home(r))
			continue;
		errs[i] = 0;
		/* ngd's interfaces are the workers' to bring home, the rest
		 * not (the teardown moves them, or they are gone) */
		for (size_t k = 0; k < r->nifaces; k++)
			r->ifaces[k].ng = r->ifaces[k].ng && r->own_net;
		if (jail_rec_read(r->name, &now) != 0 || now.jid != r->jid) {
			jail_rec_free(&now);
			for (size_t k = 0; k < r->nifaces; k++)
				r->ifaces[k].ng = false;
			continue; /* gone meanwhile */
		}
		now.named = r->named;
		/* its network, by its init: its name may have gone */
		snprintf(path, sizeof(path), "/proc/%d/ns/net",
		    (int)now.init_pid);
		netfd = -1;
		if (now.own_net && jail_ns_pidfd(&now, &fd) == 0) {
			netfd = open(path, O_RDONLY | O_CLOEXEC);
			close(fd);
			if (netfd >= 0 && fstat(netfd, &st) == 0) {
				flags |= JT_NOUNBIND; /* the workers' */
				j.unbind[i] = true;
				j.nsid[2 * i] = st.st_dev;
				j.nsid[2 * i + 1] = st.st_ino;
			}
		}
		if (jail_scanned && now.own_net &&
		    jail_scan_pids(&now, true, &strangers, &ns) == 0) {
			/* outsiders in its network (an ngd ngctl -j started):
			 * the teardown asks them to end, then kills them */
			if (ns == 0)
				flags |= JT_NOSCAN;
			free(strangers);
		}
		/* the supervisor only reaps init; we tear down */
		if (jail_ns_pidfd(&now, &ifd[i]) == 0)
			(void)syscall(SYS_pidfd_send_signal, ifd[i], SIGKILL,
			    NULL, 0);
		errs[i] = jail_teardown(&now, -1, netfd, flags);
		if (netfd >= 0)
			close(netfd);
		jail_rec_free(&now);
	}
	pthread_mutex_lock(&j.mu);
	j.ready = n;
	pthread_cond_broadcast(&j.cv);
	pthread_mutex_unlock(&j.mu);
	if (nt == 0)
		(void)jail_destroy_worker(&j);
	for (size_t t = 0; t < nt; t++)
		pthread_join(tid[t], NULL);
	jail_unlock(lock);
	/* gone when we return: every process of the jails */
	for (size_t i = 0; i < n; i++) {
		struct pollfd pfd = { .fd = ifd[i], .events = POLLIN };

		if (ifd[i] < 0)
			continue;
		while (poll(&pfd, 1, 10000) < 0 && errno == EINTR)
			;
		close(ifd[i]);
	}
	for (size_t i = 0; i < n; i++)
		if (errs[i] == EAGAIN)
			errs[i] = jail_ns_destroy(&rs[i]);
out:
	if (rl0.rlim_cur != 0) /* the commands we run get the usual limit */
		(void)setrlimit(RLIMIT_NOFILE, &rl0);
	pthread_mutex_destroy(&j.mu);
	pthread_cond_destroy(&j.cv);
	free(ifd);
	free(j.unbind);
	free(j.nsid);
}

int
jail_ns_sethostname(const struct jail_rec *r, const char *host,
    const char *domain)
{
	int fd, status, error;
	pid_t pid;

	if ((error = jail_ns_pidfd(r, &fd)) != 0)
		return error;
	if ((pid = fork()) < 0) {
		error = errno;
		close(fd);
		return error;
	}
	if (pid == 0) {
		if (setns(fd, CLONE_NEWUTS) != 0)
			_exit(1);
		if (host != NULL && sethostname(host, strlen(host)) != 0)
			_exit(1);
		if (domain != NULL &&
		    setdomainname(domain, strlen(domain)) != 0)
			_exit(1);
		_exit(0);
	}
	close(fd);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : EPERM;
}

/*
 * The host and domain names the jail has now: its root may have set
 * them (allow.set_hostname), and jls shows what is, as on FreeBSD.
 * A child joins the jail's UTS namespace and sends them back.
 */
int
jail_ns_gethostname(const struct jail_rec *r, char *host, char *domain,
    size_t size)
{
	char buf[2 * (HOST_NAME_MAX + 1)];
	int fd, p[2], status, error = 0;
	ssize_t n, len = 0;
	pid_t pid;

	if ((error = jail_ns_pidfd(r, &fd)) != 0)
		return error;
	if (pipe2(p, O_CLOEXEC) != 0) {
		error = errno;
		close(fd);
		return error;
	}
	if ((pid = fork()) < 0) {
		error = errno;
		close(fd);
		close(p[0]);
		close(p[1]);
		return error;
	}
	if (pid == 0) {
		close(p[0]);
		memset(buf, 0, sizeof(buf));
		if (setns(fd, CLONE_NEWUTS) != 0 ||
		    gethostname(buf, HOST_NAME_MAX) != 0 ||
		    getdomainname(buf + HOST_NAME_MAX + 1, HOST_NAME_MAX) != 0)
			_exit(1);
		_exit(write(p[1], buf, sizeof(buf)) == (ssize_t)sizeof(buf) ?
			0 :
			1);
	}
	close(fd);
	close(p[1]);
	while (len < (ssize_t)sizeof(buf) &&
	    ((n = read(p[0], buf + len, sizeof(buf) - (size_t)len)) > 0 ||
		(n < 0 && errno == EINTR)))
		len += n > 0 ? n : 0;
	close(p[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (len != (ssize_t)sizeof(buf) || !WIFEXITED(status) ||
	    WEXITSTATUS(status) != 0)
		return EPERM;
	buf[HOST_NAME_MAX] = buf[sizeof(buf) - 1] = '\0';
	snprintf(host, size, "%s", buf);
	/* "(none)" is what Linux calls an unset domain name */
	snprintf(domain, size, "%s",
	    strcmp(buf + HOST_NAME_MAX + 1, "(none)") == 0 ?
		"" :
		buf + HOST_NAME_MAX + 1);
	return 0;
}

int
jail_enter(const struct jail_rec *r, int pidfd)
{
	int error;

	/* the cgroup first: sockets belong to the one they are made in */
	if ((error = jail_ipalias_enter(r)) != 0)
		return error;
	/*
	 * Its network too when the jail has none of its own: that of the
	 * jail(8) that made it, which need not be ours (ip netns exec).
	 */
	return setns(pidfd, jail_ns_flags(r) | CLONE_NEWNET) == 0 ? 0 : errno;
}
