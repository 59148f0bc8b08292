/*
 * test_graph.c: the graph engine without any I/O (spec §2-§5): node IDs,
 * names, addresses, the node lifecycle, and every generic message with
 * its errors.  The test is a client behind a socket node; hubs made
 * persistent serve as the nodes being addressed.
 */
#include <netgraph/ng_hub.h>

#include "ngtest.h"

static struct ngt_conn conn;

/* Make a persistent hub at "from"'s hook ourhook and name it. */
static struct ng_node *
persistent_hub(struct ng_node *from, const char *path, const char *ourhook,
    const char *peerhook, const char *name)
{
	char addr[NG_PATHSIZ];
	struct ng_node *n;

	if (ngt_mkpeer(from, path, "hub", ourhook, peerhook) != 0)
		return NULL;
	if (strcmp(path, ".") == 0)
		snprintf(addr, sizeof(addr), "%s", ourhook);
	else
		snprintf(addr, sizeof(addr), "%s%s", path, ourhook);
	if (ngt_name(from, addr, name) != 0)
		return NULL;
	snprintf(addr, sizeof(addr), "%s:", name);
	if (ngt_msg(from, addr, NGM_HUB_COOKIE, NGM_HUB_SET_PERSISTENT, NULL,
		0) != 0)
		return NULL;
	n = ngt_node(from, addr);
	return n;
}

/* The node at address from sock, and the hook it arrived through. */
static int
resolve(struct ng_node *sock, const char *address, struct ng_node **np,
    const char **lasthook)
{
	struct ng_hook *lh = NULL;
	int error;

	*np = NULL;
	error = ng_path2node(sock, address, np, &lh);
	if (error == 0)
		ng_node_unref(*np);
	if (lasthook != NULL)
		*lasthook = lh != NULL ? lh->name : "";
	return error;
}

/*
 *   sock [1] --a-- ha  H [2]  hb --x-- X [3]
 */
static void
test_ids_and_addresses(void)
{
	struct ng_graph *g = ngt_graph();
	struct ng_node *sock = ngt_socket(g, &conn), *h, *x, *n;
	const char *lh;
	ng_id_t id;

	CHECK_INT("ids/first is 1", sock->id, 1);
	h = persistent_hub(sock, ".", "a", "ha", "H");
	x = persistent_hub(sock, "H:", "hb", "x", "X");
	CHECK("ids/setup", h != NULL && x != NULL);
	if (h == NULL || x == NULL)
		goto out;
	CHECK_INT("ids/second is 2", h->id, 2);
	CHECK_INT("ids/third is 3", x->id, 3);

	/* §3: the node part */
	CHECK_INT("addr/name:", resolve(sock, "H:", &n, &lh), 0);
	CHECK("addr/name: is H", n == h && lh[0] == '\0');
	CHECK_INT("addr/[2]:", resolve(sock, "[2]:", &n, NULL), 0);
	CHECK("addr/[2]: is H", n == h);
	CHECK_INT("addr/[00000002]:", resolve(sock, "[00000002]:", &n, NULL),
	    0);
	CHECK("addr/[00000002]: is H", n == h);
	CHECK_INT("addr/[0x3]:", resolve(sock, "[0x3]:", &n, NULL), 0);
	CHECK("addr/[0x3]: is X", n == x);
	CHECK_INT("addr/. is me", resolve(sock, ".", &n, &lh), 0);
	CHECK("addr/. is sock", n == sock && lh[0] == '\0');
	CHECK_INT("addr/.: is me", resolve(sock, ".:", &n, NULL), 0);
	CHECK("addr/.: is sock", n == sock);
	CHECK_INT("addr/[0]: not an id", resolve(sock, "[0]:", &n, NULL),
	    ENOENT);
	CHECK_INT("addr/[ff]: missing", resolve(sock, "[ff]:", &n, NULL),
	    ENOENT);
	CHECK_INT("addr/missing name", resolve(sock, "nosuch:", &n, NULL),
	    ENOENT);

	/* §3: hook paths, relative and combined */
	CHECK_INT("addr/relative a", resolve(sock, "a", &n, &lh), 0);
	CHECK("addr/relative a is H via ha", n == h && strcmp(lh, "ha") == 0);
	CHECK_INT("addr/relative a.hb", resolve(sock, "a.hb", &n, &lh), 0);
	CHECK("addr/a.hb is X via x", n == x && strcmp(lh, "x") == 0);
	CHECK_INT("addr/.a leading dot", resolve(sock, ".a", &n, NULL), 0);
	CHECK("addr/.a is H", n == h);
	CHECK_INT("addr/a. trailing dot", resolve(sock, "a.", &n, NULL), 0);
	CHECK("addr/a. is H", n == h);
	CHECK_INT("addr/.:a", resolve(sock, ".:a", &n, NULL), 0);
	CHECK("addr/.:a is H", n == h);
	CHECK_INT("addr/H:hb", resolve(sock, "H:hb", &n, &lh), 0);
	CHECK("addr/H:hb is X via x", n == x && strcmp(lh, "x") == 0);
	CHECK_INT("addr/H:hb.x round trip", resolve(sock, "H:hb.x", &n, &lh),
	    0);
	CHECK("addr/H:hb.x is H via hb", n == h && strcmp(lh, "hb") == 0);
	CHECK_INT("addr/[2]:.hb.", resolve(sock, "[2]:.hb.", &n, NULL), 0);
	CHECK("addr/[2]:.hb. is X", n == x);
	CHECK_INT("addr/no colon is a hook", resolve(sock, "H", &n, NULL),
	    ENOENT);
	CHECK_INT("addr/missing hook", resolve(sock, "H:nosuch", &n, NULL),
	    ENOENT);
	CHECK_INT("addr/[2] without colon", resolve(sock, "[2]", &n, NULL),
	    ENOENT);

	/* §3: malformed */
	CHECK_INT("addr/:", resolve(sock, ":", &n, NULL), EINVAL);
	CHECK_INT("addr/:x", resolve(sock, ":x", &n, NULL), EINVAL);
	CHECK_INT("addr/a.b:", resolve(sock, "a.b:", &n, NULL), EINVAL);
	CHECK_INT("addr/x..y", resolve(sock, "x..y", &n, NULL), EINVAL);
	CHECK_INT("addr/a..b:", resolve(sock, "a..b:", &n, NULL), EINVAL);
	CHECK_INT("addr/a:b:c", resolve(sock, "a:b:c", &n, NULL), EINVAL);
	CHECK_INT("addr/H:hb..x", resolve(sock, "H:hb..x", &n, NULL), EINVAL);

	/* §3: what counts as an ID */
	CHECK("id/[1F] upper case", ng_decode_id("[1F]", &id) && id == 0x1f);
	CHECK("id/[0x1f]", ng_decode_id("[0x1f]", &id) && id == 0x1f);
	CHECK("id/[00000001]", ng_decode_id("[00000001]", &id) && id == 1);
	CHECK("id/[0] is not", !ng_decode_id("[0]", &id));
	CHECK("id/[] is not", !ng_decode_id("[]", &id));
	CHECK("id/[x1] is not", !ng_decode_id("[x1]", &id));
	CHECK("id/[1f is not", !ng_decode_id("[1f", &id));
	CHECK("id/[1g] is not", !ng_decode_id("[1g]", &id));
	CHECK("id/1f] is not", !ng_decode_id("1f]", &id));

	/* A message follows the address: nodeinfo through sock's hook. */
	{
		struct ng_mesg *m = ng_mkmsg(NGM_GENERIC_COOKIE, NGM_NODEINFO,
		    0);
		const struct ng_mesg *r;

		ngt_clear(&conn);
		CHECK_INT("addr/msg via a.hb", ng_send_msg(sock, "a.hb", m), 0);
		r = ngt_last_msg(&conn);
		CHECK("addr/msg via a.hb reached X",
		    r != NULL && conn.from[0] == x->id &&
			strcmp(((const struct nodeinfo *)r->data)->name, "X") ==
			    0);
		free(m);
	}

	/* IDs are never reused, even after a node goes. */
	CHECK_INT("ids/shutdown X", ngt_shutdown(sock, "X:"), 0);
	CHECK("ids/X gone", ngt_node(sock, "X:") == NULL);
	x = persistent_hub(sock, "H:", "hb", "x", "X");
	CHECK("ids/new X is 4", x != NULL && x->id == 4);
	CHECK_INT("ids/[3]: gone", resolve(sock, "[3]:", &n, NULL), ENOENT);
	{
		ng_id_t prev = 0;
		int ascending = 1;

		for (n = ng_first_node(g); n != NULL; n = n->next) {
			if (n->id <= prev)
				ascending = 0;
			prev = n->id;
		}
		CHECK("ids/node list ascending", ascending);
	}
out:
	ngt_clear(&conn);
	ng_graph_free(g);
	CHECK("graph/free tells the client", conn.gone);
}

/* §4 */
static void
test_names(void)
{
	struct ng_graph *g = ngt_graph();
	struct ng_node *sock = ngt_socket(g, &conn), *h, *s, *n;
	char long40[] = "abcdefghijabcdefghijabcdefghijabcdefghij";
	char cut31[32];

	h = persistent_hub(sock, ".", "a", "ha", "H1");
	s = persistent_hub(sock, ".", "b", "hb", "S");
	CHECK("names/setup", h != NULL && s != NULL);
	if (h == NULL || s == NULL)
		goto out;
	CHECK_INT("names/x.y", ngt_name(sock, "S:", "x.y"), EINVAL);
	CHECK_INT("names/x:y", ngt_name(sock, "S:", "x:y"), EINVAL);
	CHECK_INT("names/.", ngt_name(sock, "S:", "."), EINVAL);
	CHECK_INT("names/[1f]", ngt_name(sock, "S:", "[1f]"), EINVAL);
	CHECK_INT("names/[1]", ngt_name(sock, "S:", "[1]"), EINVAL);
	CHECK_INT("names/empty", ngt_name(sock, "S:", ""), EINVAL);
	CHECK_STR("names/unchanged after errors", s->name, "S");
	CHECK_INT("names/[0] accepted", ngt_name(sock, "S:", "[0]"), 0);
	CHECK("names/[0]: finds it by name", ngt_node(sock, "[0]:") == s);
	CHECK("names/old name released", ngt_node(sock, "S:") == NULL);
	CHECK_INT("names/[1g] is a name", ngt_name(sock, "[0]:", "[1g]"), 0);
	CHECK("names/[1g]: finds it", ngt_node(sock, "[1g]:") == s);
	CHECK_INT("names/in use", ngt_name(sock, "[1g]:", "H1"), EADDRINUSE);
	CHECK_STR("names/in use leaves it", s->name, "[1g]");
	CHECK_INT("names/same name", ngt_name(sock, "H1:", "H1"), 0);
	CHECK_INT("names/40 chars cut", ngt_name(sock, "[1g]:", long40), 0);
	memcpy(cut31, long40, sizeof(cut31) - 1); /* what the engine keeps */
	cut31[sizeof(cut31) - 1] = '\0';
	CHECK_STR("names/cut to 31", s->name, cut31);
	CHECK("names/found by 31 chars", ng_find_name(g, cut31) == s);
	CHECK_INT("names/engine cuts too", ng_name_node(s, long40), 0);
	CHECK_INT("names/direct 32+ then same", ng_name_node(s, cut31), 0);
	CHECK_INT("names/rename", ngt_name(sock, "b", "S2"), 0);
	CHECK("names/S2:", ngt_node(sock, "S2:") == s);
	CHECK("names/31-char name released", ng_find_name(g, cut31) == NULL);
	/* A name is free again once its node has gone. */
	CHECK_INT("names/shutdown H1", ngt_shutdown(sock, "H1:"), 0);
	CHECK_INT("names/H1 free again", ngt_name(sock, "S2:", "H1"), 0);
	n = ngt_node(sock, "H1:");
	CHECK("names/H1 is S now", n == s);
	CHECK("names/valid",
	    ng_name_valid("ok") && !ng_name_valid("") &&
		!ng_name_valid("[a]") && ng_name_valid("[0]"));
out:
	ngt_clear(&conn);
	ng_graph_free(g);
}

/* §2.1: who dies when, and failures leave nothing behind. */
static void
test_lifecycle(void)
{
	struct ng_graph *g = ngt_graph();
	struct ngt_conn c2;
	struct ng_node *sock = ngt_socket(g, &conn), *s2, *h;
	unsigned before;

	/* One-shot client: its socket node goes, the hub dies hookless. */
	s2 = ngt_socket(g, &c2);
	CHECK_INT("life/mkpeer hub", ngt_mkpeer(s2, ".", "hub", "a", "b"), 0);
	CHECK_INT("life/one hub", ngt_count_type(g, "hub"), 1);
	ngt_close(&c2);
	CHECK_INT("life/socket gone", ngt_count_type(g, "socket"), 1);
	CHECK_INT("life/hub died hookless", ngt_count_type(g, "hub"), 0);
	CHECK_INT("life/only sock left", ng_num_nodes(g), 1);

	/* A persistent hub stays hookless. */
	h = persistent_hub(sock, ".", "a", "ha", "H");
	CHECK("life/persistent setup", h != NULL);
	CHECK_INT("life/rmhook a", ngt_rmhook(sock, ".", "a"), 0);
	CHECK("life/persistent hub stays", ngt_node(sock, "H:") == h);
	CHECK_INT("life/hookless", h->numhooks, 0);
	CHECK_INT("life/sock hookless", sock->numhooks, 0);

	/*
	 * Shutdown cascades:  sock --p-- q  P  r --s-- Q  t --u-- R
	 * (P, Q, R plain hubs).  Shutting P down leaves Q with t only;
	 * that keeps Q.  Cutting t kills Q and R.
	 */
	CHECK_INT("life/mkpeer P", ngt_mkpeer(sock, ".", "hub", "p", "q"), 0);
	CHECK_INT("life/mkpeer Q", ngt_mkpeer(sock, "p", "hub", "r", "s"), 0);
	CHECK_INT("life/mkpeer R", ngt_mkpeer(sock, "p.r", "hub", "t", "u"), 0);
	CHECK_INT("life/name Q", ngt_name(sock, "p.r", "Q"), 0);
	CHECK_INT("life/4 hubs", ngt_count_type(g, "hub"), 4);
	CHECK_INT("life/shutdown P", ngt_shutdown(sock, "p"), 0);
	CHECK_INT("life/P gone, Q R stay", ngt_count_type(g, "hub"), 3);
	CHECK("life/sock lost p", ng_find_hook(sock, "p") == NULL);
	CHECK_INT("life/rmhook Q t", ngt_rmhook(sock, "Q:", "t"), 0);
	CHECK_INT("life/Q and R died", ngt_count_type(g, "hub"), 1);

	/* Failures leave the node count as it was. */
	before = ng_num_nodes(g);
	CHECK_INT("life/mkpeer a", ngt_mkpeer(sock, ".", "hub", "a", "x"), 0);
	before = ng_num_nodes(g);
	CHECK_INT("mkpeer/ourhook exists",
	    ngt_mkpeer(sock, ".", "hub", "a", "y"), EEXIST);
	CHECK_INT("mkpeer/EEXIST leaves nothing", ng_num_nodes(g), before);
	CHECK_INT("mkpeer/unknown type",
	    ngt_mkpeer(sock, ".", "nosuchtype", "z", "y"), ENOENT);
	CHECK_INT("mkpeer/socket type",
	    ngt_mkpeer(sock, ".", "socket", "z", "y"), EINVAL);
	CHECK_INT("mkpeer/peer refuses hook",
	    ngt_mkpeer(sock, ".", "bridge", "z", "link01"), EINVAL);
	CHECK_INT("mkpeer/failures leave nothing", ng_num_nodes(g), before);
	CHECK("mkpeer/no half hook", ng_find_hook(sock, "z") == NULL);
	CHECK_INT("mkpeer/no bridge", ngt_count_type(g, "bridge"), 0);
	{
		struct ngm_mkpeer mp;

		memset(&mp, 0, sizeof(mp));
		strcpy(mp.type, "hub");
		strcpy(mp.ourhook, "z");
		strcpy(mp.peerhook, "y");
		CHECK_INT("mkpeer/short arglen",
		    ngt_msg(sock, ".", NGM_GENERIC_COOKIE, NGM_MKPEER, &mp,
			sizeof(mp) - 1),
		    EINVAL);
		CHECK_INT("mkpeer/no arg",
		    ngt_msg(sock, ".", NGM_GENERIC_COOKIE, NGM_MKPEER, NULL, 0),
		    EINVAL);
		CHECK_INT("mkpeer/arglen errors leave nothing", ng_num_nodes(g),
		    before);
	}
	CHECK_INT("mkpeer/type name cut at 31",
	    ngt_mkpeer(sock, ".", "hubhubhubhubhubhubhubhubhubhubhub", "z",
		"y"),
	    ENOENT);
	ngt_clear(&conn);
	ng_graph_free(g);
}

/*
 * §5.2 connect, name, rmhook:
 *   sock --a-- x  A (hub, persistent)      B (hub, persistent) at sock's b
 */
static void
test_connect_rmhook(void)
{
	struct ng_graph *g = ngt_graph();
	struct ng_node *sock = ngt_socket(g, &conn), *a, *b;
	unsigned before;

	a = persistent_hub(sock, ".", "a", "x", "A");
	b = persistent_hub(sock, ".", "b", "y", "B");
	CHECK("connect/setup", a != NULL && b != NULL);
	if (a == NULL || b == NULL)
		goto out;
	before = ng_num_nodes(g);
	CHECK_INT("connect/A to B", ngt_connect(sock, "A:", "B:", "ab", "ba"),
	    0);
	CHECK("connect/edge made", ngt_node(sock, "A:ab") == b);
	CHECK_INT("connect/peerhook exists",
	    ngt_connect(sock, "A:", "B:", "new", "ba"), EEXIST);
	CHECK("connect/no half hook", ng_find_hook(a, "new") == NULL);
	CHECK_INT("connect/ourhook exists",
	    ngt_connect(sock, "A:", "B:", "ab", "new"), EEXIST);
	CHECK("connect/no half hook on B", ng_find_hook(b, "new") == NULL);
	/* The peer's hook is checked before anything on our side. */
	CHECK_INT("connect/peer hook exists, seen from B",
	    ngt_connect(sock, "B:", "[1]:", "link01", "b"), EEXIST);
	/* Names are cut to 31 bytes: two alike in those are one name (a
	 * journal's hook lines reach ng_con_nodes uncut). */
	CHECK_INT("connect/long name, cut",
	    ng_con_nodes(a, "long-hook-name-of-more-than-31-bytes-1", b, "l1"),
	    0);
	CHECK_INT("connect/long name alike in 31 bytes exists",
	    ng_con_nodes(a, "long-hook-name-of-more-than-31-bytes-2", b, "l2"),
	    EEXIST);
	CHECK("connect/one hook of the cut name",
	    ng_find_hook(a, "long-hook-name-of-more-than-31-") != NULL &&
		ng_find_hook(b, "l2") == NULL);
	CHECK_INT("connect/missing node",
	    ngt_connect(sock, "A:", "nosuch:", "q", "r"), ENOENT);
	CHECK_INT("connect/bad path", ngt_connect(sock, "A:", "a.b:", "q", "r"),
	    EINVAL);
	CHECK_INT("connect/relative path",
	    ngt_connect(sock, ".", "b", "c", "yy"), 0);
	CHECK("connect/relative made", ngt_node(sock, "c") == b);
	CHECK_INT("connect/to itself, two hooks",
	    ngt_connect(sock, "A:", "A:", "s1", "s2"), 0);
	CHECK("connect/loop edge", ngt_node(sock, "A:s1") == a);
	{
		char buf[sizeof(struct ngm_connect) + 1];
		struct ngm_connect *con = (struct ngm_connect *)buf;

		memset(buf, 0, sizeof(buf));
		strcpy(con->path, "B:");
		strcpy(con->ourhook, "q");
		strcpy(con->peerhook, "r");
		CHECK_INT("connect/long arglen",
		    ngt_msg(sock, "A:", NGM_GENERIC_COOKIE, NGM_CONNECT, buf,
			sizeof(buf)),
		    EINVAL);
	}
	CHECK_INT("connect/no node made", ng_num_nodes(g), before);

	/* Both names are checked for EEXIST before either type is asked. */
	CHECK_INT("connect/bridge at A:br",
	    ngt_mkpeer(sock, "A:", "bridge", "br", "link0"), 0);
	CHECK_INT("connect/peerhook exists beats our refusal",
	    ngt_connect(sock, "A:br", "A:", "bogus", "x"), EEXIST);
	CHECK_INT("connect/ourhook exists beats peer refusal",
	    ngt_connect(sock, "A:", "A:br", "s1", "bogus"), EEXIST);
	CHECK_INT("connect/then the type refuses",
	    ngt_connect(sock, "A:br", "A:", "bogus", "fresh"), EINVAL);
	CHECK("connect/refusal left nothing", ng_find_hook(a, "fresh") == NULL);
	CHECK_INT("connect/peer type refuses",
	    ngt_connect(sock, "A:", "A:br", "fresh", "bogus"), EINVAL);
	CHECK("connect/peer refusal left nothing",
	    ng_find_hook(a, "fresh") == NULL);
	CHECK_INT("connect/bridge kept its link", ngt_count_type(g, "bridge"),
	    1);

	/* rmhook */
	CHECK_INT("rmhook/missing hook succeeds",
	    ngt_rmhook(sock, "A:", "nohook"), 0);
	CHECK_INT("rmhook/A ab", ngt_rmhook(sock, "A:", "ab"), 0);
	CHECK("rmhook/both ends gone",
	    ng_find_hook(a, "ab") == NULL && ng_find_hook(b, "ba") == NULL);
	CHECK_INT("rmhook/short arglen",
	    ngt_msg(sock, "A:", NGM_GENERIC_COOKIE, NGM_RMHOOK, "s1", 3),
	    EINVAL);
	CHECK("rmhook/arglen error left s1", ng_find_hook(a, "s1") != NULL);
	CHECK_INT("name/short arglen",
	    ngt_msg(sock, "A:", NGM_GENERIC_COOKIE, NGM_NAME, "Z", 2), EINVAL);
	CHECK_STR("name/unchanged", a->name, "A");

	/* Anything else generic, or a bad header */
	CHECK_INT("generic/unknown cmd",
	    ngt_msg(sock, "A:", NGM_GENERIC_COOKIE, 99, NULL, 0), EINVAL);
	CHECK_INT("generic/textstatus unsupported",
	    ngt_msg(sock, "A:", NGM_GENERIC_COOKIE, NGM_TEXT_STATUS, NULL, 0),
	    EINVAL);
	CHECK_INT("generic/textconfig unsupported",
	    ngt_msg(sock, "A:", NGM_GENERIC_COOKIE, NGM_TEXT_CONFIG, NULL, 0),
	    EINVAL);
	{
		struct ng_mesg *m = ng_mkmsg(NGM_GENERIC_COOKIE, NGM_NODEINFO,
		    0);

		m->header.version = 7;
		CHECK_INT("generic/bad version", ng_send_msg(sock, "A:", m),
		    EINVAL);
		free(m);
	}
	CHECK_INT("hub/other message",
	    ngt_msg(sock, "A:", NGM_HUB_COOKIE, 2, NULL, 0), EINVAL);
	CHECK_INT("shutdown/persistent hub", ngt_shutdown(sock, "A:"), 0);
	CHECK("shutdown/A gone", ngt_node(sock, "A:") == NULL);
	CHECK("shutdown/sock lost its hook to A",
	    ng_find_hook(sock, "a") == NULL);
out:
	ngt_clear(&conn);
	ng_graph_free(g);
}

/*
 * An edge from a node to itself, the node's last: removing it shuts the
 * node down once, after both ends were told (each type below goes with
 * its last hook).  The ASan build catches a disconnect that meets a
 * node already shut down.
 *
 *   sock --s-- N  x --+
 *                 y --+
 */
static void
test_self_edge(void)
{
	static const struct {
		const char *type, *first, *x, *y;
	} t[] = {
		{ "hub", "a", "x", "y" },
		{ "tee", "left2right", "left", "right" },
		{ "one2many", "many9", "one", "many0" },
		{ "vlan", "nomatch", "downstream", "v1" },
		{ "bpf", "a", "x", "y" },
	};
	struct ng_graph *g = ngt_graph();
	struct ng_node *sock = ngt_socket(g, &conn), *n = NULL;
	char what[64];

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		snprintf(what, sizeof(what), "self edge/%s", t[i].type);
		CHECK_INT(what,
		    ngt_mkpeer(sock, ".", t[i].type, "s", t[i].first), 0);
		CHECK_INT(what, ngt_name(sock, "s", "N"), 0);
		CHECK_INT(what, ngt_connect(sock, "N:", "N:", t[i].x, t[i].y),
		    0);
		CHECK_INT(what, ngt_rmhook(sock, ".", "s"), 0);
		CHECK(what, ngt_node(sock, "N:") != NULL);
		CHECK_INT(what, ngt_rmhook(sock, "N:", t[i].x), 0);
		CHECK_INT(what, ngt_count_type(g, t[i].type), 0);
	}
	/* A bridge refuses the edge (ELOOP): its node had no other hook. */
	CHECK_INT("self edge/bridge made", ng_make_node(g, "bridge", &n), 0);
	if (n != NULL)
		CHECK_INT("self edge/bridge refuses",
		    ng_con_nodes(n, "link0", n, "link1"), ELOOP);
	CHECK_INT("self edge/bridge gone", ngt_count_type(g, "bridge"), 0);
	ngt_clear(&conn);
	ng_graph_free(g);
}

/* The reply to a no-argument generic command sent to path. */
static const struct ng_mesg *
ask(struct ng_node *sock, const char *path, uint32_t cmd, int *error)
{
	struct ng_mesg *m = ng_mkmsg(NGM_GENERIC_COOKIE, cmd, 0);

	ngt_clear(&conn);
	m->header.token = 4242;
	*error = ng_send_msg(sock, path, m);
	free(m);
	return ngt_last_msg(&conn);
}

/*
 * §5.2 replies:
 *   sock --a-- x  H  y --b-- sock     (H named, sock named "me")
 *               H  z --q-- Q (hub, unnamed)
 */
static void
test_replies(void)
{
	struct ng_graph *g = ngt_graph();
	struct ng_node *sock = ngt_socket(g, &conn), *h, *q;
	const struct ng_mesg *r;
	int error;

	h = persistent_hub(sock, ".", "a", "x", "H");
	CHECK("replies/setup", h != NULL);
	if (h == NULL)
		goto out;
	CHECK_INT("replies/connect b", ngt_connect(sock, ".", "H:", "b", "y"),
	    0);
	CHECK_INT("replies/mkpeer Q", ngt_mkpeer(sock, "H:", "hub", "z", "q"),
	    0);
	q = ngt_node(sock, "H:z");
	CHECK_INT("replies/name me", ngt_name(sock, ".", "me"), 0);

	r = ask(sock, "H:", NGM_NODEINFO, &error);
	CHECK_INT("nodeinfo/ok", error, 0);
	CHECK("nodeinfo/one reply", conn.nmsgs == 1 && r != NULL);
	if (r != NULL) {
		const struct nodeinfo *ni = (const struct nodeinfo *)r->data;

		CHECK("nodeinfo/header",
		    (r->header.flags & NGF_RESP) && r->header.token == 4242 &&
			r->header.cmd == NGM_NODEINFO &&
			r->header.typecookie == NGM_GENERIC_COOKIE);
		CHECK_INT("nodeinfo/arglen", r->header.arglen, sizeof(*ni));
		CHECK_INT("nodeinfo/from H", conn.from[0], h->id);
		CHECK_STR("nodeinfo/name", ni->name, "H");
		CHECK_STR("nodeinfo/type", ni->type, "hub");
		CHECK_INT("nodeinfo/id", ni->id, h->id);
		CHECK_INT("nodeinfo/hooks", ni->hooks, 3);
	}

	r = ask(sock, "H:", NGM_LISTHOOKS, &error);
	CHECK_INT("listhooks/ok", error, 0);
	if (r != NULL) {
		const struct hooklist *hl = (const struct hooklist *)r->data;

		CHECK_INT("listhooks/arglen", r->header.arglen,
		    sizeof(*hl) + 3 * sizeof(hl->link[0]));
		CHECK_INT("listhooks/count", hl->nodeinfo.hooks, 3);
		CHECK_STR("listhooks/node", hl->nodeinfo.name, "H");
		/* newest first: z, y, x */
		CHECK_STR("listhooks/newest first", hl->link[0].ourhook, "z");
		CHECK_STR("listhooks/peer hook", hl->link[0].peerhook, "q");
		CHECK_STR("listhooks/peer type", hl->link[0].nodeinfo.type,
		    "hub");
		CHECK_INT("listhooks/peer id", hl->link[0].nodeinfo.id,
		    q != NULL ? q->id : 0);
		CHECK_STR("listhooks/peer unnamed", hl->link[0].nodeinfo.name,
		    "");
		CHECK_STR("listhooks/second", hl->link[1].ourhook, "y");
		CHECK_STR("listhooks/second peer", hl->link[1].nodeinfo.name,
		    "me");
		CHECK_STR("listhooks/oldest last", hl->link[2].ourhook, "x");
		CHECK_STR("listhooks/oldest peer hook", hl->link[2].peerhook,
		    "a");
	}

	r = ask(sock, ".", NGM_LISTNAMES, &error);
	CHECK_INT("listnames/ok", error, 0);
	if (r != NULL) {
		const struct namelist *nl = (const struct namelist *)r->data;

		CHECK_INT("listnames/count", nl->numnames, 2);
		CHECK_INT("listnames/arglen", r->header.arglen,
		    sizeof(*nl) + 2 * sizeof(nl->nodeinfo[0]));
		CHECK_STR("listnames/first", nl->nodeinfo[0].name, "me");
		CHECK_STR("listnames/second", nl->nodeinfo[1].name, "H");
	}

	r = ask(sock, ".", NGM_LISTNODES, &error);
	CHECK_INT("listnodes/ok", error, 0);
	if (r != NULL) {
		const struct namelist *nl = (const struct namelist *)r->data;

		CHECK_INT("listnodes/count", nl->numnames, 3);
		CHECK("listnodes/ascending",
		    nl->numnames == 3 &&
			nl->nodeinfo[0].id < nl->nodeinfo[1].id &&
			nl->nodeinfo[1].id < nl->nodeinfo[2].id);
		CHECK_STR("listnodes/socket first", nl->nodeinfo[0].type,
		    "socket");
		CHECK_INT("listnodes/hooks of Q", nl->nodeinfo[2].hooks, 1);
	}

	r = ask(sock, ".", NGM_LISTTYPES, &error);
	CHECK_INT("listtypes/ok", error, 0);
	if (r != NULL) {
		const struct typelist *tl = (const struct typelist *)r->data;
		int socket_seen = 0, hub_nodes = -1;

		CHECK("listtypes/at least 4", tl->numtypes >= 4);
		CHECK_INT("listtypes/arglen", r->header.arglen,
		    sizeof(*tl) + tl->numtypes * sizeof(tl->typeinfo[0]));
		for (unsigned i = 0; i < tl->numtypes; i++) {
			if (strcmp(tl->typeinfo[i].type_name, "socket") == 0)
				socket_seen = tl->typeinfo[i].numnodes;
			if (strcmp(tl->typeinfo[i].type_name, "hub") == 0)
				hub_nodes = (int)tl->typeinfo[i].numnodes;
		}
		CHECK_INT("listtypes/socket numnodes", socket_seen, 1);
		CHECK_INT("listtypes/hub numnodes", hub_nodes, 2);
		/* most recently registered first: socket was the first */
		CHECK_STR("listtypes/socket last",
		    tl->typeinfo[tl->numtypes - 1].type_name, "socket");
	}

	/* A failed request gets no reply. */
	r = ask(sock, "nosuch:", NGM_NODEINFO, &error);
	CHECK_INT("replies/missing node", error, ENOENT);
	CHECK("replies/no reply on error", r == NULL);
out:
	ngt_clear(&conn);
	ng_graph_free(g);
}

/*
 * §9.6 hub:   sock a,b,c --- h1,h2,h3  hub
 */
static void
test_hub(void)
{
	static const uint8_t m1[6] = { 2, 0, 0, 0, 0, 1 },
			     m2[6] = { 2, 0, 0, 0, 0, 2 };
	struct ng_graph *g = ngt_graph();
	struct ng_node *sock = ngt_socket(g, &conn);

	CHECK_INT("hub/mkpeer", ngt_mkpeer(sock, ".", "hub", "a", "h1"), 0);
	CHECK_INT("hub/single hook drops",
	    ngt_send_frame(sock, "a", m1, m2, 60), 0);
	CHECK_INT("hub/nothing out", conn.nframes, 0);
	CHECK_INT("hub/connect b", ngt_connect(sock, ".", "a", "b", "h2"), 0);
	CHECK_INT("hub/connect c", ngt_connect(sock, ".", "a", "c", "h3"), 0);
	CHECK_INT("hub/send on a", ngt_send_frame(sock, "a", m1, m2, 60), 0);
	CHECK_INT("hub/out b", ngt_count(&conn, "b"), 1);
	CHECK_INT("hub/out c", ngt_count(&conn, "c"), 1);
	CHECK_INT("hub/not back out a", ngt_count(&conn, "a"), 0);
	CHECK("hub/shared, not copied",
	    conn.nframes == 2 && conn.frames[0].pkt == conn.frames[1].pkt);
	CHECK("hub/bytes",
	    conn.nframes == 2 && conn.frames[0].len == 60 &&
		memcmp(conn.frames[1].data, m1, 6) == 0);
	CHECK_INT("hub/setpersistent",
	    ngt_msg(sock, "a", NGM_HUB_COOKIE, NGM_HUB_SET_PERSISTENT, NULL, 0),
	    0);
	CHECK_INT("hub/rmhook a", ngt_rmhook(sock, ".", "a"), 0);
	CHECK_INT("hub/rmhook b", ngt_rmhook(sock, ".", "b"), 0);
	CHECK_INT("hub/rmhook c", ngt_rmhook(sock, ".", "c"), 0);
	CHECK_INT("hub/persistent survives", ngt_count_type(g, "hub"), 1);
	ngt_clear(&conn);
	ng_graph_free(g);
}

/* §9.1: the socket node's own side. */
static void
test_socket(void)
{
	static const uint8_t m1[6] = { 2, 0, 0, 0, 0, 1 };
	struct ng_graph *g = ngt_graph();
	struct ng_node *sock = ngt_socket(g, &conn);
	char longhook[40];

	memset(longhook, 'h', sizeof(longhook) - 1);
	longhook[sizeof(longhook) - 1] = '\0';
	CHECK_INT("socket/no hook", ngt_send_frame(sock, "zz", m1, m1, 20),
	    EHOSTUNREACH);
	CHECK_INT("socket/no address, no hook",
	    ngt_send_frame(sock, "", m1, m1, 20), EDESTADDRREQ);
	CHECK_INT("socket/hook name too long",
	    ngt_send_frame(sock, longhook, m1, m1, 20), EINVAL);
	CHECK_INT("socket/mkpeer hub", ngt_mkpeer(sock, ".", "hub", "a", "x"),
	    0);
	CHECK_INT("socket/loop back", ngt_connect(sock, ".", "a", "b", "y"), 0);
	CHECK_INT("socket/a to b", ngt_send_frame(sock, "a", m1, m1, 1), 0);
	CHECK_INT("socket/arrived on b", ngt_count(&conn, "b"), 1);
	CHECK_INT("socket/no address, two hooks",
	    ngt_send_frame(sock, "", m1, m1, 20), EDESTADDRREQ);
	CHECK_INT("socket/rmhook b", ngt_rmhook(sock, ".", "b"), 0);
	CHECK_INT("socket/no address, one hook",
	    ngt_send_frame(sock, "", m1, m1, 20), 0);
	CHECK_INT("socket/not a constructor",
	    ngt_mkpeer(sock, ".", "socket", "s", "t"), EINVAL);
	ngt_close(&conn);
	CHECK_INT("socket/closing takes the hub", ng_num_nodes(g), 0);
	ng_graph_free(g);
}

/*
 * The graph's hook-name index: 5,000 edges between two hubs, each hook
 * named as its peer (one name on two nodes, in one bucket), then every
 * other edge gone and the hubs' hooks listed again.  The index grows
 * as hooks come (16 buckets to 16,384) and must find each hook on its
 * own node, and no hook that went.
 *
 *   A h0..h4999 ===== h0..h4999 B
 */
static void
test_hook_index(void)
{
	struct ng_graph *g = ngt_graph();
	struct ng_node *sock = ngt_socket(g, &conn), *a, *b;
	unsigned bad = 0, n = 5000;
	char name[NG_HOOKSIZ];

	a = persistent_hub(sock, ".", "a", "x", "A");
	b = persistent_hub(sock, ".", "b", "y", "B");
	CHECK("hookindex/setup", a != NULL && b != NULL);
	if (a == NULL || b == NULL)
		goto out;
	for (unsigned i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "h%u", i);
		if (ng_con_nodes(a, name, b, name) != 0)
			bad++;
	}
	CHECK_INT("hookindex/5,000 edges made", bad, 0);
	CHECK_INT("hookindex/one name again on A",
	    ng_con_nodes(a, "h17", b, "new"), EEXIST);
	for (unsigned i = 0; i < n; i++) {
		struct ng_hook *ha, *hb;

		snprintf(name, sizeof(name), "h%u", i);
		ha = ng_find_hook(a, name);
		hb = ng_find_hook(b, name);
		if (ha == NULL || hb == NULL || ha->node != a ||
		    hb->node != b || ha->peer != hb || strcmp(ha->name, name))
			bad++;
	}
	CHECK_INT("hookindex/each found on its own node", bad, 0);
	for (unsigned i = 1; i < n; i += 2) {
		snprintf(name, sizeof(name), "h%u", i);
		if (ngt_rmhook(sock, "A:", name) != 0)
			bad++;
	}
	CHECK_INT("hookindex/every other removed", bad, 0);
	for (unsigned i = 0; i < n; i++) {
		bool there;

		snprintf(name, sizeof(name), "h%u", i);
		there = i % 2 == 0;
		if ((ng_find_hook(a, name) != NULL) != there ||
		    (ng_find_hook(b, name) != NULL) != there)
			bad++;
	}
	CHECK_INT("hookindex/the rest found, the removed not", bad, 0);
	CHECK_INT("hookindex/A's count", a->numhooks, n / 2 + 1);
	CHECK_INT("hookindex/a removed name free again",
	    ng_con_nodes(a, "h1", b, "h1"), 0);
	CHECK_INT("hookindex/shutdown A", ngt_shutdown(sock, "A:"), 0);
	CHECK("hookindex/B's ends went with A",
	    ng_find_hook(b, "h0") == NULL && ng_find_hook(b, "h1") == NULL &&
		b->numhooks == 1);
	CHECK("hookindex/B's own hook kept", ng_find_hook(b, "y") != NULL);
out:
	ngt_clear(&conn);
	ng_graph_free(g);
}

/*
 * A loop of flooding nodes: two hubs joined twice, a third hook on each.
 *
 *      sock:a --- x [H1] p ======= p [H2] y --- sock:b
 *                       q ======= q
 *
 * Each turn round the loop doubles the copies; the depth limit alone
 * would allow 2^64 deliveries.  One frame may cause NG_MAX_SENDS (found
 * by fuzz_bridge, where such a storm held ngd for good).
 */
static void
test_storm(void)
{
	static const uint8_t m1[6] = { 2, 0, 0, 0, 0, 1 };
	struct ng_graph *g = ngt_graph();
	struct ng_node *sock = ngt_socket(g, &conn);
	unsigned got;

	CHECK_INT("storm/H1", ngt_mkpeer(sock, ".", "hub", "a", "x"), 0);
	CHECK_INT("storm/H1 named", ngt_name(sock, "a", "H1"), 0);
	CHECK_INT("storm/H2", ngt_mkpeer(sock, ".", "hub", "b", "y"), 0);
	CHECK_INT("storm/H2 named", ngt_name(sock, "b", "H2"), 0);
	CHECK_INT("storm/p", ngt_connect(sock, "H1:", "H2:", "p", "p"), 0);
	CHECK_INT("storm/q", ngt_connect(sock, "H1:", "H2:", "q", "q"), 0);
	(void)ngt_send_frame(sock, "a", m1, m1, 60);
	got = ngt_count(&conn, "a") + ngt_count(&conn, "b");
	CHECK("storm/one frame ends", got > 0 && got <= NG_MAX_SENDS);
	ngt_clear(&conn);
	CHECK_INT("storm/the next frame too",
	    ngt_send_frame(sock, "b", m1, m1, 60) == 0 ||
		ngt_count(&conn, "a") <= NG_MAX_SENDS,
	    1);
	ngt_close(&conn);
	ng_graph_free(g);
}

static uint64_t
fixed_random(void)
{
	return 0x0123456789abcdefull;
}

/* ng_random64: the graph's source when it has one (ngd: getrandom);
 * without, never the same twice in a row, even with the clock stopped. */
static void
test_random(void)
{
	struct ng_graph_cfg cfg = { .random64 = fixed_random };
	struct ng_graph *g;
	uint64_t a, b;

	CHECK_INT("a graph with a random source", ng_graph_new(&cfg, &g), 0);
	CHECK("its bits are the source's",
	    ng_random64(g) == 0x0123456789abcdefull);
	ng_graph_free(g);
	CHECK_INT("a graph without", ng_graph_new(NULL, &g), 0);
	a = ng_random64(g);
	b = ng_random64(g);
	CHECK("without: two calls differ (stopped clock)", a != b);
	CHECK("without: not the clock itself", a != 0 && b != 0);
	ng_graph_free(g);
}

int
main(void)
{
	test_random();
	test_ids_and_addresses();
	test_names();
	test_lifecycle();
	test_connect_rmhook();
	test_self_edge();
	test_replies();
	test_hub();
	test_socket();
	test_storm();
	test_hook_index();
	return ngt_done();
}
