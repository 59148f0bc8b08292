/*
 * ng_lib.h: what libnetgraph's files share (not installed).
 */
#ifndef NG_LIB_H
#define NG_LIB_H

#include <stddef.h>
#include <stdint.h>

#include <netgraph/ng_message.h>

extern int ng_lib_debug;

/* Send one request frame and wait for ngd's status: 0 or an errno. */
int ng_lib_request(int fd, uint16_t kind, const char *addr, const void *p1,
    size_t l1, const void *p2, size_t l2, uint32_t *idp);

void ng_lib_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void ng_lib_logx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* The debug level, or 0 while converting a message for a dump. */
int ng_lib_level(void);
void ng_lib_dump_msg(const char *what, const char *path,
    const struct ng_mesg *msg, size_t len);
void ng_lib_dump_data(const unsigned char *buf, size_t len);

#endif
