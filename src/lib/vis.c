/*
 * vis.c: text that another party chose, made safe to print on a
 * terminal.  A jail's root names the nodes of its own graph (and may run
 * the ngd that answers ngctl -j), and sets its jail's hostname: a control
 * byte in such a string (ESC starting a sequence, \r, a backspace) would
 * act on the admin's terminal when ngctl or jls printed it.  Each byte a
 * terminal could act on becomes a backslash and three octal digits, as
 * vis(3) writes with VIS_OCTAL: ESC is \033.  Text of printable ASCII
 * (every ordinary name) comes out as it went in.
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "ng_lib.h"

/* Does c print as itself?  A name's backslash is doubled, so that its
 * escapes are the only backslashes; a text's stays (an ASCII reply's
 * strings are already written with backslash escapes). */
static bool
ng_lib_vis_plain(unsigned char c, int flags)
{
	if (c == '\\')
		return (flags & NG_LIB_VIS_TEXT) != 0;
	if (c >= 0x20 && c < 0x7f)
		return true;
	return (flags & NG_LIB_VIS_TEXT) != 0 && (c == '\n' || c == '\t');
}

bool
ng_lib_vis_clean(const char *s, size_t n, int flags)
{
	for (size_t i = 0; i < n && s[i] != '\0'; i++)
		if (!ng_lib_vis_plain((unsigned char)s[i], flags))
			return false;
	return true;
}

size_t
ng_lib_vis(char *dst, size_t size, const char *s, size_t n, int flags)
{
	size_t out = 0;

	if (size == 0)
		return 0;
	for (size_t i = 0; i < n && s[i] != '\0'; i++) {
		unsigned char c = (unsigned char)s[i];
		char esc[5];
		size_t len;

		if (ng_lib_vis_plain(c, flags)) {
			esc[0] = (char)c;
			len = 1;
		} else if (c == '\\') {
			memcpy(esc, "\\\\", 2);
			len = 2;
		} else {
			snprintf(esc, sizeof(esc), "\\%03o", c);
			len = 4;
		}
		if (out + len >= size)
			break; /* cut whole: never half an escape */
		memcpy(dst + out, esc, len);
		out += len;
	}
	dst[out] = '\0';
	return out;
}

void
ng_lib_vis_write(FILE *fp, const char *s, size_t n, int flags)
{
	char buf[256];
	size_t i = 0;

	while (i < n && s[i] != '\0') {
		size_t run;

		for (run = 0; i + run < n && s[i + run] != '\0' &&
		     ng_lib_vis_plain((unsigned char)s[i + run], flags);
		     run++)
			;
		if (run > 0) {
			fwrite(s + i, 1, run, fp);
			i += run;
			continue;
		}
		(void)ng_lib_vis(buf, sizeof(buf), s + i, 1, flags);
		fputs(buf, fp);
		i++;
	}
}
