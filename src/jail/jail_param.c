/*
 * jail_param.c: every parameter jail(8) knows, what type it has and
 * what Linux makes of it (the table below is the map jail.8 describes);
 * the ordered parameter lists the tools pass around, their typed reads,
 * the checks done before a jail is made, and ip4.addr/ip6.addr parsing.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "jail.h"

#define K true  /* kernel parameter */
#define P false /* jail(8) pseudo-parameter */

static const struct jail_pdesc jail_ptab[] = {
	/* name, type, kernel, create-only, support, shown when unset */
	{ "jid", JP_INT, K, true, JS_YES, "0" },
	{ "name", JP_STRING, K, true, JS_YES, NULL },
	{ "path", JP_STRING, K, true, JS_YES, "/" },
	{ "host", JP_JAILSYS, K, true, JS_YES, "new" },
	{ "host.hostname", JP_STRING, K, false, JS_YES, "" },
	{ "host.domainname", JP_STRING, K, false, JS_YES, "" },
	{ "host.hostuuid", JP_STRING, K, false, JS_NONE,
	    "00000000-0000-0000-0000-000000000000" },
	{ "host.hostid", JP_INT, K, false, JS_NONE, "0" },
	{ "ip4", JP_JAILSYS, K, true, JS_YES, "disable" },
	{ "ip4.addr", JP_ADDRS, K, true, JS_YES, "" },
	{ "ip4.saddrsel", JP_BOOL, K, false, JS_YES, "true" },
	{ "ip6", JP_JAILSYS, K, true, JS_YES, "disable" },
	{ "ip6.addr", JP_ADDRS, K, true, JS_YES, "" },
	{ "ip6.saddrsel", JP_BOOL, K, false, JS_YES, "true" },
	{ "vnet", JP_JAILSYS, K, true, JS_YES, "inherit" },
	{ "persist", JP_BOOL, K, false, JS_YES, "false" },
	{ "securelevel", JP_INT, K, false, JS_NONE, "-1" },
	{ "children.max", JP_INT, K, false, JS_NONE, "0" },
	{ "children.cur", JP_INT, K, false, JS_RO, "0" },
	{ "enforce_statfs", JP_INT, K, false, JS_NONE, "2" },
	{ "devfs_ruleset", JP_INT, K, false, JS_NONE, "0" },
	{ "osrelease", JP_STRING, K, true, JS_NONE, "" },
	{ "osreldate", JP_INT, K, true, JS_NONE, "0" },
	{ "cpuset.id", JP_INT, K, false, JS_RO, "0" },
	{ "dying", JP_BOOL, K, false, JS_RO, "false" },
	{ "parent", JP_INT, K, false, JS_RO, "0" },
	{ "meta", JP_STRING, K, false, JS_YES, "" },
	{ "env", JP_STRING, K, false, JS_YES, "" },
	{ "sysvmsg", JP_JAILSYS, K, true, JS_YES, "disable" },
	{ "sysvsem", JP_JAILSYS, K, true, JS_YES, "disable" },
	{ "sysvshm", JP_JAILSYS, K, true, JS_YES, "disable" },
	{ "allow.set_hostname", JP_BOOL, K, false, JS_YES, "true" },
	{ "allow.sysvipc", JP_BOOL, K, true, JS_YES, "false" },
	{ "allow.raw_sockets", JP_BOOL, K, false, JS_YES, "false" },
	{ "allow.chflags", JP_BOOL, K, false, JS_YES, "false" },
	{ "allow.mount", JP_BOOL, K, false, JS_YES, "false" },
	{ "allow.mount.devfs", JP_BOOL, K, false, JS_NONE, "false" },
	{ "allow.mount.fdescfs", JP_BOOL, K, false, JS_NONE, "false" },
	{ "allow.mount.fusefs", JP_BOOL, K, false, JS_NONE, "false" },
	{ "allow.mount.nullfs", JP_BOOL, K, false, JS_NONE, "false" },
	{ "allow.mount.procfs", JP_BOOL, K, false, JS_NONE, "false" },
	{ "allow.mount.linprocfs", JP_BOOL, K, false, JS_NONE, "false" },
	{ "allow.mount.linsysfs", JP_BOOL, K, false, JS_NONE, "false" },
	{ "allow.mount.tmpfs", JP_BOOL, K, false, JS_NONE, "false" },
	{ "allow.mount.zfs", JP_BOOL, K, false, JS_NONE, "false" },
	{ "allow.quotas", JP_BOOL, K, false, JS_NONE, "false" },
	{ "allow.read_msgbuf", JP_BOOL, K, false, JS_YES, "false" },
	{ "allow.socket_af", JP_BOOL, K, false, JS_NONE, "false" },
	{ "allow.mlock", JP_BOOL, K, false, JS_YES, "false" },
	{ "allow.reserved_ports", JP_BOOL, K, false, JS_YES, "true" },
	{ "allow.suser", JP_BOOL, K, false, JS_NONE, "true" },
	{ "allow.unprivileged_proc_debug", JP_BOOL, K, false, JS_NONE, "true" },
	{ "allow.unprivileged_parent_tampering", JP_BOOL, K, false, JS_NONE,
	    "false" },
	{ "allow.extattr", JP_BOOL, K, false, JS_NONE, "false" },
	{ "allow.adjtime", JP_BOOL, K, false, JS_YES, "false" },
	{ "allow.settime", JP_BOOL, K, false, JS_YES, "false" },
	{ "allow.routing", JP_BOOL, K, false, JS_NONE, "false" },
	{ "allow.setaudit", JP_BOOL, K, false, JS_NONE, "false" },
	{ "allow.nfsd", JP_BOOL, K, false, JS_NONE, "false" },
	{ "allow.vmm", JP_BOOL, K, false, JS_NONE, "false" },
	/* jail(8)'s own */
	{ "allow.dying", JP_BOOL, P, false, JS_NONE, NULL },
	{ "command", JP_LIST, P, false, JS_YES, NULL },
	{ "depend", JP_LIST, P, false, JS_YES, NULL },
	{ "exec.clean", JP_BOOL, P, false, JS_YES, NULL },
	{ "exec.consolelog", JP_STRING, P, false, JS_YES, NULL },
	{ "exec.created", JP_LIST, P, false, JS_YES, NULL },
	{ "exec.fib", JP_INT, P, false, JS_NONE, NULL },
	{ "exec.jail_user", JP_STRING, P, false, JS_YES, NULL },
	{ "exec.poststart", JP_LIST, P, false, JS_YES, NULL },
	{ "exec.poststop", JP_LIST, P, false, JS_YES, NULL },
	{ "exec.prepare", JP_LIST, P, false, JS_YES, NULL },
	{ "exec.prestart", JP_LIST, P, false, JS_YES, NULL },
	{ "exec.prestop", JP_LIST, P, false, JS_YES, NULL },
	{ "exec.release", JP_LIST, P, false, JS_YES, NULL },
	{ "exec.start", JP_LIST, P, false, JS_YES, NULL },
	{ "exec.stop", JP_LIST, P, false, JS_YES, NULL },
	{ "exec.system_jail_user", JP_BOOL, P, false, JS_YES, NULL },
	{ "exec.system_user", JP_STRING, P, false, JS_YES, NULL },
	{ "exec.timeout", JP_INT, P, false, JS_YES, NULL },
	{ "interface", JP_STRING, P, false, JS_YES, NULL },
	{ "ip_hostname", JP_BOOL, P, false, JS_YES, NULL },
	{ "mount", JP_LIST, P, false, JS_YES, NULL },
	{ "mount.devfs", JP_BOOL, P, false, JS_YES, NULL },
	{ "mount.fdescfs", JP_BOOL, P, false, JS_YES, NULL },
	{ "mount.fstab", JP_LIST, P, false, JS_YES, NULL },
	{ "mount.procfs", JP_BOOL, P, false, JS_YES, NULL },
	{ "stop.timeout", JP_INT, P, false, JS_YES, NULL },
	{ "vnet.interface", JP_LIST, P, false, JS_YES, NULL },
	{ "zfs.dataset", JP_LIST, P, false, JS_NONE, NULL },
};

#undef K
#undef P

const struct jail_pdesc *
jail_pdesc_all(size_t *n)
{
	*n = sizeof(jail_ptab) / sizeof(jail_ptab[0]);
	return jail_ptab;
}

static const struct jail_pdesc *
jail_pdesc_exact(const char *name, size_t len)
{
	size_t n;
	const struct jail_pdesc *t = jail_pdesc_all(&n);

	for (size_t i = 0; i < n; i++)
		if (strlen(t[i].name) == len &&
		    strncmp(t[i].name, name, len) == 0)
			return &t[i];
	return NULL;
}

/*
 * The description of a parameter.  A boolean may be spelled with "no"
 * before its last component (allow.nomount); *negated says so.
 */
const struct jail_pdesc *
jail_pdesc(const char *name, bool *negated)
{
	const struct jail_pdesc *pd;
	const char *last = strrchr(name, '.');
	char buf[128];
	size_t pre;

	if (negated != NULL)
		*negated = false;
	if ((pd = jail_pdesc_exact(name, strlen(name))) != NULL)
		return pd;
	last = last != NULL ? last + 1 : name;
	if (strncmp(last, "no", 2) != 0)
		return NULL;
	pre = (size_t)(last - name);
	if (snprintf(buf, sizeof(buf), "%.*s%s", (int)pre, name, last + 2) >=
	    (int)sizeof(buf))
		return NULL;
	pd = jail_pdesc_exact(buf, strlen(buf));
	if (pd == NULL || pd->type != JP_BOOL)
		return NULL;
	if (negated != NULL)
		*negated = true;
	return pd;
}

/* The name with "no" taken off the last component, if it has one. */
static bool
jail_strip_no(const char *name, char *buf, size_t size)
{
	const char *last = strrchr(name, '.');

	last = last != NULL ? last + 1 : name;
	if (strncmp(last, "no", 2) != 0)
		return false;
	return snprintf(buf, size, "%.*s%s", (int)(last - name), name,
		   last + 2) < (int)size;
}

/* Same parameter: equal, or one is the other with a "no". */
bool
jail_pname_equal(const char *a, const char *b)
{
	char buf[256];

	if (strcmp(a, b) == 0)
		return true;
	if (jail_strip_no(a, buf, sizeof(buf)) && strcmp(buf, b) == 0)
		return true;
	return jail_strip_no(b, buf, sizeof(buf)) && strcmp(buf, a) == 0;
}

/* --- parameter lists ---------------------------------------------------- */

struct jail_param *
jail_params_find(const struct jail_params *ps, const char *name)
{
	for (size_t i = 0; i < ps->n; i++)
		if (jail_pname_equal(ps->v[i].name, name))
			return &ps->v[i];
	return NULL;
}

/*
 * Set (or, with append, extend) a parameter.  The name takes the new
 * spelling, so a later "allow.nomount" replaces "allow.mount".
 */
int
jail_params_set(struct jail_params *ps, const char *name,
    const char *const *vals, size_t nvals, bool append)
{
	struct jail_param *p, *nv;
	char *nn;
	int error;

	if ((p = jail_params_find(ps, name)) != NULL) {
		if (strcmp(p->name, name) != 0) {
			if ((nn = strdup(name)) == NULL)
				return ENOMEM;
			free(p->name);
			p->name = nn;
		}
		if (!append || nvals == 0)
			jail_strv_free(&p->vals);
	} else {
		nv = realloc(ps->v, (ps->n + 1) * sizeof(*nv));
		if (nv == NULL)
			return ENOMEM;
		ps->v = nv;
		p = &nv[ps->n];
		memset(p, 0, sizeof(*p));
		if ((p->name = strdup(name)) == NULL)
			return ENOMEM;
		ps->n++;
	}
	for (size_t i = 0; i < nvals; i++)
		if ((error = jail_strv_add(&p->vals, vals[i])) != 0)
			return error;
	return 0;
}

int
jail_params_set1(struct jail_params *ps, const char *name, const char *val)
{
	return jail_params_set(ps, name, val != NULL ? &val : NULL,
	    val != NULL ? 1 : 0, false);
}

void
jail_params_del(struct jail_params *ps, const char *name)
{
	struct jail_param *p = jail_params_find(ps, name);
	size_t i;

	if (p == NULL)
		return;
	i = (size_t)(p - ps->v);
	free(p->name);
	jail_strv_free(&p->vals);
	memmove(&ps->v[i], &ps->v[i + 1], (ps->n - i - 1) * sizeof(*p));
	ps->n--;
}

int
jail_params_copy(struct jail_params *dst, const struct jail_params *src)
{
	int error;

	memset(dst, 0, sizeof(*dst));
	for (size_t i = 0; i < src->n; i++) {
		error = jail_params_set(dst, src->v[i].name,
		    (const char *const *)src->v[i].vals.v, src->v[i].vals.n,
		    false);
		if (error != 0)
			return error;
	}
	return 0;
}

void
jail_params_free(struct jail_params *ps)
{
	for (size_t i = 0; i < ps->n; i++) {
		free(ps->v[i].name);
		jail_strv_free(&ps->v[i].vals);
	}
	free(ps->v);
	ps->v = NULL;
	ps->n = 0;
}

/* --- typed reads -------------------------------------------------------- */

static const char *
jail_last_val(const struct jail_param *p)
{
	return p->vals.n > 0 ? p->vals.v[p->vals.n - 1] : NULL;
}

const char *
jail_pstr(const struct jail_params *ps, const char *name)
{
	struct jail_param *p = jail_params_find(ps, name);

	return p != NULL ? jail_last_val(p) : NULL;
}

/* FreeBSD's rule: (bare, "true" or non-zero) XOR spelled with "no". */
bool
jail_pbool(const struct jail_params *ps, const char *name, bool dflt)
{
	struct jail_param *p = jail_params_find(ps, name);
	const char *v;
	bool neg = false, truth;

	if (p == NULL)
		return dflt;
	(void)jail_pdesc(p->name, &neg);
	v = jail_last_val(p);
	truth = v == NULL || strcasecmp(v, "true") == 0 ||
	    strtol(v, NULL, 10) != 0;
	return truth != neg;
}

long
jail_pint(const struct jail_params *ps, const char *name, long dflt)
{
	const char *v = jail_pstr(ps, name);

	return v != NULL ? strtol(v, NULL, 10) : dflt;
}

int
jail_psys(const struct jail_params *ps, const char *name, int dflt)
{
	struct jail_param *p = jail_params_find(ps, name);
	const char *v;

	if (p == NULL)
		return dflt;
	if ((v = jail_last_val(p)) == NULL)
		return 1;
	if (strcasecmp(v, "disable") == 0)
		return 0;
	if (strcasecmp(v, "new") == 0)
		return 1;
	if (strcasecmp(v, "inherit") == 0)
		return 2;
	return (int)strtol(v, NULL, 10);
}

char *
jail_pjoin(const struct jail_param *p)
{
	char *s = NULL;
	size_t len = 0;
	FILE *mf = open_memstream(&s, &len);

	if (mf == NULL)
		return NULL;
	for (size_t i = 0; i < p->vals.n; i++)
		fprintf(mf, "%s%s", i > 0 ? "," : "", p->vals.v[i]);
	fclose(mf);
	return s;
}

/* --- checks ------------------------------------------------------------- */

static bool
jail_is_int(const char *v)
{
	char *ep;

	(void)strtol(v, &ep, 10);
	return ep != v && *ep == '\0';
}

/* A value as the jailsys and boolean types read it, for comparing. */
static long
jail_norm_val(enum jail_ptype type, const char *v, bool neg)
{
	long n;

	if (type == JP_BOOL) {
		n = v == NULL || strcasecmp(v, "true") == 0 ||
		    (strcasecmp(v, "false") != 0 && strtol(v, NULL, 10) != 0);
		return neg ? !n : n;
	}
	if (type == JP_JAILSYS) {
		if (v == NULL || strcasecmp(v, "new") == 0)
			return 1;
		if (strcasecmp(v, "disable") == 0)
			return 0;
		if (strcasecmp(v, "inherit") == 0)
			return 2;
	}
	return v != NULL ? strtol(v, NULL, 10) : 0;
}

/*
 * Does a parameter Linux ignores ask for what Linux gives anyway (its
 * FreeBSD default)?  Then it deserves no warning: `jls -s' output fed
 * back to jail(8) names every parameter.
 */
static bool
jail_at_default(const struct jail_pdesc *pd, const char *v, bool neg)
{
	const char *dflt = pd->dflt != NULL ? pd->dflt : "";

	switch (pd->type) {
	case JP_BOOL:
	case JP_JAILSYS:
	case JP_INT:
		return jail_norm_val(pd->type, v, neg) ==
		    jail_norm_val(pd->type, dflt, false);
	default:
		return v != NULL && strcmp(v, dflt) == 0;
	}
}

static int
jail_check_one(const struct jail_param *p, struct jail_diag *d,
    struct jail_strv *warns)
{
	const struct jail_pdesc *pd;
	struct jail_addr a;
	const char *v;
	bool neg;

	if ((pd = jail_pdesc(p->name, &neg)) == NULL) {
		jail_diag_add(d, "unknown parameter: %s", p->name);
		return EINVAL;
	}
	if (pd->support == JS_RO) {
		jail_diag_add(d, "%s: read-only parameter", p->name);
		return EINVAL;
	}
	v = jail_last_val(p);
	switch (pd->type) {
	case JP_BOOL:
		if (v != NULL && strcasecmp(v, "true") != 0 &&
		    strcasecmp(v, "false") != 0 && !jail_is_int(v)) {
			jail_diag_add(d, "%s: unknown boolean value \"%s\"",
			    p->name, v);
			return EINVAL;
		}
		break;
	case JP_JAILSYS:
		if (v != NULL && strcasecmp(v, "disable") != 0 &&
		    strcasecmp(v, "new") != 0 &&
		    strcasecmp(v, "inherit") != 0 &&
		    !(jail_is_int(v) && strtol(v, NULL, 10) >= 0 &&
			strtol(v, NULL, 10) <= 2)) {
			jail_diag_add(d, "unknown jailsys value \"%s\"", v);
			return EINVAL;
		}
		break;
	case JP_INT:
		if (v == NULL || !jail_is_int(v)) {
			jail_diag_add(d, "%s: non-integer value \"%s\"",
			    p->name, v != NULL ? v : "");
			return EINVAL;
		}
		break;
	case JP_ADDRS:
		for (size_t i = 0; i < p->vals.n; i++) {
			v = p->vals.v[i];
			if (*v == '\0' || strcmp(v, "-") == 0)
				continue;
			if (jail_addr_parse(v,
				strcmp(pd->name, "ip4.addr") == 0 ? AF_INET :
								    AF_INET6,
				&a) != 0) {
				jail_diag_add(d, "%s: not an %s address: %s",
				    p->name,
				    strcmp(pd->name, "ip4.addr") == 0 ? "IPv4" :
									"IPv6",
				    v);
				return EINVAL;
			}
		}
		break;
	default:
		break;
	}
	if (pd->support == JS_NONE && warns != NULL &&
	    !jail_at_default(pd, v, neg))
		jail_strv_add(warns, p->name);
	return 0;
}

int
jail_params_check(const struct jail_params *ps, struct jail_diag *d,
    struct jail_strv *warns)
{
	int error = 0;

	for (size_t i = 0; i < ps->n; i++)
		if (jail_check_one(&ps->v[i], d, warns) != 0)
			error = EINVAL;
	/* with allow.mount, enforce_statfs below 2 lets the jail mount */
	if (warns != NULL && jail_mount_allowed(ps))
		for (size_t i = 0; i < warns->n; i++)
			if (strcmp(warns->v[i], "enforce_statfs") == 0) {
				free(warns->v[i]);
				memmove(&warns->v[i], &warns->v[i + 1],
				    (warns->n - i) * sizeof(char *));
				warns->n--;
				break;
			}
	return error;
}

/* --- addresses ---------------------------------------------------------- */

/*
 * "[iface|]addr[/len][ words...]": IPv4 takes /len or a dotted mask;
 * no mask means a host address (/32, /128).  Trailing words (extra
 * ifconfig arguments on FreeBSD) are ignored.
 */
int
jail_addr_parse(const char *s, int family, struct jail_addr *a)
{
	char buf[128], *addr, *mask, *bar, *sp;
	unsigned char m[4];
	char *ep;
	long len;

	memset(a, 0, sizeof(*a));
	if (snprintf(buf, sizeof(buf), "%s", s) >= (int)sizeof(buf))
		return EINVAL;
	if ((sp = strpbrk(buf, " \t")) != NULL)
		*sp = '\0';
	addr = buf;
	if ((bar = strchr(buf, '|')) != NULL) {
		*bar = '\0';
		if (snprintf(a->iface, sizeof(a->iface), "%s", buf) >=
		    (int)sizeof(a->iface))
			return EINVAL;
		addr = bar + 1;
	}
	a->family = family;
	a->prefixlen = family == AF_INET ? 32 : 128;
	if ((mask = strchr(addr, '/')) != NULL) {
		*mask++ = '\0';
		len = strtol(mask, &ep, 10);
		if (ep != mask && *ep == '\0') {
			if (len < 0 || len > a->prefixlen)
				return EINVAL;
			a->prefixlen = (int)len;
		} else if (family == AF_INET &&
		    inet_pton(AF_INET, mask, m) == 1) {
			uint32_t v = (uint32_t)m[0] << 24 | m[1] << 16 |
			    m[2] << 8 | m[3];

			for (len = 0; len < 32 && (v & 0x80000000u); len++)
				v <<= 1;
			if (v != 0)
				return EINVAL;
			a->prefixlen = (int)len;
		} else {
			return EINVAL;
		}
	}
	if (inet_pton(family, addr, a->addr) != 1)
		return EINVAL;
	snprintf(a->text, sizeof(a->text), "%.63s", addr);
	return 0;
}

/*
 * One jail as jail -e and jail -J print it: every parameter but jid,
 * bare or name=value, values quoted, joined by sep.
 */
void
jail_params_print(FILE *fp, const struct jail_params *ps, const char *sep)
{
	bool first = true;

	for (size_t i = 0; i < ps->n; i++) {
		const struct jail_param *p = &ps->v[i];

		if (strcmp(p->name, "jid") == 0)
			continue;
		fprintf(fp, "%s%s", first ? "" : sep, p->name);
		first = false;
		for (size_t k = 0; k < p->vals.n; k++) {
			fputc(k == 0 ? '=' : ',', fp);
			jail_quote(fp, p->vals.v[k], true);
		}
	}
	fputc('\n', fp);
}
