/* A UDP sender and receiver for bench/udp_wake, 18-byte payloads as the
 * UDP test of measure.sh:
 *   udpblast send IP PORT SECS       send() in a loop for SECS seconds
 *   udpblast recv PORT SECS spin|block
 * The receiver counts datagrams from the first until SECS later or 0.3 s
 * of silence; `spin` polls with MSG_DONTWAIT and never sleeps (its CPU
 * never idles, so on a VM its vCPU never halts), `block` sleeps in recv()
 * when the socket is empty, as iperf3's server does.  Not part of the
 * product: a diagnostic. */
#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double
now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

static int
blast(int s, const char *ip, int port, double secs)
{
	struct sockaddr_in a = { .sin_family = AF_INET,
		.sin_port = htons(port) };
	char buf[18] = { 0 };
	double end;
	long n = 0;

	if (inet_pton(AF_INET, ip, &a.sin_addr) != 1 ||
	    connect(s, (struct sockaddr *)&a, sizeof(a)) != 0) {
		perror("udpblast: connect");
		return 1;
	}
	end = now() + secs;
	while (now() < end)
		if (send(s, buf, sizeof(buf), 0) == sizeof(buf))
			n++;
	printf("sent=%ld\n", n);
	return 0;
}

static int
take(int s, int port, double secs, int spin)
{
	struct sockaddr_in a = { .sin_family = AF_INET,
		.sin_port = htons(port) };
	struct timeval tv = { .tv_usec = 100000 };
	double t, first = 0, last = 0;
	char buf[2048];
	long n = 0;

	if (bind(s, (struct sockaddr *)&a, sizeof(a)) != 0) {
		perror("udpblast: bind");
		return 1;
	}
	setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	for (;;) {
		ssize_t r = recv(s, buf, sizeof(buf), spin ? MSG_DONTWAIT : 0);

		t = now();
		if (r >= 0) {
			if (n++ == 0)
				first = t;
			last = t;
		}
		if (n > 0 && (t - last > 0.3 || t - first > secs))
			break;
	}
	printf("rcvd=%ld\n", n);
	return 0;
}

int
main(int argc, char **argv)
{
	int s = socket(AF_INET, SOCK_DGRAM, 0);

	if (s < 0) {
		perror("udpblast: socket");
		return 1;
	}
	if (argc == 5 && strcmp(argv[1], "send") == 0)
		return blast(s, argv[2], atoi(argv[3]), atof(argv[4]));
	if (argc == 5 && strcmp(argv[1], "recv") == 0)
		return take(s, atoi(argv[2]), atof(argv[3]),
		    strcmp(argv[4], "spin") == 0);
	fprintf(stderr,
	    "usage: udpblast send IP PORT SECS | "
	    "recv PORT SECS spin|block\n");
	return 2;
}
