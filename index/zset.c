// SPDX-License-Identifier: BSD-2-Clause
/*
 * zset.c - writer side of the sorted set: skip list with spans over node entries that are also
 * the member hash's entries (essay, layout and the concurrency contract: zset.h).
 *
 * Who calls: the writer thread only. Every function that changes a zset brackets the change with
 * zsl_write_begin()/zsl_write_end() (z->seq odd inside), which is what lock-free readers
 * validate; nodes are complete (levels, score, backward) before the pointer store that links them
 * is made, so even a reader that ignored the seq would never follow an uninitialised pointer.
 *
 * Invariants (zset_check() asserts all of them):
 *  - Level 0 is the nodes in strictly increasing (score, member) order; backward pointers mirror
 *    it; tail is the last node; length is their number and equals the hash's count.
 *  - For i < z->level, level i is a sub-sequence of level 0 made of the nodes with level > i; a
 *    forward pointer's span is the rank distance it jumps, and a NULL forward's span is the
 *    distance to the end (length - rank). head[z->level - 1].forward != NULL unless empty.
 *  - Every node is linked in z->dict (tag ZSET_HTAB_TAG) under its member.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "zset.h"

/* ---- helpers ------------------------------------------------------------------------------ */

static void zsl_write_begin(struct zset *z)
{
	ARENA_ASSERT(!(z->seq & 1));
	arena_write_once(z->seq, z->seq + 1);
	arena_smp_wmb();
}

static void zsl_write_end(struct zset *z)
{
	arena_smp_wmb();
	arena_write_once(z->seq, z->seq + 1);
}

/* memcmp order, a proper prefix first (Redis's sdscmp). */
static int zsl_lexcmp(const void *a, __u32 alen, const void *b, __u32 blen)
{
	__u32 n = alen < blen ? alen : blen;
	int c = n ? memcmp(a, b, n) : 0;

	if (c)
		return c;
	return alen < blen ? -1 : alen > blen;
}

/* Order of node n against (score, member): < 0, 0, > 0. */
static int zsl_cmp(const struct kv_entry *n, double score, const void *m, __u32 mlen)
{
	double s = zset_node_score(n);

	if (s < score)
		return -1;
	if (s > score)
		return 1;
	return zsl_lexcmp(kv_key(n), n->klen, m, mlen);
}

/* Level of a new node: 1 + (number of leading 1/4 chances won), from one 64-bit xorshift draw:
 * two random bits per level, so P(level > k) = 4^-k, capped at ZSET_MAXLEVEL. */
static __u32 zsl_random_level(struct zset *z)
{
	__u64 x = z->rng;
	__u32 level;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	z->rng = x;
	level = 1 + (__u32)__builtin_ctzll(x | (1ULL << 63)) / 2;
	return level > ZSET_MAXLEVEL ? ZSET_MAXLEVEL : level;
}

int zset_score_in_range(double score, const struct zset_range *r)
{
	if (r->minex ? !(score > r->min) : !(score >= r->min))
		return 0;
	return r->maxex ? score < r->max : score <= r->max;
}

static int zsl_gte_min(double score, const struct zset_range *r)
{
	return r->minex ? score > r->min : score >= r->min;
}

static int zsl_lte_max(double score, const struct zset_range *r)
{
	return r->maxex ? score < r->max : score <= r->max;
}

static int zsl_lex_gte_min(const void *m, __u32 mlen, const struct zset_lex_range *r)
{
	int c;

	if (r->minkind == ZSET_LEX_NEG_INF)
		return 1;
	if (r->minkind == ZSET_LEX_POS_INF)
		return 0;
	c = zsl_lexcmp(m, mlen, r->min, r->minlen);
	return r->minex ? c > 0 : c >= 0;
}

static int zsl_lex_lte_max(const void *m, __u32 mlen, const struct zset_lex_range *r)
{
	int c;

	if (r->maxkind == ZSET_LEX_POS_INF)
		return 1;
	if (r->maxkind == ZSET_LEX_NEG_INF)
		return 0;
	c = zsl_lexcmp(m, mlen, r->max, r->maxlen);
	return r->maxex ? c < 0 : c <= 0;
}

int zset_node_in_lex_range(const struct kv_entry *n, const struct zset_lex_range *r)
{
	return zsl_lex_gte_min(kv_key(n), n->klen, r) && zsl_lex_lte_max(kv_key(n), n->klen, r);
}

/* ---- life cycle --------------------------------------------------------------------------- */

struct zset *zset_new(void)
{
	static __u64 seed = 0x9e3779b97f4a7c15ULL;
	struct zset *z = arena_alloc_blob(sizeof(*z));

	if (!z)
		return NULL;
	memset(z, 0, sizeof(*z));
	if (htab_init(&z->dict, 0)) {
		arena_free(z);
		return NULL;
	}
	z->dict.tag = ZSET_HTAB_TAG;
	z->level = 1;
	seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
	z->rng = (seed ^ arena_addr(z)) | 1; /* xorshift state must not be 0 */
	return z;
}

void zset_free(struct zset *z)
{
	if (!z)
		return;
	/* Odd for good: a reader still holding z is in doubt from here on. */
	zsl_write_begin(z);
	htab_clear(&z->dict); /* the nodes are the hash's entries: this frees them all */
	z->length = 0;
	z->tail = NULL;
	arena_free(z);
}

/* ---- linking ------------------------------------------------------------------------------ */

/*
 * Link node x (level, score and member set, not linked) at its place. Inside a write section.
 * The walk records, per level, the level array of the last node before x (update) and its rank.
 */
static void zsl_link(struct zset *z, struct kv_entry *x)
{
	struct zset_level *update[ZSET_MAXLEVEL], *lv = z->head;
	struct zset_node *xn = zset_node_of(x);
	struct kv_entry *prev = NULL, *f;
	__u64 rank[ZSET_MAXLEVEL];
	double score = xn->score.d;
	__u32 level = xn->level;
	int i;

	for (i = (int)z->level - 1; i >= 0; i--) {
		rank[i] = i == (int)z->level - 1 ? 0 : rank[i + 1];
		while ((f = lv[i].forward) && zsl_cmp(f, score, kv_key(x), x->klen) < 0) {
			rank[i] += lv[i].span;
			prev = f;
			lv = zset_node_of(f)->lv;
		}
		update[i] = lv;
	}
	if (level > z->level) {
		for (i = (int)z->level; i < (int)level; i++) {
			rank[i] = 0;
			update[i] = z->head;
			z->head[i].span = z->length;
		}
	}
	for (i = 0; i < (int)level; i++) {
		xn->lv[i].forward = update[i][i].forward;
		xn->lv[i].span = update[i][i].span - (rank[0] - rank[i]);
	}
	xn->backward = prev;
	arena_smp_wmb(); /* x complete before anything points to it */
	for (i = 0; i < (int)level; i++) {
		arena_write_once(update[i][i].forward, x);
		update[i][i].span = rank[0] - rank[i] + 1;
	}
	for (i = (int)level; i < (int)z->level; i++)
		update[i][i].span++;
	if (xn->lv[0].forward)
		zset_node_of(xn->lv[0].forward)->backward = x;
	else
		z->tail = x;
	if (level > z->level)
		z->level = level;
	z->length++;
}

/* Fill update[] with, per level, the level array of the last node ordered before x. */
static void zsl_find_update(struct zset *z, const struct kv_entry *x, struct zset_level **update)
{
	struct zset_level *lv = z->head;
	double score = zset_node_score(x);
	struct kv_entry *f;
	int i;

	for (i = (int)z->level - 1; i >= 0; i--) {
		while ((f = lv[i].forward) && f != x && zsl_cmp(f, score, kv_key(x), x->klen) < 0)
			lv = zset_node_of(f)->lv;
		update[i] = lv;
	}
	ARENA_ASSERT(update[0][0].forward == x);
}

/* Unlink x given update[] (zslDeleteNode). Inside a write section; x stays allocated. */
static void zsl_unlink(struct zset *z, struct kv_entry *x, struct zset_level **update)
{
	struct zset_node *xn = zset_node_of(x);
	int i;

	for (i = 0; i < (int)z->level; i++) {
		if (update[i][i].forward == x) {
			update[i][i].span += xn->lv[i].span - 1;
			arena_write_once(update[i][i].forward, xn->lv[i].forward);
		} else {
			update[i][i].span -= 1;
		}
	}
	if (xn->lv[0].forward)
		zset_node_of(xn->lv[0].forward)->backward = xn->backward;
	else
		z->tail = xn->backward;
	while (z->level > 1 && !z->head[z->level - 1].forward)
		z->level--;
	z->length--;
}

/* Unlink x from the list and the hash and free it. Inside a write section. */
static void zsl_delete(struct zset *z, struct kv_entry *x, struct zset_level **update)
{
	zsl_unlink(z, x, update);
	htab_unlink(&z->dict, x);
	z->bytes -= kv_mem_usage(x);
	kv_free(x);
}

/* ---- add / remove / lookup ---------------------------------------------------------------- */

/* New node entry for member with score, linked into list and hash. 0 or -ENOMEM (no change). */
static int zsl_insert(struct zset *z, const void *m, __u32 mlen, double score)
{
	__u32 level = zsl_random_level(z), i;
	struct zset_node *xn;
	struct kv_entry *x;

	x = kv_new(ZSET_KV_NODE, m, mlen, (__u32)zset_node_vlen(level), 0);
	if (!x)
		return -ENOMEM;
	xn = zset_node_of(x);
	xn->score.d = score;
	xn->backward = NULL;
	xn->level = level;
	xn->pad = 0;
	for (i = 0; i < level; i++) {
		xn->lv[i].forward = NULL;
		xn->lv[i].span = 0;
	}
	zsl_write_begin(z);
	if (htab_insert(&z->dict, x)) {
		zsl_write_end(z);
		kv_free(x);
		return -ENOMEM;
	}
	zsl_link(z, x);
	z->bytes += kv_mem_usage(x);
	zsl_write_end(z);
	return 0;
}

/* Change x's score (zslUpdateScore): in place when the order is kept, else unlink + relink. */
static void zsl_update_score(struct zset *z, struct kv_entry *x, double score)
{
	struct zset_level *update[ZSET_MAXLEVEL];
	struct zset_node *xn = zset_node_of(x);

	zsl_write_begin(z);
	if ((!xn->backward || zsl_cmp(xn->backward, score, kv_key(x), x->klen) < 0) &&
	    (!xn->lv[0].forward || zsl_cmp(xn->lv[0].forward, score, kv_key(x), x->klen) > 0)) {
		xn->score.d = score;
	} else {
		zsl_find_update(z, x, update);
		zsl_unlink(z, x, update);
		xn->score.d = score;
		zsl_link(z, x);
	}
	zsl_write_end(z);
}

int zset_add(struct zset *z, const void *member, __u32 mlen, double score, int flags, int *out,
	     double *newscore)
{
	struct kv_entry *x;
	double cur;
	int err;

	*out = ZSET_NOP;
	if (isnan(score))
		return -EINVAL;
	x = htab_find(&z->dict, member, mlen);
	if (x) {
		cur = zset_node_score(x);
		if (newscore)
			*newscore = cur;
		if (flags & ZSET_ADD_NX)
			return 0;
		if (flags & ZSET_ADD_INCR) {
			score += cur;
			if (isnan(score))
				return -EDOM;
		}
		if (((flags & ZSET_ADD_LT) && score >= cur) ||
		    ((flags & ZSET_ADD_GT) && score <= cur))
			return 0;
		if (newscore)
			*newscore = score;
		if (score != cur) {
			zsl_update_score(z, x, score);
			*out = ZSET_UPDATED;
		}
		return 0;
	}
	if (flags & ZSET_ADD_XX)
		return 0;
	err = zsl_insert(z, member, mlen, score);
	if (err)
		return err;
	if (newscore)
		*newscore = score;
	*out = ZSET_ADDED;
	return 0;
}

int zset_score(const struct zset *z, const void *member, __u32 mlen, double *score)
{
	struct kv_entry *x = htab_find((struct htab *)&z->dict, member, mlen);

	if (!x)
		return -ENOENT;
	*score = zset_node_score(x);
	return 0;
}

int zset_rem(struct zset *z, const void *member, __u32 mlen)
{
	struct zset_level *update[ZSET_MAXLEVEL];
	struct kv_entry *x = htab_find(&z->dict, member, mlen);

	if (!x)
		return -ENOENT;
	zsl_write_begin(z);
	zsl_find_update(z, x, update);
	zsl_delete(z, x, update);
	zsl_write_end(z);
	return 0;
}

__u64 zset_node_rank(const struct zset *z, const struct kv_entry *n)
{
	const struct zset_level *lv = z->head;
	double score = zset_node_score(n);
	struct kv_entry *f;
	__u64 rank = 0;
	int i;

	for (i = (int)z->level - 1; i >= 0; i--) {
		while ((f = lv[i].forward) && zsl_cmp(f, score, kv_key(n), n->klen) <= 0) {
			rank += lv[i].span;
			if (f == n)
				return rank - 1;
			lv = zset_node_of(f)->lv;
		}
	}
	ARENA_ASSERT(!"zset_node_rank: node not in its zset");
	return 0;
}

int zset_rank(const struct zset *z, const void *member, __u32 mlen, int reverse, __u64 *rank,
	      double *score)
{
	struct kv_entry *x = htab_find((struct htab *)&z->dict, member, mlen);
	__u64 r;

	if (!x)
		return -ENOENT;
	r = zset_node_rank(z, x);
	*rank = reverse ? z->length - 1 - r : r;
	if (score)
		*score = zset_node_score(x);
	return 0;
}

struct kv_entry *zset_node_by_rank(const struct zset *z, __u64 rank)
{
	const struct zset_level *lv = z->head;
	__u64 traversed = 0, want = rank + 1; /* 1-based, as the spans count */
	struct kv_entry *x = NULL;
	int i;

	if (rank >= z->length)
		return NULL;
	for (i = (int)z->level - 1; i >= 0; i--) {
		while (lv[i].forward && traversed + lv[i].span <= want) {
			traversed += lv[i].span;
			x = lv[i].forward;
			lv = zset_node_of(x)->lv;
		}
		if (traversed == want)
			return x;
	}
	ARENA_ASSERT(!"zset_node_by_rank: spans disagree with length");
	return NULL;
}

struct kv_entry *zset_first(const struct zset *z)
{
	return z->head[0].forward;
}

struct kv_entry *zset_last(const struct zset *z)
{
	return z->tail;
}

struct kv_entry *zset_next(const struct kv_entry *n)
{
	return zset_node_of(n)->lv[0].forward;
}

struct kv_entry *zset_prev(const struct kv_entry *n)
{
	return zset_node_of(n)->backward;
}

/* ---- ranges ------------------------------------------------------------------------------- */

/* Is some part of r inside [first score, last score]? (zslIsInRange) */
static int zsl_is_in_range(const struct zset *z, const struct zset_range *r)
{
	if (r->min > r->max || (r->min == r->max && (r->minex || r->maxex)))
		return 0;
	if (!z->tail || !zsl_gte_min(zset_node_score(z->tail), r))
		return 0;
	return zsl_lte_max(zset_node_score(z->head[0].forward), r);
}

struct kv_entry *zset_first_in_range(const struct zset *z, const struct zset_range *r)
{
	const struct zset_level *lv = z->head;
	struct kv_entry *x;
	int i;

	if (!zsl_is_in_range(z, r))
		return NULL;
	for (i = (int)z->level - 1; i >= 0; i--)
		while (lv[i].forward && !zsl_gte_min(zset_node_score(lv[i].forward), r))
			lv = zset_node_of(lv[i].forward)->lv;
	x = lv[0].forward;
	return x && zsl_lte_max(zset_node_score(x), r) ? x : NULL;
}

struct kv_entry *zset_last_in_range(const struct zset *z, const struct zset_range *r)
{
	const struct zset_level *lv = z->head;
	struct kv_entry *x = NULL;
	int i;

	if (!zsl_is_in_range(z, r))
		return NULL;
	for (i = (int)z->level - 1; i >= 0; i--)
		while (lv[i].forward && zsl_lte_max(zset_node_score(lv[i].forward), r)) {
			x = lv[i].forward;
			lv = zset_node_of(x)->lv;
		}
	return x && zsl_gte_min(zset_node_score(x), r) ? x : NULL;
}

/* Is some part of r inside [first member, last member]? (zslIsInLexRange) */
static int zsl_is_in_lex_range(const struct zset *z, const struct zset_lex_range *r)
{
	struct kv_entry *f = z->head[0].forward, *l = z->tail;
	int c;

	if (r->minkind == ZSET_LEX_POS_INF || r->maxkind == ZSET_LEX_NEG_INF)
		return 0;
	if (r->minkind == ZSET_LEX_VALUE && r->maxkind == ZSET_LEX_VALUE) {
		c = zsl_lexcmp(r->min, r->minlen, r->max, r->maxlen);
		if (c > 0 || (c == 0 && (r->minex || r->maxex)))
			return 0;
	}
	if (!l || !zsl_lex_gte_min(kv_key(l), l->klen, r))
		return 0;
	return zsl_lex_lte_max(kv_key(f), f->klen, r);
}

struct kv_entry *zset_first_in_lex_range(const struct zset *z, const struct zset_lex_range *r)
{
	const struct zset_level *lv = z->head;
	struct kv_entry *x, *f;
	int i;

	if (!zsl_is_in_lex_range(z, r))
		return NULL;
	for (i = (int)z->level - 1; i >= 0; i--)
		while ((f = lv[i].forward) && !zsl_lex_gte_min(kv_key(f), f->klen, r))
			lv = zset_node_of(f)->lv;
	x = lv[0].forward;
	return x && zsl_lex_lte_max(kv_key(x), x->klen, r) ? x : NULL;
}

struct kv_entry *zset_last_in_lex_range(const struct zset *z, const struct zset_lex_range *r)
{
	const struct zset_level *lv = z->head;
	struct kv_entry *x = NULL, *f;
	int i;

	if (!zsl_is_in_lex_range(z, r))
		return NULL;
	for (i = (int)z->level - 1; i >= 0; i--)
		while ((f = lv[i].forward) && zsl_lex_lte_max(kv_key(f), f->klen, r)) {
			x = f;
			lv = zset_node_of(x)->lv;
		}
	return x && zsl_lex_gte_min(kv_key(x), x->klen, r) ? x : NULL;
}

int zset_delete_range_by_score(struct zset *z, const struct zset_range *r, __u64 *removed)
{
	struct zset_level *update[ZSET_MAXLEVEL], *lv = z->head;
	struct kv_entry *x, *next;
	__u64 n = 0;
	int i;

	zsl_write_begin(z);
	for (i = (int)z->level - 1; i >= 0; i--) {
		while (lv[i].forward && !zsl_gte_min(zset_node_score(lv[i].forward), r))
			lv = zset_node_of(lv[i].forward)->lv;
		update[i] = lv;
	}
	x = lv[0].forward;
	while (x && zsl_lte_max(zset_node_score(x), r)) {
		next = zset_node_of(x)->lv[0].forward;
		zsl_delete(z, x, update);
		n++;
		x = next;
	}
	zsl_write_end(z);
	if (removed)
		*removed = n;
	return 0;
}

int zset_delete_range_by_lex(struct zset *z, const struct zset_lex_range *r, __u64 *removed)
{
	struct zset_level *update[ZSET_MAXLEVEL], *lv = z->head;
	struct kv_entry *x, *next, *f;
	__u64 n = 0;
	int i;

	zsl_write_begin(z);
	for (i = (int)z->level - 1; i >= 0; i--) {
		while ((f = lv[i].forward) && !zsl_lex_gte_min(kv_key(f), f->klen, r))
			lv = zset_node_of(f)->lv;
		update[i] = lv;
	}
	x = lv[0].forward;
	while (x && zsl_lex_lte_max(kv_key(x), x->klen, r)) {
		next = zset_node_of(x)->lv[0].forward;
		zsl_delete(z, x, update);
		n++;
		x = next;
	}
	zsl_write_end(z);
	if (removed)
		*removed = n;
	return 0;
}

int zset_delete_range_by_rank(struct zset *z, __u64 start, __u64 end, __u64 *removed)
{
	struct zset_level *update[ZSET_MAXLEVEL], *lv = z->head;
	struct kv_entry *x, *next;
	__u64 traversed = 0, n = 0;
	int i;

	zsl_write_begin(z);
	for (i = (int)z->level - 1; i >= 0; i--) {
		while (lv[i].forward && traversed + lv[i].span <= start) {
			traversed += lv[i].span;
			lv = zset_node_of(lv[i].forward)->lv;
		}
		update[i] = lv;
	}
	x = lv[0].forward;
	while (x && traversed <= end) {
		next = zset_node_of(x)->lv[0].forward;
		zsl_delete(z, x, update);
		n++;
		traversed++;
		x = next;
	}
	zsl_write_end(z);
	if (removed)
		*removed = n;
	return 0;
}

__u64 zset_mem_usage(const struct zset *z)
{
	return arena_usable_size(z) + z->bytes + htab_buckets(&z->dict) * 8;
}

/* ---- checking ----------------------------------------------------------------------------- */

void zset_check(const struct zset *z)
{
	struct kv_entry **nodes, *x, *prev = NULL;
	const struct zset_level *lv;
	__u64 n = 0, pos, j;
	int i;

	ARENA_ASSERT(!(z->seq & 1));
	ARENA_ASSERT(z->level >= 1 && z->level <= ZSET_MAXLEVEL);
	ARENA_ASSERT(htab_count(&z->dict) == z->length);
	nodes = malloc((z->length + 1) * sizeof(*nodes));
	ARENA_ASSERT(nodes);
	for (x = z->head[0].forward; x; x = zset_next(x)) {
		ARENA_ASSERT(n < z->length);
		ARENA_ASSERT(x->type == ZSET_KV_NODE && !(x->seq & 1));
		ARENA_ASSERT(zset_node_of(x)->backward == prev);
		ARENA_ASSERT(!isnan(zset_node_score(x)));
		ARENA_ASSERT(zset_node_of(x)->level >= 1 &&
			     zset_node_of(x)->level <= ZSET_MAXLEVEL);
		if (prev)
			ARENA_ASSERT(zsl_cmp(prev, zset_node_score(x), kv_key(x), x->klen) < 0);
		ARENA_ASSERT(htab_find((struct htab *)&z->dict, kv_key(x), x->klen) == x);
		nodes[n++] = x;
		prev = x;
	}
	ARENA_ASSERT(n == z->length);
	ARENA_ASSERT(z->tail == prev);
	ARENA_ASSERT(z->level == 1 || z->head[z->level - 1].forward);
	for (i = 0; i < (int)z->level; i++) {
		lv = z->head;
		pos = 0; /* rank of the node owning lv, 1-based; 0 = header */
		for (;;) {
			x = lv[i].forward;
			if (!x) {
				ARENA_ASSERT(lv[i].span == z->length - pos);
				break;
			}
			ARENA_ASSERT(zset_node_of(x)->level > (__u32)i);
			/* the nodes this pointer jumps over are exactly those too low for level i
			 */
			for (j = pos; j < n && nodes[j] != x; j++)
				ARENA_ASSERT(zset_node_of(nodes[j])->level <= (__u32)i);
			ARENA_ASSERT(j < n);
			ARENA_ASSERT(lv[i].span == j + 1 - pos);
			pos = j + 1;
			lv = zset_node_of(x)->lv;
		}
	}
	free(nodes);
}
