/*
 * cmd_dot.c: `dot [-c] [outputfile]` writes the whole graph in GraphViz's
 * dot language (listnodes, then listhooks for each node).  Nodes are
 * records; hooks are octagons, or with -c just labels on the edges.
 */
#include <stdio.h>
#include <stdlib.h>

#include <netgraph.h>

#include "ngctl.h"

/* The record shape treats <> as field markers: escape them. */
#define NGCTL_DOT_UNNAMED "\\<unnamed\\>"

/* Fetch path's hook list into *rep (caller frees).  0 or an errno. */
static int
ngctl_dot_hooks(struct ngctl *ng, const char *path, struct ng_mesg **rep,
    struct hooklist **hl, uint32_t *nhooks)
{
	uint32_t room;
	int error;

	*hl = NULL;
	*nhooks = 0;
	error = ngctl_ask(ng, path, NGM_LISTHOOKS, sizeof(**hl), "listhooks",
	    rep);
	if (error != 0)
		return error;
	*hl = (struct hooklist *)(*rep)->data;
	room = ((*rep)->header.arglen - sizeof(**hl)) / sizeof((*hl)->link[0]);
	*nhooks = (*hl)->nodeinfo.hooks < room ? (*hl)->nodeinfo.hooks : room;
	return 0;
}

static void
ngctl_dot_node(FILE *f, uint32_t id, struct hooklist *hl, uint32_t n,
    bool compact)
{
	struct linkinfo *l;
	uint32_t j;

	for (j = 0; j < n; j++) {
		l = &hl->link[j];
		l->ourhook[sizeof(l->ourhook) - 1] = '\0';
		l->peerhook[sizeof(l->peerhook) - 1] = '\0';
	}
	if (!compact) {
		fprintf(f, "\tnode [ shape = octagon, fontsize = 10 ] {\n");
		for (j = 0; j < n; j++)
			fprintf(f, "\t\t\"%x.%s\" [ label = \"%s\" ];\n", id,
			    hl->link[j].ourhook, hl->link[j].ourhook);
		fprintf(f, "\t};\n");
		fprintf(f, "\t{\n\t\tedge [ weight = 2.0, style = bold ];\n");
		for (j = 0; j < n; j++)
			fprintf(f, "\t\t\"%x\" -- \"%x.%s\";\n", id, id,
			    hl->link[j].ourhook);
		fprintf(f, "\t};\n");
	}
	/* Each edge once: from the end with the greater (or equal) ID. */
	for (j = 0; j < n; j++) {
		l = &hl->link[j];
		if (l->nodeinfo.id > id)
			continue;
		if (compact)
			fprintf(f,
			    "\t\"%x\" -> \"%x\" [ headlabel = \"%s\", "
			    "taillabel = \"%s\" ] ;\n",
			    l->nodeinfo.id, id, l->ourhook, l->peerhook);
		else
			fprintf(f, "\t\"%x.%s\" -- \"%x.%s\";\n", id,
			    l->ourhook, l->nodeinfo.id, l->peerhook);
	}
}

static enum ngctl_rtn
ngctl_dot_write(struct ngctl *ng, FILE *f, bool compact)
{
	struct ng_mesg *nlrep, *hlrep;
	struct namelist *nl;
	struct nodeinfo *ni;
	struct hooklist *hl;
	char path[NG_PATHSIZ];
	uint32_t i, count, nhooks;

	if (ngctl_ask(ng, ".", NGM_LISTNODES, sizeof(*nl), "listnodes",
	        &nlrep) != 0)
		return NGCTL_ERROR;
	nl = (struct namelist *)nlrep->data;
	count = nl->numnames;
	if (count > (nlrep->header.arglen - sizeof(*nl)) / sizeof(*ni))
		count = (nlrep->header.arglen - sizeof(*nl)) / sizeof(*ni);

	if (compact) {
		fprintf(f, "digraph netgraph {\n");
		fprintf(f, "\tedge [ dir = \"none\", fontsize = 10 ];\n");
	} else {
		fprintf(f, "graph netgraph {\n");
		fprintf(f, "\tedge [ weight = 1.0 ];\n");
	}
	fprintf(f, "\tnode [ shape = record, fontsize = 12 ] {\n");
	for (i = 0; i < count; i++) {
		ni = &nl->nodeinfo[i];
		ni->name[sizeof(ni->name) - 1] = '\0';
		ni->type[sizeof(ni->type) - 1] = '\0';
		fprintf(f, "\t\t\"%x\" [ label = \"{%s:|{%s|[%x]:}}\" ];\n",
		    ni->id, ni->name[0] != '\0' ? ni->name : NGCTL_DOT_UNNAMED,
		    ni->type, ni->id);
	}
	fprintf(f, "\t};\n");
	fprintf(f, "\tsubgraph cluster_disconnected {\n");
	fprintf(f, "\t\tbgcolor = pink;\n");
	for (i = 0; i < count; i++)
		if (nl->nodeinfo[i].hooks == 0)
			fprintf(f, "\t\t\"%x\";\n", nl->nodeinfo[i].id);
	fprintf(f, "\t};\n");

	for (i = 0; i < count; i++) {
		ni = &nl->nodeinfo[i];
		snprintf(path, sizeof(path), "[%x]:", ni->id);
		if (ngctl_dot_hooks(ng, path, &hlrep, &hl, &nhooks) != 0) {
			free(nlrep);
			return NGCTL_ERROR;
		}
		if (nhooks > 0)
			ngctl_dot_node(f, ni->id, hl, nhooks, compact);
		free(hlrep);
	}
	fprintf(f, "}\n");
	free(nlrep);
	return NGCTL_OK;
}

static enum ngctl_rtn
ngctl_dot(struct ngctl *ng, int ac, char **av)
{
	enum ngctl_rtn rtn;
	FILE *f = stdout;
	bool compact;
	int i;

	if (!ngctl_options(ac, av, "c", &compact, &i) || ac - i > 1)
		return NGCTL_USAGE;
	if (ac - i == 1 && (f = fopen(av[i], "w")) == NULL) {
		ngctl_warn("Could not open %s for writing", av[i]);
		return NGCTL_ERROR;
	}
	rtn = ngctl_dot_write(ng, f, compact);
	if (f != stdout && fclose(f) != 0 && rtn == NGCTL_OK) {
		ngctl_warn("%s", av[i]);
		rtn = NGCTL_ERROR;
	}
	return rtn;
}

const struct ngctl_cmd ngctl_cmd_dot = {
	.name = "dot",
	.aliases = {"graphviz", "confdot"},
	.usage = "dot [-c] [outputfile]",
	.summary = "Produce a GraphViz (.dot) of the entire netgraph.",
	.help = "Describes the whole graph in the dot language of GraphViz, "
		"on standard output or in <outputfile> when one is named.  "
		"Each node is drawn as a box holding its name, type and ID, "
		"and each hook as a small octagon beside it.  With -c the "
		"drawing is more compact: no hook shapes, and every edge is "
		"labelled with the names of its two hooks.  Render it with, "
		"for example, \"dot -Tsvg\".",
	.func = ngctl_dot,
};
