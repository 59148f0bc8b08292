/*
 * jail.h: what the jail tools share.  jail(8), jexec(8) and jls(8) are
 * thin mains over libjail: the jail.conf parser (jail_conf.c), the
 * parameter table (jail_param.c), the record of running jails under
 * /run/jail (jail_state.c), namespaces and the supervisor of every
 * jail (jail_ns.c), netlink (jail_nl.c) and running commands (jail_exec.c).
 */
#ifndef JAIL_H
#define JAIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>

#define JAIL_RUNDIR "/run/jail"
#define JAIL_NETNSDIR "/run/netns"
#define JAIL_NATDIR "/run/jail-nat" /* examples/jail-nat-redirect's */
#define JAIL_CONF_DEFAULT "/etc/jail.conf"
/*
 * PATH in a clean environment (jexec -l, exec.clean): FreeBSD sets it from
 * the login class, whose default (login.conf's) has the sbin directories
 * too, so that jexec -l j sysctl works; without ~/bin, which Linux's
 * login does not give either.
 */
#define JAIL_LOGIN_PATH                                                        \
	"/sbin:/bin:/usr/sbin:/usr/bin:/usr/local/sbin:/usr/local/bin"
#define JAIL_NAMEMAX 255
#define JAIL_STOP_TIMEOUT 10 /* seconds, FreeBSD's default */

/* --- messages (jail_util.c) ------------------------------------------- */

/*
 * Diagnostics collected rather than printed, so a caller (or a unit
 * test) decides where they go.  Each line lacks the program prefix.
 */
struct jail_diag {
	char **msgs;
	size_t n;
};

void jail_diag_add(struct jail_diag *d, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void jail_diag_print(const struct jail_diag *d, FILE *fp);
void jail_diag_free(struct jail_diag *d);

/* "prog: msg\n" on stderr; jname, when not NULL, prefixes "jname: " */
void jail_warnx(const char *jname, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/*
 * FreeBSD getopt(3)'s complaint about the option getopt just refused:
 * call with opterr = 0 and an optstring whose ':' (after any '+') makes
 * a missing argument return ':'; ch is getopt's return value.
 */
void jail_getopt_warn(int ch);

/* A growable list of strings; NULL-terminated for execvp. */
struct jail_strv {
	char **v;
	size_t n;
	size_t cap;
};

int jail_strv_add(struct jail_strv *sv, const char *s);
int jail_strv_addn(struct jail_strv *sv, const char *s, size_t len);
void jail_strv_free(struct jail_strv *sv);

/* Quote a value as jail -e, -J and jls -q do (FreeBSD's rule). */
void jail_quote(FILE *fp, const char *s, bool escape);
bool jail_is_number(const char *s);

/* --- parameters (jail_param.c) ---------------------------------------- */

/* One parameter: its name as last spelled, its values (none = bare). */
struct jail_param {
	char *name;
	struct jail_strv vals;
};

/* An ordered parameter list; order is first appearance. */
struct jail_params {
	struct jail_param *v;
	size_t n;
};

enum jail_ptype {
	JP_BOOL,    /* bare, true/false, integer */
	JP_JAILSYS, /* disable, new, inherit or 0..2; bare = new */
	JP_INT,
	JP_STRING,
	JP_ADDRS, /* address list, comma separated */
	JP_LIST,  /* list of strings (exec.*, mount, ...) */
};

/* What Linux makes of a parameter. */
enum jail_support {
	JS_YES,  /* implemented */
	JS_NONE, /* accepted, stored, shown; no Linux mechanism: warning */
	JS_RO,   /* read-only: cannot be set */
};

struct jail_pdesc {
	const char *name;
	enum jail_ptype type;
	bool kernel;      /* a kernel parameter (jls shows it) */
	bool create_only; /* cannot change with -m */
	enum jail_support support;
	const char *dflt; /* what jls shows when unset, NULL: empty */
};

const struct jail_pdesc *jail_pdesc(const char *name, bool *negated);
const struct jail_pdesc *jail_pdesc_all(size_t *n);
bool jail_pname_equal(const char *a, const char *b);

struct jail_param *jail_params_find(const struct jail_params *ps,
    const char *name);
int jail_params_set(struct jail_params *ps, const char *name,
    const char *const *vals, size_t nvals, bool append);
int jail_params_set1(struct jail_params *ps, const char *name, const char *val);
void jail_params_del(struct jail_params *ps, const char *name);
int jail_params_copy(struct jail_params *dst, const struct jail_params *src);
void jail_params_free(struct jail_params *ps);

/* Typed reads.  A missing parameter gives dflt. */
const char *jail_pstr(const struct jail_params *ps, const char *name);
bool jail_pbool(const struct jail_params *ps, const char *name, bool dflt);
long jail_pint(const struct jail_params *ps, const char *name, long dflt);
/* jailsys: 0 disable, 1 new, 2 inherit; dflt when unset */
int jail_psys(const struct jail_params *ps, const char *name, int dflt);
/* The value of one parameter as one string (lists comma-joined). */
char *jail_pjoin(const struct jail_param *p);
void jail_params_print(FILE *fp, const struct jail_params *ps, const char *sep);

/*
 * Check every parameter: known, well-typed, settable.  Messages go to
 * d; warns lists the parameters that have no effect on Linux.
 */
int jail_params_check(const struct jail_params *ps, struct jail_diag *d,
    struct jail_strv *warns);

/* An ip4.addr / ip6.addr element: [iface|]addr[/len] */
struct jail_addr {
	char iface[64];
	int family;
	unsigned char addr[16];
	int prefixlen;
	char text[64]; /* the address alone, as jls shows it */
};

int jail_addr_parse(const char *s, int family, struct jail_addr *a);

/* --- jail.conf (jail_conf.c) ------------------------------------------ */

struct jail_conf;

/*
 * Parse path ("-" = standard input) into a fresh configuration.  On
 * error, the messages (each with file and line) are in d and *confp is
 * NULL.  Returns 0, ENOENT (no such file) or EINVAL.
 */
int jail_conf_load(const char *path, struct jail_conf **confp,
    struct jail_diag *d);
void jail_conf_free(struct jail_conf *conf);

/* The real (non-wildcard) jails, in definition order. */
size_t jail_conf_njails(const struct jail_conf *conf);
const char *jail_conf_name(const struct jail_conf *conf, size_t i);
ssize_t jail_conf_find(const struct jail_conf *conf, const char *name);

/*
 * The parameters of jail i: its own, the global ones and those of
 * matching wildcard blocks, merged in FreeBSD's order, variables
 * substituted.  Messages go to d (prefixed with the jail's name).
 * Returns 0 or EINVAL (the jail is unusable; ps still has what could be
 * worked out).
 */
int jail_conf_params(const struct jail_conf *conf, size_t i,
    struct jail_params *ps, struct jail_diag *d);

/*
 * Where jail i's parameter name was set: "file line n" in buf; shown
 * says whether the file's text may be echoed (anyone may read it).
 */
bool jail_conf_where(const struct jail_conf *conf, size_t i, const char *name,
    char *buf, size_t size, bool *shown);

/* Does a wildcard name ("*", "foo.*") match a jail name? */
bool jail_wild_match(const char *name, const char *pattern);
bool jail_is_wild(const char *name);

/* --- running jails (jail_state.c) ------------------------------------- */

/* An interface moved in by vnet.interface. */
struct jail_iface {
	char name[64];            /* its name at home, which it gets back */
	int inner_index;          /* its index inside, when moved */
	bool ng;                  /* placed by ngd's vnet message (jail_ng.c) */
	unsigned long long sysid; /* jail_sys_id() inside; 0: not known
				   * (a record of an older jail(8)) */
};

struct jail_rec {
	int jid;
	char name[JAIL_NAMEMAX + 1];
	struct jail_params params; /* as created, updated by -m */
	pid_t init_pid;            /* the jail's PID 1, in our view */
	unsigned long long init_start;
	pid_t super_pid; /* the supervisor, its init's parent */
	unsigned long long super_start;
	unsigned long long home_dev, home_ino; /* the creator's netns */
	bool own_net;                          /* /run/netns/NAME is ours */
	struct jail_iface *ifaces;
	size_t nifaces;
	/* not kept in the state file: this jail(8)'s to say */
	bool named; /* from a config file: messages start "name: " */
};
/* The name a message about jail r starts with (NULL: none), as FreeBSD's
 * jail(8) names only config jails. */
#define JR(r) ((r)->named ? (r)->name : NULL)

int jail_lock(int *fdp);
int jail_trylock(int *fdp); /* EWOULDBLOCK: held */
void jail_unlock(int fd);
int jail_rec_read(const char *name_or_jid, struct jail_rec *r);
int jail_rec_write(const struct jail_rec *r);
int jail_rec_remove(const struct jail_rec *r);
void jail_rec_free(struct jail_rec *r);
/* Every recorded jail, sorted by jid; EACCES if some were not ours to
 * read (the rest are listed). */
int jail_rec_list(struct jail_rec **recsp, size_t *np);
void jail_rec_list_free(struct jail_rec *recs, size_t n);
int jail_next_jid(int *jidp);
bool jail_rec_alive(const struct jail_rec *r);
/* Its processes gone, its supervisor yet to bring its interfaces home. */
bool jail_rec_dying(const struct jail_rec *r);
int jail_rec_add_iface(struct jail_rec *r, const char *name, int idx);
/* The record in the state file's form, and back (name: the jail's). */
void jail_rec_dump(FILE *fp, const struct jail_rec *r);
int jail_rec_load(FILE *fp, const char *name, struct jail_rec *r);

/* Start time of a process (field 22 of /proc/PID/stat), 0 if gone. */
unsigned long long jail_proc_start(pid_t pid);

/* --- namespaces (jail_ns.c) ------------------------------------------- */

/*
 * Make the jail's namespaces and its init, through the supervisor
 * (started if none runs).  Fills the runtime fields of r.  On failure,
 * a message is in err.
 */
int jail_ns_create(struct jail_rec *r, char *err, size_t errlen);
/*
 * jail(8) run as `jail JAIL_SUPER_ARG': the supervisor, the parent of
 * every jail's init, listening on lfd; returns when no jail is left.
 */
#define JAIL_SUPER_ARG "--jail-supervisor"
int jail_ns_super(int lfd);
/*
 * Before jail(8) exits: the supervisor reaps the inits that died; if it
 * has no jail left it goes, and we wait until it has.
 */
void jail_ns_settle(void);
/* A pidfd for the jail's init, checked against the record. */
int jail_ns_pidfd(const struct jail_rec *r, int *fdp);
/* Namespace flags to enter the jail with setns(pidfd, ...). */
int jail_ns_flags(const struct jail_rec *r);
/* Tell the jail's init whether to outlive its last process. */
int jail_ns_set_persist(const struct jail_rec *r, bool persist);
/* Every process of the jail but init, in our view. */
int jail_ns_pids(const struct jail_rec *r, pid_t **pidsp, size_t *np);
/*
 * Before removing many jails: one look through /proc that jail_ns_pids()
 * and jail_ns_destroy() use instead of one each (jail_ns_scan_drop()
 * forgets it: after a jail's own commands ran, say).
 */
void jail_ns_scan(void);
void jail_ns_scan_drop(void);
/*
 * End the jail: kill its init (the kernel kills the rest), wait for
 * it, then return the interfaces and drop the record (unless the
 * supervisor was first).  Call without the lock.
 */
int jail_ns_destroy(struct jail_rec *r);
/*
 * Many jails at once: every init killed and every jail torn down, then
 * every init waited for together; errs[i] is rs[i]'s error.  Call
 * without the lock.
 */
void jail_ns_destroy_many(struct jail_rec *rs, size_t n, int *errs);
/* The teardown itself, with the lock held: what the supervisor does. */
int jail_ns_teardown(struct jail_rec *r, int homefd);
int jail_ns_sethostname(const struct jail_rec *r, const char *host,
    const char *domain);
/* The names the jail's UTS namespace holds now (size bytes each). */
int jail_ns_gethostname(const struct jail_rec *r, char *host, char *domain,
    size_t size);

/* --- netlink (jail_nl.c, through libmnl) ------------------------------ */

struct jail_nl;

/* A route netlink socket in the network namespace nsfd (-1: ours). */
int jail_nl_open(int nsfd, struct jail_nl **nlp);
void jail_nl_close(struct jail_nl *nl); /* accepts NULL */
int jail_nl_index(struct jail_nl *nl, const char *name, int *idxp);
int jail_nl_link(struct jail_nl *nl, int idx); /* 0, or ENODEV: gone */
/* name: IFNAMSIZ bytes */
int jail_nl_ifname(struct jail_nl *nl, int idx, char *name);
/* The link of index idx (0: the one named newname) moved to the
 * namespace nsfd, named newname there if not NULL. */
int jail_nl_move(struct jail_nl *nl, int idx, int nsfd, const char *newname);
int jail_nl_up(struct jail_nl *nl, int idx);
int jail_nl_addr(struct jail_nl *nl, int idx, const struct jail_addr *a);
int jail_nl_deladdr(struct jail_nl *nl, int idx, const struct jail_addr *a);
/*
 * An IP-alias jail's own routes (jail_ipalias.c): table a copy of the
 * main table's unicast routes with a source of srcs, flushed, and the
 * rule that sends what carries mark there.
 */
int jail_nl_rt_copy(struct jail_nl *nl, int family, unsigned table,
    const struct jail_addr *srcs, size_t n, bool saddrsel);
int jail_nl_rt_flush(struct jail_nl *nl, int family, unsigned table);
int jail_nl_rule(struct jail_nl *nl, int family, unsigned mark, unsigned table,
    unsigned pref, bool add);
/* A socket told of route changes; did the main table change? */
int jail_nl_watch_routes(int *fdp);
bool jail_nl_routes_moved(int fd);
/*
 * A link's identity, which jailed root cannot give another link as it can
 * a name or an index (jail_nl.c).  jail_sys_open: a directory of the
 * links of the namespace nsfd (-1: ours), for the two others to look in.
 */
int jail_sys_open(int nsfd, int *dfdp);
/* jail_nl_open(), and jail_sys_open()'s directory in *sysp (NULL: none) */
int jail_nl_open_sys(int nsfd, struct jail_nl **nlp, int *sysp);
int jail_sys_id(int dfd, int idx, unsigned long long *idp);
int jail_sys_find(int dfd, unsigned long long id, int *idxp); /* ENODEV */

/* --- interfaces placed by ngd (jail_ng.c) ------------------------------ */

/*
 * ngd's vnet message for the eiface or iface whose interface is ifname:
 * made anew in /run/netns/NETNS ("" = ngd's own namespace).  0 done,
 * ENOENT not ngd's (move it with jail_nl_move), else ngd's error.
 */
int jail_ng_vnet(const char *ifname, const char *netns);
/*
 * For tests only, JAIL_TEST_VNET_LATE=FILE (jail(8)): connected to ngd,
 * about to ask it to place an interface in a jail, jail(8) makes
 * FILE.held and waits until FILE exists (want), and once that request
 * went unanswered
 * (NGD_TIMEOUT), before it moves the interface itself, until FILE is
 * gone (!want); 30 s at most each.
 */
void jail_test_vnet_late(bool want);
void jail_test_hold(const char *env, bool want);
/*
 * One round trip to ngd, answered once ngd has brought home the
 * interfaces of every name already gone from /run/netns.  0, or ENOENT:
 * no ngd.
 */
int jail_ng_barrier(void);
bool jail_ng_at_home(const struct jail_rec *r);
/* This thread's connection to ngd, closed. */
void jail_ng_close(void);

/* --- running commands (jail_exec.c) ----------------------------------- */

struct jail_run {
	const struct jail_params *ps; /* exec.* settings */
	const struct jail_rec *rec;   /* for in-jail commands */
	const char *jname;            /* message prefix, or NULL */
	bool verbose;
};

/*
 * Run one exec.* line (FreeBSD's rules: a shell for special characters,
 * a final & for background).  Returns 0, or EINVAL after printing
 * "<cmdline>: failed" and the like.
 */
int jail_run_line(const struct jail_run *ctx, const char *line, bool injail);
/* Run argv as is (param-form `command`). */
int jail_run_argv(const struct jail_run *ctx, char *const *argv, bool injail);
/* Every line of a list parameter, in order; stops at the first failure. */
int jail_run_list(const struct jail_run *ctx, const char *param, bool injail);

/*
 * Become a process of the jail: enter its namespaces (this process
 * must be about to fork), for jexec and in-jail commands.
 */
int jail_enter(const struct jail_rec *r, int pidfd);
/*
 * In a forked child inside the jail (jail_confine.c): drop what jailed
 * root may not do.  vnet: the jail has a network stack of its own;
 * own_net: a network namespace of its own (vnet, or no addresses).
 */
int jail_confine(const struct jail_params *ps, bool vnet, bool own_net);
struct sock_filter;
/*
 * The seccomp filter jail_confine() installs, into f (room for max
 * instructions), its length in *n: 0, E2BIG, or ENOTSUP where it knows
 * no architecture.  For the tests, which run it on crafted calls.
 */
int jail_seccomp_filter(const struct jail_params *ps, bool vnet,
    struct sock_filter *f, size_t max, size_t *n);
/*
 * Can jail_confine() keep a jail on the host's stack off its abstract
 * unix sockets (Landlock ABI 6)?
 */
bool jail_scope_supported(void);
/* Does a jail with these parameters get a network namespace of its own? */
bool jail_want_net(const struct jail_params *ps);
/* allow.mount in force: FreeBSD also wants enforce_statfs below 2. */
bool jail_mount_allowed(const struct jail_params *ps);
/*
 * After exec of prog failed with error inside a jail: why, when it is
 * the program's file capabilities (Debian's ping is cap_net_raw=ep, and
 * Linux refuses to run it without CAP_NET_RAW where FreeBSD's ping runs
 * and its socket(2) fails): " (its file capabilities need
 * allow.raw_sockets)" into buf, else "".
 */
void jail_exec_why(const char *prog, int error, char *buf, size_t size);
/* Is this process in a jail (where jails cannot be made)? */
bool jail_inside(void);
#define JAIL_INSIDE_MARK ".inside" /* in a jail's own /run/jail */

/* --- create, remove, modify one jail (jail_ops.c) ----------------------- */

/* How jail(8) was asked to act. */
struct jail_opts {
	bool quiet;          /* -q */
	bool verbose;        /* -v */
	bool print_jid;      /* -i */
	bool note_removed;   /* say "removed" (config, several, wildcard) */
	const char *jidfile; /* -J */
	int jidfd;           /* -J's, open once jail_open_jidfile ran; -1 */
	bool oldstyle;       /* jail path hostname ip command... */
};

/* One jail to act on. */
struct jail_target {
	char *name;        /* as messages call it */
	bool named;        /* from a config file: messages start "name: " */
	bool wild;         /* named by a wildcard or by no name at all */
	bool failed;       /* the config could not be worked out */
	bool argv_command; /* `command' words are argv, not lines */
	struct jail_params ps;
	const struct jail_conf *conf; /* where it was defined, or NULL */
	size_t conf_index;
};

int jail_open_jidfile(struct jail_opts *o);
int jail_op_create(const struct jail_opts *o, struct jail_target *t);
int jail_op_remove(const struct jail_opts *o, struct jail_target *t,
    struct jail_rec *r);
/* No stop commands: jail_op_remove_many() may take it with others. */
bool jail_op_batchable(const struct jail_target *t);
/* Remove n jails together (none depending on another); errs[i] for ts[i]. */
void jail_op_remove_many(const struct jail_opts *o, struct jail_target **ts,
    struct jail_rec *rs, size_t n, int *errs);
int jail_op_modify(const struct jail_opts *o, struct jail_target *t,
    struct jail_rec *r, bool restart);
/* The running jail a target names: 0, ENOENT, or EPERM (its record is
 * root's to read). */
int jail_op_lookup(const char *key, struct jail_rec *r);

/* --- IP-alias jails (jail_ipalias.c) ------------------------------------ */

/*
 * A non-vnet jail with ip4.addr or ip6.addr shares the host's stack;
 * its sockets are confined by the programs of src/bpf/jail_sock.bpf.c
 * attached to a cgroup of its own, and its addresses are aliases on the
 * host's interfaces.
 */
bool jail_ipalias(const struct jail_params *ps);
/* The checks jail -c makes; messages name jname. */
int jail_ipalias_check(const struct jail_params *ps, const char *jname);
/*
 * With the lock held, before the jail's init starts: the cgroup, the
 * programs attached and pinned, the aliases.  Undone by
 * jail_ipalias_destroy() on failure.
 */
int jail_ipalias_create(const struct jail_rec *r, char *err, size_t errlen);
/*
 * Move this process into the jail's cgroup, after checking the programs
 * are still attached: every process of the jail does it first.  0 for a
 * jail that is not an IP-alias jail.
 */
int jail_ipalias_enter(const struct jail_rec *r);
/* jail -m: the programs take the parameters the record has now. */
int jail_ipalias_update(const struct jail_rec *r);
/* With allow.raw_sockets: its raw sockets' routes made again from the
 * main table (the supervisor, when the host's routes change). */
int jail_ipalias_routes(const struct jail_rec *r);
/* Kill what is left in the cgroup, remove it, its pins and aliases. */
void jail_ipalias_destroy(const struct jail_rec *r);

#endif
