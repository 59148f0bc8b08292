/*
 * cmd_help.c: `help [command]` lists every command with its summary, or
 * shows one command's usage, aliases, summary and description.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include <netgraph.h>

#include "ngctl.h"

#define NGCTL_HELP_WIDTH 64

/* Print text in lines of at most NGCTL_HELP_WIDTH, broken at spaces. */
static void
ngctl_help_wrap(const char *s)
{
	size_t len;

	for (;;) {
		while (isspace((unsigned char)*s))
			s++;
		if (*s == '\0')
			break;
		len = strlen(s);
		if (len > NGCTL_HELP_WIDTH) {
			len = NGCTL_HELP_WIDTH;
			while (len > 0 && !isspace((unsigned char)s[len]))
				len--;
			if (len == 0) /* one word wider than a line */
				len = NGCTL_HELP_WIDTH;
		}
		/* a break after two spaces would end the line in one */
		while (len > 0 && isspace((unsigned char)s[len - 1]))
			len--;
		printf("  %.*s\n", (int)len, s);
		s += len;
	}
}

static void
ngctl_help_one(const struct ngctl_cmd *cmd)
{
	int i;

	printf("usage:    %s\n", cmd->usage);
	if (cmd->aliases[0] != NULL) {
		printf("Aliases:  ");
		for (i = 0; i < NGCTL_MAX_ALIAS && cmd->aliases[i] != NULL; i++)
			printf("%s%s", i > 0 ? ", " : "", cmd->aliases[i]);
		printf("\n");
	}
	printf("Summary:  %s\n", cmd->summary);
	if (cmd->help != NULL) {
		printf("Description:\n");
		ngctl_help_wrap(cmd->help);
	}
}

/* Not a command, but what to try when one seems stuck. */
static void
ngctl_help_timeout(void)
{
	int ms = NgSetTimeout(-1);

	if (ms > 0)
		printf("Each request waits up to %g s for ngd "
		       "(ngctl -t seconds; 0: forever).\n",
		    ms / 1000.0);
	else
		printf("Each request waits for ngd as long as it takes "
		       "(ngctl -t seconds).\n");
}

static enum ngctl_rtn
ngctl_help(struct ngctl *ng, int ac, char **av)
{
	const struct ngctl_cmd *cmd;
	int i;

	if (ac < 2) {
		printf("Available commands:\n");
		for (i = 0; ngctl_cmds[i] != NULL; i++)
			printf("  %-10s %s\n", ngctl_cmds[i]->name,
			    ngctl_cmds[i]->summary);
		ngctl_help_timeout();
		return NGCTL_OK;
	}
	/* As in FreeBSD, an unknown word is reported but is no failure. */
	if ((cmd = ngctl_find(av[1])) != NULL)
		ngctl_help_one(cmd);
	return NGCTL_OK;
}

const struct ngctl_cmd ngctl_cmd_help = {
	.name = "help",
	.aliases = { "?" },
	.usage = "help [command]",
	.summary =
	    "Show command summary or get more help on a specific command",
	.func = ngctl_help,
};
