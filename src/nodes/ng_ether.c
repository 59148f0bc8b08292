/*
 * ng_ether.c: the ether node, the graph's attachment to an Ethernet
 * interface of ngd's namespace (spec §9.4, DESIGN decision 9).  ngd makes
 * one per interface (ng_ether_attach) and names it after the interface;
 * mkpeer cannot.  Hooks: "lower" (or "divert"): frames from the wire come
 * out of it instead of going up the stack, frames written to it go onto
 * the wire; "upper": what the stack sends comes out of it instead of
 * going to the wire, frames written to it reach the stack as if
 * received; "orphans": like lower, for the frames the stack does not
 * know.  Messages: getifname, getifindex, getenaddr, setenaddr,
 * getpromisc, setpromisc, getautosrc, setautosrc, addmulti, delmulti,
 * detach.  Shutdown and the last hook's disconnection only reset the
 * node; it goes with its interface or on detach.  No I/O here: the
 * backend of ng_ether_dev.h reaches the interface.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include <netgraph/ng_ether.h>

#include "ng_core.h"
#include "ng_ether_dev.h"
#include "ng_parse.h"

#define NG_ETHER_HDRLEN 14

struct ng_ether_priv {
	struct ng_ether_dev *dev; /* NULL once the interface is gone */
	char ifname[NG_IFDEV_NAMSIZ];
	uint32_t ifindex;
	uint8_t mac[6];
	bool running; /* up with carrier: frames may go out */
	bool carrier;
	bool promisc;
	bool autosrc; /* overwrite the source of frames for the wire */
	struct ng_hook *hook[NG_ETHER_NDIR];
	bool diverted[NG_ETHER_NDIR];
};

extern const struct ng_type ng_ether_type;

/* The graph's backend for ether nodes (ng_ether_dev.h), or NULL. */
static const struct ng_ether_ops *
ng_ether_backend(struct ng_graph *g, void **be)
{
	const struct ng_backend *b = ng_graph_backend(g, NGM_ETHER_COOKIE);

	*be = b != NULL ? b->arg : NULL;
	return b != NULL ? b->ops : NULL;
}

static const struct ng_ether_ops *
ng_ether_ops(struct ng_node *node, void **be)
{
	return ng_ether_backend(node->graph, be);
}

/* Node names cannot hold '.' or ':' (vlan0.100 is node vlan0_100). */
static void
ng_ether_name(struct ng_node *node, const char *ifname)
{
	char name[NG_NODESIZ];
	int error;

	snprintf(name, sizeof(name), "%s", ifname);
	for (char *s = name; *s != '\0'; s++)
		if (*s == '.' || *s == ':')
			*s = '_';
	if (strcmp(node->name, name) == 0)
		return;
	if ((error = ng_name_node(node, name)) == EADDRINUSE)
		ng_log(node->graph, LOG_WARNING,
		    "ether: the node of %s is not named %s: another node "
		    "has that name",
		    ifname, name);
	else if (error != 0)
		ng_log(node->graph, LOG_WARNING,
		    "ether: cannot name the node of %s: %s", ifname,
		    strerror(error));
}

int
ng_ether_attach(struct ng_graph *g, struct ng_ether_dev *dev,
    const char *ifname, uint32_t ifindex, const uint8_t mac[6],
    struct ng_node **np)
{
	struct ng_ether_priv *priv;
	struct ng_node *node;
	int error;

	*np = NULL;
	priv = calloc(1, sizeof(*priv));
	if (priv == NULL)
		return ENOMEM;
	error = ng_make_node_raw(g, &ng_ether_type, &node);
	if (error != 0) {
		free(priv);
		return error;
	}
	priv->dev = dev;
	priv->ifindex = ifindex;
	snprintf(priv->ifname, sizeof(priv->ifname), "%s", ifname);
	memcpy(priv->mac, mac, 6);
	node->priv = priv;
	ng_ether_name(node, ifname);
	*np = node;
	return 0;
}

/* Tell lower and orphans that the link came up or went down. */
static void
ng_ether_link_msg(struct ng_node *node, bool up)
{
	struct ng_ether_priv *priv = node->priv;
	enum ng_ether_dir dirs[] = { NG_ETHER_DIR_LOWER, NG_ETHER_DIR_ORPHANS };

	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		struct ng_hook *h = priv->hook[dirs[i]];
		struct ng_mesg *msg;

		if (h == NULL)
			continue;
		msg = ng_mkmsg(NGM_FLOW_COOKIE,
		    up ? NGM_LINK_IS_UP : NGM_LINK_IS_DOWN, 0);
		if (msg == NULL)
			return;
		(void)ng_send_hook_msg(h, msg);
		free(msg);
	}
}

bool
ng_ether_ifchange(struct ng_node *node, const char *ifname,
    const uint8_t mac[6], bool running, bool carrier)
{
	struct ng_ether_priv *priv = node->priv;
	bool refuses;

	if (!ng_node_valid(node) || priv == NULL)
		return false;
	if (strcmp(priv->ifname, ifname) != 0) {
		snprintf(priv->ifname, sizeof(priv->ifname), "%s", ifname);
		ng_ether_name(node, ifname);
	}
	memcpy(priv->mac, mac, 6);
	refuses = running != priv->running &&
	    priv->hook[NG_ETHER_DIR_LOWER] != NULL;
	priv->running = running;
	if (carrier != priv->carrier) {
		priv->carrier = carrier;
		ng_ether_link_msg(node, carrier);
	}
	return refuses;
}

void
ng_ether_gone(struct ng_node *node)
{
	struct ng_ether_priv *priv = node->priv;

	if (priv != NULL)
		priv->dev = NULL; /* nothing of it to undo */
	node->flags |= NGF_FORCE;
	ng_rmnode(node);
}

void
ng_ether_sync(struct ng_graph *g)
{
	const struct ng_ether_ops *ops;
	void *be;

	ops = ng_ether_backend(g, &be);
	if (ops != NULL && ops->sync != NULL)
		ops->sync(be);
}

void
ng_ether_input(struct ng_node *node, enum ng_ether_dir dir, struct ng_pkt **pkt)
{
	struct ng_ether_priv *priv = node->priv;
	struct ng_hook *h = NULL;

	if (ng_node_valid(node) && priv != NULL) {
		/* The lower channel feeds orphans while lower is off. */
		if (dir == NG_ETHER_DIR_UPPER)
			h = priv->hook[NG_ETHER_DIR_UPPER];
		else if ((h = priv->hook[NG_ETHER_DIR_LOWER]) == NULL)
			h = priv->hook[NG_ETHER_DIR_ORPHANS];
	}
	if (h == NULL) {
		ng_pkt_free(pkt);
		return;
	}
	(void)ng_send_data(h, pkt); /* consumes *pkt */
}

bool
ng_ether_running(const struct ng_node *node)
{
	const struct ng_ether_priv *priv = node->priv;

	return priv != NULL && priv->running && priv->dev != NULL;
}

bool
ng_ether_autosrc(const struct ng_node *node)
{
	const struct ng_ether_priv *priv = node->priv;

	return priv != NULL && priv->autosrc;
}

static int
ng_ether_constructor(struct ng_node *node)
{
	(void)node;
	return EINVAL; /* ngd makes them, one per interface */
}

static int
ng_ether_newhook(struct ng_node *node, struct ng_hook *hook, const char *name)
{
	struct ng_ether_priv *priv = node->priv;
	enum ng_ether_dir dir;

	if (strcmp(name, NG_ETHER_HOOK_LOWER) == 0 ||
	    strcmp(name, NG_ETHER_HOOK_DIVERT) == 0)
		dir = NG_ETHER_DIR_LOWER;
	else if (strcmp(name, NG_ETHER_HOOK_UPPER) == 0)
		dir = NG_ETHER_DIR_UPPER;
	else if (strcmp(name, NG_ETHER_HOOK_ORPHAN) == 0)
		dir = NG_ETHER_DIR_ORPHANS;
	else
		return EINVAL;
	if (priv->hook[dir] != NULL)
		return EISCONN;
	priv->hook[dir] = hook;
	return 0;
}

static enum ng_ether_dir
ng_ether_dir_of(struct ng_ether_priv *priv, struct ng_hook *hook)
{
	enum ng_ether_dir dir;

	for (dir = 0; dir < NG_ETHER_NDIR; dir++)
		if (priv->hook[dir] == hook)
			break;
	return dir;
}

/* The hook's frames come to the graph from now on. */
static int
ng_ether_connect(struct ng_hook *hook)
{
	struct ng_ether_priv *priv = hook->node->priv;
	enum ng_ether_dir dir = ng_ether_dir_of(priv, hook);
	const struct ng_ether_ops *ops;
	void *be;
	int error;

	if (dir == NG_ETHER_NDIR || priv->dev == NULL)
		return ENXIO;
	ops = ng_ether_ops(hook->node, &be);
	if ((error = ops->divert(be, priv->dev, dir, true)) != 0)
		return error;
	priv->diverted[dir] = true;
	return 0;
}

static int
ng_ether_disconnect(struct ng_hook *hook)
{
	struct ng_node *node = hook->node;
	struct ng_ether_priv *priv = node->priv;
	enum ng_ether_dir dir = ng_ether_dir_of(priv, hook);
	const struct ng_ether_ops *ops;
	void *be;

	if (dir == NG_ETHER_NDIR)
		return 0;
	priv->hook[dir] = NULL;
	if (priv->diverted[dir] && priv->dev != NULL) {
		ops = ng_ether_ops(node, &be);
		(void)ops->divert(be, priv->dev, dir, false);
	}
	priv->diverted[dir] = false;
	if (node->numhooks == 0 && ng_node_valid(node))
		ng_rmnode(node); /* a reset: see ng_ether_shutdown */
	return 0;
}

static int
ng_ether_rcvdata(struct ng_hook *hook, struct ng_pkt **pkt)
{
	struct ng_ether_priv *priv = hook->node->priv;
	enum ng_ether_dir dir = ng_ether_dir_of(priv, hook);
	const struct ng_ether_ops *ops;
	void *be;
	int error;

	if (dir != NG_ETHER_DIR_UPPER &&
	    (!priv->running || priv->dev == NULL)) {
		ng_pkt_free(pkt);
		return ENETDOWN;
	}
	if ((*pkt)->len < NG_ETHER_HDRLEN || priv->dev == NULL) {
		error = priv->dev == NULL ? ENETDOWN : EINVAL;
		ng_pkt_free(pkt);
		return error;
	}
	if (dir != NG_ETHER_DIR_UPPER && priv->autosrc) {
		if ((error = ng_pkt_writable(pkt)) != 0)
			return error;
		memcpy((*pkt)->data + 6, priv->mac, 6);
	}
	ops = ng_ether_ops(hook->node, &be);
	error = ops->xmit(be, priv->dev, dir, *pkt);
	ng_pkt_free(pkt);
	return error;
}

/* A reply holding one 32-bit value. */
static int
ng_ether_reply32(const struct ng_mesg *msg, uint32_t v, struct ng_mesg **resp)
{
	*resp = ng_mkresponse(msg, sizeof(v));
	if (*resp == NULL)
		return ENOMEM;
	memcpy((*resp)->data, &v, sizeof(v));
	return 0;
}

/* The 32-bit flag a set message carries, as a bool. */
static int
ng_ether_arg_flag(const struct ng_mesg *msg, bool *on)
{
	uint32_t v;

	if (msg->header.arglen != sizeof(v))
		return EINVAL;
	memcpy(&v, msg->data, sizeof(v));
	*on = v != 0;
	return 0;
}

static int
ng_ether_rcvmsg(struct ng_node *node, const struct ng_msgctx *ctx,
    struct ng_mesg *msg, struct ng_mesg **resp)
{
	struct ng_ether_priv *priv = node->priv;
	const struct ng_ether_ops *ops;
	const uint8_t *mac = (const uint8_t *)msg->data;
	void *be;
	bool on;
	int error;

	(void)ctx;
	if (msg->header.typecookie != NGM_ETHER_COOKIE ||
	    (msg->header.flags & NGF_RESP))
		return EINVAL;
	if (priv->dev == NULL)
		return ENXIO;
	ops = ng_ether_ops(node, &be);
	switch (msg->header.cmd) {
	case NGM_ETHER_GET_IFNAME:
		*resp = ng_mkresponse(msg, strlen(priv->ifname) + 1);
		if (*resp == NULL)
			return ENOMEM;
		strcpy((*resp)->data, priv->ifname);
		return 0;
	case NGM_ETHER_GET_IFINDEX:
		return ng_ether_reply32(msg, priv->ifindex, resp);
	case NGM_ETHER_GET_ENADDR:
		(void)ops->get_mac(be, priv->dev, priv->mac);
		*resp = ng_mkresponse(msg, 6);
		if (*resp == NULL)
			return ENOMEM;
		memcpy((*resp)->data, priv->mac, 6);
		return 0;
	case NGM_ETHER_SET_ENADDR:
		if (msg->header.arglen != 6)
			return EINVAL;
		if ((error = ops->set_mac(be, priv->dev, mac)) != 0)
			return error;
		memcpy(priv->mac, mac, 6);
		return 0;
	case NGM_ETHER_GET_PROMISC:
		return ng_ether_reply32(msg, priv->promisc, resp);
	case NGM_ETHER_SET_PROMISC:
		if ((error = ng_ether_arg_flag(msg, &on)) != 0)
			return error;
		if (on != priv->promisc) {
			if ((error = ops->set_promisc(be, priv->dev, on)) != 0)
				return error;
			priv->promisc = on;
		}
		return 0;
	case NGM_ETHER_GET_AUTOSRC:
		return ng_ether_reply32(msg, priv->autosrc, resp);
	case NGM_ETHER_SET_AUTOSRC:
		if ((error = ng_ether_arg_flag(msg, &on)) != 0)
			return error;
		priv->autosrc = on;
		return 0;
	case NGM_ETHER_ADD_MULTI:
		if (msg->header.arglen != 6)
			return EINVAL;
		return ops->add_multi(be, priv->dev, mac);
	case NGM_ETHER_DEL_MULTI:
		if (msg->header.arglen != 6)
			return EINVAL;
		return ops->del_multi(be, priv->dev, mac);
	case NGM_ETHER_DETACH:
		node->flags |= NGF_FORCE;
		ng_rmnode(node);
		return 0;
	}
	return EINVAL;
}

/*
 * Without NGF_FORCE (shutdown message, last hook gone) only a reset:
 * promiscuous mode off, and the node lives on.  With it (detach, the
 * interface gone, ngd stopping) the node goes.
 */
static int
ng_ether_shutdown(struct ng_node *node)
{
	struct ng_ether_priv *priv = node->priv;
	const struct ng_ether_ops *ops;
	void *be;

	if (priv == NULL)
		return 0;
	ops = ng_ether_ops(node, &be);
	if (node->flags & NGF_FORCE) {
		if (priv->dev != NULL)
			ops->detach(be, priv->dev);
		free(priv);
		node->priv = NULL;
		return 0;
	}
	if (priv->promisc && priv->dev != NULL)
		(void)ops->set_promisc(be, priv->dev, false);
	priv->promisc = false;
	node->flags &= ~NGF_INVALID; /* revived */
	return 0;
}

#define E NGM_ETHER_COOKIE
/* Journal and takeover: promiscuity and autosrc (the node itself is
 * made again by ngd for its interface). */
static int
ng_ether_save(struct ng_node *node, ng_save_fn *emit, void *arg)
{
	int error;

	error = ng_save_getset(node, NGM_ETHER_COOKIE, NGM_ETHER_GET_PROMISC,
	    NGM_ETHER_SET_PROMISC, emit, arg);
	if (error == 0)
		error = ng_save_getset(node, NGM_ETHER_COOKIE,
		    NGM_ETHER_GET_AUTOSRC, NGM_ETHER_SET_AUTOSRC, emit, arg);
	return error;
}

static const struct ng_cmdlist ng_ether_cmds[] = {
	{ E, NGM_ETHER_GET_IFNAME, "getifname", NULL, &ng_parse_string_type },
	{ E, NGM_ETHER_GET_IFINDEX, "getifindex", NULL, &ng_parse_int32_type },
	{ E, NGM_ETHER_GET_ENADDR, "getenaddr", NULL, &ng_parse_enaddr_type },
	{ E, NGM_ETHER_SET_ENADDR, "setenaddr", &ng_parse_enaddr_type, NULL },
	{ E, NGM_ETHER_GET_PROMISC, "getpromisc", NULL, &ng_parse_int32_type },
	{ E, NGM_ETHER_SET_PROMISC, "setpromisc", &ng_parse_int32_type, NULL },
	{ E, NGM_ETHER_GET_AUTOSRC, "getautosrc", NULL, &ng_parse_int32_type },
	{ E, NGM_ETHER_SET_AUTOSRC, "setautosrc", &ng_parse_int32_type, NULL },
	{ E, NGM_ETHER_ADD_MULTI, "addmulti", &ng_parse_enaddr_type, NULL },
	{ E, NGM_ETHER_DEL_MULTI, "delmulti", &ng_parse_enaddr_type, NULL },
	{ E, NGM_ETHER_DETACH, "detach", NULL, NULL },
	{ 0, 0, NULL, NULL, NULL },
};
#undef E

const struct ng_type ng_ether_type = {
	.name = NG_ETHER_NODE_TYPE,
	.cookie = NGM_ETHER_COOKIE,
	.constructor = ng_ether_constructor,
	.rcvmsg = ng_ether_rcvmsg,
	.shutdown = ng_ether_shutdown,
	.newhook = ng_ether_newhook,
	.connect = ng_ether_connect,
	.rcvdata = ng_ether_rcvdata,
	.disconnect = ng_ether_disconnect,
	.cmdlist = ng_ether_cmds,
	.save = ng_ether_save,
};
