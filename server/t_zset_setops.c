// SPDX-License-Identifier: BSD-2-Clause
/*
 * t_zset_setops.c - the sorted-set algebra: ZUNION ZINTER ZDIFF, their *STORE forms and
 * ZINTERCARD, with Redis 7.0's options (WEIGHTS, AGGREGATE SUM|MIN|MAX, WITHSCORES, LIMIT), order
 * of checks and error texts. Split from t_zset.c by topic; the command table stays there.
 *
 * How: the inputs are looked up first (WRONGTYPE on the first non-zset), then the options; the
 * result is computed into a fresh zset that no reader can see (index/zset.h) and then either
 * replied and freed, or handed to zsetcmd_store_result(), which links it under the destination
 * (replacing whatever was there, TTL dropped) or deletes the destination when it is empty.
 * Sources may include the destination: they are only read before the result is linked.
 *
 * Floating point is part of the semantics: weight * score that is NaN (inf * 0) counts as 0,
 * a SUM that becomes NaN (inf + -inf) becomes 0, and UNION/INTER visit the inputs sorted by
 * cardinality (stable) as Redis does, so sums are added in the same order.
 *
 * Threading: event-loop thread only.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>

#include "db.h"
#include "errors.h"
#include "reply.h"
#include "server.h"
#include "t_zset.h"
#include "util.h"
#include "zset.h"

#define ERR_WEIGHT_FLOAT     "ERR weight value is not a float"
#define ERR_ZSET_NUMKEYS_FMT "ERR at least 1 input key is needed for '%s' command"

enum zc_setop { ZOP_UNION, ZOP_INTER, ZOP_DIFF };
enum zc_aggr { ZAGG_SUM, ZAGG_MIN, ZAGG_MAX };

struct zc_src {
	struct zset *z; /* NULL: missing key (empty) */
	double weight;
};

static __u64 zc_src_card(const struct zc_src *s)
{
	return s->z ? zset_card(s->z) : 0;
}

static void zc_aggregate(double *target, double val, enum zc_aggr a)
{
	if (a == ZAGG_SUM) {
		*target = *target + val;
		/* inf + -inf: Redis makes it 0 rather than storing NaN */
		if (isnan(*target))
			*target = 0.0;
	} else if (a == ZAGG_MIN) {
		*target = val < *target ? val : *target;
	} else {
		*target = val > *target ? val : *target;
	}
}

/*
 * Compute the union/intersection/difference of src[0..n) into a new zset *out (or, for
 * cardinality, just count into *card stopping at limit when limit > 0). src is sorted by
 * cardinality for UNION and INTER (ascending, stable), as Redis does: the order matters for
 * floating-point sums, so it is part of the semantics. zero is added to every score stored
 * (+0.0 turns -0 into 0, -0.0 changes nothing). 0 or -ENOMEM.
 */
static int zc_setop(struct zc_src *src, int n, enum zc_setop op, enum zc_aggr aggr,
		    struct zset **out, int card_only, long long limit, long long *card, double zero)
{
	struct zset *dst = NULL;
	struct kv_entry *node;
	int i, j, zout, err = 0;

	if (op != ZOP_DIFF) {
		/* stable insertion sort by cardinality */
		for (i = 1; i < n; i++) {
			struct zc_src t = src[i];

			for (j = i - 1; j >= 0 && zc_src_card(&src[j]) > zc_src_card(&t); j--)
				src[j + 1] = src[j];
			src[j + 1] = t;
		}
	}
	if (!card_only) {
		dst = zset_new();
		if (!dst)
			return -ENOMEM;
	}
	*card = 0;
	if (op == ZOP_INTER) {
		if (!src[0].z)
			goto done;
		for (node = zset_first(src[0].z); node; node = zset_next(node)) {
			__u32 len;
			const void *m = zset_node_member(node, &len);
			double score = src[0].weight * zset_node_score(node), v;

			if (isnan(score))
				score = 0;
			for (j = 1; j < n; j++) {
				if (src[j].z == src[0].z) {
					v = zset_node_score(node) * src[j].weight;
				} else if (!src[j].z || zset_score(src[j].z, m, len, &v)) {
					break;
				} else {
					v *= src[j].weight;
				}
				zc_aggregate(&score, v, aggr);
			}
			if (j != n)
				continue;
			if (card_only) {
				(*card)++;
				if (limit && *card >= limit)
					break;
				continue;
			}
			err = zset_add(dst, m, len, score + zero, 0, &zout, NULL);
			if (err)
				goto fail;
		}
	} else if (op == ZOP_UNION) {
		for (i = 0; i < n; i++) {
			if (!src[i].z)
				continue;
			for (node = zset_first(src[i].z); node; node = zset_next(node)) {
				__u32 len;
				const void *m = zset_node_member(node, &len);
				double score = src[i].weight * zset_node_score(node), cur;

				if (isnan(score))
					score = 0;
				if (!zset_score(dst, m, len, &cur)) {
					zc_aggregate(&cur, score, aggr);
					score = cur;
				}
				err = zset_add(dst, m, len, score + zero, 0, &zout, NULL);
				if (err)
					goto fail;
			}
		}
	} else {
		if (!src[0].z)
			goto done;
		for (node = zset_first(src[0].z); node; node = zset_next(node)) {
			__u32 len;
			const void *m = zset_node_member(node, &len);
			double v;

			for (j = 1; j < n; j++)
				if (src[j].z && !zset_score(src[j].z, m, len, &v))
					break;
			if (j != n)
				continue;
			err = zset_add(dst, m, len, zset_node_score(node), 0, &zout, NULL);
			if (err)
				goto fail;
		}
	}
done:
	if (dst)
		*card = (long long)zset_card(dst);
	*out = dst;
	return 0;
fail:
	zset_free(dst);
	return err;
}

/*
 * Redis's zunionInterDiffGenericCommand(). dst: the destination key for the *STORE variants
 * (argv[1], numkeys at argv[2]) or NULL (numkeys at argv[1]). card_only: ZINTERCARD.
 */
static void zc_setop_generic(struct client *c, int store, enum zc_setop op, int card_only)
{
	int nkidx = store ? 2 : 1, i, j, withscores = 0;
	long long numkeys, limit = 0, card = 0;
	enum zc_aggr aggr = ZAGG_SUM;
	struct zc_src *src;
	struct zset *res = NULL;
	int err;

	if (arg_ll_or_reply(c, &c->argv[nkidx], &numkeys, NULL))
		return;
	if (numkeys < 1) {
		reply_errorf(c, ERR_ZSET_NUMKEYS_FMT, c->cmd->name);
		return;
	}
	if (numkeys > c->argc - nkidx - 1) {
		reply_error(c, ERR_SYNTAX);
		return;
	}
	src = calloc((size_t)numkeys, sizeof(*src));
	if (!src) {
		reply_error(c, ERR_OOM);
		return;
	}
	for (i = 0, j = nkidx + 1; i < numkeys; i++, j++) {
		struct kv_entry *e =
		    store ? db_lookup_write(c, &c->argv[j]) : db_lookup_read(c, &c->argv[j]);

		if (zsetcmd_wrongtype(c, e))
			goto out;
		src[i].z = e ? zset_of(e) : NULL;
		src[i].weight = 1.0;
	}
	while (j < c->argc) {
		int remaining = c->argc - j;
		const struct arg *a = &c->argv[j];

		if (card_only) {
			if (remaining >= 2 && arg_is(a, "limit")) {
				if (arg_ll_or_reply(c, &c->argv[j + 1], &limit,
						    "ERR LIMIT can't be negative"))
					goto out;
				if (limit < 0) {
					reply_error(c, "ERR LIMIT can't be negative");
					goto out;
				}
				j += 2;
				continue;
			}
			reply_error(c, ERR_SYNTAX);
			goto out;
		}
		if (op != ZOP_DIFF && remaining >= numkeys + 1 && arg_is(a, "weights")) {
			j++;
			for (i = 0; i < numkeys; i++, j++)
				if (arg_double_or_reply(c, &c->argv[j], &src[i].weight,
							ERR_WEIGHT_FLOAT))
					goto out;
		} else if (op != ZOP_DIFF && remaining >= 2 && arg_is(a, "aggregate")) {
			const struct arg *v = &c->argv[j + 1];

			if (arg_is(v, "sum"))
				aggr = ZAGG_SUM;
			else if (arg_is(v, "min"))
				aggr = ZAGG_MIN;
			else if (arg_is(v, "max"))
				aggr = ZAGG_MAX;
			else {
				reply_error(c, ERR_SYNTAX);
				goto out;
			}
			j += 2;
		} else if (!store && arg_is(a, "withscores")) {
			withscores = 1;
			j++;
		} else {
			reply_error(c, ERR_SYNTAX);
			goto out;
		}
	}
	/* A stored small result shows -0 as "0" in Redis (listpack): adding +0.0 does that; a
	 * direct reply comes from Redis's skiplist and keeps "-0" (adding -0.0 keeps the sign). */
	err = zc_setop(src, (int)numkeys, op, aggr, &res, card_only, limit, &card,
		       store ? 0.0 : -0.0);
	if (err) {
		reply_error(c, ERR_OOM);
		goto out;
	}
	if (card_only) {
		reply_int(c, card);
	} else if (store) {
		zsetcmd_store_result(c, &c->argv[1], res);
	} else {
		struct kv_entry *node;
		long long n = (long long)zset_card(res);

		reply_array(c, (long)(withscores && c->resp == 2 ? n * 2 : n));
		for (node = zset_first(res); node; node = zset_next(node))
			zsetcmd_reply_node(c, node, withscores);
		zset_free(res);
	}
out:
	free(src);
}

void zsetcmd_zunionstore(struct client *c)
{
	zc_setop_generic(c, 1, ZOP_UNION, 0);
}

void zsetcmd_zinterstore(struct client *c)
{
	zc_setop_generic(c, 1, ZOP_INTER, 0);
}

void zsetcmd_zdiffstore(struct client *c)
{
	zc_setop_generic(c, 1, ZOP_DIFF, 0);
}

void zsetcmd_zunion(struct client *c)
{
	zc_setop_generic(c, 0, ZOP_UNION, 0);
}

void zsetcmd_zinter(struct client *c)
{
	zc_setop_generic(c, 0, ZOP_INTER, 0);
}

void zsetcmd_zdiff(struct client *c)
{
	zc_setop_generic(c, 0, ZOP_DIFF, 0);
}

void zsetcmd_zintercard(struct client *c)
{
	zc_setop_generic(c, 0, ZOP_INTER, 1);
}
