/*
 * nghook.c: nghook(8), standard input and output joined to a hook.  A
 * socket node of our own connects its hook "hook" to hookname (default
 * "debug") of the node at path, sends the -m messages, then copies what
 * arrives on the hook to standard output and what is read on standard
 * input to the hook, until either side ends.
 *
 * -e runs a program instead, whose standard input (unless -n) and output
 * are the hook, as FreeBSD's nghook puts its data socket there.  Ours
 * carries ngd's framing, so the program gets one end of a socketpair
 * (one write is one frame, one read one frame) and nghook relays
 * between it and the hook until the program is done, then exits as the
 * program did.
 */
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <sysexits.h>
#include <unistd.h>

#include <netgraph.h>

#include "../lib/ng_lib.h"

#define NGHOOK_DEFAULT_HOOK "debug"
#define NGHOOK_OUR_HOOK "hook"
#define NGHOOK_BUFSIZE (128 * 1024) /* a 64 KiB GSO frame and its headers */

struct nghook {
	int cs, ds;
	int infd, outfd; /* -s and -S swap them, as FreeBSD's does */
	bool ascii;      /* -a: a hex dump of each packet */
	bool loop;       /* -l: what arrives also goes back out */
	bool noinput;    /* -n: standard input is not read */
	pid_t child;     /* -e: the program, on the other end of infd */
	int status;      /* -e: the program's, once it is done */
};

static unsigned char nghook_buf[NGHOOK_BUFSIZE];

/* warn(3) and warnx(3), with FreeBSD's words for errno. */
static void
nghook_vwarn(bool with_errno, const char *fmt, va_list ap)
{
	int error = errno;

	fputs("nghook: ", stderr);
	vfprintf(stderr, fmt, ap);
	if (with_errno)
		fprintf(stderr, ": %s", NgStrError(error));
	fputc('\n', stderr);
}

static void __attribute__((format(printf, 1, 2)))
nghook_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	nghook_vwarn(true, fmt, ap);
	va_end(ap);
}

static void __attribute__((format(printf, 1, 2)))
nghook_warnx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	nghook_vwarn(false, fmt, ap);
	va_end(ap);
}

/* ngd did not answer in time: say so (FreeBSD's messages do not). */
static void
nghook_timed_out(int error)
{
	if (error == ETIMEDOUT)
		nghook_warnx("ngd on %s did not answer within %g s; -t "
			     "changes how long to wait",
		    NgSocketPath(), NgSetTimeout(-1) / 1000.0);
}

/* Whether a node answers at path (a nodeinfo request and its reply). */
static bool
nghook_is_node(struct nghook *h, const char *path)
{
	struct ng_mesg *rep;

	if (NgSendMsg(h->cs, path, NGM_GENERIC_COOKIE, NGM_NODEINFO, NULL, 0) <
	    0)
		return false;
	if (NgAllocRecvMsg(h->cs, &rep, NULL) < 0)
		return false;
	free(rep);
	return true;
}

/*
 * FreeBSD's "can't connect to node" says nothing of why (only -d does):
 * a second line gives the error, and when path is a node's name without
 * its colon, says so.
 */
static void
nghook_why(struct nghook *h, const char *path, const char *hook, int error)
{
	char named[NG_PATHSIZ];

	nghook_warnx("connect %s %s: %s", path, hook, NgStrError(error));
	if (error != ENOENT || path[0] == '[' || strpbrk(path, ":.") != NULL ||
	    strlen(path) >= NG_NODESIZ)
		return;
	snprintf(named, sizeof(named), "%s:", path);
	if (nghook_is_node(h, named))
		nghook_warnx("without a colon, \"%s\" is a hook of nghook's "
			     "own node; the node named %s is \"%s\"",
		    path, path, named);
}

static int
nghook_usage(void)
{
	fprintf(stderr,
	    "usage: nghook [-adlnSs] [-m msg] path [hookname]\n"
	    "   or: nghook -e [-n] [-m msg]* path hookname prog [args...]\n");
	return EX_USAGE;
}

/*
 * -a: per 16 bytes, the offset, the bytes in hex, a space, the bytes as
 * text ('.' where not printable); then an empty line.
 */
static int
nghook_write_ascii(int fd, const unsigned char *buf, size_t len)
{
	char line[NG_LIB_HEXLINE + 1];
	size_t n;

	for (size_t off = 0; off < len; off += 16) {
		n = ng_lib_hexline(line, buf, len, off, 1, 1);
		line[n++] = '\n';
		if (write(fd, line, n) != (ssize_t)n)
			return errno != 0 ? errno : EIO;
	}
	return write(fd, "\n", 1) == 1 ? 0 : errno;
}

/* A packet arrived on the hook: out it goes.  0 or an exit status. */
static int
nghook_from_hook(struct nghook *h)
{
	ssize_t wl;
	int rl;

	if ((rl = NgRecvData(h->ds, nghook_buf, sizeof(nghook_buf), NULL)) <
	    0) {
		nghook_warn("read(hook)");
		return EX_OSERR;
	}
	if (rl == 0) {
		nghook_warnx("read EOF from hook?!");
		return EX_OSERR;
	}
	if (h->ascii) {
		if ((errno = nghook_write_ascii(h->outfd, nghook_buf,
			 (size_t)rl)) != 0) {
			nghook_warn("write(stdout)");
			return EX_OSERR;
		}
	} else if (h->child > 0) {
		/* A program that does not read loses frames, as a full
		 * socket would; one that has gone is noticed on input. */
		if (send(h->outfd, nghook_buf, (size_t)rl,
			MSG_DONTWAIT | MSG_NOSIGNAL) < 0 &&
		    errno != EAGAIN && errno != EPIPE && errno != ECONNRESET) {
			nghook_warn("write(%s)", "program");
			return EX_OSERR;
		}
	} else if ((wl = write(h->outfd, nghook_buf, (size_t)rl)) != rl) {
		if (wl < 0)
			nghook_warn("write(stdout)");
		else
			nghook_warnx("stdout: read %d, wrote %zd", rl, wl);
		return EX_OSERR;
	}
	if (h->loop &&
	    NgSendData(h->ds, NGHOOK_OUR_HOOK, nghook_buf, (size_t)rl) < 0) {
		nghook_warn("write(hook)");
		return EX_OSERR;
	}
	return 0;
}

/* -e: the program closed its end; end as it did (a signal is raised). */
static int
nghook_wait(struct nghook *h)
{
	int status;

	while (waitpid(h->child, &status, 0) < 0) {
		if (errno != EINTR) {
			nghook_warn("waitpid");
			return EX_OSERR;
		}
	}
	h->child = 0;
	if (WIFSIGNALED(status)) {
		signal(WTERMSIG(status), SIG_DFL);
		raise(WTERMSIG(status));
		return 128 + WTERMSIG(status);
	}
	return WEXITSTATUS(status);
}

/*
 * -e: run av[0] (a path, as execv(3) wants) with av as its arguments,
 * its standard output and, unless -n, input on one end of a socketpair
 * whose other end nghook relays.  A program that cannot be run exits
 * 71 with FreeBSD's complaint.
 */
static int
nghook_exec(struct nghook *h, char **av)
{
	int sp[2], size = NGHOOK_BUFSIZE * 2;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) < 0) {
		nghook_warn("socketpair");
		return EX_OSERR;
	}
	for (int i = 0; i < 2; i++) {
		(void)setsockopt(sp[i], SOL_SOCKET, SO_SNDBUF, &size,
		    sizeof(size));
		(void)setsockopt(sp[i], SOL_SOCKET, SO_RCVBUF, &size,
		    sizeof(size));
	}
	fflush(NULL);
	if ((h->child = fork()) < 0) {
		nghook_warn("fork");
		return EX_OSERR;
	}
	if (h->child == 0) {
		(void)close(STDIN_FILENO);
		if (!h->noinput)
			(void)dup2(sp[1], STDIN_FILENO);
		(void)dup2(sp[1], STDOUT_FILENO);
		(void)execv(av[0], av);
		nghook_warn("%s", av[0]);
		_exit(EX_OSERR);
	}
	close(sp[1]);
	h->infd = h->outfd = sp[0];
	h->noinput = false; /* what the program writes is read here */
	return 0;
}

/* Input is ready: one read is one packet.  End of input ends nghook,
 * with FreeBSD's complaint and status; -1 when the -e program is done
 * (its status in h->status). */
static int
nghook_from_input(struct nghook *h)
{
	ssize_t rl;

	if ((rl = read(h->infd, nghook_buf, sizeof(nghook_buf))) < 0) {
		if (errno == EINTR || errno == EAGAIN)
			return 0;
		nghook_warn("read(stdin)");
		return EX_OSERR;
	}
	if (rl == 0) {
		if (h->child > 0) {
			h->status = nghook_wait(h);
			return -1; /* done */
		}
		nghook_warnx("EOF(stdin)");
		return EX_OSERR;
	}
	if (NgSendData(h->ds, NGHOOK_OUR_HOOK, nghook_buf, (size_t)rl) < 0) {
		nghook_warn("write(hook)");
		/* -e: the program's write would have failed, not nghook */
		return h->child > 0 && errno != ENOTCONN ? 0 : EX_OSERR;
	}
	return 0;
}

/* Copy both ways until something fails; returns the exit status. */
static int
nghook_relay(struct nghook *h)
{
	struct pollfd pfd[2];
	int rtn;

	for (;;) {
		/* The library may hold packets that came in while it
		 * waited for a send to be acknowledged. */
		if (NgPending(h->ds) > 0) {
			if ((rtn = nghook_from_hook(h)) != 0)
				return rtn;
			continue;
		}
		pfd[0] = (struct pollfd){ .fd = h->ds, .events = POLLIN };
		pfd[1] = (struct pollfd){ .fd = h->infd, .events = POLLIN };
		if (poll(pfd, h->noinput ? 1 : 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			nghook_warn("poll");
			return EX_OSERR;
		}
		if (pfd[0].revents != 0 && (rtn = nghook_from_hook(h)) != 0)
			return rtn;
		if (!h->noinput && pfd[1].revents != 0 &&
		    (rtn = nghook_from_input(h)) != 0)
			return rtn < 0 ? h->status : rtn;
	}
}

/* All of it but msgs, the -m messages' room (as many as arguments). */
static int
nghook_main(int ac, char **av, char **msgs)
{
	struct nghook h = { .infd = STDIN_FILENO, .outfd = STDOUT_FILENO };
	struct ngm_connect ngc;
	const char *path, *hook = NGHOOK_DEFAULT_HOOK;
	int nmsgs = 0, ch, rtn;
	bool exec = false;

	/* FreeBSD's getopt words, as ngctl, jail, jexec and jls print them */
	opterr = 0;
	while ((ch = getopt(ac, av, "+:adelm:nsSt:")) != -1) {
		switch (ch) {
		case 'a':
			h.ascii = true;
			break;
		case 'd':
			NgSetDebug(NgSetDebug(-1) + 1);
			break;
		case 'e':
			exec = true;
			break;
		case 'l':
			h.loop = true;
			break;
		case 'm':
			msgs[nmsgs++] = optarg;
			break;
		case 'n':
			h.noinput = true;
			break;
		case 's':
			h.outfd = STDIN_FILENO;
			break;
		case 'S':
			h.infd = STDOUT_FILENO;
			break;
		case 't': { /* how long a request waits for ngd (0: forever) */
			char *end;
			double sec = strtod(optarg, &end);

			if (*optarg == '\0' || *end != '\0' ||
			    !(sec >= 0 && sec <= 86400)) {
				nghook_warnx("-t %s: want seconds from 0 to "
					     "86400",
				    optarg);
				return nghook_usage();
			}
			(void)NgSetTimeout((int)(sec * 1000 + 0.5));
			break;
		}
		case ':':
			nghook_warnx("option requires an argument -- %c",
			    optopt);
			return nghook_usage();
		default:
			nghook_warnx("illegal option -- %c", optopt);
			return nghook_usage();
		}
	}
	ac -= optind;
	av += optind;
	if (exec) {
		if (h.ascii || h.loop) {
			fprintf(stderr, "conflicting options\n");
			return nghook_usage();
		}
		if (ac < 3)
			return nghook_usage();
	} else if (ac < 1 || ac > 2)
		return nghook_usage();
	path = av[0];
	if (ac >= 2)
		hook = av[1];

	if (NgMkSockNode(NULL, &h.cs, &h.ds) < 0) {
		int error = errno;

		nghook_timed_out(error);
		nghook_warnx("can't get sockets");
		/* FreeBSD's line says nothing of why; ngd not running is */
		if (error == ECONNREFUSED || error == ENOENT)
			nghook_warnx("no ngd answers on %s (start ngd, or any "
				     "ngctl command as root does)",
			    NgSocketPath());
		return EX_OSERR;
	}
	memset(&ngc, 0, sizeof(ngc));
	snprintf(ngc.path, sizeof(ngc.path), "%s", path);
	snprintf(ngc.ourhook, sizeof(ngc.ourhook), "%s", NGHOOK_OUR_HOOK);
	snprintf(ngc.peerhook, sizeof(ngc.peerhook), "%s", hook);
	if (NgSendMsg(h.cs, ".", NGM_GENERIC_COOKIE, NGM_CONNECT, &ngc,
		sizeof(ngc)) < 0) {
		int error = errno;

		nghook_timed_out(error);
		nghook_warnx("can't connect to node");
		if (error != ETIMEDOUT)
			nghook_why(&h, path, hook, error);
		return EX_OSERR;
	}
	/* Replies to these are not read (FreeBSD's BUGS say so). */
	for (int i = 0; i < nmsgs; i++) {
		if (NgSendAsciiMsg(h.cs, path, "%s", msgs[i]) < 0) {
			nghook_warn("sending message '%s'", msgs[i]);
			return EX_OSERR;
		}
	}
	if (exec && (rtn = nghook_exec(&h, av + 2)) != 0)
		return rtn;
	return nghook_relay(&h);
}

int
main(int ac, char **av)
{
	char **msgs;
	int rtn;

	if ((msgs = calloc((size_t)ac + 1, sizeof(*msgs))) == NULL) {
		nghook_warn("calloc");
		return EX_OSERR;
	}
	rtn = nghook_main(ac, av, msgs); /* every way out frees msgs */
	free(msgs);
	return rtn;
}
