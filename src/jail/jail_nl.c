/*
 * jail_nl.c: the few route netlink requests the jail tools make: find a
 * link (by name or index), move it to another network namespace
 * (renaming it on the way), bring it up, add an address.  Through
 * libmnl: every attribute is put with its bound checked (a request that
 * does not fit is EMSGSIZE, never sent short), every reply is checked
 * against our sequence number and port, and every error comes back as
 * an errno.  A socket belongs to the namespace it was opened in, so
 * jail_nl_open() opens it inside the one asked for.
 *
 * And a link's identity, which netlink does not give: the node sysfs has
 * for it (jail_sys_*), read through a sysfs of the namespace's own.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <libmnl/libmnl.h>
#include <linux/fib_rules.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>

#include "jail.h"

struct jail_nl {
	struct mnl_socket *sock;
	unsigned portid;
	unsigned seq;
};

static int jail_sys_mount(int *dfdp);

int
jail_nl_open(int nsfd, struct jail_nl **nlp)
{
	return jail_nl_open_sys(nsfd, nlp, NULL);
}

/* The socket, and with sysp the links' directory (jail_sys_open) too:
 * both made in one visit to the namespace. */
int
jail_nl_open_sys(int nsfd, struct jail_nl **nlp, int *sysp)
{
	struct jail_nl *nl;
	int home = -1, error = 0;

	*nlp = NULL;
	if (sysp != NULL)
		*sysp = -1;
	if ((nl = calloc(1, sizeof(*nl))) == NULL)
		return ENOMEM;
	if (nsfd >= 0) {
		if ((home = open("/proc/thread-self/ns/net",
			 O_RDONLY | O_CLOEXEC)) < 0 ||
		    setns(nsfd, CLONE_NEWNET) != 0) {
			error = errno;
			if (home >= 0)
				close(home);
			free(nl);
			return error;
		}
	}
	if ((nl->sock = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC)) ==
		NULL ||
	    mnl_socket_bind(nl->sock, 0, MNL_SOCKET_AUTOPID) != 0)
		error = errno;
	if (error == 0 && sysp != NULL)
		error = jail_sys_mount(sysp);
	if (home >= 0) {
		/* we cannot stay in the other namespace */
		if (setns(home, CLONE_NEWNET) != 0 && error == 0)
			error = errno;
		close(home);
	}
	if (error != 0) {
		if (sysp != NULL && *sysp >= 0)
			close(*sysp);
		if (sysp != NULL)
			*sysp = -1;
		jail_nl_close(nl);
		return error;
	}
	nl->portid = mnl_socket_get_portid(nl->sock);
	nl->seq = (unsigned)time(NULL);
	*nlp = nl;
	return 0;
}

void
jail_nl_close(struct jail_nl *nl)
{
	if (nl == NULL)
		return;
	if (nl->sock != NULL)
		mnl_socket_close(nl->sock);
	free(nl);
}

/* A request of type with an ifinfomsg/ifaddrmsg header of hdrlen. */
static struct nlmsghdr *
jail_nl_request(char *buf, int type, int flags, size_t hdrlen)
{
	struct nlmsghdr *h = mnl_nlmsg_put_header(buf);

	h->nlmsg_type = (uint16_t)type;
	h->nlmsg_flags = (uint16_t)(NLM_F_REQUEST | NLM_F_ACK | flags);
	mnl_nlmsg_put_extra_header(h, hdrlen);
	return h;
}

/*
 * Send h and read replies up to its acknowledgement; cb (may be NULL)
 * sees each data message.  0 or the errno the kernel (or libmnl) gave.
 */
static int
jail_nl_talk(struct jail_nl *nl, struct nlmsghdr *h, mnl_cb_t cb, void *data)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	ssize_t n;
	int r;

	h->nlmsg_seq = ++nl->seq;
	if (mnl_socket_sendto(nl->sock, h, h->nlmsg_len) < 0)
		return errno;
	for (;;) {
		if ((n = mnl_socket_recvfrom(nl->sock, buf, sizeof(buf))) < 0) {
			if (errno == EINTR)
				continue;
			return errno;
		}
		r = mnl_cb_run(buf, (size_t)n, h->nlmsg_seq, nl->portid, cb,
		    data);
		if (r == MNL_CB_ERROR)
			return errno != 0 ? errno : EIO;
		if (r == MNL_CB_STOP)
			return 0;
	}
}

static int
jail_link_cb(const struct nlmsghdr *h, void *data)
{
	const struct ifinfomsg *ifi;

	if (h->nlmsg_type != RTM_NEWLINK ||
	    mnl_nlmsg_get_payload_len(h) < sizeof(*ifi))
		return MNL_CB_OK;
	ifi = mnl_nlmsg_get_payload(h);
	*(int *)data = ifi->ifi_index;
	return MNL_CB_OK;
}

/* The index of the link called name in the socket's namespace. */
int
jail_nl_index(struct jail_nl *nl, const char *name, int *idxp)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *h;
	struct ifinfomsg *ifi;
	int idx = 0, error;

	if (strlen(name) >= IFNAMSIZ)
		return ENODEV;
	h = jail_nl_request(buf, RTM_GETLINK, 0, sizeof(*ifi));
	ifi = mnl_nlmsg_get_payload(h);
	ifi->ifi_family = AF_UNSPEC;
	if (!mnl_attr_put_strz_check(h, sizeof(buf), IFLA_IFNAME, name))
		return EMSGSIZE;
	if ((error = jail_nl_talk(nl, h, jail_link_cb, &idx)) != 0)
		return error;
	if (idx <= 0)
		return ENODEV;
	*idxp = idx;
	return 0;
}

/* Is there a link of index idx in the socket's namespace? 0 or ENODEV. */
int
jail_nl_link(struct jail_nl *nl, int idx)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *h;
	struct ifinfomsg *ifi;
	int found = 0, error;

	h = jail_nl_request(buf, RTM_GETLINK, 0, sizeof(*ifi));
	ifi = mnl_nlmsg_get_payload(h);
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = idx;
	if ((error = jail_nl_talk(nl, h, jail_link_cb, &found)) != 0)
		return error;
	return found == idx ? 0 : ENODEV;
}

static int
jail_ifname_cb(const struct nlmsghdr *h, void *data)
{
	const struct nlattr *a;
	char *name = data;

	if (h->nlmsg_type != RTM_NEWLINK)
		return MNL_CB_OK;
	mnl_attr_for_each(a, h,
	    sizeof(struct ifinfomsg)) if (mnl_attr_get_type(a) == IFLA_IFNAME &&
	    mnl_attr_validate(a, MNL_TYPE_NUL_STRING) == 0 &&
	    mnl_attr_get_payload_len(a) <= IFNAMSIZ)
	    memcpy(name, mnl_attr_get_str(a), mnl_attr_get_payload_len(a));
	return MNL_CB_OK;
}

/* The name of link idx in the socket's namespace. */
int
jail_nl_ifname(struct jail_nl *nl, int idx, char *name)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *h;
	struct ifinfomsg *ifi;
	int error;

	name[0] = '\0';
	h = jail_nl_request(buf, RTM_GETLINK, 0, sizeof(*ifi));
	ifi = mnl_nlmsg_get_payload(h);
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = idx;
	if ((error = jail_nl_talk(nl, h, jail_ifname_cb, name)) != 0)
		return error;
	return name[0] != '\0' ? 0 : ENODEV;
}

/* Move link idx into the namespace nsfd, renamed to newname if given. */
int
jail_nl_move(struct jail_nl *nl, int idx, int nsfd, const char *newname)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *h;
	struct ifinfomsg *ifi;

	h = jail_nl_request(buf, RTM_NEWLINK, 0, sizeof(*ifi));
	ifi = mnl_nlmsg_get_payload(h);
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = idx;
	if (!mnl_attr_put_u32_check(h, sizeof(buf), IFLA_NET_NS_FD,
		(uint32_t)nsfd))
		return EMSGSIZE;
	if (newname != NULL &&
	    !mnl_attr_put_strz_check(h, sizeof(buf), IFLA_IFNAME, newname))
		return EMSGSIZE;
	return jail_nl_talk(nl, h, NULL, NULL);
}

int
jail_nl_up(struct jail_nl *nl, int idx)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *h;
	struct ifinfomsg *ifi;

	h = jail_nl_request(buf, RTM_NEWLINK, 0, sizeof(*ifi));
	ifi = mnl_nlmsg_get_payload(h);
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = idx;
	ifi->ifi_flags = IFF_UP;
	ifi->ifi_change = IFF_UP;
	return jail_nl_talk(nl, h, NULL, NULL);
}

int
jail_nl_addr(struct jail_nl *nl, int idx, const struct jail_addr *a)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	size_t alen = a->family == AF_INET ? 4 : 16;
	struct nlmsghdr *h;
	struct ifaddrmsg *ifa;

	h = jail_nl_request(buf, RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL,
	    sizeof(*ifa));
	ifa = mnl_nlmsg_get_payload(h);
	ifa->ifa_family = (unsigned char)a->family;
	ifa->ifa_prefixlen = (unsigned char)a->prefixlen;
	ifa->ifa_index = (unsigned)idx;
	/* as ip(8) does: the kernel refuses 127/8 in any wider scope */
	if (a->family == AF_INET && a->addr[0] == 127)
		ifa->ifa_scope = RT_SCOPE_HOST;
	if (!mnl_attr_put_check(h, sizeof(buf), IFA_LOCAL, alen, a->addr) ||
	    !mnl_attr_put_check(h, sizeof(buf), IFA_ADDRESS, alen, a->addr))
		return EMSGSIZE;
	/* no duplicate address detection: the address works at once */
	if (a->family == AF_INET6 &&
	    !mnl_attr_put_u32_check(h, sizeof(buf), IFA_FLAGS, IFA_F_NODAD))
		return EMSGSIZE;
	return jail_nl_talk(nl, h, NULL, NULL);
}

/* Remove an address jail_nl_addr() added (an IP-alias jail's alias). */
int
jail_nl_deladdr(struct jail_nl *nl, int idx, const struct jail_addr *a)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	size_t alen = a->family == AF_INET ? 4 : 16;
	struct nlmsghdr *h;
	struct ifaddrmsg *ifa;

	h = jail_nl_request(buf, RTM_DELADDR, 0, sizeof(*ifa));
	ifa = mnl_nlmsg_get_payload(h);
	ifa->ifa_family = (unsigned char)a->family;
	ifa->ifa_prefixlen = (unsigned char)a->prefixlen;
	ifa->ifa_index = (unsigned)idx;
	if (!mnl_attr_put_check(h, sizeof(buf), IFA_LOCAL, alen, a->addr))
		return EMSGSIZE;
	return jail_nl_talk(nl, h, NULL, NULL);
}

/*
 * A link's identity, which a jail cannot forge: the inode of its
 * directory in sysfs.  kernfs numbers every node it makes anew (a
 * generation in the high bits when the numbers wrap), and a link keeps
 * its node when it moves between namespaces.  Its name and its index
 * are the jail's to choose: jailed root may rename the link it was lent
 * and make another under its name, or destroy it and make another at
 * its index (ip link add ... index N).
 *
 * jail_sys_open: /sys/class/net of the namespace nsfd (-1: ours), from
 * a sysfs mounted for it and attached nowhere (a sysfs shows the links
 * of the namespace it was mounted in, whatever /sys shows us).
 */
int
jail_sys_open(int nsfd, int *dfdp)
{
	int home = -1, error;

	*dfdp = -1;
	if (nsfd >= 0) {
		if ((home = open("/proc/thread-self/ns/net",
			 O_RDONLY | O_CLOEXEC)) < 0)
			return errno;
		if (setns(nsfd, CLONE_NEWNET) != 0) {
			error = errno;
			close(home);
			return error;
		}
	}
	error = jail_sys_mount(dfdp);
	if (home >= 0) {
		/* we cannot stay in the other namespace */
		if (setns(home, CLONE_NEWNET) != 0 && error == 0)
			error = errno;
		close(home);
	}
	if (error != 0 && *dfdp >= 0) {
		close(*dfdp);
		*dfdp = -1;
	}
	return error;
}

/* jail_sys_open's directory, of the namespace we are in. */
static int
jail_sys_mount(int *dfdp)
{
	int fs = -1, mnt = -1, error = 0;

	*dfdp = -1;
	/* the superblock is the namespace's we are in when it is made */
	if ((fs = fsopen("sysfs", FSOPEN_CLOEXEC)) < 0 ||
	    fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) != 0 ||
	    (mnt = fsmount(fs, FSMOUNT_CLOEXEC,
		 MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV |
		     MOUNT_ATTR_NOEXEC)) < 0)
		error = errno;
	if (error == 0 &&
	    (*dfdp = openat(mnt, "class/net",
		 O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		error = errno;
	if (mnt >= 0)
		close(mnt); /* the directory holds the mount */
	if (fs >= 0)
		close(fs);
	return error;
}

/* The index in ifindex of the link directory name of dfd, or 0. */
static int
jail_sys_index(int dfd, const char *name)
{
	char path[IFNAMSIZ + 16], buf[16];
	ssize_t n;
	int fd, idx = 0;

	if (strlen(name) >= IFNAMSIZ)
		return 0;
	snprintf(path, sizeof(path), "%s/ifindex", name);
	if ((fd = openat(dfd, path, O_RDONLY | O_CLOEXEC)) < 0)
		return 0;
	if ((n = read(fd, buf, sizeof(buf) - 1)) > 0) {
		buf[n] = '\0';
		idx = atoi(buf);
	}
	close(fd);
	return idx;
}

/*
 * Through the links of dfd (jail_sys_open): the one of index idx (> 0),
 * or of identity *idp; fills the other.  0, or ENODEV: none.
 */
static int
jail_sys_scan(int dfd, int idx, int *idxp, unsigned long long *idp)
{
	struct dirent *de;
	struct stat st;
	DIR *d;
	int fd, i, error = ENODEV;

	if ((fd = openat(dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return errno;
	if ((d = fdopendir(fd)) == NULL) {
		error = errno;
		close(fd);
		return error;
	}
	while (error == ENODEV && (de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.' ||
		    fstatat(dfd, de->d_name, &st, 0) != 0 ||
		    !S_ISDIR(st.st_mode))
			continue;
		if (idx > 0 ? jail_sys_index(dfd, de->d_name) != idx :
			      (unsigned long long)st.st_ino != *idp)
			continue;
		if ((i = jail_sys_index(dfd, de->d_name)) <= 0)
			continue;
		*idxp = i;
		*idp = (unsigned long long)st.st_ino;
		error = 0;
	}
	closedir(d);
	return error;
}

/* The identity of link idx. */
int
jail_sys_id(int dfd, int idx, unsigned long long *idp)
{
	int i;

	if (idx <= 0)
		return ENODEV;
	return jail_sys_scan(dfd, idx, &i, idp);
}

/* The index of the link of identity id. */
int
jail_sys_find(int dfd, unsigned long long id, int *idxp)
{
	return jail_sys_scan(dfd, 0, idxp, &id);
}

/* --- routes with a source of the jail's (jail_ipalias.c) ---------------- */

/* The routes of a dump, kept to be added once the dump is over. */
struct jail_rt_dump {
	uint32_t table;
	char **msgs;
	size_t n;
	int error;
};

static uint32_t
jail_rt_table(const struct nlmsghdr *h)
{
	const struct rtmsg *rtm = mnl_nlmsg_get_payload(h);
	const struct nlattr *a;
	uint32_t table = rtm->rtm_table;

	mnl_attr_for_each(a, h,
	    sizeof(*rtm)) if (mnl_attr_get_type(a) == RTA_TABLE &&
	    mnl_attr_validate(a, MNL_TYPE_U32) == 0)
	    table = mnl_attr_get_u32(a);
	return table;
}

static int
jail_rt_dump_cb(const struct nlmsghdr *h, void *data)
{
	struct jail_rt_dump *d = data;
	const struct rtmsg *rtm;
	char **nm, *m;

	if (h->nlmsg_type != RTM_NEWROUTE ||
	    mnl_nlmsg_get_payload_len(h) < sizeof(*rtm) || d->error != 0)
		return MNL_CB_OK;
	rtm = mnl_nlmsg_get_payload(h);
	/* the table's routes as the host made them (no cache, no clone) */
	if (jail_rt_table(h) != d->table || (rtm->rtm_flags & RTM_F_CLONED))
		return MNL_CB_OK;
	if ((nm = realloc(d->msgs, (d->n + 1) * sizeof(*nm))) == NULL ||
	    (m = malloc(h->nlmsg_len)) == NULL) {
		if (nm != NULL)
			d->msgs = nm;
		d->error = ENOMEM;
		return MNL_CB_OK;
	}
	memcpy(m, h, h->nlmsg_len);
	d->msgs = nm;
	d->msgs[d->n++] = m;
	return MNL_CB_OK;
}

static int
jail_rt_dump(struct jail_nl *nl, int family, struct jail_rt_dump *d)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *h;
	struct rtmsg *rtm;
	int error;

	h = jail_nl_request(buf, RTM_GETROUTE, NLM_F_DUMP, sizeof(*rtm));
	rtm = mnl_nlmsg_get_payload(h);
	rtm->rtm_family = (unsigned char)family;
	if ((error = jail_nl_talk(nl, h, jail_rt_dump_cb, d)) == 0)
		error = d->error;
	return error;
}

static void
jail_rt_dump_free(struct jail_rt_dump *d)
{
	for (size_t i = 0; i < d->n; i++)
		free(d->msgs[i]);
	free(d->msgs);
	d->msgs = NULL;
	d->n = 0;
}

/* Does a (family's, len bytes) hold the prefix p/plen? */
static bool
jail_rt_within(const unsigned char *a, const unsigned char *p, int plen)
{
	for (int b = 0; b < plen; b++)
		if (((a[b / 8] ^ p[b / 8]) >> (7 - b % 8)) & 1)
			return false;
	return true;
}

/*
 * The source for a route of the main table: with saddrsel, the first
 * address whose prefix holds the route's gateway (or, with none, its
 * destination), else the first address; as the programs choose one for
 * a connection (jail_sock.bpf.c, pick4/pick6).
 */
static const struct jail_addr *
jail_rt_src(const struct nlmsghdr *h, const struct jail_addr *srcs, size_t n,
    bool saddrsel)
{
	const struct rtmsg *rtm = mnl_nlmsg_get_payload(h);
	const struct nlattr *a;
	const unsigned char *to = NULL;
	size_t alen = rtm->rtm_family == AF_INET ? 4 : 16;

	mnl_attr_for_each(a, h, sizeof(*rtm))
	{
		if (mnl_attr_get_payload_len(a) != alen)
			continue;
		if (mnl_attr_get_type(a) == RTA_GATEWAY)
			to = mnl_attr_get_payload(a);
		else if (mnl_attr_get_type(a) == RTA_DST && to == NULL)
			to = mnl_attr_get_payload(a);
	}
	for (size_t i = 0; saddrsel && to != NULL && i < n; i++)
		if (jail_rt_within(to, srcs[i].addr, srcs[i].prefixlen))
			return &srcs[i];
	return &srcs[0];
}

/* Route h, in table table with src as its source. */
static int
jail_rt_add(struct jail_nl *nl, const struct nlmsghdr *h, uint32_t table,
    const struct jail_addr *src)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	const struct rtmsg *from = mnl_nlmsg_get_payload(h);
	const struct nlattr *a;
	struct nlmsghdr *n;
	struct rtmsg *rtm;

	n = jail_nl_request(buf, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_REPLACE,
	    sizeof(*rtm));
	rtm = mnl_nlmsg_get_payload(n);
	*rtm = *from;
	rtm->rtm_table = RT_TABLE_UNSPEC;
	/* the state the kernel reports (dead, link down, offloaded) is no
	 * flag a new route may carry (EINVAL) */
	rtm->rtm_flags &= RTNH_F_ONLINK;
	mnl_attr_for_each(a, h, sizeof(*from))
	{
		uint16_t t = mnl_attr_get_type(a);

		/* what the kernel reports and does not take, and what we set */
		if (t == RTA_TABLE || t == RTA_PREFSRC || t == RTA_CACHEINFO ||
		    t == RTA_EXPIRES)
			continue;
		if (t == RTA_MULTIPATH) {
			char mp[1024];
			size_t len = mnl_attr_get_payload_len(a), off = 0;

			if (len > sizeof(mp))
				return EMSGSIZE;
			memcpy(mp, mnl_attr_get_payload(a), len);
			/* each next hop's flags as the route's */
			while (off + sizeof(struct rtnexthop) <= len) {
				struct rtnexthop *nh = (void *)(mp + off);

				if (nh->rtnh_len < sizeof(*nh))
					break;
				nh->rtnh_flags &= RTNH_F_ONLINK;
				off += RTNH_ALIGN(nh->rtnh_len);
			}
			if (!mnl_attr_put_check(n, sizeof(buf), t, len, mp))
				return EMSGSIZE;
			continue;
		}
		if (!mnl_attr_put_check(n, sizeof(buf), t,
			mnl_attr_get_payload_len(a), mnl_attr_get_payload(a)))
			return EMSGSIZE;
	}
	if (!mnl_attr_put_u32_check(n, sizeof(buf), RTA_TABLE, table) ||
	    !mnl_attr_put_check(n, sizeof(buf), RTA_PREFSRC,
		src->family == AF_INET ? 4 : 16, src->addr))
		return EMSGSIZE;
	return jail_nl_talk(nl, n, NULL, NULL);
}

/*
 * Table table (of family's routes) made a copy of the main table's
 * unicast routes, each with a source among srcs (n of them, that
 * family's; saddrsel: chosen by prefix).  Routes the kernel refuses (a
 * source that is not an address of the host's: an ip4.addr without an
 * interface) are left out; 0 if any was added or none was to be.
 * E2BIG: more than JAIL_RT_MAX, the first of them copied.
 */
#define JAIL_RT_MAX 1024 /* routes copied: a router's full table is not */

/* Do two routes (dumped) have the same key: destination, tos, metric? */
static bool
jail_rt_same(const struct nlmsghdr *a, const struct nlmsghdr *b)
{
	const struct rtmsg *x = mnl_nlmsg_get_payload(a);
	const struct rtmsg *y = mnl_nlmsg_get_payload(b);
	const void *dx = NULL, *dy = NULL;
	uint32_t px = 0, py = 0;
	const struct nlattr *at;

	if (x->rtm_family != y->rtm_family ||
	    x->rtm_dst_len != y->rtm_dst_len || x->rtm_tos != y->rtm_tos)
		return false;
	mnl_attr_for_each(at, a, sizeof(*x))
	{
		if (mnl_attr_get_type(at) == RTA_DST)
			dx = mnl_attr_get_payload(at);
		else if (mnl_attr_get_type(at) == RTA_PRIORITY &&
		    mnl_attr_get_payload_len(at) == 4)
			px = mnl_attr_get_u32(at);
	}
	mnl_attr_for_each(at, b, sizeof(*y))
	{
		if (mnl_attr_get_type(at) == RTA_DST)
			dy = mnl_attr_get_payload(at);
		else if (mnl_attr_get_type(at) == RTA_PRIORITY &&
		    mnl_attr_get_payload_len(at) == 4)
			py = mnl_attr_get_u32(at);
	}
	if (px != py || (dx == NULL) != (dy == NULL))
		return false;
	return dx == NULL ||
	    memcmp(dx, dy, x->rtm_family == AF_INET ? 4 : 16) == 0;
}

/* Route h (dumped) deleted. */
static void
jail_rt_del(struct jail_nl *nl, const struct nlmsghdr *h)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *n;

	if (h->nlmsg_len > sizeof(buf))
		return;
	n = jail_nl_request(buf, RTM_DELROUTE, 0, 0);
	/* the route as dumped, its header ours */
	memcpy(mnl_nlmsg_get_payload(n), mnl_nlmsg_get_payload(h),
	    mnl_nlmsg_get_payload_len(h));
	n->nlmsg_len = h->nlmsg_len;
	(void)jail_nl_talk(nl, n, NULL, NULL);
}

int
jail_nl_rt_copy(struct jail_nl *nl, int family, unsigned table,
    const struct jail_addr *srcs, size_t n, bool saddrsel)
{
	struct jail_rt_dump d = { .table = RT_TABLE_MAIN },
			    t = { .table = table };
	int error, first = 0;
	size_t added = 0, tried = 0;

	if (n == 0)
		return 0;
	if ((error = jail_rt_dump(nl, family, &d)) != 0 ||
	    (error = jail_rt_dump(nl, family, &t)) != 0) {
		jail_rt_dump_free(&d);
		jail_rt_dump_free(&t);
		return error;
	}
	/*
	 * Made again over what the table holds (a refresh): those the main
	 * table no longer has go, the rest are replaced in place, so that
	 * the jail's raw sockets never find the table empty meanwhile.
	 */
	for (size_t i = 0; i < t.n; i++) {
		bool keep = false;

		for (size_t k = 0; k < d.n && !keep; k++)
			keep = ((const struct rtmsg *)mnl_nlmsg_get_payload(
				    (struct nlmsghdr *)d.msgs[k]))
				    ->rtm_type == RTN_UNICAST &&
			    jail_rt_same((struct nlmsghdr *)t.msgs[i],
				(struct nlmsghdr *)d.msgs[k]);
		if (!keep)
			jail_rt_del(nl, (struct nlmsghdr *)t.msgs[i]);
	}
	jail_rt_dump_free(&t);
	for (size_t i = 0; i < d.n; i++) {
		const struct rtmsg *rtm =
		    mnl_nlmsg_get_payload((struct nlmsghdr *)d.msgs[i]);
		const struct nlmsghdr *h = (struct nlmsghdr *)d.msgs[i];

		if (rtm->rtm_type != RTN_UNICAST)
			continue;
		if (tried++ == JAIL_RT_MAX) {
			first = E2BIG;
			break;
		}
		if ((error = jail_rt_add(nl, h, table,
			 jail_rt_src(h, srcs, n, saddrsel))) == 0)
			added++;
		else if (first == 0)
			first = error;
	}
	jail_rt_dump_free(&d);
	if (first == E2BIG)
		return E2BIG; /* the first JAIL_RT_MAX are there */
	return added > 0 || tried == 0 ? 0 : first;
}

/* Every route of table table (family's) removed. */
int
jail_nl_rt_flush(struct jail_nl *nl, int family, unsigned table)
{
	struct jail_rt_dump d = { .table = table };
	int error;

	if ((error = jail_rt_dump(nl, family, &d)) != 0) {
		jail_rt_dump_free(&d);
		return error;
	}
	for (size_t i = 0; i < d.n; i++)
		jail_rt_del(nl, (struct nlmsghdr *)d.msgs[i]);
	jail_rt_dump_free(&d);
	return 0;
}

/* The rule "fwmark mark lookup table" at priority pref, added or
 * removed (ENOENT when there is none). */
int
jail_nl_rule(struct jail_nl *nl, int family, unsigned mark, unsigned table,
    unsigned pref, bool add)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *h;
	struct fib_rule_hdr *fr;

	h = jail_nl_request(buf, add ? RTM_NEWRULE : RTM_DELRULE,
	    add ? NLM_F_CREATE | NLM_F_EXCL : 0, sizeof(*fr));
	fr = mnl_nlmsg_get_payload(h);
	fr->family = (unsigned char)family;
	fr->action = FR_ACT_TO_TBL;
	if (!mnl_attr_put_u32_check(h, sizeof(buf), FRA_FWMARK, mark) ||
	    !mnl_attr_put_u32_check(h, sizeof(buf), FRA_FWMASK, 0xffffffffu) ||
	    !mnl_attr_put_u32_check(h, sizeof(buf), FRA_TABLE, table) ||
	    !mnl_attr_put_u32_check(h, sizeof(buf), FRA_PRIORITY, pref))
		return EMSGSIZE;
	return jail_nl_talk(nl, h, NULL, NULL);
}

/*
 * A socket told of every route change (IPv4 and IPv6) in our namespace,
 * non-blocking; jail_nl_routes_moved() reads what it holds: did the
 * main table change (or were changes lost: ENOBUFS)?
 */
int
jail_nl_watch_routes(int *fdp)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK,
		.nl_groups = RTMGRP_IPV4_ROUTE | RTMGRP_IPV6_ROUTE };
	int fd;

	*fdp = -1;
	if ((fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK,
		 NETLINK_ROUTE)) < 0)
		return errno;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		int error = errno;

		close(fd);
		return error;
	}
	*fdp = fd;
	return 0;
}

bool
jail_nl_routes_moved(int fd)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	bool moved = false;
	ssize_t n;

	while ((n = recv(fd, buf, sizeof(buf), 0)) != 0) {
		const struct nlmsghdr *h = (const struct nlmsghdr *)buf;
		int len;

		if (n < 0) {
			if (errno == ENOBUFS)
				moved = true; /* some were lost */
			if (errno == EINTR || errno == ENOBUFS)
				continue;
			break; /* EAGAIN: all read */
		}
		len = (int)n;
		for (; mnl_nlmsg_ok(h, len); h = mnl_nlmsg_next(h, &len))
			if ((h->nlmsg_type == RTM_NEWROUTE ||
				h->nlmsg_type == RTM_DELROUTE) &&
			    mnl_nlmsg_get_payload_len(h) >=
				sizeof(struct rtmsg) &&
			    jail_rt_table(h) == RT_TABLE_MAIN)
				moved = true;
	}
	return moved;
}
