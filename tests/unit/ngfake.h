/*
 * ngfake.h: what an in-process graph needs instead of ngd, for the unit
 * tests (ngtest.h) and the fuzz targets (tests/fuzz/fuzz.h): a fake
 * interface backend that keeps its devices in memory and records what
 * was sent to them, and a check that every packet is back in the pool.
 * The backend's state is a struct ngt_netdev, handed to the graph as
 * ng_graph_cfg.backend (with netdev_ops = &ngt_netdev_ops), as ngd hands
 * its own.
 */
#ifndef NGFAKE_H
#define NGFAKE_H

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "ng_core.h"
#include "ng_internal.h" /* the packet pool */

#define NGT_FAKE_DEVS 64

/* One fake interface (the engine sees it as a struct ng_netdev). */
struct ngt_dev {
	bool live;
	enum ng_netdev_kind kind;
	char name[16];
	uint8_t mac[6];
	struct ng_node *node;
	uint32_t index;
	bool up;      /* administratively; xmit to a down one is ENETDOWN */
	bool carrier; /* set_carrier */
	unsigned xmits;
	uint8_t last[64]; /* the start of the last frame sent to it */
	uint32_t last_len;
	struct virtio_net_hdr last_vh;
	char alt[16]; /* its altname, "" for none */
};

struct ngt_netdev {
	struct ngt_dev dev[NGT_FAKE_DEVS]; /* in the order they were made */
	unsigned creates, destroys;
	const char *taken; /* a name some other interface holds, or NULL */
};

static inline struct ngt_dev *
ngt_dev(struct ng_netdev *dev)
{
	return (struct ngt_dev *)dev;
}

static inline int
ngt_fake_create(void *be, enum ng_netdev_kind kind, const char *ifname,
    const uint8_t mac[6], struct ng_node *node, struct ng_netdev **devp)
{
	struct ngt_netdev *f = be;

	if (strlen(ifname) >= sizeof(f->dev[0].name))
		return EINVAL;
	for (unsigned i = 0; i < NGT_FAKE_DEVS; i++) {
		struct ngt_dev *d = &f->dev[i];

		if (d->live)
			continue;
		memset(d, 0, sizeof(*d));
		d->live = true;
		d->kind = kind;
		memcpy(d->name, ifname, strlen(ifname) + 1);
		if (mac != NULL)
			memcpy(d->mac, mac, 6);
		d->node = node;
		d->index = 100 + i;
		d->carrier = true;
		f->creates++;
		*devp = (struct ng_netdev *)d;
		return 0;
	}
	return ENOSPC;
}

static inline void
ngt_fake_destroy(void *be, struct ng_netdev *dev)
{
	struct ngt_netdev *f = be;

	if (dev == NULL)
		return;
	ngt_dev(dev)->live = false;
	f->destroys++;
}

static inline int
ngt_fake_xmit(void *be, struct ng_netdev *dev, const struct ng_pkt *pkt)
{
	struct ngt_dev *d = ngt_dev(dev);

	(void)be;
	if (!d->up)
		return ENETDOWN;
	d->xmits++;
	d->last_len = pkt->len;
	d->last_vh = pkt->vh;
	memcpy(d->last, pkt->data, pkt->len < 64 ? pkt->len : 64);
	return 0;
}

static inline int
ngt_fake_carrier(void *be, struct ng_netdev *dev, bool on)
{
	(void)be;
	ngt_dev(dev)->carrier = on;
	return 0;
}

static inline int
ngt_fake_set_mac(void *be, struct ng_netdev *dev, const uint8_t mac[6])
{
	(void)be;
	memcpy(ngt_dev(dev)->mac, mac, 6);
	return 0;
}

static inline int
ngt_fake_get_mac(void *be, struct ng_netdev *dev, uint8_t mac[6])
{
	(void)be;
	memcpy(mac, ngt_dev(dev)->mac, 6);
	return 0;
}

static inline int
ngt_fake_set_name(void *be, struct ng_netdev *dev, const char *name)
{
	(void)be;
	if (strlen(name) >= sizeof(ngt_dev(dev)->name))
		return EINVAL;
	memcpy(ngt_dev(dev)->name, name, strlen(name) + 1);
	return 0;
}

static inline int
ngt_fake_get_name(void *be, struct ng_netdev *dev, char name[16])
{
	(void)be;
	memcpy(name, ngt_dev(dev)->name, 16);
	return 0;
}

static inline int
ngt_fake_set_altname(void *be, struct ng_netdev *dev, const char *name,
    bool add)
{
	struct ngt_dev *d = ngt_dev(dev);

	(void)be;
	if (strlen(name) >= sizeof(d->alt))
		return EINVAL;
	if (add && d->alt[0] != '\0')
		return EEXIST; /* one is enough for the tests */
	if (!add && strcmp(d->alt, name) != 0)
		return ENOENT;
	if (add)
		memcpy(d->alt, name, strlen(name) + 1);
	else
		d->alt[0] = '\0';
	return 0;
}

static inline bool
ngt_fake_in_use(void *be, const char *name)
{
	struct ngt_netdev *f = be;

	for (unsigned i = 0; i < NGT_FAKE_DEVS; i++)
		if (f->dev[i].live && strcmp(f->dev[i].name, name) == 0)
			return true;
	return f->taken != NULL && strcmp(name, f->taken) == 0;
}

/* Every interface has the same two addresses. */
static inline int
ngt_fake_get_addrs(void *be, struct ng_netdev *dev,
    struct ng_netdev_addr *addrs, unsigned max, unsigned *n)
{
	static const struct ng_netdev_addr a[2] = {
		{ .family = AF_INET,
		    .addr = { 198, 51, 100, 11 },
		    .prefixlen = 24 },
		{ .family = AF_INET6,
		    .addr = { 0xfe, 0x80, [15] = 1 },
		    .prefixlen = 64 },
	};

	(void)be;
	(void)dev;
	for (unsigned i = 0; i < 2 && i < max; i++)
		addrs[i] = a[i];
	*n = 2;
	return 0;
}

static inline int
ngt_fake_get_info(void *be, struct ng_netdev *dev, uint32_t *ifindex, bool *up)
{
	(void)be;
	*ifindex = ngt_dev(dev)->index;
	*up = ngt_dev(dev)->up;
	return 0;
}

static const struct ng_netdev_ops ngt_netdev_ops = {
	.create = ngt_fake_create,
	.destroy = ngt_fake_destroy,
	.xmit = ngt_fake_xmit,
	.set_carrier = ngt_fake_carrier,
	.set_mac = ngt_fake_set_mac,
	.get_mac = ngt_fake_get_mac,
	.set_name = ngt_fake_set_name,
	.get_name = ngt_fake_get_name,
	.set_altname = ngt_fake_set_altname,
	.name_in_use = ngt_fake_in_use,
	.get_addrs = ngt_fake_get_addrs,
	.get_info = ngt_fake_get_info,
};

/* Live fake interfaces. */
static inline unsigned
ngt_fake_live(const struct ngt_netdev *f)
{
	unsigned n = 0;

	for (unsigned i = 0; i < NGT_FAKE_DEVS; i++)
		n += f->dev[i].live;
	return n;
}

/* Every packet is back in the pool: nothing leaked, nothing freed twice
 * (a free list longer than the pool, or a cycle in it, is caught). */
static inline bool
ngt_pool_whole(const struct ng_graph *g)
{
	unsigned n = 0;

	for (const struct ng_pkt *p = g->pool_free; p != NULL; p = p->next)
		if (++n > g->pool_total)
			return false;
	return n == g->pool_total;
}

#endif
