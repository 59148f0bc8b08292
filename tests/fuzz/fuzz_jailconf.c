/*
 * fuzz_jailconf.c: jail.conf(5) text as jail(8) reads it.  The input is
 * the file: it is parsed, then every jail's parameters are worked out
 * (globals, wildcard blocks, variables, +=) and printed as `jail -e`
 * prints them.  Checked: no crash, leak or undefined behaviour (ASan,
 * UBSan), and a file that loads has jails with names.
 *
 * The text goes to jail.conf in the current directory (tests/fuzz/run
 * gives each target a scratch directory), so relative .includes find it.
 * A line "%%" splits off the files it may include: what follows the
 * first goes to inc/1.conf, the second's to 2.conf, up to
 * FZJ_FILES files (a file the input does not hold is not there), so that
 * an included file may differ from its includer: end inside a block or
 * a string, set variables another file uses, include the others.
 * An .include may name any file, and the fuzzer would soon try devices:
 * this target is linked with fopen and glob wrapped (-Wl,--wrap, see the
 * Makefile), and while a file is parsed they refuse whatever lies outside
 * the scratch directory, so no input makes it read /dev/zero, a FIFO or
 * /proc/kmsg.  Not replayed by make check for the same reason; tests/fuzz/
 * run replays its saved findings.
 */
#include <glob.h>
#include <limits.h>
#include <sys/stat.h>
#include <unistd.h>

#include "jail.h"
#include "fuzz.h"

#ifndef FUZZ_ENTRY
#define FUZZ_ENTRY LLVMFuzzerTestOneInput
#endif

/* jail.conf and the files in inc/ (not jail.conf.d/: the Makefile takes
 * every *.d under build/ for a dependency file) */
#define FZJ_FILES 4

static char fzj_dir[PATH_MAX]; /* the scratch directory, resolved */
static char fzj_file[PATH_MAX + 16];
static FILE *fzj_null;    /* where jail -e's output goes */
static bool fzj_confined; /* a file is being parsed */

FILE *__real_fopen(const char *path, const char *mode);
FILE *__wrap_fopen(const char *path, const char *mode);
int __real_glob(const char *pattern, int flags,
    int (*errfunc)(const char *, int), glob_t *g);
int __wrap_glob(const char *pattern, int flags,
    int (*errfunc)(const char *, int), glob_t *g);

static bool
fzj_inside(const char *path)
{
	char real[PATH_MAX];
	size_t n = strlen(fzj_dir);

	return realpath(path, real) != NULL && strncmp(real, fzj_dir, n) == 0 &&
	    (real[n] == '/' || real[n] == '\0');
}

/* Reading only: libFuzzer itself writes its findings with fopen. */
FILE *
__wrap_fopen(const char *path, const char *mode)
{
	if (fzj_confined && mode[0] == 'r' && !fzj_inside(path)) {
		errno = ENOENT;
		return NULL;
	}
	return __real_fopen(path, mode);
}

int
__wrap_glob(const char *pattern, int flags, int (*errfunc)(const char *, int),
    glob_t *g)
{
	size_t n = strlen(fzj_dir);

	if (fzj_confined &&
	    (strncmp(pattern, fzj_dir, n) != 0 || pattern[n] != '/' ||
		strstr(pattern, "/..") != NULL)) {
		memset(g, 0, sizeof(*g));
		return GLOB_NOMATCH;
	}
	return __real_glob(pattern, flags, errfunc, g);
}

int FUZZ_ENTRY(const uint8_t *data, size_t size);

int
FUZZ_ENTRY(const uint8_t *data, size_t size)
{
	struct jail_conf *conf;
	struct jail_diag d = { 0 };
	FILE *fp;

	if (fzj_null == NULL) {
		FUZZ_ASSERT(getcwd(fzj_dir, sizeof(fzj_dir)) != NULL);
		snprintf(fzj_file, sizeof(fzj_file), "%s/jail.conf", fzj_dir);
		FUZZ_ASSERT((fzj_null = __real_fopen("/dev/null", "we")) !=
		    NULL);
	}
	for (int i = 0; i < FZJ_FILES; i++) {
		const uint8_t *end = NULL;
		char name[32];
		size_t n = size;

		for (size_t k = 0; k + 4 <= size; k++)
			if (memcmp(data + k, "\n%%\n", 4) == 0) {
				end = data + k;
				break;
			}
		if (end != NULL)
			n = (size_t)(end - data) + 1;
		if (i == 0) {
			snprintf(name, sizeof(name), "jail.conf");
			(void)mkdir("inc", 0755);
		} else {
			snprintf(name, sizeof(name), "inc/%d.conf", i);
		}
		if (i > 0 && data == NULL) { /* no more in the input */
			(void)unlink(name);
			continue;
		}
		FUZZ_ASSERT((fp = __real_fopen(name, "we")) != NULL);
		FUZZ_ASSERT(fwrite(data, 1, n, fp) == n);
		FUZZ_ASSERT(fclose(fp) == 0);
		if (end == NULL) {
			data = NULL;
			size = 0;
		} else {
			size -= (size_t)(end + 4 - data);
			data = end + 4;
		}
	}

	fzj_confined = true;
	if (jail_conf_load(fzj_file, &conf, &d) == 0) {
		for (size_t i = 0; i < jail_conf_njails(conf); i++) {
			struct jail_params ps;

			FUZZ_ASSERT(jail_conf_name(conf, i) != NULL);
			(void)jail_conf_params(conf, i, &ps, &d);
			jail_params_print(fzj_null, &ps, " ");
			jail_params_free(&ps);
		}
		jail_conf_free(conf);
	} else {
		FUZZ_ASSERT(conf == NULL);
	}
	fzj_confined = false;
	jail_diag_free(&d);
	return 0;
}
