/*
 * cmd_capture.c: `capture [-c count] [-F format] [-s snaplen] [-w file]
 * [-y linktype] path hook [expression]` (ours).  Asks the node at path
 * for copies of the frames crossing hook (the capture message of
 * ng_hookstat.h), reads them from the data socket, keeps those a libpcap
 * filter expression matches, and writes them as pcap with libpcap's
 * writer, as pcapng (written here: libpcap 1.10 writes no pcapng) with
 * each frame's direction in its epb_flags, or one line each.  Ends on SIGINT, SIGTERM, the count, a closed output or the
 * edge's end; nothing in the graph changes, and if ngctl dies its socket
 * node takes the capture with it.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <pcap/pcap.h>

#include <netgraph.h>
#include <netgraph/ng_hookstat.h>

#include "ngctl.h"

#define NGCTL_CAP_SNAPLEN 262144 /* tcpdump's default */
#define NGCTL_CAP_POLL_MS 200

/* pcapng (draft-ietf-opsawg-pcapng): the blocks and options written. */
#define PCAPNG_SHB 0x0a0d0d0au
#define PCAPNG_IDB 1u
#define PCAPNG_EPB 6u
#define PCAPNG_BOM 0x1a2b3c4du
#define PCAPNG_OPT_END 0
#define PCAPNG_SHB_USERAPPL 4
#define PCAPNG_IF_NAME 2
#define PCAPNG_IF_TSRESOL 9
#define PCAPNG_EPB_FLAGS 2
#define PCAPNG_FLAG_INBOUND 1u /* epb_flags bits 0-1: direction */
#define PCAPNG_FLAG_OUTBOUND 2u

static volatile sig_atomic_t ngctl_cap_stop;

static void
ngctl_cap_signal(int sig)
{
	(void)sig;
	ngctl_cap_stop = 1;
}

struct ngctl_pcapng_blk;

struct ngctl_cap {
	const char *path;
	/* "br0:link1": the node's address and the hook, as a path reads;
	 * how the one-line output and pcapng's interface name the edge */
	char edge[NG_PATHSIZ + NG_HOOKSIZ + 2];
	int dlt;
	pcap_t *pd;
	pcap_dumper_t *dumper;        /* NULL: one line per frame on stdout */
	FILE *ng;                     /* pcapng instead (dumper NULL) */
	struct ngctl_pcapng_blk *blk; /* the block being written */
	struct bpf_program prog;
	bool filter;
	unsigned long want, got, seen;
	uint8_t buf[NGCTL_CAP_SNAPLEN + 4];
};

/* The frame as it was on the wire: a tag that travels beside it goes
 * back in after the two addresses. */
static size_t
ngctl_cap_frame(struct ngctl_cap *c, const struct ng_capture_hdr *h,
    const uint8_t *data, size_t caplen, uint32_t *len)
{
	*len = h->len;
	if (!(h->flags & NG_CAPTURE_VLAN) || c->dlt != DLT_EN10MB ||
	    caplen < 12 || caplen > NGCTL_CAP_SNAPLEN) {
		memcpy(c->buf, data,
		    caplen < NGCTL_CAP_SNAPLEN ? caplen : NGCTL_CAP_SNAPLEN);
		return caplen < NGCTL_CAP_SNAPLEN ? caplen : NGCTL_CAP_SNAPLEN;
	}
	memcpy(c->buf, data, 12);
	c->buf[12] = 0x81;
	c->buf[13] = 0x00;
	c->buf[14] = (uint8_t)(h->vlan_tag >> 8);
	c->buf[15] = (uint8_t)h->vlan_tag;
	memcpy(c->buf + 16, data + 12, caplen - 12);
	*len += 4;
	return caplen + 4;
}

/* --- pcapng ---------------------------------------------------------- */

struct ngctl_pcapng_blk {
	uint8_t b[512 + NGCTL_CAP_SNAPLEN + 4];
	size_t n;
};

static void
ngctl_pcapng_u32(struct ngctl_pcapng_blk *k, uint32_t v)
{
	memcpy(k->b + k->n, &v, 4);
	k->n += 4;
}

/* n bytes of p (zeros if NULL), padded to 32 bits */
static void
ngctl_pcapng_put(struct ngctl_pcapng_blk *k, const void *p, size_t n)
{
	if (p != NULL)
		memcpy(k->b + k->n, p, n);
	else
		memset(k->b + k->n, 0, n);
	k->n += n;
	while (k->n % 4 != 0)
		k->b[k->n++] = 0;
}

static void
ngctl_pcapng_opt(struct ngctl_pcapng_blk *k, uint16_t code, const void *p,
    size_t n)
{
	uint16_t h[2] = { code, (uint16_t)n };

	memcpy(k->b + k->n, h, 4);
	k->n += 4;
	ngctl_pcapng_put(k, p, n);
}

/* Start a block of type: its length is filled in by ngctl_pcapng_end. */
static void
ngctl_pcapng_begin(struct ngctl_pcapng_blk *k, uint32_t type)
{
	k->n = 0;
	ngctl_pcapng_u32(k, type);
	ngctl_pcapng_u32(k, 0);
}

static bool
ngctl_pcapng_end(struct ngctl_pcapng_blk *k, FILE *f)
{
	uint32_t len = (uint32_t)k->n + 4;

	memcpy(k->b + 4, &len, 4);
	ngctl_pcapng_u32(k, len);
	return fwrite(k->b, 1, k->n, f) == k->n;
}

/* The section header and the one interface, the edge. */
static bool
ngctl_pcapng_head(struct ngctl_cap *c, struct ngctl_pcapng_blk *k,
    unsigned long snaplen)
{
	static const char appl[] = "ngctl capture";
	uint8_t tsresol = 9; /* nanoseconds, as ngd stamps them */
	uint16_t v[2] = { 1, 0 };

	ngctl_pcapng_begin(k, PCAPNG_SHB);
	ngctl_pcapng_u32(k, PCAPNG_BOM);
	memcpy(k->b + k->n, v, 4);
	k->n += 4;
	ngctl_pcapng_u32(k, 0xffffffffu); /* section length: unknown */
	ngctl_pcapng_u32(k, 0xffffffffu);
	ngctl_pcapng_opt(k, PCAPNG_SHB_USERAPPL, appl, sizeof(appl) - 1);
	ngctl_pcapng_opt(k, PCAPNG_OPT_END, NULL, 0);
	if (!ngctl_pcapng_end(k, c->ng))
		return false;
	ngctl_pcapng_begin(k, PCAPNG_IDB);
	v[0] = (uint16_t)c->dlt;
	v[1] = 0;
	memcpy(k->b + k->n, v, 4);
	k->n += 4;
	ngctl_pcapng_u32(k, (uint32_t)snaplen);
	ngctl_pcapng_opt(k, PCAPNG_IF_NAME, c->edge, strlen(c->edge));
	ngctl_pcapng_opt(k, PCAPNG_IF_TSRESOL, &tsresol, 1);
	ngctl_pcapng_opt(k, PCAPNG_OPT_END, NULL, 0);
	return ngctl_pcapng_end(k, c->ng);
}

/* One frame: its time in nanoseconds, and inbound or outbound as the
 * node at path sees it. */
static bool
ngctl_pcapng_frame(struct ngctl_cap *c, const struct ng_capture_hdr *h,
    const struct pcap_pkthdr *ph)
{
	struct ngctl_pcapng_blk *k = c->blk;
	uint32_t flags = h->dir == NG_CAPTURE_IN ? PCAPNG_FLAG_INBOUND :
	    h->dir == NG_CAPTURE_OUT             ? PCAPNG_FLAG_OUTBOUND :
						   0;

	ngctl_pcapng_begin(k, PCAPNG_EPB);
	ngctl_pcapng_u32(k, 0); /* interface 0 */
	ngctl_pcapng_u32(k, (uint32_t)(h->ts_ns >> 32));
	ngctl_pcapng_u32(k, (uint32_t)h->ts_ns);
	ngctl_pcapng_u32(k, ph->caplen);
	ngctl_pcapng_u32(k, ph->len);
	ngctl_pcapng_put(k, c->buf, ph->caplen);
	ngctl_pcapng_opt(k, PCAPNG_EPB_FLAGS, &flags, 4);
	ngctl_pcapng_opt(k, PCAPNG_OPT_END, NULL, 0);
	return ngctl_pcapng_end(k, c->ng);
}

/* One copy from ngd; false when the capture is over. */
static bool
ngctl_cap_one(struct ngctl_cap *c, const uint8_t *p, size_t n)
{
	struct ng_capture_hdr h;
	struct pcap_pkthdr ph;
	size_t caplen;
	uint32_t len;

	if (n < sizeof(h))
		return true;
	memcpy(&h, p, sizeof(h));
	if (h.flags & NG_CAPTURE_END) {
		ngctl_warnx("capture: %s: the hook went away", c->path);
		return false;
	}
	caplen = h.caplen < n - sizeof(h) ? h.caplen : n - sizeof(h);
	caplen = ngctl_cap_frame(c, &h, p + sizeof(h), caplen, &len);
	memset(&ph, 0, sizeof(ph));
	ph.ts.tv_sec = (time_t)(h.ts_ns / 1000000000u);
	ph.ts.tv_usec = (suseconds_t)(h.ts_ns % 1000000000u / 1000);
	ph.caplen = (bpf_u_int32)caplen;
	ph.len = len;
	c->seen++;
	if (c->filter && pcap_offline_filter(&c->prog, &ph, c->buf) == 0)
		return true;
	c->got++;
	if (c->ng != NULL) {
		if (!ngctl_pcapng_frame(c, &h, &ph))
			return false; /* the reader went away */
	} else if (c->dumper != NULL) {
		pcap_dump((u_char *)c->dumper, &ph, c->buf);
	} else {
		struct tm tm;
		time_t t = ph.ts.tv_sec;

		localtime_r(&t, &tm);
		printf("%02d:%02d:%02d.%06ld %s %s %u bytes\n", tm.tm_hour,
		    tm.tm_min, tm.tm_sec, (long)ph.ts.tv_usec,
		    ngctl_vis(c->edge), h.dir == NG_CAPTURE_IN ? "in " : "out",
		    len);
	}
	return c->want == 0 || c->got < c->want;
}

/* Whether what was written so far reached its reader. */
static bool
ngctl_cap_flush(struct ngctl_cap *c)
{
	if (c->ng != NULL)
		return fflush(c->ng) == 0 && !ferror(c->ng);
	if (c->dumper != NULL)
		return pcap_dump_flush(c->dumper) == 0;
	return fflush(stdout) == 0;
}

static enum ngctl_rtn
ngctl_cap_loop(struct ngctl *ng, struct ngctl_cap *c)
{
	unsigned char *data;
	char hook[NG_HOOKSIZ];
	unsigned drain = 256;
	bool more = true;
	int n;

	/* After a signal, what had already arrived is still written (a
	 * bounded number: on a busy edge more keeps coming). */
	while (more && (!ngctl_cap_stop || drain-- > 0)) {
		struct pollfd pfd = { .fd = ng->ds, .events = POLLIN };

		if (NgPending(ng->ds) == 0) {
			if (!ngctl_cap_flush(c))
				return NGCTL_OK; /* the reader went away */
			n = poll(&pfd, 1,
			    ngctl_cap_stop ? 0 : NGCTL_CAP_POLL_MS);
			if (n == 0 && ngctl_cap_stop)
				break; /* nothing more came before the signal */
			if (n <= 0)
				continue;
		}
		if ((n = NgAllocRecvData(ng->ds, &data, hook)) < 0) {
			if (errno == EINTR || errno == EAGAIN ||
			    errno == ETIMEDOUT)
				continue;
			ngctl_warn("capture: read");
			return NGCTL_ERROR;
		}
		if (strcmp(hook, NG_CAPTURE_HOOK) == 0)
			more = ngctl_cap_one(c, data, (size_t)n);
		free(data);
	}
	(void)ngctl_cap_flush(c);
	return NGCTL_OK;
}

static enum ngctl_rtn
ngctl_capture(struct ngctl *ng, int ac, char **av)
{
	struct ng_hookstat_capture arg;
	struct ng_hookstat_name stop;
	struct sigaction sa, old_int, old_term, old_pipe;
	struct ngctl_cap *c;
	const char *out = NULL, *type = "EN10MB", *format = NULL;
	char *expr = NULL, *end;
	unsigned long snaplen = NGCTL_CAP_SNAPLEN;
	size_t pl;
	enum ngctl_rtn rtn = NGCTL_ERROR;
	int opt;

	if ((c = calloc(1, sizeof(*c))) == NULL) {
		ngctl_warn("capture");
		return NGCTL_ERROR;
	}
	optind = 0;
	opterr = 0;
	while ((opt = getopt(ac, av, "+c:F:s:w:y:")) != -1) {
		switch (opt) {
		case 'c':
			c->want = strtoul(optarg, &end, 10);
			if (*end != '\0' || c->want == 0) {
				ngctl_warnx("capture: -c %s: want a count "
					    "of frames, 1 or more",
				    optarg);
				goto usage;
			}
			break;
		case 's':
			snaplen = strtoul(optarg, &end, 10);
			if (*end != '\0') {
				ngctl_warnx("capture: -s %s: want a number "
					    "of bytes",
				    optarg);
				goto usage;
			}
			if (snaplen == 0 || snaplen > NGCTL_CAP_SNAPLEN)
				snaplen = NGCTL_CAP_SNAPLEN;
			break;
		case 'F':
			format = optarg;
			break;
		case 'w':
			out = optarg;
			break;
		case 'y':
			type = optarg;
			break;
		default:
			goto usage;
		}
	}
	if (ac - optind < 2)
		goto usage;
	c->path = av[optind];
	pl = strlen(c->path);
	snprintf(c->edge, sizeof(c->edge), "%s%s%s", c->path,
	    pl > 0 && c->path[pl - 1] == ':' ? "" : ".", av[optind + 1]);
	/* pcap unless asked, or the file's name ends in .pcapng */
	if (format == NULL && out != NULL && strlen(out) > 7 &&
	    strcmp(out + strlen(out) - 7, ".pcapng") == 0)
		format = "pcapng";
	if (format != NULL && strcmp(format, "pcap") != 0 &&
	    strcmp(format, "pcapng") != 0) {
		ngctl_warnx("capture: -F %s: unknown format (pcap or pcapng)",
		    format);
		goto usage;
	}
	if (format != NULL && out == NULL) {
		ngctl_warnx("capture: -F %s without -w", format);
		goto usage;
	}
	if ((c->dlt = pcap_datalink_name_to_val(type)) < 0) {
		ngctl_warnx("capture: -y %s: unknown link type", type);
		goto usage;
	}
	/* The rest is one expression, as tcpdump takes it. */
	for (int i = optind + 2; i < ac; i++) {
		size_t l = expr != NULL ? strlen(expr) : 0;
		char *e = realloc(expr, l + strlen(av[i]) + 2);

		if (e == NULL) {
			ngctl_warn("capture");
			goto out;
		}
		sprintf(e + l, "%s%s", l > 0 ? " " : "", av[i]);
		expr = e;
	}
	c->pd = pcap_open_dead(c->dlt, (int)snaplen);
	if (c->pd == NULL) {
		ngctl_warnx("capture: pcap_open_dead failed");
		goto out;
	}
	if (expr != NULL) {
		if (pcap_compile(c->pd, &c->prog, expr, 1,
			PCAP_NETMASK_UNKNOWN) != 0) {
			ngctl_warnx("capture: %s", pcap_geterr(c->pd));
			goto out;
		}
		c->filter = true;
	}
	if (out != NULL && strcmp(out, "-") == 0 && isatty(STDOUT_FILENO)) {
		ngctl_warnx("capture: not writing %s to a terminal",
		    format != NULL ? format : "pcap");
		goto out;
	}
	if (format != NULL && strcmp(format, "pcapng") == 0) {
		c->ng = strcmp(out, "-") == 0 ? stdout : fopen(out, "w");
		if (c->ng == NULL) {
			ngctl_warn("capture: %s", out);
			goto out;
		}
		if ((c->blk = malloc(sizeof(*c->blk))) == NULL ||
		    !ngctl_pcapng_head(c, c->blk, snaplen)) {
			ngctl_warn("capture: %s", out);
			goto out;
		}
	} else if (out != NULL && strcmp(out, "-") == 0) {
		c->dumper = pcap_dump_fopen(c->pd, stdout);
	} else if (out != NULL) {
		c->dumper = pcap_dump_open(c->pd, out);
	}
	if (out != NULL && c->dumper == NULL && c->ng == NULL) {
		/* libpcap's message names the file already, or says
		 * "stream" for standard output */
		if (strcmp(out, "-") == 0)
			ngctl_warnx("capture: standard output: %s",
			    pcap_geterr(c->pd));
		else
			ngctl_warnx("capture: %s", pcap_geterr(c->pd));
		goto out;
	}

	memset(&arg, 0, sizeof(arg));
	snprintf(arg.hook, sizeof(arg.hook), "%s", av[optind + 1]);
	arg.snaplen = (uint32_t)snaplen;
	if (NgSendMsg(ng->cs, c->path, NGM_HOOKSTAT_COOKIE,
		NGM_HOOKSTAT_CAPTURE, &arg, sizeof(arg)) < 0) {
		int error = errno;
		struct ng_mesg *rep;

		/* ENOENT: no such node, or only no such hook?  Say which. */
		if (error == ENOENT &&
		    NgSendMsg(ng->cs, c->path, NGM_GENERIC_COOKIE, NGM_NODEINFO,
			NULL, 0) >= 0 &&
		    ngctl_recv_reply(ng, &rep) == 0) {
			free(rep);
			ngctl_warnx("capture: %s has no hook \"%s\"", c->path,
			    arg.hook);
		} else {
			errno = error;
			ngctl_warn("send msg");
		}
		goto out;
	}
	/* As tcpdump says it is listening: the copies flow from now on. */
	fprintf(stderr,
	    "capturing on %s %s, link-type %s, snapshot length "
	    "%lu bytes\n",
	    c->path, arg.hook, type, snaplen);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = ngctl_cap_signal; /* no SA_RESTART: poll returns */
	sigemptyset(&sa.sa_mask);
	ngctl_cap_stop = 0;
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);
	sa.sa_handler = SIG_IGN; /* a closed pipe is a write error */
	sigaction(SIGPIPE, &sa, &old_pipe);
	rtn = ngctl_cap_loop(ng, c);
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	sigaction(SIGPIPE, &old_pipe, NULL);
	/* Interactive ngctl keeps its node: end the capture by hand. */
	memset(&stop, 0, sizeof(stop));
	memcpy(stop.hook, arg.hook, sizeof(stop.hook));
	(void)NgSendMsg(ng->cs, c->path, NGM_HOOKSTAT_COOKIE,
	    NGM_HOOKSTAT_UNCAPTURE, &stop, sizeof(stop));
	fprintf(stderr, "%lu frame%s captured\n", c->got,
	    c->got == 1 ? "" : "s");
	goto out;
usage:
	rtn = NGCTL_USAGE;
out:
	if (c->ng != NULL && c->ng != stdout)
		fclose(c->ng);
	else if (c->ng != NULL)
		fflush(stdout);
	free(c->blk);
	if (c->dumper != NULL) {
		if (strcmp(out, "-") == 0)
			pcap_dump_flush(c->dumper); /* stdout stays open */
		else
			pcap_dump_close(c->dumper);
	}
	if (c->filter)
		pcap_freecode(&c->prog);
	if (c->pd != NULL)
		pcap_close(c->pd);
	free(expr);
	free(c);
	return rtn;
}

const struct ngctl_cmd ngctl_cmd_capture = {
	.name = "capture",
	.usage = "capture [-c count] [-F format] [-s snaplen] [-w file] "
		 "[-y linktype] <path> <hook> [expression]",
	.summary = "Capture the frames crossing hook <hook> of the node at "
		   "<path>",
	.help = "Copies every frame that crosses the edge of <hook>, in "
		"both directions, as it crosses, without changing the graph.  "
		"With -w the frames are written to <file> in pcap format, or "
		"to standard output with -w -, for tcpdump -r - or Wireshark; "
		"without it one line per frame says when, where, which way "
		"and how long.  -F pcapng (the default when <file> ends in "
		".pcapng) writes pcapng instead, with nanosecond times, the "
		"edge as the interface's name and each frame's direction in "
		"its flags: inbound when it entered the node at <path> "
		"through <hook>, outbound when it left through it.  "
		"A filter <expression> in tcpdump's language "
		"keeps only the frames it matches; -y names the link type it "
		"and the file assume (EN10MB, or RAW for bare IP hooks).  "
		"-c stops after <count> frames, -s keeps at most <snaplen> "
		"bytes of each.  Interrupting it, or closing its output, ends "
		"it too, and so does the edge going away.",
	.func = ngctl_capture,
	.ours = true,
};
