/*
 * jls_main.c: jls(8).  Lists the running jails from their records under
 * /run/jail, in FreeBSD's layouts: the default table (-N with names),
 * the long form (-v), parameter values (-n, -h, -q, -s), or only
 * whether one exists (-c).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "jail.h"
#include "../lib/ng_lib.h"

#define F_HEADER 0x01
#define F_NAMES 0x02   /* -N */
#define F_NAMEVAL 0x04 /* -n */
#define F_QUOTE 0x08
#define F_SKIP 0x10 /* -s */
#define F_VERBOSE 0x20

/*
 * A value as jls prints it: a byte outside printable ASCII as \ooo (ESC
 * as \033), a backslash doubled, so that what a jail's root chose (its
 * hostname, allow.set_hostname) does not act on the terminal of whoever
 * lists the jails.  An ordinary value comes out as it is.  Up to four at
 * once, in buffers that take turns.
 */
static const char *
jail_vis(const char *s)
{
	static char *ring[4];
	static unsigned next;
	size_t n = strlen(s), size = NG_LIB_VIS_MAX(n);
	char **buf;

	if (ng_lib_vis_clean(s, n, 0))
		return s;
	buf = &ring[next++ % 4];
	free(*buf);
	if ((*buf = malloc(size)) == NULL)
		return "?"; /* nothing of it, rather than it raw */
	(void)ng_lib_vis(*buf, size, s, n, 0);
	return *buf;
}

static void
jail_usage(void)
{
	fprintf(stderr, "jls: usage: jls [-dhNnqv] [-j jail] [param ...]\n");
}

/* A jail's addresses of one family, as the kernel keeps them. */
static void
jail_addrs(const struct jail_rec *r, const char *param, struct jail_strv *out)
{
	struct jail_param *p = jail_params_find(&r->params, param);
	struct jail_addr a;

	for (size_t i = 0; p != NULL && i < p->vals.n; i++)
		if (jail_addr_parse(p->vals.v[i],
			strcmp(param, "ip4.addr") == 0 ? AF_INET : AF_INET6,
			&a) == 0)
			jail_strv_add(out, a.text);
}

static const char *
jail_sysname(int v)
{
	return v == 0 ? "disable" : v == 1 ? "new" : "inherit";
}

/*
 * The value of one parameter of a jail, as text; *isbool and *truth
 * for booleans.  NULL for a parameter jls does not know.
 */
static char *
jail_value(const struct jail_rec *r, const char *name, bool *isbool,
    bool *truth)
{
	const struct jail_pdesc *pd = jail_pdesc(name, NULL);
	const struct jail_params *ps = &r->params;
	struct jail_strv list = { 0 };
	struct jail_param *p;
	char buf[32], *s = NULL;
	bool vnet;

	*isbool = false;
	if (pd == NULL || !pd->kernel)
		return NULL;
	vnet = jail_psys(ps, "vnet", 2) == 1;
	if (pd->type == JP_BOOL) {
		*isbool = true;
		*truth = jail_pbool(ps, pd->name,
		    pd->dflt != NULL && strcmp(pd->dflt, "true") == 0);
		return strdup(*truth ? "true" : "false");
	}
	if (strcmp(pd->name, "jid") == 0) {
		snprintf(buf, sizeof(buf), "%d", r->jid);
		return strdup(buf);
	}
	if (strcmp(pd->name, "name") == 0)
		return strdup(r->name);
	if (pd->type == JP_ADDRS) {
		FILE *mf;
		size_t len;

		jail_addrs(r, pd->name, &list);
		if ((mf = open_memstream(&s, &len)) == NULL)
			return NULL;
		for (size_t i = 0; i < list.n; i++)
			fprintf(mf, "%s%s", i > 0 ? "," : "", list.v[i]);
		fclose(mf);
		jail_strv_free(&list);
		return s;
	}
	if (strcmp(pd->name, "ip4") == 0 || strcmp(pd->name, "ip6") == 0) {
		int v;

		if (jail_params_find(ps, pd->name) != NULL)
			v = jail_psys(ps, pd->name, 0);
		else if (jail_ipalias(ps)) {
			/* an IP-alias jail: "new" for a family it has */
			jail_addrs(r,
			    strcmp(pd->name, "ip4") == 0 ? "ip4.addr" :
							   "ip6.addr",
			    &list);
			v = list.n > 0 ? 1 : 0;
			jail_strv_free(&list);
		} else if (vnet || !r->own_net)
			v = 2;
		else
			v = 0;
		return strdup(jail_sysname(v));
	}
	if (pd->type == JP_JAILSYS) {
		int d = pd->dflt != NULL && strcmp(pd->dflt, "new") == 0 ?
		    1 :
		    pd->dflt != NULL && strcmp(pd->dflt, "inherit") == 0 ?
		    2 :
		    0;

		return strdup(jail_sysname(jail_psys(ps, pd->name, d)));
	}
	if ((p = jail_params_find(ps, pd->name)) != NULL && p->vals.n > 0)
		return jail_pjoin(p);
	return strdup(pd->dflt != NULL ? pd->dflt : "");
}

/* "allow.mount" false is "allow.nomount". */
static void
jail_print_noname(const char *name)
{
	const char *dot = strrchr(name, '.');

	if (dot == NULL)
		printf("no%s", name);
	else
		printf("%.*sno%s", (int)(dot - name + 1), name, dot + 1);
}

static void
jail_print_value(const char *v, int flags)
{
	if (*v == '\0') {
		if (flags & F_QUOTE)
			fputs("\"\"", stdout);
		else if (!(flags & F_NAMEVAL))
			fputs("-", stdout);
		return;
	}
	v = jail_vis(v);
	if (flags & F_QUOTE)
		jail_quote(stdout, v, false);
	else
		fputs(v, stdout);
}

/* Should -s leave p out: read-only, or its x of x.y not "new"? */
static bool
jail_skipped(const struct jail_rec *r, const char *name)
{
	const struct jail_pdesc *pd = jail_pdesc(name, NULL), *parent;
	const char *dot = strrchr(name, '.');
	char buf[128];
	bool b, t;

	if (pd == NULL || pd->support == JS_RO)
		return true;
	if (dot == NULL)
		return false;
	snprintf(buf, sizeof(buf), "%.*s", (int)(dot - name), name);
	if ((parent = jail_pdesc(buf, NULL)) == NULL ||
	    parent->type != JP_JAILSYS)
		return false;
	char *v = jail_value(r, buf, &b, &t);
	bool skip = v == NULL || strcmp(v, "new") != 0;

	free(v);
	return skip;
}

static int
jail_print_params(const struct jail_rec *r, const struct jail_strv *names,
    int flags)
{
	bool first = true, isbool, truth;

	for (size_t i = 0; i < names->n; i++) {
		const char *n = names->v[i];
		char *v;

		if ((flags & F_SKIP) && jail_skipped(r, n))
			continue;
		if ((v = jail_value(r, n, &isbool, &truth)) == NULL)
			continue;
		if (!first)
			putchar(' ');
		first = false;
		if (isbool && (flags & F_NAMEVAL)) {
			if (truth)
				fputs(n, stdout);
			else
				jail_print_noname(n);
		} else {
			if (flags & F_NAMEVAL)
				printf("%s=", n);
			jail_print_value(v, flags);
		}
		free(v);
	}
	putchar('\n');
	return 0;
}

static int
jail_cmp_names(const void *a, const void *b)
{
	const char *x = *(const char *const *)a, *y = *(const char *const *)b;
	bool dx = strchr(x, '.') != NULL, dy = strchr(y, '.') != NULL;

	if (dx != dy)
		return dx ? 1 : -1;
	return strcmp(x, y);
}

/* "all": every kernel parameter, plain names first, each group sorted. */
static void
jail_all_params(struct jail_strv *names)
{
	size_t n;
	const struct jail_pdesc *t = jail_pdesc_all(&n);

	for (size_t i = 0; i < n; i++)
		if (t[i].kernel)
			jail_strv_add(names, t[i].name);
	qsort(names->v, names->n, sizeof(char *), jail_cmp_names);
}

static void
jail_print_default(const struct jail_rec *r, int flags)
{
	struct jail_strv ip = { 0 };
	const char *host = jail_pstr(&r->params, "host.hostname");
	const char *path = jail_pstr(&r->params, "path");

	jail_addrs(r, "ip4.addr", &ip);
	if (host == NULL)
		host = "";
	if (path == NULL)
		path = "/";
	if (flags & F_NAMES)
		printf(" %-15s %-15.15s %-29.29s %.74s\n", jail_vis(r->name),
		    ip.n > 0 ? ip.v[0] : "", jail_vis(host), jail_vis(path));
	else
		printf("%6d  %-15.15s %-29.29s %.74s\n", r->jid,
		    ip.n > 0 ? ip.v[0] : "", jail_vis(host), jail_vis(path));
	jail_strv_free(&ip);
}

static void
jail_print_verbose(const struct jail_rec *r)
{
	struct jail_strv ip = { 0 };
	const char *host = jail_pstr(&r->params, "host.hostname");
	const char *path = jail_pstr(&r->params, "path");

	printf("%6d  %-29.29s %.74s\n", r->jid,
	    jail_vis(host != NULL ? host : ""),
	    jail_vis(path != NULL ? path : "/"));
	printf("        %-29.29s %.74s\n", jail_vis(r->name),
	    jail_rec_alive(r) ? "ACTIVE" : "DYING");
	printf("        %d\n", 0);
	jail_addrs(r, "ip4.addr", &ip);
	jail_addrs(r, "ip6.addr", &ip);
	for (size_t i = 0; i < ip.n; i++)
		printf("        %s\n", ip.v[i]);
	jail_strv_free(&ip);
}

int
main(int argc, char **argv)
{
	struct jail_strv names = { 0 };
	struct jail_rec *recs = NULL, one;
	const char *jail = NULL;
	size_t n = 0;
	int ch, flags = 0;
	bool check = false, dying = false;

	opterr = 0;
	while ((ch = getopt(argc, argv, "+:acdj:hNnqsv")) != -1) {
		switch (ch) {
		case 'a': /* FreeBSD's old name for -d */
		case 'd':
			dying = true;
			break;
		case 'c':
			check = true;
			break;
		case 'j':
			jail = optarg;
			break;
		case 'h':
			flags = (flags & ~(F_SKIP | F_VERBOSE)) | F_HEADER;
			break;
		case 'N':
			flags |= F_NAMES;
			break;
		case 'n':
			flags = (flags & ~F_VERBOSE) | F_NAMEVAL;
			break;
		case 'q':
			flags |= F_QUOTE;
			break;
		case 's':
			flags = (flags & ~(F_HEADER | F_VERBOSE)) | F_NAMEVAL |
			    F_QUOTE | F_SKIP;
			break;
		case 'v':
			flags = (flags & ~(F_HEADER | F_NAMEVAL | F_SKIP)) |
			    F_VERBOSE;
			break;
		default:
			jail_getopt_warn(ch);
			jail_usage();
			return 1;
		}
	}
	argc -= optind;
	argv += optind;
	if (check && jail == NULL) {
		fprintf(stderr, "usage: jls -c [-d] -j jail\n");
		return 1;
	}
	if (jail != NULL) {
		int e = jail_rec_read(jail, &one);

		if (e == 0 &&
		    !(jail_rec_alive(&one) ||
			(dying && jail_rec_dying(&one)))) {
			jail_rec_free(&one);
			e = ENOENT;
		}
		if (e != 0) {
			if (!check) {
				if (e == EACCES)
					jail_warnx(NULL, "jail \"%s\": %s",
					    jail, strerror(EPERM));
				else if (jail_is_number(jail))
					jail_warnx(NULL, "jail %s not found",
					    jail);
				else
					jail_warnx(NULL,
					    "jail \"%s\" not found", jail);
			}
			return 1;
		}
		if (check) {
			jail_rec_free(&one);
			return 0;
		}
		recs = malloc(sizeof(*recs));
		if (recs == NULL)
			return 1;
		recs[0] = one;
		n = 1;
	} else {
		struct jail_rec *all;
		size_t na;

		/* FreeBSD's jls shows anyone every jail; ours are root's
		 * to read, which an empty list would not say */
		if (jail_rec_list(&all, &na) == EACCES)
			jail_warnx(NULL, "%s: %s: only root sees every jail",
			    JAIL_RUNDIR, strerror(EACCES));
		recs = calloc(na + 1, sizeof(*recs));
		if (recs == NULL) {
			jail_rec_list_free(all, na);
			jail_warnx(NULL, "%s", strerror(ENOMEM));
			return 1;
		}
		for (size_t i = 0; i < na; i++) {
			if (jail_rec_alive(&all[i]) ||
			    (dying && jail_rec_dying(&all[i])))
				recs[n++] = all[i];
			else
				jail_rec_free(&all[i]);
		}
		free(all);
	}
	/* host.hostname as it is now: jailed root may have changed it */
	for (size_t i = 0; i < n; i++) {
		char host[HOST_NAME_MAX + 1], domain[HOST_NAME_MAX + 1];
		const char *was = jail_pstr(&recs[i].params, "host.hostname");

		if (!(jail_ns_flags(&recs[i]) & CLONE_NEWUTS) ||
		    jail_ns_gethostname(&recs[i], host, domain, sizeof(host)) !=
			0)
			continue;
		if (strcmp(host, was != NULL ? was : "") != 0)
			(void)jail_params_set1(&recs[i].params, "host.hostname",
			    host);
		was = jail_pstr(&recs[i].params, "host.domainname");
		if (strcmp(domain, was != NULL ? was : "") != 0)
			(void)jail_params_set1(&recs[i].params,
			    "host.domainname", domain);
	}
	for (int i = 0; i < argc; i++) {
		if (strcmp(argv[i], "all") == 0)
			jail_all_params(&names);
		else if (jail_pdesc(argv[i], NULL) == NULL ||
		    !jail_pdesc(argv[i], NULL)->kernel) {
			jail_warnx(NULL, "unknown parameter: %s", argv[i]);
			jail_rec_list_free(recs, n);
			return 1;
		} else
			jail_strv_add(&names, argv[i]);
	}
	if (names.n > 0)
		flags &= ~F_VERBOSE;
	if (names.n == 0 && (flags & (F_NAMEVAL | F_HEADER)))
		jail_all_params(&names);
	if (names.n > 0) {
		if (flags & F_HEADER) {
			for (size_t i = 0; i < names.n; i++)
				printf("%s%s", i > 0 ? " " : "", names.v[i]);
			putchar('\n');
		}
		for (size_t i = 0; i < n; i++)
			jail_print_params(&recs[i], &names, flags);
	} else if (flags & F_VERBOSE) {
		printf("   JID  Hostname                      Path\n"
		       "        Name                          State\n"
		       "        CPUSetID\n"
		       "        IP Address(es)\n");
		for (size_t i = 0; i < n; i++)
			jail_print_verbose(&recs[i]);
	} else {
		if (flags & F_NAMES)
			printf(" JID             IP Address      Hostname"
			       "                      Path\n");
		else
			printf("   JID  IP Address      Hostname"
			       "                      Path\n");
		for (size_t i = 0; i < n; i++)
			jail_print_default(&recs[i], flags);
	}
	jail_strv_free(&names);
	jail_rec_list_free(recs, n);
	return 0;
}
