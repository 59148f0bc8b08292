/*
 * cmd_dot.c: `dot [-cs] [outputfile]` writes the whole graph in GraphViz's
 * dot language (listnodes, then listhooks for each node).  Nodes are
 * records; hooks are octagons, or with -c just labels on the edges.
 * -s (ours) draws for people, and for graphs of hundreds of nodes: left
 * to right, each bridge or hub boxed in a cluster with the nodes that
 * hang only on it, every edge labelled with its hooks and its counters
 * (gethookstats) and drawn thicker the more it carried.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <netgraph.h>
#include <netgraph/ng_hookstat.h>

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
			    ngctl_vis(hl->link[j].ourhook),
			    ngctl_vis(hl->link[j].ourhook));
		fprintf(f, "\t};\n");
		fprintf(f, "\t{\n\t\tedge [ weight = 2.0, style = bold ];\n");
		for (j = 0; j < n; j++)
			fprintf(f, "\t\t\"%x\" -- \"%x.%s\";\n", id, id,
			    ngctl_vis(hl->link[j].ourhook));
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
			    l->nodeinfo.id, id, ngctl_vis(l->ourhook),
			    ngctl_vis(l->peerhook));
		else
			fprintf(f, "\t\"%x.%s\" -- \"%x.%s\";\n", id,
			    ngctl_vis(l->ourhook), l->nodeinfo.id,
			    ngctl_vis(l->peerhook));
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
		    ni->id,
		    ni->name[0] != '\0' ? ngctl_vis(ni->name) :
					  NGCTL_DOT_UNNAMED,
		    ngctl_vis(ni->type), ni->id);
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

/* --- dot -s -------------------------------------------------------------- */

struct ngctl_dot_node {
	struct nodeinfo ni;
	struct ng_mesg *hlrep, *srep;
	struct hooklist *hl;
	uint32_t nhooks, nstats;
	uint32_t cluster; /* the ID of the hub whose box it is in, or 0 */
};

/* A string inside a dot "...": quotes and backslashes escaped. */
static void
ngctl_dot_str(FILE *f, const char *s)
{
	for (; *s != '\0'; s++) {
		if (*s == '"' || *s == '\\')
			fputc('\\', f);
		fputc(*s, f);
	}
}

/* A node that many others hang on: its leaves are drawn with it. */
static bool
ngctl_dot_is_hub(const struct nodeinfo *ni)
{
	return ni->hooks >= 3 || strcmp(ni->type, "bridge") == 0 ||
	    strcmp(ni->type, "hub") == 0 || strcmp(ni->type, "one2many") == 0;
}

static void
ngctl_dot_label(FILE *f, const struct nodeinfo *ni)
{
	fprintf(f, "\"%x\" [ label = \"", ni->id);
	ngctl_dot_str(f,
	    ni->name[0] != '\0' ? ngctl_vis(ni->name) : NGCTL_UNNAMED);
	fprintf(f, "\\n");
	ngctl_dot_str(f, ngctl_vis(ni->type));
	fprintf(f, " [%x]\"%s ];\n", ni->id,
	    ngctl_dot_is_hub(ni) ? ", fillcolor = \"#fde9c9\"" : "");
}

/* Each edge once, from its tail: the end with fewer hooks (a leaf, so
 * hubs stand to the right of what hangs on them), then the lower ID. */
static bool
ngctl_dot_is_tail(const struct ngctl_dot_node *n, const struct linkinfo *l)
{
	if (n->nhooks != l->nodeinfo.hooks)
		return n->nhooks < l->nodeinfo.hooks;
	if (n->ni.id != l->nodeinfo.id)
		return n->ni.id < l->nodeinfo.id;
	return strcmp(l->ourhook, l->peerhook) < 0;
}

static void
ngctl_dot_edge(FILE *f, const struct ngctl_dot_node *n,
    const struct linkinfo *l)
{
	const struct ng_hookstat *st;
	char a[16], b[16], c[16], d[16];
	uint64_t total;
	unsigned digits = 0;

	fprintf(f, "\t\"%x\" -> \"%x\" [ taillabel = \"", n->ni.id,
	    l->nodeinfo.id);
	ngctl_dot_str(f, ngctl_vis(l->ourhook));
	fprintf(f, "\", headlabel = \"");
	ngctl_dot_str(f, ngctl_vis(l->peerhook));
	fprintf(f, "\"");
	st = ngctl_hookstat_find(n->srep, n->nstats, l->ourhook);
	if (st != NULL) {
		fprintf(f, ", label = \"→ %s f, %sB\\n← %s f, %sB\"",
		    ngctl_human(a, sizeof(a), (double)st->xmit_frames),
		    ngctl_human(b, sizeof(b), (double)st->xmit_octets),
		    ngctl_human(c, sizeof(c), (double)st->recv_frames),
		    ngctl_human(d, sizeof(d), (double)st->recv_octets));
		for (total = st->xmit_octets + st->recv_octets; total > 0;
		     total /= 10)
			digits++;
		fprintf(f, ", penwidth = %.1f", 1 + digits / 3.0);
	}
	fprintf(f, " ];\n");
}

static int
ngctl_dot_cmp_id(const void *key, const void *elem)
{
	uint32_t id = *(const uint32_t *)key;
	const struct ngctl_dot_node *n = elem;

	return id < n->ni.id ? -1 : id > n->ni.id ? 1 : 0;
}

static enum ngctl_rtn
ngctl_dot_people(struct ngctl *ng, FILE *f)
{
	struct ngctl_dot_node *nodes;
	struct ng_mesg *nlrep;
	struct namelist *nl;
	enum ngctl_rtn rtn = NGCTL_ERROR;
	char path[NG_PATHSIZ];
	uint32_t i, j, count;

	if (ngctl_ask(ng, ".", NGM_LISTNODES, sizeof(*nl), "listnodes",
		&nlrep) != 0)
		return NGCTL_ERROR;
	nl = (struct namelist *)nlrep->data;
	count = nl->numnames;
	if (count >
	    (nlrep->header.arglen - sizeof(*nl)) / sizeof(nl->nodeinfo[0]))
		count = (nlrep->header.arglen - sizeof(*nl)) /
		    sizeof(nl->nodeinfo[0]);
	nodes = calloc(count > 0 ? count : 1, sizeof(*nodes));
	if (nodes == NULL) {
		free(nlrep);
		ngctl_warn("dot");
		return NGCTL_ERROR;
	}
	/* listnodes is in ascending ID order: bsearch finds a peer. */
	for (i = 0; i < count; i++) {
		struct ngctl_dot_node *n = &nodes[i];

		n->ni = nl->nodeinfo[i];
		n->ni.name[sizeof(n->ni.name) - 1] = '\0';
		n->ni.type[sizeof(n->ni.type) - 1] = '\0';
		snprintf(path, sizeof(path), "[%x]:", n->ni.id);
		if (ngctl_dot_hooks(ng, path, &n->hlrep, &n->hl, &n->nhooks) !=
			0 ||
		    ngctl_hookstats(ng, path, &n->srep, &n->nstats) != 0)
			goto out;
		n->ni.hooks = n->nhooks;
		for (j = 0; j < n->nhooks; j++) {
			struct linkinfo *l = &n->hl->link[j];

			l->ourhook[sizeof(l->ourhook) - 1] = '\0';
			l->peerhook[sizeof(l->peerhook) - 1] = '\0';
			l->nodeinfo.type[sizeof(l->nodeinfo.type) - 1] = '\0';
		}
	}
	for (i = 0; i < count; i++) {
		struct ngctl_dot_node *n = &nodes[i];

		if (ngctl_dot_is_hub(&n->ni))
			n->cluster = n->ni.id;
		else if (n->nhooks == 1 &&
		    ngctl_dot_is_hub(&n->hl->link[0].nodeinfo))
			n->cluster = n->hl->link[0].nodeinfo.id;
	}

	fprintf(f, "digraph netgraph {\n");
	fprintf(f,
	    "\tgraph [ rankdir = LR, ranksep = 1.0, nodesep = 0.15, "
	    "fontname = \"Helvetica\", fontsize = 10 ];\n");
	fprintf(f,
	    "\tnode [ shape = box, style = \"rounded,filled\", "
	    "fillcolor = \"#e8f0fe\", fontname = \"Helvetica\", "
	    "fontsize = 11 ];\n");
	fprintf(f,
	    "\tedge [ dir = none, fontname = \"Helvetica\", "
	    "fontsize = 9, color = \"#445566\" ];\n");
	for (i = 0; i < count; i++) {
		const struct ngctl_dot_node *h = &nodes[i];

		if (h->cluster != h->ni.id)
			continue;
		fprintf(f, "\tsubgraph \"cluster_%x\" {\n", h->ni.id);
		fprintf(f, "\t\tstyle = \"rounded\"; color = \"#99aabb\";\n");
		for (j = 0; j < count; j++) {
			if (nodes[j].cluster != h->ni.id)
				continue;
			fprintf(f, "\t\t");
			ngctl_dot_label(f, &nodes[j].ni);
		}
		fprintf(f, "\t}\n");
	}
	for (i = 0; i < count; i++) {
		const struct ngctl_dot_node *n = &nodes[i];

		/* A client with no hooks (this ngctl) is no part of it. */
		if (n->cluster != 0 ||
		    (n->nhooks == 0 && strcmp(n->ni.type, "socket") == 0))
			continue;
		fprintf(f, "\t");
		ngctl_dot_label(f, &n->ni);
	}
	for (i = 0; i < count; i++) {
		const struct ngctl_dot_node *n = &nodes[i];

		for (j = 0; j < n->nhooks; j++) {
			const struct linkinfo *l = &n->hl->link[j];

			/* A peer listed after we asked is left out. */
			if (ngctl_dot_is_tail(n, l) &&
			    bsearch(&l->nodeinfo.id, nodes, count,
				sizeof(*nodes), ngctl_dot_cmp_id) != NULL)
				ngctl_dot_edge(f, n, l);
		}
	}
	fprintf(f, "}\n");
	rtn = NGCTL_OK;
out:
	for (i = 0; i < count; i++) {
		free(nodes[i].hlrep);
		free(nodes[i].srep);
	}
	free(nodes);
	free(nlrep);
	return rtn;
}

static enum ngctl_rtn
ngctl_dot(struct ngctl *ng, int ac, char **av)
{
	enum ngctl_rtn rtn;
	FILE *f = stdout;
	bool on[2]; /* -c, -s */
	int i;

	if (!ngctl_options(ac, av, "cs", on, &i) || ac - i > 1)
		return NGCTL_USAGE;
	if (ac - i == 1 && (f = fopen(av[i], "w")) == NULL) {
		ngctl_warn("Could not open %s for writing", av[i]);
		return NGCTL_ERROR;
	}
	rtn = on[1] ? ngctl_dot_people(ng, f) : ngctl_dot_write(ng, f, on[0]);
	if (f != stdout && fclose(f) != 0 && rtn == NGCTL_OK) {
		ngctl_warn("%s", av[i]);
		rtn = NGCTL_ERROR;
	}
	return rtn;
}

const struct ngctl_cmd ngctl_cmd_dot = {
	.name = "dot",
	.aliases = { "graphviz", "confdot" },
	/* FreeBSD's usage line; -s, ours, is in help. */
	.usage = "dot [-c] [outputfile]",
	.summary = "Produce a GraphViz (.dot) of the entire netgraph.",
	.help =
	    "Describes the whole graph in the dot language of GraphViz, "
	    "on standard output or in <outputfile> when one is named.  "
	    "Each node is drawn as a box holding its name, type and ID, "
	    "and each hook as a small octagon beside it.  With -c the "
	    "drawing is more compact: no hook shapes, and every edge is "
	    "labelled with the names of its two hooks.  With -s (dot -s, "
	    "ours) the drawing is for people and large graphs: left to right, each "
	    "bridge or hub in a box with the nodes that hang only on it, "
	    "and every edge labelled with its hooks and with the frames "
	    "and octets that crossed it each way (-c is then ignored).  "
	    "Render it with, for example, \"dot -Tsvg\".",
	.func = ngctl_dot,
};
