// SPDX-License-Identifier: BSD-2-Clause
/*
 * arenakv.c - libarenakv-client: the UDP fast-path protocol (frames, request ids, timeouts,
 * retries with backoff, token) and the TCP path through hiredis. API and semantics: arenakv.h.
 *
 * The UDP exchange is a small loop, one request at a time per handle:
 *
 *   send(frame with id N) -> poll(wait) -> drain every readable datagram:
 *       not a v1 reply / id != N  -> count as dropped, keep waiting
 *       id == N                   -> parse, return
 *   wait expired -> wait *= 2 (capped), resend the same frame (same id), until retries run out.
 *
 * Why the same id on a retry: a reply to attempt 1 that arrives during attempt 2 answers the
 * same request and is accepted, instead of being dropped and making us wait for a second copy.
 * Why ids still change per request: a reply to the PREVIOUS request that arrives late (after we
 * gave up on it) must never be taken for the current one. Ids start at a random value so two
 * handles (or two runs) on the same 5-tuple are unlikely to accept each other's stragglers.
 *
 * The socket is connect()ed: the kernel filters datagrams from other sources for us, and an
 * ICMP port-unreachable surfaces as ECONNREFUSED on the next recv instead of a silent timeout.
 *
 * Buffers: one send and one receive buffer of a full datagram per handle, allocated at open,
 * so the steady state allocates only the parsed reply. Replies are parsed by hiredis's reader
 * (redisReaderCreate), the same code that parses TCP replies, so both paths yield identical
 * redisReply trees for identical bytes.
 *
 * Invariants: c->fd is always a valid connected UDP socket of an open handle; c->tcp is NULL or
 * a context without error (a failed context is freed at once, the next TCP call reconnects);
 * c->have_token says whether c->token may be put in frames without asking the server.
 */
#include <arpa/inet.h>
#include <endian.h>
#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "arenakv.h"
#include "fastpath.h" /* the wire format: struct fp_hdr, FP_MAGIC, FP_F_* (bpf/, shared) */

_Static_assert(sizeof(struct fp_hdr) == AKV_HDR_LEN && FP_HDR_SIZE == AKV_HDR_LEN,
	       "arenakv.h republishes the header size");
_Static_assert(AKV_MAX_DATAGRAM == FP_UDP_PAYLOAD_MAX, "arenakv.h republishes the datagram limit");
_Static_assert(AKV_F_REPLY == FP_F_REPLY && AKV_F_KERNEL == FP_F_KERNEL &&
		   AKV_F_TRUNC == FP_F_TRUNC,
	       "arenakv.h republishes the wire flags for installed users; they must agree");

struct akv_client {
	char *host;
	int port;
	char *password;
	char *user;
	int fd;		   /* connected UDP socket */
	redisContext *tcp; /* NULL until the first TCP need; never left in an error state */
	int timeout_ms;
	int retries;
	uint64_t token;
	int have_token;	   /* c->token may be sent */
	int token_fetched; /* ... and came from ARENAKV.FASTTOKEN (refetch on -NOAUTH) */
	uint32_t next_id;
	char *sbuf; /* one outgoing datagram */
	char *rbuf; /* one incoming datagram */
	struct akv_udp_stats st;
	char err[256];
};

static void akv_seterr(struct akv_client *c, const char *fmt, const char *detail)
{
	snprintf(c->err, sizeof(c->err), fmt, detail ? detail : "");
}

const char *akv_errstr(const struct akv_client *c)
{
	return c ? c->err : "no handle";
}

static int64_t akv_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- frame codec ------------------------------------------------------------------------ */

/* Append len bytes at *pos if they fit cap. Returns 0 or -EMSGSIZE. */
static int akv_put(char *buf, size_t cap, size_t *pos, const void *p, size_t len)
{
	if (len > cap - *pos)
		return -EMSGSIZE;
	memcpy(buf + *pos, p, len);
	*pos += len;
	return 0;
}

long akv_frame_encode(void *buf, size_t cap, uint32_t id, uint64_t token, int argc,
		      const char **argv, const size_t *argvlen)
{
	struct fp_hdr h;
	char num[32];
	size_t pos = 0;
	int n, i;

	if (argc <= 0 || cap < AKV_HDR_LEN)
		return argc <= 0 ? -EINVAL : -EMSGSIZE;
	memset(&h, 0, sizeof(h));
	h.magic = htons(FP_MAGIC);
	h.version = FP_VERSION;
	h.flags = 0;
	h.id = htonl(id);
	h.token = htobe64(token);
	memcpy(buf, &h, sizeof(h));
	pos = sizeof(h);

	n = snprintf(num, sizeof(num), "*%d\r\n", argc);
	if (akv_put(buf, cap, &pos, num, n))
		return -EMSGSIZE;
	for (i = 0; i < argc; i++) {
		size_t len = argvlen ? argvlen[i] : strlen(argv[i]);

		n = snprintf(num, sizeof(num), "$%zu\r\n", len);
		if (akv_put(buf, cap, &pos, num, n) || akv_put(buf, cap, &pos, argv[i], len) ||
		    akv_put(buf, cap, &pos, "\r\n", 2))
			return -EMSGSIZE;
	}
	return (long)pos;
}

int akv_frame_decode(const void *buf, size_t len, uint32_t *id, unsigned *flags,
		     const char **payload, size_t *payload_len)
{
	struct fp_hdr h;

	if (len < sizeof(h))
		return -EBADMSG;
	memcpy(&h, buf, sizeof(h));
	if (ntohs(h.magic) != FP_MAGIC || h.version != FP_VERSION || !(h.flags & FP_F_REPLY))
		return -EBADMSG;
	*id = ntohl(h.id);
	*flags = h.flags;
	*payload = (const char *)buf + sizeof(h);
	*payload_len = len - sizeof(h);
	return 0;
}

int akv_parse_reply(const char *payload, size_t len, redisReply **reply)
{
	redisReader *r;
	void *obj = NULL;
	int ret = 0;

	*reply = NULL;
	r = redisReaderCreate();
	if (!r)
		return -ENOMEM;
	if (redisReaderFeed(r, payload, len) != REDIS_OK ||
	    redisReaderGetReply(r, &obj) != REDIS_OK) {
		ret = r->err == REDIS_ERR_OOM ? -ENOMEM : -EBADMSG;
		goto out;
	}
	/* incomplete payload, or bytes after the first reply: not one reply, refuse it */
	if (!obj || r->len != r->pos) {
		if (obj)
			freeReplyObject(obj);
		ret = -EBADMSG;
		goto out;
	}
	*reply = obj;
out:
	redisReaderFree(r);
	return ret;
}

void akv_reply_free(redisReply *r)
{
	if (r)
		freeReplyObject(r);
}

/* ---- open / close ------------------------------------------------------------------------ */

static int akv_udp_socket(struct akv_client *c, int udp_port)
{
	struct addrinfo hints, *res = NULL, *ai;
	char port[16];
	int err, fd = -1, ret = -EHOSTUNREACH;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_DGRAM;
	snprintf(port, sizeof(port), "%d", udp_port);
	err = getaddrinfo(c->host, port, &hints, &res);
	if (err) {
		akv_seterr(c, "cannot resolve host: %s", gai_strerror(err));
		return err == EAI_MEMORY ? -ENOMEM : -ENOENT;
	}
	for (ai = res; ai; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
		if (fd < 0) {
			ret = -errno;
			continue;
		}
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
			break;
		ret = -errno;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd < 0) {
		akv_seterr(c, "udp socket: %s", strerror(-ret));
		return ret;
	}
	c->fd = fd;
	return 0;
}

int akv_open(struct akv_client **out, const struct akv_options *opt)
{
	struct akv_options o = {0};
	struct akv_client *c;
	int ret;

	if (opt)
		o = *opt;
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->fd = -1;
	c->host = strdup(o.host ? o.host : "127.0.0.1");
	c->password = o.password ? strdup(o.password) : NULL;
	c->user = o.user ? strdup(o.user) : NULL;
	c->sbuf = malloc(AKV_MAX_DATAGRAM);
	c->rbuf = malloc(AKV_MAX_DATAGRAM + 1);
	if (!c->host || (o.password && !c->password) || (o.user && !c->user) || !c->sbuf ||
	    !c->rbuf) {
		ret = -ENOMEM;
		goto fail;
	}
	c->port = o.port > 0 ? o.port : 6379;
	c->timeout_ms = o.timeout_ms > 0 ? o.timeout_ms : AKV_DEFAULT_TIMEOUT_MS;
	c->retries = o.retries > 0 ? o.retries : (o.retries < 0 ? 0 : AKV_DEFAULT_RETRIES);
	/* no password: the wire sheet says token 0, nothing to fetch */
	c->have_token = c->password == NULL;
	if (getrandom(&c->next_id, sizeof(c->next_id), 0) != sizeof(c->next_id))
		c->next_id = (uint32_t)getpid() * 2654435761u ^ (uint32_t)akv_now_ms();
	ret = akv_udp_socket(c, o.udp_port > 0 ? o.udp_port : c->port);
	if (ret)
		goto fail;
	*out = c;
	return 0;
fail:
	akv_close(c);
	return ret;
}

void akv_close(struct akv_client *c)
{
	if (!c)
		return;
	if (c->fd >= 0)
		close(c->fd);
	if (c->tcp)
		redisFree(c->tcp);
	free(c->host);
	if (c->password) {
		explicit_bzero(c->password, strlen(c->password));
		free(c->password);
	}
	free(c->user);
	free(c->sbuf);
	free(c->rbuf);
	free(c);
}

int akv_set_udp_policy(struct akv_client *c, int timeout_ms, int retries)
{
	if (timeout_ms <= 0 || retries < 0)
		return -EINVAL;
	c->timeout_ms = timeout_ms;
	c->retries = retries;
	return 0;
}

void akv_set_token(struct akv_client *c, uint64_t token)
{
	c->token = token;
	c->have_token = 1;
	c->token_fetched = 0;
}

void akv_udp_stats(const struct akv_client *c, struct akv_udp_stats *out)
{
	*out = c->st;
}

/* ---- TCP ---------------------------------------------------------------------------------- */

/* Drop a failed context and map its error to an errno. */
static int akv_tcp_fail(struct akv_client *c)
{
	int ret = -ECONNRESET;

	if (c->tcp->err == REDIS_ERR_IO && (errno == EAGAIN || errno == EWOULDBLOCK))
		ret = -ETIMEDOUT;
	else if (c->tcp->err == REDIS_ERR_IO && errno)
		ret = -errno;
	else if (c->tcp->err == REDIS_ERR_OOM)
		ret = -ENOMEM;
	akv_seterr(c, "tcp: %s", c->tcp->errstr);
	redisFree(c->tcp);
	c->tcp = NULL;
	return ret;
}

static int akv_tcp_connect(struct akv_client *c)
{
	struct timeval tv = {c->timeout_ms / 1000, (c->timeout_ms % 1000) * 1000};
	redisReply *r;
	int ret = 0;

	if (c->tcp)
		return 0;
	/* The UDP wait is short by design (200 ms); a TCP command may legitimately take longer
	 * (a big MGET, a slow server), so TCP gets at least 5 s. */
	if (c->timeout_ms < 5000)
		tv = (struct timeval){5, 0};
	c->tcp = redisConnectWithTimeout(c->host, c->port, tv);
	if (!c->tcp) {
		akv_seterr(c, "tcp: %s", "out of memory");
		return -ENOMEM;
	}
	if (c->tcp->err)
		return akv_tcp_fail(c);
	if (redisSetTimeout(c->tcp, tv) != REDIS_OK)
		return akv_tcp_fail(c);
	if (!c->password)
		return 0;
	if (c->user)
		r = redisCommand(c->tcp, "AUTH %s %s", c->user, c->password);
	else
		r = redisCommand(c->tcp, "AUTH %s", c->password);
	if (!r)
		return akv_tcp_fail(c);
	if (r->type == REDIS_REPLY_ERROR) {
		akv_seterr(c, "AUTH failed: %s", r->str);
		ret = -EACCES;
		redisFree(c->tcp);
		c->tcp = NULL;
	}
	freeReplyObject(r);
	return ret;
}

int akv_command(struct akv_client *c, int argc, const char **argv, const size_t *argvlen,
		redisReply **reply)
{
	redisReply *r;
	int ret;

	*reply = NULL;
	if (argc <= 0)
		return -EINVAL;
	ret = akv_tcp_connect(c);
	if (ret)
		return ret;
	r = redisCommandArgv(c->tcp, argc, argv, argvlen);
	if (!r)
		return akv_tcp_fail(c);
	*reply = r;
	return 0;
}

/* Parse ARENAKV.FASTTOKEN's reply: a bulk (or status) string of hexadecimal digits, optionally
 * "0x"-prefixed (the server sends 16 hex digits), or an integer (the u64 as signed 64-bit). */
static int akv_token_from_reply(const redisReply *r, uint64_t *token)
{
	char tmp[32], *end;

	if (r->type == REDIS_REPLY_INTEGER) {
		*token = (uint64_t)r->integer;
		return 0;
	}
	if ((r->type != REDIS_REPLY_STRING && r->type != REDIS_REPLY_STATUS) || r->len == 0 ||
	    r->len >= sizeof(tmp))
		return -EBADMSG;
	memcpy(tmp, r->str, r->len);
	tmp[r->len] = 0;
	errno = 0;
	*token = strtoull(tmp, &end, 16);
	if (errno || *end || tmp[0] == '-' || tmp[0] == '+' || tmp[0] == ' ')
		return -EBADMSG;
	return 0;
}

int akv_fetch_token(struct akv_client *c, uint64_t *token)
{
	const char *argv[] = {"ARENAKV.FASTTOKEN"};
	redisReply *r;
	int ret;

	if (!c->password) {
		akv_set_token(c, 0);
		if (token)
			*token = 0;
		return 0;
	}
	ret = akv_command(c, 1, argv, NULL, &r);
	if (ret)
		return ret;
	if (r->type == REDIS_REPLY_ERROR) {
		akv_seterr(c, "ARENAKV.FASTTOKEN: %s", r->str);
		freeReplyObject(r);
		return -EACCES;
	}
	ret = akv_token_from_reply(r, &c->token);
	freeReplyObject(r);
	if (ret) {
		akv_seterr(c, "ARENAKV.FASTTOKEN: %s", "unexpected reply type");
		return ret;
	}
	c->have_token = 1;
	c->token_fetched = 1;
	if (token)
		*token = c->token;
	return 0;
}

/* ---- UDP ---------------------------------------------------------------------------------- */

/* Read every datagram queued on the socket; stop at the one answering `id`.
 * Returns its length (> 0), 0 when none matched yet, or -errno. */
static long akv_udp_drain(struct akv_client *c, uint32_t id, unsigned *flags, const char **payload,
			  size_t *plen)
{
	for (;;) {
		ssize_t n = recv(c->fd, c->rbuf, AKV_MAX_DATAGRAM + 1, MSG_DONTWAIT);
		uint32_t rid;

		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return 0;
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (akv_frame_decode(c->rbuf, n, &rid, flags, payload, plen) || rid != id) {
			c->st.dropped++;
			continue;
		}
		return n;
	}
}

/* One request/reply exchange over UDP with the current token (see the top comment). */
static int akv_udp_exchange(struct akv_client *c, int argc, const char **argv,
			    const size_t *argvlen, const char **payload, size_t *len,
			    unsigned *flags)
{
	unsigned fl = 0;
	long flen, n;
	uint32_t id;
	int attempt, ret;

	if (!c->have_token) {
		ret = akv_fetch_token(c, NULL);
		if (ret)
			return ret;
	}
	id = c->next_id++;
	flen = akv_frame_encode(c->sbuf, AKV_MAX_DATAGRAM, id, c->token, argc, argv, argvlen);
	if (flen < 0) {
		akv_seterr(c, "%s",
			   flen == -EMSGSIZE ? "request does not fit one datagram, use TCP"
					     : "invalid arguments");
		return (int)flen;
	}
	/* stragglers from earlier requests: drop them now rather than inside the wait */
	n = akv_udp_drain(c, id, &fl, payload, len);
	if (n < 0 && n != -ECONNREFUSED)
		return (int)n;
	c->st.requests++;
	for (attempt = 0; attempt <= c->retries; attempt++) {
		/* exponential backoff: timeout, 2x, 4x, ... capped at AKV_BACKOFF_CAP x */
		int64_t wait = (int64_t)c->timeout_ms << (attempt < 16 ? attempt : 16);
		int64_t deadline;

		if (wait > (int64_t)c->timeout_ms * AKV_BACKOFF_CAP)
			wait = (int64_t)c->timeout_ms * AKV_BACKOFF_CAP;
		deadline = akv_now_ms() + wait;
		if (send(c->fd, c->sbuf, flen, 0) != flen) {
			ret = -errno;
			akv_seterr(c, "udp send: %s", strerror(errno));
			return ret;
		}
		c->st.sends++;
		for (;;) {
			struct pollfd p = {.fd = c->fd, .events = POLLIN};
			int64_t left = deadline - akv_now_ms();

			if (left <= 0)
				break;
			ret = poll(&p, 1, (int)left);
			if (ret < 0 && errno != EINTR) {
				ret = -errno;
				akv_seterr(c, "poll: %s", strerror(errno));
				return ret;
			}
			if (ret <= 0)
				continue;
			n = akv_udp_drain(c, id, &fl, payload, len);
			if (n < 0) {
				akv_seterr(c, "udp: %s", strerror((int)-n));
				return (int)n;
			}
			if (n > 0) {
				c->st.replies++;
				if (fl & FP_F_KERNEL)
					c->st.kernel++;
				if (flags)
					*flags = fl;
				return 0;
			}
		}
	}
	c->st.timeouts++;
	akv_seterr(c, "%s", "no reply over UDP (timeout after retries)");
	return -ETIMEDOUT;
}

int akv_fast_command_raw(struct akv_client *c, int argc, const char **argv, const size_t *argvlen,
			 const char **payload, size_t *len, unsigned *flags)
{
	static const char noauth[] = "-NOAUTH";
	int ret = akv_udp_exchange(c, argc, argv, argvlen, payload, len, flags);

	/* A token we fetched ourselves goes stale when the server restarts (new salt) or the
	 * password changes: refetch it once and repeat. A token the caller set is theirs. */
	if (ret || !c->password || !c->token_fetched || *len < sizeof(noauth) - 1 ||
	    memcmp(*payload, noauth, sizeof(noauth) - 1) != 0)
		return ret;
	c->have_token = 0;
	ret = akv_fetch_token(c, NULL);
	if (ret)
		return ret;
	return akv_udp_exchange(c, argc, argv, argvlen, payload, len, flags);
}

int akv_fast_command(struct akv_client *c, int argc, const char **argv, const size_t *argvlen,
		     redisReply **reply, unsigned *flags)
{
	const char *payload;
	size_t len;
	int ret;

	*reply = NULL;
	ret = akv_fast_command_raw(c, argc, argv, argvlen, &payload, &len, flags);
	if (ret)
		return ret;
	ret = akv_parse_reply(payload, len, reply);
	if (ret)
		akv_seterr(c, "%s", "reply datagram does not hold exactly one RESP2 reply");
	return ret;
}
