/*
 * lsmprobe: can this kernel load a BPF LSM program for us?  Exits 0 when a
 * two-instruction lsm_cgroup/socket_bind program loads, 1 when it does not,
 * with the reason on stderr (unless -q).  Tests of what needs the BPF LSM
 * (IP-alias jails' abstract unix names, their /proc/net view) skip on it.
 * Usage: lsmprobe [-q]
 *
 * Cheapest first:
 *   1. "bpf" is among /sys/kernel/security/lsm;
 *   2. a BPF_PROG_LOAD of type LSM without an attach BTF id: where LSM
 *      programs may load, the verifier refuses it (EINVAL, "Tracing
 *      programs must provide btf_id"); EPERM comes before the verifier and
 *      means no load will pass whatever the program: CAP_BPF or CAP_PERFMON
 *      missing, or a kernel policy (some sandbox kernels refuse the
 *      trampoline types, lsm/, lsm_cgroup/, fentry/, fexit/, fmod_ret/ and
 *      freplace, to every process but their PID 1).  No BTF read: ~0.1 ms;
 *   3. the real load, attach BTF id of bpf_lsm_socket_bind from the
 *      kernel's BTF (tens of ms to read it).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <linux/bpf.h>

#define LSMPROBE_LSMS "/sys/kernel/security/lsm"

static bool lsmprobe_quiet;

static int
lsmprobe_no(const char *fmt, const char *arg, int error)
{
	if (!lsmprobe_quiet) {
		fprintf(stderr, "lsmprobe: ");
		fprintf(stderr, fmt, arg);
		if (error != 0)
			fprintf(stderr, ": %s", strerror(error));
		fprintf(stderr, "\n");
	}
	return 1;
}

/* Is "bpf" in the comma-separated list of active LSMs? */
static bool
lsmprobe_bpf_active(char *list)
{
	for (char *s = strtok(list, ",\n"); s != NULL; s = strtok(NULL, ",\n"))
		if (strcmp(s, "bpf") == 0)
			return true;
	return false;
}

/* Loads "return 1" as an LSM program; 0 or errno.  Closes what loaded. */
static int
lsmprobe_load(enum bpf_attach_type type, __u32 btf_id)
{
	const struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K,
		    .dst_reg = BPF_REG_0,
		    .imm = 1 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	LIBBPF_OPTS(bpf_prog_load_opts, opts, .expected_attach_type = type,
	    .attach_btf_id = btf_id);
	int fd;

	fd = bpf_prog_load(BPF_PROG_TYPE_LSM, "lsmprobe", "GPL", insns,
	    sizeof(insns) / sizeof(insns[0]), &opts);
	if (fd < 0)
		return errno;
	close(fd);
	return 0;
}

int
main(int argc, char **argv)
{
	char list[512];
	struct btf *btf;
	size_t n;
	FILE *fp;
	int error, id;

	lsmprobe_quiet = argc > 1 && strcmp(argv[1], "-q") == 0;
	if ((fp = fopen(LSMPROBE_LSMS, "re")) == NULL)
		return lsmprobe_no("%s", LSMPROBE_LSMS, errno);
	n = fread(list, 1, sizeof(list) - 1, fp);
	fclose(fp);
	list[n] = '\0';
	if (!lsmprobe_bpf_active(list))
		return lsmprobe_no(
		    "\"bpf\" is not among the kernel's LSMs (%s)",
		    LSMPROBE_LSMS, 0);

	error = lsmprobe_load(BPF_LSM_MAC, 0);
	if (error == EPERM)
		return lsmprobe_no(
		    "%s refused before the verifier (capabilities, "
		    "or a kernel policy on trampoline programs)",
		    "BPF_PROG_TYPE_LSM", EPERM);

	if ((btf = btf__load_vmlinux_btf()) == NULL)
		return lsmprobe_no("%s", "kernel BTF", errno);
	id = btf__find_by_name_kind(btf, "bpf_lsm_socket_bind", BTF_KIND_FUNC);
	btf__free(btf);
	if (id < 0)
		return lsmprobe_no("%s not in the kernel's BTF",
		    "bpf_lsm_socket_bind", 0);
	error = lsmprobe_load(BPF_LSM_CGROUP, (__u32)id);
	if (error != 0)
		return lsmprobe_no("%s does not load", "lsm_cgroup/socket_bind",
		    error);
	if (!lsmprobe_quiet)
		printf("lsmprobe: BPF LSM programs load\n");
	return 0;
}
