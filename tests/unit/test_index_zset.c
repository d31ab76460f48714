// SPDX-License-Identifier: BSD-2-Clause
/*
 * test_index_zset.c - the arena sorted set (index/zset.h) over an anonymous arena mapping.
 *
 * What is proven:
 *  - model test: random ZADD-like operations (NX/XX/GT/LT/INCR, score updates that move a node
 *    and that keep it in place), removals, and range deletions by score, lex and rank, against a
 *    sorted array; after every batch the whole contents (forward and backward), card, ranks
 *    (writer and lock-free reader, both directions), node_by_rank, score/lex first/last-in-range
 *    for random ranges, and the reader's range-by-rank all agree with the model, and zset_check()
 *    verifies spans, levels, backward pointers and the member hash. Members include the empty
 *    one, binary bytes and members too long for an inline entry; scores include ties, -0.0, inf;
 *  - level distribution: p = 1/4 (fraction of nodes with level >= 2 near 25%);
 *  - NaN refused, INCR to NaN refused without a change; freeing returns every byte;
 *  - concurrency: reader threads run zset_read_score/rank/range_by_rank while the writer inserts,
 *    moves, deletes and range-deletes other members; a fixed block of members must always be
 *    found with its exact score and rank, ranges must be sorted and every (member, score) pair
 *    must be one the writer wrote; doubt (-EAGAIN) is allowed, a wrong answer is not.
 * Runs without root over arena_map_anon().
 */
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "arena_mem.h"
#include "layout.h"
#include "zset.h"
#include "unit/unit_test.h"

static __u64 rng_state = 0x243f6a8885a308d3ULL;

static __u64 rng(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545F4914F6CDD1DULL;
}

/* ---- the reference model: a sorted array -------------------------------------------------- */

#define POOL	 400
#define LONG_LEN 700 /* member too long for an inline entry (ARENA_ENTRY_MAX 512) */

struct mem {
	char b[LONG_LEN];
	__u32 len;
};

static struct mem pool[POOL];

struct ref {
	double score;
	int id; /* index into pool */
};

static struct ref model[POOL];
static int nmodel;

static int lexcmp(const void *a, __u32 alen, const void *b, __u32 blen)
{
	__u32 n = alen < blen ? alen : blen;
	int c = n ? memcmp(a, b, n) : 0;

	return c ? c : (alen < blen ? -1 : alen > blen);
}

static int ref_cmp(const void *pa, const void *pb)
{
	const struct ref *a = pa, *b = pb;

	if (a->score < b->score)
		return -1;
	if (a->score > b->score)
		return 1;
	return lexcmp(pool[a->id].b, pool[a->id].len, pool[b->id].b, pool[b->id].len);
}

static int model_find(int id)
{
	for (int i = 0; i < nmodel; i++)
		if (model[i].id == id)
			return i;
	return -1;
}

static void model_sort(void)
{
	qsort(model, nmodel, sizeof(model[0]), ref_cmp);
}

static void model_remove_at(int i)
{
	memmove(&model[i], &model[i + 1], (nmodel - i - 1) * sizeof(model[0]));
	nmodel--;
}

static void make_pool(void)
{
	for (int i = 0; i < POOL; i++) {
		struct mem *m = &pool[i];

		if (i == 0) {
			m->len = 0; /* the empty member */
		} else if (i % 50 == 7) {
			m->len = LONG_LEN - (i % 13);
			for (__u32 j = 0; j < m->len; j++)
				m->b[j] = (char)('a' + (i + j) % 26);
		} else if (i % 10 == 3) {
			m->len = 1 + rng() % 16; /* binary, NULs included */
			for (__u32 j = 0; j < m->len; j++)
				m->b[j] = (char)(rng() % 4);
		} else {
			m->len = (__u32)snprintf(m->b, sizeof(m->b), "m%d", i);
		}
	}
	/* keep members unique (random binary ones could collide) */
	for (int i = 0; i < POOL; i++)
		for (int j = 0; j < i; j++)
			if (pool[i].len == pool[j].len &&
			    !memcmp(pool[i].b, pool[j].b, pool[i].len))
				pool[i].len =
				    (__u32)snprintf(pool[i].b, sizeof(pool[i].b), "u%d", i);
}

static double rand_score(void)
{
	switch (rng() % 10) {
	case 0:
		return (double)(rng() % 5); /* many ties */
	case 1:
		return rng() % 2 ? -0.0 : 0.0;
	case 2:
		return rng() % 2 ? INFINITY : -INFINITY;
	case 3:
		return (double)(__s64)(rng() % 2000) / 7.0 - 100;
	default:
		return (double)(rng() % 50) - 25;
	}
}

/* ---- comparison of zset and model ------------------------------------------------------------ */

static int node_is(const struct kv_entry *n, const struct ref *r)
{
	__u32 len;
	const void *m = zset_node_member(n, &len);

	return len == pool[r->id].len && !memcmp(m, pool[r->id].b, len) &&
	       (zset_node_score(n) == r->score) &&
	       !!signbit(zset_node_score(n)) == !!signbit(r->score);
}

static void compare_full(struct zset *z, const char *what)
{
	struct kv_entry *n;
	int i, bad = 0;

	zset_check(z);
	CHECK_MSG(zset_card(z) == (__u64)nmodel, "%s: card %llu vs %d", what,
		  (unsigned long long)zset_card(z), nmodel);
	for (i = 0, n = zset_first(z); n && i < nmodel; i++, n = zset_next(n))
		bad += !node_is(n, &model[i]);
	CHECK_MSG(!bad && i == nmodel && !n, "%s: forward contents (%d bad, %d seen)", what, bad,
		  i);
	bad = 0;
	for (i = nmodel - 1, n = zset_last(z); n && i >= 0; i--, n = zset_prev(n))
		bad += !node_is(n, &model[i]);
	CHECK_MSG(!bad && i == -1 && !n, "%s: backward contents", what);
}

/* Ranks, scores and rank lookups of every model member, writer and reader side. */
static void compare_ranks(struct zset *z, const char *what)
{
	int bad = 0, rbad = 0;

	for (int i = 0; i < nmodel; i++) {
		struct mem *m = &pool[model[i].id];
		__u64 rank, rrank, sbits;
		double sc;

		if (zset_rank(z, m->b, m->len, 0, &rank, &sc) || rank != (__u64)i ||
		    sc != model[i].score)
			bad++;
		if (zset_rank(z, m->b, m->len, 1, &rrank, NULL) || rrank != (__u64)(nmodel - 1 - i))
			bad++;
		if (zset_node_by_rank(z, i) == NULL || !node_is(zset_node_by_rank(z, i), &model[i]))
			bad++;
		if (zset_read_rank(z, m->b, m->len, i & 1, &rank, &sbits) ||
		    rank != (__u64)(i & 1 ? nmodel - 1 - i : i) ||
		    memcmp(&sbits, &model[i].score, 8))
			rbad++;
		if (zset_read_score(z, m->b, m->len, &sbits) || memcmp(&sbits, &model[i].score, 8))
			rbad++;
	}
	CHECK_MSG(!bad, "%s: %d writer rank/score mismatches", what, bad);
	CHECK_MSG(!rbad, "%s: %d reader rank/score mismatches", what, rbad);
	CHECK_MSG(zset_node_by_rank(z, nmodel) == NULL, "%s: rank past the end", what);
	/* absent members: writer and reader agree it is absent */
	for (int id = 0; id < POOL; id += 17) {
		__u64 r, sb;
		double sc;

		if (model_find(id) >= 0)
			continue;
		CHECK_MSG(zset_score(z, pool[id].b, pool[id].len, &sc) == -ENOENT &&
			      zset_read_score(z, pool[id].b, pool[id].len, &sb) == -ENOENT &&
			      zset_read_rank(z, pool[id].b, pool[id].len, 0, &r, &sb) == -ENOENT,
			  "%s: absent member %d", what, id);
	}
}

static void rand_range(struct zset_range *r)
{
	r->min = rand_score();
	r->max = rng() % 4 ? r->min + (double)(rng() % 30) : rand_score();
	r->minex = rng() % 3 == 0;
	r->maxex = rng() % 3 == 0;
}

static void rand_lex(struct zset_lex_range *r)
{
	int a = rng() % POOL, b = rng() % POOL;

	r->min = pool[a].b;
	r->minlen = pool[a].len;
	r->max = pool[b].b;
	r->maxlen = pool[b].len;
	r->minkind = rng() % 8 == 0 ? (rng() % 2 ? ZSET_LEX_NEG_INF : ZSET_LEX_POS_INF) : 0;
	r->maxkind = rng() % 8 == 0 ? (rng() % 2 ? ZSET_LEX_NEG_INF : ZSET_LEX_POS_INF) : 0;
	r->minex = rng() % 2;
	r->maxex = rng() % 2;
}

static int ref_in_lex(const struct ref *x, const struct zset_lex_range *r)
{
	const struct mem *m = &pool[x->id];
	int c;

	if (r->minkind == ZSET_LEX_POS_INF || r->maxkind == ZSET_LEX_NEG_INF)
		return 0;
	if (r->minkind == ZSET_LEX_VALUE) {
		c = lexcmp(m->b, m->len, r->min, r->minlen);
		if (r->minex ? c <= 0 : c < 0)
			return 0;
	}
	if (r->maxkind == ZSET_LEX_VALUE) {
		c = lexcmp(m->b, m->len, r->max, r->maxlen);
		if (r->maxex ? c >= 0 : c > 0)
			return 0;
	}
	return 1;
}

static void compare_ranges(struct zset *z, const char *what)
{
	int bad = 0;

	for (int t = 0; t < 20; t++) {
		struct zset_range r;
		struct kv_entry *f, *l;
		int fi = -1, li = -1;

		rand_range(&r);
		for (int i = 0; i < nmodel; i++)
			if (zset_score_in_range(model[i].score, &r)) {
				if (fi < 0)
					fi = i;
				li = i;
			}
		f = zset_first_in_range(z, &r);
		l = zset_last_in_range(z, &r);
		if (fi < 0)
			bad += f != NULL || l != NULL;
		else
			bad += !f || !l || !node_is(f, &model[fi]) || !node_is(l, &model[li]);
	}
	CHECK_MSG(!bad, "%s: %d score range mismatches", what, bad);

	/* lex ranges: meaningful on equal scores, so check a zset whose scores all tie */
	bad = 0;
	for (int t = 0; t < 20; t++) {
		struct zset_read_item items[64];
		__u64 start = nmodel ? rng() % (nmodel + 2) : 0, count = 1 + rng() % 40;
		int rev = rng() % 2;
		__u32 n, seq;
		int err = zset_read_range_by_rank(z, start, count, rev, items, 64, &n, &seq);
		__u64 want =
		    start >= (__u64)nmodel ? 0 : (count < nmodel - start ? count : nmodel - start);

		if (err || n != want || zset_read_retry(z, seq)) {
			bad++;
			continue;
		}
		for (__u32 k = 0; k < n; k++) {
			const struct ref *x = &model[rev ? nmodel - 1 - (start + k) : start + k];

			if (items[k].mlen != pool[x->id].len ||
			    memcmp((const void *)(unsigned long)items[k].member, pool[x->id].b,
				   items[k].mlen) ||
			    memcmp(&items[k].score, &x->score, 8))
				bad++;
		}
	}
	CHECK_MSG(!bad, "%s: %d reader range-by-rank mismatches", what, bad);
	{
		struct zset_read_item items[2];
		__u32 n, seq;

		if (nmodel >= 3)
			CHECK_MSG(zset_read_range_by_rank(z, 0, 3, 0, items, 2, &n, &seq) == -E2BIG,
				  "%s: more items than room is -E2BIG", what);
	}
}

static void test_lex(void)
{
	struct zset *z = zset_new();
	int bad = 0, out;

	CHECK_MSG(z != NULL, "zset_new");
	nmodel = 0;
	for (int i = 0; i < POOL; i++)
		if (rng() % 2) {
			CHECK_MSG(zset_add(z, pool[i].b, pool[i].len, 1.5, 0, &out, NULL) == 0 &&
				      out == ZSET_ADDED,
				  "add %d", i);
			model[nmodel].score = 1.5;
			model[nmodel++].id = i;
		}
	model_sort();
	compare_full(z, "lex setup");
	for (int t = 0; t < 300; t++) {
		struct zset_lex_range r;
		struct kv_entry *f, *l;
		int fi = -1, li = -1;

		rand_lex(&r);
		for (int i = 0; i < nmodel; i++)
			if (ref_in_lex(&model[i], &r)) {
				if (fi < 0)
					fi = i;
				li = i;
			}
		f = zset_first_in_lex_range(z, &r);
		l = zset_last_in_lex_range(z, &r);
		if (fi < 0)
			bad += f != NULL || l != NULL;
		else
			bad += !f || !l || !node_is(f, &model[fi]) || !node_is(l, &model[li]) ||
			       !zset_node_in_lex_range(f, &r);
		if (t % 30 == 29) {
			__u64 removed, expect = 0;

			for (int i = nmodel - 1; i >= 0; i--)
				if (ref_in_lex(&model[i], &r)) {
					model_remove_at(i);
					expect++;
				}
			zset_delete_range_by_lex(z, &r, &removed);
			CHECK_MSG(removed == expect, "lex delete removed %llu, want %llu",
				  (unsigned long long)removed, (unsigned long long)expect);
			compare_full(z, "lex delete");
		}
	}
	CHECK_MSG(!bad, "%d lex range mismatches", bad);
	compare_ranks(z, "lex");
	zset_free(z);
}

/* ---- the model test ----------------------------------------------------------------------------
 */

static void one_op(struct zset *z)
{
	int id = rng() % POOL, op = rng() % 100, out, i, err;
	struct mem *m = &pool[id];
	double sc = rand_score(), ns = 0;

	i = model_find(id);
	if (op < 55) {
		int flags = 0;
		double want;

		switch (rng() % 8) {
		case 0:
			flags = ZSET_ADD_NX;
			break;
		case 1:
			flags = ZSET_ADD_XX;
			break;
		case 2:
			flags = ZSET_ADD_GT;
			break;
		case 3:
			flags = ZSET_ADD_LT;
			break;
		case 4:
			flags = ZSET_ADD_INCR;
			break;
		}
		err = zset_add(z, m->b, m->len, sc, flags, &out, &ns);
		if (i < 0) {
			if (flags & ZSET_ADD_XX) {
				CHECK_MSG(!err && out == ZSET_NOP, "XX on absent");
				return;
			}
			CHECK_MSG(!err && out == ZSET_ADDED && ns == sc, "add new");
			model[nmodel].score = sc;
			model[nmodel++].id = id;
			model_sort();
			return;
		}
		want = model[i].score;
		if (flags & ZSET_ADD_NX) {
			CHECK_MSG(!err && out == ZSET_NOP && ns == want, "NX on present");
			return;
		}
		if (flags & ZSET_ADD_INCR) {
			if (isnan(sc + want)) {
				CHECK_MSG(err == -EDOM && out == ZSET_NOP, "INCR to NaN refused");
				return;
			}
			sc += want;
		}
		if (((flags & ZSET_ADD_GT) && sc <= want) ||
		    ((flags & ZSET_ADD_LT) && sc >= want)) {
			CHECK_MSG(!err && out == ZSET_NOP && ns == want, "GT/LT refused");
			return;
		}
		CHECK_MSG(!err && ns == sc, "update");
		if (sc != want) {
			CHECK_MSG(out == ZSET_UPDATED, "updated");
			model[i].score = sc;
			model_sort();
		} else {
			CHECK_MSG(out == ZSET_NOP, "same score is a no-op");
		}
	} else if (op < 80) {
		err = zset_rem(z, m->b, m->len);
		CHECK_MSG(err == (i < 0 ? -ENOENT : 0), "rem %d", id);
		if (i >= 0)
			model_remove_at(i);
	} else if (op < 86) {
		struct zset_range r;
		__u64 removed, expect = 0;

		rand_range(&r);
		for (i = nmodel - 1; i >= 0; i--)
			if (zset_score_in_range(model[i].score, &r)) {
				model_remove_at(i);
				expect++;
			}
		zset_delete_range_by_score(z, &r, &removed);
		CHECK_MSG(removed == expect, "score range delete %llu vs %llu",
			  (unsigned long long)removed, (unsigned long long)expect);
	} else if (op < 90 && nmodel) {
		__u64 a = rng() % nmodel, b = a + rng() % 10, removed;

		if (b >= (__u64)nmodel)
			b = nmodel - 1;
		zset_delete_range_by_rank(z, a, b, &removed);
		CHECK_MSG(removed == b - a + 1, "rank range delete");
		for (__u64 k = a; k <= b; k++)
			model_remove_at((int)a);
	} else {
		/* score change that keeps its place (in-place path) or moves it */
		if (i < 0)
			return;
		sc = model[i].score;
		if (isinf(sc))
			return;
		sc += rng() % 2 ? 1e-9 : 3;
		err = zset_add(z, m->b, m->len, sc, 0, &out, &ns);
		CHECK_MSG(!err && out == ZSET_UPDATED, "small update");
		model[i].score = sc;
		model_sort();
	}
}

static void test_model(void)
{
	struct zset *z = zset_new();
	__u64 used0;

	CHECK_MSG(z != NULL, "zset_new");
	used0 = arena_used_bytes();
	nmodel = 0;
	for (int batch = 0; batch < 120; batch++) {
		char what[32];
		int nops = 1 + rng() % 80;

		for (int k = 0; k < nops; k++)
			one_op(z);
		snprintf(what, sizeof(what), "batch %d", batch);
		compare_full(z, what);
		if (batch % 4 == 0) {
			compare_ranks(z, what);
			compare_ranges(z, what);
		}
	}
	CHECK_MSG(zset_mem_usage(z) > arena_usable_size(z), "mem usage counts nodes");
	{
		int out;
		double ns;

		CHECK_MSG(zset_add(z, "x", 1, NAN, 0, &out, &ns) == -EINVAL, "NaN refused");
		zset_add(z, "x", 1, INFINITY, 0, &out, &ns);
		CHECK_MSG(zset_add(z, "x", 1, -INFINITY, ZSET_ADD_INCR, &out, &ns) == -EDOM &&
			      zset_score(z, "x", 1, &ns) == 0 && ns == INFINITY,
			  "inf + -inf refused, score kept");
	}
	(void)used0;
	zset_free(z);
}

static void test_levels_and_free(void)
{
	__u64 used0 = arena_used_bytes(), n2 = 0, total = 20000;
	struct zset *z = zset_new();
	struct kv_entry *n;
	char b[16];
	int out;

	for (__u64 i = 0; i < total; i++) {
		int len = snprintf(b, sizeof(b), "k%llu", (unsigned long long)i);

		CHECK_MSG(zset_add(z, b, len, (double)(i * 7919 % total), 0, &out, NULL) == 0,
			  "add");
	}
	zset_check(z);
	for (n = zset_first(z); n; n = zset_next(n))
		n2 += zset_node_of(n)->level >= 2;
	CHECK_MSG(n2 > total * 22 / 100 && n2 < total * 28 / 100,
		  "p = 1/4: %llu of %llu at level >= 2", (unsigned long long)n2,
		  (unsigned long long)total);
	CHECK_MSG(z->level >= 5 && z->level <= 14, "top level %u for 20000 members", z->level);
	printf("memory: %llu arena bytes for %llu members (%.1f per member)\n",
	       (unsigned long long)zset_mem_usage(z), (unsigned long long)total,
	       (double)zset_mem_usage(z) / (double)total);
	zset_free(z);
	CHECK_MSG(arena_used_bytes() == used0, "free returns every byte (%llu vs %llu)",
		  (unsigned long long)arena_used_bytes(), (unsigned long long)used0);
}

/* ---- concurrency ----------------------------------------------------------------------------- */

#define CC_FIXED   64	/* members "f<i>" with score i: rank i, always present */
#define CC_CHURN   2000 /* members "c<i>", scores >= 1000 encode i */
#define CC_READERS 3

static struct zset *cc_z;
static volatile int cc_stop;

struct cc_stats {
	__u64 hits, doubt, wrong;
};

/* churn scores: 1000 + k * CC_CHURN + i, so a (member, score) pair is checkable */
static int cc_pair_ok(const __u8 *m, __u32 len, double sc)
{
	char b[16];
	int l;

	if (sc < CC_FIXED) {
		l = snprintf(b, sizeof(b), "f%d", (int)sc);
		return sc == (int)sc && (__u32)l == len && !memcmp(b, m, len);
	}
	if (sc < 1000 || sc != (double)(__u64)sc)
		return 0;
	l = snprintf(b, sizeof(b), "c%llu", (unsigned long long)(((__u64)sc - 1000) % CC_CHURN));
	return (__u32)l == len && !memcmp(b, m, len);
}

static void *cc_reader(void *arg)
{
	struct cc_stats *st = arg;
	__u64 seed = (__u64)(unsigned long)arg | 1;

	while (!cc_stop) {
		char b[16];
		int i, l, err;
		__u64 rank, sb;
		double sc;

		seed ^= seed << 13;
		seed ^= seed >> 7;
		seed ^= seed << 17;
		i = seed % CC_FIXED;
		l = snprintf(b, sizeof(b), "f%d", i);
		if (seed & 0x100) {
			err = zset_read_rank(cc_z, b, l, 0, &rank, &sb);
			memcpy(&sc, &sb, 8);
			if (!err && (rank != (__u64)i || sc != i))
				st->wrong++;
		} else {
			err = zset_read_score(cc_z, b, l, &sb);
			memcpy(&sc, &sb, 8);
			if (!err && sc != i)
				st->wrong++;
		}
		if (err == -EAGAIN)
			st->doubt++;
		else if (err)
			st->wrong++;
		else
			st->hits++;
		if ((seed & 0x7) == 0) {
			struct zset_read_item it[32];
			__u8 buf[32 * 16];
			__u64 start = (seed >> 20) % 120;
			__u32 n, seq, off = 0, bad = 0;
			double prev = -INFINITY;

			err = zset_read_range_by_rank(cc_z, start, 32, 0, it, 32, &n, &seq);
			/* copy the bytes, then validate: only then are they one state */
			for (__u32 k = 0; !err && k < n; k++) {
				__u32 ml = it[k].mlen < 16 ? it[k].mlen : 16;

				memcpy(buf + off, (const void *)(unsigned long)it[k].member, ml);
				off += ml;
			}
			if (err == -EAGAIN || (!err && zset_read_retry(cc_z, seq))) {
				st->doubt++;
				continue;
			}
			if (err || (start + 32 <= CC_FIXED && n != 32)) {
				st->wrong++;
				continue;
			}
			off = 0;
			for (__u32 k = 0; k < n; k++) {
				memcpy(&sc, &it[k].score, 8);
				if (it[k].mlen > 16 || !cc_pair_ok(buf + off, it[k].mlen, sc) ||
				    sc <= prev ||
				    (start + k < CC_FIXED && sc != (double)(start + k)))
					bad++;
				off += it[k].mlen;
				prev = sc;
			}
			st->wrong += bad;
			st->hits++;
		}
	}
	return NULL;
}

static void test_concurrency(double seconds)
{
	struct cc_stats st[CC_READERS] = {0};
	pthread_t th[CC_READERS];
	struct timespec t0, t;
	__u64 ops = 0, hits = 0, doubt = 0, wrong = 0;
	char b[16];
	int out, l;

	cc_z = zset_new();
	CHECK_MSG(cc_z != NULL, "zset_new");
	for (int i = 0; i < CC_FIXED; i++) {
		l = snprintf(b, sizeof(b), "f%d", i);
		CHECK_MSG(zset_add(cc_z, b, l, i, 0, &out, NULL) == 0, "fixed");
	}
	for (int i = 0; i < CC_READERS; i++)
		CHECK_MSG(pthread_create(&th[i], NULL, cc_reader, &st[i]) == 0, "pthread_create");
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		__u64 r = rng(), i = r % CC_CHURN, k = (r >> 16) % 100;

		l = snprintf(b, sizeof(b), "c%llu", (unsigned long long)i);
		if ((r >> 40) % 10 < 6) {
			zset_add(cc_z, b, l, (double)(1000 + k * CC_CHURN + i), 0, &out, NULL);
		} else if ((r >> 40) % 10 < 9) {
			zset_rem(cc_z, b, l);
		} else if (zset_card(cc_z) > CC_FIXED + 500) {
			struct zset_range rg = {1000 + k * CC_CHURN, 1000 + (k + 5) * CC_CHURN, 0,
						1};

			zset_delete_range_by_score(cc_z, &rg, NULL);
		}
		if ((++ops & 1023) == 0) {
			clock_gettime(CLOCK_MONOTONIC, &t);
			if ((double)(t.tv_sec - t0.tv_sec) + (t.tv_nsec - t0.tv_nsec) / 1e9 >
			    seconds)
				break;
		}
	}
	cc_stop = 1;
	for (int i = 0; i < CC_READERS; i++) {
		pthread_join(th[i], NULL);
		hits += st[i].hits;
		doubt += st[i].doubt;
		wrong += st[i].wrong;
	}
	zset_check(cc_z);
	printf("concurrency: %llu writes, %llu reader hits, %llu in doubt, %llu wrong\n",
	       (unsigned long long)ops, (unsigned long long)hits, (unsigned long long)doubt,
	       (unsigned long long)wrong);
	CHECK_MSG(wrong == 0, "%llu wrong reader answers", (unsigned long long)wrong);
	CHECK_MSG(hits > 1000, "readers got answers (%llu)", (unsigned long long)hits);
	zset_free(cc_z);
}

/* One value through zset_fmt_score and snprintf("%.17g") (what server/reply.c sends), and
 * through zset_score_int when it takes it. Returns 1 when formatted, 0 when passed up; counts a
 * mismatch in *bad. */
static int fmt_check(double v, __u64 *bad)
{
	char mine[ZSET_SCORE_STR_MAX + 8], ref[64];
	__u64 bits;
	__u32 len;

	memcpy(&bits, &v, 8);
	memset(mine, 0x55, sizeof(mine));
	len = zset_fmt_score(bits, mine);
	{
		/* the fast path's integer subset agrees with the formatter */
		__s64 iv;
		int kind = zset_score_int(bits, &iv);

		if (kind == 1)
			snprintf(ref, sizeof(ref), "%lld", (long long)iv);
		else
			snprintf(ref, sizeof(ref), "%s", kind == 2 ? "inf" : "-inf");
		if (kind && (!len || len != strlen(ref) || memcmp(mine, ref, len)) && (*bad)++ < 5)
			fprintf(stderr, "score_int %a: '%s' formatter '%.*s'\n", v, ref, (int)len,
				mine);
	}
	if (!len)
		return 0;
	if (isinf(v))
		snprintf(ref, sizeof(ref), v > 0 ? "inf" : "-inf");
	else
		snprintf(ref, sizeof(ref), "%.17g", v);
	if (len > ZSET_SCORE_STR_MAX || len != strlen(ref) || memcmp(mine, ref, len) ||
	    mine[len] != 0x55) {
		if ((*bad)++ < 5)
			fprintf(stderr, "fmt %a: mine '%.*s' ref '%s'\n", v, (int)len, mine, ref);
	}
	return 1;
}

/* A random double; kind picks the distribution. */
static double fmt_value(__u64 r, int kind)
{
	double v;
	__u64 b;

	switch (kind) {
	case 0: /* any bits */
		memcpy(&v, &r, 8);
		return v;
	case 1: /* integers, small and up to 2^64 */
		return (double)(r >> (r % 64)) * (r & 1 ? 1 : -1);
	case 2: /* dyadic fractions m / 2^k */
		return (double)(__s64)((r >> 8) % 100000000000ULL) / (double)(1ULL << (r % 62));
	case 3: /* decimal-looking values, mostly not exact in binary */
		return (double)(__s64)(r % 2000000001 - 1000000000) /
		       (double)zset_fmt_pow10((__u32)(r >> 40) % 12);
	case 4: /* the ends of the ranges: 1e-4, 1e17, 2^64, 2^-24 */
		v = (double[]){1e-4, 1e17, 18446744073709551616.0, 5.9604644775390625e-08,
			       1.0}[(r >> 8) % 5];
		return v * (1.0 + (double)((__s64)(r % 129) - 64) * 0x1p-52);
	case 5: /* ties for the 17th digit: (4e15..9e15 odd) / 4 has 18 digits ending in 5 */
		return (double)((4000000000000000ULL + (r >> 12) % 5000000000000000ULL) | 1) / 4.0;
	default: /* uniform exponent over the rounded range and a bit beyond */
		b = (r & ((1ULL << 52) - 1)) | ((__u64)(1023 - 15 + (r >> 52) % 82) << 52) |
		    (r & (1ULL << 63));
		memcpy(&v, &b, 8);
		return v;
	}
}

/* zset_fmt_score against printf's "%.17g" over millions of values: identical bytes or 0. */
static void test_fmt_score(void)
{
	static const struct {
		double v;
		const char *want; /* NULL: passed up */
	} edges[] = {
	    {0.0, "0"},
	    {-0.0, "-0"},
	    {INFINITY, "inf"},
	    {-INFINITY, "-inf"},
	    {1.5, "1.5"},
	    {-0.25, "-0.25"},
	    {123456789.125, "123456789.125"},
	    {0.1, "0.10000000000000001"},
	    {1.1, "1.1000000000000001"},
	    {-99.95, "-99.950000000000003"},
	    {1e-4, "0.0001"},
	    {0x1p-20, "9.5367431640625e-07"},
	    {0x1p-24, "5.9604644775390625e-08"},
	    {1e17, "1e+17"},
	    {99999999999999999.0, "1e+17"},
	    {123456789012345678.0, "1.2345678901234568e+17"},
	    {1e20, "1e+20"},
	    {1e22, "1e+22"},
	    {1000000000000000.25, "1000000000000000.2"}, /* tie to even */
	    {1000000000000000.75, "1000000000000000.8"},
	    {1e-5, NULL},     /* "1.0000000000000001e-05": not exact, below 1e-4 */
	    {0x1p-30, NULL},  /* 21 significant digits, below 1e-4 */
	    {1e300, NULL},    /* not exact, above 2^64 */
	    {4.9e-324, NULL}, /* subnormal */
	};
	__u64 n = 0, formatted = 0, bad = 0, inrange = 0, inrange_fmt = 0;
	char b[ZSET_SCORE_STR_MAX];
	__u64 bits;

	for (size_t i = 0; i < sizeof(edges) / sizeof(edges[0]); i++) {
		__u32 len;

		memcpy(&bits, &edges[i].v, 8);
		len = zset_fmt_score(bits, b);
		if (edges[i].want)
			CHECK_MSG(len == strlen(edges[i].want) && !memcmp(b, edges[i].want, len),
				  "fmt %a: '%.*s' want '%s'", edges[i].v, (int)len, b,
				  edges[i].want);
		else
			CHECK_MSG(len == 0, "fmt %a: passed up, not '%.*s'", edges[i].v, (int)len,
				  b);
		fmt_check(edges[i].v, &bad);
	}
	for (__u64 i = 0; i < 3500000; i++) {
		double v = fmt_value(rng(), (int)(i % 7)), a = fabs(v);
		int ok;

		if (isnan(v))
			continue;
		n++;
		ok = fmt_check(v, &bad);
		formatted += (__u64)ok;
		if (a >= 1e-4 && a < 18446744073709551616.0) {
			inrange++;
			inrange_fmt += (__u64)ok;
		}
	}
	printf("fmt_score: %llu of %llu values formatted (%llu of %llu in [1e-4, 2^64)), %llu "
	       "differ from %%.17g\n",
	       (unsigned long long)formatted, (unsigned long long)n,
	       (unsigned long long)inrange_fmt, (unsigned long long)inrange,
	       (unsigned long long)bad);
	CHECK_MSG(bad == 0, "%llu scores formatted unlike %%.17g", (unsigned long long)bad);
	CHECK_MSG(inrange_fmt == inrange && inrange > n / 3,
		  "every score in [1e-4, 2^64) is formatted (%llu of %llu)",
		  (unsigned long long)inrange_fmt, (unsigned long long)inrange);
}

/* Free an unlinked zset key entry, then its zset, whether or not kv_free() frees zsets itself
 * (it will: server/t_zset.c relies on it); the value is cleared first so it cannot. */
static void drop_key(struct kv_entry *e, struct zset *z)
{
	struct zset *none = NULL;

	memcpy(kv_val(e), &none, 8);
	kv_free(e);
	zset_free(z);
}

/* zset_read_key through a real database table, as the fast path finds a sorted set. */
static void test_read_key(void)
{
	struct htab *h = (struct htab *)&ARENA_HDR->db[3];
	struct kv_entry *e, *s, *re;
	struct zset *z = zset_new(), *rz;
	char lk[300];
	__u32 seq;
	__u64 sb;
	int out;

	CHECK_MSG(z && zset_add(z, "a", 1, 2.5, 0, &out, NULL) == 0, "zset");
	e = kv_new(KV_ZSET, "zkey", 4, 8, 0);
	memcpy(kv_val(e), &z, 8);
	CHECK_MSG(htab_insert(h, e) == 0, "insert zkey");
	s = kv_new(KV_STRING, "str", 3, 1, 0);
	CHECK_MSG(s && htab_insert(h, s) == 0, "insert str");
	CHECK_MSG(zset_read_key(h, "zkey", 4, 1, &re, &seq, &rz) == 0 && re == e && rz == z &&
		      !kv_read_retry(re, seq),
		  "read_key finds the zset");
	CHECK_MSG(zset_read_score(rz, "a", 1, &sb) == 0 && sb == 0x4004000000000000ULL,
		  "its score");
	CHECK_MSG(zset_read_key(h, "str", 3, 1, &re, &seq, &rz) == -EINVAL, "other type");
	CHECK_MSG(zset_read_key(h, "nope", 4, 1, &re, &seq, &rz) == -ENOENT, "absent");
	htab_set_expire(h, e, 100);
	CHECK_MSG(zset_read_key(h, "zkey", 4, 200, &re, &seq, &rz) == -ENOENT, "expired");
	htab_set_expire(h, e, 0);
	/* a long key: stored out of line */
	memset(lk, 'L', sizeof(lk));
	{
		struct zset *z2 = zset_new();
		struct kv_entry *e2 = kv_new(KV_ZSET, lk, sizeof(lk), 8, 0);

		memcpy(kv_val(e2), &z2, 8);
		CHECK_MSG(htab_insert(h, e2) == 0, "insert long");
		CHECK_MSG(zset_read_key(h, lk, sizeof(lk), 1, &re, &seq, &rz) == 0 && rz == z2,
			  "long key");
		htab_unlink(h, e2);
		drop_key(e2, z2);
	}
	CHECK_MSG(zset_read_key(h, "zkey", 4, 1, &re, &seq, &rz) == 0, "before delete");
	htab_unlink(h, e);
	drop_key(e, z);
	CHECK_MSG(kv_read_retry(re, seq), "a reader that found the key sees it was deleted");
	htab_unlink(h, s);
	kv_free(s);
}

int main(int argc, char **argv)
{
	double cc_seconds = argc > 1 ? atof(argv[1]) : 2.0;
	int err = arena_map_anon();

	if (err) {
		fprintf(stderr, "arena_map_anon: %s\n", strerror(-err));
		return 1;
	}
	CHECK_MSG(arena_format(0) == 0, "format");
	CHECK_MSG(zset_score_key(0x8000000000000000ULL) == zset_score_key(0),
		  "-0.0 and 0.0 have one key");
	{
		double v[] = {-INFINITY, -1e300, -2.5, -1e-300, 0.0, 1e-300, 3.0, 1e300, INFINITY};
		int ok = 1;

		for (unsigned i = 0; i + 1 < sizeof(v) / sizeof(v[0]); i++) {
			__u64 a, b;

			memcpy(&a, &v[i], 8);
			memcpy(&b, &v[i + 1], 8);
			ok &= zset_score_key(a) < zset_score_key(b);
		}
		CHECK_MSG(ok, "score keys keep the order of doubles");
	}
	test_fmt_score();
	make_pool();
	test_model();
	test_lex();
	test_levels_and_free();
	test_read_key();
	test_concurrency(cc_seconds);
	arena_alloc_check();
	CHECK_MSG(arena_unmap() == 0, "unmap");
	printf("test_index_zset: ");
	return ut_done();
}
