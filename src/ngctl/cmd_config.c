/*
 * cmd_config.c: `config <path> [arguments]` sends textconfig to a node
 * (with the arguments as one string) and prints the text it returns.
 */
#include <stdlib.h>
#include <string.h>

#include <netgraph.h>

#include "ngctl.h"

static enum ngctl_rtn
ngctl_config(struct ngctl *ng, int ac, char **av)
{
	enum ngctl_rtn rtn;
	size_t len = 1;
	char *args = NULL;
	int i;

	if (ac < 2)
		return NGCTL_USAGE;
	if (ac > 2) {
		for (i = 2; i < ac; i++)
			len += strlen(av[i]) + 1;
		if ((args = malloc(len)) == NULL) {
			ngctl_warn("malloc");
			return NGCTL_ERROR;
		}
		args[0] = '\0';
		for (i = 2; i < ac; i++) {
			if (i > 2)
				strcat(args, " ");
			strcat(args, av[i]);
		}
	}
	rtn = ngctl_text_query(ng, av[1], NGM_TEXT_CONFIG, args, "Config",
	    "config");
	free(args);
	return rtn;
}

const struct ngctl_cmd ngctl_cmd_config = {
	.name = "config",
	.usage = "config <path> [arguments]",
	.summary = "get or set configuration of node at <path>",
	.help = "Asks the node at <path> for its configuration in text "
		"(textconfig), with [arguments] when given, and prints what "
		"it answers.  A node whose type has none, as is the case of "
		"every type here, gets No config available for \"<path>\", "
		"and that is no error; ngctl msg sets a type's own settings "
		"(a bridge's setconfig, for one).",
	.func = ngctl_config,
};
