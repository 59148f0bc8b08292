/*
 * jail_state.c: the record of running jails, so that jail, jexec and
 * jls all see the same ones.  /run/jail/NAME/state holds a jail's jid,
 * its init and supervisor processes, where its interfaces came from and
 * its parameters; /run/jail/JID links to NAME.  /run/jail/.lock
 * (flock) serialises every change; /run/jail/.lastjid is the last jid
 * handed out.  /run/jail/NAME/public is what anyone may read, as any
 * user may list FreeBSD's jails (jail_get(2) asks no privilege): the
 * state without the interfaces and the pseudo-parameters (exec.*
 * commands may hold what only root should read), which jls does not
 * show; NAME/ itself is searched, not listed.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "jail.h"

#define LOCKFILE JAIL_RUNDIR "/.lock"
#define LASTJID JAIL_RUNDIR "/.lastjid"

/*
 * /run/jail holds what jail -r undoes (interfaces to move home,
 * processes to kill, cgroups and aliases to remove): trusted only as a
 * directory of ours (root's) that no one else may write, and the lock
 * in it a file of ours.  One another user made first is refused.
 */
static int
jail_rundir_ours(int lockfd)
{
	struct stat st, lk;

	if (lstat(JAIL_RUNDIR, &st) != 0)
		return errno;
	if (fstat(lockfd, &lk) != 0)
		return errno;
	if (!S_ISDIR(st.st_mode) || st.st_uid != geteuid() ||
	    (st.st_mode & 022) != 0 || !S_ISREG(lk.st_mode) ||
	    lk.st_uid != geteuid()) {
		jail_warnx(NULL,
		    "%s: not jail(8)'s own (%s of uid %u, mode %04o; its lock "
		    "of uid %u): its records cannot be trusted; remove it",
		    JAIL_RUNDIR, S_ISDIR(st.st_mode) ? "a directory" : "a file",
		    (unsigned)st.st_uid, (unsigned)(st.st_mode & 07777),
		    (unsigned)lk.st_uid);
		return EPERM;
	}
	/* an older jail(8)'s (0700): searched and listed by anyone now,
	 * for jls run by any user (the records anyone may read) */
	if ((st.st_mode & 0777) == 0700)
		(void)chmod(JAIL_RUNDIR, 0755);
	return 0;
}

int
jail_lock(int *fdp)
{
	int fd, error;

	/* the directory made only when missing: one call less a lock */
	if ((fd = open(LOCKFILE, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW,
		 0600)) < 0 &&
	    errno == ENOENT) {
		if (mkdir(JAIL_RUNDIR, 0755) != 0 && errno != EEXIST)
			return errno;
		fd = open(LOCKFILE, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW,
		    0600);
	}
	if (fd < 0)
		return errno;
	if ((error = jail_rundir_ours(fd)) != 0) {
		close(fd);
		return error;
	}
	while (flock(fd, LOCK_EX) != 0) {
		if (errno != EINTR) {
			error = errno;
			close(fd);
			return error;
		}
	}
	*fdp = fd;
	return 0;
}

/* The lock if it is free now: 0, EWOULDBLOCK, or another errno. */
int
jail_trylock(int *fdp)
{
	int fd, error;

	if ((fd = open(LOCKFILE, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW,
		 0600)) < 0)
		return errno;
	if ((error = jail_rundir_ours(fd)) != 0) {
		close(fd);
		return error;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		error = errno;
		close(fd);
		return error;
	}
	*fdp = fd;
	return 0;
}

void
jail_unlock(int fd)
{
	if (fd < 0)
		return;
	/* unlock explicitly: a forked child may still hold the descriptor */
	flock(fd, LOCK_UN);
	close(fd);
}

unsigned long long
jail_proc_start(pid_t pid)
{
	char path[64], buf[1024], *p;
	unsigned long long start = 0;
	ssize_t n;
	int fd, field;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	/* the command may hold blanks and parentheses: skip past the last ) */
	if ((p = strrchr(buf, ')')) == NULL)
		return 0;
	if (p[1] == ' ' && (p[2] == 'Z' || p[2] == 'X'))
		return 0; /* dead already */
	for (field = 2; field < 22 && p != NULL; field++)
		p = strchr(p + 1, ' ');
	if (p != NULL)
		start = strtoull(p + 1, NULL, 10);
	return start;
}

/* --- the state file ----------------------------------------------------- */

static void
jail_put_escaped(FILE *fp, const char *s)
{
	for (; *s != '\0'; s++) {
		if (*s == '\\')
			fputs("\\\\", fp);
		else if (*s == '\t')
			fputs("\\t", fp);
		else if (*s == '\n')
			fputs("\\n", fp);
		else
			fputc(*s, fp);
	}
}

/* Undo put_escaped in place, for one tab-separated field. */
static void
jail_unescape(char *s)
{
	char *d = s;

	for (; *s != '\0'; s++) {
		if (*s == '\\' && s[1] != '\0') {
			s++;
			*d++ = *s == 't' ? '\t' : *s == 'n' ? '\n' : *s;
		} else {
			*d++ = *s;
		}
	}
	*d = '\0';
}

/* The record as the state file holds it; public: as anyone may read it,
 * its kernel parameters only. */
static void
jail_rec_dump_as(FILE *fp, const struct jail_rec *r, bool public)
{
	fprintf(fp, "jid %d\n", r->jid);
	fprintf(fp, "init %d %llu\n", (int)r->init_pid, r->init_start);
	fprintf(fp, "super %d %llu\n", (int)r->super_pid, r->super_start);
	fprintf(fp, "home %llu %llu\n", r->home_dev, r->home_ino);
	fprintf(fp, "ownnet %d\n", r->own_net ? 1 : 0);
	for (size_t i = 0; i < r->nifaces && !public; i++)
		fprintf(fp, "iface %s %d%s sysid=%llu\n", r->ifaces[i].name,
		    r->ifaces[i].inner_index, r->ifaces[i].ng ? " ng" : "",
		    r->ifaces[i].sysid);
	for (size_t i = 0; i < r->params.n; i++) {
		const struct jail_param *p = &r->params.v[i];
		const struct jail_pdesc *pd;
		bool neg;

		if (public &&
		    ((pd = jail_pdesc(p->name, &neg)) == NULL || !pd->kernel))
			continue;
		fputs("param ", fp);
		jail_put_escaped(fp, p->name);
		for (size_t k = 0; k < p->vals.n; k++) {
			fputc('\t', fp);
			jail_put_escaped(fp, p->vals.v[k]);
		}
		fputc('\n', fp);
	}
}

void
jail_rec_dump(FILE *fp, const struct jail_rec *r)
{
	jail_rec_dump_as(fp, r, false);
}

/* dir/file, written whole to dir/file.new first; mode: its mode. */
static int
jail_rec_put(const char *dir, const char *file, mode_t mode,
    const struct jail_rec *r, bool public)
{
	char tmp[PATH_MAX], path[PATH_MAX];
	FILE *fp = NULL;
	int fd, error = 0;

	snprintf(tmp, sizeof(tmp), "%s/%s.new", dir, file);
	snprintf(path, sizeof(path), "%s/%s", dir, file);
	/* the directory made by the first write only (no mkdir a rewrite);
	 * searched by anyone, for the public record, listed by root */
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode)) <
		0 &&
	    errno == ENOENT) {
		if (mkdir(dir, 0711) != 0 && errno != EEXIST)
			return errno;
		fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	}
	/* whatever the umask: the public one is for everyone to read */
	if (fd < 0 || fchmod(fd, mode) != 0 || (fp = fdopen(fd, "w")) == NULL) {
		error = errno;
		if (fd >= 0)
			close(fd);
		unlink(tmp);
		return error;
	}
	jail_rec_dump_as(fp, r, public);
	if (fflush(fp) != 0 || ferror(fp))
		error = errno != 0 ? errno : EIO;
	if (fclose(fp) != 0 && error == 0)
		error = errno;
	if (error == 0 && rename(tmp, path) != 0)
		error = errno;
	if (error != 0)
		unlink(tmp);
	return error;
}

int
jail_rec_write(const struct jail_rec *r)
{
	char dir[PATH_MAX - 64], link[64];
	int error;

	snprintf(dir, sizeof(dir), "%s/%s", JAIL_RUNDIR, r->name);
	if ((error = jail_rec_put(dir, "state", 0600, r, false)) != 0 ||
	    (error = jail_rec_put(dir, "public", 0644, r, true)) != 0)
		return error;
	snprintf(link, sizeof(link), "%s/%d", JAIL_RUNDIR, r->jid);
	if (strcmp(r->name, link + strlen(JAIL_RUNDIR) + 1) != 0 &&
	    symlink(r->name, link) != 0 && errno != EEXIST)
		return errno;
	return 0;
}

static int
jail_parse_line(struct jail_rec *r, char *line)
{
	char *sp = strchr(line, ' '), *field, *next;
	struct jail_strv vals = { 0 };
	int error = 0, idx;

	if (sp == NULL)
		return 0;
	*sp++ = '\0';
	if (strcmp(line, "jid") == 0) {
		r->jid = atoi(sp);
	} else if (strcmp(line, "init") == 0) {
		int pid;

		if (sscanf(sp, "%d %llu", &pid, &r->init_start) == 2)
			r->init_pid = pid;
	} else if (strcmp(line, "super") == 0) {
		int pid;

		if (sscanf(sp, "%d %llu", &pid, &r->super_start) == 2)
			r->super_pid = pid;
	} else if (strcmp(line, "home") == 0) {
		(void)sscanf(sp, "%llu %llu", &r->home_dev, &r->home_ino);
	} else if (strcmp(line, "ownnet") == 0) {
		r->own_net = atoi(sp) != 0;
	} else if (strcmp(line, "iface") == 0) {
		char name[64], how[32];
		int at = 0, n;

		/* NAME INDEX [ng] [sysid=N] (an older jail(8): no sysid) */
		if (sscanf(sp, "%63s %d%n", name, &idx, &at) == 2 &&
		    (error = jail_rec_add_iface(r, name, idx)) == 0) {
			struct jail_iface *f = &r->ifaces[r->nifaces - 1];

			while (sscanf(sp + at, "%31s%n", how, &n) == 1) {
				at += n;
				if (strcmp(how, "ng") == 0)
					f->ng = true;
				else
					(void)sscanf(how, "sysid=%llu",
					    &f->sysid);
			}
		}
	} else if (strcmp(line, "param") == 0) {
		field = sp;
		next = strchr(field, '\t');
		if (next != NULL)
			*next++ = '\0';
		jail_unescape(field);
		while (next != NULL && error == 0) {
			char *v = next;

			if ((next = strchr(v, '\t')) != NULL)
				*next++ = '\0';
			jail_unescape(v);
			error = jail_strv_add(&vals, v);
		}
		if (error == 0)
			error = jail_params_set(&r->params, field,
			    (const char *const *)vals.v, vals.n, false);
		jail_strv_free(&vals);
	}
	return error;
}

/* Read the record of the jail named (or numbered) key. */
int
jail_rec_read(const char *key, struct jail_rec *r)
{
	char path[PATH_MAX], name[JAIL_NAMEMAX + 1];
	ssize_t len;
	FILE *fp;
	int error;

	memset(r, 0, sizeof(*r));
	if (*key == '\0' || *key == '.' || strchr(key, '/') != NULL)
		return ENOENT;
	snprintf(path, sizeof(path), "%s/%s", JAIL_RUNDIR, key);
	/* a jid leads to the name */
	if ((len = readlink(path, name, sizeof(name) - 1)) > 0) {
		name[len] = '\0';
		snprintf(path, sizeof(path), "%s/%s", JAIL_RUNDIR, name);
	} else {
		snprintf(name, sizeof(name), "%s", key);
	}
	len = (ssize_t)strlen(path);
	snprintf(path + len, sizeof(path) - (size_t)len, "/state");
	/* not root: what anyone may read (an older jail(8)'s: none) */
	if ((fp = fopen(path, "re")) == NULL && errno == EACCES) {
		snprintf(path + len, sizeof(path) - (size_t)len, "/public");
		if ((fp = fopen(path, "re")) == NULL && errno == ENOENT)
			errno = EACCES;
	}
	if (fp == NULL)
		return errno;
	error = jail_rec_load(fp, name, r);
	fclose(fp);
	return error;
}

/* A record as jail_rec_dump() wrote it, for the jail called name. */
int
jail_rec_load(FILE *fp, const char *name, struct jail_rec *r)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	int error = 0;

	memset(r, 0, sizeof(*r));
	snprintf(r->name, sizeof(r->name), "%s", name);
	while (error == 0 && (n = getline(&line, &cap, fp)) > 0) {
		if (line[n - 1] == '\n')
			line[n - 1] = '\0';
		error = jail_parse_line(r, line);
	}
	free(line);
	if (error != 0)
		jail_rec_free(r);
	return error;
}

void
jail_rec_free(struct jail_rec *r)
{
	jail_params_free(&r->params);
	free(r->ifaces);
	r->ifaces = NULL;
	r->nifaces = 0;
}

int
jail_rec_add_iface(struct jail_rec *r, const char *name, int idx)
{
	struct jail_iface *ni;

	ni = realloc(r->ifaces, (r->nifaces + 1) * sizeof(*ni));
	if (ni == NULL)
		return ENOMEM;
	r->ifaces = ni;
	snprintf(ni[r->nifaces].name, sizeof(ni[r->nifaces].name), "%s", name);
	ni[r->nifaces].ng = false;
	ni[r->nifaces].sysid = 0;
	ni[r->nifaces++].inner_index = idx;
	return 0;
}

int
jail_rec_remove(const struct jail_rec *r)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%d", JAIL_RUNDIR, r->jid);
	if (strcmp(r->name, path + strlen(JAIL_RUNDIR) + 1) != 0)
		unlink(path);
	snprintf(path, sizeof(path), "%s/%s/state", JAIL_RUNDIR, r->name);
	unlink(path);
	snprintf(path, sizeof(path), "%s/%s/state.new", JAIL_RUNDIR, r->name);
	unlink(path);
	snprintf(path, sizeof(path), "%s/%s/public", JAIL_RUNDIR, r->name);
	unlink(path);
	snprintf(path, sizeof(path), "%s/%s/public.new", JAIL_RUNDIR, r->name);
	unlink(path);
	snprintf(path, sizeof(path), "%s/%s", JAIL_RUNDIR, r->name);
	if (rmdir(path) != 0 && errno != ENOENT)
		return errno;
	return 0;
}

static int
jail_cmp_jid(const void *a, const void *b)
{
	const struct jail_rec *x = a, *y = b;

	return (x->jid > y->jid) - (x->jid < y->jid);
}

int
jail_rec_list(struct jail_rec **recsp, size_t *np)
{
	struct jail_rec *recs = NULL, *nr;
	struct dirent *de;
	size_t n = 0;
	int error = 0, e;
	DIR *d;

	*recsp = NULL;
	*np = 0;
	if ((d = opendir(JAIL_RUNDIR)) == NULL)
		return errno == ENOENT ? 0 : errno;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.' || de->d_type == DT_LNK)
			continue;
		if ((nr = realloc(recs, (n + 1) * sizeof(*nr))) == NULL)
			break;
		recs = nr;
		if ((e = jail_rec_read(de->d_name, &recs[n])) == 0)
			n++;
		else if (e == EACCES)
			error = EACCES;
	}
	closedir(d);
	if (n > 1)
		qsort(recs, n, sizeof(*recs), jail_cmp_jid);
	*recsp = recs;
	*np = n;
	return error;
}

void
jail_rec_list_free(struct jail_rec *recs, size_t n)
{
	for (size_t i = 0; i < n; i++)
		jail_rec_free(&recs[i]);
	free(recs);
}

/* With the lock held: the first jid after the last one handed out. */
int
jail_next_jid(int *jidp)
{
	char path[64];
	struct stat st;
	FILE *fp;
	int last = 0, jid;

	if ((fp = fopen(LASTJID, "re")) != NULL) {
		if (fscanf(fp, "%d", &last) != 1)
			last = 0;
		fclose(fp);
	}
	for (jid = last + 1;; jid++) {
		if (jid <= 0 || jid > 999999)
			jid = 1;
		snprintf(path, sizeof(path), "%s/%d", JAIL_RUNDIR, jid);
		if (lstat(path, &st) != 0)
			break;
		if (jid == last)
			return EAGAIN; /* every jid taken */
	}
	if ((fp = fopen(LASTJID, "we")) == NULL)
		return errno;
	fprintf(fp, "%d\n", jid);
	if (fclose(fp) != 0)
		return errno;
	*jidp = jid;
	return 0;
}

bool
jail_rec_alive(const struct jail_rec *r)
{
	return r->super_pid > 0 && r->init_pid > 0 &&
	    jail_proc_start(r->super_pid) == r->super_start &&
	    jail_proc_start(r->init_pid) == r->init_start;
}

/*
 * Dying, as jls -d shows: the jail's last process has gone but its
 * record is still there with its supervisor alive, which has yet to
 * tear it down (interfaces home, aliases, cgroup, then the record).
 * jls without -d shows it no more, but its interfaces are not home yet.
 */
bool
jail_rec_dying(const struct jail_rec *r)
{
	return !jail_rec_alive(r) && r->super_pid > 0 &&
	    jail_proc_start(r->super_pid) == r->super_start;
}
