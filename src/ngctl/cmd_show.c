/*
 * cmd_show.c: `show [-n] <path>` prints one node (listhooks message):
 * its name, type, ID and hook count, then a table of its hooks, newest
 * first, with the node and hook at the other end of each.
 */
#include <stdio.h>
#include <stdlib.h>

#include <netgraph.h>

#include "ngctl.h"

#define NGCTL_SHOW_FMT "  %-15s %-15s %-12s %-15s %-15s\n"

static const char *
ngctl_node_name(struct nodeinfo *ni)
{
	ni->name[sizeof(ni->name) - 1] = '\0';
	return ni->name[0] != '\0' ? ni->name : NGCTL_UNNAMED;
}

enum ngctl_rtn
ngctl_show_node(struct ngctl *ng, const char *path, bool hooks)
{
	struct ng_mesg *rep;
	struct hooklist *hl;
	struct nodeinfo *ni, *peer;
	char idbuf[16];
	uint32_t k;

	if (ngctl_ask(ng, path, NGM_LISTHOOKS, sizeof(*hl), NULL, &rep) != 0)
		return NGCTL_ERROR;
	hl = (struct hooklist *)rep->data;
	ni = &hl->nodeinfo;
	ni->type[sizeof(ni->type) - 1] = '\0';
	printf("  Name: %-15s Type: %-15s ID: %08x   Num hooks: %u\n",
	    ngctl_node_name(ni), ni->type, ni->id, ni->hooks);
	/* Only as many links as the reply really holds. */
	if (ni->hooks > (rep->header.arglen - sizeof(*hl)) / sizeof(hl->link[0]))
		ni->hooks = (rep->header.arglen - sizeof(*hl)) /
		    sizeof(hl->link[0]);
	if (hooks && ni->hooks > 0) {
		printf(NGCTL_SHOW_FMT, "Local hook", "Peer name", "Peer type",
		    "Peer ID", "Peer hook");
		printf(NGCTL_SHOW_FMT, "----------", "---------", "---------",
		    "-------", "---------");
		for (k = 0; k < ni->hooks; k++) {
			struct linkinfo *link = &hl->link[k];

			peer = &link->nodeinfo;
			link->ourhook[sizeof(link->ourhook) - 1] = '\0';
			link->peerhook[sizeof(link->peerhook) - 1] = '\0';
			peer->type[sizeof(peer->type) - 1] = '\0';
			snprintf(idbuf, sizeof(idbuf), "%08x", peer->id);
			printf(NGCTL_SHOW_FMT, link->ourhook,
			    ngctl_node_name(peer), peer->type, idbuf,
			    link->peerhook);
		}
	}
	free(rep);
	return NGCTL_OK;
}

static enum ngctl_rtn
ngctl_show(struct ngctl *ng, int ac, char **av)
{
	bool no_hooks;
	int i;

	if (!ngctl_options(ac, av, "n", &no_hooks, &i) || ac - i != 1)
		return NGCTL_USAGE;
	return ngctl_show_node(ng, av[i], !no_hooks);
}

const struct ngctl_cmd ngctl_cmd_show = {
	.name = "show",
	.aliases = {"inquire", "info"},
	.usage = "show [-n] <path>",
	.summary = "Show information about the node at <path>",
	.help = "Prints the name, type, ID and number of hooks of the node at "
		"<path>, then one row per hook, newest first: the hook's "
		"name, the name, type and ID of the node at its other end, "
		"and the hook it is joined to there.  With -n the hook rows "
		"are left out.",
	.func = ngctl_show,
};
