/*
 * framecpu.c: what a frame costs the CPU that sends it, the whole path
 * the kernel runs in the sender's context: N 60-byte frames sent one
 * send(2) each out of an interface from a packet socket, and the
 * thread's CPU time meanwhile (CLOCK_THREAD_CPUTIME_ID).  A veth's
 * transmit queues the frame on this CPU's backlog, which runs when the
 * send re-enables softirqs, still in this thread: the tc programs of
 * the data plane, their redirects and the receiving namespace's drop of
 * the frame (its ethertype 0x88b5 has no handler) are all counted.
 * This kernel has no IRQ_TIME_ACCOUNTING, so softirq time stays the
 * task's (a softirq that ksoftirqd takes over instead, on a busy CPU,
 * is not: a low figure next to wall_ns much higher says so).  No cycle
 * counters in this VM, so CPU ns it is.
 *   framecpu IFNAME one|spread DSTMAC|COUNT N
 * one: every frame to DSTMAC; spread: to 02:00:<i> (32 bits), i
 * running over 0..COUNT-1 by a stride prime to COUNT (bench/flat's
 * learned MACs), a new destination each frame.  Prints
 *   frames=N cpu_ns=N ns_per_frame=N wall_ns=N
 */
#include <arpa/inet.h>
#include <errno.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <netpacket/packet.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static uint64_t
ns_of(clockid_t c)
{
	struct timespec ts;

	clock_gettime(c, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int
mac_parse(const char *s, uint8_t *m)
{
	return sscanf(s, "%hhx:%hhx:%hhx:%hhx:%hhx:%hhx", &m[0], &m[1], &m[2],
		   &m[3], &m[4], &m[5]) == 6 ?
	    0 :
	    EINVAL;
}

int
main(int argc, char **argv)
{
	struct sockaddr_ll sll = { .sll_family = AF_PACKET };
	struct ifreq ifr = { 0 };
	uint8_t frame[60] = { 0 }, dst[6];
	uint64_t n, count = 1, i, c0, c1, w0, w1, idx = 0, stride = 7919;
	int s, spread;

	if (argc != 5 ||
	    (strcmp(argv[2], "one") != 0 && strcmp(argv[2], "spread") != 0)) {
		fprintf(stderr,
		    "usage: framecpu IFNAME one DSTMAC|spread COUNT N\n");
		return 64;
	}
	spread = strcmp(argv[2], "spread") == 0;
	if (spread)
		count = strtoull(argv[3], NULL, 10);
	else if (mac_parse(argv[3], dst) != 0) {
		fprintf(stderr, "framecpu: bad MAC %s\n", argv[3]);
		return 64;
	}
	n = strtoull(argv[4], NULL, 10);
	if (count == 0 || n == 0)
		return 64;
	while (count % stride == 0)
		stride += 2;
	if ((s = socket(AF_PACKET, SOCK_RAW, 0)) < 0) {
		perror("socket");
		return 1;
	}
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", argv[1]);
	if (ioctl(s, SIOCGIFHWADDR, &ifr) != 0) {
		perror(argv[1]);
		return 1;
	}
	sll.sll_ifindex = (int)if_nametoindex(argv[1]);
	if (bind(s, (struct sockaddr *)&sll, sizeof(sll)) != 0) {
		perror("bind");
		return 1;
	}
	memcpy(frame + 6, ifr.ifr_hwaddr.sa_data, 6);
	frame[12] = 0x88, frame[13] = 0xb5;
	if (!spread)
		memcpy(frame, dst, 6);
	else
		frame[0] = 0x02, frame[1] = 0x00;
	c0 = ns_of(CLOCK_THREAD_CPUTIME_ID);
	w0 = ns_of(CLOCK_MONOTONIC);
	for (i = 0; i < n; i++) {
		if (spread) {
			uint32_t be = htonl((uint32_t)idx);

			memcpy(frame + 2, &be, 4);
			idx += stride;
			if (idx >= count)
				idx %= count;
		}
		if (send(s, frame, sizeof(frame), 0) != sizeof(frame)) {
			perror("send");
			return 1;
		}
	}
	c1 = ns_of(CLOCK_THREAD_CPUTIME_ID);
	w1 = ns_of(CLOCK_MONOTONIC);
	printf("frames=%llu cpu_ns=%llu ns_per_frame=%llu wall_ns=%llu\n",
	    (unsigned long long)n, (unsigned long long)(c1 - c0),
	    (unsigned long long)((c1 - c0) / n), (unsigned long long)(w1 - w0));
	close(s);
	return 0;
}
