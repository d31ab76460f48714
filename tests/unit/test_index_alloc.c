// SPDX-License-Identifier: BSD-2-Clause
/*
 * test_index_alloc.c - the arena allocator (index/alloc.h) over an anonymous arena mapping.
 *
 * What is proven:
 *  - size classes: every size gets a slot of the smallest class that holds it; entry classes make
 *    a 16-byte key + 32-byte value entry cost exactly 88 bytes;
 *  - page 0 and the header/page-map pages are never handed out;
 *  - reuse: freed slots and pages are handed out again before the arena grows; runs coalesce and
 *    return to the wilderness;
 *  - type stability: entry slots have an odd seq when not published, and an entry page never
 *    becomes anything else even when all its slots are free and blobs are allocated;
 *  - the hard cap / full arena: allocation returns NULL, changes no counter but nfail, and every
 *    byte of every live allocation survives; freeing makes room again;
 *  - used-bytes accounting matches the sum of usable sizes (plus the fixed metadata) at all times;
 *  - a randomized alloc/free workload against a model, with arena_alloc_check() walking every
 *    page, and every allocation filled with a pattern checked at free time (no overlaps);
 *  - a 512 MiB blob (the largest Redis value) allocates without touching its pages;
 *  - arena_alloc_blob_zero() returns zeros for fresh, reused and mixed runs and slab objects.
 * Runs without root: arena_map_anon().
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena_mem.h"
#include "kv.h"
#include "unit/unit_test.h"

static __u64 rng_state = 0x9e3779b97f4a7c15ULL;

static __u64 rng(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545F4914F6CDD1DULL;
}

#define META_BYTES() (arena_used_bytes() - ARENA_ALLOC_STATE->live_bytes)

static __u32 page_kind(const void *p)
{
	return ARENA_PM_KIND(ARENA_PMAP[arena_pgno(p)]);
}

static void test_classes(void)
{
	__u64 sz;

	CHECK_MSG(arena_entry_class_size(KV_HDR_SIZE + 16 + 32) == 88, "16+32 entry costs %llu",
		  (unsigned long long)arena_entry_class_size(88));
	CHECK_MSG(arena_entry_class_size(ARENA_ENTRY_MAX + 1) == 0, "no entry above the max");
	for (sz = 1; sz <= ARENA_ENTRY_MAX; sz++) {
		void *p = arena_alloc_entry(sz);
		__u64 u;

		CHECK_MSG(p != NULL, "entry %llu", (unsigned long long)sz);
		if (!p)
			continue;
		u = arena_usable_size(p);
		CHECK_MSG(u >= sz && u == arena_entry_class_size(sz), "entry %llu usable %llu",
			  (unsigned long long)sz, (unsigned long long)u);
		CHECK_MSG(u - sz < 64 || sz < 48, "entry class waste %llu for %llu",
			  (unsigned long long)(u - sz), (unsigned long long)sz);
		CHECK_MSG(*(__u32 *)p & 1, "fresh entry slot has an odd seq");
		CHECK_MSG(page_kind(p) == ARENA_PK_ENTRY, "entry on an entry page");
		CHECK_MSG(arena_is_entry_slot(p), "reader check accepts a slot");
		CHECK_MSG(!arena_is_entry_slot((char *)p + 8),
			  "reader check refuses a mid-slot pointer");
		arena_free(p);
		CHECK_MSG(*(__u32 *)p & 1, "freed entry slot has an odd seq");
	}
	for (sz = 0; sz <= 3 * ARENA_PAGE_SIZE; sz += (sz < 4096 ? 1 : 97)) {
		void *p = arena_alloc_blob(sz);
		__u64 u;

		CHECK_MSG(p != NULL, "blob %llu", (unsigned long long)sz);
		if (!p)
			continue;
		u = arena_usable_size(p);
		CHECK_MSG(u >= sz && u == arena_blob_class_size(sz), "blob %llu usable %llu",
			  (unsigned long long)sz, (unsigned long long)u);
		CHECK_MSG(sz > ARENA_SLAB_MAX ? u - sz < ARENA_PAGE_SIZE : u - sz <= sz / 2 + 16,
			  "blob class waste %llu for %llu", (unsigned long long)(u - sz),
			  (unsigned long long)sz);
		CHECK_MSG(!arena_is_entry_slot(p), "a blob is not an entry slot");
		memset(p, 0xab, sz);
		arena_free(p);
	}
	CHECK_MSG(!arena_is_entry_slot(NULL), "NULL is not an entry slot");
	CHECK_MSG(!arena_is_entry_slot((void *)(unsigned long)(ARENA_BASE + ARENA_PAGE_SIZE)),
		  "the header page is not an entry slot");
	arena_alloc_check();
}

static void test_reuse_and_type_stability(void)
{
	enum { N = 5000 };
	static void *e[N];
	void *b[64];
	__u64 used0 = arena_used_bytes(), hw0, pages_before;
	int i, reused = 0;

	for (i = 0; i < N; i++) {
		e[i] = arena_alloc_entry(88);
		CHECK_MSG(e[i] && arena_pgno(e[i]) >= ARENA_FIRST_OBJ_PAGE, "entry %d", i);
	}
	CHECK_MSG(arena_used_bytes() == used0 + N * 88ULL || arena_used_bytes() > used0,
		  "used grows by the class size");
	CHECK_MSG(ARENA_ALLOC_STATE->live_bytes >= N * 88ULL, "live bytes");
	hw0 = ARENA_ALLOC_STATE->hiwater_page;
	for (i = 0; i < N; i++)
		arena_free(e[i]);
	CHECK_MSG(arena_used_bytes() == used0, "used back to %llu, is %llu",
		  (unsigned long long)used0, (unsigned long long)arena_used_bytes());
	/* entry pages stay entry pages, with every slot odd */
	for (i = 0; i < N; i++)
		CHECK_MSG(page_kind(e[i]) == ARENA_PK_ENTRY && (*(__u32 *)e[i] & 1),
			  "entry page kept its kind");
	/* blobs must not land on the (empty) entry pages */
	for (i = 0; i < 64; i++) {
		b[i] = arena_alloc_blob(2032);
		CHECK_MSG(b[i] && page_kind(b[i]) == ARENA_PK_SLAB, "blob on a slab page");
	}
	for (i = 0; i < 64; i++)
		arena_free(b[i]);
	/* entries reuse the freed slots: no growth */
	hw0 = ARENA_ALLOC_STATE->hiwater_page;
	pages_before = ARENA_ALLOC_STATE->entry[5].npages;
	for (i = 0; i < N; i++) {
		void *p = arena_alloc_entry(88);

		reused += page_kind(p) == ARENA_PK_ENTRY;
		e[i] = p;
	}
	CHECK_MSG(reused == N, "entries reused");
	CHECK_MSG(ARENA_ALLOC_STATE->entry[5].npages == pages_before, "no new entry pages");
	CHECK_MSG(ARENA_ALLOC_STATE->hiwater_page == hw0, "no growth of the arena (hw %u vs %llu)",
		  ARENA_ALLOC_STATE->hiwater_page, (unsigned long long)hw0);
	for (i = 0; i < N; i++)
		arena_free(e[i]);
	arena_alloc_check();
}

static void test_runs_coalesce(void)
{
	enum { N = 200 };
	void *r[N];
	__u32 next0 = ARENA_ALLOC_STATE->next_page;
	int i;

	for (i = 0; i < N; i++) {
		r[i] = arena_alloc_blob(ARENA_PAGE_SIZE * (1 + rng() % 40) - rng() % 100);
		CHECK_MSG(r[i] && page_kind(r[i]) == ARENA_PK_RUN, "run %d", i);
	}
	/* free every other one: holes that cannot merge */
	for (i = 0; i < N; i += 2)
		arena_free(r[i]);
	arena_alloc_check();
	CHECK_MSG(ARENA_ALLOC_STATE->free_pages > 0, "free runs exist");
	/* a small run must come from a hole, not from the wilderness */
	{
		__u32 next = ARENA_ALLOC_STATE->next_page;
		void *p = arena_alloc_blob(ARENA_PAGE_SIZE);

		CHECK_MSG(p && arena_pgno(p) < next, "hole reused");
		CHECK_MSG(ARENA_ALLOC_STATE->next_page == next, "wilderness untouched");
		arena_free(p);
	}
	for (i = 1; i < N; i += 2)
		arena_free(r[i]);
	arena_alloc_check();
	CHECK_MSG(ARENA_ALLOC_STATE->free_pages == 0,
		  "everything coalesced into the wilderness (%llu)",
		  (unsigned long long)ARENA_ALLOC_STATE->free_pages);
	CHECK_MSG(ARENA_ALLOC_STATE->next_page <= next0, "next_page back to %u (is %u)", next0,
		  ARENA_ALLOC_STATE->next_page);
}

/* Fill to the cap, prove NULL changes nothing and loses nothing, then free and retry. */
static void test_full(void)
{
	enum { MAXN = 1 << 16 };
	static void *p[MAXN];
	static __u32 sz[MAXN];
	struct arena_alloc_state before;
	__u64 cap = 8ULL << 20;
	int n = 0, i, j, bad = 0;

	CHECK_MSG(arena_format(cap) == 0, "format with an 8 MiB cap");
	CHECK_MSG(arena_max_bytes() == cap, "cap %llu", (unsigned long long)arena_max_bytes());
	for (;;) {
		__u32 s = (__u32)(rng() % 3 == 0 ? 1 + rng() % 20000 : 1 + rng() % 400);
		void *q = (s <= ARENA_ENTRY_MAX && rng() % 2) ? arena_alloc_entry(s)
							      : arena_alloc_blob(s);

		if (!q)
			break;
		CHECK_MSG(n < MAXN, "fits the test array");
		if (n >= MAXN)
			break;
		memset(q, (int)(n & 0xff), s);
		p[n] = q;
		sz[n++] = s;
	}
	CHECK_MSG(n > 100, "allocated %d objects before full", n);
	CHECK_MSG(arena_resident_bytes() <= cap, "resident %llu within the cap",
		  (unsigned long long)arena_resident_bytes());
	/* small classes may still have free slots; keep allocating those until truly nothing */
	for (i = 0; i < 100000 && n < MAXN; i++) {
		void *q = arena_alloc_entry(48);

		if (!q)
			break;
		memset((char *)q + 8, (int)(n & 0xff), 40);
		p[n] = q;
		sz[n++] = 0; /* pattern check skipped for these */
	}
	memcpy(&before, ARENA_ALLOC_STATE, sizeof(before));
	for (i = 0; i < 200; i++) {
		void *q = arena_alloc_blob(ARENA_PAGE_SIZE * (1 + rng() % 8));

		CHECK_MSG(q == NULL, "full arena returns NULL");
	}
	CHECK_MSG(arena_alloc_blob(1ULL << 30) == NULL, "huge blob refused");
	CHECK_MSG(arena_alloc_blob(ARENA_SIZE + 1) == NULL, "blob larger than the arena refused");
	before.nfail = ARENA_ALLOC_STATE->nfail; /* the only counter a failure may change */
	CHECK_MSG(memcmp(&before, ARENA_ALLOC_STATE, sizeof(before)) == 0,
		  "allocator state unchanged by failures");
	for (i = 0; i < n; i++)
		for (j = 0; j < (int)sz[i]; j++)
			if (((unsigned char *)p[i])[j] != (i & 0xff)) {
				bad++;
				break;
			}
	CHECK_MSG(bad == 0, "%d allocations corrupted", bad);
	arena_alloc_check();
	/* free a third, then allocation works again */
	for (i = 0; i < n; i += 3) {
		arena_free(p[i]);
		p[i] = NULL;
	}
	CHECK_MSG(arena_alloc_blob(4000) != NULL, "room again after frees");
	arena_alloc_check();
	CHECK_MSG(arena_format(0) == 0, "re-format without a cap");
	arena_alloc_check();
	/* pages written under the old format must not be taken for zero pages */
	CHECK_MSG(ARENA_ALLOC_STATE->touched_page >= (cap >> ARENA_PAGE_SHIFT) - 8,
		  "touched mark survives a re-format (%u)", ARENA_ALLOC_STATE->touched_page);
	{
		__u64 sz = cap / 2, j, nz = 0;
		unsigned char *z = arena_alloc_blob_zero(sz);

		CHECK_MSG(z != NULL, "zeroed blob after re-format");
		for (j = 0; z && j < sz; j++)
			nz += z[j] != 0;
		CHECK_MSG(nz == 0, "%llu stale bytes in a zeroed blob after re-format",
			  (unsigned long long)nz);
		arena_free(z);
	}
}

/* Random workload vs a model of live allocations, checking patterns and accounting. */
static void test_random(void)
{
	enum { SLOTS = 20000, OPS = 300000 };
	static unsigned char *p[SLOTS];
	static __u32 off[SLOTS], sz[SLOTS];
	static unsigned char tag[SLOTS];
	__u64 live = 0, base_used;
	int op, i, bad = 0, fails = 0;

	CHECK_MSG(arena_format(0) == 0, "format");
	base_used = arena_used_bytes();
	for (op = 0; op < OPS; op++) {
		i = (int)(rng() % SLOTS);
		if (p[i]) {
			__u32 j;

			for (j = off[i]; j < sz[i]; j++)
				if (p[i][j] != tag[i]) {
					bad++;
					break;
				}
			live -= arena_usable_size(p[i]);
			arena_free(p[i]);
			p[i] = NULL;
		} else {
			__u64 r = rng() % 100;
			int entry = r < 50;
			__u32 s;

			if (entry)
				s = (__u32)(KV_HDR_SIZE +
					    rng() % (ARENA_ENTRY_MAX - KV_HDR_SIZE + 1));
			else if (r < 90)
				s = (__u32)(rng() % 2100);
			else if (r < 99)
				s = (__u32)(rng() % (64 * 1024));
			else
				s = (__u32)(rng() % (4 << 20));
			p[i] = entry ? arena_alloc_entry(s) : arena_alloc_blob(s);
			if (!p[i]) {
				fails++;
				continue;
			}
			/* entries: leave seq and type alone (allocator-owned parity, type != 0) */
			off[i] = entry ? 8 : 0;
			sz[i] = s;
			tag[i] = (unsigned char)rng();
			memset(p[i] + off[i], tag[i], sz[i] - off[i]);
			live += arena_usable_size(p[i]);
		}
		if (op % 50000 == 0)
			arena_alloc_check();
	}
	CHECK_MSG(bad == 0, "%d allocations were overwritten by others", bad);
	CHECK_MSG(fails == 0, "%d allocations failed in a 4 GiB arena", fails);
	CHECK_MSG(ARENA_ALLOC_STATE->live_bytes == live, "live bytes %llu vs model %llu",
		  (unsigned long long)ARENA_ALLOC_STATE->live_bytes, (unsigned long long)live);
	CHECK_MSG(arena_used_bytes() - live >= base_used, "used = live + metadata");
	arena_alloc_check();
	for (i = 0; i < SLOTS; i++)
		if (p[i]) {
			arena_free(p[i]);
			p[i] = NULL;
		}
	CHECK_MSG(ARENA_ALLOC_STATE->live_bytes == 0, "nothing live at the end");
	CHECK_MSG(ARENA_ALLOC_STATE->run_pages == 0, "no run pages at the end");
	arena_alloc_check();
}

/* Entries of every size side by side: no slot overlaps its neighbour. */
static void test_entry_patterns(void)
{
	enum { N = 3000 };
	static char *e[N];
	int i, bad = 0;

	for (i = 0; i < N; i++) {
		e[i] = arena_alloc_entry(KV_HDR_SIZE + i % 400);
		memset(e[i] + 8, i & 0xff, KV_HDR_SIZE + i % 400 - 8);
	}
	for (i = 0; i < N; i++) {
		int j;

		for (j = 8; j < KV_HDR_SIZE + i % 400; j++)
			if ((unsigned char)e[i][j] != (i & 0xff)) {
				bad++;
				break;
			}
	}
	CHECK_MSG(bad == 0, "%d entries overlap", bad);
	for (i = 0; i < N; i++)
		arena_free(e[i]);
	arena_alloc_check();
}

/* arena_alloc_blob_zero: zero whether the memory is fresh, reused, or partly both. */
static void test_zero(void)
{
	__u64 sizes[] = {1, 100, 2032, 5000, 3 * ARENA_PAGE_SIZE, 40 * ARENA_PAGE_SIZE + 5};
	unsigned i, k;

	for (k = 0; k < 3; k++) {
		for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
			unsigned char *p = arena_alloc_blob_zero(sizes[i]);
			__u64 j, nz = 0;

			CHECK_MSG(p != NULL, "zeroed blob %llu", (unsigned long long)sizes[i]);
			if (!p)
				continue;
			for (j = 0; j < sizes[i]; j++)
				nz += p[j] != 0;
			CHECK_MSG(nz == 0, "round %u: %llu non-zero bytes in a zeroed blob of %llu",
				  k, (unsigned long long)nz, (unsigned long long)sizes[i]);
			memset(p, 0x5a, sizes[i]); /* dirty it for the next round */
			arena_free(p);
		}
		/* a run that straddles reused and fresh pages */
		{
			unsigned char *a = arena_alloc_blob(8 * ARENA_PAGE_SIZE), *b;
			__u64 j, nz = 0;

			memset(a, 0x77, 8 * ARENA_PAGE_SIZE);
			arena_free(a); /* back to the wilderness: dirty pages below touched_page */
			b = arena_alloc_blob_zero(64 * ARENA_PAGE_SIZE);
			for (j = 0; j < 64 * ARENA_PAGE_SIZE; j++)
				nz += b[j] != 0;
			CHECK_MSG(nz == 0, "straddling run zeroed (%llu non-zero)",
				  (unsigned long long)nz);
			memset(b, 0x33, 64 * ARENA_PAGE_SIZE);
			arena_free(b);
		}
	}
	arena_alloc_check();
}

static void test_huge(void)
{
	__u64 rss0 = arena_resident_bytes();
	void *p = arena_alloc_blob(512ULL << 20);

	CHECK_MSG(p != NULL, "512 MiB blob");
	if (!p)
		return;
	CHECK_MSG(arena_usable_size(p) == 512ULL << 20, "usable 512 MiB");
	CHECK_MSG(arena_resident_bytes() > rss0, "resident counts the pages handed out");
	((char *)p)[0] = 1;
	((char *)p)[(512 << 20) - 1] = 2;
	arena_free(p);
	arena_alloc_check();
	CHECK_MSG(ARENA_ALLOC_STATE->run_pages == 0, "freed");
}

int main(void)
{
	int err = arena_map_anon();

	if (err) {
		fprintf(stderr, "arena_map_anon: %s\n", strerror(-err));
		return 1;
	}
	CHECK_MSG(arena_format(0) == 0, "format");
	CHECK_MSG(arena_is_formatted(), "formatted");
	CHECK_MSG(arena_format(4096) == -EINVAL, "a cap below the metadata is refused");
	CHECK_MSG(arena_format(0) == 0, "format again");
	CHECK_MSG(ARENA_PM_KIND(ARENA_PMAP[0]) == ARENA_PK_NONE, "page 0 is not handed out");
	test_classes();
	test_reuse_and_type_stability();
	test_runs_coalesce();
	test_entry_patterns();
	test_huge();
	test_zero();
	test_full();
	test_random();
	CHECK_MSG(arena_map_anon() == -EBUSY, "second map refused");
	CHECK_MSG(arena_unmap() == 0, "unmap");
	CHECK_MSG(arena_unmap() == -ENOENT, "second unmap");
	printf("test_index_alloc: ");
	return ut_done();
}
