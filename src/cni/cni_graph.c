/*
 * cni_graph.c: the plugin's side of the graph, through libnetgraph.  It
 * talks to the ngd of the namespace it runs in (the runtime's), starting
 * one when none answers: detached, in its own session, with nothing of
 * ours open (a runtime reads the plugin's stdout and stderr to EOF, so a
 * daemon holding them would hang it).  Many plugins may do so at once
 * (the state lock is not held here): an ngd that finds another serving
 * exits, and its starter takes the other; two that make the same bridge
 * or pick the same link of it find out from ngd (EADDRINUSE, EEXIST) and
 * take the other's bridge, or the next link.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <netgraph.h>
#include <netgraph/ng_bridge.h>
#include <netgraph/ng_eiface.h>
#include <netgraph/ng_nat.h>
#include <netgraph/ng_vlan.h>

#include "cni.h"

#define NGCNI_NGD_WAIT_MS 5000 /* how long a freshly started ngd may take */
#define NGCNI_NGD_POLL_MS 10
#define NGCNI_NGD_GRACE_MS 1000 /* for another's, once ours gave up */
#define NGCNI_MAXLINKS 4096     /* bridge link hooks tried */
#define NGCNI_RACES 64          /* tries against other plugins at the bridge */

static char ngcni_liberr[256]; /* libnetgraph's last complaint */

static void
ngcni_liblog(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(ngcni_liberr, sizeof(ngcni_liberr), fmt, ap);
	va_end(ap);
}

/* Where ngd is: beside us in the build tree, in PREFIX/sbin, on PATH. */
static void
ngcni_ngd_exec(void)
{
	static const char *const rel[] = { "../ngd", "../../sbin/ngd",
		"../../../sbin/ngd" };
	char self[PATH_MAX], path[PATH_MAX + 32];
	ssize_t n;
	char *slash;
	size_t i;

	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n > 0) {
		self[n] = '\0';
		if ((slash = strrchr(self, '/')) != NULL) {
			*slash = '\0';
			for (i = 0; i < sizeof(rel) / sizeof(rel[0]); i++) {
				snprintf(path, sizeof(path), "%s/%s", self,
				    rel[i]);
				if (access(path, X_OK) == 0)
					execl(path, "ngd", (char *)NULL);
			}
		}
	}
	execlp("ngd", "ngd", (char *)NULL);
	execl("/usr/sbin/ngd", "ngd", (char *)NULL);
	execl("/usr/local/sbin/ngd", "ngd", (char *)NULL);
}

static int
ngcni_ngd_start(pid_t *pid)
{
	int fd;

	if ((*pid = fork()) < 0)
		return errno;
	if (*pid > 0)
		return 0;
	setsid();
	signal(SIGPIPE, SIG_DFL);
	if ((fd = open("/dev/null", O_RDWR)) >= 0) {
		dup2(fd, STDIN_FILENO);
		dup2(fd, STDOUT_FILENO);
		dup2(fd, STDERR_FILENO);
	}
	close_range(STDERR_FILENO + 1, ~0U, 0);
	ngcni_ngd_exec();
	_exit(127);
}

static bool
ngcni_nobody_home(int error)
{
	return error == ECONNREFUSED || error == ENOENT;
}

int
ngcni_graph_open(struct ngcni_graph *g, struct ngcni_err *e)
{
	struct timespec pause = { 0, NGCNI_NGD_POLL_MS * 1000000L };
	int waited, status, error;
	pid_t pid;

	NgSetErrLog(ngcni_liblog, ngcni_liblog);
	g->cs = -1;
	if (NgMkSockNode(NULL, &g->cs, NULL) == 0)
		return 0;
	error = errno;
	if (!ngcni_nobody_home(error))
		goto fail;
	if ((error = ngcni_ngd_start(&pid)) != 0)
		goto fail;
	for (waited = 0; waited < NGCNI_NGD_WAIT_MS;
	     waited += NGCNI_NGD_POLL_MS) {
		nanosleep(&pause, NULL);
		if (NgMkSockNode(NULL, &g->cs, NULL) == 0)
			break;
		error = errno;
		if (!ngcni_nobody_home(error))
			goto fail;
		/* An ngd that gave up will not answer later, but one
		 * another plugin started may (ours found it serving, or
		 * lost the race to bind): a moment more for it. */
		if (pid > 0 && waitpid(pid, &status, WNOHANG) == pid) {
			pid = 0;
			if ((!WIFEXITED(status) || WEXITSTATUS(status) != 0) &&
			    waited < NGCNI_NGD_WAIT_MS - NGCNI_NGD_GRACE_MS)
				waited = NGCNI_NGD_WAIT_MS - NGCNI_NGD_GRACE_MS;
		}
	}
	if (pid > 0)
		(void)waitpid(pid, &status, WNOHANG);
	if (g->cs >= 0)
		return 0;
fail:
	return ngcni_fail(e, NGCNI_E_AGAIN, ngcni_liberr,
	    "cannot reach ngd on %s: %s", NgSocketPath(), NgStrError(error));
}

void
ngcni_graph_close(struct ngcni_graph *g)
{
	if (g->cs >= 0)
		close(g->cs);
	g->cs = -1;
}

/* A generic message without reply: 0 or an errno. */
static int
ngcni_send(struct ngcni_graph *g, const char *path, int cookie, int cmd,
    const void *arg, size_t len)
{
	return NgSendMsg(g->cs, path, cookie, cmd, arg, len) < 0 ? errno : 0;
}

/* A message and its reply (freed by the caller). */
static int
ngcni_query(struct ngcni_graph *g, const char *path, int cookie, int cmd,
    const void *arg, size_t len, struct ng_mesg **rep)
{
	if (NgSendMsg(g->cs, path, cookie, cmd, arg, len) < 0)
		return errno;
	if (NgAllocRecvMsg(g->cs, rep, NULL) < 0)
		return errno;
	return 0;
}

int
ngcni_graph_info(struct ngcni_graph *g, const char *path, uint32_t *id,
    char *type, char *name)
{
	struct ng_mesg *rep;
	struct nodeinfo *ni;
	int error;

	if ((error = ngcni_query(g, path, NGM_GENERIC_COOKIE, NGM_NODEINFO,
		 NULL, 0, &rep)) != 0)
		return error;
	if (rep->header.arglen < sizeof(*ni)) {
		free(rep);
		return EPROTO;
	}
	ni = (struct nodeinfo *)rep->data;
	if (id != NULL)
		*id = ni->id;
	if (type != NULL)
		snprintf(type, NG_TYPESIZ, "%s", ni->type);
	if (name != NULL)
		snprintf(name, NG_NODESIZ, "%s", ni->name);
	free(rep);
	return 0;
}

static int
ngcni_mkpeer(struct ngcni_graph *g, const char *path, const char *type,
    const char *ourhook, const char *peerhook)
{
	struct ngm_mkpeer mp;

	memset(&mp, 0, sizeof(mp));
	snprintf(mp.type, sizeof(mp.type), "%s", type);
	snprintf(mp.ourhook, sizeof(mp.ourhook), "%s", ourhook);
	snprintf(mp.peerhook, sizeof(mp.peerhook), "%s", peerhook);
	return ngcni_send(g, path, NGM_GENERIC_COOKIE, NGM_MKPEER, &mp,
	    sizeof(mp));
}

static int
ngcni_connect(struct ngcni_graph *g, const char *path, const char *peer,
    const char *ourhook, const char *peerhook)
{
	struct ngm_connect c;

	memset(&c, 0, sizeof(c));
	snprintf(c.path, sizeof(c.path), "%s", peer);
	snprintf(c.ourhook, sizeof(c.ourhook), "%s", ourhook);
	snprintf(c.peerhook, sizeof(c.peerhook), "%s", peerhook);
	return ngcni_send(g, path, NGM_GENERIC_COOKIE, NGM_CONNECT, &c,
	    sizeof(c));
}

static int
ngcni_name(struct ngcni_graph *g, const char *path, const char *name)
{
	struct ngm_name n;

	memset(&n, 0, sizeof(n));
	snprintf(n.name, sizeof(n.name), "%s", name);
	return ngcni_send(g, path, NGM_GENERIC_COOKIE, NGM_NAME, &n, sizeof(n));
}

static int
ngcni_rmhook(struct ngcni_graph *g, const char *path, const char *hook)
{
	struct ngm_rmhook r;

	memset(&r, 0, sizeof(r));
	snprintf(r.ourhook, sizeof(r.ourhook), "%s", hook);
	return ngcni_send(g, path, NGM_GENERIC_COOKIE, NGM_RMHOOK, &r,
	    sizeof(r));
}

/*
 * A new node of type type, hookless, by ID: made on a hook of our socket
 * node, which is then cut (eiface lives on without hooks; a vlan or
 * bridge would not, so those are made on their peer instead).
 */
static int
ngcni_mknode(struct ngcni_graph *g, const char *type, const char *peerhook,
    uint32_t *id)
{
	int error;

	if ((error = ngcni_mkpeer(g, ".", type, "n", peerhook)) != 0)
		return error;
	error = ngcni_graph_info(g, ".:n", id, NULL, NULL);
	(void)ngcni_rmhook(g, ".", "n");
	return error;
}

/* The first free linkN of a bridge. */
static int
ngcni_free_link(struct ngcni_graph *g, const char *br, char *hook, size_t size)
{
	struct ng_mesg *rep;
	struct hooklist *hl;
	unsigned char *used;
	uint32_t i, n;
	int error;

	if ((error = ngcni_query(g, br, NGM_GENERIC_COOKIE, NGM_LISTHOOKS, NULL,
		 0, &rep)) != 0)
		return error;
	if (rep->header.arglen < sizeof(*hl)) {
		free(rep);
		return EPROTO;
	}
	hl = (struct hooklist *)rep->data;
	n = hl->nodeinfo.hooks;
	if (rep->header.arglen < sizeof(*hl) + (size_t)n * sizeof(hl->link[0]))
		n = 0;
	if ((used = calloc(NGCNI_MAXLINKS, 1)) == NULL) {
		free(rep);
		return ENOMEM;
	}
	for (i = 0; i < n; i++) {
		const char *h = hl->link[i].ourhook;
		char *end;
		unsigned long k;

		if (strncmp(h, NG_BRIDGE_HOOK_LINK_PREFIX,
			strlen(NG_BRIDGE_HOOK_LINK_PREFIX)) != 0)
			continue;
		k = strtoul(h + strlen(NG_BRIDGE_HOOK_LINK_PREFIX), &end, 10);
		if (*end == '\0' && k < NGCNI_MAXLINKS)
			used[k] = 1;
	}
	free(rep);
	for (i = 0; i < NGCNI_MAXLINKS && used[i]; i++)
		;
	free(used);
	if (i == NGCNI_MAXLINKS)
		return ENOSPC;
	snprintf(hook, size, NG_BRIDGE_HOOK_LINK_PREFIX "%u", (unsigned)i);
	return 0;
}

/*
 * Hang path's hook on bridge brname, making the bridge when absent.  A
 * bridge another plugin named first is taken instead of ours (shut
 * down: it had only our hook), a link another took first for the next.
 */
static int
ngcni_to_bridge(struct ngcni_graph *g, const char *path, const char *hook,
    const char *brname, struct ngcni_err *e)
{
	char br[NG_NODESIZ + 1], type[NG_TYPESIZ], link[NG_HOOKSIZ];
	char peer[NG_PATHSIZ];
	int error, tries = 0;

	snprintf(br, sizeof(br), "%s:", brname);
	snprintf(peer, sizeof(peer), "%s%s", path, hook);
again:
	error = ngcni_graph_info(g, br, NULL, type, NULL);
	if (error == ENOENT) {
		if ((error = ngcni_mkpeer(g, path, NG_BRIDGE_NODE_TYPE, hook,
			 NG_BRIDGE_HOOK_LINK_PREFIX "0")) != 0)
			return ngcni_fail(e, NGCNI_E_GRAPH, ngcni_liberr,
			    "cannot make bridge %s: %s", brname,
			    NgStrError(error));
		if ((error = ngcni_name(g, peer, brname)) == 0)
			return 0;
		(void)ngcni_send(g, peer, NGM_GENERIC_COOKIE, NGM_SHUTDOWN,
		    NULL, 0);
		if (error == EADDRINUSE && ++tries < NGCNI_RACES)
			goto again;
		return ngcni_fail(e, NGCNI_E_GRAPH, ngcni_liberr,
		    "cannot name bridge %s: %s", brname, NgStrError(error));
	}
	if (error != 0)
		return ngcni_fail(e, NGCNI_E_GRAPH, ngcni_liberr, "node %s: %s",
		    brname, NgStrError(error));
	if (strcmp(type, NG_BRIDGE_NODE_TYPE) != 0)
		return ngcni_fail(e, NGCNI_E_CONFIG, NULL,
		    "node %s is a %s, not a bridge", brname, type);
	if ((error = ngcni_free_link(g, br, link, sizeof(link))) == 0 &&
	    (error = ngcni_connect(g, path, br, hook, link)) == EEXIST &&
	    ++tries < NGCNI_RACES)
		goto again;
	/* (ENOENT: the bridge went with its last link meanwhile) */
	if (error == ENOENT && ++tries < NGCNI_RACES)
		goto again;
	if (error != 0)
		return ngcni_fail(e, NGCNI_E_GRAPH, ngcni_liberr,
		    "cannot connect to bridge %s: %s", brname,
		    NgStrError(error));
	return 0;
}

/* Hang eiface path on the bridge, through a vlan node tagging vid when
 * vid > 0 (its ID in *vlid as soon as it exists). */
static int
ngcni_hang(struct ngcni_graph *g, const char *path, const char *brname, int vid,
    uint32_t *vlid, struct ngcni_err *e)
{
	char vpath[48];
	int error;

	if (vid <= 0)
		return ngcni_to_bridge(g, path, NG_EIFACE_HOOK_ETHER, brname,
		    e);
	snprintf(vpath, sizeof(vpath), "%s%s", path, NG_EIFACE_HOOK_ETHER);
	if ((error = ngcni_mkpeer(g, path, NG_VLAN_NODE_TYPE,
		 NG_EIFACE_HOOK_ETHER, "v")) != 0 ||
	    (error = ngcni_graph_info(g, vpath, vlid, NULL, NULL)) != 0)
		return ngcni_fail(e, NGCNI_E_GRAPH, ngcni_liberr,
		    "cannot make a vlan node: %s", NgStrError(error));
	snprintf(vpath, sizeof(vpath), "[%08x]:", *vlid);
	if (NgSendAsciiMsg(g->cs, vpath, "addfilter { hook=\"v\" vid=%d }",
		vid) < 0) {
		error = errno;
		return ngcni_fail(e, NGCNI_E_GRAPH, ngcni_liberr,
		    "cannot filter vlan %d: %s", vid, NgStrError(error));
	}
	return ngcni_to_bridge(g, vpath, NG_VLAN_HOOK_DOWNSTREAM, brname, e);
}

int
ngcni_graph_attach(struct ngcni_graph *g, const char *brname,
    const uint8_t *mac, int vid, uint32_t *eid, uint32_t *vlid,
    struct ngcni_err *e)
{
	char path[32];
	int error;

	*eid = *vlid = 0;
	if ((error = ngcni_mknode(g, NG_EIFACE_NODE_TYPE, NG_EIFACE_HOOK_ETHER,
		 eid)) != 0)
		return ngcni_fail(e, NGCNI_E_GRAPH, ngcni_liberr,
		    "cannot make an eiface: %s", NgStrError(error));
	snprintf(path, sizeof(path), "[%08x]:", *eid);
	if (mac != NULL &&
	    (error = ngcni_send(g, path, NGM_EIFACE_COOKIE, NGM_EIFACE_SET, mac,
		 6)) != 0)
		return ngcni_fail(e, NGCNI_E_GRAPH, ngcni_liberr,
		    "cannot set the MAC: %s", NgStrError(error));
	return ngcni_hang(g, path, brname, vid, vlid, e);
}

int
ngcni_graph_ifname(struct ngcni_graph *g, uint32_t id, char *ifname,
    size_t size, struct ngcni_err *e)
{
	struct ng_mesg *rep;
	char path[32];
	int error;

	snprintf(path, sizeof(path), "[%08x]:", id);
	if ((error = ngcni_query(g, path, NGM_EIFACE_COOKIE,
		 NGM_EIFACE_GET_IFNAME, NULL, 0, &rep)) != 0)
		return ngcni_fail(e, NGCNI_E_GRAPH, ngcni_liberr,
		    "eiface %s: no interface name: %s", path,
		    NgStrError(error));
	snprintf(ifname, size, "%.*s", (int)rep->header.arglen, rep->data);
	free(rep);
	return 0;
}

int
ngcni_graph_vnet(struct ngcni_graph *g, uint32_t id, const char *nsname,
    struct ngcni_err *e)
{
	char path[32];
	int error;

	snprintf(path, sizeof(path), "[%08x]:", id);
	if ((error = ngcni_send(g, path, NGM_EIFACE_COOKIE, NGM_EIFACE_VNET,
		 nsname, strlen(nsname) + 1)) != 0)
		return ngcni_fail(e, NGCNI_E_GRAPH, ngcni_liberr,
		    "cannot move the interface to netns %s: %s", nsname,
		    NgStrError(error));
	return 0;
}

int
ngcni_graph_shutdown(struct ngcni_graph *g, uint32_t id, const char *type)
{
	char path[32], t[NG_TYPESIZ];
	int error;

	if (id == 0)
		return 0;
	snprintf(path, sizeof(path), "[%08x]:", id);
	error = ngcni_graph_info(g, path, NULL, t, NULL);
	if (error == ENOENT)
		return 0;
	if (error != 0)
		return error;
	if (strcmp(t, type) != 0)
		return 0; /* the ID went to another node since */
	error = ngcni_send(g, path, NGM_GENERIC_COOKIE, NGM_SHUTDOWN, NULL, 0);
	return error == ENOENT ? 0 : error;
}

int
ngcni_graph_gateway(struct ngcni_graph *g, const char *brname, int vid,
    const char *gwname, uint32_t *id, struct ngcni_err *e)
{
	char path[NG_NODESIZ + 1], type[NG_TYPESIZ];
	uint32_t vlid = 0;
	int error;

	snprintf(path, sizeof(path), "%s:", gwname);
	error = ngcni_graph_info(g, path, id, type, NULL);
	if (error == 0) {
		if (strcmp(type, NG_EIFACE_NODE_TYPE) != 0)
			return ngcni_fail(e, NGCNI_E_CONFIG, NULL,
			    "node %s is a %s, not an eiface", gwname, type);
		return 0;
	}
	if (error != ENOENT)
		return ngcni_fail(e, NGCNI_E_GRAPH, ngcni_liberr, "node %s: %s",
		    gwname, NgStrError(error));
	if ((error = ngcni_mknode(g, NG_EIFACE_NODE_TYPE, NG_EIFACE_HOOK_ETHER,
		 id)) != 0)
		return ngcni_fail(e, NGCNI_E_GRAPH, ngcni_liberr,
		    "cannot make the gateway eiface: %s", NgStrError(error));
	snprintf(path, sizeof(path), "[%08x]:", *id);
	if ((error = ngcni_name(g, path, gwname)) != 0) {
		(void)ngcni_graph_shutdown(g, *id, NG_EIFACE_NODE_TYPE);
		return ngcni_fail(e, NGCNI_E_GRAPH, ngcni_liberr,
		    "cannot name the gateway eiface %s: %s", gwname,
		    NgStrError(error));
	}
	if ((error = ngcni_hang(g, path, brname, vid, &vlid, e)) != 0) {
		(void)ngcni_graph_shutdown(g, vlid, NG_VLAN_NODE_TYPE);
		(void)ngcni_graph_shutdown(g, *id, NG_EIFACE_NODE_TYPE);
		return error;
	}
	return 0;
}

void
ngcni_graph_gateway_release(struct ngcni_graph *g, const char *gwname)
{
	char path[NG_NODESIZ + 8], type[NG_TYPESIZ];
	uint32_t id, vlid;

	snprintf(path, sizeof(path), "%s:", gwname);
	if (ngcni_graph_info(g, path, &id, type, NULL) != 0 ||
	    strcmp(type, NG_EIFACE_NODE_TYPE) != 0)
		return;
	snprintf(path, sizeof(path), "%s:" NG_EIFACE_HOOK_ETHER, gwname);
	if (ngcni_graph_info(g, path, &vlid, type, NULL) == 0 &&
	    strcmp(type, NG_VLAN_NODE_TYPE) == 0)
		(void)ngcni_graph_shutdown(g, vlid, NG_VLAN_NODE_TYPE);
	(void)ngcni_graph_shutdown(g, id, NG_EIFACE_NODE_TYPE);
}

int
ngcni_graph_nat(struct ngcni_graph *g, const char *natname, uint32_t *id,
    struct ngcni_err *e)
{
	char path[NG_NODESIZ + 8], type[NG_TYPESIZ];
	int error;

	snprintf(path, sizeof(path), "%s:", natname);
	if ((error = ngcni_graph_info(g, path, id, type, NULL)) != 0)
		return ngcni_fail(e, NGCNI_E_CONFIG, NULL,
		    "nat node \"%s\": %s", natname, NgStrError(error));
	if (strcmp(type, NG_NAT_NODE_TYPE) != 0)
		return ngcni_fail(e, NGCNI_E_CONFIG, NULL,
		    "node %s is a %s, not a nat", natname, type);
	return 0;
}

int
ngcni_graph_redirect(struct ngcni_graph *g, uint32_t nat,
    const struct in_addr *local, int lport, int aport, int proto,
    const char *desc, uint32_t *id, struct ngcni_err *e)
{
	struct ng_nat_redirect_port rp;
	struct ng_mesg *rep;
	char path[32];
	int error;

	memset(&rp, 0, sizeof(rp));
	rp.local_addr = *local;
	rp.local_port = (uint16_t)lport;
	rp.alias_port = (uint16_t)aport;
	rp.proto = (uint8_t)proto;
	snprintf(rp.description, sizeof(rp.description), "%s", desc);
	snprintf(path, sizeof(path), "[%08x]:", nat);
	if ((error = ngcni_query(g, path, NGM_NAT_COOKIE, NGM_NAT_REDIRECT_PORT,
		 &rp, sizeof(rp), &rep)) != 0)
		return ngcni_fail(e, NGCNI_E_GRAPH, ngcni_liberr,
		    "nat %s: cannot forward port %d: %s", path, aport,
		    NgStrError(error));
	if (rep->header.arglen < sizeof(uint32_t)) {
		free(rep);
		return ngcni_fail(e, NGCNI_E_GRAPH, NULL,
		    "nat %s: short redirectport reply", path);
	}
	memcpy(id, rep->data, sizeof(*id));
	free(rep);
	return 0;
}

void
ngcni_graph_unredirect(struct ngcni_graph *g, uint32_t nat, uint32_t id)
{
	char path[32], type[NG_TYPESIZ];

	snprintf(path, sizeof(path), "[%08x]:", nat);
	if (ngcni_graph_info(g, path, NULL, type, NULL) != 0 ||
	    strcmp(type, NG_NAT_NODE_TYPE) != 0)
		return;
	(void)ngcni_send(g, path, NGM_NAT_COOKIE, NGM_NAT_REDIRECT_DELETE, &id,
	    sizeof(id));
}
