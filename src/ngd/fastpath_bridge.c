/*
 * fastpath_bridge.c: bridges switching in the kernel (DESIGN decision 11;
 * README "The kernel fast path").  A node whose type has switching
 * methods (bridge) and whose every hook leads to an eiface that is a
 * veth pair switches in ng_fast.bpf.c: its ports are a group of the
 * members map, each has a slot (its port id; a vport's from the
 * NG_FAST_BPF_BR_VSLOTS, given here) indexing its entry in
 * ng_fast_brslots and per-CPU counters in ng_fast_brsstats, its hosts
 * live in ng_fast_hosts.  The node stays the authority:
 *   - what the program learned is imported into the node (heard) before
 *     a client's message of its type to it that shows or clears the
 *     table (its needs method: gettable, reset), once a second (its
 *     ageing sees the program's timestamps), and for the hosts a frame
 *     names before the node takes a frame the program gave ngd;
 *   - what the node decided (a move, a loop and its muted port, ageing,
 *     reset, a host learned in userspace) is written back when the
 *     node's generation moves: whole before the reply of a client's
 *     message or graph edit that moved it; for the frames from the
 *     kernel (a muted port, a moved host at once) and once a second, by
 *     the tick's write-back, NGD_BR_PUSH_SLICE hosts a loop pass;
 *   - the program's counters are summed and added to the node's
 *     (count) before a client's message to it that shows or clears
 *     them (needs: getstats), so getstats sees them;
 *   - whatever wrote the maps moves ng_fast_brgen before it returns, so
 *     no CPU's cached decision (ng_fast_brflows3) outlives an entry it
 *     came from.
 * Reading the hosts map back costs O(hosts): ports that joined or left
 * and frames that moved a node mark it due (dirty, stale), and the
 * tick's round does it (the nodes' write-back, then the import, in
 * slices) from the next loop pass on, or it is done at once before a
 * client's message that needs it.
 * A host in the map but not in the node is new if the program learned
 * it since the last import began, and forgotten by the node otherwise.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "ngd.h"
#include "fastpath.h"
#include "netgraph/ng_eiface.h"
#include "../bpf/ng_fast_bpf.h"
#include "ng_fast.skel.h"

/* The import runs once a second, less often for big tables (an import
 * costs O(hosts): ~0.1 s for 100,000 on a loaded 2-CPU machine), one
 * more second per NGD_BR_TICK_HOSTS hosts.  The tick's import reads
 * NGD_BR_TICK_SLICE batches, then lets the loop look at its events
 * before the next: done at once, it held every frame and message for
 * ngd (a ping through a tee waited up to 0.6 s) every 6 s. */
#define NGD_BR_TICK_MS 1000
#define NGD_BR_TICK_HOSTS 20000
#define NGD_BR_TICK_SLICE 1
#define NGD_BR_BATCH 1024 /* hosts read per syscall */
/* The tick looks whether anything happened before its import when the
 * kernel bridges have this many hosts a port (ngd_br_quiet_pays). */
#define NGD_BR_QUIET_RATIO 16
/* The tick's write-back of a node's table (one look-up, and a write if
 * the map says otherwise, per host: ~0.2-0.5 s for 100,000) goes this
 * many hosts a loop pass, the same. */
#define NGD_BR_PUSH_SLICE 1024
#define NGD_BR_PUSH_BULK 8192  /* a whole write-back reads the map first */
#define NGD_BR_REPOINT_MS 100  /* vnets' hosts moved together, this late */
#define NGD_BR_REPOINT_MAX 128 /* or once this many wait */

struct ngd_br_member {
	uint32_t gidx;    /* the graph-side end */
	ng_id_t eiface;   /* its eiface (or ether) node */
	const char *hook; /* the hook of that node */
	uint32_t flags;   /* NG_FAST_BPF_BR_* as written */
	uint32_t slot;    /* ng_fast_bpf.h */
	bool wire;        /* an uplink with a wire device */
	bool down;        /* its interface is down: its member entry is 0 */
	struct ng_fast_bpf_brstats folded; /* the program's, already added */
	uint64_t unlearned;                /* ng_fast_brfull's, the same */
};

struct ngd_br {
	ng_id_t id; /* the bridge node; the group and key in the maps */
	unsigned n;
	struct ngd_br_member *m; /* by eiface ID */
	uint64_t gen;            /* the node's when last written */
	uint64_t msg_gen;  /* the node's as a client's message or loop pass
			   * began: what moves it after, the message did */
	bool stale;        /* its hosts to be written whatever gen */
	bool due;          /* the tick's write-back is to write it */
	bool keep;         /* ngd_fast_br_sync's scratch */
	int64_t room0;     /* its room as an import began, or -1 */
	int64_t room_set;  /* its room as last written, or -1 */
	int64_t room_node; /* the node's room as last written, or -1 */
	int64_t seen;      /* hosts learned since, the import saw */
	/* As the last import began (ngd_br_quiet): the node's gen, and
	 * the frames its ports took in the program (if pull_known) */
	uint64_t pull_gen, pull_recv;
	bool pull_known;
	/* The hosts the program learned that the node does not have:
	 * pend (as the last import ended, learned as it ran) + took (since:
	 * taken off each room written) - taken (of those since base_ns, what
	 * a frame's import gave the node) (ngd_br_room) */
	int64_t pend, took, taken;
	uint64_t base_ns; /* when the last import began (the fine clock) */
	struct ngd_br *next;
};

/* gidx -> its bridge, member index and slot */
struct ngd_br_slot {
	uint32_t bridge;
	uint32_t idx;
	uint32_t bslot;
};

/* A reading of a map, NGD_BR_BATCH entries a syscall (ngd_br_next),
 * that may stop after any batch and go on later. */
struct ngd_br_iter {
	bool first;  /* no batch read yet */
	bool over;   /* the last one was */
	uint32_t in; /* where the next batch begins: the kernel's token, a
		      * hash map's bucket or a u32-keyed array's index */
};

/* The tick's import: a reading of the hosts map that goes on from loop
 * pass to loop pass (ngd_br_pull_some). */
struct ngd_br_pass {
	bool on;   /* under way */
	bool redo; /* a node has hosts elsewhere than the map */
	struct ngd_br_iter it;
	uint64_t now; /* when it began (pulled_ns once over) */
	uint32_t nhosts;
};

/* The tick's write-back of one node's table, NGD_BR_PUSH_SLICE hosts
 * a loop pass (ngd_br_push_some): the node's addresses as it began,
 * each written as the node has it then (moved, or gone) when its turn
 * comes; its gen as it began is the bridge's once over, so what the
 * node learned meanwhile is written again.  A whole write-back of the
 * node (before a reply) ends it. */
struct ngd_br_wb {
	ng_id_t bridge; /* 0: none under way */
	uint64_t gen;
	uint8_t (*addr)[6];
	size_t n, at, max;
};

/* An fvport's slot (a vlan filter on a bridge: keys are sparse). */
struct ngd_br_fslot {
	uint32_t key;
	struct ngd_br_slot s;
};

/* A port's graph-side end from became to (ngd_fast_br_repoint); the
 * hosts learned on from not yet moved. */
struct ngd_br_repoint {
	uint32_t bridge, from, to;
};

struct ngd_fast_br {
	int brslots_fd, brkeys_fd, hosts_fd, brstats_fd, members_fd, groups_fd;
	/* The hosts map is ng_fast_hostsof's [0] (hosts_fd, its size
	 * hosts_cap), first the object's (first_fd): ngd_br_hosts_size. */
	int hostsof_fd, first_fd;
	uint32_t hosts_cap;
	bool hosts_full;   /* a write found it full: a bigger one is due */
	bool size_due;     /* a room was written: its size to be looked at */
	uint64_t sized_ms; /* when its size was last looked at */
	uint64_t rooms;    /* the rooms' sum then (learning: it moves) */
	struct ngd_br_grow {
		int phase;    /* 0: none; 1: copying; 2: swapped, catching up */
		int fd, old;  /* the new map; the old, in phase 2 */
		uint32_t cap; /* the new one's size */
		uint64_t t0;  /* when it began (bpf_ktime_get_ns's clock) */
		struct ngd_br_iter it;
	} grow; /* a new hosts map under way (ngd_br_grow_some) */
	int brroom_fd, brfull_fd; /* hosts the program may learn, and not */
	int brgen_fd; /* ng_fast_brgen: the program's cache holds while */
	uint32_t gen; /* it is this; one more after each pass that */
	bool wrote;   /* wrote a map (ngd_br_bump) */
	struct ngd_br *bridges;
	struct ng_graph *g; /* once a port was seen */
	struct ngd_br_slot *slot;
	uint32_t nslot;
	struct ngd_br_slot *vslot; /* vports (vlan nodes), by their number */
	uint32_t nvslot;
	struct ngd_br_fslot *fslot; /* fvports (vlan filters), O(n) */
	uint32_t nfslot;
	bool vused[NG_FAST_BPF_BR_VSLOTS]; /* the vports' slots given */
	int ncpu;
	struct ng_fast_bpf_brstats *percpu; /* ncpu values, scratch */
	uint64_t *percpu64;                 /* the same, ng_fast_brfull's */
	uint64_t pulled_ns;                 /* when the last import began */
	uint64_t pulling;                   /* when this one did, or 0 */
	uint32_t nhosts;                    /* what it read */
	bool dirty;                         /* an import is due */
	struct ngd_br_pass pass;            /* the tick's import */
	struct ngd_br_wb wb;                /* the tick's write-back */
	bool wb_round; /* the tick's, before its import begins */
	bool adopted;  /* the last ngd's maps, not yet synced */
	struct ngd_loop *loop;
	/* a frame the graph took off the bridges' ports (ngd_br_input) */
	bool elsewhere;
	struct ngd_sleep_hook tick;
	uint64_t next_tick;
	struct ngd_br_repoint *rp; /* ngd_br_repoint_hosts's to do */
	unsigned nrp, maxrp;
	uint64_t rp_ms; /* when the first of them came */
	/* An import's deletions, made NGD_BR_BATCH at a time (ngd_br_del):
	 * a flood of source MACs leaves the map far more hosts than the
	 * nodes take, and one syscall each stalled ngd for seconds. */
	struct ng_fast_bpf_mac *delq;
	uint32_t ndel;
};

static struct ngd_fast_br *ngd_br_active; /* for the before-message hook */

static void ngd_br_prune_adopted(struct ngd_fast_br *br);
static uint64_t ngd_br_fine_ns(void);

/* Every write to the maps the program decides from goes through these,
 * and each public entry point ends with ngd_br_bump: the decisions each
 * CPU cached from the old entries (ng_fast_bpf.h) go before a reply or
 * a frame does. */
static void
ngd_br_put(struct ngd_fast_br *br, int fd, const void *key, const void *val,
    uint64_t flags)
{
	if (bpf_map_update_elem(fd, key, val, flags) < 0 && errno == E2BIG &&
	    fd == br->hosts_fd)
		br->hosts_full = true;                 /* (ngd_br_hosts_size) */
	if (fd == br->hosts_fd && br->grow.phase == 1) /* the new one too */
		(void)bpf_map_update_elem(br->grow.fd, key, val, flags);
	br->wrote = true;
}

/* n hosts deleted from the map at fd, NGD_BR_BATCH a call. */
static void
ngd_br_del_keys(int fd, const struct ng_fast_bpf_mac *keys, uint32_t n)
{
	uint32_t done = 0;

	while (done < n) {
		uint32_t count = n - done;

		if (bpf_map_delete_batch(fd, &keys[done], &count, NULL) == 0)
			break;
		/* stopped at a key gone meanwhile (ENOENT), or cannot batch */
		done += count;
		if (done < n)
			(void)bpf_map_delete_elem(fd, &keys[done++]);
	}
}

/* The hosts an import queued for deletion, deleted (in a new hosts map
 * being filled too, or the old one a new one is taking the rest of:
 * ngd_br_grow_some). */
static void
ngd_br_del_flush(struct ngd_fast_br *br)
{
	ngd_br_del_keys(br->hosts_fd, br->delq, br->ndel);
	if (br->grow.phase == 1)
		ngd_br_del_keys(br->grow.fd, br->delq, br->ndel);
	else if (br->grow.phase == 2)
		ngd_br_del_keys(br->grow.old, br->delq, br->ndel);
	br->ndel = 0;
}

static void
ngd_br_del(struct ngd_fast_br *br, int fd, const void *key)
{
	br->wrote = true;
	if (fd == br->hosts_fd && br->delq != NULL) {
		memcpy(&br->delq[br->ndel++], key, sizeof(*br->delq));
		if (br->ndel == NGD_BR_BATCH)
			ngd_br_del_flush(br);
		return;
	}
	if (fd == br->hosts_fd && br->grow.phase == 1)
		(void)bpf_map_delete_elem(br->grow.fd, key);
	/* (else the rest of the old one would bring it back) */
	if (fd == br->hosts_fd && br->grow.phase == 2)
		(void)bpf_map_delete_elem(br->grow.old, key);
	(void)bpf_map_delete_elem(fd, key);
}

/*
 * The next batch of the map at fd, NGD_BR_BATCH entries at most, into
 * keys and vals: *count of them.  0, or the errno of a failed read
 * (it is then not over).  Each entry is read once in a reading, in the
 * map's order; what is added or deleted meanwhile may or may not be.
 */
static int
ngd_br_next(int fd, struct ngd_br_iter *it, void *keys, void *vals,
    __u32 *count)
{
	uint32_t next = 0;

	*count = NGD_BR_BATCH;
	if (bpf_map_lookup_batch(fd, it->first ? NULL : &it->in, &next, keys,
		vals, count, NULL) < 0) {
		if (errno != ENOENT) {
			*count = 0;
			return errno;
		}
		it->over = true; /* ENOENT: that was the last */
	}
	it->in = next;
	it->first = false;
	return 0;
}

/* --- the hosts map's size (ng_fast_bpf.h) -------------------------------- */

static uint32_t
ngd_br_map_id(int fd)
{
	struct bpf_map_info info;
	uint32_t len = sizeof(info);

	memset(&info, 0, sizeof(info));
	return bpf_obj_get_info_by_fd(fd, &info, &len) == 0 ? info.id : 0;
}

#define NGD_BR_SIZE_MS 100 /* how often its hosts are counted, at most */

/* Every entry of the map at fd deleted, NGD_BR_BATCH a call. */
static void
ngd_br_empty_hosts(int fd)
{
	struct ng_fast_bpf_mac *keys = calloc(NGD_BR_BATCH, sizeof(*keys));
	struct ng_fast_bpf_host *vals = calloc(NGD_BR_BATCH, sizeof(*vals));
	struct ngd_br_iter it = { .first = true };

	while (keys != NULL && vals != NULL && !it.over) {
		__u32 count, n;

		if (ngd_br_next(fd, &it, keys, vals, &count) != 0)
			break;
		n = count;
		if (count > 0 &&
		    bpf_map_delete_batch(fd, keys, &count, NULL) < 0)
			for (__u32 i = count; i < n; i++) /* (one gone?) */
				(void)bpf_map_delete_elem(fd, &keys[i]);
	}
	free(keys);
	free(vals);
}

/*
 * A hosts map of cap entries in place of the program's (ng_fast_bpf.h),
 * begun: made; ngd_br_grow_some does the rest, a slice a loop pass (the
 * old one read NGD_BR_BATCH hosts a call, as an import reads it: read
 * whole it held ngd's loop up to 3 s at 65,536 hosts under a flood).
 * 0 or an errno.
 */
static int
ngd_br_grow_begin(struct ngd_fast_br *br, uint32_t cap)
{
	LIBBPF_OPTS(bpf_map_create_opts, opts, .map_flags = BPF_F_NO_PREALLOC);
	int fd = bpf_map_create(BPF_MAP_TYPE_HASH, "ng_fast_hosts",
	    sizeof(struct ng_fast_bpf_mac), sizeof(struct ng_fast_bpf_host),
	    cap, &opts);

	if (fd < 0)
		return errno;
	br->grow = (struct ngd_br_grow){ .phase = 1,
		.fd = fd,
		.old = -1,
		.cap = cap,
		.t0 = ngd_br_fine_ns(),
		.it = { .first = true } };
	return 0;
}

/*
 * The new hosts map's next slice (not while an import reads the map):
 *   1: the old one's entries copied (ngd's own writes meanwhile go to
 *      both: ngd_br_put, ngd_br_del); once all are, the new one is put
 *      in ng_fast_hostsof's slot, whose update returns once no run of
 *      the programs holds the old one, and is ngd's from then on;
 *   2: the hosts the program learned in the old one meanwhile (since
 *      t0) copied if the new one lacks them (a frame that missed one
 *      there learned it again, or was flooded); then the old one goes
 *      (the object's first, pinned, is emptied).  What ngd deletes
 *      meanwhile goes from the old one too (ngd_br_del): a host a
 *      loop's mute forgot came back from it.
 * Whether it is under way still.
 */
static bool
ngd_br_grow_some(struct ngd_fast_br *br)
{
	struct ngd_br_grow *g = &br->grow;
	struct ng_fast_bpf_mac *keys;
	struct ng_fast_bpf_host *vals;
	uint32_t zero = 0;
	__u32 count;
	int error;

	if (g->phase == 0 || br->pass.on)
		return g->phase != 0;
	keys = calloc(NGD_BR_BATCH, sizeof(*keys));
	vals = calloc(NGD_BR_BATCH, sizeof(*vals));
	if (keys == NULL || vals == NULL) {
		error = ENOMEM;
		goto out;
	}
	if (g->phase == 1) {
		if ((error = ngd_br_next(br->hosts_fd, &g->it, keys, vals,
			 &count)) != 0 ||
		    (count > 0 &&
			bpf_map_update_batch(g->fd, keys, vals, &count, NULL) <
			    0 &&
			(error = errno) != 0))
			goto fail;
		if (g->it.over) {
			if (bpf_map_update_elem(br->hostsof_fd, &zero, &g->fd,
				BPF_ANY) < 0) {
				error = errno;
				goto fail;
			}
			g->old = br->hosts_fd;
			br->hosts_fd = g->fd;
			br->wrote = true; /* the CPUs' cached decisions */
			g->phase = 2;
			g->it = (struct ngd_br_iter){ .first = true };
		}
		goto out;
	}
	if ((error = ngd_br_next(g->old, &g->it, keys, vals, &count)) != 0)
		g->it.over = true; /* (those the program learns again) */
	for (__u32 i = 0; i < count; i++)
		if (vals[i].learned_ns >= g->t0)
			ngd_br_put(br, br->hosts_fd, &keys[i], &vals[i],
			    BPF_NOEXIST);
	if (g->it.over) {
		if (g->old == br->first_fd)
			ngd_br_empty_hosts(g->old);
		else
			close(g->old);
		ngd_log(LOG_INFO,
		    "data path: hosts map: %u entries (was %u), in %llu ms",
		    g->cap, br->hosts_cap,
		    (unsigned long long)((ngd_br_fine_ns() - g->t0) / 1000000));
		br->hosts_cap = g->cap;
		g->phase = 0;
	}
	goto out;
fail:
	ngd_log(LOG_ERR, "data path: hosts map of %u entries: %s", g->cap,
	    strerror(error));
	close(g->fd);
	g->phase = 0;
out:
	free(keys);
	free(vals);
	return g->phase != 0;
}

/* The program's hosts map (ng_fast_hostsof's [0]: a pinned one an
 * adoption took may hold another than the object's first), and its
 * size; the first, put there, if the slot is empty. */
static void
ngd_br_hosts_find(struct ngd_fast_br *br)
{
	struct bpf_map_info info;
	uint32_t zero = 0, id, len = sizeof(info);
	int fd = -1;

	if (bpf_map_lookup_elem(br->hostsof_fd, &zero, &id) == 0 &&
	    (fd = bpf_map_get_fd_by_id(id)) >= 0) {
		memset(&info, 0, sizeof(info));
		if (bpf_obj_get_info_by_fd(fd, &info, &len) == 0 &&
		    info.id == id) {
			if (info.id == ngd_br_map_id(br->first_fd)) {
				close(fd); /* the first: the object's fd */
				fd = br->first_fd;
			}
			br->hosts_fd = fd;
			br->hosts_cap = info.max_entries;
			return;
		}
		close(fd);
	}
	if (bpf_map_update_elem(br->hostsof_fd, &zero, &br->first_fd, BPF_ANY) <
	    0)
		ngd_log(LOG_ERR, "data path: hosts map: %s", strerror(errno));
	br->hosts_fd = br->first_fd;
	memset(&info, 0, sizeof(info));
	len = sizeof(info);
	br->hosts_cap = bpf_obj_get_info_by_fd(br->first_fd, &info, &len) == 0 ?
	    info.max_entries :
	    NG_FAST_BPF_HOSTS_MIN;
}

/* The hosts the map holds now, the last import's count and those the
 * program learned since (by the bridges' rooms: a bridge with none
 * counts none, a full map says so, hosts_full), and in *room how many
 * more it may learn before the next import. */
static uint64_t
ngd_br_hosts_now(struct ngd_fast_br *br, bool counted, uint64_t *room)
{
	uint64_t n = br->nhosts;
	int64_t r;

	*room = 0;
	for (struct ngd_br *b = br->bridges; b != NULL; b = b->next) {
		if (b->room_set < 0)
			continue;
		if (counted ||
		    bpf_map_lookup_elem(br->brroom_fd, &b->id, &r) < 0)
			r = b->room_set;
		r = r > 0 ? r : 0;
		if (r < b->room_set)
			n += (uint64_t)(b->room_set - r);
		*room += (uint64_t)r;
	}
	return n;
}

/*
 * The hosts map sized to its hosts (ng_fast_bpf.h): a power of 2 of at
 * least 1.5 times them, and them and the rooms of the bridges (what the
 * program may learn before ngd looks again: a map it fills sends the
 * frames that find it full to ngd), NG_FAST_BPF_HOSTS_MIN to
 * NG_FAST_BPF_MAX_HOSTS: a bigger one begun at once when it is short of
 * the hosts and rooms (a room written; once every NGD_BR_SIZE_MS; an
 * import's end) or a write found it full, and for 1.5 times the hosts once
 * the program stopped learning (the rooms the same NGD_BR_SIZE_MS
 * apart: what it learns in the old one meanwhile is copied one a call);
 * a smaller one at an import's end (counted: the hosts exact) if it is
 * 4 times that.  Not while an import reads it, nor before the first
 * sync after an adoption (the last ngd's programs use the old one until
 * their links run ours).
 */
static void
ngd_br_hosts_size(struct ngd_fast_br *br, bool counted)
{
	uint64_t now = ngd_clock_ms(), n, room, want = NG_FAST_BPF_HOSTS_MIN;
	uint64_t need = NG_FAST_BPF_HOSTS_MIN;
	bool learning;
	int error;

	if (br->pass.on || br->adopted || br->hostsof_fd < 0 ||
	    br->grow.phase != 0 ||
	    (!counted && !br->hosts_full && !br->size_due &&
		now - br->sized_ms < NGD_BR_SIZE_MS))
		return;
	br->sized_ms = now;
	br->size_due = false;
	n = ngd_br_hosts_now(br, counted, &room);
	learning = counted || room != br->rooms;
	br->rooms = room;
	while (need < n + room && need < NG_FAST_BPF_MAX_HOSTS)
		need *= 2;
	while ((2 * want < 3 * n || want < need) &&
	    want < NG_FAST_BPF_MAX_HOSTS)
		want *= 2;
	if (br->hosts_full && need <= br->hosts_cap &&
	    br->hosts_cap < NG_FAST_BPF_MAX_HOSTS)
		need = want = 2 * (uint64_t)br->hosts_cap;
	if (want == br->hosts_cap ||
	    (want > br->hosts_cap && need <= br->hosts_cap && learning) ||
	    (want < br->hosts_cap && (!counted || 4 * want > br->hosts_cap)))
		return;
	if ((error = ngd_br_grow_begin(br, (uint32_t)want)) != 0) {
		ngd_log(LOG_ERR, "data path: hosts map of %u entries: %s",
		    (uint32_t)want, strerror(error));
		br->hosts_full = false; /* (not again before NGD_BR_SIZE_MS) */
		return;
	}
	/* short of room: whole, now (a room grew: a new bridge, setmaxhosts,
	 * few hosts yet), so the program learns them */
	while (need > br->hosts_cap && ngd_br_grow_some(br))
		;
	if (br->hosts_full) /* the nodes' hosts it refused: again */
		for (struct ngd_br *b = br->bridges; b != NULL; b = b->next) {
			b->stale = true;
			br->dirty = true;
		}
	br->hosts_full = false; /* (not again before NGD_BR_SIZE_MS) */
}

static void
ngd_br_bump(struct ngd_fast_br *br)
{
	uint32_t zero = 0;

	if (br == NULL || !br->wrote)
		return;
	br->gen++;
	if (bpf_map_update_elem(br->brgen_fd, &zero, &br->gen, BPF_ANY) < 0)
		ngd_log(LOG_ERR, "data path: bridge cache generation: %s",
		    strerror(errno));
	br->wrote = false;
}

/* bpf_ktime_get_ns's clock (learned_ns against pulling) */
static uint64_t
ngd_br_fine_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static uint64_t
ngd_br_now_ns(void)
{
	struct timespec ts;

	/* bpf_ktime_get_coarse_ns's clock (learned_ns against pulled_ns) */
	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static struct ngd_br *
ngd_br_find(struct ngd_fast_br *br, uint32_t id)
{
	for (struct ngd_br *b = br->bridges; b != NULL; b = b->next)
		if (b->id == id)
			return b;
	return NULL;
}

static const struct ngd_br_slot *
ngd_br_slot(const struct ngd_fast_br *br, uint32_t gidx)
{
	static const struct ngd_br_slot none;
	uint32_t v = gidx & ~NG_FAST_BPF_VPORT;

	if (NG_FAST_BPF_IS_FVPORT(gidx)) { /* a vlan filter */
		for (uint32_t i = 0; i < br->nfslot; i++)
			if (br->fslot[i].key == gidx)
				return &br->fslot[i].s;
		return &none;
	}
	if (NG_FAST_BPF_IS_VPORT(gidx)) /* a vlan node (fastpath_vlan.c) */
		return v < br->nvslot ? &br->vslot[v] : &none;
	return gidx < br->nslot ? &br->slot[gidx] : &none;
}

static int
ngd_br_set_fslot(struct ngd_fast_br *br, uint32_t key, uint32_t bridge,
    uint32_t idx, uint32_t bslot)
{
	uint32_t i;

	for (i = 0; i < br->nfslot && br->fslot[i].key != key; i++)
		;
	if (bridge == 0) { /* gone: the last one takes its place */
		if (i < br->nfslot)
			br->fslot[i] = br->fslot[--br->nfslot];
		return 0;
	}
	if (i == br->nfslot) {
		void *p = realloc(br->fslot, (i + 1) * sizeof(*br->fslot));

		if (p == NULL)
			return ENOMEM;
		br->fslot = p;
		br->nfslot++;
		br->fslot[i].key = key;
	}
	br->fslot[i].s.bridge = bridge;
	br->fslot[i].s.idx = idx;
	br->fslot[i].s.bslot = bslot;
	return 0;
}

static int
ngd_br_set_slot(struct ngd_fast_br *br, uint32_t gidx, uint32_t bridge,
    uint32_t idx, uint32_t bslot)
{
	bool vport = NG_FAST_BPF_IS_VPORT(gidx);
	struct ngd_br_slot **slot = vport ? &br->vslot : &br->slot;
	uint32_t *nslot = vport ? &br->nvslot : &br->nslot;

	if (NG_FAST_BPF_IS_FVPORT(gidx))
		return ngd_br_set_fslot(br, gidx, bridge, idx, bslot);
	if (vport)
		gidx &= ~NG_FAST_BPF_VPORT;
	if (gidx >= *nslot) {
		uint32_t n = *nslot ? *nslot : 64;
		struct ngd_br_slot *s;

		if (bridge == 0)
			return 0;
		while (n <= gidx)
			n *= 2;
		if ((s = realloc(*slot, n * sizeof(*s))) == NULL)
			return ENOMEM;
		memset(s + *nslot, 0, (n - *nslot) * sizeof(*s));
		*slot = s;
		*nslot = n;
	}
	(*slot)[gidx].bridge = bridge;
	(*slot)[gidx].idx = idx;
	(*slot)[gidx].bslot = bslot;
	return 0;
}

/*
 * A slot for a vport key (ng_fast_bpf.h): the one ng_fast_brkeys has for
 * it, if free (the last ngd's, after an adoption: its hosts' entries
 * name it), else the first free one; 0: none left.
 */
static uint32_t
ngd_br_vslot(struct ngd_fast_br *br, uint32_t key)
{
	uint32_t base = NG_FAST_BPF_MAX_PORTS + 1, slot = 0;

	if (bpf_map_lookup_elem(br->brkeys_fd, &key, &slot) == 0 &&
	    slot >= base && slot < NG_FAST_BPF_BR_SLOTS &&
	    !br->vused[slot - base]) {
		br->vused[slot - base] = true;
		return slot;
	}
	for (uint32_t i = 0; i < NG_FAST_BPF_BR_VSLOTS; i++)
		if (!br->vused[i]) {
			br->vused[i] = true;
			return base + i;
		}
	return 0;
}

static void
ngd_br_vslot_free(struct ngd_fast_br *br, uint32_t slot)
{
	if (slot > NG_FAST_BPF_MAX_PORTS && slot < NG_FAST_BPF_BR_SLOTS)
		br->vused[slot - NG_FAST_BPF_MAX_PORTS - 1] = false;
}

/* The port's hook name on its node: an eiface's ether hook, or the
 * ether node's hook an uplink stands for (fastpath_ether.c). */
static const char *
ngd_br_hookname(const char *hook)
{
	return hook != NULL ? hook : NG_EIFACE_HOOK_ETHER;
}

/* The peer of node e's hook named hook (NULL: "ether"), or NULL. */
static struct ng_hook *
ngd_br_port_peer(struct ng_node *e, const char *hook)
{
	hook = ngd_br_hookname(hook);
	for (struct ng_hook *h = e->hooks; h != NULL; h = h->next)
		if (strcmp(h->name, hook) == 0)
			return h->peer;
	return NULL;
}

static struct ng_hook *
ngd_br_ether_peer(const struct ngd_fast_brport *p)
{
	return ngd_br_port_peer(p->eiface, p->hook);
}

/* Member m's hook on the bridge node, or NULL if it is no longer one. */
static struct ng_hook *
ngd_br_hook(struct ngd_fast_br *br, struct ng_node *node,
    const struct ngd_br_member *m)
{
	struct ng_node *e = ng_find_id(br->g, m->eiface);
	struct ng_hook *h;

	if (e == NULL || !ng_node_valid(e) ||
	    (h = ngd_br_port_peer(e, m->hook)) == NULL || h->node != node)
		return NULL;
	return h;
}

/* The bridge's node, if it still is a valid switching node. */
static struct ng_node *
ngd_br_node(struct ngd_fast_br *br, const struct ngd_br *b)
{
	struct ng_node *n = br->g != NULL ? ng_find_id(br->g, b->id) : NULL;

	if (n == NULL || !ng_node_valid(n) || n->type->switching == NULL)
		return NULL;
	return n;
}

static uint32_t
ngd_br_flags(struct ng_hook *hook)
{
	struct ng_switch_port p;
	uint32_t f = 0;

	hook->node->type->switching->port(hook, &p);
	if (p.learn)
		f |= NG_FAST_BPF_BR_LEARN;
	if (p.send_unknown)
		f |= NG_FAST_BPF_BR_UNKNOWN;
	if (p.muted)
		f |= NG_FAST_BPF_BR_MUTED;
	return f;
}

/* --- counters ------------------------------------------------------------ */

/* The per-CPU values just read into br->percpu, summed. */
static void
ngd_br_sum(const struct ngd_fast_br *br, struct ng_fast_bpf_brstats *sum)
{
	memset(sum, 0, sizeof(*sum));
	for (int i = 0; i < br->ncpu; i++) {
		const struct ng_fast_bpf_brstats *s = &br->percpu[i];

		sum->recv_pkts += s->recv_pkts;
		sum->recv_octets += s->recv_octets;
		sum->recv_mcast += s->recv_mcast;
		sum->recv_bcast += s->recv_bcast;
		sum->recv_unknown += s->recv_unknown;
		sum->xmit_pkts += s->xmit_pkts;
		sum->xmit_octets += s->xmit_octets;
		sum->xmit_mcast += s->xmit_mcast;
		sum->xmit_bcast += s->xmit_bcast;
	}
}

/* The hosts the program did not learn on slot (ng_fast_brfull), summed
 * over the CPUs; 0 if it cannot be read. */
static uint64_t
ngd_br_unlearned(struct ngd_fast_br *br, uint32_t slot)
{
	uint64_t sum = 0;

	if (bpf_map_lookup_elem(br->brfull_fd, &slot, br->percpu64) < 0)
		return 0;
	for (int i = 0; i < br->ncpu; i++)
		sum += br->percpu64[i];
	return sum;
}

/* What the program counted on member m since the last fold, added to
 * the node's counters of hook (NULL: dropped). */
static void
ngd_br_fold(struct ngd_fast_br *br, struct ngd_br_member *m,
    struct ng_hook *hook)
{
	struct ng_fast_bpf_brstats sum;
	struct ng_switch_counts c;
	uint32_t key = m->slot;
	uint64_t unlearned = ngd_br_unlearned(br, key);

	c.unlearned = unlearned >= m->unlearned ? unlearned - m->unlearned : 0;
	m->unlearned = unlearned;
	if (bpf_map_lookup_elem(br->brstats_fd, &key, br->percpu) < 0)
		return;
	ngd_br_sum(br, &sum);
	if (sum.recv_pkts < m->folded.recv_pkts ||
	    sum.xmit_pkts < m->folded.xmit_pkts) { /* its slot made anew */
		m->folded = sum;
		return;
	}
	c.recv_pkts = sum.recv_pkts - m->folded.recv_pkts;
	c.recv_octets = sum.recv_octets - m->folded.recv_octets;
	c.recv_mcast = sum.recv_mcast - m->folded.recv_mcast;
	c.recv_bcast = sum.recv_bcast - m->folded.recv_bcast;
	c.recv_unknown = sum.recv_unknown - m->folded.recv_unknown;
	c.xmit_pkts = sum.xmit_pkts - m->folded.xmit_pkts;
	c.xmit_octets = sum.xmit_octets - m->folded.xmit_octets;
	c.xmit_mcast = sum.xmit_mcast - m->folded.xmit_mcast;
	c.xmit_bcast = sum.xmit_bcast - m->folded.xmit_bcast;
	m->folded = sum;
	if (hook == NULL ||
	    (c.recv_pkts == 0 && c.xmit_pkts == 0 && c.unlearned == 0))
		return;
	hook->node->type->switching->count(hook, &c);
	/* The hook's own counters, as ng_send_data's: out of the bridge
	 * here, into the eiface (its "in" is read from this); what came in
	 * is the eiface's port's ng_fast_pstats (fastpath.c). */
	hook->stats.xmit_frames += c.xmit_pkts;
	hook->stats.xmit_octets += c.xmit_octets;
	/* a vlan filter's (fvport): on, tagged, out of its downstream */
	if (NG_FAST_BPF_IS_FVPORT(m->gidx))
		ngd_fast_vl_fcount(hook->peer, c.xmit_pkts, c.xmit_octets);
}

/* The frames bridge b's ports took in the program, all told (one read
 * per port): false if one could not be read. */
static bool
ngd_br_recv(struct ngd_fast_br *br, const struct ngd_br *b, uint64_t *n)
{
	struct ng_fast_bpf_brstats sum;

	*n = 0;
	for (unsigned i = 0; i < b->n; i++) {
		uint32_t key = b->m[i].slot;

		if (bpf_map_lookup_elem(br->brstats_fd, &key, br->percpu) < 0)
			return false;
		ngd_br_sum(br, &sum);
		*n += sum.recv_pkts;
	}
	return true;
}

static void
ngd_br_fold_all(struct ngd_fast_br *br, struct ngd_br *b)
{
	struct ng_node *node = ngd_br_node(br, b);

	for (unsigned i = 0; i < b->n; i++)
		ngd_br_fold(br, &b->m[i],
		    node != NULL ? ngd_br_hook(br, node, &b->m[i]) : NULL);
}

/* --- hosts --------------------------------------------------------------- */

/* Bridge b's room for hosts in the program, or -1 (none written). */
static int64_t
ngd_br_room_now(struct ngd_fast_br *br, const struct ngd_br *b)
{
	int64_t room;

	if (bpf_map_lookup_elem(br->brroom_fd, &b->id, &room) < 0)
		return -1;
	return room > 0 ? room : 0;
}

/*
 * Bridge b's room for hosts in the program (ng_fast_bpf.h): as many as
 * its node would learn now, less those the program learned since an
 * import began (b->room0, if one did) that the import did not see
 * (b->seen: the node took or refused the others); with no import, less
 * all it learned since the last import ended that the node does not
 * have (b->pend, b->took, b->taken).  Written as the node's
 * alone (a setmaxhosts, a host the node learned from a frame ngd took),
 * the room forgot the hosts the program had learned meanwhile, and a
 * bridge learned past its maxhosts in the kernel until the next import.
 */
static void
ngd_br_room(struct ngd_fast_br *br, struct ngd_br *b, struct ng_node *node)
{
	int64_t room, now;

	if (node->type->switching->room == NULL) {
		(void)bpf_map_delete_elem(br->brroom_fd, &b->id); /* no limit */
		b->room_set = -1;
		return;
	}
	room = b->room_node = node->type->switching->room(node);
	now = ngd_br_room_now(br, b);
	if (b->room0 >= 0) { /* an import's end */
		b->pend = now >= 0 && b->room0 - now > b->seen ?
		    b->room0 - now - b->seen :
		    0;
		b->took = b->taken = 0;
		b->base_ns = br->pulled_ns;
	} else if (b->room_set >= 0 && now >= 0)
		b->took += b->room_set - now;
	if (b->pend + b->took > b->taken)
		room -= b->pend + b->took - b->taken;
	if (room < 0)
		room = 0;
	b->room0 = -1;
	b->room_set = room;
	br->size_due = true; /* (ngd_br_hosts_size) */
	if (bpf_map_update_elem(br->brroom_fd, &b->id, &room, BPF_ANY) < 0) {
		ngd_log(LOG_ERR, "data path: a bridge's room for hosts: %s",
		    strerror(errno));
		b->room_set = -1;
	}
}

static int
ngd_br_cmp_eiface(const void *a, const void *b)
{
	const struct ngd_br_member *x = a, *y = b;

	if (x->eiface != y->eiface)
		return x->eiface < y->eiface ? -1 : 1;
	return strcmp(ngd_br_hookname(x->hook), ngd_br_hookname(y->hook));
}

/* A host of the map as a whole write-back read it (ngd_br_push). */
struct ngd_br_had {
	uint8_t addr[6];
	uint32_t ifindex, slot;
};

struct ngd_br_push {
	struct ngd_fast_br *br;
	struct ngd_br *b;
	uint64_t now;
	struct ngd_br_had *had; /* the map's hosts of b, by address; NULL: */
	size_t nhad;            /* a look-up each */
};

static int
ngd_br_cmp_had(const void *a, const void *b)
{
	return memcmp(a, b, 6);
}

/* One host of the node written to the map if the map says otherwise. */
static void
ngd_br_push_host(void *arg, const uint8_t addr[6], struct ng_hook *hook)
{
	struct ngd_br_push *p = arg;
	struct ngd_br_member key, *m;
	struct ng_fast_bpf_mac k = { .bridge = p->b->id };
	struct ng_fast_bpf_host v;

	if (hook->peer == NULL)
		return;
	key.eiface = hook->peer->node->id;
	key.hook = hook->peer->name;
	m = bsearch(&key, p->b->m, p->b->n, sizeof(*m), ngd_br_cmp_eiface);
	if (m == NULL)
		return;
	memcpy(k.addr, addr, 6);
	if (p->had != NULL) {
		const struct ngd_br_had *h = bsearch(addr, p->had, p->nhad,
		    sizeof(*h), ngd_br_cmp_had);

		if (h != NULL && h->ifindex == m->gidx && h->slot == m->slot)
			return;
	} else if (bpf_map_lookup_elem(p->br->hosts_fd, &k, &v) == 0 &&
	    v.ifindex == m->gidx && v.slot == m->slot)
		return;
	memset(&v, 0, sizeof(v));
	v.ifindex = m->gidx;
	v.slot = m->slot;
	v.seen_ns = p->now;
	ngd_br_put(p->br, p->br->hosts_fd, &k, &v, BPF_ANY);
}

/*
 * The hosts the map has on bridge b's port in slot deleted (O(map), read
 * in batches): a port the node muted for a loop forgets its hosts, those
 * the program learned there since the last import too, which the node
 * never had to forget; left to the next import, the program sent their
 * frames to the muted port alone where the node floods them.
 */
static void
ngd_br_forget_slot(struct ngd_fast_br *br, const struct ngd_br *b,
    uint32_t slot)
{
	struct ng_fast_bpf_mac *keys = calloc(NGD_BR_BATCH, sizeof(*keys));
	struct ng_fast_bpf_host *vals = calloc(NGD_BR_BATCH, sizeof(*vals));
	struct ngd_br_iter it = { .first = true };

	while (keys != NULL && vals != NULL && !it.over) {
		__u32 count, n = 0;

		if (ngd_br_next(br->hosts_fd, &it, keys, vals, &count) != 0)
			break;
		for (__u32 i = 0; i < count; i++)
			if (keys[i].bridge == b->id && vals[i].slot == slot)
				keys[n++] = keys[i];
		for (__u32 i = 0; i < n; i++)
			ngd_br_del(br, br->hosts_fd, &keys[i]);
	}
	free(keys);
	free(vals);
}

/* The node's ports' settings written (O(ports)); a port it muted loses
 * its hosts in the map at once, as in the node.  Whether one did. */
static bool
ngd_br_push_ports(struct ngd_fast_br *br, struct ngd_br *b,
    struct ng_node *node)
{
	bool forgot = false;

	for (unsigned i = 0; i < b->n; i++) {
		struct ng_hook *h = ngd_br_hook(br, node, &b->m[i]);
		struct ng_fast_bpf_brslot bp = { .bridge = b->id,
			.key = b->m[i].gidx };
		uint32_t slot = b->m[i].slot;

		bp.flags = h != NULL ? ngd_br_flags(h) : NG_FAST_BPF_BR_MUTED;
		if (b->m[i].wire)
			bp.flags |= NG_FAST_BPF_BR_WIRE;
		if (b->m[i].down)
			bp.flags |= NG_FAST_BPF_BR_DOWN;
		if (bp.flags != b->m[i].flags) {
			bool muted = h != NULL &&
			    (bp.flags & NG_FAST_BPF_BR_MUTED) &&
			    !(b->m[i].flags & NG_FAST_BPF_BR_MUTED);

			b->m[i].flags = bp.flags;
			ngd_br_put(br, br->brslots_fd, &slot, &bp, BPF_ANY);
			if (muted) {
				ngd_br_forget_slot(br, b, slot);
				forgot = true;
			}
		}
	}
	return forgot;
}

static void
ngd_br_count_host(void *arg, const uint8_t addr[6], struct ng_hook *hook)
{
	(void)addr;
	(void)hook;
	(*(size_t *)arg)++;
}

/*
 * Bridge b's hosts in the map, sorted by address (*np of them), read
 * NGD_BR_BATCH a syscall; NULL if it cannot be read whole.  The
 * program may learn more meanwhile, and never moves one (ngd does).
 */
static struct ngd_br_had *
ngd_br_read_hosts(struct ngd_fast_br *br, const struct ngd_br *b, size_t *np)
{
	struct ng_fast_bpf_mac *keys = calloc(NGD_BR_BATCH, sizeof(*keys));
	struct ng_fast_bpf_host *vals = calloc(NGD_BR_BATCH, sizeof(*vals));
	struct ngd_br_iter it = { .first = true };
	struct ngd_br_had *had = NULL;
	size_t n = 0, max = 0;

	while (keys != NULL && vals != NULL && !it.over) {
		__u32 count;

		if (ngd_br_next(br->hosts_fd, &it, keys, vals, &count) != 0)
			break;
		if (n + count > max) {
			size_t m = max ? max * 2 : 4096;
			void *more;

			while (m < n + count)
				m *= 2;
			if ((more = reallocarray(had, m, sizeof(*had))) == NULL)
				break;
			had = more;
			max = m;
		}
		for (__u32 i = 0; i < count; i++) {
			if (keys[i].bridge != b->id)
				continue;
			memcpy(had[n].addr, keys[i].addr, 6);
			had[n].ifindex = vals[i].ifindex;
			had[n].slot = vals[i].slot;
			n++;
		}
	}
	free(keys);
	free(vals);
	if (!it.over) {
		free(had);
		return NULL;
	}
	qsort(had, n, sizeof(*had), ngd_br_cmp_had);
	*np = n;
	return had != NULL ? had : calloc(1, sizeof(*had));
}

/*
 * The node's decisions written: its ports' settings and its hosts (the
 * hosts it forgot go at the next import); O(hosts).  Where the map
 * says otherwise: a look-up a host (~1-2 us), or for a table of
 * NGD_BR_PUSH_BULK hosts or more the map read back whole first, in
 * batches (its 2^20 buckets walked, ~20 ms; 100,000 look-ups took
 * 0.2-0.5 s).
 */
static void
ngd_br_push(struct ngd_fast_br *br, struct ngd_br *b, struct ng_node *node)
{
	struct ngd_br_push p = { .br = br, .b = b, .now = ngd_br_now_ns() };
	size_t nhosts = 0;

	ngd_br_push_ports(br, b, node);
	node->type->switching->walk(node, ngd_br_count_host, &nhosts);
	if (nhosts >= NGD_BR_PUSH_BULK)
		p.had = ngd_br_read_hosts(br, b, &p.nhad);
	node->type->switching->walk(node, ngd_br_push_host, &p);
	free(p.had);
	b->gen = node->type->switching->gen(node);
	b->stale = false;
	b->due = false;
	if (br->wb.bridge == b->id)
		br->wb.bridge = 0; /* done whole */
}

/* Whether b's node changed its table since the client's message (or
 * the loop pass) began, and the map does not have it yet. */
static bool
ngd_br_changed(const struct ngd_br *b, struct ng_node *node)
{
	uint64_t gen = node->type->switching->gen(node);

	return gen != b->gen && gen != b->msg_gen;
}

/* Each node's gen as a client's message or a loop pass begins. */
static void
ngd_br_mark(struct ngd_fast_br *br)
{
	for (struct ngd_br *b = br->bridges; b != NULL; b = b->next) {
		struct ng_node *node = ngd_br_node(br, b);

		if (node != NULL)
			b->msg_gen = node->type->switching->gen(node);
	}
}

/* One address of the node's table kept (ngd_br_push_some). */
static void
ngd_br_wb_add(void *arg, const uint8_t addr[6], struct ng_hook *hook)
{
	struct ngd_br_wb *wb = arg;

	if (hook->peer == NULL || wb->max == 0)
		return;
	if (wb->n == wb->max) {
		void *more = reallocarray(wb->addr, wb->max * 2,
		    sizeof(*wb->addr));

		if (more == NULL) {
			wb->max = 0; /* (ngd_br_push_some writes it whole) */
			return;
		}
		wb->addr = more;
		wb->max *= 2;
	}
	memcpy(wb->addr[wb->n++], addr, 6);
}

/*
 * The tick's write-back: the nodes due (b->due) written, nhosts hosts
 * of it from where it stopped, its ports at once as it begins.  Returns
 * whether it is over (none due).  Before a reply, a whole write-back
 * (ngd_br_push) of a node that changed does the rest at once: its gen
 * is its bridge's only once its table is written.
 */
static bool
ngd_br_push_some(struct ngd_fast_br *br, size_t nhosts)
{
	struct ngd_br_wb *wb = &br->wb;

	while (nhosts > 0) {
		struct ngd_br *b = wb->bridge != 0 ?
		    ngd_br_find(br, wb->bridge) :
		    NULL;
		struct ng_node *node = b != NULL ? ngd_br_node(br, b) : NULL;
		struct ngd_br_push p = { .br = br, .b = b };

		if (node == NULL) { /* none under way: the next due */
			wb->bridge = 0;
			for (b = br->bridges; b != NULL && !b->due; b = b->next)
				;
			if (b == NULL)
				break;
			b->due = false;
			if ((node = ngd_br_node(br, b)) == NULL)
				continue;
			wb->bridge = b->id;
			wb->gen = node->type->switching->gen(node);
			wb->n = wb->at = 0;
			if (wb->addr == NULL &&
			    (wb->addr = calloc(1024, sizeof(*wb->addr))) !=
				NULL)
				wb->max = 1024;
			if (wb->addr != NULL)
				node->type->switching->walk(node, ngd_br_wb_add,
				    wb);
			if (wb->addr == NULL || wb->max == 0) {
				free(wb->addr);
				*wb = (struct ngd_br_wb){ 0 };
				ngd_br_push(br, b, node); /* at once */
				continue;
			}
			b->stale = false; /* (set again: due again) */
			ngd_br_push_ports(br, b, node);
		}
		p.b = b;
		p.now = ngd_br_now_ns();
		for (; nhosts > 0 && wb->at < wb->n; nhosts--, wb->at++) {
			struct ng_hook *hook = node->type->switching->lookup(
			    node, wb->addr[wb->at]);

			if (hook != NULL)
				ngd_br_push_host(&p, wb->addr[wb->at], hook);
		}
		if (wb->at < wb->n)
			break;
		b->gen = wb->gen;
		wb->bridge = 0;
	}
	if (wb->bridge != 0)
		return false;
	free(wb->addr); /* (100,000 hosts: 600 kB) */
	*wb = (struct ngd_br_wb){ 0 };
	return true;
}

/*
 * One host of the map against the node: imported if the program learned
 * it since the last import began; deleted if the node has forgotten it,
 * if its port left, if its bridge no longer switches in the kernel.
 * now: the import's time (the coarse clock's, its pass's beginning);
 * fine: the fine clock's, just read (learned_ns against it for the age).
 * Returns whether the node has it elsewhere (the map is to be rewritten).
 */
static bool
ngd_br_pull_host(struct ngd_fast_br *br, const struct ng_fast_bpf_mac *k,
    const struct ng_fast_bpf_host *v, uint64_t now, uint64_t fine)
{
	const struct ngd_br_slot *s = ngd_br_slot(br, v->ifindex);
	struct ngd_br *b = ngd_br_find(br, k->bridge);
	struct ng_node *node = b != NULL ? ngd_br_node(br, b) : NULL;
	struct ng_hook *hook = NULL, *has;
	uint64_t age_ms;
	uint32_t stale;
	int error;

	if (b != NULL && br->pulling != 0 && v->learned_ns > br->pulling)
		b->seen++; /* learned as the import ran (ngd_br_room) */
	if (node != NULL && s->bridge == b->id && s->idx < b->n)
		hook = ngd_br_hook(br, node, &b->m[s->idx]);
	if (hook == NULL) {
		ngd_br_del(br, br->hosts_fd, k);
		return false;
	}
	has = node->type->switching->lookup(node, k->addr);
	if (has == NULL &&
	    (v->learned_ns == 0 || v->learned_ns < br->pulled_ns)) {
		ngd_br_del(br, br->hosts_fd, k); /* forgotten */
		return false;
	}
	/* Staleness in whole seconds, rounded down: seen_ns is itself up to
	 * 0.2 s before the host's last frame (refreshed each 0.1 s, and not
	 * by frames the CPUs' caches forward).  The age to the millisecond
	 * (learned_ns is the fine clock's), for the node to count its
	 * ticks since. */
	stale = now > v->seen_ns ?
	    (uint32_t)((now - v->seen_ns) / 1000000000u) :
	    0;
	age_ms = v->learned_ns != 0 ?
	    (fine > v->learned_ns ? (fine - v->learned_ns) / 1000000u : 0) :
	    (uint64_t)stale * 1000u;
	error = node->type->switching->heard(node, hook, k->addr, age_ms,
	    stale);
	if (error == EEXIST)
		return true;
	if (error != 0)
		ngd_br_del(br, br->hosts_fd, k); /* full, or EPERM */
	return false;
}

/*
 * The hosts learned on the ports ngd_fast_br_repoint moved follow them,
 * all in one reading of the map (O(its buckets): 1M, ~1 ms), which
 * then serves the vnets of a pass together.  Done before anything reads
 * the map, and before the loop sleeps; meanwhile the program sends what
 * an old end's entry would take to ngd ("a stale entry"), whose node
 * forwards it, so no frame is lost or misdirected.
 */
static void
ngd_br_repoint_hosts(struct ngd_fast_br *br)
{
	struct ngd_br_iter it = { .first = true };
	struct ng_fast_bpf_mac *keys;
	struct ng_fast_bpf_host *vals;

	if (br == NULL || br->nrp == 0)
		return;
	keys = calloc(NGD_BR_BATCH, sizeof(*keys));
	vals = calloc(NGD_BR_BATCH, sizeof(*vals));
	while (keys != NULL && vals != NULL && !it.over) {
		__u32 count;

		if (ngd_br_next(br->hosts_fd, &it, keys, vals, &count) != 0)
			break;
		for (__u32 i = 0; i < count; i++) {
			bool moved = false;

			for (unsigned k = 0; k < br->nrp; k++) /* in order */
				if (vals[i].ifindex == br->rp[k].from &&
				    keys[i].bridge == br->rp[k].bridge) {
					vals[i].ifindex = br->rp[k].to;
					moved = true;
				}
			if (moved)
				ngd_br_put(br, br->hosts_fd, &keys[i], &vals[i],
				    BPF_EXIST);
		}
	}
	free(keys);
	free(vals);
	br->nrp = 0;
}

void
ngd_fast_br_repoint_flush(struct ngd_fast_br *br)
{
	ngd_br_repoint_hosts(br);
	ngd_br_bump(br);
}

/*
 * Whether looking before the tick's import pays: it reads each port's
 * counters (a syscall a port), the import the whole map (a syscall per
 * NGD_BR_BATCH hosts and a node lookup per host).
 */
static bool
ngd_br_quiet_pays(const struct ngd_fast_br *br)
{
	uint64_t ports = 0;

	for (const struct ngd_br *b = br->bridges; b != NULL; b = b->next)
		ports += b->n;
	return ports * NGD_BR_QUIET_RATIO <= br->nhosts;
}

/*
 * Nothing an import would bring has happened since the last one began:
 * no frame through the program on any port of any kernel bridge (so no
 * host learned or heard: timestamps unchanged; the program counts every
 * frame it switches, and one it gives ngd reaches the node, which then
 * learns or moves it itself), no room taken, no node forgot or moved a
 * host (gen), nothing made an import due.  Then an idle ngd holding
 * 100,000 hosts reads no map every 6 s (~0.1 s of CPU each time, ~100
 * loop passes polling), and its nodes age on their own timers.
 */
static bool
ngd_br_quiet(struct ngd_fast_br *br)
{
	if (br->dirty || br->adopted || br->grow.phase != 0 || br->nrp > 0 ||
	    br->elsewhere || !ngd_br_quiet_pays(br))
		return false;
	for (struct ngd_br *b = br->bridges; b != NULL; b = b->next) {
		struct ng_node *node = ngd_br_node(br, b);
		uint64_t recv;

		if (node == NULL || !b->pull_known ||
		    node->type->switching->gen(node) != b->pull_gen ||
		    b->room_set < 0 || ngd_br_room_now(br, b) != b->room_set ||
		    !ngd_br_recv(br, b, &recv) || recv != b->pull_recv)
			return false;
	}
	return true;
}

/*
 * The map against the nodes, nbatch batches of it from where the pass
 * under way stopped (one begun if none is).  Returns whether the pass is
 * over: the map read to its end, pulled_ns its beginning.  The nodes
 * the map has hosts elsewhere than in are written back at once, or if
 * slice, by the tick's write-back (due).
 */
static bool
ngd_br_pull_some(struct ngd_fast_br *br, unsigned nbatch, bool slice)
{
	struct ngd_br_pass *p = &br->pass;
	struct ng_fast_bpf_mac *keys;
	struct ng_fast_bpf_host *vals;
	bool over = false;

	ngd_br_repoint_hosts(br);
	if (br->g == NULL) {
		p->on = false;
		br->pulling = 0;
		return true;
	}
	keys = calloc(NGD_BR_BATCH, sizeof(*keys));
	vals = calloc(NGD_BR_BATCH, sizeof(*vals));
	br->delq = calloc(NGD_BR_BATCH, sizeof(*br->delq)); /* or one each */
	br->ndel = 0;
	if (keys == NULL || vals == NULL) {
		p->on = false; /* no import this time */
		br->pulling = 0;
		goto out;
	}
	if (!p->on) {
		*p = (struct ngd_br_pass){ .on = true,
			.it = { .first = true },
			.now = ngd_br_now_ns() };
		/* a host's learned_ns is bpf_ktime_get_ns's (the fine
		 * clock, as here): with the tick's, the hosts learned in
		 * the tick of this reading were taken off the room twice
		 * (not seen, yet imported), ~rate x 4 ms fewer learned */
		br->pulling = ngd_br_fine_ns();
		for (struct ngd_br *b = br->bridges; b != NULL; b = b->next) {
			struct ng_node *node = ngd_br_node(br, b);

			b->room0 = ngd_br_room_now(br, b); /* (ngd_br_room) */
			b->seen = 0;
			/* (ngd_br_quiet's: where things stood) */
			b->pull_known = node != NULL && ngd_br_quiet_pays(br) &&
			    ngd_br_recv(br, b, &b->pull_recv);
			if (node != NULL)
				b->pull_gen = node->type->switching->gen(node);
		}
		br->dirty = false; /* what made it due is this pass's */
	}
	for (; nbatch > 0 && !over; nbatch--) {
		__u32 count;
		int error = ngd_br_next(br->hosts_fd, &p->it, keys, vals,
		    &count);
		uint64_t fine = ngd_br_fine_ns(); /* (one read a batch) */

		if (error != 0) {
			ngd_log(LOG_DEBUG, "fast path: hosts map: %s",
			    strerror(error));
			over = true;
			break;
		}
		for (__u32 i = 0; i < count; i++)
			p->redo |= ngd_br_pull_host(br, &keys[i], &vals[i],
			    p->now, fine);
		ngd_br_del_flush(br);
		p->nhosts += count;
		over = p->it.over;
	}
	if (!over)
		goto out;
	p->on = false;
	/* on learned_ns's clock, the fine one: the coarse one lags it by
	 * up to a tick, and a host the program learned in that tick before
	 * the import began, which the node then had, passed for one
	 * learned since (re-imported, not deleted, when the node had
	 * forgotten it: a reset's hosts came back) */
	br->pulled_ns = br->pulling;
	br->pulling = 0;
	br->nhosts = p->nhosts;
	/* what the nodes took of it, and what they have room for */
	for (struct ngd_br *b = br->bridges; b != NULL; b = b->next) {
		struct ng_node *node = ngd_br_node(br, b);

		if (node != NULL)
			ngd_br_room(br, b, node);
	}
	ngd_br_hosts_size(br, true); /* (before the write-back, below) */
	if (p->redo) /* the node has hosts elsewhere than the program thought */
		for (struct ngd_br *b = br->bridges; b != NULL; b = b->next) {
			struct ng_node *node = ngd_br_node(br, b);

			if (node == NULL)
				continue;
			if (slice)
				b->due = true;
			else
				ngd_br_push(br, b, node);
		}
out:
	if (br->delq != NULL) /* (and what the redo's write-back queued) */
		ngd_br_del_flush(br);
	free(br->delq);
	br->delq = NULL;
	free(keys);
	free(vals);
	return !p->on;
}

/* The whole map against the nodes at once, with the counters if fold (a
 * read per port: before a client's message reads them, before ports
 * leave; the tick's import, for the nodes' ageing, needs only the
 * hosts).  A tick's import under way begins again, here, whole. */
static void
ngd_br_pull(struct ngd_fast_br *br, bool fold)
{
	ngd_br_repoint_hosts(br);
	if (br->g == NULL)
		return;
	for (struct ngd_br *b = br->bridges; fold && b != NULL; b = b->next)
		ngd_br_fold_all(br, b);
	br->pass.on = false;
	/* a new hosts map under way: whole first (its copy would take the
	 * import's deletions one a call, most not there yet) */
	while (ngd_br_grow_some(br))
		;
	(void)ngd_br_pull_some(br, UINT_MAX, false);
}

/* --- membership ---------------------------------------------------------- */

/* Member i's entry written: its graph-side end, or 0 while its
 * interface is down (floods pass it by, ng_fast_bpf.h). */
static void
ngd_br_write_member(struct ngd_fast_br *br, const struct ngd_br *b, unsigned i)
{
	struct ng_fast_bpf_member m = { .group = b->id, .idx = i };
	uint32_t val = b->m[i].down ? 0 : b->m[i].gidx;

	ngd_br_put(br, br->members_fd, &m, &val, BPF_ANY);
}

/*
 * Member i's interface went down or came up (down): its member entry
 * (floods) and its slot's NG_FAST_BPF_BR_DOWN (a host's unicast) follow,
 * both, whoever heard it (a carrier's news, a sync that found an ether
 * node's interface running again).  A slot not written yet (flags ~0)
 * gets the bit with its first write (ngd_br_push_ports).
 */
static void
ngd_br_set_down(struct ngd_fast_br *br, struct ngd_br *b, unsigned i, bool down)
{
	struct ngd_br_member *m = &b->m[i];
	struct ng_fast_bpf_brslot bp = { .bridge = b->id, .key = m->gidx };

	m->down = down;
	ngd_br_write_member(br, b, i);
	if (m->flags == ~0u)
		return;
	bp.flags = down ? m->flags | NG_FAST_BPF_BR_DOWN :
			  m->flags & ~NG_FAST_BPF_BR_DOWN;
	if (bp.flags != m->flags) {
		m->flags = bp.flags;
		ngd_br_put(br, br->brslots_fd, &m->slot, &bp, BPF_ANY);
	}
}

/* Group id's members written (members first), then its size. */
static void
ngd_br_write_group(struct ngd_fast_br *br, struct ngd_br *b, unsigned oldn)
{
	for (unsigned i = 0; i < b->n; i++)
		ngd_br_write_member(br, b, i);
	ngd_br_put(br, br->groups_fd, &b->id, &b->n, BPF_ANY);
	for (unsigned i = b->n; i < oldn; i++) {
		struct ng_fast_bpf_member m = { .group = b->id, .idx = i };

		ngd_br_del(br, br->members_fd, &m);
	}
}

/* Port gidx's slot entry made stale (none names gidx): its frames go
 * to ngd while the port is left. */
static void
ngd_br_stale_port(struct ngd_fast_br *br, uint32_t gidx)
{
	struct ng_fast_bpf_brslot e, none = { 0 };
	uint32_t slot = ngd_br_slot(br, gidx)->bslot;

	if (slot != 0 && bpf_map_lookup_elem(br->brslots_fd, &slot, &e) == 0 &&
	    e.key == gidx && e.bridge != 0)
		ngd_br_put(br, br->brslots_fd, &slot, &none, BPF_ANY);
}

/* Port gidx off the kernel bridges: its frames go by its port entry.
 * (Its slot's counters are zeroed when the slot is given again.) */
static void
ngd_br_drop_port(struct ngd_fast_br *br, uint32_t gidx)
{
	uint32_t key = gidx;

	ngd_br_stale_port(br, gidx);
	if (NG_FAST_BPF_IS_VPORT(gidx)) /* its slot is free again */
		ngd_br_vslot_free(br, ngd_br_slot(br, gidx)->bslot);
	ngd_br_del(br, br->brkeys_fd, &key);
	(void)ngd_br_set_slot(br, gidx, 0, 0, 0);
}

/* Bridge b off the kernel: its group and hosts go (imported first). */
static void
ngd_br_forget(struct ngd_fast_br *br, struct ngd_br *b)
{
	struct ng_fast_bpf_member m = { .group = b->id };

	ngd_br_del(br, br->groups_fd, &b->id);
	for (m.idx = 0; m.idx < b->n; m.idx++)
		ngd_br_del(br, br->members_fd, &m);
	(void)bpf_map_delete_elem(br->brroom_fd, &b->id);
	free(b->m);
	free(b);
}

static int
ngd_br_cmp_port(const void *a, const void *b)
{
	const struct ngd_fast_brport *const *x = a, *const *y = b;
	ng_id_t bx = ngd_br_ether_peer(*x)->node->id;
	ng_id_t by = ngd_br_ether_peer(*y)->node->id;

	if (bx != by)
		return bx < by ? -1 : 1;
	if ((*x)->eiface->id != (*y)->eiface->id)
		return (*x)->eiface->id < (*y)->eiface->id ? -1 : 1;
	return strcmp(ngd_br_hookname((*x)->hook), ngd_br_hookname((*y)->hook));
}

/* The slot of port p joining a bridge (ng_fast_bpf.h): its port id; a
 * vport's, the one it has on another bridge (moving) or a new one; 0:
 * none left. */
static uint32_t
ngd_br_new_slot(struct ngd_fast_br *br, const struct ngd_fast_brport *p)
{
	const struct ngd_br_slot *cur = ngd_br_slot(br, p->gidx);

	if (!NG_FAST_BPF_IS_VPORT(p->gidx))
		return p->id;
	if (cur->bridge != 0 && cur->bslot != 0)
		return cur->bslot;
	return ngd_br_vslot(br, p->gidx);
}

/* Member m of b (new there) counts from what its slot has now: zero,
 * unless the slot is another bridge's member's still (it is moving:
 * that one folds what it counted) or the last ngd's (adopted: its
 * counts were that ngd's). */
static void
ngd_br_new_counts(struct ngd_fast_br *br, struct ngd_br_member *m, bool adopted)
{
	const struct ngd_br_slot *cur = ngd_br_slot(br, m->gidx);
	uint32_t key = m->gidx, slot = m->slot, had = 0;

	if ((cur->bridge != 0 && cur->bslot == slot) ||
	    (adopted && bpf_map_lookup_elem(br->brkeys_fd, &key, &had) == 0 &&
		had == slot)) {
		if (bpf_map_lookup_elem(br->brstats_fd, &slot, br->percpu) ==
		    0) {
			ngd_br_sum(br, &m->folded);
			m->unlearned = ngd_br_unlearned(br, slot);
			return;
		}
	}
	memset(br->percpu, 0, (size_t)br->ncpu * sizeof(*br->percpu));
	ngd_br_put(br, br->brstats_fd, &slot, br->percpu, BPF_ANY);
	memset(&m->folded, 0, sizeof(m->folded));
	memset(br->percpu64, 0, (size_t)br->ncpu * sizeof(*br->percpu64));
	(void)bpf_map_update_elem(br->brfull_fd, &slot, br->percpu64, BPF_ANY);
	m->unlearned = 0;
}

/* The bridge node whose ports are all of ps[0..n-1] (sorted) switching
 * in the kernel: written, and returned (its old self freed), or NULL. */
static struct ngd_br *
ngd_br_take(struct ngd_fast_br *br, struct ng_node *node,
    struct ngd_fast_brport **ps, unsigned n)
{
	struct ngd_br *old = ngd_br_find(br, node->id), *b;
	unsigned oldn = old != NULL ? old->n : 0;

	if (old != NULL && old->n == n) {
		unsigned i;

		for (i = 0; i < n; i++)
			if (old->m[i].gidx != ps[i]->gidx ||
			    old->m[i].wire != ps[i]->wire ||
			    old->m[i].eiface != ps[i]->eiface->id ||
			    strcmp(ngd_br_hookname(old->m[i].hook),
				ngd_br_hookname(ps[i]->hook)) != 0)
				break;
		if (i == n) { /* the same ports */
			for (i = 0; i < n; i++)
				if (old->m[i].down != ps[i]->down)
					ngd_br_set_down(br, old, i,
					    ps[i]->down);
			old->keep = true;
			return old;
		}
	}
	if ((b = calloc(1, sizeof(*b))) == NULL ||
	    (b->m = calloc(n, sizeof(*b->m))) == NULL) {
		free(b);
		return NULL;
	}
	b->id = node->id;
	b->n = n;
	b->keep = true;
	b->room0 = -1;
	b->room_node = -1;
	b->room_set = -1;
	/* A port joining or leaving: its table as written (the map has
	 * it, or the tick writes it: stale, below), so only what the
	 * message changed in it is written before the reply (a port gone
	 * with its hosts), not all of it again.  A bridge new in the
	 * kernel: all of it (gen 0). */
	if (old != NULL) {
		b->gen = old->gen;
		b->msg_gen = old->msg_gen;
	}
	for (unsigned i = 0; i < n; i++) {
		b->m[i].gidx = ps[i]->gidx;
		b->m[i].eiface = ps[i]->eiface->id;
		b->m[i].hook = ps[i]->hook;
		b->m[i].wire = ps[i]->wire;
		b->m[i].down = ps[i]->down;
		b->m[i].flags = ~0u; /* not written yet */
		/* still counted, in the same slot */
		for (unsigned j = 0; j < oldn; j++)
			if (old->m[j].gidx == b->m[i].gidx) {
				b->m[i].folded = old->m[j].folded;
				b->m[i].unlearned = old->m[j].unlearned;
				b->m[i].slot = old->m[j].slot;
			}
		if (b->m[i].slot == 0 &&
		    (b->m[i].slot = ngd_br_new_slot(br, ps[i])) == 0) {
			/* no slot: the node stays on the userspace path */
			for (unsigned k = 0; k < i; k++)
				if (NG_FAST_BPF_IS_VPORT(b->m[k].gidx) &&
				    ngd_br_slot(br, b->m[k].gidx)->bridge == 0)
					ngd_br_vslot_free(br, b->m[k].slot);
			free(b->m);
			free(b);
			return NULL;
		}
	}
	/* Ports that left: their counts to their hooks while they have them. */
	for (unsigned j = 0; j < oldn; j++) {
		bool stays = false;

		for (unsigned i = 0; i < n; i++)
			stays |= old->m[j].gidx == b->m[i].gidx;
		if (!stays &&
		    ngd_br_slot(br, old->m[j].gidx)->bridge == old->id) {
			ngd_br_fold(br, &old->m[j],
			    ngd_br_hook(br, node, &old->m[j]));
			ngd_br_drop_port(br, old->m[j].gidx);
		}
	}
	/* Counters, hosts and settings first, the group, then the ports. */
	for (unsigned i = 0; i < n; i++) {
		uint32_t key = b->m[i].gidx, slot = b->m[i].slot;
		bool kept = false;

		for (unsigned j = 0; j < oldn; j++)
			kept |= old->m[j].gidx == key;
		if (kept)
			continue;
		ngd_br_new_counts(br, &b->m[i], br->adopted && old == NULL);
		ngd_br_put(br, br->brkeys_fd, &key, &slot, BPF_ANY);
	}
	ngd_br_push_ports(br, b, node);
	b->stale = true;          /* its hosts: the tick's next round */
	ngd_br_room(br, b, node); /* before its ports learn */
	ngd_br_write_group(br, b, oldn);
	for (unsigned i = 0; i < n; i++) {
		const struct ngd_br_slot *s = ngd_br_slot(br, b->m[i].gidx);

		if (s->bridge != b->id)
			ps[i]->changed = true;
		(void)ngd_br_set_slot(br, b->m[i].gidx, b->id, i, b->m[i].slot);
	}
	if (old != NULL) {
		struct ngd_br **pp;

		for (pp = &br->bridges; *pp != old; pp = &(*pp)->next)
			;
		*pp = old->next;
		free(old->m);
		free(old);
	}
	b->next = br->bridges;
	br->bridges = b;
	return b;
}

/* Whether ngctl capture copies an edge between the eifaces ps[0..n-1]
 * and their bridge (the copies are ngd's, so the frames must be too). */
static bool
ngd_br_captured(struct ngd_fast_brport **ps, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		struct ng_hook *h = ngd_br_ether_peer(ps[i]);

		if (h == NULL)
			continue;
		if ((h->flags & NG_HOOK_CAPTURED) ||
		    (h->peer != NULL && (h->peer->flags & NG_HOOK_CAPTURED)))
			return true;
	}
	return false;
}

static void
ngd_br_sync(struct ngd_fast_br *br, struct ngd_fast_brport *ports, unsigned n)
{
	struct ngd_fast_brport **ps;
	struct ngd_br *b, **bp;
	unsigned i, j, k = 0;
	bool changed = false, left = false, now = false;

	if (n > 0 && br->g == NULL)
		br->g = ports[0].eiface->graph;
	for (b = br->bridges; b != NULL; b = b->next)
		b->keep = false;
	if ((ps = calloc(n + 1, sizeof(*ps))) == NULL)
		return;
	for (i = 0; i < n; i++) {
		struct ng_hook *h = ngd_br_ether_peer(&ports[i]);

		ports[i].changed = false;
		if (h != NULL && (h->flags & NG_HOOK_VALID) &&
		    ng_node_valid(h->node) && h->node->type->switching != NULL)
			ps[k++] = &ports[i];
	}
	qsort(ps, k, sizeof(*ps), ngd_br_cmp_port);
	for (i = 0; i < k; i = j) {
		struct ng_node *node = ngd_br_ether_peer(ps[i])->node;

		for (j = i + 1; j < k && ngd_br_ether_peer(ps[j])->node == node;
		     j++)
			;
		if (node->numhooks != j - i || ngd_br_captured(ps + i, j - i))
			continue; /* another node on it, a capture: ngd */
		b = ngd_br_find(br, node->id);
		if (ngd_br_take(br, node, ps + i, j - i) != b)
			changed = true;
	}
	/* Bridges that no longer switch in the kernel: what the program
	 * learned and counted goes to the node first. */
	for (b = br->bridges; b != NULL; b = b->next)
		if (!b->keep) {
			for (i = 0; i < b->n; i++) {
				uint32_t key = b->m[i].gidx;

				if (ngd_br_slot(br, key)->bridge == b->id)
					ngd_br_stale_port(br, key);
			}
			left = true;
		}
	if (left)
		ngd_br_pull(br, true);
	for (bp = &br->bridges; (b = *bp) != NULL;)
		if (!b->keep) {
			for (i = 0; i < b->n; i++) {
				const struct ngd_br_slot *s = ngd_br_slot(br,
				    b->m[i].gidx);

				if (s->bridge != b->id)
					continue; /* taken by another bridge */
				ngd_br_drop_port(br, b->m[i].gidx);
				for (j = 0; j < n; j++)
					if (ports[j].gidx == b->m[i].gidx)
						ports[j].changed = true;
			}
			*bp = b->next;
			ngd_br_forget(br, b);
		} else
			bp = &b->next;
	/* What the client's message changed in a node's table (reset, a
	 * port gone) is written, and the map read back, before its reply
	 * goes (and a write-back of the tick's under way, whole); the new
	 * ports' hosts, and the hosts of ports that left and of forgotten
	 * bridges, by the tick's next round (ngd_br_tick, in slices): ports
	 * joining read the map once, not once each.  What changed the node
	 * before the message (frames, ageing) is the tick's to write, in
	 * slices, as it would have been without the message: written
	 * whole here, it cost every message 0.2-0.5 s at 100,000 hosts. */
	for (b = br->bridges; b != NULL; b = b->next) {
		struct ng_node *node = ngd_br_node(br, b);

		if (node != NULL && ngd_br_changed(b, node)) {
			ngd_br_push(br, b, node);
			now = true;
		}
		/* Its room as the message left it (setmaxhosts: a flood
		 * right after the reply learned up to the old bound until
		 * the next import), unless an import is under way: its end
		 * writes it. */
		if (node != NULL && b->room0 < 0 &&
		    node->type->switching->room != NULL &&
		    (int64_t)node->type->switching->room(node) != b->room_node)
			ngd_br_room(br, b, node);
	}
	if (now)
		ngd_br_pull(br, true);
	br->dirty |= changed || left;
	if (br->adopted) {
		ngd_br_repoint_hosts(br); /* what it keeps, where it is */
		ngd_br_prune_adopted(br);
		br->adopted = false;
	}
	ngd_br_hosts_size(br, false); /* room for the rooms, before a frame */
	free(ps);
}

bool
ngd_fast_br_changed(struct ngd_fast_br *br)
{
	if (br == NULL)
		return false;
	for (struct ngd_br *b = br->bridges; b != NULL; b = b->next) {
		struct ng_node *node = ngd_br_node(br, b);

		if (node == NULL || ngd_br_changed(b, node))
			return true;
	}
	return false;
}

void
ngd_fast_br_sync(struct ngd_fast_br *br, struct ngd_fast_brport *ports,
    unsigned n)
{
	ngd_br_sync(br, ports, n);
	ngd_br_bump(br);
}

void
ngd_fast_br_hookstats(struct ngd_fast_br *br, uint32_t gidx)
{
	const struct ngd_br_slot *s;
	struct ngd_br *b;
	struct ng_node *node;

	if (br == NULL || (s = ngd_br_slot(br, gidx))->bridge == 0 ||
	    (b = ngd_br_find(br, s->bridge)) == NULL || s->idx >= b->n ||
	    b->m[s->idx].gidx != gidx || (node = ngd_br_node(br, b)) == NULL)
		return;
	ngd_br_fold(br, &b->m[s->idx], ngd_br_hook(br, node, &b->m[s->idx]));
}

uint32_t
ngd_fast_br_of(const struct ngd_fast_br *br, uint32_t gidx)
{
	return br != NULL ? ngd_br_slot(br, gidx)->bridge : 0;
}

void
ngd_fast_br_gone(struct ngd_fast_br *br, uint32_t gidx)
{
	if (br != NULL && ngd_br_slot(br, gidx)->bridge != 0)
		ngd_br_drop_port(br, gidx);
	ngd_br_bump(br);
}

void
ngd_fast_br_carrier(struct ngd_fast_br *br, uint32_t gidx, bool down)
{
	const struct ngd_br_slot *s;
	struct ngd_br *b;

	if (br == NULL || (s = ngd_br_slot(br, gidx))->bridge == 0 ||
	    (b = ngd_br_find(br, s->bridge)) == NULL || s->idx >= b->n ||
	    b->m[s->idx].gidx != gidx || b->m[s->idx].down == down)
		return;
	ngd_br_set_down(br, b, s->idx, down);
	ngd_br_bump(br);
}

/* ngd_br_has_hosts's walk: is a host on the hook arg points to? */
struct ngd_br_on_hook {
	const struct ng_hook *hook;
	bool found;
};

static void
ngd_br_on_hook(void *arg, const uint8_t addr[6], struct ng_hook *hook)
{
	struct ngd_br_on_hook *oh = arg;

	(void)addr;
	oh->found |= hook == oh->hook;
}

/* Whether the node knows a host on hook (O(its hosts), in memory). */
static bool
ngd_br_has_hosts(struct ng_node *node, const struct ng_hook *hook)
{
	struct ngd_br_on_hook oh = { .hook = hook, .found = false };

	if (node == NULL || hook == NULL)
		return true; /* cannot say: as if it did */
	node->type->switching->walk(node, ngd_br_on_hook, &oh);
	return oh.found;
}

/*
 * A vnet made the port's interface anew (fastpath.c): the graph-side end
 * from became to, the same port otherwise.  Its member, slot, settings
 * and group entry follow, and so do the hosts learned on it, so that
 * the bridge is not rebuilt (O(ports)) and no host moves; what the old
 * end counted goes to the hook first.  The map holds hosts on from only
 * if the program learned them from frames from's interface sent (heard:
 * its port counted one) or ngd wrote the node's (the node knows one on
 * the hook); otherwise there is nothing to move, and no reading of the
 * whole map (O(its buckets)) to do: a jail's interface, made at home
 * and placed before it ever sent a frame.
 */
static void
ngd_br_repoint(struct ngd_fast_br *br, uint32_t from, uint32_t to, bool heard)
{
	const struct ngd_br_slot *s;
	struct ng_fast_bpf_member mk;
	struct ng_fast_bpf_brslot bp = { 0 };
	struct ngd_br_member *m;
	struct ng_node *node;
	struct ngd_br *b;
	uint32_t idx;

	if (br == NULL || (s = ngd_br_slot(br, from))->bridge == 0 ||
	    (b = ngd_br_find(br, s->bridge)) == NULL || s->idx >= b->n ||
	    b->m[s->idx].gidx != from)
		return;
	idx = s->idx;
	m = &b->m[idx];
	node = ngd_br_node(br, b);
	/* the counts so far; both ends count into the slot (the port id) */
	ngd_br_fold(br, m, node != NULL ? ngd_br_hook(br, node, m) : NULL);
	if (ngd_br_set_slot(br, to, b->id, idx, m->slot) != 0)
		return; /* the next sync rebuilds it */
	bp.bridge = b->id;
	m->flags &= ~NG_FAST_BPF_BR_DOWN; /* (m->down below) */
	bp.flags = m->flags;
	bp.key = to; /* from's frames to ngd from now on: "stale" */
	ngd_br_put(br, br->brkeys_fd, &to, &m->slot, BPF_ANY);
	ngd_br_put(br, br->brslots_fd, &m->slot, &bp, BPF_ANY);
	m->gidx = to;
	m->down = false; /* until the new end's news (ngd_fast_br_carrier) */
	mk.group = b->id;
	mk.idx = idx;
	ngd_br_put(br, br->members_fd, &mk, &to, BPF_ANY);
	if (!heard &&
	    !ngd_br_has_hosts(node,
		node != NULL ? ngd_br_hook(br, node, m) : NULL)) {
		ngd_br_drop_port(br, from);
		return;
	}
	/* Its hosts: with those of the pass's other vnets, in one reading
	 * of the map (ngd_br_repoint_hosts). */
	if (br->nrp == br->maxrp) {
		unsigned max = br->maxrp ? 2 * br->maxrp : 16;
		struct ngd_br_repoint *a = realloc(br->rp, max * sizeof(*a));

		if (a == NULL)
			ngd_br_repoint_hosts(br); /* room again */
		else {
			br->rp = a;
			br->maxrp = max;
		}
	}
	if (br->nrp == 0)
		br->rp_ms = ngd_clock_ms();
	if (br->nrp < br->maxrp)
		br->rp[br->nrp++] = (struct ngd_br_repoint){ .bridge = b->id,
			.from = from,
			.to = to };
	ngd_br_drop_port(br, from);
}

void
ngd_fast_br_repoint(struct ngd_fast_br *br, uint32_t from, uint32_t to,
    bool heard)
{
	ngd_br_repoint(br, from, to, heard);
	ngd_br_bump(br);
}

/* Whether the flood group id is a kernel bridge's, and its size. */
bool
ngd_fast_br_group(struct ngd_fast_br *br, uint32_t id, unsigned *np)
{
	struct ngd_br *b = br != NULL ? ngd_br_find(br, id) : NULL;

	if (b == NULL)
		return false;
	*np = b->n;
	return true;
}

/* After a crash or takeover: the last ngd's kernel bridges stay in the
 * pinned maps and go on switching while the graph is rebuilt; their
 * counters up to now were the last ngd's to count (adopted, below).
 * What the rebuilt graph no longer has goes after its first sync
 * (ngd_br_prune_adopted). */
void
ngd_fast_br_restored(struct ngd_fast_br *br)
{
	if (br != NULL)
		br->adopted = true;
}

/* Every key of map fd (key_size bytes each) into a new array: their
 * number, *keysp set (free it), or 0. */
static size_t
ngd_br_all_keys(int fd, size_t key_size, uint8_t **keysp)
{
	uint8_t *keys = NULL, *k;
	size_t n = 0, cap = 0;

	*keysp = NULL;
	for (;;) {
		if (n == cap) {
			cap = cap ? cap * 2 : 256;
			if ((k = realloc(keys, cap * key_size)) == NULL)
				break;
			keys = k;
		}
		if (bpf_map_get_next_key(fd,
			n ? keys + (n - 1) * key_size : NULL,
			keys + n * key_size) < 0)
			break;
		n++;
	}
	*keysp = keys;
	return n;
}

/* The entries of ng_fast_brslots that are no member's (slot, key and
 * bridge) made stale. */
static void
ngd_br_prune_slots(struct ngd_fast_br *br)
{
	struct ngd_br_iter it = { .first = true };
	struct ng_fast_bpf_brslot *vals, none = { 0 };
	uint32_t *keys;

	keys = calloc(NGD_BR_BATCH, sizeof(*keys));
	vals = calloc(NGD_BR_BATCH, sizeof(*vals));
	while (keys != NULL && vals != NULL && !it.over) {
		__u32 count;

		if (ngd_br_next(br->brslots_fd, &it, keys, vals, &count) != 0)
			break;
		for (__u32 i = 0; i < count; i++) {
			const struct ngd_br_slot *s = ngd_br_slot(br,
			    vals[i].key);

			if (vals[i].bridge != 0 &&
			    (s->bridge != vals[i].bridge ||
				s->bslot != keys[i]))
				ngd_br_put(br, br->brslots_fd, &keys[i], &none,
				    BPF_ANY);
		}
	}
	free(keys);
	free(vals);
}

/* What the first sync after an adoption did not take: ports (their
 * keys and slots) no bridge has now, hosts of bridges gone or on ports
 * that are not their bridge's. */
static void
ngd_br_prune_adopted(struct ngd_fast_br *br)
{
	uint32_t *ports;
	uint8_t *keys;
	size_t n;

	n = ngd_br_all_keys(br->brkeys_fd, sizeof(uint32_t), &keys);
	ports = (uint32_t *)(void *)keys;
	for (size_t j = 0; j < n; j++)
		if (ngd_br_slot(br, ports[j])->bridge == 0)
			ngd_br_del(br, br->brkeys_fd, &ports[j]);
	free(keys);
	ngd_br_prune_slots(br);
	n = ngd_br_all_keys(br->hosts_fd, sizeof(struct ng_fast_bpf_mac),
	    &keys);
	for (size_t j = 0; j < n; j++) {
		struct ng_fast_bpf_mac *k = (void *)(keys + j * sizeof(*k));
		struct ng_fast_bpf_host v;

		if (bpf_map_lookup_elem(br->hosts_fd, k, &v) == 0 &&
		    ngd_br_slot(br, v.ifindex)->bridge != k->bridge)
			ngd_br_del(br, br->hosts_fd, k);
	}
	free(keys);
}

/* --- frames and messages ------------------------------------------------- */

/* The host addr as the map has it, imported into the node. */
static void
ngd_br_import(struct ngd_fast_br *br, uint32_t bridge, const uint8_t *addr)
{
	struct ng_fast_bpf_mac k = { .bridge = bridge };
	struct ng_fast_bpf_host v;
	struct ngd_br *b = ngd_br_find(br, bridge);
	struct ng_node *node = b != NULL ? ngd_br_node(br, b) : NULL;
	struct ng_hook *hook;
	bool had;

	memcpy(k.addr, addr, 6);
	if (addr[0] & 1 || bpf_map_lookup_elem(br->hosts_fd, &k, &v) < 0)
		return;
	had = node == NULL || node->type->switching->lookup(node, addr) != NULL;
	if (ngd_br_pull_host(br, &k, &v, ngd_br_now_ns(), ngd_br_fine_ns())) {
		/* the node has it on another port: that host written (the
		 * rest of what the node changed is the tick's) */
		struct ngd_br_push p = { .br = br,
			.b = b,
			.now = ngd_br_now_ns() };

		if ((hook = node->type->switching->lookup(node, addr)) != NULL)
			ngd_br_push_host(&p, addr, hook);
		return;
	}
	/* a host the program learned since the room was written, the
	 * node's now: not to be taken off the room again (ngd_br_room) */
	if (!had && br->pulling == 0 && v.learned_ns > b->base_ns &&
	    node->type->switching->lookup(node, addr) != NULL)
		b->taken++;
}

/*
 * The kernel gave ngd a frame from src, a host its map puts on another
 * port than idx, the one it came in on.  If the node will move the host
 * here (its switching method moves() says so: not a loop), the map says
 * so before the node takes the frame: writing the frame to the data
 * plane's TAP runs the receiver's stack and its answer's trip through the
 * program within that write, before the write-back after the frame, and
 * the answer found the old port.  A frame the node will judge a loop
 * moves nothing, so a jail that sends another's address cannot draw that
 * host's traffic to itself for a moment.  A muted port moves nothing.
 */
static void
ngd_br_moving(struct ngd_fast_br *br, struct ngd_br *b, struct ng_node *node,
    uint32_t idx, const uint8_t *src)
{
	struct ng_fast_bpf_mac k = { .bridge = b->id };
	struct ng_fast_bpf_host v;
	struct ng_hook *hook;

	if ((src[0] & 1) || idx >= b->n ||
	    (b->m[idx].flags & NG_FAST_BPF_BR_MUTED) ||
	    (hook = ngd_br_hook(br, node, &b->m[idx])) == NULL ||
	    node->type->switching->moves == NULL ||
	    !node->type->switching->moves(node, hook, src))
		return;
	memcpy(k.addr, src, 6);
	if (bpf_map_lookup_elem(br->hosts_fd, &k, &v) < 0 ||
	    v.ifindex == b->m[idx].gidx)
		return;
	v.ifindex = b->m[idx].gidx;
	v.slot = b->m[idx].slot;
	v.seen_ns = ngd_br_now_ns();
	v.learned_ns = 0; /* as the write-back of a move has it */
	ngd_br_put(br, br->hosts_fd, &k, &v, BPF_EXIST);
}

/*
 * The node is to take a frame from src, a host it does not have: if the
 * program learned hosts since the last import that the node does not
 * have, and without them the node would learn src where with
 * them its table is full (maxhosts), they are imported first (the whole
 * map, as for a gettable), so that the node refuses src as the program
 * would have.  Learned past its bound, the node then forgot a host the
 * program had (the write-back), and flooded what the program sent there.
 * Once a room at most: the import's end writes the room the node has.
 */
static void
ngd_br_full(struct ngd_fast_br *br, struct ngd_br *b, struct ng_node *node,
    const uint8_t *src)
{
	int64_t now, unseen;

	if ((src[0] & 1) || node->type->switching->room == NULL ||
	    b->room0 >= 0 || b->room_set < 0 ||
	    node->type->switching->lookup(node, src) != NULL ||
	    (now = ngd_br_room_now(br, b)) < 0)
		return;
	unseen = b->pend + b->took + (b->room_set - now) - b->taken;
	if (unseen <= 0 || (int64_t)node->type->switching->room(node) > unseen)
		return;
	br->pass.on = false; /* a tick's under way: begun again */
	(void)ngd_br_pull_some(br, UINT_MAX, true);
}

static void
ngd_br_input(struct ngd_fast_br *br, uint32_t gidx, const struct ng_pkt *pkt)
{
	const struct ngd_br_slot *s;
	struct ngd_br *b;
	struct ng_node *node;

	if (br == NULL)
		return;
	if (br->nrp > 0) /* the node reads hosts below */
		ngd_br_repoint_hosts(br);
	if ((s = ngd_br_slot(br, gidx))->bridge == 0 ||
	    (b = ngd_br_find(br, s->bridge)) == NULL ||
	    (node = ngd_br_node(br, b)) == NULL) {
		/* taken by the graph off the kernel bridges' ports (a vlan
		 * node's filter that does not tag in the kernel, any other
		 * node): what it changed in a kernel bridge's node (a host
		 * learned or moved there) is written before the loop sleeps
		 * (ngd_br_tick_1), not a tick later, while the program sent
		 * that host's frames by the map's old word */
		if (pkt == NULL && br->bridges != NULL)
			br->elsewhere = true;
		return;
	}
	if (pkt != NULL) {
		if (pkt->len >= 14) {
			ngd_br_import(br, b->id, pkt->data + 6);
			ngd_br_import(br, b->id, pkt->data);
			ngd_br_moving(br, b, node, s->idx, pkt->data + 6);
			ngd_br_full(br, b, node, pkt->data + 6);
		}
		return;
	}
	if (node->type->switching->gen(node) != b->gen) {
		/* a loop's mute at once, and the room the hosts the node
		 * forgot with it gave back (the map's went with them),
		 * unless an import is under way (its end writes it): until
		 * the next import the program refused hosts the node
		 * learned (memoryFailures) */
		if (ngd_br_push_ports(br, b, node) && b->room0 < 0 &&
		    node->type->switching->room != NULL)
			ngd_br_room(br, b, node);
		br->dirty = true; /* the hosts: the tick's next round */
	}
}

/* (a host moved here is the map's, and no CPU's cache's, before the
 * node takes the frame) */
void
ngd_fast_br_input(struct ngd_fast_br *br, uint32_t gidx,
    const struct ng_pkt *pkt)
{
	ngd_br_input(br, gidx, pkt);
	ngd_br_bump(br);
}

/*
 * Only what the message needs (its type's needs method): the hosts
 * imported (gettable: O(hosts), ~100 reads of the map at 100,000), the
 * counters of its ports added (getstats: O(ports)), or nothing (a
 * config).  The node's own changes are not written back here: those of
 * the message are, after it (ngd_br_sync, before the reply); those from
 * before it, by the tick in slices, as without a message; so too what
 * the import finds the node has elsewhere (its redo).
 */
void
ngd_fast_br_msg(struct ngd_fast_br *br, struct ng_node *dest,
    const struct ng_mesg *m)
{
	const struct ng_switch_methods *sw;
	struct ngd_br *b;
	unsigned needs;

	if (br == NULL || (b = ngd_br_find(br, dest->id)) == NULL ||
	    ngd_br_node(br, b) != dest)
		return;
	sw = dest->type->switching;
	needs = sw->needs != NULL ?
	    sw->needs(m) :
	    NG_SWITCH_NEEDS_HOSTS | NG_SWITCH_NEEDS_COUNTS;
	if (needs & NG_SWITCH_NEEDS_COUNTS)
		ngd_br_fold_all(br, b);
	if (needs & NG_SWITCH_NEEDS_HOSTS) {
		br->pass.on = false; /* a tick's under way: begun again */
		(void)ngd_br_pull_some(br, UINT_MAX, true);
	}
	ngd_br_bump(br);
}

/* Not before a generic message (mkpeer, connect, ...: a script giving a
 * bridge a thousand ports would read its map a thousand times); the
 * engine's hookstats_sync folds the counters generic ones report.  Any
 * message marks where the nodes' tables are as it begins. */
static void
ngd_br_before_msg(struct ng_node *dest, const struct ng_mesg *m)
{
	if (ngd_br_active != NULL)
		ngd_br_mark(ngd_br_active);
	if (m->header.typecookie != NGM_GENERIC_COOKIE)
		ngd_fast_br_msg(ngd_br_active, dest, m);
}

/* Before the loop sleeps: what this pass changed (dirty); and once a
 * second (NGD_BR_TICK_*) the program's timestamps for the nodes'
 * ageing, and what the nodes' timers decided. */
static int64_t
ngd_br_tick_1(struct ngd_fast_br *br)
{
	uint64_t now = ngd_clock_ms();

	/* Vnets one at a time (jails made one after another) read the map
	 * together, every NGD_BR_REPOINT_MS, not once each (~1 ms each for
	 * its buckets): meanwhile their hosts' frames go by ngd. */
	if (br->nrp >= NGD_BR_REPOINT_MAX ||
	    now - br->rp_ms >= NGD_BR_REPOINT_MS)
		ngd_br_repoint_hosts(br);
	else if (br->nrp > 0 && !br->dirty && !br->elsewhere &&
	    br->bridges != NULL && !br->pass.on && now < br->next_tick) {
		uint64_t due = br->rp_ms + NGD_BR_REPOINT_MS;

		return (int64_t)((due < br->next_tick ? due : br->next_tick) -
		    now);
	}
	if (br->bridges != NULL)
		ngd_br_hosts_size(br, false);
	if (!br->pass.on && ngd_br_grow_some(br)) {
		/* The rest once the loop has seen its events; meanwhile what
		 * the nodes changed is written, in slices (ngd's writes go to
		 * both maps, then to the new one), the import waits: a host
		 * a node learned from a frame ngd took waited for the whole
		 * growth, and the program flooded its frames, or sent one the
		 * node drops at its port. */
		for (struct ngd_br *b = br->bridges; b != NULL; b = b->next) {
			struct ng_node *node = ngd_br_node(br, b);

			if (node != NULL &&
			    node->type->switching->gen(node) != b->gen)
				b->due = true;
		}
		(void)ngd_br_push_some(br, NGD_BR_PUSH_SLICE);
		return 0;
	}
	if (br->bridges == NULL) {
		br->pass.on = false;
		br->wb_round = false;
		free(br->wb.addr);
		br->wb = (struct ngd_br_wb){ 0 };
		if (br->dirty)
			ngd_br_pull(br, true); /* the last bridge's hosts go */
		return -1;
	}
	/* The nodes a frame off their ports changed (ngd_br_input): their
	 * ports at once, their hosts in this pass's slices, no import. */
	if (br->elsewhere) {
		br->elsewhere = false;
		for (struct ngd_br *b = br->bridges; b != NULL; b = b->next) {
			struct ng_node *node = ngd_br_node(br, b);

			if (node != NULL &&
			    node->type->switching->gen(node) != b->gen) {
				ngd_br_push_ports(br, b, node);
				b->due = true;
			}
		}
	}
	/* The nodes that changed written back, in slices, then the import
	 * begins, once a tick or when due (dirty): a node's table written at
	 * once held ngd 0.2-0.5 s (a host's move, 100,000 hosts).  A client's
	 * message to a node writes it whole before its reply (ngd_br_push). */
	if (!br->pass.on && (now >= br->next_tick || br->dirty) &&
	    !br->wb_round) {
		for (struct ngd_br *b = br->bridges; b != NULL; b = b->next) {
			struct ng_node *node = ngd_br_node(br, b);

			if (node != NULL &&
			    (b->stale ||
				node->type->switching->gen(node) != b->gen))
				b->due = true;
		}
		br->wb_round = true;
	}
	if (!ngd_br_push_some(br, NGD_BR_PUSH_SLICE))
		return 0; /* the rest once the loop has seen its events */
	if (br->wb_round) {
		br->wb_round = false;
		br->next_tick = now +
		    NGD_BR_TICK_MS * (1 + br->nhosts / NGD_BR_TICK_HOSTS);
		if (!ngd_br_quiet(br))
			(void)ngd_br_pull_some(br, NGD_BR_TICK_SLICE, true);
	} else if (br->pass.on)
		(void)ngd_br_pull_some(br, NGD_BR_TICK_SLICE, true);
	if (br->pass.on)
		return 0; /* the same */
	for (struct ngd_br *b = br->bridges; b != NULL; b = b->next)
		if (b->due)
			return 0; /* the import's write-back (its redo) */
	return (int64_t)(br->next_tick - now);
}

static int64_t
ngd_br_tick(void *arg)
{
	struct ngd_fast_br *br = arg;
	int64_t next = ngd_br_tick_1(br);

	ngd_br_bump(br);
	ngd_br_mark(br);
	return next;
}

/* --- start and stop ------------------------------------------------------ */

int
ngd_fast_br_new(const struct ng_fast_bpf *skel, struct ngd_loop *loop,
    struct ngd_fast_br **brp)
{
	struct ngd_fast_br *br;

	*brp = NULL;
	if ((br = calloc(1, sizeof(*br))) == NULL)
		return ENOMEM;
	br->brslots_fd = bpf_map__fd(skel->maps.ng_fast_brslots);
	br->brkeys_fd = bpf_map__fd(skel->maps.ng_fast_brkeys);
	br->first_fd = bpf_map__fd(skel->maps.ng_fast_hosts);
	br->hostsof_fd = bpf_map__fd(skel->maps.ng_fast_hostsof);
	ngd_br_hosts_find(br);
	br->brstats_fd = bpf_map__fd(skel->maps.ng_fast_brsstats);
	br->members_fd = bpf_map__fd(skel->maps.ng_fast_members);
	br->groups_fd = bpf_map__fd(skel->maps.ng_fast_groups);
	br->brgen_fd = bpf_map__fd(skel->maps.ng_fast_brgen);
	br->brroom_fd = bpf_map__fd(skel->maps.ng_fast_brroom);
	br->brfull_fd = bpf_map__fd(skel->maps.ng_fast_brfull);
	br->ncpu = libbpf_num_possible_cpus();
	if (br->ncpu <= 0) {
		free(br);
		return ENOENT;
	}
	if ((br->percpu = calloc((size_t)br->ncpu, sizeof(*br->percpu))) ==
		NULL ||
	    (br->percpu64 = calloc((size_t)br->ncpu, sizeof(*br->percpu64))) ==
		NULL) {
		free(br->percpu);
		free(br);
		return ENOMEM;
	}
	/* A pinned generation (a takeover) goes on from where it is, one
	 * on: an older ngd in between wrote the maps and moved none. */
	(void)bpf_map_lookup_elem(br->brgen_fd, &(uint32_t){ 0 }, &br->gen);
	br->wrote = true;
	ngd_br_bump(br);
	br->loop = loop;
	ngd_loop_before_sleep(loop, &br->tick, ngd_br_tick, br);
	ngd_br_active = br;
	ngd_netdev_before_msg(ngd_br_before_msg);
	*brp = br;
	return 0;
}

void
ngd_fast_br_free(struct ngd_fast_br *br)
{
	if (br == NULL)
		return;
	if (ngd_br_active == br) {
		ngd_br_active = NULL;
		ngd_netdev_before_msg(NULL);
	}
	ngd_loop_cancel_sleep(br->loop, &br->tick);
	while (br->bridges != NULL) {
		struct ngd_br *b = br->bridges;

		br->bridges = b->next;
		free(b->m);
		free(b);
	}
	free(br->slot);
	free(br->vslot);
	free(br->fslot);
	free(br->percpu);
	free(br->percpu64);
	free(br->rp);
	free(br->wb.addr);
	if (br->hosts_fd != br->first_fd)
		close(br->hosts_fd);
	if (br->grow.phase == 1)
		close(br->grow.fd);
	if (br->grow.phase == 2 && br->grow.old != br->first_fd)
		close(br->grow.old);
	free(br);
}
