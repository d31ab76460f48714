/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * layout.h - CONTRACT draft: the arena header page (page 1) that holds the roots.
 * Index owner finalizes: magic, layout version, allocator state, one htab per database, stats.
 */
#ifndef ARENAKV_LAYOUT_H
#define ARENAKV_LAYOUT_H

#include "arena.h"
#include "htab.h"
#include "alloc.h"

#define ARENA_MAGIC 0x41524e414b563031ULL /* "ARNAKV01" */
#define ARENA_LAYOUT_VERSION 1
#define ARENA_MAX_DBS 16

struct arena_hdr {
	__u64 magic;
	__u32 layout_version;
	__u32 ndbs;
	__u64 base;		/* ARENA_BASE the pointers were written for */
	__u64 size;
	struct arena_alloc_state alloc;
	struct htab db[ARENA_MAX_DBS];
	/* stats etc. */
};

#define ARENA_HDR ((struct arena_hdr __arena *)(ARENA_BASE + ARENA_HDR_PAGE * ARENA_PAGE_SIZE))

#endif
