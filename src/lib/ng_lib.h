/*
 * ng_lib.h: what libnetgraph's files share (not installed).
 */
#ifndef NG_LIB_H
#define NG_LIB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdint.h>

#include <netgraph/ng_message.h>

extern int ng_lib_debug;

/*
 * The least NgAllocRecvMsg allocates: FreeBSD's socket receive space
 * (net.graph.recvspace), which it sizes that buffer by and which programs
 * written for it may count on having to write into.
 */
#define NG_LIB_RECVSPACE 20480

/* Send one request frame and wait for ngd's status: 0 or an errno. */
int ng_lib_request(int fd, uint16_t kind, const char *addr, const void *p1,
    size_t l1, const void *p2, size_t l2, uint32_t *idp);

/*
 * In a jail without a network of its own, where there is no graph (a
 * connect that finds no ngd is EPERM there, as FreeBSD's socket is).
 */
bool ng_lib_jailed_without_net(void);

/* A failure, through NgSetErrLog's log function, which appends error's
 * text; errno is error afterwards.  Both log the text with its control
 * bytes escaped (ng_lib_vis, NG_LIB_VIS_TEXT): the names and replies a
 * dump shows may be a jail's. */
void ng_lib_warn(int error, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Anything else, through its logx function. */
void ng_lib_logx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* The debug level, or 0 while converting a message for a dump. */
int ng_lib_level(void);
void ng_lib_dump_msg(const char *what, const char *path,
    const struct ng_mesg *msg, size_t len);
void ng_lib_dump_data(const unsigned char *buf, size_t len);

/*
 * One line of a hex dump, for the library's debug output, ngctl and
 * nghook: the offset, the (up to) 16 bytes from buf + off in hex, gap
 * spaces, the bytes as text ('.' where not printable) with pad spaces
 * for each byte past len.  line holds NG_LIB_HEXLINE bytes; returns the
 * length (no newline).
 */
#define NG_LIB_HEXLINE 100
size_t ng_lib_hexline(char *line, const unsigned char *buf, size_t len,
    size_t off, int gap, int pad) __attribute__((visibility("hidden")));

/*
 * Text another party chose (vis.c), safe to print on a terminal: a byte
 * outside printable ASCII as \ooo (ESC is \033), a backslash doubled.
 * NG_LIB_VIS_TEXT (a reply's text, a status): newline and tab kept, a
 * backslash kept.  Each looks at up to n bytes, or to a NUL.
 * ng_lib_vis_clean: does s print as itself?  ng_lib_vis: into dst (NUL
 * ended, cut before an escape that would not fit), returning its length.
 */
#define NG_LIB_VIS_TEXT 0x01
#define NG_LIB_VIS_MAX(n) (4 * (n) + 1) /* room for n bytes, all escaped */
bool ng_lib_vis_clean(const char *s, size_t n, int flags)
    __attribute__((visibility("hidden")));
size_t ng_lib_vis(char *dst, size_t size, const char *s, size_t n, int flags)
    __attribute__((visibility("hidden")));
void ng_lib_vis_write(FILE *fp, const char *s, size_t n, int flags)
    __attribute__((visibility("hidden")));

#endif
