/*
 * cmd_connect.c: `connect [path] <relpath> <hook> <peerhook>` joins two
 * existing nodes with a new edge (generic connect message).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <netgraph.h>

#include "ngctl.h"

/*
 * After a mkpeer's "send msg: No such file or directory", which is also
 * what a path that leads nowhere gives, a line that says when the type
 * is the cause: ngd knows no type of that name (FreeBSD's ng_ prefix is
 * the module's, not the type's).  Nothing more when ngd cannot be asked.
 */
static void
ngctl_mkpeer_type(struct ngctl *ng, const char *type)
{
	struct ng_mesg *rep;
	struct typelist *tl;
	const char *bare = strncmp(type, "ng_", 3) == 0 ? type + 3 : NULL;
	bool found = false, found_bare = false;
	uint32_t k, count;

	if (NgSendMsg(ng->cs, ".", NGM_GENERIC_COOKIE, NGM_LISTTYPES, NULL, 0) <
	    0)
		return;
	if (ngctl_recv_generic(ng, NGM_LISTTYPES, &rep) != 0)
		return;
	if (rep->header.arglen < sizeof(*tl)) {
		free(rep);
		return;
	}
	tl = (struct typelist *)rep->data;
	count = (rep->header.arglen - sizeof(*tl)) / sizeof(tl->typeinfo[0]);
	if (count > tl->numtypes)
		count = tl->numtypes;
	for (k = 0; k < count; k++) {
		char *name = tl->typeinfo[k].type_name;

		name[sizeof(tl->typeinfo[k].type_name) - 1] = '\0';
		found = found || strcmp(name, type) == 0;
		found_bare = found_bare || (bare && strcmp(name, bare) == 0);
	}
	free(rep);
	if (found_bare)
		ngctl_warnx("there is no node type \"%s\": the type is "
			    "called \"%s\"",
		    type, bare);
	else if (!found)
		ngctl_warnx("there is no node type \"%s\" (ngctl types "
			    "lists them)",
		    type);
}

/*
 * After a mkpeer's or connect's "send msg: File exists", a line that says
 * which hook is taken and by whom, when it is one of the node at path.
 * The seed page's interactive session meets it first: each mkpeer from
 * ngctl's own node "." holds that node's hook until ngctl exits.
 */
static bool
ngctl_edge_taken(struct ngctl *ng, const char *path, const char *hook)
{
	bool found = false;
	struct ng_mesg *rep;
	struct hooklist *hl;
	uint32_t k, count;

	if (NgSendMsg(ng->cs, path, NGM_GENERIC_COOKIE, NGM_LISTHOOKS, NULL,
		0) < 0)
		return false;
	if (ngctl_recv_generic(ng, NGM_LISTHOOKS, &rep) != 0)
		return false;
	if (rep->header.arglen < sizeof(*hl)) {
		free(rep);
		return false;
	}
	hl = (struct hooklist *)rep->data;
	count = (rep->header.arglen - sizeof(*hl)) / sizeof(hl->link[0]);
	if (count > hl->nodeinfo.hooks)
		count = hl->nodeinfo.hooks;
	for (k = 0; k < count; k++) {
		struct linkinfo *l = &hl->link[k];
		char peer[NG_NODESIZ + 16];

		l->ourhook[sizeof(l->ourhook) - 1] = '\0';
		if (strcmp(l->ourhook, hook) != 0)
			continue;
		l->nodeinfo.name[sizeof(l->nodeinfo.name) - 1] = '\0';
		if (l->nodeinfo.name[0] != '\0')
			snprintf(peer, sizeof(peer), "%s:", l->nodeinfo.name);
		else
			snprintf(peer, sizeof(peer), "[%x]:", l->nodeinfo.id);
		if (strcmp(path, ".") == 0)
			ngctl_warnx(
			    "hook \"%s\" of ngctl's own node \".\" leads to %s "
			    "until ngctl exits: name another hook, or run "
			    "the command as an ngctl of its own",
			    hook, peer);
		else
			ngctl_warnx("node %s already has a hook \"%s\" (to "
				    "%s)",
			    path, hook, peer);
		found = true;
		break;
	}
	free(rep);
	return found;
}

/* connect's <relpath> as an address of its own: resolved from path. */
static void
ngctl_peer_path(char *buf, size_t len, const char *path, const char *rel)
{
	size_t n = strlen(path);

	if (strchr(rel, ':') != NULL || strcmp(path, ".") == 0)
		snprintf(buf, len, "%s", rel);
	else if (n > 0 && path[n - 1] == ':')
		snprintf(buf, len, "%s%s", path, rel);
	else
		snprintf(buf, len, "%s.%s", path, rel);
}

/*
 * `[path] <what> <hook> <peerhook>` as the generic message cmd (connect:
 * <what> is the peer's path; mkpeer: the new node's type).
 */
enum ngctl_rtn
ngctl_send_edge(struct ngctl *ng, int ac, char **av, int cmd)
{
	struct ngm_connect con;
	struct ngm_mkpeer mkp;
	const char *path = ".";
	const void *arg;
	size_t len;

	switch (ac) {
	case 4:
		break;
	case 5:
		path = av[1];
		av++;
		break;
	default:
		return NGCTL_USAGE;
	}
	if (cmd == NGM_CONNECT) {
		snprintf(con.path, sizeof(con.path), "%s", av[1]);
		snprintf(con.ourhook, sizeof(con.ourhook), "%s", av[2]);
		snprintf(con.peerhook, sizeof(con.peerhook), "%s", av[3]);
		arg = &con;
		len = sizeof(con);
	} else {
		snprintf(mkp.type, sizeof(mkp.type), "%s", av[1]);
		snprintf(mkp.ourhook, sizeof(mkp.ourhook), "%s", av[2]);
		snprintf(mkp.peerhook, sizeof(mkp.peerhook), "%s", av[3]);
		arg = &mkp;
		len = sizeof(mkp);
	}
	if (NgSendMsg(ng->cs, path, NGM_GENERIC_COOKIE, cmd, arg, len) < 0) {
		int error = errno;

		ngctl_warn("send msg");
		if (cmd == NGM_MKPEER && error == ENOENT)
			ngctl_mkpeer_type(ng, mkp.type);
		else if (error == EEXIST &&
		    !ngctl_edge_taken(ng, path, av[2]) && cmd == NGM_CONNECT) {
			char peer[NG_PATHSIZ * 2];

			ngctl_peer_path(peer, sizeof(peer), path, av[1]);
			ngctl_edge_taken(ng, peer, av[3]);
		}
		return NGCTL_ERROR;
	}
	return NGCTL_OK;
}

static enum ngctl_rtn
ngctl_connect(struct ngctl *ng, int ac, char **av)
{
	return ngctl_send_edge(ng, ac, av, NGM_CONNECT);
}

const struct ngctl_cmd ngctl_cmd_connect = {
	.name = "connect",
	.aliases = { "join" },
	.usage = "connect [path] <relpath> <hook> <peerhook>",
	.summary =
	    "Connects hook <peerhook> of the node at <relpath> to <hook>",
	.help = "Links two existing nodes with a new edge: hook <hook> is "
		"added to the node at <path>, hook <peerhook> to the node "
		"found at <relpath>, and the two are joined.  <relpath> is "
		"resolved starting from the node at <path>, so it can be an "
		"absolute address (one with a colon) or a chain of hooks "
		"leading away from that node.  When <path> is left out, "
		"ngctl's own socket node \".\" is used.",
	.func = ngctl_connect,
};
