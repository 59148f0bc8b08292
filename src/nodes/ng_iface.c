/*
 * ng_iface.c: the iface node, a point-to-point IP interface (spec §9.3,
 * DESIGN decisions 2 and 4).  On Linux the interface is a TUN device ngN
 * made through the netdev backend; the node keeps it wherever it is
 * moved.  Hooks: "inet" and "inet6", bare IPv4 and IPv6 packets; what the
 * interface sends goes out the hook of its IP version.  Messages:
 * getifname, point2point, broadcast, getifindex.  Node and interface
 * names follow each other while they agree.  Does not die when hookless;
 * shutdown destroys the interface.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include <netgraph/ng_iface.h>

#include "ng_core.h"
#include "ng_parse.h"

#define NG_IFACE_MAX_UNITS 65536
#define NG_IFNAMSIZ 16

enum { NG_IFACE_INET, NG_IFACE_INET6, NG_IFACE_NFAM };

static const char *const ng_iface_hooks[NG_IFACE_NFAM] = {
	NG_IFACE_HOOK_INET,
	NG_IFACE_HOOK_INET6,
};
static const uint8_t ng_iface_version[NG_IFACE_NFAM] = {4, 6};

struct ng_iface_priv {
	struct ng_netdev *dev;
	struct ng_hook *hook[NG_IFACE_NFAM];
	unsigned unit;
	char ifname[NG_IFNAMSIZ]; /* the interface's current name */
	bool synced; /* node name and interface name move together */
};

extern const struct ng_type ng_iface_type;

static const struct ng_netdev_ops *
ng_iface_ops(struct ng_node *node, void **be)
{
	const struct ng_graph_cfg *cfg = ng_graph_cfg(node->graph);

	*be = cfg->backend;
	return cfg->netdev_ops;
}

static bool
ng_iface_unit_used(struct ng_graph *g, unsigned unit)
{
	struct ng_node *n;

	for (n = ng_first_node(g); n != NULL; n = n->next) {
		struct ng_iface_priv *p = n->priv;

		if (n->type == &ng_iface_type && p != NULL && p->unit == unit)
			return true;
	}
	return false;
}

/* What Linux accepts as an interface name. */
static bool
ng_iface_ifname_valid(const char *name)
{
	if (name[0] == '\0' || strlen(name) >= NG_IFNAMSIZ ||
	    strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		return false;
	for (const char *s = name; *s != '\0'; s++)
		if (*s == '/' || *s == ':' || *s == ' ' ||
		    (*s >= '\t' && *s <= '\r'))
			return false;
	return true;
}

static int
ng_iface_constructor(struct ng_node *node)
{
	struct ng_iface_priv *priv;
	const struct ng_netdev_ops *ops;
	void *be;
	unsigned unit;
	int error;

	ops = ng_iface_ops(node, &be);
	if (ops == NULL)
		return ENXIO;
	priv = calloc(1, sizeof(*priv));
	if (priv == NULL)
		return ENOMEM;
	priv->unit = NG_IFACE_MAX_UNITS;
	for (unit = 0; unit < NG_IFACE_MAX_UNITS; unit++) {
		snprintf(priv->ifname, sizeof(priv->ifname), "%s%u",
		    NG_IFACE_IFACE_NAME, unit);
		if (!ng_iface_unit_used(node->graph, unit) &&
		    !ops->name_in_use(be, priv->ifname))
			break;
	}
	if (unit == NG_IFACE_MAX_UNITS) {
		free(priv);
		return ENOSPC;
	}
	error = ops->create(be, NG_NETDEV_TUN, priv->ifname, NULL, node,
	    &priv->dev);
	if (error != 0) {
		free(priv);
		return error;
	}
	priv->unit = unit;
	node->priv = priv;
	/* Named after the interface; stays unnamed if the name is taken. */
	priv->synced = ng_name_node(node, priv->ifname) == 0;
	return 0;
}

static int
ng_iface_newhook(struct ng_node *node, struct ng_hook *hook, const char *name)
{
	struct ng_iface_priv *priv = node->priv;

	for (int i = 0; i < NG_IFACE_NFAM; i++) {
		if (strcmp(name, ng_iface_hooks[i]) != 0)
			continue;
		if (priv->hook[i] != NULL)
			return EISCONN;
		priv->hook[i] = hook;
		hook->priv = &priv->hook[i];
		return 0;
	}
	return EPFNOSUPPORT;
}

static int
ng_iface_disconnect(struct ng_hook *hook)
{
	struct ng_iface_priv *priv = hook->node->priv;

	for (int i = 0; i < NG_IFACE_NFAM; i++)
		if (priv->hook[i] == hook)
			priv->hook[i] = NULL;
	hook->priv = NULL;
	return 0;
}

/* A packet from a hook: the interface receives it. */
static int
ng_iface_rcvdata(struct ng_hook *hook, struct ng_pkt **pkt)
{
	struct ng_iface_priv *priv = hook->node->priv;
	int fam = (int)((struct ng_hook **)hook->priv - priv->hook);
	const struct ng_netdev_ops *ops;
	void *be;
	int error;

	/* The kernel tells the family by the version; it must be the
	 * hook's, as FreeBSD hands inet packets only to IPv4. */
	if ((*pkt)->len == 0 ||
	    (*pkt)->data[0] >> 4 != ng_iface_version[fam]) {
		ng_pkt_free(pkt);
		return EAFNOSUPPORT;
	}
	ops = ng_iface_ops(hook->node, &be);
	error = priv->dev != NULL ? ops->xmit(be, priv->dev, *pkt) : ENETDOWN;
	ng_pkt_free(pkt);
	return error;
}

/* A packet the interface sent: out the hook of its IP version. */
static void
ng_iface_input(struct ng_node *node, struct ng_pkt **pkt)
{
	struct ng_iface_priv *priv = node->priv;
	struct ng_hook *hook = NULL;

	if ((*pkt)->len > 0) {
		for (int i = 0; i < NG_IFACE_NFAM; i++)
			if ((*pkt)->data[0] >> 4 == ng_iface_version[i])
				hook = priv->hook[i];
	}
	if (hook == NULL) {
		ng_pkt_free(pkt);
		return;
	}
	(void)ng_send_data(hook, pkt); /* consumes *pkt */
}

static int
ng_iface_rcvmsg(struct ng_node *node, const struct ng_msgctx *ctx,
    struct ng_mesg *msg, struct ng_mesg **resp)
{
	struct ng_iface_priv *priv = node->priv;
	const struct ng_netdev_ops *ops;
	uint32_t ifindex = 0;
	bool up = false;
	void *be;
	int error;

	(void)ctx;
	ops = ng_iface_ops(node, &be);
	if (msg->header.flags & NGF_RESP)
		return 0;
	if (msg->header.typecookie == NGM_FLOW_COOKIE) {
		if (priv->dev == NULL)
			return 0;
		if (msg->header.cmd == NGM_LINK_IS_UP)
			(void)ops->set_carrier(be, priv->dev, true);
		else if (msg->header.cmd == NGM_LINK_IS_DOWN)
			(void)ops->set_carrier(be, priv->dev, false);
		return 0;
	}
	if (msg->header.typecookie != NGM_IFACE_COOKIE)
		return EINVAL;
	switch (msg->header.cmd) {
	case NGM_IFACE_GET_IFNAME:
		ng_netdev_sync_name(node);
		*resp = ng_mkresponse(msg, NG_IFNAMSIZ);
		if (*resp == NULL)
			return ENOMEM;
		memcpy((*resp)->data, priv->ifname, NG_IFNAMSIZ);
		return 0;
	case NGM_IFACE_POINT2POINT:
	case NGM_IFACE_BROADCAST:
	case NGM_IFACE_GET_IFINDEX:
		if (priv->dev == NULL)
			return ENXIO;
		if (ops->get_info == NULL)
			return EOPNOTSUPP;
		if ((error = ops->get_info(be, priv->dev, &ifindex, &up)) != 0)
			return error;
		if (msg->header.cmd == NGM_IFACE_GET_IFINDEX) {
			*resp = ng_mkresponse(msg, sizeof(ifindex));
			if (*resp == NULL)
				return ENOMEM;
			memcpy((*resp)->data, &ifindex, sizeof(ifindex));
			return 0;
		}
		/* A TUN device stays point-to-point whatever is asked:
		 * Linux cannot change that flag, so there is nothing to
		 * do but refuse while up, as FreeBSD does. */
		return up ? EBUSY : 0;
	}
	return EINVAL;
}

/* The node was renamed: the interface follows while the two agreed. */
static void
ng_iface_renamed(struct ng_node *node, const char *oldname)
{
	struct ng_iface_priv *priv = node->priv;
	const struct ng_netdev_ops *ops;
	void *be;

	if (priv == NULL || priv->dev == NULL)
		return;
	if (strcmp(oldname, priv->ifname) != 0 || !priv->synced) {
		priv->synced = false;
		return;
	}
	if (strcmp(node->name, priv->ifname) == 0)
		return;
	ops = ng_iface_ops(node, &be);
	if (!ng_iface_ifname_valid(node->name) ||
	    ops->set_name(be, priv->dev, node->name) != 0) {
		ng_log(node->graph, LOG_INFO,
		    "%s: interface %s keeps its name; names no longer follow",
		    node->name, priv->ifname);
		priv->synced = false;
		return;
	}
	/* ng_iface_ifname_valid() saw it fit. */
	memset(priv->ifname, 0, sizeof(priv->ifname));
	memcpy(priv->ifname, node->name, strnlen(node->name, NG_IFNAMSIZ - 1));
}

/* The interface may have been renamed by the OS (ip link set name). */
static void
ng_iface_sync_name(struct ng_node *node)
{
	struct ng_iface_priv *priv = node->priv;
	const struct ng_netdev_ops *ops;
	char cur[NG_IFNAMSIZ], old[NG_IFNAMSIZ];
	void *be;

	ops = ng_iface_ops(node, &be);
	if (priv->dev == NULL || ops->get_name(be, priv->dev, cur) != 0 ||
	    strcmp(cur, priv->ifname) == 0)
		return;
	memcpy(old, priv->ifname, sizeof(old));
	memcpy(priv->ifname, cur, sizeof(priv->ifname));
	if (priv->synced && strcmp(node->name, old) == 0 &&
	    ng_name_node(node, cur) != 0)
		priv->synced = false;
}

/* The interface vanished (ip link del, its namespace destroyed). */
static void
ng_iface_gone(struct ng_node *node)
{
	struct ng_iface_priv *priv = node->priv;
	const struct ng_netdev_ops *ops;
	void *be;
	int error;

	ops = ng_iface_ops(node, &be);
	ops->destroy(be, priv->dev);
	priv->dev = NULL;
	error = ops->create(be, NG_NETDEV_TUN, priv->ifname, NULL, node,
	    &priv->dev);
	if (error != 0) {
		ng_log(node->graph, LOG_ERR,
		    "%s: interface %s vanished and could not be re-created: %s",
		    node->name, priv->ifname, strerror(error));
		priv->dev = NULL;
		return;
	}
	ng_log(node->graph, LOG_NOTICE, "%s: interface %s vanished; re-created",
	    node->name, priv->ifname);
}

static int
ng_iface_shutdown(struct ng_node *node)
{
	struct ng_iface_priv *priv = node->priv;
	const struct ng_netdev_ops *ops;
	void *be;

	if (priv == NULL)
		return 0;
	ops = ng_iface_ops(node, &be);
	ops->destroy(be, priv->dev);
	free(priv);
	node->priv = NULL;
	return 0;
}

#define I NGM_IFACE_COOKIE
static const struct ng_cmdlist ng_iface_cmds[] = {
	{I, NGM_IFACE_GET_IFNAME, "getifname", NULL, &ng_parse_string_type},
	{I, NGM_IFACE_POINT2POINT, "point2point", NULL, NULL},
	{I, NGM_IFACE_BROADCAST, "broadcast", NULL, NULL},
	{I, NGM_IFACE_GET_IFINDEX, "getifindex", NULL, &ng_parse_uint32_type},
	{0, 0, NULL, NULL, NULL},
};
#undef I

static const struct ng_netdev_methods ng_iface_netdev = {
	.input = ng_iface_input,
	.gone = ng_iface_gone,
	.sync_name = ng_iface_sync_name,
};

const struct ng_type ng_iface_type = {
	.name = NG_IFACE_NODE_TYPE,
	.cookie = NGM_IFACE_COOKIE,
	.constructor = ng_iface_constructor,
	.rcvmsg = ng_iface_rcvmsg,
	.shutdown = ng_iface_shutdown,
	.newhook = ng_iface_newhook,
	.rcvdata = ng_iface_rcvdata,
	.disconnect = ng_iface_disconnect,
	.renamed = ng_iface_renamed,
	.cmdlist = ng_iface_cmds,
	.netdev = &ng_iface_netdev,
};
