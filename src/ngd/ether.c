/*
 * ether.c: the backend of ether nodes (src/nodes/ng_ether_dev.h, DESIGN
 * decision 9).  It follows the links of ngd's namespace over rtnetlink
 * and gives every Ethernet interface a node, renames it with the
 * interface and removes it with it.  While a node has a hook, two
 * non-persistent vnet-header TAPs stand for the interface's two sides:
 * the tc programs of src/bpf/ng_ether.bpf.c, attached as TCX links,
 * redirect the wire's frames (lower, orphans) into the "lower" TAP and
 * the stack's (upper) into the "upper" one, and send what ngd writes into
 * a TAP on to the wire or up the stack.  The interface's own programs are
 * attached only while their direction is diverted.  ngd alone holds the
 * links and the TAPs, so when it dies the kernel detaches everything and
 * the interface works as if ngd had never been there.  Promiscuous mode
 * and multicast memberships are held by a packet socket per interface,
 * reference-counted by the kernel and dropped with the socket.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <syslog.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <linux/if_packet.h>
#include <linux/if_tun.h>
#include <linux/rtnetlink.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <libmnl/libmnl.h>

#include "ngd.h"
#include "ng_ether_dev.h"
#include "netgraph/ng_ether.h"
#include "../bpf/ng_ether_bpf.h"
#include "ng_ether.skel.h" /* bpftool's, made at build time (Makefile) */

/* TCX attach points (kernel 6.6); Debian 12's uapi headers predate them. */
#define NGD_TCX_INGRESS 46
#define NGD_TCX_EGRESS 47

#ifndef IFF_LOWER_UP /* <linux/if.h>, which <net/if.h> excludes */
#define IFF_LOWER_UP 0x10000
#endif

#ifndef TUN_F_USO4
#define TUN_F_USO4 0x20
#define TUN_F_USO6 0x40
#endif

#define NGD_ETHER_RX_BATCH 64 /* frames read per wakeup before yielding */
/*
 * The link events' socket buffer.  A jail -r '*' of hundreds of vnet
 * jails brings every interface home at once, a few events each (~1.5 KB
 * each) while ngd reads none; the default buffer (rmem_default, ~200 KB)
 * overflowed, and each loss cost a warning and a dump of every link.
 * Reading every event is the cheaper way now that one costs no question
 * to the kernel where it says enough (ngd_ether_link_msg).  Memory is
 * taken only as events wait; past the sysctl limit as root.
 */
#define NGD_ETHER_NL_BUF (8 << 20)

enum { NGD_ETHER_TAP_LOWER, NGD_ETHER_TAP_UPPER, NGD_ETHER_NTAP };
enum {
	NGD_ETHER_PROG_IN,
	NGD_ETHER_PROG_OUT,
	NGD_ETHER_PROG_TAP_LOWER,
	NGD_ETHER_PROG_TAP_UPPER,
	NGD_ETHER_NPROG
};

/* One of the two channels: a TAP and the link of its ingress program. */
struct ngd_ether_tap {
	struct ngd_io io;
	struct ng_ether_dev *dev;
	uint32_t ifindex;
	int link;
	bool stale; /* link: a takeover's, still the old ngd's program */
};

/* What a takeover hands over of a diverted interface (ngd.h). */
enum {
	NGD_ETHER_H_TAP = 0,     /* + NGD_ETHER_TAP_*: the TAPs */
	NGD_ETHER_H_TAPLINK = 2, /* + NGD_ETHER_TAP_*: their links */
	NGD_ETHER_H_IN = 4,      /* the interface's links */
	NGD_ETHER_H_OUT = 5,
	NGD_ETHER_NHANDED = 6
};

struct ngd_ether_multi {
	uint8_t mac[6];
	struct ngd_ether_multi *next;
};

/* One Ethernet interface of ngd's namespace. */
struct ng_ether_dev {
	struct ngd_ether *eth;
	struct ng_node *node; /* NULL: none (a node stands for it, detached) */
	uint32_t ifindex;
	char ifname[IFNAMSIZ];
	bool on[NG_ETHER_NDIR];
	struct ngd_ether_tap tap[NGD_ETHER_NTAP]; /* io.fd -1: closed */
	int link_in, link_out; /* the interface's TCX links, -1: off */
	/* Uplinks (fastpath_ether.c): a veth's host end that stands for
	 * the TAP of lower or upper while that hook switches in the kernel,
	 * and the link of its ingress program; 0 and -1: none. */
	uint32_t up[NGD_ETHER_NTAP];
	int up_link[NGD_ETHER_NTAP];
	/* uplinks of lower (or divert) with a wire device: what they send
	 * is tagged, so the interface's egress program is on to clear it */
	unsigned wire;
	int pfd; /* packet socket: promisc, multicast; -1 */
	struct ngd_ether_multi *multi; /* memberships the node added */
	int handed[NGD_ETHER_NHANDED]; /* a takeover's, not yet taken; -1 */
	uint32_t stats_slot; /* its counters in ng_ether_stats; 0: none yet */
	struct ng_ether_dev *next;
};

struct ngd_ether {
	struct ngd_loop *loop;
	struct ng_graph *g;
	struct mnl_socket *nl; /* link events */
	struct ngd_io nlio;
	struct ng_ether_bpf *skel; /* loaded at the first divert */
	int prog_fd[NGD_ETHER_NPROG];
	/* Pinned in <bpf dir>/<cookie>/ether (fastpath_pin.c), by build:
	 * the last ngd's programs taken (ntaken, in the object's order)
	 * if they are this build's, on its maps (reused). */
	struct ngd_fast_pin *pin;
	int taken[NGD_ETHER_NPROG];
	unsigned ntaken;
	bool reused;    /* the maps are the last ngd's */
	bool expecting; /* a takeover's links handed, not yet all taken */
	int ports_fd, stats_fd, known_fd;
	bool stats_used[NG_ETHER_BPF_MAX_PORTS]; /* [0]: the ownerless slot */
	struct ngd_ifslots ifs;                  /* ng_ether_ifs (ifslots.c) */
	int sock;                                /* for interface ioctls */
	struct ng_ether_dev *devs;
	/* Questions about links (ngd_ether_request) go on one socket,
	 * opened at the first; qbusy while its answers are being taken. */
	struct mnl_socket *qnl;
	uint32_t qseq;
	bool qbusy;
	/* Links an event left in doubt, asked about once the events read
	 * at one wakeup are taken: each once, none that went meanwhile. */
	uint32_t *again;
	size_t nagain, again_max;
};

static struct ngd_ether *ngd_ether_active; /* for fastpath_ether.c */

int
ngd_ether_new(struct ngd_loop *loop, struct ngd_ether **ethp)
{
	struct ngd_ether *eth;

	*ethp = NULL;
	eth = calloc(1, sizeof(*eth));
	if (eth == NULL)
		return ENOMEM;
	eth->loop = loop;
	eth->nlio.fd = -1;
	eth->ports_fd = eth->stats_fd = eth->known_fd = -1;
	eth->sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (eth->sock < 0) {
		int error = errno;

		free(eth);
		return error;
	}
	*ethp = eth;
	return 0;
}

/* --- the programs --------------------------------------------------------- */

/* The stack's ethertypes, for orphans: what /proc/net/ptype lists. */
static void
ngd_ether_fill_known(struct ngd_ether *eth)
{
	static const uint16_t always[] = { 0x0800, 0x0806, 0x86dd };
	char line[256];
	uint8_t one = 1;
	unsigned t;
	FILE *f;

	for (size_t i = 0; i < sizeof(always) / sizeof(always[0]); i++) {
		uint16_t be = htons(always[i]);

		(void)bpf_map_update_elem(eth->known_fd, &be, &one, BPF_ANY);
	}
	if ((f = fopen("/proc/net/ptype", "r")) == NULL)
		return;
	while (fgets(line, sizeof(line), f) != NULL) {
		if (strncmp(line, "Type", 4) == 0 ||
		    strncmp(line, "ALL", 3) == 0 ||
		    sscanf(line, "%x", &t) != 1 || t > 0xffff)
			continue;
		uint16_t be = htons((uint16_t)t);
		(void)bpf_map_update_elem(eth->known_fd, &be, &one, BPF_ANY);
	}
	fclose(f);
}

static bool ngd_ether_any_on(const struct ng_ether_dev *dev);

/*
 * The programs of an ngd of this build pinned before (a takeover's, a
 * restart's after a crash) are run on, with their maps: loading them
 * again would give the same code through the verifier, to swap it for
 * itself in the links (as the fast path's, DESIGN decision 12).  Else
 * this build's are loaded and pinned, on the pinned maps if they suit
 * (an older build's with maps of another layout: pins removed, loaded
 * anew).  The object's maps and programs pinned as it loads.
 */
static struct ng_ether_bpf *
ngd_ether_load_pinned(struct ngd_ether *eth, int *errorp)
{
	struct ng_ether_bpf *skel;
	const char *path;
	const void *elf;
	size_t n;
	bool pinned;
	int error;

	if (eth->pin == NULL)
		eth->pin = ngd_fast_pin_part(ngd_sock_cookie(eth->sock),
		    "ether");
	for (int tries = 0; tries < 2; tries++) {
		if ((skel = ng_ether_bpf__open()) == NULL) {
			*errorp = errno != 0 ? errno : EINVAL;
			return NULL;
		}
		pinned = ngd_fast_pin_part_up(eth->pin);
		if (pinned) {
			/* the build: a hash of the object the skeleton
			 * embeds */
			elf = ng_ether_bpf__elf_bytes(&n);
			ngd_fast_pin_build(eth->pin, ngd_fast_pin_hash(elf, n));
			ngd_fast_pin_reuse_maps(eth->pin, skel->obj);
			path = bpf_map__pin_path(skel->maps.ng_ether_ports);
			eth->reused = path != NULL && access(path, F_OK) == 0;
			eth->ntaken = ngd_fast_pin_take_progs(eth->pin,
			    skel->obj, eth->taken, NGD_ETHER_NPROG);
		}
		if ((error = ng_ether_bpf__load(skel)) == 0)
			break;
		ng_ether_bpf__destroy(skel);
		skel = NULL;
		while (eth->ntaken > 0)
			close(eth->taken[--eth->ntaken]);
		eth->reused = false;
		if (!pinned)
			break;
		/* the pins would not do: gone, and loaded as if none */
		ngd_log(LOG_NOTICE,
		    "ether: the pinned maps do not suit this build's "
		    "programs (%s): made anew",
		    strerror(-error));
		ngd_fast_pin_unpin(eth->pin);
		ngd_fast_pin_free(eth->pin);
		eth->pin = NULL;
	}
	if (skel == NULL) {
		*errorp = -error;
		return NULL;
	}
	if (pinned) {
		ngd_fast_pin_prune_maps(eth->pin, skel->obj);
		ngd_fast_pin_obj_progs(eth->pin, skel->obj, eth->taken,
		    eth->ntaken);
		if (eth->reused || eth->ntaken > 0)
			ngd_log(LOG_INFO, "ether: %s",
			    eth->ntaken > 0 ? "the last ngd's programs are "
					      "this build's: they run on" :
					      "the last ngd's programs "
					      "replaced by this one's");
	}
	return skel;
}

/* Entries a takeover's old ngd (or one that crashed) left in the maps
 * that none of ours has: gone, and the slots made to agree. */
static void
ngd_ether_sweep(struct ngd_ether *eth)
{
	uint32_t key, next, *del = NULL;
	size_t n = 0, max = 0;
	bool have = bpf_map_get_next_key(eth->ports_fd, NULL, &next) == 0;

	while (have) {
		bool keep = false;

		key = next;
		have = bpf_map_get_next_key(eth->ports_fd, &key, &next) == 0;
		for (struct ng_ether_dev *dev = eth->devs; dev != NULL && !keep;
		     dev = dev->next) {
			keep = key == dev->ifindex && ngd_ether_any_on(dev);
			for (int i = 0; i < NGD_ETHER_NTAP && !keep; i++)
				keep = (dev->tap[i].io.fd >= 0 &&
					   key == dev->tap[i].ifindex) ||
				    (dev->up[i] != 0 && key == dev->up[i]);
		}
		if (keep)
			continue;
		if (n == max) {
			uint32_t *more = realloc(del,
			    (max = max ? 2 * max : 64) * sizeof(*del));

			if (more == NULL)
				break;
			del = more;
		}
		del[n++] = key;
	}
	for (size_t i = 0; i < n; i++)
		(void)bpf_map_delete_elem(eth->ports_fd, &del[i]);
	free(del);
	ngd_ifslots_check(&eth->ifs, eth->ports_fd);
}

/* The programs loaded through their skeleton (or the pinned ones taken),
 * the fds kept. */
static int
ngd_ether_load(struct ngd_ether *eth)
{
	struct ng_ether_bpf *skel;
	int error;

	if (eth->skel != NULL)
		return 0;
	if ((skel = ngd_ether_load_pinned(eth, &error)) == NULL) {
		ngd_log(LOG_ERR, "ether: cannot load the tc programs: %s",
		    strerror(error));
		return error;
	}
	eth->prog_fd[NGD_ETHER_PROG_IN] = ngd_fast_pin_prog_fd(skel->obj,
	    skel->progs.ng_ether_in, eth->taken, eth->ntaken);
	eth->prog_fd[NGD_ETHER_PROG_OUT] = ngd_fast_pin_prog_fd(skel->obj,
	    skel->progs.ng_ether_out, eth->taken, eth->ntaken);
	eth->prog_fd[NGD_ETHER_PROG_TAP_LOWER] = ngd_fast_pin_prog_fd(skel->obj,
	    skel->progs.ng_ether_tap_lower, eth->taken, eth->ntaken);
	eth->prog_fd[NGD_ETHER_PROG_TAP_UPPER] = ngd_fast_pin_prog_fd(skel->obj,
	    skel->progs.ng_ether_tap_upper, eth->taken, eth->ntaken);
	eth->ports_fd = bpf_map__fd(skel->maps.ng_ether_ports);
	eth->stats_fd = bpf_map__fd(skel->maps.ng_ether_stats);
	eth->known_fd = bpf_map__fd(skel->maps.ng_ether_known);
	(void)ngd_ifslots_map(&eth->ifs, bpf_map__fd(skel->maps.ng_ether_ifs),
	    NG_ETHER_BPF_IF_SLOTS, sizeof(struct ng_ether_bpf_ifport),
	    offsetof(struct ng_ether_bpf_ifport, port),
	    sizeof(struct ng_ether_bpf_port), eth->reused, "ether");
	eth->skel = skel;
	/* The last ngd's entries: a takeover's old one runs on them until
	 * its links are ours (ngd_ether_expect_done sweeps); else no link
	 * runs on them any more. */
	if (eth->reused && !eth->expecting) {
		ngd_ether_sweep(eth);
		ngd_ifslots_settle(&eth->ifs, eth->ports_fd);
	}
	ngd_ether_fill_known(eth);
	return 0;
}

/* ifindex's entry written, in the hash and its ng_ether_ifs slot. */
static int
ngd_ether_port_put(struct ngd_ether *eth, uint32_t ifindex,
    const struct ng_ether_bpf_port *port)
{
	if (bpf_map_update_elem(eth->ports_fd, &ifindex, port, BPF_ANY) != 0)
		return errno;
	/* The last ngd's runs read every slot of the maps taken over: a
	 * grace period each write.  Until the takeover's end the slot is
	 * emptied (the hash serves), then all are filled after one. */
	if (eth->reused && eth->expecting)
		ngd_ifslots_del(&eth->ifs, ifindex);
	else
		ngd_ifslots_put(&eth->ifs, ifindex, port);
	return 0;
}

/* ifindex's entry gone, from its ng_ether_ifs slot first. */
static void
ngd_ether_port_del(struct ngd_ether *eth, uint32_t ifindex)
{
	ngd_ifslots_del(&eth->ifs, ifindex);
	(void)bpf_map_delete_elem(eth->ports_fd, &ifindex);
}

/* A TCX link of program prog on ifindex; the fd, or -errno. */
static int
ngd_ether_attach(struct ngd_ether *eth, int prog, uint32_t ifindex,
    bool ingress)
{
	int fd;

	fd = bpf_link_create(eth->prog_fd[prog], (int)ifindex,
	    ingress ? NGD_TCX_INGRESS : NGD_TCX_EGRESS, NULL);
	return fd < 0 ? (fd == -1 ? -errno : fd) : fd;
}

/*
 * The same, the takeover's link of slot moved to our program if there is
 * one: not a frame goes past the interface's programs meanwhile.  With
 * the last ngd's programs taken (ntaken) the link runs ours already:
 * those are what an ngd of this build runs, the ones it took or the ones
 * it loaded and pinned in their place (a pin it could not make is
 * unpinned, and then none is taken).  It is left as it is: an update,
 * even to the program a link runs, waits for the RTNL lock (3 to 7 ms
 * each on a loaded machine, 16 for 4 diverted interfaces).
 */
static int
ngd_ether_link(struct ng_ether_dev *dev, int slot, int prog, uint32_t ifindex,
    bool ingress)
{
	int fd = dev->handed[slot];

	dev->handed[slot] = -1;
	if (fd >= 0 &&
	    (dev->eth->ntaken > 0 ||
		bpf_link_update(fd, dev->eth->prog_fd[prog], NULL) == 0))
		return fd;
	if (fd >= 0)
		close(fd);
	return ngd_ether_attach(dev->eth, prog, ifindex, ingress);
}

static void
ngd_ether_close_fd(int *fdp)
{
	if (*fdp >= 0)
		close(*fdp);
	*fdp = -1;
}

/* --- the TAP channels ------------------------------------------------------ */

/*
 * A frame of the interface's that a TAP channel (dir's) gave ngd and
 * the packet pool had no buffer for: counted where an eiface's is
 * (netdev.c), in the xmitDrops of the hook it would have left the node
 * by (ng_ether_input's: upper, or lower, divert or orphans): sent,
 * reached no node.
 */
static void
ngd_ether_tap_lost(struct ng_ether_dev *dev, enum ng_ether_dir dir)
{
	static const char *const lower[] = { NG_ETHER_HOOK_LOWER,
		NG_ETHER_HOOK_DIVERT, NG_ETHER_HOOK_ORPHAN };
	struct ng_hook *h = NULL;

	if (dev->node == NULL || !ng_node_valid(dev->node))
		return;
	if (dir == NG_ETHER_DIR_UPPER)
		h = ng_find_hook(dev->node, NG_ETHER_HOOK_UPPER);
	for (unsigned i = 0; dir != NG_ETHER_DIR_UPPER && h == NULL && i < 3;
	     i++)
		h = ng_find_hook(dev->node, lower[i]);
	if (h != NULL && (h->flags & NG_HOOK_VALID))
		h->stats.xmit_drops++;
}

static void
ngd_ether_tap_event(void *arg, uint32_t events)
{
	struct ngd_ether_tap *tap = arg;
	struct ng_ether_dev *dev = tap->dev;
	enum ng_ether_dir dir = tap == &dev->tap[NGD_ETHER_TAP_UPPER] ?
	    NG_ETHER_DIR_UPPER :
	    NG_ETHER_DIR_LOWER;

	uint64_t sends = ng_sends(dev->eth->g);

	(void)events;
	ngd_loop_traffic(dev->eth->loop);
	for (int i = 0; i < NGD_ETHER_RX_BATCH && tap->io.fd >= 0 &&
	     !ngd_batch_spent(dev->eth->g, sends);
	     i++) {
		struct ng_pkt *pkt;
		int error = ngd_tap_read(dev->eth->g, tap->io.fd, &pkt);

		if (error == ENOBUFS) { /* read and dropped: no buffer */
			ngd_ether_tap_lost(dev, dir);
			continue;
		}
		if (error != 0)
			return;
		if (dev->node == NULL) {
			ng_pkt_free(&pkt);
			return;
		}
		/* May detach the node and close this TAP (tap->io.fd -1). */
		ng_ether_input(dev->node, dir, &pkt); /* consumes pkt */
	}
}

/* The TAP must say nothing of its own: whatever it sends is hook data. */
static int
ngd_ether_tap_quiet(struct ngd_ether *eth, const char *name)
{
	struct ifreq ifr;
	char path[96];
	int fd;

	snprintf(path, sizeof(path), "/proc/sys/net/ipv6/conf/%s/disable_ipv6",
	    name);
	if ((fd = open(path, O_WRONLY | O_CLOEXEC)) >= 0) {
		if (write(fd, "1", 1) < 0)
			ngd_log(LOG_DEBUG, "ether: %s: %s", path,
			    strerror(errno));
		close(fd);
	}
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	if (ioctl(eth->sock, SIOCGIFFLAGS, &ifr) < 0)
		return errno;
	ifr.ifr_flags |= IFF_UP | IFF_NOARP;
	ifr.ifr_flags &= ~IFF_MULTICAST;
	return ioctl(eth->sock, SIOCSIFFLAGS, &ifr) < 0 ? errno : 0;
}

static int
ngd_ether_tap_open(struct ng_ether_dev *dev, int which)
{
	struct ngd_ether *eth = dev->eth;
	struct ngd_ether_tap *tap = &dev->tap[which];
	unsigned offloads = TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6 |
	    TUN_F_TSO_ECN;
	struct ifreq ifr;
	int fd, error, set = -1;

	memset(&ifr, 0, sizeof(ifr));
	if ((fd = dev->handed[NGD_ETHER_H_TAP + which]) >= 0) {
		/* A takeover's: the same TAP, its queue and its link. */
		dev->handed[NGD_ETHER_H_TAP + which] = -1;
		tap->link = dev->handed[NGD_ETHER_H_TAPLINK + which];
		dev->handed[NGD_ETHER_H_TAPLINK + which] = -1;
		tap->stale = tap->link >= 0;
		if (ioctl(fd, TUNGETIFF, &ifr) < 0) {
			error = errno;
			close(fd);
			ngd_ether_close_fd(&tap->link);
			return error;
		}
		goto opened;
	}
	fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return errno;
	/* Not persistent: the device goes with ngd's fd.  In a takeover the
	 * old ngd's is there until it exits (EBUSY): a name of our own,
	 * ngel<N>a and so on. */
	for (int i = 0; i < 4 && set < 0; i++) {
		memset(&ifr, 0, sizeof(ifr));
		ifr.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR;
		snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "nge%c%u%.*s",
		    which == NGD_ETHER_TAP_LOWER ? 'l' : 'u', dev->ifindex,
		    i > 0, &"abc"[i > 0 ? i - 1 : 0]);
		if ((set = ioctl(fd, TUNSETIFF, &ifr)) < 0 && errno != EBUSY)
			break;
	}
	if (set < 0 ||
	    (ioctl(fd, TUNSETOFFLOAD, offloads | TUN_F_USO4 | TUN_F_USO6) < 0 &&
		ioctl(fd, TUNSETOFFLOAD, offloads) < 0)) {
		error = errno;
		close(fd);
		return error;
	}
opened:
	tap->dev = dev;
	tap->io.fd = fd;
	tap->io.fn = ngd_ether_tap_event;
	tap->io.arg = tap;
	tap->ifindex = if_nametoindex(ifr.ifr_name);
	if ((error = ngd_ether_tap_quiet(eth, ifr.ifr_name)) != 0 ||
	    (error = ngd_loop_add(eth->loop, &tap->io, EPOLLIN)) != 0)
		goto fail;
	if (tap->stale)
		return 0; /* moved to our program by ngd_ether_apply */
	tap->link = ngd_ether_attach(eth,
	    which == NGD_ETHER_TAP_LOWER ? NGD_ETHER_PROG_TAP_LOWER :
					   NGD_ETHER_PROG_TAP_UPPER,
	    tap->ifindex, true);
	if (tap->link < 0) {
		error = -tap->link;
		tap->link = -1;
		goto fail;
	}
	return 0;
fail:
	ngd_loop_close(dev->eth->loop, &tap->io);
	ngd_ether_close_fd(&tap->link);
	tap->stale = false;
	tap->ifindex = 0;
	return error;
}

static void
ngd_ether_tap_close(struct ng_ether_dev *dev, int which)
{
	struct ngd_ether_tap *tap = &dev->tap[which];

	ngd_ether_close_fd(&tap->link);
	tap->stale = false;
	if (tap->ifindex != 0)
		ngd_ether_port_del(dev->eth, tap->ifindex);
	ngd_loop_close(dev->eth->loop, &tap->io); /* the TAP goes with it */
	tap->ifindex = 0;
}

/* --- diverting ------------------------------------------------------------- */

static bool
ngd_ether_any_on(const struct ng_ether_dev *dev)
{
	for (int d = 0; d < NG_ETHER_NDIR; d++)
		if (dev->on[d])
			return true;
	return false;
}

/* The interface's counters: a slot of its own, zeroed (or, all taken,
 * the slot no interface owns). */
static void
ngd_ether_stats_slot(struct ng_ether_dev *dev)
{
	struct ngd_ether *eth = dev->eth;
	struct ng_ether_bpf_stats *zero;
	int ncpu = libbpf_num_possible_cpus();
	uint32_t i;

	if (dev->stats_slot != 0)
		return;
	for (i = 1; i < NG_ETHER_BPF_MAX_PORTS && eth->stats_used[i]; i++)
		;
	if (i == NG_ETHER_BPF_MAX_PORTS)
		return;
	zero = calloc(ncpu > 0 ? (size_t)ncpu : 1, sizeof(*zero));
	if (zero == NULL ||
	    bpf_map_update_elem(eth->stats_fd, &i, zero, BPF_ANY) != 0) {
		free(zero);
		return;
	}
	free(zero);
	eth->stats_used[i] = true;
	dev->stats_slot = i;
}

/* Maps first, links after: a frame between the two takes its usual path. */
static int
ngd_ether_apply(struct ng_ether_dev *dev)
{
	struct ngd_ether *eth = dev->eth;
	struct ng_ether_bpf_port port = { 0 }, tport = { 0 };
	bool want_in = dev->on[NG_ETHER_DIR_LOWER] ||
	    dev->on[NG_ETHER_DIR_ORPHANS];
	bool want_out = dev->on[NG_ETHER_DIR_UPPER] || dev->wire > 0;
	int error = 0, e;

	if (dev->tap[NGD_ETHER_TAP_LOWER].io.fd >= 0) {
		if (dev->on[NG_ETHER_DIR_LOWER])
			port.lower = dev->tap[NGD_ETHER_TAP_LOWER].ifindex;
		if (dev->on[NG_ETHER_DIR_ORPHANS])
			port.orphans = dev->tap[NGD_ETHER_TAP_LOWER].ifindex;
	}
	if (dev->on[NG_ETHER_DIR_UPPER] &&
	    dev->tap[NGD_ETHER_TAP_UPPER].io.fd >= 0)
		port.upper = dev->tap[NGD_ETHER_TAP_UPPER].ifindex;
	/* An uplink takes the frames straight to the kernel bridge. */
	if (dev->on[NG_ETHER_DIR_LOWER] && dev->up[NGD_ETHER_TAP_LOWER] != 0) {
		port.lower = dev->up[NGD_ETHER_TAP_LOWER];
		port.flags |= NG_ETHER_BPF_F_PEER;
	}
	if (dev->on[NG_ETHER_DIR_UPPER] && dev->up[NGD_ETHER_TAP_UPPER] != 0)
		port.upper = dev->up[NGD_ETHER_TAP_UPPER];
	ngd_ether_stats_slot(dev);
	port.slot = tport.slot = dev->stats_slot;
	if ((error = ngd_ether_port_put(eth, dev->ifindex, &port)) != 0)
		return error;
	if (want_in && dev->link_in < 0) {
		dev->link_in = ngd_ether_link(dev, NGD_ETHER_H_IN,
		    NGD_ETHER_PROG_IN, dev->ifindex, true);
		if (dev->link_in < 0) {
			error = -dev->link_in;
			dev->link_in = -1;
		}
	} else if (!want_in)
		ngd_ether_close_fd(&dev->link_in);
	if (want_out && dev->link_out < 0) {
		dev->link_out = ngd_ether_link(dev, NGD_ETHER_H_OUT,
		    NGD_ETHER_PROG_OUT, dev->ifindex, false);
		if (dev->link_out < 0) {
			error = -dev->link_out;
			dev->link_out = -1;
		}
	} else if (!want_out)
		ngd_ether_close_fd(&dev->link_out);
	/* A TAP tags its frames only where a program clears the tag. */
	for (int i = 0; i < NGD_ETHER_NTAP; i++) {
		struct ngd_ether_tap *tap = &dev->tap[i];

		if (tap->io.fd < 0)
			continue;
		tport.target = dev->ifindex;
		tport.flags = (i == NGD_ETHER_TAP_LOWER ? dev->link_out :
							  dev->link_in) >= 0 ?
		    NG_ETHER_BPF_F_TAG :
		    0;
		if ((e = ngd_ether_port_put(eth, tap->ifindex, &tport)) != 0 &&
		    error == 0)
			error = e;
		if (tap->stale) {
			/* Its entry is in our map now: our program. */
			int prog = i == NGD_ETHER_TAP_LOWER ?
			    NGD_ETHER_PROG_TAP_LOWER :
			    NGD_ETHER_PROG_TAP_UPPER;

			tap->stale = false;
			dev->handed[NGD_ETHER_H_TAPLINK + i] = tap->link;
			tap->link = ngd_ether_link(dev, NGD_ETHER_H_TAPLINK + i,
			    prog, tap->ifindex, true);
			if (tap->link < 0 && error == 0)
				error = -tap->link;
			if (tap->link < 0)
				tap->link = -1;
		}
		if (dev->up[i] != 0 &&
		    (e = ngd_ether_port_put(eth, dev->up[i], &tport)) != 0 &&
		    error == 0)
			error = e;
	}
	return error;
}

/* The uplink of TAP which's direction dropped: its program and entry. */
static void
ngd_ether_up_close(struct ng_ether_dev *dev, int which)
{
	ngd_ether_close_fd(&dev->up_link[which]);
	if (dev->up[which] != 0 && dev->eth->skel != NULL)
		ngd_ether_port_del(dev->eth, dev->up[which]);
	dev->up[which] = 0;
}

/* Everything for the interface's hooks undone: it works as before. */
static void
ngd_ether_reset(struct ng_ether_dev *dev)
{
	struct ngd_ether *eth = dev->eth;

	memset(dev->on, 0, sizeof(dev->on));
	dev->wire = 0;
	ngd_ether_close_fd(&dev->link_in);
	ngd_ether_close_fd(&dev->link_out);
	for (int i = 0; i < NGD_ETHER_NTAP; i++)
		ngd_ether_up_close(dev, i);
	for (int i = 0; i < NGD_ETHER_NTAP; i++)
		ngd_ether_tap_close(dev, i);
	if (eth->skel != NULL)
		ngd_ether_port_del(eth, dev->ifindex);
	eth->stats_used[dev->stats_slot] = false;
	dev->stats_slot = 0;
}

static int
ngd_ether_divert(void *be, struct ng_ether_dev *dev, enum ng_ether_dir dir,
    bool on)
{
	struct ngd_ether *eth = be;
	int error;

	if (!on) {
		dev->on[dir] = false;
		if (!ngd_ether_any_on(dev)) {
			ngd_ether_reset(dev);
			return 0;
		}
		return ngd_ether_apply(dev);
	}
	if ((error = ngd_ether_load(eth)) != 0)
		return error;
	if (!ngd_ether_any_on(dev)) {
		for (int i = 0; i < NGD_ETHER_NTAP; i++)
			if ((error = ngd_ether_tap_open(dev, i)) != 0) {
				ngd_log(LOG_ERR,
				    "ether: %s: no TAP channel: %s",
				    dev->ifname, strerror(error));
				ngd_ether_reset(dev);
				return error;
			}
	}
	dev->on[dir] = true;
	if ((error = ngd_ether_apply(dev)) != 0) {
		ngd_log(LOG_ERR, "ether: %s: cannot attach: %s", dev->ifname,
		    strerror(error));
		dev->on[dir] = false;
		if (!ngd_ether_any_on(dev))
			ngd_ether_reset(dev);
		else
			(void)ngd_ether_apply(dev);
	}
	return error;
}

static int
ngd_ether_xmit(void *be, struct ng_ether_dev *dev, enum ng_ether_dir dir,
    const struct ng_pkt *pkt)
{
	struct ngd_ether_tap *tap =
	    &dev->tap[dir == NG_ETHER_DIR_UPPER ? NGD_ETHER_TAP_UPPER :
						  NGD_ETHER_TAP_LOWER];
	struct virtio_net_hdr vh = pkt->vh;
	uint16_t tag[2] = { htons(0x8100), htons(pkt->vlan_tag) };
	struct iovec iov[4];
	int n = 2;

	(void)be;
	if (tap->io.fd < 0)
		return ENETDOWN;
	iov[0].iov_base = &vh;
	iov[0].iov_len = sizeof(vh);
	iov[1].iov_base = pkt->data;
	iov[1].iov_len = pkt->len;
	/* a frame's out-of-band VLAN tag (a vlan node's) inline, as the
	 * interface is to send or receive it */
	if (pkt->vlan_tagged && pkt->len >= 12) {
		iov[1].iov_len = 12;
		iov[2].iov_base = tag;
		iov[2].iov_len = sizeof(tag);
		iov[3].iov_base = pkt->data + 12;
		iov[3].iov_len = pkt->len - 12;
		n = 4;
		if (vh.flags & VIRTIO_NET_HDR_F_NEEDS_CSUM)
			vh.csum_start += sizeof(tag);
	}
	if (writev(tap->io.fd, iov, n) < 0)
		return errno == EIO ? ENETDOWN : errno;
	return 0;
}

/* --- addresses and memberships --------------------------------------------- */

/* ifr named after the interface as it is called now. */
static void
ngd_ether_ifreq(struct ng_ether_dev *dev, struct ifreq *ifr)
{
	char name[IFNAMSIZ];

	memset(ifr, 0, sizeof(*ifr));
	if (if_indextoname(dev->ifindex, name) != NULL)
		memcpy(dev->ifname, name, sizeof(dev->ifname));
	snprintf(ifr->ifr_name, sizeof(ifr->ifr_name), "%s", dev->ifname);
}

static int
ngd_ether_get_mac(void *be, struct ng_ether_dev *dev, uint8_t mac[6])
{
	struct ngd_ether *eth = be;
	struct ifreq ifr;

	ngd_ether_ifreq(dev, &ifr);
	if (ioctl(eth->sock, SIOCGIFHWADDR, &ifr) < 0)
		return errno;
	memcpy(mac, ifr.ifr_hwaddr.sa_data, 6);
	return 0;
}

static int
ngd_ether_set_mac(void *be, struct ng_ether_dev *dev, const uint8_t mac[6])
{
	struct ngd_ether *eth = be;
	struct ifreq ifr;

	ngd_ether_ifreq(dev, &ifr);
	ifr.ifr_hwaddr.sa_family = ARPHRD_ETHER;
	memcpy(ifr.ifr_hwaddr.sa_data, mac, 6);
	return ioctl(eth->sock, SIOCSIFHWADDR, &ifr) < 0 ? errno : 0;
}

/* A PACKET_{ADD,DROP}_MEMBERSHIP on the interface's packet socket. */
static int
ngd_ether_member(struct ng_ether_dev *dev, int type, const uint8_t *mac,
    bool add)
{
	struct packet_mreq mr;

	if (dev->pfd < 0) {
		/* Protocol 0: it receives nothing, it only holds. */
		dev->pfd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
		if (dev->pfd < 0)
			return errno;
	}
	memset(&mr, 0, sizeof(mr));
	mr.mr_ifindex = (int)dev->ifindex;
	mr.mr_type = (unsigned short)type;
	if (mac != NULL) {
		mr.mr_alen = 6;
		memcpy(mr.mr_address, mac, 6);
	}
	if (setsockopt(dev->pfd, SOL_PACKET,
		add ? PACKET_ADD_MEMBERSHIP : PACKET_DROP_MEMBERSHIP, &mr,
		sizeof(mr)) < 0)
		return errno;
	return 0;
}

static int
ngd_ether_set_promisc(void *be, struct ng_ether_dev *dev, bool on)
{
	(void)be;
	return ngd_ether_member(dev, PACKET_MR_PROMISC, NULL, on);
}

/* Whether the interface's multicast list holds mac (/proc/net/dev_mcast). */
static bool
ngd_ether_in_mcast_list(struct ng_ether_dev *dev, const uint8_t mac[6])
{
	char line[256], want[13], addr[64];
	unsigned idx;
	bool found = false;
	FILE *f;

	snprintf(want, sizeof(want), "%02x%02x%02x%02x%02x%02x", mac[0], mac[1],
	    mac[2], mac[3], mac[4], mac[5]);
	if ((f = fopen("/proc/net/dev_mcast", "r")) == NULL)
		return false;
	while (!found && fgets(line, sizeof(line), f) != NULL)
		found = sscanf(line, "%u %*s %*d %*d %63s", &idx, addr) == 2 &&
		    idx == dev->ifindex && strcmp(addr, want) == 0;
	fclose(f);
	return found;
}

static int
ngd_ether_add_multi(void *be, struct ng_ether_dev *dev, const uint8_t mac[6])
{
	struct ngd_ether_multi *m;
	int error;

	(void)be;
	if (!(mac[0] & 1))
		return EADDRNOTAVAIL;
	for (m = dev->multi; m != NULL; m = m->next)
		if (memcmp(m->mac, mac, 6) == 0)
			return EADDRINUSE;
	if (ngd_ether_in_mcast_list(dev, mac))
		return EADDRINUSE;
	if ((m = calloc(1, sizeof(*m))) == NULL)
		return ENOMEM;
	if ((error = ngd_ether_member(dev, PACKET_MR_MULTICAST, mac, true)) !=
	    0) {
		free(m);
		return error;
	}
	memcpy(m->mac, mac, 6);
	m->next = dev->multi;
	dev->multi = m;
	return 0;
}

static int
ngd_ether_del_multi(void *be, struct ng_ether_dev *dev, const uint8_t mac[6])
{
	struct ngd_ether_multi **mp, *m;

	(void)be;
	for (mp = &dev->multi; (m = *mp) != NULL; mp = &m->next)
		if (memcmp(m->mac, mac, 6) == 0)
			break;
	if (m == NULL)
		return ENOENT;
	*mp = m->next;
	free(m);
	return ngd_ether_member(dev, PACKET_MR_MULTICAST, mac, false);
}

/* Memberships and promiscuity go with the socket. */
static void
ngd_ether_unhold(struct ng_ether_dev *dev)
{
	struct ngd_ether_multi *m;

	ngd_ether_close_fd(&dev->pfd);
	while ((m = dev->multi) != NULL) {
		dev->multi = m->next;
		free(m);
	}
}

/* The node goes; the interface keeps no trace of it and gets no other. */
static void
ngd_ether_detach(void *be, struct ng_ether_dev *dev)
{
	(void)be;
	ngd_ether_reset(dev);
	ngd_ether_unhold(dev);
	dev->node = NULL;
}

static void ngd_ether_sync(void *be);

const struct ng_ether_ops ngd_ether_ops = {
	.divert = ngd_ether_divert,
	.xmit = ngd_ether_xmit,
	.get_mac = ngd_ether_get_mac,
	.set_mac = ngd_ether_set_mac,
	.set_promisc = ngd_ether_set_promisc,
	.add_multi = ngd_ether_add_multi,
	.del_multi = ngd_ether_del_multi,
	.detach = ngd_ether_detach,
	.sync = ngd_ether_sync,
};

/* --- following the interfaces ---------------------------------------------- */

static struct ng_ether_dev *
ngd_ether_find(struct ngd_ether *eth, uint32_t ifindex)
{
	struct ng_ether_dev *dev;

	for (dev = eth->devs; dev != NULL; dev = dev->next)
		if (dev->ifindex == ifindex)
			return dev;
	return NULL;
}

/*
 * One of the TAPs ngd made for an ether node.  By its index, not its
 * name: those TAPs (nge[lu]<N>...) are TUN/TAP devices, which get no
 * node anyway; a veth of the user's called ngel3 is theirs, and got no
 * node, silently.
 */
static bool
ngd_ether_is_channel(struct ngd_ether *eth, uint32_t ifindex)
{
	for (struct ng_ether_dev *dev = eth->devs; dev != NULL; dev = dev->next)
		for (int i = 0; i < NGD_ETHER_NTAP; i++)
			if (dev->tap[i].io.fd >= 0 &&
			    dev->tap[i].ifindex == ifindex)
				return true;
	return false;
}

static void
ngd_ether_forget(struct ngd_ether *eth, struct ng_ether_dev *dev)
{
	struct ng_ether_dev **pp;
	/* With a hook or a tap on, the fast path looks anew; else the
	 * node's end changes no edge (the core's count says). */
	bool used = dev->node != NULL &&
	    (dev->node->numhooks > 0 || ngd_ether_any_on(dev));

	ngd_ether_reset(dev);
	ngd_ether_unhold(dev);
	for (int i = 0; i < NGD_ETHER_NHANDED; i++)
		ngd_ether_close_fd(&dev->handed[i]);
	if (dev->node != NULL) {
		struct ng_node *node = dev->node;
		struct ng_graph *g = node->graph;

		dev->node = NULL;
		ng_ether_gone(node);
		/* Its hooks went: the kernel path follows (fastpath_ether.c). */
		if (used)
			ngd_netdev_graph_changed();
		else
			ngd_netdev_graph_maybe_changed(g);
	}
	for (pp = &eth->devs; *pp != NULL; pp = &(*pp)->next)
		if (*pp == dev) {
			*pp = dev->next;
			break;
		}
	free(dev);
}

struct ngd_ether_link {
	const char *name;
	const uint8_t *mac;
	uint32_t group;
	bool tun; /* a TUN/TAP device: some program's */
	bool veth;
	int link, link_nsid; /* a veth's peer, where it is (-1: here) */
};

static int
ngd_ether_linkinfo_attr(const struct nlattr *a, void *arg)
{
	struct ngd_ether_link *l = arg;

	if (mnl_attr_get_type(a) == IFLA_INFO_KIND &&
	    mnl_attr_validate(a, MNL_TYPE_NUL_STRING) == 0) {
		l->tun = strcmp(mnl_attr_get_str(a), "tun") == 0;
		l->veth = strcmp(mnl_attr_get_str(a), "veth") == 0;
	}
	return MNL_CB_OK;
}

static int
ngd_ether_link_attr(const struct nlattr *a, void *arg)
{
	struct ngd_ether_link *l = arg;

	switch (mnl_attr_get_type(a)) {
	case IFLA_LINKINFO:
		(void)mnl_attr_parse_nested(a, ngd_ether_linkinfo_attr, l);
		break;
	case IFLA_IFNAME:
		if (mnl_attr_validate(a, MNL_TYPE_NUL_STRING) == 0)
			l->name = mnl_attr_get_str(a);
		break;
	case IFLA_ADDRESS:
		if (mnl_attr_get_payload_len(a) == 6)
			l->mac = mnl_attr_get_payload(a);
		break;
	case IFLA_GROUP:
		if (mnl_attr_validate(a, MNL_TYPE_U32) == 0)
			l->group = mnl_attr_get_u32(a);
		break;
	case IFLA_LINK:
		if (mnl_attr_validate(a, MNL_TYPE_U32) == 0)
			l->link = (int)mnl_attr_get_u32(a);
		break;
	case IFLA_LINK_NETNSID:
		if (mnl_attr_validate(a, MNL_TYPE_U32) == 0)
			l->link_nsid = (int)mnl_attr_get_u32(a);
		break;
	}
	return MNL_CB_OK;
}

static int
ngd_ether_alias_attr(const struct nlattr *a, void *arg)
{
	bool *marked = arg;

	if (mnl_attr_get_type(a) == IFLA_IFALIAS &&
	    mnl_attr_validate(a, MNL_TYPE_NUL_STRING) == 0 &&
	    strcmp(mnl_attr_get_str(a), NGD_FAST_IFALIAS) == 0)
		*marked = true;
	return MNL_CB_OK;
}

static int
ngd_ether_alias_msg(const struct nlmsghdr *nlh, void *arg)
{
	if (nlh->nlmsg_type != RTM_NEWLINK ||
	    mnl_nlmsg_get_payload_len(nlh) < sizeof(struct ifinfomsg))
		return MNL_CB_OK;
	return mnl_attr_parse(nlh, sizeof(struct ifinfomsg),
	    ngd_ether_alias_attr, arg);
}

/*
 * Whether the veth l is an eiface's interface: its peer is the
 * graph-side end of a pair an ngd made with NGD_FASTPATH=1 (fastpath.c
 * marks those), the host's seen from a jail or this ngd's own.  Such an
 * interface is a program's, as an eiface's TAP is.  A peer this ngd may
 * not read (EACCES: the namespace is owned by a user namespace it holds
 * no CAP_NET_ADMIN over) is taken as one too: in a vnet jail, whose
 * root's network privileges end at its own stack (jail(8)), that is the
 * host's data plane, where the host's eifaces keep their other ends.
 * A peer in ngd's own namespace is not asked about: graph-side ends
 * live in a data plane, never beside the interfaces they serve.
 */
static bool
ngd_ether_eiface_veth(const struct ngd_ether_link *l)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct mnl_socket *nl;
	struct nlmsghdr *nlh;
	struct ifinfomsg *ifi;
	uint32_t seq = 1, port;
	bool marked = false;
	ssize_t n;

	if (!l->veth || l->link <= 0 || l->link_nsid < 0)
		return false;
	if ((nl = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC)) == NULL)
		return false;
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		mnl_socket_close(nl);
		return false;
	}
	port = mnl_socket_get_portid(nl);
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_GETLINK;
	nlh->nlmsg_flags = NLM_F_REQUEST;
	nlh->nlmsg_seq = seq;
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = l->link;
	if (l->link_nsid >= 0)
		mnl_attr_put_u32(nlh, IFLA_TARGET_NETNSID,
		    (uint32_t)l->link_nsid);
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) >= 0 &&
	    (n = mnl_socket_recvfrom(nl, buf, sizeof(buf))) > 0 &&
	    mnl_cb_run(buf, (size_t)n, seq, port, ngd_ether_alias_msg,
		&marked) < 0 &&
	    l->link_nsid >= 0 && errno == EACCES)
		marked = true;
	mnl_socket_close(nl);
	return marked;
}

/* Retired eiface devices carry ngd's group (netdev.c) on their way out. */
#define NGD_ETHER_RETIRED(group) (((group) >> 16) == 0x6e67)

/* How a link message came: an event may be old news by now. */
struct ngd_ether_ctx {
	struct ngd_ether *eth;
	bool current; /* the answer to a question asked just now */
};

static int ngd_ether_query(struct ngd_ether *eth, uint32_t ifindex);

/* ifindex asked about once this wakeup's events are taken (again). */
static void
ngd_ether_again_add(struct ngd_ether *eth, uint32_t ifindex)
{
	uint32_t *a;

	for (size_t i = 0; i < eth->nagain; i++)
		if (eth->again[i] == ifindex)
			return;
	if (eth->nagain == eth->again_max) {
		size_t max = eth->again_max != 0 ? 2 * eth->again_max : 16;

		if ((a = realloc(eth->again, max * sizeof(*a))) == NULL) {
			(void)ngd_ether_query(eth, ifindex); /* now, then */
			return;
		}
		eth->again = a;
		eth->again_max = max;
	}
	eth->again[eth->nagain++] = ifindex;
}

/* ifindex went: nothing to ask about it. */
static void
ngd_ether_again_del(struct ngd_ether *eth, uint32_t ifindex)
{
	for (size_t i = 0; i < eth->nagain; i++)
		if (eth->again[i] == ifindex) {
			memmove(&eth->again[i], &eth->again[i + 1],
			    (eth->nagain - i - 1) * sizeof(eth->again[0]));
			eth->nagain--;
			return;
		}
}

/* Whether an eiface of this graph stands for the interface ifname. */
static bool ngd_ether_eiface_named(struct ngd_ether *eth, const char *ifname);

/* The name interface ifname's node takes (a node name holds no '.' or
 * ':': vlan0.100's is vlan0_100), in buf. */
static const char *
ngd_ether_node_name(const char *ifname, char *buf, size_t len)
{
	snprintf(buf, len, "%s", ifname);
	for (char *s = buf; *s != '\0'; s++)
		if (*s == '.' || *s == ':')
			*s = '_';
	return buf;
}

/* Whether node is an interface's (an eiface's) whose name is ifname. */
static bool
ngd_ether_stands_for(struct ng_node *node, const char *ifname)
{
	struct ng_ifdev *d;

	if (node->type->netdev == NULL || node->priv == NULL ||
	    (d = node->type->netdev->ifdev(node)) == NULL)
		return false;
	return strcmp(d->ifname, ifname) == 0;
}

static bool
ngd_ether_eiface_named(struct ngd_ether *eth, const char *ifname)
{
	char nname[IFNAMSIZ];
	struct ng_node *node;

	node = ng_find_name(eth->g,
	    ngd_ether_node_name(ifname, nname, sizeof(nname)));
	return node != NULL && ngd_ether_stands_for(node, ifname);
}

/*
 * An RTM_NEWLINK or RTM_DELLINK.  An interface seen for the first time
 * is asked about again and taken as it is now: by the time its creation
 * is read, an eiface's TAP may have been renamed, or retired.  Asked
 * once the events of this wakeup are read (ngd_ether_nl_event): one
 * question for all its events, none if one of them was its end.
 */
static int
ngd_ether_link_msg(const struct nlmsghdr *nlh, void *arg)
{
	struct ngd_ether_ctx *ctx = arg;
	struct ngd_ether *eth = ctx->eth;
	struct ifinfomsg *ifi;
	struct ngd_ether_link l = { .link_nsid = -1 };
	struct ng_ether_dev *dev;
	char name[IFNAMSIZ]; /* l.name may point here after the attach */
	char nname[IFNAMSIZ];
	uint32_t ifindex;
	bool running;

	if (nlh->nlmsg_type != RTM_NEWLINK && nlh->nlmsg_type != RTM_DELLINK)
		return MNL_CB_OK;
	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*ifi))
		return MNL_CB_OK;
	ifi = mnl_nlmsg_get_payload(nlh);
	ifindex = (uint32_t)ifi->ifi_index;
	dev = ngd_ether_find(eth, ifindex);
	if (nlh->nlmsg_type == RTM_DELLINK) {
		ngd_ether_again_del(eth, ifindex);
		if (dev != NULL)
			ngd_ether_forget(eth, dev);
		for (dev = eth->devs; dev != NULL; dev = dev->next)
			for (int i = 0; i < NGD_ETHER_NTAP; i++)
				if (dev->up[i] ==
				    ifindex) { /* an uplink: anew */
					ngd_ether_up_close(dev, i);
					(void)ngd_ether_apply(dev);
					ngd_netdev_graph_changed();
				}
		return MNL_CB_OK;
	}
	l.link = l.link_nsid = -1;
	(void)mnl_attr_parse(nlh, sizeof(*ifi), ngd_ether_link_attr, &l);
	if (l.name == NULL || l.mac == NULL)
		return MNL_CB_OK;
	if (dev == NULL) {
		struct ng_node *other;

		/*
		 * A TAP is a program's: an eiface of this graph or of
		 * another namespace's (moved into a jail), or a VM's.  So
		 * is a veth whose peer is in ngd's data plane: an eiface's,
		 * before the journal has given it its node.  And a veth
		 * whose peer is not there yet (IFLA_LINK 0: the event of
		 * its making) that an eiface of this graph stands for: that
		 * eiface's interface, made (or made anew at home) with its
		 * peer in the data plane; asked again, the answer would
		 * only say so.  Neither costs a question.
		 */
		if (ifi->ifi_type != ARPHRD_ETHER || l.tun ||
		    (l.veth && l.link_nsid >= 0 &&
			l.link_nsid == ngd_fast_dataplane_nsid()) ||
		    (l.veth && l.link == 0 && l.link_nsid < 0 &&
			ngd_ether_eiface_named(eth, l.name)) ||
		    ngd_ether_is_channel(eth, ifindex) ||
		    NGD_ETHER_RETIRED(l.group))
			return MNL_CB_OK;
		if (!ctx->current) {
			ngd_ether_again_add(eth, ifindex);
			return MNL_CB_OK;
		}
		/* So is an eiface's veth (NGD_FASTPATH=1). */
		if (ngd_ether_eiface_veth(&l))
			return MNL_CB_OK;
		snprintf(name, sizeof(name), "%s", l.name);
		if ((dev = calloc(1, sizeof(*dev))) == NULL)
			return MNL_CB_OK;
		dev->eth = eth;
		dev->ifindex = ifindex;
		dev->link_in = dev->link_out = dev->pfd = -1;
		for (int i = 0; i < NGD_ETHER_NTAP; i++)
			dev->tap[i].io.fd = dev->tap[i].link = dev->up_link[i] =
			    -1;
		for (int i = 0; i < NGD_ETHER_NHANDED; i++)
			dev->handed[i] = -1;
		snprintf(dev->ifname, sizeof(dev->ifname), "%s", name);
		dev->next = eth->devs;
		eth->devs = dev;
		/*
		 * An eiface's own interface: that node stands for it.  Any
		 * other node of that name: no node either, as on FreeBSD
		 * (netgraph.md 9.4), said once for the interface; a later
		 * rename does not make one (FreeBSD renames only a node
		 * that exists).
		 */
		if ((other = ng_find_name(eth->g,
			 ngd_ether_node_name(name, nname, sizeof(nname)))) !=
		    NULL) {
			if (!ngd_ether_stands_for(other, name))
				ngd_log(LOG_WARNING,
				    "ether: no node for %s: another node is "
				    "named %s",
				    name, nname);
			return MNL_CB_OK;
		}
		if (ng_ether_attach(eth->g, dev, name, ifindex, l.mac,
			&dev->node) != 0) {
			ngd_log(LOG_ERR, "ether: no node for %s", name);
			return MNL_CB_OK;
		}
		l.name = name;
	}
	snprintf(dev->ifname, sizeof(dev->ifname), "%s", l.name);
	if (dev->node == NULL)
		return MNL_CB_OK;
	/*
	 * Running: up with carrier (IFF_LOWER_UP), what the kernel needs to
	 * send.  Not IFF_RUNNING: that is the operational state, which the
	 * kernel's link watch sets later, in a worker that waits for the
	 * RTNL lock (seconds under load; never while the link is dormant),
	 * so the event of "ip link set em0 up" says up, carrier, not
	 * running, though the interface sends from then on: lower refused
	 * the first frames the graph wrote after it (ENETDOWN), while the
	 * kernel path passed them.
	 */
	running = (ifi->ifi_flags & IFF_UP) && (ifi->ifi_flags & IFF_LOWER_UP);
	if (ng_ether_ifchange(dev->node, l.name, l.mac, running,
		(ifi->ifi_flags & IFF_LOWER_UP) != 0))
		ngd_netdev_graph_changed(); /* kernel floods skip it or not */
	return MNL_CB_OK;
}

static void
ngd_ether_nl_event(void *arg, uint32_t events)
{
	struct ngd_ether *eth = arg;
	struct ngd_ether_ctx ctx = { eth, false };
	char buf[MNL_SOCKET_BUFFER_SIZE];
	ssize_t n;

	(void)events;
	while ((n = mnl_socket_recvfrom(eth->nl, buf, sizeof(buf))) > 0)
		(void)mnl_cb_run(buf, (size_t)n, 0, 0, ngd_ether_link_msg,
		    &ctx);
	if (n < 0 && errno == ENOBUFS) {
		/* Events were lost: what exists now is the truth. */
		ngd_log(LOG_WARNING, "ether: link events lost; rescanning");
		eth->nagain = 0; /* the dump answers for them too */
		(void)ngd_ether_scan(eth);
		return;
	}
	/* By index: an answer could bring a question (a nested wakeup
	 * asks them all, and leaves none). */
	for (size_t i = 0; i < eth->nagain; i++)
		(void)ngd_ether_query(eth, eth->again[i]);
	eth->nagain = 0;
}

void
ngd_ether_poll(struct ngd_ether *eth)
{
	if (eth != NULL && eth->nl != NULL)
		ngd_ether_nl_event(eth, EPOLLIN);
}

static void
ngd_ether_sync(void *be)
{
	ngd_ether_poll(be);
}

/* A socket to ask rtnetlink on; NULL and errno. */
static struct mnl_socket *
ngd_ether_qopen(void)
{
	struct mnl_socket *nl;
	int error;

	if ((nl = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC)) == NULL)
		return NULL;
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		error = errno;
		mnl_socket_close(nl);
		errno = error;
		return NULL;
	}
	return nl;
}

/*
 * Ask for one link (ifindex) or, with 0, every link there is, and take
 * the answers as current through ngd_ether_link_msg.  On eth->qnl,
 * kept open (a socket, a bind and a close less a question), unless a
 * question comes while another's answers are taken; after an error it
 * is closed, so that no late answer waits in it for the next question.
 */
static int
ngd_ether_request(struct ngd_ether *eth, uint32_t ifindex)
{
	struct ngd_ether_ctx ctx = { eth, true };
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct mnl_socket *nl;
	struct nlmsghdr *nlh;
	struct ifinfomsg *ifi;
	uint32_t seq, port;
	ssize_t n;
	int ret = MNL_CB_OK, error = 0;
	bool shared = !eth->qbusy;

	if (shared && eth->qnl == NULL)
		eth->qnl = ngd_ether_qopen();
	nl = shared ? eth->qnl : ngd_ether_qopen();
	if (nl == NULL)
		return errno;
	if (shared)
		eth->qbusy = true;
	seq = ++eth->qseq;
	port = mnl_socket_get_portid(nl);
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_GETLINK;
	nlh->nlmsg_flags = NLM_F_REQUEST | (ifindex == 0 ? NLM_F_DUMP : 0);
	nlh->nlmsg_seq = seq;
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = (int)ifindex;
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0)
		error = errno;
	/* A dump ends with NLMSG_DONE, one link's answer after one read. */
	while (error == 0 && ret > MNL_CB_STOP) {
		if ((n = mnl_socket_recvfrom(nl, buf, sizeof(buf))) <= 0) {
			error = n < 0 ? errno : EPROTO;
			break;
		}
		ret = mnl_cb_run(buf, (size_t)n, seq, port, ngd_ether_link_msg,
		    &ctx);
		if (ret < 0)
			error = errno;
		if (ifindex != 0)
			break;
	}
	if (shared) {
		eth->qbusy = false;
		if (error == 0)
			return 0;
		eth->qnl = NULL;
	}
	mnl_socket_close(nl);
	return error;
}

/* One link as it is now (ENODEV: gone already). */
static int
ngd_ether_query(struct ngd_ether *eth, uint32_t ifindex)
{
	return ngd_ether_request(eth, ifindex);
}

/* Every link there is now. */
int
ngd_ether_scan(struct ngd_ether *eth)
{
	return ngd_ether_request(eth, 0);
}

/* Follow link events from now on, and take the links there are. */
int
ngd_ether_start(struct ngd_ether *eth, struct ng_graph *g)
{
	int error, sz = NGD_ETHER_NL_BUF;

	eth->g = g;
	ngd_ether_active = eth;
	eth->nl = mnl_socket_open2(NETLINK_ROUTE, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (eth->nl == NULL)
		return errno;
	if (mnl_socket_bind(eth->nl, RTMGRP_LINK, MNL_SOCKET_AUTOPID) < 0)
		return errno;
	eth->nlio.fd = mnl_socket_get_fd(eth->nl);
	if (setsockopt(eth->nlio.fd, SOL_SOCKET, SO_RCVBUFFORCE, &sz,
		sizeof(sz)) < 0)
		(void)setsockopt(eth->nlio.fd, SOL_SOCKET, SO_RCVBUF, &sz,
		    sizeof(sz));
	eth->nlio.fn = ngd_ether_nl_event;
	eth->nlio.arg = eth;
	if ((error = ngd_loop_add(eth->loop, &eth->nlio, EPOLLIN)) != 0)
		return error;
	return ngd_ether_scan(eth);
}

/* After the graph is gone (every node detached itself); NULL is fine. */
void
ngd_ether_free(struct ngd_ether *eth)
{
	struct ng_ether_dev *dev;

	if (eth == NULL)
		return;
	if (ngd_ether_active == eth)
		ngd_ether_active = NULL;
	while ((dev = eth->devs) != NULL) {
		eth->devs = dev->next;
		ngd_ether_reset(dev);
		ngd_ether_unhold(dev);
		for (int i = 0; i < NGD_ETHER_NHANDED; i++)
			ngd_ether_close_fd(&dev->handed[i]);
		free(dev);
	}
	if (eth->nl != NULL) {
		ngd_loop_del(eth->loop, &eth->nlio);
		mnl_socket_close(eth->nl);
	}
	if (eth->qnl != NULL)
		mnl_socket_close(eth->qnl);
	free(eth->again);
	ngd_ifslots_unmap(&eth->ifs);
	ng_ether_bpf__destroy(eth->skel); /* NULL ok */
	while (eth->ntaken > 0)
		close(eth->taken[--eth->ntaken]);
	ngd_fast_pin_unpin(eth->pin); /* a clean stop: nothing outlives it */
	ngd_fast_pin_free(eth->pin);
	if (eth->sock >= 0)
		close(eth->sock);
	free(eth);
}

/* --- a takeover (takeover.c) ------------------------------------------------ */

/* The old ngd: the TAPs and links of every diverted interface to fn. */
void
ngd_ether_handover(struct ngd_ether *eth,
    void (*fn)(void *arg, uint32_t ifindex, unsigned slot, int fd), void *arg)
{
	if (eth == NULL)
		return;
	for (struct ng_ether_dev *dev = eth->devs; dev != NULL;
	     dev = dev->next) {
		for (int i = 0; i < NGD_ETHER_NTAP; i++) {
			if (dev->tap[i].io.fd < 0)
				continue;
			fn(arg, dev->ifindex, NGD_ETHER_H_TAP + i,
			    dev->tap[i].io.fd);
			if (dev->tap[i].link >= 0)
				fn(arg, dev->ifindex, NGD_ETHER_H_TAPLINK + i,
				    dev->tap[i].link);
		}
		if (dev->link_in >= 0)
			fn(arg, dev->ifindex, NGD_ETHER_H_IN, dev->link_in);
		if (dev->link_out >= 0)
			fn(arg, dev->ifindex, NGD_ETHER_H_OUT, dev->link_out);
	}
}

/*
 * The old ngd, its takeover failed: the links the new one may have moved
 * to its programs run ours again.
 */
void
ngd_ether_reclaim(struct ngd_ether *eth)
{
	uint32_t id[NGD_ETHER_NPROG];

	if (eth == NULL || eth->skel == NULL)
		return;
	/* (a link that runs ours is left as it is: an update takes the
	 * RTNL lock even then) */
	for (int i = 0; i < NGD_ETHER_NPROG; i++)
		id[i] = ngd_fast_pin_prog_id(eth->prog_fd[i]);
	/* Ours pinned again, under our build, and the new one's (another
	 * build's) unpinned: a later takeover of this build takes them,
	 * and leaves its links as they are only if they run them. */
	ngd_fast_pin_obj_progs(eth->pin, eth->skel->obj, eth->taken,
	    eth->ntaken);
	for (struct ng_ether_dev *dev = eth->devs; dev != NULL;
	     dev = dev->next) {
		for (int i = 0; i < NGD_ETHER_NTAP; i++) {
			int p = i == NGD_ETHER_TAP_LOWER ?
			    NGD_ETHER_PROG_TAP_LOWER :
			    NGD_ETHER_PROG_TAP_UPPER;

			if (dev->tap[i].link >= 0)
				(void)ngd_fast_pin_link_run(dev->tap[i].link,
				    eth->prog_fd[p], id[p]);
		}
		if (dev->link_in >= 0)
			(void)ngd_fast_pin_link_run(dev->link_in,
			    eth->prog_fd[NGD_ETHER_PROG_IN],
			    id[NGD_ETHER_PROG_IN]);
		if (dev->link_out >= 0)
			(void)ngd_fast_pin_link_run(dev->link_out,
			    eth->prog_fd[NGD_ETHER_PROG_OUT],
			    id[NGD_ETHER_PROG_OUT]);
		/* the maps may be shared (the same build): ours again */
		if (ngd_ether_any_on(dev))
			(void)ngd_ether_apply(dev);
	}
}

/*
 * The new ngd: fd (ours) was the old one's for slot of the interface
 * ifindex; the node's hooks, made again, take it (done: those not
 * taken are closed, and go with the old ngd).
 */
void
ngd_ether_expect(struct ngd_ether *eth, uint32_t ifindex, unsigned slot, int fd)
{
	struct ng_ether_dev *dev = eth != NULL ?
	    ngd_ether_find(eth, ifindex) :
	    NULL;

	if (dev == NULL || slot >= NGD_ETHER_NHANDED) {
		close(fd);
		return;
	}
	ngd_ether_close_fd(&dev->handed[slot]);
	dev->handed[slot] = fd;
	eth->expecting = true;
}

void
ngd_ether_expect_done(struct ngd_ether *eth)
{
	if (eth == NULL)
		return;
	for (struct ng_ether_dev *dev = eth->devs; dev != NULL; dev = dev->next)
		for (int i = 0; i < NGD_ETHER_NHANDED; i++)
			ngd_ether_close_fd(&dev->handed[i]);
	eth->expecting = false;
	if (eth->reused && eth->skel != NULL) {
		ngd_ether_sweep(eth); /* the old ngd's, none of ours */
		ngd_ifslots_settle(&eth->ifs, eth->ports_fd);
	}
}

/* --- uplinks (fastpath_ether.c) ----------------------------------------- */

struct ng_graph *
ngd_ether_graph(void)
{
	return ngd_ether_active != NULL ? ngd_ether_active->g : NULL;
}

int
ngd_ether_uplink(struct ng_node *node, int dir, uint32_t hidx)
{
	struct ngd_ether *eth = ngd_ether_active;
	struct ng_ether_dev *dev;
	int which = dir == NG_ETHER_DIR_UPPER ?
	    NGD_ETHER_TAP_UPPER :
	    NGD_ETHER_TAP_LOWER;
	int error;

	if (eth == NULL)
		return ENXIO;
	for (dev = eth->devs; dev != NULL && dev->node != node; dev = dev->next)
		;
	if (dev == NULL || (hidx != 0 && !dev->on[dir]))
		return ENXIO;
	if (dev->up[which] == hidx)
		return 0;
	if (dev->up[which] != 0) {
		/* Frames to the TAP again before the uplink's entry goes. */
		uint32_t old = dev->up[which];

		dev->up[which] = 0;
		(void)ngd_ether_apply(dev);
		dev->up[which] = old;
		ngd_ether_up_close(dev, which);
	}
	if (hidx == 0)
		return 0;
	if ((error = ngd_ether_load(eth)) != 0)
		return error;
	dev->up_link[which] = ngd_ether_attach(eth,
	    which == NGD_ETHER_TAP_LOWER ? NGD_ETHER_PROG_TAP_LOWER :
					   NGD_ETHER_PROG_TAP_UPPER,
	    hidx, true);
	if (dev->up_link[which] < 0) {
		error = -dev->up_link[which];
		dev->up_link[which] = -1;
		return error;
	}
	dev->up[which] = hidx; /* the host end's entry, then the interface's */
	if ((error = ngd_ether_apply(dev)) != 0) {
		ngd_ether_up_close(dev, which);
		(void)ngd_ether_apply(dev);
	}
	return error;
}

int
ngd_ether_wire(struct ng_node *node, bool on)
{
	struct ng_ether_dev *dev;

	if (ngd_ether_active == NULL)
		return ENXIO;
	for (dev = ngd_ether_active->devs; dev != NULL && dev->node != node;
	     dev = dev->next)
		;
	if (dev == NULL || (on && !ngd_ether_any_on(dev)))
		return ENXIO;
	if (on)
		dev->wire++;
	else if (dev->wire > 0)
		dev->wire--;
	if (!ngd_ether_any_on(dev) || dev->wire != (on ? 1u : 0u))
		return 0; /* (the program stays as it was) */
	return ngd_ether_apply(dev);
}

uint32_t
ngd_ether_ifindex(const struct ng_node *node)
{
	const struct ng_ether_dev *dev;

	if (ngd_ether_active == NULL)
		return 0;
	for (dev = ngd_ether_active->devs; dev != NULL && dev->node != node;
	     dev = dev->next)
		;
	return dev != NULL ? dev->ifindex : 0;
}

unsigned
ngd_ether_diverted(struct ng_node **out, unsigned max)
{
	unsigned n = 0;

	if (ngd_ether_active == NULL)
		return 0;
	for (struct ng_ether_dev *dev = ngd_ether_active->devs; dev != NULL;
	     dev = dev->next)
		if (dev->node != NULL && ngd_ether_any_on(dev)) {
			if (n < max)
				out[n] = dev->node;
			n++;
		}
	return n;
}
