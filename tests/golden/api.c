/*
 * api.c: netgraph(3) as a program sees it (spec §7, §13 cases 42 and 43),
 * compiled by api.sh against build/libnetgraph.a and run against a fresh
 * ngd.  Prints "ok NAME" or "FAIL NAME ..." per check, as tests/run counts.
 * "api reply PATH" instead sends PATH an unasked-for nodeinfo reply and
 * stays a second, so that the receiver can have it converted.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <netgraph.h>
#include <netgraph/ng_bridge.h>
#include <netgraph/ng_hub.h>

#include "check.h"

/* rc is -1 with errno want */
static void
check_errno(const char *name, int rc, int want)
{
	int error = errno;

	check(name, rc == -1 && error == want, "rc %d errno %d (%s), want %d",
	    rc, error, strerror(error), want);
}

static void
quiet(const char *fmt, ...)
{
	(void)fmt;
}

/* What NgSetErrLog's two functions were last given, and errno then. */
static char logged[256], loggedx[256];
static int logged_errno;

static void
record_log(const char *fmt, ...)
{
	va_list ap;

	logged_errno = errno;
	va_start(ap, fmt);
	vsnprintf(logged, sizeof(logged), fmt, ap);
	va_end(ap);
}

static void
record_logx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(loggedx, sizeof(loggedx), fmt, ap);
	va_end(ap);
}

/* An ASCII command to path; its reply's text, or NULL. */
static char *
ascii(int cs, const char *path, const char *cmd)
{
	struct ng_mesg *rep;
	char *text;

	if (NgSendAsciiMsg(cs, path, "%s", cmd) < 0 ||
	    NgAllocRecvAsciiMsg(cs, &rep, NULL) < 0)
		return NULL;
	text = strdup(rep->data);
	free(rep);
	return text;
}

static int
send_reply(const char *path)
{
	struct {
		struct ng_mesg m;
		struct nodeinfo ni;
	} r;
	int cs;

	if (NgMkSockNode("fake", &cs, NULL) < 0)
		return 1;
	memset(&r, 0, sizeof(r));
	NG_MKMESSAGE_HDR(&r.m, NGM_GENERIC_COOKIE, NGM_NODEINFO, 0);
	snprintf(r.m.header.cmdstr, NG_CMDSTRSIZ, "nodeinfo");
	r.m.header.token = 77;
	snprintf(r.ni.name, sizeof(r.ni.name), "somewhere");
	snprintf(r.ni.type, sizeof(r.ni.type), "hub");
	r.ni.id = 0x42;
	if (NgSendReplyMsg(cs, path, &r.m, &r.ni, sizeof(r.ni)) < 0)
		return 1;
	sleep(1);
	return 0;
}

int
main(int ac, char **av)
{
	struct ng_mesg *rep, small[1];
	unsigned char buf[64];
	char hook[NG_HOOKSIZ], path[NG_PATHSIZ], *text;
	int cs, ds, t1, t2, n;

	if (ac == 3 && strcmp(av[1], "reply") == 0)
		return send_reply(av[2]);
	NgSetErrLog(quiet, quiet);

	/* 42: a hub joined to two of our hooks: a <-> x, b <-> y */
	check("42 NgMkSockNode", NgMkSockNode("t", &cs, &ds) == 0, "%s",
	    strerror(errno));
	check("42 mkpeer . hub a x",
	    NgSendAsciiMsg(cs, ".",
		"mkpeer { type=\"hub\" ourhook=\"a\" "
		"peerhook=\"x\" }") >= 0,
	    "%s", strerror(errno));
	check("42 connect . .:a b y",
	    NgSendAsciiMsg(cs, ".",
		"connect { path=\".:a\" ourhook=\"b\" "
		"peerhook=\"y\" }") >= 0,
	    "%s", strerror(errno));
	check("42 NgSendData on a",
	    NgSendData(ds, "a", (const unsigned char *)"\x41", 1) == 0, "%s",
	    strerror(errno));
	memset(hook, 0, sizeof(hook));
	n = NgRecvData(ds, buf, sizeof(buf), hook);
	check("42 NgRecvData gets 1 byte", n == 1 && buf[0] == 0x41, "n %d", n);
	check("42 ... on hook b", strcmp(hook, "b") == 0, "hook \"%s\"", hook);

	/* 43: data socket errors */
	check_errno("43 no such hook", NgSendData(ds, "nohook", buf, 1),
	    EHOSTUNREACH);
	/* ds carries ngd's framing, so "no address" is a NULL hook */
	check_errno("43 no address with two hooks",
	    NgSendData(ds, NULL, buf, 1), EDESTADDRREQ);
	check_errno("43 hook name of 32 characters",
	    NgSendData(ds, "0123456789012345678901234567890x", buf, 1), EINVAL);
	/*
	 * send(2) itself has no address: with two hooks it cannot go.  The
	 * socket takes it, so the error comes with the next receive (as a
	 * pending socket error would), and the connection stays.
	 */
	check("43 send(2) with no address, two hooks",
	    send(ds, "\x41", 1, 0) == 1, "%s", strerror(errno));
	memset(buf, 0xee, 60);
	check("43 ... and a 60-byte one", send(ds, buf, 60, 0) == 60, "%s",
	    strerror(errno));
	check("43 ... and an empty one", send(ds, "", 0, 0) == 0, "%s",
	    strerror(errno));
	check_errno("43 ... the next receive says EDESTADDRREQ",
	    NgRecvData(ds, buf, sizeof(buf), hook), EDESTADDRREQ);
	check_errno("43 ... and the one after it",
	    NgRecvData(ds, buf, sizeof(buf), hook), EDESTADDRREQ);
	check_errno("43 ... and the one after that",
	    NgRecvData(ds, buf, sizeof(buf), hook), EDESTADDRREQ);
	check("43 ... the data socket still works",
	    NgSendData(ds, "a", (const unsigned char *)"\x42", 1) == 0 &&
		NgRecvData(ds, buf, sizeof(buf), hook) == 1 && buf[0] == 0x42 &&
		strcmp(hook, "b") == 0,
	    "%s", strerror(errno));
	check("43 send(2) on the control socket", send(cs, "x", 1, 0) == 1,
	    "%s", strerror(errno));
	check_errno("43 ... the next NgRecvMsg says EDESTADDRREQ",
	    NgRecvMsg(cs, small, sizeof(small), NULL), EDESTADDRREQ);

	/* tokens: the counter counts, ASCII sends return theirs too */
	t1 = NgSendMsg(cs, ".", NGM_GENERIC_COOKIE, NGM_NODEINFO, NULL, 0);
	n = NgAllocRecvMsg(cs, &rep, path);
	check("NgSendMsg returns a token", t1 >= 0, "%d", t1);
	check("the reply carries it",
	    n >= (int)sizeof(*rep) && (int)rep->header.token == t1 &&
		(rep->header.flags & NGF_RESP) != 0,
	    "n %d", n);
	check("NgAllocRecvMsg gives the sender",
	    path[0] == '[' && strcmp(path + strlen(path) - 2, "]:") == 0,
	    "\"%s\"", path);
	check("cmdstr is cmd<decimal>",
	    n >= (int)sizeof(*rep) &&
		strcmp(rep->header.cmdstr, "cmd805306374") == 0,
	    "\"%s\"", n > 0 ? rep->header.cmdstr : "");
	free(rep);
	t2 = NgSendAsciiMsg(cs, ".", "nodeinfo");
	check("NgSendAsciiMsg returns the next token but one", t2 == t1 + 2,
	    "%d after %d", t2, t1);

	/* NgRecvAsciiMsg: 0, the text, the header kept */
	{
		char b[sizeof(struct ng_mesg) + 256];
		struct ng_mesg *m = (struct ng_mesg *)b;

		n = NgRecvAsciiMsg(cs, m, sizeof(b), path);
		check("NgRecvAsciiMsg returns 0", n == 0, "%d: %s", n,
		    strerror(errno));
		check("... the text",
		    strncmp(m->data, "{ name=\"t\" type=\"socket\" id=0x",
			strlen("{ name=\"t\" type=\"socket\" id=0x")) == 0,
		    "\"%s\"", m->data);
		check("... and the header",
		    m->header.token == (uint32_t)t2 &&
			strcmp(m->header.cmdstr, "nodeinfo") == 0 &&
			m->header.arglen == strlen(m->data) + 1,
		    "token %u cmdstr %s arglen %u", m->header.token,
		    m->header.cmdstr, m->header.arglen);
	}
	NgSendAsciiMsg(cs, ".", "nodeinfo");
	check_errno("NgRecvAsciiMsg into too small a buffer",
	    NgRecvAsciiMsg(cs, small, sizeof(small), NULL), ERANGE);

	/* errors from ascii2binary come back from NgSendAsciiMsg */
	NgSendAsciiMsg(cs, ".",
	    "mkpeer { type=\"bridge\" ourhook=\"br\" "
	    "peerhook=\"link0\" }");
	check_errno("ENOSYS", NgSendAsciiMsg(cs, "br", "nosuchcmd"), ENOSYS);
	check_errno("ENOENT", NgSendAsciiMsg(cs, "br", "setconfig { x=1 }"),
	    ENOENT);
	check_errno("EALREADY",
	    NgSendAsciiMsg(cs, "br", "setconfig { debugLevel=1 debugLevel=1 }"),
	    EALREADY);
	check_errno("E2BIG",
	    NgSendAsciiMsg(cs, "br",
		"movehost { addr=1:2:3:4:5:6 "
		"hook=\"012345678901234567890123456789012\" }"),
	    E2BIG);
	check_errno("EOPNOTSUPP",
	    NgSendAsciiMsg(cs, "br", "movehost { hook=\"link0\" }"),
	    EOPNOTSUPP);
	check_errno("EINVAL", NgSendAsciiMsg(cs, "br", "getstats x"), EINVAL);
	check_errno("the node's own error",
	    NgSendAsciiMsg(cs, "br", "getstats 3"), ENOTCONN);
	text = ascii(cs, "br", " \t getconfig");
	check("leading white space, words split at the first",
	    text != NULL &&
		strcmp(text,
		    "{ debugLevel=1 loopTimeout=60 maxStaleness=900 "
		    "minStableAge=1 }") == 0,
	    "%s", text != NULL ? text : strerror(errno));
	free(text);
	check("a binary message, an ASCII reply",
	    NgSendMsg(cs, "br", NGM_BRIDGE_COOKIE, NGM_BRIDGE_GET_STATS,
		&(int32_t){ 0 }, 4) >= 0 &&
		NgAllocRecvAsciiMsg(cs, &rep, NULL) == 0 &&
		strcmp(rep->data, "{}") == 0,
	    "%s", strerror(errno));
	free(rep);

	/* a message that arrives before the reply is kept for later */
	{
		int fd2, t;

		NgMkSockNode("other", &fd2, NULL);
		t = NgSendMsg(fd2, "t:", NGM_HUB_COOKIE, NGM_HUB_SET_PERSISTENT,
		    NULL, 0);
		check("a message to our node", t >= 0, "%s", strerror(errno));
		t = NgSendAsciiMsg(cs, "br", "getconfig");
		check("NgSendAsciiMsg past it", t >= 0, "%s", strerror(errno));
		n = NgAllocRecvMsg(cs, &rep, path);
		check("... which is still there to read, first",
		    n >= (int)sizeof(*rep) &&
			rep->header.typecookie == NGM_HUB_COOKIE &&
			(rep->header.flags & NGF_RESP) == 0,
		    "n %d", n);
		free(rep);
		n = NgAllocRecvMsg(cs, &rep, path);
		check("... then the reply",
		    n >= (int)sizeof(*rep) && (int)rep->header.token == t &&
			rep->header.typecookie == NGM_BRIDGE_COOKIE,
		    "n %d", n);
		free(rep);
		close(fd2);
	}

	/* NgNameNode, debug level */
	check("NgNameNode", NgNameNode(cs, ".", "t%d", 2) == 0, "%s",
	    strerror(errno));
	text = ascii(cs, "t2:", "nodeinfo");
	check("named", text != NULL && strncmp(text, "{ name=\"t2\"", 11) == 0,
	    "%s", text != NULL ? text : strerror(errno));
	free(text);
	check("NgSetDebug(-1) only asks",
	    NgSetDebug(-1) == 0 && NgSetDebug(3) == 0 && NgSetDebug(-1) == 3,
	    NULL);

	/* A failure at level 1 goes to NgSetErrLog's first function, with
	 * errno set for it to append; the second gets nothing. */
	NgSetDebug(1);
	NgSetErrLog(record_log, record_logx);
	check_errno("a message to nowhere",
	    NgSendMsg(cs, "nowhere:", NGM_GENERIC_COOKIE, NGM_NODEINFO, NULL,
		0),
	    ENOENT);
	check("... logged as a failure",
	    strcmp(logged, "sendto(nowhere:)") == 0 && logged_errno == ENOENT,
	    "log \"%s\" errno %d", logged, logged_errno);
	check("... and not as anything else", loggedx[0] == '\0', "logx \"%s\"",
	    loggedx);
	NgSetErrLog(quiet, quiet);
	NgSetDebug(0);

	/* one hook: no address is needed */
	close(cs);
	close(ds);
	NgMkSockNode(NULL, &cs, &ds);
	NgSendAsciiMsg(cs, ".",
	    "mkpeer { type=\"hub\" ourhook=\"only\" "
	    "peerhook=\"x\" }");
	check("no address with exactly one hook",
	    NgSendData(ds, "", (const unsigned char *)"z", 1) == 0, "%s",
	    strerror(errno));
	/* and send(2) goes out on that hook, as on FreeBSD */
	{
		int cs2, ds2;

		NgNameNode(cs, "only", "onehub");
		NgMkSockNode(NULL, &cs2, &ds2);
		NgSendAsciiMsg(cs2, ".",
		    "connect { path=\"onehub:\" "
		    "ourhook=\"r\" peerhook=\"y\" }");
		check("send(2) with exactly one hook",
		    send(ds, "raw!", 4, 0) == 4, "%s", strerror(errno));
		memset(hook, 0, sizeof(hook));
		n = NgRecvData(ds2, buf, sizeof(buf), hook);
		check("... arrives through the hub",
		    n == 4 && memcmp(buf, "raw!", 4) == 0 &&
			strcmp(hook, "r") == 0,
		    "n %d hook \"%s\"", n, hook);
		close(cs2);
		close(ds2);
	}
	return failed;
}
