/*
 * check.h: what the golden tests' C programs (api.c, bigmsg.c) share:
 * check() prints "ok NAME" or "FAIL NAME (why)", as tests/run counts,
 * and failed says whether any check failed (the exit status).  Included
 * once, by the program's one source file.
 */
#ifndef GOLDEN_CHECK_H
#define GOLDEN_CHECK_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>

static int failed;

static void
check(const char *name, bool ok, const char *fmt, ...)
{
	va_list ap;

	printf("%s %s", ok ? "ok" : "FAIL", name);
	if (!ok && fmt != NULL) {
		printf(" (");
		va_start(ap, fmt);
		vprintf(fmt, ap);
		va_end(ap);
		printf(")");
	}
	printf("\n");
	fflush(stdout);
	failed |= !ok;
}

#endif
