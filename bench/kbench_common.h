/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * kbench_common.h - what bench/kernel_lookup.c and bench/live_frames.c share: the keyspace
 * (KB_KLEN-byte keys "key:%012u", KB_VLEN-byte values derived from the index), written into
 * the real arena through the index's writer API as server/db.c does, and the kbench skeleton
 * (bpf/kbench.bpf.c) loaded on that same arena. Header-only: each benchmark is one executable.
 *
 * Sequence: kb_arena_fill() after arena_setup("bpf"); kb_open() -> caller fills maps -> runs ->
 * kbench__destroy(); arena_teardown() last. Single-threaded; the arena writer is this thread
 * (nothing else writes the arena while a benchmark runs, so the readers never see a change).
 */
#ifndef ARENAKV_BENCH_KBENCH_COMMON_H
#define ARENAKV_BENCH_KBENCH_COMMON_H

#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "arena_bpf.h"
#include "layout.h"
#include "kbench.h"
#include "fp_load.h" /* fp_arena_map_fd() */
#include "kbench.skel.h"

static inline __u64 kb_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * 1000000000ULL + (__u64)ts.tv_nsec;
}

/* Key i and its value (deterministic, so every side can recompute them). */
static inline void kb_key_of(__u32 i, __u8 *k)
{
	char tmp[KB_KLEN + 1];

	snprintf(tmp, sizeof(tmp), "key:%012u", i);
	memcpy(k, tmp, KB_KLEN);
}

static inline void kb_val_of(__u32 i, __u8 *v)
{
	char tmp[KB_VLEN + 1];

	snprintf(tmp, sizeof(tmp), "val:%012u:%015u", i, i * 2654435761u % 1000000000u);
	memcpy(v, tmp, KB_VLEN);
}

/* xorshift64 (13, 7, 17), the same generator as kbench.bpf.c's kb_next(). */
static inline __u64 kb_xorshift(__u64 x)
{
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return x;
}

/* Insert keys 0..n-1 into arena database db (empty) and finish any resize, so lookups see one
 * settled table. 0 or -errno. */
static inline int kb_arena_fill(int db, __u32 n)
{
	struct htab *h = (struct htab *)&ARENA_HDR->db[db];
	__u8 k[KB_KLEN], v[KB_VLEN];
	int err;

	for (__u32 i = 0; i < n; i++) {
		struct kv_entry *e;

		kb_key_of(i, k);
		kb_val_of(i, v);
		e = kv_new(KV_STRING, k, KB_KLEN, KB_VLEN, KB_VLEN);
		if (!e)
			return -ENOMEM;
		memcpy((void *)kv_val(e), v, KB_VLEN);
		err = htab_insert(h, e);
		if (err) {
			kv_free(e);
			return err;
		}
	}
	while (htab_rehash_step(h, 1000))
		;
	return 0;
}

/*
 * Open kbench on the live arena with kb_keys/kb_hash sized for nkeys, the peer verdict and
 * fast-path port set, and load it. NULL on error (message printed).
 */
static inline struct kbench *kb_open(__u32 nkeys, __u32 peer_verdict, __u16 port)
{
	struct kbench *skel;
	int fd = fp_arena_map_fd(), err;

	if (fd < 0) {
		fprintf(stderr, "kbench: no BPF arena in this process (%d)\n", fd);
		return NULL;
	}
	skel = kbench__open();
	if (!skel) {
		fprintf(stderr, "kbench__open: %d\n", -errno);
		return NULL;
	}
	err = bpf_map__reuse_fd(skel->maps.arena, fd);
	if (!err)
		err = bpf_map__set_max_entries(skel->maps.kb_keys, nkeys ? nkeys : 1);
	if (!err)
		err = bpf_map__set_max_entries(skel->maps.kb_hash, nkeys ? nkeys : 1);
	if (!err) {
		skel->rodata->kb_peer_verdict = peer_verdict;
		skel->rodata->kb_port = port;
		err = kbench__load(skel);
	}
	if (err) {
		fprintf(stderr, "kbench load: %d\n", err);
		kbench__destroy(skel);
		return NULL;
	}
	return skel;
}

/* Write keys 0..n-1 into kb_keys (and, when with_hash, key -> value into kb_hash). */
static inline int kb_fill_maps(struct kbench *skel, __u32 n, int with_hash)
{
	int kfd = bpf_map__fd(skel->maps.kb_keys), hfd = bpf_map__fd(skel->maps.kb_hash);
	struct kb_key k;
	struct kb_val v;

	for (__u32 i = 0; i < n; i++) {
		memset(&k, 0, sizeof(k));
		kb_key_of(i, k.k);
		kb_val_of(i, v.v);
		if (bpf_map_update_elem(kfd, &i, &k, 0))
			return -errno;
		if (with_hash && bpf_map_update_elem(hfd, k.k, &v, BPF_NOEXIST))
			return -errno;
	}
	return 0;
}

/* Pin the calling thread to cpu (-1: leave it). 0 or -errno. */
static inline int kb_pin(int cpu)
{
	cpu_set_t set;

	if (cpu < 0)
		return 0;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return sched_setaffinity(0, sizeof(set), &set) ? -errno : 0;
}

/* The 1-minute load average, for the report (-1 when unreadable). */
static inline double kb_loadavg(void)
{
	double l = -1;
	FILE *f = fopen("/proc/loadavg", "r");

	if (f) {
		if (fscanf(f, "%lf", &l) != 1)
			l = -1;
		fclose(f);
	}
	return l;
}

#endif /* ARENAKV_BENCH_KBENCH_COMMON_H */
