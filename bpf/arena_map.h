/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * arena_map.h - the index's BPF arena map as every BPF object declares it (bpf/arenakv.bpf.c,
 * which creates it; bpf/fastpath.bpf.c and bpf/kbench.bpf.c, whose loaders give this map the
 * fd of that arena before load, so all of them read and write the same pages).
 *
 * Its geometry is index/arena.h's: ARENA_MAX_PAGES pages mapped at ARENA_BASE (map_extra) in
 * user space and in the kernel alike, so one pointer value is valid on both sides.
 *
 * arena_map_use(): a program that dereferences arena pointers must reference the arena map,
 * or the verifier refuses its addr_space_cast instructions (docs/BPF.md); a global function
 * that only receives arena addresses calls this to reference it.
 */
#ifndef ARENAKV_BPF_ARENA_MAP_H
#define ARENAKV_BPF_ARENA_MAP_H

#include "arena.h"

struct {
	__uint(type, BPF_MAP_TYPE_ARENA);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, ARENA_MAX_PAGES);
	__ulong(map_extra, ARENA_BASE);
} arena SEC(".maps");

#define arena_map_use() asm volatile("" : : "r"(&arena))

/*
 * Copy n bytes (n <= max; max a constant, the verifier's bound) from the arena to dst, 8 bytes
 * per iteration: an arena pointer cannot be handed to a helper, and a byte loop costs 8x the
 * iterations. May read up to 7 bytes past n (an arena load never faults: an unmapped page reads
 * as zeros) and writes them to dst, which needs that slack; they are never used. Returns 0 (the
 * index's HTAB_COPY_OUT contract).
 */
static __always_inline int arena_copy_words(void *dst, const __u8 __arena *src, __u32 n,
					    __u32 max)
{
	__u64 *d = dst;
	__u32 i;

	for (i = 0; i < max / 8 + 1; i++) {
		if (i * 8 >= n)
			break;
		d[i] = *(const __u64 __arena *)(src + i * 8);
	}
	return 0;
}

#endif /* ARENAKV_BPF_ARENA_MAP_H */
