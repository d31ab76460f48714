// SPDX-License-Identifier: BSD-2-Clause
/*
 * arena_mem.c - anonymous mapping of the arena, and arena_format() for any mapping.
 *
 * Why an anonymous mapping behaves like the BPF arena for the index: both are a sparse range at
 * the same fixed address whose untouched pages read as zero and get backed on first write. The
 * index never asks either for pages explicitly (alloc.h's reclamation rule: pages are only ever
 * touched, never returned), so nothing above this file can tell them apart.
 *
 * Invariants: arena_anon_mapped is true exactly while this file holds the mapping. arena_format()
 * writes the header with plain stores and publishes the magic last, after a barrier, so a reader
 * that sees the magic sees a complete header.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "arena_mem.h"

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif

static int arena_anon_mapped;

void arena_panic(const char *file, int line, const char *what)
{
	fprintf(stderr, "arenakv: index invariant broken at %s:%d: %s\n", file, line, what);
	abort();
}

int arena_map_anon(void)
{
	void *p;

	if (arena_anon_mapped)
		return -EBUSY;
	p = mmap((void *)(unsigned long)ARENA_BASE, ARENA_SIZE, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED)
		return -errno;
	if ((unsigned long)p != ARENA_BASE) {
		/* A kernel older than 4.17 treats MAP_FIXED_NOREPLACE as a hint. */
		munmap(p, ARENA_SIZE);
		return -EEXIST;
	}
	arena_anon_mapped = 1;
	return 0;
}

int arena_unmap(void)
{
	if (!arena_anon_mapped)
		return -ENOENT;
	if (munmap((void *)(unsigned long)ARENA_BASE, ARENA_SIZE))
		return -errno;
	arena_anon_mapped = 0;
	return 0;
}

int arena_is_anon(void)
{
	return arena_anon_mapped;
}

int arena_is_formatted(void)
{
	struct arena_hdr *hdr = ARENA_HDR;

	return arena_read_once(hdr->magic) == ARENA_MAGIC &&
	       hdr->layout_version == ARENA_LAYOUT_VERSION && hdr->base == ARENA_BASE &&
	       hdr->size == ARENA_SIZE && hdr->hdr_size == sizeof(struct arena_hdr);
}

int arena_format(__u64 max_bytes)
{
	struct arena_hdr *hdr = ARENA_HDR;
	__u32 touched = ARENA_FIRST_OBJ_PAGE;
	__u64 formats = 0;
	int err, i;

	if (arena_is_formatted()) {
		/*
		 * Re-format: forget the old page map (every page below the old high-water mark
		 * may carry a kind), so the allocator starts from an all-zero map as it requires.
		 */
		__u32 hw = hdr->alloc.hiwater_page;

		if (hw > ARENA_MAX_PAGES)
			hw = ARENA_MAX_PAGES;
		memset((void *)ARENA_PMAP, 0, (size_t)hw * sizeof(__u32));
		formats = hdr->stats.format_count;
		/* pages written under the old format are not zero any more */
		touched = hdr->alloc.touched_page > hw ? hdr->alloc.touched_page : hw;
		if (touched > ARENA_MAX_PAGES)
			touched = ARENA_MAX_PAGES;
	}
	arena_write_once(hdr->magic, 0);
	arena_barrier();
	memset(hdr, 0, sizeof(*hdr));

	err = arena_alloc_init(hdr, max_bytes);
	if (err)
		return err;
	if (touched > hdr->alloc.touched_page)
		hdr->alloc.touched_page = touched;
	for (i = 0; i < ARENA_MAX_DBS; i++) {
		err = htab_init(&hdr->db[i], 0);
		if (err)
			return err;
		hdr->db[i].tag = (__u16)i;
	}
	hdr->layout_version = ARENA_LAYOUT_VERSION;
	hdr->ndbs = ARENA_MAX_DBS;
	hdr->base = ARENA_BASE;
	hdr->size = ARENA_SIZE;
	hdr->hdr_size = sizeof(struct arena_hdr);
	hdr->stats.format_count = formats + 1;
	arena_smp_wmb();
	arena_write_once(hdr->magic, ARENA_MAGIC);
	arena_barrier();
	return 0;
}
