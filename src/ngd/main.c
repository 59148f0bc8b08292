/*
 * main.c: ngd, the daemon that holds one network namespace's graph.
 * usage: ngd [-d] [-b usec] [-n nice] [-s socket] [-g group]
 *   -b  after traffic, poll this long before sleeping (default 10000; 0 off)
 *   -n  nice value (default 0; measured: -10 costs TCP throughput when
 *       the CPU is shared with the programs at both ends)
 *   -d  stay in the foreground, log to stderr (otherwise daemon + syslog)
 *   -s  listen there instead of $NGD_SOCKET or @netgraph
 *   -g  members of group may change the graph too (root always may)
 * SIGTERM/SIGINT: shut every node down (its interfaces go too), exit 0.
 * SIGHUP is ignored: there is no configuration to reload.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <syslog.h>
#include <unistd.h>

#include "ngd.h"
#include "ngd_proto.h"

#define NGD_BUSY_POLL_DEFAULT 10000 /* microseconds: covers 100 pps */
#define NGD_NICE_DEFAULT 0

static bool ngd_foreground;
static volatile bool ngd_stop;

void
ngd_log(int level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (ngd_foreground) {
		fprintf(stderr, "ngd: ");
		vfprintf(stderr, fmt, ap);
		fputc('\n', stderr);
	} else {
		vsyslog(level, fmt, ap);
	}
	va_end(ap);
}

static void
ngd_signal(void *arg, uint32_t events)
{
	struct ngd_io *io = arg;
	struct signalfd_siginfo si;

	(void)events;
	while (read(io->fd, &si, sizeof(si)) == sizeof(si)) {
		if (si.ssi_signo == SIGHUP) {
			/* No configuration to reload; the graph stays. */
			ngd_log(LOG_INFO, "SIGHUP ignored");
			continue;
		}
		ngd_log(LOG_INFO, "signal %u: shutting down", si.ssi_signo);
		ngd_stop = true;
	}
}

static void
ngd_usage(void)
{
	fprintf(stderr,
	    "usage: ngd [-d] [-b usec] [-n nice] [-s socket] [-g group]\n");
	exit(64);
}

/* Detach from the terminal; the parent returns once we listen. */
static void
ngd_daemonize(void)
{
	pid_t pid = fork();
	int fd;

	if (pid < 0) {
		fprintf(stderr, "ngd: fork: %s\n", strerror(errno));
		exit(71);
	}
	if (pid > 0)
		_exit(0);
	(void)setsid();
	if (chdir("/") < 0)
		_exit(71);
	fd = open("/dev/null", O_RDWR);
	if (fd >= 0) {
		dup2(fd, 0);
		dup2(fd, 1);
		dup2(fd, 2);
		if (fd > 2)
			close(fd);
	}
}

int
main(int argc, char **argv)
{
	const char *path = getenv(NGD_SOCKET_ENV);
	struct ng_graph_cfg cfg = {
	    .sock_ops = &ngd_socket_ops,
	    .netdev_ops = &ngd_netdev_ops,
	    .clock_ms = ngd_clock_ms,
	    .log = ngd_log,
	};
	struct ngd_io sigio = {.fd = -1, .fn = ngd_signal};
	struct ngd_ether *eth = NULL;
	struct ng_graph *g;
	struct rlimit rl;
	gid_t gid = 0;
	bool gid_set = false;
	sigset_t mask;
	int ch, lfd, error, nice_val = NGD_NICE_DEFAULT;

	ngd_loop_set_busy_poll(NGD_BUSY_POLL_DEFAULT);
	while ((ch = getopt(argc, argv, "b:dg:n:s:")) != -1) {
		switch (ch) {
		case 'n': {
			char *end;
			long v = strtol(optarg, &end, 10);

			if (*optarg == '\0' || *end != '\0' || v < -20 ||
			    v > 19) {
				fprintf(stderr, "ngd: -n %s: want -20 to 19\n",
				    optarg);
				exit(64);
			}
			nice_val = (int)v;
			break;
		}
		case 'b': {
			char *end;
			unsigned long us = strtoul(optarg, &end, 10);

			if (*optarg == '\0' || *end != '\0' || us > 1000000) {
				fprintf(stderr, "ngd: -b %s: want 0 to 1000000 "
						"microseconds\n", optarg);
				exit(64);
			}
			ngd_loop_set_busy_poll((unsigned)us);
			break;
		}
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
					exit(64);
				}
			}
			gid_set = true;
			break;
		}
		case 's':
			path = optarg;
			break;
		default:
			ngd_usage();
		}
	}
	if (optind != argc)
		ngd_usage();
	if (path == NULL || path[0] == '\0')
		path = NGD_SOCKET_DEFAULT;

	error = ngd_ctl_listen(path, &lfd);
	if (error == EADDRINUSE) {
		fprintf(stderr, "ngd: %s: another ngd already serves this "
				"network namespace\n", path);
		exit(69);
	}
	if (error != 0) {
		fprintf(stderr, "ngd: %s: %s\n", path, strerror(error));
		exit(71);
	}
	if (!ngd_foreground) {
		openlog("ngd", LOG_PID, LOG_DAEMON);
		ngd_daemonize();
	}
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
	sigprocmask(SIG_BLOCK, &mask, NULL);
	sigio.fd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
	sigio.arg = &sigio;
	/* ether nodes: one per Ethernet interface, made by ether.c */
	if ((error = ngd_ether_new(&eth)) != 0) {
		ngd_log(LOG_ERR, "cannot start: %s", strerror(error));
		exit(71);
	}
	cfg.ether_ops = &ngd_ether_ops;
	cfg.ether_backend = eth;
	if ((error = ngd_loop_init()) != 0 ||
	    (error = ngd_netdev_init()) != 0 ||
	    (error = ng_graph_new(&cfg, &g)) != 0 ||
	    (error = ngd_ether_start(eth, g)) != 0 ||
	    (error = ngd_ctl_start(g, lfd, gid, gid_set)) != 0 ||
	    (error = ngd_loop_add(&sigio, EPOLLIN)) != 0) {
		ngd_log(LOG_ERR, "cannot start: %s", strerror(error));
		exit(71);
	}
	ngd_log(LOG_INFO, "serving %s", path);
	error = ngd_loop_run(g, &ngd_stop);
	if (error != 0)
		ngd_log(LOG_ERR, "event loop: %s", strerror(error));
	ngd_ctl_stop();
	ng_graph_free(g); /* every node shut down, every interface gone */
	ngd_ether_free(eth);
	ngd_netdev_fini();
	ngd_log(LOG_INFO, "stopped");
	return error != 0 ? 71 : 0;
}
