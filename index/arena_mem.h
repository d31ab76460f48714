/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * arena_mem.h - mapping the arena without BPF, and formatting any arena mapped at ARENA_BASE.
 *
 * Two ways to get the 4 GiB range at ARENA_BASE: the BPF arena map, mmapped there by
 * server/arena_bpf.c, or arena_map_anon() here (fallback when BPF is unavailable, and what the
 * unit tests use: no root needed). Either way arena_format() then lays out an empty index: header
 * page (index/layout.h), allocator (index/alloc.h), ARENA_MAX_DBS empty tables (index/htab.h).
 *
 * Threading: call these from one thread with no reader or writer using the arena (start-up,
 * shut-down, tests).
 */
#ifndef ARENAKV_ARENA_MEM_H
#define ARENAKV_ARENA_MEM_H

#include "layout.h"

/*
 * Reserve the whole range [ARENA_BASE, ARENA_BASE + ARENA_SIZE) as anonymous private memory,
 * MAP_FIXED_NOREPLACE (never clobbers an existing mapping) | MAP_NORESERVE (pages cost RAM only
 * once touched). 0, -EEXIST when something is already mapped there (e.g. the BPF arena),
 * -EBUSY when we already mapped it, or -errno of mmap.
 */
int arena_map_anon(void);

/* Unmap what arena_map_anon() mapped (every arena pointer dies). 0, or -ENOENT if nothing was
 * mapped by arena_map_anon() (a BPF arena is unmapped by its owner, server/arena_bpf.c). */
int arena_unmap(void);

/* 1 when arena_map_anon() currently holds the range. */
int arena_is_anon(void);

/*
 * Lay out an empty index over the mapping at ARENA_BASE, however it was made. The mapping's
 * pages must read as zero, or hold an arena formatted before (its page map is then cleared up to
 * its old high-water mark; its objects become garbage). max_bytes: hard cap on resident bytes
 * (0 = the whole arena). Writes the magic last. 0, or -EINVAL when max_bytes is too small to
 * hold even the header and the first page-map page.
 */
int arena_format(__u64 max_bytes);

/* 1 when the header carries our magic, layout version, base and size. */
int arena_is_formatted(void);

#endif /* ARENAKV_ARENA_MEM_H */
