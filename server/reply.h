/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * reply.h - encode replies into a client's output buffer (c->out), RESP2 or RESP3.
 *
 * Every command replies only through these functions, so that:
 *  - the protocol version (c->resp: 2 or 3, set by HELLO) is handled in one place: RESP3
 *    types (map %, set ~, null _, bool #, double ',', verbatim =, big number '(') degrade to
 *    their RESP2 forms exactly as Redis 7 does (map -> flat array of 2n, null -> $-1 / *-1,
 *    bool -> :0/:1, double -> bulk string, verbatim -> bulk, big number -> bulk);
 *  - CLIENT REPLY OFF / SKIP and killed clients drop bytes in one place: nothing is
 *    appended while c->flags has CLIENT_REPLY_OFF, CLIENT_REPLY_SKIP or CLIENT_CLOSE_ASAP
 *    (Redis's prepareClientToWrite()). CLIENT_CLOSE_AFTER_REPLY does not drop: QUIT may
 *    set it before or after replying +OK; the connection code stops running commands.
 *  - error replies are counted (srv.stats.total_error_replies) and sanitized: CR/LF inside an
 *    error text become spaces so a reply can never break the stream.
 *
 * Only c->out, c->resp and c->flags are touched (plus c->argv/argc by the
 * reply_unknown_* helpers). Single-threaded like the rest of the command path.
 * Allocation failure while appending is not reported to the command: the client gets
 * CLIENT_CLOSE_ASAP (its reply stream would be corrupt), as Redis treats an unrecoverable
 * output buffer condition.
 *
 * Numbers: reply_double() uses Redis 7.0's addReplyDouble() format: "%.17g", "inf"/"-inf"
 * (RESP2 bulk, RESP3 ",..."). INCRBYFLOAT and friends print with ld2string(LD_STR_HUMAN)
 * from util.h and reply_bulk() the result, as Redis does.
 */
#ifndef ARENAKV_REPLY_H
#define ARENAKV_REPLY_H

#include <stddef.h>

struct client;
struct arg;
struct obuf_chunk;

void reply_raw(struct client *c, const void *p, size_t n); /* preformatted protocol bytes */
void reply_simple(struct client *c, const char *s);	   /* +s */
void reply_ok(struct client *c);			   /* +OK */
void reply_error(struct client *c, const char *msg);	   /* -msg; msg has its code: "ERR ..." */
void reply_errorf(struct client *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void reply_int(struct client *c, long long v);		      /* :v */
void reply_bulk(struct client *c, const void *p, size_t n);   /* $n */
void reply_cstr(struct client *c, const char *s);	      /* bulk of a C string, NULL -> null */
void reply_bulk_ll(struct client *c, long long v);	      /* integer as a bulk string */
void reply_null(struct client *c);			      /* $-1 / _ */
void reply_null_array(struct client *c);		      /* *-1 / _ */
void reply_empty_array(struct client *c);		      /* *0 */
void reply_array(struct client *c, long n);		      /* *n */
void reply_map(struct client *c, long n);		      /* *2n / %n  (n = pairs) */
void reply_set(struct client *c, long n);		      /* *n / ~n */
void reply_double(struct client *c, double d);		      /* bulk / , ; Redis 7.0 format */
void reply_bool(struct client *c, int b);		      /* :1 :0 / #t #f */
void reply_bignum(struct client *c, const char *p, size_t n); /* bulk / ( */
/* Verbatim string (INFO, CLIENT LIST...): RESP3 "=<n+4>\r\n<ext>:<text>", ext is 3 chars
 * ("txt", "mkd"); RESP2 plain bulk. */
void reply_verbatim(struct client *c, const char *p, size_t n, const char *ext);

/* Deferred aggregate length, for replies whose element count is known only at the end:
 *	void *h = reply_deferred_len(c);  ...emit n elements...  reply_set_deferred_array(c, h, n);
 * h may be NULL (reply suppressed or out of memory); the setters accept NULL. Exactly one
 * setter must be called for every non-NULL h, before the command returns. Nesting is fine. */
void *reply_deferred_len(struct client *c);
void reply_set_deferred_array(struct client *c, void *h, long n);
void reply_set_deferred_map(struct client *c, void *h, long pairs); /* *2n / %n */
void reply_set_deferred_set(struct client *c, void *h, long n);	    /* *n / ~n */

/* Redis's addReplyHelp(): status lines "<CMD> <subcommand> [<arg> ...]. Subcommands are:",
 * then the NULL-terminated lines, then "HELP" / "    Prints this help.". CMD is argv[0]
 * upper-cased. */
void reply_help(struct client *c, const char **lines);
/* ERR_UNKNOWN_CMD_FMT with Redis 7's quoting of the first args of c->argv. */
void reply_unknown_command(struct client *c);
/* ERR_UNKNOWN_SUBCMD_FMT from c->argv[1] and upper-case c->argv[0]. */
void reply_unknown_subcommand(struct client *c);
/* ERR_ARITY_FMT with the given (lower-case) command name. */
void reply_wrong_arity(struct client *c, const char *name);

/* Parse an argument or reply the error and return nonzero (Redis's ...FromObjectOrReply).
 * msg NULL -> ERR_NOT_INT / ERR_NOT_FLOAT. Return 0 on success, -EINVAL after replying. */
int arg_ll_or_reply(struct client *c, const struct arg *a, long long *v, const char *msg);
int arg_long_or_reply(struct client *c, const struct arg *a, long *v, const char *msg);
int arg_double_or_reply(struct client *c, const struct arg *a, double *v, const char *msg);
int arg_ld_or_reply(struct client *c, const struct arg *a, long double *v, const char *msg);
/* [min, max] range-checked; out of range replies msg or "ERR value is out of range". */
int arg_range_or_reply(struct client *c, const struct arg *a, long long min, long long max,
		       long long *v, const char *msg);

/* 1 if replies are currently dropped for c (REPLY OFF/SKIP, closing). */
int reply_suppressed(const struct client *c);

#endif /* ARENAKV_REPLY_H */
