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
 * reused meanwhile cannot stand in for it.  Anything that cannot be
 * checked counts as jailed.
 */
#include <errno.h>
#include <stdio.h>
#include <fcntl.h>
#include <stdbool.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
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

/* ngd's view, read once: its PID namespace, and whether its network
 * namespace was entered rather than inherited (a vnet jail's graph). */
static struct {
	bool known;
	dev_t dev;
	ino_t ino;
	bool entered_netns;
} ngd_self;

static int
ngd_pidfd_open(pid_t pid)
{
	return (int)syscall(SYS_pidfd_open, pid, 0);
}

/* Namespace fd of kind (a PIDFD_GET_* ioctl) of the process behind pidfd. */
static bool
ngd_ns_id(int pidfd, unsigned long kind, dev_t *dev, ino_t *ino)
{
	struct stat st;
	int nsfd = ioctl(pidfd, kind, 0);
	bool ok;

	if (nsfd < 0)
		return false;
	ok = fstat(nsfd, &st) == 0;
	close(nsfd);
	*dev = st.st_dev;
	*ino = st.st_ino;
	return ok;
}

/* The same through /proc, where pidfds are not to be had. */
static bool
ngd_proc_ns_id(const char *pid, const char *kind, dev_t *dev, ino_t *ino)
{
	char path[64];
	struct stat st;

	snprintf(path, sizeof(path), "/proc/%s/ns/%s", pid, kind);
	if (stat(path, &st) != 0)
		return false;
	*dev = st.st_dev;
	*ino = st.st_ino;
	return true;
}

static bool
ngd_self_read(void)
{
	dev_t nd, n1d;
	ino_t ni, n1i;
	int self, init;
	bool ok;

	if (ngd_self.known)
		return true;
	if ((self = ngd_pidfd_open(getpid())) >= 0) {
		ok = ngd_ns_id(self, PIDFD_GET_PID_NAMESPACE, &ngd_self.dev,
		    &ngd_self.ino) &&
		    ngd_ns_id(self, PIDFD_GET_NET_NAMESPACE, &nd, &ni);
		close(self);
	} else {
		/* no pidfds (or valgrind, which does not know them) */
		ok = ngd_proc_ns_id("self", "pid", &ngd_self.dev,
		    &ngd_self.ino) &&
		    ngd_proc_ns_id("self", "net", &nd, &ni);
	}
	if (!ok)
		return false;
	/* PID 1 of our PID namespace; unreadable: assume the host's graph. */
	if ((init = ngd_pidfd_open(1)) >= 0) {
		ngd_self.entered_netns =
		    ngd_ns_id(init, PIDFD_GET_NET_NAMESPACE, &n1d, &n1i) &&
		    (n1d != nd || n1i != ni);
		close(init);
	} else if (ngd_proc_ns_id("1", "net", &n1d, &n1i)) {
		ngd_self.entered_netns = n1d != nd || n1i != ni;
	}
	ngd_self.known = true;
	return true;
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

bool
ngd_peer_jailed(int fd, pid_t pid)
{
	socklen_t len = sizeof(int);
	int pidfd, nsfd;

	/*
	 * A peer with no pid in our PID namespace lives above it (the
	 * host's root reaching a jail's graph with ngctl -j), not below:
	 * an ngd inside a jail may not read such a peer's namespaces.
	 */
	if (pid == 0)
		return false;
	if (!ngd_self_read())
		return true;
	if (ngd_self.entered_netns)
		return false; /* a vnet jail's graph: its clients are its own */
	if (getsockopt(fd, SOL_SOCKET, SO_PEERPIDFD, &pidfd, &len) == 0) {
		nsfd = ioctl(pidfd, PIDFD_GET_PID_NAMESPACE, 0);
		close(pidfd);
	} else {
		/* Without SO_PEERPIDFD (before Linux 6.5, or valgrind):
		 * the pid the kernel gave at connect, through /proc. */
		char path[64];

		snprintf(path, sizeof(path), "/proc/%d/ns/pid", (int)pid);
		nsfd = open(path, O_RDONLY | O_CLOEXEC);
	}
	if (nsfd < 0)
		return true; /* gone already, or a kernel without pidfs */
	return ngd_pidns_below(nsfd);
}
