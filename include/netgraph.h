/*
 * netgraph.h: libnetgraph, FreeBSD's netgraph(3) API for talking to ngd.
 * Functions return -1 and set errno on failure unless noted.
 */
#ifndef _NETGRAPH_H_
#define _NETGRAPH_H_

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <netgraph/ng_message.h>

#ifdef __cplusplus
extern "C" {
#endif

int NgMkSockNode(const char *name, int *csp, int *dsp);
int NgNameNode(int cs, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
int NgSendMsg(int cs, const char *path, int cookie, int cmd, const void *args,
    size_t arglen);
int NgSendAsciiMsg(int cs, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
int NgSendReplyMsg(int cs, const char *path, const struct ng_mesg *msg,
    const void *args, size_t arglen);
int NgRecvMsg(int cs, struct ng_mesg *rep, size_t replen, char *path);
int NgAllocRecvMsg(int cs, struct ng_mesg **rep, char *path);
int NgRecvAsciiMsg(int cs, struct ng_mesg *rep, size_t replen, char *path);
int NgAllocRecvAsciiMsg(int cs, struct ng_mesg **rep, char *path);
int NgSendData(int ds, const char *hook, const unsigned char *buf, size_t len);
int NgRecvData(int ds, unsigned char *buf, size_t len, char *hook);
int NgAllocRecvData(int ds, unsigned char **buf, char *hook);
int NgSetDebug(int level);
void NgSetErrLog(void (*log)(const char *fmt, ...),
    void (*logx)(const char *fmt, ...));

/* Linux extensions */

/* Messages or data already received and waiting to be read on fd: a
 * reply may have been read off the socket while waiting for a status. */
int NgPending(int fd);
/* strerror() with FreeBSD's wording for the texts glibc words differently. */
const char *NgStrError(int error);
/* Where ngd listens: $NGD_SOCKET or "@netgraph" ('@' = abstract). */
const char *NgSocketPath(void);
/*
 * How long, in milliseconds, a request waits for ngd (to connect, for its
 * status, for a reply it asks for) before failing with ETIMEDOUT; 0 waits
 * forever.  The default is 5000, or $NGD_TIMEOUT seconds.  A negative
 * msec only asks.  Returns the previous value.  A connection that timed
 * out is unusable; receives of unrequested messages and data never time
 * out.
 */
int NgSetTimeout(int msec);

#ifdef __cplusplus
}
#endif

#endif
