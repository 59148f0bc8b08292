/*
 * fastpath_vlan.c: vlan nodes tagging in the kernel (DESIGN decision 11;
 * README "The kernel fast path").  A vlan node whose downstream hook
 * leads to a port of the data plane (the trunk: an eiface's ether hook,
 * or an ether node's hook through its uplink, fastpath_ether.c) is
 * mirrored into the maps of ng_fast.bpf.c (ng_fast_vlports,
 * ng_fast_vlvids): each of its filters whose hook leads to such a port
 * becomes a VID -> port entry, so that the trunk's frames tagged with
 * that VID lose the tag and go to that eiface in the kernel; with the
 * filter's encapsulation inline (setencap bit 1) and a TPID the kernel
 * can push (0x8100, 0x88a8), the eiface's frames get the filter's tag
 * and go to the trunk in the kernel.  Everything else (untagged frames, another TPID, a VID without
 * such a hook, nomatch, a captured hook) stays on the userspace path,
 * where the node decides as before.  The node stays the authority: its
 * settings and table are read with its own messages (getencap,
 * getencapproto, gettable) at every sync, which runs after every
 * client's message, before the reply, so addfilter, delfilter,
 * delvidflt, setencap and setencapproto take effect at once.  Counters:
 * the ports' own (ng_fast_pstats) for what they sent, ng_fast_vlstats for
 * what the trunk sent each filter's port, added to the hooks' counters
 * as the node would have counted them (fastpath.c folds).
 *
 * A vlan node whose downstream leads to a bridge is the trunk too, as
 * a port of that bridge with no device (a vport, ng_fast_bpf.h), when it
 * decides every frame the bridge sends it in the kernel
 * (ngd_vl_complete): ngd_fast_vl_vports lists it for
 * fastpath_bridge.c, and if the bridge switches in the kernel, its
 * entries are written here keyed by the vport as they would be by a
 * trunk's port.
 *
 * A filter hook of a vlan node with a trunk port that leads to a bridge
 * is a port of that bridge with no device too (an fvport, key
 * NG_FAST_BPF_FVPORT_KEY: ngd_fast_vl_fvports lists it for
 * fastpath_bridge.c), when the node tags its filters' frames inline
 * (setencap's filter bit) with a TPID the kernel can push; if the bridge
 * switches in the kernel, its ng_fast_vlfports entry says where its
 * frames go, and its VID's entry in ng_fast_vlvids is 0, as for a filter
 * whose frames ngd takes (an older program does so).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <arpa/inet.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "ngd.h"
#include "fastpath.h"
#include "netgraph/ng_eiface.h"
#include "netgraph/ng_vlan.h"
#include "../bpf/ng_fast_bpf.h"
#include "ng_fast.skel.h"

/* The key of a trunk's nomatch port among the VIDs (counters only). */
#define NGD_VL_NOMATCH 0x10000

/* One graph-side end's entry in ng_fast_vlports, as written. */
struct ngd_vl_port {
	uint32_t gidx;
	struct ng_fast_bpf_vlport vp;
};

/* One entry of ng_fast_vlvids, as written, and what its port's
 * ng_fast_vlstats had when last added to the hook's counters. */
struct ngd_vl_vid {
	struct ng_fast_bpf_vid key;
	uint32_t gidx;         /* the filter hook's eiface's end */
	ng_id_t eiface;        /* that eiface */
	char hook[NG_HOOKSIZ]; /* the vlan node's hook to it */
	struct ng_fast_bpf_vlstats seen;
	bool fv;   /* gidx is an fvport's key (its ng_fast_vlvids entry 0) */
	bool down; /* gidx's interface is down (NG_FAST_BPF_VL_DOWN) */
};

/* A filter listed as an fvport (ngd_fast_vl_fvports), one allocation
 * each: a kernel bridge's member names its hook by this hook[]. */
struct ngd_vl_fv {
	uint32_t key;
	ng_id_t vlan;
	char hook[NG_HOOKSIZ];
	bool keep; /* listed at this sync */
};

/* An ng_fast_vlfports entry, as written. */
struct ngd_vl_fvw {
	uint32_t key;
	struct ng_fast_bpf_vlfport e;
};

/* A vlan node whose downstream is a kernel bridge's port (a vport). */
struct ngd_vl_vport {
	ng_id_t vlan;
	uint32_t key; /* NG_FAST_BPF_VPORT | its node ID (the next ngd's too) */
	bool keep;    /* ngd_fast_vl_vports' scratch */
};

struct ngd_fast_vl {
	int vlports_fd, vlvids_fd, vlstats_fd;
	int ncpu;
	struct ng_graph *g;        /* once a port was seen */
	struct ngd_vl_port *ports; /* by gidx */
	unsigned nports;
	struct ngd_vl_vid *vids; /* by vlan, vid */
	unsigned nvids;
	bool swept; /* entries no sync wrote (the last ngd's) removed */
	struct ngd_vl_vport *vports; /* vlan nodes on kernel bridges */
	unsigned nvports;
	int vlfports_fd;
	struct ngd_vl_fv **fvs; /* filters listed for kernel bridges */
	unsigned nfvs;
	struct ngd_vl_fvw *fvw; /* written, by key */
	unsigned nfvw;
};

int
ngd_fast_vl_new(const struct ng_fast_bpf *skel, bool adopting,
    struct ngd_fast_vl **vlp)
{
	struct ngd_fast_vl *vl;

	*vlp = NULL;
	if ((vl = calloc(1, sizeof(*vl))) == NULL)
		return ENOMEM;
	vl->vlports_fd = bpf_map__fd(skel->maps.ng_fast_vlports);
	vl->vlvids_fd = bpf_map__fd(skel->maps.ng_fast_vlvids);
	vl->vlstats_fd = bpf_map__fd(skel->maps.ng_fast_vlstats);
	vl->vlfports_fd = bpf_map__fd(skel->maps.ng_fast_vlfports);
	vl->ncpu = libbpf_num_possible_cpus();
	if (vl->ncpu <= 0) {
		free(vl);
		return ENOENT;
	}
	vl->swept = !adopting; /* fresh maps hold nothing to sweep */
	*vlp = vl;
	return 0;
}

void
ngd_fast_vl_free(struct ngd_fast_vl *vl)
{
	if (vl == NULL)
		return;
	free(vl->ports);
	free(vl->vids);
	free(vl->vports);
	for (unsigned i = 0; i < vl->nfvs; i++)
		free(vl->fvs[i]);
	free(vl->fvs);
	free(vl->fvw);
	free(vl);
}

/* A vlan node's answer to cmd (no argument), or NULL. */
static struct ng_mesg *
ngd_vl_ask(struct ng_node *n, uint32_t cmd)
{
	struct ng_msgctx ctx = { .retaddr = 0 };
	struct ng_mesg *req, *resp = NULL;

	if ((req = ng_mkmsg(NGM_VLAN_COOKIE, cmd, 0)) == NULL)
		return NULL;
	if (n->type->rcvmsg(n, &ctx, req, &resp) != 0) {
		free(resp);
		resp = NULL;
	}
	free(req);
	return resp;
}

/* The per-CPU counters of the filter port gidx, summed (false: none). */
static bool
ngd_vl_stats(struct ngd_fast_vl *vl, uint32_t gidx,
    struct ng_fast_bpf_vlstats *sum)
{
	struct ng_fast_bpf_vlstats per[vl->ncpu];

	memset(sum, 0, sizeof(*sum));
	memset(per, 0, sizeof(per)); /* valgrind cannot see bpf(2) fill it */
	if (bpf_map_lookup_elem(vl->vlstats_fd, &gidx, per) < 0)
		return false;
	for (int i = 0; i < vl->ncpu; i++) {
		sum->pkts += per[i].pkts;
		sum->bytes += per[i].bytes;
	}
	return true;
}

/* What the trunk sent vid's port since the last look, added to the
 * counters of the vlan node's hook to it, if that edge is still there. */
static void
ngd_vl_fold_vid(struct ngd_fast_vl *vl, struct ngd_vl_vid *vid)
{
	struct ng_fast_bpf_vlstats now;
	struct ng_node *n;
	struct ng_hook *k;
	uint64_t pkts, bytes;

	if (!ngd_vl_stats(vl, vid->gidx, &now))
		return;
	pkts = now.pkts - vid->seen.pkts;
	bytes = now.bytes - vid->seen.bytes;
	vid->seen = now;
	if (pkts == 0 || vl->g == NULL ||
	    (n = ng_find_id(vl->g, vid->key.vlan)) == NULL ||
	    (k = ng_find_hook(n, vid->hook)) == NULL || k->peer == NULL ||
	    k->peer->node->id != vid->eiface)
		return;
	k->stats.xmit_frames += pkts;
	k->stats.xmit_octets += bytes;
}

/* What a port of vlan node vlan sent in the kernel (pkts frames of
 * bytes octets as its interface sent them, out-of-band tag included),
 * added to the hooks the node would have counted: the port's ether
 * hook h, and the node's downstream (with the tag, for a filter's
 * port; as it is for the nomatch port). */
void
ngd_fast_vl_count(struct ng_hook *h, uint32_t vlan, uint64_t pkts,
    uint64_t bytes)
{
	struct ng_hook *d;

	if (h->peer == NULL || h->peer->node->id != vlan ||
	    strcmp(h->peer->node->type->name, NG_VLAN_NODE_TYPE) != 0)
		return;
	if (strcmp(h->peer->name, NG_VLAN_HOOK_DOWNSTREAM) == 0) {
		/* the trunk (its bytes with the tag it sent) */
		h->stats.xmit_frames += pkts;
		h->stats.xmit_octets += bytes;
		return;
	}
	h->stats.xmit_frames += pkts;
	h->stats.xmit_octets += bytes;
	d = ng_find_hook(h->peer->node, NG_VLAN_HOOK_DOWNSTREAM);
	if (d != NULL && d->peer != NULL) {
		d->stats.xmit_frames += pkts;
		d->stats.xmit_octets += bytes;
		if (strcmp(h->peer->name, NG_VLAN_HOOK_NOMATCH) != 0)
			d->stats.xmit_octets += 4 * pkts; /* the filter's tag */
	}
}

/* The vlan node whose trunk or filter port gidx is (its ID, or 0), its
 * filters' counters folded. */
uint32_t
ngd_fast_vl_fold(struct ngd_fast_vl *vl, uint32_t gidx)
{
	uint32_t vlan = 0;

	if (vl == NULL)
		return 0;
	for (unsigned i = 0; i < vl->nports && vlan == 0; i++)
		if (vl->ports[i].gidx == gidx)
			vlan = vl->ports[i].vp.vlan;
	for (unsigned i = 0; i < vl->nvids && vlan == 0; i++)
		if (vl->vids[i].gidx == gidx)
			vlan = vl->vids[i].key.vlan;
	ngd_fast_vl_fold_vlan(vl, vlan);
	return vlan;
}

void
ngd_fast_vl_fold_vlan(struct ngd_fast_vl *vl, uint32_t vlan)
{
	for (unsigned i = 0; vl != NULL && i < vl->nvids && vlan != 0; i++)
		if (vl->vids[i].key.vlan == vlan)
			ngd_vl_fold_vid(vl, &vl->vids[i]);
}

uint32_t
ngd_fast_vl_of(const struct ngd_fast_vl *vl, uint32_t gidx)
{
	if (vl == NULL)
		return 0;
	for (unsigned i = 0; i < vl->nports; i++)
		if (vl->ports[i].gidx == gidx)
			return vl->ports[i].vp.vlan;
	return 0;
}

/* Port p's hook on its node (an eiface's ether hook, or the ether
 * node's hook its uplink stands for), if connected and not captured, or
 * NULL. */
static struct ng_hook *
ngd_vl_ether(const struct ngd_fast_brport *p)
{
	struct ng_hook *h = ng_find_hook(p->eiface,
	    p->hook != NULL ? p->hook : NG_EIFACE_HOOK_ETHER);

	if (h == NULL || !(h->flags & NG_HOOK_VALID) || h->peer == NULL ||
	    (h->flags & NG_HOOK_CAPTURED))
		return NULL;
	return h;
}

/* The port of ports (n of them) whose hook is the peer of k, or NULL. */
static struct ngd_fast_brport *
ngd_vl_port_of(struct ngd_fast_brport *ports, unsigned n,
    const struct ng_hook *k)
{
	for (unsigned i = 0; i < n; i++)
		if (ports[i].eiface == k->peer->node &&
		    strcmp(ports[i].hook != NULL ? ports[i].hook :
						   NG_EIFACE_HOOK_ETHER,
			k->peer->name) == 0)
			return &ports[i];
	return NULL;
}

/* The wanted entries so far, grown as needed. */
struct ngd_vl_want {
	struct ngd_vl_port *ports;
	unsigned nports, maxports;
	struct ngd_vl_vid *vids;
	unsigned nvids, maxvids;
	struct ngd_vl_fvw *fvw;
	unsigned nfvw, maxfvw;
};

static int
ngd_vl_add_fvw(struct ngd_vl_want *w, const struct ngd_vl_fvw *f)
{
	if (w->nfvw == w->maxfvw) {
		unsigned m = w->maxfvw ? 2 * w->maxfvw : 16;
		void *p = realloc(w->fvw, m * sizeof(*w->fvw));

		if (p == NULL)
			return ENOMEM;
		w->fvw = p;
		w->maxfvw = m;
	}
	w->fvw[w->nfvw++] = *f;
	return 0;
}

/* The fvport a bridge took for the filter hook k of vlan node v (in
 * ports), or 0. */
static uint32_t
ngd_vl_fv_taken(const struct ng_node *v, const struct ng_hook *k,
    const struct ngd_fast_brport *ports, unsigned n)
{
	for (unsigned i = 0; k != NULL && i < n; i++)
		if (NG_FAST_BPF_IS_FVPORT(ports[i].gidx) &&
		    ports[i].eiface == v && strcmp(ports[i].hook, k->name) == 0)
			return ports[i].gidx;
	return 0;
}

static int
ngd_vl_add_port(struct ngd_vl_want *w, uint32_t gidx,
    const struct ng_fast_bpf_vlport *vp)
{
	if (w->nports == w->maxports) {
		unsigned m = w->maxports ? 2 * w->maxports : 16;
		void *p = realloc(w->ports, m * sizeof(*w->ports));

		if (p == NULL)
			return ENOMEM;
		w->ports = p;
		w->maxports = m;
	}
	w->ports[w->nports].gidx = gidx;
	w->ports[w->nports++].vp = *vp;
	return 0;
}

static int
ngd_vl_add_vid(struct ngd_vl_want *w, const struct ngd_vl_vid *vid)
{
	if (w->nvids == w->maxvids) {
		unsigned m = w->maxvids ? 2 * w->maxvids : 64;
		void *p = realloc(w->vids, m * sizeof(*w->vids));

		if (p == NULL)
			return ENOMEM;
		w->vids = p;
		w->maxvids = m;
	}
	w->vids[w->nvids++] = *vid;
	return 0;
}

/* The port hook k of a vlan node leads to (an eiface's ether hook or
 * an ether node's hook with an uplink, in ports, nothing captured), or
 * NULL. */
static struct ngd_fast_brport *
ngd_vl_hook_port(struct ng_hook *k, struct ngd_fast_brport *ports, unsigned n)
{
	struct ngd_fast_brport *p;

	if (k == NULL || k->peer == NULL || (k->flags & NG_HOOK_CAPTURED) ||
	    (p = ngd_vl_port_of(ports, n, k)) == NULL ||
	    ngd_vl_ether(p) != k->peer)
		return NULL;
	return p;
}

/* A 32-bit or 16-bit answer of the node (0 if none). */
static uint32_t
ngd_vl_get(struct ng_node *v, uint32_t cmd, size_t size)
{
	struct ng_mesg *m = ngd_vl_ask(v, cmd);
	uint32_t v32 = 0;
	uint16_t v16 = 0;

	if (m != NULL && m->header.arglen >= size && size == sizeof(v16)) {
		memcpy(&v16, m->data, sizeof(v16));
		v32 = v16;
	} else if (m != NULL && m->header.arglen >= size) {
		memcpy(&v32, m->data, sizeof(v32));
	}
	free(m);
	return v32;
}

/*
 * The vlan node v, whose downstream leads to the trunk port t: its
 * entries, as its settings and table are now.  Every filter has a VID
 * entry (0 when its hook leads to no eiface: ngd's), so that the trunk
 * sends only VIDs without a filter to nomatch.
 */
static void
ngd_vl_want_node(struct ngd_vl_want *w, struct ng_node *v,
    const struct ngd_fast_brport *t, struct ngd_fast_brport *ports, unsigned n)
{
	struct ng_fast_bpf_vlport tp = { .vlan = v->id,
		.flags = NG_FAST_BPF_VL_TRUNK };
	struct ngd_fast_brport *nm;
	struct ng_vlan_table *tab;
	struct ng_mesg *m;
	uint32_t encap, decap;
	uint16_t proto;
	bool tags;

	encap = ngd_vl_get(v, NGM_VLAN_GET_ENCAP, sizeof(uint32_t));
	decap = ngd_vl_get(v, NGM_VLAN_GET_DECAP, sizeof(uint32_t));
	proto = (uint16_t)ngd_vl_get(v, NGM_VLAN_GET_ENCAP_PROTO,
	    sizeof(uint16_t));
	/* The kernel untags (skb_vlan_untag) and bpf_skb_vlan_push tags
	 * with these two TPIDs only: with another, a trunk's frame for a
	 * filter would look untagged and go to nomatch.  ngd's, then. */
	if (proto != 0x8100 && proto != 0x88a8)
		return;
	tags = (encap & VLAN_ENCAP_FROM_FILTER) != 0;
	tp.proto = htons(proto);
	nm = ngd_vl_hook_port(ng_find_hook(v, NG_VLAN_HOOK_NOMATCH), ports, n);
	/* With decap on, ngd takes the tag off what goes to nomatch; and
	 * while its interface is down, what goes there is the program's
	 * to count out of the hook and drop, or ngd's (its eiface refuses
	 * it: ENETDOWN; NG_FAST_BPF_VL_DOWN). */
	if (nm != NULL && decap == 0) {
		struct ngd_vl_vid vid = { .key = { .vlan = v->id,
					      .vid = NGD_VL_NOMATCH },
			.gidx = nm->gidx,
			.eiface = nm->eiface->id,
			.hook = NG_VLAN_HOOK_NOMATCH,
			.down = nm->down };

		tp.peer = nm->down ? nm->gidx | NG_FAST_BPF_VL_DOWN : nm->gidx;
		(void)ngd_vl_add_vid(w, &vid);
	}
	if (ngd_vl_add_port(w, t->gidx, &tp) != 0)
		return;
	if (nm != NULL) { /* its frames go to the trunk as they are */
		struct ng_fast_bpf_vlport np = { .vlan = v->id,
			.peer = t->gidx,
			.proto = htons(proto) };

		(void)ngd_vl_add_port(w, nm->gidx, &np);
	}
	if ((m = ngd_vl_ask(v, NGM_VLAN_GET_TABLE)) == NULL)
		return;
	tab = (struct ng_vlan_table *)m->data;
	if (m->header.arglen < sizeof(*tab) ||
	    m->header.arglen < sizeof(*tab) + tab->n * sizeof(tab->filter[0])) {
		free(m);
		return;
	}
	for (uint32_t i = 0; i < tab->n; i++) {
		struct ng_vlan_filter *f = &tab->filter[i];
		struct ngd_vl_vid vid = {
			.key = { .vlan = v->id, .vid = f->vid }
		};
		struct ngd_fast_brport *p;
		struct ng_hook *k;

		f->hook_name[sizeof(f->hook_name) - 1] = '\0';
		k = ng_find_hook(v, f->hook_name);
		if ((p = ngd_vl_hook_port(k, ports, n)) != NULL) {
			/* (down: as for nomatch above) */
			vid.gidx = p->gidx;
			vid.down = p->down;
			vid.eiface = p->eiface->id;
			memcpy(vid.hook, k->name, sizeof(vid.hook));
		} else if (tags && !NG_FAST_BPF_IS_VPORT(t->gidx) &&
		    (vid.gidx = ngd_vl_fv_taken(v, k, ports, n)) != 0) {
			/* on a kernel bridge (an fvport) */
			struct ngd_vl_fvw fw = { .key = vid.gidx,
				.e = { .vlan = v->id,
				    .trunk = t->gidx,
				    .proto = htons(proto),
				    .tci = (uint16_t)(f->vid |
					(f->cfi & 1) << 12 |
					(f->pcp & 7) << 13) } };

			vid.fv = true;
			vid.eiface = k->peer->node->id;
			memcpy(vid.hook, k->name, sizeof(vid.hook));
			(void)ngd_vl_add_fvw(w, &fw);
		}
		(void)ngd_vl_add_vid(w, &vid);
		if (p != NULL && tags) {
			struct ng_fast_bpf_vlport fp = { .vlan = v->id,
				.peer = t->gidx,
				.proto = htons(proto),
				.tci = (uint16_t)(f->vid | (f->cfi & 1) << 12 |
				    (f->pcp & 7) << 13),
				.flags = NG_FAST_BPF_VL_TAG };

			(void)ngd_vl_add_port(w, p->gidx, &fp);
		}
	}
	free(m);
}

/* Whether the vlan node v, as its settings and table are now, decides
 * in the kernel every frame its downstream receives (ports as in
 * ngd_vl_want_node): it can be a kernel bridge's port. */
static bool
ngd_vl_complete(struct ng_node *v, struct ngd_fast_brport *ports, unsigned n)
{
	struct ng_hook *nm = ng_find_hook(v, NG_VLAN_HOOK_NOMATCH);
	struct ng_vlan_table *tab;
	struct ng_mesg *m;
	uint16_t proto;
	bool ok = true;

	proto = (uint16_t)ngd_vl_get(v, NGM_VLAN_GET_ENCAP_PROTO,
	    sizeof(uint16_t));
	if (proto != 0x8100 && proto != 0x88a8)
		return false;
	if (nm != NULL && nm->peer != NULL &&
	    (ngd_vl_hook_port(nm, ports, n) == NULL ||
		ngd_vl_get(v, NGM_VLAN_GET_DECAP, sizeof(uint32_t)) != 0))
		return false; /* ngd's nomatch, or its decap */
	if ((m = ngd_vl_ask(v, NGM_VLAN_GET_TABLE)) == NULL)
		return false;
	tab = (struct ng_vlan_table *)m->data;
	if (m->header.arglen < sizeof(*tab) ||
	    m->header.arglen < sizeof(*tab) + tab->n * sizeof(tab->filter[0]))
		ok = false;
	for (uint32_t i = 0; ok && i < tab->n; i++) {
		struct ng_vlan_filter *f = &tab->filter[i];

		f->hook_name[sizeof(f->hook_name) - 1] = '\0';
		ok = ngd_vl_hook_port(ng_find_hook(v, f->hook_name), ports,
			 n) != NULL;
	}
	free(m);
	return ok;
}

/* The vport key of vlan node id (0: none). */
uint32_t
ngd_fast_vl_vport(const struct ngd_fast_vl *vl, uint32_t id)
{
	for (unsigned i = 0; vl != NULL && i < vl->nvports; i++)
		if (vl->vports[i].vlan == id)
			return vl->vports[i].key;
	return 0;
}

unsigned
ngd_fast_vl_vports(struct ngd_fast_vl *vl, struct ngd_fast_brport *ports,
    unsigned n, struct ngd_fast_brport *out, unsigned max)
{
	unsigned i, k, nout = 0;

	if (vl == NULL)
		return 0;
	for (i = 0; i < vl->nvports; i++)
		vl->vports[i].keep = false;
	for (i = 0; i < n && nout < max; i++) {
		struct ng_hook *h = ngd_vl_ether(&ports[i]), *d;
		struct ng_node *v;
		uint32_t key;

		if (h == NULL ||
		    strcmp(h->peer->node->type->name, NG_VLAN_NODE_TYPE) != 0 ||
		    strcmp(h->peer->name, NG_VLAN_HOOK_DOWNSTREAM) == 0)
			continue;
		v = h->peer->node;
		if ((key = ngd_fast_vl_vport(vl, v->id)) != 0) {
			for (k = 0; k < nout && out[k].eiface != v; k++)
				;
			if (k < nout)
				continue; /* listed already */
		}
		d = ng_find_hook(v, NG_VLAN_HOOK_DOWNSTREAM);
		if (d == NULL || !(d->flags & NG_HOOK_VALID) ||
		    d->peer == NULL || (d->flags & NG_HOOK_CAPTURED) ||
		    !ng_node_valid(d->peer->node) ||
		    d->peer->node->type->switching == NULL ||
		    (v->id & NG_FAST_BPF_VPORT) != 0 || /* ID too high */
		    !ngd_vl_complete(v, ports, n))
			continue;
		if (key == 0) {
			void *p = realloc(vl->vports,
			    (vl->nvports + 1) * sizeof(*vl->vports));

			if (p == NULL)
				continue;
			vl->vports = p;
			key = NG_FAST_BPF_VPORT | v->id;
			vl->vports[vl->nvports].vlan = v->id;
			vl->vports[vl->nvports++].key = key;
		}
		for (k = 0; k < vl->nvports; k++)
			if (vl->vports[k].key == key)
				vl->vports[k].keep = true;
		out[nout].eiface = v;
		out[nout].hook = NG_VLAN_HOOK_DOWNSTREAM;
		out[nout].gidx = key;
		out[nout++].changed = false;
	}
	for (i = k = 0; i < vl->nvports; i++)
		if (vl->vports[i].keep)
			vl->vports[k++] = vl->vports[i];
	vl->nvports = k;
	return nout;
}

/* The listed filter with this key, vlan node and hook, or NULL. */
static struct ngd_vl_fv *
ngd_vl_fv_find(struct ngd_fast_vl *vl, uint32_t key, ng_id_t vlan,
    const char *hook)
{
	for (unsigned i = 0; i < vl->nfvs; i++)
		if (vl->fvs[i]->key == key && vl->fvs[i]->vlan == vlan &&
		    strcmp(vl->fvs[i]->hook, hook) == 0)
			return vl->fvs[i];
	return NULL;
}

/* Whether another filter took key at this sync (the low 12 bits of two
 * vlan nodes' IDs alike, the same VID): this one stays ngd's. */
static bool
ngd_vl_fv_claimed(const struct ngd_fast_vl *vl, uint32_t key)
{
	for (unsigned i = 0; i < vl->nfvs; i++)
		if (vl->fvs[i]->key == key && vl->fvs[i]->keep)
			return true;
	return false;
}

/* The fvports of the vlan node v, whose downstream leads to a trunk
 * port (down: its interface is down), appended to *portsp (*np of them,
 * room for *maxp). */
static void
ngd_vl_fv_list(struct ngd_fast_vl *vl, struct ng_node *v, bool down,
    struct ngd_fast_brport **portsp, unsigned *np, unsigned *maxp)
{
	struct ng_vlan_table *tab;
	struct ng_mesg *m;
	uint32_t encap, nf;
	uint16_t proto;

	proto = (uint16_t)ngd_vl_get(v, NGM_VLAN_GET_ENCAP_PROTO,
	    sizeof(uint16_t));
	encap = ngd_vl_get(v, NGM_VLAN_GET_ENCAP, sizeof(uint32_t));
	/* as ngd_vl_want_node: the kernel's TPIDs, the tag inline */
	if ((proto != 0x8100 && proto != 0x88a8) ||
	    !(encap & VLAN_ENCAP_FROM_FILTER) ||
	    (m = ngd_vl_ask(v, NGM_VLAN_GET_TABLE)) == NULL)
		return;
	tab = (struct ng_vlan_table *)m->data;
	nf = 0; /* a short answer: none */
	if (m->header.arglen >= sizeof(*tab) &&
	    m->header.arglen >= sizeof(*tab) + tab->n * sizeof(tab->filter[0]))
		nf = tab->n;
	/* O(filters) a filter: a sync costs O(filters^2) with many VIDs on
	 * bridges (4,096 at most a node) */
	for (uint32_t i = 0; i < nf; i++) {
		struct ng_vlan_filter *f = &tab->filter[i];
		struct ngd_vl_fv *fv;
		struct ng_hook *k;
		uint32_t key;

		f->hook_name[sizeof(f->hook_name) - 1] = '\0';
		k = ng_find_hook(v, f->hook_name);
		if (k == NULL || !(k->flags & NG_HOOK_VALID) ||
		    k->peer == NULL || (k->flags & NG_HOOK_CAPTURED) ||
		    !ng_node_valid(k->peer->node) ||
		    k->peer->node->type->switching == NULL)
			continue;
		key = NG_FAST_BPF_FVPORT_KEY(v->id, f->vid);
		if (ngd_vl_fv_claimed(vl, key))
			continue;
		if ((fv = ngd_vl_fv_find(vl, key, v->id, k->name)) == NULL) {
			void *p = realloc(vl->fvs,
			    (vl->nfvs + 1) * sizeof(*vl->fvs));

			if (p == NULL)
				continue;
			vl->fvs = p;
			if ((fv = calloc(1, sizeof(*fv))) == NULL)
				continue;
			fv->key = key;
			fv->vlan = v->id;
			snprintf(fv->hook, sizeof(fv->hook), "%s", k->name);
			vl->fvs[vl->nfvs++] = fv;
		}
		if (*np == *maxp) {
			unsigned mx = 2 * *maxp + 8;
			void *p = realloc(*portsp, (mx + 1) * sizeof(**portsp));

			if (p == NULL)
				continue;
			*portsp = p;
			*maxp = mx;
		}
		fv->keep = true;
		/* (the room realloc made is not cleared) */
		(*portsp)[*np] = (struct ngd_fast_brport){ .eiface = v,
			.hook = fv->hook,
			.gidx = key,
			/* what the bridge sends it goes to the trunk's
			 * interface, which refuses it while down
			 * (ENETDOWN): the bridge counts none of it */
			.down = down };
		(*np)++;
	}
	free(m);
}

unsigned
ngd_fast_vl_fvports(struct ngd_fast_vl *vl, struct ngd_fast_brport **portsp,
    unsigned n)
{
	unsigned i, total = n, max = n;

	if (vl == NULL)
		return n;
	for (i = 0; i < vl->nfvs; i++)
		vl->fvs[i]->keep = false;
	for (i = 0; i < n; i++) {
		struct ngd_fast_brport *p = &(*portsp)[i];
		struct ng_hook *h;

		if (NG_FAST_BPF_IS_VPORT(p->gidx) ||
		    (h = ngd_vl_ether(p)) == NULL ||
		    strcmp(h->peer->node->type->name, NG_VLAN_NODE_TYPE) != 0 ||
		    strcmp(h->peer->name, NG_VLAN_HOOK_DOWNSTREAM) != 0)
			continue;
		ngd_vl_fv_list(vl, h->peer->node, p->down, portsp, &total,
		    &max);
	}
	return total;
}

uint32_t
ngd_fast_vl_fvport_at(const struct ngd_fast_vl *vl, uint32_t vlan, unsigned i)
{
	for (unsigned j = 0; vl != NULL && j < vl->nfvw; j++)
		if (vl->fvw[j].e.vlan == vlan && i-- == 0)
			return vl->fvw[j].key;
	return 0;
}

uint32_t
ngd_fast_vl_fvport_in(const struct ngd_fast_vl *vl, uint32_t gidx,
    const uint8_t *frame, size_t len)
{
	uint16_t proto, tci;

	if (vl == NULL || vl->nfvw == 0 || len < 18)
		return 0;
	proto = (uint16_t)(frame[12] << 8 | frame[13]);
	tci = (uint16_t)(frame[14] << 8 | frame[15]);
	for (unsigned i = 0; i < vl->nfvw; i++)
		if (vl->fvw[i].e.trunk == gidx &&
		    ntohs(vl->fvw[i].e.proto) == proto &&
		    (vl->fvw[i].e.tci & 0x0fff) == (tci & 0x0fff))
			return vl->fvw[i].key;
	return 0;
}

void
ngd_fast_vl_fcount(struct ng_hook *k, uint64_t pkts, uint64_t bytes)
{
	struct ng_hook *d;

	if (k == NULL || pkts == 0 ||
	    strcmp(k->node->type->name, NG_VLAN_NODE_TYPE) != 0 ||
	    (d = ng_find_hook(k->node, NG_VLAN_HOOK_DOWNSTREAM)) == NULL ||
	    d->peer == NULL)
		return;
	d->stats.xmit_frames += pkts;
	d->stats.xmit_octets += bytes + 4 * pkts; /* the filter's tag */
}

uint32_t
ngd_fast_vl_trunk_of(const struct ngd_fast_vl *vl, uint32_t gidx)
{
	for (unsigned i = 0; vl != NULL && i < vl->nports; i++)
		if (vl->ports[i].gidx == gidx &&
		    !(vl->ports[i].vp.flags & NG_FAST_BPF_VL_TRUNK))
			return vl->ports[i].vp.peer;
	return 0;
}

bool
ngd_fast_vl_port(const struct ngd_fast_vl *vl, uint32_t gidx)
{
	for (unsigned i = 0; vl != NULL && i < vl->nvids; i++)
		if (vl->vids[i].gidx == gidx)
			return true;
	return ngd_fast_vl_of(vl, gidx) != 0;
}

uint32_t
ngd_fast_vl_vport_in(const struct ngd_fast_vl *vl, uint32_t gidx)
{
	for (unsigned i = 0; vl != NULL && i < vl->nvids; i++)
		if (vl->vids[i].gidx == gidx && !vl->vids[i].fv)
			return ngd_fast_vl_vport(vl, vl->vids[i].key.vlan);
	return 0;
}

static int
ngd_vl_port_cmp(const void *a, const void *b)
{
	const struct ngd_vl_port *x = a, *y = b;

	return x->gidx < y->gidx ? -1 : x->gidx > y->gidx;
}

static int
ngd_vl_vid_cmp(const void *a, const void *b)
{
	const struct ngd_vl_vid *x = a, *y = b;

	if (x->key.vlan != y->key.vlan)
		return x->key.vlan < y->key.vlan ? -1 : 1;
	return x->key.vid < y->key.vid ? -1 : x->key.vid > y->key.vid;
}

static int
ngd_vl_fvw_cmp(const void *a, const void *b)
{
	const struct ngd_vl_fvw *x = a, *y = b;

	return x->key < y->key ? -1 : x->key > y->key;
}

/* vid's entry in ng_fast_vlvids: its port, or 0 (ngd's, or an fvport:
 * ng_fast.bpf.c looks in ng_fast_vlfports then). */
static void
ngd_vl_vid_write(struct ngd_fast_vl *vl, const struct ngd_vl_vid *vid)
{
	uint32_t val = vid->fv ? 0 :
	    vid->down          ? vid->gidx | NG_FAST_BPF_VL_DOWN :
				 vid->gidx;

	(void)bpf_map_update_elem(vl->vlvids_fd, &vid->key, &val, BPF_ANY);
}

/* The filter port gidx's counters: made zero, or (left by the last ngd)
 * taken as they are. */
static void
ngd_vl_stats_new(struct ngd_fast_vl *vl, struct ngd_vl_vid *vid)
{
	struct ng_fast_bpf_vlstats zero[vl->ncpu];

	if (ngd_vl_stats(vl, vid->gidx, &vid->seen))
		return;
	memset(zero, 0, sizeof(zero));
	(void)bpf_map_update_elem(vl->vlstats_fd, &vid->gidx, zero, BPF_ANY);
}

/* Whether gidx is the port of one of vids (n of them). */
static bool
ngd_vl_target(const struct ngd_vl_vid *vids, unsigned n, uint32_t gidx)
{
	for (unsigned i = 0; i < n; i++)
		if (vids[i].gidx == gidx)
			return true;
	return false;
}

/* Keys of a map that no wanted entry names, removed (the last ngd's). */
static void
ngd_vl_sweep(struct ngd_fast_vl *vl, const struct ngd_vl_want *w)
{
	struct ng_fast_bpf_vid vk, vnext;
	uint32_t k, next;
	bool first;

	for (first = true; bpf_map_get_next_key(vl->vlports_fd,
			       first ? NULL : &k, &next) == 0;
	     first = false) {
		bool keep = false;

		for (unsigned i = 0; i < w->nports && !keep; i++)
			keep = w->ports[i].gidx == next;
		if (!keep && bpf_map_delete_elem(vl->vlports_fd, &next) == 0) {
			first = true;
			continue;
		}
		k = next;
	}
	for (first = true; bpf_map_get_next_key(vl->vlvids_fd,
			       first ? NULL : &vk, &vnext) == 0;
	     first = false) {
		bool keep = false;

		for (unsigned i = 0; i < w->nvids && !keep; i++)
			keep = w->vids[i].key.vlan == vnext.vlan &&
			    w->vids[i].key.vid == vnext.vid;
		if (!keep && bpf_map_delete_elem(vl->vlvids_fd, &vnext) == 0) {
			first = true;
			continue;
		}
		vk = vnext;
	}
	for (first = true; bpf_map_get_next_key(vl->vlstats_fd,
			       first ? NULL : &k, &next) == 0;
	     first = false) {
		if (!ngd_vl_target(w->vids, w->nvids, next) &&
		    bpf_map_delete_elem(vl->vlstats_fd, &next) == 0) {
			first = true;
			continue;
		}
		k = next;
	}
	for (first = true; bpf_map_get_next_key(vl->vlfports_fd,
			       first ? NULL : &k, &next) == 0;
	     first = false) {
		bool keep = false;

		for (unsigned i = 0; i < w->nfvw && !keep; i++)
			keep = w->fvw[i].key == next;
		if (!keep && bpf_map_delete_elem(vl->vlfports_fd, &next) == 0) {
			first = true;
			continue;
		}
		k = next;
	}
}

/*
 * The vlan nodes made to agree with the graph (after ngd_fast_sync's
 * direct edges and hubs; ports are the eifaces neither claims).  New
 * and changed entries are written first, then old ones removed, each
 * VID's counters folded before its entry goes.  A port whose vlan node
 * changed is marked; the caller rewrites its port entry.
 */
void
ngd_fast_vl_sync(struct ngd_fast_vl *vl, struct ngd_fast_brport *ports,
    unsigned n)
{
	struct ngd_vl_want w = { 0 };
	unsigned i, j;

	if (vl == NULL)
		return;
	if (n > 0 && vl->g == NULL)
		vl->g = ports[0].eiface->graph;
	for (i = 0; i < n; i++) {
		struct ng_hook *h;

		if (NG_FAST_BPF_IS_FVPORT(ports[i].gidx))
			continue; /* a filter's, with its trunk's node */
		if (NG_FAST_BPF_IS_VPORT(ports[i].gidx)) { /* on a bridge */
			ngd_vl_want_node(&w, ports[i].eiface, &ports[i], ports,
			    n);
			continue;
		}
		if ((h = ngd_vl_ether(&ports[i])) == NULL ||
		    strcmp(h->peer->node->type->name, NG_VLAN_NODE_TYPE) != 0 ||
		    strcmp(h->peer->name, NG_VLAN_HOOK_DOWNSTREAM) != 0)
			continue;
		ngd_vl_want_node(&w, h->peer->node, &ports[i], ports, n);
	}
	if (w.nports > 1)
		qsort(w.ports, w.nports, sizeof(*w.ports), ngd_vl_port_cmp);
	if (w.nvids > 1)
		qsort(w.vids, w.nvids, sizeof(*w.vids), ngd_vl_vid_cmp);
	if (w.nfvw > 1)
		qsort(w.fvw, w.nfvw, sizeof(*w.fvw), ngd_vl_fvw_cmp);
	/* New and changed filters on bridges first: a VID's frames follow
	 * its fvport's entry once its ng_fast_vlvids entry is there. */
	for (i = j = 0; i < w.nfvw; i++) {
		while (j < vl->nfvw && vl->fvw[j].key < w.fvw[i].key)
			j++;
		if (j < vl->nfvw && vl->fvw[j].key == w.fvw[i].key &&
		    memcmp(&vl->fvw[j].e, &w.fvw[i].e, sizeof(w.fvw[i].e)) == 0)
			continue;
		(void)bpf_map_update_elem(vl->vlfports_fd, &w.fvw[i].key,
		    &w.fvw[i].e, BPF_ANY);
	}
	/* New and changed: VIDs and their counters, then ports (a trunk
	 * sends a VID to nomatch only when it has no entry). */
	for (i = j = 0; i < w.nvids; i++) {
		struct ngd_vl_vid *o = NULL;

		while (j < vl->nvids &&
		    ngd_vl_vid_cmp(&vl->vids[j], &w.vids[i]) < 0)
			j++;
		if (j < vl->nvids &&
		    ngd_vl_vid_cmp(&vl->vids[j], &w.vids[i]) == 0)
			o = &vl->vids[j];
		if (o != NULL && o->gidx == w.vids[i].gidx &&
		    o->fv == w.vids[i].fv && o->down == w.vids[i].down &&
		    o->eiface == w.vids[i].eiface &&
		    strcmp(o->hook, w.vids[i].hook) == 0) {
			w.vids[i].seen = o->seen;
			continue;
		}
		if (o != NULL)
			ngd_vl_fold_vid(vl, o); /* by the path it had */
		if (w.vids[i].gidx == 0)
			; /* ngd's: no counters */
		else if (!ngd_vl_target(vl->vids, vl->nvids, w.vids[i].gidx))
			ngd_vl_stats_new(vl, &w.vids[i]);
		else
			(void)ngd_vl_stats(vl, w.vids[i].gidx, &w.vids[i].seen);
		if (w.vids[i].key.vid != NGD_VL_NOMATCH)
			ngd_vl_vid_write(vl, &w.vids[i]);
	}
	for (i = j = 0; i < w.nports; i++) {
		while (j < vl->nports && vl->ports[j].gidx < w.ports[i].gidx)
			j++;
		if (j < vl->nports && vl->ports[j].gidx == w.ports[i].gidx &&
		    memcmp(&vl->ports[j].vp, &w.ports[i].vp,
			sizeof(w.ports[i].vp)) == 0)
			continue;
		(void)bpf_map_update_elem(vl->vlports_fd, &w.ports[i].gidx,
		    &w.ports[i].vp, BPF_ANY);
	}
	/* Old: VIDs (folded), their ports' counters, then ports. */
	for (i = j = 0; i < vl->nvids; i++) {
		while (j < w.nvids &&
		    ngd_vl_vid_cmp(&w.vids[j], &vl->vids[i]) < 0)
			j++;
		if (j < w.nvids &&
		    ngd_vl_vid_cmp(&w.vids[j], &vl->vids[i]) == 0)
			continue;
		ngd_vl_fold_vid(vl, &vl->vids[i]);
		if (vl->vids[i].key.vid != NGD_VL_NOMATCH)
			(void)bpf_map_delete_elem(vl->vlvids_fd,
			    &vl->vids[i].key);
	}
	for (i = 0; i < vl->nvids; i++)
		if (vl->vids[i].gidx != 0 &&
		    !ngd_vl_target(w.vids, w.nvids, vl->vids[i].gidx))
			(void)bpf_map_delete_elem(vl->vlstats_fd,
			    &vl->vids[i].gidx);
	for (i = 0; i < n; i++) {
		uint32_t was = ngd_fast_vl_of(vl, ports[i].gidx), now = 0;

		for (j = 0; j < w.nports; j++)
			if (w.ports[j].gidx == ports[i].gidx)
				now = w.ports[j].vp.vlan;
		if (was != now)
			ports[i].changed = true;
	}
	for (i = j = 0; i < vl->nports; i++) {
		while (j < w.nports && w.ports[j].gidx < vl->ports[i].gidx)
			j++;
		if (j < w.nports && w.ports[j].gidx == vl->ports[i].gidx)
			continue;
		(void)bpf_map_delete_elem(vl->vlports_fd, &vl->ports[i].gidx);
	}
	for (i = j = 0; i < vl->nfvw; i++) {
		while (j < w.nfvw && w.fvw[j].key < vl->fvw[i].key)
			j++;
		if (j < w.nfvw && w.fvw[j].key == vl->fvw[i].key)
			continue;
		(void)bpf_map_delete_elem(vl->vlfports_fd, &vl->fvw[i].key);
	}
	if (!vl->swept) {
		ngd_vl_sweep(vl, &w);
		vl->swept = true;
	}
	free(vl->ports);
	free(vl->vids);
	free(vl->fvw);
	vl->ports = w.ports;
	vl->nports = w.nports;
	vl->vids = w.vids;
	vl->nvids = w.nvids;
	vl->fvw = w.fvw;
	vl->nfvw = w.nfvw;
	/* Filters no longer listed: no bridge's member names them now. */
	for (i = j = 0; i < vl->nfvs; i++)
		if (vl->fvs[i]->keep)
			vl->fvs[j++] = vl->fvs[i];
		else
			free(vl->fvs[i]);
	vl->nfvs = j;
}

/* The graph-side end gidx went: no entry names it any more. */
void
ngd_fast_vl_gone(struct ngd_fast_vl *vl, uint32_t gidx)
{
	unsigned i, k;

	if (vl == NULL)
		return;
	/* A VID of its keeps an entry (to ngd) until the next sync. */
	for (i = k = 0; i < vl->nvids; i++) {
		if (vl->vids[i].gidx == gidx) {
			if (vl->vids[i].key.vid == NGD_VL_NOMATCH)
				continue;
			vl->vids[i].gidx = 0;
			vl->vids[i].fv = false;
			vl->vids[i].down = false;
			ngd_vl_vid_write(vl, &vl->vids[i]);
		}
		vl->vids[k++] = vl->vids[i];
	}
	vl->nvids = k;
	(void)bpf_map_delete_elem(vl->vlstats_fd, &gidx);
	/* Its node's other ports (or, for nomatch, its trunk) send through
	 * ngd until the next sync, which rewrites their port entries. */
	for (i = k = 0; i < vl->nports; i++) {
		if (vl->ports[i].gidx == gidx || vl->ports[i].vp.peer == gidx ||
		    ((vl->ports[i].vp.flags & NG_FAST_BPF_VL_TRUNK) &&
			(vl->ports[i].vp.peer & ~NG_FAST_BPF_VL_DOWN) == gidx))
			(void)bpf_map_delete_elem(vl->vlports_fd,
			    &vl->ports[i].gidx);
		if (vl->ports[i].gidx != gidx)
			vl->ports[k++] = vl->ports[i];
	}
	vl->nports = k;
	/* Its filters on bridges (it was their trunk) drop what the bridge
	 * sends them until the next sync. */
	for (i = k = 0; i < vl->nfvw; i++) {
		if (vl->fvw[i].e.trunk == gidx) {
			(void)bpf_map_delete_elem(vl->vlfports_fd,
			    &vl->fvw[i].key);
			continue;
		}
		vl->fvw[k++] = vl->fvw[i];
	}
	vl->nfvw = k;
}
