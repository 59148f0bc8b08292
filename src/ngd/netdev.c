/*
 * netdev.c: the backend of interface-backed nodes.  A TAP (eiface) or TUN
 * (iface) device opened with IFF_VNET_HDR and offloads on, so the kernel
 * hands over whole 64 KiB GSO frames with their metadata.  ngd keeps the
 * fd, so the interface may move to any namespace and keep working; name
 * changes are made in whatever namespace the interface lives in
 * (TUNGETDEVNETNS).  Per frame: one readv in, one writev out; the writes
 * a batch of reads causes go out together after it.
 *
 * Placing an interface in another namespace (the vnet message): moving a
 * device costs the kernel a full RCU grace period (~16 ms here), and so
 * does deleting one; making one costs little.  So the device is made
 * anew inside the target namespace, with the same name and MAC, and the
 * old one, renamed and put in ngd's "retired" interface group in the
 * namespace it is in, is deleted together with every other retired one
 * there by a single RTM_DELLINK once no more arrive for a moment
 * (NGD_RETIRE_MS): one grace period for any number of them.  A device
 * made inside a namespace holds that namespace (through ngd's fd) for as
 * long as it lives, so it follows the namespace's name: when
 * /run/netns/NAME goes (ip netns del, jail -r), the interface comes home
 * and the namespace is free to go.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
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
#include <sys/inotify.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <syslog.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/ethtool.h>
#include <linux/filter.h>
#include <linux/if_ether.h>
#include <linux/if_tun.h>
#include <linux/io_uring.h>
#include <linux/net_namespace.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sockios.h>

#include <libmnl/libmnl.h>

#include "ngd.h"
#include "ng_ether_dev.h"
#include "netgraph/ng_eiface.h"
#include "netgraph/ng_iface.h"

#ifndef TUN_F_USO4
#define TUN_F_USO4 0x20
#define TUN_F_USO6 0x40
#endif

#define NGD_RETIRE_MS 20       /* quiet time before retired devices go */
#define NGD_RETIRE_MAX 1024    /* or as soon as this many wait */
#define NGD_RETIRE_WAIT_MS 500 /* or once the first waited this long */
/* A link request and its acknowledgement (which, for an error, quotes
 * the request back). */
#define NGD_RTNL_BUFSIZ 1024

struct ng_netdev {
	struct ngd_io io;
	struct ngd_netdev *be; /* the backend that made it */
	struct ng_node *node;
	enum ng_netdev_kind kind;
	bool retired;      /* waiting in the retired list */
	bool retired_away; /* ... outside ngd's namespace */
	bool down; /* its interface refused the last write (EIO: not up) */
	unsigned up_gen; /* nd->down_gen when a write last went through */
	struct ng_netdev *next;   /* retired list, or placed list */
	char netns[NAME_MAX + 1]; /* made in /run/netns/<this> ("": ngd's) */
	/* Where it lives, as the journal last saw it (ngd_netdev_describe). */
	uint64_t ns_ino, ns_cookie;
	uint32_t ifindex;
	char seen_name[IFNAMSIZ];
	struct ngd_veth *veth; /* a veth pair (fastpath.c), not a TAP */
};

#define NGD_NETNS_DIR "/run/netns"
#define NGD_INIT_NETNS_INO 0xeffffff9u /* the host's (PROC_NET_INIT_INO) */
#ifndef SO_NETNS_COOKIE
#define SO_NETNS_COOKIE 71
#endif

static const struct ng_netdev_ops ngd_netdev_ops;
static int ngd_netns_watch_start(struct ngd_netdev *nd);
static void ngd_netns_event(void *arg, uint32_t events);
static int64_t ngd_netdev_before_sleep(void *arg);

/* The backend whose watch of /run/netns runs (one a daemon), for
 * ngd_netdev_send_msg. */
static struct ngd_netdev *ngd_netns_watcher;

/*
 * MACs derive from the host's machine id, this graph's namespace and the
 * interface's first name (DESIGN decision 3), so that graphs in two
 * namespaces (two vnet jails) never give two interfaces one MAC, while
 * an ngd restarted in the same namespace gives the same ones.  The
 * namespace is named by its cookie, which the kernel never reuses while
 * it runs; the host's own namespace adds nothing, so its MACs survive a
 * reboot too.  Without SO_NETNS_COOKIE (before Linux 5.14), the
 * namespace's inode, unique among the living ones.
 */
static void
ngd_netns_identity(struct ngd_netdev *nd, char *id, size_t size)
{
	uint64_t cookie = 0;
	socklen_t len = sizeof(cookie);
	struct stat st;
	size_t n = strlen(id);

	if (fstat(nd->own_netns, &st) < 0)
		return;
	if (st.st_ino == NGD_INIT_NETNS_INO)
		return;
	if (getsockopt(nd->sock, SOL_SOCKET, SO_NETNS_COOKIE, &cookie, &len) <
		0 ||
	    len != sizeof(cookie))
		cookie = 0;
	if (cookie != 0)
		snprintf(id + n, size - n, "/netns-cookie:%llu",
		    (unsigned long long)cookie);
	else
		snprintf(id + n, size - n, "/netns-inode:%llu",
		    (unsigned long long)st.st_ino);
}

static void ngd_linkmon_start(struct ngd_netdev *nd);

int
ngd_netdev_init(struct ngd_netdev *nd, struct ngd_loop *loop)
{
	FILE *f;

	memset(nd, 0, sizeof(*nd));
	nd->loop = loop;
	nd->netns_watch.fd = -1;
	nd->linkmon.fd = -1;
	nd->sock = -1;
	nd->expect_fd = -1;
	nd->own_netns = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (nd->own_netns < 0)
		return errno;
	nd->sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (nd->sock < 0)
		return errno;
	/* rtnetlink in ngd's own namespace, wherever the thread is later. */
	nd->rtnl = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
	if (nd->rtnl == NULL)
		return errno;
	if (mnl_socket_bind(nd->rtnl, 0, MNL_SOCKET_AUTOPID) < 0)
		return errno;
	f = fopen("/etc/machine-id", "r");
	if (f == NULL)
		f = fopen("/var/lib/dbus/machine-id", "r");
	if (f != NULL) {
		if (fgets(nd->machine_id, sizeof(nd->machine_id), f) == NULL)
			nd->machine_id[0] = '\0';
		nd->machine_id[strcspn(nd->machine_id, "\n")] = '\0';
		fclose(f);
	}
	if (nd->machine_id[0] == '\0')
		(void)gethostname(nd->machine_id, sizeof(nd->machine_id) - 1);
	ngd_netns_identity(nd, nd->machine_id, sizeof(nd->machine_id));
	ngd_linkmon_start(nd);
	nd->ops = ngd_netdev_ops;
	nd->ops.machine_id = nd->machine_id;
	ngd_loop_before_sleep(loop, &nd->reap_hook, ngd_netdev_before_sleep,
	    nd);
	return 0;
}

static void ngd_netdev_flush_retired(struct ngd_netdev *nd, bool final);
struct ngd_uring;
static void ngd_uring_close(struct ngd_uring *u);

void
ngd_netdev_fini(struct ngd_netdev *nd)
{
	ngd_netdev_flush_retired(nd, true);
	ngd_uring_close(nd->uring);
	nd->uring = NULL;
	ngd_netdev_expect(nd, NULL, -1);
	ngd_loop_close(nd->loop, &nd->netns_watch);
	ngd_loop_close(nd->loop, &nd->linkmon);
	if (ngd_netns_watcher == nd)
		ngd_netns_watcher = NULL;
	if (nd->rtnl != NULL)
		mnl_socket_close(nd->rtnl);
	nd->rtnl = NULL;
	if (nd->sock >= 0)
		close(nd->sock);
	if (nd->own_netns >= 0)
		close(nd->own_netns);
	nd->sock = nd->own_netns = -1;
}

/* Where e goes: its device's TAP while it has one, or its fd. */
static int
ngd_txq_fd(const struct ngd_txq_ent *e)
{
	if (e->dev != NULL)
		return e->dev->retired ? -1 : e->dev->io.fd;
	return e->fd;
}

/* e's write as iov[0..n-1]: the header, the frame, its tags if it has
 * any after the MACs. */
static int
ngd_txq_iov(struct ngd_txq_ent *e, struct iovec iov[4])
{
	iov[0].iov_base = &e->vh;
	iov[0].iov_len = sizeof(e->vh);
	if (e->ntag == 0) {
		iov[1].iov_base = e->pkt->data;
		iov[1].iov_len = e->pkt->len;
		return 2;
	}
	iov[1].iov_base = e->pkt->data;
	iov[1].iov_len = 12;
	iov[2].iov_base = e->tag;
	iov[2].iov_len = e->ntag * sizeof(e->tag[0]);
	iov[3].iov_base = e->pkt->data + 12;
	iov[3].iov_len = e->pkt->len - 12;
	return 4;
}

/*
 * The hook by which dev's node takes frames for its interface, or sends
 * what the interface sent: an eiface's ether hook; an iface's inet or
 * inet6 hook (by the frame's IP version, IPv4 if unknown).  NULL if it
 * is not connected.
 */
static struct ng_hook *
ngd_netdev_hook(const struct ng_netdev *dev, const uint8_t *frame, size_t len)
{
	const char *name = NG_EIFACE_HOOK_ETHER;

	if (dev->retired || !ng_node_valid(dev->node))
		return NULL;
	if (dev->kind == NG_NETDEV_TUN)
		name = len > 0 && frame[0] >> 4 == 6 ?
		    NG_IFACE_HOOK_INET6 :
		    NG_IFACE_HOOK_INET;
	for (struct ng_hook *h = dev->node->hooks; h != NULL; h = h->next)
		if ((h->flags & NG_HOOK_VALID) && strcmp(h->name, name) == 0)
			return h;
	return NULL;
}

/*
 * A frame of a batch that e's device refused after its node had taken it
 * (its rcvdata said yes: the write was queued): counted in the recvDrops
 * of the hook it came by, as a refusal at once is (ng_send_data), so
 * that gethookstats, `ngctl show -s` and `ngctl top` say what was lost.
 * (A frame for the fast path's TAP, e->dev NULL, is counted by no hook.)
 */
static void
ngd_txq_lost(const struct ngd_txq_ent *e)
{
	struct ng_hook *h;

	if (e->dev != NULL &&
	    (h = ngd_netdev_hook(e->dev, e->pkt->data, e->pkt->len)) != NULL)
		h->stats.recv_drops++;
}

/* What a write into e's device returned (0 or an errno): a TAP or TUN
 * whose interface is not up refuses it with EIO. */
static int
ngd_txq_result(struct ngd_txq_ent *e, int error)
{
	if (e->dev != NULL && (error == 0 || error == EIO)) {
		e->dev->down = error == EIO;
		e->dev->up_gen = e->dev->be->down_gen;
	}
	return error == EIO ? ENETDOWN : error;
}

static int
ngd_txq_write(struct ngd_txq_ent *e)
{
	struct iovec iov[4];
	int fd = ngd_txq_fd(e), n = ngd_txq_iov(e, iov);

	if (fd < 0)
		return ENETDOWN;
	return ngd_txq_result(e, writev(fd, iov, n) < 0 ? errno : 0);
}

/*
 * Entry e for pkt (borrowed) into fd or dev's TAP: after the MACs the
 * port's tag (type, tag) if tag >= 0, then the frame's own out-of-band
 * VLAN tag if it has one (a vlan node's filter with setencap's filter
 * bit off, or its nomatch with setdecap on: FreeBSD's M_VLANTAG, which
 * an eiface's interface receives as a tagged frame; no TAP or TUN
 * takes it beside the frame, so it goes inline, as 802.1Q).
 */
static int
ngd_txq_set(struct ngd_txq_ent *e, struct ng_netdev *dev, int fd,
    const struct ng_pkt *pkt, const struct virtio_net_hdr *vh, uint16_t type,
    int tag)
{
	e->dev = dev;
	e->fd = fd;
	e->pkt = (struct ng_pkt *)pkt;
	e->vh = *vh;
	e->ntag = 0;
	if (tag >= 0) {
		e->tag[e->ntag++] = htons(type);
		e->tag[e->ntag++] = htons((uint16_t)tag);
	}
	if (pkt->vlan_tagged && (dev == NULL || dev->kind != NG_NETDEV_TUN)) {
		e->tag[e->ntag++] = htons(0x8100);
		e->tag[e->ntag++] = htons(pkt->vlan_tag);
	}
	if (e->ntag > 0) {
		if (pkt->len < 12)
			return EINVAL;
		if (e->vh.flags & VIRTIO_NET_HDR_F_NEEDS_CSUM)
			e->vh.csum_start += (uint16_t)(2 * e->ntag);
	}
	return 0;
}

/*
 * The writes of a flush in one system call (io_uring).  A bridge floods
 * each broadcast and multicast frame to every port: with a thousand
 * jails on one bridge, every IPv6 neighbour, router and MLD message of
 * each is a thousand TAP writes, and a system call costs this
 * paravirtualised machine more than the write itself (a writev each:
 * 21 us of CPU per frame to 300 TAPs; in one io_uring_enter per 64
 * frames: 6.5 us).  A TAP write never waits (its socket's send buffer is
 * unlimited), so the kernel completes each in order during the call and
 * none goes to a worker thread.  Without io_uring (an old kernel, a
 * seccomp filter, kernel.io_uring_disabled): one writev each.
 */
#define NGD_URING_MIN 4 /* fewer writes than this: writev each */

struct ngd_uring {
	int fd;
	unsigned *sq_tail, *sq_mask, *sq_array;
	unsigned *cq_head, *cq_tail, *cq_mask;
	struct io_uring_sqe *sqes;
	struct io_uring_cqe *cqes;
	void *sq_map, *cq_map;
	size_t sq_len, cq_len, sqes_len;
	struct iovec iov[NGD_RX_BATCH][4];
};

static void
ngd_uring_close(struct ngd_uring *u)
{
	if (u == NULL)
		return;
	if (u->sqes != NULL && u->sqes != MAP_FAILED)
		munmap(u->sqes, u->sqes_len);
	if (u->cq_map != NULL && u->cq_map != MAP_FAILED &&
	    u->cq_map != u->sq_map)
		munmap(u->cq_map, u->cq_len);
	if (u->sq_map != NULL && u->sq_map != MAP_FAILED)
		munmap(u->sq_map, u->sq_len);
	if (u->fd >= 0)
		close(u->fd);
	free(u);
}

/* The ring, made at the first flush that can use it; NULL for good if
 * the kernel refuses one. */
static struct ngd_uring *
ngd_uring_get(struct ngd_netdev *nd)
{
	struct io_uring_params p;
	struct ngd_uring *u;
	char *sq, *cq;

	if (nd->uring != NULL || nd->uring_failed)
		return nd->uring;
	nd->uring_failed = true;
	if ((u = calloc(1, sizeof(*u))) == NULL)
		return NULL;
	memset(&p, 0, sizeof(p));
	u->fd = (int)syscall(SYS_io_uring_setup, NGD_RX_BATCH, &p);
	if (u->fd < 0 || !(p.features & IORING_FEAT_SINGLE_MMAP)) {
		if (u->fd < 0)
			ngd_log(LOG_INFO,
			    "io_uring: %s; a system call per TAP write",
			    strerror(errno));
		ngd_uring_close(u);
		return NULL;
	}
	u->sq_len = p.sq_off.array + p.sq_entries * sizeof(unsigned);
	u->cq_len = p.cq_off.cqes + p.cq_entries * sizeof(struct io_uring_cqe);
	if (u->cq_len > u->sq_len)
		u->sq_len = u->cq_len;
	u->sq_map = mmap(NULL, u->sq_len, PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_POPULATE, u->fd, IORING_OFF_SQ_RING);
	u->cq_map = u->sq_map;
	u->sqes_len = p.sq_entries * sizeof(struct io_uring_sqe);
	u->sqes = mmap(NULL, u->sqes_len, PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_POPULATE, u->fd, IORING_OFF_SQES);
	if (u->sq_map == MAP_FAILED || u->sqes == MAP_FAILED) {
		ngd_uring_close(u);
		return NULL;
	}
	sq = u->sq_map;
	cq = u->cq_map;
	u->sq_tail = (unsigned *)(sq + p.sq_off.tail);
	u->sq_mask = (unsigned *)(sq + p.sq_off.ring_mask);
	u->sq_array = (unsigned *)(sq + p.sq_off.array);
	u->cq_head = (unsigned *)(cq + p.cq_off.head);
	u->cq_tail = (unsigned *)(cq + p.cq_off.tail);
	u->cq_mask = (unsigned *)(cq + p.cq_off.ring_mask);
	u->cqes = (struct io_uring_cqe *)(cq + p.cq_off.cqes);
	nd->uring = u;
	nd->uring_failed = false;
	return u;
}

/* The queued writes in one call: false if they must go one by one. */
static bool
ngd_uring_flush(struct ngd_netdev *nd)
{
	struct ngd_uring *u = ngd_uring_get(nd);
	unsigned tail, head, n = 0;
	int done;

	if (u == NULL)
		return false;
	tail = *u->sq_tail;
	for (unsigned i = 0; i < nd->ntxq; i++) {
		struct ngd_txq_ent *e = &nd->txq[i];
		unsigned slot = (tail + n) & *u->sq_mask;
		struct io_uring_sqe *sqe = &u->sqes[slot];
		int fd = ngd_txq_fd(e);

		if (fd < 0)
			continue;
		memset(sqe, 0, sizeof(*sqe));
		sqe->opcode = IORING_OP_WRITEV;
		sqe->fd = fd;
		sqe->addr = (uint64_t)(uintptr_t)u->iov[n];
		sqe->len = (uint32_t)ngd_txq_iov(e, u->iov[n]);
		sqe->off = (uint64_t)-1; /* no position: a stream */
		sqe->user_data = i;
		u->sq_array[slot] = slot;
		n++;
	}
	if (n == 0)
		return true;
	__atomic_store_n(u->sq_tail, tail + n, __ATOMIC_RELEASE);
	/* Every completion before the packets go back to the pool. */
	for (unsigned got = 0; got < n;) {
		done = (int)syscall(SYS_io_uring_enter, u->fd, got == 0 ? n : 0,
		    n - got, IORING_ENTER_GETEVENTS, NULL, 0);
		if (done < 0 && errno != EINTR) {
			/* Never seen: the ring is unusable, so drop it. */
			ngd_log(LOG_WARNING, "io_uring_enter: %s",
			    strerror(errno));
			ngd_uring_close(u);
			nd->uring = NULL;
			nd->uring_failed = true;
			return true; /* this batch is lost, as a full ring */
		}
		head = *u->cq_head;
		while (head != __atomic_load_n(u->cq_tail, __ATOMIC_ACQUIRE)) {
			const struct io_uring_cqe *c =
			    &u->cqes[head & *u->cq_mask];

			if (c->user_data < nd->ntxq && /* its device's state */
			    ngd_txq_result(&nd->txq[c->user_data],
				c->res < 0 ? -c->res : 0) != 0)
				ngd_txq_lost(&nd->txq[c->user_data]);
			head++;
			got++;
		}
		__atomic_store_n(u->cq_head, head, __ATOMIC_RELEASE);
	}
	return true;
}

/*
 * Frames bound for interfaces while a batch read from one is handled go
 * out together at the end of the batch (nd->txq): a program reading on
 * the far side is woken once for many frames instead of once a frame.
 */
static void
ngd_netdev_flush_tx(struct ngd_netdev *nd)
{
	bool sent = nd->ntxq >= NGD_URING_MIN && ngd_uring_flush(nd);

	for (unsigned i = 0; i < nd->ntxq; i++) {
		struct ngd_txq_ent *e = &nd->txq[i];

		if (!sent && ngd_txq_write(e) != 0)
			ngd_txq_lost(e);
		ng_pkt_free(&e->pkt);
	}
	nd->ntxq = 0;
}

/*
 * A frame into fd or dev's TAP: queued in a batch, else written.  A
 * device whose last write was refused (its interface is not up) is
 * written at once, so that the sender hears ENETDOWN as FreeBSD's
 * eiface and iface say it (spec 9.2): a failed write costs little, and
 * the first to go through puts the device back in the batches.  So is
 * every device after a TAP or TUN went down anywhere ngd hears of
 * (ngd_linkmon) until a write to it goes through: a frame queued for an
 * interface that has gone down would be refused after its sender
 * counted it sent.  (A down whose news comes in the same loop pass as
 * the frames may still be learned after them.)
 */
static int
ngd_txq_send(struct ngd_netdev *nd, struct ng_netdev *dev, int fd,
    const struct ng_pkt *pkt, const struct virtio_net_hdr *vh, uint16_t type,
    int tag)
{
	struct ngd_txq_ent now, *e = &now;
	int error;

	if (nd->in_batch &&
	    (dev == NULL || (!dev->down && dev->up_gen == nd->down_gen))) {
		if (nd->ntxq == NGD_RX_BATCH)
			ngd_netdev_flush_tx(nd);
		e = &nd->txq[nd->ntxq];
	}
	if ((error = ngd_txq_set(e, dev, fd, pkt, vh, type, tag)) != 0)
		return error;
	if (e == &now)
		return ngd_txq_write(e);
	/* Borrowed: our own reference keeps it until the flush. */
	e->pkt = ng_pkt_ref((struct ng_pkt *)pkt);
	nd->ntxq++;
	return 0;
}

int
ngd_tap_send(struct ngd_netdev *nd, int fd, const struct ng_pkt *pkt,
    const struct virtio_net_hdr *vh, uint16_t type, int tag)
{
	return ngd_txq_send(nd, NULL, fd, pkt, vh, type, tag);
}

void
ngd_netdev_batch_begin(struct ngd_netdev *nd)
{
	nd->in_batch = true;
}

void
ngd_netdev_batch_end(struct ngd_netdev *nd)
{
	nd->in_batch = false;
	ngd_netdev_flush_tx(nd);
}

/* The ring made now rather than at the first batch of writes, so that
 * ngd's descriptors do not change at the first flood (a leak would
 * look the same to whoever counts them). */
void
ngd_netdev_batch_prepare(struct ngd_netdev *nd)
{
	(void)ngd_uring_get(nd);
}

/* Where a frame that found no buffer is read (ngd_tap_read, ENOBUFS),
 * and how much of it after the vnet header. */
static uint8_t ngd_tap_scratch[sizeof(struct virtio_net_hdr) + NG_PKT_BUFSIZE];
static size_t ngd_tap_scratch_len;

size_t
ngd_tap_dropped(const uint8_t **framep)
{
	*framep = ngd_tap_scratch + sizeof(struct virtio_net_hdr);
	return ngd_tap_scratch_len;
}

/*
 * One frame from a vnet-header TAP on fd into a pool packet (*pktp): 0,
 * or EAGAIN when nothing is waiting, or the errno of a failed read (EIO
 * for a short one).  When the pool has no buffer, the frame is read into
 * a scratch buffer and dropped, as a NIC drops when its ring is full
 * (left unread, it would wake the loop at once, for ever): ENOBUFS, and
 * the caller may read on.
 */
int
ngd_tap_read(struct ng_graph *g, int fd, struct ng_pkt **pktp)
{
	static unsigned long dropped;
	struct ng_pkt *pkt;
	struct iovec iov[2];
	ssize_t n;

	*pktp = NULL;
	if ((pkt = ng_pkt_alloc(g)) == NULL) {
		ngd_tap_scratch_len = 0;
		if ((n = read(fd, ngd_tap_scratch, sizeof(ngd_tap_scratch))) <
		    0)
			return errno;
		if (n > (ssize_t)sizeof(struct virtio_net_hdr))
			ngd_tap_scratch_len = (size_t)n -
			    sizeof(struct virtio_net_hdr);
		dropped++;
		ngd_log(LOG_WARNING,
		    "packet pool exhausted: %lu frames from "
		    "interfaces dropped so far",
		    dropped);
		return ENOBUFS;
	}
	iov[0].iov_base = &pkt->vh;
	iov[0].iov_len = sizeof(pkt->vh);
	iov[1].iov_base = pkt->data;
	iov[1].iov_len = NG_PKT_BUFSIZE - NG_PKT_HEADROOM;
	n = readv(fd, iov, 2);
	if (n < (ssize_t)sizeof(pkt->vh)) {
		int error = n < 0 ? errno : EIO;

		ng_pkt_free(&pkt);
		return error;
	}
	pkt->len = (uint32_t)n - sizeof(pkt->vh);
	*pktp = pkt;
	return 0;
}

static void
ngd_netdev_rx(struct ng_netdev *dev, struct ng_graph *g)
{
	uint64_t sends = ng_sends(g);

	for (int i = 0; i < NGD_RX_BATCH && !ngd_batch_spent(g, sends); i++) {
		struct ng_pkt *pkt;
		int error = ngd_tap_read(g, dev->io.fd, &pkt);

		if (error == ENOBUFS) {
			/* Sent by the interface, reached no node: counted
			 * where the fast path counts what it lost of a
			 * port's frames (the hook's xmitDrops). */
			const uint8_t *frame;
			size_t len = ngd_tap_dropped(&frame);
			struct ng_hook *h = ngd_netdev_hook(dev, frame, len);

			if (h != NULL)
				h->stats.xmit_drops++;
			continue;
		}
		if (error == EAGAIN || error == EINTR)
			return;
		if (error != 0) {
			/* The interface went away under us. */
			ng_netdev_gone(dev->node); /* may free dev */
			return;
		}
		ng_netdev_input(dev->node, &pkt); /* consumes pkt */
		if (dev->io.fd < 0)
			return;
	}
}

static void
ngd_netdev_event(void *arg, uint32_t events)
{
	struct ng_netdev *dev = arg;
	struct ngd_netdev *nd = dev->be;
	struct ng_graph *g = dev->node->graph;

	if (dev->retired)
		return; /* an event of this pass from before it retired */
	ngd_loop_traffic(nd->loop);
	ngd_netdev_batch_begin(nd);
	ngd_netdev_rx(dev, g); /* may free dev */
	ngd_netdev_batch_end(nd);
	(void)events;
}

static void
ngd_netdev_home(struct ngd_netdev *nd)
{
	if (setns(nd->own_netns, CLONE_NEWNET) < 0) {
		ngd_log(LOG_CRIT, "cannot return to ngd's namespace: %s",
		    strerror(errno));
		abort(); /* serving another namespace's graph would be worse */
	}
}

/* --- link events: TAPs and TUNs going down ------------------------------- */

/* Whether the RTM_NEWLINK nh says a TAP or TUN is down. */
static bool
ngd_linkmon_tun_down(const struct nlmsghdr *nh)
{
	const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nh);
	struct nlattr *a, *k;

	if (nh->nlmsg_type != RTM_NEWLINK ||
	    mnl_nlmsg_get_payload_len(nh) < sizeof(*ifi) ||
	    (ifi->ifi_flags & IFF_UP))
		return false;
	mnl_attr_for_each(a, nh, sizeof(*ifi))
	{
		if (mnl_attr_get_type(a) != IFLA_LINKINFO ||
		    mnl_attr_validate(a, MNL_TYPE_NESTED) != 0)
			continue;
		mnl_attr_for_each_nested(k, a)
		{
			if (mnl_attr_get_type(k) == IFLA_INFO_KIND &&
			    mnl_attr_validate(k, MNL_TYPE_STRING) == 0 &&
			    strcmp(mnl_attr_get_str(k), "tun") == 0)
				return true;
		}
	}
	return false;
}

/*
 * The link events waiting: a TAP or TUN gone down (any: the event does
 * not say which of ngd's devices it is, wherever the device lives), or
 * events lost, and down_gen moves on, so that each device is written at
 * once until a write to it goes through.  O(1) an event.
 */
static void
ngd_linkmon_event(void *arg, uint32_t events)
{
	struct ngd_netdev *nd = arg;
	char buf[MNL_SOCKET_BUFFER_SIZE]
	    __attribute__((aligned(__alignof__(struct nlmsghdr))));
	ssize_t n;

	(void)events;
	while ((n = recv(nd->linkmon.fd, buf, sizeof(buf), MSG_DONTWAIT)) !=
	    0) {
		const struct nlmsghdr *nh = (const struct nlmsghdr *)buf;
		int len = (int)n;

		if (n < 0) {
			if (errno == ENOBUFS) /* events lost */
				nd->down_gen++;
			if (errno == EINTR || errno == ENOBUFS)
				continue;
			return;
		}
		for (; mnl_nlmsg_ok(nh, len); nh = mnl_nlmsg_next(nh, &len))
			if (ngd_linkmon_tun_down(nh))
				nd->down_gen++;
	}
}

/*
 * Link events of ngd's namespace and of every namespace it has an id for
 * (NETLINK_LISTEN_ALL_NSID; CAP_NET_BROADCAST there).  Without it,
 * frames are batched as before: a device that goes down is learned from
 * its first refused write.
 */
static void
ngd_linkmon_start(struct ngd_netdev *nd)
{
	/* Only RTM_NEWLINKs of interfaces that are down wake ngd: a jail's
	 * coming and going raises a dozen events each (cBPF loads are
	 * big-endian, netlink's fields host-endian). */
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_H | BPF_ABS,
		    offsetof(struct nlmsghdr, nlmsg_type)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, ntohs(RTM_NEWLINK), 0, 3),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
		    NLMSG_LENGTH(0) + offsetof(struct ifinfomsg, ifi_flags)),
		BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, ntohl(IFF_UP), 1, 0),
		BPF_STMT(BPF_RET | BPF_K, 0xffffffffu),
		BPF_STMT(BPF_RET | BPF_K, 0),
	};
	struct sock_fprog prog = { sizeof(f) / sizeof(f[0]), f };
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK,
		.nl_groups = RTMGRP_LINK };
	int one = 1, fd;

	nd->linkmon.fd = -1;
	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (fd < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof(prog)) <
		0 ||
	    setsockopt(fd, SOL_NETLINK, NETLINK_LISTEN_ALL_NSID, &one,
		sizeof(one)) < 0 ||
	    bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		ngd_log(LOG_WARNING,
		    "no link events for TAPs: %s; a TAP that goes down is "
		    "learned at its first refused write",
		    strerror(errno));
		if (fd >= 0)
			close(fd);
		return;
	}
	nd->linkmon.fd = fd;
	nd->linkmon.fn = ngd_linkmon_event;
	nd->linkmon.arg = nd;
	if (ngd_loop_add(nd->loop, &nd->linkmon, EPOLLIN) != 0) {
		close(fd);
		nd->linkmon.fd = -1;
	}
}

/*
 * The namespace the device on fd lives in given an id in ngd's, if it is
 * another and has none, so that its link events reach ngd_linkmon (an
 * id refers to a namespace and keeps none alive; `ip link set netns`
 * gives one the same way).
 */
static void
ngd_linkmon_nsid(struct ngd_netdev *nd, int fd)
{
	char buf[256];
	struct nlmsghdr *nh;
	struct rtgenmsg *g;
	struct stat a, b;
	int nsfd;

	if (nd->linkmon.fd < 0 || (nsfd = ioctl(fd, TUNGETDEVNETNS, 0)) < 0)
		return;
	if (fstat(nsfd, &a) == 0 && fstat(nd->own_netns, &b) == 0 &&
	    (a.st_ino != b.st_ino || a.st_dev != b.st_dev)) {
		memset(buf, 0, sizeof(buf));
		nh = mnl_nlmsg_put_header(buf);
		nh->nlmsg_type = RTM_NEWNSID;
		nh->nlmsg_seq = ++nd->rtnl_seq;
		g = mnl_nlmsg_put_extra_header(nh, sizeof(*g));
		g->rtgen_family = AF_UNSPEC;
		mnl_attr_put_u32(nh, NETNSA_FD, (uint32_t)nsfd);
		mnl_attr_put_u32(nh, NETNSA_NSID, (uint32_t)-1); /* any */
		/* EEXIST: it has one */
		(void)ngd_nl_request(nd->rtnl, nh, buf, sizeof(buf));
	}
	close(nsfd);
}

/* A struct ng_netdev for the device open on fd, watched by the loop. */
static int
ngd_netdev_wrap(struct ngd_netdev *nd, int fd, enum ng_netdev_kind kind,
    struct ng_node *node, struct ng_netdev **devp)
{
	struct ng_netdev *dev;
	int error;

	ngd_linkmon_nsid(nd, fd);

	dev = calloc(1, sizeof(*dev));
	if (dev == NULL)
		return ENOMEM;
	dev->io.fd = fd;
	dev->io.fn = ngd_netdev_event;
	dev->io.arg = dev;
	dev->be = nd;
	dev->node = node;
	dev->kind = kind;
	dev->down = true; /* until a write goes through (ngd_txq_send) */
	error = ngd_loop_add(nd->loop, &dev->io, EPOLLIN);
	if (error != 0) {
		free(dev);
		return error;
	}
	*devp = dev;
	return 0;
}

/*
 * /dev/net/tun opened in the namespace nsfd (-1: ngd's own): the device
 * it makes lives there.  EEXIST if an interface named ifname does, and
 * attach is false; ENOENT if none does, and attach is true (a device
 * that survived an ngd, taken back).
 */
static int
ngd_netdev_open_tun(struct ngd_netdev *nd, int nsfd, const char *ifname,
    bool attach, int *fdp)
{
	int error = 0;

	*fdp = -1;
	if (nsfd >= 0 && setns(nsfd, CLONE_NEWNET) < 0)
		return errno; /* EINVAL: not a network namespace */
	if ((nsfd >= 0 || attach) && (if_nametoindex(ifname) != 0) != attach)
		error = attach ? ENOENT : EEXIST; /* TUNSETIFF would attach */
	else if ((*fdp = open("/dev/net/tun",
		      O_RDWR | O_NONBLOCK | O_CLOEXEC)) < 0)
		error = errno;
	if (nsfd >= 0)
		ngd_netdev_home(nd);
	return error;
}

/*
 * The device named ifname made (or, attach, taken back) in the namespace
 * nsfd (-1: ngd's own).  It is persistent, so that it outlives ngd (a
 * crash, a takeover: DESIGN decision 12); ngd deletes it when the node
 * goes.
 */
static int
ngd_netdev_create_at(struct ngd_netdev *nd, int nsfd, enum ng_netdev_kind kind,
    const char *ifname, const uint8_t mac[6], struct ng_node *node, bool attach,
    struct ng_netdev **devp)
{
	struct ifreq ifr;
	unsigned offloads = TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6 |
	    TUN_F_TSO_ECN;
	int fd, error;

	*devp = NULL;
	if ((error = ngd_netdev_open_tun(nd, nsfd, ifname, attach, &fd)) != 0)
		return error;
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_NO_PI | IFF_VNET_HDR |
	    (kind == NG_NETDEV_TAP ? IFF_TAP : IFF_TUN) |
	    (attach ? 0 : IFF_TUN_EXCL);
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
		if (errno == EBUSY && !attach)
			errno = EEXIST;
		goto fail;
	}
	if (ioctl(fd, TUNSETOFFLOAD, offloads | TUN_F_USO4 | TUN_F_USO6) < 0 &&
	    ioctl(fd, TUNSETOFFLOAD, offloads) < 0)
		goto fail_made;
	if (!attach && kind == NG_NETDEV_TAP && mac != NULL) {
		memset(&ifr.ifr_hwaddr, 0, sizeof(ifr.ifr_hwaddr));
		ifr.ifr_hwaddr.sa_family = ARPHRD_ETHER;
		memcpy(ifr.ifr_hwaddr.sa_data, mac, 6);
		if (ioctl(fd, SIOCSIFHWADDR, &ifr) < 0)
			goto fail_made;
	}
	if (ioctl(fd, TUNSETPERSIST, 1) < 0)
		goto fail_made;
	if ((error = ngd_netdev_wrap(nd, fd, kind, node, devp)) != 0) {
		(void)ioctl(fd, TUNSETPERSIST, 0);
		close(fd);
	}
	return error;
fail_made:
	error = errno;
	if (!attach) /* made here: it goes with the fd */
		(void)ioctl(fd, TUNSETPERSIST, 0);
	close(fd);
	return error;
fail:
	error = errno;
	close(fd);
	return error;
}

static void
ngd_netdev_unplace(struct ng_netdev *dev)
{
	struct ng_netdev **pp;

	if (dev->netns[0] == '\0')
		return;
	for (pp = &dev->be->placed; *pp != NULL; pp = &(*pp)->next)
		if (*pp == dev) {
			*pp = dev->next;
			break;
		}
	dev->netns[0] = '\0';
	dev->next = NULL;
}

static int
ngd_netdev_create(void *be, enum ng_netdev_kind kind, const char *ifname,
    const uint8_t mac[6], struct ng_node *node, struct ng_netdev **devp)
{
	return ngd_netdev_create_at(be, -1, kind, ifname, mac, node, false,
	    devp);
}

/* --- devices of fastpath.c: a veth pair behind a struct ng_netdev ------ */

struct ng_netdev *
ngd_netdev_wrap_veth(struct ngd_netdev *nd, struct ngd_veth *veth,
    struct ng_node *node)
{
	struct ng_netdev *dev = calloc(1, sizeof(*dev));

	if (dev == NULL)
		return NULL;
	dev->io.fd = -1;
	dev->be = nd;
	dev->node = node;
	dev->kind = NG_NETDEV_TAP;
	dev->veth = veth;
	return dev;
}

struct ngd_veth *
ngd_netdev_veth(const struct ng_netdev *dev)
{
	return dev == NULL ? NULL : dev->veth;
}

/* The /run/netns name it was placed in, "" if none. */
const char *
ngd_netdev_placed(const struct ng_netdev *dev)
{
	return dev->netns;
}

/* Its namespace's name is watched: when it goes, the node's interface
 * comes home (ng_netdev_vnet_home), as a TAP's does. */
int
ngd_netdev_place(struct ng_netdev *dev, const char *netns)
{
	struct ngd_netdev *nd = dev->be;
	int error;

	ngd_netdev_unplace(dev);
	if (netns == NULL || netns[0] == '\0' || strchr(netns, '/') != NULL)
		return 0;
	if ((error = ngd_netns_watch_start(nd)) != 0)
		return error;
	snprintf(dev->netns, sizeof(dev->netns), "%s", netns);
	dev->next = nd->placed;
	nd->placed = dev;
	return 0;
}

void
ngd_netdev_unwrap(struct ng_netdev *dev)
{
	ngd_netdev_unplace(dev);
	ngd_loop_defer_free(dev->be->loop, dev);
}

static void
ngd_netdev_close(struct ng_netdev *dev)
{
	ngd_netdev_unplace(dev);
	/* No longer persistent, it dies with its fd. */
	if (dev->io.fd >= 0)
		(void)ioctl(dev->io.fd, TUNSETPERSIST, 0);
	ngd_loop_close(dev->be->loop, &dev->io);
	ngd_loop_defer_free(dev->be->loop, dev);
}

static void ngd_netdev_retire(struct ng_netdev *dev);

/* Deleted with the next batch where it can be (see the top). */
static void
ngd_netdev_destroy(void *be, struct ng_netdev *dev)
{
	(void)be;
	if (dev != NULL)
		ngd_netdev_retire(dev);
}

static int
ngd_netdev_xmit(void *be, struct ng_netdev *dev, const struct ng_pkt *pkt)
{
	return ngd_txq_send(be, dev, -1, pkt, &pkt->vh, 0, -1);
}

static int ngd_netdev_sock(struct ng_netdev *dev, int *sp);
static int ngd_netdev_get_name(void *be, struct ng_netdev *dev, char name[16]);

/*
 * A carrier given back (a connect): the interface's queue was the noop
 * qdisc, which drops what the stack sends, since the carrier went, and
 * the kernel puts the real one back when its link watch runs, in a
 * worker that a loaded machine runs tens of milliseconds later (the
 * first frames sent after the connect's reply were lost: 21-29 ms here,
 * linkup_eiface.sh).  ETHTOOL_GLINK runs that work for the device at
 * once (linkwatch_sync_dev), before the reply.
 */
static void
ngd_netdev_carrier_sync(struct ng_netdev *dev)
{
	struct ethtool_value ev = { .cmd = ETHTOOL_GLINK };
	struct ifreq ifr;
	int s;

	memset(&ifr, 0, sizeof(ifr));
	if (ngd_netdev_get_name(dev->be, dev, ifr.ifr_name) != 0 ||
	    ngd_netdev_sock(dev, &s) != 0)
		return;
	ifr.ifr_data = (void *)&ev;
	(void)ioctl(s, SIOCETHTOOL, &ifr);
	close(s);
}

static int
ngd_netdev_set_carrier(void *be, struct ng_netdev *dev, bool on)
{
	int v = on;

	(void)be;
	if (dev == NULL)
		return ENXIO;
	if (ioctl(dev->io.fd, TUNSETCARRIER, &v) < 0)
		return errno;
	if (on)
		ngd_netdev_carrier_sync(dev);
	return 0;
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

/* Is the namespace nsfd ngd's own? */
static bool
ngd_netdev_at_home(const struct ngd_netdev *nd, int nsfd)
{
	struct stat a, b;

	return fstat(nsfd, &a) == 0 && fstat(nd->own_netns, &b) == 0 &&
	    a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

/* The op: the device lives in ngd's own network namespace. */
static bool
ngd_netdev_dev_at_home(void *be, struct ng_netdev *dev)
{
	int nsfd;
	bool home;

	if ((nsfd = ioctl(dev->io.fd, TUNGETDEVNETNS, 0)) < 0)
		return false;
	home = ngd_netdev_at_home(be, nsfd);
	close(nsfd);
	return home;
}

/* An ioctl socket in the namespace the device lives in now. */
static int
ngd_netdev_sock(struct ng_netdev *dev, int *sp)
{
	int nsfd, s, error = 0;

	*sp = -1;
	nsfd = ioctl(dev->io.fd, TUNGETDEVNETNS, 0);
	if (nsfd < 0)
		return errno;
	if (ngd_netdev_at_home(dev->be, nsfd)) {
		/*
		 * No setns when the device is in ngd's own namespace: in a
		 * jail, ngd lacks CAP_SYS_ADMIN, which setns needs even
		 * for the namespace it is in (jail(8), "Jailed root").
		 */
		close(nsfd);
		if ((s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0)) < 0)
			return errno;
		*sp = s;
		return 0;
	}
	if (setns(nsfd, CLONE_NEWNET) < 0) {
		error = errno;
		close(nsfd);
		return error;
	}
	s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		error = errno;
	ngd_netdev_home(dev->be);
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

/*
 * An alternative name (IFLA_ALT_IFNAME) added to or removed from the
 * device, by rtnetlink in the namespace it lives in now.
 */
static int
ngd_netdev_set_altname(void *be, struct ng_netdev *dev, const char *name,
    bool add)
{
	char buf[NGD_RTNL_BUFSIZ];
	struct mnl_socket *nl;
	struct nlmsghdr *nh;
	struct ifinfomsg *ifi;
	struct nlattr *list;
	char cur[IFNAMSIZ];
	int nsfd, error;

	if (strlen(name) >= IFNAMSIZ)
		return EINVAL;
	if ((error = ngd_netdev_get_name(be, dev, cur)) != 0)
		return error;
	if ((nsfd = ioctl(dev->io.fd, TUNGETDEVNETNS, 0)) < 0)
		return errno;
	if (ngd_netdev_at_home(dev->be, nsfd)) {
		/* no setns at home: a jail's ngd may not (see above) */
		nl = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
		error = nl == NULL ? errno : 0;
	} else if (setns(nsfd, CLONE_NEWNET) < 0) {
		error = errno;
		nl = NULL;
	} else {
		nl = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
		error = nl == NULL ? errno : 0;
		ngd_netdev_home(dev->be);
	}
	close(nsfd);
	if (error != 0)
		return error;
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		error = errno;
		goto out;
	}
	memset(buf, 0, sizeof(buf)); /* the nest's padding goes out too */
	nh = mnl_nlmsg_put_header(buf);
	nh->nlmsg_type = add ? RTM_NEWLINKPROP : RTM_DELLINKPROP;
	nh->nlmsg_flags = add ? NLM_F_EXCL | NLM_F_CREATE : 0;
	nh->nlmsg_seq = 1;
	ifi = mnl_nlmsg_put_extra_header(nh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	list = NULL;
	if (!mnl_attr_put_strz_check(nh, sizeof(buf), IFLA_IFNAME, cur) ||
	    (list = mnl_attr_nest_start_check(nh, sizeof(buf),
		 IFLA_PROP_LIST)) == NULL ||
	    !mnl_attr_put_strz_check(nh, sizeof(buf), IFLA_ALT_IFNAME, name)) {
		error = EMSGSIZE;
		goto out;
	}
	mnl_attr_nest_end(nh, list);
	error = ngd_nl_request(nl, nh, buf, sizeof(buf));
out:
	mnl_socket_close(nl);
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
	if ((nsfd = ioctl(dev->io.fd, TUNGETDEVNETNS, 0)) < 0)
		return errno;
	if (setns(nsfd, CLONE_NEWNET) < 0) {
		error = errno;
		close(nsfd);
		return error;
	}
	if (getifaddrs(&ifa) < 0)
		error = errno;
	ngd_netdev_home(be);
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
				memcpy(a->addr,
				    &((struct sockaddr_in *)i->ifa_addr)
					 ->sin_addr,
				    4);
				if (i->ifa_netmask != NULL)
					a->prefixlen = ngd_prefixlen(
					    (uint8_t *)&((struct sockaddr_in *)
							     i->ifa_netmask)
						->sin_addr,
					    4);
			} else {
				memcpy(a->addr,
				    &((struct sockaddr_in6 *)i->ifa_addr)
					 ->sin6_addr,
				    16);
				if (i->ifa_netmask != NULL)
					a->prefixlen = ngd_prefixlen(
					    (uint8_t *)&((struct sockaddr_in6 *)
							     i->ifa_netmask)
						->sin6_addr,
					    16);
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

/* Run after each client's message (fastpath.c), before its status. */
static void (*ngd_after_msg)(struct ng_graph *g, bool changed);

void
ngd_netdev_after_msg(void (*fn)(struct ng_graph *g, bool changed))
{
	ngd_after_msg = fn;
}

/* Run after it, before its status goes back (journal.c). */
static void (*ngd_msg_done)(void *arg, ng_id_t dest, const struct ng_mesg *m);
static void *ngd_msg_done_arg;

void
ngd_netdev_msg_done(
    void (*fn)(void *arg, ng_id_t dest, const struct ng_mesg *m), void *arg)
{
	ngd_msg_done = fn;
	ngd_msg_done_arg = arg;
}

/* Run before a client's message to a node (fastpath_bridge.c). */
static void (*ngd_before_msg)(struct ng_node *dest, const struct ng_mesg *m);

void
ngd_netdev_before_msg(void (*fn)(struct ng_node *dest, const struct ng_mesg *m))
{
	ngd_before_msg = fn;
}

void
ngd_netdev_graph_changed(void)
{
	if (ngd_after_msg != NULL)
		ngd_after_msg(NULL, true);
}

void
ngd_netdev_graph_maybe_changed(struct ng_graph *g)
{
	if (ngd_after_msg != NULL)
		ngd_after_msg(g, false);
}

/*
 * Messages known to change nothing but counters read (none clears): after
 * them the journal has nothing new to write (journal.c).  Any other may
 * change a node's settings, edges or device.
 */
static bool
ngd_msg_reads_only(const struct ng_mesg *m)
{
	switch (m->header.typecookie) {
	case NGM_GENERIC_COOKIE:
		switch (m->header.cmd) {
		case NGM_LISTNODES:
		case NGM_LISTNAMES:
		case NGM_NODEINFO:
		case NGM_LISTHOOKS:
		case NGM_LISTTYPES:
		case NGM_TEXT_STATUS:
		case NGM_ASCII2BINARY:
		case NGM_BINARY2ASCII:
			return true;
		}
		return false;
	case NGM_EIFACE_COOKIE:
		return m->header.cmd == NGM_EIFACE_GET_IFNAME;
	case NGM_IFACE_COOKIE:
		return m->header.cmd == NGM_IFACE_GET_IFNAME;
	}
	return false;
}

/*
 * The same, and messages whose work updates the fast path's maps itself
 * and says when a full look is due (an eiface's vnet: the new pair takes
 * over its port, and only a hub's or vlan node's ports wait for the
 * sync): after them, the graph's shape unchanged (ng_topo_gen) and no
 * event due, the fast path's maps need no new look (O(ports), once a
 * jail made).  Any other message may change what the fast path reads (a
 * node's config, a tee's bypass), so it is told so.
 */
static bool
ngd_msg_readonly(const struct ng_mesg *m)
{
	return ngd_msg_reads_only(m) ||
	    (m->header.typecookie == NGM_EIFACE_COOKIE &&
		m->header.cmd == NGM_EIFACE_VNET);
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
ngd_netdev_send_msg(struct ng_node *from, const char *addr, struct ng_mesg *m,
    bool *changed)
{
	struct ng_graph *g = from->graph;
	bool generic = m->header.typecookie == NGM_GENERIC_COOKIE;
	struct ng_node *dest;
	ng_id_t dest_id = 0;
	int error;

	/*
	 * Names that left /run/netns before this was sent (jail -r, ip
	 * netns del): their interfaces come home first, whatever order the
	 * loop would take its events in, so that a client sees them home
	 * once the name is gone (jail -r asks once for all its jails).
	 */
	if (ngd_netns_watcher != NULL && ngd_netns_watcher->netns_watch.fd >= 0)
		ngd_netns_event(ngd_netns_watcher, 0);
	ng_ether_sync(g); /* interfaces that came, went or were renamed */
	if (generic &&
	    (m->header.cmd == NGM_LISTNODES ||
		m->header.cmd == NGM_LISTNAMES)) {
		(void)ngd_netdev_sync(g);
	} else if (ng_path2node(from, addr, &dest, NULL) == 0) {
		dest_id = dest->id;
		(void)ngd_netdev_sync_node(dest);
		if (ngd_before_msg != NULL)
			ngd_before_msg(dest, m);
		if (generic && m->header.cmd == NGM_LISTHOOKS) {
			for (struct ng_hook *h = dest->hooks; h != NULL;
			     h = h->next)
				if (h->peer != NULL)
					(void)
					    ngd_netdev_sync_node(h->peer->node);
		}
		ng_node_unref(dest);
	}
	error = ng_send_msg(from, addr, m);
	if (error == ENOENT && generic && ngd_netdev_sync(g) > 0)
		error = ng_send_msg(from, addr, m);
	if (ngd_after_msg != NULL) /* fastpath.c: before the status goes back */
		ngd_after_msg(g, !ngd_msg_readonly(m));
	if (ngd_msg_done != NULL) /* the journal: what m changed written */
		ngd_msg_done(ngd_msg_done_arg, dest_id, m);
	*changed = !ngd_msg_reads_only(m);
	return error;
}

/* --- placing an interface in another namespace ------------------------- */

/* Interface groups 0x6e67xxxx ("ng") are ngd's; the low half is the pid. */
#define NGD_RETIRE_GROUP_BASE 0x6e670000u
/* Retired names are ngret0 to ngret99999999: 13 bytes, under IFNAMSIZ. */
#define NGD_RETIRE_NAMES 100000000u

/* ngd's group for retired devices: its own, so no one else's go too. */
static uint32_t
ngd_retire_group(void)
{
	return NGD_RETIRE_GROUP_BASE | ((uint32_t)getpid() & 0xffff);
}

static int ngd_netns_watch_start(struct ngd_netdev *nd);

/*
 * One netlink request on nl, answered by its acknowledgement (libmnl): 0
 * or the errno the kernel gave.  nh is in buf, of size bytes, which the
 * answer reuses.
 */
int
ngd_nl_request(struct mnl_socket *nl, struct nlmsghdr *nh, void *buf,
    size_t size)
{
	unsigned seq = nh->nlmsg_seq;
	ssize_t n;

	nh->nlmsg_flags |= NLM_F_REQUEST | NLM_F_ACK;
	if (mnl_socket_sendto(nl, nh, nh->nlmsg_len) < 0)
		return errno;
	n = mnl_socket_recvfrom(nl, buf, size);
	if (n < 0)
		return errno;
	/* An NLMSG_ERROR with a non-zero code sets errno to it. */
	if (mnl_cb_run(buf, (size_t)n, seq, mnl_socket_get_portid(nl), NULL,
		NULL) < 0)
		return errno != 0 ? errno : EPROTO;
	return 0;
}

/*
 * One rtnetlink link request on nl (NULL: nd->rtnl, opened in ngd's
 * namespace), acknowledged: 0 or an errno.  RTM_NEWLINK: interface
 * ifindex down, renamed newname, into group.  RTM_DELLINK (ifindex 0):
 * every interface of group deleted.
 */
static int
ngd_rtnl_on(struct ngd_netdev *nd, struct mnl_socket *nl, uint16_t type,
    int ifindex, const char *newname, uint32_t group)
{
	char buf[NGD_RTNL_BUFSIZ];
	struct nlmsghdr *nh;
	struct ifinfomsg *ifi;

	memset(buf, 0, sizeof(buf)); /* attribute padding goes out too */
	nh = mnl_nlmsg_put_header(buf);
	nh->nlmsg_type = type;
	nh->nlmsg_seq = ++nd->rtnl_seq;
	ifi = mnl_nlmsg_put_extra_header(nh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = ifindex;
	if (newname != NULL) {
		ifi->ifi_change = IFF_UP; /* down, so that it may be renamed */
		if (!mnl_attr_put_strz_check(nh, sizeof(buf), IFLA_IFNAME,
			newname))
			return ENAMETOOLONG;
	}
	if (!mnl_attr_put_u32_check(nh, sizeof(buf), IFLA_GROUP, group))
		return EMSGSIZE;
	return ngd_nl_request(nl != NULL ? nl : nd->rtnl, nh, buf, sizeof(buf));
}

static int
ngd_rtnl(struct ngd_netdev *nd, uint16_t type, int ifindex, const char *newname,
    uint32_t group)
{
	return ngd_rtnl_on(nd, NULL, type, ifindex, newname, group);
}

/*
 * rtnetlink in the namespace nsfd (not ngd's own), and the index there of
 * the interface ifname (NULL: none wanted).  Needs setns, which a jailed
 * ngd may lack.
 */
static int
ngd_rtnl_away(struct ngd_netdev *nd, int nsfd, const char *ifname,
    struct mnl_socket **nlp, int *ifindexp)
{
	struct mnl_socket *nl;
	int error = 0;

	*nlp = NULL;
	if (setns(nsfd, CLONE_NEWNET) < 0)
		return errno;
	nl = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
	if (nl == NULL || mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0)
		error = errno;
	else if (ifname != NULL &&
	    (*ifindexp = (int)if_nametoindex(ifname)) == 0)
		error = errno;
	ngd_netdev_home(nd);
	if (error != 0 && nl != NULL)
		mnl_socket_close(nl);
	else
		*nlp = nl;
	return error;
}

/* A name for a device on its way out, free of the ones nodes use
 * (fastpath.c's retired pairs take theirs here too). */
void
ngd_retire_name(struct ngd_netdev *nd, char *name)
{
	snprintf(name, IFNAMSIZ, "ngret%u",
	    nd->retire_seq++ % NGD_RETIRE_NAMES);
}

/* Whether the namespace file fd is ngd's own namespace. */
static bool
ngd_netns_is_own(struct ngd_netdev *nd, int fd)
{
	struct stat a, b;

	return fstat(fd, &a) == 0 && fstat(nd->own_netns, &b) == 0 &&
	    a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

/*
 * A batch of retired devices, deleted by a job (ngd_job_start) while the
 * loop serves: the group delete waits for the RTNL lock and a grace
 * period in each namespace, seconds on a loaded machine.  Everything in
 * it is the batch's: a socket in each namespace its devices are in
 * (nls[0] ngd's own; opened by the loop, which alone may setns), and the
 * devices' fds, closed after the delete (made not persistent first, so
 * that what the group delete missed goes with its fd).
 */
struct ngd_retire_batch {
	uint32_t group;
	unsigned nns, nfds, maxns;
	int *fds;
	struct mnl_socket **nls;
	ino_t *ns_ino; /* (to open one socket a namespace) */
	/* the job's results, for the loop to log */
	int error;      /* in ngd's namespace (ENODEV: none was left) */
	int away_error; /* the first in another */
};

static void
ngd_retire_batch_free(struct ngd_retire_batch *b)
{
	if (b == NULL)
		return;
	for (unsigned i = 0; i < b->nns; i++)
		if (b->nls[i] != NULL)
			mnl_socket_close(b->nls[i]);
	free(b->nls);
	free(b->ns_ino);
	free(b->fds);
	free(b);
}

/* Made for up to n devices (NULL: no memory). */
static struct ngd_retire_batch *
ngd_retire_batch_new(unsigned n)
{
	struct ngd_retire_batch *b = calloc(1, sizeof(*b));

	if (b == NULL)
		return NULL;
	b->maxns = n + 1;
	b->fds = calloc(n, sizeof(*b->fds));
	b->nls = calloc(b->maxns, sizeof(*b->nls));
	b->ns_ino = calloc(b->maxns, sizeof(*b->ns_ino));
	if (b->fds == NULL || b->nls == NULL || b->ns_ino == NULL) {
		ngd_retire_batch_free(b);
		return NULL;
	}
	return b;
}

/* The job's part: each namespace's group deleted (one RTM_DELLINK, one
 * grace period for any number of TAPs), then the fds closed.  Touches
 * nothing but the batch. */
static void
ngd_retire_batch_run(void *arg)
{
	struct ngd_retire_batch *b = arg;
	char buf[NGD_RTNL_BUFSIZ];

	for (unsigned i = 0; i < b->nns; i++) {
		struct nlmsghdr *nh;
		struct ifinfomsg *ifi;
		int error;

		if (b->nls[i] == NULL)
			continue;
		memset(buf, 0, sizeof(buf));
		nh = mnl_nlmsg_put_header(buf);
		nh->nlmsg_type = RTM_DELLINK;
		nh->nlmsg_seq = 1;
		ifi = mnl_nlmsg_put_extra_header(nh, sizeof(*ifi));
		ifi->ifi_family = AF_UNSPEC;
		mnl_attr_put_u32(nh, IFLA_GROUP, b->group);
		error = ngd_nl_request(b->nls[i], nh, buf, sizeof(buf));
		if (i == 0)
			b->error = error;
		else if (error != 0 && error != ENODEV && b->away_error == 0)
			b->away_error = error;
	}
	for (unsigned i = 0; i < b->nfds; i++) {
		(void)ioctl(b->fds[i], TUNSETPERSIST, 0);
		close(b->fds[i]);
	}
	b->nfds = 0;
}

/* The loop's part, after the job (or in its place): what failed said. */
static void
ngd_retire_batch_done(void *arg)
{
	struct ngd_retire_batch *b = arg;

	if (b->error != 0 && b->error != ENODEV)
		ngd_log(LOG_DEBUG,
		    "retired interfaces: group delete: %s; "
		    "closing them one by one",
		    strerror(b->error));
	if (b->away_error != 0)
		ngd_log(LOG_DEBUG,
		    "retired interfaces in another namespace: group "
		    "delete: %s; closing them one by one",
		    strerror(b->away_error));
	ngd_retire_batch_free(b);
}

/* A socket for the batch in the namespace nsfd, unless it has one. */
static void
ngd_retire_batch_ns(struct ngd_netdev *nd, struct ngd_retire_batch *b, int nsfd)
{
	struct mnl_socket *nl = NULL;
	struct stat st;
	int error;

	if (fstat(nsfd, &st) < 0 || b->nns == b->maxns)
		return;
	for (unsigned i = 0; i < b->nns; i++)
		if (b->ns_ino[i] == st.st_ino)
			return;
	if (b->nns == 0) { /* ngd's own: no setns (a jailed ngd may not) */
		nl = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
		if (nl != NULL &&
		    mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
			mnl_socket_close(nl);
			nl = NULL;
		}
		if (nl == NULL)
			b->error = errno;
	} else if ((error = ngd_rtnl_away(nd, nsfd, NULL, &nl, NULL)) != 0 &&
	    b->away_error == 0)
		b->away_error = error;
	b->ns_ino[b->nns] = st.st_ino;
	b->nls[b->nns++] = nl;
}

/*
 * Delete every retired device at once: one request, and one wait for
 * RCU, for those in ngd's namespace, and the same for those in each
 * other namespace (a vnet home of many interfaces).  By a job while the
 * loop serves; final (ngd stops): here and now, after the one under way.
 */
static void
ngd_netdev_flush_retired(struct ngd_netdev *nd, bool final)
{
	struct ngd_retire_batch *b;
	struct ng_netdev *dev;
	int nsfd;

	if (final)
		ngd_job_wait(&nd->retire_job);
	if (nd->retired == NULL || nd->retire_job.running)
		return;
	b = ngd_retire_batch_new(nd->nretired);
	if (b != NULL) {
		b->group = ngd_retire_group();
		ngd_retire_batch_ns(nd, b, nd->own_netns);
		for (dev = nd->retired; dev != NULL; dev = dev->next)
			if (dev->retired_away &&
			    (nsfd = ioctl(dev->io.fd, TUNGETDEVNETNS, 0)) >=
				0) {
				ngd_retire_batch_ns(nd, b, nsfd);
				close(nsfd);
			}
	}
	while ((dev = nd->retired) != NULL) {
		nd->retired = dev->next;
		if (b != NULL && b->nfds < nd->nretired) {
			b->fds[b->nfds++] = dev->io.fd; /* the batch's now */
		} else {
			(void)ioctl(dev->io.fd, TUNSETPERSIST, 0);
			close(dev->io.fd);
		}
		dev->io.fd = -1; /* events of this pass for it are skipped */
		if (final)
			free(dev);
		else
			ngd_loop_defer_free(nd->loop, dev);
	}
	nd->nretired = 0;
	if (b == NULL)
		return;
	if (final ||
	    ngd_job_start(nd->loop, &nd->retire_job, ngd_retire_batch_run,
		ngd_retire_batch_done, b) != 0) {
		ngd_loop_doing(nd->loop, "deleting %u retired interfaces",
		    b->nfds);
		ngd_retire_batch_run(b);
		ngd_retire_batch_done(b);
	}
}

/* Retired devices: ms until the batch is due (-1: none, or the last
 * batch's job still runs: its end wakes the loop; 0: now). */
static int64_t
ngd_netdev_retired_due(const struct ngd_netdev *nd)
{
	uint64_t now;

	if (nd->retired == NULL || nd->retire_job.running)
		return -1;
	now = ngd_clock_ms();
	if (nd->nretired >= NGD_RETIRE_MAX ||
	    now - nd->retired_ms >= NGD_RETIRE_MS ||
	    now - nd->retired_first_ms >= NGD_RETIRE_WAIT_MS)
		return 0;
	return (int64_t)(NGD_RETIRE_MS - (now - nd->retired_ms));
}

/* The loop's before-sleep hook: delete the retired batch once it is due. */
static int64_t
ngd_netdev_before_sleep(void *arg)
{
	struct ngd_netdev *nd = arg;

	if (ngd_netdev_retired_due(nd) == 0)
		ngd_netdev_flush_retired(nd, false);
	return ngd_netdev_retired_due(nd);
}

/*
 * The retired device open on fd, named ifname, renamed newname and put in
 * the retired group in the namespace nsfd (-1: ngd's own).
 */
static int
ngd_netdev_retire_rename(struct ngd_netdev *nd, int nsfd, const char *ifname,
    const char *newname)
{
	struct mnl_socket *nl;
	int ifindex = 0, error;

	if (nsfd < 0)
		return ngd_rtnl(nd, RTM_NEWLINK, (int)if_nametoindex(ifname),
		    newname, ngd_retire_group());
	error = ngd_rtnl_away(nd, nsfd, ifname, &nl, &ifindex);
	if (error != 0)
		return error;
	error = ngd_rtnl_on(nd, nl, RTM_NEWLINK, ifindex, newname,
	    ngd_retire_group());
	mnl_socket_close(nl);
	return error;
}

/*
 * The device goes: renamed out of the way (its name is free again at
 * once), put in the retired group of the namespace it is in, and deleted
 * with the next batch; at once where it cannot join the group.  Deleting
 * devices one by one costs a grace period each (an explicit vnet home of
 * 500 TAPs took 17 s when each was closed at once).
 */
static void
ngd_netdev_retire(struct ng_netdev *dev)
{
	struct ngd_netdev *nd = dev->be;
	struct ifreq ifr;
	struct stat a, b;
	char name[IFNAMSIZ], path[PATH_MAX];
	int nsfd, error;
	bool own, orphan = false;

	memset(&ifr, 0, sizeof(ifr));
	nsfd = ioctl(dev->io.fd, TUNGETDEVNETNS, 0);
	own = nsfd >= 0 && ngd_netns_is_own(nd, nsfd);
	/*
	 * Placed in a namespace whose name has gone from /run/netns (ip
	 * netns del, jail -r): the namespace is on its way out, and the
	 * kernel deletes the devices of dying namespaces together.  So the
	 * device is left there, persistent, its fd closed (which releases
	 * the namespace): no grace period of its own, as deleting it now
	 * would cost.
	 */
	if (!own && nsfd >= 0 && dev->netns[0] != '\0') {
		snprintf(path, sizeof(path), NGD_NETNS_DIR "/%s", dev->netns);
		orphan = fstat(nsfd, &a) == 0 &&
		    (stat(path, &b) != 0 || a.st_dev != b.st_dev ||
			a.st_ino != b.st_ino);
	}
	ngd_netdev_unplace(dev);
	if (orphan) {
		close(nsfd);
		ngd_loop_close(nd->loop, &dev->io);
		ngd_loop_defer_free(nd->loop, dev);
		return;
	}
	if (nsfd >= 0 && ioctl(dev->io.fd, TUNGETIFF, &ifr) == 0) {
		ngd_retire_name(nd, name);
		error = ngd_netdev_retire_rename(nd, own ? -1 : nsfd,
		    ifr.ifr_name, name);
		if (error == 0) {
			close(nsfd);
			/* Should ngd die first, it goes with the fd. */
			(void)ioctl(dev->io.fd, TUNSETPERSIST, 0);
			ngd_loop_del(nd->loop, &dev->io);
			dev->retired = true;
			dev->retired_away = !own;
			dev->next = nd->retired;
			nd->retired = dev;
			nd->retired_ms = ngd_clock_ms();
			if (nd->nretired++ == 0)
				nd->retired_first_ms = nd->retired_ms;
			return;
		}
		ngd_log(LOG_DEBUG,
		    "%s: not batched for deletion (%s); "
		    "closed now",
		    ifr.ifr_name, strerror(error));
	}
	if (nsfd >= 0)
		close(nsfd);
	ngd_netdev_close(dev);
}

/*
 * vnet: the node's interface made anew in the namespace netns names (""
 * or "." ngd's own, else a name under /run/netns, where jails appear
 * too), with the same name and MAC; the old one retired.  Already there:
 * nothing changes.
 */
static int
ngd_netdev_vnet(void *be, struct ng_netdev *dev, const char *netns,
    enum ng_netdev_kind kind, const char *ifname, const uint8_t mac[6],
    struct ng_node *node, struct ng_netdev **devp)
{
	struct ngd_netdev *nd = be;
	struct ng_netdev *newdev;
	struct stat cur, want;
	char path[PATH_MAX];
	bool renamed = false;
	int nsfd = -1, curfd, error;

	*devp = dev;
	if (!ngd_vnet_permitted(netns))
		return EPERM;
	if (netns[0] == '\0' || strcmp(netns, ".") == 0)
		nsfd = dup(nd->own_netns);
	else if (strchr(netns, '/') != NULL || strcmp(netns, "..") == 0 ||
	    strlen(netns) > NAME_MAX)
		return EINVAL;
	else {
		snprintf(path, sizeof(path), NGD_NETNS_DIR "/%s", netns);
		nsfd = open(path, O_RDONLY | O_CLOEXEC);
	}
	if (nsfd < 0)
		return errno;
	if (!ngd_netns_is_own(nd, nsfd) &&
	    (error = ngd_netns_watch_start(nd)) != 0) {
		close(nsfd);
		return error;
	}
	curfd = ioctl(dev->io.fd, TUNGETDEVNETNS, 0);
	if (curfd >= 0 && fstat(curfd, &cur) == 0 && fstat(nsfd, &want) == 0 &&
	    cur.st_dev == want.st_dev && cur.st_ino == want.st_ino) {
		close(curfd);
		if (dev->netns[0] == '\0' || !ngd_netns_is_own(nd, nsfd)) {
			close(nsfd);
			return 0; /* already there */
		}
		/*
		 * Made in another namespace, moved home since (ip link set
		 * netns): its fd still holds the namespace it was made in.
		 * Made anew here, the old one renamed out of the way first.
		 */
		ngd_retire_name(nd, path);
		if ((error = ngd_rtnl(nd, RTM_NEWLINK,
			 (int)if_nametoindex(ifname), path, 0)) != 0) {
			close(nsfd);
			return error;
		}
		renamed = true;
	} else if (curfd >= 0)
		close(curfd);
	if (ngd_netns_is_own(nd, nsfd)) {
		close(nsfd);
		nsfd = -1;
	}
	error = ngd_netdev_create_at(nd, nsfd, kind, ifname, mac, node, false,
	    &newdev);
	if (nsfd >= 0)
		close(nsfd);
	if (error != 0) {
		int undo = 0;

		if (renamed) /* as it was, if it can be */
			undo = ngd_rtnl(nd, RTM_NEWLINK,
			    (int)if_nametoindex(path), ifname, 0);
		if (undo != 0)
			ngd_log(LOG_WARNING, "%s: left named %s: %s", ifname,
			    path, strerror(undo));
		return error;
	}
	ngd_netdev_retire(dev);
	if (nsfd >= 0) {
		snprintf(newdev->netns, sizeof(newdev->netns), "%s", netns);
		newdev->next = nd->placed;
		nd->placed = newdev;
	}
	*devp = newdev;
	return 0;
}

/* Whether /run/netns/name is there. */
static bool
ngd_netns_named(const char *name)
{
	char path[PATH_MAX];
	struct stat st;

	snprintf(path, sizeof(path), NGD_NETNS_DIR "/%s", name);
	return stat(path, &st) == 0;
}

/* A name left /run/netns: its interfaces come home. */
static void
ngd_netns_event(void *arg, uint32_t events)
{
	char buf[4096]
	    __attribute__((aligned(__alignof__(struct inotify_event))));
	struct ngd_netdev *nd = arg;
	ssize_t n;

	(void)events;
	while ((n = read(nd->netns_watch.fd, buf, sizeof(buf))) > 0) {
		for (char *p = buf; p < buf + n;) {
			struct inotify_event *ev = (struct inotify_event *)p;
			struct ng_netdev *dev, *last;

			p += sizeof(*ev) + ev->len;
			/* Events lost (jail -r returns before its interfaces
			 * are home, so nobody asks for them): every name whose
			 * file has gone. */
			if (ev->mask & IN_Q_OVERFLOW)
				ngd_log(LOG_WARNING, "%s: events lost",
				    NGD_NETNS_DIR);
			else if (ev->len == 0)
				continue;
			/* Each comes home (and leaves the list) or, if it
			 * cannot, is left where it is (and leaves the list). */
			for (last = NULL;;) {
				for (dev = nd->placed; dev != NULL;
				     dev = dev->next)
					if (ev->len > 0 ?
						strcmp(dev->netns, ev->name) ==
						    0 :
						!ngd_netns_named(dev->netns))
						break;
				if (dev == NULL)
					break;
				nd->changes++; /* the journal writes it anew */
				if (dev == last) {
					ngd_netdev_unplace(dev);
					continue;
				}
				last = dev;
				ng_netdev_vnet_home(dev->node);
			}
		}
	}
}

static int
ngd_netns_watch_start(struct ngd_netdev *nd)
{
	struct ngd_io *w = &nd->netns_watch;

	if (w->fd >= 0)
		return 0;
	w->fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (w->fd < 0)
		return errno;
	w->fn = ngd_netns_event;
	w->arg = nd;
	if (inotify_add_watch(w->fd, NGD_NETNS_DIR, IN_DELETE | IN_MOVED_FROM) <
		0 ||
	    ngd_loop_add(nd->loop, w, EPOLLIN) != 0) {
		int error = errno;

		close(w->fd);
		w->fd = -1;
		return error;
	}
	ngd_netns_watcher = nd;
	return 0;
}

/* --- outliving ngd: descriptions and adoption (DESIGN decision 12) ------ */

/* The cookie of the network namespace socket s is in (0: unknown). */
uint64_t
ngd_sock_cookie(int s)
{
	uint64_t cookie = 0;
	socklen_t len = sizeof(cookie);

	if (getsockopt(s, SOL_SOCKET, SO_NETNS_COOKIE, &cookie, &len) < 0 ||
	    len != sizeof(cookie))
		return 0;
	return cookie;
}

uint64_t
ngd_netdev_cookie(const struct ngd_netdev *nd)
{
	return ngd_sock_cookie(nd->sock);
}

/* The cookie of the namespace nsfd (0: unknown), from a socket made there. */
static uint64_t
ngd_netns_cookie(struct ngd_netdev *nd, int nsfd)
{
	uint64_t cookie = 0;
	int s;

	if (ngd_netns_is_own(nd, nsfd))
		return ngd_sock_cookie(nd->sock);
	if (setns(nsfd, CLONE_NEWNET) < 0)
		return 0;
	s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	ngd_netdev_home(nd);
	if (s >= 0) {
		cookie = ngd_sock_cookie(s);
		close(s);
	}
	return cookie;
}

/*
 * What the journal keeps of a device, one line of key=value words: its
 * kind, name, MAC and index, and the namespace it lives in (inode and
 * cookie: an inode alone may be reused), and the /run/netns name it was
 * placed in.  Asking the namespace for its cookie costs two setns, so
 * that is done only when the device has moved.
 */
int
ngd_netdev_describe(struct ng_netdev *dev, char *buf, size_t size, bool fresh)
{
	struct ifreq ifr;
	struct stat st;
	uint8_t mac[6] = { 0 };
	char name[IFNAMSIZ];
	int nsfd, s, error;

	if (dev->veth != NULL) { /* a pair of fastpath.c's, and its place */
		struct ngd_netdev *nd = dev->be;
		size_t n;

		if (nd->fast_describe == NULL)
			return ENOTSUP;
		if ((error = nd->fast_describe(dev->veth, buf, size, fresh)) !=
		    0)
			return error;
		n = strlen(buf);
		if (dev->netns[0] != '\0' &&
		    strpbrk(dev->netns, " \t%") == NULL) {
			size_t k = strlen(dev->netns);

			/* appended, not formatted (at every journal write) */
			if (n + 8 + k < size) {
				memcpy(buf + n, " placed=", 8);
				memcpy(buf + n + 8, dev->netns, k + 1);
			} else
				snprintf(buf + n, size - n, " placed=%s",
				    dev->netns);
		}
		return 0;
	}
	if ((error = ngd_netdev_get_name(dev->be, dev, name)) != 0)
		return error;
	if (dev->kind == NG_NETDEV_TAP &&
	    (error = ngd_netdev_get_mac(dev->be, dev, mac)) != 0)
		return error;
	/* Where it lives is asked again only when its name changed: a
	 * device moved by hand is looked for everywhere by its name and
	 * MAC anyway (ngd_netdev_search), and asking costs a file per
	 * device at every journal write. */
	if (strcmp(name, dev->seen_name) == 0 && dev->ns_ino != 0)
		goto out;
	if ((nsfd = ioctl(dev->io.fd, TUNGETDEVNETNS, 0)) < 0)
		return errno;
	error = fstat(nsfd, &st) < 0 ? errno : 0;
	if (error == 0 &&
	    (st.st_ino != dev->ns_ino || strcmp(name, dev->seen_name) != 0)) {
		dev->ns_cookie = ngd_netns_cookie(dev->be, nsfd);
		dev->ns_ino = st.st_ino;
		memcpy(dev->seen_name, name, sizeof(name));
		if (ngd_netdev_sock(dev, &s) == 0) {
			memset(&ifr, 0, sizeof(ifr));
			memcpy(ifr.ifr_name, name, sizeof(name));
			if (ioctl(s, SIOCGIFINDEX, &ifr) == 0)
				dev->ifindex = (uint32_t)ifr.ifr_ifindex;
			close(s);
		}
	}
	close(nsfd);
	if (error != 0)
		return error;
out:
	snprintf(buf, size,
	    "kind=%s name=%s mac=%02x:%02x:%02x:%02x:%02x:%02x "
	    "ifindex=%u ns-ino=%llu ns-cookie=%llu%s%s",
	    dev->kind == NG_NETDEV_TAP ? "tap" : "tun", name, mac[0], mac[1],
	    mac[2], mac[3], mac[4], mac[5], dev->ifindex,
	    (unsigned long long)dev->ns_ino, (unsigned long long)dev->ns_cookie,
	    dev->netns[0] != '\0' && strpbrk(dev->netns, " \t%") == NULL ?
		" placed=" :
		"",
	    dev->netns);
	return 0;
}

int
ngd_netdev_fd(const struct ng_netdev *dev)
{
	return dev->io.fd;
}

void
ngd_netdev_expect(struct ngd_netdev *nd, const char *desc, int fd)
{
	free(nd->expect);
	if (nd->expect_fd >= 0)
		close(nd->expect_fd);
	nd->expect = desc != NULL ? strdup(desc) : NULL;
	nd->expect_fd = fd;
}

/* A description parsed (ngd_netdev_describe's words; unknown ones are
 * skipped, so that a later ngd may add some). */
struct ngd_devdesc {
	enum ng_netdev_kind kind;
	char name[IFNAMSIZ];
	uint8_t mac[6];
	uint32_t ifindex;
	unsigned long long ino, cookie;
	char placed[NAME_MAX + 1];
};

static int
ngd_devdesc_parse(const char *desc, struct ngd_devdesc *dd)
{
	char *copy, *w, *save = NULL;
	unsigned m[6];
	int have = 0;

	memset(dd, 0, sizeof(*dd));
	if ((copy = strdup(desc)) == NULL)
		return ENOMEM;
	for (w = strtok_r(copy, " ", &save); w != NULL;
	     w = strtok_r(NULL, " ", &save)) {
		char *v = strchr(w, '=');

		if (v == NULL)
			continue;
		*v++ = '\0';
		if (strcmp(w, "kind") == 0) {
			dd->kind = strcmp(v, "tun") == 0 ?
			    NG_NETDEV_TUN :
			    NG_NETDEV_TAP;
			have |= 1;
		} else if (strcmp(w, "name") == 0 && ng_ifdev_name_valid(v)) {
			snprintf(dd->name, sizeof(dd->name), "%s", v);
			have |= 2;
		} else if (strcmp(w, "mac") == 0 &&
		    sscanf(v, "%x:%x:%x:%x:%x:%x", &m[0], &m[1], &m[2], &m[3],
			&m[4], &m[5]) == 6) {
			for (int i = 0; i < 6; i++)
				dd->mac[i] = (uint8_t)m[i];
		} else if (strcmp(w, "ifindex") == 0)
			dd->ifindex = (uint32_t)strtoul(v, NULL, 10);
		else if (strcmp(w, "ns-ino") == 0)
			dd->ino = strtoull(v, NULL, 10);
		else if (strcmp(w, "ns-cookie") == 0)
			dd->cookie = strtoull(v, NULL, 10);
		else if (strcmp(w, "placed") == 0 && strchr(v, '/') == NULL)
			snprintf(dd->placed, sizeof(dd->placed), "%s", v);
	}
	free(copy);
	return have == 3 ? 0 : EINVAL;
}

/* path names the namespace dd's device lived in: its fd, or -1. */
static int
ngd_netns_try(struct ngd_netdev *nd, const char *path,
    const struct ngd_devdesc *dd)
{
	struct stat st;
	int fd;

	if (stat(path, &st) < 0 || st.st_ino != dd->ino)
		return -1;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return -1;
	if (dd->cookie != 0 && ngd_netns_cookie(nd, fd) != dd->cookie) {
		close(fd);
		return -1;
	}
	return fd;
}

/*
 * The namespace a device lived in, if it still does: ngd's own (*nsfdp
 * -1), or one named under /run/netns (jails too), or one a process is
 * in.  ENOENT when it is gone.
 */
static int
ngd_netns_find(struct ngd_netdev *nd, const struct ngd_devdesc *dd, int *nsfdp)
{
	char path[PATH_MAX];
	struct stat st;
	struct dirent *de;
	DIR *dir;
	int fd = -1;

	*nsfdp = -1;
	if (fstat(nd->own_netns, &st) == 0 && st.st_ino == dd->ino &&
	    (dd->cookie == 0 || ngd_sock_cookie(nd->sock) == dd->cookie))
		return 0;
	if (dd->placed[0] != '\0') {
		snprintf(path, sizeof(path), NGD_NETNS_DIR "/%s", dd->placed);
		/* A veth pair's description (fastpath.c) names a namespace
		 * it was placed in by its name alone. */
		fd = dd->ino == 0 ? open(path, O_RDONLY | O_CLOEXEC) :
				    ngd_netns_try(nd, path, dd);
	}
	for (int pass = 0; pass < 2 && fd < 0; pass++) {
		if ((dir = opendir(pass == 0 ? NGD_NETNS_DIR : "/proc")) ==
		    NULL)
			continue;
		while (fd < 0 && (de = readdir(dir)) != NULL) {
			if (de->d_name[0] == '.' ||
			    (pass == 1 &&
				(de->d_name[0] < '0' || de->d_name[0] > '9')))
				continue;
			snprintf(path, sizeof(path),
			    pass == 0 ? NGD_NETNS_DIR "/%s" : "/proc/%s/ns/net",
			    de->d_name);
			fd = ngd_netns_try(nd, path, dd);
		}
		closedir(dir);
	}
	if (fd < 0)
		return ENOENT;
	*nsfdp = fd;
	return 0;
}

/*
 * The name, in the namespace nsfd, of the interface with dd's MAC (it
 * may have been renamed there), else dd's name.
 */
static const char *
ngd_netns_name_of(struct ngd_netdev *nd, int nsfd, const struct ngd_devdesc *dd,
    char name[IF_NAMESIZE])
{
	struct if_nameindex *ifs, *i;
	struct ifreq ifr;
	int s;

	snprintf(name, IF_NAMESIZE, "%s", dd->name);
	if (dd->kind != NG_NETDEV_TAP || setns(nsfd, CLONE_NEWNET) < 0)
		return name;
	s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	ifs = if_nameindex();
	ngd_netdev_home(nd);
	for (i = ifs; s >= 0 && i != NULL && i->if_index != 0; i++) {
		memset(&ifr, 0, sizeof(ifr));
		snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", i->if_name);
		if (ioctl(s, SIOCGIFHWADDR, &ifr) == 0 &&
		    memcmp(ifr.ifr_hwaddr.sa_data, dd->mac, 6) == 0) {
			snprintf(name, IF_NAMESIZE, "%s", i->if_name);
			break;
		}
	}
	if (ifs != NULL)
		if_freenameindex(ifs);
	if (s >= 0)
		close(s);
	return name;
}

/*
 * dd's device, moved since the journal saw it (ip link set netns just
 * before a crash, and maybe renamed there): looked for by its MAC (a
 * TAP) or name in every namespace there is a name or a process for, and
 * taken if it is a device no one holds, with dd's MAC.
 * Costs a setns per namespace; only for a device not where it was.
 */
static int
ngd_netdev_search(struct ngd_netdev *nd, const struct ngd_devdesc *dd,
    struct ng_node *node, struct ng_netdev **devp)
{
	char path[PATH_MAX], name[IF_NAMESIZE];
	struct dirent *de;
	DIR *dir;
	int error = ENOENT;

	for (int pass = 0; pass < 2 && error != 0; pass++) {
		if ((dir = opendir(pass == 0 ? NGD_NETNS_DIR : "/proc")) ==
		    NULL)
			continue;
		while (error != 0 && (de = readdir(dir)) != NULL) {
			uint8_t mac[6];
			int fd;

			if (de->d_name[0] == '.' ||
			    (pass == 1 &&
				(de->d_name[0] < '0' || de->d_name[0] > '9')))
				continue;
			snprintf(path, sizeof(path),
			    pass == 0 ? NGD_NETNS_DIR "/%s" : "/proc/%s/ns/net",
			    de->d_name);
			if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
				continue;
			if (ngd_netns_is_own(nd, fd)) {
				close(fd);
				continue;
			}
			error = ngd_netdev_create_at(nd, fd, dd->kind,
			    ngd_netns_name_of(nd, fd, dd, name), NULL, node,
			    true, devp);
			close(fd);
			if (error == 0 && dd->kind == NG_NETDEV_TAP &&
			    (ngd_netdev_get_mac(nd, *devp, mac) != 0 ||
				memcmp(mac, dd->mac, 6) != 0)) {
				/* Another's: let go of it as it was. */
				ngd_loop_close(nd->loop, &(*devp)->io);
				ngd_loop_defer_free(nd->loop, *devp);
				*devp = NULL;
				error = ENOENT;
			}
		}
		closedir(dir);
	}
	return error;
}

/*
 * dd's device, described in another namespace (nsfd, -1 if it is gone),
 * taken at home: one of its name (and MAC) that no one holds there is
 * the new device of a homecoming that ngd died in before the journal
 * said so.  The old one, where it is still there (by its index, byidx,
 * or name), is retired: else each would be there twice, and the next
 * vnet "" would fail (EEXIST).  ENOENT when there is none at home.
 */
static int
ngd_netdev_take_home(struct ngd_netdev *nd, const struct ngd_devdesc *dd,
    int nsfd, const char *byidx, struct ng_node *node, struct ng_netdev **devp)
{
	struct ng_netdev *old = NULL;
	uint8_t mac[6];
	int error;

	error = ngd_netdev_create_at(nd, -1, dd->kind, dd->name, NULL, node,
	    true, devp);
	if (error == 0 && dd->kind == NG_NETDEV_TAP &&
	    (ngd_netdev_get_mac(nd, *devp, mac) != 0 ||
		memcmp(mac, dd->mac, 6) != 0)) {
		/* Another's: let go of it as it was. */
		ngd_loop_close(nd->loop, &(*devp)->io);
		ngd_loop_defer_free(nd->loop, *devp);
		*devp = NULL;
		error = ENOENT;
	}
	if (error != 0 || nsfd < 0)
		return error;
	if (byidx[0] == '\0' ||
	    ngd_netdev_create_at(nd, nsfd, dd->kind, byidx, NULL, node, true,
		&old) != 0)
		(void)ngd_netdev_create_at(nd, nsfd, dd->kind, dd->name, NULL,
		    node, true, &old);
	if (old != NULL &&
	    (dd->kind != NG_NETDEV_TAP ||
		(ngd_netdev_get_mac(nd, old, mac) == 0 &&
		    memcmp(mac, dd->mac, 6) == 0)))
		ngd_netdev_retire(old);
	else if (old != NULL) { /* another's */
		ngd_loop_close(nd->loop, &old->io);
		ngd_loop_defer_free(nd->loop, old);
	}
	ngd_log(LOG_NOTICE, "%s: found at home, a homecoming cut short",
	    dd->name);
	return 0;
}

/*
 * dd's device taken back where it is, under its name now (found by its
 * index: it may have been renamed) or the one recorded; made anew with
 * its name and MAC where it is missing, in its namespace if that is
 * still there, else in ngd's.  Described elsewhere, it is taken at home
 * first if it is there (ngd_netdev_take_home).
 */
static int
ngd_netdev_take_back(struct ngd_netdev *nd, const struct ngd_devdesc *dd,
    struct ng_node *node, struct ng_netdev **devp)
{
	char byidx[IF_NAMESIZE] = "";
	int nsfd, error;

	if (ngd_netns_find(nd, dd, &nsfd) != 0) {
		if (ngd_netdev_take_home(nd, dd, -1, "", node, devp) == 0 ||
		    ngd_netdev_search(nd, dd, node, devp) == 0)
			return 0;
		ngd_log(LOG_NOTICE, "%s: its namespace is gone; made anew here",
		    dd->name);
		return ngd_netdev_create_at(nd, -1, dd->kind, dd->name, dd->mac,
		    node, false, devp);
	}
	if (nsfd >= 0 && setns(nsfd, CLONE_NEWNET) < 0) {
		error = errno;
		close(nsfd);
		return error;
	}
	if (dd->ifindex == 0 || if_indextoname(dd->ifindex, byidx) == NULL)
		byidx[0] = '\0';
	if (nsfd >= 0)
		ngd_netdev_home(nd);
	if (nsfd >= 0 &&
	    ngd_netdev_take_home(nd, dd, nsfd, byidx, node, devp) == 0) {
		close(nsfd);
		return 0;
	}
	error = ENOENT;
	if (byidx[0] != '\0')
		error = ngd_netdev_create_at(nd, nsfd, dd->kind, byidx, NULL,
		    node, true, devp);
	if (error != 0 && strcmp(byidx, dd->name) != 0)
		error = ngd_netdev_create_at(nd, nsfd, dd->kind, dd->name, NULL,
		    node, true, devp);
	if (error != 0)
		error = ngd_netdev_search(nd, dd, node, devp);
	if (error != 0) {
		error = ngd_netdev_create_at(nd, nsfd, dd->kind, dd->name,
		    dd->mac, node, false, devp);
		ngd_log(error != 0 ? LOG_ERR : LOG_NOTICE,
		    "%s: did not survive; %s%s", dd->name,
		    error != 0 ? "cannot make it anew: " : "made anew",
		    error != 0 ? strerror(error) : "");
	}
	if (nsfd >= 0)
		close(nsfd);
	return error;
}

/* The adopt op: the device ngd_netdev_expect described, if any. */
static int
ngd_netdev_adopt(void *be, enum ng_netdev_kind kind, struct ng_node *node,
    char ifname[16], uint8_t mac[6], struct ng_netdev **devp)
{
	struct ngd_netdev *nd = be;
	struct ngd_devdesc dd;
	struct ng_netdev *dev;
	char path[PATH_MAX];
	char *desc = nd->expect;
	int fd = nd->expect_fd, nsfd, error;

	if (desc == NULL && fd < 0)
		return ENOENT;
	nd->expect = NULL;
	nd->expect_fd = -1;
	error = desc != NULL ? ngd_devdesc_parse(desc, &dd) : EINVAL;
	free(desc);
	if (error == 0 && dd.kind != kind)
		error = EINVAL;
	if (error == 0 && fd >= 0)
		error = ngd_netdev_wrap(nd, fd, kind, node, devp);
	else if (error == 0)
		error = ngd_netdev_take_back(nd, &dd, node, devp);
	if (error != 0) {
		if (fd >= 0)
			close(fd);
		ngd_log(LOG_WARNING,
		    "%s: cannot take its interface back: %s; "
		    "a new one is made",
		    node->name, strerror(error));
		return ENOENT;
	}
	dev = *devp;
	if (fd >= 0) {
		/* Handed over: where it lives is as described a moment ago,
		 * which spares the first journal two setns per device. */
		dev->ns_ino = dd.ino;
		dev->ns_cookie = dd.cookie;
		dev->ifindex = dd.ifindex;
		memcpy(dev->seen_name, dd.name, sizeof(dev->seen_name));
	}
	/* Placed by a vnet message: it comes home when that name goes. */
	if (dd.placed[0] != '\0' &&
	    (nsfd = ioctl(dev->io.fd, TUNGETDEVNETNS, 0)) >= 0) {
		struct stat a, b;

		snprintf(path, sizeof(path), NGD_NETNS_DIR "/%s", dd.placed);
		if (!ngd_netns_is_own(nd, nsfd) && stat(path, &a) == 0 &&
		    fstat(nsfd, &b) == 0 && a.st_ino == b.st_ino &&
		    a.st_dev == b.st_dev && ngd_netns_watch_start(nd) == 0) {
			snprintf(dev->netns, sizeof(dev->netns), "%s",
			    dd.placed);
			dev->next = nd->placed;
			nd->placed = dev;
		}
		close(nsfd);
	}
	if (ngd_netdev_get_name(nd, dev, ifname) != 0)
		snprintf(ifname, 16, "%s", dd.name);
	if (kind == NG_NETDEV_TAP && ngd_netdev_get_mac(nd, dev, mac) != 0)
		memcpy(mac, dd.mac, 6);
	return 0;
}

/* Copied into each struct ngd_netdev, which sets machine_id. */
static const struct ng_netdev_ops ngd_netdev_ops = {
	.create = ngd_netdev_create,
	.destroy = ngd_netdev_destroy,
	.xmit = ngd_netdev_xmit,
	.set_carrier = ngd_netdev_set_carrier,
	.set_mac = ngd_netdev_set_mac,
	.get_mac = ngd_netdev_get_mac,
	.set_name = ngd_netdev_set_name,
	.get_name = ngd_netdev_get_name,
	.set_altname = ngd_netdev_set_altname,
	.at_home = ngd_netdev_dev_at_home,
	.name_in_use = ngd_netdev_name_in_use,
	.get_addrs = ngd_netdev_get_addrs,
	.get_info = ngd_netdev_get_info,
	.vnet = ngd_netdev_vnet,
	.adopt = ngd_netdev_adopt,
};
