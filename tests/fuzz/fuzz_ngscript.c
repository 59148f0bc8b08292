/*
 * fuzz_ngscript.c: an ngctl script, as `ngctl -f FILE` and `read FILE`
 * run it (ngctl_run_file in src/ngctl/main.c): lines of any length read
 * by getline, NUL bytes and all, comments, the first failing line ending
 * the script, then each line tokenized and run against a real ngd, as
 * fuzz_ngctl.c (included) runs one: the same server thread, the same
 * sweep of the nodes after each input.  fuzz_ngctl cuts its lines at
 * 1 KiB; here a line may be as long as the input (tests/fuzz/run gives
 * this target -max_len=262144): a `msg` with a long text, a path or a
 * hook name far past its field.
 *
 * The commands fuzz_ngctl does not run (files, waits) are made comments
 * before the script runs, by the same test on the same tokens.  At most
 * FZC_MAXLINES lines are run.
 * Built only by `make fuzz`; its saved inputs are replayed by this
 * binary (tests/fuzz/run), not by the unit tests.
 */
#define FUZZ_ENTRY fzs_lines_entry
#include "fuzz_ngctl.c"
#undef FUZZ_ENTRY

#include <stdio.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ngctl ng = { .cs = -1, .ds = -1 };
	char *script, *line, **av;
	size_t at = 0, end;
	unsigned n = 0;
	FILE *fp;

	fzc_start();
	if ((script = malloc(size + 1)) == NULL ||
	    (line = malloc(size + 1)) == NULL) {
		free(script);
		return 0;
	}
	memcpy(script, data, size);
	/* Line by line as getline cuts them: what must not run becomes a
	 * comment; the lines past the last to run go. */
	for (; at < size; at = end + 1) {
		const struct ngctl_cmd *cmd;
		int ac;

		for (end = at; end < size && script[end] != '\n'; end++)
			;
		if (n++ == FZC_MAXLINES) {
			size = at;
			break;
		}
		memcpy(line, script + at, end - at);
		line[end - at] = '\0';
		if (line[0] == '#')
			continue;
		if ((av = ngctl_tokenize(line, &ac)) == NULL) {
			script[at] = '#';
			continue;
		}
		if (ac > 0 && (cmd = ngctl_find(av[0])) != NULL &&
		    !fzc_allowed(cmd, ac, av))
			script[at] = '#';
		free(av);
	}
	free(line);
	if (size == 0 || NgMkSockNode(NULL, &ng.cs, &ng.ds) != 0) {
		free(script);
		return 0;
	}
	if ((fp = fmemopen(script, size, "r")) != NULL) {
		(void)ngctl_run_file(&ng, fp);
		fclose(fp);
	}
	free(script);
	NgSetDebug(0);
	close(ng.cs);
	close(ng.ds);
	fzc_sweep();
	return 0;
}
