/*
 * main.c: ngctl, the netgraph control tool.  Creates a socket node in
 * ngd's graph (starting ngd when nothing answers), then runs one command
 * from the arguments, a script (-f), or an interactive session.  Below is
 * the command table, in the order `help` lists it, and the dispatcher
 * that matches a typed word against it.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <netgraph.h>

#include "../lib/ng_lib.h"
#include "ngctl.h"
#include "ngd_proto.h"

/* FreeBSD's line, which scripts may match (spec §13 case 35); -j and -N,
 * ours, are in ngctl(8). */
#define NGCTL_USAGE_LINE "usage: ngctl [-d] [-f file] [-n name] [command ...]"
#define NGD_NAME "ngd"
#define NGD_WAIT_MS 3000 /* how long a freshly started ngd may take */
#define NGD_POLL_MS 20

const struct ngctl_cmd *const ngctl_cmds[] = {
	&ngctl_cmd_capture,
	&ngctl_cmd_config,
	&ngctl_cmd_connect,
	&ngctl_cmd_debug,
	&ngctl_cmd_dot,
	&ngctl_cmd_help,
	&ngctl_cmd_list,
	&ngctl_cmd_mkpeer,
	&ngctl_cmd_msg,
	&ngctl_cmd_name,
	&ngctl_cmd_read,
	&ngctl_cmd_rmhook,
	&ngctl_cmd_show,
	&ngctl_cmd_shutdown,
	&ngctl_cmd_status,
	&ngctl_cmd_top,
	&ngctl_cmd_types,
	&ngctl_cmd_write,
	&ngctl_cmd_quit,
	NULL,
};

/* A prefix of the command's name or of one of its aliases, any case. */
static bool
ngctl_matches(const struct ngctl_cmd *cmd, const char *word)
{
	size_t len = strlen(word);
	int i;

	if (len <= strlen(cmd->name) && strncasecmp(word, cmd->name, len) == 0)
		return true;
	for (i = 0; i < NGCTL_MAX_ALIAS && cmd->aliases[i] != NULL; i++)
		if (len <= strlen(cmd->aliases[i]) &&
		    strncasecmp(word, cmd->aliases[i], len) == 0)
			return true;
	return false;
}

/*
 * The one command word names, or NULL after saying why not.  FreeBSD's
 * commands are looked at first, ours only when none of those matches,
 * so that every word means what it means on FreeBSD.
 */
const struct ngctl_cmd *
ngctl_find(const char *word)
{
	const struct ngctl_cmd *found = NULL;
	int i, pass;

	for (pass = 0; pass < 2 && found == NULL; pass++)
		for (i = 0; ngctl_cmds[i] != NULL; i++) {
			if (ngctl_cmds[i]->ours != (pass == 1) ||
			    !ngctl_matches(ngctl_cmds[i], word))
				continue;
			if (found != NULL) {
				ngctl_warnx("\"%s\": ambiguous command", word);
				return NULL;
			}
			found = ngctl_cmds[i];
		}
	if (found == NULL)
		ngctl_warnx("\"%s\": unknown command", word);
	return found;
}

/* word names help and nothing else (quietly: ngctl_run says the rest). */
static bool
ngctl_is_help(const char *word)
{
	int i, n = 0;

	for (i = 0; ngctl_cmds[i] != NULL; i++)
		n += ngctl_matches(ngctl_cmds[i], word);
	return n == 1 && ngctl_matches(&ngctl_cmd_help, word);
}

/* Whether a node answers at path (a nodeinfo request and its reply). */
static bool
ngctl_is_node(struct ngctl *ng, const char *path)
{
	struct ng_mesg *rep;

	if (NgSendMsg(ng->cs, path, NGM_GENERIC_COOKIE, NGM_NODEINFO, NULL, 0) <
	    0)
		return false;
	if (ngctl_recv_generic(ng, NGM_NODEINFO, &rep) != 0)
		return false;
	free(rep);
	return true;
}

/*
 * After a command's "No such file or directory": when a path it was
 * given is a bare word (a path of hooks from ngctl's own node) that
 * reaches nothing, while a node has that name, the colon was left out
 * (ngctl show br0 for show br0:).  Say so, once.
 */
static void
ngctl_hint_colon(struct ngctl *ng, const struct ngctl_cmd *cmd, int ac,
    char **av)
{
	const char *paths[2] = { NULL, NULL }, *from = NULL;
	char named[NG_PATHSIZ], at[2 * NG_PATHSIZ], of[NG_PATHSIZ + 8];

	if (strcmp(cmd->name, "show") == 0 ||
	    strcmp(cmd->name, "status") == 0 ||
	    strcmp(cmd->name, "config") == 0 || strcmp(cmd->name, "msg") == 0 ||
	    strcmp(cmd->name, "name") == 0 ||
	    strcmp(cmd->name, "shutdown") == 0)
		paths[0] = strcmp(cmd->name, "show") == 0 ? av[ac - 1] : av[1];
	else if (strcmp(cmd->name, "rmhook") == 0 && ac == 3)
		paths[0] = av[1];
	else if (strcmp(cmd->name, "mkpeer") == 0 && ac == 5)
		paths[0] = av[1];
	else if (strcmp(cmd->name, "connect") == 0 && ac == 4)
		paths[0] = av[1];
	else if (strcmp(cmd->name, "connect") == 0 && ac == 5)
		paths[0] = av[1], paths[1] = av[2], from = av[1];
	for (int i = 0; i < 2 && paths[i] != NULL; i++) {
		const char *w = paths[i];
		/* connect's relpath is a path from the node at its path */
		const char *f = i == 1 && strcmp(from, ".") != 0 ? from : NULL;
		size_t n = f != NULL ? strlen(f) : 0;

		if (w[0] == '\0' || w[0] == '-' || w[0] == '[' ||
		    strpbrk(w, ":.") != NULL || strlen(w) >= NG_NODESIZ)
			continue;
		if (f != NULL)
			snprintf(at, sizeof(at), "%s%s%s", f,
			    f[n - 1] == ':' ? "" : ".", w);
		else
			snprintf(at, sizeof(at), "%s", w);
		snprintf(named, sizeof(named), "%s:", w);
		if (!ngctl_is_node(ng, at) && ngctl_is_node(ng, named)) {
			if (f != NULL)
				snprintf(of, sizeof(of), "node %s", f);
			else
				snprintf(of, sizeof(of), "ngctl's own node");
			ngctl_warnx("without a colon, \"%s\" is a hook of %s; "
				    "the node named %s is \"%s\"",
			    w, of, w, named);
			return;
		}
	}
}

enum ngctl_rtn
ngctl_run(struct ngctl *ng, int ac, char **av)
{
	const struct ngctl_cmd *cmd;
	enum ngctl_rtn rtn;

	if (ac == 0 || av[0][0] == '\0')
		return NGCTL_OK;
	if ((cmd = ngctl_find(av[0])) == NULL)
		return NGCTL_ERROR;
	ngctl_warned = 0;
	rtn = cmd->func(ng, ac, av);
	if (rtn == NGCTL_ERROR && ngctl_warned == ENOENT && ac > 1)
		ngctl_hint_colon(ng, cmd, ac, av);
	if (rtn == NGCTL_USAGE)
		ngctl_warnx("usage: %s", cmd->usage);
	fflush(stdout);
	return rtn;
}

enum ngctl_rtn
ngctl_run_line(struct ngctl *ng, char *line)
{
	enum ngctl_rtn rtn;
	char **av;
	int ac;

	if ((av = ngctl_tokenize(line, &ac)) == NULL) {
		ngctl_warn("malloc");
		return NGCTL_ERROR;
	}
	rtn = ngctl_run(ng, ac, av);
	free(av);
	return rtn;
}

/*
 * One line of a script into *line, grown as needed up to
 * NGCTL_SCRIPT_LINE bytes: 0 with it, -1 at the end of the file (or on a
 * read error: ferror), -2 for a longer line, -3 out of memory (errno).
 * getline() grew without bound: `ngctl -f` of a file with no newline
 * (/dev/zero, an image) took all memory, or failed with ENOMEM, which
 * it took for the end of the file and exited 0.
 */
#define NGCTL_SCRIPT_LINE (32 << 20)
static int
ngctl_script_line(char **line, size_t *cap, FILE *fp)
{
	size_t len = 0;
	int c;

	while ((c = getc(fp)) != EOF) {
		if (len + 2 > *cap) {
			size_t ncap = *cap != 0 ? *cap * 2 : 256;
			char *n;

			if (len + 2 > NGCTL_SCRIPT_LINE)
				return -2;
			if (ncap > NGCTL_SCRIPT_LINE)
				ncap = NGCTL_SCRIPT_LINE;
			if ((n = realloc(*line, ncap)) == NULL)
				return -3;
			*line = n;
			*cap = ncap;
		}
		(*line)[len++] = (char)c;
		if (c == '\n')
			break;
	}
	if (len == 0)
		return -1;
	(*line)[len] = '\0';
	return 0;
}

/*
 * Run a script: lines starting with '#' are comments.  The first line
 * that fails ends it; `quit` ends it quietly and is passed on.
 */
enum ngctl_rtn
ngctl_run_file(struct ngctl *ng, FILE *fp)
{
	char *line = NULL;
	size_t cap = 0;
	enum ngctl_rtn rtn = NGCTL_OK;
	unsigned long num;
	int got;

	for (num = 1; (got = ngctl_script_line(&line, &cap, fp)) != -1; num++) {
		if (got == -2) {
			ngctl_warnx("line %lu: longer than %d MiB", num,
			    NGCTL_SCRIPT_LINE >> 20);
			rtn = NGCTL_ERROR;
			break;
		}
		if (got == -3) {
			ngctl_warn("line %lu", num);
			rtn = NGCTL_ERROR;
			break;
		}
		if (line[0] == '#')
			continue;
		rtn = ngctl_run_line(ng, line);
		if (rtn == NGCTL_QUIT)
			break;
		if (rtn != NGCTL_OK) {
			ngctl_warnx("line %lu: error in file", num);
			break;
		}
	}
	if (rtn == NGCTL_OK && ferror(fp)) {
		ngctl_warn("line %lu: read error", num);
		rtn = NGCTL_ERROR;
	}
	free(line);
	return rtn;
}

FILE *
ngctl_open_script(const char *path)
{
	struct stat st;
	FILE *fp;

	if ((fp = fopen(path, "re")) == NULL) {
		ngctl_warn("%s", path);
		return NULL;
	}
	/* A directory opens, then reads as an empty script: say why not. */
	if (fstat(fileno(fp), &st) == 0 && S_ISDIR(st.st_mode)) {
		fclose(fp);
		errno = EISDIR;
		ngctl_warn("%s", path);
		return NULL;
	}
	return fp;
}

static void
ngctl_usage(void)
{
	fprintf(stderr, "%s\n", NGCTL_USAGE_LINE);
}

/* Where ngd is: next to this binary, else on PATH (NGD_NAME alone). */
static void
ngctl_ngd_path(char *buf, size_t size)
{
	char self[PATH_MAX];
	ssize_t n;
	char *slash;

	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n > 0) {
		self[n] = '\0';
		if ((slash = strrchr(self, '/')) != NULL) {
			*slash = '\0';
			if ((size_t)snprintf(buf, size, "%s/%s", self,
				NGD_NAME) < size &&
			    access(buf, X_OK) == 0)
				return;
		}
	}
	snprintf(buf, size, "%s", NGD_NAME);
}

/*
 * Start ngd in the background; it daemonizes itself.  Its own session
 * keeps a ^C meant for ngctl away from it.  Returns 0 or an errno; *pid
 * is the child's.
 */
static int
ngctl_spawn_ngd(pid_t *pid)
{
	char path[PATH_MAX];
	int fd;

	ngctl_ngd_path(path, sizeof(path));
	fflush(stdout);
	fflush(stderr);
	if ((*pid = fork()) < 0)
		return errno;
	if (*pid > 0)
		return 0;
	setsid();
	if ((fd = open("/dev/null", O_RDWR)) >= 0) {
		dup2(fd, STDIN_FILENO);
		dup2(fd, STDOUT_FILENO);
	}
	/*
	 * Nothing else of ours: a pipe held open by a long-lived daemon
	 * would keep whoever reads its other end waiting.  stderr stays,
	 * so ngd can say why it did not start.
	 */
	close_range(STDERR_FILENO + 1, ~0U, 0);
	if (strchr(path, '/') != NULL)
		execl(path, NGD_NAME, (char *)NULL);
	else
		execlp(path, NGD_NAME, (char *)NULL);
	fprintf(stderr, "ngctl: can't run %s: %s\n", path, NgStrError(errno));
	_exit(127);
}

/*
 * Is the jail a vnet jail?  Its public record (/run/jail/NAME/public,
 * jail(8)'s) has its parameters as "param NAME<TAB>VALUE" lines: vnet
 * (no value), vnet=new or 1 is one; the last word counts.
 */
static bool
ngctl_jail_vnet(const char *jail)
{
	char path[PATH_MAX], line[256];
	bool vnet = false;
	FILE *fp;

	snprintf(path, sizeof(path), "/run/jail/%s/public", jail);
	if ((fp = fopen(path, "re")) == NULL)
		return true; /* unreadable: as before, the namespace decides */
	while (fgets(line, sizeof(line), fp) != NULL) {
		line[strcspn(line, "\n")] = '\0';
		if (strcmp(line, "param novnet") == 0)
			vnet = false;
		else if (strcmp(line, "param vnet") == 0)
			vnet = true;
		else if (strncmp(line, "param vnet\t", 11) == 0)
			vnet = strcasecmp(line + 11, "new") == 0 ||
			    strcmp(line + 11, "1") == 0;
	}
	fclose(fp);
	return vnet;
}

/*
 * -j: act on a jail's graph, which lives in the jail's network
 * namespace (bound at /run/netns/NAME by jail(8); a jid leads to the name
 * under /run/jail).  A jail that shares our network shares our graph.
 * One with a namespace of its own but no vnet (no addresses: no network)
 * has no graph: FreeBSD has one per vnet, and such a jail's is the
 * host's, which its processes may not drive.  An ngd started there would
 * give it interfaces it must not have.
 */
static int
ngctl_enter_jail(const char *jail)
{
	char path[PATH_MAX], name[256];
	ssize_t n;
	int fd, error = 0;

	snprintf(path, sizeof(path), "/run/jail/%s", jail);
	if ((n = readlink(path, name, sizeof(name) - 1)) > 0) {
		name[n] = '\0';
		jail = name;
		snprintf(path, sizeof(path), "/run/jail/%s", jail);
	}
	if (strchr(jail, '/') != NULL || jail[0] == '.' ||
	    access(path, F_OK) != 0) {
		ngctl_warnx("jail \"%s\" not found", jail);
		return ENOENT;
	}
	snprintf(path, sizeof(path), "/run/netns/%s", jail);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return errno == ENOENT ? 0 : errno;
	if (!ngctl_jail_vnet(jail)) {
		ngctl_warnx("jail \"%s\" has no network (neither vnet nor "
			    "addresses), so no graph: -j acts on a vnet jail's "
			    "graph, or the host's for one that shares its "
			    "network",
		    jail);
		close(fd);
		return EPERM;
	}
	if (setns(fd, CLONE_NEWNET) != 0) {
		error = errno;
		ngctl_warn("jail \"%s\"", jail);
	}
	close(fd);
	return error;
}

/* -t seconds: how long each request waits for ngd (0: forever). */
static int
ngctl_set_timeout(const char *arg)
{
	char *end;
	double sec = strtod(arg, &end);

	if (*arg == '\0' || *end != '\0' || !(sec >= 0 && sec <= 86400)) {
		ngctl_warnx("-t %s: want seconds from 0 (wait forever) to "
			    "86400",
		    arg);
		return EINVAL;
	}
	(void)NgSetTimeout((int)(sec * 1000 + 0.5));
	return 0;
}

/* Say why, when the error was ngd not answering in time, or a message
 * larger than ngd takes. */
static void
ngctl_timed_out(int error)
{
	int ms = NgSetTimeout(-1);

	if (error == ETIMEDOUT)
		ngctl_warnx("ngd on %s did not answer within %g s (stopped "
			    "or overloaded?); -t changes how long to wait",
		    NgSocketPath(), ms / 1000.0);
	if (error == EMSGSIZE)
		ngctl_warnx("a message to ngd may be %u MiB (root, or ngd's -g "
			    "group) or what one datagram holds (anyone else: "
			    "net.core.wmem_max) at most",
		    NGD_MAX_LARGE >> 20);
}

/* Nothing listens where ngd should. */
static bool
ngctl_nobody_home(int error)
{
	return error == ECONNREFUSED || error == ENOENT;
}

/*
 * Root as ngd sees it: uid 0 of the initial user namespace, whose
 * uid_map is the whole range.  Root of a user namespace of its own
 * (unshare -Ur) that shares ngd's network is the user who made it to
 * ngd, and may neither name a node nor start an ngd.
 */
static bool
ngctl_host_root(void)
{
	unsigned long long inside, outside, count;
	char line[128];
	bool whole = false;
	int lines = 0;
	FILE *f;

	if (geteuid() != 0)
		return false;
	if ((f = fopen("/proc/self/uid_map", "re")) == NULL)
		return true; /* no /proc: cannot tell, as before */
	while (fgets(line, sizeof(line), f) != NULL) {
		lines++;
		whole = sscanf(line, "%llu %llu %llu", &inside, &outside,
			    &count) == 3 &&
		    inside == 0 && outside == 0 && count == 4294967295ull;
	}
	fclose(f);
	return lines == 1 && whole;
}

/*
 * Create our socket node, starting ngd first if allowed and needed.
 * Returns 0 or an errno.
 */
static int
ngctl_open(struct ngctl *ng, const char *name, bool autostart)
{
	struct timespec pause = { 0, NGD_POLL_MS * 1000000L };
	int waited, status, error;
	pid_t pid;

	if (NgMkSockNode(name, &ng->cs, &ng->ds) == 0)
		return 0;
	error = errno;
	/* Who may not change the graph may not name a node: ours has none.
	 * (Root may, but for a jail's: refused everything, or an impostor's
	 * server, which said so already.) */
	if (error == EPERM && !ngctl_host_root() &&
	    NgMkSockNode(NULL, &ng->cs, &ng->ds) == 0)
		return 0;
	if (!autostart || !ngctl_nobody_home(error))
		return error;
	/*
	 * Only root may start ngd: a daemon run by anyone else would hold
	 * the namespace's address, and root's tools refuse such a server.
	 */
	if (!ngctl_host_root()) {
		ngctl_warnx("ngd is not running, and only root may start it");
		return error;
	}
	if ((error = ngctl_spawn_ngd(&pid)) != 0)
		return error;
	for (waited = 0; waited < NGD_WAIT_MS; waited += NGD_POLL_MS) {
		nanosleep(&pause, NULL);
		if (NgMkSockNode(name, &ng->cs, &ng->ds) == 0)
			return 0;
		error = errno;
		if (!ngctl_nobody_home(error))
			break;
		/* An ngd that gave up will not answer later. */
		if (pid > 0 && waitpid(pid, &status, WNOHANG) == pid) {
			pid = 0;
			if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
				break;
		}
	}
	return error;
}

int
main(int argc, char **argv)
{
	struct ngctl ng = { .cs = -1, .ds = -1 };
	char name[NG_NODESIZ];
	bool autostart, interactive, helponly;
	const char *env;
	FILE *fp = NULL;
	enum ngctl_rtn rtn;
	int ch, error;

	snprintf(name, sizeof(name), "ngctl%d", (int)getpid());
	env = getenv("NGCTL_NO_AUTOSTART");
	autostart = env == NULL || *env == '\0' || strcmp(env, "0") == 0;
	interactive = isatty(STDIN_FILENO) && isatty(STDOUT_FILENO);

	/* '+': the first word that is not an option starts the command. */
	opterr = 0;
	while ((ch = getopt(argc, argv, "+:df:j:n:Nt:")) != -1) {
		switch (ch) {
		case 'j':
			if (ngctl_enter_jail(optarg) != 0)
				return EX_OSERR;
			break;
		case 'd':
			NgSetDebug(NgSetDebug(-1) + 1);
			break;
		case 'f':
			if (fp != NULL && fp != stdin)
				fclose(fp);
			if (strcmp(optarg, "-") == 0)
				fp = stdin;
			else if ((fp = ngctl_open_script(optarg)) == NULL)
				return EX_NOINPUT;
			break;
		case 'n':
			snprintf(name, sizeof(name), "%s", optarg);
			break;
		case 'N':
			autostart = false;
			break;
		case 't':
			if (ngctl_set_timeout(optarg) != 0) {
				ngctl_usage();
				return EX_USAGE;
			}
			break;
		case ':':
			ngctl_warnx("option requires an argument -- %c",
			    optopt);
			ngctl_usage();
			return EX_USAGE;
		default:
			ngctl_warnx("illegal option -- %c", optopt);
			ngctl_usage();
			return EX_USAGE;
		}
	}
	argc -= optind;
	argv += optind;

	if (argc == 0 && fp == NULL && !interactive) {
		ngctl_warnx("no command specified");
		ngctl_usage();
		return EX_USAGE;
	}

	/* `ngctl help` needs no graph: it starts no ngd, and works without. */
	helponly = argc > 0 && fp == NULL && !interactive &&
	    ngctl_is_help(argv[0]);
	if (helponly)
		autostart = false;
	if ((error = ngctl_open(&ng, name, autostart)) != 0 && helponly &&
	    (ngctl_nobody_home(error) ||
		(error == EPERM && ng_lib_jailed_without_net()))) {
		ng.cs = ng.ds = -1;
		error = 0;
	}
	if (error != 0) {
		errno = error;
		ngctl_warn("can't create node");
		if (ngctl_nobody_home(error))
			ngctl_warnx("no ngd answers on %s", NgSocketPath());
		if (error == EPERM && ng_lib_jailed_without_net())
			ngctl_warnx("no graph here: this network is not "
				    "ours to configure (a jail without vnet, "
				    "or no CAP_NET_ADMIN in the bounding "
				    "set); a vnet jail has its own");
		ngctl_timed_out(error);
		return EX_OSERR;
	}

	if (argc > 0)
		rtn = ngctl_run(&ng, argc, argv);
	else if (fp != NULL)
		rtn = ngctl_run_file(&ng, fp);
	else
		rtn = ngctl_interactive(&ng);

	if (rtn != NGCTL_OK && rtn != NGCTL_QUIT)
		ngctl_timed_out(errno);
	switch (rtn) {
	case NGCTL_OK:
	case NGCTL_QUIT:
		return 0;
	case NGCTL_USAGE:
		return EX_USAGE;
	default:
		return EX_OSERR;
	}
}
