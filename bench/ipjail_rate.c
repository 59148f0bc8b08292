/*
 * ipjail_rate.c: connect/accept pairs per second on one address, for
 * bench/ipjail (an IP-alias jail's cost against the host's).  A listener
 * on ADDR (port chosen by the kernel), then N times: socket, connect,
 * accept, and both ends closed with RST (SO_LINGER 0, so no TIME_WAIT
 * piles up).  Prints the rate.  ADDR 0.0.0.0 in a jail is the jail's
 * address (the bind hook rewrites it).
 * Usage: ipjail_rate ADDR N
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int
main(int argc, char **argv)
{
	struct linger lg = { 1, 0 };
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t len = sizeof(sa);
	double t0, t1;
	long n;
	int ls;

	if (argc != 3 || inet_pton(AF_INET, argv[1], &sa.sin_addr) != 1 ||
	    (n = atol(argv[2])) <= 0) {
		fprintf(stderr, "usage: ipjail_rate ADDR N\n");
		return 64;
	}
	if ((ls = socket(AF_INET, SOCK_STREAM, 0)) < 0 ||
	    bind(ls, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
	    listen(ls, 128) != 0 ||
	    getsockname(ls, (struct sockaddr *)&sa, &len) != 0) {
		perror("listener");
		return 1;
	}
	t0 = now();
	for (long i = 0; i < n; i++) {
		int c = socket(AF_INET, SOCK_STREAM, 0), a;

		if (c < 0 ||
		    connect(c, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
		    (a = accept(ls, NULL, NULL)) < 0) {
			perror("connect/accept");
			return 1;
		}
		setsockopt(c, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
		setsockopt(a, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
		close(a);
		close(c);
	}
	t1 = now();
	printf("%.0f\n", (double)n / (t1 - t0));
	return 0;
}
