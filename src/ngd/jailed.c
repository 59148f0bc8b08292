/*
 * jailed.c: whether a client of ngd sits in a jail that shares ngd's
 * network namespace (a non-vnet jail).  FreeBSD gives jailed root no
 * control of netgraph, so such a client is refused (EPERM); a vnet
 * jail's root changes its own graph, served by an ngd in the jail's own
 * network namespace.
 *
 * Every jail has a PID namespace of its own (jail_ns_flags), so a client
 * is jailed relative to ngd when its PID namespace lies below ngd's.
 * Whether ngd serves a vnet jail's graph or the host's: ngd of the host
 * (or an ngd running inside a jail) shares the network namespace of PID
 * 1 of its PID namespace; one started into a jail's namespace from
 * outside (ngctl -j, ip netns exec) does not, and then every client below
 * is the jail's own.  The peer is taken as the kernel saw it at connect
 * (SO_PEERPIDFD) and its namespaces read through that pidfd, so a pid
 * reused meanwhile cannot stand in for it.  Kernels before 6.11 lack
 * some of that: /proc/PID/ns/pid is read instead, checked against a
 * pidfd of the peer taken first.  An ngd that cannot read its own
 * namespaces refuses nobody (and says so once).
 *
 * A client whose process has exited and been reaped before ngd accepts
 * it (it sent its requests and went, while ngd was busy or stopped) has
 * no namespaces left to read, and nothing of it says where it was (its
 * pidfd says only how it ended): only who may hold its socket now
 * counts.  If no process lives in a PID namespace below ngd's (no jail
 * runs), none of them is jailed, and it is served; else it counts as
 * jailed (the safe answer: a jailed root could otherwise make its
 * connecting process exit before ngd looks, and keep the socket in
 * another).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <syslog.h>
#include <unistd.h>
#include <linux/capability.h>
#include <linux/nsfs.h>

#include "ngd.h"

#ifndef SO_PEERPIDFD
#define SO_PEERPIDFD 77
#endif
#ifndef PIDFD_GET_NET_NAMESPACE
#define PIDFD_GET_NET_NAMESPACE _IO(0xFF, 4)
#define PIDFD_GET_PID_NAMESPACE _IO(0xFF, 5)
#endif
#define NGD_PIDNS_DEPTH 32 /* the kernel's own limit */
#define NGD_SCAN_GAP_MS 10 /* /proc looked through at most this often */

/* ngd's view, read once: its PID namespace, and whether its network
 * namespace was entered rather than inherited (a vnet jail's graph). */
static struct {
	bool known;
	dev_t dev;
	ino_t ino;
	bool entered_netns;
	bool netns_apart;  /* owned by a user namespace below ours ... */
	uid_t netns_owner; /* ... made by this uid (jail(8): a vnet jail) */
	bool net_admin;    /* CAP_NET_ADMIN in our own bounding set */
} ngd_self;

static int
ngd_pidfd_open(pid_t pid)
{
	return (int)syscall(SYS_pidfd_open, pid, 0);
}

/*
 * A namespace of the process behind pidfd (pid, for /proc): kind is a
 * PIDFD_GET_* ioctl, name its /proc/PID/ns entry.  The /proc way is
 * trusted only if the pidfd's process is still alive after it, so the
 * pid was not reused in between.  -1 if it cannot be had.
 */
static int
ngd_ns_fd(int pidfd, pid_t pid, unsigned long kind, const char *name)
{
	char path[64];
	int nsfd = pidfd >= 0 ? ioctl(pidfd, kind, 0) : -1;

	if (nsfd >= 0 || pid <= 0)
		return nsfd;
	snprintf(path, sizeof(path), "/proc/%d/ns/%s", (int)pid, name);
	if ((nsfd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return -1;
	/* (No pidfd at all, as under valgrind: the pid alone, racy.) */
	if (pidfd >= 0 &&
	    syscall(SYS_pidfd_send_signal, pidfd, 0, NULL, 0) != 0 &&
	    errno != ENOSYS) {
		close(nsfd);
		return -1;
	}
	return nsfd;
}

/* The identity of a namespace (see ngd_ns_fd). */
static bool
ngd_ns_id(int pidfd, pid_t pid, unsigned long kind, dev_t *dev, ino_t *ino)
{
	struct stat st;
	int nsfd = ngd_ns_fd(pidfd, pid, kind,
	    kind == PIDFD_GET_PID_NAMESPACE ? "pid" : "net");
	bool ok;

	if (nsfd < 0)
		return false;
	ok = fstat(nsfd, &st) == 0;
	close(nsfd);
	*dev = st.st_dev;
	*ino = st.st_ino;
	return ok;
}

/*
 * Is the network namespace nsfd owned by a user namespace below ours
 * (jail(8) makes a vnet jail's so)?  Its owner's uid in *owner.
 */
static bool
ngd_netns_apart(int nsfd, uid_t *owner)
{
	int usfd = ioctl(nsfd, NS_GET_USERNS), parent;
	bool apart = false;

	if (usfd < 0)
		return false;
	/* EPERM: the user namespace is ours (or above it) */
	if ((parent = ioctl(usfd, NS_GET_PARENT)) >= 0) {
		close(parent);
		apart = ioctl(usfd, NS_GET_OWNER_UID, owner) == 0;
	}
	close(usfd);
	return apart;
}

static bool
ngd_self_read(void)
{
	dev_t nd, n1d;
	ino_t ni, n1i;
	int self, init, nsfd;
	bool ok;

	if (ngd_self.known)
		return true;
	self = ngd_pidfd_open(getpid());
	ok = ngd_ns_id(self, getpid(), PIDFD_GET_PID_NAMESPACE, &ngd_self.dev,
		 &ngd_self.ino) &&
	    ngd_ns_id(self, getpid(), PIDFD_GET_NET_NAMESPACE, &nd, &ni);
	if (ok &&
	    (nsfd = ngd_ns_fd(self, getpid(), PIDFD_GET_NET_NAMESPACE,
		 "net")) >= 0) {
		ngd_self.netns_apart = ngd_netns_apart(nsfd,
		    &ngd_self.netns_owner);
		close(nsfd);
	}
	if (self >= 0)
		close(self);
	if (!ok)
		return false;
	ngd_self.net_admin = prctl(PR_CAPBSET_READ, CAP_NET_ADMIN, 0, 0, 0) ==
	    1;
	/* PID 1 of our PID namespace; unreadable: assume the host's graph. */
	init = ngd_pidfd_open(1);
	ngd_self.entered_netns = ngd_ns_id(init, 1, PIDFD_GET_NET_NAMESPACE,
				     &n1d, &n1i) &&
	    (n1d != nd || n1i != ni);
	if (init >= 0)
		close(init);
	ngd_self.known = true;
	return true;
}

/*
 * ngd serves a network namespace it was started into from outside (a
 * vnet jail's graph reached with ngctl -j, or ip netns exec): its
 * clients there are the jail's, root included, while ngd sees the
 * host's file system as the host's root.
 */
bool
ngd_serves_entered_netns(void)
{
	return ngd_self_read() && ngd_self.entered_netns;
}

/*
 * ngd started in a jail without a network of its own (neither vnet nor
 * addresses, or one sharing the host's) by the jail's root: a stack it
 * may never configure and the jail's processes may not have configured
 * for them (ngd_peer_jailed), where FreeBSD has no graph at all.  Such an
 * ngd refuses to start.  (Started into a jail's namespace from outside,
 * by the host's root, it holds CAP_NET_ADMIN.)
 */
bool
ngd_jailed_without_net(void)
{
	return ngd_self_read() && !ngd_self.netns_apart && !ngd_self.net_admin;
}

/*
 * Whether a vnet message may send an interface to netns: home always;
 * elsewhere not from a jail's graph served from outside, whose clients
 * are the jail's and whose names under /run/netns are the host's (the
 * jail's root put an interface of its graph into another jail).
 */
bool
ngd_vnet_permitted(const char *netns)
{
	return netns[0] == '\0' || strcmp(netns, ".") == 0 ||
	    !ngd_serves_entered_netns();
}

/* The PID namespace nsfd lies strictly below ngd's.  Consumes nsfd. */
static bool
ngd_pidns_below(int nsfd)
{
	struct stat st;

	for (int depth = 0; depth <= NGD_PIDNS_DEPTH; depth++) {
		int parent;

		if (fstat(nsfd, &st) != 0)
			break;
		if (st.st_dev == ngd_self.dev && st.st_ino == ngd_self.ino) {
			close(nsfd);
			return depth > 0;
		}
		/* EPERM: above ngd's own, where the walk cannot reach it. */
		parent = ioctl(nsfd, NS_GET_PARENT);
		close(nsfd);
		if (parent < 0)
			return false;
		nsfd = parent;
	}
	close(nsfd);
	return true; /* deeper than the kernel allows: not to be trusted */
}

/*
 * Does any process live in a PID namespace below ngd's (a jail's)?  A
 * walk of /proc, O(processes): only for a client that has gone before
 * ngd could look at it, and at most once in NGD_SCAN_GAP_MS (more often,
 * the answer is yes: the safe one).
 */
static bool
ngd_any_below(void)
{
	static uint64_t last_ms;
	uint64_t now = ngd_clock_ms();
	struct dirent *de;
	bool found = false;
	DIR *dir;

	if (last_ms != 0 && now - last_ms < NGD_SCAN_GAP_MS)
		return true;
	last_ms = now;
	if ((dir = opendir("/proc")) == NULL)
		return true;
	while (!found && (de = readdir(dir)) != NULL) {
		char path[300];
		int nsfd;

		if (de->d_name[0] < '1' || de->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/ns/pid", de->d_name);
		/* (a zombie has no namespaces, and holds no socket) */
		if ((nsfd = open(path, O_RDONLY | O_CLOEXEC)) >= 0)
			found = ngd_pidns_below(nsfd);
	}
	closedir(dir);
	return found;
}

/*
 * Whether the process behind pidfd (pid) may ever configure a network:
 * CAP_NET_ADMIN in its bounding set, which jail(8) leaves to vnet jails
 * made before their stacks were owned apart (jail_confine.c), read from
 * /proc and trusted only if the pidfd's process is still alive after
 * it.  false if it cannot be read.
 */
static bool
ngd_pid_may_net_admin(int pidfd, pid_t pid)
{
	char path[64], line[256];
	unsigned long long bnd = 0;
	bool found = false;
	FILE *fp;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	if ((fp = fopen(path, "re")) == NULL)
		return false;
	while (!found && fgets(line, sizeof(line), fp) != NULL)
		found = sscanf(line, "CapBnd: %llx", &bnd) == 1;
	fclose(fp);
	if (!found ||
	    (pidfd >= 0 &&
		syscall(SYS_pidfd_send_signal, pidfd, 0, NULL, 0) != 0 &&
		errno != ENOSYS))
		return false;
	return (bnd >> CAP_NET_ADMIN) & 1;
}

/*
 * A client ngd refuses whatever it asks (EPERM).  Of the host's graph: one
 * in a jail below ngd (that shares the network: a vnet jail's has its own
 * ngd).  Of a jail's graph served from outside: its clients are its own,
 * but only a vnet jail's may change it; a jail without vnet has a network
 * namespace holding only lo (DESIGN, jails 3), where an ngd started by
 * the host's root (ngctl -j, a loop over every jail) gave its root the
 * interfaces and raw sockets it may not make itself, where FreeBSD gives
 * it no netgraph at all.  A vnet jail's root owns the user namespace that
 * owns its stack (jail(8) makes them so; in a jail made before, its
 * bounding set held CAP_NET_ADMIN); a jail without vnet has neither.
 * An ngd such a jail's root starts itself refuses the jail's clients
 * alike: it takes itself for a jail's when its stack is not owned apart
 * and its own bounding set lacks CAP_NET_ADMIN (jail(8) leaves it to no
 * jail; a host's ngd without it could make no interface either).
 */
bool
ngd_peer_jailed(int fd, pid_t pid)
{
	struct ucred cred;
	socklen_t len = sizeof(int), clen = sizeof(cred);
	int pidfd;
	bool may;

	if (!ngd_serves_entered_netns()) {
		/*
		 * Started inside a jail without vnet by its root (ngctl's
		 * autostart): a stack that is not the jail's own to
		 * configure, and an ngd that may never configure one.  Its
		 * clients are the jail's; the host's root, from above
		 * (ngctl -j: no pid here), is not.
		 */
		if (ngd_self_read() && !ngd_self.netns_apart &&
		    !ngd_self.net_admin)
			return pid != 0;
		return ngd_peer_below(fd, pid);
	}
	if (!ngd_peer_below(fd, pid))
		return false; /* the host's root, from outside */
	/* a vnet jail's stack, owned apart: its root configures it */
	if (ngd_self.netns_apart &&
	    getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &clen) == 0 &&
	    cred.uid == ngd_self.netns_owner)
		return false;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERPIDFD, &pidfd, &len) < 0)
		pidfd = ngd_pidfd_open(pid);
	may = ngd_pid_may_net_admin(pidfd, pid);
	if (pidfd >= 0)
		close(pidfd);
	return !may;
}

/*
 * The client's PID namespace lies below ngd's, whichever graph ngd
 * serves: a jail's process, root there included.
 */
bool
ngd_peer_below(int fd, pid_t pid)
{
	static bool warned;
	socklen_t len = sizeof(int);
	int pidfd, nsfd;
	bool gone = false, below;

	/*
	 * A peer with no pid in our PID namespace lives above it (the
	 * host's root reaching a jail's graph with ngctl -j), not below:
	 * an ngd inside a jail may not read such a peer's namespaces.
	 */
	if (pid == 0)
		return false;
	if (!ngd_self_read()) {
		if (!warned)
			ngd_log(LOG_WARNING,
			    "cannot read our own namespaces: "
			    "clients in jails are not told apart");
		warned = true;
		return false;
	}
	/* Before Linux 6.5: a pidfd of the pid it had at connect.  Since,
	 * an error says the peer is gone: its pid may be another's now. */
	if (getsockopt(fd, SOL_SOCKET, SO_PEERPIDFD, &pidfd, &len) < 0) {
		gone = errno != ENOPROTOOPT;
		pidfd = gone ? -1 : ngd_pidfd_open(pid);
	}
	nsfd = gone ? -1 :
		      ngd_ns_fd(pidfd, pid, PIDFD_GET_PID_NAMESPACE, "pid");
	if (nsfd >= 0) {
		if (pidfd >= 0)
			close(pidfd);
		return ngd_pidns_below(nsfd);
	}
	if (pidfd >= 0)
		close(pidfd);
	/* Reaped (a zombie's namespaces are still read): who may hold its
	 * socket now? */
	below = ngd_any_below();
	ngd_log(LOG_INFO, "pid %d exited before ngd could look at it: %s",
	    (int)pid,
	    below ? "a jail runs, so it counts as jailed" :
		    "no jail runs, so it is not jailed");
	return below;
}

/* The inode of the socket listening on path (@name: abstract), from
 * /proc/net/unix; 0 if none. */
static unsigned long
ngd_listener_ino(const char *path)
{
	char line[512], name[300];
	unsigned long ino, found = 0, flags;
	unsigned st;
	FILE *f = fopen("/proc/net/unix", "re");

	if (f == NULL)
		return 0;
	while (found == 0 && fgets(line, sizeof(line), f) != NULL) {
		name[0] = '\0';
		if (sscanf(line, "%*s %*x %*x %lx %*x %x %lu %299s", &flags,
			&st, &ino, name) == 4 &&
		    (flags & 0x10000) != 0 && /* __SO_ACCEPTCON: listening */
		    strcmp(name, path) == 0)
			found = ino;
	}
	fclose(f);
	return found;
}

/* A process holding socket inode ino open, 0 if none is found. */
static pid_t
ngd_socket_holder(unsigned long ino)
{
	char want[64], path[600], link[64];
	struct dirent *de, *fe;
	pid_t found = 0;
	DIR *dir, *fds;

	snprintf(want, sizeof(want), "socket:[%lu]", ino);
	if ((dir = opendir("/proc")) == NULL)
		return 0;
	while (found == 0 && (de = readdir(dir)) != NULL) {
		if (de->d_name[0] < '1' || de->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/fd", de->d_name);
		if ((fds = opendir(path)) == NULL)
			continue;
		while (found == 0 && (fe = readdir(fds)) != NULL) {
			ssize_t n;

			snprintf(path, sizeof(path), "/proc/%s/fd/%s",
			    de->d_name, fe->d_name);
			n = readlink(path, link, sizeof(link) - 1);
			if (n > 0) {
				link[n] = '\0';
				if (strcmp(link, want) == 0)
					found = (pid_t)atoi(de->d_name);
			}
		}
		closedir(fds);
	}
	closedir(dir);
	return found;
}

/* The name of the jail (jail(8)'s records) whose PID namespace is
 * pidns; false if none is. */
static bool
ngd_jail_of(const struct stat *pidns, char *name, size_t len)
{
	struct dirent *de;
	bool found = false;
	DIR *dir = opendir("/run/jail");

	if (dir == NULL)
		return false;
	while (!found && (de = readdir(dir)) != NULL) {
		char path[300], line[128];
		struct stat st;
		int pid = 0;
		FILE *f;

		if (de->d_name[0] == '.' || de->d_type != DT_DIR)
			continue;
		snprintf(path, sizeof(path), "/run/jail/%s/state", de->d_name);
		if ((f = fopen(path, "re")) == NULL)
			continue;
		while (pid == 0 && fgets(line, sizeof(line), f) != NULL)
			if (sscanf(line, "init %d", &pid) != 1)
				pid = 0;
		fclose(f);
		snprintf(path, sizeof(path), "/proc/%d/ns/pid", pid);
		if (pid > 0 && stat(path, &st) == 0 &&
		    st.st_dev == pidns->st_dev && st.st_ino == pidns->st_ino) {
			snprintf(name, len, "%s", de->d_name);
			found = true;
		}
	}
	closedir(dir);
	return found;
}

/*
 * Who holds the control socket path that ngd found taken (EADDRINUSE),
 * in words for its error, into why: another ngd; a process in a jail
 * that shares our network (an IP-alias or ip4=inherit jail's root may
 * bind ngd's abstract name first: jail.8); anyone else.  false if no
 * holder is found, or it is an ngd (the caller says so as it did).  A
 * walk of every process's descriptors: only when ngd cannot start.
 */
bool
ngd_name_holder(const char *path, char *why, size_t len)
{
	char p[64], comm[32] = "?", jail[256];
	unsigned long ino = ngd_listener_ino(path);
	unsigned uid = 0;
	struct stat st;
	pid_t pid;
	int nsfd;
	FILE *f;

	if (ino == 0 || (pid = ngd_socket_holder(ino)) == 0)
		return false;
	snprintf(p, sizeof(p), "/proc/%d/comm", (int)pid);
	if ((f = fopen(p, "re")) != NULL) {
		if (fgets(comm, sizeof(comm), f) != NULL)
			comm[strcspn(comm, "\n")] = '\0';
		fclose(f);
	}
	snprintf(p, sizeof(p), "/proc/%d/ns/pid", (int)pid);
	if (stat(p, &st) == 0 && ngd_self_read() &&
	    (nsfd = open(p, O_RDONLY | O_CLOEXEC)) >= 0 &&
	    ngd_pidns_below(nsfd)) {
		if (ngd_jail_of(&st, jail, sizeof(jail)))
			snprintf(why, len,
			    "held by pid %d (%s) in jail %s, not by an ngd: "
			    "start ngd before such jails (jail -r %s, or kill "
			    "%d, then start ngd)",
			    (int)pid, comm, jail, jail, (int)pid);
		else
			snprintf(why, len,
			    "held by pid %d (%s) in a jail, not by an ngd: "
			    "kill %d, then start ngd",
			    (int)pid, comm, (int)pid);
		return true;
	}
	if (strcmp(comm, "ngd") == 0)
		return false; /* the usual words */
	snprintf(p, sizeof(p), "/proc/%d", (int)pid);
	if (stat(p, &st) == 0)
		uid = (unsigned)st.st_uid;
	snprintf(why, len, "held by pid %d (%s, uid %u), not by an ngd",
	    (int)pid, comm, uid);
	return true;
}
