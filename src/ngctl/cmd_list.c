/*
 * cmd_list.c: `list [-ln]` prints every node in the graph (listnodes
 * message), or only the named ones (listnames), in the order ngd returns
 * them; -l prints each as `show` does.
 */
#include <stdio.h>
#include <stdlib.h>

#include <netgraph.h>

#include "ngctl.h"

static enum ngctl_rtn
ngctl_list(struct ngctl *ng, int ac, char **av)
{
	struct ng_mesg *rep;
	struct namelist *nl;
	struct nodeinfo *ni;
	char path[NG_PATHSIZ];
	enum ngctl_rtn rtn = NGCTL_OK;
	bool on[2]; /* l, n */
	uint32_t k, count;
	int i;

	if (!ngctl_options(ac, av, "ln", on, &i) || i != ac)
		return NGCTL_USAGE;
	if (ngctl_ask(ng, ".", on[1] ? NGM_LISTNAMES : NGM_LISTNODES,
		sizeof(*nl), NULL, &rep) != 0)
		return NGCTL_ERROR;
	nl = (struct namelist *)rep->data;
	count = nl->numnames;
	if (count > (rep->header.arglen - sizeof(*nl)) / sizeof(*ni))
		count = (rep->header.arglen - sizeof(*nl)) / sizeof(*ni);

	printf("There are %u total %snodes:\n", nl->numnames,
	    on[1] ? "named " : "");
	for (k = 0; k < count; k++) {
		ni = &nl->nodeinfo[k];
		if (on[0]) {
			if (k > 0)
				printf("\n");
			snprintf(path, sizeof(path), "[%x]:", ni->id);
			if ((rtn = ngctl_show_node(ng, path, true)) != NGCTL_OK)
				break;
			continue;
		}
		ni->name[sizeof(ni->name) - 1] = '\0';
		ni->type[sizeof(ni->type) - 1] = '\0';
		printf("  Name: %-15s Type: %-15s ID: %08x   Num hooks: %u\n",
		    ni->name[0] != '\0' ? ngctl_vis(ni->name) : NGCTL_UNNAMED,
		    ngctl_vis(ni->type), ni->id, ni->hooks);
	}
	free(rep);
	return rtn;
}

const struct ngctl_cmd ngctl_cmd_list = {
	.name = "list",
	.aliases = { "ls" },
	.usage = "list [-ln]",
	.summary = "Show information about all nodes",
	.help = "Prints one line for every node in the graph: its name, "
		"type, ID and number of hooks.  With -n only nodes that have "
		"a name are listed.  With -l every node is printed in full, "
		"with its hooks and their peers, as the show command does.",
	.func = ngctl_list,
};
