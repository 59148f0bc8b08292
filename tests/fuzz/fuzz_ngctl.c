/*
 * fuzz_ngctl.c: the ngctl command line, end to end.  Each line of the
 * input is split by ngctl's tokenizer, its flags read by ngctl's option
 * parser, its command looked up by prefix and alias, and then run, as
 * `ngctl -f` would, against a real ngd: this process runs ngd's event
 * loop and control server in a thread, on an abstract socket of its own,
 * with the fake interface backend, and the commands reach it through
 * libnetgraph and the wire protocol.  After each input every node but
 * the janitor's is shut down, so inputs do not pile up.
 *
 * Not run: `read`, `write -f` and `dot FILE`, which open files (and
 * tests/fuzz/run starts every target in a scratch directory), nor `top`
 * and `capture`, which run until interrupted.  Run it
 * with -close_fd_mask=3: ngctl prints a lot.  A hang is a finding too:
 * give -timeout.
 * Built only by `make fuzz` (it links ngctl and libnetgraph), so its
 * saved inputs are replayed by this binary, not by the unit tests.
 */
#include <pthread.h>
#include <unistd.h>

#include <netgraph.h>

#include "../../src/ngctl/ngctl.h"
#include "../../src/ngd/ngd.h"
#include "fuzz.h"

#ifndef FUZZ_ENTRY
#define FUZZ_ENTRY LLVMFuzzerTestOneInput
#endif

#define FZC_MAXLINES 32
#define FZC_MAXLINE 1024

void
ngd_log(int level, const char *fmt, ...)
{
	(void)level;
	(void)fmt;
}

static void
fzc_quiet(const char *fmt, ...)
{
	(void)fmt;
}

static int fzc_jcs = -1; /* the janitor's control socket */
static ng_id_t fzc_jid;

/* ngd's state, as main.c keeps it (struct ngd), served by a thread. */
static struct ngd fzc_ngd;

static int64_t
fzc_timers(void *arg)
{
	return ng_timers_run(arg);
}

static void *
fzc_server(void *arg)
{
	(void)ngd_loop_run(&fzc_ngd.loop, &fzc_ngd.stop);
	return NULL;
}

static void
fzc_start(void)
{
	static bool started;
	static char path[64];
	struct ngd *d = &fzc_ngd;
	pthread_t t;
	int lfd;

	if (started)
		return;
	started = true;
	snprintf(path, sizeof(path), "@ngfuzz.%d", (int)getpid());
	setenv("NGD_SOCKET", path, 1);
	FUZZ_ASSERT(ngd_loop_init(&d->loop) == 0);
	FUZZ_ASSERT(ngd_ctl_listen(path, &lfd) == 0);
	FUZZ_ASSERT((d->graph = fz_graph(&ngd_socket_ops)) != NULL);
	ngd_loop_before_sleep(&d->loop, &d->timers, fzc_timers, d->graph);
	FUZZ_ASSERT(ngd_ctl_start(&d->ctl, &d->loop, d->graph, lfd, 0, false) ==
	    0);
	FUZZ_ASSERT(pthread_create(&t, NULL, fzc_server, NULL) == 0);
	NgSetErrLog(fzc_quiet, fzc_quiet);
}

/* Shut down every node but the janitor's; (re)make the janitor first. */
static void
fzc_sweep(void)
{
	struct ng_mesg *resp = NULL;
	struct namelist *nl;
	char path[32];

	if (fzc_jcs < 0 ||
	    NgSendMsg(fzc_jcs, ".", NGM_GENERIC_COOKIE, NGM_LISTNODES, NULL,
		0) < 0) {
		if (fzc_jcs >= 0)
			close(fzc_jcs);
		FUZZ_ASSERT(NgMkSockNode(NULL, &fzc_jcs, NULL) == 0);
		FUZZ_ASSERT(NgSendMsg(fzc_jcs, ".", NGM_GENERIC_COOKIE,
				NGM_NODEINFO, NULL, 0) >= 0);
		FUZZ_ASSERT(NgAllocRecvMsg(fzc_jcs, &resp, NULL) >= 0);
		fzc_jid = ((struct nodeinfo *)resp->data)->id;
		free(resp);
		FUZZ_ASSERT(NgSendMsg(fzc_jcs, ".", NGM_GENERIC_COOKIE,
				NGM_LISTNODES, NULL, 0) >= 0);
	}
	FUZZ_ASSERT(NgAllocRecvMsg(fzc_jcs, &resp, NULL) >= 0);
	nl = (struct namelist *)resp->data;
	for (uint32_t i = 0; i < nl->numnames; i++) {
		if (nl->nodeinfo[i].id == fzc_jid)
			continue;
		snprintf(path, sizeof(path), "[%x]:", nl->nodeinfo[i].id);
		(void)NgSendMsg(fzc_jcs, path, NGM_GENERIC_COOKIE, NGM_SHUTDOWN,
		    NULL, 0);
	}
	free(resp);
	/* Whatever else reached the janitor meanwhile. */
	while (NgPending(fzc_jcs) > 0 &&
	    NgAllocRecvMsg(fzc_jcs, &resp, NULL) >= 0)
		free(resp);
}

/*
 * What ngctl must not do here: touch files.  `read` and `write -f` read
 * them, `dot FILE` writes one (as root, anywhere: the first fuzzing
 * runs littered the tree with graphs named after mutated words).  Nor
 * wait for a person: `top` and `capture` run until interrupted (a
 * campaign's timeout was `top` waiting for its next second, for ever),
 * and `capture -w` writes a file.
 */
static bool
fzc_allowed(const struct ngctl_cmd *cmd, int ac, char **av)
{
	if (cmd == &ngctl_cmd_read || cmd == &ngctl_cmd_top ||
	    cmd == &ngctl_cmd_capture)
		return false;
	for (int i = 1; i < ac; i++) {
		if (cmd == &ngctl_cmd_write && strcmp(av[i], "-f") == 0)
			return false;
		if (cmd == &ngctl_cmd_dot &&
		    (av[i][0] != '-' || av[i][1] == '\0'))
			return false;
	}
	return true;
}

int FUZZ_ENTRY(const uint8_t *data, size_t size);

int
FUZZ_ENTRY(const uint8_t *data, size_t size)
{
	struct ngctl ng = { .cs = -1, .ds = -1 };
	char line[FZC_MAXLINE], **av;
	size_t at = 0;

	fzc_start();
	if (NgMkSockNode(NULL, &ng.cs, &ng.ds) != 0)
		return 0;
	for (unsigned n = 0; n < FZC_MAXLINES && at < size; n++) {
		const struct ngctl_cmd *cmd;
		size_t len = 0;
		bool on[4];
		int ac, first;

		while (at < size && data[at] != '\n' && len < sizeof(line) - 1)
			line[len++] = (char)data[at++];
		line[len] = '\0';
		at++;
		if (line[0] == '#')
			continue;
		if ((av = ngctl_tokenize(line, &ac)) == NULL)
			break;
		FUZZ_ASSERT(ac >= 0 && av[ac] == NULL);
		if (ac > 0 && ngctl_options(ac, av, "lna", on, &first))
			FUZZ_ASSERT(first >= 1 && first <= ac);
		if (ac == 0 || (cmd = ngctl_find(av[0])) == NULL ||
		    !fzc_allowed(cmd, ac, av)) {
			free(av);
			continue;
		}
		first = ngctl_run(&ng, ac, av);
		free(av);
		if (first == NGCTL_QUIT)
			break;
	}
	NgSetDebug(0);
	close(ng.cs);
	close(ng.ds);
	fzc_sweep();
	return 0;
}
