/*
 * test_fuzz_regress.c: every input the fuzzers saved (tests/fuzz/regress/
 * <target>/, one file per finding, named after what it found) and every
 * input of their corpora (tests/fuzz/corpus/<target>/), replayed through
 * the fuzz targets' own entry points, so make check (and its ASan/UBSan
 * build) catches a finding that comes back.  The targets are included
 * here with their entry point renamed; the wire target brings ngd's
 * control server with it (ctl.c, and loop.c and netdev.c, which it
 * calls), as make fuzz links it; the journal target brings journal.c,
 * the CNI target the CNI plugin (and json-c), the libng target
 * libnetgraph's netgraph.c, the jailparam target jail(8)'s main file.  fuzz_ngctl and fuzz_ngscript need a running ngd and
 * libnetgraph, and fuzz_jailconf the fopen and glob wrappers that keep
 * its .includes in a scratch directory: tests/fuzz/run replays their
 * findings.
 * Run from the top of the tree (tests/run does).
 */
#include <dirent.h>

#define FUZZ_ENTRY fuzz_parse_one
#include "../fuzz/fuzz_parse.c"
#undef FUZZ_ENTRY
#define FUZZ_ENTRY fuzz_path_one
#include "../fuzz/fuzz_path.c"
#undef FUZZ_ENTRY
#define FUZZ_ENTRY fuzz_bridge_one
#include "../fuzz/fuzz_bridge.c"
#undef FUZZ_ENTRY
#define FUZZ_ENTRY fuzz_nodes_one
#include "../fuzz/fuzz_nodes.c"
#undef FUZZ_ENTRY
#define FUZZ_ENTRY fuzz_nat_one
#include "../fuzz/fuzz_nat.c"
#undef FUZZ_ENTRY
#define FUZZ_ENTRY fuzz_natnode_one
#include "../fuzz/fuzz_natnode.c"
#undef FUZZ_ENTRY
#define FUZZ_ENTRY fuzz_vxlan_one
#include "../fuzz/fuzz_vxlan.c"
#undef FUZZ_ENTRY
#define FUZZ_ENTRY fuzz_wire_one
#include "../../src/ngd/ctl.c"
#include "../../src/ngd/loop.c"
#include "../../src/ngd/netdev.c"
#include "../../src/ngd/jailed.c"
#include "../../src/ngd/sockdev.c"
#include "../fuzz/fuzz_wire.c"
#undef FUZZ_ENTRY
#define FUZZ_ENTRY fuzz_journal_one
#include "../fuzz/fuzz_journal.c"
#undef FUZZ_ENTRY
#define FUZZ_ENTRY fuzz_cni_one
#include "../../src/cni/cni_graph.c"
#include "../../src/cni/cni_nl.c"
#include "../fuzz/fuzz_cni.c"
#undef FUZZ_ENTRY
#define FUZZ_ENTRY fuzz_libng_one
#include "../fuzz/fuzz_libng.c"
#undef FUZZ_ENTRY
#define FUZZ_ENTRY fuzz_jailparam_one
#include "../fuzz/fuzz_jailparam.c"
#undef FUZZ_ENTRY
#define FUZZ_ENTRY fuzz_ksocket_one
#include "../fuzz/fuzz_ksocket.c"
#undef FUZZ_ENTRY
#define FUZZ_ENTRY fuzz_bpf_one
#include "../fuzz/fuzz_bpf.c"
#undef FUZZ_ENTRY
#define FUZZ_ENTRY fuzz_pipe_one
#include "../fuzz/fuzz_pipe.c"
#undef FUZZ_ENTRY

#include "ngtest.h"

#define FUZZ_DIR "tests/fuzz"

static const struct {
	const char *name;
	int (*entry)(const uint8_t *data, size_t size);
} targets[] = {
	{ "parse", fuzz_parse_one },
	{ "path", fuzz_path_one },
	{ "bridge", fuzz_bridge_one },
	{ "nodes", fuzz_nodes_one },
	{ "nat", fuzz_nat_one },
	{ "natnode", fuzz_natnode_one },
	{ "wire", fuzz_wire_one },
	{ "vxlan", fuzz_vxlan_one },
	{ "journal", fuzz_journal_one },
	{ "cni", fuzz_cni_one },
	{ "libng", fuzz_libng_one },
	{ "jailparam", fuzz_jailparam_one },
	{ "ksocket", fuzz_ksocket_one },
	{ "bpf", fuzz_bpf_one },
	{ "pipe", fuzz_pipe_one },
};

static int
by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

/* Replay every file of dir through entry; how many there were, or -1. */
static int
replay_dir(const char *dir, int (*entry)(const uint8_t *, size_t))
{
	struct dirent **names;
	char path[1024];
	int n, done = 0;

	if ((n = scandir(dir, &names, NULL, by_name)) < 0)
		return -1;
	for (int i = 0; i < n; i++) {
		uint8_t *buf = NULL;
		size_t len = 0;
		FILE *f;

		if (names[i]->d_name[0] == '.') {
			free(names[i]);
			continue;
		}
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]->d_name);
		free(names[i]);
		/* Named before it runs: a crash shows which input it was. */
		printf("# replay %s\n", path);
		fflush(stdout);
		if ((f = fopen(path, "rb")) == NULL)
			continue;
		if (fseek(f, 0, SEEK_END) == 0 && ftell(f) > 0) {
			len = (size_t)ftell(f);
			rewind(f);
			/* Exactly len bytes, as libFuzzer gives them. */
			if ((buf = malloc(len)) != NULL &&
			    fread(buf, 1, len, f) != len)
				len = 0;
		}
		fclose(f);
		(void)entry(buf != NULL ? buf : (const uint8_t *)"", len);
		free(buf);
		done++;
	}
	free(names);
	return done;
}

int
main(void)
{
	char dir[256], name[64];

	for (size_t t = 0; t < sizeof(targets) / sizeof(targets[0]); t++) {
		int n;

		snprintf(dir, sizeof(dir), FUZZ_DIR "/regress/%s",
		    targets[t].name);
		n = replay_dir(dir, targets[t].entry);
		snprintf(name, sizeof(name), "regress/%s: %d findings replayed",
		    targets[t].name, n < 0 ? 0 : n);
		/* A target may have found nothing yet: no directory. */
		CHECK(name, n >= 0 || errno == ENOENT);
		snprintf(dir, sizeof(dir), FUZZ_DIR "/corpus/%s",
		    targets[t].name);
		n = replay_dir(dir, targets[t].entry);
		snprintf(name, sizeof(name), "corpus/%s: %d inputs replayed",
		    targets[t].name, n);
		CHECK(name, n > 0);
	}
	return ngt_done();
}
