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

#endif /* ARENAKV_BPF_ARENA_MAP_H */
