// SPDX-License-Identifier: BSD-2-Clause
/*
 * t_zset.c - the sorted-set commands with Redis 7 semantics, replies and error texts:
 * ZADD ZINCRBY ZSCORE ZMSCORE ZCARD ZCOUNT ZLEXCOUNT ZRANK ZREVRANK ZRANGE ZRANGEBYSCORE
 * ZREVRANGEBYSCORE ZRANGEBYLEX ZREVRANGEBYLEX ZREVRANGE ZRANGESTORE ZREM ZREMRANGEBYRANK
 * ZREMRANGEBYSCORE ZREMRANGEBYLEX ZPOPMIN ZPOPMAX ZRANDMEMBER ZSCAN, and the command table for
 * all of them including the set algebra (ZUNION ZINTER ZDIFF, *STORE, ZINTERCARD), which lives
 * in t_zset_setops.c.
 *
 * The data structure is index/zset.h (skip list + member hash in the arena, owned by the zsl
 * module). A key of type KV_ZSET holds, as its 8-byte inline value, the arena pointer of its
 * struct zset. This file only drives that API; it never touches nodes or levels itself.
 *
 * How writes are shaped (the same two shapes as t_string.c, for the same reasons):
 *  - a new key (ZADD on a missing key, every *STORE destination) is built completely in a zset
 *    nobody can see, then its key entry is made and db_link()ed: a lock-free reader finds the
 *    old value or the whole new one. If the arena fills up half-way, the unlinked zset is freed
 *    and the client gets -OOM with nothing changed.
 *  - an existing zset is edited in place through zset_add/zset_rem/zset_delete_range_*, which
 *    wrap every change in the zset's own seqlock (zset.h's concurrency contract); nothing here
 *    needs kv_write_begin() on the key entry because the key entry itself does not change.
 * After every change the key is reported to WATCH (db_signal_modified) and srv.dirty counts the
 * changed members, as Redis's server.dirty does. A zset that becomes empty is deleted with
 * db_delete_entry() (Redis never keeps an empty sorted set).
 *
 * Ownership of struct zset: the key entry owns it. Freeing the entry (kv_free, called by db.c
 * and htab.c on DEL, overwrite, expiry, eviction, FLUSH) frees the zset after the entry's seq
 * went odd (the order zset.h requires); index/htab.c's kv_free() does it, and
 * kv_free_keep_val() (RENAME's shared value) does not. This file calls zset_free() only on
 * zsets it built and never linked.
 *
 * Result emission: range commands feed one "sink" (struct zc_sink) that either writes the reply
 * (RESP2: flat member/score list; RESP3 with scores: an array of [member, score] pairs, as Redis
 * 7 does) or inserts into the zset being built for ZRANGESTORE. Replies whose length is only
 * known at the end use reply_deferred_len().
 *
 * Order of checks (which error wins) follows Redis 7.0.15: arguments are parsed before the key
 * is looked up, except where Redis does otherwise (ZSCAN options, noted there).
 *
 * Where replies knowingly depend on Redis's encodings (small zsets are listpacks there):
 *  - ZSCAN answers a zset of <= 128 members in one call, in order, with cursor 0 (listpack);
 *    bigger ones are scanned through the member hash with reverse-binary cursors (dictScan).
 *  - a score of -0 is stored as 0 by ZADD/ZINCRBY and by the *STORE commands (a small Redis
 *    zset prints "0"); a direct ZUNION/ZINTER reply keeps "-0" as Redis's skiplist does.
 *  - ZRANK/ZREVRANK accept Redis 7.2's WITHSCORE (7.0 refuses it with an arity error).
 * Cost: like Redis, range and set-algebra commands are O(log n + m) / O(total members) in one
 * call; nothing here runs in steps.
 *
 * Threading: event-loop thread only, like every command module.
 */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "db.h"
#include "errors.h"
#include "reply.h"
#include "server.h"
#include "t_zset.h"
#include "util.h"
#include "zset.h"

#define ERR_ZSET_NAN	  "ERR resulting score is not a number (NaN)"
#define ERR_ZADD_XX_NX	  "ERR XX and NX options at the same time are not compatible"
#define ERR_ZADD_GT_LT_NX "ERR GT, LT, and/or NX options at the same time are not compatible"
#define ERR_ZADD_INCR	  "ERR INCR option supports a single increment-element pair"
#define ERR_MINMAX_FLOAT  "ERR min or max is not a float"
#define ERR_MINMAX_LEX	  "ERR min or max not valid string range item"
#define ERR_ZRANGE_LIMIT                                                                           \
	"ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX"
#define ERR_ZRANGE_LEX_SCORES "ERR syntax error, WITHSCORES not supported in combination with BYLEX"

/* Redis's zset-max-listpack-entries default: a zset this small is scanned in one ZSCAN call. */
#define ZC_SCAN_SMALL 128

/* ---- helpers -------------------------------------------------------------------------------- */

int zsetcmd_wrongtype(struct client *c, const struct kv_entry *e)
{
	if (e && e->type != KV_ZSET) {
		reply_error(c, ERR_WRONGTYPE);
		return 1;
	}
	return 0;
}

static void zc_modified(struct client *c, const struct arg *key, unsigned long long n)
{
	srv.dirty += n;
	db_signal_modified(c->db, key->ptr, key->len);
}

/*
 * Make z the value of key in the client's db, replacing old (the live entry under key, any type,
 * or NULL). z must be complete and unlinked. On success the key owns z; on failure z is freed and
 * -ENOMEM returned (old untouched).
 */
static int zc_link_new(struct client *c, const struct arg *key, struct zset *z,
		       struct kv_entry *old)
{
	struct kv_entry *e;

	e = db_new_entry(c->db, KV_ZSET, key->ptr, key->len, sizeof(z), sizeof(z));
	if (!e) {
		zset_free(z);
		return -ENOMEM;
	}
	memcpy((void *)kv_val(e), &z, sizeof(z));
	/* db_link frees z with e if the insert fails (kv_free owns the zset of a KV_ZSET entry). */
	return db_link(c->db, e, old, 0, 0);
}

/* Delete the zset key e if it became empty. 1 when it was deleted. */
static int zc_delete_if_empty(struct client *c, struct kv_entry *e)
{
	if (zset_card(zset_of(e)))
		return 0;
	db_delete_entry(c->db, e);
	return 1;
}

/* ---- range parsing -------------------------------------------------------------------------- */

/*
 * One end of a score range, Redis's zslParseRange(): an optional '(' for exclusive, then what
 * strtod() accepts up to the end of the string (so "", " 1" and "inf" are valid, "nan" is not).
 */
static int zc_parse_score_end(const struct arg *a, double *v, int *ex)
{
	char stackbuf[128], *buf = stackbuf, *end;
	const char *p = a->ptr;
	size_t n = a->len;
	int ret = 0;

	*ex = 0;
	if (n && p[0] == '(') {
		*ex = 1;
		p++;
		n--;
	}
	if (n >= sizeof(stackbuf)) {
		buf = malloc(n + 1);
		if (!buf)
			return -ENOMEM;
	}
	memcpy(buf, p, n);
	buf[n] = '\0';
	*v = strtod(buf, &end);
	/* strtod stops at an embedded NUL exactly as it does on Redis's sds */
	if (*end != '\0' || isnan(*v))
		ret = -EINVAL;
	if (buf != stackbuf)
		free(buf);
	return ret;
}

static int zc_parse_range(const struct arg *min, const struct arg *max, struct zset_range *r)
{
	if (zc_parse_score_end(min, &r->min, &r->minex) ||
	    zc_parse_score_end(max, &r->max, &r->maxex))
		return -EINVAL;
	return 0;
}

/* One end of a lex range, Redis's zslParseLexRangeItem(): "+", "-", "[member" or "(member". */
static int zc_parse_lex_end(const struct arg *a, const void **p, __u32 *len, __u8 *kind, __u8 *ex)
{
	if (a->len == 0 || a->len > UINT32_MAX)
		return -EINVAL;
	*p = NULL;
	*len = 0;
	*ex = 0;
	switch (a->ptr[0]) {
	case '+':
		if (a->len != 1)
			return -EINVAL;
		*kind = ZSET_LEX_POS_INF;
		return 0;
	case '-':
		if (a->len != 1)
			return -EINVAL;
		*kind = ZSET_LEX_NEG_INF;
		return 0;
	case '(':
		*ex = 1;
		/* fall through */
	case '[':
		*kind = ZSET_LEX_VALUE;
		*p = a->ptr + 1;
		*len = (__u32)(a->len - 1);
		return 0;
	default:
		return -EINVAL;
	}
}

static int zc_parse_lex_range(const struct arg *min, const struct arg *max,
			      struct zset_lex_range *r)
{
	if (zc_parse_lex_end(min, &r->min, &r->minlen, &r->minkind, &r->minex) ||
	    zc_parse_lex_end(max, &r->max, &r->maxlen, &r->maxkind, &r->maxex))
		return -EINVAL;
	return 0;
}

/* memcmp order of two members, shorter first on a common prefix (sdscmp). */
static int zc_memcmp(const void *a, size_t alen, const void *b, size_t blen)
{
	int d = memcmp(a, b, alen < blen ? alen : blen);

	if (d)
		return d;
	return alen < blen ? -1 : alen > blen ? 1 : 0;
}

/* Redis's zslLexValueGteMin / zslLexValueLteMax: one end each, as the range walks check. */
static int zc_lex_gte_min(const struct kv_entry *n, const struct zset_lex_range *r)
{
	__u32 len;
	const void *m;
	int d;

	if (r->minkind == ZSET_LEX_NEG_INF)
		return 1;
	if (r->minkind == ZSET_LEX_POS_INF)
		return 0;
	m = zset_node_member(n, &len);
	d = zc_memcmp(m, len, r->min, r->minlen);
	return r->minex ? d > 0 : d >= 0;
}

static int zc_lex_lte_max(const struct kv_entry *n, const struct zset_lex_range *r)
{
	__u32 len;
	const void *m;
	int d;

	if (r->maxkind == ZSET_LEX_POS_INF)
		return 1;
	if (r->maxkind == ZSET_LEX_NEG_INF)
		return 0;
	m = zset_node_member(n, &len);
	d = zc_memcmp(m, len, r->max, r->maxlen);
	return r->maxex ? d < 0 : d <= 0;
}

static int zc_score_gte_min(double s, const struct zset_range *r)
{
	return r->minex ? s > r->min : s >= r->min;
}

static int zc_score_lte_max(double s, const struct zset_range *r)
{
	return r->maxex ? s < r->max : s <= r->max;
}

/* Rank range normalisation shared by ZRANGE and ZREMRANGEBYRANK (Redis's rules). 0 when the
 * range [*start, *end] is non-empty after clamping, -ERANGE when it is empty. */
static int zc_clamp_ranks(long long *start, long long *end, long long llen)
{
	if (*start < 0)
		*start += llen;
	if (*end < 0)
		*end += llen;
	if (*start < 0)
		*start = 0;
	if (*start > *end || *start >= llen)
		return -ERANGE;
	if (*end >= llen)
		*end = llen - 1;
	return 0;
}

/* ---- result sink ---------------------------------------------------------------------------- */

/* Where a range goes: the reply (with or without scores) or a zset being built (STORE). */
struct zc_sink {
	struct client *c;
	int withscores;
	struct zset *store; /* non-NULL: insert here instead of replying */
	void *h;	    /* deferred array length */
	long n;		    /* members emitted */
	int err;	    /* first insert error (store) */
};

static void zc_sink_begin(struct zc_sink *s, struct client *c, int withscores, struct zset *store)
{
	s->c = c;
	s->withscores = withscores;
	s->store = store;
	s->h = store ? NULL : reply_deferred_len(c);
	s->n = 0;
	s->err = 0;
}

/* A member/score pair as Redis replies it: RESP3 with scores -> [m, s] pairs. */
static void zc_reply_pair(struct client *c, const void *m, size_t len, double score, int withscores)
{
	if (withscores && c->resp > 2)
		reply_array(c, 2);
	reply_bulk(c, m, len);
	if (withscores)
		reply_double(c, score);
}

static void zc_sink_emit(struct zc_sink *s, const struct kv_entry *node)
{
	__u32 len;
	const void *m = zset_node_member(node, &len);
	double score = zset_node_score(node);

	if (s->store) {
		int out, err;

		if (s->err)
			return;
		err = zset_add(s->store, m, len, score, 0, &out, NULL);
		if (err)
			s->err = err;
		else
			s->n++;
		return;
	}
	zc_reply_pair(s->c, m, len, score, s->withscores);
	s->n++;
}

static void zc_sink_end(struct zc_sink *s)
{
	if (s->store)
		return;
	reply_set_deferred_array(s->c, s->h, s->withscores && s->c->resp == 2 ? s->n * 2 : s->n);
}

/* ---- copy (COPY) ----------------------------------------------------------------------------- */

int zsetcmd_clone(const struct kv_entry *e, struct zset **out)
{
	struct zset *src = zset_of(e), *z;
	struct kv_entry *node;

	*out = NULL;
	z = zset_new();
	if (!z)
		return -ENOMEM;
	for (node = zset_first(src); node; node = zset_next(node)) {
		__u32 len;
		const void *m = zset_node_member(node, &len);
		int o;

		if (zset_add(z, m, len, zset_node_score(node), 0, &o, NULL)) {
			zset_free(z);
			return -ENOMEM;
		}
	}
	*out = z;
	return 0;
}

/* ---- ZADD / ZINCRBY ------------------------------------------------------------------------- */

#define ZC_NX	(1 << 0)
#define ZC_XX	(1 << 1)
#define ZC_CH	(1 << 2)
#define ZC_INCR (1 << 3)
#define ZC_GT	(1 << 4)
#define ZC_LT	(1 << 5)

/*
 * Redis's zaddGenericCommand(): options, then "score member" pairs all parsed before anything
 * is written (all or nothing for parse errors), then the key. flags may preset ZC_INCR (ZINCRBY).
 */
static void zc_zadd_generic(struct client *c, int flags)
{
	const struct arg *key = &c->argv[1];
	int scoreidx = 2, elements, j, zflags = 0;
	long added = 0, updated = 0, processed = 0;
	double *scores = NULL, score = 0;
	struct kv_entry *e;
	struct zset *z, *fresh = NULL;
	int err = 0;

	while (scoreidx < c->argc) {
		const struct arg *o = &c->argv[scoreidx];

		if (arg_is(o, "nx"))
			flags |= ZC_NX;
		else if (arg_is(o, "xx"))
			flags |= ZC_XX;
		else if (arg_is(o, "ch"))
			flags |= ZC_CH;
		else if (arg_is(o, "incr"))
			flags |= ZC_INCR;
		else if (arg_is(o, "gt"))
			flags |= ZC_GT;
		else if (arg_is(o, "lt"))
			flags |= ZC_LT;
		else
			break;
		scoreidx++;
	}
	elements = c->argc - scoreidx;
	if (elements % 2 || !elements) {
		reply_error(c, ERR_SYNTAX);
		return;
	}
	elements /= 2;
	if ((flags & ZC_NX) && (flags & ZC_XX)) {
		reply_error(c, ERR_ZADD_XX_NX);
		return;
	}
	if (((flags & ZC_GT) && (flags & ZC_NX)) || ((flags & ZC_LT) && (flags & ZC_NX)) ||
	    ((flags & ZC_GT) && (flags & ZC_LT))) {
		reply_error(c, ERR_ZADD_GT_LT_NX);
		return;
	}
	if ((flags & ZC_INCR) && elements > 1) {
		reply_error(c, ERR_ZADD_INCR);
		return;
	}
	scores = malloc(sizeof(*scores) * (size_t)elements);
	if (!scores) {
		reply_error(c, ERR_OOM);
		return;
	}
	for (j = 0; j < elements; j++)
		if (arg_double_or_reply(c, &c->argv[scoreidx + j * 2], &scores[j], NULL))
			goto out;

	e = db_lookup_write(c, key);
	if (zsetcmd_wrongtype(c, e))
		goto out;
	if (!e) {
		if (flags & ZC_XX)
			goto reply; /* no key + XX: nothing to do */
		fresh = zset_new();
		if (!fresh) {
			reply_error(c, ERR_OOM);
			goto out;
		}
		z = fresh;
	} else {
		z = zset_of(e);
	}
	if (flags & ZC_NX)
		zflags |= ZSET_ADD_NX;
	if (flags & ZC_XX)
		zflags |= ZSET_ADD_XX;
	if (flags & ZC_GT)
		zflags |= ZSET_ADD_GT;
	if (flags & ZC_LT)
		zflags |= ZSET_ADD_LT;
	if (flags & ZC_INCR)
		zflags |= ZSET_ADD_INCR;

	for (j = 0; j < elements; j++) {
		const struct arg *m = &c->argv[scoreidx + 1 + j * 2];
		double newscore = scores[j];
		int out = 0, existed = 0;
		double cur;

		if (m->len > UINT32_MAX) {
			err = -ENOMEM;
			break;
		}
		/* zset_add reports a same-score update as ZSET_NOP; Redis counts it as processed
		 * (ZADD INCR 0 replies the score), so INCR needs to know whether it existed */
		if (flags & ZC_INCR)
			existed = !zset_score(z, m->ptr, (__u32)m->len, &cur);
		/* Redis shows a score of -0 as "0" in every small (listpack) zset: do the same */
		err = zset_add(z, m->ptr, (__u32)m->len, scores[j] + 0.0, zflags, &out, &newscore);
		if (err)
			break;
		if (out & ZSET_ADDED)
			added++;
		if (out & ZSET_UPDATED)
			updated++;
		if (!(out & ZSET_NOP) || (existed && !(flags & (ZC_NX | ZC_GT | ZC_LT))))
			processed++;
		score = newscore;
	}
	if (fresh) {
		if (err || !zset_card(fresh)) {
			/* never linked: nobody saw it */
			zset_free(fresh);
			added = updated = 0;
		} else if (zc_link_new(c, key, fresh, NULL)) {
			reply_error(c, ERR_OOM);
			goto out;
		} else {
			/* db_link counted one change and signalled WATCH */
			srv.dirty += (unsigned long long)(added + updated - 1);
		}
	} else if (added || updated) {
		zc_modified(c, key, (unsigned long long)(added + updated));
	}
	if (err == -EDOM) {
		reply_error(c, ERR_ZSET_NAN);
		goto out;
	}
	if (err) {
		reply_error(c, ERR_OOM);
		goto out;
	}
reply:
	if (flags & ZC_INCR) {
		if (processed)
			reply_double(c, score);
		else
			reply_null(c);
	} else {
		reply_int(c, (flags & ZC_CH) ? added + updated : added);
	}
out:
	free(scores);
}

static void cmd_zadd(struct client *c)
{
	zc_zadd_generic(c, 0);
}

static void cmd_zincrby(struct client *c)
{
	zc_zadd_generic(c, ZC_INCR);
}

/* ---- simple reads --------------------------------------------------------------------------- */

/* Lookup for reading: NULL after replying (missing -> the given empty reply, or wrong type). */
static struct kv_entry *zc_lookup_read_or_reply(struct client *c, void (*empty)(struct client *))
{
	struct kv_entry *e = db_lookup_read(c, &c->argv[1]);

	if (!e) {
		if (empty)
			empty(c);
		return NULL;
	}
	if (zsetcmd_wrongtype(c, e))
		return NULL;
	return e;
}

static void zc_reply_zero(struct client *c)
{
	reply_int(c, 0);
}

static void cmd_zcard(struct client *c)
{
	struct kv_entry *e = zc_lookup_read_or_reply(c, zc_reply_zero);

	if (e)
		reply_int(c, (long long)zset_card(zset_of(e)));
}

static int zc_member_ok(const struct arg *m)
{
	return m->len <= UINT32_MAX;
}

static void cmd_zscore(struct client *c)
{
	struct kv_entry *e = zc_lookup_read_or_reply(c, reply_null);
	const struct arg *m = &c->argv[2];
	double score;

	if (!e)
		return;
	if (zc_member_ok(m) && !zset_score(zset_of(e), m->ptr, (__u32)m->len, &score))
		reply_double(c, score);
	else
		reply_null(c);
}

static void cmd_zmscore(struct client *c)
{
	struct kv_entry *e = db_lookup_read(c, &c->argv[1]);
	struct zset *z;
	int j;

	if (zsetcmd_wrongtype(c, e))
		return;
	z = e ? zset_of(e) : NULL;
	reply_array(c, c->argc - 2);
	for (j = 2; j < c->argc; j++) {
		const struct arg *m = &c->argv[j];
		double score;

		if (z && zc_member_ok(m) && !zset_score(z, m->ptr, (__u32)m->len, &score))
			reply_double(c, score);
		else
			reply_null(c);
	}
}

/* ZRANK / ZREVRANK key member [WITHSCORE] (WITHSCORE is Redis 7.2's; accepted here). */
static void zc_rank_generic(struct client *c, int reverse)
{
	int withscore = 0;
	struct kv_entry *e;
	const struct arg *m = &c->argv[2];
	__u64 rank;
	double score;

	if (c->argc > 4) {
		reply_wrong_arity(c, c->cmd->name);
		return;
	}
	if (c->argc == 4) {
		if (!arg_is(&c->argv[3], "withscore")) {
			reply_error(c, ERR_SYNTAX);
			return;
		}
		withscore = 1;
	}
	e = zc_lookup_read_or_reply(c, withscore ? reply_null_array : reply_null);
	if (!e)
		return;
	if (zc_member_ok(m) &&
	    !zset_rank(zset_of(e), m->ptr, (__u32)m->len, reverse, &rank, &score)) {
		if (withscore) {
			reply_array(c, 2);
			reply_int(c, (long long)rank);
			reply_double(c, score);
		} else {
			reply_int(c, (long long)rank);
		}
	} else if (withscore) {
		reply_null_array(c);
	} else {
		reply_null(c);
	}
}

static void cmd_zrank(struct client *c)
{
	zc_rank_generic(c, 0);
}

static void cmd_zrevrank(struct client *c)
{
	zc_rank_generic(c, 1);
}

/*
 * ZCOUNT and ZLEXCOUNT's reply: the number of members from first to last in rank order, both
 * inclusive, 0 when the range is empty (first or last NULL). Both nodes belong to z.
 */
static void zc_reply_span(struct client *c, const struct zset *z, const struct kv_entry *first,
			  const struct kv_entry *last)
{
	reply_int(c, first && last
			 ? (long long)(zset_node_rank(z, last) - zset_node_rank(z, first) + 1)
			 : 0);
}

static void cmd_zcount(struct client *c)
{
	struct zset_range r;
	struct kv_entry *e, *first;
	struct zset *z;

	if (zc_parse_range(&c->argv[2], &c->argv[3], &r)) {
		reply_error(c, ERR_MINMAX_FLOAT);
		return;
	}
	e = zc_lookup_read_or_reply(c, zc_reply_zero);
	if (!e)
		return;
	z = zset_of(e);
	first = zset_first_in_range(z, &r);
	zc_reply_span(c, z, first, first ? zset_last_in_range(z, &r) : NULL);
}

static void cmd_zlexcount(struct client *c)
{
	struct zset_lex_range r;
	struct kv_entry *e, *first;
	struct zset *z;

	if (zc_parse_lex_range(&c->argv[2], &c->argv[3], &r)) {
		reply_error(c, ERR_MINMAX_LEX);
		return;
	}
	e = zc_lookup_read_or_reply(c, zc_reply_zero);
	if (!e)
		return;
	z = zset_of(e);
	first = zset_first_in_lex_range(z, &r);
	zc_reply_span(c, z, first, first ? zset_last_in_lex_range(z, &r) : NULL);
}

/* ---- ZRANGE family -------------------------------------------------------------------------- */

enum zc_range_type { ZR_AUTO, ZR_RANK, ZR_SCORE, ZR_LEX };
enum zc_direction { ZD_AUTO, ZD_FORWARD, ZD_REVERSE };

static void zc_range_rank(struct zc_sink *s, struct zset *z, long long start, long long end,
			  int reverse)
{
	long long llen = (long long)zset_card(z), n;
	struct kv_entry *node;

	if (zc_clamp_ranks(&start, &end, llen))
		return;
	n = end - start + 1;
	node = zset_node_by_rank(z, (__u64)(reverse ? llen - 1 - start : start));
	while (node && n--) {
		zc_sink_emit(s, node);
		node = reverse ? zset_prev(node) : zset_next(node);
	}
}

static void zc_range_score(struct zc_sink *s, struct zset *z, const struct zset_range *r,
			   int reverse, long offset, long limit)
{
	struct kv_entry *node;

	if (offset > 0 && (unsigned long long)offset >= zset_card(z))
		return;
	node = reverse ? zset_last_in_range(z, r) : zset_first_in_range(z, r);
	/* Redis skips the offset without range checks, and a negative offset skips everything */
	while (node && offset--)
		node = reverse ? zset_prev(node) : zset_next(node);
	while (node && limit--) {
		double score = zset_node_score(node);

		if (reverse ? !zc_score_gte_min(score, r) : !zc_score_lte_max(score, r))
			break;
		zc_sink_emit(s, node);
		node = reverse ? zset_prev(node) : zset_next(node);
	}
}

static void zc_range_lex(struct zc_sink *s, struct zset *z, const struct zset_lex_range *r,
			 int reverse, long offset, long limit)
{
	struct kv_entry *node;

	if (offset > 0 && (unsigned long long)offset >= zset_card(z))
		return;
	node = reverse ? zset_last_in_lex_range(z, r) : zset_first_in_lex_range(z, r);
	while (node && offset--)
		node = reverse ? zset_prev(node) : zset_next(node);
	while (node && limit--) {
		if (reverse ? !zc_lex_gte_min(node, r) : !zc_lex_lte_max(node, r))
			break;
		zc_sink_emit(s, node);
		node = reverse ? zset_prev(node) : zset_next(node);
	}
}

/* Store the zset built for ZRANGESTORE / Z*STORE at dst, or delete dst when it is empty.
 * Replies the member count. z is consumed. */
void zsetcmd_store_result(struct client *c, const struct arg *dst, struct zset *z)
{
	struct kv_entry *old = db_lookup_write(c, dst);
	long long n = (long long)zset_card(z);

	if (!n) {
		zset_free(z);
		if (old)
			db_delete_entry(c->db, old);
		reply_int(c, 0);
		return;
	}
	if (zc_link_new(c, dst, z, old)) {
		reply_error(c, ERR_OOM);
		return;
	}
	reply_int(c, n);
}

/*
 * Redis's zrangeGenericCommand(). store: ZRANGESTORE (argv[1] = dst, argv[2] = src). rt/dir are
 * preset by the legacy commands (ZRANGEBYSCORE, ZREVRANGE, ...), ZR_AUTO/ZD_AUTO for ZRANGE and
 * ZRANGESTORE, which take BYSCORE/BYLEX/REV tokens.
 */
static void zc_range_generic(struct client *c, int store, enum zc_range_type rt,
			     enum zc_direction dir)
{
	int first = store ? 2 : 1, minidx = first + 1, maxidx = first + 2, j, withscores = 0;
	const struct arg *key = &c->argv[first];
	long offset = 0, limit = -1;
	long long start = 0, end = 0;
	struct zset_range sr;
	struct zset_lex_range lr;
	struct kv_entry *e;
	struct zset *out = NULL;
	struct zc_sink s;

	for (j = first + 3; j < c->argc; j++) {
		int left = c->argc - j - 1;
		const struct arg *a = &c->argv[j];

		if (!store && arg_is(a, "withscores")) {
			withscores = 1;
		} else if (arg_is(a, "limit") && left >= 2) {
			if (arg_long_or_reply(c, &c->argv[j + 1], &offset, NULL) ||
			    arg_long_or_reply(c, &c->argv[j + 2], &limit, NULL))
				return;
			j += 2;
		} else if (dir == ZD_AUTO && arg_is(a, "rev")) {
			dir = ZD_REVERSE;
		} else if (rt == ZR_AUTO && arg_is(a, "bylex")) {
			rt = ZR_LEX;
		} else if (rt == ZR_AUTO && arg_is(a, "byscore")) {
			rt = ZR_SCORE;
		} else {
			reply_error(c, ERR_SYNTAX);
			return;
		}
	}
	if (dir == ZD_AUTO)
		dir = ZD_FORWARD;
	if (rt == ZR_AUTO)
		rt = ZR_RANK;
	if (limit != -1 && rt == ZR_RANK) {
		reply_error(c, ERR_ZRANGE_LIMIT);
		return;
	}
	if (withscores && rt == ZR_LEX) {
		reply_error(c, ERR_ZRANGE_LEX_SCORES);
		return;
	}
	if (dir == ZD_REVERSE && (rt == ZR_SCORE || rt == ZR_LEX)) {
		/* the range is given as max, min */
		int t = minidx;

		minidx = maxidx;
		maxidx = t;
	}
	switch (rt) {
	case ZR_SCORE:
		if (zc_parse_range(&c->argv[minidx], &c->argv[maxidx], &sr)) {
			reply_error(c, ERR_MINMAX_FLOAT);
			return;
		}
		break;
	case ZR_LEX:
		if (zc_parse_lex_range(&c->argv[minidx], &c->argv[maxidx], &lr)) {
			reply_error(c, ERR_MINMAX_LEX);
			return;
		}
		break;
	default:
		if (arg_ll_or_reply(c, &c->argv[minidx], &start, NULL) ||
		    arg_ll_or_reply(c, &c->argv[maxidx], &end, NULL))
			return;
		break;
	}

	e = store ? db_lookup_write(c, key) : db_lookup_read(c, key);
	if (zsetcmd_wrongtype(c, e))
		return;
	if (store) {
		out = zset_new();
		if (!out) {
			reply_error(c, ERR_OOM);
			return;
		}
	} else if (!e) {
		reply_empty_array(c);
		return;
	}
	zc_sink_begin(&s, c, withscores, out);
	if (e) {
		struct zset *z = zset_of(e);

		if (rt == ZR_RANK)
			zc_range_rank(&s, z, start, end, dir == ZD_REVERSE);
		else if (rt == ZR_SCORE)
			zc_range_score(&s, z, &sr, dir == ZD_REVERSE, offset, limit);
		else
			zc_range_lex(&s, z, &lr, dir == ZD_REVERSE, offset, limit);
	}
	zc_sink_end(&s);
	if (store) {
		if (s.err) {
			zset_free(out);
			reply_error(c, ERR_OOM);
			return;
		}
		zsetcmd_store_result(c, &c->argv[1], out);
	}
}

static void cmd_zrange(struct client *c)
{
	zc_range_generic(c, 0, ZR_AUTO, ZD_AUTO);
}

static void cmd_zrangestore(struct client *c)
{
	zc_range_generic(c, 1, ZR_AUTO, ZD_AUTO);
}

static void cmd_zrevrange(struct client *c)
{
	zc_range_generic(c, 0, ZR_RANK, ZD_REVERSE);
}

static void cmd_zrangebyscore(struct client *c)
{
	zc_range_generic(c, 0, ZR_SCORE, ZD_FORWARD);
}

static void cmd_zrevrangebyscore(struct client *c)
{
	zc_range_generic(c, 0, ZR_SCORE, ZD_REVERSE);
}

static void cmd_zrangebylex(struct client *c)
{
	zc_range_generic(c, 0, ZR_LEX, ZD_FORWARD);
}

static void cmd_zrevrangebylex(struct client *c)
{
	zc_range_generic(c, 0, ZR_LEX, ZD_REVERSE);
}

/* ---- removal -------------------------------------------------------------------------------- */

static void cmd_zrem(struct client *c)
{
	const struct arg *key = &c->argv[1];
	struct kv_entry *e = db_lookup_write(c, key);
	long long deleted = 0;
	struct zset *z;
	int j;

	if (zsetcmd_wrongtype(c, e))
		return;
	if (!e) {
		reply_int(c, 0);
		return;
	}
	z = zset_of(e);
	for (j = 2; j < c->argc; j++) {
		const struct arg *m = &c->argv[j];

		if (zc_member_ok(m) && !zset_rem(z, m->ptr, (__u32)m->len))
			deleted++;
		if (!zset_card(z))
			break;
	}
	if (deleted) {
		if (!zc_delete_if_empty(c, e))
			db_signal_modified(c->db, key->ptr, key->len);
		srv.dirty += (unsigned long long)deleted;
	}
	reply_int(c, deleted);
}

enum zc_rem_type { ZREM_RANK, ZREM_SCORE, ZREM_LEX };

/* Redis's zremrangeGenericCommand(). */
static void zc_remrange_generic(struct client *c, enum zc_rem_type t)
{
	const struct arg *key = &c->argv[1];
	long long start = 0, end = 0;
	struct zset_range sr;
	struct zset_lex_range lr;
	struct kv_entry *e;
	struct zset *z;
	__u64 removed = 0;

	if (t == ZREM_RANK) {
		if (arg_ll_or_reply(c, &c->argv[2], &start, NULL) ||
		    arg_ll_or_reply(c, &c->argv[3], &end, NULL))
			return;
	} else if (t == ZREM_SCORE) {
		if (zc_parse_range(&c->argv[2], &c->argv[3], &sr)) {
			reply_error(c, ERR_MINMAX_FLOAT);
			return;
		}
	} else if (zc_parse_lex_range(&c->argv[2], &c->argv[3], &lr)) {
		reply_error(c, ERR_MINMAX_LEX);
		return;
	}
	e = db_lookup_write(c, key);
	if (zsetcmd_wrongtype(c, e))
		return;
	if (!e) {
		reply_int(c, 0);
		return;
	}
	z = zset_of(e);
	if (t == ZREM_RANK) {
		if (zc_clamp_ranks(&start, &end, (long long)zset_card(z))) {
			reply_int(c, 0);
			return;
		}
		zset_delete_range_by_rank(z, (__u64)start, (__u64)end, &removed);
	} else if (t == ZREM_SCORE) {
		zset_delete_range_by_score(z, &sr, &removed);
	} else {
		zset_delete_range_by_lex(z, &lr, &removed);
	}
	if (removed) {
		srv.dirty += removed;
		if (!zc_delete_if_empty(c, e))
			db_signal_modified(c->db, key->ptr, key->len);
	}
	reply_int(c, (long long)removed);
}

static void cmd_zremrangebyrank(struct client *c)
{
	zc_remrange_generic(c, ZREM_RANK);
}

static void cmd_zremrangebyscore(struct client *c)
{
	zc_remrange_generic(c, ZREM_SCORE);
}

static void cmd_zremrangebylex(struct client *c)
{
	zc_remrange_generic(c, ZREM_LEX);
}

/* ZPOPMIN / ZPOPMAX key [count]: Redis's genericZpopCommand() for one key. */
static void zc_pop_generic(struct client *c, int max)
{
	const struct arg *key = &c->argv[1];
	long long count = 1, n, i;
	int has_count = c->argc == 3;
	struct kv_entry *e, *node;
	struct zset *z;
	__u64 card, removed = 0;

	if (c->argc > 3) {
		reply_error(c, ERR_SYNTAX);
		return;
	}
	if (has_count) {
		/* getPositiveLongFromObjectOrReply: one message for both failures */
		if (arg_ll_or_reply(c, &c->argv[2], &count, ERR_POSITIVE))
			return;
		if (count < 0) {
			reply_error(c, ERR_POSITIVE);
			return;
		}
		if (count == 0) {
			reply_empty_array(c);
			return;
		}
	}
	e = db_lookup_write(c, key);
	if (zsetcmd_wrongtype(c, e))
		return;
	if (!e) {
		reply_empty_array(c);
		return;
	}
	z = zset_of(e);
	card = zset_card(z);
	n = count > (long long)card ? (long long)card : count;
	/* RESP3 with a count: [member, score] pairs; otherwise a flat list. */
	if (has_count && c->resp > 2)
		reply_array(c, (long)n);
	else
		reply_array(c, (long)n * 2);
	node = max ? zset_last(z) : zset_first(z);
	for (i = 0; i < n && node; i++) {
		__u32 len;
		const void *m = zset_node_member(node, &len);

		if (has_count && c->resp > 2)
			reply_array(c, 2);
		reply_bulk(c, m, len);
		reply_double(c, zset_node_score(node));
		node = max ? zset_prev(node) : zset_next(node);
	}
	if (max)
		zset_delete_range_by_rank(z, card - (__u64)n, card - 1, &removed);
	else
		zset_delete_range_by_rank(z, 0, (__u64)n - 1, &removed);
	srv.dirty += removed;
	if (!zc_delete_if_empty(c, e))
		db_signal_modified(c->db, key->ptr, key->len);
}

static void cmd_zpopmin(struct client *c)
{
	zc_pop_generic(c, 0);
}

static void cmd_zpopmax(struct client *c)
{
	zc_pop_generic(c, 1);
}

/* ---- ZRANDMEMBER ---------------------------------------------------------------------------- */

static __u64 zc_rand_state;

static __u64 zc_rand(void)
{
	__u64 x = zc_rand_state;

	if (!x) {
		struct timespec ts;

		clock_gettime(CLOCK_MONOTONIC, &ts);
		x = ((__u64)ts.tv_nsec << 20) ^ (__u64)ts.tv_sec ^ 0x9E3779B97F4A7C15ULL;
	}
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	zc_rand_state = x;
	return x;
}

void zsetcmd_reply_node(struct client *c, const struct kv_entry *node, int withscores)
{
	__u32 len;
	const void *m = zset_node_member(node, &len);

	zc_reply_pair(c, m, len, zset_node_score(node), withscores);
}

/* Distinct ranks: a small open-addressing set of chosen ranks (Floyd's sampling). */
static int zc_rand_distinct(struct client *c, struct zset *z, __u64 size, __u64 count,
			    int withscores)
{
	__u64 cap = 16, i, j;
	__u64 *set;

	while (cap < count * 2)
		cap <<= 1;
	set = malloc(cap * sizeof(*set));
	if (!set)
		return -ENOMEM;
	memset(set, 0xff, cap * sizeof(*set));
	reply_array(c, (long)(withscores && c->resp == 2 ? count * 2 : count));
	/* Floyd: for j in [size - count, size): pick t in [0, j]; take t unless taken, else j */
	for (j = size - count; j < size; j++) {
		__u64 t = zc_rand() % (j + 1), pick = t;
		struct kv_entry *node;

		for (i = (t * 0x9E3779B97F4A7C15ULL) & (cap - 1); set[i] != UINT64_MAX;
		     i = (i + 1) & (cap - 1))
			if (set[i] == t)
				break;
		if (set[i] == t)
			pick = j;
		for (i = (pick * 0x9E3779B97F4A7C15ULL) & (cap - 1); set[i] != UINT64_MAX;
		     i = (i + 1) & (cap - 1))
			;
		set[i] = pick;
		node = zset_node_by_rank(z, pick);
		if (node)
			zsetcmd_reply_node(c, node, withscores);
	}
	free(set);
	return 0;
}

static void cmd_zrandmember(struct client *c)
{
	long long l = 0;
	int withscores = 0;
	struct kv_entry *e, *node;
	struct zset *z;
	__u64 size, count, i;

	if (c->argc >= 3) {
		if (arg_ll_or_reply(c, &c->argv[2], &l, NULL))
			return;
		if (l < -LONG_MAX) {
			reply_errorf(c, "ERR value is out of range, value must between %ld and %ld",
				     -LONG_MAX, LONG_MAX);
			return;
		}
		if (c->argc > 4 || (c->argc == 4 && !arg_is(&c->argv[3], "withscores"))) {
			reply_error(c, ERR_SYNTAX);
			return;
		}
		if (c->argc == 4) {
			withscores = 1;
			if (l < -LONG_MAX / 2 || l > LONG_MAX / 2) {
				reply_error(c, "ERR value is out of range");
				return;
			}
		}
		e = zc_lookup_read_or_reply(c, reply_empty_array);
		if (!e)
			return;
		z = zset_of(e);
		size = zset_card(z);
		if (l == 0) {
			reply_empty_array(c);
			return;
		}
		if (l < 0 || l == 1) {
			/* repetitions allowed: count independent picks */
			count = l < 0 ? (__u64)(-l) : 1;
			reply_array(c, (long)(withscores && c->resp == 2 ? count * 2 : count));
			for (i = 0; i < count; i++) {
				node = zset_node_by_rank(z, zc_rand() % size);
				if (node)
					zsetcmd_reply_node(c, node, withscores);
			}
			return;
		}
		count = (__u64)l;
		if (count >= size) {
			/* the whole zset, from the highest score down like Redis's iterator */
			reply_array(c, (long)(withscores && c->resp == 2 ? size * 2 : size));
			for (node = zset_last(z); node; node = zset_prev(node))
				zsetcmd_reply_node(c, node, withscores);
			return;
		}
		if (zc_rand_distinct(c, z, size, count, withscores))
			reply_error(c, ERR_OOM);
		return;
	}
	e = zc_lookup_read_or_reply(c, reply_null);
	if (!e)
		return;
	z = zset_of(e);
	node = zset_node_by_rank(z, zc_rand() % zset_card(z));
	if (node) {
		__u32 len;
		const void *m = zset_node_member(node, &len);

		reply_bulk(c, m, len);
	} else {
		reply_null(c);
	}
}

/* ---- ZSCAN ---------------------------------------------------------------------------------- */

struct zc_scan {
	struct client *c;
	const struct arg *pat; /* NULL = match all */
	long n;		       /* members replied */
	int use_pat;
};

static void zc_scan_emit(struct zc_scan *s, const struct kv_entry *node)
{
	char buf[MAX_D2STRING_CHARS];
	__u32 len;
	const void *m = zset_node_member(node, &len);
	size_t n;

	if (s->use_pat && !stringmatchlen(s->pat->ptr, s->pat->len, m, len, 0))
		return;
	n = d2string(buf, sizeof(buf), zset_node_score(node));
	reply_bulk(s->c, m, len);
	reply_bulk(s->c, buf, n);
	s->n++;
}

struct zc_scan_vec {
	struct kv_entry **v;
	size_t n, cap;
	int err;
};

static void zc_scan_collect(struct kv_entry *node, void *arg)
{
	struct zc_scan_vec *sv = arg;

	if (sv->err)
		return;
	if (sv->n == sv->cap) {
		size_t cap = sv->cap ? sv->cap * 2 : 64;
		struct kv_entry **v = realloc(sv->v, cap * sizeof(*v));

		if (!v) {
			sv->err = -ENOMEM;
			return;
		}
		sv->v = v;
		sv->cap = cap;
	}
	sv->v[sv->n++] = node;
}

/*
 * A big zset: walk its member hash with htab_scan() (dictScan's reverse-binary cursor) until
 * count members were collected or count * 10 steps were made, as Redis's scanGenericCommand.
 * The callback only collects node pointers (it must not modify anything); the reply is written
 * afterwards because the next cursor goes first.
 */
static void zc_scan_big(struct client *c, struct zc_scan *s, struct zset *z, __u64 cursor,
			long long count)
{
	struct zc_scan_vec sv = {0};
	long long maxiter = count * 10;
	char cbuf[LONG_STR_SIZE + 1];
	size_t i, n;
	void *h;

	do {
		cursor = htab_scan(&z->dict, cursor, zc_scan_collect, &sv);
	} while (cursor && maxiter-- && sv.n < (size_t)count && !sv.err);
	if (sv.err) {
		free(sv.v);
		reply_error(c, ERR_OOM);
		return;
	}
	n = ull2string(cbuf, sizeof(cbuf), cursor);
	reply_array(c, 2);
	reply_bulk(c, cbuf, n);
	h = reply_deferred_len(c);
	for (i = 0; i < sv.n; i++)
		zc_scan_emit(s, sv.v[i]);
	reply_set_deferred_array(c, h, s->n * 2);
	free(sv.v);
}

/*
 * ZSCAN key cursor [MATCH pattern] [COUNT count]. Redis answers a small (listpack) zset in one
 * call with cursor 0 and its members in order; we do the same up to ZC_SCAN_SMALL members. A
 * bigger zset is scanned through its member hash with htab_scan(), dictScan's reverse-binary
 * cursor: every member present for the whole scan is returned at least once, as in Redis.
 */
static void cmd_zscan(struct client *c)
{
	unsigned long long cursor;
	long long count = 10;
	struct zc_scan s = {.c = c};
	struct kv_entry *e, *node;
	struct zset *z;
	void *h;
	int j;

	if (string2ull(c->argv[2].ptr, c->argv[2].len, &cursor)) {
		reply_error(c, ERR_INVALID_CURSOR);
		return;
	}
	e = db_lookup_read(c, &c->argv[1]);
	if (!e) {
		reply_array(c, 2);
		reply_bulk(c, "0", 1);
		reply_empty_array(c);
		return;
	}
	if (zsetcmd_wrongtype(c, e))
		return;
	/* options are parsed after the key lookup, as Redis's scanGenericCommand does */
	for (j = 3; j < c->argc; j += 2) {
		if (j + 1 >= c->argc) {
			reply_error(c, ERR_SYNTAX);
			return;
		}
		if (arg_is(&c->argv[j], "count")) {
			if (arg_ll_or_reply(c, &c->argv[j + 1], &count, NULL))
				return;
			if (count < 1) {
				reply_error(c, ERR_SYNTAX);
				return;
			}
		} else if (arg_is(&c->argv[j], "match")) {
			s.pat = &c->argv[j + 1];
			s.use_pat = !(s.pat->len == 1 && s.pat->ptr[0] == '*');
		} else {
			reply_error(c, ERR_SYNTAX);
			return;
		}
	}
	z = zset_of(e);
	if (zset_card(z) <= ZC_SCAN_SMALL) {
		reply_array(c, 2);
		reply_bulk(c, "0", 1);
		h = reply_deferred_len(c);
		for (node = zset_first(z); node; node = zset_next(node))
			zc_scan_emit(&s, node);
		reply_set_deferred_array(c, h, s.n * 2);
		return;
	}
	zc_scan_big(c, &s, z, cursor, count);
}

/* ---- table ---------------------------------------------------------------------------------- */

#define W  (CMD_WRITE)
#define R  (CMD_READONLY)
#define DO (CMD_DENYOOM)
#define F  (CMD_FAST)
#define G  "sorted-set"

const struct command zset_commands[] = {
    {"zadd", cmd_zadd, -4, W | DO | F, 1, 1, 1, G,
     "Add one or more members to a sorted set, or update its score if it already exists", "1.2.0"},
    {"zincrby", cmd_zincrby, 4, W | DO | F, 1, 1, 1, G,
     "Increment the score of a member in a sorted set", "1.2.0"},
    {"zscore", cmd_zscore, 3, R | F, 1, 1, 1, G,
     "Get the score associated with the given member in a sorted set", "1.2.0"},
    {"zmscore", cmd_zmscore, -3, R | F, 1, 1, 1, G,
     "Get the score associated with the given members in a sorted set", "6.2.0"},
    {"zcard", cmd_zcard, 2, R | F, 1, 1, 1, G, "Get the number of members in a sorted set",
     "1.2.0"},
    {"zcount", cmd_zcount, 4, R | F, 1, 1, 1, G,
     "Count the members in a sorted set with scores within the given values", "2.0.0"},
    {"zlexcount", cmd_zlexcount, 4, R | F, 1, 1, 1, G,
     "Count the number of members in a sorted set between a given lexicographical range", "2.8.9"},
    {"zrank", cmd_zrank, -3, R | F, 1, 1, 1, G, "Determine the index of a member in a sorted set",
     "2.0.0"},
    {"zrevrank", cmd_zrevrank, -3, R | F, 1, 1, 1, G,
     "Determine the index of a member in a sorted set, with scores ordered from high to low",
     "2.0.0"},
    {"zrange", cmd_zrange, -4, R, 1, 1, 1, G, "Return a range of members in a sorted set", "1.2.0"},
    {"zrangestore", cmd_zrangestore, -5, W | DO, 1, 2, 1, G,
     "Store a range of members from sorted set into another key", "6.2.0"},
    {"zrevrange", cmd_zrevrange, -4, R, 1, 1, 1, G,
     "Return a range of members in a sorted set, by index, with scores ordered from high to low",
     "1.2.0"},
    {"zrangebyscore", cmd_zrangebyscore, -4, R, 1, 1, 1, G,
     "Return a range of members in a sorted set, by score", "1.0.5"},
    {"zrevrangebyscore", cmd_zrevrangebyscore, -4, R, 1, 1, 1, G,
     "Return a range of members in a sorted set, by score, with scores ordered from high to low",
     "2.2.0"},
    {"zrangebylex", cmd_zrangebylex, -4, R, 1, 1, 1, G,
     "Return a range of members in a sorted set, by lexicographical range", "2.8.9"},
    {"zrevrangebylex", cmd_zrevrangebylex, -4, R, 1, 1, 1, G,
     "Return a range of members in a sorted set, by lexicographical range, ordered from higher "
     "to lower strings",
     "2.8.9"},
    {"zrem", cmd_zrem, -3, W | F, 1, 1, 1, G, "Remove one or more members from a sorted set",
     "1.2.0"},
    {"zremrangebyrank", cmd_zremrangebyrank, 4, W, 1, 1, 1, G,
     "Remove all members in a sorted set within the given indexes", "2.0.0"},
    {"zremrangebyscore", cmd_zremrangebyscore, 4, W, 1, 1, 1, G,
     "Remove all members in a sorted set within the given scores", "1.2.0"},
    {"zremrangebylex", cmd_zremrangebylex, 4, W, 1, 1, 1, G,
     "Remove all members in a sorted set between the given lexicographical range", "2.8.9"},
    {"zpopmin", cmd_zpopmin, -2, W | F, 1, 1, 1, G,
     "Remove and return members with the lowest scores in a sorted set", "5.0.0"},
    {"zpopmax", cmd_zpopmax, -2, W | F, 1, 1, 1, G,
     "Remove and return members with the highest scores in a sorted set", "5.0.0"},
    {"zrandmember", cmd_zrandmember, -2, R, 1, 1, 1, G,
     "Get one or multiple random elements from a sorted set", "6.2.0"},
    {"zscan", cmd_zscan, -3, R, 1, 1, 1, G,
     "Incrementally iterate sorted sets elements and "
     "associated scores",
     "2.8.0"},
    {"zunionstore", zsetcmd_zunionstore, -4, W | DO, 1, 1, 1, G,
     "Add multiple sorted sets and store the resulting sorted set in a new key", "2.0.0"},
    {"zinterstore", zsetcmd_zinterstore, -4, W | DO, 1, 1, 1, G,
     "Intersect multiple sorted sets and store the resulting sorted set in a new key", "2.0.0"},
    {"zdiffstore", zsetcmd_zdiffstore, -4, W | DO, 1, 1, 1, G,
     "Subtract multiple sorted sets and store the resulting sorted set in a new key", "6.2.0"},
    {"zunion", zsetcmd_zunion, -3, R, 0, 0, 0, G, "Add multiple sorted sets", "6.2.0"},
    {"zinter", zsetcmd_zinter, -3, R, 0, 0, 0, G, "Intersect multiple sorted sets", "6.2.0"},
    {"zdiff", zsetcmd_zdiff, -3, R, 0, 0, 0, G, "Subtract multiple sorted sets", "6.2.0"},
    {"zintercard", zsetcmd_zintercard, -3, R, 0, 0, 0, G,
     "Intersect multiple sorted sets and return the cardinality of the result", "7.0.0"},
    {NULL},
};
