/*
 * cmd_quit.c: `quit` ends an interactive session or a script.
 */
#include "ngctl.h"

static enum ngctl_rtn
ngctl_quit(struct ngctl *ng, int ac, char **av)
{
	return NGCTL_QUIT;
}

const struct ngctl_cmd ngctl_cmd_quit = {
	.name = "quit",
	.aliases = { "exit" },
	.usage = "quit",
	.summary = "Exit program",
	.func = ngctl_quit,
};
