// SPDX-License-Identifier: BSD-2-Clause
/*
 * alloc.c - the size-class allocator over arena pages (design and reclamation rule: alloc.h).
 *
 * Who calls: the writer thread only; nothing here is thread safe or callable from BPF. All state
 * is in the arena (ARENA_ALLOC_STATE, the page map, slab headers, free-run headers) except two
 * lookup tables (size -> class) that are pure functions of the class lists below.
 *
 * Invariants (checked by arena_alloc_check()):
 *  - Every page in [ARENA_FIRST_OBJ_PAGE, next_page) is exactly one of: an ENTRY or SLAB page
 *    (page map kind + class, header at the page start), a page of an allocated run (RUN head with
 *    the length, RUN_CONT for the rest), or a page of a free run (FREE; head and tail words carry
 *    the length, struct arena_free_run at the head page).
 *  - Free runs are maximal: no two are adjacent, and none ends at next_page (it would have been
 *    given back to the wilderness).
 *  - A slab page is on its class's partial list iff it has a free slot. A SLAB page whose slots
 *    are all free is returned to the free runs at once; an ENTRY page never is.
 *  - Every failure is detected before the first store, so a NULL return changes nothing.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "layout.h"

/* Entry slot sizes: 8 bytes apart where small keys live, so 16+32 costs 88 (kv.h). */
static const __u16 arena_entry_sizes[ARENA_ENTRY_NCLASSES] = {
    48,	 56,  64,  72,	80,  88,  96,  104, 112, 120, 128, 144, 160,
    176, 192, 208, 224, 240, 256, 288, 320, 352, 384, 448, 512,
};

/* Small-object sizes: <= 25% internal waste; the last three fill a page exactly (4, 3, 2 per
 * page after the 32-byte header). */
static const __u16 arena_slab_sizes[ARENA_SLAB_NCLASSES] = {
    16,	 32,  48,  64,	80,  96,  112, 128,  160,  192,	 224,
    256, 320, 384, 448, 512, 640, 768, 1016, 1352, 2032,
};

_Static_assert(ARENA_ENTRY_MAX == 512, "last entry class");
_Static_assert(ARENA_SLAB_MAX == 2032, "last slab class");
_Static_assert((ARENA_PAGE_SIZE - ARENA_SLAB_HDR_SIZE) / 2032 == 2, "2032 fills a page");

/* size (rounded up to 8) / 8 -> class index */
static __u8 arena_entry_cls_of[ARENA_ENTRY_MAX / 8 + 1];
static __u8 arena_slab_cls_of[ARENA_SLAB_MAX / 8 + 1];

#define S    ARENA_ALLOC_STATE
#define PMAP ARENA_PMAP

static inline void *page_ptr(__u32 pg)
{
	return (void *)(unsigned long)arena_page_addr(pg);
}

static inline struct arena_slab_hdr *slab_hdr(__u32 pg)
{
	return page_ptr(pg);
}

static inline struct arena_free_run *free_run(__u32 pg)
{
	return page_ptr(pg);
}

static inline __u16 *slot_link(void *slot)
{
	return (__u16 *)((char *)slot + ARENA_SLOT_LINK_OFF);
}

static __u64 pmap_pages_for(__u64 hiwater)
{
	return (hiwater * sizeof(__u32) + ARENA_PAGE_SIZE - 1) / ARENA_PAGE_SIZE;
}

/* Pages that can have been touched when the high-water mark is hw. */
static __u64 resident_pages_for(__u64 hw)
{
	return 1 /* header */ + pmap_pages_for(hw) + (hw - ARENA_FIRST_OBJ_PAGE);
}

static void acct_update(void)
{
	S->used_bytes =
	    S->live_bytes + ARENA_PAGE_SIZE + pmap_pages_for(S->hiwater_page) * ARENA_PAGE_SIZE;
}

static void build_class_tables(void)
{
	unsigned i, c;

	for (i = 0, c = 0; i <= ARENA_ENTRY_MAX / 8; i++) {
		while (arena_entry_sizes[c] < i * 8)
			c++;
		arena_entry_cls_of[i] = (__u8)c;
	}
	for (i = 0, c = 0; i <= ARENA_SLAB_MAX / 8; i++) {
		while (arena_slab_sizes[c] < i * 8)
			c++;
		arena_slab_cls_of[i] = (__u8)c;
	}
}

int arena_alloc_init(struct arena_hdr *hdr, __u64 max_bytes)
{
	struct arena_alloc_state *st = &hdr->alloc;
	__u64 max_pages;
	__u32 pg;

	ARENA_ASSERT(st == S);
	build_class_tables();
	if (!max_bytes || max_bytes > ARENA_SIZE)
		max_bytes = ARENA_SIZE;
	max_pages = max_bytes / ARENA_PAGE_SIZE;
	if (max_pages < resident_pages_for(ARENA_FIRST_OBJ_PAGE))
		return -EINVAL;
	memset(st, 0, sizeof(*st));
	st->next_page = ARENA_FIRST_OBJ_PAGE;
	st->hiwater_page = ARENA_FIRST_OBJ_PAGE;
	st->max_pages = (__u32)(max_pages > ARENA_MAX_PAGES ? ARENA_MAX_PAGES : max_pages);
	st->max_bytes = max_bytes;
	st->touched_page = ARENA_FIRST_OBJ_PAGE; /* arena_format() raises it on a re-format */
	PMAP[0] = ARENA_PM(ARENA_PK_NONE, 0);
	for (pg = ARENA_HDR_PAGE; pg < ARENA_FIRST_OBJ_PAGE; pg++)
		PMAP[pg] = ARENA_PM(ARENA_PK_META, 0);
	acct_update();
	return 0;
}

/* ---- free runs -------------------------------------------------------------------------- */

static unsigned run_bin(__u32 n)
{
	unsigned b;

	if (n <= 32)
		return n - 1;
	b = 32 + (31 - __builtin_clz(n)) - 5;
	return b < ARENA_RUN_BINS ? b : ARENA_RUN_BINS - 1;
}

static void run_insert(__u32 pg, __u32 n)
{
	struct arena_free_run *r = free_run(pg);
	unsigned b = run_bin(n);

	r->magic = ARENA_FREE_MAGIC;
	r->npages = n;
	r->prev = 0;
	r->next = S->bins[b];
	if (r->next)
		free_run(r->next)->prev = pg;
	S->bins[b] = pg;
	PMAP[pg] = ARENA_PM(ARENA_PK_FREE, n);
	PMAP[pg + n - 1] = ARENA_PM(ARENA_PK_FREE, n);
	S->free_pages += n;
}

static void run_remove(__u32 pg)
{
	struct arena_free_run *r = free_run(pg);

	ARENA_ASSERT(r->magic == ARENA_FREE_MAGIC);
	ARENA_ASSERT(ARENA_PM_KIND(PMAP[pg]) == ARENA_PK_FREE &&
		     ARENA_PM_ARG(PMAP[pg]) == r->npages);
	if (r->prev)
		free_run(r->prev)->next = r->next;
	else
		S->bins[run_bin(r->npages)] = r->next;
	if (r->next)
		free_run(r->next)->prev = r->prev;
	S->free_pages -= r->npages;
	r->magic = 0;
}

/* Would growing the wilderness to new_next pages exceed the arena or the cap? */
static int wilderness_ok(__u64 new_next)
{
	__u64 hw = S->hiwater_page;

	if (new_next > ARENA_MAX_PAGES)
		return 0;
	if (new_next > hw)
		hw = new_next;
	return resident_pages_for(hw) <= S->max_pages;
}

/* First page of the last pages_get() range that is known to be zero (end of range if none). */
static __u32 pages_get_fresh;

/* n contiguous pages (kinds NOT set: the caller marks them), or 0 when none. */
static __u32 pages_get(__u32 n)
{
	unsigned b;
	__u32 pg, have;

	for (b = run_bin(n); b < ARENA_RUN_BINS; b++) {
		for (pg = S->bins[b]; pg; pg = free_run(pg)->next) {
			have = free_run(pg)->npages;
			if (have < n)
				continue; /* only in the power-of-two bins */
			run_remove(pg);
			if (have > n)
				run_insert(pg + n, have - n);
			pages_get_fresh = pg + n;
			return pg;
		}
	}
	if (!wilderness_ok((__u64)S->next_page + n))
		return 0;
	pg = S->next_page;
	S->next_page += n;
	pages_get_fresh = pg > S->touched_page ? pg : S->touched_page;
	if (pages_get_fresh > pg + n)
		pages_get_fresh = pg + n;
	if (S->touched_page < pg + n)
		S->touched_page = pg + n;
	if (S->next_page > S->hiwater_page) {
		/* Readers check pointers against hiwater: publish it after nothing, it only grows,
		 * and the pages above the old mark are not linked anywhere yet. */
		arena_write_once(S->hiwater_page, S->next_page);
		acct_update();
	}
	return pg;
}

/* Give n pages starting at pg back: coalesce, then bin them or return them to the wilderness. */
static void pages_put(__u32 pg, __u32 n)
{
	__u32 start = pg, len = n, i, w;

	for (i = 0; i < n; i++)
		PMAP[pg + i] = ARENA_PM(ARENA_PK_FREE, 0);
	if (start > ARENA_FIRST_OBJ_PAGE) {
		w = PMAP[start - 1];
		if (ARENA_PM_KIND(w) == ARENA_PK_FREE) {
			__u32 l = ARENA_PM_ARG(w);

			ARENA_ASSERT(l && l <= start - ARENA_FIRST_OBJ_PAGE);
			run_remove(start - l);
			PMAP[start - 1] = ARENA_PM(ARENA_PK_FREE, 0);
			start -= l;
			len += l;
		}
	}
	if (start + len < S->next_page) {
		w = PMAP[start + len];
		if (ARENA_PM_KIND(w) == ARENA_PK_FREE) {
			__u32 r = ARENA_PM_ARG(w);

			run_remove(start + len);
			PMAP[start + len] = ARENA_PM(ARENA_PK_FREE, 0);
			PMAP[start + len + r - 1] = ARENA_PM(ARENA_PK_FREE, 0);
			len += r;
		}
	}
	if (start + len == S->next_page) {
		/* Back to the wilderness (still touched: hiwater stays, rule 1). */
		for (i = 0; i < len; i++)
			PMAP[start + i] = ARENA_PM(ARENA_PK_NONE, 0);
		S->next_page = start;
		return;
	}
	run_insert(start, len);
}

/* ---- slabs ------------------------------------------------------------------------------ */

static struct arena_class_list *class_list(unsigned kind, unsigned cls)
{
	return kind == ARENA_PK_ENTRY ? &S->entry[cls] : &S->slab[cls];
}

static void partial_push(struct arena_class_list *cl, __u32 pg)
{
	struct arena_slab_hdr *sh = slab_hdr(pg);

	sh->prev = 0;
	sh->next = cl->partial;
	if (sh->next)
		slab_hdr(sh->next)->prev = pg;
	cl->partial = pg;
}

static void partial_remove(struct arena_class_list *cl, __u32 pg)
{
	struct arena_slab_hdr *sh = slab_hdr(pg);

	if (sh->prev)
		slab_hdr(sh->prev)->next = sh->next;
	else
		cl->partial = sh->next;
	if (sh->next)
		slab_hdr(sh->next)->prev = sh->prev;
	sh->next = sh->prev = 0;
}

/* A fresh slab page of this kind and class, on the class's partial list; 0 when no page. */
static __u32 slab_page_new(unsigned kind, unsigned cls)
{
	unsigned size = kind == ARENA_PK_ENTRY ? arena_entry_sizes[cls] : arena_slab_sizes[cls];
	unsigned nobjs = (ARENA_PAGE_SIZE - ARENA_SLAB_HDR_SIZE) / size;
	struct arena_slab_hdr *sh;
	char *base;
	__u32 pg;
	unsigned i;

	pg = pages_get(1);
	if (!pg)
		return 0;
	base = page_ptr(pg);
	sh = (struct arena_slab_hdr *)base;
	memset(sh, 0, sizeof(*sh));
	sh->kind = (__u8)kind;
	sh->cls = (__u8)cls;
	sh->obj_size = (__u16)size;
	sh->nobjs = (__u16)nobjs;
	sh->nfree = (__u16)nobjs;
	sh->free_off = ARENA_SLAB_HDR_SIZE;
	sh->magic = ARENA_SLAB_MAGIC;
	for (i = 0; i < nobjs; i++) {
		char *slot = base + ARENA_SLAB_HDR_SIZE + i * size;

		if (kind == ARENA_PK_ENTRY)
			arena_write_once(*(__u32 *)slot, 1u); /* odd: not a published entry */
		*slot_link(slot) =
		    i + 1 < nobjs ? (__u16)(ARENA_SLAB_HDR_SIZE + (i + 1) * size) : 0;
	}
	/* Header before page-map word: a reader that sees ENTRY may read the header. */
	arena_smp_wmb();
	arena_write_once(PMAP[pg], ARENA_PM(kind, ARENA_PM_SLAB_ARG(cls, size)));
	class_list(kind, cls)->npages++;
	partial_push(class_list(kind, cls), pg);
	return pg;
}

static void *slab_alloc(unsigned kind, unsigned cls)
{
	struct arena_class_list *cl = class_list(kind, cls);
	struct arena_slab_hdr *sh;
	__u32 pg = cl->partial;
	char *slot;

	if (!pg) {
		pg = slab_page_new(kind, cls);
		if (!pg) {
			S->nfail++;
			return NULL;
		}
	}
	sh = slab_hdr(pg);
	ARENA_ASSERT(sh->nfree && sh->free_off);
	slot = (char *)sh + sh->free_off;
	sh->free_off = *slot_link(slot);
	if (--sh->nfree == 0)
		partial_remove(cl, pg);
	cl->nused++;
	S->live_bytes += sh->obj_size;
	S->nalloc++;
	acct_update();
	return slot;
}

void *arena_alloc_entry(__u64 size)
{
	char *slot;

	if (size > ARENA_ENTRY_MAX)
		return NULL;
	slot = slab_alloc(ARENA_PK_ENTRY, arena_entry_cls_of[(size + 7) / 8]);
	if (slot)
		slot[4] = (char)0xff; /* kv_entry.type: allocated, not typed yet (KV_FREE = free) */
	return slot;
}

__u64 arena_entry_class_size(__u64 size)
{
	if (size > ARENA_ENTRY_MAX)
		return 0;
	return arena_entry_sizes[arena_entry_cls_of[(size + 7) / 8]];
}

__u64 arena_blob_class_size(__u64 size)
{
	if (size <= ARENA_SLAB_MAX)
		return arena_slab_sizes[arena_slab_cls_of[(size + 7) / 8]];
	if (size > ARENA_SIZE)
		return 0;
	return (size + ARENA_PAGE_SIZE - 1) & ~(ARENA_PAGE_SIZE - 1);
}

void *arena_alloc_blob(__u64 size)
{
	__u32 pg, n, i;

	if (size <= ARENA_SLAB_MAX)
		return slab_alloc(ARENA_PK_SLAB, arena_slab_cls_of[(size + 7) / 8]);
	if (size > ARENA_SIZE) {
		S->nfail++;
		return NULL;
	}
	n = (__u32)((size + ARENA_PAGE_SIZE - 1) / ARENA_PAGE_SIZE);
	pg = pages_get(n);
	if (!pg) {
		S->nfail++;
		return NULL;
	}
	PMAP[pg] = ARENA_PM(ARENA_PK_RUN, n);
	for (i = 1; i < n; i++)
		PMAP[pg + i] = ARENA_PM(ARENA_PK_RUN_CONT, 0);
	S->run_pages += n;
	S->live_bytes += (__u64)n * ARENA_PAGE_SIZE;
	S->nalloc++;
	acct_update();
	return page_ptr(pg);
}

void *arena_alloc_blob_lazy(__u64 size, __u64 *dirty)
{
	char *p = arena_alloc_blob(size);

	if (!p)
		return NULL;
	if (size <= ARENA_SLAB_MAX) {
		*dirty = size;
	} else {
		/* only the part of the run that was written before can be non-zero */
		__u64 d = (__u64)(pages_get_fresh - arena_pgno(p)) * ARENA_PAGE_SIZE;

		*dirty = d < size ? d : size;
	}
	return p;
}

void *arena_alloc_blob_zero(__u64 size)
{
	__u64 dirty;
	char *p = arena_alloc_blob_lazy(size, &dirty);

	if (p)
		memset(p, 0, dirty);
	return p;
}

void arena_free(void *p)
{
	__u32 pg, w, kind, off;
	struct arena_slab_hdr *sh;
	struct arena_class_list *cl;
	char *slot = p;

	if (!p)
		return;
	ARENA_ASSERT(arena_ptr_ok(p));
	pg = arena_pgno(p);
	ARENA_ASSERT(pg < S->next_page);
	w = PMAP[pg];
	kind = ARENA_PM_KIND(w);
	if (kind == ARENA_PK_RUN) {
		__u32 n = ARENA_PM_ARG(w);

		ARENA_ASSERT(arena_pgoff(p) == 0);
		S->run_pages -= n;
		S->live_bytes -= (__u64)n * ARENA_PAGE_SIZE;
		S->nfree++;
		pages_put(pg, n);
		acct_update();
		return;
	}
	ARENA_ASSERT(kind == ARENA_PK_ENTRY || kind == ARENA_PK_SLAB);
	sh = slab_hdr(pg);
	off = arena_pgoff(p);
	ARENA_ASSERT(sh->magic == ARENA_SLAB_MAGIC && sh->kind == kind);
	ARENA_ASSERT(off >= ARENA_SLAB_HDR_SIZE &&
		     (off - ARENA_SLAB_HDR_SIZE) % sh->obj_size == 0 &&
		     (off - ARENA_SLAB_HDR_SIZE) / sh->obj_size < sh->nobjs);
	if (kind == ARENA_PK_ENTRY) {
		__u32 seq = *(__u32 *)slot;

		/* type KV_FREE marks a free entry slot: a second free is a bug */
		ARENA_ASSERT(!((seq & 1) && slot[4] == 0));
		if (!(seq & 1)) {
			arena_write_once(*(__u32 *)slot, seq + 1);
			arena_smp_wmb();
		}
		slot[4] = 0; /* kv_entry.type = KV_FREE */
	}
	*slot_link(slot) = sh->free_off;
	sh->free_off = (__u16)off;
	cl = class_list(kind, sh->cls);
	cl->nused--;
	S->live_bytes -= sh->obj_size;
	S->nfree++;
	if (++sh->nfree == 1)
		partial_push(cl, pg);
	if (kind == ARENA_PK_SLAB && sh->nfree == sh->nobjs) {
		partial_remove(cl, pg);
		cl->npages--;
		sh->magic = 0;
		pages_put(pg, 1);
	}
	acct_update();
}

__u64 arena_usable_size(const void *p)
{
	__u32 w;

	ARENA_ASSERT(arena_ptr_ok(p));
	w = PMAP[arena_pgno(p)];
	switch (ARENA_PM_KIND(w)) {
	case ARENA_PK_RUN:
		return (__u64)ARENA_PM_ARG(w) * ARENA_PAGE_SIZE;
	case ARENA_PK_ENTRY:
	case ARENA_PK_SLAB:
		return slab_hdr(arena_pgno(p))->obj_size;
	}
	arena_panic(__FILE__, __LINE__, "arena_usable_size of a pointer that is not allocated");
}

__u64 arena_used_bytes(void)
{
	return S->used_bytes;
}

__u64 arena_resident_bytes(void)
{
	return resident_pages_for(S->hiwater_page) * ARENA_PAGE_SIZE;
}

__u64 arena_max_bytes(void)
{
	return (__u64)S->max_pages * ARENA_PAGE_SIZE;
}

/* ---- consistency check ------------------------------------------------------------------ */

static void check_slab_page(__u32 pg, unsigned kind, unsigned cls, __u64 *live, __u64 *nused,
			    const unsigned char *on_list_map)
{
	struct arena_slab_hdr *sh = slab_hdr(pg);
	char *base = (char *)sh;
	unsigned size, nfree = 0;
	__u32 off;
	int on_list = on_list_map[pg - ARENA_FIRST_OBJ_PAGE];

	size = kind == ARENA_PK_ENTRY ? arena_entry_sizes[cls] : arena_slab_sizes[cls];
	ARENA_ASSERT(sh->magic == ARENA_SLAB_MAGIC && sh->kind == kind && sh->cls == cls);
	ARENA_ASSERT(sh->obj_size == size && ARENA_PM_SIZE(PMAP[pg]) == size);
	ARENA_ASSERT(sh->nobjs == (ARENA_PAGE_SIZE - ARENA_SLAB_HDR_SIZE) / size);
	for (off = sh->free_off; off; off = *slot_link(base + off)) {
		ARENA_ASSERT(off >= ARENA_SLAB_HDR_SIZE && (off - ARENA_SLAB_HDR_SIZE) % size == 0);
		ARENA_ASSERT((off - ARENA_SLAB_HDR_SIZE) / size < sh->nobjs);
		ARENA_ASSERT(++nfree <= sh->nobjs);
		if (kind == ARENA_PK_ENTRY)
			ARENA_ASSERT(*(__u32 *)(base + off) & 1);
	}
	ARENA_ASSERT(nfree == sh->nfree);
	ARENA_ASSERT(kind == ARENA_PK_ENTRY || nfree < sh->nobjs);
	ARENA_ASSERT(on_list == (nfree > 0));
	*live += (__u64)(sh->nobjs - nfree) * size;
	*nused += sh->nobjs - nfree;
}

__u64 arena_alloc_check(void)
{
	__u64 live = 0, free_pages = 0, run_pages = 0, checked = 0;
	__u64 e_used[ARENA_ENTRY_NCLASSES] = {0}, s_used[ARENA_SLAB_NCLASSES] = {0};
	__u32 e_pages[ARENA_ENTRY_NCLASSES] = {0}, s_pages[ARENA_SLAB_NCLASSES] = {0};
	__u32 pg, w, n, i, prev_free_end = 0;
	__u64 binned = 0;
	unsigned b, c;

	unsigned char *on_list;

	ARENA_ASSERT(S->next_page >= ARENA_FIRST_OBJ_PAGE && S->next_page <= S->hiwater_page);
	ARENA_ASSERT(resident_pages_for(S->hiwater_page) <= S->max_pages);
	/* which pages the partial lists hold (each at most once, each of its own class) */
	on_list = calloc(S->next_page - ARENA_FIRST_OBJ_PAGE + 1, 1);
	ARENA_ASSERT(on_list);
	for (b = 0; b < 2; b++) {
		unsigned kind = b ? ARENA_PK_SLAB : ARENA_PK_ENTRY;
		unsigned ncls = b ? ARENA_SLAB_NCLASSES : ARENA_ENTRY_NCLASSES;

		for (c = 0; c < ncls; c++) {
			__u32 prev = 0;

			for (pg = class_list(kind, c)->partial; pg; pg = slab_hdr(pg)->next) {
				ARENA_ASSERT(pg >= ARENA_FIRST_OBJ_PAGE && pg < S->next_page);
				ARENA_ASSERT(!on_list[pg - ARENA_FIRST_OBJ_PAGE]);
				ARENA_ASSERT(ARENA_PM_KIND(ARENA_PMAP[pg]) == kind &&
					     ARENA_PM_CLS(ARENA_PMAP[pg]) == c);
				ARENA_ASSERT(slab_hdr(pg)->prev == prev);
				on_list[pg - ARENA_FIRST_OBJ_PAGE] = 1;
				prev = pg;
			}
		}
	}
	for (pg = ARENA_FIRST_OBJ_PAGE; pg < S->next_page;) {
		w = PMAP[pg];
		checked++;
		switch (ARENA_PM_KIND(w)) {
		case ARENA_PK_ENTRY:
			c = ARENA_PM_CLS(w);
			ARENA_ASSERT(c < ARENA_ENTRY_NCLASSES);
			check_slab_page(pg, ARENA_PK_ENTRY, c, &live, &e_used[c], on_list);
			e_pages[c]++;
			pg++;
			break;
		case ARENA_PK_SLAB:
			c = ARENA_PM_CLS(w);
			ARENA_ASSERT(c < ARENA_SLAB_NCLASSES);
			check_slab_page(pg, ARENA_PK_SLAB, c, &live, &s_used[c], on_list);
			s_pages[c]++;
			pg++;
			break;
		case ARENA_PK_RUN:
			n = ARENA_PM_ARG(w);
			ARENA_ASSERT(n && pg + n <= S->next_page);
			for (i = 1; i < n; i++)
				ARENA_ASSERT(ARENA_PM_KIND(PMAP[pg + i]) == ARENA_PK_RUN_CONT);
			run_pages += n;
			live += (__u64)n * ARENA_PAGE_SIZE;
			checked += n - 1;
			pg += n;
			break;
		case ARENA_PK_FREE:
			n = ARENA_PM_ARG(w);
			ARENA_ASSERT(n && pg + n < S->next_page); /* never touches the wilderness */
			ARENA_ASSERT(prev_free_end != pg);	  /* maximal: no adjacent runs */
			ARENA_ASSERT(free_run(pg)->magic == ARENA_FREE_MAGIC);
			ARENA_ASSERT(free_run(pg)->npages == n);
			ARENA_ASSERT(PMAP[pg + n - 1] == ARENA_PM(ARENA_PK_FREE, n));
			for (i = 1; i + 1 < n; i++)
				ARENA_ASSERT(PMAP[pg + i] == ARENA_PM(ARENA_PK_FREE, 0));
			free_pages += n;
			checked += n - 1;
			pg += n;
			prev_free_end = pg;
			break;
		default:
			arena_panic(__FILE__, __LINE__, "page of unknown kind below next_page");
		}
	}
	free(on_list);
	for (b = 0; b < ARENA_RUN_BINS; b++) {
		__u32 prev = 0;

		for (pg = S->bins[b]; pg; pg = free_run(pg)->next) {
			ARENA_ASSERT(free_run(pg)->prev == prev);
			ARENA_ASSERT(run_bin(free_run(pg)->npages) == b);
			binned += free_run(pg)->npages;
			prev = pg;
		}
	}
	for (c = 0; c < ARENA_ENTRY_NCLASSES; c++)
		ARENA_ASSERT(S->entry[c].nused == e_used[c] && S->entry[c].npages == e_pages[c]);
	for (c = 0; c < ARENA_SLAB_NCLASSES; c++)
		ARENA_ASSERT(S->slab[c].nused == s_used[c] && S->slab[c].npages == s_pages[c]);
	ARENA_ASSERT(binned == free_pages && S->free_pages == free_pages);
	ARENA_ASSERT(S->run_pages == run_pages);
	ARENA_ASSERT(S->live_bytes == live);
	ARENA_ASSERT(S->used_bytes ==
		     live + ARENA_PAGE_SIZE + pmap_pages_for(S->hiwater_page) * ARENA_PAGE_SIZE);
	return checked;
}
