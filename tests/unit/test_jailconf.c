/*
 * test_jailconf.c: jail.conf(5) as jail_conf.c reads it.  Each case
 * writes a small file, loads it, and compares what `jail -e ' '` would
 * print for every jail, and the messages, with what FreeBSD's jail(8)
 * gives (spec/jail.md §3 and the conformance cases of §8).  Also the
 * parameter helpers: "no" spellings, booleans, addresses, quoting.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "jail.h"
#include "ngtest.h"

static char dir[] = "/tmp/jailconf.XXXXXX";
static char errs[4096];

/* Write text to dir/name (making subdirectories); the path. */
static const char *
put(const char *name, const char *text)
{
	static char paths[4][512];
	static int next;
	char *path = paths[next++ % 4], *slash;
	FILE *fp;

	snprintf(path, 512, "%s/%s", dir, name);
	for (slash = path + strlen(dir) + 1; (slash = strchr(slash, '/'));
	     slash++) {
		*slash = '\0';
		mkdir(path, 0755);
		*slash = '/';
	}
	if ((fp = fopen(path, "w")) == NULL)
		return path;
	fputs(text, fp);
	fclose(fp);
	return path;
}

static void
add_errs(const struct jail_diag *d)
{
	for (size_t i = 0; i < d->n; i++) {
		size_t len = strlen(errs);

		snprintf(errs + len, sizeof(errs) - len, "%s%s",
		    len > 0 ? "\n" : "", d->msgs[i]);
	}
}

/*
 * Load path; every jail as `jail -e ' '` prints it, one per line.  The
 * messages, with dir/ taken off the file names, are left in errs.
 * Returns NULL when the file does not load.
 */
static char *
dump(const char *path)
{
	struct jail_conf *conf;
	struct jail_diag d = { 0 };
	struct jail_params ps;
	char *out = NULL, *p;
	size_t len = 0;
	FILE *mf;

	errs[0] = '\0';
	if (jail_conf_load(path, &conf, &d) != 0) {
		add_errs(&d);
		jail_diag_free(&d);
		out = NULL;
		goto strip;
	}
	mf = open_memstream(&out, &len);
	for (size_t i = 0; i < jail_conf_njails(conf); i++) {
		(void)jail_conf_params(conf, i, &ps, &d);
		jail_params_print(mf, &ps, " ");
		jail_params_free(&ps);
	}
	fclose(mf);
	if (len > 0 && out[len - 1] == '\n')
		out[len - 1] = '\0';
	add_errs(&d);
	jail_diag_free(&d);
	jail_conf_free(conf);
strip:
	while ((p = strstr(errs, dir)) != NULL)
		memmove(p, p + strlen(dir) + 1,
		    strlen(p + strlen(dir) + 1) + 1);
	return out;
}

/* The -e output of a file holding text, and no messages. */
#define CONF(name, text, want)                                                 \
	do {                                                                   \
		char *got_ = dump(put("c", (text)));                           \
		CHECK_STR(name, got_, want);                                   \
		CHECK_STR(name " (no messages)", errs, "");                    \
		free(got_);                                                    \
	} while (0)

/* The messages of a file holding text. */
#define CONF_ERR(name, text, want)                                             \
	do {                                                                   \
		free(dump(put("c", (text))));                                  \
		CHECK_STR(name, errs, want);                                   \
	} while (0)

static void
test_syntax(void)
{
	CONF("block with a value and a bare boolean",
	    "j { path = /x; persist; }", "name=j path=/x persist");
	CONF("seed jails",
	    "test1 {\n   vnet.interface = ng_test1;\n}\n"
	    "test2 {\n   vnet.interface = ng_test2;\n}\n",
	    "name=test1 vnet.interface=ng_test1\n"
	    "name=test2 vnet.interface=ng_test2");
	CONF("name value without =", "j { path /x; }", "name=j path=/x");
	CONF("list", "j { ip4.addr = 10.0.0.1, \"em0|10.0.0.2/24\"; }",
	    "name=j ip4.addr=10.0.0.1,em0|10.0.0.2/24");
	CONF("+= appends", "j { exec.start = a; exec.start += b, c; }",
	    "name=j exec.start=a,b,c");
	CONF("= replaces", "j { exec.start = a; exec.start = b; }",
	    "name=j exec.start=b");
	CONF("no prefix is the same parameter, last spelling wins",
	    "j { allow.mount; allow.nomount; mount.nodevfs = false; }",
	    "name=j allow.nomount mount.nodevfs=false");
	CONF("empty statements", ";; j { ; persist;; } ;", "name=j persist");
	CONF("numeric name is the jid", "7 { persist; }", "name=7 persist");
	CONF("nested block is parent.child",
	    "p { persist; c { path = /c; } host.hostname = h; }",
	    "name=p persist host.hostname=h\nname=p.c path=/c");
	CONF("empty file", "", "");
	CONF("comments",
	    "# one\nj { // two\n persist; /* three\n four */ "
	    "path = /x#five\n; }",
	    "name=j persist path=/x");
	CONF("bare words take |, :, @, ~ and more",
	    "j { a = em0|10.0.0.1/24; b = x:y@z~w%v!u?t^s; c = a+b; d = */$; }",
	    "name=j a=em0|10.0.0.1/24 b=x:y@z~w%v!u?t^s c=a+b d=*/$");
	CONF("pieces glue", "j { path = \"/var/jail/\"$name'/root'; }",
	    "name=j path=/var/jail/j/root");
	CONF("quotes keep blanks", "j { host.hostname = \"a b\"; x = 'c\td'; }",
	    "name=j host.hostname=\"a b\" x=\"c\td\"");
	CONF("escapes", "j { a = \"\\a\\x41\\101\\t\\q\"; b = x\\ y; }",
	    "name=j a=\"\aAA\tq\" b=\"x y\"");
	CONF("line continuation", "j { a = \"one\\\ntwo\"; }",
	    "name=j a=onetwo");
	CONF("strings span lines", "j { a = 'x\ny'; }", "name=j a=x\ny");
	CONF("quote choice", "j { a = \"it's\"; b = 'say \"hi\"'; c = \"\"; }",
	    "name=j a=\"it's\" b='say \"hi\"' c=\"\"");
}

static void
test_merge(void)
{
	CONF("global defaults apply to every jail",
	    "path = \"/j/$name\"; mount.devfs;\n"
	    "a { host.hostname = a.test; }\nb { mount.nodevfs; }\n"
	    "* { persist; }\n",
	    "name=a path=/j/a mount.devfs host.hostname=a.test persist\n"
	    "name=b path=/j/b mount.nodevfs persist");
	CONF("+= on a global value",
	    "exec.prestart=\"echo 1\"; j { exec.prestart += \"echo 2\"; "
	    "path=/; persist; }",
	    "name=j exec.prestart=\"echo 1\",\"echo 2\" path=/ persist");
	CONF("a later * block overrides the jail",
	    "j { persist = 0; } * { persist = 1; }", "name=j persist=1");
	CONF("an earlier * block is overridden by the jail",
	    "* { persist = 1; } j { persist = 0; }", "name=j persist=0");
	CONF("global statements after a jail override it",
	    "j { a = 1; } a = 2; b = 3;", "name=j a=2 b=3");
	CONF("all global statements sit where the first one is",
	    "a = 0; j { a = 1; } b = 3;", "name=j a=1 b=3");
	CONF("foo.* matches children, not foo",
	    "foo { } foo.a { } bar { } foo.* { x; }",
	    "name=foo\nname=foo.a x\nname=bar");
	CONF("vnet.interface from $name in the defaults",
	    "vnet; persist; vnet.interface = \"ng_$name\";\n"
	    "test1 { } test2 { }",
	    "name=test1 vnet persist vnet.interface=ng_test1\n"
	    "name=test2 vnet persist vnet.interface=ng_test2");
}

static void
test_vars(void)
{
	/* spec §8 case 29 */
	CONF("variables (case 29)",
	    "$root=\"/srv\"; $e=\"\";\n"
	    "a { path=\"$root/${name}\"; host.hostname=\"x${e}y\"; "
	    "exec.start=\"${e}\"; }\n"
	    "a.b { path=\"$root/$name\"; }\n",
	    "name=a path=/srv/a host.hostname=xy exec.start=\"\"\n"
	    "name=a.b path=/srv/a.b");
	CONF("${param} with a dot",
	    "j { host.hostname = h; x = \"<${host.hostname}>\"; }",
	    "name=j host.hostname=h x=<h>");
	CONF("single quotes do not expand", "j { x = '$name'; }",
	    "name=j x=$name");
	CONF("a lone $ is literal", "j { x = \"a$ b\"; y = $; }",
	    "name=j x=\"a$ b\" y=$");
	CONF("a variable of a variable",
	    "$a = \"<$b>\"; $b = \"$name\"; j { x = $a; }", "name=j x=<j>");
	CONF("a list substituted whole", "$l = a, b; j { x = $l; y = \"$l\"; }",
	    "name=j x=a,b y=a,b");
	CONF("jail variables override global ones",
	    "$v = g; j { $v = mine; x = $v; } k { x = $v; }",
	    "name=j x=mine\nname=k x=g");
	CONF("a reference resolves after the whole merge",
	    "path = \"/j/$sub\"; j { $sub = here; }", "name=j path=/j/here");
	/* spec §8 case 32, 50 */
	CONF_ERR("unknown variable (case 32)",
	    "j { path=\"/x/$nope\"; persist; }",
	    "j: path: variable \"nope\" not found");
	CONF_ERR("$HOME is not the environment (case 50)",
	    "j { path=/; persist; exec.start=\"echo $HOME\"; }",
	    "j: exec.start: variable \"HOME\" not found");
	CONF("escaped $ stays (case 50)",
	    "j { path=/; persist; exec.start=\"echo \\$HOME\"; }",
	    "name=j path=/ persist exec.start=\"echo $HOME\"");
	CONF_ERR("variable loop", "$a = \"$b\"; $b = \"x$a\"; j { x = $a; }",
	    "j: a: variable loop");
	CONF_ERR("self reference", "j { x = \"$x\"; }", "j: x: variable loop");
	CONF_ERR("array inline", "$l = a, b; j { x = \"pre$l\"; }",
	    "j: x: array cannot be substituted inline");
	CONF_ERR("empty variable is not found", "$v; j { x = $v; }",
	    "j: x: variable \"v\" not found");
	/* A variable no parameter uses is resolved all the same (FreeBSD's
	 * load_config goes through every parameter, variables too). */
	CONF_ERR("an unused variable's unknown variable",
	    "$a = \"<$nope>\"; j { persist; }",
	    "j: a: variable \"nope\" not found");
	CONF_ERR("... in a jail's block", "j { $a = \"$nope\"; persist; }",
	    "j: a: variable \"nope\" not found");
	CONF_ERR("an unused variable's loop", "$a = \"$b\"; $b = \"$a\"; j { }",
	    "j: a: variable loop");
	CONF("an unused variable is no error",
	    "$a = \"$name\"; $b; j { persist; }", "name=j persist");
	/* spec §8 cases 36, 37 */
	CONF_ERR("name cannot be redefined (case 36)",
	    "j { name = k; persist; }",
	    "j: cannot redefine parameter \"name\".");
	CONF_ERR("a variable named like a parameter (case 37)",
	    "$path = \"/x\"; j {persist;}",
	    "j: variable \"$path\" cannot have the same name as a parameter.");
	CONF_ERR("a parameter named like a variable", "$x = 1; j { x = 2; }",
	    "j: variable \"$x\" cannot have the same name as a parameter.");
	CONF_ERR("only the failing jail is reported",
	    "a { x = $nope; } b { persist; }",
	    "a: x: variable \"nope\" not found");
	/* 8192-byte values expand whole (spec §3.9) */
	{
		char *text = malloc(9000), *want = malloc(9000), *got;

		memset(want, 'v', 8192);
		want[8192] = '\0';
		snprintf(text, 9000, "$big = \"%s\"; j { x = \"<$big>\"; }",
		    want);
		got = dump(put("c", text));
		snprintf(text, 9000, "name=j x=<%s>", want);
		CHECK_STR("8192-byte variable", got, text);
		free(got);
		free(text);
		free(want);
	}
}

static void
test_include(void)
{
	char *got;

	put("sub/a.conf", "a { persist; }\n");
	put("sub/b.conf", "b { path = /b; }\n");
	put("inc/x.conf", "host.hostname = inc;\n");
	CONF("include a glob, relative to the file",
	    ".include \"sub/*.conf\";\nc { }",
	    "name=a persist\nname=b path=/b\n"
	    "name=c");
	CONF("include inside a block adds to it",
	    "j { .include \"inc/x.conf\"; persist; }",
	    "name=j host.hostname=inc persist");
	CONF("a glob that matches nothing", ".include \"none/*.conf\";", "");
	/* spec §8 case 35 */
	got = dump(put("c",
	    ".include \"sub/*.conf\"; .include \"missing.conf\";"));
	CHECK("missing include fails (case 35)", got == NULL);
	CHECK_STR("missing include names the file (case 35)", errs,
	    "missing.conf: No such file or directory");
	/* fuzz_jailconf: a NUL inside a value that has a variable in it
	 * read past the copy of the value */
	CONF("a NUL in a value with a variable",
	    "j { path = \"ab\\x00cdefghijklmn${name}xyz\"; }",
	    "name=j path=ab");
	CONF_ERR("variables in an include name",
	    "$d = sub;\n.include \"$d/a.conf\";",
	    "c line 2: variables not permitted in '.include' filename");
	put("loop.conf", ".include \"loop.conf\";\n");
	free(dump(put("c", ".include \"loop.conf\";")));
	CHECK_STR("include depth names file and line", errs,
	    "loop.conf line 1: maximum include depth exceeded");
	/* issue 13 item 7: a directory says so */
	got = dump(put("c", "\n.include \"/tmp\";"));
	CHECK("a directory include fails", got == NULL);
	CHECK_STR("... as a directory", errs, "/tmp: Is a directory");
	/* a file not everyone may read keeps its text out of messages */
	chmod(put("secret.conf",
		  "root:$6$salt$hash:19000:0:99999:7:::\n"
		  "daemon:*:19000:0:99999:7:::\nbin:*:19000:0:99999:7:::\n"),
	    0600);
	CONF_ERR("an unreadable-to-others file: file and line, no text",
	    ".include \"secret.conf\";", "secret.conf line 3: syntax error");
	chmod(put("open.conf", "x {\n y = ;\n}\n"), 0644);
	CONF_ERR("a file anyone may read: its token is shown",
	    ".include \"open.conf\";", "open.conf line 2: ;: syntax error");
	/* A device that never ends is refused, not read into memory. */
	got = dump(put("c", ".include \"/dev/zero\";"));
	CHECK("an endless include fails", got == NULL);
	CHECK_STR("... as too large", errs, "/dev/zero: File too large");
	put("bad.conf", "x {\n y = ;\n}\n");
	CONF_ERR("an error in an included file names that file",
	    ".include \"bad.conf\";", "bad.conf line 2: ;: syntax error");
	got = dump(put("c", "j { persist; }"));
	CHECK("the file loads", got != NULL);
	free(got);
	{
		struct jail_conf *conf;
		struct jail_diag d = { 0 };

		CHECK_INT("a missing file is ENOENT",
		    jail_conf_load("/nonexistent/jail.conf", &conf, &d),
		    ENOENT);
		CHECK_STR("and says so", d.n == 1 ? d.msgs[0] : "",
		    "/nonexistent/jail.conf: No such file or directory");
		jail_diag_free(&d);
	}
}

/*
 * issue 13 item 5: 40 lines of $aN = "${aN-1}${aN-1}" doubled a value
 * to 2^40 bytes; an expansion past 1 MiB now stops with file:line.
 */
static void
test_value_cap(void)
{
	char *text = NULL, *got;
	size_t len = 0;
	FILE *mf = open_memstream(&text, &len);

	fprintf(mf, "$a0 = \"0123456789abcdef\";\n");
	for (int i = 1; i <= 40; i++)
		fprintf(mf, "$a%d = \"${a%d}${a%d}\";\n", i, i - 1, i - 1);
	fprintf(mf, "j { path = \"$a40\"; persist; }\n");
	fclose(mf);
	got = dump(put("c", text));
	CHECK_STR("a value past 1 MiB is an error with file and line", errs,
	    "j: c line 18: a17: value longer than 1048576 bytes");
	free(got);
	free(text);
	/* arrays doubled the same way are bounded too */
	mf = open_memstream(&text, &len);
	fprintf(mf, "$b0 = \"0123456789abcdef\";\n");
	for (int i = 1; i <= 40; i++)
		fprintf(mf, "$b%d = $b%d, $b%d;\n", i, i - 1, i - 1);
	fprintf(mf, "j { exec.start = $b40; persist; }\n");
	fclose(mf);
	got = dump(put("c", text));
	CHECK("an array past 1 MiB is an error",
	    strstr(errs, "value longer than 1048576 bytes") != NULL);
	free(got);
	free(text);
	CONF("a value of 1 MiB less a little is fine",
	    "$a0 = \"0123456789abcdef\"; $a1 = \"$a0$a0\"; $a2 = \"$a1$a1\";"
	    " j { path = \"$a2\"; }",
	    "name=j path=0123456789abcdef0123456789abcdef0123456789abcdef"
	    "0123456789abcdef");
}

static void
test_errors(void)
{
	char *got;

	/* spec §8 case 33, 34, 53 */
	CONF_ERR("missing ; (case 33)", "j { persist }",
	    "c line 1: }: syntax error");
	CONF_ERR("unterminated string (case 34)", "j { path = \"/x; }",
	    "c line 1: unterminated string");
	CONF_ERR("// in a bare word is a comment (case 53)",
	    "j {\n  path = /tmp//x;\n  persist; }",
	    "c line 3: persist: syntax error");
	CONF_ERR("unterminated comment", "j { }\n/* x\n",
	    "c line 2: unterminated comment");
	CONF_ERR("an unquoted /* opens a comment", "j { path = /jails/*; }",
	    "c line 1: unterminated comment");
	CONF_ERR("unterminated variable", "j { x = \"${a\"; }",
	    "c line 1: unterminated variable");
	CONF_ERR("unexpected EOF in a block", "j { persist;\n",
	    "c: unexpected EOF: \"j {\" of line 1 has no }");
	CONF_ERR("... the outer block's line when an inner one closed",
	    "a {\n persist;\nb {\n persist;\n}\n",
	    "c: unexpected EOF: \"a {\" of line 1 has no }");
	CONF_ERR("stray }", "}", "c line 1: }: syntax error");
	CONF_ERR("= without a value", "j {\n\n x = ; }",
	    "c line 3: ;: syntax error");
	CONF_ERR("trailing comma", "j { x = a, ; }",
	    "c line 1: ;: syntax error");
	CONF_ERR("two values without a comma", "j { x = a b; }",
	    "c line 1: b: syntax error");
	CONF_ERR("a character that starts nothing",
	    "j { x = a; }\n\"k\" = \001;", "c line 2: \001: syntax error");
	got = dump(put("c", "j { path = \"/x; }"));
	CHECK("a file with an error does not load", got == NULL);
	free(got);
}

static void
test_params(void)
{
	struct jail_params ps = { 0 };
	struct jail_diag d = { 0 };
	struct jail_strv warns = { 0 };
	struct jail_addr a;
	bool neg;
	char *s = NULL;
	size_t len;
	FILE *mf;

	CHECK("wild *", jail_wild_match("a.b", "*"));
	CHECK("wild foo.* matches foo.a", jail_wild_match("foo.a", "foo.*"));
	CHECK("wild foo.* matches foo.a.b",
	    jail_wild_match("foo.a.b", "foo.*"));
	CHECK("wild foo.* does not match foo",
	    !jail_wild_match("foo", "foo.*"));
	CHECK("wild *.x matches a.x", jail_wild_match("a.x", "*.x"));
	CHECK("wild *.x does not match a.b.x",
	    !jail_wild_match("a.b.x", "*.x"));
	CHECK("is_wild", jail_is_wild("a.*") && !jail_is_wild("a*"));
	CHECK("allow.nomount is allow.mount",
	    jail_pname_equal("allow.nomount", "allow.mount"));
	CHECK("nopersist is persist", jail_pname_equal("persist", "nopersist"));
	CHECK("pdesc negated",
	    jail_pdesc("allow.nomount", &neg) != NULL && neg);
	CHECK("no prefix only on booleans", jail_pdesc("nopath", NULL) == NULL);

	jail_params_set1(&ps, "persist", NULL);
	jail_params_set1(&ps, "allow.nomount", NULL);
	jail_params_set1(&ps, "mount.nodevfs", "false");
	jail_params_set1(&ps, "vnet", NULL);
	jail_params_set1(&ps, "ip4", "inherit");
	jail_params_set1(&ps, "stop.timeout", "2");
	CHECK("bare boolean is true", jail_pbool(&ps, "persist", false));
	CHECK("allow.nomount is false", !jail_pbool(&ps, "allow.mount", true));
	CHECK("nodevfs=false is true", jail_pbool(&ps, "mount.devfs", false));
	CHECK("unset gives the default", jail_pbool(&ps, "exec.clean", true));
	CHECK_INT("bare jailsys is new", jail_psys(&ps, "vnet", 2), 1);
	CHECK_INT("jailsys inherit", jail_psys(&ps, "ip4", 0), 2);
	CHECK_INT("int", jail_pint(&ps, "stop.timeout", 10), 2);
	CHECK_INT("good parameters pass", jail_params_check(&ps, &d, &warns),
	    0);
	jail_params_set1(&ps, "securelevel", "3");
	jail_params_set1(&ps, "foo", "bar");
	jail_params_set1(&ps, "persist", "maybe");
	jail_params_set1(&ps, "exec.timeout", "5s");
	jail_params_set1(&ps, "ip4.addr", "10.0.0.300");
	CHECK_INT("bad parameters fail", jail_params_check(&ps, &d, &warns),
	    EINVAL);
	mf = open_memstream(&s, &len);
	jail_diag_print(&d, mf);
	fclose(mf);
	CHECK_STR("messages for bad parameters", s,
	    "test_jailconf: persist: unknown boolean value \"maybe\"\n"
	    "test_jailconf: unknown parameter: foo\n"
	    "test_jailconf: exec.timeout: non-integer value \"5s\"\n"
	    "test_jailconf: ip4.addr: not an IPv4 address: 10.0.0.300\n");
	free(s);
	CHECK_INT("securelevel warns", warns.n, 1);
	CHECK_STR("securelevel warns by name", warns.n ? warns.v[0] : "",
	    "securelevel");
	jail_strv_free(&warns);
	jail_diag_free(&d);
	jail_params_free(&ps);

	/* "jail -c ... command" with no words: an empty list runs nothing */
	{
		struct jail_run ctx = { .ps = &ps };

		jail_params_set(&ps, "command", NULL, 0, false);
		CHECK_INT("empty command runs nothing",
		    jail_run_argv(&ctx,
			jail_params_find(&ps, "command")->vals.v, true),
		    0);
		jail_params_free(&ps);
	}

	CHECK_INT("addr iface|a/len",
	    jail_addr_parse("em0|10.0.0.1/24", AF_INET, &a), 0);
	CHECK_STR("addr iface", a.iface, "em0");
	CHECK_STR("addr text", a.text, "10.0.0.1");
	CHECK_INT("addr len", a.prefixlen, 24);
	CHECK_INT("addr dotted mask",
	    jail_addr_parse("10.0.0.1/255.255.0.0", AF_INET, &a) == 0 ?
		a.prefixlen :
		-1,
	    16);
	CHECK_INT("addr host",
	    jail_addr_parse("10.0.0.1", AF_INET, &a) == 0 ? a.prefixlen : -1,
	    32);
	CHECK_INT("addr v6",
	    jail_addr_parse("ng0|2001:db8::1/64", AF_INET6, &a) == 0 ?
		a.prefixlen :
		-1,
	    64);
	CHECK_INT("addr bad mask", jail_addr_parse("10.0.0.1/33", AF_INET, &a),
	    EINVAL);
	CHECK_INT("addr v6 in ip4", jail_addr_parse("::1", AF_INET, &a),
	    EINVAL);

	mf = open_memstream(&s, &len);
	jail_quote(mf, "plain", true);
	fputc(' ', mf);
	jail_quote(mf, "a b", true);
	fputc(' ', mf);
	jail_quote(mf, "it's \"x\"", true);
	fputc(' ', mf);
	jail_quote(mf, "back\\slash", true);
	fclose(mf);
	CHECK_STR("quoting", s,
	    "plain \"a b\" \"it's \\\"x\\\"\" back\\\\slash");
	free(s);
}

int
main(void)
{
	char cmd[64];

	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	test_syntax();
	test_merge();
	test_vars();
	test_include();
	test_value_cap();
	test_errors();
	test_params();
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		printf("FAIL cleanup\n");
	return ngt_done();
}
