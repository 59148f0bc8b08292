/*
 * cmd_status.c: `status <path>` sends textstatus to a node and prints the
 * human-readable text it returns.
 */
#include <netgraph.h>

#include "ngctl.h"

static enum ngctl_rtn
ngctl_status(struct ngctl *ng, int ac, char **av)
{
	if (ac != 2)
		return NGCTL_USAGE;
	return ngctl_text_query(ng, av[1], NGM_TEXT_STATUS, NULL, "Status",
	    "status");
}

const struct ngctl_cmd ngctl_cmd_status = {
	.name = "status",
	.usage = "status <path>",
	.summary = "Get human readable status information from the node at "
		   "<path>",
	.help = "Asks the node at <path> for a status report in text "
		"(textstatus) and prints it.  A node whose type has none, "
		"as is the case of every type here, gets No status "
		"available for \"<path>\", and that is no error.",
	.func = ngctl_status,
};
