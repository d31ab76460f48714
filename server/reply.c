// SPDX-License-Identifier: BSD-2-Clause
/*
 * reply.c - RESP2/RESP3 reply encoding into c->out (see reply.h for the contract).
 *
 * Every function funnels into reply_put()/reply_hdr(), which check the suppression flags
 * once and append to the chunked output buffer (resp.c). Small replies are formatted into
 * a stack buffer and appended in one memcpy; bulk payloads larger than a chunk go straight
 * from the caller's memory into a chunk sized for them (one copy, no intermediate buffer).
 *
 * Error texts are sanitized (CR and LF become spaces) the way Redis 7's
 * addReplyErrorFormat() does, and applied to reply_error() too: a newline in an error
 * would otherwise desynchronize every client library.
 *
 * An allocation failure cannot be reported to the command (replies have no return
 * value, as in Redis), and a reply with a hole would corrupt the stream, so the client is
 * marked CLIENT_CLOSE_ASAP and everything after is dropped.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "errors.h"
#include "reply.h"
#include "server.h"
#include "util.h"

#define REPLY_SUPPRESS (CLIENT_REPLY_OFF | CLIENT_REPLY_SKIP | CLIENT_CLOSE_ASAP)

int reply_suppressed(const struct client *c)
{
	return (c->flags & REPLY_SUPPRESS) != 0;
}

static void reply_put(struct client *c, const void *p, size_t n)
{
	if (reply_suppressed(c))
		return;
	if (obuf_append(&c->out, p, n))
		c->flags |= CLIENT_CLOSE_ASAP;
}

/* "<type><n>\r\n" */
static size_t reply_fmt_hdr(char *buf, char type, long long n)
{
	size_t l;

	buf[0] = type;
	l = 1 + ll2string(buf + 1, 24, n);
	buf[l++] = '\r';
	buf[l++] = '\n';
	return l;
}

static void reply_hdr(struct client *c, char type, long long n)
{
	char buf[32];

	reply_put(c, buf, reply_fmt_hdr(buf, type, n));
}

void reply_raw(struct client *c, const void *p, size_t n)
{
	reply_put(c, p, n);
}

/* Append "<type><text>\r\n" with CR/LF in text turned into spaces. */
static void reply_line(struct client *c, char type, const char *s, size_t n)
{
	char *d;
	size_t i;

	if (reply_suppressed(c))
		return;
	d = obuf_reserve(&c->out, n + 3);
	if (!d) {
		c->flags |= CLIENT_CLOSE_ASAP;
		return;
	}
	d[0] = type;
	memcpy(d + 1, s, n);
	for (i = 1; i <= n; i++)
		if (d[i] == '\r' || d[i] == '\n')
			d[i] = ' ';
	d[n + 1] = '\r';
	d[n + 2] = '\n';
	obuf_commit(&c->out, n + 3);
}

void reply_simple(struct client *c, const char *s)
{
	reply_line(c, '+', s, strlen(s));
}

void reply_ok(struct client *c)
{
	reply_put(c, "+OK\r\n", 5);
}

static void reply_error_len(struct client *c, const char *msg, size_t n)
{
	/* Counted even when the bytes are dropped, as Redis's afterErrorReply(). */
	srv.stats.total_error_replies++;
	reply_line(c, '-', msg, n);
}

void reply_error(struct client *c, const char *msg)
{
	reply_error_len(c, msg, strlen(msg));
}

static void reply_verrorf(struct client *c, const char *fmt, va_list ap)
{
	char stackbuf[1024], *buf = stackbuf;
	va_list cp;
	int n;

	va_copy(cp, ap);
	n = vsnprintf(stackbuf, sizeof(stackbuf), fmt, cp);
	va_end(cp);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(stackbuf)) {
		buf = malloc((size_t)n + 1);
		if (!buf) {
			c->flags |= CLIENT_CLOSE_ASAP;
			return;
		}
		vsnprintf(buf, (size_t)n + 1, fmt, ap);
	}
	/* strlen, not n: like Redis (sdscat of the formatted text) a NUL printed by %c
	 * ends the message. */
	reply_error_len(c, buf, strlen(buf));
	if (buf != stackbuf)
		free(buf);
}

void reply_errorf(struct client *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	reply_verrorf(c, fmt, ap);
	va_end(ap);
}

void reply_int(struct client *c, long long v)
{
	reply_hdr(c, ':', v);
}

void reply_bulk(struct client *c, const void *p, size_t n)
{
	char *d;
	size_t h;

	if (reply_suppressed(c))
		return;
	if (n <= OBUF_CHUNK_SIZE) {
		/* Header, payload and CRLF in one contiguous reservation. */
		d = obuf_reserve(&c->out, n + 32);
		if (!d) {
			c->flags |= CLIENT_CLOSE_ASAP;
			return;
		}
		h = reply_fmt_hdr(d, '$', (long long)n);
		memcpy(d + h, p, n);
		d[h + n] = '\r';
		d[h + n + 1] = '\n';
		obuf_commit(&c->out, h + n + 2);
		return;
	}
	reply_hdr(c, '$', (long long)n);
	reply_put(c, p, n);
	reply_put(c, "\r\n", 2);
}

void reply_cstr(struct client *c, const char *s)
{
	if (!s)
		reply_null(c);
	else
		reply_bulk(c, s, strlen(s));
}

void reply_bulk_ll(struct client *c, long long v)
{
	char buf[LONG_STR_SIZE + 1];

	reply_bulk(c, buf, ll2string(buf, sizeof(buf), v));
}

void reply_null(struct client *c)
{
	if (c->resp >= 3)
		reply_put(c, "_\r\n", 3);
	else
		reply_put(c, "$-1\r\n", 5);
}

void reply_null_array(struct client *c)
{
	if (c->resp >= 3)
		reply_put(c, "_\r\n", 3);
	else
		reply_put(c, "*-1\r\n", 5);
}

void reply_empty_array(struct client *c)
{
	reply_put(c, "*0\r\n", 4);
}

void reply_array(struct client *c, long n)
{
	reply_hdr(c, '*', n);
}

void reply_map(struct client *c, long n)
{
	if (c->resp >= 3)
		reply_hdr(c, '%', n);
	else
		reply_hdr(c, '*', 2LL * n);
}

void reply_set(struct client *c, long n)
{
	reply_hdr(c, c->resp >= 3 ? '~' : '*', n);
}

void reply_double(struct client *c, double d)
{
	char dbuf[MAX_D2STRING_CHARS];
	int n;

	if (isinf(d)) {
		/* Spelled out: libcs disagree on how "%g" prints infinity. */
		if (c->resp >= 3)
			reply_put(c, d > 0 ? ",inf\r\n" : ",-inf\r\n", d > 0 ? 6 : 7);
		else
			reply_cstr(c, d > 0 ? "inf" : "-inf");
		return;
	}
	n = snprintf(dbuf, sizeof(dbuf), "%.17g", d);
	if (n < 0)
		return;
	if (c->resp >= 3) {
		char buf[MAX_D2STRING_CHARS + 4];

		buf[0] = ',';
		memcpy(buf + 1, dbuf, (size_t)n);
		buf[n + 1] = '\r';
		buf[n + 2] = '\n';
		reply_put(c, buf, (size_t)n + 3);
	} else {
		reply_bulk(c, dbuf, (size_t)n);
	}
}

void reply_bool(struct client *c, int b)
{
	if (c->resp >= 3)
		reply_put(c, b ? "#t\r\n" : "#f\r\n", 4);
	else
		reply_put(c, b ? ":1\r\n" : ":0\r\n", 4);
}

void reply_bignum(struct client *c, const char *p, size_t n)
{
	if (c->resp >= 3) {
		reply_put(c, "(", 1);
		reply_put(c, p, n);
		reply_put(c, "\r\n", 2);
	} else {
		reply_bulk(c, p, n);
	}
}

void reply_verbatim(struct client *c, const char *p, size_t n, const char *ext)
{
	char buf[40];
	size_t h;

	if (c->resp < 3) {
		reply_bulk(c, p, n);
		return;
	}
	h = reply_fmt_hdr(buf, '=', (long long)n + 4);
	memcpy(buf + h, ext, 3);
	buf[h + 3] = ':';
	reply_put(c, buf, h + 4);
	reply_put(c, p, n);
	reply_put(c, "\r\n", 2);
}

/* ---- deferred lengths ---- */

void *reply_deferred_len(struct client *c)
{
	struct obuf_chunk *ch;

	if (reply_suppressed(c))
		return NULL;
	ch = obuf_defer(&c->out);
	if (!ch)
		c->flags |= CLIENT_CLOSE_ASAP;
	return ch;
}

static void reply_set_deferred(struct client *c, void *h, char type, long long n)
{
	char buf[32];

	if (!h)
		return;
	obuf_fill_deferred(&c->out, h, buf, reply_fmt_hdr(buf, type, n));
}

void reply_set_deferred_array(struct client *c, void *h, long n)
{
	reply_set_deferred(c, h, '*', n);
}

void reply_set_deferred_map(struct client *c, void *h, long pairs)
{
	if (c->resp >= 3)
		reply_set_deferred(c, h, '%', pairs);
	else
		reply_set_deferred(c, h, '*', 2LL * pairs);
}

void reply_set_deferred_set(struct client *c, void *h, long n)
{
	reply_set_deferred(c, h, c->resp >= 3 ? '~' : '*', n);
}

/* ---- canned replies ---- */

/* Copy an argument as Redis's "%.*s" sees an sds: stop at NUL or at max bytes. */
static size_t reply_cpy_arg(char *dst, const struct arg *a, size_t max)
{
	size_t n = a->len < max ? a->len : max;
	const char *nul = memchr(a->ptr, '\0', n);

	if (nul)
		n = (size_t)(nul - a->ptr);
	memcpy(dst, a->ptr, n);
	dst[n] = '\0';
	return n;
}

void reply_help(struct client *c, const char **lines)
{
	char cmd[129], hdr[200];
	void *h = reply_deferred_len(c);
	long n = 0;
	size_t i, l;

	l = c->argc > 0 ? reply_cpy_arg(cmd, &c->argv[0], 128) : 0;
	cmd[l] = '\0';
	for (i = 0; i < l; i++)
		cmd[i] = (char)toupper((unsigned char)cmd[i]);
	snprintf(hdr, sizeof(hdr),
		 "%s <subcommand> [<arg> [value] [opt] ...]. Subcommands are:", cmd);
	reply_simple(c, hdr);
	while (lines[n])
		reply_simple(c, lines[n++]);
	reply_simple(c, "HELP");
	reply_simple(c, "    Prints this help.");
	reply_set_deferred_array(c, h, n + 3);
}

void reply_unknown_command(struct client *c)
{
	/* Redis: for each arg while the list is under 128 bytes, append "'%.*s' " with the
	 * precision being what is left of 128. */
	char args[128 + 4 + 1], name[129];
	size_t l = 0;
	int i;

	args[0] = '\0';
	for (i = 1; i < c->argc && l < 128; i++) {
		args[l++] = '\'';
		l += reply_cpy_arg(args + l, &c->argv[i], 128 - (l - 1));
		args[l++] = '\'';
		args[l++] = ' ';
		args[l] = '\0';
	}
	if (c->argc > 0)
		reply_cpy_arg(name, &c->argv[0], 128);
	else
		name[0] = '\0';
	reply_errorf(c, ERR_UNKNOWN_CMD_FMT, name, args);
}

void reply_unknown_subcommand(struct client *c)
{
	char cmd[129], sub[129];
	size_t i, l;

	l = c->argc > 0 ? reply_cpy_arg(cmd, &c->argv[0], 128) : 0;
	cmd[l] = '\0';
	for (i = 0; i < l; i++)
		cmd[i] = (char)toupper((unsigned char)cmd[i]);
	if (c->argc > 1)
		reply_cpy_arg(sub, &c->argv[1], 128);
	else
		sub[0] = '\0';
	reply_errorf(c, ERR_UNKNOWN_SUBCMD_FMT, sub, cmd);
}

void reply_wrong_arity(struct client *c, const char *name)
{
	reply_errorf(c, ERR_ARITY_FMT, name);
}

/* ---- argument parsing with error replies ---- */

int arg_ll_or_reply(struct client *c, const struct arg *a, long long *v, const char *msg)
{
	if (string2ll(a->ptr, a->len, v)) {
		reply_error(c, msg ? msg : ERR_NOT_INT);
		return -EINVAL;
	}
	return 0;
}

int arg_long_or_reply(struct client *c, const struct arg *a, long *v, const char *msg)
{
	long long ll;

	if (arg_ll_or_reply(c, a, &ll, msg))
		return -EINVAL;
	if (ll < LONG_MIN || ll > LONG_MAX) {
		reply_error(c, msg ? msg : "ERR value is out of range");
		return -EINVAL;
	}
	*v = (long)ll;
	return 0;
}

int arg_double_or_reply(struct client *c, const struct arg *a, double *v, const char *msg)
{
	if (string2d(a->ptr, a->len, v)) {
		reply_error(c, msg ? msg : ERR_NOT_FLOAT);
		return -EINVAL;
	}
	return 0;
}

int arg_ld_or_reply(struct client *c, const struct arg *a, long double *v, const char *msg)
{
	if (string2ld(a->ptr, a->len, v)) {
		reply_error(c, msg ? msg : ERR_NOT_FLOAT);
		return -EINVAL;
	}
	return 0;
}

int arg_range_or_reply(struct client *c, const struct arg *a, long long min, long long max,
		       long long *v, const char *msg)
{
	if (arg_ll_or_reply(c, a, v, msg))
		return -EINVAL;
	if (*v < min || *v > max) {
		if (msg)
			reply_error(c, msg);
		else
			reply_errorf(c,
				     "ERR value is out of range, value must between %lld and %lld",
				     min, max);
		return -EINVAL;
	}
	return 0;
}
