/*
 * fuzz_vxlan.c: the vxlan node's decapsulator and encapsulator, with its
 * messages and the clock in between.
 *
 *   sock (the fuzzer) o --- outer [vxlan X] inner --- i sock
 *
 * Input: operations, each one byte then its operands (see the switch
 * below): a datagram on o (the input's bytes, often behind a valid
 * header for VNI 42, with a sender made of four input bytes: IPv4,
 * IPv6, or a family and length of any kind), a frame on
 * i (with TAP offload metadata, which the node then acts on in
 * software), setvni, setconfig with the input's bytes as its argument,
 * gettable, getstats, flush, and clock ticks that age learned hosts.
 * A datagram on o may be a train (ng_ksock.h) of datagrams of any size,
 * whose TCP segments the node merges (ng_gro_add).  A datagram or frame
 * may come with a delivery that takes one of our hooks or shuts the node
 * down in the middle of the sends it causes (fz_cut, fuzz.h).
 * Checked: no crash, leak or undefined behaviour (ASan, UBSan), and every
 * packet back in the pool (fuzz.h).
 */
#include <arpa/inet.h>

#include <netgraph/ng_vxlan.h>

#include "fuzz.h"
#include "ng_ksock.h"

#ifndef FUZZ_ENTRY
#define FUZZ_ENTRY LLVMFuzzerTestOneInput
#endif

#define FZX_MAXOPS 256

static struct ng_node *
fzx_graph(struct ng_graph *g, struct fz_client *c)
{
	struct ng_node *sock = fz_socket(g, c);
	uint32_t vni = 42;

	if (sock == NULL || ngt_mkpeer(sock, ".", "vxlan", "i", "inner") != 0 ||
	    ngt_name(sock, ".:i", "X") != 0 ||
	    ngt_connect(sock, ".", "X:", "o", "outer") != 0 ||
	    ngt_msg(sock, "X:", NGM_VXLAN_COOKIE, NGM_VXLAN_SET_VNI, &vni,
		sizeof(vni)) != 0)
		return NULL;
	return sock;
}

static uint8_t fzx_cut_how;

/* What a delivery does in the middle of the node's sends: one of our
 * hooks goes, or the node is shut down. */
static void
fzx_cut(void *arg)
{
	struct ng_node *sock = arg;
	struct ng_hook *hk;

	if (fzx_cut_how % 3 == 2)
		(void)ngt_shutdown(sock, "X:");
	else if ((hk = ng_find_hook(sock, fzx_cut_how % 3 ? "i" : "o")) != NULL)
		ng_rmhook(hk);
}

static bool
fzx_op(struct ng_graph *g, struct ng_node *sock, struct fz_in *in, uint8_t op)
{
	struct ng_pkt *p;
	const uint8_t *b;
	size_t n;
	uint32_t v;

	fz_cut = 0;
	/* A datagram or frame (0x08) may come with a delivery that
	 * changes the graph (fz_cut, fuzz.h). */
	if ((op % 8) < 4 && (op & 0x08)) {
		uint8_t k = fz_u8(in);

		fz_cut = 1 + k % 4u;
		fzx_cut_how = k >> 2;
		fz_cut_fn = fzx_cut;
		fz_cut_arg = sock;
	}
	switch (op % 8) {
	case 0: /* a datagram on outer, mostly behind a valid header */
	case 1: {
		bool hdr = op & 0x10;
		uint32_t a = fz_u32(in);

		if ((p = ng_pkt_alloc(g)) == NULL)
			return false;
		if (hdr) {
			memcpy(p->data, "\x08\0\0\0\0\0\x2a\0", 8);
			p->len = 8;
		}
		b = fz_bytes(in, fz_u16(in) % 2048, &n);
		memcpy(p->data + p->len, b, n);
		p->len += (uint32_t)n;
		if (op & 0x40) { /* a train, as a ksocket with UDP_GRO gives */
			p->vh.gso_type = NG_GSO_DGRAMS;
			p->vh.gso_size = fz_u16(in) % 1600;
		}
		if ((op & 0xa0) == 0x20) {
			p->peer.len = sizeof(p->peer.u.sin);
			p->peer.u.sin.sin_family = AF_INET;
			p->peer.u.sin.sin_addr.s_addr = a;
			p->peer.u.sin.sin_port = htons(4789);
		} else if (op & 0x80) { /* IPv6, 2001:db8::a */
			p->peer.len = sizeof(p->peer.u.sin6);
			p->peer.u.sin6.sin6_family = AF_INET6;
			p->peer.u.sin6.sin6_addr.s6_addr[0] = 0x20;
			p->peer.u.sin6.sin6_addr.s6_addr[1] = 0x01;
			p->peer.u.sin6.sin6_addr.s6_addr[2] = 0x0d;
			p->peer.u.sin6.sin6_addr.s6_addr[3] = 0xb8;
			memcpy(&p->peer.u.sin6.sin6_addr.s6_addr[12], &a, 4);
			p->peer.u.sin6.sin6_port = htons(4789);
			if (op & 0x20) { /* or any family and length */
				p->peer.len = (uint8_t)(a %
				    (sizeof(p->peer.u) + 1));
				p->peer.u.sa.sa_family = (sa_family_t)(a >> 8 &
				    0x1f);
			}
		}
		(void)ng_socket_send_data(sock, "o", &p);
		fz_cut = 0;
		break;
	}
	case 2: /* a frame on inner, maybe with offload metadata */
	case 3:
		if ((p = ng_pkt_alloc(g)) == NULL)
			return false;
		if (op & 0x10)
			fz_vnet_hdr(in, p);
		b = fz_bytes(in, fz_u16(in) % 4096, &n);
		memcpy(p->data, b, n);
		p->len = (uint32_t)n;
		(void)ng_socket_send_data(sock, "i", &p);
		fz_cut = 0;
		break;
	case 4:
		v = op & 0x10 ? 42 : fz_u32(in);
		(void)ngt_msg(sock, "X:", NGM_VXLAN_COOKIE, NGM_VXLAN_SET_VNI,
		    &v, sizeof(v));
		break;
	case 5: { /* setconfig: the input's bytes as the argument */
		uint8_t arg[16 + 8 * 26];

		b = fz_bytes(in, fz_u8(in) % sizeof(arg), &n);
		memcpy(arg, b, n);
		(void)ngt_msg(sock, "X:", NGM_VXLAN_COOKIE,
		    NGM_VXLAN_SET_CONFIG, arg, n);
		break;
	}
	case 6: {
		static const uint32_t cmds[] = { NGM_VXLAN_GET_TABLE,
			NGM_VXLAN_GET_STATS, NGM_VXLAN_GETCLR_STATS,
			NGM_VXLAN_GET_CONFIG, NGM_VXLAN_FLUSH,
			NGM_VXLAN_GET_VNI };

		(void)ngt_msg(sock, "X:", NGM_VXLAN_COOKIE, cmds[fz_u8(in) % 6],
		    NULL, 0);
		break;
	}
	case 7: /* time passes: learned hosts age */
		fz_now += (uint64_t)fz_u16(in) * 100;
		(void)ng_timers_run(g);
		break;
	}
	return true;
}

int FUZZ_ENTRY(const uint8_t *data, size_t size);

int
FUZZ_ENTRY(const uint8_t *data, size_t size)
{
	return fz_run(data, size, FZX_MAXOPS, fzx_graph, fzx_op);
}
