/*
 * journal.c: the graph written down, so that the next ngd can rebuild it
 * after a crash (DESIGN decision 12), and handed over as is in a takeover.
 * One text file per network namespace, <dir>/<netns cookie>/journal
 * (dir: -J, $NGD_JOURNAL_DIR or /run/netgraph): a snapshot of the graph,
 * replaced whole (written to a temporary file, then renamed), then
 * records appended to it, each what changed since the one before (see
 * ngd_journal_record), a request's before its answer goes back.  The
 * snapshot:
 *
 *   netgraph-journal 5                  the format's version
 *   netns 4099                          the namespace's cookie
 *   nextid 0000001a                     IDs are never reused
 *   node 00000002 eiface ng_host        ID, type, name ("-": none)
 *   dev 00000002 kind=tap name=...      what finds its device (netdev.c)
 *   ifdev 00000002 synced=1             node and interface names agree
 *   hook 0000000b link0 00000002 ether  edges, in the order they were made
 *   msg 0000000b setconfig { ... }      settings, the type's save method
 *   table 0000000b                      a learning switch's table
 *   msg 0000000b movehost { ... }       follows (its save_hosts method)
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
 * whole text) and 2 (no records: a takeover's text, a switching node's
 * table after its settings with no table line), 3 (no table lines: a
 * node's msgs line in a record wrote its table again too) and 4 (a
 * record's msgs line wrote the node's settings whole) are read as well.  Records are applied to the snapshot's text first
 * (ngd_journal_merge), and the text that makes is replayed as one.
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

#include <netgraph/ng_bpf.h>
#include <netgraph/ng_bridge.h>
#include <netgraph/ng_eiface.h>
#include <netgraph/ng_ether.h>
#include <netgraph/ng_iface.h>
#include <netgraph/ng_ksocket.h>
#include <netgraph/ng_nat.h>
#include <netgraph/ng_one2many.h>
#include <netgraph/ng_pipe.h>
#include <netgraph/ng_vlan.h>
#include <netgraph/ng_vxlan.h>

#include "ngd.h"
#include "ng_parse.h"

/* 1: the end line sums the text whole; 2: each line's sum, folded; 3: the
 * same, records after the end line; 4: a switching node's table apart
 * from its settings (its table line); 5: a record's msgs line may keep
 * the node's settings before it at their start and end (HEAD TAIL) */
#define NGD_JOURNAL_VERSION 5
#define NGD_JOURNAL_CHECK_MS 30000   /* look even with no request */
#define NGD_JOURNAL_RECS (64 * 1024) /* records written before a snapshot */
#define NGD_JOURNAL_MARKS 65536      /* changes kept before a snapshot */
#define NGD_JMARK_NODE 0x1u          /* its node, dev, ifdev lines */
#define NGD_JMARK_MSGS 0x2u          /* its save method's */
#define NGD_JMARK_TABLE 0x4u         /* its save_hosts method's */
#define NGD_JOURNAL_COST 4 /* idle at least 4x the time a write took */
#define NGD_JOURNAL_ROOM (20 * 1024) /* a message's binary form */
#define NGD_JOURNAL_STEP 4096        /* bytes compared at a time */
#define NGD_JBUF_KEEP (64 * 1024)    /* a text buffer never made smaller */
#define NGD_JBUF_WINDOW_MS 5000      /* shrunk at most this often */

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
 * The text is made in a buffer of the journal's own, kept (made smaller
 * only when a flood's table is gone, ngd_jbuf_fit):
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

/* What b holds now counted in its window's peak (after each text). */
static void
ngd_jbuf_used(struct ngd_jbuf *b)
{
	if (b->len > b->peak)
		b->peak = b->len;
	if (b->nsums > b->peaksums)
		b->peaksums = b->nsums;
}

/*
 * Give back what a flood's table made the buffers grow to, once it is
 * gone: at most every NGD_JBUF_WINDOW_MS, a buffer (text, or its line
 * sums) past NGD_JBUF_KEEP that used under a quarter of itself all that
 * time is made twice its most used (realloc gives the pages back: past
 * glibc's mmap threshold by mremap, in the heap at ngd's next trim).
 * Grown by doubling and shrunk to twice the need after a whole window
 * under a quarter, a table refilled or written now and then costs at
 * most one realloc a window, none a write.  live: what b holds is read
 * again (last, the file's text); text and rec are made anew each time,
 * so what they hold between two writes (the last text made, or the
 * older one swapped out of last) counts for nothing.
 */
static void
ngd_jbuf_fit(struct ngd_jbuf *b, uint64_t now, bool live)
{
	size_t cap;

	if (live)
		ngd_jbuf_used(b);
	if (now - b->since_ms < NGD_JBUF_WINDOW_MS)
		return;
	if (b->cap > NGD_JBUF_KEEP && b->peak < b->cap / 4) {
		char *p;

		if (!live) { /* what it holds is not read again */
			b->len = b->nsums = 0;
			b->p[0] = '\0';
		}

		for (cap = NGD_JBUF_KEEP; cap < 2 * b->peak + 1;)
			cap *= 2;
		if ((p = realloc(b->p, cap)) != NULL) {
			b->p = p;
			b->cap = cap;
		}
	}
	if (b->maxsums * sizeof(*b->sums) > NGD_JBUF_KEEP &&
	    b->peaksums < b->maxsums / 4) {
		uint64_t *a;

		cap = 2 * b->peaksums;
		if (cap < NGD_JBUF_KEEP / sizeof(*b->sums))
			cap = NGD_JBUF_KEEP / sizeof(*b->sums);
		if ((a = realloc(b->sums, cap * sizeof(*a))) != NULL) {
			b->sums = a;
			b->maxsums = cap;
		}
	}
	b->since_ms = now;
	b->peak = live ? b->len : 0;
	b->peaksums = live ? b->nsums : 0;
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
	/* Buckets for what is left: those a flood's table needed given
	 * back (grown again at n >= nb, so 2n here does not thrash). */
	if (m->nb > 256 && m->n < m->nb / 8) {
		size_t nb = 256;
		struct ngd_jmemo **b;

		while (nb < 2 * m->n)
			nb *= 2;
		if ((b = calloc(nb, sizeof(*b))) == NULL)
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

/*
 * A node's settings as the file holds them: its save method's messages,
 * in order, each a copy (header and argument) at off[i] in buf.  A
 * record compares a node's settings now with them and writes only the
 * messages between the ones the two share at their start and at their
 * end ("msgs ID HEAD TAIL"): a redirect added to a nat node of 1,000
 * writes its one line, where the node's every line was written again
 * (O(N^2) bytes for N added one by one).  The node's save still runs
 * whole, O(settings) in memory, but none of it is unparsed or written.
 */
struct ngd_jkept {
	size_t n, maxn, len, cap;
	size_t *off;
	uint8_t *buf;
	bool failed; /* out of memory: not all of them */
};

struct ngd_jsaved {
	ng_id_t id;
	struct ngd_jkept *kept;
};

static void
ngd_jkept_free(struct ngd_jkept *k)
{
	if (k == NULL)
		return;
	free(k->off);
	free(k->buf);
	free(k);
}

static void
ngd_jkept_add(struct ngd_jkept *k, const struct ng_mesg *msg)
{
	size_t size = sizeof(*msg) + msg->header.arglen;
	size_t need = (size + 8) & ~(size_t)7; /* a NUL after, as ng_mkmsg;
						* the next one aligned */

	if (k->failed)
		return;
	if (k->n == k->maxn) {
		size_t n = k->maxn ? 2 * k->maxn : 16;
		size_t *o = realloc(k->off, n * sizeof(*o));

		if (o == NULL) {
			k->failed = true;
			return;
		}
		k->off = o;
		k->maxn = n;
	}
	if (k->len + need > k->cap) {
		size_t cap = k->cap ? k->cap : 1024;
		uint8_t *b;

		while (cap < k->len + need)
			cap *= 2;
		if ((b = realloc(k->buf, cap)) == NULL) {
			k->failed = true;
			return;
		}
		k->buf = b;
		k->cap = cap;
	}
	memcpy(k->buf + k->len, msg, size);
	k->buf[k->len + size] = '\0';
	k->off[k->n++] = k->len;
	k->len += need;
}

static const struct ng_mesg *
ngd_jkept_at(const struct ngd_jkept *k, size_t i)
{
	return (const struct ng_mesg *)(const void *)(k->buf + k->off[i]);
}

/* Whether message i of a and message k of b would make the same line. */
static bool
ngd_jkept_same(const struct ngd_jkept *a, size_t i, const struct ngd_jkept *b,
    size_t k)
{
	const struct ng_mesg *x = ngd_jkept_at(a, i), *y = ngd_jkept_at(b, k);

	return x->header.typecookie == y->header.typecookie &&
	    x->header.cmd == y->header.cmd &&
	    x->header.arglen == y->header.arglen &&
	    memcmp(x->data, y->data, x->header.arglen) == 0;
}

/* The saved entry of id, or NULL (j->saved is by ID). */
static struct ngd_jsaved *
ngd_jsaved_find(struct ngd_journal *j, ng_id_t id, size_t *at)
{
	size_t lo = 0, hi = j->nsaved;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (j->saved[mid].id == id) {
			*at = mid;
			return &j->saved[mid];
		}
		if (j->saved[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	*at = lo;
	return NULL;
}

/* Entry id's settings are now k's (taken); out of memory, id has no
 * entry (its next record writes them whole). */
static void
ngd_jsaved_put(struct ngd_journal *j, ng_id_t id, struct ngd_jkept *k)
{
	struct ngd_jsaved *e;
	size_t at;

	if ((e = ngd_jsaved_find(j, id, &at)) != NULL) {
		ngd_jkept_free(e->kept);
		e->kept = k;
		return;
	}
	if (j->nsaved == j->maxsaved) {
		size_t n = j->maxsaved ? 2 * j->maxsaved : 64;

		if ((e = realloc(j->saved, n * sizeof(*e))) == NULL) {
			ngd_jkept_free(k);
			return;
		}
		j->saved = e;
		j->maxsaved = n;
	}
	memmove(&j->saved[at + 1], &j->saved[at],
	    (j->nsaved - at) * sizeof(*j->saved));
	j->saved[at].id = id;
	j->saved[at].kept = k;
	j->nsaved++;
}

static void
ngd_jsaved_drop(struct ngd_journal *j, ng_id_t id)
{
	struct ngd_jsaved *e;
	size_t at;

	if ((e = ngd_jsaved_find(j, id, &at)) == NULL)
		return;
	ngd_jkept_free(e->kept);
	memmove(e, e + 1, (j->nsaved - at - 1) * sizeof(*e));
	j->nsaved--;
}

static void
ngd_jsaved_clear(struct ngd_journal *j)
{
	for (size_t i = 0; i < j->nsaved; i++)
		ngd_jkept_free(j->saved[i].kept);
	j->nsaved = 0;
}

struct ngd_save_ctx {
	struct ngd_jbuf *b;
	struct ngd_jmemos *memo; /* NULL: none */
	bool record; /* a record's: lines looked up, not kept (no pass) */
	struct ngd_jkept *keep; /* NULL: none; else a copy of each message */
	bool quiet;             /* kept only, no line written */
	/* The snapshot's text this one replaces (j->last), whose tables
	 * that have not moved are copied from it; NULL: none. */
	const struct ngd_jbuf *prev;
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

	if (sc->keep != NULL)
		ngd_jkept_add(sc->keep, msg);
	if (sc->quiet)
		return 0;
	if (sc->memo != NULL && msg->header.arglen <= NGD_JMEMO_MAX) {
		h = ngd_jmemo_hash(node->type, msg);
		e = ngd_jmemo_find(sc->memo, node->type, msg, h);
	}
	if (e != NULL) { /* as the last text wrote it */
		ngd_jbuf_puts(sc->b, "msg ");
		ngd_jbuf_id(sc->b, node->id, ' ');
		ngd_jbuf_put(sc->b, e->text, e->tlen);
		if (!sc->record && e->pass != sc->memo->pass) {
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
	if (sc->memo != NULL && !sc->record &&
	    msg->header.arglen <= NGD_JMEMO_MAX)
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
				/* a hook to its own node: its peer was made
				 * right after it, and goes with it */
				if (b->next != p && !force &&
				    !(b == a && ngd_hook_newer(h) == p))
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
		force = !moved; /* none could go: one out of turn, so it ends */
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

/* A node's lines: its node line, and an interface's dev and ifdev. */
static void
ngd_journal_node_lines(struct ngd_jbuf *b, struct ng_node *n, bool fresh)
{
	struct ng_ifdev *d;
	char desc[512];

	ngd_jbuf_puts(b, "node ");
	ngd_jbuf_id(b, n->id, ' ');
	ngd_jbuf_puts(b, n->type->name);
	ngd_jbuf_putc(b, ' ');
	ngd_journal_esc(b, n->name);
	ngd_jbuf_putc(b, '\n');
	if (n->type->netdev == NULL || n->priv == NULL ||
	    (d = n->type->netdev->ifdev(n)) == NULL)
		return;
	if (d->dev != NULL &&
	    ngd_netdev_describe(d->dev, desc, sizeof(desc), fresh) == 0) {
		ngd_jbuf_puts(b, "dev ");
		ngd_jbuf_id(b, n->id, ' ');
		ngd_jbuf_puts(b, desc);
		ngd_jbuf_putc(b, '\n');
	}
	ngd_jbuf_puts(b, "ifdev ");
	ngd_jbuf_id(b, n->id, ' ');
	ngd_jbuf_puts(b, d->synced ? "synced=1\n" : "synced=0\n");
}

/*
 * A switching node's learned table is soft state (struct
 * ng_switch_methods, save_hosts): written whole in every snapshot, and
 * in a record only when it moved since it was last written (its gen, or
 * its room: hosts the kernel fast path learned come in without moving
 * gen), not with every message that changed the node's settings, which
 * would have a setconfig to a bridge of 100,000 hosts write them all
 * before its answer (~6 MB: 193 ms where 1.2 ms).  j->tables holds each
 * such node's table as last written.
 */
static bool
ngd_journal_has_table(const struct ng_node *n)
{
	return n->type->switching != NULL &&
	    n->type->switching->save_hosts != NULL;
}

static struct ngd_jtable *
ngd_journal_tab_find(struct ngd_journal *j, ng_id_t id)
{
	for (size_t i = 0; i < j->ntables; i++)
		if (j->tables[i].id == id)
			return &j->tables[i];
	return NULL;
}

static void
ngd_journal_tab_now(struct ng_node *n, uint64_t *gen, uint32_t *room)
{
	const struct ng_switch_methods *sw = n->type->switching;

	*gen = sw->gen != NULL ? sw->gen(n) : 0;
	*room = sw->room != NULL ? sw->room(n) : 0;
}

/* Whether n's table moved since it was last written (a type with no gen:
 * always). */
static bool
ngd_journal_tab_moved(struct ngd_journal *j, struct ng_node *n)
{
	struct ngd_jtable *t = ngd_journal_tab_find(j, n->id);
	uint64_t gen;
	uint32_t room;

	if (t == NULL || n->type->switching->gen == NULL)
		return true;
	ngd_journal_tab_now(n, &gen, &room);
	return t->gen != gen || t->room != room;
}

/* n's table written as it is now (out of memory, not noted: it is
 * written again next time). */
static void
ngd_journal_tab_note(struct ngd_journal *j, struct ng_node *n)
{
	struct ngd_jtable *t = ngd_journal_tab_find(j, n->id);

	/* the nodes gone leave their places to the new */
	for (size_t i = 0; i < j->ntables && t == NULL; i++)
		if (!ng_node_valid(ng_find_id(j->graph, j->tables[i].id)))
			t = &j->tables[i];
	if (t == NULL) {
		t = realloc(j->tables, (j->ntables + 1) * sizeof(*t));
		if (t == NULL)
			return;
		j->tables = t;
		t = &j->tables[j->ntables++];
		t->id = 0;
	}
	if (t->id != n->id) /* (a place new, or a gone node's) */
		t->in_last = false;
	t->id = n->id;
	ngd_journal_tab_now(n, &t->gen, &t->room);
}

/*
 * Node id's table lines (its "msg ID" lines after its "table ID" line)
 * copied from the snapshot's text prev to b: a look at a graph whose
 * bridge holds 100,000 idle hosts made their 100,000 lines again every
 * 30 s (~0.1 s of CPU) to find the same text.  false: prev has none.
 */
static bool
ngd_journal_tab_copy(struct ngd_jbuf *b, const struct ngd_jbuf *prev,
    ng_id_t id)
{
	char head[32], msg[16];
	const char *at, *end, *e;
	size_t hl, ml;

	if (prev == NULL || prev->p == NULL || prev->len == 0)
		return false;
	hl = (size_t)snprintf(head, sizeof(head), "\ntable %08x\n", id);
	ml = (size_t)snprintf(msg, sizeof(msg), "msg %08x ", id);
	end = prev->p + prev->len;
	if ((at = memmem(prev->p, prev->len, head, hl)) == NULL)
		return false;
	at += hl;
	for (e = at; (size_t)(end - e) > ml && memcmp(e, msg, ml) == 0;) {
		const char *nl = memchr(e, '\n', (size_t)(end - e));

		if (nl == NULL)
			return false;
		e = nl + 1;
	}
	ngd_jbuf_put(b, at, (size_t)(e - at));
	return !b->failed;
}

/* A node's msg lines: its settings, then a switching node's table
 * (version 4 and on: after its table line, and noted as written).  Only
 * the settings are kept (sc->keep): the table is no part of them (the
 * reader's, ngd_jm_line), and a bridge's 65,536 hosts kept there held
 * ~8.5 MB until its next snapshot after the flood. */
static int
ngd_journal_save(struct ngd_journal *j, struct ngd_save_ctx *sc,
    struct ng_node *n, int version)
{
	struct ngd_jkept *keep = sc->keep;
	struct ngd_jtable *t;
	uint64_t gen;
	uint32_t room;
	bool same;
	int error = 0;

	if (n->type->save != NULL)
		error = n->type->save(n, ngd_journal_emit, sc);
	if (error != 0 || !ngd_journal_has_table(n))
		return error;
	if (version < 4) {
		sc->keep = NULL;
		error = n->type->switching->save_hosts(n, ngd_journal_emit, sc);
		sc->keep = keep;
		return error;
	}
	ngd_jbuf_puts(sc->b, "table ");
	ngd_jbuf_id(sc->b, n->id, '\n');
	if (j->skeleton)
		return 0; /* (ngd_journal_snapshot) */
	/* (a type with no gen: made anew each time) */
	ngd_journal_tab_now(n, &gen, &room);
	t = ngd_journal_tab_find(j, n->id);
	same = sc->prev != NULL && t != NULL && t->in_last &&
	    n->type->switching->gen != NULL && t->last_gen == gen &&
	    t->last_room == room;
	if (!same || !ngd_journal_tab_copy(sc->b, sc->prev, n->id)) {
		sc->keep = NULL;
		error = n->type->switching->save_hosts(n, ngd_journal_emit, sc);
		sc->keep = keep;
	}
	ngd_journal_tab_note(j, n);
	if ((t = ngd_journal_tab_find(j, n->id)) != NULL) {
		t->in_last = sc->prev != NULL && error == 0;
		t->last_gen = gen;
		t->last_room = room;
	}
	return error;
}

/* The journal's text for graph g into b (emptied first; failed if out
 * of memory), of the version given; sockets: with the socket nodes and
 * their hooks (a takeover's). */
static int
ngd_journal_make(struct ngd_journal *j, struct ngd_jbuf *b,
    const struct ngd_jbuf *prev, bool sockets, int version)
{
	struct ngd_save_ctx sc = { .b = b, .prev = prev };
	struct ngd_jsaved *saved = NULL, *old = j->saved;
	size_t nsaved = 0, nold = j->nsaved, o = 0;
	struct ngd_jnode *jn;
	struct ng_node *n;
	size_t nn = 0;
	int error = 0;

	b->len = 0;
	b->failed = false;
	if (j->memo == NULL)
		j->memo = calloc(1, sizeof(*j->memo)); /* NULL: none kept */
	if ((!j->skeleton || j->skel_memo) && (sc.memo = j->memo) != NULL) {
		sc.memo->pass++;
		sc.memo->used = 0;
	}
	if ((jn = calloc(ng_num_nodes(j->graph) + 1, sizeof(*jn))) == NULL)
		return ENOMEM;
	ngd_jbuf_printf(b, "netgraph-journal %d\nnetns %llu\nnextid ", version,
	    (unsigned long long)j->cookie);
	ngd_jbuf_id(b, ng_graph_next_id(j->graph), '\n');
	for (n = ng_first_node(j->graph); n != NULL; n = n->next) {
		if (ngd_journal_skip(n, sockets))
			continue;
		jn[nn++].node = n;
		ngd_journal_node_lines(b, n, sockets || j->fresh);
	}
	ngd_journal_hooks(b, jn, nn);
	/* The file's text (version 5 on): each node's settings kept as it
	 * writes them, in ID order, in the buffers of the ones before. */
	if (version >= 5 && (saved = calloc(nn + 1, sizeof(*saved))) == NULL)
		ngd_jsaved_clear(j); /* records write settings whole */
	for (size_t i = 0; i < nn && error == 0; i++) {
		struct ngd_jkept *k = NULL;

		n = jn[i].node;
		while (saved != NULL && o < nold && old[o].id < n->id)
			ngd_jkept_free(old[o++].kept); /* a node gone */
		if (saved != NULL && n->type->save != NULL) {
			if (o < nold && old[o].id == n->id)
				k = old[o++].kept;
			else
				k = calloc(1, sizeof(*k));
		}
		if (k != NULL) {
			k->n = k->len = 0;
			k->failed = false;
		}
		sc.keep = k;
		error = ngd_journal_save(j, &sc, n, version);
		sc.keep = NULL;
		if (k != NULL && !k->failed) {
			saved[nsaved].id = n->id;
			saved[nsaved++].kept = k;
		} else
			ngd_jkept_free(k);
	}
	free(jn);
	if (saved != NULL) { /* the new, whole or not at all */
		while (o < nold)
			ngd_jkept_free(old[o++].kept);
		free(old);
		j->saved = saved;
		j->nsaved = nsaved;
		j->maxsaved = nn + 1;
		if (error != 0)
			ngd_jsaved_clear(j);
	}
	if (error == 0)
		ngd_jmemo_sweep(sc.memo);
	if (error == 0 && b->failed)
		error = ENOMEM;
	if (error != 0)
		return error;
	/* The end line and its sum of all that comes before it. */
	b->end = ngd_journal_sum(b, prev);
	ngd_jbuf_printf(b, "end %016llx\n", (unsigned long long)b->end);
	ngd_jbuf_used(b);
	return b->failed ? ENOMEM : 0;
}

/* The same in a new buffer: malloc'd into *textp, *lenp bytes.  Version
 * 2: a takeover's text has no records, and an older ngd reads it. */
int
ngd_journal_text(struct ngd_journal *j, char **textp, size_t *lenp,
    bool sockets)
{
	struct ngd_jbuf b = { .p = NULL };
	int error;

	*textp = NULL;
	error = ngd_journal_make(j, &b, NULL, sockets, 2);
	free(b.sums);
	if (error != 0) {
		free(b.p);
		return error;
	}
	*textp = b.p;
	*lenp = b.len;
	return 0;
}

/* len bytes at off of fd, all of them; 0 or an errno. */
static int
ngd_journal_pwrite(int fd, const char *p, size_t len, size_t off)
{
	while (len > 0) {
		ssize_t w = pwrite(fd, p, len, (off_t)off);

		if (w < 0 && errno != EINTR)
			return errno;
		if (w > 0) {
			p += w;
			len -= (size_t)w;
			off += (size_t)w;
		}
	}
	return 0;
}

/* Write a snapshot to the journal file: a temporary file renamed over
 * it, kept open (*fdp) for the records that follow. */
static int
ngd_journal_put(struct ngd_journal *j, const char *text, size_t len, int *fdp)
{
	char tmp[PATH_MAX + 64];
	int fd, error;

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
	error = ngd_journal_pwrite(fd, text, len, 0);
	if (error == 0 && rename(tmp, j->path) < 0)
		error = errno;
	if (error != 0) {
		(void)unlink(tmp);
		close(fd);
		return error;
	}
	*fdp = fd;
	return 0;
}

static void
ngd_journal_forget(struct ngd_journal *j)
{
	j->nmarks = 0;
	j->nedges = 0;
	j->overflow = false;
}

static void
ngd_journal_close(struct ngd_journal *j)
{
	if (j->fd >= 0)
		close(j->fd);
	j->fd = -1;
}

/*
 * Write the whole text as the file's snapshot, unless the file holds
 * exactly it already (no record since, the same text).  O(graph): done
 * first, when the records have grown past it (NGD_JOURNAL_RECS), after
 * devices came home, and at the periodic look.
 */
/* last does not hold the text just made: no table is copied from it. */
static void
ngd_journal_tabs_unlast(struct ngd_journal *j)
{
	for (size_t i = 0; i < j->ntables; i++)
		j->tables[i].in_last = false;
	j->skel_ok = false;
}

/* Every switching node's table as the snapshot's text (last) has it. */
static bool
ngd_journal_tabs_same(struct ngd_journal *j)
{
	for (struct ng_node *n = ng_first_node(j->graph); n != NULL;
	     n = n->next) {
		struct ngd_jtable *t;
		uint64_t gen;
		uint32_t room;

		if (!ngd_journal_has_table(n))
			continue;
		t = ngd_journal_tab_find(j, n->id);
		if (t == NULL || !t->in_last || n->type->switching->gen == NULL)
			return false;
		ngd_journal_tab_now(n, &gen, &room);
		if (t->last_gen != gen || t->last_room != room)
			return false;
	}
	return true;
}

/* The text without its tables' lines into b; memo: with the memo's pass
 * (its lines not used, the tables', dropped after). */
static int
ngd_journal_skeleton(struct ngd_journal *j, struct ngd_jbuf *b, bool memo)
{
	int error;

	j->skeleton = true;
	j->skel_memo = memo;
	error = ngd_journal_make(j, b, NULL, false, NGD_JOURNAL_VERSION);
	j->skeleton = j->skel_memo = false;
	return error;
}

/* last, just made or found the file's, without its tables' lines: the
 * interfaces as last read (no fresh reading), no memo pass. */
static void
ngd_journal_skel_keep(struct ngd_journal *j)
{
	bool fresh = j->fresh;

	j->fresh = false;
	j->skel_ok = ngd_journal_skeleton(j, &j->skel_last, false) == 0;
	j->fresh = fresh;
}

static int
ngd_journal_snapshot(struct ngd_journal *j)
{
	struct ngd_jbuf t;
	struct stat st;
	int error, fd;

	ngd_journal_forget(j);
	/*
	 * The tables as the file has them: the rest made first (O(nodes and
	 * settings)) and, if it is last's, nothing to write; at a look at a
	 * bridge of 10^6 idle hosts the whole text (68 MB) was made again,
	 * 0.5-1.3 s of CPU and as many MB held for it, to find it the same.
	 */
	if (j->skel_ok && j->fd >= 0 && j->rec_len == 0 &&
	    ngd_journal_tabs_same(j) &&
	    ngd_journal_skeleton(j, &j->skel, true) == 0 &&
	    j->skel.len == j->skel_last.len &&
	    memcmp(j->skel.p, j->skel_last.p, j->skel.len) == 0 &&
	    fstat(j->fd, &st) == 0 && st.st_nlink > 0)
		return 0;
	if ((error = ngd_journal_make(j, &j->text, &j->last, false,
		 NGD_JOURNAL_VERSION)) != 0) {
		ngd_journal_close(j); /* the next write is a snapshot */
		ngd_journal_tabs_unlast(j);
		return error;
	}
	if (j->fd >= 0 && j->rec_len == 0 && j->last.p != NULL &&
	    j->text.len == j->last.len &&
	    memcmp(j->text.p, j->last.p, j->text.len) == 0 &&
	    fstat(j->fd, &st) == 0 && st.st_nlink > 0) {
		ngd_journal_skel_keep(j);
		return 0;
	}
	if ((error = ngd_journal_put(j, j->text.p, j->text.len, &fd)) != 0) {
		ngd_journal_close(j); /* the file still holds what it held */
		ngd_journal_tabs_unlast(j);
		return error;
	}
	ngd_journal_close(j);
	j->fd = fd;
	j->snap_len = j->text.len;
	j->rec_len = 0;
	j->chain = j->text.end;
	t = j->last; /* the buffers trade places, both kept */
	j->last = j->text;
	j->text = t;
	ngd_journal_skel_keep(j);
	return 0;
}

static int
ngd_jmark_cmp(const void *a, const void *b)
{
	const struct ngd_jmark *x = a, *y = b;

	return x->id < y->id ? -1 : x->id > y->id;
}

/* The sum of a record's lines (each '\n'-ended), folded on from h. */
static uint64_t
ngd_journal_sum_from(uint64_t h, const char *s, size_t n)
{
	const char *e = s + n, *nl;

	for (; s < e && (nl = memchr(s, '\n', (size_t)(e - s))) != NULL;
	     s = nl + 1)
		h = ngd_journal_fold(h, ngd_fnv(s, (size_t)(nl + 1 - s)));
	return h;
}

/*
 * A record's lines for n's settings: those between the messages its
 * settings now share with the file's at their start (HEAD of them) and
 * at their end (TAIL), after "msgs ID HEAD TAIL"; none if nothing
 * changed; all, after "msgs ID", for a node whose settings the journal
 * does not hold (new, or out of memory).  O(settings) compared, what
 * changed unparsed and written.
 */
static int
ngd_journal_record_msgs(struct ngd_journal *j, struct ngd_save_ctx *sc,
    struct ng_node *n)
{
	struct ngd_jkept *now = j->scratch, *was = NULL;
	struct ngd_jsaved *e;
	size_t at, head = 0, tail = 0, m;
	int error;

	if (now == NULL)
		now = j->scratch = calloc(1, sizeof(*now));
	if (now == NULL) { /* out of memory: whole, and no longer held */
		ngd_jsaved_drop(j, n->id);
		ngd_jbuf_puts(sc->b, "msgs ");
		ngd_jbuf_id(sc->b, n->id, '\n');
		return n->type->save(n, ngd_journal_emit, sc);
	}
	now->n = now->len = 0;
	now->failed = false;
	sc->keep = now;
	sc->quiet = true;
	error = n->type->save(n, ngd_journal_emit, sc);
	sc->keep = NULL;
	sc->quiet = false;
	if (error != 0)
		return error;
	if ((e = ngd_jsaved_find(j, n->id, &at)) != NULL && !now->failed)
		was = e->kept;
	if (was != NULL) {
		m = was->n < now->n ? was->n : now->n;
		while (head < m && ngd_jkept_same(was, head, now, head))
			head++;
		while (tail < m - head &&
		    ngd_jkept_same(was, was->n - 1 - tail, now,
			now->n - 1 - tail))
			tail++;
		if (head == was->n && was->n == now->n)
			return 0; /* the same settings */
	}
	ngd_jbuf_puts(sc->b, "msgs ");
	if (head > 0 || tail > 0) {
		ngd_jbuf_id(sc->b, n->id, ' ');
		ngd_jbuf_printf(sc->b, "%zu %zu\n", head, tail);
	} else
		ngd_jbuf_id(sc->b, n->id, '\n');
	if (now->failed) { /* out of memory: whole, and no longer held */
		ngd_jsaved_drop(j, n->id);
		return n->type->save(n, ngd_journal_emit, sc);
	}
	for (size_t i = head; i < now->n - tail && error == 0; i++)
		error = ngd_journal_emit(sc, n, ngd_jkept_at(now, i));
	if (error != 0)
		return error;
	/* now is what the file holds once the record is written (if it is
	 * not, the next write is a snapshot, which notes them all again) */
	if (e != NULL) {
		j->scratch = e->kept;
		e->kept = now;
	} else {
		j->scratch = NULL;
		ngd_jsaved_put(j, n->id, now);
	}
	return 0;
}

/*
 * Append what changed since the last write as one record: the lines of
 * each node marked (its node lines; "msgs ID" and its save method's
 * lines when its settings may have changed; "table ID" and a switching
 * node's table when it moved), the edges made ("hook",
 * as in a snapshot: appended to the edges) and cut ("unhook ID HOOK"),
 * "drop ID" for a node gone, nextid, and "commit SUM": the lines' sums
 * folded on from the last record's (the snapshot's end line at first).
 * The next ngd applies a record whole or not at all (a torn one, the
 * last, is one whose write a crash cut short: its request had no
 * answer).  O(what changed), and one write.
 */
static int
ngd_journal_record(struct ngd_journal *j)
{
	struct ngd_jbuf *b = &j->rec;
	struct ngd_save_ctx sc = { .b = b, .memo = j->memo, .record = true };
	size_t k = 0;
	int error = 0;

	b->len = 0;
	b->failed = false;
	qsort(j->marks, j->nmarks, sizeof(*j->marks), ngd_jmark_cmp);
	for (size_t i = 0; i < j->nmarks; i++) { /* one a node, what ORed */
		if (k > 0 && j->marks[k - 1].id == j->marks[i].id)
			j->marks[k - 1].what |= j->marks[i].what;
		else
			j->marks[k++] = j->marks[i];
	}
	j->nmarks = k;
	for (size_t i = 0; i < j->nmarks && error == 0; i++) {
		struct ng_node *n = ng_find_id(j->graph, j->marks[i].id);

		if (n == NULL || ngd_journal_skip(n, false))
			continue;
		if (j->marks[i].what & NGD_JMARK_NODE)
			ngd_journal_node_lines(b, n, false);
		if ((j->marks[i].what & NGD_JMARK_MSGS) &&
		    n->type->save != NULL)
			error = ngd_journal_record_msgs(j, &sc, n);
		if ((j->marks[i].what & NGD_JMARK_TABLE) &&
		    ngd_journal_has_table(n) && error == 0) {
			ngd_jbuf_puts(b, "table ");
			ngd_jbuf_id(b, n->id, '\n');
			ngd_journal_tab_note(j, n);
			error = n->type->switching->save_hosts(n,
			    ngd_journal_emit, &sc);
		}
	}
	for (size_t i = 0; i < j->nedges; i++) {
		const struct ngd_jedge *e = &j->edges[i];

		ngd_jbuf_puts(b, e->made ? "hook " : "unhook ");
		ngd_jbuf_id(b, e->a, ' ');
		ngd_journal_esc(b, e->ha);
		if (e->made) {
			ngd_jbuf_putc(b, ' ');
			ngd_jbuf_id(b, e->b, ' ');
			ngd_journal_esc(b, e->hb);
		}
		ngd_jbuf_putc(b, '\n');
	}
	for (size_t i = 0; i < j->nmarks; i++) {
		struct ng_node *n = ng_find_id(j->graph, j->marks[i].id);

		if (n == NULL || !ng_node_valid(n)) {
			ngd_jbuf_puts(b, "drop ");
			ngd_jbuf_id(b, j->marks[i].id, '\n');
			ngd_jsaved_drop(j, j->marks[i].id);
		}
	}
	ngd_jbuf_puts(b, "nextid ");
	ngd_jbuf_id(b, ng_graph_next_id(j->graph), '\n');
	if (error == 0 && b->failed)
		error = ENOMEM;
	if (error != 0) { /* what changed is still to write: a snapshot */
		ngd_journal_close(j);
		return error;
	}
	j->chain = ngd_journal_sum_from(j->chain, b->p, b->len);
	ngd_jbuf_printf(b, "commit %016llx\n", (unsigned long long)j->chain);
	ngd_jbuf_used(b);
	if (b->failed)
		error = ENOMEM;
	else
		error = ngd_journal_pwrite(j->fd, b->p, b->len,
		    j->snap_len + j->rec_len);
	if (error != 0) { /* no torn record left: the next is a snapshot */
		(void)ftruncate(j->fd, (off_t)(j->snap_len + j->rec_len));
		ngd_journal_close(j);
		return error;
	}
	j->rec_len += b->len;
	ngd_journal_forget(j);
	return 0;
}

static bool
ngd_journal_pending(const struct ngd_journal *j)
{
	return j->nmarks > 0 || j->nedges > 0 || j->overflow ||
	    *j->dev_changes != j->dev_seen;
}

/*
 * Write what changed: a record, or a snapshot when there is no file yet
 * (the first write, or after a failed one), when it was replaced or
 * removed under us (a takeover's new ngd wrote its own), when devices
 * came home (events: netdev.c says which nodes no more than that some
 * did), or
 * when the records have grown as long as the snapshot
 * (NGD_JOURNAL_RECS): the next ngd reads at most about twice the
 * graph's text, and a snapshot's bytes are paid for by as many bytes of
 * records, so a change costs what it wrote, twice at most.
 */
static int
ngd_journal_write(struct ngd_journal *j, bool events)
{
	struct stat st;

	if (events && *j->dev_changes != j->dev_seen) {
		j->dev_seen = *j->dev_changes;
		j->overflow = true;
	}
	if (j->fd < 0 || j->overflow ||
	    j->rec_len > (j->snap_len > NGD_JOURNAL_RECS ? j->snap_len :
							   NGD_JOURNAL_RECS) ||
	    fstat(j->fd, &st) < 0 || st.st_nlink == 0)
		return ngd_journal_snapshot(j);
	if (j->nmarks == 0 && j->nedges == 0)
		return 0;
	return ngd_journal_record(j);
}

/* Write the journal now, whole (a takeover given up: the new ngd may
 * have written its own). */
int
ngd_journal_sync(struct ngd_journal *j)
{
	if (!j->enabled)
		return 0;
	ngd_journal_close(j);
	return ngd_journal_snapshot(j);
}

/* --- what changed ---------------------------------------------------------- */

static void
ngd_journal_mark(struct ngd_journal *j, ng_id_t id, unsigned what)
{
	if (j->overflow)
		return;
	if (j->nmarks == j->maxmarks) {
		size_t n = j->maxmarks ? 2 * j->maxmarks : 64;
		struct ngd_jmark *m;

		if (n > NGD_JOURNAL_MARKS ||
		    (m = realloc(j->marks, n * sizeof(*m))) == NULL) {
			j->overflow = true; /* a snapshot holds it all */
			return;
		}
		j->marks = m;
		j->maxmarks = n;
	}
	j->marks[j->nmarks].id = id;
	j->marks[j->nmarks++].what = what;
}

/* The core's watch: a node made (all of it to write), renamed, gone.
 * Client socket nodes are not written. */
static void
ngd_journal_watch_node(void *arg, struct ng_node *node, enum ng_watch_what what)
{
	struct ngd_journal *j = arg;

	if (node->type == &ng_socket_type)
		return;
	ngd_journal_mark(j, node->id,
	    what == NG_WATCH_MADE ?
		NGD_JMARK_NODE | NGD_JMARK_MSGS | NGD_JMARK_TABLE :
		NGD_JMARK_NODE);
}

static void
ngd_journal_watch_edge(void *arg, const struct ng_hook *a,
    const struct ng_hook *b, bool made)
{
	struct ngd_journal *j = arg;
	struct ngd_jedge *e;

	if (a->node->type == &ng_socket_type ||
	    b->node->type == &ng_socket_type || j->overflow)
		return;
	if (j->nedges == j->maxedges) {
		size_t n = j->maxedges ? 2 * j->maxedges : 16;

		if (n > NGD_JOURNAL_MARKS ||
		    (e = realloc(j->edges, n * sizeof(*e))) == NULL) {
			j->overflow = true;
			return;
		}
		j->edges = e;
		j->maxedges = n;
	}
	e = &j->edges[j->nedges++];
	e->a = a->node->id;
	e->b = b->node->id;
	memcpy(e->ha, a->name, sizeof(e->ha));
	memcpy(e->hb, b->name, sizeof(e->hb));
	e->made = made;
}

/*
 * Messages that change nothing the journal holds: the generic ones (but
 * a config text), the counters' and captures', and each type's reads of
 * its settings, counters and tables (a bridge's table read imports what
 * the kernel fast path learned: see ngd_journal_msg_done).  Any other
 * message of a node's own type may change its settings (its save
 * method's lines, compared with the file's and written where they
 * differ: see ngd_journal_record_msgs); the generic ones that change
 * the graph are the watch's.
 */
static bool
ngd_journal_reads_only(const struct ng_mesg *m)
{
	uint32_t c = m->header.cmd;

	switch (m->header.typecookie) {
	case NGM_GENERIC_COOKIE:
		return c != NGM_TEXT_CONFIG;
	case NGM_HOOKSTAT_COOKIE:
		return true;
	case NGM_EIFACE_COOKIE:
		return c == NGM_EIFACE_GET_IFNAME;
	case NGM_IFACE_COOKIE:
		return c == NGM_IFACE_GET_IFNAME;
	case NGM_BRIDGE_COOKIE:
		return c == NGM_BRIDGE_GET_CONFIG ||
		    c == NGM_BRIDGE_GET_STATS || c == NGM_BRIDGE_CLR_STATS ||
		    c == NGM_BRIDGE_GETCLR_STATS || c == NGM_BRIDGE_GET_TABLE ||
		    c == NGM_BRIDGE_GET_MAX_HOSTS;
	case NGM_NAT_COOKIE:
		return c == NGM_NAT_LIST_REDIRECTS ||
		    c == NGM_NAT_LIBALIAS_INFO || c == NGM_NAT_GET_DLT;
	case NGM_VLAN_COOKIE:
		return c == NGM_VLAN_GET_TABLE || c == NGM_VLAN_GET_DECAP ||
		    c == NGM_VLAN_GET_ENCAP || c == NGM_VLAN_GET_ENCAP_PROTO;
	case NGM_BPF_COOKIE:
		return c == NGM_BPF_GET_PROGRAM || c == NGM_BPF_GET_STATS ||
		    c == NGM_BPF_CLR_STATS || c == NGM_BPF_GETCLR_STATS;
	case NGM_PIPE_COOKIE:
		return c == NGM_PIPE_GET_STATS || c == NGM_PIPE_CLR_STATS ||
		    c == NGM_PIPE_GETCLR_STATS || c == NGM_PIPE_GET_RUN ||
		    c == NGM_PIPE_GET_CFG;
	case NGM_ONE2MANY_COOKIE:
		return c == NGM_ONE2MANY_GET_CONFIG ||
		    c == NGM_ONE2MANY_GET_STATS ||
		    c == NGM_ONE2MANY_CLR_STATS ||
		    c == NGM_ONE2MANY_GETCLR_STATS;
	case NGM_VXLAN_COOKIE:
		return c == NGM_VXLAN_GET_VNI || c == NGM_VXLAN_GET_STATS ||
		    c == NGM_VXLAN_CLR_STATS || c == NGM_VXLAN_GETCLR_STATS ||
		    c == NGM_VXLAN_GET_CONFIG || c == NGM_VXLAN_GET_TABLE;
	case NGM_KSOCKET_COOKIE:
		return c == NGM_KSOCKET_GETNAME ||
		    c == NGM_KSOCKET_GETPEERNAME || c == NGM_KSOCKET_GETOPT;
	case NGM_ETHER_COOKIE:
		return c == NGM_ETHER_GET_IFNAME ||
		    c == NGM_ETHER_GET_IFINDEX || c == NGM_ETHER_GET_ENADDR ||
		    c == NGM_ETHER_GET_PROMISC || c == NGM_ETHER_GET_AUTOSRC;
	}
	return false;
}

/*
 * After each client's message, before its status goes back (netdev.c):
 * what it changed is written now, so that an answer means the edit is in
 * the journal, whatever becomes of ngd next (a record: one write of what
 * changed).
 */
static void
ngd_journal_msg_done(void *arg, ng_id_t dest, const struct ng_mesg *m)
{
	struct ngd_journal *j = arg;
	struct ng_node *n;
	int error;

	if (!j->enabled)
		return;
	if (dest != 0 && (n = ng_find_id(j->graph, dest)) != NULL &&
	    ng_node_valid(n) && n->type != &ng_socket_type) {
		bool reads = ngd_journal_reads_only(m);

		if (!reads)
			ngd_journal_mark(j, dest,
			    NGD_JMARK_NODE | NGD_JMARK_MSGS);
		/*
		 * A switching node's table, after a message that changed
		 * the node or read it (a table read imports what the kernel
		 * fast path learned): written only when it moved since it
		 * was last written; otherwise a table of 100,000 hosts read
		 * or configured 100 times would be written 100 times.
		 */
		if (ngd_journal_has_table(n) &&
		    (!reads || m->header.typecookie == n->type->cookie) &&
		    ngd_journal_tab_moved(j, n))
			ngd_journal_mark(j, dest, NGD_JMARK_TABLE);
	}
	/* Devices that came home meanwhile are written before ngd sleeps
	 * (a snapshot: the request pays only for what it changed). */
	if ((j->nmarks > 0 || j->nedges > 0 || j->overflow) &&
	    (error = ngd_journal_write(j, false)) != 0)
		ngd_log(LOG_ERR, "journal %s: %s", j->path, strerror(error));
}

/*
 * Before each sleep: what changed without a request (an event's node or
 * edge, devices brought home), and every NGD_JOURNAL_CHECK_MS a look at
 * everything, for what changed by itself (an interface renamed or
 * moved, read again then; a bridge's table learned from traffic): a
 * snapshot if the text differs.  A snapshot not owed to the look waits
 * until ngd has been idle 4 times as long as the last one took.
 */
static int64_t
ngd_journal_before_sleep(void *arg)
{
	struct ngd_journal *j = arg;
	uint64_t now = ngd_clock_ms();
	bool snap;
	int error = 0;

	if (!j->enabled)
		return -1;
	if (now >= j->check_ms) {
		/* A request's changes are ngd's, whose interfaces'
		 * descriptions it keeps (fastpath.c); the periodic look,
		 * due however many requests come, reads them all again. */
		j->fresh = true;
		j->check_ms = now + NGD_JOURNAL_CHECK_MS;
		j->dev_seen = *j->dev_changes;
		error = ngd_journal_snapshot(j); /* if the text moved */
		j->fresh = false;
		j->next_ms = now + NGD_JOURNAL_COST * (ngd_clock_ms() - now);
	} else if (ngd_journal_pending(j)) {
		snap = j->overflow || *j->dev_changes != j->dev_seen;
		if (snap && now < j->next_ms)
			return (int64_t)(j->next_ms - now);
		error = ngd_journal_write(j, true);
		if (snap)
			j->next_ms = now +
			    NGD_JOURNAL_COST * (ngd_clock_ms() - now);
	}
	if (error != 0)
		ngd_log(LOG_ERR, "journal %s: %s", j->path, strerror(error));
	ngd_jbuf_fit(&j->text, now, false);
	ngd_jbuf_fit(&j->last, now, true);
	ngd_jbuf_fit(&j->rec, now, false);
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
	j->dev_changes = &d->netdev.changes;
	j->dev_seen = d->netdev.changes;
	j->fd = -1;
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
	j->watch.node = ngd_journal_watch_node;
	j->watch.edge = ngd_journal_watch_edge;
	j->watch.arg = j;
	ng_graph_set_watch(j->graph, &j->watch);
	ngd_netdev_msg_done(ngd_journal_msg_done, j);
	return 0;
}

/* A clean stop: the graph is forgotten. */
void
ngd_journal_remove(struct ngd_journal *j)
{
	if (!j->enabled)
		return;
	ngd_journal_close(j);
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
	ngd_jsaved_clear(j);
	free(j->saved);
	j->saved = NULL;
	j->maxsaved = 0;
	ngd_jkept_free(j->scratch);
	j->scratch = NULL;
	free(j->text.p);
	free(j->last.p);
	free(j->text.sums);
	free(j->last.sums);
	free(j->skel.p);
	free(j->skel.sums);
	free(j->skel_last.p);
	free(j->skel_last.sums);
	free(j->rec.p);
	free(j->marks);
	free(j->edges);
	free(j->tables);
	ngd_journal_close(j);
	ngd_netdev_msg_done(NULL, NULL);
	memset(&j->text, 0, sizeof(j->text));
	memset(&j->last, 0, sizeof(j->last));
	memset(&j->skel, 0, sizeof(j->skel));
	memset(&j->skel_last, 0, sizeof(j->skel_last));
	j->skel_ok = false;
	memset(&j->rec, 0, sizeof(j->rec));
	j->marks = NULL;
	j->edges = NULL;
	j->tables = NULL;
	j->nmarks = j->maxmarks = j->nedges = j->maxedges = j->ntables = 0;
	j->enabled = false;
	ngd_journal_unlock(j, false);
}

/* --- restoring ------------------------------------------------------------- */

/*
 * Undo ngd_journal_esc in place (%XX: two hex digits, not 00); false if
 * malformed.  The digits are read here, not by sscanf, which measures
 * its string first: each escape cost the rest of its line, and a line
 * of a bpf node's program (some 55 KB, 8,000 %20s) 10 ms.
 */
static bool
ngd_journal_unesc(char *s)
{
	char *o = s;

	if (strcmp(s, "-") == 0) {
		s[0] = '\0';
		return true;
	}
	for (; *s != '\0'; s++) {
		int hi, lo;

		if (*s != '%') {
			*o++ = *s;
			continue;
		}
		if ((hi = ng_hexval(s[1])) < 0 || (lo = ng_hexval(s[2])) < 0 ||
		    (hi | lo) == 0)
			return false;
		*o++ = (char)(hi << 4 | lo);
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
 * a journal is applied all or not at all.  *why says what is wrong.  A
 * version 3 file's snapshot ends at its first end line, and records may
 * follow it (*after: where they start; *sum: the end line's sum).
 */
static bool
ngd_journal_valid(const struct ngd_journal *j, char *text, size_t len,
    size_t *after, uint64_t *endsum, const char **why)
{
	unsigned long long cookie, sum;
	char *end, *nl;
	int version;

	if (len == 0 || memchr(text, '\0', len) != NULL) {
		*why = "damaged (not whole lines of text)";
		return false;
	}
	if (sscanf(text, "netgraph-journal %d\n", &version) != 1) {
		*why = "not a netgraph journal";
		return false;
	}
	if (version < 1 || version > NGD_JOURNAL_VERSION) {
		*why = "of a version this ngd does not know";
		return false;
	}
	if (version < 3) { /* the last line is "end SUM" over all before */
		if (text[len - 1] != '\n') {
			*why = "damaged (not whole lines of text)";
			return false;
		}
		end = len >= 2 ? memrchr(text, '\n', len - 1) : NULL;
		end = end == NULL ? text : end + 1;
		*after = len;
	} else { /* the first line that starts with "end " */
		for (end = text; strncmp(end, "end ", 4) != 0; end = nl + 1)
			if ((nl = memchr(end, '\n',
				 len - (size_t)(end - text))) == NULL)
				break;
		nl = memchr(end, '\n', len - (size_t)(end - text));
		if (strncmp(end, "end ", 4) != 0 || nl == NULL) {
			*why = "damaged (not whole lines of text)";
			return false;
		}
		*after = (size_t)(nl + 1 - text);
	}
	if (sscanf(end, "end %llx\n", &sum) != 1 ||
	    sum !=
		(version == 1 ?
			ngd_fnv(text, (size_t)(end - text)) :
			ngd_journal_sum_all(text, (size_t)(end - text)))) {
		*why = "damaged (its sum does not match)";
		return false;
	}
	*endsum = sum;
	*end = '\0';
	if (sscanf(strchr(text, '\n') + 1, "netns %llu\n", &cookie) != 1 ||
	    cookie != j->cookie) {
		*why = "of another network namespace";
		return false;
	}
	return true;
}

/*
 * The records after a snapshot (n bytes at s, h the snapshot's sum):
 * *good, the bytes of the whole ones, each closed by "commit SUM", its
 * lines' sums folded on from the one before.  What follows the last
 * whole one is a record a crash cut short (its write was not over, so
 * its request had no answer): left out.  A whole record whose sum is
 * wrong is damage: false.
 */
static bool
ngd_journal_records(const char *s, size_t n, uint64_t h, size_t *good,
    unsigned *nrec)
{
	const char *p = s, *e = s + n, *nl;
	unsigned long long sum;
	char *end;

	*good = 0;
	*nrec = 0;
	for (; p < e && (nl = memchr(p, '\n', (size_t)(e - p))) != NULL;
	     p = nl + 1) {
		if (strncmp(p, "commit ", 7) != 0) {
			h = ngd_journal_fold(h,
			    ngd_fnv(p, (size_t)(nl + 1 - p)));
			continue;
		}
		/* strtoull, not sscanf: sscanf measures its string first,
		 * here the text to its end (O(records x text)) */
		sum = strtoull(p + 7, &end, 16);
		if (end == p + 7 || end > nl || sum != h)
			return false;
		*good = (size_t)(nl + 1 - s);
		(*nrec)++;
	}
	return true;
}

/* The text's graph with records applied, as one snapshot's text. */
struct ngd_jm_line {
	const char *p;
	size_t len;
};

struct ngd_jm_node {
	ng_id_t id;
	const char *sec, *tab; /* node (dev, ifdev) lines; msg lines of its
				* learned table */
	size_t slen, tlen;
	struct ngd_jm_line *msgs; /* its settings' msg lines, in order */
	size_t nmsgs, maxmsgs;
	const char *dropped; /* its last drop line, NULL if none */
};

struct ngd_jm_edge {
	ng_id_t a, b;
	char ha[NG_HOOKSIZ * 3 + 1], hb[NG_HOOKSIZ * 3 + 1]; /* escaped */
	const char *line;
	size_t len;
};

/* An unhook line: hook (escaped, hlen bytes of the line) of node id cut
 * there, and with it the edge at that end made before it (a line's place
 * in the text is its address: the records follow the snapshot). */
struct ngd_jm_cut {
	ng_id_t id;
	const char *hook, *line;
	size_t hlen;
};

struct ngd_jm {
	struct ngd_jm_node *nodes; /* by ID */
	size_t nnodes, maxnodes;
	struct ngd_jm_edge *edges; /* in the order they were made */
	size_t nedges, maxedges;
	struct ngd_jm_cut *cuts; /* in text order, then by end (ngd_jm_cuts) */
	size_t ncuts, maxcuts;
	ng_id_t nextid;
};

/* The node id's entry, made if missing; NULL: out of memory. */
static struct ngd_jm_node *
ngd_jm_node(struct ngd_jm *m, ng_id_t id)
{
	size_t lo = 0, hi = m->nnodes;

	if (hi > 0 && m->nodes[hi - 1].id < id)
		lo = hi; /* the usual: a new node, the highest ID */
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (m->nodes[mid].id == id)
			return &m->nodes[mid];
		if (m->nodes[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (m->nnodes == m->maxnodes) {
		size_t cap = m->maxnodes ? 2 * m->maxnodes : 64;
		struct ngd_jm_node *p = realloc(m->nodes, cap * sizeof(*p));

		if (p == NULL)
			return NULL;
		m->nodes = p;
		m->maxnodes = cap;
	}
	memmove(&m->nodes[lo + 1], &m->nodes[lo],
	    (m->nnodes - lo) * sizeof(*m->nodes));
	m->nnodes++;
	memset(&m->nodes[lo], 0, sizeof(*m->nodes));
	m->nodes[lo].id = id;
	return &m->nodes[lo];
}

/* The node id's entry, NULL if none. */
static const struct ngd_jm_node *
ngd_jm_find(const struct ngd_jm *m, ng_id_t id)
{
	for (size_t lo = 0, hi = m->nnodes; lo < hi;) {
		size_t mid = (lo + hi) / 2;

		if (m->nodes[mid].id == id)
			return &m->nodes[mid];
		if (m->nodes[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static int
ngd_jm_end_cmp(ng_id_t a, const char *ha, size_t la, ng_id_t b, const char *hb,
    size_t lb)
{
	int r;

	if (a != b)
		return a < b ? -1 : 1;
	if ((r = memcmp(ha, hb, la < lb ? la : lb)) != 0)
		return r;
	return la < lb ? -1 : la > lb;
}

/* By end, then in text order. */
static int
ngd_jm_cut_cmp(const void *x, const void *y)
{
	const struct ngd_jm_cut *a = x, *b = y;
	int r = ngd_jm_end_cmp(a->id, a->hook, a->hlen, b->id, b->hook,
	    b->hlen);

	if (r != 0)
		return r;
	return a->line < b->line ? -1 : a->line > b->line;
}

/* Whether end (id, hook) was cut after line (the cuts sorted). */
static bool
ngd_jm_cut_after(const struct ngd_jm *m, ng_id_t id, const char *hook,
    const char *line)
{
	size_t len = strlen(hook), lo = 0, hi = m->ncuts;
	const struct ngd_jm_cut *c;

	while (lo < hi) { /* the first cut of a later end */
		size_t mid = (lo + hi) / 2;

		c = &m->cuts[mid];
		if (ngd_jm_end_cmp(c->id, c->hook, c->hlen, id, hook, len) <= 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0)
		return false;
	c = &m->cuts[lo - 1]; /* the end's last cut, if it was cut */
	return ngd_jm_end_cmp(c->id, c->hook, c->hlen, id, hook, len) == 0 &&
	    c->line > line;
}

/*
 * Whether edge e is gone: an end of it unhooked, or a node of it
 * dropped, after the line that made it.  Each cut looked up once an
 * edge (sorted, O(log cuts)): a cut that looked through every edge made
 * a journal's records of a graph of 40,000 hubs, 30,000 connects and
 * rmhooks, take seconds to read (O(edges x cuts)).
 */
static bool
ngd_jm_gone(const struct ngd_jm *m, const struct ngd_jm_edge *e)
{
	const struct ngd_jm_node *na = ngd_jm_find(m, e->a);
	const struct ngd_jm_node *nb = ngd_jm_find(m, e->b);

	return (na != NULL && na->dropped != NULL && na->dropped > e->line) ||
	    (nb != NULL && nb->dropped != NULL && nb->dropped > e->line) ||
	    ngd_jm_cut_after(m, e->a, e->ha, e->line) ||
	    ngd_jm_cut_after(m, e->b, e->hb, e->line);
}

/* Where the lines before went: the node whose node lines, the one whose
 * msg lines (its table's, after a table line; its settings' at ins). */
struct ngd_jm_at {
	ng_id_t cur, msg;
	bool tab;
	size_t ins;
};

/* line, a msg line of n's settings, the ins-th of them (*ins moves on). */
static int
ngd_jm_msg(struct ngd_jm_node *n, const char *line, size_t len, size_t *ins)
{
	if (n->nmsgs == n->maxmsgs) {
		size_t cap = n->maxmsgs ? 2 * n->maxmsgs : 8;
		struct ngd_jm_line *p = realloc(n->msgs, cap * sizeof(*p));

		if (p == NULL)
			return ENOMEM;
		n->msgs = p;
		n->maxmsgs = cap;
	}
	memmove(&n->msgs[*ins + 1], &n->msgs[*ins],
	    (n->nmsgs - *ins) * sizeof(*n->msgs));
	n->msgs[*ins].p = line;
	n->msgs[(*ins)++].len = len;
	n->nmsgs++;
	return 0;
}

/*
 * One line (len bytes with its '\n', NUL-free) of the snapshot or of a
 * record, into m; at: where the lines before it went.  A msgs line
 * starts a node's settings anew (version 5: "msgs ID HEAD TAIL" keeps
 * the first HEAD and the last TAIL of them, the msg lines that follow
 * going between), a table line its table; msg lines after neither are
 * its settings.  EINVAL: not understood.
 */
static int
ngd_jm_line(struct ngd_jm *m, const char *line, size_t len,
    struct ngd_jm_at *at)
{
	char kw[24], c[NG_HOOKSIZ * 3 + 1], d[NG_HOOKSIZ * 3 + 1];
	struct ngd_jm_node *n;
	struct ngd_jm_edge *e;
	unsigned id, id2;
	int ok;

	if (sscanf(line, "%23s %x", kw, &id) != 2)
		return EINVAL;
	if (strcmp(kw, "nextid") == 0) {
		m->nextid = id;
		return 0;
	}
	if (strcmp(kw, "node") == 0 || strcmp(kw, "dev") == 0 ||
	    strcmp(kw, "ifdev") == 0) {
		bool first = kw[0] == 'n';

		if ((!first && id != at->cur) ||
		    (n = ngd_jm_node(m, id)) == NULL)
			return first ? ENOMEM : EINVAL;
		if (first || n->sec == NULL) {
			n->sec = line;
			n->slen = 0;
		} else if (n->sec + n->slen != line)
			return EINVAL;
		n->slen += len;
		at->cur = id;
		return 0;
	}
	at->cur = 0;
	if (strcmp(kw, "msgs") == 0 || strcmp(kw, "table") == 0 ||
	    strcmp(kw, "msg") == 0) {
		ng_id_t was = at->msg;

		if (id == 0) /* no node's (at->msg 0: none before) */
			return EINVAL;
		if ((n = ngd_jm_node(m, id)) == NULL)
			return ENOMEM;
		at->msg = id;
		if (strcmp(kw, "table") == 0) {
			/* the lines that follow replace it */
			at->tab = true;
			n->tab = NULL;
			n->tlen = 0;
			return 0;
		}
		if (strcmp(kw, "msgs") == 0) {
			size_t head = 0, tail = 0;
			int k = sscanf(line, "msgs %x %zu %zu", &id, &head,
			    &tail);

			if ((k != 1 && k != 3) || head > n->nmsgs ||
			    tail > n->nmsgs - head)
				return EINVAL;
			if (tail > 0) /* (msgs may be NULL: none yet) */
				memmove(&n->msgs[head],
				    &n->msgs[n->nmsgs - tail],
				    tail * sizeof(*n->msgs));
			n->nmsgs = head + tail;
			at->tab = false;
			at->ins = head;
			return 0;
		}
		if (was != id || !at->tab) {
			if (was != id && n->nmsgs > 0)
				return EINVAL; /* not all in one place */
			if (was != id)
				at->ins = 0;
			at->tab = false;
			return ngd_jm_msg(n, line, len, &at->ins);
		}
		if (n->tab == NULL)
			n->tab = line;
		else if (n->tab + n->tlen != line)
			return EINVAL; /* not all in one place */
		n->tlen += len;
		return 0;
	}
	at->msg = 0;
	at->tab = false;
	if (strcmp(kw, "drop") == 0) {
		if ((n = ngd_jm_node(m, id)) == NULL)
			return ENOMEM;
		n->sec = n->tab = NULL;
		n->slen = n->tlen = n->nmsgs = 0;
		n->dropped = line; /* its edges made before: ngd_jm_gone */
		return 0;
	}
	if (strcmp(kw, "unhook") == 0) {
		struct ngd_jm_cut *cut;
		int off = 0;

		if (sscanf(line, "unhook %x %95s%n", &id, c, &off) != 2 ||
		    off == 0)
			return EINVAL;
		if (m->ncuts == m->maxcuts) {
			size_t cap = m->maxcuts ? 2 * m->maxcuts : 64;

			if ((cut = realloc(m->cuts, cap * sizeof(*cut))) ==
			    NULL)
				return ENOMEM;
			m->cuts = cut;
			m->maxcuts = cap;
		}
		cut = &m->cuts[m->ncuts++];
		cut->id = id;
		cut->hlen = strlen(c);
		cut->hook = line + off - cut->hlen;
		cut->line = line;
		return 0;
	}
	if (strcmp(kw, "hook") != 0)
		return EINVAL;
	ok = sscanf(line, "hook %x %95s %x %95s", &id, c, &id2, d);
	if (ok != 4)
		return EINVAL;
	if (m->nedges == m->maxedges) {
		size_t cap = m->maxedges ? 2 * m->maxedges : 64;

		if ((e = realloc(m->edges, cap * sizeof(*e))) == NULL)
			return ENOMEM;
		m->edges = e;
		m->maxedges = cap;
	}
	e = &m->edges[m->nedges++];
	e->a = id;
	e->b = id2;
	memcpy(e->ha, c, sizeof(c));
	memcpy(e->hb, d, sizeof(d));
	e->line = line;
	e->len = len;
	return 0;
}

/*
 * The snapshot (snap: its text, its end line cut off) with the whole
 * records (n bytes at recs) applied: one text in a snapshot's order
 * (nodes by ID, edges in the order they were made, messages: each node's
 * settings, then its table, without its table line), malloc'd into *out.
 * O(text), plus O(log cuts) an edge for its ends' cuts (ngd_jm_gone).
 * snap and recs are one text, recs after snap (a line's address is its
 * place).
 */
static int
ngd_journal_merge(char *snap, char *recs, size_t n, char **out)
{
	struct ngd_jm m = { .nodes = NULL };
	struct ngd_jm_at at = { .cur = 0 };
	char *s, *e, *nl, *o = NULL, *p;
	size_t head = 0, size;
	int error = 0;

	*out = NULL;
	/* the first two lines (version, netns) are kept as they are */
	for (int i = 0; i < 2; i++)
		head = (size_t)(strchr(snap + head, '\n') + 1 - snap);
	for (int part = 0; part < 2 && error == 0; part++) {
		s = part == 0 ? snap + head : recs;
		e = part == 0 ? snap + strlen(snap) : recs + n;
		for (; s < e && error == 0; s = nl + 1) {
			nl = memchr(s, '\n', (size_t)(e - s));
			if (part == 1 && strncmp(s, "commit ", 7) == 0) {
				memset(&at, 0, sizeof(at));
				continue;
			}
			*nl = '\0'; /* sscanf stops at the line's end */
			error = ngd_jm_line(&m, s, (size_t)(nl + 1 - s), &at);
			*nl = '\n';
		}
	}
	if (error == 0 && m.ncuts > 0)
		qsort(m.cuts, m.ncuts, sizeof(*m.cuts), ngd_jm_cut_cmp);
	size = head + strlen(snap) + n + 32;
	if (error == 0 && (o = malloc(size)) == NULL)
		error = ENOMEM;
	if (error == 0) {
		memcpy(o, snap, head);
		p = o + head;
		p += snprintf(p, 32, "nextid %08x\n", m.nextid);
		for (size_t i = 0; i < m.nnodes; i++)
			if (m.nodes[i].sec != NULL) {
				memcpy(p, m.nodes[i].sec, m.nodes[i].slen);
				p += m.nodes[i].slen;
			}
		for (size_t i = 0; i < m.nedges; i++)
			if (!ngd_jm_gone(&m, &m.edges[i])) {
				memcpy(p, m.edges[i].line, m.edges[i].len);
				p += m.edges[i].len;
			}
		for (size_t i = 0; i < m.nnodes; i++) {
			const struct ngd_jm_node *nd = &m.nodes[i];

			if (nd->sec == NULL)
				continue;
			for (size_t k = 0; k < nd->nmsgs; k++) {
				memcpy(p, nd->msgs[k].p, nd->msgs[k].len);
				p += nd->msgs[k].len;
			}
			if (nd->tab != NULL) { /* its table line is left out */
				memcpy(p, nd->tab, nd->tlen);
				p += nd->tlen;
			}
		}
		*p = '\0';
		*out = o;
	}
	for (size_t i = 0; i < m.nnodes; i++)
		free(m.nodes[i].msgs);
	free(m.nodes);
	free(m.edges);
	free(m.cuts);
	return error;
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
			if (node == NULL && fds == NULL &&
			    strcmp(a, ng_socket_type.name) == 0) {
				/* A file's: none is written there (a client's
				 * connection did not outlive the last ngd);
				 * made, it would belong to no one, and its
				 * hooks' peers would write settings of hooks
				 * their text does not have. */
				ngd_log(LOG_ERR,
				    "journal: node [%x] (socket): a client's, "
				    "not a journal's; left out",
				    id);
			} else if (node == NULL &&
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
		} else if (strcmp(kw, "table") == 0) {
			/* a switching node's table: its msg lines follow */
			if (sscanf(line, "table %x", &id) != 1) {
				error = EINVAL;
				break;
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
	char *whole = NULL;
	size_t after, good;
	uint64_t sum;
	unsigned nrec;
	int error;

	*nnodes = 0;
	if (!ngd_journal_valid(j, text, len, &after, &sum, why))
		return EINVAL;
	if (!ngd_journal_records(text + after, len - after, sum, &good,
		&nrec)) {
		*why = "damaged (its sum does not match)";
		return EINVAL;
	}
	if (good < len - after)
		ngd_log(LOG_NOTICE,
		    "journal %s: the last %zu bytes, a record a crash cut "
		    "short (its request had no answer), left out",
		    j->path, len - after - good);
	if (nrec > 0) {
		if ((error = ngd_journal_merge(text, text + after, good,
			 &whole)) != 0) {
			*why = error == ENOMEM ?
			    "out of memory" :
			    "damaged (a record not understood)";
			return error;
		}
		text = whole;
	}
	error = ngd_journal_apply(j, text, fds, nfds, nnodes);
	free(whole);
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
