/*
 * ngd.h: the daemon's pieces.  loop.c is the event loop, ctl.c the control
 * server (one connection per client socket), netdev.c the TAP/TUN backend
 * of interface-backed nodes, main.c options, logging and lifetime.
 */
#ifndef NGD_H
#define NGD_H

#include <pthread.h>
#include <stdbool.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>
#include <sys/uio.h>

#include "ng_core.h"
#include "ng_nodes.h"

/* --- loop.c: a one-screen epoll loop ------------------------------------ */

typedef void ngd_io_fn(void *arg, uint32_t events);

struct ngd_io {
	int fd;
	ngd_io_fn *fn;
	void *arg;
};

/*
 * Run before the loop sleeps: do what is due, return the milliseconds
 * until the hook wants to run again (-1: no deadline).
 */
typedef int64_t ngd_sleep_fn(void *arg);

struct ngd_sleep_hook {
	ngd_sleep_fn *fn;
	void *arg;
	struct ngd_sleep_hook *next;
};

struct ngd_deferred;

struct ngd_loop {
	int epfd;
	uint64_t busy_us;    /* keep polling this long after traffic */
	uint64_t traffic_us; /* when a frame last came in */
	uint64_t free_us;    /* first wait after the last answer; 0: none */
	unsigned req_soon;   /* answers soon followed by a request (loop.c) */
	struct ngd_deferred *deferred;       /* freed once this pass is over */
	struct ngd_sleep_hook *before_sleep; /* newest first */
	char doing[160];         /* ngd_loop_doing, this handler's */
	uint64_t slow_logged_ms; /* a slow handler last logged (0: never) */
	unsigned slow_unlogged;  /* slow ones since, not logged */
};

int ngd_loop_init(struct ngd_loop *l);
void ngd_loop_fini(struct ngd_loop *l); /* after a successful init */
/* h (the caller's storage) runs fn(arg) before every sleep. */
void ngd_loop_before_sleep(struct ngd_loop *l, struct ngd_sleep_hook *h,
    ngd_sleep_fn *fn, void *arg);
/* h no longer runs (it may not be registered). */
void ngd_loop_cancel_sleep(struct ngd_loop *l, struct ngd_sleep_hook *h);
int ngd_loop_add(struct ngd_loop *l, struct ngd_io *io, uint32_t events);
int ngd_loop_mod(struct ngd_loop *l, struct ngd_io *io, uint32_t events);
void ngd_loop_del(struct ngd_loop *l, struct ngd_io *io);
/* Remove and close io's fd (sets it to -1); its pending events are skipped. */
void ngd_loop_close(struct ngd_loop *l, struct ngd_io *io);
/* free(ptr) once the current pass over events is over. */
void ngd_loop_defer_free(struct ngd_loop *l, void *ptr);
/*
 * Run until *stop is set.  A handler (one fd's event, one before-sleep
 * hook) that held the loop over NGD_LOOP_SLOW_MS is logged once it is
 * over (rate-limited), with what it said it did (ngd_loop_doing).
 */
int ngd_loop_run(struct ngd_loop *l, volatile bool *stop);
#define NGD_LOOP_SLOW_MS 1000
/* What the running handler does, for that line (printf's format). */
void ngd_loop_doing(struct ngd_loop *l, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
uint64_t ngd_clock_ms(void);
uint64_t ngd_clock_us(void);
/* Poll without sleeping for usec after the last frame (0: never). */
void ngd_loop_set_busy_poll(struct ngd_loop *l, unsigned usec);
/* A frame arrived: the busy-poll window starts again. */
void ngd_loop_traffic(struct ngd_loop *l);
/* A control request arrived, and was done (answered): while most come
 * soon after the last answer (a script's), a short window (loop.c). */
void ngd_loop_request(struct ngd_loop *l);
void ngd_loop_answered(struct ngd_loop *l);

/*
 * A job: kernel work no answer waits for (a batch of interfaces deleted:
 * the RTNL lock and RCU grace periods, seconds on a loaded machine), in a
 * thread made for it while the loop serves, joined once it is over.  ngd
 * is single-threaded whenever no job runs.  From ngd_job_start on, arg
 * and all it holds are run's; run touches nothing the loop uses and logs
 * nothing (ngd_log is the loop's): it leaves its results in arg, which
 * done reads in the loop after the join.  The caller's storage.
 */
typedef void ngd_job_fn(void *arg);
struct ngd_job {
	struct ngd_loop *loop;
	struct ngd_io io; /* an eventfd the thread signals once over */
	pthread_t thread;
	ngd_job_fn *run, *done;
	void *arg;
	bool running; /* started, not yet joined */
};
/* 0, or an errno and nothing started (the caller does the work). */
int ngd_job_start(struct ngd_loop *l, struct ngd_job *j, ngd_job_fn *run,
    ngd_job_fn *done, void *arg);
/* Back once j's thread is over and done has run (at once if none runs). */
void ngd_job_wait(struct ngd_job *j);

/* --- ctl.c: the control server ------------------------------------------ */

struct ngd_conn;

/* The control server: everything ctl.c keeps. */
struct ngd_ctl {
	struct ng_graph *graph;
	struct ngd_loop *loop;
	struct ngd_io listen_io;
	struct ngd_conn *conns;       /* every open connection */
	struct ngd_conn *dead_locals; /* closed in-process clients */
	gid_t admin_gid;
	bool admin_gid_set;
	bool accept_paused;   /* out of fds: not accepting until one closes */
	uint8_t *rbuf;        /* the request being read */
	uint64_t changes;     /* messages that may have changed the graph */
	int64_t guest_us;     /* time the non-admins' requests may still take */
	uint64_t guest_at_us; /* when guest_us was last topped up */
	bool guests_held;     /* some of their connections wait for it */
	bool guests_full_logged;   /* "they hold every connection" said */
	bool guests_held_logged;   /* "they leave 64 MiB unread" said */
	size_t guests_unread;      /* what they leave unread, as last
				    * counted, and large replies since */
	uint64_t guests_unread_ms; /* when it was counted (ngd_clock_ms) */
	struct ngd_sleep_hook guest_hook;
};

extern const struct ng_socket_ops ngd_socket_ops;
int ngd_ctl_listen(const char *path, int *fdp);
/* Become the listener clients' SO_PEERCRED names (after a fork, a
 * takeover). */
void ngd_ctl_own(int lfd);
/* Serve g; lfd < 0: no socket, in-process clients only (loop may then
 * be NULL). */
int ngd_ctl_start(struct ngd_ctl *ctl, struct ngd_loop *loop,
    struct ng_graph *g, int lfd, gid_t admin_gid, bool gid_set);
/* Close every connection; in-process clients are freed too. */
void ngd_ctl_stop(struct ngd_ctl *ctl);
/*
 * A takeover (takeover.c).  The old ngd: handover writes a line for each
 * client to f, its unsent frames to outq and gives fdfn its descriptor;
 * hold stops serving them (false: serve them again, the takeover failed).
 * The new one: adopt takes a client back from its line, its socket node
 * (the one the line names, NULL: none), its descriptor and the outq
 * file's bytes; adopt_done removes the socket nodes left
 * with no client.
 */
int ngd_ctl_handover(struct ngd_ctl *ctl, FILE *f, FILE *outq,
    void (*fdfn)(void *arg, uint32_t idx, int fd), void *arg);
void ngd_ctl_hold(struct ngd_ctl *ctl, bool hold);
int ngd_ctl_adopt(struct ngd_ctl *ctl, const char *line, struct ng_node *node,
    int fd, const uint8_t *q, size_t qlen);
void ngd_ctl_adopt_done(struct ngd_ctl *ctl);

/*
 * In-process clients (the wire fuzzer): a connection with uid's rights
 * and no socket.  Each frame ngd sends it is handed to sink as iovcnt
 * pieces.  ngd_ctl_input runs one request frame of len bytes, as if it
 * had been read from a socket; false once ngd has hung up on the client.
 */
typedef void ngd_ctl_sink_fn(void *arg, const struct iovec *iov, int iovcnt);
struct ngd_conn *ngd_ctl_local(struct ngd_ctl *ctl, uid_t uid,
    ngd_ctl_sink_fn *sink, void *arg);
bool ngd_ctl_input(struct ngd_conn *c, const void *frame, size_t len);

/* --- netdev.c: TAP and TUN devices -------------------------------------- */

#define NGD_RX_BATCH 64 /* frames read per wakeup before yielding */

/* Whether a batch of frames that began when g had made `since` sends
 * has cost its share of a turn (NG_BATCH_SENDS): the rest wait. */
static inline bool
ngd_batch_spent(const struct ng_graph *g, uint64_t since)
{
	return g != NULL && ng_sends(g) - since >= NG_BATCH_SENDS;
}

struct mnl_socket; /* libmnl */
struct nlmsghdr;

/*
 * The backend of interface-backed nodes: everything netdev.c keeps.  The
 * graph gets it as ng_graph_cfg.backend, with ops as netdev_ops, and hands
 * it to every op; each device points back at it.
 */
struct ngd_veth;
struct ngd_netdev {
	struct ng_netdev_ops ops; /* ngd's ops; machine_id points below */
	struct ngd_loop *loop;
	struct ng_netdev *placed;  /* devices made in a named netns */
	struct ngd_io netns_watch; /* inotify on /run/netns */
	struct ng_netdev *retired; /* devices waiting to be deleted */
	unsigned nretired;
	unsigned retire_seq;
	uint64_t retired_ms;       /* when the last one was retired */
	uint64_t retired_first_ms; /* ... and the batch's first */
	struct ngd_job retire_job; /* the last batch's deletion */
	int own_netns;             /* ngd's network namespace */
	int sock;                  /* ioctl socket in ngd's namespace */
	struct mnl_socket *rtnl;   /* rtnetlink in ngd's namespace (libmnl) */
	unsigned rtnl_seq;
	char machine_id[64];
	/* Frames for interfaces while a batch read from one is handled go
	 * out together after it (ngd_tap_send). */
	struct ngd_txq_ent {
		struct ng_netdev *dev; /* written to its TAP; NULL: to fd */
		int fd;
		struct ng_pkt *pkt; /* a reference of ours */
		struct virtio_net_hdr vh;
		/* after the MACs (ntag of them): the port's (type, id),
		 * then a frame's out-of-band VLAN tag (0x8100, TCI) */
		uint16_t tag[4];
		unsigned ntag;
	} txq[NGD_RX_BATCH];
	unsigned ntxq;
	bool in_batch;
	struct ngd_uring *uring; /* the flush's writes in one call */
	bool uring_failed;
	/* Link events of ngd's namespace and of those its TAPs and TUNs
	 * live in (ngd_linkmon): one more each time such a device goes
	 * down, after which each device is written at once until a write
	 * to it goes through (ngd_txq_send). */
	struct ngd_io linkmon;
	unsigned down_gen;
	struct ngd_sleep_hook reap_hook; /* deletes retired devices */
	uint64_t changes; /* devices brought home: the journal looks again */
	/* The next node's device to adopt (journal, takeover): described
	 * by ngd_netdev_describe, and open on expect_fd if >= 0. */
	char *expect;
	int expect_fd;
	/* ngd_fast_describe, set by fastpath.c (netdev.c links without it) */
	int (*fast_describe)(struct ngd_veth *v, char *buf, size_t size,
	    bool fresh);
};

int ngd_netdev_init(struct ngd_netdev *nd, struct ngd_loop *loop);
/*
 * One netlink request nh (in buf, of size bytes) on nl, which has been
 * bound; NLM_F_REQUEST and NLM_F_ACK are added.  0 once acknowledged, or
 * the errno the kernel (or the socket) gave.  buf takes the answer.
 */
int ngd_nl_request(struct mnl_socket *nl, struct nlmsghdr *nh, void *buf,
    size_t size);
void ngd_netdev_fini(struct ngd_netdev *nd);
unsigned ngd_netdev_sync(struct ng_graph *g); /* how many names moved */
/*
 * Devices outlive ngd (DESIGN decision 12): they are persistent until
 * their node goes.  describe: what finds one again, a line of key=value
 * words for the journal.  expect: the next interface-backed node made
 * takes back the device desc describes (opened on fd if fd >= 0, which
 * it then owns), wherever it is, or one made anew with its name and MAC.
 */
int ngd_netdev_describe(struct ng_netdev *dev, char *buf, size_t size,
    bool fresh);
void ngd_netdev_expect(struct ngd_netdev *nd, const char *desc, int fd);
int ngd_netdev_fd(const struct ng_netdev *dev);
uint64_t ngd_netdev_cookie(const struct ngd_netdev *nd); /* ngd's netns */
uint64_t ngd_sock_cookie(int s); /* socket s's netns; 0: unknown */
/* Send a client's message with the interface names it may see current;
 * *changed: it was not one known to read only (the journal looks again). */
int ngd_netdev_send_msg(struct ng_node *from, const char *addr,
    struct ng_mesg *m, bool *changed);
/* fn runs after each client's message, before its status goes back;
 * changed false: the message was one known to change nothing (g: the
 * graph it went to; NULL, changed true: an event's edit). */
void ngd_netdev_after_msg(void (*fn)(struct ng_graph *g, bool changed));
/* fn told of an event that changed at most the graph's edges (g's
 * ng_topo_gen says whether it did). */
void ngd_netdev_graph_maybe_changed(struct ng_graph *g);
/* fn(arg, dest, m) runs after each client's message m (and after_msg's
 * fn), before its status goes back; dest: the ID of the node it was
 * addressed to (0: none found, or a list).  The journal's (journal.c). */
void ngd_netdev_msg_done(
    void (*fn)(void *arg, ng_id_t dest, const struct ng_mesg *m), void *arg);
/* fn(dest, m) runs before each client's message m to the node dest. */
void ngd_netdev_before_msg(void (*fn)(struct ng_node *dest,
    const struct ng_mesg *m));
/* The graph changed outside a client's message (a client's end): fn too. */
void ngd_netdev_graph_changed(void);

/*
 * Devices fastpath.c makes (veth pairs) go to the graph as struct
 * ng_netdev like netdev.c's own: wrapped, and recognised by
 * ngd_netdev_veth (NULL: a TAP or TUN of netdev.c).  place: the netns
 * name it was put in, watched so that it comes home when the name goes.
 */
struct ngd_veth;
struct ng_netdev *ngd_netdev_wrap_veth(struct ngd_netdev *nd,
    struct ngd_veth *veth, struct ng_node *node);
struct ngd_veth *ngd_netdev_veth(const struct ng_netdev *dev);
int ngd_netdev_place(struct ng_netdev *dev, const char *netns);
const char *ngd_netdev_placed(const struct ng_netdev *dev); /* "": none */
void ngd_netdev_unwrap(struct ng_netdev *dev); /* freed after this pass */
/* ngret<N>: a name for a device on its way out (IFNAMSIZ bytes). */
void ngd_retire_name(struct ngd_netdev *nd, char *name);

/* --- fastpath.c: eifaces as veth pairs (DESIGN decision 11) ------------ */

struct ngd_fast;
/* The alias of every graph-side end: the interface at its peer is an
 * eiface's, whichever ngd sees it (ether.c makes no ether node for it,
 * as for a TAP). */
#define NGD_FAST_IFALIAS "netgraph eiface"
/*
 * By default eifaces are veth pairs whose graph-side ends live in a
 * private data-plane namespace; with NGD_FASTPATH=0 in the environment,
 * or where that cannot be made or the programs cannot be loaded, TAPs.  *opsp and *bep are what the graph
 * gets as netdev_ops and backend: nd's own, or the veth model's.  Logs
 * once which model serves.
 */
int ngd_fast_new(struct ngd_netdev *nd, const struct ng_netdev_ops **opsp,
    void **bep, struct ngd_fast **fpp);
void ngd_fast_free(struct ngd_fast *fp); /* after the graph; NULL ok */
/* Where the fast path's state is kept across ngd's life (the journal's
 * base directory, -J); before ngd_fast_new. */
void ngd_fast_pin_rundir(const char *base);
/* Where the maps and links are pinned when $NGD_BPF_DIR does not say
 * (default /sys/fs/bpf/netgraph); before ngd_fast_new. */
void ngd_fast_pin_root(const char *root);
/* After the journal was replayed (or a takeover's state): pairs, pins and
 * map entries the graph did not take back go; the kernel path follows
 * the graph from now on. */
void ngd_fast_restored(struct ngd_fast *fp); /* NULL ok */
/* The id ngd's namespace gives the data plane, or -1 (none, or no fast
 * path): a veth whose peer is there is an eiface's. */
int ngd_fast_dataplane_nsid(void);
/* The inode of ngd's data-plane namespace, or 0 (no fast path). */
unsigned long long ngd_fast_dataplane_ino(void);
/* A takeover under way: the data plane is the new ngd's to change (it
 * may remove it); this one leaves it alone until it exits or, the
 * takeover failed, looks again (hold false). */
void ngd_fast_hold(struct ngd_fast *fp, bool hold);
/* A takeover's slow-path TAP (fastpath.c): the old ngd's descriptors to
 * fn (what: the queue's index, or one of its two links), the new ngd
 * given each (before ngd_fast_new, which takes them), and those it did
 * not take closed. */
#define NGD_FAST_TAP_LINK 0x80  /* ng_fast_tap's, on its ingress */
#define NGD_FAST_TAP_ELINK 0x81 /* ng_fast_slowq's, on its egress */
void ngd_fast_tap_handover(struct ngd_fast *fp,
    void (*fn)(void *arg, uint32_t what, uint32_t ifindex, int fd), void *arg);
void ngd_fast_tap_given(uint32_t what, uint32_t ifindex, int fd);
void ngd_fast_tap_given_drop(void); /* NULL ok */
/* ngd stops (before the graph is freed): the pairs of the eifaces that
 * go from now on are deleted together by ngd_fast_free. */
void ngd_fast_stopping(struct ngd_fast *fp); /* NULL ok */
/* The journal's description of a pair (ngd_netdev_describe's words). */
int ngd_fast_describe(struct ngd_veth *v, char *buf, size_t size, bool fresh);

/* --- fastpath_pin.c: the fast path pinned, to outlive ngd ------------- */

struct ngd_fast_pin;
struct bpf_object;
struct bpf_program;
struct ngd_fast_pin *ngd_fast_pin_new(uint64_t cookie);
void ngd_fast_pin_free(struct ngd_fast_pin *pin);
bool ngd_fast_pin_bpffs(const struct ngd_fast_pin *pin);
int ngd_fast_pin_dataplane(struct ngd_fast_pin *pin); /* fd or -1 */
/* Data planes given rather than mounted: systemd's file-descriptor store's
 * (listen: first thing in main) and a takeover's (give: now ours). */
void ngd_fast_pin_listen(void);
void ngd_fast_pin_give(int fd);
/* This ngd's graph's data plane, mounted, for a takeover: fd or -1. */
int ngd_fast_pin_handover(uint64_t cookie);
void ngd_fast_pin_reuse_maps(struct ngd_fast_pin *pin, struct bpf_object *obj);
void ngd_fast_pin_prune_maps(struct ngd_fast_pin *pin, struct bpf_object *obj);
/* The programs' build (a hash of their object), which names their pins;
 * the pinned program name of this build that runs on the maps
 * ngd_fast_pin_reuse_maps kept (fd, or -1); the programs pinned as this
 * build's, other builds' unpinned. */
void ngd_fast_pin_build(struct ngd_fast_pin *pin, uint64_t build);
uint64_t ngd_fast_pin_hash(const void *p, size_t n);
int ngd_fast_pin_prog(struct ngd_fast_pin *pin, const char *name);
/* Every program of obj taken from this build's pins, or none (0): the
 * fds in the object's order; a program's fd, loaded or taken; obj's
 * programs pinned as this build's. */
unsigned ngd_fast_pin_take_progs(struct ngd_fast_pin *pin,
    struct bpf_object *obj, int *fds, unsigned max);
int ngd_fast_pin_prog_fd(struct bpf_object *obj, const struct bpf_program *want,
    const int *taken, unsigned ntaken);
void ngd_fast_pin_obj_progs(struct ngd_fast_pin *pin, struct bpf_object *obj,
    const int *taken, unsigned ntaken);
/* A part with programs of its own (ether.c's), pinned in <cookie>/<part>
 * by the same rules: its directories made (false: nothing is pinned);
 * its pins removed. */
struct ngd_fast_pin *ngd_fast_pin_part(uint64_t cookie, const char *part);
bool ngd_fast_pin_part_up(struct ngd_fast_pin *pin);
void ngd_fast_pin_unpin(struct ngd_fast_pin *pin);
void ngd_fast_pin_progs(struct ngd_fast_pin *pin, const char *const *names,
    const int *fds, unsigned n);
bool ngd_fast_pin_up(struct ngd_fast_pin *pin, int nsfd,
    struct bpf_object *obj);
void ngd_fast_pin_link(struct ngd_fast_pin *pin, int gidx, int link);
/* The pinned link on graph-side end gidx taken, running prog (of id
 * prog_id: left as it is if it runs that one); a link given prog unless
 * it runs it (0 or an errno); a program's id (0: cannot tell). */
int ngd_fast_pin_link_take(struct ngd_fast_pin *pin, int gidx, int prog,
    uint32_t prog_id);
int ngd_fast_pin_link_run(int link, int prog, uint32_t prog_id);
uint32_t ngd_fast_pin_prog_id(int fd);
void ngd_fast_pin_link_drop(struct ngd_fast_pin *pin, int gidx);
void ngd_fast_pin_links_prune(struct ngd_fast_pin *pin,
    bool (*keep)(void *, int), void *arg);
void ngd_fast_pin_down(struct ngd_fast_pin *pin);
int ngd_fast_pin_flush(int nsfd, int own_netns);
void ngd_fast_pin_clean(struct ngd_fast_pin *pin, int own_netns);
void ngd_fast_pin_sweep(uint64_t own_cookie, int own_netns);
void ngd_fast_pin_forget(uint64_t cookie); /* its namespace is gone */
/* The graph's hookstats_sync (arg: the struct ngd_fast): what the kernel
 * forwarded across node's hooks, added to their counters. */
void ngd_fast_hookstats(void *arg, struct ng_node *node);

/* --- jailed.c ----------------------------------------------------------- */

/* The client on fd is in a jail sharing ngd's network namespace (a
 * non-vnet jail), whose root may not touch the graph. */
bool ngd_peer_jailed(int fd, pid_t pid); /* pid: SO_PEERCRED's */
/* The client is in a PID namespace below ngd's (a jail's), whatever the
 * graph: one that may not take ngd over. */
bool ngd_peer_below(int fd, pid_t pid);
/* ngd was started into its network namespace from outside it. */
bool ngd_serves_entered_netns(void);
/* In a jail without a network of its own: ngd refuses to start. */
bool ngd_jailed_without_net(void);
/* A vnet message may send an interface to netns (home always). */
bool ngd_vnet_permitted(const char *netns);
/* Who holds ngd's control socket path, in words, into why; false if no
 * holder is found. */
bool ngd_name_holder(const char *path, char *why, size_t len);

/* One frame from a vnet-header TAP into a pool packet: 0, EAGAIN, ENOBUFS
 * (the pool was empty: the frame was dropped), or the read's errno. */
int ngd_tap_read(struct ng_graph *g, int fd, struct ng_pkt **pktp);
/* The frame the last ENOBUFS of ngd_tap_read dropped (after its vnet
 * header; ngd's, valid until the next read): its length, 0 if none. */
size_t ngd_tap_dropped(const uint8_t **framep);
/*
 * Frame pkt into the vnet-header TAP fd, with vh as its header and, if
 * tag >= 0, 4 bytes after its MACs: type and tag, in network order (the
 * fast path's TAP: an 802.1Q tag of the port's id, or the header of a
 * frame too short for one, ng_fast_bpf.h).  Between ngd_netdev_batch_begin and _end it is queued (pkt is
 * referenced, not consumed) and goes with the batch's other writes in
 * one system call; otherwise it is written at once.  0 or an errno
 * (ENETDOWN for EIO).
 */
int ngd_tap_send(struct ngd_netdev *nd, int fd, const struct ng_pkt *pkt,
    const struct virtio_net_hdr *vh, uint16_t type, int tag);
void ngd_netdev_batch_begin(struct ngd_netdev *nd);
void ngd_netdev_batch_end(struct ngd_netdev *nd);     /* the queued writes */
void ngd_netdev_batch_prepare(struct ngd_netdev *nd); /* io_uring now */

/* --- ether.c: the backend of ether nodes (ng_ether_dev.h) -------------- */

struct ngd_ether;
extern const struct ng_ether_ops ngd_ether_ops;
int ngd_ether_new(struct ngd_loop *loop, struct ngd_ether **ethp);
/* A node for every Ethernet interface there is and will be. */
int ngd_ether_start(struct ngd_ether *eth, struct ng_graph *g);
int ngd_ether_scan(struct ngd_ether *eth);
/* Take the link events that are waiting (before a control message). */
void ngd_ether_poll(struct ngd_ether *eth);
void ngd_ether_free(struct ngd_ether *eth); /* after the graph; NULL ok */
/*
 * A takeover.  The old ngd: handover gives fn the TAPs and TCX links of
 * every diverted interface (slot: which one); reclaim points those links
 * at its own programs again (the takeover failed).  The new one: expect
 * hands fd for slot of interface ifindex to the ether node's hooks when
 * the graph is made again (the TAPs keep their queues, the links move to
 * the new programs: bpf_link_update); expect_done closes what no hook
 * took.  NULL ok.
 */
void ngd_ether_handover(struct ngd_ether *eth,
    void (*fn)(void *arg, uint32_t ifindex, unsigned slot, int fd), void *arg);
void ngd_ether_reclaim(struct ngd_ether *eth);
void ngd_ether_expect(struct ngd_ether *eth, uint32_t ifindex, unsigned slot,
    int fd);
void ngd_ether_expect_done(struct ngd_ether *eth);
/* The graph the ether nodes are in, or NULL (fastpath_ether.c). */
struct ng_graph *ngd_ether_graph(void);
/* The ether node's frames of dir (lower or upper) go to and come from the
 * veth host end hidx (an uplink into the data plane, fastpath_ether.c)
 * instead of its TAP; 0: the TAP again.  ENXIO: not diverted. */
int ngd_ether_uplink(struct ng_node *node, int dir, uint32_t hidx);
/* Frames tagged as a TAP's reach the interface of ether node node by a
 * wire device (fastpath_ether.c) while on: its egress program stays on
 * to clear the tag.  ENXIO: not diverted. */
int ngd_ether_wire(struct ng_node *node, bool on);
/* The interface of ether node node (its index in ngd's namespace), or 0. */
uint32_t ngd_ether_ifindex(const struct ng_node *node);
/* The ether nodes with a hook diverting frames: up to max in out; how
 * many there are. */
unsigned ngd_ether_diverted(struct ng_node **out, unsigned max);

/* --- sockdev.c: the sockets behind ksocket nodes ----------------------- */

struct ngd_sockdev;
extern const struct ng_ksock_ops ngd_ksock_ops;
/* Its datagrams go out before each sleep of the loop, a batch at a time. */
int ngd_sockdev_new(struct ngd_loop *loop, struct ngd_sockdev **sdp);
void ngd_sockdev_free(struct ngd_sockdev *sd); /* after the graph; NULL ok */
/* A takeover: the old ngd's socket fd (ours now) is node's when its hook
 * opens one of the same family, type and protocol; done: the graph is
 * rebuilt, those not taken are closed.  each: every socket of a node. */
void ngd_sockdev_expect(struct ngd_sockdev *sd, const struct ng_node *node,
    int fd);
void ngd_sockdev_expect_done(struct ngd_sockdev *sd);
void ngd_sockdev_each(struct ngd_sockdev *sd,
    void (*fn)(void *arg, const struct ng_node *node, int fd), void *arg);

/* --- boot.c: the boot file (-c) and readiness for systemd ------------- */

struct ngd_boot {
	const char *file; /* the script; NULL: none */
	int fd;           /* it, open since the start */
	int errfd;        /* ngctl's standard error (a memfd) */
	pid_t pid;        /* the ngctl applying it; 0: none */
	bool failed;      /* it did not apply: ngd stops */
};

/* Open file now, so a missing one stops ngd before it serves. */
int ngd_boot_open(struct ngd_boot *b, const char *file);
/* Apply it with `ngctl -N -f -` against sock, in a child. */
int ngd_boot_start(struct ngd_boot *b, const char *sock);
/* On SIGCHLD: true once the child is over (b->failed: it failed, logged
 * as file:line). */
bool ngd_boot_reap(struct ngd_boot *b);
/* sd_notify(3): READY=1 with our pid; nothing outside systemd. */
void ngd_notify_ready(const char *sock);
void ngd_notify_stopping(void);
/* The service's main process is this ngd (a takeover's old one serving
 * on), or pid (a takeover's new one, named by the old before it exits);
 * with wait_ms, once systemd has read it (BARRIER=1), waiting at most
 * that long: 0, or an errno (ETIMEDOUT). */
void ngd_notify_mainpid(void);
int ngd_notify_mainpid_of(pid_t pid, unsigned wait_ms);
/* --- journal.c: the graph written down (DESIGN decision 12) ------------ */

#define NGD_JOURNAL_DIR "/run/netgraph" /* -J, $NGD_JOURNAL_DIR */
#define NGD_JOURNAL_DIR_ENV "NGD_JOURNAL_DIR"

struct ngd;
/* A device's descriptor handed over in a takeover, by its node's ID. */
struct ngd_handed_fd {
	ng_id_t id;
	int fd;
};

struct ngd_journal {
	struct ng_graph *graph;
	struct ngd_netdev *netdev;
	/* Devices brought home (netdev.c), as last seen: a snapshot. */
	const uint64_t *dev_changes;
	uint64_t dev_seen;
	uint64_t check_ms, next_ms;
	uint64_t cookie; /* the namespace's; names the directory */
	char base[PATH_MAX];
	char dir[PATH_MAX + 24];
	char path[PATH_MAX + 32];
	/* The text being made and what the file holds: buffers of the
	 * journal's own, kept from one write to the next, grown as needed
	 * and made smaller only after NGD_JBUF_WINDOW_MS that used under a
	 * quarter of them (journal.c, struct ngd_jbuf). */
	struct ngd_jbuf {
		char *p;
		size_t len, cap;
		bool failed; /* out of memory: the text is incomplete */
		/* the most of p and of sums used since since_ms */
		size_t peak, peaksums;
		uint64_t since_ms;
		/* sums[i]: the sum of line i of p's body (the text before
		 * the end line, body bytes), nsums of them: the next text
		 * sums again only the lines that differ (journal.c). */
		uint64_t *sums;
		size_t nsums, maxsums, body;
		uint64_t end; /* the end line's sum */
	} text, last, skel, skel_last;
	/* skel_last: last's text without its tables' lines (skel_ok), for
	 * a look to find nothing changed at O(nodes) (journal.c); skeleton:
	 * such a text is being made, skel_memo: with the memo's pass */
	bool skel_ok, skeleton, skel_memo;
	/*
	 * The file is a snapshot (the text above) and records appended to
	 * it, each what changed since the one before (journal.c): fd, open
	 * for them (-1: the next write is a snapshot), their bytes and the
	 * last one's sum.  What changed since: nodes by ID (what of them:
	 * NGD_JMARK_*), edges made and cut in order (the core's watch), a
	 * switching node's table as last written (by a count and a size).
	 */
	int fd;
	size_t snap_len, rec_len;
	uint64_t chain;
	struct ngd_jbuf rec;
	struct ngd_jmark {
		ng_id_t id;
		unsigned what;
	} * marks;
	size_t nmarks, maxmarks;
	struct ngd_jedge {
		ng_id_t a, b;
		char ha[NG_HOOKSIZ], hb[NG_HOOKSIZ];
		bool made;
	} * edges;
	size_t nedges, maxedges;
	bool overflow; /* more than kept, or out of memory: a snapshot */
	struct ngd_jtable {
		ng_id_t id;
		uint64_t gen;
		uint32_t room;
		/* as the snapshot's text (last) has it, if in_last */
		bool in_last;
		uint64_t last_gen;
		uint32_t last_room;
	} * tables;
	size_t ntables;
	struct ng_graph_watch watch;
	bool enabled;
	bool restored; /* a graph was rebuilt from the file at start */
	bool fresh;    /* the next text reads every interface again */
	struct ngd_sleep_hook hook;
	int lock_fd; /* <dir>/lock, held shared while ngd runs (journal_gc.c) */
	struct ngd_sockdev *sockdev; /* a takeover's sockets go to it */
	struct ngd_jid {
		ng_id_t old, now;
	} * ids; /* the IDs of the text restored last, ascending */
	size_t nids;
	struct ngd_jmemos *memo; /* msg lines as last written (journal.c) */
	/* Each node's settings (its save method's messages) as the file
	 * holds them, by ID: a record writes only those that changed
	 * (journal.c, struct ngd_jsaved). */
	struct ngd_jsaved *saved;
	size_t nsaved, maxsaved;
	struct ngd_jkept *scratch; /* a node's settings being compared */
};

/* After the graph is made, before the control server starts. */
int ngd_journal_init(struct ngd_journal *j, const char *base, struct ngd *d);
/* journal_gc.c: the namespace's lock taken (and its netns file written);
 * the directories of namespaces that are gone removed; the lock let go
 * (remove: with its files, at a clean stop). */
int ngd_journal_lock(struct ngd_journal *j);
void ngd_journal_gc(struct ngd_journal *j);
void ngd_journal_unlock(struct ngd_journal *j, bool remove);
/* Rebuild the graph from the file, if there is one (a bad one is set
 * aside and logged: the graph stays empty). */
int ngd_journal_restore(struct ngd_journal *j);
/* The same from text (a takeover's), with the devices handed over; *why
 * says what is wrong with a text refused whole (EINVAL). */
int ngd_journal_restore_text(struct ngd_journal *j, char *text, size_t len,
    const struct ngd_handed_fd *fds, size_t nfds, const char **why,
    unsigned *nnodes);
/* sockets: with socket nodes and their hooks (a takeover's text). */
int ngd_journal_text(struct ngd_journal *j, char **textp, size_t *lenp,
    bool sockets);
/* The node the text restored last called id (an ether node, made for
 * its interface, may have another), or NULL. */
struct ng_node *ngd_journal_node(struct ngd_journal *j, ng_id_t id);
int ngd_journal_sync(struct ngd_journal *j);    /* write now if changed */
void ngd_journal_remove(struct ngd_journal *j); /* clean stop: forget */
void ngd_journal_fini(struct ngd_journal *j);

/* --- takeover.c: ngd --takeover (DESIGN decision 12) -------------------- */

struct ngd_takeover {
	struct ngd_io io; /* <control socket>.takeover */
	int conn;         /* the new ngd's connection, while handing over */
	struct ngd_io conn_io; /* the same, waiting for its "ok" */
	int ctl_fd;            /* the control socket, not accepting meanwhile */
	bool draining;         /* asked: hand over before the loop sleeps */
	bool handed; /* done: exit, leaving the graph to the new ngd */
	gid_t admin_gid;
	bool gid_set;
	struct ngd_sleep_hook hook;
};

/* What a takeover hands over, received by the new ngd. */
enum {
	NGD_HANDED_LISTEN, /* the control socket */
	NGD_HANDED_NODE,   /* a device's or ksocket's, by node ID */
	NGD_HANDED_CONN,   /* a client's connection, by its line */
	NGD_HANDED_OUTQ,   /* a memfd: frames not yet sent to clients */
	NGD_HANDED_ETHER,  /* + a slot: an ether node's, by ifindex */
	/* the fast path's data-plane namespace (an older ngd closes it:
	 * no ether node has such a slot) */
	NGD_HANDED_DATAPLANE = 0x100,
	/* + what: the fast path's slow-path TAP, by its ifindex
	 * (ngd_fast_tap_handover; an older ngd closes them too) */
	NGD_HANDED_SLOWTAP = 0x200,
};
struct ngd_handover {
	int s;              /* the connection to the old ngd */
	char *text;         /* the graph (journal.c, with socket nodes) */
	size_t len;         /* its length; the clients' lines follow */
	char *clients;      /* a line per client (ngd_ctl_handover) */
	struct ngd_handed { /* every descriptor, ours */
		uint32_t kind, id;
		int fd; /* -1 once taken */
	} * fds;
	size_t nfds;
	/* The old ngd names this one the service's main process (MAINPID=)
	 * when it reads "ok <pid>", so that this one says nothing before
	 * (state line's "mainpid"; an older ngd does not: this one says it
	 * itself, then "ok"). */
	bool announces;
};

void ngd_takeover_path(const char *ctl_path, char *buf, size_t size);
/* The old side: listen for a new ngd (after the control server runs). */
int ngd_takeover_listen(struct ngd *d, const char *ctl_path, gid_t gid,
    bool gid_set);
void ngd_takeover_close(struct ngd *d);
/* The new side: receive the state (see takeover.c); take the control
 * socket from it; rebuild the graph; say so and wait for the old ngd to
 * be gone (done); serve the clients again (adopt, which frees h). */
int ngd_takeover_receive(const char *ctl_path, struct ngd_handover *h,
    char *why, size_t whysize);
int ngd_takeover_ctl_fd(struct ngd_handover *h);
int ngd_takeover_restore(struct ngd *d, struct ngd_handover *h,
    const char **bad, unsigned *nnodes);
void ngd_takeover_done(const struct ngd_handover *h);
void ngd_takeover_adopt(struct ngd *d, struct ngd_handover *h);

/* --- main.c ------------------------------------------------------------- */

/*
 * The heap given back after activity (main.c): glibc returns freed memory
 * to the kernel only from the top of the heap, so one block still in use
 * above a burst's (a flood's queued frames, a journal's text) kept all of
 * it resident.  A second after the loop last woke, malloc_trim() gives
 * back every free page wherever it lies; an idle ngd is not woken for it.
 */
struct ngd_trim {
	struct ngd_sleep_hook hook;
	uint64_t next_ms; /* not before then */
	bool dirty;       /* the loop woke since the last trim */
};

/*
 * One daemon's whole state: the graph and the parts that serve it, each
 * a struct handed to the code that uses it, so that all of it can be
 * walked from here (a journal, a takeover: DESIGN decision 12).
 */
struct ngd {
	struct ngd_loop loop;
	struct ngd_netdev netdev; /* the graph's interface backend */
	struct ngd_ctl ctl;
	struct ngd_ether *ether;     /* the ether nodes' backend */
	struct ngd_sockdev *sockdev; /* the ksocket nodes' backend */
	struct ngd_fast *fast;       /* eifaces as veth pairs, or NULL */
	struct ng_graph *graph;
	struct ngd_sleep_hook timers; /* runs the graph's timers */
	struct ngd_trim trim;         /* freed heap given back */
	struct ngd_io sigio;          /* SIGTERM, SIGINT, SIGHUP */
	struct ngd_journal journal;   /* the graph, for the next ngd */
	struct ngd_takeover takeover; /* handing it all to a new ngd */
	volatile bool stop;
	struct ngd_boot boot; /* -c: the boot file, applied at start */
	const char *ctl_path; /* the socket served */
};

void ngd_log(int level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* ifslots.c: a BPF array of port entries by an ifindex's low bits in
 * front of the hash that is the authority (ng_fast_ifs, ng_ether_ifs);
 * each entry begins with its owner's ifindex, the value at voff. */
struct ngd_ifslots {
	unsigned char *base; /* the array, mapped; NULL: the hash alone */
	size_t stride, voff, vlen;
	uint32_t n; /* slots, a power of 2 */
	bool *seen; /* [n]: a run may have read the slot since the
			      * last grace period */
};
/* Maps the array fd (adopted: an older ngd's runs may read any slot);
 * an array that cannot be mapped leaves the hash alone, logged. */
int ngd_ifslots_map(struct ngd_ifslots *s, int fd, uint32_t n, size_t stride,
    size_t voff, size_t vlen, bool adopted, const char *what);
void ngd_ifslots_unmap(struct ngd_ifslots *s);
void ngd_ifslots_put(struct ngd_ifslots *s, uint32_t key, const void *value);
void ngd_ifslots_del(struct ngd_ifslots *s, uint32_t key);
void ngd_ifslots_check(struct ngd_ifslots *s, int hash_fd);
void ngd_ifslots_settle(struct ngd_ifslots *s, int hash_fd);

#endif
