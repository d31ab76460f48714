/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * kv.h - one key of one database: struct kv_entry, its accessors and its seqlock.
 *
 * An entry is a 40-byte header followed by data[]: the out-of-line pointers first (8-byte
 * aligned), then the inline key, then the inline value:
 *
 *   data[]: [val blob ptr, if !KV_F_VAL_INLINE][key blob ptr, if !KV_F_KEY_INLINE]
 *           [key bytes, if KV_F_KEY_INLINE][value bytes (vcap of them), if KV_F_VAL_INLINE]
 *
 * Why no `key`/`val` pointer fields: they would cost 16 bytes on every entry to save an add. With
 * the header at 40 bytes, a 16-byte key with a 32-byte value is one 88-byte slot (alloc.h), which
 * is what the memory benchmark (1M such keys vs redis-server) measures. The value capacity is
 * whatever the slot (or blob) has left, so APPEND/SETRANGE can often grow in place.
 * Entries live only in entry slab pages (type-stable memory, alloc.h): a stale pointer to an entry
 * always lands on some kv_entry header, whose `seq` tells a lock-free reader that what it read is
 * void.
 *
 * Concurrency contract (summary; the full text lives in htab.h):
 *  - One writer: the server's event-loop thread. It is the only code that allocates, links,
 *    unlinks, frees or mutates entries and tables.
 *  - seq is even while an entry is published (linked, or about to be), odd otherwise: while the
 *    writer is inside kv_write_begin()/kv_write_end(), while the slot is free, and between kv_new()
 *    and the htab_insert()/htab_replace() that publishes it. It only ever increases.
 *  - Readers that take no lock (BPF programs, reader threads, other processes) use
 *    kv_read_begin()/kv_read_retry(): an odd seq or a changed seq means "in doubt": report a miss.
 *  - The writer wraps every in-place change of a published entry's key, value, vlen, type, flags
 *    or expire_ns in kv_write_begin()/kv_write_end(). `access` is a hint only readers never check:
 *    it may be stored at any time with arena_write_once().
 */
#ifndef ARENAKV_KV_H
#define ARENAKV_KV_H

#include "arena.h"

enum kv_type {
	KV_FREE = 0,   /* slot is on a free list */
	KV_STRING = 1, /* value = vlen raw bytes */
	KV_ZSET = 2,   /* value -> struct zset (issue 4) */
};

/*
 * Units of the access clock in kv_entry.access, one definition for the server and the BPF
 * programs (both read CLOCK_MONOTONIC). LRU: seconds & KV_LRU_MAX (24 bits). LFU: minutes
 * (16 bits) << 8 | logarithmic counter (8 bits); new keys start at KV_LFU_INIT_VAL.
 * server/db.c owns the update rules; these are only the units.
 */
#define KV_LRU_BITS	 24
#define KV_LRU_MAX	 ((1U << KV_LRU_BITS) - 1)
#define KV_LRU_RES_NS	 1000000000ULL /* one LRU clock tick */
#define KV_LFU_MINUTE_NS 60000000000ULL
#define KV_LFU_INIT_VAL	 5

#define KV_F_VAL_INLINE 0x01 /* value bytes are in data[] */
#define KV_F_KEY_INLINE 0x02 /* key bytes are in data[] */
/* Server-owned hint (OBJECT ENCODING "raw" history, server/db.h); the index and every reader
 * ignore it, so it may be set on unpublished entries or inside the seqlock. */
#define KV_F_HINT_RAW 0x80

struct kv_entry {
	__u32 seq;	 /* seqlock: even = published and stable, odd = not (see above) */
	__u8 type;	 /* enum kv_type */
	__u8 flags;	 /* KV_F_* */
	__u16 db;	 /* tag of the htab that links it (htab.tag; == db index until SWAPDB) */
	__u32 klen;	 /* key length in bytes */
	__u32 vlen;	 /* value length in bytes (<= kv_vcap()) */
	__u32 hash;	 /* low 32 bits of htab_hash(key): the bucket index at any table size */
	__u32 access;	 /* LRU clock or LFU counter (server/db.c); a hint, no seqlock needed */
	__u64 expire_ns; /* CLOCK_MONOTONIC deadline in ns; 0 = no expiry */
	struct kv_entry __arena *next; /* hash chain */
	__u8 data[]; /* out-of-line pointers, inline key, inline value (see above) */
};

#define KV_HDR_SIZE 40
_Static_assert(sizeof(struct kv_entry) == KV_HDR_SIZE, "kv_entry header is 40 bytes");
_Static_assert(__builtin_offsetof(struct kv_entry, seq) == 0, "seq first (alloc.h keeps it)");
_Static_assert(__builtin_offsetof(struct kv_entry, klen) == 8, "klen offset");
_Static_assert(__builtin_offsetof(struct kv_entry, hash) == 16, "hash offset");
_Static_assert(__builtin_offsetof(struct kv_entry, expire_ns) == 24, "expire_ns offset");
_Static_assert(__builtin_offsetof(struct kv_entry, next) == 32, "next offset");
_Static_assert(__builtin_offsetof(struct kv_entry, data) == KV_HDR_SIZE, "data offset");

/* Bytes of data[] taken by out-of-line pointers for these flags. */
static inline __u32 kv_ptrs_size(__u8 flags)
{
	return (flags & KV_F_VAL_INLINE ? 0 : 8) + (flags & KV_F_KEY_INLINE ? 0 : 8);
}

/* The key bytes (klen of them). */
static inline __u8 __arena *kv_key(const struct kv_entry __arena *e)
{
	__u8 flags = e->flags;

	if (flags & KV_F_KEY_INLINE)
		return (__u8 __arena *)e->data + kv_ptrs_size(flags);
	return *(__u8 __arena * __arena *)(e->data + (flags & KV_F_VAL_INLINE ? 0 : 8));
}

/* The value bytes (vlen used, kv_vcap() usable). */
static inline __u8 __arena *kv_val(const struct kv_entry __arena *e)
{
	__u8 flags = e->flags;

	if (flags & KV_F_VAL_INLINE)
		return (__u8 __arena *)e->data + kv_ptrs_size(flags) +
		       (flags & KV_F_KEY_INLINE ? e->klen : 0);
	return *(__u8 __arena * __arena *)e->data;
}

/*
 * Seqlock. Writer: kv_write_begin(e); change fields; kv_write_end(e). Reader:
 *	s = kv_read_begin(e); if (s & 1) -> in doubt; read fields (and copy); if kv_read_retry(e, s)
 *	-> in doubt (discard what was read).
 */
static inline __u32 kv_read_begin(const struct kv_entry __arena *e)
{
	return arena_seq_begin(e->seq);
}

/* Nonzero when what was read since kv_read_begin() returned seq may be torn or stale. */
static inline int kv_read_retry(const struct kv_entry __arena *e, __u32 seq)
{
	return arena_seq_retry(e->seq, seq);
}

#if !ARENA_BPF
static inline __u32 kv_write_begin(struct kv_entry *e)
{
	__u32 s = e->seq + 1;

	ARENA_ASSERT(s & 1);	     /* only a published (even) entry is edited in place */
	arena_write_once(e->seq, s); /* odd: readers now in doubt */
	arena_smp_wmb();
	return s;
}

static inline __u32 kv_write_end(struct kv_entry *e)
{
	__u32 s = e->seq + 1;

	arena_smp_wmb();
	arena_write_once(e->seq, s); /* even again, and different from before */
	return s;
}

/* Bytes usable at kv_val(e): what is left of the slot, or the blob's usable size. */
__u32 kv_vcap(const struct kv_entry *e);

/* Arena bytes this entry holds: its slot plus its key/value blobs (MEMORY USAGE). */
__u64 kv_mem_usage(const struct kv_entry *e);
#endif

#endif /* ARENAKV_KV_H */
