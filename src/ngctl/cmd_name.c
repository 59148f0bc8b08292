/*
 * cmd_name.c: `name <path> <name>` gives a node a name (generic name
 * message).  A name longer than 31 characters is cut, as FreeBSD does.
 */
#include <stdio.h>

#include <netgraph.h>

#include "ngctl.h"

static enum ngctl_rtn
ngctl_name(struct ngctl *ng, int ac, char **av)
{
	struct ngm_name nm;

	if (ac != 3)
		return NGCTL_USAGE;
	snprintf(nm.name, sizeof(nm.name), "%s", av[2]);
	if (NgSendMsg(ng->cs, av[1], NGM_GENERIC_COOKIE, NGM_NAME, &nm,
		sizeof(nm)) < 0) {
		ngctl_warn("send msg");
		return NGCTL_ERROR;
	}
	return NGCTL_OK;
}

const struct ngctl_cmd ngctl_cmd_name = {
	.name = "name",
	.usage = "name <path> <name>",
	.summary = "Assign name <name> to the node at <path>",
	.func = ngctl_name,
};
