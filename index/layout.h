/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * layout.h - the arena header page (page 1): magic, layout version, the roots.
 *
 * Everything reachable in the arena hangs off this page: the allocator state (at a fixed offset,
 * ARENA_HDR_ALLOC_OFF, so alloc.h's reader-side checks can find it without this file) and one
 * struct htab per database. The page map follows at page 2 (arena.h).
 *
 * Who writes: arena_format() (index/arena_mem.c) initializes it with no reader around, writing
 * magic last; afterwards only the writer thread (allocator, htab, the server's wseq) updates it.
 * Readers (BPF, other processes) may read it at any time: they check magic and layout_version
 * before trusting anything else, and read the tables under the htab contract (htab.h).
 */
#ifndef ARENAKV_LAYOUT_H
#define ARENAKV_LAYOUT_H

#include "arena.h"
#include "alloc.h"
#include "htab.h"

#define ARENA_MAGIC	     0x41524e414b563031ULL /* "ARNAKV01" */
#define ARENA_LAYOUT_VERSION 2
#define ARENA_MAX_DBS	     16

struct arena_stats {
	__u64 format_count; /* arena_format() calls on this mapping */
	__u64 reserved[7];
};

struct arena_hdr {
	__u64 magic;	      /* ARENA_MAGIC once formatted (written last) */
	__u32 layout_version; /* ARENA_LAYOUT_VERSION */
	__u32 ndbs;	      /* ARENA_MAX_DBS */
	__u64 base;	      /* ARENA_BASE the pointers were written for */
	__u64 size;	      /* ARENA_SIZE */
	__u64 hdr_size;	      /* sizeof(struct arena_hdr), to catch a mismatched build */
	__u64 wseq;	      /* keyspace write seqcount, see arena_wseq_* below */
	__u64 pad0[2];
	struct arena_alloc_state alloc; /* at ARENA_HDR_ALLOC_OFF */
	struct htab db[ARENA_MAX_DBS];
	struct arena_stats stats;
};

_Static_assert(__builtin_offsetof(struct arena_hdr, alloc) == ARENA_HDR_ALLOC_OFF,
	       "alloc.h finds the allocator state at ARENA_HDR_ALLOC_OFF");
_Static_assert(__builtin_offsetof(struct arena_hdr, db) % 8 == 0, "db[] aligned");
_Static_assert(__builtin_offsetof(struct arena_hdr, wseq) == 40, "wseq offset");
_Static_assert(sizeof(struct arena_hdr) <= ARENA_PAGE_SIZE, "arena_hdr fits its page");

#define ARENA_HDR                                                                                  \
	((struct arena_hdr __arena *)(unsigned long)(ARENA_BASE + ARENA_HDR_PAGE * ARENA_PAGE_SIZE))

/*
 * Write seqcount of the whole keyspace. The server (core, conn_call) makes it odd while it
 * executes a command that writes the keyspace (a whole EXEC counts as one), even otherwise.
 * Single-key readers ignore it: the entry seqlock is enough. A reader that answers for several
 * keys at once (MGET, EXISTS k1 k2) and must not show half of a multi-key write (MSET, RENAME,
 * SWAPDB, EXEC) takes s = arena_wseq_read_begin(), gives up if s is odd, reads its keys, and keeps
 * the answer only if !arena_wseq_read_retry(s). Active expiry and eviction of single keys need
 * not bump it.
 */
static inline __u64 arena_wseq_read_begin(void)
{
	return arena_seq_begin(ARENA_HDR->wseq);
}

/* Nonzero when a keyspace write overlapped the read that began with s. */
static inline int arena_wseq_read_retry(__u64 s)
{
	return arena_seq_retry(ARENA_HDR->wseq, s);
}

#if !ARENA_BPF
/* Writer: around one keyspace-writing command. Not nested (the caller wraps EXEC once). */
static inline void arena_wseq_write_begin(void)
{
	struct arena_hdr *hdr = ARENA_HDR;

	ARENA_ASSERT(!(hdr->wseq & 1));
	arena_write_once(hdr->wseq, hdr->wseq + 1);
	arena_smp_wmb();
}

static inline void arena_wseq_write_end(void)
{
	struct arena_hdr *hdr = ARENA_HDR;

	arena_smp_wmb();
	arena_write_once(hdr->wseq, hdr->wseq + 1);
}
#endif

#endif /* ARENAKV_LAYOUT_H */
