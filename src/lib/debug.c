/*
 * debug.c: libnetgraph's debug levels and logging (netgraph(3)):
 * level 1 logs failures, level 2 dumps every message header and packet
 * size, level 3 adds the packet bytes.  Logging goes through two function
 * pointers, warn(3) and warnx(3) by default.
 */
#include <err.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <netgraph.h>
#include <netgraph/ng_bridge.h>
#include <netgraph/ng_eiface.h>
#include <netgraph/ng_hub.h>
#include <netgraph/ng_socket.h>

#include "ng_lib.h"

static void (*ng_lib_log)(const char *fmt, ...) = warn;
static void (*ng_lib_logx_fn)(const char *fmt, ...) = warnx;

int
NgSetDebug(int level)
{
	int old = ng_lib_debug;

	if (level >= 0)
		ng_lib_debug = level;
	return old;
}

void
NgSetErrLog(void (*log)(const char *fmt, ...),
    void (*logx)(const char *fmt, ...))
{
	ng_lib_log = log;
	ng_lib_logx_fn = logx;
}

void
ng_lib_warnx(const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	ng_lib_logx_fn("%s", buf);
}

void
ng_lib_logx(const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	ng_lib_logx_fn("%s", buf);
}

static const char *
ng_lib_cookie_name(uint32_t cookie)
{
	static const struct {
		uint32_t cookie;
		const char *name;
	} names[] = {
	    {NGM_GENERIC_COOKIE, "GENERIC"},
	    {NGM_SOCKET_COOKIE, "SOCKET"},
	    {NGM_HUB_COOKIE, "HUB"},
	    {NGM_EIFACE_COOKIE, "EIFACE"},
	    {NGM_BRIDGE_COOKIE, "BRIDGE"},
	    {NGM_FLOW_COOKIE, "FLOW"},
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (names[i].cookie == cookie)
			return names[i].name;
	return "??";
}

void
ng_lib_dump_msg(const char *what, const char *path, const struct ng_mesg *msg)
{
	ng_lib_logx("%s", what);
	ng_lib_logx("SOCKADDR: { fam=%d len=%zu addr=\"%s\" }", 32,
	    strlen(path) + 2, path);
	ng_lib_logx("NG_MESG :");
	ng_lib_logx("  vers   %d", msg->header.version);
	ng_lib_logx("  arglen %u", msg->header.arglen);
	ng_lib_logx("  flags  %x", msg->header.flags);
	ng_lib_logx("  token  %u", msg->header.token);
	ng_lib_logx("  cookie %s (%u)", ng_lib_cookie_name(msg->header.typecookie),
	    msg->header.typecookie);
	if (ng_lib_debug > 2) {
		ng_lib_logx("  cmd    %.*s (%u)", NG_CMDSTRSIZ,
		    msg->header.cmdstr, msg->header.cmd);
	}
	if (ng_lib_debug > 2 && msg->header.arglen > 0)
		ng_lib_dump_data((const unsigned char *)msg->data,
		    msg->header.arglen);
}

void
ng_lib_dump_data(const unsigned char *buf, size_t len)
{
	char line[100];

	for (size_t off = 0; off < len; off += 16) {
		int n = snprintf(line, sizeof(line), "%04zx:  ", off);

		for (size_t j = 0; j < 16; j++)
			n += snprintf(line + n, sizeof(line) - n,
			    off + j < len ? "%02x " : "   ",
			    off + j < len ? buf[off + j] : 0);
		line[n++] = ' ';
		for (size_t j = 0; j < 16; j++) {
			unsigned char c = off + j < len ? buf[off + j] : ' ';

			line[n++] = c >= 0x20 && c < 0x7f ? (char)c : '.';
		}
		line[n] = '\0';
		ng_lib_logx("%s", line);
	}
}
