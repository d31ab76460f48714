// SPDX-License-Identifier: BSD-2-Clause
/*
 * test_index_htab.c - the arena hash table (index/htab.h) over an anonymous arena mapping.
 *
 * What is proven:
 *  - model test: random SET (insert or replace), DEL, in-place edits, expiry changes, MOVE between
 *    tables and explicit rehash steps, compared after every operation batch with a reference
 *    model; the table grows and shrinks several times, so many operations run while a rehash is in
 *    progress; the writer lookup (htab_find) and the lock-free reader (htab_read) must both agree
 *    with the model, including expiry and keys/values stored out of line;
 *  - scan: every key present for the whole scan is returned at least once while the table grows
 *    and while it shrinks between scan calls;
 *  - random: htab_random reaches every key, during a rehash too;
 *  - RENAME of a big value by sharing its blob (kv_new_rekey) and the abort path;
 *  - two keys with equal 32-bit hashes and lengths: both readable, in either chain order;
 *  - growth onto reused pages (new bucket array zeroed in steps before the move starts);
 *  - swap, clear, duplicate insert (-EEXIST), detach + bounded clear steps (FLUSHDB ASYNC), a full
 *    arena (kv_new fails, nothing lost), and memory: 1M keys of 16 bytes with 32-byte values,
 *    measured in arena bytes per key;
 *  - reader validation: chains planted with a forged entry in a blob page dressed as an entry
 *    page, mid-slot, beyond-high-water and out-of-arena pointers, a cycle, an out-of-range value
 *    blob: the reader answers "in doubt", never forged data, never crashes;
 *  - concurrency: reader threads hammer htab_read()/htab_read_at() while the writer inserts,
 *    replaces values, edits them in place, deletes, and resizes; every value carries its key id
 *    and a checksum, and a reader must never return a torn or foreign value, nor report a key
 *    that is never deleted as missing.
 * Runs without root over arena_map_anon().
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "arena_mem.h"
#include "unit/unit_test.h"

static __u64 rng_next(__u64 *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545F4914F6CDD1DULL;
}

static __u64 rng_state = 0x1234567887654321ULL;

static __u64 rng(void)
{
	return rng_next(&rng_state);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Key of id: mostly short; every 97th one longer than an entry slot (stored out of line). */
static __u32 make_key(__u32 id, char *buf)
{
	if (id % 97 == 13) {
		int n = sprintf(buf, "long-key-%u-", id);

		memset(buf + n, 'x', 600 - n);
		return 600;
	}
	return (__u32)sprintf(buf, "key:%u", id);
}

/* Deterministic value bytes for (id, ver, len). */
static void make_val(__u32 id, __u32 ver, __u32 len, unsigned char *out)
{
	__u64 s = ((__u64)id << 32 | ver) ^ 0xabcdef;
	__u32 i;

	for (i = 0; i < len; i++)
		out[i] = (unsigned char)(rng_next(&s) >> 56);
}

static __u32 rand_vlen(void)
{
	__u64 r = rng() % 100;

	if (r < 70)
		return (__u32)(rng() % 100);
	if (r < 95)
		return (__u32)(rng() % 1200);
	return (__u32)(rng() % 20000);
}

/* ---- model test ----------------------------------------------------------------------- */

#define MODEL_IDS 30000

struct model_ent {
	int present;
	__u32 ver, vlen;
	__u64 expire;
	int db; /* 0 = h0, 1 = h1 (after a MOVE) */
};

static struct model_ent model[MODEL_IDS];
static unsigned char vbuf[1 << 16], vbuf2[1 << 16];

#define NOW_NS 1000000ULL

static struct kv_entry *new_entry(__u32 id, __u32 ver, __u32 vlen, __u32 extra)
{
	char key[700];
	__u32 klen = make_key(id, key);
	struct kv_entry *e = kv_new(KV_STRING, key, klen, vlen, vlen + extra);

	CHECK_MSG(e != NULL, "kv_new id %u vlen %u", id, vlen);
	if (!e)
		return NULL;
	CHECK_MSG(e->seq & 1, "kv_new returns an unpublished entry");
	CHECK_MSG(kv_vcap(e) >= vlen + extra, "vcap %u >= %u", kv_vcap(e), vlen + extra);
	make_val(id, ver, vlen, (unsigned char *)kv_val(e));
	return e;
}

static void verify_id(struct htab *hs[2], __u32 id)
{
	char key[700];
	__u32 klen = make_key(id, key), vlen = 0;
	struct model_ent *m = &model[id];
	int d, err;

	for (d = 0; d < 2; d++) {
		struct kv_entry *e = htab_find(hs[d], key, klen);
		int want = m->present && m->db == d;

		CHECK_MSG(!!e == want, "find id %u db %d: %p, model %d", id, d, (void *)e, want);
		if (e && want) {
			make_val(id, m->ver, m->vlen, vbuf2);
			CHECK_MSG(e->vlen == m->vlen && memcmp(kv_val(e), vbuf2, m->vlen) == 0,
				  "value of id %u", id);
			CHECK_MSG(e->expire_ns == m->expire, "expiry of id %u", id);
			CHECK_MSG(!(e->seq & 1) && e->db == hs[d]->tag, "published and tagged");
			CHECK_MSG(kv_mem_usage(e) >= KV_HDR_SIZE + klen + e->vlen, "mem usage");
		}
		err = htab_read(hs[d], key, klen, NOW_NS, vbuf, sizeof(vbuf), &vlen);
		if (want && !(m->expire && m->expire <= NOW_NS)) {
			CHECK_MSG(err == 0 && vlen == m->vlen && memcmp(vbuf, vbuf2, vlen) == 0,
				  "htab_read id %u db %d: err %d vlen %u/%u", id, d, err, vlen,
				  m->vlen);
		} else {
			CHECK_MSG(err == -ENOENT, "htab_read id %u db %d: %d, want -ENOENT", id, d,
				  err);
		}
	}
}

static void test_model(void)
{
	struct htab *hs[2] = {&ARENA_HDR->db[0], &ARENA_HDR->db[1]};
	__u64 live0 = ARENA_ALLOC_STATE->live_bytes;
	long count[2] = {0, 0}, nexp[2] = {0, 0};
	int phase, op, rehash_seen = 0, grew = 0, shrank = 0;
	__u64 max_buckets = 0;

	for (phase = 0; phase < 6; phase++) {
		/* even phases grow (insert-heavy), odd phases shrink (delete-heavy) */
		int grow = !(phase & 1);

		for (op = 0; op < 60000; op++) {
			__u32 id = (__u32)(rng() % MODEL_IDS);
			struct model_ent *m = &model[id];
			struct htab *h = hs[m->db];
			char key[700];
			__u32 klen = make_key(id, key);
			struct kv_entry *e = m->present ? htab_find(h, key, klen) : NULL;
			__u64 r = rng() % 100;

			CHECK_MSG(!!e == m->present, "presence of id %u", id);
			if (m->present && !e)
				continue;
			rehash_seen += htab_is_rehashing(h);
			if (r < (grow ? 55u : 25u)) {
				/* SET: replace or insert */
				__u32 vlen = rand_vlen();
				struct kv_entry *nw =
				    new_entry(id, m->ver + 1, vlen, rng() % 3 ? 0 : 50);

				if (!nw)
					continue;
				if (e) {
					nw->expire_ns = rng() % 2 ? e->expire_ns : 0;
					htab_replace(h, e, nw);
					kv_free(e);
					nexp[m->db] += (nw->expire_ns != 0) - (m->expire != 0);
					m->expire = nw->expire_ns;
				} else {
					CHECK_MSG(htab_insert(h, nw) == 0, "insert id %u", id);
					m->present = 1;
					m->expire = 0;
					count[m->db]++;
				}
				m->ver++;
				m->vlen = vlen;
			} else if (r < (grow ? 70u : 85u)) {
				/* DEL */
				if (e) {
					htab_unlink(h, e);
					kv_free(e);
					m->present = 0;
					count[m->db]--;
					nexp[m->db] -= m->expire != 0;
					m->expire = 0;
				}
			} else if (r < 80) {
				/* in-place edit within the capacity */
				if (e) {
					__u32 vlen = (__u32)(rng() % (kv_vcap(e) + 1));

					kv_write_begin(e);
					make_val(id, m->ver + 1, vlen, (unsigned char *)kv_val(e));
					e->vlen = vlen;
					kv_write_end(e);
					m->ver++;
					m->vlen = vlen;
				}
			} else if (r < 88) {
				/* expiry: none, past or future */
				if (e) {
					__u64 x = rng() % 3;
					__u64 ns = x == 0 ? 0 : x == 1 ? NOW_NS / 2 : NOW_NS * 1000;

					htab_set_expire(h, e, ns);
					nexp[m->db] += (ns != 0) - (m->expire != 0);
					m->expire = ns;
				}
			} else if (r < 90) {
				/* MOVE to the other table */
				if (e) {
					int to = !m->db;

					htab_unlink(h, e);
					CHECK_MSG(htab_insert(hs[to], e) == 0, "move id %u", id);
					CHECK_MSG(e->db == hs[to]->tag && !(e->seq & 1),
						  "moved entry retagged");
					count[m->db]--;
					count[to]++;
					nexp[m->db] -= m->expire != 0;
					nexp[to] += m->expire != 0;
					m->db = to;
				}
			} else if (r < 92) {
				/* duplicate insert must be refused and change nothing */
				if (e) {
					struct kv_entry *dup = new_entry(id, 0, 5, 0);

					if (dup) {
						CHECK_MSG(htab_insert(h, dup) == -EEXIST,
							  "duplicate refused");
						kv_free(dup);
					}
				}
			} else if (r < 97) {
				verify_id(hs, id);
			} else {
				htab_rehash_step(hs[rng() % 2], (int)(rng() % 4));
			}
			if (htab_buckets(hs[0]) > max_buckets)
				max_buckets = htab_buckets(hs[0]);
			if (op % 5000 == 0) {
				CHECK_MSG(htab_count(hs[0]) == (__u64)count[0] &&
					      htab_count(hs[1]) == (__u64)count[1],
					  "counts %llu/%ld %llu/%ld",
					  (unsigned long long)htab_count(hs[0]), count[0],
					  (unsigned long long)htab_count(hs[1]), count[1]);
				CHECK_MSG(htab_expires_count(hs[0]) == (__u64)nexp[0] &&
					      htab_expires_count(hs[1]) == (__u64)nexp[1],
					  "expires counts");
			}
		}
		if (grow)
			grew += htab_buckets(hs[0]) > 1024;
		else
			shrank += htab_buckets(hs[0]) < max_buckets;
		for (__u32 id = 0; id < MODEL_IDS; id++)
			verify_id(hs, id);
		arena_alloc_check();
	}
	CHECK_MSG(rehash_seen > 1000, "operations ran during a rehash: %d", rehash_seen);
	CHECK_MSG(grew >= 2 && shrank >= 1, "table grew (%d) and shrank (%d)", grew, shrank);
	htab_clear(hs[0]);
	htab_clear(hs[1]);
	CHECK_MSG(htab_count(hs[0]) == 0 && htab_count(hs[1]) == 0, "cleared");
	CHECK_MSG(htab_expires_count(hs[0]) == 0, "no expiries after clear");
	CHECK_MSG(ARENA_ALLOC_STATE->live_bytes == live0, "clear freed everything: %llu vs %llu",
		  (unsigned long long)ARENA_ALLOC_STATE->live_bytes, (unsigned long long)live0);
	memset(model, 0, sizeof(model));
	arena_alloc_check();
}

/* ---- scan ----------------------------------------------------------------------------- */

static unsigned char *scan_seen;

static void scan_cb(struct kv_entry *e, void *arg)
{
	__u32 id;
	char buf[64];
	__u32 n = e->klen < sizeof(buf) - 1 ? e->klen : sizeof(buf) - 1;

	(void)arg;
	memcpy(buf, kv_key(e), n);
	buf[n] = 0;
	if (sscanf(buf, "key:%u", &id) == 1 && id < 200000 && scan_seen[id] < 255)
		scan_seen[id]++;
}

static void insert_id(struct htab *h, __u32 id)
{
	struct kv_entry *e = new_entry(id, 1, 8, 0);

	if (e)
		CHECK_MSG(htab_insert(h, e) == 0, "insert %u", id);
}

static void delete_id(struct htab *h, __u32 id)
{
	char key[700];
	__u32 klen = make_key(id, key);
	struct kv_entry *e = htab_find(h, key, klen);

	if (e) {
		htab_unlink(h, e);
		kv_free(e);
	}
}

/* stable ids [0, nstable) stay; ids from 100000 come and go between scan calls */
static void scan_scenario(int shrink)
{
	struct htab *h = &ARENA_HDR->db[2];
	__u32 nstable = 3000, id, next_tmp = 100000, missing = 0;
	__u64 cursor = 0, calls = 0, b0, bmax = 0, bmin = ~0ULL, dups = 0;
	int resized_mid_scan = 0;

	scan_seen = calloc(200000, 1);
	for (id = 0; id < nstable; id++)
		if (id % 97 != 13) /* long keys do not parse as key:%u; skip them */
			insert_id(h, id);
	if (shrink) {
		for (; next_tmp < 160000; next_tmp++)
			insert_id(h, next_tmp);
		while (htab_rehash_step(h, 1000))
			;
	}
	b0 = htab_buckets(h);
	do {
		cursor = htab_scan(h, cursor, scan_cb, NULL);
		calls++;
		/* mutate between calls: grow with new keys, or delete the temporary ones */
		for (int k = 0; k < 40; k++) {
			if (!shrink && next_tmp < 120000) /* bounded: a table that grows for ever
							   * outruns any scan (as in Redis) */
				insert_id(h, next_tmp++);
			else if (next_tmp > 100000)
				delete_id(h, --next_tmp);
		}
		if (htab_is_rehashing(h))
			resized_mid_scan++;
		htab_rehash_step(h, 1);
		if (htab_buckets(h) > bmax)
			bmax = htab_buckets(h);
		if (htab_buckets(h) < bmin)
			bmin = htab_buckets(h);
	} while (cursor != 0 && calls < 10000000);
	for (id = 0; id < nstable; id++) {
		if (id % 97 == 13)
			continue;
		if (!scan_seen[id])
			missing++;
		if (scan_seen[id] > 1)
			dups++;
	}
	CHECK_MSG(cursor == 0, "scan finished");
	CHECK_MSG(missing == 0, "%u stable keys never returned (%s)", missing,
		  shrink ? "shrink" : "grow");
	CHECK_MSG(resized_mid_scan > 0, "a resize happened during the scan (%s)",
		  shrink ? "shrink" : "grow");
	CHECK_MSG(shrink ? bmin < b0 : bmax > b0, "table %s during the scan: %llu -> %llu/%llu",
		  shrink ? "shrank" : "grew", (unsigned long long)b0, (unsigned long long)bmin,
		  (unsigned long long)bmax);
	printf(
	    "  scan (%s): %llu calls, buckets %llu -> [%llu, %llu], %llu stable keys seen twice\n",
	    shrink ? "shrinking" : "growing", (unsigned long long)calls, (unsigned long long)b0,
	    (unsigned long long)bmin, (unsigned long long)bmax, (unsigned long long)dups);
	htab_clear(h);
	free(scan_seen);
}

/* ---- random, swap, memory ------------------------------------------------------------------ */

static void test_random_entry(void)
{
	struct htab *h = &ARENA_HDR->db[3];
	static unsigned char seen[300];
	__u32 id, nseen = 0;
	int i, rehashing = 0;

	CHECK_MSG(htab_random(h, 1) == NULL, "random of an empty table");
	for (id = 0; id < 202; id++)
		if (id % 97 != 13) /* 13 and 110 have long keys: 200 short keys in 0..201 */
			insert_id(h, id);
	for (i = 0; i < 200000; i++) {
		struct kv_entry *e = htab_random(h, rng());
		char buf[32];
		__u32 n;

		rehashing += htab_is_rehashing(h);
		CHECK_MSG(e && !(e->seq & 1), "random entry");
		if (!e)
			break;
		n = e->klen < 31 ? e->klen : 31;
		memcpy(buf, kv_key(e), n);
		buf[n] = 0;
		if (sscanf(buf, "key:%u", &id) == 1 && id < 300 && !seen[id]) {
			seen[id] = 1;
			nseen++;
		}
		if (i == 1000) /* force a grow and keep sampling while it runs */
			for (id = 1000; id < 1300; id++)
				if (id % 97 != 13)
					insert_id(h, id);
	}
	CHECK_MSG(nseen == 200, "htab_random reached %u of 200 keys", nseen);
	CHECK_MSG(rehashing > 0, "sampled during a rehash");
	htab_clear(h);
}

static void test_swap(void)
{
	struct htab *a = &ARENA_HDR->db[3], *b = &ARENA_HDR->db[4];
	char buf[16];
	__u32 vlen;
	struct kv_entry *e;

	e = kv_new(KV_STRING, "k", 1, 1, 0);
	*kv_val(e) = 'A';
	CHECK_MSG(htab_insert(a, e) == 0, "insert A");
	e = kv_new(KV_STRING, "k", 1, 1, 0);
	*kv_val(e) = 'B';
	CHECK_MSG(htab_insert(b, e) == 0, "insert B");
	e = kv_new(KV_STRING, "only-b", 6, 1, 0);
	*kv_val(e) = 'C';
	CHECK_MSG(htab_insert(b, e) == 0, "insert only-b");
	htab_swap(a, b);
	CHECK_MSG(htab_read(a, "k", 1, 0, buf, sizeof(buf), &vlen) == 0 && buf[0] == 'B',
		  "swapped a");
	CHECK_MSG(htab_read(b, "k", 1, 0, buf, sizeof(buf), &vlen) == 0 && buf[0] == 'A',
		  "swapped b");
	CHECK_MSG(htab_read(a, "only-b", 6, 0, buf, sizeof(buf), &vlen) == 0, "only-b now in a");
	CHECK_MSG(htab_read(b, "only-b", 6, 0, buf, sizeof(buf), &vlen) == -ENOENT, "and not in b");
	CHECK_MSG(htab_count(a) == 2 && htab_count(b) == 1, "counts swapped");
	CHECK_MSG(a->tag == 4 && b->tag == 3, "tags travel with the contents");
	e = kv_new(KV_STRING, "new", 3, 1, 0);
	*kv_val(e) = 'D';
	CHECK_MSG(htab_insert(a, e) == 0 && e->db == 4, "new entry gets the table's tag");
	CHECK_MSG(htab_read(a, "new", 3, 0, buf, sizeof(buf), &vlen) == 0 && buf[0] == 'D',
		  "read new");
	/* other types and too-small buffers */
	e = htab_find(a, "k", 1);
	kv_write_begin(e);
	e->type = KV_ZSET;
	kv_write_end(e);
	CHECK_MSG(htab_read(a, "k", 1, 0, buf, sizeof(buf), &vlen) == -EINVAL, "not a string");
	e = kv_new(KV_STRING, "big", 3, 100, 0);
	memset(kv_val(e), 'x', 100);
	htab_insert(a, e);
	CHECK_MSG(htab_read(a, "big", 3, 0, buf, sizeof(buf), &vlen) == -E2BIG && vlen == 100,
		  "value longer than the buffer");
	htab_clear(a);
	htab_clear(b);
	arena_alloc_check();
}

static long rss_pages(void)
{
	long size = 0, rss = 0;
	FILE *f = fopen("/proc/self/statm", "r");

	if (f) {
		if (fscanf(f, "%ld %ld", &size, &rss) != 2)
			rss = 0;
		fclose(f);
	}
	return rss;
}

/* Runs first, on a fresh mapping, so resident bytes and RSS are this test's alone. */
static void test_memory(void)
{
	struct htab *h = &ARENA_HDR->db[5];
	long rss0 = rss_pages();
	__u64 used0 = arena_used_bytes(), res0 = arena_resident_bytes(), n = 1000000, i;
	char key[32], val[32];
	double t0 = now_s(), dt;
	struct kv_entry *e = NULL;

	memset(val, 'v', sizeof(val));
	for (i = 0; i < n; i++) {
		sprintf(key, "key:%012llu", (unsigned long long)i); /* 16 bytes */
		e = kv_new(KV_STRING, key, 16, 32, 0);
		if (!e)
			break;
		memcpy(kv_val(e), val, 32);
		CHECK_MSG(htab_insert(h, e) == 0 || (ut_failed++, 0), "insert");
	}
	while (htab_rehash_step(h, 1000))
		;
	dt = now_s() - t0;
	CHECK_MSG(i == n, "1M keys inserted");
	CHECK_MSG(e && kv_mem_usage(e) == 88, "a 16+32 entry costs %llu bytes",
		  e ? (unsigned long long)kv_mem_usage(e) : 0ULL);
	printf("  memory: 1M keys (16 B key, 32 B value): %.1f used bytes/key, %.1f resident "
	       "bytes/key (arena), %.1f RSS bytes/key (process), %.0f ns/insert, %llu buckets\n",
	       (double)(arena_used_bytes() - used0) / n,
	       (double)(arena_resident_bytes() - res0) / n, (double)(rss_pages() - rss0) * 4096 / n,
	       dt * 1e9 / n, (unsigned long long)htab_buckets(h));
	CHECK_MSG((arena_resident_bytes() - res0) / n < 100, "under 100 resident bytes per key");
	t0 = now_s();
	htab_clear(h);
	printf("  memory: htab_clear of 1M keys: %.1f ms\n", (now_s() - t0) * 1e3);
}

/*
 * The reader validates every pointer it follows: plant bad pointers in a chain (as a stale read
 * of a freed bucket array could produce) and check it never returns forged data or crashes.
 */
static void test_reader_validation(void)
{
	struct htab *h = &ARENA_HDR->db[9];
	struct kv_entry *v, *saved_next, *saved_head, **slot;
	char buf[64];
	__u32 vlen, forged_h32 = (__u32)htab_hash("forged", 6);
	unsigned char *page;
	struct arena_slab_hdr *fsh;
	struct kv_entry *fe;
	int err;

	v = kv_new(KV_STRING, "victim", 6, 3, 0);
	memcpy(kv_val(v), "abc", 3);
	CHECK_MSG(htab_insert(h, v) == 0, "insert victim");
	/* A blob page dressed up as an entry page holding a perfect entry for "forged". */
	page = arena_alloc_blob(2 * ARENA_PAGE_SIZE);
	memset(page, 0, 2 * ARENA_PAGE_SIZE);
	fsh = (struct arena_slab_hdr *)page;
	fsh->kind = ARENA_PK_ENTRY;
	fsh->obj_size = 88;
	fsh->nobjs = 46;
	fsh->magic = ARENA_SLAB_MAGIC;
	fe = (struct kv_entry *)(page + ARENA_SLAB_HDR_SIZE);
	fe->seq = 2;
	fe->type = KV_STRING;
	fe->flags = KV_F_KEY_INLINE | KV_F_VAL_INLINE;
	fe->db = h->tag;
	fe->klen = 6;
	fe->vlen = 4;
	fe->hash = forged_h32;
	memcpy(fe->data, "forgedEVIL", 10);
	CHECK_MSG(!arena_is_entry_slot(fe), "the page map is not fooled by a forged slab header");

	/* plant in the bucket "forged" hashes to (the table is not rehashing: 1 key) */
	CHECK_MSG(!htab_is_rehashing(h), "no rehash");
	slot = &h->t[0].buckets[forged_h32 & h->t[0].mask];
	saved_head = *slot;
	saved_next = v->next;
	/* 1. chain leads to the forged entry (a blob page) */
	*slot = fe;
	err = htab_read(h, "forged", 6, 0, buf, sizeof(buf), &vlen);
	CHECK_MSG(err == -EAGAIN, "forged entry refused: %d", err);
	/* 2. a pointer into the middle of a real entry */
	*slot = (struct kv_entry *)((char *)v + 8);
	err = htab_read(h, "forged", 6, 0, buf, sizeof(buf), &vlen);
	CHECK_MSG(err == -EAGAIN, "mid-slot pointer refused: %d", err);
	/* 3. a pointer above the high-water mark, and one outside the arena */
	*slot =
	    (struct kv_entry *)(unsigned long)arena_page_addr(ARENA_ALLOC_STATE->hiwater_page + 10);
	err = htab_read(h, "forged", 6, 0, buf, sizeof(buf), &vlen);
	CHECK_MSG(err == -EAGAIN, "pointer above the high-water mark refused: %d", err);
	*slot = (struct kv_entry *)(unsigned long)0x1234;
	err = htab_read(h, "forged", 6, 0, buf, sizeof(buf), &vlen);
	CHECK_MSG(err == -EAGAIN, "pointer outside the arena refused: %d", err);
	/* 4. a cycle: the walk is bounded */
	*slot = v;
	v->next = v;
	err = htab_read(h, "forged", 6, 0, buf, sizeof(buf), &vlen);
	CHECK_MSG(err == -EAGAIN, "cyclic chain ends in doubt: %d", err);
	v->next = saved_next;
	*slot = saved_head;
	/* the real key still reads fine */
	err = htab_read(h, "victim", 6, 0, buf, sizeof(buf), &vlen);
	CHECK_MSG(err == 0 && vlen == 3 && memcmp(buf, "abc", 3) == 0, "victim readable: %d", err);
	err = htab_read(h, "forged", 6, 0, buf, sizeof(buf), &vlen);
	CHECK_MSG(err == -ENOENT, "forged key absent once the chain is repaired: %d", err);

	/* 5. an out-of-line value pointer that runs past the high-water mark */
	{
		struct kv_entry *b = kv_new(KV_STRING, "blobby", 6, 3000, 0);
		unsigned char *blob;

		memset(kv_val(b), 'b', 3000);
		CHECK_MSG(htab_insert(h, b) == 0 && !(b->flags & KV_F_VAL_INLINE), "blob value");
		blob = kv_val(b);
		kv_write_begin(b);
		*(void **)b->data =
		    (void *)(unsigned long)(arena_page_addr(ARENA_ALLOC_STATE->hiwater_page) - 100);
		kv_write_end(b);
		err = htab_read(h, "blobby", 6, 0, vbuf, sizeof(vbuf), &vlen);
		CHECK_MSG(err == -EAGAIN, "value range past the high-water mark refused: %d", err);
		kv_write_begin(b);
		*(void **)b->data = blob;
		kv_write_end(b);
		err = htab_read(h, "blobby", 6, 0, vbuf, sizeof(vbuf), &vlen);
		CHECK_MSG(err == 0 && vlen == 3000 && vbuf[2999] == 'b', "blob value readable: %d",
			  err);
	}
	arena_free(page);
	htab_clear(h);
	arena_alloc_check();
}

static int cmp_u64(const void *a, const void *b)
{
	__u64 x = *(const __u64 *)a, y = *(const __u64 *)b;

	return x < y ? -1 : x > y;
}

/* Two keys of the same length whose 32-bit hashes are equal share a chain and match the walk's
 * first test: the reader must compare the key and walk on, both ways round. */
static void test_hash32_collision(void)
{
	enum { N = 300000 };
	struct htab *h = &ARENA_HDR->db[11];
	__u64 *v = malloc(N * sizeof(*v));
	__u32 i, a = 0, b = 0, found = 0, vlen = 0;
	char ka[32], kb[32];
	int k;

	/* (h32 << 32 | id) sorted: equal neighbours in the top half are a collision */
	for (i = 0; i < N; i++) {
		sprintf(ka, "c:%07u", i);
		v[i] = htab_hash(ka, 9) << 32 | i;
	}
	qsort(v, N, sizeof(*v), cmp_u64);
	for (i = 1; i < N && !found; i++)
		if (v[i] >> 32 == v[i - 1] >> 32) {
			a = (__u32)v[i - 1];
			b = (__u32)v[i];
			found = 1;
		}
	free(v);
	CHECK_MSG(found, "a 32-bit collision among %d keys (expected ~10)", N);
	if (!found)
		return;
	sprintf(ka, "c:%07u", a);
	sprintf(kb, "c:%07u", b);
	for (k = 0; k < 2; k++) {
		struct kv_entry *ea = kv_new(KV_STRING, ka, 9, 1, 0);
		struct kv_entry *eb = kv_new(KV_STRING, kb, 9, 1, 0);

		*kv_val(ea) = 'A';
		*kv_val(eb) = 'B';
		CHECK_MSG(ea->hash == eb->hash, "same 32-bit hash");
		/* insertion order decides which one the walk meets first */
		CHECK_MSG(htab_insert(h, k ? eb : ea) == 0 && htab_insert(h, k ? ea : eb) == 0,
			  "insert");
		CHECK_MSG(htab_read(h, ka, 9, 0, vbuf, 16, &vlen) == 0 && vbuf[0] == 'A',
			  "read a (%d)", k);
		CHECK_MSG(htab_read(h, kb, 9, 0, vbuf, 16, &vlen) == 0 && vbuf[0] == 'B',
			  "read b (%d)", k);
		CHECK_MSG(htab_find(h, ka, 9) == ea && htab_find(h, kb, 9) == eb,
			  "writer finds both");
		htab_unlink(h, ea);
		kv_free(ea);
		CHECK_MSG(htab_read(h, ka, 9, 0, vbuf, 16, &vlen) == -ENOENT,
			  "a gone, b still there");
		CHECK_MSG(htab_read(h, kb, 9, 0, vbuf, 16, &vlen) == 0 && vbuf[0] == 'B', "read b");
		htab_clear(h);
	}
}

/* RENAME of a big value without copying it (kv_new_rekey), and its abort path. */
static void test_rekey(void)
{
	struct htab *h = &ARENA_HDR->db[12];
	__u64 live0 = ARENA_ALLOC_STATE->live_bytes, live1;
	struct kv_entry *old, *nw, *abort_e;
	char longkey[600];
	__u32 vlen = 0;
	int k;

	memset(longkey, 'L', sizeof(longkey));
	for (k = 0; k < 3; k++) {
		/* k = 0: blob value; 1: blob value and a key too long for the slot; 2: inline value
		 */
		__u32 n = k == 2 ? 20 : 50000; /* blob, and fits vbuf */

		old = kv_new(KV_STRING, "src", 3, n, 0);
		make_val(7, 7, n, (unsigned char *)kv_val(old));
		CHECK_MSG(htab_insert(h, old) == 0, "insert src");
		live1 = ARENA_ALLOC_STATE->live_bytes;
		/* abort path: a rekeyed copy dropped again must leave old intact */
		abort_e = kv_new_rekey(old, "tmp", 3);
		CHECK_MSG(abort_e != NULL, "rekey");
		kv_free_keep_val(abort_e);
		CHECK_MSG(ARENA_ALLOC_STATE->live_bytes == live1, "abort frees only the new entry");
		/* the real thing */
		nw = k == 1 ? kv_new_rekey(old, longkey, sizeof(longkey))
			    : kv_new_rekey(old, "dst", 3);
		CHECK_MSG(nw && (nw->seq & 1) && nw->vlen == n, "rekeyed entry");
		CHECK_MSG(k == 2 || kv_val(nw) == kv_val(old), "blob shared, not copied");
		htab_unlink(h, old);
		kv_free_keep_val(old);
		CHECK_MSG(htab_insert(h, nw) == 0, "insert dst");
		make_val(7, 7, n, vbuf2);
		CHECK_MSG(htab_read(h, "src", 3, 0, vbuf, sizeof(vbuf), &vlen) == -ENOENT,
			  "src gone");
		if (k == 1)
			CHECK_MSG(htab_read(h, longkey, sizeof(longkey), 0, vbuf, sizeof(vbuf),
					    &vlen) == 0 &&
				      vlen == n && memcmp(vbuf, vbuf2, n) == 0,
				  "long dst readable");
		else
			CHECK_MSG(htab_read(h, "dst", 3, 0, vbuf, sizeof(vbuf), &vlen) == 0 &&
				      vlen == n && memcmp(vbuf, vbuf2, n) == 0,
				  "dst readable");
		arena_alloc_check();
		htab_clear(h);
		CHECK_MSG(ARENA_ALLOC_STATE->live_bytes == live0, "nothing leaked (%d)", k);
	}
}

/* Growth onto reused (dirty) pages: the new array is zeroed in steps before the move starts. */
static void test_dirty_growth(void)
{
	struct htab *h = &ARENA_HDR->db[10];
	__u32 id, round, bad = 0;
	__u64 prep_seen = 0;
	int err;
	char key[700];

	for (round = 0; round < 2; round++) {
		for (id = 0; id < 150000; id++) {
			if (id % 97 == 13)
				continue;
			insert_id(h, id);
			prep_seen += htab_is_resizing(h) && !htab_is_rehashing(h);
		}
		while (htab_rehash_step(h, 100))
			;
		for (id = 0; id < 150000; id++) {
			__u32 klen, vlen = 0;

			if (id % 97 == 13)
				continue;
			klen = make_key(id, key);
			make_val(id, 1, 8, vbuf2);
			if ((err = htab_read(h, key, klen, 0, vbuf, sizeof(vbuf), &vlen)) ||
			    vlen != 8 || memcmp(vbuf, vbuf2, 8)) {
				if (bad++ < 5)
					fprintf(stderr, "round %u id %u: err %d vlen %u find %p\n",
						round, id, err, vlen,
						(void *)htab_find(h, key, klen));
			}
		}
		arena_alloc_check();
		if (round == 0)
			htab_clear(h); /* frees the arrays: the next growth reuses dirty pages */
	}
	CHECK_MSG(bad == 0, "%u keys wrong after growing onto dirty pages", bad);
	CHECK_MSG(prep_seen > 0, "inserts ran while a dirty array was being zeroed (%llu)",
		  (unsigned long long)prep_seen);
	htab_clear(h);
	arena_alloc_check();
}

/* FLUSHDB ASYNC: detach, keep serving, free in bounded steps. */
static void test_detach(void)
{
	struct htab *h = &ARENA_HDR->db[8];
	struct htab grave;
	__u64 live0 = ARENA_ALLOC_STATE->live_bytes, steps = 0, live1;
	char key[700];
	__u32 id, klen, vlen;
	struct kv_entry *e;

	for (id = 0; id < 20000; id++) {
		insert_id(h, id);
		if (id % 3 == 0) {
			klen = make_key(id, key);
			htab_set_expire(h, htab_find(h, key, klen), NOW_NS * 1000);
		}
	}
	CHECK_MSG(htab_is_rehashing(h) || htab_count(h) == 20000, "filled");
	CHECK_MSG(htab_init(&grave, 0) == 0, "graveyard");
	htab_detach(h, &grave);
	CHECK_MSG(htab_count(h) == 0 && htab_expires_count(h) == 0 && !htab_is_rehashing(h),
		  "detached table is empty");
	CHECK_MSG(htab_count(&grave) == 20000 && htab_expires_count(&grave) == 6667,
		  "graveyard holds all");
	CHECK_MSG(h->tag == 8, "tag stays");
	klen = make_key(5, key);
	CHECK_MSG(htab_read(h, key, klen, 0, vbuf, sizeof(vbuf), &vlen) == -ENOENT,
		  "gone for readers");
	insert_id(h, 5);
	e = htab_find(h, key, klen);
	CHECK_MSG(e && e->db == 8, "the emptied table takes new keys");
	live1 = htab_buckets(&grave);
	while (htab_clear_step(&grave, 100))
		steps++;
	/* each step frees 100 entries or visits 1000 empty buckets (plus a partial last one) */
	CHECK_MSG(steps >= 150 && steps <= 20000 / 100 + live1 / 1000 + 2, "bounded steps: %llu",
		  (unsigned long long)steps);
	CHECK_MSG(htab_count(&grave) == 0 && htab_expires_count(&grave) == 0, "graveyard empty");
	htab_clear(h);
	CHECK_MSG(ARENA_ALLOC_STATE->live_bytes == live0, "everything freed");
	arena_alloc_check();
}

/* A full arena: kv_new fails cleanly, the table keeps every key, frees make room again. */
static void test_full_arena(void)
{
	struct htab *h = &ARENA_HDR->db[7];
	__u32 id, n = 0, bad = 0;
	char key[700];
	__u64 live;

	CHECK_MSG(arena_format(4ULL << 20) == 0, "format with a 4 MiB cap");
	for (id = 0; id < 1000000; id++) {
		__u32 klen = make_key(id, key);
		struct kv_entry *e = kv_new(KV_STRING, key, klen, 40 + id % 300, 0);

		if (!e)
			break;
		make_val(id, 1, e->vlen, (unsigned char *)kv_val(e));
		if (htab_insert(h, e)) {
			kv_free(e);
			break;
		}
		n++;
	}
	CHECK_MSG(n > 1000 && id < 1000000, "filled the arena with %u keys", n);
	live = ARENA_ALLOC_STATE->live_bytes;
	CHECK_MSG(kv_new(KV_STRING, "x", 1, 5000, 0) == NULL, "kv_new on a full arena");
	CHECK_MSG(kv_new(KV_STRING, key, 600, 100000, 0) == NULL,
		  "kv_new with blobs on a full arena");
	CHECK_MSG(ARENA_ALLOC_STATE->live_bytes == live, "failed kv_new leaves nothing allocated");
	CHECK_MSG(htab_count(h) == n, "count %llu", (unsigned long long)htab_count(h));
	for (id = 0; id < n; id++) {
		__u32 klen = make_key(id, key), vlen;

		make_val(id, 1, 40 + id % 300, vbuf2);
		if (htab_read(h, key, klen, 0, vbuf, sizeof(vbuf), &vlen) != 0 ||
		    vlen != 40 + id % 300 || memcmp(vbuf, vbuf2, vlen))
			bad++;
	}
	CHECK_MSG(bad == 0, "%u keys lost or damaged when the arena filled", bad);
	arena_alloc_check();
	for (id = 0; id < n; id += 2) {
		__u32 klen = make_key(id, key);
		struct kv_entry *e = htab_find(h, key, klen);

		htab_unlink(h, e);
		kv_free(e);
	}
	{
		struct kv_entry *x = kv_new(KV_STRING, "x", 1, 100, 0);

		CHECK_MSG(x != NULL, "room again after deletes");
		kv_free(x);
	}
	arena_alloc_check();
	CHECK_MSG(arena_format(0) == 0, "format without a cap");
}

/* ---- concurrency --------------------------------------------------------------------------- */

#define CC_STABLE  256 /* ids never deleted: a reader must never see them missing */
#define CC_IDS	   60000
#define CC_READERS 3

struct cc_stats {
	__u64 hits, misses, eagain, torn, false_miss, chunked, other;
	__u64 seed;
};

static volatile int cc_stop;
static struct htab *cc_h;

/* value = [id u32][ver u32][payload][xxh64 of everything before, u64]; len >= 16 */
static void cc_make(__u32 id, __u32 ver, __u32 len, unsigned char *out)
{
	__u64 sum;

	memcpy(out, &id, 4);
	memcpy(out + 4, &ver, 4);
	make_val(id, ver, len - 16, out + 8);
	sum = xxh64(out, len - 8, 7);
	memcpy(out + len - 8, &sum, 8);
}

static int cc_valid(__u32 id, const unsigned char *v, __u32 len)
{
	__u64 sum;
	__u32 vid;

	if (len < 16)
		return 0;
	memcpy(&vid, v, 4);
	memcpy(&sum, v + len - 8, 8);
	return vid == id && sum == xxh64(v, len - 8, 7);
}

static __u32 cc_vlen(__u64 *s)
{
	__u64 r = rng_next(s) % 100;

	if (r < 80)
		return 16 + (__u32)(rng_next(s) % 200);
	if (r < 97)
		return 16 + (__u32)(rng_next(s) % 1500);
	return 16 + (__u32)(rng_next(s) % 9000);
}

static void *cc_reader(void *arg)
{
	struct cc_stats *st = arg;
	static __thread unsigned char buf[16384], part[16384];
	char key[700];

	while (!cc_stop) {
		__u32 id = rng_next(&st->seed) % 2 ? (__u32)(rng_next(&st->seed) % CC_STABLE)
						   : (__u32)(rng_next(&st->seed) % CC_IDS);
		__u32 klen = make_key(id, key), vlen = 0;
		int err;

		if (rng_next(&st->seed) % 8 == 0) {
			/* chunked: two htab_read_at calls must see the same entry and seq */
			struct htab_read_res r1, r2;

			err = htab_read_at(cc_h, key, klen, 0, 0, part, 64, &r1);
			if (err == 0 && r1.vlen > 64) {
				int err2 = htab_read_at(cc_h, key, klen, 0, 64, part + 64,
							sizeof(part) - 64, &r2);

				if (err2 == 0 && r2.entry == r1.entry && r2.seq == r1.seq) {
					st->chunked++;
					if (!cc_valid(id, part, (__u32)r1.vlen))
						st->torn++;
				}
			}
			continue;
		}
		err = htab_read(cc_h, key, klen, 0, buf, sizeof(buf), &vlen);
		if (err == 0) {
			st->hits++;
			if (!cc_valid(id, buf, vlen))
				st->torn++;
		} else if (err == -ENOENT) {
			st->misses++;
			if (id < CC_STABLE)
				st->false_miss++;
		} else if (err == -EAGAIN) {
			st->eagain++;
		} else {
			st->other++;
		}
	}
	return NULL;
}

static struct kv_entry *cc_find(__u32 id)
{
	char key[700];
	__u32 klen = make_key(id, key);

	return htab_find(cc_h, key, klen);
}

static void cc_set(__u32 id, __u32 ver, __u64 *s)
{
	char key[700];
	__u32 klen = make_key(id, key), vlen = cc_vlen(s);
	struct kv_entry *old = htab_find(cc_h, key, klen);
	struct kv_entry *e = kv_new(KV_STRING, key, klen, vlen, vlen + (__u32)(rng_next(s) % 64));

	if (!e) {
		CHECK_MSG(0, "kv_new failed");
		return;
	}
	cc_make(id, ver, vlen, (unsigned char *)kv_val(e));
	if (old) {
		htab_replace(cc_h, old, e);
		kv_free(old);
	} else {
		CHECK_MSG(htab_insert(cc_h, e) == 0, "insert");
	}
}

static void test_concurrency(double seconds)
{
	pthread_t th[CC_READERS];
	struct cc_stats st[CC_READERS];
	__u64 s = 99, ops = 0, resizes = 0, rehash_ops = 0, last_buckets = 0;
	__u32 ver = 1, id, target = 40000;
	double t_end;
	int i;

	cc_h = &ARENA_HDR->db[6];
	for (id = 0; id < CC_STABLE; id++)
		cc_set(id, ver++, &s);
	memset(st, 0, sizeof(st));
	cc_stop = 0;
	for (i = 0; i < CC_READERS; i++) {
		st[i].seed = 1000 + i;
		CHECK_MSG(pthread_create(&th[i], NULL, cc_reader, &st[i]) == 0, "pthread_create");
	}
	t_end = now_s() + seconds;
	while (now_s() < t_end) {
		for (int k = 0; k < 1000; k++, ops++) {
			__u64 r = rng_next(&s) % 100;
			__u32 vid = CC_STABLE + (__u32)(rng_next(&s) % (CC_IDS - CC_STABLE));
			struct kv_entry *e;

			if (htab_is_rehashing(cc_h))
				rehash_ops++;
			if (r < 25) {
				cc_set((__u32)(rng_next(&s) % CC_STABLE), ver++, &s);
			} else if (r < 35) {
				/* in-place rewrite of a stable key, length within the capacity */
				e = cc_find((__u32)(rng_next(&s) % CC_STABLE));
				if (e) {
					__u32 cap = kv_vcap(e),
					      len = 16 + (__u32)(rng_next(&s) % (cap - 15));
					__u32 eid;

					memcpy(&eid, kv_val(e), 4);
					kv_write_begin(e);
					cc_make(eid, ver++, len, (unsigned char *)kv_val(e));
					e->vlen = len;
					kv_write_end(e);
				}
			} else if (r < 70) {
				/* volatile keys: drive the count towards target (grow/shrink) */
				if (htab_count(cc_h) < target)
					cc_set(vid, ver++, &s);
				else if ((e = cc_find(vid)) != NULL) {
					htab_unlink(cc_h, e);
					kv_free(e);
				}
			} else if (r < 90) {
				if ((e = cc_find(vid)) != NULL) {
					htab_unlink(cc_h, e);
					kv_free(e);
				}
			} else {
				htab_rehash_step(cc_h, 1);
			}
		}
		if (htab_buckets(cc_h) != last_buckets) {
			resizes++;
			last_buckets = htab_buckets(cc_h);
		}
		/* alternate between a big and a small table */
		if (htab_count(cc_h) >= target && target > 1000)
			target = 500;
		else if (htab_count(cc_h) <= target + CC_STABLE && target == 500)
			target = 40000;
	}
	cc_stop = 1;
	for (i = 0; i < CC_READERS; i++)
		pthread_join(th[i], NULL);
	{
		__u64 hits = 0, miss = 0, again = 0, torn = 0, fm = 0, ch = 0, other = 0;

		for (i = 0; i < CC_READERS; i++) {
			hits += st[i].hits;
			miss += st[i].misses;
			again += st[i].eagain;
			torn += st[i].torn;
			fm += st[i].false_miss;
			ch += st[i].chunked;
			other += st[i].other;
		}
		printf("  concurrency: %.1fs, writer %llu ops (%llu during rehash, %llu table "
		       "changes); readers %llu hits, %llu misses, %llu in doubt (%.2f%%), %llu "
		       "chunked reads, %llu torn, %llu false misses\n",
		       seconds, (unsigned long long)ops, (unsigned long long)rehash_ops,
		       (unsigned long long)resizes, (unsigned long long)hits,
		       (unsigned long long)miss, (unsigned long long)again,
		       100.0 * again / (hits + miss + again + 1), (unsigned long long)ch,
		       (unsigned long long)torn, (unsigned long long)fm);
		CHECK_MSG(torn == 0, "%llu torn or foreign values returned",
			  (unsigned long long)torn);
		CHECK_MSG(fm == 0, "%llu never-deleted keys reported missing",
			  (unsigned long long)fm);
		CHECK_MSG(other == 0, "%llu unexpected reader errors", (unsigned long long)other);
		CHECK_MSG(hits > 10000, "readers got hits (%llu)", (unsigned long long)hits);
		CHECK_MSG(ch > 100, "chunked reads completed (%llu)", (unsigned long long)ch);
		CHECK_MSG(resizes >= 4, "the table resized under the readers (%llu)",
			  (unsigned long long)resizes);
		CHECK_MSG(rehash_ops > 1000, "writes during rehash (%llu)",
			  (unsigned long long)rehash_ops);
	}
	htab_clear(cc_h);
	arena_alloc_check();
}

int main(int argc, char **argv)
{
	double cc_seconds = argc > 1 ? atof(argv[1]) : 3.0;
	int err = arena_map_anon();

	if (err) {
		fprintf(stderr, "arena_map_anon: %s\n", strerror(-err));
		return 1;
	}
	CHECK_MSG(arena_format(0) == 0, "format");
	for (int i = 0; i < ARENA_MAX_DBS; i++)
		CHECK_MSG(ARENA_HDR->db[i].tag == i && htab_count(&ARENA_HDR->db[i]) == 0, "db %d",
			  i);
	CHECK_MSG(htab_hash("", 0) == xxh64("", 0, HTAB_SEED), "htab_hash is xxh64 with HTAB_SEED");
	{
		/* keyspace write seqcount: a read overlapping a write is refused */
		__u64 s0 = arena_wseq_read_begin(), s1;

		CHECK_MSG(!(s0 & 1) && !arena_wseq_read_retry(s0), "wseq even and stable at rest");
		arena_wseq_write_begin();
		s1 = arena_wseq_read_begin();
		CHECK_MSG((s1 & 1) && arena_wseq_read_retry(s1),
			  "a read starting in a write is refused");
		arena_wseq_write_end();
		CHECK_MSG(arena_wseq_read_retry(s0), "a read spanning a write is refused");
		CHECK_MSG(!arena_wseq_read_retry(arena_wseq_read_begin()), "stable again");
	}
	test_memory();
	test_model();
	scan_scenario(0);
	scan_scenario(1);
	test_random_entry();
	test_swap();
	test_reader_validation();
	test_hash32_collision();
	test_rekey();
	test_dirty_growth();
	test_detach();
	test_full_arena();
	test_concurrency(cc_seconds);
	arena_alloc_check();
	CHECK_MSG(arena_unmap() == 0, "unmap");
	printf("test_index_htab: ");
	return ut_done();
}
