/*
 * fuzz_parse.c: the ASCII message engine (ng_parse.c) over the argument
 * and reply type of every command of every built-in node type, and the
 * generic ones.  Input: two bytes choose the type and the direction, the
 * rest is text to parse or bytes to unparse.
 * Checked beyond "no crash": what parse produced unparses; the text that
 * gives parses; and that second round gives the same text again (text
 * is normalised in one step).
 */
#include "fuzz.h"
#include "ng_parse.h"

#ifndef FUZZ_ENTRY
#define FUZZ_ENTRY LLVMFuzzerTestOneInput
#endif

#define FZP_ROOM (64u << 10)
#define FZP_MAXTYPES 512

static const struct ng_parse_type *fzp_types[FZP_MAXTYPES];
static unsigned fzp_ntypes;

static void
fzp_add(const struct ng_parse_type *t)
{
	const char *what = NULL;

	if (t == NULL || fzp_ntypes == FZP_MAXTYPES)
		return;
	for (unsigned i = 0; i < fzp_ntypes; i++)
		if (fzp_types[i] == t)
			return;
	/* Every table must agree with its C struct. */
	if (ng_parse_check(t, &what) != 0) {
		fprintf(stderr, "parse table disagrees with its struct at %s\n",
		    what != NULL ? what : "?");
		abort();
	}
	fzp_types[fzp_ntypes++] = t;
}

static void
fzp_init(void)
{
	const struct ng_cmdlist *c;

	if (fzp_ntypes > 0)
		return;
	for (unsigned i = 0; ng_nodes_types[i] != NULL; i++) {
		c = ng_nodes_types[i]->cmdlist;
		for (; c != NULL && c->name != NULL; c++) {
			fzp_add(c->mesg_type);
			fzp_add(c->resp_type);
		}
	}
	for (c = ng_generic_cmds; c->name != NULL; c++) {
		fzp_add(c->mesg_type);
		fzp_add(c->resp_type);
	}
	fzp_add(&ng_parse_int8_type);
	fzp_add(&ng_parse_hint16_type);
	fzp_add(&ng_parse_int32_type);
	fzp_add(&ng_parse_uint64_type);
	fzp_add(&ng_parse_string_type);
	fzp_add(&ng_parse_sizedstring_type);
	fzp_add(&ng_parse_ipaddr_type);
	fzp_add(&ng_parse_enaddr_type);
	fzp_add(&ng_parse_inetaddr_type);
}

/*
 * text -> bytes -> text2 -> bytes2 -> text3: once text parses, every
 * later step must succeed and text3 must be text2.
 */
static void
fzp_roundtrip(const struct ng_parse_type *t, const char *text, uint8_t *buf,
    size_t room)
{
	char *t2 = NULL, *t3 = NULL;
	size_t len;
	int error;

	if (ng_parse(t, text, buf, room, &len) != 0)
		return;
	FUZZ_ASSERT(len <= room);
	error = ng_unparse(t, buf, len, &t2);
	if (error == ENOMEM)
		return;
	FUZZ_ASSERT(error == 0);
	error = ng_parse(t, t2, buf, FZP_ROOM, &len);
	if (error != ENOMEM) {
		if (error != 0)
			fprintf(stderr, "reparse of \"%s\": %d\n", t2, error);
		FUZZ_ASSERT(error == 0);
		error = ng_unparse(t, buf, len, &t3);
		FUZZ_ASSERT(error == 0 || error == ENOMEM);
		if (error == 0 && strcmp(t2, t3) != 0)
			fprintf(stderr, "\"%s\" became \"%s\"\n", t2, t3);
		FUZZ_ASSERT(error != 0 || strcmp(t2, t3) == 0);
	}
	free(t2);
	free(t3);
}

int FUZZ_ENTRY(const uint8_t *data, size_t size);

int
FUZZ_ENTRY(const uint8_t *data, size_t size)
{
	struct fz_in in = { data, size };
	const struct ng_parse_type *t;
	uint8_t sel, mode, *buf;
	const uint8_t *rest;
	size_t len, room;
	char *text;

	fzp_init();
	sel = fz_u8(&in);
	mode = fz_u8(&in);
	t = fzp_types[sel % fzp_ntypes];
	rest = fz_bytes(&in, in.left, &len);
	if ((buf = malloc(FZP_ROOM)) == NULL)
		return 0;
	if ((mode & 1) == 0) {
		/* Text: parse it into a buffer of a size the input picks. */
		if ((text = malloc(len + 1)) == NULL) {
			free(buf);
			return 0;
		}
		memcpy(text, rest, len);
		text[len] = '\0';
		room = (mode & 2) ? FZP_ROOM : (size_t)(mode >> 2) * 8;
		fzp_roundtrip(t, text, buf, room);
		free(text);
	} else {
		/* Bytes as a message would carry them: unparse, then back. */
		uint8_t *copy = malloc(len > 0 ? len : 1);

		if (copy != NULL) {
			memcpy(copy, rest, len); /* exactly len readable */
			if (ng_unparse(t, copy, len, &text) == 0) {
				fzp_roundtrip(t, text, buf, FZP_ROOM);
				free(text);
			}
			free(copy);
		}
	}
	free(buf);
	return 0;
}
