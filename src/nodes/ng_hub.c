/*
 * ng_hub.c: the hub node.  Any hook names; a frame arriving on one hook
 * is copied to every other hook.  Message: setpersistent.  Dies when its
 * last hook goes, unless persistent.
 */
#include <errno.h>
#include <stdlib.h>

#include <netgraph/ng_hub.h>

#include "ng_core.h"

struct ng_hub_priv {
	bool persistent;
};

static int
ng_hub_constructor(struct ng_node *node)
{
	node->priv = calloc(1, sizeof(struct ng_hub_priv));
	return node->priv == NULL ? ENOMEM : 0;
}

static int
ng_hub_rcvmsg(struct ng_node *node, const struct ng_msgctx *ctx,
    struct ng_mesg *msg, struct ng_mesg **resp)
{
	struct ng_hub_priv *priv = node->priv;

	(void)ctx;
	(void)resp;
	if (msg->header.typecookie == NGM_HUB_COOKIE &&
	    msg->header.cmd == NGM_HUB_SET_PERSISTENT) {
		priv->persistent = true;
		return 0;
	}
	return EINVAL;
}

static int
ng_hub_rcvdata(struct ng_hook *hook, struct ng_pkt **pkt)
{
	struct ng_hook *h, *last = NULL;

	/* Every other hook gets a reference; the last takes ours. */
	for (h = hook->node->hooks; h != NULL; h = h->next) {
		if (h == hook || !(h->flags & NG_HOOK_VALID))
			continue;
		if (last != NULL) {
			struct ng_pkt *copy = ng_pkt_ref(*pkt);

			(void)ng_send_data(last, &copy); /* consumes copy */
		}
		last = h;
	}
	if (last == NULL) {
		ng_pkt_free(pkt);
		return 0;
	}
	return ng_send_data(last, pkt); /* consumes *pkt */
}

static int
ng_hub_disconnect(struct ng_hook *hook)
{
	struct ng_node *node = hook->node;
	struct ng_hub_priv *priv = node->priv;

	if (node->numhooks == 0 && !priv->persistent && ng_node_valid(node))
		ng_rmnode(node);
	return 0;
}

static int
ng_hub_shutdown(struct ng_node *node)
{
	free(node->priv);
	node->priv = NULL;
	return 0;
}

/* Journal and takeover: whether it persists. */
static int
ng_hub_save(struct ng_node *node, ng_save_fn *emit, void *arg)
{
	struct ng_hub_priv *priv = node->priv;

	if (!priv->persistent)
		return 0;
	return ng_save_cmd(node, NGM_HUB_COOKIE, NGM_HUB_SET_PERSISTENT, emit,
	    arg);
}

static const struct ng_cmdlist ng_hub_cmds[] = {
	{ NGM_HUB_COOKIE, NGM_HUB_SET_PERSISTENT, "setpersistent", NULL, NULL },
	{ 0, 0, NULL, NULL, NULL },
};

const struct ng_type ng_hub_type = {
	.name = NG_HUB_NODE_TYPE,
	.cookie = NGM_HUB_COOKIE,
	.constructor = ng_hub_constructor,
	.rcvmsg = ng_hub_rcvmsg,
	.shutdown = ng_hub_shutdown,
	.rcvdata = ng_hub_rcvdata,
	.disconnect = ng_hub_disconnect,
	.cmdlist = ng_hub_cmds,
	.save = ng_hub_save,
};
