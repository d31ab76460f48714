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
	return arena_seq_begin(z->seq);
}

/* Nonzero when anything read from z since zset_read_begin() returned s may be torn or stale. */
static inline int zset_read_retry(const struct zset __arena *z, __u32 s)
{
	return arena_seq_retry(z->seq, s);
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
 * The rank walk's level after a step down, as the walk goes on with it. A BPF program may hide
 * its range from the verifier (a global function returning its argument): else the level,
 * narrowed by one at every step down until "level == 0" is decided, becomes a precise value
 * and the verifier explores every (step, level) pair of the walk (measured on 6.18: over the
 * 1M-instruction limit with ZSET_READ_MAX_STEPS 64; hidden, a few thousand).
 */
#ifndef ZSET_READ_LEVEL
#define ZSET_READ_LEVEL(i) (i)
#endif

/*
 * The rank walk's order: node (score key fkey, member fm of fml bytes) against the target (key,
 * member m of mlen bytes): -1, 0 or 1, or ZSET_READ_CMP_E2BIG (BPF: a tied member longer than
 * ZSET_READ_MEMBER_MAX). A BPF program may supply a global function: then the comparisons do
 * not narrow the walk's copy of key step after step (which, like the level, made the verifier
 * explore each step's states separately).
 */
#define ZSET_READ_CMP_E2BIG 2
#ifndef ZSET_READ_CMP
static inline int zset_read_cmp(__u64 fkey, __u64 key, const __u8 __arena *fm, __u32 fml,
				const __u8 *m, __u32 mlen)
{
	int c;

	if (fkey != key)
		return fkey < key ? -1 : 1;
#if ARENA_BPF
	if (fml > ZSET_READ_MEMBER_MAX)
		return ZSET_READ_CMP_E2BIG;
#endif
	c = ZSET_READ_LEXCMP(fm, fml, m, mlen);
	return c < 0 ? -1 : c > 0;
}
#define ZSET_READ_CMP(fkey, key, fm, fml, m, mlen) zset_read_cmp(fkey, key, fm, fml, m, mlen)
#endif

/*
 * zset_read_find - the node of member in z's hash, by walking the chain(s) of its bucket in both
 * tables. 0 and the node (entry and node part), -ENOENT (valid only if the caller's final seq check
 * passes), -EAGAIN, -E2BIG (BPF: member longer than ZSET_READ_MEMBER_MAX). Under a read section.
 */
static inline int zset_read_find(const struct zset __arena *z, const void *member, __u32 mlen,
				 struct kv_entry __arena **node, struct zset_node __arena **zn)
{
	struct kv_entry __arena *cand = 0;
	struct zset_node __arena *x;
	const __u8 __arena *m;
	__u32 h32, t = 0, ml, slot;
	int err;

#if ARENA_BPF
	if (mlen > ZSET_READ_MEMBER_MAX)
		return -E2BIG;
#endif
	h32 = (__u32)htab_read_hash(member, mlen);
	/* The walk only looks for the first entry with the member's 32-bit hash and length; the
	 * full comparison happens once, after it (cheap for the verifier, as htab_read_at). */
	err = htab_read_walk(&z->dict, h32, mlen, ZSET_HTAB_TAG, 1, &t, &cand, &slot);
	if (err < 0)
		return err;
	if (!err)
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
 * 0, -ENOENT, -EAGAIN, -E2BIG (beyond this reader's bounds: a walk of more than
 * ZSET_READ_MAX_STEPS steps on an unchanged zset, or in BPF a member longer than
 * ZSET_READ_MEMBER_MAX to compare). The walk from the header compares (score key, member) like
 * the writer's, so a member that shares its score with many others costs member comparisons,
 * bounded by the step limit. The rank is the sum of the spans along the search path.
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
			c = ZSET_READ_CMP(fkey, key, fm, fml, (const __u8 *)member, mlen);
			if (c == ZSET_READ_CMP_E2BIG)
				return -E2BIG;
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
		i = ZSET_READ_LEVEL(i - 1);
	}
	/* Out of steps: a long walk (E2BIG, ask the writer), or a torn one gone in circles. */
	return zset_read_retry(z, s) ? -EAGAIN : -E2BIG;
}

/*
 * Scores as text, with integers only
 * ----------------------------------
 * zset_fmt_score - a score as user space prints it (server/reply.c reply_double: "inf", "-inf",
 * else printf's "%.17g"), computed without floating point so that a BPF program can send it.
 * What "%.17g" prints: the value rounded to 17 significant digits d.dddd x 10^X (to nearest,
 * ties to even: glibc rounds the exact binary value), as a plain decimal when -4 <= X < 17, else
 * as d.ddde+XX / d.ddde-XX (at least two exponent digits); trailing zeros of the fraction are
 * removed, and the point with them. Two ways to the 17 digits, with |v| = m * 2^e2, m < 2^53:
 *  - rounded, for 1e-4 <= |v| < 2^64 (the plain-decimal range, where every score a leaderboard
 *    keeps lies: 1.1, 99.95, 123456789.125): digits = round(m * 10^(16 - X) / 2^k), k = -e2 <=
 *    66, from a 53 x 67-bit product kept in 128 bits (two 64-bit words, built from 32-bit halves:
 *    BPF has no wider multiply), shifted right by k; the bits shifted out decide the rounding.
 *    X comes from the integer part, or below 1 from the first q in 1..4 with m * 10^q >= 2^k.
 *    Integers from 2^52 to 2^64 are divided by 10^(X - 16) instead;
 *  - exact, outside that range: when the value's exact decimal expansion has at most 17
 *    significant digits "%.17g" does not round, and they are found exactly: a fraction m / 2^k
 *    (m odd) is m * 5^k / 10^k, which needs k <= 24 (5^25 > 10^17): 2^-20 prints
 *    "9.5367431640625e-07"; an integer m * 2^j (m odd) ends in min(j, factors of 5 in m) zeros
 *    and the rest must stay below 10^17: 1e20 prints "1e+20".
 * Writes at most ZSET_SCORE_STR_MAX bytes (no NUL) and returns their number, or 0 for a value
 * neither way covers (1e-5, 2^-30, 1e300, subnormals) and NaN (never stored): the caller passes
 * the request up, a false miss, never a wrong byte. tests/unit/test_index_zset.c compares it
 * with snprintf("%.17g") over millions of values and requires every value of the rounded range
 * to be formatted. Every loop has a constant bound (BPF); see bpf/fp_zset.h for its verifier cost.
 */
#define ZSET_SCORE_STR_MAX 24
#define ZSET_FMT_E17	   100000000000000000ULL /* 10^17: digits of "%.17g" stay below it */

/* 10^p for p <= 19 (10^19 < 2^64). */
static inline __u64 zset_fmt_pow10(__u32 p)
{
	__u64 v = 1;
	__u32 i;

	for (i = 0; i < 19; i++) {
		if (i >= p)
			break;
		v *= 10;
	}
	return v;
}

/* Decimal digits of v, 1..20. */
static inline __u32 zset_fmt_ndigits(__u64 v)
{
	__u32 n;

	for (n = 1; n < 20; n++) {
		if (v < 10)
			break;
		v /= 10;
	}
	return n;
}

/* a * b in 128 bits (*hi, *lo), from 32-bit halves. */
static inline void zset_fmt_mul(__u64 a, __u64 b, __u64 *hi, __u64 *lo)
{
	__u64 al = a & 0xffffffffULL, ah = a >> 32, bl = b & 0xffffffffULL, bh = b >> 32;
	__u64 ll = al * bl, lh = al * bh, hl = ah * bl, hh = ah * bh;
	__u64 mid = (ll >> 32) + (lh & 0xffffffffULL) + (hl & 0xffffffffULL);

	*lo = (mid << 32) | (ll & 0xffffffffULL);
	*hi = hh + (lh >> 32) + (hl >> 32) + (mid >> 32);
}

/* A score's decimal form: |v| = d x 10^(x - nd + 1), d's nd digits with no trailing zero. */
struct zset_fmt_dec {
	__u64 d;  /* significant digits, < 10^17 (0 for a zero) */
	__s32 x;  /* decimal exponent of the leading digit */
	__u32 nd; /* digits in d, 1..17 */
};

/*
 * Print f the way "%.17g" lays it out, after a '-' when neg. Returns the length (at most
 * ZSET_SCORE_STR_MAX), 0 for a malformed f.
 * f->nd and f->x are read afresh at every use (ZSET_FMT_F, volatile): in BPF each comparison
 * narrows the register it tested, and a digit count or exponent narrowed to one exact value per
 * loop exit made the verifier walk this function once per (nd, x) pair (measured on 6.18:
 * 96K processed instructions; read afresh, a few thousand). For the same reason nd is counted
 * by zset_fmt_digits(), not here.
 */
#define ZSET_FMT_F(f, field) (*(const volatile __typeof__((f)->field) *)&(f)->field)
static inline __u32 zset_fmt_put(const struct zset_fmt_dec *f, __u32 neg, char *out)
{
	__u64 d = f->d, p10 = zset_fmt_pow10(ZSET_FMT_F(f, nd) - 1);
	__u32 nd = ZSET_FMT_F(f, nd), pos = 0, i, ax;
	__s32 x = ZSET_FMT_F(f, x);

	if (nd < 1 || nd > 17 || x < -400 || x > 400)
		return 0;
	if (neg)
		out[pos++] = '-';
	if (x < -4 || x > 16) { /* exponent form: d.ddd e+XX */
		for (i = 0; i < 17; i++) {
			if (i >= ZSET_FMT_F(f, nd))
				break;
			if (i == 1)
				out[pos++] = '.';
			out[pos++] = (char)('0' + d / p10);
			d %= p10;
			p10 /= 10;
		}
		ax = (__u32)(x < 0 ? -x : x);
		out[pos++] = 'e';
		out[pos++] = x < 0 ? '-' : '+';
		if (ax >= 100)
			out[pos++] = (char)('0' + ax / 100);
		out[pos++] = (char)('0' + ax / 10 % 10);
		out[pos++] = (char)('0' + ax % 10);
		return pos;
	}
	if (x < 0) { /* 0.000ddd: -x - 1 zeros after the point, at most 3 */
		out[pos++] = '0';
		out[pos++] = '.';
		for (i = 0; i < 3; i++)
			if ((__s32)i < -ZSET_FMT_F(f, x) - 1)
				out[pos++] = '0';
	}
	/* digit i from the leading one; the integer part has x + 1 of them (zeros past d's) */
	for (i = 0; i < 17; i++) {
		if (i >= ZSET_FMT_F(f, nd) && (__s32)i > ZSET_FMT_F(f, x))
			break;
		if (ZSET_FMT_F(f, x) >= 0 && (__s32)i == ZSET_FMT_F(f, x) + 1)
			out[pos++] = '.';
		if (i < ZSET_FMT_F(f, nd)) {
			out[pos++] = (char)('0' + d / p10);
			d %= p10;
			p10 /= 10;
		} else {
			out[pos++] = '0';
		}
	}
	return pos;
}

/*
 * The decimal form of a finite, nonzero, normal |v| (bits; the sign is ignored) with the digits
 * "%.17g" prints: 1 and *f, or 0 when neither way above covers the value.
 */
static inline int zset_fmt_digits(__u64 bits, struct zset_fmt_dec *f)
{
	__u64 m = (bits & ((1ULL << 52) - 1)) | (1ULL << 52), d = 0, hi, lo, c, rh, rl, hh, hl, p5;
	__s32 e2 = (__s32)((bits >> 52) & 0x7ff) - 1075, x = 0;
	__u32 k, q, i, rounded = 0;

	if (e2 < 0 && e2 >= -66) { /* 2^-14 <= |v| < 2^53 with a binary fraction */
		k = (__u32)-e2;
		if (k < 64 && (m >> k)) {
			x = (__s32)zset_fmt_ndigits(m >> k) - 1;
		} else {
			for (q = 1; q <= 4; q++) { /* |v| >= 10^-q? */
				zset_fmt_mul(m, zset_fmt_pow10(q), &hi, &lo);
				if (k >= 64 ? hi >= 1ULL << (k - 64) : hi || lo >= 1ULL << k)
					break;
			}
			x = -(__s32)q; /* -5: below 1e-4, the exact way below */
		}
		if (x >= -4) {
			q = (__u32)(16 - x); /* 1..20 */
			zset_fmt_mul(m, zset_fmt_pow10(q > 19 ? 19 : q), &hi, &lo);
			if (q == 20) { /* times 10 once more: 128 x 64 bits */
				zset_fmt_mul(lo, 10, &c, &lo);
				hi = hi * 10 + c;
			}
			/* d = (hi:lo) >> k; remainder (rh:rl) against half = 2^(k-1) (hh:hl) */
			if (k < 64) {
				if (hi >> k)
					return 0; /* cannot happen: d < 10^17 */
				d = (hi << (64 - k)) | (lo >> k);
				rh = 0;
				rl = lo & ((1ULL << k) - 1);
				hh = 0;
				hl = 1ULL << (k - 1);
			} else {
				d = hi >> (k - 64);
				rh = hi & ((1ULL << (k - 64)) - 1);
				rl = lo;
				hh = k == 64 ? 0 : 1ULL << (k - 65);
				hl = k == 64 ? 1ULL << 63 : 0;
			}
			if (rh > hh || (rh == hh && (rl > hl || (rl == hl && (d & 1)))))
				d++;
			rounded = 1;
		}
	} else if (e2 >= 0 && e2 <= 11) { /* integers 2^52 <= |v| < 2^64 */
		c = m << e2;
		x = (__s32)zset_fmt_ndigits(c) - 1;
		d = c;
		if (x > 16) {
			p5 = zset_fmt_pow10((__u32)x - 16); /* 10, 100 or 1000 */
			d = c / p5;
			c %= p5;
			if (2 * c > p5 || (2 * c == p5 && (d & 1)))
				d++;
		}
		rounded = 1;
	}
	if (rounded) {
		if (d >= ZSET_FMT_E17) { /* 99...9 rounded up to 10^17 */
			d /= 10;
			x++;
		}
		for (i = 0; i < 17; i++) { /* drop trailing zeros */
			if (!d || d % 10)
				break;
			d /= 10;
		}
		f->d = d;
		f->x = x;
		f->nd = zset_fmt_ndigits(d);
		return d != 0;
	}
	/* Exact way: m odd (its trailing zero bits moved to e2), |v| = m * 2^e2. */
	k = (__u32)__builtin_ctzll(m);
	m >>= k;
	e2 += (__s32)k;
	if (e2 < 0) { /* m * 5^k / 10^k */
		k = (__u32)-e2;
		if (k > 24)
			return 0;
		p5 = 1;
		for (i = 0; i < 24; i++) {
			if (i >= k)
				break;
			p5 *= 5;
		}
		if (m > (ZSET_FMT_E17 - 1) / p5)
			return 0;
		d = m * p5;
		x = (__s32)zset_fmt_ndigits(d) - 1 - (__s32)k;
	} else { /* m * 2^e2: min(e2, fives of m) trailing zeros */
		for (q = 0; q < 23; q++) {
			if ((__s32)q >= e2 || m % 5)
				break;
			m /= 5;
		}
		k = (__u32)e2 - q; /* the factors of 2 left */
		if (k > 56 || m > (ZSET_FMT_E17 - 1) >> k)
			return 0;
		d = m << k;
		x = (__s32)zset_fmt_ndigits(d) - 1 + (__s32)q;
	}
	f->d = d;
	f->x = x;
	f->nd = zset_fmt_ndigits(d);
	return 1;
}

/* The two phases, each a global function in BPF (bpf/fp_zset.h): verified once, and the many
 * exits of the first phase's loops do not multiply through the second's. */
#ifndef ZSET_FMT_DIGITS
#define ZSET_FMT_DIGITS(bits, f)  zset_fmt_digits((bits), (f))
#define ZSET_FMT_PUT(f, neg, out) zset_fmt_put((f), (neg), (out))
#endif

static inline __u32 zset_fmt_score(__u64 bits, char *out)
{
	__u32 e = (__u32)(bits >> 52) & 0x7ff, neg = (__u32)(bits >> 63), i = 0;
	struct zset_fmt_dec f = {0, 0, 1}; /* a zero: "0", "-0" */

	if (e == 0x7ff) {
		if (bits & ((1ULL << 52) - 1))
			return 0; /* NaN: never stored */
		if (neg)
			out[i++] = '-';
		out[i++] = 'i';
		out[i++] = 'n';
		out[i++] = 'f';
		return i;
	}
	if (e == 0 && (bits & ((1ULL << 52) - 1)))
		return 0; /* subnormal: far below 2^-24 */
	if (e != 0 && !ZSET_FMT_DIGITS(bits, &f))
		return 0;
	return ZSET_FMT_PUT(&f, neg, out);
}

/*
 * zset_score_int - the common case of zset_fmt_score() without its loops: returns 1 and *v when
 * the score is an integer with |v| < 1e17 other than -0.0 ("%.17g" prints exactly its decimal
 * digits, "-" first when negative), 2 for +inf and 3 for -inf, 0 for anything else (then
 * zset_fmt_score). Straight-line code: the fast path prints integer scores (a leaderboard's
 * usual) with its integer writer, several times faster than the general formatter.
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
	struct kv_entry __arena *e = 0;
	const __u8 __arena *kp, *vp;
	struct zset __arena *zp;
	__u32 g, tag, h32, t = 0, slot = 0, seq, ptrs, i;
	__u64 expire, za = 0;
	__u8 flags, type;
	int err;

#if ARENA_BPF
	if (klen > HTAB_READ_KEY_MAX)
		return -E2BIG;
#endif
	h32 = (__u32)htab_read_hash(key, klen);
	g = arena_read_once(h->gen);
	arena_smp_rmb();
	tag = arena_read_once(h->tag);
	err = htab_read_walk(h, h32, klen, tag, 1, &t, &e, &slot);
	if (err < 0)
		return err;
	if (!err) {
		arena_smp_rmb();
		return !(g & 1) && arena_read_once(h->gen) == g ? -ENOENT : -EAGAIN;
	}
	/* One candidate only: another key with the same 32-bit hash is "in doubt" (rare). */
	seq = kv_read_begin(e);
	if (seq & 1)
		return -EAGAIN;
	flags = arena_read_once(e->flags);
	type = arena_read_once(e->type);
	expire = arena_read_once(e->expire_ns);
	ptrs = kv_ptrs_size(flags);
	kp = htab_read_key_ptr(e, slot, flags, klen);
	if (!kp)
		return -EAGAIN;
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
