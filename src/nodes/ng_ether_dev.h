/*
 * ng_ether_dev.h: between the ether node type (src/nodes/ng_ether.c),
 * which does no I/O, and the backend that reaches the interface (ngd's
 * src/ngd/ether.c: TCX programs and TAP channels, DESIGN decision 9).
 * The backend makes the nodes (ng_ether_attach) as interfaces appear and
 * tells them what changes; the node asks it for everything else.
 */
#ifndef NG_ETHER_DEV_H
#define NG_ETHER_DEV_H

#include <stdbool.h>
#include <stdint.h>

#include "ng_core.h"

struct ng_ether_dev; /* the backend's handle on one interface */

/* The ways frames take between the interface and the node. */
enum ng_ether_dir {
	NG_ETHER_DIR_LOWER,   /* from and to the wire */
	NG_ETHER_DIR_ORPHANS, /* from the wire, when the stack does not know
	                         the ethertype (and lower is off); to the wire */
	NG_ETHER_DIR_UPPER,   /* from the stack, and into it */
	NG_ETHER_NDIR
};

/*
 * Every method returns 0 or an errno and may be called only while the
 * node has its device.
 * divert: frames of dir come to the node (ng_ether_input) instead of
 *   taking their normal path (on), or take it again (off).  While any
 *   direction is on, xmit works for all of them.
 * xmit: LOWER and ORPHANS put pkt on the wire, UPPER hands it to the
 *   stack as if received on the interface.  Borrows pkt.
 * set_promisc: reference-counted with the interface's other users.
 * add_multi: EADDRINUSE if the interface is already a member,
 *   EADDRNOTAVAIL if mac is not a multicast address; del_multi: ENOENT if
 *   the node did not add it.
 * detach: the node goes (detach message, or ngd shutting down); the
 *   backend undoes what it did for the node and forgets it.  The
 *   interface stays and gets no new node.
 * sync: take the interface events that wait, so a control message sees
 *   the nodes as the interfaces are now.  May be NULL.
 */
struct ng_ether_ops {
	int (*divert)(void *be, struct ng_ether_dev *dev, enum ng_ether_dir dir,
	    bool on);
	int (*xmit)(void *be, struct ng_ether_dev *dev, enum ng_ether_dir dir,
	    const struct ng_pkt *pkt);
	int (*get_mac)(void *be, struct ng_ether_dev *dev, uint8_t mac[6]);
	int (*set_mac)(void *be, struct ng_ether_dev *dev,
	    const uint8_t mac[6]);
	int (*set_promisc)(void *be, struct ng_ether_dev *dev, bool on);
	int (*add_multi)(void *be, struct ng_ether_dev *dev,
	    const uint8_t mac[6]);
	int (*del_multi)(void *be, struct ng_ether_dev *dev,
	    const uint8_t mac[6]);
	void (*detach)(void *be, struct ng_ether_dev *dev);
	void (*sync)(void *be);
};

/* --- what the backend calls (ng_ether.c) --------------------------------- */

/* A node for the interface, named after it if the name is free. */
int ng_ether_attach(struct ng_graph *g, struct ng_ether_dev *dev,
    const char *ifname, uint32_t ifindex, const uint8_t mac[6],
    struct ng_node **np);
/* The interface's name, MAC or state changed (rtnetlink): the node is
 * renamed with it; a carrier change goes to lower and orphans as a flow
 * message.  running: up with carrier, frames may go out.  True when
 * running changed while lower (or divert) is connected: what the node
 * does with that hook's frames changed (ng_ether_running). */
bool ng_ether_ifchange(struct ng_node *node, const char *ifname,
    const uint8_t mac[6], bool running, bool carrier);
/* The interface is gone: the node really dies (no detach call). */
void ng_ether_gone(struct ng_node *node);
/* Before a control message: the backend's sync, if there is one. */
void ng_ether_sync(struct ng_graph *g);
/* Whether the interface is up and running: else the node refuses what
 * comes on lower, divert and orphans (ENETDOWN, as FreeBSD's ng_ether),
 * and ngd's kernel hubs and bridges pass such an uplink by. */
bool ng_ether_running(const struct ng_node *node);
/* Whether the node writes its interface's MAC into the source of what
 * goes to the wire (setautosrc; ngd's kernel path then stays off). */
bool ng_ether_autosrc(const struct ng_node *node);
/* A frame of dir from the interface; consumes *pkt. */
void ng_ether_input(struct ng_node *node, enum ng_ether_dir dir,
    struct ng_pkt **pkt);

#endif
