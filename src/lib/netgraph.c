/*
 * netgraph.c: libnetgraph, netgraph(3) on top of ngd's wire protocol
 * (src/proto/ngd_proto.h).  A "control socket" is a connection to ngd that
 * owns a socket node; a "data socket" is a second connection attached to
 * it.  Each request is answered by one NGD_STATUS: the errno FreeBSD's
 * sendto() would return.  Messages or frames that arrive while waiting
 * for a status are kept per fd and handed out by the next receive, so
 * NgRecvMsg sees them in order.  A mutex guards that queue, so one thread
 * may wait in a receive while another sends.  The queue is the socket's
 * receive buffer of FreeBSD's: once it holds NG_LIB_QUEUE_MAX bytes,
 * what comes is dropped (said once), and a request whose reply is so
 * dropped fails with ENOBUFS; a client that sent requests and read
 * nothing else grew without bound.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>
#include <linux/capability.h>
#include <linux/nsfs.h>

#include <netgraph.h>

#include "ng_lib.h"
#include "ngd_proto.h"

struct ng_lib_frame {
	struct ng_lib_frame *next;
	struct ngd_frame hdr;
	char addr[NG_PATHSIZ];
	size_t plen;
	uint8_t payload[];
};

struct ng_lib_fd {
	struct ng_lib_frame *head, **tail;
	size_t queued;      /* the memory the frames on the queue take */
	bool reply_dropped; /* the request's reply found the queue full */
	bool drop_said;     /* a drop was said on this connection */
	int wanting;        /* threads in ng_lib_next for a given reply */
	bool waiting;       /* a thread waits for a status on this fd */
	bool reading;       /* a thread is in recv() on this fd */
	bool have_status;
	int dead;   /* the connection failed with this errno */
	bool parts; /* ngd takes a long request in pieces (ngd_proto.h) */
	bool large; /* ... up to NGD_MAX_LARGE */
	uint32_t status, status_id;
};

static pthread_mutex_t ng_lib_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t ng_lib_cond = PTHREAD_COND_INITIALIZER;
/*
 * Each fd's state, by number.  Each is allocated once and never moves:
 * an empty queue's tail points at its own head, which a table of the
 * states themselves would leave behind when it grows (another thread's
 * new connection past its end), and a frame filed there would be lost,
 * its reader waiting for it forever.
 */
static struct ng_lib_fd **ng_lib_fds;
static int ng_lib_nfds;
static uint32_t ng_lib_token;

/*
 * How long a request waits for ngd (connecting, sending, its status, a
 * reply it asked for), in ms; 0 waits forever.  A stopped or overloaded
 * ngd then costs a caller an error (ETIMEDOUT), not a hang.  Receiving
 * what was not asked for (NgRecvMsg, NgRecvData) waits as FreeBSD's
 * does.  -1: not yet read from $NGD_TIMEOUT.
 */
/* What unread frames may take (FreeBSD's buffer: 20 KiB, ngd's replies
 * go to 16 MiB, and one that comes to an emptier queue is kept). */
#define NG_LIB_QUEUE_MAX (4u << 20)
#define NG_LIB_TIMEOUT_DEFAULT 5000
#define NG_LIB_TIMEOUT_MAX_S 86400
#define NGD_TIMEOUT_ENV "NGD_TIMEOUT" /* seconds, overrides the default */
static int ng_lib_timeout_ms = -1;

int ng_lib_debug;

static struct ng_lib_fd *
ng_lib_state(int fd)
{
	struct ng_lib_fd *st;

	if (fd < 0)
		return NULL;
	if (fd >= ng_lib_nfds) {
		int n = fd + 16;
		struct ng_lib_fd **p = realloc(ng_lib_fds, n * sizeof(*p));

		if (p == NULL)
			return NULL;
		memset(p + ng_lib_nfds, 0, (n - ng_lib_nfds) * sizeof(*p));
		ng_lib_fds = p;
		ng_lib_nfds = n;
	}
	if ((st = ng_lib_fds[fd]) == NULL) {
		if ((st = calloc(1, sizeof(*st))) == NULL)
			return NULL;
		st->tail = &st->head;
		ng_lib_fds[fd] = st;
	}
	return st;
}

/* Forget whatever an earlier connection on this fd number left. */
static void
ng_lib_reset(int fd)
{
	struct ng_lib_fd *st;
	struct ng_lib_frame *f;

	pthread_mutex_lock(&ng_lib_lock);
	st = ng_lib_state(fd);
	if (st != NULL) {
		while ((f = st->head) != NULL) {
			st->head = f->next;
			free(f);
		}
		memset(st, 0, sizeof(*st));
		st->tail = &st->head;
	}
	pthread_mutex_unlock(&ng_lib_lock);
}

static int
ng_lib_timeout(void)
{
	const char *env;
	char *end;
	double sec;

	if (ng_lib_timeout_ms >= 0)
		return ng_lib_timeout_ms;
	ng_lib_timeout_ms = NG_LIB_TIMEOUT_DEFAULT;
	env = getenv(NGD_TIMEOUT_ENV);
	if (env != NULL && env[0] != '\0') {
		sec = strtod(env, &end);
		if (*end == '\0' && sec >= 0 && sec <= NG_LIB_TIMEOUT_MAX_S)
			ng_lib_timeout_ms = (int)(sec * 1000 + 0.5);
		else
			ng_lib_logx("%s=%s: not a number of seconds from 0 to "
				    "%d; using %d",
			    NGD_TIMEOUT_ENV, env, NG_LIB_TIMEOUT_MAX_S,
			    NG_LIB_TIMEOUT_DEFAULT / 1000);
	}
	return ng_lib_timeout_ms;
}

int
NgSetTimeout(int msec)
{
	int old = ng_lib_timeout();

	if (msec >= 0)
		ng_lib_timeout_ms = msec;
	return old;
}

static uint64_t
ng_lib_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* When a wait that starts now must end (0: never). */
static uint64_t
ng_lib_deadline(void)
{
	int t = ng_lib_timeout();

	return t == 0 ? 0 : ng_lib_now_ms() + (uint64_t)t;
}

/* Wait until fd is readable or the deadline passes (ETIMEDOUT). */
static int
ng_lib_wait(int fd, uint64_t deadline)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	uint64_t now;
	int n;

	do {
		int ms = -1;

		if (deadline != 0) {
			now = ng_lib_now_ms();
			if (now >= deadline)
				return ETIMEDOUT;
			ms = deadline - now > INT32_MAX ?
			    INT32_MAX :
			    (int)(deadline - now);
		}
		n = poll(&pfd, 1, ms);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return errno;
	return n == 0 ? ETIMEDOUT : 0;
}

const char *
NgSocketPath(void)
{
	const char *p = getenv(NGD_SOCKET_ENV);

	return p != NULL && p[0] != '\0' ? p : NGD_SOCKET_DEFAULT;
}

const char *
NgStrError(int error)
{
	/* FreeBSD's words where glibc's differ (spec §14). */
	switch (error) {
	case ENXIO:
		return "Device not configured";
	case EISCONN:
		return "Socket is already connected";
	case ENOTCONN:
		return "Socket is not connected";
	case ERANGE:
		return "Result too large";
	case EBUSY:
		return "Device busy";
	case ETIMEDOUT:
		return "Operation timed out";
	case EADDRNOTAVAIL: /* ether's setenaddr and addmulti */
		return "Can't assign requested address";
	case EAFNOSUPPORT: /* a ksocket hook of a family Linux lacks */
		return "Address family not supported by protocol family";
	}
	return strerror(error);
}

#ifndef SO_PEERPIDFD
#define SO_PEERPIDFD 77
#endif

/* How many PID namespaces deep (of /proc's) pid runs: its NSpid's
 * count; -1 if unknown. */
static int
ng_lib_pid_depth(const char *pid)
{
	char path[64], line[256];
	int n = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%s/status", pid);
	if ((f = fopen(path, "re")) == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL)
		if (strncmp(line, "NSpid:", 6) == 0) {
			/* (strtok is not ours to use: threads call us) */
			n = 0;
			for (char *c = line + 6; *c != '\0'; c++)
				if (*c >= '0' && *c <= '9' &&
				    (c[-1] == ' ' || c[-1] == '\t' ||
					c[-1] == ':'))
					n++;
			break;
		}
	fclose(f);
	return n;
}

/* Two namespace files are the same namespace. */
static bool
ng_lib_same_ns(const char *a, const char *b)
{
	struct stat sa, sb;

	return stat(a, &sa) == 0 && stat(b, &sb) == 0 &&
	    sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

/*
 * The process behind the server on fd, pinned: a pidfd of the one that
 * last called listen() on it (SO_PEERPIDFD; before Linux 6.5, of its
 * pid, which another process may have taken since: racy, the best those
 * kernels give).  -1 when there is none to pin, *gone when it has
 * exited: since 6.16 the kernel still gives a pidfd of a listener that
 * is gone, which polls readable.
 */
static int
ng_lib_peer_pidfd(int fd, pid_t pid, bool *gone)
{
	struct pollfd pfd = { .fd = -1, .events = POLLIN };
	socklen_t len = sizeof(int);

	*gone = false;
	if (pid <= 0)
		return -1;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERPIDFD, &pfd.fd, &len) < 0) {
		if (errno != ENOPROTOOPT) { /* ESRCH, EINVAL: reaped */
			*gone = true;
			return -1;
		}
		pfd.fd = (int)syscall(SYS_pidfd_open, pid, 0);
		if (pfd.fd < 0) {
			/* (no pidfds, as under valgrind: the pid alone) */
			*gone = errno == ESRCH ||
			    (kill(pid, 0) < 0 && errno == ESRCH);
			return -1;
		}
	}
	if (poll(&pfd, 1, 0) != 0) {
		close(pfd.fd);
		*gone = true;
		return -1;
	}
	return pfd.fd;
}

/* What was just read of pidfd's process in /proc was its: it lives
 * still, so its pid is not another's yet. */
static bool
ng_lib_still(int pidfd)
{
	struct pollfd pfd = { .fd = pidfd, .events = POLLIN };

	return pidfd >= 0 && poll(&pfd, 1, 0) == 0;
}

/*
 * Whether the server runs in a jail that shares our network: its PID
 * namespace lies below ours (every jail has one; NSpid, which anyone
 * may read, counts the levels) while we are in the network namespace of
 * our PID namespace's init, not one we entered, as ngctl -j does to
 * reach a vnet jail's own ngd.  Root in such a jail may bind ngd's name
 * while no ngd does.  What cannot be told of a live server is taken as
 * not jailed: the uid check stands alone.
 */
static bool
ng_lib_jailed_server(int pidfd, pid_t pid)
{
	char p[32];
	int depth;

	if (pid <= 0)
		return false;
	/* /proc/1/ns/net is root's to read; others cannot have entered */
	if (access("/proc/1/ns/net", R_OK) == 0 &&
	    !ng_lib_same_ns("/proc/1/ns/net", "/proc/self/ns/net"))
		return false;
	snprintf(p, sizeof(p), "%d", (int)pid);
	depth = ng_lib_pid_depth(p);
	/* (No pidfd at all, as under valgrind: the pid alone, racy.) */
	if (pidfd >= 0 && !ng_lib_still(pidfd))
		depth = -1;
	return depth > 0 && depth > ng_lib_pid_depth("self");
}

/* The kernel's uid for one not mapped in our user namespace. */
static uid_t
ng_lib_overflow_uid(void)
{
	unsigned long u = 65534;
	FILE *f = fopen("/proc/sys/kernel/overflowuid", "re");

	if (f != NULL) {
		if (fscanf(f, "%lu", &u) != 1)
			u = 65534;
		fclose(f);
	}
	return (uid_t)u;
}

/*
 * Whether pid ("self", or a number) runs in the initial user namespace:
 * its uid_map is the whole range, which only root may write for a
 * namespace of its own.
 */
static bool
ng_lib_init_userns(const char *pid)
{
	unsigned long long inside, outside, count;
	char path[64], line[256];
	bool init_ns = false;
	int lines = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%s/uid_map", pid);
	if ((f = fopen(path, "re")) == NULL)
		return false;
	while (fgets(line, sizeof(line), f) != NULL) {
		lines++;
		init_ns = sscanf(line, "%llu %llu %llu", &inside, &outside,
			      &count) == 3 &&
		    inside == 0 && count == 4294967295ull;
	}
	fclose(f);
	return lines == 1 && init_ns;
}

/*
 * Whether the server, shown to us as the overflow uid, is the host's
 * root: seen from a user namespace of ours that shares the host's
 * network (unshare -Ur), root's uid is not mapped, and shows as any
 * other user's that is not.  Root is told apart by what no other user
 * can have: the initial user namespace with CAP_NET_ADMIN there, which
 * ngd needs anyway.  Both are read from /proc, which anyone may.  In
 * the initial user namespace ourselves, no uid is unmapped: the
 * overflow uid there is a user's (nobody's), whatever its capabilities.
 */
static bool
ng_lib_host_root_server(int pidfd, pid_t pid)
{
	unsigned long long caps = 0;
	char p[32], path[64], line[256];
	bool init_ns;
	FILE *f;

	if (pidfd < 0 || ng_lib_init_userns("self"))
		return false;
	snprintf(p, sizeof(p), "%d", (int)pid);
	init_ns = ng_lib_init_userns(p);
	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	if ((f = fopen(path, "re")) != NULL) {
		while (fgets(line, sizeof(line), f) != NULL)
			if (sscanf(line, "CapEff: %llx", &caps) == 1)
				break;
		fclose(f);
	}
	return init_ns && (caps >> 12 & 1) != 0 && /* CAP_NET_ADMIN */
	    ng_lib_still(pidfd);
}

/*
 * Anyone may bind an abstract name first, ngd's included.  Talk only to
 * a server run by root or by ourselves, and not by root in a jail that
 * shares our network, nor to one whose listener has exited: its socket
 * is then another process's, which nothing tells (a jailed root would
 * listen, hand the socket to a child and exit).  ngd listens again when
 * it has detached or taken over, so that it is the listener: EAGAIN for
 * a gone listener, whose successor may be about to (the caller connects
 * again, and says so only when it gives up); EPERM, said (always: it is
 * an intruder, not a failure to debug), for the rest.
 */
static int
ng_lib_trusted(int fd, const char *path)
{
	struct ucred cred;
	socklen_t clen = sizeof(cred);
	int pidfd, error = EPERM;
	bool gone;

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &clen) < 0) {
		ng_lib_warn(errno, "%s: cannot tell who serves it", path);
		return EPERM;
	}
	pidfd = ng_lib_peer_pidfd(fd, cred.pid, &gone);
	if (gone)
		return EAGAIN;
	if (ng_lib_jailed_server(pidfd, cred.pid))
		ng_lib_logx("%s: served by pid %d in a jail that shares our "
			    "network, not by an ngd of ours; refused",
		    path, (int)cred.pid);
	else if (cred.uid == 0 || cred.uid == geteuid() || cred.uid == getuid())
		error = 0;
	else if (cred.uid == ng_lib_overflow_uid() &&
	    ng_lib_host_root_server(pidfd, cred.pid))
		error = 0;
	else
		ng_lib_logx("%s: served by uid %u (pid %d), neither root nor "
			    "us; refused",
		    path, (unsigned)cred.uid, (int)cred.pid);
	if (pidfd >= 0)
		close(pidfd);
	return error;
}

/* The inode of the socket listening on path ("@name" for an abstract
 * one, as /proc/net/unix shows it); 0 if there is none. */
static unsigned long
ng_lib_listener_ino(const char *path)
{
	char line[512], name[256];
	unsigned long flags, ino, found = 0;
	FILE *f = fopen("/proc/net/unix", "re");

	if (f == NULL)
		return 0;
	while (found == 0 && fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "%*s %*x %*x %lx %*x %*x %lu %255s", &flags,
			&ino, name) == 3 &&
		    (flags & 0x10000) != 0 && /* __SO_ACCEPTCON: listening */
		    strcmp(name, path) == 0)
			found = ino;
	fclose(f);
	return found;
}

/* Whether process pid has a descriptor of socket ino (false when its
 * descriptors are not ours to read). */
static bool
ng_lib_holds(pid_t pid, const char *want)
{
	char dir[64], path[64 + sizeof(((struct dirent *)0)->d_name)], link[64];
	struct dirent *e;
	bool holds = false;
	DIR *d;
	ssize_t n;

	snprintf(dir, sizeof(dir), "/proc/%d/fd", (int)pid);
	if ((d = opendir(dir)) == NULL)
		return false;
	while (!holds && (e = readdir(d)) != NULL) {
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		n = readlink(path, link, sizeof(link) - 1);
		holds = n > 0 && (link[n] = '\0', strcmp(link, want) == 0);
	}
	closedir(d);
	return holds;
}

/* The user ID (effective) process pid runs as; -1 if unknown. */
static long
ng_lib_pid_uid(pid_t pid)
{
	char path[64], line[256];
	unsigned long r, e;
	long uid = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	if ((f = fopen(path, "re")) == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "Uid: %lu %lu", &r, &e) == 2) {
			uid = (long)e;
			break;
		}
	fclose(f);
	return uid;
}

/*
 * A server whose listener has exited: an ngd from before ngd listened
 * again once detached (ngd_ctl_own) is one; whoever holds the socket
 * now is what to trust or not.  The holders are found by the socket's
 * inode among every process's descriptors, which only root may read of
 * another user's: each, pinned by a pidfd while it is looked at, must
 * run as root or as us and not in a jail, as a live listener must
 * (ng_lib_trusted).  0: served by such; EPERM, said with what to do.
 * *holder is the first holder found (0: none could be seen).
 */
static int
ng_lib_trusted_holders(const char *path, pid_t *holder)
{
	char want[48];
	unsigned long ino = ng_lib_listener_ino(path);
	struct dirent *e;
	int n = 0, bad = 0;
	DIR *d;

	*holder = 0;
	if (ino == 0 || (d = opendir("/proc")) == NULL)
		return EPERM;
	snprintf(want, sizeof(want), "socket:[%lu]", ino);
	while ((e = readdir(d)) != NULL) {
		char *end;
		long v = strtol(e->d_name, &end, 10);
		pid_t pid = (pid_t)v;
		int pidfd;
		long uid;

		if (*end != '\0' || v <= 0 || pid == getpid() ||
		    !ng_lib_holds(pid, want))
			continue;
		if (*holder == 0)
			*holder = pid;
		n++;
		pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
		uid = ng_lib_pid_uid(pid);
		if (pidfd < 0 || !ng_lib_holds(pid, want) ||
		    (uid != 0 && uid != (long)geteuid()) ||
		    ng_lib_jailed_server(pidfd, pid) || !ng_lib_still(pidfd))
			bad++;
		if (pidfd >= 0)
			close(pidfd);
	}
	closedir(d);
	return n > 0 && bad == 0 ? 0 : EPERM;
}

/*
 * A server whose listener has gone is asked again this many times, 10 ms
 * later and twice as late each time (150 ms in all): an ngd that has just
 * detached or taken over listens again at once.
 */
#define NG_LIB_GONE_TRIES 5

/*
 * The listener of path has exited, and asking again did not find a new
 * one: served by trusted holders (0), or refused (EPERM) with what to
 * do.  An ngd from before ngd listened again once detached (upgraded
 * and not restarted) looks so; restarting it makes it the listener.
 */
static int
ng_lib_gone_listener(const char *path)
{
	static bool said; /* once: ngctl asks again for an unnamed node */
	pid_t holder;

	if (ng_lib_trusted_holders(path, &holder) == 0)
		return 0;
	if (__atomic_exchange_n(&said, true, __ATOMIC_RELAXED))
		return EPERM;
	if (holder > 0)
		ng_lib_logx("%s: the process that listened on it has exited "
			    "and pid %d, which we may not trust, holds it; "
			    "if that is an ngd older than this client that "
			    "detached, restart it (systemctl restart ngd, or "
			    "kill %d and run ngd); refused",
		    path, (int)holder, (int)holder);
	else
		ng_lib_logx("%s: the process that listened on it has exited "
			    "and one we cannot see holds it; if that is an "
			    "ngd older than this client that detached, "
			    "restart it as root (systemctl restart ngd, or "
			    "kill it and run ngd); refused",
		    path);
	return EPERM;
}

/*
 * Are we in a jail without a network of its own (neither vnet nor
 * addresses, or one sharing the host's)?  jail(8) takes CAP_NET_ADMIN out
 * of every jail's bounding set, and gives a vnet jail a stack owned by a
 * user namespace below its own; a process with neither may never
 * configure the network it is in.  FreeBSD gives netgraph to vnet jails
 * only (anywhere else a netgraph socket is EPERM), and an ngd there
 * would give the jail interfaces it was made without.  false when it
 * cannot be told (no /proc): ngd decides, as before.
 */
bool
ng_lib_jailed_without_net(void)
{
	int netns, userns, parent;
	bool apart = false;

	if (prctl(PR_CAPBSET_READ, CAP_NET_ADMIN, 0, 0, 0) != 0)
		return false; /* held (1), or cannot be told (-1) */
	if ((netns = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC)) < 0)
		return false;
	/* Our own user namespace owns it: it has no parent we may see. */
	if ((userns = ioctl(netns, NS_GET_USERNS)) >= 0) {
		if ((parent = ioctl(userns, NS_GET_PARENT)) >= 0) {
			close(parent);
			apart = true;
		}
		close(userns);
	}
	close(netns);
	return !apart;
}

static int
ng_lib_connect(int *fdp)
{
	const char *path = NgSocketPath();
	struct sockaddr_un sun;
	socklen_t len;
	int fd, error, tries = 0;

	if (strlen(path) >= sizeof(sun.sun_path))
		return ENAMETOOLONG;
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, path, strlen(path));
	if (path[0] == '@')
		sun.sun_path[0] = '\0';
	len = offsetof(struct sockaddr_un, sun_path) + strlen(path);
again:
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return errno;
	/* A connect to a backlog ngd does not drain (stopped, or out of
	 * descriptors), and a send to a full buffer, give up in time. */
	if (ng_lib_timeout() > 0) {
		struct timeval tv = { ng_lib_timeout() / 1000,
			ng_lib_timeout() % 1000 * 1000 };

		(void)setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	}
	if (connect(fd, (struct sockaddr *)&sun, len) < 0) {
		error = errno == EAGAIN ? ETIMEDOUT : errno;
		close(fd);
		/* No graph here, rather than none yet (and so none to start). */
		if ((error == ENOENT || error == ECONNREFUSED) &&
		    ng_lib_jailed_without_net())
			error = EPERM;
		return error;
	}
	error = ng_lib_trusted(fd, path);
	if (error == EAGAIN && ++tries < NG_LIB_GONE_TRIES) {
		struct timespec ts = { 0, 10000000L << (tries - 1) };

		close(fd);
		while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
			;
		goto again;
	}
	if (error == EAGAIN)
		error = ng_lib_gone_listener(path);
	if (error != 0) {
		close(fd);
		return EPERM;
	}
	ng_lib_reset(fd);
	*fdp = fd;
	return 0;
}

/* Read one datagram off the socket (blocking): *bufp, malloc'd, and its
 * length *np. */
static int
ng_lib_read_dgram(int fd, uint8_t **bufp, size_t *np)
{
	ssize_t n;
	uint8_t *buf;

	*bufp = NULL;
	do
		n = recv(fd, NULL, 0, MSG_PEEK | MSG_TRUNC);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return errno;
	if (n == 0)
		return ENOTCONN; /* ngd went away */
	if ((size_t)n < sizeof(struct ngd_frame) || (size_t)n > NGD_MAX_FRAME)
		return EPROTO;
	buf = malloc(n);
	if (buf == NULL)
		return ENOMEM;
	if (recv(fd, buf, n, 0) != n) {
		free(buf);
		return errno != 0 ? errno : EPROTO;
	}
	*bufp = buf;
	*np = (size_t)n;
	return 0;
}

/*
 * The pieces of a long frame (ngd_proto.h), the first at *bufp (n
 * bytes), joined into *bufp and *np; each waits for ngd until deadline.
 */
static int
ng_lib_join(int fd, uint8_t **bufp, size_t *np, uint64_t deadline)
{
	struct ngd_frame ph;
	uint8_t *whole = NULL, *buf = *bufp;
	size_t n = *np, have = 0, total = 0;
	int error = 0;

	for (;;) {
		memcpy(&ph, buf, sizeof(ph));
		if (whole == NULL) {
			total = ph.id;
			if (total < sizeof(ph) || total > NGD_MAX_LARGE ||
			    (whole = malloc(total)) == NULL) {
				error = whole == NULL ? ENOMEM : EPROTO;
				break;
			}
		}
		if ((ph.kind != NGD_PART && ph.kind != NGD_PART_END) ||
		    ph.id != total || ph.error != have ||
		    n - sizeof(ph) > total - have) {
			error = EPROTO;
			break;
		}
		memcpy(whole + have, buf + sizeof(ph), n - sizeof(ph));
		have += n - sizeof(ph);
		free(buf);
		buf = NULL;
		if (ph.kind == NGD_PART_END) {
			if (have != total)
				error = EPROTO;
			break;
		}
		if ((error = ng_lib_wait(fd, deadline)) != 0 ||
		    (error = ng_lib_read_dgram(fd, &buf, &n)) != 0)
			break;
	}
	free(buf);
	*bufp = NULL;
	if (error != 0) {
		free(whole);
		return error;
	}
	*bufp = whole;
	*np = total;
	return 0;
}

/* Read one frame off the socket itself (blocking; the pieces of a long
 * one until deadline). */
static int
ng_lib_read_frame(int fd, struct ng_lib_frame **fp, uint64_t deadline)
{
	struct ng_lib_frame *f;
	struct ngd_frame hdr;
	size_t n;
	uint8_t *buf;
	int error;

	*fp = NULL;
	if ((error = ng_lib_read_dgram(fd, &buf, &n)) != 0)
		return error;
	memcpy(&hdr, buf, sizeof(hdr));
	if ((hdr.kind == NGD_PART || hdr.kind == NGD_PART_END) &&
	    (error = ng_lib_join(fd, &buf, &n, deadline)) != 0)
		return error;
	f = malloc(sizeof(*f) + n);
	if (f == NULL) {
		free(buf);
		return ENOMEM;
	}
	memcpy(&f->hdr, buf, sizeof(f->hdr));
	if (f->hdr.addrlen >= NG_PATHSIZ ||
	    f->hdr.addrlen > n - sizeof(f->hdr)) {
		free(buf);
		free(f);
		return EPROTO;
	}
	memcpy(f->addr, buf + sizeof(f->hdr), f->hdr.addrlen);
	f->addr[f->hdr.addrlen] = '\0';
	f->plen = n - sizeof(f->hdr) - f->hdr.addrlen;
	memcpy(f->payload, buf + sizeof(f->hdr) + f->hdr.addrlen, f->plen);
	f->next = NULL;
	free(buf);
	*fp = f;
	return 0;
}

/* A frame that is a reply (NGF_RESP), not a message or data. */
static bool
ng_lib_is_reply(const struct ng_lib_frame *f)
{
	struct ng_msghdr h;

	if (f->hdr.kind != NGD_MSG || f->plen < sizeof(h))
		return false;
	memcpy(&h, f->payload, sizeof(h));
	return (h.flags & NGF_RESP) != 0;
}

/*
 * Read one frame off the socket and file it: a status for the thread
 * waiting on one, anything else on the queue.  Only one thread reads at a
 * time; the others wait on the condition.  Called with the lock held,
 * which is dropped while in recv().
 */
static int
ng_lib_pump(int fd, struct ng_lib_fd **stp, uint64_t deadline)
{
	struct ng_lib_fd *st = *stp;
	struct ng_lib_frame *f = NULL;
	int error;

	st->reading = true;
	pthread_mutex_unlock(&ng_lib_lock);
	error = ng_lib_wait(fd, deadline);
	if (error == 0)
		error = ng_lib_read_frame(fd, &f, deadline);
	pthread_mutex_lock(&ng_lib_lock);
	*stp = st = ng_lib_state(fd);
	st->reading = false;
	if (error != 0) {
		/* After a timeout, a late status would answer the wrong
		 * request: the connection is done for. */
		if (error != EINTR && error != EAGAIN)
			st->dead = error;
	} else if (f->hdr.kind == NGD_STATUS) {
		if (st->waiting && !st->have_status) {
			uint32_t offer;

			st->have_status = true;
			st->status = f->hdr.error;
			st->status_id = f->hdr.id;
			/* a hello's: what else ngd offers (ngd_proto.h) */
			if (f->plen >= sizeof(offer)) {
				memcpy(&offer, f->payload, sizeof(offer));
				st->parts = (offer & NGD_HELLO_PARTS) != 0;
				st->large = (offer & NGD_HELLO_LARGE) != 0;
			}
		}
		free(f); /* else a stray status nobody asked for */
	} else if (st->queued >= NG_LIB_QUEUE_MAX && st->wanting == 0) {
		/* A reply to the request that waits: it fails so. */
		if (st->waiting && ng_lib_is_reply(f))
			st->reply_dropped = true;
		if (!st->drop_said)
			ng_lib_logx("%zu bytes of messages or frames unread on "
				    "socket %d; dropping what comes until they "
				    "are read",
			    st->queued, fd);
		st->drop_said = true;
		free(f);
	} else {
		*st->tail = f;
		st->tail = &f->next;
		st->queued += sizeof(*f) + f->plen;
	}
	pthread_cond_broadcast(&ng_lib_cond);
	return error;
}

/*
 * An AF_UNIX datagram must fit the sender's buffer whole: grow it for a
 * request larger than it (as far as net.core.wmem_max lets us).
 */
static ssize_t
ng_lib_sendmsg(int fd, const struct msghdr *mh, size_t len)
{
	ssize_t n = sendmsg(fd, mh, MSG_NOSIGNAL);
	int size = (int)len + NGD_SNDBUF_SLACK;

	if (n >= 0 || errno != EMSGSIZE || len > NGD_MAX_FRAME)
		return n;
	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof(size)) < 0) {
		errno = EMSGSIZE;
		return -1;
	}
	return sendmsg(fd, mh, MSG_NOSIGNAL);
}

/*
 * A request longer than NGD_REQ_PART_MAX, to an ngd that takes pieces
 * (ngd_proto.h): the frame in iov (niov entries, at most 4, len bytes
 * in all) as pieces of at most NGD_REQ_PART_MAX bytes, a datagram each,
 * which a default socket buffer holds: one datagram of the whole needs
 * a buffer as large (net.core.wmem_max caps it, 208 KiB by default) and
 * the kernel carries some 4 MiB in one at most.  0 or an errno.
 */
static int
ng_lib_send_parts(int fd, const struct iovec *iov, size_t len)
{
	size_t k = 0, skip = 0;

	for (size_t at = 0; at < len;) {
		size_t n = len - at < NGD_REQ_PART_MAX ?
		    len - at :
		    NGD_REQ_PART_MAX;
		size_t left = n;
		struct ngd_frame ph = { .kind = at + n < len ? NGD_PART :
							       NGD_PART_END,
			.error = (uint32_t)at,
			.id = (uint32_t)len,
			.version = NGD_PROTO_VERSION };
		struct iovec piece[5] = { { &ph, sizeof(ph) } };
		struct msghdr mh = { .msg_iov = piece, .msg_iovlen = 1 };

		/* bytes at..at+n of the frame: one entry a segment */
		while (left > 0) {
			size_t take = iov[k].iov_len - skip;

			if (take > left)
				take = left;
			if (take > 0)
				piece[mh.msg_iovlen++] = (struct iovec){
					(uint8_t *)iov[k].iov_base + skip, take
				};
			left -= take;
			skip += take;
			if (skip == iov[k].iov_len) {
				k++;
				skip = 0;
			}
		}
		while (sendmsg(fd, &mh, MSG_NOSIGNAL) < 0)
			if (errno != EINTR)
				return errno;
		at += n;
	}
	return 0;
}

/* Wait on the condition, until the deadline if there is one. */
static int
ng_lib_cond_wait(uint64_t deadline)
{
	struct timespec ts;
	uint64_t left, now = ng_lib_now_ms();

	if (deadline == 0)
		return pthread_cond_wait(&ng_lib_cond, &ng_lib_lock);
	if (now >= deadline)
		return ETIMEDOUT;
	left = deadline - now;
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += (time_t)(left / 1000);
	ts.tv_nsec += (long)(left % 1000) * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	return pthread_cond_timedwait(&ng_lib_cond, &ng_lib_lock, &ts);
}

/*
 * Send a request and wait for its status; anything else that arrives
 * meanwhile is queued.  Called with the lock held; drops it while in
 * the kernel.
 */
static int
ng_lib_request_locked(int fd, uint16_t kind, const char *addr, const void *p1,
    size_t l1, const void *p2, size_t l2, uint32_t *idp)
{
	struct ngd_frame fr = { .kind = kind, .version = NGD_PROTO_VERSION };
	size_t alen = addr != NULL ? strlen(addr) : 0;
	size_t len = sizeof(fr) + alen + l1 + l2;
	struct iovec iov[4];
	struct msghdr mh = { .msg_iov = iov, .msg_iovlen = 4 };
	struct ng_lib_fd *st = ng_lib_state(fd);
	uint64_t deadline = ng_lib_deadline();
	int error = 0;

	if (kind == NGD_HELLO_CTL || kind == NGD_HELLO_DATA)
		fr.error = NGD_HELLO_PARTS | NGD_HELLO_LARGE; /* ng_lib_join */
	if (st == NULL)
		return EBADF;
	if (alen >= NG_PATHSIZ)
		return EINVAL;
	fr.addrlen = (uint16_t)alen;
	iov[0] = (struct iovec){ &fr, sizeof(fr) };
	iov[1] = (struct iovec){ (void *)addr, alen };
	iov[2] = (struct iovec){ (void *)p1, l1 };
	iov[3] = (struct iovec){ (void *)p2, l2 };
	/* One request at a time per fd: its status is the next status. */
	while (st->waiting) {
		pthread_cond_wait(&ng_lib_cond, &ng_lib_lock);
		st = ng_lib_state(fd);
	}
	st->waiting = true;
	st->have_status = false;
	st->reply_dropped = false;
	if (st->dead != 0) {
		error = st->dead;
		goto out;
	}
	/* Larger than ngd takes: FreeBSD's EMSGSIZE, for a datagram larger
	 * than the socket's buffer; and so for one the kernel cannot carry
	 * (ENOBUFS, when it cannot allocate a buffer that large). */
	if (len > (st->large ? NGD_MAX_LARGE : NGD_MAX_FRAME)) {
		error = EMSGSIZE;
		goto out;
	}
	if (len > NGD_REQ_PART_MAX && st->parts) {
		if ((error = ng_lib_send_parts(fd, iov, len)) != 0) {
			/* ngd may hold a part: the connection is done for */
			error = error == EPIPE ? ENOTCONN :
			    error == EAGAIN    ? ETIMEDOUT :
						 error;
			st->dead = error;
			goto out;
		}
	} else if (ng_lib_sendmsg(fd, &mh, len) < 0) {
		error = errno == EPIPE                         ? ENOTCONN :
		    errno == EAGAIN                            ? ETIMEDOUT :
		    errno == ENOBUFS && len > NGD_REQ_PART_MAX ? EMSGSIZE :
								 errno;
		if (error == ETIMEDOUT)
			st->dead = error;
		goto out;
	}
	while (!st->have_status) {
		if (st->dead != 0) {
			error = st->dead;
			goto out;
		}
		if (st->reading) {
			if (ng_lib_cond_wait(deadline) == ETIMEDOUT) {
				st = ng_lib_state(fd);
				st->dead = error = ETIMEDOUT;
				goto out;
			}
			st = ng_lib_state(fd);
		} else {
			(void)ng_lib_pump(fd, &st, deadline);
		}
	}
	error = (int)st->status;
	if (error == 0 && st->reply_dropped)
		error = ENOBUFS; /* its reply found no room */
	if (idp != NULL)
		*idp = st->status_id;
out:
	st->waiting = false;
	pthread_cond_broadcast(&ng_lib_cond);
	return error;
}

int
ng_lib_request(int fd, uint16_t kind, const char *addr, const void *p1,
    size_t l1, const void *p2, size_t l2, uint32_t *idp)
{
	int error;

	pthread_mutex_lock(&ng_lib_lock);
	error = ng_lib_request_locked(fd, kind, addr, p1, l1, p2, l2, idp);
	pthread_mutex_unlock(&ng_lib_lock);
	return error;
}

/* A reply to the request with this token and command. */
struct ng_lib_want {
	uint32_t token, cmd;
};

static bool
ng_lib_wanted(const struct ng_lib_frame *f, const struct ng_lib_want *want)
{
	struct ng_msghdr h;

	if (want == NULL)
		return true;
	if (f->plen < sizeof(h))
		return false;
	memcpy(&h, f->payload, sizeof(h));
	return (h.flags & NGF_RESP) != 0 && h.token == want->token &&
	    h.cmd == want->cmd;
}

/*
 * The next frame of the wanted kind (and, if want is not NULL, the reply
 * it describes): from the queue, else the socket.  Frames passed over
 * stay queued for the next receive.
 */
static int
ng_lib_next(int fd, uint16_t kind, const struct ng_lib_want *want,
    struct ng_lib_frame **fp)
{
	struct ng_lib_fd *st;
	int error = 0;

	*fp = NULL;
	pthread_mutex_lock(&ng_lib_lock);
	st = ng_lib_state(fd);
	if (st != NULL && want != NULL)
		st->wanting++; /* a full queue takes what it waits for */
	while (st != NULL) {
		struct ng_lib_frame *f, **pp;

		for (pp = &st->head; (f = *pp) != NULL; pp = &f->next) {
			/* An unaddressed send(2) refused (ngd_proto.h): the
			 * next plain receive reports it, like SO_ERROR. */
			if (f->hdr.kind == NGD_ERROR && want == NULL) {
				*pp = f->next;
				if (st->tail == &f->next)
					st->tail = pp;
				error = f->hdr.error != 0 ? (int)f->hdr.error :
							    EPROTO;
				st->queued -= sizeof(*f) + f->plen;
				free(f);
				goto out;
			}
			if (f->hdr.kind == kind && ng_lib_wanted(f, want)) {
				*pp = f->next;
				if (st->tail == &f->next)
					st->tail = pp;
				st->queued -= sizeof(*f) + f->plen;
				*fp = f;
				goto out;
			}
		}
		if (st->dead != 0) {
			error = st->dead;
			goto out;
		}
		if (st->reading) {
			pthread_cond_wait(&ng_lib_cond, &ng_lib_lock);
			st = ng_lib_state(fd);
		} else if ((error = ng_lib_pump(fd, &st, 0)) != 0) {
			goto out;
		}
	}
	error = EBADF;
out:
	if (st != NULL && want != NULL)
		st->wanting--;
	pthread_mutex_unlock(&ng_lib_lock);
	return error;
}

int
NgPending(int fd)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	struct ng_lib_fd *st;
	struct ng_lib_frame *f;
	int n = 0;

	pthread_mutex_lock(&ng_lib_lock);
	st = ng_lib_state(fd);
	if (st != NULL)
		for (f = st->head; f != NULL; f = f->next)
			n++;
	pthread_mutex_unlock(&ng_lib_lock);
	if (n == 0 && poll(&pfd, 1, 0) == 1 && (pfd.revents & POLLIN))
		n = 1;
	return n;
}

static void
ng_lib_copy_hook(char *hook, const char *addr)
{
	size_t l = strnlen(addr, NG_HOOKSIZ - 1);

	memcpy(hook, addr, l);
	hook[l] = '\0';
}

static int
ng_lib_fail(int error)
{
	errno = error;
	return -1;
}

int
NgMkSockNode(const char *name, int *csp, int *dsp)
{
	char addr[32];
	uint32_t id;
	int cs, ds, error;

	if (name != NULL && strlen(name) > NG_NODELEN)
		return ng_lib_fail(EINVAL);
	error = ng_lib_connect(&cs);
	if (error != 0)
		return ng_lib_fail(error);
	error = ng_lib_request(cs, NGD_HELLO_CTL, name != NULL ? name : "",
	    NULL, 0, NULL, 0, &id);
	if (error != 0) {
		if (ng_lib_level() > 0)
			ng_lib_warn(error, "bind(%s)",
			    name != NULL ? name : "");
		close(cs);
		return ng_lib_fail(error);
	}
	if (dsp != NULL) {
		error = ng_lib_connect(&ds);
		if (error == 0) {
			snprintf(addr, sizeof(addr), "[%x]:", id);
			error = ng_lib_request(ds, NGD_HELLO_DATA, addr, NULL,
			    0, NULL, 0, NULL);
			if (error != 0)
				close(ds);
		}
		if (error != 0) {
			close(cs);
			return ng_lib_fail(error);
		}
		*dsp = ds;
	}
	if (csp != NULL)
		*csp = cs;
	else
		close(cs);
	return 0;
}

/* A reply that comes after we gave up would be taken for the next one. */
static void
ng_lib_kill(int fd, int error)
{
	struct ng_lib_fd *st;

	pthread_mutex_lock(&ng_lib_lock);
	if ((st = ng_lib_state(fd)) != NULL)
		st->dead = error;
	pthread_mutex_unlock(&ng_lib_lock);
}

static int
ng_lib_send_msg(int cs, const char *path, struct ng_mesg *msg)
{
	int error;

	if (ng_lib_level() > 1)
		ng_lib_dump_msg((msg->header.flags & NGF_RESP) ?
			"SENDING RESPONSE:" :
			"SENDING MESSAGE:",
		    path, msg, sizeof(*msg) + msg->header.arglen);
	error = ng_lib_request(cs, NGD_MSG, path, msg,
	    sizeof(*msg) + msg->header.arglen, NULL, 0, NULL);
	if (error != 0) {
		if (ng_lib_level() > 0)
			ng_lib_warn(error, "sendto(%s)", path);
		return error;
	}
	/* Like FreeBSD: wait until the reply can be read, without reading. */
	if ((msg->header.cmd & NGM_HASREPLY) &&
	    !(msg->header.flags & NGF_RESP)) {
		uint64_t deadline = ng_lib_deadline();

		while (NgPending(cs) == 0) {
			error = ng_lib_wait(cs, deadline);
			if (error == ETIMEDOUT) {
				ng_lib_kill(cs, error);
				if (ng_lib_level() > 0)
					ng_lib_logx("sendto(%s): no reply",
					    path);
				return error;
			}
			if (error != 0)
				break;
		}
	}
	return 0;
}

static uint32_t
ng_lib_next_token(void)
{
	uint32_t t;

	pthread_mutex_lock(&ng_lib_lock);
	t = ng_lib_token++ & INT32_MAX; /* NgSendMsg returns it as an int */
	pthread_mutex_unlock(&ng_lib_lock);
	return t;
}

int
NgSendMsg(int cs, const char *path, int cookie, int cmd, const void *args,
    size_t arglen)
{
	struct ng_mesg *msg;
	uint32_t token;
	int error;

	if (args == NULL)
		arglen = 0;
	msg = calloc(1, sizeof(*msg) + arglen);
	if (msg == NULL)
		return ng_lib_fail(ENOMEM);
	NG_MKMESSAGE_HDR(msg, (uint32_t)cookie, (uint32_t)cmd, arglen);
	snprintf(msg->header.cmdstr, sizeof(msg->header.cmdstr), "cmd%d", cmd);
	token = ng_lib_next_token();
	msg->header.token = token;
	if (arglen > 0)
		memcpy(msg->data, args, arglen);
	error = ng_lib_send_msg(cs, path, msg);
	free(msg);
	return error != 0 ? ng_lib_fail(error) : (int)token;
}

static int ng_lib_transact(int cs, const char *path, struct ng_mesg *msg,
    struct ng_mesg **reply);

int
NgSendAsciiMsg(int cs, const char *path, const char *fmt, ...)
{
	struct ng_mesg *req = NULL, *reply = NULL, *bin;
	char *text = NULL, *cmd, *args;
	size_t len;
	va_list ap;
	int n, error = 0, token = -1;

	va_start(ap, fmt);
	n = vasprintf(&text, fmt, ap);
	va_end(ap);
	if (n < 0)
		return ng_lib_fail(ENOMEM);
	/* The first word is the command (cut to 31 bytes), the rest the
	 * arguments; the node finds the command, or says ENOSYS. */
	cmd = text + strspn(text, " \t\r\n\v\f");
	len = strcspn(cmd, " \t\r\n\v\f");
	args = cmd + len;
	if (*args != '\0')
		*args++ = '\0';
	args += strspn(args, " \t\r\n\v\f");
	len = strlen(args) + 1;
	req = calloc(1, 2 * sizeof(*req) + len);
	if (req == NULL) {
		error = ENOMEM;
		goto out;
	}
	NG_MKMESSAGE_HDR(req, NGM_GENERIC_COOKIE, NGM_ASCII2BINARY,
	    sizeof(*req) + len);
	snprintf(req->header.cmdstr, sizeof(req->header.cmdstr),
	    "ascii2binary");
	bin = (struct ng_mesg *)req->data;
	NG_MKMESSAGE_HDR(bin, 0, 0, len);
	strncpy(bin->header.cmdstr, cmd, sizeof(bin->header.cmdstr) - 1);
	memcpy(bin->data, args, len);
	if ((error = ng_lib_transact(cs, path, req, &reply)) != 0)
		goto out;
	bin = (struct ng_mesg *)reply->data;
	if (reply->header.arglen < sizeof(*bin) ||
	    bin->header.arglen > reply->header.arglen - sizeof(*bin)) {
		error = EPROTO;
		goto out;
	}
	bin->header.flags = NGF_ORIG;
	bin->header.token = ng_lib_next_token();
	error = ng_lib_send_msg(cs, path, bin);
	if (error == 0)
		token = (int)bin->header.token;
out:
	free(text);
	free(req);
	free(reply);
	return error != 0 ? ng_lib_fail(error) : token;
}

int
NgSendReplyMsg(int cs, const char *path, const struct ng_mesg *msg,
    const void *args, size_t arglen)
{
	struct ng_mesg *rep;
	int error;

	if (args == NULL)
		arglen = 0;
	rep = calloc(1, sizeof(*rep) + arglen);
	if (rep == NULL)
		return ng_lib_fail(ENOMEM);
	rep->header = msg->header;
	rep->header.flags = NGF_RESP;
	rep->header.arglen = arglen;
	if (arglen > 0)
		memcpy(rep->data, args, arglen);
	error = ng_lib_send_msg(cs, path, rep);
	free(rep);
	return error != 0 ? ng_lib_fail(error) : 0;
}

/*
 * Receive the next message (the reply to one request if want is not
 * NULL) into a buffer of its own, at least NG_LIB_RECVSPACE bytes and one
 * more past the message; its length, or -1 with errno.  Both receives
 * are this one: NgRecvMsg copies out of it.
 */
static int
ng_lib_alloc_recv(int cs, const struct ng_lib_want *want, struct ng_mesg **rep,
    char *path)
{
	struct ng_lib_frame *f;
	size_t size;
	int error;

	*rep = NULL;
	error = ng_lib_next(cs, NGD_MSG, want, &f);
	if (error != 0) {
		if (ng_lib_level() > 0)
			ng_lib_warn(error, "recvfrom");
		return ng_lib_fail(error);
	}
	size = f->plen > NG_LIB_RECVSPACE ? f->plen : NG_LIB_RECVSPACE;
	*rep = calloc(1, size + 1);
	if (*rep == NULL) {
		free(f);
		return ng_lib_fail(ENOMEM);
	}
	memcpy(*rep, f->payload, f->plen);
	if (path != NULL)
		snprintf(path, NG_PATHSIZ, "%s", f->addr);
	if (ng_lib_level() > 1 && f->plen >= sizeof(**rep))
		ng_lib_dump_msg(((*rep)->header.flags & NGF_RESP) ?
			"RECEIVED RESPONSE:" :
			"RECEIVED MESSAGE:",
		    f->addr, *rep, f->plen);
	error = (int)f->plen;
	free(f);
	return error;
}

int
NgAllocRecvMsg(int cs, struct ng_mesg **rep, char *path)
{
	return ng_lib_alloc_recv(cs, NULL, rep, path);
}

/* What fits of the next message; the rest is lost, as a datagram's is. */
int
NgRecvMsg(int cs, struct ng_mesg *rep, size_t replen, char *path)
{
	struct ng_mesg *m;
	int n;

	if ((n = ng_lib_alloc_recv(cs, NULL, &m, path)) < 0)
		return -1;
	if ((size_t)n > replen)
		n = (int)replen;
	memcpy(rep, m, (size_t)n);
	free(m);
	return n;
}

/*
 * Send msg and read its reply, leaving any other message that comes
 * first for the caller (FreeBSD reads whatever comes next).
 */
static int
ng_lib_transact(int cs, const char *path, struct ng_mesg *msg,
    struct ng_mesg **reply)
{
	struct ng_lib_want want;
	int n, error;

	msg->header.token = ng_lib_next_token();
	want.token = msg->header.token;
	want.cmd = msg->header.cmd;
	if ((error = ng_lib_send_msg(cs, path, msg)) != 0)
		return error;
	if ((n = ng_lib_alloc_recv(cs, &want, reply, NULL)) < 0)
		return errno;
	if ((size_t)n < sizeof(**reply) ||
	    (*reply)->header.arglen > (size_t)n - sizeof(**reply)) {
		free(*reply);
		*reply = NULL;
		return EPROTO;
	}
	return 0;
}

int
NgAllocRecvAsciiMsg(int cs, struct ng_mesg **reply, char *path)
{
	struct ng_mesg *msg = NULL, *ascii = NULL, *req = NULL;
	char src[NG_PATHSIZ];
	int n, error = 0;

	*reply = NULL;
	n = NgAllocRecvMsg(cs, &msg, src);
	if (n < 0)
		return -1;
	if ((size_t)n < sizeof(*msg)) {
		free(msg);
		return ng_lib_fail(EPROTO);
	}
	if (msg->header.arglen > (size_t)n - sizeof(*msg))
		msg->header.arglen = (uint32_t)((size_t)n - sizeof(*msg));
	/* The node it came from puts it into words (binary2ascii). */
	if ((req = calloc(1, 2 * sizeof(*req) + msg->header.arglen)) == NULL) {
		error = ENOMEM;
		goto out;
	}
	NG_MKMESSAGE_HDR(req, NGM_GENERIC_COOKIE, NGM_BINARY2ASCII,
	    sizeof(*msg) + msg->header.arglen);
	snprintf(req->header.cmdstr, sizeof(req->header.cmdstr), "cmd%d",
	    NGM_BINARY2ASCII);
	memcpy(req->data, msg, sizeof(*msg) + msg->header.arglen);
	if ((error = ng_lib_transact(cs, src, req, &ascii)) != 0)
		goto out;
	if (ascii->header.arglen < sizeof(*msg)) {
		error = EPROTO;
		goto out;
	}
	{
		struct ng_mesg *conv = (struct ng_mesg *)ascii->data;
		size_t tlen = strnlen(conv->data,
		    ascii->header.arglen - sizeof(*conv));

		*reply = calloc(1, sizeof(*msg) + tlen + 1);
		if (*reply == NULL) {
			error = ENOMEM;
			goto out;
		}
		/* The message's own header; arglen counts the text. */
		(*reply)->header = msg->header;
		(*reply)->header.arglen = (uint32_t)tlen + 1;
		memcpy((*reply)->data, conv->data, tlen);
	}
	if (path != NULL)
		snprintf(path, NG_PATHSIZ, "%s", src);
out:
	free(req);
	free(msg);
	free(ascii);
	return error != 0 ? ng_lib_fail(error) : 0;
}

int
NgRecvAsciiMsg(int cs, struct ng_mesg *rep, size_t replen, char *path)
{
	struct ng_mesg *r;
	size_t need;

	if (NgAllocRecvAsciiMsg(cs, &r, path) < 0)
		return -1;
	need = sizeof(*r) + r->header.arglen;
	if (need > replen) {
		free(r);
		return ng_lib_fail(ERANGE);
	}
	memcpy(rep, r, need);
	free(r);
	return 0;
}

int
NgSendData(int ds, const char *hook, const unsigned char *buf, size_t len)
{
	int error;

	if (hook != NULL && strlen(hook) >= NG_HOOKSIZ)
		return ng_lib_fail(EINVAL);
	if (ng_lib_level() > 1)
		ng_lib_logx("WRITE PACKET to hook \"%s\" (%zu bytes)",
		    hook != NULL ? hook : "", len);
	if (ng_lib_level() > 2)
		ng_lib_dump_data(buf, len);
	error = ng_lib_request(ds, NGD_DATA, hook != NULL ? hook : "", buf, len,
	    NULL, 0, NULL);
	if (error != 0) {
		if (ng_lib_level() > 0)
			ng_lib_warn(error, "sendto(%s)",
			    hook != NULL ? hook : "");
		return ng_lib_fail(error);
	}
	return 0;
}

int
NgRecvData(int ds, unsigned char *buf, size_t len, char *hook)
{
	struct ng_lib_frame *f;
	size_t n;
	int error;

	error = ng_lib_next(ds, NGD_DATA, NULL, &f);
	if (error != 0)
		return ng_lib_fail(error);
	n = f->plen < len ? f->plen : len;
	memcpy(buf, f->payload, n);
	if (hook != NULL)
		ng_lib_copy_hook(hook, f->addr);
	if (ng_lib_level() > 1)
		ng_lib_logx("READ PACKET from hook \"%s\" (%zu bytes)", f->addr,
		    f->plen);
	if (ng_lib_level() > 2)
		ng_lib_dump_data(buf, n);
	free(f);
	return (int)n;
}

int
NgAllocRecvData(int ds, unsigned char **buf, char *hook)
{
	struct ng_lib_frame *f;
	int error, n;

	*buf = NULL;
	error = ng_lib_next(ds, NGD_DATA, NULL, &f);
	if (error != 0)
		return ng_lib_fail(error);
	*buf = malloc(f->plen > 0 ? f->plen : 1);
	if (*buf == NULL) {
		free(f);
		return ng_lib_fail(ENOMEM);
	}
	memcpy(*buf, f->payload, f->plen);
	if (hook != NULL)
		ng_lib_copy_hook(hook, f->addr);
	if (ng_lib_level() > 1)
		ng_lib_logx("READ PACKET from hook \"%s\" (%zu bytes)", f->addr,
		    f->plen);
	if (ng_lib_level() > 2)
		ng_lib_dump_data(*buf, f->plen);
	n = (int)f->plen;
	free(f);
	return n;
}

int
NgNameNode(int cs, const char *path, const char *fmt, ...)
{
	struct ngm_name ngn;
	va_list ap;

	memset(&ngn, 0, sizeof(ngn));
	va_start(ap, fmt);
	vsnprintf(ngn.name, sizeof(ngn.name), fmt, ap);
	va_end(ap);
	if (NgSendMsg(cs, path, NGM_GENERIC_COOKIE, NGM_NAME, &ngn,
		sizeof(ngn)) < 0)
		return -1;
	return 0;
}
