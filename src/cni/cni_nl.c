/*
 * cni_nl.c: the container's side of an attachment over rtnetlink, with
 * libmnl: a socket opened inside the container's namespace (a socket
 * keeps the namespace it was made in), then links, addresses and routes
 * changed through it.  Each request waits for its acknowledgement.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <fcntl.h>
#include <net/if.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include <libmnl/libmnl.h>

#include "cni.h"

struct ngcni_nl {
	struct mnl_socket *sock;
	unsigned seq;
	unsigned portid;
};

int
ngcni_nl_open(struct ngcni_nl **nlp, int nsfd)
{
	struct ngcni_nl *nl;
	int own = -1, error = 0;

	if ((nl = calloc(1, sizeof(*nl))) == NULL)
		return ENOMEM;
	if (nsfd >= 0) {
		if ((own = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC)) <
			0 ||
		    setns(nsfd, CLONE_NEWNET) < 0) {
			error = errno;
			if (own >= 0)
				close(own);
			free(nl);
			return error;
		}
	}
	nl->sock = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
	if (nl->sock == NULL ||
	    mnl_socket_bind(nl->sock, 0, MNL_SOCKET_AUTOPID) < 0)
		error = errno;
	if (own >= 0) {
		if (setns(own, CLONE_NEWNET) < 0 && error == 0)
			error = errno;
		close(own);
	}
	if (error != 0) {
		if (nl->sock != NULL)
			mnl_socket_close(nl->sock);
		free(nl);
		return error;
	}
	nl->portid = mnl_socket_get_portid(nl->sock);
	nl->seq = (unsigned)getpid();
	*nlp = nl;
	return 0;
}

void
ngcni_nl_close(struct ngcni_nl *nl)
{
	if (nl == NULL)
		return;
	mnl_socket_close(nl->sock);
	free(nl);
}

/* Send nh and run cb over the replies until the acknowledgement. */
static int
ngcni_nl_talk(struct ngcni_nl *nl, struct nlmsghdr *nh, mnl_cb_t cb, void *data)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	ssize_t n;
	int ret;

	nh->nlmsg_seq = ++nl->seq;
	nh->nlmsg_flags |= NLM_F_ACK;
	if (mnl_socket_sendto(nl->sock, nh, nh->nlmsg_len) < 0)
		return errno;
	for (;;) {
		n = mnl_socket_recvfrom(nl->sock, buf, sizeof(buf));
		if (n < 0)
			return errno;
		ret = mnl_cb_run(buf, (size_t)n, nl->seq, nl->portid, cb, data);
		if (ret < 0)
			return errno;
		if (ret == MNL_CB_STOP)
			return 0;
	}
}

struct ngcni_linkq {
	int ifindex;
	unsigned flags;
	uint8_t mac[6];
};

static int
ngcni_nl_link_cb(const struct nlmsghdr *nh, void *data)
{
	struct ngcni_linkq *q = data;
	const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nh);
	const struct nlattr *a;

	if (nh->nlmsg_type != RTM_NEWLINK)
		return MNL_CB_OK;
	q->ifindex = ifi->ifi_index;
	q->flags = ifi->ifi_flags;
	mnl_attr_for_each(a, nh, sizeof(*ifi))
	{
		if (mnl_attr_get_type(a) == IFLA_ADDRESS &&
		    mnl_attr_get_payload_len(a) == 6)
			memcpy(q->mac, mnl_attr_get_payload(a), 6);
	}
	return MNL_CB_OK;
}

int
ngcni_nl_link(struct ngcni_nl *nl, const char *name, int *ifindex,
    uint8_t mac[6], unsigned *flags)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nh = mnl_nlmsg_put_header(buf);
	struct ifinfomsg *ifi;
	struct ngcni_linkq q = { 0 };
	int error;

	nh->nlmsg_type = RTM_GETLINK;
	nh->nlmsg_flags = NLM_F_REQUEST;
	ifi = mnl_nlmsg_put_extra_header(nh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	mnl_attr_put_strz(nh, IFLA_IFNAME, name);
	if ((error = ngcni_nl_talk(nl, nh, ngcni_nl_link_cb, &q)) != 0)
		return error;
	if (q.ifindex == 0)
		return ENODEV;
	*ifindex = q.ifindex;
	if (mac != NULL)
		memcpy(mac, q.mac, 6);
	if (flags != NULL)
		*flags = q.flags;
	return 0;
}

int
ngcni_nl_setlink(struct ngcni_nl *nl, int ifindex, const char *name, int mtu,
    bool up, int nsfd)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nh = mnl_nlmsg_put_header(buf);
	struct ifinfomsg *ifi;

	nh->nlmsg_type = RTM_NEWLINK;
	nh->nlmsg_flags = NLM_F_REQUEST;
	ifi = mnl_nlmsg_put_extra_header(nh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = ifindex;
	if (up) {
		ifi->ifi_change = IFF_UP;
		ifi->ifi_flags = IFF_UP;
	}
	if (nsfd >= 0)
		mnl_attr_put_u32(nh, IFLA_NET_NS_FD, (uint32_t)nsfd);
	if (name != NULL)
		mnl_attr_put_strz(nh, IFLA_IFNAME, name);
	if (mtu > 0)
		mnl_attr_put_u32(nh, IFLA_MTU, (uint32_t)mtu);
	return ngcni_nl_talk(nl, nh, NULL, NULL);
}

/* "198.51.100.7/24", "2001:db8::1/64", or without "/N" (!cidr). */
int
ngcni_parse_prefix(const char *s, struct ngcni_prefix *p, bool cidr)
{
	char tmp[INET6_ADDRSTRLEN + 8], *slash, *end;
	long plen;

	if (strlen(s) >= sizeof(tmp))
		return EINVAL;
	strcpy(tmp, s);
	memset(p, 0, sizeof(*p));
	slash = strchr(tmp, '/');
	if ((slash != NULL) != cidr)
		return EINVAL;
	if (slash != NULL)
		*slash = '\0';
	if (inet_pton(AF_INET, tmp, p->addr) == 1)
		p->family = AF_INET;
	else if (inet_pton(AF_INET6, tmp, p->addr) == 1)
		p->family = AF_INET6;
	else
		return EINVAL;
	p->plen = p->family == AF_INET ? 32 : 128;
	if (slash != NULL) {
		plen = strtol(slash + 1, &end, 10);
		if (slash[1] == '\0' || *end != '\0' || plen < 0 ||
		    plen > p->plen)
			return EINVAL;
		p->plen = (int)plen;
	}
	return 0;
}

static size_t
ngcni_alen(const struct ngcni_prefix *p)
{
	return p->family == AF_INET ? 4 : 16;
}

int
ngcni_nl_addr(struct ngcni_nl *nl, int ifindex, const struct ngcni_prefix *p)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nh = mnl_nlmsg_put_header(buf);
	struct ifaddrmsg *ifa;

	nh->nlmsg_type = RTM_NEWADDR;
	nh->nlmsg_flags = NLM_F_REQUEST | NLM_F_CREATE | NLM_F_EXCL;
	ifa = mnl_nlmsg_put_extra_header(nh, sizeof(*ifa));
	ifa->ifa_family = (uint8_t)p->family;
	ifa->ifa_prefixlen = (uint8_t)p->plen;
	ifa->ifa_index = (unsigned)ifindex;
	ifa->ifa_scope = RT_SCOPE_UNIVERSE;
	mnl_attr_put(nh, IFA_LOCAL, ngcni_alen(p), p->addr);
	mnl_attr_put(nh, IFA_ADDRESS, ngcni_alen(p), p->addr);
	if (p->family == AF_INET6)
		mnl_attr_put_u32(nh, IFA_FLAGS, IFA_F_NODAD);
	return ngcni_nl_talk(nl, nh, NULL, NULL);
}

struct ngcni_addrq {
	int ifindex;
	const struct ngcni_prefix *p;
	bool found;
};

static int
ngcni_nl_addr_cb(const struct nlmsghdr *nh, void *data)
{
	struct ngcni_addrq *q = data;
	const struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(nh);
	const struct nlattr *a;

	if (nh->nlmsg_type != RTM_NEWADDR ||
	    (int)ifa->ifa_index != q->ifindex ||
	    ifa->ifa_family != q->p->family || ifa->ifa_prefixlen != q->p->plen)
		return MNL_CB_OK;
	mnl_attr_for_each(a, nh, sizeof(*ifa))
	{
		if (mnl_attr_get_type(a) == IFA_ADDRESS &&
		    mnl_attr_get_payload_len(a) == ngcni_alen(q->p) &&
		    memcmp(mnl_attr_get_payload(a), q->p->addr,
			ngcni_alen(q->p)) == 0)
			q->found = true;
	}
	return MNL_CB_OK;
}

int
ngcni_nl_hasaddr(struct ngcni_nl *nl, int ifindex, const struct ngcni_prefix *p,
    bool *found)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nh = mnl_nlmsg_put_header(buf);
	struct ifaddrmsg *ifa;
	struct ngcni_addrq q = { ifindex, p, false };
	int error;

	nh->nlmsg_type = RTM_GETADDR;
	nh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	ifa = mnl_nlmsg_put_extra_header(nh, sizeof(*ifa));
	ifa->ifa_family = (uint8_t)p->family;
	error = ngcni_nl_talk(nl, nh, ngcni_nl_addr_cb, &q);
	*found = q.found;
	return error;
}

int
ngcni_nl_route(struct ngcni_nl *nl, int ifindex, const struct ngcni_prefix *dst,
    const struct ngcni_prefix *gw)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nh = mnl_nlmsg_put_header(buf);
	struct rtmsg *rtm;
	uint8_t net[16];
	int i;

	/* The network, host bits cleared, as the kernel wants it. */
	memcpy(net, dst->addr, sizeof(net));
	for (i = dst->plen; i < (int)ngcni_alen(dst) * 8; i++)
		net[i / 8] &= (uint8_t) ~(0x80 >> (i % 8));
	nh->nlmsg_type = RTM_NEWROUTE;
	nh->nlmsg_flags = NLM_F_REQUEST | NLM_F_CREATE | NLM_F_EXCL;
	rtm = mnl_nlmsg_put_extra_header(nh, sizeof(*rtm));
	rtm->rtm_family = (uint8_t)dst->family;
	rtm->rtm_dst_len = (uint8_t)dst->plen;
	rtm->rtm_table = RT_TABLE_MAIN;
	rtm->rtm_protocol = RTPROT_BOOT;
	rtm->rtm_type = RTN_UNICAST;
	rtm->rtm_scope = gw != NULL ? RT_SCOPE_UNIVERSE : RT_SCOPE_LINK;
	if (dst->plen > 0)
		mnl_attr_put(nh, RTA_DST, ngcni_alen(dst), net);
	if (gw != NULL)
		mnl_attr_put(nh, RTA_GATEWAY, ngcni_alen(gw), gw->addr);
	mnl_attr_put_u32(nh, RTA_OIF, (uint32_t)ifindex);
	return ngcni_nl_talk(nl, nh, NULL, NULL);
}
