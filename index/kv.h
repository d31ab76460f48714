/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * kv.h - CONTRACT between index/ and the server (draft by the lead; the index owner fills in
 * the essay, the implementation and may add fields, but keeps these names and semantics).
 *
 * An entry is one key of one database. Entries live only in entry-kind slab pages (type-stable
 * memory): a stale pointer to an entry always lands on some kv_entry header, whose `seq` tells a
 * lock-free reader that what it read is void.
 *
 * Concurrency contract (summary; the full text lives in htab.h):
 *  - One writer: the server's event-loop thread. It is the only code that allocates, links,
 *    unlinks, frees or mutates entries and tables.
 *  - Readers that take no lock (BPF programs, reader threads in tests, other processes) use
 *    kv_read_begin()/kv_read_retry(): an odd seq or a changed seq means "in doubt": report a miss.
 *  - Writers wrap every in-place change of a linked entry in kv_write_begin()/kv_write_end().
 */
#ifndef ARENAKV_KV_H
#define ARENAKV_KV_H

#include "arena.h"

enum kv_type {
	KV_FREE = 0,	/* slot is on a free list */
	KV_STRING = 1,	/* val -> vlen raw bytes */
	KV_ZSET = 2,	/* val -> struct zset (issue 4) */
};

#define KV_F_VAL_INLINE 0x01 /* val points into data[] */
#define KV_F_KEY_INLINE 0x02 /* key points into data[] */

struct kv_entry {
	__u32 seq;		/* seqlock: even = stable, odd = writer inside; bumped on free */
	__u8 type;		/* enum kv_type */
	__u8 flags;		/* KV_F_* */
	__u16 db;		/* database index, for debugging and scans */
	__u32 klen;
	__u32 vlen;		/* string length in bytes */
	__u32 vcap;		/* bytes usable at val (>= vlen) */
	__u32 access;		/* LRU clock (seconds, 24 bits) or LFU counter; see server/evict */
	__u64 hash;		/* htab_hash(key) */
	__u64 expire_ns;	/* CLOCK_MONOTONIC deadline in ns; 0 = no expiry */
	struct kv_entry __arena *next; /* hash chain */
	__u8 __arena *key;
	__u8 __arena *val;
	__u8 data[];		/* inline key, then inline value */
};

#endif /* ARENAKV_KV_H */
