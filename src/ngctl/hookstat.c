/*
 * hookstat.c: what show -s, dot -s, top and capture share: a node's
 * per-hook counters (the gethookstats message of <netgraph/ng_hookstat.h>)
 * and numbers short enough for a table cell.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <netgraph.h>
#include <netgraph/ng_hookstat.h>

#include "ngctl.h"

int
ngctl_hookstats(struct ngctl *ng, const char *path, struct ng_mesg **rep,
    uint32_t *n)
{
	const struct ng_hookstats *hs;
	size_t room;
	int error;

	*rep = NULL;
	*n = 0;
	if (NgSendMsg(ng->cs, path, NGM_HOOKSTAT_COOKIE, NGM_HOOKSTAT_GET, NULL,
		0) < 0) {
		error = errno;
		ngctl_warn("send msg");
		return error;
	}
	if ((error = ngctl_recv_reply(ng, rep)) == 0 &&
	    (*rep)->header.arglen < sizeof(*hs)) {
		free(*rep);
		*rep = NULL;
		error = EBADMSG;
	}
	if (error != 0) {
		errno = error;
		ngctl_warn("recv msg");
		return error;
	}
	hs = (const struct ng_hookstats *)(*rep)->data;
	room = ((*rep)->header.arglen - sizeof(*hs)) / sizeof(hs->stats[0]);
	*n = hs->numhooks < room ? hs->numhooks : (uint32_t)room;
	return 0;
}

struct ng_hookstat *
ngctl_hookstat_find(struct ng_mesg *rep, uint32_t n, const char *hook)
{
	struct ng_hookstats *hs;

	if (rep == NULL)
		return NULL;
	hs = (struct ng_hookstats *)rep->data;
	for (uint32_t i = 0; i < n; i++) {
		hs->stats[i].hook[NG_HOOKSIZ - 1] = '\0';
		if (strcmp(hs->stats[i].hook, hook) == 0)
			return &hs->stats[i];
	}
	return NULL;
}

const char *
ngctl_human(char *buf, size_t len, double v)
{
	static const char units[] = " kMGTP";
	unsigned u = 0;

	while (v >= 999.5 && u < sizeof(units) - 2) {
		v /= 1000;
		u++;
	}
	if (u == 0)
		snprintf(buf, len, "%.0f", v);
	else
		snprintf(buf, len, "%.*f%c", v < 9.95 ? 1 : 0, v, units[u]);
	return buf;
}
