/*
 * ngexample.c: a first netgraph(3) program, built against the installed
 * library (`make -C examples`, which asks pkg-config).  It makes its own
 * socket node, hangs a hub off it with a binary mkpeer, joins a second
 * hook to the same hub with an ASCII connect, asks the hub about itself
 * both ways, and sends a packet round the loop:
 *
 *	ngexample: a --- in [hub] out --- b  (out of a, back in on b)
 */
#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include <netgraph.h>

int
main(void)
{
	struct ngm_mkpeer mkp;
	struct ng_mesg *reply;
	struct nodeinfo *ni;
	char path[NG_PATHSIZ], hook[NG_HOOKSIZ];
	unsigned char buf[128];
	int cs, ds, n;

	/* Our node, named so that ngctl can find it while we run. */
	if (NgMkSockNode("ngexample", &cs, &ds) < 0)
		err(EX_OSERR, "can't make the socket node");

	/* A binary message: mkpeer a hub, our hook "a" to its hook "in". */
	memset(&mkp, 0, sizeof(mkp));
	snprintf(mkp.type, sizeof(mkp.type), "hub");
	snprintf(mkp.ourhook, sizeof(mkp.ourhook), "a");
	snprintf(mkp.peerhook, sizeof(mkp.peerhook), "in");
	if (NgSendMsg(cs, ".", NGM_GENERIC_COOKIE, NGM_MKPEER, &mkp,
		sizeof(mkp)) < 0)
		err(EX_OSERR, "mkpeer");

	/* An ASCII message: the node converts it; same effect as binary. */
	if (NgSendAsciiMsg(cs, ".",
		"connect { path=\"a\" ourhook=\"b\" peerhook=\"out\" }") < 0)
		err(EX_OSERR, "connect");

	/* nodeinfo in binary: the reply is a struct nodeinfo. */
	if (NgSendMsg(cs, "a", NGM_GENERIC_COOKIE, NGM_NODEINFO, NULL, 0) < 0)
		err(EX_OSERR, "nodeinfo");
	if ((n = NgAllocRecvMsg(cs, &reply, path)) < 0)
		err(EX_OSERR, "reading the nodeinfo reply");
	ni = (struct nodeinfo *)reply->data;
	printf("binary: a %s node with %u hooks\n", ni->type,
	    (unsigned)ni->hooks);
	free(reply);

	/* The same question in ASCII, and the answer in ASCII. */
	if (NgSendAsciiMsg(cs, "a", "nodeinfo") < 0)
		err(EX_OSERR, "nodeinfo");
	if (NgAllocRecvAsciiMsg(cs, &reply, path) < 0)
		err(EX_OSERR, "reading the nodeinfo reply");
	/* IDs vary from run to run; show what comes before. */
	reply->data[strcspn(reply->data, "i")] = '\0';
	printf("ascii:  %s...\n", reply->data);
	free(reply);

	/* Data: out through hook a, back through the hub on hook b. */
	if (NgSendData(ds, "a", (const unsigned char *)"hello", 5) < 0)
		err(EX_OSERR, "sending on hook a");
	if ((n = NgRecvData(ds, buf, sizeof(buf) - 1, hook)) < 0)
		err(EX_OSERR, "receiving");
	buf[n] = '\0';
	printf("data:   \"%s\" came back on hook %s\n", (char *)buf, hook);
	return 0;
}
