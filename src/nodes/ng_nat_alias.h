/*
 * ng_nat_alias.h: the nat node's translation engine (ng_nat_alias.c), a
 * libalias-like NAT for IPv4 written after libalias's behaviour: a table
 * of links keyed both ways, TCP, UDP and ICMP query translation, ICMP
 * errors, fragments, redirects and LSNAT.  Plain C, no I/O, no clock of
 * its own: every call that may create or expire links is told the time,
 * so tests run hours of timeouts in microseconds.
 */
#ifndef NG_NAT_ALIAS_H
#define NG_NAT_ALIAS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>

/* Mode bits, the same values as the nat node's setmode flags. */
#define NG_ALIAS_LOG 0x01
#define NG_ALIAS_DENY_INCOMING 0x02
#define NG_ALIAS_SAME_PORTS 0x04
#define NG_ALIAS_UNREGISTERED_ONLY 0x10
#define NG_ALIAS_RESET_ON_ADDR_CHANGE 0x20
#define NG_ALIAS_PROXY_ONLY 0x40
#define NG_ALIAS_REVERSE 0x80
#define NG_ALIAS_UNREGISTERED_CGN 0x100
#define NG_ALIAS_MODE_MASK 0x1f7

/*
 * The cap on dynamic links (those packets create; redirects are not
 * counted against it).  A link costs about 112 bytes, so a flood of new
 * flows holds the table under about 15 MiB; the next flow past the cap
 * evicts the link used least recently.
 */
#define NG_ALIAS_MAX_LINKS 131072

/* Timeouts in seconds, libalias's. */
#define NG_ALIAS_ICMP_EXPIRE 60
#define NG_ALIAS_UDP_EXPIRE 60
#define NG_ALIAS_PROTO_EXPIRE 60
#define NG_ALIAS_FRAGID_EXPIRE 10
#define NG_ALIAS_TCP_DEAD 10       /* closed both ways */
#define NG_ALIAS_TCP_SINGLEDEAD 90 /* closed one way */
#define NG_ALIAS_TCP_INITIAL 300   /* not yet established both ways */
#define NG_ALIAS_TCP_CONNECTED 86400

/* What a packet met (the node drops on ERROR, and on the rest as §9.11). */
enum ng_alias_result {
	NG_ALIAS_OK,                    /* translated (or nothing to do) */
	NG_ALIAS_IGNORED,               /* no link, none made; unchanged */
	NG_ALIAS_UNRESOLVED_FRAGMENT,   /* a fragment of an unknown datagram */
	NG_ALIAS_FOUND_HEADER_FRAGMENT, /* first fragment, remembered */
	NG_ALIAS_ERROR,                 /* malformed; unchanged */
};

/* The link kinds a redirect list shows; proto redirects use their number. */
#define NG_ALIAS_LINK_ADDR 259

struct ng_alias;
struct ng_alias_link;

/* Counts as libaliasinfo reports them. */
struct ng_alias_info {
	uint32_t icmp, udp, tcp, proto, fragment_id;
	uint32_t dynamic; /* links counted against the cap */
	uint64_t evicted; /* links pushed out by the cap */
};

/* A new engine (SAME_PORTS on, no alias address); NULL if out of memory.
 * seed varies the ports chosen when the original is taken and keys the
 * links' hash (unguessable from outside: ng_random64). */
struct ng_alias *ng_alias_new(uint64_t seed);
void ng_alias_free(struct ng_alias *la); /* NULL ok */
/* Change the cap (tests); 0 restores NG_ALIAS_MAX_LINKS. */
void ng_alias_set_max_links(struct ng_alias *la, uint32_t max);

void ng_alias_set_addr(struct ng_alias *la, struct in_addr addr);
struct in_addr ng_alias_get_addr(const struct ng_alias *la);
void ng_alias_set_target(struct ng_alias *la, struct in_addr addr);
/* Bits of flags under mask are set; returns the new mode. */
uint32_t ng_alias_set_mode(struct ng_alias *la, uint32_t flags, uint32_t mask);
uint32_t ng_alias_get_mode(const struct ng_alias *la);

/*
 * Translate one IPv4 packet in place: ip points at its header, len is at
 * least its total length (the rest is not touched).  "in" de-aliases what
 * arrives from outside, "out" aliases what leaves.  now is in
 * milliseconds, from the one clock the caller has.
 */
enum ng_alias_result ng_alias_in(struct ng_alias *la, uint8_t *ip, size_t len,
    uint64_t now);
enum ng_alias_result ng_alias_out(struct ng_alias *la, uint8_t *ip, size_t len,
    uint64_t now);
/*
 * The same for an unfragmented TCP or UDP packet whose transport checksum
 * is left partial (a TAP's NEEDS_CSUM: the field holds the pseudo-header
 * sum, not inverted, and is finished over the segment later), which may
 * be a GSO super-frame: only its headers are read and changed.  Anything
 * else is an ERROR.
 */
enum ng_alias_result ng_alias_partial(struct ng_alias *la, bool in, uint8_t *ip,
    size_t len, uint64_t now);
/* Drop links that have timed out (also done a little on every packet). */
void ng_alias_expire(struct ng_alias *la, uint64_t now);

/*
 * Redirects: permanent links.  Addresses and ports in network order; a
 * zero remote address or port matches any; a zero alias address means
 * the alias address of the moment.  NULL when out of memory or (ports)
 * the alias port is taken.
 */
struct ng_alias_link *ng_alias_redirect_port(struct ng_alias *la,
    struct in_addr local, uint16_t lport, struct in_addr remote, uint16_t rport,
    struct in_addr alias, uint16_t aport, uint8_t proto);
struct ng_alias_link *ng_alias_redirect_addr(struct ng_alias *la,
    struct in_addr local, struct in_addr alias);
struct ng_alias_link *ng_alias_redirect_proto(struct ng_alias *la,
    struct in_addr local, struct in_addr remote, struct in_addr alias,
    uint8_t proto);
/* A redirect naming its remote fully becomes an ordinary link that
 * expires when idle from now.  0, or EINVAL for any other redirect. */
int ng_alias_redirect_dynamic(struct ng_alias *la, struct ng_alias_link *l,
    uint64_t now);
void ng_alias_redirect_delete(struct ng_alias *la, struct ng_alias_link *l);
/* LSNAT: new connections through a port redirect go to its servers in
 * turn.  0, EINVAL (not a port redirect) or ENOMEM. */
int ng_alias_add_server(struct ng_alias *la, struct ng_alias_link *l,
    struct in_addr addr, uint16_t port);

/*
 * A transparent proxy rule, libalias's syntax: "server A[:P] [port N]
 * [rule N] [proto tcp|udp] [src A[/bits]] [dst A[/bits]] [type
 * no_encode]", or "delete N".  0, EINVAL (syntax), ENOENT (no rule N),
 * EOPNOTSUPP (the encode_* types, not done here) or ENOMEM.
 */
int ng_alias_proxy_rule(struct ng_alias *la, const char *cmd);

void ng_alias_get_info(const struct ng_alias *la, struct ng_alias_info *info);

/* Checksum helpers, shared with the tests: one's-complement sum of len
 * bytes added to sum, and its folded complement. */
uint32_t ng_alias_sum(uint32_t sum, const uint8_t *p, size_t len);
uint16_t ng_alias_fold(uint32_t sum);

#endif
