/*
 * fuzz_path.c: address parsing (ng_path2node_g, spec §3.1) on a small
 * graph, and the names and hook names that addresses are made of.
 *
 *      sock ---s0/link0--- bridge "br" ---link1/a--- hub "h"
 *        \--s1/ether--- eiface "ngeth0"          \--b/c--- hub [unnamed]
 *
 * Input: one flag byte (where the address is resolved from; whether the
 * rest is also tried as a node name and as hook names), then the text.
 * Checked: a resolved node is valid and carries one more reference,
 * which the caller drops; nothing else changes the graph.
 */
#include "fuzz.h"

#ifndef FUZZ_ENTRY
#define FUZZ_ENTRY LLVMFuzzerTestOneInput
#endif

static struct ng_graph *
fzpath_graph(struct fz_client *c, struct ng_node **sockp)
{
	struct ng_graph *g = fz_graph(NULL);
	struct ng_node *sock;

	if (g == NULL || (sock = fz_socket(g, c)) == NULL) {
		fz_graph_free(g);
		return NULL;
	}
	(void)ngt_name(sock, ".", "sock");
	FUZZ_ASSERT(ngt_mkpeer(sock, ".", "bridge", "s0", "link0") == 0);
	FUZZ_ASSERT(ngt_name(sock, "s0", "br") == 0);
	FUZZ_ASSERT(ngt_mkpeer(sock, "br:", "hub", "link1", "a") == 0);
	FUZZ_ASSERT(ngt_name(sock, "br:link1", "h") == 0);
	FUZZ_ASSERT(ngt_mkpeer(sock, "h:", "hub", "b", "c") == 0);
	FUZZ_ASSERT(ngt_mkpeer(sock, ".", "eiface", "s1", "ether") == 0);
	*sockp = sock;
	return g;
}

int FUZZ_ENTRY(const uint8_t *data, size_t size);

int
FUZZ_ENTRY(const uint8_t *data, size_t size)
{
	struct fz_in in = { data, size };
	struct fz_client c;
	struct ng_graph *g;
	struct ng_node *sock, *here, *n;
	struct ng_hook *last;
	unsigned before, refs;
	uint8_t flags;
	char text[2 * NG_PATHSIZ];
	const uint8_t *p;
	size_t len;
	ng_id_t id;
	int error;

	flags = fz_u8(&in);
	p = fz_bytes(&in, sizeof(text) - 1, &len);
	memcpy(text, p, len);
	text[len] = '\0';
	if ((g = fzpath_graph(&c, &sock)) == NULL)
		return 0;
	before = ng_num_nodes(g);
	switch (flags % 4) {
	case 0:
		here = NULL;
		break;
	case 1:
		here = sock;
		break;
	case 2:
		here = ng_find_name(g, "h");
		break;
	default:
		here = ng_find_name(g, "br");
		break;
	}
	refs = here != NULL ? (unsigned)here->refs : 0;
	error = ng_path2node_g(g, here, text, &n, &last);
	if (error == 0) {
		FUZZ_ASSERT(n != NULL && ng_node_valid(n));
		FUZZ_ASSERT(last == NULL || last->node == n);
		ng_node_unref(n);
	} else {
		FUZZ_ASSERT(n == NULL && last == NULL);
	}
	FUZZ_ASSERT(here == NULL || (unsigned)here->refs == refs);
	FUZZ_ASSERT(ng_num_nodes(g) == before);
	(void)ng_decode_id(text, &id);
	(void)ng_name_valid(text);
	if (flags & 4) {
		/* The text as a node's new name, then found by it. */
		struct ng_node *h = ng_find_name(g, "h");

		error = ngt_name(sock, "h:", text);
		if (error == 0) {
			char name[NG_NODESIZ];

			ngt_copy(name, text, sizeof(name));
			FUZZ_ASSERT(ng_name_valid(name));
			FUZZ_ASSERT(ng_find_name(g, name) == h);
		}
	}
	if (flags & 8) {
		/* The text as hook names, on both sides of a connect. */
		(void)ngt_connect(sock, ".", "br:", text, "link7");
		(void)ngt_connect(sock, ".", "h:", "x", text);
		(void)ngt_mkpeer(sock, text, "hub", text, text);
	}
	if (flags & 16)
		(void)ngt_connect(sock, ".", text, "y", "z");
	ng_socket_detach(sock, &c);
	fz_graph_free(g);
	return 0;
}
