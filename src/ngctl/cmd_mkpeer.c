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
	return ngctl_send_edge(ng, ac, av, NGM_MKPEER); /* cmd_connect.c */
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
