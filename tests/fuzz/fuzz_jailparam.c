/*
 * fuzz_jailparam.c: jail(8)'s parameters from the command line (src/jail/
 * jail_main.c's jail_param_args, included whole with its main renamed)
 * and what is done with them before a jail is made (jail_param.c): the
 * checks (types, ip4.addr and ip6.addr parsed), the typed reads of every
 * parameter jail(8) knows, copies, deletions and `jail -e`'s printing.
 * Nothing is made: no namespace, no process.
 *
 * Input: the arguments, separated by NUL bytes.
 * Checked: no crash, leak or UB; a copy has the first parameter, and
 * deleting it takes one.
 */
#include <stdint.h>

int jail_main(int argc, char **argv);
#define main jail_main
#include "../../src/jail/jail_main.c"
#undef main

#include "fuzz.h"

#ifndef FUZZ_ENTRY
#define FUZZ_ENTRY LLVMFuzzerTestOneInput
#endif

#define FZP_MAXARGS 64

static FILE *fzp_null;

int FUZZ_ENTRY(const uint8_t *data, size_t size);

int
FUZZ_ENTRY(const uint8_t *data, size_t size)
{
	struct jail_params ps = { 0 }, copy;
	struct jail_diag d = { 0 };
	struct jail_strv warns = { 0 };
	struct jail_addr a;
	char *buf, *argv[FZP_MAXARGS + 1];
	const struct jail_pdesc *pd;
	size_t npd;
	int argc = 0;
	bool argvcmd = false;

	if (fzp_null == NULL && (fzp_null = fopen("/dev/null", "w")) == NULL)
		return 0;
	if ((buf = malloc(size + 1)) == NULL)
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';
	for (char *p = buf; argc < FZP_MAXARGS && p <= buf + size;
	     p += strlen(p) + 1)
		argv[argc++] = p;
	argv[argc] = NULL;
	if (jail_param_args(&ps, argc, argv, &argvcmd) != 0)
		goto out;
	(void)jail_params_check(&ps, &d, &warns);
	pd = jail_pdesc_all(&npd);
	for (size_t i = 0; i < npd; i++) {
		struct jail_param *p = jail_params_find(&ps, pd[i].name);
		char *s;

		(void)jail_pstr(&ps, pd[i].name);
		(void)jail_pbool(&ps, pd[i].name, false);
		(void)jail_pint(&ps, pd[i].name, 0);
		(void)jail_psys(&ps, pd[i].name, 0);
		if (p == NULL)
			continue;
		free(s = jail_pjoin(p));
		for (size_t k = 0; pd[i].type == JP_ADDRS && k < p->vals.n; k++)
			(void)jail_addr_parse(p->vals.v[k],
			    strcmp(pd[i].name, "ip4.addr") == 0 ? AF_INET :
								  AF_INET6,
			    &a);
	}
	jail_params_print(fzp_null, &ps, " ");
	if (jail_params_copy(&copy, &ps) == 0 && copy.n > 0) {
		size_t n = copy.n;

		FUZZ_ASSERT(jail_params_find(&copy, ps.v[0].name) != NULL);
		jail_params_del(&copy, ps.v[0].name);
		FUZZ_ASSERT(copy.n == n - 1);
	}
	jail_params_free(&copy);
out:
	jail_params_free(&ps);
	jail_diag_free(&d);
	jail_strv_free(&warns);
	free(buf);
	return 0;
}
