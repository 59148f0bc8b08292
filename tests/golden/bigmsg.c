/*
 * bigmsg.c: messages larger than one datagram carries (the kernel's
 * some 4 MiB, or a socket buffer's, net.core.wmem_max), compiled and run
 * by bigmsg.sh.  A bridge's table of 120,000 hosts (5 MB) converted to
 * text by binary2ascii (6.7 MB back), 6 MB of text to binary by
 * ascii2binary: libnetgraph sends a long request in pieces to an ngd
 * that takes them (root's, the -g group's), up to 256 MiB either way
 * (NGD_MAX_LARGE: the text of a table of 420,000 hosts, 26 MB, comes
 * back), and says EMSGSIZE beyond; anyone else's goes whole, EMSGSIZE
 * when it cannot.
 *   bigmsg           as root: those, and 17.6 MB and 257 MiB requests
 *   bigmsg user      as a user: 84 KB goes, 5 MB is EMSGSIZE
 * Prints "ok NAME" or "FAIL NAME (why)" per check.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <netgraph.h>
#include <netgraph/ng_bridge.h>

#include "check.h"

static void
quiet(const char *fmt, ...)
{
	(void)fmt;
}

/* A gettable reply of n hosts, 02:00:00:xx:xx:xx on link0; *len set. */
static struct ng_mesg *
table(uint32_t n, size_t *len)
{
	size_t arglen = sizeof(struct ng_bridge_host_ary) +
	    n * sizeof(struct ng_bridge_host);
	struct ng_mesg *m = calloc(1, sizeof(*m) + arglen);
	struct ng_bridge_host_ary *ary;

	if (m == NULL)
		return NULL;
	NG_MKMESSAGE_HDR(m, NGM_BRIDGE_COOKIE, NGM_BRIDGE_GET_TABLE, arglen);
	m->header.flags = NGF_RESP;
	snprintf(m->header.cmdstr, sizeof(m->header.cmdstr), "gettable");
	ary = (struct ng_bridge_host_ary *)m->data;
	ary->numHosts = n;
	for (uint32_t i = 0; i < n; i++) {
		struct ng_bridge_host *h = &ary->hosts[i];

		h->addr[0] = 0x02;
		h->addr[3] = (uint8_t)(i >> 16);
		h->addr[4] = (uint8_t)(i >> 8);
		h->addr[5] = (uint8_t)i;
		strcpy(h->hook, "link0");
		h->age = (uint16_t)(i % 60000);
		h->staleness = 7;
	}
	*len = sizeof(*m) + arglen;
	return m;
}

/* Send B: a generic cmd with arg; its reply's inner message, or NULL
 * with errno. */
static struct ng_mesg *
ask(int cs, int cmd, const void *arg, size_t len)
{
	struct ng_mesg *rep;

	if (NgSendMsg(cs, "B:", NGM_GENERIC_COOKIE, cmd, arg, len) < 0)
		return NULL;
	if (NgAllocRecvMsg(cs, &rep, NULL) < 0)
		return NULL;
	return rep;
}

/* binary2ascii of a table of n hosts: a reply (want 0), or the error
 * want and none. */
static void
check_b2a(int cs, const char *name, uint32_t n, int want)
{
	struct ng_mesg *bin, *rep;
	size_t len;

	bin = table(n, &len);
	rep = ask(cs, NGM_BINARY2ASCII, bin, len);
	if (want == 0)
		check(name, rep != NULL, "%s", strerror(errno));
	else
		check(name, rep == NULL && errno == want, "%s",
		    rep != NULL ? "it went" : strerror(errno));
	free(rep);
	free(bin);
}

int
main(int ac, char **av)
{
	struct ng_mesg *bin, *rep, *req, *inner;
	size_t len;
	char *text;
	int cs;

	NgSetErrLog(quiet, quiet);
	if (NgMkSockNode(NULL, &cs, NULL) != 0) {
		check("NgMkSockNode", false, "%s", strerror(errno));
		return 1;
	}
	if (ac == 2 && strcmp(av[1], "user") == 0) {
		check_b2a(cs, "user: binary2ascii of 2,000 hosts (84 KB)", 2000,
		    0);
		check_b2a(cs, "user: of 120,000 hosts (5 MB): EMSGSIZE", 120000,
		    EMSGSIZE);
		return failed;
	}

	bin = table(120000, &len);
	rep = ask(cs, NGM_BINARY2ASCII, bin, len);
	check("binary2ascii of 120,000 hosts (5 MB)", rep != NULL, "%s",
	    strerror(errno));
	if (rep == NULL)
		return 1;
	inner = (struct ng_mesg *)rep->data;
	text = (char *)inner->data;
	check("... the text has them all",
	    strncmp(text, "{ numHosts=120000 hosts=[ ", 26) == 0 &&
		strstr(text,
		    "{ addr=02:00:00:01:d4:bf hook=\"link0\" "
		    "age=59999 staleness=7 } ] }") != NULL,
	    "%.60s", text);
	check("... a reply of more than 5 MB", inner->header.arglen > 5000000,
	    "%u bytes", inner->header.arglen);
	free(rep);
	free(bin);

	/* ascii2binary of 6 MB of text: a setconfig spaced out (its
	 * binary is 16 bytes: the result is held to 20 KB, as FreeBSD's). */
	len = 6000000;
	req = calloc(1, sizeof(*req) + len + 32);
	NG_MKMESSAGE_HDR(req, 0, 0, len + 32);
	snprintf(req->header.cmdstr, sizeof(req->header.cmdstr), "setconfig");
	memset(req->data, ' ', len + 32);
	memcpy(req->data, "{", 1);
	memcpy(req->data + len, "debugLevel=2 }", 15);
	rep = ask(cs, NGM_ASCII2BINARY, req, sizeof(*req) + req->header.arglen);
	check("ascii2binary of a 6 MB text", rep != NULL, "%s",
	    strerror(errno));
	if (rep != NULL) {
		struct ng_bridge_config *cf;

		inner = (struct ng_mesg *)rep->data;
		cf = (struct ng_bridge_config *)inner->data;
		check("... its binary",
		    inner->header.cmd == NGM_BRIDGE_SET_CONFIG &&
			inner->header.arglen == sizeof(*cf) &&
			cf->debugLevel == 2,
		    "cmd %u, %u bytes", inner->header.cmd,
		    inner->header.arglen);
	}
	free(rep);
	free(req);

	/* Beyond 16 MiB, root's go both ways (a bridge's table of more
	 * than 270,000 hosts has more text, of 420,000 more binary). */
	bin = table(420000, &len);
	rep = ask(cs, NGM_BINARY2ASCII, bin, len);
	check("binary2ascii of 420,000 hosts (17.6 MB in, 26 MB out)",
	    rep != NULL, "%s", strerror(errno));
	if (rep != NULL) {
		inner = (struct ng_mesg *)rep->data;
		check("... the text has them all",
		    inner->header.arglen > 25000000 &&
			strncmp((char *)inner->data,
			    "{ numHosts=420000 hosts=[ ", 26) == 0,
		    "%u bytes", inner->header.arglen);
	}
	free(rep);
	free(bin);
	/* Beyond 256 MiB: EMSGSIZE, and the connection still serves.
	 * (calloc's pages are touched by no one: no 257 MiB of memory.) */
	len = (257u << 20);
	if ((req = calloc(1, len)) != NULL) {
		NG_MKMESSAGE_HDR(req, NGM_BRIDGE_COOKIE, NGM_BRIDGE_GET_TABLE,
		    len - sizeof(*req));
		req->header.flags = NGF_RESP;
		rep = ask(cs, NGM_BINARY2ASCII, req, len);
		check("binary2ascii of 257 MiB: EMSGSIZE",
		    rep == NULL && errno == EMSGSIZE, "%s",
		    rep != NULL ? "it went" : strerror(errno));
		free(rep);
		free(req);
	}
	check_b2a(cs, "... then a small one goes", 2, 0);
	return failed;
}
