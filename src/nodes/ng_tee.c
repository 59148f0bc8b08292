/*
 * ng_tee.c: the tee node (spec §9.7), tee(1) for a link.  Hooks: left,
 * right, left2right, right2left.  A frame from left goes out right and a
 * copy out left2right; from right, out left and a copy out right2left.
 * What enters on left2right leaves by left, what enters on right2left by
 * right.  Messages: getstats, clrstats, getclrstats.  At shutdown the
 * peers of left and right are joined to each other; dies when hookless.
 *
 * Costs: a copy is another reference to the same packet, never a memcpy.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <netgraph/ng_tee.h>

#include "ng_core.h"
#include "ng_parse.h"

enum { NG_TEE_RIGHT, NG_TEE_LEFT, NG_TEE_R2L, NG_TEE_L2R, NG_TEE_NHOOKS };

/* In the order of struct ng_tee_stats. */
static const char *const ng_tee_names[NG_TEE_NHOOKS] = {
	NG_TEE_HOOK_RIGHT,
	NG_TEE_HOOK_LEFT,
	NG_TEE_HOOK_RIGHT2LEFT,
	NG_TEE_HOOK_LEFT2RIGHT,
};

struct ng_tee_link {
	struct ng_hook *hook; /* NULL while unconnected */
	struct ng_tee_hookstat stats;
};

struct ng_tee_priv {
	struct ng_tee_link link[NG_TEE_NHOOKS];
};

static int
ng_tee_constructor(struct ng_node *node)
{
	node->priv = calloc(1, sizeof(struct ng_tee_priv));
	return node->priv == NULL ? ENOMEM : 0;
}

static int
ng_tee_newhook(struct ng_node *node, struct ng_hook *hook, const char *name)
{
	struct ng_tee_priv *priv = node->priv;

	for (int i = 0; i < NG_TEE_NHOOKS; i++) {
		if (strcmp(name, ng_tee_names[i]) != 0)
			continue;
		if (priv->link[i].hook != NULL)
			return EISCONN;
		memset(&priv->link[i], 0, sizeof(priv->link[i]));
		priv->link[i].hook = hook;
		hook->priv = &priv->link[i];
		return 0;
	}
	return EINVAL;
}

/*
 * Where a frame arriving on link in goes (*dest), and where its copy
 * goes (*dup); either may be NULL.  Left traffic goes right, or only to
 * left2right when right is missing; the mirror image for right.
 */
static void
ng_tee_route(struct ng_tee_priv *priv, int in, struct ng_tee_link **dest,
    struct ng_tee_link **dup)
{
	struct ng_tee_link *l = priv->link;
	int out, copy;

	*dest = *dup = NULL;
	switch (in) {
	case NG_TEE_LEFT:
		out = NG_TEE_RIGHT;
		copy = NG_TEE_L2R;
		break;
	case NG_TEE_RIGHT:
		out = NG_TEE_LEFT;
		copy = NG_TEE_R2L;
		break;
	case NG_TEE_L2R:
		*dest = l[NG_TEE_LEFT].hook != NULL ? &l[NG_TEE_LEFT] : NULL;
		return;
	default:
		*dest = l[NG_TEE_RIGHT].hook != NULL ? &l[NG_TEE_RIGHT] : NULL;
		return;
	}
	if (l[out].hook != NULL) {
		*dest = &l[out];
		if (l[copy].hook != NULL)
			*dup = &l[copy];
	} else if (l[copy].hook != NULL) {
		*dest = &l[copy];
	}
}

static int
ng_tee_rcvdata(struct ng_hook *hook, struct ng_pkt **pkt)
{
	struct ng_node *node = hook->node;
	struct ng_tee_priv *priv = node->priv;
	struct ng_tee_link *in = hook->priv, *dest, *dup;
	uint32_t len = (*pkt)->len;

	in->stats.inOctets += len;
	in->stats.inFrames++;
	ng_tee_route(priv, (int)(in - priv->link), &dest, &dup);
	if (dup != NULL) {
		struct ng_pkt *copy = ng_pkt_ref(*pkt);
		bool alive;
		int error;

		/* A failed copy does not stop the original; a send that
		 * shuts the node down (ng_send_data) does. */
		ng_node_ref(node);
		error = ng_send_data(dup->hook, &copy); /* consumes copy */
		alive = ng_node_valid(node) && node->priv == priv;
		ng_node_unref(node);
		if (!alive) {
			ng_pkt_free(pkt);
			return 0;
		}
		if (error == 0) {
			dup->stats.outOctets += len;
			dup->stats.outFrames++;
		}
	}
	if (dest == NULL) {
		ng_pkt_free(pkt);
		return 0;
	}
	dest->stats.outOctets += len;
	dest->stats.outFrames++;
	return ng_send_data(dest->hook, pkt); /* consumes *pkt */
}

static int
ng_tee_rcvmsg(struct ng_node *node, const struct ng_msgctx *ctx,
    struct ng_mesg *msg, struct ng_mesg **resp)
{
	struct ng_tee_priv *priv = node->priv;
	struct ng_tee_stats *st;

	if (msg->header.flags & NGF_RESP)
		return 0; /* the tee asks nothing, so expects no replies */
	if (msg->header.typecookie == NGM_FLOW_COOKIE) {
		struct ng_tee_link *in, *dest, *dup;

		/* Link state from left or right travels on, as data does. */
		in = ctx->lasthook != NULL && ctx->lasthook->node == node ?
		    ctx->lasthook->priv :
		    NULL;
		if (in != &priv->link[NG_TEE_LEFT] &&
		    in != &priv->link[NG_TEE_RIGHT])
			return 0;
		ng_tee_route(priv, (int)(in - priv->link), &dest, &dup);
		return dest != NULL ? ng_send_hook_msg(dest->hook, msg) : 0;
	}
	if (msg->header.typecookie != NGM_TEE_COOKIE)
		return EINVAL;
	switch (msg->header.cmd) {
	case NGM_TEE_GET_STATS:
	case NGM_TEE_CLR_STATS:
	case NGM_TEE_GETCLR_STATS:
		if (msg->header.cmd != NGM_TEE_CLR_STATS) {
			*resp = ng_mkresponse(msg, sizeof(*st));
			if (*resp == NULL)
				return ENOMEM;
			st = (struct ng_tee_stats *)(*resp)->data;
			st->right = priv->link[NG_TEE_RIGHT].stats;
			st->left = priv->link[NG_TEE_LEFT].stats;
			st->right2left = priv->link[NG_TEE_R2L].stats;
			st->left2right = priv->link[NG_TEE_L2R].stats;
		}
		if (msg->header.cmd != NGM_TEE_GET_STATS)
			for (int i = 0; i < NG_TEE_NHOOKS; i++)
				memset(&priv->link[i].stats, 0,
				    sizeof(priv->link[i].stats));
		return 0;
	}
	return EINVAL;
}

/* Leave the two sides joined, as if the tee had never been there. */
static int
ng_tee_close(struct ng_node *node)
{
	struct ng_tee_priv *priv = node->priv;
	struct ng_hook *left = priv->link[NG_TEE_LEFT].hook;
	struct ng_hook *right = priv->link[NG_TEE_RIGHT].hook;

	if (left != NULL && right != NULL)
		(void)ng_bypass(left, right);
	return 0;
}

static int
ng_tee_disconnect(struct ng_hook *hook)
{
	struct ng_node *node = hook->node;
	struct ng_tee_link *l = hook->priv;

	if (l != NULL)
		l->hook = NULL;
	hook->priv = NULL;
	if (node->numhooks == 0 && ng_node_valid(node))
		ng_rmnode(node);
	return 0;
}

static int
ng_tee_shutdown(struct ng_node *node)
{
	free(node->priv);
	node->priv = NULL;
	return 0;
}

NG_PARSE_STRUCT(ng_tee_hookstat, NG_TEE_HOOKSTAT_FIELDS);
NG_PARSE_STRUCT(ng_tee_stats, NG_TEE_STATS_FIELDS);

#define T NGM_TEE_COOKIE
static const struct ng_cmdlist ng_tee_cmds[] = {
	{ T, NGM_TEE_GET_STATS, "getstats", NULL, &ng_tee_stats_parse_type },
	{ T, NGM_TEE_CLR_STATS, "clrstats", NULL, NULL },
	{ T, NGM_TEE_GETCLR_STATS, "getclrstats", NULL,
	    &ng_tee_stats_parse_type },
	{ 0, 0, NULL, NULL, NULL },
};
#undef T

const struct ng_type ng_tee_type = {
	.name = NG_TEE_NODE_TYPE,
	.cookie = NGM_TEE_COOKIE,
	.constructor = ng_tee_constructor,
	.rcvmsg = ng_tee_rcvmsg,
	.close = ng_tee_close,
	.shutdown = ng_tee_shutdown,
	.newhook = ng_tee_newhook,
	.rcvdata = ng_tee_rcvdata,
	.disconnect = ng_tee_disconnect,
	.cmdlist = ng_tee_cmds,
};
