/*
 * cmd_show.c: `show [-ns] <path>` prints one node (listhooks message):
 * its name, type, ID and hook count, then a table of its hooks, newest
 * first, with the node and hook at the other end of each; -s (ours) adds
 * each hook's counters (gethookstats) to the right of FreeBSD's columns.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include <netgraph.h>
#include <netgraph/ng_hookstat.h>

#include "ngctl.h"

#define NGCTL_SHOW_FMT "  %-15s %-15s %-12s %-15s %-15s\n"
#define NGCTL_SHOW_SFMT                                                        \
	"  %-15s %-15s %-12s %-15s %-15s %10s %12s %10s %12s %7s\n"
#define NGCTL_SHOW_NFMT                                                        \
	"  %-15s %-15s %-12s %-15s %-15s %10" PRIu64 " %12" PRIu64             \
	" %10" PRIu64 " %12" PRIu64 " %7" PRIu64 "\n"

static const char *
ngctl_node_name(struct nodeinfo *ni)
{
	ni->name[sizeof(ni->name) - 1] = '\0';
	return ni->name[0] != '\0' ? ngctl_vis(ni->name) : NGCTL_UNNAMED;
}

enum ngctl_rtn
ngctl_show_node(struct ngctl *ng, const char *path, bool hooks)
{
	return ngctl_show_node_stats(ng, path, hooks, false);
}

enum ngctl_rtn
ngctl_show_node_stats(struct ngctl *ng, const char *path, bool hooks,
    bool stats)
{
	struct ng_mesg *rep, *srep = NULL;
	struct hooklist *hl;
	struct nodeinfo *ni, *peer;
	char idbuf[16];
	uint32_t k, ns = 0;

	if (ngctl_ask(ng, path, NGM_LISTHOOKS, sizeof(*hl), NULL, &rep) != 0)
		return NGCTL_ERROR;
	if (stats && hooks && ngctl_hookstats(ng, path, &srep, &ns) != 0) {
		free(rep);
		return NGCTL_ERROR;
	}
	hl = (struct hooklist *)rep->data;
	ni = &hl->nodeinfo;
	ni->type[sizeof(ni->type) - 1] = '\0';
	printf("  Name: %-15s Type: %-15s ID: %08x   Num hooks: %u\n",
	    ngctl_node_name(ni), ngctl_vis(ni->type), ni->id, ni->hooks);
	/* Only as many links as the reply really holds. */
	if (ni->hooks >
	    (rep->header.arglen - sizeof(*hl)) / sizeof(hl->link[0]))
		ni->hooks = (rep->header.arglen - sizeof(*hl)) /
		    sizeof(hl->link[0]);
	if (hooks && ni->hooks > 0 && stats) {
		printf(NGCTL_SHOW_SFMT, "Local hook", "Peer name", "Peer type",
		    "Peer ID", "Peer hook", "In frames", "In octets",
		    "Out frames", "Out octets", "Drops");
		printf(NGCTL_SHOW_SFMT, "----------", "---------", "---------",
		    "-------", "---------", "---------", "---------",
		    "----------", "----------", "-----");
	} else if (hooks && ni->hooks > 0) {
		printf(NGCTL_SHOW_FMT, "Local hook", "Peer name", "Peer type",
		    "Peer ID", "Peer hook");
		printf(NGCTL_SHOW_FMT, "----------", "---------", "---------",
		    "-------", "---------");
	}
	if (hooks && ni->hooks > 0) {
		for (k = 0; k < ni->hooks; k++) {
			struct linkinfo *link = &hl->link[k];

			peer = &link->nodeinfo;
			link->ourhook[sizeof(link->ourhook) - 1] = '\0';
			link->peerhook[sizeof(link->peerhook) - 1] = '\0';
			peer->type[sizeof(peer->type) - 1] = '\0';
			snprintf(idbuf, sizeof(idbuf), "%08x", peer->id);
			if (stats) {
				struct ng_hookstat *st, none = { .hook = "" };

				st = ngctl_hookstat_find(srep, ns,
				    link->ourhook);
				if (st == NULL)
					st = &none;
				printf(NGCTL_SHOW_NFMT,
				    ngctl_vis(link->ourhook),
				    ngctl_node_name(peer),
				    ngctl_vis(peer->type), idbuf,
				    ngctl_vis(link->peerhook), st->recv_frames,
				    st->recv_octets, st->xmit_frames,
				    st->xmit_octets,
				    st->recv_drops + st->xmit_drops);
				continue;
			}
			printf(NGCTL_SHOW_FMT, ngctl_vis(link->ourhook),
			    ngctl_node_name(peer), ngctl_vis(peer->type), idbuf,
			    ngctl_vis(link->peerhook));
		}
	}
	free(srep);
	free(rep);
	return NGCTL_OK;
}

static enum ngctl_rtn
ngctl_show(struct ngctl *ng, int ac, char **av)
{
	bool on[2]; /* -n, -s */
	int i;

	if (!ngctl_options(ac, av, "ns", on, &i) || ac - i != 1)
		return NGCTL_USAGE;
	return ngctl_show_node_stats(ng, av[i], !on[0], on[1]);
}

const struct ngctl_cmd ngctl_cmd_show = {
	.name = "show",
	.aliases = { "inquire", "info" },
	/* FreeBSD's usage line (spec §13 case 34); -s, ours, is in help. */
	.usage = "show [-n] <path>",
	.summary = "Show information about the node at <path>",
	.help = "Prints the name, type, ID and number of hooks of the node at "
		"<path>, then one row per hook, newest first: the hook's "
		"name, the name, type and ID of the node at its other end, "
		"and the hook it is joined to there.  With -n the hook rows "
		"are left out.  With -s (show -s <path>, ours) each row also "
		"has the hook's counters: frames and octets the node took in "
		"and sent out through it, and the frames dropped there "
		"(ngctl msg <path> gethookstats gives them all, clrhookstats "
		"clears them).",
	.func = ngctl_show,
};
