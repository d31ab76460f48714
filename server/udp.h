/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * udp.h - the user-space side of the UDP protocol (docs/PROTOCOL.md, docs/FASTPATH.md).
 *
 * Every datagram sent to the server's UDP port carries a 16-byte frame header (bpf/fastpath.h,
 * struct fp_hdr) and ONE RESP command. udp.c answers it through the very dispatch TCP uses,
 * with a transient client (db 0, RESP2, authenticated only by the header's token), so the
 * protocol works whether or not the kernel fast path (server/fastpath.c) is attached: the fast
 * path only changes who answers a GET.
 *
 * Threading: loop thread only. The sockets are watched through loop->watch(); the handler
 * drains a bounded number of datagrams per call so TCP clients are not starved.
 */
#ifndef ARENAKV_UDP_H
#define ARENAKV_UDP_H

#include <linux/types.h>

/* The UDP port configured: srv.udp_port, or srv.port when udp-port is -1; 0 = no UDP. */
int udp_port_effective(void);

/* The port the UDP sockets are bound to (0 = none). Fixed at start: a later CONFIG SET port
 * moves TCP only, and the kernel fast path keeps serving this one. */
int udp_port_bound(void);

/*
 * Bind one UDP socket per srv.bind address (same rules as TCP: "-" prefix = optional, IPv6
 * sockets are V6ONLY) on udp_port_effective() and watch them in the event loop. Also parses
 * srv.fastpath_allow (the allow-list governs the amplification rule here too): a bad CIDR is a
 * start-up error. Returns 0 (also when the port is 0) or -errno after logging why.
 */
int udp_open(void);

/* Stop watching and close the sockets. Idempotent. */
void udp_close(void);

/* Counters since start (CONFIG RESETSTAT leaves them alone), for INFO # Fastpath. */
struct udp_stats {
	__u64 requests;	     /* well-formed frames handled (a reply was attempted) */
	__u64 replies;	     /* reply datagrams sent */
	__u64 malformed;     /* frames dropped silently: short, bad magic/version, REPLY bit */
	__u64 too_large;     /* replies replaced by the -ERR ... use TCP (TRUNC) */
	__u64 amplification; /* of which because of the 2x+64 rule (source not allowed) */
	__u64 noauth;	     /* requests whose token did not prove the password */
	__u64 admin_refused; /* admin commands refused: source outside the allow-list */
	__u64 send_errors;   /* sendmsg failures (reply dropped) */
	__u64 bytes_in;	     /* datagram bytes received (headers included) */
	__u64 bytes_out;     /* datagram bytes sent */
};
const struct udp_stats *udp_stats(void);

#endif /* ARENAKV_UDP_H */
