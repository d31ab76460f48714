/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * resp.h - the wire side of a client: the RESP2 request parser and the output buffer.
 *
 * Two things live here because they are the two ends of one connection and because
 * server.h embeds both in struct client:
 *
 *  1. struct resp_parser: an incremental, zero-copy parser of client requests in the
 *     Redis protocol (multibulk "*<n>\r\n$<len>\r\n<bytes>\r\n..." and the telnet-style
 *     "inline" form "SET k v\r\n"). It follows Redis 7's processMultibulkBuffer() /
 *     processInlineBuffer() semantics, limits and error texts (see resp.c for the few
 *     deliberate departures, all of them about making the result independent of how the
 *     bytes were split across reads).
 *
 *  2. struct obuf: the client's output buffer, a FIFO of chunks. Bytes already appended
 *     never move (no realloc of a chunk that holds data) so the event loop may hand a
 *     prefix to the kernel (io_uring send / writev) and keep appending behind it.
 *
 * Threading: both are owned by the single event-loop thread; no locking.
 *
 * ---- parser contract ---------------------------------------------------------------------
 *
 *   int resp_parse_request(p, buf, len, &consumed, &argv, &argc, &err)
 *
 *   buf/len: the unconsumed query bytes, starting at the first byte of the request the
 *            parser is working on (or of the next one). The caller may move or grow the
 *            buffer between calls (realloc, memmove to the front) as long as the bytes
 *            from buf[0] on are the same ones, followed by any newly read bytes.
 *   returns  1  one command is ready: argv[0..argc-1], argc >= 1.
 *                *consumed = bytes of that request (plus empty requests skipped before it).
 *                Multibulk args point INTO buf (zero copy); inline args point into a
 *                scratch buffer owned by the parser. Either way they stay valid until the
 *                next call to resp_parse_request()/resp_parser_reset()/resp_parser_free()
 *                and as long as the caller neither moves nor overwrites buf[0..consumed).
 *                So: run the command, then drop *consumed bytes, then parse again. Code
 *                that keeps args longer (MULTI queue, WATCH) must copy them.
 *            0  need more bytes. *consumed = bytes of empty requests ("*0\r\n", "*-1\r\n",
 *                blank inline lines) that were skipped and must be dropped; the partial
 *                request starts at buf + *consumed. The parser remembers how far it got
 *                (offsets relative to that start), so it never rescans a big payload.
 *           -EPROTO protocol error. *err = the exact Redis reply text without '-' and CRLF,
 *                e.g. "ERR Protocol error: invalid bulk length"; pass it to reply_error(),
 *                then set CLIENT_CLOSE_AFTER_REPLY (Redis closes after the reply).
 *                *err stays valid until the next call on p. The parser must be reset (or
 *                freed) before it is used again.
 *
 *   Empty multibulks (*0, *-1, any count <= 0) and empty inline lines are skipped exactly
 *   as Redis skips them: no command, no reply.
 *
 * ---- query buffer management (for the connection code) ------------------------------------
 *   resp_parser_need(p) tells how many bytes of the current request (counted from its
 *   first byte) must be present before the parser can make further progress. While a bulk
 *   payload of length L is being read it is "header bytes + L + 2": grow the query buffer
 *   so that the whole request fits contiguously (move the partial request to the buffer's
 *   front first) and read straight into it. Redis does the same for args >= 32 KiB
 *   (PROTO_MBULK_BIG_ARG) so the payload lands in one piece and is never copied again.
 *   Reading exactly the missing bytes for such a big arg (as Redis does) keeps the next
 *   pipelined request out of the big buffer.
 *   The total query buffer must still be bounded by client-query-buffer-limit (1 GiB by
 *   default in Redis): that check belongs to the reader, not to the parser.
 */
#ifndef ARENAKV_RESP_H
#define ARENAKV_RESP_H

#include <stddef.h>
#include <sys/uio.h>

/* One command argument, {const char *ptr; size_t len;}, is defined in server.h (which
 * includes this file); here it is only named. Bytes are binary safe, NOT NUL-terminated. */
struct arg;

/* ---- limits (Redis names in brackets) ---- */
#ifndef RESP_INLINE_MAX_SIZE
#define RESP_INLINE_MAX_SIZE (64 * 1024) /* [PROTO_INLINE_MAX_SIZE] also caps count lines */
#endif
#ifndef RESP_MBULK_BIG_ARG
#define RESP_MBULK_BIG_ARG (32 * 1024) /* [PROTO_MBULK_BIG_ARG] size big-arg reads exactly */
#endif
#ifndef RESP_DEFAULT_MAX_BULK_LEN
#define RESP_DEFAULT_MAX_BULK_LEN (512LL * 1024 * 1024) /* [proto-max-bulk-len] */
#endif
#ifndef RESP_DEFAULT_MAX_MULTIBULK_LEN
#define RESP_DEFAULT_MAX_MULTIBULK_LEN 2147483647LL /* Redis 7: INT_MAX */
#endif
#define RESP_UNAUTH_MAX_MULTIBULK_LEN 10    /* counts allowed before AUTH */
#define RESP_UNAUTH_MAX_BULK_LEN      16384 /* bulk size allowed before AUTH */

/* Parser states; each names what the bytes at p->pos are expected to be. */
enum resp_state {
	RESP_ST_START = 0, /* first byte of a request: '*' => multibulk, else inline */
	RESP_ST_INLINE,	   /* inside an inline line, looking for '\n' */
	RESP_ST_MBULK_LEN, /* "*<count>\r\n" line */
	RESP_ST_BULK_LEN,  /* "$<len>\r\n" line of the next argument */
	RESP_ST_BULK_DATA, /* <len> payload bytes + 2 (CRLF, not checked, as Redis) */
};

struct resp_parser {
	/* Limits: set by the owner at any time between requests. */
	long long max_bulk_len;	     /* proto-max-bulk-len, default 512 MiB */
	long long max_multibulk_len; /* default INT_MAX as Redis 7 */
	int unauthenticated;	     /* nonzero: apply Redis's pre-AUTH limits (10 args, 16 KiB) */

	/* Progress inside the current request; offsets count from its first byte. */
	enum resp_state state;
	size_t pos;	     /* first byte not yet parsed */
	size_t scan;	     /* bytes from pos already searched for the line end */
	long long remaining; /* arguments still to read */
	long long bulklen;   /* length of the argument being read */

	/* Argument vector (offsets during parsing, pointers once complete). */
	int argc;
	int argcap; /* slots in argv */
	int offcap; /* slots in off */
	size_t *off;
	struct arg *argv;

	/* Scratch buffer for unescaped inline arguments (<= RESP_INLINE_MAX_SIZE + 1). */
	char *ibuf;
	size_t icap;

	char errbuf[64]; /* formatted "expected '$', got 'x'" */
};

void resp_parser_init(struct resp_parser *p);
/* Forget any partial request (keeps limits and allocations). */
void resp_parser_reset(struct resp_parser *p);
void resp_parser_free(struct resp_parser *p);
int resp_parse_request(struct resp_parser *p, const char *buf, size_t len, size_t *consumed,
		       struct arg **argv, int *argc, const char **err);
/* Bytes of the current request (from its first byte) that must be present before the
 * parser can progress: exact while a bulk payload is awaited (header + len + 2), a lower
 * bound (one byte more than already searched) while a line end is awaited. */
size_t resp_parser_need(const struct resp_parser *p);
/* Nonzero while a request is partially parsed. */
static inline int resp_parser_busy(const struct resp_parser *p)
{
	return p->state != RESP_ST_START || p->pos != 0;
}

/* Split an inline line with Redis's sdssplitargs() quoting rules into argv/argc, the
 * unescaped bytes going to out (which needs at least len bytes). Returns 0, -EINVAL on
 * unbalanced quotes, -ENOMEM. *argv is malloc'd/realloc'd (*cap entries). Exposed for
 * CONFIG file parsing and for tests. */
int resp_split_args(const char *line, size_t len, char *out, struct arg **argv, int *cap,
		    int *argc);

/* ---- output buffer ------------------------------------------------------------------------
 * A FIFO of chunks. Invariants:
 *  - bytes in [chunk->start, chunk->used) of every chunk, head to tail, are the pending
 *    output in order; len is their sum; mem is the sum of chunk allocations.
 *  - a chunk's data never moves once appended, so a prefix of the output may be in flight
 *    in the kernel while commands append behind it. obuf_consume() is the only way bytes
 *    leave, and only from the front.
 *  - a chunk may begin with reserved headroom (start > 0) for a deferred length header
 *    (reply_deferred_len); headroom is outside the byte stream until filled. Such a chunk
 *    is a barrier: obuf_iov*() and obuf_copy() stop before it and obuf_consume() cannot
 *    pass it, although len already counts the bytes appended behind it. Commands fill
 *    their headers before returning, so between commands there is no barrier.
 *  - when everything was consumed, one chunk of at most OBUF_CHUNK_SIZE is kept for the
 *    next reply (no malloc per request); mem counts it; obuf_trim() releases it.
 */
#ifndef OBUF_CHUNK_SIZE
#define OBUF_CHUNK_SIZE (16 * 1024) /* [PROTO_REPLY_CHUNK_BYTES] */
#endif
#define OBUF_DEFER_CHUNK_SIZE 512 /* first chunk after a deferred header */
#define OBUF_DEFER_HEADROOM   24  /* "*" + 20 digits + sign + CRLF fits */

struct obuf_chunk {
	struct obuf_chunk *next;
	size_t size;  /* capacity of data[] */
	size_t start; /* first pending byte */
	size_t used;  /* end of pending bytes */
	int deferred; /* headroom reserved for a header not yet written */
	char data[];
};

struct obuf {
	struct obuf_chunk *head;
	struct obuf_chunk *tail;
	size_t len;	 /* pending bytes */
	size_t mem;	 /* allocated bytes (chunk headers included): for output buffer limits */
	int open_defers; /* deferred headers not yet filled: their chunks must not be freed */
};

void obuf_init(struct obuf *o);
void obuf_free(struct obuf *o);
/* Append n bytes. 0 or -ENOMEM (nothing appended then). */
int obuf_append(struct obuf *o, const void *p, size_t n);
/* Pointer to at least n contiguous writable bytes at the tail, or NULL (-ENOMEM). Nothing
 * is pending until obuf_commit(o, m) with m <= n. */
char *obuf_reserve(struct obuf *o, size_t n);
void obuf_commit(struct obuf *o, size_t n);
/* Drop n pending bytes from the front (after they were written); n <= pending. */
void obuf_consume(struct obuf *o, size_t n);
/* Fill up to max iovecs with the pending bytes, in order. Returns the number filled. */
int obuf_iov(const struct obuf *o, struct iovec *iov, int max);
/* Same, skipping the first `skip` pending bytes (e.g. those already in flight). */
int obuf_iov_from(const struct obuf *o, size_t skip, struct iovec *iov, int max);
/* Free the kept empty chunk of an idle client (cron may call it to save memory). */
void obuf_trim(struct obuf *o);
/* Copy all pending bytes into dst (cap >= o->len); for tests and small replies. */
size_t obuf_copy(const struct obuf *o, char *dst, size_t cap);
/* Start a fresh chunk with headroom for a deferred header; returns it, or NULL. */
struct obuf_chunk *obuf_defer(struct obuf *o);
/* Write hdr (hlen <= OBUF_DEFER_HEADROOM) into the headroom of ch, right before its data. */
void obuf_fill_deferred(struct obuf *o, struct obuf_chunk *ch, const char *hdr, size_t hlen);

static inline size_t obuf_pending(const struct obuf *o)
{
	return o->len;
}

static inline size_t obuf_mem(const struct obuf *o)
{
	return o->mem;
}

#endif /* ARENAKV_RESP_H */
