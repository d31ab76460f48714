/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * arena_bpf.h - creating the arena the index lives in, and running the kernel-side reader.
 *
 * The server's keyspace lives in one BPF arena (bpf/arenakv.bpf.c) mapped at ARENA_BASE, so user
 * space writes the index with plain pointers while BPF programs read the very same pages. When
 * the kernel refuses (no privilege, no arena support, the programs do not verify) the same index
 * runs over an anonymous mapping at the same address (index/arena_mem.h): nothing above this
 * layer can tell the difference, except that arena_kernel_lookup() answers -ENOTSUP.
 *
 * Threading: arena_setup() and arena_teardown() are called by one thread, with no concurrent user
 * of the arena (start-up, shut-down, tests). arena_kernel_*() may be called from any thread: runs
 * are serialized inside (the programs share one output buffer), and the lookup itself is a
 * lock-free reader of the index, so it may race with the writer thread as index/htab.h allows.
 */
#ifndef ARENAKV_ARENA_BPF_H
#define ARENAKV_ARENA_BPF_H

#include <linux/types.h>
#include <stddef.h>

/*
 * Map and format the arena. mode:
 *   "auto" - BPF arena if the kernel lets us, else anonymous mmap with one log line saying why;
 *   "bpf"  - BPF arena or failure (-errno, and a log line saying why): no silent fallback;
 *   "mmap" - anonymous mmap, the kernel is not asked.
 * NULL means "auto". The environment variable ARENAKV_ARENA (auto|bpf|mmap), when set, overrides
 * mode (tests use it). Then arena_format() creates an empty index (magic, allocator, 16 tables).
 * Returns 0, -EINVAL for an unknown mode, -EBUSY when already set up, or the error of the step
 * that failed.
 */
int arena_setup(const char *mode);

/* 1 when the arena is the BPF map (kernel lookups work), 0 for the anonymous mmap fallback. */
int arena_is_bpf(void);

/* "bpf", "mmap", or "none" before arena_setup(). For INFO and logs. */
const char *arena_backend(void);

/* Why the BPF arena is not in use ("" when it is); the reason arena_setup() logged. */
const char *arena_fallback_reason(void);

/* Unmap the arena and free the BPF objects. Every pointer into the arena dies. Idempotent. */
void arena_teardown(void);

/*
 * Look key up in database db with the BPF program, i.e. as the kernel reads the arena.
 * On a hit copies min(bufsz, value length) bytes to buf, sets *vlen to the full value length
 * (so *vlen > bufsz means the value was truncated: call again with a bigger buffer) and returns 0.
 * Values longer than the program's buffer (AKV_VAL_CHUNK) are read in several runs that must all
 * see the same unmodified entry, else the read is in doubt.
 * Returns 0 hit, -ENOENT miss or expired, -EAGAIN in doubt (the entry changed under the reader),
 * -ENOTSUP when the arena is not a BPF arena, -E2BIG key longer than AKV_KEY_MAX, -EINVAL bad db
 * or a key holding a non-string value, or the -errno of bpf_prog_test_run_opts().
 */
int arena_kernel_lookup(int db, const void *key, size_t klen, void *buf, size_t bufsz,
			size_t *vlen);

/* XXH64 of data[0, len) computed by the BPF program (index/xxhash.h compiled for BPF); for the
 * equality test. 0, -ENOTSUP, -E2BIG (len > AKV_KEY_MAX), or -errno of the run. */
int arena_kernel_xxh64(const void *data, size_t len, __u64 seed, __u64 *hash);

/* Counters of the kernel lookups since arena_setup() (INFO, tests). */
struct arena_kernel_stats {
	__u64 lookups;	      /* arena_kernel_lookup() calls that ran the program */
	__u64 runs;	      /* program runs (retries and chunks included) */
	__u64 doubt_retries;  /* runs repeated because the reader answered -EAGAIN */
	__u64 chunk_restarts; /* chunked reads restarted because the value changed between chunks */
	__u64 in_doubt;	      /* lookups that still ended -EAGAIN */
};
void arena_kernel_stats(struct arena_kernel_stats *st);

/* Read the arena header as the kernel sees it: magic and base. 0, -ENOTSUP or -errno. */
int arena_kernel_probe(__u64 *magic, __u64 *base);

#endif /* ARENAKV_ARENA_BPF_H */
