/*
 * loop.c: ngd's event loop.  One thread, one epoll set; each fd carries a
 * callback.  Before each sleep the loop runs its before-sleep hooks (as
 * Redis's ae does): the graph's timers, the netdev backend's batched
 * deletes; the nearest deadline they give decides the wait.  Control
 * messages are handled one at a time, so each is atomic.  All of its
 * state is a struct ngd_loop.
 *
 * A handler (one fd's event, one before-sleep hook) that held the loop
 * over NGD_LOOP_SLOW_MS is logged after the fact, with what it said it
 * did (ngd_loop_doing): one clock read a handler, no thread.  Kernel
 * work no answer waits for (a batch of interfaces deleted) runs as a
 * job (ngd_job_start): a thread of its own, made for it and joined
 * after, so that ngd has one thread whenever none is due.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "ngd.h"

#define NGD_MAX_EVENTS 64
#define NGD_MAX_SLEEP_MS 60000 /* wake at least this often */
/* A slow handler's line, at most once in this long (those left out are
 * counted in the next). */
#define NGD_LOOP_SLOW_LOG_MS 10000
#define NGD_JOB_STACK (256 << 10) /* a job's thread's stack */

/* What ngd_loop_defer_free keeps until the pass is over. */
struct ngd_deferred {
	void *ptr;
	struct ngd_deferred *next;
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
}

/* Before waiting: in a busy-poll window, after a frame or a script's
 * request? */
static bool
ngd_loop_polling(struct ngd_loop *l, uint64_t now)
{
	if (l->busy_us == 0)
		return false;
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

void
ngd_loop_fini(struct ngd_loop *l)
{
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

/* The handler that ran from begun to now, and said what it did in
 * l->doing (else what): logged if it held the loop too long.  Back with
 * now, the next one's beginning; l->doing cleared for it. */
static uint64_t
ngd_loop_handled(struct ngd_loop *l, uint64_t begun, const char *what)
{
	uint64_t now = ngd_clock_us(), took = now - begun;

	if (took >= NGD_LOOP_SLOW_MS * 1000ULL) {
		if (l->slow_logged_ms == 0 ||
		    now / 1000 - l->slow_logged_ms >= NGD_LOOP_SLOW_LOG_MS) {
			char more[48] = "";

			if (l->slow_unlogged > 0)
				snprintf(more, sizeof(more),
				    " (and %u more since the last said)",
				    l->slow_unlogged);
			ngd_log(LOG_WARNING,
			    "event loop held %llu ms by %s; no client was "
			    "served meanwhile%s",
			    (unsigned long long)(took / 1000),
			    l->doing[0] != '\0' ? l->doing : what, more);
			l->slow_logged_ms = now / 1000;
			l->slow_unlogged = 0;
		} else
			l->slow_unlogged++;
	}
	l->doing[0] = '\0';
	return now;
}

int
ngd_loop_run(struct ngd_loop *l, volatile bool *stop)
{
	struct epoll_event evs[NGD_MAX_EVENTS];

	l->doing[0] = '\0'; /* (said outside a handler) */
	while (!*stop) {
		int64_t next = -1;
		int n, timeout;
		uint64_t t = ngd_clock_us();

		/* Each hook does what is due and says when it is next.  (They
		 * are timed together: a clock read each cost the busy poll's
		 * every turn a few more.) */
		for (struct ngd_sleep_hook *h = l->before_sleep; h != NULL;
		     h = h->next) {
			int64_t due = h->fn(h->arg);

			if (due >= 0 && (next < 0 || due < next))
				next = due;
		}
		t = ngd_loop_handled(l, t, "work before sleeping");
		timeout = next < 0 ?
		    -1 :
		    (int)(next > NGD_MAX_SLEEP_MS ? NGD_MAX_SLEEP_MS : next);

		/*
		 * Right after traffic, an answer usually follows within tens
		 * of microseconds (and a script's next request after the
		 * answer to its last); polling for it saves a sleep and a
		 * wake-up per round trip.  An idle ngd sleeps.
		 */
		if (ngd_loop_polling(l, t)) {
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
			return errno;
		}
		if (n > 0)
			t = ngd_clock_us();
		for (int i = 0; i < n; i++) {
			struct ngd_io *io = evs[i].data.ptr;

			if (io->fd >= 0) {
				io->fn(io->arg, evs[i].events);
				t = ngd_loop_handled(l, t, "an event");
			}
		}
		ngd_loop_reap(l);
	}
	return 0;
}

/* --- jobs: a thread for the while of one piece of work ------------------ */

static void *
ngd_job_main(void *arg)
{
	struct ngd_job *j = arg;
	uint64_t one = 1;

	j->run(j->arg);
	/* (an eventfd's counter does not overflow from one write) */
	while (write(j->io.fd, &one, sizeof(one)) < 0 && errno == EINTR)
		;
	return NULL;
}

/* The job's thread is over: joined, and done in the loop. */
static void
ngd_job_over(struct ngd_job *j)
{
	pthread_join(j->thread, NULL);
	ngd_loop_close(j->loop, &j->io);
	j->running = false;
	if (j->done != NULL)
		j->done(j->arg);
}

static void
ngd_job_event(void *arg, uint32_t events)
{
	struct ngd_job *j = arg;
	uint64_t n;

	(void)events;
	/* (an event of an earlier job's descriptor, of this pass) */
	if (!j->running || read(j->io.fd, &n, sizeof(n)) != sizeof(n))
		return;
	ngd_job_over(j);
}

int
ngd_job_start(struct ngd_loop *l, struct ngd_job *j, ngd_job_fn *run,
    ngd_job_fn *done, void *arg)
{
	pthread_attr_t attr;
	sigset_t all, old;
	int error;

	if (j->running)
		return EBUSY;
	j->loop = l;
	j->run = run;
	j->done = done;
	j->arg = arg;
	j->io.fn = ngd_job_event;
	j->io.arg = j;
	j->io.fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (j->io.fd < 0)
		return errno;
	if ((error = ngd_loop_add(l, &j->io, EPOLLIN)) != 0) {
		close(j->io.fd);
		j->io.fd = -1;
		return error;
	}
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, NGD_JOB_STACK);
	/* Signals are the loop's (its signalfd): none for the job. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	error = pthread_create(&j->thread, &attr, ngd_job_main, j);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	pthread_attr_destroy(&attr);
	if (error != 0) {
		ngd_loop_close(l, &j->io);
		return error;
	}
	j->running = true;
	return 0;
}

void
ngd_job_wait(struct ngd_job *j)
{
	if (j->running)
		ngd_job_over(j);
}
