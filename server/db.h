/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * db.h - the keyspace: Redis's db.c/expire.c/evict.c semantics over the arena hash tables.
 *
 * Each of the 16 databases is one struct htab in the arena header page (index/layout.h). This
 * module is the only server code that links, unlinks, replaces or frees entries and the only code
 * that writes kv_entry.expire_ns. kv_entry.access is written here and by the XDP fast path on
 * its hits (bpf/fp_answer.h), with the same clocks (clock.h derives them from CLOCK_MONOTONIC,
 * which BPF reads as bpf_ktime_get_ns()); either side may overwrite the other's stamp. Command
 * modules go through it for every keyspace change so that four things stay true for every key,
 * whatever command touched it:
 *
 *  1. Lazy expiry: a key whose deadline (CLOCK_MONOTONIC ns, see clock.h) has passed does not
 *     exist. Every lookup checks the deadline and deletes the key on the spot, counting it in
 *     srv.stats.expired_keys. The active cycle in db_cron() catches keys nobody asks for.
 *  2. No partial writes: a new value is allocated before anything is unlinked; on a full arena
 *     (or a value larger than all of maxmemory) the allocation fails, the caller replies -OOM
 *     and the old value is untouched. Allocation never evicts (eviction runs only before a
 *     command, in db_evict_for_write(), and from db_cron()), so a command may hold entry
 *     pointers across its own allocations. Replacing a key is one htab_replace(), so a
 *     lock-free reader (BPF, another process) sees the old entry or the new one, never neither.
 *  3. WATCH: every modification, expiry deletion, eviction, flush and swap is reported to
 *     multi.c before the command returns: multi_touch_key() after a key changed,
 *     multi_touch_db() before a flush, multi_touch_swapdb() before a swap (server/multi.h).
 *  4. Counters: db_expires() counts keys with a deadline exactly (htab keeps nexpires: every
 *     deadline is set before linking or through htab_set_expire()), srv.dirty counts changes,
 *     srv.stats the hits/misses/expired/evicted like Redis's INFO.
 *
 * In-place edits (APPEND, SETRANGE, SETBIT, INCR that fits) are done by the command module
 * between db_edit_begin() and db_edit_end(), which wrap kv_write_begin()/kv_write_end() (the entry
 * seqlock) and then signal the modification.
 *
 * Access clock (kv_entry.access): in LRU mode the 24-bit LRU clock (seconds, clock.h); in LFU
 * mode (maxmemory-policy *-lfu) 16 bits of minutes << 8 | an 8-bit logarithmic counter, exactly
 * Redis's encoding. It is stored with a single relaxed 32-bit store outside the seqlock: readers
 * never depend on it, and bumping the seqlock on every GET would make lock-free readers retry.
 *
 * Threading: everything here runs on the event-loop thread; nothing is reentrant.
 * Entry pointers returned by lookups are valid until the next call that may modify the same
 * database (any db_* call that links, unlinks or evicts), so a command must not hold one across
 * a db_set_*()/db_delete*() on the same db unless it is the entry being replaced.
 */
#ifndef ARENAKV_DB_H
#define ARENAKV_DB_H

#include <stddef.h>

#include "kv.h"
#include "htab.h"
#include "server.h"

#ifndef DB_STRING_MAX
#define DB_STRING_MAX (512ULL * 1024 * 1024) /* Redis's largest string: 512 MiB */
#endif

/*
 * OBJECT ENCODING history: Redis reports "raw" for a string edited by APPEND, SETRANGE, SETBIT or
 * built by BITOP whatever its content. The index reserves a server-owned hint bit in
 * kv_entry.flags for it (readers ignore it); set on unpublished entries or inside the seqlock,
 * kept by COPY RENAME MOVE and growth, cleared by INCR. 0 (no-op) on an index without the bit.
 */
#ifdef KV_F_HINT_RAW
#define DB_HINT_RAW KV_F_HINT_RAW
#else
#define DB_HINT_RAW 0
#endif

/* Lookup flags. */
#define DB_LOOKUP_NOTOUCH  0x1 /* don't update the LRU/LFU access clock */
#define DB_LOOKUP_NOSTATS  0x2 /* don't count keyspace hits/misses */
#define DB_LOOKUP_NOEXPIRE 0x4 /* return logically expired keys without deleting them */

/* db_set flags. */
#define DB_SET_KEEPTTL 0x1 /* keep the old key's deadline instead of taking expire_ns */

/* Start-up, after arena_format(): resets scan cursors, the eviction pool and the access clocks.
 * 0, or -EEXIST when the arena already holds keys (their state is not rebuilt). */
int db_init(void);

/* The table of database dbid (0..ARENA_MAX_DBS-1). */
struct htab *db_table(int dbid);

/* True when the entry's deadline has passed (expire_ns != 0 && expire_ns <= now). */
int db_entry_expired(const struct kv_entry *e, __u64 now_ns);

/*
 * Lookup with lazy expiry. Returns the live entry or NULL. Updates the access clock unless
 * DB_LOOKUP_NOTOUCH, counts hit/miss unless DB_LOOKUP_NOSTATS.
 */
struct kv_entry *db_lookup(int dbid, const void *key, size_t klen, int flags);
/* Redis's lookupKeyRead (counts stats) / lookupKeyWrite (no stats) for the client's db. */
struct kv_entry *db_lookup_read(struct client *c, const struct arg *key);
struct kv_entry *db_lookup_write(struct client *c, const struct arg *key);
/* No stats, no access-clock update: for MEMORY USAGE, WATCH, TYPE-like introspection. */
struct kv_entry *db_lookup_nostats(int dbid, const void *key, size_t klen);
int db_exists(int dbid, const void *key, size_t klen);

/*
 * Allocate an unlinked, unpublished entry of any type (KV_STRING, KV_ZSET) with vlen bytes of
 * value (left for the caller to fill) and room for vcap >= vlen: kv_new() plus the checks and
 * the access clock below. Same rules as db_new_string(); link it with db_link().
 */
struct kv_entry *db_new_entry(int dbid, __u8 type, const void *key, size_t klen, size_t vlen,
			      size_t vcap);

/*
 * Allocate an unlinked string entry holding key and val (vlen bytes copied, val may be NULL to
 * leave the bytes for the caller to fill) with room for vcap >= vlen bytes. It never evicts.
 * NULL on a full arena, or when key + value exceed maxmemory (can never fit). The entry is
 * unpublished until db_link(); its access clock is initialised for the current policy.
 */
struct kv_entry *db_new_string(int dbid, const void *key, size_t klen, const void *val, size_t vlen,
			       size_t vcap);

/*
 * Link nw (from db_new_*) under its key in dbid, replacing old (the current live entry for the
 * same key, or NULL when the key is absent). expire_ns is the new deadline (0 = none) unless
 * DB_SET_KEEPTTL, in which case old's deadline is kept. old is freed. 0, or -ENOMEM when
 * inserting a new key failed (nw is freed then; replacing never fails).
 */
int db_link(int dbid, struct kv_entry *nw, struct kv_entry *old, __u64 expire_ns, int flags);

/* Free an entry from db_new_string()/db_clone_entry() that was never linked. */
void db_discard(struct kv_entry *e);

/* SET key val: allocate, then link over any existing key. 0 or -ENOMEM (old value intact). */
int db_set_string(int dbid, const void *key, size_t klen, const void *val, size_t vlen,
		  __u64 expire_ns, int flags);

/* Delete a live entry returned by a lookup (unlink, free, signal). */
void db_delete_entry(int dbid, struct kv_entry *e);
/* DEL: 1 when a live key was deleted, 0 when there was none (an expired key counts as none). */
int db_delete(int dbid, const void *key, size_t klen);

/* Set (expire_ns != 0) or clear (0) the deadline of a live entry; signals the change. */
void db_set_expire(int dbid, struct kv_entry *e, __u64 expire_ns);

/* In-place edit of a linked entry's bytes under its seqlock. */
void db_edit_begin(struct kv_entry *e);
void db_edit_end(int dbid, struct kv_entry *e);

/*
 * Replace e by a copy with a value capacity of at least vcap (bytes [0, e->vlen) copied, same key,
 * deadline and access clock) and return the new entry, or NULL (-ENOMEM, e intact).
 */
struct kv_entry *db_grow_string(int dbid, struct kv_entry *e, size_t vcap);

/*
 * Copy live entry e under newkey as an unlinked entry of dstdb (COPY): value and
 * access clock copied, no deadline (the caller passes it to db_link). Strings are copied here,
 * sorted sets by the zset module (zsetcmd_clone). 0, -ENOMEM, or -EOPNOTSUPP for another type.
 */
int db_clone_entry(int dstdb, const struct kv_entry *e, const void *newkey, size_t newklen,
		   struct kv_entry **out);

/*
 * RENAME: give live entry e of dbid the name newkey, replacing dst_old (the live entry under
 * newkey, or NULL). O(1) whatever the value size (kv_new_rekey shares the value blob). Keeps the
 * deadline and access clock. 0, or -ENOMEM with nothing changed.
 */
int db_rename_entry(int dbid, struct kv_entry *e, const void *newkey, size_t newklen,
		    struct kv_entry *dst_old);

/*
 * MOVE: relink live entry e of db src into db dst without copying (the key must be absent from
 * dst). 0, or -ENOMEM (nothing changed) when dst is empty and has no room for a bucket array.
 */
int db_move_entry(int src, int dst, struct kv_entry *e);

/* WATCH hook for a modification done outside the functions above. */
void db_signal_modified(int dbid, const void *key, size_t klen);

/* Counts. */
__u64 db_size(int dbid);
__u64 db_expires(int dbid);
long long db_avg_ttl_ms(int dbid); /* INFO keyspace avg_ttl, 0 when unknown */

/* A random live key (expired ones met on the way are deleted), or NULL when empty. */
struct kv_entry *db_random_key(int dbid);

/*
 * One SCAN step (Redis's scanGenericCommand loop): visit buckets from cursor until at least
 * count entries were collected or count * 10 buckets were visited, then call fn for every live
 * one; returns the next cursor (0 = done). Expired entries are not reported; they are deleted
 * unless DB_SCAN_KEEP_EXPIRED. Deleting can move entries (rehash step), so a full iteration that
 * must not report a key twice (KEYS) passes DB_SCAN_KEEP_EXPIRED. fn must not modify the db.
 */
#define DB_SCAN_KEEP_EXPIRED 0x1
__u64 db_scan(int dbid, __u64 cursor, long count, int flags,
	      void (*fn)(struct kv_entry *e, void *arg), void *arg);

/* FLUSHDB / FLUSHALL / SWAPDB. dbids already validated. */
void db_flush(int dbid);
void db_flush_all(void);
void db_swap(int a, int b);
/*
 * FLUSHDB ASYNC / FLUSHALL ASYNC: the db is empty at once (O(1)); its entries are freed from
 * db_cron() in bounded steps (used memory goes down as they are). db_flush_pending() is 1 while
 * some are left (INFO lazyfree_pending_objects-like reporting, tests).
 */
void db_flush_async(int dbid);
void db_flush_all_async(void);
int db_flush_pending(void);

/* Periodic work at srv.hz: active expiry cycle and incremental rehash, bounded in time. */
void db_cron(void);

/*
 * Called by dispatch before CMD_DENYOOM commands. "Used" is arena_used_bytes() plus the argument
 * bytes of srv.current_client when the core has set it (redis-server counts query buffers).
 * 0 when under maxmemory (or no limit) or when eviction freed enough (or ran out of its time
 * slice after freeing something); -ENOMEM when over the limit and the policy (or an empty
 * candidate set) can free nothing: reply -OOM.
 */
int db_evict_for_write(void);

/* Arena bytes used by an entry and its value (MEMORY USAGE). */
size_t db_entry_mem_usage(const struct kv_entry *e);

/* LFU counter of an entry after decay (OBJECT FREQ), and idle time in ms (OBJECT IDLETIME). */
int db_entry_lfu(const struct kv_entry *e);
unsigned long long db_entry_idle_ms(const struct kv_entry *e);

/* Value bytes of a string entry (user-space pointer; valid like the entry). */
static inline const char *db_str(const struct kv_entry *e)
{
	return (const char *)kv_val(e);
}

#endif /* ARENAKV_DB_H */
