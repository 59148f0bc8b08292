/*
 * loop.c: ngd's event loop.  One thread, one epoll set; each fd carries a
 * callback.  Graph timers decide the wait.  Control messages are handled
 * one at a time, so each is atomic.
 */
#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

#include "ngd.h"

#define NGD_MAX_EVENTS 64

static int ngd_epfd = -1;
static uint64_t ngd_busy_us;  /* keep polling this long after traffic */
static uint64_t ngd_traffic_us; /* when a frame last came in */

static uint64_t
ngd_clock_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

void
ngd_loop_set_busy_poll(unsigned usec)
{
	ngd_busy_us = usec;
}

void
ngd_loop_traffic(void)
{
	if (ngd_busy_us > 0)
		ngd_traffic_us = ngd_clock_us();
}

uint64_t
ngd_clock_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

int
ngd_loop_init(void)
{
	ngd_epfd = epoll_create1(EPOLL_CLOEXEC);
	return ngd_epfd < 0 ? errno : 0;
}

int
ngd_loop_add(struct ngd_io *io, uint32_t events)
{
	struct epoll_event ev = {.events = events, .data.ptr = io};

	return epoll_ctl(ngd_epfd, EPOLL_CTL_ADD, io->fd, &ev) < 0 ? errno : 0;
}

int
ngd_loop_mod(struct ngd_io *io, uint32_t events)
{
	struct epoll_event ev = {.events = events, .data.ptr = io};

	return epoll_ctl(ngd_epfd, EPOLL_CTL_MOD, io->fd, &ev) < 0 ? errno : 0;
}

void
ngd_loop_del(struct ngd_io *io)
{
	if (io->fd >= 0)
		(void)epoll_ctl(ngd_epfd, EPOLL_CTL_DEL, io->fd, NULL);
}

/*
 * A callback may close another fd whose event is already in this pass's
 * array.  Owners therefore close through ngd_loop_close (fd becomes -1,
 * its events are skipped) and free through ngd_loop_defer_free, which
 * waits until the pass is over.
 */
struct ngd_deferred {
	void *ptr;
	struct ngd_deferred *next;
};
static struct ngd_deferred *ngd_deferred;

void
ngd_loop_close(struct ngd_io *io)
{
	if (io->fd < 0)
		return;
	ngd_loop_del(io);
	close(io->fd);
	io->fd = -1;
}

void
ngd_loop_defer_free(void *ptr)
{
	struct ngd_deferred *d = malloc(sizeof(*d));

	if (d == NULL) {
		/* Leak rather than risk a use after free. */
		return;
	}
	d->ptr = ptr;
	d->next = ngd_deferred;
	ngd_deferred = d;
}

static void
ngd_loop_reap(void)
{
	struct ngd_deferred *d;

	while ((d = ngd_deferred) != NULL) {
		ngd_deferred = d->next;
		free(d->ptr);
		free(d);
	}
}

int
ngd_loop_run(struct ng_graph *g, volatile bool *stop)
{
	struct epoll_event evs[NGD_MAX_EVENTS];

	while (!*stop) {
		int64_t next = ng_timers_run(g);
		int n, timeout = next < 0 ? -1 : (int)(next > 60000 ? 60000 : next);
		int due = ngd_netdev_retired_due();

		if (due >= 0 && (timeout < 0 || due < timeout))
			timeout = due;

		/*
		 * Right after traffic, an answer usually follows within tens
		 * of microseconds; polling for it saves a sleep and a wake-up
		 * per round trip.  An idle ngd sleeps.
		 */
		if (ngd_busy_us > 0 &&
		    ngd_clock_us() - ngd_traffic_us < ngd_busy_us) {
			/*
			 * Let whatever else wants this CPU (the programs at
			 * both ends of the traffic) run first.
			 */
			sched_yield();
			timeout = 0;
		}
		n = epoll_wait(ngd_epfd, evs, NGD_MAX_EVENTS, timeout);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return errno;
		}
		for (int i = 0; i < n; i++) {
			struct ngd_io *io = evs[i].data.ptr;

			if (io->fd >= 0)
				io->fn(io->arg, evs[i].events);
		}
		ngd_sockdev_flush(); /* the datagrams ksockets queued */
		ngd_loop_reap();
		ngd_netdev_reap(false);
	}
	return 0;
}
