/*
 * ifslots.c: a BPF array of port entries by an ifindex's low bits, kept
 * in front of the hash that is the authority (ng_fast_ifs before
 * ng_fast_ports, ng_ether_ifs before ng_ether_ports: ng_fast_bpf.h,
 * ng_ether_bpf.h).  A program reads the slot; if the slot names another
 * ifindex (two share it, or ngd is rewriting it) it asks the hash.
 *
 * Each entry begins with its owner, a 32-bit ifindex (0: none), and
 * holds the value at voff.  ngd maps the array and changes an entry so
 * that no program run reads half of it: the owner to 0, an RCU grace
 * period if a run may have read the slot since the last one
 * (MEMBARRIER_CMD_GLOBAL waits for one: every tc run that read the old
 * owner has ended), the value, then the owner.  Without a grace period to
 * be had the slot stays empty and the hash serves.
 */
#include <bpf/bpf.h>
#include <errno.h>
#include <linux/membarrier.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <syslog.h>
#include <unistd.h>

#include "ngd.h"

#define NGD_IFSLOTS_VMAX 64 /* the largest value a slot holds, bytes */

int
ngd_ifslots_map(struct ngd_ifslots *s, int fd, uint32_t n, size_t stride,
    size_t voff, size_t vlen, bool adopted, const char *what)
{
	void *base;

	memset(s, 0, sizeof(*s));
	if (vlen > NGD_IFSLOTS_VMAX || voff + vlen > stride || stride % 8 != 0)
		return EINVAL;
	if ((s->seen = calloc(n, sizeof(*s->seen))) == NULL)
		return ENOMEM;
	base = mmap(NULL, stride * n, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
	    0);
	if (base == MAP_FAILED) {
		ngd_log(LOG_NOTICE, "%s: ports by hash alone: %s", what,
		    strerror(errno));
		free(s->seen);
		s->seen = NULL;
		return 0;
	}
	s->base = base;
	s->n = n;
	s->stride = stride;
	s->voff = voff;
	s->vlen = vlen;
	if (adopted) /* the last ngd's runs may read any slot */
		memset(s->seen, 1, n * sizeof(*s->seen));
	return 0;
}

void
ngd_ifslots_unmap(struct ngd_ifslots *s)
{
	if (s->base != NULL)
		(void)munmap(s->base, s->stride * s->n);
	free(s->seen);
	memset(s, 0, sizeof(*s));
}

static uint32_t *
ngd_ifslots_owner(struct ngd_ifslots *s, uint32_t slot)
{
	return (uint32_t *)(s->base + (size_t)slot * s->stride);
}

/* key's entry emptied, if the slot is its own: the programs look it up
 * in the hash from now on. */
void
ngd_ifslots_del(struct ngd_ifslots *s, uint32_t key)
{
	uint32_t *owner;

	if (s->base == NULL)
		return;
	owner = ngd_ifslots_owner(s, key & (s->n - 1));
	if (__atomic_load_n(owner, __ATOMIC_RELAXED) == key)
		__atomic_store_n(owner, 0, __ATOMIC_SEQ_CST);
}

/* value, key's entry in the hash, in its slot too unless another key
 * has the slot. */
void
ngd_ifslots_put(struct ngd_ifslots *s, uint32_t key, const void *value)
{
	uint32_t slot, *owner, was;
	unsigned char *v;

	if (s->base == NULL)
		return;
	slot = key & (s->n - 1);
	owner = ngd_ifslots_owner(s, slot);
	v = (unsigned char *)owner + s->voff;
	was = __atomic_load_n(owner, __ATOMIC_RELAXED);
	if (was != 0 && was != key)
		return;
	if (was == key && memcmp(v, value, s->vlen) == 0)
		return;
	ngd_ifslots_del(s, key);
	if (s->seen[slot]) {
		if (syscall(SYS_membarrier, MEMBARRIER_CMD_GLOBAL, 0, 0) != 0)
			return;
		s->seen[slot] = false;
	}
	memcpy(v, value, s->vlen);
	__atomic_store_n(owner, key, __ATOMIC_RELEASE);
	s->seen[slot] = true;
}

/*
 * An adopted array made to agree with the hash (hash_fd): a slot whose
 * owner has no entry there, or another one, or is not the slot's,
 * emptied; each slot taken as seen (the last ngd's runs).
 */
void
ngd_ifslots_check(struct ngd_ifslots *s, int hash_fd)
{
	unsigned char value[NGD_IFSLOTS_VMAX];

	if (s->base == NULL)
		return;
	for (uint32_t slot = 0; slot < s->n; slot++) {
		uint32_t *owner = ngd_ifslots_owner(s, slot);
		uint32_t key = __atomic_load_n(owner, __ATOMIC_RELAXED);

		s->seen[slot] = true;
		if (key != 0 &&
		    ((key & (s->n - 1)) != slot ||
			bpf_map_lookup_elem(hash_fd, &key, value) != 0 ||
			memcmp((unsigned char *)owner + s->voff, value,
			    s->vlen) != 0))
			__atomic_store_n(owner, 0, __ATOMIC_SEQ_CST);
	}
}

/*
 * One grace period for every slot emptied since a program may have read
 * it (seen): those are free to be written after it without one each.
 * Then each entry of the hash (hash_fd) put in its slot, if the slot is
 * free.  For an adopted array that was rewritten (ether.c after a
 * takeover), which would otherwise cost a grace period a write.
 */
void
ngd_ifslots_settle(struct ngd_ifslots *s, int hash_fd)
{
	unsigned char value[NGD_IFSLOTS_VMAX];
	uint32_t key, next;
	bool any = false, have;

	if (s->base == NULL)
		return;
	for (uint32_t slot = 0; slot < s->n && !any; slot++)
		any = s->seen[slot] &&
		    __atomic_load_n(ngd_ifslots_owner(s, slot),
			__ATOMIC_RELAXED) == 0;
	if (any && syscall(SYS_membarrier, MEMBARRIER_CMD_GLOBAL, 0, 0) != 0)
		return;
	/* (only ngd writes owners: those empty before are empty now) */
	for (uint32_t slot = 0; slot < s->n; slot++)
		if (__atomic_load_n(ngd_ifslots_owner(s, slot),
			__ATOMIC_RELAXED) == 0)
			s->seen[slot] = false;
	have = bpf_map_get_next_key(hash_fd, NULL, &next) == 0;
	while (have) {
		key = next;
		have = bpf_map_get_next_key(hash_fd, &key, &next) == 0;
		if (bpf_map_lookup_elem(hash_fd, &key, value) == 0)
			ngd_ifslots_put(s, key, (unsigned char *)value);
	}
}
