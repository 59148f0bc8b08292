/*
 * progtime.c: what each tc program attached (TCX ingress and egress) in
 * this network namespace and in ngd's data plane costs a run while a
 * command runs: run count and run time from the kernel's BPF run-time
 * statistics, on only while this holds the BPF_ENABLE_STATS descriptor
 * (no sysctl is changed).  One line per program:
 *   prog NAME id=N runs=N ns_per_run=N
 * usage: progtime DATAPLANE_NETNS_PATH -- COMMAND [ARG...]
 * (DATAPLANE: /run/netgraph/<cookie>/dataplane; "-" for none).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* setns */
#endif
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <bpf/bpf.h>

#define TCX_INGRESS 46 /* Debian 12's uapi headers predate TCX */
#define TCX_EGRESS 47
#define MAXPROG 256

struct prog {
	uint32_t id;
	char name[16];
	uint64_t cnt, ns;
};

static struct prog before[MAXPROG], after[MAXPROG];

/* The programs on every device of the namespace we are in, added to p
 * (by id, once each). */
static int
snap_ns(struct prog *p, int n)
{
	struct if_nameindex *ifs = if_nameindex(), *i;

	for (i = ifs; i != NULL && i->if_index != 0; i++)
		for (int t = TCX_INGRESS; t <= TCX_EGRESS; t++) {
			uint32_t ids[64], cnt = 64, flags = 0;

			/* the ifindex where a TCX query takes it */
			if (bpf_prog_query((int)i->if_index, t, 0, &flags, ids,
				&cnt) != 0)
				continue;
			for (uint32_t k = 0; k < cnt && n < MAXPROG; k++) {
				struct bpf_prog_info info;
				uint32_t len = sizeof(info);
				int fd, j;

				for (j = 0; j < n && p[j].id != ids[k]; j++)
					;
				if (j < n)
					continue;
				if ((fd = bpf_prog_get_fd_by_id(ids[k])) < 0)
					continue;
				memset(&info, 0, sizeof(info));
				if (bpf_obj_get_info_by_fd(fd, &info, &len) ==
				    0) {
					p[n].id = ids[k];
					memcpy(p[n].name, info.name, 15);
					p[n].cnt = info.run_cnt;
					p[n].ns = info.run_time_ns;
					n++;
				}
				close(fd);
			}
		}
	if (ifs != NULL)
		if_freenameindex(ifs);
	return n;
}

static int
snap(int own, int dp, struct prog *p)
{
	int n = snap_ns(p, 0);

	if (dp >= 0 && setns(dp, CLONE_NEWNET) == 0) {
		n = snap_ns(p, n);
		if (setns(own, CLONE_NEWNET) != 0) {
			perror("setns back");
			exit(1);
		}
	}
	return n;
}

int
main(int argc, char **argv)
{
	int own, dp = -1, stats, nb, na, status;
	pid_t pid;

	if (argc < 4 || strcmp(argv[2], "--") != 0) {
		fprintf(stderr, "usage: progtime DATAPLANE -- COMMAND...\n");
		return 64;
	}
	if ((stats = bpf_enable_stats(BPF_STATS_RUN_TIME)) < 0) {
		perror("BPF_ENABLE_STATS");
		return 1;
	}
	own = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (strcmp(argv[1], "-") != 0 &&
	    (dp = open(argv[1], O_RDONLY | O_CLOEXEC)) < 0)
		perror(argv[1]);
	nb = snap(own, dp, before);
	if ((pid = fork()) == 0) {
		execvp(argv[3], argv + 3);
		_exit(127);
	}
	waitpid(pid, &status, 0);
	na = snap(own, dp, after);
	for (int i = 0; i < na; i++) {
		uint64_t c = after[i].cnt, t = after[i].ns;

		for (int j = 0; j < nb; j++)
			if (before[j].id == after[i].id) {
				c -= before[j].cnt;
				t -= before[j].ns;
			}
		if (c != 0)
			printf("prog %s id=%u runs=%llu ns_per_run=%llu\n",
			    after[i].name, after[i].id, (unsigned long long)c,
			    (unsigned long long)(t / c));
	}
	close(stats);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}
