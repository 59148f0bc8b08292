/*
 * ngctl.h: what the ngctl command files share.  Each cmd_*.c exports one
 * struct ngctl_cmd (name, aliases, usage, summary, help, function); main.c
 * lists them by hand in help order, and `ngctl help` and ngctl.8 are both
 * written from those fields.  util.c holds the tokenizer, the hex dump and
 * the printer for messages that arrive on the control socket.
 */
#ifndef NGCTL_H
#define NGCTL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include <netgraph.h>

#define NGCTL_MAX_ALIAS 4
#define NGCTL_WHITESPACE " \t\r\n\v\f"
#define NGCTL_UNNAMED "<unnamed>"

/* What a command tells its caller; main() maps it to an exit status. */
enum ngctl_rtn {
	NGCTL_OK = 0, /* done */
	NGCTL_USAGE,  /* bad arguments: the caller prints the usage string */
	NGCTL_ERROR,  /* failed, and the reason was printed */
	NGCTL_QUIT,   /* leave interactive or file mode */
};

/* The one ngctl session: its socket node's two sockets. */
struct ngctl {
	int cs; /* control socket */
	int ds; /* data socket */
};

/*
 * One command.  usage starts with the command's name; av[0] is the word
 * the user typed, so a command never looks at it.  help may be NULL.
 * ours: a command FreeBSD's ngctl lacks; a word that abbreviates one of
 * FreeBSD's commands means that one, as it does there (t: types, not top).
 */
struct ngctl_cmd {
	const char *name;
	const char *aliases[NGCTL_MAX_ALIAS]; /* NULL-terminated unless full */
	const char *usage;
	const char *summary;
	const char *help;
	enum ngctl_rtn (*func)(struct ngctl *ng, int ac, char **av);
	bool ours;
};

extern const struct ngctl_cmd ngctl_cmd_capture;
extern const struct ngctl_cmd ngctl_cmd_config;
extern const struct ngctl_cmd ngctl_cmd_connect;
extern const struct ngctl_cmd ngctl_cmd_debug;
extern const struct ngctl_cmd ngctl_cmd_dot;
extern const struct ngctl_cmd ngctl_cmd_help;
extern const struct ngctl_cmd ngctl_cmd_list;
extern const struct ngctl_cmd ngctl_cmd_mkpeer;
extern const struct ngctl_cmd ngctl_cmd_msg;
extern const struct ngctl_cmd ngctl_cmd_name;
extern const struct ngctl_cmd ngctl_cmd_read;
extern const struct ngctl_cmd ngctl_cmd_rmhook;
extern const struct ngctl_cmd ngctl_cmd_show;
extern const struct ngctl_cmd ngctl_cmd_shutdown;
extern const struct ngctl_cmd ngctl_cmd_status;
extern const struct ngctl_cmd ngctl_cmd_top;
extern const struct ngctl_cmd ngctl_cmd_types;
extern const struct ngctl_cmd ngctl_cmd_write;
extern const struct ngctl_cmd ngctl_cmd_quit;

/* main.c: every command, in help order, ending with NULL. */
extern const struct ngctl_cmd *const ngctl_cmds[];

/* main.c: finding and running commands */
const struct ngctl_cmd *ngctl_find(const char *word);
enum ngctl_rtn ngctl_run(struct ngctl *ng, int ac, char **av);
enum ngctl_rtn ngctl_run_line(struct ngctl *ng, char *line);
enum ngctl_rtn ngctl_run_file(struct ngctl *ng, FILE *fp);
/* A script for -f or read: fopen, refusing a directory; warns on failure. */
FILE *ngctl_open_script(const char *path);

/* interactive.c */
enum ngctl_rtn ngctl_interactive(struct ngctl *ng);

/* cmd_show.c: one node as `show` prints it (list -l uses it too) */
/* connect and mkpeer: `[path] <what> <hook> <peerhook>` sent as cmd. */
enum ngctl_rtn ngctl_send_edge(struct ngctl *ng, int ac, char **av, int cmd);
enum ngctl_rtn ngctl_show_node(struct ngctl *ng, const char *path, bool hooks);

/* util.c */
char **ngctl_tokenize(char *line, int *acp);
bool ngctl_options(int ac, char **av, const char *opts, bool *on, int *first);
void ngctl_dump(const unsigned char *buf, size_t len);
/* A string from the graph, safe for a terminal: ESC as \033 (see util.c) */
const char *ngctl_vis(const char *s);
bool ngctl_reply_ready(int fd);
int ngctl_recv_reply(struct ngctl *ng, struct ng_mesg **rep);
int ngctl_recv_generic(struct ngctl *ng, uint32_t cmd, struct ng_mesg **rep);
/* Send generic cmd to path, receive its reply of at least minlen argument
 * bytes; warns ("send/recv <what> msg") and returns the errno. */
int ngctl_ask(struct ngctl *ng, const char *path, uint32_t cmd, size_t minlen,
    const char *what, struct ng_mesg **rep);
int ngctl_msg_read(struct ngctl *ng);
/* Why a reply of arglen bytes (0: unknown) shows in hex, or not at all,
 * when error (EMSGSIZE, ENOBUFS) says it was its size. */
void ngctl_too_large(int error, size_t arglen);
int ngctl_data_read(struct ngctl *ng);
enum ngctl_rtn ngctl_text_query(struct ngctl *ng, const char *path, int cmd,
    const char *args, const char *title, const char *what);
extern int ngctl_warned; /* errno of the last ngctl_warn; run resets it */
void ngctl_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void ngctl_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* hookstat.c: per-hook counters (gethookstats).  ngctl_hookstats puts the
 * reply in *rep (caller frees) and how many hooks it holds in *n; 0 or
 * the errno after a warning.  ngctl_human: 1234567 as "1.2M". */
struct ng_hookstat;
int ngctl_hookstats(struct ngctl *ng, const char *path, struct ng_mesg **rep,
    uint32_t *n);
struct ng_hookstat *ngctl_hookstat_find(struct ng_mesg *rep, uint32_t n,
    const char *hook);
const char *ngctl_human(char *buf, size_t len, double v);
/* show -s: ngctl_show_node with each hook's counters. */
enum ngctl_rtn ngctl_show_node_stats(struct ngctl *ng, const char *path,
    bool hooks, bool stats);

#endif
