/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * clock.c - see clock.h for the why. All functions read the vDSO clocks directly (tens of ns);
 * nothing is cached here, so there is no "cached now" that could go stale between commands
 * (db.c keeps a per-cron-tick copy of the coarse access clocks, where a tick-old value is fine).
 */
#include <time.h>

#include "clock.h"

static __u64 clock_read_ns(clockid_t id)
{
	struct timespec ts;

	/* clock_gettime() on these clock ids cannot fail on Linux. */
	clock_gettime(id, &ts);
	return (__u64)ts.tv_sec * CLOCK_NS_PER_SEC + (__u64)ts.tv_nsec;
}

__u64 clock_mono_ns(void)
{
	return clock_read_ns(CLOCK_MONOTONIC);
}

long long clock_unix_ms(void)
{
	return (long long)(clock_read_ns(CLOCK_REALTIME) / CLOCK_NS_PER_MS);
}

long long clock_unix_us(void)
{
	return (long long)(clock_read_ns(CLOCK_REALTIME) / 1000);
}

/*
 * Offset to add to a realtime ns value to get the monotonic ns value of the same instant.
 * Signed: the monotonic clock is usually far behind the wall clock.
 */
static __s64 clock_real_to_mono_offset(void)
{
	__u64 mono = clock_read_ns(CLOCK_MONOTONIC);
	__u64 real = clock_read_ns(CLOCK_REALTIME);

	return (__s64)mono - (__s64)real;
}

__u64 clock_unix_ms_to_mono_ns(long long unix_ms)
{
	__int128 ns = (__int128)unix_ms * CLOCK_NS_PER_MS + clock_real_to_mono_offset();

	if (ns < 1)
		return 1; /* long past, but a deadline (0 would mean "none") */
	if (ns >= (__int128)CLOCK_FAR_BIT)
		return CLOCK_FAR_BIT | (__u64)unix_ms; /* unix_ms > 0 here */
	return (__u64)ns;
}

long long clock_mono_ns_to_unix_ms(__u64 mono_ns)
{
	__int128 real, ms;

	if (mono_ns & CLOCK_FAR_BIT)
		return (long long)(mono_ns & ~CLOCK_FAR_BIT);
	real = (__int128)mono_ns - clock_real_to_mono_offset();

	/* Round to nearest: the offset jitters by the ns between the two clock reads. */
	if (real >= 0)
		ms = (real + CLOCK_NS_PER_MS / 2) / CLOCK_NS_PER_MS;
	else
		ms = (real - CLOCK_NS_PER_MS / 2) / CLOCK_NS_PER_MS;
	if (ms > (__int128)0x7fffffffffffffffLL)
		return 0x7fffffffffffffffLL;
	return (long long)ms;
}

__u64 clock_ttl_ms_to_mono_ns(long long ttl_ms)
{
	__int128 ns = (__int128)clock_mono_ns() + (__int128)ttl_ms * CLOCK_NS_PER_MS;
	__int128 unix_ms;

	if (ns < 1)
		return 1;
	if (ns < (__int128)CLOCK_FAR_BIT)
		return (__u64)ns;
	unix_ms = (__int128)clock_unix_ms() + ttl_ms;
	if (unix_ms > 0x7fffffffffffffffLL)
		unix_ms = 0x7fffffffffffffffLL;
	return CLOCK_FAR_BIT | (__u64)unix_ms;
}

__u32 clock_lru_now(void)
{
	return (__u32)((clock_mono_ns() / KV_LRU_RES_NS) & CLOCK_LRU_MAX);
}

unsigned long long clock_lru_idle_ms(__u32 lru)
{
	__u32 now = clock_lru_now();
	__u32 ticks;

	lru &= CLOCK_LRU_MAX;
	/* One wrap is assumed at most, as in Redis: an older stamp just looks younger. */
	ticks = now >= lru ? now - lru : (CLOCK_LRU_MAX - lru) + now;
	return (unsigned long long)ticks * CLOCK_LRU_RESOLUTION_MS;
}

__u32 clock_lfu_minutes(void)
{
	return (__u32)((clock_mono_ns() / KV_LFU_MINUTE_NS) & 0xffff);
}
