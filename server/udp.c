// SPDX-License-Identifier: BSD-2-Clause
/*
 * udp.c - the UDP listener: one RESP command per datagram, answered by the normal dispatch.
 *
 * Why user space answers UDP at all: the kernel fast path (bpf/fastpath.bpf.c) answers only
 * what it can answer with certainty (GET, MGET, EXISTS, TTL, PTTL, STRLEN on a hit) and passes
 * everything else up. Those datagrams land here, so a client sees one protocol whether the
 * fast path is attached, detached, or absent, and every command the TCP side knows works.
 *
 * A datagram's life (udp_handle):
 *   1. Frame check. Shorter than the header, wrong magic, wrong version, or the REPLY bit set:
 *      dropped without a reply and counted (udp_stats.malformed). Silence is deliberate: a
 *      reply to garbage (or to another server's reply) is how reflection loops and
 *      amplification start, and a legitimate client never sends such a frame. Any flag bit
 *      outside FP_F_REQ_MASK (only FP_F_PAD may be set in a request) gets "-ERR unsupported
 *      frame flags" (the header is sound, so the client can be told).
 *   2. Authentication. With requirepass set, the header's token must equal
 *      XXH64(requirepass, salt) (fastpath_token()); otherwise the transient client is
 *      unauthenticated and dispatch answers -NOAUTH exactly as it does on TCP (AUTH/HELLO are
 *      CMD_NO_AUTH and work, but only for that one datagram).
 *   3. Parse exactly one command with the TCP parser and its limits (pre-AUTH limits too).
 *      Incomplete, empty, or more than one command: a "-ERR Protocol error: ..." reply. With
 *      FP_F_PAD the bytes after the command are padding and ignored (clients pad requests so
 *      the kernel has room to build a large reply in place; the padding also raises the
 *      amplification bound below, which is the point there too).
 *   4. Commands that need a connection (MULTI EXEC DISCARD WATCH UNWATCH, blocking, pub/sub,
 *      MONITOR) are refused with "-ERR '<name>' is not allowed over UDP, use TCP"; from a
 *      source outside the allow-list, so are administrative ones (udp_admin(): SHUTDOWN,
 *      CONFIG, CLIENT, DEBUG...), with "... over UDP from this source, use TCP".
 *   5. conn_execute(): unknown command -> arity -> AUTH -> OOM -> call, same stats as TCP.
 *   6. Size rules on the reply: more than FP_USER_REPLY_MAX bytes, or (for a
 *      source outside the fast-path allow-list) a datagram larger than 2 x request + 64
 *      bytes, is replaced by "-ERR reply too large for UDP, use TCP" with FP_F_TRUNC set. The
 *      command has still run (a SET over UDP from anywhere is applied; only its reply is
 *      bounded): the rule limits reflection, it is not access control (requirepass is).
 *   7. Reply header = the request's magic, version and id, flags REPLY (| TRUNC), token 0;
 *      sent from the address the request was sent to (IP_PKTINFO / IPV6_PKTINFO) so wildcard binds
 * answer from the right source.
 *
 * The transient client is one fake client (conn_fake_new(), not in srv.clients) reset before
 * every datagram: db 0, RESP2, no name, no reply-off/skip flags. Whatever a command changes in
 * it (SELECT, HELLO 3, CLIENT SETNAME) lasts one datagram, by design: UDP has no session.
 *
 * Fairness: each readiness callback handles at most UDP_BATCH datagrams and returns; the
 * socket is level-triggered, so the loop calls back after serving the other events.
 *
 * Invariants: loop thread only; nothing here blocks (nonblocking sockets; a reply that would
 * block is dropped and counted, which is UDP's contract anyway).
 */
#include <arpa/inet.h>
#include <endian.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../bpf/fastpath.h" /* struct fp_hdr, FP_* (the wire format, shared with BPF) */
#include "commands.h"
#include "errors.h"
#include "fastpath.h"
#include "log.h"
#include "loop.h"
#include "multi.h"
#include "reply.h"
#include "udp.h"

#ifndef UDP_BATCH
#define UDP_BATCH 64 /* datagrams per readiness callback */
#endif
#ifndef UDP_RCVBUF
#define UDP_RCVBUF (4 * 1024 * 1024) /* asked for; the kernel caps it at rmem_max */
#endif

/* The largest RESP reply that fits one datagram after the frame header. */
#define UDP_MAX_REPLY (FP_USER_REPLY_MAX)

static const char udp_err_too_large[] = "ERR reply too large for UDP, use TCP";

struct udp_sock {
	int fd;
	int family;
};

static struct {
	struct udp_sock socks[SERVER_MAX_BIND];
	int nsocks;
	int port;
	struct client *c;		   /* the transient client */
	struct sockaddr_storage last_peer; /* whose address c->addr holds (formatting costs) */
	char *rbuf;			   /* one datagram, FP_UDP_PAYLOAD_MAX + 1 bytes */
	char *sbuf;			   /* one reply payload, UDP_MAX_REPLY bytes */
	struct udp_stats st;
} udp = {.port = 0};

const struct udp_stats *udp_stats(void)
{
	return &udp.st;
}

int udp_port_bound(void)
{
	return udp.nsocks ? udp.port : 0;
}

int udp_port_effective(void)
{
	return srv.udp_port < 0 ? srv.port : srv.udp_port;
}

/* ---- the transient client -------------------------------------------------------------------- */

static void udp_client_reset(struct client *c, const struct sockaddr_storage *peer)
{
	char ip[INET6_ADDRSTRLEN];

	free(c->name);
	free(c->lib_name);
	free(c->lib_ver);
	c->name = c->lib_name = c->lib_ver = NULL;
	multi_client_free(c); /* MULTI/WATCH are refused, this only keeps the state clean */
	c->db = 0;
	c->resp = 2;
	c->flags = 0;
	c->argc = 0;
	c->argv = NULL;
	c->cmd = NULL;
	resp_parser_reset(&c->parser);
	c->last_interaction_ms = server_unix_ms();
	if (!memcmp(&udp.last_peer, peer, sizeof(*peer)))
		return; /* same sender as the previous datagram: c->addr is right */
	memcpy(&udp.last_peer, peer, sizeof(*peer));
	if (peer->ss_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)peer;

		inet_ntop(AF_INET6, &s6->sin6_addr, ip, sizeof(ip));
		snprintf(c->addr, sizeof(c->addr), "[%s]:%d", ip, ntohs(s6->sin6_port));
	} else {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)peer;

		inet_ntop(AF_INET, &s4->sin_addr, ip, sizeof(ip));
		snprintf(c->addr, sizeof(c->addr), "%s:%d", ip, ntohs(s4->sin_port));
	}
}

/* Commands that need a connection's lifetime: refused over UDP. */
static int udp_refused(const struct command *cmd)
{
	static const char *const names[] = {
	    "multi",	    "exec",	    "discard",	  "watch",	"unwatch",
	    "monitor",	    "subscribe",    "psubscribe", "ssubscribe", "unsubscribe",
	    "punsubscribe", "sunsubscribe", "sync",	  "psync",	NULL};

	if (cmd->flags & (CMD_BLOCKING | CMD_PUBSUB))
		return 1;
	for (int i = 0; names[i]; i++)
		if (!strcmp(cmd->name, names[i]))
			return 1;
	return 0;
}

/* ---- sending --------------------------------------------------------------------------------- */

/*
 * Send hdr + payload to peer, from the local address the request arrived on (pktinfo copied
 * from the request's control data). Failures are counted, never fatal.
 */
static void udp_send(struct udp_sock *s, const struct sockaddr_storage *peer, socklen_t plen,
		     const void *control, size_t controllen, const struct fp_hdr *hdr,
		     const void *payload, size_t n)
{
	struct iovec iov[2] = {
	    {.iov_base = (void *)hdr, .iov_len = FP_HDR_SIZE},
	    {.iov_base = (void *)payload, .iov_len = n},
	};
	struct msghdr msg = {
	    .msg_name = (void *)peer,
	    .msg_namelen = plen,
	    .msg_iov = iov,
	    .msg_iovlen = 2,
	    .msg_control = controllen ? (void *)control : NULL,
	    .msg_controllen = controllen,
	};
	ssize_t w;

	do {
		w = sendmsg(s->fd, &msg, MSG_DONTWAIT);
	} while (w < 0 && errno == EINTR);
	if (w < 0) {
		udp.st.send_errors++;
		log_debug("UDP reply to %s dropped: %s", udp.c->addr, strerror(errno));
		return;
	}
	udp.st.replies++;
	udp.st.bytes_out += (__u64)w;
	srv.stats.total_net_output_bytes += (__u64)w;
}

/*
 * Build the control message that makes the reply leave from the request's destination
 * address: IP_PKTINFO's ipi_spec_dst / IPV6_PKTINFO's ipi6_addr. Returns its length, 0 when
 * the request carried none (the kernel then picks the source by routing).
 */
static size_t udp_reply_control(struct msghdr *req, char *out, size_t cap)
{
	for (struct cmsghdr *cm = CMSG_FIRSTHDR(req); cm; cm = CMSG_NXTHDR(req, cm)) {
		if (cm->cmsg_level == IPPROTO_IP && cm->cmsg_type == IP_PKTINFO) {
			struct in_pktinfo in, pi;
			struct cmsghdr *o = (struct cmsghdr *)out;

			if (cap < CMSG_SPACE(sizeof(pi)))
				return 0;
			memcpy(&in, CMSG_DATA(cm), sizeof(in));
			memset(&pi, 0, sizeof(pi));
			pi.ipi_spec_dst = in.ipi_addr;
			memset(out, 0, CMSG_SPACE(sizeof(pi)));
			o->cmsg_level = IPPROTO_IP;
			o->cmsg_type = IP_PKTINFO;
			o->cmsg_len = CMSG_LEN(sizeof(pi));
			memcpy(CMSG_DATA(o), &pi, sizeof(pi));
			return CMSG_SPACE(sizeof(pi));
		}
		if (cm->cmsg_level == IPPROTO_IPV6 && cm->cmsg_type == IPV6_PKTINFO) {
			struct in6_pktinfo pi;
			struct cmsghdr *o = (struct cmsghdr *)out;

			if (cap < CMSG_SPACE(sizeof(pi)))
				return 0;
			memcpy(&pi, CMSG_DATA(cm), sizeof(pi));
			pi.ipi6_ifindex = 0; /* let routing pick the interface, keep the address */
			memset(out, 0, CMSG_SPACE(sizeof(pi)));
			o->cmsg_level = IPPROTO_IPV6;
			o->cmsg_type = IPV6_PKTINFO;
			o->cmsg_len = CMSG_LEN(sizeof(pi));
			memcpy(CMSG_DATA(o), &pi, sizeof(pi));
			return CMSG_SPACE(sizeof(pi));
		}
	}
	return 0;
}

/* ---- one datagram ---------------------------------------------------------------------------- */

/* Reply an error text (without '-' and CRLF) in RESP2 form. */
static size_t udp_format_error(char *out, size_t cap, const char *msg)
{
	int n = snprintf(out, cap, "-%s\r\n", msg);

	return n < 0 ? 0 : (size_t)n >= cap ? cap - 1 : (size_t)n;
}

/*
 * Administrative commands (CMD_ADMIN, and the CONFIG / CLIENT / DEBUG containers whose
 * subcommands carry the flag) from a source outside the allow-list. A UDP source address
 * is not proven (no handshake): refusing these keeps a spoofed datagram from reconfiguring or
 * stopping the server in the name of an address a firewall trusts.
 */
static int udp_admin(const struct command *cmd)
{
	return (cmd->flags & CMD_ADMIN) || !strcmp(cmd->name, "config") ||
	       !strcmp(cmd->name, "client") || !strcmp(cmd->name, "debug");
}

/*
 * Parse and run the command in payload[0, len) on the transient client. The reply ends up in
 * udp.c->out (possibly empty: CLIENT REPLY OFF/SKIP). allowed: the source is in the
 * allow-list.
 */
static void udp_run(struct client *c, const char *payload, size_t len, int allowed, int pad)
{
	struct arg *argv;
	const char *err = NULL;
	size_t consumed = 0;
	int argc, r;

	c->parser.max_bulk_len = srv.proto_max_bulk_len;
	c->parser.unauthenticated = !(c->flags & CLIENT_AUTHENTICATED);
	r = resp_parse_request(&c->parser, payload, len, &consumed, &argv, &argc, &err);
	if (r < 0) {
		reply_error(c, err ? err : "ERR Protocol error");
		return;
	}
	if (r == 0) {
		reply_error(c, consumed == len
				   ? "ERR Protocol error: empty UDP request"
				   : "ERR Protocol error: incomplete command in UDP datagram");
		return;
	}
	if (consumed != len && !pad) {
		reply_error(c, "ERR Protocol error: one command per UDP datagram");
		return;
	}
	c->argv = argv;
	c->argc = argc;
	if (c->flags & CLIENT_AUTHENTICATED) {
		const struct command *cmd = command_lookup(argv[0].ptr, argv[0].len);

		if (cmd && udp_refused(cmd)) {
			reply_errorf(c, "ERR '%s' is not allowed over UDP, use TCP", cmd->name);
			return;
		}
		if (cmd && !allowed && udp_admin(cmd)) {
			udp.st.admin_refused++;
			reply_errorf(c,
				     "ERR '%s' is not allowed over UDP from this source, use TCP",
				     cmd->name);
			return;
		}
	}
	conn_execute(c);
}

static void udp_handle(struct udp_sock *s, struct msghdr *msg, size_t n)
{
	const struct sockaddr_storage *peer = msg->msg_name;
	struct client *c = udp.c;
	struct fp_hdr hdr;
	const char *payload = udp.rbuf + FP_HDR_SIZE;
	size_t plen, rlen;
	char control[64];
	size_t controllen;
	__u64 token;
	int trunc = 0, allowed;

	if (n < FP_HDR_SIZE) {
		udp.st.malformed++;
		return;
	}
	memcpy(&hdr, udp.rbuf, sizeof(hdr));
	if (be16toh(hdr.magic) != FP_MAGIC || hdr.version != FP_VERSION ||
	    (hdr.flags & FP_F_REPLY)) {
		udp.st.malformed++;
		return;
	}
	udp.st.requests++;
	plen = n - FP_HDR_SIZE;
	allowed = fastpath_source_allowed((const struct sockaddr *)peer);
	udp_client_reset(c, peer);
	token = be64toh(hdr.token);
	if (!fastpath_auth_required() || token == fastpath_token())
		c->flags |= CLIENT_AUTHENTICATED;
	else
		udp.st.noauth++;

	if (hdr.flags & ~FP_F_REQ_MASK)
		reply_error(c, "ERR unsupported frame flags");
	else
		udp_run(c, payload, plen, allowed, hdr.flags & FP_F_PAD);
	c->argc = 0;
	c->argv = NULL;
	c->cmd = NULL;

	rlen = obuf_pending(&c->out);
	if (rlen == 0)
		goto done; /* CLIENT REPLY OFF/SKIP: the client asked for silence */
	if (rlen > UDP_MAX_REPLY) {
		trunc = 1;
	} else if (!allowed && FP_HDR_SIZE + rlen > FP_AMP_FACTOR * n + FP_AMP_SLACK) {
		trunc = 1;
		udp.st.amplification++;
	}
	if (trunc) {
		udp.st.too_large++;
		rlen = udp_format_error(udp.sbuf, UDP_MAX_REPLY, udp_err_too_large);
	} else {
		rlen = obuf_copy(&c->out, udp.sbuf, rlen); /* whole: no deferred header is open */
	}
	/* The request's header with REPLY (and TRUNC) as the only flags; the token is not echoed.
	 */
	hdr.flags = FP_F_REPLY | (trunc ? FP_F_TRUNC : 0);
	hdr.token = 0;
	controllen = udp_reply_control(msg, control, sizeof(control));
	udp_send(s, peer, msg->msg_namelen, control, controllen, &hdr, udp.sbuf, rlen);
done:
	obuf_consume(&c->out, obuf_pending(&c->out));
}

/* Readiness callback: drain up to UDP_BATCH datagrams. */
static void udp_on_readable(void *arg)
{
	struct udp_sock *s = arg;

	for (int i = 0; i < UDP_BATCH && !srv.shutdown_asap; i++) {
		struct sockaddr_storage peer = {0}; /* zeroed: compared whole in udp_client_reset */
		char control[128];
		struct iovec iov = {.iov_base = udp.rbuf, .iov_len = FP_UDP_PAYLOAD_MAX + 1};
		struct msghdr msg = {
		    .msg_name = &peer,
		    .msg_namelen = sizeof(peer),
		    .msg_iov = &iov,
		    .msg_iovlen = 1,
		    .msg_control = control,
		    .msg_controllen = sizeof(control),
		};
		ssize_t n = recvmsg(s->fd, &msg, MSG_DONTWAIT);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				log_verbose("UDP recvmsg: %s", strerror(errno));
			return;
		}
		udp.st.bytes_in += (__u64)n;
		srv.stats.total_net_input_bytes += (__u64)n;
		if (msg.msg_flags & MSG_TRUNC) { /* cannot happen with a 64 KiB buffer */
			udp.st.malformed++;
			continue;
		}
		udp_handle(s, &msg, (size_t)n);
	}
}

/* ---- sockets --------------------------------------------------------------------------------- */

static int udp_bind_one(const char *spec, int port, int *fdp, int *familyp)
{
	struct sockaddr_storage ss;
	struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
	socklen_t sl;
	int fd, one = 1, rcv = UDP_RCVBUF;

	memset(&ss, 0, sizeof(ss));
	if (!strcmp(spec, "*") || !strcmp(spec, "0.0.0.0")) {
		s4->sin_family = AF_INET;
		s4->sin_addr.s_addr = htonl(INADDR_ANY);
	} else if (!strcmp(spec, "::*") || !strcmp(spec, "::")) {
		s6->sin6_family = AF_INET6;
		s6->sin6_addr = in6addr_any;
	} else if (inet_pton(AF_INET, spec, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
	} else if (inet_pton(AF_INET6, spec, &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
	} else {
		return -EINVAL;
	}
	if (ss.ss_family == AF_INET) {
		s4->sin_port = htons(port);
		sl = sizeof(*s4);
	} else {
		s6->sin6_port = htons(port);
		sl = sizeof(*s6);
	}
	fd = socket(ss.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	/* The receive buffer only absorbs bursts; failing to grow it is not an error. */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcv, sizeof(rcv)))
		log_debug("UDP SO_RCVBUF: %s", strerror(errno));
	if ((ss.ss_family == AF_INET &&
	     setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof(one))) ||
	    (ss.ss_family == AF_INET6 &&
	     (setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)) ||
	      setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &one, sizeof(one)))) ||
	    bind(fd, (struct sockaddr *)&ss, sl)) {
		int err = -errno;

		close(fd);
		return err;
	}
	*fdp = fd;
	*familyp = ss.ss_family;
	return 0;
}

void udp_close(void)
{
	for (int i = 0; i < udp.nsocks; i++) {
		loop->unwatch(udp.socks[i].fd);
		close(udp.socks[i].fd);
	}
	udp.nsocks = 0;
	if (udp.c) {
		conn_fake_free(udp.c);
		udp.c = NULL;
	}
	free(udp.rbuf);
	free(udp.sbuf);
	udp.rbuf = udp.sbuf = NULL;
}

int udp_open(void)
{
	int port = udp_port_effective(), ret;

	ret = fastpath_allow_load(srv.fastpath_allow);
	if (ret)
		return ret; /* logged */
	if (port == 0) {
		log_notice("UDP listener disabled (udp-port 0)");
		return 0;
	}
	udp.rbuf = malloc(FP_UDP_PAYLOAD_MAX + 1);
	udp.sbuf = malloc(UDP_MAX_REPLY);
	udp.c = conn_fake_new();
	if (!udp.rbuf || !udp.sbuf || !udp.c) {
		udp_close();
		return -ENOMEM;
	}
	snprintf(udp.c->laddr, sizeof(udp.c->laddr), "udp:%d", port);
	for (int i = 0; i < srv.bind_count; i++) {
		const char *spec = srv.bind[i];
		int optional = spec[0] == '-';
		int fd = -1, family = 0;

		if (optional)
			spec++;
		ret = udp_bind_one(spec, port, &fd, &family);
		if (ret) {
			if (optional && (ret == -EADDRNOTAVAIL || ret == -EAFNOSUPPORT ||
					 ret == -EPROTONOSUPPORT || ret == -EPFNOSUPPORT)) {
				log_notice("Skipping optional UDP bind address %s:%d: %s", spec,
					   port, strerror(-ret));
				continue;
			}
			log_warning("Could not create server UDP socket %s:%d: %s", spec, port,
				    strerror(-ret));
			goto fail;
		}
		udp.socks[udp.nsocks].fd = fd;
		udp.socks[udp.nsocks].family = family;
		ret = loop->watch(fd, udp_on_readable, &udp.socks[udp.nsocks]);
		if (ret) {
			log_warning("Could not watch the UDP socket %s:%d: %s", spec, port,
				    strerror(-ret));
			close(fd);
			goto fail;
		}
		udp.nsocks++;
	}
	if (udp.nsocks == 0) {
		log_warning("No UDP socket could be created for port %d", port);
		ret = -EADDRNOTAVAIL;
		goto fail;
	}
	udp.port = port;
	log_notice("Ready to accept requests udp on port %d (%d socket%s)", port, udp.nsocks,
		   udp.nsocks > 1 ? "s" : "");
	return 0;
fail:
	udp_close();
	return ret;
}
