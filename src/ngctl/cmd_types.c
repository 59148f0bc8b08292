/*
 * cmd_types.c: `types` prints every node type ngd knows and how many
 * nodes of each are alive (listtypes message).
 */
#include <stdio.h>
#include <stdlib.h>

#include <netgraph.h>

#include "ngctl.h"

static enum ngctl_rtn
ngctl_types(struct ngctl *ng, int ac, char **av)
{
	struct ng_mesg *rep;
	struct typelist *tl;
	struct typeinfo *ti;
	uint32_t k, count;

	if (ac != 1)
		return NGCTL_USAGE;
	if (ngctl_ask(ng, ".", NGM_LISTTYPES, sizeof(*tl), NULL, &rep) != 0)
		return NGCTL_ERROR;
	tl = (struct typelist *)rep->data;
	count = tl->numtypes;
	if (count > (rep->header.arglen - sizeof(*tl)) / sizeof(*ti))
		count = (rep->header.arglen - sizeof(*tl)) / sizeof(*ti);
	printf("There are %u total types:\n", tl->numtypes);
	if (tl->numtypes > 0) {
		printf("%15s   Number of living nodes\n", "Type name");
		printf("%15s   ----------------------\n", "---------");
	}
	for (k = 0; k < count; k++) {
		ti = &tl->typeinfo[k];
		ti->type_name[sizeof(ti->type_name) - 1] = '\0';
		printf("%15s   %5u\n", ngctl_vis(ti->type_name), ti->numnodes);
	}
	free(rep);
	return NGCTL_OK;
}

const struct ngctl_cmd ngctl_cmd_types = {
	.name = "types",
	.usage = "types",
	.summary = "Show information about all installed node types",
	.help = "Lists every node type ngd knows, each with the number of "
		"its nodes in the graph now.  mkpeer makes nodes of them, but "
		"for socket (a client's own node) and ether (ngd's, one for "
		"each Ethernet interface); each type has a page of its own, "
		"ng_<type>(4).",
	.func = ngctl_types,
};
