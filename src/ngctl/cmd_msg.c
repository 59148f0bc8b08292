/*
 * cmd_msg.c: `msg path command [args ... ]` sends a control message
 * written as text (NgSendAsciiMsg: the node converts it with
 * ascii2binary) and prints a reply that is already there.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <netgraph.h>

#include "ngctl.h"

/*
 * After FreeBSD's "send msg: Function not implemented" (ascii2binary
 * found no command of that name), a line that says what to do: which
 * type the node is and the page that lists its messages.  Nothing more
 * when the node cannot be asked.
 */
/* The type of the node at path into type; false when it cannot be asked. */
static bool
ngctl_msg_node_type(struct ngctl *ng, const char *path, char type[NG_TYPESIZ])
{
	struct ng_mesg *rep;
	struct nodeinfo *ni;
	bool known = false;

	if (NgSendMsg(ng->cs, path, NGM_GENERIC_COOKIE, NGM_NODEINFO, NULL, 0) <
	    0)
		return false;
	if (ngctl_recv_generic(ng, NGM_NODEINFO, &rep) != 0)
		return false;
	if (rep->header.arglen >= sizeof(*ni)) {
		ni = (struct nodeinfo *)rep->data;
		memcpy(type, ni->type, NG_TYPESIZ);
		type[NG_TYPESIZ - 1] = '\0';
		known = true;
	}
	free(rep);
	return known;
}

static void
ngctl_msg_unknown(struct ngctl *ng, const char *path, const char *cmd)
{
	char type[NG_TYPESIZ];

	if (ngctl_msg_node_type(ng, path, type))
		ngctl_warnx("node type %s has no message \"%s\" (ng_%s(4) "
			    "lists its messages)",
		    type, cmd, type);
}

/*
 * Convert the message again alone (ascii2binary, which changes nothing):
 * 0 when the node converts it, so that an error its sending got was the
 * node's refusal of the message itself; else the conversion's errno.
 */
static int
ngctl_msg_converts(struct ngctl *ng, const char *path, const char *cmd,
    const char *args)
{
	struct ng_mesg *rep, *req;
	size_t len;
	int rc;

	args += strspn(args, " ");
	len = strlen(args) + 1;
	if ((req = calloc(1, sizeof(*req) + len)) == NULL)
		return ENOMEM;
	NG_MKMESSAGE_HDR(req, 0, 0, len);
	snprintf(req->header.cmdstr, sizeof(req->header.cmdstr), "%s", cmd);
	memcpy(req->data, args, len);
	rc = NgSendMsg(ng->cs, path, NGM_GENERIC_COOKIE, NGM_ASCII2BINARY, req,
	    sizeof(*req) + len);
	rc = rc < 0 ? errno : 0;
	free(req);
	if (rc == 0 && ngctl_recv_generic(ng, NGM_ASCII2BINARY, &rep) == 0)
		free(rep);
	return rc;
}

/*
 * After FreeBSD's "send msg: <error>" for a message whose text the node
 * may have refused to convert, with an error whose text misleads (No such
 * file or directory for a field the struct does not have, Operation
 * already in progress for one given twice, Function not implemented for
 * a name the type does not have, Result too large for one that converts
 * to more than ascii2binary's 20 KiB...): when converting it alone fails
 * the same way, say that the text is the cause, and how (netgraph(3)'s
 * ERRORS), with the type's page.  A message the node converted and then
 * refused gets no second line: the error is the node's (its page says
 * what it means; binary2ascii of a message nobody knows is
 * ENOSYS, and binary2ascii is no unknown message).  Invalid argument says
 * what it means and gets none.
 */
static void
ngctl_msg_text(struct ngctl *ng, const char *path, const char *cmd,
    const char *args, int error)
{
	static const struct {
		int error;
		const char *how;
	} hows[] = {
		{ ENOENT, "names a field the message does not have" },
		{ EALREADY, "gives a field or array element twice" },
		{ E2BIG, "has a string or array too long for its field" },
		{ EOPNOTSUPP, "leaves out a field that has no default" },
		/* ascii2binary's room, FreeBSD's 20 * 1024 (ng_msgconv.c) */
		{ ERANGE,
		    "converts to more than the 20480 bytes an argument "
		    "may take" },
	};
	const char *how = NULL;
	char type[NG_TYPESIZ];

	for (size_t i = 0; i < sizeof(hows) / sizeof(hows[0]); i++)
		if (hows[i].error == error)
			how = hows[i].how;
	if (how == NULL && error != ENOSYS)
		return;
	if (ngctl_msg_converts(ng, path, cmd, args) != error)
		return;
	if (error == ENOSYS)
		ngctl_msg_unknown(ng, path, cmd);
	else if (ngctl_msg_node_type(ng, path, type))
		ngctl_warnx("the text of %s's argument %s (ng_%s(4) "
			    "describes it)",
		    cmd, how, type);
}

static enum ngctl_rtn
ngctl_msg(struct ngctl *ng, int ac, char **av)
{
	size_t len = 1;
	char *args;
	int i;

	if (ac < 3)
		return NGCTL_USAGE;
	for (i = 3; i < ac; i++)
		len += strlen(av[i]) + 1;
	if ((args = malloc(len)) == NULL) {
		ngctl_warn("malloc");
		return NGCTL_ERROR;
	}
	args[0] = '\0';
	for (i = 3; i < ac; i++) {
		strcat(args, " ");
		strcat(args, av[i]);
	}
	if (NgSendAsciiMsg(ng->cs, av[1], "%s%s", av[2], args) < 0) {
		int error = errno;

		ngctl_warn("send msg");
		ngctl_msg_text(ng, av[1], av[2], args, error);
		ngctl_too_large(error == ENOBUFS ? error : 0, 0);
		free(args);
		return NGCTL_ERROR;
	}
	free(args);

	/*
	 * Look once, without waiting: a later reply is printed only by
	 * the interactive monitor.
	 */
	if (ngctl_reply_ready(ng->cs))
		ngctl_msg_read(ng);
	return NGCTL_OK;
}

const struct ngctl_cmd ngctl_cmd_msg = {
	.name = "msg",
	.aliases = { "cmd" },
	.usage = "msg path command [args ... ]",
	.summary = "Send a netgraph control message to the node at \"path\"",
	.help = "Sends control message <command> to the node at <path>.  The "
		"command and its arguments are written as text; the node "
		"itself turns them into the binary message its type expects "
		"(ascii2binary) and then runs it.  A reply that is already "
		"there is turned back into text the same way (binary2ascii) "
		"and printed; one that comes later is printed only in "
		"interactive mode.",
	.func = ngctl_msg,
};
