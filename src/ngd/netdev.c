/*
 * netdev.c: the backend of interface-backed nodes.  A TAP (eiface) or TUN
 * (iface) device opened with IFF_VNET_HDR and offloads on, so the kernel
 * hands over whole 64 KiB GSO frames with their metadata.  ngd keeps the
 * fd, so the interface may move to any namespace and keep working; name
 * changes are made in whatever namespace the interface lives in
 * (TUNGETDEVNETNS).  Per frame: one readv in, one writev out.
 */
#include <errno.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <sched.h>
#include <sys/epoll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <syslog.h>
#include <unistd.h>
#include <linux/if_tun.h>

#include "ngd.h"

#ifndef TUN_F_USO4
#define TUN_F_USO4 0x20
#define TUN_F_USO6 0x40
#endif

#define NGD_RX_BATCH 64 /* frames read per wakeup before yielding */

struct ng_netdev {
	struct ngd_io io;
	struct ng_node *node;
	enum ng_netdev_kind kind;
};

static int ngd_own_netns = -1; /* ngd's network namespace */
static int ngd_sock = -1;      /* ioctl socket in ngd's namespace */
static char ngd_machine_id[64];

int
ngd_netdev_init(void)
{
	FILE *f;

	ngd_own_netns = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (ngd_own_netns < 0)
		return errno;
	ngd_sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (ngd_sock < 0)
		return errno;
	f = fopen("/etc/machine-id", "r");
	if (f == NULL)
		f = fopen("/var/lib/dbus/machine-id", "r");
	if (f != NULL) {
		if (fgets(ngd_machine_id, sizeof(ngd_machine_id), f) == NULL)
			ngd_machine_id[0] = '\0';
		ngd_machine_id[strcspn(ngd_machine_id, "\n")] = '\0';
		fclose(f);
	}
	if (ngd_machine_id[0] == '\0')
		(void)gethostname(ngd_machine_id, sizeof(ngd_machine_id) - 1);
	return 0;
}

void
ngd_netdev_fini(void)
{
	if (ngd_sock >= 0)
		close(ngd_sock);
	if (ngd_own_netns >= 0)
		close(ngd_own_netns);
	ngd_sock = ngd_own_netns = -1;
}

static void
ngd_netdev_event(void *arg, uint32_t events)
{
	struct ng_netdev *dev = arg;
	struct ng_graph *g = dev->node->graph;

	ngd_loop_traffic();
	for (int i = 0; i < NGD_RX_BATCH; i++) {
		struct ng_pkt *pkt = ng_pkt_alloc(g);
		struct iovec iov[2];
		ssize_t n;

		if (pkt == NULL) {
			ngd_log(LOG_WARNING, "packet pool exhausted");
			return;
		}
		iov[0].iov_base = &pkt->vh;
		iov[0].iov_len = sizeof(pkt->vh);
		iov[1].iov_base = pkt->data;
		iov[1].iov_len = NG_PKT_BUFSIZE - NG_PKT_HEADROOM;
		n = readv(dev->io.fd, iov, 2);
		if (n < (ssize_t)sizeof(pkt->vh)) {
			int error = n < 0 ? errno : EIO;

			ng_pkt_free(&pkt);
			if (error == EAGAIN || error == EINTR)
				return;
			/* The interface went away under us. */
			ng_netdev_gone(dev->node); /* may free dev */
			return;
		}
		pkt->len = (uint32_t)n - sizeof(pkt->vh);
		ng_netdev_input(dev->node, &pkt); /* consumes pkt */
		if (dev->io.fd < 0)
			return;
	}
	(void)events;
}

static int
ngd_netdev_create(void *be, enum ng_netdev_kind kind, const char *ifname,
    const uint8_t mac[6], struct ng_node *node, struct ng_netdev **devp)
{
	struct ng_netdev *dev;
	struct ifreq ifr;
	unsigned offloads = TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6 |
	    TUN_F_TSO_ECN;
	int fd, error;

	(void)be;
	*devp = NULL;
	fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return errno;
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_NO_PI | IFF_VNET_HDR |
	    (kind == NG_NETDEV_TAP ? IFF_TAP : IFF_TUN);
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	if (ioctl(fd, TUNSETIFF, &ifr) < 0)
		goto fail;
	if (ioctl(fd, TUNSETOFFLOAD, offloads | TUN_F_USO4 | TUN_F_USO6) < 0 &&
	    ioctl(fd, TUNSETOFFLOAD, offloads) < 0)
		goto fail;
	if (kind == NG_NETDEV_TAP && mac != NULL) {
		memset(&ifr.ifr_hwaddr, 0, sizeof(ifr.ifr_hwaddr));
		ifr.ifr_hwaddr.sa_family = ARPHRD_ETHER;
		memcpy(ifr.ifr_hwaddr.sa_data, mac, 6);
		if (ioctl(fd, SIOCSIFHWADDR, &ifr) < 0)
			goto fail;
	}
	dev = calloc(1, sizeof(*dev));
	if (dev == NULL) {
		errno = ENOMEM;
		goto fail;
	}
	dev->io.fd = fd;
	dev->io.fn = ngd_netdev_event;
	dev->io.arg = dev;
	dev->node = node;
	dev->kind = kind;
	error = ngd_loop_add(&dev->io, EPOLLIN);
	if (error != 0) {
		free(dev);
		close(fd);
		return error;
	}
	*devp = dev;
	return 0;
fail:
	error = errno;
	close(fd);
	return error;
}

static void
ngd_netdev_destroy(void *be, struct ng_netdev *dev)
{
	(void)be;
	if (dev == NULL)
		return;
	ngd_loop_close(&dev->io); /* a non-persistent TAP dies with its fd */
	ngd_loop_defer_free(dev);
}

static int
ngd_netdev_xmit(void *be, struct ng_netdev *dev, const struct ng_pkt *pkt)
{
	struct iovec iov[2];

	(void)be;
	iov[0].iov_base = (void *)&pkt->vh;
	iov[0].iov_len = sizeof(pkt->vh);
	iov[1].iov_base = pkt->data;
	iov[1].iov_len = pkt->len;
	if (writev(dev->io.fd, iov, 2) < 0)
		return errno == EIO ? ENETDOWN : errno;
	return 0;
}

static int
ngd_netdev_set_carrier(void *be, struct ng_netdev *dev, bool on)
{
	int v = on;

	(void)be;
	if (dev == NULL)
		return ENXIO;
	return ioctl(dev->io.fd, TUNSETCARRIER, &v) < 0 ? errno : 0;
}

static int
ngd_netdev_set_mac(void *be, struct ng_netdev *dev, const uint8_t mac[6])
{
	struct ifreq ifr;

	(void)be;
	if (dev == NULL)
		return ENXIO;
	if (mac[0] & 1)
		return EINVAL; /* a multicast address cannot be a station's */
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_hwaddr.sa_family = ARPHRD_ETHER;
	memcpy(ifr.ifr_hwaddr.sa_data, mac, 6);
	return ioctl(dev->io.fd, SIOCSIFHWADDR, &ifr) < 0 ? errno : 0;
}

static int
ngd_netdev_get_mac(void *be, struct ng_netdev *dev, uint8_t mac[6])
{
	struct ifreq ifr;

	(void)be;
	memset(&ifr, 0, sizeof(ifr));
	if (ioctl(dev->io.fd, SIOCGIFHWADDR, &ifr) < 0)
		return errno;
	memcpy(mac, ifr.ifr_hwaddr.sa_data, 6);
	return 0;
}

static int
ngd_netdev_get_name(void *be, struct ng_netdev *dev, char name[16])
{
	struct ifreq ifr;

	(void)be;
	memset(&ifr, 0, sizeof(ifr));
	if (ioctl(dev->io.fd, TUNGETIFF, &ifr) < 0)
		return errno;
	snprintf(name, 16, "%s", ifr.ifr_name);
	return 0;
}

/* An ioctl socket in the namespace the device lives in now. */
static int
ngd_netdev_sock(struct ng_netdev *dev, int *sp)
{
	int nsfd, s, error = 0;

	*sp = -1;
	nsfd = ioctl(dev->io.fd, TUNGETDEVNETNS);
	if (nsfd < 0)
		return errno;
	if (setns(nsfd, CLONE_NEWNET) < 0) {
		error = errno;
		close(nsfd);
		return error;
	}
	s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		error = errno;
	if (setns(ngd_own_netns, CLONE_NEWNET) < 0) {
		ngd_log(LOG_CRIT, "cannot return to ngd's namespace: %s",
		    strerror(errno));
		abort(); /* serving another namespace's graph would be worse */
	}
	close(nsfd);
	*sp = s;
	return error;
}

static int
ngd_netdev_set_name(void *be, struct ng_netdev *dev, const char *name)
{
	struct ifreq ifr;
	char cur[16];
	short flags;
	int s = -1, error;

	error = ngd_netdev_get_name(be, dev, cur);
	if (error != 0)
		return error;
	error = ngd_netdev_sock(dev, &s);
	if (error != 0)
		return error;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", cur);
	if (ioctl(s, SIOCGIFFLAGS, &ifr) < 0)
		goto fail;
	flags = ifr.ifr_flags;
	/* Linux renames only interfaces that are down. */
	if (flags & IFF_UP) {
		ifr.ifr_flags = flags & ~IFF_UP;
		if (ioctl(s, SIOCSIFFLAGS, &ifr) < 0)
			goto fail;
	}
	snprintf(ifr.ifr_newname, sizeof(ifr.ifr_newname), "%s", name);
	error = ioctl(s, SIOCSIFNAME, &ifr) < 0 ? errno : 0;
	if (flags & IFF_UP) {
		snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s",
		    error == 0 ? name : cur);
		ifr.ifr_flags = flags;
		(void)ioctl(s, SIOCSIFFLAGS, &ifr);
	}
	close(s);
	return error;
fail:
	error = errno;
	close(s);
	return error;
}

/* Bits set in a netmask of len bytes. */
static uint8_t
ngd_prefixlen(const uint8_t *mask, size_t len)
{
	uint8_t n = 0;

	for (size_t i = 0; i < len; i++)
		for (int b = 7; b >= 0 && (mask[i] >> b) & 1; b--)
			n++;
	return n;
}

/* Read the addresses from inside the namespace the device lives in now. */
static int
ngd_netdev_get_addrs(void *be, struct ng_netdev *dev,
    struct ng_netdev_addr *addrs, unsigned max, unsigned *n)
{
	struct ifaddrs *ifa = NULL, *i;
	char name[16];
	int nsfd, error;

	*n = 0;
	if ((error = ngd_netdev_get_name(be, dev, name)) != 0)
		return error;
	if ((nsfd = ioctl(dev->io.fd, TUNGETDEVNETNS)) < 0)
		return errno;
	if (setns(nsfd, CLONE_NEWNET) < 0) {
		error = errno;
		close(nsfd);
		return error;
	}
	if (getifaddrs(&ifa) < 0)
		error = errno;
	if (setns(ngd_own_netns, CLONE_NEWNET) < 0) {
		ngd_log(LOG_CRIT, "cannot return to ngd's namespace: %s",
		    strerror(errno));
		abort(); /* serving another namespace's graph would be worse */
	}
	close(nsfd);
	if (error != 0)
		return error;
	for (i = ifa; i != NULL; i = i->ifa_next) {
		struct ng_netdev_addr *a;
		int fam;

		if (i->ifa_addr == NULL || strcmp(i->ifa_name, name) != 0)
			continue;
		fam = i->ifa_addr->sa_family;
		if (fam != AF_INET && fam != AF_INET6)
			continue;
		if (*n < max) {
			a = &addrs[*n];
			memset(a, 0, sizeof(*a));
			a->family = fam;
			if (fam == AF_INET) {
				memcpy(a->addr, &((struct sockaddr_in *)
				    i->ifa_addr)->sin_addr, 4);
				if (i->ifa_netmask != NULL)
					a->prefixlen = ngd_prefixlen(
					    (uint8_t *)&((struct sockaddr_in *)
					    i->ifa_netmask)->sin_addr, 4);
			} else {
				memcpy(a->addr, &((struct sockaddr_in6 *)
				    i->ifa_addr)->sin6_addr, 16);
				if (i->ifa_netmask != NULL)
					a->prefixlen = ngd_prefixlen(
					    (uint8_t *)&((struct sockaddr_in6 *)
					    i->ifa_netmask)->sin6_addr, 16);
			}
		}
		(*n)++;
	}
	freeifaddrs(ifa);
	return 0;
}

/* Index and up flag, asked in the namespace the device lives in now. */
static int
ngd_netdev_get_info(void *be, struct ng_netdev *dev, uint32_t *ifindex,
    bool *up)
{
	struct ifreq ifr;
	int s = -1, error;

	memset(&ifr, 0, sizeof(ifr));
	if ((error = ngd_netdev_get_name(be, dev, ifr.ifr_name)) != 0)
		return error;
	if ((error = ngd_netdev_sock(dev, &s)) != 0)
		return error;
	if (ioctl(s, SIOCGIFFLAGS, &ifr) < 0) {
		error = errno;
		close(s);
		return error;
	}
	*up = (ifr.ifr_flags & IFF_UP) != 0;
	error = ioctl(s, SIOCGIFINDEX, &ifr) < 0 ? errno : 0;
	if (error == 0)
		*ifindex = (uint32_t)ifr.ifr_ifindex;
	close(s);
	return error;
}

static bool
ngd_netdev_name_in_use(void *be, const char *name)
{
	(void)be;
	return if_nametoindex(name) != 0;
}

/* Follow OS-side renames of one node's interface; true if its name moved. */
static bool
ngd_netdev_sync_node(struct ng_node *n)
{
	char before[NG_NODESIZ];

	if (n->type->netdev == NULL)
		return false;
	memcpy(before, n->name, sizeof(before));
	ng_netdev_sync_name(n);
	return strcmp(before, n->name) != 0;
}

unsigned
ngd_netdev_sync(struct ng_graph *g)
{
	struct ng_node *n, *next;
	unsigned moved = 0;

	for (n = ng_first_node(g); n != NULL; n = next) {
		next = n->next;
		moved += ngd_netdev_sync_node(n);
	}
	return moved;
}

/*
 * Send a client's message with interface names up to date.  Asking every
 * interface before every message would make a script of N commands cost
 * N^2 ioctls, so ask only where it can matter: every interface before a
 * node list, the addressed node (and, for listhooks, its peers) before
 * anything else, and every interface once more when a generic message
 * failed to find a node whose interface was renamed meanwhile (a failed
 * generic message changed nothing, so it is sent again).
 */
int
ngd_netdev_send_msg(struct ng_node *from, const char *addr,
    struct ng_mesg *m)
{
	struct ng_graph *g = from->graph;
	bool generic = m->header.typecookie == NGM_GENERIC_COOKIE;
	struct ng_node *dest;
	int error;

	if (generic && (m->header.cmd == NGM_LISTNODES ||
			   m->header.cmd == NGM_LISTNAMES)) {
		(void)ngd_netdev_sync(g);
	} else if (ng_path2node(from, addr, &dest, NULL) == 0) {
		(void)ngd_netdev_sync_node(dest);
		if (generic && m->header.cmd == NGM_LISTHOOKS) {
			for (struct ng_hook *h = dest->hooks; h != NULL;
			     h = h->next)
				if (h->peer != NULL)
					(void)ngd_netdev_sync_node(h->peer->node);
		}
		ng_node_unref(dest);
	}
	error = ng_send_msg(from, addr, m);
	if (error == ENOENT && generic && ngd_netdev_sync(g) > 0)
		error = ng_send_msg(from, addr, m);
	return error;
}

const struct ng_netdev_ops ngd_netdev_ops = {
	.create = ngd_netdev_create,
	.destroy = ngd_netdev_destroy,
	.xmit = ngd_netdev_xmit,
	.set_carrier = ngd_netdev_set_carrier,
	.set_mac = ngd_netdev_set_mac,
	.get_mac = ngd_netdev_get_mac,
	.set_name = ngd_netdev_set_name,
	.get_name = ngd_netdev_get_name,
	.name_in_use = ngd_netdev_name_in_use,
	.get_addrs = ngd_netdev_get_addrs,
	.get_info = ngd_netdev_get_info,
	.machine_id = ngd_machine_id,
};
