/*
 * msgtime: how long a node takes to answer a message (bench/brmsg).
 * Sends the ASCII message MSG to PATH N times, one at a time, and prints
 * for each the microseconds from the send to its whole reply, and with
 * -p PID that process's time on a CPU meanwhile (/proc/PID/schedstat:
 * ngd's, in microseconds).  -o FILE keeps the last reply's data, in
 * binary (to compare two builds' answers).  -a MS: after each reply,
 * MS milliseconds more, and the CPU again (a third column: what the
 * process did after the reply too, its journal, its tick).  No text conversion of the
 * reply: `ngctl msg` asks the node for one, which for 100,000 hosts
 * costs far more than the answer.
 *   msgtime [-p PID] [-o FILE] [-n N] [-a MS] PATH MSG
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <netgraph.h>

static unsigned long long
msgtime_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (unsigned long long)ts.tv_sec * 1000000ull +
	    (unsigned long long)ts.tv_nsec / 1000;
}

/* pid's time on a CPU in microseconds, 0 if unknown */
static unsigned long long
msgtime_cpu_us(const char *pid)
{
	char path[64];
	unsigned long long ns = 0;
	FILE *f;

	if (pid == NULL)
		return 0;
	snprintf(path, sizeof(path), "/proc/%s/schedstat", pid);
	if ((f = fopen(path, "r")) == NULL)
		return 0;
	if (fscanf(f, "%llu", &ns) != 1)
		ns = 0;
	fclose(f);
	return ns / 1000;
}

int
main(int argc, char **argv)
{
	const char *pid = NULL, *out = NULL;
	struct ng_mesg *rep = NULL;
	int cs, ds, c, n = 1, after = -1;

	while ((c = getopt(argc, argv, "p:o:n:a:")) != -1)
		switch (c) {
		case 'a':
			after = atoi(optarg);
			break;
		case 'p':
			pid = optarg;
			break;
		case 'o':
			out = optarg;
			break;
		case 'n':
			n = atoi(optarg);
			break;
		default:
			goto usage;
		}
	if (argc - optind != 2 || n < 1)
		goto usage;
	if (NgMkSockNode(NULL, &cs, &ds) < 0) {
		perror("msgtime: NgMkSockNode");
		return 1;
	}
	NgSetTimeout(120000);
	for (int i = 0; i < n; i++) {
		unsigned long long t0 = msgtime_now_us(),
				   c0 = msgtime_cpu_us(pid), t1, c1;
		int len;

		free(rep);
		rep = NULL;
		if (NgSendAsciiMsg(cs, argv[optind], "%s", argv[optind + 1]) <
		    0) {
			perror("msgtime: send");
			return 1;
		}
		/* (the send waits for its status, and for a reply if
		 * the command has one: none pending, none coming) */
		if (NgPending(cs) > 0 &&
		    (len = NgAllocRecvMsg(cs, &rep, NULL)) < 0) {
			perror("msgtime: receive");
			return 1;
		}
		t1 = msgtime_now_us();
		c1 = msgtime_cpu_us(pid);
		if (after >= 0) {
			usleep((useconds_t)after * 1000);
			printf("%llu %llu %llu\n", t1 - t0, c1 - c0,
			    msgtime_cpu_us(pid) - c0);
		} else
			printf("%llu %llu\n", t1 - t0, c1 - c0);
		fflush(stdout);
	}
	if (out != NULL && rep != NULL) {
		FILE *f = fopen(out, "w");

		if (f == NULL ||
		    fwrite(rep->data, 1, rep->header.arglen, f) !=
			rep->header.arglen) {
			perror(out);
			return 1;
		}
		fclose(f);
	}
	free(rep);
	return 0;
usage:
	fprintf(stderr,
	    "usage: msgtime [-p PID] [-o FILE] [-n N] [-a MS] PATH MSG\n");
	return 2;
}
