/*
 * ng_nat.c: the nat node (spec §9.11), IPv4 NAT between "in" (the outside:
 * what arrives is de-aliased and leaves by "out") and "out" (the inside:
 * what arrives is aliased and leaves by "in").  The translation is
 * ng_nat_alias.c's; this file frames packets (DLT_RAW or DLT_EN10MB),
 * finishes offloaded checksums first, and keeps the redirect list.
 * Messages: setaliasaddr, setmode, settarget, redirectport, redirectaddr,
 * redirectproto, redirectdynamic, redirectdelete, addserver,
 * listredirects, proxyrule, libaliasinfo, setdlt, getdlt.  Dies when
 * both hooks are gone.
 *
 * Costs: a frame is translated in place (a shared one is copied first);
 * a TCP super-frame from a TAP is cut into segments, each translated, as
 * the payload's checksum has to be whole before it can be updated.  A
 * once-a-second timer frees links that timed out while nothing flowed.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <netinet/in.h>

#include <netgraph/ng_nat.h>

#include "ng_core.h"
#include "ng_nat_alias.h"
#include "ng_parse.h"

#define NG_NAT_TICK_MS 1000
#define NG_NAT_GSO_UDP_L4 5 /* VIRTIO_NET_HDR_GSO_UDP_L4, newer headers */
#define ETHER_HDR_LEN 14

_Static_assert(NG_NAT_LOG == NG_ALIAS_LOG &&
	NG_NAT_DENY_INCOMING == NG_ALIAS_DENY_INCOMING &&
	NG_NAT_SAME_PORTS == NG_ALIAS_SAME_PORTS &&
	NG_NAT_UNREGISTERED_ONLY == NG_ALIAS_UNREGISTERED_ONLY &&
	NG_NAT_RESET_ON_ADDR_CHANGE == NG_ALIAS_RESET_ON_ADDR_CHANGE &&
	NG_NAT_PROXY_ONLY == NG_ALIAS_PROXY_ONLY &&
	NG_NAT_REVERSE == NG_ALIAS_REVERSE &&
	NG_NAT_UNREGISTERED_CGN == NG_ALIAS_UNREGISTERED_CGN &&
	NG_NAT_REDIRPROTO_ADDR == NG_ALIAS_LINK_ADDR,
    "the node's mode bits are the engine's");

/* One LSNAT server of a redirect (addserver), kept for the journal. */
struct ng_nat_server {
	struct in_addr addr;
	uint16_t port;
};

/* One redirect, as listredirects shows it. */
struct ng_nat_rdr {
	struct ng_nat_listrdrs_entry e;
	uint32_t cmd;                  /* the message that made it */
	struct ng_nat_server *servers; /* e.lsnat of them */
	struct ng_alias_link *link;
	struct ng_nat_rdr *next;
};

/* A proxy rule that was taken, kept for the journal, in order. */
struct ng_nat_proxy {
	struct ng_nat_proxy *next;
	char rule[];
};

struct ng_nat_priv {
	struct ng_alias *la;
	struct ng_hook *in, *out;
	bool addr_set, target_set;
	struct in_addr target; /* settarget's */
	struct ng_nat_proxy *proxies, **proxies_end;
	uint8_t dlt;
	uint32_t nextid, rdrcount;
	struct ng_nat_rdr *rdrs; /* in the order they were made */
	struct ng_timer timer;
	struct ng_alias_info logged; /* LOG: the counts last logged */
};

static void ng_nat_tick(struct ng_node *node, void *arg);

static int
ng_nat_constructor(struct ng_node *node)
{
	struct ng_nat_priv *priv = calloc(1, sizeof(*priv));

	if (priv == NULL)
		return ENOMEM;
	/* the seed of its port choices and of its links' hash key */
	priv->la = ng_alias_new(ng_random64(node->graph));
	if (priv->la == NULL) {
		free(priv);
		return ENOMEM;
	}
	priv->dlt = NG_NAT_DLT_RAW;
	priv->nextid = 1;
	priv->proxies_end = &priv->proxies;
	node->priv = priv;
	ng_timer_start(node->graph, &priv->timer, NG_NAT_TICK_MS, ng_nat_tick,
	    node, NULL);
	return 0;
}

static int
ng_nat_newhook(struct ng_node *node, struct ng_hook *hook, const char *name)
{
	struct ng_nat_priv *priv = node->priv;

	if (strcmp(name, NG_NAT_HOOK_IN) == 0)
		priv->in = hook;
	else if (strcmp(name, NG_NAT_HOOK_OUT) == 0)
		priv->out = hook;
	else
		return EINVAL;
	return 0;
}

/* Free what timed out; with LOG on, say how many links there are. */
static void
ng_nat_tick(struct ng_node *node, void *arg)
{
	struct ng_nat_priv *priv = node->priv;
	struct ng_alias_info i;

	(void)arg;
	if (priv == NULL || !ng_node_valid(node))
		return;
	ng_alias_expire(priv->la, ng_now_ms(node->graph));
	ng_alias_get_info(priv->la, &i);
	if ((ng_alias_get_mode(priv->la) & NG_ALIAS_LOG) &&
	    memcmp(&i, &priv->logged, sizeof(i)) != 0) {
		ng_log(node->graph, LOG_INFO,
		    "ng_nat: [%x]: links icmp %u udp %u tcp %u proto %u "
		    "fragment %u, %llu evicted",
		    node->id, i.icmp, i.udp, i.tcp, i.proto, i.fragment_id,
		    (unsigned long long)i.evicted);
		priv->logged = i;
	}
	ng_timer_start(node->graph, &priv->timer, NG_NAT_TICK_MS, ng_nat_tick,
	    node, NULL);
}

/* An IPv4 packet in the node's framing (else it passes as it is). */
static bool
ng_nat_ipv4(const struct ng_nat_priv *priv, const struct ng_pkt *p)
{
	size_t l2 = priv->dlt == NG_NAT_DLT_EN10MB ? ETHER_HDR_LEN : 0;

	if (p->len < l2 + 20)
		return false;
	if (l2 != 0 && (p->data[12] != 0x08 || p->data[13] != 0x00))
		return false;
	return (p->data[l2] >> 4) == 4;
}

/*
 * Translate one frame and send it on: its checksums whole, or (partial)
 * the transport one left for the receiver of a TAP's frame to finish.
 * Consumes *pkt.  What is not IPv4 passes; an IPv4 packet shorter than
 * its IP length is dropped (EINVAL): it would leave untranslated, a
 * jail's private source address on the wire and an unasked-for one past
 * DENY_INCOMING (FreeBSD's ng_nat asserts the two lengths agree).
 */
static int
ng_nat_one(struct ng_hook *hook, struct ng_pkt **pkt, bool partial)
{
	struct ng_nat_priv *priv = hook->node->priv;
	struct ng_hook *to = hook == priv->in ? priv->out : priv->in;
	size_t l2 = priv->dlt == NG_NAT_DLT_EN10MB ? ETHER_HDR_LEN : 0;
	enum ng_alias_result r;
	uint64_t now = ng_now_ms(hook->node->graph);
	struct ng_pkt *p = *pkt;
	uint8_t *ip;
	int error;

	if (!ng_nat_ipv4(priv, p))
		goto send;
	ip = p->data + l2;
	if ((size_t)(ip[2] << 8 | ip[3]) > p->len - l2) {
		ng_pkt_free(pkt); /* shorter than its IP length */
		return EINVAL;
	}
	if ((error = ng_pkt_writable(pkt)) != 0)
		return error;
	p = *pkt;
	ip = p->data + l2;
	if (partial) {
		r = ng_alias_partial(priv->la, hook == priv->in, ip,
		    p->len - l2, now);
		if (r == NG_ALIAS_ERROR ||
		    (hook == priv->in && r == NG_ALIAS_IGNORED &&
			(ng_alias_get_mode(priv->la) &
			    NG_ALIAS_DENY_INCOMING))) {
			ng_pkt_free(pkt);
			return EINVAL;
		}
	} else if (hook == priv->in) {
		r = ng_alias_in(priv->la, ip, p->len - l2, now);
		if (r == NG_ALIAS_ERROR || r == NG_ALIAS_UNRESOLVED_FRAGMENT ||
		    (r == NG_ALIAS_IGNORED &&
			(ng_alias_get_mode(priv->la) &
			    NG_ALIAS_DENY_INCOMING))) {
			ng_pkt_free(pkt);
			return EINVAL;
		}
	} else {
		r = ng_alias_out(priv->la, ip, p->len - l2, now);
		if (r == NG_ALIAS_ERROR) {
			ng_pkt_free(pkt);
			return EINVAL;
		}
	}
send:
	return ng_send_data(to, pkt); /* consumes *pkt */
}

/*
 * A TAP's TCP or UDP frame (or super-frame) whose checksum is left
 * partial right after a bare IPv4 header: translated as it is, headers
 * only, and it stays a super-frame.  Anything else with offloads is cut
 * or finished first.
 */
static bool
ng_nat_partial(const struct ng_nat_priv *priv, const struct ng_pkt *p)
{
	size_t l2 = priv->dlt == NG_NAT_DLT_EN10MB ? ETHER_HDR_LEN : 0;
	uint8_t gso = p->vh.gso_type & ~VIRTIO_NET_HDR_GSO_ECN;
	const uint8_t *ip = p->data + l2;
	size_t hl;

	if (!(p->vh.flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) ||
	    !ng_nat_ipv4(priv, p))
		return false;
	hl = (size_t)(ip[0] & 0x0f) * 4;
	if (p->vh.csum_start != l2 + hl || (ip[6] & 0x3f) != 0 || ip[7] != 0)
		return false;
	if (ip[9] == IPPROTO_TCP)
		return p->vh.csum_offset == 16 &&
		    (gso == VIRTIO_NET_HDR_GSO_NONE ||
			gso == VIRTIO_NET_HDR_GSO_TCPV4);
	if (ip[9] == IPPROTO_UDP)
		return p->vh.csum_offset == 6 &&
		    (gso == VIRTIO_NET_HDR_GSO_NONE ||
			gso == NG_NAT_GSO_UDP_L4);
	return false;
}

struct ng_nat_seg {
	struct ng_hook *hook;
	int error;
};

/*
 * One segment of a super-frame.  The send of the one before may have
 * shut the node down or taken the hook it came in on (ng_send_data):
 * the rest are dropped, not translated the wrong way or by a node that
 * is gone.
 */
static void
ng_nat_seg(void *arg, struct ng_pkt **seg)
{
	struct ng_nat_seg *s = arg;
	struct ng_node *node = s->hook->node;
	int error;

	if (!ng_node_valid(node) || node->priv == NULL ||
	    !(s->hook->flags & NG_HOOK_VALID)) {
		ng_pkt_free(seg);
		s->error = ENXIO;
		return;
	}
	error = ng_nat_one(s->hook, seg, false);
	if (error != 0)
		s->error = error;
}

static int
ng_nat_rcvdata(struct ng_hook *hook, struct ng_pkt **pkt)
{
	struct ng_node *node = hook->node;
	struct ng_nat_priv *priv = node->priv;
	struct ng_nat_seg s = { .hook = hook, .error = 0 };
	size_t l2 = priv->dlt == NG_NAT_DLT_EN10MB ? ETHER_HDR_LEN : 0;
	int error;

	if (priv->in == NULL || priv->out == NULL) {
		ng_pkt_free(pkt);
		return ENXIO;
	}
	if (!priv->addr_set || !ng_nat_ipv4(priv, *pkt))
		return ng_send_data(hook == priv->in ? priv->out : priv->in,
		    pkt); /* consumes *pkt, offloads and all */
	if (ng_nat_partial(priv, *pkt))
		return ng_nat_one(hook, pkt, true);
	if ((*pkt)->vh.gso_type != VIRTIO_NET_HDR_GSO_NONE) {
		/* The checksums must be whole before they can be updated.
		 * A segment's send may shut the node down: held till the
		 * last. */
		ng_node_ref(node);
		error = ng_pkt_segment(pkt, l2, ng_nat_seg, &s); /* consumes */
		ng_node_unref(node);
		return error != 0 ? error : s.error;
	}
	if ((*pkt)->vh.flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) {
		if ((error = ng_pkt_writable(pkt)) != 0)
			return error;
		if ((error = ng_pkt_csum_finish(*pkt)) != 0) {
			ng_pkt_free(pkt);
			return error;
		}
	}
	return ng_nat_one(hook, pkt, false);
}

/* --- messages ----------------------------------------------------------- */

static struct ng_nat_rdr *
ng_nat_find_rdr(struct ng_nat_priv *priv, uint32_t id,
    struct ng_nat_rdr ***prevp)
{
	struct ng_nat_rdr **pp;

	for (pp = &priv->rdrs; *pp != NULL; pp = &(*pp)->next)
		if ((*pp)->e.id == id) {
			if (prevp != NULL)
				*prevp = pp;
			return *pp;
		}
	return NULL;
}

/* A redirect the engine made: listed, its id the reply. */
static int
ng_nat_add_rdr(struct ng_nat_priv *priv, const struct ng_mesg *msg,
    struct ng_alias_link *link, struct ng_nat_listrdrs_entry *e,
    struct ng_mesg **resp)
{
	struct ng_nat_rdr *r, **pp;

	if (link == NULL)
		return ENOMEM;
	if ((r = calloc(1, sizeof(*r))) == NULL ||
	    (*resp = ng_mkresponse(msg, sizeof(uint32_t))) == NULL) {
		free(r);
		ng_alias_redirect_delete(priv->la, link);
		return ENOMEM;
	}
	e->description[NG_NAT_DESC_LENGTH - 1] = '\0';
	e->id = priv->nextid++;
	r->e = *e;
	r->cmd = msg->header.cmd;
	r->link = link;
	for (pp = &priv->rdrs; *pp != NULL; pp = &(*pp)->next)
		;
	*pp = r;
	priv->rdrcount++;
	memcpy((*resp)->data, &e->id, sizeof(e->id));
	return 0;
}

static int
ng_nat_redirect(struct ng_nat_priv *priv, const struct ng_mesg *msg,
    struct ng_mesg **resp)
{
	struct ng_nat_listrdrs_entry e;
	struct ng_alias_link *link;

	memset(&e, 0, sizeof(e));
	switch (msg->header.cmd) {
	case NGM_NAT_REDIRECT_PORT: {
		struct ng_nat_redirect_port a;

		if (msg->header.arglen < sizeof(a))
			return EINVAL;
		memcpy(&a, msg->data, sizeof(a));
		link = ng_alias_redirect_port(priv->la, a.local_addr,
		    htons(a.local_port), a.remote_addr, htons(a.remote_port),
		    a.alias_addr, htons(a.alias_port), a.proto);
		e.local_addr = a.local_addr;
		e.alias_addr = a.alias_addr;
		e.remote_addr = a.remote_addr;
		e.local_port = a.local_port;
		e.alias_port = a.alias_port;
		e.remote_port = a.remote_port;
		e.proto = a.proto;
		memcpy(e.description, a.description, sizeof(e.description));
		break;
	}
	case NGM_NAT_REDIRECT_ADDR: {
		struct ng_nat_redirect_addr a;

		if (msg->header.arglen < sizeof(a))
			return EINVAL;
		memcpy(&a, msg->data, sizeof(a));
		link = ng_alias_redirect_addr(priv->la, a.local_addr,
		    a.alias_addr);
		e.local_addr = a.local_addr;
		e.alias_addr = a.alias_addr;
		e.proto = NG_NAT_REDIRPROTO_ADDR;
		memcpy(e.description, a.description, sizeof(e.description));
		break;
	}
	default: {
		struct ng_nat_redirect_proto a;

		if (msg->header.arglen < sizeof(a))
			return EINVAL;
		memcpy(&a, msg->data, sizeof(a));
		link = ng_alias_redirect_proto(priv->la, a.local_addr,
		    a.remote_addr, a.alias_addr, a.proto);
		e.local_addr = a.local_addr;
		e.alias_addr = a.alias_addr;
		e.remote_addr = a.remote_addr;
		e.proto = a.proto;
		memcpy(e.description, a.description, sizeof(e.description));
		break;
	}
	}
	return ng_nat_add_rdr(priv, msg, link, &e, resp);
}

/* redirectdynamic, redirectdelete: the redirect leaves the list. */
static int
ng_nat_unredirect(struct ng_node *node, const struct ng_mesg *msg)
{
	struct ng_nat_priv *priv = node->priv;
	struct ng_nat_rdr *r, **pp;
	uint32_t id;

	if (msg->header.arglen < sizeof(id))
		return EINVAL;
	memcpy(&id, msg->data, sizeof(id));
	if ((r = ng_nat_find_rdr(priv, id, &pp)) == NULL)
		return ENOENT;
	if (msg->header.cmd == NGM_NAT_REDIRECT_DYNAMIC) {
		if (ng_alias_redirect_dynamic(priv->la, r->link,
			ng_now_ms(node->graph)) != 0)
			return ENOTTY; /* FreeBSD's choice */
	} else {
		ng_alias_redirect_delete(priv->la, r->link);
	}
	*pp = r->next;
	priv->rdrcount--;
	free(r->servers);
	free(r);
	return 0;
}

static int
ng_nat_listredirects(struct ng_nat_priv *priv, const struct ng_mesg *msg,
    struct ng_mesg **resp)
{
	struct ng_nat_list_redirects *l;
	uint32_t i = 0;

	*resp = ng_mkresponse(msg,
	    sizeof(*l) + priv->rdrcount * sizeof(l->redirects[0]));
	if (*resp == NULL)
		return ENOMEM;
	l = (struct ng_nat_list_redirects *)(*resp)->data;
	l->total_count = priv->rdrcount;
	for (struct ng_nat_rdr *r = priv->rdrs; r != NULL; r = r->next)
		memcpy(&l->redirects[i++], &r->e, sizeof(r->e));
	return 0;
}

/* A proxy rule taken (a "delete N" too), to be replayed in order. */
static int
ng_nat_keep_proxy(struct ng_nat_priv *priv, const char *rule)
{
	size_t n = strlen(rule) + 1;
	struct ng_nat_proxy *p = malloc(sizeof(*p) + n);

	if (p == NULL)
		return 0; /* taken, only not journaled */
	memcpy(p->rule, rule, n);
	p->next = NULL;
	*priv->proxies_end = p;
	priv->proxies_end = &p->next;
	return 0;
}

static int
ng_nat_rcvmsg(struct ng_node *node, const struct ng_msgctx *ctx,
    struct ng_mesg *msg, struct ng_mesg **resp)
{
	struct ng_nat_priv *priv = node->priv;
	uint32_t len = msg->header.arglen;
	struct in_addr a;

	if (msg->header.flags & NGF_RESP)
		return 0;
	if (msg->header.typecookie != NGM_NAT_COOKIE)
		return EINVAL;
	switch (msg->header.cmd) {
	case NGM_NAT_SET_IPADDR:
	case NGM_NAT_SET_TARGET:
		if (len < sizeof(a))
			return EINVAL;
		memcpy(&a, msg->data, sizeof(a));
		if (msg->header.cmd == NGM_NAT_SET_TARGET) {
			ng_alias_set_target(priv->la, a);
			priv->target = a;
			priv->target_set = true;
		} else {
			ng_alias_set_addr(priv->la, a);
			priv->addr_set = true;
		}
		return 0;
	case NGM_NAT_SET_MODE: {
		struct ng_nat_mode m;

		if (len < sizeof(m))
			return EINVAL;
		memcpy(&m, msg->data, sizeof(m));
		ng_alias_set_mode(priv->la, m.flags, m.mask);
		return 0;
	}
	case NGM_NAT_REDIRECT_PORT:
	case NGM_NAT_REDIRECT_ADDR:
	case NGM_NAT_REDIRECT_PROTO:
		return ng_nat_redirect(priv, msg, resp);
	case NGM_NAT_REDIRECT_DYNAMIC:
	case NGM_NAT_REDIRECT_DELETE:
		return ng_nat_unredirect(node, msg);
	case NGM_NAT_ADD_SERVER: {
		struct ng_nat_add_server as;
		struct ng_nat_server *sv;
		struct ng_nat_rdr *r;
		int error;

		if (len < sizeof(as))
			return EINVAL;
		memcpy(&as, msg->data, sizeof(as));
		if ((r = ng_nat_find_rdr(priv, as.id, NULL)) == NULL)
			return ENOENT;
		sv = realloc(r->servers, (r->e.lsnat + 1u) * sizeof(*sv));
		if (sv == NULL)
			return ENOMEM;
		r->servers = sv;
		error = ng_alias_add_server(priv->la, r->link, as.addr,
		    htons(as.port));
		if (error == 0) {
			sv[r->e.lsnat].addr = as.addr;
			sv[r->e.lsnat].port = as.port;
			r->e.lsnat++;
		}
		return error;
	}
	case NGM_NAT_SET_NEXTID: {
		uint32_t id;

		if (len < sizeof(id))
			return EINVAL;
		memcpy(&id, msg->data, sizeof(id));
		if (id < priv->nextid)
			return EINVAL; /* ids are never given twice */
		priv->nextid = id;
		return 0;
	}
	case NGM_NAT_LIST_REDIRECTS:
		return ng_nat_listredirects(priv, msg, resp);
	case NGM_NAT_PROXY_RULE: {
		char rule[256];
		int error;

		if (len < 6)
			return EINVAL;
		if (len >= sizeof(rule))
			return ENOMEM; /* FreeBSD's answer to any bad rule */
		memcpy(rule, msg->data, len);
		rule[len] = '\0';
		error = ng_alias_proxy_rule(priv->la, rule);
		if (error == 0)
			error = ng_nat_keep_proxy(priv, rule);
		/* The encode types FreeBSD has and we lack say so. */
		return error == 0 || error == EOPNOTSUPP ? error : ENOMEM;
	}
	case NGM_NAT_LIBALIAS_INFO: {
		struct ng_nat_libalias_info info;
		struct ng_alias_info i;

		ng_alias_get_info(priv->la, &i);
		memset(&info, 0, sizeof(info));
		info.icmpLinkCount = i.icmp;
		info.udpLinkCount = i.udp;
		info.tcpLinkCount = i.tcp;
		info.protoLinkCount = i.proto;
		info.fragmentIdLinkCount = i.fragment_id;
		if ((*resp = ng_mkresponse(msg, sizeof(info))) == NULL)
			return ENOMEM;
		memcpy((*resp)->data, &info, sizeof(info));
		return 0;
	}
	case NGM_NAT_SET_DLT:
		if (len < 1)
			return EINVAL;
		if (msg->data[0] != NG_NAT_DLT_EN10MB &&
		    msg->data[0] != NG_NAT_DLT_RAW)
			return EINVAL;
		priv->dlt = (uint8_t)msg->data[0];
		return 0;
	case NGM_NAT_GET_DLT:
		if ((*resp = ng_mkresponse(msg, 1)) == NULL)
			return ENOMEM;
		(*resp)->data[0] = (char)priv->dlt;
		return 0;
	}
	return EINVAL;
}

static int
ng_nat_disconnect(struct ng_hook *hook)
{
	struct ng_node *node = hook->node;
	struct ng_nat_priv *priv = node->priv;

	if (hook == priv->in)
		priv->in = NULL;
	if (hook == priv->out)
		priv->out = NULL;
	if (priv->in == NULL && priv->out == NULL && ng_node_valid(node))
		ng_rmnode(node);
	return 0;
}

static int
ng_nat_shutdown(struct ng_node *node)
{
	struct ng_nat_priv *priv = node->priv;

	ng_timer_stop(node->graph, &priv->timer);
	while (priv->rdrs != NULL) {
		struct ng_nat_rdr *r = priv->rdrs;

		priv->rdrs = r->next;
		free(r->servers);
		free(r);
	}
	while (priv->proxies != NULL) {
		struct ng_nat_proxy *p = priv->proxies;

		priv->proxies = p->next;
		free(p);
	}
	ng_alias_free(priv->la);
	free(priv);
	node->priv = NULL;
	return 0;
}

NG_PARSE_STRUCT(ng_nat_mode, NG_NAT_MODE_FIELDS);
NG_PARSE_STRUCT(ng_nat_redirect_port, NG_NAT_REDIRECT_PORT_FIELDS);
NG_PARSE_STRUCT(ng_nat_redirect_addr, NG_NAT_REDIRECT_ADDR_FIELDS);
NG_PARSE_STRUCT(ng_nat_redirect_proto, NG_NAT_REDIRECT_PROTO_FIELDS);
NG_PARSE_STRUCT(ng_nat_add_server, NG_NAT_ADD_SERVER_FIELDS);
NG_PARSE_STRUCT(ng_nat_listrdrs_entry, NG_NAT_LISTRDRS_ENTRY_FIELDS);
NG_PARSE_STRUCT(ng_nat_list_redirects, NG_NAT_LIST_REDIRECTS_FIELDS);
NG_PARSE_STRUCT(ng_nat_libalias_info, NG_NAT_LIBALIAS_INFO_FIELDS);

/* One message of the node's settings, for ng_nat_save. */
static int
ng_nat_emit(struct ng_node *node, uint32_t cmd, const void *arg, size_t len,
    ng_save_fn *emit, void *earg)
{
	struct ng_mesg *m = ng_mkmsg(NGM_NAT_COOKIE, cmd, len);
	int error;

	if (m == NULL)
		return ENOMEM;
	memcpy(m->data, arg, len);
	error = emit(earg, node, m);
	free(m);
	return error;
}

/* A redirect as the message that made it, then its LSNAT servers. */
static int
ng_nat_save_rdr(struct ng_node *node, const struct ng_nat_rdr *r,
    ng_save_fn *emit, void *arg)
{
	const struct ng_nat_listrdrs_entry *e = &r->e;
	int error;

	switch (r->cmd) {
	case NGM_NAT_REDIRECT_PORT: {
		struct ng_nat_redirect_port a = { .local_addr = e->local_addr,
			.alias_addr = e->alias_addr,
			.remote_addr = e->remote_addr,
			.local_port = e->local_port,
			.alias_port = e->alias_port,
			.remote_port = e->remote_port,
			.proto = (uint8_t)e->proto };

		memcpy(a.description, e->description, sizeof(a.description));
		error = ng_nat_emit(node, r->cmd, &a, sizeof(a), emit, arg);
		break;
	}
	case NGM_NAT_REDIRECT_ADDR: {
		struct ng_nat_redirect_addr a = { .local_addr = e->local_addr,
			.alias_addr = e->alias_addr };

		memcpy(a.description, e->description, sizeof(a.description));
		error = ng_nat_emit(node, r->cmd, &a, sizeof(a), emit, arg);
		break;
	}
	default: {
		struct ng_nat_redirect_proto a = { .local_addr = e->local_addr,
			.alias_addr = e->alias_addr,
			.remote_addr = e->remote_addr,
			.proto = (uint8_t)e->proto };

		memcpy(a.description, e->description, sizeof(a.description));
		error = ng_nat_emit(node, r->cmd, &a, sizeof(a), emit, arg);
		break;
	}
	}
	for (uint16_t i = 0; error == 0 && i < e->lsnat; i++) {
		struct ng_nat_add_server as = { .id = e->id,
			.addr = r->servers[i].addr,
			.port = r->servers[i].port };

		error = ng_nat_emit(node, NGM_NAT_ADD_SERVER, &as, sizeof(as),
		    emit, arg);
	}
	return error;
}

/*
 * Journal and takeover: alias address, target, mode, framing, the
 * redirects with their ids (setnextid where ids were skipped), their
 * LSNAT servers, the proxy rules in the order they were given.  Not the
 * translation links themselves: flows in progress start anew.
 */
static int
ng_nat_save(struct ng_node *node, ng_save_fn *emit, void *arg)
{
	struct ng_nat_priv *priv = node->priv;
	struct ng_nat_mode m = { .flags = ng_alias_get_mode(priv->la),
		.mask = ~0u };
	struct in_addr a;
	uint32_t next = 1;
	int error = 0;

	if (priv->addr_set) {
		a = ng_alias_get_addr(priv->la);
		error = ng_nat_emit(node, NGM_NAT_SET_IPADDR, &a, sizeof(a),
		    emit, arg);
	}
	if (error == 0 && priv->target_set)
		error = ng_nat_emit(node, NGM_NAT_SET_TARGET, &priv->target,
		    sizeof(priv->target), emit, arg);
	if (error == 0 && m.flags != NG_NAT_SAME_PORTS)
		error = ng_nat_emit(node, NGM_NAT_SET_MODE, &m, sizeof(m), emit,
		    arg);
	if (error == 0 && priv->dlt != NG_NAT_DLT_RAW)
		error = ng_nat_emit(node, NGM_NAT_SET_DLT, &priv->dlt, 1, emit,
		    arg);
	for (const struct ng_nat_rdr *r = priv->rdrs; error == 0 && r != NULL;
	     r = r->next) {
		if (r->e.id != next)
			error = ng_nat_emit(node, NGM_NAT_SET_NEXTID, &r->e.id,
			    sizeof(r->e.id), emit, arg);
		if (error == 0)
			error = ng_nat_save_rdr(node, r, emit, arg);
		next = r->e.id + 1;
	}
	if (error == 0 && priv->nextid != next)
		error = ng_nat_emit(node, NGM_NAT_SET_NEXTID, &priv->nextid,
		    sizeof(priv->nextid), emit, arg);
	for (const struct ng_nat_proxy *p = priv->proxies;
	     error == 0 && p != NULL; p = p->next)
		error = ng_nat_emit(node, NGM_NAT_PROXY_RULE, p->rule,
		    strlen(p->rule), emit, arg);
	return error;
}

#define C NGM_NAT_COOKIE
static const struct ng_cmdlist ng_nat_cmds[] = {
	{ C, NGM_NAT_SET_IPADDR, "setaliasaddr", &ng_parse_ipaddr_type, NULL },
	{ C, NGM_NAT_SET_MODE, "setmode", &ng_nat_mode_parse_type, NULL },
	{ C, NGM_NAT_SET_TARGET, "settarget", &ng_parse_ipaddr_type, NULL },
	{ C, NGM_NAT_REDIRECT_PORT, "redirectport",
	    &ng_nat_redirect_port_parse_type, &ng_parse_uint32_type },
	{ C, NGM_NAT_REDIRECT_ADDR, "redirectaddr",
	    &ng_nat_redirect_addr_parse_type, &ng_parse_uint32_type },
	{ C, NGM_NAT_REDIRECT_PROTO, "redirectproto",
	    &ng_nat_redirect_proto_parse_type, &ng_parse_uint32_type },
	{ C, NGM_NAT_REDIRECT_DYNAMIC, "redirectdynamic", &ng_parse_uint32_type,
	    NULL },
	{ C, NGM_NAT_REDIRECT_DELETE, "redirectdelete", &ng_parse_uint32_type,
	    NULL },
	{ C, NGM_NAT_ADD_SERVER, "addserver", &ng_nat_add_server_parse_type,
	    NULL },
	{ C, NGM_NAT_LIST_REDIRECTS, "listredirects", NULL,
	    &ng_nat_list_redirects_parse_type },
	{ C, NGM_NAT_PROXY_RULE, "proxyrule", &ng_parse_string_type, NULL },
	{ C, NGM_NAT_LIBALIAS_INFO, "libaliasinfo", NULL,
	    &ng_nat_libalias_info_parse_type },
	{ C, NGM_NAT_SET_DLT, "setdlt", &ng_parse_uint8_type, NULL },
	{ C, NGM_NAT_GET_DLT, "getdlt", NULL, &ng_parse_uint8_type },
	{ C, NGM_NAT_SET_NEXTID, "setnextid", &ng_parse_uint32_type, NULL },
	{ 0, 0, NULL, NULL, NULL },
};
#undef C

const struct ng_type ng_nat_type = {
	.name = NG_NAT_NODE_TYPE,
	.cookie = NGM_NAT_COOKIE,
	.constructor = ng_nat_constructor,
	.rcvmsg = ng_nat_rcvmsg,
	.shutdown = ng_nat_shutdown,
	.newhook = ng_nat_newhook,
	.rcvdata = ng_nat_rcvdata,
	.disconnect = ng_nat_disconnect,
	.cmdlist = ng_nat_cmds,
	.save = ng_nat_save,
};
