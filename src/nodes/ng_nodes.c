/*
 * ng_nodes.c: every node type of src/nodes/, listed by hand so a reader
 * finds them all in one place.  The engine registers none of them itself:
 * ngd hands this table to ng_graph_new (ng_graph_cfg.types), and a test
 * may hand a table of its own.  Order is registration order.  A new type
 * is one row here and one extern in ng_nodes.h.
 */
#include <stddef.h>

#include "ng_nodes.h"

const struct ng_type *const ng_nodes_types[] = {
	&ng_socket_type,
	&ng_hub_type,
	&ng_eiface_type,
	&ng_bridge_type,
	&ng_tee_type,
	&ng_one2many_type,
	&ng_vlan_type,
	&ng_bpf_type,
	&ng_iface_type,
	&ng_pipe_type,
	&ng_nat_type,
	&ng_ether_type,
	&ng_ksocket_type,
	&ng_vxlan_type,
	NULL,
};
