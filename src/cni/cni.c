/*
 * cni.c: netgraph(8)'s CNI plugin.  A container runtime runs it with the
 * command and the container in the environment (CNI_COMMAND,
 * CNI_CONTAINERID, CNI_NETNS, CNI_IFNAME, CNI_ARGS, CNI_PATH) and the
 * network's config as JSON on stdin; the result, or the spec's error
 * object, goes to stdout.  Protocol versions 0.3.0 to 1.1.0: ADD, DEL,
 * CHECK (0.4.0+), VERSION, STATUS and GC (1.1.0).
 *
 * An attachment is an eiface hung on a bridge node (through a vlan node
 * for "vlan"), its interface made anew in the container's namespace and
 * renamed CNI_IFNAME, addressed by the IPAM plugin the config names (run
 * from CNI_PATH with the same stdin, as the spec says).  It is recorded
 * by node ID (a name would not do: renaming the interface renames the
 * node) in a file per container and interface under the state directory,
 * which outlives ngd.  Runtimes may call in parallel: a command holds
 * its attachment's lock (one of NGCNI_STRIPES, chosen by the record's
 * hash) from start to end, and the directory's lock only while it reads
 * or changes what attachments share (the gateway, which goes with the
 * last record on its bridge; GC's walk), never while ngd makes an
 * eiface or moves it; what else they share in the graph (the bridge and
 * its links) tolerates a race (cni_graph.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <dirent.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <net/if.h>
#include <arpa/inet.h>
#include <linux/nsfs.h>

#include <json-c/json.h>

#include <netgraph.h>
#include <netgraph/ng_eiface.h>
#include <netgraph/ng_vlan.h>

#include "cni.h"

#define NGCNI_STATE_DIR "/run/netgraph-cni"
#define NGCNI_STATE_ENV "NETGRAPH_CNI_STATE" /* tests: a private one */
#define NGCNI_LOCK_WAIT_S 60                 /* then "try again later" */
#define NGCNI_STRIPES 64           /* attachment locks: lock.00 to lock.3f */
#define NGCNI_NGD_TIMEOUT_MS 60000 /* a request to ngd, unless NGD_TIMEOUT */
#define NGCNI_MAX_INPUT (1 << 20)

static const char *const ngcni_versions[] = { "0.3.0", "0.3.1", "0.4.0",
	"1.0.0", "1.1.0" };
#define NGCNI_NVERSIONS (sizeof(ngcni_versions) / sizeof(ngcni_versions[0]))
#define NGCNI_V040 2
#define NGCNI_V100 3
#define NGCNI_V110 4

/* One invocation: the environment, the config, the state. */
struct ngcni {
	const char *cmd, *cid, *netns, *ifname, *args;
	char *raw; /* stdin */
	size_t rawlen;
	json_object *conf;
	const char *ver;
	int vidx; /* ver's index in ngcni_versions */
	const char *name;
	char bridge[NG_NODESIZ];
	json_object *ipam;
	const char *ipamtype;
	int mtu, vlan;
	bool hasmac, isgw, isdefgw, ipmasq;
	char nat[NG_NODESIZ]; /* "": no nat node */
	json_object *pmaps;   /* runtimeConfig.portMappings */
	uint8_t mac[6];
	char *ipamraw; /* stdin for IPAM: raw, or cniVersion 1.0.0 */
	size_t ipamlen;
	char statedir[PATH_MAX];
	char recpath[PATH_MAX + 32];
	unsigned stripe; /* the record's hash % NGCNI_STRIPES */
	int lockfd;      /* the attachment's lock, held until exit */
	int statefd;     /* the directory's lock, while held */
};

int
ngcni_fail(struct ngcni_err *e, int code, const char *details, const char *fmt,
    ...)
{
	va_list ap;

	e->code = code;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
	snprintf(e->details, sizeof(e->details), "%s",
	    details != NULL ? details : "");
	return code;
}

static void
ngcni_print(json_object *o)
{
	fputs(json_object_to_json_string_ext(o,
		  JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE),
	    stdout);
	fputc('\n', stdout);
	fflush(stdout);
}

static int
ngcni_error_out(const struct ngcni_err *e, const char *ver)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "cniVersion",
	    json_object_new_string(ver != NULL ? ver : "1.1.0"));
	json_object_object_add(o, "code", json_object_new_int(e->code));
	json_object_object_add(o, "msg", json_object_new_string(e->msg));
	if (e->details[0] != '\0')
		json_object_object_add(o, "details",
		    json_object_new_string(e->details));
	ngcni_print(o);
	json_object_put(o);
	return 1;
}

static int
ngcni_version_index(const char *v)
{
	size_t i;

	for (i = 0; i < NGCNI_NVERSIONS; i++)
		if (strcmp(v, ngcni_versions[i]) == 0)
			return (int)i;
	return -1;
}

/* A whole JSON object from text, or NULL with why in err. */
static json_object *
ngcni_parse(const char *text, size_t len, char *err, size_t size)
{
	struct json_tokener *tok = json_tokener_new();
	json_object *o;
	enum json_tokener_error je;
	size_t off;

	if (tok == NULL) {
		snprintf(err, size, "out of memory");
		return NULL;
	}
	o = json_tokener_parse_ex(tok, text, (int)len);
	je = json_tokener_get_error(tok);
	off = json_tokener_get_parse_end(tok);
	json_tokener_free(tok);
	if (o == NULL || je != json_tokener_success) {
		snprintf(err, size, "%s at offset %zu",
		    je == json_tokener_continue ? "unexpected end of input" :
						  json_tokener_error_desc(je),
		    off);
		json_object_put(o);
		return NULL;
	}
	while (off < len && strchr(" \t\r\n", text[off]) != NULL)
		off++;
	if (off != len) {
		snprintf(err, size, "trailing data at offset %zu", off);
		json_object_put(o);
		return NULL;
	}
	if (!json_object_is_type(o, json_type_object)) {
		snprintf(err, size, "not a JSON object");
		json_object_put(o);
		return NULL;
	}
	return o;
}

static int
ngcni_read_stdin(struct ngcni *c, struct ngcni_err *e)
{
	size_t cap = 4096;
	ssize_t n;

	c->raw = malloc(cap + 1);
	c->rawlen = 0;
	for (;;) {
		if (c->raw == NULL)
			return ngcni_fail(e, NGCNI_E_IO, NULL, "out of memory");
		if (c->rawlen == cap) {
			if (cap >= NGCNI_MAX_INPUT)
				return ngcni_fail(e, NGCNI_E_DECODE, NULL,
				    "config larger than %d bytes",
				    NGCNI_MAX_INPUT);
			cap *= 2;
			c->raw = realloc(c->raw, cap + 1);
			continue;
		}
		n = read(STDIN_FILENO, c->raw + c->rawlen, cap - c->rawlen);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return ngcni_fail(e, NGCNI_E_IO, strerror(errno),
			    "cannot read the config from stdin");
		if (n == 0)
			break;
		c->rawlen += (size_t)n;
	}
	c->raw[c->rawlen] = '\0';
	return 0;
}

/* Field key of o: absent (NULL, 0), of type t, or a config error.  A
 * string holding a NUL byte ("\u0000") is refused: C would read it cut
 * short. */
static int
ngcni_field(json_object *o, const char *key, json_type t, json_object **v,
    struct ngcni_err *e)
{
	static const char *const names[] = { "null", "boolean", "number",
		"number", "object", "array", "string" };

	*v = NULL;
	if (!json_object_object_get_ex(o, key, v) || *v == NULL)
		return 0;
	if (json_object_is_type(*v, t)) {
		if (t == json_type_string &&
		    strlen(json_object_get_string(*v)) !=
			(size_t)json_object_get_string_len(*v))
			return ngcni_fail(e, NGCNI_E_CONFIG, NULL,
			    "field \"%s\" holds a NUL byte", key);
		return 0;
	}
	if (t == json_type_double && json_object_is_type(*v, json_type_int))
		return 0;
	return ngcni_fail(e, NGCNI_E_CONFIG, NULL,
	    "field \"%s\" must be a%s %s", key,
	    t == json_type_int || t == json_type_array ||
		    t == json_type_object ?
		"n" :
		"",
	    t == json_type_int ? "integer" : names[t]);
}

/*
 * A result (an IPAM plugin's, or prevResult) holds the fields read from
 * it with the types they are read as: "ips" and "routes" arrays of
 * objects, their addresses strings (null is no array or string either).
 * json-c asserts on, or reads through NULL at, anything else ({"ips":{}},
 * "gateway":null).  what names it in the error, code.
 */
static int
ngcni_check_result(json_object *res, const char *what, int code,
    struct ngcni_err *e)
{
	static const struct {
		const char *list, *keys[2];
	} want[] = {
		{ "ips", { "address", "gateway" } },
		{ "routes", { "dst", "gw" } },
	};
	json_object *a, *o, *v;
	size_t i, j, k, n;

	for (k = 0; k < sizeof(want) / sizeof(want[0]); k++) {
		if (!json_object_object_get_ex(res, want[k].list, &a))
			continue;
		if (!json_object_is_type(a, json_type_array))
			return ngcni_fail(e, code, NULL,
			    "%s: \"%s\" must be an array", what, want[k].list);
		n = json_object_array_length(a);
		for (i = 0; i < n; i++) {
			o = json_object_array_get_idx(a, i);
			if (!json_object_is_type(o, json_type_object))
				return ngcni_fail(e, code, NULL,
				    "%s: %s[%zu] must be an object", what,
				    want[k].list, i);
			for (j = 0; j < 2; j++)
				if (json_object_object_get_ex(o,
					want[k].keys[j], &v) &&
				    (!json_object_is_type(v,
					 json_type_string) ||
					strlen(json_object_get_string(v)) !=
					    (size_t)
						json_object_get_string_len(v)))
					return ngcni_fail(e, code, NULL,
					    "%s: %s[%zu].%s must be a string "
					    "without NUL bytes",
					    what, want[k].list, i,
					    want[k].keys[j]);
		}
	}
	return 0;
}

static int
ngcni_parse_mac(const char *s, uint8_t mac[6])
{
	unsigned b[6];
	char end;
	int i;

	if (sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &b[0], &b[1], &b[2], &b[3],
		&b[4], &b[5], &end) != 6 ||
	    strlen(s) != 17)
		return EINVAL;
	for (i = 0; i < 6; i++)
		mac[i] = (uint8_t)b[i];
	if (mac[0] & 1)
		return EINVAL; /* multicast */
	return 0;
}

/* A node name: 1-15 bytes (the gateway's interface adds to it), none
 * of the path characters. */
static bool
ngcni_good_nodename(const char *s)
{
	size_t n = strlen(s);

	return n > 0 && n < IFNAMSIZ && strpbrk(s, ".:[]/ \t\n") == NULL;
}

/* The CNI spec's network name: ^[a-zA-Z0-9][a-zA-Z0-9_.\-]*$ */
static bool
ngcni_good_netname(const char *s)
{
#define NGCNI_ALNUM                                                            \
	"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	return strspn(s, NGCNI_ALNUM) > 0 &&
	    s[strspn(s, NGCNI_ALNUM "_.-")] == '\0';
#undef NGCNI_ALNUM
}

/* portMappings: hostPort and containerPort 1-65535, protocol tcp or
 * udp. */
static int
ngcni_load_pmaps(struct ngcni *c, struct ngcni_err *e)
{
	json_object *m, *v;
	size_t i;
	int error;

	for (i = 0; c->pmaps != NULL && i < json_object_array_length(c->pmaps);
	     i++) {
		m = json_object_array_get_idx(c->pmaps, i);
		if (!json_object_is_type(m, json_type_object))
			return ngcni_fail(e, NGCNI_E_CONFIG, NULL,
			    "portMappings[%zu] is not an object", i);
		if ((error = ngcni_field(m, "hostPort", json_type_int, &v, e)))
			return error;
		if (v == NULL || json_object_get_int64(v) < 1 ||
		    json_object_get_int64(v) > 65535)
			return ngcni_fail(e, NGCNI_E_CONFIG, NULL,
			    "portMappings[%zu]: hostPort 1-65535 required", i);
		if ((error = ngcni_field(m, "containerPort", json_type_int, &v,
			 e)))
			return error;
		if (v == NULL || json_object_get_int64(v) < 1 ||
		    json_object_get_int64(v) > 65535)
			return ngcni_fail(e, NGCNI_E_CONFIG, NULL,
			    "portMappings[%zu]: containerPort 1-65535 "
			    "required",
			    i);
		if ((error = ngcni_field(m, "protocol", json_type_string, &v,
			 e)))
			return error;
		if (v != NULL &&
		    strcmp(json_object_get_string(v), "tcp") != 0 &&
		    strcmp(json_object_get_string(v), "udp") != 0)
			return ngcni_fail(e, NGCNI_E_CONFIG, NULL,
			    "portMappings[%zu]: protocol %s (tcp or udp)", i,
			    json_object_get_string(v));
	}
	return 0;
}

/* The config: every field we read, with its type. */
static int
ngcni_load_conf(struct ngcni *c, struct ngcni_err *e)
{
	json_object *v, *rc;
	int error;

	if ((error = ngcni_field(c->conf, "name", json_type_string, &v, e)))
		return error;
	if (v == NULL)
		return ngcni_fail(e, NGCNI_E_CONFIG, NULL,
		    "the config has no network name");
	c->name = json_object_get_string(v);
	if (!ngcni_good_netname(c->name))
		return ngcni_fail(e, NGCNI_E_CONFIG, NULL,
		    "network name \"%s\" must match "
		    "^[a-zA-Z0-9][a-zA-Z0-9_.\\-]*$",
		    c->name);
	if ((error = ngcni_field(c->conf, "bridge", json_type_string, &v, e)))
		return error;
	snprintf(c->bridge, sizeof(c->bridge), "%s",
	    v != NULL ? json_object_get_string(v) : "cni0");
	if (v != NULL &&
	    (strlen(json_object_get_string(v)) >= sizeof(c->bridge) ||
		!ngcni_good_nodename(c->bridge)))
		return ngcni_fail(e, NGCNI_E_CONFIG, NULL,
		    "bridge \"%s\" is not a node name (1-15 bytes, none of "
		    "\".:[]/\" or blanks)",
		    json_object_get_string(v));
	if ((error = ngcni_field(c->conf, "ipam", json_type_object, &c->ipam,
		 e)))
		return error;
	if (c->ipam != NULL) {
		if ((error = ngcni_field(c->ipam, "type", json_type_string, &v,
			 e)))
			return error;
		if (v == NULL && json_object_object_length(c->ipam) > 0)
			return ngcni_fail(e, NGCNI_E_CONFIG, NULL,
			    "ipam needs a type");
		c->ipamtype = v != NULL ? json_object_get_string(v) : NULL;
		if (c->ipamtype != NULL &&
		    (c->ipamtype[0] == '\0' || strchr(c->ipamtype, '/') ||
			c->ipamtype[0] == '.'))
			return ngcni_fail(e, NGCNI_E_CONFIG, NULL,
			    "ipam type \"%s\" is not a plugin name",
			    c->ipamtype);
	}
	if ((error = ngcni_field(c->conf, "mtu", json_type_int, &v, e)))
		return error;
	c->mtu = v != NULL ? json_object_get_int(v) : 0;
	if (v != NULL &&
	    (json_object_get_int64(v) < 68 || json_object_get_int64(v) > 65535))
		return ngcni_fail(e, NGCNI_E_CONFIG, NULL,
		    "mtu %s is out of range (68-65535)",
		    json_object_get_string(v));
	if ((error = ngcni_field(c->conf, "vlan", json_type_int, &v, e)))
		return error;
	c->vlan = v != NULL ? json_object_get_int(v) : 0;
	if (v != NULL &&
	    (json_object_get_int64(v) < 0 ||
		json_object_get_int64(v) >= NG_VLAN_VID_MAX))
		return ngcni_fail(e, NGCNI_E_CONFIG, NULL,
		    "vlan %s is out of range (0-4094)",
		    json_object_get_string(v));
	if ((error = ngcni_field(c->conf, "isGateway", json_type_boolean, &v,
		 e)))
		return error;
	c->isgw = v != NULL && json_object_get_boolean(v);
	if ((error = ngcni_field(c->conf, "isDefaultGateway", json_type_boolean,
		 &v, e)))
		return error;
	c->isdefgw = v != NULL && json_object_get_boolean(v);
	if (c->isdefgw)
		c->isgw = true;
	if ((error = ngcni_field(c->conf, "ipMasq", json_type_boolean, &v, e)))
		return error;
	c->ipmasq = v != NULL && json_object_get_boolean(v);
	if ((error = ngcni_field(c->conf, "nat", json_type_string, &v, e)))
		return error;
	if (v != NULL) {
		snprintf(c->nat, sizeof(c->nat), "%s",
		    json_object_get_string(v));
		if (strlen(json_object_get_string(v)) >= sizeof(c->nat) ||
		    !ngcni_good_nodename(c->nat))
			return ngcni_fail(e, NGCNI_E_CONFIG, NULL,
			    "nat \"%s\" is not a node name",
			    json_object_get_string(v));
	}
	if ((error = ngcni_field(c->conf, "mac", json_type_string, &v, e)))
		return error;
	if (v != NULL) {
		if (ngcni_parse_mac(json_object_get_string(v), c->mac) != 0)
			return ngcni_fail(e, NGCNI_E_CONFIG, NULL,
			    "mac \"%s\" is not a unicast Ethernet address",
			    json_object_get_string(v));
		c->hasmac = true;
	}
	if ((error = ngcni_field(c->conf, "prevResult", json_type_object, &v,
		 e)))
		return error;
	if (v != NULL &&
	    (error = ngcni_check_result(v, "prevResult", NGCNI_E_CONFIG, e)))
		return error;
	if ((error = ngcni_field(c->conf, "runtimeConfig", json_type_object,
		 &rc, e)))
		return error;
	if (rc != NULL) {
		if ((error = ngcni_field(rc, "mac", json_type_string, &v, e)))
			return error;
		if (v != NULL) {
			if (ngcni_parse_mac(json_object_get_string(v),
				c->mac) != 0)
				return ngcni_fail(e, NGCNI_E_CONFIG, NULL,
				    "runtimeConfig mac \"%s\" is not a "
				    "unicast Ethernet address",
				    json_object_get_string(v));
			c->hasmac = true;
		}
		if ((error = ngcni_field(rc, "portMappings", json_type_array,
			 &v, e)))
			return error;
		if (v != NULL && json_object_array_length(v) > 0)
			c->pmaps = v;
	}
	if ((error = ngcni_load_pmaps(c, e)) != 0)
		return error;
	if ((c->ipmasq || c->pmaps != NULL) && c->nat[0] == '\0' &&
	    strcmp(c->cmd, "ADD") == 0)
		return ngcni_fail(e, NGCNI_E_FIELD, NULL,
		    "ipMasq and portMappings need a nat node on the uplink: "
		    "name it in \"nat\"");
	return 0;
}

/* CNI_ARGS: "K=V;K=V".  MAC= sets the MAC; others are for IPAM or
 * ignored. */
static int
ngcni_load_args(struct ngcni *c, struct ngcni_err *e)
{
	char *dup, *kv, *save = NULL;
	int error = 0;

	if (c->args == NULL || c->args[0] == '\0')
		return 0;
	if ((dup = strdup(c->args)) == NULL)
		return ngcni_fail(e, NGCNI_E_IO, NULL, "out of memory");
	for (kv = strtok_r(dup, ";", &save); kv != NULL;
	     kv = strtok_r(NULL, ";", &save)) {
		char *eq = strchr(kv, '=');

		if (eq == NULL) {
			error = ngcni_fail(e, NGCNI_E_ENV, NULL,
			    "CNI_ARGS: \"%s\" is not KEY=VALUE", kv);
			break;
		}
		*eq = '\0';
		if (strcmp(kv, "MAC") == 0) {
			if (ngcni_parse_mac(eq + 1, c->mac) != 0) {
				error = ngcni_fail(e, NGCNI_E_ENV, NULL,
				    "CNI_ARGS: MAC \"%s\" is not a unicast "
				    "Ethernet address",
				    eq + 1);
				break;
			}
			c->hasmac = true;
		}
	}
	free(dup);
	return error;
}

/* CNI_CONTAINERID: letters, digits, "_.-", starting with a letter or
 * digit; CNI_IFNAME: an interface name (no '%': the kernel would name
 * it from a pattern, "e%d" becoming e0, and the plugin lost it). */
static int
ngcni_load_env(struct ngcni *c, bool neednetns, struct ngcni_err *e)
{
	const char *p;

	if (c->cid == NULL || c->cid[0] == '\0')
		return ngcni_fail(e, NGCNI_E_ENV, NULL,
		    "CNI_CONTAINERID is required");
	for (p = c->cid; *p != '\0'; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
			(*p >= '0' && *p <= '9') ||
			(p != c->cid && strchr("_.-", *p) != NULL)))
			return ngcni_fail(e, NGCNI_E_ENV, NULL,
			    "CNI_CONTAINERID \"%s\" holds characters other "
			    "than letters, digits and \"_.-\"",
			    c->cid);
	if (c->ifname == NULL || c->ifname[0] == '\0' ||
	    strlen(c->ifname) >= IFNAMSIZ || strpbrk(c->ifname, "/:% \t\n") ||
	    strcmp(c->ifname, ".") == 0 || strcmp(c->ifname, "..") == 0)
		return ngcni_fail(e, NGCNI_E_ENV, NULL,
		    "CNI_IFNAME \"%s\" is not an interface name",
		    c->ifname != NULL ? c->ifname : "");
	if (neednetns && (c->netns == NULL || c->netns[0] == '\0'))
		return ngcni_fail(e, NGCNI_E_ENV, NULL,
		    "CNI_NETNS is required");
	return 0;
}

/* The state directory, made when absent. */
static int
ngcni_statedir(struct ngcni *c, struct ngcni_err *e)
{
	const char *dir = getenv(NGCNI_STATE_ENV);

	snprintf(c->statedir, sizeof(c->statedir), "%s",
	    dir != NULL && dir[0] != '\0' ? dir : NGCNI_STATE_DIR);
	if (mkdir(c->statedir, 0700) < 0 && errno != EEXIST)
		return ngcni_fail(e, NGCNI_E_IO, strerror(errno),
		    "cannot make state directory %s", c->statedir);
	return 0;
}

/* Lock file name in the state directory, opened (made when absent); -1
 * if it cannot be. */
static int
ngcni_lockfile(struct ngcni *c, const char *name)
{
	char path[PATH_MAX + 16];

	snprintf(path, sizeof(path), "%s/%s", c->statedir, name);
	return open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
}

/* Lock file name in the state directory if no one holds it: *fdp. */
static bool
ngcni_trylock(struct ngcni *c, const char *name, int *fdp)
{
	int fd = ngcni_lockfile(c, name);

	if (fd >= 0 && flock(fd, LOCK_EX | LOCK_NB) == 0) {
		*fdp = fd;
		return true;
	}
	if (fd >= 0)
		close(fd);
	return false;
}

/* Lock file name in the state directory, *fdp, waiting up to
 * NGCNI_LOCK_WAIT_S (then "try again later"). */
static int
ngcni_flock(struct ngcni *c, const char *name, int *fdp, struct ngcni_err *e)
{
	int fd, waited;

	if ((fd = ngcni_lockfile(c, name)) < 0)
		return ngcni_fail(e, NGCNI_E_IO, strerror(errno),
		    "cannot open %s/%s", c->statedir, name);
	for (waited = 0; flock(fd, LOCK_EX | LOCK_NB) < 0; waited++) {
		struct timespec ms10 = { 0, 10000000L };
		int error = errno;

		if (error != EWOULDBLOCK || waited >= NGCNI_LOCK_WAIT_S * 100) {
			close(fd);
			return ngcni_fail(e, NGCNI_E_AGAIN, strerror(error),
			    "%s/%s is locked", c->statedir, name);
		}
		nanosleep(&ms10, NULL);
	}
	*fdp = fd;
	return 0;
}

/* The attachment's lock, held until exit: ADD, DEL and CHECK of one
 * attachment (or of two that share a stripe) take turns. */
static int
ngcni_lock(struct ngcni *c, struct ngcni_err *e)
{
	char name[16];

	snprintf(name, sizeof(name), "lock.%02x", c->stripe);
	return ngcni_flock(c, name, &c->lockfd, e);
}

/* The directory's lock (the file older plugins held throughout), for
 * what attachments share; dropped as soon as that is done. */
static int
ngcni_state_lock(struct ngcni *c, struct ngcni_err *e)
{
	return ngcni_flock(c, "lock", &c->statefd, e);
}

static void
ngcni_state_unlock(struct ngcni *c)
{
	if (c->statefd >= 0)
		close(c->statefd);
	c->statefd = -1;
}

/* An FNV-1a hash names the record of (network, container, interface). */
static void
ngcni_record_path(struct ngcni *c)
{
	uint64_t h = 1469598103934665603ULL;
	const char *parts[3] = { c->name, c->cid, c->ifname };
	const unsigned char *p;
	int i;

	for (i = 0; i < 3; i++) {
		for (p = (const unsigned char *)parts[i]; *p != '\0'; p++)
			h = (h ^ *p) * 1099511628211ULL;
		h = (h ^ 0xff) * 1099511628211ULL;
	}
	snprintf(c->recpath, sizeof(c->recpath), "%s/%016llx.json", c->statedir,
	    (unsigned long long)h);
	c->stripe = (unsigned)(h % NGCNI_STRIPES);
}

static json_object *
ngcni_record_read(const char *path)
{
	json_object *r = json_object_from_file(path);

	if (r != NULL && !json_object_is_type(r, json_type_object)) {
		json_object_put(r);
		r = NULL;
	}
	return r;
}

static const char *
ngcni_rec_str(json_object *r, const char *key)
{
	json_object *v;

	if (!json_object_object_get_ex(r, key, &v) ||
	    !json_object_is_type(v, json_type_string))
		return "";
	return json_object_get_string(v);
}

static uint32_t
ngcni_rec_id(json_object *r, const char *key)
{
	return (uint32_t)strtoul(ngcni_rec_str(r, key), NULL, 16);
}

/* Ours: (network, container, interface) as recorded. */
static bool
ngcni_record_is(json_object *r, const char *name, const char *cid,
    const char *ifname)
{
	return strcmp(ngcni_rec_str(r, "network"), name) == 0 &&
	    strcmp(ngcni_rec_str(r, "containerId"), cid) == 0 &&
	    strcmp(ngcni_rec_str(r, "ifname"), ifname) == 0;
}

static int
ngcni_record_write(struct ngcni *c, uint32_t eid, uint32_t vlid, uint32_t nat,
    json_object *rdrs, struct ngcni_err *e)
{
	json_object *r = json_object_new_object();
	char tmp[PATH_MAX + 40], id[16];
	int error = 0;

	json_object_object_add(r, "network", json_object_new_string(c->name));
	json_object_object_add(r, "containerId",
	    json_object_new_string(c->cid));
	json_object_object_add(r, "ifname", json_object_new_string(c->ifname));
	json_object_object_add(r, "netns",
	    json_object_new_string(c->netns != NULL ? c->netns : ""));
	json_object_object_add(r, "bridge", json_object_new_string(c->bridge));
	snprintf(id, sizeof(id), "%08x", eid);
	json_object_object_add(r, "node", json_object_new_string(id));
	if (vlid != 0) {
		snprintf(id, sizeof(id), "%08x", vlid);
		json_object_object_add(r, "vlanNode",
		    json_object_new_string(id));
	}
	json_object_object_add(r, "vlan", json_object_new_int(c->vlan));
	if (nat != 0 && rdrs != NULL) {
		snprintf(id, sizeof(id), "%08x", nat);
		json_object_object_add(r, "natNode",
		    json_object_new_string(id));
		json_object_object_add(r, "redirects", json_object_get(rdrs));
	}
	json_object_object_add(r, "isGateway",
	    json_object_new_boolean(c->isgw));
	json_object_object_add(r, "config",
	    json_object_new_string_len(c->ipamraw, (int)c->ipamlen));
	snprintf(tmp, sizeof(tmp), "%s.tmp", c->recpath);
	if (json_object_to_file_ext(tmp, r, JSON_C_TO_STRING_PLAIN) < 0 ||
	    rename(tmp, c->recpath) < 0) {
		error = ngcni_fail(e, NGCNI_E_IO, strerror(errno),
		    "cannot write record %s", c->recpath);
		(void)unlink(tmp);
	}
	json_object_put(r);
	return error;
}

/* How many records hang on bridge br in vlan vid, the one at skip
 * aside. */
static int
ngcni_bridge_users(struct ngcni *c, const char *br, int vid, const char *skip)
{
	char path[PATH_MAX + 300];
	struct dirent *d;
	json_object *r;
	DIR *dir;
	int n = 0;

	if ((dir = opendir(c->statedir)) == NULL)
		return 0;
	while ((d = readdir(dir)) != NULL) {
		size_t len = strlen(d->d_name);

		if (len < 6 || strcmp(d->d_name + len - 5, ".json") != 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", c->statedir, d->d_name);
		if (skip != NULL && strcmp(path, skip) == 0)
			continue;
		if ((r = ngcni_record_read(path)) == NULL)
			continue;
		if (strcmp(ngcni_rec_str(r, "bridge"), br) == 0 &&
		    json_object_get_int(json_object_object_get(r, "vlan")) ==
			vid)
			n++;
		json_object_put(r);
	}
	closedir(dir);
	return n;
}

/* The gateway's node (and interface) name: "<bridge>-gw", or with a
 * vlan "<bridge>-gw<vid>", within IFNAMSIZ. */
static void
ngcni_gwname(const char *br, int vid, char *name, size_t size)
{
	if (vid > 0)
		snprintf(name, size, "%.7s-gw%d", br, vid % 4096);
	else
		snprintf(name, size, "%.12s-gw", br);
}

/*
 * The gateway eiface of bridge br goes once nothing else uses it.  Under
 * the directory's lock (taken here unless held), which an ADD holds
 * from after its record is written until its gateway is up: so either
 * we count that record, or its gateway is made anew after ours went.
 * (Not had in time: the gateway stays, for the next DEL.)
 */
static void
ngcni_gateway_release(struct ngcni *c, struct ngcni_graph *g, const char *br,
    int vid, const char *skip)
{
	char gw[IFNAMSIZ + 8];
	bool locked = c->statefd < 0;
	struct ngcni_err e;

	if (locked && ngcni_state_lock(c, &e) != 0)
		return;
	if (ngcni_bridge_users(c, br, vid, skip) == 0) {
		ngcni_gwname(br, vid, gw, sizeof(gw));
		ngcni_graph_gateway_release(g, gw);
	}
	if (locked)
		ngcni_state_unlock(c);
}

/* The IPAM plugin (or any) type, found in CNI_PATH. */
static int
ngcni_find_plugin(const char *type, char *path, size_t size,
    struct ngcni_err *e)
{
	const char *cnipath = getenv("CNI_PATH");
	char *dup, *dir, *save = NULL;
	int found = 0;

	if (cnipath == NULL || cnipath[0] == '\0')
		return ngcni_fail(e, NGCNI_E_ENV, NULL,
		    "CNI_PATH is required to find ipam plugin \"%s\"", type);
	if ((dup = strdup(cnipath)) == NULL)
		return ngcni_fail(e, NGCNI_E_IO, NULL, "out of memory");
	for (dir = strtok_r(dup, ":", &save); dir != NULL && !found;
	     dir = strtok_r(NULL, ":", &save)) {
		snprintf(path, size, "%s/%s", dir, type);
		found = access(path, X_OK) == 0;
	}
	free(dup);
	if (!found)
		return ngcni_fail(e, NGCNI_E_CONFIG, cnipath,
		    "ipam plugin \"%s\" not found in CNI_PATH", type);
	return 0;
}

/*
 * Run plugin type with command cmd, in (stdin) and the environment as
 * ours with CNI_COMMAND set (and, when env is not NULL, those "K=V" set
 * too).  *out gets its stdout; a failure passes its error object on.
 */
static int
ngcni_exec(const char *type, const char *cmd, const char *in, size_t inlen,
    char *const *env, char **out, struct ngcni_err *e)
{
	char path[PATH_MAX], err[128];
	int pin[2], pout[2], status;
	size_t cap = 4096, len = 0;
	char *buf;
	ssize_t n;
	pid_t pid;
	int error;

	*out = NULL;
	if ((error = ngcni_find_plugin(type, path, sizeof(path), e)) != 0)
		return error;
	if (pipe2(pin, O_CLOEXEC) < 0)
		return ngcni_fail(e, NGCNI_E_IO, strerror(errno), "pipe");
	if (pipe2(pout, O_CLOEXEC) < 0) {
		close(pin[0]);
		close(pin[1]);
		return ngcni_fail(e, NGCNI_E_IO, strerror(errno), "pipe");
	}
	fflush(stdout);
	if ((pid = fork()) < 0) {
		error = errno;
		close(pin[0]);
		close(pin[1]);
		close(pout[0]);
		close(pout[1]);
		return ngcni_fail(e, NGCNI_E_IO, strerror(error), "fork");
	}
	if (pid == 0) {
		dup2(pin[0], STDIN_FILENO);
		dup2(pout[1], STDOUT_FILENO);
		signal(SIGPIPE, SIG_DFL);
		setenv("CNI_COMMAND", cmd, 1);
		for (; env != NULL && *env != NULL; env++)
			putenv(*env);
		execl(path, type, (char *)NULL);
		_exit(127);
	}
	close(pin[0]);
	close(pout[1]);
	while (inlen > 0) {
		n = write(pin[1], in, inlen);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		in += n;
		inlen -= (size_t)n;
	}
	close(pin[1]);
	buf = malloc(cap + 1);
	for (;;) {
		if (buf == NULL)
			break;
		if (len == cap) {
			cap *= 2;
			buf = realloc(buf, cap + 1);
			continue;
		}
		n = read(pout[0], buf + len, cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	close(pout[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (buf == NULL)
		return ngcni_fail(e, NGCNI_E_IO, NULL, "out of memory");
	buf[len] = '\0';
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		*out = buf;
		return 0;
	}
	{
		json_object *o = ngcni_parse(buf, len, err, sizeof(err)), *v;

		if (o != NULL && json_object_object_get_ex(o, "code", &v) &&
		    json_object_is_type(v, json_type_int) &&
		    json_object_get_int(v) > 0) {
			int code = json_object_get_int(v);
			json_object *m = NULL, *d = NULL;

			json_object_object_get_ex(o, "msg", &m);
			json_object_object_get_ex(o, "details", &d);
			ngcni_fail(e, code,
			    d != NULL ? json_object_get_string(d) : NULL,
			    "%s %s: %s", type, cmd,
			    m != NULL ? json_object_get_string(m) : "failed");
		} else
			ngcni_fail(e, NGCNI_E_GRAPH, buf,
			    "%s %s failed (%s %d)", type, cmd,
			    WIFEXITED(status) ? "exit" : "signal",
			    WIFEXITED(status) ? WEXITSTATUS(status) :
						WTERMSIG(status));
		json_object_put(o);
	}
	free(buf);
	return e->code;
}

/* Whether a plugin's answer to VERSION, out, names version ver. */
static bool
ngcni_speaks(const char *out, const char *ver)
{
	json_object *o, *v, *s;
	char err[64];
	bool yes = false;
	size_t i;

	o = ngcni_parse(out, strlen(out), err, sizeof(err));
	if (o != NULL &&
	    json_object_object_get_ex(o, "supportedVersions", &v) &&
	    json_object_is_type(v, json_type_array))
		for (i = 0; i < json_object_array_length(v); i++) {
			s = json_object_array_get_idx(v, i);
			if (json_object_is_type(s, json_type_string) &&
			    strcmp(json_object_get_string(s), ver) == 0)
				yes = true;
		}
	json_object_put(o);
	return yes;
}

/* Whether plugin type answers VERSION with version ver. */
static bool
ngcni_plugin_speaks(const char *type, const char *ver)
{
	static const char in[] = "{\"cniVersion\":\"1.0.0\"}";
	struct ngcni_err e;
	char *out;
	bool yes;

	if (ngcni_exec(type, "VERSION", in, sizeof(in) - 1, NULL, &out, &e))
		return false;
	yes = ngcni_speaks(out, ver);
	free(out);
	return yes;
}

/* The container's namespace: an fd, and its name when it is under
 * /run/netns (where ngd can make the interface in place).  Opened
 * without blocking (a FIFO there would wait for a writer for ever) and
 * refused unless it is a network namespace. */
static int
ngcni_open_netns(struct ngcni *c, int *fd, char *nsname, size_t size,
    struct ngcni_err *e)
{
	char real[PATH_MAX], *slash;

	*fd = open(c->netns, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	if (*fd < 0)
		return ngcni_fail(e, NGCNI_E_UNKNOWN, strerror(errno),
		    "failed to open netns \"%s\"", c->netns);
	if (ioctl(*fd, NS_GET_NSTYPE) != CLONE_NEWNET) {
		close(*fd);
		*fd = -1;
		return ngcni_fail(e, NGCNI_E_ENV, NULL,
		    "CNI_NETNS \"%s\" is not a network namespace", c->netns);
	}
	nsname[0] = '\0';
	if (realpath(c->netns, real) != NULL &&
	    (slash = strrchr(real, '/')) != NULL) {
		*slash = '\0';
		if (strcmp(real, "/run/netns") == 0)
			snprintf(nsname, size, "%s", slash + 1);
	}
	return 0;
}

static void
ngcni_mac_str(const uint8_t m[6], char *s)
{
	sprintf(s, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3],
	    m[4], m[5]);
}

/* The IPAM result's addresses, routes and DNS onto the interface. */
static int
ngcni_configure(struct ngcni *c, struct ngcni_nl *nl, int ifindex,
    json_object *ipamres, struct ngcni_err *e)
{
	json_object *ips = NULL, *routes = NULL, *ip, *v;
	struct ngcni_prefix p, gw4, gw6, dst, gw;
	bool have4 = false, have6 = false, havedef4 = false, havedef6 = false;
	size_t i;
	int error;

	if (ipamres != NULL) {
		json_object_object_get_ex(ipamres, "ips", &ips);
		json_object_object_get_ex(ipamres, "routes", &routes);
	}
	for (i = 0; ips != NULL && i < json_object_array_length(ips); i++) {
		ip = json_object_array_get_idx(ips, i);
		if (!json_object_object_get_ex(ip, "address", &v) ||
		    ngcni_parse_prefix(json_object_get_string(v), &p, true))
			return ngcni_fail(e, NGCNI_E_DECODE, NULL,
			    "ipam result: bad address");
		if ((error = ngcni_nl_addr(nl, ifindex, &p)) != 0)
			return ngcni_fail(e, NGCNI_E_NETLINK, strerror(error),
			    "cannot add address %s", json_object_get_string(v));
		if (json_object_object_get_ex(ip, "gateway", &v) &&
		    ngcni_parse_prefix(json_object_get_string(v), &gw, false) ==
			0) {
			if (gw.family == AF_INET && !have4) {
				gw4 = gw;
				have4 = true;
			} else if (gw.family == AF_INET6 && !have6) {
				gw6 = gw;
				have6 = true;
			}
		}
	}
	if ((error = ngcni_nl_setlink(nl, ifindex, NULL, 0, true, -1)) != 0)
		return ngcni_fail(e, NGCNI_E_NETLINK, strerror(error),
		    "cannot bring %s up", c->ifname);
	for (i = 0; routes != NULL && i < json_object_array_length(routes);
	     i++) {
		json_object *rt = json_object_array_get_idx(routes, i);
		const struct ngcni_prefix *via = NULL;

		if (!json_object_object_get_ex(rt, "dst", &v) ||
		    ngcni_parse_prefix(json_object_get_string(v), &dst, true))
			return ngcni_fail(e, NGCNI_E_DECODE, NULL,
			    "ipam result: bad route");
		if (json_object_object_get_ex(rt, "gw", &v)) {
			if (ngcni_parse_prefix(json_object_get_string(v), &gw,
				false))
				return ngcni_fail(e, NGCNI_E_DECODE, NULL,
				    "ipam result: bad route gateway");
			via = &gw;
		} else if (dst.family == AF_INET && have4)
			via = &gw4;
		else if (dst.family == AF_INET6 && have6)
			via = &gw6;
		if (dst.plen == 0) {
			if (dst.family == AF_INET)
				havedef4 = true;
			else
				havedef6 = true;
		}
		if ((error = ngcni_nl_route(nl, ifindex, &dst, via)) != 0 &&
		    error != EEXIST)
			return ngcni_fail(e, NGCNI_E_NETLINK, strerror(error),
			    "cannot add route to %s",
			    json_object_get_string(json_object_object_get(rt,
				"dst")));
	}
	if (c->isdefgw) {
		if (have4 && !havedef4) {
			memset(&dst, 0, sizeof(dst));
			dst.family = AF_INET;
			if ((error = ngcni_nl_route(nl, ifindex, &dst, &gw4)) !=
				0 &&
			    error != EEXIST)
				return ngcni_fail(e, NGCNI_E_NETLINK,
				    strerror(error),
				    "cannot add the default route");
		}
		if (have6 && !havedef6) {
			memset(&dst, 0, sizeof(dst));
			dst.family = AF_INET6;
			if ((error = ngcni_nl_route(nl, ifindex, &dst, &gw6)) !=
				0 &&
			    error != EEXIST)
				return ngcni_fail(e, NGCNI_E_NETLINK,
				    strerror(error),
				    "cannot add the default route");
		}
	}
	return 0;
}

/* The host side's gateway: an eiface on the bridge holding each gateway
 * address, in our own namespace. */
static int
ngcni_gateway(struct ngcni *c, struct ngcni_graph *g, json_object *ipamres,
    char *gwif, uint8_t gwmac[6], struct ngcni_err *e)
{
	json_object *ips = NULL, *ip, *v;
	struct ngcni_prefix p, gw;
	struct ngcni_nl *nl;
	char ifname[IFNAMSIZ + 8];
	int ifindex, error;
	uint32_t id;
	size_t i;

	ngcni_gwname(c->bridge, c->vlan, gwif, IFNAMSIZ);
	if ((error = ngcni_graph_gateway(g, c->bridge, c->vlan, gwif, &id,
		 e)) != 0)
		return error;
	if ((error = ngcni_graph_ifname(g, id, ifname, sizeof(ifname), e)))
		return error;
	snprintf(gwif, IFNAMSIZ, "%.15s", ifname);
	if ((error = ngcni_nl_open(&nl, -1)) != 0)
		return ngcni_fail(e, NGCNI_E_NETLINK, strerror(error),
		    "rtnetlink");
	if ((error = ngcni_nl_link(nl, ifname, &ifindex, gwmac, NULL)) != 0) {
		ngcni_nl_close(nl);
		return ngcni_fail(e, NGCNI_E_NETLINK, strerror(error),
		    "gateway interface %s", ifname);
	}
	if (ipamres != NULL)
		json_object_object_get_ex(ipamres, "ips", &ips);
	for (i = 0; ips != NULL && i < json_object_array_length(ips); i++) {
		ip = json_object_array_get_idx(ips, i);
		if (!json_object_object_get_ex(ip, "address", &v) ||
		    ngcni_parse_prefix(json_object_get_string(v), &p, true) ||
		    !json_object_object_get_ex(ip, "gateway", &v) ||
		    ngcni_parse_prefix(json_object_get_string(v), &gw, false))
			continue;
		gw.plen = p.plen;
		error = ngcni_nl_addr(nl, ifindex, &gw);
		if (error != 0 && error != EEXIST) {
			ngcni_nl_close(nl);
			return ngcni_fail(e, NGCNI_E_NETLINK, strerror(error),
			    "cannot add gateway address %s to %s",
			    json_object_get_string(v), ifname);
		}
	}
	error = ngcni_nl_setlink(nl, ifindex, NULL, 0, true, -1);
	ngcni_nl_close(nl);
	if (error != 0)
		return ngcni_fail(e, NGCNI_E_NETLINK, strerror(error),
		    "cannot bring %s up", ifname);
	return 0;
}

/* The result in the requested version: "version" in each IP before 1.0.0. */
static void
ngcni_fix_ips(struct ngcni *c, json_object *ips, int ifoff)
{
	json_object *ip, *v;
	size_t i;

	for (i = 0; ips != NULL && i < json_object_array_length(ips); i++) {
		ip = json_object_array_get_idx(ips, i);
		json_object_object_del(ip, "version");
		if (c->vidx < NGCNI_V100 &&
		    json_object_object_get_ex(ip, "address", &v))
			json_object_object_add(ip, "version",
			    json_object_new_string(
				strchr(json_object_get_string(v), ':') ? "6" :
									 "4"));
		if (ifoff >= 0)
			json_object_object_add(ip, "interface",
			    json_object_new_int(ifoff));
	}
}

static json_object *
ngcni_result(struct ngcni *c, json_object *ipamres, const char *mac,
    const char *gwif, const char *gwmac)
{
	json_object *r = json_object_new_object(), *ifs, *ips, *routes, *o;
	json_object *prev = NULL, *v;
	int base = 0;

	json_object_object_get_ex(c->conf, "prevResult", &prev);
	ifs = json_object_new_array();
	ips = json_object_new_array();
	routes = json_object_new_array();
	if (prev != NULL) {
		size_t i;

		if (json_object_object_get_ex(prev, "interfaces", &v) &&
		    json_object_is_type(v, json_type_array))
			for (i = 0; i < json_object_array_length(v); i++)
				json_object_array_add(ifs,
				    json_object_get(json_object_array_get_idx(v,
					i)));
		if (json_object_object_get_ex(prev, "ips", &v) &&
		    json_object_is_type(v, json_type_array))
			for (i = 0; i < json_object_array_length(v); i++)
				json_object_array_add(ips,
				    json_object_get(json_object_array_get_idx(v,
					i)));
		if (json_object_object_get_ex(prev, "routes", &v) &&
		    json_object_is_type(v, json_type_array))
			for (i = 0; i < json_object_array_length(v); i++)
				json_object_array_add(routes,
				    json_object_get(json_object_array_get_idx(v,
					i)));
		base = (int)json_object_array_length(ifs);
	}
	if (gwif != NULL) {
		o = json_object_new_object();
		json_object_object_add(o, "name", json_object_new_string(gwif));
		json_object_object_add(o, "mac", json_object_new_string(gwmac));
		json_object_array_add(ifs, o);
		base++;
	}
	o = json_object_new_object();
	json_object_object_add(o, "name", json_object_new_string(c->ifname));
	json_object_object_add(o, "mac", json_object_new_string(mac));
	json_object_object_add(o, "sandbox", json_object_new_string(c->netns));
	json_object_array_add(ifs, o);
	if (ipamres != NULL) {
		size_t i;
		json_object *ours = NULL;

		if (json_object_object_get_ex(ipamres, "ips", &ours))
			ngcni_fix_ips(c, ours, base);
		for (i = 0; ours != NULL && i < json_object_array_length(ours);
		     i++)
			json_object_array_add(ips,
			    json_object_get(json_object_array_get_idx(ours,
				i)));
		if (json_object_object_get_ex(ipamres, "routes", &ours))
			for (i = 0; i < json_object_array_length(ours); i++)
				json_object_array_add(routes,
				    json_object_get(
					json_object_array_get_idx(ours, i)));
	}
	ngcni_fix_ips(c, ips, -1);
	if (c->isdefgw && ipamres != NULL) {
		json_object *ours = NULL;
		size_t i;

		json_object_object_get_ex(ipamres, "ips", &ours);
		for (i = 0; ours != NULL && i < json_object_array_length(ours);
		     i++) {
			json_object *gw;
			const char *a;

			if (!json_object_object_get_ex(
				json_object_array_get_idx(ours, i), "gateway",
				&gw))
				continue;
			a = json_object_get_string(gw);
			o = json_object_new_object();
			json_object_object_add(o, "dst",
			    json_object_new_string(strchr(a, ':') ?
				    "::/0" :
				    "0.0.0.0/0"));
			json_object_object_add(o, "gw",
			    json_object_new_string(a));
			json_object_array_add(routes, o);
		}
	}
	json_object_object_add(r, "cniVersion", json_object_new_string(c->ver));
	json_object_object_add(r, "interfaces", ifs);
	json_object_object_add(r, "ips", ips);
	json_object_object_add(r, "routes", routes);
	if (ipamres != NULL && json_object_object_get_ex(ipamres, "dns", &v))
		json_object_object_add(r, "dns", json_object_get(v));
	else if (json_object_object_get_ex(c->conf, "dns", &v))
		json_object_object_add(r, "dns", json_object_get(v));
	else if (prev != NULL && json_object_object_get_ex(prev, "dns", &v))
		json_object_object_add(r, "dns", json_object_get(v));
	return r;
}

/* Each port mapping to each IPv4 address of the container, through the
 * nat node; the redirect IDs go into rdrs. */
static int
ngcni_forward(struct ngcni *c, struct ngcni_graph *g, uint32_t nat,
    json_object *ipamres, json_object *rdrs, struct ngcni_err *e)
{
	json_object *ips = NULL, *v, *m;
	struct ngcni_prefix p;
	struct in_addr a;
	char desc[64];
	size_t i, j;
	uint32_t id;
	int error, proto;

	if (ipamres != NULL)
		json_object_object_get_ex(ipamres, "ips", &ips);
	snprintf(desc, sizeof(desc), "cni %.12s %s", c->cid, c->ifname);
	for (i = 0; ips != NULL && i < json_object_array_length(ips); i++) {
		if (!json_object_object_get_ex(
			json_object_array_get_idx(ips, i), "address", &v) ||
		    ngcni_parse_prefix(json_object_get_string(v), &p, true) ||
		    p.family != AF_INET)
			continue;
		memcpy(&a, p.addr, sizeof(a));
		for (j = 0; j < json_object_array_length(c->pmaps); j++) {
			m = json_object_array_get_idx(c->pmaps, j);
			proto = json_object_object_get_ex(m, "protocol", &v) &&
				strcmp(json_object_get_string(v), "udp") == 0 ?
			    17 :
			    6;
			if ((error = ngcni_graph_redirect(g, nat, &a,
				 json_object_get_int(json_object_object_get(m,
				     "containerPort")),
				 json_object_get_int(json_object_object_get(m,
				     "hostPort")),
				 proto, desc, &id, e)) != 0)
				return error;
			json_object_array_add(rdrs,
			    json_object_new_int64((int64_t)id));
		}
	}
	return 0;
}

static void
ngcni_unforward(struct ngcni_graph *g, uint32_t nat, json_object *rdrs)
{
	size_t i;

	if (nat == 0 || rdrs == NULL || g->cs < 0 ||
	    !json_object_is_type(rdrs, json_type_array))
		return;
	for (i = 0; i < json_object_array_length(rdrs); i++)
		ngcni_graph_unredirect(g, nat,
		    (uint32_t)json_object_get_int64(
			json_object_array_get_idx(rdrs, i)));
}

static int
ngcni_add(struct ngcni *c, struct ngcni_err *e)
{
	struct ngcni_graph g = { .cs = -1 };
	struct ngcni_nl *nl = NULL;
	json_object *ipamres = NULL, *rec, *res;
	char nsname[NAME_MAX + 1], ifname[IFNAMSIZ + 8], err[128];
	char macs[18], gwif[IFNAMSIZ] = "", gwmacs[18];
	uint8_t mac[6], gwmac[6];
	uint32_t eid = 0, vlid = 0, natid = 0;
	json_object *rdrs = NULL;
	bool ipam_done = false, recorded = false;
	char *out = NULL;
	int nsfd = -1, ifindex, error;

	if ((error = ngcni_open_netns(c, &nsfd, nsname, sizeof(nsname), e)))
		return error;
	if ((error = ngcni_graph_open(&g, e)) != 0)
		goto out;
	if (c->nat[0] != '\0' &&
	    (error = ngcni_graph_nat(&g, c->nat, &natid, e)) != 0)
		goto out;
	if ((rec = ngcni_record_read(c->recpath)) != NULL) {
		char path[32], type[NG_TYPESIZ];
		uint32_t old = ngcni_rec_id(rec, "node");

		snprintf(path, sizeof(path), "[%08x]:", old);
		error = ngcni_graph_info(&g, path, NULL, type, NULL) == 0 &&
		    strcmp(type, NG_EIFACE_NODE_TYPE) == 0;
		json_object_put(rec);
		if (error) {
			error = ngcni_fail(e, NGCNI_E_CONFIG, NULL,
			    "container %s already has %s on network %s "
			    "(node [%08x]); DEL it first",
			    c->cid, c->ifname, c->name, old);
			goto out;
		}
		/* A node that did not outlive its ngd. */
		(void)unlink(c->recpath);
	}
	error = ngcni_graph_attach(&g, c->bridge, c->hasmac ? c->mac : NULL,
	    c->vlan, &eid, &vlid, e);
	if (eid != 0 && ngcni_record_write(c, eid, vlid, 0, NULL, e) == 0)
		recorded = true;
	if (error != 0 || !recorded) {
		error = e->code;
		goto fail;
	}
	if ((error = ngcni_graph_ifname(&g, eid, ifname, sizeof(ifname), e)))
		goto fail;
	if (nsname[0] != '\0') {
		if ((error = ngcni_graph_vnet(&g, eid, nsname, e)) != 0)
			goto fail;
		if ((error = ngcni_nl_open(&nl, nsfd)) != 0 ||
		    (error = ngcni_nl_link(nl, ifname, &ifindex, NULL, NULL)) !=
			0 ||
		    (error = ngcni_nl_setlink(nl, ifindex, c->ifname, c->mtu,
			 false, -1)) != 0) {
			error = ngcni_fail(e, NGCNI_E_NETLINK, strerror(error),
			    "cannot name interface %s %s in netns %s", ifname,
			    c->ifname, c->netns);
			goto fail;
		}
	} else {
		struct ngcni_nl *own;

		if ((error = ngcni_nl_open(&own, -1)) != 0) {
			error = ngcni_fail(e, NGCNI_E_NETLINK, strerror(error),
			    "rtnetlink");
			goto fail;
		}
		if ((error = ngcni_nl_link(own, ifname, &ifindex, NULL,
			 NULL)) == 0)
			error = ngcni_nl_setlink(own, ifindex, c->ifname,
			    c->mtu, false, nsfd);
		ngcni_nl_close(own);
		if (error == 0 && (error = ngcni_nl_open(&nl, nsfd)) == 0)
			error = ngcni_nl_link(nl, c->ifname, &ifindex, NULL,
			    NULL);
		if (error != 0) {
			error = ngcni_fail(e, NGCNI_E_NETLINK, strerror(error),
			    "cannot move interface %s to netns %s as %s",
			    ifname, c->netns, c->ifname);
			goto fail;
		}
	}
	if (c->ipamtype != NULL) {
		if ((error = ngcni_exec(c->ipamtype, "ADD", c->ipamraw,
			 c->ipamlen, NULL, &out, e)) != 0)
			goto fail;
		ipam_done = true;
		if ((ipamres = ngcni_parse(out, strlen(out), err,
			 sizeof(err))) == NULL) {
			error = ngcni_fail(e, NGCNI_E_DECODE, err,
			    "cannot decode the result of ipam plugin %s",
			    c->ipamtype);
			goto fail;
		}
		if ((error = ngcni_check_result(ipamres, "ipam result",
			 NGCNI_E_DECODE, e)) != 0)
			goto fail;
	}
	if ((error = ngcni_configure(c, nl, ifindex, ipamres, e)) != 0)
		goto fail;
	if ((error = ngcni_nl_link(nl, c->ifname, &ifindex, mac, NULL)) != 0) {
		error = ngcni_fail(e, NGCNI_E_NETLINK, strerror(error),
		    "interface %s", c->ifname);
		goto fail;
	}
	if (c->isgw) {
		/* (our record is written: a DEL of the last other one
		 * counts it, or has let the gateway go) */
		if ((error = ngcni_state_lock(c, e)) != 0)
			goto fail;
		error = ngcni_gateway(c, &g, ipamres, gwif, gwmac, e);
		ngcni_state_unlock(c);
		if (error != 0)
			goto fail;
	}
	if (c->pmaps != NULL) {
		rdrs = json_object_new_array();
		if ((error = ngcni_forward(c, &g, natid, ipamres, rdrs, e)) !=
			0 ||
		    (error = ngcni_record_write(c, eid, vlid, natid, rdrs,
			 e)) != 0)
			goto fail;
	}
	ngcni_mac_str(mac, macs);
	ngcni_mac_str(gwmac, gwmacs);
	res = ngcni_result(c, ipamres, macs, c->isgw ? gwif : NULL, gwmacs);
	ngcni_print(res);
	json_object_put(res);
	error = 0;
	goto out;
fail:
	/* Everything back as it was: forwards, nodes, record, address. */
	ngcni_unforward(&g, natid, rdrs);
	(void)ngcni_graph_shutdown(&g, vlid, NG_VLAN_NODE_TYPE);
	(void)ngcni_graph_shutdown(&g, eid, NG_EIFACE_NODE_TYPE);
	if (recorded)
		(void)unlink(c->recpath);
	if (c->isgw && g.cs >= 0)
		ngcni_gateway_release(c, &g, c->bridge, c->vlan, NULL);
	if (ipam_done) {
		struct ngcni_err e2;
		char *o2 = NULL;

		(void)ngcni_exec(c->ipamtype, "DEL", c->ipamraw, c->ipamlen,
		    NULL, &o2, &e2);
		free(o2);
	}
out:
	json_object_put(rdrs);
	json_object_put(ipamres);
	free(out);
	ngcni_nl_close(nl);
	ngcni_graph_close(&g);
	if (nsfd >= 0)
		close(nsfd);
	return error;
}

/* Undo one recorded attachment's graph side. */
static int
ngcni_detach(struct ngcni *c, struct ngcni_graph *g, json_object *rec,
    const char *recpath, struct ngcni_err *e)
{
	int error;

	ngcni_unforward(g, ngcni_rec_id(rec, "natNode"),
	    json_object_object_get(rec, "redirects"));
	if ((error = ngcni_graph_shutdown(g, ngcni_rec_id(rec, "vlanNode"),
		 NG_VLAN_NODE_TYPE)) != 0 ||
	    (error = ngcni_graph_shutdown(g, ngcni_rec_id(rec, "node"),
		 NG_EIFACE_NODE_TYPE)) != 0)
		return ngcni_fail(e, NGCNI_E_GRAPH, NULL,
		    "cannot shut node [%s] down: %s",
		    ngcni_rec_str(rec, "node"), NgStrError(error));
	if (unlink(recpath) < 0 && errno != ENOENT)
		return ngcni_fail(e, NGCNI_E_IO, strerror(errno),
		    "cannot remove record %s", recpath);
	if (json_object_get_boolean(json_object_object_get(rec, "isGateway")))
		ngcni_gateway_release(c, g, ngcni_rec_str(rec, "bridge"),
		    json_object_get_int(json_object_object_get(rec, "vlan")),
		    recpath);
	return 0;
}

static int
ngcni_del(struct ngcni *c, struct ngcni_err *e)
{
	struct ngcni_graph g = { .cs = -1 };
	json_object *rec;
	char *out = NULL;
	int error = 0;

	if ((rec = ngcni_record_read(c->recpath)) != NULL &&
	    !ngcni_record_is(rec, c->name, c->cid, c->ifname)) {
		json_object_put(rec); /* not ours: a hash collision */
		rec = NULL;
	}
	if (rec != NULL) {
		if ((error = ngcni_graph_open(&g, e)) == 0)
			error = ngcni_detach(c, &g, rec, c->recpath, e);
		ngcni_graph_close(&g);
		json_object_put(rec);
		if (error != 0)
			return error;
	}
	if (c->ipamtype != NULL) {
		error = ngcni_exec(c->ipamtype, "DEL", c->ipamraw, c->ipamlen,
		    NULL, &out, e);
		free(out);
	}
	return error;
}

static int
ngcni_check(struct ngcni *c, struct ngcni_err *e)
{
	struct ngcni_graph g = { .cs = -1 };
	struct ngcni_nl *nl = NULL;
	json_object *rec, *prev, *ips, *ip, *v;
	char path[32], type[NG_TYPESIZ], nsname[NAME_MAX + 1];
	struct ngcni_prefix p;
	unsigned flags;
	int nsfd = -1, ifindex, error;
	bool found;
	char *out = NULL;
	size_t i;

	if (!json_object_object_get_ex(c->conf, "prevResult", &prev))
		return ngcni_fail(e, NGCNI_E_CONFIG, NULL,
		    "CHECK needs prevResult");
	if ((rec = ngcni_record_read(c->recpath)) == NULL)
		return ngcni_fail(e, NGCNI_E_UNKNOWN, NULL,
		    "container %s has no %s on network %s", c->cid, c->ifname,
		    c->name);
	snprintf(path, sizeof(path), "[%s]:", ngcni_rec_str(rec, "node"));
	json_object_put(rec);
	if ((error = ngcni_open_netns(c, &nsfd, nsname, sizeof(nsname), e)))
		return error;
	if ((error = ngcni_graph_open(&g, e)) != 0)
		goto out;
	if (ngcni_graph_info(&g, path, NULL, type, NULL) != 0 ||
	    strcmp(type, NG_EIFACE_NODE_TYPE) != 0) {
		error = ngcni_fail(e, NGCNI_E_GRAPH, NULL,
		    "eiface %s of %s/%s is gone", path, c->cid, c->ifname);
		goto out;
	}
	if ((error = ngcni_nl_open(&nl, nsfd)) != 0 ||
	    (error = ngcni_nl_link(nl, c->ifname, &ifindex, NULL, &flags))) {
		error = ngcni_fail(e, NGCNI_E_NETLINK, strerror(error),
		    "no interface %s in netns %s", c->ifname, c->netns);
		goto out;
	}
	if (!(flags & IFF_UP)) {
		error = ngcni_fail(e, NGCNI_E_NETLINK, NULL,
		    "interface %s is down", c->ifname);
		goto out;
	}
	ips = json_object_object_get(prev, "ips");
	for (i = 0; ips != NULL && json_object_is_type(ips, json_type_array) &&
	     i < json_object_array_length(ips);
	     i++) {
		ip = json_object_array_get_idx(ips, i);
		if (!json_object_object_get_ex(ip, "address", &v) ||
		    ngcni_parse_prefix(json_object_get_string(v), &p, true))
			continue;
		if ((error = ngcni_nl_hasaddr(nl, ifindex, &p, &found)) != 0 ||
		    !found) {
			error = ngcni_fail(e, NGCNI_E_NETLINK, NULL,
			    "interface %s lacks address %s", c->ifname,
			    json_object_get_string(v));
			goto out;
		}
	}
	if (c->ipamtype != NULL) {
		error = ngcni_exec(c->ipamtype, "CHECK", c->ipamraw, c->ipamlen,
		    NULL, &out, e);
		free(out);
	}
out:
	ngcni_nl_close(nl);
	ngcni_graph_close(&g);
	if (nsfd >= 0)
		close(nsfd);
	return error;
}

/* Whether record rec is one of valid's attachments (NULL: none); a
 * containerID or ifname not a string names none. */
static bool
ngcni_gc_keeps(json_object *valid, json_object *rec)
{
	json_object *a, *id, *ifname;
	size_t i, n;

	n = valid != NULL ? json_object_array_length(valid) : 0;
	for (i = 0; i < n; i++) {
		a = json_object_array_get_idx(valid, i);
		if (json_object_object_get_ex(a, "containerID", &id) &&
		    json_object_is_type(id, json_type_string) &&
		    strcmp(json_object_get_string(id),
			ngcni_rec_str(rec, "containerId")) == 0 &&
		    json_object_object_get_ex(a, "ifname", &ifname) &&
		    json_object_is_type(ifname, json_type_string) &&
		    strcmp(json_object_get_string(ifname),
			ngcni_rec_str(rec, "ifname")) == 0)
			return true;
	}
	return false;
}

/* GC: every attachment of this network not named valid goes. */
static int
ngcni_gc(struct ngcni *c, struct ngcni_err *e)
{
	struct ngcni_graph g = { .cs = -1 };
	char path[PATH_MAX + 300], lock[16];
	json_object *valid = NULL, *rec;
	struct dirent *d;
	DIR *dir;
	int error = 0, lockfd;
	char *out;

	if ((error = ngcni_field(c->conf, "cni.dev/valid-attachments",
		 json_type_array, &valid, e)))
		return error;
	if ((dir = opendir(c->statedir)) == NULL)
		return ngcni_fail(e, NGCNI_E_IO, strerror(errno), "%s",
		    c->statedir);
	while (error == 0 && (d = readdir(dir)) != NULL) {
		size_t len = strlen(d->d_name);

		if (len < 6 || strcmp(d->d_name + len - 5, ".json") != 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", c->statedir, d->d_name);
		/* An attachment a command is at (its lock held: an ADD
		 * before its runtime knows it) is the next GC's. */
		snprintf(lock, sizeof(lock), "lock.%02x",
		    (unsigned)(strtoull(d->d_name, NULL, 16) % NGCNI_STRIPES));
		if (!ngcni_trylock(c, lock, &lockfd))
			continue;
		if ((rec = ngcni_record_read(path)) == NULL) {
			close(lockfd);
			continue;
		}
		if (strcmp(ngcni_rec_str(rec, "network"), c->name) != 0) {
			json_object_put(rec);
			close(lockfd);
			continue;
		}
		if (!ngcni_gc_keeps(valid, rec)) {
			if (g.cs < 0)
				error = ngcni_graph_open(&g, e);
			if (error == 0)
				error = ngcni_detach(c, &g, rec, path, e);
			if (error == 0 && c->ipamtype != NULL) {
				char env1[300], env2[64];
				char *env[] = { env1, env2, NULL };
				const char *cfg = ngcni_rec_str(rec, "config");

				snprintf(env1, sizeof(env1),
				    "CNI_CONTAINERID=%s",
				    ngcni_rec_str(rec, "containerId"));
				snprintf(env2, sizeof(env2), "CNI_IFNAME=%s",
				    ngcni_rec_str(rec, "ifname"));
				unsetenv("CNI_NETNS");
				if (ngcni_exec(c->ipamtype, "DEL", cfg,
					strlen(cfg), env, &out, e) == 0)
					free(out);
				error = 0; /* the next GC tries again */
			}
		}
		json_object_put(rec);
		close(lockfd);
	}
	closedir(dir);
	ngcni_graph_close(&g);
	if (error == 0 && c->ipamtype != NULL &&
	    ngcni_plugin_speaks(c->ipamtype, "1.1.0")) {
		error = ngcni_exec(c->ipamtype, "GC", c->raw, c->rawlen, NULL,
		    &out, e);
		if (error == 0)
			free(out);
	}
	return error;
}

/* STATUS: ready when the IPAM plugin is there (and says it is ready)
 * and ngd answers or can be started. */
static int
ngcni_status(struct ngcni *c, struct ngcni_err *e)
{
	char path[PATH_MAX];
	char *out;
	int error;

	if (c->ipamtype != NULL) {
		if (ngcni_find_plugin(c->ipamtype, path, sizeof(path), e))
			return ngcni_fail(e, NGCNI_E_NOTREADY, e->msg, "%s",
			    "the ipam plugin is missing");
		if (ngcni_plugin_speaks(c->ipamtype, "1.1.0")) {
			if ((error = ngcni_exec(c->ipamtype, "STATUS", c->raw,
				 c->rawlen, NULL, &out, e)) != 0)
				return error;
			free(out);
		}
	}
	return 0;
}

/*
 * What IPAM reads: our stdin, but as 1.0.0 when the config is 1.1.0 and
 * the plugin predates it (containernetworking-plugins 1.1 does): the two
 * results are alike, and ADD, DEL and CHECK did not change.
 */
static void
ngcni_ipam_conf(struct ngcni *c)
{
	json_object *o;
	const char *s;

	c->ipamraw = c->raw;
	c->ipamlen = c->rawlen;
	if (c->vidx < NGCNI_V110 || c->ipamtype == NULL ||
	    ngcni_plugin_speaks(c->ipamtype, "1.1.0"))
		return;
	if (json_object_deep_copy(c->conf, &o, NULL) != 0)
		return;
	json_object_object_add(o, "cniVersion",
	    json_object_new_string("1.0.0"));
	s = json_object_to_json_string_ext(o,
	    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	if ((c->ipamraw = strdup(s)) == NULL)
		c->ipamraw = c->raw;
	c->ipamlen = strlen(c->ipamraw);
	json_object_put(o);
}

static int
ngcni_version(struct ngcni *c)
{
	json_object *o = json_object_new_object(), *a, *in, *v;
	const char *ver = "1.1.0";
	char err[64];
	size_t i;

	in = ngcni_parse(c->raw, c->rawlen, err, sizeof(err));
	if (in != NULL && json_object_object_get_ex(in, "cniVersion", &v) &&
	    json_object_is_type(v, json_type_string) &&
	    ngcni_version_index(json_object_get_string(v)) >= 0)
		ver = json_object_get_string(v);
	json_object_object_add(o, "cniVersion", json_object_new_string(ver));
	a = json_object_new_array();
	for (i = 0; i < NGCNI_NVERSIONS; i++)
		json_object_array_add(a,
		    json_object_new_string(ngcni_versions[i]));
	json_object_object_add(o, "supportedVersions", a);
	ngcni_print(o);
	json_object_put(o);
	json_object_put(in);
	return 0;
}

int
main(int argc, char **argv)
{
	struct ngcni c = { .lockfd = -1, .statefd = -1 };
	struct ngcni_err e = { 0 };
	json_object *v;
	char err[128];
	int error;

	if (argc > 1) {
		fprintf(stderr,
		    "usage: CNI_COMMAND=ADD|DEL|CHECK|VERSION|"
		    "STATUS|GC ... netgraph < config.json\n"
		    "a CNI plugin: see netgraph-cni(8)\n");
		return 2;
	}
	(void)argv;
	/* An IPAM plugin that exits before reading its stdin must not
	 * take us with it. */
	signal(SIGPIPE, SIG_IGN);
	c.cmd = getenv("CNI_COMMAND");
	c.cid = getenv("CNI_CONTAINERID");
	c.netns = getenv("CNI_NETNS");
	c.ifname = getenv("CNI_IFNAME");
	c.args = getenv("CNI_ARGS");
	if (c.cmd == NULL || c.cmd[0] == '\0') {
		ngcni_fail(&e, NGCNI_E_ENV, NULL,
		    "CNI_COMMAND is required (a CNI plugin: see "
		    "netgraph-cni(8))");
		return ngcni_error_out(&e, NULL);
	}
	if (ngcni_read_stdin(&c, &e) != 0)
		return ngcni_error_out(&e, NULL);
	if (strcmp(c.cmd, "VERSION") == 0)
		return ngcni_version(&c);
	if ((c.conf = ngcni_parse(c.raw, c.rawlen, err, sizeof(err))) == NULL) {
		ngcni_fail(&e, NGCNI_E_DECODE, err,
		    "failed to decode the network config");
		return ngcni_error_out(&e, NULL);
	}
	if (!json_object_object_get_ex(c.conf, "cniVersion", &v) ||
	    !json_object_is_type(v, json_type_string)) {
		ngcni_fail(&e, NGCNI_E_DECODE, NULL,
		    "the config has no cniVersion string");
		return ngcni_error_out(&e, NULL);
	}
	c.ver = json_object_get_string(v);
	if ((c.vidx = ngcni_version_index(c.ver)) < 0) {
		ngcni_fail(&e, NGCNI_E_VERSION,
		    "supported: 0.3.0, 0.3.1, 0.4.0, 1.0.0, 1.1.0",
		    "incompatible CNI versions: config is \"%s\"", c.ver);
		return ngcni_error_out(&e, NULL);
	}
	if ((strcmp(c.cmd, "CHECK") == 0 && c.vidx < NGCNI_V040) ||
	    ((strcmp(c.cmd, "STATUS") == 0 || strcmp(c.cmd, "GC") == 0) &&
		c.vidx < NGCNI_V110)) {
		ngcni_fail(&e, NGCNI_E_VERSION, NULL,
		    "%s is not part of CNI %s", c.cmd, c.ver);
		return ngcni_error_out(&e, c.ver);
	}
	if ((error = ngcni_load_conf(&c, &e)) != 0)
		return ngcni_error_out(&e, c.ver);
	ngcni_ipam_conf(&c);
	if (strcmp(c.cmd, "STATUS") == 0) {
		if (ngcni_status(&c, &e) != 0)
			return ngcni_error_out(&e, c.ver);
		return 0;
	}
	/* Many of us at once (a runtime starting many containers) make
	 * ngd's queue long: a request may wait for all before it. */
	if (getenv("NGD_TIMEOUT") == NULL)
		(void)NgSetTimeout(NGCNI_NGD_TIMEOUT_MS);
	if (strcmp(c.cmd, "GC") == 0) {
		if (ngcni_statedir(&c, &e) != 0 ||
		    ngcni_state_lock(&c, &e) != 0 || ngcni_gc(&c, &e) != 0)
			return ngcni_error_out(&e, c.ver);
		return 0;
	}
	if (strcmp(c.cmd, "ADD") != 0 && strcmp(c.cmd, "DEL") != 0 &&
	    strcmp(c.cmd, "CHECK") != 0) {
		ngcni_fail(&e, NGCNI_E_ENV, NULL, "unknown CNI_COMMAND \"%s\"",
		    c.cmd);
		return ngcni_error_out(&e, c.ver);
	}
	if (ngcni_load_env(&c, strcmp(c.cmd, "DEL") != 0, &e) != 0 ||
	    ngcni_load_args(&c, &e) != 0 || ngcni_statedir(&c, &e) != 0)
		return ngcni_error_out(&e, c.ver);
	ngcni_record_path(&c);
	if (ngcni_lock(&c, &e) != 0)
		return ngcni_error_out(&e, c.ver);
	if (strcmp(c.cmd, "ADD") == 0)
		error = ngcni_add(&c, &e);
	else if (strcmp(c.cmd, "DEL") == 0)
		error = ngcni_del(&c, &e);
	else
		error = ngcni_check(&c, &e);
	if (error != 0)
		return ngcni_error_out(&e, c.ver);
	return 0;
}
