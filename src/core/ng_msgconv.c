/*
 * ng_msgconv.c: the generic command table and the ascii2binary /
 * binary2ascii messages, which every client uses to speak ASCII to a node
 * through the node itself (spec §5.2).  Argument text is parsed by the
 * ASCII engine when one is linked in (ng_ascii); commands that take no
 * argument and replies that carry none convert without it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ng_internal.h"

const struct ng_cmdlist ng_generic_cmds[] = {
	{NGM_GENERIC_COOKIE, NGM_SHUTDOWN, "shutdown", NULL, NULL},
	{NGM_GENERIC_COOKIE, NGM_MKPEER, "mkpeer", NULL, NULL},
	{NGM_GENERIC_COOKIE, NGM_CONNECT, "connect", NULL, NULL},
	{NGM_GENERIC_COOKIE, NGM_NAME, "name", NULL, NULL},
	{NGM_GENERIC_COOKIE, NGM_RMHOOK, "rmhook", NULL, NULL},
	{NGM_GENERIC_COOKIE, NGM_NODEINFO, "nodeinfo", NULL, NULL},
	{NGM_GENERIC_COOKIE, NGM_LISTHOOKS, "listhooks", NULL, NULL},
	{NGM_GENERIC_COOKIE, NGM_LISTNAMES, "listnames", NULL, NULL},
	{NGM_GENERIC_COOKIE, NGM_LISTNODES, "listnodes", NULL, NULL},
	{NGM_GENERIC_COOKIE, NGM_LISTTYPES, "listtypes", NULL, NULL},
	{NGM_GENERIC_COOKIE, NGM_TEXT_STATUS, "textstatus", NULL, NULL},
	{NGM_GENERIC_COOKIE, NGM_BINARY2ASCII, "binary2ascii", NULL, NULL},
	{NGM_GENERIC_COOKIE, NGM_ASCII2BINARY, "ascii2binary", NULL, NULL},
	{NGM_GENERIC_COOKIE, NGM_TEXT_CONFIG, "textconfig", NULL, NULL},
	{0, 0, NULL, NULL, NULL},
};

/* Commands whose argument or reply has a binary layout. */
static bool
ng_cmd_has_arg(const struct ng_cmdlist *c)
{
	if (c->cookie != NGM_GENERIC_COOKIE)
		return c->mesg_type != NULL;
	switch (c->cmd) {
	case NGM_MKPEER:
	case NGM_CONNECT:
	case NGM_NAME:
	case NGM_RMHOOK:
	case NGM_BINARY2ASCII:
	case NGM_ASCII2BINARY:
		return true;
	}
	return c->mesg_type != NULL;
}

static bool
ng_cmd_has_reply(const struct ng_cmdlist *c)
{
	if (c->cookie == NGM_GENERIC_COOKIE &&
	    (c->cmd & NGM_HASREPLY) != 0)
		return true;
	return c->resp_type != NULL;
}

const struct ng_cmdlist *
ng_find_cmd_name(const struct ng_type *type, const char *name)
{
	const struct ng_cmdlist *c;

	for (c = type->cmdlist; c != NULL && c->name != NULL; c++)
		if (strcmp(c->name, name) == 0)
			return c;
	for (c = ng_generic_cmds; c->name != NULL; c++)
		if (strcmp(c->name, name) == 0)
			return c;
	return NULL;
}

const struct ng_cmdlist *
ng_find_cmd(const struct ng_type *type, uint32_t cookie, uint32_t cmd)
{
	const struct ng_cmdlist *c;

	for (c = type->cmdlist; c != NULL && c->name != NULL; c++)
		if (c->cookie == cookie && c->cmd == cmd)
			return c;
	for (c = ng_generic_cmds; c->name != NULL; c++)
		if (c->cookie == cookie && c->cmd == cmd)
			return c;
	return NULL;
}

int
ng_msg_ascii2binary(struct ng_node *node, const struct ng_mesg *msg,
    struct ng_mesg **resp)
{
	const struct ng_mesg *req = (const struct ng_mesg *)msg->data;
	const struct ng_cmdlist *c;
	char cmdstr[NG_CMDSTRSIZ], *text;
	uint8_t *bin = NULL;
	size_t binlen = 0;
	int error;

	if (msg->header.arglen < sizeof(*req) ||
	    req->header.arglen > msg->header.arglen - sizeof(*req))
		return EINVAL;
	memcpy(cmdstr, req->header.cmdstr, sizeof(cmdstr));
	cmdstr[sizeof(cmdstr) - 1] = '\0';
	c = ng_find_cmd_name(node->type, cmdstr);
	if (c == NULL)
		return ENOSYS;
	if (ng_cmd_has_arg(c)) {
		if (c->mesg_type == NULL || ng_ascii == NULL)
			return EOPNOTSUPP; /* needs the ASCII engine */
		text = strndup(req->data, req->header.arglen);
		if (text == NULL)
			return ENOMEM;
		error = ng_ascii->parse(c->mesg_type, text, &bin, &binlen);
		free(text);
		if (error != 0)
			return error;
	}
	*resp = ng_mkresponse(msg, sizeof(struct ng_mesg) + binlen);
	if (*resp == NULL) {
		free(bin);
		return ENOMEM;
	}
	{
		struct ng_mesg *out = (struct ng_mesg *)(*resp)->data;

		out->header = req->header;
		out->header.version = NG_VERSION;
		out->header.typecookie = c->cookie;
		out->header.cmd = c->cmd;
		out->header.arglen = binlen;
		snprintf(out->header.cmdstr, sizeof(out->header.cmdstr), "%s",
		    c->name);
		if (binlen > 0)
			memcpy(out->data, bin, binlen);
	}
	free(bin);
	return 0;
}

int
ng_msg_binary2ascii(struct ng_node *node, const struct ng_mesg *msg,
    struct ng_mesg **resp)
{
	const struct ng_mesg *bin = (const struct ng_mesg *)msg->data;
	const struct ng_cmdlist *c;
	const struct ng_parse_type *pt;
	char *text = NULL;
	size_t tlen;
	bool isresp, has;
	int error;

	if (msg->header.arglen < sizeof(*bin) ||
	    bin->header.arglen > msg->header.arglen - sizeof(*bin))
		return EINVAL;
	c = ng_find_cmd(node->type, bin->header.typecookie, bin->header.cmd);
	if (c == NULL)
		return ENOSYS;
	isresp = (bin->header.flags & NGF_RESP) != 0;
	pt = isresp ? c->resp_type : c->mesg_type;
	has = isresp ? ng_cmd_has_reply(c) : ng_cmd_has_arg(c);
	if (has && bin->header.arglen > 0) {
		if (pt == NULL || ng_ascii == NULL)
			return ENOSYS; /* needs the ASCII engine */
		error = ng_ascii->unparse(pt, (const uint8_t *)bin->data,
		    bin->header.arglen, &text);
		if (error != 0)
			return error;
	}
	tlen = text != NULL ? strlen(text) + 1 : 1;
	*resp = ng_mkresponse(msg, sizeof(struct ng_mesg) + tlen);
	if (*resp == NULL) {
		free(text);
		return ENOMEM;
	}
	{
		struct ng_mesg *out = (struct ng_mesg *)(*resp)->data;

		out->header = bin->header;
		out->header.arglen = tlen;
		snprintf(out->header.cmdstr, sizeof(out->header.cmdstr), "%s",
		    c->name);
		memcpy(out->data, text != NULL ? text : "", tlen);
	}
	free(text);
	return 0;
}
