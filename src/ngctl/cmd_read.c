/*
 * cmd_read.c: `read <filename>` runs the commands in a file, as -f does.
 */
#include <stdio.h>

#include "ngctl.h"

static enum ngctl_rtn
ngctl_read(struct ngctl *ng, int ac, char **av)
{
	enum ngctl_rtn rtn;
	FILE *fp;

	if (ac != 2)
		return NGCTL_USAGE;
	if ((fp = ngctl_open_script(av[1])) == NULL)
		return NGCTL_ERROR;
	rtn = ngctl_run_file(ng, fp);
	fclose(fp);
	return rtn;
}

const struct ngctl_cmd ngctl_cmd_read = {
	.name = "read",
	.aliases = { "source", "." },
	.usage = "read <filename>",
	.summary = "Read and execute commands from a file",
	.func = ngctl_read,
};
