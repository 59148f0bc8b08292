/*
 * nobpf: runs a command with bpf(2) refused (EPERM), as on a host whose
 * seccomp policy or LSM forbids BPF.  tests/system/fastpath.sh starts ngd
 * under it to reach the fallback where the data-plane namespace is made
 * and loading the programs, or attaching them, is then refused.
 * Usage: nobpf [-c CMD] COMMAND [ARG...]
 *   without -c every bpf(2) call fails; with -c only command number CMD
 *   (BPF_LINK_CREATE is 28: programs load, TCX attach is refused).
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>

#if defined(__x86_64__)
#define NOBPF_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define NOBPF_ARCH AUDIT_ARCH_AARCH64
#else
#error "nobpf: add this architecture's AUDIT_ARCH_*"
#endif

#define NOBPF_DATA(field) offsetof(struct seccomp_data, field)

int
main(int argc, char **argv)
{
	long cmd = -1;
	int i = 1;

	if (argc > 2 && strcmp(argv[1], "-c") == 0) {
		cmd = strtol(argv[2], NULL, 10);
		i = 3;
	}
	if (i >= argc) {
		fprintf(stderr, "usage: nobpf [-c CMD] COMMAND [ARG...]\n");
		return 2;
	}
	/* Another architecture's calls, and other syscalls, pass; bpf(2)
	 * (or its command CMD: the low 32 bits of the first argument)
	 * fails with EPERM. */
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, NOBPF_DATA(arch)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, NOBPF_ARCH, 0, 5),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, NOBPF_DATA(nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_bpf, 0, 3),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, NOBPF_DATA(args[0])),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (unsigned)cmd, 0,
		    cmd < 0 ? 0 : 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = { .len = sizeof(f) / sizeof(f[0]),
		.filter = f };

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
	    prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) < 0) {
		perror("nobpf: seccomp");
		return 1;
	}
	execvp(argv[i], argv + i);
	perror(argv[i]);
	return 127;
}
