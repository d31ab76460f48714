/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * bpf_test.h - tiny harness shared by the tests in tests/bpf/.
 *
 * Each test is one executable that counts its checks with unit/unit_test.h (one line per failed
 * check, a final "N passed, M failed" line) and exits 0 (all passed), 1 (something failed) or
 * 77 (skipped: the kernel or our privileges cannot run BPF arenas; the reason is printed first). A
 * skip is decided ONLY by bpf_test_require_arena(), which creates a bare arena map: if that works,
 * any later failure (a program the verifier rejects, a wrong result) is a real failure, never a
 * skip.
 */
#ifndef ARENAKV_TESTS_BPF_TEST_H
#define ARENAKV_TESTS_BPF_TEST_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "unit/unit_test.h" /* CHECK_MSG(), ut_done(): the counters and the summary line */

/* Exit 77 with the reason when this process cannot create a BPF arena map at all. */
static inline void bpf_test_require_arena(void)
{
	LIBBPF_OPTS(bpf_map_create_opts, opts, .map_flags = BPF_F_MMAPABLE);
	int fd;

	fd = bpf_map_create(BPF_MAP_TYPE_ARENA, "akv_probe", 0, 0, 1, &opts);
	if (fd < 0) {
		int err = errno;

		printf("SKIP: cannot create a BPF arena map (%s%s)\n", strerror(err),
		       err == EPERM    ? ": run as root or with CAP_BPF+CAP_PERFMON"
		       : err == EINVAL ? ": kernel without BPF_MAP_TYPE_ARENA (needs 6.9+)"
				       : "");
		exit(77);
	}
	close(fd);
}

/* Deterministic pseudo-random numbers (xorshift64*), so a failure reproduces. */
static __u64 bt_rng_state = 0x9e3779b97f4a7c15ULL;

static inline __u64 bt_rand64(void)
{
	__u64 x = bt_rng_state;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	bt_rng_state = x;
	return x * 0x2545F4914F6CDD1DULL;
}

#endif /* ARENAKV_TESTS_BPF_TEST_H */
