/*
 * jail_nl.c: the few route netlink requests the jail tools make: find a
 * link, move it to another network namespace (renaming it on the way),
 * bring it up, add an address.  A socket belongs to the namespace it
 * was opened in, so jail_nl_open() opens it inside the one asked for.
 */
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include "jail.h"

#define NL_BUFSIZ 8192

struct nlreq {
	struct nlmsghdr h;
	union {
		struct ifinfomsg ifi;
		struct ifaddrmsg ifa;
	} u;
	char attrs[512];
};

int
jail_nl_open(int nsfd, int *fdp)
{
	int home = -1, fd, error = 0;

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
	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (fd < 0)
		error = errno;
	if (home >= 0) {
		/* we cannot stay in the other namespace */
		if (setns(home, CLONE_NEWNET) != 0 && error == 0)
			error = errno;
		close(home);
	}
	if (error != 0) {
		if (fd >= 0)
			close(fd);
		return error;
	}
	*fdp = fd;
	return 0;
}

static void
nl_attr(struct nlreq *r, int type, const void *data, size_t len)
{
	struct rtattr *rta;
	size_t off = NLMSG_ALIGN(r->h.nlmsg_len);

	if (off + RTA_SPACE(len) > sizeof(*r))
		return;
	rta = (struct rtattr *)((char *)r + off);
	rta->rta_type = (unsigned short)type;
	rta->rta_len = (unsigned short)RTA_LENGTH(len);
	memcpy(RTA_DATA(rta), data, len);
	r->h.nlmsg_len = (uint32_t)(off + RTA_SPACE(len));
}

/* Send a request and wait for its acknowledgement: 0 or its errno. */
static int
nl_talk(int nl, struct nlreq *r)
{
	char buf[NL_BUFSIZ];
	static uint32_t seq;
	struct nlmsghdr *h;
	ssize_t n;

	r->h.nlmsg_flags |= NLM_F_REQUEST | NLM_F_ACK;
	r->h.nlmsg_seq = ++seq;
	if (send(nl, r, r->h.nlmsg_len, 0) < 0)
		return errno;
	for (;;) {
		if ((n = recv(nl, buf, sizeof(buf), 0)) < 0) {
			if (errno == EINTR)
				continue;
			return errno;
		}
		for (h = (struct nlmsghdr *)buf; NLMSG_OK(h, (size_t)n);
		     h = NLMSG_NEXT(h, n)) {
			if (h->nlmsg_seq != r->h.nlmsg_seq)
				continue;
			if (h->nlmsg_type == NLMSG_ERROR) {
				struct nlmsgerr *e = NLMSG_DATA(h);

				if (h->nlmsg_len < NLMSG_LENGTH(sizeof(*e)))
					return EIO;
				return -e->error;
			}
		}
	}
}

static void
nl_init(struct nlreq *r, int type, int flags, size_t hdr)
{
	memset(r, 0, sizeof(*r));
	r->h.nlmsg_len = (uint32_t)NLMSG_LENGTH(hdr);
	r->h.nlmsg_type = (uint16_t)type;
	r->h.nlmsg_flags = (uint16_t)flags;
}

/* The index of the link called name in the socket's namespace. */
int
jail_nl_index(int nl, const char *name, int *idxp)
{
	char buf[NL_BUFSIZ];
	struct nlreq r;
	struct nlmsghdr *h;
	ssize_t n;

	if (strlen(name) >= IFNAMSIZ)
		return ENODEV;
	nl_init(&r, RTM_GETLINK, NLM_F_REQUEST, sizeof(r.u.ifi));
	r.u.ifi.ifi_family = AF_UNSPEC;
	nl_attr(&r, IFLA_IFNAME, name, strlen(name) + 1);
	r.h.nlmsg_seq = 1;
	if (send(nl, &r, r.h.nlmsg_len, 0) < 0)
		return errno;
	for (;;) {
		if ((n = recv(nl, buf, sizeof(buf), 0)) < 0) {
			if (errno == EINTR)
				continue;
			return errno;
		}
		for (h = (struct nlmsghdr *)buf; NLMSG_OK(h, (size_t)n);
		     h = NLMSG_NEXT(h, n)) {
			if (h->nlmsg_type == NLMSG_ERROR) {
				struct nlmsgerr *e = NLMSG_DATA(h);

				return e->error != 0 ? -e->error : ENODEV;
			}
			if (h->nlmsg_type == RTM_NEWLINK) {
				struct ifinfomsg *ifi = NLMSG_DATA(h);

				*idxp = ifi->ifi_index;
				return 0;
			}
		}
	}
}

/* Move link idx into the namespace nsfd, renamed to newname if given. */
int
jail_nl_move(int nl, int idx, int nsfd, const char *newname)
{
	struct nlreq r;
	uint32_t fd = (uint32_t)nsfd;

	nl_init(&r, RTM_NEWLINK, 0, sizeof(r.u.ifi));
	r.u.ifi.ifi_family = AF_UNSPEC;
	r.u.ifi.ifi_index = idx;
	nl_attr(&r, IFLA_NET_NS_FD, &fd, sizeof(fd));
	if (newname != NULL)
		nl_attr(&r, IFLA_IFNAME, newname, strlen(newname) + 1);
	return nl_talk(nl, &r);
}

int
jail_nl_up(int nl, int idx)
{
	struct nlreq r;

	nl_init(&r, RTM_NEWLINK, 0, sizeof(r.u.ifi));
	r.u.ifi.ifi_family = AF_UNSPEC;
	r.u.ifi.ifi_index = idx;
	r.u.ifi.ifi_flags = IFF_UP;
	r.u.ifi.ifi_change = IFF_UP;
	return nl_talk(nl, &r);
}

int
jail_nl_addr(int nl, int idx, const struct jail_addr *a)
{
	size_t alen = a->family == AF_INET ? 4 : 16;
	struct nlreq r;

	nl_init(&r, RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL, sizeof(r.u.ifa));
	r.u.ifa.ifa_family = (unsigned char)a->family;
	r.u.ifa.ifa_prefixlen = (unsigned char)a->prefixlen;
	r.u.ifa.ifa_index = (unsigned)idx;
	nl_attr(&r, IFA_LOCAL, a->addr, alen);
	nl_attr(&r, IFA_ADDRESS, a->addr, alen);
	if (a->family == AF_INET6) {
		/* no duplicate address detection: the address works at once */
		uint32_t flags = IFA_F_NODAD;

		nl_attr(&r, IFA_FLAGS, &flags, sizeof(flags));
	}
	return nl_talk(nl, &r);
}
