// SPDX-License-Identifier: BSD-2-Clause
/*
 * resp.c - incremental zero-copy RESP2 request parser and the chunked output buffer.
 *
 * THE PARSER
 *
 * A request is either a multibulk ("*<n>\r\n" then n times "$<len>\r\n<len bytes>\r\n")
 * or, when its first byte is not '*', an inline line ("SET k v\r\n", "\n" also ends it).
 * The parser is a small state machine (enum resp_state in resp.h) whose state survives
 * between calls, so a request that arrives one byte per read() costs O(total bytes), not
 * O(bytes^2):
 *  - every position is an offset from the first byte of the current request, never a
 *    pointer, so the connection code may move or grow its buffer between calls;
 *  - while looking for a line end, p->scan remembers how far the search already went;
 *  - a bulk payload is never scanned at all: once "$<len>" is known, the parser waits
 *    until len + 2 bytes are present, then records (offset, len) and jumps over them.
 * Only when the request is complete are offsets turned into pointers into the caller's
 * buffer (multibulk: zero copy). Inline arguments need unescaping ("\x41", quotes), so they
 * are written to a scratch buffer owned by the parser (an inline line is at most 64 KiB).
 *
 * Redis semantics kept on purpose (processMultibulkBuffer/processInlineBuffer, 7.0):
 *  - a count line is found by its '\r', and the byte after it is not checked to be '\n';
 *    likewise the two bytes after a bulk payload are skipped unchecked;
 *  - the count is parsed with the strict string2ll(): "*01", "* 1", "*+1" are invalid;
 *    counts <= 0 are empty requests, skipped; counts > INT_MAX (configurable lower) and
 *    bulk lengths < 0 or > proto-max-bulk-len are errors; before AUTH, more than 10 args
 *    or a bulk over 16 KiB are errors ("unauthenticated ...");
 *  - errors are detected in Redis's order (line present? then '$'? then the number).
 *
 * Deliberate departures, all so the outcome does not depend on how the bytes were split
 * across reads (Redis only checks the 64 KiB limits when a read leaves no line end in the
 * buffer, so a 70 KiB inline line passes or fails depending on TCP segmentation):
 *  - a line (inline request, count line) must end within RESP_INLINE_MAX_SIZE bytes of its
 *    start: the terminator may be at offset <= 65536, else the "too big" error, always;
 *  (A NUL byte before a line end behaves exactly as in Redis, whose strchr() stops there: the
 *  line end stays hidden, nothing after it is parsed, and only the 64 KiB limit ends the
 *  wait with the "too big ..." error. That outcome does not depend on read splitting.)
 *
 * THE OUTPUT BUFFER
 *
 * A FIFO of malloc'd chunks (struct obuf_chunk). Appends fill the tail chunk and then
 * allocate a new one (16 KiB, or exactly the payload size for big bulks so a 512 MB value
 * costs one allocation); nothing ever moves once written, which is what lets io_uring send
 * from the chunks. Deferred lengths (replies whose count is known at the end, e.g. KEYS)
 * start a new chunk that begins with OBUF_DEFER_HEADROOM unused bytes; the header is later
 * written right-aligned into that headroom and the chunk's start moves back over it. So a
 * deferred header never needs a memmove of the reply body and nesting works naturally.
 * A chunk with unfilled headroom is a barrier: obuf_iov() stops before it.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "errors.h"
#include "resp.h"
#include "splitargs.h"
#include "server.h"
#include "util.h"

#define RESP_MIN_ARGV	 16
#define RESP_ARGV_KEEP	 1024 /* argv slots kept between requests */
#define OBUF_FIRST_CHUNK 1024 /* first chunk of an empty buffer: most replies are tiny */

void resp_parser_init(struct resp_parser *p)
{
	memset(p, 0, sizeof(*p));
	p->max_bulk_len = RESP_DEFAULT_MAX_BULK_LEN;
	p->max_multibulk_len = RESP_DEFAULT_MAX_MULTIBULK_LEN;
	p->state = RESP_ST_START;
}

void resp_parser_reset(struct resp_parser *p)
{
	p->state = RESP_ST_START;
	p->pos = 0;
	p->scan = 0;
	p->remaining = 0;
	p->bulklen = 0;
	p->argc = 0;
}

void resp_parser_free(struct resp_parser *p)
{
	free(p->off);
	free(p->argv);
	free(p->ibuf);
	p->off = NULL;
	p->argv = NULL;
	p->ibuf = NULL;
	p->argcap = 0;
	p->offcap = 0;
	p->icap = 0;
	resp_parser_reset(p);
}

#define RESP_SCAN_STALLED ((size_t)-1) /* p->scan: a NUL hides this line's end for good */

size_t resp_parser_need(const struct resp_parser *p)
{
	switch (p->state) {
	case RESP_ST_BULK_DATA:
		return p->pos + (size_t)p->bulklen + 2;
	case RESP_ST_START:
		return 1;
	default:
		/* A stalled line (NUL before its end) only ends at the 64 KiB limit. */
		if (p->scan == RESP_SCAN_STALLED)
			return p->pos + RESP_INLINE_MAX_SIZE + 1;
		/* A line: at least one byte beyond what was searched. */
		return p->pos + p->scan + 1;
	}
}

/* Make room for n argument slots (both arrays). 0 or -ENOMEM. */
static int resp_grow_argv(struct arg **argv, int *cap, int n)
{
	struct arg *na;
	int nc;

	if (n <= *cap)
		return 0;
	nc = *cap ? *cap : RESP_MIN_ARGV;
	while (nc < n)
		nc = nc > INT_MAX / 2 ? INT_MAX : nc * 2;
	na = realloc(*argv, (size_t)nc * sizeof(*na));
	if (!na)
		return -ENOMEM;
	*argv = na;
	*cap = nc;
	return 0;
}

static int resp_grow_off(struct resp_parser *p, int n)
{
	size_t *no;
	int nc;

	if (n <= p->offcap)
		return 0;
	nc = p->offcap ? p->offcap : RESP_MIN_ARGV;
	while (nc < n)
		nc = nc > INT_MAX / 2 ? INT_MAX : nc * 2;
	no = realloc(p->off, (size_t)nc * sizeof(*no));
	if (!no)
		return -ENOMEM;
	p->off = no;
	p->offcap = nc;
	return 0;
}

/*
 * Find byte ch at or after p->pos, looking at no more than RESP_INLINE_MAX_SIZE + 1 bytes
 * from p->pos, resuming where the previous search stopped. Returns 1 and *at (absolute
 * offset) when found, 0 when more bytes are needed, -1 when the line is too long.
 */
static int resp_find_eol(struct resp_parser *p, const char *b, size_t n, char ch, size_t *at)
{
	size_t avail = n - p->pos;
	size_t window = avail < RESP_INLINE_MAX_SIZE + 1 ? avail : RESP_INLINE_MAX_SIZE + 1;

	if (p->scan < window) {
		const char *from = b + p->pos + p->scan;
		const char *hit = memchr(from, ch, window - p->scan);
		const char *end = hit ? hit : b + p->pos + window;

		/* Redis searches with strchr(): a NUL before the line end hides it for good, so
		 * the line can only end by growing past the 64 KiB limit. */
		if (memchr(from, '\0', (size_t)(end - from))) {
			p->scan = RESP_SCAN_STALLED;
			return avail > RESP_INLINE_MAX_SIZE ? -1 : 0;
		}
		if (hit) {
			*at = (size_t)(hit - b);
			p->scan = *at - p->pos; /* found again at once on the next call */
			return 1;
		}
		p->scan = window;
	}
	return avail > RESP_INLINE_MAX_SIZE ? -1 : 0;
}

/* ---- sdssplitargs() semantics (server/splitargs.h) ---- */

int resp_split_args(const char *line, size_t len, char *out, struct arg **argv, int *cap, int *argc)
{
	const char *nul = memchr(line, '\0', len);
	size_t pos = 0, o = 0, n;
	int r;

	/* The line is a C string for sdssplitargs(): it ends at the first NUL. */
	if (nul)
		len = (size_t)(nul - line);
	*argc = 0;
	while ((r = splitargs_next(line, len, &pos, out + o, &n)) > 0) {
		if (*argc == INT_MAX || resp_grow_argv(argv, cap, *argc + 1))
			return -ENOMEM;
		(*argv)[*argc].ptr = out + o;
		(*argv)[*argc].len = n;
		(*argc)++;
		o += n;
	}
	return r;
}

/* ---- request parsing ---- */

static int resp_fail(const char **err, const char *msg)
{
	*err = msg;
	return -EPROTO;
}

/* Inline request. 1 complete (*reqlen set), 0 need more, -EPROTO. */
static int resp_parse_inline(struct resp_parser *p, const char *b, size_t n, size_t *reqlen,
			     const char **err)
{
	size_t nl, linelen;
	int r;

	r = resp_find_eol(p, b, n, '\n', &nl);
	if (r < 0)
		return resp_fail(err, ERR_PROTO_INLINE_TOO_BIG);
	if (r == 0)
		return 0;
	linelen = nl;
	if (linelen > 0 && b[linelen - 1] == '\r')
		linelen--;
	if (linelen + 1 > p->icap) {
		size_t nc = linelen + 1 < 256 ? 256 : linelen + 1;
		char *nb = realloc(p->ibuf, nc);

		if (!nb)
			return resp_fail(err, "ERR Protocol error: out of memory");
		p->ibuf = nb;
		p->icap = nc;
	}
	r = resp_split_args(b, linelen, p->ibuf, &p->argv, &p->argcap, &p->argc);
	if (r == -EINVAL)
		return resp_fail(err, ERR_PROTO_QUOTES);
	if (r)
		return resp_fail(err, "ERR Protocol error: out of memory");
	*reqlen = nl + 1;
	return 1;
}

/* Multibulk request. 1 complete (*reqlen set), 0 need more, -EPROTO. */
static int resp_parse_multibulk(struct resp_parser *p, const char *b, size_t n, size_t *reqlen,
				const char **err)
{
	long long ll;
	size_t cr;
	int r;

	if (p->state == RESP_ST_MBULK_LEN) {
		r = resp_find_eol(p, b, n, '\r', &cr);
		if (r < 0)
			return resp_fail(err, ERR_PROTO_MBULK_TOO_BIG);
		if (r == 0 || cr + 2 > n)
			return 0; /* no line, or '\r' without the byte after it */
		/* b[p->pos] is '*' (that is how the request type was chosen). */
		if (string2ll(b + p->pos + 1, cr - p->pos - 1, &ll) || ll > p->max_multibulk_len ||
		    ll > INT_MAX)
			return resp_fail(err, ERR_PROTO_MBULK_LEN);
		if (ll > RESP_UNAUTH_MAX_MULTIBULK_LEN && p->unauthenticated)
			return resp_fail(err, ERR_PROTO_UNAUTH_MBULK);
		p->pos = cr + 2;
		p->scan = 0;
		p->argc = 0;
		if (ll <= 0) {
			*reqlen = p->pos; /* empty multibulk: skipped by the caller */
			return 1;
		}
		p->remaining = ll;
		p->state = RESP_ST_BULK_LEN;
	}

	while (p->remaining > 0) {
		if (p->state == RESP_ST_BULK_LEN) {
			char first;

			r = resp_find_eol(p, b, n, '\r', &cr);
			if (r < 0)
				return resp_fail(err, ERR_PROTO_BULK_TOO_BIG);
			if (r == 0 || cr + 2 > n)
				return 0;
			first = b[p->pos];
			if (first != '$') {
				/* Redis formats with %c then treats the text as a C string
				 * (a NUL truncates it) and turns CR/LF into spaces. */
				if (first == '\r' || first == '\n')
					first = ' ';
				snprintf(p->errbuf, sizeof(p->errbuf), ERR_PROTO_EXPECTED_FMT,
					 first);
				return resp_fail(err, p->errbuf);
			}
			if (string2ll(b + p->pos + 1, cr - p->pos - 1, &ll) || ll < 0 ||
			    ll > p->max_bulk_len)
				return resp_fail(err, ERR_PROTO_BULK_LEN);
			if (ll > RESP_UNAUTH_MAX_BULK_LEN && p->unauthenticated)
				return resp_fail(err, ERR_PROTO_UNAUTH_BULK);
			p->pos = cr + 2;
			p->scan = 0;
			p->bulklen = ll;
			p->state = RESP_ST_BULK_DATA;
		}
		/* RESP_ST_BULK_DATA: payload plus two (unchecked) terminator bytes. */
		if (n - p->pos < (size_t)p->bulklen + 2)
			return 0;
		if (resp_grow_off(p, p->argc + 1) ||
		    resp_grow_argv(&p->argv, &p->argcap, p->argc + 1))
			return resp_fail(err, "ERR Protocol error: out of memory");
		p->off[p->argc] = p->pos;
		p->argv[p->argc].len = (size_t)p->bulklen;
		p->argc++;
		p->pos += (size_t)p->bulklen + 2;
		p->remaining--;
		p->state = RESP_ST_BULK_LEN;
	}
	*reqlen = p->pos;
	return 1;
}

int resp_parse_request(struct resp_parser *p, const char *buf, size_t len, size_t *consumed,
		       struct arg **argv, int *argc, const char **err)
{
	size_t done = 0;

	*consumed = 0;
	*err = NULL;
	for (;;) {
		const char *b = buf + done;
		size_t n = len - done, reqlen = 0;
		int inline_req, r, i;

		if (p->state == RESP_ST_START) {
			if (n == 0)
				break;
			/* One huge request must not pin big arrays for the connection's
			 * lifetime; the previous command's argv is no longer in use here. */
			if (p->argcap > RESP_ARGV_KEEP || p->offcap > RESP_ARGV_KEEP) {
				free(p->argv);
				free(p->off);
				p->argv = NULL;
				p->off = NULL;
				p->argcap = 0;
				p->offcap = 0;
			}
			p->pos = 0;
			p->scan = 0;
			p->argc = 0;
			p->state = b[0] == '*' ? RESP_ST_MBULK_LEN : RESP_ST_INLINE;
		}
		inline_req = p->state == RESP_ST_INLINE;
		r = inline_req ? resp_parse_inline(p, b, n, &reqlen, err)
			       : resp_parse_multibulk(p, b, n, &reqlen, err);
		if (r < 0)
			return r;
		if (r == 0)
			break;
		done += reqlen;
		p->state = RESP_ST_START;
		p->pos = 0;
		p->scan = 0;
		if (p->argc == 0)
			continue; /* empty request: nothing to run, no reply */
		if (!inline_req)
			for (i = 0; i < p->argc; i++)
				p->argv[i].ptr = b + p->off[i];
		*consumed = done;
		*argv = p->argv;
		*argc = p->argc;
		return 1;
	}
	*consumed = done;
	return 0;
}

/* ---- output buffer ---- */

void obuf_init(struct obuf *o)
{
	memset(o, 0, sizeof(*o));
}

void obuf_free(struct obuf *o)
{
	struct obuf_chunk *ch = o->head, *next;

	while (ch) {
		next = ch->next;
		free(ch);
		ch = next;
	}
	memset(o, 0, sizeof(*o));
}

static struct obuf_chunk *obuf_new_chunk(struct obuf *o, size_t size)
{
	struct obuf_chunk *ch = malloc(sizeof(*ch) + size);

	if (!ch)
		return NULL;
	ch->next = NULL;
	ch->size = size;
	ch->start = 0;
	ch->used = 0;
	ch->deferred = 0;
	if (o->tail)
		o->tail->next = ch;
	else
		o->head = ch;
	o->tail = ch;
	o->mem += sizeof(*ch) + size;
	return ch;
}

/* Size for a new chunk that must hold at least n bytes. */
static size_t obuf_chunk_size(const struct obuf *o, size_t n)
{
	size_t dflt = o->head ? OBUF_CHUNK_SIZE : OBUF_FIRST_CHUNK;

	return n > dflt ? n : dflt;
}

int obuf_append(struct obuf *o, const void *p, size_t n)
{
	struct obuf_chunk *t = o->tail;
	const char *s = p;
	size_t room;

	if (n == 0)
		return 0;
	if (t) {
		room = t->size - t->used;
		if (room >= n) {
			memcpy(t->data + t->used, s, n);
			t->used += n;
			o->len += n;
			return 0;
		}
	}
	/* Allocate first so that a failure appends nothing. */
	room = t ? t->size - t->used : 0;
	if (!obuf_new_chunk(o, obuf_chunk_size(o, n - room)))
		return -ENOMEM;
	if (room) {
		memcpy(t->data + t->used, s, room);
		t->used += room;
		s += room;
		n -= room;
		o->len += room;
	}
	memcpy(o->tail->data, s, n);
	o->tail->used = n;
	o->len += n;
	return 0;
}

char *obuf_reserve(struct obuf *o, size_t n)
{
	struct obuf_chunk *t = o->tail;

	if (t && t->size - t->used >= n)
		return t->data + t->used;
	t = obuf_new_chunk(o, obuf_chunk_size(o, n));
	return t ? t->data : NULL;
}

void obuf_commit(struct obuf *o, size_t n)
{
	o->tail->used += n;
	o->len += n;
}

struct obuf_chunk *obuf_defer(struct obuf *o)
{
	struct obuf_chunk *t = o->tail;

	/* Reuse an empty tail (typically the chunk kept after everything was sent). */
	if (!t || t->used != t->start || t->deferred || t->size < OBUF_DEFER_HEADROOM + 64) {
		t = obuf_new_chunk(o, OBUF_DEFER_HEADROOM + OBUF_DEFER_CHUNK_SIZE);
		if (!t)
			return NULL;
	}
	t->start = OBUF_DEFER_HEADROOM;
	t->used = OBUF_DEFER_HEADROOM;
	t->deferred = 1;
	o->open_defers++;
	return t;
}

void obuf_fill_deferred(struct obuf *o, struct obuf_chunk *ch, const char *hdr, size_t hlen)
{
	if (!ch->deferred || hlen > ch->start) {
		fprintf(stderr, "%s:%d: obuf_fill_deferred on a chunk without headroom\n", __FILE__,
			__LINE__);
		abort();
	}
	ch->start -= hlen;
	memcpy(ch->data + ch->start, hdr, hlen);
	ch->deferred = 0;
	o->len += hlen;
	o->open_defers--;
}

void obuf_consume(struct obuf *o, size_t n)
{
	if (n > o->len) {
		fprintf(stderr, "%s:%d: obuf_consume(%zu) > pending %zu\n", __FILE__, __LINE__, n,
			o->len);
		abort();
	}
	while (o->head) {
		struct obuf_chunk *ch = o->head;
		size_t take = ch->used - ch->start;

		if (ch->deferred)
			break; /* nothing behind an unfilled header was handed out */
		if (take > n)
			take = n;
		ch->start += take;
		n -= take;
		o->len -= take;
		if (ch->start != ch->used)
			break; /* partially sent */
		if (ch->next) {
			o->head = ch->next;
			o->mem -= sizeof(*ch) + ch->size;
			free(ch);
			continue;
		}
		/* Last chunk emptied: keep a normal-sized one for the next reply. */
		if (ch->size <= OBUF_CHUNK_SIZE) {
			ch->start = 0;
			ch->used = 0;
		} else {
			o->mem -= sizeof(*ch) + ch->size;
			free(ch);
			o->head = NULL;
			o->tail = NULL;
		}
		break;
	}
	if (n) {
		fprintf(stderr, "%s:%d: obuf_consume: %zu bytes behind a deferred header\n",
			__FILE__, __LINE__, n);
		abort();
	}
}

void obuf_trim(struct obuf *o)
{
	if (o->head && o->head == o->tail && o->len == 0 && !o->head->deferred) {
		o->mem -= sizeof(*o->head) + o->head->size;
		free(o->head);
		o->head = NULL;
		o->tail = NULL;
	}
}

int obuf_iov_from(const struct obuf *o, size_t skip, struct iovec *iov, int max)
{
	const struct obuf_chunk *ch;
	int k = 0;

	for (ch = o->head; ch && k < max; ch = ch->next) {
		size_t avail;

		if (ch->deferred)
			break; /* bytes behind an unfilled header are not ready */
		avail = ch->used - ch->start;
		if (skip >= avail) {
			skip -= avail;
			continue;
		}
		iov[k].iov_base = (void *)(ch->data + ch->start + skip);
		iov[k].iov_len = avail - skip;
		skip = 0;
		k++;
	}
	return k;
}

int obuf_iov(const struct obuf *o, struct iovec *iov, int max)
{
	return obuf_iov_from(o, 0, iov, max);
}

size_t obuf_copy(const struct obuf *o, char *dst, size_t cap)
{
	const struct obuf_chunk *ch;
	size_t k = 0;

	for (ch = o->head; ch; ch = ch->next) {
		size_t avail = ch->used - ch->start;

		if (ch->deferred)
			break;
		if (avail > cap - k)
			avail = cap - k;
		memcpy(dst + k, ch->data + ch->start, avail);
		k += avail;
	}
	return k;
}
