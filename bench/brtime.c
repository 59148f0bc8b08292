/*
 * brtime.c: what the Linux bridge costs a frame in one network namespace
 * while a command runs, bench/flat's kernel baseline to bench/progtime's
 * figures for our tc programs.  Attaches bench/brtime.bpf.c's tracepoint
 * programs (detached when it exits), runs the command, and prints in
 * progtime's form the frames a port received and the bridge forwarded,
 * and the mean time from the one to the other:
 *   prog br_forward id=0 runs=N ns_per_run=N
 * -d: from the receive to the frame's drop where it was delivered,
 * whatever path it took from the namespace (brtime.bpf.c), printed as
 *   prog delivery id=0 runs=N ns_per_run=N
 * usage: brtime [-d] NETNS_PATH -- COMMAND [ARG...]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "brtime.skel.h"

struct brtime_slot { /* brtime.bpf.c's */
	uint64_t skb, start, ns, runs;
};

int
main(int argc, char **argv)
{
	struct brtime_bpf *b;
	struct brtime_slot *slots;
	uint64_t ns = 0, runs = 0;
	struct stat st;
	int ncpu, status, key = 0, error, drop = 0;
	pid_t pid;

	if (argc > 1 && strcmp(argv[1], "-d") == 0) {
		drop = 1;
		argv++, argc--;
	}
	if (argc < 4 || strcmp(argv[2], "--") != 0) {
		fprintf(stderr,
		    "usage: brtime [-d] NETNS_PATH -- COMMAND...\n");
		return 64;
	}
	if (stat(argv[1], &st) != 0) {
		perror(argv[1]);
		return 1;
	}
	if ((b = brtime_bpf__open()) == NULL) {
		perror("brtime: open");
		return 1;
	}
	b->rodata->brtime_netns =
	    (uint32_t)st.st_ino; /* the namespace's inum */
	if (drop) {
		bpf_program__set_autoload(b->progs.brtime_tx, false);
		bpf_program__set_autoload(b->progs.brtime_drop, true);
	}
	if ((error = brtime_bpf__load(b)) != 0 ||
	    (error = brtime_bpf__attach(b)) != 0) {
		fprintf(stderr,
		    "brtime: cannot attach to the tracepoints "
		    "netif_receive_skb and net_dev_queue: %s (tp_btf needs "
		    "a kernel with BTF, CONFIG_DEBUG_INFO_BTF)\n",
		    strerror(-error));
		brtime_bpf__destroy(b);
		return 1;
	}
	fflush(stdout);
	if ((pid = fork()) == 0) {
		execvp(argv[3], argv + 3);
		_exit(127);
	}
	waitpid(pid, &status, 0);
	brtime_bpf__detach(b);
	ncpu = libbpf_num_possible_cpus();
	if (ncpu > 0 &&
	    (slots = calloc((size_t)ncpu, sizeof(*slots))) != NULL) {
		if (bpf_map_lookup_elem(bpf_map__fd(b->maps.brtime), &key,
			slots) == 0)
			for (int c = 0; c < ncpu; c++) {
				ns += slots[c].ns;
				runs += slots[c].runs;
			}
		free(slots);
	}
	if (runs != 0)
		printf("prog %s id=0 runs=%llu ns_per_run=%llu\n",
		    drop ? "delivery" : "br_forward", (unsigned long long)runs,
		    (unsigned long long)(ns / runs));
	brtime_bpf__destroy(b);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}
