/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * xxhash.h - XXH64, written once for both compilers (BPF and user space).
 *
 * What and why
 * ------------
 * The hash table (index/htab.h) is keyed with XXH64. User space could simply call libxxhash, but
 * a BPF program cannot link a library, and both sides must compute the very same bucket for a
 * key or a lookup from the kernel would look in the wrong chain. So the algorithm lives here as
 * static inline functions, and tests/unit/test_index_xxhash.c proves it bit-identical to
 * libxxhash's XXH64() for every length 0..4096, many seeds, random data, misaligned starts and a
 * few multi-megabyte inputs.
 *
 * The algorithm (XXH64, as specified by its author): inputs of 32 bytes or more are consumed in
 * 32-byte stripes by four independent accumulators (seeded seed+P1+P2, seed+P2, seed, seed-P1),
 * each stripe lane doing acc = rotl(acc + lane * P2, 31) * P1; the four are then folded together
 * and merged. Shorter inputs start from seed + P5. The total length is added, the remaining
 * (< 32) bytes are eaten 8, then 4, then 1 at a time, and a final avalanche mixes the bits.
 * Lanes are read little-endian.
 *
 * Where it departs from the reference code
 * ----------------------------------------
 *  - Every loop has a bound the BPF verifier can see. In BPF (ARENA_BPF) the input may be at most
 *    XXH64_BPF_MAX_LEN bytes; longer lengths are clamped, so a caller must check its key length
 *    first (the htab reader does). The stripe loop runs at most XXH64_BPF_MAX_LEN / 32 times and
 *    the tail loops at most 3 (8-byte) and 3 (1-byte) times, so the verifier sees constants.
 *  - In BPF the input is usually a stack buffer, where the verifier refuses misaligned loads, so
 *    lanes are assembled from single bytes. In user space lanes are read with memcpy (any
 *    alignment, one instruction on x86-64/arm64).
 *  - User space takes any length (size_t), 512 MiB values included; no bound is needed there.
 *  - Little-endian hosts only (x86-64, arm64, BPF on those): enforced below.
 *
 * Invariants: pure functions, no state, no allocation; safe from any thread or program.
 */
#ifndef ARENAKV_XXHASH_H
#define ARENAKV_XXHASH_H

#include "arena.h"

#if !ARENA_BPF
#include <string.h>
/*
 * libxxhash's XXH64(), declared here because index/ is on every include path and this file
 * shadows the system <xxhash.h>: `#include <xxhash.h>` anywhere in arenakv gets this header.
 * Same prototype as the library's (XXH64_hash_t is uint64_t there); link with -lxxhash.
 */
uint64_t XXH64(const void *input, size_t length, uint64_t seed);
#endif

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "arenakv's xxhash.h assumes a little-endian target"
#endif

/*
 * XXH64_BOUNDED selects the BPF flavour (byte-wise lanes, constant loop bounds, clamped length).
 * It follows ARENA_BPF; the unit test also builds it on the host to compare it with libxxhash.
 */
#ifndef XXH64_BOUNDED
#define XXH64_BOUNDED ARENA_BPF
#endif

/* Longest input the BPF variant hashes (keys longer than this are never looked up from BPF). */
#ifndef XXH64_BPF_MAX_LEN
#define XXH64_BPF_MAX_LEN 256
#endif
#if XXH64_BPF_MAX_LEN % 32 != 0
#error "XXH64_BPF_MAX_LEN must be a multiple of 32"
#endif

#define XXH64_P1 0x9E3779B185EBCA87ULL
#define XXH64_P2 0xC2B2AE3D27D4EB4FULL
#define XXH64_P3 0x165667B19E3779F9ULL
#define XXH64_P4 0x85EBCA77C2B2AE63ULL
#define XXH64_P5 0x27D4EB2F165667C5ULL

static inline __u64 xxh64_rotl(__u64 x, int r)
{
	return (x << r) | (x >> (64 - r));
}

/* Little-endian loads from an arbitrary (possibly misaligned) byte address. */
#if XXH64_BOUNDED
static inline __u64 xxh64_read64(const __u8 *p)
{
	return (__u64)p[0] | (__u64)p[1] << 8 | (__u64)p[2] << 16 | (__u64)p[3] << 24 |
	       (__u64)p[4] << 32 | (__u64)p[5] << 40 | (__u64)p[6] << 48 | (__u64)p[7] << 56;
}

static inline __u32 xxh64_read32(const __u8 *p)
{
	return (__u32)p[0] | (__u32)p[1] << 8 | (__u32)p[2] << 16 | (__u32)p[3] << 24;
}
#else
static inline __u64 xxh64_read64(const __u8 *p)
{
	__u64 v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static inline __u32 xxh64_read32(const __u8 *p)
{
	__u32 v;

	memcpy(&v, p, sizeof(v));
	return v;
}
#endif

static inline __u64 xxh64_round(__u64 acc, __u64 lane)
{
	acc += lane * XXH64_P2;
	acc = xxh64_rotl(acc, 31);
	return acc * XXH64_P1;
}

static inline __u64 xxh64_merge_round(__u64 acc, __u64 val)
{
	acc ^= xxh64_round(0, val);
	return acc * XXH64_P1 + XXH64_P4;
}

static inline __u64 xxh64_avalanche(__u64 h)
{
	h ^= h >> 33;
	h *= XXH64_P2;
	h ^= h >> 29;
	h *= XXH64_P3;
	h ^= h >> 32;
	return h;
}

/*
 * xxh64 - XXH64 of len bytes at input with the given seed; equal to libxxhash XXH64().
 * In BPF, len is clamped to XXH64_BPF_MAX_LEN and input must have that many readable bytes
 * from the verifier's point of view (size the stack buffer accordingly).
 */
static inline __u64 xxh64(const void *input, __u64 len, __u64 seed)
{
	const __u8 *p = (const __u8 *)input;
	__u64 h, nstripes, ntail8, i;
	__u64 total = len;

#if XXH64_BOUNDED
	if (len > XXH64_BPF_MAX_LEN)
		len = XXH64_BPF_MAX_LEN;
	total = len;
#endif
	nstripes = len / 32;
	if (nstripes) {
		__u64 v1 = seed + XXH64_P1 + XXH64_P2;
		__u64 v2 = seed + XXH64_P2;
		__u64 v3 = seed;
		__u64 v4 = seed - XXH64_P1;

#if XXH64_BOUNDED
		for (i = 0; i < XXH64_BPF_MAX_LEN / 32; i++) {
			if (i >= nstripes)
				break;
#else
		for (i = 0; i < nstripes; i++) {
#endif
			v1 = xxh64_round(v1, xxh64_read64(p));
			v2 = xxh64_round(v2, xxh64_read64(p + 8));
			v3 = xxh64_round(v3, xxh64_read64(p + 16));
			v4 = xxh64_round(v4, xxh64_read64(p + 24));
			p += 32;
		}
		h = xxh64_rotl(v1, 1) + xxh64_rotl(v2, 7) + xxh64_rotl(v3, 12) + xxh64_rotl(v4, 18);
		h = xxh64_merge_round(h, v1);
		h = xxh64_merge_round(h, v2);
		h = xxh64_merge_round(h, v3);
		h = xxh64_merge_round(h, v4);
	} else {
		h = seed + XXH64_P5;
	}
	h += total;

	len &= 31;
	ntail8 = len / 8; /* 0..3 */
	for (i = 0; i < 3; i++) {
		if (i >= ntail8)
			break;
		h ^= xxh64_round(0, xxh64_read64(p));
		h = xxh64_rotl(h, 27) * XXH64_P1 + XXH64_P4;
		p += 8;
	}
	len &= 7;
	if (len >= 4) {
		h ^= (__u64)xxh64_read32(p) * XXH64_P1;
		h = xxh64_rotl(h, 23) * XXH64_P2 + XXH64_P3;
		p += 4;
		len -= 4;
	}
	for (i = 0; i < 3; i++) {
		if (i >= len)
			break;
		h ^= (__u64)p[i] * XXH64_P5;
		h = xxh64_rotl(h, 11) * XXH64_P1;
	}
	return xxh64_avalanche(h);
}

#endif /* ARENAKV_XXHASH_H */
