/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * htab.h - CONTRACT draft: chained hash table in the arena, xxHash keyed, incremental rehash.
 *
 * Required API (names fixed). Writer side = the one server thread; reader side = lock-free.
 *   __u64 htab_hash(const void *key, __u32 len);           XXH64 with HTAB_SEED (index/xxhash.h)
 *   int   htab_init(struct htab *h, __u64 initial_buckets); 0 / -ENOMEM
 *   struct kv_entry *htab_find(struct htab *h, const void *key, __u32 klen);   writer lookup
 *   struct kv_entry *kv_new(__u8 type, const void *key, __u32 klen, __u32 vlen, __u32 vcap);
 *                   allocate an unlinked entry, key copied, val capacity >= vcap (inline when
 *                   small); NULL on full arena
 *   void  kv_free(struct kv_entry *e);                     entry must be unlinked; bumps seq
 *   int   htab_insert(struct htab *h, struct kv_entry *e); key must not be present
 *   void  htab_replace(struct htab *h, struct kv_entry *old, struct kv_entry *nw); atomic swap in
 *                   the chain (readers see old or new, never neither), caller frees old after
 *   void  htab_unlink(struct htab *h, struct kv_entry *e);  caller frees
 *   void  htab_clear(struct htab *h);                      free every entry (FLUSHDB)
 *   void  htab_swap(struct htab *a, struct htab *b);       SWAPDB
 *   int   htab_rehash_step(struct htab *h, int nbuckets);  1 while more to do
 *   __u64 htab_scan(struct htab *h, __u64 cursor, void (*fn)(struct kv_entry *, void *), void *arg);
 *                   Redis dictScan semantics (reverse-binary cursor, survives resize)
 *   struct kv_entry *htab_random(struct htab *h, __u64 rnd); a random entry or NULL if empty
 *   __u64 htab_count(struct htab *h);
 *   static inline __u32 kv_write_begin(struct kv_entry *e) / kv_write_end(struct kv_entry *e)
 *   static inline __u32 kv_read_begin(const struct kv_entry *e); kv_read_retry(e, seq)
 *   int   htab_read(struct htab *h, const void *key, __u32 klen, __u64 now_ns,
 *                   void *buf, __u32 bufsz, __u32 *vlen);   lock-free reader, for BPF and threads:
 *                   0 hit, -ENOENT miss/expired, -EAGAIN in doubt, -E2BIG value > bufsz
 */
#ifndef ARENAKV_HTAB_H
#define ARENAKV_HTAB_H
#include "kv.h"
struct htab { __u64 todo; };
#endif
