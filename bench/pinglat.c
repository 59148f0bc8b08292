/*
 * pinglat.c: ICMP echo round trips over several paths taken in turn, one
 * round trip a path at a time, so that whatever else the machine does
 * lands on every path alike (bench/pinglat).  One process: a raw ICMP
 * socket a path, each made in its path's network namespace (a socket
 * keeps the namespace it was made in), the echo answered by the far
 * namespace's kernel (no process on the far side to wake).
 *   pinglat [-n N] [-b B] [-g GAP_US] [-s BYTES] [-t] [-d DIR] [-v]
 *           LABEL=NETNS,ADDR...
 * NETNS is a path (/run/netns/x).  B batches (default 20) of N round
 * trips a path (default 500), the order of the paths rotating each round
 * trip and each batch; GAP_US (default 0) microseconds asleep between
 * round trips (ping -i's idle CPU; 0: back to back).  The time is taken
 * around the send and the receive (CLOCK_MONOTONIC); a reply already
 * queued when the send returns (the whole path ran in the sender's
 * softirq) is read without sleeping: `slept` counts those that were not.
 * -t: also iputils ping's figure, the reply's receive stamp
 * (SO_TIMESTAMPNS) less the wall time before the send, and how many
 * replies had no stamp until the reader took them (a stamp taken where
 * the path enqueues the reply, which need not be its last step).
 * -d DIR: every round trip (ns, in the order taken) into DIR/LABEL.
 * Prints a line a batch and path (-v), then a path:
 *   LABEL p50_us= p90_us= p99_us= mean_us= slept= lost= batches_p50_us=min/med/max
 * and for every path after the first its ratio to the first: the median
 * of the per-batch p50 ratios with their min-max and interquartile
 * range, and the ratio of the pooled p50s.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/ip_icmp.h>
#include <poll.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAXPATHS 16

struct path {
	const char *label;
	struct sockaddr_in dst;
	int fd;
	uint16_t id;
	uint64_t *rtt;  /* every round trip, ns */
	uint64_t *krtt; /* the same to the reply's receive stamp (ping's) */
	uint64_t *late; /* the stamp after the receive's return began */
	size_t nk;
	uint64_t *bp50; /* each batch's p50 */
	size_t n;
	unsigned slept, lost;
};

static uint64_t
ts_ns(const struct timespec *ts)
{
	return (uint64_t)ts->tv_sec * 1000000000ull + (uint64_t)ts->tv_nsec;
}

/*
 * Now by clock c, in ns: CLOCK_MONOTONIC for the round trips,
 * CLOCK_REALTIME beside a receive stamp (-t).
 */
static uint64_t
clock_ns(clockid_t c)
{
	struct timespec ts;

	clock_gettime(c, &ts);
	return ts_ns(&ts);
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static int
cmp_dbl(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static uint64_t
pct(uint64_t *v, size_t n, double p) /* v sorted */
{
	size_t i = (size_t)(p * (double)(n - 1) + 0.5);

	return n == 0 ? 0 : v[i < n ? i : n - 1];
}

static uint16_t
csum(const void *p, size_t len)
{
	const uint8_t *b = p;
	uint32_t s = 0;

	for (; len > 1; b += 2, len -= 2)
		s += (uint32_t)b[0] << 8 | b[1];
	if (len)
		s += (uint32_t)b[0] << 8;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return htons((uint16_t)~s);
}

static int
open_in(const char *ns)
{
	int self = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	int nsfd = open(ns, O_RDONLY | O_CLOEXEC), fd = -1;

	if (self < 0 || nsfd < 0 || setns(nsfd, CLONE_NEWNET) != 0) {
		fprintf(stderr, "pinglat: namespace %s: %s\n", ns,
		    strerror(errno));
		exit(1);
	}
	fd = socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_ICMP);
	if (fd < 0 || setns(self, CLONE_NEWNET) != 0) {
		fprintf(stderr, "pinglat: socket in %s: %s\n", ns,
		    strerror(errno));
		exit(1);
	}
	close(nsfd);
	close(self);
	return fd;
}

static int stamps;       /* -t: SO_TIMESTAMPNS, as iputils ping reads times */
static size_t size = 56; /* -s: the echo's data */
static long gap_us;      /* -g: asleep after each round trip */
static uint16_t seq;     /* the next echo's sequence number */

/* One echo on path p: its round trip in ns, or 0 if none came back. */
static uint64_t
echo(struct path *p)
{
	const uint16_t sq = seq++;
	uint8_t out[2048], in[2048];
	char cbuf[256];
	struct icmphdr *ic = (struct icmphdr *)out;
	uint64_t t0, t1 = 0, r0 = 0, rr = 0;
	ssize_t r;

	memset(out, 0, sizeof(struct icmphdr) + size);
	ic->type = ICMP_ECHO;
	ic->un.echo.id = htons(p->id);
	ic->un.echo.sequence = htons(sq);
	ic->checksum = csum(out, sizeof(*ic) + size);
	if (stamps)
		r0 = clock_ns(CLOCK_REALTIME);
	t0 = clock_ns(CLOCK_MONOTONIC);
	if (sendto(p->fd, out, sizeof(*ic) + size, 0,
		(struct sockaddr *)&p->dst, sizeof(p->dst)) < 0)
		return 0;
	for (int waited = 0;;) {
		struct iovec iov = { .iov_base = in, .iov_len = sizeof(in) };
		struct msghdr mh = { .msg_iov = &iov,
			.msg_iovlen = 1,
			.msg_control = cbuf,
			.msg_controllen = sizeof(cbuf) };

		if (stamps)
			rr = clock_ns(CLOCK_REALTIME);
		r = recvmsg(p->fd, &mh, MSG_DONTWAIT);
		if (r < 0 && errno == EAGAIN) {
			struct pollfd pf = { .fd = p->fd, .events = POLLIN };

			if (!waited++)
				p->slept++;
			if (poll(&pf, 1, 1000) <= 0)
				return 0;
			continue;
		}
		if (r < 0)
			return 0;
		t1 = clock_ns(CLOCK_MONOTONIC);
		{
			struct iphdr *ip = (struct iphdr *)in;
			size_t hl = (size_t)ip->ihl * 4;
			struct icmphdr *rc = (struct icmphdr *)(in + hl);

			if ((size_t)r >= hl + sizeof(*rc) &&
			    rc->type == ICMP_ECHOREPLY &&
			    rc->un.echo.id == htons(p->id) &&
			    rc->un.echo.sequence == htons(sq)) {
				struct cmsghdr *cm;

				for (cm = CMSG_FIRSTHDR(&mh); stamps && cm;
				     cm = CMSG_NXTHDR(&mh, cm)) {
					struct timespec ts;
					uint64_t k;

					if (cm->cmsg_level != SOL_SOCKET ||
					    cm->cmsg_type != SO_TIMESTAMPNS)
						continue;
					memcpy(&ts, CMSG_DATA(cm), sizeof(ts));
					k = ts_ns(&ts);
					p->late[p->nk] = k >= rr;
					p->krtt[p->nk++] = k - r0;
				}
				return t1 - t0;
			}
		}
		if (clock_ns(CLOCK_MONOTONIC) - t0 > 1000000000ull)
			return 0;
	}
}

/*
 * ROUNDS rounds of a round trip on each of the np paths, their order
 * rotated by one each round and by shift more; each kept in its path's
 * rtt (or counted lost), and gap_us asleep after it, if keep (not when
 * warming up).
 */
static void
take_turns(struct path *paths, int np, long rounds, long shift, int keep)
{
	for (long i = 0; i < rounds; i++) {
		for (int j = 0; j < np; j++) {
			struct path *p = &paths[(j + i + shift) % np];
			uint64_t t = echo(p);

			if (!keep)
				continue;
			if (t == 0)
				p->lost++;
			else
				p->rtt[p->n++] = t;
			if (gap_us > 0)
				usleep((useconds_t)gap_us);
		}
	}
}

int
main(int argc, char **argv)
{
	struct path paths[MAXPATHS];
	int np = 0, c, verbose = 0;
	const char *dump = NULL;
	long n = 500, batches = 20;

	while ((c = getopt(argc, argv, "d:n:b:g:s:tv")) != -1) {
		switch (c) {
		case 'n':
			n = atol(optarg);
			break;
		case 'b':
			batches = atol(optarg);
			break;
		case 'g':
			gap_us = atol(optarg);
			break;
		case 's':
			size = (size_t)atol(optarg);
			break;
		case 'd':
			dump = optarg;
			break;
		case 't':
			stamps = 1;
			break;
		case 'v':
			verbose = 1;
			break;
		default:
			goto usage;
		}
	}
	if (n < 1 || batches < 1 || size > 1400 || optind >= argc)
		goto usage;
	for (; optind < argc; optind++) {
		char *a = strdup(argv[optind]), *eq = strchr(a, '='),
		     *cm = eq ? strchr(eq, ',') : NULL;
		struct path *p = &paths[np];

		if (np == MAXPATHS || !eq || !cm)
			goto usage;
		*eq = *cm = '\0';
		memset(p, 0, sizeof(*p));
		p->label = a;
		p->dst.sin_family = AF_INET;
		if (inet_pton(AF_INET, cm + 1, &p->dst.sin_addr) != 1)
			goto usage;
		p->fd = open_in(eq + 1);
		p->id = (uint16_t)(getpid() * 16 + np);
		p->rtt = calloc((size_t)(n * batches), sizeof(uint64_t));
		p->bp50 = calloc((size_t)batches, sizeof(uint64_t));
		p->krtt = calloc((size_t)(n * batches + 1000),
		    sizeof(uint64_t));
		p->late = calloc((size_t)(n * batches + 1000),
		    sizeof(uint64_t));
		if (stamps &&
		    setsockopt(p->fd, SOL_SOCKET, SO_TIMESTAMPNS, &(int){ 1 },
			sizeof(int)) != 0) {
			perror("pinglat: SO_TIMESTAMPNS");
			return 1;
		}
		np++;
	}
	/* a few round trips each first: ARP, caches */
	take_turns(paths, np, 20, 0, 0);
	for (int i = 0; i < np; i++)
		paths[i].slept = 0, paths[i].nk = 0;
	for (long b = 0; b < batches; b++) {
		size_t first[MAXPATHS];

		for (int k = 0; k < np; k++)
			first[k] = paths[k].n;
		take_turns(paths, np, n, b, 1);
		for (int k = 0; k < np; k++) {
			struct path *p = &paths[k];
			size_t m = p->n - first[k];
			uint64_t *v = malloc((m ? m : 1) * sizeof(*v));

			memcpy(v, p->rtt + first[k], m * sizeof(*v));
			qsort(v, m, sizeof(*v), cmp_u64);
			p->bp50[b] = pct(v, m, 0.5);
			if (verbose)
				printf("batch %ld %s p50_us=%.2f p90_us=%.2f\n",
				    b, p->label, pct(v, m, 0.5) / 1e3,
				    pct(v, m, 0.9) / 1e3);
			free(v);
		}
		fflush(stdout);
	}
	for (int k = 0; dump != NULL && k < np; k++) {
		char fn[4096];
		FILE *f;

		snprintf(fn, sizeof(fn), "%s/%s", dump, paths[k].label);
		if ((f = fopen(fn, "w")) == NULL) {
			perror(fn);
			return 1;
		}
		for (size_t i = 0; i < paths[k].n; i++)
			fprintf(f, "%llu\n",
			    (unsigned long long)paths[k].rtt[i]);
		fclose(f);
	}
	for (int k = 0; k < np; k++) {
		struct path *p = &paths[k];
		uint64_t *bs = malloc((size_t)batches * sizeof(*bs));
		double sum = 0;

		for (size_t i = 0; i < p->n; i++)
			sum += (double)p->rtt[i];
		qsort(p->rtt, p->n, sizeof(uint64_t), cmp_u64);
		memcpy(bs, p->bp50, (size_t)batches * sizeof(*bs));
		qsort(bs, (size_t)batches, sizeof(*bs), cmp_u64);
		printf("%s p50_us=%.2f p90_us=%.2f p99_us=%.2f mean_us=%.2f "
		       "n=%zu slept=%u lost=%u batches_p50_us=%.2f/%.2f/%.2f\n",
		    p->label, pct(p->rtt, p->n, 0.5) / 1e3,
		    pct(p->rtt, p->n, 0.9) / 1e3, pct(p->rtt, p->n, 0.99) / 1e3,
		    p->n ? sum / (double)p->n / 1e3 : 0, p->n, p->slept,
		    p->lost, bs[0] / 1e3, pct(bs, (size_t)batches, 0.5) / 1e3,
		    bs[batches - 1] / 1e3);
		free(bs);
		if (stamps) {
			size_t late = 0;

			for (size_t i = 0; i < p->nk; i++)
				late += p->late[i];
			qsort(p->krtt, p->nk, sizeof(uint64_t), cmp_u64);
			printf(
			    "%s stamped (ping's way: the reply's receive stamp "
			    "less the time before the send) p50_us=%.2f "
			    "p90_us=%.2f; stamped at the reader: %zu of %zu\n",
			    p->label, pct(p->krtt, p->nk, 0.5) / 1e3,
			    pct(p->krtt, p->nk, 0.9) / 1e3, late, p->nk);
		}
	}
	for (int k = 1; k < np; k++) {
		double *r = malloc((size_t)batches * sizeof(*r));

		for (long b = 0; b < batches; b++)
			r[b] = paths[0].bp50[b] ? (double)paths[k].bp50[b] /
				(double)paths[0].bp50[b] :
						  0;
		qsort(r, (size_t)batches, sizeof(*r), cmp_dbl);
		printf("ratio %s/%s p50_batches_med=%.3f min=%.3f q1=%.3f "
		       "q3=%.3f max=%.3f pooled_p50=%.3f pooled_p90=%.3f\n",
		    paths[k].label, paths[0].label, r[(batches - 1) / 2], r[0],
		    r[(batches - 1) / 4], r[(3 * (batches - 1)) / 4],
		    r[batches - 1],
		    (double)pct(paths[k].rtt, paths[k].n, 0.5) /
			(double)pct(paths[0].rtt, paths[0].n, 0.5),
		    (double)pct(paths[k].rtt, paths[k].n, 0.9) /
			(double)pct(paths[0].rtt, paths[0].n, 0.9));
		free(r);
	}
	return 0;
usage:
	fprintf(stderr,
	    "usage: pinglat [-n N] [-b B] [-g GAP_US] [-s BYTES] "
	    "[-t] [-d DIR] [-v] LABEL=NETNS,ADDR...\n");
	return 2;
}
