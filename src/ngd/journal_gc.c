/*
 * journal_gc.c: the journal directories of namespaces that are gone are
 * removed (DESIGN decision 12).  A crashed ngd leaves <base>/<cookie>/ so
 * that the next ngd of that namespace finds its graph; once the namespace
 * itself is gone nobody ever will, and the cookie is never given again.
 * Each directory holds, besides the journal:
 *
 *   lock    every ngd holds a shared flock on its namespace's lock for
 *           as long as it runs (two ngds during a takeover)
 *   netns   "netns INO\npidns INO\n": the inode of the namespace (its
 *           /proc/PID/ns/net) and of the pid namespace of the ngd that
 *           made the directory
 *
 * At start, once it holds its own lock, ngd removes the directory of each
 * other namespace that is provably gone:
 *
 *   - its lock can be taken exclusively: no ngd serves that namespace
 *     (the lock is held until the directory is gone, and an ngd that
 *     starts meanwhile waits for it, then makes its directory anew);
 *   - ngd sees every process that could enter the namespace: the
 *     directory was made from ngd's own pid namespace, or ngd runs in
 *     the initial one;
 *   - no visible process (no thread) is in a network namespace of that
 *     inode or holds one open, and no mount in the mount namespace of
 *     any visible process binds one (ip netns, jails).  An inode can be
 *     reused by a new namespace: then the directory is kept (a wrong
 *     "alive" costs a directory, never a journal that is still needed).
 *
 * A namespace pinned only by a socket (with no process, descriptor or
 * mount left) is taken for gone: nothing can start an ngd in it.
 * Directories without a netns file (an older ngd's) are left alone.
 * Costs: one readdir of <base>; /proc is only read when some other
 * directory's lock is free, once, whatever the number of them.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include "ngd.h"

#define NGD_PID_INIT_INO 0xEFFFFFFCu /* the initial pid namespace's */

static unsigned long long
ngd_ns_ino(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 ? (unsigned long long)st.st_ino : 0;
}

/* Take the namespace's lock (shared) and say which namespace it is. */
int
ngd_journal_lock(struct ngd_journal *j)
{
	char lock[PATH_MAX + 64], info[PATH_MAX + 64], tmp[PATH_MAX + 72];
	char text[96];
	struct stat a, b;
	FILE *f;
	int fd = -1;

	j->lock_fd = -1;
	if (!j->enabled)
		return 0;
	snprintf(lock, sizeof(lock), "%s/lock", j->dir);
	for (int tries = 0; tries < 20; tries++) {
		if ((mkdir(j->base, 0700) < 0 && errno != EEXIST) ||
		    (mkdir(j->dir, 0700) < 0 && errno != EEXIST))
			return errno;
		fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW,
		    0600);
		if (fd < 0)
			return errno;
		/* A collector holding it exclusively is removing the
		 * directory: wait, then see whether the file is still the
		 * directory's. */
		while (flock(fd, LOCK_SH) < 0 && errno == EINTR)
			;
		if (fstat(fd, &a) == 0 && stat(lock, &b) == 0 &&
		    a.st_dev == b.st_dev && a.st_ino == b.st_ino)
			break;
		close(fd);
		fd = -1;
	}
	if (fd < 0)
		return EAGAIN;
	j->lock_fd = fd;
	snprintf(text, sizeof(text), "netns %llu\npidns %llu\n",
	    ngd_ns_ino("/proc/self/ns/net"), ngd_ns_ino("/proc/self/ns/pid"));
	snprintf(info, sizeof(info), "%s/netns", j->dir);
	snprintf(tmp, sizeof(tmp), "%s.tmp", info);
	if ((f = fopen(tmp, "we")) == NULL)
		return errno;
	fputs(text, f);
	if (fclose(f) != 0 || rename(tmp, info) < 0) {
		int error = errno;

		(void)unlink(tmp);
		return error;
	}
	return 0;
}

/* The inodes of every network namespace still reachable, sorted. */
struct ngd_inos {
	unsigned long long *v;
	size_t n, cap;
};

static void
ngd_inos_add(struct ngd_inos *s, unsigned long long ino)
{
	if (ino == 0)
		return;
	if (s->n == s->cap) {
		size_t cap = s->cap ? 2 * s->cap : 256;
		unsigned long long *v = realloc(s->v, cap * sizeof(*v));

		if (v == NULL)
			return;
		s->v = v;
		s->cap = cap;
	}
	s->v[s->n++] = ino;
}

static bool
ngd_inos_has(const struct ngd_inos *s, unsigned long long ino)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->v[i] == ino)
			return true;
	return false;
}

/* "net:[INO]" (a link under /proc, or a mountinfo root): INO, else 0. */
static unsigned long long
ngd_net_ref(const char *s)
{
	unsigned long long ino;

	return sscanf(s, "net:[%llu]", &ino) == 1 ? ino : 0;
}

static void
ngd_scan_links(struct ngd_inos *s, const char *dir)
{
	char path[PATH_MAX + 300], link[64];
	struct dirent *e;
	DIR *d;

	if ((d = opendir(dir)) == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		ssize_t n;

		if (!isdigit((unsigned char)e->d_name[0]))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		n = readlink(path, link, sizeof(link) - 1);
		if (n <= 0)
			continue;
		link[n] = '\0';
		ngd_inos_add(s, ngd_net_ref(link));
	}
	closedir(d);
}

static void
ngd_scan_mounts(struct ngd_inos *s, const char *pid)
{
	char path[300], *line = NULL;
	size_t cap = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%s/mountinfo", pid);
	if ((f = fopen(path, "re")) == NULL)
		return;
	while (getline(&line, &cap, f) > 0) {
		char root[64];

		/* ID PARENT MAJ:MIN ROOT MOUNTPOINT ...: ROOT is net:[INO] */
		if (sscanf(line, "%*s %*s %*s %63s", root) == 1)
			ngd_inos_add(s, ngd_net_ref(root));
	}
	free(line);
	fclose(f);
}

/* Every network namespace a visible process is in, holds or mounts. */
static void
ngd_scan_proc(struct ngd_inos *s)
{
	struct ngd_inos mnts = { 0 };
	char path[PATH_MAX], link[64];
	struct dirent *e;
	DIR *d;

	if ((d = opendir("/proc")) == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		ssize_t n;

		if (!isdigit((unsigned char)e->d_name[0]))
			continue;
		snprintf(path, sizeof(path), "/proc/%s/task", e->d_name);
		{
			struct dirent *t;
			DIR *td = opendir(path);

			while (td != NULL && (t = readdir(td)) != NULL) {
				char ns[PATH_MAX + 300];

				if (!isdigit((unsigned char)t->d_name[0]))
					continue;
				snprintf(ns, sizeof(ns), "%s/%s/ns/net", path,
				    t->d_name);
				ngd_inos_add(s, ngd_ns_ino(ns));
			}
			if (td != NULL)
				closedir(td);
		}
		snprintf(path, sizeof(path), "/proc/%s/fd", e->d_name);
		ngd_scan_links(s, path);
		/* Mounts: once per mount namespace. */
		snprintf(path, sizeof(path), "/proc/%s/ns/mnt", e->d_name);
		n = readlink(path, link, sizeof(link) - 1);
		if (n > 0) {
			unsigned long long m;

			link[n] = '\0';
			if (sscanf(link, "mnt:[%llu]", &m) == 1 &&
			    !ngd_inos_has(&mnts, m)) {
				ngd_inos_add(&mnts, m);
				ngd_scan_mounts(s, e->d_name);
			}
		}
	}
	closedir(d);
	free(mnts.v);
}

/* Everything in dir, then dir (only files are ever put there). */
static void
ngd_journal_rmdir(const char *dir)
{
	char path[PATH_MAX + 300];
	struct dirent *e;
	DIR *d = opendir(dir);

	while (d != NULL && (e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		(void)unlink(path);
	}
	if (d != NULL)
		closedir(d);
	(void)rmdir(dir);
}

/* A directory whose namespace may be gone: its lock held exclusively. */
struct ngd_gc_cand {
	char dir[PATH_MAX + 300];
	unsigned long long netns, cookie;
	int fd;
};

/* Remove the directories of namespaces that are provably gone. */
void
ngd_journal_gc(struct ngd_journal *j)
{
	unsigned long long mypidns = ngd_ns_ino("/proc/self/ns/pid");
	unsigned long long dp = ngd_fast_dataplane_ino();
	struct ngd_gc_cand *c = NULL;
	struct ngd_inos live = { 0 };
	size_t nc = 0;
	struct dirent *e;
	DIR *d;

	if (!j->enabled || (d = opendir(j->base)) == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		unsigned long long cookie, netns, pidns;
		char path[PATH_MAX + 300], *end;
		struct ngd_gc_cand *nc2;
		FILE *f;
		int fd;

		cookie = strtoull(e->d_name, &end, 10);
		if (!isdigit((unsigned char)e->d_name[0]) || *end != '\0' ||
		    cookie == j->cookie)
			continue;
		snprintf(path, sizeof(path), "%s/%s/netns", j->base, e->d_name);
		if ((f = fopen(path, "re")) == NULL)
			continue;
		if (fscanf(f, "netns %llu pidns %llu", &netns, &pidns) != 2)
			netns = 0;
		fclose(f);
		if (netns == 0 ||
		    (pidns != mypidns && mypidns != NGD_PID_INIT_INO))
			continue; /* not ours to judge */
		snprintf(path, sizeof(path), "%s/%s/lock", j->base, e->d_name);
		fd = open(path, O_RDWR | O_CLOEXEC | O_NOFOLLOW);
		if (fd < 0)
			continue;
		if (flock(fd, LOCK_EX | LOCK_NB) < 0 ||
		    (nc2 = realloc(c, (nc + 1) * sizeof(*c))) == NULL) {
			close(fd); /* an ngd serves it */
			continue;
		}
		c = nc2;
		snprintf(c[nc].dir, sizeof(c[nc].dir), "%s/%s", j->base,
		    e->d_name);
		c[nc].netns = netns;
		c[nc].cookie = cookie;
		c[nc++].fd = fd;
	}
	closedir(d);
	if (nc > 0)
		ngd_scan_proc(&live);
	for (size_t i = 0; i < nc; i++) {
		/* An inode our own data plane has now was freed by the
		 * namespace the directory names: that one is gone. */
		if (live.n > 0 &&
		    (c[i].netns == dp || !ngd_inos_has(&live, c[i].netns))) {
			ngd_journal_rmdir(c[i].dir);
			ngd_log(LOG_NOTICE,
			    "journal %s: its namespace is gone; "
			    "removed",
			    c[i].dir);
			ngd_fast_pin_forget(c[i].cookie); /* its pins */
		}
		close(c[i].fd);
	}
	free(live.v);
	free(c);
}

/* A clean stop: the directory goes, lock and all. */
void
ngd_journal_unlock(struct ngd_journal *j, bool remove)
{
	char path[PATH_MAX + 64];

	if (remove && j->lock_fd >= 0) {
		snprintf(path, sizeof(path), "%s/netns", j->dir);
		(void)unlink(path);
		snprintf(path, sizeof(path), "%s/lock", j->dir);
		(void)unlink(path);
	}
	if (j->lock_fd >= 0)
		close(j->lock_fd);
	j->lock_fd = -1;
}
