/*
 * cmd_read.c: `read <filename>` runs the commands in a file, as -f does.
 * Scripts may read others, NGCTL_READ_DEPTH deep: a script that reads
 * itself (or two that read each other) fails there, where it ran ngctl
 * out of stack and ended it by SIGSEGV without a word.
 */
#include <stdio.h>

#include "ngctl.h"

#define NGCTL_READ_DEPTH 16

static int ngctl_read_depth;

static enum ngctl_rtn
ngctl_read(struct ngctl *ng, int ac, char **av)
{
	enum ngctl_rtn rtn;
	FILE *fp;

	if (ac != 2)
		return NGCTL_USAGE;
	if (ngctl_read_depth >= NGCTL_READ_DEPTH) {
		ngctl_warnx("%s: scripts read %d deep (does one read itself?)",
		    av[1], NGCTL_READ_DEPTH);
		return NGCTL_ERROR;
	}
	if ((fp = ngctl_open_script(av[1])) == NULL)
		return NGCTL_ERROR;
	ngctl_read_depth++;
	rtn = ngctl_run_file(ng, fp);
	ngctl_read_depth--;
	fclose(fp);
	return rtn;
}

const struct ngctl_cmd ngctl_cmd_read = {
	.name = "read",
	.aliases = { "source", "." },
	.usage = "read <filename>",
	.summary = "Read and execute commands from a file",
	.help = "Runs the commands in <filename> as -f does: lines whose "
		"first character is # are comments, and the first line that "
		"fails ends the file, with line N: error in file.  A script "
		"may read others, 16 deep; one that reads itself fails "
		"there.",
	.func = ngctl_read,
};
