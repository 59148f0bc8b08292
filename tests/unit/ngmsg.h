/*
 * ngmsg.h: generic messages sent into an in-process graph from a node,
 * for the unit tests (ngtest.h) and the fuzz targets (tests/fuzz/fuzz.h).
 * Each returns the errno ng_send_msg gave.
 */
#ifndef NGMSG_H
#define NGMSG_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <netgraph/ng_message.h>

#include "ng_core.h"

/* Copy src into dst of size bytes, cut to fit (as ngctl and NgNameNode
 * cut names; snprintf would warn at compile time of the cut). */
static inline void
ngt_copy(char *dst, const char *src, size_t size)
{
	size_t n = 0;

	while (n < size - 1 && src[n] != '\0')
		n++;
	memcpy(dst, src, n);
	dst[n] = '\0';
}

/* Send cookie/cmd with arg from node to path; the errno it returned. */
static inline int
ngt_msg(struct ng_node *from, const char *path, uint32_t cookie, uint32_t cmd,
    const void *arg, size_t arglen)
{
	struct ng_mesg *m = ng_mkmsg(cookie, cmd, arglen);
	int error;

	if (m == NULL)
		return ENOMEM;
	if (arglen > 0)
		memcpy(m->data, arg, arglen);
	error = ng_send_msg(from, path, m);
	free(m);
	return error;
}

static inline int
ngt_mkpeer(struct ng_node *from, const char *path, const char *type,
    const char *ourhook, const char *peerhook)
{
	struct ngm_mkpeer mp;

	memset(&mp, 0, sizeof(mp));
	ngt_copy(mp.type, type, sizeof(mp.type));
	ngt_copy(mp.ourhook, ourhook, sizeof(mp.ourhook));
	ngt_copy(mp.peerhook, peerhook, sizeof(mp.peerhook));
	return ngt_msg(from, path, NGM_GENERIC_COOKIE, NGM_MKPEER, &mp,
	    sizeof(mp));
}

static inline int
ngt_connect(struct ng_node *from, const char *path, const char *relpath,
    const char *ourhook, const char *peerhook)
{
	struct ngm_connect con;

	memset(&con, 0, sizeof(con));
	ngt_copy(con.path, relpath, sizeof(con.path));
	ngt_copy(con.ourhook, ourhook, sizeof(con.ourhook));
	ngt_copy(con.peerhook, peerhook, sizeof(con.peerhook));
	return ngt_msg(from, path, NGM_GENERIC_COOKIE, NGM_CONNECT, &con,
	    sizeof(con));
}

/* As ngctl and NgNameNode do: the name is cut to 31 bytes. */
static inline int
ngt_name(struct ng_node *from, const char *path, const char *name)
{
	struct ngm_name nm;

	memset(&nm, 0, sizeof(nm));
	ngt_copy(nm.name, name, sizeof(nm.name));
	return ngt_msg(from, path, NGM_GENERIC_COOKIE, NGM_NAME, &nm,
	    sizeof(nm));
}

static inline int
ngt_rmhook(struct ng_node *from, const char *path, const char *hook)
{
	struct ngm_rmhook rm;

	memset(&rm, 0, sizeof(rm));
	ngt_copy(rm.ourhook, hook, sizeof(rm.ourhook));
	return ngt_msg(from, path, NGM_GENERIC_COOKIE, NGM_RMHOOK, &rm,
	    sizeof(rm));
}

static inline int
ngt_shutdown(struct ng_node *from, const char *path)
{
	return ngt_msg(from, path, NGM_GENERIC_COOKIE, NGM_SHUTDOWN, NULL, 0);
}

/* The node at path (not referenced), or NULL. */
static inline struct ng_node *
ngt_node(struct ng_node *from, const char *path)
{
	struct ng_node *n;

	if (ng_path2node(from, path, &n, NULL) != 0)
		return NULL;
	ng_node_unref(n);
	return n;
}

#endif
