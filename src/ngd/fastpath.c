/*
 * fastpath.c: eifaces as veth pairs, and the kernel path between them
 * (DESIGN decision 11; README "The kernel fast path").
 *
 * With NGD_FASTPATH=1, an eiface's interface is one end of a veth pair:
 * the "jail-side" end carries the interface's name, MAC and addresses,
 * lives in ngd's namespace or wherever it is moved (jails, vnet), and is
 * what users see; its peer, the "graph-side" end, lives in one private
 * data-plane namespace that ngd makes at start and nobody else can name,
 * so `ip link` on the host shows what it shows with TAPs.
 *
 * Frames: the tc programs of src/bpf/ng_fast.bpf.c (loaded with the
 * first eiface or ether uplink, ngd_fast_ready), attached as TCX
 * links, forward between two eifaces joined directly in the kernel
 * (bpf_redirect_peer), repeat to every other member of a hub whose hooks
 * all lead to eifaces (bpf_loop + bpf_clone_redirect, up to
 * NG_FAST_BPF_FLOOD_MAX, in slices), and send every other frame to ngd
 * through one
 * vnet-header TAP of the data plane, the port's id in an 802.1Q tag;
 * ngd writes frames for an interface into that TAP with the same tag.
 * The port map is written when an eiface's hook comes or goes and after
 * every client message, before its status goes back.
 *
 * The jail-side end is reached from the data-plane namespace by
 * rtnetlink: the graph-side end's IFLA_LINK and IFLA_LINK_NETNSID name
 * it, IFLA_TARGET_NETNSID reads it wherever it has been moved, and
 * changes are made from inside its namespace, found by its id.  Deleting
 * either end deletes both; when the jail-side end's namespace is
 * destroyed the pair goes with it, the data plane's link monitor sees
 * the graph-side end go, and the node re-creates its interface at home
 * (decision 4).  A vnet makes the interface anew where it goes, as a
 * TAP's is: a new pair whose jail-side end is made in the target
 * namespace with the name, MAC, MTU and index, whose graph-side end takes
 * over the port; the old pair joins a group of the data plane deleted
 * once per batch (moving a device costs the kernel an RCU grace period
 * under the RTNL lock, one move at a time; deleting a group costs one
 * for all).  While the graph has a pair, the data plane, the maps
 * and the links are pinned and outlive ngd (fastpath_pin.c): the next
 * ngd, or a takeover, takes them back (ngd_fast_adopt); a clean stop
 * removes them.
 *
 * TUN devices (iface) stay netdev.c's; every op passes them through.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <syslog.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/if_link.h>
#include <linux/net_namespace.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>

#include <linux/virtio_net.h>
#include <linux/if_tun.h>
#ifndef IFF_LOWER_UP /* <linux/if.h>, which <net/if.h> excludes */
#define IFF_LOWER_UP 0x10000
#endif
#include <sys/ioctl.h>
#include <sys/mman.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <libmnl/libmnl.h>

#include "ngd.h"
#include "fastpath.h"
#include "netgraph/ng_eiface.h"
#include "netgraph/ng_ether.h"
#include "netgraph/ng_vlan.h"
#include "../bpf/ng_fast_bpf.h"
#include "ng_fast.skel.h" /* bpftool's, made at build time (Makefile) */

/* TCX attach points (kernel 6.6); Debian 12's uapi headers predate them. */
#define NGD_TCX_INGRESS 46
#define NGD_TCX_EGRESS 47

#ifndef TUN_F_USO4
#define TUN_F_USO4 0x20
#define TUN_F_USO6 0x40
#endif

#ifndef NETLINK_GET_STRICT_CHK
#define NETLINK_GET_STRICT_CHK 12
#endif

#define NGD_FAST_ENV "NGD_FASTPATH"
#define NGD_FAST_NLBUF 8192
/* ng_fast_slows, mapped (the slow path's queues, ng_fast_bpf.h) */
#define NGD_FAST_SLOW_SIZE                                                     \
	(NG_FAST_BPF_SLOW_KEYS * sizeof(struct ng_fast_bpf_slow))
/*
 * Pairs a vnet replaced, or whose eiface went, are deleted together, by
 * their graph-side ends' group in the data plane: one RTM_DELLINK for
 * the lot, once none came for NGD_FAST_RETIRE_MS, the first waited
 * NGD_FAST_RETIRE_WAIT_MS, or the batch is full.  Each pair still costs
 * the kernel a grace period with the RTNL lock held (tcx_uninstall:
 * 12-16 ms here, 30 and more under load), which every namespace's
 * network setup on the machine waits for: so a batch is full at the
 * number the last one deleted in about NGD_FAST_RETIRE_BATCH_MS (16 to
 * 128).  A job deletes each (ngd_job_start) while the loop serves; the
 * batches closed meanwhile wait their turn, each in a group of its own
 * (NGD_FAST_RETIRE_GROUPS of them, taken in turn), so that a delete
 * takes in no pair retired after its batch closed.
 * The old graph-side end's TCX link is closed after that delete, not
 * before: releasing a link from a device that still exists waits for a
 * grace period under the RTNL lock (tcx_link_release), one a pair, while
 * a device's unregistering lets go of its links for nothing.
 */
#define NGD_FAST_RETIRE_GROUP 0x6e67ffffu /* the data plane is ours alone */
#define NGD_FAST_RETIRE_GROUPS 8          /* ... down from it */
#define NGD_FAST_RETIRED(group)                                                \
	((group) <= NGD_FAST_RETIRE_GROUP &&                                   \
	    (group) > NGD_FAST_RETIRE_GROUP - NGD_FAST_RETIRE_GROUPS)
#define NGD_FAST_RETIRE_BATCH_MS 500
#define NGD_FAST_RETIRE_MIN 16
/*
 * The data plane's link events: a thousand jails removed at once bring
 * a few of them a pair (~1.5 KB each) while ngd is busy making the
 * interfaces anew; the default buffer overflowed, and each loss cost a
 * look at every pair.  Memory is taken only as events wait.
 */
#define NGD_FAST_MON_BUF (8 << 20)
#define NGD_FAST_RETIRE_MS 20
#define NGD_FAST_RETIRE_WAIT_MS 500 /* or once the first waited this long */
/*
 * The pairs by their graph-side end's index, for the data plane's link
 * events (ngd_fast_mon_cb), a few a pair made or gone: each was a walk
 * of every pair, O(N^2) for N jails made or removed.  The data plane
 * hands indexes out in order, so their low bits spread them.
 */
#define NGD_FAST_GIDX_BUCKETS 4096
#define NGD_FAST_RETIRE_MAX 128

/*
 * The kernel finds a redirect's target (bpf_redirect_peer) by ifindex in
 * a hash of NGD_FAST_DEV_CHAINS chains a namespace, the devices made
 * after the target in its chain walked first (dev_get_by_index_rcu; ~40
 * ns a device a frame here, bench/redirchain).  ngd_fast_free_gidx
 * keeps the graph-side ends' chains even: a jail's interface made then
 * moved (jng, jail(8)'s vnet) takes two indexes, the kernel's for the
 * first end and ngd's next for the one that replaces it, and taking the
 * next each time put every remade end on one parity, half the chains
 * twice as long.  It looks NGD_FAST_GIDX_WINDOW indexes ahead at most.
 */
#define NGD_FAST_DEV_CHAINS 256
#define NGD_FAST_GIDX_WINDOW 4

struct ngd_fast;
/* One queue of the slow path's TAP. */
struct ngd_fast_q {
	struct ngd_io io;
	struct ngd_fast *fp;
};

#define NGD_FAST_PROGS_MAX 8 /* ng_fast.bpf.c has 4 */

struct ngd_fast {
	struct ngd_netdev *nd;    /* TUNs, and the wrappers of our devices */
	struct ng_netdev_ops ops; /* what the graph calls */
	int dp_netns;             /* the data-plane namespace */
	struct mnl_socket *rtnl;  /* rtnetlink inside it */
	unsigned seq;
	unsigned npairs;        /* graph-side ends named ngdp<n> */
	struct ngd_io mon;      /* link events of the data plane */
	struct ngd_veth *veths; /* every pair */
	/* The programs (ng_fast.bpf.c) and their maps, from the first need
	 * (ngd_fast_ready): loaded, or why they could not be. */
	bool loaded;
	int load_error;
	struct ng_fast_bpf *skel;
	int prog_port, prog_tap, prog_steer, prog_slowq;
	uint32_t prog_port_id; /* (a link running it is left as it is) */
	/* The last ngd's programs, run on (ngd_fast_pin_take_progs): each of
	 * the object's, in its order; none (0) when they were loaded. */
	int progs_taken[NGD_FAST_PROGS_MAX];
	unsigned nprogs_taken;
	int ports_fd, ids_fd, cfg_fd, stats_fd;
	struct ngd_ifslots ifs; /* ng_fast_ifs (ifslots.c) */
	/* The slow path: the data plane's TAP, which ngd reads and writes. */
	struct ngd_fast_q tap[NG_FAST_BPF_SLOW_QUEUES];
	struct ng_fast_bpf_slow *slow; /* ng_fast_slows, mapped; or NULL */
	int tap_ifindex;
	int tap_link;      /* ng_fast_tap on its ingress */
	int tap_elink;     /* ng_fast_slowq on its egress */
	unsigned tap_ring; /* each queue's frames (0: unknown) */
	bool tap_later;    /* frames to it from ngd_fast_restored */
	/* ng_fast_ids swept of the last ngd's ids, a slice a loop pass
	 * (ngd_fast_ids_sweep): on, and where it goes on. */
	bool ids_sweep, ids_begun;
	uint32_t ids_next;
	struct ngd_veth **byid;                         /* port id -> pair */
	struct ngd_veth *bygidx[NGD_FAST_GIDX_BUCKETS]; /* ngd_fast_index */
	/* graph-side ends in each of the kernel's ifindex chains */
	unsigned nchain[NGD_FAST_DEV_CHAINS];
	unsigned next_id;
	int members_fd, groups_fd;
	struct ngd_fast_hub *hubs; /* the hubs repeating in the kernel */
	struct ngd_fast_br *br;    /* bridges switching in the kernel */
	struct ngd_fast_eth *eth;  /* ether nodes' uplinks to them */
	struct ngd_fast_vl *vl;    /* vlan nodes tagging in the kernel */
	/* Pinned, to outlive ngd (fastpath_pin.c). */
	struct ngd_fast_pin *pin;
	bool adopting; /* a data plane left by the last ngd */
	bool held;     /* handed over: ngd_fast_hold */
	bool stopping; /* ngd_fast_stopping: pairs retired, not deleted */
	unsigned mark; /* ngd_fast_hookstats' pass */
	int own_nsid;  /* ngd's namespace as the data plane calls it, or -1 */
	/* Pairs retired, in retire_group until deleted: the batch that
	 * gathers. */
	unsigned nretired;
	uint32_t retire_group;     /* the batch's (NGD_FAST_RETIRED) */
	uint64_t retired_ms;       /* when the last one joined */
	uint64_t retired_first_ms; /* ... and the batch's first */
	int *oldlinks;             /* their ends' links, closed once deleted */
	unsigned noldlinks, maxoldlinks;
	unsigned retire_cap; /* the batch is full (NGD_FAST_RETIRE_BATCH_MS) */
	/* Batches closed, waiting for the job that deletes them in turn. */
	struct ngd_fast_batch *batches, **batches_tail;
	unsigned nbatches;         /* ... with the one the job deletes */
	struct ngd_job retire_job; /* deleting the one before batches */
	bool draining;             /* ngd_fast_flush_retired waits */
	int next_gidx;             /* ngd_fast_free_gidx's next try */
	bool sync_due;             /* a vnet's: ngd_fast_sync before sleeping */
	/* ng_topo_gen when the last full sync began; UINT64_MAX: none yet,
	 * or an event's edit since */
	uint64_t synced_gen;
	/* Bumped after each client message and each change ngd makes to a
	 * link: a pair's peer is read once a gen (ngd_veth_peer), where a
	 * message read it up to seven times (its node's name and MAC
	 * synced before the message and by the node, the message's own). */
	unsigned gen;
	/* ngd's namespace's inode and cookie, for the journal (0: not yet) */
	uint64_t own_ino, own_cookie;
	struct ngd_sleep_hook retire_hook;
};

/* A hub whose every hook leads to an eiface: its members in the maps.
 * A member whose graph-side end has no carrier is written 0: the hub's
 * floods pass it by, as a bridge's do (ngd_fast_hub_carrier); so is an
 * ether hook's uplink whose interface takes nothing from it
 * (ngd_fast_eth_down, read at each sync). */
struct ngd_fast_hub {
	uint32_t id; /* the hub node's ID, the group in the maps */
	unsigned n;
	uint32_t *gidx; /* n of them */
	bool *down;     /* n of them: written 0 */
	struct ngd_fast_hub *next;
};

/* What the graph-side end says of its peer, and the peer of itself. */
struct ngd_veth_peer {
	int nsid;    /* the peer's namespace, as the data plane sees it */
	int ifindex; /* the peer's index there */
	char name[IFNAMSIZ];
	uint8_t mac[6];
	unsigned flags;
	uint32_t mtu, txqlen;
};

struct ngd_veth {
	struct ngd_fast *fp;
	struct ng_netdev *dev; /* netdev.c's wrapper, what the graph has */
	struct ng_node *node;
	int gidx;                /* graph-side end's index, data plane */
	char gname[IFNAMSIZ];    /* and its name (ngdp<n>, never reused) */
	int link;                /* ng_fast_port on its ingress */
	uint16_t id;             /* port id, in the tag of its slow frames */
	struct ngd_veth *direct; /* joined to this eiface: kernel path */
	uint32_t up;             /* or joined to an ether hook: its uplink's
				  * data-plane end (fastpath_ether.c) */
	uint32_t hub;            /* on this kernel hub (its node ID), or 0 */
	uint32_t want_hub;       /* ngd_fast_sync's scratch */
	bool down;     /* the graph-side end has no carrier, as last heard
		    * (ngd_fast_carrier): a bridge's floods pass it by */
	bool hub_seen; /* the same: its hub looked at */
	bool going;    /* its node shut down: ngd_veth_retire_going */
	/* Counters (ngd_veth_fold): the port entry as last written, and
	 * the kernel's sums already added to the hooks' counters. */
	struct ng_fast_bpf_port written;
	struct ng_fast_bpf_stats seen;
	unsigned mark;
	/* Its peer as last read (ngd_veth_peer): again for the rest of the
	 * message that read it (peer_gen == fp->gen), and for the journal
	 * (peer_known) until ngd changes the interface or the journal's
	 * periodic look reads it again.  A read that failed (peer_error: its
	 * namespace dying) fails again for the rest of the message too. */
	struct ngd_veth_peer peer;
	unsigned peer_gen;
	int peer_error;
	bool peer_known;
	/* Its description as last made (ngd_fast_describe), and from what:
	 * the journal asks for every pair at every write (O(pairs) a
	 * write, a write after most requests), and it seldom changes. */
	char desc[192];
	size_t desc_len;
	struct ngd_veth_peer desc_p;
	int desc_gidx;
	uint16_t desc_id;
	bool desc_home;
	struct ngd_veth *next;
	/* In fp->bygidx under igidx (0: not there), ngd_fast_index. */
	int igidx;
	struct ngd_veth *inext;
};

/* A pair's graph-side end has index gidx: new ends are given higher
 * ones (ngd_fast_free_gidx). */
static void
ngd_fast_saw_gidx(struct ngd_fast *fp, int gidx)
{
	if (gidx >= fp->next_gidx)
		fp->next_gidx = gidx + 1;
}

/* Back to ngd's own namespace from the data plane or another. */
static void
ngd_fast_back(struct ngd_fast *fp)
{
	if (setns(fp->nd->own_netns, CLONE_NEWNET) < 0) {
		ngd_log(LOG_CRIT, "cannot return to ngd's namespace: %s",
		    strerror(errno));
		abort(); /* serving another namespace's graph would be worse */
	}
}

/* --- rtnetlink in the data plane ---------------------------------------- */

struct ngd_fast_link {
	int link, netnsid;
	char name[IFNAMSIZ];
	uint8_t mac[6];
	bool have_mac;
	unsigned flags;
	int ifindex;
	uint32_t mtu, txqlen, group;
};

static int
ngd_fast_link_attr(const struct nlattr *a, void *arg)
{
	struct ngd_fast_link *l = arg;

	switch (mnl_attr_get_type(a)) {
	case IFLA_LINK:
		if (mnl_attr_validate(a, MNL_TYPE_U32) == 0)
			l->link = (int)mnl_attr_get_u32(a);
		break;
	case IFLA_LINK_NETNSID:
		if (mnl_attr_validate(a, MNL_TYPE_U32) == 0)
			l->netnsid = (int)mnl_attr_get_u32(a);
		break;
	case IFLA_IFNAME:
		if (mnl_attr_validate(a, MNL_TYPE_STRING) == 0)
			snprintf(l->name, sizeof(l->name), "%s",
			    mnl_attr_get_str(a));
		break;
	case IFLA_ADDRESS:
		if (mnl_attr_get_payload_len(a) == 6) {
			memcpy(l->mac, mnl_attr_get_payload(a), 6);
			l->have_mac = true;
		}
		break;
	case IFLA_MTU:
		if (mnl_attr_validate(a, MNL_TYPE_U32) == 0)
			l->mtu = mnl_attr_get_u32(a);
		break;
	case IFLA_TXQLEN:
		if (mnl_attr_validate(a, MNL_TYPE_U32) == 0)
			l->txqlen = mnl_attr_get_u32(a);
		break;
	case IFLA_GROUP:
		if (mnl_attr_validate(a, MNL_TYPE_U32) == 0)
			l->group = mnl_attr_get_u32(a);
		break;
	}
	return MNL_CB_OK;
}

static int
ngd_fast_link_cb(const struct nlmsghdr *nh, void *arg)
{
	struct ngd_fast_link *l = arg;
	const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nh);

	if (nh->nlmsg_type != RTM_NEWLINK)
		return MNL_CB_OK;
	l->flags = ifi->ifi_flags;
	l->ifindex = ifi->ifi_index;
	return mnl_attr_parse(nh, sizeof(*ifi), ngd_fast_link_attr, l);
}

/* One request on nl, its answers through cb: 0 or an errno. */
int
ngd_fast_talk(struct mnl_socket *nl, unsigned *seqp, struct nlmsghdr *nh,
    mnl_cb_t cb, void *arg)
{
	char buf[NGD_FAST_NLBUF];
	unsigned seq = ++*seqp, portid = mnl_socket_get_portid(nl);
	ssize_t n;
	int ret;

	nh->nlmsg_seq = seq;
	nh->nlmsg_flags |= NLM_F_REQUEST | NLM_F_ACK;
	if (mnl_socket_sendto(nl, nh, nh->nlmsg_len) < 0)
		return errno;
	for (;;) {
		n = mnl_socket_recvfrom(nl, buf, sizeof(buf));
		if (n < 0)
			return errno;
		ret = mnl_cb_run(buf, (size_t)n, seq, portid, cb, arg);
		if (ret < 0)
			return errno != 0 ? errno : EPROTO;
		if (ret == MNL_CB_STOP)
			return 0;
	}
}

/* Link ifindex (in the namespace nsid, -1: the socket's) described. */
static int
ngd_fast_getlink(struct ngd_fast *fp, int nsid, int ifindex,
    struct ngd_fast_link *l)
{
	char buf[NGD_FAST_NLBUF];
	struct nlmsghdr *nh;
	struct ifinfomsg *ifi;

	memset(l, 0, sizeof(*l));
	l->link = l->netnsid = -1;
	memset(buf, 0, 256);
	nh = mnl_nlmsg_put_header(buf);
	nh->nlmsg_type = RTM_GETLINK;
	ifi = mnl_nlmsg_put_extra_header(nh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = ifindex;
	if (nsid >= 0)
		mnl_attr_put_u32(nh, IFLA_TARGET_NETNSID, (uint32_t)nsid);
	return ngd_fast_talk(fp->rtnl, &fp->seq, nh, ngd_fast_link_cb, l);
}

/* Whatever was read of the pairs' peers is read again when next asked
 * (a client's message ended, or ngd changed a link). */
static void
ngd_fast_stale(struct ngd_fast *fp)
{
	if (++fp->gen == 0)
		fp->gen = 1;
}

/*
 * The jail-side end of v, wherever it is: two requests, or none if this
 * message read it already (ngd_fast_stale), or found it unreadable: an
 * interface whose namespace lost its name (jail -r) is looked at three
 * times as it comes home (its MAC, its name, the vnet), and its dying
 * namespace made each look ask again, 3-6 requests where one read does.
 */
static int
ngd_veth_peer(struct ngd_veth *v, struct ngd_veth_peer *p)
{
	struct ngd_fast_link g, j;
	int error;

	if (v->peer_gen != 0 && v->peer_gen == v->fp->gen) {
		if (v->peer_error != 0)
			return v->peer_error;
		*p = v->peer;
		return 0;
	}
	v->peer_gen = 0;
	v->peer_known = false;
	if ((error = ngd_fast_getlink(v->fp, -1, v->gidx, &g)) == 0 &&
	    (g.link <= 0 || g.netnsid < 0))
		error = ENXIO; /* the pair is going */
	if (error == 0)
		error = ngd_fast_getlink(v->fp, g.netnsid, g.link, &j);
	if (error != 0) {
		v->peer_error = error;
		v->peer_gen = v->fp->gen;
		return error;
	}
	v->peer_error = 0;
	p->nsid = g.netnsid;
	p->ifindex = g.link;
	memcpy(p->name, j.name, sizeof(p->name));
	memcpy(p->mac, j.mac, 6);
	p->flags = j.flags;
	p->mtu = j.mtu;
	p->txqlen = j.txqlen;
	v->peer = *p;
	v->peer_gen = v->fp->gen;
	v->peer_known = true;
	return 0;
}

/* v's interface changed by ngd: read again, by messages and journal. */
static void
ngd_veth_changed(struct ngd_veth *v)
{
	v->peer_gen = 0;
	v->peer_known = false;
	ngd_fast_stale(v->fp);
}

/*
 * A pair made by the request nh (ngd_veth_newlink_spec), its graph-side
 * end as the kernel made it in *l: the kernel's answer to the request
 * itself (NLM_F_ECHO) gives its index and its peer's index and
 * namespace, which were asked after it (one request for the index, two
 * for the peer when the journal describes it).  A kernel that echoes
 * nothing leaves l->ifindex 0: the callers ask as before.
 */
static int
ngd_fast_newpair(struct ngd_fast *fp, struct nlmsghdr *nh,
    struct ngd_fast_link *l)
{
	memset(l, 0, sizeof(*l));
	l->link = l->netnsid = -1;
	nh->nlmsg_flags |= NLM_F_ECHO;
	return ngd_fast_talk(fp->rtnl, &fp->seq, nh, ngd_fast_link_cb, l);
}

/*
 * v's interface as ngd has just made it (l: the echo of its pair, name
 * and mac as asked): known for the journal's description (peer_known),
 * as a read would have found it; a message still reads it (peer_gen 0).
 */
static void
ngd_veth_made(struct ngd_veth *v, const struct ngd_fast_link *l,
    const char *name, const uint8_t *mac)
{
	if (l->ifindex != v->gidx || l->link <= 0 || l->netnsid < 0 ||
	    mac == NULL || strlen(name) >= IFNAMSIZ)
		return;
	memset(&v->peer, 0, sizeof(v->peer));
	v->peer.nsid = l->netnsid;
	v->peer.ifindex = l->link;
	memcpy(v->peer.name, name, strlen(name) + 1);
	memcpy(v->peer.mac, mac, 6);
	v->peer_gen = 0;
	v->peer_known = true;
}

static int
ngd_fast_nsid_cb(const struct nlmsghdr *nh, void *arg)
{
	struct nlattr *a;

	if (nh->nlmsg_type != RTM_NEWNSID)
		return MNL_CB_OK;
	mnl_attr_for_each(a, nh,
	    sizeof(struct rtgenmsg)) if (mnl_attr_get_type(a) == NETNSA_NSID &&
	    mnl_attr_validate(a, MNL_TYPE_U32) == 0) *
	    (int *)arg = (int)mnl_attr_get_u32(a);
	return MNL_CB_OK;
}

/* The id nl's namespace gives the namespace nsfd, in *nsidp (left as it
 * was if none yet). */
static int
ngd_fast_getnsid(struct mnl_socket *nl, unsigned *seqp, int nsfd, int *nsidp)
{
	char buf[256];
	struct nlmsghdr *nh;
	struct rtgenmsg *g;

	memset(buf, 0, sizeof(buf));
	nh = mnl_nlmsg_put_header(buf);
	nh->nlmsg_type = RTM_GETNSID;
	g = mnl_nlmsg_put_extra_header(nh, sizeof(*g));
	g->rtgen_family = AF_UNSPEC;
	mnl_attr_put_u32(nh, NETNSA_FD, (uint32_t)nsfd);
	return ngd_fast_talk(nl, seqp, nh, ngd_fast_nsid_cb, nsidp);
}

/* The id the data plane gives the namespace nsfd (-1: none yet). */
static int
ngd_fast_nsid(struct ngd_fast *fp, int nsfd, int *nsidp)
{
	*nsidp = -1;
	return ngd_fast_getnsid(fp->rtnl, &fp->seq, nsfd, nsidp);
}

static bool ngd_fast_nsid_home(struct ngd_fast *fp, int nsid);

/*
 * An fd for the namespace the data plane calls nsid: ngd's own, one
 * named under /run/netns (jails, ip netns), or, failing those, one a
 * process is in.  Looked up each time rather than held, so that ngd
 * never keeps a namespace alive (a pair whose namespace dies goes too).
 */
static int
ngd_fast_nsfd(struct ngd_fast *fp, int nsid, int *fdp)
{
	static const char *const dirs[] = { "/run/netns", "/proc" };
	char path[PATH_MAX];
	int id, fd;

	*fdp = -1;
	if (ngd_fast_nsid_home(fp, nsid)) {
		*fdp = dup(fp->nd->own_netns);
		return *fdp < 0 ? errno : 0;
	}
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		DIR *d = opendir(dirs[i]);
		struct dirent *e;

		if (d == NULL)
			continue;
		while ((e = readdir(d)) != NULL) {
			if (e->d_name[0] == '.')
				continue;
			if (i == 1 &&
			    (e->d_name[0] < '0' || e->d_name[0] > '9'))
				continue;
			snprintf(path, sizeof(path),
			    i == 0 ? "%s/%s" : "%s/%s/ns/net", dirs[i],
			    e->d_name);
			if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
				continue;
			if (ngd_fast_nsid(fp, fd, &id) == 0 && id == nsid) {
				closedir(d);
				*fdp = fd;
				return 0;
			}
			close(fd);
		}
		closedir(d);
	}
	return ENXIO;
}

/* rtnetlink inside the network namespace nsfd: 0 or an errno. */
static int
ngd_fast_nl_in(struct ngd_fast *fp, int nsfd, struct mnl_socket **nlp)
{
	struct mnl_socket *nl = NULL;
	int error = 0;

	if (setns(nsfd, CLONE_NEWNET) < 0)
		error = errno;
	else {
		nl = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
		if (nl == NULL)
			error = errno;
		else if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
			error = errno;
			mnl_socket_close(nl);
			nl = NULL;
		}
		ngd_fast_back(fp);
	}
	*nlp = nl;
	return error;
}

/* rtnetlink inside the namespace the data plane calls nsid. */
static int
ngd_fast_nl_at(struct ngd_fast *fp, int nsid, struct mnl_socket **nlp)
{
	struct mnl_socket *nl = NULL;
	int nsfd, error = 0;

	*nlp = NULL;
	if ((error = ngd_fast_nsfd(fp, nsid, &nsfd)) != 0)
		return error;
	error = ngd_fast_nl_in(fp, nsfd, &nl);
	close(nsfd);
	*nlp = nl;
	return error;
}

/*
 * Change link ifindex of the namespace nsid (-1: the data plane): its
 * flags under change, a new name, a MAC, another namespace (nsfd >= 0).
 */
static int
ngd_fast_setlink(struct ngd_fast *fp, int nsid, int ifindex, unsigned flags,
    unsigned change, const char *name, const uint8_t *mac, int nsfd)
{
	char buf[1024];
	struct mnl_socket *nl = fp->rtnl;
	struct nlmsghdr *nh;
	struct ifinfomsg *ifi;
	unsigned seq = 0;
	int error;

	if (nsid >= 0 && (error = ngd_fast_nl_at(fp, nsid, &nl)) != 0)
		return error;
	nh = ngd_fast_linkreq(buf, sizeof(buf), RTM_NEWLINK, ifindex);
	ifi = mnl_nlmsg_get_payload(nh);
	ifi->ifi_flags = flags;
	ifi->ifi_change = change;
	if (name != NULL)
		mnl_attr_put_strz(nh, IFLA_IFNAME, name);
	if (mac != NULL)
		mnl_attr_put(nh, IFLA_ADDRESS, 6, mac);
	if (nsfd >= 0)
		mnl_attr_put_u32(nh, IFLA_NET_NS_FD, (uint32_t)nsfd);
	error = ngd_fast_talk(nl, nsid >= 0 ? &seq : &fp->seq, nh, NULL, NULL);
	if (nl != fp->rtnl)
		mnl_socket_close(nl);
	ngd_fast_stale(fp);
	return error;
}

/* --- the pair's frames --------------------------------------------------- */

/*
 * --- counters: what the kernel forwarded, in the hooks' counters ---------
 *
 * The programs count per CPU, per port, the frames the kernel forwarded
 * from it (ng_fast_pstats).  ngd adds what they counted since it last
 * looked to the hooks the frames crossed in the graph, as ng_send_data
 * would have (out of one, into its peer): a direct edge's two ether
 * hooks; a hub's hook from the port's eiface and the hooks to every
 * other member; a kernel bridge's hook from the port's eiface (what the
 * bridge sent out of its hooks is its own per-port count, ng_fast_brstats,
 * added by fastpath_bridge.c: each frame is counted once per edge, at
 * the hook that sent it).  It looks when the port's entry is rewritten (the path
 * changes; it counts by the path the entry had), when its hub's members
 * change, and when the counters of a hook they cross are read or
 * cleared (gethookstats, clrhookstats: the engine's hookstats_sync).
 * What crosses an edit races it and is counted by the path that follows.
 * What a port's frames lost on their way (its dropped: no room on the
 * slow path's queue, a tag or redirect that failed) is counted in its
 * eiface's ether hook's xmit_drops: sent, reached no node.
 */

/* The per-CPU counters of v's port, summed. */
static int
ngd_veth_stats(struct ngd_veth *v, struct ng_fast_bpf_stats *sum)
{
	int ncpu = libbpf_num_possible_cpus();
	struct ng_fast_bpf_stats *per;
	uint32_t key = v->id;
	int error = 0;

	memset(sum, 0, sizeof(*sum));
	if (ncpu <= 0 || v->id == 0)
		return EINVAL;
	if ((per = calloc((size_t)ncpu, sizeof(*per))) == NULL)
		return ENOMEM;
	if (bpf_map_lookup_elem(v->fp->stats_fd, &key, per) < 0)
		error = errno;
	for (int i = 0; error == 0 && i < ncpu; i++) {
		sum->fast_pkts += per[i].fast_pkts;
		sum->fast_bytes += per[i].fast_bytes;
		sum->fast_segs += per[i].fast_segs;
		sum->slow_pkts += per[i].slow_pkts;
		sum->dropped += per[i].dropped;
	}
	free(per);
	return error;
}

/* v's port's counters from zero: its id's entry may hold what a port
 * that had the id before counted. */
static int
ngd_veth_stats_new(struct ngd_veth *v)
{
	int ncpu = libbpf_num_possible_cpus();
	struct ng_fast_bpf_stats *per;
	uint32_t key = v->id;
	int error = 0;

	if (ncpu <= 0 || v->id == 0)
		return EINVAL;
	if ((per = calloc((size_t)ncpu, sizeof(*per))) == NULL)
		return ENOMEM;
	if (bpf_map_update_elem(v->fp->stats_fd, &key, per, BPF_ANY) < 0)
		error = errno;
	free(per);
	memset(&v->seen, 0, sizeof(v->seen));
	return error;
}

/* The eiface v's connected ether hook, or NULL. */
static struct ng_hook *
ngd_veth_ether(const struct ngd_veth *v)
{
	for (struct ng_hook *h = v->node->hooks; h != NULL; h = h->next)
		if ((h->flags & NG_HOOK_VALID) && h->peer != NULL &&
		    strcmp(h->name, NG_EIFACE_HOOK_ETHER) == 0)
			return h;
	return NULL;
}

/* The pair whose graph-side end has index gidx and whose eiface node is
 * n, or NULL. */
static struct ngd_veth *
ngd_fast_port_of(struct ngd_fast *fp, const struct ng_node *n, uint32_t gidx)
{
	for (struct ngd_veth *w = fp->veths; w != NULL; w = w->next)
		if (w->node == n && (uint32_t)w->gidx == gidx)
			return w;
	return NULL;
}

/* pkts frames of bytes octets out of the node through h, into its peer. */
static void
ngd_fast_count(struct ng_hook *h, uint64_t pkts, uint64_t bytes)
{
	h->stats.xmit_frames += pkts;
	h->stats.xmit_octets += bytes; /* the peer's "in" is read from it */
}

/* What v's port forwarded since the last look, added to the hooks it
 * crossed by the path its entry had (written); what matches no edge of
 * the graph any more went with that edge's hooks.  False: the counters
 * could not be read (v->seen is as it was). */
static bool
ngd_veth_fold(struct ngd_veth *v)
{
	struct ngd_fast *fp = v->fp;
	struct ng_fast_bpf_stats now;
	struct ngd_fast_hub *g;
	struct ng_hook *h, *k;
	struct ngd_veth *w;
	uint64_t pkts, bytes, drops;

	if (ngd_veth_stats(v, &now) != 0)
		return false;
	pkts = now.fast_pkts - v->seen.fast_pkts;
	bytes = now.fast_bytes - v->seen.fast_bytes;
	drops = now.dropped - v->seen.dropped;
	v->seen = now;
	if ((pkts == 0 && drops == 0) || (h = ngd_veth_ether(v)) == NULL)
		return true;
	/* sent by the eiface, reached no node: the slow path's queue had
	 * no room, or a redirect failed (whatever the path) */
	h->stats.xmit_drops += drops;
	if (pkts == 0)
		return true;
	switch (v->written.mode) {
	case NG_FAST_BPF_DIRECT:
		if ((strcmp(h->peer->name, NG_EIFACE_HOOK_ETHER) == 0 &&
			ngd_fast_port_of(fp, h->peer->node, v->written.peer) !=
			    NULL) ||
		    ngd_fast_eth_uplink_of(fp->eth, h->peer) ==
			v->written.peer) /* an ether node's hook */
			ngd_fast_count(h, pkts, bytes);
		break;
	case NG_FAST_BPF_HUB:
		if (h->peer->node->id != v->written.peer)
			break;
		for (g = fp->hubs; g != NULL && g->id != v->written.peer;
		     g = g->next)
			;
		if (g == NULL)
			break;
		ngd_fast_count(h, pkts, bytes);
		/* out of each hook of the hub to another member (O(pairs),
		 * not O(hooks x members): a hub has up to 4,096) but one
		 * whose interface is down, which the floods passed by */
		for (w = fp->veths; w != NULL; w = w->next) {
			if (w == v || w->down ||
			    w->written.mode != NG_FAST_BPF_HUB ||
			    w->written.peer != g->id ||
			    (k = ngd_veth_ether(w)) == NULL ||
			    k->peer->node != h->peer->node ||
			    !(k->peer->flags & NG_HOOK_VALID))
				continue;
			ngd_fast_count(k->peer, pkts, bytes);
		}
		ngd_fast_eth_hub_count(fp->eth, g->id, (uint32_t)v->gidx,
		    h->peer->node, pkts, bytes); /* its ether nodes' hooks */
		break;
	case NG_FAST_BPF_BRIDGE: /* out of the bridge: its brstats */
		if (h->peer->node->id == v->written.peer)
			ngd_fast_count(h, pkts, bytes);
		break;
	case NG_FAST_BPF_VLAN: /* fastpath_vlan.c */
		ngd_fast_vl_count(h, v->written.peer, pkts, bytes);
		break;
	}
	return true;
}

static bool
ngd_fast_is_vlan(const struct ng_node *n)
{
	return strcmp(n->type->name, NG_VLAN_NODE_TYPE) == 0;
}

/* Every port on the kernel hub group, folded. */
static void
ngd_fast_fold_group(struct ngd_fast *fp, uint32_t group)
{
	for (struct ngd_veth *w = fp->veths; w != NULL; w = w->next)
		if (w->written.mode == NG_FAST_BPF_HUB &&
		    w->written.peer == group && w->mark != fp->mark) {
			w->mark = fp->mark;
			ngd_veth_fold(w);
		}
	ngd_fast_eth_fold_hub(fp->eth, group); /* its ether nodes' uplinks */
}

void
ngd_fast_fold_hub(struct ngd_fast *fp, uint32_t group)
{
	if (fp != NULL)
		ngd_fast_fold_group(fp, group);
}

void
ngd_fast_fold_port(struct ngd_fast *fp, uint32_t gidx)
{
	for (struct ngd_veth *w = fp != NULL ? fp->veths : NULL; w != NULL;
	     w = w->next)
		if ((uint32_t)w->gidx == gidx && w->mark != fp->mark) {
			w->mark = fp->mark;
			ngd_veth_fold(w);
		}
}

void
ngd_fast_hub_count(struct ngd_fast *fp, uint32_t group, uint32_t from,
    const struct ng_node *hub, uint64_t pkts, uint64_t bytes)
{
	struct ng_hook *k;

	for (struct ngd_veth *w = fp != NULL ? fp->veths : NULL; w != NULL;
	     w = w->next) {
		if ((uint32_t)w->gidx == from || w->down ||
		    w->written.mode != NG_FAST_BPF_HUB ||
		    w->written.peer != group ||
		    (k = ngd_veth_ether(w)) == NULL || k->peer->node != hub ||
		    !(k->peer->flags & NG_HOOK_VALID))
			continue;
		ngd_fast_count(k->peer, pkts, bytes);
	}
	if (fp != NULL)
		ngd_fast_eth_hub_count(fp->eth, group, from, hub, pkts, bytes);
}

/* The eifaces' ports of the vlan node vlan, folded. */
static void
ngd_fast_fold_vlan(struct ngd_fast *fp, uint32_t vlan)
{
	for (struct ngd_veth *w = fp->veths; w != NULL; w = w->next)
		if (w->written.mode == NG_FAST_BPF_VLAN &&
		    w->written.peer == vlan && w->mark != fp->mark) {
			w->mark = fp->mark;
			ngd_veth_fold(w);
		}
}

/* Everything the kernel counted for the vlan node vlan: its filters',
 * its eifaces' ports, its vport's on a kernel bridge, and its filters'
 * on kernel bridges (fvports). */
static void
ngd_fast_fold_vlan_node(struct ngd_fast *fp, uint32_t vlan)
{
	uint32_t key;

	ngd_fast_vl_fold_vlan(fp->vl, vlan);
	ngd_fast_fold_vlan(fp, vlan);
	ngd_fast_br_hookstats(fp->br, ngd_fast_vl_vport(fp->vl, vlan));
	for (unsigned i = 0;
	     (key = ngd_fast_vl_fvport_at(fp->vl, vlan, i)) != 0; i++)
		ngd_fast_br_hookstats(fp->br, key);
}

/* The ports of the vlan node v's port is on (trunk or filter port),
 * folded with what the trunk sent each filter's port. */
static void
ngd_veth_fold_vlan(struct ngd_veth *v)
{
	struct ngd_fast *fp = v->fp;
	uint32_t vlan = ngd_fast_vl_fold(fp->vl, (uint32_t)v->gidx);

	if (vlan != 0)
		ngd_fast_fold_vlan_node(fp, vlan);
}

/* v's port folded, and those whose frames reach v's interface. */
static void
ngd_veth_fold_near(struct ngd_veth *v)
{
	struct ngd_fast *fp = v->fp;

	if (v->mark != fp->mark) {
		v->mark = fp->mark;
		ngd_veth_fold(v);
	}
	if (v->written.mode == NG_FAST_BPF_DIRECT) {
		for (struct ngd_veth *w = fp->veths; w != NULL; w = w->next)
			if ((uint32_t)w->gidx == v->written.peer &&
			    w->mark != fp->mark) {
				w->mark = fp->mark;
				ngd_veth_fold(w);
			}
		ngd_fast_eth_fold_gidx(fp->eth, v->written.peer);
	} else if (v->written.mode == NG_FAST_BPF_HUB)
		ngd_fast_fold_group(fp, v->written.peer);
	else if (v->written.mode == NG_FAST_BPF_BRIDGE)
		ngd_fast_br_hookstats(fp->br, (uint32_t)v->gidx);
	ngd_veth_fold_vlan(v);
}

/*
 * The engine's hookstats_sync: before the counters of node's hooks are
 * read or cleared, what the kernel forwarded across them is added.
 * Those hooks are the ether hook of an eiface node (frames its port
 * sent, frames other ports sent to it) and the hooks of the nodes next
 * to an eiface (a hub's, another eiface's).
 */
void
ngd_fast_hookstats(void *arg, struct ng_node *node)
{
	struct ngd_fast *fp = arg;
	struct ng_hook *h;

	fp->mark++;
	for (struct ngd_veth *v = fp->veths; v != NULL; v = v->next) {
		if (v->node == node) {
			ngd_veth_fold_near(v);
			continue;
		}
		for (h = node->hooks; h != NULL; h = h->next)
			if (h->peer != NULL && h->peer->node == v->node) {
				ngd_veth_fold_near(v);
				break;
			}
	}
	ngd_fast_eth_hookstats(fp->eth, fp->br, node); /* ether uplinks */
	/* A vlan node's trunk or filter on an ether node's uplink: what
	 * its eifaces' ports sent crossed node's hooks too. */
	for (h = node->hooks; fp->vl != NULL && h != NULL; h = h->next)
		if (h->peer != NULL && ngd_fast_is_vlan(h->peer->node))
			ngd_fast_fold_vlan_node(fp, h->peer->node->id);
	if (fp->vl != NULL && ngd_fast_is_vlan(node))
		ngd_fast_fold_vlan_node(fp, node->id);
}

int
ngd_fast_port_put(struct ngd_fast *fp, uint32_t key,
    const struct ng_fast_bpf_port *port)
{
	if (bpf_map_update_elem(fp->ports_fd, &key, port, BPF_ANY) != 0)
		return errno;
	ngd_ifslots_put(&fp->ifs, key, port);
	return 0;
}

void
ngd_fast_port_del(struct ngd_fast *fp, uint32_t key)
{
	ngd_ifslots_del(&fp->ifs, key);
	(void)bpf_map_delete_elem(fp->ports_fd, &key);
}

/* Its port entry: how the kernel forwards what its interface sends. */
static int
ngd_veth_port(struct ngd_veth *v)
{
	struct ng_fast_bpf_port port = { .id = v->id };
	uint32_t key = (uint32_t)v->gidx;
	int error;

	if (v->direct != NULL) {
		port.mode = NG_FAST_BPF_DIRECT;
		port.peer = (uint32_t)v->direct->gidx;
	} else if (v->up != 0) { /* an ether node's uplink */
		port.mode = NG_FAST_BPF_DIRECT;
		port.peer = v->up;
	} else if (v->hub != 0) {
		port.mode = NG_FAST_BPF_HUB;
		port.peer = v->hub;
	} else if ((port.peer = ngd_fast_br_of(v->fp->br, key)) != 0) {
		port.mode = NG_FAST_BPF_BRIDGE; /* fastpath_bridge.c */
	} else if ((port.peer = ngd_fast_vl_of(v->fp->vl, key)) != 0) {
		port.mode = NG_FAST_BPF_VLAN; /* fastpath_vlan.c */
	}
	ngd_veth_fold(v); /* by the path it had */
	if ((error = ngd_fast_port_put(v->fp, key, &port)) != 0)
		return error;
	v->written = port;
	return 0;
}

/* One less in flight at *held (ng_fast_slows), never below 0: a count
 * an epoch zeroed may still see its frames read. */
static void
ngd_fast_slow_take(uint32_t *held)
{
	uint32_t n = __atomic_load_n(held, __ATOMIC_RELAXED);

	while (n != 0 &&
	    !__atomic_compare_exchange_n(held, &n, n - 1, false,
		__ATOMIC_RELAXED, __ATOMIC_RELAXED))
		;
}

/* Queue q's entry of ng_fast_slows, or NULL (not mapped). */
static struct ng_fast_bpf_slow *
ngd_fast_slow_q(struct ngd_fast_q *q)
{
	struct ngd_fast *fp = q->fp;

	if (fp->slow == NULL)
		return NULL;
	return &fp->slow[NG_FAST_BPF_SLOW_QKEY(q - fp->tap)];
}

/* A frame read from queue q, whatever became of it: its mark moves on
 * (the program forgets what a port counts past it, ng_fast_bpf.h).
 * (Atomic: in a takeover the old ngd reads the queue's entry too.) */
static void
ngd_fast_slow_mark(struct ngd_fast_q *q)
{
	struct ng_fast_bpf_slow *e = ngd_fast_slow_q(q);

	if (e != NULL)
		__atomic_fetch_add(&e->mark, 1, __ATOMIC_RELAXED);
}

/* Queue q's frame from port id read: out of flight (the slow path's
 * fairness, ng_fast_bpf.h). */
static void
ngd_fast_slow_read(struct ngd_fast_q *q, unsigned id)
{
	struct ng_fast_bpf_slow *e = ngd_fast_slow_q(q);

	if (e == NULL || id == 0 || id > NG_FAST_BPF_MAX_PORTS)
		return;
	ngd_fast_slow_take(&e->held);
	ngd_fast_slow_take(&q->fp->slow[id].held);
}

/* Queue q found empty: its count zeroed and its next epoch begun, in
 * which every port's count from before is 0. */
static void
ngd_fast_slow_drained(struct ngd_fast_q *q)
{
	struct ng_fast_bpf_slow *e = ngd_fast_slow_q(q);

	if (e == NULL)
		return;
	__atomic_store_n(&e->held, 0, __ATOMIC_RELAXED);
	/* (epoch 0 is "not counted": ngd_fast_slow_reset) */
	__atomic_store_n(&e->epoch, e->epoch + 1 != 0 ? e->epoch + 1 : 1,
	    __ATOMIC_RELEASE);
}

/*
 * A new TAP's queues hold nothing: whatever the maps counted before (a
 * last ngd's, frames sent to no TAP) is forgotten.  Not mapped, the
 * queues' epochs are 0, which the program takes for "admit, count
 * nothing": a count no ngd takes off would close the queue for good.
 */
static void
ngd_fast_slow_reset(struct ngd_fast *fp)
{
	struct ng_fast_bpf_slow none = { 0 };

	for (uint32_t i = 0; i < NG_FAST_BPF_SLOW_QUEUES; i++) {
		uint32_t key = NG_FAST_BPF_SLOW_QKEY(i);

		if (fp->slow != NULL)
			ngd_fast_slow_drained(&fp->tap[i]);
		else
			(void)bpf_map_update_elem(
			    bpf_map__fd(fp->skel->maps.ng_fast_slows), &key,
			    &none, BPF_ANY);
	}
}

/*
 * The room the program lets the ports have on each queue, from the
 * frames each queue's ring takes (ngslow's txqlen: ngd's
 * NG_FAST_BPF_SLOW_RING, or what a refusal or a hand left; 0: unknown,
 * nothing written).  With room for more than the ring holds the ring
 * drops what the program let on, a queue-mate's as much as a flooder's.
 */
static void
ngd_fast_slow_room(struct ngd_fast *fp, unsigned ring)
{
	uint32_t room = NG_FAST_BPF_SLOW_ROOM_OF(ring);

	if (fp->slow == NULL || ring == 0)
		return;
	for (uint32_t i = 0; i < NG_FAST_BPF_SLOW_QUEUES; i++)
		__atomic_store_n(&fp->slow[NG_FAST_BPF_SLOW_QKEY(i)].room,
		    room != 0 ? room : 1, __ATOMIC_RELAXED);
}

/*
 * A frame of the data plane's TAP that ngd read and dropped, the packet
 * pool empty: out of its port's flight, and counted as the port's
 * other losses are, in its eiface's ether hook's (or its ether node's
 * hook's, fastpath_ether.c) xmitDrops: sent, reached no node.
 */
static void
ngd_fast_tap_lost(struct ngd_fast_q *q)
{
	struct ngd_fast *fp = q->fp;
	const uint8_t *frame;
	size_t len = ngd_tap_dropped(&frame);
	struct ngd_veth *v;
	struct ng_hook *h;
	unsigned id;

	if (len < 16 || frame[12] != 0x81 || frame[13] != 0x00)
		return;
	id = (unsigned)frame[14] << 8 | frame[15];
	ngd_fast_slow_read(q, id);
	v = id <= NG_FAST_BPF_MAX_PORTS ? fp->byid[id] : NULL;
	if (v == NULL)
		(void)ngd_fast_eth_lost(fp->eth, id);
	else if ((h = ngd_veth_ether(v)) != NULL)
		h->stats.xmit_drops++;
}

/*
 * A frame ngd read from the data plane's TAP: the 802.1Q tag after the
 * MACs names the port whose interface sent it; without the tag it is
 * what that interface sent, and its eiface node takes it.
 */
static void
ngd_fast_tap_rx(struct ngd_fast_q *q)
{
	struct ngd_fast *fp = q->fp;
	struct ng_graph *g;
	uint64_t sends;

	if (fp->veths == NULL)
		g = ngd_ether_graph(); /* a bridge of ether nodes alone */
	else
		g = fp->veths->node->graph;
	sends = g != NULL ? ng_sends(g) : 0;
	for (int i = 0; i < NGD_RX_BATCH && !ngd_batch_spent(g, sends); i++) {
		struct ng_pkt *pkt;
		struct ngd_veth *v;
		unsigned id;
		int error;

		if (g == NULL) { /* no eiface: nothing can be for one */
			uint8_t buf[256];
			ssize_t n = read(q->io.fd, buf, sizeof(buf));

			if (n < 0) {
				if (errno == EAGAIN)
					ngd_fast_slow_drained(q);
				return;
			}
			ngd_fast_slow_mark(q);
			/* (the vnet header, the MACs, the tag) */
			if (n >= (ssize_t)sizeof(pkt->vh) + 16 &&
			    buf[sizeof(pkt->vh) + 12] == 0x81 &&
			    buf[sizeof(pkt->vh) + 13] == 0x00)
				ngd_fast_slow_read(q,
				    (unsigned)buf[sizeof(pkt->vh) + 14] << 8 |
					buf[sizeof(pkt->vh) + 15]);
			continue;
		}
		error = ngd_tap_read(g, q->io.fd, &pkt);
		if (error == ENOBUFS) { /* read and dropped: no buffer */
			ngd_fast_slow_mark(q);
			ngd_fast_tap_lost(q);
			continue;
		}
		if (error != 0) { /* EAGAIN; the TAP is ngd's and does not go */
			if (error == EAGAIN)
				ngd_fast_slow_drained(q);
			return;
		}
		ngd_fast_slow_mark(q);
		if (pkt->len < 18 || pkt->data[12] != 0x81 ||
		    pkt->data[13] != 0x00) {
			ng_pkt_free(&pkt);
			continue;
		}
		id = (unsigned)pkt->data[14] << 8 | pkt->data[15];
		ngd_fast_slow_read(q, id);
		v = id <= NG_FAST_BPF_MAX_PORTS ? fp->byid[id] : NULL;
		memmove(pkt->data + 4, pkt->data, 12);
		pkt->data += 4;
		pkt->len -= 4;
		if (pkt->vh.flags & VIRTIO_NET_HDR_F_NEEDS_CSUM)
			pkt->vh.csum_start -= 4;
		if (v == NULL) { /* an ether node's uplink (fastpath_ether.c) */
			if (!ngd_fast_eth_input(fp->eth, fp->br, id, &pkt))
				ng_pkt_free(&pkt);
			if (fp->veths == NULL)
				g = ngd_ether_graph();
			continue;
		}
		/* on a kernel bridge, or on a vlan node's that is (vport) */
		id = ngd_fast_vl_trunk_of(fp->vl, (uint32_t)v->gidx);
		if (!NG_FAST_BPF_IS_VPORT(id)) /* a trunk's, for an fvport? */
			id = ngd_fast_vl_fvport_in(fp->vl, (uint32_t)v->gidx,
			    pkt->data, pkt->len);
		if (id == 0) /* a filter's the node tags in ngd, to a vport */
			id = ngd_fast_vl_vport_in(fp->vl, (uint32_t)v->gidx);
		if (id == 0)
			id = (uint32_t)v->gidx; /* v may go with the frame */
		ngd_fast_br_input(fp->br, id, pkt);
		ng_netdev_input(v->node, &pkt); /* consumes pkt */
		ngd_fast_br_input(fp->br, id, NULL);
		if (fp->veths == NULL)
			g = NULL;
	}
}

/* The frames a pass reads send theirs (a flood: one to each port) in
 * one system call at its end (ngd_tap_send). */
static void
ngd_fast_tap_event(void *arg, uint32_t events)
{
	struct ngd_fast_q *q = arg;
	struct ngd_netdev *nd = q->fp->nd;

	(void)events;
	ngd_loop_traffic(nd->loop);
	ngd_netdev_batch_begin(nd);
	ngd_fast_tap_rx(q);
	ngd_netdev_batch_end(nd);
}

/* A program attached to a data plane device's ingress or egress (TCX
 * type), from inside the data plane. */
static int
ngd_fast_attach_at(struct ngd_fast *fp, int prog, int ifindex, int type,
    int *linkp)
{
	int fd, error = 0;

	if (setns(fp->dp_netns, CLONE_NEWNET) < 0)
		return errno;
	fd = bpf_link_create(prog, ifindex, (enum bpf_attach_type)type, NULL);
	if (fd < 0)
		error = fd == -1 ? errno : -fd;
	ngd_fast_back(fp);
	*linkp = fd < 0 ? -1 : fd;
	return error;
}

/* The graph-side end's program attached, from inside the data plane. */
static int
ngd_fast_attach(struct ngd_fast *fp, int prog, int ifindex, int *linkp)
{
	return ngd_fast_attach_at(fp, prog, ifindex, NGD_TCX_INGRESS, linkp);
}

/* The eiface v's interface is joined straight to (its ether hook's
 * peer is another eiface's ether hook), or NULL. */
static struct ngd_veth *
ngd_veth_wanted(struct ngd_veth *v)
{
	struct ng_hook *h;
	struct ngd_veth *w;

	for (h = v->node->hooks; h != NULL; h = h->next) {
		if (h->peer == NULL ||
		    strcmp(h->name, NG_EIFACE_HOOK_ETHER) != 0)
			continue;
		if (h->flags & NG_HOOK_CAPTURED)
			return NULL; /* ngctl capture: the copies are ngd's */
		if (strcmp(h->peer->node->type->name, NG_EIFACE_NODE_TYPE) !=
			0 ||
		    strcmp(h->peer->name, NG_EIFACE_HOOK_ETHER) != 0)
			return NULL;
		for (w = v->fp->veths; w != NULL; w = w->next)
			if (w->node == h->peer->node && w != v)
				return w;
		return NULL;
	}
	return NULL;
}

/*
 * v's port forwards to w's interface in the kernel (w NULL: every frame
 * through ngd), and w's to v's; whatever either was joined to before
 * goes back to ngd.
 */
static void
ngd_veth_set_direct(struct ngd_veth *v, struct ngd_veth *w)
{
	if (v->direct != NULL && v->direct != w) {
		struct ngd_veth *old = v->direct;

		old->direct = NULL;
		(void)ngd_veth_port(old);
		v->direct = NULL;
	}
	if (w != NULL && w->direct != v) {
		if (w->direct != NULL) {
			w->direct->direct = NULL;
			(void)ngd_veth_port(w->direct);
		}
		w->direct = v;
		(void)ngd_veth_port(w);
	}
	v->direct = w;
	if (ngd_veth_port(v) != 0)
		ngd_log(LOG_ERR, "%s: fast path map update failed",
		    v->node->name);
}

/* The uplink of the ether node's hook that v's ether hook is joined
 * straight to (fastpath_ether.c), or 0. */
static uint32_t
ngd_veth_wanted_up(struct ngd_veth *v)
{
	struct ng_hook *h = ngd_veth_ether(v);

	if (h == NULL || (h->flags & NG_HOOK_CAPTURED) ||
	    strcmp(h->peer->node->type->name, NG_ETHER_NODE_TYPE) != 0)
		return 0;
	return ngd_fast_eth_uplink_of(v->fp->eth, h->peer);
}

static struct ngd_fast *ngd_fast_active; /* for ngd_fast_sync */
static int ngd_fast_ready(struct ngd_fast *fp);

/* The eifaces no direct edge or kernel hub claims, in a new array with
 * room for extra more (*np of them; NULL: no memory). */
static struct ngd_fast_brport *
ngd_fast_free_ports(struct ngd_fast *fp, unsigned extra, unsigned *np)
{
	struct ngd_fast_brport *ports;
	struct ngd_veth *v;
	unsigned n = 0;

	for (v = fp->veths; v != NULL; v = v->next)
		n++;
	if ((ports = calloc(n + extra + 1, sizeof(*ports))) == NULL)
		return NULL;
	n = 0;
	for (v = fp->veths; v != NULL; v = v->next)
		if (v->direct == NULL && v->up == 0 && v->hub == 0 &&
		    v->gidx > 0) {
			ports[n].eiface = v->node;
			ports[n].down = v->down;
			ports[n].id = v->id;
			ports[n++].gidx = (uint32_t)v->gidx;
		}
	*np = n;
	return ports;
}

/* The ports[0..n-1] a sync marked changed rewritten, and the array freed. */
static void
ngd_fast_ports_done(struct ngd_fast *fp, struct ngd_fast_brport *ports,
    unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		if (ports[i].changed)
			for (struct ngd_veth *v = fp->veths; v != NULL;
			     v = v->next)
				if ((uint32_t)v->gidx == ports[i].gidx)
					(void)ngd_veth_port(v);
	free(ports);
}

/* The free eifaces and the ether nodes' uplinks to fastpath_bridge.c
 * and fastpath_vlan.c; those whose bridge or vlan node changed are
 * rewritten. */
static void
ngd_fast_sync_bridges(struct ngd_fast *fp)
{
	struct ngd_fast_brport *ports, *p;
	unsigned n, ne, i, k;

	if (fp->br == NULL)
		return;
	ne = ngd_fast_eth_count(fp->eth);
	if ((ports = ngd_fast_free_ports(fp, ne, &n)) == NULL)
		return;
	n += ngd_fast_eth_ports(fp->eth, ports + n, ne);
	/* vlan nodes on bridges: ports with no device (at most one per
	 * port listed) */
	if ((p = realloc(ports, (2 * n + 1) * sizeof(*ports))) != NULL) {
		ports = p;
		memset(ports + n, 0, (n + 1) * sizeof(*ports));
		n += ngd_fast_vl_vports(fp->vl, ports, n, ports + n, n);
	}
	/* vlan filters on bridges: ports with no device too */
	n = ngd_fast_vl_fvports(fp->vl, &ports, n);
	ngd_fast_br_sync(fp->br, ports, n);
	for (i = k = 0; i < n; i++) /* the vports no kernel bridge took */
		if (!NG_FAST_BPF_IS_VPORT(ports[i].gidx) ||
		    ngd_fast_br_of(fp->br, ports[i].gidx) != 0)
			ports[k++] = ports[i];
	n = k;
	ngd_fast_vl_sync(fp->vl, ports, n); /* NULL ok */
	ngd_fast_eth_apply(fp->eth, fp->br, fp->vl);
	ngd_fast_ports_done(fp, ports, n);
}

unsigned long long
ngd_fast_dataplane_ino(void)
{
	struct ngd_fast *fp = ngd_fast_active;
	struct stat st;

	if (fp == NULL || fp->dp_netns < 0 || fstat(fp->dp_netns, &st) < 0)
		return 0;
	return (unsigned long long)st.st_ino;
}

int
ngd_fast_dataplane_nsid(void)
{
	static int nsid = -1;
	struct ngd_fast *fp = ngd_fast_active;

	if (fp == NULL || fp->nd->rtnl == NULL)
		return -1;
	if (nsid >= 0) /* given once, kept while the data plane lives */
		return nsid;
	/* From ngd's namespace, where this is asked from: on its socket
	 * there (asked at each link event of a veth with a peer elsewhere
	 * until the data plane has an id here, a socket each time was
	 * three calls more). */
	(void)ngd_fast_getnsid(fp->nd->rtnl, &fp->nd->rtnl_seq, fp->dp_netns,
	    &nsid);
	return nsid;
}

/* The pair of the eiface node n, or NULL. */
static struct ngd_veth *
ngd_fast_veth_of(struct ngd_fast *fp, const struct ng_node *n)
{
	for (struct ngd_veth *w = fp->veths; w != NULL; w = w->next)
		if (w->node == n)
			return w;
	return NULL;
}

/* The pairs by eiface node, for the hubs' members (sorted, bsearch). */
struct ngd_fast_bynode {
	struct ngd_veth **v;
	size_t n;
};

static int
ngd_fast_cmp_node(const void *a, const void *b)
{
	const struct ngd_veth *const *x = a, *const *y = b;
	uintptr_t nx = (uintptr_t)(*x)->node, ny = (uintptr_t)(*y)->node;

	return nx < ny ? -1 : nx > ny;
}

static struct ngd_veth *
ngd_fast_bynode_find(struct ngd_fast *fp, struct ngd_fast_bynode *bn,
    struct ng_node *n)
{
	struct ngd_veth key = { .node = n }, *kp = &key, **found;

	if (bn->v == NULL) { /* made at the first hub of a sync */
		struct ngd_veth *w;

		for (w = fp->veths; w != NULL; w = w->next)
			bn->n++;
		if ((bn->v = calloc(bn->n + 1, sizeof(*bn->v))) == NULL) {
			bn->n = 0;
			return ngd_fast_veth_of(fp, n);
		}
		bn->n = 0;
		for (w = fp->veths; w != NULL; w = w->next)
			bn->v[bn->n++] = w;
		qsort(bn->v, bn->n, sizeof(*bn->v), ngd_fast_cmp_node);
	}
	found = bsearch(&kp, bn->v, bn->n, sizeof(*bn->v), ngd_fast_cmp_node);
	return found != NULL ? *found : NULL;
}

/*
 * The hub node h's members, if every hook of h leads to an eiface's
 * ether hook (at most NG_FAST_BPF_FLOOD_MAX of them): the hub then
 * repeats in the kernel.  Each member's want_hub is set; every pair on
 * h is marked seen either way, so that h is looked at once a sync.
 */
static bool
ngd_fast_hub_members(struct ngd_fast *fp, struct ngd_fast_bynode *bn,
    struct ng_node *h, struct ngd_fast_hub *out)
{
	struct ng_hook *k;
	struct ngd_veth *w;
	bool ok = h->numhooks <= NG_FAST_BPF_FLOOD_MAX;

	out->id = h->id;
	out->n = 0;
	if (ok &&
	    ((out->gidx = calloc(h->numhooks + 1, sizeof(*out->gidx))) ==
		    NULL ||
		(out->down = calloc(h->numhooks + 1, sizeof(*out->down))) ==
		    NULL))
		ok = false;
	for (k = h->hooks; k != NULL; k = k->next) {
		uint32_t up;

		w = k->peer != NULL ?
		    ngd_fast_bynode_find(fp, bn, k->peer->node) :
		    NULL;
		if (w != NULL)
			w->hub_seen = true;
		if (ok && w == NULL && k->peer != NULL &&
		    out->n < h->numhooks && !(k->flags & NG_HOOK_CAPTURED) &&
		    strcmp(k->peer->node->type->name, NG_ETHER_NODE_TYPE) ==
			0 &&
		    (up = ngd_fast_eth_uplink_of(fp->eth, k->peer)) != 0) {
			out->down[out->n] = ngd_fast_eth_down(k->peer);
			out->gidx[out->n++] = up; /* an ether node's hook */
			continue;
		}
		if (!ok || w == NULL || out->n == h->numhooks ||
		    (k->flags & NG_HOOK_CAPTURED) ||
		    strcmp(k->peer->node->type->name, NG_EIFACE_NODE_TYPE) !=
			0 ||
		    strcmp(k->peer->name, NG_EIFACE_HOOK_ETHER) != 0) {
			ok = false;
			continue;
		}
		out->down[out->n] = w->down;
		out->gidx[out->n++] = (uint32_t)w->gidx;
	}
	if (!ok)
		return false;
	for (k = h->hooks; k != NULL; k = k->next)
		if ((w = ngd_fast_bynode_find(fp, bn, k->peer->node)) != NULL)
			w->want_hub = h->id;
	for (unsigned i = 0; i < out->n; i++) /* the uplinks among them */
		ngd_fast_eth_want(fp->eth, out->gidx[i], NG_FAST_BPF_HUB,
		    h->id);
	return out->n > 0;
}

static void
ngd_fast_hub_free(struct ngd_fast_hub *g)
{
	if (g != NULL) {
		free(g->gidx);
		free(g->down);
	}
	free(g);
}

/* Group g's members and size written (members first). */
static void
ngd_fast_hub_write(struct ngd_fast *fp, const struct ngd_fast_hub *g,
    unsigned oldn)
{
	fp->mark++;
	ngd_fast_fold_group(fp, g->id); /* by the members it had */
	for (unsigned i = 0; i < g->n; i++) {
		struct ng_fast_bpf_member m = { .group = g->id, .idx = i };
		uint32_t val = g->down[i] ? 0 : g->gidx[i];

		(void)bpf_map_update_elem(fp->members_fd, &m, &val, BPF_ANY);
	}
	(void)bpf_map_update_elem(fp->groups_fd, &g->id, &g->n, BPF_ANY);
	for (unsigned i = g->n; i < oldn; i++) {
		struct ng_fast_bpf_member m = { .group = g->id, .idx = i };

		(void)bpf_map_delete_elem(fp->members_fd, &m);
	}
}

/* v's carrier came or went (ngd_fast_carrier): its member entry in its
 * kernel hub's group is written 0 while it has none, so that the hub's
 * floods pass it by (O(members)). */
static void
ngd_fast_hub_carrier(struct ngd_veth *v)
{
	struct ngd_fast_hub *g;

	for (g = v->fp->hubs; g != NULL && g->id != v->hub; g = g->next)
		;
	for (unsigned i = 0; g != NULL && i < g->n; i++) {
		struct ng_fast_bpf_member m = { .group = g->id, .idx = i };
		uint32_t val = v->down ? 0 : g->gidx[i];

		if (g->gidx[i] != (uint32_t)v->gidx || g->down[i] == v->down)
			continue;
		g->down[i] = v->down;
		(void)bpf_map_update_elem(v->fp->members_fd, &m, &val, BPF_ANY);
	}
}

/* Group g gone from the maps: its ports' frames take the userspace path. */
static void
ngd_fast_hub_forget(struct ngd_fast *fp, struct ngd_fast_hub *g)
{
	struct ng_fast_bpf_member m = { .group = g->id };

	fp->mark++;
	ngd_fast_fold_group(fp, g->id);
	(void)bpf_map_delete_elem(fp->groups_fd, &g->id);
	for (m.idx = 0; m.idx < g->n; m.idx++)
		(void)bpf_map_delete_elem(fp->members_fd, &m);
}

/* The hubs that ether hooks lead to and the eifaces' did not (a hub of
 * ether nodes' hooks alone), added to *nowp if they repeat in the
 * kernel. */
static void
ngd_fast_sync_ether_hubs(struct ngd_fast *fp, struct ngd_fast_bynode *bn,
    struct ngd_fast_hub **nowp)
{
	struct ng_node *hubs[256];
	unsigned n = ngd_fast_eth_hubs(fp->eth, hubs, 256);

	for (unsigned i = 0; i < n; i++) {
		struct ngd_fast_hub *g;
		bool seen = false;

		for (g = *nowp; g != NULL && !seen; g = g->next)
			seen = g->id == hubs[i]->id;
		for (struct ng_hook *k = hubs[i]->hooks; k != NULL && !seen;
		     k = k->next)
			seen = k->peer != NULL &&
			    ngd_fast_bynode_find(fp, bn, k->peer->node) != NULL;
		if (seen) /* done, or the eifaces' loop judged it */
			continue;
		if ((g = calloc(1, sizeof(*g))) == NULL)
			return;
		if (!ngd_fast_hub_members(fp, bn, hubs[i], g)) {
			ngd_fast_hub_free(g);
			continue;
		}
		g->next = *nowp;
		*nowp = g;
	}
}

/*
 * The ports made to agree with the graph: run after every client
 * message, before its status goes back, so that an edit (connect,
 * rmhook, shutdown, a tee's bypass) never leaves a frame on a stale
 * path, and when an eiface's hook comes or goes (the carrier follows
 * it).  Two eifaces joined directly forward to each other; the members
 * of a hub of eifaces alone repeat to each other; every other port
 * sends its frames to ngd.
 */
static void
ngd_fast_sync(void)
{
	struct ngd_fast *fp = ngd_fast_active;
	struct ngd_fast_hub *now = NULL, *g, **gp;
	struct ngd_fast_bynode bn = { NULL, 0 };
	struct ngd_veth *v;

	if (fp == NULL)
		return;
	ngd_fast_stale(fp); /* a message ended: its peers are read anew */
	if (fp->adopting)   /* the last ngd's paths stay */
		return;
	if (fp->held) /* handed over: the maps are the new ngd's */
		return;
	/* No eiface yet (ngd_fast_create loads the programs for the
	 * first): an ether node's hook may lead to a switching node */
	if (!fp->loaded &&
	    (ngd_ether_diverted(NULL, 0) == 0 || ngd_fast_ready(fp) != 0))
		return;
	fp->sync_due = false;
	fp->synced_gen = fp->veths != NULL ?
	    ng_topo_gen(fp->veths->node->graph) :
	    UINT64_MAX;
	ngd_fast_eth_refresh(fp->eth); /* the ether hooks' uplinks */
	for (v = fp->veths; v != NULL; v = v->next) {
		v->want_hub = 0;
		v->hub_seen = false;
	}
	for (v = fp->veths; v != NULL; v = v->next) {
		struct ngd_veth *w = ngd_veth_wanted(v);
		uint32_t up = w == NULL ? ngd_veth_wanted_up(v) : 0;
		struct ng_hook *h;

		if (v->up != up) {
			v->up = up;
			if (v->direct == w)
				(void)ngd_veth_port(v);
		}
		if (v->direct != w)
			ngd_veth_set_direct(v, w);
		if (up != 0) /* and the uplink's port to v's end */
			ngd_fast_eth_want(fp->eth, up, NG_FAST_BPF_DIRECT,
			    (uint32_t)v->gidx);
		if (w != NULL || up != 0 || v->want_hub != 0 || v->hub_seen)
			continue;
		for (h = v->node->hooks; h != NULL; h = h->next)
			if (h->peer != NULL &&
			    strcmp(h->name, NG_EIFACE_HOOK_ETHER) == 0)
				break;
		if (h == NULL || strcmp(h->peer->node->type->name, "hub") != 0)
			continue;
		if ((g = calloc(1, sizeof(*g))) == NULL)
			break; /* what is not done stays on the userspace path */
		if (!ngd_fast_hub_members(fp, &bn, h->peer->node, g)) {
			ngd_fast_hub_free(g);
			continue;
		}
		g->next = now;
		now = g;
	}
	ngd_fast_sync_ether_hubs(fp, &bn, &now); /* hubs of ether hooks */
	free(bn.v);
	/* New and changed groups first, then the ports, then old groups. */
	for (g = now; g != NULL; g = g->next) {
		struct ngd_fast_hub *old;

		for (old = fp->hubs; old != NULL; old = old->next)
			if (old->id == g->id)
				break;
		if (old == NULL || old->n != g->n ||
		    memcmp(old->gidx, g->gidx, g->n * sizeof(g->gidx[0])) !=
			0 ||
		    memcmp(old->down, g->down, g->n * sizeof(g->down[0])) != 0)
			ngd_fast_hub_write(fp, g, old != NULL ? old->n : 0);
	}
	for (v = fp->veths; v != NULL; v = v->next)
		if (v->hub != v->want_hub && v->direct == NULL && v->up == 0) {
			v->hub = v->want_hub;
			(void)ngd_veth_port(v);
		} else if (v->direct != NULL || v->up != 0)
			v->hub = 0;
	for (gp = &fp->hubs; (g = *gp) != NULL;) {
		struct ngd_fast_hub *n;

		for (n = now; n != NULL; n = n->next)
			if (n->id == g->id)
				break;
		if (n == NULL)
			ngd_fast_hub_forget(fp, g);
		*gp = g->next;
		ngd_fast_hub_free(g);
	}
	fp->hubs = now;
	ngd_fast_sync_bridges(fp);
}

/*
 * After a client's message: the full sync, O(ports log ports), unless
 * the message was one that changes nothing (a nodeinfo, a getifname, a
 * list) and the graph's shape did not change since the last sync began
 * nor an event left one due (a carrier, a pair made anew, a pair more
 * or less), nor a bridge node's table changed (ngd_br_sync pushes it).  Whatever
 * else the sync reads changes only by a message not known read-only,
 * or by an event that says so (ngd_netdev_graph_changed).
 */
static void
ngd_fast_after_msg(struct ng_graph *g, bool changed)
{
	struct ngd_fast *fp = ngd_fast_active;

	if (fp != NULL && !changed && g != NULL && !fp->sync_due &&
	    fp->synced_gen == ng_topo_gen(g) && !ngd_fast_br_changed(fp->br)) {
		ngd_fast_stale(fp); /* a message ended: peers read anew */
		return;
	}
	if (fp != NULL && g == NULL)
		fp->synced_gen = UINT64_MAX;
	ngd_fast_sync();
}

static struct ngd_veth **
ngd_fast_bucket(struct ngd_fast *fp, int gidx)
{
	return &fp->bygidx[(unsigned)gidx % NGD_FAST_GIDX_BUCKETS];
}

static void
ngd_fast_unindex(struct ngd_veth *v)
{
	if (v->igidx > 0) {
		for (struct ngd_veth **pp = ngd_fast_bucket(v->fp, v->igidx);
		     *pp != NULL; pp = &(*pp)->inext)
			if (*pp == v) {
				*pp = v->inext;
				break;
			}
		v->fp->nchain[(unsigned)v->igidx % NGD_FAST_DEV_CHAINS]--;
	}
	v->igidx = 0;
	v->inext = NULL;
}

/* v found by its gidx from now on: once it is on the list of pairs, and
 * after each change of its gidx. */
static void
ngd_fast_index(struct ngd_veth *v)
{
	struct ngd_veth **pp;

	if (v->igidx == v->gidx)
		return;
	ngd_fast_unindex(v);
	if (v->gidx > 0) {
		pp = ngd_fast_bucket(v->fp, v->gidx);
		v->inext = *pp;
		*pp = v;
		v->igidx = v->gidx;
		v->fp->nchain[(unsigned)v->gidx % NGD_FAST_DEV_CHAINS]++;
	}
}

static void ngd_fast_keep_oldlink(struct ngd_fast *fp, int link);

/* One more pair in the batch. */
static void
ngd_fast_retired_one(struct ngd_fast *fp)
{
	fp->retired_ms = ngd_clock_ms();
	if (fp->nretired++ == 0)
		fp->retired_first_ms = fp->retired_ms;
}

static int ngd_fast_retire(struct ngd_fast *fp, int gidx,
    const struct ngd_veth_peer *old, const char *placed);

/*
 * ngd stopping: the pair of an eiface that goes joins the retired group
 * (a cheap RTM_NEWLINK) to be deleted with every other by ngd_fast_free,
 * its link kept open until then: one RTM_DELLINK a pair cost a grace
 * period each (~40 ms), and an ngd of 500 eifaces took 24 s to stop.
 * Nothing is made meanwhile, so no name waits for the batch.  Returns
 * whether it joined (else it is deleted at once, as before).
 */
static bool
ngd_veth_retire_stopping(struct ngd_fast *fp, struct ngd_veth *v)
{
	char buf[256];
	struct nlmsghdr *nh;

	if (!fp->stopping || fp->held || v->gidx <= 0)
		return false;
	nh = ngd_fast_linkreq(buf, sizeof(buf), RTM_NEWLINK, v->gidx);
	mnl_attr_put_u32(nh, IFLA_GROUP, fp->retire_group);
	if (ngd_fast_talk(fp->rtnl, &fp->seq, nh, NULL, NULL) != 0)
		return false;
	ngd_fast_retired_one(fp);
	ngd_fast_keep_oldlink(fp, v->link);
	v->link = -1;
	return true;
}

/*
 * An eiface shut down while ngd runs: its pair joins the retired group,
 * its interface renamed ngret<n> and set down at once (ngd_fast_retire),
 * and the batch deletes it after the reply with the others.  One
 * RTM_DELLINK a pair cost a grace period each (~40 ms: 300 shutdowns by
 * one script took 15 s).  The name is free when the reply goes, as the
 * unit of a FreeBSD interface destroyed is: a script's next mkpeer gets
 * the same ngethN.  One that cannot be renamed (put in a namespace by
 * hand, a failed request) is deleted at once, as before.  Returns
 * whether the pair was seen to (in the batch, or gone), its link kept
 * or closed.
 */
static bool
ngd_veth_retire_going(struct ngd_fast *fp, struct ngd_veth *v)
{
	struct ngd_veth_peer p;
	char buf[256];
	struct nlmsghdr *nh;
	int error;

	if (!v->going || fp->held || v->gidx <= 0 || ngd_veth_peer(v, &p) != 0)
		return false;
	error = ngd_fast_retire(fp, v->gidx, &p, ngd_netdev_placed(v->dev));
	if (error == EBUSY) { /* still under its name: not left to wait */
		nh = ngd_fast_linkreq(buf, sizeof(buf), RTM_DELLINK, v->gidx);
		(void)ngd_fast_talk(fp->rtnl, &fp->seq, nh, NULL, NULL);
	}
	ngd_fast_keep_oldlink(fp, v->link); /* (closed if none wait) */
	v->link = -1;
	return true;
}

static void
ngd_veth_free(struct ngd_veth *v)
{
	struct ngd_fast *fp = v->fp;
	struct ngd_veth **pp;
	bool retired;

	fp->synced_gen = UINT64_MAX; /* a port less: the next sync is full */
	for (pp = &fp->veths; *pp != NULL; pp = &(*pp)->next)
		if (*pp == v) {
			*pp = v->next;
			break;
		}
	ngd_fast_unindex(v);
	if (v->direct != NULL) {
		v->direct->direct = NULL;
		(void)ngd_veth_port(v->direct);
		v->direct = NULL;
	}
	if (v->hub != 0) { /* its hub repeats through ngd until the next sync */
		struct ngd_fast_hub *g, **gp;

		for (gp = &fp->hubs; (g = *gp) != NULL; gp = &g->next)
			if (g->id == v->hub) {
				ngd_fast_hub_forget(fp, g);
				*gp = g->next;
				ngd_fast_hub_free(g);
				break;
			}
		for (struct ngd_veth *w = fp->veths; w != NULL; w = w->next)
			if (w->hub == v->hub) {
				w->hub = 0;
				(void)ngd_veth_port(w);
			}
		v->hub = 0;
	}
	retired = ngd_veth_retire_stopping(fp, v) ||
	    ngd_veth_retire_going(fp, v);
	if (v->link >= 0)
		close(v->link);
	if (v->gidx > 0) {
		ngd_fast_br_gone(fp->br, (uint32_t)v->gidx);
		ngd_fast_vl_gone(fp->vl, (uint32_t)v->gidx);
		ngd_fast_pin_link_drop(fp->pin, v->gidx);
	}
	if (fp->veths == NULL && !fp->adopting) /* the graph's last */
		ngd_fast_pin_down(fp->pin);
	if (v->gidx > 0) {
		ngd_fast_port_del(fp, (uint32_t)v->gidx);
	}
	if (v->id != 0) {
		uint32_t id = v->id, zero = 0;

		(void)bpf_map_update_elem(fp->ids_fd, &id, &zero, BPF_ANY);
		fp->byid[v->id] = NULL;
	}
	if (v->gidx > 0 && !retired) {
		char buf[256];
		struct nlmsghdr *nh;

		nh = ngd_fast_linkreq(buf, sizeof(buf), RTM_DELLINK, v->gidx);
		(void)ngd_fast_talk(fp->rtnl, &fp->seq, nh, NULL, NULL);
	}
	if (v->dev != NULL)
		ngd_netdev_unwrap(v->dev);
	ngd_loop_defer_free(fp->nd->loop, v);
}

/* The pair whose graph-side end is gidx, or NULL. */
static struct ngd_veth *
ngd_fast_veth_gidx(struct ngd_fast *fp, int gidx)
{
	for (struct ngd_veth *w = fp->veths; w != NULL; w = w->next)
		if (w->gidx == gidx)
			return w;
	return NULL;
}

/* ngdp<n>: n past every graph-side end the data plane has. */
static void
ngd_fast_npairs(struct ngd_fast *fp)
{
	struct if_nameindex *ifs, *i;
	unsigned n;

	if (setns(fp->dp_netns, CLONE_NEWNET) < 0)
		return;
	ifs = if_nameindex();
	ngd_fast_back(fp);
	for (i = ifs; i != NULL && i->if_index != 0; i++)
		if (sscanf(i->if_name, "ngdp%u", &n) == 1 && n >= fp->npairs)
			fp->npairs = n + 1;
	if (ifs != NULL)
		if_freenameindex(ifs);
}

/* A free port id (1..NG_FAST_BPF_MAX_PORTS), or 0. */
static uint16_t
ngd_fast_new_id(struct ngd_fast *fp)
{
	for (unsigned n = 0; n < NG_FAST_BPF_MAX_PORTS - NGD_FAST_UPLINK_IDS;
	     n++) {
		unsigned id = fp->next_id++ %
			(NG_FAST_BPF_MAX_PORTS - NGD_FAST_UPLINK_IDS) +
		    1; /* the top ones are uplinks' (fastpath_ether.c) */

		if (fp->byid[id] == NULL)
			return (uint16_t)id;
	}
	return 0;
}

/* The graph-side end marked as an eiface's (NGD_FAST_IFALIAS). */
static int
ngd_veth_mark(struct ngd_veth *v)
{
	char buf[256];
	struct nlmsghdr *nh;

	nh = ngd_fast_linkreq(buf, sizeof(buf), RTM_NEWLINK, v->gidx);
	mnl_attr_put_strz(nh, IFLA_IFALIAS, NGD_FAST_IFALIAS);
	return ngd_fast_talk(v->fp->rtnl, &v->fp->seq, nh, NULL, NULL);
}

/* The pair's port: id, maps, program. */
static int
ngd_veth_start(struct ngd_veth *v)
{
	struct ngd_fast *fp = v->fp;
	uint32_t id, gidx = (uint32_t)v->gidx;
	int error;

	if ((error = ngd_veth_mark(v)) != 0)
		return error;

	if ((v->id = ngd_fast_new_id(fp)) == 0)
		return ENOSPC;
	fp->byid[v->id] = v;
	id = v->id;
	if ((error = ngd_veth_stats_new(v)) != 0 ||
	    (error = ngd_veth_port(v)) != 0)
		return error;
	if (bpf_map_update_elem(fp->ids_fd, &id, &gidx, BPF_ANY) < 0)
		return errno;
	return ngd_fast_attach(fp, fp->prog_port, v->gidx, &v->link);
}

/* --- adoption: the pairs of the last ngd (DESIGN 12, fastpath_pin.c) --- */

/* What the journal keeps of a pair: kind=veth, the interface's name,
 * MAC and index, the graph-side end's index and the port id (the
 * placed= netns name netdev.c adds).  An ngd of the TAP model reads the
 * name and MAC and makes a TAP anew.  From what ngd last read of the
 * interface (fresh: read again), so that a write costs no request per
 * pair: ngd reads it again after changing it, a message about its node
 * reads it, and so does the journal's periodic look, which finds what
 * others changed (journal.c). */
int
ngd_fast_describe(struct ngd_veth *v, char *buf, size_t size, bool fresh)
{
	struct ngd_fast *fp = v->fp;
	struct ngd_veth_peer p;
	struct stat st;
	size_t n;
	bool home;
	int error;

	if (!fresh && v->peer_known)
		p = v->peer;
	else {
		v->peer_gen = 0;
		if ((error = ngd_veth_peer(v, &p)) != 0)
			return error;
	}
	if (fp->own_ino == 0 && fstat(fp->nd->own_netns, &st) == 0) {
		fp->own_ino = st.st_ino;
		fp->own_cookie = ngd_netdev_cookie(fp->nd);
	}
	home = ngd_fast_nsid_home(fp, p.nsid) && fp->own_ino != 0;
	if (v->desc[0] != '\0' && v->desc_gidx == v->gidx &&
	    v->desc_id == v->id && v->desc_home == home &&
	    v->desc_p.ifindex == p.ifindex &&
	    memcmp(v->desc_p.mac, p.mac, sizeof(p.mac)) == 0 &&
	    strcmp(v->desc_p.name, p.name) == 0 && v->desc_len < size) {
		/* copied, not formatted: a journal write asks for every
		 * pair's, and few changed */
		memcpy(buf, v->desc, v->desc_len + 1);
		return 0;
	}
	snprintf(buf, size,
	    "kind=veth name=%s mac=%02x:%02x:%02x:%02x:%02x:%02x "
	    "ifindex=%d gidx=%d port=%u",
	    p.name, p.mac[0], p.mac[1], p.mac[2], p.mac[3], p.mac[4], p.mac[5],
	    p.ifindex, v->gidx, v->id);
	/* At home, where it lives as a TAP's description says it (for an
	 * ngd of the TAP model; one placed by vnet is found by its name). */
	n = strlen(buf);
	if (home)
		snprintf(buf + n, size - n, " ns-ino=%llu ns-cookie=%llu",
		    (unsigned long long)fp->own_ino,
		    (unsigned long long)fp->own_cookie);
	if ((n = strlen(buf)) < sizeof(v->desc)) { /* kept for next time */
		memcpy(v->desc, buf, n + 1);
		v->desc_len = n;
		v->desc_p = p;
		v->desc_gidx = v->gidx;
		v->desc_id = v->id;
		v->desc_home = home;
	}
	return 0;
}

/* What adoption needs of a pair's description. */
struct ngd_fast_desc {
	int gidx; /* 0: missing */
	unsigned port;
	char name[IFNAMSIZ]; /* "": missing */
	uint8_t mac[6];
	bool have_mac;
	char placed[NAME_MAX + 1];
};

/* Is desc a pair's?  Its words in *dd. */
static bool
ngd_fast_desc_parse(const char *desc, struct ngd_fast_desc *dd)
{
	const char *w;
	bool veth = false;
	unsigned m[6];

	memset(dd, 0, sizeof(*dd));
	for (w = desc; w != NULL && *w != '\0'; w = strchr(w, ' '),
	    w = w != NULL ? w + 1 : NULL) {
		if (strncmp(w, "kind=veth", 9) == 0 && (w[9] == ' ' || !w[9]))
			veth = true;
		else if (strncmp(w, "gidx=", 5) == 0)
			dd->gidx = atoi(w + 5);
		else if (strncmp(w, "port=", 5) == 0)
			dd->port = (unsigned)strtoul(w + 5, NULL, 10);
		else if (strncmp(w, "name=", 5) == 0) {
			size_t n = strcspn(w + 5, " ");

			if (n > 0 && n < IFNAMSIZ) {
				memcpy(dd->name, w + 5, n);
				dd->name[n] = '\0';
			}
		} else if (strncmp(w, "mac=", 4) == 0 &&
		    sscanf(w + 4, "%x:%x:%x:%x:%x:%x", &m[0], &m[1], &m[2],
			&m[3], &m[4], &m[5]) == 6) {
			for (int i = 0; i < 6; i++)
				dd->mac[i] = (uint8_t)m[i];
			dd->have_mac = !(dd->mac[0] & 1);
		} else if (strncmp(w, "placed=", 7) == 0) {
			size_t n = strcspn(w + 7, " ");

			if (n <= NAME_MAX && memchr(w + 7, '/', n) == NULL) {
				memcpy(dd->placed, w + 7, n);
				dd->placed[n] = '\0';
			}
		}
	}
	return veth;
}

/*
 * The adopt op (DESIGN 12).  An iface's TUN, and a TAP a journal of the
 * TAP model names, are netdev.c's to take back (such a TAP then serves
 * through ngd).  A pair is taken back where the last ngd left it: its
 * graph-side end in the pinned data plane, its link (given this ngd's
 * program) and its port id; its map entries stay as they were until the
 * whole graph is rebuilt (ngd_fast_restored), so frames go on crossing
 * in the kernel meanwhile.  The end is the one the journal names if its
 * interface has the journal's MAC, else the one whose interface has it.
 * A pair that did not survive is made anew with its name and MAC, at
 * home or in the namespace vnet placed it in.
 */
static int ngd_fast_create(void *be, enum ng_netdev_kind kind,
    const char *ifname, const uint8_t mac[6], struct ng_node *node,
    struct ng_netdev **devp);
static int ngd_fast_vnet(void *be, struct ng_netdev *dev, const char *netns,
    enum ng_netdev_kind kind, const char *ifname, const uint8_t mac[6],
    struct ng_node *node, struct ng_netdev **devp);

/* Is the graph-side end gidx one not taken back yet, whose interface
 * has dd's MAC (when dd has one)?  *l: the end. */
static bool
ngd_fast_end_is(struct ngd_fast *fp, const struct ngd_fast_desc *dd, int gidx,
    struct ngd_fast_link *l)
{
	struct ngd_fast_link j;

	if (gidx <= 0 || ngd_fast_veth_gidx(fp, gidx) != NULL ||
	    ngd_fast_getlink(fp, -1, gidx, l) != 0 || l->link <= 0 ||
	    l->netnsid < 0 || NGD_FAST_RETIRED(l->group))
		return false; /* a retired one: a vnet replaced it */
	return !dd->have_mac ||
	    (ngd_fast_getlink(fp, l->netnsid, l->link, &j) == 0 && j.have_mac &&
		memcmp(j.mac, dd->mac, 6) == 0);
}

/*
 * The graph-side end dd describes: the one it names, if its interface
 * still has dd's MAC, else (the journal was written before the pair was
 * made anew, or an index was used again) the one whose interface has
 * that MAC.  0: none.
 */
static int
ngd_fast_find_end(struct ngd_fast *fp, const struct ngd_fast_desc *dd,
    struct ngd_fast_link *l)
{
	struct if_nameindex *ifs, *i;
	int gidx = 0;

	if (ngd_fast_end_is(fp, dd, dd->gidx, l))
		return dd->gidx;
	if (!dd->have_mac || setns(fp->dp_netns, CLONE_NEWNET) < 0)
		return 0;
	ifs = if_nameindex();
	ngd_fast_back(fp);
	for (i = ifs; i != NULL && i->if_index != 0 && gidx == 0; i++)
		if (strncmp(i->if_name, "ngdp", 4) == 0 &&
		    ngd_fast_end_is(fp, dd, (int)i->if_index, l))
			gidx = (int)i->if_index;
	if (ifs != NULL)
		if_freenameindex(ifs);
	return gidx;
}

static int
ngd_fast_anew(struct ngd_fast *fp, const struct ngd_fast_desc *dd,
    struct ng_node *node, char ifname[16], uint8_t mac[6],
    struct ng_netdev **devp)
{
	int error;

	if (dd->name[0] == '\0' || !dd->have_mac ||
	    fp->nd->ops.name_in_use(fp->nd, dd->name) ||
	    ngd_fast_ready(fp) != 0)
		return ENOENT; /* the node makes one as for mkpeer */
	if ((error = ngd_fast_create(fp, NG_NETDEV_TAP, dd->name, dd->mac, node,
		 devp)) != 0)
		return error == EEXIST ? ENOENT : error;
	ngd_log(LOG_NOTICE, "%s: its pair did not survive; made anew",
	    dd->name);
	if (dd->placed[0] != '\0') { /* where vnet put it, if still there */
		struct ng_netdev *same;

		if (ngd_fast_vnet(fp, *devp, dd->placed, NG_NETDEV_TAP,
			dd->name, dd->mac, node, &same) != 0)
			ngd_log(LOG_NOTICE, "%s: not placed in %s again",
			    dd->name, dd->placed);
	}
	memcpy(ifname, dd->name, IFNAMSIZ);
	memcpy(mac, dd->mac, 6);
	(void)ngd_fast_setlink(fp, -1, ngd_netdev_veth(*devp)->gidx, 0, IFF_UP,
	    NULL, NULL, -1); /* no carrier until a hook says so */
	return 0;
}

static int
ngd_fast_adopt(void *be, enum ng_netdev_kind kind, struct ng_node *node,
    char ifname[16], uint8_t mac[6], struct ng_netdev **devp)
{
	struct ngd_fast *fp = be;
	struct ngd_fast_desc dd;
	char gname[IFNAMSIZ];
	struct ngd_fast_link l;
	struct ngd_veth_peer p;
	struct ngd_veth *v;
	unsigned port, n;
	uint32_t id, gidx32;
	int gidx;

	if (kind != NG_NETDEV_TAP || fp->nd->expect == NULL ||
	    !ngd_fast_desc_parse(fp->nd->expect, &dd))
		return fp->nd->ops.adopt == NULL ?
		    ENOENT :
		    fp->nd->ops.adopt(fp->nd, kind, node, ifname, mac, devp);
	ngd_netdev_expect(fp->nd, NULL, -1);
	port = dd.port;
	if (!fp->adopting || (gidx = ngd_fast_find_end(fp, &dd, &l)) <= 0)
		return ngd_fast_anew(fp, &dd, node, ifname, mac, devp);
	if ((v = calloc(1, sizeof(*v))) == NULL)
		return ENOMEM;
	v->fp = fp;
	v->node = node;
	v->gidx = gidx;
	v->link = -1;
	v->down = !(l.flags & IFF_LOWER_UP); /* (on no bridge yet) */
	memcpy(gname, l.name, sizeof(gname));
	memcpy(v->gname, gname, sizeof(v->gname));
	if (sscanf(gname, "ngdp%u", &n) == 1 && n >= fp->npairs)
		fp->npairs = n + 1;
	v->id = port >= 1 && port <= NG_FAST_BPF_MAX_PORTS &&
		fp->byid[port] == NULL ?
	    (uint16_t)port :
	    ngd_fast_new_id(fp);
	if (v->id == 0) {
		free(v);
		return ENOSPC;
	}
	fp->byid[v->id] = v;
	id = v->id;
	gidx32 = (uint32_t)gidx;
	(void)bpf_map_update_elem(fp->ids_fd, &id, &gidx32, BPF_ANY);
	if (id != port) { /* its frames to ngd carry the new id from now on */
		(void)ngd_veth_stats_new(v);
		(void)ngd_veth_port(v);
	}
	v->link = ngd_fast_pin_link_take(fp->pin, gidx, fp->prog_port,
	    fp->prog_port_id);
	if (v->link < 0) {
		int error = ngd_fast_attach(fp, fp->prog_port, gidx, &v->link);

		if (error != 0)
			ngd_log(LOG_ERR, "%s: cannot attach its program: %s",
			    node->name, strerror(error));
		ngd_fast_pin_link(fp->pin, gidx, v->link);
	}
	if ((v->dev = ngd_netdev_wrap_veth(fp->nd, v, node)) == NULL) {
		ngd_veth_free(v);
		return ENOMEM;
	}
	v->next = fp->veths;
	fp->veths = v;
	ngd_fast_index(v);
	ngd_fast_saw_gidx(fp, v->gidx);
	fp->synced_gen = UINT64_MAX; /* a port more: the next sync is full */
	if (ngd_veth_peer(v, &p) == 0) {
		memcpy(ifname, p.name, IFNAMSIZ);
		memcpy(mac, p.mac, 6);
		if (dd.placed[0] != '\0' && !ngd_fast_nsid_home(fp, p.nsid))
			(void)ngd_netdev_place(v->dev, dd.placed);
	} else
		snprintf(ifname, 16, "%.15s", node->name);
	*devp = v->dev;
	return 0;
}

static bool
ngd_fast_keep_link(void *arg, int gidx)
{
	return ngd_fast_veth_gidx(arg, gidx) != NULL;
}

/* Keys of the hash map fd (of key_size bytes), up to max: how many. */
static unsigned
ngd_fast_map_keys(int fd, size_t key_size, void *keys, unsigned max)
{
	unsigned n = 0;
	char *k = keys;

	if (bpf_map_get_next_key(fd, NULL, k) != 0)
		return 0;
	for (n = 1; n < max &&
	     bpf_map_get_next_key(fd, k + (n - 1) * key_size,
		 k + n * key_size) == 0;
	     n++)
		;
	return n;
}

/*
 * The ids the last ngd gave that no pair taken back has, cleared in
 * ng_fast_ids, NGD_FAST_IDS_SLICE of the array's entries a call (a batch
 * read, not a lookup each): from the loop's first pass on, once ngd
 * serves (ngd_fast_retire_due), not before the takeover's ok (5-20 ms
 * of a loaded machine for the whole array; 32,767 lookups took 12-67).
 * Pairs made and deleted meanwhile set and clear their own.  Whether
 * there is more.
 */
#define NGD_FAST_IDS_SLICE 4096

static bool
ngd_fast_ids_sweep(struct ngd_fast *fp)
{
	static uint32_t keys[NGD_FAST_IDS_SLICE], vals[NGD_FAST_IDS_SLICE];
	uint32_t n = NGD_FAST_IDS_SLICE, next = 0, zero = 0;
	bool over = false;

	if (bpf_map_lookup_batch(fp->ids_fd,
		fp->ids_begun ? &fp->ids_next : NULL, &next, keys, vals, &n,
		NULL) < 0) {
		over = true; /* ENOENT: the last slice */
		if (errno != ENOENT) {
			ngd_log(LOG_WARNING,
			    "data path: the last ngd's port ids not read "
			    "(%s): those of pairs not taken back stay",
			    strerror(errno));
			n = 0;
		}
	}
	for (uint32_t i = 0; i < n; i++)
		if (keys[i] >= 1 && keys[i] <= NG_FAST_BPF_MAX_PORTS &&
		    vals[i] != 0 && fp->byid[keys[i]] == NULL)
			(void)bpf_map_update_elem(fp->ids_fd, &keys[i], &zero,
			    BPF_ANY);
	fp->ids_next = next;
	fp->ids_begun = true;
	fp->ids_sweep = !over;
	return fp->ids_sweep;
}

static void ngd_fast_flush_retired(struct ngd_fast *fp, bool wait);
static void ngd_fast_delete_group(struct ngd_fast *fp, uint32_t group);
static void ngd_fast_carrier(struct ngd_veth *v, unsigned flags);
static int ngd_fast_tap_serve(struct ngd_fast *fp);

/*
 * The journal replayed: the graph-side ends it did not name (a pair made
 * just before the crash, before the journal was written) are deleted
 * with their interfaces, their link pins and map entries go, and the
 * maps are made to agree with the graph.  Nothing is left that this
 * ngd did not take back.
 */
void
ngd_fast_restored(struct ngd_fast *fp)
{
	struct if_nameindex *ifs = NULL, *i;
	unsigned n, kept = 0, gone = 0, bn;
	uint32_t *keys;
	int error;

	if (fp == NULL || !fp->adopting)
		return;
	fp->adopting = false;
	/* those the last ngd retired go, in each group */
	ngd_fast_br_repoint_flush(fp->br);
	for (uint32_t g = 0; g < NGD_FAST_RETIRE_GROUPS; g++)
		ngd_fast_delete_group(fp, NGD_FAST_RETIRE_GROUP - g);
	if (setns(fp->dp_netns, CLONE_NEWNET) == 0) {
		ifs = if_nameindex();
		ngd_fast_back(fp);
	}
	for (i = ifs; i != NULL && i->if_index != 0; i++) {
		char buf[256];
		struct nlmsghdr *nh;

		if (strncmp(i->if_name, "ngdp", 4) != 0 ||
		    ngd_fast_veth_gidx(fp, (int)i->if_index) != NULL)
			continue;
		nh = ngd_fast_linkreq(buf, sizeof(buf), RTM_DELLINK,
		    (int)i->if_index);
		if (ngd_fast_talk(fp->rtnl, &fp->seq, nh, NULL, NULL) == 0)
			gone++;
	}
	if (ifs != NULL)
		if_freenameindex(ifs);
	ngd_fast_pin_links_prune(fp->pin, ngd_fast_keep_link, fp);
	ngd_fast_br_restored(fp->br);
	keys = calloc(NG_FAST_BPF_MAX_PORTS + 1,
	    sizeof(struct ng_fast_bpf_member));
	if (keys != NULL) {
		n = ngd_fast_map_keys(fp->ports_fd, sizeof(uint32_t), keys,
		    NG_FAST_BPF_MAX_PORTS + 1);
		for (unsigned k = 0; k < n; k++)
			if (ngd_fast_veth_gidx(fp, (int)keys[k]) == NULL &&
			    !ngd_fast_eth_gidx(fp->eth, keys[k]))
				ngd_fast_port_del(fp, keys[k]);
	}
	ngd_ifslots_check(&fp->ifs, fp->ports_fd);
	fp->ids_sweep = true; /* (ngd_fast_retire_due) */
	/* The paths the graph has now, every port written once. */
	ngd_fast_sync();
	for (struct ngd_veth *v = fp->veths; v != NULL; v = v->next) {
		(void)ngd_veth_port(v);
		kept++;
	}
	/* Hubs the graph no longer has (their members went above). */
	if (keys != NULL) {
		struct ng_fast_bpf_member *m = (void *)keys;

		n = ngd_fast_map_keys(fp->groups_fd, sizeof(uint32_t), keys,
		    NG_FAST_BPF_MAX_PORTS + 1);
		for (unsigned k = 0; k < n; k++) {
			struct ngd_fast_hub *g;

			for (g = fp->hubs; g != NULL && g->id != keys[k];
			     g = g->next)
				;
			if (g == NULL &&
			    !ngd_fast_br_group(fp->br, keys[k], &bn))
				(void)bpf_map_delete_elem(fp->groups_fd,
				    &keys[k]);
		}
		n = ngd_fast_map_keys(fp->members_fd, sizeof(*m), m,
		    NG_FAST_BPF_MAX_PORTS + 1);
		for (unsigned k = 0; k < n; k++) {
			struct ngd_fast_hub *g;

			for (g = fp->hubs; g != NULL && g->id != m[k].group;
			     g = g->next)
				;
			if (g == NULL &&
			    ngd_fast_br_group(fp->br, m[k].group, &bn) &&
			    m[k].idx < bn)
				continue;
			if (g == NULL || m[k].idx >= g->n)
				(void)bpf_map_delete_elem(fp->members_fd,
				    &m[k]);
		}
		free(keys);
	}
	if (fp->tap_later && (error = ngd_fast_tap_serve(fp)) != 0)
		ngd_log(LOG_WARNING,
		    "data path: frames for ngd still go to the last "
		    "ngd's TAP: %s",
		    strerror(error));
	ngd_log(LOG_NOTICE,
	    "data path: took over the kernel fast path the "
	    "last ngd left: %u pairs",
	    kept);
	if (gone > 0)
		ngd_log(LOG_NOTICE,
		    "data path: %u pairs the journal did not "
		    "name deleted",
		    gone);
	if (fp->veths == NULL)
		ngd_fast_pin_down(fp->pin);
}

/* A veth pair to make: this end (the graph side, or an uplink's) and its
 * peer (the interface) in the namespace netns.  0 or NULL: the kernel's
 * choice.  The kernel takes the peer's index only with this end's. */
struct ngd_veth_spec {
	const char *name;
	int ifindex;
	bool up;
	const char *peer;
	int netns;
	const uint8_t *mac;
	uint32_t mtu, txqlen;
	int peer_ifindex;
	unsigned peer_flags, peer_change; /* ifi_flags under ifi_change */
};

/*
 * veth drops what exceeds the receiving end's MTU: this end takes
 * whatever MTU the other is given (65535), and has no queue.  Both ends
 * have one queue each way, as a veth uses by default: asked for, not
 * left to the kernel, which makes one per CPU and then, the devices
 * registered, brings each down to one, waiting for an RCU grace period
 * under the RTNL lock per end (two a pair, a pair per interface made,
 * placed in a jail or brought home).
 */
static struct nlmsghdr *
ngd_veth_newlink_spec(void *buf, size_t len, const struct ngd_veth_spec *vs)
{
	struct nlmsghdr *nh;
	struct ifinfomsg *ifi;
	struct nlattr *info, *data, *pn;

	memset(buf, 0, len);
	nh = mnl_nlmsg_put_header(buf);
	nh->nlmsg_type = RTM_NEWLINK;
	nh->nlmsg_flags = NLM_F_CREATE | NLM_F_EXCL;
	ifi = mnl_nlmsg_put_extra_header(nh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = vs->ifindex;
	if (vs->up)
		ifi->ifi_flags = ifi->ifi_change = IFF_UP;
	mnl_attr_put_strz(nh, IFLA_IFNAME, vs->name);
	mnl_attr_put_u32(nh, IFLA_TXQLEN, 0);
	mnl_attr_put_u32(nh, IFLA_MTU, 65535);
	mnl_attr_put_u32(nh, IFLA_NUM_TX_QUEUES, 1);
	mnl_attr_put_u32(nh, IFLA_NUM_RX_QUEUES, 1);
	info = mnl_attr_nest_start(nh, IFLA_LINKINFO);
	mnl_attr_put_strz(nh, IFLA_INFO_KIND, "veth");
	data = mnl_attr_nest_start(nh, IFLA_INFO_DATA);
	pn = mnl_attr_nest_start(nh, VETH_INFO_PEER);
	ifi = mnl_nlmsg_put_extra_header(nh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = vs->ifindex != 0 ? vs->peer_ifindex : 0;
	ifi->ifi_flags = vs->peer_flags & vs->peer_change;
	ifi->ifi_change = vs->peer_change;
	mnl_attr_put_strz(nh, IFLA_IFNAME, vs->peer);
	if (vs->mac != NULL)
		mnl_attr_put(nh, IFLA_ADDRESS, 6, vs->mac);
	if (vs->mtu != 0)
		mnl_attr_put_u32(nh, IFLA_MTU, vs->mtu);
	if (vs->txqlen != 0)
		mnl_attr_put_u32(nh, IFLA_TXQLEN, vs->txqlen);
	mnl_attr_put_u32(nh, IFLA_NUM_TX_QUEUES, 1);
	mnl_attr_put_u32(nh, IFLA_NUM_RX_QUEUES, 1);
	mnl_attr_put_u32(nh, IFLA_NET_NS_FD, (uint32_t)vs->netns);
	mnl_attr_nest_end(nh, pn);
	mnl_attr_nest_end(nh, data);
	mnl_attr_nest_end(nh, info);
	return nh;
}

struct nlmsghdr *
ngd_veth_newlink(void *buf, size_t len, const char *name, const char *peer,
    const uint8_t *mac, uint32_t mtu, int netns)
{
	struct ngd_veth_spec vs = { .name = name,
		.peer = peer,
		.netns = netns,
		.mac = mac,
		.mtu = mtu };

	return ngd_veth_newlink_spec(buf, len, &vs);
}

/* --- the ops ------------------------------------------------------------ */

static int
ngd_fast_create(void *be, enum ng_netdev_kind kind, const char *ifname,
    const uint8_t mac[6], struct ng_node *node, struct ng_netdev **devp)
{
	struct ngd_fast *fp = be;
	struct ngd_fast_link l, made;
	struct ngd_veth *v;
	char buf[1024], gname[IFNAMSIZ];
	struct nlmsghdr *nh;
	struct ifinfomsg *ifi;
	int error;

	*devp = NULL;
	/* TUNs; TAPs too if the programs could not be loaded after all */
	if (kind != NG_NETDEV_TAP || ngd_fast_ready(fp) != 0)
		return fp->nd->ops.create(fp->nd, kind, ifname, mac, node,
		    devp);
	if (strlen(ifname) >= IFNAMSIZ)
		return EINVAL;
	if ((v = calloc(1, sizeof(*v))) == NULL)
		return ENOMEM;
	v->fp = fp;
	v->node = node;
	v->link = -1;
	snprintf(gname, sizeof(gname), "ngdp%u", fp->npairs++);
	/*
	 * Made from the data plane: the graph-side end here, its peer (the
	 * interface) in ngd's namespace, named and addressed at once.
	 */
	nh = ngd_veth_newlink(buf, sizeof(buf), gname, ifname, mac, 0,
	    fp->nd->own_netns);
	error = ngd_fast_newpair(fp, nh, &made);
	if (error != 0) {
		free(v);
		return error;
	}
	l = made;
	if (l.ifindex <= 0) {
		/* Its index, from its name (the data plane is ours
		 * alone): a kernel that did not echo the request. */
		memset(buf, 0, sizeof(buf));
		nh = mnl_nlmsg_put_header(buf);
		nh->nlmsg_type = RTM_GETLINK;
		ifi = mnl_nlmsg_put_extra_header(nh, sizeof(*ifi));
		ifi->ifi_family = AF_UNSPEC;
		mnl_attr_put_strz(nh, IFLA_IFNAME, gname);
		memset(&l, 0, sizeof(l));
		error = ngd_fast_talk(fp->rtnl, &fp->seq, nh, ngd_fast_link_cb,
		    &l);
	}
	if (error == 0 && l.ifindex <= 0)
		error = ENODEV;
	if (error == 0) {
		v->gidx = l.ifindex;
		memcpy(v->gname, gname, sizeof(v->gname));
		error = ngd_veth_start(v);
	}
	if (error == 0 &&
	    (v->dev = ngd_netdev_wrap_veth(fp->nd, v, node)) == NULL)
		error = ENOMEM;
	if (error != 0) {
		if (l.ifindex > 0)
			v->gidx = l.ifindex;
		ngd_veth_free(v);
		return error;
	}
	v->next = fp->veths;
	fp->veths = v;
	ngd_fast_index(v);
	ngd_fast_saw_gidx(fp, v->gidx);
	fp->synced_gen = UINT64_MAX; /* a port more: the next sync is full */
	if (ngd_fast_pin_up(fp->pin, fp->dp_netns, fp->skel->obj))
		ngd_fast_pin_obj_progs(fp->pin, fp->skel->obj, fp->progs_taken,
		    fp->nprogs_taken);
	ngd_fast_pin_link(fp->pin, v->gidx, v->link);
	ngd_veth_made(v, &made, ifname, mac);
	*devp = v->dev;
	return 0;
}

static void
ngd_fast_destroy(void *be, struct ng_netdev *dev)
{
	struct ngd_fast *fp = be;
	struct ngd_veth *v = ngd_netdev_veth(dev);

	if (v == NULL) {
		fp->nd->ops.destroy(fp->nd, dev);
		return;
	}
	v->going = true;
	ngd_veth_free(v);
}

static int
ngd_fast_xmit(void *be, struct ng_netdev *dev, const struct ng_pkt *pkt)
{
	struct ngd_fast *fp = be;
	struct ngd_veth *v = ngd_netdev_veth(dev);

	if (v == NULL)
		return fp->nd->ops.xmit(fp->nd, dev, pkt);
	/* Its interface is not up (the graph-side end has no carrier, as
	 * last heard): refused, as FreeBSD's eiface refuses it. */
	if (v->down)
		return ENETDOWN;
	/* Tagged with the port, or for a frame too short for the tag given
	 * the short header (ng_fast_bpf.h), its own VLAN tag inline after
	 * (ngd_txq_set); in a batch (a TAP's read,
	 * below), with the batch's other writes in one system call
	 * (netdev.c).  (The eiface node refuses a frame shorter than an
	 * Ethernet header, or one of a VLAN type too short for its tag.) */
	return ngd_tap_send(fp->nd, fp->tap[NG_FAST_BPF_SLOW_Q(v->id)].io.fd,
	    pkt, &pkt->vh,
	    pkt->len + (pkt->vlan_tagged ? 4 : 0) <= NG_FAST_BPF_SHORT_MAX ?
		NG_FAST_BPF_SHORT :
		NG_FAST_BPF_TPID,
	    (int)v->id);
}

/*
 * The carrier of the interface is the graph-side end's being up.  The
 * port's direct edge is made to agree first, as ngd_fast_sync would;
 * hubs and bridges, whose look is O(ports), follow with the sync after
 * the client's message that brought this (before its status goes back),
 * or, for an event's (a pair made anew, an interface home: a thousand
 * in one jail -r), before the loop sleeps, once for all of the pass.
 * Until then the port's frames take the userspace path, which is right.
 * The end's carrier is read back at once (one request more): veth sets
 * it as the end goes up or down, but its news waits in the monitor
 * socket until the loop reads it, after the reply, and until then a
 * hub's or bridge's floods would pass the port by; with ngd stopped
 * right after a connect (a test, a debugger) they did so for good.
 */
static int
ngd_fast_set_carrier(void *be, struct ng_netdev *dev, bool on)
{
	struct ngd_fast *fp = be;
	struct ngd_veth *v = ngd_netdev_veth(dev), *w;
	struct ngd_fast_link l;
	int error;

	if (v == NULL)
		return fp->nd->ops.set_carrier(fp->nd, dev, on);
	if (!fp->adopting && !fp->held && v->direct != (w = ngd_veth_wanted(v)))
		ngd_veth_set_direct(v, w);
	fp->sync_due = true;
	error = ngd_fast_setlink(fp, -1, v->gidx, on ? IFF_UP : 0, IFF_UP, NULL,
	    NULL, -1);
	if (error == 0 && !fp->held &&
	    ngd_fast_getlink(fp, -1, v->gidx, &l) == 0 &&
	    strcmp(l.name, v->gname) == 0) {
		ngd_fast_carrier(v, l.flags);
		/* the jail's end, if up (then the graph-side end has a
		 * carrier): its queue, noop since its carrier went, made
		 * real by a read (rtnl_getlink syncs it) */
		if (on && (l.flags & IFF_LOWER_UP) && l.link > 0 &&
		    l.netnsid >= 0)
			(void)ngd_fast_getlink(fp, l.netnsid, l.link, &l);
	}
	return error;
}

static int
ngd_fast_set_mac(void *be, struct ng_netdev *dev, const uint8_t mac[6])
{
	struct ngd_fast *fp = be;
	struct ngd_veth *v = ngd_netdev_veth(dev);
	struct ngd_veth_peer p;
	int error;

	if (v == NULL)
		return fp->nd->ops.set_mac(fp->nd, dev, mac);
	if (mac[0] & 1)
		return EINVAL; /* a multicast address cannot be a station's */
	if ((error = ngd_veth_peer(v, &p)) != 0)
		return error;
	error = ngd_fast_setlink(fp, p.nsid, p.ifindex, 0, 0, NULL, mac, -1);
	ngd_veth_changed(v);
	return error;
}

static int
ngd_fast_get_mac(void *be, struct ng_netdev *dev, uint8_t mac[6])
{
	struct ngd_fast *fp = be;
	struct ngd_veth *v = ngd_netdev_veth(dev);
	struct ngd_veth_peer p;
	int error;

	if (v == NULL)
		return fp->nd->ops.get_mac(fp->nd, dev, mac);
	if ((error = ngd_veth_peer(v, &p)) != 0)
		return error;
	memcpy(mac, p.mac, 6);
	return 0;
}

static int
ngd_fast_get_name(void *be, struct ng_netdev *dev, char name[16])
{
	struct ngd_fast *fp = be;
	struct ngd_veth *v = ngd_netdev_veth(dev);
	struct ngd_veth_peer p;
	int error;

	if (v == NULL)
		return fp->nd->ops.get_name(fp->nd, dev, name);
	if ((error = ngd_veth_peer(v, &p)) != 0)
		return error;
	snprintf(name, 16, "%s", p.name);
	return 0;
}

static int
ngd_fast_set_name(void *be, struct ng_netdev *dev, const char *name)
{
	struct ngd_fast *fp = be;
	struct ngd_veth *v = ngd_netdev_veth(dev);
	struct ngd_veth_peer p;
	int error;

	if (v == NULL)
		return fp->nd->ops.set_name(fp->nd, dev, name);
	if (strlen(name) >= IFNAMSIZ)
		return EINVAL;
	if ((error = ngd_veth_peer(v, &p)) != 0)
		return error;
	/* Linux renames only interfaces that are down. */
	if ((p.flags & IFF_UP) &&
	    (error = ngd_fast_setlink(fp, p.nsid, p.ifindex, 0, IFF_UP, NULL,
		 NULL, -1)) != 0)
		return error;
	error = ngd_fast_setlink(fp, p.nsid, p.ifindex, 0, 0, name, NULL, -1);
	if (p.flags & IFF_UP)
		(void)ngd_fast_setlink(fp, p.nsid, p.ifindex, IFF_UP, IFF_UP,
		    NULL, NULL, -1);
	ngd_veth_changed(v);
	return error;
}

/* Is the namespace id nsid (data plane's view) ngd's own?  The id,
 * once given, lasts as long as both namespaces do: asked once. */
static bool
ngd_fast_nsid_home(struct ngd_fast *fp, int nsid)
{
	if (fp->own_nsid < 0 &&
	    ngd_fast_nsid(fp, fp->nd->own_netns, &fp->own_nsid) != 0)
		fp->own_nsid = -1;
	return fp->own_nsid >= 0 && fp->own_nsid == nsid;
}

static int
ngd_fast_set_altname(void *be, struct ng_netdev *dev, const char *name,
    bool add)
{
	struct ngd_fast *fp = be;
	struct ngd_veth *v = ngd_netdev_veth(dev);
	struct ngd_veth_peer p;
	char buf[1024];
	struct nlmsghdr *nh;
	struct ifinfomsg *ifi;
	struct nlattr *list;
	struct mnl_socket *nl;
	unsigned seq = 0;
	int error;

	if (v == NULL)
		return fp->nd->ops.set_altname != NULL ?
		    fp->nd->ops.set_altname(fp->nd, dev, name, add) :
		    EOPNOTSUPP;
	if (strlen(name) >= IFNAMSIZ)
		return EINVAL;
	if ((error = ngd_veth_peer(v, &p)) != 0)
		return error;
	if ((error = ngd_fast_nl_at(fp, p.nsid, &nl)) != 0)
		return error;
	memset(buf, 0, sizeof(buf));
	nh = mnl_nlmsg_put_header(buf);
	nh->nlmsg_type = add ? RTM_NEWLINKPROP : RTM_DELLINKPROP;
	nh->nlmsg_flags = add ? NLM_F_EXCL | NLM_F_CREATE : 0;
	ifi = mnl_nlmsg_put_extra_header(nh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = p.ifindex;
	list = mnl_attr_nest_start(nh, IFLA_PROP_LIST);
	mnl_attr_put_strz(nh, IFLA_ALT_IFNAME, name);
	mnl_attr_nest_end(nh, list);
	error = ngd_fast_talk(nl, &seq, nh, NULL, NULL);
	mnl_socket_close(nl);
	return error;
}

static bool
ngd_fast_at_home(void *be, struct ng_netdev *dev)
{
	struct ngd_fast *fp = be;
	struct ngd_veth *v = ngd_netdev_veth(dev);
	struct ngd_veth_peer p;

	if (v == NULL)
		return fp->nd->ops.at_home(fp->nd, dev);
	return ngd_veth_peer(v, &p) == 0 && ngd_fast_nsid_home(fp, p.nsid);
}

static bool
ngd_fast_name_in_use(void *be, const char *name)
{
	struct ngd_fast *fp = be;

	return fp->nd->ops.name_in_use(fp->nd, name);
}

struct ngd_fast_addrs {
	int ifindex;
	struct ng_netdev_addr *addrs;
	unsigned max, n;
};

static int
ngd_fast_addr_cb(const struct nlmsghdr *nh, void *arg)
{
	struct ngd_fast_addrs *w = arg;
	const struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(nh);
	const struct nlattr *a, *addr = NULL, *local = NULL;
	size_t alen;

	if (nh->nlmsg_type != RTM_NEWADDR || (int)ifa->ifa_index != w->ifindex)
		return MNL_CB_OK;
	if (ifa->ifa_family != AF_INET && ifa->ifa_family != AF_INET6)
		return MNL_CB_OK;
	mnl_attr_for_each(a, nh, sizeof(*ifa))
	{
		if (mnl_attr_get_type(a) == IFA_ADDRESS)
			addr = a;
		else if (mnl_attr_get_type(a) == IFA_LOCAL)
			local = a;
	}
	if (local != NULL) /* IPv4: the address; IFA_ADDRESS is the peer's */
		addr = local;
	alen = ifa->ifa_family == AF_INET ? 4 : 16;
	if (addr == NULL || mnl_attr_get_payload_len(addr) != alen)
		return MNL_CB_OK;
	if (w->n < w->max) {
		struct ng_netdev_addr *o = &w->addrs[w->n];

		memset(o, 0, sizeof(*o));
		o->family = ifa->ifa_family;
		memcpy(o->addr, mnl_attr_get_payload(addr), alen);
		o->prefixlen = ifa->ifa_prefixlen;
	}
	w->n++;
	return MNL_CB_OK;
}

static int
ngd_fast_get_addrs(void *be, struct ng_netdev *dev,
    struct ng_netdev_addr *addrs, unsigned max, unsigned *n)
{
	struct ngd_fast *fp = be;
	struct ngd_veth *v = ngd_netdev_veth(dev);
	struct ngd_fast_addrs w = { .addrs = addrs, .max = max };
	struct ngd_veth_peer p;
	static const int fams[] = { AF_INET, AF_INET6 };
	char buf[256];
	struct nlmsghdr *nh;
	struct ifaddrmsg *ifa;
	int error;

	*n = 0;
	if (v == NULL)
		return fp->nd->ops.get_addrs(fp->nd, dev, addrs, max, n);
	if ((error = ngd_veth_peer(v, &p)) != 0)
		return error;
	w.ifindex = p.ifindex;
	for (size_t i = 0; i < sizeof(fams) / sizeof(fams[0]); i++) {
		memset(buf, 0, sizeof(buf));
		nh = mnl_nlmsg_put_header(buf);
		nh->nlmsg_type = RTM_GETADDR;
		nh->nlmsg_flags = NLM_F_DUMP;
		ifa = mnl_nlmsg_put_extra_header(nh, sizeof(*ifa));
		ifa->ifa_family = (uint8_t)fams[i];
		ifa->ifa_index = (uint32_t)p.ifindex;
		mnl_attr_put_u32(nh, IFA_TARGET_NETNSID, (uint32_t)p.nsid);
		error = ngd_fast_talk(fp->rtnl, &fp->seq, nh, ngd_fast_addr_cb,
		    &w);
		if (error != 0)
			return error;
	}
	*n = w.n;
	return 0;
}

static int
ngd_fast_get_info(void *be, struct ng_netdev *dev, uint32_t *ifindex, bool *up)
{
	struct ngd_fast *fp = be;
	struct ngd_veth *v = ngd_netdev_veth(dev);
	struct ngd_veth_peer p;
	int error;

	if (v == NULL)
		return fp->nd->ops.get_info(fp->nd, dev, ifindex, up);
	if ((error = ngd_veth_peer(v, &p)) != 0)
		return error;
	*ifindex = (uint32_t)p.ifindex;
	*up = (p.flags & IFF_UP) != 0;
	return 0;
}

/* --- vnet: the interface made anew where it goes ------------------------ */

/* The links of retired ends closed (their devices gone: no grace period
 * each, see NGD_FAST_RETIRE_MAX). */
static void
ngd_fast_close_oldlinks(struct ngd_fast *fp)
{
	for (unsigned i = 0; i < fp->noldlinks; i++)
		close(fp->oldlinks[i]);
	fp->noldlinks = 0;
}

/* The link of an end just retired, kept open until its device goes
 * (closed at once if it cannot be kept: a grace period, no more). */
static void
ngd_fast_keep_oldlink(struct ngd_fast *fp, int link)
{
	if (link < 0)
		return;
	if (fp->nretired == 0) { /* not in the batch: deleted already */
		close(link);
		return;
	}
	if (fp->noldlinks == fp->maxoldlinks) {
		unsigned max = fp->maxoldlinks ? 2 * fp->maxoldlinks : 64;
		int *a = realloc(fp->oldlinks, max * sizeof(*a));

		if (a == NULL) {
			close(link);
			return;
		}
		fp->oldlinks = a;
		fp->maxoldlinks = max;
	}
	fp->oldlinks[fp->noldlinks++] = link;
}

/*
 * A batch of retired pairs, deleted by a job (ngd_job_start) while the
 * loop serves: the group delete holds the RTNL lock for a grace period
 * a pair (tcx_uninstall), seconds on a loaded machine (300 pairs, 3.6
 * s at load 15), and the loop answered no one meanwhile.  The job
 * touches only the batch: its group, a socket in the data plane (opened
 * by the loop, which alone may setns), the ends' links, closed after
 * the delete (no grace period each then).  fp and next are the loop's.
 */
struct ngd_fast_batch {
	uint32_t group;
	struct mnl_socket *nl;
	unsigned seq, n;
	int *links;
	unsigned nlinks;
	int error;        /* the delete's, for the loop to log */
	uint64_t took_us; /* the delete's */
	struct ngd_fast *fp;
	struct ngd_fast_batch *next;
};

/* Every link of nl's namespace in group group deleted: one request. */
static int
ngd_fast_group_delete(struct mnl_socket *nl, unsigned *seqp, uint32_t group)
{
	char buf[256];
	struct nlmsghdr *nh;

	nh = ngd_fast_linkreq(buf, sizeof(buf), RTM_DELLINK, 0);
	mnl_attr_put_u32(nh, IFLA_GROUP, group);
	return ngd_fast_talk(nl, seqp, nh, NULL, NULL);
}

/* The job's part; touches nothing but the batch. */
static void
ngd_fast_batch_run(void *arg)
{
	struct ngd_fast_batch *b = arg;
	uint64_t t0 = ngd_clock_us();

	b->error = ngd_fast_group_delete(b->nl, &b->seq, b->group);
	b->took_us = ngd_clock_us() - t0;
	for (unsigned i = 0; i < b->nlinks; i++)
		close(b->links[i]);
	b->nlinks = 0;
}

static void ngd_fast_batch_next(struct ngd_fast *fp);

/* The loop's, after the job (or in its place): what failed said, the
 * next batch's size from what this one took, the next one started. */
static void
ngd_fast_batch_done(void *arg)
{
	struct ngd_fast_batch *b = arg;
	struct ngd_fast *fp = b->fp;
	uint64_t each;

	/* ENODEV: dying namespaces took them all with their interfaces. */
	if (b->error != 0 && b->error != ENODEV)
		ngd_log(LOG_WARNING, "data path: %u retired pairs: %s", b->n,
		    strerror(b->error));
	if (b->error == 0 && b->n > 0) {
		each = b->took_us / b->n + 1;
		each = NGD_FAST_RETIRE_BATCH_MS * 1000ULL / each;
		fp->retire_cap = each < NGD_FAST_RETIRE_MIN ?
		    NGD_FAST_RETIRE_MIN :
		    each > NGD_FAST_RETIRE_MAX ?
		    NGD_FAST_RETIRE_MAX :
		    (unsigned)each;
	}
	if (b->nl != NULL)
		mnl_socket_close(b->nl);
	free(b->links);
	free(b);
	fp->nbatches--;
	ngd_fast_batch_next(fp);
}

/* The next batch that waits deleted: by a job, unless one runs (its end
 * starts the next); here and now while ngd_fast_flush_retired waits, or
 * where no job can be had. */
static void
ngd_fast_batch_next(struct ngd_fast *fp)
{
	struct ngd_fast_batch *b = fp->batches;

	if (b == NULL || fp->retire_job.running)
		return;
	if ((fp->batches = b->next) == NULL)
		fp->batches_tail = &fp->batches;
	if (b->nl != NULL && !fp->draining &&
	    ngd_job_start(fp->nd->loop, &fp->retire_job, ngd_fast_batch_run,
		ngd_fast_batch_done, b) == 0)
		return;
	ngd_loop_doing(fp->nd->loop, "deleting %u retired pairs", b->n);
	if (b->nl == NULL) { /* the loop's own socket, then */
		b->nl = fp->rtnl;
		ngd_fast_batch_run(b);
		b->nl = NULL;
	} else
		ngd_fast_batch_run(b);
	ngd_fast_batch_done(b); /* (and the next) */
}

/* The retired group group deleted here and now (those a last ngd left). */
static void
ngd_fast_delete_group(struct ngd_fast *fp, uint32_t group)
{
	(void)ngd_fast_group_delete(fp->rtnl, &fp->seq, group);
}

/*
 * The batch that gathers closed, to be deleted in its turn; the next
 * gathers in the next group.  wait: every batch deleted here and now,
 * after the one under way (ngd stops, hands over).
 */
static void
ngd_fast_flush_retired(struct ngd_fast *fp, bool wait)
{
	struct ngd_fast_batch *b;

	ngd_fast_br_repoint_flush(fp->br); /* before their indexes go */
	if (fp->nretired == 0)
		ngd_fast_close_oldlinks(fp);
	else if ((b = calloc(1, sizeof(*b))) == NULL) {
		/* no memory: deleted here and now, after those before */
		wait = true;
	} else {
		b->fp = fp;
		b->group = fp->retire_group;
		b->n = fp->nretired;
		b->links = fp->oldlinks; /* the batch's now */
		b->nlinks = fp->noldlinks;
		fp->oldlinks = NULL;
		fp->noldlinks = fp->maxoldlinks = 0;
		fp->nretired = 0;
		fp->retire_group = NGD_FAST_RETIRED(fp->retire_group - 1) ?
		    fp->retire_group - 1 :
		    NGD_FAST_RETIRE_GROUP;
		(void)ngd_fast_nl_in(fp, fp->dp_netns, &b->nl);
		*fp->batches_tail = b;
		fp->batches_tail = &b->next;
		fp->nbatches++;
	}
	if (!wait) {
		ngd_fast_batch_next(fp);
		return;
	}
	fp->draining = true;
	ngd_job_wait(&fp->retire_job); /* its done does the rest */
	ngd_fast_batch_next(fp);
	fp->draining = false;
	if (fp->nretired > 0) { /* (no memory for a batch) */
		ngd_fast_delete_group(fp, fp->retire_group);
		fp->nretired = 0;
		ngd_fast_close_oldlinks(fp);
	}
}

/* The loop's before-sleep hook: the gathering batch closed once due (a
 * job deletes it in its turn). */
static int64_t
ngd_fast_retire_due(void *arg)
{
	struct ngd_fast *fp = arg;
	int64_t due = -1;
	uint64_t now;

	ngd_fast_stale(fp); /* what others changed meanwhile is read anew */
	if (fp->sync_due)   /* a vnet no client's message brought */
		ngd_fast_sync();
	if (fp->ids_sweep && !fp->held && ngd_fast_ids_sweep(fp))
		due = 0; /* the next slice at the next pass */
	/* (each group in one batch at a time: one free for the next) */
	if (fp->nretired == 0 || fp->nbatches >= NGD_FAST_RETIRE_GROUPS - 1)
		return due;
	now = ngd_clock_ms();
	if (fp->nretired >= fp->retire_cap ||
	    now - fp->retired_ms >= NGD_FAST_RETIRE_MS ||
	    now - fp->retired_first_ms >= NGD_FAST_RETIRE_WAIT_MS) {
		ngd_fast_flush_retired(fp, false);
		return due;
	}
	return due == 0 ?
	    0 :
	    (int64_t)(NGD_FAST_RETIRE_MS - (now - fp->retired_ms));
}

/* A link request of type on ifindex, in buf (len bytes). */
struct nlmsghdr *
ngd_fast_linkreq(char *buf, size_t len, uint16_t type, int ifindex)
{
	struct nlmsghdr *nh;
	struct ifinfomsg *ifi;

	memset(buf, 0, len);
	nh = mnl_nlmsg_put_header(buf);
	nh->nlmsg_type = type;
	ifi = mnl_nlmsg_put_extra_header(nh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = ifindex;
	return nh;
}

/* Interface ifindex of nl's namespace renamed name and down (the
 * kernel renames only interfaces that are down before Linux 6.2). */
static int
ngd_fast_rename_down(struct mnl_socket *nl, unsigned *seqp, int ifindex,
    const char *name)
{
	char buf[256];
	struct nlmsghdr *nh;
	struct ifinfomsg *ifi;
	int error;

	nh = ngd_fast_linkreq(buf, sizeof(buf), RTM_NEWLINK, ifindex);
	ifi = mnl_nlmsg_get_payload(nh);
	ifi->ifi_change = IFF_UP; /* down */
	mnl_attr_put_strz(nh, IFLA_IFNAME, name);
	if ((error = ngd_fast_talk(nl, seqp, nh, NULL, NULL)) != EBUSY)
		return error;
	nh = ngd_fast_linkreq(buf, sizeof(buf), RTM_NEWLINK, ifindex);
	ifi = mnl_nlmsg_get_payload(nh);
	ifi->ifi_change = IFF_UP;
	(void)ngd_fast_talk(nl, seqp, nh, NULL, NULL);
	nh = ngd_fast_linkreq(buf, sizeof(buf), RTM_NEWLINK, ifindex);
	mnl_attr_put_strz(nh, IFLA_IFNAME, name);
	return ngd_fast_talk(nl, seqp, nh, NULL, NULL);
}

/* rtnetlink in the namespace /run/netns/placed, if the data plane calls
 * it nsid (NULL: it has gone, or is another). */
static struct mnl_socket *
ngd_fast_nl_placed(struct ngd_fast *fp, const char *placed, int nsid)
{
	struct mnl_socket *nl = NULL;
	char path[PATH_MAX];
	int fd, id;

	if (placed == NULL || placed[0] == '\0')
		return NULL;
	snprintf(path, sizeof(path), "/run/netns/%s", placed);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return NULL;
	if (ngd_fast_nsid(fp, fd, &id) == 0 && id == nsid)
		(void)ngd_fast_nl_in(fp, fd, &nl);
	close(fd);
	return nl;
}

/*
 * The pair whose graph-side end is gidx retired: into the data plane's
 * retired group, deleted with the next batch.  Its interface (the peer
 * old describes) gets a retired name and goes down at once, as a device
 * moved away would leave: the name is free for the new one and others.
 * That is done at home, and where vnet placed it (placed) while that
 * name still names its namespace; one whose namespace lost its name
 * (ip netns del, jail -r: it is dying, and its death deletes the pair
 * first) or was put elsewhere by hand stays as it is until the batch.
 * Returns 0 (in the batch, renamed), EBUSY (in the batch under its
 * name) or ENODEV (gone already, or deleted alone).
 */
static int
ngd_fast_retire(struct ngd_fast *fp, int gidx, const struct ngd_veth_peer *old,
    const char *placed)
{
	char buf[256], name[IFNAMSIZ];
	struct nlmsghdr *nh;
	struct mnl_socket *nl;
	unsigned seq = 0;
	int error;

	/* The group first: killed before the rename, the next ngd deletes
	 * the pair; renamed first, it would take the old end back (the
	 * journal may name it) with its retired name. */
	nh = ngd_fast_linkreq(buf, sizeof(buf), RTM_NEWLINK, gidx);
	mnl_attr_put_u32(nh, IFLA_GROUP, fp->retire_group);
	error = ngd_fast_talk(fp->rtnl, &fp->seq, nh, NULL, NULL);
	if (error == ENODEV) /* gone already: its namespace died (jail -r) */
		return ENODEV;
	if (error != 0) { /* it goes alone */
		nh = ngd_fast_linkreq(buf, sizeof(buf), RTM_DELLINK, gidx);
		(void)ngd_fast_talk(fp->rtnl, &fp->seq, nh, NULL, NULL);
		return ENODEV;
	}
	error = EBUSY;
	if (old != NULL && ngd_fast_nsid_home(fp, old->nsid)) {
		ngd_retire_name(fp->nd, name);
		error = ngd_fast_rename_down(fp->nd->rtnl, &fp->nd->rtnl_seq,
		    old->ifindex, name);
		if (error != 0)
			ngd_log(LOG_DEBUG, "%s: not renamed on retiring: %s",
			    old->name, strerror(error));
	} else if (old != NULL &&
	    (nl = ngd_fast_nl_placed(fp, placed, old->nsid)) != NULL) {
		ngd_retire_name(fp->nd, name);
		error = ngd_fast_rename_down(nl, &seq, old->ifindex, name);
		mnl_socket_close(nl);
	}
	ngd_fast_stale(fp);
	ngd_fast_retired_one(fp);
	return error == 0 ? 0 : EBUSY;
}

/* The ends in gidx's kernel chain, an uplink's counting as many: what
 * every frame to the LAN is redirected to is best found first. */
static unsigned
ngd_fast_chain_load(struct ngd_fast *fp, int gidx)
{
	uint32_t c = (uint32_t)gidx % NGD_FAST_DEV_CHAINS;

	if (ngd_fast_eth_chain(fp->eth, c, NGD_FAST_DEV_CHAINS))
		return UINT_MAX;
	return fp->nchain[c];
}

/* An index no device of the data plane has, for a new graph-side end:
 * above every pair's (ngd_fast_saw_gidx keeps next_gidx there: O(1)),
 * the one of the next NGD_FAST_GIDX_WINDOW whose kernel chain holds the
 * fewest ends and no uplink (NGD_FAST_DEV_CHAINS).  Asked of the kernel
 * (probe) only once the one chosen unasked was taken: the data plane is
 * ngd's, where only the kernel's own choices (an uplink, a pair it gave
 * an index) may have gone past next_gidx; a request a jail, otherwise. */
static int
ngd_fast_free_gidx(struct ngd_fast *fp, bool probe)
{
	struct ngd_fast_link l;
	unsigned load, best;
	int g;

	for (int i = 0; i < 64; i++, fp->next_gidx++) {
		g = fp->next_gidx;
		best = ngd_fast_chain_load(fp, g);
		for (int k = 1; k < NGD_FAST_GIDX_WINDOW; k++)
			if ((load = ngd_fast_chain_load(fp,
				 fp->next_gidx + k)) < best) {
				best = load;
				g = fp->next_gidx + k;
			}
		if (g > 1 &&
		    (!probe || ngd_fast_getlink(fp, -1, g, &l) == ENODEV)) {
			fp->next_gidx = g + 1;
			return g;
		}
	}
	return 0; /* the kernel's choice */
}

/* The index of the data plane's device name (0: none). */
static int
ngd_fast_index_of(struct ngd_fast *fp, const char *name)
{
	char buf[256];
	struct nlmsghdr *nh;
	struct ngd_fast_link l;

	nh = ngd_fast_linkreq(buf, sizeof(buf), RTM_GETLINK, 0);
	mnl_attr_put_strz(nh, IFLA_IFNAME, name);
	memset(&l, 0, sizeof(l));
	if (ngd_fast_talk(fp->rtnl, &fp->seq, nh, ngd_fast_link_cb, &l) != 0)
		return 0;
	return l.ifindex;
}

/* The interface's flags a new one keeps (up is not: a device moved to
 * another namespace arrives down; promiscuity and allmulti count users,
 * who stay behind). */
#define NGD_VETH_KEEP_FLAGS                                                    \
	(IFF_NOARP | IFF_MULTICAST | IFF_DEBUG | IFF_DYNAMIC)

/*
 * vnet's work: v's interface made anew in the namespace nsfd.  A new
 * pair whose peer is made there, with the interface's name and MAC and,
 * from old (NULL: the interface could not be read), its MTU, queue
 * length, flags and index (a new one only where that index is taken);
 * its addresses stay behind, as a move would leave them.  The new
 * graph-side end takes over v's port: its id, its entries and counters
 * in the maps, its program and pin, its place in a direct edge, hub or
 * bridge; the old pair is retired (ngd_fast_retire).  No grace period of
 * its own, where moving the interface costs one (dev_change_net_namespace
 * waits for RCU under the RTNL lock: 16-25 ms here, one at a time).
 */
static int
ngd_veth_remake(struct ngd_veth *v, int nsfd, const struct ngd_veth_peer *old,
    bool up, const char *ifname, const uint8_t mac[6],
    struct ngd_fast_link *made)
{
	struct ngd_fast *fp = v->fp;
	struct ngd_veth_spec vs = { 0 };
	struct ngd_fast_link l;
	char buf[1024], gname[IFNAMSIZ], oldname[IFNAMSIZ];
	struct nlmsghdr *nh;
	int gidx, oldgidx, oldlink, error;
	uint32_t id, key, br;
	bool resync, heard, probed = false;

	snprintf(gname, sizeof(gname), "ngdp%u", fp->npairs++);
	vs.name = gname;
	vs.ifindex = ngd_fast_free_gidx(fp, false);
	vs.up = up;
	vs.peer = ifname;
	vs.netns = nsfd;
	vs.mac = mac;
	if (old != NULL) {
		vs.mtu = old->mtu;
		vs.txqlen = old->txqlen;
		vs.peer_ifindex = old->ifindex;
		vs.peer_flags = old->flags;
		vs.peer_change = NGD_VETH_KEEP_FLAGS;
	}
	for (;;) {
		nh = ngd_veth_newlink_spec(buf, sizeof(buf), &vs);
		error = ngd_fast_newpair(fp, nh, made);
		if (error != EBUSY) /* an index taken */
			break;
		/* The graph-side end's, chosen unasked?  Then one asked. */
		if (vs.ifindex != 0 && !probed) {
			probed = true;
			if (ngd_fast_getlink(fp, -1, vs.ifindex, &l) !=
			    ENODEV) {
				vs.ifindex = ngd_fast_free_gidx(fp, true);
				continue;
			}
		}
		if (vs.peer_ifindex != 0)
			vs.peer_ifindex = 0; /* there: the interface's */
		else if (vs.ifindex != 0)
			vs.ifindex = 0;
		else
			break;
	}
	if (error != 0)
		return error; /* EEXIST: the name is taken there */
	if ((gidx = vs.ifindex) == 0 && (gidx = made->ifindex) <= 0 &&
	    (gidx = ngd_fast_index_of(fp, gname)) == 0) {
		ngd_log(LOG_ERR, "%s: its new pair cannot be found", ifname);
		nh = ngd_fast_linkreq(buf, sizeof(buf), RTM_DELLINK, 0);
		mnl_attr_put_strz(nh, IFLA_IFNAME, gname); /* and its peer */
		(void)ngd_fast_talk(fp->rtnl, &fp->seq, nh, NULL, NULL);
		return ENODEV;
	}
	nh = ngd_fast_linkreq(buf, sizeof(buf), RTM_NEWLINK, gidx);
	mnl_attr_put_strz(nh, IFLA_IFALIAS, NGD_FAST_IFALIAS);
	(void)ngd_fast_talk(fp->rtnl, &fp->seq, nh, NULL, NULL);

	/* The port moves to the new end: what the old one forwarded is
	 * counted first, and its entries go once the new ones are in.
	 * Whether its port saw any frame since its id was given (every
	 * frame is counted, one way or another): if not, a bridge learned
	 * no host on it. */
	heard = !ngd_veth_fold(v) || v->seen.fast_pkts != 0 ||
	    v->seen.slow_pkts != 0 || v->seen.dropped != 0; /* as just read */
	oldgidx = v->gidx;
	oldlink = v->link;
	memcpy(oldname, v->gname, sizeof(oldname));
	ngd_fast_saw_gidx(fp, gidx);
	v->gidx = gidx;
	ngd_fast_index(v);
	memcpy(v->gname, gname, sizeof(v->gname));
	v->link = -1;
	v->down = false; /* until the new end's news (ngd_fast_carrier) */
	if ((error = ngd_fast_attach(fp, fp->prog_port, gidx, &v->link)) != 0) {
		if (v->link >= 0)
			close(v->link);
		v->gidx = oldgidx;
		ngd_fast_index(v);
		memcpy(v->gname, oldname, sizeof(v->gname));
		v->link = oldlink;
		/* Deleted now, not retired: its peer holds the interface's
		 * name where it went until the batch, and the caller's next
		 * step (jail(8) moves the old one itself) would find it taken
		 * (EEXIST).  One grace period, on a failure only. */
		nh = ngd_fast_linkreq(buf, sizeof(buf), RTM_DELLINK, gidx);
		(void)ngd_fast_talk(fp->rtnl, &fp->seq, nh, NULL, NULL);
		return error;
	}
	/* A hub's members and vlan ports name the end: the sync rewrites
	 * them (O(ports): only for those).  A bridge's port and a direct
	 * edge or uplink follow here. */
	resync = v->hub != 0 ||
	    ngd_fast_vl_of(fp->vl, (uint32_t)oldgidx) != 0 ||
	    ngd_fast_vl_trunk_of(fp->vl, (uint32_t)oldgidx) != 0;
	br = ngd_fast_br_of(fp->br, (uint32_t)oldgidx);
	ngd_fast_br_repoint(fp->br, (uint32_t)oldgidx, (uint32_t)gidx, heard);
	if (br != 0 && ngd_fast_br_of(fp->br, (uint32_t)gidx) != br)
		resync = true; /* not taken over: the sync rebuilds it */
	(void)ngd_veth_port(v);
	id = v->id;
	key = (uint32_t)gidx;
	(void)bpf_map_update_elem(fp->ids_fd, &id, &key, BPF_ANY);
	if (v->direct != NULL) /* its peer's frames to the new end */
		(void)ngd_veth_port(v->direct);
	ngd_fast_eth_repoint(fp->eth, (uint32_t)oldgidx, (uint32_t)gidx);
	ngd_fast_pin_link_drop(fp->pin, oldgidx);
	ngd_fast_pin_link(fp->pin, gidx, v->link);
	/* The sync follows a client's message before its reply, or comes
	 * before the loop sleeps. */
	if (resync)
		fp->sync_due = true;
	/* The old end forwards no more: with no port entry its program
	 * drops what comes (as a device gone would); then what it forwarded
	 * since the fold is counted, by the same path (both ends count
	 * into the port's id).  Its link stays until the batch deletes it
	 * (NGD_FAST_RETIRE_MAX). */
	ngd_fast_port_del(fp, (uint32_t)oldgidx);
	ngd_veth_fold(v);
	(void)ngd_fast_retire(fp, oldgidx, old, ngd_netdev_placed(v->dev));
	ngd_fast_keep_oldlink(fp, oldlink);
	return 0;
}

/*
 * vnet: the interface made anew in the namespace netns names ("" or "."
 * ngd's own, else a name under /run/netns), keeping its name, MAC, node
 * and hooks (ngd_veth_remake).  Already there: nothing changes.  An
 * interface that cannot be read (its namespace is dying, or lingers
 * with no name and no process to find it by: a jail removed all at
 * once drops its name first) is made anew all the same.
 */
static int
ngd_fast_vnet(void *be, struct ng_netdev *dev, const char *netns,
    enum ng_netdev_kind kind, const char *ifname, const uint8_t mac[6],
    struct ng_node *node, struct ng_netdev **devp)
{
	struct ngd_fast *fp = be;
	struct ngd_veth *v = ngd_netdev_veth(dev);
	struct ngd_veth_peer p;
	struct ngd_fast_link made;
	struct ng_ifdev *d;
	char path[PATH_MAX];
	bool home, have;
	int nsfd, nsid, error;

	if (!ngd_vnet_permitted(netns))
		return EPERM;
	if (v == NULL)
		return fp->nd->ops.vnet(fp->nd, dev, netns, kind, ifname, mac,
		    node, devp);
	*devp = dev;
	home = netns[0] == '\0' || strcmp(netns, ".") == 0;
	if (home)
		nsfd = dup(fp->nd->own_netns);
	else if (strchr(netns, '/') != NULL || strcmp(netns, "..") == 0 ||
	    strlen(netns) > NAME_MAX)
		return EINVAL;
	else {
		snprintf(path, sizeof(path), "/run/netns/%s", netns);
		nsfd = open(path, O_RDONLY | O_CLOEXEC);
	}
	if (nsfd < 0)
		return errno;
	have = ngd_veth_peer(v, &p) == 0;
	if (have && ngd_fast_nsid(fp, nsfd, &nsid) == 0 && nsid >= 0 &&
	    nsid == p.nsid) {
		close(nsfd);
		if (home)
			(void)ngd_netdev_place(dev, NULL);
		return 0; /* already there */
	}
	d = node->type->netdev != NULL && node->priv != NULL ?
	    node->type->netdev->ifdev(node) :
	    NULL;
	/* The carrier the hooks want (the old end may be gone already). */
	error = ngd_veth_remake(v, nsfd, have ? &p : NULL,
	    d != NULL && d->carrier, ifname, mac, &made);
	ngd_veth_changed(v);
	if (error == 0) /* as made: the journal need not read it */
		ngd_veth_made(v, &made, ifname, mac);
	close(nsfd);
	if (error != 0)
		return error;
	if (!home && (error = ngd_netdev_place(dev, netns)) != 0)
		ngd_log(LOG_WARNING, "%s: its namespace is not watched: %s",
		    ifname, strerror(error));
	if (home)
		(void)ngd_netdev_place(dev, NULL);
	if (!have)
		ngd_log(LOG_INFO,
		    "%s: its namespace cannot be reached; made "
		    "anew %s",
		    ifname, home ? "at home" : netns);
	return 0;
}

/*
 * A graph-side end's flags as the kernel last told them: with no carrier
 * (its interface is down, or the end itself) a copy of a flood would be
 * dropped by veth_xmit, so a bridge's floods pass it by
 * (ngd_fast_br_carrier) until it has one again.  The news of a carrier
 * comes from linkwatch, which is also when a kernel bridge lets a port
 * with a carrier forward again; this one after ngd read it.
 */
static void
ngd_fast_carrier(struct ngd_veth *v, unsigned flags)
{
	bool down = !(flags & IFF_LOWER_UP);

	if (v->down == down)
		return;
	if (v->hub != 0) { /* what its hub sent so far, by the old state */
		v->fp->mark++;
		ngd_fast_fold_group(v->fp, v->hub);
	}
	v->down = down;
	ngd_fast_br_carrier(v->fp->br, (uint32_t)v->gidx, down);
	ngd_fast_hub_carrier(v);
	/* a vlan filter's or nomatch's port down: its VID is ngd's until
	 * it is up (fastpath_vlan.c), before the loop sleeps */
	if (ngd_fast_vl_port(v->fp->vl, (uint32_t)v->gidx))
		v->fp->sync_due = true;
}

/* A graph-side end went: the pair was deleted (ip link del on the
 * interface, its namespace destroyed), and the node makes it anew; or
 * its flags changed (ngd_fast_carrier).  The news may come after the
 * index was given again (a retired pair's, deleted by the batch, or one
 * of ours, to a pair made since in the same pass): it is of ours only if
 * index and name (ngdp<n>, never given twice) both match. */
static int
ngd_fast_mon_cb(const struct nlmsghdr *nh, void *arg)
{
	struct ngd_fast *fp = arg;
	const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nh);
	struct ngd_fast_link l;

	if (nh->nlmsg_type != RTM_DELLINK && nh->nlmsg_type != RTM_NEWLINK)
		return MNL_CB_OK;
	memset(&l, 0, sizeof(l));
	(void)mnl_attr_parse(nh, sizeof(*ifi), ngd_fast_link_attr, &l);
	if (ifi->ifi_index == fp->tap_ifindex && nh->nlmsg_type == RTM_NEWLINK)
		ngd_fast_slow_room(fp, l.txqlen); /* its rings, resized */
	for (struct ngd_veth *v = *ngd_fast_bucket(fp, ifi->ifi_index);
	     v != NULL; v = v->inext)
		if (v->gidx == ifi->ifi_index) {
			if (strcmp(v->gname, l.name) != 0)
				continue; /* an older device's news */
			if (nh->nlmsg_type == RTM_NEWLINK) {
				ngd_fast_carrier(v, ifi->ifi_flags);
				break;
			}
			v->gidx = 0; /* nothing left to delete */
			ngd_fast_index(v);
			ng_netdev_gone(v->node); /* frees v */
			break;
		}
	return MNL_CB_OK;
}

/* Every pair whose graph-side end went unseen is made anew: their nodes
 * are listed first, as each one made anew changes the list of pairs. */
static void
ngd_fast_recheck(struct ngd_fast *fp)
{
	struct ng_node **gone = NULL;
	size_t n = 0, max = 0;

	for (struct ngd_veth *v = fp->veths; v != NULL; v = v->next) {
		struct ngd_fast_link l;
		int error = ngd_fast_getlink(fp, -1, v->gidx, &l);

		if (error == 0 && strcmp(l.name, v->gname) == 0)
			ngd_fast_carrier(v, l.flags); /* its news lost too */
		if (error != ENODEV &&
		    (error != 0 || strcmp(l.name, v->gname) == 0))
			continue;
		if (n == max) {
			size_t m = max ? 2 * max : 16;
			struct ng_node **a = realloc(gone, m * sizeof(*a));

			if (a == NULL)
				break; /* the rest, at the next loss */
			gone = a;
			max = m;
		}
		v->gidx = 0; /* nothing, or another's, to delete */
		ngd_fast_index(v);
		gone[n++] = v->node;
	}
	for (size_t i = 0; i < n; i++)
		ng_netdev_gone(gone[i]);
	free(gone);
}

static void
ngd_fast_mon(void *arg, uint32_t events)
{
	struct ngd_fast *fp = arg;
	char buf[NGD_FAST_NLBUF];
	ssize_t n;

	(void)events;
	while ((n = recv(fp->mon.fd, buf, sizeof(buf), MSG_DONTWAIT)) > 0)
		if (!fp->held) /* else the new ngd's, which may flush them */
			(void)mnl_cb_run(buf, (size_t)n, 0, 0, ngd_fast_mon_cb,
			    fp);
	if (n < 0 && errno == ENOBUFS) /* events lost: check every pair */
		ngd_fast_recheck(fp);
}

/*
 * The takeover failed: a new ngd of another build (an upgrade) may have
 * swapped its programs into the links and pinned them as its build's
 * before it died.  The links run this ngd's programs again (each left as
 * it is if it does: the same build's new ngd took them), and this ngd's
 * programs are pinned again under its build, the other build's unpinned:
 * else the frames stayed on programs this ngd does not know, and a later
 * takeover of this build, taking its pinned programs, would leave the
 * links on the dead one's.
 */
static void
ngd_fast_reclaim(struct ngd_fast *fp)
{
	struct bpf_link_info info;
	uint32_t len = sizeof(info), tap_id;
	unsigned nfailed = 0;
	int error, first = 0;

	if (!fp->loaded || fp->skel == NULL)
		return;
	ngd_fast_pin_obj_progs(fp->pin, fp->skel->obj, fp->progs_taken,
	    fp->nprogs_taken);
	for (struct ngd_veth *v = fp->veths; v != NULL; v = v->next)
		if (v->link >= 0 &&
		    (error = ngd_fast_pin_link_run(v->link, fp->prog_port,
			 fp->prog_port_id)) != 0 &&
		    nfailed++ == 0)
			first = error;
	/* The slow path's TAP, which the new ngd served on too: its links
	 * and its steering, if it gave them its own (its ingress link runs
	 * another program then; the steering cannot be read back). */
	memset(&info, 0, sizeof(info));
	tap_id = ngd_fast_pin_prog_id(fp->prog_tap);
	if (fp->tap_link >= 0 && tap_id != 0 &&
	    bpf_obj_get_info_by_fd(fp->tap_link, &info, &len) == 0 &&
	    info.prog_id != tap_id) {
		if ((error = ngd_fast_pin_link_run(fp->tap_link, fp->prog_tap,
			 tap_id)) != 0 ||
		    (error = ngd_fast_pin_link_run(fp->tap_elink,
			 fp->prog_slowq,
			 ngd_fast_pin_prog_id(fp->prog_slowq))) != 0 ||
		    (ioctl(fp->tap[0].io.fd, TUNSETSTEERINGEBPF,
			 &fp->prog_steer) < 0 &&
			(error = errno) != 0))
			if (nfailed++ == 0)
				first = error;
	}
	if (nfailed > 0)
		ngd_log(LOG_WARNING,
		    "data path: %u links do not run this ngd's program "
		    "again: %s",
		    nfailed, strerror(first));
}

void
ngd_fast_hold(struct ngd_fast *fp, bool hold)
{
	int error;

	if (fp == NULL)
		return;
	if (hold) /* the new ngd is to find no retired pair */
		ngd_fast_flush_retired(fp, true);
	fp->held = hold;
	if (hold)
		return;
	ngd_fast_reclaim(fp);
	ngd_fast_recheck(fp); /* what went meanwhile is made anew */
	/* The new ngd may have sent the frames for ngd to its TAP, which
	 * went with it: to this one's again. */
	if (fp->loaded && fp->tap_ifindex > 0 && !fp->tap_later &&
	    (error = ngd_fast_tap_serve(fp)) != 0)
		ngd_log(LOG_WARNING,
		    "data path: frames for ngd not sent to this ngd's TAP "
		    "again: %s",
		    strerror(error));
}

/* --- start and stop ----------------------------------------------------- */

/*
 * A sysctl of the namespace the thread is in, written only if it is not
 * val already: disable_ipv6 takes the RTNL lock on every write, the same
 * value or not, and while another holds it (any namespace's link
 * changes) the write is restarted over and over, spinning (0.4 s of
 * one traced takeover here, in a namespace where it was set long ago).
 */
void
ngd_fast_sysctl(const char *path, const char *val)
{
	char now[32];
	ssize_t n;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) >= 0) {
		n = read(fd, now, sizeof(now) - 1);
		close(fd);
		if (n > 0) {
			now[n] = '\0';
			now[strcspn(now, "\n")] = '\0';
			if (strcmp(now, val) == 0)
				return;
		}
	}
	if ((fd = open(path, O_WRONLY | O_CLOEXEC)) < 0)
		return;
	if (write(fd, val, strlen(val)) < 0)
		ngd_log(LOG_DEBUG, "%s: %s", path, strerror(errno));
	close(fd);
}

/* The data-plane namespace, and rtnetlink inside it. */
static int
ngd_fast_dataplane(struct ngd_fast *fp)
{
	int one = 1, error = 0;

	if (fp->dp_netns >= 0) { /* the last ngd's, pinned (adopting) */
		if (setns(fp->dp_netns, CLONE_NEWNET) < 0)
			return errno;
	} else if (unshare(CLONE_NEWNET) < 0)
		return errno;
	else if ((fp->dp_netns = open("/proc/thread-self/ns/net",
		      O_RDONLY | O_CLOEXEC)) < 0)
		error = errno;
	/* The graph-side ends carry the graph's frames and none of their
	 * own: no IPv6 link-local addresses, router solicitations, DAD. */
	ngd_fast_sysctl("/proc/sys/net/ipv6/conf/all/disable_ipv6", "1");
	ngd_fast_sysctl("/proc/sys/net/ipv6/conf/default/disable_ipv6", "1");
	if (error == 0) {
		fp->rtnl = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
		if (fp->rtnl == NULL ||
		    mnl_socket_bind(fp->rtnl, 0, MNL_SOCKET_AUTOPID) < 0)
			error = errno;
		else
			(void)mnl_socket_setsockopt(fp->rtnl,
			    NETLINK_GET_STRICT_CHK, &one, sizeof(one));
	}
	if (error == 0) {
		struct sockaddr_nl sa = { .nl_family = AF_NETLINK,
			.nl_groups = RTMGRP_LINK };

		int sz = NGD_FAST_MON_BUF;

		fp->mon.fd = socket(AF_NETLINK,
		    SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, NETLINK_ROUTE);
		if (fp->mon.fd < 0 ||
		    bind(fp->mon.fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
			error = errno;
		/* Past the sysctl limit when ngd may (root); else that. */
		else if (setsockopt(fp->mon.fd, SOL_SOCKET, SO_RCVBUFFORCE, &sz,
			     sizeof(sz)) < 0)
			(void)setsockopt(fp->mon.fd, SOL_SOCKET, SO_RCVBUF, &sz,
			    sizeof(sz));
	}
	if (setns(fp->nd->own_netns, CLONE_NEWNET) < 0) {
		ngd_log(LOG_CRIT, "cannot return to ngd's namespace: %s",
		    strerror(errno));
		abort();
	}
	return error;
}

/* The build of the programs: a hash of the object that the skeleton
 * embeds, which names their pins. */
static uint64_t
ngd_fast_build(void)
{
	static uint64_t h;
	const void *p;
	size_t n;

	if (h == 0) {
		p = ng_fast_bpf__elf_bytes(&n);
		h = ngd_fast_pin_hash(p, n);
	}
	return h;
}

/* The fd of the object's program want: loaded, or taken. */
static int
ngd_fast_prog_fd(const struct ngd_fast *fp, const struct bpf_program *want)
{
	return ngd_fast_pin_prog_fd(fp->skel->obj, want, fp->progs_taken,
	    fp->nprogs_taken);
}

/*
 * The programs loaded through their skeleton (a map or program the
 * object lacks is a compile error, not a failure here), the fds kept;
 * adopting, the pinned maps, and the pinned programs if they are this
 * build's.
 */
static int
ngd_fast_load(struct ngd_fast *fp)
{
	struct ng_fast_bpf *skel;
	bool taken = false;
	int error;

	if ((fp->skel = skel = ng_fast_bpf__open()) == NULL)
		return errno != 0 ? errno : EINVAL;
	ngd_fast_pin_build(fp->pin, ngd_fast_build());
	if (fp->adopting) { /* the pinned maps, if they suit */
		ngd_fast_pin_reuse_maps(fp->pin, skel->obj);
		/* The last ngd's programs, if they are this build's and
		 * run on the maps this ngd takes (every program or none);
		 * an ngd of another build (an upgrade) finds none of its
		 * own, loads its programs and swaps them in (DESIGN
		 * decision 12). */
		fp->nprogs_taken = ngd_fast_pin_take_progs(fp->pin, skel->obj,
		    fp->progs_taken, NGD_FAST_PROGS_MAX);
		taken = fp->nprogs_taken > 0;
	}
	if ((error = ng_fast_bpf__load(skel)) != 0)
		return -error;
	if (fp->adopting) { /* and those an older ngd had and this one not */
		ngd_fast_pin_prune_maps(fp->pin, skel->obj);
		ngd_fast_pin_obj_progs(fp->pin, fp->skel->obj, fp->progs_taken,
		    fp->nprogs_taken);
		ngd_log(LOG_INFO, "data path: %s",
		    taken ? "the last ngd's programs are this build's: "
			    "they run on" :
			    "the last ngd's programs replaced by this one's");
	}
	fp->prog_port = ngd_fast_prog_fd(fp, skel->progs.ng_fast_port);
	fp->prog_port_id = ngd_fast_pin_prog_id(fp->prog_port);
	fp->prog_tap = ngd_fast_prog_fd(fp, skel->progs.ng_fast_tap);
	fp->prog_steer = ngd_fast_prog_fd(fp, skel->progs.ng_fast_steer);
	fp->prog_slowq = ngd_fast_prog_fd(fp, skel->progs.ng_fast_slowq);
	fp->ports_fd = bpf_map__fd(skel->maps.ng_fast_ports);
	_Static_assert(sizeof(struct ng_fast_bpf_ifport) % 8 == 0,
	    "ng_fast_ifs's stride, mapped");
	(void)ngd_ifslots_map(&fp->ifs, bpf_map__fd(skel->maps.ng_fast_ifs),
	    NG_FAST_BPF_IF_SLOTS, sizeof(struct ng_fast_bpf_ifport),
	    offsetof(struct ng_fast_bpf_ifport, port),
	    sizeof(struct ng_fast_bpf_port), fp->adopting, "fastpath");
	fp->ids_fd = bpf_map__fd(skel->maps.ng_fast_ids);
	fp->cfg_fd = bpf_map__fd(skel->maps.ng_fast_cfg);
	fp->stats_fd = bpf_map__fd(skel->maps.ng_fast_pstats);
	fp->members_fd = bpf_map__fd(skel->maps.ng_fast_members);
	fp->groups_fd = bpf_map__fd(skel->maps.ng_fast_groups);
	_Static_assert(sizeof(struct ng_fast_bpf_slow) % 8 == 0,
	    "ng_fast_slows's stride, mapped");
	fp->slow = mmap(NULL, NGD_FAST_SLOW_SIZE, PROT_READ | PROT_WRITE,
	    MAP_SHARED, bpf_map__fd(skel->maps.ng_fast_slows), 0);
	if (fp->slow == MAP_FAILED) { /* every frame goes, as before */
		ngd_log(LOG_WARNING,
		    "data path: the slow path's queues are not "
		    "shared fairly: %s",
		    strerror(errno));
		fp->slow = NULL;
	}
	return 0;
}

/* Interface name's txqlen set to qlen, in the namespace ngd is in;
 * *got: what it is after, refused or not (0: unknown). */
static int
ngd_fast_txqlen(const char *name, int qlen, unsigned *got)
{
	struct ifreq ifr;
	int s, error = 0;

	*got = 0;
	if ((s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0)) < 0)
		return errno;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	ifr.ifr_qlen = qlen;
	if (ioctl(s, SIOCSIFTXQLEN, &ifr) < 0)
		error = errno;
	if (ioctl(s, SIOCGIFTXQLEN, &ifr) == 0 && ifr.ifr_qlen > 0)
		*got = (unsigned)ifr.ifr_qlen;
	close(s);
	return error;
}

/* The frames for ngd to the TAP from now on: its queues empty, their
 * room, its ifindex in the config map. */
static int
ngd_fast_tap_serve(struct ngd_fast *fp)
{
	uint32_t zero = 0, idx = (uint32_t)fp->tap_ifindex;

	fp->tap_later = false;
	ngd_fast_slow_reset(fp);
	ngd_fast_slow_room(fp, fp->tap_ring);
	if (bpf_map_update_elem(fp->cfg_fd, &zero, &idx, BPF_ANY) < 0)
		return errno;
	return 0;
}

/*
 * The last ngd's slow-path TAP, handed over in a takeover (takeover.c):
 * its queues' descriptors in their order, its two links, its ifindex.
 * Process-wide, as the data plane's namespace given is (fastpath_pin.c):
 * given before the fast path is made, taken by ngd_fast_tap_take.
 */
static struct {
	uint32_t ifindex;
	int q[NG_FAST_BPF_SLOW_QUEUES];
	int link, elink;
	bool any;
} ngd_fast_tap_given_;

static void
ngd_fast_tap_given_init(void)
{
	if (ngd_fast_tap_given_.any)
		return;
	ngd_fast_tap_given_.any = true;
	ngd_fast_tap_given_.ifindex = 0;
	for (int i = 0; i < NG_FAST_BPF_SLOW_QUEUES; i++)
		ngd_fast_tap_given_.q[i] = -1;
	ngd_fast_tap_given_.link = ngd_fast_tap_given_.elink = -1;
}

static void
ngd_fast_close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

void
ngd_fast_tap_given(uint32_t what, uint32_t ifindex, int fd)
{
	int *slot = NULL;

	ngd_fast_tap_given_init();
	if (what < NG_FAST_BPF_SLOW_QUEUES)
		slot = &ngd_fast_tap_given_.q[what];
	else if (what == NGD_FAST_TAP_LINK)
		slot = &ngd_fast_tap_given_.link;
	else if (what == NGD_FAST_TAP_ELINK)
		slot = &ngd_fast_tap_given_.elink;
	if (slot == NULL || ifindex == 0 ||
	    (ngd_fast_tap_given_.ifindex != 0 &&
		ngd_fast_tap_given_.ifindex != ifindex)) {
		close(fd);
		return;
	}
	ngd_fast_tap_given_.ifindex = ifindex;
	ngd_fast_close_fd(slot);
	*slot = fd;
}

/* Those not taken closed (a TAP-model ngd's, or one that made its own). */
void
ngd_fast_tap_given_drop(void)
{
	ngd_fast_tap_given_init();
	for (int i = 0; i < NG_FAST_BPF_SLOW_QUEUES; i++)
		ngd_fast_close_fd(&ngd_fast_tap_given_.q[i]);
	ngd_fast_close_fd(&ngd_fast_tap_given_.link);
	ngd_fast_close_fd(&ngd_fast_tap_given_.elink);
	ngd_fast_tap_given_.ifindex = 0;
}

/* The old ngd: its TAP's descriptors to fn, each with what it is
 * (ngd_fast_tap_given) and the TAP's ifindex. */
void
ngd_fast_tap_handover(struct ngd_fast *fp,
    void (*fn)(void *arg, uint32_t what, uint32_t ifindex, int fd), void *arg)
{
	if (fp == NULL || !fp->loaded || fp->tap_ifindex <= 0 ||
	    fp->tap_link < 0 || fp->tap_elink < 0)
		return;
	for (int i = 0; i < NG_FAST_BPF_SLOW_QUEUES; i++)
		if (fp->tap[i].io.fd < 0)
			return;
	for (uint32_t i = 0; i < NG_FAST_BPF_SLOW_QUEUES; i++)
		fn(arg, i, (uint32_t)fp->tap_ifindex, fp->tap[i].io.fd);
	fn(arg, NGD_FAST_TAP_LINK, (uint32_t)fp->tap_ifindex, fp->tap_link);
	fn(arg, NGD_FAST_TAP_ELINK, (uint32_t)fp->tap_ifindex, fp->tap_elink);
}

/*
 * A takeover: the last ngd's TAP, handed over, served by this ngd too
 * (the old one reads its queues until it exits: each frame is read by
 * one of them, and the counts of ng_fast_slows are kept atomically for
 * both).  No TAP is made, set up, given links or its ring's length: each
 * of those takes the RTNL lock (18 to 180 ms of a takeover at load 8-9).
 * Its links are given this ngd's programs unless they run them (the
 * same build's), and so is its steering.  Whether it was (else the
 * caller makes a TAP of its own, and what was given is closed).
 */
static bool
ngd_fast_tap_take(struct ngd_fast *fp)
{
	uint32_t zero = 0, last = 0, ifindex = ngd_fast_tap_given_.ifindex;
	char name[IF_NAMESIZE];
	unsigned ring = 0;
	struct ifreq ifr;
	int s, error = 0;

	ngd_fast_tap_given_init();
	if (!fp->adopting || ifindex == 0 || ngd_fast_tap_given_.link < 0 ||
	    ngd_fast_tap_given_.elink < 0 ||
	    bpf_map_lookup_elem(fp->cfg_fd, &zero, &last) != 0 ||
	    last != ifindex || if_indextoname(ifindex, name) == NULL)
		return false;
	for (int i = 0; i < NG_FAST_BPF_SLOW_QUEUES; i++)
		if (ngd_fast_tap_given_.q[i] < 0)
			return false;
	/* the steering the last ngd set: its program, this build's if its
	 * programs were taken */
	if (fp->nprogs_taken == 0 &&
	    ioctl(ngd_fast_tap_given_.q[0], TUNSETSTEERINGEBPF,
		&fp->prog_steer) < 0)
		error = errno;
	if (error == 0)
		error = ngd_fast_pin_link_run(ngd_fast_tap_given_.link,
		    fp->prog_tap, ngd_fast_pin_prog_id(fp->prog_tap));
	if (error == 0)
		error = ngd_fast_pin_link_run(ngd_fast_tap_given_.elink,
		    fp->prog_slowq, ngd_fast_pin_prog_id(fp->prog_slowq));
	if (error != 0) {
		ngd_log(LOG_NOTICE,
		    "data path: the last ngd's TAP %s not taken over (%s): "
		    "one of this ngd's own",
		    name, strerror(error));
		return false;
	}
	/* its ring (no lock taken to read it) */
	if ((s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0)) >= 0) {
		memset(&ifr, 0, sizeof(ifr));
		snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
		if (ioctl(s, SIOCGIFTXQLEN, &ifr) == 0 && ifr.ifr_qlen > 0)
			ring = (unsigned)ifr.ifr_qlen;
		close(s);
	}
	for (int i = 0; i < NG_FAST_BPF_SLOW_QUEUES; i++) {
		fp->tap[i].io.fd = ngd_fast_tap_given_.q[i];
		ngd_fast_tap_given_.q[i] = -1;
	}
	fp->tap_link = ngd_fast_tap_given_.link;
	fp->tap_elink = ngd_fast_tap_given_.elink;
	ngd_fast_tap_given_.link = ngd_fast_tap_given_.elink = -1;
	ngd_fast_tap_given_.ifindex = 0;
	fp->tap_ifindex = (int)ifindex;
	fp->tap_ring = ring;
	fp->tap_later = false; /* the frames for ngd go to it already */
	return true;
}

/*
 * The slow path: a non-persistent vnet-header TAP in the data plane,
 * up, with ng_fast_tap on its ingress; its ifindex in the config map.
 * NG_FAST_BPF_SLOW_QUEUES queues of NG_FAST_BPF_SLOW_RING frames, each
 * read in turn: ng_fast_steer puts a port's frames on queue
 * NG_FAST_BPF_SLOW_Q(id), so that a port whose interface floods fills
 * its own queue while the others' frames still reach ngd, and
 * ng_fast_slowq on its egress keeps room there for the ports that share
 * it.
 */
static int
ngd_fast_tap_open(struct ngd_fast *fp)
{
	unsigned offloads = TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6 |
	    TUN_F_TSO_ECN;
	struct ifreq ifr;
	unsigned ring = 0;
	int fd, error = 0, qerr;

	char name[IFNAMSIZ];
	uint32_t zero = 0, last = 0;

	if (setns(fp->dp_netns, CLONE_NEWNET) < 0)
		return errno;
	if (ngd_fast_tap_take(fp)) {
		ngd_fast_back(fp);
		for (int i = 0; error == 0 && i < NG_FAST_BPF_SLOW_QUEUES; i++)
			error = ngd_loop_add(fp->nd->loop, &fp->tap[i].io,
			    EPOLLIN);
		return error;
	}
	ngd_fast_tap_given_drop();
	/* In a takeover the old ngd's is there until it exits: a name of
	 * our own (a queue opened on the old one's name would join it).
	 * The old ngd reads its own and forwards what it reads until this
	 * one is about to serve (ngd_fast_restored), where the frames
	 * switch to this one's: until then they would wait in its queues,
	 * unread (the takeover's restore, 40-90 ms here). */
	fp->tap_later = fp->adopting &&
	    bpf_map_lookup_elem(fp->cfg_fd, &zero, &last) == 0 && last != 0 &&
	    if_indextoname(last, name) != NULL;
	for (int i = 0; i < 16; i++) {
		snprintf(name, sizeof(name), i == 0 ? "ngslow" : "ngslow%d", i);
		if (if_nametoindex(name) == 0)
			break;
		if (i == 15)
			error = EBUSY;
	}
	for (int i = 0; error == 0 && i < NG_FAST_BPF_SLOW_QUEUES; i++) {
		fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
		if (fd < 0) {
			error = errno;
			break;
		}
		fp->tap[i].io.fd = fd;
		memset(&ifr, 0, sizeof(ifr));
		ifr.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR |
		    IFF_MULTI_QUEUE;
		snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
		if (ioctl(fd, TUNSETIFF, &ifr) < 0)
			error = errno;
	}
	/* UDP GSO whole, as ngd's other TAPs take it: else the stack cuts
	 * it into its datagrams after ng_fast_slowq counted one frame,
	 * ngd reads (takes off) each, and the flooder is never refused */
	if (error == 0 &&
	    ioctl(fp->tap[0].io.fd, TUNSETOFFLOAD,
		offloads | TUN_F_USO4 | TUN_F_USO6) < 0 &&
	    ioctl(fp->tap[0].io.fd, TUNSETOFFLOAD, offloads) < 0)
		error = errno;
	if (error == 0 &&
	    ioctl(fp->tap[0].io.fd, TUNSETSTEERINGEBPF, &fp->prog_steer) < 0)
		error = errno;
	if (error == 0 &&
	    (fp->tap_ifindex = (int)if_nametoindex(ifr.ifr_name)) == 0)
		error = errno;
	/* each queue's ring (the tun driver resizes them); refused, the
	 * program shares the ring it has (ngd_fast_slow_room) */
	if (error == 0 &&
	    (qerr = ngd_fast_txqlen(ifr.ifr_name, NG_FAST_BPF_SLOW_RING,
		 &ring)) != 0)
		ngd_log(LOG_WARNING,
		    "data path: %s keeps its queues of %u frames (%s)",
		    ifr.ifr_name, ring, strerror(qerr));
	ngd_fast_back(fp);
	if (error != 0)
		return error; /* ngd_fast_free closes what was opened */
	if ((error = ngd_fast_setlink(fp, -1, fp->tap_ifindex, IFF_UP, IFF_UP,
		 NULL, NULL, -1)) != 0)
		return error;
	if ((error = ngd_fast_attach(fp, fp->prog_tap, fp->tap_ifindex,
		 &fp->tap_link)) != 0 ||
	    (error = ngd_fast_attach_at(fp, fp->prog_slowq, fp->tap_ifindex,
		 NGD_TCX_EGRESS, &fp->tap_elink)) != 0)
		return error;
	fp->tap_ring = ring;
	if (!fp->tap_later && (error = ngd_fast_tap_serve(fp)) != 0)
		return error;
	for (int i = 0; error == 0 && i < NG_FAST_BPF_SLOW_QUEUES; i++)
		error = ngd_loop_add(fp->nd->loop, &fp->tap[i].io, EPOLLIN);
	return error;
}

/*
 * Whether the kernel lets ngd load a tc program and attach it as a TCX
 * link in the data plane (on its lo, for a moment): the question the
 * fallback asks at start, answered in microseconds of the kernel's
 * time; the programs themselves wait for their first use
 * (ngd_fast_ready).
 */
static int
ngd_fast_probe(struct ngd_fast *fp)
{
	const struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K,
		    .dst_reg = BPF_REG_0,
		    .imm = -1 }, /* TC_ACT_UNSPEC: the next program */
		{ .code = BPF_JMP | BPF_EXIT },
	};
	int prog, link = -1, error;

	prog = bpf_prog_load(BPF_PROG_TYPE_SCHED_CLS, "ng_fast_probe", "GPL",
	    insns, sizeof(insns) / sizeof(insns[0]), NULL);
	if (prog < 0)
		return -prog;
	error = ngd_fast_attach_at(fp, prog, 1, NGD_TCX_INGRESS, &link);
	if (link >= 0)
		close(link);
	close(prog);
	return error;
}

/*
 * The kernel path made ready: the programs loaded (on the pinned maps
 * when adopting), the slow path's TAP, the bridges', ether nodes' and
 * vlan nodes' parts.  At start when the last ngd left a data plane;
 * else when the first eiface is made (ngd_fast_create) or an ether
 * node's hook is connected (ngd_fast_sync): an ngd that has neither
 * never pays for it (about 0.2 s of CPU, most of it the kernel making
 * the maps, and its verifier).  Failing, after the probe at start said
 * yes, it says why once, and eifaces are TAPs from then on.
 */
static int
ngd_fast_ready(struct ngd_fast *fp)
{
	int error;

	if (fp->loaded || fp->load_error != 0)
		return fp->load_error;
	if ((error = ngd_fast_load(fp)) != 0 ||
	    (error = ngd_fast_tap_open(fp)) != 0 ||
	    (error = ngd_fast_br_new(fp->skel, fp->nd->loop, &fp->br)) != 0) {
		fp->load_error = error;
		if (!fp->adopting) /* (else ngd_fast_new makes it anew) */
			ngd_log(LOG_WARNING,
			    "data path: the kernel fast path's programs "
			    "cannot be loaded (%s); eifaces made from now on "
			    "are TAP devices, frames through ngd",
			    strerror(error));
		return error;
	}
	fp->loaded = true;
	{
		struct ngd_fast_dp dp = { .netns = fp->dp_netns,
			.own_netns = fp->nd->own_netns,
			.ports_fd = fp->ports_fd,
			.stats_fd = fp->stats_fd,
			.prog_port = fp->prog_port,
			.owner = fp,
			.adopted = fp->adopting };

		if ((error = ngd_fast_eth_new(&dp, &fp->eth)) != 0)
			ngd_log(LOG_WARNING,
			    "data path: ether nodes stay on the "
			    "userspace path: %s",
			    strerror(error));
	}
	if ((error = ngd_fast_vl_new(fp->skel, fp->adopting, &fp->vl)) != 0)
		ngd_log(LOG_WARNING,
		    "data path: vlan nodes stay on the userspace path: %s",
		    strerror(error));
	fp->synced_gen = UINT64_MAX; /* the next sync is a full one */
	return 0;
}

void
ngd_fast_stopping(struct ngd_fast *fp)
{
	if (fp != NULL)
		fp->stopping = true;
}

void
ngd_fast_free(struct ngd_fast *fp)
{
	if (fp == NULL)
		return;
	if (ngd_fast_active == fp) {
		ngd_fast_active = NULL;
		ngd_netdev_after_msg(NULL);
	}
	if (fp->rtnl != NULL && !fp->held)
		ngd_fast_flush_retired(fp, true);
	/* (held: the batches closed are deleted all the same) */
	fp->draining = true;
	ngd_job_wait(&fp->retire_job);
	ngd_fast_batch_next(fp);
	ngd_fast_close_oldlinks(fp);
	free(fp->oldlinks);
	ngd_loop_cancel_sleep(fp->nd->loop, &fp->retire_hook);
	ngd_loop_close(fp->nd->loop, &fp->mon);
	for (int i = 0; i < NG_FAST_BPF_SLOW_QUEUES; i++)
		ngd_loop_close(fp->nd->loop, &fp->tap[i].io);
	if (fp->tap_link >= 0)
		close(fp->tap_link);
	if (fp->tap_elink >= 0)
		close(fp->tap_elink);
	ngd_fast_eth_free(fp->eth);
	ngd_fast_vl_free(fp->vl);
	ngd_fast_br_free(fp->br);
	ngd_ifslots_unmap(&fp->ifs);
	if (fp->slow != NULL)
		munmap(fp->slow, NGD_FAST_SLOW_SIZE);
	ng_fast_bpf__destroy(fp->skel); /* NULL ok */
	for (unsigned i = 0; i < fp->nprogs_taken; i++)
		close(fp->progs_taken[i]);
	free(fp->byid);
	while (fp->hubs != NULL) {
		struct ngd_fast_hub *g = fp->hubs;

		fp->hubs = g->next;
		ngd_fast_hub_free(g);
	}
	if (fp->rtnl != NULL)
		mnl_socket_close(fp->rtnl);
	if (fp->dp_netns >= 0)
		close(fp->dp_netns);
	ngd_fast_pin_free(fp->pin);
	free(fp);
}

int
ngd_fast_new(struct ngd_netdev *nd, const struct ng_netdev_ops **opsp,
    void **bep, struct ngd_fast **fpp)
{
	const char *env = getenv(NGD_FAST_ENV);
	struct ngd_fast_pin *pin = ngd_fast_pin_new(ngd_netdev_cookie(nd));
	struct ngd_fast *fp;
	int adopt_fd, error;
	bool ns = false;

	*opsp = &nd->ops;
	*bep = nd;
	*fpp = NULL;
	ngd_fast_pin_sweep(ngd_netdev_cookie(nd), nd->own_netns);
	if (env != NULL && strcmp(env, "0") == 0) {     /* the default: on */
		ngd_fast_pin_clean(pin, nd->own_netns); /* a last ngd's */
		ngd_fast_pin_free(pin);
		ngd_log(LOG_INFO,
		    "data path: eifaces are TAP devices, frames "
		    "through ngd (%s=0)",
		    NGD_FAST_ENV);
		return 0;
	}
	/* The data plane the last ngd of this namespace left (crash,
	 * takeover) is taken over; failing that, made anew. */
	if ((adopt_fd = ngd_fast_pin_dataplane(pin)) < 0)
		ngd_fast_pin_clean(pin, nd->own_netns); /* stale pins */
again:
	ns = false;
	if ((fp = calloc(1, sizeof(*fp))) == NULL) {
		if (adopt_fd >= 0)
			close(adopt_fd);
		ngd_fast_pin_free(pin);
		return ENOMEM;
	}
	fp->nd = nd;
	fp->retire_group = NGD_FAST_RETIRE_GROUP;
	fp->retire_cap = NGD_FAST_RETIRE_MAX;
	fp->batches_tail = &fp->batches;
	nd->fast_describe = ngd_fast_describe;
	fp->pin = pin;
	fp->dp_netns = adopt_fd;
	fp->adopting = adopt_fd >= 0;
	fp->mon.fd = -1;
	fp->mon.fn = ngd_fast_mon;
	fp->mon.arg = fp;
	for (int i = 0; i < NG_FAST_BPF_SLOW_QUEUES; i++) {
		fp->tap[i].io.fd = -1;
		fp->tap[i].io.fn = ngd_fast_tap_event;
		fp->tap[i].io.arg = &fp->tap[i];
		fp->tap[i].fp = fp;
	}
	fp->tap_link = -1;
	fp->tap_elink = -1;
	fp->prog_port = fp->prog_tap = fp->prog_steer = fp->prog_slowq = -1;
	fp->ports_fd = fp->ids_fd = fp->cfg_fd = fp->stats_fd = -1;
	fp->members_fd = fp->groups_fd = -1;
	fp->own_nsid = -1;
	fp->gen = 1;
	fp->byid = calloc(NG_FAST_BPF_MAX_PORTS + 1, sizeof(*fp->byid));
	if (fp->byid == NULL)
		error = ENOMEM;
	else if ((error = ngd_fast_dataplane(fp)) != 0 ||
	    (error = ngd_loop_add(nd->loop, &fp->mon, EPOLLIN)) != 0)
		ns = true;
	/* The last ngd's data plane is taken over now (its programs run
	 * on); else the programs wait for their first use. */
	else
		error = fp->adopting ? ngd_fast_ready(fp) : ngd_fast_probe(fp);
	if (fp->byid != NULL && error != 0) {
		bool adopting = fp->adopting;

		fp->pin = NULL;
		ngd_fast_free(fp);
		ngd_fast_pin_clean(pin, nd->own_netns);
		if (adopting) {
			ngd_log(LOG_WARNING,
			    "data path: cannot take over the "
			    "kernel fast path the last ngd left (%s): made "
			    "anew",
			    strerror(error));
			adopt_fd = -1;
			goto again;
		}
		ngd_fast_pin_free(pin);
		if (ns)
			ngd_log(LOG_WARNING,
			    "data path: no private data-plane "
			    "namespace (%s); eifaces are TAP devices, frames "
			    "through ngd",
			    strerror(error));
		else
			ngd_log(LOG_WARNING,
			    "data path: no tc programs on TCX "
			    "(%s); eifaces are TAP devices, frames through ngd",
			    strerror(error));
		return 0;
	}
	if (error != 0) {
		ngd_fast_free(fp);
		return error;
	}
	if (fp->adopting) /* new ends are named past the last ngd's */
		ngd_fast_npairs(fp);
	ngd_netdev_batch_prepare(nd); /* ngslow's reads are batches */
	fp->ops = nd->ops;
	fp->ops.create = ngd_fast_create;
	fp->ops.destroy = ngd_fast_destroy;
	fp->ops.xmit = ngd_fast_xmit;
	fp->ops.set_carrier = ngd_fast_set_carrier;
	fp->ops.set_mac = ngd_fast_set_mac;
	fp->ops.get_mac = ngd_fast_get_mac;
	fp->ops.set_name = ngd_fast_set_name;
	fp->ops.get_name = ngd_fast_get_name;
	fp->ops.set_altname = ngd_fast_set_altname;
	fp->ops.at_home = ngd_fast_at_home;
	fp->ops.name_in_use = ngd_fast_name_in_use;
	fp->ops.get_addrs = ngd_fast_get_addrs;
	fp->ops.get_info = ngd_fast_get_info;
	fp->ops.vnet = ngd_fast_vnet;
	fp->ops.adopt = ngd_fast_adopt;
	ngd_log(LOG_INFO,
	    "data path: eifaces are veth pairs with their "
	    "graph-side ends in a private namespace; frames between eifaces "
	    "joined directly or by a hub or bridge of eifaces alone cross "
	    "in the kernel, the others through ngd");
	*opsp = &fp->ops;
	*bep = fp;
	*fpp = fp;
	ngd_fast_active = fp;
	ngd_loop_before_sleep(nd->loop, &fp->retire_hook, ngd_fast_retire_due,
	    fp);
	fp->synced_gen = UINT64_MAX;
	ngd_netdev_after_msg(ngd_fast_after_msg);
	return 0;
}

/* --- for the differential test (tests/fuzz/diff_fast_ngd.c) -------------- */

int
ngd_fast_dp_netns(const struct ngd_fast *fp)
{
	return fp->dp_netns;
}

struct bpf_object *
ngd_fast_obj(const struct ngd_fast *fp)
{
	return fp->loaded ? fp->skel->obj : NULL;
}

int
ngd_fast_tap_index(const struct ngd_fast *fp)
{
	return fp->tap_ifindex;
}

uint32_t
ngd_fast_port_of_node(struct ngd_fast *fp, const struct ng_node *n,
    uint16_t *idp)
{
	struct ngd_veth *v = ngd_fast_veth_of(fp, n);

	if (v == NULL || v->gidx <= 0)
		return 0;
	if (idp != NULL)
		*idp = v->id;
	return (uint32_t)v->gidx;
}

struct ng_node *
ngd_fast_dev_node(const struct ng_netdev *dev)
{
	struct ngd_veth *v = ngd_netdev_veth(dev);

	return v != NULL ? v->node : NULL;
}

bool
ngd_fast_dev_down(const struct ng_netdev *dev)
{
	struct ngd_veth *v = ngd_netdev_veth(dev);

	return v != NULL && v->down;
}

bool
ngd_fast_node_down(struct ngd_fast *fp, const struct ng_node *n)
{
	struct ngd_veth *v = ngd_fast_veth_of(fp, n);

	return v != NULL && v->down;
}
