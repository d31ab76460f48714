// SPDX-License-Identifier: BSD-2-Clause
/*
 * arenakv.h - libarenakv-client: talk to arenakv-server over its UDP fast-path protocol
 * and over TCP (through hiredis), with one reply type for both.
 *
 * What: a connection handle (struct akv_client) that owns one connected UDP socket and, lazily,
 * one hiredis TCP context to the same server. akv_command() sends a command over TCP,
 * akv_fast_command() sends it as one UDP datagram and waits for the matching reply datagram.
 * Both return a hiredis redisReply (RESP2), so a caller can switch paths without changing how it
 * reads replies. The frame codec (akv_frame_encode / akv_frame_decode) is public so load
 * generators can keep many requests in flight with their own sockets (bench/udp_load.c does).
 *
 * Why: the fast path's point is that a hot GET is answered by the kernel (XDP/tc) from the
 * arena; UDP is what the kernel can answer. TCP stays the path for everything that does not fit
 * one datagram or must not be retried.
 *
 * The UDP protocol (v1, defined by bpf/fastpath.h and docs/PROTOCOL.md): a 16-byte header
 * (magic 0xAE4B, version 1, flags, request id, auth token; big-endian) then one RESP command;
 * the reply carries the same header with the REPLY flag (and KERNEL when XDP/tc answered).
 *
 * Delivery semantics, which the caller must know:
 *  - UDP is at-least-once with retries: a request that got no reply within the timeout is sent
 *    again with the SAME request id, and each retry waits twice as long as the previous attempt
 *    (exponential backoff, capped at AKV_BACKOFF_CAP). A lost REPLY means the command may have
 *    run twice: only use retries > 0 for idempotent commands (GET, MGET, EXISTS, TTL, SET of a
 *    fixed value...). INCR and friends belong on TCP, or on UDP with retries = 0.
 *  - Replies are matched by request id: a late reply to an earlier request (another id) is read
 *    and dropped, never returned for the current one. A datagram that is not a v1 reply
 *    (wrong magic, version, no REPLY flag, short) is dropped the same way.
 *  - A reply bigger than one datagram never arrives: the server sends "-ERR reply too large
 *    for UDP, use TCP" with the TRUNC flag; it is returned as an error reply, with
 *    AKV_F_TRUNC in *flags, and the caller decides whether to repeat it over TCP.
 *  - Only RESP2 is parsed (hiredis 0.14's reader): do not send HELLO 3 over UDP.
 *
 * Authentication: with a password, the TCP context sends AUTH at connect; the UDP token
 * (XXH64 of the password under a per-server-start salt, see docs/PROTOCOL.md) is fetched over
 * TCP with ARENAKV.FASTTOKEN on the first UDP command, unless the caller set it explicitly
 * (akv_set_token). A fetched token is refetched once when a UDP reply is -NOAUTH (the server
 * restarted or the password changed) and the command repeated. A token is a bearer secret: it goes
 * in clear in every datagram, so anyone who can sniff the path can replay it until the server
 * restarts (new salt).
 *
 * Threads: a handle is not thread safe; use one per thread. Handles share nothing.
 * Errors: functions return 0 or a negative errno; akv_errstr() gives a human-readable detail of
 * the last failure on that handle (resolver or hiredis text, or strerror).
 */
#ifndef ARENAKV_CLIENT_H
#define ARENAKV_CLIENT_H

#include <stddef.h>
#include <stdint.h>

#include <hiredis/hiredis.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Reply flags as seen by a client (values of the wire header's flags byte). */
#define AKV_F_REPLY  0x01 /* set on every reply */
#define AKV_F_KERNEL 0x02 /* the reply was built by the XDP/tc program (diagnostic only) */
#define AKV_F_TRUNC  0x04 /* the reply did not fit one datagram; payload is an -ERR */

#define AKV_HDR_LEN	 16    /* bytes of wire header before the RESP payload */
#define AKV_MAX_DATAGRAM 65507 /* largest UDP payload over IPv4 */

#ifndef AKV_DEFAULT_TIMEOUT_MS
#define AKV_DEFAULT_TIMEOUT_MS 200 /* first UDP attempt's wait; doubles per retry */
#endif
#ifndef AKV_DEFAULT_RETRIES
#define AKV_DEFAULT_RETRIES 3 /* UDP resends after the first attempt */
#endif
#ifndef AKV_BACKOFF_CAP
#define AKV_BACKOFF_CAP 8 /* a retry waits at most AKV_BACKOFF_CAP x timeout_ms */
#endif

/* Connection parameters. Zero-initialise, then set what you need. */
struct akv_options {
	const char *host;     /* name or address; NULL = "127.0.0.1" */
	int port;	      /* TCP port; 0 = 6379 */
	int udp_port;	      /* UDP port; 0 = same as port (the server's default) */
	const char *password; /* requirepass, or NULL */
	const char *user;     /* ACL user for AUTH, or NULL (AUTH <password> form) */
	int timeout_ms;	      /* UDP first-attempt wait (0 = default); TCP: max(this, 5 s) */
	int retries;	      /* UDP resends; 0 = default, -1 = none */
};

struct akv_client;

/* Resolve the host and open the UDP socket (connected, so ICMP errors such as "port
 * unreachable" come back as -ECONNREFUSED). No TCP connection is made until one is needed.
 * *out is set only on success. */
int akv_open(struct akv_client **out, const struct akv_options *opt);
void akv_close(struct akv_client *c);

/* Last error text on this handle ("" when none). Valid until the next call on the handle. */
const char *akv_errstr(const struct akv_client *c);

/* Command over TCP (hiredis). *reply is a hiredis reply (free it with akv_reply_free); an
 * error REPLY (REDIS_REPLY_ERROR) is a success of the call. Returns -ECONNRESET & co when the
 * connection failed (the next call reconnects), -EACCES when AUTH was refused. */
int akv_command(struct akv_client *c, int argc, const char **argv, const size_t *argvlen,
		redisReply **reply);

/* Command over UDP. *flags (may be NULL) receives the reply's flags byte (AKV_F_*).
 * Returns -ETIMEDOUT after 1 + retries attempts without a matching reply, -EMSGSIZE when the
 * request does not fit one datagram, -EBADMSG when the matching reply's payload is not exactly
 * one RESP2 reply, -ECONNREFUSED when nothing listens on the UDP port. */
int akv_fast_command(struct akv_client *c, int argc, const char **argv, const size_t *argvlen,
		     redisReply **reply, unsigned *flags);

/* Same as akv_fast_command, but returns the reply's RESP payload bytes as received (for
 * byte-exact comparisons). *payload points into the handle's buffer, valid until the next call. */
int akv_fast_command_raw(struct akv_client *c, int argc, const char **argv, const size_t *argvlen,
			 const char **payload, size_t *len, unsigned *flags);

/* Change the UDP timeout (ms, > 0) and retry count (>= 0) of an open handle. */
int akv_set_udp_policy(struct akv_client *c, int timeout_ms, int retries);

/* Use this UDP auth token instead of fetching one with ARENAKV.FASTTOKEN. */
void akv_set_token(struct akv_client *c, uint64_t token);
/* Fetch (over TCP, ARENAKV.FASTTOKEN) and remember the token; 0 without a password. */
int akv_fetch_token(struct akv_client *c, uint64_t *token);

/* Counters of this handle's UDP traffic, for tools and tests. */
struct akv_udp_stats {
	uint64_t requests; /* akv_fast_command calls that sent a datagram */
	uint64_t sends;	   /* datagrams sent, retries included */
	uint64_t replies;  /* matching replies received */
	uint64_t kernel;   /* ... of which had AKV_F_KERNEL */
	uint64_t dropped;  /* datagrams read and dropped (other id, not a reply, malformed) */
	uint64_t timeouts; /* calls that gave up with -ETIMEDOUT */
};
void akv_udp_stats(const struct akv_client *c, struct akv_udp_stats *out);

void akv_reply_free(redisReply *r);

/* ---- frame codec (no I/O; for callers that run their own sockets) ---------------------- */

/* Build one request datagram: header (id, token, flags 0) + RESP multibulk of the arguments.
 * Returns the frame length (> 0), or -EMSGSIZE when it does not fit cap. */
long akv_frame_encode(void *buf, size_t cap, uint32_t id, uint64_t token, int argc,
		      const char **argv, const size_t *argvlen);

/* Check a received datagram is a v1 reply; on success set *id, *flags and the RESP payload
 * (pointing into buf). Returns 0 or -EBADMSG (short, wrong magic/version, REPLY flag clear). */
int akv_frame_decode(const void *buf, size_t len, uint32_t *id, unsigned *flags,
		     const char **payload, size_t *payload_len);

/* Parse exactly one RESP2 reply from payload. Returns 0 or -EBADMSG (incomplete, trailing
 * bytes, protocol error), -ENOMEM. */
int akv_parse_reply(const char *payload, size_t len, redisReply **reply);

#ifdef __cplusplus
}
#endif

#endif /* ARENAKV_CLIENT_H */
