/*
 * fuzz_libng.c: libnetgraph's client side (src/lib/netgraph.c, included
 * whole) reading what a hostile or broken ngd sends: frames of any kind,
 * length and address, messages whose arglen lies, statuses for requests
 * never made, replies to the BINARY2ASCII and ASCII2BINARY requests the
 * ASCII calls make, statuses for the frames, names and replies sent.  The "ngd" is the far end of a socketpair holding the
 * input's datagrams, then shut, so that every wait ends; the requests the
 * library sends are left unread.  Request tokens start at 1 each input,
 * so that a reply can match one.
 *
 * Input: one byte (low 2 bits: debug level, dumps to nowhere), a count
 * of calls and that many call bytes, then datagrams: [length, 2 bytes
 * LE][that many bytes].
 * Checked: no crash, leak or UB; what a call returns fits what it said.
 * Its RSS grows over a campaign to some 200-250 MB and stays there (as
 * fuzz_bpf's and fuzz_ksocket's do): that is ASan's quarantine of freed
 * memory (256 MB by default) filling up.  With
 * ASAN_OPTIONS=quarantine_size_mb=1 it stays at 43 MB over 327k runs,
 * and LeakSanitizer finds nothing: no leak in netgraph.c nor here.
 */
#include <sys/socket.h>
#include <unistd.h>

#include "../../src/lib/netgraph.c"

#include "fuzz.h"

#ifndef FUZZ_ENTRY
#define FUZZ_ENTRY LLVMFuzzerTestOneInput
#endif

#define FZL_MAXCALLS 16
#define FZL_MAXFRAMES 32

static void
fzl_quiet(const char *fmt, ...)
{
	(void)fmt;
}

/* One call of the library on cs (op chooses which). */
static void
fzl_call(int cs, uint8_t op)
{
	union {
		struct ng_mesg m;
		uint8_t b[256];
	} buf;
	struct ng_mesg *m = NULL;
	unsigned char *data = NULL;
	char path[NG_PATHSIZ], hook[NG_HOOKSIZ];
	int n;

	switch (op % 12) {
	case 0:
		if ((n = NgAllocRecvMsg(cs, &m, path)) >= 0)
			FUZZ_ASSERT(m != NULL && strlen(path) < NG_PATHSIZ);
		free(m);
		break;
	case 1:
		n = NgRecvMsg(cs, &buf.m, sizeof(buf), path);
		FUZZ_ASSERT(n < 0 || (size_t)n <= sizeof(buf));
		break;
	case 2:
		if (NgAllocRecvAsciiMsg(cs, &m, path) == 0) {
			FUZZ_ASSERT(m->header.arglen >= 1);
			FUZZ_ASSERT(strlen(m->data) + 1 == m->header.arglen);
		}
		free(m);
		break;
	case 3:
		if (NgRecvAsciiMsg(cs, &buf.m, sizeof(buf), path) == 0)
			FUZZ_ASSERT(sizeof(buf.m) + buf.m.header.arglen <=
			    sizeof(buf));
		break;
	case 4:
		n = NgRecvData(cs, buf.b, sizeof(buf.b), hook);
		FUZZ_ASSERT(n < 0 ||
		    ((size_t)n <= sizeof(buf.b) && strlen(hook) < NG_HOOKSIZ));
		break;
	case 5:
		if ((n = NgAllocRecvData(cs, &data, hook)) >= 0)
			FUZZ_ASSERT(data != NULL && strlen(hook) < NG_HOOKSIZ);
		free(data);
		break;
	case 6:
		(void)NgPending(cs);
		break;
	case 7: /* a binary request with a reply: the status, then wait */
		(void)NgSendMsg(cs, ".", NGM_GENERIC_COOKIE, NGM_LISTNODES,
		    NULL, 0);
		break;
	case 8: /* ASCII2BINARY, then the binary message */
		(void)NgSendAsciiMsg(cs, op & 0x80 ? "." : "[1]:", "%s fuzz",
		    op & 0x40 ? "msg" : "name");
		break;
	case 9: /* a frame out: its status */
		memset(buf.b, 0, sizeof(buf.b));
		(void)NgSendData(cs, op & 0x80 ? "h" : NULL, buf.b, op);
		break;
	case 10: /* a request with no reply wanted */
		(void)NgNameNode(cs, ".", "fuzz%u", op);
		break;
	case 11: /* a reply to a message of the peer's */
		memset(&buf.m, 0, sizeof(buf.m));
		buf.m.header.version = NG_VERSION;
		buf.m.header.token = op;
		(void)NgSendReplyMsg(cs, ".", &buf.m, op & 1 ? "x" : NULL, 1);
		break;
	}
}

int FUZZ_ENTRY(const uint8_t *data, size_t size);

int
FUZZ_ENTRY(const uint8_t *data, size_t size)
{
	struct fz_in in = { data, size };
	uint8_t calls[FZL_MAXCALLS];
	unsigned ncalls;
	int sv[2], old;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return 0;
	NgSetErrLog(fzl_quiet, fzl_quiet);
	old = NgSetDebug(fz_u8(&in) & 3);
	ng_lib_token = 1;
	ng_lib_reset(sv[0]);
	ncalls = fz_u8(&in) % (FZL_MAXCALLS + 1);
	for (unsigned i = 0; i < ncalls; i++)
		calls[i] = fz_u8(&in);
	for (unsigned n = 0; n < FZL_MAXFRAMES && in.left > 0; n++) {
		size_t len;
		const uint8_t *p = fz_bytes(&in, fz_u16(&in), &len);

		if (send(sv[1], p, len, MSG_DONTWAIT) < 0)
			break;
	}
	shutdown(sv[1], SHUT_WR); /* then every read ends */
	for (unsigned i = 0; i < ncalls; i++)
		fzl_call(sv[0], calls[i]);
	ng_lib_reset(sv[0]); /* what was left queued */
	close(sv[0]);
	close(sv[1]);
	NgSetDebug(old);
	NgSetErrLog(NULL, NULL);
	return 0;
}
