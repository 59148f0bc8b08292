/*
 * fuzz_journal.c: the journal read at restart (src/ngd/journal.c,
 * ngd_journal_restore_text): a file left by a crashed ngd, damaged on
 * disk or written by someone else, must never crash the next ngd.  The
 * journal is included whole, for its sums: most inputs are given the
 * right header and end line, so that they reach the replay (nodes, names,
 * hooks, messages) and not only the checks before it.  The graph has the
 * fake interface backend (fuzz.h).
 *
 * Input: one flag byte (bit 0: the input is the whole file, as is; bit
 * 1: version 1's end line; bit 2: records after an "end" line, their
 * commit lines' sums put right), then the lines (in NUL bytes are
 * spaces).
 * Checked: no crash, leak or hang; a text taken restores to a graph
 * whose own journal restores again, to a graph that writes the same
 * text (for graphs without interfaces, whose devices the fake backend
 * cannot describe); every packet back in the pool.
 */
#include <syslog.h>

#include "../../src/ngd/ngd.h"
#include "fuzz.h"

#ifndef FUZZ_ENTRY
#define FUZZ_ENTRY LLVMFuzzerTestOneInput
#endif

#include "../../src/ngd/journal.c"

#ifndef FZ_NGD_LOG
#define FZ_NGD_LOG
/* ngd's main.c provides this; here nothing is logged. */
void
ngd_log(int level, const char *fmt, ...)
{
	(void)level;
	(void)fmt;
}
#endif

/* journal_gc.c's directory lock (it brings the fast path with it): no
 * file here. */
int
ngd_journal_lock(struct ngd_journal *j)
{
	(void)j;
	return 0;
}

void
ngd_journal_gc(struct ngd_journal *j)
{
	(void)j;
}

void
ngd_journal_unlock(struct ngd_journal *j, bool remove)
{
	(void)j;
	(void)remove;
}

#define FZJ_COOKIE 4099
#define FZJ_MAXLEN (64u << 10)

/* A journal on graph g, as ngd_journal_init makes it, with no file. */
static void
fzj_journal(struct ngd_journal *j, struct ngd_netdev *nd, struct ng_graph *g)
{
	memset(j, 0, sizeof(*j));
	memset(nd, 0, sizeof(*nd));
	nd->expect_fd = -1;
	j->lock_fd = -1;
	j->fd = -1;
	j->graph = g;
	j->netdev = nd;
	j->cookie = FZJ_COOKIE;
}

/* Restore text (len bytes, changed in place) into a new graph *gp. */
static int
fzj_restore(char *text, size_t len, struct ngd_journal *j,
    struct ngd_netdev *nd, struct ng_graph **gp)
{
	const char *why = NULL;
	unsigned nnodes;
	int error;

	if ((*gp = fz_graph(NULL)) == NULL)
		return ENOMEM;
	fzj_journal(j, nd, *gp);
	error = ngd_journal_restore_text(j, text, len, NULL, 0, &why, &nnodes);
	/* All or nothing: a text refused leaves no node (the graph had
	 * none, no ether node ngd made for an interface). */
	FUZZ_ASSERT(error == 0 || ng_first_node(*gp) == NULL);
	FUZZ_ASSERT(error == 0 || nnodes == 0);
	return error;
}

/* A node of g with an interface, which the fake cannot describe. */
static bool
fzj_has_dev(struct ng_graph *g)
{
	for (struct ng_node *n = ng_first_node(g); n != NULL; n = n->next) {
		struct ng_ifdev *d;

		if (n->type->netdev != NULL && n->priv != NULL &&
		    (d = n->type->netdev->ifdev(n)) != NULL && d->dev != NULL)
			return true;
	}
	return false;
}

/* Whether g's next ID wrapped past 2^32 - 1 (a node of ID ffffffff was
 * made: the core goes on from 0, skipping live IDs): a text then says
 * nextid below its nodes' IDs (or 0), and a restore of it goes on from
 * them (or from 1). */
static bool
fzj_wrapped(struct ng_graph *g)
{
	if (ng_graph_next_id(g) == 0) /* (it starts at 1) */
		return true;
	for (struct ng_node *n = ng_first_node(g); n != NULL; n = n->next)
		if (n->id >= ng_graph_next_id(g))
			return true;
	return false;
}

static void
fzj_done(struct ngd_journal *j, struct ngd_netdev *nd, struct ng_graph *g)
{
	ngd_netdev_expect(nd, NULL, -1);
	ngd_journal_fini(j);
	fz_graph_free(g);
}

/* The text of the graph restored from t1 is a fixed point: restored
 * again, it writes itself. */
static void
fzj_again(struct ngd_journal *j1)
{
	struct ngd_journal j2;
	struct ngd_netdev nd2;
	struct ng_graph *g2;
	char *t1, *t2, *copy;
	size_t l1, l2;

	if (fzj_has_dev(j1->graph) || fzj_wrapped(j1->graph) ||
	    ngd_journal_text(j1, &t1, &l1, false) != 0)
		return;
	if ((copy = malloc(l1 + 1)) == NULL) {
		free(t1);
		return;
	}
	memcpy(copy, t1, l1 + 1);
	if (fzj_restore(copy, l1, &j2, &nd2, &g2) == 0 &&
	    ngd_journal_text(&j2, &t2, &l2, false) == 0) {
		if (l1 != l2 || memcmp(t1, t2, l1) != 0) {
			fprintf(stderr, "---- written\n%.*s---- again\n%.*s",
			    (int)l1, t1, (int)l2, t2);
			FUZZ_ASSERT(!"a journal restored writes another text");
		}
		free(t2);
	}
	free(copy);
	free(t1);
	if (g2 != NULL)
		fzj_done(&j2, &nd2, g2);
}

/*
 * Flag bit 2: the body's lines after a header, as a journal with records:
 * the first line that starts with "end" becomes the snapshot's end line
 * with its sum, each "commit" line after it its record's, so that inputs
 * reach the records' merge (ngd_journal_merge), not only its sum checks;
 * a last line without its newline stays so (a record cut short).  text
 * has room for 4 * blen + 128 bytes ("commit\n" becomes 24); its length.
 */
static size_t
fzj_records(char *text, const uint8_t *body, size_t blen)
{
	bool ended = false;
	size_t len, i = 0;
	uint64_t h;

	len = (size_t)sprintf(text, "netgraph-journal %d\nnetns %d\n",
	    NGD_JOURNAL_VERSION, FZJ_COOKIE);
	h = ngd_journal_sum_all(text, len);
	while (i < blen) {
		size_t at = len, n;
		bool end, commit;

		while (i < blen && body[i] != '\n') {
			text[len++] = body[i] != '\0' ? (char)body[i] : ' ';
			i++;
		}
		if (i == blen && ended) /* a record cut short */
			break;
		if (i == blen) /* (a snapshot's line is whole) */
			text[len++] = '\n';
		else
			text[len++] = body[i++];
		n = len - at;
		end = !ended && n >= 4 && memcmp(text + at, "end", 3) == 0;
		commit = ended && n >= 7 && memcmp(text + at, "commit", 6) == 0;
		if (end || commit) {
			len = at +
			    (size_t)sprintf(text + at, "%s %016llx\n",
				end ? "end" : "commit", (unsigned long long)h);
			ended = true;
			continue;
		}
		h = ngd_journal_fold(h, ngd_fnv(text + at, n));
	}
	if (!ended)
		len += (size_t)sprintf(text + len, "end %016llx\n",
		    (unsigned long long)h);
	return len;
}

int FUZZ_ENTRY(const uint8_t *data, size_t size);

int
FUZZ_ENTRY(const uint8_t *data, size_t size)
{
	struct fz_in in = { data, size };
	uint8_t flags = fz_u8(&in);
	struct ngd_journal j;
	struct ngd_netdev nd;
	struct ng_graph *g;
	const uint8_t *body;
	size_t blen, len = 0;
	char *text;
	int error;

	body = fz_bytes(&in, FZJ_MAXLEN, &blen);
	if ((text = malloc(blen + 128)) == NULL)
		return 0;
	if (flags & 1) { /* the file as is */
		memcpy(text, body, blen);
		len = blen;
	} else if (flags & 4) { /* records: their sums put right */
		if ((text = realloc(text, 4 * blen + 128)) == NULL)
			return 0;
		len = fzj_records(text, body, blen);
	} else {
		int version = flags & 2 ? 1 : NGD_JOURNAL_VERSION;
		uint64_t sum;

		len = (size_t)sprintf(text, "netgraph-journal %d\nnetns %d\n",
		    version, FZJ_COOKIE);
		for (size_t i = 0; i < blen; i++)
			text[len++] = body[i] != '\0' ? (char)body[i] : ' ';
		if (len > 0 && text[len - 1] != '\n')
			text[len++] = '\n';
		sum = version == 1 ? ngd_fnv(text, len) :
				     ngd_journal_sum_all(text, len);
		len += (size_t)sprintf(text + len, "end %016llx\n",
		    (unsigned long long)sum);
	}
	/* Exactly len bytes and the NUL ngd_journal_restore puts after. */
	text[len] = '\0';
	error = fzj_restore(text, len, &j, &nd, &g);
	if (error == 0)
		fzj_again(&j);
	if (g != NULL)
		fzj_done(&j, &nd, g);
	free(text);
	return 0;
}
