/*
 * main.c: ngd, the daemon that holds one network namespace's graph.
 * usage: ngd [--takeover] [-d] [-b usec] [-c file] [-n nice] [-s socket]
 *            [-g group] [-J dir]
 *   --takeover  take the graph, its interfaces and its socket over from
 *       the ngd serving this namespace, which then exits (takeover.c)
 *   -b  after traffic, poll this long before sleeping (default 10000; 0 off)
 *   -n  nice value (default 0; measured: -10 costs TCP throughput when
 *       the CPU is shared with the programs at both ends)
 *   -d  stay in the foreground, log to stderr (otherwise daemon + syslog)
 *   -s  listen there instead of $NGD_SOCKET or @netgraph
 *   -g  members of group may change the graph too (root always may)
 *   -c  apply this ngctl script at start, whole or not at all (boot.c),
 *       when no graph was restored or taken over; only the service
 *       (systemd/ngd.service) passes it
 *   -J  keep the journal under dir (default $NGD_JOURNAL_DIR, /run/netgraph;
 *       on another socket than @netgraph, /run/netgraph-NAME: ngd_own_dirs)
 * At start the graph the journal holds is rebuilt (after a crash).
 * SIGTERM/SIGINT: shut every node down (its interfaces go too), forget
 * the journal, exit 0.
 * SIGHUP is ignored: there is no configuration to reload.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <malloc.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <syslog.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include <netgraph/ng_ether.h>
#include <netgraph/ng_ksocket.h>

#include "ngd.h"
#include "ngd_proto.h"

#define NGD_BUSY_POLL_DEFAULT 10000 /* microseconds: covers 100 pps */
#define NGD_BUSY_POLL_MAX 1000000   /* -b at most a second */
#define NGD_NICE_DEFAULT 0

#define NGD_TRIM_MS 1000 /* freed heap given back at most this often */

static bool ngd_foreground; /* how ngd_log writes, for the process */
/* Daemonised with a boot file: the parent waits on this pipe until
 * clients are served (ngd_serving), so that `ngd -c FILE && ngctl ...`
 * sees the graph. */
static int ngd_ready_fd = -1;

/*
 * Before each sleep (struct ngd_trim): once the loop has woken since the
 * last trim, trim again NGD_TRIM_MS after it.  malloc_trim() walks the
 * free chunks, not the heap: cheap, and at most once a second.  Without
 * it, what a MAC flood's third round left resident swung by -12 to +15 MB
 * with where the heap's last block in use happened to lie.
 */
static int64_t
ngd_trim_before_sleep(void *arg)
{
	struct ngd_trim *t = arg;
	uint64_t now = ngd_clock_ms();

	if (now < t->next_ms) {
		t->dirty = true;
		return (int64_t)(t->next_ms - now);
	}
	if (t->dirty) {
		(void)malloc_trim(0);
		t->dirty = false;
		t->next_ms = now + NGD_TRIM_MS;
		return -1; /* nothing more until the loop wakes */
	}
	t->dirty = true; /* woken after a quiet spell: trim in a while */
	t->next_ms = now + NGD_TRIM_MS;
	return NGD_TRIM_MS;
}

static void
ngd_vlog(int level, unsigned long held_back, const char *fmt, va_list ap)
{
	char buf[1024];

	vsnprintf(buf, sizeof(buf), fmt, ap);
	if (ngd_foreground && held_back > 0)
		fprintf(stderr, "ngd: %s (%lu more like it suppressed)\n", buf,
		    held_back);
	else if (ngd_foreground)
		fprintf(stderr, "ngd: %s\n", buf);
	else if (held_back > 0)
		syslog(level, "%s (%lu more like it suppressed)", buf,
		    held_back);
	else
		syslog(level, "%s", buf);
}

/* Rate-limited per call site (ng_ratelim), like the engine's ng_log. */
void
ngd_log(int level, const char *fmt, ...)
{
	static struct ng_ratelim_tab rl;
	unsigned long held_back;
	va_list ap;

	if (!ng_ratelim(&rl, fmt, ngd_clock_ms(), &held_back))
		return;
	va_start(ap, fmt);
	ngd_vlog(level, held_back, fmt, ap);
	va_end(ap);
}

/* The engine's lines, already rate-limited by ng_log. */
static void
ngd_log_engine(int level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	ngd_vlog(level, 0, fmt, ap);
	va_end(ap);
}

/* Clients are served (the boot file, if any, is applied): said in the
 * log, to systemd and to the parent still waiting, in that order. */
static void
ngd_serving(const char *path)
{
	ngd_log(LOG_INFO, "serving %s", path);
	ngd_notify_ready(path);
	if (ngd_ready_fd >= 0) {
		(void)write(ngd_ready_fd, "", 1);
		close(ngd_ready_fd);
		ngd_ready_fd = -1;
	}
}

static void
ngd_signal(void *arg, uint32_t events)
{
	struct ngd *d = arg;
	struct signalfd_siginfo si;

	(void)events;
	while (read(d->sigio.fd, &si, sizeof(si)) == sizeof(si)) {
		if (si.ssi_signo == SIGCHLD) {
			/* The boot file's ngctl is the only child. */
			if (!ngd_boot_reap(&d->boot))
				continue;
			if (d->boot.failed)
				d->stop = true;
			else
				ngd_serving(d->ctl_path);
			continue;
		}
		if (si.ssi_signo == SIGHUP) {
			/* No configuration to reload; the graph stays. */
			ngd_log(LOG_INFO, "SIGHUP ignored");
			continue;
		}
		ngd_log(LOG_INFO, "signal %u: shutting down", si.ssi_signo);
		d->stop = true;
	}
}

static void
ngd_usage(void)
{
	fprintf(stderr,
	    "usage: ngd [--takeover] [-d] [-b usec] [-c file] [-n nice] "
	    "[-s socket] [-g group] [-J dir]\n");
	exit(EX_USAGE);
}

/*
 * Detach from the terminal; the parent returns once we listen.  With a
 * boot file to apply (wait), only once the child serves clients, the
 * file applied (0), or with the child's status if it stops before (78:
 * the file failed), never with a graph half made.  (Not for a takeover:
 * under systemd, ExecReload= would still run when the old ngd names the
 * new one the main process and exits.)
 */
static void
ngd_daemonize(bool wait)
{
	int fd, ready[2] = { -1, -1 }, status;
	pid_t pid;
	char c;

	if (wait && pipe2(ready, O_CLOEXEC) < 0) {
		fprintf(stderr, "ngd: pipe: %s\n", strerror(errno));
		exit(EX_OSERR);
	}
	if ((pid = fork()) < 0) {
		fprintf(stderr, "ngd: fork: %s\n", strerror(errno));
		exit(EX_OSERR);
	}
	if (pid > 0 && !wait)
		_exit(0);
	if (pid > 0) {
		ssize_t n;

		close(ready[1]);
		while ((n = read(ready[0], &c, 1)) < 0 && errno == EINTR)
			;
		if (n == 1)
			_exit(0); /* serving */
		/* It stopped before (the pipe closed with it): its status. */
		if (waitpid(pid, &status, 0) == pid && WIFEXITED(status))
			_exit(WEXITSTATUS(status));
		_exit(EX_OSERR);
	}
	if (wait)
		close(ready[0]);
	ngd_ready_fd = ready[1];
	(void)setsid();
	if (chdir("/") < 0)
		_exit(EX_OSERR);
	fd = open("/dev/null", O_RDWR);
	if (fd >= 0) {
		dup2(fd, 0);
		dup2(fd, 1);
		dup2(fd, 2);
		if (fd > 2)
			close(fd);
	}
}

/* The loop's before-sleep hook for the graph's timers. */
static int64_t
ngd_graph_timers(void *arg)
{
	return ng_timers_run(arg);
}

/* The graph's random source: the kernel's (getrandom never blocks once
 * the pool is ready, which it is by the time a service starts); should
 * it fail, the clock mixed with the PID, guessable but never constant. */
static uint64_t
ngd_random64(void)
{
	uint64_t v;
	struct timespec ts;

	if (getrandom(&v, sizeof(v), GRND_NONBLOCK) == (ssize_t)sizeof(v))
		return v;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec) *
	    0x9e3779b97f4a7c15ull ^
	    (uint64_t)getpid() << 40;
}

/*
 * The journal and the fast path's pins are kept per network namespace,
 * so a second graph in one namespace, on another socket, would replay
 * the first one's journal and take its pairs.  On a socket other than
 * the default each gets a directory named after the socket
 * (/run/netgraph-NAME, /sys/fs/bpf/netgraph-NAME; NAME the socket
 * without its '@', '/' made '_'), unless -J, $NGD_JOURNAL_DIR or
 * $NGD_BPF_DIR say otherwise.  True when the journal's is such a
 * directory, which a clean stop removes (empty by then).
 */
static bool
ngd_own_dirs(const char *path, const char **jdirp)
{
	static char jdir[PATH_MAX];
	char name[128], bpf[PATH_MAX]; /* a socket name is shorter */
	bool own = false;
	size_t i;

	if (strcmp(path, NGD_SOCKET_DEFAULT) == 0)
		return false;
	snprintf(name, sizeof(name), "%s", path[0] == '@' ? path + 1 : path);
	for (i = 0; name[i] != '\0'; i++)
		if (name[i] == '/')
			name[i] = '_';
	if (*jdirp == NULL || (*jdirp)[0] == '\0') {
		snprintf(jdir, sizeof(jdir), "%s-%s", NGD_JOURNAL_DIR, name);
		*jdirp = jdir;
		own = true;
	}
	snprintf(bpf, sizeof(bpf), "/sys/fs/bpf/netgraph-%s", name);
	ngd_fast_pin_root(bpf);
	return own;
}

/*
 * Whether dir, where ngd keeps its journal and the fast path its pins,
 * may be trusted: a journal found at start is replayed as root, so one
 * that another user could write would make any graph.  Each part of the
 * path that exists must be root's or ours and writable by no one else
 * (but a sticky directory such as /tmp, where others may not rename
 * what is ours); dir itself, if it exists, a directory of its own, not a
 * symbolic link.  What is missing ngd makes itself.  If not, what is
 * wrong goes into why.
 */
static bool
ngd_dir_trusted(const char *dir, char *why, size_t len)
{
	size_t n = strlen(dir);
	char p[PATH_MAX];
	struct stat st;

	if (n == 0 || n >= sizeof(p))
		return true; /* (the journal's own checks say what is wrong) */
	for (size_t i = 1; i <= n; i++) {
		bool last = i == n || (i == n - 1 && dir[i] == '/');

		if ((dir[i] != '/' && dir[i] != '\0') || dir[i - 1] == '/')
			continue;
		memcpy(p, dir, i);
		p[i] = '\0';
		if (lstat(p, &st) != 0) {
			if (errno == ENOENT)
				return true;
			snprintf(why, len, "%.300s: %s", p, strerror(errno));
			return false;
		}
		if (S_ISLNK(st.st_mode) && !last &&
		    (st.st_uid == 0 || st.st_uid == geteuid()) &&
		    stat(p, &st) != 0) {
			snprintf(why, len, "%.300s: %s", p, strerror(errno));
			return false;
		}
		if (S_ISLNK(st.st_mode)) {
			snprintf(why, len,
			    "%.300s is a symbolic link of uid %u", p,
			    (unsigned)st.st_uid);
			return false;
		}
		if (st.st_uid != 0 && st.st_uid != geteuid()) {
			snprintf(why, len, "%.300s is owned by uid %u", p,
			    (unsigned)st.st_uid);
			return false;
		}
		if ((st.st_mode & 022) != 0 &&
		    (last || (st.st_mode & S_ISVTX) == 0)) {
			snprintf(why, len,
			    "%.300s is writable by others (mode %04o)", p,
			    (unsigned)(st.st_mode & 07777));
			return false;
		}
		if (last && !S_ISDIR(st.st_mode)) {
			snprintf(why, len, "%.300s is not a directory", p);
			return false;
		}
		if (last)
			break;
	}
	return true;
}

/*
 * dir (the journal's) and each missing level above it made, as ngd(8)
 * says: the journal makes only dir's own level (and the namespace's
 * below it) when it writes, so a missing parent left ngd serving with
 * no journal.  The parents are made 0755 (what ngd_dir_trusted asks of
 * them), dir 0700.  0, or an errno and the level it failed on in why.
 */
static int
ngd_make_dirs(const char *dir, char *why, size_t len)
{
	size_t n = strlen(dir);
	char p[PATH_MAX];
	struct stat st;

	if (n == 0 || n >= sizeof(p))
		return 0; /* (the journal's own checks say what is wrong) */
	for (size_t i = 1; i <= n; i++) {
		bool last = i == n || (i == n - 1 && dir[i] == '/');

		if ((dir[i] != '/' && dir[i] != '\0') || dir[i - 1] == '/')
			continue;
		memcpy(p, dir, i);
		p[i] = '\0';
		if (mkdir(p, last ? 0700 : 0755) < 0 &&
		    (errno != EEXIST || stat(p, &st) < 0 ||
			!S_ISDIR(st.st_mode))) {
			int error = errno == EEXIST ? ENOTDIR : errno;

			snprintf(why, len, "%.300s", p);
			return error;
		}
		if (last)
			break;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	const char *path = getenv(NGD_SOCKET_ENV);
	const char *jdir = getenv(NGD_JOURNAL_DIR_ENV);
	struct ng_graph_cfg cfg = {
		.types = ng_nodes_types,
		.clock_ms = ngd_clock_ms,
		.random64 = ngd_random64,
		.log = ngd_log_engine,
	};
	struct ngd d = { .sigio.fd = -1 }; /* all of its state, walkable */
	struct rlimit rl;
	gid_t gid = 0;
	bool gid_set = false;
	sigset_t mask;
	unsigned busy_us = NGD_BUSY_POLL_DEFAULT;
	int ch, lfd, error, nice_val = NGD_NICE_DEFAULT;
	bool takeover = false, own_jdir;
	struct ngd_handover handover;
	char why[512];

	ngd_fast_pin_listen(); /* systemd's store: before any fd is opened */
	/* --takeover, wherever it is (getopt knows only short options). */
	for (int i = 1, o = 1; i <= argc; i++) {
		if (i < argc && strcmp(argv[i], "--takeover") == 0) {
			takeover = true;
			argc--;
			i--;
			memmove(&argv[o], &argv[o + 1],
			    (size_t)(argc - o + 1) * sizeof(*argv));
			continue;
		}
		o = i + 1;
	}

	/* The tools' getopt words (FreeBSD's), not glibc's with argv[0] */
	opterr = 0;
	while ((ch = getopt(argc, argv, ":b:c:dg:J:n:s:")) != -1) {
		switch (ch) {
		case 'J':
			if (*optarg == '\0') {
				fprintf(stderr,
				    "ngd: -J \"\": an empty path "
				    "names no directory\n");
				exit(EX_USAGE);
			}
			jdir = optarg;
			break;
		case 'n': {
			char *end;
			long v = strtol(optarg, &end, 10);

			if (*optarg == '\0' || *end != '\0' || v < -20 ||
			    v > 19) {
				fprintf(stderr, "ngd: -n %s: want -20 to 19\n",
				    optarg);
				exit(EX_USAGE);
			}
			nice_val = (int)v;
			break;
		}
		case 'b': {
			char *end;
			unsigned long us = strtoul(optarg, &end, 10);

			if (*optarg == '\0' || *end != '\0' ||
			    us > NGD_BUSY_POLL_MAX) {
				fprintf(stderr,
				    "ngd: -b %s: want 0 to %u "
				    "microseconds\n",
				    optarg, NGD_BUSY_POLL_MAX);
				exit(EX_USAGE);
			}
			busy_us = (unsigned)us;
			break;
		}
		case 'c':
			d.boot.file = optarg;
			break;
		case 'd':
			ngd_foreground = true;
			break;
		case 'g': {
			struct group *gr = getgrnam(optarg);
			char *end;

			if (gr != NULL) {
				gid = gr->gr_gid;
			} else {
				gid = (gid_t)strtoul(optarg, &end, 10);
				if (*optarg == '\0' || *end != '\0') {
					fprintf(stderr,
					    "ngd: %s: no such group\n", optarg);
					exit(EX_USAGE);
				}
			}
			gid_set = true;
			break;
		}
		case 's':
			/* (an empty NGD_SOCKET is unset; an empty -s, or -J,
			 * a slip) */
			if (*optarg == '\0') {
				fprintf(stderr,
				    "ngd: -s \"\": an empty path "
				    "names no socket\n");
				exit(EX_USAGE);
			}
			path = optarg;
			break;
		case ':':
			fprintf(stderr,
			    "ngd: option requires an argument -- %c\n", optopt);
			ngd_usage();
			break;
		default:
			fprintf(stderr, "ngd: illegal option -- %c\n", optopt);
			ngd_usage();
		}
	}
	if (optind != argc)
		ngd_usage();
	if (path == NULL || path[0] == '\0')
		path = NGD_SOCKET_DEFAULT;
	own_jdir = ngd_own_dirs(path, &jdir);
	/*
	 * A daemon run by another user would hold the namespace's address,
	 * and root's tools rightly refuse to talk to it: root would be
	 * locked out of its own graph.
	 */
	if (geteuid() != 0) {
		fprintf(stderr, "ngd: must be run as root\n");
		exit(EX_NOPERM);
	}
	if (ngd_jailed_without_net()) {
		fprintf(stderr,
		    "ngd: no graph here: this network is not ours to "
		    "configure (a jail without vnet, or no CAP_NET_ADMIN in "
		    "the bounding set); a vnet jail has its own\n");
		exit(EX_NOPERM);
	}
	if (!ngd_dir_trusted(jdir != NULL && jdir[0] != '\0' ? jdir :
							       NGD_JOURNAL_DIR,
		why, sizeof(why))) {
		fprintf(stderr,
		    "ngd: %s: not ngd's own: the journal there would be "
		    "replayed as root; remove it, or choose another "
		    "directory with -J\n",
		    why);
		exit(EX_CANTCREAT);
	}
	if (jdir == NULL || jdir[0] == '\0')
		jdir = NGD_JOURNAL_DIR;
	if ((error = ngd_make_dirs(jdir, why, sizeof(why))) != 0) {
		if (strcmp(why, jdir) == 0)
			fprintf(stderr,
			    "ngd: cannot make the journal's directory %s: "
			    "%s\n",
			    jdir, strerror(error));
		else
			fprintf(stderr,
			    "ngd: cannot make %s, above the journal's "
			    "directory %s: %s\n",
			    why, jdir, strerror(error));
		exit(EX_CANTCREAT);
	}
	if (d.boot.file != NULL &&
	    (error = ngd_boot_open(&d.boot, d.boot.file)) != 0) {
		fprintf(stderr, "ngd: %s: %s\n", d.boot.file, strerror(error));
		exit(EX_NOINPUT);
	}

	if (takeover) {
		error = ngd_takeover_receive(path, &handover, why, sizeof(why));
		if (error != 0) {
			fprintf(stderr, "ngd: takeover: %s\n", why);
			exit(EX_UNAVAILABLE);
		}
		lfd = ngd_takeover_ctl_fd(&handover);
	} else
		error = ngd_ctl_listen(path, &lfd);
	if (error == EADDRINUSE) {
		if (!ngd_name_holder(path, why, sizeof(why)))
			snprintf(why, sizeof(why),
			    "another ngd already serves this network "
			    "namespace");
		fprintf(stderr, "ngd: %s: %s\n", path, why);
		exit(EX_UNAVAILABLE);
	}
	if (error == ENOTSOCK) {
		fprintf(stderr,
		    "ngd: %s: exists and is not a socket; not replacing it\n",
		    path);
		exit(EX_USAGE);
	}
	if (error != 0) {
		fprintf(stderr, "ngd: %s: %s\n", path, strerror(error));
		exit(EX_OSERR);
	}
	if (!ngd_foreground) {
		openlog("ngd", LOG_PID, LOG_DAEMON);
		ngd_daemonize(d.boot.file != NULL && !takeover);
	}
	/* The listener is now us, not our parent nor the ngd taken over
	 * from, both soon gone (libnetgraph refuses a gone listener). */
	ngd_ctl_own(lfd);
	/* Every interface is an open device: take all the fds allowed. */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		(void)setrlimit(RLIMIT_NOFILE, &rl);
	}
	if (setpriority(PRIO_PROCESS, 0, nice_val) < 0)
		ngd_log(LOG_WARNING, "cannot set nice %d: %s", nice_val,
		    strerror(errno));
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGCHLD);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	d.sigio.fd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
	d.sigio.fn = ngd_signal;
	d.sigio.arg = &d;
	if ((error = ngd_loop_init(&d.loop)) != 0) {
		ngd_log(LOG_ERR, "cannot start: %s", strerror(error));
		exit(EX_OSERR);
	}
	ngd_loop_set_busy_poll(&d.loop, busy_us);
	ngd_fast_pin_rundir(jdir);
	if ((error = ngd_netdev_init(&d.netdev, &d.loop)) == 0)
		error = ngd_fast_new(&d.netdev, &cfg.netdev_ops, &cfg.backend,
		    &d.fast);
	if (error == 0 && d.fast != NULL) {
		cfg.hookstats_sync = ngd_fast_hookstats;
		cfg.hookstats_arg = d.fast;
	}
	if (error == 0)
		error = ngd_ether_new(&d.loop, &d.ether);
	if (error == 0)
		error = ngd_sockdev_new(&d.loop, &d.sockdev);
	if (error == 0) {
		const struct ng_backend backends[] = {
			{ NGM_SOCKET_COOKIE, &ngd_socket_ops, NULL },
			{ NGM_ETHER_COOKIE, &ngd_ether_ops, d.ether },
			{ NGM_KSOCKET_COOKIE, &ngd_ksock_ops, d.sockdev },
			{ 0, NULL, NULL },
		};

		cfg.backends = backends;
		error = ng_graph_new(&cfg, &d.graph);
	}
	if (error == 0)
		error = ngd_ether_start(d.ether, d.graph);
	if (error == 0)
		error = ngd_journal_init(&d.journal, jdir, &d);
	if (error == 0 && !takeover)
		error = ngd_journal_restore(&d.journal);
	if (error == 0 && !takeover)
		ngd_fast_restored(
		    d.fast); /* what the journal did not name goes */
	if (error == 0 && takeover) {
		const char *bad = "";
		unsigned n;

		error = ngd_takeover_restore(&d, &handover, &bad, &n);
		if (error != 0) {
			/* No "ok": the old ngd serves on; what was taken
			 * stays as it is. */
			ngd_log(LOG_ERR, "takeover: the state is %s: %s", bad,
			    strerror(error));
			_exit(EX_SOFTWARE);
		}
		ngd_log(LOG_NOTICE, "took over %u nodes", n);
		/* The file holds this graph: the first write can wait. */
		d.journal.check_ms = ngd_clock_ms() + 1000;
		ngd_fast_restored(d.fast);
		ngd_takeover_done(&handover);
	}
	if (error == 0) {
		ngd_loop_before_sleep(&d.loop, &d.timers, ngd_graph_timers,
		    d.graph);
		ngd_loop_before_sleep(&d.loop, &d.trim.hook,
		    ngd_trim_before_sleep, &d.trim);
		error = ngd_ctl_start(&d.ctl, &d.loop, d.graph, lfd, gid,
		    gid_set);
		if (error == 0 && takeover)
			ngd_takeover_adopt(&d, &handover); /* its clients */
	}
	if (error == 0)
		error = ngd_loop_add(&d.loop, &d.sigio, EPOLLIN);
	if (error == 0) {
		char tpath[128];

		/* The old ngd's may linger a moment after a takeover. */
		for (int i = 0; i < 100 &&
		     (error = ngd_takeover_listen(&d, path, gid, gid_set)) ==
			 EADDRINUSE;
		     i++)
			usleep(20000);
		/* (a jail on the host's stack may have bound it first) */
		ngd_takeover_path(path, tpath, sizeof(tpath));
		if (error == EADDRINUSE &&
		    ngd_name_holder(tpath, why, sizeof(why)))
			ngd_log(LOG_WARNING, "no takeover socket: %s %s", tpath,
			    why);
		else if (error != 0)
			ngd_log(LOG_WARNING, "no takeover socket: %s",
			    strerror(error));
		error = 0;
	}
	d.ctl_path = path;
	/* A graph restored from the journal or taken over is not booted
	 * again on top of itself. */
	if (error == 0 && d.boot.file != NULL && !takeover &&
	    !d.journal.restored)
		error = ngd_boot_start(&d.boot, path);
	if (error != 0) {
		ngd_log(LOG_ERR, "cannot start: %s", strerror(error));
		exit(EX_OSERR);
	}
	if (d.boot.pid == 0) /* no boot file applied (or none to apply) */
		ngd_serving(path);
	else /* once the file is applied (ngd_signal) */
		ngd_log(LOG_INFO, "listening on %s: applying %s", path,
		    d.boot.file);
	error = ngd_loop_run(&d.loop, &d.stop);
	if (error != 0)
		ngd_log(LOG_ERR, "event loop: %s", strerror(error));
	if (!d.takeover.handed) /* else the service goes on in the new ngd */
		ngd_notify_stopping();
	ngd_takeover_close(&d);
	if (d.takeover.handed) {
		/* The new ngd has it all: nothing is undone. */
		ngd_netdev_fini(&d.netdev); /* deleted nodes' devices go */
		ngd_log(LOG_INFO, "handed over");
		/* exit(), not return: what only d holds (the control
		 * server's buffer, the journal's last text) is still ours
		 * to the end, as LeakSanitizer sees it, not lost. */
		exit(0);
	}
	ngd_ctl_stop(&d.ctl);
	ngd_journal_remove(&d.journal); /* a clean stop forgets the graph */
	ngd_fast_stopping(d.fast);      /* the eifaces' pairs go together */
	ng_graph_free(d.graph); /* every node shut down, every interface gone */
	ngd_journal_fini(&d.journal);
	ngd_ether_free(d.ether);
	ngd_sockdev_free(d.sockdev);
	ngd_fast_free(d.fast);
	ngd_netdev_fini(&d.netdev);
	ngd_loop_fini(&d.loop);
	if (own_jdir)
		(void)rmdir(jdir); /* not if another graph's journal is there */
	ngd_log(LOG_INFO, "stopped");
	if (error == 0 && d.boot.failed)
		return EX_CONFIG;
	return error != 0 ? EX_OSERR : 0;
}
