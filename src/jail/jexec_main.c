/*
 * jexec_main.c: jexec(8).  Enters a running jail's namespaces (the
 * jail's init carries them: setns on its pidfd), forks, since a new PID
 * namespace only takes children, and runs the command there as the
 * user asked for; exits as the command did.
 */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "jail.h"

static void
jail_usage(void)
{
	fprintf(stderr,
	    "usage: jexec [-l] [-d working-directory] "
	    "[-u username | -U username] jail [command ...]\n");
}

/* A copy of a passwd entry: getpwnam's buffer does not survive. */
struct user {
	char *name, *dir, *shell;
	uid_t uid;
	gid_t gid;
};

static int
jail_user_copy(const struct passwd *pw, struct user *u)
{
	u->name = strdup(pw->pw_name);
	u->dir = strdup(pw->pw_dir);
	u->shell = strdup(*pw->pw_shell != '\0' ? pw->pw_shell : "/bin/sh");
	u->uid = pw->pw_uid;
	u->gid = pw->pw_gid;
	return u->name && u->dir && u->shell ? 0 : ENOMEM;
}

static int
jail_lookup(const char *name, struct user *u)
{
	struct passwd *pw;

	errno = 0;
	if (name != NULL)
		pw = getpwnam(name);
	else
		pw = getpwuid(getuid());
	if (pw == NULL) {
		if (errno != 0 && errno != ENOENT && name != NULL)
			jail_warnx(NULL, "getpwnam: %s: %s", name,
			    strerror(errno));
		else if (name != NULL)
			jail_warnx(NULL, "%s: no such user", name);
		else
			jail_warnx(NULL, "unknown uid: %d", (int)getuid());
		return ENOENT;
	}
	return jail_user_copy(pw, u);
}

#ifdef __SANITIZE_ADDRESS__
/*
 * Built with AddressSanitizer (make asan): its leak check at exit stops
 * our threads from a helper it clones, which, once we have joined the
 * jail's PID namespace, is born in it, cannot attach to us and waits for
 * ever (jexec hung after its command).  The rest of ASan stays on.
 */
const char *__asan_default_options(void);

const char *
__asan_default_options(void)
{
	return "detect_leaks=0";
}
#endif

/*
 * On FreeBSD jexec becomes the command, so a signal sent to its pid (kill,
 * a supervisor, timeout without its group) reaches the command.  Here
 * jexec waits for a child, since a new PID namespace only takes children,
 * and passes such signals on: they stopped at jexec, which died of them
 * and left the command running in the jail.  Those the terminal sends
 * (si_code SI_KERNEL: ^C, ^\, a hangup, a resize) reach the command
 * from the terminal already, one of its foreground group, and are not sent
 * twice.  SIGKILL and SIGSTOP cannot be passed on.
 */
static const int jexec_passed[] = { SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGUSR1,
	SIGUSR2, SIGALRM, SIGWINCH };
static volatile pid_t jexec_child;

static void
jexec_pass(int sig, siginfo_t *si, void *ctx)
{
	(void)ctx;
	if (si->si_code != SI_KERNEL && jexec_child > 0)
		kill(jexec_child, sig);
}

/* In the child, inside the jail: who, where and with what to run. */
static void __attribute__((noreturn))
jail_jexec_child(const struct jail_rec *r, bool login, const char *dir,
    bool setuser, const char *jail_user, struct user *u, char **cmd)
{
	const char *term;
	char *shargv[3];
	char why[256];
	int error;

	if (jail_confine(&r->params,
		r->own_net && jail_psys(&r->params, "vnet", 2) == 1,
		r->own_net) != 0) {
		jail_warnx(NULL, "jail_attach(%d): %s", r->jid,
		    strerror(errno));
		_exit(1);
	}
	if (chdir("/") != 0) {
		jail_warnx(NULL, "chdir(): /: %s", strerror(errno));
		_exit(1);
	}
	if (dir != NULL && chdir(dir) != 0) {
		jail_warnx(NULL, "chdir(): %s: %s", dir, strerror(errno));
		_exit(1);
	}
	/* -U: the jail's own passwd */
	if (jail_user != NULL && jail_lookup(jail_user, u) != 0)
		_exit(1);
	if (login || setuser) {
		if (login) {
			term = getenv("TERM");
			term = term != NULL ? strdup(term) : NULL;
			clearenv();
			if (term != NULL)
				setenv("TERM", term, 1);
			setenv("PATH", JAIL_LOGIN_PATH, 1);
		}
		if (setuser &&
		    (initgroups(u->name, u->gid) != 0 || setgid(u->gid) != 0 ||
			setuid(u->uid) != 0)) {
			jail_warnx(NULL, "%s: %s", u->name, strerror(errno));
			_exit(1);
		}
		setenv("USER", u->name, 1);
		setenv("HOME", u->dir, 1);
		setenv("SHELL", u->shell, 1);
		if (login && dir == NULL && chdir(u->dir) != 0) {
			jail_warnx(NULL, "chdir: %s: %s", u->dir,
			    strerror(errno));
			_exit(1);
		}
	}
	if (cmd[0] == NULL) {
		const char *sh = getenv("SHELL");

		shargv[0] = (char *)(sh != NULL && *sh != '\0' ? sh :
								 "/bin/sh");
		shargv[1] = (char *)"-i";
		shargv[2] = NULL;
		cmd = shargv;
	}
	execvp(cmd[0], cmd);
	error = errno;
	jail_exec_why(cmd[0], error, why, sizeof(why));
	jail_warnx(NULL, "execvp: %s: %s%s", cmd[0], strerror(error), why);
	_exit(1);
}

int
main(int argc, char **argv)
{
	const char *user = NULL, *juser = NULL, *dir = NULL;
	struct user u = { 0 };
	struct jail_rec r;
	bool login = false;
	int ch, pidfd, status, error;
	sigset_t passed, mask;
	struct sigaction sa;
	pid_t pid;

	opterr = 0;
	while ((ch = getopt(argc, argv, "+:d:lnu:U:")) != -1) {
		switch (ch) {
		case 'd':
			dir = optarg;
			break;
		case 'l':
			login = true;
			break;
		case 'n':
			break;
		case 'u':
			user = optarg;
			break;
		case 'U':
			juser = optarg;
			break;
		default:
			jail_getopt_warn(ch);
			jail_usage();
			return 1;
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1 || (user != NULL && juser != NULL)) {
		jail_usage();
		return 1;
	}
	/* -u, or -l alone: the host's passwd, before entering */
	if ((user != NULL || (login && juser == NULL)) &&
	    jail_lookup(user, &u) != 0)
		return 1;
	if ((error = jail_op_lookup(argv[0], &r)) != 0) {
		/* as FreeBSD's jail_attach says to all but root */
		if (error == EPERM)
			jail_warnx(NULL, "jail_attach(%s): %s", argv[0],
			    strerror(error));
		else if (jail_is_number(argv[0]))
			jail_warnx(NULL, "jail %s not found", argv[0]);
		else
			jail_warnx(NULL, "jail \"%s\" not found", argv[0]);
		return 1;
	}
	if ((error = jail_ns_pidfd(&r, &pidfd)) != 0 ||
	    (error = jail_enter(&r, pidfd)) != 0) {
		jail_warnx(NULL, "jail_attach(%d): %s", r.jid, strerror(error));
		return 1;
	}
	close(pidfd);
	fflush(stdout);
	/* held until the child is known; it starts with the mask it had */
	sigemptyset(&passed);
	for (size_t i = 0; i < sizeof(jexec_passed) / sizeof(int); i++)
		sigaddset(&passed, jexec_passed[i]);
	sigprocmask(SIG_BLOCK, &passed, &mask);
	if ((pid = fork()) < 0) {
		jail_warnx(NULL, "fork: %s", strerror(errno));
		return 1;
	}
	if (pid == 0) {
		sigprocmask(SIG_SETMASK, &mask, NULL);
		jail_jexec_child(&r, login, dir, user != NULL || juser != NULL,
		    juser, &u, argv + 1);
	}
	jexec_child = pid;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = jexec_pass;
	sa.sa_flags = SA_SIGINFO | SA_RESTART;
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < sizeof(jexec_passed) / sizeof(int); i++)
		sigaction(jexec_passed[i], &sa, NULL);
	sigprocmask(SIG_SETMASK, &mask, NULL);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return 1;
	if (WIFSIGNALED(status)) {
		signal(WTERMSIG(status), SIG_DFL);
		raise(WTERMSIG(status));
		return 128 + WTERMSIG(status);
	}
	return WEXITSTATUS(status);
}
