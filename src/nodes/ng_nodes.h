/*
 * ng_nodes.h: the node types this tree builds (src/nodes/, one file each,
 * archived apart from the engine) and the socket node's API.  The engine
 * names none of them; whoever makes a graph passes the types it wants in
 * ng_graph_cfg.types: ngd passes ng_nodes_types, a test what it uses.
 */
#ifndef NG_NODES_H
#define NG_NODES_H

#include <netgraph/ng_hookstat.h>
#include <netgraph/ng_socket.h>

#include "ng_core.h"

extern const struct ng_type ng_socket_type;
extern const struct ng_type ng_hub_type;
extern const struct ng_type ng_eiface_type;
extern const struct ng_type ng_bridge_type;
extern const struct ng_type ng_tee_type;
extern const struct ng_type ng_one2many_type;
extern const struct ng_type ng_vlan_type;
extern const struct ng_type ng_bpf_type;
extern const struct ng_type ng_iface_type;
extern const struct ng_type ng_pipe_type;
extern const struct ng_type ng_nat_type;
extern const struct ng_type ng_ether_type;
extern const struct ng_type ng_ksocket_type;
extern const struct ng_type ng_vxlan_type;

/* Every type above, NULL-terminated, in registration order (ng_nodes.c). */
extern const struct ng_type *const ng_nodes_types[];

/* --- socket nodes (ng_socket.c) ---------------------------------------- */

/*
 * Backend for socket nodes (the ops of the graph's ng_backend for
 * NGM_SOCKET_COOKIE; its arg is not used): how a message or
 * frame reaches the client behind the node.  deliver_msg borrows msg;
 * deliver_data borrows pkt.  conn is what ng_socket_create was given.
 */
struct ng_socket_ops {
	int (*deliver_msg)(void *conn, ng_id_t from, const struct ng_mesg *msg);
	int (*deliver_data)(void *conn, const char *hook,
	    const struct ng_pkt *pkt);
	/* The node was shut down: the connection has no node any more. */
	void (*gone)(void *conn);
	/* A captured frame (h->caplen bytes at frame) or, with
	 * NG_CAPTURE_END in h->flags and frame NULL, a capture's end; the
	 * backend stamps h->ts_ns.  May be NULL: the node cannot capture. */
	int (*deliver_capture)(void *conn, struct ng_capture_hdr *h,
	    const void *frame);
};

/* A socket node for a client's control connection ctlconn.  The graph
 * must hold ng_socket_type (ENXIO otherwise). */
int ng_socket_create(struct ng_graph *g, void *ctlconn, struct ng_node **np);
void ng_socket_attach_data(struct ng_node *node, void *dataconn);
/* A takeover: a node made with no connection (ctlconn NULL) gets the
 * one handed over. */
void ng_socket_attach_ctl(struct ng_node *node, void *ctlconn);
/* A connection went away; the node goes when both have (conn NULL: goes
 * only if it has neither, a takeover's node no connection claimed). */
void ng_socket_detach(struct ng_node *node, void *conn);
int ng_socket_send_data(struct ng_node *node, const char *hook,
    struct ng_pkt **pkt);

#endif
