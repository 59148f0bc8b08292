/*
 * jail_conf.c: jail.conf(5).  jail_conf_load() reads a file (and what
 * it .includes) into blocks of statements whose values still hold their
 * $variable references; jail_conf_params() merges, for one jail, the
 * global statements, the matching wildcard blocks and the jail's own,
 * then substitutes the variables.  Errors carry file and line.
 */
#include <errno.h>
#include <glob.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "jail.h"

#define JAIL_INCLUDE_MAX 32
#define JAIL_CONF_MAXSIZE (16u << 20) /* bytes a file may hold; /dev/zero... */
#define JAIL_VALUE_MAX (1u << 20)     /* bytes a value may expand to */

/* A $variable reference at byte pos of a string. */
struct jail_ref {
	char *name;
	size_t pos;
};

/* One value as written: its text and the references to fill in. */
struct jail_str {
	char *s;
	size_t len;
	struct jail_ref *refs;
	size_t nrefs;
};

/* Where a statement was written, for messages. */
struct jail_where {
	const char *file; /* as messages name it; owned by the jail_conf */
	int line;
	bool shown; /* the file is readable by anyone: its text may be echoed */
};

struct jail_stmt {
	char *name;
	bool var;    /* $name = ...; */
	bool append; /* += */
	struct jail_str *vals;
	size_t nvals;
	struct jail_where at;
};

struct jail_block {
	char *name;
	bool wild;
	struct jail_stmt *stmts;
	size_t nstmts;
};

struct jail_conf {
	struct jail_block *blocks; /* in file order, wildcards included */
	size_t nblocks, capblocks;
	ssize_t global; /* the "*" block of top-level statements, or -1 */
	struct jail_strv files; /* the names jail_where points into */
	/* indexes into blocks, made once loaded: O(1) per jail, not O(n) */
	size_t *real, nreal;
	size_t *wild, nwild;
};

/* --- strings ------------------------------------------------------------ */

static int
jail_str_putc(struct jail_str *s, int c)
{
	char *n;

	if ((n = realloc(s->s, s->len + 2)) == NULL)
		return ENOMEM;
	s->s = n;
	s->s[s->len++] = (char)c;
	s->s[s->len] = '\0';
	return 0;
}

static int
jail_str_addref(struct jail_str *s, const char *name, size_t len)
{
	struct jail_ref *n;

	if ((n = realloc(s->refs, (s->nrefs + 1) * sizeof(*n))) == NULL)
		return ENOMEM;
	s->refs = n;
	if ((n[s->nrefs].name = strndup(name, len)) == NULL)
		return ENOMEM;
	n[s->nrefs++].pos = s->len;
	return 0;
}

static void
jail_str_free(struct jail_str *s)
{
	for (size_t i = 0; i < s->nrefs; i++)
		free(s->refs[i].name);
	free(s->refs);
	free(s->s);
	memset(s, 0, sizeof(*s));
}

static int
jail_str_copy(struct jail_str *dst, const struct jail_str *src)
{
	memset(dst, 0, sizeof(*dst));
	/* Not strdup: a value may hold a NUL ("\0"), and len counts past it. */
	if ((dst->s = malloc(src->len + 1)) == NULL)
		return ENOMEM;
	if (src->len > 0)
		memcpy(dst->s, src->s, src->len);
	dst->s[src->len] = '\0';
	dst->len = src->len;
	if (src->nrefs == 0)
		return 0;
	if ((dst->refs = calloc(src->nrefs, sizeof(*dst->refs))) == NULL)
		return ENOMEM;
	for (size_t i = 0; i < src->nrefs; i++) {
		dst->refs[i].pos = src->refs[i].pos;
		if ((dst->refs[i].name = strdup(src->refs[i].name)) == NULL)
			return ENOMEM;
		dst->nrefs++;
	}
	return 0;
}

/* --- the lexer ---------------------------------------------------------- */

enum tok {
	T_EOF,
	T_LBRACE,
	T_RBRACE,
	T_SEMI,
	T_COMMA,
	T_EQ,
	T_PLUSEQ,
	T_STR,
	T_BAD, /* a character that starts nothing */
};

struct lexer {
	const char *file;   /* as messages name it */
	bool shown;         /* its text may be echoed in messages */
	char dir[PATH_MAX]; /* where relative .includes are found */
	char *buf;
	size_t len, pos;
	int line;
	int depth;
	struct jail_conf *conf;
	struct jail_diag *d;
	int *nerr;
	/* the current token */
	enum tok tok;
	int tokline;
	struct jail_str str; /* T_STR */
	char text[64];       /* for "syntax error" */
};

static int
jail_lx_peek(const struct lexer *lx, size_t off)
{
	return lx->pos + off < lx->len ?
	    (unsigned char)lx->buf[lx->pos + off] :
	    -1;
}

static bool
jail_lx_bare(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c >= 0x80 ||
	    (c > 0 && strchr("_!%&()-.:<>?@[]^`|~", c) != NULL);
}

static bool
jail_lx_comment_start(const struct lexer *lx)
{
	int c = jail_lx_peek(lx, 0);

	return c == '#' ||
	    (c == '/' &&
		(jail_lx_peek(lx, 1) == '/' || jail_lx_peek(lx, 1) == '*'));
}

/* Skip blanks and comments.  An unterminated comment is an error. */
static void
jail_lx_skip(struct lexer *lx)
{
	for (;;) {
		int c = jail_lx_peek(lx, 0);

		if (c == '\n') {
			lx->line++;
			lx->pos++;
		} else if (c == ' ' || c == '\t' || c == '\r' || c == '\f' ||
		    c == '\v') {
			lx->pos++;
		} else if (c == '#' ||
		    (c == '/' && jail_lx_peek(lx, 1) == '/')) {
			while (lx->pos < lx->len && lx->buf[lx->pos] != '\n')
				lx->pos++;
		} else if (c == '/' && jail_lx_peek(lx, 1) == '*') {
			int start = lx->line;

			lx->pos += 2;
			while (lx->pos < lx->len &&
			    !(lx->buf[lx->pos] == '*' &&
				jail_lx_peek(lx, 1) == '/')) {
				if (lx->buf[lx->pos] == '\n')
					lx->line++;
				lx->pos++;
			}
			if (lx->pos >= lx->len) {
				jail_diag_add(lx->d,
				    "%s line %d: unterminated comment",
				    lx->file, start);
				(*lx->nerr)++;
				return;
			}
			lx->pos += 2;
		} else {
			return;
		}
	}
}

static int
jail_lx_hex(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * A backslash escape; pos is on the character after the backslash.
 * Returns the character, or -1 for a line continuation.
 */
static int
jail_lx_escape(struct lexer *lx)
{
	int c = jail_lx_peek(lx, 0), v, i;

	if (c < 0)
		return '\\';
	lx->pos++;
	switch (c) {
	case 'a':
		return '\a';
	case 'b':
		return '\b';
	case 'f':
		return '\f';
	case 'n':
		return '\n';
	case 'r':
		return '\r';
	case 't':
		return '\t';
	case 'v':
		return '\v';
	case '\n':
		lx->line++;
		return -1;
	case 'x':
		v = 0;
		for (i = 0; i < 2 && jail_lx_hex(jail_lx_peek(lx, 0)) >= 0; i++)
			v = v * 16 + jail_lx_hex(lx->buf[lx->pos++]);
		return i == 0 ? 'x' : v;
	}
	if (c >= '0' && c <= '7') {
		v = c - '0';
		for (i = 1; i < 3 && jail_lx_peek(lx, 0) >= '0' &&
		     jail_lx_peek(lx, 0) <= '7';
		     i++)
			v = v * 8 + lx->buf[lx->pos++] - '0';
		return v & 0xff;
	}
	return c;
}

/* A $reference; pos is on the '$'.  Returns false for a literal '$'. */
static bool
jail_lx_var(struct lexer *lx, struct jail_str *s)
{
	int c = jail_lx_peek(lx, 1);
	size_t start, end;

	if (c == '{') {
		start = lx->pos + 2;
		for (end = start; end < lx->len; end++)
			if (strchr("{}\n\"", lx->buf[end]) != NULL)
				break;
		if (end >= lx->len || lx->buf[end] != '}') {
			jail_diag_add(lx->d,
			    "%s line %d: unterminated variable", lx->file,
			    lx->line);
			(*lx->nerr)++;
			lx->pos = end;
			return true;
		}
		jail_str_addref(s, lx->buf + start, end - start);
		lx->pos = end + 1;
		return true;
	}
	if (!(c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')))
		return false;
	start = lx->pos + 1;
	for (end = start; end < lx->len; end++) {
		c = (unsigned char)lx->buf[end];
		if (!(c == '_' || (c >= 'a' && c <= 'z') ||
			(c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')))
			break;
	}
	jail_str_addref(s, lx->buf + start, end - start);
	lx->pos = end;
	return true;
}

/* A quoted piece; pos is on the opening quote. */
static void
jail_lx_quoted(struct lexer *lx, struct jail_str *s)
{
	int q = lx->buf[lx->pos++], start = lx->line, c;

	for (;;) {
		c = jail_lx_peek(lx, 0);
		if (c < 0) {
			jail_diag_add(lx->d, "%s line %d: unterminated string",
			    lx->file, start);
			(*lx->nerr)++;
			return;
		}
		if (c == q) {
			lx->pos++;
			return;
		}
		if (c == '\\') {
			lx->pos++;
			if ((c = jail_lx_escape(lx)) >= 0)
				jail_str_putc(s, c);
			continue;
		}
		if (c == '$' && q == '"' && jail_lx_var(lx, s))
			continue;
		if (c == '\n')
			lx->line++;
		jail_str_putc(s, c);
		lx->pos++;
	}
}

/* Does the character at pos continue a string? */
static bool
jail_lx_piece_start(const struct lexer *lx)
{
	int c = jail_lx_peek(lx, 0);

	if (c < 0 || jail_lx_comment_start(lx))
		return false;
	if (c == '+')
		return jail_lx_peek(lx, 1) != '=';
	return jail_lx_bare(c) || strchr("\"'$*/\\", c) != NULL;
}

static void
jail_lx_next(struct lexer *lx)
{
	size_t start;
	int c;

	jail_str_free(&lx->str);
	jail_lx_skip(lx);
	lx->tokline = lx->line;
	start = lx->pos;
	c = jail_lx_peek(lx, 0);
	lx->text[0] = '\0';
	switch (c) {
	case -1:
		lx->tok = T_EOF;
		return;
	case '{':
		lx->tok = T_LBRACE;
		break;
	case '}':
		lx->tok = T_RBRACE;
		break;
	case ';':
		lx->tok = T_SEMI;
		break;
	case ',':
		lx->tok = T_COMMA;
		break;
	case '=':
		lx->tok = T_EQ;
		break;
	default:
		if (c == '+' && jail_lx_peek(lx, 1) == '=') {
			lx->tok = T_PLUSEQ;
			lx->pos++;
			break;
		}
		if (!jail_lx_piece_start(lx)) {
			lx->tok = T_BAD;
			break;
		}
		lx->tok = T_STR;
		if ((lx->str.s = strdup("")) == NULL) {
			lx->tok = T_BAD;
			break;
		}
		while (jail_lx_piece_start(lx)) {
			c = jail_lx_peek(lx, 0);
			if (c == '"' || c == '\'') {
				jail_lx_quoted(lx, &lx->str);
			} else if (c == '\\') {
				lx->pos++;
				if ((c = jail_lx_escape(lx)) >= 0)
					jail_str_putc(&lx->str, c);
			} else if (c == '$' && jail_lx_var(lx, &lx->str)) {
				continue;
			} else {
				jail_str_putc(&lx->str, c);
				lx->pos++;
			}
		}
		snprintf(lx->text, sizeof(lx->text), "%.*s",
		    (int)(lx->pos - start), lx->buf + start);
		return;
	}
	lx->pos++;
	snprintf(lx->text, sizeof(lx->text), "%.*s", (int)(lx->pos - start),
	    lx->buf + start);
}

/* --- the parser --------------------------------------------------------- */

static int
jail_conf_add_block(struct jail_conf *conf, const char *name, size_t *idxp)
{
	struct jail_block *nb = conf->blocks;

	if (conf->nblocks == conf->capblocks) {
		size_t cap = conf->capblocks == 0 ? 16 : conf->capblocks * 2;

		if ((nb = realloc(conf->blocks, cap * sizeof(*nb))) == NULL)
			return ENOMEM;
		conf->blocks = nb;
		conf->capblocks = cap;
	}
	memset(&nb[conf->nblocks], 0, sizeof(*nb));
	if ((nb[conf->nblocks].name = strdup(name)) == NULL)
		return ENOMEM;
	nb[conf->nblocks].wild = jail_is_wild(name);
	*idxp = conf->nblocks++;
	return 0;
}

static struct jail_stmt *
jail_block_add_stmt(struct jail_block *b)
{
	struct jail_stmt *ns;

	ns = realloc(b->stmts, (b->nstmts + 1) * sizeof(*ns));
	if (ns == NULL)
		return NULL;
	b->stmts = ns;
	memset(&ns[b->nstmts], 0, sizeof(*ns));
	return &ns[b->nstmts++];
}

static void
jail_stmt_free(struct jail_stmt *st)
{
	for (size_t i = 0; i < st->nvals; i++)
		jail_str_free(&st->vals[i]);
	free(st->vals);
	free(st->name);
}

static int
jail_stmt_add_val(struct jail_stmt *st, struct jail_str *s)
{
	struct jail_str *nv;

	if ((nv = realloc(st->vals, (st->nvals + 1) * sizeof(*nv))) == NULL)
		return ENOMEM;
	st->vals = nv;
	nv[st->nvals++] = *s; /* takes s over */
	memset(s, 0, sizeof(*s));
	return 0;
}

static int jail_parse_file(struct jail_conf *conf, const char *path,
    const char *shown, ssize_t block, const char *prefix, int depth,
    struct jail_diag *d, int *nerr);

static int
jail_syntax_error(struct lexer *lx)
{
	if (lx->tok == T_EOF) {
		/* after a lexer error, the EOF says nothing new */
		if (*lx->nerr == 0)
			jail_diag_add(lx->d, "%s: unexpected EOF", lx->file);
	} else if (lx->shown)
		jail_diag_add(lx->d, "%s line %d: %s: syntax error", lx->file,
		    lx->tokline, lx->text);
	else
		/* not everyone may read the file: its text stays in it */
		jail_diag_add(lx->d, "%s line %d: syntax error", lx->file,
		    lx->tokline);
	return EINVAL;
}

/* .include: each value is a file or a glob, relative to our file. */
static int
jail_do_include(struct lexer *lx, struct jail_stmt *st, ssize_t block,
    const char *prefix)
{
	char pat[PATH_MAX * 2];
	glob_t g;
	int error = 0, r;

	for (size_t i = 0; i < st->nvals && error == 0; i++) {
		const char *v = st->vals[i].s;

		if (st->vals[i].nrefs > 0) {
			jail_diag_add(lx->d,
			    "%s line %d: variables not permitted in "
			    "'.include' filename",
			    lx->file, lx->tokline);
			return EINVAL;
		}
		if (lx->depth >= JAIL_INCLUDE_MAX) {
			jail_diag_add(lx->d,
			    "%s line %d: maximum include depth exceeded",
			    lx->file, lx->tokline);
			return EINVAL;
		}
		if (v[0] == '/' || lx->dir[0] == '\0')
			snprintf(pat, sizeof(pat), "%s", v);
		else
			snprintf(pat, sizeof(pat), "%s/%s", lx->dir, v);
		r = glob(pat, GLOB_NOMAGIC, NULL, &g);
		if (r == GLOB_NOMATCH)
			continue;
		if (r != 0) {
			jail_diag_add(lx->d, "%s: filename glob failed", pat);
			return EINVAL;
		}
		for (size_t k = 0; k < g.gl_pathc && error == 0; k++)
			error = jail_parse_file(lx->conf, g.gl_pathv[k],
			    g.gl_pathv[k], block, prefix, lx->depth + 1, lx->d,
			    lx->nerr);
		globfree(&g);
	}
	return error;
}

/*
 * A file that ends inside a block: FreeBSD's "unexpected EOF", and where
 * the block that lacks its } began, which the end of the file cannot say.
 */
static int
jail_unclosed(struct lexer *lx, const char *name, int opened)
{
	if (*lx->nerr != 0) /* after a lexer error, the EOF says nothing new */
		return EINVAL;
	if (lx->shown)
		jail_diag_add(lx->d,
		    "%s: unexpected EOF: \"%s {\" of line %d has no }",
		    lx->file, name, opened);
	else
		jail_diag_add(lx->d,
		    "%s: unexpected EOF: the block of line %d has no }",
		    lx->file, opened);
	return EINVAL;
}

/*
 * Statements up to the closing brace (when opened, the line of the
 * opening one) or the end of the file.  block is where statements go, -1
 * for the top level; prefix is the name of the enclosing block, if any.
 */
static int
jail_parse_stmts(struct lexer *lx, ssize_t block, const char *prefix,
    int opened)
{
	struct jail_stmt *st;
	struct jail_str name;
	char full[JAIL_NAMEMAX * 2];
	ssize_t target;
	size_t nb;
	int error;

	for (;;) {
		jail_lx_next(lx);
		switch (lx->tok) {
		case T_SEMI:
			continue;
		case T_RBRACE:
			if (opened > 0)
				return 0;
			return jail_syntax_error(lx);
		case T_EOF:
			return opened > 0 ? jail_unclosed(lx, prefix, opened) :
					    0;
		case T_STR:
			break;
		default:
			return jail_syntax_error(lx);
		}
		name = lx->str;
		memset(&lx->str, 0, sizeof(lx->str));
		jail_lx_next(lx);
		if (lx->tok == T_LBRACE) {
			int line = lx->tokline;

			snprintf(full, sizeof(full), "%s%s%s",
			    prefix != NULL ? prefix : "",
			    prefix != NULL ? "." : "", name.s);
			jail_str_free(&name);
			if ((error = jail_conf_add_block(lx->conf, full,
				 &nb)) != 0)
				return error;
			if ((error = jail_parse_stmts(lx, (ssize_t)nb, full,
				 line)) != 0)
				return error;
			continue;
		}
		target = block;
		if (target < 0) {
			if (lx->conf->global < 0) {
				if ((error = jail_conf_add_block(lx->conf, "*",
					 &nb)) != 0) {
					jail_str_free(&name);
					return error;
				}
				lx->conf->global = (ssize_t)nb;
			}
			target = lx->conf->global;
		}
		if ((st = jail_block_add_stmt(&lx->conf->blocks[target])) ==
		    NULL) {
			jail_str_free(&name);
			return ENOMEM;
		}
		st->at.file = lx->file;
		st->at.line = lx->tokline;
		st->at.shown = lx->shown;
		if (name.nrefs == 1 && name.len == 0) {
			st->var = true;
			st->name = strdup(name.refs[0].name);
		} else {
			st->name = strdup(name.s);
		}
		jail_str_free(&name);
		if (st->name == NULL)
			return ENOMEM;
		if (lx->tok == T_EQ || lx->tok == T_PLUSEQ) {
			st->append = lx->tok == T_PLUSEQ;
			jail_lx_next(lx);
			if (lx->tok != T_STR)
				return jail_syntax_error(lx);
		}
		if (lx->tok == T_STR) {
			for (;;) {
				if (jail_stmt_add_val(st, &lx->str) != 0)
					return ENOMEM;
				jail_lx_next(lx);
				if (lx->tok != T_COMMA)
					break;
				jail_lx_next(lx);
				if (lx->tok != T_STR)
					return jail_syntax_error(lx);
			}
		}
		if (lx->tok != T_SEMI)
			return jail_syntax_error(lx);
		if (!st->var && strcmp(st->name, ".include") == 0) {
			struct jail_stmt inc = *st;

			/* an .include is not a parameter: take it back out */
			lx->conf->blocks[target].nstmts--;
			error = jail_do_include(lx, &inc, block, prefix);
			jail_stmt_free(&inc);
			if (error != 0)
				return error;
		}
	}
}

static int
jail_read_all(FILE *fp, char **bufp, size_t *lenp)
{
	char *buf = NULL, *nb;
	size_t len = 0, cap = 0, n;

	for (;;) {
		if (cap - len < 4096) {
			cap = cap == 0 ? 8192 : cap * 2;
			if ((nb = realloc(buf, cap)) == NULL) {
				free(buf);
				return ENOMEM;
			}
			buf = nb;
		}
		n = fread(buf + len, 1, cap - len - 1, fp);
		len += n;
		if (n == 0)
			break;
		if (len > JAIL_CONF_MAXSIZE) {
			free(buf);
			return EFBIG;
		}
	}
	if (ferror(fp)) {
		free(buf);
		return EIO;
	}
	buf[len] = '\0';
	*bufp = buf;
	*lenp = len;
	return 0;
}

static int
jail_parse_file(struct jail_conf *conf, const char *path, const char *shown,
    ssize_t block, const char *prefix, int depth, struct jail_diag *d,
    int *nerr)
{
	struct lexer lx;
	char tmp[PATH_MAX];
	struct stat st;
	FILE *fp;
	int error;

	memset(&lx, 0, sizeof(lx));
	lx.shown = true;
	if (strcmp(path, "-") == 0) {
		fp = stdin;
	} else if ((fp = fopen(path, "re")) == NULL) {
		error = errno;
		jail_diag_add(d, "%s: %s", shown, strerror(error));
		return error;
	} else if (fstat(fileno(fp), &st) == 0) {
		if (S_ISDIR(st.st_mode)) {
			fclose(fp);
			jail_diag_add(d, "%s: %s", shown, strerror(EISDIR));
			return EISDIR;
		}
		lx.shown = (st.st_mode & S_IROTH) != 0;
	}
	error = jail_read_all(fp, &lx.buf, &lx.len);
	if (fp != stdin)
		fclose(fp);
	if (error != 0) {
		jail_diag_add(d, "%s: %s", shown, strerror(error));
		return error;
	}
	if (jail_strv_add(&conf->files, shown) != 0) {
		free(lx.buf);
		return ENOMEM;
	}
	lx.file = conf->files.v[conf->files.n - 1];
	if (fp != stdin) {
		snprintf(tmp, sizeof(tmp), "%s", path);
		snprintf(lx.dir, sizeof(lx.dir), "%s", dirname(tmp));
	}
	lx.line = 1;
	lx.depth = depth;
	lx.conf = conf;
	lx.d = d;
	lx.nerr = nerr;
	error = jail_parse_stmts(&lx, block, prefix, 0);
	jail_str_free(&lx.str);
	free(lx.buf);
	return error;
}

void
jail_conf_free(struct jail_conf *conf)
{
	if (conf == NULL)
		return;
	for (size_t i = 0; i < conf->nblocks; i++) {
		for (size_t k = 0; k < conf->blocks[i].nstmts; k++)
			jail_stmt_free(&conf->blocks[i].stmts[k]);
		free(conf->blocks[i].stmts);
		free(conf->blocks[i].name);
	}
	free(conf->blocks);
	free(conf->real);
	free(conf->wild);
	jail_strv_free(&conf->files);
	free(conf);
}

/* The real and the wildcard blocks, each in file order. */
static int
jail_conf_index(struct jail_conf *conf)
{
	if (conf->nblocks == 0)
		return 0;
	conf->real = calloc(conf->nblocks, sizeof(*conf->real));
	conf->wild = calloc(conf->nblocks, sizeof(*conf->wild));
	if (conf->real == NULL || conf->wild == NULL)
		return ENOMEM;
	for (size_t b = 0; b < conf->nblocks; b++) {
		if (conf->blocks[b].wild)
			conf->wild[conf->nwild++] = b;
		else
			conf->real[conf->nreal++] = b;
	}
	return 0;
}

int
jail_conf_load(const char *path, struct jail_conf **confp, struct jail_diag *d)
{
	struct jail_conf *conf;
	int error, nerr = 0;

	*confp = NULL;
	if ((conf = calloc(1, sizeof(*conf))) == NULL)
		return ENOMEM;
	conf->global = -1;
	error = jail_parse_file(conf, path,
	    strcmp(path, "-") == 0 ? "STDIN" : path, -1, NULL, 0, d, &nerr);
	if (error == 0 && nerr > 0)
		error = EINVAL;
	if (error == 0)
		error = jail_conf_index(conf);
	if (error != 0) {
		jail_conf_free(conf);
		return error == ENOENT ? ENOENT :
		    error == ENOMEM    ? ENOMEM :
					 EINVAL;
	}
	*confp = conf;
	return 0;
}

/* --- the jails in a configuration --------------------------------------- */

bool
jail_is_wild(const char *name)
{
	const char *p = name;

	for (;;) {
		if (p[0] == '*' && (p[1] == '\0' || p[1] == '.'))
			return true;
		if ((p = strchr(p, '.')) == NULL)
			return false;
		p++;
	}
}

/*
 * A "*" component matches one component; a final "*" matches one or
 * more.
 */
bool
jail_wild_match(const char *name, const char *pat)
{
	for (;;) {
		const char *pe = strchr(pat, '.'), *ne = strchr(name, '.');
		size_t pl = pe != NULL ? (size_t)(pe - pat) : strlen(pat);
		size_t nl = ne != NULL ? (size_t)(ne - name) : strlen(name);

		if (nl == 0)
			return false;
		if (pl == 1 && pat[0] == '*') {
			if (pe == NULL)
				return true;
		} else if (pl != nl || strncmp(pat, name, pl) != 0) {
			return false;
		}
		if (pe == NULL || ne == NULL)
			return pe == NULL && ne == NULL;
		pat = pe + 1;
		name = ne + 1;
	}
}

size_t
jail_conf_njails(const struct jail_conf *conf)
{
	return conf->nreal;
}

static ssize_t
jail_real_block(const struct jail_conf *conf, size_t i)
{
	return i < conf->nreal ? (ssize_t)conf->real[i] : -1;
}

const char *
jail_conf_name(const struct jail_conf *conf, size_t i)
{
	ssize_t b = jail_real_block(conf, i);

	return b < 0 ? NULL : conf->blocks[b].name;
}

ssize_t
jail_conf_find(const struct jail_conf *conf, const char *name)
{
	size_t n = jail_conf_njails(conf);

	for (size_t i = 0; i < n; i++)
		if (strcmp(jail_conf_name(conf, i), name) == 0)
			return (ssize_t)i;
	return -1;
}

/* --- merging and substitution ------------------------------------------- */

enum { CP_TODO, CP_BUSY, CP_DONE, CP_BAD };

/* A parameter or variable as collected for one jail. */
struct cparam {
	char *name;
	bool var;
	bool immutable;
	struct jail_str *vals;
	size_t nvals;
	int state;
	struct jail_strv out;
	struct jail_where at; /* the statement that last set it */
};

struct cjail {
	const char *jname;
	struct cparam *v;
	size_t n;
	struct jail_diag *d;
	bool failed;
};

static void
jail_cparam_clear_vals(struct cparam *cp)
{
	for (size_t i = 0; i < cp->nvals; i++)
		jail_str_free(&cp->vals[i]);
	free(cp->vals);
	cp->vals = NULL;
	cp->nvals = 0;
}

static int
jail_cparam_add_vals(struct cparam *cp, const struct jail_str *vals, size_t n)
{
	struct jail_str *nv;

	if (n == 0)
		return 0;
	nv = realloc(cp->vals, (cp->nvals + n) * sizeof(*nv));
	if (nv == NULL)
		return ENOMEM;
	cp->vals = nv;
	for (size_t i = 0; i < n; i++) {
		if (jail_str_copy(&nv[cp->nvals], &vals[i]) != 0)
			return ENOMEM;
		cp->nvals++;
	}
	return 0;
}

static struct cparam *
jail_cj_find(struct cjail *cj, const char *name, bool exact)
{
	for (size_t i = 0; i < cj->n; i++)
		if (exact ? strcmp(cj->v[i].name, name) == 0 :
			    jail_pname_equal(cj->v[i].name, name))
			return &cj->v[i];
	return NULL;
}

static int
jail_cj_apply(struct cjail *cj, const char *name, bool var, bool append,
    const struct jail_str *vals, size_t nvals, bool immutable,
    const struct jail_where *at)
{
	static const struct jail_where nowhere = { NULL, 0, true };
	struct cparam *cp, *nv;
	char *nn;

	if (at == NULL)
		at = &nowhere;
	if ((cp = jail_cj_find(cj, name, false)) != NULL) {
		if (cp->var != var) {
			jail_diag_add(cj->d,
			    "%s: variable \"$%s\" cannot have the same name as "
			    "a parameter.",
			    cj->jname, name);
			cj->failed = true;
			return 0;
		}
		if (cp->immutable) {
			jail_diag_add(cj->d,
			    "%s: cannot redefine parameter \"%s\".", cj->jname,
			    cp->name);
			cj->failed = true;
			return 0;
		}
		if (strcmp(cp->name, name) != 0) {
			if ((nn = strdup(name)) == NULL)
				return ENOMEM;
			free(cp->name);
			cp->name = nn;
		}
		if (!append || nvals == 0)
			jail_cparam_clear_vals(cp);
		cp->at = *at;
		return jail_cparam_add_vals(cp, vals, nvals);
	}
	if (var && jail_pdesc(name, NULL) != NULL) {
		jail_diag_add(cj->d,
		    "%s: variable \"$%s\" cannot have the same name as a "
		    "parameter.",
		    cj->jname, name);
		cj->failed = true;
		return 0;
	}
	if ((nv = realloc(cj->v, (cj->n + 1) * sizeof(*nv))) == NULL)
		return ENOMEM;
	cj->v = nv;
	cp = &nv[cj->n];
	memset(cp, 0, sizeof(*cp));
	if ((cp->name = strdup(name)) == NULL)
		return ENOMEM;
	cj->n++;
	cp->var = var;
	cp->immutable = immutable;
	cp->at = *at;
	return jail_cparam_add_vals(cp, vals, nvals);
}

static int
jail_cj_apply_block(struct cjail *cj, const struct jail_block *b)
{
	int error;

	for (size_t i = 0; i < b->nstmts; i++) {
		const struct jail_stmt *st = &b->stmts[i];

		error = jail_cj_apply(cj, st->name, st->var, st->append,
		    st->vals, st->nvals, false, &st->at);
		if (error != 0)
			return error;
	}
	return 0;
}

/* Substitute the references in cp's values; cp ends CP_DONE or CP_BAD. */
static int
jail_cj_resolve(struct cjail *cj, struct cparam *cp)
{
	struct cparam *ref;
	struct jail_str *s;
	size_t i, k, total = 0; /* cp's values so far, comma-joined */
	int error;

	if (cp->state == CP_DONE || cp->state == CP_BAD)
		return 0;
	cp->state = CP_BUSY;
	for (i = 0; i < cp->nvals; i++) {
		s = &cp->vals[i];
		char *text = NULL;
		size_t tlen = 0, from = 0;
		FILE *mf;
		bool whole = s->nrefs == 1 && s->len == 0;

		if ((mf = open_memstream(&text, &tlen)) == NULL)
			return ENOMEM;
		for (k = 0; k < s->nrefs; k++) {
			ref = jail_cj_find(cj, s->refs[k].name, true);
			if (ref == NULL || ref->nvals == 0) {
				jail_diag_add(cj->d,
				    "%s: %s: variable \"%s\" not found",
				    cj->jname, cp->name, s->refs[k].name);
				goto bad;
			}
			if (ref->state == CP_BUSY) {
				jail_diag_add(cj->d, "%s: %s: variable loop",
				    cj->jname, s->refs[k].name);
				goto bad;
			}
			if ((error = jail_cj_resolve(cj, ref)) != 0) {
				fclose(mf);
				free(text);
				return error;
			}
			if (ref->state == CP_BAD)
				goto bad;
			if (ref->out.n > 1 && !whole) {
				jail_diag_add(cj->d,
				    "%s: %s: array cannot be "
				    "substituted inline",
				    cj->jname, cp->name);
				goto bad;
			}
			fwrite(s->s + from, 1, s->refs[k].pos - from, mf);
			from = s->refs[k].pos;
			if (whole) {
				for (size_t m = 0; m + 1 < ref->out.n; m++) {
					total += (cp->out.n > 0) +
					    strlen(ref->out.v[m]);
					if (total > JAIL_VALUE_MAX)
						goto toolong;
					jail_strv_add(&cp->out, ref->out.v[m]);
				}
			}
			if (total + (cp->out.n > 0) + (size_t)ftell(mf) +
				strlen(ref->out.v[ref->out.n - 1]) >
			    JAIL_VALUE_MAX)
				goto toolong;
			fputs(ref->out.v[ref->out.n - 1], mf);
		}
		fwrite(s->s + from, 1, s->len - from, mf);
		fclose(mf);
		mf = NULL;
		total += (cp->out.n > 0) + tlen;
		if (total > JAIL_VALUE_MAX)
			goto toolong;
		error = jail_strv_addn(&cp->out, text, tlen);
		free(text);
		if (error != 0)
			return error;
		continue;
	toolong:
		if (cp->at.file != NULL)
			jail_diag_add(cj->d,
			    "%s: %s line %d: %s: value longer than "
			    "%u bytes",
			    cj->jname, cp->at.file, cp->at.line, cp->name,
			    JAIL_VALUE_MAX);
		else
			jail_diag_add(cj->d,
			    "%s: %s: value longer than %u bytes", cj->jname,
			    cp->name, JAIL_VALUE_MAX);
	bad:
		if (mf != NULL)
			fclose(mf);
		free(text);
		cp->state = CP_BAD;
		cj->failed = true;
		return 0;
	}
	cp->state = CP_DONE;
	return 0;
}

int
jail_conf_params(const struct jail_conf *conf, size_t i, struct jail_params *ps,
    struct jail_diag *d)
{
	struct cjail cj = { .d = d };
	struct jail_str nm = { 0 };
	ssize_t self = jail_real_block(conf, i);
	bool did_self = false;
	int error = 0;

	memset(ps, 0, sizeof(*ps));
	if (self < 0)
		return EINVAL;
	cj.jname = conf->blocks[self].name;
	nm.s = conf->blocks[self].name;
	nm.len = strlen(nm.s);
	if ((error = jail_cj_apply(&cj, "name", false, false, &nm, 1, true,
		 NULL)) != 0)
		goto out;
	if (jail_is_number(nm.s) &&
	    (error = jail_cj_apply(&cj, "jid", false, false, &nm, 1, true,
		 NULL)) != 0)
		goto out;
	for (size_t w = 0; w < conf->nwild && error == 0; w++) {
		size_t b = conf->wild[w];
		const struct jail_block *wb = &conf->blocks[b];

		if ((ssize_t)b > self && !did_self) {
			error = jail_cj_apply_block(&cj, &conf->blocks[self]);
			did_self = true;
		}
		if (error == 0 && jail_wild_match(cj.jname, wb->name))
			error = jail_cj_apply_block(&cj, wb);
	}
	if (error == 0 && !did_self)
		error = jail_cj_apply_block(&cj, &conf->blocks[self]);
	/* Variables too, used or not, in the order they came: as FreeBSD's
	 * jail(8), one that names an unknown variable fails the jail. */
	for (size_t k = 0; k < cj.n && error == 0; k++)
		error = jail_cj_resolve(&cj, &cj.v[k]);
	for (size_t k = 0; k < cj.n && error == 0; k++) {
		struct cparam *cp = &cj.v[k];

		if (cp->var)
			continue;
		if (cp->state != CP_DONE) {
			/* keep the text as written, for jail -e */
			jail_strv_free(&cp->out);
			for (size_t m = 0; m < cp->nvals; m++)
				jail_strv_add(&cp->out, cp->vals[m].s);
		}
		error = jail_params_set(ps, cp->name,
		    (const char *const *)cp->out.v, cp->out.n, false);
	}
out:
	for (size_t k = 0; k < cj.n; k++) {
		jail_cparam_clear_vals(&cj.v[k]);
		jail_strv_free(&cj.v[k].out);
		free(cj.v[k].name);
	}
	free(cj.v);
	if (error == 0 && cj.failed)
		error = EINVAL;
	return error;
}

/*
 * The statement that gave jail i its parameter name (the last one in
 * the order jail_conf_params() merges), for messages: "file line n".
 * shown: the file is readable by anyone, so its text may be echoed.
 */
bool
jail_conf_where(const struct jail_conf *conf, size_t i, const char *name,
    char *buf, size_t size, bool *shown)
{
	const struct jail_where *at = NULL;
	ssize_t self = jail_real_block(conf, i);
	bool did_self = false;

	if (self < 0)
		return false;
	for (size_t w = 0;;) {
		const struct jail_block *b;

		if (!did_self &&
		    (w == conf->nwild || (ssize_t)conf->wild[w] > self)) {
			did_self = true;
			b = &conf->blocks[self];
		} else if (w < conf->nwild) {
			b = &conf->blocks[conf->wild[w++]];
			if (!jail_wild_match(conf->blocks[self].name, b->name))
				continue;
		} else {
			break;
		}
		for (size_t k = 0; k < b->nstmts; k++)
			if (!b->stmts[k].var &&
			    jail_pname_equal(b->stmts[k].name, name))
				at = &b->stmts[k].at;
	}
	if (at == NULL || at->file == NULL)
		return false;
	snprintf(buf, size, "%s line %d", at->file, at->line);
	*shown = at->shown;
	return true;
}
