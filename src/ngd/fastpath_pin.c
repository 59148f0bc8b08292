/*
 * fastpath_pin.c: the kernel fast path outlives ngd (DESIGN decisions 11
 * and 12; README "The kernel fast path", "Lifetime").
 *
 * While a graph has an eiface in the veth model, what forwards its frames
 * in the kernel is pinned, so that a crash (SIGKILL) or a takeover does
 * not take it down:
 *   <run dir>/<cookie>/dataplane   the data-plane namespace, bind-mounted
 *                                  next to the journal (-J, /run/netgraph)
 *   <bpf dir>/<cookie>/<map>       every map of the programs' object
 *                                  ($NGD_BPF_DIR, /sys/fs/bpf/netgraph)
 *   <bpf dir>/<cookie>/port<N>     the TCX link on graph-side end N
 *   <bpf dir>/<cookie>/p-<build>-<name>  each program, <build> a hash
 *                                  of the object they came from
 * and the pairs are in the journal (fastpath.c's describe: name, MAC,
 * port id, graph-side index).  The next ngd of the namespace opens the
 * mount, takes the pinned maps, and the pinned programs if they are its
 * own build's (the same object) and run on those maps; else (an
 * upgrade, or a map made anew) it loads its own on the pinned maps and
 * swaps them into the pinned links (bpf_link_update: no frame lost), and
 * the other build's pins go.  It takes every pair back from the journal;
 * pairs, pins and map entries it did not take back go.
 * Maps are pinned by iterating over the object's, so maps added later
 * pin and are found again the same way.  The ether nodes' programs and
 * maps (ether.c) are pinned by the same rules in <bpf dir>/<cookie>/ether
 * (ngd_fast_pin_part), whether or not the graph has an eiface; their
 * links are not pinned (the ether node's rule: after a crash the
 * interface works as if ngd had never been there).  The slow path's TAP is not
 * pinned: it goes with the ngd that reads it, and the next makes its own.
 *
 * Under systemd the mount alone does not do: ngd.service's sandbox
 * (ProtectSystem=, PrivateTmp= ...) gives each of its processes a mount
 * namespace of its own whose mounts the host never sees, so the mount
 * goes with the ngd that made it, and a takeover's ngd (ExecReload=)
 * does not see it either.  So the namespace is also handed to systemd's
 * file-descriptor store (sd_pid_notify_with_fds, "FDSTORE=1",
 * FDNAME=dataplane-<cookie>; the unit's FileDescriptorStoreMax=), which
 * keeps it while the service restarts and gives it to the next ngd
 * (sd_listen_fds_with_names: ngd_fast_pin_listen); a takeover hands it
 * over with the rest (takeover.c).  An ngd given it where no mount is
 * takes it as it takes the mount, and mounts it again in its own
 * namespace.  Outside systemd (no NOTIFY_SOCKET, no LISTEN_FDS) nothing
 * of this happens.
 *
 * A clean stop, or the graph's last eiface going, removes it all: pins,
 * mount, directory, the store's copy.  An ngd that does not run the fast
 * path (not asked to, BPF refused) finds a data plane left by one that
 * did and removes it, deleting its pairs first so that the journal's
 * interfaces are made anew as TAPs.  Without a bpffs at the bpf dir,
 * only the namespace is kept: the pairs survive and are taken back, the
 * links are attached anew.
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
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <syslog.h>
#include <unistd.h>
#include <linux/if_link.h>
#include <linux/magic.h>
#include <linux/netlink.h>
#include <linux/nsfs.h>
#include <linux/rtnetlink.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <libmnl/libmnl.h>
#include <systemd/sd-daemon.h>

#include "ngd.h"
#include "../bpf/ng_fast_bpf.h" /* NG_FAST_BPF_MAP_HOSTS */

#ifndef BPF_FS_MAGIC
#define BPF_FS_MAGIC 0xcafe4a11
#endif

#define NGD_BPF_DIR_ENV "NGD_BPF_DIR"
#define NGD_BPF_DIR "/sys/fs/bpf/netgraph"

#define NGD_FAST_PIN_MAPS 64 /* ng_fast.bpf.c has 21 */
#define NGD_FAST_PIN_PROGS 8 /* ng_fast.bpf.c and ng_ether.bpf.c have 4 */

struct ngd_fast_pin {
	uint64_t cookie;
	char rundir[PATH_MAX + 24]; /* <run dir>/<cookie> */
	char dpath[PATH_MAX + 40];  /* its dataplane mount */
	char bpfroot[PATH_MAX];     /* "": no bpffs, nothing pinned there */
	char parent[PATH_MAX + 24]; /* a part's (ngd_fast_pin_part): <cookie> */
	char bpfdir[PATH_MAX + 40];
	bool up;        /* the mount and the maps are pinned */
	uint64_t build; /* the programs' object (ngd_fast_pin_build) */
	/* The ids of the pinned maps ngd_fast_pin_reuse_maps kept. */
	uint32_t kept[NGD_FAST_PIN_MAPS];
	unsigned nkept;
};

static char ngd_fast_pin_base[PATH_MAX] = NGD_JOURNAL_DIR;
static char ngd_fast_pin_bpf[PATH_MAX] = NGD_BPF_DIR;

/*
 * Data-plane namespaces given to this ngd, not found mounted: systemd's
 * store's (by cookie) and a takeover's (cookie 0: this ngd's own graph's).
 * Process-wide, as the environment they come from is.
 */
#define NGD_FAST_PIN_GIVEN 8
static struct {
	uint64_t cookie;
	int fd;
} ngd_fast_pin_given[NGD_FAST_PIN_GIVEN];
static int ngd_fast_pin_ngiven;

static void
ngd_fast_pin_give_cookie(uint64_t cookie, int fd)
{
	if (ngd_fast_pin_ngiven == NGD_FAST_PIN_GIVEN) {
		close(fd);
		return;
	}
	(void)fcntl(fd, F_SETFD, FD_CLOEXEC);
	ngd_fast_pin_given[ngd_fast_pin_ngiven].cookie = cookie;
	ngd_fast_pin_given[ngd_fast_pin_ngiven++].fd = fd;
}

/* The store's descriptors (sd_listen_fds_with_names); first thing in
 * main(), before any fd is opened or a child inherits them.  Those not
 * ours are closed (the store keeps its copy). */
void
ngd_fast_pin_listen(void)
{
	unsigned long long cookie;
	char **names = NULL;
	int n = sd_listen_fds_with_names(1, &names);

	for (int i = 0; i < n; i++) {
		int fd = SD_LISTEN_FDS_START + i;

		if (names != NULL && names[i] != NULL &&
		    sscanf(names[i], "dataplane-%llu", &cookie) == 1 &&
		    cookie != 0)
			ngd_fast_pin_give_cookie(cookie, fd);
		else
			close(fd);
	}
	for (int i = 0; names != NULL && names[i] != NULL; i++)
		free(names[i]);
	free(names);
}

void
ngd_fast_pin_give(int fd)
{
	if (fd >= 0)
		ngd_fast_pin_give_cookie(0, fd);
}

/* A given namespace for pin (own: the graph of this ngd), now the
 * caller's; -1 if none. */
static int
ngd_fast_pin_take(const struct ngd_fast_pin *pin, bool own)
{
	for (int i = 0; i < ngd_fast_pin_ngiven; i++) {
		int fd = ngd_fast_pin_given[i].fd;

		if (fd < 0 ||
		    (ngd_fast_pin_given[i].cookie != pin->cookie &&
			!(own && ngd_fast_pin_given[i].cookie == 0)))
			continue;
		ngd_fast_pin_given[i].fd = -1;
		if (ioctl(fd, NS_GET_NSTYPE) == CLONE_NEWNET)
			return fd;
		close(fd);
	}
	return -1;
}

/* systemd's store keeps fd (the data plane) as pin's, in place of any
 * copy it had; nothing outside systemd.  FDPOLL=0: a namespace never
 * "hangs up". */
static void
ngd_fast_pin_store(const struct ngd_fast_pin *pin, int fd)
{
	char msg[96];

	if (getenv("NOTIFY_SOCKET") == NULL)
		return;
	snprintf(msg, sizeof(msg), "FDSTOREREMOVE=1\nFDNAME=dataplane-%llu",
	    (unsigned long long)pin->cookie);
	(void)sd_notify(0, msg);
	if (fd < 0)
		return;
	snprintf(msg, sizeof(msg), "FDSTORE=1\nFDPOLL=0\nFDNAME=dataplane-%llu",
	    (unsigned long long)pin->cookie);
	if (sd_pid_notify_with_fds(0, 0, msg, &fd, 1) <= 0)
		ngd_log(LOG_WARNING,
		    "data path: systemd does not keep the data "
		    "plane: it does not outlive ngd.service's restarts");
}

/* The namespace nsfd bind-mounted at pin's path: 0 or an errno. */
static int
ngd_fast_pin_mount(struct ngd_fast_pin *pin, int nsfd)
{
	char src[64];
	int fd;

	(void)mkdir(ngd_fast_pin_base, 0700);
	(void)mkdir(pin->rundir, 0700);
	if ((fd = open(pin->dpath, O_WRONLY | O_CREAT | O_CLOEXEC, 0600)) < 0)
		return errno;
	close(fd);
	snprintf(src, sizeof(src), "/proc/self/fd/%d", nsfd);
	if (mount(src, pin->dpath, "none", MS_BIND, NULL) < 0)
		return errno;
	return 0;
}

void
ngd_fast_pin_rundir(const char *base)
{
	if (base != NULL && base[0] != '\0')
		snprintf(ngd_fast_pin_base, sizeof(ngd_fast_pin_base), "%s",
		    base);
}

void
ngd_fast_pin_root(const char *root)
{
	if (root != NULL && root[0] != '\0')
		snprintf(ngd_fast_pin_bpf, sizeof(ngd_fast_pin_bpf), "%s",
		    root);
}

/*
 * Whether dir is ngd's to pin in: a directory (not a link to one) of
 * ngd's user, which nobody else may write to.  A bpffs mounted without
 * mode= has a root of mode 1777, where any user may make the directory
 * first, own it and then rename ngd's pins away, or leave links in it
 * that ngd would follow to another graph's maps.  ENOENT: not there yet.
 */
static int
ngd_fast_pin_owned(const char *dir)
{
	struct stat st;

	if (lstat(dir, &st) < 0)
		return errno;
	if (!S_ISDIR(st.st_mode) || st.st_uid != geteuid() ||
	    (st.st_mode & (S_IWGRP | S_IWOTH)) != 0)
		return EPERM;
	return 0;
}

/* Both levels ngd's (or not made yet); else nothing is pinned there. */
static bool
ngd_fast_pin_trust(struct ngd_fast_pin *pin)
{
	const char *bad = pin->bpfroot;
	struct stat st;
	int error;

	if ((error = ngd_fast_pin_owned(bad)) == 0 && pin->parent[0] != '\0')
		error = ngd_fast_pin_owned(bad = pin->parent);
	if (error == 0)
		error = ngd_fast_pin_owned(bad = pin->bpfdir);
	if (error == 0 || error == ENOENT)
		return true;
	if (lstat(bad, &st) < 0)
		memset(&st, 0, sizeof(st));
	ngd_log(LOG_WARNING,
	    "data path: %s is not ngd's own (owner %u, mode %04o): "
	    "nothing pinned, the programs stop with ngd",
	    bad, (unsigned)st.st_uid, (unsigned)(st.st_mode & 07777));
	pin->bpfroot[0] = '\0';
	return false;
}

/* Where the graph of the namespace with this cookie pins (part: in a
 * directory of its own there). */
static struct ngd_fast_pin *
ngd_fast_pin_alloc(uint64_t cookie, const char *part)
{
	const char *env = getenv(NGD_BPF_DIR_ENV);
	struct ngd_fast_pin *pin;
	char parent[PATH_MAX], *slash;
	struct statfs sf;

	if (cookie == 0 || (pin = calloc(1, sizeof(*pin))) == NULL)
		return NULL;
	pin->cookie = cookie;
	snprintf(pin->rundir, sizeof(pin->rundir), "%s/%llu", ngd_fast_pin_base,
	    (unsigned long long)cookie);
	snprintf(pin->dpath, sizeof(pin->dpath), "%s/dataplane", pin->rundir);
	snprintf(pin->bpfroot, sizeof(pin->bpfroot), "%s",
	    env != NULL && env[0] != '\0' ? env : ngd_fast_pin_bpf);
	/* The root's parent (or the root) must be a bpffs. */
	snprintf(parent, sizeof(parent), "%s", pin->bpfroot);
	if (statfs(parent, &sf) < 0 &&
	    ((slash = strrchr(parent, '/')) == NULL || slash == parent ||
		(*slash = '\0', statfs(parent, &sf) < 0)))
		sf.f_type = 0;
	if ((unsigned long)sf.f_type != (unsigned long)BPF_FS_MAGIC)
		pin->bpfroot[0] = '\0';
	snprintf(pin->bpfdir, sizeof(pin->bpfdir), "%s/%llu", pin->bpfroot,
	    (unsigned long long)cookie);
	if (part != NULL) {
		snprintf(pin->parent, sizeof(pin->parent), "%s/%llu",
		    pin->bpfroot, (unsigned long long)cookie);
		snprintf(pin->bpfdir, sizeof(pin->bpfdir), "%s/%.15s",
		    pin->parent, part);
	}
	if (pin->bpfroot[0] != '\0')
		(void)ngd_fast_pin_trust(pin);
	return pin;
}

struct ngd_fast_pin *
ngd_fast_pin_new(uint64_t cookie)
{
	return ngd_fast_pin_alloc(cookie, NULL);
}

/*
 * Where a part of ngd's with programs of its own (ether.c's) pins them
 * and their maps, by build as the fast path does: <bpf dir>/<cookie>/
 * <part>/.  Only that: no data plane, no mount.
 */
struct ngd_fast_pin *
ngd_fast_pin_part(uint64_t cookie, const char *part)
{
	return ngd_fast_pin_alloc(cookie, part);
}

/* The directories made, each ngd's (else nothing is pinned: false). */
static bool
ngd_fast_pin_mkdirs(struct ngd_fast_pin *pin)
{
	/* another user's, made since ngd_fast_pin_new looked? */
	(void)mkdir(pin->bpfroot, 0700);
	if (!ngd_fast_pin_trust(pin))
		return false;
	if (pin->parent[0] != '\0') {
		(void)mkdir(pin->parent, 0700);
		if (!ngd_fast_pin_trust(pin))
			return false;
	}
	(void)mkdir(pin->bpfdir, 0700);
	return ngd_fast_pin_trust(pin);
}

bool
ngd_fast_pin_part_up(struct ngd_fast_pin *pin)
{
	if (pin == NULL || !ngd_fast_pin_bpffs(pin))
		return false;
	pin->up = ngd_fast_pin_mkdirs(pin);
	return pin->up;
}

/* FNV-1a of the n bytes at p: a program object's build, which names its
 * programs' pins. */
uint64_t
ngd_fast_pin_hash(const void *p, size_t n)
{
	const unsigned char *b = p;
	uint64_t h = 0xcbf29ce484222325ull;

	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 0x100000001b3ull;
	return h;
}

bool
ngd_fast_pin_bpffs(const struct ngd_fast_pin *pin)
{
	return pin != NULL && pin->bpfroot[0] != '\0';
}

/*
 * The data-plane namespace a previous ngd left: an fd, or -1.  Mounted,
 * or else given (systemd's store, a takeover; own: pin is this ngd's
 * graph's), then mounted again here.
 */
static int
ngd_fast_pin_open(struct ngd_fast_pin *pin, bool own)
{
	struct statfs sf;
	int fd, copy, error;

	if (pin == NULL)
		return -1;
	if ((fd = open(pin->dpath, O_RDONLY | O_CLOEXEC)) >= 0 &&
	    (fstatfs(fd, &sf) < 0 ||
		(unsigned long)sf.f_type != (unsigned long)NSFS_MAGIC)) {
		close(fd); /* the file, not a namespace: nothing mounted */
		fd = -1;
	}
	if (fd < 0) {
		if ((fd = ngd_fast_pin_take(pin, own)) < 0)
			return -1;
		if ((error = ngd_fast_pin_mount(pin, fd)) != 0)
			ngd_log(LOG_WARNING, "data path: cannot mount %s: %s",
			    pin->dpath, strerror(error));
	} else /* mounted: a copy given too would only keep it alive */
		while ((copy = ngd_fast_pin_take(pin, own)) >= 0)
			close(copy);
	pin->up = true;
	return fd;
}

int
ngd_fast_pin_dataplane(struct ngd_fast_pin *pin)
{
	int fd = ngd_fast_pin_open(pin, true);

	if (fd >= 0)
		ngd_fast_pin_store(pin, fd);
	return fd;
}

int
ngd_fast_pin_handover(uint64_t cookie)
{
	struct ngd_fast_pin *pin = ngd_fast_pin_new(cookie);
	struct statfs sf;
	int fd;

	if (pin == NULL || (fd = open(pin->dpath, O_RDONLY | O_CLOEXEC)) < 0) {
		ngd_fast_pin_free(pin);
		return -1;
	}
	if (fstatfs(fd, &sf) < 0 ||
	    (unsigned long)sf.f_type != (unsigned long)NSFS_MAGIC) {
		close(fd);
		fd = -1;
	}
	ngd_fast_pin_free(pin);
	return fd;
}

static void
ngd_fast_pin_path(const struct ngd_fast_pin *pin, const char *name, char *buf,
    size_t size)
{
	snprintf(buf, size, "%s/%s", pin->bpfdir, name);
}

/*
 * An adopting ngd's maps are the pinned ones (libbpf reuses them at load
 * if they suit, and pins there any map the pins lack).  A pinned map
 * that differs only in being preallocated (an older ngd's: ng_fast.bpf.c)
 * is taken as it is, so an upgrade keeps it and its entries; and a
 * pinned hosts map of another size (ngd sizes it to its hosts,
 * ng_fast_bpf.h; an older ngd's has NG_FAST_BPF_MAX_HOSTS entries).  The
 * hosts map is ng_fast_hostsof's first, whose maps must be alike but for
 * size: a preallocated one's pin is removed and a new one made (its
 * hosts learned again; the older programs hold the old one until their
 * links run the new ones).  Before load.
 */
void
ngd_fast_pin_reuse_maps(struct ngd_fast_pin *pin, struct bpf_object *obj)
{
	struct bpf_map *m;
	char path[PATH_MAX + 300];

	if (!ngd_fast_pin_bpffs(pin))
		return;
	pin->nkept = 0;
	bpf_object__for_each_map(m, obj)
	{
		struct bpf_map_info info;
		uint32_t len = sizeof(info);
		bool hosts;
		int fd;

		if (bpf_map__is_internal(m))
			continue;
		ngd_fast_pin_path(pin, bpf_map__name(m), path, sizeof(path));
		(void)bpf_map__set_pin_path(m, path);
		if ((fd = bpf_obj_get(path)) < 0)
			continue;
		memset(&info, 0, sizeof(info));
		if (bpf_obj_get_info_by_fd(fd, &info, &len) < 0) {
			close(fd);
			continue;
		}
		hosts = strcmp(bpf_map__name(m), NG_FAST_BPF_MAP_HOSTS) == 0;
		if ((info.map_flags ^ bpf_map__map_flags(m)) ==
		    BPF_F_NO_PREALLOC) {
			if (!hosts)
				(void)bpf_map__set_map_flags(m, info.map_flags);
			else {
				if (unlink(path) == 0)
					ngd_log(LOG_INFO,
					    "data path: %s: an older ngd's, "
					    "preallocated: made anew",
					    bpf_map__name(m));
				close(fd);
				continue;
			}
		}
		if (hosts && info.type == BPF_MAP_TYPE_HASH &&
		    info.max_entries != bpf_map__max_entries(m))
			(void)bpf_map__set_max_entries(m, info.max_entries);
		if (pin->nkept < NGD_FAST_PIN_MAPS)
			pin->kept[pin->nkept++] = info.id;
		close(fd);
	}
}

void
ngd_fast_pin_build(struct ngd_fast_pin *pin, uint64_t build)
{
	if (pin != NULL)
		pin->build = build;
}

/* The pin of this build's program name (bpffs refuses names with a
 * dot: EPERM). */
static void
ngd_fast_pin_prog_path(const struct ngd_fast_pin *pin, const char *name,
    char *buf, size_t size)
{
	snprintf(buf, size, "%s/p-%016llx-%s", pin->bpfdir,
	    (unsigned long long)pin->build, name);
}

/* Whether the directory entry name is a program's pin of another build
 * than pin's. */
static bool
ngd_fast_pin_other_prog(const struct ngd_fast_pin *pin, const char *name)
{
	char own[32];

	snprintf(own, sizeof(own), "p-%016llx-",
	    (unsigned long long)pin->build);
	return strncmp(name, "p-", 2) == 0 &&
	    strncmp(name, own, strlen(own)) != 0;
}

/*
 * The program name pinned by an ngd of this build, if every map it uses
 * is one ngd_fast_pin_reuse_maps kept (not one made anew since, which
 * the program would not see): its fd, or -1.
 */
int
ngd_fast_pin_prog(struct ngd_fast_pin *pin, const char *name)
{
	char path[PATH_MAX + 300];
	uint32_t ids[NGD_FAST_PIN_MAPS];
	struct bpf_prog_info info;
	uint32_t len = sizeof(info);
	int fd;

	if (!ngd_fast_pin_bpffs(pin) || pin->build == 0)
		return -1;
	ngd_fast_pin_prog_path(pin, name, path, sizeof(path));
	if ((fd = bpf_obj_get(path)) < 0)
		return -1;
	memset(&info, 0, sizeof(info));
	info.nr_map_ids = NGD_FAST_PIN_MAPS;
	info.map_ids = (uint64_t)(uintptr_t)ids;
	if (bpf_obj_get_info_by_fd(fd, &info, &len) < 0 ||
	    info.nr_map_ids > NGD_FAST_PIN_MAPS) {
		close(fd);
		return -1;
	}
	for (uint32_t i = 0; i < info.nr_map_ids; i++) {
		unsigned k;

		for (k = 0; k < pin->nkept && pin->kept[k] != ids[i]; k++)
			;
		if (k == pin->nkept) {
			close(fd);
			return -1;
		}
	}
	return fd;
}

/*
 * The programs (n, by name) pinned as this build's, in place of any
 * pinned before under their names; other builds' pins removed (the
 * links that ran those run these by now, or will once taken back).
 */
void
ngd_fast_pin_progs(struct ngd_fast_pin *pin, const char *const *names,
    const int *fds, unsigned n)
{
	char path[PATH_MAX + 300];
	struct dirent *e;
	DIR *d;

	if (!ngd_fast_pin_bpffs(pin) || !pin->up || pin->build == 0)
		return;
	for (unsigned i = 0; i < n; i++) {
		if (fds[i] < 0)
			continue;
		ngd_fast_pin_prog_path(pin, names[i], path, sizeof(path));
		(void)unlink(path);
		if (bpf_obj_pin(fds[i], path) < 0)
			ngd_log(LOG_WARNING, "data path: cannot pin %s: %s",
			    path, strerror(errno));
	}
	if ((d = opendir(pin->bpfdir)) == NULL)
		return;
	while ((e = readdir(d)) != NULL)
		if (ngd_fast_pin_other_prog(pin, e->d_name)) {
			ngd_fast_pin_path(pin, e->d_name, path, sizeof(path));
			(void)unlink(path);
		}
	closedir(d);
}

/*
 * Every program of obj pinned by an ngd of this build and running on
 * the maps ngd_fast_pin_reuse_maps kept, or none: how many (their fds in
 * fds, in the object's order, max at most; the object then loads its
 * maps alone), or 0.  Loading them again would give the same code again,
 * through the verifier, only to swap it for itself in every link.
 */
unsigned
ngd_fast_pin_take_progs(struct ngd_fast_pin *pin, struct bpf_object *obj,
    int *fds, unsigned max)
{
	struct bpf_program *p;
	unsigned n = 0;
	int fd;

	bpf_object__for_each_program(p, obj)
	{
		fd = n < max ? ngd_fast_pin_prog(pin, bpf_program__name(p)) :
			       -1;
		if (fd < 0) {
			while (n > 0)
				close(fds[--n]);
			return 0;
		}
		fds[n++] = fd;
	}
	bpf_object__for_each_program(p, obj)(void)
	    bpf_program__set_autoload(p, false);
	return n;
}

/* The fd of obj's program want: loaded, or the ntaken taken (in the
 * object's order: ngd_fast_pin_take_progs). */
int
ngd_fast_pin_prog_fd(struct bpf_object *obj, const struct bpf_program *want,
    const int *taken, unsigned ntaken)
{
	struct bpf_program *p;
	unsigned i = 0;

	if (ntaken == 0)
		return bpf_program__fd(want);
	bpf_object__for_each_program(p, obj)
	{
		if (p == want)
			return i < ntaken ? taken[i] : -1;
		i++;
	}
	return -1;
}

/* obj's programs (loaded or the ntaken taken) pinned as this build's,
 * other builds' unpinned (ngd_fast_pin_progs). */
void
ngd_fast_pin_obj_progs(struct ngd_fast_pin *pin, struct bpf_object *obj,
    const int *taken, unsigned ntaken)
{
	const char *names[NGD_FAST_PIN_PROGS];
	int fds[NGD_FAST_PIN_PROGS];
	struct bpf_program *p;
	unsigned n = 0;

	bpf_object__for_each_program(p, obj)
	{
		if (n == NGD_FAST_PIN_PROGS)
			break;
		names[n] = bpf_program__name(p);
		fds[n++] = ngd_fast_pin_prog_fd(obj, p, taken, ntaken);
	}
	ngd_fast_pin_progs(pin, names, fds, n);
}

/*
 * After the programs were loaded on the pinned maps: the pins of maps
 * this object does not have (an older ngd's, whose layout changed and
 * which the new object has under a new name: ng_fast_bpf.h) are
 * removed; the older programs that use them hold them until their links
 * run the new ones.  Programs' pins are ngd_fast_pin_progs' to remove.
 */
void
ngd_fast_pin_prune_maps(struct ngd_fast_pin *pin, struct bpf_object *obj)
{
	char path[PATH_MAX + 300];
	struct dirent *e;
	DIR *d;
	int n;

	if (!ngd_fast_pin_bpffs(pin) || (d = opendir(pin->bpfdir)) == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.' ||
		    (sscanf(e->d_name, "port%d", &n) == 1) ||
		    strncmp(e->d_name, "p-", 2) == 0 ||
		    bpf_object__find_map_by_name(obj, e->d_name) != NULL)
			continue;
		ngd_fast_pin_path(pin, e->d_name, path, sizeof(path));
		if (unlink(path) == 0)
			ngd_log(LOG_INFO,
			    "data path: %s: an older ngd's map, not this "
			    "one's: removed",
			    e->d_name);
	}
	closedir(d);
}

/*
 * The first eiface: the namespace mounted (nsfd), the maps pinned.  Each
 * step that fails is logged and the rest goes on: what is not pinned
 * does not survive ngd, and nothing else changes.  Whether it was done
 * now (the programs are the caller's to pin: ngd_fast_pin_progs).
 */
bool
ngd_fast_pin_up(struct ngd_fast_pin *pin, int nsfd, struct bpf_object *obj)
{
	char path[PATH_MAX + 300];
	struct bpf_map *m;
	int error;

	if (pin == NULL || pin->up)
		return false;
	pin->up = true;
	if ((error = ngd_fast_pin_mount(pin, nsfd)) != 0)
		ngd_log(LOG_WARNING,
		    "data path: cannot keep the data plane at "
		    "%s (%s): it does not outlive ngd",
		    pin->dpath, strerror(error));
	ngd_fast_pin_store(pin, nsfd);
	if (!ngd_fast_pin_bpffs(pin)) {
		ngd_log(LOG_NOTICE,
		    "data path: no bpffs at %s: the programs "
		    "stop with ngd (the pairs are kept)",
		    pin->bpfroot[0] ? pin->bpfroot : NGD_BPF_DIR);
		return true;
	}
	if (!ngd_fast_pin_mkdirs(pin))
		return true;
	bpf_object__for_each_map(m, obj)
	{
		if (bpf_map__is_internal(m))
			continue;
		ngd_fast_pin_path(pin, bpf_map__name(m), path, sizeof(path));
		if (bpf_obj_pin(bpf_map__fd(m), path) < 0 && errno != EEXIST)
			ngd_log(LOG_WARNING, "data path: cannot pin %s: %s",
			    path, strerror(errno));
	}
	return true;
}

void
ngd_fast_pin_link(struct ngd_fast_pin *pin, int gidx, int link)
{
	char path[PATH_MAX + 300], name[32];

	if (!ngd_fast_pin_bpffs(pin) || !pin->up || link < 0)
		return;
	snprintf(name, sizeof(name), "port%d", gidx);
	ngd_fast_pin_path(pin, name, path, sizeof(path));
	/* A stale one, of an index used again, is replaced: seldom, so
	 * not looked for before (a call a jail made or removed). */
	if (bpf_obj_pin(link, path) < 0 &&
	    (errno != EEXIST || unlink(path) < 0 ||
		bpf_obj_pin(link, path) < 0))
		ngd_log(LOG_WARNING, "data path: cannot pin %s: %s", path,
		    strerror(errno));
}

/* The id of the program fd (0: cannot tell). */
uint32_t
ngd_fast_pin_prog_id(int fd)
{
	struct bpf_prog_info info;
	uint32_t len = sizeof(info);

	memset(&info, 0, sizeof(info));
	if (fd < 0 || bpf_obj_get_info_by_fd(fd, &info, &len) < 0)
		return 0;
	return info.id;
}

/*
 * The link fd runs prog (of id prog_id, 0: unknown) from now on: swapped
 * in unless the link runs it already (an ngd of the same build that took
 * the last one's programs).  A tcx link's update takes the RTNL lock
 * even for the program it runs, and waits for it behind every other
 * namespace's link changes (up to 30 ms each on a loaded machine).
 */
int
ngd_fast_pin_link_run(int link, int prog, uint32_t prog_id)
{
	struct bpf_link_info info;
	uint32_t len = sizeof(info);

	memset(&info, 0, sizeof(info));
	if (prog_id != 0 && bpf_obj_get_info_by_fd(link, &info, &len) == 0 &&
	    info.prog_id == prog_id)
		return 0;
	return bpf_link_update(link, prog, NULL) < 0 ? errno : 0;
}

/* The pinned link on graph-side end gidx, running prog (of id prog_id)
 * from now on: its fd, or -1 (none pinned, or it was detached). */
int
ngd_fast_pin_link_take(struct ngd_fast_pin *pin, int gidx, int prog,
    uint32_t prog_id)
{
	char path[PATH_MAX + 300], name[32];
	struct bpf_link_info info;
	uint32_t len = sizeof(info);
	/* TCX's link info (ifindex first) postdates Debian 12's headers;
	 * xdp's is the same word. */
	int fd;

	if (!ngd_fast_pin_bpffs(pin))
		return -1;
	snprintf(name, sizeof(name), "port%d", gidx);
	ngd_fast_pin_path(pin, name, path, sizeof(path));
	if ((fd = bpf_obj_get(path)) < 0)
		return -1;
	memset(&info, 0, sizeof(info));
	if (bpf_obj_get_info_by_fd(fd, &info, &len) < 0 ||
	    info.xdp.ifindex != (uint32_t)gidx ||
	    ((prog_id == 0 || info.prog_id != prog_id) &&
		bpf_link_update(fd, prog, NULL) < 0)) {
		close(fd);
		(void)unlink(path);
		return -1;
	}
	return fd;
}

void
ngd_fast_pin_link_drop(struct ngd_fast_pin *pin, int gidx)
{
	char path[PATH_MAX + 300], name[32];

	if (!ngd_fast_pin_bpffs(pin))
		return;
	snprintf(name, sizeof(name), "port%d", gidx);
	ngd_fast_pin_path(pin, name, path, sizeof(path));
	(void)unlink(path);
}

/* Pins of links on ends not in keep (gidx -> true), unlinked. */
void
ngd_fast_pin_links_prune(struct ngd_fast_pin *pin, bool (*keep)(void *, int),
    void *arg)
{
	struct dirent *e;
	DIR *d;
	int gidx;
	char path[PATH_MAX + 300];

	if (!ngd_fast_pin_bpffs(pin) || (d = opendir(pin->bpfdir)) == NULL)
		return;
	while ((e = readdir(d)) != NULL)
		if (sscanf(e->d_name, "port%d", &gidx) == 1 &&
		    !keep(arg, gidx)) {
			ngd_fast_pin_path(pin, e->d_name, path, sizeof(path));
			(void)unlink(path);
		}
	closedir(d);
}

/* Every pin in the bpffs directory removed, and the directory (and
 * those above it, if nothing else is left in them).  A part's directory
 * (ngd_fast_pin_part) is its own to remove. */
void
ngd_fast_pin_unpin(struct ngd_fast_pin *pin)
{
	char path[PATH_MAX + 300];
	struct dirent *e;
	DIR *d;

	if (pin == NULL || !ngd_fast_pin_bpffs(pin) ||
	    (d = opendir(pin->bpfdir)) == NULL)
		return;
	while ((e = readdir(d)) != NULL)
		if (e->d_name[0] != '.') {
			ngd_fast_pin_path(pin, e->d_name, path, sizeof(path));
			(void)unlink(path);
		}
	closedir(d);
	(void)rmdir(pin->bpfdir);
	if (pin->parent[0] != '\0')
		(void)rmdir(pin->parent);
	(void)rmdir(pin->bpfroot); /* the last graph's */
	pin->up = false;
}

/* Everything pinned removed: bpffs directory, mount, its file. */
void
ngd_fast_pin_down(struct ngd_fast_pin *pin)
{
	if (pin == NULL)
		return;
	ngd_fast_pin_unpin(pin);
	if (umount2(pin->dpath, MNT_DETACH) < 0 && errno != EINVAL &&
	    errno != ENOENT)
		ngd_log(LOG_WARNING, "data path: %s: %s", pin->dpath,
		    strerror(errno));
	(void)unlink(pin->dpath);
	(void)rmdir(pin->rundir); /* unless the journal is still there */
	ngd_fast_pin_store(pin, -1);
	pin->up = false;
}

/*
 * Every device of the data-plane namespace nsfd deleted (but lo), from
 * inside it: a veth pair goes whole, so the interfaces a journal names
 * are free to be made anew.  ngd is back in own_netns after.
 */
int
ngd_fast_pin_flush(int nsfd, int own_netns)
{
	struct if_nameindex *ifs, *i;
	struct mnl_socket *nl = NULL;
	char buf[512];
	int error = 0, n = 0;

	if (setns(nsfd, CLONE_NEWNET) < 0)
		return errno;
	ifs = if_nameindex();
	nl = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
	if (nl != NULL && mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		mnl_socket_close(nl);
		nl = NULL;
	}
	if (setns(own_netns, CLONE_NEWNET) < 0) {
		ngd_log(LOG_CRIT, "cannot return to ngd's namespace: %s",
		    strerror(errno));
		abort();
	}
	if (nl == NULL)
		error = errno;
	for (i = ifs; nl != NULL && i != NULL && i->if_index != 0; i++) {
		struct nlmsghdr *nh;
		struct ifinfomsg *ifi;

		if (strcmp(i->if_name, "lo") == 0)
			continue;
		memset(buf, 0, sizeof(buf));
		nh = mnl_nlmsg_put_header(buf);
		nh->nlmsg_type = RTM_DELLINK;
		ifi = mnl_nlmsg_put_extra_header(nh, sizeof(*ifi));
		ifi->ifi_family = AF_UNSPEC;
		ifi->ifi_index = (int)i->if_index;
		if (ngd_nl_request(nl, nh, buf, sizeof(buf)) == 0)
			n++;
	}
	if (n > 0)
		ngd_log(LOG_NOTICE,
		    "data path: %d devices of the last ngd's "
		    "data plane deleted",
		    n);
	if (ifs != NULL)
		if_freenameindex(ifs);
	if (nl != NULL)
		mnl_socket_close(nl);
	return error;
}

/*
 * What an ngd left that this one does not take over (it does not run
 * the fast path, or could not load it): its pairs deleted, its pins and
 * mount removed.
 */
void
ngd_fast_pin_clean(struct ngd_fast_pin *pin, int own_netns)
{
	struct stat st;
	int fd;

	if (pin == NULL)
		return;
	if ((fd = ngd_fast_pin_dataplane(pin)) >= 0) {
		ngd_log(LOG_NOTICE,
		    "data path: the kernel fast path a previous "
		    "ngd left is not taken over: removed");
		(void)ngd_fast_pin_flush(fd, own_netns);
		close(fd);
	}
	if (fd >= 0 || stat(pin->dpath, &st) == 0 ||
	    (ngd_fast_pin_bpffs(pin) && stat(pin->bpfdir, &st) == 0))
		ngd_fast_pin_down(pin);
}

/* How many devices but lo the namespace nsfd has (-1: cannot tell). */
static int
ngd_fast_pin_ndev(int nsfd, int own_netns)
{
	struct if_nameindex *ifs, *i;
	int n = 0;

	if (setns(nsfd, CLONE_NEWNET) < 0)
		return -1;
	ifs = if_nameindex();
	if (setns(own_netns, CLONE_NEWNET) < 0) {
		ngd_log(LOG_CRIT, "cannot return to ngd's namespace: %s",
		    strerror(errno));
		abort();
	}
	if (ifs == NULL)
		return -1;
	for (i = ifs; i->if_index != 0; i++)
		if (strcmp(i->if_name, "lo") != 0)
			n++;
	if_freenameindex(ifs);
	return n;
}

/* The pins of the parts in the graph's directory (ether/: ng_ether's
 * programs and maps), each part's directory with them. */
static void
ngd_fast_pin_unpin_parts(const struct ngd_fast_pin *pin)
{
	struct ngd_fast_pin *part;
	struct dirent *e;
	DIR *d;

	if (!ngd_fast_pin_bpffs(pin) || (d = opendir(pin->bpfdir)) == NULL)
		return;
	while ((e = readdir(d)) != NULL)
		if (e->d_type == DT_DIR && e->d_name[0] != '.' &&
		    (part = ngd_fast_pin_part(pin->cookie, e->d_name)) !=
			NULL) {
			ngd_fast_pin_unpin(part);
			ngd_fast_pin_free(part);
		}
	closedir(d);
}

/*
 * Data planes other graphs left with no pair in them: their namespace
 * died (a jail removed after its ngd was killed took the pairs with it),
 * so no ngd will take them back.  A live graph's has a pair at least
 * (its pins go with its last eiface) and is left alone.  The parts'
 * pins (ng_ether's) go too: their interfaces died with the namespace.
 */
void
ngd_fast_pin_sweep(uint64_t own_cookie, int own_netns)
{
	char path[PATH_MAX + 300];
	struct dirent *e;
	DIR *d;

	if ((d = opendir(ngd_fast_pin_base)) == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		unsigned long long cookie;
		struct ngd_fast_pin *pin;
		char *end;
		int fd;

		cookie = strtoull(e->d_name, &end, 10);
		if (e->d_name[0] < '1' || e->d_name[0] > '9' || *end != '\0' ||
		    cookie == own_cookie)
			continue;
		snprintf(path, sizeof(path), "%s/%s/dataplane",
		    ngd_fast_pin_base, e->d_name);
		if (access(path, F_OK) != 0 ||
		    (pin = ngd_fast_pin_new(cookie)) == NULL)
			continue;
		if ((fd = ngd_fast_pin_open(pin, false)) >= 0) {
			if (ngd_fast_pin_ndev(fd, own_netns) == 0) {
				ngd_log(LOG_NOTICE,
				    "data path: the data plane "
				    "of a graph that is gone (namespace %llu) "
				    "removed",
				    cookie);
				ngd_fast_pin_unpin_parts(pin);
				ngd_fast_pin_down(pin);
			}
			close(fd);
		}
		ngd_fast_pin_free(pin);
	}
	closedir(d);
}

/*
 * A graph whose namespace is gone (journal_gc.c removed its journal's
 * directory): its pins, its parts' (ether/) with them, unless its data
 * plane is still mounted (then ngd_fast_pin_sweep's, once it holds no
 * pair).  An ngd with ether nodes and no eiface has no data plane, and
 * nothing else removed its ether programs and maps.
 */
void
ngd_fast_pin_forget(uint64_t cookie)
{
	struct ngd_fast_pin *pin = ngd_fast_pin_new(cookie);
	struct stat st;

	if (pin == NULL)
		return;
	if (stat(pin->dpath, &st) != 0 && ngd_fast_pin_bpffs(pin) &&
	    stat(pin->bpfdir, &st) == 0) {
		ngd_fast_pin_unpin_parts(pin);
		ngd_fast_pin_unpin(pin);
	}
	ngd_fast_pin_free(pin);
}

void
ngd_fast_pin_free(struct ngd_fast_pin *pin)
{
	free(pin);
}
