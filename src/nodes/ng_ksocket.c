/*
 * ng_ksocket.c: the ksocket node (spec §9.12), a socket in ngd's network
 * namespace behind one hook named family/type/proto (inet/dgram/udp or
 * 2/2/17); making the hook opens the socket, removing it closes the
 * socket and the node goes.  A datagram is one frame each way; a stream
 * is its bytes in frames as they come, and an empty frame when the peer
 * closes.  Messages: bind, listen, accept, connect, getname,
 * getpeername, setopt, getopt; socket addresses in text as
 * inet/198.51.100.1:4789, inet6/[2001:db8::1]:4789, local/"/path".
 *
 * accept makes a node per connection, as FreeBSD does: its reply (now,
 * or when a connection comes) names the new node, which takes a hook of
 * any name and dies with its listener until it has one.  connect on a
 * stream says EINPROGRESS and replies later with the outcome.
 *
 * A frame's far end travels beside it (pkt->peer): what an unconnected
 * socket receives carries its sender, and a frame that carries an
 * address is sent there (sendto), so one socket serves many peers.
 *
 * Linux: connect on an inet or inet6 datagram socket names the peer
 * that frames without an address go to, and what arrives is taken from
 * the peer's host on any port.  The kernel's connect would hear the
 * peer's one port only, and VXLAN endpoints (RFC 7348 §5, the kernel's
 * own) send from a port per flow.
 * Super-frames from a TAP are cut into wire-sized frames first; a
 * datagram train (ng_ksock.h) goes out as its datagrams, and with UDP_GRO
 * set (setopt udp/104) what the kernel merged comes out as one train.
 * The socket itself is the backend's (ng_ksock.h); no I/O here.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>

#include <netgraph/ng_ksocket.h>

#include "ng_core.h"
#include "ng_ksock.h"
#include "ng_parse.h"

#define NG_KSOCKET_CONNECTING 0x01 /* a connect's reply is owed */
#define NG_KSOCKET_ACCEPTING 0x02  /* an accept's reply is owed */
#define NG_KSOCKET_EOFSEEN 0x04    /* the empty frame went out */
#define NG_KSOCKET_CLONED 0x08     /* made by accept */
#define NG_KSOCKET_EMBRYO 0x10     /* made by accept, no hook yet */

struct ng_ksocket_priv {
	struct ng_node *node;
	struct ng_hook *hook;
	struct ng_ksock *so;
	int family, type;        /* AF_INET..., SOCK_STREAM, SOCK_DGRAM... */
	struct ng_pkt_addr peer; /* a datagram socket's connect (len 0: none) */
	uint32_t flags;
	uint32_t resp_token; /* of the request whose reply is owed */
	ng_id_t resp_addr;   /* and where it goes */
	/* accept's nodes that have no hook yet die with their listener */
	struct ng_ksocket_priv *parent;
	struct ng_ksocket_priv *embryos, *sibling;
	/* What the journal needs to make the socket again (ng_ksocket_save):
	 * options as set, the address bound, a stream's connect, listen. */
	struct ng_ksocket_opt *opts;
	struct sockaddr_storage bound, conn;
	socklen_t boundlen, connlen; /* 0: not bound, not connecting */
	int32_t backlog;
	bool listening;
};

/* One option set on the socket (the last value of each level/name). */
struct ng_ksocket_opt {
	struct ng_ksocket_opt *next;
	int32_t level, name;
	uint32_t len;
	uint8_t value[];
};

/* --- names in hook names and addresses ---------------------------------- */

struct ng_ksocket_alias {
	const char *name;
	int value;
	int family; /* protocols: the family they belong to (0: inet and
	             * inet6) */
};

static const struct ng_ksocket_alias ng_ksocket_families[] = {
	{ "local", AF_UNIX, 0 },
	{ "inet", AF_INET, 0 },
	{ "inet6", AF_INET6, 0 },
	{ "atm", AF_ATMPVC, 0 },
	{ "divert", -1, 0 }, /* FreeBSD's; Linux has no such family */
	{ NULL, 0, 0 },
};

static const struct ng_ksocket_alias ng_ksocket_types[] = {
	{ "stream", SOCK_STREAM, 0 },
	{ "dgram", SOCK_DGRAM, 0 },
	{ "raw", SOCK_RAW, 0 },
	{ "rdm", SOCK_RDM, 0 },
	{ "seqpacket", SOCK_SEQPACKET, 0 },
	{ NULL, 0, 0 },
};

static const struct ng_ksocket_alias ng_ksocket_protos[] = {
	{ "ip", IPPROTO_IP, 0 },
	{ "raw", IPPROTO_RAW, 0 },
	{ "icmp", IPPROTO_ICMP, 0 },
	{ "igmp", IPPROTO_IGMP, 0 },
	{ "tcp", IPPROTO_TCP, 0 },
	{ "udp", IPPROTO_UDP, 0 },
	{ "gre", IPPROTO_GRE, 0 },
	{ "esp", IPPROTO_ESP, 0 },
	{ "ah", IPPROTO_AH, 0 },
	{ "swipe", 53, 0 },
	{ "encap", 98, 0 }, /* IP in IP, RFC 1241 */
	{ "pim", IPPROTO_PIM, 0 },
	{ NULL, 0, 0 },
};

/*
 * A name from the table or a decimal number, the len bytes at s.
 * *value -1 for a name Linux has no number for.  false: neither.
 */
static bool
ng_ksocket_lookup(const struct ng_ksocket_alias *tab, const char *s, size_t len,
    int family, int *value)
{
	unsigned long v = 0;

	for (; tab->name != NULL; tab++) {
		if (strlen(tab->name) == len &&
		    memcmp(tab->name, s, len) == 0 &&
		    (tab->family == 0 || tab->family == family)) {
			*value = tab->value;
			return true;
		}
	}
	if (len == 0 || len > 9)
		return false;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (unsigned long)(s[i] - '0');
	}
	*value = (int)v;
	return true;
}

/* --- socket addresses in text ------------------------------------------- */

/*
 * The generic form for any family: len counts the whole address (the
 * family's two bytes too, as FreeBSD's sa_len does), data what follows
 * the family.  The engine reads it into this layout.
 */
struct ng_ksocket_generic {
	uint8_t len;
	uint8_t family;
	uint8_t data[];
};
static const struct ng_parse_field ng_ksocket_generic_fields[] = {
	{ "len", &ng_parse_uint8_type },
	{ "family", &ng_parse_uint8_type },
	{ "data",
	    &(const struct ng_parse_type){ .kind = NG_PARSE_BYTES,
		.count = "len" } },
	{ NULL, NULL },
};
static const struct ng_parse_type ng_ksocket_generic_type = {
	.kind = NG_PARSE_STRUCT,
	.fields = ng_ksocket_generic_fields,
	.size = sizeof(struct ng_ksocket_generic),
};

static int
ng_ksocket_parse_generic(const char *s, size_t *off, uint8_t *buf, size_t room,
    size_t *len)
{
	uint8_t tmp[2 + 256];
	struct ng_ksocket_generic *g = (struct ng_ksocket_generic *)tmp;
	sa_family_t fam;
	size_t n;
	int error;

	error = ng_parse_at(&ng_ksocket_generic_type, s, off, tmp, sizeof(tmp),
	    &n);
	if (error != 0)
		return error;
	if (g->len < sizeof(fam))
		return EINVAL;
	if (g->len > room)
		return ERANGE;
	fam = g->family;
	memcpy(buf, &fam, sizeof(fam));
	memcpy(buf + sizeof(fam), g->data, g->len - sizeof(fam));
	*len = g->len;
	return 0;
}

static int
ng_ksocket_unparse_generic(const uint8_t *d, size_t avail, char **text)
{
	uint8_t tmp[2 + 256];
	struct ng_ksocket_generic *g = (struct ng_ksocket_generic *)tmp;
	sa_family_t fam;

	if (avail > 255)
		avail = 255;
	memset(tmp, 0, sizeof(tmp));
	memcpy(&fam, d, sizeof(fam));
	g->len = (uint8_t)avail;
	g->family = (uint8_t)fam;
	memcpy(g->data, d + sizeof(fam), avail - sizeof(fam));
	return ng_unparse(&ng_ksocket_generic_type, tmp, 2 + avail, text);
}

/* Decimal digits at s + *off, at most max; moves *off past them. */
static bool
ng_ksocket_number(const char *s, size_t *off, unsigned long max,
    unsigned long *v)
{
	size_t i = *off;

	*v = 0;
	if (s[i] < '0' || s[i] > '9')
		return false;
	for (; s[i] >= '0' && s[i] <= '9'; i++) {
		*v = *v * 10 + (unsigned long)(s[i] - '0');
		if (*v > max)
			return false;
	}
	*off = i;
	return true;
}

/* A port after a colon, if there is one. */
static bool
ng_ksocket_port(const char *s, size_t *off, uint16_t *port)
{
	unsigned long v;

	*port = 0;
	if (s[*off] != ':')
		return true;
	(*off)++;
	if (!ng_ksocket_number(s, off, 65535, &v))
		return false;
	*port = htons((uint16_t)v);
	return true;
}

static int
ng_ksocket_parse_inet(const char *s, size_t *off, uint8_t *buf, size_t room,
    size_t *len)
{
	struct sockaddr_in sin;
	uint8_t *a = (uint8_t *)&sin.sin_addr;
	unsigned long v;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	for (int i = 0; i < 4; i++) {
		if (!ng_ksocket_number(s, off, 255, &v))
			return EINVAL;
		a[i] = (uint8_t)v;
		if (i < 3 && s[(*off)++] != '.')
			return EINVAL;
	}
	if (!ng_ksocket_port(s, off, &sin.sin_port))
		return EINVAL;
	if (room < sizeof(sin))
		return ERANGE;
	memcpy(buf, &sin, sizeof(sin));
	*len = sizeof(sin);
	return 0;
}

static int
ng_ksocket_parse_inet6(const char *s, size_t *off, uint8_t *buf, size_t room,
    size_t *len)
{
	struct sockaddr_in6 sin6;
	char text[INET6_ADDRSTRLEN];
	bool bracket = s[*off] == '[';
	size_t i = *off + bracket, n;

	memset(&sin6, 0, sizeof(sin6));
	sin6.sin6_family = AF_INET6;
	for (n = 0; strchr("0123456789abcdefABCDEF:.", s[i + n]) != NULL &&
	     s[i + n] != '\0';
	     n++)
		;
	if (n == 0 || n >= sizeof(text))
		return EINVAL;
	memcpy(text, s + i, n);
	text[n] = '\0';
	if (inet_pton(AF_INET6, text, &sin6.sin6_addr) != 1)
		return EINVAL;
	i += n;
	if (bracket) {
		if (s[i++] != ']')
			return EINVAL;
		if (!ng_ksocket_port(s, &i, &sin6.sin6_port))
			return EINVAL;
	}
	if (room < sizeof(sin6))
		return ERANGE;
	*off = i;
	memcpy(buf, &sin6, sizeof(sin6));
	*len = sizeof(sin6);
	return 0;
}

static int
ng_ksocket_parse_local(const char *s, size_t *off, uint8_t *buf, size_t room,
    size_t *len)
{
	uint8_t tmp[2 + 4096];
	struct sockaddr_un sun;
	uint16_t n;
	size_t l;
	int error;

	error = ng_parse_at(&ng_parse_sizedstring_type, s, off, tmp,
	    sizeof(tmp), &l);
	if (error != 0)
		return error == ERANGE ? E2BIG : error;
	memcpy(&n, tmp, 2);
	if (n > sizeof(sun.sun_path))
		return E2BIG;
	l = offsetof(struct sockaddr_un, sun_path) + n;
	if (room < l)
		return ERANGE;
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, tmp + 2, n);
	memcpy(buf, &sun, l);
	*len = l;
	return 0;
}

static int
ng_ksocket_sockaddr_parse(const char *s, size_t *off, uint8_t *buf, size_t room,
    size_t *len)
{
	const char *slash;
	size_t flen;
	int family;

	if (s[*off] == '{')
		return ng_ksocket_parse_generic(s, off, buf, room, len);
	slash = strchr(s + *off, '/');
	if (slash == NULL)
		return EINVAL;
	flen = (size_t)(slash - (s + *off));
	if (!ng_ksocket_lookup(ng_ksocket_families, s + *off, flen, 0, &family))
		return EINVAL;
	*off += flen + 1;
	switch (family) {
	case AF_INET:
		return ng_ksocket_parse_inet(s, off, buf, room, len);
	case AF_INET6:
		return ng_ksocket_parse_inet6(s, off, buf, room, len);
	case AF_UNIX:
		return ng_ksocket_parse_local(s, off, buf, room, len);
	}
	return EINVAL;
}

static int
ng_ksocket_sockaddr_unparse(const uint8_t *d, size_t avail, char **text)
{
	sa_family_t fam;
	char buf[INET6_ADDRSTRLEN + 32];

	if (avail < sizeof(fam))
		return EINVAL;
	memcpy(&fam, d, sizeof(fam));
	if (fam == AF_INET && avail >= sizeof(struct sockaddr_in)) {
		struct sockaddr_in sin;
		const uint8_t *a = (const uint8_t *)&sin.sin_addr;
		int n;

		memcpy(&sin, d, sizeof(sin));
		n = snprintf(buf, sizeof(buf), "inet/%u.%u.%u.%u", a[0], a[1],
		    a[2], a[3]);
		if (sin.sin_port != 0)
			snprintf(buf + n, sizeof(buf) - (size_t)n, ":%u",
			    ntohs(sin.sin_port));
	} else if (fam == AF_INET6 && avail >= sizeof(struct sockaddr_in6)) {
		struct sockaddr_in6 sin6;
		char a[INET6_ADDRSTRLEN];

		memcpy(&sin6, d, sizeof(sin6));
		inet_ntop(AF_INET6, &sin6.sin6_addr, a, sizeof(a));
		if (sin6.sin6_port != 0)
			snprintf(buf, sizeof(buf), "inet6/[%s]:%u", a,
			    ntohs(sin6.sin6_port));
		else
			snprintf(buf, sizeof(buf), "inet6/%s", a);
	} else if (fam == AF_UNIX) {
		size_t off = offsetof(struct sockaddr_un, sun_path), n;
		uint8_t tmp[2 + sizeof(((struct sockaddr_un *)0)->sun_path)];
		uint16_t n16;
		char *path;
		int error;

		n = avail - off;
		if (n > sizeof(tmp) - 2)
			n = sizeof(tmp) - 2;
		/* A path ends at its NUL; an abstract name (a NUL first)
		 * is as long as the address. */
		if (n > 0 && d[off] != '\0')
			n = strnlen((const char *)d + off, n);
		n16 = (uint16_t)n;
		memcpy(tmp, &n16, 2);
		memcpy(tmp + 2, d + off, n);
		error = ng_unparse(&ng_parse_sizedstring_type, tmp, 2 + n,
		    &path);
		if (error != 0)
			return error;
		if (asprintf(text, "local/%s", path) < 0) {
			free(path);
			return ENOMEM;
		}
		free(path);
		return 0;
	} else {
		return ng_ksocket_unparse_generic(d, avail, text);
	}
	*text = strdup(buf);
	return *text == NULL ? ENOMEM : 0;
}

static const struct ng_parse_custom ng_ksocket_sockaddr_custom = {
	.parse = ng_ksocket_sockaddr_parse,
	.unparse = ng_ksocket_sockaddr_unparse,
	.align = 1,
};
static const struct ng_parse_type ng_ksocket_sockaddr_parse_type = {
	.kind = NG_PARSE_CUSTOM,
	.custom = &ng_ksocket_sockaddr_custom,
};

/*
 * An option's value: as many bytes as the message has left, written as
 * a byte array ([ 0x1 ], an index where zeros were left out: [ 3=0x1 ])
 * or a quoted string.
 */
static int
ng_ksocket_optval_parse(const char *s, size_t *off, uint8_t *buf, size_t room,
    size_t *len)
{
	struct ng_parse_type bytes = { .kind = NG_PARSE_BYTES };
	size_t i = *off, next = 0, n = 0;

	if (s[i] == '"') {
		uint8_t tmp[2 + NG_KSOCKET_MAX_OPTLEN];
		uint16_t l;
		size_t tl;
		int error;

		error = ng_parse_at(&ng_parse_sizedstring_type, s, off, tmp,
		    sizeof(tmp), &tl);
		if (error != 0)
			return error;
		memcpy(&l, tmp, 2);
		if (l > room)
			return ERANGE;
		memcpy(buf, tmp + 2, l);
		*len = l;
		return 0;
	}
	/* How many bytes: one past the highest index given. */
	if (s[i++] != '[')
		return EINVAL;
	for (;;) {
		unsigned long idx;
		size_t j;

		while (s[i] == ' ' || (s[i] >= '\t' && s[i] <= '\r'))
			i++;
		if (s[i] == ']' || s[i] == '\0')
			break;
		j = i;
		if (ng_ksocket_number(s, &j, NG_KSOCKET_MAX_OPTLEN, &idx) &&
		    s[j] == '=')
			next = idx;
		if (++next > n)
			n = next;
		if (n > NG_KSOCKET_MAX_OPTLEN)
			return E2BIG;
		while (s[i] != '\0' && s[i] != ']' && s[i] != ' ' &&
		    !(s[i] >= '\t' && s[i] <= '\r'))
			i++;
	}
	bytes.len = n;
	return ng_parse_at(&bytes, s, off, buf, room, len);
}

/*
 * Zeros are left out, and a message's argument is a whole number of
 * 4-byte words: a value whose zeros at the end reach past that (0 in an
 * int, a struct linger { 1 0 }) also names its last byte ([ 7=0x0 ]), so
 * that its text parses back to as many bytes (a journal replays it; a
 * getopt reply pasted into setopt gives the same option).
 */
static int
ng_ksocket_optval_unparse(const uint8_t *d, size_t avail, char **text)
{
	struct ng_parse_type bytes = { .kind = NG_PARSE_BYTES, .len = avail };
	size_t n, used = avail;
	char *t;
	int error;

	if ((error = ng_unparse(&bytes, d, avail, text)) != 0)
		return error;
	while (used > 0 && d[used - 1] == 0)
		used--;
	if (avail == 0 || (used + 3) / 4 * 4 == avail ||
	    (n = strlen(*text)) == 0 || (*text)[n - 1] != ']')
		return 0;
	if ((t = malloc(n + 32)) == NULL) {
		free(*text);
		*text = NULL;
		return ENOMEM;
	}
	/* "[ ... ]" or "[]": the last byte goes before the bracket. */
	(*text)[n - 1] = '\0';
	if (n >= 2 && (*text)[n - 2] == ' ')
		(*text)[n - 2] = '\0';
	snprintf(t, n + 32, "%s %zu=0x0 ]", *text, avail - 1);
	free(*text);
	*text = t;
	return 0;
}

static const struct ng_parse_custom ng_ksocket_optval_custom = {
	.parse = ng_ksocket_optval_parse,
	.unparse = ng_ksocket_optval_unparse,
	.align = 1,
};
static const struct ng_parse_type ng_ksocket_optval_parse_type = {
	.kind = NG_PARSE_CUSTOM,
	.custom = &ng_ksocket_optval_custom,
};

NG_PARSE_STRUCT(ng_ksocket_sockopt, NG_KSOCKET_SOCKOPT_FIELDS);
NG_PARSE_STRUCT(ng_ksocket_accept, NG_KSOCKET_ACCEPT_FIELDS);

/* --- the node ----------------------------------------------------------- */

static const struct ng_ksock_ops *
ng_ksocket_ops(struct ng_node *node, void **be)
{
	const struct ng_backend *b;

	b = ng_graph_backend(node->graph, NGM_KSOCKET_COOKIE);
	*be = b != NULL ? b->arg : NULL;
	return b != NULL ? b->ops : NULL;
}

static void ng_ksocket_input(struct ng_node *node, struct ng_pkt **pkt);
static void ng_ksocket_event(struct ng_node *node, enum ng_ksock_event ev,
    int error);

static const struct ng_ksock_upcalls ng_ksocket_upcalls = {
	.input = ng_ksocket_input,
	.event = ng_ksocket_event,
};

static int
ng_ksocket_constructor(struct ng_node *node)
{
	struct ng_ksocket_priv *priv = calloc(1, sizeof(*priv));

	if (priv == NULL)
		return ENOMEM;
	priv->node = node;
	node->priv = priv;
	return 0;
}

/* Take an embryo off its listener's list. */
static void
ng_ksocket_unlink_embryo(struct ng_ksocket_priv *priv)
{
	struct ng_ksocket_priv **pp;

	if (!(priv->flags & NG_KSOCKET_EMBRYO) || priv->parent == NULL)
		return;
	for (pp = &priv->parent->embryos; *pp != NULL; pp = &(*pp)->sibling)
		if (*pp == priv) {
			*pp = priv->sibling;
			break;
		}
	priv->flags &= ~NG_KSOCKET_EMBRYO;
	priv->parent = NULL;
	priv->sibling = NULL;
}

/* The hook's name says which socket to open: family/type/proto. */
static int
ng_ksocket_newhook(struct ng_node *node, struct ng_hook *hook, const char *name)
{
	struct ng_ksocket_priv *priv = node->priv;
	const struct ng_ksock_ops *ops;
	const char *s1, *s2;
	int family, type, proto, error;
	void *be;

	if (priv->hook != NULL)
		return EISCONN;
	if (priv->flags & NG_KSOCKET_CLONED) {
		/* accept's node: any name; it lives on its own now */
		ng_ksocket_unlink_embryo(priv);
		priv->hook = hook;
		return 0;
	}
	if ((s1 = strchr(name, '/')) == NULL ||
	    !ng_ksocket_lookup(ng_ksocket_families, name, (size_t)(s1 - name),
		0, &family))
		return EINVAL;
	s1++;
	if ((s2 = strchr(s1, '/')) == NULL ||
	    !ng_ksocket_lookup(ng_ksocket_types, s1, (size_t)(s2 - s1), 0,
		&type))
		return EINVAL;
	s2++;
	if (!ng_ksocket_lookup(ng_ksocket_protos, s2, strlen(s2), family,
		&proto))
		return EINVAL;
	if (family < 0)
		return EAFNOSUPPORT;
	if (proto < 0)
		return EPROTONOSUPPORT;
	ops = ng_ksocket_ops(node, &be);
	if (ops == NULL)
		return ENXIO;
	error = ops->open(be, family, type, proto, &ng_ksocket_upcalls, node,
	    &priv->so);
	if (error != 0)
		return error;
	priv->family = family;
	priv->type = type;
	priv->hook = hook;
	return 0;
}

/* Joined: frames may flow, the socket is read. */
static int
ng_ksocket_connect(struct ng_hook *hook)
{
	struct ng_ksocket_priv *priv = hook->node->priv;
	const struct ng_ksock_ops *ops;
	void *be;

	ops = ng_ksocket_ops(hook->node, &be);
	if (ops != NULL && priv->so != NULL)
		ops->resume(be, priv->so, true);
	return 0;
}

/* The socket's peer (or sender) and the node's own ID. */
static int
ng_ksocket_send_reply(struct ng_node *from, ng_id_t to, struct ng_mesg *m)
{
	struct ng_msgctx ctx = { .retaddr = from->id };
	struct ng_node *dest = ng_find_id(from->graph, to);

	if (dest == NULL || !ng_node_valid(dest))
		return ENOENT;
	return ng_deliver_msg(dest, &ctx, m);
}

/*
 * Take a waiting connection: a new node holds it, and the reply naming
 * that node goes to whoever asked, from the new node.  EWOULDBLOCK: none
 * waits; the backend tells us when one does.
 */
static int
ng_ksocket_accept(struct ng_ksocket_priv *priv)
{
	struct ng_node *node = priv->node, *clone;
	struct ng_ksocket_priv *cpriv;
	const struct ng_ksock_ops *ops;
	struct ng_ksocket_accept *ka;
	struct sockaddr_storage ss;
	struct ng_ksock *so;
	struct ng_mesg *m;
	socklen_t sslen = sizeof(ss);
	void *be;
	int error;

	ops = ng_ksocket_ops(node, &be);
	error = ops->accept(be, priv->so, &so, &ss, &sslen);
	if (error == EWOULDBLOCK || error == EAGAIN) {
		priv->flags |= NG_KSOCKET_ACCEPTING;
		return EWOULDBLOCK;
	}
	priv->flags &= ~NG_KSOCKET_ACCEPTING;
	if (error != 0)
		return error;
	if (sslen > sizeof(ss))
		sslen = sizeof(ss);
	error = ng_make_node(node->graph, NG_KSOCKET_NODE_TYPE, &clone);
	if (error != 0) {
		ops->close(be, so);
		return error;
	}
	cpriv = clone->priv;
	cpriv->so = so;
	cpriv->family = priv->family;
	cpriv->type = priv->type;
	cpriv->flags = NG_KSOCKET_CLONED | NG_KSOCKET_EMBRYO;
	cpriv->parent = priv;
	cpriv->sibling = priv->embryos;
	priv->embryos = cpriv;
	ops->attach(be, so, clone);
	m = ng_mkmsg(NGM_KSOCKET_COOKIE, NGM_KSOCKET_ACCEPT,
	    sizeof(*ka) + sslen);
	if (m == NULL)
		return ENOMEM; /* the embryo goes with its listener */
	snprintf(m->header.cmdstr, sizeof(m->header.cmdstr), "accept");
	m->header.flags |= NGF_RESP;
	m->header.token = priv->resp_token;
	ka = (struct ng_ksocket_accept *)m->data;
	ka->nodeid = clone->id;
	memcpy(ka->addr, &ss, sslen);
	(void)ng_ksocket_send_reply(clone, priv->resp_addr, m);
	free(m);
	return 0;
}

/* Is the message's argument a socket address we may hand on? */
static bool
ng_ksocket_sa_ok(const struct ng_mesg *msg)
{
	return msg->header.arglen >= sizeof(sa_family_t) &&
	    msg->header.arglen <= sizeof(struct sockaddr_storage);
}

/*
 * An address for bind or connect, checked as FreeBSD's protocols check
 * it before the kernel here sees it: on an inet, inet6 or local socket
 * another family is EAFNOSUPPORT (Linux says EINVAL for some, and takes
 * an inet address on an inet6 socket's connect), save bind's old
 * AF_UNSPEC spelling of inet's any address; a TCP or UDP connect to
 * port 0 is EADDRNOTAVAIL (Linux's UDP takes it).
 */
static int
ng_ksocket_sa_check(const struct ng_ksocket_priv *priv,
    const struct sockaddr *sa, uint32_t len, bool connect)
{
	const struct sockaddr_in *sin = (const struct sockaddr_in *)sa;
	const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)sa;

	if (priv->family != AF_INET && priv->family != AF_INET6 &&
	    priv->family != AF_UNIX)
		return 0; /* the kernel's rules */
	if (sa->sa_family != priv->family) {
		if (connect || priv->family != AF_INET ||
		    sa->sa_family != AF_UNSPEC ||
		    len < offsetof(struct sockaddr_in, sin_zero) ||
		    sin->sin_addr.s_addr != htonl(INADDR_ANY))
			return EAFNOSUPPORT;
	}
	if (!connect || (priv->type != SOCK_STREAM && priv->type != SOCK_DGRAM))
		return 0;
	if (priv->family == AF_INET && len == sizeof(*sin))
		return sin->sin_port == 0 ? EADDRNOTAVAIL : 0;
	if (priv->family == AF_INET6 && len == sizeof(*sin6))
		return sin6->sin6_port == 0 ? EADDRNOTAVAIL : 0;
	return 0;
}

/*
 * connect on an inet datagram socket: the peer is kept here (see the
 * top).  false: the kernel's connect it is.
 */
static bool
ng_ksocket_dgram_peer(struct ng_ksocket_priv *priv, const struct sockaddr *sa,
    uint32_t len)
{
	if (priv->type != SOCK_DGRAM || sa->sa_family != priv->family)
		return false;
	if ((sa->sa_family == AF_INET && len == sizeof(struct sockaddr_in)) ||
	    (sa->sa_family == AF_INET6 && len == sizeof(struct sockaddr_in6))) {
		memset(&priv->peer, 0, sizeof(priv->peer));
		memcpy(&priv->peer.u, sa, len);
		priv->peer.len = (uint8_t)len;
		return true;
	}
	return false;
}

/* Whether a datagram's sender is on the connected peer's host. */
static bool
ng_ksocket_from_peer(const struct ng_ksocket_priv *priv,
    const struct ng_pkt_addr *from)
{
	const struct ng_pkt_addr *p = &priv->peer;

	if (p->len == 0)
		return true;
	if (from->len == 0 || from->u.sa.sa_family != p->u.sa.sa_family)
		return false;
	if (p->u.sa.sa_family == AF_INET)
		return from->u.sin.sin_addr.s_addr == p->u.sin.sin_addr.s_addr;
	return memcmp(&from->u.sin6.sin6_addr, &p->u.sin6.sin6_addr, 16) == 0;
}

static int
ng_ksocket_getname(struct ng_node *node, struct ng_mesg *msg, bool peer,
    struct ng_mesg **resp)
{
	struct ng_ksocket_priv *priv = node->priv;
	const struct ng_ksock_ops *ops;
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	void *be;
	int error;

	ops = ng_ksocket_ops(node, &be);
	if (peer && priv->peer.len > 0) {
		memset(&ss, 0, sizeof(ss));
		memcpy(&ss, &priv->peer.u, priv->peer.len);
		len = priv->peer.len;
	} else if ((error = ops->getname(be, priv->so, peer, &ss, &len)) != 0) {
		return error;
	}
	if (len > sizeof(ss))
		len = sizeof(ss);
	if ((*resp = ng_mkresponse(msg, len)) == NULL)
		return ENOMEM;
	memcpy((*resp)->data, &ss, len);
	return 0;
}

static int
ng_ksocket_getopt(struct ng_node *node, struct ng_mesg *msg,
    struct ng_mesg **resp)
{
	struct ng_ksocket_priv *priv = node->priv;
	struct ng_ksocket_sockopt *req = (struct ng_ksocket_sockopt *)msg->data;
	struct ng_ksocket_sockopt *ko;
	const struct ng_ksock_ops *ops;
	socklen_t len = NG_KSOCKET_MAX_OPTLEN;
	void *be;
	int error;

	if (msg->header.arglen != sizeof(*req))
		return EINVAL;
	*resp = ng_mkresponse(msg, sizeof(*ko) + NG_KSOCKET_MAX_OPTLEN);
	if (*resp == NULL)
		return ENOMEM;
	ko = (struct ng_ksocket_sockopt *)(*resp)->data;
	ko->level = req->level;
	ko->name = req->name;
	ops = ng_ksocket_ops(node, &be);
	error = ops->getopt(be, priv->so, req->level, req->name, ko->value,
	    &len);
	if (error != 0) {
		free(*resp);
		*resp = NULL;
		return error;
	}
	(*resp)->header.arglen = sizeof(*ko) +
	    (len < NG_KSOCKET_MAX_OPTLEN ? len : NG_KSOCKET_MAX_OPTLEN);
	return 0;
}

/* An option set: kept (replacing its last value) for the journal. */
static void
ng_ksocket_keep_opt(struct ng_ksocket_priv *priv,
    const struct ng_ksocket_sockopt *ko, uint32_t len)
{
	struct ng_ksocket_opt *o, **pp;

	for (pp = &priv->opts; *pp != NULL; pp = &(*pp)->next)
		if ((*pp)->level == ko->level && (*pp)->name == ko->name) {
			o = *pp;
			*pp = o->next;
			free(o);
			break;
		}
	if ((o = malloc(sizeof(*o) + len)) == NULL)
		return; /* set, only not journaled */
	o->level = ko->level;
	o->name = ko->name;
	o->len = len;
	memcpy(o->value, ko->value, len);
	o->next = NULL;
	for (pp = &priv->opts; *pp != NULL; pp = &(*pp)->next)
		;
	*pp = o; /* in the order they were set */
}

static int
ng_ksocket_rcvmsg(struct ng_node *node, const struct ng_msgctx *ctx,
    struct ng_mesg *msg, struct ng_mesg **resp)
{
	struct ng_ksocket_priv *priv = node->priv;
	const struct sockaddr *sa = (const struct sockaddr *)msg->data;
	const struct ng_ksock_ops *ops;
	uint32_t arglen = msg->header.arglen;
	int32_t v32;
	void *be;
	int error;

	if (msg->header.typecookie != NGM_KSOCKET_COOKIE ||
	    (msg->header.flags & NGF_RESP))
		return EINVAL;
	ops = ng_ksocket_ops(node, &be);
	switch (msg->header.cmd) {
	case NGM_KSOCKET_BIND:
		if (!ng_ksocket_sa_ok(msg))
			return EINVAL;
		if (priv->so == NULL)
			return ENXIO;
		if ((error = ng_ksocket_sa_check(priv, sa, arglen, false)) != 0)
			return error;
		error = ops->bind(be, priv->so, sa, arglen);
		if (error == 0) {
			/* The address it got (a port 0 chosen), for the
			 * journal. */
			priv->boundlen = sizeof(priv->bound);
			if (ops->getname(be, priv->so, false, &priv->bound,
				&priv->boundlen) != 0 ||
			    priv->boundlen > sizeof(priv->bound)) {
				memcpy(&priv->bound, sa, arglen);
				priv->boundlen = arglen;
			}
		}
		return error;
	case NGM_KSOCKET_LISTEN:
		if (arglen != sizeof(v32))
			return EINVAL;
		if (priv->so == NULL)
			return ENXIO;
		memcpy(&v32, msg->data, sizeof(v32));
		error = ops->listen(be, priv->so, v32);
		if (error == 0) {
			priv->listening = true;
			priv->backlog = v32;
		}
		return error;
	case NGM_KSOCKET_ACCEPT:
		if (arglen != 0)
			return EINVAL;
		if (priv->so == NULL)
			return ENXIO;
		if (priv->flags & NG_KSOCKET_ACCEPTING)
			return EALREADY;
		priv->resp_token = msg->header.token;
		priv->resp_addr = ctx->retaddr;
		error = ng_ksocket_accept(priv);
		return error == EWOULDBLOCK ? 0 : error;
	case NGM_KSOCKET_CONNECT:
		if (!ng_ksocket_sa_ok(msg))
			return EINVAL;
		if (priv->so == NULL)
			return ENXIO;
		if (priv->flags & NG_KSOCKET_CONNECTING)
			return EALREADY;
		if ((error = ng_ksocket_sa_check(priv, sa, arglen, true)) != 0)
			return error;
		if (ng_ksocket_dgram_peer(priv, sa, arglen))
			return 0;
		error = ops->connect(be, priv->so, sa, arglen);
		if (error == 0 || error == EINPROGRESS) {
			memcpy(&priv->conn, sa, arglen);
			priv->connlen = arglen;
		}
		if (error == EINPROGRESS) {
			/* The outcome is replied when it is known. */
			priv->resp_token = msg->header.token;
			priv->resp_addr = ctx->retaddr;
			priv->flags |= NG_KSOCKET_CONNECTING;
		}
		return error;
	case NGM_KSOCKET_GETNAME:
	case NGM_KSOCKET_GETPEERNAME:
		if (arglen != 0)
			return EINVAL;
		if (priv->so == NULL)
			return ENXIO;
		return ng_ksocket_getname(node, msg,
		    msg->header.cmd == NGM_KSOCKET_GETPEERNAME, resp);
	case NGM_KSOCKET_SETOPT: {
		const struct ng_ksocket_sockopt *ko =
		    (const struct ng_ksocket_sockopt *)msg->data;

		if (arglen < sizeof(*ko))
			return EINVAL;
		if (priv->so == NULL)
			return ENXIO;
		error = ops->setopt(be, priv->so, ko->level, ko->name,
		    ko->value, arglen - sizeof(*ko));
		if (error == 0)
			ng_ksocket_keep_opt(priv, ko, arglen - sizeof(*ko));
		return error;
	}
	case NGM_KSOCKET_GETOPT:
		if (priv->so == NULL)
			return ENXIO;
		return ng_ksocket_getopt(node, msg, resp);
	}
	return EINVAL;
}

struct ng_ksocket_out {
	struct ng_ksocket_priv *priv;
	int error;
};

/* One frame out of the socket, to the address it carries if any. */
static void
ng_ksocket_send(void *arg, struct ng_pkt **pkt)
{
	struct ng_ksocket_out *o = arg;
	struct ng_ksocket_priv *priv = o->priv;
	const struct ng_pkt_addr *pa = &(*pkt)->peer;
	const struct ng_ksock_ops *ops;
	void *be;
	int error;

	ops = ng_ksocket_ops(priv->node, &be);
	if (pa->len > 0 && (pa->owner == 0 || pa->owner == priv->node->id))
		error = ops->send(be, priv->so, *pkt, &pa->u.sa, pa->len);
	else if (priv->peer.len > 0)
		error = ops->send(be, priv->so, *pkt, &priv->peer.u.sa,
		    priv->peer.len);
	else
		error = ops->send(be, priv->so, *pkt, NULL, 0);
	if (o->error == 0)
		o->error = error;
	ng_pkt_free(pkt);
}

static int
ng_ksocket_rcvdata(struct ng_hook *hook, struct ng_pkt **pkt)
{
	struct ng_ksocket_priv *priv = hook->node->priv;
	struct ng_ksocket_out o = { .priv = priv };
	int error;

	if (priv->so == NULL) {
		ng_pkt_free(pkt);
		return ENXIO;
	}
	if ((*pkt)->len == 0) {
		ng_pkt_free(pkt);
		return 0;
	}
	/* A datagram carries what the wire would: whole frames, their
	 * checksums done.  A stream carries bytes as they are. */
	if (priv->type == SOCK_STREAM ||
	    ((*pkt)->vh.gso_type == VIRTIO_NET_HDR_GSO_NONE &&
		!((*pkt)->vh.flags & VIRTIO_NET_HDR_F_NEEDS_CSUM)) ||
	    (*pkt)->vh.gso_type == NG_GSO_DGRAMS) { /* ng_ksock.h */
		ng_ksocket_send(&o, pkt);
		return o.error;
	}
	error = ng_pkt_segment(pkt, ng_pkt_l2len(*pkt), ng_ksocket_send, &o);
	return error != 0 ? error : o.error;
}

/* What the socket received: out the hook, with its sender if known. */
static void
ng_ksocket_input(struct ng_node *node, struct ng_pkt **pkt)
{
	struct ng_ksocket_priv *priv = node->priv;

	if (priv == NULL || priv->hook == NULL || !ng_node_valid(node) ||
	    !ng_ksocket_from_peer(priv, &(*pkt)->peer)) {
		ng_pkt_free(pkt);
		return;
	}
	if ((*pkt)->peer.len > 0)
		(*pkt)->peer.owner = node->id;
	(void)ng_send_data(priv->hook, pkt); /* consumes *pkt */
}

static void
ng_ksocket_event(struct ng_node *node, enum ng_ksock_event ev, int error)
{
	struct ng_ksocket_priv *priv = node->priv;
	struct ng_mesg *m;
	struct ng_pkt *pkt;
	int32_t v32 = error;

	if (priv == NULL || !ng_node_valid(node))
		return;
	switch (ev) {
	case NG_KSOCK_CONNECTED:
		if (!(priv->flags & NG_KSOCKET_CONNECTING))
			return;
		priv->flags &= ~NG_KSOCKET_CONNECTING;
		if (error != 0)
			priv->connlen = 0; /* nothing to connect again */
		m = ng_mkmsg(NGM_KSOCKET_COOKIE, NGM_KSOCKET_CONNECT,
		    sizeof(v32));
		if (m == NULL)
			return;
		snprintf(m->header.cmdstr, sizeof(m->header.cmdstr), "connect");
		m->header.flags |= NGF_RESP;
		m->header.token = priv->resp_token;
		memcpy(m->data, &v32, sizeof(v32));
		(void)ng_ksocket_send_reply(node, priv->resp_addr, m);
		free(m);
		break;
	case NG_KSOCK_ACCEPTABLE:
		if (priv->flags & NG_KSOCKET_ACCEPTING)
			(void)ng_ksocket_accept(priv);
		break;
	case NG_KSOCK_EOF:
		/* The peer is done: an empty frame says so, once. */
		if ((priv->flags & NG_KSOCKET_EOFSEEN) || priv->hook == NULL)
			return;
		priv->flags |= NG_KSOCKET_EOFSEEN;
		if ((pkt = ng_pkt_alloc(node->graph)) != NULL)
			(void)ng_send_data(priv->hook, &pkt);
		break;
	}
}

/* The hook went: so does the socket, and the node. */
static int
ng_ksocket_disconnect(struct ng_hook *hook)
{
	struct ng_ksocket_priv *priv = hook->node->priv;

	if (priv->hook == hook)
		priv->hook = NULL;
	if (ng_node_valid(hook->node))
		ng_rmnode(hook->node);
	return 0;
}

static int
ng_ksocket_shutdown(struct ng_node *node)
{
	struct ng_ksocket_priv *priv = node->priv;
	const struct ng_ksock_ops *ops;
	void *be;

	if (priv == NULL)
		return 0;
	ops = ng_ksocket_ops(node, &be);
	if (priv->so != NULL && ops != NULL)
		ops->close(be, priv->so);
	priv->so = NULL;
	ng_ksocket_unlink_embryo(priv);
	/* accept's nodes that never got a hook go with their listener */
	while (priv->embryos != NULL) {
		struct ng_ksocket_priv *e = priv->embryos;

		ng_ksocket_unlink_embryo(e);
		ng_rmnode(e->node);
	}
	while (priv->opts != NULL) {
		struct ng_ksocket_opt *o = priv->opts;

		priv->opts = o->next;
		free(o);
	}
	free(priv);
	node->priv = NULL;
	return 0;
}

static int
ng_ksocket_emit(struct ng_node *node, uint32_t cookie, uint32_t cmd,
    const void *a, size_t alen, const void *b, size_t blen, ng_save_fn *emit,
    void *arg)
{
	struct ng_mesg *m = ng_mkmsg(cookie, cmd, alen + blen);
	int error;

	if (m == NULL)
		return ENOMEM;
	memcpy(m->data, a, alen);
	if (blen > 0)
		memcpy(m->data + alen, b, blen);
	error = emit(arg, node, m);
	free(m);
	return error;
}

/*
 * Journal and takeover.  The socket is made again by its hook (the
 * hook's name says family/type/proto); then, in this order, the options
 * as they were set, the address it was bound to (the port it got, if it
 * asked for 0), a datagram socket's peer or a stream's connect, listen
 * with its backlog.  A node accept made holds a connection, which a new
 * ngd cannot have: it is shut down when the journal is replayed (its
 * peer node stays), and a listening socket listens again.
 */
static int
ng_ksocket_save(struct ng_node *node, ng_save_fn *emit, void *arg)
{
	struct ng_ksocket_priv *priv = node->priv;
	const uint32_t K = NGM_KSOCKET_COOKIE;
	int error = 0;

	if (priv->flags & NG_KSOCKET_CLONED)
		return ng_save_cmd(node, NGM_GENERIC_COOKIE, NGM_SHUTDOWN, emit,
		    arg);
	for (const struct ng_ksocket_opt *o = priv->opts;
	     error == 0 && o != NULL; o = o->next) {
		struct ng_ksocket_sockopt ko = { .level = o->level,
			.name = o->name };

		error = ng_ksocket_emit(node, K, NGM_KSOCKET_SETOPT, &ko,
		    sizeof(ko), o->value, o->len, emit, arg);
	}
	if (error == 0 && priv->boundlen > 0)
		error = ng_ksocket_emit(node, K, NGM_KSOCKET_BIND, &priv->bound,
		    priv->boundlen, NULL, 0, emit, arg);
	if (error == 0 && priv->peer.len > 0)
		error = ng_ksocket_emit(node, K, NGM_KSOCKET_CONNECT,
		    &priv->peer.u, priv->peer.len, NULL, 0, emit, arg);
	else if (error == 0 && priv->connlen > 0)
		error = ng_ksocket_emit(node, K, NGM_KSOCKET_CONNECT,
		    &priv->conn, priv->connlen, NULL, 0, emit, arg);
	if (error == 0 && priv->listening)
		error = ng_ksocket_emit(node, K, NGM_KSOCKET_LISTEN,
		    &priv->backlog, sizeof(priv->backlog), NULL, 0, emit, arg);
	return error;
}

#define K NGM_KSOCKET_COOKIE
static const struct ng_cmdlist ng_ksocket_cmds[] = {
	{ K, NGM_KSOCKET_BIND, "bind", &ng_ksocket_sockaddr_parse_type, NULL },
	{ K, NGM_KSOCKET_LISTEN, "listen", &ng_parse_int32_type, NULL },
	{ K, NGM_KSOCKET_ACCEPT, "accept", NULL,
	    &ng_ksocket_accept_parse_type },
	{ K, NGM_KSOCKET_CONNECT, "connect", &ng_ksocket_sockaddr_parse_type,
	    &ng_parse_int32_type },
	{ K, NGM_KSOCKET_GETNAME, "getname", NULL,
	    &ng_ksocket_sockaddr_parse_type },
	{ K, NGM_KSOCKET_GETPEERNAME, "getpeername", NULL,
	    &ng_ksocket_sockaddr_parse_type },
	{ K, NGM_KSOCKET_SETOPT, "setopt", &ng_ksocket_sockopt_parse_type,
	    NULL },
	{ K, NGM_KSOCKET_GETOPT, "getopt", &ng_ksocket_sockopt_parse_type,
	    &ng_ksocket_sockopt_parse_type },
	{ 0, 0, NULL, NULL, NULL },
};
#undef K

const struct ng_type ng_ksocket_type = {
	.name = NG_KSOCKET_NODE_TYPE,
	.cookie = NGM_KSOCKET_COOKIE,
	.constructor = ng_ksocket_constructor,
	.rcvmsg = ng_ksocket_rcvmsg,
	.shutdown = ng_ksocket_shutdown,
	.newhook = ng_ksocket_newhook,
	.connect = ng_ksocket_connect,
	.rcvdata = ng_ksocket_rcvdata,
	.disconnect = ng_ksocket_disconnect,
	.cmdlist = ng_ksocket_cmds,
	.save = ng_ksocket_save,
};
