/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * htab.h - chained hash table in the arena, XXH64 keyed, incremental rehash, lock-free readers.
 *
 * The algorithm
 * -------------
 * This is Redis's dict.c, moved into the arena and taught to tolerate readers that take no lock.
 * A table is a power-of-two array of chain heads; an entry (struct kv_entry, kv.h) sits in bucket
 * hash & mask, new entries at the head of their chain. Each database has one struct htab with two
 * tables: t[0] normally, and t[1] while a resize is in progress. Growing (load factor reaches 1)
 * or shrinking (fill under 10%) allocates t[1] and then moves t[0]'s chains over a few buckets
 * at a time: htab_rehash_step(h, n) moves at most n non-empty buckets and looks at no more than
 * 10 * n empty ones, so no call ever blocks the server for long, however big the table. The
 * server steps on writes (insert and unlink also do one step, as dict.c does) and from its timer.
 * While rehashing, lookups look in both tables and inserts go to t[1]. When t[0] is empty it is
 * freed and t[1] becomes t[0]. Before that, the new array must be zero: pages never written are
 * (the allocator knows which), others are zeroed HTAB_ZERO_STEP bytes per step while the array is
 * still private (h->prep), so even allocating a 128 MiB array costs no stall.
 *
 * Where it departs from dict.c:
 *  - The hash (low 32 bits of XXH64 with HTAB_SEED) is stored in the entry: rehash never rehashes
 *    a key, and chain walks skip non-matching entries without touching their keys. 32 bits are
 *    enough: a table never has more than 2^32 buckets (the arena is 4 GiB).
 *  - Entries are the index's own kv_entry, not (key, value) pointer pairs: one allocation per key.
 *  - Scan (dictScan's reverse-binary cursor) never needs rehash paused: callbacks must not modify
 *    the table (collect, then act), which is how server/db.c uses it.
 *  - No safe iterators and no fork-time resize ban (there is no fork).
 *  - A growth that cannot get memory for the new bucket array is simply not started (chains get
 *    longer, the next insert tries again), so insert never fails for lack of memory.
 *
 * Concurrency contract
 * --------------------
 * Writer: exactly one thread (the server's event loop) calls everything below that is not marked
 * reader-side. It allocates, links, unlinks, moves and frees entries and bucket arrays.
 *
 * Readers: any number of lock-free readers run concurrently with the writer: BPF programs (the
 * same pages through the arena map), reader threads, other processes mapping the arena. They use
 * htab_read()/htab_read_at() only, which:
 *   - bound every loop by a constant (chain walk HTAB_READ_MAX_CHAIN, key and value copies by
 *     their lengths, in BPF by HTAB_READ_KEY_MAX/HTAB_READ_VAL_MAX);
 *   - validate every pointer before following it: an entry pointer must be a slot of an ENTRY
 *     page (arena_entry_slot_size(), which reads the unspoofable page map); a bucket array slot,
 *     a key blob or a value blob must lie below the allocator's high-water mark (arena_range_ok());
 *     inline key and value must fit in the slot;
 *   - read the entry under its seqlock (kv_read_begin/kv_read_retry) and re-check hash, length,
 *     tag and the full key under it;
 *   - answer a miss only when the table's structure generation `gen` was even and unchanged
 *     across the whole walk; any doubt (odd or changed seq or gen, chain too long, a pointer
 *     failing validation, a 32-bit hash match whose key differs) is -EAGAIN, "in doubt": the
 *     caller retries or treats it as a miss and asks the writer.
 *
 * What the writer guarantees, and in which order it publishes:
 *   1. A new entry is written completely while its seq is odd (kv_new), its tag set, then
 *      barrier, seq made even (published), barrier, then it is linked with one pointer store
 *      (insert: e->next = head first; replace: nw->next = old->next first). A reader that can
 *      reach an entry therefore sees it complete.
 *   2. Every change that can make a linked entry unreachable from a chain it was in, or make a
 *      chain lead elsewhere (unlink, replace, rehash moves, freeing a bucket array, clear, swap)
 *      runs inside gen odd ... gen even. Inserts at the head do not touch gen: they cannot hide
 *      anything from a reader. Hence "gen even and unchanged" proves a miss.
 *   3. An unlinked entry is freed (kv_free: seq made odd, then its blobs freed, then its slot) or
 *      re-linked before the writer returns to its event loop; it is never left readable with a
 *      stale value for long. Entry slots are type-stable (alloc.h), so a reader holding a pointer
 *      to a freed entry sees an odd or a different seq, never a non-entry.
 *   4. In-place edits of a published entry (value bytes, vlen, expire_ns, ...) are wrapped in
 *      kv_write_begin/kv_write_end. `access` is written without it (readers ignore it).
 * What a reader may observe mid-update, and how it detects it: a chain that was cut or joined to
 * another chain (gen), an entry being freed, reused or edited (seq), a bucket array freed and
 * reused (pointer validation, then gen or seq), a torn {buckets, mask} pair (validation, gen).
 * A hit needs no gen check: the entry had the key, the tag of this table and a stable even seq
 * for the whole read, so it was this key's entry at some instant of the read (rule 3).
 *
 * The tag: every htab has a 16-bit tag (its db index at format time) stamped into e->db of the
 * entries it links, so a reader that wandered through a recycled entry into another database's
 * chain cannot take that database's entry for a hit. SWAPDB swaps whole htab contents, tags
 * included, so it rewrites no entry.
 */
#ifndef ARENAKV_HTAB_H
#define ARENAKV_HTAB_H

#include "kv.h"
#include "alloc.h"
#include "xxhash.h"

#if ARENA_BPF
#ifndef ENOENT
#include <asm-generic/errno.h>
#endif
#else
#include <errno.h>
#include <string.h>
#endif

#define HTAB_SEED	     0x61726e616b763031ULL /* "arnakv01"; changing it changes the layout version */
#define HTAB_INITIAL_BUCKETS 4
#define HTAB_MIN_FILL	     10 /* percent: shrink below this */
#ifndef HTAB_ZERO_STEP
#define HTAB_ZERO_STEP                                                                             \
	(8 * 1024) /* bytes of a new bucket array zeroed per unit of rehash step:                  \
		    * about the cost of moving a few buckets (~1 us) */
#endif

/* Reader tunables (#ifndef: a BPF program may set them before including this header). */
#ifndef HTAB_READ_MAX_CAND
#define HTAB_READ_MAX_CAND 2 /* entries with the right 32-bit hash whose key is compared */
#endif
#ifndef HTAB_READ_MAX_CHAIN
#define HTAB_READ_MAX_CHAIN 32 /* entries walked per table before the read is "in doubt" */
#endif
/*
 * Attempts htab_read() makes while the answer is -EAGAIN. 1 in BPF: the verifier explores each
 * attempt separately (measured on 6.18: 1 attempt with 256-byte keys = 71K processed insns,
 * 3 attempts > 1M), so a BPF caller retries by running the program again.
 */
#ifndef HTAB_READ_TRIES
#if ARENA_BPF
#define HTAB_READ_TRIES 1
#else
#define HTAB_READ_TRIES 3
#endif
#endif
#if ARENA_BPF
#ifndef HTAB_READ_KEY_MAX
#define HTAB_READ_KEY_MAX XXH64_BPF_MAX_LEN /* longest key a BPF reader looks up */
#endif
#ifndef HTAB_READ_VAL_MAX
#define HTAB_READ_VAL_MAX 256 /* bytes per read with the default byte-loop HTAB_COPY_OUT */
#endif
#endif

struct htab_table {
	struct kv_entry __arena *__arena *buckets; /* mask + 1 chain heads; NULL = no table */
	__u64 mask;				   /* buckets - 1 */
	__u64 used;				   /* entries linked in this table */
};

struct htab {
	struct htab_table t[2]; /* t[1] only while rehashing */
	__s64 rehash_idx;	/* next t[0] bucket to move; -1 = not rehashing */
	__u64 nexpires;		/* linked entries with expire_ns != 0 (htab_set_expire keeps it) */
	__u32 gen;		/* structure seqcount, see the contract; odd inside a change */
	__u16 tag;		/* stamped into e->db of linked entries */
	__u16 flags;
	__u64 rehash_moved; /* entries moved by rehash since format (stats) */
	__u64 clear_idx;    /* htab_clear_step()'s sweep position (detached tables only) */
	/*
	 * A resize whose new bucket array sits on reused (dirty) pages first zeroes it in steps,
	 * HTAB_ZERO_STEP bytes per rehash step, before it becomes t[1]: readers never see it.
	 */
	struct kv_entry __arena *__arena *prep; /* array being zeroed, NULL = none */
	__u64 prep_mask;			/* its size - 1 */
	__u64 prep_zeroed;			/* bytes zeroed so far */
	__u64 prep_dirty;			/* bytes that need zeroing */
	__u64 pad;
};
_Static_assert(sizeof(struct htab_table) == 24, "htab_table layout");
_Static_assert(sizeof(struct htab) == 128, "htab layout");
_Static_assert(__builtin_offsetof(struct htab, gen) == 64, "htab.gen offset");

/* What htab_read_at() reports besides the bytes. */
struct htab_read_res {
	__u64 vlen;   /* full value length */
	__u64 entry;  /* arena address (user form) of the entry read */
	__u32 seq;    /* its seq for the whole read: equal entry+seq across chunked reads
		       * means every chunk came from one unmodified value */
	__u32 copied; /* bytes copied to buf */
};

/* ---- writer side (user space only) -------------------------------------------------------- */
#if !ARENA_BPF
/* XXH64 of the key with HTAB_SEED (libxxhash; bit-identical to xxh64() in BPF). */
__u64 htab_hash(const void *key, __u32 len);

/* Empty table, no bucket array until the first insert (or initial_buckets rounded up to a power
 * of two). Tag 0. 0 / -ENOMEM. Only on a table no reader can see yet, or an empty one. */
int htab_init(struct htab *h, __u64 initial_buckets);

/* Writer lookup: the linked entry with this key, or NULL. Does not check expiry. */
struct kv_entry *htab_find(struct htab *h, const void *key, __u32 klen);

/*
 * New unlinked, unpublished entry (seq odd): type, key (copied), klen, vlen, hash set; access 0,
 * expire_ns 0, db 0; value capacity >= max(vlen, vcap), inline when it fits a slot of
 * ARENA_ENTRY_MAX bytes, else a blob. The caller writes the value at kv_val(e) and then links
 * it with htab_insert() or htab_replace(), or drops it with kv_free(). NULL when the arena is full
 * (nothing allocated then).
 */
struct kv_entry *kv_new(__u8 type, const void *key, __u32 klen, __u32 vlen, __u32 vcap);

/* Free an unlinked entry and its blobs (seq made odd first). NULL is ignored. */
void kv_free(struct kv_entry *e);

/*
 * RENAME without copying a big value: a new unpublished entry with the new key, old's type and
 * vlen, and old's value. An inline value is copied; a value blob is SHARED, not copied: from
 * then on exactly one of the two entries may be freed with kv_free() (that one frees the blob),
 * the other must be freed with kv_free_keep_val(), and neither value may be edited in place while
 * both exist. Usual use: nw = kv_new_rekey(old, ...); htab_unlink(h, old); kv_free_keep_val(old);
 * htab_insert(h2, nw) (on failure: kv_free(nw)). expire_ns and access start at 0. NULL when full.
 */
struct kv_entry *kv_new_rekey(const struct kv_entry *old, const void *key, __u32 klen);

/* kv_free() that leaves the value blob alone (see kv_new_rekey). */
void kv_free_keep_val(struct kv_entry *e);

/* Link e (its key must be absent): sets e->db = h->tag, publishes e (seq even) if it was not, and
 * links it. 0; -EEXIST when the key is present; -ENOMEM only when the table has no bucket array
 * yet (first insert) and the arena cannot give 32 bytes. Nothing changed on error. A growth that
 * finds no memory is skipped (see above), never an error. */
int htab_insert(struct htab *h, struct kv_entry *e);

/* Put nw (same key, unlinked) in old's place in the chain, atomically for readers (they find
 * old or nw, never neither... or "in doubt"). The caller frees old right after. */
void htab_replace(struct htab *h, struct kv_entry *old, struct kv_entry *nw);

/* Unlink e (must be linked in h). The caller frees or re-links it before returning to the loop. */
void htab_unlink(struct htab *h, struct kv_entry *e);

/* Set e's expiry (0 = none) under its seqlock and keep h->nexpires right. e linked in h. */
void htab_set_expire(struct htab *h, struct kv_entry *e, __u64 expire_ns);

/* Unlink and free every entry and the bucket arrays (FLUSHDB). O(entries). */
void htab_clear(struct htab *h);

/*
 * FLUSHDB ASYNC: move h's contents (tables, counts) to dst, which must be empty (e.g. a zeroed
 * struct htab in process memory, never linked anywhere), and leave h empty with its tag. O(1).
 * Then free dst with htab_clear_step() from the timer. A reader that loaded a pointer before the
 * detach may still return a value from dst: it was h's value at that instant (linearizable).
 * dst must not be used for anything but htab_clear_step() / htab_count().
 */
void htab_detach(struct htab *h, struct htab *dst);

/* Free at most max_entries entries of h, visiting at most 10 * max_entries empty buckets, and
 * its bucket arrays once empty. 1 while more to do, 0 when h is empty. Detached tables only
 * (htab_detach): it breaks the invariants a live table needs between steps. */
int htab_clear_step(struct htab *h, __u64 max_entries);

/* Exchange the contents (tables, counts, tags) of two tables (SWAPDB). O(1). */
void htab_swap(struct htab *a, struct htab *b);

/* Move at most n non-empty buckets from t[0] to t[1] (visiting at most 10n empty ones), or,
 * before that, zero n * HTAB_ZERO_STEP bytes of a new bucket array that sits on reused pages.
 * Returns 1 while a resize is still in progress, 0 when there is nothing (more) to do. */
int htab_rehash_step(struct htab *h, int n);

/*
 * dictScan: call fn for every entry of the bucket(s) the cursor designates, return the next
 * cursor (0 = done). Every entry linked during the whole scan is reported at least once, even
 * across resizes; some may be reported twice. fn must not link, unlink or free anything.
 */
__u64 htab_scan(struct htab *h, __u64 cursor, void (*fn)(struct kv_entry *e, void *arg), void *arg);

/* A random linked entry (rnd seeds the choice), or NULL when empty. May do one rehash step. */
struct kv_entry *htab_random(struct htab *h, __u64 rnd);

__u64 htab_count(const struct htab *h);		/* linked entries */
__u64 htab_expires_count(const struct htab *h); /* linked entries with an expiry */
__u64 htab_buckets(const struct htab *h);	/* bucket slots in both tables */
int htab_is_rehashing(const struct htab *h);	/* entries are moving from t[0] to t[1] */
int htab_is_resizing(const struct htab *h);	/* that, or a new array is being zeroed */
#endif						/* !ARENA_BPF */

/* ---- reader side (BPF and user space; no libc in BPF) --------------------------------------- */

/*
 * The reader's clock: now_ns as given, by default. A caller for which reading the clock is dear
 * (a BPF program: ~20-30 ns per bpf_ktime_get_ns() in a KVM guest, a tenth of a fast-path
 * answer) may define it to read the clock itself when now_ns is 0; it is evaluated only for
 * an entry that has an expiry, after that entry's deadline was read, so a later clock can only
 * turn a hit into a miss.
 */
#ifndef HTAB_READ_CLOCK
#define HTAB_READ_CLOCK(now_ns) (now_ns)
#endif

/* Key comparison and value copy; a BPF program may supply its own (e.g. a helper call). */
#ifndef HTAB_KEY_EQ
#if ARENA_BPF
static inline int htab_key_eq_bytes(const void *key, const __u8 __arena *akey, __u32 klen)
{
	const __u8 *k = (const __u8 *)key;
	__u32 i;

	for (i = 0; i < HTAB_READ_KEY_MAX; i++) {
		if (i >= klen)
			break;
		if (k[i] != akey[i])
			return 0;
	}
	return 1;
}
#define HTAB_KEY_EQ(key, akey, klen) htab_key_eq_bytes((key), (akey), (klen))
#else
#define HTAB_KEY_EQ(key, akey, klen) (memcmp((key), (const void *)(akey), (klen)) == 0)
#endif
#endif

#ifndef HTAB_COPY_OUT
#if ARENA_BPF
static inline int htab_copy_out_bytes(void *dst, const __u8 __arena *src, __u32 n)
{
	__u8 *d = (__u8 *)dst;
	__u32 i;

	for (i = 0; i < HTAB_READ_VAL_MAX; i++) {
		if (i >= n)
			break;
		d[i] = src[i];
	}
	return 0;
}
#define HTAB_COPY_OUT(dst, src, n) htab_copy_out_bytes((dst), (src), (n))
#else
#define HTAB_COPY_OUT(dst, src, n) (memcpy((dst), (const void *)(src), (n)), 0)
#endif
#endif

static inline __u64 htab_read_hash(const void *key, __u32 klen)
{
#if ARENA_BPF
	return xxh64(key, klen, HTAB_SEED);
#else
	return htab_hash(key, klen);
#endif
}

/*
 * htab_read_walk - the chain walk every lock-free reader shares (htab_read_at, and zset.h's
 * member and key lookups). From entry *e of table *t (or, when head is set, from table *t's bucket
 * for h32), on through t[0]'s chain and then t[1]'s, to the next entry whose 32-bit hash, key
 * length and tag match: 1 with *t, *e and *slot (its slot size) set there; 0 when the chains end
 * without one; -EAGAIN in doubt (a pointer that is not an entry slot, a bucket out of range, a
 * chain longer than HTAB_READ_MAX_CHAIN: a resize or a free raced the walk).
 */
static inline int htab_read_walk(const struct htab __arena *h, __u32 h32, __u32 klen, __u32 tag,
				 int head, __u32 *t, struct kv_entry __arena **e, __u32 *slot)
{
	struct kv_entry __arena *__arena *buckets;
	struct kv_entry __arena *__arena *bp;
	struct kv_entry __arena *x = *e;
	__u32 tt = *t, i, sz;
	__u64 mask;

	for (; tt < 2; tt++) {
		if (head) {
			buckets = arena_read_once(h->t[tt].buckets);
			mask = arena_read_once(h->t[tt].mask);
			if (!buckets)
				continue;
			bp = buckets + (h32 & mask);
			if (!arena_range_ok(bp, sizeof(*bp)))
				return -EAGAIN;
			x = arena_read_once(*bp);
		}
		head = 1;
		for (i = 0; i < HTAB_READ_MAX_CHAIN; i++) {
			if (!x)
				break;
			sz = arena_entry_slot_size(x);
			if (!sz)
				return -EAGAIN;
			if (arena_read_once(x->hash) == h32 && arena_read_once(x->klen) == klen &&
			    arena_read_once(x->db) == tag) {
				*t = tt;
				*e = x;
				*slot = sz;
				return 1;
			}
			x = arena_read_once(x->next);
		}
		if (i >= HTAB_READ_MAX_CHAIN)
			return -EAGAIN;
	}
	return 0;
}

/*
 * Where the key of entry e (slot bytes, flags read under its seq) lies: inline after the
 * pointers, or behind the key pointer. 0 when it cannot be where the entry says (past the slot,
 * outside the arena's objects): the caller is in doubt.
 */
static inline const __u8 __arena *htab_read_key_ptr(struct kv_entry __arena *e, __u32 slot,
						    __u8 flags, __u32 klen)
{
	__u32 ptrs = kv_ptrs_size(flags);
	const __u8 __arena *kp;

	if (flags & KV_F_KEY_INLINE)
		return KV_HDR_SIZE + ptrs + klen > slot ? 0 : e->data + ptrs;
	kp = arena_read_once(
	    *(__u8 __arena * __arena *)(e->data + (flags & KV_F_VAL_INLINE ? 0 : 8)));
	return arena_range_ok(kp, klen) ? kp : 0;
}

/* htab_read_entry()'s answer when the candidate holds another key with the same 32-bit hash */
#define HTAB_READ_OTHER_KEY 1

/*
 * htab_read_entry - read candidate entry cand (slot bytes, hash/length/tag matched during the
 * walk) under its seqlock: check the full key, type and expiry, copy from value byte off.
 * Returns 0, -ENOENT (expired), -EINVAL (other type, off > vlen), -EAGAIN (in doubt) or
 * HTAB_READ_OTHER_KEY (a stable entry of another key: the walk goes on).
 */
static inline int htab_read_entry(struct kv_entry __arena *cand, __u32 slot, const void *key,
				  __u32 klen, __u32 h32, __u32 tag, __u64 now_ns, __u64 off,
				  void *buf, __u32 bufsz, struct htab_read_res *res)
{
	const __u8 __arena *kp, *vp;
	__u64 vlen, expire, n;
	__u32 seq, ptrs, inl;
	__u8 flags, type;

	seq = kv_read_begin(cand);
	if (seq & 1)
		return -EAGAIN;
	if (arena_read_once(cand->hash) != h32 || arena_read_once(cand->klen) != klen ||
	    arena_read_once(cand->db) != tag)
		return -EAGAIN;
	flags = arena_read_once(cand->flags);
	type = arena_read_once(cand->type);
	vlen = arena_read_once(cand->vlen);
	expire = arena_read_once(cand->expire_ns);
	ptrs = kv_ptrs_size(flags);
	inl = KV_HDR_SIZE + ptrs + (flags & KV_F_KEY_INLINE ? klen : 0); /* end of what is inline */
	kp = htab_read_key_ptr(cand, slot, flags, klen);
	if (!kp)
		return -EAGAIN;
	if (!HTAB_KEY_EQ(key, kp, klen))
		return kv_read_retry(cand, seq) ? -EAGAIN : HTAB_READ_OTHER_KEY;
	if (type != KV_STRING)
		return kv_read_retry(cand, seq) ? -EAGAIN : -EINVAL;
	if (expire && expire <= HTAB_READ_CLOCK(now_ns))
		return kv_read_retry(cand, seq) ? -EAGAIN : -ENOENT;
	if (off > vlen)
		return kv_read_retry(cand, seq) ? -EAGAIN : -EINVAL;

	if (flags & KV_F_VAL_INLINE) {
		vp = cand->data + (inl - KV_HDR_SIZE);
		if (inl + vlen > slot)
			return -EAGAIN;
	} else {
		vp = arena_read_once(*(__u8 __arena * __arena *)cand->data);
		if (!arena_range_ok(vp, vlen))
			return -EAGAIN;
	}
	n = vlen - off;
	if (n > bufsz)
		n = bufsz;
	if (n && HTAB_COPY_OUT(buf, vp + off, (__u32)n))
		return -EAGAIN;
	if (kv_read_retry(cand, seq))
		return -EAGAIN;
	res->vlen = vlen;
	res->entry = arena_addr(cand);
	res->seq = seq;
	res->copied = (__u32)n;
	return 0;
}

/*
 * htab_read_at - one lock-free attempt to read key's value from h, starting at value byte off.
 * Copies min(bufsz, vlen - off) bytes (in BPF also at most HTAB_READ_VAL_MAX with the default
 * HTAB_COPY_OUT) to buf and fills *res. now_ns is CLOCK_MONOTONIC (bpf_ktime_get_ns()).
 * Returns 0 hit; -ENOENT no such key, or expired at now_ns; -EAGAIN in doubt (see the contract);
 * -EINVAL the key holds another type, or off > vlen; -E2BIG (BPF) klen > HTAB_READ_KEY_MAX.
 * In BPF, key must have HTAB_READ_KEY_MAX readable bytes and buf bufsz writable ones.
 *
 * The walk stops at entries whose 32-bit hash, length and tag match and reads them in full;
 * one that turns out to hold another key (two keys share a 32-bit hash: among 1M keys about a
 * hundred pairs do) does not end the walk, which resumes after it, up to HTAB_READ_MAX_CAND
 * such entries (the key comparison is the costly part for the verifier).
 */
static inline int htab_read_at(const struct htab __arena *h, const void *key, __u32 klen,
			       __u64 now_ns, __u64 off, void *buf, __u32 bufsz,
			       struct htab_read_res *res)
{
	struct kv_entry __arena *e = 0;
	__u32 g, tag, h32, slot = 0, t = 0, c;
	int head = 1, err;

	res->vlen = 0;
	res->entry = 0;
	res->seq = 0;
	res->copied = 0;
#if ARENA_BPF
	if (klen > HTAB_READ_KEY_MAX)
		return -E2BIG;
	if (bufsz > HTAB_READ_VAL_MAX)
		bufsz = HTAB_READ_VAL_MAX;
#endif
	h32 = (__u32)htab_read_hash(key, klen);

	/* gen matters only for a miss: a hit is proven by the entry's own seq (see above) */
	g = arena_read_once(h->gen);
	arena_smp_rmb();
	tag = arena_read_once(h->tag);

	for (c = 0; c < HTAB_READ_MAX_CAND; c++) {
		err = htab_read_walk(h, h32, klen, tag, head, &t, &e, &slot);
		if (err < 0)
			return err;
		if (!err) {
			arena_smp_rmb();
			return !(g & 1) && arena_read_once(h->gen) == g ? -ENOENT : -EAGAIN;
		}
		err = htab_read_entry(e, slot, key, klen, h32, tag, now_ns, off, buf, bufsz, res);
		if (err != HTAB_READ_OTHER_KEY)
			return err;
		/* resume after the other key, in the same table */
		e = arena_read_once(e->next);
		head = 0;
	}
	return -EAGAIN;
}

/*
 * htab_read - the whole value of key into buf (up to HTAB_READ_TRIES attempts while in doubt).
 * *vlen = full value length on a hit. Returns 0 hit; -E2BIG the value is longer than bufsz (*vlen
 * says how long; buf holds a prefix); otherwise as htab_read_at().
 */
static inline int htab_read(const struct htab __arena *h, const void *key, __u32 klen, __u64 now_ns,
			    void *buf, __u32 bufsz, __u32 *vlen)
{
	struct htab_read_res res;
	int err = -EAGAIN, i;

	for (i = 0; i < HTAB_READ_TRIES; i++) {
		err = htab_read_at(h, key, klen, now_ns, 0, buf, bufsz, &res);
		if (err != -EAGAIN)
			break;
	}
	if (err)
		return err;
	*vlen = (__u32)res.vlen;
	return res.vlen > res.copied ? -E2BIG : 0;
}

#endif /* ARENAKV_HTAB_H */
