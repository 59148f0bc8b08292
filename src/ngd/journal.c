/*
 * journal.c: the graph written down, so that the next ngd can rebuild it
 * after a crash (DESIGN decision 12), and handed over as is in a takeover.
 * One text file per network namespace, <dir>/<netns cookie>/journal
 * (dir: -J, $NGD_JOURNAL_DIR or /run/netgraph), replaced whole (written
 * to a temporary file, then renamed) whenever the graph changed:
 *
 *   netgraph-journal 2                  the format's version
 *   netns 4099                          the namespace's cookie
 *   nextid 0000001a                     IDs are never reused
 *   node 00000002 eiface ng_host        ID, type, name ("-": none)
 *   dev 00000002 kind=tap name=...      what finds its device (netdev.c)
 *   ifdev 00000002 synced=1             node and interface names agree
 *   hook 0000000b link0 00000002 ether  edges, in the order they were made
 *   msg 0000000b setconfig { ... }      settings, the type's save method
 *   end 5a1e...                         everything above summed: each
 *                                       line's FNV-1a 64, folded in order
 *                                       as FNV-1a folds bytes
 *
 * Names, hooks and message text are written with %XX for spaces, '%',
 * control bytes and a lone "-".  ngctl's socket nodes, and their hooks,
 * are not written: they belong to their connections.  A takeover's text
 * has them (and the connections are handed over with it, takeover.c).  Restoring is
 * replaying: the nodes in ID order with their IDs, names, hooks, then
 * the messages; ether nodes, which ngd makes for interfaces, are found
 * by name.  A journal that is damaged, of another version or of another
 * namespace is set aside (renamed .bad) and ngd starts empty; version 1
 * (an older ngd's file or takeover text: the end line an FNV-1a of the
 * whole text) is read as well.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include "ngd.h"
#include "ng_parse.h"

#define NGD_JOURNAL_VERSION 2      /* 1: the end line sums the text whole */
#define NGD_JOURNAL_CHECK_MS 30000 /* look even with no request */
#define NGD_JOURNAL_COST 4         /* idle at least 4x the time a write took */
#define NGD_JOURNAL_ROOM (20 * 1024) /* a message's binary form */
#define NGD_JOURNAL_STEP 4096        /* bytes compared at a time */

#define NGD_FNV_BASIS 14695981039346656037ull

static uint64_t
ngd_fnv_from(uint64_t h, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		h = (h ^ (uint8_t)s[i]) * 1099511628211ull;
	return h;
}

static uint64_t
ngd_fnv(const char *s, size_t n)
{
	return ngd_fnv_from(NGD_FNV_BASIS, s, n);
}

/* --- writing --------------------------------------------------------------- */

/*
 * The text is made in a buffer of the journal's own, kept and only grown:
 * a graph of a thousand jails writes ~200 KB after every request that
 * changed it, and a buffer made anew each time (open_memstream) was
 * mapped, faulted in and unmapped each time, with stdio's formatting on
 * top: a fifth of ngd's CPU while jails were made.  Out of memory, the
 * buffer says so (failed) and the text is not written.
 */
static bool
ngd_jbuf_room(struct ngd_jbuf *b, size_t n)
{
	size_t cap;
	char *p;

	if (b->failed)
		return false;
	if (b->len + n + 1 <= b->cap)
		return true;
	for (cap = b->cap ? b->cap : 4096; cap < b->len + n + 1;)
		cap *= 2;
	if ((p = realloc(b->p, cap)) == NULL) {
		b->failed = true;
		return false;
	}
	b->p = p;
	b->cap = cap;
	return true;
}

static void
ngd_jbuf_put(struct ngd_jbuf *b, const char *s, size_t n)
{
	if (!ngd_jbuf_room(b, n))
		return;
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void
ngd_jbuf_puts(struct ngd_jbuf *b, const char *s)
{
	ngd_jbuf_put(b, s, strlen(s));
}

static void
ngd_jbuf_putc(struct ngd_jbuf *b, char c)
{
	ngd_jbuf_put(b, &c, 1);
}

static const char ngd_hex[] = "0123456789abcdef";

/* An ID as the journal writes it: 8 hex digits, then c. */
static void
ngd_jbuf_id(struct ngd_jbuf *b, uint32_t id, char c)
{
	char s[9];

	for (int i = 7; i >= 0; i--, id >>= 4)
		s[i] = ngd_hex[id & 0xf];
	s[8] = c;
	ngd_jbuf_put(b, s, 9);
}

static void __attribute__((format(printf, 2, 3)))
ngd_jbuf_printf(struct ngd_jbuf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (!ngd_jbuf_room(b, 128))
		return;
	va_start(ap, fmt);
	n = vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
	va_end(ap);
	if (n < 0) {
		b->failed = true;
		return;
	}
	if ((size_t)n >= b->cap - b->len) { /* longer: room, and again */
		if (!ngd_jbuf_room(b, (size_t)n))
			return;
		va_start(ap, fmt);
		(void)vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
		va_end(ap);
	}
	b->len += (size_t)n;
}

/* Spaces, '%', control bytes and DEL as %XX; "" as "-", "-" as "%2d". */
static bool
ngd_journal_plain(uint8_t c)
{
	return c > ' ' && c != '%' && c != 0x7f;
}

static void
ngd_journal_esc(struct ngd_jbuf *b, const char *s)
{
	const char *run;

	if (s[0] == '\0' || strcmp(s, "-") == 0) {
		ngd_jbuf_puts(b, s[0] == '\0' ? "-" : "%2d");
		return;
	}
	while (*s != '\0') {
		for (run = s; *s != '\0' && ngd_journal_plain((uint8_t)*s); s++)
			;
		ngd_jbuf_put(b, run, (size_t)(s - run));
		for (; *s != '\0' && !ngd_journal_plain((uint8_t)*s); s++) {
			char e[3] = { '%', ngd_hex[(uint8_t)*s >> 4],
				ngd_hex[(uint8_t)*s & 0xf] };

			ngd_jbuf_put(b, e, 3);
		}
	}
}

static bool
ngd_journal_skip(const struct ng_node *n, bool sockets)
{
	return (n->type == &ng_socket_type && !sockets) || !ng_node_valid(n);
}

/*
 * Message lines as written before, by their binary form.  A save method
 * hands over the same messages at every write (a bridge's learned
 * table, a line a host), and a line is a function of the node's type and
 * the message's bytes; each went through the ASCII engine (ng_unparse)
 * at each write, which made a quarter of ngd's journal time with a
 * thousand jails on a bridge.  The lines of the last text are kept
 * (those it did not use are dropped after each text): a hash of the
 * bytes and a compare each.
 */
#define NGD_JMEMO_MAX 256 /* a longer message is unparsed each time */

struct ngd_jmemo {
	struct ngd_jmemo *next;
	const struct ng_type *type;
	uint32_t cookie, cmd, arglen;
	uint64_t hash;
	unsigned pass; /* the last text that used it */
	size_t tlen;
	char *text; /* what follows the ID: "name args\n" */
	uint8_t data[];
};

struct ngd_jmemos {
	struct ngd_jmemo **b;
	size_t nb, n;
	unsigned pass, used; /* this text's, and the lines it used */
};

static uint64_t
ngd_jmemo_hash(const struct ng_type *type, const struct ng_mesg *msg)
{
	uint64_t h = ngd_fnv((const char *)&type, sizeof(type));

	h = ngd_fnv_from(h, (const char *)&msg->header.typecookie,
	    sizeof(msg->header.typecookie));
	h = ngd_fnv_from(h, (const char *)&msg->header.cmd,
	    sizeof(msg->header.cmd));
	return ngd_fnv_from(h, (const char *)msg->data, msg->header.arglen);
}

static struct ngd_jmemo *
ngd_jmemo_find(struct ngd_jmemos *m, const struct ng_type *type,
    const struct ng_mesg *msg, uint64_t h)
{
	struct ngd_jmemo *e;

	if (m->nb == 0)
		return NULL;
	for (e = m->b[h & (m->nb - 1)]; e != NULL; e = e->next)
		if (e->hash == h && e->type == type &&
		    e->cookie == msg->header.typecookie &&
		    e->cmd == msg->header.cmd &&
		    e->arglen == msg->header.arglen &&
		    memcmp(e->data, msg->data, e->arglen) == 0)
			return e;
	return NULL;
}

static void
ngd_jmemo_free(struct ngd_jmemo *e)
{
	if (e != NULL)
		free(e->text);
	free(e);
}

/* The line text (tlen bytes) kept for msg; out of memory, not kept. */
static void
ngd_jmemo_add(struct ngd_jmemos *m, const struct ng_type *type,
    const struct ng_mesg *msg, uint64_t h, const char *text, size_t tlen)
{
	struct ngd_jmemo *e;

	if (m->n >= m->nb) { /* twice the buckets, the lines spread again */
		size_t nb = m->nb ? 2 * m->nb : 256;
		struct ngd_jmemo **b = calloc(nb, sizeof(*b));

		if (b == NULL)
			return;
		for (size_t i = 0; i < m->nb; i++)
			while ((e = m->b[i]) != NULL) {
				m->b[i] = e->next;
				e->next = b[e->hash & (nb - 1)];
				b[e->hash & (nb - 1)] = e;
			}
		free(m->b);
		m->b = b;
		m->nb = nb;
	}
	if ((e = calloc(1, sizeof(*e) + msg->header.arglen)) == NULL ||
	    (e->text = malloc(tlen)) == NULL) {
		ngd_jmemo_free(e);
		return;
	}
	e->type = type;
	e->cookie = msg->header.typecookie;
	e->cmd = msg->header.cmd;
	e->arglen = msg->header.arglen;
	e->hash = h;
	e->pass = m->pass;
	e->tlen = tlen;
	memcpy(e->text, text, tlen);
	memcpy(e->data, msg->data, msg->header.arglen);
	e->next = m->b[h & (m->nb - 1)];
	m->b[h & (m->nb - 1)] = e;
	m->n++;
	m->used++;
}

/* After a text: the lines it did not use dropped (O(lines kept)). */
static void
ngd_jmemo_sweep(struct ngd_jmemos *m)
{
	struct ngd_jmemo *e, **ep;

	if (m == NULL || m->used == m->n)
		return;
	for (size_t i = 0; i < m->nb; i++)
		for (ep = &m->b[i]; (e = *ep) != NULL;)
			if (e->pass != m->pass) {
				*ep = e->next;
				ngd_jmemo_free(e);
				m->n--;
			} else
				ep = &e->next;
}

static void
ngd_jmemo_destroy(struct ngd_jmemos *m)
{
	struct ngd_jmemo *e;

	if (m == NULL)
		return;
	for (size_t i = 0; i < m->nb; i++)
		while ((e = m->b[i]) != NULL) {
			m->b[i] = e->next;
			ngd_jmemo_free(e);
		}
	free(m->b);
	free(m);
}

struct ngd_save_ctx {
	struct ngd_jbuf *b;
	struct ngd_jmemos *memo; /* NULL: none */
};

/* A save method's message, as a msg line. */
static int
ngd_journal_emit(void *arg, struct ng_node *node, const struct ng_mesg *msg)
{
	struct ngd_save_ctx *sc = arg;
	const struct ng_cmdlist *c;
	struct ngd_jmemo *e = NULL;
	char *text = NULL;
	uint64_t h = 0;
	size_t at;
	int error;

	if (sc->memo != NULL && msg->header.arglen <= NGD_JMEMO_MAX) {
		h = ngd_jmemo_hash(node->type, msg);
		e = ngd_jmemo_find(sc->memo, node->type, msg, h);
	}
	if (e != NULL) { /* as the last text wrote it */
		ngd_jbuf_puts(sc->b, "msg ");
		ngd_jbuf_id(sc->b, node->id, ' ');
		ngd_jbuf_put(sc->b, e->text, e->tlen);
		if (e->pass != sc->memo->pass) {
			e->pass = sc->memo->pass;
			sc->memo->used++;
		}
		return sc->b->failed ? ENOMEM : 0;
	}
	c = ng_find_cmd(node->type, msg->header.typecookie, msg->header.cmd);
	if (c == NULL)
		return ENOSYS;
	if (c->mesg_type != NULL && msg->header.arglen > 0 &&
	    (error = ng_unparse(c->mesg_type, (const uint8_t *)msg->data,
		 msg->header.arglen, &text)) != 0)
		return error;
	ngd_jbuf_puts(sc->b, "msg ");
	ngd_jbuf_id(sc->b, node->id, ' ');
	at = sc->b->len;
	ngd_jbuf_puts(sc->b, c->name);
	ngd_jbuf_putc(sc->b, ' ');
	ngd_journal_esc(sc->b, text != NULL ? text : "");
	ngd_jbuf_putc(sc->b, '\n');
	free(text);
	if (sc->b->failed)
		return ENOMEM;
	if (sc->memo != NULL && msg->header.arglen <= NGD_JMEMO_MAX)
		ngd_jmemo_add(sc->memo, node->type, msg, h, sc->b->p + at,
		    sc->b->len - at);
	return 0;
}

/* Nodes in ID order, each with the hook of it to write next. */
struct ngd_jnode {
	struct ng_node *node;
	struct ng_hook *next; /* oldest not yet written */
};

static int
ngd_jnode_cmp(const void *k, const void *e)
{
	ng_id_t id = *(const ng_id_t *)k;
	const struct ngd_jnode *j = e;

	return id < j->node->id ? -1 : id > j->node->id;
}

static struct ng_hook *
ngd_hook_newer(struct ng_hook *h)
{
	return h->prev; /* the list is newest first */
}

/*
 * Edges in an order that gives every node its hooks in the order they
 * were made (show lists them newest first): an edge goes once it is the
 * oldest unwritten one at both its ends.  The order they were made in
 * is one such, so this always ends; O(edges x passes).
 */
static void
ngd_journal_edge(struct ngd_jbuf *b, const struct ngd_jnode *a,
    const struct ng_hook *h, const struct ngd_jnode *c, const struct ng_hook *p)
{
	ngd_jbuf_puts(b, "hook ");
	ngd_jbuf_id(b, a->node->id, ' ');
	ngd_journal_esc(b, h->name);
	ngd_jbuf_putc(b, ' ');
	ngd_jbuf_id(b, c->node->id, ' ');
	ngd_journal_esc(b, p->name);
	ngd_jbuf_putc(b, '\n');
}

static void
ngd_journal_hooks(struct ngd_jbuf *f, struct ngd_jnode *jn, size_t n)
{
	const struct ng_hook **forced = NULL; /* written out of turn */
	size_t nforced = 0;
	bool force = false;

	for (size_t i = 0; i < n; i++) {
		struct ng_hook *h = jn[i].node->hooks;

		while (h != NULL && h->next != NULL)
			h = h->next;
		jn[i].next = h;
	}
	for (;;) {
		bool left = false, moved = false;

		for (size_t i = 0; i < n; i++) {
			struct ngd_jnode *a = &jn[i], *b;
			struct ng_hook *h, *p;
			bool done = false;

			while ((h = a->next) != NULL) {
				p = h->peer;
				b = p == NULL ? NULL :
						bsearch(&p->node->id, jn, n,
						    sizeof(*jn), ngd_jnode_cmp);
				for (size_t k = 0; k < nforced && !done; k++)
					done = forced[k] == h;
				if (b == NULL ||
				    done) { /* a socket's; written */
					a->next = ngd_hook_newer(h);
					done = false;
					continue;
				}
				if (b->next != p && !force)
					break;
				ngd_journal_edge(f, a, h, b, p);
				a->next = ngd_hook_newer(h);
				if (b->next == p)
					b->next = ngd_hook_newer(p);
				else {
					const struct ng_hook **nf = realloc(
					    (void *)forced,
					    (nforced + 1) * sizeof(*forced));

					if (nf != NULL) {
						forced = nf;
						forced[nforced++] = p;
					}
				}
				moved = true;
				force = false;
			}
			if (a->next != NULL)
				left = true;
		}
		if (!left)
			break;
		force = !moved; /* a hook to its own node: one out of turn */
	}
	free((void *)forced);
}

/*
 * Version 2's end line: each line's FNV-1a sum (its '\n' included), the
 * sums folded in order, one multiply each.  Version 1 summed the whole
 * text as one, so a vnet, which changes one interface's line near the
 * start, had the rest of a thousand jails' text summed again after it
 * (their lines move when it grows): O(N) bytes a vnet, O(N^2) a jail -c.
 * Now the next text takes up the sums of the lines it shares with the
 * last at its start and at its end, and sums only the lines between.
 */
static uint64_t
ngd_journal_fold(uint64_t h, uint64_t line)
{
	return (h ^ line) * 1099511628211ull;
}

/* The end line's sum of text's n bytes, every line summed (version 2). */
static uint64_t
ngd_journal_sum_all(const char *text, size_t n)
{
	uint64_t h = NGD_FNV_BASIS;
	const char *s = text, *e = text + n, *nl;

	for (; s < e; s = nl + 1) {
		if ((nl = memchr(s, '\n', (size_t)(e - s))) == NULL)
			nl = e - 1; /* a last line without its '\n' */
		h = ngd_journal_fold(h, ngd_fnv(s, (size_t)(nl + 1 - s)));
	}
	return h;
}

static size_t
ngd_journal_nlines(const char *s, size_t n)
{
	const char *e = s + n;
	size_t c = 0;

	for (; (s = memchr(s, '\n', (size_t)(e - s))) != NULL; s++)
		c++;
	return c;
}

/* The length of the bytes a and b agree on at their start (n at most). */
static size_t
ngd_journal_same_head(const char *a, const char *b, size_t n)
{
	size_t k = 0;

	while (k + NGD_JOURNAL_STEP <= n &&
	    memcmp(a + k, b + k, NGD_JOURNAL_STEP) == 0)
		k += NGD_JOURNAL_STEP;
	while (k < n && a[k] == b[k])
		k++;
	return k;
}

/* ... and at their ends (a: alen bytes, b: blen). */
static size_t
ngd_journal_same_tail(const char *a, size_t alen, const char *b, size_t blen,
    size_t n)
{
	size_t k = 0;

	while (k + NGD_JOURNAL_STEP <= n &&
	    memcmp(a + alen - k - NGD_JOURNAL_STEP,
		b + blen - k - NGD_JOURNAL_STEP, NGD_JOURNAL_STEP) == 0)
		k += NGD_JOURNAL_STEP;
	while (k < n && a[alen - k - 1] == b[blen - k - 1])
		k++;
	return k;
}

static bool
ngd_journal_line_start(const char *s, size_t at)
{
	return at == 0 || s[at - 1] == '\n';
}

/*
 * The end line's sum of b's text (its b->len bytes; the same as
 * ngd_journal_sum_all's), taken up from prev's line sums (NULL: none)
 * for the whole lines the two texts share at their start and at their
 * end; b's line sums kept for the next.  O(lines) a text, plus the
 * bytes of the lines that changed; the shared ends are compared with
 * memcmp (many bytes a cycle, where a sum takes a few cycles a byte).
 */
static uint64_t
ngd_journal_sum(struct ngd_jbuf *b, const struct ngd_jbuf *prev)
{
	size_t head = 0, tail = 0, nhead = 0, ntail = 0, n, k;
	const char *s, *e, *nl;
	uint64_t h = NGD_FNV_BASIS;

	if (prev != NULL && prev->nsums > 0) {
		size_t m = b->len < prev->body ? b->len : prev->body;

		head = ngd_journal_same_head(b->p, prev->p, m);
		while (head > 0 && b->p[head - 1] != '\n')
			head--;
		tail = ngd_journal_same_tail(b->p, b->len, prev->p, prev->body,
		    m - head);
		while (tail > 0 &&
		    (!ngd_journal_line_start(b->p, b->len - tail) ||
			!ngd_journal_line_start(prev->p, prev->body - tail)))
			tail--;
		nhead = ngd_journal_nlines(b->p, head);
		ntail = ngd_journal_nlines(b->p + b->len - tail, tail);
	}
	s = b->p + head;
	e = b->p + b->len - tail;
	n = nhead + ngd_journal_nlines(s, (size_t)(e - s)) + ntail +
	    (e > s && e[-1] != '\n'); /* a last line without its '\n' */
	if (n > b->maxsums) {
		uint64_t *a = realloc(b->sums, n * sizeof(*a));

		if (a == NULL) { /* no sums kept: the next sums it all */
			b->nsums = 0;
			return ngd_journal_sum_all(b->p, b->len);
		}
		b->sums = a;
		b->maxsums = n;
	}
	if (nhead > 0)
		memcpy(b->sums, prev->sums, nhead * sizeof(*b->sums));
	for (k = nhead; s < e; s = nl + 1) {
		if ((nl = memchr(s, '\n', (size_t)(e - s))) == NULL)
			nl = e - 1;
		b->sums[k++] = ngd_fnv(s, (size_t)(nl + 1 - s));
	}
	if (ntail > 0)
		memcpy(b->sums + k, prev->sums + prev->nsums - ntail,
		    ntail * sizeof(*b->sums));
	b->nsums = n;
	b->body = b->len;
	for (k = 0; k < n; k++)
		h = ngd_journal_fold(h, b->sums[k]);
	return h;
}

/* The journal's text for graph g into b (emptied first; failed if out
 * of memory); sockets: with the socket nodes and their hooks (a
 * takeover's). */
static int
ngd_journal_make(struct ngd_journal *j, struct ngd_jbuf *b,
    const struct ngd_jbuf *prev, bool sockets)
{
	struct ngd_save_ctx sc = { .b = b };
	struct ngd_jnode *jn;
	struct ng_node *n;
	char desc[512];
	size_t nn = 0;
	int error = 0;

	b->len = 0;
	b->failed = false;
	if (j->memo == NULL)
		j->memo = calloc(1, sizeof(*j->memo)); /* NULL: none kept */
	if ((sc.memo = j->memo) != NULL) {
		sc.memo->pass++;
		sc.memo->used = 0;
	}
	if ((jn = calloc(ng_num_nodes(j->graph) + 1, sizeof(*jn))) == NULL)
		return ENOMEM;
	ngd_jbuf_printf(b, "netgraph-journal %d\nnetns %llu\nnextid ",
	    NGD_JOURNAL_VERSION, (unsigned long long)j->cookie);
	ngd_jbuf_id(b, ng_graph_next_id(j->graph), '\n');
	for (n = ng_first_node(j->graph); n != NULL; n = n->next) {
		struct ng_ifdev *d;

		if (ngd_journal_skip(n, sockets))
			continue;
		jn[nn++].node = n;
		ngd_jbuf_puts(b, "node ");
		ngd_jbuf_id(b, n->id, ' ');
		ngd_jbuf_puts(b, n->type->name);
		ngd_jbuf_putc(b, ' ');
		ngd_journal_esc(b, n->name);
		ngd_jbuf_putc(b, '\n');
		if (n->type->netdev == NULL || n->priv == NULL ||
		    (d = n->type->netdev->ifdev(n)) == NULL)
			continue;
		if (d->dev != NULL &&
		    ngd_netdev_describe(d->dev, desc, sizeof(desc),
			sockets || j->fresh) == 0) {
			ngd_jbuf_puts(b, "dev ");
			ngd_jbuf_id(b, n->id, ' ');
			ngd_jbuf_puts(b, desc);
			ngd_jbuf_putc(b, '\n');
		}
		ngd_jbuf_puts(b, "ifdev ");
		ngd_jbuf_id(b, n->id, ' ');
		ngd_jbuf_puts(b, d->synced ? "synced=1\n" : "synced=0\n");
	}
	ngd_journal_hooks(b, jn, nn);
	for (size_t i = 0; i < nn && error == 0; i++)
		if (jn[i].node->type->save != NULL)
			error = jn[i].node->type->save(jn[i].node,
			    ngd_journal_emit, &sc);
	free(jn);
	if (error == 0)
		ngd_jmemo_sweep(sc.memo);
	if (error == 0 && b->failed)
		error = ENOMEM;
	if (error != 0)
		return error;
	/* The end line and its sum of all that comes before it. */
	ngd_jbuf_printf(b, "end %016llx\n",
	    (unsigned long long)ngd_journal_sum(b, prev));
	return b->failed ? ENOMEM : 0;
}

/* The same in a new buffer: malloc'd into *textp, *lenp bytes. */
int
ngd_journal_text(struct ngd_journal *j, char **textp, size_t *lenp,
    bool sockets)
{
	struct ngd_jbuf b = { .p = NULL };
	int error;

	*textp = NULL;
	error = ngd_journal_make(j, &b, NULL, sockets);
	free(b.sums);
	if (error != 0) {
		free(b.p);
		return error;
	}
	*textp = b.p;
	*lenp = b.len;
	return 0;
}

/* Write text to the journal file: a temporary file renamed over it. */
static int
ngd_journal_put(struct ngd_journal *j, const char *text, size_t len)
{
	char tmp[PATH_MAX + 64];
	int fd, error = 0;

	snprintf(tmp, sizeof(tmp), "%s.tmp", j->path);
	/* The directories are made when missing (the first write, or
	 * removed meanwhile), not tried at each write. */
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 && errno == ENOENT) {
		if (mkdir(j->base, 0700) < 0 && errno != EEXIST)
			return errno;
		if (mkdir(j->dir, 0700) < 0 && errno != EEXIST)
			return errno;
		fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	}
	if (fd < 0)
		return errno;
	for (size_t off = 0; off < len && error == 0;) {
		ssize_t w = write(fd, text + off, len - off);

		if (w < 0 && errno != EINTR)
			error = errno;
		else if (w > 0)
			off += (size_t)w;
	}
	if (close(fd) < 0 && error == 0)
		error = errno;
	if (error == 0 && rename(tmp, j->path) < 0)
		error = errno;
	if (error != 0)
		(void)unlink(tmp);
	return error;
}

/* Write the journal now if the graph's text changed. */
int
ngd_journal_sync(struct ngd_journal *j)
{
	struct ngd_jbuf t;
	int error;

	if (!j->enabled)
		return 0;
	if ((error = ngd_journal_make(j, &j->text, &j->last, false)) != 0)
		return error;
	if (j->last.p != NULL && j->text.len == j->last.len &&
	    memcmp(j->text.p, j->last.p, j->text.len) == 0)
		return 0;
	if ((error = ngd_journal_put(j, j->text.p, j->text.len)) != 0)
		return error; /* the file still holds last */
	t = j->last;          /* the buffers trade places, both kept */
	j->last = j->text;
	j->text = t;
	return 0;
}

/*
 * Has anything changed that the text holds?  A client's message not known
 * to read only (a list, a getifname: most of jail(8)'s are not), a device
 * brought home, or the graph's nodes, names or edges (a client's end, a
 * rename followed).  Asked before each sleep: it costs no look at the
 * graph, where making the text costs O(nodes).
 */
static bool
ngd_journal_due(const struct ngd_journal *j)
{
	return *j->changes != j->seen || *j->dev_changes != j->dev_seen ||
	    ng_topo_gen(j->graph) != j->topo_seen ||
	    ng_graph_next_id(j->graph) != j->nextid_seen ||
	    ng_num_nodes(j->graph) != j->nodes_seen;
}

static void
ngd_journal_seen(struct ngd_journal *j)
{
	j->seen = *j->changes;
	j->dev_seen = *j->dev_changes;
	j->topo_seen = ng_topo_gen(j->graph);
	j->nextid_seen = ng_graph_next_id(j->graph);
	j->nodes_seen = ng_num_nodes(j->graph);
}

/*
 * Before each sleep: after a change (ngd_journal_due; and every
 * NGD_JOURNAL_CHECK_MS, for what changed by itself: an interface renamed
 * or moved, read again then), write what changed; a big graph is written
 * at most a fifth of the time.
 */
static int64_t
ngd_journal_before_sleep(void *arg)
{
	struct ngd_journal *j = arg;
	uint64_t now = ngd_clock_ms();
	int error;

	if (!j->enabled)
		return -1;
	if (!ngd_journal_due(j) && now < j->check_ms)
		return (int64_t)(j->check_ms - now);
	if (now < j->next_ms)
		return (int64_t)(j->next_ms - now);
	/* A request's changes are ngd's, whose interfaces' descriptions it
	 * keeps (fastpath.c); the periodic look, due however many requests
	 * come, reads them all again. */
	j->fresh = now >= j->check_ms;
	ngd_journal_seen(j);
	if (j->fresh)
		j->check_ms = now + NGD_JOURNAL_CHECK_MS;
	if ((error = ngd_journal_sync(j)) != 0)
		ngd_log(LOG_ERR, "journal %s: %s", j->path, strerror(error));
	j->fresh = false;
	j->next_ms = now + NGD_JOURNAL_COST * (ngd_clock_ms() - now);
	return (int64_t)(j->check_ms - now);
}

/* This namespace's directory locked, those of namespaces gone removed. */
static void
ngd_journal_lock_gc(struct ngd_journal *j)
{
	int error;

	if (!j->enabled)
		return;
	if ((error = ngd_journal_lock(j)) != 0) {
		ngd_log(LOG_WARNING,
		    "journal %s: no lock (%s): the journals "
		    "of namespaces gone are not removed",
		    j->dir, strerror(error));
		return;
	}
	ngd_journal_gc(j);
}

int
ngd_journal_init(struct ngd_journal *j, const char *base, struct ngd *d)
{
	memset(j, 0, sizeof(*j));
	j->lock_fd = -1;
	j->sockdev = d->sockdev;
	j->graph = d->graph;
	j->netdev = &d->netdev;
	j->changes = &d->ctl.changes;
	j->dev_changes = &d->netdev.changes;
	j->cookie = ngd_netdev_cookie(&d->netdev);
	if (base == NULL || base[0] == '\0')
		base = NGD_JOURNAL_DIR;
	snprintf(j->base, sizeof(j->base), "%s", base);
	snprintf(j->dir, sizeof(j->dir), "%s/%llu", base,
	    (unsigned long long)j->cookie);
	snprintf(j->path, sizeof(j->path), "%s/journal", j->dir);
	j->enabled = j->cookie != 0;
	if (!j->enabled)
		ngd_log(LOG_WARNING,
		    "no namespace cookie (Linux before 5.14): "
		    "no journal, a crash loses the graph");
	ngd_journal_lock_gc(j);
	ngd_loop_before_sleep(&d->loop, &j->hook, ngd_journal_before_sleep, j);
	return 0;
}

/* A clean stop: the graph is forgotten. */
void
ngd_journal_remove(struct ngd_journal *j)
{
	if (!j->enabled)
		return;
	(void)unlink(j->path);
	ngd_journal_unlock(j, true);
	(void)rmdir(j->dir);
	j->enabled = false;
}

/* The node the restored text called id (ngd makes ether nodes with IDs
 * of its own), or NULL. */
struct ng_node *
ngd_journal_node(struct ngd_journal *j, ng_id_t id)
{
	for (size_t lo = 0, hi = j->nids; lo < hi;) {
		size_t mid = (lo + hi) / 2;

		if (j->ids[mid].old == id)
			return ng_find_id(j->graph, j->ids[mid].now);
		if (j->ids[mid].old < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

void
ngd_journal_fini(struct ngd_journal *j)
{
	free(j->ids);
	j->ids = NULL;
	j->nids = 0;
	ngd_jmemo_destroy(j->memo);
	j->memo = NULL;
	free(j->text.p);
	free(j->last.p);
	free(j->text.sums);
	free(j->last.sums);
	memset(&j->text, 0, sizeof(j->text));
	memset(&j->last, 0, sizeof(j->last));
	j->enabled = false;
	ngd_journal_unlock(j, false);
}

/* --- restoring ------------------------------------------------------------- */

/* Undo ngd_journal_esc in place; false if malformed. */
static bool
ngd_journal_unesc(char *s)
{
	char *o = s;

	if (strcmp(s, "-") == 0) {
		s[0] = '\0';
		return true;
	}
	for (; *s != '\0'; s++) {
		unsigned v;

		if (*s != '%') {
			*o++ = *s;
			continue;
		}
		if (sscanf(s + 1, "%2x", &v) != 1 || s[1] == '\0' ||
		    s[2] == '\0' || v == 0)
			return false;
		*o++ = (char)v;
		s += 2;
	}
	*o = '\0';
	return true;
}

/* The node a journal's ID stands for now (it may have another), with a
 * reference: a node may shut down while the text is applied (a hub whose
 * only hook a later line could not connect). */
struct ngd_idmap {
	ng_id_t old;
	struct ng_node *node;
	bool made; /* by this text (not an ether node ngd made) */
};

/* The node old stands for, NULL if none or shut down since. */
static struct ng_node *
ngd_idmap_find(struct ngd_idmap *m, size_t n, ng_id_t old)
{
	for (size_t lo = 0, hi = n; lo < hi;) {
		size_t mid = (lo + hi) / 2;

		if (m[mid].old == old)
			return ng_node_valid(m[mid].node) ? m[mid].node : NULL;
		if (m[mid].old < old)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static int
ngd_journal_msg(struct ng_node *node, const char *cmd, const char *text)
{
	const struct ng_cmdlist *c = ng_find_cmd_name(node->type, cmd);
	struct ng_msgctx ctx = { .retaddr = 0 };
	struct ng_mesg *m;
	uint8_t *bin;
	size_t len = 0;
	int error = 0;

	if (c == NULL)
		return ENOSYS;
	if ((bin = malloc(NGD_JOURNAL_ROOM)) == NULL)
		return ENOMEM;
	if (c->mesg_type != NULL)
		error = ng_parse(c->mesg_type, text, bin, NGD_JOURNAL_ROOM,
		    &len);
	if (error == 0 && (m = ng_mkmsg(c->cookie, c->cmd, len)) == NULL)
		error = ENOMEM;
	if (error == 0) {
		memcpy(m->data, bin, len);
		error = ng_deliver_msg(node, &ctx, m);
		free(m);
	}
	free(bin);
	/* A stream's connect goes on by itself (ksocket). */
	return error == EINPROGRESS ? 0 : error;
}

/*
 * Check text whole (version, namespace, sum) before anything is built:
 * a journal is applied all or not at all.  *why says what is wrong.
 */
static bool
ngd_journal_valid(const struct ngd_journal *j, char *text, size_t len,
    const char **why)
{
	unsigned long long cookie, sum;
	char *end;
	int version;

	if (len == 0 || text[len - 1] != '\n' ||
	    memchr(text, '\0', len) != NULL) {
		*why = "damaged (not whole lines of text)";
		return false;
	}
	if (sscanf(text, "netgraph-journal %d\n", &version) != 1) {
		*why = "not a netgraph journal";
		return false;
	}
	if (version != NGD_JOURNAL_VERSION && version != 1) {
		*why = "of a version this ngd does not know";
		return false;
	}
	/* The last line is "end SUM" over all before it. */
	end = len >= 2 ? memrchr(text, '\n', len - 1) : NULL;
	end = end == NULL ? text : end + 1;
	if (sscanf(end, "end %llx\n", &sum) != 1 ||
	    sum !=
		(version == 1 ?
			ngd_fnv(text, (size_t)(end - text)) :
			ngd_journal_sum_all(text, (size_t)(end - text)))) {
		*why = "damaged (its sum does not match)";
		return false;
	}
	*end = '\0';
	if (sscanf(strchr(text, '\n') + 1, "netns %llu\n", &cookie) != 1 ||
	    cookie != j->cookie) {
		*why = "of another network namespace";
		return false;
	}
	return true;
}

/* A takeover: a ksocket node's socket, handed over, is its own again
 * (sockdev.c); a copy of fd, which the caller closes. */
static void
ngd_journal_adopt_sock(struct ngd_journal *j, struct ng_node *node, int fd)
{
	if (node->type == &ng_ksocket_type && j->sockdev != NULL)
		ngd_sockdev_expect(j->sockdev, node, dup(fd));
}

/* Rebuild the graph text describes (valid, see above); fds: devices of a
 * takeover by node ID, or NULL. */
static int
ngd_journal_apply(struct ngd_journal *j, char *text,
    const struct ngd_handed_fd *fds, size_t nfds, unsigned *nnodes)
{
	struct ngd_idmap *map = NULL;
	size_t nmap = 0, cap = 0;
	ng_id_t nextid = 0;
	char *line, *save = NULL;
	unsigned lineno = 0;
	int error = 0;
	char *dev_desc = NULL;
	ng_id_t dev_id = 0;
	struct {
		char *line;
		ng_id_t id;
	} pending = { NULL, 0 };

	*nnodes = 0;
	/*
	 * A node's dev line follows its node line, so a node is made once
	 * the next line has been seen: "pending" holds its node line.
	 */
	for (line = strtok_r(text, "\n", &save);;
	     line = strtok_r(NULL, "\n", &save)) {
		char kw[24], a[NG_NODESIZ * 3 + 1], b[NG_NODESIZ * 3 + 1];
		char c[NG_HOOKSIZ * 3 + 1], dd[NG_HOOKSIZ * 3 + 1];
		unsigned id, id2;
		int off = 0;

		lineno++;
		if (line != NULL &&
		    sscanf(line, "%23s %x %n", kw, &id, &off) == 2 &&
		    strcmp(kw, "dev") == 0 && pending.line != NULL &&
		    id == pending.id) {
			dev_desc = line + off;
			dev_id = id;
			continue;
		}
		if (pending.line != NULL) {
			struct ng_node *node = NULL, *have;
			struct ngd_idmap *nm;
			int fd = -1;

			if (sscanf(pending.line, "node %x %63s %95s", &id, a,
				b) != 3 ||
			    !ngd_journal_unesc(a) || !ngd_journal_unesc(b)) {
				error = EINVAL;
				break;
			}
			have = b[0] != '\0' ? ng_find_name(j->graph, b) : NULL;
			if (have != NULL && have->type == &ng_ether_type &&
			    strcmp(a, ng_ether_type.name) == 0)
				node = have; /* ngd made it for its interface */
			for (size_t i = 0; fds != NULL && i < nfds; i++)
				if (fds[i].id == id)
					fd = fds[i].fd;
			if (node == NULL &&
			    strcmp(a, ng_socket_type.name) == 0) {
				/* A takeover's: a client's connection, handed
				 * over too, gets it (ngd_ctl_adopt). */
				ng_graph_set_next_id(j->graph, id);
				error = ng_socket_create(j->graph, NULL, &node);
				if (error != 0) {
					ngd_log(LOG_ERR,
					    "takeover: socket node [%x]: %s; "
					    "left out",
					    id, strerror(error));
					error = 0;
				}
			} else if (node == NULL) {
				if (dev_desc != NULL && dev_id == id)
					ngd_netdev_expect(j->netdev, dev_desc,
					    fd >= 0 ? dup(fd) : -1);
				ng_graph_set_next_id(j->graph, id);
				error = ng_make_node(j->graph, a, &node);
				ngd_netdev_expect(j->netdev, NULL, -1);
				if (error != 0) {
					ngd_log(LOG_ERR,
					    "journal: node [%x] "
					    "(%s): %s; left out",
					    id, a, strerror(error));
					error = 0;
				}
			}
			if (node != NULL && fd >= 0)
				ngd_journal_adopt_sock(j, node, fd);
			if (node != NULL && b[0] != '\0' &&
			    strcmp(node->name, b) != 0) {
				struct ng_ifdev *d = node->type->netdev ?
				    node->type->netdev->ifdev(node) :
				    NULL;
				bool synced = d != NULL && d->synced;

				if (d !=
				    NULL) /* the interface keeps its name */
					d->synced = false;
				if (ng_name_node(node, b) != 0)
					ngd_log(LOG_WARNING,
					    "journal: [%x]: "
					    "name %s taken",
					    node->id, b);
				if (d != NULL)
					d->synced = synced;
			}
			if (node != NULL) {
				if (nmap == cap) {
					cap = cap ? 2 * cap : 64;
					nm = realloc(map, cap * sizeof(*map));
					if (nm == NULL) {
						if (node != have)
							ng_rmnode(node);
						error = ENOMEM;
						break;
					}
					map = nm;
				}
				ng_node_ref(node); /* until the end, below */
				map[nmap].old = id;
				map[nmap].made = node != have;
				map[nmap++].node = node;
				(*nnodes)++;
			}
			pending.line = NULL;
			dev_desc = NULL;
		}
		if (line == NULL)
			break;
		if (sscanf(line, "%23s", kw) != 1) {
			error = EINVAL;
			break;
		}
		if (strcmp(kw, "netgraph-journal") == 0 ||
		    strcmp(kw, "netns") == 0)
			continue;
		if (strcmp(kw, "nextid") == 0) {
			if (sscanf(line, "nextid %x", &id) != 1) {
				error = EINVAL;
				break;
			}
			nextid = id;
		} else if (strcmp(kw, "node") == 0) {
			if (sscanf(line, "node %x", &id) != 1 ||
			    (nmap > 0 && id <= map[nmap - 1].old)) {
				error = EINVAL;
				break;
			}
			pending.line = line;
			pending.id = id;
		} else if (strcmp(kw, "ifdev") == 0) {
			struct ng_node *node;
			struct ng_ifdev *d;
			int synced;

			if (sscanf(line, "ifdev %x synced=%d", &id, &synced) !=
			    2) {
				error = EINVAL;
				break;
			}
			node = ngd_idmap_find(map, nmap, id);
			if (node != NULL && node->type->netdev != NULL &&
			    (d = node->type->netdev->ifdev(node)) != NULL)
				d->synced = synced != 0;
		} else if (strcmp(kw, "hook") == 0) {
			struct ng_node *na, *nb;

			if (sscanf(line, "hook %x %95s %x %95s", &id, c, &id2,
				dd) != 4 ||
			    !ngd_journal_unesc(c) || !ngd_journal_unesc(dd)) {
				error = EINVAL;
				break;
			}
			na = ngd_idmap_find(map, nmap, id);
			nb = ngd_idmap_find(map, nmap, id2);
			if (na != NULL && nb != NULL &&
			    (error = ng_con_nodes(na, c, nb, dd)) != 0) {
				ngd_log(LOG_ERR,
				    "journal: [%x]:%s to [%x]:%s: "
				    "%s; left out",
				    id, c, id2, dd, strerror(error));
				error = 0;
			}
		} else if (strcmp(kw, "msg") == 0) {
			struct ng_node *node;
			char *text2;

			if (sscanf(line, "msg %x %31s %n", &id, a, &off) != 2 ||
			    !ngd_journal_unesc(text2 = line + off)) {
				error = EINVAL;
				break;
			}
			node = ngd_idmap_find(map, nmap, id);
			if (node != NULL &&
			    (error = ngd_journal_msg(node, a, text2)) != 0) {
				ngd_log(LOG_ERR,
				    "journal: [%x]: %s: %s; left "
				    "out",
				    id, a, strerror(error));
				error = 0;
			}
		} else {
			error = EINVAL;
			break;
		}
	}
	/* What each ID of the text is now, for a takeover's clients. */
	free(j->ids);
	j->ids = NULL;
	j->nids = 0;
	if (error == 0 && nmap > 0 &&
	    (j->ids = calloc(nmap, sizeof(*j->ids))) != NULL) {
		for (size_t i = 0; i < nmap; i++) {
			j->ids[i].old = map[i].old;
			j->ids[i].now = map[i].node->id;
		}
		j->nids = nmap;
	}
	/* All or nothing: a text not understood leaves no node of its own. */
	for (size_t i = 0; i < nmap; i++) {
		if (error != 0 && map[i].made && ng_node_valid(map[i].node))
			ng_rmnode(map[i].node);
		ng_node_unref(map[i].node);
	}
	free(map);
	if (error == 0) {
		ng_graph_set_next_id(j->graph, nextid);
		return 0;
	}
	*nnodes = 0;
	ngd_log(LOG_ERR, "journal %s: line %u: not understood", j->path,
	    lineno);
	return error;
}

int
ngd_journal_restore_text(struct ngd_journal *j, char *text, size_t len,
    const struct ngd_handed_fd *fds, size_t nfds, const char **why,
    unsigned *nnodes)
{
	int error;

	*nnodes = 0;
	if (!ngd_journal_valid(j, text, len, why))
		return EINVAL;
	error = ngd_journal_apply(j, text, fds, nfds, nnodes);
	if (j->sockdev != NULL)
		ngd_sockdev_expect_done(j->sockdev); /* sockets not taken */
	return error;
}

/* At start: the graph the last ngd of this namespace left, if any. */
int
ngd_journal_restore(struct ngd_journal *j)
{
	char bad[PATH_MAX + 64];
	const char *why = "unreadable";
	struct stat st;
	unsigned nnodes;
	uint64_t t0 = ngd_clock_ms();
	char *text;
	ssize_t n;
	int fd, error;

	if (!j->enabled)
		return 0;
	fd = open(j->path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0 : errno;
	if (fstat(fd, &st) < 0 ||
	    (text = malloc((size_t)st.st_size + 1)) == NULL) {
		close(fd);
		return ENOMEM;
	}
	n = read(fd, text, (size_t)st.st_size);
	close(fd);
	if (n == st.st_size)
		text[n] = '\0';
	error = n == st.st_size ?
	    ngd_journal_restore_text(j, text, (size_t)n, NULL, 0, &why,
		&nnodes) :
	    EIO;
	free(text);
	if (error != 0) {
		snprintf(bad, sizeof(bad), "%s.bad", j->path);
		(void)rename(j->path, bad);
		ngd_log(LOG_ERR,
		    "journal %s: %s; set aside as %s, starting "
		    "with an empty graph",
		    j->path, why, bad);
		return 0;
	}
	ngd_log(LOG_NOTICE, "journal %s: %u nodes restored in %llu ms", j->path,
	    nnodes, (unsigned long long)(ngd_clock_ms() - t0));
	j->restored = true;
	return 0;
}
