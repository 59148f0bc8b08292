/*
 * debug.c: libnetgraph's debug levels and logging (netgraph(3)):
 * level 1 logs failures, level 2 dumps every message (header, command
 * number, argument bytes) and the size of every packet, level 3 asks the
 * node at the other end to put a message's arguments into words and dumps
 * packet bytes.  Logging goes through two function pointers that
 * NgSetErrLog replaces: log for a failure (the error's text appended, as
 * warn(3) does, in FreeBSD's words by default), logx for the rest
 * (warnx(3) by default).
 */
#include <err.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <netgraph.h>
#include <netgraph/ng_bridge.h>
#include <netgraph/ng_eiface.h>
#include <netgraph/ng_hub.h>
#include <netgraph/ng_socket.h>

#include "ng_lib.h"

static void ng_lib_default_log(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));

static void (*ng_lib_log_fn)(const char *fmt, ...) = ng_lib_default_log;
static void (*ng_lib_logx_fn)(const char *fmt, ...) = warnx;

/* Set while this thread converts a message for a dump: the messages that
 * takes are neither dumped nor logged (FreeBSD lowers the level). */
static __thread int ng_lib_quiet;

int
ng_lib_level(void)
{
	return ng_lib_quiet ? 0 : ng_lib_debug;
}

int
NgSetDebug(int level)
{
	int old = ng_lib_debug;

	if (level >= 0)
		ng_lib_debug = level;
	return old;
}

/* warn(3), with NgStrError's words for errno. */
static void
ng_lib_default_log(const char *fmt, ...)
{
	int error = errno;
	va_list ap;

	fprintf(stderr, "%s: ", program_invocation_short_name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, ": %s\n", NgStrError(error));
	errno = error;
}

/* NULL puts the default back (FreeBSD would crash on the next log). */
void
NgSetErrLog(void (*log)(const char *fmt, ...),
    void (*logx)(const char *fmt, ...))
{
	ng_lib_log_fn = log != NULL ? log : ng_lib_default_log;
	ng_lib_logx_fn = logx != NULL ? logx : warnx;
}

void
ng_lib_warn(int error, const char *fmt, ...)
{
	char buf[1024], esc[NG_LIB_VIS_MAX(sizeof(buf))];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	ng_lib_vis(esc, sizeof(esc), buf, sizeof(buf), NG_LIB_VIS_TEXT);
	errno = error; /* what the log function appends */
	ng_lib_log_fn("%s", esc);
	errno = error;
}

void
ng_lib_logx(const char *fmt, ...)
{
	char buf[1024], esc[NG_LIB_VIS_MAX(sizeof(buf))];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	ng_lib_vis(esc, sizeof(esc), buf, sizeof(buf), NG_LIB_VIS_TEXT);
	ng_lib_logx_fn("%s", esc);
}

static const char *
ng_lib_cookie_name(uint32_t cookie)
{
	static const struct {
		uint32_t cookie;
		const char *name;
	} names[] = {
		{ NGM_GENERIC_COOKIE, "GENERIC" },
		{ NGM_SOCKET_COOKIE, "SOCKET" },
		{ NGM_HUB_COOKIE, "HUB" },
		{ NGM_EIFACE_COOKIE, "EIFACE" },
		{ NGM_BRIDGE_COOKIE, "BRIDGE" },
		{ NGM_FLOW_COOKIE, "FLOW" },
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (names[i].cookie == cookie)
			return names[i].name;
	return "??";
}

/*
 * Ask the node at path for msg's arguments in ASCII (binary2ascii),
 * through a socket node of our own so that nothing meant for the caller
 * is read.  0 or an errno; *ascii is malloc'd.
 */
static int
ng_lib_ascii_args(const char *path, const struct ng_mesg *msg, size_t arglen,
    struct ng_mesg **ascii)
{
	struct ng_mesg *copy, *rep = NULL;
	int cs, n, error = 0;

	*ascii = NULL;
	if ((copy = malloc(sizeof(*copy) + arglen)) == NULL)
		return ENOMEM;
	memcpy(copy, msg, sizeof(*copy) + arglen);
	copy->header.arglen = (uint32_t)arglen;
	ng_lib_quiet++;
	if (NgMkSockNode(NULL, &cs, NULL) < 0) {
		error = errno;
	} else {
		if (NgSendMsg(cs, path, NGM_GENERIC_COOKIE, NGM_BINARY2ASCII,
			copy, sizeof(*copy) + arglen) < 0 ||
		    (n = NgAllocRecvMsg(cs, &rep, NULL)) < 0)
			error = errno;
		else if ((size_t)n < 2 * sizeof(*rep) ||
		    rep->header.arglen < sizeof(*rep))
			error = EPROTO;
		close(cs);
	}
	ng_lib_quiet--;
	free(copy);
	if (error != 0) {
		free(rep);
		return error;
	}
	*ascii = rep;
	return 0;
}

/*
 * what, the address, the header; the command and its arguments in ASCII
 * (level 3, when path is absolute) or in hex.  len is how many bytes of
 * msg there are.
 */
void
ng_lib_dump_msg(const char *what, const char *path, const struct ng_mesg *msg,
    size_t len)
{
	size_t arglen = msg->header.arglen;
	struct ng_mesg *rep;
	int error;

	if (arglen > len - sizeof(*msg))
		arglen = len - sizeof(*msg);
	ng_lib_logx("%s", what);
	ng_lib_logx("SOCKADDR: { fam=%d len=%zu addr=\"%s\" }", 32,
	    strlen(path) + 3, path);
	ng_lib_logx("NG_MESG :");
	ng_lib_logx("  vers   %d", msg->header.version);
	ng_lib_logx("  arglen %u", msg->header.arglen);
	ng_lib_logx("  flags  %x", msg->header.flags);
	ng_lib_logx("  token  %u", msg->header.token);
	ng_lib_logx("  cookie %s (%u)",
	    ng_lib_cookie_name(msg->header.typecookie), msg->header.typecookie);
	if (ng_lib_level() > 2 && strchr(path, ':') != NULL) {
		error = ng_lib_ascii_args(path, msg, arglen, &rep);
		if (error == 0) {
			const struct ng_mesg *a;
			size_t room;

			a = (const struct ng_mesg *)rep->data;
			room = rep->header.arglen - sizeof(*a);
			ng_lib_logx("  cmd    %.*s (%u)", NG_CMDSTRSIZ,
			    a->header.cmdstr, a->header.cmd);
			ng_lib_logx("  args   %.*s",
			    (int)strnlen(a->data, room), a->data);
			free(rep);
			return;
		}
		ng_lib_logx("  [error decoding message: %s]",
		    NgStrError(error));
	}
	ng_lib_logx("  cmd    %u", msg->header.cmd);
	ng_lib_logx("  args (%u bytes)", msg->header.arglen);
	ng_lib_dump_data((const unsigned char *)msg->data, arglen);
}

size_t
ng_lib_hexline(char *line, const unsigned char *buf, size_t len, size_t off,
    int gap, int pad)
{
	size_t n = (size_t)snprintf(line, NG_LIB_HEXLINE, "%04zx:  ", off);

	for (size_t j = 0; j < 16; j++)
		n += (size_t)snprintf(line + n, NG_LIB_HEXLINE - n,
		    off + j < len ? "%02x " : "   ",
		    off + j < len ? buf[off + j] : 0);
	for (int i = 0; i < gap; i++)
		line[n++] = ' ';
	for (size_t j = 0; j < 16; j++) {
		unsigned char c = off + j < len ? buf[off + j] : 0;

		if (off + j >= len) {
			for (int i = 0; i < pad; i++)
				line[n++] = ' ';
		} else {
			line[n++] = c >= 0x20 && c < 0x7f ? (char)c : '.';
		}
	}
	line[n] = '\0';
	return n;
}

/* FreeBSD's layout: two spaces before the text, two for a missing byte. */
void
ng_lib_dump_data(const unsigned char *buf, size_t len)
{
	char line[NG_LIB_HEXLINE];

	for (size_t off = 0; off < len; off += 16) {
		(void)ng_lib_hexline(line, buf, len, off, 2, 2);
		ng_lib_logx("%s", line);
	}
}
