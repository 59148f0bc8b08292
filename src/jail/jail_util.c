/*
 * jail_util.c: small helpers shared by the jail tools: collected
 * diagnostics, warnings with the program's name, string lists, and the
 * value quoting that jail -e, jail -J and jls -q share.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "jail.h"
#include "../lib/ng_lib.h"

void
jail_diag_add(struct jail_diag *d, const char *fmt, ...)
{
	char **nv, *msg;
	va_list ap;

	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	va_end(ap);
	if (msg == NULL)
		return;
	nv = realloc(d->msgs, (d->n + 1) * sizeof(*nv));
	if (nv == NULL) {
		free(msg);
		return;
	}
	d->msgs = nv;
	d->msgs[d->n++] = msg;
}

void
jail_diag_print(const struct jail_diag *d, FILE *fp)
{
	for (size_t i = 0; i < d->n; i++)
		fprintf(fp, "%s: %s\n", program_invocation_short_name,
		    d->msgs[i]);
	fflush(fp);
}

void
jail_diag_free(struct jail_diag *d)
{
	for (size_t i = 0; i < d->n; i++)
		free(d->msgs[i]);
	free(d->msgs);
	d->msgs = NULL;
	d->n = 0;
}

void
jail_warnx(const char *jname, const char *fmt, ...)
{
	char *msg;
	va_list ap;

	fflush(stdout);
	fprintf(stderr, "%s: ", program_invocation_short_name);
	if (jname != NULL)
		fprintf(stderr, "%s: ", jname);
	/*
	 * A name in it may be what a jail's root chose (a home directory
	 * from the jail's passwd, a hostname): its control bytes as \ooo
	 * (ng_lib_vis), as jls prints them.
	 */
	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	va_end(ap);
	if (msg != NULL)
		ng_lib_vis_write(stderr, msg, SIZE_MAX, NG_LIB_VIS_TEXT);
	free(msg);
	fputc('\n', stderr);
}

void
jail_getopt_warn(int ch)
{
	if (ch == ':')
		jail_warnx(NULL, "option requires an argument -- %c", optopt);
	else
		jail_warnx(NULL, "illegal option -- %c", optopt);
}

int
jail_strv_addn(struct jail_strv *sv, const char *s, size_t len)
{
	char **nv, *c;

	if (sv->n + 2 > sv->cap) {
		size_t ncap = sv->cap == 0 ? 4 : sv->cap * 2;

		if ((nv = realloc(sv->v, ncap * sizeof(*nv))) == NULL)
			return ENOMEM;
		sv->v = nv;
		sv->cap = ncap;
	}
	if ((c = strndup(s, len)) == NULL)
		return ENOMEM;
	sv->v[sv->n++] = c;
	sv->v[sv->n] = NULL;
	return 0;
}

int
jail_strv_add(struct jail_strv *sv, const char *s)
{
	return jail_strv_addn(sv, s, strlen(s));
}

void
jail_strv_free(struct jail_strv *sv)
{
	for (size_t i = 0; i < sv->n; i++)
		free(sv->v[i]);
	free(sv->v);
	sv->v = NULL;
	sv->n = sv->cap = 0;
}

/*
 * Empty: "".  Otherwise wrapped in " when it holds a ', else in ' when
 * it holds a ", else in " when it holds a blank; bare if none.  With
 * escape, backslashes and the chosen quote are escaped inside.
 */
void
jail_quote(FILE *fp, const char *s, bool escape)
{
	int q = 0;

	if (*s == '\0') {
		fputs("\"\"", fp);
		return;
	}
	if (strchr(s, '\'') != NULL)
		q = '"';
	else if (strchr(s, '"') != NULL)
		q = '\'';
	else if (strpbrk(s, " \t") != NULL)
		q = '"';
	if (q != 0)
		fputc(q, fp);
	for (; *s != '\0'; s++) {
		if (escape && (*s == '\\' || *s == q))
			fputc('\\', fp);
		fputc(*s, fp);
	}
	if (q != 0)
		fputc(q, fp);
}

bool
jail_is_number(const char *s)
{
	if (*s == '\0')
		return false;
	for (; *s != '\0'; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}
