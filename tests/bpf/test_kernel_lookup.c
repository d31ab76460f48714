// SPDX-License-Identifier: BSD-2-Clause
/*
 * test_kernel_lookup.c - the kernel reads exactly what user space wrote into the arena.
 *
 * User space creates the BPF arena with arena_setup("bpf") and writes keys with the index's
 * writer API (index/htab.h), the way server/db.c does. Then, for every case, the key is looked up
 * three ways and all must agree:
 *   - the expectation kept by this test (a plain C model of the keyspace);
 *   - htab_read() compiled for user space (the same reader code, other compiler);
 *   - arena_kernel_lookup(): the BPF program walking the arena's pages from the kernel.
 * Cases: binary keys of every length class up to AKV_KEY_MAX, inline and blob values, an empty
 * value, a value bigger than the program's 1 MiB chunk (read in several runs), absent keys, the
 * same key in another database, expired and about-to-expire keys (the kernel's own clock),
 * deleted and replaced keys, a non-string entry, SWAPDB (htab_swap), a table in the middle of an
 * incremental rehash, and finally a writer thread rewriting values while the kernel reads them
 * (every hit must be one complete version of the value, never a mix; in doubt is allowed).
 *
 * Exit 77 when BPF arenas cannot be created here (bpf_test.h); any failure after that is a
 * failure, including arena_setup("bpf") itself failing.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bpf_test.h"
#include "arena_bpf.h"
#include "arenakv.h"
#include "arena_mem.h"
#include "layout.h"

static __u64 mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * 1000000000ULL + (__u64)ts.tv_nsec;
}

static struct htab *db_table(int db)
{
	return (struct htab *)&ARENA_HDR->db[db];
}

/* SET-like: replace or insert key in db with value and expiry (0 = none), as db.c does. */
static int put_type(int db, __u8 type, const void *key, __u32 klen, const void *val, __u32 vlen,
		    __u64 expire_ns)
{
	struct htab *h = db_table(db);
	struct kv_entry *old = htab_find(h, key, klen), *e;

	e = kv_new(type, key, klen, vlen, vlen);
	if (!e)
		return -ENOMEM;
	memcpy((void *)kv_val(e), val, vlen);
	e->expire_ns = expire_ns; /* unpublished entry: no seqlock needed yet */
	if (old) {
		htab_replace(h, old, e);
		kv_free(old);
		return 0;
	}
	return htab_insert(h, e);
}

static int put(int db, const void *key, __u32 klen, const void *val, __u32 vlen, __u64 exp)
{
	return put_type(db, KV_STRING, key, klen, val, vlen, exp);
}

static int del(int db, const void *key, __u32 klen)
{
	struct htab *h = db_table(db);
	struct kv_entry *e = htab_find(h, key, klen);

	if (!e)
		return -ENOENT;
	htab_unlink(h, e);
	kv_free(e);
	return 0;
}

static char *kbuf; /* value buffer for kernel reads, big enough for the largest value */
#define KBUF_SIZE (3u * 1024 * 1024)

/*
 * Expect key in db to read as val/vlen (val NULL: a miss) from the kernel and from the user-space
 * reader. Returns 1 when all agreed.
 */
static int expect(const char *what, int db, const void *key, __u32 klen, const void *val,
		  __u32 vlen)
{
	size_t kvlen = 0;
	__u32 uvlen = 0;
	int kerr, uerr, ok = 1;

	kerr = arena_kernel_lookup(db, key, klen, kbuf, KBUF_SIZE, &kvlen);
	uerr = htab_read(&ARENA_HDR->db[db], key, klen, mono_ns(), kbuf + KBUF_SIZE, 0, &uvlen);
	if (val) {
		CHECK_MSG(kerr == 0, "%s: kernel lookup %d, want hit", what, kerr);
		CHECK_MSG(kerr || kvlen == vlen, "%s: kernel vlen %zu want %u", what, kvlen, vlen);
		CHECK_MSG(kerr || kvlen != vlen || !memcmp(kbuf, val, vlen),
			  "%s: kernel read different bytes", what);
		/* bufsz 0: the user reader reports the length with -E2BIG, or 0 for empty */
		CHECK_MSG(uerr == (vlen ? -E2BIG : 0) && uvlen == vlen, "%s: user reader %d/%u",
			  what, uerr, uvlen);
		ok = !kerr && kvlen == vlen && !memcmp(kbuf, val, vlen);
	} else {
		CHECK_MSG(kerr == -ENOENT, "%s: kernel lookup %d, want -ENOENT", what, kerr);
		CHECK_MSG(uerr == -ENOENT, "%s: user reader %d, want -ENOENT", what, uerr);
		ok = kerr == -ENOENT;
	}
	return ok;
}

static void fill_value(char *p, __u32 n, __u64 seed)
{
	for (__u32 i = 0; i < n; i++)
		p[i] = (char)((seed * 131 + i * 7 + (i >> 8)) & 0xff);
}

static void test_strings(void)
{
	static char key[AKV_KEY_MAX + 1], val[4096];
	const __u32 klens[] = {1,
			       2,
			       7,
			       8,
			       15,
			       16,
			       31,
			       32,
			       33,
			       63,
			       64,
			       100,
			       255,
			       256,
			       511,
			       512,
			       513,
			       1000,
			       AKV_KEY_MAX - 1,
			       AKV_KEY_MAX};
	const __u32 vlens[] = {0, 1, 5, 32, 100, 400, 480, 600, 4096};
	char what[96];

	for (size_t k = 0; k < sizeof(klens) / sizeof(klens[0]); k++) {
		for (size_t v = 0; v < sizeof(vlens) / sizeof(vlens[0]); v++) {
			__u32 klen = klens[k], vlen = vlens[v];

			for (__u32 i = 0; i < klen; i++) /* binary keys: NUL bytes included */
				key[i] = (char)((i * 29 + k * 3 + v) & 0xff);
			fill_value(val, vlen, k * 100 + v);
			snprintf(what, sizeof(what), "string klen %u vlen %u", klen, vlen);
			CHECK_MSG(put(0, key, klen, val, vlen, 0) == 0, "%s: put", what);
			expect(what, 0, key, klen, val, vlen);
		}
	}
	/* Every key written above is still there with its last value (no cross-talk). */
	for (size_t k = 0; k < sizeof(klens) / sizeof(klens[0]); k++) {
		size_t v = sizeof(vlens) / sizeof(vlens[0]) - 1;

		for (__u32 i = 0; i < klens[k]; i++)
			key[i] = (char)((i * 29 + k * 3 + v) & 0xff);
		fill_value(val, vlens[v], k * 100 + v);
		snprintf(what, sizeof(what), "string klen %u again", klens[k]);
		expect(what, 0, key, klens[k], val, vlens[v]);
	}
}

static void test_big_value(void)
{
	const __u32 n = 2 * AKV_VAL_CHUNK + 12345; /* three runs of the program */
	char *val = malloc(n);
	size_t vlen = 0;
	int err;

	fill_value(val, n, 77);
	CHECK_MSG(put(1, "big", 3, val, n, 0) == 0, "put big");
	expect("2.x MiB value in 3 chunks", 1, "big", 3, val, n);
	/* A short buffer gets a prefix and the full length. */
	err = arena_kernel_lookup(1, "big", 3, kbuf, 1000, &vlen);
	CHECK_MSG(err == 0 && vlen == n && !memcmp(kbuf, val, 1000), "prefix read: %d %zu", err,
		  vlen);
	/* Exactly one chunk. */
	CHECK_MSG(put(1, "chunk", 5, val, AKV_VAL_CHUNK, 0) == 0, "put chunk");
	expect("exactly one chunk", 1, "chunk", 5, val, AKV_VAL_CHUNK);
	free(val);
}

static void test_misses(void)
{
	static char longkey[AKV_KEY_MAX + 1];
	size_t vlen;

	expect("absent key", 0, "nope", 4, NULL, 0);
	expect("absent empty key", 0, "", 0, NULL, 0);
	CHECK_MSG(put(2, "only-in-2", 9, "two", 3, 0) == 0, "put db2");
	expect("db 2 has it", 2, "only-in-2", 9, "two", 3);
	expect("db 3 does not", 3, "only-in-2", 9, NULL, 0);
	expect("db 15 does not", 15, "only-in-2", 9, NULL, 0);
	CHECK_MSG(put(2, "", 0, "empty key", 9, 0) == 0, "put empty key");
	expect("empty key", 2, "", 0, "empty key", 9);
	memset(longkey, 'k', sizeof(longkey));
	CHECK_MSG(arena_kernel_lookup(0, longkey, AKV_KEY_MAX + 1, kbuf, 10, &vlen) == -E2BIG,
		  "key longer than AKV_KEY_MAX: -E2BIG");
	CHECK_MSG(arena_kernel_lookup(16, "x", 1, kbuf, 10, &vlen) == -EINVAL, "db 16: -EINVAL");
	CHECK_MSG(arena_kernel_lookup(-1, "x", 1, kbuf, 10, &vlen) == -EINVAL, "db -1: -EINVAL");
	/* A non-string entry: the reader refuses it rather than returning its bytes. */
	CHECK_MSG(put_type(2, KV_ZSET, "zs", 2, "notastring", 10, 0) == 0, "put zset");
	CHECK_MSG(arena_kernel_lookup(2, "zs", 2, kbuf, 10, &vlen) == -EINVAL,
		  "non-string entry: -EINVAL");
}

static void test_expiry(void)
{
	__u64 now = mono_ns(), deadline;

	CHECK_MSG(put(3, "past", 4, "old", 3, now - 1) == 0, "put past");
	expect("expired 1 ns ago", 3, "past", 4, NULL, 0);
	CHECK_MSG(put(3, "future", 6, "later", 5, now + 3600ULL * 1000000000ULL) == 0,
		  "put future");
	expect("expires in an hour", 3, "future", 6, "later", 5);
	/* A key with 200 ms to live: a hit now (unless this process stalled past the deadline, then
	 * the check is meaningless and skipped), a miss for the kernel once the deadline passed. */
	deadline = mono_ns() + 200 * 1000000ULL;
	CHECK_MSG(put(3, "soon", 4, "brief", 5, deadline) == 0, "put soon");
	if (mono_ns() + 20 * 1000000ULL < deadline) {
		size_t vlen = 0;
		int err = arena_kernel_lookup(3, "soon", 4, kbuf, KBUF_SIZE, &vlen);

		if (mono_ns() < deadline)
			CHECK_MSG(err == 0 && vlen == 5 && !memcmp(kbuf, "brief", 5),
				  "expires in 200 ms: still there (%d)", err);
	}
	while (mono_ns() <= deadline)
		;
	expect("deadline passed: gone for the kernel", 3, "soon", 4, NULL, 0);
	/* A TTL removed in place (PERSIST, under the seqlock) before it fires: the key stays. */
	deadline = mono_ns() + 50 * 1000000ULL;
	CHECK_MSG(put(3, "ttl", 3, "v", 1, deadline) == 0, "put ttl");
	htab_set_expire(db_table(3), htab_find(db_table(3), "ttl", 3), 0);
	while (mono_ns() <= deadline)
		;
	expect("TTL removed in place", 3, "ttl", 3, "v", 1);
}

static void test_delete_replace(void)
{
	char big[2000];

	fill_value(big, sizeof(big), 5);
	CHECK_MSG(put(4, "k", 1, "first", 5, 0) == 0, "put");
	expect("first value", 4, "k", 1, "first", 5);
	CHECK_MSG(put(4, "k", 1, "second!", 7, 0) == 0, "replace");
	expect("replaced inline -> inline", 4, "k", 1, "second!", 7);
	CHECK_MSG(put(4, "k", 1, big, sizeof(big), 0) == 0, "replace with blob");
	expect("replaced inline -> blob", 4, "k", 1, big, sizeof(big));
	CHECK_MSG(put(4, "k", 1, "tiny", 4, 0) == 0, "replace with inline");
	expect("replaced blob -> inline", 4, "k", 1, "tiny", 4);
	CHECK_MSG(del(4, "k", 1) == 0, "delete");
	expect("deleted", 4, "k", 1, NULL, 0);
	CHECK_MSG(put(4, "k", 1, "reborn", 6, 0) == 0, "re-add");
	expect("re-added after delete", 4, "k", 1, "reborn", 6);

	/* In-place edit under the seqlock (what APPEND/SETRANGE do). */
	{
		struct kv_entry *e = htab_find(db_table(4), "k", 1);

		kv_write_begin(e);
		memcpy((void *)kv_val(e), "REBORN", 6);
		kv_write_end(e);
	}
	expect("edited in place", 4, "k", 1, "REBORN", 6);

	/* SWAPDB: db 4's table is now db 5's and vice versa. */
	CHECK_MSG(put(5, "five", 4, "5", 1, 0) == 0, "put db5");
	htab_swap(db_table(4), db_table(5));
	expect("after swap, db5 has db4's key", 5, "k", 1, "REBORN", 6);
	expect("after swap, db4 has db5's key", 4, "five", 4, "5", 1);
	expect("after swap, db4 lost its key", 4, "k", 1, NULL, 0);

	/* FLUSHDB */
	htab_clear(db_table(5));
	expect("after clear", 5, "k", 1, NULL, 0);
}

static void test_rehash(void)
{
	struct htab *h = db_table(6);
	char key[32], val[64];
	int n = 3000, steps = 0, seen_rehash = 0;

	for (int i = 0; i < n; i++) {
		int kl = snprintf(key, sizeof(key), "key:%d", i);

		fill_value(val, 20 + i % 40, i);
		CHECK_MSG(put(6, key, kl, val, 20 + i % 40, 0) == 0, "put %d", i);
		if (htab_is_rehashing(h) && !(i % 7)) {
			/* Mid-rehash: some keys in t[0], some moved to t[1]; check a sample. */
			seen_rehash++;
			for (int j = 0; j <= i; j += 1 + i / 50) {
				char what[64];

				kl = snprintf(key, sizeof(key), "key:%d", j);
				fill_value(val, 20 + j % 40, j);
				snprintf(what, sizeof(what), "mid-rehash key %d of %d", j, i);
				expect(what, 6, key, kl, val, 20 + j % 40);
			}
		}
	}
	CHECK_MSG(seen_rehash > 0, "the table was seen rehashing (%d times)", seen_rehash);
	/* Step the rehash to the end, checking everything between steps now and then. */
	while (htab_rehash_step(h, 1)) {
		if (++steps % 64)
			continue;
		for (int j = 0; j < n; j += 97) {
			int kl = snprintf(key, sizeof(key), "key:%d", j);

			fill_value(val, 20 + j % 40, j);
			expect("during rehash steps", 6, key, kl, val, 20 + j % 40);
		}
	}
	for (int j = 0; j < n; j++) {
		int kl = snprintf(key, sizeof(key), "key:%d", j);

		fill_value(val, 20 + j % 40, j);
		expect("after rehash", 6, key, kl, val, 20 + j % 40);
	}
	/* Shrink: delete most keys, which starts a shrinking rehash. */
	for (int j = 0; j < n; j++) {
		if (j % 10) {
			int kl = snprintf(key, sizeof(key), "key:%d", j);

			CHECK_MSG(del(6, key, kl) == 0, "del %d", j);
		}
	}
	for (int j = 0; j < n; j++) {
		int kl = snprintf(key, sizeof(key), "key:%d", j);

		fill_value(val, 20 + j % 40, j);
		if (j % 10 == 0 || j % 41 == 0)
			expect(j % 10 ? "deleted before shrink" : "kept through shrink", 6, key, kl,
			       j % 10 ? NULL : val, 20 + j % 40);
	}
}

/* ---- a writer thread racing the kernel reader ---------------------------------------------- */

#define RACE_KEYS    8
#define RACE_INPLACE 4 /* keys 4..7 are edited in place (SETRANGE-like), 0..3 replaced (SET) */
static volatile int race_stop;

/* Value of version v of key i: 8-byte header (i, v) then bytes derived from both. Replaced keys
 * change length across versions, so inline/blob and chunk boundaries move; in-place keys keep
 * theirs (300 and 450 bytes inline, 3000 and 60000 in blobs). */
static __u32 race_len(int i, __u64 v)
{
	static const __u32 fixed[RACE_KEYS - RACE_INPLACE] = {300, 450, 3000, 60000};

	if (i >= RACE_INPLACE)
		return fixed[i - RACE_INPLACE];
	if (i == 0)
		return AKV_VAL_CHUNK + 4096 + (__u32)(v % 3) * 1000; /* two chunks */
	return 8 + (__u32)((v * 37 + i * 11) % (i < 2 ? 400 : 5000));
}

static void race_fill(char *p, int i, __u64 v, __u32 n)
{
	__u32 hdr[2] = {(__u32)i, (__u32)v};

	memcpy(p, hdr, 8);
	for (__u32 j = 8; j < n; j++)
		p[j] = (char)((v * 13 + j + i) & 0xff);
}

/* 1 when p[0, n) is exactly one version of key want_i's value. */
static int race_valid(const char *p, size_t n, int want_i)
{
	__u32 hdr[2];

	if (n < 8)
		return 0;
	memcpy(hdr, p, 8);
	if (hdr[0] != (__u32)want_i || race_len(want_i, hdr[1]) != n)
		return 0;
	for (size_t j = 8; j < n; j++)
		if (p[j] != (char)((hdr[1] * 13 + j + want_i) & 0xff))
			return 0;
	return 1;
}

static void *race_writer(void *arg)
{
	char *buf = malloc(AKV_VAL_CHUNK + 8192);
	__u64 v = 1;
	char key[16];

	while (!race_stop) {
		for (int i = 0; i < RACE_KEYS && !race_stop; i++) {
			__u32 n = race_len(i, v);
			struct kv_entry *e;

			race_fill(buf, i, v, n);
			snprintf(key, sizeof(key), "race%d", i);
			if (i < RACE_INPLACE) {
				if (put(7, key, (__u32)strlen(key), buf, n, 0))
					abort(); /* the arena cannot be full here */
				continue;
			}
			/* In place, byte by byte from the end: a reader ignoring the seqlock would
			 * see a mix of two versions. */
			e = htab_find(db_table(7), key, (__u32)strlen(key));
			if (!e)
				abort();
			kv_write_begin(e);
			for (__u32 j = n; j-- > 0;)
				((volatile char *)kv_val(e))[j] = buf[j];
			kv_write_end(e);
		}
		v++;
	}
	free(buf);
	return NULL;
}

static void test_race(void)
{
	pthread_t th;
	char key[16];
	int hits = 0, doubts = 0, bad = 0, misses = 0;
	struct arena_kernel_stats st0, st;
	__u64 end;

	for (int i = 0; i < RACE_KEYS; i++) { /* version 0 of every key exists before the race */
		char *buf = malloc(AKV_VAL_CHUNK + 8192);
		__u32 n = race_len(i, 0);

		race_fill(buf, i, 0, n);
		snprintf(key, sizeof(key), "race%d", i);
		CHECK_MSG(put(7, key, (__u32)strlen(key), buf, n, 0) == 0, "race put");
		free(buf);
	}
	arena_kernel_stats(&st0);
	race_stop = 0;
	if (pthread_create(&th, NULL, race_writer, NULL)) {
		CHECK_MSG(0, "pthread_create");
		return;
	}
	end = mono_ns() + 1500 * 1000000ULL;
	while (mono_ns() < end) {
		for (int i = 0; i < RACE_KEYS; i++) {
			size_t vlen = 0;
			int err;

			snprintf(key, sizeof(key), "race%d", i);
			err = arena_kernel_lookup(7, key, strlen(key), kbuf, KBUF_SIZE, &vlen);
			if (err == -EAGAIN) {
				doubts++;
			} else if (err == 0) {
				hits++;
				if (!race_valid(kbuf, vlen, i))
					bad++;
			} else {
				misses++;
			}
		}
	}
	race_stop = 1;
	pthread_join(th, NULL);
	arena_kernel_stats(&st);
	printf("race: %d hits, %d in doubt, %d misses, %d torn; program runs %llu, reruns after "
	       "-EAGAIN %llu, chunked reads restarted %llu\n",
	       hits, doubts, misses, bad, (unsigned long long)(st.runs - st0.runs),
	       (unsigned long long)(st.doubt_retries - st0.doubt_retries),
	       (unsigned long long)(st.chunk_restarts - st0.chunk_restarts));
	CHECK_MSG(bad == 0, "%d hits returned a torn or mixed value", bad);
	CHECK_MSG(misses == 0, "%d lookups of always-present keys said absent", misses);
	CHECK_MSG(hits > 100, "only %d hits in 1.5 s", hits);
}

/* Print size and verifier cost of the akv_* programs (for docs/BPF.md; not a check). Walks the
 * kernel's program list because the skeleton is private to server/arena_bpf.c; other processes
 * may have loaded the same object, whose numbers are identical, so one line per name. */
static void print_verifier_stats(void)
{
	char seen[4][16] = {""};
	int nseen = 0;
	__u32 id = 0;

	while (nseen < 4 && !bpf_prog_get_next_id(id, &id)) {
		struct bpf_prog_info info;
		__u32 len = sizeof(info);
		int fd = bpf_prog_get_fd_by_id(id), dup = 0;

		if (fd < 0)
			continue;
		memset(&info, 0, sizeof(info));
		if (!bpf_prog_get_info_by_fd(fd, &info, &len) && !strncmp(info.name, "akv_", 4)) {
			for (int i = 0; i < nseen; i++)
				dup |= !strcmp(seen[i], info.name);
			if (!dup) {
				snprintf(seen[nseen++], sizeof(seen[0]), "%s", info.name);
				printf("%s: %u instructions, %u processed by the verifier\n",
				       info.name, info.xlated_prog_len / 8, info.verified_insns);
			}
		}
		close(fd);
	}
}

/* Cost of one kernel lookup (a bpf(BPF_PROG_TEST_RUN) syscall) for a small inline value, for
 * docs/BPF.md; informational, not a check. */
static void measure_lookup(void)
{
	const int n = 20000;
	size_t vlen;
	__u64 t0, t1;
	int hits = 0;

	if (put(8, "bench:key:000001", 16, "0123456789abcdef0123456789abcdef", 32, 0))
		return;
	t0 = mono_ns();
	for (int i = 0; i < n; i++)
		hits += !arena_kernel_lookup(8, "bench:key:000001", 16, kbuf, 64, &vlen);
	t1 = mono_ns();
	CHECK_MSG(hits == n, "bench lookups hit %d/%d", hits, n);
	printf("kernel lookup, 16-byte key, 32-byte value: %.2f us each (%d runs)\n",
	       (double)(t1 - t0) / n / 1000.0, n);
}

int main(void)
{
	__u64 magic = 0, base = 0;
	int err;

	setvbuf(stdout, NULL, _IONBF, 0);
	bpf_test_require_arena();
	unsetenv("ARENAKV_ARENA");

	err = arena_setup("bpf");
	CHECK_MSG(err == 0, "arena_setup(\"bpf\"): %d (%s)", err, arena_fallback_reason());
	if (err)
		return ut_done();
	CHECK_MSG(arena_is_bpf(), "arena_is_bpf()");
	CHECK_MSG(!strcmp(arena_backend(), "bpf"), "backend %s", arena_backend());
	CHECK_MSG(arena_setup("bpf") == -EBUSY, "second arena_setup: -EBUSY");
	err = arena_kernel_probe(&magic, &base);
	CHECK_MSG(err == 0 && magic == ARENA_MAGIC && base == ARENA_BASE,
		  "kernel sees the header: %d magic 0x%llx", err, (unsigned long long)magic);
	print_verifier_stats();

	kbuf = malloc(KBUF_SIZE + 16);
	test_strings();
	test_big_value();
	test_misses();
	test_expiry();
	test_delete_replace();
	test_rehash();
	test_race();
	measure_lookup();

	/* After teardown the kernel lookup is refused, not crashing. */
	arena_teardown();
	{
		size_t vlen;

		CHECK_MSG(arena_kernel_lookup(0, "x", 1, kbuf, 1, &vlen) == -ENOTSUP,
			  "lookup after teardown: -ENOTSUP");
	}
	/* And the arena can be set up again (the server never does it; tests do). */
	err = arena_setup("bpf");
	CHECK_MSG(err == 0, "arena_setup again: %d", err);
	expect("fresh arena is empty", 0, "key:1", 5, NULL, 0);
	arena_teardown();
	free(kbuf);
	return ut_done();
}
