/*
 * ng_one2many.c: the one2many node (spec §9.8).  Hooks: "one" and
 * many0..many63.  Frames from any many link go to one; frames from one go
 * to the active many links by xmitAlg: round-robin, all, or failover (the
 * lowest active link).  A link is active while connected and enabled;
 * with failAlg notify, flow messages from a link enable and disable it.
 * Messages (numbered from 0): setconfig, getconfig, getstats, clrstats,
 * getclrstats.  Dies when hookless.
 *
 * Costs: O(1) per frame for round-robin and failover; "all" hands every
 * link a reference to the same packet.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <netgraph/ng_one2many.h>

#include "ng_core.h"
#include "ng_parse.h"

struct ng_one2many_link {
	struct ng_hook *hook;
	struct ng_one2many_link_stats stats;
};

struct ng_one2many_priv {
	struct ng_node *node;
	struct ng_one2many_config conf;
	struct ng_one2many_link one;
	struct ng_one2many_link many[NG_ONE2MANY_MAX_LINKS];
	unsigned next;    /* round-robin: index into active[] */
	unsigned nactive; /* connected and enabled many links */
	uint8_t active[NG_ONE2MANY_MAX_LINKS]; /* their numbers, ascending */
};

/* Tell whoever is on "one" that the bundle went up or down. */
static void
ng_one2many_notify(struct ng_one2many_priv *priv, uint32_t cmd)
{
	struct ng_mesg *msg;

	if (priv->one.hook == NULL)
		return;
	msg = ng_mkmsg(NGM_FLOW_COOKIE, cmd, 0);
	if (msg == NULL)
		return;
	(void)ng_send_hook_msg(priv->one.hook, msg);
	free(msg);
}

/* Recompute the active links after a link or the config changed. */
static void
ng_one2many_update(struct ng_one2many_priv *priv)
{
	unsigned was = priv->nactive;

	priv->nactive = 0;
	for (unsigned i = 0; i < NG_ONE2MANY_MAX_LINKS; i++)
		if (priv->many[i].hook != NULL && priv->conf.enabledLinks[i])
			priv->active[priv->nactive++] = (uint8_t)i;
	if (priv->nactive > 0)
		priv->next %= priv->nactive;
	else
		priv->next = 0;
	if (was > 0 && priv->nactive == 0)
		ng_one2many_notify(priv, NGM_LINK_IS_DOWN);
	else if (was == 0 && priv->nactive > 0)
		ng_one2many_notify(priv, NGM_LINK_IS_UP);
}

static int
ng_one2many_constructor(struct ng_node *node)
{
	struct ng_one2many_priv *priv;

	priv = calloc(1, sizeof(*priv));
	if (priv == NULL)
		return ENOMEM;
	priv->node = node;
	priv->conf.xmitAlg = NG_ONE2MANY_XMIT_ROUNDROBIN;
	priv->conf.failAlg = NG_ONE2MANY_FAIL_MANUAL;
	node->priv = priv;
	return 0;
}

/* "many<N>", N as printf("%u") writes it and below the link limit. */
static bool
ng_one2many_parse_many(const char *name, unsigned *num)
{
	const char *p = name + strlen(NG_ONE2MANY_HOOK_MANY_PREFIX);
	unsigned v = 0;

	if (strncmp(name, NG_ONE2MANY_HOOK_MANY_PREFIX,
		strlen(NG_ONE2MANY_HOOK_MANY_PREFIX)) != 0)
		return false;
	if (*p == '\0' || (p[0] == '0' && p[1] != '\0'))
		return false;
	for (; *p != '\0'; p++) {
		if (*p < '0' || *p > '9')
			return false;
		v = v * 10 + (unsigned)(*p - '0');
		if (v >= NG_ONE2MANY_MAX_LINKS)
			return false;
	}
	*num = v;
	return true;
}

static int
ng_one2many_newhook(struct ng_node *node, struct ng_hook *hook,
    const char *name)
{
	struct ng_one2many_priv *priv = node->priv;
	struct ng_one2many_link *link;
	unsigned num = 0;

	if (strcmp(name, NG_ONE2MANY_HOOK_ONE) == 0)
		link = &priv->one;
	else if (ng_one2many_parse_many(name, &num))
		link = &priv->many[num];
	else
		return EINVAL;
	if (link->hook != NULL)
		return EISCONN;
	memset(link, 0, sizeof(*link));
	link->hook = hook;
	hook->priv = link;
	if (link != &priv->one) {
		priv->conf.enabledLinks[num] = 1; /* a new link is enabled */
		ng_one2many_update(priv);
	}
	return 0;
}

static int
ng_one2many_send(struct ng_one2many_link *dst, struct ng_pkt **pkt)
{
	dst->stats.xmitPackets++;
	dst->stats.xmitOctets += (*pkt)->len;
	return ng_send_data(dst->hook, pkt); /* consumes *pkt */
}

static int
ng_one2many_rcvdata(struct ng_hook *hook, struct ng_pkt **pkt)
{
	struct ng_node *node = hook->node;
	struct ng_one2many_priv *priv = node->priv;
	struct ng_one2many_link *src = hook->priv, *dst;
	bool alive;

	src->stats.recvPackets++;
	src->stats.recvOctets += (*pkt)->len;
	if (src != &priv->one)
		return ng_one2many_send(&priv->one, pkt);
	if (priv->nactive == 0) {
		ng_pkt_free(pkt);
		return ENOTCONN;
	}
	switch (priv->conf.xmitAlg) {
	case NG_ONE2MANY_XMIT_ALL:
		/* Everyone but the first gets a reference; it gets ours.
		 * A send may shut the node down (ng_send_data): held, and
		 * the rest are dropped if it went. */
		ng_node_ref(node);
		alive = true;
		for (unsigned i = 1; alive && i < priv->nactive; i++) {
			struct ng_pkt *ref = ng_pkt_ref(*pkt);

			(void)ng_one2many_send(&priv->many[priv->active[i]],
			    &ref); /* consumes ref */
			alive = ng_node_valid(node) && node->priv == priv;
		}
		ng_node_unref(node);
		if (!alive || priv->nactive == 0) {
			ng_pkt_free(pkt);
			return alive ? ENOTCONN : 0;
		}
		dst = &priv->many[priv->active[0]];
		break;
	case NG_ONE2MANY_XMIT_FAILOVER:
		dst = &priv->many[priv->active[0]];
		break;
	default:
		dst = &priv->many[priv->active[priv->next]];
		priv->next = (priv->next + 1) % priv->nactive;
		break;
	}
	return ng_one2many_send(dst, pkt);
}

static int
ng_one2many_msg_stats(struct ng_one2many_priv *priv, const struct ng_mesg *msg,
    struct ng_mesg **resp)
{
	struct ng_one2many_link *link;
	int32_t num;

	if (msg->header.arglen != sizeof(num))
		return EINVAL;
	memcpy(&num, msg->data, sizeof(num));
	if (num == NG_ONE2MANY_ONE_LINKNUM)
		link = &priv->one;
	else if (num >= 0 && num < NG_ONE2MANY_MAX_LINKS)
		link = &priv->many[num];
	else
		return EINVAL;
	if (msg->header.cmd != NGM_ONE2MANY_CLR_STATS) {
		*resp = ng_mkresponse(msg, sizeof(link->stats));
		if (*resp == NULL)
			return ENOMEM;
		memcpy((*resp)->data, &link->stats, sizeof(link->stats));
	}
	if (msg->header.cmd != NGM_ONE2MANY_GET_STATS)
		memset(&link->stats, 0, sizeof(link->stats));
	return 0;
}

static int
ng_one2many_rcvmsg(struct ng_node *node, const struct ng_msgctx *ctx,
    struct ng_mesg *msg, struct ng_mesg **resp)
{
	struct ng_one2many_priv *priv = node->priv;
	struct ng_one2many_config conf;

	if (msg->header.flags & NGF_RESP)
		return 0;
	if (msg->header.typecookie == NGM_FLOW_COOKIE) {
		struct ng_one2many_link *l;

		if (priv->conf.failAlg != NG_ONE2MANY_FAIL_NOTIFY ||
		    ctx->lasthook == NULL || ctx->lasthook->node != node ||
		    (l = ctx->lasthook->priv) == NULL || l == &priv->one)
			return 0;
		if (msg->header.cmd == NGM_LINK_IS_UP)
			priv->conf.enabledLinks[l - priv->many] = 1;
		else if (msg->header.cmd == NGM_LINK_IS_DOWN)
			priv->conf.enabledLinks[l - priv->many] = 0;
		else
			return 0;
		ng_one2many_update(priv);
		return 0;
	}
	if (msg->header.typecookie != NGM_ONE2MANY_COOKIE)
		return EINVAL;
	switch (msg->header.cmd) {
	case NGM_ONE2MANY_SET_CONFIG:
		if (msg->header.arglen != sizeof(conf))
			return EINVAL;
		memcpy(&conf, msg->data, sizeof(conf));
		if (conf.xmitAlg < NG_ONE2MANY_XMIT_ROUNDROBIN ||
		    conf.xmitAlg > NG_ONE2MANY_XMIT_FAILOVER ||
		    (conf.failAlg != NG_ONE2MANY_FAIL_MANUAL &&
			conf.failAlg != NG_ONE2MANY_FAIL_NOTIFY))
			return EINVAL;
		for (unsigned i = 0; i < NG_ONE2MANY_MAX_LINKS; i++)
			conf.enabledLinks[i] = conf.enabledLinks[i] != 0;
		priv->conf = conf;
		ng_one2many_update(priv);
		return 0;
	case NGM_ONE2MANY_GET_CONFIG:
		*resp = ng_mkresponse(msg, sizeof(priv->conf));
		if (*resp == NULL)
			return ENOMEM;
		memcpy((*resp)->data, &priv->conf, sizeof(priv->conf));
		return 0;
	case NGM_ONE2MANY_GET_STATS:
	case NGM_ONE2MANY_CLR_STATS:
	case NGM_ONE2MANY_GETCLR_STATS:
		return ng_one2many_msg_stats(priv, msg, resp);
	}
	return EINVAL;
}

static int
ng_one2many_disconnect(struct ng_hook *hook)
{
	struct ng_node *node = hook->node;
	struct ng_one2many_priv *priv = node->priv;
	struct ng_one2many_link *l = hook->priv;

	if (l != NULL) {
		l->hook = NULL;
		if (l != &priv->one) {
			priv->conf.enabledLinks[l - priv->many] = 0;
			ng_one2many_update(priv);
		}
	}
	hook->priv = NULL;
	if (node->numhooks == 0 && ng_node_valid(node))
		ng_rmnode(node);
	return 0;
}

static int
ng_one2many_shutdown(struct ng_node *node)
{
	free(node->priv);
	node->priv = NULL;
	return 0;
}

NG_PARSE_STRUCT(ng_one2many_config, NG_ONE2MANY_CONFIG_FIELDS);
NG_PARSE_STRUCT(ng_one2many_link_stats, NG_ONE2MANY_LINK_STATS_FIELDS);

#define O NGM_ONE2MANY_COOKIE
/* Journal and takeover: its config. */
static int
ng_one2many_save(struct ng_node *node, ng_save_fn *emit, void *arg)
{
	return ng_save_getset(node, NGM_ONE2MANY_COOKIE,
	    NGM_ONE2MANY_GET_CONFIG, NGM_ONE2MANY_SET_CONFIG, emit, arg);
}

static const struct ng_cmdlist ng_one2many_cmds[] = {
	{ O, NGM_ONE2MANY_SET_CONFIG, "setconfig",
	    &ng_one2many_config_parse_type, NULL },
	{ O, NGM_ONE2MANY_GET_CONFIG, "getconfig", NULL,
	    &ng_one2many_config_parse_type },
	{ O, NGM_ONE2MANY_GET_STATS, "getstats", &ng_parse_int32_type,
	    &ng_one2many_link_stats_parse_type },
	{ O, NGM_ONE2MANY_CLR_STATS, "clrstats", &ng_parse_int32_type, NULL },
	{ O, NGM_ONE2MANY_GETCLR_STATS, "getclrstats", &ng_parse_int32_type,
	    &ng_one2many_link_stats_parse_type },
	{ 0, 0, NULL, NULL, NULL },
};
#undef O

const struct ng_type ng_one2many_type = {
	.name = NG_ONE2MANY_NODE_TYPE,
	.cookie = NGM_ONE2MANY_COOKIE,
	.constructor = ng_one2many_constructor,
	.rcvmsg = ng_one2many_rcvmsg,
	.shutdown = ng_one2many_shutdown,
	.newhook = ng_one2many_newhook,
	.rcvdata = ng_one2many_rcvdata,
	.disconnect = ng_one2many_disconnect,
	.cmdlist = ng_one2many_cmds,
	.save = ng_one2many_save,
};
