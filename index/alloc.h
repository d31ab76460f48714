/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * alloc.h - size-class allocator over arena pages. The writer (one user-space thread) allocates
 * and frees; lock-free readers (BPF, reader threads, other processes) only use the header-only
 * checks at the bottom of this file.
 *
 * The design
 * ----------
 * The arena is a 4 GiB sparse range whose pages the kernel (BPF arena) or the MMU (anonymous
 * MAP_NORESERVE mapping) backs on first touch. The allocator hands out three things:
 *
 *  - entry slots: struct kv_entry (index/kv.h) lives only in ENTRY slab pages. Size classes are
 *    8 bytes apart up to 128, 16 up to 256, wider up to ARENA_ENTRY_MAX (512), so an entry with
 *    a 16-byte key and a 32-byte value (40 + 16 + 32 = 88 bytes) costs exactly 88 bytes plus its
 *    share of the page (46 slots per page, 89 bytes each all in).
 *  - small objects (< ARENA_SLAB_MAX bytes): SLAB pages of 21 size classes (value blobs, bucket
 *    arrays of small tables, later the zset nodes).
 *  - page runs: anything bigger, up to 512 MiB values, as a run of whole pages.
 *
 * A slab page starts with struct arena_slab_hdr (kind, class, object size, in-page free list,
 * links of its class's partial list); slots follow at ARENA_SLAB_HDR_SIZE. Free slots of a page
 * are chained through a __u16 in-page offset stored at byte 8 of the slot (never byte 0: that is
 * an entry's seq). A class keeps a doubly linked list of its pages that have a free slot.
 *
 * Pages come from, in order: the free-run lists, then the wilderness (a bump pointer,
 * next_page). Free runs are coalesced with their neighbours (boundary tags in the page map), and a
 * run that ends at the wilderness is given back to it. Runs are binned by length: exact bins for
 * 1..32 pages, then one bin per power of two; allocation takes the first fitting run from the
 * smallest bin that can hold it and splits off the rest.
 *
 * The page map (pages 2..1025, index/arena.h) holds one __u32 per arena page: the page kind in the
 * top 8 bits and an argument in the low 24 (slab class; run length for a run head and for both
 * ends of a free run). It is what makes a pointer checkable by a reader that trusts nothing: the
 * page map is written only by the allocator, never holds user data, so unlike a page's first bytes
 * it cannot be spoofed by a value that happens to look like a slab header.
 *
 * Type stability and the reclamation rule
 * ---------------------------------------
 *  1. No arena page is ever returned to the kernel (no munmap, no bpf_arena_free_pages, no
 *     MADV_DONTNEED) while the arena is mapped. A lock-free reader may hold a stale pointer at any
 *     time; below the high-water mark every such pointer still reads mapped memory, in user space
 *     as in BPF. The price: resident memory is the high-water mark of the arena, as with most
 *     allocators that never trim. Freed pages are reused by later allocations of any kind.
 *  2. An ENTRY page stays an ENTRY page of the same size class forever. A slot of it is only ever
 *     reused as a kv_entry, so a stale pointer to an entry always lands on the seq word of some
 *     entry, never in the middle of one or in a value. Every slot that is not a published entry has
 *     an odd seq: new pages are formatted with seq = 1 in every slot, arena_free() makes an even
 *     seq odd, and kv_new() keeps it odd until htab publishes the entry (seq + 1, even). A reader
 *     that saw seq s and later sees s again knows the slot was not freed or reused in between
 *     (up to 2^31 reuses of one slot during one read).
 *  3. SLAB pages return to the free runs when their last object is freed; runs are freed at once.
 *     What a stale reader finds there is garbage, which it must validate (alloc.h checks, seq).
 *
 * Accounting. used_bytes = sum of usable sizes of live allocations (size class or whole pages)
 * plus the header page and the touched part of the page map: the number the server compares with
 * maxmemory and reports as used_memory. Resident bytes = pages below the high-water mark that
 * can have been touched (header + touched page map + object pages): what the arena costs in RAM.
 * max_bytes is a hard cap on resident bytes; an allocation that would exceed it (or the arena)
 * returns NULL and changes nothing. touched_page marks the pages never written since the mapping
 * was made: they read as zero, so arena_alloc_blob_zero() skips them (big bucket arrays).
 *
 * Concurrency: every function except the header-only checks is writer-only (not thread safe, not
 * callable from BPF). The state lives in the arena header (struct arena_hdr.alloc) so another
 * process can inspect it; it is at a fixed offset of the header page so this file does not need
 * layout.h (layout.h asserts the offset).
 */
#ifndef ARENAKV_ALLOC_H
#define ARENAKV_ALLOC_H

#include "arena.h"

/* Page kinds, top byte of a page-map word. */
enum arena_page_kind {
	ARENA_PK_NONE = 0,  /* never handed out (wilderness), or page 0 */
	ARENA_PK_META = 1,  /* header page, page map */
	ARENA_PK_FREE = 2,  /* on a free run; arg = run length at the run's first and last page */
	ARENA_PK_ENTRY = 3, /* entry slab page, arg = ARENA_PM_SLAB_ARG(class, slot size);
			     * permanent (reclamation rule 2) */
	ARENA_PK_SLAB = 4,  /* small-object slab page, arg as for ENTRY */
	ARENA_PK_RUN = 5,   /* first page of an allocated run, arg = run length in pages */
	ARENA_PK_RUN_CONT = 6, /* other pages of an allocated run */
};

#define ARENA_PM_KIND(w)    ((w) >> 24)
#define ARENA_PM_ARG(w)	    ((w)&0xffffffu)
#define ARENA_PM(kind, arg) (((__u32)(kind) << 24) | ((__u32)(arg)&0xffffffu))
/* A slab page's arg: class in bits 0-7, slot size in bits 8-19. The size is in the page-map
 * word (not only in the page's slab header) so that a reader validating an entry pointer
 * (arena_entry_slot_size) touches no other line than the page map's: over random keys the
 * slab header was a cache miss of its own per lookup (perf, fast path, 2026-11-22). */
#define ARENA_PM_SLAB_ARG(cls, size) ((__u32)(cls) | ((__u32)(size) << 8))
#define ARENA_PM_CLS(w)		     ((w)&0xffu)
#define ARENA_PM_SIZE(w)	     (((w) >> 8) & 0xfffu)
#define ARENA_PMAP                                                                                 \
	((__u32 __arena *)(unsigned long)(ARENA_BASE + ARENA_PMAP_PAGE * ARENA_PAGE_SIZE))

/* Size classes. Entry classes are multiples of 8 from 48 to 512; see alloc.c for the lists. */
#define ARENA_ENTRY_NCLASSES 25
#define ARENA_SLAB_NCLASSES  21
#define ARENA_ENTRY_MAX	     512  /* biggest entry slot: larger keys/values go out of line */
#define ARENA_SLAB_MAX	     2032 /* biggest small object; above this, a page run */
#define ARENA_RUN_BINS	     48
#define ARENA_SLAB_HDR_SIZE  32
#define ARENA_SLAB_MAGIC     0x534c4142u /* "SLAB" */
#define ARENA_FREE_MAGIC     0x46524545u /* "FREE" */
/* A slot's free-list link lives at this offset (byte 0 is an entry's seq). */
#define ARENA_SLOT_LINK_OFF 8

/* Header at the start of every slab page (ENTRY and SLAB kinds). */
struct arena_slab_hdr {
	__u8 kind;	/* ARENA_PK_ENTRY or ARENA_PK_SLAB, as in the page map */
	__u8 cls;	/* class index within its kind */
	__u16 obj_size; /* slot size in bytes */
	__u16 nobjs;	/* slots in this page */
	__u16 nfree;	/* slots on the free list */
	__u16 free_off; /* in-page offset of the first free slot, 0 = none */
	__u16 pad0;
	__u32 next;  /* page number of the next page on the class's partial list, 0 = end */
	__u32 prev;  /* previous one, 0 = this is the head */
	__u32 magic; /* ARENA_SLAB_MAGIC */
	__u64 pad1;
};
_Static_assert(sizeof(struct arena_slab_hdr) == ARENA_SLAB_HDR_SIZE, "slab header size");
_Static_assert(__builtin_offsetof(struct arena_slab_hdr, obj_size) == 2, "obj_size offset");

/* Written at the start of the first page of a free run (the page map holds the length). */
struct arena_free_run {
	__u32 magic; /* ARENA_FREE_MAGIC */
	__u32 npages;
	__u32 next; /* page number of the next run in the same bin, 0 = end */
	__u32 prev;
};

struct arena_class_list {
	__u32 partial; /* first page with a free slot, 0 = none */
	__u32 npages;  /* pages owned by this class */
	__u64 nused;   /* live objects */
};

/* Allocator state; lives in struct arena_hdr at ARENA_HDR_ALLOC_OFF of the header page. */
struct arena_alloc_state {
	__u32 next_page;    /* wilderness: pages >= next_page are not handed out */
	__u32 hiwater_page; /* max next_page ever: pages below may have been touched */
	__u32 max_pages;    /* hard cap on resident pages (from max_bytes) */
	__u32 touched_page; /* pages >= this were never written since the mapping was made: they
			     * read as zero (survives re-format; lets big blobs skip memset) */
	__u64 max_bytes;    /* as given to arena_alloc_init (0 = whole arena) */
	__u64 used_bytes;   /* see "Accounting" */
	__u64 live_bytes;   /* usable bytes of live objects only */
	__u64 free_pages;   /* pages on free runs */
	__u64 run_pages;    /* pages in allocated runs */
	__u64 nalloc;	    /* successful allocations since format */
	__u64 nfree;	    /* frees since format */
	__u64 nfail;	    /* allocations refused (arena full or cap) */
	__u32 bins[ARENA_RUN_BINS]; /* first page of free runs, per bin, 0 = empty */
	struct arena_class_list entry[ARENA_ENTRY_NCLASSES];
	struct arena_class_list slab[ARENA_SLAB_NCLASSES];
};

/* Offset of struct arena_alloc_state in the header page (asserted in layout.h). */
#define ARENA_HDR_ALLOC_OFF 64
#define ARENA_ALLOC_STATE                                                                          \
	((struct arena_alloc_state __arena *)(unsigned long)(ARENA_BASE +                          \
							     ARENA_HDR_PAGE * ARENA_PAGE_SIZE +    \
							     ARENA_HDR_ALLOC_OFF))

/*
 * arena_entry_slot_size - reader-side check, header-only so BPF compiles it too.
 * Returns the slot size when p is the start of a slot of an ENTRY page below the high-water
 * mark, else 0. Reads only the page map (unspoofable, see above), whose word of an ENTRY page
 * holds the slot size and never changes (reclamation rule 2). Never faults in user space: every
 * address it reads is below the high-water mark or in the page map.
 */
static inline __u32 arena_entry_slot_size(const void __arena *p)
{
	__u64 a = arena_addr(p);
	__u32 pg, off, size, hiwater, q;
	__u32 w;

	if (a < ARENA_BASE + ARENA_FIRST_OBJ_PAGE * ARENA_PAGE_SIZE || a >= ARENA_BASE + ARENA_SIZE)
		return 0;
	pg = arena_pgno(p);
	hiwater = arena_read_once(ARENA_ALLOC_STATE->hiwater_page);
	if (pg >= hiwater || hiwater > ARENA_MAX_PAGES)
		return 0;
	w = arena_read_once(ARENA_PMAP[pg]);
	if (ARENA_PM_KIND(w) != ARENA_PK_ENTRY)
		return 0;
	size = ARENA_PM_SIZE(w);
	off = arena_pgoff(p);
	if (size < 8 || off < ARENA_SLAB_HDR_SIZE)
		return 0;
	off -= ARENA_SLAB_HDR_SIZE;
	/* A slot start, and the whole slot in the page (i.e. slot index < nobjs). One division:
	 * BPF has no multiply-high, so each costs tens of cycles. */
	q = off / size;
	if (q * size != off || off + size > ARENA_PAGE_SIZE - ARENA_SLAB_HDR_SIZE)
		return 0;
	return size;
}

/* Same check as a boolean: p is a slot of an entry page. */
static inline int arena_is_entry_slot(const void __arena *p)
{
	return arena_entry_slot_size(p) != 0;
}

/*
 * arena_range_ok - reader-side check that [p, p + len) lies in the object range below the
 * high-water mark, i.e. reading it cannot fault (user space) or touch a never-used page.
 */
static inline int arena_range_ok(const void __arena *p, __u64 len)
{
	__u64 a = arena_addr(p);
	__u64 hi = arena_page_addr(arena_read_once(ARENA_ALLOC_STATE->hiwater_page));

	if (a < ARENA_BASE + ARENA_FIRST_OBJ_PAGE * ARENA_PAGE_SIZE || a > hi)
		return 0;
	return len <= hi - a;
}

#if !ARENA_BPF
/*
 * Writer API. All return NULL / -errno on failure and leave the allocator unchanged then.
 * Pointers are arena pointers (user form); memory is NOT zeroed except where said.
 */

struct arena_hdr;

/* Fresh allocator over an arena whose page map is all zero (arena_format() clears it); hdr must be
 * ARENA_HDR (the state lives at &hdr->alloc). max_bytes 0 = whole arena.
 * 0, or -EINVAL when max_bytes cannot even hold the header and the first page-map page. */
int arena_alloc_init(struct arena_hdr *hdr, __u64 max_bytes);

/* An entry slot of at least size bytes (<= ARENA_ENTRY_MAX); its seq (first __u32) is odd and its
 * type byte (byte 4) is 0xff, "allocated, untyped". */
void *arena_alloc_entry(__u64 size);

/* size bytes of anything (small objects from slabs, bigger from page runs, up to the arena). */
void *arena_alloc_blob(__u64 size);

/* Same, zero-filled. Pages never written since the mapping was made are known to be zero and
 * are not touched, so a 32 MiB bucket array costs no memset and no page faults up front. */
void *arena_alloc_blob_zero(__u64 size);

/* Like arena_alloc_blob(), and *dirty = how many leading bytes may be non-zero: the rest is
 * known to be zero (never-written pages). For callers that zero big blobs in steps. */
void *arena_alloc_blob_lazy(__u64 size, __u64 *dirty);

/* Free p (from either function above); kind and size come from the page map. Entry slots get an
 * odd seq and type KV_FREE (byte 4); an entry slot whose seq is odd and type already KV_FREE is a
 * double free and aborts, as does a pointer that is not an allocation start. NULL is ignored. */
void arena_free(void *p);

/* Bytes usable at p (its size class, or the run's pages). */
__u64 arena_usable_size(const void *p);

/* Slot size the allocator would use for an entry / blob of this size (0 if impossible). */
__u64 arena_entry_class_size(__u64 size);
__u64 arena_blob_class_size(__u64 size);

__u64 arena_used_bytes(void);	  /* see "Accounting" */
__u64 arena_resident_bytes(void); /* pages touched so far, in bytes */
__u64 arena_max_bytes(void);	  /* the hard cap in force (ARENA_SIZE when none) */

/* Walk every structure and abort on an inconsistency; returns the number of pages checked.
 * O(pages): for tests and DEBUG, never on a hot path. */
__u64 arena_alloc_check(void);
#endif

#endif /* ARENAKV_ALLOC_H */
