/*
 * loop.c: ngd's event loop.  One thread, one epoll set; each fd carries a
 * callback.  Before each sleep the loop runs its before-sleep hooks (as
 * Redis's ae does): the graph's timers, the netdev backend's batched
 * deletes; the nearest deadline they give decides the wait.  Control
 * messages are handled one at a time, so each is atomic.  All of its
 * state is a struct ngd_loop.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/epoll.h>
#include <sys/syscall.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "ngd.h"

#define NGD_MAX_EVENTS 64
#define NGD_MAX_SLEEP_MS 60000 /* wake at least this often */

/* What ngd_loop_defer_free keeps until the pass is over. */
struct ngd_deferred {
	void *ptr;
	struct ngd_deferred *next;
};

/*
 * The worker thread (ngd_loop_offload): kernel work no reply waits for
 * (a batch of interfaces deleted: the RTNL lock and an RCU grace period,
 * seconds on a loaded machine) is done there while the loop serves.
 * Shared with the loop: the queue, under mu; what failed, atomically.
 */
struct ngd_work {
	ngd_work_fn *fn;
	void *arg;
	struct ngd_work *next;
};

struct ngd_worker {
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t more, done; /* work queued; the queue ran dry */
	struct ngd_work *head, **tail;
	bool busy; /* a work's fn is running */
	bool quit; /* ngd_loop_fini: leave once the queue is empty */
	/* the last failure, for the loop to log (ngd_loop_work_failed) */
	const char *_Atomic failed_what;
	atomic_int failed_error;
};

/*
 * The watchdog: a thread that looks, every NGD_WATCH_MS, whether the
 * loop's handler has run over NGD_LOOP_SLOW_MS, and if so where in the
 * kernel the loop's thread waits (/proc/self/task/TID/stack, or its
 * wchan where that is not readable): the loop logs it once the handler
 * is over.  The loop's part: a clock read and an atomic store before
 * and after each handler, no system call.
 */
#define NGD_WATCH_MS 250

struct ngd_watchdog {
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t wake; /* ngd_watchdog_stop */
	bool quit;
	pid_t tid;                   /* the loop's thread */
	atomic_uint_fast64_t run_us; /* when the handler began; 0: none */
	/* under mu: the loop's thread's kernel stack, as last seen in a
	 * slow handler begun at seen_us */
	char kstack[200];
	uint64_t seen_us;
};

uint64_t
ngd_clock_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

void
ngd_loop_set_busy_poll(struct ngd_loop *l, unsigned usec)
{
	l->busy_us = usec;
}

void
ngd_loop_traffic(struct ngd_loop *l)
{
	if (l->busy_us > 0)
		l->traffic_us = ngd_clock_us();
}

/*
 * A script's next request (ngctl -f) follows the answer to its last
 * within tens of microseconds; that of a program that works between two
 * (jail(8) making a jail) milliseconds later, and polling for it would
 * take, for nothing, a CPU that program wants (on a 2-CPU machine, 1.4 ms
 * of sched_yield a jail).  So ngd keeps, as a moving average, how many of
 * its answers were followed by a request within NGD_REQ_POLL_US of its
 * being free again (the answer sent and what the before-sleep hooks had
 * to do done: a request that came meanwhile was soon), and polls that
 * long only while most were: a script's nearly all, jail(8)'s half (its
 * vnet follows its getifname at once, and the next jail's getifname
 * comes milliseconds after the vnet).
 */
#define NGD_REQ_POLL_US 1000
#define NGD_REQ_SOON_ONE 1024            /* req_soon: 1.0 */
#define NGD_REQ_SOON_POLL (3 * 1024 / 4) /* poll above three in four */
#define NGD_REQ_SOON_SHIFT 3             /* the average's weight: 1/8 */

static uint64_t
ngd_loop_req_window(const struct ngd_loop *l)
{
	return l->busy_us < NGD_REQ_POLL_US ? l->busy_us : NGD_REQ_POLL_US;
}

void
ngd_loop_request(struct ngd_loop *l)
{
	bool soon;

	if (l->busy_us == 0)
		return;
	/* free_us 0: the loop has not waited since the last answer */
	soon = l->free_us == 0 ||
	    ngd_clock_us() - l->free_us < ngd_loop_req_window(l);
	l->req_soon -= l->req_soon >> NGD_REQ_SOON_SHIFT;
	if (soon)
		l->req_soon += NGD_REQ_SOON_ONE >> NGD_REQ_SOON_SHIFT;
}

void
ngd_loop_answered(struct ngd_loop *l)
{
	l->free_us = 0; /* from the next wait */
	l->answered_ms = ngd_clock_ms();
}

/* Before waiting: in a busy-poll window, after a frame or a script's
 * request? */
static bool
ngd_loop_polling(struct ngd_loop *l)
{
	uint64_t now;

	if (l->busy_us == 0)
		return false;
	now = ngd_clock_us();
	if (l->free_us == 0)
		l->free_us = now;
	return now - l->traffic_us < l->busy_us ||
	    (l->req_soon > NGD_REQ_SOON_POLL &&
		now - l->free_us < ngd_loop_req_window(l));
}

uint64_t
ngd_clock_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

int
ngd_loop_init(struct ngd_loop *l)
{
	memset(l, 0, sizeof(*l));
	l->epfd = epoll_create1(EPOLL_CLOEXEC);
	return l->epfd < 0 ? errno : 0;
}

static void ngd_loop_reap(struct ngd_loop *l);
static void ngd_watchdog_stop(struct ngd_loop *l);

static void *
ngd_worker_main(void *arg)
{
	struct ngd_worker *w = arg;
	struct ngd_work *k;

	pthread_mutex_lock(&w->mu);
	for (;;) {
		while (w->head == NULL && !w->quit) {
			w->busy = false;
			pthread_cond_broadcast(&w->done);
			pthread_cond_wait(&w->more, &w->mu);
		}
		if ((k = w->head) == NULL)
			break; /* quit, and nothing left */
		w->head = k->next;
		if (w->head == NULL)
			w->tail = &w->head;
		w->busy = true;
		pthread_mutex_unlock(&w->mu);
		k->fn(k->arg);
		free(k);
		pthread_mutex_lock(&w->mu);
	}
	w->busy = false;
	pthread_cond_broadcast(&w->done);
	pthread_mutex_unlock(&w->mu);
	return NULL;
}

/* The worker, started the first time work is handed over (NULL: none
 * could be had). */
static struct ngd_worker *
ngd_worker_get(struct ngd_loop *l)
{
	struct ngd_worker *w = l->worker;
	sigset_t all, old;
	int error;

	if (w != NULL)
		return w;
	if ((w = calloc(1, sizeof(*w))) == NULL)
		return NULL;
	pthread_mutex_init(&w->mu, NULL);
	pthread_cond_init(&w->more, NULL);
	pthread_cond_init(&w->done, NULL);
	w->tail = &w->head;
	/* Signals are the loop's (its signalfd): none for the worker. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	error = pthread_create(&w->thread, NULL, ngd_worker_main, w);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (error != 0) {
		ngd_log(LOG_WARNING,
		    "no worker thread (%s): interfaces are deleted by the "
		    "event loop, which serves no one meanwhile",
		    strerror(error));
		pthread_cond_destroy(&w->more);
		pthread_cond_destroy(&w->done);
		pthread_mutex_destroy(&w->mu);
		free(w);
		return NULL;
	}
	l->worker = w;
	return w;
}

void
ngd_loop_offload(struct ngd_loop *l, ngd_work_fn *fn, void *arg)
{
	struct ngd_worker *w = ngd_worker_get(l);
	struct ngd_work *k = w != NULL ? malloc(sizeof(*k)) : NULL;

	if (k == NULL) {
		fn(arg);
		return;
	}
	k->fn = fn;
	k->arg = arg;
	k->next = NULL;
	pthread_mutex_lock(&w->mu);
	*w->tail = k;
	w->tail = &k->next;
	w->busy = true;
	pthread_cond_signal(&w->more);
	pthread_mutex_unlock(&w->mu);
}

void
ngd_loop_work_failed(struct ngd_loop *l, const char *what, int error)
{
	struct ngd_worker *w = l->worker;

	if (w == NULL) { /* run here and now (ngd_loop_offload) */
		ngd_log(LOG_WARNING, "%s: %s", what, strerror(error));
		return;
	}
	atomic_store(&w->failed_error, error);
	atomic_store(&w->failed_what, what);
}

/* What the worker said failed, logged by the loop. */
static void
ngd_worker_report(struct ngd_loop *l)
{
	const char *what;

	if (l->worker == NULL ||
	    atomic_load_explicit(&l->worker->failed_what,
		memory_order_relaxed) == NULL)
		return;
	what = atomic_exchange(&l->worker->failed_what, NULL);
	if (what != NULL)
		ngd_log(LOG_WARNING, "%s: %s", what,
		    strerror(atomic_load(&l->worker->failed_error)));
}

void
ngd_loop_drain(struct ngd_loop *l)
{
	struct ngd_worker *w = l->worker;

	if (w == NULL)
		return;
	pthread_mutex_lock(&w->mu);
	while (w->busy)
		pthread_cond_wait(&w->done, &w->mu);
	pthread_mutex_unlock(&w->mu);
	ngd_worker_report(l);
}

/* The worker done with all it was given, and gone. */
static void
ngd_worker_stop(struct ngd_loop *l)
{
	struct ngd_worker *w = l->worker;

	if (w == NULL)
		return;
	pthread_mutex_lock(&w->mu);
	w->quit = true;
	pthread_cond_signal(&w->more);
	pthread_mutex_unlock(&w->mu);
	pthread_join(w->thread, NULL);
	ngd_worker_report(l);
	pthread_cond_destroy(&w->more);
	pthread_cond_destroy(&w->done);
	pthread_mutex_destroy(&w->mu);
	free(w);
	l->worker = NULL;
}

void
ngd_loop_fini(struct ngd_loop *l)
{
	ngd_watchdog_stop(l);
	ngd_worker_stop(l);
	ngd_loop_reap(l);
	if (l->epfd >= 0)
		close(l->epfd);
	l->epfd = -1;
}

void
ngd_loop_before_sleep(struct ngd_loop *l, struct ngd_sleep_hook *h,
    ngd_sleep_fn *fn, void *arg)
{
	h->fn = fn;
	h->arg = arg;
	h->next = l->before_sleep;
	l->before_sleep = h;
}

void
ngd_loop_cancel_sleep(struct ngd_loop *l, struct ngd_sleep_hook *h)
{
	for (struct ngd_sleep_hook **pp = &l->before_sleep; *pp != NULL;
	     pp = &(*pp)->next)
		if (*pp == h) {
			*pp = h->next;
			return;
		}
}

int
ngd_loop_add(struct ngd_loop *l, struct ngd_io *io, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.ptr = io };

	return epoll_ctl(l->epfd, EPOLL_CTL_ADD, io->fd, &ev) < 0 ? errno : 0;
}

int
ngd_loop_mod(struct ngd_loop *l, struct ngd_io *io, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.ptr = io };

	return epoll_ctl(l->epfd, EPOLL_CTL_MOD, io->fd, &ev) < 0 ? errno : 0;
}

void
ngd_loop_del(struct ngd_loop *l, struct ngd_io *io)
{
	if (io->fd >= 0)
		(void)epoll_ctl(l->epfd, EPOLL_CTL_DEL, io->fd, NULL);
}

/*
 * A callback may close another fd whose event is already in this pass's
 * array.  Owners therefore close through ngd_loop_close (fd becomes -1,
 * its events are skipped) and free through ngd_loop_defer_free, which
 * waits until the pass is over.
 */
void
ngd_loop_close(struct ngd_loop *l, struct ngd_io *io)
{
	if (io->fd < 0)
		return;
	ngd_loop_del(l, io);
	close(io->fd);
	io->fd = -1;
}

void
ngd_loop_defer_free(struct ngd_loop *l, void *ptr)
{
	struct ngd_deferred *d = malloc(sizeof(*d));

	if (d == NULL) {
		/* Leak rather than risk a use after free. */
		return;
	}
	d->ptr = ptr;
	d->next = l->deferred;
	l->deferred = d;
}

static void
ngd_loop_reap(struct ngd_loop *l)
{
	struct ngd_deferred *d;

	while ((d = l->deferred) != NULL) {
		l->deferred = d->next;
		free(d->ptr);
		free(d);
	}
}

void
ngd_loop_doing(struct ngd_loop *l, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(l->doing, sizeof(l->doing), fmt, ap);
	va_end(ap);
}

/* The kernel functions the thread tid waits in, innermost first, as
 * "a < b < c" (its stack: root only; else its wchan). */
static void
ngd_watchdog_kstack(pid_t tid, char *out, size_t size)
{
	char path[64], buf[2048], *line, *save = NULL, *fn, *plus;
	size_t used = 0;
	ssize_t n;
	int fd, lines = 0;

	out[0] = '\0';
	snprintf(path, sizeof(path), "/proc/self/task/%d/stack", (int)tid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) >= 0) {
		n = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		buf[n > 0 ? n : 0] = '\0';
		/* lines "[<0>] name+0x1c/0x80" */
		for (line = strtok_r(buf, "\n", &save);
		     line != NULL && lines < 6 && used + 1 < size;
		     line = strtok_r(NULL, "\n", &save)) {
			fn = strchr(line, ']');
			fn = fn != NULL ? fn + 2 : line;
			if ((plus = strchr(fn, '+')) != NULL)
				*plus = '\0';
			if (strncmp(fn, "__", 2) == 0 && lines > 0)
				continue; /* wrappers: the named ones say it */
			used += (size_t)snprintf(out + used, size - used,
			    "%s%s", lines++ > 0 ? " < " : "", fn);
		}
		if (lines > 0)
			return;
	}
	snprintf(path, sizeof(path), "/proc/self/task/%d/wchan", (int)tid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) >= 0) {
		n = read(fd, out, size - 1);
		close(fd);
		out[n > 0 ? n : 0] = '\0';
		if (n <= 0 || strcmp(out, "0") == 0)
			out[0] = '\0';
	}
}

static void *
ngd_watchdog_main(void *arg)
{
	struct ngd_watchdog *w = arg;
	struct timespec ts;
	uint64_t begun, seen = 0;
	char ks[sizeof(w->kstack)];

	pthread_mutex_lock(&w->mu);
	while (!w->quit) {
		clock_gettime(CLOCK_MONOTONIC, &ts);
		ts.tv_nsec += NGD_WATCH_MS * 1000000L;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&w->wake, &w->mu, &ts);
		begun = atomic_load(&w->run_us);
		if (w->quit || begun == 0 ||
		    ngd_clock_us() - begun < NGD_LOOP_SLOW_MS * 1000ULL)
			continue;
		pthread_mutex_unlock(&w->mu);
		ngd_watchdog_kstack(w->tid, ks, sizeof(ks));
		pthread_mutex_lock(&w->mu);
		/* the latest sight of the same handler, if it said anything */
		if (ks[0] != '\0' || begun != seen) {
			memcpy(w->kstack, ks, sizeof(ks));
			w->seen_us = begun;
			seen = begun;
		}
	}
	pthread_mutex_unlock(&w->mu);
	return NULL;
}

/* Started by ngd_loop_run; none (a warning) if no thread can be had. */
static void
ngd_watchdog_start(struct ngd_loop *l)
{
	struct ngd_watchdog *w;
	sigset_t all, old;
	int error;

	if (l->watchdog != NULL || (w = calloc(1, sizeof(*w))) == NULL)
		return;
	pthread_mutex_init(&w->mu, NULL);
	pthread_cond_init(&w->wake, NULL);
	w->tid = (pid_t)syscall(SYS_gettid);
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	error = pthread_create(&w->thread, NULL, ngd_watchdog_main, w);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (error != 0) {
		ngd_log(LOG_WARNING,
		    "no watchdog thread (%s): a slow handler is logged "
		    "without where it waited",
		    strerror(error));
		pthread_cond_destroy(&w->wake);
		pthread_mutex_destroy(&w->mu);
		free(w);
		return;
	}
	l->watchdog = w;
}

static void
ngd_watchdog_stop(struct ngd_loop *l)
{
	struct ngd_watchdog *w = l->watchdog;

	if (w == NULL)
		return;
	pthread_mutex_lock(&w->mu);
	w->quit = true;
	pthread_cond_signal(&w->wake);
	pthread_mutex_unlock(&w->mu);
	pthread_join(w->thread, NULL);
	pthread_cond_destroy(&w->wake);
	pthread_mutex_destroy(&w->mu);
	free(w);
	l->watchdog = NULL;
}

/* A handler begins: the clock for the watchdog, and nothing said yet. */
static uint64_t
ngd_handler_begin(struct ngd_loop *l)
{
	uint64_t now = ngd_clock_us();

	l->doing[0] = '\0';
	if (l->watchdog != NULL)
		atomic_store_explicit(&l->watchdog->run_us, now,
		    memory_order_relaxed);
	return now;
}

/* ... and is over: logged if it held the loop too long.  what: the
 * kind of handler, where it said nothing more. */
static void
ngd_handler_end(struct ngd_loop *l, uint64_t begun, const char *what)
{
	struct ngd_watchdog *w = l->watchdog;
	uint64_t took = ngd_clock_us() - begun;
	char ks[sizeof(w->kstack)] = "";

	if (w != NULL)
		atomic_store_explicit(&w->run_us, 0, memory_order_relaxed);
	if (took < NGD_LOOP_SLOW_MS * 1000ULL)
		return;
	if (w != NULL) {
		pthread_mutex_lock(&w->mu);
		if (w->seen_us == begun)
			memcpy(ks, w->kstack, sizeof(ks));
		pthread_mutex_unlock(&w->mu);
	}
	ngd_log(LOG_WARNING,
	    "event loop held %llu ms by %s%s%s; no client was served "
	    "meanwhile",
	    (unsigned long long)(took / 1000),
	    l->doing[0] != '\0' ? l->doing : what,
	    ks[0] != '\0' ? "; in the kernel: " : "", ks);
}

int
ngd_loop_run(struct ngd_loop *l, volatile bool *stop)
{
	struct epoll_event evs[NGD_MAX_EVENTS];

	ngd_watchdog_start(l);
	while (!*stop) {
		int64_t next = -1;
		int n, timeout;

		/* Each hook does what is due and says when it is next. */
		for (struct ngd_sleep_hook *h = l->before_sleep; h != NULL;
		     h = h->next) {
			uint64_t begun = ngd_handler_begin(l);
			int64_t due = h->fn(h->arg);

			ngd_handler_end(l, begun, "work before sleeping");
			if (due >= 0 && (next < 0 || due < next))
				next = due;
		}
		timeout = next < 0 ?
		    -1 :
		    (int)(next > NGD_MAX_SLEEP_MS ? NGD_MAX_SLEEP_MS : next);

		/*
		 * Right after traffic, an answer usually follows within tens
		 * of microseconds (and a script's next request after the
		 * answer to its last); polling for it saves a sleep and a
		 * wake-up per round trip.  An idle ngd sleeps.
		 */
		if (ngd_loop_polling(l)) {
			/*
			 * Let whatever else wants this CPU (the programs at
			 * both ends of the traffic) run first.
			 */
			sched_yield();
			timeout = 0;
		}
		n = epoll_wait(l->epfd, evs, NGD_MAX_EVENTS, timeout);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			n = errno;
			ngd_watchdog_stop(l);
			return n;
		}
		for (int i = 0; i < n; i++) {
			struct ngd_io *io = evs[i].data.ptr;

			if (io->fd >= 0) {
				uint64_t begun = ngd_handler_begin(l);

				io->fn(io->arg, evs[i].events);
				ngd_handler_end(l, begun, "an event");
			}
		}
		ngd_loop_reap(l);
		ngd_worker_report(l);
	}
	ngd_watchdog_stop(l);
	return 0;
}
