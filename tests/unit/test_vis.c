/*
 * test_vis.c: ng_lib_vis, how ngctl, jls and the jail tools print a name
 * or a text another party chose (a jail's node names and hostname): each
 * byte a terminal acts on as \ooo, a name's backslash doubled, a text's
 * newlines, tabs and backslashes kept, printable ASCII as it is; never
 * half an escape when the room runs out; and libnetgraph's log lines
 * (its debug dumps) escaped the same way.
 */
#include <stdarg.h>
#include <stdint.h>

#include <netgraph.h>

#include "../../src/lib/ng_lib.h"
#include "ngtest.h"

static char vbuf[256];

static const char *
vis(const char *s, int flags)
{
	(void)ng_lib_vis(vbuf, sizeof(vbuf), s, SIZE_MAX, flags);
	return vbuf;
}

static char logged[256];

static void
capture(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(logged, sizeof(logged), fmt, ap);
	va_end(ap);
}

int
main(void)
{
	char small[9], *text = NULL;
	size_t len = 0;
	FILE *fp;

	CHECK("an ordinary name is clean",
	    ng_lib_vis_clean("ngeth0 br-0_x", SIZE_MAX, 0));
	CHECK_STR("... and prints as it is", vis("ngeth0 br-0_x", 0),
	    "ngeth0 br-0_x");
	CHECK("a name with ESC is not clean",
	    !ng_lib_vis_clean("a\033b", SIZE_MAX, 0));
	CHECK_STR("ESC, BEL, CR as \\ooo", vis("x\033]0;t\a\r", 0),
	    "x\\033]0;t\\007\\015");
	CHECK_STR("DEL and bytes past ASCII too", vis("\177\303\251", 0),
	    "\\177\\303\\251");
	CHECK_STR("a name's newline and tab too", vis("a\nb\tc", 0),
	    "a\\012b\\011c");
	CHECK_STR("a name's backslash doubled", vis("a\\033", 0), "a\\\\033");
	CHECK("a name with a backslash is not clean",
	    !ng_lib_vis_clean("a\\b", SIZE_MAX, 0));
	CHECK_STR("a text keeps newline, tab and backslash",
	    vis("a\n\tb=\"\\x1b\"", NG_LIB_VIS_TEXT), "a\n\tb=\"\\x1b\"");
	CHECK_STR("... and escapes the rest",
	    vis("a\033[2K\r", NG_LIB_VIS_TEXT), "a\\033[2K\\015");
	CHECK("a text with a newline is clean",
	    ng_lib_vis_clean("a\nb\\", SIZE_MAX, NG_LIB_VIS_TEXT));
	CHECK_STR("n bytes at most",
	    (ng_lib_vis(vbuf, sizeof(vbuf), "ab\033", 2, 0), vbuf), "ab");
	CHECK_INT("out of room: cut before an escape that would not fit",
	    ng_lib_vis(small, sizeof(small), "ab\033\033", SIZE_MAX, 0), 6);
	CHECK_STR("... never half of one", small, "ab\\033");
	CHECK_INT("no room at all", ng_lib_vis(small, 0, "a", 1, 0), 0);

	fp = open_memstream(&text, &len);
	CHECK("memstream", fp != NULL);
	if (fp != NULL) {
		ng_lib_vis_write(fp, "ok\n\033]2;x\a\\", SIZE_MAX,
		    NG_LIB_VIS_TEXT);
		fclose(fp);
		CHECK_STR("ng_lib_vis_write: a text to a stream", text,
		    "ok\n\\033]2;x\\007\\");
		free(text);
	}

	NgSetErrLog(capture, capture);
	ng_lib_logx("addr=\"%s\"", "x\033[8m");
	CHECK_STR("libnetgraph's log lines are escaped", logged,
	    "addr=\"x\\033[8m\"");
	errno = 0;
	ng_lib_warn(EINVAL, "node %s", "a\rb");
	CHECK_STR("... its failures too", logged, "node a\\015b");
	NgSetErrLog(NULL, NULL);
	return ngt_done();
}
