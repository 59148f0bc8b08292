/*
 * jail_ipalias.c: FreeBSD's IP-alias jails (DESIGN jail decision 3).  A
 * non-vnet jail with ip4.addr/ip6.addr shares the host's network stack;
 * the programs of src/bpf/jail_sock.bpf.c hold its sockets to its
 * addresses.  They are loaded once and pinned under
 * /sys/fs/bpf/ngjail/p-<object hash>/; each jail gets a cgroup of its
 * own, <cgroup2>/ngjail/r-<run>/<jid> (<run> names the /run/jail that
 * records the jail), with every program attached by a link pinned under
 * /sys/fs/bpf/ngjail/r-<run>/<jid>/, and its addresses in the cgroup's
 * slot of the programs' map.  Addresses given with an interface
 * ("em0|198.51.100.5/24", or `interface') are aliases on the host, added
 * at create and removed with the jail.  /run/jail/NAME/ipalias lists
 * what was made, for jexec and for the teardown.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/magic.h>

#include "jail.h"
#include "jail_sock_bpf.h"
#include "jail_sock.skel.h" /* bpftool's, made at build time (Makefile) */

#define JAIL_BPFFS "/sys/fs/bpf"
#define JAIL_CGDIR "ngjail"
#define JAIL_IPSTATE "ipalias"
#define JAIL_KILL_WAIT_MS 5000
/*
 * With allow.raw_sockets, the jail's raw and ICMP sockets carry the mark
 * JAIL_RT_BASE + jid, and a rule at JAIL_RT_PREF sends what carries it
 * to the table of that number: the main table's unicast routes with a
 * source of the jail's.  No hook sees those sockets' bind or send, so
 * the kernel picks their source by the route: the host's address, which
 * the egress program drops (FreeBSD gives them the jail's).
 */
#define JAIL_RT_BASE 0x6a000000u
#define JAIL_RT_PREF 1000u

static const struct {
	const char *name;
	enum bpf_attach_type type;
} jail_progs[] = {
#define JAIL_PROG(sec, name, type) { #name, type },
	JAIL_SOCK_PROGS(JAIL_PROG)
#undef JAIL_PROG
};
#define JAIL_NPROGS (sizeof(jail_progs) / sizeof(jail_progs[0]))

/* What /run/jail/NAME/ipalias holds. */
struct jail_ipstate {
	char cgroup[PATH_MAX];
	char pins[PATH_MAX];
	char map[PATH_MAX]; /* the programs' jail_sock_cfg */
	struct jail_addr *aliases;
	size_t naliases;
};

static const char *const jail_fam_param[2] = { "ip4.addr", "ip6.addr" };
static const char *const jail_fam_sys[2] = { "ip4", "ip6" };

/* --- the jail's addresses ------------------------------------------------ */

/* Family f's addresses (interface from `interface' when none is given). */
static int
jail_fam_addrs(const struct jail_params *ps, int f, struct jail_addr *out,
    size_t max, size_t *np)
{
	const struct jail_param *p = jail_params_find(ps, jail_fam_param[f]);
	const char *dflt = jail_pstr(ps, "interface");
	struct jail_addr a;

	*np = 0;
	for (size_t i = 0; p != NULL && i < p->vals.n; i++) {
		const char *v = p->vals.v[i];

		if (*v == '\0' || strcmp(v, "-") == 0)
			continue;
		if (jail_addr_parse(v, f == 0 ? AF_INET : AF_INET6, &a) != 0)
			return EINVAL;
		if (a.iface[0] == '\0' && dflt != NULL)
			snprintf(a.iface, sizeof(a.iface), "%s", dflt);
		if (*np == max)
			return E2BIG;
		if (out != NULL)
			out[*np] = a;
		(*np)++;
	}
	return 0;
}

bool
jail_ipalias(const struct jail_params *ps)
{
	size_t n4 = 0, n6 = 0;

	if (jail_psys(ps, "vnet", 2) == 1)
		return false;
	(void)jail_fam_addrs(ps, 0, NULL, SIZE_MAX, &n4);
	(void)jail_fam_addrs(ps, 1, NULL, SIZE_MAX, &n6);
	return n4 + n6 > 0;
}

int
jail_ipalias_check(const struct jail_params *ps, const char *jname)
{
	size_t n;
	int error;

	if (!jail_ipalias(ps))
		return 0;
	for (int f = 0; f < 2; f++) {
		int sys = jail_psys(ps, jail_fam_sys[f], 1);

		error = jail_fam_addrs(ps, f, NULL, JAIL_SOCK_MAX_ADDRS, &n);
		if (error == E2BIG) {
			jail_warnx(jname, "%s: at most %d addresses",
			    jail_fam_param[f], JAIL_SOCK_MAX_ADDRS);
			return EINVAL;
		}
		if (error != 0)
			return EINVAL; /* the parameter check said why */
		if (n > 0 && sys != 1) {
			jail_warnx(jname, "%s: not allowed with %s=%s",
			    jail_fam_param[f], jail_fam_sys[f],
			    sys == 0 ? "disable" : "inherit");
			return EINVAL;
		}
	}
	return 0;
}

static void
jail_mask4(int len, uint32_t *m)
{
	*m = len == 0 ? 0 : htonl(~0u << (32 - len));
}

/* What the programs hold for this jail. */
static int
jail_fill_cfg(const struct jail_params *ps, int jid, struct jail_sock_cfg *c)
{
	struct jail_addr a[JAIL_SOCK_MAX_ADDRS];
	size_t n;
	int error;

	memset(c, 0, sizeof(*c));
	c->flags = JAIL_SOCK_F_READY;
	if (jail_pbool(ps, "allow.raw_sockets", false))
		c->flags |= JAIL_SOCK_F_ALLOW_RAW;
	c->mark = JAIL_RT_BASE + (unsigned)jid;
	if (jail_psys(ps, "ip4", 1) == 2)
		c->flags |= JAIL_SOCK_F_INHERIT4;
	if (jail_psys(ps, "ip6", 1) == 2)
		c->flags |= JAIL_SOCK_F_INHERIT6;
	if (jail_pbool(ps, "ip4.saddrsel", true))
		c->flags |= JAIL_SOCK_F_SADDRSEL4;
	if (jail_pbool(ps, "ip6.saddrsel", true))
		c->flags |= JAIL_SOCK_F_SADDRSEL6;
	if ((error = jail_fam_addrs(ps, 0, a, JAIL_SOCK_MAX_ADDRS, &n)) != 0)
		return error;
	c->n4 = (uint32_t)n;
	for (size_t i = 0; i < n; i++) {
		memcpy(&c->ip4[i], a[i].addr, 4);
		jail_mask4(a[i].prefixlen, &c->mask4[i]);
	}
	if ((error = jail_fam_addrs(ps, 1, a, JAIL_SOCK_MAX_ADDRS, &n)) != 0)
		return error;
	c->n6 = (uint32_t)n;
	for (size_t i = 0; i < n; i++) {
		memcpy(c->ip6[i], a[i].addr, 16);
		for (int w = 0; w < 4; w++) {
			int len = a[i].prefixlen - 32 * w;

			jail_mask4(len <= 0 ? 0 :
				len > 32    ? 32 :
					      len,
			    &c->mask6[i][w]);
		}
	}
	return 0;
}

/* --- the raw sockets' routes ---------------------------------------------- */

/*
 * Whether address a is one of this network namespace's (bound to, port
 * 0): the kernel refuses a route whose source is not.
 */
static bool
jail_addr_here(const struct jail_addr *a)
{
	struct sockaddr_storage ss;
	socklen_t len;
	bool here = true;
	int fd;

	memset(&ss, 0, sizeof(ss));
	if (a->family == AF_INET) {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;

		s4->sin_family = AF_INET;
		memcpy(&s4->sin_addr, a->addr, 4);
		len = sizeof(*s4);
	} else {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;

		s6->sin6_family = AF_INET6;
		memcpy(&s6->sin6_addr, a->addr, 16);
		len = sizeof(*s6);
	}
	if ((fd = socket(a->family, SOCK_DGRAM | SOCK_CLOEXEC, 0)) < 0)
		return true; /* not known: said as it came */
	if (bind(fd, (struct sockaddr *)&ss, len) != 0 &&
	    errno == EADDRNOTAVAIL)
		here = false;
	close(fd);
	return here;
}

/*
 * The jail's rule and table for each family it has addresses of, made
 * anew (with allow.raw_sockets; raw false: removed only).  0, or the
 * first error, said in err.
 */
static int
jail_raw_routes(const struct jail_rec *r, bool raw, bool quiet, char *err,
    size_t errlen)
{
	static const int fams[2] = { AF_INET, AF_INET6 };
	static const char *const sel[2] = { "ip4.saddrsel", "ip6.saddrsel" };
	unsigned id = JAIL_RT_BASE + (unsigned)r->jid;
	struct jail_addr a[JAIL_SOCK_MAX_ADDRS];
	struct jail_nl *nl = NULL;
	int error = 0;
	size_t n;

	if ((error = jail_nl_open(-1, &nl)) != 0) {
		snprintf(err, errlen, "allow.raw_sockets: %s", strerror(error));
		return error;
	}
	for (int f = 0; f < 2; f++) {
		int e = 0;

		if (!raw ||
		    jail_fam_addrs(&r->params, f, a, JAIL_SOCK_MAX_ADDRS, &n) !=
			0 ||
		    n == 0) {
			while (jail_nl_rule(nl, fams[f], id, id, JAIL_RT_PREF,
				   false) == 0)
				;
			(void)jail_nl_rt_flush(nl, fams[f], id);
			continue;
		}
		/* made again over what is there: one left by a jail(8) that
		 * was killed, or the jail's own (a refresh) */
		e = jail_nl_rt_copy(nl, fams[f], id, a, n,
		    jail_pbool(&r->params, sel[f], true));
		if (e == 0 || e == E2BIG) {
			int e2 = jail_nl_rule(nl, fams[f], id, id, JAIL_RT_PREF,
			    true);

			e = e2 != 0 && e2 != EEXIST ? e2 : e;
		}
		if (e == E2BIG && !quiet) {
			jail_warnx(JR(r),
			    "allow.raw_sockets: the host's main %s table is "
			    "too large to copy whole; the jail's raw sockets "
			    "reach what its first routes reach",
			    f == 0 ? "IPv4" : "IPv6");
		} else if (e != 0 && e != E2BIG) {
			size_t k = 0;

			/* refused: a source on no interface here, said so */
			while (e == EINVAL && k < n && jail_addr_here(&a[k]))
				k++;
			if (e == EINVAL && k < n)
				snprintf(err, errlen,
				    "allow.raw_sockets: %s %s is on no "
				    "interface of the host, so no route can "
				    "have it as source: give it one "
				    "(%s=\"IF|%s\" or interface=IF)",
				    jail_fam_param[f], a[k].text,
				    jail_fam_param[f], a[k].text);
			else
				snprintf(err, errlen,
				    "allow.raw_sockets: the %s routes with the jail's "
				    "source: %s",
				    f == 0 ? "IPv4" : "IPv6", strerror(e));
			error = e;
		}
	}
	jail_nl_close(nl);
	return error;
}

/* --- the state file ---------------------------------------------------- */

static void
jail_ipstate_path(const struct jail_rec *r, char *buf, size_t size)
{
	snprintf(buf, size, "%s/%s/%s", JAIL_RUNDIR, r->name, JAIL_IPSTATE);
}

static int
jail_ipstate_write(const struct jail_rec *r, const struct jail_ipstate *st)
{
	char path[PATH_MAX], tmp[PATH_MAX + 8], text[INET6_ADDRSTRLEN];
	FILE *fp;
	int error = 0;

	snprintf(path, sizeof(path), "%s/%s", JAIL_RUNDIR, r->name);
	if (mkdir(path, 0711) != 0 && errno != EEXIST)
		return errno;
	jail_ipstate_path(r, path, sizeof(path));
	snprintf(tmp, sizeof(tmp), "%s.new", path);
	if ((fp = fopen(tmp, "we")) == NULL)
		return errno;
	fprintf(fp, "cgroup %s\npins %s\nmap %s\n", st->cgroup, st->pins,
	    st->map);
	for (size_t i = 0; i < st->naliases; i++) {
		const struct jail_addr *a = &st->aliases[i];

		inet_ntop(a->family, a->addr, text, sizeof(text));
		fprintf(fp, "alias %s %d %s %d\n", a->iface, a->family, text,
		    a->prefixlen);
	}
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

static void
jail_ipstate_free(struct jail_ipstate *st)
{
	free(st->aliases);
	memset(st, 0, sizeof(*st));
}

static int
jail_ipstate_read(const struct jail_rec *r, struct jail_ipstate *st)
{
	char path[PATH_MAX], *line = NULL;
	size_t cap = 0;
	FILE *fp;

	memset(st, 0, sizeof(*st));
	jail_ipstate_path(r, path, sizeof(path));
	if ((fp = fopen(path, "re")) == NULL)
		return errno;
	while (getline(&line, &cap, fp) > 0) {
		struct jail_addr a, *na;
		char text[INET6_ADDRSTRLEN];

		line[strcspn(line, "\n")] = '\0';
		if (strncmp(line, "cgroup ", 7) == 0) {
			snprintf(st->cgroup, sizeof(st->cgroup), "%s",
			    line + 7);
			continue;
		}
		if (strncmp(line, "map ", 4) == 0) {
			snprintf(st->map, sizeof(st->map), "%s", line + 4);
			continue;
		}
		if (strncmp(line, "pins ", 5) == 0) {
			snprintf(st->pins, sizeof(st->pins), "%s", line + 5);
			continue;
		}
		memset(&a, 0, sizeof(a));
		if (sscanf(line, "alias %63s %d %45s %d", a.iface, &a.family,
			text, &a.prefixlen) != 4 ||
		    (a.family != AF_INET && a.family != AF_INET6) ||
		    inet_pton(a.family, text, a.addr) != 1)
			continue;
		snprintf(a.text, sizeof(a.text), "%s", text);
		if ((na = realloc(st->aliases,
			 (st->naliases + 1) * sizeof(*na))) == NULL)
			break;
		st->aliases = na;
		st->aliases[st->naliases++] = a;
	}
	free(line);
	fclose(fp);
	return 0;
}

/* --- file systems and programs ------------------------------------------- */

static bool
jail_fs_is(const char *path, long magic)
{
	struct statfs sf;

	return statfs(path, &sf) == 0 && sf.f_type == magic;
}

/*
 * The cgroup2 hierarchy: where the host has it (pure or hybrid layout),
 * else mounted at the usual place (as in a test's private /sys).
 */
static int
jail_cgroup2(char *buf, size_t size)
{
	static const char *const where[] = { "/sys/fs/cgroup",
		"/sys/fs/cgroup/unified" };

	for (size_t i = 0; i < 2; i++)
		if (jail_fs_is(where[i], CGROUP2_SUPER_MAGIC)) {
			snprintf(buf, size, "%s", where[i]);
			return 0;
		}
	for (size_t i = 0; i < 2; i++) {
		struct stat st;

		if (stat(where[i], &st) != 0 || !S_ISDIR(st.st_mode) ||
		    (i == 0 && !jail_fs_is(where[i], SYSFS_MAGIC)))
			continue;
		if (mount("cgroup2", where[i], "cgroup2",
			MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) != 0)
			return errno;
		snprintf(buf, size, "%s", where[i]);
		return 0;
	}
	return ENOENT;
}

static int
jail_bpffs(void)
{
	if (jail_fs_is(JAIL_BPFFS, BPF_FS_MAGIC))
		return 0;
	if (mount("bpf", JAIL_BPFFS, "bpf", MS_NOSUID | MS_NODEV | MS_NOEXEC,
		"mode=700") != 0)
		return errno;
	return 0;
}

/*
 * Our directory on the bpffs, made if need be: everything below it is
 * made 0700 by us.  A bpffs mounted without mode= has a root of mode
 * 1777, where any user may make it first: then its owner could rename
 * our pins away or leave links that we would take for our programs
 * and map.  Refused (EPERM) unless a directory of ours nobody else may
 * write to.
 */
static int
jail_bpfdir(char *err, size_t errlen)
{
	char dir[PATH_MAX];
	struct stat st;

	snprintf(dir, sizeof(dir), "%s/%s", JAIL_BPFFS, JAIL_CGDIR);
	if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
		snprintf(err, errlen, "%s: %s", dir, strerror(errno));
		return errno;
	}
	if (lstat(dir, &st) != 0) {
		snprintf(err, errlen, "%s: %s", dir, strerror(errno));
		return errno;
	}
	if (S_ISDIR(st.st_mode) && st.st_uid == geteuid() &&
	    (st.st_mode & (S_IWGRP | S_IWOTH)) == 0)
		return 0;
	snprintf(err, errlen, "%s is not root's own (owner %u, mode %04o)", dir,
	    (unsigned)st.st_uid, (unsigned)(st.st_mode & 07777));
	return EPERM;
}

/* mkdir each level of path; a level another jail(8) just removed is
 * made again. */
static int
jail_mkdirs(const char *path, mode_t mode)
{
	char buf[PATH_MAX];

	for (int tries = 0; tries < 5; tries++) {
		int error = 0;

		snprintf(buf, sizeof(buf), "%s", path);
		for (char *p = buf + 1; (p = strchr(p, '/')) != NULL; p++) {
			*p = '\0';
			if (mkdir(buf, mode) != 0 && errno != EEXIST)
				error = errno;
			*p = '/';
			if (error != 0)
				break;
		}
		if (error == 0 && mkdir(buf, mode) != 0)
			error = errno;
		if (error != ENOENT)
			return error;
	}
	return ENOENT;
}

static int
jail_libbpf_quiet(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	(void)level;
	/* JAIL_BPF_DEBUG=1: libbpf's messages, the verifier's log among them */
	if (getenv("JAIL_BPF_DEBUG") != NULL)
		return vfprintf(stderr, fmt, ap);
	return 0;
}

/* The pinned set of this build: its directory name hashes the object. */
static void
jail_progs_dir(char *buf, size_t size)
{
	uint64_t h = 0xcbf29ce484222325ull;
	size_t n;
	const unsigned char *p = jail_sock_bpf__elf_bytes(&n);

	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 0x100000001b3ull;
	snprintf(buf, size, "%s/%s/p-%016llx", JAIL_BPFFS, JAIL_CGDIR,
	    (unsigned long long)h);
}

static void
jail_close_fds(int *fds, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (fds[i] >= 0)
			close(fds[i]);
		fds[i] = -1;
	}
}

/* The programs (fds[0..JAIL_NPROGS-1]) and the map (fds[JAIL_NPROGS]). */
static int
jail_progs_get(int *fds, char *err, size_t errlen)
{
	char dir[PATH_MAX], path[PATH_MAX + 64];
	struct jail_sock_bpf *skel;
	int error = 0;

	jail_progs_dir(dir, sizeof(dir));
	for (size_t i = 0; i <= JAIL_NPROGS; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir,
		    i < JAIL_NPROGS ? jail_progs[i].name : "cfg");
		fds[i] = bpf_obj_get(path);
		if (fds[i] < 0)
			error = errno;
	}
	if (error == 0)
		return 0;
	/* first use (or a broken set): load, then pin */
	jail_close_fds(fds, JAIL_NPROGS + 1);
	libbpf_set_print(jail_libbpf_quiet);
	if ((skel = jail_sock_bpf__open()) == NULL) {
		error = errno != 0 ? errno : EINVAL;
		snprintf(err, errlen, "socket programs: %s", strerror(error));
		return error;
	}
	if ((error = -jail_sock_bpf__load(skel)) != 0) {
		snprintf(err, errlen,
		    "socket programs: %s (IP-alias jails need Linux 5.18 "
		    "or later with cgroup BPF)",
		    strerror(error));
		jail_sock_bpf__destroy(skel);
		return error;
	}
	if ((error = jail_mkdirs(dir, 0700)) != 0 && error != EEXIST) {
		snprintf(err, errlen, "%s: %s", dir, strerror(error));
		jail_sock_bpf__destroy(skel);
		return error;
	}
	error = 0;
	/* In jail_progs' order: the same list makes both. */
	struct bpf_program *progs[] = {
#define JAIL_PROG(sec, name, type) skel->progs.name,
		JAIL_SOCK_PROGS(JAIL_PROG)
#undef JAIL_PROG
	};
	for (size_t i = 0; i <= JAIL_NPROGS && error == 0; i++) {
		int fd = i < JAIL_NPROGS ?
		    bpf_program__fd(progs[i]) :
		    bpf_map__fd(skel->maps.jail_sock_cfg);

		snprintf(path, sizeof(path), "%s/%s", dir,
		    i < JAIL_NPROGS ? jail_progs[i].name : "cfg");
		(void)unlink(path);
		if (fd < 0 || (fds[i] = dup(fd)) < 0)
			error = fd < 0 ? ENOENT : errno;
		else if (bpf_obj_pin(fds[i], path) != 0)
			error = errno;
		if (error != 0)
			snprintf(err, errlen, "%s: %s", path, strerror(error));
	}
	jail_sock_bpf__destroy(skel);
	if (error != 0)
		jail_close_fds(fds, JAIL_NPROGS + 1);
	return error;
}

/* The id the kernel gives a cgroup (what bpf_get_local_storage keys). */
static int
jail_cgroup_id(const char *path, uint64_t *id)
{
	union {
		struct file_handle fh;
		char buf[sizeof(struct file_handle) + 8];
	} u;
	int mnt;

	u.fh.handle_bytes = 8;
	if (name_to_handle_at(AT_FDCWD, path, &u.fh, &mnt, 0) != 0)
		return errno;
	memcpy(id, u.fh.f_handle, 8);
	return 0;
}

/* --- create, enter, destroy ---------------------------------------------- */

static void jail_kill_cgroup(const char *cgroup);

/* A jail's links, unpinned: the programs leave its cgroup. */
static void
jail_unpin(const char *pins)
{
	char path[PATH_MAX + 64];

	for (size_t i = 0; i < JAIL_NPROGS; i++) {
		snprintf(path, sizeof(path), "%s/%s", pins, jail_progs[i].name);
		(void)unlink(path);
	}
}

static int
jail_run_id(char *buf, size_t size)
{
	struct stat st;

	if (stat(JAIL_RUNDIR, &st) != 0)
		return errno;
	snprintf(buf, size, "r-%llx-%llx", (unsigned long long)st.st_dev,
	    (unsigned long long)st.st_ino);
	return 0;
}

/* Attach every program to the cgroup, each link pinned; then the config. */
static int
jail_attach(struct jail_ipstate *st, const int *fds,
    const struct jail_sock_cfg *c, char *err, size_t errlen)
{
	char path[PATH_MAX + 64];
	uint64_t id;
	int cg, error = 0;

	if ((cg = open(st->cgroup, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
		snprintf(err, errlen, "%s: %s", st->cgroup, strerror(errno));
		return errno;
	}
	for (size_t i = 0; i < JAIL_NPROGS && error == 0; i++) {
		int link = bpf_link_create(fds[i], cg, jail_progs[i].type,
		    NULL);

		snprintf(path, sizeof(path), "%s/%s", st->pins,
		    jail_progs[i].name);
		if (link < 0)
			error = errno;
		else if (bpf_obj_pin(link, path) != 0)
			error = errno;
		if (link >= 0)
			close(link);
		if (error != 0)
			snprintf(err, errlen, "attach %s: %s",
			    jail_progs[i].name, strerror(error));
	}
	close(cg);
	if (error != 0)
		return error;
	if ((error = jail_cgroup_id(st->cgroup, &id)) != 0 ||
	    (bpf_map_update_elem(fds[JAIL_NPROGS], &id, c, BPF_ANY) != 0 &&
		(error = errno) != 0))
		snprintf(err, errlen, "%s: %s", st->cgroup, strerror(error));
	return error;
}

/* The aliases on the host's interfaces, each recorded once it is there. */
static int
jail_add_aliases(const struct jail_rec *r, struct jail_ipstate *st, char *err,
    size_t errlen)
{
	struct jail_addr a[JAIL_SOCK_MAX_ADDRS];
	struct jail_nl *nl = NULL;
	size_t n;
	int error = 0, idx;

	for (int f = 0; f < 2 && error == 0; f++) {
		error = jail_fam_addrs(&r->params, f, a, JAIL_SOCK_MAX_ADDRS,
		    &n);
		for (size_t i = 0; i < n && error == 0; i++) {
			struct jail_addr *na;

			if (a[i].iface[0] == '\0')
				continue; /* a restriction only: no alias */
			if (nl == NULL && (error = jail_nl_open(-1, &nl)) != 0)
				break;
			if ((error = jail_nl_index(nl, a[i].iface, &idx)) ==
				0 &&
			    (error = jail_nl_up(nl, idx)) == 0)
				error = jail_nl_addr(nl, idx, &a[i]);
			if (error != 0) {
				snprintf(err, errlen, "%s: %s|%s: %s",
				    jail_fam_param[f], a[i].iface, a[i].text,
				    strerror(error));
				break;
			}
			if ((na = realloc(st->aliases,
				 (st->naliases + 1) * sizeof(*na))) == NULL) {
				error = ENOMEM;
				break;
			}
			st->aliases = na;
			st->aliases[st->naliases++] = a[i];
			error = jail_ipstate_write(r, st);
		}
	}
	jail_nl_close(nl);
	return error;
}

int
jail_ipalias_create(const struct jail_rec *r, char *err, size_t errlen)
{
	struct jail_ipstate st = { 0 };
	struct jail_sock_cfg c;
	char root[PATH_MAX / 2], run[64];
	int fds[JAIL_NPROGS + 1], error;

	if (!jail_ipalias(&r->params))
		return 0;
	if (jail_fill_cfg(&r->params, r->jid, &c) != 0) {
		snprintf(err, errlen, "ip4.addr: invalid");
		return EINVAL;
	}
	if ((error = jail_cgroup2(root, sizeof(root))) != 0) {
		snprintf(err, errlen, "cgroup2: %s", strerror(error));
		return error;
	}
	if ((error = jail_bpffs()) != 0) {
		snprintf(err, errlen, "%s: %s", JAIL_BPFFS, strerror(error));
		return error;
	}
	if ((error = jail_bpfdir(err, errlen)) != 0)
		return error;
	if ((error = jail_run_id(run, sizeof(run))) != 0) {
		snprintf(err, errlen, "%s: %s", JAIL_RUNDIR, strerror(error));
		return error;
	}
	if ((error = jail_progs_get(fds, err, errlen)) != 0)
		return error;
	snprintf(st.cgroup, sizeof(st.cgroup), "%s/%s/%s/%d", root, JAIL_CGDIR,
	    run, r->jid);
	snprintf(st.pins, sizeof(st.pins), "%s/%s/%s/%d", JAIL_BPFFS,
	    JAIL_CGDIR, run, r->jid);
	jail_progs_dir(st.map, sizeof(st.map));
	strncat(st.map, "/cfg", sizeof(st.map) - strlen(st.map) - 1);
	/* the record first, so that what follows can be undone */
	if ((error = jail_ipstate_write(r, &st)) != 0) {
		snprintf(err, errlen, "%s/%s: %s", JAIL_RUNDIR, r->name,
		    strerror(error));
		jail_close_fds(fds, JAIL_NPROGS + 1);
		return error;
	}
	/*
	 * One left by a jail(8) or supervisor that was killed (we hold the
	 * lock, and the jid is free): what it held goes first.
	 */
	if ((error = jail_mkdirs(st.cgroup, 0755)) == EEXIST) {
		jail_kill_cgroup(st.cgroup);
		error = jail_mkdirs(st.cgroup, 0755);
	}
	if (error == 0)
		jail_unpin(st.pins);
	if (error != 0)
		snprintf(err, errlen, "%s: %s", st.cgroup, strerror(error));
	else if ((error = jail_mkdirs(st.pins, 0700)) != 0)
		snprintf(err, errlen, "%s: %s", st.pins, strerror(error));
	else if ((error = jail_attach(&st, fds, &c, err, errlen)) == 0 &&
	    (error = jail_add_aliases(r, &st, err, errlen)) == 0 &&
	    (c.flags & JAIL_SOCK_F_ALLOW_RAW) &&
	    jail_raw_routes(r, true, false, err, errlen) != 0) {
		/* only a raw socket bound to the jail's address sends */
		jail_warnx(JR(r), "%s", err);
		err[0] = '\0';
	}
	jail_close_fds(fds, JAIL_NPROGS + 1);
	jail_ipstate_free(&st);
	if (error != 0)
		jail_ipalias_destroy(r);
	return error;
}

int
jail_ipalias_enter(const struct jail_rec *r)
{
	struct jail_ipstate st;
	int cg, fd, error = 0;

	if (!jail_ipalias(&r->params))
		return 0;
	/* no record, no cgroup, a program gone: the jail is not confined */
	if (jail_ipstate_read(r, &st) != 0)
		return ENOLINK;
	cg = open(st.cgroup, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	jail_ipstate_free(&st);
	if (cg < 0)
		return ENOLINK;
	for (size_t i = 0; i < JAIL_NPROGS && error == 0; i++) {
		__u32 cnt = 0;

		/* a jail made by a jail(8) before this program was one of
		 * the set (an upgrade) is entered without it */
		if (jail_progs[i].type == BPF_CGROUP_SETSOCKOPT)
			continue;
		if (bpf_prog_query(cg, jail_progs[i].type, 0, NULL, NULL,
			&cnt) != 0 ||
		    cnt == 0)
			error = ENOLINK;
	}
	if (error == 0 &&
	    (fd = openat(cg, "cgroup.procs", O_WRONLY | O_CLOEXEC)) >= 0) {
		if (write(fd, "0\n", 2) != 2)
			error = errno;
		close(fd);
	} else if (error == 0) {
		error = errno;
	}
	close(cg);
	return error;
}

/*
 * The routes of the raw sockets of an IP-alias jail with
 * allow.raw_sockets made again from the main table (the supervisor, when
 * the host's routes change); quietly, 0 or the error.
 */
int
jail_ipalias_routes(const struct jail_rec *r)
{
	char err[512];

	if (!jail_ipalias(&r->params) ||
	    !jail_pbool(&r->params, "allow.raw_sockets", false))
		return 0;
	return jail_raw_routes(r, true, true, err, sizeof(err));
}

/*
 * The setsockopt program of this build in the jail's cgroup: a jail made
 * by an older jail(8) had none, or one that let more options by.  It
 * reads no map, so it joins the set the jail was made with: its pinned
 * link takes the new program, or a link is made and pinned.
 */
static int
jail_sockopt_renew(const struct jail_ipstate *st)
{
	int fds[JAIL_NPROGS + 1], cg, link, error = 0;
	char path[PATH_MAX + 64], err[256];
	size_t i;

	for (i = 0; i < JAIL_NPROGS; i++)
		if (jail_progs[i].type == BPF_CGROUP_SETSOCKOPT)
			break;
	if (i == JAIL_NPROGS)
		return 0;
	if ((error = jail_progs_get(fds, err, sizeof(err))) != 0)
		return error;
	snprintf(path, sizeof(path), "%s/%s", st->pins, jail_progs[i].name);
	if ((link = bpf_obj_get(path)) >= 0) {
		if (bpf_link_update(link, fds[i], NULL) != 0)
			error = errno;
		close(link);
		jail_close_fds(fds, JAIL_NPROGS + 1);
		return error;
	}
	cg = open(st->cgroup, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (cg < 0)
		error = errno;
	else if ((link = bpf_link_create(fds[i], cg, jail_progs[i].type,
		      NULL)) < 0 ||
	    bpf_obj_pin(link, path) != 0)
		error = errno;
	if (link >= 0)
		close(link);
	if (cg >= 0)
		close(cg);
	jail_close_fds(fds, JAIL_NPROGS + 1);
	return error;
}

int
jail_ipalias_update(const struct jail_rec *r)
{
	struct jail_ipstate st;
	struct jail_sock_cfg c;
	char err[512];
	uint64_t id;
	int fd, error;

	if (!jail_ipalias(&r->params))
		return 0;
	if ((error = jail_fill_cfg(&r->params, r->jid, &c)) != 0)
		return error;
	if (jail_ipstate_read(r, &st) != 0)
		return ENOLINK;
	if ((error = jail_sockopt_renew(&st)) != 0)
		jail_warnx(JR(r), "setsockopt program: %s", strerror(error));
	/* the routes first: raw sockets may be made once the map says so;
	 * without them, only a raw socket bound to the jail's address
	 * sends (said, not refused) */
	if (jail_raw_routes(r, (c.flags & JAIL_SOCK_F_ALLOW_RAW) != 0, false,
		err, sizeof(err)) != 0)
		jail_warnx(JR(r), "%s", err);
	if ((error = jail_cgroup_id(st.cgroup, &id)) == 0) {
		if ((fd = bpf_obj_get(st.map)) < 0)
			error = errno;
		else if (bpf_map_update_elem(fd, &id, &c, BPF_EXIST) != 0)
			error = errno;
		if (fd >= 0)
			close(fd);
	}
	jail_ipstate_free(&st);
	return error;
}

/* Is anything left in the cgroup (a process of the jail not yet gone)? */
static bool
jail_populated(const char *cgroup)
{
	char path[PATH_MAX + 32], line[64];
	bool pop = false;
	FILE *fp;

	snprintf(path, sizeof(path), "%s/cgroup.events", cgroup);
	if ((fp = fopen(path, "re")) == NULL)
		return false;
	while (fgets(line, sizeof(line), fp) != NULL)
		if (strcmp(line, "populated 1\n") == 0)
			pop = true;
	fclose(fp);
	return pop;
}

static void
jail_kill_cgroup(const char *cgroup)
{
	struct timespec pause = { 0, 10 * 1000000L };
	char path[PATH_MAX + 32];
	int fd;

	snprintf(path, sizeof(path), "%s/cgroup.kill", cgroup);
	if ((fd = open(path, O_WRONLY | O_CLOEXEC)) >= 0) {
		(void)write(fd, "1\n", 2);
		close(fd);
	}
	for (int waited = 0;
	     waited < JAIL_KILL_WAIT_MS && jail_populated(cgroup); waited += 10)
		nanosleep(&pause, NULL);
	for (int waited = 0;
	     rmdir(cgroup) != 0 && errno == EBUSY && waited < JAIL_KILL_WAIT_MS;
	     waited += 10)
		nanosleep(&pause, NULL);
}

/* dir, then its parent and grandparent when they are left empty. */
static void
jail_rmdirs(char *dir, int levels)
{
	for (int i = 0; i <= levels; i++) {
		char *slash;

		if (i > 0 && rmdir(dir) != 0)
			return;
		if ((slash = strrchr(dir, '/')) == NULL || slash == dir)
			return;
		*slash = '\0';
	}
}

void
jail_ipalias_destroy(const struct jail_rec *r)
{
	struct jail_ipstate st;
	struct jail_nl *nl = NULL;
	char path[PATH_MAX + 64];
	int idx;

	if (jail_ipstate_read(r, &st) != 0)
		return;
	if (st.cgroup[0] != '\0') {
		char err[256];

		jail_kill_cgroup(st.cgroup);
		/* the raw sockets' rule and routes, if it had them */
		(void)jail_raw_routes(r, false, true, err, sizeof(err));
		/* the jail's directory and, if empty, r-<run> and ngjail */
		jail_rmdirs(st.cgroup, 2);
	}
	if (st.pins[0] != '\0') {
		jail_unpin(st.pins);
		(void)rmdir(st.pins);
		jail_rmdirs(st.pins, 1);
	}
	for (size_t i = 0; i < st.naliases; i++) {
		if (nl == NULL && jail_nl_open(-1, &nl) != 0)
			break;
		/* gone with its interface, or moved: nothing to do */
		if (jail_nl_index(nl, st.aliases[i].iface, &idx) == 0)
			(void)jail_nl_deladdr(nl, idx, &st.aliases[i]);
	}
	jail_nl_close(nl);
	jail_ipstate_free(&st);
	jail_ipstate_path(r, path, sizeof(path));
	(void)unlink(path);
	/* a create that failed before the record was written */
	snprintf(path, sizeof(path), "%s/%s", JAIL_RUNDIR, r->name);
	(void)rmdir(path);
}
