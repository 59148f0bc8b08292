/*
 * ng_types.c: every built-in node type, listed by hand so a reader finds
 * them all in one place.  Order is registration order.
 */
#include <stddef.h>

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
extern const struct ng_type ng_ksocket_type;
extern const struct ng_type ng_vxlan_type;

const struct ng_type *const ng_builtin_types[] = {
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
	&ng_ksocket_type,
	&ng_vxlan_type,
	NULL,
};
