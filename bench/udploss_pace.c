/* A paced UDP sender and a timestamping receiver for bench/udploss,
 * 18-byte payloads (60-byte frames) as the UDP test of measure.sh:
 *   udploss_pace send IP PORT SECS KPPS TIMER_US
 *     KPPS thousand datagrams a second for SECS seconds; TIMER_US > 0:
 *     as iperf3 -b paces (--pacing-timer): wake every TIMER_US and send
 *     back to back until on schedule again, so the datagrams leave in
 *     bursts as dense as the path lets them; TIMER_US 0: each datagram at
 *     its own time (the sender spins between them), no bursts.
 *   udploss_pace recv PORT SECS
 *     sleeps in recvmsg() when its socket is empty, as iperf3's server
 *     does; counts datagrams until SECS after the first or 0.3 s of
 *     silence (5 s before the first).  Each datagram's kernel timestamp (SO_TIMESTAMPNS: when
 *     the sender's softirq took it in) gives how the datagrams arrived
 *     (the share of 100 us slots that got none, the most in one slot, the
 *     most in any 2.5 ms: 256 datagrams fill the default socket buffer),
 *     and against the time recvmsg() returned it, how long each waited in
 *     the socket (p50, p99, max): the receiver's lateness.
 * Not part of the product: a diagnostic. */
#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define UDPLOSS_MAX (4u << 20) /* datagrams a receiver records */
#define UDPLOSS_SLOT 100000    /* ns: arrival slots */
#define UDPLOSS_WIN 25         /* slots: 2.5 ms */

static int64_t
now_ns(clockid_t c)
{
	struct timespec t;

	clock_gettime(c, &t);
	return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

static int
send_paced(int s, double secs, double kpps, long timer_us)
{
	char buf[18] = { 0 };
	int64_t t0 = now_ns(CLOCK_MONOTONIC), end = t0 + (int64_t)(secs * 1e9);
	double per = 1e6 / kpps; /* ns a datagram */
	uint64_t sent = 0;
	int64_t t;

	while ((t = now_ns(CLOCK_MONOTONIC)) < end) {
		uint64_t due = (uint64_t)((double)(t - t0) / per) + 1;

		while (sent < due) {
			memcpy(buf, &sent, sizeof(sent));
			if (send(s, buf, sizeof(buf), 0) ==
			    (ssize_t)sizeof(buf))
				sent++;
			if (timer_us == 0)
				break;
		}
		if (timer_us > 0) {
			int64_t next = t + timer_us * 1000;
			struct timespec ts = { next / 1000000000,
				next % 1000000000 };

			clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts,
			    NULL);
		}
	}
	printf("sent=%llu\n", (unsigned long long)sent);
	return 0;
}

static int
cmp64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

static int
recv_stamped(int s, double secs)
{
	int64_t *at = calloc(UDPLOSS_MAX, sizeof(*at));
	int64_t *wait = calloc(UDPLOSS_MAX, sizeof(*wait));
	struct timeval tv = { 5, 0 }, quiet = { 0, 300000 };
	int on = 1;
	uint64_t n = 0, got = 0;
	int64_t end = 0;

	if (at == NULL || wait == NULL)
		return 1;
	setsockopt(s, SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof(on));
	setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	for (;;) {
		char buf[64], cb[64];
		struct iovec io = { buf, sizeof(buf) };
		struct msghdr m = { .msg_iov = &io,
			.msg_iovlen = 1,
			.msg_control = cb,
			.msg_controllen = sizeof(cb) };
		struct cmsghdr *c;
		int64_t t;

		if (recvmsg(s, &m, 0) < 0)
			break;
		t = now_ns(CLOCK_REALTIME);
		if (got++ == 0) {
			end = now_ns(CLOCK_MONOTONIC) + (int64_t)(secs * 1e9);
			setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &quiet,
			    sizeof(quiet));
		}
		for (c = CMSG_FIRSTHDR(&m); c != NULL; c = CMSG_NXTHDR(&m, c)) {
			struct timespec ts;

			if (c->cmsg_level != SOL_SOCKET ||
			    c->cmsg_type != SO_TIMESTAMPNS)
				continue;
			memcpy(&ts, CMSG_DATA(c), sizeof(ts));
			if (n < UDPLOSS_MAX) {
				at[n] = (int64_t)ts.tv_sec * 1000000000 +
				    ts.tv_nsec;
				wait[n] = t - at[n];
				n++;
			}
		}
		if (now_ns(CLOCK_MONOTONIC) > end)
			break;
	}
	printf("recv=%llu", (unsigned long long)got);
	if (n > UDPLOSS_WIN) {
		uint64_t slots =
		    (uint64_t)((at[n - 1] - at[0]) / UDPLOSS_SLOT) + 1;
		uint32_t *per = calloc(slots, sizeof(*per));
		uint64_t empty = 0, most = 0, win = 0, w = 0;

		if (per == NULL)
			return 1;
		for (uint64_t i = 0; i < n; i++)
			per[(at[i] - at[0]) / UDPLOSS_SLOT]++;
		for (uint64_t i = 0; i < slots; i++) {
			empty += per[i] == 0;
			most = per[i] > most ? per[i] : most;
			w += per[i];
			if (i >= UDPLOSS_WIN)
				w -= per[i - UDPLOSS_WIN];
			win = w > win ? w : win;
		}
		qsort(wait, n, sizeof(*wait), cmp64);
		printf(" empty_slots%%=%.1f most_in_100us=%llu"
		       " most_in_2500us=%llu wait_p50_us=%.0f wait_p99_us=%.0f"
		       " wait_max_us=%.0f",
		    100.0 * (double)empty / (double)slots,
		    (unsigned long long)most, (unsigned long long)win,
		    wait[n / 2] / 1e3, wait[n * 99 / 100] / 1e3,
		    wait[n - 1] / 1e3);
		free(per);
	}
	printf("\n");
	free(at);
	free(wait);
	return 0;
}

int
main(int argc, char **argv)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	int s = socket(AF_INET, SOCK_DGRAM, 0);

	if (s < 0)
		return 1;
	if (argc == 7 && strcmp(argv[1], "send") == 0) {
		a.sin_port = htons((uint16_t)atoi(argv[3]));
		if (inet_pton(AF_INET, argv[2], &a.sin_addr) != 1 ||
		    connect(s, (struct sockaddr *)&a, sizeof(a)) != 0)
			return 1;
		return send_paced(s, atof(argv[4]), atof(argv[5]),
		    atol(argv[6]));
	}
	if (argc == 4 && strcmp(argv[1], "recv") == 0) {
		a.sin_port = htons((uint16_t)atoi(argv[2]));
		if (bind(s, (struct sockaddr *)&a, sizeof(a)) != 0)
			return 1;
		return recv_stamped(s, atof(argv[3]));
	}
	fprintf(stderr,
	    "usage: udploss_pace send IP PORT SECS KPPS TIMER_US\n"
	    "       udploss_pace recv PORT SECS\n");
	return 2;
}
