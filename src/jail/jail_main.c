/*
 * jail_main.c: jail(8).  Reads the options, decides (as FreeBSD does)
 * whether the arguments are parameters, jail names from jail.conf or
 * the old `path hostname ip command' form, puts the jails in dependency
 * order and hands each to jail_ops.c: create (-c), modify (-m),
 * remove (-r, -R), or print the configuration (-e).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "jail.h"

#define OP_START 1
#define OP_SET 2
#define OP_STOP 4

struct cli {
	int op;
	long parallel; /* -p: jails made or removed at once; 0: no limit */
	bool R, C, docf;
	const char *cfile;
	const char *esep;
	struct jail_opts o;
	struct jail_params extra; /* from -h -l -n -s -u -U */
	struct jail_conf *conf;
};

struct targets {
	struct jail_target *v;
	size_t n;
};

static void
jail_usage(void)
{
	fprintf(stderr,
	    "usage: jail [-dhilqv] [-J jid_file] [-u username] [-U username]\n"
	    "            -[cmr] param=value ... [command=command ...]\n"
	    "       jail [-dqv] [-f file] -[cmr] [jail]\n"
	    "       jail [-qv] [-f file] -[rR] ['*' | jail ...]\n"
	    "       jail [-dhilqv] [-J jid_file] [-u username] [-U username]\n"
	    "            [-n jailname] [-s securelevel]\n"
	    "            path hostname ip[,...] command ...\n"
	    "       jail [-f file] -e separator\n");
}

static struct jail_target *
jail_add_target(struct targets *ts, const char *name, bool named, bool wild)
{
	struct jail_target *nv, *t;

	if ((nv = realloc(ts->v, (ts->n + 1) * sizeof(*nv))) == NULL)
		return NULL;
	ts->v = nv;
	t = &nv[ts->n];
	memset(t, 0, sizeof(*t));
	if ((t->name = strdup(name)) == NULL)
		return NULL;
	t->named = named;
	t->wild = wild;
	ts->n++;
	return t;
}

static void
jail_free_targets(struct targets *ts)
{
	for (size_t i = 0; i < ts->n; i++) {
		free(ts->v[i].name);
		jail_params_free(&ts->v[i].ps);
	}
	free(ts->v);
}

/* Load the configuration; messages printed.  0, ENOENT or EINVAL. */
static int
jail_load_conf(struct cli *c)
{
	struct jail_diag d = { 0 };
	int error;

	error = jail_conf_load(c->cfile, &c->conf, &d);
	jail_diag_print(&d, stderr);
	jail_diag_free(&d);
	return error;
}

/* A target for config jail i, with its merged parameters. */
static struct jail_target *
jail_conf_target(struct cli *c, struct targets *ts, size_t i, bool wild)
{
	struct jail_diag d = { 0 };
	struct jail_target *t;

	t = jail_add_target(ts, jail_conf_name(c->conf, i), true, wild);
	if (t == NULL)
		return NULL;
	t->conf = c->conf;
	t->conf_index = i;
	if (jail_conf_params(c->conf, i, &t->ps, &d) != 0)
		t->failed = true;
	jail_diag_print(&d, stderr);
	jail_diag_free(&d);
	return t;
}

/* -e: every configured jail, its parameters joined by sep. */
static int
jail_print_conf(struct cli *c)
{
	struct targets ts = { 0 };
	int rc = 0;

	/* a write per jail is most of the time for many jails; messages
	 * still come in order, as jail_warnx() flushes stdout first */
	setvbuf(stdout, NULL, _IOFBF, 0);
	if (jail_load_conf(c) != 0)
		return 1;
	for (size_t i = 0; i < jail_conf_njails(c->conf); i++) {
		struct jail_target *t = jail_conf_target(c, &ts, i, true);

		if (t == NULL) {
			jail_warnx(NULL, "%s", strerror(ENOMEM));
			rc = 1;
			break;
		}
		jail_params_print(stdout, &t->ps, c->esep);
		/* what was printed is what could be worked out: say so */
		if (t->failed)
			rc = 1;
		/* one at a time: 300,000 jails need not be held at once */
		jail_free_targets(&ts);
		memset(&ts, 0, sizeof(ts));
	}
	jail_free_targets(&ts);
	return rc;
}

/* Parameters from the command line: name=value, or a bare name. */
static int
jail_param_args(struct jail_params *ps, int argc, char **argv, bool *argvcmd)
{
	static const char *const lists[] = { "ip4.addr", "ip6.addr",
		"vnet.interface", "zfs.dataset" };
	int error = 0;

	for (int i = 0; i < argc && error == 0; i++) {
		char *a = argv[i], *eq = strchr(a, '='), name[256];
		bool listp = false;

		if (strcmp(a, "command") == 0 ||
		    strncmp(a, "command=", 8) == 0) {
			struct jail_strv words = { 0 };

			if (eq != NULL && eq[1] != '\0')
				jail_strv_add(&words, eq + 1);
			for (i++; i < argc; i++)
				jail_strv_add(&words, argv[i]);
			error = jail_params_set(ps, "command",
			    (const char *const *)words.v, words.n, false);
			jail_strv_free(&words);
			*argvcmd = true;
			break;
		}
		snprintf(name, sizeof(name), "%.*s",
		    eq != NULL ? (int)(eq - a) : (int)strlen(a), a);
		for (size_t k = 0; k < 4; k++)
			if (strcmp(name, lists[k]) == 0)
				listp = true;
		if (listp && eq != NULL) {
			char *v = eq + 1, *comma;

			if (jail_params_find(ps, name) == NULL)
				error = jail_params_set(ps, name, NULL, 0,
				    false);
			while (error == 0 && *v != '\0') {
				const char *piece = v;

				if ((comma = strchr(v, ',')) != NULL)
					*comma = '\0';
				error = jail_params_set(ps, name, &piece, 1,
				    true);
				if (comma == NULL)
					break;
				v = comma + 1;
			}
		} else {
			error = jail_params_set1(ps, name,
			    eq != NULL ? eq + 1 : NULL);
		}
	}
	return error;
}

static int
jail_add_extra(const struct cli *c, struct jail_params *ps)
{
	for (size_t i = 0; i < c->extra.n; i++) {
		const struct jail_param *p = &c->extra.v[i];
		int error = jail_params_set(ps, p->name,
		    (const char *const *)p->vals.v, p->vals.n, false);

		if (error != 0)
			return error;
	}
	return 0;
}

/* --- dependency order ---------------------------------------------------- */

static ssize_t
jail_find_target(const struct targets *ts, const char *name)
{
	for (size_t i = 0; i < ts->n; i++)
		if (strcmp(ts->v[i].name, name) == 0)
			return (ssize_t)i;
	return -1;
}

/*
 * stack[0..depth) is the path that led to i, met again on it: i closes
 * a loop, and every jail of the loop fails (FreeBSD's dep_setup says
 * "dependency loop" for them whatever the action; the others go on).
 */
static void
jail_loop_fail(struct targets *ts, size_t i, const size_t *stack, size_t depth)
{
	size_t s = depth;

	while (s > 0 && stack[s - 1] != i)
		s--;
	for (s = s > 0 ? s - 1 : 0; s < depth; s++)
		if (!ts->v[stack[s]].failed) {
			jail_warnx(ts->v[stack[s]].name, "dependency loop");
			ts->v[stack[s]].failed = true;
		}
}

/*
 * Put i's dependencies (adding config jails as needed) before it.
 * stack[0..*depth): the path that led here (a jail met again on it
 * closes a loop: its jails fail, the jails that depend on them are
 * skipped when their turn comes, the others are made).
 */
static int
jail_visit(struct cli *c, struct targets *ts, size_t i, char *mark,
    size_t *order, size_t *norder, size_t *stack, size_t *depth)
{
	struct jail_param *dep;
	ssize_t k;
	int error;

	if (mark[i] == 1)
		jail_loop_fail(ts, i, stack, *depth);
	if (mark[i] != 0)
		return 0;
	mark[i] = 1;
	stack[(*depth)++] = i;
	dep = jail_params_find(&ts->v[i].ps, "depend");
	for (size_t d = 0; dep != NULL && d < dep->vals.n; d++) {
		const char *dn = dep->vals.v[d];

		if ((k = jail_find_target(ts, dn)) < 0) {
			ssize_t ci = c->conf != NULL ?
			    jail_conf_find(c->conf, dn) :
			    -1;

			if (ci < 0) {
				jail_warnx(ts->v[i].named ? ts->v[i].name :
							    NULL,
				    "depends on %s jail \"%s\"",
				    ts->v[i].named ? "undefined" :
						     "nonexistent",
				    dn);
				ts->v[i].failed = true;
				continue;
			}
			/* a dependency is started even when not asked for */
			if (jail_conf_target(c, ts, (size_t)ci, true) == NULL)
				return ENOMEM;
			k = (ssize_t)ts->n - 1;
			dep = jail_params_find(&ts->v[i].ps, "depend");
		}
		if ((error = jail_visit(c, ts, (size_t)k, mark, order, norder,
			 stack, depth)) != 0)
			return error;
	}
	(*depth)--;
	mark[i] = 2;
	order[(*norder)++] = i;
	return 0;
}

static bool
jail_depends_on(const struct jail_target *t, const char *name)
{
	struct jail_param *dep = jail_params_find(&t->ps, "depend");

	for (size_t d = 0; dep != NULL && d < dep->vals.n; d++)
		if (strcmp(dep->vals.v[d], name) == 0)
			return true;
	return false;
}

/*
 * For removal: the jails that depend on i go before it.  stack[0..*depth)
 * is the path that led here; met again on it, i closes a loop
 * (jail_loop_fail).
 */
static void
jail_visit_stop(struct targets *ts, size_t i, char *mark, size_t *order,
    size_t *norder, size_t *stack, size_t *depth)
{
	if (mark[i] == 1)
		jail_loop_fail(ts, i, stack, *depth);
	if (mark[i] != 0)
		return;
	mark[i] = 1;
	stack[(*depth)++] = i;
	for (size_t k = 0; k < ts->n; k++)
		if (jail_depends_on(&ts->v[k], ts->v[i].name))
			jail_visit_stop(ts, k, mark, order, norder, stack,
			    depth);
	(*depth)--;
	mark[i] = 2;
	order[(*norder)++] = i;
}

static int
jail_order_targets(struct cli *c, struct targets *ts, size_t **orderp)
{
	size_t cap, norder = 0, *order, *stack, depth = 0;
	char *mark;
	int error = 0;

	/* Dependencies add jails of the config, each at most once: room
	 * for every one of them (a chain of any length is ordered whole). */
	cap = ts->n + (c->conf != NULL ? jail_conf_njails(c->conf) : 0) + 1;
	*orderp = NULL;
	order = calloc(cap, sizeof(*order));
	mark = calloc(cap, 1);
	if (order == NULL || mark == NULL) {
		free(order);
		free(mark);
		return ENOMEM;
	}
	if ((stack = calloc(cap, sizeof(*stack))) == NULL) {
		free(mark);
		*orderp = order;
		return ENOMEM;
	}
	if (c->op == OP_STOP) {
		for (size_t i = 0; i < ts->n; i++)
			jail_visit_stop(ts, i, mark, order, &norder, stack,
			    &depth);
	} else {
		for (size_t i = 0; i < ts->n && error == 0; i++)
			error = jail_visit(c, ts, i, mark, order, &norder,
			    stack, &depth);
	}
	free(stack);
	free(mark);
	*orderp = order;
	return error;
}

/* --- doing it ------------------------------------------------------------ */

static int
jail_run_target(struct cli *c, struct jail_target *t)
{
	struct jail_rec r;
	const char *key = jail_pstr(&t->ps, "name");
	bool exists;
	int error;

	if (key == NULL)
		key = jail_pstr(&t->ps, "jid");
	if (key == NULL)
		key = t->name;
	exists = *key != '\0' && jail_op_lookup(key, &r) == 0;
	if (exists)
		r.named = t->named;
	if (!exists && c->op != OP_START && c->op != (OP_START | OP_SET) &&
	    c->op != (OP_START | OP_SET | OP_STOP) &&
	    !(c->op == (OP_START | OP_STOP) && t->wild)) {
		if (t->wild && c->op == OP_STOP)
			return 0;
		if (*key == '\0')
			jail_warnx(NULL, "no jail specified");
		else if (!(c->o.quiet && (c->op & OP_STOP)))
			jail_warnx(NULL, "\"%s\" not found", key);
		return ENOENT;
	}
	switch (c->op) {
	case OP_START:
		if (exists) {
			jail_rec_free(&r);
			if (t->wild)
				return 0;
			jail_warnx(NULL, "\"%s\" already exists", key);
			return EEXIST;
		}
		return jail_op_create(&c->o, t);
	case OP_STOP:
		error = jail_op_remove(&c->o, t, &r);
		break;
	case OP_SET:
		error = jail_op_modify(&c->o, t, &r, false);
		break;
	case OP_SET | OP_STOP:
	case OP_START | OP_SET | OP_STOP:
		if (!exists)
			return jail_op_create(&c->o, t);
		error = jail_op_modify(&c->o, t, &r, true);
		break;
	case OP_START | OP_SET:
		if (!exists)
			return jail_op_create(&c->o, t);
		error = jail_op_modify(&c->o, t, &r, false);
		break;
	case OP_START | OP_STOP:
		if (exists) {
			error = jail_op_remove(&c->o, t, &r);
			jail_rec_free(&r);
			return error != 0 ? error : jail_op_create(&c->o, t);
		}
		return jail_op_create(&c->o, t);
	default:
		error = EINVAL;
	}
	jail_rec_free(&r);
	return error;
}

/*
 * -p N: up to N jails at once, made by N workers, children of ours
 * forked once each (a child per jail copied our page tables, a thousand
 * jails' configuration, every time, and opened its own connections to
 * the supervisor and ngd).  A worker is handed a jail's index on its
 * pipe and answers with that index and whether the jail was made; a
 * worker that dies fails the jail it had.  A jail starts once the
 * jails it depends on are made (create), or once the jails that depend
 * on it are gone (remove); when one of those failed, it is skipped.
 * Each jail counts what it waits for, and who waits for it is listed
 * once (a look through every jail per decision made a thousand jails
 * take minutes).
 */
enum { JP_WAIT, JP_RUN, JP_OK, JP_FAIL };

struct jail_sched {
	char st;
	bool skip;    /* something it waited for failed */
	size_t nwait; /* jails it still waits for */
	size_t *next; /* jails waiting for it */
	size_t nnext;
};

struct jail_worker {
	pid_t pid;
	int to, from; /* our ends: jobs out, answers in */
	size_t job;
	bool busy;
};

struct jail_answer {
	size_t job;
	int ok;
};

static struct sigaction jail_worker_pipe; /* SIGPIPE as we got it */

static int
jail_sched_edge(struct jail_sched *js, size_t from, size_t to)
{
	size_t *nv = realloc(js[from].next, (js[from].nnext + 1) * sizeof(*nv));

	if (nv == NULL)
		return ENOMEM;
	js[from].next = nv;
	nv[js[from].nnext++] = to;
	js[to].nwait++;
	return 0;
}

static void
jail_sched_done(struct jail_sched *js, size_t i, bool ok)
{
	js[i].st = ok ? JP_OK : JP_FAIL;
	for (size_t k = 0; k < js[i].nnext; k++) {
		js[js[i].next[k]].nwait--;
		if (!ok)
			js[js[i].next[k]].skip = true;
	}
}

/* A worker's life: jobs until its pipe closes. */
static void __attribute__((noreturn))
jail_worker_main(struct cli *c, struct targets *ts, int in, int out)
{
	struct jail_answer a;
	size_t i;

	while (read(in, &i, sizeof(i)) == (ssize_t)sizeof(i) && i < ts->n) {
		a.job = i;
		a.ok = jail_run_target(c, &ts->v[i]) == 0;
		fflush(stdout);
		fflush(stderr);
		if (write(out, &a, sizeof(a)) != (ssize_t)sizeof(a))
			break;
	}
	_exit(0);
}

/* One more worker in w[*nw]; its siblings' pipes are not its own. */
static int
jail_worker_start(struct cli *c, struct targets *ts, struct jail_worker *w,
    size_t *nw)
{
	int down[2], up[2];
	pid_t pid;

	if (pipe2(down, O_CLOEXEC) != 0)
		return errno;
	if (pipe2(up, O_CLOEXEC) != 0) {
		close(down[0]);
		close(down[1]);
		return errno;
	}
	fflush(stdout);
	fflush(stderr);
	if ((pid = fork()) == 0) {
		for (size_t k = 0; k < *nw; k++) {
			close(w[k].to);
			close(w[k].from);
		}
		close(down[1]);
		close(up[0]);
		sigaction(SIGPIPE, &jail_worker_pipe, NULL);
		jail_worker_main(c, ts, down[0], up[1]);
	}
	close(down[0]);
	close(up[1]);
	if (pid < 0) {
		close(down[1]);
		close(up[0]);
		return errno;
	}
	w[*nw] = (struct jail_worker){ .pid = pid,
		.to = down[1],
		.from = up[0] };
	(*nw)++;
	return 0;
}

/* Worker k gone (died, or no longer needed): its pipes closed, reaped. */
static void
jail_worker_end(struct jail_worker *w, size_t *nw, size_t k)
{
	close(w[k].to);
	close(w[k].from);
	while (waitpid(w[k].pid, NULL, 0) < 0 && errno == EINTR)
		;
	w[k] = w[--*nw];
}

/* Waits for one answer; false: nothing runs. */
static bool
jail_worker_wait(struct jail_worker *w, size_t *nw, struct jail_sched *js,
    size_t *running, size_t *done, int *rc)
{
	struct pollfd *pfd;
	struct jail_answer a;
	size_t np = 0;
	ssize_t n;

	if (*running == 0 || (pfd = calloc(*nw, sizeof(*pfd))) == NULL)
		return false;
	for (size_t k = 0; k < *nw; k++)
		pfd[np++] = (struct pollfd){ .fd = w[k].from,
			.events = POLLIN };
	while (poll(pfd, np, -1) < 0)
		if (errno != EINTR) {
			free(pfd);
			return false;
		}
	/* backwards: jail_worker_end moves the last worker into k */
	for (size_t k = np; k-- > 0;) {
		if (pfd[k].revents == 0)
			continue;
		n = read(w[k].from, &a, sizeof(a));
		if (n == (ssize_t)sizeof(a) && w[k].busy && a.job == w[k].job) {
			jail_sched_done(js, a.job, a.ok);
			*rc |= !a.ok;
			w[k].busy = false;
		} else if (n < 0 && errno == EINTR) {
			continue;
		} else if (!w[k].busy) { /* it died idle */
			jail_worker_end(w, nw, k);
			continue;
		} else { /* it died: its jail failed */
			jail_sched_done(js, w[k].job, false);
			*rc = 1;
			jail_worker_end(w, nw, k);
		}
		(*running)--;
		(*done)++;
	}
	free(pfd);
	return true;
}

static int
jail_run_parallel(struct cli *c, struct targets *ts, const size_t *order,
    size_t n)
{
	size_t max = c->parallel > 0 && (size_t)c->parallel < n ?
	    (size_t)c->parallel :
	    n;
	struct jail_sched *js = calloc(n, sizeof(*js));
	struct jail_worker *w = calloc(max, sizeof(*w));
	struct sigaction ign = { .sa_handler = SIG_IGN };
	size_t running = 0, done = 0, nw = 0;
	int rc = 0;

	if (js == NULL || w == NULL) {
		rc = 1;
		goto out;
	}
	/* a worker gone: EPIPE, not our death (its own is put back) */
	sigaction(SIGPIPE, &ign, &jail_worker_pipe);
	for (size_t i = 0; i < n; i++) {
		struct jail_param *dep = jail_params_find(&ts->v[i].ps,
		    "depend");

		for (size_t d = 0; dep != NULL && d < dep->vals.n; d++) {
			ssize_t k = jail_find_target(ts, dep->vals.v[d]);

			if (k < 0 || (size_t)k == i)
				continue;
			/* create: k before i; remove: i before k */
			if ((c->op == OP_STOP ?
				    jail_sched_edge(js, i, (size_t)k) :
				    jail_sched_edge(js, (size_t)k, i)) != 0) {
				rc = 1;
				goto out;
			}
		}
	}
	for (size_t i = 0; i < n; i++)
		if (ts->v[i].failed) {
			jail_sched_done(js, i, false);
			rc = 1;
			done++;
		}
	while (done < n) {
		for (size_t k = 0; k < n && running < max; k++) {
			size_t i = order[k], idle;
			struct jail_target *t = &ts->v[i];

			if (js[i].st != JP_WAIT ||
			    (js[i].nwait > 0 && !js[i].skip))
				continue;
			if (js[i].skip) {
				jail_warnx(t->named ? t->name : NULL,
				    "skipped");
				jail_sched_done(js, i, false);
				rc = 1;
				done++;
				continue;
			}
			for (idle = 0; idle < nw && w[idle].busy; idle++)
				;
			if (idle == nw &&
			    jail_worker_start(c, ts, w, &nw) != 0) {
				if (nw > 0)
					break; /* the ones there do it */
				/* none: do it here, then */
				bool ok = jail_run_target(c, t) == 0;

				jail_sched_done(js, i, ok);
				rc |= !ok;
				done++;
				continue;
			}
			if (write(w[idle].to, &i, sizeof(i)) !=
			    (ssize_t)sizeof(i)) {
				jail_worker_end(w, &nw, idle);
				k--; /* again: another worker, or here */
				continue;
			}
			w[idle].job = i;
			w[idle].busy = true;
			js[i].st = JP_RUN;
			running++;
		}
		if (!jail_worker_wait(w, &nw, js, &running, &done, &rc))
			break;
	}
	if (done < n)
		rc = 1;
out:
	while (nw > 0)
		jail_worker_end(w, &nw, nw - 1);
	if (js != NULL && w != NULL)
		sigaction(SIGPIPE, &jail_worker_pipe, NULL);
	for (size_t i = 0; js != NULL && i < n; i++)
		free(js[i].next);
	free(js);
	free(w);
	return rc;
}

/*
 * Removal (-r): jails with no stop commands go together, in batches
 * (jail_op_remove_many), a jail joining the batch unless a jail of the
 * batch depends on it (then the batch goes first).  A jail with stop
 * commands is removed on its own, in order (-p, as on FreeBSD, limits
 * how many exec.* commands run at once: here one).
 */
struct jail_batch {
	struct jail_target **t;
	struct jail_rec *r;
	int *errs;
	size_t n;
};

/* Whether t's jail is still there (its removal failed). */
static bool
jail_target_there(const struct jail_target *t)
{
	struct jail_rec r;
	const char *key = jail_pstr(&t->ps, "name");

	if (key == NULL)
		key = jail_pstr(&t->ps, "jid");
	if (key == NULL)
		key = t->name;
	if (*key == '\0' || jail_op_lookup(key, &r) != 0)
		return false;
	jail_rec_free(&r);
	return true;
}

/*
 * Whether a jail that depends on t failed to go (stayed[], by index):
 * then t stays too, as on FreeBSD ("skipped").  O(jails), only once one
 * has stayed.
 */
static bool
jail_dependent_stayed(const struct targets *ts, const struct jail_target *t,
    const char *stayed)
{
	for (size_t k = 0; k < ts->n; k++)
		if (stayed[k] && &ts->v[k] != t &&
		    jail_depends_on(&ts->v[k], t->name))
			return true;
	return false;
}

static int
jail_batch_flush(struct cli *c, struct targets *ts, struct jail_batch *b,
    char *stayed, bool *anystayed)
{
	int rc = 0;

	if (b->n == 0)
		return 0;
	jail_op_remove_many(&c->o, b->t, b->r, b->n, b->errs);
	for (size_t i = 0; i < b->n; i++) {
		rc |= b->errs[i] != 0;
		if (b->errs[i] != 0 && jail_target_there(b->t[i])) {
			stayed[b->t[i] - ts->v] = 1;
			*anystayed = true;
		}
		jail_rec_free(&b->r[i]);
	}
	b->n = 0;
	return rc;
}

static int
jail_stop_targets(struct cli *c, struct targets *ts, const size_t *order)
{
	struct jail_batch b = { 0 };
	char *needed, *stayed;
	bool anystayed = false;
	int rc = 0, error = 0;

	b.t = calloc(ts->n + 1, sizeof(*b.t));
	b.r = calloc(ts->n + 1, sizeof(*b.r));
	b.errs = calloc(ts->n + 1, sizeof(*b.errs));
	/* needed[i]: some jail depends on jail i */
	needed = calloc(ts->n + 1, 1);
	/* stayed[i]: jail i's removal failed, or was skipped */
	stayed = calloc(ts->n + 1, 1);
	if (b.t == NULL || b.r == NULL || b.errs == NULL || needed == NULL ||
	    stayed == NULL) {
		rc = 1;
		goto out;
	}
	for (size_t i = 0; i < ts->n; i++) {
		struct jail_param *dep = jail_params_find(&ts->v[i].ps,
		    "depend");

		for (size_t d = 0; dep != NULL && d < dep->vals.n; d++) {
			ssize_t k = jail_find_target(ts, dep->vals.v[d]);

			if (k >= 0)
				needed[k] = 1;
		}
	}
	for (size_t k = 0; k < ts->n; k++) {
		struct jail_target *t = &ts->v[order[k]];
		const char *key = jail_pstr(&t->ps, "name");

		if (t->failed) {
			rc = 1;
			continue;
		}
		if (!jail_op_batchable(t)) {
			rc |= jail_batch_flush(c, ts, &b, stayed, &anystayed);
		} else {
			for (size_t i = 0; needed[order[k]] && i < b.n; i++)
				if (jail_depends_on(b.t[i], t->name)) {
					rc |= jail_batch_flush(c, ts, &b,
					    stayed, &anystayed);
					break;
				}
		}
		if (anystayed && needed[order[k]] &&
		    jail_dependent_stayed(ts, t, stayed)) {
			jail_warnx(t->named ? t->name : NULL, "skipped");
			stayed[order[k]] = 1;
			rc = 1;
			continue;
		}
		if (!jail_op_batchable(t)) {
			if (jail_run_target(c, t) != 0) {
				rc = 1;
				if (jail_target_there(t)) {
					stayed[order[k]] = 1;
					anystayed = true;
				}
			}
			continue;
		}
		if (key == NULL)
			key = jail_pstr(&t->ps, "jid");
		if (key == NULL)
			key = t->name;
		if (*key == '\0' ||
		    (error = jail_op_lookup(key, &b.r[b.n])) != 0) {
			if (t->wild)
				continue;
			if (*key == '\0')
				jail_warnx(NULL, "no jail specified");
			else if (error == EPERM)
				jail_warnx(NULL, "%s: %s", key,
				    strerror(error));
			else if (!c->o.quiet)
				jail_warnx(NULL, "\"%s\" not found", key);
			rc = 1;
			continue;
		}
		b.r[b.n].named = t->named;
		b.t[b.n++] = t;
	}
	rc |= jail_batch_flush(c, ts, &b, stayed, &anystayed);
out:
	free(b.t);
	free(b.r);
	free(b.errs);
	free(needed);
	free(stayed);
	return rc;
}

/* Whether t depends on a jail that failed (bad[], by index). */
static bool
jail_dep_failed(const struct targets *ts, const struct jail_target *t,
    const bool *bad)
{
	struct jail_param *dep = jail_params_find(&t->ps, "depend");

	for (size_t d = 0; dep != NULL && d < dep->vals.n; d++) {
		ssize_t k = jail_find_target(ts, dep->vals.v[d]);

		if (k >= 0 && bad[k])
			return true;
	}
	return false;
}

static int
jail_run_targets(struct cli *c, struct targets *ts)
{
	size_t *order, n;
	bool *bad = NULL; /* one at a time: the jails that failed */
	int rc = 0;

	if (jail_order_targets(c, ts, &order) != 0) {
		free(order);
		return 1;
	}
	n = ts->n;
	if (c->op != OP_STOP && jail_open_jidfile(&c->o) != 0) {
		free(order);
		return 1;
	}
	/* one look through /proc for every jail removed (jail_ns_scan) */
	if (c->op == OP_STOP) {
		jail_ns_scan();
		rc = jail_stop_targets(c, ts, order);
		n = 0;
	} else if (c->parallel != 1 && n > 1) {
		rc = jail_run_parallel(c, ts, order, n);
		n = 0;
	}
	/* A jail that depends on one that failed is skipped, as with -p. */
	for (size_t k = 0; k < n; k++) {
		struct jail_target *t = &ts->v[order[k]];
		bool ok;

		if (t->failed) {
			ok = false;
		} else if (bad != NULL && jail_dep_failed(ts, t, bad)) {
			jail_warnx(t->named ? t->name : NULL, "skipped");
			ok = false;
		} else {
			ok = jail_run_target(c, t) == 0;
		}
		if (ok)
			continue;
		rc = 1;
		if (bad == NULL && (bad = calloc(n, sizeof(*bad))) == NULL)
			continue;
		bad[order[k]] = true;
	}
	jail_ns_scan_drop();
	free(bad);
	free(order);
	return rc;
}

/*
 * For removal: the config's jails that depend on a target, at any
 * depth, become targets too (wild: skipped silently when not running),
 * as FreeBSD's dep_check() marks them, so that each goes before what it
 * depends on; removing a alone left b, which depends on it, running
 * without it.  Each other jail's parameters are worked out once, their
 * messages kept for when it becomes a target.
 */
static int
jail_add_dependents(struct cli *c, struct targets *ts)
{
	size_t nc = jail_conf_njails(c->conf);
	struct jail_params *ps = calloc(nc ? nc : 1, sizeof(*ps));
	bool *other = calloc(nc ? nc : 1, sizeof(*other)), more = true;
	int error = 0;

	if (ps == NULL || other == NULL) {
		error = ENOMEM;
		goto out;
	}
	for (size_t k = 0; k < nc; k++) {
		struct jail_diag d = { 0 };

		other[k] = jail_find_target(ts, jail_conf_name(c->conf, k)) <
			0 &&
		    jail_conf_params(c->conf, k, &ps[k], &d) == 0;
		jail_diag_free(&d);
	}
	while (more && error == 0) {
		more = false;
		for (size_t k = 0; k < nc && error == 0; k++) {
			struct jail_target t = { .ps = ps[k] };
			bool dep = false;

			for (size_t i = 0; other[k] && !dep && i < ts->n; i++)
				dep = jail_depends_on(&t, ts->v[i].name);
			if (!dep)
				continue;
			other[k] = false;
			more = true;
			if (jail_conf_target(c, ts, k, true) == NULL)
				error = ENOMEM;
		}
	}
out:
	for (size_t k = 0; ps != NULL && k < nc; k++)
		jail_params_free(&ps[k]);
	free(ps);
	free(other);
	if (error != 0)
		jail_warnx(NULL, "%s", strerror(error));
	return error;
}

/* -r / -R with jail names, jids or wildcards. */
static int
jail_stop_names(struct cli *c, int argc, char **argv)
{
	struct targets ts = { 0 };
	struct jail_rec *recs = NULL;
	size_t nrecs = 0;
	int rc = 0;

	if (!c->R &&
	    (strcmp(c->cfile, "-") == 0 || access(c->cfile, F_OK) == 0)) {
		if (jail_load_conf(c) != 0)
			return 1;
	}
	(void)jail_rec_list(&recs, &nrecs);
	for (int a = 0; a < argc; a++) {
		const char *arg = argv[a];
		bool wild = jail_is_wild(arg);
		ssize_t ci;

		if (wild) {
			size_t nc = c->conf != NULL ?
			    jail_conf_njails(c->conf) :
			    0;

			for (size_t i = 0; i < nc; i++)
				if (jail_wild_match(jail_conf_name(c->conf, i),
					arg) &&
				    jail_find_target(&ts,
					jail_conf_name(c->conf, i)) < 0)
					jail_conf_target(c, &ts, i, true);
			/* and every running jail: -R, or '*' (DESIGN, jails 6)
			 */
			if (c->R || strcmp(arg, "*") == 0 || c->conf == NULL)
				for (size_t i = 0; i < nrecs; i++)
					if (jail_wild_match(recs[i].name,
						arg) &&
					    jail_find_target(&ts,
						recs[i].name) < 0)
						jail_add_target(&ts,
						    recs[i].name, true, true);
			continue;
		}
		ci = c->conf != NULL ? jail_conf_find(c->conf, arg) : -1;
		if (ci < 0 && c->conf != NULL && jail_is_number(arg)) {
			/* a jid whose jail the config knows by name */
			for (size_t i = 0; i < nrecs; i++)
				if (recs[i].jid == atoi(arg))
					ci = jail_conf_find(c->conf,
					    recs[i].name);
		}
		if (ci >= 0) {
			if (jail_find_target(&ts,
				jail_conf_name(c->conf, (size_t)ci)) < 0)
				jail_conf_target(c, &ts, (size_t)ci, false);
			continue;
		}
		bool found = false;

		for (size_t i = 0; i < nrecs && !found; i++)
			if (strcmp(recs[i].name, arg) == 0 ||
			    (jail_is_number(arg) && recs[i].jid == atoi(arg))) {
				found = true;
				if (jail_find_target(&ts, recs[i].name) < 0)
					jail_add_target(&ts, recs[i].name, true,
					    false);
			}
		if (!found) {
			struct jail_rec r;

			/* there, but its record is root's: FreeBSD says
			 * EPERM to all but root */
			if (jail_op_lookup(arg, &r) == EPERM)
				jail_warnx(NULL, "%s: %s", arg,
				    strerror(EPERM));
			else if (!c->o.quiet)
				jail_warnx(NULL, "\"%s\" not found", arg);
			rc = 1;
		}
	}
	if (c->conf != NULL && jail_add_dependents(c, &ts) != 0)
		rc = 1;
	c->o.note_removed = c->conf != NULL || ts.n > 1 || argc > 1 ||
	    (argc == 1 && jail_is_wild(argv[0]));
	for (size_t i = 0; i < ts.n; i++)
		if (jail_params_find(&ts.v[i].ps, "name") == NULL)
			jail_params_set1(&ts.v[i].ps, "name", ts.v[i].name);
	if (jail_run_targets(c, &ts) != 0)
		rc = 1;
	jail_free_targets(&ts);
	jail_rec_list_free(recs, nrecs);
	return rc;
}

/*
 * Several names, none a parameter, all in the config: jails, not params.
 * A config that does not load is taken for jails too, so that the config
 * form says what is wrong with it (`jail -c test1 test2` said "unknown
 * parameter: test1" for a } left out of jail.conf).
 */
static bool
jail_all_conf_names(struct cli *c, int argc, char **argv)
{
	struct jail_conf *conf;
	struct jail_diag d = { 0 };
	bool all = true;

	for (int i = 0; i < argc; i++)
		if (strchr(argv[i], '=') != NULL)
			return false;
	if (!c->docf || access(c->cfile, R_OK) != 0)
		return false;
	if (jail_conf_load(c->cfile, &conf, &d) != 0) {
		jail_diag_free(&d);
		return true;
	}
	for (int i = 0; i < argc && all; i++)
		all = jail_conf_find(conf, argv[i]) >= 0;
	jail_conf_free(conf);
	jail_diag_free(&d);
	return all;
}

static int
jail_config_form(struct cli *c, int argc, char **argv)
{
	struct targets ts = { 0 };
	int rc = 0;

	/* a write per jail is most of the time for many jails; messages
	 * still come in order, as jail_warnx() flushes stdout first */
	setvbuf(stdout, NULL, _IOFBF, 0);
	if (jail_load_conf(c) != 0)
		return 1;
	if (argc == 0) {
		for (size_t i = 0; i < jail_conf_njails(c->conf); i++)
			jail_conf_target(c, &ts, i, true);
	}
	for (int a = 0; a < argc; a++) {
		ssize_t ci;

		if (jail_is_wild(argv[a])) {
			for (size_t i = 0; i < jail_conf_njails(c->conf); i++)
				if (jail_wild_match(jail_conf_name(c->conf, i),
					argv[a]))
					jail_conf_target(c, &ts, i, true);
			continue;
		}
		if ((ci = jail_conf_find(c->conf, argv[a])) < 0) {
			jail_warnx(NULL, "\"%s\" not found", argv[a]);
			rc = 1;
			continue;
		}
		jail_conf_target(c, &ts, (size_t)ci, false);
	}
	c->o.note_removed = true;
	if (jail_run_targets(c, &ts) != 0)
		rc = 1;
	jail_free_targets(&ts);
	return rc;
}

static int
jail_param_form(struct cli *c, int argc, char **argv)
{
	struct targets ts = { 0 };
	struct jail_target *t;
	const char *name;
	int rc;

	if ((t = jail_add_target(&ts, "", false, false)) == NULL)
		return 1;
	if (jail_param_args(&t->ps, argc, argv, &t->argv_command) != 0 ||
	    jail_add_extra(c, &t->ps) != 0) {
		jail_free_targets(&ts);
		return 1;
	}
	name = jail_pstr(&t->ps, "name");
	if (name == NULL)
		name = jail_pstr(&t->ps, "jid");
	if (name != NULL) {
		free(t->name);
		t->name = strdup(name);
	}
	c->o.note_removed = false;
	rc = jail_run_targets(c, &ts);
	jail_free_targets(&ts);
	return rc;
}

/* jail path hostname ip[,ip...] command ... */
static int
jail_old_form(struct cli *c, int argc, char **argv)
{
	struct targets ts = { 0 };
	struct jail_target *t;
	char *ips, *ip, *save = NULL;
	int rc;

	if ((t = jail_add_target(&ts, "", false, false)) == NULL)
		return 1;
	jail_params_set1(&t->ps, "path", argv[0]);
	jail_params_set1(&t->ps, "host.hostname", argv[1]);
	if ((ips = strdup(argv[2])) == NULL)
		return 1;
	for (ip = strtok_r(ips, ",", &save); ip != NULL;
	     ip = strtok_r(NULL, ",", &save)) {
		const char *v = ip;

		jail_params_set(&t->ps,
		    strchr(ip, ':') ? "ip6.addr" : "ip4.addr", &v, 1, true);
	}
	free(ips);
	jail_params_set(&t->ps, "command", (const char *const *)argv + 3,
	    (size_t)argc - 3, false);
	t->argv_command = true;
	jail_add_extra(c, &t->ps);
	if (jail_pstr(&t->ps, "name") != NULL) {
		free(t->name);
		t->name = strdup(jail_pstr(&t->ps, "name"));
	}
	c->o.oldstyle = true;
	c->op = OP_START;
	rc = jail_run_targets(c, &ts);
	jail_free_targets(&ts);
	return rc;
}

int
main(int argc, char **argv)
{
	struct cli c = { .docf = true,
		.cfile = JAIL_CONF_DEFAULT,
		.o.jidfd = -1,
		.parallel = 1 };
	int ch, rc;

	if (argc == 2 && strcmp(argv[1], JAIL_SUPER_ARG) == 0)
		return jail_ns_super(3);
	setvbuf(stdout, NULL, _IOLBF, 0);
	opterr = 0;
	while ((ch = getopt(argc, argv, "+:cCde:f:hiJ:lmn:p:qrRs:u:U:v")) !=
	    -1) {
		switch (ch) {
		case 'c':
			c.op |= OP_START;
			break;
		case 'C':
			c.C = true;
			break;
		case 'd':
			jail_warnx(NULL,
			    "the 'allow.dying' parameter and '-d' "
			    "flag are deprecated and have no effect.");
			break;
		case 'e':
			c.esep = optarg;
			break;
		case 'f':
			c.cfile = optarg;
			break;
		case 'h':
			jail_params_set1(&c.extra, "ip_hostname", NULL);
			c.docf = false;
			break;
		case 'i':
			c.o.print_jid = true;
			c.o.quiet = true;
			break;
		case 'J':
			c.o.jidfile = optarg;
			break;
		case 'l':
			jail_params_set1(&c.extra, "exec.clean", NULL);
			c.docf = false;
			break;
		case 'm':
			c.op |= OP_SET;
			break;
		case 'n':
			jail_params_set1(&c.extra, "name", optarg);
			c.docf = false;
			break;
		case 'p': {
			char *end;

			c.parallel = strtol(optarg, &end, 10);
			if (*optarg == '\0' || *end != '\0' || c.parallel < 0) {
				jail_usage();
				return 1;
			}
			break;
		}
		case 'q':
			c.o.quiet = true;
			break;
		case 'r':
			c.op |= OP_STOP;
			break;
		case 'R':
			c.op |= OP_STOP;
			c.R = true;
			break;
		case 's':
			jail_params_set1(&c.extra, "securelevel", optarg);
			c.docf = false;
			break;
		case 'u':
			jail_params_set1(&c.extra, "exec.jail_user", optarg);
			jail_params_set1(&c.extra, "exec.system_jail_user",
			    NULL);
			c.docf = false;
			break;
		case 'U':
			jail_params_set1(&c.extra, "exec.jail_user", optarg);
			jail_params_set1(&c.extra, "exec.system_jail_user",
			    "false");
			c.docf = false;
			break;
		case 'v':
			c.o.verbose = true;
			break;
		default:
			jail_getopt_warn(ch);
			jail_usage();
			return 1;
		}
	}
	argc -= optind;
	argv += optind;

	if (c.esep != NULL) {
		if (c.op != 0 || argc > 0) {
			jail_usage();
			return 1;
		}
		rc = jail_print_conf(&c);
	} else if (c.op == 0) {
		if (argc < 4 || argv[0][0] != '/') {
			jail_usage();
			return 1;
		}
		rc = jail_old_form(&c, argc, argv);
	} else if (c.op == OP_STOP) {
		if (argc < 1 || !c.docf) {
			jail_usage();
			return 1;
		}
		for (int i = 0; i < argc; i++)
			if (!c.R && strchr(argv[i], '=') != NULL) {
				jail_usage();
				return 1;
			}
		rc = jail_stop_names(&c, argc, argv);
	} else if ((argc > 1 || (argc == 1 && strchr(argv[0], '=') != NULL)) &&
	    !jail_all_conf_names(&c, argc, argv)) {
		if (c.R || c.C) {
			jail_usage();
			return 1;
		}
		rc = jail_param_form(&c, argc, argv);
	} else {
		if (c.R || !c.docf) {
			jail_usage();
			return 1;
		}
		rc = jail_config_form(&c, argc, argv);
	}
	jail_conf_free(c.conf);
	jail_params_free(&c.extra);
	/* the jails that ended are reaped, and a supervisor with none goes */
	jail_ns_settle();
	return rc;
}
