/*
 * fuzz_wire.c: ngd's wire protocol decoder (src/ngd/ctl.c), fed request
 * frames through in-process connections (ngd_ctl_local/ngd_ctl_input),
 * so a whole graph with the fake interface backend answers them with no
 * socket (ngd's netdev.c follows interface renames through the fake
 * backend, as it would through the kernel).  Four clients: root's control and
 * data connections, and a user's (uid 65534), who may only read.
 *
 * Input: one flag byte (bit 0: the four say hello first, the data
 * connections attached to their control connection's node), then
 * records: [client byte][length, 2 bytes LE][that many bytes].
 * Checked: every request of a client still connected is answered by
 * exactly one NGD_STATUS, after its replies; every frame ngd sends is
 * well-formed; nothing leaks (ASan) and every packet returns to the pool.
 */
#include <syslog.h>

#include "../../src/ngd/ngd.h"
#include "fuzz.h"
#include "ngd_proto.h"

#ifndef FUZZ_ENTRY
#define FUZZ_ENTRY LLVMFuzzerTestOneInput
#endif

#define FZW_CLIENTS 4
#define FZW_MAXRECS 64

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

struct fzw_client {
	struct ngd_conn *conn;
	unsigned statuses; /* NGD_STATUS frames received */
	uint32_t last_error, last_id;
};

/* What ngd sends a client: check the frame, count the answers. */
static void
fzw_sink(void *arg, const struct iovec *iov, int iovcnt)
{
	struct fzw_client *c = arg;
	struct ngd_frame fr;
	size_t len = 0;

	for (int i = 0; i < iovcnt; i++)
		len += iov[i].iov_len;
	FUZZ_ASSERT(iovcnt >= 1 && iov[0].iov_len == sizeof(fr));
	memcpy(&fr, iov[0].iov_base, sizeof(fr));
	FUZZ_ASSERT(fr.version == NGD_PROTO_VERSION);
	FUZZ_ASSERT(sizeof(fr) + fr.addrlen <= len && fr.addrlen < NG_PATHSIZ);
	FUZZ_ASSERT(len <= NGD_MAX_FRAME);
	switch (fr.kind) {
	case NGD_STATUS: /* a hello's may say what ngd offers (a uint32) */
		FUZZ_ASSERT(len == sizeof(fr) || len == sizeof(fr) + 4);
		c->statuses++;
		c->last_error = fr.error;
		c->last_id = fr.id;
		break;
	case NGD_MSG: {
		struct ng_msghdr h;

		FUZZ_ASSERT(len - sizeof(fr) - fr.addrlen >= sizeof(h));
		FUZZ_ASSERT(iovcnt == 3 && iov[2].iov_len >= sizeof(h));
		memcpy(&h, iov[2].iov_base, sizeof(h));
		FUZZ_ASSERT(h.arglen == iov[2].iov_len - sizeof(h));
		break;
	}
	case NGD_DATA: /* from a hook, which may be called "" */
		break;
	case NGD_ERROR: /* a datagram that was no request, refused */
		FUZZ_ASSERT(len == sizeof(fr) && fr.error != 0);
		break;
	default:
		FUZZ_ASSERT(!"unknown frame kind from ngd");
	}
}

/*
 * Send one request as the client; check that it was answered once.  A
 * datagram that is no request (what send(2) puts on the socket) is
 * answered once before the hello, and by no status after it.
 */
static void
fzw_request(struct fzw_client *c, const void *frame, size_t len)
{
	unsigned before = c->statuses;
	struct ngd_frame fr;
	bool request = false;

	if (len >= sizeof(fr)) {
		memcpy(&fr, frame, sizeof(fr));
		request = fr.version == NGD_PROTO_VERSION &&
		    fr.kind >= NGD_HELLO_CTL && fr.kind <= NGD_DATA;
	}
	if (ngd_ctl_input(c->conn, frame, len) && request)
		FUZZ_ASSERT(c->statuses == before + 1);
	else
		FUZZ_ASSERT(c->statuses <= before + 1);
}

static void
fzw_hello(struct fzw_client *c, uint16_t kind, const char *addr)
{
	uint8_t buf[sizeof(struct ngd_frame) + NG_PATHSIZ];
	struct ngd_frame fr = { .kind = kind, .version = NGD_PROTO_VERSION };
	size_t alen = strlen(addr);

	fr.addrlen = (uint16_t)alen;
	memcpy(buf, &fr, sizeof(fr));
	memcpy(buf + sizeof(fr), addr, alen);
	fzw_request(c, buf, sizeof(fr) + alen);
}

int FUZZ_ENTRY(const uint8_t *data, size_t size);

int
FUZZ_ENTRY(const uint8_t *data, size_t size)
{
	struct fz_in in = { data, size };
	struct fzw_client cl[FZW_CLIENTS];
	struct ng_graph *g = fz_graph(&ngd_socket_ops);
	struct ngd_ctl ctl;
	uint8_t flags;

	if (g == NULL)
		return 0;
	/* No socket, so no loop: in-process clients only. */
	FUZZ_ASSERT(ngd_ctl_start(&ctl, NULL, g, -1, 0, false) == 0);
	memset(cl, 0, sizeof(cl));
	for (unsigned i = 0; i < FZW_CLIENTS; i++) {
		cl[i].conn = ngd_ctl_local(&ctl, i < 2 ? 0 : 65534, fzw_sink,
		    &cl[i]);
		FUZZ_ASSERT(cl[i].conn != NULL);
	}
	flags = fz_u8(&in);
	if (flags & 1) {
		char addr[32];

		for (unsigned i = 0; i < FZW_CLIENTS; i += 2) {
			fzw_hello(&cl[i], NGD_HELLO_CTL, i == 0 ? "root" : "");
			snprintf(addr, sizeof(addr), "[%x]:", cl[i].last_id);
			fzw_hello(&cl[i + 1], NGD_HELLO_DATA, addr);
		}
	}
	for (unsigned n = 0; n < FZW_MAXRECS && in.left > 0; n++) {
		struct fzw_client *c = &cl[fz_u8(&in) % FZW_CLIENTS];
		uint16_t want = fz_u16(&in);
		const uint8_t *p;
		uint8_t *frame;
		size_t len;

		p = fz_bytes(&in, want, &len);
		/* A copy of exactly len bytes, so ASan sees any overread. */
		if ((frame = malloc(len > 0 ? len : 1)) == NULL)
			break;
		memcpy(frame, p, len);
		fzw_request(c, frame, len);
		free(frame);
	}
	ngd_ctl_stop(&ctl); /* frees the clients; their socket nodes go */
	fz_graph_free(g);
	return 0;
}
