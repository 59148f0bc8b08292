/*
 * cmd_connect.c: `connect [path] <relpath> <hook> <peerhook>` joins two
 * existing nodes with a new edge (generic connect message).
 */
#include <stdio.h>

#include <netgraph.h>

#include "ngctl.h"

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
		ngctl_warn("send msg");
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
