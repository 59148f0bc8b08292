/*
 * jail_ops.c: what jail(8) does to one jail.  jail_op_create() walks
 * FreeBSD's create sequence (prepare, prestart, the jail itself,
 * created, vnet.interface, addresses, start, command, poststart) and
 * undoes it on failure; jail_op_remove() the stop sequence (prestop,
 * stop, SIGTERM and stop.timeout, removal, poststop, release);
 * jail_op_modify() what -m may change on a running jail.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netdb.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "jail.h"

#define JN(t) ((t)->named ? (t)->name : NULL)
#define JAIL_NO_CHILDREN                                                       \
	"prison limit exceeded (children.max: jails inside jails are not "     \
	"supported on Linux)"

int
jail_op_lookup(const char *key, struct jail_rec *r)
{
	int error;

	/* A record only root may read is a jail all the same. */
	if ((error = jail_rec_read(key, r)) != 0)
		return error == EACCES ? EPERM : ENOENT;
	/* anyone may see it (its public record), only root act on it */
	if (geteuid() != 0) {
		jail_rec_free(r);
		return EPERM;
	}
	if (jail_rec_alive(r))
		return 0;
	/* dead, or its supervisor is: finish it off so the name is free */
	(void)jail_ns_destroy(r);
	jail_rec_free(r);
	return ENOENT;
}

#define UNKNOWN_PARAM "unknown parameter: "

/* The messages; an unknown parameter of a config jail with file:line. */
static void
jail_print_diag(const struct jail_target *t, struct jail_diag *d)
{
	char where[PATH_MAX + 32];
	size_t n = strlen(UNKNOWN_PARAM);
	bool shown;

	for (size_t i = 0; i < d->n; i++) {
		const char *m = d->msgs[i];

		if (t->conf != NULL && strncmp(m, UNKNOWN_PARAM, n) == 0 &&
		    jail_conf_where(t->conf, t->conf_index, m + n, where,
			sizeof(where), &shown)) {
			if (shown)
				jail_warnx(JN(t), "%s: %s", where, m);
			else
				jail_warnx(JN(t), "%s: unknown parameter",
				    where);
		} else {
			jail_warnx(JN(t), "%s", m);
		}
	}
	jail_diag_free(d);
}

/*
 * A mount.fstab in the jail's own tree is the jail's to edit, and
 * jail(8) reads it as the host's root at every start (FreeBSD's does
 * the same): jailed root could have the next start mount the host's /
 * into its tree.  Said, as FreeBSD's behaviour is kept: it is mounted.
 */
static void
jail_warn_fstab(const struct jail_target *t)
{
	const struct jail_param *p = jail_params_find(&t->ps, "mount.fstab");
	const char *path = jail_pstr(&t->ps, "path");
	char root[PATH_MAX], file[PATH_MAX];
	size_t n;

	if (p == NULL || path == NULL || realpath(path, root) == NULL ||
	    strcmp(root, "/") == 0)
		return; /* the host's own tree: the jail has it all anyway */
	n = strlen(root);
	for (size_t i = 0; i < p->vals.n; i++)
		if (realpath(p->vals.v[i], file) != NULL &&
		    strncmp(file, root, n) == 0 && file[n] == '/')
			jail_warnx(JN(t),
			    "mount.fstab %s is inside the jail's path, for "
			    "jailed root to edit: what it says is mounted "
			    "with the host's privileges at every start",
			    p->vals.v[i]);
}

/* Parameters are valid and known; the ones Linux ignores are named. */
static int
jail_check_params(const struct jail_target *t)
{
	struct jail_diag d = { 0 };
	struct jail_strv warns = { 0 };
	int error;

	error = jail_params_check(&t->ps, &d, &warns);
	jail_print_diag(t, &d);
	for (size_t i = 0; i < warns.n; i++) {
		if (jail_pname_equal(warns.v[i], "allow.dying"))
			jail_warnx(JN(t),
			    "the 'allow.dying' parameter and "
			    "'-d' flag are deprecated and have no "
			    "effect.");
		else
			jail_warnx(JN(t), "%s: has no effect on Linux",
			    warns.v[i]);
	}
	jail_strv_free(&warns);
	if (error == 0 && jail_mount_allowed(&t->ps))
		jail_warnx(JN(t),
		    "allow.mount: the jail's root keeps "
		    "CAP_SYS_ADMIN, which Linux does not confine "
		    "to the jail");
	if (error == 0)
		jail_warn_fstab(t);
	return error;
}

/* ip_hostname: the addresses host.hostname resolves to, appended. */
static int
jail_add_hostname_addrs(struct jail_target *t)
{
	const char *host = jail_pstr(&t->ps, "host.hostname");
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *ai0, *ai;
	char buf[INET6_ADDRSTRLEN];
	int r;

	if (host == NULL || !jail_pbool(&t->ps, "ip_hostname", false))
		return 0;
	if ((r = getaddrinfo(host, NULL, &hints, &ai0)) != 0) {
		jail_warnx(JN(t), "host.hostname %s: %s", host,
		    gai_strerror(r));
		return EINVAL;
	}
	for (ai = ai0; ai != NULL; ai = ai->ai_next) {
		const void *a = ai->ai_family == AF_INET ?
		    (const void *)&((struct sockaddr_in *)ai->ai_addr)
			->sin_addr :
		    (const void *)&((struct sockaddr_in6 *)ai->ai_addr)
			->sin6_addr;
		const char *v = buf;

		if (inet_ntop(ai->ai_family, a, buf, sizeof(buf)) == NULL)
			continue;
		jail_params_set(&t->ps,
		    ai->ai_family == AF_INET ? "ip4.addr" : "ip6.addr", &v, 1,
		    true);
	}
	freeaddrinfo(ai0);
	return 0;
}

static bool
jail_has_addrs(const struct jail_params *ps)
{
	static const char *const fam[] = { "ip4.addr", "ip6.addr" };

	for (int f = 0; f < 2; f++) {
		struct jail_param *p = jail_params_find(ps, fam[f]);

		for (size_t i = 0; p != NULL && i < p->vals.n; i++)
			if (p->vals.v[i][0] != '\0' &&
			    strcmp(p->vals.v[i], "-") != 0)
				return true;
	}
	return false;
}

/*
 * Control characters in a name: a newline shows up as two entries in
 * `ip netns list' and forges lines in every listing.
 */
static bool
jail_name_unprintable(const char *name)
{
	for (const unsigned char *p = (const unsigned char *)name; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			return true;
	return false;
}

/* Checks FreeBSD's kernel makes at jail_set(), and ours for Linux. */
static int
jail_check_create(struct jail_target *t, int *jidp)
{
	const char *name = jail_pstr(&t->ps, "name"), *jid, *path;
	bool vnet = jail_psys(&t->ps, "vnet", 2) == 1;
	struct jail_param *p;
	char real[PATH_MAX], buf[32];
	struct stat st;
	int error;

	*jidp = 0;
	if ((jid = jail_pstr(&t->ps, "jid")) != NULL) {
		*jidp = atoi(jid);
		if (*jidp < 0) {
			jail_warnx(JN(t), "negative jid");
			return EINVAL;
		}
	}
	if (name != NULL && jail_is_number(name)) {
		/* (0 is no jid: FreeBSD's jail 0 is the host) */
		snprintf(buf, sizeof(buf), "%d", atoi(name));
		if (strcmp(buf, name) != 0 || atoi(name) == 0 ||
		    (*jidp != 0 && *jidp != atoi(name))) {
			jail_warnx(JN(t),
			    "name cannot be numeric (unless it is the jid)");
			return EINVAL;
		}
		*jidp = atoi(name);
	}
	if (name != NULL && jail_name_unprintable(name)) {
		/* not echoed: a newline would forge a second message */
		jail_warnx(NULL, "name: control characters are not allowed");
		return EINVAL;
	}
	if (name != NULL && *name == '-') {
		jail_warnx(JN(t),
		    "invalid jail name \"%s\": it cannot start "
		    "with '-'",
		    name);
		return EINVAL;
	}
	if (name != NULL &&
	    (*name == '\0' || *name == '.' || strchr(name, '/') != NULL ||
		strlen(name) > JAIL_NAMEMAX)) {
		jail_warnx(JN(t), "invalid jail name \"%s\"", name);
		return EINVAL;
	}
	if (name != NULL && strchr(name, '.') != NULL) {
		char parent[JAIL_NAMEMAX + 1];
		struct jail_rec pr;

		snprintf(parent, sizeof(parent), "%.*s",
		    (int)(strrchr(name, '.') - name), name);
		if (jail_op_lookup(parent, &pr) != 0) {
			jail_warnx(JN(t), "jail \"%s\" not found", parent);
			return EINVAL;
		}
		jail_warnx(JN(t), "%s",
		    jail_pint(&pr.params, "children.max", 0) == 0 ?
			"prison limit exceeded" :
			JAIL_NO_CHILDREN);
		jail_rec_free(&pr);
		return EINVAL;
	}
	if (jail_psys(&t->ps, "vnet", 2) == 0) {
		jail_warnx(JN(t), "vnet: invalid value \"disable\"");
		return EINVAL;
	}
	if (jail_add_hostname_addrs(t) != 0)
		return EINVAL;
	/* on the host's stack (jail_want_net), after ip_hostname's addresses */
	if (!jail_want_net(&t->ps) && !jail_scope_supported())
		jail_warnx(JN(t),
		    "this kernel has no Landlock scopes (Linux 6.12): "
		    "the jail reaches the host's abstract unix sockets");
	if (jail_has_addrs(&t->ps)) {
		static const char *const fam[] = { "ip4.addr", "ip6.addr" };
		const char *dflt = jail_pstr(&t->ps, "interface");

		/* non-vnet: an IP-alias jail (jail_ipalias.c) */
		if (!vnet && jail_ipalias_check(&t->ps, JN(t)) != 0)
			return EINVAL;
		for (int f = 0; vnet && f < 2; f++) {
			struct jail_addr a;

			p = jail_params_find(&t->ps, fam[f]);
			for (size_t i = 0; p != NULL && i < p->vals.n; i++) {
				if (p->vals.v[i][0] == '\0' ||
				    strcmp(p->vals.v[i], "-") == 0)
					continue;
				if (jail_addr_parse(p->vals.v[i],
					f == 0 ? AF_INET : AF_INET6, &a) == 0 &&
				    a.iface[0] == '\0' && dflt == NULL) {
					jail_warnx(JN(t),
					    "vnet jails cannot have IP address "
					    "restrictions");
					return EINVAL;
				}
			}
		}
	}
	if (!vnet && jail_params_find(&t->ps, "vnet.interface") != NULL) {
		jail_warnx(JN(t), "vnet.interface: the jail has no vnet");
		return EINVAL;
	}
	if (!jail_pbool(&t->ps, "persist", false) &&
	    jail_params_find(&t->ps, "exec.start") == NULL &&
	    jail_params_find(&t->ps, "command") == NULL &&
	    jail_params_find(&t->ps, "exec.poststart") == NULL) {
		jail_warnx(JN(t), "new jail must persist or attach");
		return EINVAL;
	}
	if ((path = jail_pstr(&t->ps, "path")) != NULL) {
		if (t->named && path[0] != '/') {
			jail_warnx(JN(t), "path %s: not an absolute pathname",
			    path);
			return EINVAL;
		}
		error = stat(path, &st) != 0 ? errno :
		    !S_ISDIR(st.st_mode)     ? ENOTDIR :
					       0;
		if (error != 0) {
			jail_warnx(JN(t), "path %s: %s", path, strerror(error));
			return EINVAL;
		}
		if (realpath(path, real) != NULL && strcmp(real, path) != 0)
			jail_params_set1(&t->ps, "path", real);
	}
	return 0;
}

static void
jail_verbose_create(const struct jail_target *t)
{
	const struct jail_pdesc *pd;

	printf("%s%sjail_set(JAIL_CREATE)", t->named ? t->name : "",
	    t->named ? ": " : "");
	for (size_t i = 0; i < t->ps.n; i++) {
		const struct jail_param *p = &t->ps.v[i];

		if ((pd = jail_pdesc(p->name, NULL)) == NULL || !pd->kernel)
			continue;
		printf(" %s", p->name);
		for (size_t k = 0; k < p->vals.n; k++) {
			putchar(k == 0 ? '=' : ',');
			jail_quote(stdout, p->vals.v[k], true);
		}
	}
	putchar('\n');
}

/*
 * The lock of one name while a jail of that name is made (jail -p): the
 * name is checked and the record written under the lock on /run/jail,
 * but the namespaces and the supervisor are made between the two,
 * outside it, so that jails of other names are made meanwhile.  Taken
 * before the lock on /run/jail, never while holding it.  -1: none.
 */
static int
jail_name_lock(const char *name)
{
	char path[PATH_MAX];
	struct stat a, b;
	int fd;

	snprintf(path, sizeof(path), "%s/.make.%s", JAIL_RUNDIR, name);
	for (;;) {
		if ((fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600)) < 0 &&
		    errno == ENOENT) {
			if (mkdir(JAIL_RUNDIR, 0755) != 0 && errno != EEXIST)
				return -1;
			fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
		}
		if (fd < 0)
			return -1;
		while (flock(fd, LOCK_EX) != 0)
			if (errno != EINTR) {
				close(fd);
				return -1;
			}
		/* the file we locked, not one its last holder removed */
		if (fstat(fd, &a) == 0 && stat(path, &b) == 0 &&
		    a.st_dev == b.st_dev && a.st_ino == b.st_ino)
			return fd;
		close(fd);
	}
}

static void
jail_name_unlock(const char *name, int fd)
{
	char path[PATH_MAX];

	if (fd < 0)
		return;
	snprintf(path, sizeof(path), "%s/.make.%s", JAIL_RUNDIR, name);
	unlink(path);
	close(fd);
}

/* The jail itself: a record, namespaces, a supervisor. */
static int
jail_make_jail(struct jail_target *t, int jid, struct jail_rec *r)
{
	const char *name = jail_pstr(&t->ps, "name");
	char err[512], path[64];
	struct stat st;
	struct jail_rec old;
	int lock, nlock = -1, error;

	memset(r, 0, sizeof(*r));
	r->named = t->named;
	/*
	 * A named vnet jail with a jid handed out: only its name needs
	 * guarding while it is made (an IP-alias jail's addresses and a
	 * jid asked for are checked and taken under the one lock).
	 */
	if (name != NULL && jid == 0 && jail_psys(&t->ps, "vnet", 2) == 1 &&
	    !jail_ipalias(&t->ps))
		nlock = jail_name_lock(name);
	if ((error = jail_lock(&lock)) != 0) {
		jail_name_unlock(name, nlock);
		/*
		 * Not root: FreeBSD's kernel refuses jail_set(2).  "/run/jail:
		 * Permission denied" sent users to that directory's mode.
		 */
		if (error == EACCES && geteuid() != 0) {
			jail_warnx(JN(t), "jail_set: %s", strerror(EPERM));
			return EPERM;
		}
		jail_warnx(JN(t), "%s: %s", JAIL_RUNDIR, strerror(error));
		return error;
	}
	if (jid != 0) {
		snprintf(path, sizeof(path), "%s/%d", JAIL_RUNDIR, jid);
		if (lstat(path, &st) == 0) {
			jail_unlock(lock);
			jail_name_unlock(name, nlock);
			jail_warnx(JN(t), "jail %d already exists", jid);
			return EEXIST;
		}
	} else if ((error = jail_next_jid(&jid)) != 0) {
		jail_unlock(lock);
		jail_name_unlock(name, nlock);
		jail_warnx(JN(t), "prison limit exceeded");
		return error;
	}
	r->jid = jid;
	if (name == NULL)
		snprintf(r->name, sizeof(r->name), "%d", jid);
	else
		snprintf(r->name, sizeof(r->name), "%s", name);
	if (jail_rec_read(r->name, &old) == 0) {
		jail_rec_free(&old);
		jail_unlock(lock);
		jail_name_unlock(name, nlock);
		jail_warnx(JN(t), "jail \"%s\" already exists", r->name);
		return EEXIST;
	}
	if ((error = jail_params_copy(&r->params, &t->ps)) != 0)
		goto out;
	snprintf(path, sizeof(path), "%d", jid);
	jail_params_set1(&r->params, "jid", path);
	jail_params_set1(&r->params, "name", r->name);
	/* an IP-alias jail's cgroup is ready before its init starts */
	if ((error = jail_ipalias_create(r, err, sizeof(err))) != 0) {
		jail_warnx(JN(t), "%s", err);
		goto out;
	}
	if (nlock >= 0) { /* others' jails are made meanwhile */
		jail_unlock(lock);
		lock = -1;
	}
	if ((error = jail_ns_create(r, err, sizeof(err))) != 0) {
		jail_warnx(JN(t), "%s", err);
		jail_ipalias_destroy(r);
		goto out;
	}
	if (lock < 0 && (error = jail_lock(&lock)) != 0)
		jail_warnx(JN(t), "%s: %s", JAIL_RUNDIR, strerror(error));
	else if ((error = jail_rec_write(r)) != 0)
		jail_warnx(JN(t), "%s/%s: %s", JAIL_RUNDIR, r->name,
		    strerror(error));
	if (error != 0) {
		jail_unlock(lock);
		(void)jail_ns_destroy(r);
		jail_ipalias_destroy(r);
		jail_name_unlock(name, nlock);
		jail_rec_free(r);
		return error;
	}
out:
	jail_unlock(lock);
	jail_name_unlock(name, nlock);
	if (error != 0)
		jail_rec_free(r);
	return error;
}

static int
jail_open_netns(const struct jail_rec *r, int *fdp)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", JAIL_NETNSDIR, r->name);
	if ((*fdp = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return errno;
	return 0;
}

/*
 * The jail's network namespace while it is made: its descriptor and a
 * route netlink socket opened inside it, once, for every step that
 * needs them (interfaces moved in, addresses, the check after
 * exec.start), rather than once a step.  A socket belongs to the
 * namespace it was opened in, so it serves this jail only.
 */
struct jail_net {
	int fd;             /* /run/netns/<name>, or -1 */
	struct jail_nl *nl; /* a socket inside, or NULL */
	int sys;            /* its links' directory (jail_sys_open), or -1 */
	uint64_t found;     /* record's ifaces[i] whose index inside we saw */
};

#define JAIL_NET_INIT                                                          \
	{                                                                      \
		.fd = -1, .nl = NULL, .sys = -1, .found = 0                    \
	}

/* sys: the links' directory too (jail_sys_open), opened with the
 * socket when that is new (one visit to the namespace). */
static int
jail_net_get_sys(const struct jail_rec *r, struct jail_net *n, bool sys)
{
	int error;

	if (n->fd < 0 && (error = jail_open_netns(r, &n->fd)) != 0)
		return error;
	if (n->nl == NULL &&
	    (error = jail_nl_open_sys(n->fd, &n->nl,
		 sys && n->sys < 0 ? &n->sys : NULL)) != 0)
		return error;
	if (sys && n->sys < 0 && (error = jail_sys_open(n->fd, &n->sys)) != 0)
		return error;
	return 0;
}

static int
jail_net_get(const struct jail_rec *r, struct jail_net *n)
{
	return jail_net_get_sys(r, n, false);
}

static void
jail_net_close(struct jail_net *n)
{
	jail_nl_close(n->nl);
	n->nl = NULL;
	if (n->sys >= 0)
		close(n->sys);
	n->sys = -1;
	if (n->fd >= 0)
		close(n->fd);
	n->fd = -1;
}

/*
 * An interface moved in for a jail that was removed meanwhile, or whose
 * record cannot be written: sent back, as the removal would have; ngd's
 * through ngd.
 */
static void
jail_iface_back(const char *ifn, bool ng, struct jail_nl *inl, int inner)
{
	int home;

	if (ng) {
		(void)jail_ng_vnet(ifn, "");
		return;
	}
	(void)jail_nl_index(inl, ifn, &inner);
	if ((home = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC)) >= 0) {
		(void)jail_nl_move(inl, inner, home, NULL);
		close(home);
	}
}

/* Is r's record still there (under the lock)?  0, or ESRCH: the jail
 * was removed (and torn down) since it was made. */
static int
jail_rec_still(const struct jail_rec *r)
{
	struct jail_rec now;
	int error;

	if (jail_rec_read(r->name, &now) != 0)
		return ESRCH;
	error = now.jid == r->jid ? 0 : ESRCH;
	jail_rec_free(&now);
	return error;
}

/*
 * vnet.interface: each moves in under its name and is recorded, under
 * the lock, so removal can send it home.  The lock is let go between
 * the record's first write (jail_make_jail) and each interface, and a
 * jail -r may tear the jail down meanwhile, not knowing of the
 * interface: the record is written only if it is still there (else it
 * was written anew for a jail gone), and the interface goes back.
 */
static int
jail_move_ifaces(struct jail_target *t, struct jail_rec *r,
    struct jail_net *net)
{
	struct jail_param *p = jail_params_find(&t->ps, "vnet.interface");
	struct jail_nl *nl = NULL, *inl;
	int netfd, lock, error = 0, idx, inner;

	if (p == NULL || p->vals.n == 0)
		return 0;
	if ((error = jail_net_get_sys(r, net, true)) != 0 ||
	    (error = jail_nl_open(-1, &nl)) != 0) {
		jail_warnx(JN(t), "vnet.interface: %s", strerror(error));
		goto out;
	}
	netfd = net->fd;
	inl = net->nl;
	for (size_t i = 0; i < p->vals.n && error == 0; i++) {
		const char *ifn = p->vals.v[i];

		bool ng;
		int ngerr = ENOENT;

		if ((error = jail_lock(&lock)) != 0)
			break;
		/*
		 * Not here: it may be one of ngd's on its way home from a
		 * jail just removed (jail -r returns before ngd brings them
		 * home), and ngd answers only once it is; so ask ngd once.
		 */
		if ((error = jail_nl_index(nl, ifn, &idx)) == ENODEV &&
		    jail_ng_barrier() == 0)
			error = jail_nl_index(nl, ifn, &idx);
		/* ngd's own interfaces: made anew inside, no grace period */
		if (error == 0)
			ngerr = jail_ng_vnet(ifn, r->name);
		ng = error == 0 && ngerr == 0;
		if (error == 0 && !ng) {
			/*
			 * Unanswered in time (NGD_TIMEOUT), ngd may still place
			 * it, at any moment: its new interface made inside,
			 * then the old one at home renamed ngret<n> and soon
			 * deleted.  So moved by name, not by the index read
			 * above, which may be that retired one's or nobody's;
			 * and when the name has left home or is taken inside
			 * by the time we move, ngd's new interface holds it
			 * inside: the jail is made with that.  Not asked of ngd
			 * or refused by it, a name taken inside is another
			 * interface's (one exec.created made): "File exists",
			 * as FreeBSD's move fails.
			 */
			if (ngerr == ETIMEDOUT)
				jail_test_vnet_late(false);
			error = ngerr == ETIMEDOUT ?
			    jail_nl_move(nl, 0, netfd, ifn) :
			    jail_nl_move(nl, idx, netfd, NULL);
			if (ngerr == ETIMEDOUT &&
			    (error == EEXIST || error == ENODEV) &&
			    jail_nl_index(inl, ifn, &inner) == 0) {
				ng = true;
				error = 0;
			}
		}
		if (error == 0) {
			bool seen = jail_nl_index(inl, ifn, &inner) == 0;
			size_t had = r->nifaces;
			unsigned long long id = 0;

			if (!seen)
				inner = idx;
			/*
			 * What removal sends home is this device, known by
			 * what the jail cannot give another (jail_sys_id):
			 * not whatever has its name or index then.
			 */
			if ((error = jail_sys_id(net->sys, inner, &id)) == 0 &&
			    (error = jail_rec_still(r)) == 0 &&
			    jail_rec_add_iface(r, ifn, inner) == 0) {
				r->ifaces[r->nifaces - 1].ng = ng;
				r->ifaces[r->nifaces - 1].sysid = id;
				if (seen && r->nifaces <= 64)
					net->found |= 1ULL << (r->nifaces - 1);
			}
			if (error == 0)
				error = jail_rec_write(r);
			if (error != 0) { /* not recorded: not the jail's */
				r->nifaces = had;
				jail_iface_back(ifn, ng, inl, inner);
			}
		}
		jail_unlock(lock);
		if (error != 0) {
			/*
			 * The cause as ip(8) would say it, then jail(8)'s own
			 * "<command>: failed" that scripts match (case 52).
			 */
			jail_warnx(JN(t), "vnet.interface %s: %s", ifn,
			    error == ESRCH ? "the jail was removed meanwhile" :
					     strerror(error));
			jail_warnx(JN(t), "ip link set %s netns %s: failed",
			    ifn, r->name);
		}
	}
out:
	jail_nl_close(nl);
	return error;
}

/*
 * Are the interfaces moved in still there?  A TAP whose daemon died
 * (ngd killed during exec.start) vanishes with it, and a jail without
 * its interface must not come up as if all went well.
 */
static int
jail_check_ifaces(struct jail_target *t, struct jail_rec *r,
    struct jail_net *net)
{
	int error = 0;

	if (r->nifaces == 0)
		return 0;
	if ((error = jail_net_get(r, net)) != 0) {
		jail_warnx(JN(t), "vnet.interface: %s", strerror(error));
		return error;
	}
	for (size_t i = 0; i < r->nifaces && error == 0; i++) {
		error = jail_nl_link(net->nl, r->ifaces[i].inner_index);
		if (error == ENODEV)
			jail_warnx(JN(t),
			    "vnet.interface %s: gone from the jail (its "
			    "device was destroyed)",
			    r->ifaces[i].name);
		else if (error != 0)
			jail_warnx(JN(t), "vnet.interface %s: %s",
			    r->ifaces[i].name, strerror(error));
	}
	return error;
}

/*
 * The index inside of an interface just moved in (the name it keeps
 * there), as jail_move_ifaces() saw it there: no request to ask again.
 */
static bool
jail_moved_index(const struct jail_rec *r, const struct jail_net *net,
    const char *name, int *idxp)
{
	for (size_t i = 0; i < r->nifaces && i < 64; i++)
		if ((net->found & (1ULL << i)) != 0 &&
		    strcmp(r->ifaces[i].name, name) == 0) {
			*idxp = r->ifaces[i].inner_index;
			return true;
		}
	return false;
}

/* ip4.addr / ip6.addr of a vnet jail: set inside, interfaces up. */
static int
jail_add_addrs(struct jail_target *t, struct jail_rec *r, struct jail_net *net)
{
	static const char *const fam[] = { "ip4.addr", "ip6.addr" };
	const char *dflt = jail_pstr(&t->ps, "interface");
	struct jail_addr a;
	struct jail_nl *nl;
	int error = 0, idx;

	if (!jail_has_addrs(&t->ps) || jail_ipalias(&t->ps))
		return 0; /* an IP-alias jail's are on the host already */
	if ((error = jail_net_get(r, net)) != 0) {
		jail_warnx(JN(t), "ip4.addr: %s", strerror(error));
		return error;
	}
	nl = net->nl;
	for (int f = 0; f < 2 && error == 0; f++) {
		struct jail_param *p = jail_params_find(&t->ps, fam[f]);

		for (size_t i = 0; p != NULL && i < p->vals.n && error == 0;
		     i++) {
			const char *v = p->vals.v[i];

			if (*v == '\0' || strcmp(v, "-") == 0)
				continue;
			error = jail_addr_parse(v, f == 0 ? AF_INET : AF_INET6,
			    &a);
			if (error == 0 && a.iface[0] == '\0')
				snprintf(a.iface, sizeof(a.iface), "%s", dflt);
			if (error == 0 &&
			    !jail_moved_index(r, net, a.iface, &idx))
				error = jail_nl_index(nl, a.iface, &idx);
			if (error == 0)
				error = jail_nl_up(nl, idx);
			if (error == 0)
				error = jail_nl_addr(nl, idx, &a);
			if (error != 0)
				jail_warnx(JN(t), "%s: %s: %s", fam[f], v,
				    strerror(error));
		}
	}
	return error;
}

static void
jail_note(const struct jail_opts *o, const struct jail_target *t,
    const char *what)
{
	if (o->quiet)
		return;
	if (t->named)
		printf("%s: %s\n", t->name, what);
	else if (o->verbose)
		printf("%s\n", what);
	fflush(stdout);
}

/*
 * -J: the file opened once, before any jail is made (FreeBSD's jail(8)
 * does), so that it holds a line for each, written whole (O_APPEND: the
 * -p workers share it); one that cannot be opened makes no jail.
 */
int
jail_open_jidfile(struct jail_opts *o)
{
	if (o->jidfile == NULL || o->jidfd >= 0)
		return 0;
	o->jidfd = open(o->jidfile,
	    O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0666);
	if (o->jidfd < 0) {
		jail_warnx(NULL, "open %s: %s", o->jidfile, strerror(errno));
		return errno;
	}
	return 0;
}

static int
jail_write_jidfile(const struct jail_opts *o, const struct jail_target *t,
    const struct jail_rec *r)
{
	char *line = NULL;
	size_t len = 0;
	ssize_t n;
	FILE *fp;

	if (o->jidfile == NULL || o->jidfd < 0)
		return 0;
	if ((fp = open_memstream(&line, &len)) == NULL)
		return errno;
	if (o->oldstyle) {
		struct jail_param *ip4 = jail_params_find(&t->ps, "ip4.addr");
		struct jail_param *ip6 = jail_params_find(&t->ps, "ip6.addr");
		struct jail_param *cmd = jail_params_find(&t->ps, "command");
		char *s4 = ip4 != NULL ? jail_pjoin(ip4) : NULL;
		char *s6 = ip6 != NULL ? jail_pjoin(ip6) : NULL;

		fprintf(fp, "%d\t%s\t%s\t%s%s%s\t", r->jid,
		    jail_pstr(&t->ps, "path"),
		    jail_pstr(&t->ps, "host.hostname"), s4 != NULL ? s4 : "",
		    s4 != NULL && s6 != NULL && *s4 && *s6 ? "," : "",
		    s6 != NULL ? s6 : "");
		for (size_t i = 0; cmd != NULL && i < cmd->vals.n; i++)
			fprintf(fp, "%s%s", i > 0 ? " " : "", cmd->vals.v[i]);
		fputc('\n', fp);
		free(s4);
		free(s6);
	} else {
		fprintf(fp, "jid=%d\t", r->jid);
		jail_params_print(fp, &t->ps, "\t");
	}
	if (fclose(fp) != 0) {
		free(line);
		return ENOMEM;
	}
	n = write(o->jidfd, line, len);
	free(line);
	if (n != (ssize_t)len) {
		jail_warnx(NULL, "write %s: %s", o->jidfile,
		    n < 0 ? strerror(errno) : "short write");
		return EIO;
	}
	return 0;
}

int
jail_op_create(const struct jail_opts *o, struct jail_target *t)
{
	struct jail_run ctx = { .ps = &t->ps,
		.jname = JN(t),
		.verbose = o->verbose };
	struct jail_net net = JAIL_NET_INIT;
	struct jail_rec r, old;
	struct jail_param *cmd;
	const char *key;
	int jid, error;

	if (jail_inside()) {
		/*
		 * Making namespaces takes CAP_SYS_ADMIN, which jailed root
		 * has not (jail(8), "Jailed root"): say why before trying.
		 */
		jail_warnx(JN(t), JAIL_NO_CHILDREN);
		return EPERM;
	}
	if (t->failed || jail_check_params(t) != 0 ||
	    jail_check_create(t, &jid) != 0)
		return EINVAL;
	key = jail_pstr(&t->ps, "name");
	if (key == NULL)
		key = jail_pstr(&t->ps, "jid");
	if (key != NULL && jail_op_lookup(key, &old) == 0) {
		jail_rec_free(&old);
		if (t->wild)
			return 0;
		jail_warnx(NULL, "\"%s\" already exists", key);
		return EEXIST;
	}
	if ((error = jail_run_list(&ctx, "exec.prepare", false)) != 0 ||
	    (error = jail_run_list(&ctx, "exec.prestart", false)) != 0)
		return error;
	if (o->verbose)
		jail_verbose_create(t);
	if ((error = jail_make_jail(t, jid, &r)) != 0)
		return error;
	if (o->print_jid) {
		printf("%d\n", r.jid);
		fflush(stdout);
	}
	jail_note(o, t, "created");
	ctx.rec = &r;
	error = jail_run_list(&ctx, "exec.created", false);
	if (error == 0)
		error = jail_move_ifaces(t, &r, &net);
	if (error == 0)
		error = jail_add_addrs(t, &r, &net);
	if (error == 0)
		error = jail_run_list(&ctx, "exec.start", true);
	if (error == 0)
		error = jail_check_ifaces(t, &r, &net);
	jail_net_close(&net);
	if (error == 0 && (cmd = jail_params_find(&t->ps, "command")) != NULL) {
		if (t->argv_command)
			error = jail_run_argv(&ctx, cmd->vals.v, true);
		else
			error = jail_run_list(&ctx, "command", true);
	}
	if (error == 0)
		error = jail_run_list(&ctx, "exec.poststart", false);
	if (error != 0) {
		/* undo: the supervisor sends the interfaces home */
		(void)jail_ns_destroy(&r);
		jail_note(o, t, "removed");
		jail_rec_free(&r);
		return error;
	}
	if (!jail_pbool(&t->ps, "persist", false)) {
		if (o->verbose)
			printf("%s%sjail_set(JAIL_UPDATE) jid=%d nopersist\n",
			    t->named ? t->name : "", t->named ? ": " : "",
			    r.jid);
		(void)jail_ns_set_persist(&r, false);
	}
	error = jail_write_jidfile(o, t, &r);
	jail_rec_free(&r);
	return error;
}

/* SIGTERM to every process of the jail, then up to stop.timeout. */
static void
jail_term_jail(const struct jail_opts *o, const struct jail_target *t,
    const struct jail_rec *r)
{
	struct timespec pause = { 0, 20 * 1000000L };
	long timeout = jail_pint(&t->ps, "stop.timeout", JAIL_STOP_TIMEOUT);
	pid_t *pids;
	size_t n;

	if (timeout <= 0 || jail_ns_pids(r, &pids, &n) != 0)
		return;
	if (n == 0) {
		free(pids);
		return;
	}
	if (o->verbose)
		printf("%s%ssent SIGTERM to:", t->named ? t->name : "",
		    t->named ? ": " : "");
	for (size_t i = 0; i < n; i++) {
		kill(pids[i], SIGTERM);
		if (o->verbose)
			printf(" %d", (int)pids[i]);
	}
	if (o->verbose)
		printf("\n");
	free(pids);
	for (long waited = 0; waited < timeout * 1000; waited += 20) {
		nanosleep(&pause, NULL);
		if (!jail_rec_alive(r))
			return;
		if (jail_ns_pids(r, &pids, &n) != 0)
			return;
		free(pids);
		if (n == 0)
			return;
	}
	if (o->verbose)
		printf("%s%stimed out\n", t->named ? t->name : "",
		    t->named ? ": " : "");
}

int
jail_op_remove(const struct jail_opts *o, struct jail_target *t,
    struct jail_rec *r)
{
	struct jail_run ctx = { .ps = &t->ps,
		.rec = r,
		.jname = JN(t),
		.verbose = o->verbose };
	int error = 0, e;

	/* what the jail's own commands start, a scan made before misses */
	if (jail_params_find(&t->ps, "exec.stop") != NULL ||
	    jail_params_find(&t->ps, "exec.prestop") != NULL)
		jail_ns_scan_drop();
	if ((e = jail_run_list(&ctx, "exec.prestop", false)) != 0 ||
	    (e = jail_run_list(&ctx, "exec.stop", true)) != 0)
		return e;
	jail_term_jail(o, t, r);
	if ((e = jail_ns_destroy(r)) != 0) {
		jail_warnx(JN(t), "jail_remove: %s", strerror(e));
		error = e;
	}
	if (o->note_removed || o->verbose)
		jail_note(o, t, "removed");
	ctx.rec = NULL;
	if ((e = jail_run_list(&ctx, "exec.poststop", false)) != 0)
		error = e;
	if ((e = jail_run_list(&ctx, "exec.release", false)) != 0)
		error = e;
	return error;
}

/*
 * Jails with no stop commands are removed together (jail_main.c): the
 * same steps as jail_op_remove(), each taken for all of them at once.
 */
bool
jail_op_batchable(const struct jail_target *t)
{
	static const char *const cmds[] = { "exec.prestop", "exec.stop",
		"exec.poststop", "exec.release" };

	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (jail_params_find(&t->ps, cmds[i]) != NULL)
			return false;
	return true;
}

void
jail_op_remove_many(const struct jail_opts *o, struct jail_target **ts,
    struct jail_rec *rs, size_t n, int *errs)
{
	struct timespec pause = { 0, 20 * 1000000L };
	long *wait_ms, waited = 0;
	size_t pending = 0;
	pid_t *pids;
	size_t np;

	if ((wait_ms = calloc(n, sizeof(*wait_ms))) == NULL) {
		for (size_t i = 0; i < n; i++)
			errs[i] = ENOMEM;
		return;
	}
	/* SIGTERM to every process of every jail, then up to stop.timeout */
	for (size_t i = 0; i < n; i++) {
		long timeout = jail_pint(&ts[i]->ps, "stop.timeout",
		    JAIL_STOP_TIMEOUT);

		if (timeout <= 0 || jail_ns_pids(&rs[i], &pids, &np) != 0)
			continue;
		if (np > 0) {
			if (o->verbose)
				printf("%s%ssent SIGTERM to:",
				    ts[i]->named ? ts[i]->name : "",
				    ts[i]->named ? ": " : "");
			for (size_t k = 0; k < np; k++) {
				kill(pids[k], SIGTERM);
				if (o->verbose)
					printf(" %d", (int)pids[k]);
			}
			if (o->verbose)
				printf("\n");
			wait_ms[i] = timeout * 1000;
			pending++;
		}
		free(pids);
	}
	while (pending > 0) {
		nanosleep(&pause, NULL);
		waited += 20;
		for (size_t i = 0; i < n; i++) {
			if (wait_ms[i] == 0)
				continue;
			np = 0;
			if (jail_rec_alive(&rs[i]) &&
			    jail_ns_pids(&rs[i], &pids, &np) == 0)
				free(pids);
			if (np == 0 || waited >= wait_ms[i]) {
				if (np > 0 && o->verbose)
					printf("%s%stimed out\n",
					    ts[i]->named ? ts[i]->name : "",
					    ts[i]->named ? ": " : "");
				wait_ms[i] = 0;
				pending--;
			}
		}
	}
	free(wait_ms);
	jail_ns_destroy_many(rs, n, errs);
	for (size_t i = 0; i < n; i++) {
		if (errs[i] != 0)
			jail_warnx(JN(ts[i]), "jail_remove: %s",
			    strerror(errs[i]));
		if (o->note_removed || o->verbose)
			jail_note(o, ts[i], "removed");
	}
}

/* Would setting p change what the jail has? */
static bool
jail_differs(const struct jail_params *have, const struct jail_param *p)
{
	const struct jail_pdesc *pd = jail_pdesc(p->name, NULL);
	struct jail_params one = { .v = (struct jail_param *)p, .n = 1 };
	struct jail_param *h = jail_params_find(have, p->name);
	char a[PATH_MAX], b[PATH_MAX];
	char *x, *y;
	bool d;

	if (pd->type == JP_BOOL)
		return jail_pbool(have, pd->name,
			   strcmp(pd->dflt, "true") == 0) !=
		    jail_pbool(&one, pd->name, false);
	if (pd->type == JP_JAILSYS)
		return jail_psys(have, pd->name, -1) !=
		    jail_psys(&one, pd->name, -1);
	if (strcmp(pd->name, "path") == 0) {
		const char *hp = jail_pstr(have, "path"),
			   *np = jail_pstr(&one, "path");

		if (realpath(hp != NULL ? hp : "/", a) == NULL ||
		    realpath(np != NULL ? np : "/", b) == NULL)
			return true;
		return strcmp(a, b) != 0;
	}
	x = h != NULL ? jail_pjoin(h) :
			strdup(pd->dflt != NULL ? pd->dflt : "");
	y = jail_pjoin(p);
	d = x == NULL || y == NULL || strcmp(x, y) != 0;
	free(x);
	free(y);
	return d;
}

int
jail_op_modify(const struct jail_opts *o, struct jail_target *t,
    struct jail_rec *r, bool restart)
{
	const struct jail_pdesc *pd;
	bool need_restart = false, host = false;
	int lock, error;

	if (t->failed || jail_check_params(t) != 0)
		return EINVAL;
	for (size_t i = 0; i < t->ps.n; i++) {
		const struct jail_param *p = &t->ps.v[i];

		pd = jail_pdesc(p->name, NULL);
		if (!pd->kernel || strcmp(pd->name, "name") == 0 ||
		    strcmp(pd->name, "jid") == 0 ||
		    !jail_differs(&r->params, p))
			continue;
		if (pd->create_only) {
			if (!restart) {
				jail_warnx(JN(t),
				    "%s cannot be changed after "
				    "creation",
				    pd->name);
				return EINVAL;
			}
			need_restart = true;
		}
		if (strncmp(pd->name, "host.", 5) == 0)
			host = true;
	}
	if (need_restart) {
		if ((error = jail_op_remove(o, t, r)) != 0)
			return error;
		return jail_op_create(o, t);
	}
	if (host &&
	    jail_ns_sethostname(r, jail_pstr(&t->ps, "host.hostname"),
		jail_pstr(&t->ps, "host.domainname")) != 0) {
		jail_warnx(JN(t), "host.hostname: %s", strerror(EPERM));
		return EPERM;
	}
	if ((error = jail_lock(&lock)) != 0)
		return error;
	for (size_t i = 0; i < t->ps.n; i++) {
		const struct jail_param *p = &t->ps.v[i];

		pd = jail_pdesc(p->name, NULL);
		if (pd->kernel && strcmp(pd->name, "name") != 0 &&
		    strcmp(pd->name, "jid") != 0)
			jail_params_set(&r->params, p->name,
			    (const char *const *)p->vals.v, p->vals.n, false);
	}
	error = jail_rec_write(r);
	jail_unlock(lock);
	/* allow.raw_sockets, ip4.saddrsel...: an IP-alias jail's programs */
	if (error == 0)
		error = jail_ipalias_update(r);
	if (error == 0 && jail_params_find(&t->ps, "persist") != NULL)
		error = jail_ns_set_persist(r,
		    jail_pbool(&t->ps, "persist", false));
	if (error != 0) {
		jail_warnx(JN(t), "jail_set: %s", strerror(error));
		return error;
	}
	if (t->named || o->verbose)
		jail_note(o, t, "updated");
	return 0;
}
