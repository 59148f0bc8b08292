/*
 * ng_eiface.c: the eiface node, an Ethernet interface whose wire is the
 * hook "ether" (spec §9.2, DESIGN decisions 1-4).  On Linux the interface
 * is a TAP device ngethN made through the netdev backend; the node keeps
 * it wherever it is moved.  Messages: getifname, set (MAC), getifaddrs
 * (the interface's IPv4 and IPv6 addresses, in a form ASCII can show).
 * Node and interface names follow each other while they agree.
 * Does not die when hookless; shutdown destroys the interface.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include <netgraph/ng_eiface.h>

#include "ng_core.h"
#include "ng_parse.h"

#define NG_EIFACE_MAX_UNITS 65536
#define NG_IFNAMSIZ 16

struct ng_eiface_priv {
	struct ng_netdev *dev;
	struct ng_hook *ether;
	unsigned unit;
	char ifname[NG_IFNAMSIZ]; /* the interface's current name */
	uint8_t mac[6];
	bool synced; /* node name and interface name move together */
};

static const struct ng_netdev_ops *
ng_eiface_ops(struct ng_node *node, void **be)
{
	const struct ng_graph_cfg *cfg = ng_graph_cfg(node->graph);

	*be = cfg->backend;
	return cfg->netdev_ops;
}

static bool
ng_eiface_unit_used(struct ng_graph *g, unsigned unit)
{
	extern const struct ng_type ng_eiface_type;
	struct ng_node *n;

	for (n = ng_first_node(g); n != NULL; n = n->next) {
		struct ng_eiface_priv *p = n->priv;

		if (n->type == &ng_eiface_type && p != NULL && p->unit == unit)
			return true;
	}
	return false;
}

/* Stable, locally administered, unicast: host identity + first name. */
static void
ng_eiface_gen_mac(const char *machine_id, const char *ifname, uint8_t mac[6])
{
	uint64_t h = 14695981039346656037ull;
	const char *s;

	for (s = machine_id != NULL ? machine_id : ""; *s != '\0'; s++)
		h = (h ^ (uint8_t)*s) * 1099511628211ull;
	for (s = ifname; *s != '\0'; s++)
		h = (h ^ (uint8_t)*s) * 1099511628211ull;
	h ^= h >> 29;
	for (int i = 0; i < 6; i++)
		mac[i] = (uint8_t)(h >> (8 * i));
	mac[0] = (mac[0] & 0xfc) | 0x02;
}

/* What Linux accepts as an interface name. */
static bool
ng_eiface_ifname_valid(const char *name)
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
ng_eiface_constructor(struct ng_node *node)
{
	struct ng_eiface_priv *priv;
	const struct ng_netdev_ops *ops;
	void *be;
	unsigned unit;
	int error;

	ops = ng_eiface_ops(node, &be);
	if (ops == NULL)
		return ENXIO;
	priv = calloc(1, sizeof(*priv));
	if (priv == NULL)
		return ENOMEM;
	priv->unit = NG_EIFACE_MAX_UNITS;
	for (unit = 0; unit < NG_EIFACE_MAX_UNITS; unit++) {
		snprintf(priv->ifname, sizeof(priv->ifname), "ngeth%u", unit);
		if (!ng_eiface_unit_used(node->graph, unit) &&
		    !ops->name_in_use(be, priv->ifname))
			break;
	}
	if (unit == NG_EIFACE_MAX_UNITS) {
		free(priv);
		return ENOSPC;
	}
	ng_eiface_gen_mac(ops->machine_id, priv->ifname, priv->mac);
	error = ops->create(be, NG_NETDEV_TAP, priv->ifname, priv->mac, node,
	    &priv->dev);
	if (error != 0) {
		free(priv);
		return error;
	}
	priv->unit = unit;
	node->priv = priv;
	(void)ops->set_carrier(be, priv->dev, false);
	/* Named after the interface; stays unnamed if the name is taken. */
	priv->synced = ng_name_node(node, priv->ifname) == 0;
	return 0;
}

static int
ng_eiface_newhook(struct ng_node *node, struct ng_hook *hook, const char *name)
{
	struct ng_eiface_priv *priv = node->priv;

	if (strcmp(name, NG_EIFACE_HOOK_ETHER) != 0)
		return EPFNOSUPPORT;
	if (priv->ether != NULL)
		return EISCONN;
	priv->ether = hook;
	return 0;
}

static int
ng_eiface_connect(struct ng_hook *hook)
{
	struct ng_eiface_priv *priv = hook->node->priv;
	const struct ng_netdev_ops *ops;
	void *be;

	ops = ng_eiface_ops(hook->node, &be);
	(void)ops->set_carrier(be, priv->dev, true);
	return 0;
}

static int
ng_eiface_disconnect(struct ng_hook *hook)
{
	struct ng_eiface_priv *priv = hook->node->priv;
	const struct ng_netdev_ops *ops;
	void *be;

	if (priv->ether == hook)
		priv->ether = NULL;
	ops = ng_eiface_ops(hook->node, &be);
	if (priv->dev != NULL)
		(void)ops->set_carrier(be, priv->dev, false);
	return 0;
}

/* A frame from the hook: the interface receives it. */
static int
ng_eiface_rcvdata(struct ng_hook *hook, struct ng_pkt **pkt)
{
	struct ng_eiface_priv *priv = hook->node->priv;
	const struct ng_netdev_ops *ops;
	void *be;
	int error;

	ops = ng_eiface_ops(hook->node, &be);
	error = priv->dev != NULL ? ops->xmit(be, priv->dev, *pkt) : ENETDOWN;
	ng_pkt_free(pkt);
	return error;
}

/* A frame the interface sent: out the hook, or nowhere. */
static void
ng_eiface_input(struct ng_node *node, struct ng_pkt **pkt)
{
	struct ng_eiface_priv *priv = node->priv;

	if (priv->ether == NULL) {
		ng_pkt_free(pkt);
		return;
	}
	(void)ng_send_data(priv->ether, pkt); /* consumes *pkt */
}

/* getifaddrs: ask the backend until the list fits. */
static int
ng_eiface_getifaddrs(struct ng_node *node, const struct ng_mesg *msg,
    struct ng_mesg **resp)
{
	struct ng_eiface_priv *priv = node->priv;
	struct ng_netdev_addr *addrs = NULL, *na;
	struct ng_eiface_ifaddrs *ary;
	const struct ng_netdev_ops *ops;
	unsigned max = 8, n = 0;
	void *be;
	int error = 0;

	ops = ng_eiface_ops(node, &be);
	while (ops->get_addrs != NULL && priv->dev != NULL) {
		if ((na = realloc(addrs, max * sizeof(*addrs))) == NULL) {
			free(addrs);
			return ENOMEM;
		}
		addrs = na;
		error = ops->get_addrs(be, priv->dev, addrs, max, &n);
		if (error != 0)
			break;
		if (n <= max)
			break;
		max = n;
	}
	if (error == 0) {
		*resp = ng_mkresponse(msg,
		    sizeof(*ary) + n * sizeof(ary->addrs[0]));
		if (*resp == NULL)
			error = ENOMEM;
	}
	if (error != 0) {
		free(addrs);
		return error;
	}
	ary = (struct ng_eiface_ifaddrs *)(*resp)->data;
	ary->numAddrs = n;
	for (unsigned i = 0; i < n; i++) {
		struct ng_eiface_ifaddr *a = &ary->addrs[i];

		a->addr.family = (uint16_t)addrs[i].family;
		memcpy(a->addr.addr, addrs[i].addr,
		    addrs[i].family == AF_INET6 ? 16 : 4);
		a->prefixlen = addrs[i].prefixlen;
	}
	free(addrs);
	return 0;
}

static int
ng_eiface_rcvmsg(struct ng_node *node, const struct ng_msgctx *ctx,
    struct ng_mesg *msg, struct ng_mesg **resp)
{
	struct ng_eiface_priv *priv = node->priv;
	const struct ng_netdev_ops *ops;
	void *be;
	int error;

	(void)ctx;
	ops = ng_eiface_ops(node, &be);
	if (msg->header.typecookie == NGM_FLOW_COOKIE) {
		if (msg->header.cmd == NGM_LINK_IS_UP)
			return ops->set_carrier(be, priv->dev, true);
		if (msg->header.cmd == NGM_LINK_IS_DOWN)
			return ops->set_carrier(be, priv->dev, false);
		return EINVAL;
	}
	if (msg->header.typecookie != NGM_EIFACE_COOKIE ||
	    (msg->header.flags & NGF_RESP))
		return EINVAL;
	switch (msg->header.cmd) {
	case NGM_EIFACE_GET_IFNAME:
		ng_netdev_sync_name(node);
		*resp = ng_mkresponse(msg, strlen(priv->ifname) + 1);
		if (*resp == NULL)
			return ENOMEM;
		strcpy((*resp)->data, priv->ifname);
		return 0;
	case NGM_EIFACE_GET_IFADDRS:
		return ng_eiface_getifaddrs(node, msg, resp);
	case NGM_EIFACE_SET:
		if (msg->header.arglen != 6)
			return EINVAL;
		error = ops->set_mac(be, priv->dev, (uint8_t *)msg->data);
		if (error == 0)
			memcpy(priv->mac, msg->data, 6);
		return error;
	}
	return EINVAL;
}

/* The node was renamed: the interface follows while the two agreed. */
static void
ng_eiface_renamed(struct ng_node *node, const char *oldname)
{
	struct ng_eiface_priv *priv = node->priv;
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
	ops = ng_eiface_ops(node, &be);
	if (!ng_eiface_ifname_valid(node->name) ||
	    ops->set_name(be, priv->dev, node->name) != 0) {
		ng_log(node->graph, LOG_INFO,
		    "%s: interface %s keeps its name; names no longer follow",
		    node->name, priv->ifname);
		priv->synced = false;
		return;
	}
	/* ng_eiface_ifname_valid() checked that it fits. */
	memcpy(priv->ifname, node->name, strlen(node->name) + 1);
}

/* The interface may have been renamed by the OS (ip link set name). */
static void
ng_eiface_sync_name(struct ng_node *node)
{
	struct ng_eiface_priv *priv = node->priv;
	const struct ng_netdev_ops *ops;
	char cur[NG_IFNAMSIZ], old[NG_IFNAMSIZ];
	void *be;

	ops = ng_eiface_ops(node, &be);
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
ng_eiface_gone(struct ng_node *node)
{
	struct ng_eiface_priv *priv = node->priv;
	const struct ng_netdev_ops *ops;
	void *be;
	int error;

	ops = ng_eiface_ops(node, &be);
	ops->destroy(be, priv->dev);
	priv->dev = NULL;
	error = ops->create(be, NG_NETDEV_TAP, priv->ifname, priv->mac, node,
	    &priv->dev);
	if (error != 0) {
		ng_log(node->graph, LOG_ERR,
		    "%s: interface %s vanished and could not be re-created: %s",
		    node->name, priv->ifname, strerror(error));
		priv->dev = NULL;
		return;
	}
	(void)ops->set_carrier(be, priv->dev, priv->ether != NULL);
	ng_log(node->graph, LOG_NOTICE, "%s: interface %s vanished; re-created",
	    node->name, priv->ifname);
}

static int
ng_eiface_shutdown(struct ng_node *node)
{
	struct ng_eiface_priv *priv = node->priv;
	const struct ng_netdev_ops *ops;
	void *be;

	if (priv == NULL)
		return 0;
	ops = ng_eiface_ops(node, &be);
	ops->destroy(be, priv->dev);
	free(priv);
	node->priv = NULL;
	return 0;
}

NG_PARSE_STRUCT(ng_eiface_ifaddr, NG_EIFACE_IFADDR_FIELDS);
NG_PARSE_STRUCT(ng_eiface_ifaddrs, NG_EIFACE_IFADDRS_FIELDS);

#define E NGM_EIFACE_COOKIE
static const struct ng_cmdlist ng_eiface_cmds[] = {
	{E, NGM_EIFACE_GET_IFNAME, "getifname", NULL, &ng_parse_string_type},
	{E, NGM_EIFACE_GET_IFADDRS, "getifaddrs", NULL,
	    &ng_eiface_ifaddrs_parse_type},
	{E, NGM_EIFACE_SET, "set", &ng_parse_enaddr_type, NULL},
	{0, 0, NULL, NULL, NULL},
};
#undef E

static const struct ng_netdev_methods ng_eiface_netdev = {
	.input = ng_eiface_input,
	.gone = ng_eiface_gone,
	.sync_name = ng_eiface_sync_name,
};

const struct ng_type ng_eiface_type = {
	.name = NG_EIFACE_NODE_TYPE,
	.cookie = NGM_EIFACE_COOKIE,
	.constructor = ng_eiface_constructor,
	.rcvmsg = ng_eiface_rcvmsg,
	.shutdown = ng_eiface_shutdown,
	.newhook = ng_eiface_newhook,
	.connect = ng_eiface_connect,
	.rcvdata = ng_eiface_rcvdata,
	.disconnect = ng_eiface_disconnect,
	.renamed = ng_eiface_renamed,
	.cmdlist = ng_eiface_cmds,
	.netdev = &ng_eiface_netdev,
};
