/*
 * interactive.c: ngctl's interactive mode.  libedit reads lines (prompt
 * "+ ", 100 lines of history without duplicates) while a monitor thread
 * prints whatever arrives meanwhile: control messages as `msg` prints a
 * reply, data packets as a hex dump.  One lock keeps the two threads from
 * using the library, or stdout, at the same time.
 */
#include <errno.h>
#include <histedit.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <netgraph.h>

#include "ngctl.h"

#define NGCTL_HISTORY 100

static pthread_mutex_t ngctl_lock = PTHREAD_MUTEX_INITIALIZER;

struct ngctl_monitor {
	struct ngctl *ng;
	int wake[2]; /* the command loop pokes [1] after each command */
};

/*
 * Print what can be read now.  A socket that fails is no longer watched
 * (its fd becomes -1), so a dead ngd does not make us spin.
 */
static void
ngctl_monitor_drain(struct ngctl *ng, int *cs, int *ds)
{
	while (*cs >= 0 && ngctl_reply_ready(*cs))
		if (ngctl_msg_read(ng) != 0)
			*cs = -1;
	while (*ds >= 0 && ngctl_reply_ready(*ds))
		if (ngctl_data_read(ng) != 0)
			*ds = -1;
	fflush(stdout);
}

static void *
ngctl_monitor(void *arg)
{
	struct ngctl_monitor *mon = arg;
	int cs = mon->ng->cs, ds = mon->ng->ds;
	struct pollfd pfd[3];
	char junk[64];

	for (;;) {
		pfd[0] = (struct pollfd){ .fd = cs, .events = POLLIN };
		pfd[1] = (struct pollfd){ .fd = ds, .events = POLLIN };
		pfd[2] = (struct pollfd){ .fd = mon->wake[0],
			.events = POLLIN };
		if (poll(pfd, 3, -1) < 0) {
			if (errno == EINTR)
				continue;
			ngctl_warn("poll");
			return NULL;
		}
		if ((pfd[2].revents & POLLIN) != 0 &&
		    read(mon->wake[0], junk, sizeof(junk)) == 0)
			return NULL;
		/*
		 * ngd closed the connection: it stopped, and our node went
		 * with it.  Say so once, in words, and watch no more (the
		 * reads would fail with "Socket is not connected").
		 */
		if (((pfd[0].revents | pfd[1].revents) & POLLHUP) != 0) {
			pthread_mutex_lock(&ngctl_lock);
			ngctl_warnx("ngd closed the connection (it stopped); "
				    "quit, and start ngctl again");
			pthread_mutex_unlock(&ngctl_lock);
			cs = ds = -1;
			continue;
		}
		/*
		 * A command may be running: wait for it, then look again,
		 * since it may have read what woke us.
		 */
		pthread_mutex_lock(&ngctl_lock);
		ngctl_monitor_drain(mon->ng, &cs, &ds);
		pthread_mutex_unlock(&ngctl_lock);
	}
}

static char *
ngctl_prompt(EditLine *el)
{
	static char prompt[] = "+ ";

	return prompt;
}

/* The editor loop; returns at end of input or on `quit`. */
static void
ngctl_edit_loop(struct ngctl *ng, int wake)
{
	EditLine *el;
	History *hist;
	HistEvent ev;
	const char *line;
	char *copy;
	int count;
	enum ngctl_rtn rtn;

	el = el_init("ngctl", stdin, stdout, stderr);
	hist = history_init();
	if (el == NULL || hist == NULL) {
		ngctl_warnx("can't initialize line editing");
		goto out;
	}
	history(hist, &ev, H_SETSIZE, NGCTL_HISTORY);
	history(hist, &ev, H_SETUNIQUE, 1);
	el_set(el, EL_HIST, history, hist);
	el_set(el, EL_PROMPT, ngctl_prompt);
	el_set(el, EL_EDITOR, "emacs");
	el_set(el, EL_SIGNAL, 1);
	el_source(el, NULL);

	for (;;) {
		if ((line = el_gets(el, &count)) == NULL || count <= 0) {
			printf("\n");
			break;
		}
		if (line[strspn(line, NGCTL_WHITESPACE)] != '\0')
			history(hist, &ev, H_ENTER, line);
		if ((copy = strdup(line)) == NULL) {
			ngctl_warn("strdup");
			continue;
		}
		pthread_mutex_lock(&ngctl_lock);
		rtn = ngctl_run_line(ng, copy);
		pthread_mutex_unlock(&ngctl_lock);
		free(copy);
		if (rtn == NGCTL_QUIT)
			break;
		/* The command may have left messages with the library. */
		if (write(wake, "", 1) < 0)
			ngctl_warn("write");
	}
out:
	if (hist != NULL)
		history_end(hist);
	if (el != NULL)
		el_end(el);
}

enum ngctl_rtn
ngctl_interactive(struct ngctl *ng)
{
	/* static: the monitor may outlive this frame until exit */
	static struct ngctl_monitor mon;
	char *help_av[] = { "help", NULL };
	pthread_t tid;
	int error;

	mon.ng = ng;
	ngctl_cmd_help.func(ng, 1, help_av);
	fflush(stdout);
	if (pipe(mon.wake) < 0) {
		ngctl_warn("pipe");
		return NGCTL_ERROR;
	}
	if ((error = pthread_create(&tid, NULL, ngctl_monitor, &mon)) != 0) {
		errno = error;
		ngctl_warn("can't start the monitor thread");
		return NGCTL_ERROR;
	}
	ngctl_edit_loop(ng, mon.wake[1]);

	/*
	 * Stop the monitor: closing the pipe ends its poll, and holding the
	 * lock from here on keeps it from starting anything new.
	 */
	pthread_mutex_lock(&ngctl_lock);
	close(mon.wake[1]);
	fflush(stdout);
	return NGCTL_QUIT;
}
