/*
 * cni.h: what the netgraph CNI plugin's files share.  cni.c speaks the
 * CNI protocol (environment, JSON on stdin, result or error on stdout);
 * cni_graph.c talks to ngd through libnetgraph; cni_nl.c configures the
 * container's interface over rtnetlink (libmnl).
 */
#ifndef NGCNI_H
#define NGCNI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <netinet/in.h>

/* The spec's error codes (CNI SPEC "Error" section). */
enum {
	NGCNI_E_VERSION = 1,   /* incompatible CNI version */
	NGCNI_E_FIELD = 2,     /* unsupported field in network config */
	NGCNI_E_UNKNOWN = 3,   /* container unknown or does not exist */
	NGCNI_E_ENV = 4,       /* invalid necessary environment variables */
	NGCNI_E_IO = 5,        /* I/O failure */
	NGCNI_E_DECODE = 6,    /* failed to decode content */
	NGCNI_E_CONFIG = 7,    /* invalid network config */
	NGCNI_E_AGAIN = 11,    /* try again later */
	NGCNI_E_NOTREADY = 50, /* STATUS: the plugin is not available */
	NGCNI_E_GRAPH = 100,   /* ours: ngd refused a graph change */
	NGCNI_E_NETLINK =
	    101, /* ours: the kernel refused an interface change */
};

/*
 * One error on its way to stdout: code, message and details.  Functions
 * that fail fill it and return the code (0: success).
 */
struct ngcni_err {
	int code;
	char msg[256];
	char details[512];
};

int ngcni_fail(struct ngcni_err *e, int code, const char *details,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* The graph (cni_graph.c). */
struct ngcni_graph {
	int cs; /* control socket of our socket node */
};

int ngcni_graph_open(struct ngcni_graph *g, struct ngcni_err *e);
void ngcni_graph_close(struct ngcni_graph *g);
/* A node by path: type and name; ENOENT when absent. */
int ngcni_graph_info(struct ngcni_graph *g, const char *path, uint32_t *id,
    char *type, char *name);
/*
 * A new eiface, with its MAC (NULL: its own), hung on bridge brname
 * (made when absent) directly or, vid > 0, through a vlan node tagging
 * with vid.  *eid and *vlid (0 without vlan) are set as soon as each
 * node exists, so the caller can undo a half-made attachment.
 */
int ngcni_graph_attach(struct ngcni_graph *g, const char *brname,
    const uint8_t *mac, int vid, uint32_t *eid, uint32_t *vlid,
    struct ngcni_err *e);
/* The eiface's interface name. */
int ngcni_graph_ifname(struct ngcni_graph *g, uint32_t id, char *ifname,
    size_t size, struct ngcni_err *e);
/* Put the eiface's interface into /run/netns/nsname (ngd makes it anew). */
int ngcni_graph_vnet(struct ngcni_graph *g, uint32_t id, const char *nsname,
    struct ngcni_err *e);
/* Shut node id down if it is of type type; 0 also when it is gone. */
int ngcni_graph_shutdown(struct ngcni_graph *g, uint32_t id, const char *type);
/* A named eiface on brname (through a vlan node tagging vid, when > 0)
 * for the gateway, made when absent; and its end. */
int ngcni_graph_gateway(struct ngcni_graph *g, const char *brname, int vid,
    const char *gwname, uint32_t *id, struct ngcni_err *e);
void ngcni_graph_gateway_release(struct ngcni_graph *g, const char *gwname);

/* The nat node natname (by ID), its port forwards added and removed. */
int ngcni_graph_nat(struct ngcni_graph *g, const char *natname, uint32_t *id,
    struct ngcni_err *e);
int ngcni_graph_redirect(struct ngcni_graph *g, uint32_t nat,
    const struct in_addr *local, int lport, int aport, int proto,
    const char *desc, uint32_t *id, struct ngcni_err *e);
void ngcni_graph_unredirect(struct ngcni_graph *g, uint32_t nat, uint32_t id);

/* Interfaces over rtnetlink (cni_nl.c). */
struct ngcni_nl;

/* A socket in the namespace nsfd names (-1: ours). */
int ngcni_nl_open(struct ngcni_nl **nlp, int nsfd);
void ngcni_nl_close(struct ngcni_nl *nl);
/* An interface by name: index, MAC, flags; ENODEV when absent. */
int ngcni_nl_link(struct ngcni_nl *nl, const char *name, int *ifindex,
    uint8_t mac[6], unsigned *flags);
/*
 * Change a link: new name (NULL: keep), MTU (0: keep), up, and, with
 * nsfd >= 0, move it to that namespace first.
 */
int ngcni_nl_setlink(struct ngcni_nl *nl, int ifindex, const char *name,
    int mtu, bool up, int nsfd);
struct ngcni_prefix {
	int family; /* AF_INET or AF_INET6 */
	uint8_t addr[16];
	int plen;
};
int ngcni_parse_prefix(const char *s, struct ngcni_prefix *p, bool cidr);
/* Add an address; EEXIST is returned as it comes. */
int ngcni_nl_addr(struct ngcni_nl *nl, int ifindex,
    const struct ngcni_prefix *p);
/* Whether the interface holds the address. */
int ngcni_nl_hasaddr(struct ngcni_nl *nl, int ifindex,
    const struct ngcni_prefix *p, bool *found);
/* A route to dst via gw (NULL: on link) through ifindex. */
int ngcni_nl_route(struct ngcni_nl *nl, int ifindex,
    const struct ngcni_prefix *dst, const struct ngcni_prefix *gw);

#endif
