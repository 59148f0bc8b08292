/*
 * fuzz_cni.c: what the CNI plugin (src/cni/cni.c, included whole) reads
 * from others: the network config a runtime writes on its stdin (with
 * prevResult and runtimeConfig), CNI_ARGS, CNI_CONTAINERID and
 * CNI_IFNAME, the result an IPAM plugin prints, and the records a GC
 * weighs against the config's valid attachments.  Nothing is run: no
 * IPAM plugin (CNI_PATH is unset), no ngd, no netlink; the result the
 * plugin would print is made and thrown away.
 *
 * Input: one byte (low 2 bits: ADD, DEL, CHECK or GC), then fields
 * separated by NUL bytes: the config, the IPAM result, CNI_ARGS, the
 * container ID, the interface name, a record.
 * Checked: no crash, leak or UB; an IPAM result taken has what
 * ngcni_configure, ngcni_gateway and ngcni_result read, of the types
 * they read it as (ngcni_check_result).
 */
#include <stdint.h>

int ngcni_main(int argc, char **argv);
#define main ngcni_main
#include "../../src/cni/cni.c"
#undef main

#include "fuzz.h"

#ifndef FUZZ_ENTRY
#define FUZZ_ENTRY LLVMFuzzerTestOneInput
#endif

#define FZN_FIELDS 6

/* Field i of the input (NUL-separated), copied and terminated. */
static char *
fzn_field(const uint8_t *data, size_t size, unsigned i, size_t *len)
{
	const uint8_t *p = data, *end = data + size, *nul;
	char *s;

	for (; i > 0 && p < end; i--) {
		nul = memchr(p, '\0', (size_t)(end - p));
		p = nul != NULL ? nul + 1 : end;
	}
	nul = memchr(p, '\0', (size_t)(end - p));
	*len = (size_t)((nul != NULL ? nul : end) - p);
	if ((s = malloc(*len + 1)) == NULL)
		return NULL;
	memcpy(s, p, *len);
	s[*len] = '\0';
	return s;
}

/* What ngcni_configure, ngcni_gateway and ngcni_forward read of a
 * result: ips and routes as arrays of objects, addresses as strings. */
static void
fzn_result_ok(json_object *res)
{
	json_object *a, *o, *v;

	if (json_object_object_get_ex(res, "ips", &a)) {
		FUZZ_ASSERT(json_object_is_type(a, json_type_array));
		for (size_t i = 0; i < json_object_array_length(a); i++) {
			o = json_object_array_get_idx(a, i);
			FUZZ_ASSERT(json_object_is_type(o, json_type_object));
			if (json_object_object_get_ex(o, "address", &v))
				FUZZ_ASSERT(json_object_is_type(v,
				    json_type_string));
			if (json_object_object_get_ex(o, "gateway", &v))
				FUZZ_ASSERT(json_object_is_type(v,
				    json_type_string));
		}
	}
	if (json_object_object_get_ex(res, "routes", &a)) {
		FUZZ_ASSERT(json_object_is_type(a, json_type_array));
		for (size_t i = 0; i < json_object_array_length(a); i++) {
			o = json_object_array_get_idx(a, i);
			FUZZ_ASSERT(json_object_is_type(o, json_type_object));
			if (json_object_object_get_ex(o, "dst", &v))
				FUZZ_ASSERT(json_object_is_type(v,
				    json_type_string));
			if (json_object_object_get_ex(o, "gw", &v))
				FUZZ_ASSERT(json_object_is_type(v,
				    json_type_string));
		}
	}
}

int FUZZ_ENTRY(const uint8_t *data, size_t size);

int
FUZZ_ENTRY(const uint8_t *data, size_t size)
{
	static const char *const cmds[] = { "ADD", "DEL", "CHECK", "GC" };
	struct ngcni c = { .lockfd = -1 };
	struct ngcni_err e = { 0 };
	char *f[FZN_FIELDS], err[128];
	size_t len[FZN_FIELDS];
	json_object *v, *res = NULL, *out, *rec;
	bool ok = true;

	if (size < 1)
		return 0;
	unsetenv("CNI_PATH"); /* no plugin is run */
	for (unsigned i = 0; i < FZN_FIELDS; i++)
		if ((f[i] = fzn_field(data + 1, size - 1, i, &len[i])) == NULL)
			ok = false;
	if (!ok)
		goto out;
	c.cmd = cmds[data[0] & 3];
	c.raw = f[0];
	c.rawlen = len[0];
	c.args = f[2];
	c.cid = f[3];
	c.ifname = f[4];
	c.netns = "/run/netns/fuzz";
	/* As main() does, up to the first I/O. */
	if ((c.conf = ngcni_parse(c.raw, c.rawlen, err, sizeof(err))) == NULL ||
	    !json_object_object_get_ex(c.conf, "cniVersion", &v) ||
	    !json_object_is_type(v, json_type_string) ||
	    (c.vidx = ngcni_version_index(c.ver = json_object_get_string(v))) <
		0 ||
	    ngcni_load_conf(&c, &e) != 0)
		goto out;
	ngcni_ipam_conf(&c);
	if (ngcni_load_env(&c, strcmp(c.cmd, "DEL") != 0, &e) != 0 ||
	    ngcni_load_args(&c, &e) != 0)
		goto out;
	/* GC: the record (field 5) kept or not. */
	if ((rec = ngcni_parse(f[5], len[5], err, sizeof(err))) != NULL) {
		json_object *valid = NULL;

		if (ngcni_field(c.conf, "cni.dev/valid-attachments",
			json_type_array, &valid, &e) == 0)
			(void)ngcni_gc_keeps(valid, rec);
		json_object_put(rec);
	}
	/* ADD: the IPAM plugin's result (field 1), then ours. */
	if (len[1] > 0 &&
	    ((res = ngcni_parse(f[1], len[1], err, sizeof(err))) == NULL ||
		ngcni_check_result(res, "ipam result", NGCNI_E_DECODE, &e) !=
		    0))
		goto out;
	if (res != NULL)
		fzn_result_ok(res);
	out = ngcni_result(&c, res, "02:00:00:00:00:01", "cni0-gw",
	    "02:00:00:00:00:02");
	FUZZ_ASSERT(json_object_to_json_string_ext(out,
			JSON_C_TO_STRING_PLAIN |
			    JSON_C_TO_STRING_NOSLASHESCAPE) != NULL);
	json_object_put(out);
	/* A plugin's VERSION answer. */
	(void)ngcni_speaks(f[1], "1.1.0");
out:
	json_object_put(res);
	json_object_put(c.conf);
	if (c.ipamraw != c.raw)
		free(c.ipamraw);
	for (unsigned i = 0; i < FZN_FIELDS; i++)
		free(f[i]);
	return 0;
}
