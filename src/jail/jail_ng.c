/*
 * jail_ng.c: vnet.interface through ngd.  Moving a device to another
 * network namespace costs the kernel an RCU grace period per device
 * (~16 ms here), which made most of a vnet jail's creation and removal
 * time.  When the interface belongs to an eiface or iface node of the
 * graph that ngd serves in our own namespace, ngd's `vnet' message
 * places it instead: the device is made anew inside the namespace named
 * under /run/netns (with the same name and MAC, the node keeping its
 * hooks) and the old one is deleted in a batch with others, one grace
 * period for many.  The same message with "" brings it home.  Anything
 * else (no ngd, no such node, another node type, a node whose interface
 * has another name) is left to the netlink move (jail_nl.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <netgraph.h>
#include <netgraph/ng_eiface.h>
#include <netgraph/ng_iface.h>

#include "jail.h"

/*
 * One control connection per process (a forked supervisor opens its
 * own) and thread (jail_ns_destroy_many's workers).
 */
static __thread int jail_ng_cs = -1;
static __thread pid_t jail_ng_pid;
static __thread bool jail_ng_down; /* no ngd answered: do not ask again */

static void
jail_ng_quiet(const char *fmt, ...)
{
	(void)fmt;
}

static int
jail_ng_conn(void)
{
	if (jail_ng_pid != getpid()) {
		/* inherited across fork: the descriptor is not ours */
		jail_ng_cs = -1;
		jail_ng_down = false;
		jail_ng_pid = getpid();
	}
	if (jail_ng_cs >= 0)
		return 0;
	if (jail_ng_down)
		return ENOENT;
	NgSetErrLog(jail_ng_quiet, jail_ng_quiet);
	if (NgMkSockNode(NULL, &jail_ng_cs, NULL) != 0) {
		jail_ng_cs = -1;
		jail_ng_down = true;
		return ENOENT;
	}
	return 0;
}

/* This thread's connection, closed (a worker's, before it ends). */
void
jail_ng_close(void)
{
	if (jail_ng_pid == getpid() && jail_ng_cs >= 0)
		close(jail_ng_cs);
	jail_ng_cs = -1;
	jail_ng_down = false;
}

/* A reply of at most this many bytes is all we read here. */
union jail_ng_reply {
	struct ng_mesg m;
	char buf[sizeof(struct ng_mesg) + 512];
};

/*
 * ngd did not answer in time: said once, and the connection dropped (a
 * late answer would be taken for the next request's); this thread asks
 * ngd no more, and the callers move interfaces the netlink way.
 */
static int
jail_ng_timeout(const char *path, const char *cmd)
{
	int ms = NgSetTimeout(-1);

	jail_warnx(NULL,
	    "%s %s: no answer from ngd within %d.%03d s (NGD_TIMEOUT); "
	    "not asking ngd again",
	    path, cmd, ms / 1000, ms % 1000);
	jail_ng_close();
	jail_ng_down = true;
	return ETIMEDOUT;
}

/* Wait for the reply that comes with a request's status (ngd sends it
 * first), as long as the library waits for a status (NgSetTimeout). */
static int
jail_ng_wait_reply(int cs)
{
	struct pollfd pfd = { .fd = cs, .events = POLLIN };
	int ms = NgSetTimeout(-1), n;
	struct timespec t0, t;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (NgPending(cs) == 0) {
		int left = -1;

		if (ms > 0) {
			clock_gettime(CLOCK_MONOTONIC, &t);
			left = ms -
			    (int)((t.tv_sec - t0.tv_sec) * 1000 +
				(t.tv_nsec - t0.tv_nsec) / 1000000);
			if (left <= 0)
				return ETIMEDOUT;
		}
		if ((n = poll(&pfd, 1, left)) < 0 && errno != EINTR)
			return errno;
		if (n > 0 && (pfd.revents & (POLLHUP | POLLERR)))
			return 0; /* the receive says what became of it */
	}
	return 0;
}

static int
jail_ng_ask(const char *path, int cookie, int cmd, const char *what,
    union jail_ng_reply *rep)
{
	int error;

	if (NgSendMsg(jail_ng_cs, path, cookie, cmd, NULL, 0) < 0)
		return errno == ETIMEDOUT ? jail_ng_timeout(path, what) : errno;
	if ((error = jail_ng_wait_reply(jail_ng_cs)) != 0)
		return error == ETIMEDOUT ? jail_ng_timeout(path, what) : error;
	if (NgRecvMsg(jail_ng_cs, &rep->m, sizeof(*rep), NULL) < 0)
		return errno;
	rep->buf[sizeof(rep->buf) - 1] = '\0';
	return 0;
}

/*
 * Place the interface ifname of our graph in netns ("" = home).
 * 0: done by ngd; ENOENT: not ngd's to place (the caller moves it);
 * another errno: ngd tried and failed.
 */
int
jail_ng_vnet(const char *ifname, const char *netns)
{
	char path[NG_PATHSIZ], arg[NG_PATHSIZ + 64];
	int cookie, vnet, error;
	size_t len;

	if (strlen(ifname) + 2 > sizeof(path) || jail_ng_conn() != 0)
		return ENOENT;
	snprintf(path, sizeof(path), "%s:", ifname);
	/*
	 * Home: an eiface is asked at once, with no name to check (a
	 * thousand jails removed: ngd's time per message is what they wait
	 * for).  Only an eiface takes the cookie; any other node refuses it
	 * (EINVAL), and then the check decides, as it does when the eiface
	 * could not do it (said by the second try).  The
	 * node of that name brings home the interface it has, whatever its
	 * name became in the jail, as the check's failure led to anyway (the
	 * namespace's end makes it anew at home).
	 */
	if (netns[0] == '\0') {
		jail_test_hold("JAIL_TEST_HOME_LATE", true);
		if (NgSendMsg(jail_ng_cs, path, NGM_EIFACE_COOKIE,
			NGM_EIFACE_VNET, netns, 1) >= 0)
			return 0;
		if ((error = errno) == ETIMEDOUT)
			return jail_ng_timeout(path, "vnet");
		if (error == ENOENT)
			return ENOENT; /* no such node */
	}
	/*
	 * The node of that name must be the interface of that name: the
	 * vnet message says so with the name after the namespace (ENODEV
	 * otherwise), one round trip and no getifname.  An eiface's vnet
	 * is taken only by an eiface (any other type refuses the cookie:
	 * EINVAL), then an iface's.
	 */
	if (strlen(netns) + strlen(ifname) + 2 > sizeof(arg))
		return ENOENT;
	len = strlen(netns) + 1;
	memcpy(arg, netns, len);
	memcpy(arg + len, ifname, strlen(ifname) + 1);
	len += strlen(ifname) + 1;
	jail_test_vnet_late(true);
	for (int i = 0; i < 2; i++) {
		cookie = i == 0 ? NGM_EIFACE_COOKIE : NGM_IFACE_COOKIE;
		vnet = i == 0 ? NGM_EIFACE_VNET : NGM_IFACE_VNET;
		if (NgSendMsg(jail_ng_cs, path, cookie, vnet, arg, len) >= 0)
			return 0;
		if ((error = errno) == ETIMEDOUT)
			return jail_ng_timeout(path, "vnet");
		if (error == ENOENT || error == ENODEV)
			return ENOENT; /* no such node, or another interface */
		if (error != EINVAL)
			return error;
	}
	return ENOENT;
}

void
jail_test_vnet_late(bool want)
{
	jail_test_hold("JAIL_TEST_VNET_LATE", want);
}

/*
 * A test's hold (env names a file's path, unset: none).  want: FILE.held
 * made, then wait until FILE exists; !want: wait until it is gone.  30 s
 * at most.
 */
void
jail_test_hold(const char *env, bool want)
{
	const char *gate = getenv(env);
	char held[PATH_MAX];
	int fd;

	if (gate == NULL || gate[0] == '\0')
		return;
	/* held before the request: FILE.held says so */
	if (want &&
	    snprintf(held, sizeof(held), "%s.held", gate) < (int)sizeof(held) &&
	    (fd = open(held, O_WRONLY | O_CREAT | O_CLOEXEC, 0600)) >= 0)
		close(fd);
	for (int i = 0; i < 3000 && (access(gate, F_OK) == 0) != want; i++)
		usleep(10000);
}

int
jail_ng_barrier(void)
{
	union jail_ng_reply rep;

	if (jail_ng_conn() != 0)
		return ENOENT;
	/* our own node's info: no interface read, nothing changed */
	return jail_ng_ask(".", NGM_GENERIC_COOKIE, NGM_NODEINFO, "nodeinfo",
	    &rep);
}

/* Is this process in the network namespace the record calls home? */
bool
jail_ng_at_home(const struct jail_rec *r)
{
	struct stat st;

	return stat("/proc/self/ns/net", &st) == 0 &&
	    st.st_dev == r->home_dev && st.st_ino == r->home_ino;
}
