/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * clock.h - the server's clocks: monotonic time for expiry, wall time for the protocol, and the
 * coarse access clocks used by eviction (LRU seconds, LFU minutes).
 *
 * Why two time bases: Redis stores an absolute unix-ms deadline per key. arenakv stores the
 * deadline as CLOCK_MONOTONIC nanoseconds (kv_entry.expire_ns) because BPF programs can only read
 * that clock (bpf_ktime_get_ns()) and must decide "expired" on their own, without asking user
 * space. The protocol still speaks unix time (EXPIREAT, EXPIRETIME), so we convert at the edges:
 *
 *     mono_ns = unix_ms * 1e6 - realtime_ns_now + mono_ns_now
 *
 * Both "now" values are read back to back, so a round trip unix ms -> mono ns -> unix ms is off by
 * the few nanoseconds between the two reads and is rounded back to the exact millisecond. A step of
 * the wall clock after a key got its deadline does not move the deadline (a TTL stays a TTL); Redis
 * would move it. We accept that: it is the price of letting the kernel side judge expiry.
 *
 * Far deadlines. Redis accepts deadlines up to LLONG_MAX unix ms (EXPIRE k 99999999999 is
 * ~3000 years), more than 64 bits of monotonic ns can hold (~584 years after boot). A deadline
 * whose monotonic ns would reach CLOCK_FAR_BIT (2^63, ~292 years after boot) is stored as
 * CLOCK_FAR_BIT | unix_ms instead. Both readers stay right without knowing: such a value is larger
 * than any bpf_ktime_get_ns() this machine will see, so "expire_ns <= now" stays false as it
 * should, and the order of deadlines is kept (volatile-ttl), since every far value is above
 * every near one and far values are ordered by unix ms. Only the conversions below decode it.
 *
 * Invariants:
 *  - expire_ns == 0 means "no expiry"; a real deadline is never 0 (clamped to 1 = long past).
 *  - Conversions never overflow; a unix-ms deadline round-trips exactly (near ones to the ms,
 *    far ones bit for bit). Callers reject out-of-range input first with Redis's "invalid expire
 *    time" error.
 *  - No locks: every function here is a pure read of the kernel clocks.
 */
#ifndef ARENAKV_CLOCK_H
#define ARENAKV_CLOCK_H

#include <linux/types.h>

#include "kv.h" /* KV_LRU_*, KV_LFU_*: the access-clock constants shared with BPF */

#define CLOCK_FAR_BIT	 (1ULL << 63) /* expire_ns with this bit: CLOCK_FAR_BIT | unix ms */
#define CLOCK_NS_PER_MS	 1000000LL
#define CLOCK_NS_PER_SEC 1000000000LL

/* LRU clock: seconds, 24 bits, wraps every ~194 days (as Redis's LRU_CLOCK_MAX). Like the LFU
 * minutes below it counts CLOCK_MONOTONIC (not unix time as in Redis), so a BPF program stamping
 * kv_entry.access from bpf_ktime_get_ns() (the XDP fast path) agrees with user space. The
 * constants are the index's (kv.h KV_LRU_*, KV_LFU_*), the one definition both sides include. */
#define CLOCK_LRU_BITS		KV_LRU_BITS
#define CLOCK_LRU_MAX		KV_LRU_MAX
#define CLOCK_LRU_RESOLUTION_MS (KV_LRU_RES_NS / 1000000ULL)

__u64 clock_mono_ns(void);
long long clock_unix_ms(void);
long long clock_unix_us(void);

/* Deadline conversion. unix_ms may be in the past (gives a deadline in the past, >= 1). */
__u64 clock_unix_ms_to_mono_ns(long long unix_ms);
long long clock_mono_ns_to_unix_ms(__u64 mono_ns);

/* Deadline from a relative TTL in ms from now (ttl_ms may be <= 0: deadline already past). */
__u64 clock_ttl_ms_to_mono_ns(long long ttl_ms);

/* Current LRU clock (24-bit seconds), and how long ago in ms an access stamped `lru` happened. */
__u32 clock_lru_now(void);
unsigned long long clock_lru_idle_ms(__u32 lru);

/* LFU clock: minutes, 16 bits (the high 16 bits of a 24-bit LFU access word). */
__u32 clock_lfu_minutes(void);

#endif /* ARENAKV_CLOCK_H */
