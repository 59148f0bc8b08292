/*
 * cmd_rmhook.c: `rmhook [path] <hook>` cuts the edge at one of a node's
 * hooks (generic rmhook message).
 */
#include <stdio.h>

#include <netgraph.h>

#include "ngctl.h"

static enum ngctl_rtn
ngctl_rmhook(struct ngctl *ng, int ac, char **av)
{
	struct ngm_rmhook rm;
	const char *path = ".";

	switch (ac) {
	case 2:
		break;
	case 3:
		path = av[1];
		av++;
		break;
	default:
		return NGCTL_USAGE;
	}
	snprintf(rm.ourhook, sizeof(rm.ourhook), "%s", av[1]);
	if (NgSendMsg(ng->cs, path, NGM_GENERIC_COOKIE, NGM_RMHOOK, &rm,
		sizeof(rm)) < 0) {
		ngctl_warn("send msg");
		return NGCTL_ERROR;
	}
	return NGCTL_OK;
}

const struct ngctl_cmd ngctl_cmd_rmhook = {
	.name = "rmhook",
	.aliases = { "disconnect" },
	.usage = "rmhook [path] <hook>",
	.summary = "Disconnect hook \"hook\" of the node at \"path\"",
	.help = "Removes hook <hook> from the node at <path>, and with it the "
		"edge and the hook at the other end.  A node that cannot live "
		"without hooks may shut down as a result.  Naming a hook the "
		"node does not have is not an error.  When <path> is left "
		"out, ngctl's own socket node \".\" is used.",
	.func = ngctl_rmhook,
};
