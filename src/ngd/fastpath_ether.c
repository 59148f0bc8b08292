/*
 * fastpath_ether.c: ether nodes on kernel bridges (DESIGN decisions 9
 * and 11; README "The kernel fast path").
 *
 * An ether node's interface lives in ngd's namespace; the bridges that
 * switch in the kernel run in the data plane, and bpf_redirect reaches
 * only devices of the namespace the program runs in.  So each hook of
 * an ether node (lower, divert or upper) that leads to a switching node
 * (or to a vlan node, fastpath_vlan.c, which tags for it as for an
 * eiface) gets an "uplink": a veth pair whose host end ngu<n> stays in
 * ngd's namespace and whose data-plane end ngdu<n> is one more port of the
 * data plane, with ng_fast_port on its ingress like an eiface's
 * graph-side end.  While the bridge switches in the kernel (every hook
 * leads to an eiface or an uplink), the ether node's programs
 * (ng_ether.bpf.c) use the host end where they would use the TAP:
 *   wire -> interface ingress -> bpf_redirect_peer(host end): the frame
 *     arrives on the data-plane end's ingress, where the bridge is;
 *   stack -> interface egress (upper) -> bpf_redirect(host end) -> the
 *     data-plane end's ingress;
 *   bridge -> bpf_redirect_peer / bpf_clone_redirect(data-plane end) ->
 *     the host end's ingress -> ng_ether_tap_lower (to the wire) or
 *     ng_ether_tap_upper (up the stack), tagged with tc_index as a TAP's
 *     frames are, so the interface's own programs let them pass;
 *   bridge -> bpf_redirect(wire device) -> the interface's queue: a
 *     lower uplink's unicast, by its "wire device" ngdw<n>, a macvlan
 *     of the interface in the data plane (ng_fast_bpf.h), which saves
 *     the host end's receive round (the kernel bridge's own path:
 *     dev_queue_xmit on its port); tagged the same way.
 * A frame the bridge program does not decide alone goes to ngd through
 * the data plane's TAP, tagged with the uplink's port id, and enters the
 * ether node as a frame from the wire (or the stack) would; frames the
 * graph sends to the ether node in userspace leave through its TAPs as
 * before.  Otherwise (the bridge has a hook to a node in userspace, the
 * hook is captured) the uplink carries nothing and the TAPs do all.
 *
 * Uplinks are not pinned and their links die with ngd: after a crash the
 * interface works as if ngd had never been there (the ether node's rule)
 * and the pair and the wire device are left in the pinned data plane
 * until the next ngd deletes them at start (the bridge's program, still
 * running, sends the wire device what it sent before, but nothing comes
 * back: the interface's ingress program is gone); a clean stop deletes
 * them, and the kernel deletes a wire device with its interface.  While
 * it exists the interface is a macvlan's lower device: no Linux bridge
 * or bond takes it (EBUSY); one that is already a port gets no wire
 * device (nor one that takes no macvlan), and lower leaves by the host
 * end.  Port ids of uplinks come from the top NGD_FAST_UPLINK_IDS of the
 * tag's range.
 */
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <syslog.h>
#include <unistd.h>
#include <linux/ethtool.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <linux/sockios.h>
#include <linux/veth.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <libmnl/libmnl.h>

#include "ngd.h"
#include "fastpath.h"
#include "ng_ether_dev.h"
#include "netgraph/ng_eiface.h"
#include "netgraph/ng_ether.h"
#include "netgraph/ng_vlan.h"
#include "../bpf/ng_fast_bpf.h"

#define NGD_TCX_INGRESS 46

struct ngd_fe_up {
	ng_id_t node;     /* the ether node */
	const char *hook; /* its hook: lower, divert or upper (static) */
	int dir;          /* NG_ETHER_DIR_LOWER or _UPPER */
	uint32_t hidx;    /* host end, ngd's namespace */
	uint32_t gidx;    /* data-plane end */
	uint32_t widx;    /* lower: its wire device in the data plane, 0 */
	uint16_t id;      /* port id */
	int link;         /* ng_fast_port on the data-plane end */
	uint32_t bridge;  /* as written: the kernel bridge, 0: none */
	uint32_t vlan;    /* as written: the vlan node tagging, 0: none */
	uint32_t direct;  /* as written: the eiface's end it is joined to */
	uint32_t hub;     /* as written: the kernel hub it is on */
	uint32_t want_mode, want_peer;  /* ngd_fast_eth_want's, this sync */
	bool on;                        /* the ether node uses the host end */
	bool keep;                      /* sync's scratch */
	uint64_t seen_pkts, seen_bytes; /* its ng_fast_pstats, counted */
	struct ngd_fe_up *next;
};

struct ngd_fast_eth {
	struct ngd_fast_dp dp;
	struct ngd_fe_up *ups;
	unsigned nnext; /* names ngu<n>, ngdu<n> */
	bool used[NGD_FAST_UPLINK_IDS];
	unsigned long errors; /* rate limit */
};

static const char *const ngd_fe_hooks[] = { NG_ETHER_HOOK_LOWER,
	NG_ETHER_HOOK_DIVERT, NG_ETHER_HOOK_UPPER };

/* h is an ether node's lower, divert or upper hook. */
static bool
ngd_fe_ether_hook(const struct ng_hook *h)
{
	if (strcmp(h->node->type->name, NG_ETHER_NODE_TYPE) != 0)
		return false;
	for (unsigned k = 0; k < 3; k++)
		if (strcmp(h->name, ngd_fe_hooks[k]) == 0)
			return true;
	return false;
}

bool
ngd_fast_eth_down(const struct ng_hook *h)
{
	return strcmp(h->name, NG_ETHER_HOOK_UPPER) != 0 &&
	    !ng_ether_running(h->node);
}

/* --- rtnetlink ------------------------------------------------------------ */

/* One request on a socket of the namespace we are in now (the data
 * plane's or ngd's: a socket's namespace is the one it was made in). */
static int
ngd_fe_talk(struct nlmsghdr *nh)
{
	struct mnl_socket *nl;
	unsigned seq = 0;
	int error;

	if ((nl = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC)) == NULL)
		return errno;
	error = mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0 ?
	    errno :
	    ngd_fast_talk(nl, &seq, nh, NULL, NULL);
	mnl_socket_close(nl);
	return error;
}

/* In the data plane for a moment (back to ngd's namespace after). */
static int
ngd_fe_in_dp(struct ngd_fast_eth *fe)
{
	return setns(fe->dp.netns, CLONE_NEWNET) < 0 ? errno : 0;
}

static void
ngd_fe_back(struct ngd_fast_eth *fe)
{
	if (setns(fe->dp.own_netns, CLONE_NEWNET) < 0) {
		ngd_log(LOG_CRIT, "cannot return to ngd's namespace: %s",
		    strerror(errno));
		abort();
	}
}

static int
ngd_fe_del(int ifindex)
{
	char buf[256];
	struct nlmsghdr *nh;

	nh = ngd_fast_linkreq(buf, sizeof(buf), RTM_DELLINK, ifindex);
	return ngd_fe_talk(nh);
}

static int
ngd_fe_up_link(int ifindex)
{
	char buf[256];
	struct nlmsghdr *nh;
	struct ifinfomsg *ifi;

	nh = ngd_fast_linkreq(buf, sizeof(buf), RTM_NEWLINK, ifindex);
	ifi = mnl_nlmsg_get_payload(nh);
	ifi->ifi_flags = IFF_UP | IFF_NOARP;
	ifi->ifi_change = IFF_UP | IFF_NOARP | IFF_MULTICAST;
	return ngd_fe_talk(nh);
}

/*
 * The host end name's carrier and queues made current now (ngd's
 * namespace).  The end brought up first, its peer still down, gets its
 * carrier when the peer comes up, and its queue (the noop qdisc until
 * then: what is sent on it is dropped, tx_dropped) when the kernel's
 * link watch runs, later, in a worker that waits for the RTNL lock;
 * ETHTOOL_GLINK runs that work for the device at once
 * (linkwatch_sync_dev).  So an upper's first frames from the stack,
 * which the interface's egress program redirects into the host end, are
 * not lost after the edit's reply (measured on a bare pair brought up
 * one end after the other: the first frame sent on the first end was
 * dropped 21 times in 30, and never with this).  The data-plane end,
 * brought up second, is ready at once.
 */
static void
ngd_fe_carrier_sync(const char *name)
{
	struct ethtool_value ev = { .cmd = ETHTOOL_GLINK };
	struct ifreq ifr;
	int fd;

	if ((fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0)) < 0)
		return;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	ifr.ifr_data = (void *)&ev;
	if (ioctl(fd, SIOCETHTOOL, &ifr) < 0 || ev.data == 0)
		ngd_log(LOG_DEBUG, "data path: %s: no carrier yet", name);
	close(fd);
}

static void
ngd_fe_sysctl(const char *name)
{
	char path[96];

	snprintf(path, sizeof(path), "/proc/sys/net/ipv6/conf/%s/disable_ipv6",
	    name);
	ngd_fast_sysctl(path, "1");
}

/*
 * The wire device of an uplink of lower (ng_fast_bpf.h): a macvlan of
 * the interface ifindex, made in the data plane as name, up, in source
 * mode with no source listed, so that it receives nothing (the
 * interface's ingress program takes the wire's frames before the
 * macvlan's receive handler).  Its index there, or 0 (the uplink's host
 * end does without: em0 is a bridge's or a bond's port, say).
 */
static uint32_t
ngd_fe_wire(struct ngd_fast_eth *fe, uint32_t ifindex, const char *name)
{
	char buf[512];
	struct nlmsghdr *nh;
	struct ifinfomsg *ifi;
	struct nlattr *info, *data;
	uint32_t widx = 0;
	int error;

	memset(buf, 0, sizeof(buf));
	nh = mnl_nlmsg_put_header(buf);
	nh->nlmsg_type = RTM_NEWLINK;
	nh->nlmsg_flags = NLM_F_CREATE | NLM_F_EXCL;
	ifi = mnl_nlmsg_put_extra_header(nh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_flags = IFF_UP | IFF_NOARP;
	ifi->ifi_change = IFF_UP | IFF_NOARP | IFF_MULTICAST;
	mnl_attr_put_strz(nh, IFLA_IFNAME, name);
	mnl_attr_put_u32(nh, IFLA_LINK, ifindex);
	mnl_attr_put_u32(nh, IFLA_NET_NS_FD, (uint32_t)fe->dp.netns);
	info = mnl_attr_nest_start(nh, IFLA_LINKINFO);
	mnl_attr_put_strz(nh, IFLA_INFO_KIND, "macvlan");
	data = mnl_attr_nest_start(nh, IFLA_INFO_DATA);
	mnl_attr_put_u32(nh, IFLA_MACVLAN_MODE, MACVLAN_MODE_SOURCE);
	mnl_attr_nest_end(nh, data);
	mnl_attr_nest_end(nh, info);
	if ((error = ngd_fe_talk(nh)) == 0 && ngd_fe_in_dp(fe) == 0) {
		widx = if_nametoindex(name);
		ngd_fe_back(fe);
	}
	if (error != 0 && fe->errors++ % 1000 == 0)
		ngd_log(LOG_NOTICE,
		    "data path: no wire device %s, the uplink's host end "
		    "carries lower: %s",
		    name, strerror(error));
	return widx;
}

/* Uplinks a last ngd left (their links died with it): deleted. */
static void
ngd_fe_sweep(struct ngd_fast_eth *fe)
{
	struct if_nameindex *ifs = NULL, *i;
	unsigned n, gone = 0;

	if (ngd_fe_in_dp(fe) != 0)
		return;
	ifs = if_nameindex();
	for (i = ifs; i != NULL && i->if_index != 0; i++)
		if ((sscanf(i->if_name, "ngdu%u", &n) == 1 ||
			sscanf(i->if_name, "ngdw%u", &n) == 1) &&
		    ngd_fe_del((int)i->if_index) == 0)
			gone++;
	ngd_fe_back(fe);
	if (ifs != NULL)
		if_freenameindex(ifs);
	if (gone > 0)
		ngd_log(LOG_NOTICE,
		    "data path: %u ether uplinks the last ngd left deleted",
		    gone);
}

/* --- counters -------------------------------------------------------------- */

/* The ether node's hook u stands for, or NULL. */
static struct ng_hook *
ngd_fe_hook(const struct ngd_fe_up *u)
{
	struct ng_graph *g = ngd_ether_graph();
	struct ng_node *n = g != NULL ? ng_find_id(g, u->node) : NULL;
	struct ng_hook *h = n != NULL ? ng_find_hook(n, u->hook) : NULL;

	return h != NULL && (h->flags & NG_HOOK_VALID) && h->peer != NULL ?
	    h :
	    NULL;
}

/*
 * What u's port sent on its direct edge or kernel hub (pkts frames of
 * bytes octets), counted as ng_send_data would: out of the ether hook h
 * (its peer's "in" is read from it) and, on a hub, out of the hub's
 * hook to every other member.  Only while h still leads where it did.
 */
static void
ngd_fe_fold_edge(struct ngd_fast_eth *fe, struct ngd_fe_up *u,
    struct ng_hook *h, uint64_t pkts, uint64_t bytes)
{
	if (pkts == 0)
		return;
	if (u->direct != 0) {
		if ((strcmp(h->peer->node->type->name, NG_EIFACE_NODE_TYPE) ==
			    0 &&
			strcmp(h->peer->name, NG_EIFACE_HOOK_ETHER) == 0) ||
		    ngd_fe_ether_hook(h->peer)) {
			h->stats.xmit_frames += pkts;
			h->stats.xmit_octets += bytes;
		}
		return;
	}
	if (h->peer->node->id != u->hub)
		return;
	h->stats.xmit_frames += pkts;
	h->stats.xmit_octets += bytes;
	ngd_fast_hub_count(fe->dp.owner, u->hub, u->gidx, h->peer->node, pkts,
	    bytes);
}

/*
 * What u's port sent through its kernel bridge since the last look (its
 * ng_fast_pstats: frames from the wire or the stack the program switched),
 * added to the ether node's hook as ng_send_data would count them: out
 * of it, into the bridge (whose "in" is read from it).  By the path its
 * entry had: only while it was a port of the bridge the hook leads to.
 * What the bridge sent the other way is its own count (fastpath_bridge.c).
 */
static void
ngd_fe_fold(struct ngd_fast_eth *fe, struct ngd_fe_up *u)
{
	int ncpu = libbpf_num_possible_cpus();
	struct ng_fast_bpf_stats *per;
	uint64_t pkts = 0, bytes = 0;
	uint32_t key = u->id;
	struct ng_hook *h;

	if (ncpu <= 0 || u->gidx == 0 || u->id == 0 ||
	    (per = calloc((size_t)ncpu, sizeof(*per))) == NULL)
		return;
	if (bpf_map_lookup_elem(fe->dp.stats_fd, &key, per) != 0) {
		free(per); /* unread: what was seen stays, not counted again */
		return;
	}
	for (int i = 0; i < ncpu; i++) {
		pkts += per[i].fast_pkts;
		bytes += per[i].fast_bytes;
	}
	free(per);
	if (pkts < u->seen_pkts) /* the entry was made anew */
		u->seen_pkts = u->seen_bytes = 0;
	h = ngd_fe_hook(u);
	if (h != NULL && u->bridge != 0 && h->peer->node->id == u->bridge) {
		h->stats.xmit_frames += pkts - u->seen_pkts;
		h->stats.xmit_octets += bytes - u->seen_bytes;
	} else if (h != NULL && u->vlan != 0) /* fastpath_vlan.c */
		ngd_fast_vl_count(h, u->vlan, pkts - u->seen_pkts,
		    bytes - u->seen_bytes);
	else if (h != NULL && (u->direct != 0 || u->hub != 0))
		ngd_fe_fold_edge(fe, u, h, pkts - u->seen_pkts,
		    bytes - u->seen_bytes);
	u->seen_pkts = pkts;
	u->seen_bytes = bytes;
}

void
ngd_fast_eth_hookstats(struct ngd_fast_eth *fe, struct ngd_fast_br *br,
    struct ng_node *node)
{
	for (struct ngd_fe_up *u = fe != NULL ? fe->ups : NULL; u != NULL;
	     u = u->next) {
		struct ng_hook *h = ngd_fe_hook(u);

		if (h == NULL || (h->node != node && h->peer->node != node))
			continue;
		ngd_fe_fold(fe, u);
		ngd_fast_br_hookstats(br, u->gidx);
		/* what the other end sent it crossed these hooks too */
		if (u->direct != 0) {
			ngd_fast_fold_port(fe->dp.owner, u->direct);
			ngd_fast_eth_fold_gidx(fe, u->direct);
		} else if (u->hub != 0)
			ngd_fast_fold_hub(fe->dp.owner, u->hub);
	}
}

void
ngd_fast_eth_fold_hub(struct ngd_fast_eth *fe, uint32_t group)
{
	for (struct ngd_fe_up *u = fe != NULL ? fe->ups : NULL; u != NULL;
	     u = u->next)
		if (u->hub == group)
			ngd_fe_fold(fe, u);
}

void
ngd_fast_eth_fold_gidx(struct ngd_fast_eth *fe, uint32_t gidx)
{
	for (struct ngd_fe_up *u = fe != NULL ? fe->ups : NULL; u != NULL;
	     u = u->next)
		if (u->gidx == gidx)
			ngd_fe_fold(fe, u);
}

void
ngd_fast_eth_hub_count(struct ngd_fast_eth *fe, uint32_t group, uint32_t from,
    const struct ng_node *hub, uint64_t pkts, uint64_t bytes)
{
	for (struct ngd_fe_up *u = fe != NULL ? fe->ups : NULL; u != NULL;
	     u = u->next) {
		struct ng_hook *h;

		if (u->hub != group || u->gidx == from ||
		    (h = ngd_fe_hook(u)) == NULL || h->peer->node != hub ||
		    !(h->peer->flags & NG_HOOK_VALID) || ngd_fast_eth_down(h))
			continue; /* (the floods passed a down one by) */
		h->peer->stats.xmit_frames += pkts;
		h->peer->stats.xmit_octets += bytes;
	}
}

/* --- uplinks ---------------------------------------------------------------- */

/* u's wire device deleted (its port entry no longer names it), and the
 * ether node's egress program free to go. */
static void
ngd_fe_unwire(struct ngd_fast_eth *fe, struct ngd_fe_up *u)
{
	struct ng_graph *g = ngd_ether_graph();
	struct ng_node *n = g != NULL ? ng_find_id(g, u->node) : NULL;
	char name[IF_NAMESIZE];
	unsigned k;

	if (u->widx == 0)
		return;
	if (ngd_fe_in_dp(fe) == 0) {
		/* (gone with the interface, its index maybe another's) */
		if (if_indextoname(u->widx, name) != NULL &&
		    sscanf(name, "ngdw%u", &k) == 1)
			(void)ngd_fe_del((int)u->widx);
		ngd_fe_back(fe);
	}
	u->widx = 0;
	if (n != NULL)
		(void)ngd_ether_wire(n, false);
}

static void
ngd_fe_free_up(struct ngd_fast_eth *fe, struct ngd_fe_up *u)
{
	uint32_t key = u->gidx;

	if (u->on) {
		struct ng_graph *g = ngd_ether_graph();
		struct ng_node *n = g != NULL ? ng_find_id(g, u->node) : NULL;

		if (n != NULL)
			(void)ngd_ether_uplink(n, u->dir, 0);
	}
	if (u->link >= 0)
		close(u->link);
	if (u->gidx != 0)
		ngd_fast_port_del(fe->dp.owner, key);
	if (u->hidx != 0)
		(void)ngd_fe_del((int)u->hidx); /* the peer goes with it */
	ngd_fe_unwire(fe, u);
	if (u->id != 0)
		fe->used[NG_FAST_BPF_MAX_PORTS - u->id] = false;
	free(u);
}

/* A new uplink for the ether node's hook: the pair, up, its port. */
static struct ngd_fe_up *
ngd_fe_make(struct ngd_fast_eth *fe, struct ng_node *node, const char *hook,
    int dir)
{
	struct ngd_fe_up *u;
	char buf[1024], hname[IFNAMSIZ], gname[IFNAMSIZ], wname[IFNAMSIZ];
	struct nlmsghdr *nh;
	struct ng_fast_bpf_port port = { 0 };
	unsigned i;
	int error, ncpu;
	void *zero;

	for (i = 0; i < NGD_FAST_UPLINK_IDS && fe->used[i]; i++)
		;
	if (i == NGD_FAST_UPLINK_IDS || (u = calloc(1, sizeof(*u))) == NULL)
		return NULL;
	u->node = node->id;
	u->hook = hook;
	u->dir = dir;
	u->link = -1;
	for (unsigned tries = 0;; tries++) {
		unsigned n = fe->nnext++;

		snprintf(hname, sizeof(hname), "ngu%u", n);
		snprintf(gname, sizeof(gname), "ngdu%u", n);
		snprintf(wname, sizeof(wname), "ngdw%u", n);
		if (if_nametoindex(hname) == 0 || tries > 64)
			break;
	}
	nh = ngd_veth_newlink(buf, sizeof(buf), hname, gname, NULL, 65535,
	    fe->dp.netns);
	if ((error = ngd_fe_talk(nh)) != 0)
		goto fail;
	if ((u->hidx = if_nametoindex(hname)) == 0) {
		error = errno;
		goto fail;
	}
	ngd_fe_sysctl(hname);
	if ((error = ngd_fe_up_link((int)u->hidx)) != 0 ||
	    (error = ngd_fe_in_dp(fe)) != 0)
		goto fail;
	if ((u->gidx = if_nametoindex(gname)) == 0)
		error = errno;
	else if ((error = ngd_fe_up_link((int)u->gidx)) == 0) {
		u->link = bpf_link_create(fe->dp.prog_port, (int)u->gidx,
		    NGD_TCX_INGRESS, NULL);
		if (u->link < 0) {
			error = u->link == -1 ? errno : -u->link;
			u->link = -1;
		}
	}
	ngd_fe_back(fe);
	if (error != 0)
		goto fail;
	ngd_fe_carrier_sync(hname);
	fe->used[i] = true;
	u->id = (uint16_t)(NG_FAST_BPF_MAX_PORTS - i);
	if (dir == NG_ETHER_DIR_LOWER && ngd_ether_ifindex(node) != 0 &&
	    (u->widx = ngd_fe_wire(fe, ngd_ether_ifindex(node), wname)) != 0 &&
	    ngd_ether_wire(node, true) != 0)
		ngd_fe_unwire(fe, u); /* no program to clear the tag */
	port.id = u->id;
	port.wire = u->widx;
	ncpu = libbpf_num_possible_cpus();
	if ((zero = calloc(ncpu > 0 ? (size_t)ncpu : 1,
		 sizeof(struct ng_fast_bpf_stats))) != NULL) {
		uint32_t id = u->id; /* what a port of this id counted */

		(void)bpf_map_update_elem(fe->dp.stats_fd, &id, zero, BPF_ANY);
		free(zero);
	}
	if ((error = ngd_fast_port_put(fe->dp.owner, u->gidx, &port)) != 0)
		goto fail;
	u->next = fe->ups;
	fe->ups = u;
	return u;
fail:
	if (fe->errors++ % 1000 == 0)
		ngd_log(LOG_ERR, "%s: no uplink into the data plane for %s: %s",
		    node->name, hook, strerror(error));
	ngd_fe_free_up(fe, u);
	return NULL;
}

/* The ether node's hook h qualifies: it leads to a switching node, a
 * vlan node (fastpath_vlan.c), an eiface's ether hook or a hub
 * (fastpath.c), no capture sees its frames, and the node changes none
 * (autosrc writes the interface's MAC into what goes to the wire: lower
 * stays with ngd while it is on, and the bridge with it). */
static bool
ngd_fe_wanted(struct ng_hook *h, int dir)
{
	return h != NULL && (h->flags & NG_HOOK_VALID) && h->peer != NULL &&
	    (dir == NG_ETHER_DIR_UPPER || !ng_ether_autosrc(h->node)) &&
	    !(h->flags & NG_HOOK_CAPTURED) &&
	    !(h->peer->flags & NG_HOOK_CAPTURED) &&
	    ng_node_valid(h->peer->node) &&
	    (h->peer->node->type->switching != NULL ||
		strcmp(h->peer->node->type->name, NG_VLAN_NODE_TYPE) == 0 ||
		strcmp(h->peer->node->type->name, "hub") == 0 ||
		(strcmp(h->peer->node->type->name, NG_EIFACE_NODE_TYPE) == 0 &&
		    strcmp(h->peer->name, NG_EIFACE_HOOK_ETHER) == 0) ||
		ngd_fe_ether_hook(h->peer));
}

/*
 * The uplinks made to agree with the graph: one for each ether hook that
 * may use one (made now), none for any other (freed by
 * ngd_fast_eth_ports, after the eifaces' ports stopped naming them).
 */
void
ngd_fast_eth_refresh(struct ngd_fast_eth *fe)
{
	struct ng_node *nodes[64], **np = nodes;
	struct ngd_fe_up *u, **up;
	unsigned nn;

	if (fe == NULL)
		return;
	/* An uplink deleted under ngd (ip link del): made anew below. */
	for (up = &fe->ups; (u = *up) != NULL;) {
		char name[IF_NAMESIZE];

		if (if_indextoname(u->hidx, name) == NULL) {
			*up = u->next;
			u->hidx = 0; /* nothing left to delete */
			ngd_fe_free_up(fe, u);
		} else
			up = &u->next;
	}
	for (u = fe->ups; u != NULL; u = u->next) {
		u->keep = false;
		u->want_mode = u->want_peer = 0;
	}
	nn = ngd_ether_diverted(nodes, 64);
	if (nn > 64) {
		if ((np = calloc(nn, sizeof(*np))) == NULL)
			nn = 0;
		else
			nn = ngd_ether_diverted(np, nn);
	}
	for (unsigned i = 0; i < nn; i++)
		for (unsigned k = 0; k < 3; k++) {
			struct ng_hook *h = ng_find_hook(np[i],
			    ngd_fe_hooks[k]);
			int dir = k == 2 ? NG_ETHER_DIR_UPPER :
					   NG_ETHER_DIR_LOWER;

			if (!ngd_fe_wanted(h, dir))
				continue;
			for (u = fe->ups; u != NULL; u = u->next)
				if (u->node == np[i]->id &&
				    strcmp(u->hook, ngd_fe_hooks[k]) == 0)
					break;
			if (u == NULL &&
			    (u = ngd_fe_make(fe, np[i], ngd_fe_hooks[k],
				 dir)) == NULL)
				continue;
			u->keep = true;
		}
	if (np != nodes)
		free(np);
	/* Two ether hooks joined straight: each uplink to the other's. */
	for (u = fe->ups; u != NULL; u = u->next) {
		struct ng_hook *h = u->keep ? ngd_fe_hook(u) : NULL;
		uint32_t peer;

		if (h != NULL && ngd_fe_ether_hook(h->peer) &&
		    (peer = ngd_fast_eth_uplink_of(fe, h->peer)) != 0) {
			u->want_mode = NG_FAST_BPF_DIRECT;
			u->want_peer = peer;
		}
	}
}

unsigned
ngd_fast_eth_hubs(struct ngd_fast_eth *fe, struct ng_node **out, unsigned max)
{
	unsigned n = 0;

	for (struct ngd_fe_up *u = fe != NULL ? fe->ups : NULL; u != NULL;
	     u = u->next) {
		struct ng_hook *h = u->keep ? ngd_fe_hook(u) : NULL;

		if (h != NULL &&
		    strcmp(h->peer->node->type->name, "hub") == 0 && n < max)
			out[n++] = h->peer->node;
	}
	return n;
}

uint32_t
ngd_fast_eth_uplink_of(struct ngd_fast_eth *fe, const struct ng_hook *h)
{
	for (struct ngd_fe_up *u = fe != NULL ? fe->ups : NULL; u != NULL;
	     u = u->next)
		if (u->keep && u->node == h->node->id &&
		    strcmp(u->hook, h->name) == 0)
			return u->gidx;
	return 0;
}

void
ngd_fast_eth_repoint(struct ngd_fast_eth *fe, uint32_t from, uint32_t to)
{
	for (struct ngd_fe_up *u = fe != NULL ? fe->ups : NULL; u != NULL;
	     u = u->next) {
		struct ng_fast_bpf_port port = { .id = u->id,
			.mode = NG_FAST_BPF_DIRECT,
			.peer = to,
			.wire = u->widx };

		if (u->direct != from ||
		    ngd_fast_port_put(fe->dp.owner, u->gidx, &port) != 0)
			continue;
		u->direct = to;
		if (u->want_mode == NG_FAST_BPF_DIRECT && u->want_peer == from)
			u->want_peer = to;
	}
}

void
ngd_fast_eth_want(struct ngd_fast_eth *fe, uint32_t gidx, uint32_t mode,
    uint32_t peer)
{
	for (struct ngd_fe_up *u = fe != NULL ? fe->ups : NULL; u != NULL;
	     u = u->next)
		if (u->gidx == gidx) {
			u->want_mode = mode;
			u->want_peer = peer;
		}
}

unsigned
ngd_fast_eth_ports(struct ngd_fast_eth *fe, struct ngd_fast_brport *ports,
    unsigned max)
{
	struct ngd_fe_up *u, **up;
	struct ng_graph *g = ngd_ether_graph();
	unsigned n = 0;

	if (fe == NULL)
		return 0;
	for (up = &fe->ups; (u = *up) != NULL;) {
		struct ng_node *node = g != NULL ?
		    ng_find_id(g, u->node) :
		    NULL;

		if (!u->keep || node == NULL) {
			*up = u->next;
			ngd_fe_free_up(fe, u);
			continue;
		}
		/* a direct edge's or a hub's (fastpath.c) is no bridge's */
		if (u->want_mode == 0 && n < max) {
			ports[n].eiface = node;
			ports[n].hook = u->hook;
			ports[n].gidx = u->gidx;
			ports[n].id = u->id;
			ports[n].wire = u->widx != 0;
			ports[n].down = u->dir != NG_ETHER_DIR_UPPER &&
			    !ng_ether_running(node);
			ports[n].changed = false;
			n++;
		}
		up = &u->next;
	}
	return n;
}

unsigned
ngd_fast_eth_count(struct ngd_fast_eth *fe)
{
	return fe != NULL ? 3 * ngd_ether_diverted(NULL, 0) : 0;
}

void
ngd_fast_eth_apply(struct ngd_fast_eth *fe, struct ngd_fast_br *br,
    struct ngd_fast_vl *vl)
{
	struct ng_graph *g = ngd_ether_graph();

	if (fe == NULL || g == NULL)
		return;
	for (struct ngd_fe_up *u = fe->ups; u != NULL; u = u->next) {
		uint32_t direct = u->want_mode == NG_FAST_BPF_DIRECT ?
		    u->want_peer :
		    0;
		uint32_t hub = u->want_mode == NG_FAST_BPF_HUB ?
		    u->want_peer :
		    0;
		uint32_t bridge = u->want_mode == 0 ?
		    ngd_fast_br_of(br, u->gidx) :
		    0;
		uint32_t vlan = u->want_mode == 0 && bridge == 0 ?
		    ngd_fast_vl_of(vl, u->gidx) :
		    0;
		struct ng_node *n = ng_find_id(g, u->node);
		struct ng_fast_bpf_port port = { .id = u->id, .wire = u->widx };

		if (n == NULL)
			continue;
		if (bridge != u->bridge || vlan != u->vlan ||
		    direct != u->direct || hub != u->hub) {
			ngd_fe_fold(fe, u); /* by the path it had */
			if (bridge == 0 && vlan == 0 && direct == 0 &&
			    hub == 0 && u->on) {
				/* the TAPs first */
				(void)ngd_ether_uplink(n, u->dir, 0);
				u->on = false;
			}
			if (direct != 0) { /* fastpath.c */
				port.mode = NG_FAST_BPF_DIRECT;
				port.peer = direct;
			} else if (hub != 0) {
				port.mode = NG_FAST_BPF_HUB;
				port.peer = hub;
			} else if (bridge != 0) {
				port.mode = NG_FAST_BPF_BRIDGE;
				port.peer = bridge;
			} else if (vlan != 0) {
				port.mode = NG_FAST_BPF_VLAN;
				port.peer = vlan;
			}
			if (ngd_fast_port_put(fe->dp.owner, u->gidx, &port) ==
			    0) {
				u->bridge = bridge;
				u->vlan = vlan;
				u->direct = direct;
				u->hub = hub;
			}
		}
		if ((u->bridge != 0 || u->vlan != 0 || u->direct != 0 ||
			u->hub != 0) &&
		    !u->on) {
			int error = ngd_ether_uplink(n, u->dir, u->hidx);

			if (error == 0)
				u->on = true;
			else if (fe->errors++ % 1000 == 0)
				ngd_log(LOG_ERR,
				    "%s: %s stays on the userspace path: %s",
				    n->name, u->hook, strerror(error));
		}
	}
}

bool
ngd_fast_eth_input(struct ngd_fast_eth *fe, struct ngd_fast_br *br, unsigned id,
    struct ng_pkt **pktp)
{
	struct ng_graph *g = ngd_ether_graph();
	struct ngd_fe_up *u;
	struct ng_node *n;
	uint32_t gidx;

	if (fe == NULL || g == NULL)
		return false;
	for (u = fe->ups; u != NULL && u->id != id; u = u->next)
		;
	if (u == NULL)
		return false;
	if ((n = ng_find_id(g, u->node)) == NULL) {
		ng_pkt_free(pktp);
		return true;
	}
	gidx = u->gidx; /* u may go with the frame */
	ngd_fast_br_input(br, gidx, *pktp);
	ng_ether_input(n, (enum ng_ether_dir)u->dir, pktp); /* consumes */
	ngd_fast_br_input(br, gidx, NULL);
	return true;
}

bool
ngd_fast_eth_lost(struct ngd_fast_eth *fe, unsigned id)
{
	struct ngd_fe_up *u;
	struct ng_hook *h;

	for (u = fe != NULL ? fe->ups : NULL; u != NULL && u->id != id;
	     u = u->next)
		;
	if (u == NULL)
		return false;
	if ((h = ngd_fe_hook(u)) != NULL) /* sent, reached no node */
		h->stats.xmit_drops++;
	return true;
}

bool
ngd_fast_eth_gidx(const struct ngd_fast_eth *fe, uint32_t gidx)
{
	for (const struct ngd_fe_up *u = fe != NULL ? fe->ups : NULL; u != NULL;
	     u = u->next)
		if (u->gidx == gidx)
			return true;
	return false;
}

bool
ngd_fast_eth_chain(const struct ngd_fast_eth *fe, uint32_t chain,
    uint32_t nchains)
{
	for (const struct ngd_fe_up *u = fe != NULL ? fe->ups : NULL; u != NULL;
	     u = u->next)
		if ((u->gidx != 0 && u->gidx % nchains == chain) ||
		    (u->widx != 0 && u->widx % nchains == chain))
			return true;
	return false;
}

int
ngd_fast_eth_new(const struct ngd_fast_dp *dp, struct ngd_fast_eth **fep)
{
	struct ngd_fast_eth *fe = calloc(1, sizeof(*fe));

	*fep = fe;
	if (fe == NULL)
		return ENOMEM;
	fe->dp = *dp;
	if (dp->adopted) /* (a data plane of ours has none) */
		ngd_fe_sweep(fe);
	return 0;
}

void
ngd_fast_eth_free(struct ngd_fast_eth *fe)
{
	struct ngd_fe_up *u;

	if (fe == NULL)
		return;
	while ((u = fe->ups) != NULL) {
		fe->ups = u->next;
		ngd_fe_free_up(fe, u);
	}
	free(fe);
}
