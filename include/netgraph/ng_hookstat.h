/*
 * ng_hookstat.h: messages every node answers (ours; FreeBSD has none),
 * under a cookie of their own so that no FreeBSD generic command can
 * collide with them: per-hook counters kept by the graph engine, and
 * capture, which copies the frames crossing one edge to the client that
 * asked.  ngctl show -s, dot -s, top and capture are built on them.
 */
#ifndef _NETGRAPH_NG_HOOKSTAT_H_
#define _NETGRAPH_NG_HOOKSTAT_H_

#include <stdint.h>

#include <netgraph/ng_message.h>

#define NGM_HOOKSTAT_COOKIE 1796342400

/* Commands (ASCII names in quotes) */
#define NGM_HOOKSTAT_GET (1 | NGM_READONLY | NGM_HASREPLY) /* "gethookstats" */
#define NGM_HOOKSTAT_CLEAR 2     /* "clrhookstats" ng_hookstat_name */
#define NGM_HOOKSTAT_CAPTURE 3   /* "capture" ng_hookstat_capture */
#define NGM_HOOKSTAT_UNCAPTURE 4 /* "uncapture" ng_hookstat_name */

/*
 * One hook's counters.  recv: frames the node took in through the hook;
 * xmit: frames it sent out through it.  recvDrops: frames that arrived
 * and the node refused (its rcvdata failed, or it takes no data);
 * xmitDrops: frames sent through the hook that reached nobody (no peer,
 * or the graph's loop limits).  Octets are whole frames as they cross
 * the edge, Ethernet header included, no FCS.
 */
#define NG_HOOKSTAT_FIELDS(F)                                                  \
	F(hook, fixstr, NG_HOOKSIZ, )                                          \
	F(recv_frames, uint64, , recvFrames)                                   \
	F(recv_octets, uint64, , recvOctets)                                   \
	F(xmit_frames, uint64, , xmitFrames)                                   \
	F(xmit_octets, uint64, , xmitOctets)                                   \
	F(recv_drops, uint64, , recvDrops)                                     \
	F(xmit_drops, uint64, , xmitDrops)
NG_WIRE_STRUCT(ng_hookstat, NG_HOOKSTAT_FIELDS, 80);

/* gethookstats' reply: every connected hook of the node, newest first. */
#define NG_HOOKSTATS_FIELDS(F)                                                 \
	F(numhooks, uint32, , numHooks)                                        \
	F(pad, uint32, , )                                                     \
	F(stats, array, (struct, ng_hookstat, numHooks), )
NG_WIRE_STRUCT(ng_hookstats, NG_HOOKSTATS_FIELDS, 8);

/* clrhookstats and uncapture: one hook, or "" for all of them. */
#define NG_HOOKSTAT_NAME_FIELDS(F) F(hook, fixstr, NG_HOOKSIZ, )
NG_WIRE_STRUCT(ng_hookstat_name, NG_HOOKSTAT_NAME_FIELDS, 32);

/*
 * capture: copy the frames crossing hook's edge, both ways, to the node
 * that sent the message (a client's socket node: to its data socket),
 * each cut to snaplen bytes (0: whole).  It lasts until uncapture, the
 * edge goes, or the capturing node does; the edge itself is untouched.
 * Only a node whose type can take copies may ask (EOPNOTSUPP).
 */
#define NG_HOOKSTAT_CAPTURE_FIELDS(F)                                          \
	F(hook, fixstr, NG_HOOKSIZ, )                                          \
	F(snaplen, uint32, , )
NG_WIRE_STRUCT(ng_hookstat_capture, NG_HOOKSTAT_CAPTURE_FIELDS, 36);

/*
 * A copy arrives on the data socket as a frame from the pseudo-hook
 * NG_CAPTURE_HOOK (no real hook has a colon in its name): this header,
 * then caplen bytes of the frame.  ts_ns: when ngd saw it (CLOCK_REALTIME).
 * dir: NG_CAPTURE_IN, the frame entered node through hook; NG_CAPTURE_OUT,
 * it left through it.  A frame whose 802.1Q tag travels beside it (after
 * a vlan node took it off) has NG_CAPTURE_VLAN set and the tag in
 * vlan_tag.  NG_CAPTURE_END with no frame: the capture is over (the edge
 * or the node went away).
 */
#define NG_CAPTURE_HOOK ":capture"
#define NG_CAPTURE_IN 1
#define NG_CAPTURE_OUT 2
#define NG_CAPTURE_VLAN 0x01
#define NG_CAPTURE_END 0x02
#define NG_CAPTURE_HDR_FIELDS(F)                                               \
	F(ts_ns, uint64, , )                                                   \
	F(node, hint32, , )                                                    \
	F(len, uint32, , )                                                     \
	F(caplen, uint32, , )                                                  \
	F(dir, uint8, , )                                                      \
	F(flags, uint8, , )                                                    \
	F(vlan_tag, uint16, , )                                                \
	F(hook, fixstr, NG_HOOKSIZ, )
NG_WIRE_STRUCT(ng_capture_hdr, NG_CAPTURE_HDR_FIELDS, 56);

#endif
