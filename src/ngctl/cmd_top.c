/*
 * cmd_top.c: `top [-b] [-d seconds] [-n count] [-o field]` (ours): the
 * busiest hooks of the graph, refreshed.  Every interval it reads each
 * node's per-hook counters (gethookstats) and shows, per hook, the frames
 * and octets per second in and out and the drops, sorted by a field.  On
 * a terminal it redraws in place with plain ANSI escapes (so it works
 * over ssh) and takes one-key commands; -b prints plain frames of lines
 * for scripts.  Costs one listnodes and one gethookstats per node per
 * interval.
 */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include <netgraph.h>
#include <netgraph/ng_hookstat.h>

#include "ngctl.h"

enum ngctl_top_key { TOP_OCTETS, TOP_FRAMES, TOP_DROPS, TOP_NAME };

/* One hook in one sample. */
struct ngctl_top_row {
	uint32_t id;
	char node[NG_NODESIZ];
	char hook[NG_HOOKSIZ];
	struct ng_hookstat st;
	double rate[5]; /* in f/s, in B/s, out f/s, out B/s, drops/s */
};

struct ngctl_top_sample {
	struct ngctl_top_row *rows;
	size_t n;
	struct timespec when;
};

static volatile sig_atomic_t ngctl_top_stop;

static void
ngctl_top_signal(int sig)
{
	(void)sig;
	ngctl_top_stop = 1;
}

static int
ngctl_top_cmp_key(const void *a, const void *b)
{
	const struct ngctl_top_row *x = a, *y = b;
	int c;

	if (x->id != y->id)
		return x->id < y->id ? -1 : 1;
	c = strcmp(x->hook, y->hook);
	return c;
}

static enum ngctl_top_key ngctl_top_sort_key;

static int
ngctl_top_cmp_rate(const void *a, const void *b)
{
	const struct ngctl_top_row *x = a, *y = b;
	double vx, vy;

	switch (ngctl_top_sort_key) {
	case TOP_NAME:
		return ngctl_top_cmp_key(a, b);
	case TOP_FRAMES:
		vx = x->rate[0] + x->rate[2];
		vy = y->rate[0] + y->rate[2];
		break;
	case TOP_DROPS:
		vx = x->rate[4];
		vy = y->rate[4];
		break;
	default:
		vx = x->rate[1] + x->rate[3];
		vy = y->rate[1] + y->rate[3];
		break;
	}
	if (vx != vy)
		return vx > vy ? -1 : 1;
	return ngctl_top_cmp_key(a, b);
}

/* Every hook of every node, sorted by (node ID, hook name). */
static int
ngctl_top_sample(struct ngctl *ng, struct ngctl_top_sample *s)
{
	struct ng_mesg *nlrep, *rep;
	struct namelist *nl;
	size_t cap = 0;
	uint32_t count;
	int error;

	memset(s, 0, sizeof(*s));
	if ((error = ngctl_ask(ng, ".", NGM_LISTNODES, sizeof(*nl), "listnodes",
		 &nlrep)) != 0)
		return error;
	clock_gettime(CLOCK_MONOTONIC, &s->when);
	nl = (struct namelist *)nlrep->data;
	count = nl->numnames;
	if (count >
	    (nlrep->header.arglen - sizeof(*nl)) / sizeof(nl->nodeinfo[0]))
		count = (nlrep->header.arglen - sizeof(*nl)) /
		    sizeof(nl->nodeinfo[0]);
	for (uint32_t i = 0; i < count; i++) {
		struct nodeinfo *ni = &nl->nodeinfo[i];
		struct ng_hookstats *hs;
		char path[NG_PATHSIZ];
		uint32_t nh;

		if (ni->hooks == 0)
			continue;
		snprintf(path, sizeof(path), "[%x]:", ni->id);
		/* A node may go between the two messages: skip it quietly. */
		if (NgSendMsg(ng->cs, path, NGM_HOOKSTAT_COOKIE,
			NGM_HOOKSTAT_GET, NULL, 0) < 0 ||
		    ngctl_recv_reply(ng, &rep) != 0)
			continue;
		hs = (struct ng_hookstats *)rep->data;
		nh = 0;
		if (rep->header.arglen >= sizeof(*hs)) {
			nh = (rep->header.arglen - sizeof(*hs)) /
			    sizeof(hs->stats[0]);
			nh = hs->numhooks < nh ? hs->numhooks : nh;
		}
		for (uint32_t j = 0; j < nh; j++) {
			struct ngctl_top_row *r;

			if (s->n == cap) {
				size_t ncap = cap > 0 ? 2 * cap : 64;
				void *p = realloc(s->rows,
				    ncap * sizeof(*s->rows));

				if (p == NULL) {
					free(rep);
					free(nlrep);
					return ENOMEM;
				}
				s->rows = p;
				cap = ncap;
			}
			r = &s->rows[s->n++];
			memset(r, 0, sizeof(*r));
			r->id = ni->id;
			ni->name[NG_NODESIZ - 1] = '\0';
			if (ni->name[0] != '\0')
				snprintf(r->node, sizeof(r->node), "%s",
				    ni->name);
			else
				snprintf(r->node, sizeof(r->node), "[%x]",
				    ni->id);
			r->st = hs->stats[j];
			r->st.hook[NG_HOOKSIZ - 1] = '\0';
			memcpy(r->hook, r->st.hook, sizeof(r->hook));
		}
		free(rep);
	}
	free(nlrep);
	if (s->n > 0)
		qsort(s->rows, s->n, sizeof(*s->rows), ngctl_top_cmp_key);
	return 0;
}

/* Rates of cur against prev (a hook new since then counts from 0). */
static void
ngctl_top_rates(struct ngctl_top_sample *cur,
    const struct ngctl_top_sample *prev)
{
	double dt = (double)(cur->when.tv_sec - prev->when.tv_sec) +
	    (double)(cur->when.tv_nsec - prev->when.tv_nsec) / 1e9;

	if (dt <= 0)
		dt = 1e-9;
	for (size_t i = 0; i < cur->n; i++) {
		struct ngctl_top_row *r = &cur->rows[i];
		const struct ngctl_top_row *p = NULL;
		struct ng_hookstat zero;
		const struct ng_hookstat *o;
		uint64_t d[5];

		if (prev->n > 0)
			p = bsearch(r, prev->rows, prev->n, sizeof(*r),
			    ngctl_top_cmp_key);
		memset(&zero, 0, sizeof(zero));
		o = p != NULL ? &p->st : &zero;
		/* Counters cleared meanwhile start again from zero. */
		d[0] = r->st.recv_frames -
		    (o->recv_frames <= r->st.recv_frames ? o->recv_frames : 0);
		d[1] = r->st.recv_octets -
		    (o->recv_octets <= r->st.recv_octets ? o->recv_octets : 0);
		d[2] = r->st.xmit_frames -
		    (o->xmit_frames <= r->st.xmit_frames ? o->xmit_frames : 0);
		d[3] = r->st.xmit_octets -
		    (o->xmit_octets <= r->st.xmit_octets ? o->xmit_octets : 0);
		d[4] = r->st.recv_drops + r->st.xmit_drops;
		d[4] -= o->recv_drops + o->xmit_drops <= d[4] ?
		    o->recv_drops + o->xmit_drops :
		    0;
		for (int k = 0; k < 5; k++)
			r->rate[k] = (double)d[k] / dt;
	}
}

#define NGCTL_TOP_HDR "%-15s %-15s %8s %8s %8s %8s %8s"
#define NGCTL_TOP_SORTS "bfdn" /* octets, frames, drops, name */

/*
 * One line of the screen, cut at width columns (0: whole): a line that
 * wrapped would push the screen up one row, the title out of sight.
 */
static void
ngctl_top_line(size_t width, const char *fmt, ...)
{
	char line[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (width > 0 && strlen(line) > width)
		line[width] = '\0';
	printf("%s\n", line);
}

static void
ngctl_top_print(struct ngctl_top_sample *s, double interval, bool batch,
    size_t maxrows, size_t width)
{
	static const char *names[] = { "octets", "frames", "drops", "name" };
	char tbuf[32], v[5][16];
	time_t now = time(NULL);
	struct tm tm;

	localtime_r(&now, &tm);
	strftime(tbuf, sizeof(tbuf), "%H:%M:%S", &tm);
	if (s->n > 0)
		qsort(s->rows, s->n, sizeof(*s->rows), ngctl_top_cmp_rate);
	if (!batch)
		printf("\033[H\033[2J");
	ngctl_top_line(width,
	    "ngctl top - %s, every %.1f s, %zu hooks, sorted by %s%s", tbuf,
	    interval, s->n, names[ngctl_top_sort_key],
	    batch ? "" : " (b f d n: sort, q: quit)");
	ngctl_top_line(width, NGCTL_TOP_HDR, "NODE", "HOOK", "IN f/s", "IN B/s",
	    "OUT f/s", "OUT B/s", "DROP/s");
	for (size_t i = 0; i < s->n && (batch || i < maxrows); i++) {
		const struct ngctl_top_row *r = &s->rows[i];

		for (int k = 0; k < 5; k++)
			ngctl_human(v[k], sizeof(v[k]), r->rate[k]);
		ngctl_top_line(width, NGCTL_TOP_HDR, ngctl_vis(r->node),
		    ngctl_vis(r->hook), v[0], v[1], v[2], v[3], v[4]);
	}
	if (batch)
		printf("\n");
	fflush(stdout);
	/* The next sample is looked up by key again. */
	if (s->n > 0)
		qsort(s->rows, s->n, sizeof(*s->rows), ngctl_top_cmp_key);
}

/* Wait for the interval, taking keys on a terminal; false: quit. */
static bool
ngctl_top_wait(double interval, bool keys, bool *redraw)
{
	struct timespec t0, t;
	int left;

	*redraw = false;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		struct pollfd pfd = { .fd = STDIN_FILENO, .events = POLLIN };
		double el;
		char ch;
		const char *k;

		if (ngctl_top_stop)
			return false;
		clock_gettime(CLOCK_MONOTONIC, &t);
		el = (double)(t.tv_sec - t0.tv_sec) +
		    (double)(t.tv_nsec - t0.tv_nsec) / 1e9;
		if (el >= interval)
			return true;
		left = (int)((interval - el) * 1000) + 1;
		if (poll(&pfd, keys ? 1 : 0, left) <= 0 || !keys)
			continue;
		if (read(STDIN_FILENO, &ch, 1) != 1)
			continue;
		if (ch == 'q' || ch == 'Q')
			return false;
		if ((k = strchr(NGCTL_TOP_SORTS, ch)) != NULL && ch != '\0') {
			ngctl_top_sort_key = (enum ngctl_top_key)(k -
			    NGCTL_TOP_SORTS);
			*redraw = true;
			return true;
		}
	}
}

static enum ngctl_rtn
ngctl_top(struct ngctl *ng, int ac, char **av)
{
	struct ngctl_top_sample prev, cur;
	struct sigaction sa, old_int, old_term;
	struct termios tio, saved;
	struct winsize ws;
	double interval = 1.0;
	unsigned long count = 0, frames = 0;
	bool batch = false, keys = false, redraw;
	enum ngctl_rtn rtn = NGCTL_OK;
	const char *k;
	char *end;
	int opt;

	ngctl_top_sort_key = TOP_OCTETS;
	optind = 0;
	opterr = 0;
	while ((opt = getopt(ac, av, "+bd:n:o:")) != -1) {
		switch (opt) {
		case 'b':
			batch = true;
			break;
		case 'd':
			interval = strtod(optarg, &end);
			if (*end != '\0' ||
			    !(interval >= 0.1 && interval <= 3600)) {
				ngctl_warnx("top: -d %s: want 0.1 to 3600 "
					    "seconds",
				    optarg);
				return NGCTL_USAGE;
			}
			break;
		case 'n':
			count = strtoul(optarg, &end, 10);
			if (*end != '\0' || count == 0)
				return NGCTL_USAGE;
			break;
		case 'o':
			if (strlen(optarg) != 1 ||
			    (k = strchr(NGCTL_TOP_SORTS, optarg[0])) == NULL)
				return NGCTL_USAGE;
			ngctl_top_sort_key = (enum ngctl_top_key)(k -
			    NGCTL_TOP_SORTS);
			break;
		default:
			return NGCTL_USAGE;
		}
	}
	if (optind != ac)
		return NGCTL_USAGE;
	if (!batch && !isatty(STDOUT_FILENO))
		batch = true;
	if (ngctl_top_sample(ng, &prev) != 0)
		return NGCTL_ERROR;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = ngctl_top_signal;
	sigemptyset(&sa.sa_mask);
	ngctl_top_stop = 0;
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);
	if (!batch && isatty(STDIN_FILENO) &&
	    tcgetattr(STDIN_FILENO, &saved) == 0) {
		tio = saved;
		tio.c_lflag &= ~(ICANON | ECHO);
		tio.c_cc[VMIN] = 1;
		tio.c_cc[VTIME] = 0;
		keys = tcsetattr(STDIN_FILENO, TCSANOW, &tio) == 0;
	}
	if (!batch)
		printf("\033[?25l"); /* no cursor while drawing */
	while (count == 0 || frames < count) {
		size_t rows = 20, width = 0;

		if (!ngctl_top_wait(interval, keys, &redraw))
			break;
		if (ngctl_top_sample(ng, &cur) != 0) {
			rtn = NGCTL_ERROR;
			break;
		}
		ngctl_top_rates(&cur, &prev);
		if (!batch && ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0) {
			if (ws.ws_row > 3)
				rows = ws.ws_row - 3;
			/* the last column left free: a line that fills it
			 * wraps on some terminals */
			if (ws.ws_col > 1)
				width = ws.ws_col - 1;
		}
		ngctl_top_print(&cur, interval, batch, rows, width);
		free(prev.rows);
		prev = cur;
		frames++;
	}
	if (!batch)
		printf("\033[?25h\n");
	if (keys)
		(void)tcsetattr(STDIN_FILENO, TCSANOW, &saved);
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	free(prev.rows);
	return rtn;
}

const struct ngctl_cmd ngctl_cmd_top = {
	.name = "top",
	.usage = "top [-b] [-d seconds] [-n count] [-o b|f|d|n]",
	.summary = "Show the busiest hooks, refreshed",
	.help =
	    "Reads every hook's counters each interval (-d, one second "
	    "by default, 0.1 to 3600) and shows, for each hook, the frames and octets "
	    "per second that entered and left its node through it, and "
	    "the frames dropped there, busiest first.  -o sorts by "
	    "octets (b), frames (f), drops (d) or node name (n); on a "
	    "terminal the same keys re-sort it and q quits, and each frame "
	    "is cut to the terminal's height and width.  -b prints "
	    "plain frames of lines, one after the other, as it does when "
	    "the output is no terminal.  -n stops after <count> frames.",
	.func = ngctl_top,
	.ours = true,
};
