/*
 * util.c: helpers the ngctl commands share: splitting a line into words,
 * flag parsing, the hex dump, error messages in FreeBSD's wording, and
 * the printers for control messages and data packets that arrive
 * (used by `msg` and by the interactive monitor).
 */
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <netgraph.h>

#include "../lib/ng_lib.h"
#include "ngctl.h"
#include "ngd_proto.h"

/*
 * Split line in place on NGCTL_WHITESPACE.  There is no quoting.  Every
 * word is kept: FreeBSD's ngctl kept 511 and dropped the rest without a
 * word, so a long argument (a bpf program of a few hundred instructions)
 * reached the node cut short, and failed as Invalid argument.  Returns
 * the words, NULL-terminated, which the caller frees (NULL: no memory),
 * and their number in *acp.
 */
char **
ngctl_tokenize(char *line, int *acp)
{
	char *save = NULL, **av = NULL, **nav;
	size_t ac = 0, max = 0;
	char *w = strtok_r(line, NGCTL_WHITESPACE, &save);

	for (;;) {
		if (ac + 1 >= max) {
			max = max == 0 ? 16 : 2 * max;
			if ((nav = realloc(av, max * sizeof(*av))) == NULL) {
				free(av);
				return NULL;
			}
			av = nav;
		}
		av[ac] = w;
		if (w == NULL)
			break;
		ac++;
		w = strtok_r(NULL, NGCTL_WHITESPACE, &save);
	}
	*acp = (int)ac;
	return av;
}

/*
 * Parse the single-letter flags in opts (none takes an argument) that
 * follow av[0]; on[i] is set when opts[i] was given.  Flags may be
 * grouped ("-ln"); "--" or the first word not starting with '-' ends
 * them, and *first is set to the index of the first operand.  False for
 * an unknown flag (a usage error; nothing is printed).
 */
bool
ngctl_options(int ac, char **av, const char *opts, bool *on, int *first)
{
	const char *p, *o;
	int i;

	memset(on, 0, strlen(opts) * sizeof(*on));
	for (i = 1; i < ac; i++) {
		if (av[i][0] != '-' || av[i][1] == '\0')
			break;
		if (strcmp(av[i], "--") == 0) {
			i++;
			break;
		}
		for (p = av[i] + 1; *p != '\0'; p++) {
			if ((o = strchr(opts, *p)) == NULL)
				return false;
			on[o - opts] = true;
		}
	}
	*first = i;
	return true;
}

/*
 * Print len bytes, 16 a line: the offset, the bytes in hex, then the
 * bytes as text ('.' for what is not printable).
 */
void
ngctl_dump(const unsigned char *buf, size_t len)
{
	char line[NG_LIB_HEXLINE];

	for (size_t off = 0; off < len; off += 16) {
		(void)ng_lib_hexline(line, buf, len, off, 1, 1);
		puts(line);
	}
}

/*
 * A string from the graph (a name, a type, a hook, a path a message came
 * from), printable (ng_lib_vis): itself when it is plain, else escaped
 * into one of a few buffers that take turns, so that one printf may hold
 * several.
 */
const char *
ngctl_vis(const char *s)
{
	static char ring[8][NG_LIB_VIS_MAX(NG_PATHSIZ)];
	static unsigned next;
	char *buf;

	if (ng_lib_vis_clean(s, NG_PATHSIZ, 0))
		return s;
	buf = ring[next++ % 8];
	(void)ng_lib_vis(buf, sizeof(ring[0]), s, NG_PATHSIZ, 0);
	return buf;
}

/* The errno of the last complaint with one (ngctl_warn), 0 for none. */
int ngctl_warned;

static void
ngctl_vwarn(int error, bool with_error, const char *fmt, va_list ap)
{
	char msg[2048];

	if (with_error)
		ngctl_warned = error;
	/* Keep what was printed so far ahead of the complaint. */
	fflush(stdout);
	fputs("ngctl: ", stderr);
	/* names in it may be the graph's (ngctl_vis) */
	vsnprintf(msg, sizeof(msg), fmt, ap);
	ng_lib_vis_write(stderr, msg, sizeof(msg), NG_LIB_VIS_TEXT);
	if (with_error)
		fprintf(stderr, ": %s", NgStrError(error));
	fputc('\n', stderr);
}

/* warn(3) with FreeBSD's wording for errno. */
void
ngctl_warn(const char *fmt, ...)
{
	int error = errno;
	va_list ap;

	va_start(ap, fmt);
	ngctl_vwarn(error, true, fmt, ap);
	va_end(ap);
	errno = error;
}

void
ngctl_warnx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	ngctl_vwarn(0, false, fmt, ap);
	va_end(ap);
}

/*
 * Whether something can be read from fd right now: the library may
 * already hold it, or it may be waiting on the socket.
 */
bool
ngctl_reply_ready(int fd)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };

	if (NgPending(fd) > 0)
		return true;
	return poll(&pfd, 1, 0) > 0 && (pfd.revents & POLLIN) != 0;
}

/*
 * Read the reply to the request just sent on cs into *rep (the caller
 * frees it).  Its length is checked against its header, so a caller
 * may trust arglen.  Returns 0 or an errno.
 */
int
ngctl_recv_reply(struct ngctl *ng, struct ng_mesg **rep)
{
	struct ng_mesg *m;
	int len;

	*rep = NULL;
	if ((len = NgAllocRecvMsg(ng->cs, &m, NULL)) < 0)
		return errno;
	if ((size_t)len < sizeof(*m) ||
	    m->header.arglen > (size_t)len - sizeof(*m)) {
		free(m);
		return EBADMSG;
	}
	*rep = m;
	return 0;
}

/*
 * ngctl_recv_reply for a hint's request: 0 only when what came is the
 * reply to the generic message cmd (in interactive mode something else,
 * a late reply, may be waiting first; the hint is then left out).
 */
int
ngctl_recv_generic(struct ngctl *ng, uint32_t cmd, struct ng_mesg **rep)
{
	int error = ngctl_recv_reply(ng, rep);

	if (error == 0 &&
	    ((*rep)->header.typecookie != NGM_GENERIC_COOKIE ||
		(*rep)->header.cmd != cmd ||
		((*rep)->header.flags & NGF_RESP) == 0)) {
		free(*rep);
		*rep = NULL;
		error = EBADMSG;
	}
	return error;
}

/*
 * Send the generic message cmd, with no arguments, to path and take its
 * reply, whose arguments must hold at least minlen bytes, into *rep
 * (the caller frees it).  0, or the errno after a warning: "send <what>
 * msg" or "recv <what> msg" ("send msg" without what).
 */
int
ngctl_ask(struct ngctl *ng, const char *path, uint32_t cmd, size_t minlen,
    const char *what, struct ng_mesg **rep)
{
	const char *sp = what != NULL ? " " : "";
	int error;

	what = what != NULL ? what : "";
	*rep = NULL;
	if (NgSendMsg(ng->cs, path, NGM_GENERIC_COOKIE, cmd, NULL, 0) < 0) {
		ngctl_warn("send %s%smsg", what, sp);
		return errno;
	}
	if ((error = ngctl_recv_reply(ng, rep)) == 0 &&
	    (*rep)->header.arglen < minlen) {
		free(*rep);
		*rep = NULL;
		error = EBADMSG;
	}
	if (error != 0) {
		errno = error;
		ngctl_warn("recv %s%smsg", what, sp);
	}
	return error;
}

/*
 * The message the source sent back for binary2ascii holds the original
 * header and its arguments as text; print them, or return false when
 * that reply is not usable.
 */
static bool
ngctl_print_ascii(const struct ng_mesg *m2, size_t len2, const char *path)
{
	const struct ng_mesg *ascii;
	char cmd[sizeof(ascii->header.cmdstr) + 1];
	size_t room, textlen;

	if (len2 < sizeof(*m2) || m2->header.arglen > len2 - sizeof(*m2) ||
	    m2->header.arglen < sizeof(*ascii))
		return false;
	ascii = (const struct ng_mesg *)m2->data;
	room = m2->header.arglen - sizeof(*ascii);
	textlen = ascii->header.arglen < room ? ascii->header.arglen : room;
	textlen = strnlen(ascii->data, textlen);
	snprintf(cmd, sizeof(cmd), "%.*s",
	    (int)strnlen(ascii->header.cmdstr, sizeof(ascii->header.cmdstr)),
	    ascii->header.cmdstr);
	printf("Rec'd %s \"%s\" (%d) from \"%s\":\n",
	    (ascii->header.flags & NGF_RESP) != 0 ? "response" : "command",
	    ngctl_vis(cmd), (int)ascii->header.cmd, ngctl_vis(path));
	if (textlen > 0) {
		fputs("Args:\t", stdout);
		ng_lib_vis_write(stdout, ascii->data, textlen, NG_LIB_VIS_TEXT);
		putchar('\n');
	} else
		printf("No arguments\n");
	return true;
}

/*
 * Why a reply shows in hex, or not at all, when it is its size: its
 * binary form (arglen bytes) could not go back to ngd to be converted
 * (EMSGSIZE), or its text, or the reply itself (arglen 0: unknown), was
 * larger than ngd sends (ENOBUFS).  The numbers are ngd_proto.h's.
 */
void
ngctl_too_large(int error, size_t arglen)
{
	static const char less[] = "ask for less (for a bridge: getstats, "
				   "or a smaller setmaxhosts)";

	if (error == EMSGSIZE)
		ngctl_warnx("the reply, %zu bytes, is too large to send back "
			    "to ngd for its text (%u MiB from root or ngd's "
			    "-g group, one datagram from others), so it is "
			    "shown in hex; %s",
		    arglen, NGD_MAX_LARGE >> 20, less);
	else if (error == ENOBUFS && arglen > 0)
		ngctl_warnx("the text of the reply, %zu bytes in binary, is "
			    "larger than ngd sends (%u MiB to root or ngd's "
			    "-g group, %u MiB to others), so it is shown in "
			    "hex; %s",
		    arglen, NGD_MAX_LARGE >> 20, NGD_MAX_FRAME >> 20, less);
	else if (error == ENOBUFS)
		ngctl_warnx("the reply was larger than ngd sends (%u MiB to "
			    "root or ngd's -g group, %u MiB to others); %s",
		    NGD_MAX_LARGE >> 20, NGD_MAX_FRAME >> 20, less);
}

/*
 * Read one control message and print it, in ASCII if the node it came
 * from can convert it (binary2ascii), else as a hex dump.  Returns 0 or
 * the errno of the failed read.
 */
int
ngctl_msg_read(struct ngctl *ng)
{
	char path[NG_PATHSIZ];
	struct ng_mesg *m, *m2 = NULL;
	int len, len2 = -1;
	size_t arglen;

	if ((len = NgAllocRecvMsg(ng->cs, &m, path)) < 0) {
		ngctl_warn("recv incoming message");
		return errno;
	}
	path[sizeof(path) - 1] = '\0';
	if ((size_t)len < sizeof(*m)) {
		free(m);
		errno = EBADMSG;
		ngctl_warn("recv incoming message");
		return EBADMSG;
	}
	arglen = m->header.arglen;
	if (arglen > (size_t)len - sizeof(*m))
		arglen = (size_t)len - sizeof(*m);
	m->header.arglen = (uint32_t)arglen;

	if (NgSendMsg(ng->cs, path, NGM_GENERIC_COOKIE, NGM_BINARY2ASCII, m,
		sizeof(*m) + arglen) >= 0)
		len2 = NgAllocRecvMsg(ng->cs, &m2, NULL);
	else
		ngctl_too_large(errno, arglen);
	if (len2 < 0 || !ngctl_print_ascii(m2, (size_t)len2, path)) {
		printf("Rec'd %s %d from \"%s\":\n",
		    (m->header.flags & NGF_RESP) != 0 ? "response" : "command",
		    (int)m->header.cmd, ngctl_vis(path));
		if (arglen == 0)
			printf("No arguments\n");
		else
			ngctl_dump((const unsigned char *)m->data, arglen);
	}
	free(m2);
	free(m);
	return 0;
}

/*
 * Read one packet from the data socket and print it.  Returns 0 or the
 * errno of the failed read (EPIPE when the socket has closed).
 */
int
ngctl_data_read(struct ngctl *ng)
{
	char hook[NG_HOOKSIZ] = "";
	unsigned char *buf;
	int len;

	if ((len = NgAllocRecvData(ng->ds, &buf, hook)) < 0) {
		ngctl_warn("reading hook \"%s\"", hook);
		return errno;
	}
	hook[sizeof(hook) - 1] = '\0';
	if (len == 0) {
		free(buf);
		ngctl_warnx("EOF from hook \"%s\"?", hook);
		return EPIPE;
	}
	printf("Rec'd data packet on hook \"%s\":\n", ngctl_vis(hook));
	ngctl_dump(buf, (size_t)len);
	free(buf);
	return 0;
}

/*
 * The status and config commands: send cmd (textstatus or textconfig)
 * to path and print the text that comes back.  A node whose type has no
 * such text answers EINVAL, which is not an error here.
 */
enum ngctl_rtn
ngctl_text_query(struct ngctl *ng, const char *path, int cmd, const char *args,
    const char *title, const char *what)
{
	struct ng_mesg *rep = NULL;
	size_t arglen = args != NULL ? strlen(args) + 1 : 0;
	bool have = false;

	if (NgSendMsg(ng->cs, path, NGM_GENERIC_COOKIE, cmd, args, arglen) <
	    0) {
		if (errno != EINVAL) {
			ngctl_warn("send msg");
			return NGCTL_ERROR;
		}
	} else if (ngctl_reply_ready(ng->cs) &&
	    ngctl_recv_reply(ng, &rep) == 0 &&
	    (rep->header.flags & NGF_RESP) != 0) {
		have = true;
	}
	if (have) {
		printf("%s for \"%s\":\n", title, path);
		ng_lib_vis_write(stdout, rep->data, rep->header.arglen,
		    NG_LIB_VIS_TEXT);
		putchar('\n');
	} else
		printf("No %s available for \"%s\"\n", what, path);
	free(rep);
	return NGCTL_OK;
}
