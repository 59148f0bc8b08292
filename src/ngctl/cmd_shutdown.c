/*
 * cmd_shutdown.c: `shutdown <path>` removes a node and all its edges
 * (generic shutdown message).
 */
#include <netgraph.h>

#include "ngctl.h"

static enum ngctl_rtn
ngctl_shutdown(struct ngctl *ng, int ac, char **av)
{
	if (ac != 2)
		return NGCTL_USAGE;
	if (NgSendMsg(ng->cs, av[1], NGM_GENERIC_COOKIE, NGM_SHUTDOWN, NULL,
		0) < 0) {
		ngctl_warn("shutdown");
		return NGCTL_ERROR;
	}
	return NGCTL_OK;
}

const struct ngctl_cmd ngctl_cmd_shutdown = {
	.name = "shutdown",
	.aliases = { "kill", "rmnode" },
	.usage = "shutdown <path>",
	.summary = "Shutdown the node at <path>",
	.help = "Removes the node at <path> and every edge it has; a "
		"neighbour that cannot live without its hook may go too.  "
		"An eiface or iface node takes its interface with it, "
		"wherever it was moved.  An ether node is only reset: its "
		"hooks are cut, and the node stays while its interface "
		"does (ng_ether(4)).",
	.func = ngctl_shutdown,
};
