/*
 * ng_socket.c: the socket node, a client's endpoint (spec §9.1).  ngd
 * makes one per control connection; a data connection may attach to it.
 * Any hook names.  Frames arriving on a hook go to the data connection
 * with the hook's name, and copies from a capture the client asked for
 * with the pseudo-hook name NG_CAPTURE_HOOK; replies and non-generic
 * messages go to the control connection.  Messages: nolinger, linger (FreeBSD gives them
 * no ASCII names; ours are an extension).
 * The node goes when both connections have gone.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <netgraph/ng_socket.h>

#include "ng_nodes.h"

struct ng_socket_priv {
	void *ctl;  /* control connection, or NULL once closed */
	void *data; /* data connection, or NULL */
	bool nolinger;
};

/* The client behind the graph's socket nodes (ng_nodes.h), or NULL. */
static const struct ng_socket_ops *
ng_socket_ops(struct ng_graph *g)
{
	const struct ng_backend *b = ng_graph_backend(g, NGM_SOCKET_COOKIE);

	return b != NULL ? b->ops : NULL;
}

static int
ng_socket_constructor(struct ng_node *node)
{
	(void)node;
	return EINVAL; /* only a client connection makes one */
}

int
ng_socket_create(struct ng_graph *g, void *ctlconn, struct ng_node **np)
{
	struct ng_socket_priv *priv;
	struct ng_node *node;
	int error;

	priv = calloc(1, sizeof(*priv));
	if (priv == NULL)
		return ENOMEM;
	error = ng_make_node_raw(g, &ng_socket_type, &node);
	if (error != 0) {
		free(priv);
		return error;
	}
	priv->ctl = ctlconn;
	node->priv = priv;
	*np = node;
	return 0;
}

void
ng_socket_attach_data(struct ng_node *node, void *dataconn)
{
	struct ng_socket_priv *priv = node->priv;

	priv->data = dataconn;
}

void
ng_socket_attach_ctl(struct ng_node *node, void *ctlconn)
{
	struct ng_socket_priv *priv = node->priv;

	priv->ctl = ctlconn;
}

void
ng_socket_detach(struct ng_node *node, void *conn)
{
	struct ng_socket_priv *priv = node->priv;

	if (priv == NULL)
		return;
	if (priv->ctl == conn)
		priv->ctl = NULL;
	if (priv->data == conn)
		priv->data = NULL;
	if (priv->ctl == NULL && priv->data == NULL)
		ng_rmnode(node);
}

int
ng_socket_send_data(struct ng_node *node, const char *hookname,
    struct ng_pkt **pkt)
{
	struct ng_hook *hook;

	if (!ng_node_valid(node)) {
		ng_pkt_free(pkt);
		return ENOTCONN;
	}
	if (hookname[0] == '\0') {
		if (node->numhooks != 1) {
			ng_pkt_free(pkt);
			return EDESTADDRREQ;
		}
		hook = node->hooks;
	} else if (strlen(hookname) >= NG_HOOKSIZ) {
		ng_pkt_free(pkt);
		return EINVAL;
	} else {
		hook = ng_find_hook(node, hookname);
	}
	if (hook == NULL || !(hook->flags & NG_HOOK_VALID)) {
		ng_pkt_free(pkt);
		return EHOSTUNREACH;
	}
	return ng_send_data(hook, pkt); /* consumes *pkt */
}

static int
ng_socket_rcvmsg(struct ng_node *node, const struct ng_msgctx *ctx,
    struct ng_mesg *msg, struct ng_mesg **resp)
{
	struct ng_socket_priv *priv = node->priv;
	const struct ng_socket_ops *ops = ng_socket_ops(node->graph);

	(void)resp;
	if (!(msg->header.flags & NGF_RESP)) {
		if (msg->header.typecookie == NGM_SOCKET_COOKIE) {
			switch (msg->header.cmd) {
			case NGM_SOCK_CMD_NOLINGER:
				priv->nolinger = true;
				if (node->numhooks == 0)
					ng_rmnode(node);
				return 0;
			case NGM_SOCK_CMD_LINGER:
				priv->nolinger = false;
				return 0;
			}
			return EINVAL;
		}
		if (msg->header.typecookie == NGM_GENERIC_COOKIE)
			return EINVAL; /* textstatus, textconfig */
	}
	if (priv->ctl == NULL || ops == NULL || ops->deliver_msg == NULL)
		return EINVAL;
	return ops->deliver_msg(priv->ctl, ctx->retaddr, msg);
}

struct ng_socket_seg {
	struct ng_hook *hook;
	int error;
};

static void
ng_socket_deliver(void *arg, struct ng_pkt **pkt)
{
	struct ng_socket_seg *s = arg;
	struct ng_socket_priv *priv = s->hook->node->priv;
	const struct ng_socket_ops *ops;

	ops = ng_socket_ops(s->hook->node->graph);
	if (priv->data != NULL && ops != NULL && ops->deliver_data != NULL &&
	    s->error == 0)
		s->error = ops->deliver_data(priv->data, s->hook->name, *pkt);
	ng_pkt_free(pkt);
}

/*
 * A client reads whole frames: a super-frame from a TAP (or a tun) is
 * cut into segments and partial checksums are finished first
 * (ng_gso.c).
 */
static int
ng_socket_rcvdata(struct ng_hook *hook, struct ng_pkt **pkt)
{
	struct ng_socket_priv *priv = hook->node->priv;
	struct ng_socket_seg s = { .hook = hook, .error = 0 };
	int error;

	if (priv->data == NULL) {
		ng_pkt_free(pkt);
		return 0;
	}
	if ((*pkt)->vh.gso_type == VIRTIO_NET_HDR_GSO_NONE &&
	    !((*pkt)->vh.flags & VIRTIO_NET_HDR_F_NEEDS_CSUM)) {
		ng_socket_deliver(&s, pkt);
		return s.error;
	}
	error = ng_pkt_segment(pkt, ng_pkt_l2len(*pkt), ng_socket_deliver, &s);
	return error != 0 ? error : s.error;
}

/* A copy of a frame from a capture this node asked for (ng_hookstat.h):
 * to the data connection, whole or cut to the capture's snaplen. */
static int
ng_socket_capture(struct ng_node *node, const struct ng_capture *cap,
    const struct ng_hook *hook, unsigned dir, const struct ng_pkt *pkt)
{
	struct ng_socket_priv *priv = node->priv;
	const struct ng_socket_ops *ops = ng_socket_ops(node->graph);
	struct ng_capture_hdr h;

	if (priv == NULL || priv->data == NULL || ops == NULL ||
	    ops->deliver_capture == NULL)
		return ENOTCONN;
	memset(&h, 0, sizeof(h));
	h.node = hook->node->id;
	memcpy(h.hook, hook->name, sizeof(h.hook));
	h.dir = (uint8_t)dir;
	if (pkt == NULL) {
		h.flags = NG_CAPTURE_END;
		return ops->deliver_capture(priv->data, &h, NULL);
	}
	h.len = pkt->len;
	h.caplen = cap->snaplen != 0 && cap->snaplen < pkt->len ?
	    cap->snaplen :
	    pkt->len;
	if (pkt->vlan_tagged) {
		h.flags |= NG_CAPTURE_VLAN;
		h.vlan_tag = pkt->vlan_tag;
	}
	return ops->deliver_capture(priv->data, &h, pkt->data);
}

static int
ng_socket_disconnect(struct ng_hook *hook)
{
	struct ng_node *node = hook->node;
	struct ng_socket_priv *priv = node->priv;

	if (node->numhooks == 0 && priv->nolinger && ng_node_valid(node))
		ng_rmnode(node);
	return 0;
}

static int
ng_socket_shutdown(struct ng_node *node)
{
	struct ng_socket_priv *priv = node->priv;
	const struct ng_socket_ops *ops = ng_socket_ops(node->graph);

	node->priv = NULL;
	if (priv == NULL)
		return 0;
	if (ops != NULL && ops->gone != NULL) {
		if (priv->ctl != NULL)
			ops->gone(priv->ctl);
		if (priv->data != NULL)
			ops->gone(priv->data);
	}
	free(priv);
	return 0;
}

/* Only a takeover saves a socket node (the journal leaves them out). */
static int
ng_socket_save(struct ng_node *node, ng_save_fn *emit, void *arg)
{
	struct ng_socket_priv *priv = node->priv;

	if (priv == NULL || !priv->nolinger)
		return 0;
	return ng_save_cmd(node, NGM_SOCKET_COOKIE, NGM_SOCK_CMD_NOLINGER, emit,
	    arg);
}

static const struct ng_cmdlist ng_socket_cmds[] = {
	{ NGM_SOCKET_COOKIE, NGM_SOCK_CMD_NOLINGER, "nolinger", NULL, NULL },
	{ NGM_SOCKET_COOKIE, NGM_SOCK_CMD_LINGER, "linger", NULL, NULL },
	{ 0, 0, NULL, NULL, NULL },
};

const struct ng_type ng_socket_type = {
	.name = NG_SOCKET_NODE_TYPE,
	.cookie = NGM_SOCKET_COOKIE,
	.constructor = ng_socket_constructor,
	.rcvmsg = ng_socket_rcvmsg,
	.shutdown = ng_socket_shutdown,
	.rcvdata = ng_socket_rcvdata,
	.disconnect = ng_socket_disconnect,
	.capture = ng_socket_capture,
	.save = ng_socket_save,
	.cmdlist = ng_socket_cmds,
};
