/*
 * cmd_debug.c: `debug [level]` shows or sets libnetgraph's debug level
 * (NgSetDebug); "+" and "-" step it up or down.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <netgraph.h>

#include "ngctl.h"

static enum ngctl_rtn
ngctl_debug(struct ngctl *ng, int ac, char **av)
{
	int level;

	switch (ac) {
	case 1:
		printf("Current debug level is %d\n", NgSetDebug(-1));
		return NGCTL_OK;
	case 2:
		if (strcmp(av[1], "+") == 0)
			level = NgSetDebug(-1) + 1;
		else if (strcmp(av[1], "-") == 0)
			level = NgSetDebug(-1) - 1;
		else if ((level = atoi(av[1])) < 0)
			return NGCTL_USAGE;
		NgSetDebug(level);
		return NGCTL_OK;
	default:
		return NGCTL_USAGE;
	}
}

const struct ngctl_cmd ngctl_cmd_debug = {
	.name = "debug",
	.usage = "debug [level]",
	.summary = "Get/set debugging verbosity level",
	.help = "Without an argument, prints the debug level of the netgraph "
		"library.  A number sets the level to that value, \"+\" "
		"raises it by one and \"-\" lowers it by one.  At level 1 "
		"the library reports calls that fail; level 2 adds every "
		"message and packet it sends or receives, and level 3 also "
		"decodes their contents.",
	.func = ngctl_debug,
};
