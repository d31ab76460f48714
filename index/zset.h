/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * zset.h - sorted sets: a skip list in the arena plus a member -> node hash (the htab code),
 * written by the server, read lock-free by BPF programs and reader threads.
 *
 * The algorithm
 * -------------
 * Redis's zset: a skip list (Pugh) ordered by (score, member), each level of each node carrying
 * the span (how many level-0 steps its forward pointer jumps) so rank <-> node is O(log n), a
 * backward pointer on level 0 for reverse iteration, and a hash from member to node for O(1)
 * ZSCORE. Levels are drawn with p = 1/4 up to ZSET_MAXLEVEL (32) from a per-zset xorshift PRNG.
 * Equal scores order by member bytes (memcmp, shorter first on a common prefix), which is what
 * makes the lex ranges meaningful when all scores are equal (Redis's rule: with mixed scores the
 * lex range functions answer something unspecified, never crash).
 *
 * Where it departs from Redis:
 *  - A node IS the member's hash entry: a struct kv_entry (kv.h) of type ZSET_KV_NODE whose key is
 *    the member and whose value holds struct zset_node (score, backward, levels; 8-aligned inside
 *    the value, see zset_node_of()). One allocation per
 *    member, no shared sds, and nodes live in ENTRY slab pages, so they are type-stable (alloc.h,
 *    reclamation rule 2): a reader holding a stale node pointer always lands on some entry's seq.
 *    The value is inline in the slot when member + node fit ARENA_ENTRY_MAX, else kv_new() puts the
 *    value (or the member) in a blob; kv_key()/kv_val() hide which.
 *  - The member hash is a struct htab embedded in struct zset (tag ZSET_HTAB_TAG, which no
 *    database has, so a keyspace reader that wanders into a member chain never matches).
 *  - The header node's levels are an array inside struct zset, not a node.
 *  - Scores are doubles, never NaN. -0.0 is stored as given (ZSCORE shows "-0") but compares equal
 *    to 0.0, as in Redis. zset_score_key() maps a score to a __u64 with the same order (and
 *    -0.0 == 0.0), which is how BPF, which has no floating point, compares scores.
 *
 * Ownership: a key of type KV_ZSET holds in its value (vlen 8) the arena pointer of its struct
 * zset (zset_of()). The zset owns its nodes. Removing the key: unlink and kv_free() the key entry
 * FIRST, then zset_free() (readers validate the key entry's seq last, see below).
 *
 * Concurrency contract
 * --------------------
 * Writer: one thread (the server's event loop) calls every function not marked reader-side.
 * Around each modification of a zset (insert, delete, score update, range delete, free) it makes
 * z->seq odd, changes nodes/levels/hash, then even again (zset_free leaves it odd for good).
 * Member hash changes additionally follow the htab contract, but readers do not rely on it.
 *
 * Readers (BPF, threads, other processes) take no lock. A read of zset z:
 *   s = zset_read_begin(z); odd -> in doubt. Follow pointers, validating each node pointer with
 *   arena_entry_slot_size() and each blob with arena_range_ok(); bound every loop by a constant
 *   (ZSET_READ_MAX_STEPS forward steps in all, ZSET_MAXLEVEL levels, member copies by length).
 *   At the end, zset_read_retry(z, s) nonzero -> discard everything (-EAGAIN: report a miss).
 * Why that is enough: while z->seq stays even and unchanged, the writer made no change to z, so
 * every node reachable from z was one of z's live nodes for the whole read (nodes of other zsets
 * are not reachable from z's pointers). What a reader may observe mid-update: any pointer or
 * span or score torn or stale, a freed-and-reused node; validation keeps the reads in mapped
 * arena memory and the final seq check throws the answer away. A reader that found z through a
 * key entry also re-checks that entry's seq last (the zset may have been freed with its key).
 * Hits are therefore exact; anything in doubt is -EAGAIN, never a wrong answer.
 */
#ifndef ARENAKV_ZSET_H
#define ARENAKV_ZSET_H

#include "arena.h"
#include "kv.h"
#include "alloc.h"
#include "htab.h"

#define ZSET_MAXLEVEL 32      /* enough for 4^32 members */
#define ZSET_KV_NODE  3	      /* kv_entry.type of a zset node (kv.h's enum kv_type) */
#define ZSET_HTAB_TAG 0x7a73u /* "zs": tag of member hashes, no database has it */
#ifndef ZSET_READ_MAX_STEPS
#define ZSET_READ_MAX_STEPS 256 /* forward steps a reader walks before it is in doubt */
#endif
#ifndef ZSET_READ_MEMBER_MAX
#define ZSET_READ_MEMBER_MAX 64 /* longest member a BPF reader compares or copies */
#endif
_Static_assert(ZSET_KV_NODE != KV_FREE && ZSET_KV_NODE != KV_STRING && ZSET_KV_NODE != KV_ZSET,
	       "zset node type is distinct");

/* One level of a node (or of the header): next node on this level and the rank distance to it. */
struct zset_level {
	struct kv_entry __arena *forward; /* NULL = end of this level */
	__u64 span;			  /* level-0 steps from this node to forward (0 if NULL) */
};

/* A score as stored: the double, or its bits for code that must not do floating point (BPF). */
union zset_score {
	double d;
	__u64 u;
};

/* The value of a node entry (kv_val(node)): 24 + 16 * level bytes. */
struct zset_node {
	union zset_score score;
	struct kv_entry __arena *backward; /* previous node on level 0, NULL for the first */
	__u32 level;			   /* 1..ZSET_MAXLEVEL entries in lv[] */
	__u32 pad;
	struct zset_level lv[];
};
_Static_assert(sizeof(struct zset_node) == 24, "zset_node header layout");

struct zset {
	__u32 seq;    /* seqlock, see the contract; odd inside a change (and after zset_free) */
	__u32 level;  /* levels in use in head[], 1..ZSET_MAXLEVEL */
	__u64 length; /* members */
	struct kv_entry __arena *tail; /* last node (highest score), NULL when empty */
	__u64 bytes;		       /* arena bytes of nodes and their blobs (memory usage) */
	__u64 rng;		       /* xorshift64 state for levels, never 0 */
	__u64 pad[3];
	struct htab dict;		       /* member -> node (nodes ARE its entries) */
	struct zset_level head[ZSET_MAXLEVEL]; /* the header's levels */
};
_Static_assert(__builtin_offsetof(struct zset, seq) == 0, "zset.seq first");
_Static_assert(__builtin_offsetof(struct zset, dict) == 64, "zset.dict offset");
_Static_assert(__builtin_offsetof(struct zset, head) == 192, "zset.head offset");
_Static_assert(sizeof(struct zset) == 192 + 16 * ZSET_MAXLEVEL, "zset layout");

/* Score range [min, max], either end exclusive when minex / maxex. */
struct zset_range {
	double min, max;
	int minex, maxex;
};

/* Lex range ends: a member (ZSET_LEX_VALUE, "[m" or "(m"), "-" or "+". */
enum zset_lex_kind {
	ZSET_LEX_VALUE = 0,
	ZSET_LEX_NEG_INF = 1, /* "-" */
	ZSET_LEX_POS_INF = 2, /* "+" */
};

struct zset_lex_range {
	const void *min, *max; /* bytes when the kind is ZSET_LEX_VALUE (caller-owned) */
	__u32 minlen, maxlen;
	__u8 minkind, maxkind; /* enum zset_lex_kind */
	__u8 minex, maxex;     /* exclusive ("(") ends; ignored for the infinities */
};

/* zset_add() flags in (Redis's ZADD options; CH is the caller's business) */
#define ZSET_ADD_INCR 0x01 /* add score to the current one (absent member: to 0) */
#define ZSET_ADD_NX   0x02 /* only add new members */
#define ZSET_ADD_XX   0x04 /* only update existing members */
#define ZSET_ADD_GT   0x08 /* only update when the new score is greater */
#define ZSET_ADD_LT   0x10 /* only update when the new score is less */
/* ...and out */
#define ZSET_ADDED   0x01 /* member was new and was added */
#define ZSET_UPDATED 0x02 /* member existed and its score changed */
#define ZSET_NOP     0x04 /* nothing done (NX/XX/GT/LT said no, or same score) */

/*
 * The node part of a node entry: its value rounded up to 8 bytes (an inline value starts right
 * after the member, at any alignment; the value is allocated ZSET_NODE_PAD bytes longer so the
 * aligned struct always fits). Writer side, or a reader that validated the entry.
 */
#define ZSET_NODE_PAD	      7
#define zset_node_vlen(level) (ZSET_NODE_PAD + sizeof(struct zset_node) + 16 * (__u32)(level))
static inline struct zset_node __arena *zset_node_of(const struct kv_entry __arena *n)
{
	return arena_ptr(struct zset_node, (arena_addr(kv_val(n)) + 7) & ~7ULL);
}

/*
 * Order-preserving key of a score: a < b (as doubles, non-NaN) iff key(a) < key(b), and -0.0
 * has the key of 0.0. For BPF, which cannot compare doubles.
 */
static inline __u64 zset_score_key(__u64 bits)
{
	if (bits == 0x8000000000000000ULL)
		bits = 0; /* -0.0 == 0.0 */
	return (bits >> 63) ? ~bits : bits | 0x8000000000000000ULL;
}

/* ---- writer side (user space only) ------------------------------------------------------- */
#if !ARENA_BPF
/* The zset a KV_ZSET key entry points to. */
static inline struct zset *zset_of(const struct kv_entry *e)
{
	return *(struct zset *const *)kv_val(e);
}

static inline double zset_node_score(const struct kv_entry *n)
{
	return zset_node_of(n)->score.d;
}

/* Member bytes of node n; *len = their length. Valid until the node is deleted. */
static inline const void *zset_node_member(const struct kv_entry *n, __u32 *len)
{
	*len = n->klen;
	return kv_key(n);
}

/* Empty zset (its own blob; store the pointer as the value of a KV_ZSET key). NULL when full. */
struct zset *zset_new(void);

/* Free z and all its nodes. The key entry that pointed to z must already be unpublished
 * (kv_free'd or unlinked). O(members). NULL is ignored. */
void zset_free(struct zset *z);

/*
 * Add or update member with score (not NaN), Redis's zsetAdd rules: flags ZSET_ADD_*; *out =
 * ZSET_ADDED / ZSET_UPDATED / ZSET_NOP; *newscore (may be NULL) = the member's score afterwards
 * (with INCR: the incremented one; unchanged on NOP when the member exists).
 * The caller rejects option clashes (NX with XX/GT/LT) and parses scores; this only refuses NaN.
 * Returns 0; -EINVAL score is NaN; -EDOM INCR would produce NaN (inf + -inf), nothing changed
 * (Redis: "resulting score is not a number (NaN)"); -ENOMEM arena full, nothing changed.
 */
int zset_add(struct zset *z, const void *member, __u32 mlen, double score, int flags, int *out,
	     double *newscore);

/* Score of member: 0 and *score, or -ENOENT. */
int zset_score(const struct zset *z, const void *member, __u32 mlen, double *score);

/* Remove member: 0, or -ENOENT. */
int zset_rem(struct zset *z, const void *member, __u32 mlen);

/* 0-based rank of member, from the lowest score (reverse: from the highest); *score may be NULL.
 * 0 or -ENOENT. O(log n). */
int zset_rank(const struct zset *z, const void *member, __u32 mlen, int reverse, __u64 *rank,
	      double *score);

/* 0-based ascending rank of a node of z. O(log n). */
__u64 zset_node_rank(const struct zset *z, const struct kv_entry *n);

/* Node at 0-based ascending rank, NULL when rank >= card. O(log n). */
struct kv_entry *zset_node_by_rank(const struct zset *z, __u64 rank);

/* The lowest / highest node, the node after / before n (NULL at the ends). O(1). */
struct kv_entry *zset_first(const struct zset *z);
struct kv_entry *zset_last(const struct zset *z);
struct kv_entry *zset_next(const struct kv_entry *n);
struct kv_entry *zset_prev(const struct kv_entry *n);

/* First / last node whose score is in range r, or NULL. O(log n). */
struct kv_entry *zset_first_in_range(const struct zset *z, const struct zset_range *r);
struct kv_entry *zset_last_in_range(const struct zset *z, const struct zset_range *r);
/* Does n's score / member fall in r? (for iterating from first_in_range until it does not) */
int zset_score_in_range(double score, const struct zset_range *r);
int zset_node_in_lex_range(const struct kv_entry *n, const struct zset_lex_range *r);

/* First / last node whose member is in lex range r (meaningful when all scores are equal). */
struct kv_entry *zset_first_in_lex_range(const struct zset *z, const struct zset_lex_range *r);
struct kv_entry *zset_last_in_lex_range(const struct zset *z, const struct zset_lex_range *r);

/* Delete ranges; *removed (may be NULL) = members removed. 0 always (-errno reserved).
 * Ranks are 0-based ascending, both ends inclusive, start <= end < card (caller clamps). */
int zset_delete_range_by_score(struct zset *z, const struct zset_range *r, __u64 *removed);
int zset_delete_range_by_lex(struct zset *z, const struct zset_lex_range *r, __u64 *removed);
int zset_delete_range_by_rank(struct zset *z, __u64 start, __u64 end, __u64 *removed);

/* Members. */
static inline __u64 zset_card(const struct zset *z)
{
	return z->length;
}

/* Arena bytes held by z: its header blob, nodes, blobs, the member hash's bucket arrays. */
__u64 zset_mem_usage(const struct zset *z);

/* Walk z and abort on a broken invariant (order, spans, backward, levels, hash). Tests only. */
void zset_check(const struct zset *z);
#endif /* !ARENA_BPF */

/* ---- reader side (BPF and user space) ---------------------------------------------------- */
/*
 * Every function here is one lock-free attempt: 0 = exact answer, -ENOENT = a proven miss (only
 * from the member functions, after the final seq check), -EAGAIN = in doubt (the caller retries
 * or asks the writer), -E2BIG = beyond this reader's bounds (ask the writer). Scores come out
 * as bits (union zset_score.u): BPF has no floating point.
 */

/* Member bytes comparison, memcmp order with a proper prefix first; a BPF program may supply its
 * own. In BPF, lengths are at most ZSET_READ_MEMBER_MAX (checked by the callers). */
#ifndef ZSET_READ_LEXCMP
#if ARENA_BPF
static inline int zset_read_lexcmp_bytes(const __u8 __arena *a, __u32 alen, const __u8 *b,
					 __u32 blen)
{
	__u32 i;

	for (i = 0; i < ZSET_READ_MEMBER_MAX; i++) {
		if (i >= alen || i >= blen)
			break;
		if (a[i] != b[i])
			return a[i] < b[i] ? -1 : 1;
	}
	return alen < blen ? -1 : alen > blen;
}
#define ZSET_READ_LEXCMP(a, alen, b, blen) zset_read_lexcmp_bytes((a), (alen), (b), (blen))
#else
static inline int zset_read_lexcmp_mem(const __u8 *a, __u32 alen, const __u8 *b, __u32 blen)
{
	__u32 n = alen < blen ? alen : blen;
	int c = n ? memcmp(a, b, n) : 0;

	if (c)
		return c;
	return alen < blen ? -1 : alen > blen;
}
#define ZSET_READ_LEXCMP(a, alen, b, blen) zset_read_lexcmp_mem((a), (alen), (b), (blen))
#endif
#endif

static inline __u32 zset_read_begin(const struct zset __arena *z)
{
	__u32 s = arena_read_once(z->seq);

	arena_smp_rmb();
	return s;
}

/* Nonzero when anything read from z since zset_read_begin() returned s may be torn or stale. */
static inline int zset_read_retry(const struct zset __arena *z, __u32 s)
{
	arena_smp_rmb();
	return (s & 1) || arena_read_once(z->seq) != s;
}

/*
 * zset_read_node - validate that n is a node entry and find its parts without trusting it: the
 * slot must be in an ENTRY page, the type ZSET_KV_NODE, the inline parts inside the slot, blobs
 * below the high-water mark, 1 <= level <= ZSET_MAXLEVEL. Returns the node part (and the member
 * bytes in *m, *mlen) or NULL when in doubt. Only meaningful under a read section.
 */
static inline struct zset_node __arena *zset_read_node(struct kv_entry __arena *n,
						       const __u8 __arena **m, __u32 *mlen)
{
	__u32 slot, klen, ptrs, end, level;
	struct zset_node __arena *zn;
	const __u8 __arena *kp;
	__u64 va;
	__u8 flags;

	slot = arena_entry_slot_size(n);
	if (!slot || arena_read_once(n->type) != ZSET_KV_NODE)
		return 0;
	flags = arena_read_once(n->flags);
	klen = arena_read_once(n->klen);
	ptrs = kv_ptrs_size(flags);
	end = KV_HDR_SIZE + ptrs;
	if (flags & KV_F_KEY_INLINE) {
		kp = n->data + ptrs;
		if (klen > slot - end)
			return 0;
		end += klen;
	} else {
		kp = arena_read_once(
		    *(__u8 __arena * __arena *)(n->data + (flags & KV_F_VAL_INLINE ? 0 : 8)));
		if (!arena_range_ok(kp, klen))
			return 0;
	}
	if (flags & KV_F_VAL_INLINE)
		va = arena_addr(n) + end;
	else
		va = arena_addr(arena_read_once(*(__u8 __arena * __arena *)n->data));
	va = (va + 7) & ~7ULL;
	zn = arena_ptr(struct zset_node, va);
	if (!arena_range_ok(zn, sizeof(*zn)))
		return 0;
	level = arena_read_once(zn->level);
	if (level < 1 || level > ZSET_MAXLEVEL)
		return 0;
	if (flags & KV_F_VAL_INLINE) {
		if (va - arena_addr(n) + sizeof(*zn) + 16 * level > slot)
			return 0;
	} else if (!arena_range_ok(zn, sizeof(*zn) + 16 * level)) {
		return 0;
	}
	*m = kp;
	*mlen = klen;
	return zn;
}

/* How the readers below validate a node; a BPF program may supply a global function. */
#ifndef ZSET_READ_NODE
#define ZSET_READ_NODE(n, m, mlen) zset_read_node((n), (m), (mlen))
#endif

/*
 * zset_read_find - the node of member in z's hash, by walking the chain(s) of its bucket in both
 * tables. 0 and the node (entry and node part), -ENOENT (valid only if the caller's final seq check
 * passes), -EAGAIN, -E2BIG (BPF: member longer than ZSET_READ_MEMBER_MAX). Under a read section.
 */
static inline int zset_read_find(const struct zset __arena *z, const void *member, __u32 mlen,
				 struct kv_entry __arena **node, struct zset_node __arena **zn)
{
	struct kv_entry __arena *__arena *buckets;
	struct kv_entry __arena *__arena *bp;
	struct kv_entry __arena *e = 0, *cand = 0;
	struct zset_node __arena *x;
	const __u8 __arena *m;
	__u32 h32, t, i, ml;
	__u64 mask;

#if ARENA_BPF
	if (mlen > ZSET_READ_MEMBER_MAX)
		return -E2BIG;
#endif
	h32 = (__u32)htab_read_hash(member, mlen);
	/* The walk only looks for the first entry with the member's 32-bit hash and length; the
	 * full comparison happens once, after it (cheap for the verifier, as htab_read_at). */
	for (t = 0; t < 2; t++) {
		buckets = arena_read_once(z->dict.t[t].buckets);
		mask = arena_read_once(z->dict.t[t].mask);
		if (!buckets)
			continue;
		bp = buckets + (h32 & mask);
		if (!arena_range_ok(bp, sizeof(*bp)))
			return -EAGAIN;
		e = arena_read_once(*bp);
		for (i = 0; i < HTAB_READ_MAX_CHAIN; i++) {
			if (!e)
				break;
			if (!arena_entry_slot_size(e))
				return -EAGAIN;
			if (arena_read_once(e->hash) == h32 && arena_read_once(e->klen) == mlen &&
			    arena_read_once(e->db) == ZSET_HTAB_TAG) {
				cand = e;
				break;
			}
			e = arena_read_once(e->next);
		}
		if (cand)
			break;
		if (i >= HTAB_READ_MAX_CHAIN)
			return -EAGAIN;
	}
	if (!cand)
		return -ENOENT;
	x = ZSET_READ_NODE(cand, &m, &ml);
	if (!x || ml != mlen)
		return -EAGAIN;
	/* Another member sharing the 32-bit hash (about 1 pair in 10^4 among 1000 members) makes
	 * this one unreadable lock-free: in doubt, the caller asks the writer. */
	if (ZSET_READ_LEXCMP(m, ml, (const __u8 *)member, mlen))
		return -EAGAIN;
	*node = cand;
	*zn = x;
	return 0;
}

/* zset_read_score - member's score bits: 0, -ENOENT, -EAGAIN, -E2BIG. */
static inline int zset_read_score(const struct zset __arena *z, const void *member, __u32 mlen,
				  __u64 *score)
{
	struct kv_entry __arena *n;
	struct zset_node __arena *zn;
	__u32 s = zset_read_begin(z);
	int err;

	if (s & 1)
		return -EAGAIN;
	err = zset_read_find(z, member, mlen, &n, &zn);
	if (!err)
		*score = arena_read_once(zn->score.u);
	if (zset_read_retry(z, s))
		return -EAGAIN;
	return err;
}

/*
 * zset_read_rank - member's 0-based rank (reverse: from the highest score) and score bits:
 * 0, -ENOENT, -EAGAIN (also when the walk needs more than ZSET_READ_MAX_STEPS steps), -E2BIG.
 * The walk from the header compares (score key, member) like the writer's, so a member that
 * shares its score with many others costs member comparisons, bounded by the step limit.
 */
static inline int zset_read_rank(const struct zset __arena *z, const void *member, __u32 mlen,
				 int reverse, __u64 *rank, __u64 *score)
{
	const struct zset_level __arena *lv = z->head;
	struct kv_entry __arena *target, *f;
	struct zset_node __arena *tn, *fn;
	__u32 s, i, lvl, step, fml;
	const __u8 __arena *fm;
	__u64 key, fkey, r = 0, len;
	int err, c;

	s = zset_read_begin(z);
	if (s & 1)
		return -EAGAIN;
	err = zset_read_find(z, member, mlen, &target, &tn);
	if (err) {
		if (zset_read_retry(z, s))
			return -EAGAIN;
		return err;
	}
	*score = arena_read_once(tn->score.u);
	key = zset_score_key(*score);
	lvl = arena_read_once(z->level);
	len = arena_read_once(z->length);
	if (lvl < 1 || lvl > ZSET_MAXLEVEL)
		return -EAGAIN;
	i = lvl - 1;
	for (step = 0; step < ZSET_READ_MAX_STEPS; step++) {
		f = arena_read_once(lv[i].forward);
		if (f) {
			if (f == target) {
				r += arena_read_once(lv[i].span);
				if (zset_read_retry(z, s) || r < 1 || r > len)
					return -EAGAIN;
				*rank = reverse ? len - r : r - 1;
				return 0;
			}
			fn = ZSET_READ_NODE(f, &fm, &fml);
			if (!fn)
				return -EAGAIN;
			fkey = zset_score_key(arena_read_once(fn->score.u));
			if (fkey != key)
				c = fkey < key ? -1 : 1;
#if ARENA_BPF
			else if (fml > ZSET_READ_MEMBER_MAX)
				return -E2BIG;
#endif
			else
				c = ZSET_READ_LEXCMP(fm, fml, (const __u8 *)member, mlen);
			if (c < 0) {
				if (i >= arena_read_once(fn->level))
					return -EAGAIN;
				r += arena_read_once(lv[i].span);
				lv = fn->lv;
				continue;
			}
		}
		if (i == 0)
			return -EAGAIN; /* passed the target: the list changed under us */
		i--;
	}
	return -EAGAIN;
}

/*
 * zset_fmt_score - a score as user space prints it (server/reply.c reply_double: "inf", "-inf",
 * else printf's "%.17g"), for the scores that can be printed exactly without floating point:
 * zeros ("0", "-0"), infinities, integers below 1e17, and dyadic fractions m / 2^k (k <= 24)
 * whose exact decimal expansion has at most 17 significant digits and whose value is >= 1e-4
 * (so "%.17g" neither rounds nor switches to exponent form): 1.5, -0.25, 1234.0625. Writes at
 * most ZSET_SCORE_STR_MAX bytes (no NUL) and returns their number, or 0 for any other value
 * (0.1, 1e-5, 1e20, NaN...): the caller passes the request up. A false miss, never a wrong byte;
 * tests/unit/test_index_zset.c compares it with snprintf over millions of values.
 */
#define ZSET_SCORE_STR_MAX 24
static inline __u32 zset_fmt_score(__u64 bits, char *out)
{
	const __u64 lim = 100000000000000000ULL; /* 1e17: at most 17 significant digits */
	__u64 m = (bits & ((1ULL << 52) - 1)), n, p5 = 1;
	__u32 e = (__u32)(bits >> 52) & 0x7ff, neg = (__u32)(bits >> 63), t, i, d, pos = 0;
	char dig[18];
	__s32 k;

	if (e == 0x7ff) {
		if (m)
			return 0; /* NaN: never stored */
		if (neg)
			out[pos++] = '-';
		out[pos++] = 'i';
		out[pos++] = 'n';
		out[pos++] = 'f';
		return pos;
	}
	if (e == 0) {
		if (m)
			return 0; /* subnormal: far below 1e-4 */
		if (neg)
			out[pos++] = '-';
		out[pos++] = '0';
		return pos;
	}
	m |= 1ULL << 52; /* value = m * 2^(e - 1075) */
	for (t = 0; t < 52; t++) {
		if (m & 1)
			break;
		m >>= 1;
	}
	k = 1075 - (__s32)e - (__s32)t; /* value = m / 2^k, m odd */
	if (k <= 0) {
		if (k < -56 || m > (lim - 1) >> (__u32)(-k))
			return 0;
		n = m << (__u32)(-k);
		k = 0;
	} else {
		if (k > 24)
			return 0;
		/* m / 2^k = m * 5^k / 10^k exactly */
		for (i = 0; i < 24; i++) {
			if (i >= (__u32)k)
				break;
			p5 *= 5;
		}
		if (m > (lim - 1) / p5)
			return 0;
		n = m * p5;
	}
	for (d = 0; d < 17; d++) { /* n < 1e17: at most 17 digits, least significant first */
		dig[d] = (char)('0' + n % 10);
		n /= 10;
		if (!n) {
			d++;
			break;
		}
	}
	if (n)
		return 0;
	/* k fraction digits; the value is >= 1e-4 iff at most 3 zeros follow the point */
	if ((__u32)k >= d && (__u32)k - d > 3)
		return 0;
	if (neg)
		out[pos++] = '-';
	if ((__u32)k >= d) {
		out[pos++] = '0';
		out[pos++] = '.';
		for (i = 0; i < 3; i++)
			if (i < (__u32)k - d)
				out[pos++] = '0';
	}
	for (i = 0; i < 17; i++) {
		if (i >= d)
			break;
		if (i && i == d - (__u32)k)
			out[pos++] = '.';
		if (pos >= ZSET_SCORE_STR_MAX)
			return 0;
		out[pos++] = dig[d - 1 - i];
	}
	return pos;
}

/*
 * zset_score_int - the subset of zset_fmt_score() a BPF program can afford: returns 1 and *v
 * when the score is an integer with |v| < 1e17 other than -0.0 ("%.17g" prints exactly its
 * decimal digits, "-" first when negative), 2 for +inf and 3 for -inf, 0 for anything else
 * (the caller passes the request up). Straight-line code, no loops: cheap for the verifier.
 */
static inline int zset_score_int(__u64 bits, __s64 *v)
{
	__u64 m = bits & ((1ULL << 52) - 1);
	__u32 e = (__u32)(bits >> 52) & 0x7ff;
	__s32 sh;
	__u64 u;

	if (e == 0x7ff)
		return m ? 0 : (bits >> 63) ? 3 : 2;
	if (e == 0) {
		if (m || bits)
			return 0; /* subnormal or -0.0 */
		*v = 0;
		return 1;
	}
	if (e < 1023)
		return 0; /* 0 < |v| < 1 */
	m |= 1ULL << 52;
	sh = 1075 - (__s32)e;
	if (sh > 0) {
		if (m & ((1ULL << sh) - 1))
			return 0; /* has a fraction */
		u = m >> sh;
	} else {
		if (sh < -10)
			return 0; /* >= 2^63 */
		u = m << -sh;
	}
	if (u >= 100000000000000000ULL)
		return 0;
	*v = (bits >> 63) ? -(__s64)u : (__s64)u;
	return 1;
}

/* One member of a range answer: score bits and where the member's bytes are in the arena. */
struct zset_read_item {
	__u64 score;
	__u64 member; /* arena address (user form) of mlen bytes, validated below high water */
	__u32 mlen;
	__u32 pad;
};

/*
 * zset_read_range_by_rank - up to count members from 0-based rank start (reverse: ranks from the
 * highest score, as ZREVRANGE) into items[] (at most max_items). *n = members found (0 when
 * start >= card). The member bytes are NOT copied: the caller copies them from items[k].member
 * and then MUST check zset_read_retry(z, *seq): only if that is 0 were items and bytes one
 * consistent state. Returns 0; -E2BIG when the answer has more than max_items members;
 * -EAGAIN in doubt. The start node is found by spans (no member comparisons), then level 0 is
 * followed forward or backward.
 */
static inline int zset_read_range_by_rank(const struct zset __arena *z, __u64 start, __u64 count,
					  int reverse, struct zset_read_item *items,
					  __u32 max_items, __u32 *n, __u32 *seq)
{
	const struct zset_level __arena *lv = z->head;
	struct kv_entry __arena *x = 0, *f;
	struct zset_node __arena *xn = 0;
	const __u8 __arena *m;
	__u64 len, want, done = 0, sp, avail;
	__u32 s, i, lvl, step, ml, k;

	*n = 0;
	s = zset_read_begin(z);
	*seq = s;
	if (s & 1)
		return -EAGAIN;
	len = arena_read_once(z->length);
	lvl = arena_read_once(z->level);
	if (lvl < 1 || lvl > ZSET_MAXLEVEL)
		return -EAGAIN;
	if (start >= len || !count)
		return 0;
	want = (reverse ? len - 1 - start : start) + 1; /* 1-based ascending rank */
	avail = reverse ? want : len - want + 1;
	if (count > avail)
		count = avail;
	if (count > max_items)
		return -E2BIG;
	i = lvl - 1;
	for (step = 0; step < ZSET_READ_MAX_STEPS; step++) {
		f = arena_read_once(lv[i].forward);
		sp = arena_read_once(lv[i].span);
		if (f && done + sp <= want) {
			xn = ZSET_READ_NODE(f, &m, &ml);
			if (!xn || i >= arena_read_once(xn->level))
				return -EAGAIN;
			done += sp;
			x = f;
			if (done == want)
				break;
			lv = xn->lv;
			continue;
		}
		if (i == 0)
			return -EAGAIN;
		i--;
	}
	if (done != want || !x)
		return -EAGAIN;
	for (k = 0; k < max_items; k++) {
		if (k >= count)
			break;
		if (!x)
			return -EAGAIN;
		xn = ZSET_READ_NODE(x, &m, &ml);
		if (!xn)
			return -EAGAIN;
		items[k].score = arena_read_once(xn->score.u);
		items[k].member = arena_addr(m);
		items[k].mlen = ml;
		items[k].pad = 0;
		x = reverse ? arena_read_once(xn->backward) : arena_read_once(xn->lv[0].forward);
	}
	*n = k;
	return 0;
}

/*
 * zset_read_key - find key in database table h as a sorted set, lock-free (htab.h's walk, for
 * KV_ZSET entries): 0 and *entry / *eseq (the key entry and its even seq) and *z; -ENOENT no
 * such key or expired at now_ns (a proven miss only when h->gen was even and unchanged, else
 * -EAGAIN); -EINVAL the key holds another type; -EAGAIN in doubt; -E2BIG (BPF) key too long.
 * The caller reads z under zset_read_begin/retry and finally checks kv_read_retry(*entry, *eseq):
 * the zset is freed only after its key entry stopped being published.
 */
static inline int zset_read_key(const struct htab __arena *h, const void *key, __u32 klen,
				__u64 now_ns, struct kv_entry __arena **entry, __u32 *eseq,
				struct zset __arena **z)
{
	struct kv_entry __arena *__arena *buckets;
	struct kv_entry __arena *__arena *bp;
	struct kv_entry __arena *e;
	const __u8 __arena *kp, *vp;
	struct zset __arena *zp;
	__u32 g, tag, h32, t, i, slot, seq, ptrs;
	__u64 mask, expire, za = 0;
	__u8 flags, type;

#if ARENA_BPF
	if (klen > HTAB_READ_KEY_MAX)
		return -E2BIG;
#endif
	h32 = (__u32)htab_read_hash(key, klen);
	g = arena_read_once(h->gen);
	arena_smp_rmb();
	tag = arena_read_once(h->tag);
	for (t = 0; t < 2; t++) {
		buckets = arena_read_once(h->t[t].buckets);
		mask = arena_read_once(h->t[t].mask);
		if (!buckets)
			continue;
		bp = buckets + (h32 & mask);
		if (!arena_range_ok(bp, sizeof(*bp)))
			return -EAGAIN;
		e = arena_read_once(*bp);
		for (i = 0; i < HTAB_READ_MAX_CHAIN; i++) {
			if (!e)
				break;
			slot = arena_entry_slot_size(e);
			if (!slot)
				return -EAGAIN;
			if (arena_read_once(e->hash) == h32 && arena_read_once(e->klen) == klen &&
			    arena_read_once(e->db) == tag)
				goto found;
			e = arena_read_once(e->next);
		}
		if (i >= HTAB_READ_MAX_CHAIN)
			return -EAGAIN;
	}
	arena_smp_rmb();
	return !(g & 1) && arena_read_once(h->gen) == g ? -ENOENT : -EAGAIN;
found:
	/* One candidate only: another key with the same 32-bit hash is "in doubt" (rare). */
	seq = kv_read_begin(e);
	if (seq & 1)
		return -EAGAIN;
	flags = arena_read_once(e->flags);
	type = arena_read_once(e->type);
	expire = arena_read_once(e->expire_ns);
	ptrs = kv_ptrs_size(flags);
	if (flags & KV_F_KEY_INLINE) {
		kp = e->data + ptrs;
		if (KV_HDR_SIZE + ptrs + klen > slot)
			return -EAGAIN;
	} else {
		kp = arena_read_once(
		    *(__u8 __arena * __arena *)(e->data + (flags & KV_F_VAL_INLINE ? 0 : 8)));
		if (!arena_range_ok(kp, klen))
			return -EAGAIN;
	}
	if (!HTAB_KEY_EQ(key, kp, klen))
		return -EAGAIN;
	if (type != KV_ZSET)
		return kv_read_retry(e, seq) ? -EAGAIN : -EINVAL;
	if (expire && expire <= now_ns)
		return kv_read_retry(e, seq) ? -EAGAIN : -ENOENT;
	if (!(flags & KV_F_VAL_INLINE) || arena_read_once(e->vlen) != 8 ||
	    KV_HDR_SIZE + ptrs + (flags & KV_F_KEY_INLINE ? klen : 0) + 8 > slot)
		return -EAGAIN;
	/* the value (8 bytes, any alignment: it follows the key) is the zset's address */
	vp = e->data + ptrs + (flags & KV_F_KEY_INLINE ? klen : 0);
	for (i = 0; i < 8; i++)
		za |= (__u64)arena_read_once(vp[i]) << (8 * i);
	zp = arena_ptr(struct zset, za);
	if (!arena_range_ok(zp, sizeof(struct zset)) || kv_read_retry(e, seq))
		return -EAGAIN;
	*entry = e;
	*eseq = seq;
	*z = zp;
	return 0;
}

#endif /* ARENAKV_ZSET_H */
