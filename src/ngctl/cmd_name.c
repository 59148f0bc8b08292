/*
 * cmd_name.c: `name <path> <name>` gives a node a name (generic name
 * message).  A name longer than 31 characters is cut, as FreeBSD does.
 * An eiface or iface node whose interface followed its name takes the
 * interface along (DESIGN decision 2); when the new name cannot be the
 * interface's (not a valid interface name, or one in use), only the node
 * is renamed, as on FreeBSD, and a warning says the two no longer follow
 * each other.
 */
#include <net/if.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <netgraph.h>
#include <netgraph/ng_eiface.h>
#include <netgraph/ng_iface.h>

#include "ngctl.h"

/* A node's name, ID, and interface name if it has one. */
struct ngctl_name_node {
	char name[NG_NODESIZ];
	uint32_t id;
	char ifname[IFNAMSIZ];
};

/* Send cmd to path and take its reply; false on any failure. */
static bool
ngctl_name_ask(struct ngctl *ng, const char *path, uint32_t cookie,
    uint32_t cmd, struct ng_mesg **rep)
{
	*rep = NULL;
	return NgSendMsg(ng->cs, path, (int)cookie, (int)cmd, NULL, 0) >= 0 &&
	    ngctl_recv_reply(ng, rep) == 0;
}

/* Fill *n for the node at path; false if it has no interface. */
static bool
ngctl_name_lookup(struct ngctl *ng, const char *path, struct ngctl_name_node *n)
{
	struct ng_mesg *rep;
	struct nodeinfo ni;
	uint32_t cookie, cmd;
	size_t len;

	if (!ngctl_name_ask(ng, path, NGM_GENERIC_COOKIE, NGM_NODEINFO, &rep))
		return false;
	if (rep->header.arglen < sizeof(ni)) {
		free(rep);
		return false;
	}
	memcpy(&ni, rep->data, sizeof(ni));
	free(rep);
	ni.name[sizeof(ni.name) - 1] = ni.type[sizeof(ni.type) - 1] = '\0';
	if (strcmp(ni.type, NG_EIFACE_NODE_TYPE) == 0) {
		cookie = NGM_EIFACE_COOKIE;
		cmd = NGM_EIFACE_GET_IFNAME;
	} else if (strcmp(ni.type, NG_IFACE_NODE_TYPE) == 0) {
		cookie = NGM_IFACE_COOKIE;
		cmd = NGM_IFACE_GET_IFNAME;
	} else {
		return false;
	}
	snprintf(n->name, sizeof(n->name), "%s", ni.name);
	n->id = ni.id;
	if (!ngctl_name_ask(ng, path, cookie, cmd, &rep))
		return false;
	len = strnlen(rep->data, rep->header.arglen);
	snprintf(n->ifname, sizeof(n->ifname), "%.*s", (int)len, rep->data);
	free(rep);
	return true;
}

/* What the kernel takes as an interface name (dev_valid_name). */
static bool
ngctl_name_ifname_ok(const char *name)
{
	return name[0] != '\0' && strlen(name) < IFNAMSIZ &&
	    strcmp(name, ".") != 0 && strcmp(name, "..") != 0 &&
	    strpbrk(name, "/: \t\n\v\f\r") == NULL;
}

static enum ngctl_rtn
ngctl_name(struct ngctl *ng, int ac, char **av)
{
	struct ngctl_name_node before, after;
	struct ngm_name nm;
	char idpath[32];
	bool synced;

	if (ac != 3)
		return NGCTL_USAGE;
	snprintf(nm.name, sizeof(nm.name), "%s", av[2]);
	synced = ngctl_name_lookup(ng, av[1], &before) &&
	    strcmp(before.name, before.ifname) == 0;
	if (NgSendMsg(ng->cs, av[1], NGM_GENERIC_COOKIE, NGM_NAME, &nm,
		sizeof(nm)) < 0) {
		ngctl_warn("send msg");
		return NGCTL_ERROR;
	}
	snprintf(idpath, sizeof(idpath), "[%x]:", before.id);
	if (synced && ngctl_name_lookup(ng, idpath, &after) &&
	    strcmp(after.ifname, nm.name) != 0)
		ngctl_warnx("interface %s keeps its name (\"%s\" %s); node and "
			    "interface names no longer follow each other",
		    after.ifname, nm.name,
		    ngctl_name_ifname_ok(nm.name) ?
			"is the name of another interface" :
			"is not a valid interface name");
	return NGCTL_OK;
}

const struct ngctl_cmd ngctl_cmd_name = {
	.name = "name",
	.usage = "name <path> <name>",
	.summary = "Assign name <name> to the node at <path>",
	.help = "Gives the node at <path> the name <name>, replacing any "
		"name it had; it is then reached as <name>:.  A name may "
		"hold neither a dot nor a colon, nor be a hexadecimal "
		"number in brackets, which reads as an ID ([0] excepted), "
		"and is cut to 31 characters; one another node has is "
		"refused (Address already in use).  Naming an eiface or "
		"iface node renames its interface too, while the two names "
		"agree (ng_eiface(4)).",
	.func = ngctl_name,
};
