/*
 * ng_vlan.c: the vlan node (spec §9.9), 802.1Q tagging.  Hooks:
 * "downstream" (the trunk), "nomatch", and any other name, which carries
 * one VLAN once a filter names it.  A frame from downstream tagged with a
 * filtered VID leaves untagged by that filter's hook; anything else goes
 * to nomatch (untagged there only with decap on, the tag then kept out of
 * band).  Frames towards downstream are tagged with their hook's VID, PCP
 * and CFI.  Messages: addfilter, delfilter, gettable, delvidflt,
 * get/setdecap, get/setencap, get/setencapproto.  Dies when hookless.
 *
 * Offloads: a frame keeps its virtio_net_hdr across tagging; checksum
 * start and header length move with the 4 bytes the tag adds or removes.
 * Costs: O(1) per frame (a 4096-entry VID table), the tag is written into
 * the packet's headroom, and a shared packet is copied before it is.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <netgraph/ng_vlan.h>

#include "ng_core.h"
#include "ng_parse.h"

#define ETHER_ADDRS_LEN 12 /* destination and source */
#define ETHER_HDR_LEN 14
#define VLAN_ENCAP_LEN 4
#define VLAN_HDR_LEN (ETHER_HDR_LEN + VLAN_ENCAP_LEN)

#define VLAN_VID(tag) ((tag)&0x0fff)
#define VLAN_CFI(tag) (((tag) >> 12) & 1)
#define VLAN_PCP(tag) (((tag) >> 13) & 7)
#define VLAN_TAG(vid, pcp, cfi)                                                \
	((uint16_t)((vid) | ((cfi) << 12) | ((pcp) << 13)))

/* A hook other than downstream and nomatch. */
struct ng_vlan_link {
	bool filtered; /* a filter names this hook */
	uint16_t tag;  /* VID, PCP and CFI it tags with */
};

struct ng_vlan_priv {
	struct ng_hook *downstream;
	struct ng_hook *nomatch;
	uint32_t decap;       /* untag frames for nomatch */
	uint32_t encap;       /* VLAN_ENCAP_* */
	uint16_t encap_proto; /* TPID written and recognised, host order */
	struct ng_hook *vid_hook[NG_VLAN_VID_MAX + 1];
};

static int
ng_vlan_constructor(struct ng_node *node)
{
	struct ng_vlan_priv *priv;

	priv = calloc(1, sizeof(*priv));
	if (priv == NULL)
		return ENOMEM;
	priv->encap = VLAN_ENCAP_FROM_FILTER;
	priv->encap_proto = NG_VLAN_ENCAP_PROTO_DEFAULT;
	node->priv = priv;
	return 0;
}

static int
ng_vlan_newhook(struct ng_node *node, struct ng_hook *hook, const char *name)
{
	struct ng_vlan_priv *priv = node->priv;

	if (strcmp(name, NG_VLAN_HOOK_DOWNSTREAM) == 0) {
		priv->downstream = hook;
	} else if (strcmp(name, NG_VLAN_HOOK_NOMATCH) == 0) {
		priv->nomatch = hook;
	} else {
		hook->priv = calloc(1, sizeof(struct ng_vlan_link));
		if (hook->priv == NULL)
			return ENOMEM;
	}
	return 0;
}

/* The tag moved the frame's start by delta bytes: keep offloads right. */
static void
ng_vlan_shift_offloads(struct ng_pkt *p, int delta)
{
	if (p->vh.flags & VIRTIO_NET_HDR_F_NEEDS_CSUM)
		p->vh.csum_start = (uint16_t)(p->vh.csum_start + delta);
	if (p->vh.gso_type != VIRTIO_NET_HDR_GSO_NONE && p->vh.hdr_len != 0)
		p->vh.hdr_len = (uint16_t)(p->vh.hdr_len + delta);
}

/* Take out the inline tag: the addresses move up over it. */
static int
ng_vlan_untag(struct ng_pkt **pkt)
{
	struct ng_pkt *p;
	int error;

	if ((error = ng_pkt_writable(pkt)) != 0)
		return error;
	p = *pkt;
	memmove(p->data + VLAN_ENCAP_LEN, p->data, ETHER_ADDRS_LEN);
	p->data += VLAN_ENCAP_LEN;
	p->len -= VLAN_ENCAP_LEN;
	ng_vlan_shift_offloads(p, -VLAN_ENCAP_LEN);
	return 0;
}

/* Put tag, with TPID proto, after the addresses, in the headroom. */
static int
ng_vlan_tag(struct ng_pkt **pkt, uint16_t proto, uint16_t tag)
{
	struct ng_pkt *p;
	uint8_t *end;
	int error;

	if ((error = ng_pkt_writable(pkt)) != 0)
		return error;
	p = *pkt;
	if (p->data - p->buf < VLAN_ENCAP_LEN) {
		/* No headroom left: shift the frame into the tailroom. */
		end = p->buf + sizeof(p->buf);
		if (end - (p->data + p->len) < VLAN_ENCAP_LEN)
			return EMSGSIZE;
		memmove(p->data + VLAN_ENCAP_LEN, p->data, p->len);
		p->data += VLAN_ENCAP_LEN;
	}
	p->data -= VLAN_ENCAP_LEN;
	p->len += VLAN_ENCAP_LEN;
	memmove(p->data, p->data + VLAN_ENCAP_LEN, ETHER_ADDRS_LEN);
	p->data[12] = (uint8_t)(proto >> 8);
	p->data[13] = (uint8_t)proto;
	p->data[14] = (uint8_t)(tag >> 8);
	p->data[15] = (uint8_t)tag;
	ng_vlan_shift_offloads(p, VLAN_ENCAP_LEN);
	return 0;
}

/* A frame from the trunk: to its VLAN's hook or to nomatch. */
static int
ng_vlan_from_downstream(struct ng_vlan_priv *priv, struct ng_pkt **pkt)
{
	struct ng_pkt *p = *pkt;
	struct ng_hook *dst = priv->nomatch;
	uint16_t type = (uint16_t)(p->data[12] << 8 | p->data[13]), tag;
	bool inline_tag;
	int error;

	if (!p->vlan_tagged && type != priv->encap_proto)
		goto send; /* untagged */
	inline_tag = !p->vlan_tagged;
	if (inline_tag) {
		if (p->len < VLAN_HDR_LEN) {
			ng_pkt_free(pkt);
			return EINVAL;
		}
		tag = (uint16_t)(p->data[14] << 8 | p->data[15]);
	} else {
		tag = p->vlan_tag;
	}
	if (priv->vid_hook[VLAN_VID(tag)] != NULL) {
		/* The VLAN's hook: always untagged. */
		dst = priv->vid_hook[VLAN_VID(tag)];
		if (!inline_tag) {
			if ((error = ng_pkt_writable(pkt)) != 0)
				return error;
			(*pkt)->vlan_tagged = false;
			(*pkt)->vlan_tag = 0;
			goto send;
		}
	} else if (dst == NULL || !inline_tag || priv->decap == 0) {
		goto send;
	}
	if ((error = ng_vlan_untag(pkt)) != 0)
		return error;
	if (dst == priv->nomatch) {
		/* Decapsulated for nomatch: the tag stays with the frame. */
		(*pkt)->vlan_tag = tag;
		(*pkt)->vlan_tagged = true;
	}
send:
	if (dst == NULL) {
		ng_pkt_free(pkt);
		return ENETDOWN;
	}
	return ng_send_data(dst, pkt); /* consumes *pkt */
}

static int
ng_vlan_rcvdata(struct ng_hook *hook, struct ng_pkt **pkt)
{
	struct ng_vlan_priv *priv = hook->node->priv;
	struct ng_vlan_link *link = hook->priv;
	bool out_of_band = false;
	uint16_t tag;
	int error;

	if ((*pkt)->len < ETHER_HDR_LEN) {
		ng_pkt_free(pkt);
		return EINVAL;
	}
	if (hook == priv->downstream)
		return ng_vlan_from_downstream(priv, pkt);
	if (priv->downstream == NULL) {
		ng_pkt_free(pkt);
		return ENETDOWN;
	}
	if (hook == priv->nomatch) {
		/* Unchanged, unless an out-of-band tag is to go inline. */
		if (!(priv->encap & VLAN_ENCAP_FROM_NOMATCH) ||
		    !(*pkt)->vlan_tagged)
			return ng_send_data(priv->downstream, pkt);
		tag = (*pkt)->vlan_tag;
		out_of_band = true;
	} else {
		if (link == NULL || !link->filtered) {
			ng_pkt_free(pkt);
			return EOPNOTSUPP; /* addfilter first */
		}
		tag = link->tag;
		if (!(priv->encap & VLAN_ENCAP_FROM_FILTER)) {
			/* Tagged out of band only. */
			if ((error = ng_pkt_writable(pkt)) != 0)
				return error;
			(*pkt)->vlan_tag = tag;
			(*pkt)->vlan_tagged = true;
			return ng_send_data(priv->downstream, pkt);
		}
	}
	if ((error = ng_vlan_tag(pkt, priv->encap_proto, tag)) != 0) {
		ng_pkt_free(pkt);
		return error;
	}
	if (out_of_band) {
		(*pkt)->vlan_tagged = false; /* the tag is inline now */
		(*pkt)->vlan_tag = 0;
	}
	return ng_send_data(priv->downstream, pkt); /* consumes *pkt */
}

/* addfilter: hook name, VID, PCP and CFI, checked as FreeBSD does. */
static int
ng_vlan_addfilter(struct ng_node *node, const struct ng_mesg *msg)
{
	struct ng_vlan_priv *priv = node->priv;
	struct ng_vlan_filter vf;
	struct ng_vlan_link *link;
	struct ng_hook *hook;

	if (msg->header.arglen != sizeof(vf))
		return EINVAL;
	memcpy(&vf, msg->data, sizeof(vf));
	vf.hook_name[sizeof(vf.hook_name) - 1] = '\0';
	/* "vlan" is the old name of "vid". */
	if (vf.vid == 0 && vf.vlan != 0)
		vf.vid = vf.vlan;
	else if (vf.vid != 0 && vf.vlan != 0 && vf.vid != vf.vlan)
		return EINVAL;
	if (vf.vid > NG_VLAN_VID_MAX || vf.pcp > 7 || vf.cfi > 1)
		return EINVAL;
	hook = ng_find_hook(node, vf.hook_name);
	if (hook == NULL)
		return ENOENT;
	if (hook == priv->downstream || hook == priv->nomatch)
		return EINVAL;
	link = hook->priv;
	if (link->filtered || priv->vid_hook[vf.vid] != NULL)
		return EEXIST;
	link->filtered = true;
	link->tag = VLAN_TAG(vf.vid, vf.pcp, vf.cfi);
	priv->vid_hook[vf.vid] = hook;
	return 0;
}

static void
ng_vlan_unfilter(struct ng_vlan_priv *priv, struct ng_hook *hook)
{
	struct ng_vlan_link *link = hook->priv;

	priv->vid_hook[VLAN_VID(link->tag)] = NULL;
	link->filtered = false;
	link->tag = 0;
}

static int
ng_vlan_gettable(struct ng_vlan_priv *priv, const struct ng_mesg *msg,
    struct ng_mesg **resp)
{
	struct ng_vlan_table *t;
	uint32_t n = 0;

	for (unsigned vid = 0; vid <= NG_VLAN_VID_MAX; vid++)
		if (priv->vid_hook[vid] != NULL)
			n++;
	*resp = ng_mkresponse(msg, sizeof(*t) + n * sizeof(t->filter[0]));
	if (*resp == NULL)
		return ENOMEM;
	t = (struct ng_vlan_table *)(*resp)->data;
	for (unsigned vid = 0; vid <= NG_VLAN_VID_MAX; vid++) {
		struct ng_hook *hook = priv->vid_hook[vid];
		struct ng_vlan_link *link;
		struct ng_vlan_filter *vf;

		if (hook == NULL)
			continue;
		link = hook->priv;
		vf = &t->filter[t->n++];
		memcpy(vf->hook_name, hook->name, sizeof(vf->hook_name));
		vf->vlan = vf->vid = (uint16_t)vid;
		vf->pcp = (uint8_t)VLAN_PCP(link->tag);
		vf->cfi = (uint8_t)VLAN_CFI(link->tag);
	}
	return 0;
}

/* A 32-bit reply. */
static int
ng_vlan_reply32(const struct ng_mesg *msg, uint32_t v, struct ng_mesg **resp)
{
	*resp = ng_mkresponse(msg, sizeof(v));
	if (*resp == NULL)
		return ENOMEM;
	memcpy((*resp)->data, &v, sizeof(v));
	return 0;
}

static int
ng_vlan_rcvmsg(struct ng_node *node, const struct ng_msgctx *ctx,
    struct ng_mesg *msg, struct ng_mesg **resp)
{
	struct ng_vlan_priv *priv = node->priv;
	uint32_t len = msg->header.arglen, v32;
	struct ng_hook *hook;
	uint16_t v16;

	if (msg->header.flags & NGF_RESP)
		return 0;
	if (msg->header.typecookie == NGM_FLOW_COOKIE) {
		/* Link state of the trunk concerns every VLAN. */
		if (ctx->lasthook == NULL || ctx->lasthook != priv->downstream)
			return 0;
		for (unsigned vid = 0; vid <= NG_VLAN_VID_MAX; vid++)
			if (priv->vid_hook[vid] != NULL)
				(void)ng_send_hook_msg(priv->vid_hook[vid],
				    msg);
		return 0;
	}
	if (msg->header.typecookie != NGM_VLAN_COOKIE)
		return EINVAL;
	switch (msg->header.cmd) {
	case NGM_VLAN_ADD_FILTER:
		return ng_vlan_addfilter(node, msg);
	case NGM_VLAN_DEL_FILTER: {
		char name[NG_HOOKSIZ];
		struct ng_vlan_link *link;

		if (len != NG_HOOKSIZ)
			return EINVAL;
		memcpy(name, msg->data, sizeof(name));
		name[sizeof(name) - 1] = '\0';
		hook = ng_find_hook(node, name);
		if (hook == NULL || (link = hook->priv) == NULL ||
		    hook == priv->downstream || hook == priv->nomatch ||
		    !link->filtered)
			return ENOENT;
		ng_vlan_unfilter(priv, hook);
		return 0;
	}
	case NGM_VLAN_GET_TABLE:
		return ng_vlan_gettable(priv, msg, resp);
	case NGM_VLAN_DEL_VID_FLT:
		if (len != sizeof(v16))
			return EINVAL;
		memcpy(&v16, msg->data, sizeof(v16));
		if (v16 > NG_VLAN_VID_MAX)
			return EINVAL;
		if (priv->vid_hook[v16] == NULL)
			return ENOENT;
		ng_vlan_unfilter(priv, priv->vid_hook[v16]);
		return 0;
	case NGM_VLAN_GET_DECAP:
		return ng_vlan_reply32(msg, priv->decap, resp);
	case NGM_VLAN_GET_ENCAP:
		return ng_vlan_reply32(msg, priv->encap, resp);
	case NGM_VLAN_SET_DECAP:
	case NGM_VLAN_SET_ENCAP:
		if (len != sizeof(v32))
			return EINVAL;
		memcpy(&v32, msg->data, sizeof(v32));
		if (msg->header.cmd == NGM_VLAN_SET_DECAP)
			priv->decap = v32;
		else
			priv->encap = v32;
		return 0;
	case NGM_VLAN_GET_ENCAP_PROTO:
		*resp = ng_mkresponse(msg, sizeof(v16));
		if (*resp == NULL)
			return ENOMEM;
		memcpy((*resp)->data, &priv->encap_proto, sizeof(v16));
		return 0;
	case NGM_VLAN_SET_ENCAP_PROTO:
		if (len != sizeof(v16))
			return EINVAL;
		memcpy(&priv->encap_proto, msg->data, sizeof(v16));
		return 0;
	}
	return EINVAL;
}

static int
ng_vlan_disconnect(struct ng_hook *hook)
{
	struct ng_node *node = hook->node;
	struct ng_vlan_priv *priv = node->priv;
	struct ng_vlan_link *link = hook->priv;

	if (hook == priv->downstream) {
		priv->downstream = NULL;
	} else if (hook == priv->nomatch) {
		priv->nomatch = NULL;
	} else if (link != NULL) {
		if (link->filtered)
			ng_vlan_unfilter(priv, hook);
		free(link);
	}
	hook->priv = NULL;
	if (node->numhooks == 0 && ng_node_valid(node))
		ng_rmnode(node);
	return 0;
}

static int
ng_vlan_shutdown(struct ng_node *node)
{
	free(node->priv);
	node->priv = NULL;
	return 0;
}

NG_PARSE_STRUCT(ng_vlan_filter, NG_VLAN_FILTER_FIELDS);
NG_PARSE_STRUCT(ng_vlan_table, NG_VLAN_TABLE_FIELDS);

#define V NGM_VLAN_COOKIE
/* Journal and takeover: encapsulation settings and every filter. */
static int
ng_vlan_save(struct ng_node *node, ng_save_fn *emit, void *arg)
{
	static const uint32_t getset[][2] = {
		{ NGM_VLAN_GET_DECAP, NGM_VLAN_SET_DECAP },
		{ NGM_VLAN_GET_ENCAP, NGM_VLAN_SET_ENCAP },
		{ NGM_VLAN_GET_ENCAP_PROTO, NGM_VLAN_SET_ENCAP_PROTO },
	};
	struct ng_vlan_priv *priv = node->priv;
	int error = 0;

	for (size_t i = 0; i < 3 && error == 0; i++)
		error = ng_save_getset(node, NGM_VLAN_COOKIE, getset[i][0],
		    getset[i][1], emit, arg);
	for (unsigned vid = 0; vid <= NG_VLAN_VID_MAX && error == 0; vid++) {
		struct ng_hook *hook = priv->vid_hook[vid];
		struct ng_vlan_link *link;
		struct ng_vlan_filter *vf;
		struct ng_mesg *m;

		if (hook == NULL)
			continue;
		link = hook->priv;
		m = ng_mkmsg(NGM_VLAN_COOKIE, NGM_VLAN_ADD_FILTER, sizeof(*vf));
		if (m == NULL)
			return ENOMEM;
		vf = (struct ng_vlan_filter *)m->data;
		memcpy(vf->hook_name, hook->name, sizeof(vf->hook_name));
		vf->vlan = vf->vid = (uint16_t)vid;
		vf->pcp = (uint8_t)VLAN_PCP(link->tag);
		vf->cfi = (uint8_t)VLAN_CFI(link->tag);
		error = emit(arg, node, m);
		free(m);
	}
	return error;
}

static const struct ng_cmdlist ng_vlan_cmds[] = {
	{ V, NGM_VLAN_ADD_FILTER, "addfilter", &ng_vlan_filter_parse_type,
	    NULL },
	{ V, NGM_VLAN_DEL_FILTER, "delfilter", NG_PT_fixstr(NG_HOOKSIZ), NULL },
	{ V, NGM_VLAN_GET_TABLE, "gettable", NULL, &ng_vlan_table_parse_type },
	{ V, NGM_VLAN_DEL_VID_FLT, "delvidflt", &ng_parse_uint16_type, NULL },
	{ V, NGM_VLAN_GET_DECAP, "getdecap", NULL, &ng_parse_hint32_type },
	{ V, NGM_VLAN_SET_DECAP, "setdecap", &ng_parse_hint32_type, NULL },
	{ V, NGM_VLAN_GET_ENCAP, "getencap", NULL, &ng_parse_hint32_type },
	{ V, NGM_VLAN_SET_ENCAP, "setencap", &ng_parse_hint32_type, NULL },
	{ V, NGM_VLAN_GET_ENCAP_PROTO, "getencapproto", NULL,
	    &ng_parse_hint16_type },
	{ V, NGM_VLAN_SET_ENCAP_PROTO, "setencapproto", &ng_parse_hint16_type,
	    NULL },
	{ 0, 0, NULL, NULL, NULL },
};
#undef V

const struct ng_type ng_vlan_type = {
	.name = NG_VLAN_NODE_TYPE,
	.cookie = NGM_VLAN_COOKIE,
	.constructor = ng_vlan_constructor,
	.rcvmsg = ng_vlan_rcvmsg,
	.shutdown = ng_vlan_shutdown,
	.newhook = ng_vlan_newhook,
	.rcvdata = ng_vlan_rcvdata,
	.disconnect = ng_vlan_disconnect,
	.cmdlist = ng_vlan_cmds,
	.save = ng_vlan_save,
};
