/*
 * test_ether_bpf.c: the ether node's tc programs (src/bpf/ng_ether.bpf.c)
 * run by the kernel on crafted frames with BPF_PROG_TEST_RUN, no traffic:
 * each case sets the ports map, runs one program on one frame and checks
 * the verdict and the counter that moved.  Needs root and an Ethernet
 * interface to stand for the attached one (tests/system/ether_bpf.sh
 * makes a veth pair and passes both names).
 * usage: test_ether_bpf OBJECT IFACE OTHER
 */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/pkt_cls.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "ng_ether_bpf.h"

static int failed;
static struct bpf_object *obj;
static int ports, known, stats, ifs;

#define CHECK(name, cond)                                                      \
	do {                                                                   \
		if (cond)                                                      \
			printf("ok %s\n", name);                               \
		else {                                                         \
			printf("FAIL %s (%s, line %d)\n", name, #cond,         \
			    __LINE__);                                         \
			failed = 1;                                            \
		}                                                              \
	} while (0)

/* A 64-byte frame from 02:..:01 to 02:..:02 of the given ethertype. */
static void
frame(unsigned char *f, uint16_t ethertype)
{
	memset(f, 0, 64);
	f[0] = 0x02, f[5] = 0x02;
	f[6] = 0x02, f[11] = 0x01;
	f[12] = ethertype >> 8;
	f[13] = ethertype & 0xff;
	f[14] = 0x45; /* looks like IPv4 whatever the ethertype */
}

/* Run program name on a frame as if on ifindex, with skb->mark *mark
 * (NULL: 0; else the mark it left); its verdict, or -errno. */
static int
run_mark(const char *name, uint32_t ifindex, uint16_t ethertype, uint32_t *mark)
{
	struct bpf_program *p = bpf_object__find_program_by_name(obj, name);
	unsigned char f[64], out[128];
	struct __sk_buff ctx, ctx_out;
	int err;

	if (p == NULL)
		return -ENOENT;
	frame(f, ethertype);
	memset(&ctx, 0, sizeof(ctx));
	memset(&ctx_out, 0, sizeof(ctx_out));
	ctx.ifindex = ifindex;
	ctx.mark = mark != NULL ? *mark : 0;
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = f,
	    .data_size_in = sizeof(f), .data_out = out,
	    .data_size_out = sizeof(out), .ctx_in = &ctx,
	    .ctx_size_in = sizeof(ctx), .ctx_out = &ctx_out,
	    .ctx_size_out = sizeof(ctx_out), .repeat = 1);
	err = bpf_prog_test_run_opts(bpf_program__fd(p), &o);
	if (mark != NULL)
		*mark = ctx_out.mark;
	return err != 0 ? -errno : (int)o.retval;
}

static int
run(const char *name, uint32_t ifindex, uint16_t ethertype)
{
	return run_mark(name, ifindex, ethertype, NULL);
}

/* The interface's counters' slot, as ngd would give it (ether.c); a
 * TAP's entry names its interface's. */
#define SLOT 3

static void
port(uint32_t ifindex, uint32_t lower, uint32_t orphans, uint32_t upper,
    uint32_t target, uint32_t flags)
{
	struct ng_ether_bpf_port v = { lower, orphans, upper, target, flags,
		SLOT };

	if (bpf_map_update_elem(ports, &ifindex, &v, BPF_ANY) != 0) {
		printf("FAIL ports map update: %s\n", strerror(errno));
		exit(1);
	}
}

/* ifindex's slot of ng_ether_ifs: owned by owner (0: none), with
 * lower and flags. */
static void
ifport(uint32_t ifindex, uint32_t owner, uint32_t lower, uint32_t flags)
{
	struct ng_ether_bpf_ifport v = { .ifindex = owner,
		.port = { .lower = lower, .flags = flags, .slot = SLOT } };
	uint32_t slot = NG_ETHER_BPF_IF_SLOT(ifindex);

	if (bpf_map_update_elem(ifs, &slot, &v, BPF_ANY) != 0) {
		printf("FAIL ifs map update: %s\n", strerror(errno));
		exit(1);
	}
}

/* The counters of the interface (its slot) summed over the CPUs. */
static struct ng_ether_bpf_stats
counters(uint32_t ifindex)
{
	int ncpu = libbpf_num_possible_cpus();
	struct ng_ether_bpf_stats sum = { 0 }, *v = calloc(ncpu, sizeof(*v));
	uint32_t slot = SLOT;

	(void)ifindex;
	if (v != NULL && bpf_map_lookup_elem(stats, &slot, v) == 0)
		for (int i = 0; i < ncpu; i++) {
#define NG_ETHER_BPF_ADD(name, text) sum.name += v[i].name;
			NG_ETHER_BPF_COUNTERS(NG_ETHER_BPF_ADD)
#undef NG_ETHER_BPF_ADD
		}
	free(v);
	return sum;
}

int
main(int argc, char **argv)
{
	struct ng_ether_bpf_stats before, after;
	uint32_t ifx, tapl, tapu, slot = SLOT;
	uint16_t ip = htons(0x0800);
	uint8_t one = 1;
	int ncpu, r;
	void *zero;

	if (argc != 4) {
		fprintf(stderr, "usage: test_ether_bpf OBJECT IFACE OTHER\n");
		return 64;
	}
	ifx = if_nametoindex(argv[2]);
	/* The TAPs' ifindexes only need to exist for the test run. */
	tapl = tapu = if_nametoindex(argv[3]);
	obj = bpf_object__open_file(argv[1], NULL);
	if (obj == NULL || bpf_object__load(obj) != 0) {
		printf("FAIL load %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	printf("ok load the programs\n");
	ports = bpf_object__find_map_fd_by_name(obj, NG_ETHER_BPF_MAP_PORTS);
	known = bpf_object__find_map_fd_by_name(obj, NG_ETHER_BPF_MAP_KNOWN);
	stats = bpf_object__find_map_fd_by_name(obj, NG_ETHER_BPF_MAP_STATS);
	ifs = bpf_object__find_map_fd_by_name(obj, NG_ETHER_BPF_MAP_IFS);
	ncpu = libbpf_num_possible_cpus();
	zero = calloc(ncpu, sizeof(struct ng_ether_bpf_stats));
	bpf_map_update_elem(stats, &slot, zero, BPF_ANY);
	bpf_map_update_elem(known, &ip, &one, BPF_ANY);

	/* Nothing configured: every frame takes its usual path. */
	CHECK("in: unknown interface passes",
	    run(NG_ETHER_BPF_PROG_IN, ifx, 0x0800) == TC_ACT_OK);
	CHECK("out: unknown interface passes",
	    run(NG_ETHER_BPF_PROG_OUT, ifx, 0x0800) == TC_ACT_OK);
	CHECK("tap: unknown TAP drops",
	    run(NG_ETHER_BPF_PROG_TAP_LOWER, tapl, 0x0800) == TC_ACT_SHOT);

	/* lower: every frame from the wire is redirected and counted. */
	port(ifx, tapl, 0, 0, 0, 0);
	before = counters(ifx);
	r = run(NG_ETHER_BPF_PROG_IN, ifx, 0x0800);
	after = counters(ifx);
	CHECK("in: lower on redirects IPv4", r == TC_ACT_REDIRECT);
	CHECK("in: lower_in counted", after.lower_in == before.lower_in + 1);
	CHECK("in: lower on redirects 0x88b5",
	    run(NG_ETHER_BPF_PROG_IN, ifx, 0x88b5) == TC_ACT_REDIRECT);
	CHECK("out: upper off passes",
	    run(NG_ETHER_BPF_PROG_OUT, ifx, 0x0800) == TC_ACT_OK);
	/* Into the data plane by bpf_redirect_peer, which keeps skb->mark
	 * (veth_xmit across namespaces clears it): the host's mark must
	 * not reach the graph, where ng_fast.bpf.c reads its own there (a
	 * flood's next slice). */
	port(ifx, tapl, 0, 0, 0, NG_ETHER_BPF_F_PEER);
	{
		uint32_t mark = 0x6e670005;

		r = run_mark(NG_ETHER_BPF_PROG_IN, ifx, 0x0800, &mark);
		CHECK("in: lower by peer redirects, the host's mark cleared",
		    r == TC_ACT_REDIRECT && mark == 0);
	}

	/* orphans: only ethertypes the stack does not know. */
	port(ifx, 0, tapl, 0, 0, 0);
	before = counters(ifx);
	CHECK("in: orphans passes a known ethertype",
	    run(NG_ETHER_BPF_PROG_IN, ifx, 0x0800) == TC_ACT_OK);
	CHECK("in: orphans redirects an unknown one",
	    run(NG_ETHER_BPF_PROG_IN, ifx, 0x88b5) == TC_ACT_REDIRECT);
	after = counters(ifx);
	CHECK("in: orphans_in counted once",
	    after.orphans_in == before.orphans_in + 1 &&
		after.lower_in == before.lower_in);

	/* upper: what the stack sends. */
	port(ifx, 0, 0, tapu, 0, 0);
	before = counters(ifx);
	CHECK("out: upper on redirects",
	    run(NG_ETHER_BPF_PROG_OUT, ifx, 0x0806) == TC_ACT_REDIRECT);
	CHECK("in: lower off passes",
	    run(NG_ETHER_BPF_PROG_IN, ifx, 0x0800) == TC_ACT_OK);
	after = counters(ifx);
	CHECK("out: upper_in counted", after.upper_in == before.upper_in + 1);

	/* The TAPs: frames ngd writes go on to the interface. */
	port(tapl, 0, 0, 0, ifx, NG_ETHER_BPF_F_TAG);
	before = counters(ifx);
	CHECK("tap lower: redirects to the interface",
	    run(NG_ETHER_BPF_PROG_TAP_LOWER, tapl, 0x0800) == TC_ACT_REDIRECT);
	CHECK("tap upper: redirects to the interface",
	    run(NG_ETHER_BPF_PROG_TAP_UPPER, tapl, 0x0800) == TC_ACT_REDIRECT);
	after = counters(ifx);
	CHECK("tap: lower_out and upper_out counted on the interface",
	    after.lower_out == before.lower_out + 1 &&
		after.upper_out == before.upper_out + 1);
	port(tapl, 0, 0, 0, 0, 0);
	CHECK("tap: no target drops",
	    run(NG_ETHER_BPF_PROG_TAP_UPPER, tapl, 0x0800) == TC_ACT_SHOT);

	/* The entry in ng_ether_ifs, by the ifindex's low bits, is read
	 * before the hash's when its slot is the interface's own (the hash
	 * says lower off here, the slot lower on: it must redirect); a slot
	 * another ifindex owns, or an empty one, leaves it to the hash. */
	port(ifx, 0, 0, 0, 0, 0);
	ifport(ifx, ifx, tapl, 0);
	before = counters(ifx);
	r = run(NG_ETHER_BPF_PROG_IN, ifx, 0x0800);
	after = counters(ifx);
	CHECK("in: its own ifs slot is read, not the hash",
	    r == TC_ACT_REDIRECT && after.lower_in == before.lower_in + 1);
	ifport(ifx, ifx + NG_ETHER_BPF_IF_SLOTS, tapl, 0);
	CHECK("in: a slot another ifindex owns leaves it to the hash",
	    run(NG_ETHER_BPF_PROG_IN, ifx, 0x0800) == TC_ACT_OK);
	port(ifx, tapl, 0, 0, 0, 0);
	ifport(ifx, 0, 0, 0);
	CHECK("in: an empty slot leaves it to the hash",
	    run(NG_ETHER_BPF_PROG_IN, ifx, 0x0800) == TC_ACT_REDIRECT);

	free(zero);
	bpf_object__close(obj);
	return failed;
}
