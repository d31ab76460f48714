/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * arena.h - the one place that knows how an arena pointer is spelled on each side.
 *
 * Every structure in index/ is compiled twice: by clang -target bpf for the kernel programs and by
 * gcc/clang for user space. In BPF, `__arena` is clang address space 1 and the compiler inserts
 * addr_space_cast instructions when such a pointer is dereferenced (the program must reference the
 * arena map for the verifier to accept them). In user space `__arena` is empty: the arena is mapped
 * at ARENA_BASE, so a pointer stored in the arena is a plain user pointer on both sides and no
 * fix-up ever happens.
 *
 * Invariants every index/ file relies on:
 *  - The arena is mapped at ARENA_BASE (4 GiB aligned) and spans ARENA_SIZE bytes; the kernel
 *    converts a 32-bit arena offset to a user pointer by keeping ARENA_BASE's upper 32 bits.
 *  - Page 0 is never handed out: its lower 32 bits are 0 and read as NULL after the cast.
 *  - Page 1 holds struct arena_hdr (index/layout.h); objects start at ARENA_FIRST_OBJ_PAGE.
 *  - Fixed-width types only (__u8 .. __u64, __s64) so both compilers agree on every layout.
 */
#ifndef ARENAKV_ARENA_H
#define ARENAKV_ARENA_H

#if defined(__BPF__) || defined(__bpf__)
#define ARENA_BPF 1
/* vmlinux.h and bpf_helpers.h are included by the .bpf.c file before any index/ header. */
#ifndef __arena
#define __arena __attribute__((address_space(1)))
#endif
#define arena_barrier() __sync_synchronize()
#define arena_read_once(x) (*(volatile typeof(x) *)&(x))
#define arena_write_once(x, v) (*(volatile typeof(x) *)&(x) = (v))
#define arena_smp_rmb() arena_barrier()
#define arena_smp_wmb() arena_barrier()
#else
#define ARENA_BPF 0
#include <linux/types.h>
#include <stddef.h>
#include <stdint.h>
#ifndef __arena
#define __arena
#endif
#define arena_barrier() __atomic_thread_fence(__ATOMIC_SEQ_CST)
#define arena_read_once(x) __atomic_load_n(&(x), __ATOMIC_RELAXED)
#define arena_write_once(x, v) __atomic_store_n(&(x), (v), __ATOMIC_RELAXED)
#define arena_smp_rmb() __atomic_thread_fence(__ATOMIC_ACQUIRE)
#define arena_smp_wmb() __atomic_thread_fence(__ATOMIC_RELEASE)
#endif

#ifndef ARENA_BASE
#define ARENA_BASE (1ULL << 44) /* user address of arena page 0; 4 GiB aligned */
#endif
#define ARENA_PAGE_SIZE 4096ULL
#define ARENA_PAGE_SHIFT 12
#define ARENA_SIZE (1ULL << 32)                         /* whole sparse range, reserved at start */
#define ARENA_MAX_PAGES (ARENA_SIZE / ARENA_PAGE_SIZE)  /* BPF map max_entries */
#define ARENA_HDR_PAGE 1ULL
#define ARENA_FIRST_OBJ_PAGE 2ULL

/* True when p lies in the arena's object range (above the header page). */
#define arena_ptr_ok(p)                                                                        \
	((__u64)(unsigned long)(p) >= ARENA_BASE + ARENA_FIRST_OBJ_PAGE * ARENA_PAGE_SIZE &&  \
	 (__u64)(unsigned long)(p) < ARENA_BASE + ARENA_SIZE)

#endif /* ARENAKV_ARENA_H */
