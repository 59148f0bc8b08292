/*
 * ng_ifdev.c: what eiface (TAP) and iface (TUN) nodes share about the
 * interface behind them (DESIGN decisions 1-4): the lowest free unit
 * name, a stable locally administered MAC, node and interface names kept
 * in agreement in both directions, and re-creation of an interface that
 * vanished.  The device itself is the netdev backend's; no I/O here.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "ng_core.h"

#define NG_IFDEV_MAX_UNITS 65536
/* How long a renamed interface answers to its old name too. */
#define NG_IFDEV_ALTNAME_MS 5000

const struct ng_netdev_ops *
ng_ifdev_ops(struct ng_node *node, void **be)
{
	const struct ng_graph_cfg *cfg = ng_graph_cfg(node->graph);

	*be = cfg->backend;
	return cfg->netdev_ops;
}

static struct ng_ifdev *
ng_ifdev_of(struct ng_node *node)
{
	if (node->priv == NULL || node->type->netdev == NULL)
		return NULL;
	return node->type->netdev->ifdev(node);
}

/* Mark the units other nodes of this type hold: one pass, O(nodes). */
static uint8_t *
ng_ifdev_units_used(struct ng_node *self)
{
	uint8_t *used = calloc(NG_IFDEV_MAX_UNITS / 8, 1);
	struct ng_node *n;

	if (used == NULL)
		return NULL;
	for (n = ng_first_node(self->graph); n != NULL; n = n->next) {
		struct ng_ifdev *d;

		if (n == self || n->type != self->type)
			continue;
		d = ng_ifdev_of(n);
		if (d != NULL && d->dev != NULL && d->unit < NG_IFDEV_MAX_UNITS)
			used[d->unit / 8] |= 1u << (d->unit % 8);
	}
	return used;
}

/* Stable, locally administered, unicast: host identity + first name. */
static void
ng_ifdev_gen_mac(const char *machine_id, const char *ifname, uint8_t mac[6])
{
	uint64_t h = 14695981039346656037ull;
	const char *s;

	for (s = machine_id != NULL ? machine_id : ""; *s != '\0'; s++)
		h = (h ^ (uint8_t)*s) * 1099511628211ull;
	h = (h ^ 0xff) * 1099511628211ull; /* separator */
	for (s = ifname; *s != '\0'; s++)
		h = (h ^ (uint8_t)*s) * 1099511628211ull;
	/* Mix all bits into all bytes (splitmix64's finalizer). */
	h ^= h >> 30;
	h *= 0xbf58476d1ce4e5b9ull;
	h ^= h >> 27;
	h *= 0x94d049bb133111ebull;
	h ^= h >> 31;
	for (int i = 0; i < 6; i++)
		mac[i] = (uint8_t)(h >> (8 * i));
	mac[0] = (mac[0] & 0xfc) | 0x02;
}

bool
ng_ifdev_name_valid(const char *name)
{
	if (name[0] == '\0' || strlen(name) >= NG_IFDEV_NAMSIZ ||
	    strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		return false;
	for (const char *s = name; *s != '\0'; s++)
		if (*s == '/' || *s == ':' || *s == ' ' ||
		    (*s >= '\t' && *s <= '\r'))
			return false;
	return true;
}

/* The unit of <prefix>N; a name of another form holds none. */
static unsigned
ng_ifdev_unit_of(const char *ifname, const char *prefix)
{
	size_t n = strlen(prefix);
	unsigned long unit;
	char *end;

	if (strncmp(ifname, prefix, n) != 0 || ifname[n] < '0' ||
	    ifname[n] > '9')
		return NG_IFDEV_MAX_UNITS;
	unit = strtoul(ifname + n, &end, 10);
	return *end != '\0' || unit >= NG_IFDEV_MAX_UNITS ?
	    NG_IFDEV_MAX_UNITS :
	    (unsigned)unit;
}

int
ng_ifdev_create(struct ng_node *node, struct ng_ifdev *d,
    enum ng_netdev_kind kind, const char *prefix)
{
	const struct ng_netdev_ops *ops;
	uint8_t *used;
	void *be;
	unsigned unit;
	int error;

	ops = ng_ifdev_ops(node, &be);
	if (ops == NULL)
		return ENXIO;
	memset(d, 0, sizeof(*d));
	d->kind = kind;
	d->prefix = prefix;
	/* After a restart or a takeover: the device it had (DESIGN 12). */
	if (ops->adopt != NULL &&
	    (error = ops->adopt(be, kind, node, d->ifname, d->mac, &d->dev)) !=
		ENOENT) {
		if (error != 0)
			return error;
		d->unit = ng_ifdev_unit_of(d->ifname, prefix);
		/* Its carrier is left as it is (no flap in a takeover);
		 * the hooks, connected again, set it. */
		d->carrier = kind == NG_NETDEV_TUN;
		return 0;
	}
	used = ng_ifdev_units_used(node);
	if (used == NULL)
		return ENOMEM;
	/* The lowest unit neither a node nor the system uses. */
	for (unit = 0; unit < NG_IFDEV_MAX_UNITS; unit++) {
		if (used[unit / 8] & (1u << (unit % 8)))
			continue;
		snprintf(d->ifname, sizeof(d->ifname), "%s%u", prefix, unit);
		if (!ops->name_in_use(be, d->ifname))
			break;
	}
	free(used);
	if (unit == NG_IFDEV_MAX_UNITS)
		return ENOSPC;
	d->unit = unit;
	if (kind == NG_NETDEV_TAP)
		ng_ifdev_gen_mac(ops->machine_id, d->ifname, d->mac);
	error = ops->create(be, kind, d->ifname,
	    kind == NG_NETDEV_TAP ? d->mac : NULL, node, &d->dev);
	if (error != 0)
		return error;
	/* A TAP's carrier follows its hook; a TUN's is always on. */
	d->carrier = kind == NG_NETDEV_TUN;
	(void)ops->set_carrier(be, d->dev, d->carrier);
	return 0;
}

void
ng_ifdev_name_node(struct ng_node *node, struct ng_ifdev *d)
{
	/* Named after the interface; stays unnamed if the name is taken. */
	d->synced = ng_name_node(node, d->ifname) == 0;
}

/* The old name is given up (its time is over, or the device goes). */
static void
ng_ifdev_altname_drop(struct ng_node *node, struct ng_ifdev *d)
{
	const struct ng_netdev_ops *ops;
	void *be;

	if (d->altname[0] == '\0')
		return;
	ng_timer_stop(node->graph, &d->alt_timer);
	ops = ng_ifdev_ops(node, &be);
	if (d->dev != NULL && ops->set_altname != NULL)
		(void)ops->set_altname(be, d->dev, d->altname, false);
	d->altname[0] = '\0';
}

static void
ng_ifdev_altname_expire(struct ng_node *node, void *arg)
{
	ng_ifdev_altname_drop(node, arg);
}

/*
 * After a rename the node asked for, the interface still answers to its
 * old name for NG_IFDEV_ALTNAME_MS: a FreeBSD script renames the node
 * and then the interface itself (jng: ngctl name, then ifconfig ngeth0
 * name ...), and that second rename, now of a name to itself, succeeds.
 */
static void
ng_ifdev_altname_add(struct ng_node *node, struct ng_ifdev *d, const char *old)
{
	const struct ng_netdev_ops *ops;
	void *be;

	ops = ng_ifdev_ops(node, &be);
	if (ops->set_altname == NULL ||
	    ops->set_altname(be, d->dev, old, true) != 0)
		return;
	snprintf(d->altname, sizeof(d->altname), "%s", old);
	ng_timer_start(node->graph, &d->alt_timer, NG_IFDEV_ALTNAME_MS,
	    ng_ifdev_altname_expire, node, d);
}

void
ng_ifdev_destroy(struct ng_node *node, struct ng_ifdev *d)
{
	const struct ng_netdev_ops *ops;
	void *be;

	ng_ifdev_altname_drop(node, d); /* the name is free at once */
	ops = ng_ifdev_ops(node, &be);
	ops->destroy(be, d->dev);
	d->dev = NULL;
}

int
ng_ifdev_set_carrier(struct ng_node *node, struct ng_ifdev *d, bool on)
{
	const struct ng_netdev_ops *ops;
	void *be;

	d->carrier = on;
	if (d->dev == NULL)
		return 0;
	ops = ng_ifdev_ops(node, &be);
	return ops->set_carrier(be, d->dev, on);
}

/*
 * A flow message from a hook, the same for eiface and iface (FreeBSD's
 * two types agree): link up and down set the interface's carrier, other
 * flow commands are ignored, and none fails.  A carrier the device would
 * not take is still remembered for its re-creation, and logged.
 */
int
ng_ifdev_flow_msg(struct ng_node *node, struct ng_ifdev *d,
    const struct ng_mesg *msg)
{
	bool up = msg->header.cmd == NGM_LINK_IS_UP;
	int error;

	if (msg->header.cmd != NGM_LINK_IS_UP &&
	    msg->header.cmd != NGM_LINK_IS_DOWN)
		return 0;
	error = ng_ifdev_set_carrier(node, d, up);
	if (error != 0)
		ng_log(node->graph, LOG_INFO, "%s: carrier %s: %s", d->ifname,
		    up ? "on" : "off", strerror(error));
	return 0;
}

int
ng_ifdev_set_mac(struct ng_node *node, struct ng_ifdev *d, const uint8_t mac[6])
{
	const struct ng_netdev_ops *ops;
	void *be;
	int error;

	if (d->dev == NULL)
		return ENXIO;
	ops = ng_ifdev_ops(node, &be);
	error = ops->set_mac(be, d->dev, mac);
	if (error == 0)
		memcpy(d->mac, mac, 6);
	return error;
}

int
ng_ifdev_xmit(struct ng_node *node, struct ng_ifdev *d,
    const struct ng_pkt *pkt)
{
	const struct ng_netdev_ops *ops;
	void *be;

	if (d->dev == NULL)
		return ENETDOWN;
	ops = ng_ifdev_ops(node, &be);
	return ops->xmit(be, d->dev, pkt);
}

static int ng_ifdev_vnet_if(struct ng_node *node, struct ng_ifdev *d,
    const char *netns, const char *want);

/*
 * The argument: the namespace, NUL-terminated, and, as jail(8) sends it,
 * a second string: the name the interface must have now (the node's,
 * when the two agree), ENODEV if it has another.  One round trip where
 * a getifname before it made two.
 */
int
ng_ifdev_vnet_msg(struct ng_node *node, struct ng_ifdev *d,
    const struct ng_mesg *msg)
{
	const char *want = NULL;
	size_t n;

	if (msg->header.arglen == 0 ||
	    memchr(msg->data, '\0', msg->header.arglen) == NULL)
		return EINVAL;
	n = strlen(msg->data) + 1;
	if (n < msg->header.arglen) {
		want = msg->data + n;
		if (memchr(want, '\0', msg->header.arglen - n) == NULL)
			return EINVAL;
	}
	return ng_ifdev_vnet_if(node, d, msg->data, want);
}

/* The node's interface made anew in netns under the name ifname. */
static int
ng_ifdev_vnet_as(struct ng_node *node, struct ng_ifdev *d, const char *netns,
    const char *ifname)
{
	const struct ng_netdev_ops *ops;
	struct ng_netdev *nd;
	void *be;
	int error;

	ops = ng_ifdev_ops(node, &be);
	error = ops->vnet(be, d->dev, netns, d->kind, ifname,
	    d->kind == NG_NETDEV_TAP ? d->mac : NULL, node, &nd);
	if (error != 0 || nd == d->dev)
		return error;
	d->dev = nd;
	(void)ops->set_carrier(be, d->dev, d->carrier);
	return 0;
}

int
ng_ifdev_vnet(struct ng_node *node, struct ng_ifdev *d, const char *netns)
{
	return ng_ifdev_vnet_if(node, d, netns, NULL);
}

/* The same if the interface is called want now (NULL: whatever). */
static int
ng_ifdev_vnet_if(struct ng_node *node, struct ng_ifdev *d, const char *netns,
    const char *want)
{
	const struct ng_netdev_ops *ops;
	void *be;

	if (d->dev == NULL)
		return ENXIO;
	ops = ng_ifdev_ops(node, &be);
	if (ops->vnet == NULL)
		return EOPNOTSUPP;
	ng_ifdev_sync(node); /* the name and MAC it has now */
	if (want != NULL && strcmp(d->ifname, want) != 0)
		return ENODEV;
	ng_ifdev_altname_drop(node, d); /* the device is made anew */
	return ng_ifdev_vnet_as(node, d, netns, d->ifname);
}

/*
 * A name for the interface at home when the one it has is taken there
 * (a jail's root renamed it after one of the host's interfaces): the
 * node's, if it fits and is free, else the lowest free unit of its kind
 * (Linux too renames a device it sends home onto a name in use).
 * false: none free.
 */
/* Another node of self's type has an interface called name (wherever
 * it is now: one in a jail comes home under it). */
static bool
ng_ifdev_name_held(struct ng_node *self, const char *name)
{
	for (struct ng_node *n = ng_first_node(self->graph); n != NULL;
	     n = n->next) {
		struct ng_ifdev *d;

		if (n != self && n->type == self->type &&
		    (d = ng_ifdev_of(n)) != NULL && d->dev != NULL &&
		    strcmp(d->ifname, name) == 0)
			return true;
	}
	return false;
}

static bool
ng_ifdev_home_name(struct ng_node *node, struct ng_ifdev *d,
    char name[NG_IFDEV_NAMSIZ])
{
	const struct ng_netdev_ops *ops;
	uint8_t *used;
	unsigned unit;
	void *be;

	ops = ng_ifdev_ops(node, &be);
	if (ng_ifdev_name_valid(node->name) &&
	    strcmp(node->name, d->ifname) != 0 &&
	    !ops->name_in_use(be, node->name) &&
	    !ng_ifdev_name_held(node, node->name)) {
		/* ng_ifdev_name_valid() saw it fit. */
		memcpy(name, node->name, strlen(node->name) + 1);
		return true;
	}
	if (d->prefix == NULL || (used = ng_ifdev_units_used(node)) == NULL)
		return false;
	for (unit = 0; unit < NG_IFDEV_MAX_UNITS; unit++) {
		if (used[unit / 8] & (1u << (unit % 8)))
			continue;
		snprintf(name, NG_IFDEV_NAMSIZ, "%s%u", d->prefix, unit);
		if (!ops->name_in_use(be, name) &&
		    !ng_ifdev_name_held(node, name))
			break;
	}
	free(used);
	return unit < NG_IFDEV_MAX_UNITS;
}

/* The interface has the name it was made anew under at home. */
static void
ng_ifdev_home_as(struct ng_node *node, struct ng_ifdev *d, const char *name)
{
	snprintf(d->ifname, sizeof(d->ifname), "%s", name);
	d->unit = d->prefix != NULL ? ng_ifdev_unit_of(name, d->prefix) :
				      NG_IFDEV_MAX_UNITS;
	d->synced = strcmp(node->name, name) == 0;
}

/* Its namespace's name went: the interface comes back to ngd's. */
void
ng_ifdev_vnet_home(struct ng_node *node)
{
	struct ng_ifdev *d = ng_ifdev_of(node);
	char name[NG_IFDEV_NAMSIZ], was[NG_IFDEV_NAMSIZ];
	int error;

	if (d == NULL || d->dev == NULL)
		return;
	error = ng_ifdev_vnet(node, d, "");
	if (error == EEXIST && ng_ifdev_home_name(node, d, name)) {
		memcpy(was, d->ifname, sizeof(was));
		if ((error = ng_ifdev_vnet_as(node, d, "", name)) == 0) {
			ng_ifdev_home_as(node, d, name);
			ng_log(node->graph, LOG_NOTICE,
			    "%s: the namespace of interface %s lost its name; "
			    "it is back home as %s (%s is taken here)",
			    node->name, was, name, was);
			return;
		}
	}
	ng_log(node->graph, error != 0 ? LOG_ERR : LOG_INFO,
	    "%s: the namespace of interface %s lost its name; %s%s", node->name,
	    d->ifname, error != 0 ? "it stays there: " : "it is back home",
	    error != 0 ? strerror(error) : "");
}

/* The node was renamed: the interface follows while the two agreed. */
void
ng_ifdev_renamed(struct ng_node *node, const char *oldname)
{
	struct ng_ifdev *d = ng_ifdev_of(node);
	const struct ng_netdev_ops *ops;
	void *be;

	if (d == NULL || d->dev == NULL || !d->synced)
		return;
	/* Already in agreement: ng_ifdev_sync() followed an OS rename. */
	if (strcmp(node->name, d->ifname) == 0)
		return;
	if (strcmp(oldname, d->ifname) != 0) {
		d->synced = false;
		return;
	}
	ops = ng_ifdev_ops(node, &be);
	/* A name held from the last rename may be the one wanted now. */
	ng_ifdev_altname_drop(node, d);
	if (!ng_ifdev_name_valid(node->name) ||
	    ops->set_name(be, d->dev, node->name) != 0) {
		ng_log(node->graph, LOG_INFO,
		    "%s: interface %s keeps its name; names no longer follow",
		    node->name, d->ifname);
		d->synced = false;
		return;
	}
	/* ng_ifdev_name_valid() saw it fit. */
	memcpy(d->ifname, node->name, strlen(node->name) + 1);
	ng_ifdev_altname_add(node, d, oldname);
}

/*
 * Before a control message: the interface may have been renamed by the
 * OS (ip link set name), or given another MAC (ip link set address),
 * which a re-creation must keep.
 */
void
ng_ifdev_sync(struct ng_node *node)
{
	struct ng_ifdev *d = ng_ifdev_of(node);
	const struct ng_netdev_ops *ops;
	char cur[NG_IFDEV_NAMSIZ], old[NG_IFDEV_NAMSIZ];
	void *be;

	if (d == NULL || d->dev == NULL)
		return;
	ops = ng_ifdev_ops(node, &be);
	if (d->kind == NG_NETDEV_TAP && ops->get_mac != NULL)
		(void)ops->get_mac(be, d->dev, d->mac);
	if (ops->get_name(be, d->dev, cur) != 0 || strcmp(cur, d->ifname) == 0)
		return;
	memcpy(old, d->ifname, sizeof(old));
	memcpy(d->ifname, cur, sizeof(d->ifname));
	/* Renamed in another namespace (by a jail's root): the graph's
	 * names are not theirs to change; the two stop following. */
	if (ops->at_home != NULL && !ops->at_home(be, d->dev)) {
		d->synced = false;
		return;
	}
	if (d->synced && strcmp(node->name, old) == 0 &&
	    ng_name_node(node, cur) != 0)
		d->synced = false;
}

/* The interface vanished (ip link del, its namespace destroyed). */
void
ng_ifdev_gone(struct ng_node *node)
{
	struct ng_ifdev *d = ng_ifdev_of(node);
	const struct ng_netdev_ops *ops;
	const uint8_t *mac;
	char name[NG_IFDEV_NAMSIZ];
	void *be;
	int error;

	if (d == NULL)
		return;
	ops = ng_ifdev_ops(node, &be);
	ng_timer_stop(node->graph, &d->alt_timer);
	d->altname[0] = '\0'; /* it went with the device */
	ops->destroy(be, d->dev);
	d->dev = NULL;
	mac = d->kind == NG_NETDEV_TAP ? d->mac : NULL;
	error = ops->create(be, d->kind, d->ifname, mac, node, &d->dev);
	/* (renamed in a jail after an interface of ours: ng_ifdev_home_name) */
	if (error == EEXIST && ng_ifdev_home_name(node, d, name) &&
	    (error = ops->create(be, d->kind, name, mac, node, &d->dev)) == 0)
		ng_ifdev_home_as(node, d, name);
	if (error != 0) {
		ng_log(node->graph, LOG_ERR,
		    "%s: interface %s vanished and could not be re-created: %s",
		    node->name, d->ifname, strerror(error));
		d->dev = NULL;
		return;
	}
	(void)ops->set_carrier(be, d->dev, d->carrier);
	ng_log(node->graph, LOG_NOTICE, "%s: interface %s vanished; re-created",
	    node->name, d->ifname);
}
