/*
 * ng_msgconv.c: the generic commands' table, with the ASCII form of each
 * argument and reply, and the ascii2binary / binary2ascii messages that
 * every client uses to speak ASCII to a node through the node itself
 * (spec §5.2).  The conversion is the parse engine's (ng_parse.c).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ng_internal.h"
#include "ng_parse.h"

/* ascii2binary's output buffer; a longer result is ERANGE (spec §5.2). */
#define NG_ASCII2BINARY_ROOM (20 * 1024)

NG_PARSE_STRUCT(ngm_mkpeer, NGM_MKPEER_FIELDS);
NG_PARSE_STRUCT(ngm_connect, NGM_CONNECT_FIELDS);
NG_PARSE_STRUCT(ngm_name, NGM_NAME_FIELDS);
NG_PARSE_STRUCT(ngm_rmhook, NGM_RMHOOK_FIELDS);
NG_PARSE_STRUCT(nodeinfo, NG_NODEINFO_FIELDS);
NG_PARSE_STRUCT(linkinfo, NG_LINKINFO_FIELDS);
NG_PARSE_STRUCT(hooklist, NG_HOOKLIST_FIELDS);
NG_PARSE_STRUCT(namelist, NG_NAMELIST_FIELDS);
NG_PARSE_STRUCT(typeinfo, NG_TYPEINFO_FIELDS);
NG_PARSE_STRUCT(typelist, NG_TYPELIST_FIELDS);

/* A whole message, its header fields flat as FreeBSD prints them. */
static const struct ng_parse_field ng_mesg_parse_fields[] = {
	NG_MSGHDR_FIELDS(NG_PARSE_FIELD)
	    NG_PARSE_FIELD(data, bytearray, arglen, ){ NULL, NULL },
};
static const struct ng_parse_type ng_mesg_parse_type = {
	.kind = NG_PARSE_STRUCT,
	.fields = ng_mesg_parse_fields,
	.size = sizeof(struct ng_mesg),
};

#define G NGM_GENERIC_COOKIE
const struct ng_cmdlist ng_generic_cmds[] = {
	{ G, NGM_SHUTDOWN, "shutdown", NULL, NULL },
	{ G, NGM_MKPEER, "mkpeer", &ngm_mkpeer_parse_type, NULL },
	{ G, NGM_CONNECT, "connect", &ngm_connect_parse_type, NULL },
	{ G, NGM_NAME, "name", &ngm_name_parse_type, NULL },
	{ G, NGM_RMHOOK, "rmhook", &ngm_rmhook_parse_type, NULL },
	{ G, NGM_NODEINFO, "nodeinfo", NULL, &nodeinfo_parse_type },
	{ G, NGM_LISTHOOKS, "listhooks", NULL, &hooklist_parse_type },
	{ G, NGM_LISTNAMES, "listnames", NULL, &namelist_parse_type },
	{ G, NGM_LISTNODES, "listnodes", NULL, &namelist_parse_type },
	{ G, NGM_LISTTYPES, "listtypes", NULL, &typelist_parse_type },
	{ G, NGM_TEXT_CONFIG, "textconfig", NULL, &ng_parse_string_type },
	{ G, NGM_TEXT_STATUS, "textstatus", NULL, &ng_parse_string_type },
	{ G, NGM_ASCII2BINARY, "ascii2binary", &ng_mesg_parse_type,
	    &ng_mesg_parse_type },
	{ G, NGM_BINARY2ASCII, "binary2ascii", &ng_mesg_parse_type,
	    &ng_mesg_parse_type },
	{ 0, 0, NULL, NULL, NULL },
};
#undef G

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
	for (c = ng_hookstat_cmds; c->name != NULL; c++)
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
	for (c = ng_hookstat_cmds; c->name != NULL; c++)
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
	struct ng_mesg *out;
	char cmdstr[NG_CMDSTRSIZ], *text;
	uint8_t *bin;
	size_t binlen = 0;
	int error = 0;

	if (msg->header.arglen < sizeof(*req) ||
	    req->header.arglen > msg->header.arglen - sizeof(*req))
		return EINVAL;
	memcpy(cmdstr, req->header.cmdstr, sizeof(cmdstr));
	cmdstr[sizeof(cmdstr) - 1] = '\0';
	if ((c = ng_find_cmd_name(node->type, cmdstr)) == NULL)
		return ENOSYS;
	bin = malloc(NG_ASCII2BINARY_ROOM);
	text = strndup(req->data, req->header.arglen);
	if (bin == NULL || text == NULL) {
		error = ENOMEM;
		goto out;
	}
	/* A command that takes no argument ignores any text given. */
	if (c->mesg_type != NULL &&
	    (error = ng_parse(c->mesg_type, text, bin, NG_ASCII2BINARY_ROOM,
		 &binlen)) != 0)
		goto out;
	if ((*resp = ng_mkresponse(msg, sizeof(*out) + binlen)) == NULL) {
		error = ENOMEM;
		goto out;
	}
	out = (struct ng_mesg *)(*resp)->data;
	out->header = req->header;
	out->header.version = NG_VERSION;
	out->header.typecookie = c->cookie;
	out->header.cmd = c->cmd;
	out->header.arglen = (uint32_t)binlen;
	snprintf(out->header.cmdstr, sizeof(out->header.cmdstr), "%s", c->name);
	memcpy(out->data, bin, binlen);
out:
	free(text);
	free(bin);
	return error;
}

int
ng_msg_binary2ascii(struct ng_node *node, const struct ng_mesg *msg,
    struct ng_mesg **resp)
{
	const struct ng_mesg *bin = (const struct ng_mesg *)msg->data;
	const struct ng_cmdlist *c;
	const struct ng_parse_type *pt;
	struct ng_mesg *out;
	char *text = NULL;
	size_t tlen;
	int error;

	if (msg->header.arglen < sizeof(*bin) ||
	    bin->header.arglen > msg->header.arglen - sizeof(*bin))
		return EINVAL;
	c = ng_find_cmd(node->type, bin->header.typecookie, bin->header.cmd);
	if (c == NULL)
		return ENOSYS;
	pt = (bin->header.flags & NGF_RESP) ? c->resp_type : c->mesg_type;
	/* No type, or nothing sent: no arguments to show. */
	if (pt != NULL && bin->header.arglen > 0) {
		error = ng_unparse(pt, (const uint8_t *)bin->data,
		    bin->header.arglen, &text);
		if (error != 0)
			return error;
	}
	tlen = text != NULL ? strlen(text) + 1 : 1;
	if ((*resp = ng_mkresponse(msg, sizeof(*out) + tlen)) == NULL) {
		free(text);
		return ENOMEM;
	}
	out = (struct ng_mesg *)(*resp)->data;
	out->header = bin->header;
	out->header.arglen = (uint32_t)tlen;
	snprintf(out->header.cmdstr, sizeof(out->header.cmdstr), "%s", c->name);
	memcpy(out->data, text != NULL ? text : "", tlen);
	free(text);
	return 0;
}
