/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * alloc.h - CONTRACT draft: size-class allocator over arena pages, user space (writer) only.
 *
 * Required API (names fixed; index owner writes the essay, state struct and implementation):
 *   int   arena_alloc_init(struct arena_hdr *hdr, __u64 max_bytes);   fresh arena; 0 / -errno
 *   void *arena_alloc_entry(__u64 size);   entry-kind slab (type-stable); NULL when full
 *   void *arena_alloc_blob(__u64 size);    any bytes, up to 512 MiB + slack; NULL when full
 *   void  arena_free(void *p);             size/kind found from the page header
 *   __u64 arena_usable_size(void *p);
 *   __u64 arena_used_bytes(void);          bytes handed out + bookkeeping (for maxmemory/INFO)
 *   __u64 arena_resident_bytes(void);      pages touched so far
 *   int   arena_is_entry_slot(const void *p); reader-side check: p is a slot in an entry page
 *                                         (header-only so BPF can use it too)
 */
#ifndef ARENAKV_ALLOC_H
#define ARENAKV_ALLOC_H
#include "arena.h"
struct arena_alloc_state { __u64 todo; };
#endif
