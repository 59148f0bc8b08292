/*
 * cmd_mkpeer.c: `mkpeer [path] <type> <hook> <peerhook>` creates a node
 * and connects it to an existing one (generic mkpeer message).
 */
#include <stdio.h>

#include <netgraph.h>

#include "ngctl.h"

static enum ngctl_rtn
ngctl_mkpeer(struct ngctl *ng, int ac, char **av)
{
	struct ngm_mkpeer mkp;
	const char *path = ".";

	switch (ac) {
	case 4:
		break;
	case 5:
		path = av[1];
		av++;
		break;
	default:
		return NGCTL_USAGE;
	}
	snprintf(mkp.type, sizeof(mkp.type), "%s", av[1]);
	snprintf(mkp.ourhook, sizeof(mkp.ourhook), "%s", av[2]);
	snprintf(mkp.peerhook, sizeof(mkp.peerhook), "%s", av[3]);
	if (NgSendMsg(ng->cs, path, NGM_GENERIC_COOKIE, NGM_MKPEER, &mkp,
		sizeof(mkp)) < 0) {
		ngctl_warn("send msg");
		return NGCTL_ERROR;
	}
	return NGCTL_OK;
}

const struct ngctl_cmd ngctl_cmd_mkpeer = {
	.name = "mkpeer",
	.usage = "mkpeer [path] <type> <hook> <peerhook>",
	.summary = "Create and connect a new node to the node at \"path\"",
	.help = "Makes a new node of type <type> and attaches it to the node "
		"at <path> in one step: <hook> is the new hook on the "
		"existing node, <peerhook> the hook on the new node.  If "
		"anything fails, nothing is left behind.  When <path> is left "
		"out, ngctl's own socket node \".\" is used.",
	.func = ngctl_mkpeer,
};
