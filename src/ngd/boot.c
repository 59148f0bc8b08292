/*
 * boot.c: the boot file (ngd -c FILE), an ngctl(8) script that the
 * service's ngd applies when it starts, and readiness for systemd.
 * The script runs in a child `ngctl -N -f -` against this very ngd, which
 * serves it from the event loop; SIGCHLD tells main.c it is over.  Whole
 * or nothing: a failing line stops the script (as ngctl -f does) and ngd
 * then stops too, shutting down every node the lines before it made, so
 * no half-built graph ever forwards a frame.  Readiness (sd_notify
 * READY=1) is sent only once the graph is complete.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <syslog.h>
#include <unistd.h>

#include <systemd/sd-daemon.h>

#include "ngd.h"
#include "ngd_proto.h"

#define NGD_BOOT_ERR_MAX 4096 /* what of ngctl's complaints is reported */

int
ngd_boot_open(struct ngd_boot *b, const char *file)
{
	b->file = file;
	b->errfd = -1;
	b->pid = 0;
	b->failed = false;
	b->fd = open(file, O_RDONLY | O_CLOEXEC);
	if (b->fd < 0)
		return errno;
	return 0;
}

/* ngctl beside this ngd (the package and the build tree), else on PATH. */
static void
ngd_boot_ngctl(char *buf, size_t size)
{
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	char *slash;

	if (n > 0) {
		self[n] = '\0';
		if ((slash = strrchr(self, '/')) != NULL) {
			*slash = '\0';
			if ((size_t)snprintf(buf, size, "%s/ngctl", self) <
				size &&
			    access(buf, X_OK) == 0)
				return;
		}
	}
	snprintf(buf, size, "ngctl");
}

int
ngd_boot_start(struct ngd_boot *b, const char *sock)
{
	char ngctl[PATH_MAX];
	sigset_t none;
	int null;

	ngd_boot_ngctl(ngctl, sizeof(ngctl));
	/* A file, not a pipe: ngctl never blocks on a full pipe we do not
	 * read while we wait for it. */
	b->errfd = memfd_create("ngd-boot", MFD_CLOEXEC);
	if (b->errfd < 0)
		return errno;
	if ((b->pid = fork()) < 0) {
		b->pid = 0;
		return errno;
	}
	if (b->pid > 0)
		return 0;
	null = open("/dev/null", O_WRONLY);
	if (dup2(b->fd, STDIN_FILENO) < 0 || null < 0 ||
	    dup2(null, STDOUT_FILENO) < 0 || dup2(b->errfd, STDERR_FILENO) < 0)
		_exit(127);
	close_range(STDERR_FILENO + 1, ~0U, 0);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGPIPE, SIG_DFL);
	setenv(NGD_SOCKET_ENV, sock, 1);
	unsetenv("NOTIFY_SOCKET"); /* only ngd speaks for the service */
	if (strchr(ngctl, '/') != NULL)
		execl(ngctl, "ngctl", "-N", "-f", "-", (char *)NULL);
	else
		execlp(ngctl, "ngctl", "-N", "-f", "-", (char *)NULL);
	fprintf(stderr, "ngd: cannot run %s: %s\n", ngctl, strerror(errno));
	_exit(127);
}

/*
 * ngctl's standard error, as FILE:LINE: messages.  ngctl -f says what
 * went wrong, then "ngctl: line N: error in file" (FreeBSD's words).
 */
static void
ngd_boot_report(struct ngd_boot *b)
{
	char buf[NGD_BOOT_ERR_MAX + 1], *p, *end, *msg;
	unsigned long num = 0, n;
	ssize_t len = pread(b->errfd, buf, NGD_BOOT_ERR_MAX, 0);
	bool said = false;

	if (len < 0)
		len = 0;
	buf[len] = '\0';
	end = buf + len;
	for (p = buf; p < end; p++) /* lines, each a string */
		if (*p == '\n')
			*p = '\0';
	for (p = buf; p < end; p += strlen(p) + 1)
		if (sscanf(p, "ngctl: line %lu: error in file", &n) == 1)
			num = n;
	for (p = buf; p < end; p += strlen(p) + 1) {
		if (*p == '\0' ||
		    sscanf(p, "ngctl: line %lu: error in file", &n) == 1)
			continue;
		msg = strncmp(p, "ngctl: ", 7) == 0 ? p + 7 : p;
		if (num > 0)
			ngd_log(LOG_ERR, "%s:%lu: %s", b->file, num, msg);
		else
			ngd_log(LOG_ERR, "%s: %s", b->file, msg);
		said = true;
	}
	if (!said && num > 0)
		ngd_log(LOG_ERR, "%s:%lu: error", b->file, num);
}

bool
ngd_boot_reap(struct ngd_boot *b)
{
	int status;
	pid_t pid;

	if (b->pid <= 0)
		return false;
	pid = waitpid(b->pid, &status, WNOHANG);
	if (pid == 0 || (pid < 0 && errno == EINTR))
		return false;
	b->pid = 0;
	if (pid > 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		ngd_log(LOG_INFO, "%s: applied", b->file);
	} else {
		b->failed = true;
		ngd_boot_report(b);
		if (pid < 0)
			ngd_log(LOG_ERR, "%s: ngctl: %s", b->file,
			    strerror(errno));
		else if (WIFSIGNALED(status))
			ngd_log(LOG_ERR, "%s: ngctl killed by signal %d",
			    b->file, WTERMSIG(status));
		ngd_log(LOG_ERR,
		    "%s: not applied: every node shut down, "
		    "ngd stops",
		    b->file);
	}
	close(b->fd);
	close(b->errfd);
	b->fd = b->errfd = -1;
	return true;
}

void
ngd_notify_ready(const char *sock)
{
	/* MAINPID too: a daemon that detached, or one that took over from
	 * another (ExecReload), is the service's process from now on. */
	(void)sd_notifyf(0, "READY=1\nMAINPID=%lu\nSTATUS=serving %s",
	    (unsigned long)getpid(), sock);
}

void
ngd_notify_mainpid(void)
{
	(void)ngd_notify_mainpid_of(getpid(), 0);
}

/* A notification is a datagram systemd reads when it comes to it; the
 * barrier's pipe is closed by systemd once it has handled every one
 * before it (systemd 246 and later; outside systemd it returns at once). */
int
ngd_notify_mainpid_of(pid_t pid, unsigned wait_ms)
{
	int r = sd_notifyf(0, "MAINPID=%lu", (unsigned long)pid);

	if (r <= 0 || wait_ms == 0)
		return r < 0 ? -r : 0;
	r = sd_notify_barrier(0, (uint64_t)wait_ms * 1000);
	return r < 0 ? -r : 0;
}

void
ngd_notify_stopping(void)
{
	(void)sd_notify(0, "STOPPING=1");
}
