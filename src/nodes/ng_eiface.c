/*
 * ng_eiface.c: the eiface node, an Ethernet interface whose wire is the
 * hook "ether" (spec §9.2, DESIGN decisions 1-4).  On Linux the interface
 * is a TAP device ngethN made through the netdev backend; the node keeps
 * it wherever it is moved.  Messages: getifname, set (MAC), getifaddrs
 * (the interface's IPv4 and IPv6 addresses, in a form ASCII can show),
 * vnet (Linux: the interface into another network namespace).
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

#define ETHER_HDR_LEN 14

struct ng_eiface_priv {
	struct ng_ifdev ifd; /* the TAP device and its names */
	struct ng_hook *ether;
};

static struct ng_ifdev *
ng_eiface_ifdev(struct ng_node *node)
{
	struct ng_eiface_priv *priv = node->priv;

	return &priv->ifd;
}

static int
ng_eiface_constructor(struct ng_node *node)
{
	struct ng_eiface_priv *priv;
	int error;

	priv = calloc(1, sizeof(*priv));
	if (priv == NULL)
		return ENOMEM;
	error = ng_ifdev_create(node, &priv->ifd, NG_NETDEV_TAP,
	    NG_EIFACE_EIFACE_NAME);
	if (error != 0) {
		free(priv);
		return error;
	}
	node->priv = priv;
	ng_ifdev_name_node(node, &priv->ifd);
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

	(void)ng_ifdev_set_carrier(hook->node, &priv->ifd, true);
	return 0;
}

static int
ng_eiface_disconnect(struct ng_hook *hook)
{
	struct ng_eiface_priv *priv = hook->node->priv;

	if (priv->ether == hook)
		priv->ether = NULL;
	(void)ng_ifdev_set_carrier(hook->node, &priv->ifd, false);
	return 0;
}

/*
 * Whether frame p has an 802.1Q or 802.1ad type and fewer than min
 * bytes (Linux takes both for VLAN tags).  Short frames, by device model
 * and direction (tests/system/fastpath_short.sh):
 *   - from the hook, a frame shorter than an Ethernet header, or than
 *     the tag its type says it has (18 bytes), is refused (EINVAL,
 *     counted in the hook's recvDrops), where FreeBSD's ether_input
 *     drops it and counts an input error: neither device could take it
 *     (a TAP refuses under 14 bytes; the kernel drops the tag's runts
 *     on receipt, uncounted).  A frame with a tag out of band (a vlan
 *     node's) reaches the interface with it inline, 18 bytes or more.  An 18- or 19-byte tagged frame reaches
 *     the interface on the fast path (its tag out of band), as on
 *     FreeBSD; a TAP's receive drops it (skb_vlan_untag wants 20).
 *   - from the interface, a tagged frame under 20 bytes goes nowhere:
 *     on the fast path the graph-side end's receive drops it before any
 *     program sees it (skb_vlan_untag), so ngd drops it from a TAP too.
 */
static bool
ng_eiface_vlan_runt(const struct ng_pkt *p, uint32_t min)
{
	return p->len < min && p->len >= ETHER_HDR_LEN &&
	    ((p->data[12] == 0x81 && p->data[13] == 0x00) ||
		(p->data[12] == 0x88 && p->data[13] == 0xa8));
}

/* A frame from the hook: the interface receives it. */
static int
ng_eiface_rcvdata(struct ng_hook *hook, struct ng_pkt **pkt)
{
	struct ng_eiface_priv *priv = hook->node->priv;
	int error;

	if ((*pkt)->len < ETHER_HDR_LEN ||
	    (!(*pkt)->vlan_tagged && ng_eiface_vlan_runt(*pkt, 18))) {
		ng_pkt_free(pkt);
		return EINVAL;
	}
	error = ng_ifdev_xmit(hook->node, &priv->ifd, *pkt);
	ng_pkt_free(pkt);
	return error;
}

/* A frame the interface sent: out the hook, or nowhere. */
static void
ng_eiface_input(struct ng_node *node, struct ng_pkt **pkt)
{
	struct ng_eiface_priv *priv = node->priv;

	if (priv->ether == NULL || ng_eiface_vlan_runt(*pkt, 20)) {
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

	ops = ng_ifdev_ops(node, &be);
	while (ops->get_addrs != NULL && priv->ifd.dev != NULL) {
		if ((na = realloc(addrs, max * sizeof(*addrs))) == NULL) {
			free(addrs);
			return ENOMEM;
		}
		addrs = na;
		error = ops->get_addrs(be, priv->ifd.dev, addrs, max, &n);
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

	(void)ctx;
	if (msg->header.typecookie == NGM_FLOW_COOKIE)
		return ng_ifdev_flow_msg(node, &priv->ifd, msg);
	if (msg->header.typecookie != NGM_EIFACE_COOKIE ||
	    (msg->header.flags & NGF_RESP))
		return EINVAL;
	switch (msg->header.cmd) {
	case NGM_EIFACE_GET_IFNAME:
		ng_netdev_sync_name(node);
		*resp = ng_mkresponse(msg, strlen(priv->ifd.ifname) + 1);
		if (*resp == NULL)
			return ENOMEM;
		strcpy((*resp)->data, priv->ifd.ifname);
		return 0;
	case NGM_EIFACE_GET_IFADDRS:
		return ng_eiface_getifaddrs(node, msg, resp);
	case NGM_EIFACE_SET:
		if (msg->header.arglen != 6)
			return EINVAL;
		return ng_ifdev_set_mac(node, &priv->ifd,
		    (const uint8_t *)msg->data);
	case NGM_EIFACE_VNET:
		return ng_ifdev_vnet_msg(node, &priv->ifd, msg);
	}
	return EINVAL;
}

static int
ng_eiface_shutdown(struct ng_node *node)
{
	struct ng_eiface_priv *priv = node->priv;

	if (priv == NULL)
		return 0;
	ng_ifdev_destroy(node, &priv->ifd);
	free(priv);
	node->priv = NULL;
	return 0;
}

NG_PARSE_STRUCT(ng_eiface_ifaddr, NG_EIFACE_IFADDR_FIELDS);
NG_PARSE_STRUCT(ng_eiface_ifaddrs, NG_EIFACE_IFADDRS_FIELDS);

#define E NGM_EIFACE_COOKIE
static const struct ng_cmdlist ng_eiface_cmds[] = {
	{ E, NGM_EIFACE_GET_IFNAME, "getifname", NULL, &ng_parse_string_type },
	{ E, NGM_EIFACE_GET_IFADDRS, "getifaddrs", NULL,
	    &ng_eiface_ifaddrs_parse_type },
	{ E, NGM_EIFACE_SET, "set", &ng_parse_enaddr_type, NULL },
	{ E, NGM_EIFACE_VNET, "vnet", &ng_parse_string_type, NULL },
	{ 0, 0, NULL, NULL, NULL },
};
#undef E

static const struct ng_netdev_methods ng_eiface_netdev = {
	.input = ng_eiface_input,
	.ifdev = ng_eiface_ifdev,
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
	.renamed = ng_ifdev_renamed,
	.cmdlist = ng_eiface_cmds,
	.netdev = &ng_eiface_netdev,
};
