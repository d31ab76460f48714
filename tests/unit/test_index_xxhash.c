// SPDX-License-Identifier: BSD-2-Clause
/*
 * test_index_xxhash.c - proves index/xxhash.h (the one XXH64 the BPF side compiles) bit-identical
 * to libxxhash's XXH64().
 *
 * Covers: every length 0..4160 at several alignments with many seeds (0, 1, all-ones, the htab
 * seed, random ones), random data, all-zero and all-0xff data, a few multi-MiB inputs (the user
 * flavour has no length bound). The BPF flavour (XXH64_BOUNDED: byte-wise lanes and constant loop
 * bounds, the exact C the BPF programs compile) is built here too under renamed symbols and
 * compared at every length up to XXH64_BPF_MAX_LEN with the same seeds and alignments.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
/*
 * First inclusion: the BPF flavour (XXH64_BOUNDED: byte-wise lanes, constant loop bounds) under
 * renamed symbols; second inclusion: the user-space flavour. Both are checked against XXH64().
 */
#define XXH64_BOUNDED	  1
#define xxh64		  bpf_xxh64
#define xxh64_rotl	  bpf_xxh64_rotl
#define xxh64_read64	  bpf_xxh64_read64
#define xxh64_read32	  bpf_xxh64_read32
#define xxh64_round	  bpf_xxh64_round
#define xxh64_merge_round bpf_xxh64_merge_round
#define xxh64_avalanche	  bpf_xxh64_avalanche
#include "xxhash.h"
#undef xxh64
#undef xxh64_rotl
#undef xxh64_read64
#undef xxh64_read32
#undef xxh64_round
#undef xxh64_merge_round
#undef xxh64_avalanche
#undef XXH64_BOUNDED
#undef ARENAKV_XXHASH_H
#include "xxhash.h" /* xxh64() under test, and the XXH64() prototype of libxxhash */
#include "unit/unit_test.h"

static __u64 rng_state = 0x123456789abcdefULL;

static __u64 rng(void)
{
	/* xorshift64*: deterministic, so a failure reproduces */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545F4914F6CDD1DULL;
}

int main(void)
{
	enum { MAXLEN = 4160 };
	static __u8 buf[MAXLEN + 64];
	__u64 seeds[12] = {0, 1, ~0ULL, 0x9E3779B185EBCA87ULL, 0x5bd1e995ULL, 42};
	size_t len, s, a;
	unsigned long exact_checks = 0;

	for (s = 6; s < 12; s++)
		seeds[s] = rng();
	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (__u8)rng();

	/* every length, every seed, four alignments */
	for (len = 0; len <= MAXLEN; len++)
		for (s = 0; s < 12; s++)
			for (a = 0; a < 4; a++) {
				const __u8 *p = buf + a * 3; /* offsets 0, 3, 6, 9 */
				__u64 want = XXH64(p, len, seeds[s]);
				__u64 got = xxh64(p, len, seeds[s]);

				CHECK_MSG(want == got, "len %zu seed %llx align %zu: %llx != %llx",
					  len, (unsigned long long)seeds[s], a * 3,
					  (unsigned long long)got, (unsigned long long)want);
				exact_checks++;
				if (len <= XXH64_BPF_MAX_LEN) {
					got = bpf_xxh64(p, len, seeds[s]);
					CHECK_MSG(want == got,
						  "BPF flavour: len %zu seed %llx align %zu", len,
						  (unsigned long long)seeds[s], a * 3);
					exact_checks++;
				}
			}

	/* degenerate data patterns at lengths around the 4/8/32-byte boundaries */
	for (int pat = 0; pat < 2; pat++) {
		memset(buf, pat ? 0xff : 0, sizeof(buf));
		for (len = 0; len <= 300; len++)
			CHECK_MSG(XXH64(buf, len, 7) == xxh64(buf, len, 7), "pattern %d len %zu",
				  pat, len);
	}

	/* random lengths with random data and random seeds */
	for (int i = 0; i < 20000; i++) {
		__u64 seed = rng();

		len = rng() % MAXLEN;
		for (size_t j = 0; j < len; j++)
			buf[j] = (__u8)rng();
		CHECK_MSG(XXH64(buf, len, seed) == xxh64(buf, len, seed), "random len %zu", len);
	}

	/* a few large inputs: the user-space variant must take any length */
	{
		size_t big = (32u << 20) + 13; /* 32 MiB + a tail of every kind */
		__u8 *p = malloc(big);

		CHECK_MSG(p != NULL, "malloc");
		if (p) {
			for (size_t j = 0; j < big; j++)
				p[j] = (__u8)(j * 131 + (j >> 9));
			CHECK_MSG(XXH64(p, big, 3) == xxh64(p, big, 3), "32 MiB input");
			CHECK_MSG(XXH64(p + 1, big - 7, 0) == xxh64(p + 1, big - 7, 0),
				  "32 MiB, misaligned");
			free(p);
		}
	}

	/* the BPF flavour clamps: a longer input hashes like its first XXH64_BPF_MAX_LEN bytes */
	CHECK_MSG(bpf_xxh64(buf, XXH64_BPF_MAX_LEN + 100, 5) == XXH64(buf, XXH64_BPF_MAX_LEN, 5),
		  "BPF flavour clamps to XXH64_BPF_MAX_LEN");

	/* known answer, independent of libxxhash: XXH64("", 0) */
	CHECK_MSG(xxh64("", 0, 0) == 0xEF46DB3751D8E999ULL, "XXH64 of empty input");

	printf("test_index_xxhash: %lu exact comparisons; ", exact_checks);
	return ut_done();
}
