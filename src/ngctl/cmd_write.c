/*
 * cmd_write.c: `write hook < -f file | byte ... >` sends one data packet
 * out of a hook of ngctl's socket node (NgSendData on the data socket).
 */
#include <stdio.h>
#include <string.h>

#include <netgraph.h>

#include "ngctl.h"

#define NGCTL_WRITE_MAX 8192

/* The packet from a file.  Returns its length, or 0 after complaining. */
static size_t
ngctl_write_file(const char *name, unsigned char *buf, size_t size)
{
	size_t len;
	FILE *fp;

	if ((fp = fopen(name, "r")) == NULL) {
		ngctl_warn("can't read file \"%s\"", name);
		return 0;
	}
	if ((len = fread(buf, 1, size, fp)) == 0) {
		if (ferror(fp))
			ngctl_warn("can't read file \"%s\"", name);
		else
			ngctl_warnx("file \"%s\" is empty", name);
	}
	fclose(fp);
	return len;
}

static enum ngctl_rtn
ngctl_write(struct ngctl *ng, int ac, char **av)
{
	unsigned char buf[NGCTL_WRITE_MAX];
	const char *hook;
	size_t len = 0;
	int i, byte;

	if (ac < 3)
		return NGCTL_USAGE;
	hook = av[1];
	if (strcmp(av[2], "-f") == 0) {
		if (ac != 4)
			return NGCTL_USAGE;
		if ((len = ngctl_write_file(av[3], buf, sizeof(buf))) == 0)
			return NGCTL_ERROR;
	} else {
		for (i = 2; i < ac && len < sizeof(buf); i++, len++) {
			if (sscanf(av[i], "%i", &byte) != 1 || byte < -128 ||
			    byte > 255) {
				ngctl_warnx("invalid byte \"%s\"", av[i]);
				return NGCTL_ERROR;
			}
			buf[len] = (unsigned char)byte;
		}
	}
	if (NgSendData(ng->ds, hook, buf, len) < 0) {
		ngctl_warn("writing to hook \"%s\"", hook);
		return NGCTL_ERROR;
	}
	return NGCTL_OK;
}

const struct ngctl_cmd ngctl_cmd_write = {
	.name = "write",
	.aliases = { "w" },
	.usage = "write hook < -f file | byte ... >",
	.summary = "Send a data packet down the hook named by \"hook\".",
	.help = "Sends one data packet out of hook <hook> of ngctl's own "
		"socket node, to whatever node is connected there.  The "
		"packet is either the contents of the file named after -f "
		"(at most 8192 bytes) or the bytes listed, each a number from "
		"-128 to 255 written in decimal, in hex after 0x, or in octal "
		"after a leading 0.",
	.func = ngctl_write,
};
