/*
 * jail_exec.c: running exec.* commands and `command', on the host or in
 * the jail, as FreeBSD's jail(8) does (a shell only for lines that need
 * one, a final & for background, exec.timeout, users, exec.clean,
 * exec.consolelog).  A command run inside enters the jail with
 * jail_enter() and gives up what jailed root may not do with
 * jail_confine() (jail_confine.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <pwd.h>
#include <sched.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/openat2.h>

#include "jail.h"

#define SHELL_CHARS "!\"$&'()*;<>?[\\]`{|}~"

/* --- users and environment ----------------------------------------------- */

/*
 * Become user (when not NULL; pw may hold a host lookup already) with
 * FreeBSD's environment rules.  Prints its own errors; 0 or an errno.
 */
static int
jail_become(const struct jail_run *ctx, const char *user, struct passwd *pw,
    bool clean)
{
	const char *term = getenv("TERM");
	char *keep = term != NULL ? strdup(term) : NULL;

	if (user != NULL && pw == NULL) {
		if ((pw = getpwnam(user)) == NULL) {
			jail_warnx(ctx->jname, "%s: no such user", user);
			free(keep);
			return ENOENT;
		}
	}
	if (clean) {
		if (pw == NULL)
			pw = getpwuid(getuid());
		clearenv();
		if (keep != NULL)
			setenv("TERM", keep, 1);
		setenv("PATH", JAIL_LOGIN_PATH, 1);
	}
	free(keep);
	if (pw == NULL)
		return 0;
	if (user != NULL) {
		if (initgroups(pw->pw_name, pw->pw_gid) != 0 ||
		    setgid(pw->pw_gid) != 0 || setuid(pw->pw_uid) != 0) {
			jail_warnx(ctx->jname, "%s: %s", pw->pw_name,
			    strerror(errno));
			return EPERM;
		}
	}
	if (user != NULL || clean) {
		setenv("USER", pw->pw_name, 1);
		setenv("HOME", pw->pw_dir, 1);
		setenv("SHELL",
		    *pw->pw_shell != '\0' ? pw->pw_shell : "/bin/sh", 1);
	}
	if (clean && chdir(pw->pw_dir) != 0) {
		jail_warnx(ctx->jname, "chdir %s: %s", pw->pw_dir,
		    strerror(errno));
		return errno;
	}
	return 0;
}

static void
jail_set_jail_env(const struct jail_run *ctx)
{
	const char *p;
	char jid[16];

	if (ctx->rec == NULL || jail_pbool(ctx->ps, "exec.clean", false))
		return;
	snprintf(jid, sizeof(jid), "%d", ctx->rec->jid);
	setenv("JID", jid, 1);
	setenv("JNAME", ctx->rec->name, 1);
	p = jail_pstr(ctx->ps, "path");
	setenv("JPATH", p != NULL ? p : "/", 1);
}

/* --- running ------------------------------------------------------------- */

static void __attribute__((noreturn))
jail_exec_or_die(const struct jail_run *ctx, char *const *argv)
{
	char why[256];
	int error;

	execvp(argv[0], argv);
	error = errno;
	jail_exec_why(argv[0], error, why, sizeof(why));
	jail_warnx(ctx->jname, "exec %s: %s%s", argv[0], strerror(error), why);
	_exit(1);
}

/*
 * exec.consolelog, which host root opens before it enters the jail.  One
 * under the jail's path is found as the jail sees it (RESOLVE_IN_ROOT):
 * the directories on the way are jailed root's, who could make one a
 * symlink to any of the host's, where the log would be made and the
 * output of the jail's own commands (jailed root's to write) appended.
 * -1 and errno on failure.
 */
static int
jail_open_consolelog(const struct jail_run *ctx, const char *log)
{
	const char *path = jail_pstr(ctx->ps, "path");
	struct open_how how = {
		.flags = O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW | O_CLOEXEC,
		.mode = 0666,
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
	};
	size_t n = path != NULL ? strlen(path) : 0;
	int root, fd, error;

	while (n > 0 && path[n - 1] == '/')
		n--;
	if (n == 0 || strncmp(log, path, n) != 0 || log[n] != '/')
		return open(log, (int)how.flags, 0666);
	while (log[n] == '/')
		n++;
	if ((root = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0)
		return -1;
	fd = (int)syscall(SYS_openat2, root, log + n, &how, sizeof(how));
	error = errno;
	close(root);
	errno = error;
	return fd;
}

/* In the child that runs one command, whichever side it runs on. */
static void __attribute__((noreturn))
jail_child(const struct jail_run *ctx, char *const *argv, bool injail, bool bg)
{
	const char *user, *log;
	struct passwd *pw = NULL;
	bool clean = jail_pbool(ctx->ps, "exec.clean", false);
	int pidfd, status, fd;
	pid_t g;

	signal(SIGPIPE, SIG_DFL);
	close_range(3, ~0U, 0);
	jail_set_jail_env(ctx);
	if (!injail) {
		user = jail_pstr(ctx->ps, "exec.system_user");
		if (jail_become(ctx, user, NULL, clean) != 0)
			_exit(1);
		if (bg) {
			if (fork() != 0)
				_exit(0);
			setsid();
		}
		jail_exec_or_die(ctx, argv);
	}
	user = jail_pstr(ctx->ps, "exec.jail_user");
	if (user != NULL &&
	    jail_pbool(ctx->ps, "exec.system_jail_user", false) &&
	    (pw = getpwnam(user)) == NULL) {
		jail_warnx(ctx->jname, "%s: no such user", user);
		_exit(1);
	}
	if ((log = jail_pstr(ctx->ps, "exec.consolelog")) != NULL) {
		if ((fd = jail_open_consolelog(ctx, log)) < 0) {
			jail_warnx(ctx->jname, "open %s: %s", log,
			    strerror(errno));
			_exit(1);
		}
		dup2(fd, STDOUT_FILENO);
		dup2(fd, STDERR_FILENO);
		close(fd);
	}
	if (jail_ns_pidfd(ctx->rec, &pidfd) != 0 ||
	    jail_enter(ctx->rec, pidfd) != 0) {
		jail_warnx(ctx->jname, "jail_attach: %s", strerror(errno));
		_exit(1);
	}
	close(pidfd);
	/* a new PID namespace takes effect for our children */
	if ((g = fork()) < 0) {
		jail_warnx(ctx->jname, "fork: %s", strerror(errno));
		_exit(1);
	}
	if (g == 0) {
		if (jail_confine(&ctx->rec->params,
			ctx->rec->own_net &&
			    jail_psys(&ctx->rec->params, "vnet", 2) == 1,
			ctx->rec->own_net) != 0) {
			jail_warnx(ctx->jname, "confine: %s", strerror(errno));
			_exit(1);
		}
		if (chdir("/") != 0 || jail_become(ctx, user, pw, clean) != 0)
			_exit(1);
		if (bg) {
			/* orphaned, it is the jail's init that reaps it */
			setsid();
			if (fork() != 0)
				_exit(0);
		}
		jail_exec_or_die(ctx, argv);
	}
	while (waitpid(g, &status, 0) < 0 && errno == EINTR)
		;
	if (WIFSIGNALED(status)) {
		signal(WTERMSIG(status), SIG_DFL);
		raise(WTERMSIG(status));
	}
	_exit(WIFEXITED(status) ? WEXITSTATUS(status) : 1);
}

/* Wait for pid, at most timeout seconds (0: no limit).  ETIMEDOUT. */
static int
jail_wait_child(pid_t pid, long timeout, int *status)
{
	struct pollfd pfd;
	int fd, r;

	if (timeout > 0 && (fd = (int)syscall(SYS_pidfd_open, pid, 0)) >= 0) {
		pfd.fd = fd;
		pfd.events = POLLIN;
		while ((r = poll(&pfd, 1, (int)(timeout * 1000))) < 0 &&
		    errno == EINTR)
			;
		close(fd);
		if (r == 0)
			return ETIMEDOUT;
	}
	while (waitpid(pid, status, 0) < 0)
		if (errno != EINTR)
			return errno;
	return 0;
}

static int
jail_run_cmd(const struct jail_run *ctx, char *const *argv, bool injail,
    bool bg)
{
	char *shown = NULL;
	size_t len = 0;
	FILE *mf;
	int status, error;
	pid_t pid;

	if ((mf = open_memstream(&shown, &len)) == NULL)
		return ENOMEM;
	for (size_t i = 0; argv[i] != NULL; i++)
		fprintf(mf, "%s%s", i > 0 ? " " : "", argv[i]);
	fclose(mf);
	if (ctx->verbose) {
		const char *u = jail_pstr(ctx->ps,
		    injail ? "exec.jail_user" : "exec.system_user");

		/* FreeBSD's jail_note: a config jail's name first */
		printf("%s%srun command%s%s%s: %s\n",
		    ctx->jname != NULL ? ctx->jname : "",
		    ctx->jname != NULL ? ": " : "", injail ? " in jail" : "",
		    u != NULL ? " as " : "", u != NULL ? u : "", shown);
	}
	fflush(stdout);
	fflush(stderr);
	if ((pid = fork()) < 0) {
		error = errno;
		free(shown);
		return error;
	}
	if (pid == 0)
		jail_child(ctx, argv, injail, bg);
	error = jail_wait_child(pid,
	    bg ? 0 : jail_pint(ctx->ps, "exec.timeout", 0), &status);
	if (error == ETIMEDOUT)
		jail_warnx(ctx->jname, "%s: timed out", shown);
	else if (error != 0)
		jail_warnx(ctx->jname, "%s: %s", shown, strerror(error));
	else if (WIFSIGNALED(status))
		jail_warnx(ctx->jname, "%s: exited on signal %d", shown,
		    WTERMSIG(status));
	else if (WEXITSTATUS(status) != 0 && !bg)
		jail_warnx(ctx->jname, "%s: failed", shown);
	else
		error = -1;
	free(shown);
	return error == -1 ? 0 : EINVAL;
}

/* argv is NULL for an empty list, as in "jail -c ... command". */
int
jail_run_argv(const struct jail_run *ctx, char *const *argv, bool injail)
{
	if (argv == NULL || argv[0] == NULL)
		return 0;
	return jail_run_cmd(ctx, argv, injail, false);
}

/*
 * A shell for lines that need one; a line whose only special character
 * is a final & runs in the background without one.
 */
int
jail_run_line(const struct jail_run *ctx, const char *line, bool injail)
{
	struct jail_strv words = { 0 };
	size_t len = strlen(line), i, start;
	const char *special = strpbrk(line, SHELL_CHARS);
	bool bg = false;
	int error;

	while (len > 0 && strchr(" \t\f\v\r\n", line[len - 1]) != NULL)
		len--;
	if (special != NULL && *special == '&' && special == line + len - 1) {
		bg = true;
		len--;
		special = NULL;
	}
	error = 0;
	if (special != NULL) {
		if ((error = jail_strv_add(&words, "/bin/sh")) == 0 &&
		    (error = jail_strv_add(&words, "-c")) == 0)
			error = jail_strv_add(&words, line);
	} else {
		for (i = 0; i < len;) {
			while (i < len &&
			    strchr(" \t\f\v\r\n", line[i]) != NULL)
				i++;
			start = i;
			while (i < len &&
			    strchr(" \t\f\v\r\n", line[i]) == NULL)
				i++;
			if (i > start && error == 0)
				error = jail_strv_addn(&words, line + start,
				    i - start);
		}
	}
	if (error != 0 || words.n == 0) {
		/* Never run part of a command. */
		jail_strv_free(&words);
		return error;
	}
	error = jail_run_cmd(ctx, words.v, injail, bg);
	jail_strv_free(&words);
	return error;
}

int
jail_run_list(const struct jail_run *ctx, const char *param, bool injail)
{
	struct jail_param *p = jail_params_find(ctx->ps, param);
	int error;

	if (p == NULL)
		return 0;
	for (size_t i = 0; i < p->vals.n; i++)
		if ((error = jail_run_line(ctx, p->vals.v[i], injail)) != 0)
			return error;
	return 0;
}
