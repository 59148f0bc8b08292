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

enum { NG_IFACE_INET, NG_IFACE_INET6, NG_IFACE_NFAM };

static const char *const ng_iface_hooks[NG_IFACE_NFAM] = {
	NG_IFACE_HOOK_INET,
	NG_IFACE_HOOK_INET6,
};
static const uint8_t ng_iface_version[NG_IFACE_NFAM] = { 4, 6 };

struct ng_iface_priv {
	struct ng_ifdev ifd; /* the TUN device and its names */
	struct ng_hook *hook[NG_IFACE_NFAM];
};

static struct ng_ifdev *
ng_iface_ifdev(struct ng_node *node)
{
	struct ng_iface_priv *priv = node->priv;

	return &priv->ifd;
}

static int
ng_iface_constructor(struct ng_node *node)
{
	struct ng_iface_priv *priv;
	int error;

	priv = calloc(1, sizeof(*priv));
	if (priv == NULL)
		return ENOMEM;
	error = ng_ifdev_create(node, &priv->ifd, NG_NETDEV_TUN,
	    NG_IFACE_IFACE_NAME);
	if (error != 0) {
		free(priv);
		return error;
	}
	node->priv = priv;
	ng_ifdev_name_node(node, &priv->ifd);
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
	int error;

	/* The kernel tells the family by the version; it must be the
	 * hook's, as FreeBSD hands inet packets only to IPv4. */
	if ((*pkt)->len == 0 || (*pkt)->data[0] >> 4 != ng_iface_version[fam]) {
		ng_pkt_free(pkt);
		return EAFNOSUPPORT;
	}
	error = ng_ifdev_xmit(hook->node, &priv->ifd, *pkt);
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
	ops = ng_ifdev_ops(node, &be);
	if (msg->header.flags & NGF_RESP)
		return 0;
	if (msg->header.typecookie == NGM_FLOW_COOKIE)
		return ng_ifdev_flow_msg(node, &priv->ifd, msg);
	if (msg->header.typecookie != NGM_IFACE_COOKIE)
		return EINVAL;
	switch (msg->header.cmd) {
	case NGM_IFACE_GET_IFNAME:
		ng_netdev_sync_name(node);
		*resp = ng_mkresponse(msg, NG_IFDEV_NAMSIZ);
		if (*resp == NULL)
			return ENOMEM;
		memcpy((*resp)->data, priv->ifd.ifname, NG_IFDEV_NAMSIZ);
		return 0;
	case NGM_IFACE_POINT2POINT:
	case NGM_IFACE_BROADCAST:
	case NGM_IFACE_GET_IFINDEX:
		if (priv->ifd.dev == NULL)
			return ENXIO;
		if (ops->get_info == NULL)
			return EOPNOTSUPP;
		if ((error = ops->get_info(be, priv->ifd.dev, &ifindex, &up)) !=
		    0)
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
	case NGM_IFACE_VNET:
		return ng_ifdev_vnet_msg(node, &priv->ifd, msg);
	}
	return EINVAL;
}

static int
ng_iface_shutdown(struct ng_node *node)
{
	struct ng_iface_priv *priv = node->priv;

	if (priv == NULL)
		return 0;
	ng_ifdev_destroy(node, &priv->ifd);
	free(priv);
	node->priv = NULL;
	return 0;
}

#define I NGM_IFACE_COOKIE
static const struct ng_cmdlist ng_iface_cmds[] = {
	{ I, NGM_IFACE_GET_IFNAME, "getifname", NULL, &ng_parse_string_type },
	{ I, NGM_IFACE_POINT2POINT, "point2point", NULL, NULL },
	{ I, NGM_IFACE_BROADCAST, "broadcast", NULL, NULL },
	{ I, NGM_IFACE_GET_IFINDEX, "getifindex", NULL, &ng_parse_uint32_type },
	{ I, NGM_IFACE_VNET, "vnet", &ng_parse_string_type, NULL },
	{ 0, 0, NULL, NULL, NULL },
};
#undef I

static const struct ng_netdev_methods ng_iface_netdev = {
	.input = ng_iface_input,
	.ifdev = ng_iface_ifdev,
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
	.renamed = ng_ifdev_renamed,
	.cmdlist = ng_iface_cmds,
	.netdev = &ng_iface_netdev,
};
