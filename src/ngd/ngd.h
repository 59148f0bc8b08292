/*
 * ngd.h: the daemon's pieces.  loop.c is the event loop, ctl.c the control
 * server (one connection per client socket), netdev.c the TAP/TUN backend
 * of interface-backed nodes, main.c options, logging and lifetime.
 */
#ifndef NGD_H
#define NGD_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/uio.h>

#include "ng_core.h"

/* --- loop.c: a one-screen epoll loop ------------------------------------ */

typedef void ngd_io_fn(void *arg, uint32_t events);

struct ngd_io {
	int fd;
	ngd_io_fn *fn;
	void *arg;
};

int ngd_loop_init(void);
int ngd_loop_add(struct ngd_io *io, uint32_t events);
int ngd_loop_mod(struct ngd_io *io, uint32_t events);
void ngd_loop_del(struct ngd_io *io);
/* Remove and close io's fd (sets it to -1); its pending events are skipped. */
void ngd_loop_close(struct ngd_io *io);
/* free(ptr) once the current pass over events is over. */
void ngd_loop_defer_free(void *ptr);
/* Run until *stop is set; timers come from the graph. */
int ngd_loop_run(struct ng_graph *g, volatile bool *stop);
uint64_t ngd_clock_ms(void);
/* Poll without sleeping for usec after the last frame (0: never). */
void ngd_loop_set_busy_poll(unsigned usec);
/* A frame or a request arrived: the busy-poll window starts again. */
void ngd_loop_traffic(void);

/* --- ctl.c: the control server ------------------------------------------ */

extern const struct ng_socket_ops ngd_socket_ops;
int ngd_ctl_listen(const char *path, int *fdp);
/* Serve g; lfd < 0: no socket, in-process clients only. */
int ngd_ctl_start(struct ng_graph *g, int lfd, gid_t admin_gid, bool gid_set);
/* Close every connection; in-process clients are freed too. */
void ngd_ctl_stop(void);

/*
 * In-process clients (the wire fuzzer): a connection with uid's rights
 * and no socket.  Each frame ngd sends it is handed to sink as iovcnt
 * pieces.  ngd_ctl_input runs one request frame of len bytes, as if it
 * had been read from a socket; false once ngd has hung up on the client.
 */
struct ngd_conn;
typedef void ngd_ctl_sink_fn(void *arg, const struct iovec *iov, int iovcnt);
struct ngd_conn *ngd_ctl_local(uid_t uid, ngd_ctl_sink_fn *sink, void *arg);
bool ngd_ctl_input(struct ngd_conn *c, const void *frame, size_t len);

/* --- netdev.c: TAP and TUN devices -------------------------------------- */

extern const struct ng_netdev_ops ngd_netdev_ops;
int ngd_netdev_init(void);
void ngd_netdev_fini(void);
/* Called before each control message: follow OS-side renames. */
/* Retired interfaces (vnet): ms until the batch is due (-1: none), and
 * delete the batch if due (or now). */
int ngd_netdev_retired_due(void);
void ngd_netdev_reap(bool now);
unsigned ngd_netdev_sync(struct ng_graph *g); /* how many names moved */
/* Send a client's message with the interface names it may see current. */
int ngd_netdev_send_msg(struct ng_node *from, const char *addr,
    struct ng_mesg *m);

/* --- jailed.c ----------------------------------------------------------- */

/* The client on fd is in a jail sharing ngd's network namespace (a
 * non-vnet jail), whose root may not touch the graph. */
bool ngd_peer_jailed(int fd, pid_t pid); /* pid: SO_PEERCRED's */

/* --- main.c ------------------------------------------------------------- */

void ngd_log(int level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
